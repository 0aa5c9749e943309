#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ui/dashboard.h"
#include "ui/tty.h"

static const char *const sha = "3f2a9c01b7d4e6f0aabbccddeeff00112233445566778899aabbccddeeff0011";

/* Three slots: 1 programming (half done), 2 passed, 3 probe absent. */
static void fixture(struct dash_snapshot *s)
{
	dash_model_init(s);
	struct station_event e = {.type = STATION_EV_START,
				  .time_ms = 1000000,
				  .station = "demo",
				  .provisioner_sha256 = sha,
				  .slot_count = 3};
	dash_model_apply(s, &e);
	const char *probes[] = {"260000001", "260000002", "260000003"};
	for (unsigned i = 1; i <= 3; i++) {
		struct station_event se = {.type = STATION_EV_SLOT,
					   .time_ms = 1000000,
					   .slot = i,
					   .probe = probes[i - 1],
					   .state = i == 3 ? SLOT_ABSENT : SLOT_IDLE,
					   .message = i == 3 ? "not found" : ""};
		dash_model_apply(s, &se);
	}
	struct station_event st = {
		.type = STATION_EV_STATE, .time_ms = 1001000, .slot = 1, .state = SLOT_CONNECT};
	dash_model_apply(s, &st);
	st.state = SLOT_PROGRAM;
	st.time_ms = 1002000;
	dash_model_apply(s, &st);
	st.slot = 2;
	st.state = SLOT_CONNECT;
	st.time_ms = 1001000;
	dash_model_apply(s, &st);
	struct station_event b = {.type = STATION_EV_BOARD,
				  .time_ms = 1009000,
				  .slot = 2,
				  .passed = true,
				  .imei = "352656100000002",
				  .duration_ms = 8000};
	dash_model_apply(s, &b);
	st.state = SLOT_DONE;
	st.time_ms = 1009000;
	dash_model_apply(s, &st);
	s->rows[0].bytes_done = 32768;
	s->rows[0].bytes_total = 65536;
	s->now_ms = 1010500;
}

/* A simulator build of the provisioner is said in the header, so a screen
 * (or a photo of it) never passes for a production run. */
Test(dashboard, header_names_a_simulator_build)
{
	struct dash_snapshot s;
	fixture(&s);
	struct station_event e = {.type = STATION_EV_START,
				  .time_ms = 1000000,
				  .station = "demo",
				  .provisioner_sha256 = sha,
				  .slot_count = 3,
				  .sim_build = true};
	dash_model_apply(&s, &e);
	size_t lines = 0;
	char *f = dashboard_render(&s, 120, false, &lines);
	cr_assert(strncmp(f, "nrfcred station demo | provisioner 3f2a9c01b7d4e6f0 SIMULATOR BUILD | ",
			  70) == 0,
		  "%s", f);
	free(f);
}

Test(dashboard, renders_wide_frame_with_progress_bar)
{
	struct dash_snapshot s;
	fixture(&s);
	size_t lines = 0;
	char *f = dashboard_render(&s, 120, false, &lines);
	cr_assert_eq(lines, 6);
	cr_assert_str_eq(
		f, "nrfcred station demo | provisioner 3f2a9c01b7d4e6f0 | 3 slots | up 0:10\n"
		   "SLOT PROBE        STATE        PROGRESS                                  IMEI "
		   "              TIME RESULT\n"
		   "   1 260000001    PROGRAM      [##########..........]  50%   32.0K/64.0K      "
		   "              9.5s\n"
		   "   2 260000002    DONE                                                   "
		   "352656100000002    8.0s pass\n"
		   "   3 260000003    ABSENT                                    "
		   "                                     not found\n"
		   "passed 1  failed 0  running 1 | 342.9 boards/h\n");
	free(f);
}

Test(dashboard, narrow_terminal_shows_percent_only)
{
	struct dash_snapshot s;
	fixture(&s);
	char *f = dashboard_render(&s, 80, false, NULL);
	cr_assert_str_eq(f,
			 "nrfcred station demo | provisioner 3f2a9c01b7d4e6f0 | 3 slots | up 0:10\n"
			 "SLOT PROBE        STATE        PROG IMEI               TIME RESULT\n"
			 "   1 260000001    PROGRAM       50%                    9.5s\n"
			 "   2 260000002    DONE              352656100000002    8.0s pass\n"
			 "   3 260000003    ABSENT                                    not found\n"
			 "passed 1  failed 0  running 1 | 342.9 boards/h\n");
	free(f);
}

Test(dashboard, very_narrow_terminal_cuts_every_line_to_width)
{
	struct dash_snapshot s;
	fixture(&s);
	char *f = dashboard_render(&s, 30, false, NULL);
	for (char *line = strtok(f, "\n"); line; line = strtok(NULL, "\n"))
		cr_assert_leq(strlen(line), 30, "'%s'", line);
	free(f);
}

Test(dashboard, colours_states_and_results_only_when_asked)
{
	struct dash_snapshot s;
	fixture(&s);
	char *plain = dashboard_render(&s, 100, false, NULL);
	cr_assert_null(strchr(plain, '\x1b'));
	free(plain);
	char *f = dashboard_render(&s, 100, true, NULL);
	cr_assert_not_null(strstr(f, "\x1b[36mPROGRAM\x1b[0m"), "%s", f);
	cr_assert_not_null(strstr(f, "\x1b[32mDONE\x1b[0m"));
	cr_assert_not_null(strstr(f, "\x1b[32mpass\x1b[0m"));
	cr_assert_not_null(strstr(f, "\x1b[31mABSENT\x1b[0m"));
	free(f);
}

Test(dashboard, failed_board_shows_step_and_cause_in_words)
{
	struct dash_snapshot s;
	fixture(&s);
	struct station_event b = {.type = STATION_EV_BOARD,
				  .time_ms = 1010000,
				  .slot = 1,
				  .passed = false,
				  .imei = "",
				  .failed_step = SLOT_PROGRAM,
				  .message = "no target: no ACK",
				  .duration_ms = 9000};
	dash_model_apply(&s, &b);
	struct station_event st = {
		.type = STATION_EV_STATE, .time_ms = 1010000, .slot = 1, .state = SLOT_FAILED};
	dash_model_apply(&s, &st);
	char *f = dashboard_render(&s, 160, false, NULL);
	cr_assert_not_null(strstr(f, "   1 260000001    FAILED  "), "%s", f);
	cr_assert_not_null(strstr(f, "9.0s fail at program: no target: no ACK\n"), "%s", f);
	cr_assert_not_null(strstr(f, "passed 1  failed 1  running 0 |"), "%s", f);
	free(f);
}

Test(dashboard, next_board_clears_the_previous_result)
{
	struct dash_snapshot s;
	fixture(&s);
	struct station_event st = {
		.type = STATION_EV_STATE, .time_ms = 1020000, .slot = 2, .state = SLOT_CONNECT};
	dash_model_apply(&s, &st);
	struct dash_row *r = dash_model_row(&s, 2);
	cr_assert_str_eq(r->imei, "");
	cr_assert_str_eq(r->message, "");
	cr_assert_eq(r->board_start_ms, 1020000);
	cr_assert_eq(dash_running(&s), 2);
}

Test(dashboard, footer_reports_stopping_and_boards_per_hour)
{
	struct dash_snapshot s;
	dash_model_init(&s);
	struct station_event e = {.type = STATION_EV_START, .time_ms = 0 + 5000, .station = "x"};
	dash_model_apply(&s, &e);
	s.passed = 3;
	s.failed = 1;
	s.now_ms = 5000 + 60000; /* 4 boards in a minute */
	cr_assert_float_eq(dash_boards_per_hour(&s), 240.0, 1e-9);
	struct station_event stop = {.type = STATION_EV_STOP, .time_ms = 65000};
	dash_model_apply(&s, &stop);
	char *f = dashboard_render(&s, 200, false, NULL);
	cr_assert_not_null(
		strstr(f, "passed 3  failed 1  running 0 | 240.0 boards/h | stopping: no new "
			  "boards (Ctrl-C again aborts)\n"),
		"%s", f);
	free(f);
}

Test(dashboard, control_characters_from_messages_never_reach_the_terminal)
{
	struct dash_snapshot s;
	fixture(&s);
	struct station_event b = {.type = STATION_EV_BOARD,
				  .time_ms = 1010000,
				  .slot = 1,
				  .passed = false,
				  .failed_step = SLOT_CHECK,
				  .message = "evil\x1b[2Jtext\n"};
	dash_model_apply(&s, &b);
	char *f = dashboard_render(&s, 150, false, NULL);
	cr_assert_null(strchr(f, '\x1b'));
	cr_assert_not_null(strstr(f, "evil?[2Jtext?"), "%s", f);
	free(f);
}

Test(dashboard, a_stopped_slot_keeps_showing_its_result)
{
	struct dash_snapshot s;
	fixture(&s);
	struct station_event st = {
		.type = STATION_EV_STATE, .time_ms = 1009500, .slot = 2, .state = SLOT_STOPPED};
	dash_model_apply(&s, &st);
	cr_assert_eq(dash_model_row(&s, 2)->state, SLOT_DONE);
	st.slot = 1; /* no board finished on slot 1: STOPPED shows */
	dash_model_apply(&s, &st);
	cr_assert_eq(dash_model_row(&s, 1)->state, SLOT_STOPPED);
}

Test(dashboard, firmware_progress_shows_bar_and_percent_without_bytes)
{
	struct dash_snapshot s;
	fixture(&s);
	s.rows[0].state = SLOT_AWAIT_RESULT;
	s.rows[0].bytes_done = 250;
	s.rows[0].bytes_total = 1000;
	s.rows[0].progress_not_bytes = true;
	char *f = dashboard_render(&s, 120, false, NULL);
	cr_assert_not_null(strstr(f, "   1 260000001    AWAIT_RESULT [#####...............]  25%"
				     "                                  9.5s\n"),
			   "%s", f);
	free(f);
}

Test(dashboard, formats_byte_counts)
{
	char b[16];
	dash_format_bytes(512, b, sizeof b);
	cr_assert_str_eq(b, "512B");
	dash_format_bytes(1536, b, sizeof b);
	cr_assert_str_eq(b, "1.5K");
	dash_format_bytes(3 * 1024 * 1024, b, sizeof b);
	cr_assert_str_eq(b, "3.0M");
}

Test(dashboard, colour_only_on_a_terminal_and_never_with_no_color)
{
	int fds[2];
	cr_assert_eq(pipe(fds), 0);
	unsetenv("NO_COLOR");
	cr_assert_not(ui_tty_color_wanted(fds[1]), "a pipe is not a terminal");
	close(fds[0]);
	close(fds[1]);
	int pty = posix_openpt(O_RDWR | O_NOCTTY);
	cr_assert_geq(pty, 0);
	cr_assert_eq(grantpt(pty), 0);
	cr_assert_eq(unlockpt(pty), 0);
	int tty = open(ptsname(pty), O_RDWR | O_NOCTTY);
	cr_assert_geq(tty, 0);
	cr_assert(ui_tty_color_wanted(tty));
	setenv("NO_COLOR", "", 1);
	cr_assert(ui_tty_color_wanted(tty), "an empty NO_COLOR does not count");
	setenv("NO_COLOR", "1", 1);
	cr_assert_not(ui_tty_color_wanted(tty));
	unsetenv("NO_COLOR");
	close(tty);
	close(pty);
}

Test(dashboard, a_lost_csv_row_shows_on_its_slot_until_the_next_board)
{
	struct dash_snapshot s;
	fixture(&s);
	struct station_event b = {.type = STATION_EV_BOARD,
				  .time_ms = 1010000,
				  .slot = 1,
				  .passed = true,
				  .imei = "352656100000001",
				  .duration_ms = 9000};
	dash_model_apply(&s, &b);
	struct station_event le = {.type = STATION_EV_LOG_ERROR,
				   .time_ms = 1010000,
				   .slot = 1,
				   .message = "logs/x-slot1.csv: No space left on device",
				   .row = "row"};
	dash_model_apply(&s, &le);
	struct station_event st = {
		.type = STATION_EV_STATE, .time_ms = 1010000, .slot = 1, .state = SLOT_STOPPED};
	dash_model_apply(&s, &st);
	char *f = dashboard_render(&s, 160, false, NULL);
	cr_assert_not_null(
		strstr(f, "CSV LOG WRITE FAILED: logs/x-slot1.csv: No space left on device\n"),
		"%s", f);
	free(f);
}

/* Defence in depth behind the decoders (which refuse control bytes from a
 * board): no text an event carries can move the cursor or clear the screen. */
Test(dashboard, shows_control_bytes_in_event_text_as_question_marks)
{
	struct dash_snapshot s;
	fixture(&s);
	struct station_event b = {.type = STATION_EV_BOARD,
				  .time_ms = 1010000,
				  .slot = 1,
				  .passed = false,
				  .imei = "",
				  .failed_step = SLOT_CHECK,
				  .message = "bad\x1b[2J\r\nline\x7f",
				  .duration_ms = 9000};
	dash_model_apply(&s, &b);
	char *f = dashboard_render(&s, 160, false, NULL);
	cr_assert_null(strchr(f, '\x1b'), "%s", f);
	cr_assert_null(strchr(f, '\r'), "%s", f);
	cr_assert_not_null(strstr(f, "bad?[2J??line?"), "%s", f);
	free(f);
}

Test(dashboard, journal_warnings_stay_under_the_footer_whatever_the_slots_do_next)
{
	struct dash_snapshot s;
	fixture(&s);
	struct station_event je = {.type = STATION_EV_JOURNAL,
				   .time_ms = 1010000,
				   .slot = 3,
				   .journal = "unrecovered",
				   .device_id = 0x4e52460260000003ull,
				   .since = "2026-11-25T01:02:03.456Z",
				   .step = "program",
				   .message = "board 4e52460260000003 is not in the slot now"};
	dash_model_apply(&s, &je);
	struct station_event st = {
		.type = STATION_EV_STATE, .time_ms = 1011000, .slot = 3, .state = SLOT_CONNECT};
	dash_model_apply(&s, &st);
	char *f = dashboard_render(&s, 160, false, NULL);
	const char *footer = strstr(f, "passed 1  failed 0");
	cr_assert_not_null(footer, "%s", f);
	cr_assert_not_null(
		strstr(footer, "\njournal unrecovered: board 4e52460260000003 is not in the slot now\n"),
		"%s", f);
	free(f);
	/* More than fit: the first ones stay, a count says the rest. */
	for (unsigned i = 0; i < 5; i++)
		dash_model_apply(&s, &je);
	size_t lines = 0;
	f = dashboard_render(&s, 160, false, &lines);
	cr_assert_not_null(strstr(f, "\njournal: 2 more (see the JSON or plain output)\n"), "%s", f);
	cr_assert_eq(lines, 1 + 1 + 3 + 1 + DASH_MAX_JOURNAL + 1, "%s", f);
	free(f);
}
