/* src/db: the spool line codec (db_spool.c), URL masking and UUIDs
 * (db_conn.c), and the [database] station keys. No server needed. */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/db.h"
#include "db/db_spool.h"
#include "image/digest.h"
#include "station/config.h"

static struct db_board_row sample(void)
{
	struct db_board_row r = {
		.uuid = "0b3c8f5e-2a41-4c1e-9a7d-5f6e7d8c9b0a",
		.run = "11111111-2222-4333-8444-555555555555",
		.run_started_at = "2026-12-02T14:00:00.000Z",
		.station = "lineA",
		.slot = 3,
		.probe = "000260000003",
		.imei = "352656100033334",
		.device_id = 0x1234abcd5678ef00ull,
		.started_at = "2026-12-02T14:00:01.000Z",
		.finished_at = "2026-12-02T14:00:07.000Z",
		.duration_ms = 6000,
		.passed = false,
		.failed_step = "check",
		.cause = "50% of\tthe digests\r\ndiffer",
		.part = "nRF9160",
		.modem_fw = "mfw_nrf9160_1.3.5",
		.sec_tags = "42/0;42/1",
		.cred_sha256 = "abc;unverified",
		.provisioner_sha256 = "00ff",
		.app_sha256 = "",
		.version = "0.2.0",
		.delivery = "ram",
	};
	return r;
}

static struct db_spool_entry entry;

/* r as a spool line (asserted); len counts its '\n'. */
static char *formatted(const struct db_board_row *r, size_t *len)
{
	char *line;
	cr_assert(db_spool_format(r, &line, len));
	return line;
}

/* The parse refuses len bytes of line, for this reason. */
static void expect_refused(const char *line, size_t len, const char *reason)
{
	const char *why;
	cr_assert_not(db_spool_parse(line, len, &entry, &why));
	cr_assert_str_eq(why, reason);
}

Test(db_spool, round_trips_every_field_with_escapes)
{
	struct db_board_row r = sample();
	size_t len;
	char *line = formatted(&r, &len);
	cr_assert_eq(line[len - 1], '\n');
	cr_assert_null(memchr(line, '\r', len), "a control byte went out unescaped");
	const char *why;
	cr_assert(db_spool_parse(line, len - 1, &entry, &why), "%s", why);
	cr_assert_str_eq(entry.row.uuid, r.uuid);
	cr_assert_str_eq(entry.row.run, r.run);
	cr_assert_eq(entry.row.slot, 3);
	cr_assert_eq(entry.row.device_id, r.device_id);
	cr_assert_eq(entry.row.duration_ms, 6000);
	cr_assert_not(entry.row.passed);
	cr_assert_str_eq(entry.row.cause, r.cause);
	cr_assert_str_eq(entry.row.app_sha256, "");
	cr_assert_str_eq(entry.row.delivery, "ram");
	free(line);
}

Test(db_spool, keeps_the_reprovisioned_flag_and_reads_lines_written_before_it)
{
	struct db_board_row r = sample();
	r.reprovisioned = true;
	size_t len;
	char *line = formatted(&r, &len);
	const char *why;
	cr_assert(db_spool_parse(line, len - 1, &entry, &why), "%s", why);
	cr_assert(entry.row.reprovisioned);
	/* The same row as a 0.2 build before schema 2 wrote it: 22 fields. */
	char *tab = memrchr(line, '\t', len);
	cr_assert_not_null(tab);
	*tab = '\0';
	char *last = strrchr(line, '\t');
	cr_assert_not_null(last);
	cr_assert_str_eq(last + 1, "yes");
	*last = '\0';
	char old[DB_SPOOL_LINE_MAX];
	uint32_t crc = crc32_ieee(line, strlen(line));
	int n = snprintf(old, sizeof old, "%s\tcrc=%08" PRIx32, line, crc);
	cr_assert(db_spool_parse(old, (size_t)n, &entry, &why), "%s", why);
	cr_assert_not(entry.row.reprovisioned);
	cr_assert_str_eq(entry.row.delivery, "ram");
	free(line);
}

Test(db_spool, rejects_a_changed_byte_by_its_crc)
{
	struct db_board_row r = sample();
	size_t len;
	char *line = formatted(&r, &len);
	char *imei = strstr(line, "352656100033334");
	imei[0] = '4';
	expect_refused(line, len - 1, "CRC mismatch");
	free(line);
}

Test(db_spool, rejects_a_torn_line)
{
	struct db_board_row r = sample();
	size_t len;
	char *line = formatted(&r, &len);
	expect_refused(line, len / 2, "no CRC (a torn write?)");
	free(line);
}

Test(db_spool, rejects_a_bad_uuid_even_with_a_good_crc)
{
	struct db_board_row r = sample();
	memcpy(r.uuid, "not-a-uuid-at-all-0000-000000000000", 36);
	size_t len;
	char *line = formatted(&r, &len);
	expect_refused(line, len - 1, "bad uuid");
	free(line);
}

Test(db_spool, rejects_an_escape_that_hides_a_nul_byte)
{
	/* %00 would cut the field short where the CRC said it goes on. */
	struct db_board_row r = sample();
	r.cause = "x";
	size_t len;
	char *line = formatted(&r, &len);
	/* A crafted line: replace the cause with %00 and fix the CRC as an
	 * attacker would. */
	char crafted[DB_SPOOL_LINE_MAX];
	char *x = strstr(line, "\tx\t");
	cr_assert_not_null(x);
	size_t head = (size_t)(x - line) + 1;
	memcpy(crafted, line, head);
	memcpy(crafted + head, "%00", 3);
	char *tail = x + 2;
	char *crc = strstr(tail, "\tcrc=");
	size_t mid = (size_t)(crc - tail);
	memcpy(crafted + head + 3, tail, mid);
	size_t body = head + 3 + mid;
	snprintf(crafted + body, sizeof crafted - body, "\tcrc=%08" PRIx32,
		 crc32_update(0, crafted, body));
	expect_refused(crafted, strlen(crafted), "a field holds a NUL byte");
	free(line);
}

Test(db_url, masks_the_password_of_a_uri_and_of_key_value_pairs)
{
	char out[256];
	db_url_mask("postgresql://line1:s3cr3t@db.factory:5432/nrfcred?sslmode=verify-full", out,
		    sizeof out);
	cr_assert_str_eq(out, "postgresql://line1:***@db.factory:5432/nrfcred?sslmode=verify-full");
	db_url_mask("postgresql://db/nrfcred?user=a&password=s3cr3t&sslmode=require", out,
		    sizeof out);
	cr_assert_str_eq(out, "postgresql://db/nrfcred?user=a&password=***&sslmode=require");
	/* libpq's quoting: single quotes, backslash escapes (libpq 34.1.1). */
	db_url_mask("host=db user=a password = 'it\\'s s3cr3t' dbname=x", out, sizeof out);
	cr_assert_str_eq(out, "host=db user=a password = *** dbname=x");
	db_url_mask("host=db passwordfile=/x dbname=y", out, sizeof out);
	cr_assert_str_eq(out, "host=db passwordfile=/x dbname=y");
	db_url_mask("postgresql:///nrfcred?host=/run/pg", out, sizeof out);
	cr_assert_str_eq(out, "postgresql:///nrfcred?host=/run/pg");
}

Test(db_url, uuids_are_version_4_and_differ)
{
	char a[37], b[37];
	cr_assert(db_uuid_new(a));
	cr_assert(db_uuid_new(b));
	cr_assert_eq(strlen(a), 36);
	cr_assert_eq(a[14], '4');
	cr_assert(strchr("89ab", a[19]) != NULL);
	cr_assert_str_neq(a, b);
}

Test(db_config, reads_the_database_section)
{
	struct station_config *cfg;
	char err[300];
	const char *text = "[station]\nname = l1\n[slot 1]\nprobe = 1\n"
			   "[database]\nurl = postgresql://l1:pw@db/x\npolicy = best_effort\n";
	cr_assert_eq(station_config_parse(text, "/tmp/s.ini", &cfg, err, sizeof err),
		     STATION_CONFIG_OK, "%s", err);
	cr_assert_str_eq(cfg->db_url, "postgresql://l1:pw@db/x");
	cr_assert_eq(cfg->db_policy, STATION_DB_BEST_EFFORT);
	station_config_free(cfg);
}

Test(db_config, refuses_a_bad_policy_without_echoing_the_url)
{
	struct station_config *cfg;
	char err[300];
	const char *text =
		"[station]\n[slot 1]\nprobe = 1\n[database]\nurl = postgresql://u:pw@db/x\n"
		"policy = sometimes\n";
	cr_assert_eq(station_config_parse(text, "/tmp/s.ini", &cfg, err, sizeof err),
		     STATION_CONFIG_ERR_VALUE);
	cr_assert_str_eq(err, "/tmp/s.ini:6: [database] policy: 'sometimes' is not valid; valid: "
			      "require, best_effort");
	text = "[station]\n[slot 1]\nprobe = 1\n[database]\nurl = postgresql://u:pw@db/x\n"
	       "[database]\n";
	cr_assert_eq(station_config_parse(text, "/tmp/s.ini", &cfg, err, sizeof err),
		     STATION_CONFIG_ERR_KEY);
	cr_assert_null(strstr(err, "pw"), "%s", err);
}

Test(db_config, reads_a_pool_source_instead_of_file_or_value)
{
	struct station_config *cfg;
	char err[300];
	const char *text = "[station]\n[slot 1]\nprobe = 1\n[database]\npool_key = k.key\n"
			   "[credential c]\nsec_tag = 44\ntype = client_cert\nsource = pool:aws\n";
	cr_assert_eq(station_config_parse(text, "/tmp/s.ini", &cfg, err, sizeof err),
		     STATION_CONFIG_OK, "%s", err);
	cr_assert_str_eq(cfg->credentials[0].pool, "aws");
	cr_assert_str_eq(cfg->db_pool_key, "/tmp/k.key");
	station_config_free(cfg);
	text = "[station]\n[slot 1]\nprobe = 1\n"
	       "[credential c]\nsec_tag = 44\ntype = psk\nsource = pool:aws\nvalue = 00\n";
	cr_assert_eq(station_config_parse(text, "/tmp/s.ini", &cfg, err, sizeof err),
		     STATION_CONFIG_ERR_KEY);
	cr_assert_not_null(strstr(err, "more than one of file, value and source"), "%s", err);
	text = "[station]\n[slot 1]\nprobe = 1\n"
	       "[credential c]\nsec_tag = 44\ntype = psk\nsource = file:x\n";
	cr_assert_eq(station_config_parse(text, "/tmp/s.ini", &cfg, err, sizeof err),
		     STATION_CONFIG_ERR_VALUE);
	cr_assert_str_eq(err, "/tmp/s.ini:7: [credential c] source: 'file:x' is not valid; valid: "
			      "pool:NAME, NAME a credential pool (nrfcred pool status lists them)");
}

Test(db_config, refuses_a_pool_source_with_flash_without_a_key_or_of_two_pools)
{
	struct station_config *cfg;
	char err[400];
	const char *text = "[station]\ndelivery = flash\n[slot 1]\nprobe = 1\n[database]\n"
			   "pool_key = k.key\n[credential c]\nsec_tag = 44\ntype = client_cert\n"
			   "source = pool:aws\n";
	cr_assert_eq(station_config_parse(text, "/tmp/s.ini", &cfg, err, sizeof err),
		     STATION_CONFIG_ERR_VALUE);
	cr_assert_not_null(strstr(err, "/tmp/s.ini:7: [credential c] source: "), "%s", err);
	cr_assert_not_null(strstr(err, "valid: delivery = ram"), "%s", err);
	text = "[station]\ndelivery = ram\n[slot 1]\nprobe = 1\n"
	       "[credential c]\nsec_tag = 44\ntype = client_cert\nsource = pool:aws\n";
	cr_assert_eq(station_config_parse(text, "/tmp/s.ini", &cfg, err, sizeof err),
		     STATION_CONFIG_ERR_MISSING);
	cr_assert_not_null(strstr(err, "valid: set [database] pool_key = FILE"), "%s", err);
	text = "[station]\ndelivery = ram\n[slot 1]\nprobe = 1\n[database]\npool_key = k.key\n"
	       "[credential c]\nsec_tag = 44\ntype = client_cert\nsource = pool:aws\n"
	       "[credential d]\nsec_tag = 44\ntype = client_key\nsource = pool:other\n";
	cr_assert_eq(station_config_parse(text, "/tmp/s.ini", &cfg, err, sizeof err),
		     STATION_CONFIG_ERR_VALUE);
	cr_assert_not_null(strstr(err, "[credential d] source: pool:other, but [credential c] "
				       "takes pool:aws"),
			   "%s", err);
}

/* ---- the pool's AES-256-GCM (db_pool_crypt.c) ---- */
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "db/db_pool_crypt.h"

static struct db_pool_key *make_key(const char *path, mode_t mode, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	cr_assert(fd >= 0);
	uint8_t b[40];
	for (size_t i = 0; i < sizeof b; i++)
		b[i] = (uint8_t)(i * 7 + 1);
	cr_assert_eq(write(fd, b, len), (ssize_t)len);
	close(fd);
	chmod(path, mode);
	struct db_pool_key *k = NULL;
	char err[300];
	db_pool_key_load(path, &k, err, sizeof err);
	return k;
}

Test(db_pool_crypt, seals_and_opens_and_refuses_another_bundle_or_type)
{
	char path[] = "/tmp/nrfcred-test-poolkey-XXXXXX";
	int fd = mkstemp(path);
	close(fd);
	struct db_pool_key *k = make_key(path, 0600, 32);
	cr_assert_not_null(k);
	const uint8_t psk[16] = {0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
	char aad[200], aad2[200];
	size_t alen = db_pool_aad("cloud", "dev0001", 43, 3, aad, sizeof aad);
	uint8_t ct[16], nonce[DB_POOL_NONCE_LEN], tag[DB_POOL_TAG_LEN], back[16];
	cr_assert(db_pool_seal(k, aad, alen, psk, sizeof psk, ct, nonce, tag));
	cr_assert_neq(memcmp(ct, psk, sizeof psk), 0, "the ciphertext is the plaintext");
	cr_assert(db_pool_open(k, aad, alen, ct, sizeof ct, nonce, tag, back));
	cr_assert_eq(memcmp(back, psk, sizeof psk), 0);
	/* The same ciphertext moved to another bundle, or read as another type. */
	size_t alen2 = db_pool_aad("cloud", "dev0002", 43, 3, aad2, sizeof aad2);
	cr_assert_not(db_pool_open(k, aad2, alen2, ct, sizeof ct, nonce, tag, back));
	cr_assert_eq(back[0], 0, "a failed open leaves no plaintext");
	alen2 = db_pool_aad("cloud", "dev0001", 43, 4, aad2, sizeof aad2);
	cr_assert_not(db_pool_open(k, aad2, alen2, ct, sizeof ct, nonce, tag, back));
	/* "ab" + "c" is not "a" + "bc". */
	size_t a1 = db_pool_aad("ab", "c", 1, 2, aad, sizeof aad);
	size_t a2 = db_pool_aad("a", "bc", 1, 2, aad2, sizeof aad2);
	cr_assert(a1 == a2 && memcmp(aad, aad2, a1) != 0);
	/* A fresh nonce every time. */
	uint8_t nonce2[DB_POOL_NONCE_LEN];
	cr_assert(db_pool_seal(k, aad, a1, psk, sizeof psk, ct, nonce2, tag));
	cr_assert_neq(memcmp(nonce, nonce2, sizeof nonce), 0);
	db_pool_key_free(k);
	unlink(path);
}

Test(db_pool_crypt, refuses_a_key_file_others_may_read_or_of_the_wrong_size)
{
	char path[] = "/tmp/nrfcred-test-poolkey-XXXXXX";
	int fd = mkstemp(path);
	close(fd);
	cr_assert_null(make_key(path, 0644, 32));
	cr_assert_null(make_key(path, 0600, 31));
	cr_assert_null(make_key(path, 0600, 33));
	struct db_pool_key *k = NULL;
	char err[300];
	chmod(path, 0644);
	cr_assert_eq(db_pool_key_load(path, &k, err, sizeof err), DB_ERR_KEY);
	cr_assert_not_null(strstr(err, "group or others may access it"), "%s", err);
	unlink(path);
}
