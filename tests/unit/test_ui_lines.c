#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ui/json.h"
#include "ui/plain.h"

/* 2026-11-25T01:02:03.456Z */
#define T0 1795568523456ull

Test(ui_lines, json_escapes_quotes_backslashes_and_controls)
{
	char out[128];
	size_t n = json_quote("a\"b\\c\n\t\x01", out, sizeof out);
	cr_assert_str_eq(out, "\"a\\\"b\\\\c\\n\\t\\u0001\"");
	cr_assert_eq(n, strlen(out));
}

Test(ui_lines, json_keeps_valid_utf8_and_replaces_invalid_bytes)
{
	char out[64];
	json_quote("gr\xc3\xbc\xc3\x9f \xff\xc3", out, sizeof out);
	cr_assert_str_eq(out, "\"gr\xc3\xbc\xc3\x9f \\ufffd\\ufffd\"");
	json_quote("\xed\xa0\x80", out, sizeof out); /* a UTF-16 surrogate is not UTF-8 */
	cr_assert_str_eq(out, "\"\\ufffd\\ufffd\\ufffd\"");
}

Test(ui_lines, json_quote_truncates_and_reports_needed_length)
{
	char out[5];
	cr_assert_eq(json_quote("abcdef", out, sizeof out), 8);
	cr_assert_str_eq(out, "\"abc");
}

Test(ui_lines, json_board_event_has_stable_fields)
{
	struct station_event ev = {
		.type = STATION_EV_BOARD,
		.time_ms = T0,
		.station = "demo",
		.slot = 4,
		.probe = "260000004",
		.passed = false,
		.imei = "352656100000004",
		.failed_step = SLOT_CHECK,
		.message = "modem error 515 on \"42/3\"",
		.duration_ms = 6543,
		.part = "nRF9160",
		.modem_fw = "mfw_nrf9160_1.3.5",
		.swd_khz = 1000,
		.resets = 2,
		.locked = true,
		.digest = "modem",
		.delivery = "ram",
		.boots = 2,
		.flash_method = "direct-fallback",
		.loader_fallback = "the core did not halt: halt timeout",
	};
	char out[1024];
	json_format_event(&ev, out, sizeof out);
	cr_assert_str_eq(out, "{\"event\":\"board\",\"time\":\"2026-11-25T01:02:03.456Z\","
			      "\"station\":\"demo\",\"slot\":4,\"probe\":\"260000004\","
			      "\"result\":\"fail\",\"imei\":\"352656100000004\","
			      "\"failed_step\":\"check\","
			      "\"error\":\"modem error 515 on \\\"42/3\\\"\","
			      "\"duration_ms\":6543,\"part\":\"nRF9160\","
			      "\"modem_fw\":\"mfw_nrf9160_1.3.5\",\"swd_khz\":1000,"
			      "\"resets\":2,\"locked\":true,\"digest\":\"modem\","
			      "\"delivery\":\"ram\",\"boots\":2,"
			      "\"flash_method\":\"direct-fallback\","
			      "\"loader_fallback\":\"the core did not halt: halt timeout\"}\n");
}

Test(ui_lines, json_state_start_and_end_events)
{
	char out[512];
	struct station_event st = {.type = STATION_EV_STATE,
				   .time_ms = T0,
				   .station = "d",
				   .slot = 1,
				   .probe = "7",
				   .state = SLOT_AWAIT_RESULT};
	json_format_event(&st, out, sizeof out);
	cr_assert_str_eq(out, "{\"event\":\"state\",\"time\":\"2026-11-25T01:02:03.456Z\","
			      "\"station\":\"d\",\"slot\":1,\"probe\":\"7\","
			      "\"state\":\"AWAIT_RESULT\"}\n");
	struct station_event start = {.type = STATION_EV_START,
				      .time_ms = T0,
				      .station = "d",
				      .slot_count = 8,
				      .provisioner_sha256 = "ab"};
	json_format_event(&start, out, sizeof out);
	cr_assert_str_eq(out, "{\"event\":\"start\",\"time\":\"2026-11-25T01:02:03.456Z\","
			      "\"station\":\"d\",\"slots\":8,\"provisioner_sha256\":\"ab\","
			      "\"provisioner_build\":\"target\"}\n");
	start.sim_build = true;
	json_format_event(&start, out, sizeof out);
	cr_assert(strstr(out, ",\"provisioner_build\":\"simulator\"}\n") != NULL, "%s", out);
	struct station_event end = {.type = STATION_EV_END,
				    .time_ms = T0,
				    .station = "d",
				    .passed_count = 7,
				    .failed_count = 1,
				    .exit_code = 4};
	json_format_event(&end, out, sizeof out);
	cr_assert_str_eq(out, "{\"event\":\"end\",\"time\":\"2026-11-25T01:02:03.456Z\","
			      "\"station\":\"d\",\"passed\":7,\"failed\":1,\"exit_code\":4}\n");
}

Test(ui_lines, plain_lines_for_state_pass_and_fail)
{
	char out[256];
	struct station_event st = {.type = STATION_EV_STATE,
				   .time_ms = T0,
				   .station = "demo",
				   .slot = 3,
				   .probe = "260000003",
				   .state = SLOT_PROGRAM};
	plain_format_event(&st, out, sizeof out);
	cr_assert_str_eq(out, "2026-11-25T01:02:03.456Z demo slot 3 (260000003): PROGRAM\n");
	struct station_event ok = {.type = STATION_EV_BOARD,
				   .time_ms = T0,
				   .station = "demo",
				   .slot = 3,
				   .probe = "260000003",
				   .passed = true,
				   .imei = "352656100000003",
				   .duration_ms = 6512};
	plain_format_event(&ok, out, sizeof out);
	cr_assert_str_eq(out, "2026-11-25T01:02:03.456Z demo slot 3 (260000003): PASS imei "
			      "352656100000003 in 6.5 s\n");
	struct station_event bad = {.type = STATION_EV_BOARD,
				    .time_ms = T0,
				    .station = "demo",
				    .slot = 3,
				    .probe = "260000003",
				    .failed_step = SLOT_WIPE,
				    .message = "two\nlines",
				    .duration_ms = 100};
	plain_format_event(&bad, out, sizeof out);
	cr_assert_str_eq(out, "2026-11-25T01:02:03.456Z demo slot 3 (260000003): FAIL at wipe: "
			      "two lines (imei unknown, 0.1 s)\n");
}

Test(ui_lines, plain_skips_slot_descriptions_except_absent_probes)
{
	char out[256];
	struct station_event sl = {.type = STATION_EV_SLOT,
				   .time_ms = T0,
				   .station = "d",
				   .slot = 2,
				   .probe = "9",
				   .state = SLOT_IDLE};
	cr_assert_eq(plain_format_event(&sl, out, sizeof out), 0);
	sl.state = SLOT_ABSENT;
	plain_format_event(&sl, out, sizeof out);
	cr_assert_str_eq(out, "2026-11-25T01:02:03.456Z d slot 2 (9): ABSENT: probe not "
			      "attached\n");
}

Test(ui_lines, log_error_event_carries_the_lost_row_in_plain_and_json)
{
	char out[512];
	struct station_event le = {.type = STATION_EV_LOG_ERROR,
				   .time_ms = T0,
				   .station = "demo",
				   .slot = 2,
				   .probe = "260000002",
				   .message = "logs/demo-slot2.csv: No space left on device",
				   .row = "t,demo,2,260000002,352656100000002,pass"};
	plain_format_event(&le, out, sizeof out);
	cr_assert_str_eq(out, "2026-11-25T01:02:03.456Z demo slot 2 (260000002): CSV LOG WRITE "
			      "FAILED: logs/demo-slot2.csv: No space left on device; this row is "
			      "NOT in the log: t,demo,2,260000002,352656100000002,pass\n");
	json_format_event(&le, out, sizeof out);
	cr_assert_str_eq(out, "{\"event\":\"log_error\",\"time\":\"2026-11-25T01:02:03.456Z\","
			      "\"station\":\"demo\",\"slot\":2,\"probe\":\"260000002\","
			      "\"error\":\"logs/demo-slot2.csv: No space left on device\","
			      "\"row\":\"t,demo,2,260000002,352656100000002,pass\"}\n");
}

/* A lost row with many credentials is longer than the sink's line buffer:
 * the event must still come out whole, not be dropped. */
Test(ui_lines, json_sink_writes_an_event_longer_than_its_line_buffer)
{
	static char row[5000];
	memset(row, 'a', sizeof row - 1);
	struct station_event le = {.type = STATION_EV_LOG_ERROR,
				   .time_ms = T0,
				   .station = "demo",
				   .slot = 1,
				   .probe = "1",
				   .message = "x",
				   .row = row};
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	cr_assert_not_null(f);
	json_sink(f, &le);
	fclose(f);
	cr_assert_not_null(strstr(buf, row));
	cr_assert_eq(buf[len - 1], '\n');
	cr_assert_eq(strlen(buf), json_format_event(&le, NULL, 0));
	free(buf);
}

Test(ui_lines, journal_event_names_the_board_when_and_where_it_was_left)
{
	struct station_event ev = {
		.type = STATION_EV_JOURNAL,
		.time_ms = T0,
		.station = "demo",
		.slot = 3,
		.probe = "000260000003",
		.journal = "recovered-wipe",
		.device_id = 0x4e5246000f7f4903ull,
		.since = "2026-11-25T00:00:00.000Z",
		.step = "program",
		.message = "erased and read back blank",
	};
	char out[1024];
	json_format_event(&ev, out, sizeof out);
	cr_assert_str_eq(out, "{\"event\":\"journal\",\"time\":\"2026-11-25T01:02:03.456Z\","
			      "\"station\":\"demo\",\"slot\":3,\"probe\":\"000260000003\","
			      "\"result\":\"recovered-wipe\",\"device_id\":\"4e5246000f7f4903\","
			      "\"since\":\"2026-11-25T00:00:00.000Z\",\"step\":\"program\","
			      "\"detail\":\"erased and read back blank\"}\n");
	plain_format_event(&ev, out, sizeof out);
	cr_assert_str_eq(out, "2026-11-25T01:02:03.456Z demo slot 3 (000260000003): JOURNAL "
			      "recovered-wipe: erased and read back blank\n");
	/* A station-wide one (a damaged journal) names no board. */
	struct station_event dmg = {.type = STATION_EV_JOURNAL,
				    .time_ms = T0,
				    .station = "demo",
				    .journal = "damaged",
				    .message = "2 unreadable lines skipped"};
	json_format_event(&dmg, out, sizeof out);
	cr_assert_str_eq(out, "{\"event\":\"journal\",\"time\":\"2026-11-25T01:02:03.456Z\","
			      "\"station\":\"demo\",\"result\":\"damaged\","
			      "\"detail\":\"2 unreadable lines skipped\"}\n");
}
