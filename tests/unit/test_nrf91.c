/* nRF91 target (src/target) against the simulated board (tools/sim/board.h). */
#include <criterion/criterion.h>

#include "board.h"
#include "image/image.h"
#include "probe_fakedp.h"
#include "probe_simboard.h"
#include "swd/adi.h"
#include "target/nrf91.h"

#include <stdio.h>
#include <string.h>

static struct simprobe *sp;
static struct nrf91 *t;

static void open_board(enum simboard_part part, void (*tweak)(struct simboard_config *))
{
	struct simboard_config cfg;
	simprobe_default_config(&cfg, part);
	if (tweak)
		tweak(&cfg);
	sp = simprobe_create(&cfg);
	cr_assert_not_null(sp, "simulated board");
}

static void teardown(void)
{
	nrf91_detach(t);
	t = NULL;
	if (sp)
		probe_close(&sp->probe);
	sp = NULL;
}

TestSuite(nrf91, .fini = teardown);

static void attach_ok(const struct nrf91_options *o, struct nrf91_info *info)
{
	nrf91_err e = nrf91_attach(&sp->probe, o, &t, info);
	cr_assert_eq(e, NRF91_OK, "attach: %s: %s", nrf91_strerror(e), info->error_detail);
}

static const struct nrf91_options recover = {.allow_recover = true};

#define UICR_APPROTECT	     0x00FF8000u
#define UICR_SECUREAPPROTECT 0x00FF802Cu
#define HWUNPROTECTED	     0x50FA50FAu
#define CTRLAP		     4u
#define CTRLAP_ERASEALL	     0x004u
#define CTRLAP_STATUS	     0x00Cu /* APPROTECT.STATUS: 3 = open */

/* A CTRL-AP register over a DP connection of its own (the CTRL-AP answers
 * whatever the protection). Only while no nrf91 handle is attached: it moves
 * DP SELECT behind a handle's back. */
static uint32_t ctrlap_raw(uint8_t reg, bool write, uint32_t value)
{
	cr_assert_null(t, "detach first");
	struct adi *a = adi_create(&sp->probe);
	cr_assert_not_null(a);
	cr_assert_eq(adi_connect(a, NULL), ADI_OK, "%s", adi_last_error_detail(a));
	uint32_t v = value;
	if (write)
		cr_assert_eq(adi_ap_write(a, CTRLAP, reg, value), ADI_OK);
	else
		cr_assert_eq(adi_ap_read(a, CTRLAP, reg, &v), ADI_OK);
	adi_destroy(a);
	return v;
}

/* Modeled time passes on the board (as when the station waits). */
static void board_wait_ms(uint64_t ms)
{
	sp->now_ns += ms * 1000000u;
	simboard_advance(sp->board, sp->now_ns);
}

static void board_pin_reset(void)
{
	simboard_set_nreset(sp->board, true, sp->now_ns);
	board_wait_ms(1);
	simboard_set_nreset(sp->board, false, sp->now_ns);
}

Test(nrf91, identifies_nrf9160)
{
	open_board(SIMBOARD_NRF9160, NULL);
	struct nrf91_info info;
	attach_ok(NULL, &info);
	cr_expect_eq(info.dpidr, 0x6BA02477u);
	cr_expect_eq(info.ctrlap_idr, 0x12880000u);
	cr_expect_eq(info.partno, 0x9160u);
	cr_expect_str_eq(info.part_name, "nRF9160");
	cr_expect_str_eq(info.variant, "SICA");
	cr_expect_eq(info.flash_kb, 1024u);
	cr_expect_eq(info.ram_kb, 256u);
	cr_expect_eq(info.device_id, 0x1122334455667788ull);
	cr_expect(!info.approtect);
}

Test(nrf91, identifies_nrf9161_and_nrf9151)
{
	enum simboard_part parts[] = {SIMBOARD_NRF9161, SIMBOARD_NRF9151};
	const char *names[] = {"nRF9161", "nRF9151"};
	for (int i = 0; i < 2; i++) {
		open_board(parts[i], NULL);
		struct nrf91_info info;
		/* Blank nRF91x1: locked by its hardened APPROTECT, recovered first. */
		attach_ok(&recover, &info);
		cr_expect(info.approtect, "a blank %s is locked at connect", names[i]);
		cr_expect_str_eq(info.part_name, names[i]);
		cr_expect_str_eq(info.variant, "LACA");
		teardown();
	}
}

static void no_sipinfo(struct simboard_config *c)
{
	c->quirks.no_sipinfo = true;
}

Test(nrf91, part_without_sipinfo_is_identified_by_info_part)
{
	/* nRF9160 before PS v2.1: SIPINFO unwritten, INFO.PART says 0x9160. */
	open_board(SIMBOARD_NRF9160, no_sipinfo);
	struct nrf91_info info;
	attach_ok(NULL, &info);
	cr_expect_str_eq(info.part_name, "nRF9160");
	cr_expect_eq(info.partno, 0x9160u);
	teardown();
	/* An nRF91x1 the same way: its INFO.PART is the die, 0x9120. */
	open_board(SIMBOARD_NRF9161, no_sipinfo);
	attach_ok(&recover, &info);
	cr_expect_str_eq(info.part_name, "nRF91x1");
	cr_expect_eq(info.partno, 0x9120u);
}

static void no_board(struct simboard_config *c)
{
	c->present = false;
}

Test(nrf91, empty_slot_is_no_target)
{
	open_board(SIMBOARD_NRF9160, no_board);
	struct nrf91_info info;
	cr_expect_eq(nrf91_attach(&sp->probe, NULL, &t, &info), NRF91_ERR_NO_TARGET);
	cr_expect_null(t);
	cr_expect(info.error_detail[0] != '\0');
}

static void protect(struct simboard_config *c)
{
	c->approtect = true;
}

Test(nrf91, protected_board_is_refused_without_recover)
{
	open_board(SIMBOARD_NRF9160, protect);
	struct nrf91_info info;
	cr_expect_eq(nrf91_attach(&sp->probe, NULL, &t, &info), NRF91_ERR_PROTECTED);
	cr_expect(info.approtect);
	cr_expect_null(t);
}

Test(nrf91, blank_nrf91x1_is_refused_as_protected_without_recover)
{
	open_board(SIMBOARD_NRF9161, NULL);
	struct nrf91_info info;
	cr_expect_eq(nrf91_attach(&sp->probe, NULL, &t, &info), NRF91_ERR_PROTECTED);
	cr_expect(info.approtect);
	cr_expect_null(t);
}

static void protect_9161(struct simboard_config *c)
{
	c->part = SIMBOARD_NRF9161;
	c->approtect = true;
}

Test(nrf91, protected_board_is_recovered_when_allowed)
{
	void (*tw[])(struct simboard_config *) = {protect, protect_9161};
	for (int i = 0; i < 2; i++) {
		open_board(SIMBOARD_NRF9160, tw[i]);
		struct nrf91_options o = {.allow_recover = true};
		struct nrf91_info info;
		attach_ok(&o, &info);
		cr_expect(info.approtect, "was protected at connect");
		/* One CTRL-AP soft reset after the erase on both parts (OpenOCD,
		 * pyOCD, probe-rs); nRF9160 is open after it, an nRF91x1 locked
		 * again by it is erased once more and then never reset. */
		cr_expect_eq(nrf91_resets(t), 1u, "%s: resets %u", info.part_name, nrf91_resets(t));
		bool erased = false;
		cr_assert_eq(nrf91_check_erased(t, &erased), NRF91_OK, "%s",
			     nrf91_last_error_detail(t));
		cr_expect(erased, "recover erased everything: %s", nrf91_last_error_detail(t));
		teardown();
	}
}

struct prog {
	uint64_t last_done[8];
	uint64_t total[8];
	int calls[8];
	bool went_backwards;
};

static void on_progress(void *user, enum nrf91_phase ph, uint64_t done, uint64_t total)
{
	struct prog *p = user;
	if (done < p->last_done[ph] && done != 0)
		p->went_backwards = true;
	p->last_done[ph] = done;
	p->total[ph] = total;
	p->calls[ph]++;
}

static struct image *sparse_image(void)
{
	struct image *img = image_create();
	cr_assert_not_null(img);
	static uint8_t a[4096], b[1001];
	for (unsigned i = 0; i < sizeof(a); i++)
		a[i] = (uint8_t)(i * 31 + 7);
	for (unsigned i = 0; i < sizeof(b); i++)
		b[i] = (uint8_t)(i ^ 0x5A);
	cr_assert_eq(image_write(img, 0x0, a, sizeof(a)), IMAGE_OK);
	cr_assert_eq(image_write(img, 0x10001, b, sizeof(b)), IMAGE_OK); /* unaligned both ends */
	uint8_t ff[64];
	memset(ff, 0xFF, sizeof(ff));
	cr_assert_eq(image_write(img, 0x20000, ff, sizeof(ff)), IMAGE_OK); /* nothing to program */
	uint32_t otp = 0x12345678u;
	cr_assert_eq(image_write(img, 0x00FF8108u, &otp, 4), IMAGE_OK); /* UICR.OTP[0] */
	return img;
}

Test(nrf91, programs_a_sparse_image_with_uicr_and_verifies_it)
{
	open_board(SIMBOARD_NRF9160, NULL);
	struct prog p = {0};
	struct nrf91_options o = {.progress = on_progress, .progress_user = &p};
	struct nrf91_info info;
	attach_ok(&o, &info);
	cr_assert_eq(nrf91_erase_all(t), NRF91_OK, "%s", nrf91_last_error_detail(t));
	struct image *img = sparse_image();
	struct simboard_counters c0;
	simboard_get_counters(sp->board, &c0);
	cr_assert_eq(nrf91_program(t, img), NRF91_OK, "%s", nrf91_last_error_detail(t));
	/* Independent read-back through the plain read path. */
	uint8_t back[1001];
	cr_assert_eq(nrf91_read(t, 0x10001, back, sizeof(back)), NRF91_OK);
	uint8_t want[1001];
	cr_assert_eq(image_read(img, 0x10001, want, sizeof(want)), IMAGE_OK);
	cr_expect_eq(memcmp(back, want, sizeof(back)), 0);
	uint32_t v = 0;
	cr_assert_eq(nrf91_read_u32(t, 0x00FF8108u, &v), NRF91_OK);
	cr_expect_eq(v, 0x12345678u);
	cr_assert_eq(nrf91_read_u32(t, 0x10000, &v), NRF91_OK);
	cr_expect_eq(v & 0xFFu, 0xFFu, "byte before the segment stays erased");
	struct simboard_counters c;
	simboard_get_counters(sp->board, &c);
	/* 1024 + 251 (0x10000..0x103EC) words + 1 UICR word; the 0xFF run is skipped. */
	cr_expect_eq(c.nvmc_words_written, 1024 + 251 + 1, "words written: %llu",
		     (unsigned long long)c.nvmc_words_written);
	cr_expect_eq(c.nvmc_ignored_writes, 0);
	cr_expect_eq(c.nvmc_nwrite_exceeded, 0);
	cr_expect_eq(c.acks_wait - c0.acks_wait, 0, "tWRITE pacing avoids WAIT: %llu",
		     (unsigned long long)(c.acks_wait - c0.acks_wait));
	cr_expect(!p.went_backwards);
	cr_expect_eq(p.last_done[NRF91_PHASE_PROGRAM], p.total[NRF91_PHASE_PROGRAM]);
	cr_expect_eq(p.last_done[NRF91_PHASE_VERIFY], image_size(img));
	image_destroy(img);
}

Test(nrf91, verify_names_the_first_mismatching_address)
{
	open_board(SIMBOARD_NRF9160, NULL);
	struct nrf91_info info;
	attach_ok(NULL, &info);
	cr_assert_eq(nrf91_erase_all(t), NRF91_OK);
	struct image *img = sparse_image();
	cr_assert_eq(nrf91_program(t, img), NRF91_OK, "%s", nrf91_last_error_detail(t));
	uint8_t x = 0x00;
	cr_assert_eq(image_write(img, 0x10123, &x, 1), IMAGE_OK);
	uint32_t at = 0;
	cr_expect_eq(nrf91_verify(t, img, &at), NRF91_ERR_VERIFY);
	cr_expect(strstr(nrf91_last_error_detail(t), "0x00010123") != NULL, "%s",
		  nrf91_last_error_detail(t));
	cr_expect_eq(at, 0x10120u, "the word holding the byte: 0x%08x", (unsigned)at);
	image_destroy(img);
}

static void stuck_bit_at_0x2004(struct simboard_config *cfg)
{
	cfg->faults.stuck_bit_on = true;
	cfg->faults.stuck_bit_addr = 0x2004u;
	cfg->faults.stuck_bit = 3;
}

Test(nrf91, a_cell_that_did_not_take_the_write_is_a_mismatch_at_its_word)
{
	open_board(SIMBOARD_NRF9160, stuck_bit_at_0x2004);
	struct nrf91_info info;
	attach_ok(NULL, &info);
	cr_assert_eq(nrf91_erase_all(t), NRF91_OK, "%s", nrf91_last_error_detail(t));
	struct image *img = image_create();
	uint8_t zeros[16] = {0};
	cr_assert_eq(image_write(img, 0x2000, zeros, sizeof zeros), IMAGE_OK);
	cr_assert_eq(nrf91_write_image(t, img), NRF91_OK, "%s", nrf91_last_error_detail(t));
	uint32_t at = 0;
	/* Read twice, the same both times: the flash holds it, not the wire. */
	cr_expect_eq(nrf91_verify(t, img, &at), NRF91_ERR_VERIFY, "%s", nrf91_last_error_detail(t));
	cr_expect_eq(at, 0x2004u, "0x%08x", (unsigned)at);
	cr_expect(strstr(nrf91_last_error_detail(t), "0x00002004") != NULL, "%s",
		  nrf91_last_error_detail(t));
	image_destroy(img);
}

Test(nrf91, verify_detail_never_shows_the_data_bytes)
{
	/* The image may hold a key: a mismatch names the address, not the byte
	 * the image wanted nor the byte the flash holds. */
	open_board(SIMBOARD_NRF9160, NULL);
	struct nrf91_info info;
	attach_ok(NULL, &info);
	cr_assert_eq(nrf91_erase_all(t), NRF91_OK);
	struct image *img = image_create();
	const uint8_t secret[4] = {0x5a, 0xc3, 0x96, 0x3c};
	cr_assert_eq(image_write(img, 0x2000, secret, sizeof secret), IMAGE_OK);
	cr_assert_eq(nrf91_program(t, img), NRF91_OK, "%s", nrf91_last_error_detail(t));
	const uint8_t other = 0xa7;
	cr_assert_eq(image_write(img, 0x2001, &other, 1), IMAGE_OK);
	cr_expect_eq(nrf91_verify(t, img, NULL), NRF91_ERR_VERIFY);
	const char *d = nrf91_last_error_detail(t);
	cr_expect(strstr(d, "0x00002001") != NULL, "%s", d);
	cr_expect(strcasestr(d, "c3") == NULL && strcasestr(d, "a7") == NULL, "%s", d);
	image_destroy(img);
}

Test(nrf91, image_outside_flash_is_rejected_before_touching_the_part)
{
	open_board(SIMBOARD_NRF9160, NULL);
	struct nrf91_info info;
	attach_ok(NULL, &info);
	struct image *img = image_create();
	uint8_t d[8] = {0};
	image_write(img, 0x20000000, d, sizeof(d));
	cr_expect_eq(nrf91_program(t, img), NRF91_ERR_BAD_ADDRESS);
	image_destroy(img);
}

Test(nrf91, erase_all_then_check_erased_and_page_erase)
{
	open_board(SIMBOARD_NRF9160, NULL);
	struct nrf91_info info;
	attach_ok(NULL, &info);
	cr_assert_eq(nrf91_erase_all(t), NRF91_OK, "%s", nrf91_last_error_detail(t));
	struct image *img = image_create();
	uint8_t d[16];
	memset(d, 0x11, sizeof(d));
	image_write(img, 0x3000, d, sizeof(d));
	cr_assert_eq(nrf91_program(t, img), NRF91_OK, "%s", nrf91_last_error_detail(t));
	bool erased = true;
	cr_assert_eq(nrf91_check_erased(t, &erased), NRF91_OK);
	cr_expect(!erased);
	cr_expect(strstr(nrf91_last_error_detail(t), "0x00003000") != NULL, "%s",
		  nrf91_last_error_detail(t));
	cr_assert_eq(nrf91_erase_page(t, 0x3004), NRF91_OK, "%s", nrf91_last_error_detail(t));
	cr_assert_eq(nrf91_check_erased(t, &erased), NRF91_OK);
	cr_expect(erased);
	image_destroy(img);
}

Test(nrf91, ram_write_of_1k_is_one_round_trip_and_reads_back)
{
	open_board(SIMBOARD_NRF9160, NULL);
	struct nrf91_info info;
	attach_ok(NULL, &info);
	cr_assert_eq(nrf91_halt(t), NRF91_OK, "%s", nrf91_last_error_detail(t));
	uint8_t d[1024], back[1024];
	for (int i = 0; i < 1024; i++)
		d[i] = (uint8_t)(i * 5);
	struct nrf91_stats s0, s1;
	nrf91_get_stats(t, &s0);
	cr_assert_eq(nrf91_write(t, 0x20001000, d, sizeof(d)), NRF91_OK);
	nrf91_get_stats(t, &s1);
	cr_expect_eq(s1.round_trips - s0.round_trips, 1);
	cr_assert_eq(nrf91_read(t, 0x20001000, back, sizeof(back)), NRF91_OK);
	cr_expect_eq(memcmp(d, back, sizeof(d)), 0);
}

/* A record and its doorbell: two ranges, in order, one round trip each
 * way; a range that is not word aligned is refused before anything moves. */
Test(nrf91, spans_move_several_word_ranges_in_one_round_trip)
{
	open_board(SIMBOARD_NRF9160, NULL);
	struct nrf91_info info;
	attach_ok(NULL, &info);
	cr_assert_eq(nrf91_halt(t), NRF91_OK, "%s", nrf91_last_error_detail(t));
	uint8_t rec[200], bell[4] = {7, 0, 0, 0}, rec_back[200], bell_back[4];
	for (unsigned i = 0; i < sizeof rec; i++)
		rec[i] = (uint8_t)(i * 3 + 1);
	struct nrf91_span w[2] = {{0x20004000u, rec, sizeof rec}, {0x20003018u, bell, 4}};
	struct nrf91_stats s0, s1, s2;
	nrf91_get_stats(t, &s0);
	cr_assert_eq(nrf91_write_spans(t, w, 2), NRF91_OK, "%s", nrf91_last_error_detail(t));
	nrf91_get_stats(t, &s1);
	cr_expect_eq(s1.round_trips - s0.round_trips, 1);
	struct nrf91_span r[2] = {{0x20004000u, rec_back, sizeof rec_back},
				  {0x20003018u, bell_back, 4}};
	cr_assert_eq(nrf91_read_spans(t, r, 2), NRF91_OK, "%s", nrf91_last_error_detail(t));
	nrf91_get_stats(t, &s2);
	cr_expect_eq(s2.round_trips - s1.round_trips, 1);
	cr_expect_eq(memcmp(rec, rec_back, sizeof rec), 0);
	cr_expect_eq(memcmp(bell, bell_back, 4), 0);
	uint32_t word = 0;
	cr_assert_eq(nrf91_read_u32(t, 0x20004004u, &word), NRF91_OK);
	cr_expect_eq(word, 0x1613100Du, "little-endian words");
	struct nrf91_span odd[2] = {{0x20004000u, rec, 8}, {0x20003019u, bell, 4}};
	cr_expect_eq(nrf91_write_spans(t, odd, 2), NRF91_ERR_BAD_ADDRESS);
	struct nrf91_span ragged = {0x20004000u, rec, 6};
	cr_expect_eq(nrf91_read_spans(t, &ragged, 1), NRF91_ERR_BAD_ADDRESS);
	cr_assert_eq(nrf91_read_u32(t, 0x20004000u, &word), NRF91_OK);
	cr_expect_eq(word, 0x0A070401u, "the refused write wrote nothing");
}

static void write_parity_errors(struct simboard_config *cfg)
{
	cfg->faults.write_parity_error_every = 37;
}

/* A write whose data parity the target found wrong is dropped (WDATAERR,
 * FAULT on the next transaction): the host sends that write again, so
 * every word of a block write lands. */
Test(nrf91, a_write_dropped_for_its_data_parity_is_sent_again)
{
	open_board(SIMBOARD_NRF9160, write_parity_errors);
	struct nrf91_info info;
	attach_ok(NULL, &info);
	cr_assert_eq(nrf91_halt(t), NRF91_OK, "%s", nrf91_last_error_detail(t));
	static uint8_t d[4096], back[4096];
	for (unsigned i = 0; i < sizeof d; i++)
		d[i] = (uint8_t)(i * 13 + 5);
	cr_assert_eq(nrf91_write(t, 0x20008000u, d, sizeof d), NRF91_OK, "%s",
		     nrf91_last_error_detail(t));
	cr_assert_eq(nrf91_read(t, 0x20008000u, back, sizeof back), NRF91_OK, "%s",
		     nrf91_last_error_detail(t));
	size_t bad = 0;
	for (unsigned i = 0; i < sizeof d; i += 4)
		bad += memcmp(d + i, back + i, 4) != 0;
	cr_expect_eq(bad, 0u, "%zu words did not land", bad);
	struct nrf91_stats st;
	nrf91_get_stats(t, &st);
	cr_expect_gt(st.faults, 0u, "the target did answer FAULT");
}

static uint32_t parity_period;

static void every_nth_write_parity(struct simboard_config *cfg)
{
	cfg->faults.write_parity_error_every = parity_period;
}

static void every_nth_read_parity(struct simboard_config *cfg)
{
	cfg->faults.parity_error_every = parity_period;
}

/* Each byte write is a flush that ends in its DRW write: a drop of that
 * write shows only on a later transaction. Over every fault period from 5
 * to 39 (each lands the drop on other writes of attach, halt and the
 * bytes; below 5 a resend's own SELECT, TAR and write meet it again), a
 * write that reports success has landed: none lost unreported. */
Test(nrf91, no_write_dropped_for_its_parity_is_reported_done)
{
	unsigned lost = 0, attached = 0;
	for (parity_period = 5; parity_period < 40; parity_period++) {
		open_board(SIMBOARD_NRF9160, every_nth_write_parity);
		struct nrf91_info info;
		nrf91_err e = nrf91_attach(&sp->probe, NULL, &t, &info);
		if (e != NRF91_OK)
			cr_log_error("period %u: attach: %s", parity_period, info.error_detail);
		else if ((e = nrf91_halt(t)) != NRF91_OK)
			cr_log_error("period %u: halt: %s", parity_period,
				     nrf91_last_error_detail(t));
		if (e == NRF91_OK) {
			attached++;
			uint8_t d[48], back[48];
			bool ok[48];
			for (unsigned i = 0; i < sizeof d; i++) {
				d[i] = (uint8_t)(i * 7 + 1);
				ok[i] = nrf91_write(t, 0x20008001u + i, &d[i], 1) == NRF91_OK;
			}
			cr_assert_eq(nrf91_read(t, 0x20008001u, back, sizeof back), NRF91_OK,
				     "period %u: %s", parity_period, nrf91_last_error_detail(t));
			for (unsigned i = 0; i < sizeof d; i++)
				if (ok[i] && back[i] != d[i]) {
					lost++;
					cr_log_error("period %u: byte %u written OK, reads 0x%02x",
						     parity_period, i, back[i]);
				}
		}
		teardown();
	}
	cr_expect_eq(lost, 0u, "%u bytes reported written were lost", lost);
	cr_expect_eq(attached, 35u, "attach and halt ride out the dropped writes");
}

/* A DHCSR read repeated after a read parity error returns S_RESET_ST only
 * the first time (clear on read): reset-halt still sees its reset, through
 * DFSR.VCATCH, whatever read a fault period from 4 to 39 hits (below 4 the
 * re-reads meet it again). */
Test(nrf91, reset_halt_sees_its_reset_through_read_parity_errors)
{
	unsigned failed = 0;
	for (parity_period = 4; parity_period < 40; parity_period++) {
		open_board(SIMBOARD_NRF9160, every_nth_read_parity);
		struct nrf91_info info;
		cr_assert_eq(nrf91_attach(&sp->probe, NULL, &t, &info), NRF91_OK,
			     "period %u: attach: %s", parity_period, info.error_detail);
		for (int k = 0; k < 3; k++) {
			struct simboard_counters c0, c1;
			simboard_get_counters(sp->board, &c0);
			nrf91_err e = nrf91_reset_halt(t);
			simboard_get_counters(sp->board, &c1);
			cr_expect_eq(c1.system_resets - c0.system_resets, 1u,
				     "one reset per request");
			if (e != NRF91_OK) {
				failed++;
				cr_log_error("period %u, reset-halt %d: %s", parity_period, k,
					     nrf91_last_error_detail(t));
			}
		}
		teardown();
	}
	cr_expect_eq(failed, 0u, "%u of %u reset-halts failed", failed, 36u * 3u);
}

Test(nrf91, reset_run_leaves_the_debug_port_usable)
{
	open_board(SIMBOARD_NRF9160, NULL);
	struct nrf91_info info;
	attach_ok(NULL, &info);
	cr_assert_eq(nrf91_reset_halt(t), NRF91_OK, "%s", nrf91_last_error_detail(t));
	uint32_t dhcsr = 0;
	cr_assert_eq(nrf91_read_u32(t, 0xE000EDF0, &dhcsr), NRF91_OK);
	cr_expect(dhcsr & (1u << 17), "halted after reset-halt: 0x%08x", dhcsr);
	cr_assert_eq(nrf91_reset_run(t, 1000), NRF91_OK, "%s", nrf91_last_error_detail(t));
	uint32_t v;
	cr_expect_eq(nrf91_read_u32(t, 0x00FF0140, &v), NRF91_OK);
	cr_expect_eq(v, 0x9160u);
	cr_assert_eq(nrf91_read_u32(t, 0xE000EDF0, &dhcsr), NRF91_OK);
	cr_expect(!(dhcsr & (1u << 17)), "running after reset-run: 0x%08x", dhcsr);
}

static void wait_storm(struct simboard_config *c)
{
	c->faults.wait_storm = 300;
}

Test(nrf91, wait_storm_is_ridden_out)
{
	open_board(SIMBOARD_NRF9160, wait_storm);
	struct nrf91_info info;
	attach_ok(NULL, &info);
	struct nrf91_stats s;
	nrf91_get_stats(t, &s);
	cr_expect_geq(s.wait_retries, 1);
	cr_expect_str_eq(info.part_name, "nRF9160");
}

static void faulty(struct simboard_config *c)
{
	c->faults.fault_ack_every = 3;
}

Test(nrf91, fault_acks_give_fault_with_detail)
{
	open_board(SIMBOARD_NRF9160, faulty);
	struct nrf91_info info;
	nrf91_err e = nrf91_attach(&sp->probe, NULL, &t, &info);
	cr_expect_eq(e, NRF91_ERR_FAULT, "%s: %s", nrf91_strerror(e), info.error_detail);
	cr_expect(strstr(info.error_detail, "FAULT") != NULL, "%s", info.error_detail);
}

static void parity(struct simboard_config *c)
{
	c->faults.parity_error_every = 5;
}

Test(nrf91, read_parity_errors_are_retried)
{
	open_board(SIMBOARD_NRF9160, parity);
	struct nrf91_info info;
	attach_ok(NULL, &info);
	cr_expect_eq(info.partno, 0x9160u);
	struct nrf91_stats s;
	nrf91_get_stats(t, &s);
	cr_expect_geq(s.parity_retries, 1);
}

static void removed(struct simboard_config *c)
{
	c->faults.removed_after_bytes = 6000;
}

Test(nrf91, board_pulled_mid_program_is_no_target)
{
	open_board(SIMBOARD_NRF9160, removed);
	struct nrf91_info info;
	attach_ok(NULL, &info);
	cr_assert_eq(nrf91_erase_all(t), NRF91_OK, "%s", nrf91_last_error_detail(t));
	struct image *img = sparse_image();
	nrf91_err e = nrf91_program(t, img);
	cr_expect_eq(e, NRF91_ERR_NO_TARGET, "%s: %s", nrf91_strerror(e),
		     nrf91_last_error_detail(t));
	image_destroy(img);
}

Test(nrf91, probe_unplugged_mid_transfer_is_probe_error)
{
	open_board(SIMBOARD_NRF9160, NULL);
	struct nrf91_info info;
	attach_ok(NULL, &info);
	sp->fail_after_calls = (uint32_t)sp->probe.swd_io_calls + 3;
	struct image *img = sparse_image();
	nrf91_err e = nrf91_program(t, img);
	cr_expect_eq(e, NRF91_ERR_PROBE, "%s", nrf91_strerror(e));
	cr_expect(strstr(nrf91_last_error_detail(t), "unplugged") != NULL, "%s",
		  nrf91_last_error_detail(t));
	image_destroy(img);
}

Test(nrf91, abort_flag_stops_programming)
{
	open_board(SIMBOARD_NRF9160, NULL);
	atomic_bool abort_flag = true;
	struct nrf91_options o = {.abort_flag = &abort_flag};
	struct nrf91_info info;
	attach_ok(&o, &info);
	struct image *img = sparse_image();
	cr_expect_eq(nrf91_program(t, img), NRF91_ERR_ABORTED);
	image_destroy(img);
}

/* A DP/AP model that is not an nRF91 (probe_fakedp.c: RAM only, no FICR). */
Test(nrf91, part_without_nrf91_ficr_is_refused)
{
	struct fakedp *f = fakedp_create(16384);
	struct nrf91_info info;
	cr_expect_eq(nrf91_attach(&f->probe, NULL, &t, &info), NRF91_ERR_NOT_NRF91);
	cr_expect_null(t);
	cr_expect(strstr(info.error_detail, "PARTNO 0xdeadbeef") != NULL, "%s", info.error_detail);
	probe_close(&f->probe);
}

Test(nrf91, other_ctrl_ap_idr_is_refused)
{
	struct fakedp *f = fakedp_create(16384);
	f->ctrlap_idr = 0x02880000u; /* nRF52 CTRL-AP */
	struct nrf91_info info;
	cr_expect_eq(nrf91_attach(&f->probe, NULL, &t, &info), NRF91_ERR_NOT_NRF91);
	cr_expect_eq(info.ctrlap_idr, 0x02880000u);
	cr_expect(strstr(info.error_detail, "0x02880000") != NULL, "%s", info.error_detail);
	probe_close(&f->probe);
}

Test(nrf91, wipe_leaves_flash_and_uicr_erased)
{
	open_board(SIMBOARD_NRF9160, NULL);
	struct nrf91_info info;
	attach_ok(NULL, &info);
	cr_assert_eq(nrf91_erase_all(t), NRF91_OK);
	struct image *img = sparse_image();
	cr_assert_eq(nrf91_program(t, img), NRF91_OK, "%s", nrf91_last_error_detail(t));
	cr_assert_eq(nrf91_reset_run(t, 1000), NRF91_OK, "%s", nrf91_last_error_detail(t));
	cr_assert_eq(nrf91_wipe(t), NRF91_OK, "%s", nrf91_last_error_detail(t));
	bool erased = false;
	cr_assert_eq(nrf91_check_erased(t, &erased), NRF91_OK);
	cr_expect(erased, "%s", nrf91_last_error_detail(t));
	image_destroy(img);
}

Test(nrf91, wipe_erases_a_91x1_that_relocked_because_no_firmware_opened_it)
{
	open_board(SIMBOARD_NRF9161, NULL);
	struct nrf91_info info;
	attach_ok(&recover, &info);
	cr_assert_eq(nrf91_erase_all(t), NRF91_OK, "%s", nrf91_last_error_detail(t));
	struct image *img = sparse_image();
	cr_assert_eq(nrf91_program(t, img), NRF91_OK, "%s", nrf91_last_error_detail(t));
	/* The image is no firmware: nothing writes APPROTECT.DISABLE after the
	 * reset, so the AHB-AP stays locked. */
	nrf91_err e = nrf91_reset_run(t, 50);
	cr_assert_eq(e, NRF91_ERR_PROTECTED, "%s: %s", nrf91_strerror(e),
		     nrf91_last_error_detail(t));
	cr_expect_eq(nrf91_resets(t), 2u, "the recover's soft reset and RUN's");
	uint32_t v;
	cr_expect_neq(nrf91_read_u32(t, 0x00FF0140u, &v), NRF91_OK, "AHB-AP locked");
	cr_assert_eq(nrf91_wipe(t), NRF91_OK, "%s", nrf91_last_error_detail(t));
	bool erased = false;
	cr_assert_eq(nrf91_check_erased(t, &erased), NRF91_OK, "%s", nrf91_last_error_detail(t));
	cr_expect(erased, "%s", nrf91_last_error_detail(t));
	image_destroy(img);
}

Test(nrf91, recover_of_a_blank_91x1_then_erase_all_leaves_uicr_hwunprotected)
{
	open_board(SIMBOARD_NRF9161, NULL);
	struct nrf91_info info;
	attach_ok(&recover, &info);
	cr_expect(info.approtect);
	cr_assert_eq(nrf91_erase_all(t), NRF91_OK, "%s", nrf91_last_error_detail(t));
	uint32_t ap = 0, sap = 0;
	cr_assert_eq(nrf91_read_u32(t, UICR_APPROTECT, &ap), NRF91_OK, "%s",
		     nrf91_last_error_detail(t));
	cr_assert_eq(nrf91_read_u32(t, UICR_SECUREAPPROTECT, &sap), NRF91_OK);
	cr_expect_eq(ap, HWUNPROTECTED, "UICR.APPROTECT 0x%08x", ap);
	cr_expect_eq(sap, HWUNPROTECTED, "UICR.SECUREAPPROTECT 0x%08x", sap);
	cr_expect_eq(nrf91_resets(t), 1u,
		     "only the recover's soft reset; halted without one (no vector catch)");
	uint32_t dhcsr = 0;
	cr_assert_eq(nrf91_read_u32(t, 0xE000EDF0u, &dhcsr), NRF91_OK);
	cr_expect(dhcsr & (1u << 17), "halted: 0x%08x", dhcsr);
}

Test(nrf91, erase_all_on_nrf9160_leaves_uicr_erased)
{
	open_board(SIMBOARD_NRF9160, NULL);
	struct nrf91_info info;
	attach_ok(NULL, &info);
	cr_assert_eq(nrf91_erase_all(t), NRF91_OK, "%s", nrf91_last_error_detail(t));
	uint32_t ap = 0;
	cr_assert_eq(nrf91_read_u32(t, UICR_APPROTECT, &ap), NRF91_OK);
	cr_expect_eq(ap, 0xFFFFFFFFu, "erased is Unprotected on nRF9160: 0x%08x", ap);
}

/* A board that ran something: flash at 0 and in the last region, a UICR
 * word, a RAM pattern. */
static void fill_board(uint32_t uicr_addr, uint32_t uicr_value)
{
	struct image *img = image_create();
	const uint8_t d[8] = {1, 2, 3, 4, 5, 6, 7, 8};
	cr_assert_eq(image_write(img, 0x0, d, sizeof d), IMAGE_OK);
	cr_assert_eq(image_write(img, 0xF8000, d, sizeof d), IMAGE_OK);
	uint8_t u[4] = {(uint8_t)uicr_value, (uint8_t)(uicr_value >> 8),
			(uint8_t)(uicr_value >> 16), (uint8_t)(uicr_value >> 24)};
	cr_assert_eq(image_write(img, uicr_addr, u, sizeof u), IMAGE_OK);
	cr_assert_eq(nrf91_program(t, img), NRF91_OK, "%s", nrf91_last_error_detail(t));
	image_destroy(img);
	const uint32_t pattern = 0x5EC2E7u;
	cr_assert_eq(nrf91_write(t, 0x20010000u, &pattern, sizeof pattern), NRF91_OK);
}

static uint32_t word_at(uint32_t addr)
{
	uint32_t v = 0;
	cr_assert_eq(nrf91_read_u32(t, addr, &v), NRF91_OK, "%s", nrf91_last_error_detail(t));
	return v;
}

/* nrfutil's erase of an nRF91: NVMC.ERASEALL, flash and UICR. The core is
 * reset-halted first; RAM keeps its contents (the CTRL-AP erase would have
 * cleared it): that is how this test tells the two apart. */
Test(nrf91, erase_all_of_an_open_nrf9160_is_an_nvmc_eraseall_after_a_reset_halt)
{
	open_board(SIMBOARD_NRF9160, NULL);
	struct nrf91_info info;
	attach_ok(NULL, &info);
	fill_board(0x00FF8100u, 0x12345678u);
	struct simboard_counters c0, c1;
	simboard_get_counters(sp->board, &c0);
	cr_assert_eq(nrf91_erase_all(t), NRF91_OK, "%s", nrf91_last_error_detail(t));
	simboard_get_counters(sp->board, &c1);
	cr_expect_eq(c1.nvmc_erase_alls - c0.nvmc_erase_alls, 1u);
	cr_expect_eq(c1.system_resets - c0.system_resets, 1u, "one reset: the reset-halt");
	cr_expect_eq(word_at(0x0), 0xFFFFFFFFu);
	cr_expect_eq(word_at(0xF8000), 0xFFFFFFFFu);
	cr_expect_eq(word_at(0x00FF8100u), 0xFFFFFFFFu, "UICR erased too");
	cr_expect_eq(word_at(0x20010000u), 0x5EC2E7u, "RAM untouched: the NVMC erased, not the CTRL-AP");
	bool erased = false;
	cr_assert_eq(nrf91_check_erased(t, &erased), NRF91_OK);
	cr_expect(erased, "%s", nrf91_last_error_detail(t));
}

/* UICR.ERASEPROTECT blocks both erase-alls: the NVMC one is ignored, the
 * samples after it show the data still there, and the CTRL-AP path says
 * why it cannot erase either. Nothing is reported erased. */
Test(nrf91, erase_all_under_eraseprotect_is_refused_not_reported_done)
{
	open_board(SIMBOARD_NRF9160, NULL);
	struct nrf91_info info;
	attach_ok(NULL, &info);
	fill_board(0x00FF8030u, 0x00000000u); /* UICR.ERASEPROTECT = Protected */
	cr_expect_eq(nrf91_erase_all(t), NRF91_ERR_RECOVER_FAILED);
	cr_expect(strstr(nrf91_last_error_detail(t), "ERASEPROTECT"), "%s",
		  nrf91_last_error_detail(t));
}

static void slow_nvmc_erase(struct simboard_config *cfg)
{
	/* Past the host's 3 s budget (a J-Link logs 0.174 s), done soon after. */
	cfg->timing.nvmc_erase_all_ns = 3200ull * 1000000ull;
}

/* An NVMC erase-all that does not say READY in time is not a failed
 * board: the CTRL-AP erase-all (which clears RAM too) erases it. */
Test(nrf91, an_nvmc_erase_past_its_timeout_falls_back_to_the_ctrl_ap)
{
	open_board(SIMBOARD_NRF9160, slow_nvmc_erase);
	struct nrf91_info info;
	attach_ok(NULL, &info);
	fill_board(0x00FF8100u, 0x12345678u);
	cr_assert_eq(nrf91_erase_all(t), NRF91_OK, "%s", nrf91_last_error_detail(t));
	cr_expect_eq(word_at(0x0), 0xFFFFFFFFu);
	cr_expect_eq(word_at(0x00FF8100u), 0xFFFFFFFFu);
	cr_expect_eq(word_at(0x20010000u), 0u, "RAM cleared: the CTRL-AP erased");
}

static void aircr_write_spoiled(struct simboard_config *cfg)
{
	/* VECTKEY bit 16 flipped on the wire: the AIRCR write is ignored. */
	cfg->faults.wire_flip_on = true;
	cfg->faults.wire_flip_addr = 0xE000ED0Cu;
	cfg->faults.wire_flip_bit = 16;
}

/* A reset request that never reached the core: a core that was halted
 * before is no proof of a reset-halt, and ERASE does not trust an SPU it
 * has not seen reset: the CTRL-AP erases instead. */
Test(nrf91, a_reset_halt_without_a_reset_is_an_error_and_erase_takes_the_ctrl_ap)
{
	open_board(SIMBOARD_NRF9160, aircr_write_spoiled);
	struct nrf91_info info;
	attach_ok(NULL, &info);
	cr_expect_eq(nrf91_reset_halt(t), NRF91_ERR_HALT_TIMEOUT);
	cr_expect(strstr(nrf91_last_error_detail(t), "not halted by a reset"), "%s",
		  nrf91_last_error_detail(t));
	fill_board(0x00FF8100u, 0x12345678u);
	cr_assert_eq(nrf91_erase_all(t), NRF91_OK, "%s", nrf91_last_error_detail(t));
	cr_expect_eq(word_at(0x0), 0xFFFFFFFFu);
	cr_expect_eq(word_at(0x20010000u), 0u, "RAM cleared: the CTRL-AP erased");
}

static void spu_kept(struct simboard_config *cfg)
{
	cfg->quirks.spu_kept_by_soft_reset = true;
}

/* Where the SPU keeps a firmware's settings over the reset-halt (quirk:
 * the documents do not say which resets restore it), the host does not
 * try the NVMC: the CTRL-AP erase-all (which clears RAM, and the SPU) does
 * it. */
Test(nrf91, erase_all_with_an_spu_left_set_by_firmware_goes_through_the_ctrl_ap)
{
	open_board(SIMBOARD_NRF9160, spu_kept);
	struct nrf91_info info;
	attach_ok(NULL, &info);
	fill_board(0x00FF8100u, 0x12345678u);
	cr_assert_eq(nrf91_halt(t), NRF91_OK, "%s", nrf91_last_error_detail(t));
	const uint32_t perm = 0x117u; /* region 31 secure, RWX, locked */
	cr_assert_eq(nrf91_write(t, 0x50003600u + 4u * 31u, &perm, sizeof perm), NRF91_OK, "%s",
		     nrf91_last_error_detail(t));
	cr_assert_eq(nrf91_erase_all(t), NRF91_OK, "%s", nrf91_last_error_detail(t));
	cr_expect_eq(word_at(0x0), 0xFFFFFFFFu);
	cr_expect_eq(word_at(0x00FF8100u), 0xFFFFFFFFu);
	cr_expect_eq(word_at(0x20010000u), 0u, "RAM cleared: the CTRL-AP erased");
	cr_expect_eq(word_at(0x50003600u + 4u * 31u), 0x17u, "SPU back at its reset value");
}

Test(nrf91, reset_halt_on_91x1_is_refused_as_protected_without_a_reset)
{
	open_board(SIMBOARD_NRF9151, NULL);
	struct nrf91_info info;
	attach_ok(&recover, &info);
	uint32_t before = nrf91_resets(t);
	cr_expect_eq(nrf91_reset_halt(t), NRF91_ERR_PROTECTED);
	cr_expect_eq(nrf91_resets(t), before, "reset_halt issued no reset");
	uint32_t v = 0;
	cr_expect_eq(nrf91_read_u32(t, 0x00FF0140u, &v), NRF91_OK, "still open");
	cr_expect_eq(v, 0x9151u);
}

Test(nrf91, lock_ends_locked_per_ctrl_ap_and_sets_info_locked)
{
	const enum simboard_part parts[] = {SIMBOARD_NRF9160, SIMBOARD_NRF9161};
	for (int i = 0; i < 2; i++) {
		open_board(parts[i], NULL);
		struct nrf91_info info;
		attach_ok(&recover, &info);
		cr_assert_eq(nrf91_erase_all(t), NRF91_OK, "%s", nrf91_last_error_detail(t));
		cr_expect(!nrf91_get_info(t)->locked);
		cr_assert_eq(nrf91_lock(t), NRF91_OK, "%s: %s", info.part_name,
			     nrf91_last_error_detail(t));
		cr_expect(nrf91_get_info(t)->locked);
		cr_expect_geq(nrf91_resets(t), 1u, "the lock takes effect at a reset");
		nrf91_detach(t);
		t = NULL;
		cr_expect_eq(ctrlap_raw(CTRLAP_STATUS, false, 0) & 3u, 0u,
			     "%s: APPROTECT.STATUS after the lock", info.part_name);
		struct nrf91_info again;
		cr_expect_eq(nrf91_attach(&sp->probe, NULL, &t, &again), NRF91_ERR_PROTECTED);
		cr_expect(again.approtect);
		teardown();
	}
}

static void protect_pin_quirk(struct simboard_config *c)
{
	c->approtect = true;
	c->quirks.unlock_needs_pin_reset = true;
}

Test(nrf91, nrf9160_that_needs_the_pin_after_an_erase_is_recovered_by_nreset)
{
	open_board(SIMBOARD_NRF9160, protect_pin_quirk);
	struct nrf91_info info;
	attach_ok(&recover, &info);
	cr_expect(info.approtect);
	cr_expect_eq(nrf91_resets(t), 2u, "CTRL-AP soft reset, then nRESET: %u", nrf91_resets(t));
	bool erased = false;
	cr_assert_eq(nrf91_check_erased(t, &erased), NRF91_OK, "%s", nrf91_last_error_detail(t));
	cr_expect(erased);
}

Test(nrf91, lock_where_only_the_pin_latches_uicr_pulses_nreset)
{
	/* On this board the SYSRESETREQ of the lock does not latch the
	 * Protected UICR words: the CTRL-AP still reads open, nRESET finishes. */
	open_board(SIMBOARD_NRF9160, protect_pin_quirk);
	struct nrf91_info info;
	attach_ok(&recover, &info);
	cr_assert_eq(nrf91_erase_all(t), NRF91_OK, "%s", nrf91_last_error_detail(t));
	uint32_t before = nrf91_resets(t);
	cr_assert_eq(nrf91_lock(t), NRF91_OK, "%s", nrf91_last_error_detail(t));
	cr_expect(nrf91_get_info(t)->locked);
	cr_expect_eq(nrf91_resets(t) - before, 2u, "SYSRESETREQ, then nRESET");
	nrf91_detach(t);
	t = NULL;
	cr_expect_eq(ctrlap_raw(CTRLAP_STATUS, false, 0) & 3u, 0u);
}

Test(nrf91, lock_that_no_reset_latches_is_lock_failed)
{
	open_board(SIMBOARD_NRF9160, protect_pin_quirk);
	struct nrf91_info info;
	attach_ok(&recover, &info);
	cr_assert_eq(nrf91_erase_all(t), NRF91_OK, "%s", nrf91_last_error_detail(t));
	/* From here on the probe has no nRESET line: nothing latches UICR. */
	static struct probe_ops no_pin;
	no_pin = *sp->probe.ops;
	no_pin.set_reset = NULL;
	sp->probe.ops = &no_pin;
	nrf91_err e = nrf91_lock(t);
	cr_expect_eq(e, NRF91_ERR_LOCK_FAILED, "%s: %s", nrf91_strerror(e),
		     nrf91_last_error_detail(t));
	cr_expect(!nrf91_get_info(t)->locked);
}

Test(nrf91, recover_writes_eraseall_0_then_1_so_a_stale_1_does_not_block_it)
{
	open_board(SIMBOARD_NRF9161, NULL);
	/* Another tool's erase left ERASEALL at 1 (the register keeps it, in
	 * the debug domain); a reset since has locked the part again. */
	ctrlap_raw(CTRLAP_ERASEALL, true, 1);
	board_wait_ms(400);
	board_pin_reset();
	cr_assert_eq(ctrlap_raw(CTRLAP_ERASEALL, false, 0), 1u, "ERASEALL still 1");
	cr_assert_eq(ctrlap_raw(CTRLAP_STATUS, false, 0) & 3u, 0u, "locked again");
	struct simboard_counters c0, c;
	simboard_get_counters(sp->board, &c0);
	struct nrf91_info info;
	attach_ok(&recover, &info);
	simboard_get_counters(sp->board, &c);
	/* Erase, soft reset (which locks this nRF9161 again), second erase. */
	cr_expect_eq(c.nvmc_erase_alls - c0.nvmc_erase_alls, 2u, "the host's erases ran");
	nrf91_detach(t);
	t = NULL;
	cr_expect_eq(ctrlap_raw(CTRLAP_ERASEALL, false, 0), 0u, "left at 0 after the erase");
}

Test(nrf91, program_writes_flash_the_spu_marks_nonsecure)
{
	open_board(SIMBOARD_NRF9160, NULL);
	struct nrf91_info info;
	attach_ok(NULL, &info);
	cr_assert_eq(nrf91_halt(t), NRF91_OK, "%s", nrf91_last_error_detail(t));
	/* A previous firmware (TF-M) left flash region 1 (0x8000-0xFFFF)
	 * non-secure in the SPU: writes there follow NVMC.CONFIGNS. */
	const uint32_t perm = 0x07u;
	cr_assert_eq(nrf91_write(t, 0x50003604u, &perm, sizeof perm), NRF91_OK, "%s",
		     nrf91_last_error_detail(t));
	cr_assert_eq(nrf91_erase_all(t), NRF91_OK, "%s", nrf91_last_error_detail(t));
	struct image *img = image_create();
	uint8_t d[256];
	for (unsigned i = 0; i < sizeof d; i++)
		d[i] = (uint8_t)(i * 7 + 3);
	cr_assert_eq(image_write(img, 0x7F80, d, sizeof d), IMAGE_OK); /* across both regions */
	cr_assert_eq(nrf91_program(t, img), NRF91_OK, "%s", nrf91_last_error_detail(t));
	struct simboard_counters c;
	simboard_get_counters(sp->board, &c);
	cr_expect_eq(c.nvmc_ignored_writes, 0u);
	image_destroy(img);
}

/* This board's core executes nothing (cpu_none): the loader never says it
 * runs, and the direct path programs and read-back verifies instead. */
Test(nrf91, loader_that_does_not_start_falls_back_to_the_direct_path)
{
	open_board(SIMBOARD_NRF9160, NULL);
	struct nrf91_info info;
	attach_ok(&recover, &info);
	cr_assert_eq(nrf91_erase_all(t), NRF91_OK, "%s", nrf91_last_error_detail(t));
	struct image *img = image_create();
	uint8_t data[8192];
	for (size_t i = 0; i < sizeof data; i++)
		data[i] = (uint8_t)(i * 7u + 1u);
	cr_assert_eq(image_write(img, 0x4000, data, sizeof data), IMAGE_OK);
	nrf91_err e = nrf91_program_with(t, img, NRF91_FLASH_LOADER, NRF91_VERIFY_CRC);
	cr_assert_eq(e, NRF91_OK, "%s: %s", nrf91_strerror(e), nrf91_last_error_detail(t));
	struct nrf91_stats st;
	nrf91_get_stats(t, &st);
	cr_expect_eq(st.loader_fallbacks, 1u);
	cr_assert_eq(nrf91_verify(t, img, NULL), NRF91_OK, "%s", nrf91_last_error_detail(t));
	image_destroy(img);
}
