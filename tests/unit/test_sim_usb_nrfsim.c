/*
 * The `nrfsim` command: `show` reports a board state file (identity,
 * protection, digests) without ever printing credential content; `reset`
 * deletes the state files. Board files are written with the board's own
 * state API (state.h) and the modem store API (modem_store.h).
 */
#define _XOPEN_SOURCE 700
#include <criterion/criterion.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "image/digest.h"
#include "modem_store.h"
#include "state.h"

static char dir[64];

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void cleanup(void)
{
	if (dir[0])
		nftw(dir, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
}

static const char ca[] = "-----BEGIN CERTIFICATE-----SECRET-CA-BODY-----END CERTIFICATE-----";
static const char psk[] = "SECRETPSK00112233445566778899";

static void write_board(const char *serial)
{
	struct simstate *st = simstate_new();
	struct mstore ms;
	char path[128];
	int fd;

	cr_assert_not_null(st);
	st->part = SIMBOARD_NRF9161;
	strcpy(st->imei, "352404110000013");
	strcpy(st->modem_fw, "mfw_nrf91x1_2.0.1");
	memset(st->uicr + UICR_APPROTECT, 0, 4); /* Protected */
	memset(st->flash + 0x1000, 0x00, 16);
	ms.blob = st->modem_store;
	ms.len = &st->modem_store_len;
	ms.cap = SIMSTATE_MODEM_STORE_SIZE;
	cr_assert_eq(mstore_put(&ms, 42, 0, (const uint8_t *)ca, sizeof(ca) - 1), MSTORE_OK);
	cr_assert_eq(mstore_put(&ms, 42, 3, (const uint8_t *)psk, sizeof(psk) - 1), MSTORE_OK);
	snprintf(path, sizeof(path), "%s/%s.board", dir, serial);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	cr_assert_geq(fd, 0);
	cr_assert_eq(simstate_write_fd(fd, st), SIMSTATE_OK);
	close(fd);
	simstate_free(st);
}

/* Runs nrfsim with the given verb on dir; returns its stdout. */
static char *run_nrfsim(const char *verb)
{
	const char *build = getenv("NRFCRED_BUILD_ROOT");
	static char out[16384];
	char cmd[512];
	size_t n;
	FILE *p;

	cr_assert_not_null(build, "NRFCRED_BUILD_ROOT not set (run through meson test)");
	snprintf(cmd, sizeof(cmd), "%s/tools/sim/nrfsim %s %s", build, verb, dir);
	p = popen(cmd, "r");
	cr_assert_not_null(p);
	n = fread(out, 1, sizeof(out) - 1, p);
	out[n] = '\0';
	cr_assert_eq(pclose(p), 0, "%s failed:\n%s", cmd, out);
	return out;
}

static void digest_hex(const char *data, size_t len, char hex[SHA256_HEX_LEN])
{
	uint8_t d[SHA256_LEN];

	sha256(data, len, d);
	sha256_hex(d, hex);
}

Test(sim_nrfsim, show_lists_identity_protection_and_credential_digests_only)
{
	char ca_hex[SHA256_HEX_LEN], psk_hex[SHA256_HEX_LEN];
	const char *out;

	strcpy(dir, "/tmp/nrfsim-show-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	atexit(cleanup);
	write_board("000260000077");
	out = run_nrfsim("show");
	digest_hex(ca, sizeof(ca) - 1, ca_hex);
	digest_hex(psk, sizeof(psk) - 1, psk_hex);
	cr_assert(strstr(out, "probe 000260000077"), "%s", out);
	cr_assert(strstr(out, "nRF9161"), "%s", out);
	cr_assert(strstr(out, "352404110000013"), "%s", out);
	cr_assert(strstr(out, "APPROTECT:  enabled"), "%s", out);
	cr_assert(strstr(out, "programmed"), "%s", out);
	cr_assert(strstr(out, "0x00ff8000 = 0x00000000"), "UICR word missing:\n%s", out);
	cr_assert(strstr(out, "modem credentials: 2"), "%s", out);
	cr_assert(strstr(out, ca_hex), "CA digest missing:\n%s", out);
	cr_assert(strstr(out, psk_hex), "PSK digest missing:\n%s", out);
	cr_assert_null(strstr(out, "SECRET"), "credential content leaked:\n%s", out);
}

Test(sim_nrfsim, reset_deletes_the_board_files)
{
	char path[128];
	const char *out;

	strcpy(dir, "/tmp/nrfsim-reset-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	atexit(cleanup);
	write_board("000260000077");
	write_board("000260000078");
	out = run_nrfsim("reset");
	cr_assert(strstr(out, "deleted 2"), "%s", out);
	snprintf(path, sizeof(path), "%s/000260000077.board", dir);
	cr_assert_neq(access(path, F_OK), 0, "board file still there");
	out = run_nrfsim("show");
	cr_assert(strstr(out, "no boards"), "%s", out);
}
