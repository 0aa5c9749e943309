/*
 * A slot's durable records: the CSV row of each board, written with its
 * fsync on the thread pool. An fsync takes milliseconds to seconds on a
 * busy disk; on the loop thread it would stall every slot's timers and the
 * dashboard. The slot waits for its own records before it goes on (its
 * next board, or STOPPED), so its rows stay in order and the run does not
 * end with a row unwritten.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "station/config.h"
#include "station/csvlog.h"
#include "station/job.h"
#include "station/runner_priv.h"

static void records_work(uv_work_t *req)
{
	struct slot *s = req->data;
	struct slot_records *rec = &s->records;
	rec->row_err = CSVLOG_OK;
	rec->row_errno = 0;
	if (rec->row_wanted) {
		rec->row_err = csvlog_append(s->log, &rec->row);
		rec->row_errno = errno;
	}
}

static void records_after_work(uv_work_t *req, int status)
{
	struct slot *s = req->data;
	(void)status; /* the runner never cancels work: it always ran */
	s->work_pending = false;
	s->records.done(s);
}

void slot_records_queue(struct slot *s, void (*done)(struct slot *s))
{
	s->records.done = done;
	s->work.data = s;
	s->work_pending = true;
	if (uv_queue_work(s->r->opts.loop, &s->work, records_work, records_after_work) != 0) {
		/* The pool refused (cannot happen with a live loop): a record
		 * written late on this thread beats a record lost. */
		records_work(&s->work);
		s->work_pending = false;
		done(s);
	}
}

static const char *str_or_empty(const char *s)
{
	return s ? s : "";
}

static void board_logged(struct slot *s);

/* A board ended (DONE or FAILED): its row goes to the pool; the event and
 * the next state follow once it is written (board_logged). */
void slot_finish_board(struct slot *s)
{
	struct runner *r = s->r;
	struct slot_records *rec = &s->records;
	bool passed = s->state == SLOT_DONE;
	if (passed)
		r->summary.passed++;
	else
		r->summary.failed++;
	if (s->probe_failed)
		r->summary.probe_failures++;
	const char *digest = "";
	if (s->have_result && s->result.count > 0)
		digest = result_count_undigested(&s->result) ? "unavailable" : "modem";
	station_format_utc(runner_wall_ms(), rec->row_time);
	rec->row = (struct csvlog_row){
		.utc_time = rec->row_time,
		.station = r->cfg->name,
		.slot = s->cfg->number,
		.probe = s->cfg->probe,
		.imei = s->have_result ? s->result.imei : "",
		.result = passed ? "pass" : "fail",
		.failed_step = passed ? "" : slot_state_step_name(s->failed_step),
		.error = passed ? "" : s->error,
		.duration_ms = (uv_hrtime() - s->board_start_hr) / 1000000u,
		.part = s->info.part_name,
		.modem_fw = s->have_result ? s->result.modem_fw : "",
		.sec_tags = r->job->sec_tags,
		.cred_sha256 = r->job->cred_sha256,
		.provisioner_sha256 = r->job->provisioner_sha256,
		.app_sha256 = r->job->app_sha256,
		.version = str_or_empty(r->opts.version),
		.swd_khz = s->swd_khz,
		.resets = s->target ? nrf91_resets(s->target) : 0,
		.locked = s->locked,
		.digest = digest,
		.delivery = r->job->delivery == STATION_DELIVERY_RAM ? "ram" : "flash",
		.boots = s->session.boots,
	};
	rec->row_wanted = s->log != NULL;
	slot_records_queue(s, board_logged);
}

/* A row that could not be written is not dropped quietly: it goes out in a
 * LOG_ERROR event (the CLI prints it on stderr) and counts against the exit
 * code. */
static void report_lost_row(struct slot *s)
{
	struct slot_records *rec = &s->records;
	char cause[400];
	bool io = rec->row_err == CSVLOG_ERR_IO;
	s->r->summary.log_failures++;
	snprintf(cause, sizeof cause, "%s: %s%s%s", csvlog_path(s->log),
		 csvlog_strerror(rec->row_err), io ? ": " : "", io ? strerror(rec->row_errno) : "");
	char *lost = csvlog_format_row(&rec->row);
	if (lost)
		lost[strcspn(lost, "\r\n")] = '\0';
	struct station_event le = {
		.type = STATION_EV_LOG_ERROR,
		.slot = s->cfg->number,
		.probe = s->cfg->probe,
		.label = s->cfg->label,
		.state = s->state,
		.message = cause,
		.row = lost ? lost : "(out of memory: the row could not be formatted)",
	};
	runner_emit(s->r, &le);
	free(lost);
}

static void board_logged(struct slot *s)
{
	const struct csvlog_row *row = &s->records.row;
	bool passed = s->state == SLOT_DONE;
	struct station_event ev = {
		.type = STATION_EV_BOARD,
		.slot = s->cfg->number,
		.probe = s->cfg->probe,
		.label = s->cfg->label,
		.state = s->state,
		.passed = passed,
		.imei = row->imei,
		.failed_step = passed ? SLOT_IDLE : s->failed_step,
		.message = row->error,
		.duration_ms = row->duration_ms,
		.part = row->part,
		.modem_fw = row->modem_fw,
		.swd_khz = row->swd_khz,
		.resets = row->resets,
		.locked = row->locked,
		.digest = row->digest,
		.delivery = row->delivery,
		.boots = row->boots,
	};
	runner_emit(s->r, &ev);
	if (s->records.row_wanted && s->records.row_err != CSVLOG_OK)
		report_lost_row(s);
	if (s->target) {
		nrf91_detach(s->target);
		s->target = NULL;
	}
	slot_enter(s, slot_next_state(s->state, SLOT_OUT_OK, &s->flow), NULL);
}
