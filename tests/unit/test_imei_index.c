/* The IMEIs a station provisioned, from its CSV logs (station/imei_index.h). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "station/csvlog.h"
#include "station/imei_index.h"

static char dir[64];

static void setup(void)
{
	strcpy(dir, "/tmp/nrfcred-idx-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
}

static void teardown(void)
{
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	cr_assert_eq(system(cmd), 0);
}

TestSuite(imei_index, .init = setup, .fini = teardown);

static void row(const char *station, unsigned slot, const char *imei, const char *result,
		const char *time)
{
	struct csvlog *log;
	cr_assert_eq(csvlog_open(dir, station, slot, &log), CSVLOG_OK);
	struct csvlog_row r = {.utc_time = time,
			       .station = station,
			       .slot = slot,
			       .imei = imei,
			       .result = result,
			       .error = "a, \"quoted\"\nerror"};
	cr_assert_eq(csvlog_append(log, &r), CSVLOG_OK);
	csvlog_close(log);
}

/* The index of the logs in folder (asserted to load); st gets its counts. */
static struct imei_index *loaded(const char *folder, struct imei_index_stats *st)
{
	struct imei_index *idx = imei_index_create();
	char path[256];
	cr_assert_eq(imei_index_load_dir(idx, folder, st, path, sizeof path), IMEI_INDEX_OK);
	return idx;
}

Test(imei_index, finds_the_passes_of_every_slot_log_and_keeps_the_first)
{
	row("st", 1, "352656100011116", "pass", "2026-01-01T00:00:00.000Z");
	row("st", 1, "352656100022220", "fail", "2026-01-01T00:00:01.000Z");
	row("st", 12, "352656100033334", "pass", "2026-01-01T00:00:02.000Z");
	row("other", 2, "352656100011116", "pass", "2026-01-02T00:00:00.000Z");
	struct imei_index_stats st;
	struct imei_index *idx = loaded(dir, &st);
	cr_assert_eq(st.files, 3);
	cr_assert_eq(st.rows, 4);
	cr_assert_eq(imei_index_count(idx), 2);
	cr_assert_null(imei_index_find(idx, "352656100022220"), "a failed board is not guarded");
	const struct imei_index_entry *e = imei_index_find(idx, "352656100033334");
	cr_assert_not_null(e);
	cr_assert_str_eq(e->station, "st");
	cr_assert_eq(e->slot, 12);
	cr_assert_str_eq(e->time, "2026-01-01T00:00:02.000Z");
	imei_index_destroy(idx);
}

Test(imei_index, skips_torn_and_foreign_lines_and_files)
{
	row("st", 1, "352656100011116", "pass", "t1");
	char p[128];
	snprintf(p, sizeof p, "%s/st-slot1.csv", dir);
	FILE *f = fopen(p, "ab");
	fputs("garbage \"line\r\n,,,,352656100022220,pass\r\n2026,st,1,x,352656100033334,pa", f);
	fclose(f);
	snprintf(p, sizeof p, "%s/old-slot3.csv", dir);
	f = fopen(p, "wb");
	fputs("utc_time,station,slot\r\nt,old,3,p,352656100044448,pass\r\n", f);
	fclose(f);
	struct imei_index_stats st;
	struct imei_index *idx = loaded(dir, &st);
	cr_assert_eq(st.bad_rows, 1);
	cr_assert_eq(st.torn_rows, 1);
	cr_assert_eq(st.foreign_files, 1);
	cr_assert_not_null(imei_index_find(idx, "352656100011116"));
	cr_assert_not_null(imei_index_find(idx, "352656100022220"),
			   "a short row still has its IMEI");
	cr_assert_null(imei_index_find(idx, "352656100033334"), "the torn row never finished");
	cr_assert_null(imei_index_find(idx, "352656100044448"));
	imei_index_destroy(idx);
}

Test(imei_index, grows_and_finds_every_entry)
{
	struct imei_index *idx = imei_index_create();
	char imei[16];
	for (unsigned i = 0; i < 5000; i++) {
		snprintf(imei, sizeof imei, "35%013u", i);
		cr_assert_eq(imei_index_add(idx, imei, "t", "st", i % 8), IMEI_INDEX_OK);
	}
	cr_assert_eq(imei_index_count(idx), 5000);
	for (unsigned i = 0; i < 5000; i++) {
		snprintf(imei, sizeof imei, "35%013u", i);
		const struct imei_index_entry *e = imei_index_find(idx, imei);
		cr_assert(e && e->slot == i % 8, "%s", imei);
	}
	cr_assert_null(imei_index_find(idx, "359999999999999"));
	cr_assert_null(imei_index_find(idx, ""));
	imei_index_destroy(idx);
}

Test(imei_index, a_missing_log_folder_is_empty)
{
	char p[128];
	snprintf(p, sizeof p, "%s/none", dir);
	struct imei_index_stats st;
	struct imei_index *idx = loaded(p, &st);
	cr_assert_eq(imei_index_count(idx), 0);
	imei_index_destroy(idx);
}
