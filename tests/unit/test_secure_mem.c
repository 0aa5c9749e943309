/* secure_mem: what the kernel reports about each block (/proc/self/smaps
 * VmFlags "dd" = MADV_DONTDUMP, "lo" = mlocked), and the process's core-dump
 * settings. Criterion runs every test in its own process, so limits, uid and
 * dumpable changed here do not leak into other tests. */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include "cred/secure_mem.h"

/* The VmFlags line of the mapping that holds p, "" when p is not mapped. */
static void vm_flags_of(const void *p, char *out, size_t outlen)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	cr_assert_not_null(f);
	char line[512];
	bool inside = false;
	out[0] = '\0';
	uintptr_t a = (uintptr_t)p;
	while (fgets(line, sizeof line, f)) {
		unsigned long lo, hi;
		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2) {
			inside = a >= lo && a < hi;
			continue;
		}
		if (inside && strncmp(line, "VmFlags:", 8) == 0) {
			snprintf(out, outlen, "%s", line + 8);
			break;
		}
	}
	fclose(f);
}

static bool has_flag(const char *flags, const char *flag)
{
	char padded[8];
	snprintf(padded, sizeof padded, " %s", flag);
	return strstr(flags, padded) != NULL;
}

Test(secure_mem, gives_zeroed_aligned_memory_left_out_of_core_dumps)
{
	unsigned char *p = secure_mem_alloc(5000);
	cr_assert_not_null(p);
	cr_assert_eq((uintptr_t)p % 16, 0);
	for (size_t i = 0; i < 5000; i++)
		cr_assert_eq(p[i], 0, "byte %zu", i);
	memset(p, 0xA5, 5000); /* every byte is ours */
	char flags[512];
	vm_flags_of(p + 4999, flags, sizeof flags);
	cr_assert(has_flag(flags, "dd"), "VmFlags:%s", flags);
	secure_mem_free(p);
}

Test(secure_mem, locks_the_block_when_the_limit_allows)
{
	struct rlimit rl;
	cr_assert_eq(getrlimit(RLIMIT_MEMLOCK, &rl), 0);
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < 65536 && geteuid() != 0)
		cr_skip_test("RLIMIT_MEMLOCK %lu too small to prove a lock",
			     (unsigned long)rl.rlim_cur);
	size_t before = secure_mem_unlocked_bytes();
	void *p = secure_mem_alloc(100);
	char flags[512];
	vm_flags_of(p, flags, sizeof flags);
	cr_assert(has_flag(flags, "lo"), "VmFlags:%s", flags);
	cr_assert_eq(secure_mem_unlocked_bytes(), before);
	secure_mem_free(p);
}

Test(secure_mem, counts_what_mlock_refused_and_still_works)
{
	/* Root locks past any limit (CAP_IPC_LOCK): become nobody, which drops
	 * the capability, under a limit of zero. */
	const struct rlimit zero = {0, 0};
	cr_assert_eq(setrlimit(RLIMIT_MEMLOCK, &zero), 0);
	if (geteuid() == 0)
		cr_assert_eq(setresuid(65534, 65534, 65534), 0);
	unsigned char *p = secure_mem_dup("0123456789abcdef", 17);
	cr_assert_not_null(p);
	cr_assert_str_eq((const char *)p, "0123456789abcdef");
	cr_assert_geq(secure_mem_unlocked_bytes(), 17);
	char flags[512];
	vm_flags_of(p, flags, sizeof flags);
	cr_assert_not(has_flag(flags, "lo"), "VmFlags:%s", flags);
	cr_assert(has_flag(flags, "dd"), "VmFlags:%s", flags);
	secure_mem_free(p);
}

Test(secure_mem, free_unmaps_the_block)
{
	char *s = secure_mem_strdup("a PSK");
	cr_assert_str_eq(s, "a PSK");
	char flags[512];
	vm_flags_of(s, flags, sizeof flags);
	cr_assert_neq(flags[0], '\0');
	secure_mem_free(s);
	vm_flags_of(s, flags, sizeof flags);
	cr_assert_eq(flags[0], '\0', "still mapped: VmFlags:%s", flags);
	secure_mem_free(NULL);
}

Test(secure_mem, refuses_a_size_that_overflows)
{
	cr_assert_null(secure_mem_alloc(SIZE_MAX - 8));
}

Test(secure_mem, protect_process_turns_off_core_dumps)
{
	struct rlimit rl;
	cr_assert_eq(prctl(PR_GET_DUMPABLE), 1);
	cr_assert_eq(secure_mem_protect_process(), 0);
	cr_assert_eq(getrlimit(RLIMIT_CORE, &rl), 0);
	cr_assert_eq(rl.rlim_cur, 0);
	cr_assert_eq(rl.rlim_max, 0);
	cr_assert_eq(prctl(PR_GET_DUMPABLE), 0);
}
