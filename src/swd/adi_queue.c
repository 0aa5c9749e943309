/*
 * Building the ADI transaction queue: DP/AP/MEM-AP accesses, the SELECT
 * writes they need and the RDBUFF read that collects a posted AP read.
 * Nothing goes on the wire here; adi_flush sends the queue.
 */
#include "probe/probe.h"
#include "swd/adi.h"
#include "swd/adi_priv.h"
#include "swd/swd_wire.h"

#include <stdlib.h>
#include <string.h>

static struct txn *push(struct adi *a)
{
	if (a->queue_failed)
		return NULL;
	if (a->n == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 256;
		/* Not realloc: the old block held queued write data and must be
		 * wiped before it is freed. */
		struct txn *q = malloc(cap * sizeof(*q));
		if (!q) {
			a->queue_failed = true;
			return NULL;
		}
		if (a->q) {
			memcpy(q, a->q, a->n * sizeof(*q));
			explicit_bzero(a->q, a->cap * sizeof(*a->q));
			free(a->q);
		}
		a->q = q;
		a->cap = cap;
	}
	struct txn *t = &a->q[a->n++];
	memset(t, 0, sizeof(*t));
	t->producer = -1;
	return t;
}

static void queue_dp_read_rdbuff(struct adi *a)
{
	struct txn *t = push(a);
	if (!t)
		return;
	t->kind = TXN_DP_READ;
	t->req = swd_request(false, true, ADI_DP_RDBUFF);
	t->producer = (long)(a->n - 1);
}

/* Collects the data of a posted AP read with a side-effect-free RDBUFF read. */
void adi_finish_pending(struct adi *a)
{
	if (!a->pending)
		return;
	a->pending = false;
	if (!a->pending_dest)
		return;
	struct txn *t = push(a);
	if (!t)
		return;
	t->kind = TXN_DP_READ;
	t->req = swd_request(false, true, ADI_DP_RDBUFF);
	t->dest = a->pending_dest;
	t->producer = a->pending_index;
}

long adi_write_before(const struct adi *a, size_t k)
{
	for (size_t i = k; i-- > 0;) {
		if (a->q[i].kind == TXN_AP_WRITE || a->q[i].kind == TXN_DP_WRITE)
			return (long)i;
		if (a->q[i].kind != TXN_IDLE)
			break;
	}
	return -1;
}

static bool last_is_write(const struct adi *a)
{
	return adi_write_before(a, a->n) >= 0;
}

/* An RDBUFF read after the last queued write: it answers FAULT if the
 * target dropped that write (a data parity error, CTRL/STAT.WDATAERR),
 * which then shows inside the flush that sent it. */
void adi_queue_write_check(struct adi *a)
{
	if (!a->pending && last_is_write(a))
		queue_dp_read_rdbuff(a);
}

static void queue_dp(struct adi *a, bool read, uint8_t reg, uint32_t value, uint32_t *dest)
{
	adi_finish_pending(a);
	/* DPIDR and CTRL/STAT reads and ABORT writes answer OK even with a
	 * sticky flag set (ADIv5: they must not WAIT or FAULT; probe-rs
	 * perform_transfers): after a write that was dropped, the FAULT that
	 * names it would come after them, or in the next flush. */
	if (((read && (reg == ADI_DP_DPIDR || reg == ADI_DP_CTRL_STAT)) ||
	     (!read && reg == ADI_DP_ABORT)) &&
	    last_is_write(a))
		queue_dp_read_rdbuff(a);
	struct txn *t = push(a);
	if (!t)
		return;
	t->kind = read ? TXN_DP_READ : TXN_DP_WRITE;
	t->req = swd_request(false, read, reg);
	t->value = value;
	t->dest = dest;
	t->producer = (long)(a->n - 1);
	if (!read && reg == ADI_DP_SELECT) {
		a->select = value;
		a->select_valid = true;
	}
}

void adi_queue_dp_read(struct adi *a, uint8_t reg, uint32_t *dest)
{
	queue_dp(a, true, reg, 0, dest);
}

void adi_queue_dp_write(struct adi *a, uint8_t reg, uint32_t value)
{
	queue_dp(a, false, reg, value, NULL);
}

static uint32_t select_for(uint8_t ap, uint8_t reg)
{
	/* ADIv5 SELECT: APSEL[31:24], APBANKSEL[7:4], DPBANKSEL[3:0] = 0. */
	return ((uint32_t)ap << 24) | (reg & 0xF0u);
}

static void ensure_select(struct adi *a, uint32_t sel)
{
	if (a->select_valid && a->select == sel)
		return;
	queue_dp(a, false, ADI_DP_SELECT, sel, NULL);
}

static void queue_ap(struct adi *a, bool read, uint8_t ap, uint8_t reg, uint32_t value,
		     uint32_t *dest, bool has_mem, uint32_t mem_addr)
{
	uint32_t sel = select_for(ap, reg);
	if (!read)
		adi_finish_pending(a);
	ensure_select(a, sel); /* a SELECT write collects a pending read first */
	struct txn *t = push(a);
	if (!t)
		return;
	t->kind = read ? TXN_AP_READ : TXN_AP_WRITE;
	t->req = swd_request(true, read, reg & 0x0Cu);
	t->ap = ap;
	t->select = sel;
	t->value = value;
	t->has_mem = has_mem;
	t->mem_addr = mem_addr;
	if (read) {
		if (a->pending) {
			t->dest = a->pending_dest;
			t->producer = a->pending_index;
		}
		a->pending = true;
		a->pending_dest = dest;
		a->pending_index = (long)(a->n - 1);
	}
	if (a->ap_idle)
		adi_queue_idle(a, a->ap_idle);
}

void adi_queue_ap_read(struct adi *a, uint8_t ap, uint8_t reg, uint32_t *dest)
{
	queue_ap(a, true, ap, reg, 0, dest, false, 0);
}

void adi_queue_ap_write(struct adi *a, uint8_t ap, uint8_t reg, uint32_t value)
{
	queue_ap(a, false, ap, reg, value, NULL, false, 0);
}

void adi_queue_mem_read(struct adi *a, uint8_t ap, uint32_t addr, uint32_t *dest)
{
	queue_ap(a, true, ap, 0x0C, 0, dest, true, addr);
}

void adi_queue_mem_write(struct adi *a, uint8_t ap, uint32_t addr, uint32_t value)
{
	queue_ap(a, false, ap, 0x0C, value, NULL, true, addr);
}

void adi_queue_idle(struct adi *a, uint32_t bits)
{
	/* Keep every idle run small enough to share a batch with the largest
	 * retry prologue (3 transactions + max_swd_bits/4 of back-off idle). */
	uint32_t chunk = a->probe->max_swd_bits - SWD_TRAILING_IDLE_BITS - 3u * SWD_TXN_BITS -
			 a->probe->max_swd_bits / 4u;
	while (bits > 0) {
		uint32_t n = bits < chunk ? bits : chunk;
		struct txn *t = push(a);
		if (!t)
			return;
		t->kind = TXN_IDLE;
		t->value = n;
		bits -= n;
	}
}

void adi_queue_unchecked(struct adi *a)
{
	a->unchecked = true;
}
