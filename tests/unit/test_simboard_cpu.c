/*
 * Simulated nRF91 board with its emulated Cortex-M33 (tools/sim/cpu_unicorn.c)
 * instead of the no-CPU core of test_simboard_target.c, for what depends on
 * the code the CPU runs: nRF91x1 erratum 36 (the AHB-AP answers WAIT while
 * the CPU sleeps in WFI/WFE, unless POWER.TASKS_CONSTLAT was triggered), and
 * the scenario's session_fault (the board spoils what the core commits).
 */
#include <criterion/criterion.h>
#include <string.h>

#include "bus.h"
#include "nrfcred/provision.h"
#include "test_simboard_util.h"

#define DHCSR		     0xE000EDF0u
#define DCRSR		     0xE000EDF4u
#define DCRDR		     0xE000EDF8u
#define DHCSR_S_HALT	     (1u << 17)
#define DHCSR_S_LOCKUP	     (1u << 19)
#define DHCSR_S_REGRDY	     (1u << 16)
#define POWER_TASKS_CONSTLAT 0x50005078u
#define POWER_TASKS_LOWPWR   0x5000507Cu
#define CODE		     0x20000000u

static const struct simbus_attr CPU = {.debugger = false, .nonsecure = false};

/* loop: wfi; b loop */
static const uint32_t wfi_loop[] = {0xE7FDBF30u};
/* The NCS erratum 36 workaround, then sleep:
 *   ldr r0, =POWER.TASKS_CONSTLAT; movs r1, #1; str r1, [r0]
 *   loop: wfi; b loop */
static const uint32_t constlat_then_wfi_loop[] = {0x21014802u, 0xBF306001u, 0xBF00E7FDu,
						  POWER_TASKS_CONSTLAT};

static uint32_t ctrlap_rd(unsigned reg)
{
	uint32_t v = 0;
	ap_select(4, reg >> 4);
	cr_assert_eq(ap_rd(reg & 0xCu, &v), 1u);
	cr_assert_eq(dp_rd(0xC, &v), 1u);
	return v;
}

static void ctrlap_wr(unsigned reg, uint32_t v)
{
	ap_select(4, reg >> 4);
	cr_assert_eq(ap_wr(reg & 0xCu, v), 1u);
}

/* A board of part with the erratum 36 quirk as given; an nRF91x1 (locked
 * when blank) is opened by a CTRL-AP ERASEALL, which lasts until a reset. */
static void open_board(enum simboard_part part, bool erratum36)
{
	struct simboard_config cfg;
	tsb_config_default(&cfg, part);
	cfg.quirks.erratum36 = erratum36;
	tsb_open(&cfg);
	swd_connect();
	if (part != SIMBOARD_NRF9160) {
		ctrlap_wr(0x004, 0);
		ctrlap_wr(0x004, 1);
		advance_ms(400);
		cr_assert_eq(ctrlap_rd(0x008), 0u, "CTRL-AP erase done");
	}
	cr_assert_eq(ctrlap_rd(0x00C) & 3u, 3u, "AHB-AP open");
}

static uint32_t core_reg(unsigned sel)
{
	mem_wr(DCRSR, sel);
	(void)mem_rd(DHCSR); /* S_REGRDY reads 0 once after the request */
	cr_assert(mem_rd(DHCSR) & DHCSR_S_REGRDY);
	return mem_rd(DCRDR);
}

static void set_core_reg(unsigned sel, uint32_t v)
{
	mem_wr(DCRDR, v);
	mem_wr(DCRSR, 0x10000u | sel);
	(void)mem_rd(DHCSR); /* S_REGRDY reads 0 once after the request */
	cr_assert(mem_rd(DHCSR) & DHCSR_S_REGRDY);
}

/* Halts the core, loads code into RAM, starts it there and lets it run 1 ms
 * (64000 instructions at the default clock: it is asleep by then). */
static void run_from_ram(const uint32_t *code, size_t words)
{
	mem_wr(DHCSR, 0xA05F0003u);
	cr_assert(mem_rd(DHCSR) & DHCSR_S_HALT);
	for (size_t i = 0; i < words; i++)
		mem_wr(CODE + 4u * (uint32_t)i, code[i]);
	set_core_reg(15, CODE);	       /* PC */
	set_core_reg(16, 0x01000000u); /* xPSR.T */
	set_core_reg(13, 0x20001000u); /* SP */
	mem_wr(DHCSR, 0xA05F0001u);    /* resume */
	advance_ms(1);
}

/* ACK of a DRW read of addr (1 OK, 2 WAIT); CSW and TAR are no transfers
 * and always answer OK. A WAIT is not sticky: nothing to clear. */
static unsigned drw_read_ack(uint32_t addr, uint32_t *v)
{
	ap_select(0, 0);
	cr_assert_eq(ap_wr(0x0, 0xA2000012u), 1u);
	cr_assert_eq(ap_wr(0x4, addr), 1u);
	unsigned ack = ap_rd(0xC, v);
	if (ack == 1u)
		cr_assert_eq(dp_rd(0xC, v), 1u);
	return ack;
}

TestSuite(simboard_cpu, .fini = tsb_teardown);

Test(simboard_cpu, erratum36_nrf91x1_ahb_ap_answers_wait_while_the_cpu_sleeps_in_wfi)
{
	open_board(SIMBOARD_NRF9161, true);
	run_from_ram(wfi_loop, 1);
	uint32_t v = 0;
	for (int i = 0; i < 5; i++) {
		cr_assert_eq(drw_read_ack(0x00FF0140u, &v), 2u, "try %d: WAIT while asleep", i);
		advance_ms(10);
	}
	struct simboard_counters c;
	simboard_get_counters(T.b, &c);
	cr_assert_geq(c.acks_wait, 5u);
	/* The firmware's workaround, late: constant latency lets the AP through. */
	cr_assert_eq(simbus_write(T.b, POWER_TASKS_CONSTLAT, 4, 1u, CPU), SIMBUS_OK);
	cr_assert_eq(drw_read_ack(0x00FF0140u, &v), 1u);
	cr_assert_eq(v, 0x9161u, "FICR PARTNO");
	uint32_t d = mem_rd(DHCSR);
	cr_assert_eq(d & (DHCSR_S_HALT | DHCSR_S_LOCKUP), 0u, "the core sleeps, running: 0x%08x",
		     d);
}

Test(simboard_cpu, erratum36_firmware_that_triggers_constlat_keeps_debug_access_while_asleep)
{
	open_board(SIMBOARD_NRF9151, true);
	run_from_ram(constlat_then_wfi_loop, 4);
	uint32_t v = 0;
	cr_assert_eq(drw_read_ack(0x00FF0140u, &v), 1u, "CONSTLAT set by the firmware");
	cr_assert_eq(v, 0x9151u);
	/* TASKS_LOWPWR ends constant latency: the erratum is back. */
	cr_assert_eq(simbus_write(T.b, POWER_TASKS_LOWPWR, 4, 1u, CPU), SIMBUS_OK);
	cr_assert_eq(drw_read_ack(0x00FF0140u, &v), 2u, "WAIT again after LOWPWR");
}

Test(simboard_cpu, erratum36_does_not_apply_to_nrf9160_nor_without_the_quirk)
{
	open_board(SIMBOARD_NRF9160, true);
	run_from_ram(wfi_loop, 1);
	uint32_t v = 0;
	cr_assert_eq(drw_read_ack(0x00FF0140u, &v), 1u, "nRF9160 has no erratum 36");
	cr_assert_eq(v, 0x9160u);
	tsb_teardown();
	open_board(SIMBOARD_NRF9161, false);
	run_from_ram(wfi_loop, 1);
	cr_assert_eq(drw_read_ack(0x00FF0140u, &v), 1u, "quirk off: the same WFI loop is harmless");
	cr_assert_eq(v, 0x9161u);
}

/* ---- scenario session_fault: a hostile board spoils the UP records the
 * firmware commits (include/nrfcred/provision.h, "session"). */

#define NVMC_CONFIG 0x50039504u
#define AIRCR	    0xE000ED0Cu
#define MANIFEST    0x3000u
#define MBOX	    0x20010000u
#define FW_SEQ	    (MBOX + NRFCRED_MBOX_OFF_FW_SEQ)
#define UP	    (MBOX + NRFCRED_MBOX_UP_OFFSET)
#define NONCE	    0x1234ABCDu
#define REC_LEN	    (NRFCRED_REC_OVERHEAD + 8u)

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t crc32_ieee(const uint8_t *p, size_t n)
{
	uint32_t crc = 0xFFFFFFFFu;
	for (size_t i = 0; i < n; i++) {
		crc ^= p[i];
		for (int k = 0; k < 8; k++)
			crc = crc & 1u ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
	}
	return ~crc;
}

/* An nRF9160 whose flash holds a manifest v2 with the given flags, reset so
 * that the board looks for the mailbox. */
static void open_board_with(const struct simboard_faults *faults, uint32_t flags)
{
	struct simboard_config cfg;
	tsb_config_default(&cfg, SIMBOARD_NRF9160);
	cfg.faults.session_fault = faults->session_fault;
	cfg.faults.session_fault_from = faults->session_fault_from;
	cfg.faults.reset_after_ready = faults->reset_after_ready;
	tsb_open(&cfg);
	swd_connect();
	uint8_t m[NRFCRED_MANIFEST_V2_SIZE] = {0};
	memcpy(m, NRFCRED_MANIFEST_MAGIC, NRFCRED_MANIFEST_MAGIC_LEN);
	m[8] = NRFCRED_MANIFEST_VERSION_SESSION;
	m[10] = NRFCRED_MANIFEST_V2_SIZE;
	/* Offsets of provision.h (struct nrfcred_manifest_v2). */
	put32(m + 32, 0x00010000u); /* fw_version */
	put32(m + 36, flags);
	put32(m + 40, MBOX);
	put32(m + 44, NRFCRED_MBOX_MIN_SIZE);
	put32(m + 48, crc32_ieee(m, 48));
	mem_wr(NVMC_CONFIG, 1);
	for (uint32_t i = 0; i < sizeof(m); i += 4) {
		mem_wr(MANIFEST + i, get32(m + i));
		advance_ms(1);
	}
	mem_wr(NVMC_CONFIG, 0);
	mem_wr(AIRCR, 0x05FA0004u);
}

static void open_session_board(enum simboard_session_fault fault, uint32_t from, uint32_t flags)
{
	struct simboard_faults f = {.session_fault = fault, .session_fault_from = from};
	open_board_with(&f, flags);
}

/* A well-formed UP record (RESULT, 8-byte payload) as the firmware leaves it
 * before its fw_seq store. */
static void make_record(uint8_t rec[REC_LEN], uint32_t seq, uint16_t type)
{
	memset(rec, 0, REC_LEN);
	put32(rec, NRFCRED_REC_MAGIC);
	rec[4] = NRFCRED_REC_VERSION;
	rec[6] = (uint8_t)type;
	rec[7] = (uint8_t)(type >> 8);
	put32(rec + 8, REC_LEN);
	put32(rec + 12, seq);
	put32(rec + 16, NONCE);
	put32(rec + 20, seq - 1u);
	put32(rec + 24, 0x11223344u);
	put32(rec + 28, 0x55667788u);
	put32(rec + REC_LEN - 4u, crc32_ieee(rec, REC_LEN - 4u));
}

/* The firmware's commit: the record in the UP area, then the emulated core
 * stores seq to fw_seq (ldr r0, =FW_SEQ; movs r1, #seq; str r1, [r0]; b .).
 * Returns the UP area as the host then reads it. */
/* The core stores the small value v (< 256) to the word at addr, as the
 * firmware commits a mailbox word. */
static void core_store(uint32_t addr, uint32_t v)
{
	const uint32_t code[] = {(0x2100u | v) << 16 | 0x4802u, 0xE7FE6001u, 0xBF00BF00u, addr};
	run_from_ram(code, 4);
	cr_assert_eq(mem_rd(addr), v, "the core's store landed");
}

static void commit(const uint8_t rec[REC_LEN], uint32_t seq, uint8_t out[REC_LEN])
{
	mem_wr(MBOX + NRFCRED_MBOX_OFF_NONCE, NONCE);
	for (uint32_t i = 0; i < REC_LEN; i += 4)
		mem_wr(UP + i, get32(rec + i));
	core_store(FW_SEQ, seq);
	for (uint32_t i = 0; i < REC_LEN; i += 4)
		put32(out + i, mem_rd(UP + i));
}

static bool crc_ok(const uint8_t rec[REC_LEN])
{
	return get32(rec + REC_LEN - 4u) == crc32_ieee(rec, REC_LEN - 4u);
}

Test(simboard_cpu, session_fault_spoils_the_committed_up_record_one_field_at_a_time)
{
	static const struct {
		enum simboard_session_fault fault;
		unsigned off; /* the one field that changes (besides the CRC) */
		uint32_t want;
		bool crc_valid;
	} cases[] = {
		{SIMBOARD_SESSION_FAULT_MAGIC, 0, ~NRFCRED_REC_MAGIC, true},
		{SIMBOARD_SESSION_FAULT_CRC, 24, 0x112233BBu, false},
		{SIMBOARD_SESSION_FAULT_LENGTH, 8, NRFCRED_MBOX_UP_MAX + 4u, false},
		{SIMBOARD_SESSION_FAULT_TYPE, 4, 0x7E7E0000u | NRFCRED_REC_VERSION, true},
		{SIMBOARD_SESSION_FAULT_SEQ, 12, 1u, true},
		{SIMBOARD_SESSION_FAULT_NONCE, 16, ~NONCE, true},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		open_session_board(cases[i].fault, 0, NRFCRED_MANIFEST_F_SESSION);
		uint8_t rec[REC_LEN], got[REC_LEN];
		make_record(rec, 2, NRFCRED_REC_RESULT);
		commit(rec, 2, got);
		cr_assert_eq(get32(got + cases[i].off), cases[i].want, "case %zu: 0x%08x", i,
			     get32(got + cases[i].off));
		cr_assert_eq(crc_ok(got), cases[i].crc_valid, "case %zu: CRC", i);
		/* Nothing else moved. */
		for (unsigned k = 0; k < REC_LEN - 4u; k += 4)
			if (k != cases[i].off)
				cr_assert_eq(get32(got + k), get32(rec + k), "case %zu, word %u", i,
					     k);
		tsb_teardown();
	}
}

Test(simboard_cpu, session_fault_leaves_ready_alone_unless_from_says_1)
{
	uint8_t rec[REC_LEN], got[REC_LEN];
	open_session_board(SIMBOARD_SESSION_FAULT_MAGIC, 0, NRFCRED_MANIFEST_F_SESSION);
	make_record(rec, 1, NRFCRED_REC_READY);
	commit(rec, 1, got);
	cr_assert_eq(memcmp(got, rec, REC_LEN), 0, "READY (seq 1) untouched by default");
	tsb_teardown();

	open_session_board(SIMBOARD_SESSION_FAULT_MAGIC, 1, NRFCRED_MANIFEST_F_SESSION);
	commit(rec, 1, got);
	cr_assert_eq(get32(got), ~NRFCRED_REC_MAGIC, "session_fault_from = 1: READY too");
	tsb_teardown();

	/* Later records stay spoiled: from = 3 spares 2 and hits 3. */
	open_session_board(SIMBOARD_SESSION_FAULT_SEQ, 3, NRFCRED_MANIFEST_F_SESSION);
	make_record(rec, 2, NRFCRED_REC_RESULT);
	commit(rec, 2, got);
	cr_assert_eq(memcmp(got, rec, REC_LEN), 0, "seq 2 below from = 3");
	make_record(rec, 3, NRFCRED_REC_DONE);
	commit(rec, 3, got);
	cr_assert_eq(get32(got + 12), 2u, "seq 3 shows the previous seq");
}

Test(simboard_cpu, session_fault_needs_a_session_manifest)
{
	uint8_t rec[REC_LEN], got[REC_LEN];
	open_session_board(SIMBOARD_SESSION_FAULT_MAGIC, 0, 0); /* v2 without F_SESSION */
	make_record(rec, 2, NRFCRED_REC_RESULT);
	commit(rec, 2, got);
	cr_assert_eq(memcmp(got, rec, REC_LEN), 0, "no session firmware, no mailbox");
	tsb_teardown();

	open_session_board(SIMBOARD_SESSION_FAULT_NONE, 0, NRFCRED_MANIFEST_F_SESSION);
	commit(rec, 2, got);
	cr_assert_eq(memcmp(got, rec, REC_LEN), 0, "fault off");
}

/* fault_reset_after_ready: the board resets itself 1 ms after the firmware
 * took the host's first request (ack_seq 1), once per power-up; READY alone
 * does not reset it, the new boot's ack is left alone, and the record is not
 * touched. */
Test(simboard_cpu, reset_after_ready_resets_once_a_millisecond_after_the_first_ack)
{
	struct simboard_faults f = {.reset_after_ready = true};
	open_board_with(&f, NRFCRED_MANIFEST_F_SESSION);
	struct simboard_counters c0, c1, c2;
	simboard_get_counters(T.b, &c0);
	uint8_t rec[REC_LEN], got[REC_LEN];
	make_record(rec, 1, NRFCRED_REC_READY);
	commit(rec, 1, got);
	cr_assert_eq(memcmp(rec, got, REC_LEN), 0, "READY itself is not spoiled");
	advance_ms(2);
	simboard_get_counters(T.b, &c1);
	cr_assert_eq(c1.system_resets, c0.system_resets, "READY alone: no reset");
	core_store(MBOX + NRFCRED_MBOX_OFF_ACK_SEQ, 1);
	advance_ms(2);
	simboard_get_counters(T.b, &c1);
	cr_assert_eq(c1.system_resets, c0.system_resets + 1, "one self-reset after the ack");
	swd_connect();
	make_record(rec, 1, NRFCRED_REC_READY);
	commit(rec, 1, got);
	core_store(MBOX + NRFCRED_MBOX_OFF_ACK_SEQ, 1);
	advance_ms(5);
	simboard_get_counters(T.b, &c2);
	cr_assert_eq(c2.system_resets, c1.system_resets, "no second self-reset");
	tsb_teardown();
}

/* Spins (cpu_unicorn.c "spins"): a loop that only loads and compares comes
 * back to the same state until the debugger writes memory, so it is skipped
 * as time; the loop must still end on the debugger's write, and loops that
 * count or store must still run instruction by instruction. */
static uint64_t instructions(void)
{
	struct simboard_counters c;
	simboard_get_counters(T.b, &c);
	return c.cpu_instructions;
}

Test(simboard_cpu, a_spin_on_ram_is_skipped_and_ends_when_the_debugger_writes)
{
	/*   ldr r0, =0x20003000 (not the code's page: Unicorn 2.0.1 leaks when
	 *   a store lands next to translated code)
	 * loop: ldr r1, [r0]; cmp r1, #0; beq loop
	 *   movs r2, #1; str r2, [r0, #4]; b . */
	static const uint32_t spin[] = {0x68014803u, 0xD0FC2900u, 0x60422201u, 0xBF00E7FEu,
					0x20003000u};
	open_board(SIMBOARD_NRF9160, false);
	mem_wr(0x20003000u, 0);
	mem_wr(0x20003004u, 0);
	run_from_ram(spin, 5);
	uint64_t n0 = instructions();
	advance_ms(100); /* 6.4 M instructions at 64 MHz if emulated */
	uint64_t n = instructions() - n0;
	cr_expect_lt(n, 100000u, "%llu instructions emulated in 100 ms of spinning",
		     (unsigned long long)n);
	cr_expect_eq(mem_rd(0x20003004u), 0u, "still in the loop");
	mem_wr(0x20003000u, 1);
	advance_ms(1);
	cr_expect_eq(mem_rd(0x20003004u), 1u, "left the loop after the debugger's write");
}

/* The same on flash, where no word is in flight to end the spin: a loop
 * waiting for a programmed word to read erased ends when the debugger's
 * page erase completes, however long the core was parked in it.
 *   mov.w r0, #0x10000; loop: ldr r1, [r0]; adds r1, #1; bne loop
 *   movs r2, #1; ldr r3, =0x20003004; str r2, [r3]; b . */
Test(simboard_cpu, a_spin_on_flash_ends_when_the_debugger_erases_the_page)
{
	static const uint32_t spin[] = {0x3080F44Fu, 0x31016801u, 0x2201D1FCu,
					0x601A4B01u, 0x0000E7FEu, 0x20003004u};
	open_board(SIMBOARD_NRF9160, false);
	mem_wr(0x50039504u, 1); /* NVMC.CONFIG = Wen */
	mem_wr(0x00010000u, 0);
	advance_ms(1);
	mem_wr(0x50039504u, 0);
	mem_wr(0x20003004u, 0);
	run_from_ram(spin, 6);
	uint64_t n0 = instructions();
	advance_ms(100);
	cr_expect_lt(instructions() - n0, 100000u, "parked, not emulated");
	cr_expect_eq(mem_rd(0x20003004u), 0u, "still waiting for the word");
	mem_wr(0x50039504u, 2); /* Een */
	mem_wr(0x00010000u, 0xFFFFFFFFu); /* erase the page */
	advance_ms(200);
	cr_expect_eq(mem_rd(0x20003004u), 1u, "left the loop once the page was erased");
}

Test(simboard_cpu, loops_that_count_or_store_still_run_every_instruction)
{
	/* movs r0, #0; loop: adds r0, #1; b loop */
	static const uint32_t count[] = {0x30012000u, 0xBF00E7FDu};
	/* ldr r0, =0x20003000; loop: str r1, [r0]; b loop */
	static const uint32_t store[] = {0x60014801u, 0xBF00E7FDu, 0x20003000u};
	const struct {
		const uint32_t *code;
		size_t words;
	} loops[] = {{count, 2}, {store, 3}};
	for (size_t i = 0; i < 2; i++) {
		open_board(SIMBOARD_NRF9160, false);
		run_from_ram(loops[i].code, loops[i].words);
		uint64_t n0 = instructions();
		advance_ms(10); /* 640000 instructions at 64 MHz */
		uint64_t n = instructions() - n0;
		cr_expect_geq(n, 600000u, "loop %zu: %llu instructions in 10 ms", i,
			      (unsigned long long)n);
		tsb_teardown();
	}
}

/* The core's word writes through the NVMC take tWRITE each however the board
 * is advanced: with 50 us steps (a host polling often) the NVMC must still
 * be busy with the last write when the core, at its own earlier time in the
 * next slice, writes the next one (board.c board_advance_to runs the core
 * before the NVMC; the other order let writes overlap). */
Test(simboard_cpu, core_flash_writes_take_twrite_each_in_short_slices)
{
	/*   ldr r0, =NVMC.CONFIG; movs r1, #1; str r1, [r0]      (WEN)
	 *   ldr r2, =0x00080000; ldr r3, =NVMC.READYNEXT
	 * loop: ldr r4, [r3]; cmp r4, #0; beq loop
	 *   str r1, [r2]; adds r2, #4; b loop */
	static const uint32_t writer[] = {0x21014805u, 0x4A056001u, 0x681C4B05u,
					  0xD0FC2C00u, 0x32046011u, 0xBF00E7F9u,
					  0x50039504u, 0x00080000u, 0x50039408u};
	open_board(SIMBOARD_NRF9160, false);
	run_from_ram(writer, 9);
	struct simboard_counters c0, c1;
	simboard_get_counters(T.b, &c0);
	for (int i = 0; i < 400; i++) { /* 20 ms in 50 us steps */
		T.now += 50000u;
		simboard_advance(T.b, T.now);
	}
	simboard_get_counters(T.b, &c1);
	uint64_t words = c1.nvmc_words_written - c0.nvmc_words_written;
	uint64_t most = 20000000u / T.cfg.timing.nvmc_write_word_ns + 2u;
	cr_expect_gt(words, most / 2, "%llu words in 20 ms: the core is writing",
		     (unsigned long long)words);
	cr_expect_leq(words, most, "%llu words in 20 ms, tWRITE %llu ns allows %llu",
		      (unsigned long long)words,
		      (unsigned long long)T.cfg.timing.nvmc_write_word_ns, (unsigned long long)most);
}

/* A core waiting for the NVMC (its READYNEXT poll skipped it to the end of
 * the word in flight, 50 ms here) is halted and sent elsewhere by the
 * debugger: the new code runs at once, the old wait does not hold it. */
Test(simboard_cpu, a_wait_for_the_nvmc_ends_when_the_debugger_moves_the_core)
{
	static const uint32_t writer[] = {0x21014805u, 0x4A056001u, 0x681C4B05u,
					  0xD0FC2C00u, 0x32046011u, 0xBF00E7F9u,
					  0x50039504u, 0x00080000u, 0x50039408u};
	struct simboard_config cfg;
	tsb_config_default(&cfg, SIMBOARD_NRF9160);
	cfg.timing.nvmc_write_word_ns = 50000000u;
	tsb_open(&cfg);
	swd_connect();
	run_from_ram(writer, 9); /* two words taken, the loop polls READYNEXT */
	mem_wr(DHCSR, 0xA05F0003u);
	cr_assert(mem_rd(DHCSR) & DHCSR_S_HALT);
	mem_wr(CODE + 0x100u, 0xBF00BE00u); /* bkpt */
	set_core_reg(15, CODE + 0x100u);
	mem_wr(DHCSR, 0xA05F0001u); /* resume */
	advance_ms(1);
	cr_expect(mem_rd(DHCSR) & DHCSR_S_HALT, "the BKPT ran within 1 ms of the resume");
	cr_expect_eq(core_reg(15), CODE + 0x100u, "halted at the BKPT");
}

/*
 * Three flash stores back to back without polling READY/READYNEXT, as
 * OpenOCD's nrf5 loader does, then a read of the last word:
 *   ldr r0, =NVMC.CONFIG; movs r1, #1; str r1, [r0]     CONFIG = Wen
 *   mov.w r2, #0x10000; ldr r3, =0x12345678
 *   str r3, [r2]; str r3, [r2, #4]; str r3, [r2, #8]     the third: READYNEXT = 0
 *   ldr r4, [r2, #8]                                    while it is written
 *   ldr r5, =0x20000800; str r4, [r5]; bkpt
 */
static const uint32_t three_stores_then_read[] = {
	0x21014806u, 0xF44F6001u, 0x4B053280u, 0x60536013u, 0x68946093u,
	0x602C4D03u, 0x0000BE00u, 0x50039504u, 0x12345678u, 0x20000800u,
};

Test(simboard_cpu, a_store_while_readynext_is_0_waits_and_a_read_during_a_write_sees_it_done)
{
	open_board(SIMBOARD_NRF9160, false);
	run_from_ram(three_stores_then_read, 10);
	uint32_t d = mem_rd(DHCSR);
	cr_assert(d & DHCSR_S_HALT, "halted on the BKPT: 0x%08x", d);
	cr_assert_eq(d & DHCSR_S_LOCKUP, 0u);
	for (uint32_t i = 0; i < 3; i++)
		cr_expect_eq(mem_rd(0x10000u + 4u * i), 0x12345678u, "word %u not lost", i);
	cr_expect_eq(mem_rd(0x20000800u), 0x12345678u,
		     "the CPU's read waited for the write instead of seeing the erased word");
	struct simboard_counters c;
	simboard_get_counters(T.b, &c);
	cr_expect_eq(c.nvmc_words_written, 3u);
	cr_expect_eq(c.nvmc_words_rewritten, 0u);
}

/* ARMv8-M DHCSR: a DCRSR write clears S_REGRDY until the transfer is done.
 * The simulator shows it cleared to the first DHCSR read after the write. */
Test(simboard_cpu, s_regrdy_reads_0_once_after_a_dcrsr_write)
{
	open_board(SIMBOARD_NRF9160, false);
	mem_wr(DHCSR, 0xA05F0003u);
	cr_assert(mem_rd(DHCSR) & DHCSR_S_HALT);
	cr_assert(mem_rd(DHCSR) & DHCSR_S_REGRDY, "ready before any transfer");
	mem_wr(DCRDR, 0x20001000u);
	mem_wr(DCRSR, 0x10000u | 13u); /* SP */
	cr_expect_eq(mem_rd(DHCSR) & DHCSR_S_REGRDY, 0u, "cleared by the DCRSR write");
	cr_expect(mem_rd(DHCSR) & DHCSR_S_REGRDY, "set again when the transfer is done");
	mem_wr(DCRSR, 13u); /* read SP back */
	cr_expect_eq(mem_rd(DHCSR) & DHCSR_S_REGRDY, 0u, "a read request clears it too");
	cr_expect(mem_rd(DHCSR) & DHCSR_S_REGRDY);
	cr_expect_eq(mem_rd(DCRDR), 0x20001000u);
	/* Before S_REGRDY is seen again the transfer may still run (ARMv8-M
	 * ARM: UNPREDICTABLE): the simulator loses such DCRDR/DCRSR writes. */
	mem_wr(DCRDR, 0x20002000u);
	mem_wr(DCRSR, 0x10000u | 13u);
	mem_wr(DCRDR, 0x12345678u);    /* lost */
	mem_wr(DCRSR, 0x10000u | 14u); /* lost */
	(void)mem_rd(DHCSR);
	cr_assert(mem_rd(DHCSR) & DHCSR_S_REGRDY);
	mem_wr(DCRSR, 13u);
	(void)mem_rd(DHCSR);
	cr_expect_eq(mem_rd(DCRDR), 0x20002000u, "SP from the first request");
	mem_wr(DCRSR, 14u);
	(void)mem_rd(DHCSR);
	cr_expect_neq(mem_rd(DCRDR), 0x12345678u, "LR not written by the lost request");
}

/* ARMv8-M: the core runs in Thumb state only; resumed with EPSR.T = 0 (an
 * xPSR written without bit 24) it faults at once. With T set, the same
 * code runs. */
Test(simboard_cpu, a_core_resumed_with_epsr_t_0_locks_up)
{
	open_board(SIMBOARD_NRF9160, false);
	mem_wr(DHCSR, 0xA05F0003u);
	cr_assert(mem_rd(DHCSR) & DHCSR_S_HALT);
	mem_wr(CODE, wfi_loop[0]);
	set_core_reg(15, CODE | 1u); /* bit 0 of the PC does not set T */
	set_core_reg(16, 0);	     /* xPSR without T */
	set_core_reg(13, 0x20001000u);
	mem_wr(DHCSR, 0xA05F0001u);
	advance_ms(1);
	uint32_t d = mem_rd(DHCSR);
	cr_expect(d & DHCSR_S_LOCKUP, "locked up: 0x%08x", d);
	struct simboard_counters c;
	simboard_get_counters(T.b, &c);
	cr_expect_eq(c.cpu_instructions, 0u, "no instruction ran");
	/* Halt, set T, resume: it runs (and sleeps in its WFI loop). */
	mem_wr(DHCSR, 0xA05F0003u);
	cr_assert(mem_rd(DHCSR) & DHCSR_S_HALT);
	set_core_reg(16, 0x01000000u);
	mem_wr(DHCSR, 0xA05F0001u);
	advance_ms(1);
	d = mem_rd(DHCSR);
	cr_expect_eq(d & (DHCSR_S_LOCKUP | DHCSR_S_HALT), 0u, "running: 0x%08x", d);
	simboard_get_counters(T.b, &c);
	cr_expect_gt(c.cpu_instructions, 0u);
}

/* An undefined instruction (UDF) escalates to HardFault. With
 * DEMCR.VC_HARDERR the core halts on it, DFSR.VCATCH set; without the catch
 * it locks up (no handler is modeled). */
Test(simboard_cpu, a_hardfault_halts_by_vector_catch_or_else_locks_up)
{
	/* nop; udf #0 */
	static const uint32_t udf[] = {0xDE00BF00u};
	open_board(SIMBOARD_NRF9160, false);
	mem_wr(0xE000EDFCu, 1u << 10); /* DEMCR.VC_HARDERR */
	mem_wr(0xE000ED30u, 0x1Fu);    /* DFSR cleared */
	run_from_ram(udf, 1);
	uint32_t d = mem_rd(DHCSR);
	cr_expect(d & DHCSR_S_HALT, "halted by the catch: 0x%08x", d);
	cr_expect_eq(d & DHCSR_S_LOCKUP, 0u, "not locked up: 0x%08x", d);
	cr_expect(mem_rd(0xE000ED30u) & (1u << 3), "DFSR.VCATCH");
	cr_expect(mem_rd(0xE000ED2Cu) & (1u << 30), "HFSR.FORCED");
	/* Halted on HardFault entry: the handler's address (the erased vector
	 * table's 0xFFFFFFFF), IPSR 3, EXC_RETURN, and the UDF as the stacked
	 * return address, below the SP run_from_ram gave it. */
	uint32_t pc = core_reg(15), xpsr = core_reg(16), sp = core_reg(13), lr = core_reg(14);
	cr_expect_eq(pc, 0xFFFFFFFEu, "PC = HardFault vector: 0x%08x", pc);
	cr_expect_eq(xpsr & 0x1FFu, 3u, "IPSR = HardFault: 0x%08x", xpsr);
	cr_expect_eq(lr, 0xFFFFFFF9u, "EXC_RETURN: 0x%08x", lr);
	cr_expect_eq(sp, 0x20001000u - 32u, "an 8-word frame: 0x%08x", sp);
	cr_expect_eq(mem_rd(sp + 0x18u), CODE + 2u, "stacked return address = the UDF");
	mem_wr(0xE000EDFCu, 0);
	run_from_ram(udf, 1);
	d = mem_rd(DHCSR);
	cr_expect(d & DHCSR_S_LOCKUP, "locked up without the catch: 0x%08x", d);
	cr_expect_eq(d & DHCSR_S_HALT, 0u, "not halted: 0x%08x", d);
}

/* fault_cpu_at_instruction: the Nth instruction since power-up faults
 * instead of running (here a loop that counts, caught by VC_HARDERR). */
Test(simboard_cpu, fault_cpu_at_instruction_faults_that_instruction_once)
{
	/* loop: adds r0, #1; b loop */
	static const uint32_t count[] = {0xE7FD3001u};
	struct simboard_config cfg;
	tsb_config_default(&cfg, SIMBOARD_NRF9160);
	cfg.faults.cpu_fault_at = 1001;
	tsb_open(&cfg);
	swd_connect();
	mem_wr(0xE000EDFCu, 1u << 10);
	run_from_ram(count, 1);
	cr_expect(mem_rd(DHCSR) & DHCSR_S_HALT, "halted by the catch");
	cr_expect_eq(instructions(), 1000u, "1000 instructions ran, the 1001st faulted: %llu",
		     (unsigned long long)instructions());
	uint32_t r0 = core_reg(0);
	cr_expect_eq(r0, 500u, "500 adds ran: %u", (unsigned)r0);
	cr_expect_eq(mem_rd(core_reg(13) + 0x18u), CODE, "the faulting add is the return address");
	/* Once: put back where it faulted and resumed, it runs on. */
	set_core_reg(15, CODE);
	set_core_reg(16, 0x01000000u);
	set_core_reg(13, 0x20001000u);
	mem_wr(DHCSR, 0xA05F0001u);
	advance_ms(1);
	cr_expect_eq(mem_rd(DHCSR) & (DHCSR_S_HALT | DHCSR_S_LOCKUP), 0u, "running");
	cr_expect_gt(instructions(), 1000u);
}
