/*
 * Simulated nRF91 board with its emulated Cortex-M33 (tools/sim/cpu_unicorn.c)
 * instead of the no-CPU core of test_simboard_target.c, for what depends on
 * the code the CPU runs: nRF91x1 erratum 36 (the AHB-AP answers WAIT while
 * the CPU sleeps in WFI/WFE, unless POWER.TASKS_CONSTLAT was triggered).
 */
#include <criterion/criterion.h>

#include "bus.h"
#include "test_simboard_util.h"

#define DHCSR		     0xE000EDF0u
#define DCRSR		     0xE000EDF4u
#define DCRDR		     0xE000EDF8u
#define DHCSR_S_HALT	     (1u << 17)
#define DHCSR_S_LOCKUP	     (1u << 19)
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

static void set_core_reg(unsigned sel, uint32_t v)
{
	mem_wr(DCRDR, v);
	mem_wr(DCRSR, 0x10000u | sel);
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
