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
#include "station/runner.h"
#include "station/session.h"
#include "station/slot.h"
#include "target/nrf91.h"

struct station_config;
struct station_job;
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
	struct slot_session session; /* RUN .. AWAIT_RESULT of the RAM delivery */
	char imei[16];		     /* the IMEI of the session's READY, "" before */
	unsigned speed_fallbacks;

	/* Written by the worker's progress callback, read by the dashboard. */
	_Atomic uint64_t progress_done;
	_Atomic uint64_t progress_total;
	atomic_bool progress_bytes; /* false: done/total are a fraction, not bytes */
	atomic_bool abort;	    /* nrf91_options.abort_flag */

	/* The board in progress (loop thread only). */
	/* Retries spent per step on this board. A retry of PROGRAM starts
	 * again from ERASE: a count that restarted with each state entered
	 * would let a step that always fails run forever. */
	unsigned char retries_used[SLOT_STATE_COUNT];
	bool probe_failed; /* the board failed because the probe did */
	enum slot_state failed_step;
	char error[320];
	uint64_t board_start_ms; /* wall clock */
	uint64_t board_start_hr; /* uv_hrtime, ns */
	uint64_t await_deadline; /* uv_now, ms */
	char absent_reason[200];

	struct adi_trace *trace; /* runner_options.traces[i]; NULL = none */
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
	uv_signal_t sigint, sigterm;
	size_t timers_open; /* slots[0 .. timers_open) have an open timer */
	bool signals_open;
	bool stopping;
	atomic_bool hard_abort;
	bool ended;
	struct runner_summary summary;
	/* Every IMEI reported in this run; workers add to it under imei_lock. */
	uv_mutex_t imei_lock;
	bool imei_lock_ready;
	struct runner_imei *imeis;
	size_t imei_count, imei_cap;
};

/* Runs the blocking step of s->state on a worker thread; fills s->err,
 * s->detail, s->result and progress. */
enum slot_outcome slot_step_run(struct slot *s);

/* A read that failed while the firmware runs: a board resetting itself
 * waits for the port (PENDING); a dead probe or an abort fails the step. */
enum slot_outcome slot_lost_access(struct slot *s, nrf91_err e);
/* Records that the board in slot s reported imei. False, with s->detail
 * naming the IMEI and the slot, when another board (another FICR DEVICEID)
 * reported it in this run, or when there is no memory to record it. The
 * same board again (continuous mode) is no duplicate. Any thread. */
bool slot_imei_is_new(struct slot *s, const char *imei);
/* Shows the firmware's live progress word on the dashboard (display only). */
void slot_show_firmware_progress(struct slot *s);

#endif
