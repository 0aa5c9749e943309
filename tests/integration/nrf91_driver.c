/*
 * Test driver for the swd/target integration test: drives one simulated (or
 * real) J-Link through src/probe/jlink.c and src/target/nrf91.c, the same
 * calls the station makes. Prints key=value lines for the shell test.
 *
 *   nrf91_driver identify SERIAL
 *   nrf91_driver recover SERIAL [--no-blank-check]  (attach with recover allowed)
 *   nrf91_driver program SERIAL FILE.hex (erase all, program, verify)
 *   nrf91_driver read SERIAL ADDR LEN OUT.bin
 */
#include "image/ihex.h"
#include "image/image.h"
#include "probe/jlink.h"
#include "target/nrf91.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(const char *what, nrf91_err e, const char *detail)
{
	printf("error=%s\nerror_text=%s: %s: %s\n", what, what, nrf91_strerror(e), detail);
	return 1;
}

static void print_stats(const struct nrf91 *t)
{
	struct nrf91_stats s;
	nrf91_get_stats(t, &s);
	printf("round_trips=%llu\nswd_bits=%llu\nwait_retries=%llu\n",
	       (unsigned long long)s.round_trips, (unsigned long long)s.swd_bits,
	       (unsigned long long)s.wait_retries);
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: nrf91_driver identify|recover|program|read SERIAL ...\n");
		return 2;
	}
	const char *cmd = argv[1];
	uint32_t serial = (uint32_t)strtoul(argv[2], NULL, 10);
	struct jlink_context *ctx = NULL;
	if (jlink_context_create(&ctx) != PROBE_OK)
		return 3;
	char err[160];
	struct probe *p = NULL;
	probe_err pe = jlink_open(ctx, serial, 0, &p, err, sizeof(err));
	if (pe != PROBE_OK) {
		printf("error=open\nerror_text=%s\n", err);
		jlink_context_destroy(ctx);
		return 1;
	}
	uint16_t mv = 0;
	if (probe_vtref(p, &mv) == PROBE_OK)
		printf("vtref_mv=%u\n", mv);
	printf("speed_khz=%u\nmax_swd_bits=%u\n", p->speed_khz, p->max_swd_bits);
	struct nrf91_options o = {.allow_recover = strcmp(cmd, "recover") == 0};
	struct nrf91 *t = NULL;
	struct nrf91_info info;
	nrf91_err e = nrf91_attach(p, &o, &t, &info);
	int rc = 0;
	if (e != NRF91_OK) {
		rc = fail("attach", e, info.error_detail);
		goto out;
	}
	printf("dpidr=0x%08x\nctrlap_idr=0x%08x\npart=%s\nvariant=%s\nflash_kb=%u\nram_kb=%u\n"
	       "approtect_at_connect=%d\n",
	       info.dpidr, info.ctrlap_idr, info.part_name, info.variant, info.flash_kb,
	       info.ram_kb, info.approtect);
	if (strcmp(cmd, "recover") == 0 && argc > 3 && strcmp(argv[3], "--no-blank-check") == 0) {
		/* attach already recovered and re-identified the part */
	} else if (strcmp(cmd, "recover") == 0) {
		bool erased = false;
		e = nrf91_check_erased(t, &erased);
		if (e != NRF91_OK)
			rc = fail("check_erased", e, nrf91_last_error_detail(t));
		else
			printf("erased=%d\n", erased);
	} else if (strcmp(cmd, "program") == 0 && argc >= 4) {
		struct image *img = NULL;
		struct ihex_diag diag;
		if (ihex_read_file(argv[3], &img, NULL, &diag) != IHEX_OK) {
			printf("error=hex\nerror_text=%s:%u: %s\n", argv[3], diag.line,
			       diag.detail);
			rc = 1;
			goto out;
		}
		e = nrf91_erase_all(t);
		if (e == NRF91_OK)
			e = nrf91_program(t, img);
		if (e != NRF91_OK)
			rc = fail("program", e, nrf91_last_error_detail(t));
		else
			printf("programmed_bytes=%llu\nverified=1\n",
			       (unsigned long long)image_size(img));
		image_destroy(img);
		print_stats(t);
	} else if (strcmp(cmd, "read") == 0 && argc >= 6) {
		uint32_t addr = (uint32_t)strtoul(argv[3], NULL, 0);
		size_t len = strtoul(argv[4], NULL, 0);
		uint8_t *buf = malloc(len ? len : 1);
		e = buf ? nrf91_read(t, addr, buf, len) : NRF91_ERR_NOMEM;
		if (e != NRF91_OK) {
			rc = fail("read", e, t ? nrf91_last_error_detail(t) : "");
		} else {
			FILE *f = fopen(argv[5], "wb");
			if (!f || fwrite(buf, 1, len, f) != len)
				rc = 1;
			if (f)
				fclose(f);
		}
		free(buf);
	} else if (strcmp(cmd, "identify") != 0) {
		fprintf(stderr, "nrf91_driver: bad command\n");
		rc = 2;
	}
out:
	nrf91_detach(t);
	probe_close(p);
	jlink_context_destroy(ctx);
	return rc;
}
