/*
 * The gang runner: one slot state machine per J-Link on one libuv loop.
 * Blocking probe steps run as uv_queue_work on the loop's thread pool (size
 * it to the slot count with UV_THREADPOOL_SIZE before the first
 * uv_queue_work of the process); completion callbacks advance the machine on
 * the loop thread; uv timers drive result polling and board detection.
 * Progress crosses threads as atomics (runner_slot_progress).
 *
 * SIGINT/SIGTERM/SIGHUP/SIGQUIT: the first one stops new boards and makes
 * running slots stop at the next safe point, wipe and log; the second one
 * aborts every step at once (boards are then not wiped, which the log
 * says).
 */
#ifndef NRFCRED_STATION_RUNNER_H
#define NRFCRED_STATION_RUNNER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "station/events.h"

struct adi_trace;
struct db_station;
struct station_config;
struct station_job;

struct runner_summary;

struct runner_options {
	uv_loop_t *loop;
	const struct station_config *cfg; /* slots, timeout, SWD speed, policies */
	const struct station_job *job;	  /* shared read-only by every slot */
	const struct station_events *events;
	bool continuous;     /* after a board, wait for the next one */
	bool csv;	     /* write LOGDIR/<station>-slot<N>.csv */
	/* Keep LOGDIR/<station>.journal (station/journal.h): an entry before
	 * the first secret reaches a board, its close after the wipe; at
	 * start, a board an earlier run left open is wiped first when it is
	 * still in its slot (a CSV row says so), else reported. */
	bool journal;
	bool signals;	     /* install SIGINT/SIGTERM/SIGHUP/SIGQUIT handlers */
	uint32_t poll_ms;    /* base period: results every poll_ms / 10, VTref every 2 x poll_ms; 0 =
				100 ms */
	const char *version; /* for the CSV log */
	/* Exit code the END event reports (the CLI's policy); NULL = -1. */
	int (*exit_code_of)(const struct runner_summary *summary);
	/* SWD traces, one per slot in cfg->slots order (an entry may be NULL);
	 * NULL: none. The caller opens them (redaction ranges registered) and
	 * closes them after runner_destroy; each slot's worker writes its own. */
	struct adi_trace *const *traces;
	/* A board whose IMEI has a pass in the CSV logs (station/imei_index.h,
	 * read at start with csv) fails CHECK before it gets a credential,
	 * unless reprovision: then it is provisioned again and its row says
	 * reprovisioned = yes. */
	bool reprovision;
	/* The factory database (db/db.h), NULL: none. Each board's row goes
	 * there before its CSV row (a pass is final only once committed, with
	 * policy require), and the IMEI guard asks it too. The caller opens it
	 * and closes it after runner_destroy. */
	struct db_station *db;
};

struct runner_summary {
	unsigned passed;	     /* boards */
	unsigned failed;	     /* boards */
	unsigned absent;	     /* slots whose probe could not be opened */
	unsigned probe_failures;     /* boards / waits ended by a probe (USB) failure */
	bool interrupted;	     /* Ctrl-C (or runner_interrupt) was seen */
	unsigned interrupted_boards; /* boards cut short by it */
	bool continuous;	     /* the run was in continuous mode */
	unsigned log_failures;	     /* CSV rows that could not be written */
	bool drained;		     /* runner_drain was called */
	unsigned recovered;	     /* boards an earlier run left unwiped, wiped now */
	unsigned recovery_failures;  /* ... whose wipe failed now */
	unsigned journal_warnings;   /* ... not found in their slot, or not checked */
	/* The logs read at start for the IMEI index (runner_create). */
	size_t index_imeis, index_bad_rows, index_torn_rows, index_foreign_files;
	unsigned db_spooled; /* rows the database could not take, in the spool */
};

struct runner;

/* Opens the CSV logs and the journal (probes are opened by runner_start).
 * err names the file when a log cannot be opened. */
int runner_create(const struct runner_options *opts, struct runner **out, char *err, size_t errlen);
/* Opens every slot's probe on the loop thread (a missing probe is reported
 * as ABSENT; the others run), installs the signal handlers and starts the
 * machines; a slot whose probe the journal names first deals with the
 * board an earlier run left there. Then run the loop: it ends when every
 * slot has stopped. */
void runner_start(struct runner *r);
/* Same as a first (or, with immediate, a second) Ctrl-C. */
void runner_interrupt(struct runner *r, bool immediate);
/* No new boards: every slot finishes the board it has as usual (nothing is
 * cut short; it is wiped and logged), then stops; a slot waiting for a
 * board stops now. For a run whose output went away (stdout closed): its
 * boards must still end clean. May be called from an event sink. */
void runner_drain(struct runner *r);
void runner_get_summary(const struct runner *r, struct runner_summary *out);
struct runner_progress {
	uint64_t done;
	uint64_t total; /* 0: the current step reports no progress */
	bool bytes;	/* done/total count bytes (else: a fraction of the step) */
};

/* Progress of the slot's current step (any thread; reads atomics); false
 * when there is no such slot. */
bool runner_slot_progress(const struct runner *r, unsigned slot, struct runner_progress *out);
/* Closes probes and logs, and any uv handle of the runner still on the
 * loop (then uv_loop_close can succeed); call after uv_run returned. */
void runner_destroy(struct runner *r);

#endif
