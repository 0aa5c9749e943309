/*
 * The CPU behind the simulated nRF91's debug registers. The board owns the
 * architectural register file the debugger sees through DCRSR/DCRDR; the CPU
 * implementation owns the live execution state. The board syncs the two: it
 * reads the CPU's registers when the core halts and writes them back before
 * the core resumes.
 *
 * Implementations: cpu_none.c (no instruction execution; this build) and,
 * later, cpu_unicorn.c (Cortex-M33 via Unicorn). Exactly one is linked.
 */
#ifndef NRFSIM_CPU_H
#define NRFSIM_CPU_H

#include <stdbool.h>
#include <stdint.h>

struct simboard;

/* Register file, indexed like the DCRSR REGSEL values (nrf91-registers.md 7). */
struct simcpu_regs {
	uint32_t r[13]; /* R0-R12 */
	uint32_t sp;	/* R13, the active stack pointer */
	uint32_t lr;
	uint32_t pc; /* DebugReturnAddress */
	uint32_t xpsr;
	uint32_t msp, psp;
	uint32_t special; /* REGSEL 0x14: CONTROL[31:24] FAULTMASK[23:16] BASEPRI[15:8] PRIMASK[7:0]
			   */
	uint32_t msp_ns, psp_ns, msp_s, psp_s;
	uint32_t msplim_s, psplim_s, msplim_ns, psplim_ns;
	uint32_t fpscr;
	uint32_t special_s, special_ns; /* REGSEL 0x22 / 0x23 */
	uint32_t s[32];			/* REGSEL 0x40.. */
};

enum simcpu_stop {
	SIMCPU_STOP_BUDGET,	/* ran the whole budget (or had nothing to run) */
	SIMCPU_STOP_BREAKPOINT, /* BKPT executed: the board halts the core (debug state) */
	SIMCPU_STOP_SLEEP,	/* WFI/WFE with nothing pending */
	SIMCPU_STOP_LOCKUP,	/* unrecoverable fault */
	SIMCPU_STOP_STALL,	/* a bus access stalled (NVMC busy): retry later */
};

/* Creates the CPU for a board; it accesses memory through bus.h. NULL on ENOMEM. */
struct simcpu *simcpu_create(struct simboard *board);
void simcpu_destroy(struct simcpu *cpu);
/* Short name of the implementation ("none", "unicorn"). */
const char *simcpu_name(void);
/* Reset: core registers to their reset values, SP and PC from the vector table. */
void simcpu_reset(struct simcpu *cpu, uint32_t sp, uint32_t pc);
/*
 * Runs at most max_instructions instructions; returns how many ran and why it
 * stopped. Called only while the core is running (not halted, not in reset).
 */
uint64_t simcpu_run(struct simcpu *cpu, uint64_t max_instructions, enum simcpu_stop *why);
/* True while the core spins in a loop the model consumes as time without
 * running it: it retires instructions all the same (DHCSR.S_RETIRE_ST). */
bool simcpu_spinning(const struct simcpu *cpu);
/*
 * Has the CPU call board_watched_store() (board_impl.h) before each 32-bit
 * store to one of the `words` consecutive words from addr, a 4-aligned RAM
 * address; addr 0 watches nothing.
 * Takes effect from the next run slice. Free while nothing is watched: the
 * emulator instruments stores only while such a hook exists.
 */
void simcpu_watch_store(struct simcpu *cpu, uint32_t addr, uint32_t words);
void simcpu_get_regs(struct simcpu *cpu, struct simcpu_regs *regs);
void simcpu_set_regs(struct simcpu *cpu, const struct simcpu_regs *regs);

#endif
