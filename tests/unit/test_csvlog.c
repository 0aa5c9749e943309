#include <criterion/criterion.h>
#include <errno.h>
#include <signal.h>
#include <sys/resource.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "station/csvlog.h"
#include "station/events.h"

static char dir[64];

static void setup(void)
{
	strcpy(dir, "/tmp/nrfcred-csv-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
}

static void teardown(void)
{
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	cr_assert_eq(system(cmd), 0);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	cr_assert_not_null(f, "%s", path);
	static char buf[8192];
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

TestSuite(csvlog, .init = setup, .fini = teardown);

Test(csvlog, quotes_per_rfc4180)
{
	char out[64];
	cr_assert_eq(csvlog_quote("plain", out, sizeof out), 5);
	cr_assert_str_eq(out, "plain");
	csvlog_quote("a,b", out, sizeof out);
	cr_assert_str_eq(out, "\"a,b\"");
	csvlog_quote("say \"hi\"", out, sizeof out);
	cr_assert_str_eq(out, "\"say \"\"hi\"\"\"");
	csvlog_quote("two\r\nlines", out, sizeof out);
	cr_assert_str_eq(out, "\"two\r\nlines\"");
	csvlog_quote(" padded", out, sizeof out);
	cr_assert_str_eq(out, "\" padded\"");
	csvlog_quote(NULL, out, sizeof out);
	cr_assert_str_eq(out, "");
}

Test(csvlog, quote_truncates_safely_and_reports_needed_length)
{
	char out[4];
	cr_assert_eq(csvlog_quote("a,bcdef", out, sizeof out), 9);
	cr_assert_str_eq(out, "\"a,");
}

Test(csvlog, formats_row_in_header_order)
{
	struct csvlog_row row = {
		.utc_time = "2026-11-25T01:02:03.456Z",
		.station = "demo",
		.slot = 3,
		.probe = "260000003",
		.imei = "352656100000003",
		.result = "fail",
		.failed_step = "program",
		.error = "verify failed, at 0x0000f000",
		.duration_ms = 1234,
		.part = "nRF9160",
		.modem_fw = "mfw_nrf9160_1.3.5",
		.sec_tags = "42/3;42/4",
		.cred_sha256 = "aa;bb",
		.provisioner_sha256 = "cc",
		.app_sha256 = NULL,
		.version = "0.1.0",
		.swd_khz = 2000,
		.resets = 3,
		.locked = true,
		.digest = "unavailable",
		.delivery = "ram",
		.boots = 2,
		.sim_build = true,
	};
	char *line = csvlog_format_row(&row);
	cr_assert_str_eq(line, "2026-11-25T01:02:03.456Z,demo,3,260000003,352656100000003,fail,"
			       "program,\"verify failed, at 0x0000f000\",1234,nRF9160,"
			       "mfw_nrf9160_1.3.5,42/3;42/4,aa;bb,cc,,0.1.0,"
			       "2000,3,yes,unavailable,ram,2,simulator,\r\n");
	free(line);
	row.sim_build = false;
	line = csvlog_format_row(&row);
	cr_assert(strstr(line, ",ram,2,target,\r\n") != NULL, "%s", line);
	free(line);
	row.reprovisioned = "yes";
	line = csvlog_format_row(&row);
	cr_assert(strstr(line, ",ram,2,target,yes\r\n") != NULL, "%s", line);
	free(line);
}

/* OWASP "CSV Injection": a cell a spreadsheet would run is shown as text. */
Test(csvlog, defuses_cells_a_spreadsheet_would_run_as_formulas)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
		{"=HYPERLINK(\"http://x\")", "\"'=HYPERLINK(\"\"http://x\"\")\""},
		{"+1+1", "\"'+1+1\""},
		{"-2+3", "\"'-2+3\""},
		{"@SUM(A1)", "\"'@SUM(A1)\""},
		{"\tcmd", "\"'\tcmd\""},
		{"\r=1", "\"'\r=1\""},
		{"=a,b", "\"'=a,b\""},
		/* Only the first character counts; elsewhere these are plain. */
		{"mfw_1.3.5-rc=1", "mfw_1.3.5-rc=1"},
		{"a@b", "a@b"},
		{"", ""},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char out[64];
		size_t need = csvlog_quote(cases[i].in, out, sizeof out);
		cr_assert_str_eq(out, cases[i].want, "case %zu", i);
		cr_assert_eq(need, strlen(cases[i].want), "case %zu", i);
	}
}

/* A hostile board's modem firmware string, in a whole row: the cell reads
 * back (RFC 4180) as the text with the quote in front, one row, same columns. */
Test(csvlog, row_with_a_formula_in_modem_fw_stays_one_defused_row)
{
	struct csvlog_row row = {
		.station = "demo",
		.slot = 1,
		.result = "fail",
		.error = "-1 is not an answer",
		.modem_fw = "=cmd|' /C calc'!A0",
	};
	char *line = csvlog_format_row(&row);
	cr_assert_not_null(strstr(line, ",\"'=cmd|' /C calc'!A0\","), "%s", line);
	cr_assert_not_null(strstr(line, ",\"'-1 is not an answer\","), "%s", line);
	cr_assert_eq(strcspn(line, "\r\n"), strlen(line) - 2, "one line: %s", line);
	free(line);
}

/* Columns added later come last (board sequences: swd_khz..digest; RAM
 * session: delivery, boots; provisioner_build; reprovisioned), so a reader that knows only
 * the first sixteen keeps working. */
Test(csvlog, header_ends_with_the_columns_added_since_0_1)
{
	const char *h = CSVLOG_HEADER;
	const char *tail =
		",nrfcred_version,swd_khz,resets,locked,digest,delivery,boots,provisioner_build,"
		"reprovisioned";
	cr_assert_geq(strlen(h), strlen(tail));
	cr_assert_str_eq(h + strlen(h) - strlen(tail), tail);
}

Test(csvlog, writes_header_once_and_appends_rows)
{
	struct csvlog *log;
	struct csvlog_row row = {.station = "st", .slot = 2, .result = "pass", .imei = "1"};
	cr_assert_eq(csvlog_open(dir, "st", 2, &log), CSVLOG_OK);
	char path[128];
	snprintf(path, sizeof path, "%s/st-slot2.csv", dir);
	cr_assert_str_eq(csvlog_path(log), path);
	cr_assert_eq(csvlog_append(log, &row), CSVLOG_OK);
	csvlog_close(log);
	/* A second run (restart) appends without a second header. */
	cr_assert_eq(csvlog_open(dir, "st", 2, &log), CSVLOG_OK);
	row.imei = "2";
	cr_assert_eq(csvlog_append(log, &row), CSVLOG_OK);
	csvlog_close(log);
	char *text = slurp(path);
	cr_assert_str_eq(text, CSVLOG_HEADER "\r\n"
					     ",st,2,,1,pass,,,0,,,,,,,,0,0,no,,,0,target,\r\n"
					     ",st,2,,2,pass,,,0,,,,,,,,0,0,no,,,0,target,\r\n");
}

/* A file started by an older nrfcred (fewer columns) is never appended to:
 * its rows would no longer line up with its header. */
Test(csvlog, refuses_a_file_whose_header_has_other_columns)
{
	char path[128];
	snprintf(path, sizeof path, "%s/st-slot4.csv", dir);
	static const char old[] = "utc_time,station,slot,probe_serial,imei,result\r\n"
				  "t,st,4,p,352656100000001,pass\r\n";
	FILE *f = fopen(path, "wb");
	cr_assert_not_null(f);
	fwrite(old, 1, sizeof old - 1, f);
	fclose(f);
	struct csvlog *log = NULL;
	cr_assert_eq(csvlog_open(dir, "st", 4, &log), CSVLOG_ERR_HEADER);
	cr_assert_null(log);
	cr_assert_str_eq(slurp(path), old);
	cr_assert(strstr(csvlog_strerror(CSVLOG_ERR_HEADER), "move it away") != NULL);
	/* A header cut short (a crash while it was written) is not ours either. */
	f = fopen(path, "wb");
	fwrite(CSVLOG_HEADER, 1, 20, f);
	fclose(f);
	cr_assert_eq(csvlog_open(dir, "st", 4, &log), CSVLOG_ERR_HEADER);
}

Test(csvlog, opens_append_only_so_rows_land_at_the_end)
{
	struct csvlog *log;
	cr_assert_eq(csvlog_open(dir, "st", 1, &log), CSVLOG_OK);
	/* Someone else appended meanwhile: our row must not overwrite it. */
	int fd = open(csvlog_path(log), O_WRONLY | O_APPEND);
	cr_assert_eq(write(fd, "other\r\n", 7), 7);
	close(fd);
	struct csvlog_row row = {.station = "st", .slot = 1, .result = "pass"};
	cr_assert_eq(csvlog_append(log, &row), CSVLOG_OK);
	char path[128];
	snprintf(path, sizeof path, "%s", csvlog_path(log));
	csvlog_close(log);
	char *text = slurp(path);
	cr_assert_not_null(strstr(text, "other\r\n,st,1,"), "%s", text);
}

/* Disk full (here: the file-size limit, EFBIG) in the middle of a row: the
 * append fails, errno says why, and no half row is left behind to glue
 * itself to the next one. */
Test(csvlog, failed_append_reports_io_error_and_leaves_no_partial_row)
{
	struct csvlog *log;
	cr_assert_eq(csvlog_open(dir, "st", 1, &log), CSVLOG_OK);
	struct stat st;
	cr_assert_eq(stat(csvlog_path(log), &st), 0);
	off_t before = st.st_size;
	/* Room for 10 more bytes: the row's write is cut short, the rest fails. */
	signal(SIGXFSZ, SIG_IGN);
	struct rlimit lim = {.rlim_cur = (rlim_t)before + 10, .rlim_max = RLIM_INFINITY};
	cr_assert_eq(setrlimit(RLIMIT_FSIZE, &lim), 0);
	struct csvlog_row row = {.station = "st", .slot = 1, .result = "pass", .imei = "123"};
	errno = 0;
	cr_assert_eq(csvlog_append(log, &row), CSVLOG_ERR_IO);
	cr_assert_eq(errno, EFBIG, "errno %d", errno);
	cr_assert_eq(stat(csvlog_path(log), &st), 0);
	cr_assert_eq(st.st_size, before, "%lld bytes of a half row left",
		     (long long)(st.st_size - before));
	/* Space again: the next row lands whole, right after the header. */
	lim.rlim_cur = RLIM_INFINITY;
	cr_assert_eq(setrlimit(RLIMIT_FSIZE, &lim), 0);
	cr_assert_eq(csvlog_append(log, &row), CSVLOG_OK);
	char path[128];
	snprintf(path, sizeof path, "%s", csvlog_path(log));
	csvlog_close(log);
	cr_assert_str_eq(slurp(path), CSVLOG_HEADER "\r\n"
						    ",st,1,,123,pass,,,0,,,,,,,,0,0,no,,,0,target,\r\n");
}

Test(csvlog, creates_the_log_dir_and_rejects_bad_station_names)
{
	struct csvlog *log;
	char sub[128];
	snprintf(sub, sizeof sub, "%s/logs", dir);
	cr_assert_eq(csvlog_open(sub, "st", 1, &log), CSVLOG_OK);
	csvlog_close(log);
	struct stat st;
	cr_assert_eq(stat(sub, &st), 0);
	cr_assert_eq(csvlog_open(dir, "../x", 1, &log), CSVLOG_ERR_NAME);
	cr_assert_eq(csvlog_open(dir, "", 1, &log), CSVLOG_ERR_NAME);
	cr_assert_null(log);
}

Test(csvlog, reports_io_error_for_an_unwritable_dir)
{
	struct csvlog *log;
	cr_assert_eq(csvlog_open("/proc/nonexistent/dir", "st", 1, &log), CSVLOG_ERR_IO);
}

Test(csvlog, formats_utc_time_with_milliseconds_for_any_input)
{
	char out[32];
	station_format_utc(0, out);
	cr_assert_str_eq(out, "1970-01-01T00:00:00.000Z");
	station_format_utc(1764033344207ull, out);
	cr_assert_str_eq(out, "2025-11-25T01:15:44.207Z");
	station_format_utc(253402300799999ull, out);
	cr_assert_str_eq(out, "9999-12-31T23:59:59.999Z");
	station_format_utc(253402300800000ull, out);
	cr_assert_str_eq(out, "10000-01-01T00:00:00.000Z");
	/* The largest input: year 584556019, still whole and terminated. */
	station_format_utc(UINT64_MAX, out);
	cr_assert_eq(strncmp(out, "584556019-", 10), 0, "%s", out);
	cr_assert_eq(strcmp(out + strlen(out) - 5, ".615Z"), 0, "%s", out);
}
