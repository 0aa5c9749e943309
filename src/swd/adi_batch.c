/*
 * One probe round trip: queued transactions packed into SWD bit arrays
 * (swd_wire.h), sent with probe_swd_io, and the out-of-queue "direct"
 * transactions used by recovery and connect.
 */
#include "probe/probe.h"
#include "swd/adi.h"
#include "swd/adi_priv.h"
#include "swd/swd_wire.h"

uint32_t adi_txn_bits(const struct txn *t)
{
	return t->kind == TXN_IDLE ? t->value : SWD_TXN_BITS;
}

void adi_batch_append(struct adi *a, const struct txn *t)
{
	switch (t->kind) {
	case TXN_IDLE:
		swd_bits_idle(&a->bits, t->value);
		break;
	case TXN_DP_READ:
	case TXN_AP_READ:
		swd_bits_read(&a->bits, t->req);
		break;
	default:
		swd_bits_write(&a->bits, t->req, t->value);
		break;
	}
}

adi_err adi_batch_send(struct adi *a)
{
	swd_bits_idle(&a->bits, SWD_TRAILING_IDLE_BITS);
	a->stats.round_trips++;
	probe_err pe = probe_swd_io(a->probe, a->bits.dir, a->bits.out, a->in, a->bits.nbits);
	if (pe != PROBE_OK) {
		adi_set_detail(a, "%s",
			       probe_last_error_detail(a->probe)[0]
				       ? probe_last_error_detail(a->probe)
				       : probe_strerror(pe));
		adi_trace_probe_error(a);
		adi_invalidate(a);
		return ADI_ERR_PROBE;
	}
	return ADI_OK;
}

/* Sends a few transactions outside the queue (ABORT, CTRL/STAT), ACK-checked. */
adi_err adi_batch_direct(struct adi *a, const struct txn *t, size_t n)
{
	swd_bits_reset(&a->bits);
	for (size_t i = 0; i < n; i++)
		adi_batch_append(a, &t[i]);
	adi_err err = adi_batch_send(a);
	if (err != ADI_OK)
		return err;
	adi_trace_direct(a, t, n);
	uint32_t pos = 0;
	for (size_t i = 0; i < n; i++) {
		if (t[i].kind != TXN_IDLE) {
			uint32_t ack = swd_bits_get(a->in, pos + 8u, 3);
			if (ack == SWD_ACK_NONE)
				return ADI_ERR_NO_TARGET;
			if (ack != SWD_ACK_OK)
				return ack == SWD_ACK_WAIT || ack == SWD_ACK_FAULT
					       ? ADI_ERR_FAULT
					       : ADI_ERR_PROTOCOL;
			if (t[i].kind == TXN_DP_READ || t[i].kind == TXN_AP_READ) {
				uint32_t d = swd_bits_get(a->in, pos + SWD_READ_DATA_SLOT, 32);
				/* Recovery decides on these bits (CTRL/STAT.WDATAERR
				 * means "resend"): a corrupted word must not decide. */
				if (swd_bits_get(a->in, pos + SWD_READ_PARITY_SLOT, 1) !=
				    swd_parity32(d))
					return ADI_ERR_PARITY;
				if (t[i].dest)
					*t[i].dest = d;
			}
		}
		pos += adi_txn_bits(&t[i]);
	}
	return ADI_OK;
}

struct txn adi_txn_dp(bool read, uint8_t reg, uint32_t value, uint32_t *dest)
{
	struct txn t = {.kind = read ? TXN_DP_READ : TXN_DP_WRITE,
			.req = swd_request(false, read, reg),
			.value = value,
			.dest = dest,
			.producer = -1};
	return t;
}
