/*
 * J-Link backend (src/probe/jlink.c) through the real libjaylink against the
 * simulator's fake libusb linked into this test (nrfsim_probe_count() proves
 * the fake is the libusb in use).
 */
#include <criterion/criterion.h>

#include "image/image.h"
#include "nrfsim.h"
#include "probe/jlink.h"
#include "target/nrf91.h"

#include "sim_scenario.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void use_scenario(const char *body)
{
	sim_scenario_use("/tmp/nrfcred-probe-XXXXXX", body);
}

static const char three[] = "[probe 1]\nserial = 000260000003\nvtref_mv = 3300\n"
			    "[probe 2]\nserial = 000260000001\nvtref_mv = 1800\n"
			    "[probe 3]\nserial = 000260000002\nboard = absent\n";

/* A J-Link of the scenario, opened, with the context it belongs to. */
struct opened {
	struct jlink_context *ctx;
	struct probe *p;
};

static struct opened open_probe(const char *scenario, uint32_t serial)
{
	struct opened o;
	use_scenario(scenario);
	cr_assert_eq(jlink_context_create(&o.ctx), PROBE_OK);
	char err[160];
	cr_assert_eq(jlink_open(o.ctx, serial, 0, &o.p, err, sizeof(err)), PROBE_OK, "%s", err);
	return o;
}

/* t may be NULL (an attach that failed). */
static void close_probe(struct opened *o, struct nrf91 *t)
{
	nrf91_detach(t);
	probe_close(o->p);
	jlink_context_destroy(o->ctx);
}

/* Attached and halted: the tests that move RAM through the probe. */
static struct nrf91 *attach_halted(struct probe *p)
{
	struct nrf91 *t;
	struct nrf91_info info;
	cr_assert_eq(nrf91_attach(p, NULL, &t, &info), NRF91_OK, "%s", info.error_detail);
	cr_assert_eq(nrf91_halt(t), NRF91_OK);
	return t;
}

/* Attaches (*t may stay NULL) and reads a FICR word up to 200 times while
 * that works: the first error, and in *reads how many reads it took. The
 * error's text: *detail. */
static nrf91_err read_until_error(struct probe *p, struct nrf91 **t, int *reads,
				  const char **detail)
{
	static struct nrf91_info info;
	*t = NULL;
	nrf91_err e = nrf91_attach(p, NULL, t, &info);
	*reads = 0;
	for (; e == NRF91_OK && *reads < 200; (*reads)++) {
		uint32_t v;
		e = nrf91_read_u32(*t, 0x00FF0140, &v);
	}
	*detail = *t ? nrf91_last_error_detail(*t) : info.error_detail;
	return e;
}

Test(probe, lists_every_jlink_sorted_with_firmware_and_vtref)
{
	use_scenario(three);
	cr_assert_eq(nrfsim_probe_count(), 3, "the fake libusb is not the one in use");
	struct jlink_context *ctx;
	cr_assert_eq(jlink_context_create(&ctx), PROBE_OK);
	struct jlink_probe_info *list;
	size_t n;
	cr_assert_eq(jlink_list(ctx, &list, &n), PROBE_OK);
	cr_assert_eq(n, 3);
	cr_expect_eq(list[0].serial, 260000001u);
	cr_expect_eq(list[1].serial, 260000002u);
	cr_expect_eq(list[2].serial, 260000003u);
	cr_expect_eq(list[0].vtref_mv, 1800);
	cr_expect_eq(list[1].vtref_mv, 0, "empty slot: VTref 0");
	cr_expect_eq(list[2].vtref_mv, 3300);
	for (size_t i = 0; i < n; i++) {
		cr_expect_eq(list[i].err, PROBE_OK, "%s", list[i].detail);
		cr_expect(strstr(list[i].firmware, "J-Link") != NULL, "%s", list[i].firmware);
	}
	jlink_list_free(list);
	jlink_context_destroy(ctx);
}

Test(probe, open_by_serial_selects_swd_sizes_the_buffer_and_sets_4mhz)
{
	struct opened o = open_probe(three, 260000003u);
	struct probe *p = o.p;
	cr_expect_eq(p->serial, 260000003u);
	cr_expect_eq(p->speed_khz, 4000u);
	cr_expect_eq(jlink_speed_khz(p), 4000u);
	/* 32768 bytes free: min(2048, (32768-16)/2) bytes, cut to 2046 so a
	 * full batch is 2 bulk OUT transfers and 1 IN: 16368 bits. */
	cr_expect_eq(p->max_swd_bits, 16368u);
	uint16_t mv = 0;
	cr_expect_eq(probe_vtref(p, &mv), PROBE_OK);
	cr_expect_eq(mv, 3300);
	uint32_t khz = 0;
	/* The simulated probe: 60 MHz / divider 4 = 15000 kHz at most. */
	cr_expect_eq(probe_set_speed(p, 50000, &khz), PROBE_OK);
	cr_expect_eq(khz, 15000u);
	cr_expect_eq(probe_set_reset(p, true), PROBE_OK);
	cr_expect_eq(probe_set_reset(p, false), PROBE_OK);
	close_probe(&o, NULL);
}

Test(probe, unknown_serial_is_not_found_with_a_reason)
{
	use_scenario(three);
	struct jlink_context *ctx;
	cr_assert_eq(jlink_context_create(&ctx), PROBE_OK);
	struct probe *p = (struct probe *)1;
	char err[160];
	cr_expect_eq(jlink_open(ctx, 123456u, 0, &p, err, sizeof(err)), PROBE_ERR_NOT_FOUND);
	cr_expect_null(p);
	cr_expect(strstr(err, "123456") != NULL, "%s", err);
	jlink_context_destroy(ctx);
}

Test(probe, second_open_of_a_claimed_probe_is_busy)
{
	struct opened o = open_probe(three, 260000001u);
	struct probe *q;
	char err[160];
	cr_expect_eq(jlink_open(o.ctx, 260000001u, 0, &q, err, sizeof(err)), PROBE_ERR_BUSY, "%s",
		     err);
	close_probe(&o, NULL);
}

Test(probe, one_kilobyte_ram_write_is_one_swd_command_on_the_usb)
{
	struct opened o = open_probe("[probe 1]\nserial = 000260000001\n", 260000001u);
	struct nrf91 *t = attach_halted(o.p);
	uint8_t d[1024], back[1024];
	for (int i = 0; i < 1024; i++)
		d[i] = (uint8_t)(i * 3 + 1);
	struct nrfsim_counters c0, c1;
	cr_assert_eq(nrfsim_get_counters("000260000001", &c0), 0);
	cr_assert_eq(nrf91_write(t, 0x20002000, d, sizeof(d)), NRF91_OK);
	cr_assert_eq(nrfsim_get_counters("000260000001", &c1), 0);
	cr_expect_eq(c1.swd_io_commands - c0.swd_io_commands, 1);
	/* One command of ~3 KB: 2 bulk OUT transfers (2048-byte chunks), 1 IN. */
	cr_expect_leq(c1.usb_out_transfers - c0.usb_out_transfers, 2);
	cr_expect_eq(c1.usb_in_transfers - c0.usb_in_transfers, 1);
	cr_assert_eq(nrf91_read(t, 0x20002000, back, sizeof(back)), NRF91_OK);
	cr_expect_eq(memcmp(d, back, sizeof(d)), 0);
	close_probe(&o, t);
}

Test(probe, full_batches_take_one_usb_round_trip_each)
{
	struct opened o = open_probe("[probe 1]\nserial = 000260000001\n", 260000001u);
	struct nrf91 *t = attach_halted(o.p);
	static uint8_t d[16384], back[16384];
	for (size_t i = 0; i < sizeof(d); i++)
		d[i] = (uint8_t)(i * 7 + 3);
	struct nrfsim_counters c0, c1;
	cr_assert_eq(nrfsim_get_counters("000260000001", &c0), 0);
	cr_assert_eq(nrf91_write(t, 0x20002000, d, sizeof(d)), NRF91_OK);
	cr_assert_eq(nrf91_read(t, 0x20002000, back, sizeof(back)), NRF91_OK);
	cr_assert_eq(nrfsim_get_counters("000260000001", &c1), 0);
	cr_expect_eq(memcmp(d, back, sizeof(d)), 0);
	uint64_t cmds = c1.swd_io_commands - c0.swd_io_commands;
	/* 32 KB moved: several full batches, each one IN and at most two OUT. */
	cr_expect_geq(cmds, 8u);
	cr_expect_eq(c1.usb_in_transfers - c0.usb_in_transfers, cmds);
	cr_expect_leq(c1.usb_out_transfers - c0.usb_out_transfers, 2 * cmds);
	close_probe(&o, t);
}

Test(probe, unplug_mid_transfer_is_a_probe_error_not_a_hang)
{
	struct opened o =
		open_probe("[probe 1]\nserial = 000260000001\nfault_unplug_after_transfers = 60\n",
			   260000001u);
	struct nrf91 *t;
	int reads;
	const char *detail;
	nrf91_err e = read_until_error(o.p, &t, &reads, &detail);
	cr_expect_eq(e, NRF91_ERR_PROBE, "%s", nrf91_strerror(e));
	cr_expect(strstr(detail, "J-Link 260000001") != NULL, "%s", detail);
	close_probe(&o, t);
}

Test(probe, unplug_after_ap_bytes_cuts_the_probe_once_the_board_moved_that_many)
{
	struct opened o =
		open_probe("[probe 1]\nserial = 000260000001\nfault_unplug_after_ap_bytes = 8192\n",
			   260000001u);
	struct nrf91 *t = NULL;
	struct nrf91_info info;
	cr_assert_eq(nrf91_attach(o.p, NULL, &t, &info), NRF91_OK, "%s", info.error_detail);
	static uint8_t buf[4096];
	cr_expect_eq(nrf91_read(t, 0x20000000u, buf, sizeof buf), NRF91_OK, "below the count");
	nrf91_err e = NRF91_OK;
	for (int i = 0; e == NRF91_OK && i < 4; i++)
		e = nrf91_read(t, 0x20000000u, buf, sizeof buf);
	cr_expect_eq(e, NRF91_ERR_PROBE, "%s", nrf91_strerror(e));
	struct jlink_probe_info *list;
	size_t n = 1;
	cr_assert_eq(jlink_list(o.ctx, &list, &n), PROBE_OK);
	cr_expect_eq(n, 0, "an unplugged probe is gone from the bus");
	jlink_list_free(list);
	close_probe(&o, t);
}

Test(probe, hung_probe_that_stops_answering_is_a_probe_error_not_a_hang)
{
	/* Every IN transfer times out after the first 60 transfers: the probe
	 * takes commands but never answers (a wedged J-Link firmware). */
	struct opened o = open_probe(
		"[probe 1]\nserial = 000260000001\nfault_usb_timeout_after_transfers = 60\n",
		260000001u);
	struct nrf91 *t;
	int reads;
	const char *detail;
	nrf91_err e = read_until_error(o.p, &t, &reads, &detail);
	cr_expect_eq(e, NRF91_ERR_PROBE, "%s after %d reads", nrf91_strerror(e), reads);
	cr_expect(strstr(detail, "J-Link 260000001") != NULL, "%s", detail);
	/* The probe stays unusable, and says so at once. */
	uint16_t mv = 0;
	cr_expect_neq(probe_vtref(o.p, &mv), PROBE_OK);
	close_probe(&o, t);
}

struct worker {
	struct probe *probe;
	uint8_t seed;
	nrf91_err result;
	bool approtect; /* locked at connect */
	char detail[256];
};

/* What a station worker does: attach (recovering a locked part: a blank
 * nRF91x1 is locked by its hardened APPROTECT), erase, program + verify,
 * read back. */
static void *program_board(void *arg)
{
	struct worker *w = arg;
	struct nrf91 *t = NULL;
	struct nrf91_info info;
	struct nrf91_options o = {.allow_recover = true};
	w->result = nrf91_attach(w->probe, &o, &t, &info);
	w->approtect = info.approtect;
	if (w->result != NRF91_OK) {
		snprintf(w->detail, sizeof(w->detail), "%s", info.error_detail);
		return NULL;
	}
	struct image *img = image_create();
	uint8_t d[8192];
	for (unsigned i = 0; i < sizeof(d); i++)
		d[i] = (uint8_t)(i * w->seed + 1);
	image_write(img, 0x8000, d, sizeof(d));
	w->result = nrf91_erase_all(t);
	if (w->result == NRF91_OK)
		w->result = nrf91_program(t, img);
	uint8_t back[sizeof(d)];
	if (w->result == NRF91_OK)
		w->result = nrf91_read(t, 0x8000, back, sizeof(back));
	if (w->result == NRF91_OK && memcmp(back, d, sizeof(d)) != 0)
		w->result = NRF91_ERR_VERIFY;
	snprintf(w->detail, sizeof(w->detail), "%s", nrf91_last_error_detail(t));
	image_destroy(img);
	nrf91_detach(t);
	return NULL;
}

Test(probe, two_probes_program_in_parallel_from_worker_threads)
{
	use_scenario("[probe 1]\nserial = 000260000001\n[probe 2]\nserial = 000260000002\n"
		     "part = nRF9161\n");
	struct jlink_context *ctx;
	cr_assert_eq(jlink_context_create(&ctx), PROBE_OK);
	/* Open and close on this thread; only I/O runs on the workers. */
	struct worker w[2] = {{.seed = 3}, {.seed = 7}};
	char err[160];
	for (int i = 0; i < 2; i++)
		cr_assert_eq(
			jlink_open(ctx, 260000001u + (uint32_t)i, 0, &w[i].probe, err, sizeof(err)),
			PROBE_OK, "%s", err);
	pthread_t th[2];
	for (int i = 0; i < 2; i++)
		cr_assert_eq(pthread_create(&th[i], NULL, program_board, &w[i]), 0);
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	for (int i = 0; i < 2; i++) {
		cr_expect_eq(w[i].result, NRF91_OK, "board %d: %s: %s", i + 1,
			     nrf91_strerror(w[i].result), w[i].detail);
		probe_close(w[i].probe);
	}
	cr_expect(!w[0].approtect, "a blank nRF9160 is open");
	cr_expect(w[1].approtect, "a blank nRF9161 is locked until recovered");
	jlink_context_destroy(ctx);
}
