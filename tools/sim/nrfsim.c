/*
 * nrfsim: runs a program against the simulator, and inspects or resets the
 * simulated boards' persistent state.
 *
 *   nrfsim run SCENARIO.ini -- COMMAND [ARGS...]
 *   nrfsim show STATE_DIR
 *   nrfsim reset STATE_DIR
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image/digest.h"
#include "modem_keygen.h"
#include "modem_store.h"
#include "scenario.h"
#include "slotctl.h"
#include "state.h"

static int usage(FILE *f)
{
	fprintf(f, "usage: nrfsim run SCENARIO.ini -- COMMAND [ARGS...]\n"
		   "       nrfsim show STATE_DIR\n"
		   "       nrfsim reset STATE_DIR\n"
		   "       nrfsim slot STATE_DIR SERIAL insert|remove|replace\n"
		   "run    loads the fake libusb (simulated J-Links) into COMMAND; the state\n"
		   "       directory comes from NRFSIM_STATE_DIR, the scenario's state_dir,\n"
		   "       or /tmp/nrfsim-<uid>/<scenario name>\n"
		   "show   prints each simulated board's identity, protection, flash digest\n"
		   "       and modem credential list (digests only, never content)\n"
		   "reset  deletes the boards' state files: they are re-created from the\n"
		   "       scenario on next use\n"
		   "slot   acts like an operator at the probe's slot: pull the board out,\n"
		   "       put it back, or insert a fresh one (erased, next IMEI); the\n"
		   "       process using the probe sees it at its next USB transfer\n");
	return f == stdout ? 0 : 2;
}

/* libnrfsim.so sits next to this executable in the build tree. */
static int library_path(char *out, size_t size)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	char *slash;

	if (n <= 0)
		return -1;
	self[n] = '\0';
	slash = strrchr(self, '/');
	if (!slash)
		return -1;
	*slash = '\0';
	n = snprintf(out, size, "%s/libnrfsim.so", self);
	return n < 0 || (size_t)n >= size || access(out, R_OK) != 0 ? -1 : 0;
}

/*
 * An ASan-built COMMAND insists that its runtime is the first object in the
 * process, which the preloaded fake is not when the simulator itself is not
 * ASan-built; the fake defines no allocator, so the check can be relaxed.
 */
static void allow_preload_before_asan(void)
{
	const char *old = getenv("ASAN_OPTIONS");
	char *opts;

	if (old && strstr(old, "verify_asan_link_order"))
		return;
	if (asprintf(&opts, "%s%sverify_asan_link_order=0", old ? old : "",
		     old && *old ? ":" : "") < 0)
		return;
	setenv("ASAN_OPTIONS", opts, 1);
	free(opts);
}

static int cmd_run(int argc, char **argv)
{
	static struct scenario s;
	char scenario_path[PATH_MAX], lib[PATH_MAX], *preload;
	const char *old = getenv("LD_PRELOAD");
	size_t size;
	int i;

	if (argc < 3 || strcmp(argv[1], "--") != 0 || !argv[2][0])
		return usage(stderr);
	if (!realpath(argv[0], scenario_path)) {
		fprintf(stderr, "nrfsim: %s: %s\n", argv[0], strerror(errno));
		return 2;
	}
	if (scenario_load(scenario_path, &s, stderr) != 0) {
		fprintf(stderr, "nrfsim: %s: invalid scenario\n", scenario_path);
		return 2;
	}
	if (scenario_make_state_dir(&s) != 0) {
		fprintf(stderr, "nrfsim: cannot create %s: %s\n", s.state_dir, strerror(errno));
		return 2;
	}
	if (library_path(lib, sizeof(lib)) != 0) {
		fprintf(stderr, "nrfsim: libnrfsim.so not found next to this program\n");
		return 2;
	}
	size = strlen(lib) + (old ? strlen(old) : 0) + PATH_MAX + 4;
	preload = malloc(size);
	if (!preload)
		return 2;
#ifdef NRFSIM_LIBASAN
	/* The library is ASan-instrumented: the ASan runtime must be the first
	 * object in the process (jlink.md §6.2). */
	i = snprintf(preload, size, "%s:%s", NRFSIM_LIBASAN, lib);
#else
	i = snprintf(preload, size, "%s", lib);
#endif
	if (old && *old)
		snprintf(preload + i, size - (size_t)i, ":%s", old);
	setenv("LD_PRELOAD", preload, 1);
	free(preload);
	allow_preload_before_asan();
	setenv("NRFSIM_SCENARIO", scenario_path, 1);
	setenv("NRFSIM_STATE_DIR", s.state_dir, 1);
	execvp(argv[2], argv + 2);
	fprintf(stderr, "nrfsim: cannot run %s: %s\n", argv[2], strerror(errno));
	return 127;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int only_boards(const struct dirent *d)
{
	return ends_with(d->d_name, ".board");
}

static uint32_t get_le32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static const char *approtect_text(const struct simstate *st, uint32_t word)
{
	uint32_t open = st->part == SIMBOARD_NRF9160 ? UICR_APPROTECT_UNPROTECTED_9160
						     : UICR_APPROTECT_HWUNPROTECTED;

	if (word == open)
		return "disabled (UICR unprotected)";
	if (st->part != SIMBOARD_NRF9160 && word == 0xffffffffu)
		return "enabled (UICR erased: nRF91x1 protects unless firmware opens it)";
	return "enabled";
}

static const char *cred_type_name(uint8_t type)
{
	static const char *const names[] = {"CA cert",	    "client cert", "private key",  "PSK",
					    "PSK identity", "public key",  "device id key"};

	return type < sizeof(names) / sizeof(names[0]) ? names[type] : "unknown";
}

/* One row per stored credential: digests and sizes only, never content. */
static void show_modem_store(const struct simstate *st)
{
	uint32_t len = st->modem_store_len;
	int n;

	if (len > sizeof(st->modem_store)) {
		printf("  modem store: corrupt (length %u)\n", (unsigned)len);
		return;
	}
	n = mstore_count(st->modem_store, len);
	if (n < 0) {
		printf("  modem store: corrupt\n");
		return;
	}
	printf("  modem store: %u bytes\n", (unsigned)len);
	printf("  modem credentials: %d\n", n);
	if (n > 0)
		printf("    %10s  %-4s %-14s %6s  %s\n", "sec_tag", "type", "", "length", "sha256");
	for (int i = 0; i < n; i++) {
		struct mstore_entry e;
		uint8_t digest[SHA256_LEN];
		char hex[SHA256_HEX_LEN];

		mstore_entry_at(st->modem_store, len, i, &e);
		if (e.type == 2) {
			/* A private key: its public half only (an EC key, e.g. one
			 * %KEYGEN made), never the key nor a digest of it. */
			uint8_t point[65];
			char pub[2 * sizeof(point) + 1];
			if (simmodem_key_public_point(e.content, e.length, point) == 0) {
				for (size_t k = 0; k < sizeof(point); k++)
					snprintf(pub + 2 * k, 3, "%02x", point[k]);
			} else {
				snprintf(pub, sizeof(pub), "-");
			}
			printf("    %10u  %-4u %-14s %6u  secret: no digest shown; public key %s\n",
			       (unsigned)e.sec_tag, (unsigned)e.type, cred_type_name(e.type),
			       (unsigned)e.length, pub);
			continue;
		}
		sha256(e.content, e.length, digest);
		sha256_hex(digest, hex);
		printf("    %10u  %-4u %-14s %6u  %s\n", (unsigned)e.sec_tag, (unsigned)e.type,
		       cred_type_name(e.type), (unsigned)e.length, hex);
	}
}

static void show_board(const char *dir, const char *name)
{
	char path[PATH_MAX], hex[SHA256_HEX_LEN];
	uint8_t digest[SHA256_LEN];
	struct simstate *st;
	enum simstate_err err;
	size_t erased = 0, uicr_words = 0;
	uint32_t approtect;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	err = simstate_load(path, &st);
	printf("probe %.*s\n", (int)(strlen(name) - strlen(".board")), name);
	if (err != SIMSTATE_OK) {
		printf("  error: %s\n", simstate_strerror(err));
		return;
	}
	approtect = get_le32(st->uicr + UICR_APPROTECT);
	printf("  part:       %s\n", simstate_part_name(st->part));
	printf("  device id:  %016llx\n", (unsigned long long)st->device_id);
	printf("  IMEI:       %s\n", st->imei);
	printf("  modem fw:   %s\n", st->modem_fw);
	printf("  APPROTECT:  %s, UICR.APPROTECT=0x%08x\n", approtect_text(st, approtect),
	       approtect);
	for (size_t i = 0; i < sizeof(st->flash); i++)
		erased += st->flash[i] == 0xff;
	sha256(st->flash, sizeof(st->flash), digest);
	sha256_hex(digest, hex);
	printf("  flash:      sha256 %s, %s\n", hex,
	       erased == sizeof(st->flash) ? "fully erased" : "programmed");
	if (erased != sizeof(st->flash))
		printf("              %zu of %zu bytes not 0xFF\n", sizeof(st->flash) - erased,
		       sizeof(st->flash));
	for (size_t off = 0; off + 4 <= sizeof(st->uicr); off += 4) {
		uint32_t w = get_le32(st->uicr + off);

		if (w == 0xffffffffu)
			continue;
		if (uicr_words++ == 0)
			printf("  UICR words not erased:\n");
		printf("    0x%08x = 0x%08x\n", (unsigned)(SIM_UICR_BASE + off), w);
	}
	if (!uicr_words)
		printf("  UICR:       fully erased\n");
	show_modem_store(st);
	simstate_free(st);
}

static int boards_and_slots(const struct dirent *d)
{
	return ends_with(d->d_name, ".board") || ends_with(d->d_name, ".slot");
}

static int list_files(const char *dir, struct dirent ***list, int (*filter)(const struct dirent *))
{
	int n = scandir(dir, list, filter, by_name);

	if (n < 0)
		fprintf(stderr, "nrfsim: %s: %s\n", dir, strerror(errno));
	return n;
}

static int cmd_show(const char *dir)
{
	struct dirent **list;
	int n = list_files(dir, &list, only_boards);

	if (n < 0)
		return 1;
	if (n == 0)
		printf("no boards in %s\n", dir);
	for (int i = 0; i < n; i++) {
		show_board(dir, list[i]->d_name);
		free(list[i]);
	}
	free(list);
	return 0;
}

static int cmd_reset(const char *dir)
{
	struct dirent **list;
	int n = list_files(dir, &list, boards_and_slots), rc = 0, boards = 0;
	char path[PATH_MAX];

	if (n < 0)
		return 1;
	for (int i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, list[i]->d_name);
		boards += ends_with(path, ".board");
		if (unlink(path) != 0) {
			fprintf(stderr, "nrfsim: cannot delete %s: %s\n", path, strerror(errno));
			rc = 1;
		}
		free(list[i]);
	}
	free(list);
	printf("deleted %d board state file(s) in %s\n", boards, dir);
	return rc;
}

static int cmd_slot(const char *dir, const char *serial_arg, const char *verb)
{
	int action = slotctl_parse_action(verb);
	struct slotctl c = {0};
	char path[PATH_MAX];
	unsigned long long serial;
	char *end;
	int rc;

	serial = strtoull(serial_arg, &end, 10);
	if (action < 0 || !*serial_arg || *end || strlen(serial_arg) > 12)
		return usage(stderr);
	if (snprintf(path, sizeof(path), "%s/%012llu.slot", dir, serial) >= (int)sizeof(path))
		return 2;
	rc = slotctl_read(path, &c);
	if (rc < 0) {
		fprintf(stderr, "nrfsim: %s: unreadable, starting over\n", path);
		memset(&c, 0, sizeof(c));
	}
	c.seq++;
	c.action = (enum slotctl_action)action;
	if (c.action == SLOTCTL_REPLACE)
		c.generation++;
	if (slotctl_write(path, &c) != 0) {
		fprintf(stderr, "nrfsim: cannot write %s: %s\n", path, strerror(errno));
		return 1;
	}
	printf("slot %012llu: %s (action %llu, board generation %u)\n", serial, verb,
	       (unsigned long long)c.seq, (unsigned)c.generation);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")))
		return usage(stdout);
	if (argc >= 3 && !strcmp(argv[1], "run"))
		return cmd_run(argc - 2, argv + 2);
	if (argc == 3 && !strcmp(argv[1], "show"))
		return cmd_show(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "reset"))
		return cmd_reset(argv[2]);
	if (argc == 5 && !strcmp(argv[1], "slot"))
		return cmd_slot(argv[2], argv[3], argv[4]);
	return usage(stderr);
}
