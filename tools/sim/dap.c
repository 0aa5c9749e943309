/*
 * Debug port of the simulated nRF91: DPv2 registers, sticky errors, posted
 * AP reads and the AP dispatch (nrf91-registers.md 1.3, ADIv5 rules as restated
 * there). Fault injection from struct simboard_faults applies to AP accesses.
 */
#include "board_impl.h"

#define STICKY_FAULT_BITS (DP_CTRL_STICKYERR | DP_CTRL_WDATAERR | DP_CTRL_STICKYORUN)
/* CTRL/STAT bits the host may write in SWD (sticky bits clear only via ABORT). */
#define CTRL_WRITABLE                                                                              \
	(DP_CTRL_ORUNDETECT | DP_CTRL_TRNMODE_MASK | DP_CTRL_MASKLANE | DP_CTRL_TRNCNT |           \
	 DP_CTRL_CDBGRSTREQ | DP_CTRL_CDBGPWRUPREQ | DP_CTRL_CSYSPWRUPREQ)

void dap_init(struct dap *d)
{
	*d = (struct dap){0};
	d->reset_state = true;
}

void dap_line_reset(struct simboard *b)
{
	/* After a line reset only a DPIDR read (or TARGETSEL) is answered;
	 * sticky flags and SELECT are unaffected (ADIv5.2 B4.3.3). */
	b->dap.reset_state = true;
	b->dap.deselected = false;
	b->ctr.line_resets++;
}

static uint32_t targetid(const struct simboard *b)
{
	uint32_t rev = board_is_91x1(b) ? SIM_TARGETID_REV_91X1 : SIM_TARGETID_REV_9160;
	return rev << 28 | SIM_TARGETID_LOW;
}

static uint32_t ctrl_stat_read(const struct dap *d)
{
	uint32_t v = d->ctrl_stat;
	/* Power domains acknowledge immediately. */
	if (v & DP_CTRL_CDBGPWRUPREQ)
		v |= DP_CTRL_CDBGPWRUPACK;
	if (v & DP_CTRL_CSYSPWRUPREQ)
		v |= DP_CTRL_CSYSPWRUPACK;
	if (v & DP_CTRL_CDBGRSTREQ)
		v |= DP_CTRL_CDBGRSTACK;
	return v;
}

static bool sticky(const struct dap *d)
{
	return (d->ctrl_stat & STICKY_FAULT_BITS) != 0;
}

static unsigned ack_wait(struct simboard *b)
{
	b->ctr.acks_wait++;
	if (b->dap.ctrl_stat & DP_CTRL_ORUNDETECT)
		b->dap.ctrl_stat |= DP_CTRL_STICKYORUN; /* overrun detection (ADIv5) */
	return SWD_ACK_WAIT;
}

static unsigned ack_fault(struct simboard *b)
{
	b->ctr.acks_fault++;
	return SWD_ACK_FAULT;
}

static unsigned ap_sel(const struct dap *d)
{
	return d->select >> 24;
}

static unsigned ap_reg(const struct dap *d, unsigned a)
{
	return (d->select & 0xF0u) | a;
}

static enum ap_result ap_read(struct simboard *b, unsigned apsel, unsigned reg, uint32_t *val)
{
	switch (apsel) {
	case SIM_AP_AHB:
		return memap_read(b, reg, val);
	case SIM_AP_APB:
		*val = apb_ap_read(reg);
		return AP_OK;
	case SIM_AP_CTRL:
		return ctrlap_read(b, reg, val);
	default:
		*val = 0; /* APs the nRF91 does not have (1, 2, 5..255): every register, IDR
			     included, reads 0 (nrf91-registers.md 3) */
		return AP_OK;
	}
}

static enum ap_result ap_write(struct simboard *b, unsigned apsel, unsigned reg, uint32_t val)
{
	switch (apsel) {
	case SIM_AP_AHB:
		return memap_write(b, reg, val);
	case SIM_AP_CTRL:
		return ctrlap_write(b, reg, val);
	default:
		return AP_OK;
	}
}

/* Fault injection; returns an ACK or 0 to continue normally. */
static unsigned injected_ack(struct simboard *b)
{
	struct dap *d = &b->dap;
	const struct simboard_faults *f = &b->cfg.faults;
	d->ap_accesses++;
	if (d->wait_storm_left > 0) {
		d->wait_storm_left--;
		return ack_wait(b);
	}
	if (f->fault_ack_every && d->ap_accesses % f->fault_ack_every == 0) {
		d->ctrl_stat |= DP_CTRL_STICKYERR;
		return ack_fault(b);
	}
	return 0;
}

static bool is_mem_transfer(unsigned apsel, unsigned reg)
{
	return apsel == SIM_AP_AHB && (reg == MEMAP_DRW || (reg >= MEMAP_BD0 && reg <= 0x1Cu));
}

static unsigned ap_access(struct simboard *b, bool read, unsigned a, uint32_t *rdata)
{
	struct dap *d = &b->dap;
	if (sticky(d))
		return ack_fault(b);
	unsigned inj = injected_ack(b);
	if (inj)
		return inj;
	unsigned apsel = ap_sel(d), reg = ap_reg(d, a);
	d->last_mem_transfer = is_mem_transfer(apsel, reg);
	if (!read) {
		/* The write happens in the data phase; decide the ACK now. */
		if (apsel == SIM_AP_AHB && memap_would_wait(b, reg))
			return ack_wait(b);
		return SWD_ACK_OK;
	}
	uint32_t val = 0;
	switch (ap_read(b, apsel, reg, &val)) {
	case AP_WAIT:
		return ack_wait(b);
	case AP_FAULT:
		d->ctrl_stat |= DP_CTRL_STICKYERR;
		d->ctrl_stat &= ~DP_CTRL_READOK;
		return ack_fault(b);
	case AP_BUS_ERROR:
		/* Posted: this read still returns the previous result; the
		 * error shows as FAULT on the next access. */
		d->ctrl_stat |= DP_CTRL_STICKYERR;
		d->ctrl_stat &= ~DP_CTRL_READOK;
		*rdata = d->rdbuff;
		d->resend = *rdata;
		d->rdbuff = 0;
		return SWD_ACK_OK;
	case AP_OK:
		break;
	}
	*rdata = d->rdbuff; /* posted read: data of the previous AP read */
	d->resend = *rdata;
	d->rdbuff = val;
	d->ctrl_stat |= DP_CTRL_READOK;
	return SWD_ACK_OK;
}

static unsigned dp_read(struct simboard *b, unsigned a, uint32_t *rdata)
{
	struct dap *d = &b->dap;
	if (a == 0x0) {
		*rdata = SIM_DPIDR;
		return SWD_ACK_OK;
	}
	if (a == 0x4 && (d->select & 0xFu) == 0) {
		*rdata = ctrl_stat_read(d);
		return SWD_ACK_OK;
	}
	if (sticky(d))
		return ack_fault(b);
	switch (a) {
	case 0x4:
		switch (d->select & 0xFu) {
		case 1:
			*rdata = d->dlcr;
			break;
		case 2:
			*rdata = targetid(b);
			break;
		case 3:
			*rdata = SIM_DLPIDR;
			break;
		default:
			*rdata = 0; /* EVENTSTAT and reserved banks */
			break;
		}
		return SWD_ACK_OK;
	case 0x8:
		*rdata = d->resend;
		return SWD_ACK_OK;
	default: /* 0xC RDBUFF */
		/* A memory transfer still stalled on the AHB (errata 2). */
		if (d->last_mem_transfer && memap_would_wait(b, MEMAP_DRW))
			return ack_wait(b);
		*rdata = d->rdbuff;
		d->resend = d->rdbuff;
		return SWD_ACK_OK;
	}
}

unsigned dap_request(struct simboard *b, uint8_t request, uint32_t *rdata, bool *bad_parity)
{
	struct dap *d = &b->dap;
	bool apndp = (request & 0x02) != 0;
	bool read = (request & 0x04) != 0;
	unsigned a = ((request >> 3) & 3u) << 2;
	*rdata = 0;
	*bad_parity = false;
	if (d->deselected)
		return SWD_ACK_NONE;
	bool targetsel = !apndp && !read && a == 0xC;
	if (targetsel)
		return SWD_ACK_NONE; /* TARGETSEL is never acknowledged */
	if (d->reset_state) {
		if (apndp || !read || a != 0x0) {
			b->ctr.protocol_errors++;
			return SWD_ACK_NONE;
		}
		d->reset_state = false;
	}
	unsigned ack;
	if (apndp)
		ack = ap_access(b, read, a, rdata);
	else if (read)
		ack = dp_read(b, a, rdata);
	else
		ack = (a == 0x0 || !sticky(d)) ? SWD_ACK_OK : ack_fault(b);
	if (read && ack == SWD_ACK_OK) {
		d->reads++;
		uint32_t n = b->cfg.faults.parity_error_every;
		if (n && d->reads % n == 0)
			*bad_parity = true;
	}
	return ack;
}

static void dp_write(struct simboard *b, unsigned a, uint32_t data)
{
	struct dap *d = &b->dap;
	switch (a) {
	case 0x0: /* ABORT. DAPABORT cannot end an NVMC stall (errata 2). */
		if (data & DP_ABORT_STKCMPCLR)
			d->ctrl_stat &= ~DP_CTRL_STICKYCMP;
		if (data & DP_ABORT_STKERRCLR)
			d->ctrl_stat &= ~DP_CTRL_STICKYERR;
		if (data & DP_ABORT_WDERRCLR)
			d->ctrl_stat &= ~DP_CTRL_WDATAERR;
		if (data & DP_ABORT_ORUNERRCLR)
			d->ctrl_stat &= ~DP_CTRL_STICKYORUN;
		break;
	case 0x4:
		if ((d->select & 0xFu) == 0)
			d->ctrl_stat = (d->ctrl_stat & ~CTRL_WRITABLE) | (data & CTRL_WRITABLE);
		else if ((d->select & 0xFu) == 1)
			d->dlcr = data & 0x300u;
		break;
	case 0x8:
		d->select = data;
		break;
	default:
		break;
	}
}

void dap_write_data(struct simboard *b, uint8_t request, uint32_t data, bool parity_ok)
{
	struct dap *d = &b->dap;
	bool apndp = (request & 0x02) != 0;
	unsigned a = ((request >> 3) & 3u) << 2;
	if (!apndp && a == 0xC) {
		/* TARGETSEL: a bad parity or a mismatch deselects the target
		 * until the next line reset. TINSTANCE is fixed 0 (OOCD-91). */
		d->deselected = !parity_ok || (data & 0x0FFFFFFFu) != (targetid(b) & 0x0FFFFFFFu) ||
				(data >> 28) != (SIM_DLPIDR >> 28);
		return;
	}
	uint32_t every = b->cfg.faults.write_parity_error_every;
	if (every && ++d->writes % every == 0)
		parity_ok = false; /* the wire flipped one data bit */
	if (!parity_ok) {
		d->ctrl_stat |= DP_CTRL_WDATAERR;
		return;
	}
	if (!apndp) {
		dp_write(b, a, data);
		return;
	}
	switch (ap_write(b, ap_sel(d), ap_reg(d, a), data)) {
	case AP_OK:
		break;
	case AP_WAIT: /* the bus became busy after the ACK: the write is lost */
	case AP_FAULT:
	case AP_BUS_ERROR:
		d->ctrl_stat |= DP_CTRL_STICKYERR;
		break;
	}
}
