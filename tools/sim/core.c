/*
 * Cortex-M33 debug registers of the simulated nRF91 (nrf91-registers.md 7):
 * DHCSR halt/step/resume, DCRSR/DCRDR register transfer, DEMCR vector catch,
 * AIRCR SYSRESETREQ, DFSR; and running the CPU model while not halted.
 */
#include "board_impl.h"

void core_power_on(struct simboard *b)
{
	struct core *c = &b->core;
	c->dhcsr_ctrl = 0;
	c->demcr = 0;
	c->dfsr = 0;
	c->dcrdr = 0;
	c->aircr_prigroup = 0;
	c->dscsr = 0;
}

bool core_running(const struct simboard *b)
{
	return !b->core.halted && !b->core.lockup && !b->ctrl.reset_held && !b->nreset_asserted;
}

static uint32_t *reg_slot(struct simcpu_regs *r, unsigned sel)
{
	if (sel <= 12)
		return &r->r[sel];
	if (sel >= 0x40 && sel < 0x60)
		return &r->s[sel - 0x40];
	switch (sel) {
	case 13:
		return &r->sp;
	case 14:
		return &r->lr;
	case 15:
		return &r->pc;
	case 16:
		return &r->xpsr;
	case 17:
		return &r->msp;
	case 18:
		return &r->psp;
	case 0x14:
		return &r->special;
	case 0x18:
		return &r->msp_ns;
	case 0x19:
		return &r->psp_ns;
	case 0x1A:
		return &r->msp_s;
	case 0x1B:
		return &r->psp_s;
	case 0x1C:
		return &r->msplim_s;
	case 0x1D:
		return &r->psplim_s;
	case 0x1E:
		return &r->msplim_ns;
	case 0x1F:
		return &r->psplim_ns;
	case 0x21:
		return &r->fpscr;
	case 0x22:
		return &r->special_s;
	case 0x23:
		return &r->special_ns;
	default:
		return NULL;
	}
}

static void enter_halt(struct simboard *b, uint32_t reason)
{
	struct core *c = &b->core;
	if (!c->halted)
		simcpu_get_regs(b->cpu, &c->regs);
	c->halted = true;
	c->lockup = false; /* entering debug state leaves lockup (ARMv8-M DHCSR.S_LOCKUP) */
	c->dfsr |= reason;
}

static void leave_halt(struct simboard *b)
{
	struct core *c = &b->core;
	simcpu_set_regs(b->cpu, &c->regs);
	c->halted = false;
	c->run_from_ns = b->now_ns;
}

/* A word of the vector table at 0. */
static uint32_t vector(const struct simboard *b, unsigned n)
{
	const uint8_t *f = b->st.flash + 4u * n;
	return (uint32_t)f[0] | (uint32_t)f[1] << 8 | (uint32_t)f[2] << 16 | (uint32_t)f[3] << 24;
}

/* A word of the exception frame, stored as the core stores it (secure);
 * false outside RAM: the stack is there or nowhere. */
static bool stack_word(struct simboard *b, uint32_t addr, uint32_t v)
{
	const struct simbus_attr core = {.debugger = false, .nonsecure = false};
	return addr - SIM_RAM_BASE <= SIM_RAM_SIZE - 4u &&
	       simbus_write(b, addr, 4, v, core) == SIMBUS_OK;
}

/*
 * Every stop the CPU model calls a lockup (an exception, a bus error,
 * running with EPSR.T = 0) is a fault that, with no handler enabled,
 * escalates to HardFault (ARMv8-M ARM, "Exceptions"; HFSR.FORCED). With
 * DEMCR.VC_HARDERR and C_DEBUGEN the core halts on that HardFault, DFSR.VCATCH
 * set (ARMv8-M ARM, DEMCR / DFSR; the catch OpenOCD's `cortex_m vector_catch
 * hard_err` and probe-rs's VectorCatchCondition::HardFault arm), after
 * exception entry: the basic 8-word frame stacked on the active (secure main)
 * stack with the faulting instruction as its return address, LR = EXC_RETURN
 * 0xFFFFFFF9, IPSR = 3, PC = the HardFault vector (word 3 of the table at 0:
 * on an erased chip 0xFFFFFFFE). A frame that does not fit in RAM, or no
 * catch, locks the core up instead of running a handler (no exception model
 * beyond this: harsher than a vector table whose handler could recover).
 * CFSR is not modeled (reads 0): a host must not rely on it.
 */
static void fault(struct simboard *b)
{
	struct core *c = &b->core;
	if (!(c->demcr & DEMCR_VC_HARDERR) || !(c->dhcsr_ctrl & DHCSR_C_DEBUGEN)) {
		c->lockup = true;
		return;
	}
	struct simcpu_regs r;
	simcpu_get_regs(b->cpu, &r);
	uint32_t align = r.sp & 4u;
	uint32_t frame = (r.sp & ~7u) - 32u;
	const uint32_t words[8] = {r.r[0], r.r[1], r.r[2], r.r[3], r.r[12], r.lr, r.pc,
				   (r.xpsr & ~0x200u) | (align ? 0x200u : 0u)};
	for (unsigned i = 0; i < 8; i++)
		if (!stack_word(b, frame + 4u * i, words[i])) {
			c->lockup = true; /* a stacking fault during HardFault entry */
			return;
		}
	uint32_t handler = vector(b, 3); /* HardFault */
	enter_halt(b, DFSR_VCATCH);
	c->dhcsr_ctrl |= DHCSR_C_HALT;
	c->hfsr |= HFSR_FORCED;
	c->regs.sp = c->regs.msp = c->regs.msp_s = frame;
	c->regs.lr = 0xFFFFFFF9u;
	c->regs.pc = handler & ~1u;
	/* APSR kept, IT state cleared, T from the vector's bit 0. */
	c->regs.xpsr = (r.xpsr & 0xF8000000u) | ((handler & 1u) ? 0x01000000u : 0u) | 3u;
}

static void handle_stop(struct simboard *b, enum simcpu_stop why)
{
	switch (why) {
	case SIMCPU_STOP_BREAKPOINT:
		if (b->core.dhcsr_ctrl & DHCSR_C_DEBUGEN) {
			enter_halt(b, DFSR_BKPT);
			b->core.dhcsr_ctrl |= DHCSR_C_HALT;
		} else {
			b->core.lockup = true; /* BKPT without a debugger escalates */
		}
		break;
	case SIMCPU_STOP_LOCKUP:
		fault(b);
		break;
	case SIMCPU_STOP_BUDGET:
	case SIMCPU_STOP_SLEEP:
	case SIMCPU_STOP_STALL:
		break;
	}
	b->core.sleeping = why == SIMCPU_STOP_SLEEP;
}

static void step(struct simboard *b)
{
	enum simcpu_stop why = SIMCPU_STOP_BUDGET;
	simcpu_set_regs(b->cpu, &b->core.regs);
	uint64_t n = simcpu_run(b->cpu, 1, &why);
	b->ctr.cpu_instructions += n;
	if (n)
		b->core.retire_sticky = true;
	simcpu_get_regs(b->cpu, &b->core.regs);
	b->core.dfsr |= DFSR_HALTED;
	if (why == SIMCPU_STOP_BREAKPOINT)
		b->core.dfsr |= DFSR_BKPT;
	else if (why == SIMCPU_STOP_LOCKUP)
		fault(b);
}

void core_advance(struct simboard *b)
{
	struct core *c = &b->core;
	if (!core_running(b) || b->now_ns <= c->run_from_ns) {
		if (b->now_ns > c->run_from_ns)
			c->run_from_ns = b->now_ns;
		return;
	}
	uint64_t dt = b->now_ns - c->run_from_ns;
	uint64_t budget = (uint64_t)((unsigned __int128)dt * b->cfg.timing.cpu_hz / 1000000000u);
	if (budget == 0)
		return; /* keep run_from_ns: the time accumulates */
	/* fault_cpu_at_instruction N: the slice ends after instruction N - 1,
	 * and N faults instead of running. */
	uint64_t fault_at = b->cfg.faults.cpu_fault_at;
	bool fault_here = fault_at && !b->cpu_fault_done && b->ctr.cpu_instructions < fault_at &&
			  fault_at - 1u - b->ctr.cpu_instructions < budget;
	/* The shortened slice starts where the core stopped and ends after
	 * its budget, not at now: ended at now, it would start late and the
	 * time between be lost to the core (a loader waiting for the NVMC
	 * then wrote a few words per host poll instead of all it could). */
	uint64_t now = b->now_ns;
	if (fault_here) {
		budget = fault_at - 1u - b->ctr.cpu_instructions;
		b->now_ns = c->run_from_ns + (uint64_t)((unsigned __int128)budget * 1000000000u /
							b->cfg.timing.cpu_hz);
	}
	enum simcpu_stop why = SIMCPU_STOP_BUDGET;
	uint64_t n = budget ? simcpu_run(b->cpu, budget, &why) : 0;
	b->ctr.cpu_instructions += n;
	if (n || simcpu_spinning(b->cpu))
		c->retire_sticky = true;
	c->run_from_ns = b->now_ns;
	b->now_ns = now;
	if (fault_here && why == SIMCPU_STOP_BUDGET && b->ctr.cpu_instructions + 1u == fault_at) {
		b->cpu_fault_done = true;
		why = SIMCPU_STOP_LOCKUP;
	}
	handle_stop(b, why);
}

/* Called by board_system_reset after memory and protection are set up. */
void core_reset(struct simboard *b)
{
	struct core *c = &b->core;
	/* Vector table at 0: initial SP (word 0) and reset vector (word 1). */
	simcpu_reset(b->cpu, vector(b, 0), vector(b, 1));
	simcpu_get_regs(b->cpu, &c->regs);
	c->lockup = false;
	c->halted = false;
	c->sleeping = false;
	c->regrdy_busy = 0; /* no transfer outlives a reset */
	c->fp_ctrl = 0;
	c->hfsr = 0; /* the SCB's fault status resets with the system */
	c->reset_sticky = true;
	c->run_from_ns = b->now_ns;
	/* DHCSR/DEMCR live in the debug domain and survive a system reset;
	 * vector catch halts the core on its first instruction. */
	if ((c->demcr & DEMCR_VC_CORERESET) && (c->dhcsr_ctrl & DHCSR_C_DEBUGEN)) {
		c->halted = true;
		c->dfsr |= DFSR_VCATCH;
		c->dhcsr_ctrl |= DHCSR_C_HALT;
	} else {
		c->dhcsr_ctrl &= ~DHCSR_C_HALT;
	}
}

/* A core register transfer completes in a few core cycles; here at most
 * this long after the DCRSR write (see dhcsr_read). */
#define REGRDY_BUSY_NS 1000000u

static void regrdy_expire(struct simboard *b)
{
	struct core *c = &b->core;
	if (c->regrdy_busy && b->now_ns >= c->regrdy_done_ns)
		c->regrdy_busy = 0;
}

static uint32_t dhcsr_read(struct simboard *b)
{
	struct core *c = &b->core;
	uint32_t v = c->dhcsr_ctrl;
	/* S_REGRDY is cleared by a DCRSR write and set when the transfer
	 * completes (ARMv8-M ARM, DHCSR). The transfer is done at once, but
	 * the first DHCSR read after it still says 0 (quirk
	 * regrdy_busy_reads: that many), and a DCRDR or DCRSR write before
	 * S_REGRDY read 1 is lost (the ARM ARM: UNPREDICTABLE), so a debugger
	 * that does not poll before its next access shows (harsher than
	 * silicon, where a transfer takes a few core cycles). A transfer also
	 * completes on its own, REGRDY_BUSY_NS after the request, for a
	 * debugger that waits instead of polling. */
	regrdy_expire(b);
	if (c->regrdy_busy)
		c->regrdy_busy--;
	else
		v |= DHCSR_S_REGRDY;
	if (c->halted)
		v |= DHCSR_S_HALT;
	if (c->lockup)
		v |= DHCSR_S_LOCKUP;
	if (!b->secure_approtect)
		v |= DHCSR_S_SDE;
	if (c->reset_sticky && !b->ctrl.reset_held && !b->nreset_asserted) {
		v |= DHCSR_S_RESET_ST;
		c->reset_sticky = false; /* sticky until read */
	} else if (b->ctrl.reset_held || b->nreset_asserted) {
		v |= DHCSR_S_RESET_ST; /* held in reset */
	}
	if (c->retire_sticky) {
		v |= DHCSR_S_RETIRE_ST;
		c->retire_sticky = false;
	}
	return v;
}

static void dhcsr_write(struct simboard *b, uint32_t val)
{
	struct core *c = &b->core;
	if ((val & 0xFFFF0000u) != DHCSR_KEY)
		return; /* writes without the key are ignored */
	uint32_t ctrl = val & (DHCSR_C_DEBUGEN | DHCSR_C_HALT | DHCSR_C_STEP | DHCSR_C_MASKINTS);
	if (!(ctrl & DHCSR_C_DEBUGEN))
		ctrl = 0; /* C_HALT/C_STEP need C_DEBUGEN; clearing it resumes */
	c->dhcsr_ctrl = ctrl;
	if (ctrl & DHCSR_C_HALT) {
		if (!c->halted)
			enter_halt(b, DFSR_HALTED);
		return;
	}
	if (!c->halted)
		return;
	if (ctrl & DHCSR_C_STEP)
		step(b);
	else
		leave_halt(b);
}

static void dcrsr_write(struct simboard *b, uint32_t val)
{
	struct core *c = &b->core;
	if (!c->halted)
		return; /* register transfer only in debug state */
	regrdy_expire(b);
	if (c->regrdy_busy)
		return; /* a transfer still in progress: UNPREDICTABLE, lost here */
	uint32_t *slot = reg_slot(&c->regs, val & 0x7Fu);
	c->regrdy_busy = b->cfg.quirks.regrdy_busy_reads ? b->cfg.quirks.regrdy_busy_reads : 1;
	c->regrdy_done_ns = b->now_ns + REGRDY_BUSY_NS;
	if (val & DCRSR_REGWNR) {
		if (slot)
			*slot = c->dcrdr;
	} else {
		c->dcrdr = slot ? *slot : 0;
	}
}

/*
 * FPB and DWT: register model with the nRF91's comparator counts
 * (docs/hardware/nrf91.md, "Core debug"), so a debugger discovers them as on
 * silicon. FP_CTRL: ENABLE bit 0, NUM_CODE [14:12]:[7:4], NUM_LIT [11:8],
 * REV [31:28] = 1 (FPB version 2, ARMv8-M); DWT_CTRL.NUMCOMP [31:28];
 * DWT_COMPn at 0x20 + 16n, DWT_FUNCTIONn at 0x28 + 16n (OpenOCD cortex_m.c
 * decodes the same fields). The comparators are stored, but the emulated
 * core does not stop on them (not modeled; the host never sets them).
 */
#define FPB_CTRL      0xE0002000u
#define FPB_COMP0     0xE0002008u
#define DWT_CTRL      0xE0001000u
#define DWT_COMP0     0xE0001020u
#define SIM_FPB_CODE  8u
#define SIM_DWT_COMPS 4u

static bool dwt_slot(uint32_t addr, unsigned *n, unsigned *w)
{
	if (addr < DWT_COMP0 || addr >= DWT_COMP0 + 16u * SIM_DWT_COMPS)
		return false;
	uint32_t off = addr - DWT_COMP0;
	*n = off / 16u;
	*w = (off % 16u) / 4u; /* 0 COMP, 2 FUNCTION */
	return *w == 0 || *w == 2;
}

static bool fpb_dwt_read(struct core *c, uint32_t addr, uint32_t *val)
{
	unsigned n, w;
	if (addr == FPB_CTRL) {
		*val = 1u << 28 | (SIM_FPB_CODE & 0xFu) << 4 | ((SIM_FPB_CODE >> 4) & 7u) << 12 |
		       (c->fp_ctrl & 1u);
	} else if (addr >= FPB_COMP0 && addr < FPB_COMP0 + 4u * SIM_FPB_CODE) {
		*val = c->fp_comp[(addr - FPB_COMP0) / 4u];
	} else if (addr == DWT_CTRL) {
		*val = SIM_DWT_COMPS << 28;
	} else if (dwt_slot(addr, &n, &w)) {
		*val = c->dwt_comp[n][w == 0 ? 0 : 1];
	} else {
		return false;
	}
	return true;
}

static bool fpb_dwt_write(struct core *c, uint32_t addr, uint32_t val)
{
	unsigned n, w;
	if (addr == FPB_CTRL) {
		if (val & 2u) /* KEY must be written as 1 for the write to take */
			c->fp_ctrl = val & 1u;
	} else if (addr >= FPB_COMP0 && addr < FPB_COMP0 + 4u * SIM_FPB_CODE) {
		c->fp_comp[(addr - FPB_COMP0) / 4u] = val;
	} else if (dwt_slot(addr, &n, &w)) {
		c->dwt_comp[n][w == 0 ? 0 : 1] = val;
	} else {
		return false;
	}
	return true;
}

enum simbus_result core_ppb_read(struct simboard *b, uint32_t addr, uint32_t *val)
{
	struct core *c = &b->core;
	if (fpb_dwt_read(c, addr, val))
		return SIMBUS_OK;
	switch (addr) {
	case SCS_CPUID:
		*val = SIM_CPUID;
		break;
	case SCS_AIRCR:
		*val = AIRCR_VECTKEYSTAT | c->aircr_prigroup << 8;
		break;
	case SCS_DFSR:
		*val = c->dfsr;
		break;
	case SCS_HFSR:
		*val = c->hfsr;
		break;
	case SCS_DHCSR:
		*val = dhcsr_read(b);
		break;
	case SCS_DCRDR:
		*val = c->dcrdr;
		break;
	case SCS_DEMCR:
		*val = c->demcr;
		break;
	case SCS_DSCSR:
		*val = c->dscsr;
		break;
	default:
		*val = 0; /* unmodeled system/debug registers read as zero */
		break;
	}
	return SIMBUS_OK;
}

enum simbus_result core_ppb_write(struct simboard *b, uint32_t addr, uint32_t val)
{
	struct core *c = &b->core;
	if (fpb_dwt_write(c, addr, val))
		return SIMBUS_OK;
	switch (addr) {
	case SCS_AIRCR:
		if ((val & 0xFFFF0000u) != AIRCR_VECTKEY)
			break;
		c->aircr_prigroup = (val >> 8) & 7u;
		if (val & AIRCR_SYSRESETREQ)
			board_system_reset(b, BOARD_RESET_SYSRESETREQ);
		break;
	case SCS_DFSR:
		c->dfsr &= ~val; /* write one to clear */
		break;
	case SCS_HFSR:
		c->hfsr &= ~val; /* write one to clear */
		break;
	case SCS_DHCSR:
		dhcsr_write(b, val);
		break;
	case SCS_DCRSR:
		dcrsr_write(b, val);
		break;
	case SCS_DCRDR:
		regrdy_expire(b);
		if (!c->regrdy_busy) /* see dhcsr_read */
			c->dcrdr = val;
		break;
	case SCS_DEMCR:
		c->demcr = val & 0x010F0FF1u;
		break;
	case SCS_DSCSR:
		c->dscsr = val & 0x00030003u;
		break;
	default:
		break;
	}
	return SIMBUS_OK;
}
