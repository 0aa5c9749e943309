/*
 * CTRL-AP (AP4) of the simulated nRF91 and its CPU-side peer CTRLAPPERI
 * (nrf91-registers.md 4.1, 4.2, 4.4). The CTRL-AP works while APPROTECT blocks
 * the AHB-AP: it is how a protected part is recovered.
 */
#include "board_impl.h"

#include <string.h>

static bool erase_protected(const struct simboard *b)
{
	return board_uicr_word(b, UICR_ERASEPROTECT) != 0xFFFFFFFFu;
}

static void start_erase_all(struct simboard *b)
{
	if (b->ctrl.erasing)
		return;
	b->ctrl.erasing = true;
	b->ctrl.erase_done_ns = b->now_ns + b->cfg.timing.ctrlap_erase_all_ns;
}

void ctrlap_advance(struct simboard *b)
{
	if (!b->ctrl.erasing || b->now_ns < b->ctrl.erase_done_ns)
		return;
	/* "Flash, UICR, RAM and all peripheral settings" (nRF9160 and nRF91x1
	 * PS, CTRL-AP "Erase all"); what that does to APPROTECT differs per
	 * part (board_erase_unlock). */
	nvmc_erase_everything(b);
	memset(b->ram, 0, sizeof(b->ram));
	b->mem_gen++;
	spu_reset(b);
	nvmc_reset(&b->nvmc);
	b->ctrl.erasing = false;
	board_erase_unlock(b);
}

void ctrlap_peripheral_reset(struct simboard *b)
{
	b->ctrl.eraseprotect_key_cpu = 0;
	b->ctrl.eraseprotect_locked = false;
}

enum ap_result ctrlap_read(struct simboard *b, unsigned reg, uint32_t *val)
{
	struct ctrlap *c = &b->ctrl;
	switch (reg) {
	case CTRLAP_RESET:
		*val = c->reset_held ? 1 : 0;
		break;
	case CTRLAP_ERASEALL:
		*val = c->eraseall;
		break;
	case CTRLAP_ERASEALLSTATUS:
		*val = c->erasing ? 1 : 0;
		break;
	case CTRLAP_APPROTECT_STATUS:
		/* 1 = not protected, bit0 APPROTECT, bit1 SECUREAPPROTECT */
		*val = (b->approtect ? 0u : 1u) | (b->secure_approtect ? 0u : 2u);
		break;
	case CTRLAP_ERASEPROTECT_STATUS:
		*val = erase_protected(b) ? 0 : 1; /* 1 = erase protection disabled */
		break;
	case CTRLAP_MAILBOX_TXDATA:
		*val = c->mbox_tx;
		break;
	case CTRLAP_MAILBOX_TXSTATUS:
		*val = c->mbox_tx_pending ? 1 : 0;
		break;
	case CTRLAP_MAILBOX_RXDATA:
		*val = c->mbox_rx;
		c->mbox_rx_pending = false;
		break;
	case CTRLAP_MAILBOX_RXSTATUS:
		*val = c->mbox_rx_pending ? 1 : 0;
		break;
	case AP_IDR:
		*val = SIM_CTRLAP_IDR;
		break;
	default:
		*val = 0;
		break;
	}
	return AP_OK;
}

enum ap_result ctrlap_write(struct simboard *b, unsigned reg, uint32_t val)
{
	struct ctrlap *c = &b->ctrl;
	switch (reg) {
	case CTRLAP_RESET:
		if (val & 1u) {
			c->reset_held = true; /* held in reset while 1 (PS5340 wording) */
		} else if (c->reset_held) {
			c->reset_held = false;
			board_system_reset(b, BOARD_RESET_CTRLAP);
		}
		break;
	case CTRLAP_ERASEALL: {
		/* Harsher reading of "write 1 to start": the erase starts on a
		 * 0 -> 1 change of the register, which keeps its value (debug
		 * domain) until written again; hence OpenOCD's 0-then-1.
		 * Ignored while ERASEPROTECT is on (probe-rs: "reports success"). */
		bool rising = (val & 1u) && !(c->eraseall & 1u);
		c->eraseall = val & 1u;
		if (rising && !erase_protected(b))
			start_erase_all(b);
		break;
	}
	case CTRLAP_ERASEPROTECT_DISABLE:
		/* Key handshake: the debugger's key must equal the non-zero key
		 * firmware wrote to CTRLAPPERI.ERASEPROTECT.DISABLE; this
		 * performs an erase-all (nrf91-registers.md 4.4). */
		if (val != 0 && val == c->eraseprotect_key_cpu)
			start_erase_all(b);
		break;
	case CTRLAP_MAILBOX_TXDATA:
		c->mbox_tx = val;
		c->mbox_tx_pending = true;
		break;
	default:
		break;
	}
	return AP_OK;
}

enum simbus_result ctrlapperi_read(struct simboard *b, uint32_t off, uint32_t *val)
{
	struct ctrlap *c = &b->ctrl;
	switch (off) {
	case CTRLAPPERI_RXDATA:
		*val = c->mbox_tx;
		c->mbox_tx_pending = false;
		break;
	case CTRLAPPERI_RXSTATUS:
		*val = c->mbox_tx_pending ? 1 : 0;
		break;
	case CTRLAPPERI_TXDATA:
		*val = c->mbox_rx;
		break;
	case CTRLAPPERI_TXSTATUS:
		*val = c->mbox_rx_pending ? 1 : 0;
		break;
	case CTRLAPPERI_ERASEPROTECT_LOCK:
		*val = c->eraseprotect_locked ? 1 : 0;
		break;
	default:
		*val = 0;
		break;
	}
	return SIMBUS_OK;
}

enum simbus_result ctrlapperi_write(struct simboard *b, uint32_t off, uint32_t val)
{
	struct ctrlap *c = &b->ctrl;
	switch (off) {
	case CTRLAPPERI_TXDATA:
		c->mbox_rx = val;
		c->mbox_rx_pending = true;
		break;
	case CTRLAPPERI_ERASEPROTECT_LOCK:
		if (val & 1u)
			c->eraseprotect_locked = true; /* until reset */
		break;
	case CTRLAPPERI_ERASEPROTECT_DISABLE:
		if (!c->eraseprotect_locked)
			c->eraseprotect_key_cpu = val;
		break;
	default:
		break;
	}
	return SIMBUS_OK;
}
