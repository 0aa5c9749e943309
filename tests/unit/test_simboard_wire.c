/*
 * Simulated nRF91 board, wire and DP level: SWD decoding, ACK paths, sticky
 * errors, posted reads, fault injection. Driven through simboard_swd_io with
 * OpenOCD's J-Link slot convention.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "board_impl.h"
#include "test_simboard_util.h"

static void setup(void)
{
	struct simboard_config cfg;
	tsb_config_default(&cfg, SIMBOARD_NRF9160);
	tsb_open(&cfg);
}

TestSuite(simboard_wire, .init = setup, .fini = tsb_teardown);

static unsigned dpidr_after(void (*prefix)(struct swdq *), uint32_t *val)
{
	struct swdq q;
	q_init(&q);
	prefix(&q);
	unsigned i = q_txn(&q, false, true, 0, 0, false);
	q_idle(&q, 8);
	q_run(&q);
	*val = q_data(&q, i);
	return q_ack(&q, i);
}

static void no_prefix(struct swdq *q)
{
	(void)q;
}

Test(simboard_wire, line_reset_then_dpidr_read_returns_nrf91_dpidr)
{
	uint32_t v = 0;
	cr_assert_eq(dpidr_after(q_line_reset, &v), 1u);
	cr_assert_eq(v, 0x6BA02477u);
}

Test(simboard_wire, jtag_to_swd_sequence_then_dpidr_read_works)
{
	uint32_t v = 0;
	cr_assert_eq(dpidr_after(q_jtag_to_swd, &v), 1u);
	cr_assert_eq(v, 0x6BA02477u);
}

static void dormant_wakeup(struct swdq *q)
{
	static const uint8_t alert[16] = {0x92, 0xF3, 0x09, 0x62, 0x95, 0x2D, 0x85, 0x86,
					  0xE9, 0xAF, 0xDD, 0xE3, 0xA2, 0x0E, 0xBC, 0x19};
	q_bits(q, true, 0xFF, 8);
	for (unsigned i = 0; i < 16; i++)
		q_bits(q, true, alert[i], 8);
	q_bits(q, true, 0, 4);
	q_bits(q, true, 0x1A, 8);
	q_line_reset(q);
}

static void swd_to_dormant(struct swdq *q)
{
	q_bits(q, true, ~0ull, 56);
	q_bits(q, true, 0xE3BC, 16);
}

static void dormant_then_line_reset(struct swdq *q)
{
	swd_to_dormant(q);
	q_line_reset(q);
}

static void dormant_then_wakeup(struct swdq *q)
{
	swd_to_dormant(q);
	dormant_wakeup(q);
}

Test(simboard_wire, dormant_wakeup_sequence_then_dpidr_read_works)
{
	uint32_t v = 0;
	cr_assert_eq(dpidr_after(dormant_wakeup, &v), 1u);
	cr_assert_eq(v, 0x6BA02477u);
}

Test(simboard_wire, dormant_state_ignores_line_reset_until_selection_alert)
{
	uint32_t v = 0;
	cr_assert_eq(dpidr_after(dormant_then_line_reset, &v), 7u);
	cr_assert_eq(dpidr_after(dormant_then_wakeup, &v), 1u);
	cr_assert_eq(v, 0x6BA02477u);
}

Test(simboard_wire, board_does_not_answer_before_the_first_line_reset)
{
	uint32_t v = 0;
	cr_assert_eq(dpidr_after(no_prefix, &v), 7u);
	cr_assert_eq(v, 0xFFFFFFFFu, "undriven data slots read as pulled-up ones");
}

Test(simboard_wire, after_line_reset_only_a_dpidr_read_is_answered)
{
	struct swdq q;
	q_init(&q);
	q_line_reset(&q);
	unsigned i = q_txn(&q, false, true, 0x4, 0, false); /* CTRL/STAT first */
	q_idle(&q, 8);
	q_run(&q);
	cr_assert_eq(q_ack(&q, i), 7u);
	/* Protocol error: silent until the next line reset. */
	uint32_t v;
	cr_assert_eq(dp_rd(0x0, &v), 7u);
	cr_assert_eq(dpidr_after(q_line_reset, &v), 1u);
	struct simboard_counters c;
	simboard_get_counters(T.b, &c);
	cr_assert_geq(c.protocol_errors, 1u);
	cr_assert_geq(c.line_resets, 2u);
}

Test(simboard_wire, request_with_bad_parity_gets_no_response)
{
	struct swdq q;
	q_init(&q);
	q_line_reset(&q);
	unsigned i = q.nt++;
	q.t[i].pos = q.n;
	q.t[i].read = true;
	q_bits(&q, true, q_request_byte(false, true, 0) ^ 0x20u, 8); /* parity flipped */
	q_bits(&q, false, 0, 38);
	q_idle(&q, 8);
	q_run(&q);
	cr_assert_eq(q_ack(&q, i), 7u);
	cr_assert_eq(q_data(&q, i), 0xFFFFFFFFu);
}

Test(simboard_wire, request_with_bad_stop_or_park_bit_gets_no_response)
{
	uint8_t bad[2] = {(uint8_t)(q_request_byte(false, true, 0) | 0x40u),
			  (uint8_t)(q_request_byte(false, true, 0) & 0x7Fu)};
	for (int k = 0; k < 2; k++) {
		struct swdq q;
		q_init(&q);
		q_line_reset(&q);
		unsigned i = q.nt++;
		q.t[i].pos = q.n;
		q_bits(&q, true, bad[k], 8);
		q_bits(&q, false, 0, 38);
		q_run(&q);
		cr_assert_eq(q_ack(&q, i), 7u, "variant %d", k);
	}
}

Test(simboard_wire, ctrl_stat_power_up_request_is_acknowledged)
{
	swd_connect();
	uint32_t cs = 0;
	cr_assert_eq(dp_wr(0x4, 0), 1u);
	cr_assert_eq(dp_rd(0x4, &cs), 1u);
	cr_assert_eq(cs & 0xF0000000u, 0u);
	cr_assert_eq(dp_wr(0x4, 0x50000000u), 1u);
	cr_assert_eq(dp_rd(0x4, &cs), 1u);
	cr_assert_eq(cs & 0xF0000000u, 0xF0000000u);
}

Test(simboard_wire, targetid_dlpidr_and_targetsel)
{
	swd_connect();
	uint32_t v = 0;
	cr_assert_eq(dp_wr(0x8, 0x2), 1u); /* DPBANKSEL 2 */
	cr_assert_eq(dp_rd(0x4, &v), 1u);
	cr_assert_eq(v, 0x20090289u, "nRF9160: TREVISION 2, TPARTNO 0x0090, designer 0x289");
	cr_assert_eq(dp_wr(0x8, 0x3), 1u);
	cr_assert_eq(dp_rd(0x4, &v), 1u);
	cr_assert_eq(v, 0x00000001u);
	/* A matching TARGETSEL keeps the target selected, a wrong one silences it. */
	struct swdq q;
	q_init(&q);
	q_line_reset(&q);
	q_txn(&q, false, false, 0xC, 0x00090289u, false);
	unsigned i = q_txn(&q, false, true, 0, 0, false);
	q_line_reset(&q);
	q_txn(&q, false, false, 0xC, 0x01234567u, false);
	unsigned j = q_txn(&q, false, true, 0, 0, false);
	q_idle(&q, 8);
	q_run(&q);
	cr_assert_eq(q_ack(&q, i), 1u);
	cr_assert_eq(q_ack(&q, j), 7u);
}

Test(simboard_wire, targetid_revision_is_3_on_nrf9161)
{
	tsb_teardown();
	struct simboard_config cfg;
	tsb_config_default(&cfg, SIMBOARD_NRF9161);
	tsb_open(&cfg);
	swd_connect();
	uint32_t v = 0;
	cr_assert_eq(dp_wr(0x8, 0x2), 1u);
	cr_assert_eq(dp_rd(0x4, &v), 1u);
	cr_assert_eq(v, 0x30090289u);
}

Test(simboard_wire, ap_reads_are_posted_and_rdbuff_returns_the_last)
{
	swd_connect();
	ap_select(0, 0xF);
	uint32_t v = 0;
	cr_assert_eq(ap_rd(0xC, &v), 1u); /* IDR, data is stale */
	ap_select(0, 0);
	cr_assert_eq(ap_rd(0x4, &v), 1u); /* TAR read returns the IDR */
	cr_assert_eq(v, 0x84770001u);
	cr_assert_eq(dp_rd(0xC, &v), 1u); /* RDBUFF = TAR */
	cr_assert_eq(v, 0u);
	cr_assert_eq(ap_wr(0x4, 0x20000100u), 1u);
	cr_assert_eq(ap_rd(0x4, &v), 1u);
	cr_assert_eq(dp_rd(0xC, &v), 1u);
	cr_assert_eq(v, 0x20000100u);
	/* RESEND repeats the last AP read / RDBUFF data. */
	cr_assert_eq(dp_rd(0x8, &v), 1u);
	cr_assert_eq(v, 0x20000100u);
}

Test(simboard_wire, many_packets_in_one_call_and_a_packet_split_across_calls)
{
	swd_connect();
	struct swdq q;
	q_init(&q);
	q_txn(&q, false, false, 0x8, 0, false);
	q_txn(&q, true, false, 0x0, 0xA2000012u, false);
	q_txn(&q, true, false, 0x4, 0x20000000u, false);
	for (unsigned k = 0; k < 8; k++)
		q_txn(&q, true, false, 0xC, 0xC0DE0000u + k, false);
	q_idle(&q, 8);
	q_run(&q);
	for (unsigned k = 0; k < q.nt; k++)
		cr_assert_eq(q_ack(&q, k), 1u, "packet %u", k);
	/* Read the 8 words back, clocking the stream in 7-bit pieces. */
	q_init(&q);
	q_txn(&q, true, false, 0x4, 0x20000000u, false);
	for (unsigned k = 0; k < 8; k++)
		q_txn(&q, true, true, 0xC, 0, false);
	unsigned last = q_txn(&q, false, true, 0xC, 0, false);
	q_idle(&q, 8);
	uint8_t in[4096] = {0};
	for (uint32_t off = 0; off < q.n; off += 7) {
		uint32_t n = q.n - off < 7 ? q.n - off : 7;
		uint8_t d[2] = {0}, o[2] = {0}, i2[2] = {0};
		for (uint32_t k = 0; k < n; k++) {
			uint32_t p = off + k;
			if (q.dir[p / 8] & (1u << (p % 8)))
				d[k / 8] |= (uint8_t)(1u << (k % 8));
			if (q.out[p / 8] & (1u << (p % 8)))
				o[k / 8] |= (uint8_t)(1u << (k % 8));
		}
		simboard_swd_io(T.b, d, o, i2, n, T.now, NS_PER_BIT);
		T.now += n * NS_PER_BIT;
		for (uint32_t k = 0; k < n; k++)
			if (i2[k / 8] & (1u << (k % 8)))
				in[(off + k) / 8] |= (uint8_t)(1u << ((off + k) % 8));
	}
	memcpy(q.in, in, sizeof(in));
	for (unsigned k = 2; k < 9; k++) {
		cr_assert_eq(q_ack(&q, k), 1u);
		cr_assert_eq(q_data(&q, k), 0xC0DE0000u + (k - 2), "word %u", k - 2);
	}
	cr_assert_eq(q_data(&q, last), 0xC0DE0007u);
}

Test(simboard_wire, write_data_parity_error_sets_wdataerr_and_faults_until_abort)
{
	swd_connect();
	struct swdq q;
	q_init(&q);
	unsigned i = q_txn(&q, false, false, 0x8, 0x00000000u, true);
	q_idle(&q, 8);
	q_run(&q);
	cr_assert_eq(q_ack(&q, i), 1u, "the ACK comes before the data");
	uint32_t cs = 0;
	cr_assert_eq(dp_rd(0x4, &cs), 1u);
	cr_assert(cs & (1u << 7), "WDATAERR");
	uint32_t v;
	cr_assert_eq(ap_rd(0x0, &v), 4u, "FAULT while sticky");
	cr_assert_eq(dp_wr(0x8, 0), 4u, "SELECT write faults too");
	cr_assert_eq(dp_rd(0x0, &v), 1u, "DPIDR still answers");
	cr_assert_eq(dp_wr(0x0, 0x08), 1u, "ABORT.WDERRCLR");
	cr_assert_eq(dp_rd(0x4, &cs), 1u);
	cr_assert_eq(cs & (1u << 7), 0u);
	cr_assert_eq(ap_rd(0x0, &v), 1u);
}

Test(simboard_wire, wait_storm_answers_wait_then_ok)
{
	struct simboard_faults f = T.cfg.faults;
	f.wait_storm = 3;
	simboard_set_faults(T.b, &f);
	swd_connect();
	uint32_t v;
	for (int k = 0; k < 3; k++)
		cr_assert_eq(ap_rd(0x0, &v), 2u, "WAIT %d", k);
	cr_assert_eq(ap_rd(0x0, &v), 1u);
	struct simboard_counters c;
	simboard_get_counters(T.b, &c);
	cr_assert_eq(c.acks_wait, 3u);
}

Test(simboard_wire, wait_with_orundetect_sets_stickyorun_and_consumes_the_write_data_phase)
{
	struct simboard_faults f = T.cfg.faults;
	f.wait_storm = 1;
	simboard_set_faults(T.b, &f);
	swd_connect();
	cr_assert_eq(dp_wr(0x4, 0x50000001u), 1u); /* ORUNDETECT */
	ap_select(0, 0);
	struct swdq q;
	q_init(&q);
	/* Write data with a start-bit-like pattern: must not be parsed as a request. */
	unsigned w = q_txn(&q, true, false, 0x4, 0xA5A5A5A5u, false);
	unsigned r = q_txn(&q, false, true, 0x4, 0, false);
	q_idle(&q, 8);
	q_run(&q);
	cr_assert_eq(q_ack(&q, w), 2u);
	cr_assert_eq(q_ack(&q, r), 1u, "next packet decoded in step");
	cr_assert(q_data(&q, r) & 0x2u, "STICKYORUN");
	uint32_t v;
	cr_assert_eq(ap_rd(0x4, &v), 4u);
	cr_assert_eq(dp_wr(0x0, 0x10), 1u); /* ORUNERRCLR */
	cr_assert_eq(ap_wr(0x4, 0x1234u), 1u);
	cr_assert_eq(ap_rd(0x4, &v), 1u);
	cr_assert_eq(dp_rd(0xC, &v), 1u);
	cr_assert_eq(v, 0x1234u);
}

Test(simboard_wire, fault_ack_every_n_sets_stickyerr_cleared_by_abort)
{
	struct simboard_faults f = T.cfg.faults;
	f.fault_ack_every = 3;
	simboard_set_faults(T.b, &f);
	swd_connect();
	uint32_t v, cs;
	cr_assert_eq(ap_rd(0x0, &v), 1u);
	cr_assert_eq(ap_rd(0x0, &v), 1u);
	cr_assert_eq(ap_rd(0x0, &v), 4u);
	cr_assert_eq(dp_rd(0x4, &cs), 1u);
	cr_assert(cs & (1u << 5), "STICKYERR");
	cr_assert_eq(ap_rd(0x0, &v), 4u, "sticky until cleared");
	cr_assert_eq(dp_wr(0x0, 0x04), 1u); /* STKERRCLR */
	cr_assert_eq(ap_rd(0x0, &v), 1u);
}

Test(simboard_wire, injected_parity_error_flips_every_nth_read_parity)
{
	struct simboard_faults f = T.cfg.faults;
	f.parity_error_every = 2;
	simboard_set_faults(T.b, &f);
	struct swdq q;
	q_init(&q);
	q_line_reset(&q);
	unsigned a = q_txn(&q, false, true, 0, 0, false);
	unsigned b2 = q_txn(&q, false, true, 0, 0, false);
	q_idle(&q, 8);
	q_run(&q);
	cr_assert_eq(q_ack(&q, a), 1u);
	cr_assert(q_parity_ok(&q, a));
	cr_assert_eq(q_ack(&q, b2), 1u);
	cr_assert_eq(q_data(&q, b2), 0x6BA02477u);
	cr_assert_not(q_parity_ok(&q, b2), "second read has a bad parity bit");
}

Test(simboard_wire, absent_board_never_acks_and_reads_vtref_zero)
{
	simboard_set_present(T.b, false);
	uint32_t v = 0;
	cr_assert_eq(dpidr_after(q_line_reset, &v), 7u);
	cr_assert_eq(v, 0xFFFFFFFFu);
	cr_assert_eq(simboard_vtref_mv(T.b), 0);
	simboard_set_present(T.b, true);
	cr_assert_eq(simboard_vtref_mv(T.b), 3300);
	cr_assert_eq(dpidr_after(q_line_reset, &v), 1u);
}

Test(simboard_wire, board_vanishes_after_the_configured_ap_bytes)
{
	struct simboard_faults f = T.cfg.faults;
	f.removed_after_bytes = 16;
	simboard_set_faults(T.b, &f);
	swd_connect();
	for (unsigned k = 0; k < 3; k++)
		mem_wr(0x20000000u + 4 * k, k);
	cr_assert_eq(mem_wr_ack(0x2000000Cu, 3), 1u);
	uint32_t v;
	cr_assert_eq(dp_rd(0x0, &v), 7u, "no ACK once removed");
	cr_assert_eq(simboard_vtref_mv(T.b), 0);
	struct simboard_counters c;
	simboard_get_counters(T.b, &c);
	cr_assert_eq(c.ap_bytes, 16u);
}

Test(simboard_wire, ap_idr_values_per_ap)
{
	swd_connect();
	static const struct {
		unsigned ap;
		uint32_t idr;
	} exp[] = {{0, 0x84770001u}, {1, 0}, {2, 0}, {3, 0x44770002u}, {4, 0x12880000u}, {9, 0}};
	for (size_t k = 0; k < sizeof(exp) / sizeof(exp[0]); k++) {
		uint32_t v;
		ap_select(exp[k].ap, 0xF);
		cr_assert_eq(ap_rd(0xC, &v), 1u);
		cr_assert_eq(dp_rd(0xC, &v), 1u);
		cr_assert_eq(v, exp[k].idr, "AP%u IDR 0x%08x", exp[k].ap, v);
	}
}

Test(simboard_wire, counters_count_bits_and_transactions)
{
	swd_connect();
	struct simboard_counters c;
	simboard_get_counters(T.b, &c);
	cr_assert_eq(c.swd_transactions, 5u);
	cr_assert_eq(c.swd_bits, (56u + 8u) + 5u * 54u);
}

Test(simboard_wire, random_bit_streams_leave_the_decoder_recoverable_by_line_reset)
{
	uint32_t seed = 0x12345678u;
	uint8_t dir[512], out[512], in[512];
	for (int round = 0; round < 64; round++) {
		for (size_t k = 0; k < sizeof(dir); k++) {
			seed = seed * 1103515245u + 12345u;
			dir[k] = (uint8_t)(seed >> 8);
			out[k] = (uint8_t)(seed >> 16);
		}
		uint32_t nbits = 1 + (seed >> 3) % (8 * sizeof(dir));
		simboard_swd_io(T.b, dir, out, in, nbits, T.now, NS_PER_BIT);
		T.now += (uint64_t)nbits * NS_PER_BIT;
	}
	/* Whatever state the garbage left (lockout, dormant, sticky errors,
	 * a packet half done), a wake-up + line reset brings the DP back. */
	uint32_t v = 0;
	cr_assert_eq(dpidr_after(dormant_wakeup, &v), 1u);
	cr_assert_eq(v, 0x6BA02477u);
	cr_assert_eq(dp_wr(0x0, 0x1E), 1u);
	cr_assert_eq(dp_wr(0x8, 0), 1u);
	uint32_t cs = 0;
	cr_assert_eq(dp_rd(0x4, &cs), 1u);
	cr_assert_eq(cs & 0xA2u, 0u);
}

/* ---- runs of cycles (swd_wire_run) against the decoder bit by bit
 *
 * simboard_swd_io takes a phase's cycles a run at a time where no per-bit
 * rule can fire; a second board is clocked through swd_wire_clock alone, one
 * cycle per call, as simboard_swd_io did before. Same traffic, split into
 * commands of random lengths: every sampled bit, the counters and the
 * decoder's state must agree after every command. The traffic mixes good
 * packets (DP and AP, reads and writes, RAM through the AHB-AP), a write with
 * bad parity, garbage, line resets, JTAG-to-SWD and the dormant sequence. */

static void bitwise_io(struct simboard *b, const uint8_t *dir, const uint8_t *out, uint8_t *in,
		       uint32_t nbits, uint64_t start_ns)
{
	for (uint32_t i = 0; i < nbits; i++) {
		bool drives = (dir[i / 8] >> (i % 8)) & 1u;
		int bit = (out[i / 8] >> (i % 8)) & 1u;
		int level = swd_wire_clock(b, drives, bit, start_ns + (uint64_t)i * NS_PER_BIT);
		if (level)
			in[i / 8] |= (uint8_t)(1u << (i % 8));
		else
			in[i / 8] &= (uint8_t)~(1u << (i % 8));
	}
	b->ctr.swd_bits += nbits;
	board_advance_to(b, start_ns + (uint64_t)nbits * NS_PER_BIT);
}

static void traffic(struct swdq *q, uint32_t *seed)
{
	q_line_reset(q);
	q_txn(q, false, true, 0x0, 0, false);		/* DPIDR */
	q_txn(q, false, false, 0x4, 0x50000000u, false); /* power-up request */
	q_txn(q, false, false, 0x8, 0x00000000u, false); /* SELECT AHB-AP bank 0 */
	q_txn(q, true, false, 0x0, 0x23000052u, false);	 /* CSW word, auto-increment */
	q_txn(q, true, false, 0x4, 0x20001000u, false);	 /* TAR */
	for (unsigned k = 0; k < 6; k++)
		q_txn(q, true, false, 0xC, 0xA5A50000u + k, false);
	q_txn(q, true, false, 0x4, 0x20001000u, false);
	for (unsigned k = 0; k < 4; k++)
		q_txn(q, true, true, 0xC, 0, false);
	q_txn(q, false, true, 0xC, 0, false); /* RDBUFF */
	q_idle(q, 3);
	q_txn(q, false, false, 0x8, 0x000000F0u, true); /* bad parity: WDATAERR */
	q_txn(q, true, true, 0x0, 0, false);		/* FAULT now */
	q_txn(q, false, false, 0x0, 0x1Eu, false);	/* ABORT clears */
	q_txn(q, false, true, 0x4, 0, false);
	for (unsigned k = 0; k < 40; k++) { /* garbage: lockout, maybe worse */
		*seed = *seed * 1103515245u + 12345u;
		q_bits(q, (*seed >> 9) & 1u, *seed >> 12, 16);
	}
	q_jtag_to_swd(q);
	q_txn(q, false, true, 0x0, 0, false);
	q_line_reset(q);
	q_bits(q, true, 0xE3BC, 16); /* SWD to dormant */
	q_bits(q, true, ~0ull, 60);
	q_line_reset(q);
	q_txn(q, false, true, 0x0, 0, false); /* silent: still dormant */
	q_idle(q, 8);
}

Test(simboard_wire, runs_of_cycles_decode_exactly_as_bit_by_bit)
{
	char path2[160];
	snprintf(path2, sizeof(path2), "%s/bitwise.state", T.dir);
	struct simboard *ref = simboard_open(&T.cfg, path2);
	cr_assert_not_null(ref);
	uint32_t seed = 0xC0FFEEu;
	static struct swdq q;
	for (int round = 0; round < 8; round++) {
		q_init(&q);
		traffic(&q, &seed);
		cr_assert_lt(q.n, 8u * sizeof(q.dir));
		static uint8_t in_fast[4096], in_ref[4096];
		memset(in_fast, 0x55, sizeof(in_fast));
		memset(in_ref, 0xAA, sizeof(in_ref));
		for (uint32_t off = 0; off < q.n;) {
			seed = seed * 1103515245u + 12345u;
			uint32_t n = 1 + (seed >> 8) % 97u;
			if (n > q.n - off)
				n = q.n - off;
			uint8_t d[16] = {0}, o[16] = {0}, i1[16] = {0}, i2[16] = {0};
			for (uint32_t k = 0; k < n; k++) {
				uint32_t p = off + k;
				d[k / 8] |= (uint8_t)(((q.dir[p / 8] >> (p % 8)) & 1u) << (k % 8));
				o[k / 8] |= (uint8_t)(((q.out[p / 8] >> (p % 8)) & 1u) << (k % 8));
			}
			simboard_swd_io(T.b, d, o, i1, n, T.now, NS_PER_BIT);
			bitwise_io(ref, d, o, i2, n, T.now);
			T.now += (uint64_t)n * NS_PER_BIT;
			cr_assert_arr_eq(i1, i2, sizeof(i1), "bits %u..%u of round %d", off, off + n - 1,
					 round);
			struct simboard_counters c1, c2;
			simboard_get_counters(T.b, &c1);
			simboard_get_counters(ref, &c2);
			cr_assert_arr_eq(&c1, &c2, sizeof(c1), "counters after bit %u", off + n - 1);
			const struct swd_wire *w1 = &T.b->wire, *w2 = &ref->wire;
			cr_assert(w1->phase == w2->phase && w1->count == w2->count &&
					  w1->ones == w2->ones && w1->seq_count == w2->seq_count &&
					  w1->shift == w2->shift && w1->request == w2->request,
				  "decoder state after bit %u of round %d", off + n - 1, round);
			off += n;
		}
	}
	simboard_close(ref);
}
