#include "station/runner_priv.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "db/db.h"
#include "db/db_pool.h"
#include "image/image.h"
#include "probe/jlink.h"
#include "probe/probe.h"
#include "station/config.h"
#include "station/csvlog.h"
#include "station/imei_index.h"
#include "station/job.h"
#include "station/journal.h"
#include "station/secrets_out.h"
#include "station/keygen.h"
#include "station/slot.h"

uint64_t runner_wall_ms(void)
{
	struct timeval tv;
	gettimeofday(&tv, NULL);
	return (uint64_t)tv.tv_sec * 1000u + (uint64_t)tv.tv_usec / 1000u;
}

void runner_emit(struct runner *r, struct station_event *ev)
{
	ev->time_ms = runner_wall_ms();
	ev->station = r->cfg->name;
	if (r->opts.events)
		station_events_emit(r->opts.events, ev);
}

static void emit_state(struct slot *s, const char *message)
{
	struct station_event ev = {.type = STATION_EV_STATE,
				   .slot = s->cfg->number,
				   .probe = s->cfg->probe,
				   .label = s->cfg->label,
				   .state = s->state,
				   .message = message};
	runner_emit(s->r, &ev);
}

static void work_cb(uv_work_t *req)
{
	struct slot *s = req->data;
	s->outcome = slot_step_run(s);
}

/* -------------------------------------------------------------- loop side */

static void runner_check_end(struct runner *r);

static void after_work_cb(uv_work_t *req, int status);

static void queue_step(struct slot *s)
{
	s->work.data = s;
	s->work_pending = true;
	int rc = uv_queue_work(s->r->opts.loop, &s->work, work_cb, after_work_cb);
	if (rc != 0) {
		s->work_pending = false;
		s->err = NRF91_OK; /* the cause is the detail, not the previous step's */
		snprintf(s->detail, sizeof s->detail, "cannot queue work: %s", uv_strerror(rc));
		slot_advance(s, SLOT_OUT_FAILED);
	}
}

static void timer_cb(uv_timer_t *t)
{
	struct slot *s = t->data;
	s->timer_armed = false;
	queue_step(s);
}

static void arm_timer(struct slot *s, uint64_t ms)
{
	s->timer_armed = true;
	uv_timer_start(&s->timer, timer_cb, ms, 0);
}

static bool retryable(nrf91_err e)
{
	switch (e) {
	case NRF91_ERR_PROBE:
	case NRF91_ERR_NO_TARGET:
	case NRF91_ERR_WAIT_TIMEOUT:
	case NRF91_ERR_FAULT:
	case NRF91_ERR_PARITY:
	case NRF91_ERR_NVMC_TIMEOUT:
	case NRF91_ERR_HALT_TIMEOUT:
	case NRF91_ERR_VERIFY:
		return true;
	default:
		return false;
	}
}

static void after_work_cb(uv_work_t *req, int status)
{
	struct slot *s = req->data;
	s->work_pending = false;
	enum slot_outcome out = s->outcome;
	if (status == UV_ECANCELED) {
		out = SLOT_OUT_FAILED;
		s->err = NRF91_OK;
		snprintf(s->detail, sizeof s->detail, "step cancelled");
	}
	slot_advance(s, out);
}

static void record_failure(struct slot *s, const char *why)
{
	if (s->flow.failing)
		return; /* the first cause is the one that counts */
	if (s->r->stopping)
		s->r->summary.interrupted_boards++;
	s->flow.failing = true;
	s->failed_step = s->state;
	snprintf(s->error, sizeof s->error, "%s", why);
}

/* AWAIT_RESULT polls ten times as often as the board detection: a poll
 * is a few words over SWD (about 3 ms of a full-speed probe), and half a
 * poll period on average is added to the board's time for every answer
 * the firmware gives (twice with the RAM session: READY, then RESULT). */
static uint64_t await_poll_ms(const struct runner *r)
{
	uint64_t ms = r->opts.poll_ms / 10u;
	return ms < 5u ? 5u : ms;
}

/* Errors of the wire itself: a clock the fixture's cabling cannot carry
 * shows up as these. OpenOCD's nrf91.cfg: "Keep adapter speed less or equal
 * 2000 kHz or flash programming fails". */
static bool wire_error(nrf91_err e)
{
	return e == NRF91_ERR_WAIT_TIMEOUT || e == NRF91_ERR_FAULT || e == NRF91_ERR_PARITY ||
	       e == NRF91_ERR_NO_TARGET || e == NRF91_ERR_NVMC_TIMEOUT;
}

/* VERIFY read a word twice and both reads agree on bits that were not
 * written (nrf91_verify): a cell that did not take the write. Neither a
 * re-read, nor a slower clock, nor another erase and write mends a stuck
 * cell, so the board fails with the word's address. */
static bool verify_mismatch(const struct slot *s)
{
	return s->err == NRF91_ERR_VERIFY &&
	       (s->state == SLOT_VERIFY || s->state == SLOT_VERIFY_APP);
}

/* Where a retry starts. Flash takes at most two writes per word between
 * erases (nWRITE, nRF9160 PS): a PROGRAM, or a VERIFY cut short by the
 * wire, starts again from an erase. */
static enum slot_state retry_state(enum slot_state st)
{
	switch (st) {
	case SLOT_PROGRAM:
	case SLOT_VERIFY:
		return SLOT_ERASE;
	case SLOT_PROGRAM_APP:
	case SLOT_VERIFY_APP:
		return SLOT_WIPE;
	default:
		return st;
	}
}

#define SWD_FALLBACK_FLOOR_KHZ 1000u

/* Halves the SWD clock for the next attempt (4 -> 2 -> 1 MHz). Such an
 * attempt is not one of the station's `retries`: it is a different clock,
 * not the same step again. False when already at the floor. */
static bool slot_lower_speed(struct slot *s)
{
	if (!wire_error(s->err) || s->swd_khz <= SWD_FALLBACK_FLOOR_KHZ)
		return false;
	s->swd_khz =
		s->swd_khz / 2 < SWD_FALLBACK_FLOOR_KHZ ? SWD_FALLBACK_FLOOR_KHZ : s->swd_khz / 2;
	s->speed_fallbacks++;
	char msg[64];
	snprintf(msg, sizeof msg, "SWD clock lowered to %" PRIu32 " kHz", s->swd_khz);
	if (s->target) {
		nrf91_detach(s->target);
		s->target = NULL;
	}
	if (s->retry_of == SLOT_IDLE)
		s->retry_of = s->state;
	s->retrying = true;
	slot_enter(s, retry_state(s->state), msg);
	s->retrying = false;
	return true;
}

static bool retry_left(const struct slot *s)
{
	return s->attempt < s->r->cfg->retries;
}

/* Runs the failed step again after a transient probe error; the step
 * reconnects first because the old target handle is dropped. */
static void slot_retry(struct slot *s)
{
	char msg[64];
	if (slot_lower_speed(s))
		return;
	s->attempt++;
	snprintf(msg, sizeof msg, "retry %u of %u", s->attempt, s->r->cfg->retries);
	if (s->target) {
		nrf91_detach(s->target);
		s->target = NULL;
	}
	if (s->retry_of == SLOT_IDLE)
		s->retry_of = s->state;
	s->retrying = true;
	slot_enter(s, retry_state(s->state), msg);
	s->retrying = false;
}

void slot_advance(struct slot *s, enum slot_outcome out)
{
	struct runner *r = s->r;
	s->flow.interrupted = r->stopping;
	/* A stop during the final wipe of a board whose app was still to come:
	 * no VERIFY_APP will prove what that wipe left to it, so it runs again
	 * proving every range before the board is closed. */
	if (s->state == SLOT_WIPE && out == SLOT_OUT_OK && s->wipe_left_to_app &&
	    s->flow.interrupted && !atomic_load(&r->hard_abort)) {
		s->wipe_left_to_app = false;
		s->wipe_full = true;
		slot_enter(s, SLOT_WIPE, "interrupted: the wipe proves every range");
		return;
	}
	if (s->state == SLOT_WIPE && out == SLOT_OUT_OK)
		s->wiped = true; /* what closes the board's journal entry */
	if (out == SLOT_OUT_OK && s->state == s->retry_of) {
		s->attempt = 0; /* the step that failed works again */
		s->retry_of = SLOT_IDLE;
	}

	bool hard = atomic_load(&r->hard_abort);
	if (out == SLOT_OUT_FAILED && s->state == SLOT_WIPE) {
		if (!hard && retryable(s->err) && retry_left(s)) {
			slot_retry(s);
			return;
		}
		/* Say that the wipe failed next to the first cause. */
		size_t n = strlen(s->error);
		if (n == 0 && r->stopping)
			n = (size_t)snprintf(s->error, sizeof s->error, "%s",
					     hard ? "aborted by the operator"
						  : "interrupted by the operator");
		if (s->err != NRF91_OK && s->err != NRF91_ERR_ABORTED)
			snprintf(s->error + n, sizeof s->error - n, "%swipe failed: %s%s%s",
				 n ? "; " : "", nrf91_strerror(s->err), s->detail[0] ? ": " : "",
				 s->detail);
		else
			snprintf(s->error + n, sizeof s->error - n, "%s%s", n ? "; " : "",
				 s->detail[0] ? s->detail : "wipe failed");
		if (!s->flow.failing) {
			s->flow.failing = true;
			s->failed_step = SLOT_WIPE;
		}
	} else if (out == SLOT_OUT_FAILED && slot_state_is_busy(s->state)) {
		if (r->stopping && (s->err == NRF91_ERR_ABORTED || hard)) {
			record_failure(s, hard ? "aborted by the operator"
					       : "interrupted by the operator");
		} else if (!r->stopping && !s->flow.failing && retryable(s->err) &&
			   !verify_mismatch(s) &&
			   (retry_left(s) ||
			    (wire_error(s->err) && s->swd_khz > SWD_FALLBACK_FLOOR_KHZ))) {
			slot_retry(s);
			return;
		} else {
			char why[320];
			if (s->err == NRF91_ERR_PROBE)
				s->probe_failed = true;
			if (s->err != NRF91_OK && !verify_mismatch(s))
				snprintf(why, sizeof why, "%s%s%s", nrf91_strerror(s->err),
					 s->detail[0] ? ": " : "", s->detail);
			else
				snprintf(why, sizeof why, "%s", s->detail);
			record_failure(s, why);
		}
	} else if (r->stopping && slot_state_is_busy(s->state) &&
		   (s->state != SLOT_WIPE || s->flow.has_app)) {
		record_failure(s, "interrupted by the operator");
	}

	if (out == SLOT_OUT_FAILED && !slot_state_is_busy(s->state)) {
		/* Waiting for a board: only the probe can fail here. */
		r->summary.probe_failures++;
		emit_state(s, s->detail);
	}

	if (out == SLOT_OUT_PENDING && !r->stopping) {
		if (s->state == SLOT_AWAIT_RESULT && uv_now(r->opts.loop) >= s->await_deadline) {
			char why[128];
			snprintf(why, sizeof why,
				 "no result from the firmware within %" PRIu32 ".%03" PRIu32
				 " s (timeout)",
				 r->cfg->timeout_ms / 1000, r->cfg->timeout_ms % 1000);
			record_failure(s, why);
			slot_enter(s, slot_next_state(s->state, SLOT_OUT_FAILED, &s->flow), NULL);
			return;
		}
		if (s->state == SLOT_AWAIT_RESULT || s->state == SLOT_WAIT_BOARD ||
		    s->state == SLOT_WAIT_REMOVE) {
			arm_timer(s, s->state == SLOT_AWAIT_RESULT
					     ? await_poll_ms(r)
					     : 2u * (uint64_t)r->opts.poll_ms);
			return;
		}
	}
	slot_enter(s, slot_next_state(s->state, out, &s->flow), NULL);
}

/* The step that hands the board its first secret: with the flash delivery
 * PROGRAM writes the table with the image, with the RAM delivery
 * AWAIT_RESULT sends it in the TABLE record (PROGRAM writes a generic
 * image then). */
static enum slot_state first_secret_state(const struct runner *r)
{
	return r->job->delivery == STATION_DELIVERY_RAM ? SLOT_AWAIT_RESULT : SLOT_PROGRAM;
}

static bool journal_due(const struct slot *s)
{
	return s->r->journal && !s->journal_open && s->state == first_secret_state(s->r);
}

bool slot_imei_is_new(struct slot *s, const char *imei)
{
	struct runner *r = s->r;
	uint64_t id = s->info.device_id;
	bool is_new = true, dup = false;
	unsigned other = 0;
	uint64_t other_id = 0;
	uv_mutex_lock(&r->imei_lock);
	for (size_t i = 0; i < r->imei_count && is_new; i++)
		if (strcmp(r->imeis[i].imei, imei) == 0) {
			is_new = false;
			dup = r->imeis[i].device_id != id;
			other = r->imeis[i].slot;
			other_id = r->imeis[i].device_id;
		}
	if (is_new && r->imei_count == r->imei_cap) {
		size_t cap = r->imei_cap ? 2 * r->imei_cap : 16;
		struct runner_imei *n = realloc(r->imeis, cap * sizeof *n);
		if (n) {
			r->imeis = n;
			r->imei_cap = cap;
		}
	}
	bool stored = !is_new || r->imei_count < r->imei_cap;
	if (is_new && stored) {
		struct runner_imei *e = &r->imeis[r->imei_count++];
		snprintf(e->imei, sizeof e->imei, "%s", imei);
		e->device_id = id;
		e->slot = s->cfg->number;
	}
	uv_mutex_unlock(&r->imei_lock);
	if (dup)
		snprintf(s->detail, sizeof s->detail,
			 "IMEI %s is already slot %u's, from another board (DEVICEID %016" PRIx64
			 "): two boards report one IMEI",
			 imei, other, other_id);
	else if (!stored)
		snprintf(s->detail, sizeof s->detail, "out of memory recording IMEI %s", imei);
	if (dup || !stored || r->opts.db == NULL)
		return !dup && stored;
	/* Across the factory: another station's pass (db/db.h). */
	char why[240];
	db_err e = db_station_imei_check(r->opts.db, imei, why, sizeof why);
	if (e == DB_OK)
		return true;
	if (e == DB_ERR_DUPLICATE && r->opts.reprovision) {
		/* As the logs' index does: through again, and its row says so
		 * (the unique index leaves such rows out, migration 0002). */
		s->reprovisioned = true;
		return true;
	}
	snprintf(s->detail, sizeof s->detail, "%s%s",
		 e == DB_ERR_DUPLICATE ? "" : "database: ", why);
	return false;
}

static void slot_run_state(struct slot *s);

/* The entry is on disk (or could not be written): only now may the
 * secret go out. */
static void journal_written(struct slot *s)
{
	if (s->records.journal_err != JOURNAL_OK) {
		s->err = NRF91_OK;
		slot_journal_failed(s, "no credential was sent", s->detail, sizeof s->detail);
		slot_advance(s, SLOT_OUT_FAILED);
		return;
	}
	s->journal_open = true;
	if (s->r->stopping) {
		/* Ctrl-C came while the line was written: this is the safe
		 * point, before the step hands anything over. */
		s->err = NRF91_ERR_ABORTED;
		s->detail[0] = '\0';
		slot_advance(s, SLOT_OUT_FAILED);
		return;
	}
	slot_run_state(s);
}

static void new_board(struct slot *s)
{
	s->flow.failing = false;
	s->wipe_left_to_app = false;
	s->wipe_full = false;
	s->crc_verdict = false;
	s->probe_failed = false;
	s->attempt = 0;
	s->retry_of = SLOT_IDLE;
	s->failed_step = SLOT_IDLE;
	s->error[0] = '\0';
	s->have_result = false;
	s->imei[0] = '\0';
	s->refusal[0] = '\0';
	s->reprovisioned = false;
	s->table_sent = false;
	slot_board_table_drop(s);
	s->access_lost = 0;
	s->locked = false;
	s->touched = false;
	s->journal_open = false; /* an entry left open stays in the journal */
	s->wiped = false;
	slot_session_reset(s);
	keygen_slot_reset(s);
	s->swd_khz = s->r->cfg->swd_khz;
	s->loader_fallback[0] = '\0';
	s->speed_fallbacks = 0;
	memset(&s->result, 0, sizeof s->result);
	memset(&s->info, 0, sizeof s->info);
	s->board_start_ms = runner_wall_ms();
	s->board_start_hr = uv_hrtime();
	atomic_store(&s->abort, atomic_load(&s->r->hard_abort));
}

void slot_enter(struct slot *s, enum slot_state next, const char *message)
{
	struct runner *r = s->r;
	enum slot_state prev = s->state;
	/* The retries of a failed step last until that step works: a retried
	 * PROGRAM goes through ERASE again, which must not give it a new
	 * budget (it would retry for ever). The wipe of a failing board has a
	 * budget of its own. */
	if (next == SLOT_WIPE && prev != SLOT_WIPE && !s->retrying) {
		s->attempt = 0;
		s->retry_of = SLOT_IDLE;
	}
	if (!slot_state_is_busy(prev) && next == SLOT_CONNECT)
		new_board(s);
	s->state = next;
	atomic_store_explicit(&s->progress_done, 0, memory_order_relaxed);
	atomic_store_explicit(&s->progress_total, 0, memory_order_relaxed);
	emit_state(s, message);
	if (next == SLOT_AWAIT_RESULT && prev != SLOT_AWAIT_RESULT)
		s->await_deadline = uv_now(r->opts.loop) + r->cfg->timeout_ms;
	if (journal_due(s)) {
		slot_journal_board(s, journal_written);
		return;
	}
	slot_run_state(s);
}

static void slot_run_state(struct slot *s)
{
	struct runner *r = s->r;
	switch (s->state) {
	case SLOT_DONE:
	case SLOT_FAILED:
		/* The next state follows once the row is written. */
		slot_finish_board(s);
		return;
	case SLOT_STOPPED:
	case SLOT_ABSENT:
		runner_check_end(r);
		return;
	case SLOT_AWAIT_RESULT:
		arm_timer(s, await_poll_ms(r));
		return;
	case SLOT_WAIT_BOARD:
		s->vtref_polls = 0;
		queue_step(s);
		return;
	case SLOT_WAIT_REMOVE:
		queue_step(s);
		return;
	default:
		if (slot_state_is_step(s->state))
			queue_step(s);
		return;
	}
}

static void close_cb(uv_handle_t *h)
{
	(void)h;
}

/* Every handle the runner put on the loop; the loop runs the close
 * callbacks (all no-ops) on its next turn. */
static void close_handles(struct runner *r)
{
	for (size_t i = 0; i < r->timers_open; i++)
		uv_close((uv_handle_t *)&r->slots[i].timer, close_cb);
	r->timers_open = 0;
	if (r->signals_open) {
		for (size_t i = 0; i < RUNNER_STOP_SIGNALS; i++)
			uv_close((uv_handle_t *)&r->signals[i], close_cb);
		r->signals_open = false;
	}
}

static void runner_check_end(struct runner *r)
{
	if (r->ended)
		return;
	for (size_t i = 0; i < r->slot_count; i++) {
		struct slot *s = &r->slots[i];
		if ((s->state != SLOT_STOPPED && s->state != SLOT_ABSENT) || s->work_pending)
			return;
	}
	r->ended = true;
	close_handles(r);
	struct station_event ev = {.type = STATION_EV_END,
				   .passed_count = r->summary.passed,
				   .failed_count = r->summary.failed};
	ev.exit_code = r->opts.exit_code_of ? r->opts.exit_code_of(&r->summary) : -1;
	runner_emit(r, &ev);
}

void runner_interrupt(struct runner *r, bool immediate)
{
	if (r->ended)
		return;
	if (r->stopping && !immediate)
		immediate = true; /* a second request */
	bool first = !r->stopping;
	r->stopping = true;
	r->summary.interrupted = true;
	if (immediate)
		atomic_store(&r->hard_abort, true);
	struct station_event ev = {.type = STATION_EV_STOP, .immediate = immediate};
	if (first || immediate)
		runner_emit(r, &ev);
	for (size_t i = 0; i < r->slot_count; i++) {
		struct slot *s = &r->slots[i];
		s->flow.interrupted = true;
		/* Steps stop at their next safe point; a wipe that is running
		 * goes on (aborting it would leave the keys in flash), and one
		 * that starts later clears the flag again, unless this is the
		 * second interrupt. */
		if (slot_state_is_interruptible(s->state) || immediate)
			atomic_store(&s->abort, true);
		if (s->timer_armed && !s->work_pending) {
			uv_timer_stop(&s->timer);
			s->timer_armed = false;
			slot_advance(s, SLOT_OUT_PENDING);
		} else if (!s->work_pending && s->state == SLOT_IDLE) {
			slot_enter(s, SLOT_STOPPED, NULL);
		}
	}
	runner_check_end(r);
}

void runner_drain(struct runner *r)
{
	if (r->ended || r->summary.drained)
		return;
	r->summary.drained = true;
	for (size_t i = 0; i < r->slot_count; i++) {
		struct slot *s = &r->slots[i];
		s->flow.draining = true;
		/* A slot between two polls for a board has no board to finish.
		 * One whose poll is running stops when the poll returns (the
		 * flow says so), as does one being entered right now (its
		 * timer is not armed yet). */
		if (s->timer_armed && !s->work_pending &&
		    (s->state == SLOT_WAIT_BOARD || s->state == SLOT_WAIT_REMOVE)) {
			uv_timer_stop(&s->timer);
			s->timer_armed = false;
			slot_enter(s, SLOT_STOPPED, NULL);
		}
	}
	runner_check_end(r);
}

/* Each of them asks the run to stop as a Ctrl-C does: SIGHUP is the SSH
 * session or terminal that closed, SIGTERM a service manager, SIGQUIT
 * Ctrl-\. Their default action would end the process in the middle of a
 * board, with its keys still in flash and no row written. */
static const int stop_signals[RUNNER_STOP_SIGNALS] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};

static void signal_cb(uv_signal_t *h, int signum)
{
	(void)signum;
	runner_interrupt(h->data, false);
}

int runner_create(const struct runner_options *opts, struct runner **out, char *err, size_t errlen)
{
	*out = NULL;
	struct runner *r = calloc(1, sizeof *r);
	if (r == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	r->opts = *opts;
	if (r->opts.poll_ms == 0)
		r->opts.poll_ms = DEFAULT_POLL_MS;
	r->cfg = opts->cfg;
	r->summary.continuous = opts->continuous;
	r->job = opts->job;
	r->slot_count = r->cfg->slot_count;
	r->slots = calloc(r->slot_count ? r->slot_count : 1, sizeof *r->slots);
	if (r->slots == NULL) {
		free(r);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < r->slot_count; i++) {
		struct slot *s = &r->slots[i];
		s->r = r;
		s->cfg = &r->cfg->slots[i];
		s->flow.has_app = r->job->app != NULL;
		s->flow.continuous = opts->continuous;
		s->trace = opts->traces ? opts->traces[i] : NULL;
		atomic_init(&s->abort, false);
		atomic_init(&s->progress_done, 0);
		atomic_init(&s->progress_total, 0);
		atomic_init(&s->progress_bytes, true);
		uv_timer_init(opts->loop, &s->timer);
		s->timer.data = s;
		r->timers_open = i + 1;
		if (opts->csv) {
			csvlog_err ce =
				csvlog_open(r->cfg->log_dir, r->cfg->name, s->cfg->number, &s->log);
			if (ce != CSVLOG_OK) {
				int e = errno;
				snprintf(err, errlen, "%s/%s-slot%u.csv: %s%s%s", r->cfg->log_dir,
					 r->cfg->name, s->cfg->number, csvlog_strerror(ce),
					 ce == CSVLOG_ERR_IO ? ": " : "",
					 ce == CSVLOG_ERR_IO ? strerror(e) : "");
				runner_destroy(r);
				return -1;
			}
		}
	}
	if (opts->journal) {
		journal_err je =
			journal_open(r->cfg->log_dir, r->cfg->name, &r->journal, &r->journal_scan);
		if (je != JOURNAL_OK) {
			int e = errno;
			snprintf(err, errlen, "%s/%s.journal: %s%s%s", r->cfg->log_dir, r->cfg->name,
				 journal_strerror(je), je == JOURNAL_ERR_IO ? ": " : "",
				 je == JOURNAL_ERR_IO ? strerror(e)
				 : je == JOURNAL_ERR_FORMAT
					 ? " (move it away: nrfcred will not overwrite it)"
					 : "");
			runner_destroy(r);
			return -1;
		}
	}
	if (runner_open_identity(r, err, errlen) != 0) {
		runner_destroy(r);
		return -1;
	}
	atomic_init(&r->hard_abort, false);
	if (uv_mutex_init(&r->imei_lock) != 0) {
		snprintf(err, errlen, "cannot create a mutex");
		runner_destroy(r);
		return -1;
	}
	r->imei_lock_ready = true;
	*out = r;
	return 0;
}

void runner_start(struct runner *r)
{
	struct station_event start = {.type = STATION_EV_START,
				      .slot_count = (unsigned)r->slot_count,
				      .provisioner_sha256 = r->job->provisioner_sha256,
				      .sim_build = manifest_is_sim_build(&r->job->manifest)};
	runner_emit(r, &start);

	char errbuf[200];
	probe_err pe = jlink_context_create(&r->jlink);
	for (size_t i = 0; i < r->slot_count; i++) {
		struct slot *s = &r->slots[i];
		errbuf[0] = '\0';
		if (pe == PROBE_OK)
			pe = jlink_open(r->jlink, s->cfg->serial, r->cfg->swd_khz, &s->probe,
					errbuf, sizeof errbuf);
		if (pe != PROBE_OK) {
			snprintf(s->absent_reason, sizeof s->absent_reason, "%s%s%s",
				 probe_strerror(pe), errbuf[0] ? ": " : "", errbuf);
			s->state = SLOT_ABSENT;
			r->summary.absent++;
			if (r->jlink != NULL)
				pe = PROBE_OK; /* the next slot tries its own probe */
		}
		struct station_event ev = {.type = STATION_EV_SLOT,
					   .slot = s->cfg->number,
					   .probe = s->cfg->probe,
					   .label = s->cfg->label,
					   .state = s->state,
					   .message = s->absent_reason};
		runner_emit(r, &ev);
	}

	if (r->opts.signals) {
		for (size_t i = 0; i < RUNNER_STOP_SIGNALS; i++) {
			uv_signal_init(r->opts.loop, &r->signals[i]);
			r->signals[i].data = r;
			uv_signal_start(&r->signals[i], signal_cb, stop_signals[i]);
		}
		r->signals_open = true;
	}
	/* Boards an earlier run may have left with keys come first: their
	 * slots start once they are dealt with. */
	if (r->journal)
		runner_recover_leftovers(r);
	for (size_t i = 0; i < r->slot_count; i++) {
		struct slot *s = &r->slots[i];
		if (s->state == SLOT_IDLE && !s->recovering)
			slot_start(s);
	}
	runner_check_end(r);
}

void slot_start(struct slot *s)
{
	slot_enter(s, slot_next_state(SLOT_IDLE, SLOT_OUT_OK, &s->flow), NULL);
}

void runner_get_summary(const struct runner *r, struct runner_summary *out)
{
	*out = r->summary;
}

bool runner_slot_progress(const struct runner *r, unsigned slot, struct runner_progress *out)
{
	for (size_t i = 0; i < r->slot_count; i++)
		if (r->slots[i].cfg->number == slot) {
			const struct slot *s = &r->slots[i];
			out->done = atomic_load_explicit(&s->progress_done, memory_order_relaxed);
			out->total = atomic_load_explicit(&s->progress_total, memory_order_relaxed);
			out->bytes = atomic_load_explicit(&s->progress_bytes, memory_order_relaxed);
			return true;
		}
	return false;
}

void runner_destroy(struct runner *r)
{
	if (r == NULL)
		return;
	/* The run never started or never ended (uv_run returned early): the
	 * handles live inside r, so they must be off the loop before the free.
	 * No work can be pending here: queued work keeps uv_run going. */
	if (r->timers_open > 0 || r->signals_open) {
		close_handles(r);
		uv_run(r->opts.loop, UV_RUN_NOWAIT);
	}
	for (size_t i = 0; i < r->slot_count; i++) {
		struct slot *s = &r->slots[i];
		if (s->target)
			nrf91_detach(s->target);
		probe_close(s->probe);
		csvlog_close(s->log);
		slot_board_table_drop(s);
		keygen_slot_reset(s);
		/* Never settled (the run stopped at READY): it stays claimed,
		 * and this station's next start burns it (db_pool_burn_stale). */
		db_pool_claim_free(s->pool_claim);
	}
	db_pool_key_free(r->pool_key);
	imei_index_destroy(r->provisioned);
	secrets_out_close(r->secrets);
	if (r->jlink)
		jlink_context_destroy(r->jlink);
	journal_close(r->journal);
	if (r->imei_lock_ready)
		uv_mutex_destroy(&r->imei_lock);
	free(r->imeis);
	free(r->slots);
	free(r);
}
