/*
 * Programming benchmark against the simulator: erase all, program N KB
 * (default 64) of pseudo-random data into flash through the real libjaylink,
 * then verify it again separately, and print USB round trips, SWD bits and
 * the simulator's modeled time for each step. Reports figures only.
 *
 *   nrfsim run config/sim-one.ini -- build/tools/bench/bench_program [SERIAL] [KB] [METHOD]
 *
 * METHOD: loader (default: the RAM flash loader, verified by its CRC-32 on
 * the target), direct (word by word over the MEM-AP, read-back verify),
 * loader-readback or direct-crc; or ram: no flash at all, N KB written to
 * RAM at 0x20000000 and read back (nrf91_write / nrf91_read), the job
 * OpenOCD's load_image + dump_image do in tools/bench/run --only openocd.
 *
 * The simulator's counters come from libnrfsim.so in this process
 * (nrfsim_get_counters, looked up at run time: without the simulator the
 * benchmark still runs on real hardware and prints host-side figures only).
 */
#include "image/image.h"
#include "nrfsim.h"
#include "probe/jlink.h"
#include "target/nrf91.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef int (*get_counters_fn)(const char *, struct nrfsim_counters *);

struct snap {
	struct nrfsim_counters sim;
	bool have_sim;
	struct nrf91_stats host;
	double wall_ms;
};

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void take(struct snap *s, const struct nrf91 *t, get_counters_fn get, const char *serial12)
{
	memset(s, 0, sizeof(*s));
	s->have_sim = get && get(serial12, &s->sim) == 0;
	nrf91_get_stats(t, &s->host);
	s->wall_ms = now_ms();
}

static void report(const char *step, const struct snap *a, const struct snap *b, double kb)
{
	printf("%-8s host: %6llu SWD round trips, %9llu SWD bits, %4llu WAIT retries", step,
	       (unsigned long long)(b->host.round_trips - a->host.round_trips),
	       (unsigned long long)(b->host.swd_bits - a->host.swd_bits),
	       (unsigned long long)(b->host.wait_retries - a->host.wait_retries));
	printf("  wall %8.1f ms\n", b->wall_ms - a->wall_ms);
	if (a->have_sim && b->have_sim) {
		double ms = (double)(b->sim.modeled_ns - a->sim.modeled_ns) / 1e6;
		printf("%-8s sim:  %6llu USB OUT + %llu IN transfers, %llu CF commands, "
		       "%llu WAIT acks, modeled %.1f ms (%.1f KB/s)\n",
		       step,
		       (unsigned long long)(b->sim.usb_out_transfers - a->sim.usb_out_transfers),
		       (unsigned long long)(b->sim.usb_in_transfers - a->sim.usb_in_transfers),
		       (unsigned long long)(b->sim.swd_io_commands - a->sim.swd_io_commands),
		       (unsigned long long)(b->sim.swd_waits - a->sim.swd_waits), ms,
		       ms > 0 ? kb / (ms / 1e3) : 0.0);
	}
}

int main(int argc, char **argv)
{
	uint32_t serial = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 10) : 260000001u;
	unsigned kb = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 10) : 64u;
	if (kb == 0 || kb > 1024) {
		fprintf(stderr, "bench_program: KB must be 1..1024\n");
		return 2;
	}
	const char *method = argc > 3 ? argv[3] : "loader";
	enum nrf91_flash_method how = NRF91_FLASH_LOADER;
	enum nrf91_verify_method vfy = NRF91_VERIFY_CRC;
	if (strcmp(method, "direct") == 0) {
		how = NRF91_FLASH_DIRECT;
		vfy = NRF91_VERIFY_READBACK;
	} else if (strcmp(method, "loader-readback") == 0) {
		vfy = NRF91_VERIFY_READBACK;
	} else if (strcmp(method, "direct-crc") == 0) {
		how = NRF91_FLASH_DIRECT;
	} else if (strcmp(method, "ram") == 0) {
		if (kb > 192) {
			fprintf(stderr, "bench_program: ram: KB must be 1..192\n");
			return 2;
		}
	} else if (strcmp(method, "loader") != 0) {
		fprintf(stderr, "bench_program: METHOD is loader, direct, loader-readback, direct-crc or ram\n");
		return 2;
	}
	char serial12[16];
	snprintf(serial12, sizeof(serial12), "%012u", (unsigned)serial);
	get_counters_fn get =
		(get_counters_fn)(uintptr_t)dlsym(RTLD_DEFAULT, "nrfsim_get_counters");

	struct jlink_context *ctx = NULL;
	if (jlink_context_create(&ctx) != PROBE_OK)
		return 1;
	char err[160];
	struct probe *p = NULL;
	if (jlink_open(ctx, serial, 0, &p, err, sizeof(err)) != PROBE_OK) {
		fprintf(stderr, "bench_program: %s\n", err);
		jlink_context_destroy(ctx);
		return 1;
	}
	struct nrf91 *t = NULL;
	struct nrf91_info info;
	struct nrf91_options o = {.allow_recover = true};
	int rc = 1;
	struct image *img = image_create();
	uint8_t *data = malloc(kb * 1024u);
	if (!img || !data)
		goto out;
	uint32_t x = 12345;
	for (size_t i = 0; i < kb * 1024u; i++) {
		x = x * 1103515245u + 12345u;
		data[i] = (uint8_t)(x >> 16);
	}
	image_write(img, 0, data, kb * 1024u);

	nrf91_err e = nrf91_attach(p, &o, &t, &info);
	if (e != NRF91_OK) {
		fprintf(stderr, "bench_program: attach: %s\n", info.error_detail);
		goto out;
	}
	printf("bench_program: %s (%s), J-Link %u at %u kHz, probe buffer %u bits, %u KB, method %s\n",
	       info.part_name, info.variant, (unsigned)serial, p->speed_khz, p->max_swd_bits, kb,
	       method);
	struct snap s0, s1, s2, s3;
	if (strcmp(method, "ram") == 0) {
		uint8_t *back = malloc(kb * 1024u);
		take(&s0, t, get, serial12);
		e = back ? nrf91_halt(t) : NRF91_ERR_NOMEM;
		take(&s1, t, get, serial12);
		if (e == NRF91_OK)
			e = nrf91_write(t, 0x20000000u, data, kb * 1024u);
		take(&s2, t, get, serial12);
		if (e == NRF91_OK)
			e = nrf91_read(t, 0x20000000u, back, kb * 1024u);
		take(&s3, t, get, serial12);
		bool same = e == NRF91_OK && memcmp(back, data, kb * 1024u) == 0;
		free(back);
		if (!same) {
			fprintf(stderr, "bench_program: ram: %s: %s\n",
				e == NRF91_OK ? "read back differs" : nrf91_strerror(e),
				nrf91_last_error_detail(t));
			goto out;
		}
		report("halt", &s0, &s1, 0);
		report("ramwrite", &s1, &s2, kb);
		report("ramread", &s2, &s3, kb);
		report("ram", &s1, &s3, kb);
		rc = 0;
		goto out;
	}
	take(&s0, t, get, serial12);
	e = nrf91_erase_all(t);
	take(&s1, t, get, serial12);
	if (e == NRF91_OK)
		e = nrf91_program_with(t, img, how, vfy); /* program + verify */
	take(&s2, t, get, serial12);
	if (e == NRF91_OK)
		e = nrf91_verify_with(t, img, vfy);
	take(&s3, t, get, serial12);
	if (e != NRF91_OK) {
		fprintf(stderr, "bench_program: %s: %s\n", nrf91_strerror(e),
			nrf91_last_error_detail(t));
		goto out;
	}
	report("erase", &s0, &s1, 0);
	report("prog+vfy", &s1, &s2, kb);
	report("verify", &s2, &s3, kb);
	/* program alone = (program + verify) - verify */
	struct snap a = s1, b = s2;
	b.host.round_trips -= s3.host.round_trips - s2.host.round_trips;
	b.host.swd_bits -= s3.host.swd_bits - s2.host.swd_bits;
	b.host.wait_retries -= s3.host.wait_retries - s2.host.wait_retries;
	b.wall_ms -= s3.wall_ms - s2.wall_ms;
	if (a.have_sim && b.have_sim) {
		b.sim.usb_out_transfers -= s3.sim.usb_out_transfers - s2.sim.usb_out_transfers;
		b.sim.usb_in_transfers -= s3.sim.usb_in_transfers - s2.sim.usb_in_transfers;
		b.sim.swd_io_commands -= s3.sim.swd_io_commands - s2.sim.swd_io_commands;
		b.sim.swd_waits -= s3.sim.swd_waits - s2.sim.swd_waits;
		b.sim.modeled_ns -= s3.sim.modeled_ns - s2.sim.modeled_ns;
	}
	report("program", &a, &b, kb);
	if (s3.host.loader_fallbacks)
		printf("note: the flash loader did not start; the direct path ran\n");
	rc = 0;
out:
	free(data);
	image_destroy(img);
	nrf91_detach(t);
	probe_close(p);
	jlink_context_destroy(ctx);
	return rc;
}
