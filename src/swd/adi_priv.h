/*
 * Private to src/swd: the ADI handle and its transaction queue, shared by
 * adi.c (handle, connect), adi_queue.c (building the queue), adi_batch.c
 * (packing transactions into SWD bits and running them on the probe) and
 * adi_flush.c (sending the queue, decoding ACK/data/parity, recovery).
 * Why transactions carry "dest" and "producer": see adi.c's file comment.
 */
#ifndef NRFCRED_SWD_ADI_PRIV_H
#define NRFCRED_SWD_ADI_PRIV_H

#include "swd/adi.h"
#include "swd/swd_wire.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct adi_trace;

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
	bool unchecked; /* adi_queue_unchecked: no RDBUFF after the last write */
	uint32_t *pending_dest;
	long pending_index;
	bool select_valid;
	uint32_t select;
	uint32_t wait_ms, max_wait_retries, ap_idle;
	struct swd_bits bits;
	uint8_t *in;
	struct adi_stats stats;
	char detail[200];
	struct adi_trace *trace; /* NULL: no trace (adi_trace.h) */
};

/* adi.c */
void adi_set_detail(struct adi *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
uint64_t adi_now_ms(void);

/* adi_queue.c: collects the data of a posted AP read (RDBUFF read). */
void adi_finish_pending(struct adi *a);
void adi_queue_write_check(struct adi *a);
/* The queued write right before index k (idle cycles between), or -1. */
long adi_write_before(const struct adi *a, size_t k);

/* adi_batch.c */
uint32_t adi_txn_bits(const struct txn *t);
/* Appends one transaction to a->bits. */
void adi_batch_append(struct adi *a, const struct txn *t);
/* Adds the trailing idle cycles and runs a->bits on the probe into a->in. */
adi_err adi_batch_send(struct adi *a);
/* Sends a few transactions outside the queue (ABORT, CTRL/STAT), ACK-checked. */
adi_err adi_batch_direct(struct adi *a, const struct txn *t, size_t n);
struct txn adi_txn_dp(bool read, uint8_t reg, uint32_t value, uint32_t *dest);

/* adi_flush.c: empties the queue and forgets any pending posted read. */
void adi_clear_queue(struct adi *a);

/* adi_trace.c: lines for what one round trip carried (no-ops without a
 * trace). batch: the retry prologue pro[0..npro), a->q[first..end), then
 * the epilogue epi[0..nepi); skip_dest is the queue index whose data phase
 * is stale (-1: none). */
void adi_trace_batch(struct adi *a, const struct txn *pro, size_t npro, size_t first, size_t end,
		     long skip_dest, const struct txn *epi, size_t nepi);
void adi_trace_direct(struct adi *a, const struct txn *t, size_t n);
/* The wake-up sequence of a connect attempt and its DPIDR read at bit pos. */
void adi_trace_wakeup(struct adi *a, bool dormant, uint32_t pos);
void adi_trace_probe_error(struct adi *a);

#endif
