/* Cortex-M33 core control through DHCSR/DEMCR/AIRCR (nrf91-target.md §7). */
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

static nrf91_err wait_halted(struct nrf91 *t, uint32_t timeout_ms, const char *what)
{
	uint64_t start = now_ms();
	for (;;) {
		uint32_t dhcsr = 0;
		adi_err err = memap_read_u32(&t->mem, CM_DHCSR, &dhcsr);
		if (err != ADI_OK)
			return nrf91_adi_fail(t, err, "reading DHCSR");
		if ((dhcsr & CM_DHCSR_S_HALT) && !(dhcsr & CM_DHCSR_S_RESET_ST)) {
			t->halted = true;
			return NRF91_OK;
		}
		if (now_ms() - start > timeout_ms) {
			nrf91_set_detail(t, "%s: core not halted after %u ms (DHCSR 0x%08x)", what,
					 (unsigned)timeout_ms, (unsigned)dhcsr);
			return NRF91_ERR_HALT_TIMEOUT;
		}
		nrf91_err e = nrf91_delay_us(t, 1000);
		if (e != NRF91_OK)
			return e;
	}
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
	adi_err err = memap_write_u32(&t->mem, CM_AIRCR, CM_AIRCR_SYSRESETREQ);
	if (err == ADI_ERR_PROBE || err == ADI_ERR_NO_TARGET)
		return nrf91_adi_fail(t, err, "system reset (AIRCR)");
	memap_invalidate(&t->mem);
	t->halted = false;
	return NRF91_OK;
}

nrf91_err cortexm_reset_halt(struct nrf91 *t)
{
	uint32_t demcr = 0;
	adi_err err = memap_write_u32(&t->mem, CM_DHCSR,
				      CM_DHCSR_KEY | CM_DHCSR_C_DEBUGEN | CM_DHCSR_C_HALT);
	if (err == ADI_OK)
		err = memap_read_u32(&t->mem, CM_DEMCR, &demcr);
	/* Vector catch on core reset: the core halts at the reset vector. */
	if (err == ADI_OK)
		err = memap_write_u32(&t->mem, CM_DEMCR, demcr | CM_DEMCR_VC_CORERESET);
	if (err != ADI_OK)
		return nrf91_adi_fail(t, err, "preparing reset-halt (DHCSR/DEMCR)");
	nrf91_err e = request_reset(t);
	if (e != NRF91_OK)
		return e;
	/* S_RESET_ST is sticky until read: the first DHCSR read clears it. */
	e = wait_halted(t, RESET_TIMEOUT_MS, "reset-halt");
	if (e != NRF91_OK)
		return e;
	err = memap_write_u32(&t->mem, CM_DEMCR, demcr & ~CM_DEMCR_VC_CORERESET);
	if (err != ADI_OK)
		return nrf91_adi_fail(t, err, "clearing vector catch (DEMCR)");
	return NRF91_OK;
}

nrf91_err cortexm_reset_run(struct nrf91 *t)
{
	uint32_t demcr = 0;
	adi_err err = memap_read_u32(&t->mem, CM_DEMCR, &demcr);
	if (err == ADI_OK)
		err = memap_write_u32(&t->mem, CM_DEMCR, demcr & ~CM_DEMCR_VC_CORERESET);
	/* Leave halting debug off so a stray BKPT in the firmware faults
	 * instead of freezing the core while nobody is watching. */
	if (err == ADI_OK)
		err = memap_write_u32(&t->mem, CM_DHCSR, CM_DHCSR_KEY);
	if (err != ADI_OK)
		return nrf91_adi_fail(t, err, "preparing reset-run (DEMCR/DHCSR)");
	nrf91_err e = request_reset(t);
	if (e != NRF91_OK)
		return e;
	/* The debug power-up request survives a system reset, so the DP stays
	 * usable; check it with a DHCSR read (and reconnect if it did not). */
	e = nrf91_delay_us(t, 1000);
	if (e != NRF91_OK)
		return e;
	uint32_t dhcsr = 0;
	err = memap_read_u32(&t->mem, CM_DHCSR, &dhcsr);
	if (err != ADI_OK) {
		err = adi_connect(t->adi, NULL);
		if (err == ADI_OK)
			err = memap_read_u32(&t->mem, CM_DHCSR, &dhcsr);
		if (err != ADI_OK)
			return nrf91_adi_fail(t, err, "reconnecting after reset-run");
	}
	t->halted = false;
	return NRF91_OK;
}
