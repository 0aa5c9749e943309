/* One board's table from a per-device job (station/board_table.h), built
 * from a station file's text around the simulator's provisioner (it has
 * the RAM session the per-device job needs). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cred/cred.h"
#include "cred/secure_mem.h"
#include "db/db_pool.h"
#include "image/digest.h"
#include "provision/table.h"
#include "station/board_table.h"
#include "station/config.h"
#include "station/job.h"

#include "per_device_fixture.h"

static char dir[64];

static void setup(void)
{
	strcpy(dir, "/tmp/nrfcred-bt-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
}

static void teardown(void)
{
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	cr_assert_eq(system(cmd), 0);
}

TestSuite(board_table, .init = setup, .fini = teardown);

static void make_job(struct per_device_fixture *f, const char *creds)
{
	char text[2048], err[600];
	snprintf(text, sizeof text,
		 "[station]\nprovisioner = %s\ndelivery = ram\nsecrets_out = psk.csv\n"
		 "[slot 3]\nprobe = 260000003\n%s",
		 FW_SIM_HEX, creds);
	cr_assert_eq(per_device_fixture_make(f, dir, text, err, sizeof err), 0, "%s", err);
}

static void hex_of(const void *data, size_t len, char out[SHA256_HEX_LEN])
{
	uint8_t d[SHA256_LEN];
	sha256(data, len, d);
	sha256_hex(d, out);
}

Test(board_table, fills_in_the_templates_and_keeps_the_fixed_entries_in_order)
{
	struct per_device_fixture f;
	make_job(&f, "[credential psk]\nsec_tag = 9\ntype = psk\nvalue = 00112233\n"
		     "[credential id]\nsec_tag = 9\ntype = psk_identity\n"
		     "value = nrf-${IMEI}/${DEVICEID}/${SLOT}\n");
	cr_assert(f.job->per_board);
	cr_assert_null(f.job->request, "no table is encoded for the whole run");
	cr_assert_str_eq(f.job->sec_tags, "9/3;9/4");
	struct board_ids ids = {
		.imei = "352656100011116", .device_id = 0xabcdef0123456789ull, .slot = 3};
	struct board_table *bt = NULL;
	char err[400];
	cr_assert_eq(board_table_build(f.job, &ids, NULL, &bt, err, sizeof err), 0, "%s", err);
	cr_assert_eq(table_count(bt->table), 2);
	const struct table_entry *psk = table_entry_at(bt->table, 0);
	const struct table_entry *id = table_entry_at(bt->table, 1);
	cr_assert_eq(psk->len, 8);
	cr_assert_eq(memcmp(psk->data, "00112233", 8), 0);
	const char *want = "nrf-352656100011116/abcdef0123456789/3";
	cr_assert_eq(id->len, strlen(want));
	cr_assert_eq(memcmp(id->data, want, id->len), 0);
	char hex[SHA256_HEX_LEN];
	hex_of(want, strlen(want), hex);
	cr_assert_null(bt->fingerprints[0], "a PSK has no digest");
	cr_assert_str_eq(bt->fingerprints[1], hex);
	cr_assert_gt(bt->request_len, 0);
	cr_assert_eq(bt->secret_count, 0);
	board_table_destroy(bt);
	per_device_fixture_drop(&f);
}

Test(board_table, draws_a_fresh_psk_per_board)
{
	struct per_device_fixture f;
	make_job(&f, "[credential psk]\nsec_tag = 9\ntype = psk\nvalue = random:32\n");
	cr_assert(f.job->random_psk);
	struct board_ids ids = {.imei = "352656100011116", .slot = 3};
	struct board_table *a = NULL, *b = NULL;
	char err[400];
	cr_assert_eq(board_table_build(f.job, &ids, NULL, &a, err, sizeof err), 0, "%s", err);
	cr_assert_eq(board_table_build(f.job, &ids, NULL, &b, err, sizeof err), 0, "%s", err);
	cr_assert_eq(a->secret_count, 1);
	cr_assert_eq(a->secrets[0].sec_tag, 9);
	cr_assert_eq(a->secrets[0].len, 64);
	cr_assert_eq(strspn(a->secrets[0].hex, "0123456789abcdef"), 64);
	const struct table_entry *e = table_entry_at(a->table, 0);
	cr_assert_eq(e->len, 64);
	cr_assert_eq(memcmp(e->data, a->secrets[0].hex, 64), 0, "the modem gets the exported PSK");
	cr_assert_str_neq(a->secrets[0].hex, b->secrets[0].hex);
	board_table_destroy(a);
	board_table_destroy(b);
	per_device_fixture_drop(&f);
}

Test(board_table, a_missing_per_imei_file_names_the_expanded_path)
{
	struct per_device_fixture f;
	make_job(&f, "[credential ca]\nsec_tag = 9\ntype = ca_cert\nfile = creds/${IMEI}/ca.pem\n");
	struct board_ids ids = {.imei = "352656100022220", .slot = 3};
	struct board_table *bt = NULL;
	char err[400], want[160];
	cr_assert_eq(board_table_build(f.job, &ids, NULL, &bt, err, sizeof err), -1);
	cr_assert_null(bt);
	snprintf(want, sizeof want, "%s/creds/352656100022220/ca.pem", dir);
	cr_assert(strstr(err, want) != NULL, "%s", err);
	cr_assert(strstr(err, "[credential ca]") != NULL, "%s", err);
	per_device_fixture_drop(&f);
}

Test(board_table, refuses_a_value_no_board_can_make_valid_when_the_job_is_made)
{
	char text[1024], path[128], err[600];
	snprintf(path, sizeof path, "%s/st.ini", dir);
	snprintf(text, sizeof text,
		 "[station]\ndelivery = ram\n[slot 1]\nprobe = 260000001\n"
		 "[credential psk]\nsec_tag = 9\ntype = psk\nvalue = ${IMEI}\n");
	struct station_config *cfg = NULL;
	cr_assert_eq(station_config_parse(text, path, &cfg, err, sizeof err), STATION_CONFIG_OK,
		     "%s", err);
	struct cred_set *set = NULL;
	cr_assert_eq(station_job_load_credentials(cfg, &set, err, sizeof err), 0, "%s", err);
	struct station_job *job = NULL;
	cr_assert_eq(station_job_create_per_device(FW_SIM_HEX, set, cfg, &job, err, sizeof err),
		     -1);
	cr_assert_null(job);
	/* 15 IMEI digits are an odd number of hex digits: never a PSK. */
	cr_assert(strstr(err, "st.ini:5 [credential psk]") && strstr(err, "odd"), "%s", err);
	cred_set_destroy(set);
	station_config_free(cfg);
}

/* A claim as db_pool_claim hands it over: contents in secure_mem. */
static const char pool_creds[] = "[credential psk]\nsec_tag = 9\ntype = psk\nsource = pool:line\n"
				 "[credential id]\nsec_tag = 9\ntype = psk_identity\n"
				 "value = fixed-id\n"
				 "[credential id2]\nsec_tag = 10\ntype = psk_identity\n"
				 "source = pool:line\n"
				 "[database]\npool_key = pool.key\n";

Test(board_table, takes_the_pool_items_of_the_boards_bundle_by_sec_tag_and_type)
{
	struct per_device_fixture f;
	make_job(&f, pool_creds);
	cr_assert_str_eq(f.job->pool, "line");
	struct db_pool_claim *c = per_device_claim_new("line", "dev0007");
	/* Another order than the station file's, and an item it does not take. */
	per_device_claim_add(c, 10, NRFCRED_TYPE_PSK_IDENTITY, "pool-id-7");
	per_device_claim_add(c, 11, NRFCRED_TYPE_PSK_IDENTITY, "unused");
	per_device_claim_add(c, 9, NRFCRED_TYPE_PSK, "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf");
	struct board_ids ids = {.imei = "352656100011116", .slot = 3};
	struct board_table *bt = NULL;
	char err[400];
	cr_assert_eq(board_table_build(f.job, &ids, c, &bt, err, sizeof err), 0, "%s", err);
	cr_assert_eq(table_count(bt->table), 3, "only what the station file names");
	const struct table_entry *psk = table_entry_at(bt->table, 0);
	const struct table_entry *id = table_entry_at(bt->table, 1);
	const struct table_entry *id2 = table_entry_at(bt->table, 2);
	cr_assert_eq(psk->sec_tag, 9);
	cr_assert_eq(psk->len, 32);
	cr_assert_eq(memcmp(psk->data, "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf", 32), 0);
	cr_assert_eq(id->len, 8);
	cr_assert_eq(memcmp(id->data, "fixed-id", 8), 0, "a fixed credential stays the job's");
	cr_assert_eq(id2->sec_tag, 10);
	cr_assert_eq(id2->len, 9);
	cr_assert_eq(memcmp(id2->data, "pool-id-7", 9), 0);
	char hex[SHA256_HEX_LEN];
	hex_of("pool-id-7", 9, hex);
	cr_assert_str_eq(bt->fingerprints[2], hex, "a pool identity's digest is in the row");
	cr_assert_null(bt->fingerprints[0], "a pool PSK has no digest");
	board_table_destroy(bt);
	db_pool_claim_free(c);
	per_device_fixture_drop(&f);
}

Test(board_table, a_bundle_without_an_item_fails_naming_the_bundle_and_the_item)
{
	struct per_device_fixture f;
	make_job(&f, pool_creds);
	struct db_pool_claim *c = per_device_claim_new("line", "dev0008");
	per_device_claim_add(c, 9, NRFCRED_TYPE_PSK, "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf");
	per_device_claim_add(c, 10, NRFCRED_TYPE_PSK, "b0b1b2b3b4b5b6b7b8b9babbbcbdbebf");
	struct board_ids ids = {.imei = "352656100011116", .slot = 3};
	struct board_table *bt = NULL;
	char err[400];
	cr_assert_eq(board_table_build(f.job, &ids, c, &bt, err, sizeof err), -1);
	cr_assert_null(bt);
	cr_assert(strstr(err, "[credential id2]: credential pool line bundle dev0008 has no "
			      "sec_tag 10 PSK identity") != NULL,
		  "%s", err);
	cr_assert(strstr(err, "b0b1") == NULL, "never a secret in the message: %s", err);
	cr_assert_eq(board_table_build(f.job, &ids, NULL, &bt, err, sizeof err), -1,
		     "a pool spec without a claim");
	db_pool_claim_free(c);
	per_device_fixture_drop(&f);
}
