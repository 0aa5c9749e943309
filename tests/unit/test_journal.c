/*
 * The station journal (src/station/journal.c): its lines, the reader as a
 * parser of hostile input (torn tails, bad CRCs, foreign files, too many
 * entries), and the file: what a crash leaves, compaction, a full disk,
 * writers on several threads.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "station/journal.h"

static char dir[64];

static void setup(void)
{
	strcpy(dir, "/tmp/nrfcred-journal-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
}

static void teardown(void)
{
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	cr_assert_eq(system(cmd), 0);
}

static const char when[] = "2026-12-02T11:16:00.331Z";

static struct journal_entry entry(unsigned slot)
{
	struct journal_entry e = {
		.id = slot, .slot = slot, .device_id = 0x4e52460260000000ull + slot};
	snprintf(e.time, sizeof e.time, "%s", when);
	snprintf(e.probe, sizeof e.probe, "%012u", 260000000u + slot);
	snprintf(e.step, sizeof e.step, "program");
	return e;
}

/* The journal text of these lines: header first. */
static char *text_of(const char *const *lines, size_t n)
{
	size_t cap = 64;
	for (size_t i = 0; i < n; i++)
		cap += strlen(lines[i]) + 1;
	char *t = malloc(cap);
	cr_assert_not_null(t);
	strcpy(t, JOURNAL_HEADER "\n");
	for (size_t i = 0; i < n; i++)
		strcat(t, lines[i]);
	return t;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	cr_assert_not_null(f, "%s", path);
	static char buf[1 << 16];
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

Test(journal, an_open_line_reads_back_as_the_entry_it_was_made_from)
{
	struct journal_entry e = entry(3), got[4];
	char line[256];
	size_t n = journal_format_open(&e, line, sizeof line);
	cr_assert_gt(n, 0);
	cr_assert_eq(line[n - 1], '\n');
	cr_assert(strncmp(line,
			  "open 3 2026-12-02T11:16:00.331Z slot=3 probe=000260000003 "
			  "deviceid=4e52460260000003 step=program crc=",
			  strlen("open 3 2026-12-02T11:16:00.331Z slot=3 probe=000260000003 "
				 "deviceid=4e52460260000003 step=program crc=")) == 0,
		  "%s", line);
	const char *lines[] = {line};
	char *t = text_of(lines, 1);
	size_t count = 9;
	struct journal_scan scan;
	cr_assert_eq(journal_parse(t, strlen(t), got, 4, &count, &scan), JOURNAL_OK);
	cr_assert_eq(count, 1);
	cr_assert_eq(got[0].id, 3);
	cr_assert_eq(got[0].slot, 3);
	cr_assert_eq(got[0].device_id, e.device_id);
	cr_assert_str_eq(got[0].probe, "000260000003");
	cr_assert_str_eq(got[0].time, when);
	cr_assert_str_eq(got[0].step, "program");
	cr_assert_eq(scan.lines, 2);
	cr_assert_eq(scan.bad_lines, 0);
	cr_assert_eq(scan.max_id, 3);
	free(t);
}

Test(journal, a_closed_entry_is_not_open_and_the_others_stay_in_order)
{
	char a[256], b[256], c[256], close_b[128];
	struct journal_entry ea = entry(1), eb = entry(2), ec = entry(3), got[4];
	journal_format_open(&ea, a, sizeof a);
	journal_format_open(&eb, b, sizeof b);
	journal_format_open(&ec, c, sizeof c);
	cr_assert_gt(journal_format_close(2, when, JOURNAL_WIPED, close_b, sizeof close_b), 0);
	cr_assert(strncmp(close_b, "close 2 2026-12-02T11:16:00.331Z wiped crc=", 43) == 0, "%s",
		  close_b);
	const char *lines[] = {a, b, c, close_b};
	char *t = text_of(lines, 4);
	size_t count;
	cr_assert_eq(journal_parse(t, strlen(t), got, 4, &count, NULL), JOURNAL_OK);
	cr_assert_eq(count, 2);
	cr_assert_eq(got[0].id, 1);
	cr_assert_eq(got[1].id, 3);
	free(t);
}

Test(journal, a_torn_last_line_at_any_length_is_skipped_and_said_so)
{
	char a[256], b[256];
	struct journal_entry ea = entry(1), eb = entry(2), got[4];
	journal_format_open(&ea, a, sizeof a);
	journal_format_open(&eb, b, sizeof b);
	const char *lines[] = {a, b};
	char *t = text_of(lines, 2);
	size_t full = strlen(t), cut_from = full - strlen(b);
	for (size_t len = cut_from + 1; len < full; len++) {
		size_t count;
		struct journal_scan scan;
		cr_assert_eq(journal_parse(t, len, got, 4, &count, &scan), JOURNAL_OK, "len %zu",
			     len);
		cr_assert_eq(count, 1, "len %zu: only the whole line is an entry", len);
		cr_assert_eq(got[0].id, 1);
		cr_assert(scan.torn_tail, "len %zu", len);
		cr_assert_eq(scan.bad_lines, 0);
	}
	free(t);
}

Test(journal, a_line_with_a_wrong_crc_or_syntax_is_skipped_and_counted)
{
	char a[256], b[256];
	struct journal_entry ea = entry(1), eb = entry(2), got[4];
	journal_format_open(&ea, a, sizeof a);
	journal_format_open(&eb, b, sizeof b);
	a[strlen("open 1 2026-12-02T11:16:00.331Z slot=")] = '7'; /* slot 1 -> 7, CRC kept */
	const char *lines[] = {a, "open 5 garbage\n", "\n", b,
			       "close 9 2026-12-02T11:16:00.331Z wiped crc=00000000\n"};
	char *t = text_of(lines, 5);
	size_t count;
	struct journal_scan scan;
	cr_assert_eq(journal_parse(t, strlen(t), got, 4, &count, &scan), JOURNAL_OK);
	cr_assert_eq(count, 1);
	cr_assert_eq(got[0].id, 2);
	cr_assert_eq(scan.bad_lines, 4);
	cr_assert_eq(scan.first_bad_line, 2, "line 1 is the header");
	free(t);
}

Test(journal, a_file_that_is_not_a_journal_is_refused_an_empty_or_torn_header_is_empty)
{
	struct journal_entry got[4];
	size_t count = 7;
	cr_assert_eq(journal_parse("utc_time,station\r\n", 18, got, 4, &count, NULL),
		     JOURNAL_ERR_FORMAT);
	cr_assert_eq(journal_parse("nrfcred journal 2\n", 18, got, 4, &count, NULL),
		     JOURNAL_ERR_FORMAT);
	cr_assert_eq(journal_parse("x", 1, got, 4, &count, NULL), JOURNAL_ERR_FORMAT);
	cr_assert_eq(journal_parse("", 0, got, 4, &count, NULL), JOURNAL_OK);
	cr_assert_eq(count, 0);
	cr_assert_eq(journal_parse("nrfcred jou", 11, got, 4, &count, NULL), JOURNAL_OK);
	cr_assert_eq(count, 0);
}

Test(journal, hostile_lines_long_nul_duplicate_ids_and_overflowing_numbers_are_skipped)
{
	char a[256], longline[400];
	struct journal_entry ea = entry(1), got[4];
	journal_format_open(&ea, a, sizeof a);
	memset(longline, 'a', sizeof longline - 2);
	longline[sizeof longline - 2] = '\n';
	longline[sizeof longline - 1] = '\0';
	char nul[256];
	size_t an = strlen(a);
	memcpy(nul, a, an + 1);
	nul[10] = '\0'; /* a NUL inside a line */
	char text[2048];
	size_t len = 0;
	len += (size_t)sprintf(text + len, "%s\n", JOURNAL_HEADER);
	len += (size_t)sprintf(text + len, "%s", a);
	len += (size_t)sprintf(text + len, "%s", a); /* duplicate id */
	len += (size_t)sprintf(text + len, "%s", longline);
	memcpy(text + len, nul, an);
	len += an;
	len += (size_t)sprintf(text + len,
			       "open 99999999999 %s slot=1 probe=1 deviceid=0000000000000001 "
			       "step=program crc=00000000\n",
			       when);
	size_t count;
	struct journal_scan scan;
	cr_assert_eq(journal_parse(text, len, got, 4, &count, &scan), JOURNAL_OK);
	cr_assert_eq(count, 1);
	cr_assert_eq(got[0].id, 1);
	cr_assert_eq(scan.bad_lines, 4);
}

Test(journal, more_open_entries_than_room_are_counted_as_dropped)
{
	char lines_buf[6][256];
	const char *lines[6];
	for (unsigned i = 0; i < 6; i++) {
		struct journal_entry e = entry(i + 1);
		journal_format_open(&e, lines_buf[i], sizeof lines_buf[i]);
		lines[i] = lines_buf[i];
	}
	char *t = text_of(lines, 6);
	struct journal_entry got[4];
	size_t count;
	struct journal_scan scan;
	cr_assert_eq(journal_parse(t, strlen(t), got, 4, &count, &scan), JOURNAL_OK);
	cr_assert_eq(count, 4);
	cr_assert_eq(scan.dropped, 2);
	cr_assert_eq(got[3].id, 4);
	free(t);
}

Test(journal, fields_that_would_not_read_back_are_refused)
{
	char line[256];
	struct journal_entry e = entry(1);
	e.id = 0;
	cr_assert_eq(journal_format_open(&e, line, sizeof line), 0);
	e = entry(1);
	snprintf(e.probe, sizeof e.probe, "26 0");
	cr_assert_eq(journal_format_open(&e, line, sizeof line), 0);
	e = entry(1);
	snprintf(e.step, sizeof e.step, "PROGRAM");
	cr_assert_eq(journal_format_open(&e, line, sizeof line), 0);
	e = entry(1);
	snprintf(e.time, sizeof e.time, "?");
	cr_assert_eq(journal_format_open(&e, line, sizeof line), 0);
	e = entry(1);
	cr_assert_eq(journal_format_open(&e, line, 40), 0, "too small a buffer");
	cr_assert_eq(journal_format_close(1, "?", JOURNAL_WIPED, line, sizeof line), 0);
	cr_assert_eq(journal_format_close(1, when, JOURNAL_HOW_COUNT, line, sizeof line), 0);
}

Test(journal, an_entry_left_open_by_a_dead_process_is_a_leftover_of_the_next_open, .init = setup,
     .fini = teardown)
{
	struct journal *j;
	cr_assert_eq(journal_open(dir, "st", &j, NULL), JOURNAL_OK);
	cr_assert_eq(journal_leftover_count(j), 0);
	struct journal_entry a = entry(1), b = entry(2);
	cr_assert_eq(journal_begin(j, &a), JOURNAL_OK);
	cr_assert_eq(journal_begin(j, &b), JOURNAL_OK);
	cr_assert_neq(a.id, b.id);
	cr_assert_eq(journal_end(j, a.id, when, JOURNAL_WIPED), JOURNAL_OK);
	cr_assert_eq(journal_open_count(j), 1);
	char path[128];
	snprintf(path, sizeof path, "%s", journal_path(j));
	journal_close(j); /* as a kill -9 would: b never closed */

	struct journal_scan scan;
	cr_assert_eq(journal_open(dir, "st", &j, &scan), JOURNAL_OK);
	cr_assert_eq(journal_leftover_count(j), 1);
	const struct journal_entry *l = journal_leftover(j, 0);
	cr_assert_eq(l->id, b.id);
	cr_assert_eq(l->slot, 2);
	cr_assert_eq(l->device_id, b.device_id);
	cr_assert_str_eq(l->probe, "000260000002");
	/* The start rewrote the file: only b is in it. */
	char line[256];
	journal_format_open(l, line, sizeof line);
	char want[512];
	snprintf(want, sizeof want, "%s\n%s", JOURNAL_HEADER, line);
	cr_assert_str_eq(slurp(path), want);
	/* A new entry gets an id no leftover has. */
	struct journal_entry c = entry(3);
	cr_assert_eq(journal_begin(j, &c), JOURNAL_OK);
	cr_assert_gt(c.id, b.id);
	journal_close(j);
}

Test(journal, once_nothing_is_open_the_file_is_the_header_alone, .init = setup, .fini = teardown)
{
	struct journal *j;
	cr_assert_eq(journal_open(dir, "st", &j, NULL), JOURNAL_OK);
	struct journal_entry a = entry(1), b = entry(2);
	cr_assert_eq(journal_begin(j, &a), JOURNAL_OK);
	cr_assert_eq(journal_begin(j, &b), JOURNAL_OK);
	cr_assert_eq(journal_end(j, b.id, when, JOURNAL_WIPED), JOURNAL_OK);
	cr_assert_neq(strcmp(slurp(journal_path(j)), JOURNAL_HEADER "\n"), 0);
	cr_assert_eq(journal_end(j, a.id, when, JOURNAL_RECOVERED), JOURNAL_OK);
	cr_assert_str_eq(slurp(journal_path(j)), JOURNAL_HEADER "\n");
	struct stat st;
	char tmp[160];
	snprintf(tmp, sizeof tmp, "%s.tmp", journal_path(j));
	cr_assert_neq(stat(tmp, &st), 0, "the temporary file is gone");
	journal_close(j);
}

Test(journal, an_entry_that_stays_open_does_not_let_the_file_grow_without_bound, .init = setup,
     .fini = teardown)
{
	struct journal *j;
	cr_assert_eq(journal_open(dir, "st", &j, NULL), JOURNAL_OK);
	struct journal_entry stuck = entry(9);
	cr_assert_eq(journal_begin(j, &stuck), JOURNAL_OK);
	for (unsigned i = 0; i < 800; i++) {
		struct journal_entry e = entry(1);
		cr_assert_eq(journal_begin(j, &e), JOURNAL_OK);
		cr_assert_eq(journal_end(j, e.id, when, JOURNAL_WIPED), JOURNAL_OK);
	}
	struct stat st;
	cr_assert_eq(stat(journal_path(j), &st), 0);
	cr_assert_leq(st.st_size, (off_t)JOURNAL_COMPACT_BYTES + 512, "%lld bytes",
		      (long long)st.st_size);
	journal_close(j);
	cr_assert_eq(journal_open(dir, "st", &j, NULL), JOURNAL_OK);
	cr_assert_eq(journal_leftover_count(j), 1);
	cr_assert_eq(journal_leftover(j, 0)->slot, 9);
	journal_close(j);
}

Test(journal, a_torn_tail_left_by_a_crash_does_not_glue_onto_the_next_line, .init = setup,
     .fini = teardown)
{
	struct journal *j;
	cr_assert_eq(journal_open(dir, "st", &j, NULL), JOURNAL_OK);
	struct journal_entry a = entry(1);
	cr_assert_eq(journal_begin(j, &a), JOURNAL_OK);
	char path[128];
	snprintf(path, sizeof path, "%s", journal_path(j));
	journal_close(j);
	FILE *f = fopen(path, "ab");
	cr_assert_not_null(f);
	fputs("open 2 2026-12-02T11:1", f); /* the crash came mid-write */
	fclose(f);

	struct journal_scan scan;
	cr_assert_eq(journal_open(dir, "st", &j, &scan), JOURNAL_OK);
	cr_assert(scan.torn_tail);
	cr_assert_eq(journal_leftover_count(j), 1);
	struct journal_entry b = entry(2);
	cr_assert_eq(journal_begin(j, &b), JOURNAL_OK);
	journal_close(j);
	cr_assert_eq(journal_open(dir, "st", &j, &scan), JOURNAL_OK);
	cr_assert_eq(scan.bad_lines, 0);
	cr_assert_not(scan.torn_tail);
	cr_assert_eq(journal_leftover_count(j), 2);
	journal_close(j);
}

Test(journal, a_full_disk_fails_the_open_line_and_leaves_no_part_of_it, .init = setup,
     .fini = teardown)
{
	struct journal *j;
	cr_assert_eq(journal_open(dir, "st", &j, NULL), JOURNAL_OK);
	struct stat st;
	cr_assert_eq(stat(journal_path(j), &st), 0);
	signal(SIGXFSZ, SIG_IGN);
	struct rlimit lim = {.rlim_cur = (rlim_t)st.st_size + 10, .rlim_max = RLIM_INFINITY};
	cr_assert_eq(setrlimit(RLIMIT_FSIZE, &lim), 0);
	struct journal_entry a = entry(1);
	errno = 0;
	cr_assert_eq(journal_begin(j, &a), JOURNAL_ERR_IO);
	cr_assert_eq(errno, EFBIG, "errno %d", errno);
	cr_assert_eq(journal_open_count(j), 0, "nothing is open after a failed write");
	lim.rlim_cur = RLIM_INFINITY;
	cr_assert_eq(setrlimit(RLIMIT_FSIZE, &lim), 0);
	cr_assert_str_eq(slurp(journal_path(j)), JOURNAL_HEADER "\n");
	cr_assert_eq(journal_begin(j, &a), JOURNAL_OK);
	journal_close(j);
}

Test(journal, refuses_a_foreign_file_and_an_unwritable_folder, .init = setup, .fini = teardown)
{
	char path[128];
	snprintf(path, sizeof path, "%s/st.journal", dir);
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs("hello\n", f);
	fclose(f);
	struct journal *j = NULL;
	cr_assert_eq(journal_open(dir, "st", &j, NULL), JOURNAL_ERR_FORMAT);
	cr_assert_null(j);
	cr_assert_str_eq(slurp(path), "hello\n", "a foreign file is left as it was");
	cr_assert_eq(journal_open(dir, "../x", &j, NULL), JOURNAL_ERR_NAME);
	if (geteuid() != 0) { /* root writes anywhere */
		char ro[128];
		snprintf(ro, sizeof ro, "%s/ro", dir);
		cr_assert_eq(mkdir(ro, 0555), 0);
		errno = 0;
		cr_assert_eq(journal_open(ro, "st", &j, NULL), JOURNAL_ERR_IO);
		cr_assert_eq(errno, EACCES);
	}
}

struct worker_arg {
	struct journal *j;
	unsigned slot;
	bool ok;
};

static void *worker(void *p)
{
	struct worker_arg *a = p;
	a->ok = true;
	for (unsigned i = 0; i < 40; i++) {
		struct journal_entry e = entry(a->slot);
		if (journal_begin(a->j, &e) != JOURNAL_OK ||
		    journal_end(a->j, e.id, when, JOURNAL_WIPED) != JOURNAL_OK)
			a->ok = false;
	}
	return NULL;
}

Test(journal, writers_on_eight_threads_leave_whole_lines_and_nothing_open, .init = setup,
     .fini = teardown)
{
	struct journal *j;
	cr_assert_eq(journal_open(dir, "st", &j, NULL), JOURNAL_OK);
	struct journal_entry stuck = entry(64); /* keeps the file from compacting to nothing */
	cr_assert_eq(journal_begin(j, &stuck), JOURNAL_OK);
	pthread_t th[8];
	struct worker_arg args[8];
	for (unsigned i = 0; i < 8; i++) {
		args[i] = (struct worker_arg){.j = j, .slot = i + 1};
		cr_assert_eq(pthread_create(&th[i], NULL, worker, &args[i]), 0);
	}
	for (unsigned i = 0; i < 8; i++) {
		pthread_join(th[i], NULL);
		cr_assert(args[i].ok, "thread %u", i);
	}
	cr_assert_eq(journal_open_count(j), 1);
	journal_close(j);
	struct journal_scan scan;
	cr_assert_eq(journal_open(dir, "st", &j, &scan), JOURNAL_OK);
	cr_assert_eq(scan.bad_lines, 0);
	cr_assert_not(scan.torn_tail);
	cr_assert_eq(journal_leftover_count(j), 1);
	cr_assert_eq(journal_leftover(j, 0)->slot, 64);
	journal_close(j);
}
