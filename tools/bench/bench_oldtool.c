/*
 * The old tool's flow (cred.py with pynrfjprog,
 * docs/history/original-cred-tool.txt) on one board, through nrfcred's target layer, for
 * the benchmark's baseline (tools/bench/run --only oldtool):
 *
 *   erase-all, program the provisioner with its credential table patched in
 *   (flash delivery, `nrfcred provision -o`), read-back verify, reset and
 *   run, a blind wait (7 s: "waits seven seconds after programming"), read
 *   the result area (IMEI, status), erase-all, program the app, read-back
 *   verify, reset and run.
 *
 * METHOD says how the words get into flash: `loader` (default) stands for
 * nrfjprog, whose J-Link flash routine runs near the NVMC's speed (issue 13:
 * 67-81 KB/s on nRF52), so nrfcred's RAM loader writes and the verify reads
 * every byte back as `nrfjprog --verify` does; `direct` writes every word
 * over the MEM-AP (nrfcred 0.1's path), a slower old tool than the real one.
 * Prints one line per step with the probe's modeled milliseconds and the
 * host's wall milliseconds, then a total. Exit 0 only when the firmware's
 * result says ok.
 *
 *   nrfsim run SCENARIO -- bench_oldtool SERIAL PATCHED.hex APP.hex [WAIT_S [METHOD]]
 */
#include "image/ihex.h"
#include "image/image.h"
#include "nrfsim.h"
#include "probe/jlink.h"
#include "provision/manifest.h"
#include "provision/result.h"
#include "target/nrf91.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef int (*get_counters_fn)(const char *, struct nrfsim_counters *);

static get_counters_fn get_counters;
static char serial12[16];

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static double modeled_ms(void)
{
	struct nrfsim_counters c;
	if (!get_counters || get_counters(serial12, &c) != 0)
		return 0;
	return (double)c.modeled_ns / 1e6;
}

struct step {
	double wall0, model0;
};

static void begin(struct step *s)
{
	s->wall0 = now_ms();
	s->model0 = modeled_ms();
}

static void end(const struct step *s, const char *name)
{
	printf("oldtool step %-14s modeled %9.1f ms  wall %9.1f ms\n", name,
	       modeled_ms() - s->model0, now_ms() - s->wall0);
}

static int fail(const char *what, struct nrf91 *t, nrf91_err e)
{
	fprintf(stderr, "bench_oldtool: %s: %s: %s\n", what, nrf91_strerror(e),
		t ? nrf91_last_error_detail(t) : "");
	return 1;
}

static struct image *load(const char *path)
{
	struct image *img = NULL;
	struct ihex_diag d;
	ihex_err e = ihex_read_file(path, &img, NULL, &d);
	if (e != IHEX_OK) {
		fprintf(stderr, "bench_oldtool: %s: %s\n", path, ihex_strerror(e));
		return NULL;
	}
	return img;
}

/* Program img and read every byte back. */
static nrf91_err program(struct nrf91 *t, struct image *img, bool loader)
{
	if (loader)
		return nrf91_program_with(t, img, NRF91_FLASH_LOADER, NRF91_VERIFY_READBACK);
	nrf91_err e = nrf91_write_image(t, img);
	return e == NRF91_OK ? nrf91_verify(t, img, NULL) : e;
}

static int run(struct nrf91 *t, struct image *prov, struct image *app, unsigned wait_s, bool loader)
{
	struct manifest m;
	struct provision_diag pd;
	if (manifest_find(prov, &m, &pd) != MANIFEST_OK) {
		fprintf(stderr, "bench_oldtool: the provisioner has no manifest\n");
		return 1;
	}
	struct step all, s;
	nrf91_err e;
	begin(&all);

	begin(&s);
	if ((e = nrf91_erase_all(t)) != NRF91_OK)
		return fail("erase-all", t, e);
	end(&s, "erase-all");
	begin(&s);
	if ((e = program(t, prov, loader)) != NRF91_OK)
		return fail("program", t, e);
	end(&s, "program+verify");
	begin(&s);
	if ((e = nrf91_reset_run(t, 2000)) != NRF91_OK)
		return fail("reset", t, e);
	/* The old tool's blind wait: whatever the firmware needs, 7 s pass. */
	struct timespec w = {.tv_sec = wait_s};
	nanosleep(&w, NULL);
	end(&s, "run+blind-wait");

	begin(&s);
	uint8_t *buf = malloc(m.result_max);
	if (!buf)
		return 1;
	if ((e = nrf91_reacquire(t, 2000)) != NRF91_OK || (e = nrf91_halt(t)) != NRF91_OK ||
	    (e = nrf91_read(t, m.result_addr, buf, m.result_max)) != NRF91_OK) {
		free(buf);
		return fail("read result", t, e);
	}
	struct result r;
	result_err re = result_decode(buf, m.result_max, m.result_max, &r, &pd);
	free(buf);
	end(&s, "read-result");
	if (re != RESULT_OK || r.status != 0) {
		fprintf(stderr, "bench_oldtool: result: %s (status %s)\n", result_strerror(re),
			re == RESULT_OK || re == RESULT_PENDING ? result_status_name(r.status) : "-");
		return 1;
	}

	begin(&s);
	if ((e = nrf91_erase_all(t)) != NRF91_OK)
		return fail("erase-all (2)", t, e);
	end(&s, "erase-all");
	begin(&s);
	if ((e = program(t, app, loader)) != NRF91_OK)
		return fail("program app", t, e);
	end(&s, "app+verify");
	begin(&s);
	if ((e = nrf91_reset_release(t)) != NRF91_OK)
		return fail("reset app", t, e);
	end(&s, "reset-app");
	end(&all, "board");
	printf("oldtool: imei %s, result ok\n", r.imei);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: bench_oldtool SERIAL PATCHED.hex APP.hex [WAIT_S [loader|direct]]\n");
		return 2;
	}
	uint32_t serial = (uint32_t)strtoul(argv[1], NULL, 10);
	unsigned wait_s = argc > 4 ? (unsigned)strtoul(argv[4], NULL, 10) : 7u;
	bool loader = argc <= 5 || strcmp(argv[5], "direct") != 0;
	if (argc > 5 && strcmp(argv[5], "direct") != 0 && strcmp(argv[5], "loader") != 0) {
		fprintf(stderr, "bench_oldtool: METHOD is loader or direct\n");
		return 2;
	}
	snprintf(serial12, sizeof(serial12), "%012u", (unsigned)serial);
	get_counters = (get_counters_fn)(uintptr_t)dlsym(RTLD_DEFAULT, "nrfsim_get_counters");

	struct image *prov = load(argv[2]), *app = load(argv[3]);
	struct jlink_context *ctx = NULL;
	struct probe *p = NULL;
	struct nrf91 *t = NULL;
	struct nrf91_info info;
	struct nrf91_options o = {.allow_recover = true};
	char err[160];
	int rc = 1;
	if (!prov || !app || jlink_context_create(&ctx) != PROBE_OK)
		goto out;
	if (jlink_open(ctx, serial, 0, &p, err, sizeof(err)) != PROBE_OK) {
		fprintf(stderr, "bench_oldtool: %s\n", err);
		goto out;
	}
	if (nrf91_attach(p, &o, &t, &info) != NRF91_OK) {
		fprintf(stderr, "bench_oldtool: attach: %s\n", info.error_detail);
		goto out;
	}
	printf("oldtool: %s, blind wait %u s\n", loader ? "loader writes, read-back verify" : "direct writes, read-back verify", wait_s);
	rc = run(t, prov, app, wait_s, loader);
out:
	nrf91_detach(t);
	probe_close(p);
	jlink_context_destroy(ctx);
	image_destroy(prov);
	image_destroy(app);
	return rc;
}
