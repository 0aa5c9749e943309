/* station/fingerprint.c (the key file, the HMAC) and the CSV cell that
 * station_job_cred_cell builds from them: never a digest of a key or PSK. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cred/secure_mem.h"
#include "image/digest.h"
#include "provision/result.h"
#include "provision/table.h"
#include "provision_fixture.h"
#include "station/config.h"
#include "station/fingerprint.h"
#include "station/job.h"

static char dir[64];

static void setup(void)
{
	strcpy(dir, "/tmp/nrfcred-fp-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
}

static void teardown(void)
{
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	cr_assert_eq(system(cmd), 0);
}

/* dir/name with len bytes of 0x5a and mode; returns the path (static). */
static const char *key_file(const char *name, size_t len, mode_t mode)
{
	static char path[128];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	cr_assert_geq(fd, 0);
	for (size_t i = 0; i < len; i++)
		cr_assert_eq(write(fd, "Z", 1), 1);
	cr_assert_eq(fchmod(fd, mode), 0);
	close(fd);
	return path;
}

TestSuite(fingerprint, .init = setup, .fini = teardown);

Test(fingerprint, reads_a_private_key_file)
{
	const char *path = key_file("k", 32, 0600);
	uint8_t *key;
	size_t len;
	char err[512];
	cr_assert_eq(fingerprint_key_read(path, &key, &len, err, sizeof err), 0, "%s", err);
	cr_assert_eq(len, 32);
	cr_assert_eq(key[0], 'Z');
	cr_assert_eq(key[31], 'Z');
	secure_mem_free(key);
}

Test(fingerprint, refuses_a_key_file_others_may_read_naming_file_and_fix)
{
	const char *modes[] = {"0640", "0604", "0620"};
	const mode_t m[] = {0640, 0604, 0620};
	for (size_t i = 0; i < 3; i++) {
		const char *path = key_file("k", 40, m[i]);
		uint8_t *key = (uint8_t *)1;
		size_t len;
		char err[512];
		cr_assert_eq(fingerprint_key_read(path, &key, &len, err, sizeof err), -1, "%s",
			     modes[i]);
		cr_assert_null(key);
		cr_assert(strstr(err, path) && strstr(err, "chmod 600"), "%s", err);
		cr_assert_null(strstr(err, "ZZZZ"), "no key byte in the message: %s", err);
	}
}

Test(fingerprint, refuses_a_short_key_a_directory_and_a_symlink)
{
	uint8_t *key;
	size_t len;
	char err[512];
	const char *path = key_file("short", 31, 0600);
	cr_assert_eq(fingerprint_key_read(path, &key, &len, err, sizeof err), -1);
	cr_assert(strstr(err, path) && strstr(err, "shorter than 32 bytes"), "%s", err);
	cr_assert_eq(fingerprint_key_read(dir, &key, &len, err, sizeof err), -1);
	cr_assert(strstr(err, "not a regular file"), "%s", err);
	char link[160];
	snprintf(link, sizeof link, "%s/link", dir);
	cr_assert_eq(symlink(key_file("k", 32, 0600), link), 0);
	cr_assert_eq(fingerprint_key_read(link, &key, &len, err, sizeof err), -1);
	cr_assert(strstr(err, link) && strstr(err, "symbolic link"), "%s", err);
}

/* RFC 4231, test case 6: a 131-byte key of 0xaa. */
Test(fingerprint, hmac_matches_rfc_4231)
{
	uint8_t key[131];
	memset(key, 0xaa, sizeof key);
	const char *data = "Test Using Larger Than Block-Size Key - Hash Key First";
	char out[FINGERPRINT_HMAC_TEXT_LEN];
	fingerprint_hmac_text(key, sizeof key, (const uint8_t *)data, strlen(data), out);
	cr_assert_str_eq(out, "hmac-sha256:"
			      "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

/* A job around the fixture image with a CA certificate, a PSK and a key. */
static struct station_job *job_with(struct image **img, struct table **t)
{
	struct manifest m = fixture_manifest();
	*img = fixture_image(&m);
	*t = table_create(0);
	cr_assert_eq(table_add(*t, 7, NRFCRED_TYPE_CA_CERT, 0, "cert", 4, false, NULL), TABLE_OK);
	cr_assert_eq(table_add(*t, 7, NRFCRED_TYPE_PSK, 0, "c0ffee", 6, false, NULL), TABLE_OK);
	cr_assert_eq(table_add(*t, 7, NRFCRED_TYPE_CLIENT_KEY, 0, "KEY", 3, false, NULL), TABLE_OK);
	struct station_job *job = NULL;
	char err[256];
	cr_assert_eq(station_job_wrap(*img, *t, NULL, 1000, STATION_DELIVERY_FLASH, &job, err,
				      sizeof err),
		     0, "%s", err);
	return job;
}

static bool holds_digest_of(const char *cell, const char *content)
{
	uint8_t d[SHA256_LEN];
	char hex[SHA256_HEX_LEN];
	sha256(content, strlen(content), d);
	sha256_hex(d, hex);
	return strstr(cell, hex) != NULL;
}

Test(fingerprint, cell_shows_certificate_digests_and_modem_verified_secrets)
{
	struct image *img;
	struct table *t;
	struct station_job *job = job_with(&img, &t);
	struct result res = {.count = 3};
	for (int i = 0; i < 3; i++)
		res.entries[i].flags = NRFCRED_RESULT_E_WRITTEN | NRFCRED_RESULT_E_HASH_VALID;
	char *cell = station_job_cred_cell(job, true, &res);
	uint8_t d[SHA256_LEN];
	char want[200];
	sha256("cert", 4, d);
	sha256_hex(d, want);
	strcat(want, ";modem-verified;modem-verified");
	cr_assert_str_eq(cell, want);
	free(cell);
	/* A failed board, or an entry the modem listed without a digest. */
	cell = station_job_cred_cell(job, false, &res);
	cr_assert(strstr(cell, ";unverified;unverified"), "%s", cell);
	free(cell);
	res.entries[1].flags = NRFCRED_RESULT_E_WRITTEN | NRFCRED_RESULT_E_LISTED_NO_DIGEST;
	cell = station_job_cred_cell(job, true, &res);
	cr_assert(strstr(cell, ";unverified;modem-verified"), "%s", cell);
	free(cell);
	cell = station_job_cred_cell(job, false, NULL);
	cr_assert(!holds_digest_of(cell, "c0ffee") && !holds_digest_of(cell, "KEY"), "%s", cell);
	free(cell);
	station_job_destroy(job);
	table_destroy(t);
	image_destroy(img);
}

Test(fingerprint, cell_shows_the_hmac_of_secrets_with_a_key)
{
	struct image *img;
	struct table *t;
	struct station_job *job = job_with(&img, &t);
	uint8_t key[32];
	memset(key, 7, sizeof key);
	cr_assert_eq(station_job_use_fingerprint_key(job, key, sizeof key), 0);
	char psk_mac[FINGERPRINT_HMAC_TEXT_LEN], key_mac[FINGERPRINT_HMAC_TEXT_LEN];
	fingerprint_hmac_text(key, sizeof key, (const uint8_t *)"c0ffee", 6, psk_mac);
	fingerprint_hmac_text(key, sizeof key, (const uint8_t *)"KEY", 3, key_mac);
	char *cell = station_job_cred_cell(job, false, NULL);
	char want[300];
	snprintf(want, sizeof want, ";%s;%s", psk_mac, key_mac);
	cr_assert(strstr(cell, want) && holds_digest_of(cell, "cert"), "%s", cell);
	cr_assert(!holds_digest_of(cell, "c0ffee") && !holds_digest_of(cell, "KEY"), "%s", cell);
	free(cell);
	station_job_destroy(job);
	table_destroy(t);
	image_destroy(img);
}
