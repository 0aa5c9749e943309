/*
 * Nordic CTRL-AP (AP 4): identity, APPROTECT status, erase-all and the
 * unlock that follows it (docs/hardware/nrf91.md, "CTRL-AP" and
 * "APPROTECT"). The CTRL-AP answers whatever the protection state, so
 * everything here works on a locked part.
 */
#include "probe/probe.h"
#include "target/nrf91_priv.h"
#include "target/nrf91_regs.h"

#include <time.h>

nrf91_err ctrlap_check_idr(struct nrf91 *t)
{
	uint32_t idr = 0;
	adi_err err = adi_ap_read(t->adi, NRF91_AP_CTRL, CTRLAP_IDR, &idr);
	if (err != ADI_OK)
		return nrf91_adi_fail(t, err, "reading CTRL-AP IDR");
	t->info.ctrlap_idr = idr;
	if (idr != CTRLAP_IDR_NRF91) {
		nrf91_set_detail(t, "AP4 IDR is 0x%08x, not the nRF91 CTRL-AP 0x%08x",
				 (unsigned)idr, (unsigned)CTRLAP_IDR_NRF91);
		return NRF91_ERR_NOT_NRF91;
	}
	return NRF91_OK;
}

nrf91_err ctrlap_status(struct nrf91 *t, uint32_t *status)
{
	adi_err err = adi_ap_read(t->adi, NRF91_AP_CTRL, CTRLAP_APPROTECT_STATUS, status);
	if (err != ADI_OK)
		return nrf91_adi_fail(t, err, "reading CTRL-AP APPROTECT.STATUS");
	return NRF91_OK;
}

nrf91_err ctrlap_is_protected(struct nrf91 *t, bool *protected_out)
{
	uint32_t st = 0;
	nrf91_err e = ctrlap_status(t, &st);
	if (e != NRF91_OK)
		return e;
	/* Both APPROTECT (bit 0) and SECUREAPPROTECT (bit 1) must read 1 =
	 * not protected: programming needs secure AHB access (pyOCD, OpenOCD
	 * treat any value below 3 as locked). */
	*protected_out = (st & CTRLAP_APPROTECT_OPEN) != CTRLAP_APPROTECT_OPEN;
	return NRF91_OK;
}

/*
 * The CTRL-AP says "open" and the AHB-AP agrees: CSW.DeviceEn (bit 6) and,
 * for the secure accesses programming needs, SPIDEN (bit 23). nrfutil judges
 * access on nRF91 from the CSW, pyOCD checks DeviceEn after an unlock.
 */
static nrf91_err check_open(struct nrf91 *t, bool *prot)
{
	nrf91_err e = ctrlap_is_protected(t, prot);
	if (e != NRF91_OK || *prot)
		return e;
	uint32_t csw = 0;
	adi_err err = adi_ap_read(t->adi, NRF91_AP_AHB, MEMAP_CSW, &csw);
	if (err != ADI_OK)
		return nrf91_adi_fail(t, err, "reading AHB-AP CSW");
	memap_invalidate(&t->mem); /* the CSW cache no longer holds */
	*prot = (csw & (MEMAP_CSW_DEVICEEN | MEMAP_CSW_SPIDEN)) !=
		(MEMAP_CSW_DEVICEEN | MEMAP_CSW_SPIDEN);
	return NRF91_OK;
}

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/*
 * After a reset the AHB-AP of an nRF91x1 is locked until its firmware's
 * SystemInit writes APPROTECT.DISABLE (nrfx system_nrf91_approtect.h), and a
 * firmware may reset itself once more on its first boot (MDK SystemInit
 * writes UICR.HFXOSRC/HFXOCNT, then NVIC_SystemReset). So: poll the CTRL-AP,
 * which always answers, until both bits read open; reconnect when the DP
 * itself went away with the reset. Wall-clock deadline plus a minimum number
 * of polls, so a slow host still gives the firmware its due.
 */
nrf91_err ctrlap_wait_open(struct nrf91 *t, uint32_t timeout_ms)
{
	uint64_t start = now_ms();
	uint32_t st = 0;
	for (unsigned polls = 0;; polls++) {
		if (nrf91_aborted(t))
			return NRF91_ERR_ABORTED;
		adi_err err = adi_ap_read(t->adi, NRF91_AP_CTRL, CTRLAP_APPROTECT_STATUS, &st);
		if (err == ADI_ERR_PROBE)
			return nrf91_adi_fail(t, err, "waiting for the debug port to open");
		if (err == ADI_OK && (st & CTRLAP_APPROTECT_OPEN) == CTRLAP_APPROTECT_OPEN) {
			memap_invalidate(&t->mem);
			return NRF91_OK;
		}
		if (err != ADI_OK)
			(void)adi_connect(t->adi, NULL); /* the reset may have dropped the DP */
		if (polls >= 20 && now_ms() - start > timeout_ms) {
			nrf91_set_detail(t,
					 "debug port still locked %u ms after reset "
					 "(CTRL-AP APPROTECT.STATUS 0x%x): the firmware did not "
					 "open it (UICR.APPROTECT must be HwUnprotected and "
					 "SystemInit must write APPROTECT.DISABLE)",
					 (unsigned)timeout_ms, (unsigned)st);
			return NRF91_ERR_PROTECTED;
		}
		nrf91_err e = nrf91_delay_us(t, 5000);
		if (e != NRF91_OK)
			return e;
	}
}

/* Erase-all through the CTRL-AP: 0 then 1 (OpenOCD nrf91 recover writes 0
 * first: the register keeps its last value and a 1 over a 1 is no new
 * request), poll ERASEALLSTATUS, then 0 again. */
static nrf91_err ctrlap_erase_all(struct nrf91 *t)
{
	uint32_t ep = 0;
	adi_err err = adi_ap_read(t->adi, NRF91_AP_CTRL, CTRLAP_ERASEPROTECT_STATUS, &ep);
	if (err != ADI_OK)
		return nrf91_adi_fail(t, err, "reading CTRL-AP ERASEPROTECT.STATUS");
	if (!(ep & 1u)) {
		/* ERASEALL is ignored while erase protection is on; only the
		 * firmware key handshake lifts it. */
		nrf91_set_detail(t, "ERASEPROTECT is enabled: CTRL-AP ERASEALL cannot erase");
		return NRF91_ERR_RECOVER_FAILED;
	}
	err = adi_ap_write(t->adi, NRF91_AP_CTRL, CTRLAP_ERASEALL, 0);
	if (err == ADI_OK)
		err = adi_ap_write(t->adi, NRF91_AP_CTRL, CTRLAP_ERASEALL, 1);
	if (err != ADI_OK)
		return nrf91_adi_fail(t, err, "starting CTRL-AP ERASEALL");
	/* Poll every 2 ms (OpenOCD polls every 100 ms for 15 s, probe-rs spins;
	 * the duration is not documented). */
	uint32_t polls = CTRLAP_ERASEALL_TIMEOUT_MS / 2u;
	for (uint32_t i = 0;; i++) {
		if (nrf91_aborted(t))
			return NRF91_ERR_ABORTED;
		nrf91_err e = nrf91_delay_us(t, 2000);
		if (e != NRF91_OK)
			return e;
		uint32_t busy = 1;
		err = adi_ap_read(t->adi, NRF91_AP_CTRL, CTRLAP_ERASEALLSTATUS, &busy);
		if (err != ADI_OK)
			return nrf91_adi_fail(t, err, "polling CTRL-AP ERASEALLSTATUS");
		if (busy == 0)
			break;
		if (i >= polls) {
			nrf91_set_detail(t, "CTRL-AP ERASEALL still busy after %u ms",
					 (unsigned)CTRLAP_ERASEALL_TIMEOUT_MS);
			return NRF91_ERR_RECOVER_FAILED;
		}
	}
	err = adi_ap_write(t->adi, NRF91_AP_CTRL, CTRLAP_ERASEALL, 0);
	if (err != ADI_OK)
		return nrf91_adi_fail(t, err, "clearing CTRL-AP ERASEALL");
	return NRF91_OK;
}

static nrf91_err reconnect_and_check(struct nrf91 *t, bool *prot, const char *what)
{
	adi_err err = adi_connect(t->adi, NULL);
	if (err != ADI_OK)
		return nrf91_adi_fail(t, err, what);
	memap_invalidate(&t->mem);
	t->halted = false;
	return check_open(t, prot);
}

/* Soft reset through the CTRL-AP: RESET 1 then 0 (probe-rs, pyOCD). */
static nrf91_err ctrlap_soft_reset(struct nrf91 *t)
{
	adi_err err = adi_ap_write(t->adi, NRF91_AP_CTRL, CTRLAP_RESET, 1);
	if (err == ADI_OK) {
		nrf91_err e = nrf91_delay_us(t, 1000);
		if (e != NRF91_OK)
			return e;
		err = adi_ap_write(t->adi, NRF91_AP_CTRL, CTRLAP_RESET, 0);
	}
	if (err != ADI_OK)
		return nrf91_adi_fail(t, err, "CTRL-AP soft reset");
	t->resets++;
	return nrf91_delay_us(t, 20000);
}

/* Pulses nRESET: pyOCD does this after an erase-all on nRF9160 revisions
 * with TARGETID.TREVISION <= 2, where a soft reset does not finish the
 * unlock. A probe without the pin reports UNSUPPORTED: not fatal here. */
nrf91_err ctrlap_pin_reset(struct nrf91 *t)
{
	if (probe_set_reset(t->probe, true) != PROBE_OK)
		return NRF91_ERR_PROBE;
	nrf91_err e = nrf91_delay_us(t, 10000);
	if (probe_set_reset(t->probe, false) != PROBE_OK)
		return NRF91_ERR_PROBE;
	t->resets++;
	if (e == NRF91_OK)
		e = nrf91_delay_us(t, 50000);
	return e;
}

static nrf91_err erase_and_check(struct nrf91 *t, bool *prot)
{
	nrf91_err e = ctrlap_erase_all(t);
	return e == NRF91_OK ? check_open(t, prot) : e;
}

/*
 * Erase-all, then whatever it takes for the AHB-AP to open, on every part,
 * under every reading of Nordic's texts (docs/hardware/nrf91.md §3.1, §4):
 * 1. CTRL-AP ERASEALL, then a CTRL-AP soft reset, as OpenOCD, pyOCD and
 *    probe-rs all do: the part returns to its factory settings (SPU and
 *    peripherals included) at that reset. nRF9160 opens here (erased UICR
 *    latched), and so does an nRF91x1 if the unlock needs that reset (nAN41).
 * 2. Still locked: an nRF91x1 on which "any reset re-enables AP-Protect"
 *    (NCS). The part is blank and at reset defaults now; a second erase-all
 *    opens it until the next reset, and nothing resets it after that.
 * 3. Still locked: an older nRF9160 whose soft reset does not latch UICR;
 *    an nRESET pulse does (pyOCD, TARGETID.TREVISION <= 2).
 * The core is left running (or locked up on the blank flash); callers halt
 * it without a reset before using the NVMC.
 */
nrf91_err ctrlap_recover(struct nrf91 *t)
{
	nrf91_progress(t, NRF91_PHASE_RECOVER, 0, 1);
	bool prot = true;
	nrf91_err e = ctrlap_erase_all(t);
	if (e == NRF91_OK)
		e = ctrlap_soft_reset(t);
	if (e == NRF91_OK)
		e = reconnect_and_check(t, &prot, "reconnecting after the soft reset");
	if (e == NRF91_OK && prot)
		e = erase_and_check(t, &prot);
	if (e == NRF91_OK && prot) {
		e = ctrlap_pin_reset(t);
		if (e == NRF91_ERR_PROBE) {
			e = NRF91_OK; /* no nRESET on this probe: report the lock below */
		} else if (e == NRF91_OK) {
			e = reconnect_and_check(t, &prot, "reconnecting after the pin reset");
		}
	}
	if (e != NRF91_OK)
		return e;
	if (prot) {
		uint32_t st = 0;
		(void)ctrlap_status(t, &st);
		nrf91_set_detail(t,
				 "still protected after CTRL-AP ERASEALL, soft reset, a second "
				 "erase and a pin reset (APPROTECT.STATUS 0x%x)",
				 (unsigned)st);
		return NRF91_ERR_RECOVER_FAILED;
	}
	memap_invalidate(&t->mem);
	t->halted = false;
	nrf91_progress(t, NRF91_PHASE_RECOVER, 1, 1);
	return NRF91_OK;
}
