/* Nordic CTRL-AP (AP 4): identity, APPROTECT status, erase-all recover
 * (nrf91-target.md §3, §4.1, §4.2). */
#include "target/nrf91_priv.h"
#include "target/nrf91_regs.h"

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

nrf91_err ctrlap_is_protected(struct nrf91 *t, bool *protected_out)
{
	uint32_t st = 0;
	adi_err err = adi_ap_read(t->adi, NRF91_AP_CTRL, CTRLAP_APPROTECT_STATUS, &st);
	if (err != ADI_OK)
		return nrf91_adi_fail(t, err, "reading CTRL-AP APPROTECT.STATUS");
	/* Both APPROTECT (bit 0) and SECUREAPPROTECT (bit 1) must read 1 =
	 * not protected: programming needs secure AHB access (pyOCD, OpenOCD). */
	*protected_out = (st & CTRLAP_APPROTECT_OPEN) != CTRLAP_APPROTECT_OPEN;
	return NRF91_OK;
}

nrf91_err ctrlap_recover(struct nrf91 *t)
{
	uint32_t ep = 0;
	adi_err err = adi_ap_read(t->adi, NRF91_AP_CTRL, CTRLAP_ERASEPROTECT_STATUS, &ep);
	if (err != ADI_OK)
		return nrf91_adi_fail(t, err, "reading CTRL-AP ERASEPROTECT.STATUS");
	if (!(ep & 1u)) {
		/* ERASEALL is ignored while erase protection is on; only the
		 * firmware key handshake (§4.4) lifts it. */
		nrf91_set_detail(t, "ERASEPROTECT is enabled: CTRL-AP ERASEALL cannot unlock");
		return NRF91_ERR_RECOVER_FAILED;
	}
	nrf91_progress(t, NRF91_PHASE_RECOVER, 0, 1);
	err = adi_ap_write(t->adi, NRF91_AP_CTRL, CTRLAP_ERASEALL, 1);
	if (err != ADI_OK)
		return nrf91_adi_fail(t, err, "starting CTRL-AP ERASEALL");
	/* Poll ERASEALLSTATUS every 10 ms of SWD clock (OpenOCD polls every
	 * 100 ms for 15 s; the duration is unconfirmed, §6). */
	uint32_t polls = CTRLAP_ERASEALL_TIMEOUT_MS / 10u;
	for (uint32_t i = 0;; i++) {
		if (nrf91_aborted(t))
			return NRF91_ERR_ABORTED;
		nrf91_err e = nrf91_delay_us(t, 10000);
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
	/* Soft reset 1 -> 0: nRF91x1 unlocks only after a reset following the
	 * erase (probe-rs), nRF9160 "after the next reset" (PS-CTRLAP). */
	err = adi_ap_write(t->adi, NRF91_AP_CTRL, CTRLAP_RESET, 1);
	if (err == ADI_OK) {
		nrf91_err e = nrf91_delay_us(t, 1000);
		if (e != NRF91_OK)
			return e;
		err = adi_ap_write(t->adi, NRF91_AP_CTRL, CTRLAP_RESET, 0);
	}
	if (err == ADI_OK)
		err = adi_ap_write(t->adi, NRF91_AP_CTRL, CTRLAP_ERASEALL, 0);
	if (err != ADI_OK)
		return nrf91_adi_fail(t, err, "CTRL-AP soft reset after ERASEALL");
	nrf91_err e = nrf91_delay_us(t, 20000);
	if (e != NRF91_OK)
		return e;
	/* Reconnect: the reset may have taken the debug domain down. */
	err = adi_connect(t->adi, NULL);
	if (err != ADI_OK)
		return nrf91_adi_fail(t, err, "reconnecting after recover");
	memap_invalidate(&t->mem);
	t->halted = false;
	bool prot = true;
	e = ctrlap_is_protected(t, &prot);
	if (e != NRF91_OK)
		return e;
	if (prot) {
		uint32_t st = 0;
		(void)adi_ap_read(t->adi, NRF91_AP_CTRL, CTRLAP_APPROTECT_STATUS, &st);
		nrf91_set_detail(t,
				 "still protected after CTRL-AP ERASEALL (APPROTECT.STATUS 0x%x)",
				 (unsigned)st);
		return NRF91_ERR_RECOVER_FAILED;
	}
	nrf91_progress(t, NRF91_PHASE_RECOVER, 1, 1);
	return NRF91_OK;
}
