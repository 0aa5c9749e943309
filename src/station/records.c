/*
 * A slot's durable records: the CSV row of each board and its journal
 * lines, written with their fsync on the thread pool. An fsync takes
 * milliseconds to seconds on a busy disk; on the loop thread it would stall
 * every slot's timers and the dashboard. The slot waits for its own records
 * before it goes on (its step, its next board, or STOPPED), so its rows
 * stay in order, an open line is on disk before the secret goes out, and
 * the run does not end with a record unwritten.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/db.h"
#include "db/db_pool.h"
#include "station/config.h"
#include "station/csvlog.h"
#include "station/board_table.h"
#include "station/job.h"
#include "station/keygen.h"
#include "station/pool_slot.h"
#include "station/runner_priv.h"

/* The board's database row, before its CSV row: the CSV row then says
 * what the database made of it. */
static void records_db(struct slot *s, struct slot_records *rec)
{
	const struct csvlog_row *c = &rec->row;
	struct db_board_row d = {
		.station = c->station,
		.slot = c->slot,
		.probe = c->probe,
		.imei = c->imei,
		.device_id = s->info.device_id,
		.started_at = rec->db_started,
		.finished_at = c->utc_time,
		.duration_ms = c->duration_ms,
		.passed = strcmp(c->result, "pass") == 0,
		.failed_step = c->failed_step,
		.cause = c->error,
		.part = c->part,
		.modem_fw = c->modem_fw,
		.sec_tags = c->sec_tags,
		.cred_sha256 = c->cred_sha256,
		.provisioner_sha256 = c->provisioner_sha256,
		.app_sha256 = c->app_sha256,
		.version = c->version,
		.delivery = c->delivery,
		.reprovisioned = s->reprovisioned,
	};
	char why[300];
	enum db_kept kept = DB_KEPT_NONE;
	db_err e = DB_ERR_NOMEM;
	if (db_uuid_new(d.uuid))
		e = db_station_record(s->r->opts.db, &d, &kept, why, sizeof why);
	else
		snprintf(why, sizeof why, "no random bytes for the row's uuid");
	rec->db_spooled = kept == DB_KEPT_SPOOLED;
	if (e == DB_OK)
		return;
	snprintf(rec->db_cause, sizeof rec->db_cause, "database: %s", why);
	if (d.passed) {
		/* Not final without its row: the board fails, at the end. */
		rec->db_demoted = true;
		rec->row.result = "fail";
		rec->row.failed_step = slot_state_step_name(SLOT_DONE);
		rec->row.error = rec->db_cause;
		if (e != DB_ERR_DUPLICATE)
			return;
		/* The database took the other station's pass: it keeps this
		 * board's attempt as a fail. */
		d.passed = false;
		d.failed_step = rec->row.failed_step;
		d.cause = rec->db_cause;
		if (db_uuid_new(d.uuid) &&
		    db_station_record(s->r->opts.db, &d, &kept, why, sizeof why) == DB_OK) {
			rec->db_spooled = kept == DB_KEPT_SPOOLED;
			return;
		}
	}
	/* A fail row the database did not take: its CSV row says so too. */
	rec->db_lost = true;
	snprintf(rec->db_error, sizeof rec->db_error, "%s; not recorded in the %s",
		 rec->row.error ? rec->row.error : "", rec->db_cause);
	rec->row.error = rec->db_error;
}

/* The board's pool bundle: bound, returned or burned, before its row. A
 * pass whose bundle could not be bound is not final (the database does not
 * know which board holds it): it fails at done, as a row not committed. */
static void records_pool(struct slot *s, struct slot_records *rec)
{
	const struct db_pool_claim *c = rec->pool_claim;
	char why[200];
	rec->pool_lost = !slot_pool_settle(s, s->r->opts.db, c, (enum slot_pool_fate)rec->pool_fate,
					   why, sizeof why);
	if (!rec->pool_lost)
		return;
	static const char *const verb[] = {"returned", "bound", "burned"};
	snprintf(rec->pool_why, sizeof rec->pool_why,
		 "database: credential pool %.40s bundle %.60s could not be %s: %.100s (it stays "
		 "claimed; "
		 "the next start of this station burns it)",
		 c->pool, c->bundle, verb[rec->pool_fate], why);
	if (strcmp(rec->row.result, "pass") == 0) {
		rec->db_demoted = true;
		rec->row.result = "fail";
		rec->row.failed_step = slot_state_step_name(SLOT_DONE);
		rec->row.error = rec->pool_why;
		snprintf(rec->db_cause, sizeof rec->db_cause, "%.319s", rec->pool_why);
		return;
	}
	snprintf(rec->pool_error, sizeof rec->pool_error, "%.320s; %.400s",
		 rec->row.error ? rec->row.error : "", rec->pool_why);
	rec->row.error = rec->pool_error;
}

static void records_work(uv_work_t *req)
{
	struct slot *s = req->data;
	struct slot_records *rec = &s->records;
	rec->row_err = CSVLOG_OK;
	rec->row_errno = 0;
	rec->journal_err = JOURNAL_OK;
	rec->journal_errno = 0;
	if (rec->journal_op == SLOT_JOURNAL_BEGIN) {
		rec->journal_err = journal_begin(s->r->journal, &s->journal);
		rec->journal_errno = errno;
	}
	rec->db_demoted = rec->db_lost = rec->db_spooled = false;
	if (rec->pool_claim) {
		records_pool(s, rec);
		/* The decrypted bundle is wiped now, before the row goes out. */
		db_pool_claim_free(rec->pool_claim);
		rec->pool_claim = NULL;
	}
	if (rec->db_wanted)
		records_db(s, rec);
	if (rec->row_wanted) {
		rec->row_err = csvlog_append(s->log, &rec->row);
		rec->row_errno = errno;
	}
	/* After the row: a crash between the two leaves the entry open, and
	 * the next start checks the board again (harmless); the other order
	 * could lose the row. */
	if (rec->journal_op == SLOT_JOURNAL_END) {
		rec->journal_err = journal_end(s->r->journal, rec->journal_id, rec->journal_time,
					       rec->journal_how);
		rec->journal_errno = errno;
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

void slot_journal_board(struct slot *s, void (*done)(struct slot *s))
{
	struct slot_records *rec = &s->records;
	struct journal_entry *e = &s->journal;
	memset(e, 0, sizeof *e);
	station_format_utc(runner_wall_ms(), e->time);
	e->slot = s->cfg->number;
	snprintf(e->probe, sizeof e->probe, "%s", s->cfg->probe);
	e->device_id = s->info.device_id;
	snprintf(e->step, sizeof e->step, "%s", slot_state_step_name(s->state));
	rec->row_wanted = false;
	rec->journal_op = SLOT_JOURNAL_BEGIN;
	slot_records_queue(s, done);
}

void slot_journal_failed(struct slot *s, const char *what, char *out, size_t outlen)
{
	const struct slot_records *rec = &s->records;
	bool io = rec->journal_err == JOURNAL_ERR_IO;
	s->r->summary.log_failures++;
	snprintf(out, outlen, "%s: %s%s%s (%s)", journal_path(s->r->journal),
		 journal_strerror(rec->journal_err), io ? ": " : "",
		 io ? strerror(rec->journal_errno) : "", what);
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
	free(rec->cred_cell);
	const struct result *res = s->have_result ? &s->result : NULL;
	if (passed)
		keygen_fill_fingerprints(s);
	rec->cred_cell = s->board ? station_cred_cell(s->board->fingerprints,
						      s->board->fingerprint_count, passed, res)
				  : station_job_cred_cell(r->job, passed, res);
	if (passed)
		slot_record_provisioned(s, rec->row_time);
	rec->row = (struct csvlog_row){
		.utc_time = rec->row_time,
		.station = r->cfg->name,
		.slot = s->cfg->number,
		.probe = s->cfg->probe,
		.imei = s->have_result ? s->result.imei : s->imei, /* READY's, if refused there */
		.result = passed ? "pass" : "fail",
		.failed_step = passed ? "" : slot_state_step_name(s->failed_step),
		.error = passed ? keygen_slot_note(s) : s->error,
		.duration_ms = (uv_hrtime() - s->board_start_hr) / 1000000u,
		.part = s->info.part_name,
		.modem_fw = s->have_result ? s->result.modem_fw : "",
		.sec_tags = r->job->sec_tags,
		.cred_sha256 = rec->cred_cell,
		.provisioner_sha256 = r->job->provisioner_sha256,
		.app_sha256 = r->job->app_sha256,
		.version = str_or_empty(r->opts.version),
		.swd_khz = s->swd_khz,
		.resets = s->target ? nrf91_resets(s->target) : 0,
		.locked = s->locked,
		.digest = digest,
		.delivery = r->job->delivery == STATION_DELIVERY_RAM ? "ram" : "flash",
		.boots = s->session.boots,
		.sim_build = manifest_is_sim_build(&r->job->manifest),
		.reprovisioned = s->reprovisioned ? "yes" : "",
	};
	rec->row_wanted = s->log != NULL;
	rec->db_wanted = r->opts.db != NULL;
	rec->pool_claim = s->pool_claim;
	s->pool_claim = NULL;
	rec->pool_fate = (int)slot_pool_fate(s->table_sent, s->have_result, passed, s->failed_step);
	station_format_utc(s->board_start_ms, rec->db_started);
	/* Only a wipe that worked closes the entry: after any other end the
	 * board may still hold what it was sent, and the next start looks. */
	rec->journal_op = SLOT_JOURNAL_NONE;
	if (s->journal_open && s->wiped) {
		rec->journal_op = SLOT_JOURNAL_END;
		rec->journal_id = s->journal.id;
		rec->journal_how = JOURNAL_WIPED;
		memcpy(rec->journal_time, rec->row_time, sizeof rec->journal_time);
	}
	slot_records_queue(s, board_logged);
}

/* A row that could not be written is not dropped quietly: it goes out in a
 * LOG_ERROR event (the CLI prints it on stderr) and counts against the exit
 * code. */
void slot_report_lost_row(struct slot *s)
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

/* What the database made of the board's row (records_db), on the loop. */
static void board_db_outcome(struct slot *s)
{
	struct slot_records *rec = &s->records;
	struct runner *r = s->r;
	if (!rec->db_wanted)
		return;
	rec->db_wanted = false;
	if (rec->db_spooled)
		r->summary.db_spooled++;
	if (rec->db_demoted) {
		r->summary.passed--;
		r->summary.failed++;
		s->state = SLOT_FAILED;
		s->failed_step = SLOT_DONE;
		memcpy(s->error, rec->db_cause, sizeof s->error);
	}
}

static void board_logged(struct slot *s)
{
	const struct csvlog_row *row = &s->records.row;
	board_db_outcome(s);
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
		.flash_method = s->loader_fallback[0] ? "direct-fallback"
				: s->r->cfg->flash_method == STATION_FLASH_DIRECT ? "direct"
										  : "loader",
		.loader_fallback = s->loader_fallback,
	};
	runner_emit(s->r, &ev);
	if (s->records.row_wanted && s->records.row_err != CSVLOG_OK)
		slot_report_lost_row(s);
	free(s->records.cred_cell);
	s->records.cred_cell = NULL;
	slot_board_table_drop(s); /* wiped: the board is done with */
	if (s->records.journal_op == SLOT_JOURNAL_END) {
		if (s->records.journal_err == JOURNAL_OK) {
			s->journal_open = false;
		} else {
			char why[400];
			slot_journal_failed(s, "the wipe of this board is not recorded: the next "
					       "start checks it again",
					    why, sizeof why);
			struct station_event je = {
				.type = STATION_EV_JOURNAL,
				.slot = s->cfg->number,
				.probe = s->cfg->probe,
				.label = s->cfg->label,
				.state = s->state,
				.journal = "write-failed",
				.device_id = s->journal.device_id,
				.since = s->journal.time,
				.step = s->journal.step,
				.message = why,
			};
			runner_emit(s->r, &je);
		}
	}
	if (s->target) {
		nrf91_detach(s->target);
		s->target = NULL;
	}
	slot_enter(s, slot_next_state(s->state, SLOT_OUT_OK, &s->flow), NULL);
}
