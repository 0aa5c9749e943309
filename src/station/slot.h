/*
 * The per-slot state machine, as pure data: states, their names, and the
 * transition function. The runner (runner.c) owns the side effects; this
 * file decides only "what comes next", so every path (success, failure,
 * interrupt, continuous mode) is unit-tested without a probe.
 *
 *   WAIT_BOARD -> CONNECT -> [RECOVER] -> ERASE -> PROGRAM -> VERIFY -> RUN
 *     -> AWAIT_RESULT -> CHECK -> WIPE -> [PROGRAM_APP -> VERIFY_APP -> RESET_APP]
 *     -> DONE
 *   any failure -> WIPE (best effort) -> FAILED
 *   continuous mode: DONE/FAILED -> WAIT_REMOVE -> WAIT_BOARD -> CONNECT ...
 *   draining: the board in hand ends as usual, then STOPPED
 */
#ifndef NRFCRED_STATION_SLOT_H
#define NRFCRED_STATION_SLOT_H

#include <stdbool.h>

enum slot_state {
	SLOT_IDLE = 0,	 /* not started yet */
	SLOT_ABSENT,	 /* its probe is not attached (terminal) */
	SLOT_WAIT_BOARD, /* continuous mode: waiting for VTref to rise */
	SLOT_CONNECT,
	SLOT_RECOVER,
	SLOT_ERASE,
	SLOT_PROGRAM,
	SLOT_VERIFY,
	SLOT_RUN,
	SLOT_AWAIT_RESULT,
	SLOT_CHECK,
	SLOT_WIPE,
	SLOT_PROGRAM_APP,
	SLOT_VERIFY_APP,
	SLOT_RESET_APP,
	SLOT_DONE,
	SLOT_FAILED,
	SLOT_WAIT_REMOVE, /* continuous mode: waiting for VTref to drop */
	SLOT_STOPPED,	  /* finished for good (once mode, or interrupted) */
	SLOT_STATE_COUNT
};

/* How the step that just ran in the current state ended. */
enum slot_outcome {
	SLOT_OUT_OK = 0,
	SLOT_OUT_FAILED,    /* the step failed (the runner records step and cause) */
	SLOT_OUT_PROTECTED, /* CONNECT: the part has APPROTECT on and recover is allowed */
	SLOT_OUT_PENDING,   /* AWAIT_RESULT / WAIT_*: not yet, poll again */
};

/* Everything besides (state, outcome) the next state depends on. */
struct slot_flow {
	bool has_app;	  /* an application image is programmed after the wipe */
	bool failing;	  /* a step failed earlier on this board: heading to FAILED */
	bool interrupted; /* Ctrl-C: stop at this safe point, wipe, FAILED */
	bool continuous;  /* after a board, wait for the next one */
	/* No new board: the one in hand runs to its end as usual (not cut
	 * short), then the slot stops. The run's output went away. */
	bool draining;
};

/* The state after `cur` whose step ended with `out`. Pure. */
enum slot_state slot_next_state(enum slot_state cur, enum slot_outcome out,
				const struct slot_flow *flow);

/* True for states that run a blocking probe step on the thread pool. */
bool slot_state_is_step(enum slot_state s);
/* True while a board is being handled (CONNECT .. RESET_APP). */
bool slot_state_is_busy(enum slot_state s);
/* True when a first Ctrl-C may cut the state's step short (it then goes on
 * to WIPE): every busy state except WIPE itself, which has to finish so that
 * no key stays in flash. Only a second Ctrl-C aborts a wipe. */
bool slot_state_is_interruptible(enum slot_state s);
/* Upper-case name, e.g. "AWAIT_RESULT"; "?" for an out-of-range value. */
const char *slot_state_name(enum slot_state s);
/* Lower-case step name for logs, e.g. "await_result". */
const char *slot_state_step_name(enum slot_state s);

#endif
