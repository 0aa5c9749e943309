/*
 * Simulated nRF91 board, target level: MEM-AP, memory map, NVMC rules,
 * APPROTECT and CTRL-AP recovery, SPU, FICR, core debug (FPB/DWT), state
 * persistence.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bus.h"
#include "state.h"
#include "test_simboard_util.h"

#define T_NVMC_CONFIG	0x50039504u
#define T_NVMC_CONFIGNS 0x50039584u
#define T_NVMC_READY	0x50039400u
#define T_NVMC_READYNEXT 0x50039408u
#define UICR		0x00FF8000u
#define UICR_SAP	(UICR + 0x02Cu) /* UICR.SECUREAPPROTECT */
#define HWUNPROTECTED	0x50FA50FAu	/* nRF91x1 UICR.APPROTECT HwUnprotected */
/* nRF91x1 APPROTECT peripheral: one register each, DISABLE [7:0] = 0x5A,
 * FORCEPROTECT bit 9. */
#define SW_APPROTECT	   0x50039E10u
#define SW_SECUREAPPROTECT 0x50039E00u
#define SW_DISABLE_KEY	   0x5Au
#define SW_FORCEPROTECT	   0x200u
#define SPU_FLASH_PERM(n)  (0x50003600u + 4u * (n)) /* 32 KB regions */
#define SPU_RAM_PERM(n)	   (0x50003700u + 4u * (n)) /* 8 KB regions */
#define DHCSR		   0xE000EDF0u
#define DCRSR		   0xE000EDF4u
#define DCRDR		   0xE000EDF8u
#define DEMCR		   0xE000EDFCu
#define AIRCR		   0xE000ED0Cu

static void open_part(enum simboard_part part, bool approtect)
{
	struct simboard_config cfg;
	if (T.b)
		tsb_teardown(); /* replace the suite's default board */
	tsb_config_default(&cfg, part);
	cfg.approtect = approtect;
	tsb_open(&cfg);
}

static void setup(void)
{
	open_part(SIMBOARD_NRF9160, false);
}

TestSuite(simboard_target, .init = setup, .fini = tsb_teardown);

static void flash_word(uint32_t addr, uint32_t v)
{
	mem_wr(T_NVMC_CONFIG, 1);
	mem_wr(addr, v);
	advance_ms(1);
	cr_assert_eq(mem_rd(T_NVMC_READY), 1u);
	mem_wr(T_NVMC_CONFIG, 0);
}

static uint32_t sticky_bits(void)
{
	uint32_t cs = 0;
	cr_assert_eq(dp_rd(0x4, &cs), 1u);
	return cs & 0xA2u;
}

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

static const struct simbus_attr CPU = {.debugger = false, .nonsecure = false};

/* CTRL-AP APPROTECT.STATUS: bit 0 APPROTECT, bit 1 SECUREAPPROTECT, 1 = open. */
static uint32_t ap_status(void)
{
	return ctrlap_rd(0x00C) & 3u;
}

/* CTRL-AP ERASEALL as a debugger does it: 0 then 1, wait until done. */
static void ctrlap_erase_all(void)
{
	ctrlap_wr(0x004, 0);
	ctrlap_wr(0x004, 1);
	cr_assert_eq(ctrlap_rd(0x008), 1u, "ERASEALLSTATUS: busy");
	advance_ms(400);
	cr_assert_eq(ctrlap_rd(0x008), 0u, "ERASEALLSTATUS: done");
}

/* CTRL-AP RESET 1 then 0 (soft reset). */
static void ctrlap_soft_reset(void)
{
	ctrlap_wr(0x000, 1);
	ctrlap_wr(0x000, 0);
}

static void pin_reset(void)
{
	simboard_set_nreset(T.b, true, T.now);
	advance_ms(1);
	simboard_set_nreset(T.b, false, T.now);
}

/* Whether a secure AHB-AP read of RAM goes through: OK, or FAULT while
 * APPROTECT blocks the AP (the sticky error is cleared again). */
static bool ahb_open(void)
{
	ap_select(0, 0);
	cr_assert_eq(ap_wr(0x0, 0xA2000012u), 1u);
	cr_assert_eq(ap_wr(0x4, 0x20000000u), 1u);
	uint32_t v;
	unsigned ack = ap_rd(0xC, &v);
	if (ack == 1u) {
		cr_assert_eq(dp_rd(0xC, &v), 1u);
		return true;
	}
	cr_assert_eq(ack, 4u, "DRW read: OK or FAULT, not %u", ack);
	cr_assert_eq(sticky_bits(), 0x20u);
	cr_assert_eq(dp_wr(0x0, 0x1E), 1u);
	return false;
}

/* AHB-AP word read with CSW.HNONSEC = 1 (bit 30). The DRW read is posted:
 * returns the ACK of the RDBUFF read that brings its data (FAULT after a bus
 * error, whose sticky error is cleared again). */
static unsigned ns_rd(uint32_t addr, uint32_t *v)
{
	ap_select(0, 0);
	cr_assert_eq(ap_wr(0x0, 0xE2000012u), 1u);
	cr_assert_eq(ap_wr(0x4, addr), 1u);
	cr_assert_eq(ap_rd(0xC, v), 1u, "posted read of 0x%08x", addr);
	unsigned ack = dp_rd(0xC, v);
	if (ack != 1u) {
		cr_assert_eq(sticky_bits(), 0x20u, "STICKYERR after 0x%08x", addr);
		cr_assert_eq(dp_wr(0x0, 0x1E), 1u);
	}
	return ack;
}

/* Non-secure AHB-AP word write; returns the sticky error bits it left
 * (0x20 = bus error), cleared again. */
static uint32_t ns_wr(uint32_t addr, uint32_t v)
{
	ap_select(0, 0);
	cr_assert_eq(ap_wr(0x0, 0xE2000012u), 1u);
	cr_assert_eq(ap_wr(0x4, addr), 1u);
	cr_assert_eq(ap_wr(0xC, v), 1u, "posted write of 0x%08x", addr);
	uint32_t sticky = sticky_bits();
	cr_assert_eq(dp_wr(0x0, 0x1E), 1u);
	return sticky;
}

Test(simboard_target, tar_autoincrement_wraps_within_the_1kb_block)
{
	swd_connect();
	ap_select(0, 0);
	cr_assert_eq(ap_wr(0x0, 0xA2000012u), 1u);
	cr_assert_eq(ap_wr(0x4, 0x200003FCu), 1u);
	cr_assert_eq(ap_wr(0xC, 0x11111111u), 1u);
	cr_assert_eq(ap_wr(0xC, 0x22222222u), 1u);
	uint32_t tar;
	cr_assert_eq(ap_rd(0x4, &tar), 1u);
	cr_assert_eq(dp_rd(0xC, &tar), 1u);
	cr_assert_eq(tar, 0x20000004u);
	cr_assert_eq(mem_rd(0x200003FCu), 0x11111111u);
	cr_assert_eq(mem_rd(0x20000000u), 0x22222222u);
	cr_assert_eq(mem_rd(0x20000400u), 0u);
}

Test(simboard_target, byte_accesses_use_the_address_byte_lanes)
{
	swd_connect();
	ap_select(0, 0);
	cr_assert_eq(ap_wr(0x0, 0xA2000010u), 1u); /* 8-bit, single increment */
	cr_assert_eq(ap_wr(0x4, 0x20000001u), 1u);
	cr_assert_eq(ap_wr(0xC, 0x0000AB00u), 1u);
	cr_assert_eq(ap_wr(0xC, 0x00CD0000u), 1u);
	cr_assert_eq(mem_rd(0x20000000u), 0x00CDAB00u);
	ap_select(0, 0);
	cr_assert_eq(ap_wr(0x0, 0xA2000010u), 1u);
	cr_assert_eq(ap_wr(0x4, 0x20000002u), 1u);
	uint32_t v;
	cr_assert_eq(ap_rd(0xC, &v), 1u);
	cr_assert_eq(dp_rd(0xC, &v), 1u);
	cr_assert_eq(v, 0x00CD0000u, "byte 2 on lane 2");
}

/* fault_wire_flip: a MEM-AP write of the word lands with the bit inverted,
 * a word write and a byte write on the bit's lane alike; other words and
 * the core's own stores are not on the wire. */
Test(simboard_target, a_wire_flip_inverts_the_bit_of_every_debugger_write_of_the_word)
{
	struct simboard_config cfg;
	tsb_teardown();
	tsb_config_default(&cfg, SIMBOARD_NRF9160);
	cfg.faults.wire_flip_on = true;
	cfg.faults.wire_flip_addr = 0x20000100u;
	cfg.faults.wire_flip_bit = 9;
	tsb_open(&cfg);
	swd_connect();
	mem_wr(0x20000100u, 0x12345678u);
	cr_expect_eq(mem_rd(0x20000100u), 0x12345678u ^ (1u << 9));
	mem_wr(0x20000104u, 0x12345678u);
	cr_expect_eq(mem_rd(0x20000104u), 0x12345678u, "the next word is clean");
	ap_select(0, 0);
	cr_assert_eq(ap_wr(0x0, 0xA2000010u), 1u); /* 8-bit */
	cr_assert_eq(ap_wr(0x4, 0x20000101u), 1u); /* byte 1: bits 8..15 */
	cr_assert_eq(ap_wr(0xC, 0x0000AA00u), 1u);
	cr_expect_eq(mem_rd(0x20000100u) & 0xFF00u, 0xAA00u ^ (1u << 9), "the byte write too");
}

Test(simboard_target, halfword_accesses_use_the_upper_lane_at_offset_2)
{
	swd_connect();
	ap_select(0, 0);
	cr_assert_eq(ap_wr(0x0, 0xA2000011u), 1u);
	cr_assert_eq(ap_wr(0x4, 0x20000010u), 1u);
	cr_assert_eq(ap_wr(0xC, 0x00001234u), 1u);
	cr_assert_eq(ap_wr(0xC, 0x56780000u), 1u);
	cr_assert_eq(mem_rd(0x20000010u), 0x56781234u);
}

Test(simboard_target, csw_keeps_its_size_on_unsupported_encodings_and_shows_deviceen)
{
	swd_connect();
	ap_select(0, 0);
	cr_assert_eq(ap_wr(0x0, 0xA2000012u), 1u);
	cr_assert_eq(ap_wr(0x0, 0xA2000013u), 1u); /* 64-bit: not implemented */
	uint32_t v;
	cr_assert_eq(ap_rd(0x0, &v), 1u);
	cr_assert_eq(dp_rd(0xC, &v), 1u);
	cr_assert_eq(v & 0x7u, 2u);
	cr_assert(v & 0x40u, "DeviceEn on an open part");
	cr_assert_eq(v & 0xFF000000u, 0xA2000000u, "Prot bits stored");
}

Test(simboard_target, unmapped_address_read_is_a_posted_bus_error)
{
	swd_connect();
	ap_select(0, 0);
	cr_assert_eq(ap_wr(0x0, 0xA2000012u), 1u);
	cr_assert_eq(ap_wr(0x4, 0x10000000u), 1u);
	uint32_t v;
	cr_assert_eq(ap_rd(0xC, &v), 1u, "posted: the failing read itself is OK");
	cr_assert_eq(dp_rd(0xC, &v), 4u, "the next access faults");
	cr_assert_eq(sticky_bits(), 0x20u);
}

Test(simboard_target, flash_write_is_ignored_unless_nvmc_write_enabled)
{
	swd_connect();
	mem_wr(0x1000u, 0x12345678u);
	cr_assert_eq(mem_rd(0x1000u), 0xFFFFFFFFu);
	struct simboard_counters c;
	simboard_get_counters(T.b, &c);
	cr_assert_eq(c.nvmc_ignored_writes, 1u);
	flash_word(0x1000u, 0x12345678u);
	cr_assert_eq(mem_rd(0x1000u), 0x12345678u);
	simboard_get_counters(T.b, &c);
	cr_assert_eq(c.nvmc_words_written, 1u);
}

Test(simboard_target, readynext_buffers_one_write_behind_the_one_in_progress)
{
	struct simboard_config cfg;
	tsb_teardown();
	tsb_config_default(&cfg, SIMBOARD_NRF9160);
	/* 10 ms per word: far longer than the test's own SWD accesses. */
	cfg.timing.nvmc_write_word_ns = 10000000u;
	tsb_open(&cfg);
	swd_connect();
	mem_wr(T_NVMC_CONFIG, 1);
	mem_wr(0x1000u, 0x11111111u);
	cr_assert_eq(mem_rd(T_NVMC_READY), 0u, "first write in progress");
	cr_assert_eq(mem_rd(T_NVMC_READYNEXT), 1u, "the buffer takes the next word");
	cr_assert_eq(mem_wr_ack(0x1004u, 0x22222222u), 1u, "second write buffered");
	cr_assert_eq(mem_rd(T_NVMC_READYNEXT), 0u, "buffer full");
	/* A third write finds the buffer full: the bus refuses it after its
	 * ACK, so it is lost with STICKYERR (the simulator's reading of a
	 * stalled posted write, as during an erase). */
	cr_assert_eq(mem_wr_ack(0x1008u, 0x33333333u), 1u);
	cr_assert_eq(sticky_bits(), 0x20u, "STICKYERR");
	cr_assert_eq(dp_wr(0x0, 0x1E), 1u);
	advance_ms(10);
	cr_assert_eq(mem_rd(T_NVMC_READY), 0u, "the buffered word is being written");
	cr_assert_eq(mem_rd(T_NVMC_READYNEXT), 1u);
	advance_ms(10);
	cr_assert_eq(mem_rd(T_NVMC_READY), 1u);
	cr_assert_eq(mem_rd(0x1000u), 0x11111111u);
	cr_assert_eq(mem_rd(0x1004u), 0x22222222u);
	cr_assert_eq(mem_rd(0x1008u), 0xFFFFFFFFu, "the refused write left no trace");
	struct simboard_counters c;
	simboard_get_counters(T.b, &c);
	cr_assert_eq(c.nvmc_words_written, 2u);
}

Test(simboard_target, flash_bits_only_go_from_one_to_zero)
{
	swd_connect();
	flash_word(0x2000u, 0x0F0F0F0Fu);
	flash_word(0x2000u, 0xFFFF0000u);
	cr_assert_eq(mem_rd(0x2000u), 0x0F0F0000u);
}

Test(simboard_target, a_stuck_bit_stays_one_through_writes_and_erases)
{
	struct simboard_faults f = T.cfg.faults;
	f.stuck_bit_on = true;
	f.stuck_bit_addr = 0x2004u;
	f.stuck_bit = 5;
	simboard_set_faults(T.b, &f);
	swd_connect();
	flash_word(0x2004u, 0u);
	cr_assert_eq(mem_rd(0x2004u), 0x20u, "bit 5 did not take the 0");
	flash_word(0x2008u, 0u);
	cr_assert_eq(mem_rd(0x2008u), 0u, "the next word is a healthy cell");
	/* Erase the page and write again: the cell is worn, not just written
	 * too often (nWRITE). */
	mem_wr(T_NVMC_CONFIG, 2);
	cr_assert_eq(mem_wr_ack(0x2000u, 0xFFFFFFFFu), 1u);
	advance_ms(100);
	cr_assert_eq(dp_wr(0x0, 0x1E), 1u);
	cr_assert_eq(mem_rd(0x2004u), 0xFFFFFFFFu);
	flash_word(0x2004u, 0x12345600u);
	cr_assert_eq(mem_rd(0x2004u), 0x12345620u);
}

/* A manifest version 1 (provision.h) at 0x1000 naming the result area
 * 0x9000; the board reads it at the next reset. */
static void flash_manifest_then_reset(void)
{
	const uint32_t words[11] = {
		0x6346526Eu,
		0x314E414Du,	/* "nRFcMAN1" */
		1u | 44u << 16, /* version 1, size 44 */
		0x8000u,
		0x1000u, /* table */
		0x9000u,
		0x1000u, /* result */
		0u,
		0u,
		0u,
		0u,
	};
	for (unsigned i = 0; i < 11; i++)
		flash_word(0x1000u + 4u * i, words[i]);
	mem_wr(AIRCR, 0x05FA0004u);
}

Test(simboard_target, result_fault_changes_the_imei_byte_before_the_status_word_lands)
{
	struct simboard_faults f = T.cfg.faults;
	f.result_fault_crc = true;
	simboard_set_faults(T.b, &f);
	swd_connect();
	flash_manifest_then_reset();
	flash_word(0x9018u, 0x33343536u); /* IMEI "6543" */
	flash_word(0x9004u, 0x5352434Eu); /* magic */
	cr_assert_eq(mem_rd(0x9018u), 0x33343536u, "nothing happens before the status word");
	flash_word(0x9000u, 0u); /* status: OK, written last */
	cr_assert_eq(mem_rd(0x9018u), 0x333435C9u, "the IMEI's first byte inverted");
	cr_assert_eq(mem_rd(0x9004u), 0x5352434Eu);
	cr_assert_eq(mem_rd(0x9000u), 0u);
}

Test(simboard_target, without_result_fault_the_result_block_is_what_was_written)
{
	swd_connect();
	flash_manifest_then_reset();
	flash_word(0x9018u, 0x33343536u);
	flash_word(0x9000u, 0u);
	cr_assert_eq(mem_rd(0x9018u), 0x33343536u);
}

Test(simboard_target, narrow_flash_write_is_a_bus_error)
{
	swd_connect();
	mem_wr(T_NVMC_CONFIG, 1);
	ap_select(0, 0);
	cr_assert_eq(ap_wr(0x0, 0xA2000010u), 1u); /* 8-bit */
	cr_assert_eq(ap_wr(0x4, 0x3000u), 1u);
	cr_assert_eq(ap_wr(0xC, 0x00u), 1u);
	cr_assert_eq(sticky_bits(), 0x20u, "STICKYERR");
	cr_assert_eq(dp_wr(0x0, 0x1E), 1u);
	cr_assert_eq(mem_rd(0x3000u), 0xFFFFFFFFu);
}

Test(simboard_target, page_erase_stalls_the_ahb_with_wait_until_the_erase_time_passed)
{
	swd_connect();
	flash_word(0x5000u, 0u);
	flash_word(0x5FFCu, 0u);
	mem_wr(T_NVMC_CONFIG, 2);
	cr_assert_eq(mem_wr_ack(0x5000u, 0xFFFFFFFFu), 1u);
	uint32_t v;
	ap_select(0, 0);
	cr_assert_eq(ap_wr(0x4, T_NVMC_READY), 1u, "TAR still accepted");
	cr_assert_eq(ap_rd(0xC, &v), 2u, "DRW answers WAIT during the erase");
	cr_assert_eq(dp_wr(0x0, 0x1F), 1u, "ABORT incl. DAPABORT");
	cr_assert_eq(ap_rd(0xC, &v), 2u, "ABORT does not end the stall (errata 2)");
	advance_ms(40);
	cr_assert_eq(dp_wr(0x0, 0x1F), 1u);
	cr_assert_eq(ap_rd(0xC, &v), 2u);
	advance_ms(50); /* past 87 ms */
	cr_assert_eq(dp_wr(0x0, 0x1E), 1u);
	cr_assert_eq(mem_rd(T_NVMC_READY), 1u);
	cr_assert_eq(mem_rd(0x5000u), 0xFFFFFFFFu);
	cr_assert_eq(mem_rd(0x5FFCu), 0xFFFFFFFFu);
	mem_wr(T_NVMC_CONFIG, 0);
	struct simboard_counters c;
	simboard_get_counters(T.b, &c);
	cr_assert_eq(c.nvmc_page_erases, 1u);
	cr_assert_geq(c.acks_wait, 3u);
}

Test(simboard_target, partial_erases_erase_the_page_once_their_time_adds_up)
{
	swd_connect();
	flash_word(0x7000u, 0u);
	mem_wr(T_NVMC_CONFIG, 4);
	for (int k = 0; k < 9; k++) { /* 9 x 10 ms >= 87 ms */
		cr_assert_eq(mem_wr_ack(0x7000u, 0xFFFFFFFFu), 1u);
		advance_ms(11);
		if (k == 4) {
			cr_assert_eq(dp_wr(0x0, 0x1E), 1u);
			cr_assert_eq(mem_rd(0x7000u), 0u, "not erased after 50 ms");
		}
	}
	cr_assert_eq(dp_wr(0x0, 0x1E), 1u);
	cr_assert_eq(mem_rd(0x7000u), 0xFFFFFFFFu);
}

Test(simboard_target, uicr_is_not_page_erasable_only_nvmc_eraseall_clears_it)
{
	swd_connect();
	flash_word(UICR + 0x108u, 0x12345678u); /* OTP[0] */
	flash_word(0x0u, 0xAAAAAAAAu);
	mem_wr(T_NVMC_CONFIG, 2);
	mem_wr(UICR + 0x108u, 0xFFFFFFFFu);
	advance_ms(100);
	cr_assert_eq(mem_rd(UICR + 0x108u), 0x12345678u);
	mem_wr(0x5003950Cu, 1); /* ERASEALL */
	advance_ms(500);
	cr_assert_eq(dp_wr(0x0, 0x1E), 1u);
	cr_assert_eq(mem_rd(UICR + 0x108u), 0xFFFFFFFFu);
	cr_assert_eq(mem_rd(0x0u), 0xFFFFFFFFu);
}

Test(simboard_target, eraseprotect_blocks_nvmc_and_ctrlap_eraseall)
{
	swd_connect();
	flash_word(UICR + 0x030u, 0u); /* ERASEPROTECT = Protected */
	flash_word(0x100u, 0x1u);
	mem_wr(T_NVMC_CONFIG, 2);
	mem_wr(0x5003950Cu, 1);
	advance_ms(500);
	cr_assert_eq(mem_rd(0x100u), 0x1u);
	cr_assert_eq(ctrlap_rd(0x018), 0u, "ERASEPROTECT.STATUS: enabled");
	ctrlap_wr(0x004, 1);
	cr_assert_eq(ctrlap_rd(0x008), 0u, "ignored: not busy");
	advance_ms(1000);
	cr_assert_eq(mem_rd(0x100u), 0x1u);
}

Test(simboard_target, approtect_on_nrf9160_blocks_the_ahb_ap_and_clears_deviceen)
{
	open_part(SIMBOARD_NRF9160, true);
	swd_connect();
	ap_select(0, 0);
	uint32_t v;
	cr_assert_eq(ap_rd(0x0, &v), 1u);
	cr_assert_eq(dp_rd(0xC, &v), 1u);
	cr_assert_eq(v & 0x40u, 0u, "DeviceEn reads 0");
	cr_assert_eq(ap_wr(0x4, 0x20000000u), 1u, "TAR still writable");
	cr_assert_eq(ap_rd(0xC, &v), 4u, "memory access faults");
	cr_assert_eq(sticky_bits(), 0x20u);
	cr_assert_eq(dp_wr(0x0, 0x1E), 1u);
	cr_assert_eq(ctrlap_rd(0x00C) & 1u, 0u, "APPROTECT.STATUS bit0: protected");
	cr_assert_eq(ctrlap_rd(0x0FC), 0x12880000u, "CTRL-AP works while protected");
}

Test(simboard_target, ctrlap_eraseall_recovers_a_protected_board_after_reset)
{
	open_part(SIMBOARD_NRF9160, true);
	swd_connect();
	ctrlap_wr(0x004, 1);
	cr_assert_eq(ctrlap_rd(0x008), 1u, "ERASEALLSTATUS busy");
	advance_ms(100);
	cr_assert_eq(ctrlap_rd(0x008), 1u, "still busy");
	advance_ms(300);
	cr_assert_eq(ctrlap_rd(0x008), 0u);
	cr_assert_eq(ctrlap_rd(0x00C) & 1u, 0u, "protection stays until the next reset");
	ctrlap_wr(0x000, 1);
	ctrlap_wr(0x000, 0);
	ctrlap_wr(0x004, 0);
	cr_assert_eq(ctrlap_rd(0x00C), 3u);
	cr_assert_eq(mem_rd(UICR), 0xFFFFFFFFu);
	mem_wr(0x20000000u, 0x5A5A5A5Au);
	cr_assert_eq(mem_rd(0x20000000u), 0x5A5A5A5Au);
}

Test(simboard_target, nrf91x1_blank_board_is_locked_at_power_on)
{
	const enum simboard_part parts[] = {SIMBOARD_NRF9161, SIMBOARD_NRF9151};
	for (int i = 0; i < 2; i++) {
		open_part(parts[i], false); /* erased UICR */
		swd_connect();
		cr_assert_eq(ap_status(), 0u, "part %d: APPROTECT and SECUREAPPROTECT locked", i);
		cr_assert(!ahb_open(), "part %d: the AHB-AP faults", i);
		ap_select(0, 0);
		uint32_t csw;
		cr_assert_eq(ap_rd(0x0, &csw), 1u);
		cr_assert_eq(dp_rd(0xC, &csw), 1u);
		cr_assert_eq(csw & 0x40u, 0u, "DeviceEn reads 0");
		cr_assert_eq(ctrlap_rd(0x0FC), 0x12880000u, "the CTRL-AP answers");
		tsb_teardown();
	}
}

Test(simboard_target, nrf91x1_ctrlap_erase_opens_it_at_once_until_the_next_reset)
{
	open_part(SIMBOARD_NRF9161, false);
	swd_connect();
	ctrlap_erase_all();
	cr_assert_eq(ap_status(), 3u, "open without any reset");
	mem_wr(0x20000000u, 0x5A5A5A5Au);
	cr_assert_eq(mem_rd(0x20000000u), 0x5A5A5A5Au);
	cr_assert_eq(mem_rd(UICR), 0xFFFFFFFFu, "UICR erased");
	advance_ms(2000);
	cr_assert_eq(ap_status(), 3u, "time alone does not close it");
	pin_reset();
	cr_assert_eq(ap_status(), 0u, "a pin reset locks it again");
	cr_assert(!ahb_open());
}

Test(simboard_target, nrf91x1_sysresetreq_and_ctrlap_reset_lock_it_again_after_an_erase)
{
	open_part(SIMBOARD_NRF9151, false);
	swd_connect();
	ctrlap_erase_all();
	cr_assert_eq(ap_status(), 3u);
	mem_wr(AIRCR, 0x05FA0004u);
	cr_assert_eq(ap_status(), 0u, "SYSRESETREQ locks it");
	cr_assert(!ahb_open());
	ctrlap_erase_all();
	cr_assert_eq(ap_status(), 3u, "a second erase opens it again");
	ctrlap_soft_reset();
	cr_assert_eq(ap_status(), 0u, "a CTRL-AP soft reset locks it");
	cr_assert(!ahb_open());
}

/* Writes both UICR protection words of an erase-opened nRF91x1, then soft
 * resets it so they are latched. */
static void latch_uicr_protection(uint32_t value)
{
	ctrlap_erase_all();
	flash_word(UICR, value);
	flash_word(UICR_SAP, value);
	ctrlap_soft_reset();
}

Test(simboard_target, nrf91x1_hwunprotected_uicr_needs_the_software_disable)
{
	open_part(SIMBOARD_NRF9161, false);
	swd_connect();
	latch_uicr_protection(HWUNPROTECTED);
	cr_assert_eq(ap_status(), 0u, "HwUnprotected alone: locked after reset");
	cr_assert(!ahb_open());
	/* Firmware (SystemInit) opens it by writing DISABLE = 0x5A. */
	cr_assert_eq(simbus_write(T.b, SW_APPROTECT, 4, SW_DISABLE_KEY, CPU), SIMBUS_OK);
	cr_assert_eq(ap_status(), 1u, "APPROTECT open, SECUREAPPROTECT still locked");
	cr_assert_eq(simbus_write(T.b, SW_SECUREAPPROTECT, 4, SW_DISABLE_KEY, CPU), SIMBUS_OK);
	cr_assert_eq(ap_status(), 3u);
	cr_assert(ahb_open());
	cr_assert_eq(mem_rd(UICR), HWUNPROTECTED);
	/* The software unlock lasts until the next reset. */
	ctrlap_soft_reset();
	cr_assert_eq(ap_status(), 0u, "locked again after the reset");
}

Test(simboard_target, nrf91x1_disable_0x5a_without_hwunprotected_uicr_keeps_it_locked)
{
	open_part(SIMBOARD_NRF9161, false);
	swd_connect();
	ctrlap_erase_all();
	ctrlap_soft_reset(); /* latches the erased UICR */
	cr_assert_eq(simbus_write(T.b, SW_APPROTECT, 4, SW_DISABLE_KEY, CPU), SIMBUS_OK);
	cr_assert_eq(simbus_write(T.b, SW_SECUREAPPROTECT, 4, SW_DISABLE_KEY, CPU), SIMBUS_OK);
	cr_assert_eq(ap_status(), 0u, "erased UICR (0xFFFFFFFF) is not HwUnprotected");
	cr_assert(!ahb_open());
}

Test(simboard_target, nrf91x1_forceprotect_bit9_keeps_it_locked_until_reset)
{
	open_part(SIMBOARD_NRF9151, false);
	swd_connect();
	latch_uicr_protection(HWUNPROTECTED);
	/* FORCEPROTECT first: a later DISABLE = 0x5A does not open it. */
	cr_assert_eq(simbus_write(T.b, SW_APPROTECT, 4, SW_FORCEPROTECT, CPU), SIMBUS_OK);
	cr_assert_eq(simbus_write(T.b, SW_APPROTECT, 4, SW_DISABLE_KEY, CPU), SIMBUS_OK);
	cr_assert_eq(ap_status() & 1u, 0u, "APPROTECT forced");
	/* DISABLE first: FORCEPROTECT closes it again (same register, bit 9). */
	cr_assert_eq(simbus_write(T.b, SW_SECUREAPPROTECT, 4, SW_DISABLE_KEY, CPU), SIMBUS_OK);
	cr_assert_eq(ap_status(), 2u, "SECUREAPPROTECT opened by DISABLE");
	cr_assert_eq(simbus_write(T.b, SW_SECUREAPPROTECT, 4, SW_FORCEPROTECT, CPU), SIMBUS_OK);
	cr_assert_eq(ap_status(), 0u, "SECUREAPPROTECT forced");
	cr_assert_eq(simbus_write(T.b, SW_SECUREAPPROTECT, 4, SW_DISABLE_KEY, CPU), SIMBUS_OK);
	cr_assert_eq(ap_status(), 0u);
	/* The force lasts until the next reset only. */
	ctrlap_soft_reset();
	cr_assert_eq(simbus_write(T.b, SW_APPROTECT, 4, SW_DISABLE_KEY, CPU), SIMBUS_OK);
	cr_assert_eq(simbus_write(T.b, SW_SECUREAPPROTECT, 4, SW_DISABLE_KEY, CPU), SIMBUS_OK);
	cr_assert_eq(ap_status(), 3u, "DISABLE works again after the reset");
}

Test(simboard_target, nrf91x1_approtect_config_protects_until_recovered)
{
	open_part(SIMBOARD_NRF9151, true);
	swd_connect();
	cr_assert_eq(ap_status() & 1u, 0u);
	ctrlap_erase_all();
	cr_assert_eq(ap_status(), 3u, "the erase opens it without a reset");
	cr_assert_eq(mem_rd(UICR), 0xFFFFFFFFu, "UICR.APPROTECT erased");
}

Test(simboard_target, nrf9160_ctrlap_erase_opens_it_only_after_a_reset)
{
	open_part(SIMBOARD_NRF9160, true);
	swd_connect();
	ctrlap_erase_all();
	cr_assert_eq(ap_status() & 1u, 0u, "no reset yet: still protected");
	cr_assert(!ahb_open());
	advance_ms(2000);
	cr_assert_eq(ap_status() & 1u, 0u, "time alone does not open it");
	pin_reset();
	cr_assert_eq(ap_status(), 3u, "the reset latched the erased UICR");
	cr_assert(ahb_open());
	/* Erased UICR is Unprotected on nRF9160: every later reset keeps it open. */
	mem_wr(AIRCR, 0x05FA0004u);
	cr_assert_eq(ap_status(), 3u, "open after SYSRESETREQ too");
}

Test(simboard_target, nrf9160_uicr_other_than_erased_protects_after_reset)
{
	open_part(SIMBOARD_NRF9160, false);
	swd_connect();
	flash_word(UICR, HWUNPROTECTED); /* an nRF91x1 value, not one of nRF9160's */
	cr_assert_eq(ap_status(), 3u, "not latched before a reset");
	mem_wr(AIRCR, 0x05FA0004u);
	cr_assert_eq(ap_status() & 1u, 0u, "anything but 0xFFFFFFFF protects");
	cr_assert(!ahb_open());
}

Test(simboard_target, nrf9160_unlock_needs_pin_reset_ignores_soft_resets_until_the_pin)
{
	struct simboard_config cfg;
	tsb_teardown();
	tsb_config_default(&cfg, SIMBOARD_NRF9160);
	cfg.approtect = true;
	cfg.quirks.unlock_needs_pin_reset = true;
	tsb_open(&cfg);
	swd_connect();
	ctrlap_erase_all();
	ctrlap_soft_reset();
	cr_assert_eq(ap_status() & 1u, 0u, "a CTRL-AP soft reset does not latch the erased UICR");
	cr_assert(!ahb_open());
	pin_reset();
	cr_assert_eq(ap_status(), 3u, "the pin reset does");
	cr_assert(ahb_open());
	cr_assert_eq(mem_rd(UICR), 0xFFFFFFFFu);
}

Test(simboard_target, ctrlap_eraseall_1_over_1_does_not_start_an_erase)
{
	swd_connect();
	ctrlap_wr(0x004, 1); /* 0 -> 1: starts */
	cr_assert_eq(ctrlap_rd(0x008), 1u);
	advance_ms(400);
	cr_assert_eq(ctrlap_rd(0x008), 0u);
	cr_assert_eq(ctrlap_rd(0x004), 1u, "ERASEALL keeps the 1");
	flash_word(0x4000u, 0x12345678u);
	struct simboard_counters c0, c;
	simboard_get_counters(T.b, &c0);
	ctrlap_wr(0x004, 1);
	cr_assert_eq(ctrlap_rd(0x008), 0u, "1 over 1: no new request");
	advance_ms(400);
	cr_assert_eq(mem_rd(0x4000u), 0x12345678u, "flash kept");
	simboard_get_counters(T.b, &c);
	cr_assert_eq(c.nvmc_erase_alls, c0.nvmc_erase_alls);
	ctrlap_wr(0x004, 0);
	ctrlap_wr(0x004, 1);
	cr_assert_eq(ctrlap_rd(0x008), 1u, "0 then 1 starts it");
	advance_ms(400);
	cr_assert_eq(mem_rd(0x4000u), 0xFFFFFFFFu);
	simboard_get_counters(T.b, &c);
	cr_assert_eq(c.nvmc_erase_alls, c0.nvmc_erase_alls + 1);
}

Test(simboard_target, spu_nonsecure_access_to_a_secure_region_is_a_bus_error)
{
	swd_connect();
	flash_word(0x8000u, 0xCAFE0001u);
	mem_wr(0x20002000u, 0x11112222u);
	cr_assert_eq(mem_rd(SPU_FLASH_PERM(1)), 0x17u, "reset value: secure, RWX");
	cr_assert_eq(mem_rd(SPU_RAM_PERM(1)), 0x17u);
	uint32_t v;
	cr_assert_eq(ns_rd(0x8000u, &v), 4u, "non-secure read of secure flash");
	cr_assert_eq(ns_rd(0x20002000u, &v), 4u, "non-secure read of secure RAM");
	cr_assert_eq(ns_wr(0x20002000u, 0x33334444u), 0x20u, "non-secure write of secure RAM");
	cr_assert_eq(mem_rd(0x20002000u), 0x11112222u, "the failed write did nothing");
	/* Flash region 1 (0x8000-0xFFFF) and RAM region 1 (0x20002000-0x20003FFF)
	 * marked non-secure (SECATTR = 0). */
	mem_wr(SPU_FLASH_PERM(1), 0x07u);
	mem_wr(SPU_RAM_PERM(1), 0x07u);
	cr_assert_eq(ns_rd(0x8000u, &v), 1u);
	cr_assert_eq(v, 0xCAFE0001u);
	cr_assert_eq(ns_wr(0x20002000u, 0x33334444u), 0u);
	cr_assert_eq(ns_rd(0x20002000u, &v), 1u);
	cr_assert_eq(v, 0x33334444u);
	cr_assert_eq(ns_rd(0x7FFCu, &v), 4u, "flash region 0 (32 KB) stays secure");
	cr_assert_eq(ns_rd(0x10000u, &v), 4u, "flash region 2 stays secure");
	cr_assert_eq(ns_rd(0x20001FFCu, &v), 4u, "RAM region 0 (8 KB) stays secure");
	cr_assert_eq(ns_rd(0x20004000u, &v), 4u, "RAM region 2 stays secure");
	cr_assert_eq(ns_wr(SPU_FLASH_PERM(1), 0x17u), 0x20u, "the SPU is secure-only");
	/* LOCK (bit 8) holds the word until reset. */
	mem_wr(SPU_FLASH_PERM(2), 0x107u);
	mem_wr(SPU_FLASH_PERM(2), 0x17u);
	cr_assert_eq(mem_rd(SPU_FLASH_PERM(2)), 0x107u, "locked");
	cr_assert_eq(ns_rd(0x10000u, &v), 1u, "locked non-secure");
	ctrlap_soft_reset();
	cr_assert_eq(mem_rd(SPU_FLASH_PERM(1)), 0x17u, "a reset makes every region secure");
	cr_assert_eq(mem_rd(SPU_FLASH_PERM(2)), 0x17u, "and clears LOCK");
	cr_assert_eq(ns_rd(0x8000u, &v), 4u);
}

Test(simboard_target, nvmc_configns_governs_writes_to_a_nonsecure_flash_region)
{
	swd_connect();
	mem_wr(SPU_FLASH_PERM(1), 0x07u); /* 0x8000-0xFFFF non-secure */
	struct simboard_counters c0, c;
	simboard_get_counters(T.b, &c0);
	mem_wr(T_NVMC_CONFIG, 1); /* CONFIG = Wen, CONFIGNS still Ren */
	mem_wr(0x8000u, 0u);
	advance_ms(1);
	mem_wr(0x0100u, 0u);
	advance_ms(1);
	cr_assert_eq(mem_rd(0x8000u), 0xFFFFFFFFu, "non-secure region: CONFIGNS = Ren");
	cr_assert_eq(mem_rd(0x0100u), 0u, "secure region: CONFIG = Wen");
	simboard_get_counters(T.b, &c);
	cr_assert_eq(c.nvmc_ignored_writes - c0.nvmc_ignored_writes, 1u);
	mem_wr(T_NVMC_CONFIG, 0);
	mem_wr(T_NVMC_CONFIGNS, 1);
	mem_wr(0x8004u, 0u);
	advance_ms(1);
	mem_wr(0x0104u, 0u);
	advance_ms(1);
	cr_assert_eq(mem_rd(0x8004u), 0u, "CONFIGNS = Wen writes the non-secure region");
	cr_assert_eq(mem_rd(0x0104u), 0xFFFFFFFFu, "CONFIG = Ren: secure flash untouched");
	mem_wr(T_NVMC_CONFIGNS, 0);
}

Test(simboard_target, fpb_has_8_code_comparators_and_dwt_4_comparators)
{
	swd_connect();
	uint32_t fp = mem_rd(0xE0002000u);
	cr_assert_eq(((fp >> 4) & 0xFu) | ((fp >> 12) & 7u) << 4, 8u, "FP_CTRL.NUM_CODE: 0x%08x",
		     fp);
	cr_assert_eq(fp >> 28, 1u, "FP_CTRL.REV = 1 (FPB v2)");
	cr_assert_eq(fp & 1u, 0u, "disabled at reset");
	cr_assert_eq(mem_rd(0xE0001000u) >> 28, 4u, "DWT_CTRL.NUMCOMP");
	mem_wr(0xE0002000u, 1u); /* ENABLE without KEY: ignored */
	cr_assert_eq(mem_rd(0xE0002000u) & 1u, 0u);
	mem_wr(0xE0002000u, 3u);
	cr_assert_eq(mem_rd(0xE0002000u) & 1u, 1u, "ENABLE with KEY");
	mem_wr(0xE000201Cu, 0x00000201u); /* FP_COMP5 */
	cr_assert_eq(mem_rd(0xE000201Cu), 0x00000201u);
	mem_wr(0xE0001050u, 0x20000000u); /* DWT_COMP3 */
	cr_assert_eq(mem_rd(0xE0001050u), 0x20000000u);
}

static void check_ficr(enum simboard_part part, uint32_t partno, uint32_t variant)
{
	open_part(part, false);
	swd_connect();
	if (part != SIMBOARD_NRF9160) {
		cr_assert_eq(ap_status(), 0u, "a blank nRF91x1 is locked");
		ctrlap_erase_all(); /* FICR survives the erase */
	}
	cr_assert_eq(mem_rd(0x00FF0140u), partno);
	cr_assert_eq(mem_rd(0x00FF0148u), variant);
	cr_assert_eq(mem_rd(0x00FF0204u), 0x55667788u);
	cr_assert_eq(mem_rd(0x00FF0208u), 0x11223344u);
	cr_assert_eq(mem_rd(0x00FF021Cu), 0x400u);
	cr_assert_eq(mem_rd(0x00FF0220u), 0x1000u);
	tsb_teardown();
}

Test(simboard_target, ficr_identifies_each_part)
{
	check_ficr(SIMBOARD_NRF9160, 0x9160u, 0x41434953u); /* "SICA" */
	check_ficr(SIMBOARD_NRF9161, 0x9161u, 0x4143414Cu); /* "LACA" */
	check_ficr(SIMBOARD_NRF9151, 0x9151u, 0x4143414Cu);
}

Test(simboard_target, dhcsr_halts_and_resumes_the_core)
{
	swd_connect();
	cr_assert_eq(mem_rd(0xE000ED00u), 0x410FD214u, "CPUID: Cortex-M33 r0p4");
	cr_assert_eq(mem_rd(DHCSR) & (1u << 17), 0u, "running");
	mem_wr(DHCSR, 0x00000003u); /* no key: ignored */
	cr_assert_eq(mem_rd(DHCSR) & (1u << 17), 0u);
	mem_wr(DHCSR, 0xA05F0003u);
	uint32_t d = mem_rd(DHCSR);
	cr_assert(d & (1u << 17), "S_HALT");
	cr_assert_eq(d & 3u, 3u);
	cr_assert(mem_rd(0xE000ED30u) & 1u, "DFSR.HALTED");
	mem_wr(DHCSR, 0xA05F0001u);
	cr_assert_eq(mem_rd(DHCSR) & (1u << 17), 0u, "resumed");
}

Test(simboard_target, dcrsr_transfers_core_registers_while_halted)
{
	swd_connect();
	mem_wr(DHCSR, 0xA05F0003u);
	/* Each transfer polls S_REGRDY before the next DCRDR/DCRSR access
	 * (ARMv8-M DHCSR): the simulator clears it for one read. */
	for (uint32_t sel = 0; sel <= 16; sel++) {
		mem_wr(DCRDR, 0x1000u + sel);
		mem_wr(DCRSR, 0x10000u | sel);
		cr_assert_eq(mem_rd(DHCSR) & (1u << 16), 0u, "S_REGRDY cleared by DCRSR");
		cr_assert(mem_rd(DHCSR) & (1u << 16), "S_REGRDY set when done");
	}
	for (uint32_t sel = 0; sel <= 16; sel++) {
		mem_wr(DCRSR, sel);
		uint32_t d = mem_rd(DHCSR);
		if (!(d & (1u << 16)))
			d = mem_rd(DHCSR);
		cr_assert(d & (1u << 16), "S_REGRDY");
		cr_assert_eq(mem_rd(DCRDR), 0x1000u + sel, "REGSEL %u", sel);
	}
}

Test(simboard_target, sysresetreq_with_vector_catch_halts_at_the_reset_vector)
{
	swd_connect();
	flash_word(0x0u, 0x20010000u);
	flash_word(0x4u, 0x00000201u);
	mem_wr(DHCSR, 0xA05F0003u);
	mem_wr(DEMCR, 0x01000001u);
	mem_rd(DHCSR); /* clear S_RESET_ST */
	mem_wr(AIRCR, 0x05FA0004u);
	uint32_t d = mem_rd(DHCSR);
	cr_assert(d & (1u << 17), "halted");
	cr_assert(d & (1u << 25), "S_RESET_ST");
	cr_assert_eq(mem_rd(DHCSR) & (1u << 25), 0u, "S_RESET_ST sticky until read");
	cr_assert(mem_rd(0xE000ED30u) & (1u << 3), "DFSR.VCATCH");
	/* A DHCSR read after each request: S_REGRDY (read 0 once) before
	 * the next one. */
	mem_wr(DCRSR, 15);
	(void)mem_rd(DHCSR);
	cr_assert_eq(mem_rd(DCRDR), 0x200u, "PC from vector 1, Thumb bit clear");
	mem_wr(DCRSR, 13);
	(void)mem_rd(DHCSR);
	cr_assert_eq(mem_rd(DCRDR), 0x20010000u, "SP from vector 0");
	mem_wr(DCRSR, 16);
	(void)mem_rd(DHCSR);
	cr_assert_eq(mem_rd(DCRDR), 0x01000000u, "xPSR.T");
	/* Without vector catch the core runs after reset. */
	mem_wr(DEMCR, 0);
	mem_wr(AIRCR, 0x05FA0004u);
	d = mem_rd(DHCSR);
	cr_assert_eq(d & (1u << 17), 0u, "running");
	cr_assert(d & (1u << 25), "reset happened");
	mem_wr(AIRCR, 0x00000004u); /* no VECTKEY: ignored */
	cr_assert_eq(mem_rd(DHCSR) & (1u << 25), 0u, "the unkeyed write did nothing");
}

Test(simboard_target, nreset_pin_and_ctrlap_reset_reset_the_core)
{
	swd_connect();
	mem_rd(DHCSR);
	simboard_set_nreset(T.b, true, T.now);
	cr_assert(mem_rd(DHCSR) & (1u << 25), "held in reset");
	simboard_set_nreset(T.b, false, T.now);
	mem_rd(DHCSR);
	cr_assert_eq(mem_rd(DHCSR) & (1u << 25), 0u);
	ctrlap_wr(0x000, 1);
	cr_assert_eq(ctrlap_rd(0x000), 1u);
	ctrlap_wr(0x000, 0);
	cr_assert(mem_rd(DHCSR) & (1u << 25));
}

Test(simboard_target, ctrlap_mailbox_reaches_the_cpu_side_peripheral)
{
	swd_connect();
	struct simbus_attr cpu = {.debugger = false, .nonsecure = false};
	ctrlap_wr(0x020, 0xCAFEF00Du);
	cr_assert_eq(ctrlap_rd(0x024), 1u);
	uint32_t v = 0;
	cr_assert_eq(simbus_read(T.b, 0x50006404u, 4, &v, cpu), SIMBUS_OK);
	cr_assert_eq(v, 1u);
	cr_assert_eq(simbus_read(T.b, 0x50006400u, 4, &v, cpu), SIMBUS_OK);
	cr_assert_eq(v, 0xCAFEF00Du);
	cr_assert_eq(ctrlap_rd(0x024), 0u);
	cr_assert_eq(simbus_write(T.b, 0x50006480u, 4, 0x12345678u, cpu), SIMBUS_OK);
	cr_assert_eq(ctrlap_rd(0x02C), 1u);
	cr_assert_eq(ctrlap_rd(0x028), 0x12345678u);
	cr_assert_eq(ctrlap_rd(0x02C), 0u);
}

Test(simboard_target, state_persists_flash_uicr_identity_and_modem_store_but_not_ram)
{
	swd_connect();
	flash_word(0x8000u, 0xDEADBEEFu);
	flash_word(UICR + 0x108u, 0x0000ABCDu);
	mem_wr(0x20000000u, 0x77777777u);
	struct simboard_blob blob;
	simboard_modem_store(T.b, &blob);
	cr_assert_eq(blob.capacity, 64u * 1024u);
	memcpy(blob.data, "cred", 4);
	*blob.length = 4;
	struct simboard_config other;
	tsb_config_default(&other, SIMBOARD_NRF9151);
	snprintf(other.imei, sizeof(other.imei), "000000000000000");
	tsb_reopen(&other);
	cr_assert_eq(simboard_part(T.b), SIMBOARD_NRF9160, "stored part wins");
	cr_assert_str_eq(simboard_imei(T.b), "352656100367872");
	swd_connect();
	cr_assert_eq(mem_rd(0x8000u), 0xDEADBEEFu);
	cr_assert_eq(mem_rd(UICR + 0x108u), 0x0000ABCDu);
	cr_assert_eq(mem_rd(0x20000000u), 0u, "RAM is volatile");
	simboard_modem_store(T.b, &blob);
	cr_assert_eq(*blob.length, 4u);
	cr_assert_eq(memcmp(blob.data, "cred", 4), 0);
}

/* SRAM stays powered through every reset of a running part; only a power-up
 * (new process, board pulled and put back) starts it afresh. */
Test(simboard_target, ram_is_kept_across_every_system_reset_and_lost_at_power_up)
{
	swd_connect();
	mem_wr(0x20000000u, 0x11223344u);
	mem_wr(0x2003FFFCu, 0x55667788u);
	mem_wr(AIRCR, 0x05FA0004u);
	cr_assert_eq(mem_rd(0x20000000u), 0x11223344u, "SYSRESETREQ keeps RAM");
	ctrlap_soft_reset();
	cr_assert_eq(mem_rd(0x2003FFFCu), 0x55667788u, "CTRL-AP reset keeps RAM");
	pin_reset();
	swd_connect();
	cr_assert_eq(mem_rd(0x20000000u), 0x11223344u, "pin reset keeps RAM");
	struct simboard_counters c;
	simboard_get_counters(T.b, &c);
	cr_assert_eq(c.system_resets, 3u);

	simboard_set_present(T.b, false);
	simboard_set_present(T.b, true);
	swd_connect();
	cr_assert_eq(mem_rd(0x20000000u), 0u, "pulled and reinserted: powered up");
	cr_assert_eq(mem_rd(0x2003FFFCu), 0u);
}

/* The file is the board's storage: current while the board is open, with
 * no sync or close in between. */
Test(simboard_target, state_file_is_current_while_the_board_is_open)
{
	swd_connect();
	flash_word(0x1000u, 0xCAFEF00Du);
	flash_word(UICR + 0x080u, 0x12345678u);
	struct simboard_blob blob;
	simboard_modem_store(T.b, &blob);
	memcpy(blob.data, "abcd", 4);
	*blob.length = 4;
	struct simstate *s = NULL;
	cr_assert_eq(simstate_load(T.path, &s), SIMSTATE_OK);
	cr_assert_eq(s->flash[0x1000], 0x0D);
	cr_assert_eq(s->flash[0x1003], 0xCA);
	cr_assert_eq(s->uicr[0x080], 0x78);
	cr_assert_eq(s->modem_store_len, 4u);
	cr_assert_eq(memcmp(s->modem_store, "abcd", 4), 0);
	simstate_free(s);
	/* An erase reaches the file as fast. */
	mem_wr(T_NVMC_CONFIG, 2);
	mem_wr(0x1000u, 0xFFFFFFFFu);
	advance_ms(100);
	cr_assert_eq(simstate_load(T.path, &s), SIMSTATE_OK);
	cr_assert_eq(s->flash[0x1000], 0xFF);
	simstate_free(s);
}

Test(simboard_target, second_open_of_a_held_board_fails_with_ebusy)
{
	errno = 0;
	struct simboard *again = simboard_open(&T.cfg, T.path);
	cr_assert_null(again);
	cr_assert_eq(errno, EBUSY);
	simboard_close(T.b);
	T.b = simboard_open(&T.cfg, T.path);
	cr_assert_not_null(T.b, "free again after close");
}

Test(simboard_target, simstate_load_reads_a_board_that_is_held_open)
{
	swd_connect();
	flash_word(0x0u, 0x20002000u);
	cr_assert_eq(simboard_sync(T.b), 0);
	struct simstate *s = NULL;
	cr_assert_eq(simstate_load(T.path, &s), SIMSTATE_OK);
	cr_assert_eq(s->part, SIMBOARD_NRF9160);
	cr_assert_str_eq(s->imei, "352656100367872");
	cr_assert_str_eq(s->modem_fw, "mfw_nrf9160_1.3.5");
	cr_assert_eq(s->device_id, 0x1122334455667788ull);
	cr_assert_eq(s->flash[3], 0x20);
	cr_assert_eq(s->uicr[0], 0xFF);
	simstate_free(s);
}

Test(simboard_target, open_rejects_a_file_that_is_not_a_board_state)
{
	char path[160];
	snprintf(path, sizeof(path), "%s/junk.state", T.dir);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, "not a state file at all", 23), 23);
	close(fd);
	errno = 0;
	cr_assert_null(simboard_open(&T.cfg, path));
	cr_assert_eq(errno, EINVAL);
	struct simstate *s = NULL;
	cr_assert_eq(simstate_load(path, &s), SIMSTATE_ERR_FORMAT);
	cr_assert_null(s);
	unlink(path);
}

/* Writes len bytes of data to path (replacing it). */
static void write_file(const char *path, const uint8_t *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, data, len), (ssize_t)len);
	close(fd);
}

static void put_le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

Test(simboard_target, truncated_or_corrupt_state_files_are_errors_not_crashes)
{
	cr_assert_eq(simboard_sync(T.b), 0);
	int fd = open(T.path, O_RDONLY);
	cr_assert_geq(fd, 0);
	size_t size = (size_t)lseek(fd, 0, SEEK_END);
	cr_assert_eq(size, SIMSTATE_HEADER_SIZE + SIM_FLASH_SIZE + SIM_UICR_SIZE +
				   SIMSTATE_MODEM_STORE_SIZE);
	uint8_t *good = malloc(size);
	cr_assert_not_null(good);
	cr_assert_eq(pread(fd, good, size, 0), (ssize_t)size);
	close(fd);

	char path[160];
	snprintf(path, sizeof(path), "%s/corrupt.state", T.dir);
	struct simstate *s = (struct simstate *)1;
	/* Cut inside the header, at its end, inside flash, UICR and the modem store. */
	const size_t cuts[] = {0,
			       7,
			       100,
			       SIMSTATE_HEADER_SIZE,
			       SIMSTATE_HEADER_SIZE + 1000,
			       SIMSTATE_HEADER_SIZE + SIM_FLASH_SIZE + 10,
			       size - 1};
	for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
		write_file(path, good, cuts[i]);
		cr_assert_eq(simstate_load(path, &s), SIMSTATE_ERR_FORMAT, "cut at %zu", cuts[i]);
		cr_assert_null(s);
		if (cuts[i] > 0) { /* an empty file is a new board */
			errno = 0;
			cr_assert_null(simboard_open(&T.cfg, path), "cut at %zu", cuts[i]);
			cr_assert_eq(errno, EINVAL);
		}
	}
	/* Header fields out of range (offsets: state.c). */
	const struct {
		size_t off;
		uint32_t value;
		enum simstate_err want;
	} bad[] = {
		{8, 0, SIMSTATE_ERR_FORMAT},				  /* version 0 */
		{8, SIMSTATE_VERSION + 1, SIMSTATE_ERR_VERSION},	  /* newer */
		{12, 128, SIMSTATE_ERR_FORMAT},				  /* header size */
		{16, 3, SIMSTATE_ERR_FORMAT},				  /* part */
		{16, 0xFFFFFFFFu, SIMSTATE_ERR_FORMAT},			  /* part */
		{80, SIM_FLASH_SIZE / 2, SIMSTATE_ERR_FORMAT},		  /* flash size */
		{84, 0, SIMSTATE_ERR_FORMAT},				  /* UICR size */
		{88, 2 * SIMSTATE_MODEM_STORE_SIZE, SIMSTATE_ERR_FORMAT}, /* store capacity */
		{92, SIMSTATE_MODEM_STORE_SIZE + 1, SIMSTATE_ERR_FORMAT}, /* store length */
	};
	uint8_t *copy = malloc(size);
	cr_assert_not_null(copy);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memcpy(copy, good, size);
		put_le32(copy + bad[i].off, bad[i].value);
		write_file(path, copy, size);
		cr_assert_eq(simstate_load(path, &s), bad[i].want, "field at %zu", bad[i].off);
		cr_assert_null(s);
	}
	/* Unterminated strings in the header come back terminated. */
	memcpy(copy, good, size);
	memset(copy + 32, '9', 16 + 32); /* IMEI and modem firmware, no NUL */
	write_file(path, copy, size);
	cr_assert_eq(simstate_load(path, &s), SIMSTATE_OK);
	cr_assert_eq(strlen(s->imei), 15);
	cr_assert_eq(strlen(s->modem_fw), 31);
	simstate_free(s);
	free(copy);
	free(good);
	unlink(path);
}

/* The header is written last at creation: a process killed before it left
 * zeroes where the magic goes, which is no board yet, not a broken one. */
Test(simboard_target, a_creation_killed_before_its_header_is_created_again)
{
	char path[160];
	snprintf(path, sizeof(path), "%s/unborn.state", T.dir);
	uint8_t *zeros = calloc(1, SIMSTATE_HEADER_SIZE + 4096);
	cr_assert_not_null(zeros);
	write_file(path, zeros, SIMSTATE_HEADER_SIZE + 4096);
	free(zeros);
	struct simboard *b = simboard_open(&T.cfg, path);
	cr_assert_not_null(b);
	cr_assert_str_eq(simboard_imei(b), "352656100367872");
	simboard_close(b);
	struct simstate *s = NULL;
	cr_assert_eq(simstate_load(path, &s), SIMSTATE_OK);
	cr_assert_eq(s->flash[0], 0xFF, "erased, not the zeroes left behind");
	simstate_free(s);
	unlink(path);
}

Test(simboard_target, banked_data_registers_address_tar_block_without_increment)
{
	swd_connect();
	for (uint32_t k = 0; k < 4; k++)
		mem_wr(0x20000100u + 4 * k, 0xB0B0B000u + k);
	ap_select(0, 0);
	cr_assert_eq(ap_wr(0x0, 0xA2000012u), 1u);
	cr_assert_eq(ap_wr(0x4, 0x20000108u), 1u); /* BDn use TAR[31:4] */
	ap_select(0, 1);
	uint32_t v;
	cr_assert_eq(ap_rd(0x4, &v), 1u); /* BD1 */
	cr_assert_eq(ap_rd(0xC, &v), 1u); /* BD3, returns BD1 */
	cr_assert_eq(v, 0xB0B0B001u);
	cr_assert_eq(dp_rd(0xC, &v), 1u);
	cr_assert_eq(v, 0xB0B0B003u);
	cr_assert_eq(ap_wr(0x0, 0x12345678u), 1u); /* BD0 */
	ap_select(0, 0);
	cr_assert_eq(ap_rd(0x4, &v), 1u);
	cr_assert_eq(dp_rd(0xC, &v), 1u);
	cr_assert_eq(v, 0x20000108u, "TAR unchanged by BD accesses");
	cr_assert_eq(mem_rd(0x20000100u), 0x12345678u);
	ap_select(0, 0xF);
	cr_assert_eq(ap_rd(0x8, &v), 1u); /* BASE */
	cr_assert_eq(ap_rd(0x4, &v), 1u); /* CFG, returns BASE */
	cr_assert_eq(v, 0xE00FF003u);
	cr_assert_eq(dp_rd(0xC, &v), 1u);
	cr_assert_eq(v, 0u, "CFG: little-endian");
}

Test(simboard_target, eraseprotect_key_handshake_erases_everything)
{
	swd_connect();
	flash_word(UICR + 0x030u, 0u);
	flash_word(0x40000u, 0x0u);
	ctrlap_wr(0x01C, 0x1234u);
	advance_ms(1000);
	cr_assert_eq(mem_rd(0x40000u), 0u, "no firmware key yet: nothing happens");
	/* Firmware side: CTRLAPPERI.ERASEPROTECT.DISABLE = key. */
	struct simbus_attr cpu = {.debugger = false, .nonsecure = false};
	cr_assert_eq(simbus_write(T.b, 0x50006504u, 4, 0x1234u, cpu), SIMBUS_OK);
	ctrlap_wr(0x01C, 0x1234u);
	cr_assert_eq(ctrlap_rd(0x008), 1u, "erase-all running");
	advance_ms(1000);
	cr_assert_eq(ctrlap_rd(0x008), 0u);
	cr_assert_eq(ctrlap_rd(0x018), 1u, "ERASEPROTECT lifted with the UICR");
	cr_assert_eq(mem_rd(0x40000u), 0xFFFFFFFFu);
}

Test(simboard_target, eraseprotect_lock_keeps_the_firmware_key_until_reset)
{
	struct simbus_attr cpu = {.debugger = false, .nonsecure = false};
	cr_assert_eq(simbus_write(T.b, 0x50006500u, 4, 1u, cpu), SIMBUS_OK);
	cr_assert_eq(simbus_write(T.b, 0x50006504u, 4, 0x77u, cpu), SIMBUS_OK);
	swd_connect();
	ctrlap_wr(0x01C, 0x77u);
	cr_assert_eq(ctrlap_rd(0x008), 0u, "locked: the key was not taken");
}

Test(simboard_target, c_step_keeps_the_core_halted)
{
	swd_connect();
	mem_wr(DHCSR, 0xA05F0003u);
	mem_wr(0xE000ED30u, 0x1Fu); /* clear DFSR */
	mem_wr(DHCSR, 0xA05F0005u);
	uint32_t d = mem_rd(DHCSR);
	cr_assert(d & (1u << 17), "halted again after the step");
	cr_assert(mem_rd(0xE000ED30u) & 1u, "DFSR.HALTED");
}

Test(simboard_target, writes_beyond_nwrite_are_counted)
{
	swd_connect();
	flash_word(0x9000u, 0xFFFFFFF0u);
	flash_word(0x9000u, 0xFFFFFF00u);
	struct simboard_counters c;
	simboard_get_counters(T.b, &c);
	cr_assert_eq(c.nvmc_nwrite_exceeded, 0u);
	flash_word(0x9000u, 0xFFFFF000u);
	simboard_get_counters(T.b, &c);
	cr_assert_eq(c.nvmc_nwrite_exceeded, 1u);
	cr_assert_eq(mem_rd(0x9000u), 0xFFFFF000u);
}

Test(simboard_target, ficr_is_read_only)
{
	swd_connect();
	mem_wr(0x00FF0140u, 0u);
	cr_assert_eq(mem_rd(0x00FF0140u), 0x9160u);
}
