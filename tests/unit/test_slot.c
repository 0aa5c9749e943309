#include <criterion/criterion.h>

#include "station/slot.h"

static enum slot_state run_path(enum slot_state s, const struct slot_flow *flow, int steps,
				enum slot_state *seen)
{
	for (int i = 0; i < steps; i++) {
		s = slot_next_state(s, SLOT_OUT_OK, flow);
		seen[i] = s;
	}
	return s;
}

Test(slot, once_mode_success_path_without_app)
{
	struct slot_flow flow = {0};
	enum slot_state want[] = {SLOT_CONNECT, SLOT_ERASE,	   SLOT_PROGRAM, SLOT_VERIFY,
				  SLOT_RUN,	SLOT_AWAIT_RESULT, SLOT_CHECK,	 SLOT_WIPE,
				  SLOT_DONE,	SLOT_STOPPED};
	enum slot_state seen[10];
	run_path(SLOT_IDLE, &flow, 10, seen);
	for (int i = 0; i < 10; i++)
		cr_assert_eq(seen[i], want[i], "step %d: %s, want %s", i, slot_state_name(seen[i]),
			     slot_state_name(want[i]));
}

Test(slot, app_is_programmed_verified_and_reset_after_the_wipe)
{
	struct slot_flow flow = {.has_app = true};
	cr_assert_eq(slot_next_state(SLOT_WIPE, SLOT_OUT_OK, &flow), SLOT_PROGRAM_APP);
	cr_assert_eq(slot_next_state(SLOT_PROGRAM_APP, SLOT_OUT_OK, &flow), SLOT_VERIFY_APP);
	cr_assert_eq(slot_next_state(SLOT_VERIFY_APP, SLOT_OUT_OK, &flow), SLOT_RESET_APP);
	cr_assert_eq(slot_next_state(SLOT_RESET_APP, SLOT_OUT_OK, &flow), SLOT_DONE);
}

Test(slot, protected_part_goes_through_recover)
{
	cr_assert_eq(slot_next_state(SLOT_CONNECT, SLOT_OUT_PROTECTED, NULL), SLOT_RECOVER);
	cr_assert_eq(slot_next_state(SLOT_RECOVER, SLOT_OUT_OK, NULL), SLOT_ERASE);
}

Test(slot, every_board_step_failure_goes_to_wipe_then_failed)
{
	enum slot_state steps[] = {SLOT_CONNECT,      SLOT_RECOVER,  SLOT_ERASE,
				   SLOT_PROGRAM,      SLOT_VERIFY,   SLOT_RUN,
				   SLOT_AWAIT_RESULT, SLOT_CHECK,    SLOT_PROGRAM_APP,
				   SLOT_VERIFY_APP,   SLOT_RESET_APP};
	for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
		struct slot_flow flow = {.has_app = true};
		enum slot_state next = slot_next_state(steps[i], SLOT_OUT_FAILED, &flow);
		cr_assert_eq(next, SLOT_WIPE, "%s failed -> %s", slot_state_name(steps[i]),
			     slot_state_name(next));
		flow.failing = true;
		cr_assert_eq(slot_next_state(SLOT_WIPE, SLOT_OUT_OK, &flow), SLOT_FAILED);
	}
}

Test(slot, failed_wipe_still_ends_in_failed)
{
	cr_assert_eq(slot_next_state(SLOT_WIPE, SLOT_OUT_FAILED, NULL), SLOT_FAILED);
}

Test(slot, await_result_pending_polls_again)
{
	cr_assert_eq(slot_next_state(SLOT_AWAIT_RESULT, SLOT_OUT_PENDING, NULL), SLOT_AWAIT_RESULT);
}

Test(slot, interrupt_at_a_safe_point_wipes_and_fails)
{
	struct slot_flow flow = {.interrupted = true};
	cr_assert_eq(slot_next_state(SLOT_PROGRAM, SLOT_OUT_OK, &flow), SLOT_WIPE);
	cr_assert_eq(slot_next_state(SLOT_AWAIT_RESULT, SLOT_OUT_PENDING, &flow), SLOT_WIPE);
	flow.failing = true; /* the runner records the interrupt as the cause */
	cr_assert_eq(slot_next_state(SLOT_WIPE, SLOT_OUT_OK, &flow), SLOT_FAILED);
	cr_assert_eq(slot_next_state(SLOT_FAILED, SLOT_OUT_OK, &flow), SLOT_STOPPED);
}

Test(slot, interrupt_before_a_board_starts_stops_without_wipe)
{
	struct slot_flow flow = {.interrupted = true, .continuous = true};
	cr_assert_eq(slot_next_state(SLOT_IDLE, SLOT_OUT_OK, &flow), SLOT_STOPPED);
	cr_assert_eq(slot_next_state(SLOT_WAIT_BOARD, SLOT_OUT_PENDING, &flow), SLOT_STOPPED);
	cr_assert_eq(slot_next_state(SLOT_WAIT_REMOVE, SLOT_OUT_PENDING, &flow), SLOT_STOPPED);
}

Test(slot, draining_finishes_the_board_in_hand_then_stops)
{
	struct slot_flow flow = {.draining = true, .continuous = true};
	/* The board in hand goes on as if nothing happened ... */
	cr_assert_eq(slot_next_state(SLOT_PROGRAM, SLOT_OUT_OK, &flow), SLOT_VERIFY);
	cr_assert_eq(slot_next_state(SLOT_AWAIT_RESULT, SLOT_OUT_PENDING, &flow),
		     SLOT_AWAIT_RESULT);
	cr_assert_eq(slot_next_state(SLOT_CHECK, SLOT_OUT_OK, &flow), SLOT_WIPE);
	cr_assert_eq(slot_next_state(SLOT_WIPE, SLOT_OUT_OK, &flow), SLOT_DONE);
	cr_assert_eq(slot_next_state(SLOT_PROGRAM, SLOT_OUT_FAILED, &flow), SLOT_WIPE);
	/* ... and no next board is waited for or started. */
	cr_assert_eq(slot_next_state(SLOT_DONE, SLOT_OUT_OK, &flow), SLOT_STOPPED);
	cr_assert_eq(slot_next_state(SLOT_FAILED, SLOT_OUT_OK, &flow), SLOT_STOPPED);
	cr_assert_eq(slot_next_state(SLOT_IDLE, SLOT_OUT_OK, &flow), SLOT_STOPPED);
	cr_assert_eq(slot_next_state(SLOT_WAIT_BOARD, SLOT_OUT_PENDING, &flow), SLOT_STOPPED);
	cr_assert_eq(slot_next_state(SLOT_WAIT_BOARD, SLOT_OUT_OK, &flow), SLOT_STOPPED);
	cr_assert_eq(slot_next_state(SLOT_WAIT_REMOVE, SLOT_OUT_PENDING, &flow), SLOT_STOPPED);
}

Test(slot, interrupt_during_the_final_wipe_of_a_good_board_passes_it)
{
	struct slot_flow flow = {.interrupted = true};
	cr_assert_eq(slot_next_state(SLOT_WIPE, SLOT_OUT_OK, &flow), SLOT_DONE);
}

Test(slot, a_first_interrupt_cuts_every_busy_step_short_except_the_wipe)
{
	for (enum slot_state s = SLOT_IDLE; s < SLOT_STATE_COUNT; s++)
		cr_assert_eq(slot_state_is_interruptible(s),
			     slot_state_is_busy(s) && s != SLOT_WIPE, "%s", slot_state_name(s));
	cr_assert(slot_state_is_interruptible(SLOT_PROGRAM));
	cr_assert(slot_state_is_interruptible(SLOT_AWAIT_RESULT));
	cr_assert_not(slot_state_is_interruptible(SLOT_WIPE));
	cr_assert_not(slot_state_is_interruptible(SLOT_WAIT_BOARD));
}

Test(slot, interrupt_after_the_wipe_does_not_program_the_app)
{
	struct slot_flow flow = {.has_app = true, .interrupted = true};
	cr_assert_eq(slot_next_state(SLOT_WIPE, SLOT_OUT_OK, &flow), SLOT_FAILED);
	cr_assert_eq(slot_next_state(SLOT_PROGRAM_APP, SLOT_OUT_OK, &flow), SLOT_WIPE);
}

Test(slot, continuous_mode_waits_for_removal_then_the_next_board)
{
	struct slot_flow flow = {.continuous = true};
	cr_assert_eq(slot_next_state(SLOT_IDLE, SLOT_OUT_OK, &flow), SLOT_WAIT_BOARD);
	cr_assert_eq(slot_next_state(SLOT_WAIT_BOARD, SLOT_OUT_PENDING, &flow), SLOT_WAIT_BOARD);
	cr_assert_eq(slot_next_state(SLOT_WAIT_BOARD, SLOT_OUT_OK, &flow), SLOT_CONNECT);
	cr_assert_eq(slot_next_state(SLOT_DONE, SLOT_OUT_OK, &flow), SLOT_WAIT_REMOVE);
	cr_assert_eq(slot_next_state(SLOT_FAILED, SLOT_OUT_OK, &flow), SLOT_WAIT_REMOVE);
	cr_assert_eq(slot_next_state(SLOT_WAIT_REMOVE, SLOT_OUT_PENDING, &flow), SLOT_WAIT_REMOVE);
	cr_assert_eq(slot_next_state(SLOT_WAIT_REMOVE, SLOT_OUT_OK, &flow), SLOT_WAIT_BOARD);
}

Test(slot, absent_and_stopped_are_terminal)
{
	struct slot_flow flow = {.continuous = true};
	cr_assert_eq(slot_next_state(SLOT_ABSENT, SLOT_OUT_OK, &flow), SLOT_ABSENT);
	cr_assert_eq(slot_next_state(SLOT_STOPPED, SLOT_OUT_OK, &flow), SLOT_STOPPED);
}

Test(slot, names_and_classes)
{
	cr_assert_str_eq(slot_state_name(SLOT_AWAIT_RESULT), "AWAIT_RESULT");
	cr_assert_str_eq(slot_state_step_name(SLOT_PROGRAM_APP), "program_app");
	cr_assert_str_eq(slot_state_name((enum slot_state)99), "?");
	cr_assert(slot_state_is_busy(SLOT_CONNECT));
	cr_assert(slot_state_is_busy(SLOT_RESET_APP));
	cr_assert_not(slot_state_is_busy(SLOT_DONE));
	cr_assert_not(slot_state_is_busy(SLOT_WAIT_BOARD));
	cr_assert(slot_state_is_step(SLOT_WIPE));
	cr_assert_not(slot_state_is_step(SLOT_FAILED));
}
