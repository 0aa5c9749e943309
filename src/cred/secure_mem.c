/* Page-granular blocks for secrets and the process's core-dump settings;
 * see secure_mem.h. */
#include "cred/secure_mem.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

/* In front of the caller's bytes, on the block's first page: what munmap
 * needs back. 16 bytes keep the caller's pointer aligned for any type. */
struct block_head {
	size_t map_len;
	bool locked; /* mlock took the mapping */
};
#define HEAD_SIZE 16u
_Static_assert(sizeof(struct block_head) <= HEAD_SIZE, "block head fits its slot");

/* The one piece of process state: RLIMIT_MEMLOCK is per process, so is
 * what it refused. Atomic: slots allocate from the thread pool. */
static atomic_size_t unlocked_bytes;

/* The system call itself, not libc's mlock: AddressSanitizer replaces
 * mlock with a no-op that reports success (it cannot lock its shadow), and
 * a lock that silently did not happen is what this module must count. */
static bool lock_pages(void *base, size_t len)
{
	return syscall(SYS_mlock, base, len) == 0;
}

void *secure_mem_alloc(size_t len)
{
	long page = sysconf(_SC_PAGESIZE);
	size_t psz = page > 0 ? (size_t)page : 4096u;
	if (len > SIZE_MAX - HEAD_SIZE - psz)
		return NULL;
	size_t map_len = (len + HEAD_SIZE + psz - 1) / psz * psz;
	void *base =
		mmap(NULL, map_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (base == MAP_FAILED)
		return NULL;
	/* Best effort: a kernel without MADV_DONTDUMP (before 3.4) still
	 * writes no core, secure_mem_protect_process saw to that. */
	(void)madvise(base, map_len, MADV_DONTDUMP);
	struct block_head *h = base;
	h->map_len = map_len;
	h->locked = lock_pages(base, map_len);
	if (!h->locked)
		atomic_fetch_add(&unlocked_bytes, map_len);
	return (unsigned char *)base + HEAD_SIZE;
}

void *secure_mem_dup(const void *src, size_t len)
{
	void *p = secure_mem_alloc(len);
	if (p != NULL && len > 0)
		memcpy(p, src, len);
	return p;
}

char *secure_mem_strdup(const char *s)
{
	size_t n = strlen(s);
	return secure_mem_dup(s, n + 1);
}

void secure_mem_free(void *p)
{
	if (p == NULL)
		return;
	unsigned char *base = (unsigned char *)p - HEAD_SIZE;
	struct block_head h = *(struct block_head *)base;
	explicit_bzero(base, h.map_len); /* not a dead store to drop before munmap */
	if (h.locked)
		(void)syscall(SYS_munlock, base, h.map_len);
	(void)munmap(base, h.map_len);
}

size_t secure_mem_unlocked_bytes(void)
{
	return atomic_load(&unlocked_bytes);
}

int secure_mem_protect_process(void)
{
	int err = 0;
	const struct rlimit none = {0, 0};
	if (setrlimit(RLIMIT_CORE, &none) != 0)
		err = errno;
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0 && err == 0)
		err = errno;
	return err;
}
