/* Cortex-M33 core control through DHCSR/DEMCR/AIRCR (nrf91-registers.md §7). */
#include "target/nrf91_priv.h"
#include "target/nrf91_regs.h"

#include <time.h>

#define HALT_TIMEOUT_MS	 200u
#define RESET_TIMEOUT_MS 600u /* probe-rs waits up to 600 ms for reset */

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* A DHCSR read that fails (the system is in reset, the bus answers FAULT)
 * is retried until the deadline, as probe-rs tolerates read errors for
 * 600 ms after a reset; only a dead probe ends the wait at once. */
static nrf91_err wait_halted_after(struct nrf91 *t, uint32_t timeout_ms, const char *what,
				   bool need_reset)
{
	uint64_t start = now_ms();
	bool reset_seen = false;
	for (;;) {
		uint32_t dhcsr = 0, dfsr = 0;
		memap_queue_read_u32(&t->mem, CM_DHCSR, &dhcsr);
		if (need_reset)
			memap_queue_read_u32(&t->mem, CM_DFSR, &dfsr);
		adi_err err = adi_flush(t->adi);
		if (err != ADI_OK)
			memap_invalidate(&t->mem);
		if (err == ADI_ERR_PROBE)
			return nrf91_adi_fail(t, err, "reading DHCSR");
		if (err != ADI_OK) {
			if (now_ms() - start > timeout_ms)
				return nrf91_adi_fail(t, err, "reading DHCSR");
			nrf91_err e = nrf91_delay_us(t, 1000);
			if (e != NRF91_OK)
				return e;
			continue;
		}
		/* S_RESET_ST clears on the read that returns it; a read the
		 * flush repeats (a parity error, a WAIT) loses it. DFSR.VCATCH,
		 * cleared before the request, stays: the core, halted then,
		 * can only have met a vector catch by being reset. */
		if ((dhcsr & CM_DHCSR_S_RESET_ST) || (dfsr & CM_DFSR_VCATCH))
			reset_seen = true;
		if ((dhcsr & CM_DHCSR_S_HALT) && !(dhcsr & CM_DHCSR_S_RESET_ST) &&
		    (reset_seen || !need_reset)) {
			t->halted = true;
			return NRF91_OK;
		}
		if (now_ms() - start > timeout_ms) {
			nrf91_set_detail(t, "%s: core not halted%s after %u ms (DHCSR 0x%08x)", what,
					 reset_seen || !need_reset ? "" : " by a reset",
					 (unsigned)timeout_ms, (unsigned)dhcsr);
			return NRF91_ERR_HALT_TIMEOUT;
		}
		nrf91_err e = nrf91_delay_us(t, 1000);
		if (e != NRF91_OK)
			return e;
	}
}

static nrf91_err wait_halted(struct nrf91 *t, uint32_t timeout_ms, const char *what)
{
	return wait_halted_after(t, timeout_ms, what, false);
}

nrf91_err cortexm_halt(struct nrf91 *t)
{
	adi_err err = memap_write_u32(&t->mem, CM_DHCSR,
				      CM_DHCSR_KEY | CM_DHCSR_C_DEBUGEN | CM_DHCSR_C_HALT);
	if (err != ADI_OK)
		return nrf91_adi_fail(t, err, "halting the core (DHCSR)");
	return wait_halted(t, HALT_TIMEOUT_MS, "halt");
}

/* Writes AIRCR.SYSRESETREQ. The access may not complete cleanly while the
 * system resets, so an error here is tolerated: the DHCSR polling after it
 * tells whether the reset happened. */
static nrf91_err request_reset(struct nrf91 *t)
{
	/* The flush's RDBUFF behind the write makes no AHB access and the DP
	 * is not reset by SYSRESETREQ, so a dropped request is sent again;
	 * a WAIT or FAULT while the system resets is tolerated below. */
	adi_err err = memap_write_u32(&t->mem, CM_AIRCR, CM_AIRCR_SYSRESETREQ);
	if (err == ADI_ERR_PROBE || err == ADI_ERR_NO_TARGET)
		return nrf91_adi_fail(t, err, "system reset (AIRCR)");
	memap_invalidate(&t->mem);
	t->halted = false;
	return NRF91_OK;
}

nrf91_err cortexm_reset_halt(struct nrf91 *t)
{
	/* Vector catch halts the core before SystemInit, so on an nRF91x1
	 * the reset re-locks the AHB-AP and nothing opens it again. */
	if (nrf91_is_91x1(t)) {
		nrf91_set_detail(t, "reset-halt would lock the %s (hardened APPROTECT)",
				 t->info.part_name);
		return NRF91_ERR_PROTECTED;
	}
	uint32_t demcr = 0, stale = 0;
	memap_queue_write_u32(&t->mem, CM_DHCSR, CM_DHCSR_KEY | CM_DHCSR_C_DEBUGEN | CM_DHCSR_C_HALT);
	/* DFSR is write-one-to-clear (ARMv8-M ARM, DFSR): a VCATCH seen
	 * after the request is this reset's vector catch. */
	memap_queue_write_u32(&t->mem, CM_DFSR, CM_DFSR_ALL);
	/* Reads away an S_RESET_ST of an earlier reset: the one seen after
	 * the request below is ours. */
	memap_queue_read_u32(&t->mem, CM_DHCSR, &stale);
	memap_queue_read_u32(&t->mem, CM_DEMCR, &demcr);
	adi_err err = adi_flush(t->adi);
	if (err != ADI_OK)
		return nrf91_adi_fail(t, err, "preparing reset-halt (DHCSR/DEMCR)");
	/* The DFSR proof below holds for a core halted before the request
	 * (a running one could meet another vector catch). */
	if (!(stale & CM_DHCSR_S_HALT)) {
		nrf91_err e = wait_halted(t, HALT_TIMEOUT_MS, "halt before reset-halt");
		if (e != NRF91_OK)
			return e;
	}
	/* Vector catch on core reset: the core halts at the reset vector. It
	 * goes out with the reset request. The core was halted before, so a
	 * halt alone proves nothing: the wait needs S_RESET_ST or DFSR.VCATCH
	 * seen, and a request that never reset the core (a lost write) times
	 * out. */
	memap_queue_write_u32(&t->mem, CM_DEMCR, demcr | CM_DEMCR_VC_CORERESET);
	nrf91_err e = request_reset(t);
	if (e != NRF91_OK)
		return e;
	t->resets++;
	/* S_RESET_ST is sticky until read: the first DHCSR read clears it. */
	e = wait_halted_after(t, RESET_TIMEOUT_MS, "reset-halt", true);
	if (e != NRF91_OK)
		return e;
	err = memap_write_u32(&t->mem, CM_DEMCR, demcr & ~CM_DEMCR_VC_CORERESET);
	if (err != ADI_OK)
		return nrf91_adi_fail(t, err, "clearing vector catch (DEMCR)");
	return NRF91_OK;
}

/* Starts the firmware with a system reset; vector catch off and halting
 * debug off, so a stray BKPT faults instead of freezing the core while
 * nobody is watching. */
nrf91_err cortexm_reset_release(struct nrf91 *t)
{
	uint32_t demcr = 0;
	adi_err err = memap_read_u32(&t->mem, CM_DEMCR, &demcr);
	if (err == ADI_OK)
		err = memap_write_u32(&t->mem, CM_DEMCR, demcr & ~CM_DEMCR_VC_CORERESET);
	if (err == ADI_OK)
		err = memap_write_u32(&t->mem, CM_DHCSR, CM_DHCSR_KEY);
	if (err != ADI_OK)
		return nrf91_adi_fail(t, err, "preparing reset-run (DEMCR/DHCSR)");
	nrf91_err e = request_reset(t);
	if (e == NRF91_OK)
		t->resets++;
	t->blank = false; /* the firmware may write flash from now on */
	return e;
}

/* Reset, then wait until the debugger may use the AHB-AP again: at once on
 * an nRF9160 whose UICR is open, after the firmware's SystemInit on an
 * nRF91x1 (ctrlap_wait_open). The sticky S_RESET_ST of this reset is read
 * away so a later one (the firmware resetting itself) can be told apart. */
nrf91_err cortexm_reset_run(struct nrf91 *t, uint32_t open_timeout_ms)
{
	nrf91_err e = cortexm_reset_release(t);
	if (e != NRF91_OK)
		return e;
	e = nrf91_delay_us(t, 1000);
	if (e == NRF91_OK)
		e = ctrlap_wait_open(t, open_timeout_ms);
	if (e != NRF91_OK)
		return e;
	uint32_t dhcsr = 0;
	adi_err err = memap_read_u32(&t->mem, CM_DHCSR, &dhcsr);
	if (err != ADI_OK)
		return nrf91_adi_fail(t, err, "reading DHCSR after reset-run");
	t->halted = false;
	return NRF91_OK;
}

nrf91_err cortexm_count_resets(struct nrf91 *t, bool *reset_seen)
{
	uint32_t dhcsr = 0;
	adi_err err = memap_read_u32(&t->mem, CM_DHCSR, &dhcsr);
	if (err != ADI_OK)
		return nrf91_adi_fail(t, err, "reading DHCSR");
	cortexm_note_reset(t, dhcsr, reset_seen);
	return NRF91_OK;
}

void cortexm_note_reset(struct nrf91 *t, uint32_t dhcsr, bool *reset_seen)
{
	*reset_seen = (dhcsr & CM_DHCSR_S_RESET_ST) != 0;
	if (*reset_seen)
		t->resets++;
}

/* After a DCRSR request flushed with a DHCSR read behind it (err, dhcsr):
 * reads DHCSR again until S_REGRDY, each time with a DCRDR read behind it
 * when value wants the register (ARMv8-M ARM, DHCSR / DCRSR). */
static nrf91_err await_regrdy(struct nrf91 *t, adi_err err, uint32_t dhcsr, uint8_t regsel,
			      uint32_t *value, const char *what)
{
	for (int polls = 0; err == ADI_OK && !(dhcsr & CM_DHCSR_S_REGRDY); polls++) {
		if (polls == 100) {
			nrf91_set_detail(t, "core register %u: DHCSR.S_REGRDY never set",
					 (unsigned)regsel);
			return NRF91_ERR_HALT_TIMEOUT;
		}
		memap_queue_read_u32(&t->mem, CM_DHCSR, &dhcsr);
		if (value)
			memap_queue_read_u32(&t->mem, CM_DCRDR, value);
		err = adi_flush(t->adi);
	}
	return err == ADI_OK ? NRF91_OK : nrf91_adi_fail(t, err, what);
}

/* DCRDR then DCRSR with REGWnR, for each register. A DCRSR write clears
 * DHCSR.S_REGRDY until the transfer completes, and DCRDR or DCRSR must not
 * be written again before (ARMv8-M ARM, DHCSR / DCRSR). */
static nrf91_err write_regs_one_by_one(struct nrf91 *t, const uint8_t *regsel,
				       const uint32_t *values, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		uint32_t dhcsr = 0;
		memap_queue_write_u32(&t->mem, CM_DCRDR, values[i]);
		memap_queue_write_u32(&t->mem, CM_DCRSR, regsel[i] | CM_DCRSR_REGWNR);
		memap_queue_read_u32(&t->mem, CM_DHCSR, &dhcsr);
		nrf91_err e = await_regrdy(t, adi_flush(t->adi), dhcsr, regsel[i], NULL,
					   "writing core registers (DCRSR/DCRDR)");
		if (e != NRF91_OK)
			return e;
	}
	return NRF91_OK;
}

#define WRITE_REGS_BATCH_MAX 8u

/* All in one round trip where the core keeps up, as OpenOCD's cortex_m
 * reads all registers: each DCRSR write is followed by two DHCSR reads in
 * the same queue (a transfer takes a few core cycles, an SWD read ~12 us at
 * 4 MHz), and the next DCRDR write is valid only if the second of them said
 * S_REGRDY. If one did not, a write behind it may have met a transfer in
 * progress (UNPREDICTABLE): every register is written again, one at a time
 * with S_REGRDY polled, which repairs it. */
nrf91_err cortexm_write_regs(struct nrf91 *t, const uint8_t *regsel, const uint32_t *values,
			     size_t count)
{
	if (count > WRITE_REGS_BATCH_MAX)
		return write_regs_one_by_one(t, regsel, values, count);
	uint32_t first[WRITE_REGS_BATCH_MAX], second[WRITE_REGS_BATCH_MAX];
	for (size_t i = 0; i < count; i++) {
		memap_queue_write_u32(&t->mem, CM_DCRDR, values[i]);
		memap_queue_write_u32(&t->mem, CM_DCRSR, regsel[i] | CM_DCRSR_REGWNR);
		memap_queue_read_u32(&t->mem, CM_DHCSR, &first[i]);
		memap_queue_read_u32(&t->mem, CM_DHCSR, &second[i]);
	}
	adi_err err = adi_flush(t->adi);
	if (err != ADI_OK)
		return nrf91_adi_fail(t, err, "writing core registers (DCRSR/DCRDR)");
	for (size_t i = 0; i < count; i++) {
		if (!((first[i] | second[i]) & CM_DHCSR_S_REGRDY)) {
			/* The last transfer may still run: S_REGRDY before the
			 * first DCRDR write of the slow path. */
			nrf91_err e = await_regrdy(t, ADI_OK, 0, regsel[count - 1u], NULL,
						   "writing core registers (DCRSR/DCRDR)");
			return e == NRF91_OK ? write_regs_one_by_one(t, regsel, values, count) : e;
		}
	}
	return NRF91_OK;
}

/* DCRSR with REGWnR clear, then DCRDR once S_REGRDY says the transfer is
 * done (ARMv8-M ARM, DCRSR): the first DCRDR read rides with the request,
 * and is read again only if S_REGRDY was still clear. */
nrf91_err cortexm_read_reg(struct nrf91 *t, uint8_t regsel, uint32_t *value)
{
	uint32_t dhcsr = 0;
	memap_queue_write_u32(&t->mem, CM_DCRSR, regsel);
	memap_queue_read_u32(&t->mem, CM_DHCSR, &dhcsr);
	memap_queue_read_u32(&t->mem, CM_DCRDR, value);
	return await_regrdy(t, adi_flush(t->adi), dhcsr, regsel, value,
			    "reading a core register (DCRSR/DCRDR)");
}

/* C_MASKINTS may only change while the core is halted (ARMv8-M DHCSR), so
 * it is set with C_HALT first, then C_HALT is dropped. */
nrf91_err cortexm_resume(struct nrf91 *t)
{
	uint32_t base = CM_DHCSR_KEY | CM_DHCSR_C_DEBUGEN | CM_DHCSR_C_MASKINTS;
	memap_queue_write_u32(&t->mem, CM_DHCSR, base | CM_DHCSR_C_HALT);
	memap_queue_write_u32(&t->mem, CM_DHCSR, base);
	adi_err err = adi_flush(t->adi);
	if (err != ADI_OK)
		return nrf91_adi_fail(t, err, "resuming the core (DHCSR)");
	t->halted = false;
	return NRF91_OK;
}
