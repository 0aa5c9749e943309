/*
 * Inside the gang runner: the slot and runner structs shared by the loop
 * side (runner.c: state machine, timers, signals, logs, events) and the
 * worker side (steps.c: the blocking probe step of each state, run on the
 * thread pool). A worker touches only its own slot, and only the fields
 * marked as written by the worker while the slot's work is pending.
 */
#ifndef NRFCRED_STATION_RUNNER_PRIV_H
#define NRFCRED_STATION_RUNNER_PRIV_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "provision/result.h"
#include "station/csvlog.h"
#include "station/journal.h"
#include "station/runner.h"
#include "station/session.h"
#include "station/slot.h"
#include "target/nrf91.h"

struct station_config;
struct station_job;
struct table;
struct jlink_context;

/* VTref thresholds for board detection (continuous mode). nRF91 boards run
 * at 1.8 V or more; below 0.5 V nothing is powered. */
#define VTREF_PRESENT_MV 1500u
#define VTREF_ABSENT_MV	 500u
/* A new board must show VTref on this many polls in a row (the wait states
 * poll every 2 x poll_ms, 200 ms) before CONNECT. Assumed, not measured: a
 * board pressed onto pogo pins may touch VTref before the SWD pins, or
 * bounce, and a failed connect would log a FAILED board that the operator
 * then has to pull and insert again. */
#define VTREF_STABLE_POLLS 2u
#define DEFAULT_POLL_MS	   100u
/* SIGINT, SIGTERM, SIGHUP, SIGQUIT (runner.c). */
#define RUNNER_STOP_SIGNALS 4u

/* What a slot's records work writes (records.c): set up on the loop
 * thread, written on the pool, its results read back by `done` on the loop
 * thread. */
struct slot_records {
	bool row_wanted;
	struct csvlog_row row; /* points into the slot, the job, row_time and cred_cell */
	char row_time[32];
	char *cred_cell; /* the row's cred_sha256 (station_job_cred_cell), malloc'd */
	csvlog_err row_err;
	int row_errno;
	/* Before the row: BEGIN appends s->journal (the worker sets its id);
	 * after it: END closes s->journal.id with journal_how. */
	enum { SLOT_JOURNAL_NONE, SLOT_JOURNAL_BEGIN, SLOT_JOURNAL_END } journal_op;
	uint32_t journal_id; /* END */
	enum journal_how journal_how;
	char journal_time[32];
	/* The factory database's row (runner_options.db): set up with the CSV
	 * row, written before it by the same work. A pass the database could
	 * not commit (policy require) or that it refused (the IMEI passed
	 * elsewhere) becomes a fail: demoted, its cause in db_cause. */
	bool db_wanted;
	bool db_demoted;
	bool db_lost;	 /* a fail row that is neither in the database nor spooled */
	bool db_spooled; /* best effort: kept in LOG_DIR/<station>.dbspool */
	char db_started[32];
	char db_cause[320]; /* as s->error */
	char db_error[640]; /* a lost fail row: its error, then db_cause */
	/* The board's pool bundle (moved from the slot) and its fate, settled
	 * before the row; pool_lost: the database did not take the fate (the
	 * bundle stays claimed; the next start burns it), pool_why says why. */
	struct db_pool_claim *pool_claim;
	int pool_fate; /* enum slot_pool_fate */
	bool pool_lost;
	char pool_why[400];
	char pool_error[740]; /* a failed board's error, then pool_why */
	journal_err journal_err;
	int journal_errno;
	void (*done)(struct slot *s);
};

/* What the start found of a board the journal says an earlier run left
 * unwiped in this slot (slot_recovery_run). */
enum slot_recovery {
	SLOT_RECOVERY_WIPED,	   /* the same board: erased and read back blank */
	SLOT_RECOVERY_WIPE_FAILED, /* the same board, but the wipe failed */
	SLOT_RECOVERY_OTHER_BOARD, /* another DEVICEID, or no board answers */
	SLOT_RECOVERY_UNCHECKED,   /* the probe failed, or a locked part may not be erased */
};

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
	unsigned vtref_polls; /* WAIT_BOARD: VTref present this many polls in a row */
	unsigned access_lost; /* AWAIT_RESULT: reads lost to a board reset */
	bool locked;	      /* RESET_APP: nrf91_lock proved the part locked */
	bool touched;	      /* ERASE started: the board holds this run's data */
	uint32_t swd_khz;     /* SWD clock for the next attach (runner lowers it) */
	/* Why the flash loader could not be started and PROGRAM took the
	 * direct path instead ("" when it did not happen on this board). */
	char loader_fallback[200];
	/* verify = crc with the loader: PROGRAM's loader run computed the
	 * CRC-32 too (steps.c program_crc) and VERIFY reports its verdict. */
	bool crc_verdict;
	nrf91_err crc_err;
	char crc_detail[256];
	struct slot_session session; /* RUN .. AWAIT_RESULT of the RAM delivery */
	struct slot_keygen *keygen;  /* this board's keygen/attestation rounds (keygen.c) */
	char imei[16];		     /* the IMEI of the session's READY, "" before */
	/* Per-device job: this board's table, built at READY (board_identity.c). */
	struct board_table *board;
	/* The logs hold a pass for this IMEI: CHECK fails the board with it. */
	char refusal[200];
	bool reprovisioned; /* ... and --reprovision let it through */
	/* Its bundle of the job's credential pool, claimed at READY
	 * (pool_slot.h), settled by the board's records; NULL: none. */
	struct db_pool_claim *pool_claim;
	/* A TABLE record went out to this board (its doorbell was rung, in
	 * any boot): from then on the modem may hold what it carried. */
	bool table_sent;
	unsigned speed_fallbacks;

	/* Written by the worker's progress callback, read by the dashboard. */
	_Atomic uint64_t progress_done;
	_Atomic uint64_t progress_total;
	atomic_bool progress_bytes; /* false: done/total are a fraction, not bytes */
	atomic_bool abort;	    /* nrf91_options.abort_flag */

	/* The board in progress (loop thread only). */
	unsigned attempt;	 /* retries used (of cfg->retries) since retry_of failed */
	enum slot_state retry_of; /* the step whose failure they are for; SLOT_IDLE = none */
	bool retrying;		 /* slot_enter called to retry */
	bool probe_failed; /* the board failed because the probe did */
	enum slot_state failed_step;
	char error[320];
	uint64_t board_start_ms; /* wall clock */
	uint64_t board_start_hr; /* uv_hrtime, ns */
	uint64_t await_deadline; /* uv_now, ms */
	char absent_reason[200];

	struct adi_trace *trace; /* runner_options.traces[i]; NULL = none */
	struct slot_records records; /* while its work is pending: the worker's */

	/* The journal entry of the board in hand (loop thread, and the
	 * records work while it is pending). */
	struct journal_entry journal;
	bool journal_open; /* its open line is on disk, its close is not */
	bool wiped;	   /* this board's WIPE step succeeded */
	/* The WIPE left provisioner bytes the app covers to VERIFY_APP (set by
	 * the step); a wipe_full WIPE proves them itself. */
	bool wipe_left_to_app;
	bool wipe_full;
	/* At start: the earlier run's entry being dealt with (leftover), the
	 * next of runner.journal's leftovers to look at for this slot, and
	 * what the worker found (slot_recovery_run). */
	bool recovering;
	struct journal_entry leftover;
	size_t leftover_next;
	enum slot_recovery recovery;
};

/* An IMEI a board reported in this run. */
struct runner_imei {
	char imei[16];
	uint64_t device_id; /* FICR DEVICEID of that board */
	unsigned slot;
};

struct runner {
	struct runner_options opts;
	const struct station_config *cfg;
	const struct station_job *job;
	struct jlink_context *jlink;
	size_t slot_count;
	struct slot *slots;
	uv_signal_t signals[RUNNER_STOP_SIGNALS]; /* runner_stop_signals order */
	size_t timers_open; /* slots[0 .. timers_open) have an open timer */
	bool signals_open;
	bool stopping;
	atomic_bool hard_abort;
	bool ended;
	struct runner_summary summary;
	struct journal *journal; /* NULL: opts.journal off */
	struct journal_scan journal_scan;
	/* Every IMEI reported in this run; workers add to it under imei_lock. */
	uv_mutex_t imei_lock;
	bool imei_lock_ready;
	struct runner_imei *imeis;
	size_t imei_count, imei_cap;
	/* IMEIs with a pass in the logs, and this run's passes (under
	 * imei_lock); NULL without CSV logs. */
	struct imei_index *provisioned;
	/* Where random PSKs go before a board gets them; NULL: none. */
	struct secrets_out *secrets;
	/* The job's credential pool key (db/db_pool.h); NULL: no pool. */
	struct db_pool_key *pool_key;
};

/* Loop thread (runner.c). */
uint64_t runner_wall_ms(void);
void runner_emit(struct runner *r, struct station_event *ev);
/* Enters state next (emits its STATE event with message) and starts what
 * it does: a step on the pool, a timer, or the board's records. */
void slot_enter(struct slot *s, enum slot_state next, const char *message);

/* Starts the slot's machine (its first state after IDLE). */
void slot_start(struct slot *s);
/* How a step ended: retries, failure causes, the next state. */
void slot_advance(struct slot *s, enum slot_outcome out);

/* Loop thread (recovery.c). Before the machines start: every slot with a
 * journal leftover for its probe deals with it first (then starts); the
 * leftovers of probes not in the station or not attached are reported. */
void runner_recover_leftovers(struct runner *r);

/* Loop thread (records.c). The board ended (DONE or FAILED): writes its
 * CSV row on the pool, then emits the BOARD event (and LOG_ERROR) and
 * enters the next state. */
void slot_finish_board(struct slot *s);
/* Runs s->records on the pool (s->work), then done(s) on the loop. */
void slot_records_queue(struct slot *s, void (*done)(struct slot *s));
/* A row that could not be written goes out in a LOG_ERROR event (the CLI
 * prints it on stderr) and counts against the exit code: never dropped. */
void slot_report_lost_row(struct slot *s);
/* The board in hand is about to get its first secret (s->state is that
 * step): appends its journal entry (probe, DEVICEID, step) on the pool,
 * then done(s); s->records.journal_err says whether it is on disk. */
void slot_journal_board(struct slot *s, void (*done)(struct slot *s));
/* A journal write failed (s->records): counts it against the exit code
 * and puts "FILE: cause (what)" into out. */
void slot_journal_failed(struct slot *s, const char *what, char *out, size_t outlen);

/* Worker (steps.c): attaches, compares the DEVICEID with s->leftover's,
 * and wipes the board as WIPE does when it is the same; detaches. */
enum slot_recovery slot_recovery_run(struct slot *s);

/* Runs the blocking step of s->state on a worker thread; fills s->err,
 * s->detail, s->result and progress. */
enum slot_outcome slot_step_run(struct slot *s);

/* A read that failed while the firmware runs: a board resetting itself
 * waits for the port (PENDING); a dead probe or an abort fails the step. */
enum slot_outcome slot_lost_access(struct slot *s, nrf91_err e);
/* Worker (steps.c): the step failed; s->detail gets the message. Returns
 * SLOT_OUT_FAILED. */
enum slot_outcome slot_fail(struct slot *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Records that the board in slot s reported imei. False, with s->detail
 * naming the IMEI and the slot, when another board (another FICR DEVICEID)
 * reported it in this run, or when there is no memory to record it. The
 * same board again (continuous mode) is no duplicate. Any thread. */
bool slot_imei_is_new(struct slot *s, const char *imei);
/* board_identity.c. Any thread. False, with s->refusal saying when, where
 * and in which slot, when the logs hold a pass for imei and the run does
 * not reprovision; sets s->reprovisioned when it does. */
bool slot_imei_not_provisioned(struct slot *s, const char *imei);
/* Worker, before the TABLE record: builds this board's table (job
 * per_board) and appends its random PSKs to secrets_out (fsync'd). False,
 * s->detail naming the credential or file and saying nothing was sent. */
bool slot_board_table_ready(struct slot *s);
/* Loop thread: a board passed; its IMEI joins the index. */
void slot_record_provisioned(struct slot *s, const char *time);
/* runner_create: the IMEI index from the CSV logs (opts.csv), the
 * secrets_out file (a job with random PSKs). -1 with err naming the file. */
int runner_open_identity(struct runner *r, char *err, size_t errlen);
/* Loop thread: the board is done with; its table is wiped. */
void slot_board_table_drop(struct slot *s);
/* What this board is given: its own table (per-board job, once built) or
 * the job's, and the TABLE payload of it. Any thread. */
const struct table *slot_sent_table(const struct slot *s);
const uint8_t *slot_sent_request(const struct slot *s, size_t *len);

/* Shows the firmware's live progress word (read by the caller's poll) on the
 * dashboard (display only). */
void slot_show_firmware_progress(struct slot *s, uint32_t progress_word);

#endif
