/*
 * adi_flush: sends the queue in as few probe round trips as the probe
 * buffer allows, decodes ACK / data / parity, and recovers from WAIT
 * (ORUNERRCLR + back-off, bounded), FAULT (CTRL/STAT read, sticky clear,
 * resend only on a write-data parity error) and read parity errors
 * (re-read, bounded). Why "retry from the first non-OK ACK" is exact:
 * adi.c's file comment (ORUNDETECT, posted reads).
 */
#include "probe/probe.h"
#include "swd/adi.h"
#include "swd/adi_priv.h"
#include "swd/swd_wire.h"

#include <stdio.h>
#include <unistd.h>

#define PARITY_RETRIES	 3u
#define WDATAERR_RETRIES 3u
#define MAX_REREADS	 8u

/* Where to restart after a failure at index k (see adi.c's file comment). */
static size_t retry_point(const struct adi *a, size_t k)
{
	const struct txn *t = &a->q[k];
	if ((t->kind == TXN_AP_READ || t->kind == TXN_DP_READ) && t->producer >= 0 &&
	    (size_t)t->producer < k)
		return (size_t)t->producer;
	return k;
}

/* Reads to send again, q[from..to]. */
struct reread {
	size_t from, to;
};

/* Records a run of bad reads [first, last]; the first run past the
 * plan's room only gives its retry point. */
static void note_run(const struct adi *a, struct reread *found, size_t *groups,
		     size_t *overflow_from, long first, long last)
{
	if (*groups < MAX_REREADS)
		found[*groups] = (struct reread){retry_point(a, (size_t)first), (size_t)last};
	else if (*groups == MAX_REREADS)
		*overflow_from = retry_point(a, (size_t)first);
	++*groups;
}

/* How a batch began: the first queued transaction of a retry follows the
 * recovery's own ABORT and the retry prologue on the wire. */
enum batch_start { BATCH_FRESH, BATCH_RETRY, BATCH_RETRY_AFTER_WAIT };

/* A write whose data failed its parity check was ACKed OK and then dropped
 * by the target, which answers FAULT (CTRL/STAT.WDATAERR) from the next
 * transaction on (ADIv5, SWD protocol): the retry starts again at that
 * write, the last one before k on the wire (idle cycles in between). A
 * FAULT on the first transaction of a retry names a write of the recovery
 * (its ABORT, SELECT, TAR): the retry from k sends them again. Except after
 * a WAIT: a DP that buffers a write may also discard it on the
 * non-stallable ABORT that clears the overrun (Arm KA 103489847), so a
 * queued write right before k may be the lost one: not told apart. -1 when
 * the write cannot be named (k opens the flush: the queue before it ended
 * in an unchecked write; or a read came between): nothing is resent then. */
/* wait_write: the write before the access that answered WAIT, which the
 * recovery's ABORT may have discarded (the first batch after that ABORT is
 * a re-read or the retry itself). */
static long dropped_write(const struct adi *a, size_t k, size_t first, enum batch_start start,
			  long wait_write)
{
	if (k == first && start == BATCH_RETRY_AFTER_WAIT && wait_write >= 0)
		return -1;
	if (k == first && start != BATCH_FRESH)
		return (long)k;
	return adi_write_before(a, k);
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

void adi_clear_queue(struct adi *a)
{
	a->n = 0;
	a->pending = false;
	a->queue_failed = false;
	a->unchecked = false;
}

static adi_err fail(struct adi *a, adi_err err)
{
	adi_clear_queue(a);
	adi_invalidate(a);
	return err;
}

/* Appends the SELECT (and TAR, for an auto-incrementing memory access)
 * that q[r] was queued with; an AP read there returns a stale posted value,
 * so its data is not taken. */
static void retry_prologue(const struct adi *a, size_t r, struct txn *pro, size_t *npro,
			   long *skip_dest)
{
	const struct txn *t = &a->q[r];
	if (t->kind == TXN_AP_READ || t->kind == TXN_AP_WRITE) {
		pro[(*npro)++] = adi_txn_dp(false, ADI_DP_SELECT, t->select, NULL);
		if (t->has_mem)
			pro[(*npro)++] = (struct txn){.kind = TXN_AP_WRITE,
						      .req = swd_request(true, false, 0x04),
						      .ap = t->ap,
						      .select = t->select,
						      .value = t->mem_addr,
						      .producer = -1};
	}
	if (t->kind == TXN_AP_READ)
		*skip_dest = (long)r;
}

adi_err adi_flush(struct adi *a)
{
	adi_finish_pending(a);
	if (!a->unchecked)
		adi_queue_write_check(a);
	if (a->queue_failed) {
		adi_set_detail(a, "out of memory queueing SWD transactions");
		return fail(a, ADI_ERR_NOMEM);
	}
	a->stats.flushes++;
	size_t i = 0;
	long skip_dest = -1; /* data phase of this index is not trusted (retry) */
	struct txn pro[4];   /* retry prologue */
	size_t npro = 0;
	enum batch_start start = BATCH_FRESH;
	long wait_write = -1; /* see dropped_write */
	uint32_t wait_retries = 0, parity_retries = 0, wderr_retries = 0;
	long last_bad = -1;
	uint64_t wait_start = 0, wait_bits = 0;
	uint32_t budget = a->probe->max_swd_bits - SWD_TRAILING_IDLE_BITS;
	/* Reads whose data failed their parity check are read again alone
	 * (the plan: runs of them between writes, each from its retry point up
	 * to its last bad read); the transactions after them did happen on the
	 * target, and the flush goes on from `resume` (a later failure, or
	 * where the batch ended), so a write among them is not sent twice.
	 * Resending the rest with the re-read also met a periodic fault at the
	 * same read every time. */
	struct reread plan[MAX_REREADS], found[MAX_REREADS];
	size_t plan_n = 0, plan_cur = 0;
	size_t stop_at = a->n;
	long resume = -1;

	while (i < a->n) {
		swd_bits_reset(&a->bits);
		uint32_t pos = 0;
		for (size_t p = 0; p < npro; p++) {
			adi_batch_append(a, &pro[p]);
			pos += adi_txn_bits(&pro[p]);
		}
		size_t first = i, end = i;
		/* Room is kept for the epilogue below. */
		while (end < stop_at && pos + adi_txn_bits(&a->q[end]) + SWD_TXN_BITS <= budget) {
			adi_batch_append(a, &a->q[end]);
			pos += adi_txn_bits(&a->q[end]);
			end++;
		}
		if (end == first) {
			adi_set_detail(a, "probe buffer too small for one transaction");
			return fail(a, ADI_ERR_ARG);
		}
		/* A batch cut after a write ends with an RDBUFF read: a drop of
		 * that write answers in this batch, where the write is named,
		 * not first thing in the next (a retry or a re-read there would
		 * take it for its own prologue's). */
		struct txn epi = adi_txn_dp(true, ADI_DP_RDBUFF, 0, NULL);
		size_t nepi = end < a->n && adi_write_before(a, end) >= 0 ? 1u : 0u;
		uint32_t epi_pos = pos;
		if (nepi)
			adi_batch_append(a, &epi);
		adi_err err = adi_batch_send(a);
		if (err != ADI_OK)
			return fail(a, err);
		adi_trace_batch(a, pro, npro, first, end, skip_dest, &epi, nepi);
		if (wait_retries)
			wait_bits += a->bits.nbits;

		/* Parse: prologue first, then the queued transactions. */
		enum batch_start this_start = start;
		start = BATCH_FRESH;
		pos = 0;
		long bad = -1;	     /* queue index of the first non-OK ACK */
		long parity_at = -1; /* the first read before it with bad parity */
		size_t groups = 0;   /* runs of bad reads, no write between */
		long run_first = -1, run_last = -1;
		size_t overflow_from = 0;
		uint32_t bad_ack = SWD_ACK_OK;
		for (size_t p = 0; p < npro && bad < 0; p++) {
			if (pro[p].kind != TXN_IDLE) {
				uint32_t ack = swd_bits_get(a->in, pos + 8u, 3);
				if (ack != SWD_ACK_OK) {
					bad = (long)first;
					bad_ack = ack;
				}
			}
			pos += adi_txn_bits(&pro[p]);
		}
		for (size_t k = first; k < end && bad < 0; k++) {
			const struct txn *t = &a->q[k];
			if ((t->kind == TXN_AP_WRITE || t->kind == TXN_DP_WRITE) &&
			    run_first >= 0) {
				note_run(a, found, &groups, &overflow_from, run_first, run_last);
				run_first = -1;
			}
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
						if (parity_at < 0)
							parity_at = (long)k;
						if (run_first < 0)
							run_first = (long)k;
						run_last = (long)k;
					} else if (t->dest && (long)k != skip_dest) {
						*t->dest = d;
					}
				}
			}
			pos += adi_txn_bits(t);
		}
		if (run_first >= 0) {
			note_run(a, found, &groups, &overflow_from, run_first, run_last);
		}
		bool bad_epilogue = false;
		if (nepi && bad < 0) {
			uint32_t ack = swd_bits_get(a->in, epi_pos + 8u, 3);
			if (ack != SWD_ACK_OK) {
				bad = (long)end; /* the failure point: the next txn */
				bad_ack = ack;
				bad_epilogue = true;
			}
		}
		npro = 0;
		skip_dest = -1;
		if (bad < 0 && parity_at < 0) {
			i = end;
			if (resume >= 0 && i >= stop_at) {
				if (++plan_cur < plan_n) {
					i = plan[plan_cur].from;
					stop_at = plan[plan_cur].to + 1u;
				} else {
					i = (size_t)resume;
					resume = -1;
					stop_at = a->n;
					plan_n = plan_cur = 0;
				}
				start = BATCH_RETRY;
				retry_prologue(a, i, pro, &npro, &skip_dest);
			}
			continue;
		}
		/* A failure inside a re-read (reads only, up to stop_at): the
		 * re-read starts over from its retry point, the plan after it
		 * stays. */
		bool rereading = resume >= 0;

		size_t k = parity_at >= 0 ? (size_t)parity_at : (size_t)bad;
		/* Budgets are per failure point: progress past the previous one
		 * (a long queue meeting sporadic errors) starts them afresh. */
		if (last_bad < 0 || k > (size_t)last_bad) {
			wait_retries = parity_retries = wderr_retries = 0;
			wait_bits = 0;
			last_bad = (long)k;
		}
		char where[96];
		describe(a, k, where, sizeof(where));
		if (parity_at >= 0) {
			a->stats.parity_retries++;
			if (++parity_retries > PARITY_RETRIES) {
				adi_set_detail(a, "read data parity error on %s, %u retries", where,
					       (unsigned)PARITY_RETRIES);
				return fail(a, ADI_ERR_PARITY);
			}
		}
		/* A non-OK ACK after it: that failure is recovered as well
		 * (its sticky flag cleared), and the flush goes on from it. */
		size_t r = 0;
		if (bad >= 0) {
			k = (size_t)bad;
			/* An epilogue's answer is about the write before it. */
			describe(a, bad_epilogue ? k - 1u : k, where, sizeof(where));
			if (bad_ack == SWD_ACK_WAIT) {
				a->stats.wait_retries++;
				if (wait_retries == 0)
					wait_start = adi_now_ms();
				wait_retries++;
				/* The budget is SWD clock time spent retrying (what the
				 * target experienced, the same on a loaded test machine),
				 * plus a wall-clock backstop ten times as long. */
				uint32_t khz = a->probe->speed_khz ? a->probe->speed_khz : 4000u;
				uint64_t wire_ms = wait_bits / khz;
				uint64_t wall_cap =
					a->wait_ms * 10u > 5000u ? a->wait_ms * 10u : 5000u;
				if (wait_retries > a->max_wait_retries || wire_ms > a->wait_ms ||
				    adi_now_ms() - wait_start > wall_cap) {
					/* DAPABORT cancels the stuck AP transfer. */
					struct txn ab = adi_txn_dp(
						false, ADI_DP_ABORT,
						ADI_ABORT_DAPABORT | ADI_ABORT_ALL_STICKY, NULL);
					(void)adi_batch_direct(a, &ab, 1);
					adi_set_detail(a,
						       "target answered WAIT for %u ms of SWD "
						       "clock (%u retries) "
						       "on %s",
						       (unsigned)wire_ms, (unsigned)wait_retries,
						       where);
					return fail(a, ADI_ERR_WAIT_TIMEOUT);
				}
				/* Clear STICKYORUN, then give the target time: an idle run
				 * that grows with each retry, and a real pause once the
				 * stall is clearly long (NVMC erase stalls the bus ~87 ms,
				 * nRF9160 errata 2). */
				pro[npro++] =
					adi_txn_dp(false, ADI_DP_ABORT, ADI_ABORT_ORUNERRCLR, NULL);
				start = BATCH_RETRY_AFTER_WAIT;
				wait_write = adi_write_before(a, k);
				uint32_t idle = 8u << (wait_retries < 9 ? wait_retries : 9);
				if (idle > a->probe->max_swd_bits / 4u)
					idle = a->probe->max_swd_bits / 4u;
				pro[npro++] = (struct txn){
					.kind = TXN_IDLE, .value = idle, .producer = -1};
				if (wait_retries > 32)
					usleep(200);
			} else if (bad_ack == SWD_ACK_FAULT) {
				a->stats.faults++;
				uint32_t cs = 0;
				struct txn rd = adi_txn_dp(true, ADI_DP_CTRL_STAT, 0, &cs);
				struct txn clr =
					adi_txn_dp(false, ADI_DP_ABORT, ADI_ABORT_ALL_STICKY, NULL);
				/* CTRL/STAT answers through a sticky flag only in DP bank 0
				 * (OpenDAP sw_dp hostacc_fault); in another bank 0x4 is
				 * another register, whose bits decide nothing here. */
				bool bank0 = !a->select_valid || (a->select & 0xFu) == 0;
				adi_err e1 = ADI_ERR_FAULT;
				for (uint32_t n = 0; bank0 && n <= PARITY_RETRIES; n++) {
					e1 = adi_batch_direct(a, &rd,
							      1); /* no side effect: re-read */
					if (e1 != ADI_ERR_PARITY)
						break;
				}
				adi_err e2 = adi_batch_direct(a, &clr, 1);
				if (e1 == ADI_ERR_PROBE || e2 == ADI_ERR_PROBE)
					return fail(a, ADI_ERR_PROBE);
				start = BATCH_RETRY;
				/* A write-data parity error is a transmission error, not a
				 * bus error: resend. */
				if (e1 == ADI_OK && (cs & ADI_CS_WDATAERR) &&
				    !(cs & ADI_CS_STICKYERR) &&
				    ++wderr_retries <= WDATAERR_RETRIES) {
					/* fall through to the retry below */
				} else {
					adi_set_detail(a, "FAULT on %s (CTRL/STAT 0x%08x%s)", where,
						       (unsigned)cs,
						       e1 == ADI_OK ? ""
						       : bank0	    ? ", unreadable"
								    : ", not read: DP bank not 0");
					return fail(a, ADI_ERR_FAULT);
				}
			} else if (bad_ack == SWD_ACK_NONE) {
				adi_set_detail(a, "no ACK on %s: no target powered or connected",
					       where);
				return fail(a, ADI_ERR_NO_TARGET);
			} else {
				adi_set_detail(a, "invalid ACK 0x%x on %s", (unsigned)bad_ack,
					       where);
				return fail(a, ADI_ERR_PROTOCOL);
			}
			r = retry_point(a, k);
			if (bad_ack == SWD_ACK_FAULT) {
				long w = dropped_write(a, k, first, this_start, wait_write);
				if (w < 0) {
					adi_set_detail(
						a,
						"FAULT on %s: a write before it was dropped "
						"(CTRL/STAT.WDATAERR) and cannot be named, so "
						"it is not sent again",
						where);
					return fail(a, ADI_ERR_FAULT);
				}
				r = (size_t)w;
			}
		}
		if (rereading) {
			if (parity_at >= 0)
				r = retry_point(a, (size_t)parity_at);
		} else if (parity_at >= 0) {
			/* Where the flush goes on after the re-reads: the failure
			 * above, or the end of this batch, or the AP read whose
			 * posted value the next batch collects (a re-read replaces
			 * it in the AP). A run that reaches that point is sent
			 * again from its retry point with all after it. */
			size_t after = (size_t)end;
			if (bad >= 0)
				after = r;
			else if (end < a->n)
				after = retry_point(a, end);
			if (groups > MAX_REREADS && overflow_from < after)
				after = overflow_from; /* runs past MAX_REREADS: sent again */
			plan_n = 0;
			for (size_t g = 0; g < groups && g < MAX_REREADS; g++) {
				if (found[g].from >= after)
					break;
				if (found[g].to >= after) {
					/* The read at `after` collects this run's data:
					 * the run goes again with all after it (reads
					 * only from its retry point on). */
					after = found[g].from;
					break;
				}
				plan[plan_n++] = found[g];
			}
			plan_cur = 0;
			if (plan_n > 0) {
				r = plan[0].from;
				stop_at = plan[0].to + 1u;
				resume = (long)after;
			} else {
				r = after;
			}
		}
		if ((rereading || parity_at >= 0) && start == BATCH_FRESH)
			start = BATCH_RETRY;
		/* Retry from r: re-establish SELECT (and TAR for auto-increment
		 * memory accesses) as they were when r was queued. */
		retry_prologue(a, r, pro, &npro, &skip_dest);
		i = r;
	}
	adi_clear_queue(a);
	return ADI_OK;
}
