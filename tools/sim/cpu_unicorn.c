/*
 * The simulated nRF91's application core: a Cortex-M33 emulated by Unicorn 2
 * (UC_ARCH_ARM, Thumb + M-class, CPU model UC_CPU_ARM_CORTEX_M33), behind
 * the interface of cpu.h. Part of the board model: it maps the board's own
 * flash and RAM buffers (board_impl.h), so the debugger (AHB-AP) and the CPU
 * see the same bytes.
 *
 * Memory:
 *   flash 0..1 MB    the board's flash (the mapped state file, state.h),
 *                    read/execute only. A CPU store to flash is caught
 *                    (UC_HOOK_MEM_WRITE_PROT), undone and replayed through the
 *                    bus, i.e. through the NVMC rules (CONFIG.WEN, 1 -> 0 only,
 *                    busy time), before the next instruction; a store the NVMC
 *                    cannot take yet (READYNEXT = 0) waits for it, and so does
 *                    every fetch or read of flash while a word is written
 *                    (nvmc.c has the sources). Unicorn has
 *                    written the raw value by then, so a process killed inside
 *                    that one instruction leaves it in the file; a private
 *                    copy for Unicorn would close the window at the price of
 *                    a second copy of every NVMC change.
 *   RAM              host buffer, read/write/execute.
 *   FICR/UICR, peripherals (incl. NVMC, the modem mailbox), PPB
 *                    MMIO callbacks into simbus_read/simbus_write.
 * Time: during a run slice the bus sees the CPU's own modeled time (slice
 * start + instructions / cpu_hz), not the slice end, so an NVMC word write or
 * a modem command started mid-slice completes mid-slice. A poll of the modem
 * mailbox STATUS or of NVMC READY/READYNEXT while busy skips the CPU's time
 * to the completion instead of emulating the spin loop: the read returns
 * busy and the next instruction runs at the completion. If that lies beyond
 * the slice, the run stops with SIMCPU_STOP_SLEEP / SIMCPU_STOP_STALL; for
 * the NVMC the core then resumes at the completion (resume_at_ns), as it
 * would inside the slice.
 * A spin on RAM (the flash loader waiting for its next slot, a firmware
 * waiting for the host's mailbox word) is skipped too, exactly: see "spins".
 * Exceptions: there is no exception model (Unicorn hands them to a hook).
 * BKPT halts (SIMCPU_STOP_BREAKPOINT); any other exception, an unmapped
 * access, a bus error or running with EPSR.T = 0 is reported as
 * SIMCPU_STOP_LOCKUP (harsher than a HardFault handler that could recover).
 */
#include <stdlib.h>
#include <string.h>
#include <unicorn/unicorn.h>

#include "board_impl.h"
#include "cpu.h"
#include "modem.h"
#include "nrfcred/sim_mailbox.h"

#define FICR_UICR_BASE 0x00FF0000u
#define FICR_UICR_SIZE 0x00010000u
#define PERIPH_BASE    0x40000000u
#define PERIPH_SIZE    0x20000000u
#define MAX_PENDING    16
#define SIM_CODE_PAGE  0x1000u /* granule of the dirty range below */
#define EXCP_BKPT      7 /* QEMU's exception number for BKPT (target/arm/cpu.h) */
#define XPSR_T	       0x01000000u

struct pending_write {
	uint32_t addr;
	unsigned size;
	uint32_t val;
	uint8_t old[4];
	bool undone; /* Unicorn's raw store has been put back */
};

struct mmio_region {
	struct simcpu *cpu;
	uint32_t base;
};

struct simcpu {
	struct simboard *b;
	uc_engine *uc;
	struct simmodem *modem;
	struct simmodem_params modem_params;
	struct mmio_region regions[3];
	struct simcpu_regs last; /* registers as last read or written */
	bool flush_code;	 /* memory may have changed under translated code */
	/* Flash the core itself programmed since the last flush: [lo, hi). Only
	 * those pages lose their translations; dropping all 1 MB after every
	 * slice that wrote a word made a flash loader run spend most of the
	 * simulator's CPU in Unicorn's cache invalidation (tools/bench). */
	uint32_t dirty_lo, dirty_hi;
	/* The core fetched from flash since its translations there were last
	 * dropped: only then can a programmed page hold code to drop (a
	 * loader runs from RAM; each drop cost Unicorn a range walk per
	 * slice, tools/bench callgrind). */
	bool flash_code;
	uint64_t mmio_accesses; /* peripheral reads and writes (spin detection) */
	uint64_t spin_skips;	/* slices ended as a spin */
	struct {
		bool armed;
		uint32_t pc;  /* where the snapshot was taken */
		unsigned len; /* instructions since */
		uint64_t mmio;
		uint32_t regs[16];
		/* The registers of a core that ended its last slice as a
		 * spin at pc, not run nor written since: the next slice's first
		 * snapshot, without reading them again (uc_reg_read_batch ~520
		 * host instructions, once per slice of a waiting loader). */
		bool parked;
		uint32_t parked_pc;
		uint32_t parked_regs[16];
		uint64_t parked_gen; /* the board's mem_gen when it parked */
	} spin;
	/* current run slice */
	uint64_t budget, executed, consumed; /* consumed = executed + skipped */
	uint64_t slice_end_ns;
	bool stop_sleep, stop_stall, stop_break, stop_lockup;
	struct pending_write pending[MAX_PENDING];
	unsigned n_pending;
	/* simcpu_watch_store: the word asked for and the hook installed for
	 * it; they differ until the next run slice applies the request. */
	uint32_t watch_addr, watched_addr;
	uint32_t watch_words, watched_words;
	uc_hook watch_hook;
	/* A CPU read of flash, or a poll of the busy NVMC, waited past the
	 * end of a slice (nvmc.c): the core runs again from this modeled time. */
	uint64_t resume_at_ns;
	/* EPSR.T. Unicorn runs M-profile code as Thumb whatever it holds, so
	 * the state is kept here: from the reset vector's bit 0 or a
	 * debugger's xPSR write (ARMv8-M ARM, EPSR.T). */
	bool epsr_t;
};

static struct simbus_attr cpu_attr(void)
{
	/* The core boots secure and this firmware never leaves secure state. */
	return (struct simbus_attr){.debugger = false, .nonsecure = false};
}

/* ---- time */

static uint64_t ns_per_instructions(const struct simcpu *c, uint64_t n)
{
	uint32_t hz = c->b->cfg.timing.cpu_hz ? c->b->cfg.timing.cpu_hz : 1;
	return (uint64_t)((unsigned __int128)n * 1000000000u / hz);
}

/* The CPU's modeled time: the slice ends at slice_end_ns after `budget`
 * instructions; `consumed` of them are behind us. */
static uint64_t local_now(const struct simcpu *c)
{
	uint64_t left = c->consumed >= c->budget ? 0 : c->budget - c->consumed;
	uint64_t back = ns_per_instructions(c, left);
	return back > c->slice_end_ns ? 0 : c->slice_end_ns - back;
}

/* Skips the CPU forward to modeled time t (an idle wait); false when t lies
 * beyond the slice (the run must stop). */
static bool skip_to(struct simcpu *c, uint64_t t)
{
	if (t > c->slice_end_ns) {
		c->consumed = c->budget;
		return false;
	}
	uint64_t now = local_now(c);
	if (t > now) {
		uint32_t hz = c->b->cfg.timing.cpu_hz ? c->b->cfg.timing.cpu_hz : 1;
		uint64_t n =
			(uint64_t)(((unsigned __int128)(t - now) * hz + 999999999u) / 1000000000u);
		c->consumed += n;
	}
	return true;
}

/* Bus accesses see the CPU's time; the board's clock is restored after. */
static enum simbus_result bus_read(struct simcpu *c, uint32_t addr, unsigned size, uint32_t *val)
{
	uint64_t saved = c->b->now_ns;
	uint64_t t = local_now(c);
	if (t < saved)
		c->b->now_ns = t;
	enum simbus_result r = simbus_read(c->b, addr, size, val, cpu_attr());
	c->b->now_ns = saved;
	return r;
}

static enum simbus_result bus_write(struct simcpu *c, uint32_t addr, unsigned size, uint32_t val)
{
	uint64_t saved = c->b->now_ns;
	uint64_t t = local_now(c);
	if (t < saved)
		c->b->now_ns = t;
	enum simbus_result r = simbus_write(c->b, addr, size, val, cpu_attr());
	c->b->now_ns = saved;
	return r;
}

/* ---- hooks */

/* Evaluates NVMC state at the CPU's own time. */
static uint64_t enter_cpu_time(struct simcpu *c)
{
	uint64_t saved = c->b->now_ns;
	uint64_t t = local_now(c);
	if (t < saved)
		c->b->now_ns = t;
	return saved;
}

/*
 * A store to flash the NVMC cannot take yet (READYNEXT = 0, or an erase
 * running) waits until it can, as the CPU's store stalls on silicon
 * (nvmc.c: OpenOCD's nrf5 loader relies on it). Returns false when the wait
 * lies beyond this slice: the store stays pending, the slice stops before
 * the next instruction and the next one retries it first.
 */
static bool write_through_nvmc(struct simcpu *c, struct pending_write *p)
{
	for (;;) {
		enum simbus_result r = bus_write(c, p->addr, p->size, p->val);
		if (r == SIMBUS_ERROR)
			c->stop_lockup = true; /* BusFault; no exception model */
		if (r != SIMBUS_STALL)
			return true;
		uint64_t saved = enter_cpu_time(c);
		uint64_t now = c->b->now_ns;
		uint64_t at = nvmc_accept_at(c->b, p->addr);
		c->b->now_ns = saved;
		if (at <= now)
			return true; /* no end to wait for: the store is lost */
		if (!skip_to(c, at))
			return false;
	}
}

static void apply_pending_writes(struct simcpu *c)
{
	unsigned done = 0;
	for (; done < c->n_pending; done++) {
		struct pending_write *p = &c->pending[done];
		/* Unicorn already stored the raw value: put the old bytes back and
		 * let the NVMC decide what the store really does. */
		if (!p->undone) {
			memcpy(c->b->st.flash + p->addr, p->old, p->size);
			p->undone = true;
		}
		if (!write_through_nvmc(c, p)) {
			c->stop_stall = true;
			break;
		}
	}
	/* Code in a page the CPU programmed is re-translated, but only once the
	 * slice ends (never drop translations from inside a hook). */
	for (unsigned i = 0; i < done; i++) {
		uint32_t lo = c->pending[i].addr & ~(SIM_CODE_PAGE - 1u);
		uint32_t hi = lo + SIM_CODE_PAGE;
		if (c->dirty_hi == 0 || lo < c->dirty_lo)
			c->dirty_lo = lo;
		if (hi > c->dirty_hi)
			c->dirty_hi = hi;
	}
	for (unsigned i = done; i < c->n_pending; i++)
		c->pending[i - done] = c->pending[i];
	c->n_pending -= done;
	if (c->stop_lockup || c->stop_stall)
		uc_emu_stop(c->uc);
}

/* ---- spins
 *
 * A core polling RAM that only the debugger writes repeats one state until
 * the next USB transfer (the debugger's accesses happen between run slices),
 * yet emulating it costs more host time per instruction than the 1/cpu_hz it
 * models: 32 boards of a flash loader waiting for the host could not keep up
 * with real time on two cores, and a host that fell behind made its loader
 * spin longer still (tools/bench, 32 slots). So, sampled every
 * SPIN_ARM_EVERY instructions: when the core comes back to the same PC with
 * the same registers and flags, having run only instructions that neither
 * store nor branch via the stack nor touch a peripheral, the rest of the
 * slice would repeat that state exactly, and it is consumed as time without
 * being executed. Exact, not a heuristic: RAM and flash change only by
 * stores, there is no interrupt model, and a peripheral access disarms it.
 * A loop that counts (registers change) runs as before. */
#define SPIN_ARM_EVERY 1024u
#define SPIN_MAX_LEN   32u

static const int spin_reg_ids[16] = {
	UC_ARM_REG_R0,	UC_ARM_REG_R1,	UC_ARM_REG_R2,	UC_ARM_REG_R3,	UC_ARM_REG_R4,	UC_ARM_REG_R5,
	UC_ARM_REG_R6,	UC_ARM_REG_R7,	UC_ARM_REG_R8,	UC_ARM_REG_R9,	UC_ARM_REG_R10, UC_ARM_REG_R11,
	UC_ARM_REG_R12, UC_ARM_REG_SP,	UC_ARM_REG_LR,	UC_ARM_REG_XPSR,
};

static void spin_regs(struct simcpu *c, uint32_t out[16])
{
	void *ptrs[16];
	int ids[16];
	for (int i = 0; i < 16; i++) {
		ptrs[i] = &out[i];
		ids[i] = spin_reg_ids[i];
		out[i] = 0;
	}
	uc_reg_read_batch(c->uc, ids, ptrs, 16);
}

/* Thumb instructions that cannot store, access memory other than by a load,
 * or change anything but registers and flags (ARMv8-M ARM, Thumb encoding
 * tables); anything else, a store among it, ends the watch. */
static bool spin_safe_16(uint16_t hw)
{
	if (hw >> 13 == 0 || hw >> 13 == 1 || hw >> 10 == 0x10)
		return true; /* shifts, add/sub, mov/cmp imm8, data processing */
	if (hw >> 10 == 0x11)
		return (hw & 0xFF00u) != 0x4700u; /* hi-register ops; not BX/BLX */
	if (hw >> 11 == 0x09)
		return true; /* LDR literal */
	if (hw >> 12 == 0x5)
		return ((hw >> 9) & 7u) >= 3u; /* register-offset loads only */
	if (hw >> 11 == 0x0D || hw >> 11 == 0x0F || hw >> 11 == 0x11 || hw >> 11 == 0x13)
		return true; /* LDR/LDRB/LDRH imm, LDR SP-relative */
	if ((hw & 0xF500u) == 0xB100u || (hw & 0xFF00u) == 0xB200u || (hw & 0xFF00u) == 0xBA00u)
		return true; /* CBZ/CBNZ, extend, reverse */
	if ((hw & 0xFF00u) == 0xBF00u)
		return hw == 0xBF00u || (hw & 0xFu) != 0; /* NOP, IT */
	if (hw >> 12 == 0xD)
		return ((hw >> 8) & 0xFu) < 0xEu; /* conditional branch */
	return hw >> 11 == 0x1C;		  /* B */
}

static bool spin_safe_32(uint16_t hw1, uint16_t hw2)
{
	if ((hw1 & 0xFE00u) == 0xEA00u || (hw1 & 0xFE00u) == 0xFA00u)
		return true; /* data processing (shifted) register, multiply */
	if ((hw1 & 0xF800u) == 0xF000u) {
		if (!(hw2 & 0x8000u))
			return true; /* data processing, immediate */
		if ((hw2 & 0xD000u) == 0x9000u)
			return true; /* B.W */
		if ((hw2 & 0xD000u) == 0x8000u)
			return ((hw1 >> 6) & 0xFu) < 0xEu; /* B<cond>.W, not MSR/MRS/misc */
		return false;			   /* BL, BLX */
	}
	return (hw1 & 0xFE00u) == 0xF800u && (hw1 & 0x0010u); /* loads, hints */
}

/* The instruction's bytes straight from the buffers Unicorn maps (flash and
 * RAM are the board's own, uc_mem_map_ptr): uc_mem_read cost ~440 host
 * instructions per call, a quarter of the core's time in a flash loader run
 * (tools/bench, callgrind). Code anywhere else is not spin-safe. */
static const uint8_t *code_bytes(const struct simcpu *c, uint64_t address, uint32_t size)
{
	/* Unsigned: an address below a base wraps far above its size. */
	if (address - SIM_FLASH_BASE + size <= SIM_FLASH_SIZE)
		return c->b->st.flash + (address - SIM_FLASH_BASE);
	if (address - SIM_RAM_BASE + size <= SIM_RAM_SIZE)
		return c->b->ram + (address - SIM_RAM_BASE);
	return NULL;
}

static bool spin_safe(struct simcpu *c, uint64_t address, uint32_t size)
{
	const uint8_t *b = size == 2 || size == 4 ? code_bytes(c, address, size) : NULL;
	if (!b)
		return false;
	uint16_t hw1 = (uint16_t)(b[0] | b[1] << 8);
	return size == 2 ? spin_safe_16(hw1) : spin_safe_32(hw1, (uint16_t)(b[2] | b[3] << 8));
}

/* True when the rest of the slice is a spin (consumed; the core stays at
 * this instruction, unexecuted). Out of line: hook_code runs for every
 * instruction, and most of them only count. */
static __attribute__((noinline)) bool spin_watch(struct simcpu *c, uint64_t address, uint32_t size)
{
	if (!c->spin.armed) {
		if ((c->executed & (SPIN_ARM_EVERY - 1u)) != 0)
			return false;
		c->spin.armed = true;
		c->spin.pc = (uint32_t)address;
		c->spin.len = 0;
		c->spin.mmio = c->mmio_accesses;
		if (c->spin.parked && c->executed == 0 && (uint32_t)address == c->spin.parked_pc)
			memcpy(c->spin.regs, c->spin.parked_regs, sizeof(c->spin.regs));
		else
			spin_regs(c, c->spin.regs);
		c->spin.parked = false;
	} else if ((uint32_t)address == c->spin.pc) {
		uint32_t now[16];
		spin_regs(c, now);
		c->spin.armed = false;
		/* A word the NVMC is still writing lands during the slice: the
		 * loads could then see it, so the state is not a fixed point. */
		if (c->spin.mmio == c->mmio_accesses && c->n_pending == 0 &&
		    c->b->nvmc.n_inflight == 0 && memcmp(now, c->spin.regs, sizeof(now)) == 0) {
			c->consumed = c->budget;
			c->spin_skips++;
			/* The core stays at this instruction with these registers. */
			c->spin.parked = true;
			c->spin.parked_gen = c->b->mem_gen;
			c->spin.parked_pc = (uint32_t)address;
			memcpy(c->spin.parked_regs, now, sizeof(now));
			return true;
		}
		return false;
	}
	if (++c->spin.len > SPIN_MAX_LEN || !spin_safe(c, address, size))
		c->spin.armed = false;
	return false;
}

/*
 * The CPU's access to the flash array while the NVMC writes a word waits
 * until READY (nvmc.c, nRF52810/nRF52820 PS NVMC), then sees the words
 * stored. Returns false when that lies beyond this slice. A fetch is simply
 * not made then (the instruction runs in a later slice); a data read is
 * already under way inside its instruction, so with `commit` the words
 * are stored for it now and the core resumes at their end (resume_at_ns).
 */
static bool wait_for_flash(struct simcpu *c, bool commit)
{
	struct simboard *b = c->b;
	uint64_t saved = enter_cpu_time(c);
	nvmc_commit_due(b);
	uint64_t at = nvmc_writing(b) ? nvmc_ready_at(b, true) : 0;
	b->now_ns = saved;
	if (!at)
		return true;
	bool in_slice = skip_to(c, at);
	if (!in_slice && !commit)
		return false;
	b->now_ns = at;
	nvmc_commit_due(b);
	b->now_ns = saved;
	if (!in_slice)
		c->resume_at_ns = at;
	return in_slice;
}

/* Unicorn calls this before every instruction; stopping here means the
 * instruction does not run (measured with 2.0.1), so it is counted after. */
static __attribute__((noinline)) void hook_code_slow(uc_engine *uc, uint64_t address,
						     uint32_t size, struct simcpu *c)
{
	if (c->n_pending)
		apply_pending_writes(c);
	/* Unicorn calls this before the instruction; stopping here means the
	 * instruction does not run (measured with 2.0.1), so count after. */
	if (c->n_pending || c->stop_lockup) {
		uc_emu_stop(uc);
		return;
	}
	if (c->b->nvmc.n_inflight && address < SIM_FLASH_SIZE && !wait_for_flash(c, false)) {
		c->stop_stall = true;
		uc_emu_stop(uc);
		return;
	}
	if (c->consumed >= c->budget || spin_watch(c, address, size)) {
		uc_emu_stop(uc);
		return;
	}
	c->executed++;
	c->consumed++;
}

static void hook_code(uc_engine *uc, uint64_t address, uint32_t size, void *user)
{
	struct simcpu *c = user;
	c->flash_code |= address < SIM_FLASH_SIZE;
	/* The common case, nothing to apply, stop or watch, without a call
	 * (hook_code_slow is the same steps in full). A word in flight only
	 * holds fetches from flash: a loader running from RAM keeps the fast
	 * path while the NVMC writes. */
	if (c->n_pending == 0 && c->consumed < c->budget && !c->spin.armed &&
	    (c->executed & (SPIN_ARM_EVERY - 1u)) != 0 &&
	    (c->b->nvmc.n_inflight == 0 || address >= SIM_FLASH_SIZE) && !c->stop_lockup) {
		c->executed++;
		c->consumed++;
		return;
	}
	hook_code_slow(uc, address, size, c);
}

static bool hook_flash_write(uc_engine *uc, uc_mem_type type, uint64_t address, int size,
			     int64_t value, void *user)
{
	(void)uc;
	(void)type;
	struct simcpu *c = user;
	if (address + (uint64_t)size > SIM_FLASH_SIZE || size <= 0 || size > 4 ||
	    c->n_pending >= MAX_PENDING) {
		c->stop_lockup = true;
		uc_emu_stop(uc);
		return false;
	}
	struct pending_write *p = &c->pending[c->n_pending++];
	p->addr = (uint32_t)address;
	p->size = (unsigned)size;
	p->val = (uint32_t)value;
	memcpy(p->old, c->b->st.flash + address, (size_t)size);
	p->undone = false;
	return true; /* let the store happen; hook_code undoes and replays it */
}

/* A data read of flash: Unicorn reads the mapped array after this hook. */
static void hook_flash_read(uc_engine *uc, uc_mem_type type, uint64_t address, int size,
			    int64_t value, void *user)
{
	(void)type;
	(void)address;
	(void)size;
	(void)value;
	struct simcpu *c = user;
	if (c->b->nvmc.n_inflight && !wait_for_flash(c, true)) {
		c->stop_stall = true;
		uc_emu_stop(uc);
	}
}

static void poll_hints(struct simcpu *c, uint32_t addr, uint32_t val)
{
	if (addr == SIM_MBOX_BASE + SIM_MBOX_STATUS && c->modem &&
	    simmodem_take_poll_hint(c->modem)) {
		if (!skip_to(c, simmodem_ready_at(c->modem))) {
			c->stop_sleep = true;
			uc_emu_stop(c->uc);
		}
		return;
	}
	bool nvmc = (addr & ~0xFFFu) == NVMC_S_BASE || (addr & ~0xFFFu) == NVMC_NS_BASE;
	if (nvmc && ((addr & 0xFFFu) == NVMC_READY || (addr & 0xFFFu) == NVMC_READYNEXT) &&
	    val == 0) {
		uint64_t saved = c->b->now_ns;
		c->b->now_ns = local_now(c) < saved ? local_now(c) : saved;
		uint64_t at = nvmc_ready_at(c->b, (addr & 0xFFFu) == NVMC_READY);
		c->b->now_ns = saved;
		if (!skip_to(c, at)) {
			/* The slices before `at` are consumed without starting
			 * Unicorn (simcpu_run). Resuming at the slice end instead
			 * re-ran the poll once per SWD transaction of the host's
			 * only to find the NVMC busy again: 200k of 207k slices of
			 * a reference board (tools/bench). */
			c->resume_at_ns = at;
			c->stop_stall = true;
			uc_emu_stop(c->uc);
		}
	}
}

/* A bus error locks the core up. A stall cannot hold a Unicorn MMIO access:
 * the slice stops and the access is lost. Only the NVMC stalls, and the
 * CPU's accesses to flash and UICR wait for it before they get here
 * (write_through_nvmc, wait_for_flash). */
static void stop_on_bus_failure(struct simcpu *c, uc_engine *uc, enum simbus_result res)
{
	if (res == SIMBUS_ERROR)
		c->stop_lockup = true;
	else if (res == SIMBUS_STALL)
		c->stop_stall = true;
	else
		return;
	uc_emu_stop(uc);
}

static uint64_t mmio_read(uc_engine *uc, uint64_t offset, unsigned size, void *user)
{
	struct mmio_region *r = user;
	struct simcpu *c = r->cpu;
	uint32_t addr = r->base + (uint32_t)offset;
	uint32_t val = 0;
	c->mmio_accesses++;
	c->spin.armed = false; /* cannot be a spin now: stop watching (see "spins") */
	if (c->n_pending)
		apply_pending_writes(c);
	if (addr >= SIM_UICR_BASE && addr - SIM_UICR_BASE < SIM_UICR_SIZE && c->b->nvmc.n_inflight &&
	    !wait_for_flash(c, true)) {
		c->stop_stall = true;
		uc_emu_stop(uc);
	}
	enum simbus_result res = bus_read(c, addr, size, &val);
	if (res == SIMBUS_OK)
		poll_hints(c, addr, val);
	else
		stop_on_bus_failure(c, uc, res);
	return val;
}

static void mmio_write(uc_engine *uc, uint64_t offset, unsigned size, uint64_t value, void *user)
{
	struct mmio_region *r = user;
	struct simcpu *c = r->cpu;
	c->mmio_accesses++;
	c->spin.armed = false;
	uint32_t addr = r->base + (uint32_t)offset;
	if (c->n_pending)
		apply_pending_writes(c);
	if (addr >= SIM_UICR_BASE && addr - SIM_UICR_BASE < SIM_UICR_SIZE &&
	    c->n_pending < MAX_PENDING) {
		/* A UICR store goes through the NVMC as a flash store does and
		 * waits as it does (nothing of it is in the array yet). */
		c->pending[c->n_pending++] = (struct pending_write){
			.addr = addr, .size = size, .val = (uint32_t)value, .undone = true};
		apply_pending_writes(c);
		return;
	}
	stop_on_bus_failure(c, uc, bus_write(c, addr, size, (uint32_t)value));
}

/* Unicorn calls this before the store lands; only stores inside the hook's
 * range get here. */
static void hook_watched_store(uc_engine *uc, uc_mem_type type, uint64_t address, int size,
			       int64_t value, void *user)
{
	(void)uc;
	(void)type;
	struct simcpu *c = user;
	if (size == 4 && address >= c->watched_addr && (address & 3u) == 0 &&
	    address - c->watched_addr < 4u * (uint64_t)c->watched_words)
		board_watched_store(c->b, (uint32_t)address, (uint32_t)value);
}

/* Installs or removes the store watch between slices, never from inside a
 * hook (a reset that re-arms it may come from a CPU store to AIRCR). */
static void apply_watch(struct simcpu *c)
{
	if (c->watch_addr == c->watched_addr && c->watch_words == c->watched_words)
		return;
	if (c->watched_addr)
		uc_hook_del(c->uc, c->watch_hook);
	c->watched_addr = 0;
	c->watched_words = 0;
	if (c->watch_addr &&
	    uc_hook_add(c->uc, &c->watch_hook, UC_HOOK_MEM_WRITE, (void *)hook_watched_store, c,
			c->watch_addr, c->watch_addr + 4u * c->watch_words - 1u) == UC_ERR_OK) {
		c->watched_addr = c->watch_addr;
		c->watched_words = c->watch_words;
	} else {
		c->watch_addr = 0; /* not retried every slice */
		c->watch_words = 0;
	}
	/* Code translated without the hook would store past it. */
	c->flush_code = true;
}

void simcpu_watch_store(struct simcpu *c, uint32_t addr, uint32_t words)
{
	c->watch_addr = words ? addr : 0;
	c->watch_words = words;
}

static void hook_intr(uc_engine *uc, uint32_t intno, void *user)
{
	struct simcpu *c = user;
	if (intno == EXCP_BKPT)
		c->stop_break = true;
	else
		c->stop_lockup = true;
	uc_emu_stop(uc);
}

/* ---- creation */

/* The board clock: during a CPU access bus_read/bus_write have set it to
 * the CPU's own time; during a debugger access it is the probe's time. */
static uint64_t modem_clock(void *ctx)
{
	return simbus_now_ns(ctx);
}

static int map_mmio(struct simcpu *c, unsigned i, uint32_t base, uint32_t size)
{
	c->regions[i] = (struct mmio_region){.cpu = c, .base = base};
	return uc_mmio_map(c->uc, base, size, mmio_read, &c->regions[i], mmio_write,
			   &c->regions[i]) == UC_ERR_OK
		       ? 0
		       : -1;
}

static int setup_modem(struct simcpu *c)
{
	struct simboard *b = c->b;
	struct simboard_blob blob;
	simboard_modem_store(b, &blob);
	c->modem_params = (struct simmodem_params){
		.imei = simboard_imei(b),
		.modem_fw = simboard_modem_fw(b),
		.device_id = simboard_device_id(b),
		.part = simboard_part(b),
		.timing = simboard_timing(b),
		.faults = simboard_faults(b),
		.store = blob.data,
		.store_len = blob.length,
		.store_cap = (uint32_t)blob.capacity,
		.now_ns = modem_clock,
		.clock_ctx = b,
	};
	c->modem = simmodem_create(&c->modem_params);
	if (!c->modem)
		return -1;
	return simbus_map(b, SIM_MBOX_BASE, SIM_MBOX_SIZE, simmodem_mmio_read, simmodem_mmio_write,
			  c->modem);
}

struct simcpu *simcpu_create(struct simboard *board)
{
	struct simcpu *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->b = board;
	uc_hook h;
	if (uc_open(UC_ARCH_ARM, UC_MODE_THUMB | UC_MODE_MCLASS, &c->uc) != UC_ERR_OK)
		goto fail;
	if (uc_ctl_set_cpu_model(c->uc, UC_CPU_ARM_CORTEX_M33) != UC_ERR_OK)
		goto fail;
	/* Slices end by uc_emu_stop only, never at an address: an empty set of
	 * exits. With uc_emu_start's `until` instead, every slice ended with
	 * Unicorn dropping the translation at that address, a failed page walk
	 * for an unmapped one (~770 host instructions per slice, tools/bench
	 * callgrind). */
	if (uc_ctl_exits_enable(c->uc) != UC_ERR_OK)
		goto fail;
	if (uc_mem_map_ptr(c->uc, SIM_FLASH_BASE, SIM_FLASH_SIZE, UC_PROT_READ | UC_PROT_EXEC,
			   board->st.flash) != UC_ERR_OK ||
	    uc_mem_map_ptr(c->uc, SIM_RAM_BASE, SIM_RAM_SIZE, UC_PROT_ALL, board->ram) != UC_ERR_OK)
		goto fail;
	if (map_mmio(c, 0, FICR_UICR_BASE, FICR_UICR_SIZE) != 0 ||
	    map_mmio(c, 1, PERIPH_BASE, PERIPH_SIZE) != 0 ||
	    map_mmio(c, 2, SIM_PPB_BASE, SIM_PPB_SIZE) != 0)
		goto fail;
	if (uc_hook_add(c->uc, &h, UC_HOOK_CODE, (void *)hook_code, c, 1, 0) != UC_ERR_OK ||
	    uc_hook_add(c->uc, &h, UC_HOOK_MEM_WRITE_PROT, (void *)hook_flash_write, c,
			SIM_FLASH_BASE, SIM_FLASH_BASE + SIM_FLASH_SIZE - 1) != UC_ERR_OK ||
	    uc_hook_add(c->uc, &h, UC_HOOK_MEM_READ, (void *)hook_flash_read, c, SIM_FLASH_BASE,
			SIM_FLASH_BASE + SIM_FLASH_SIZE - 1) != UC_ERR_OK ||
	    uc_hook_add(c->uc, &h, UC_HOOK_INTR, (void *)hook_intr, c, 1, 0) != UC_ERR_OK)
		goto fail;
	if (setup_modem(c) != 0)
		goto fail;
	return c;
fail:
	simcpu_destroy(c);
	return NULL;
}

void simcpu_destroy(struct simcpu *c)
{
	if (!c)
		return;
	if (c->uc)
		uc_close(c->uc);
	simmodem_destroy(c->modem);
	free(c);
}

const char *simcpu_name(void)
{
	return "unicorn";
}

/* ---- registers */

static const int core_regs[13] = {
	UC_ARM_REG_R0,	UC_ARM_REG_R1,	UC_ARM_REG_R2,	UC_ARM_REG_R3, UC_ARM_REG_R4,
	UC_ARM_REG_R5,	UC_ARM_REG_R6,	UC_ARM_REG_R7,	UC_ARM_REG_R8, UC_ARM_REG_R9,
	UC_ARM_REG_R10, UC_ARM_REG_R11, UC_ARM_REG_R12,
};

static uint32_t rd(struct simcpu *c, int reg)
{
	uint32_t v = 0;
	uc_reg_read(c->uc, reg, &v);
	return v;
}

static void wr(struct simcpu *c, int reg, uint32_t v)
{
	c->spin.parked = false;
	uc_reg_write(c->uc, reg, &v);
}

void simcpu_get_regs(struct simcpu *c, struct simcpu_regs *regs)
{
	memset(regs, 0, sizeof(*regs));
	for (int i = 0; i < 13; i++)
		regs->r[i] = rd(c, core_regs[i]);
	regs->sp = rd(c, UC_ARM_REG_SP);
	regs->lr = rd(c, UC_ARM_REG_LR);
	regs->pc = rd(c, UC_ARM_REG_PC) & ~1u;
	regs->xpsr = (rd(c, UC_ARM_REG_XPSR) & ~XPSR_T) | (c->epsr_t ? XPSR_T : 0);
	regs->msp = rd(c, UC_ARM_REG_MSP);
	regs->psp = rd(c, UC_ARM_REG_PSP);
	uint32_t control = rd(c, UC_ARM_REG_CONTROL), faultmask = rd(c, UC_ARM_REG_FAULTMASK);
	uint32_t basepri = rd(c, UC_ARM_REG_BASEPRI), primask = rd(c, UC_ARM_REG_PRIMASK);
	regs->special = (control & 0xFFu) << 24 | (faultmask & 0xFFu) << 16 |
			(basepri & 0xFFu) << 8 | (primask & 0xFFu);
	/* Secure state only: the secure banked copies are the live ones. */
	regs->msp_s = regs->msp;
	regs->psp_s = regs->psp;
	regs->special_s = regs->special;
	/* The M33 model has the single-precision FPU (REGSEL 0x21, 0x40..). */
	regs->fpscr = rd(c, UC_ARM_REG_FPSCR);
	for (int i = 0; i < 32; i++)
		regs->s[i] = rd(c, UC_ARM_REG_S0 + i);
	c->last = *regs;
}

void simcpu_set_regs(struct simcpu *c, const struct simcpu_regs *regs)
{
	for (int i = 0; i < 13; i++)
		wr(c, core_regs[i], regs->r[i]);
	wr(c, UC_ARM_REG_LR, regs->lr);
	wr(c, UC_ARM_REG_XPSR, regs->xpsr);
	/* The debugger's xPSR sets EPSR.T; DebugReturnAddress bit 0 does not
	 * (ARMv8-M ARM, DCRSR: PC writes ignore bit 0). */
	c->epsr_t = (regs->xpsr & XPSR_T) != 0;
	uint32_t special = regs->special != c->last.special ? regs->special : regs->special_s;
	wr(c, UC_ARM_REG_PRIMASK, special & 0xFFu);
	wr(c, UC_ARM_REG_BASEPRI, (special >> 8) & 0xFFu);
	wr(c, UC_ARM_REG_FAULTMASK, (special >> 16) & 0xFFu);
	wr(c, UC_ARM_REG_CONTROL, (special >> 24) & 0xFFu);
	/* The debugger may have written SP (REGSEL 13) or MSP/PSP (17/18, or
	 * the secure banked 0x1A/0x1B): apply the one that changed, the banked
	 * ones first so that a direct SP write wins for the active stack. */
	uint32_t msp = regs->msp != c->last.msp ? regs->msp : regs->msp_s;
	uint32_t psp = regs->psp != c->last.psp ? regs->psp : regs->psp_s;
	wr(c, UC_ARM_REG_MSP, msp);
	wr(c, UC_ARM_REG_PSP, psp);
	if (regs->sp != c->last.sp)
		wr(c, UC_ARM_REG_SP, regs->sp);
	wr(c, UC_ARM_REG_FPSCR, regs->fpscr);
	for (int i = 0; i < 32; i++)
		wr(c, UC_ARM_REG_S0 + i, regs->s[i]);
	wr(c, UC_ARM_REG_PC, regs->pc | 1u);
	c->last = *regs;
	/* Resuming from debug state: the debugger may have rewritten memory. */
	c->flush_code = true;
	/* and a wait for the NVMC belonged to the code that polled: the core
	 * (a new PC maybe, a single step) polls again if it still needs to. */
	c->resume_at_ns = 0;
}

void simcpu_reset(struct simcpu *c, uint32_t sp, uint32_t pc)
{
	for (int i = 0; i < 13; i++)
		wr(c, core_regs[i], 0);
	wr(c, UC_ARM_REG_CONTROL, 0);
	wr(c, UC_ARM_REG_PRIMASK, 0);
	wr(c, UC_ARM_REG_BASEPRI, 0);
	wr(c, UC_ARM_REG_FAULTMASK, 0);
	wr(c, UC_ARM_REG_MSP, sp);
	wr(c, UC_ARM_REG_PSP, 0);
	wr(c, UC_ARM_REG_SP, sp);
	wr(c, UC_ARM_REG_LR, 0xFFFFFFFFu);
	wr(c, UC_ARM_REG_XPSR, XPSR_T);
	wr(c, UC_ARM_REG_PC, pc | 1u);
	/* EPSR.T comes from bit 0 of the reset vector (ARMv8-M ARM, reset
	 * behaviour): an even vector starts the core in ARM state, which
	 * faults on its first instruction. */
	c->epsr_t = (pc & 1u) != 0;
	c->n_pending = 0;
	c->resume_at_ns = 0;
	c->flush_code = true;
	/* A system reset resets the whole SiP, the modem included. */
	if (c->modem)
		simmodem_reset(c->modem);
	struct simcpu_regs r;
	simcpu_get_regs(c, &r);
}

/* ---- running */

bool simcpu_spinning(const struct simcpu *c)
{
	return c->spin.parked;
}

static bool sleeping_instruction(struct simcpu *c, uint32_t pc)
{
	if (pc < 2)
		return false;
	uint16_t insn = 0;
	if (uc_mem_read(c->uc, pc - 2, &insn, 2) != UC_ERR_OK)
		return false;
	return insn == 0xBF30u /* WFI */ || insn == 0xBF20u /* WFE */;
}

uint64_t simcpu_run(struct simcpu *c, uint64_t max_instructions, enum simcpu_stop *why)
{
	*why = SIMCPU_STOP_BUDGET;
	if (max_instructions == 0)
		return 0;
	if (!c->epsr_t) {
		/* Executing with EPSR.T = 0 is an INVSTATE UsageFault, a
		 * HardFault while UsageFault is disabled (ARMv8-M ARM,
		 * "Exceptions"); no exception model: the core locks up. */
		*why = SIMCPU_STOP_LOCKUP;
		return 0;
	}
	if (nvmc_bus_stalled(c->b)) {
		*why = SIMCPU_STOP_STALL; /* errata 2: the AHB is frozen by an erase */
		return 0;
	}
	if (c->resume_at_ns > c->b->now_ns) {
		*why = SIMCPU_STOP_STALL; /* still waiting for the flash / NVMC */
		return 0;
	}
	/* Parked in a spin and nothing it could read has changed (no RAM,
	 * flash or UICR write but its own, no register write, no word in
	 * flight): the slice would run the loop once and find it a spin
	 * again. It is consumed without starting Unicorn, whose start and stop
	 * cost more than the loop (a waiting loader gets one slice per SWD
	 * transaction of the host's, tools/bench callgrind). */
	if (c->spin.parked && c->spin.parked_gen == c->b->mem_gen && c->n_pending == 0 &&
	    c->b->nvmc.n_inflight == 0 && !c->flush_code &&
	    c->watch_addr == c->watched_addr && c->watch_words == c->watched_words) {
		c->spin_skips++;
		return 0;
	}
	apply_watch(c);
	if (c->flush_code) {
		/* Drop translations of flash and RAM only: a full TB flush
		 * (uc_ctl_flush_tlb) costs ~175 ms in Unicorn 2.0.1. */
		uc_ctl_remove_cache(c->uc, SIM_FLASH_BASE, SIM_FLASH_BASE + SIM_FLASH_SIZE);
		uc_ctl_remove_cache(c->uc, SIM_RAM_BASE, SIM_RAM_BASE + SIM_RAM_SIZE);
		c->flush_code = false;
		c->dirty_lo = c->dirty_hi = 0;
		c->flash_code = false;
	}
	c->budget = max_instructions;
	c->executed = c->consumed = 0;
	/* The debugger may have written memory since the last slice. */
	c->spin.armed = false;
	c->slice_end_ns = c->b->now_ns;
	c->stop_sleep = c->stop_stall = c->stop_break = c->stop_lockup = false;
	if (c->resume_at_ns) {
		skip_to(c, c->resume_at_ns);
		c->resume_at_ns = 0;
	}
	if (c->n_pending) {
		apply_pending_writes(c); /* a store that waited for the NVMC */
		if (c->n_pending || c->stop_lockup) {
			*why = c->stop_lockup ? SIMCPU_STOP_LOCKUP : SIMCPU_STOP_STALL;
			return 0;
		}
	}
	uint32_t pc = rd(c, UC_ARM_REG_PC);
	/* `until` is ignored: exits are enabled and empty (simcpu_create). */
	uc_err err = uc_emu_start(c->uc, pc | 1u, 0xFFFFFFFFu, 0, 0);
	if (c->n_pending)
		apply_pending_writes(c);
	if (c->dirty_hi) {
		if (c->flash_code)
			uc_ctl_remove_cache(c->uc, SIM_FLASH_BASE + c->dirty_lo,
					    SIM_FLASH_BASE + c->dirty_hi);
		c->dirty_lo = c->dirty_hi = 0;
	}
	pc = rd(c, UC_ARM_REG_PC);
	if (c->stop_lockup || (err != UC_ERR_OK && !c->stop_break))
		*why = SIMCPU_STOP_LOCKUP;
	else if (c->stop_break)
		*why = SIMCPU_STOP_BREAKPOINT;
	else if (c->stop_sleep)
		*why = SIMCPU_STOP_SLEEP;
	else if (c->stop_stall)
		*why = SIMCPU_STOP_STALL;
	/* Same answer as stop_sleep, but only once a stall is ruled out: a
	 * slice cut short by a stall must be retried, not slept through. */
	else if (c->consumed < c->budget && sleeping_instruction(c, pc))
		*why = SIMCPU_STOP_SLEEP;
	return c->executed;
}
