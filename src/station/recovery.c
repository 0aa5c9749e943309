/*
 * At start, the boards the journal says an earlier run left unwiped: an
 * entry opened before the first secret went out and never closed by a
 * wipe (the process was killed, the power went, a second Ctrl-C, a wipe
 * that failed). Such a board may still hold keys (in flash with the flash
 * delivery; in RAM only while it stays powered with the RAM delivery).
 *
 * A slot whose probe an entry names looks at the board before it starts:
 * the same board (FICR DEVICEID) is wiped as WIPE wipes (CTRL-AP
 * ERASEALL, read back blank) and a CSV row says `recovered-wipe`; another
 * board or none gets a row `unrecovered` and a warning (the board is
 * somewhere else with what it was sent). An entry that could not be
 * checked (probe missing, not in this station, a probe error) stays open
 * and is reported at every start until it can be.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "station/config.h"
#include "station/runner_priv.h"

static void emit_journal(struct runner *r, const struct slot *s, const struct journal_entry *e,
			 const char *what, const char *message)
{
	struct station_event ev = {
		.type = STATION_EV_JOURNAL,
		.slot = s ? s->cfg->number : 0,
		.probe = s ? s->cfg->probe : NULL,
		.label = s ? s->cfg->label : NULL,
		.state = s ? s->state : SLOT_IDLE,
		.journal = what,
		.device_id = e ? e->device_id : 0,
		.since = e ? e->time : NULL,
		.step = e ? e->step : NULL,
		.message = message,
	};
	runner_emit(r, &ev);
}

/* "board 4e52460260000003, left at program by the run of <time>" */
static void describe(const struct journal_entry *e, char *out, size_t outlen)
{
	snprintf(out, outlen,
		 "board %016" PRIx64 " (slot %u, probe %s) was left unwiped at %s by "
		 "the run of %s",
		 e->device_id, e->slot, e->probe, e->step, e->time);
}

static struct slot *slot_of_probe(struct runner *r, const char *probe)
{
	unsigned long long serial = strtoull(probe, NULL, 10);
	for (size_t i = 0; i < r->slot_count; i++)
		if (r->slots[i].cfg->serial == serial)
			return &r->slots[i];
	return NULL;
}

/* The next leftover of s's probe from s->leftover_next on; false if none. */
static bool next_leftover(struct slot *s)
{
	struct journal *j = s->r->journal;
	for (size_t i = s->leftover_next; i < journal_leftover_count(j); i++) {
		const struct journal_entry *e = journal_leftover(j, i);
		if (slot_of_probe(s->r, e->probe) == s) {
			s->leftover = *e;
			s->leftover_next = i + 1;
			return true;
		}
	}
	s->leftover_next = journal_leftover_count(j);
	return false;
}

static void recovery_work(uv_work_t *req)
{
	struct slot *s = req->data;
	s->recovery = slot_recovery_run(s);
}

static void recover_next(struct slot *s);

/* The row and the close are written: the next leftover, or the board run. */
static void recovery_logged(struct slot *s)
{
	struct runner *r = s->r;
	struct slot_records *rec = &s->records;
	if (rec->row_wanted && rec->row_err != CSVLOG_OK)
		slot_report_lost_row(s);
	if (rec->journal_op == SLOT_JOURNAL_END && rec->journal_err != JOURNAL_OK) {
		char why[400];
		slot_journal_failed(s,
				    "the entry stays open: the next start checks the board again",
				    why, sizeof why);
		emit_journal(r, s, &s->leftover, "write-failed", why);
	}
	recover_next(s);
}

static void recovery_after_work(uv_work_t *req, int status)
{
	struct slot *s = req->data;
	struct runner *r = s->r;
	struct slot_records *rec = &s->records;
	(void)status; /* never cancelled */
	s->work_pending = false;

	char what[200], message[600];
	describe(&s->leftover, what, sizeof what);
	const char *result = NULL; /* the CSV row's result; NULL = no row */
	rec->journal_op = SLOT_JOURNAL_NONE;
	switch (s->recovery) {
	case SLOT_RECOVERY_WIPED:
		r->summary.recovered++;
		result = "recovered-wipe";
		snprintf(message, sizeof message,
			 "%s; it is still in the slot: erased (CTRL-AP ERASEALL) and read back "
			 "blank",
			 what);
		rec->journal_op = SLOT_JOURNAL_END;
		rec->journal_how = JOURNAL_RECOVERED;
		break;
	case SLOT_RECOVERY_WIPE_FAILED:
		r->summary.recovery_failures++;
		result = "recovery-failed";
		snprintf(message, sizeof message,
			 "%s; it is still in the slot, but the wipe failed: %s%s%s; it may still "
			 "hold credentials",
			 what, s->err != NRF91_OK ? nrf91_strerror(s->err) : "",
			 s->err != NRF91_OK && s->detail[0] ? ": " : "", s->detail);
		break;
	case SLOT_RECOVERY_OTHER_BOARD:
		r->summary.journal_warnings++;
		result = "unrecovered";
		snprintf(message, sizeof message,
			 "%s; it is not in the slot now (%s): it may still hold credentials", what,
			 s->detail);
		rec->journal_op = SLOT_JOURNAL_END;
		rec->journal_how = JOURNAL_GONE;
		break;
	case SLOT_RECOVERY_UNCHECKED:
		r->summary.journal_warnings++;
		snprintf(message, sizeof message,
			 "%s; it could not be checked (%s%s%s): it may still hold credentials; "
			 "the next start looks again",
			 what, s->err != NRF91_OK ? nrf91_strerror(s->err) : "",
			 s->err != NRF91_OK && s->detail[0] ? ": " : "", s->detail);
		break;
	}
	emit_journal(r, s, &s->leftover, result ? result : "unchecked", message);

	station_format_utc(runner_wall_ms(), rec->row_time);
	memcpy(rec->journal_time, rec->row_time, sizeof rec->journal_time);
	rec->journal_id = s->leftover.id;
	size_t n = strnlen(message, sizeof s->error - 1); /* the row's cell: what fits */
	memcpy(s->error, message, n);
	s->error[n] = '\0';
	rec->row_wanted = s->log != NULL && result != NULL;
	/* A row of its own, about the earlier run's board: the step it was
	 * left at, no credentials of this run. */
	rec->row = (struct csvlog_row){
		.utc_time = rec->row_time,
		.station = r->cfg->name,
		.slot = s->cfg->number,
		.probe = s->cfg->probe,
		.result = result,
		.failed_step = s->leftover.step,
		.error = s->error,
		.part = s->info.part_name,
		.version = r->opts.version ? r->opts.version : "",
		.swd_khz = s->swd_khz,
	};
	if (rec->row_wanted || rec->journal_op != SLOT_JOURNAL_NONE)
		slot_records_queue(s, recovery_logged);
	else
		recover_next(s);
}

static void recover_next(struct slot *s)
{
	struct runner *r = s->r;
	/* A Ctrl-C stops at this safe point too (the slot then stops). */
	if (!r->stopping && next_leftover(s)) {
		char what[200], message[260];
		describe(&s->leftover, what, sizeof what);
		snprintf(message, sizeof message, "journal: %s: checking it", what);
		memset(&s->info, 0, sizeof s->info);
		s->error[0] = '\0';
		s->err = NRF91_OK;
		s->detail[0] = '\0';
		s->swd_khz = r->cfg->swd_khz;
		atomic_store(&s->abort, atomic_load(&r->hard_abort));
		/* Shown as WIPE: that is what it does, and a first Ctrl-C must
		 * not cut it short (slot_state_is_interruptible). */
		s->state = SLOT_WIPE;
		struct station_event ev = {.type = STATION_EV_STATE,
					   .slot = s->cfg->number,
					   .probe = s->cfg->probe,
					   .label = s->cfg->label,
					   .state = s->state,
					   .message = message};
		runner_emit(r, &ev);
		s->work.data = s;
		s->work_pending = true;
		if (uv_queue_work(r->opts.loop, &s->work, recovery_work, recovery_after_work) == 0)
			return;
		s->work_pending = false;
		s->recovery = SLOT_RECOVERY_UNCHECKED;
		snprintf(s->detail, sizeof s->detail, "cannot queue work");
		recovery_after_work(&s->work, 0);
		return;
	}
	s->recovering = false;
	s->error[0] = '\0';
	/* Back to IDLE, so the board that runs next is a new one. */
	slot_enter(s, SLOT_IDLE, NULL);
	slot_start(s);
}

void runner_recover_leftovers(struct runner *r)
{
	struct journal *j = r->journal;
	const struct journal_scan *scan = &r->journal_scan;
	if (scan->bad_lines > 0 || scan->dropped > 0) {
		char message[300];
		snprintf(message, sizeof message,
			 "%s: %zu unreadable line%s skipped (the first is line %zu), %zu entr%s "
			 "beyond %u ignored: a board named there is not checked",
			 journal_path(j), scan->bad_lines, scan->bad_lines == 1 ? "" : "s",
			 scan->first_bad_line, scan->dropped, scan->dropped == 1 ? "y" : "ies",
			 JOURNAL_MAX_OPEN);
		r->summary.journal_warnings++;
		emit_journal(r, NULL, NULL, "damaged", message);
	}
	for (size_t i = 0; i < journal_leftover_count(j); i++) {
		const struct journal_entry *e = journal_leftover(j, i);
		struct slot *s = slot_of_probe(r, e->probe);
		if (s != NULL && s->state == SLOT_IDLE) {
			s->recovering = true; /* runs its leftovers in recover_next */
			continue;
		}
		char what[200], message[400];
		describe(e, what, sizeof what);
		snprintf(
			message, sizeof message,
			"%s; it could not be checked (%s): it may still hold credentials; the next "
			"start looks again",
			what,
			s ? "its probe is not attached"
			  : "its probe is in no slot of this station");
		r->summary.journal_warnings++;
		emit_journal(r, s, e, "unchecked", message);
	}
	for (size_t i = 0; i < r->slot_count; i++)
		if (r->slots[i].recovering)
			recover_next(&r->slots[i]);
}
