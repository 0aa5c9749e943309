/*
 * ADIv5 SW-DP transaction queue. Wire format: swd_wire.h. Semantics:
 * nrf91-target.md §1.2-1.3, OpenOCD adi_v5_swd.c / jlink.c.
 *
 * ORUNDETECT: we set CTRL/STAT.ORUNDETECT at power-up, as OpenOCD's
 * dap_dp_init does. With it, a WAIT or FAULT answer still has its data phase
 * clocked, so a batch of back-to-back transactions stays in step with the
 * target after a failed one, and the target sets STICKYORUN and answers
 * FAULT to (and does not perform) every later transaction of the batch until
 * ABORT.ORUNERRCLR. That makes "everything from the first non-OK ACK on did
 * not happen; clear, then retry from there" exact. Without ORUNDETECT the
 * target would parse a refused write's data phase as new requests.
 *
 * Posted reads: an AP read returns the previous AP read's data; each
 * transaction records where its data phase goes ("dest") and which AP read
 * produced that data ("producer"). A retry restarts from the producer, so
 * the posted value is regenerated rather than trusted (with TAR rewritten
 * first for auto-incrementing MEM-AP accesses).
 */
#include "swd/adi.h"

#include "probe/probe.h"
#include "swd/swd_wire.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum txn_kind { TXN_DP_READ, TXN_DP_WRITE, TXN_AP_READ, TXN_AP_WRITE, TXN_IDLE };

struct txn {
	uint32_t *dest;	   /* reads: where the data phase goes (may be NULL) */
	long producer;	   /* reads: index of the access whose value arrives here */
	uint32_t select;   /* SELECT value this AP access needs */
	uint32_t value;	   /* write data, or idle cycle count */
	uint32_t mem_addr; /* with has_mem: the memory address accessed */
	uint8_t kind;
	uint8_t req;
	uint8_t ap;
	bool has_mem; /* MEM-AP DRW access at mem_addr */
};

struct adi {
	struct probe *probe;
	struct txn *q;
	size_t n, cap;
	bool queue_failed;
	bool pending; /* an AP read whose data is still in the AP */
	uint32_t *pending_dest;
	long pending_index;
	bool select_valid;
	uint32_t select;
	uint32_t wait_ms, max_wait_retries, ap_idle;
	struct swd_bits bits;
	uint8_t *in;
	struct adi_stats stats;
	char detail[200];
};

#define PARITY_RETRIES	   3u
#define WDATAERR_RETRIES   3u
#define POWERUP_TIMEOUT_MS 100u

static void set_detail(struct adi *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_detail(struct adi *a, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(a->detail, sizeof(a->detail), fmt, ap);
	va_end(ap);
}

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

struct adi *adi_create(struct probe *probe)
{
	/* The dormant wake-up + DPIDR read (266 bits) must fit one batch. */
	if (!probe || probe->max_swd_bits < 320u)
		return NULL;
	struct adi *a = calloc(1, sizeof(*a));
	if (!a)
		return NULL;
	size_t bytes = (probe->max_swd_bits + 7u) / 8u;
	a->bits.dir = calloc(bytes, 1);
	a->bits.out = calloc(bytes, 1);
	a->in = calloc(bytes, 1);
	if (!a->bits.dir || !a->bits.out || !a->in) {
		adi_destroy(a);
		return NULL;
	}
	a->bits.cap_bits = probe->max_swd_bits;
	a->probe = probe;
	a->wait_ms = 500;
	a->max_wait_retries = 5000;
	return a;
}

void adi_destroy(struct adi *a)
{
	if (!a)
		return;
	/* The queue and the bit buffers carried image words, credential table
	 * included: wipe them, not just free them. */
	size_t bytes = (a->bits.cap_bits + 7u) / 8u;
	if (a->q)
		explicit_bzero(a->q, a->cap * sizeof(*a->q));
	if (a->bits.dir && a->bits.out && a->in) {
		explicit_bzero(a->bits.out, bytes);
		explicit_bzero(a->in, bytes);
	}
	free(a->q);
	free(a->bits.dir);
	free(a->bits.out);
	free(a->in);
	free(a);
}

void adi_set_wait_budget(struct adi *a, uint32_t wait_ms, uint32_t max_retries)
{
	a->wait_ms = wait_ms;
	a->max_wait_retries = max_retries;
}

void adi_set_ap_idle(struct adi *a, uint32_t bits)
{
	a->ap_idle = bits > 64u ? 64u : bits;
}

void adi_invalidate(struct adi *a)
{
	a->select_valid = false;
}

struct probe *adi_probe(const struct adi *a)
{
	return a->probe;
}

void adi_get_stats(const struct adi *a, struct adi_stats *s)
{
	*s = a->stats;
}

const char *adi_last_error_detail(const struct adi *a)
{
	return a ? a->detail : "";
}

size_t adi_queue_length(const struct adi *a)
{
	return a->n;
}

/* ---- queue ---- */

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

/* Collects the data of a posted AP read with a side-effect-free RDBUFF read. */
static void finish_pending(struct adi *a)
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

static void queue_dp(struct adi *a, bool read, uint8_t reg, uint32_t value, uint32_t *dest)
{
	finish_pending(a);
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
		finish_pending(a);
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

/* ---- flush ---- */

static uint32_t txn_bits(const struct txn *t)
{
	return t->kind == TXN_IDLE ? t->value : SWD_TXN_BITS;
}

static void append(struct adi *a, const struct txn *t)
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

static adi_err send(struct adi *a)
{
	swd_bits_idle(&a->bits, SWD_TRAILING_IDLE_BITS);
	a->stats.round_trips++;
	probe_err pe = probe_swd_io(a->probe, a->bits.dir, a->bits.out, a->in, a->bits.nbits);
	if (pe != PROBE_OK) {
		set_detail(a, "%s",
			   probe_last_error_detail(a->probe)[0] ? probe_last_error_detail(a->probe)
								: probe_strerror(pe));
		adi_invalidate(a);
		return ADI_ERR_PROBE;
	}
	return ADI_OK;
}

/* Sends a few transactions outside the queue (ABORT, CTRL/STAT), ACK-checked. */
static adi_err direct(struct adi *a, const struct txn *t, size_t n)
{
	swd_bits_reset(&a->bits);
	for (size_t i = 0; i < n; i++)
		append(a, &t[i]);
	adi_err err = send(a);
	if (err != ADI_OK)
		return err;
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
			if ((t[i].kind == TXN_DP_READ || t[i].kind == TXN_AP_READ) && t[i].dest)
				*t[i].dest = swd_bits_get(a->in, pos + SWD_READ_DATA_SLOT, 32);
		}
		pos += txn_bits(&t[i]);
	}
	return ADI_OK;
}

static struct txn mk_dp(bool read, uint8_t reg, uint32_t value, uint32_t *dest)
{
	struct txn t = {.kind = read ? TXN_DP_READ : TXN_DP_WRITE,
			.req = swd_request(false, read, reg),
			.value = value,
			.dest = dest,
			.producer = -1};
	return t;
}

/* Where to restart after a failure at index k (see the file comment). */
static size_t retry_point(const struct adi *a, size_t k)
{
	const struct txn *t = &a->q[k];
	if ((t->kind == TXN_AP_READ || t->kind == TXN_DP_READ) && t->producer >= 0 &&
	    (size_t)t->producer < k)
		return (size_t)t->producer;
	return k;
}

static void describe(struct adi *a, size_t k, char *buf, size_t len)
{
	/* The access at fault is the latest memory access at or before k. AP
	 * writes and reads are posted, so a bus error may surface as FAULT on
	 * the packet after the bad access: name that one too. */
	long cur = -1, prev = -1;
	for (size_t i = k + 1; i-- > 0;) {
		if (!a->q[i].has_mem)
			continue;
		if (cur < 0) {
			cur = (long)i;
		} else {
			prev = (long)i;
			break;
		}
	}
	if (cur >= 0 && prev >= 0)
		snprintf(buf, len, "AP%u memory access at 0x%08x (previous: 0x%08x)",
			 (unsigned)a->q[cur].ap, (unsigned)a->q[cur].mem_addr,
			 (unsigned)a->q[prev].mem_addr);
	else if (cur >= 0)
		snprintf(buf, len, "AP%u memory access at 0x%08x", (unsigned)a->q[cur].ap,
			 (unsigned)a->q[cur].mem_addr);
	else if (a->q[k].kind == TXN_AP_READ || a->q[k].kind == TXN_AP_WRITE)
		snprintf(buf, len, "AP%u register 0x%02x", (unsigned)a->q[k].ap,
			 (unsigned)((a->q[k].select & 0xF0u) | ((a->q[k].req >> 1) & 0x0Cu)));
	else
		snprintf(buf, len, "DP register 0x%x", (unsigned)((a->q[k].req >> 1) & 0x0Cu));
}

static void clear_queue(struct adi *a)
{
	a->n = 0;
	a->pending = false;
	a->queue_failed = false;
}

static adi_err fail(struct adi *a, adi_err err)
{
	clear_queue(a);
	adi_invalidate(a);
	return err;
}

adi_err adi_flush(struct adi *a)
{
	finish_pending(a);
	if (a->queue_failed) {
		set_detail(a, "out of memory queueing SWD transactions");
		return fail(a, ADI_ERR_NOMEM);
	}
	a->stats.flushes++;
	size_t i = 0;
	long skip_dest = -1; /* data phase of this index is not trusted (retry) */
	struct txn pro[4];   /* retry prologue */
	size_t npro = 0;
	uint32_t wait_retries = 0, parity_retries = 0, wderr_retries = 0;
	long last_bad = -1;
	uint64_t wait_start = 0, wait_bits = 0;
	uint32_t budget = a->probe->max_swd_bits - SWD_TRAILING_IDLE_BITS;

	while (i < a->n) {
		swd_bits_reset(&a->bits);
		uint32_t pos = 0;
		for (size_t p = 0; p < npro; p++) {
			append(a, &pro[p]);
			pos += txn_bits(&pro[p]);
		}
		size_t first = i, end = i;
		while (end < a->n && pos + txn_bits(&a->q[end]) <= budget) {
			append(a, &a->q[end]);
			pos += txn_bits(&a->q[end]);
			end++;
		}
		if (end == first) {
			set_detail(a, "probe buffer too small for one transaction");
			return fail(a, ADI_ERR_ARG);
		}
		adi_err err = send(a);
		if (err != ADI_OK)
			return fail(a, err);
		if (wait_retries)
			wait_bits += a->bits.nbits;

		/* Parse: prologue first, then the queued transactions. */
		pos = 0;
		long bad = -1; /* queue index of the first failure */
		uint32_t bad_ack = SWD_ACK_OK;
		bool bad_parity = false;
		for (size_t p = 0; p < npro && bad < 0; p++) {
			if (pro[p].kind != TXN_IDLE) {
				uint32_t ack = swd_bits_get(a->in, pos + 8u, 3);
				if (ack != SWD_ACK_OK) {
					bad = (long)first;
					bad_ack = ack;
				}
			}
			pos += txn_bits(&pro[p]);
		}
		for (size_t k = first; k < end && bad < 0; k++) {
			const struct txn *t = &a->q[k];
			if (t->kind != TXN_IDLE) {
				uint32_t ack = swd_bits_get(a->in, pos + 8u, 3);
				if (ack != SWD_ACK_OK) {
					bad = (long)k;
					bad_ack = ack;
				} else if (t->kind == TXN_DP_READ || t->kind == TXN_AP_READ) {
					uint32_t d =
						swd_bits_get(a->in, pos + SWD_READ_DATA_SLOT, 32);
					bool par =
						swd_bits_get(a->in, pos + SWD_READ_PARITY_SLOT, 1);
					if (par != swd_parity32(d)) {
						bad = (long)k;
						bad_parity = true;
					} else if (t->dest && (long)k != skip_dest) {
						*t->dest = d;
					}
				}
			}
			pos += txn_bits(t);
		}
		npro = 0;
		skip_dest = -1;
		if (bad < 0) {
			i = end;
			continue;
		}

		size_t k = (size_t)bad;
		/* Budgets are per failure point: progress past the previous one
		 * (a long queue meeting sporadic errors) starts them afresh. */
		if (last_bad < 0 || k > (size_t)last_bad) {
			wait_retries = parity_retries = wderr_retries = 0;
			wait_bits = 0;
			last_bad = (long)k;
		}
		char where[96];
		describe(a, k, where, sizeof(where));
		if (bad_parity) {
			a->stats.parity_retries++;
			if (++parity_retries > PARITY_RETRIES) {
				set_detail(a, "read data parity error on %s, %u retries", where,
					   (unsigned)PARITY_RETRIES);
				return fail(a, ADI_ERR_PARITY);
			}
		} else if (bad_ack == SWD_ACK_WAIT) {
			a->stats.wait_retries++;
			if (wait_retries == 0)
				wait_start = now_ms();
			wait_retries++;
			/* The budget is SWD clock time spent retrying (what the
			 * target experienced, the same on a loaded test machine),
			 * plus a wall-clock backstop ten times as long. */
			uint32_t khz = a->probe->speed_khz ? a->probe->speed_khz : 4000u;
			uint64_t wire_ms = wait_bits / khz;
			uint64_t wall_cap = a->wait_ms * 10u > 5000u ? a->wait_ms * 10u : 5000u;
			if (wait_retries > a->max_wait_retries || wire_ms > a->wait_ms ||
			    now_ms() - wait_start > wall_cap) {
				/* DAPABORT cancels the stuck AP transfer. */
				struct txn ab =
					mk_dp(false, ADI_DP_ABORT,
					      ADI_ABORT_DAPABORT | ADI_ABORT_ALL_STICKY, NULL);
				(void)direct(a, &ab, 1);
				set_detail(
					a,
					"target answered WAIT for %u ms of SWD clock (%u retries) "
					"on %s",
					(unsigned)wire_ms, (unsigned)wait_retries, where);
				return fail(a, ADI_ERR_WAIT_TIMEOUT);
			}
			/* Clear STICKYORUN, then give the target time: an idle run
			 * that grows with each retry, and a real pause once the
			 * stall is clearly long (NVMC erase stalls the bus ~87 ms,
			 * nRF9160 errata 2). */
			pro[npro++] = mk_dp(false, ADI_DP_ABORT, ADI_ABORT_ORUNERRCLR, NULL);
			uint32_t idle = 8u << (wait_retries < 9 ? wait_retries : 9);
			if (idle > a->probe->max_swd_bits / 4u)
				idle = a->probe->max_swd_bits / 4u;
			pro[npro++] = (struct txn){.kind = TXN_IDLE, .value = idle, .producer = -1};
			if (wait_retries > 32)
				usleep(200);
		} else if (bad_ack == SWD_ACK_FAULT) {
			a->stats.faults++;
			uint32_t cs = 0;
			struct txn rd = mk_dp(true, ADI_DP_CTRL_STAT, 0, &cs);
			struct txn clr = mk_dp(false, ADI_DP_ABORT, ADI_ABORT_ALL_STICKY, NULL);
			adi_err e1 = direct(a, &rd, 1);
			adi_err e2 = direct(a, &clr, 1);
			if (e1 == ADI_ERR_PROBE || e2 == ADI_ERR_PROBE)
				return fail(a, ADI_ERR_PROBE);
			/* A write-data parity error is a transmission error, not a
			 * bus error: resend. */
			if (e1 == ADI_OK && (cs & ADI_CS_WDATAERR) && !(cs & ADI_CS_STICKYERR) &&
			    ++wderr_retries <= WDATAERR_RETRIES) {
				/* fall through to the retry below */
			} else {
				set_detail(a, "FAULT on %s (CTRL/STAT 0x%08x%s)", where,
					   (unsigned)cs, e1 == ADI_OK ? "" : ", unreadable");
				return fail(a, ADI_ERR_FAULT);
			}
		} else if (bad_ack == SWD_ACK_NONE) {
			set_detail(a, "no ACK on %s: no target powered or connected", where);
			return fail(a, ADI_ERR_NO_TARGET);
		} else {
			set_detail(a, "invalid ACK 0x%x on %s", (unsigned)bad_ack, where);
			return fail(a, ADI_ERR_PROTOCOL);
		}

		/* Retry from r: re-establish SELECT (and TAR for auto-increment
		 * memory accesses) as they were when r was queued. */
		size_t r = retry_point(a, k);
		const struct txn *t = &a->q[r];
		if (t->kind == TXN_AP_READ || t->kind == TXN_AP_WRITE) {
			pro[npro++] = mk_dp(false, ADI_DP_SELECT, t->select, NULL);
			if (t->has_mem) {
				pro[npro] = (struct txn){.kind = TXN_AP_WRITE,
							 .req = swd_request(true, false, 0x04),
							 .ap = t->ap,
							 .select = t->select,
							 .value = t->mem_addr,
							 .producer = -1};
				npro++;
			}
		}
		if (t->kind == TXN_AP_READ)
			skip_dest = (long)r;
		i = r;
	}
	clear_queue(a);
	return ADI_OK;
}

/* ---- helpers ---- */

adi_err adi_dp_read(struct adi *a, uint8_t reg, uint32_t *value)
{
	adi_queue_dp_read(a, reg, value);
	return adi_flush(a);
}

adi_err adi_dp_write(struct adi *a, uint8_t reg, uint32_t value)
{
	adi_queue_dp_write(a, reg, value);
	return adi_flush(a);
}

adi_err adi_ap_read(struct adi *a, uint8_t ap, uint8_t reg, uint32_t *value)
{
	adi_queue_ap_read(a, ap, reg, value);
	return adi_flush(a);
}

adi_err adi_ap_write(struct adi *a, uint8_t ap, uint8_t reg, uint32_t value)
{
	adi_queue_ap_write(a, ap, reg, value);
	return adi_flush(a);
}

adi_err adi_delay_us(struct adi *a, uint32_t us)
{
	uint32_t khz = a->probe->speed_khz ? a->probe->speed_khz : 4000u;
	uint64_t bits = (uint64_t)us * khz / 1000u + 1u;
	while (bits > 0) {
		uint32_t n = bits > 0x40000000u ? 0x40000000u : (uint32_t)bits;
		adi_queue_idle(a, n);
		bits -= n;
		adi_err err = adi_flush(a);
		if (err != ADI_OK)
			return err;
	}
	return ADI_OK;
}

/* One connect attempt: a wake-up sequence then a DPIDR read. */
static adi_err try_dpidr(struct adi *a, bool dormant, uint32_t *dpidr)
{
	swd_bits_reset(&a->bits);
	if (dormant)
		swd_bits_dormant_to_swd(&a->bits);
	else
		swd_bits_jtag_to_swd(&a->bits);
	uint32_t pos = a->bits.nbits;
	swd_bits_read(&a->bits, swd_request(false, true, ADI_DP_DPIDR));
	adi_err err = send(a);
	if (err != ADI_OK)
		return err;
	uint32_t ack = swd_bits_get(a->in, pos + 8u, 3);
	if (ack == SWD_ACK_NONE) {
		set_detail(a, "no ACK to DPIDR read: no target powered or connected");
		return ADI_ERR_NO_TARGET;
	}
	if (ack != SWD_ACK_OK) {
		set_detail(a, "DPIDR read answered ACK 0x%x", (unsigned)ack);
		return ADI_ERR_PROTOCOL;
	}
	uint32_t d = swd_bits_get(a->in, pos + SWD_READ_DATA_SLOT, 32);
	if (swd_bits_get(a->in, pos + SWD_READ_PARITY_SLOT, 1) != (uint32_t)swd_parity32(d)) {
		set_detail(a, "DPIDR read parity error");
		return ADI_ERR_PARITY;
	}
	*dpidr = d;
	return ADI_OK;
}

adi_err adi_connect(struct adi *a, uint32_t *dpidr_out)
{
	clear_queue(a);
	/* After a line reset SELECT is unknown (OOCD-adi); rewrite it later. */
	adi_invalidate(a);
	uint32_t dpidr = 0;
	adi_err err = ADI_ERR_NO_TARGET;
	/* nRF91 answers after JTAG-to-SWD (DZ-60813); the dormant wake-up is
	 * the ADIv5.2 fallback, tried once, as OpenOCD alternates them. */
	for (int attempt = 0; attempt < 3; attempt++) {
		err = try_dpidr(a, attempt == 1, &dpidr);
		if (err == ADI_OK || err == ADI_ERR_PROBE)
			break;
	}
	if (err != ADI_OK)
		return err;
	if (dpidr_out)
		*dpidr_out = dpidr;
	/* Clear whatever a previous session left sticky. */
	struct txn t = mk_dp(false, ADI_DP_ABORT, ADI_ABORT_ALL_STICKY, NULL);
	err = direct(a, &t, 1);
	if (err != ADI_OK) {
		set_detail(a, "ABORT after connect failed");
		return err;
	}
	/* Power-up request, J-Link's own value 0x50000000 (DZ-60813) plus
	 * ORUNDETECT (see the file comment). */
	uint32_t cs = 0;
	adi_queue_dp_write(a, ADI_DP_SELECT, 0);
	adi_queue_dp_write(a, ADI_DP_CTRL_STAT,
			   ADI_CS_CSYSPWRUPREQ | ADI_CS_CDBGPWRUPREQ | ADI_CS_ORUNDETECT);
	adi_queue_dp_read(a, ADI_DP_CTRL_STAT, &cs);
	err = adi_flush(a);
	uint64_t start = now_ms();
	while (err == ADI_OK) {
		uint32_t acks = ADI_CS_CSYSPWRUPACK | ADI_CS_CDBGPWRUPACK;
		if ((cs & acks) == acks)
			return ADI_OK;
		if (now_ms() - start > POWERUP_TIMEOUT_MS) {
			set_detail(a, "debug power-up not acknowledged (CTRL/STAT 0x%08x)",
				   (unsigned)cs);
			return ADI_ERR_POWERUP;
		}
		err = adi_dp_read(a, ADI_DP_CTRL_STAT, &cs);
	}
	return err;
}

const char *adi_strerror(adi_err err)
{
	switch (err) {
	case ADI_OK:
		return "ok";
	case ADI_ERR_PROBE:
		return "probe failure";
	case ADI_ERR_NO_TARGET:
		return "no target answers on SWD";
	case ADI_ERR_PROTOCOL:
		return "SWD protocol error";
	case ADI_ERR_WAIT_TIMEOUT:
		return "target kept answering WAIT";
	case ADI_ERR_FAULT:
		return "target answered FAULT";
	case ADI_ERR_PARITY:
		return "SWD read parity error";
	case ADI_ERR_POWERUP:
		return "debug power-up failed";
	case ADI_ERR_NOMEM:
		return "out of memory";
	case ADI_ERR_ARG:
		return "invalid argument";
	}
	return "unknown ADI error";
}
