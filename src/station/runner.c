#include "station/runner.h"

#include <inttypes.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "image/image.h"
#include "probe/jlink.h"
#include "probe/probe.h"
#include "provision/result.h"
#include "provision/table.h"
#include "station/config.h"
#include "station/csvlog.h"
#include "station/job.h"
#include "station/slot.h"
#include "target/nrf91.h"

/* VTref thresholds for board detection (continuous mode). nRF91 boards run
 * at 1.8 V or more; below 0.5 V nothing is powered. */
#define VTREF_PRESENT_MV 1500u
#define VTREF_ABSENT_MV	 500u
#define DEFAULT_POLL_MS	 100u

struct slot {
	struct runner *r;
	const struct station_slot_config *cfg;
	struct probe *probe;
	struct nrf91 *target;
	struct nrf91_info info;
	struct csvlog *log;
	enum slot_state state;
	struct slot_flow flow;
	uv_work_t work;
	uv_timer_t timer;
	bool work_pending;
	bool timer_armed;

	/* Written by the worker, read on the loop thread after the work's
	 * completion callback (libuv orders the two). */
	enum slot_outcome outcome;
	nrf91_err err;
	char detail[256];
	struct result result;
	bool have_result;

	/* Written by the worker's progress callback, read by the dashboard. */
	_Atomic uint64_t progress_done;
	_Atomic uint64_t progress_total;
	atomic_bool progress_bytes; /* false: done/total are a fraction, not bytes */
	atomic_bool abort;	    /* nrf91_options.abort_flag */

	/* The board in progress (loop thread only). */
	unsigned attempt;
	bool probe_failed; /* the board failed because the probe did */
	enum slot_state failed_step;
	char error[320];
	uint64_t board_start_ms; /* wall clock */
	uint64_t board_start_hr; /* uv_hrtime, ns */
	uint64_t await_deadline; /* uv_now, ms */
	char absent_reason[200];
};

struct runner {
	struct runner_options opts;
	const struct station_config *cfg;
	const struct station_job *job;
	struct jlink_context *jlink;
	size_t slot_count;
	struct slot *slots;
	uv_signal_t sigint, sigterm;
	bool signals_open;
	bool stopping;
	atomic_bool hard_abort;
	bool ended;
	struct runner_summary summary;
};

static uint64_t wall_ms(void)
{
	struct timeval tv;
	gettimeofday(&tv, NULL);
	return (uint64_t)tv.tv_sec * 1000u + (uint64_t)tv.tv_usec / 1000u;
}

static void emit(struct runner *r, struct station_event *ev)
{
	ev->time_ms = wall_ms();
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
	emit(s->r, &ev);
}

/* ------------------------------------------------------------ worker side */

static void on_progress(void *user, enum nrf91_phase phase, uint64_t done, uint64_t total)
{
	struct slot *s = user;
	/* Only program, verify and read-back count bytes; connect, erase and
	 * run report 0/1 steps, which would read as "1B/1B" on the dashboard. */
	if (phase != NRF91_PHASE_PROGRAM && phase != NRF91_PHASE_VERIFY &&
	    phase != NRF91_PHASE_READ)
		total = done = 0;
	atomic_store_explicit(&s->progress_bytes, true, memory_order_relaxed);
	atomic_store_explicit(&s->progress_total, total, memory_order_relaxed);
	atomic_store_explicit(&s->progress_done, done, memory_order_relaxed);
}

static nrf91_err attach(struct slot *s, bool allow_recover)
{
	struct nrf91_options o = {.allow_recover = allow_recover,
				  .abort_flag = &s->abort,
				  .progress = on_progress,
				  .progress_user = s};
	if (s->target) {
		nrf91_detach(s->target);
		s->target = NULL;
	}
	nrf91_err e = nrf91_attach(s->probe, &o, &s->target, &s->info);
	if (e != NRF91_OK)
		snprintf(s->detail, sizeof s->detail, "%s", s->info.error_detail);
	return e;
}

static void set_detail_from_target(struct slot *s)
{
	if (s->target)
		snprintf(s->detail, sizeof s->detail, "%s", nrf91_last_error_detail(s->target));
}

/* The firmware's live progress word (provision.h: phase << 24 | entry << 16
 * | entries), shown as a fraction of the run. Display only: a read error or
 * a nonsense value is ignored. */
static void show_firmware_progress(struct slot *s)
{
	uint32_t addr = s->r->job->manifest.progress_addr, w = 0;
	if (addr == 0 || nrf91_read_u32(s->target, addr, &w) != NRF91_OK)
		return;
	unsigned phase = w >> 24, entry = (w >> 16) & 0xFFu, entries = w & 0xFFFFu;
	if (phase < NRFCRED_PHASE_BOOT || phase > NRFCRED_PHASE_DONE)
		return;
	/* Six phase steps; the credentials step moves entry by entry. */
	uint64_t permille = (uint64_t)(phase - NRFCRED_PHASE_BOOT) * 1000u / 6u;
	if (phase == NRFCRED_PHASE_CREDENTIALS && entries > 0 && entry <= entries)
		permille += (uint64_t)entry * 1000u / 6u / entries;
	atomic_store_explicit(&s->progress_bytes, false, memory_order_relaxed);
	atomic_store_explicit(&s->progress_total, 1000, memory_order_relaxed);
	atomic_store_explicit(&s->progress_done, permille, memory_order_relaxed);
}

/* Reads the result block: the status word first (written last by the
 * firmware), then the whole block once it is final. */
static enum slot_outcome poll_result(struct slot *s)
{
	const struct manifest *m = &s->r->job->manifest;
	uint32_t status;
	nrf91_err e = nrf91_read_u32(s->target, m->result_addr, &status);
	if (e != NRF91_OK) {
		s->err = e;
		set_detail_from_target(s);
		return SLOT_OUT_FAILED;
	}
	if (status == NRFCRED_RESULT_STATUS_PENDING) {
		show_firmware_progress(s);
		return SLOT_OUT_PENDING;
	}
	uint8_t head[NRFCRED_RESULT_HEADER_SIZE];
	e = nrf91_read(s->target, m->result_addr, head, sizeof head);
	if (e != NRF91_OK) {
		s->err = e;
		set_detail_from_target(s);
		return SLOT_OUT_FAILED;
	}
	uint32_t total = (uint32_t)head[12] | (uint32_t)head[13] << 8 | (uint32_t)head[14] << 16 |
			 (uint32_t)head[15] << 24;
	/* Hostile: never read more than the area the manifest reserves. */
	if (total < sizeof head || total > m->result_max ||
	    total > NRFCRED_RESULT_SIZE(NRFCRED_TABLE_MAX_ENTRIES))
		total = sizeof head;
	uint8_t *buf = malloc(total);
	if (buf == NULL) {
		s->err = NRF91_ERR_NOMEM;
		return SLOT_OUT_FAILED;
	}
	e = nrf91_read(s->target, m->result_addr, buf, total);
	if (e != NRF91_OK) {
		free(buf);
		s->err = e;
		set_detail_from_target(s);
		return SLOT_OUT_FAILED;
	}
	struct provision_diag pd = {{0}};
	result_err re = result_decode(buf, total, m->result_max, &s->result, &pd);
	free(buf);
	if (re != RESULT_OK) {
		snprintf(s->detail, sizeof s->detail, "result block unreadable: %s%s%s",
			 result_strerror(re), pd.text[0] ? ": " : "", pd.text);
		return SLOT_OUT_FAILED;
	}
	s->have_result = true;
	return SLOT_OUT_OK;
}

static enum slot_outcome check_result(struct slot *s)
{
	struct provision_diag pd = {{0}};
	result_err re = result_check(&s->result, s->r->job->table, &pd);
	if (re == RESULT_OK)
		return SLOT_OUT_OK;
	if (re == RESULT_ERR_STATUS)
		snprintf(s->detail, sizeof s->detail, "firmware reported %s%s%s",
			 result_status_name(s->result.status), pd.text[0] ? ": " : "", pd.text);
	else
		snprintf(s->detail, sizeof s->detail, "%s%s%s", result_strerror(re),
			 pd.text[0] ? ": " : "", pd.text);
	return SLOT_OUT_FAILED;
}

/* Reads [addr, addr+len) back and checks every byte is 0xFF. */
static nrf91_err check_blank(struct slot *s, uint32_t addr, uint64_t len, uint64_t *done,
			     uint64_t total)
{
	uint8_t buf[4096];
	while (len > 0) {
		size_t n = len < sizeof buf ? (size_t)len : sizeof buf;
		nrf91_err e = nrf91_read(s->target, addr, buf, n);
		if (e != NRF91_OK)
			return e;
		for (size_t i = 0; i < n; i++)
			if (buf[i] != 0xFF) {
				snprintf(s->detail, sizeof s->detail,
					 "0x%08" PRIx32 " reads 0x%02x after erase-all",
					 addr + (uint32_t)i, buf[i]);
				return NRF91_ERR_VERIFY;
			}
		addr += (uint32_t)n;
		len -= n;
		*done += n;
		on_progress(s, NRF91_PHASE_READ, *done, total);
	}
	return NRF91_OK;
}

/*
 * After ERASEALL, reads back every byte this run wrote: the provisioner's
 * segments (the table with the keys among them), the result area, and the
 * app's segments. ERASEALL clears the whole flash and UICR in one NVMC
 * operation (nRF9160 PS, NVMC ERASEALL), so these ranges prove it ran; a
 * full 1 MiB read (nrf91_check_erased) would multiply the wipe time by ten
 * on a 4 MHz SWD clock for no extra assurance.
 */
static nrf91_err check_wiped(struct slot *s)
{
	const struct station_job *job = s->r->job;
	const struct image *imgs[2] = {job->image, job->app};
	uint64_t total = job->manifest.result_max, done = 0;
	for (size_t k = 0; k < 2; k++)
		if (imgs[k])
			total += image_size(imgs[k]);
	for (size_t k = 0; k < 2; k++) {
		if (imgs[k] == NULL)
			continue;
		for (size_t i = 0; i < image_segment_count(imgs[k]); i++) {
			struct image_segment seg = image_segment_get(imgs[k], i);
			nrf91_err e = check_blank(s, seg.start, seg.size, &done, total);
			if (e != NRF91_OK)
				return e;
		}
	}
	return check_blank(s, job->manifest.result_addr, job->manifest.result_max, &done, total);
}

static enum slot_outcome wipe(struct slot *s)
{
	struct runner *r = s->r;
	/* After the first Ctrl-C the abort flag stopped the step; the wipe
	 * must still run. Only a second Ctrl-C skips it. */
	if (atomic_load(&r->hard_abort)) {
		snprintf(s->detail, sizeof s->detail, "aborted: the board was NOT wiped");
		s->err = NRF91_ERR_ABORTED;
		return SLOT_OUT_FAILED;
	}
	atomic_store(&s->abort, false);
	if (atomic_load(&r->hard_abort))
		atomic_store(&s->abort, true);
	nrf91_err e = NRF91_OK;
	if (s->target == NULL)
		e = attach(s, r->cfg->approtect == STATION_APPROTECT_RECOVER);
	if (e == NRF91_OK)
		e = nrf91_erase_all(s->target);
	if (e == NRF91_OK)
		e = check_wiped(s);
	if (e != NRF91_OK) {
		s->err = e;
		if (s->target && s->detail[0] == '\0')
			set_detail_from_target(s);
		return SLOT_OUT_FAILED;
	}
	return SLOT_OUT_OK;
}

static enum slot_outcome from_err(struct slot *s, nrf91_err e)
{
	s->err = e;
	if (e == NRF91_OK)
		return SLOT_OUT_OK;
	set_detail_from_target(s);
	return SLOT_OUT_FAILED;
}

static enum slot_outcome run_step(struct slot *s)
{
	struct runner *r = s->r;
	const struct station_job *job = r->job;
	nrf91_err e;
	uint16_t mv = 0;
	s->err = NRF91_OK;
	s->detail[0] = '\0';

	/* A retried step after a broken connection starts from a fresh one. */
	if (s->target == NULL && s->state != SLOT_CONNECT && s->state != SLOT_RECOVER &&
	    s->state != SLOT_WAIT_BOARD && s->state != SLOT_WAIT_REMOVE && s->state != SLOT_WIPE &&
	    s->state != SLOT_CHECK) {
		e = attach(s, false);
		if (e != NRF91_OK) {
			s->err = e;
			return SLOT_OUT_FAILED;
		}
	}

	switch (s->state) {
	case SLOT_WAIT_BOARD:
	case SLOT_WAIT_REMOVE: {
		probe_err pe = probe_vtref(s->probe, &mv);
		if (pe != PROBE_OK) {
			s->err = NRF91_ERR_PROBE;
			snprintf(s->detail, sizeof s->detail, "VTref: %s",
				 probe_last_error_detail(s->probe));
			return SLOT_OUT_FAILED;
		}
		if (s->state == SLOT_WAIT_BOARD)
			return mv >= VTREF_PRESENT_MV ? SLOT_OUT_OK : SLOT_OUT_PENDING;
		return mv < VTREF_ABSENT_MV ? SLOT_OUT_OK : SLOT_OUT_PENDING;
	}
	case SLOT_CONNECT:
		e = attach(s, false);
		if (e == NRF91_ERR_PROTECTED && r->cfg->approtect == STATION_APPROTECT_RECOVER)
			return SLOT_OUT_PROTECTED;
		if (e == NRF91_ERR_PROTECTED)
			snprintf(s->detail, sizeof s->detail,
				 "APPROTECT is on and the station's approtect policy is 'fail'");
		s->err = e;
		return e == NRF91_OK ? SLOT_OUT_OK : SLOT_OUT_FAILED;
	case SLOT_RECOVER:
		e = attach(s, true);
		s->err = e;
		return e == NRF91_OK ? SLOT_OUT_OK : SLOT_OUT_FAILED;
	case SLOT_ERASE:
		if (r->cfg->erase == STATION_ERASE_ALL)
			return from_err(s, nrf91_erase_all(s->target));
		else {
			bool erased = false;
			e = nrf91_check_erased(s->target, &erased);
			if (e != NRF91_OK)
				return from_err(s, e);
			if (!erased) {
				snprintf(s->detail, sizeof s->detail,
					 "chip is not blank and the erase policy is 'check'");
				return SLOT_OUT_FAILED;
			}
			return SLOT_OUT_OK;
		}
	case SLOT_PROGRAM:
		return from_err(s, nrf91_program(s->target, job->image));
	case SLOT_VERIFY:
		return from_err(s, nrf91_verify(s->target, job->image));
	case SLOT_RUN:
		return from_err(s, nrf91_reset_run(s->target));
	case SLOT_AWAIT_RESULT:
		return poll_result(s);
	case SLOT_CHECK:
		return check_result(s);
	case SLOT_WIPE:
		return wipe(s);
	case SLOT_PROGRAM_APP:
		return from_err(s, nrf91_program(s->target, job->app));
	case SLOT_VERIFY_APP:
		return from_err(s, nrf91_verify(s->target, job->app));
	case SLOT_RESET_APP:
		return from_err(s, nrf91_reset_run(s->target));
	default:
		return SLOT_OUT_OK;
	}
}

static void work_cb(uv_work_t *req)
{
	struct slot *s = req->data;
	s->outcome = run_step(s);
}

/* -------------------------------------------------------------- loop side */

static void slot_enter(struct slot *s, enum slot_state next, const char *message);
static void slot_advance(struct slot *s, enum slot_outcome out);
static void runner_check_end(struct runner *r);

static void after_work_cb(uv_work_t *req, int status);

static void queue_step(struct slot *s)
{
	s->work.data = s;
	s->work_pending = true;
	int rc = uv_queue_work(s->r->opts.loop, &s->work, work_cb, after_work_cb);
	if (rc != 0) {
		s->work_pending = false;
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

static void slot_advance(struct slot *s, enum slot_outcome out)
{
	struct runner *r = s->r;
	s->flow.interrupted = r->stopping;

	bool hard = atomic_load(&r->hard_abort);
	if (out == SLOT_OUT_FAILED && s->state == SLOT_WIPE) {
		if (!hard && retryable(s->err) && s->attempt < r->cfg->retries) {
			char msg[64];
			s->attempt++;
			snprintf(msg, sizeof msg, "retry %u of %u", s->attempt, r->cfg->retries);
			if (s->target) {
				nrf91_detach(s->target);
				s->target = NULL;
			}
			slot_enter(s, s->state, msg);
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
			   s->attempt < r->cfg->retries) {
			char msg[64];
			s->attempt++;
			snprintf(msg, sizeof msg, "retry %u of %u", s->attempt, r->cfg->retries);
			if (s->target) {
				nrf91_detach(s->target);
				s->target = NULL;
			}
			slot_enter(s, s->state, msg);
			return;
		} else {
			char why[320];
			if (s->err == NRF91_ERR_PROBE)
				s->probe_failed = true;
			if (s->err != NRF91_OK)
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
			arm_timer(s, (uint64_t)r->opts.poll_ms *
					     (s->state == SLOT_AWAIT_RESULT ? 1u : 2u));
			return;
		}
	}
	slot_enter(s, slot_next_state(s->state, out, &s->flow), NULL);
}

static const char *str_or_empty(const char *s)
{
	return s ? s : "";
}

/* A board ended (DONE or FAILED): CSV row, event, reset for the next. */
static void finish_board(struct slot *s)
{
	struct runner *r = s->r;
	bool passed = s->state == SLOT_DONE;
	uint64_t duration = (uv_hrtime() - s->board_start_hr) / 1000000u;
	const char *imei = s->have_result ? s->result.imei : "";
	const char *modem_fw = s->have_result ? s->result.modem_fw : "";
	if (passed)
		r->summary.passed++;
	else
		r->summary.failed++;
	if (s->probe_failed)
		r->summary.probe_failures++;

	if (s->log) {
		char when[32];
		station_format_utc(wall_ms(), when);
		struct csvlog_row row = {
			.utc_time = when,
			.station = r->cfg->name,
			.slot = s->cfg->number,
			.probe = s->cfg->probe,
			.imei = imei,
			.result = passed ? "pass" : "fail",
			.failed_step = passed ? "" : slot_state_step_name(s->failed_step),
			.error = passed ? "" : s->error,
			.duration_ms = duration,
			.part = s->info.part_name,
			.modem_fw = modem_fw,
			.sec_tags = r->job->sec_tags,
			.cred_sha256 = r->job->cred_sha256,
			.provisioner_sha256 = r->job->provisioner_sha256,
			.app_sha256 = r->job->app_sha256,
			.version = str_or_empty(r->opts.version),
		};
		if (csvlog_append(s->log, &row) != CSVLOG_OK) {
			struct station_event ev = {
				.type = STATION_EV_STATE,
				.slot = s->cfg->number,
				.probe = s->cfg->probe,
				.state = s->state,
				.message = "CSV log write failed",
			};
			emit(r, &ev);
		}
	}
	struct station_event ev = {
		.type = STATION_EV_BOARD,
		.slot = s->cfg->number,
		.probe = s->cfg->probe,
		.label = s->cfg->label,
		.state = s->state,
		.passed = passed,
		.imei = imei,
		.failed_step = passed ? SLOT_IDLE : s->failed_step,
		.message = passed ? "" : s->error,
		.duration_ms = duration,
		.part = s->info.part_name,
		.modem_fw = modem_fw,
	};
	emit(r, &ev);
	if (s->target) {
		nrf91_detach(s->target);
		s->target = NULL;
	}
}

static void new_board(struct slot *s)
{
	s->flow.failing = false;
	s->probe_failed = false;
	s->attempt = 0;
	s->failed_step = SLOT_IDLE;
	s->error[0] = '\0';
	s->have_result = false;
	memset(&s->result, 0, sizeof s->result);
	memset(&s->info, 0, sizeof s->info);
	s->board_start_ms = wall_ms();
	s->board_start_hr = uv_hrtime();
	atomic_store(&s->abort, atomic_load(&s->r->hard_abort));
}

static void slot_enter(struct slot *s, enum slot_state next, const char *message)
{
	struct runner *r = s->r;
	enum slot_state prev = s->state;
	if (next != prev)
		s->attempt = 0;
	if (!slot_state_is_busy(prev) && next == SLOT_CONNECT)
		new_board(s);
	s->state = next;
	atomic_store_explicit(&s->progress_done, 0, memory_order_relaxed);
	atomic_store_explicit(&s->progress_total, 0, memory_order_relaxed);
	emit_state(s, message);

	switch (next) {
	case SLOT_DONE:
	case SLOT_FAILED:
		finish_board(s);
		slot_enter(s, slot_next_state(next, SLOT_OUT_OK, &s->flow), NULL);
		return;
	case SLOT_STOPPED:
	case SLOT_ABSENT:
		runner_check_end(r);
		return;
	case SLOT_AWAIT_RESULT:
		if (prev != SLOT_AWAIT_RESULT)
			s->await_deadline = uv_now(r->opts.loop) + r->cfg->timeout_ms;
		arm_timer(s, r->opts.poll_ms);
		return;
	case SLOT_WAIT_BOARD:
	case SLOT_WAIT_REMOVE:
		queue_step(s);
		return;
	default:
		if (slot_state_is_step(next))
			queue_step(s);
		return;
	}
}

static void close_cb(uv_handle_t *h)
{
	(void)h;
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
	for (size_t i = 0; i < r->slot_count; i++)
		uv_close((uv_handle_t *)&r->slots[i].timer, close_cb);
	if (r->signals_open) {
		uv_close((uv_handle_t *)&r->sigint, close_cb);
		uv_close((uv_handle_t *)&r->sigterm, close_cb);
		r->signals_open = false;
	}
	struct station_event ev = {.type = STATION_EV_END,
				   .passed_count = r->summary.passed,
				   .failed_count = r->summary.failed};
	ev.exit_code = r->opts.exit_code_of ? r->opts.exit_code_of(&r->summary) : -1;
	emit(r, &ev);
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
		emit(r, &ev);
	for (size_t i = 0; i < r->slot_count; i++) {
		struct slot *s = &r->slots[i];
		s->flow.interrupted = true;
		/* Steps stop at their next safe point; the wipe clears the flag
		 * again unless this is the second interrupt. */
		if (slot_state_is_busy(s->state) || immediate)
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
		atomic_init(&s->abort, false);
		atomic_init(&s->progress_done, 0);
		atomic_init(&s->progress_total, 0);
		atomic_init(&s->progress_bytes, true);
		uv_timer_init(opts->loop, &s->timer);
		s->timer.data = s;
		if (opts->csv) {
			csvlog_err ce =
				csvlog_open(r->cfg->log_dir, r->cfg->name, s->cfg->number, &s->log);
			if (ce != CSVLOG_OK) {
				snprintf(err, errlen, "%s/%s-slot%u.csv: %s: %m", r->cfg->log_dir,
					 r->cfg->name, s->cfg->number, csvlog_strerror(ce));
				for (size_t j = 0; j <= i; j++)
					uv_close((uv_handle_t *)&r->slots[j].timer, close_cb);
				uv_run(opts->loop, UV_RUN_NOWAIT);
				runner_destroy(r);
				return -1;
			}
		}
	}
	atomic_init(&r->hard_abort, false);
	*out = r;
	return 0;
}

void runner_start(struct runner *r)
{
	struct station_event start = {.type = STATION_EV_START,
				      .slot_count = (unsigned)r->slot_count,
				      .provisioner_sha256 = r->job->provisioner_sha256};
	emit(r, &start);

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
		emit(r, &ev);
	}

	if (r->opts.signals) {
		uv_signal_init(r->opts.loop, &r->sigint);
		uv_signal_init(r->opts.loop, &r->sigterm);
		r->sigint.data = r->sigterm.data = r;
		uv_signal_start(&r->sigint, signal_cb, SIGINT);
		uv_signal_start(&r->sigterm, signal_cb, SIGTERM);
		r->signals_open = true;
	}
	for (size_t i = 0; i < r->slot_count; i++) {
		struct slot *s = &r->slots[i];
		if (s->state == SLOT_IDLE)
			slot_enter(s, slot_next_state(SLOT_IDLE, SLOT_OUT_OK, &s->flow), NULL);
	}
	runner_check_end(r);
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
	for (size_t i = 0; i < r->slot_count; i++) {
		struct slot *s = &r->slots[i];
		if (s->target)
			nrf91_detach(s->target);
		probe_close(s->probe);
		csvlog_close(s->log);
	}
	if (r->jlink)
		jlink_context_destroy(r->jlink);
	free(r->slots);
	free(r);
}
