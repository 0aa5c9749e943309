/* ADI queue (src/swd/adi.c, memap.c) against a scripted SW-DP model. */
#include <criterion/criterion.h>

#include "probe_fakedp.h"
#include "swd/adi.h"
#include "swd/memap.h"

#include <string.h>

static struct fakedp *f;
static struct adi *a;
static struct memap m;

static void setup_big(void)
{
	f = fakedp_create(2048 * 8);
	cr_assert_not_null(f);
	a = adi_create(&f->probe);
	cr_assert_not_null(a);
	memap_init(&m, a, 0);
}

static void teardown(void)
{
	adi_destroy(a);
	probe_close(&f->probe);
}

static void connect(void)
{
	uint32_t dpidr = 0;
	cr_assert_eq(adi_connect(a, &dpidr), ADI_OK, "%s", adi_last_error_detail(a));
	cr_assert_eq(dpidr, 0x6BA02477u);
}

TestSuite(adi, .init = setup_big, .fini = teardown);

Test(adi, connect_reads_dpidr_clears_sticky_and_powers_up_with_orundetect)
{
	connect();
	cr_expect_eq(f->ctrl_stat, 0x50000001u);
	/* ABORT 0x1E must have been written. */
	bool abort_seen = false;
	for (uint32_t i = 0; i < f->nlog; i++)
		if (f->log[i].req == 0x81 && f->log[i].data == 0x1E)
			abort_seen = true;
	cr_expect(abort_seen);
}

Test(adi, no_ack_gives_no_target)
{
	f->no_target = true;
	cr_expect_eq(adi_connect(a, NULL), ADI_ERR_NO_TARGET);
	cr_expect(strstr(adi_last_error_detail(a), "no target") != NULL, "%s",
		  adi_last_error_detail(a));
}

Test(adi, probe_failure_gives_probe_error_not_a_hang)
{
	connect();
	f->fail_after_calls = (uint32_t)f->calls;
	uint32_t v;
	cr_expect_eq(memap_read_u32(&m, 0x20000000, &v), ADI_ERR_PROBE);
}

Test(adi, one_kilobyte_block_write_is_one_probe_round_trip)
{
	connect();
	uint8_t data[1024];
	for (int i = 0; i < 1024; i++)
		data[i] = (uint8_t)(i * 7 + 3);
	uint64_t before = f->calls;
	cr_assert_eq(memap_write_block(&m, 0x20000400, data, sizeof(data)), ADI_OK);
	cr_expect_eq(f->calls - before, 1, "round trips: %llu",
		     (unsigned long long)(f->calls - before));
	cr_expect_eq(memcmp(&f->mem[0x400], data, sizeof(data)), 0);
}

Test(adi, block_read_returns_posted_data_in_order_across_1k_boundaries)
{
	connect();
	for (uint32_t i = 0; i < 0x3000; i++)
		f->mem[0x100 + i] = (uint8_t)(i ^ (i >> 8));
	uint8_t out[0x3000];
	/* Unaligned start and length exercise the byte-access edges. */
	cr_assert_eq(memap_read_block(&m, 0x20000101, out, sizeof(out) - 3), ADI_OK, "%s",
		     adi_last_error_detail(a));
	cr_expect_eq(memcmp(out, &f->mem[0x101], sizeof(out) - 3), 0);
}

Test(adi, unaligned_block_write_touches_only_its_bytes_at_both_edges)
{
	connect();
	memset(f->mem, 0xEE, 0x400);
	const uint8_t data[10] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
	cr_assert_eq(memap_write_block(&m, 0x20000203, data, sizeof(data)), ADI_OK, "%s",
		     adi_last_error_detail(a));
	cr_expect_eq(memcmp(&f->mem[0x203], data, sizeof(data)), 0);
	cr_expect_eq(f->mem[0x202], 0xEE);
	cr_expect_eq(f->mem[0x20D], 0xEE);
	/* Shorter than the distance to the next word boundary. */
	cr_assert_eq(memap_write_block(&m, 0x20000301, data, 2), ADI_OK);
	cr_expect_eq(f->mem[0x300], 0xEE);
	cr_expect_eq(f->mem[0x301], 1);
	cr_expect_eq(f->mem[0x302], 2);
	cr_expect_eq(f->mem[0x303], 0xEE);
	uint8_t back[2] = {0};
	cr_assert_eq(memap_read_block(&m, 0x20000301, back, sizeof(back)), ADI_OK);
	cr_expect_eq(back[0], 1);
	cr_expect_eq(back[1], 2);
}

Test(adi, block_write_rewrites_tar_at_every_1k_boundary)
{
	connect();
	uint8_t data[3000];
	for (unsigned i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i + 1);
	/* The model wraps TAR inside 1 KB like the minimum ADI MEM-AP. */
	cr_assert_eq(memap_write_block(&m, 0x20000200, data, sizeof(data)), ADI_OK);
	cr_expect_eq(memcmp(&f->mem[0x200], data, sizeof(data)), 0);
	unsigned tar_writes = 0;
	for (uint32_t i = 0; i < f->nlog; i++)
		if (f->log[i].req == 0x8B)
			tar_writes++;
	cr_expect_eq(tar_writes, 4); /* 0x200, then the boundaries 0x400, 0x800, 0xC00 */
}

Test(adi, csw_is_written_once_for_a_run_of_word_accesses)
{
	connect();
	uint32_t v;
	for (int i = 0; i < 5; i++)
		cr_assert_eq(memap_read_u32(&m, 0x20000000 + 4u * i, &v), ADI_OK);
	unsigned csw_writes = 0;
	for (uint32_t i = 0; i < f->nlog; i++)
		if (f->log[i].req == 0xA3) {
			csw_writes++;
			cr_expect_eq(f->log[i].data, 0xA2000012u);
		}
	cr_expect_eq(csw_writes, 1);
	uint8_t b;
	cr_assert_eq(memap_read_u8(&m, 0x20000001, &b), ADI_OK);
	cr_expect_eq(f->log[f->nlog - 1].req, 0xBD); /* RDBUFF collects the posted byte */
	cr_expect_eq(f->csw, 0xA2000010u);
}

Test(adi, wait_in_the_middle_of_a_block_write_retries_from_the_failed_word)
{
	connect();
	uint8_t data[1024];
	for (int i = 0; i < 1024; i++)
		data[i] = (uint8_t)(255 - i);
	/* Transaction 40 of the next batch answers WAIT three times. */
	f->wait_from = f->txn_index + 40;
	f->wait_count = 3;
	cr_assert_eq(memap_write_block(&m, 0x20000000, data, sizeof(data)), ADI_OK, "%s",
		     adi_last_error_detail(a));
	cr_expect_eq(memcmp(f->mem, data, sizeof(data)), 0);
	struct adi_stats s;
	adi_get_stats(a, &s);
	cr_expect_eq(s.wait_retries, 3);
	/* Every word reached memory exactly once. */
	unsigned drw = 0;
	for (uint32_t i = 0; i < f->nlog; i++)
		if (f->log[i].req == 0xBB)
			drw++;
	cr_expect_eq(drw, 256);
}

Test(adi, wait_during_posted_reads_regenerates_the_lost_value)
{
	connect();
	for (uint32_t i = 0; i < 1024; i++)
		f->mem[i] = (uint8_t)(i * 13);
	uint8_t out[1024];
	f->wait_from = f->txn_index + 20;
	f->wait_count = 2;
	cr_assert_eq(memap_read_block(&m, 0x20000000, out, sizeof(out)), ADI_OK, "%s",
		     adi_last_error_detail(a));
	cr_expect_eq(memcmp(out, f->mem, sizeof(out)), 0);
}

Test(adi, wait_storm_beyond_the_budget_is_a_wait_timeout)
{
	connect();
	adi_set_wait_budget(a, 10000, 50);
	f->wait_from = f->txn_index + 1;
	f->wait_count = 1000000;
	uint32_t v;
	cr_expect_eq(memap_read_u32(&m, 0x20000000, &v), ADI_ERR_WAIT_TIMEOUT);
	cr_expect(strstr(adi_last_error_detail(a), "WAIT") != NULL);
}

Test(adi, fault_reads_ctrl_stat_clears_sticky_and_names_the_address)
{
	connect();
	f->bus_error_addr = 0x20000010;
	uint32_t words[8] = {1, 2, 3, 4, 5, 6, 7, 8};
	cr_expect_eq(memap_write_block(&m, 0x20000000, words, sizeof(words)), ADI_ERR_FAULT);
	/* AP writes are posted: the FAULT shows on the access after the bad one,
	 * and the report names both. */
	cr_expect(strstr(adi_last_error_detail(a), "0x20000010") != NULL, "%s",
		  adi_last_error_detail(a));
	cr_expect(strstr(adi_last_error_detail(a), "CTRL/STAT 0x") != NULL);
	cr_expect_eq(f->sticky, 0, "sticky flags cleared");
	/* The DP works again afterwards. */
	f->bus_error_addr = 0;
	uint32_t v = 0;
	cr_expect_eq(memap_read_u32(&m, 0x20000000, &v), ADI_OK);
	cr_expect_eq(v, 1);
}

Test(adi, read_parity_error_is_retried)
{
	connect();
	f->mem[0] = 0x5A;
	f->parity_at = f->txn_index + 3;
	f->parity_count = 1;
	uint32_t v = 0;
	cr_expect_eq(memap_read_u32(&m, 0x20000000, &v), ADI_OK, "%s", adi_last_error_detail(a));
	cr_expect_eq(v, 0x5A);
	struct adi_stats s;
	adi_get_stats(a, &s);
	cr_expect_geq(s.parity_retries, 1);
}

Test(adi, persistent_parity_errors_fail_with_parity)
{
	connect();
	f->parity_at = f->txn_index + 1;
	f->parity_count = 1000000;
	uint32_t v = 0;
	cr_expect_eq(adi_dp_read(a, ADI_DP_CTRL_STAT, &v), ADI_ERR_PARITY);
}

Test(adi, select_is_cached_and_rewritten_after_reconnect)
{
	connect();
	uint32_t v;
	cr_assert_eq(adi_ap_read(a, 4, 0xFC, &v), ADI_OK);
	cr_expect_eq(v, 0x12880000u);
	uint32_t n0 = f->nlog;
	cr_assert_eq(adi_ap_read(a, 4, 0xFC, &v), ADI_OK);
	for (uint32_t i = n0; i < f->nlog; i++)
		cr_expect_neq(f->log[i].req, 0xB1, "no SELECT write when cached");
	connect();
	n0 = f->nlog;
	cr_assert_eq(adi_ap_read(a, 4, 0xFC, &v), ADI_OK);
	bool sel = false;
	for (uint32_t i = n0; i < f->nlog; i++)
		sel |= f->log[i].req == 0xB1 && f->log[i].data == 0x040000F0u;
	cr_expect(sel, "SELECT rewritten after a line reset");
}

Test(adi, small_probe_buffer_splits_batches)
{
	teardown();
	f = fakedp_create(504); /* (143-16)/2 bytes: the smallest J-Link buffer */
	a = adi_create(&f->probe);
	memap_init(&m, a, 0);
	connect();
	uint8_t data[256];
	for (int i = 0; i < 256; i++)
		data[i] = (uint8_t)i;
	cr_assert_eq(memap_write_block(&m, 0x20000000, data, sizeof(data)), ADI_OK);
	cr_expect_eq(memcmp(f->mem, data, sizeof(data)), 0);
	uint8_t back[256];
	cr_assert_eq(memap_read_block(&m, 0x20000000, back, sizeof(back)), ADI_OK);
	cr_expect_eq(memcmp(back, data, sizeof(data)), 0);
}

static unsigned writes_of(uint32_t data)
{
	unsigned n = 0;
	for (uint32_t i = 0; i < f->nlog; i++)
		n += (f->log[i].req & 0x04u) == 0 && f->log[i].data == data;
	return n;
}

/* A single-word write is a flush that ends in that write: the RDBUFF read
 * behind it shows the drop, and the word is sent again in the same flush. */
Test(adi, a_dropped_last_write_of_a_flush_is_sent_again)
{
	connect();
	f->drop_write_data[0] = 0xD00DF00Du;
	cr_assert_eq(memap_write_u32(&m, 0x20000100, 0xD00DF00Du), ADI_OK, "%s",
		     adi_last_error_detail(a));
	uint32_t v = 0;
	cr_assert_eq(memap_read_u32(&m, 0x20000100, &v), ADI_OK);
	cr_expect_eq(v, 0xD00DF00Du, "the word landed");
	cr_expect_eq(writes_of(0xD00DF00Du), 1u, "performed once");
}

/* Unchecked (a bus-stalling trigger): the drop shows on the first
 * transaction of the next flush, which cannot name the write; it fails
 * there instead of passing a lost write as done. */
Test(adi, a_dropped_unchecked_write_fails_the_next_flush)
{
	connect();
	f->drop_write_data[0] = 0xE5E5E5E5u;
	memap_queue_write_u32(&m, 0x20000100, 0xE5E5E5E5u);
	adi_queue_unchecked(a);
	cr_assert_eq(adi_flush(a), ADI_OK, "nothing to see yet");
	uint32_t v = 0;
	cr_expect_eq(memap_read_u32(&m, 0x20000100, &v), ADI_ERR_FAULT);
	cr_expect(strstr(adi_last_error_detail(a), "cannot be named") != NULL, "%s",
		  adi_last_error_detail(a));
	cr_expect_eq(f->sticky, 0u, "sticky flags cleared");
	cr_expect_eq(memap_read_u32(&m, 0x20000100, &v), ADI_OK, "the DP works again");
}

/* The resend's own TAR write dropped: the FAULT lands on the first queued
 * write after the prologue, and only that one is sent again, not the word
 * before it (a flash word written twice uses up nWRITE). */
Test(adi, a_dropped_prologue_write_resends_from_the_faulted_access)
{
	connect();
	uint32_t words[2] = {0x11111111u, 0x22222222u};
	f->drop_write_data[0] = 0x22222222u; /* the second word */
	f->drop_write_data[1] = 0x20000204u; /* then the resend's TAR = its address */
	cr_assert_eq(memap_write_block(&m, 0x20000200, words, sizeof(words)), ADI_OK, "%s",
		     adi_last_error_detail(a));
	cr_expect_eq(writes_of(0x11111111u), 1u, "the first word went once");
	cr_expect_eq(writes_of(0x22222222u), 1u, "the second word landed once");
	uint32_t v = 0;
	cr_assert_eq(memap_read_u32(&m, 0x20000204, &v), ADI_OK);
	cr_expect_eq(v, 0x22222222u);
}

/* A CTRL/STAT read answers OK with WDATAERR set: queued after a write, an
 * RDBUFF goes first, so the dropped write is named and sent again. */
Test(adi, a_ctrl_stat_read_after_a_dropped_write_does_not_hide_it)
{
	connect();
	f->drop_write_data[0] = 0x00AB0000u;
	uint32_t cs = 0;
	adi_queue_dp_write(a, ADI_DP_SELECT, 0x00AB0000u);
	adi_queue_dp_read(a, ADI_DP_CTRL_STAT, &cs);
	cr_assert_eq(adi_flush(a), ADI_OK, "%s", adi_last_error_detail(a));
	cr_expect_eq(f->select, 0x00AB0000u, "SELECT landed");
	cr_expect_eq(cs & 0x80u, 0u, "CTRL/STAT read after the resend: 0x%08x", cs);
}

/* The recovery's own ABORT dropped too: the retried DP write (no prologue)
 * answers FAULT first thing; that names the recovery, not a queued write,
 * and the retry from it lands the write once. */
Test(adi, a_dropped_recovery_abort_is_sent_again_not_a_queued_write)
{
	connect();
	f->drop_write_data[0] = 0x00CD0000u; /* the SELECT below */
	f->drop_write_data[1] = 0x1Eu;	     /* then the recovery's ABORT */
	adi_queue_dp_write(a, ADI_DP_SELECT, 0x00CD0000u);
	cr_assert_eq(adi_flush(a), ADI_OK, "%s", adi_last_error_detail(a));
	cr_expect_eq(f->select, 0x00CD0000u);
	cr_expect_eq(writes_of(0x00CD0000u), 1u);
}

/* After a WAIT the retry starts with an ABORT, on which a DP that buffers
 * a write may drop it: a FAULT on the retried write cannot say whether the
 * write before it landed, so the flush fails rather than guess. */
Test(adi, a_fault_on_a_write_retried_after_wait_fails_rather_than_guess)
{
	connect();
	uint32_t words[2] = {0x33333333u, 0x44444444u};
	memap_queue_write_words(&m, 0x20000300, words, 2, 0);
	f->wait_from = f->txn_index + 4; /* CSW, TAR, DRW, then the second DRW */
	f->wait_count = 1;
	f->drop_write_data[0] = 0x20000304u; /* the retry prologue's TAR */
	cr_expect_eq(adi_flush(a), ADI_ERR_FAULT);
	cr_expect(strstr(adi_last_error_detail(a), "cannot be named") != NULL, "%s",
		  adi_last_error_detail(a));
}

/* The recovery reads CTRL/STAT to tell a dropped write from a bus error;
 * a parity error on that read is read again, not taken as "unreadable". */
Test(adi, the_recoverys_ctrl_stat_read_is_read_again_after_a_parity_error)
{
	connect();
	cr_assert_eq(memap_write_u32(&m, 0x20000400, 1u), ADI_OK); /* caches CSW */
	uint32_t base = f->txn_index;
	f->drop_write_data[0] = 0x5EED5EEDu;
	f->parity_at = base + 4; /* TAR, DRW (dropped), RDBUFF (FAULT), CTRL/STAT */
	f->parity_count = 1;
	cr_assert_eq(memap_write_u32(&m, 0x20000400, 0x5EED5EEDu), ADI_OK, "%s",
		     adi_last_error_detail(a));
	uint32_t v = 0;
	cr_assert_eq(memap_read_u32(&m, 0x20000400, &v), ADI_OK);
	cr_expect_eq(v, 0x5EED5EEDu);
}

/* A read parity error is the host's alone: the target did the rest of the
 * batch, a write among it included. The read is read again by itself and
 * the write is not sent twice. */
Test(adi, a_read_parity_error_does_not_send_a_later_write_twice)
{
	connect();
	uint32_t v = 0;
	cr_assert_eq(memap_read_u32(&m, 0x20000500, &v), ADI_OK); /* caches CSW */
	f->mem[0x500] = 0xA7;
	uint32_t base = f->txn_index;
	f->parity_at = base + 3; /* TAR, DRW read, RDBUFF (its data) */
	f->parity_count = 1;
	memap_queue_read_u32(&m, 0x20000500, &v);
	memap_queue_write_u32(&m, 0x20000504, 0x7E57C0DEu);
	cr_assert_eq(adi_flush(a), ADI_OK, "%s", adi_last_error_detail(a));
	cr_expect_eq(v, 0xA7u, "the read was read again");
	cr_expect_eq(writes_of(0x7E57C0DEu), 1u, "the write went once");
	struct adi_stats st;
	adi_get_stats(a, &st);
	cr_expect_eq(st.parity_retries, 1u);
}

/* A parity error and, later in the same batch, a WAIT: both are recovered
 * (the WAIT's overrun flag cleared before the re-read), and the flush goes
 * on from the WAIT. */
Test(adi, a_read_parity_error_then_a_wait_in_the_same_batch_both_recover)
{
	connect();
	uint32_t v = 0;
	cr_assert_eq(memap_read_u32(&m, 0x20000600, &v), ADI_OK);
	f->mem[0x600] = 0x3C;
	uint32_t base = f->txn_index;
	f->parity_at = base + 3;
	f->parity_count = 1;
	f->wait_from = base + 5; /* the DRW write */
	f->wait_count = 1;
	memap_queue_read_u32(&m, 0x20000600, &v);
	memap_queue_write_u32(&m, 0x20000604, 0x0BADCAFEu);
	cr_assert_eq(adi_flush(a), ADI_OK, "%s", adi_last_error_detail(a));
	cr_expect_eq(v, 0x3Cu);
	cr_expect_eq(writes_of(0x0BADCAFEu), 1u);
	uint32_t w = 0;
	cr_assert_eq(memap_read_u32(&m, 0x20000604, &w), ADI_OK);
	cr_expect_eq(w, 0x0BADCAFEu);
}

/* A probe buffer of 504 bits: the queues below are cut into batches. */
static void small_probe(void)
{
	teardown();
	f = fakedp_create(504);
	cr_assert_not_null(f);
	a = adi_create(&f->probe);
	cr_assert_not_null(a);
	memap_init(&m, a, 0);
	connect();
}

/* Runs of 1, 2 and 3 bad reads at every place of a 16-word block read
 * that batches cut: the last of a run may be collected first thing in the
 * next batch. Every word arrives. */
Test(adi, read_parity_errors_anywhere_in_a_cut_block_read_lose_no_word)
{
	small_probe();
	uint32_t words[16], back[16];
	for (uint32_t i = 0; i < 16; i++)
		words[i] = 0x1000u + i;
	cr_assert_eq(memap_write_block(&m, 0x20000000, words, sizeof(words)), ADI_OK);
	unsigned bad = 0;
	for (uint32_t run = 1; run <= 3; run++)
		for (uint32_t off = 1; off < 24; off++) {
			memset(back, 0, sizeof(back));
			f->parity_at = f->txn_index + off;
			f->parity_count = run;
			adi_err e = memap_read_block(&m, 0x20000000, back, sizeof(back));
			f->parity_count = 0;
			if (e != ADI_OK || memcmp(back, words, sizeof(words)) != 0) {
				bad++;
				cr_log_error("run %u at +%u: %s", run, off,
					     e == ADI_OK ? "a word is wrong" : adi_strerror(e));
			}
		}
	cr_expect_eq(bad, 0u);
}

/* A read parity error early in a queue and, at the cut after a write, that
 * write dropped: the drop is named in its own batch (its RDBUFF epilogue),
 * not taken for the re-read's prologue, and every word lands once. */
Test(adi, a_write_dropped_at_a_batch_cut_behind_a_parity_error_lands_once)
{
	small_probe();
	uint32_t v = 0;
	cr_assert_eq(memap_read_u32(&m, 0x20000800, &v), ADI_OK); /* caches CSW */
	unsigned bad = 0;
	for (uint32_t j = 0; j < 12; j++) {
		uint32_t words[12];
		for (uint32_t i = 0; i < 12; i++)
			words[i] = 0xA0000000u + j * 0x100u + i;
		memset(&f->mem[0x900], 0, sizeof(words));
		f->mem[0x800] = (uint8_t)j;
		f->parity_at = f->txn_index + 3; /* TAR, DRW read, RDBUFF */
		f->parity_count = 1;
		f->drop_write_data[0] = words[j];
		memap_queue_read_u32(&m, 0x20000800, &v);
		memap_queue_write_words(&m, 0x20000900, words, 12, 0);
		adi_err e = adi_flush(a);
		f->parity_count = 0;
		f->drop_write_data[0] = 0;
		cr_expect_eq(e, ADI_OK, "word %u dropped: %s", j, adi_last_error_detail(a));
		for (uint32_t i = 0; i < 12; i++)
			if (memcmp(&f->mem[0x900 + 4 * i], &words[i], 4) != 0 ||
			    writes_of(words[i]) != 1u) {
				bad++;
				cr_log_error("word %u dropped: word %u wrong or not written once",
					     j, i);
			}
		cr_expect_eq(v, j, "the read, re-read");
	}
	cr_expect_eq(bad, 0u);
}

/* After a WAIT the first batch may be a re-read; a FAULT first thing in it
 * still cannot say whether the write before the WAIT landed: not guessed. */
Test(adi, a_fault_after_a_wait_behind_a_re_read_is_not_guessed)
{
	connect();
	cr_assert_eq(memap_write_u32(&m, 0x20000700, 1u), ADI_OK); /* caches CSW */
	uint32_t x = 0, y = 0;
	uint32_t base = f->txn_index;
	adi_queue_ap_read(a, 0, 0x00, &x);
	adi_queue_ap_read(a, 0, 0x00, &y);
	memap_queue_write_u32(&m, 0x20000704, 0x0D0D0D0Du);
	f->parity_at = base + 3; /* RDBUFF: the second read's data */
	f->parity_count = 1;
	f->wait_from = base + 5; /* the DRW write */
	f->wait_count = 1;
	f->drop_write_data[0] = ADI_ABORT_ORUNERRCLR; /* the WAIT recovery's ABORT */
	cr_expect_eq(adi_flush(a), ADI_ERR_FAULT, "%s", adi_last_error_detail(a));
	cr_expect(strstr(adi_last_error_detail(a), "cannot be named") != NULL, "%s",
		  adi_last_error_detail(a));
}
