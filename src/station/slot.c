#include "station/slot.h"

#include <stddef.h>

static const char *const state_names[SLOT_STATE_COUNT] = {
	[SLOT_IDLE] = "IDLE",
	[SLOT_ABSENT] = "ABSENT",
	[SLOT_WAIT_BOARD] = "WAIT_BOARD",
	[SLOT_CONNECT] = "CONNECT",
	[SLOT_RECOVER] = "RECOVER",
	[SLOT_ERASE] = "ERASE",
	[SLOT_PROGRAM] = "PROGRAM",
	[SLOT_VERIFY] = "VERIFY",
	[SLOT_RUN] = "RUN",
	[SLOT_AWAIT_RESULT] = "AWAIT_RESULT",
	[SLOT_CHECK] = "CHECK",
	[SLOT_WIPE] = "WIPE",
	[SLOT_PROGRAM_APP] = "PROGRAM_APP",
	[SLOT_VERIFY_APP] = "VERIFY_APP",
	[SLOT_RESET_APP] = "RESET_APP",
	[SLOT_DONE] = "DONE",
	[SLOT_FAILED] = "FAILED",
	[SLOT_WAIT_REMOVE] = "WAIT_REMOVE",
	[SLOT_STOPPED] = "STOPPED",
};

static const char *const step_names[SLOT_STATE_COUNT] = {
	[SLOT_IDLE] = "idle",
	[SLOT_ABSENT] = "absent",
	[SLOT_WAIT_BOARD] = "wait_board",
	[SLOT_CONNECT] = "connect",
	[SLOT_RECOVER] = "recover",
	[SLOT_ERASE] = "erase",
	[SLOT_PROGRAM] = "program",
	[SLOT_VERIFY] = "verify",
	[SLOT_RUN] = "run",
	[SLOT_AWAIT_RESULT] = "await_result",
	[SLOT_CHECK] = "check",
	[SLOT_WIPE] = "wipe",
	[SLOT_PROGRAM_APP] = "program_app",
	[SLOT_VERIFY_APP] = "verify_app",
	[SLOT_RESET_APP] = "reset_app",
	[SLOT_DONE] = "done",
	[SLOT_FAILED] = "failed",
	[SLOT_WAIT_REMOVE] = "wait_remove",
	[SLOT_STOPPED] = "stopped",
};

const char *slot_state_name(enum slot_state s)
{
	if ((unsigned)s >= SLOT_STATE_COUNT)
		return "?";
	return state_names[s];
}

const char *slot_state_step_name(enum slot_state s)
{
	if ((unsigned)s >= SLOT_STATE_COUNT)
		return "?";
	return step_names[s];
}

bool slot_state_is_step(enum slot_state s)
{
	switch (s) {
	case SLOT_WAIT_BOARD:
	case SLOT_CONNECT:
	case SLOT_RECOVER:
	case SLOT_ERASE:
	case SLOT_PROGRAM:
	case SLOT_VERIFY:
	case SLOT_RUN:
	case SLOT_AWAIT_RESULT:
	case SLOT_CHECK:
	case SLOT_WIPE:
	case SLOT_PROGRAM_APP:
	case SLOT_VERIFY_APP:
	case SLOT_RESET_APP:
	case SLOT_WAIT_REMOVE:
		return true;
	default:
		return false;
	}
}

bool slot_state_is_busy(enum slot_state s)
{
	return s >= SLOT_CONNECT && s <= SLOT_RESET_APP;
}

bool slot_state_is_interruptible(enum slot_state s)
{
	return slot_state_is_busy(s) && s != SLOT_WIPE;
}

/* The successor of a step that succeeded, when nothing is failing. */
static enum slot_state next_on_success(enum slot_state cur, const struct slot_flow *flow)
{
	switch (cur) {
	case SLOT_IDLE:
		return flow->continuous ? SLOT_WAIT_BOARD : SLOT_CONNECT;
	case SLOT_WAIT_BOARD:
		return SLOT_CONNECT;
	case SLOT_CONNECT:
	case SLOT_RECOVER:
		return SLOT_ERASE;
	case SLOT_ERASE:
		return SLOT_PROGRAM;
	case SLOT_PROGRAM:
		return SLOT_VERIFY;
	case SLOT_VERIFY:
		return SLOT_RUN;
	case SLOT_RUN:
		return SLOT_AWAIT_RESULT;
	case SLOT_AWAIT_RESULT:
		return SLOT_CHECK;
	case SLOT_CHECK:
		return SLOT_WIPE;
	case SLOT_WIPE:
		return flow->has_app ? SLOT_PROGRAM_APP : SLOT_DONE;
	case SLOT_PROGRAM_APP:
		return SLOT_VERIFY_APP;
	case SLOT_VERIFY_APP:
		return SLOT_RESET_APP;
	case SLOT_RESET_APP:
		return SLOT_DONE;
	case SLOT_DONE:
	case SLOT_FAILED:
		return flow->continuous ? SLOT_WAIT_REMOVE : SLOT_STOPPED;
	case SLOT_WAIT_REMOVE:
		return SLOT_WAIT_BOARD;
	default:
		return cur;
	}
}

enum slot_state slot_next_state(enum slot_state cur, enum slot_outcome out,
				const struct slot_flow *flow)
{
	static const struct slot_flow none = {0};
	if (flow == NULL)
		flow = &none;

	switch (cur) {
	case SLOT_ABSENT:
	case SLOT_STOPPED:
		return cur; /* terminal */
	case SLOT_IDLE:
	case SLOT_WAIT_BOARD:
	case SLOT_WAIT_REMOVE:
		/* No board is being handled: an interrupt or a probe failure
		 * simply ends the slot, there is nothing to wipe. */
		if (flow->interrupted || flow->draining || out == SLOT_OUT_FAILED)
			return SLOT_STOPPED;
		if (out == SLOT_OUT_PENDING)
			return cur;
		return next_on_success(cur, flow);
	case SLOT_DONE:
	case SLOT_FAILED:
		if (flow->interrupted || flow->draining)
			return SLOT_STOPPED;
		return next_on_success(cur, flow);
	case SLOT_WIPE:
		/* The wipe is the last step of a failing board whatever it
		 * returns: a failed wipe cannot be retried into success. */
		if (out == SLOT_OUT_FAILED || flow->failing)
			return SLOT_FAILED;
		/* Interrupted during the final wipe of a good board: the
		 * credentials are in and the flash is clean, so it passed,
		 * unless the app still had to be programmed. */
		if (flow->interrupted)
			return flow->has_app ? SLOT_FAILED : SLOT_DONE;
		return next_on_success(cur, flow);
	default:
		break;
	}

	/* A board is being handled. */
	if (out == SLOT_OUT_FAILED || flow->interrupted || flow->failing)
		return SLOT_WIPE;
	if (out == SLOT_OUT_PENDING)
		return cur == SLOT_AWAIT_RESULT ? cur : SLOT_WIPE;
	if (out == SLOT_OUT_PROTECTED)
		return cur == SLOT_CONNECT ? SLOT_RECOVER : SLOT_WIPE;
	return next_on_success(cur, flow);
}
