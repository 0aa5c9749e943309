/* type = keygen as one spec kind of a per-board job (issue 11 A + B): its
 * KEYGEN entry comes from board_table_build with the subject filled in by
 * the template expander (${IMEI}, ${DEVICEID}, ${SLOT}), after the other
 * credentials, without a fingerprint of its own; the attestation flag
 * reaches each board's table. Built around the simulator's provisioner
 * (it has the RAM session and the keygen rounds). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cred/cred.h"
#include "cred/secure_mem.h"
#include "db/db_pool.h"
#include "nrfcred/provision.h"
#include "provision/table.h"
#include "station/board_table.h"
#include "station/config.h"
#include "station/job.h"

#include "per_device_fixture.h"

static char dir[64];

static void setup(void)
{
	strcpy(dir, "/tmp/nrfcred-kg-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
}

static void teardown(void)
{
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	cr_assert_eq(system(cmd), 0);
}

TestSuite(station_keygen, .init = setup, .fini = teardown);

/* The [ca] files are only read by station_job_add_keygen, which these
 * tests do not call for keygen jobs: the table is what is under test. */
static int make_job(struct per_device_fixture *f, const char *station, const char *creds, char *err,
		    size_t errlen)
{
	char text[2048];
	snprintf(text, sizeof text,
		 "[station]\nprovisioner = %s\ndelivery = ram\nsecrets_out = psk.csv\n%s"
		 "[slot 3]\nprobe = 260000003\n[ca]\ncert = ca.crt\nkey = ca.key\n%s",
		 FW_SIM_HEX, station, creds);
	return per_device_fixture_make(f, dir, text, err, errlen);
}

Test(station_keygen, the_subject_is_filled_in_by_the_template_expander_after_the_others)
{
	struct per_device_fixture f;
	char err[600];
	cr_assert_eq(make_job(&f, "",
			      "[credential dev]\nsec_tag = 16\ntype = keygen\n"
			      "subject = CN=${IMEI},OU=${DEVICEID},L=slot${SLOT}\n"
			      "key_usage = 101000000\n"
			      "[credential id]\nsec_tag = 16\ntype = psk_identity\n"
			      "value = nrf-${IMEI}\n"
			      "[credential ca]\nsec_tag = 16\ntype = psk\nvalue = 00112233\n",
			      err, sizeof err),
		     0, "%s", err);
	cr_assert(f.job->per_board);
	cr_assert(f.job->keygen);
	cr_assert_str_eq(f.job->sec_tags, "16/4;16/3;16/64", "keygen last, in spec order");
	struct board_ids ids = {
		.imei = "352656100011116", .device_id = 0xabcdef0123456789ull, .slot = 3};
	struct board_table *bt = NULL;
	cr_assert_eq(board_table_build(f.job, &ids, NULL, &bt, err, sizeof err), 0, "%s", err);
	cr_assert_eq(table_count(bt->table), 3);
	const struct table_entry *id = table_entry_at(bt->table, 0);
	const struct table_entry *kg = table_entry_at(bt->table, 2);
	cr_assert_eq(id->type, NRFCRED_TYPE_PSK_IDENTITY);
	cr_assert_eq(memcmp(id->data, "nrf-352656100011116", id->len), 0);
	cr_assert_eq(kg->type, NRFCRED_TYPE_KEYGEN);
	cr_assert_eq(kg->sec_tag, 16);
	const char *want = "101000000CN=352656100011116,OU=abcdef0123456789,L=slot3";
	cr_assert_eq(kg->len, strlen(want));
	cr_assert_eq(memcmp(kg->data, want, kg->len), 0, "got %.*s", (int)kg->len,
		     (const char *)kg->data);
	cr_assert_null(bt->fingerprints[2], "the certificate is not issued yet");
	cr_assert_not_null(bt->fingerprints[0]);
	board_table_destroy(bt);

	/* Another board, its own subject. */
	ids.imei = "352656100022221";
	ids.slot = 7;
	cr_assert_eq(board_table_build(f.job, &ids, NULL, &bt, err, sizeof err), 0, "%s", err);
	kg = table_entry_at(bt->table, 2);
	want = "101000000CN=352656100022221,OU=abcdef0123456789,L=slot7";
	cr_assert_eq(memcmp(kg->data, want, kg->len), 0);
	board_table_destroy(bt);
	per_device_fixture_drop(&f);
}

/* Issues 11 and 14 together: the bundle's items and the KEYGEN entry in
 * one board table, the keygen entry still last; a keygen credential cannot
 * take a pool source. */
Test(station_keygen, pool_items_and_the_keygen_entry_fill_one_board_table)
{
	struct per_device_fixture f;
	char err[600];
	cr_assert_eq(make_job(&f, "",
			      "[credential dev]\nsec_tag = 16\ntype = keygen\n"
			      "[credential psk]\nsec_tag = 17\ntype = psk\nsource = pool:line\n"
			      "[credential id]\nsec_tag = 17\ntype = psk_identity\n"
			      "value = nrf-${IMEI}\n"
			      "[database]\npool_key = pool.key\n",
			      err, sizeof err),
		     0, "%s", err);
	cr_assert_str_eq(f.job->pool, "line");
	cr_assert(f.job->keygen);
	struct db_pool_claim *c = per_device_claim_new("line", "dev0001");
	per_device_claim_add(c, 17, NRFCRED_TYPE_PSK, "c0c1c2c3c4c5c6c7c8c9cacbcccdcecf");
	struct board_ids ids = {.imei = "352656100011116", .device_id = 1, .slot = 3};
	struct board_table *bt = NULL;
	cr_assert_eq(board_table_build(f.job, &ids, c, &bt, err, sizeof err), 0, "%s", err);
	cr_assert_eq(table_count(bt->table), 3);
	const struct table_entry *psk = table_entry_at(bt->table, 0);
	const struct table_entry *id = table_entry_at(bt->table, 1);
	const struct table_entry *kg = table_entry_at(bt->table, 2);
	cr_assert_eq(psk->type, NRFCRED_TYPE_PSK);
	cr_assert_eq(psk->len, 32);
	cr_assert_eq(memcmp(psk->data, "c0c1c2c3c4c5c6c7c8c9cacbcccdcecf", 32), 0,
		     "the bundle's PSK");
	cr_assert_eq(memcmp(id->data, "nrf-352656100011116", id->len), 0);
	cr_assert_eq(kg->type, NRFCRED_TYPE_KEYGEN);
	const char *want = STATION_KEYGEN_USAGE "CN=352656100011116";
	cr_assert_eq(kg->len, strlen(want));
	cr_assert_eq(memcmp(kg->data, want, kg->len), 0);
	board_table_destroy(bt);
	cr_assert_eq(board_table_build(f.job, &ids, NULL, &bt, err, sizeof err), -1,
		     "no bundle: no table, keygen entry or not");
	db_pool_claim_free(c);
	per_device_fixture_drop(&f);

	char text[1024], path[128];
	snprintf(path, sizeof path, "%s/st.ini", dir);
	snprintf(text, sizeof text,
		 "[station]\ndelivery = ram\n[slot 1]\nprobe = 1\n[ca]\ncert = ca.crt\n"
		 "key = ca.key\n[database]\npool_key = pool.key\n"
		 "[credential dev]\nsec_tag = 16\ntype = keygen\nsource = pool:line\n");
	struct station_config *cfg = NULL;
	cr_assert_eq(station_config_parse(text, path, &cfg, err, sizeof err),
		     STATION_CONFIG_ERR_KEY);
	cr_assert(strstr(err, "[credential dev] file: type = keygen takes no file or value") !=
			  NULL,
		  "%s", err);
	station_config_free(cfg);
}

Test(station_keygen, the_default_subject_and_usage)
{
	struct per_device_fixture f;
	char err[600];
	cr_assert_eq(make_job(&f, "", "[credential dev]\nsec_tag = 16\ntype = keygen\n", err,
			      sizeof err),
		     0, "%s", err);
	struct board_ids ids = {.imei = "352656100011116", .device_id = 1, .slot = 3};
	struct board_table *bt = NULL;
	cr_assert_eq(board_table_build(f.job, &ids, NULL, &bt, err, sizeof err), 0, "%s", err);
	cr_assert_eq(table_count(bt->table), 1);
	const struct table_entry *kg = table_entry_at(bt->table, 0);
	const char *want = STATION_KEYGEN_USAGE "CN=352656100011116";
	cr_assert_eq(kg->len, strlen(want));
	cr_assert_eq(memcmp(kg->data, want, kg->len), 0);
	cr_assert_eq(table_flags(bt->table) & NRFCRED_TABLE_F_IMEI_ONLY, 0);
	board_table_destroy(bt);
	per_device_fixture_drop(&f);
}

Test(station_keygen, attestation_reaches_each_boards_table)
{
	struct per_device_fixture f;
	char err[600];
	cr_assert_eq(make_job(&f, "attestation = yes\n",
			      "[credential id]\nsec_tag = 16\ntype = psk_identity\n"
			      "value = nrf-${IMEI}\n",
			      err, sizeof err),
		     0, "%s", err);
	cr_assert_eq(station_job_add_keygen(f.job, f.cfg, NULL, err, sizeof err), 0, "%s", err);
	cr_assert_null(f.job->request, "a per-board job has no request of its own");
	struct board_ids ids = {.imei = "352656100011116", .device_id = 1, .slot = 3};
	struct board_table *bt = NULL;
	cr_assert_eq(board_table_build(f.job, &ids, NULL, &bt, err, sizeof err), 0, "%s", err);
	cr_assert_neq(table_flags(bt->table) & NRFCRED_TABLE_F_ATTEST, 0);
	board_table_destroy(bt);
	per_device_fixture_drop(&f);
}

Test(station_keygen, a_subject_no_board_can_fit_is_refused_when_the_job_is_made)
{
	/* 3 + 20 x 7 characters as written (the line fits the INI's limit),
	 * 3 + 20 x 15 with an IMEI in: over the 255 of a KEYGEN subject. */
	char creds[512], subject[160] = "CN=";
	for (int i = 0; i < 20; i++)
		strcat(subject, "${IMEI}");
	snprintf(creds, sizeof creds, "[credential dev]\nsec_tag = 16\ntype = keygen\nsubject = %s\n",
		 subject);
	struct per_device_fixture f;
	char err[600];
	cr_assert_neq(make_job(&f, "", creds, err, sizeof err), 0);
	cr_assert_null(f.job);
	cr_assert_not_null(strstr(err, "[credential dev] subject: longer than 255"), "%s", err);
	station_config_free(f.cfg);
}

Test(station_keygen, an_unknown_template_in_the_subject_is_refused_at_load)
{
	char text[1024], path[128], err[600];
	struct station_config *cfg = NULL;
	snprintf(path, sizeof path, "%s/st.ini", dir);
	snprintf(text, sizeof text,
		 "[station]\nprovisioner = %s\ndelivery = ram\n[slot 3]\nprobe = 260000003\n"
		 "[ca]\ncert = ca.crt\nkey = ca.key\n"
		 "[credential dev]\nsec_tag = 16\ntype = keygen\nsubject = CN=${SERIAL}\n",
		 FW_SIM_HEX);
	cr_assert_eq(station_config_parse(text, path, &cfg, err, sizeof err),
		     STATION_CONFIG_ERR_VALUE);
	cr_assert_not_null(strstr(err, "[credential dev] subject:"), "%s", err);
	cr_assert_null(cfg);
}
