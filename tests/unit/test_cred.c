/* Unit tests of src/cred against the fixtures of tests/data/cred
 * (regenerate with tests/data/cred/make-fixtures.sh). */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <mbedtls/pk.h>
#include <mbedtls/sha256.h>

#include "cred/cred.h"
#include "cred/cred_type.h"

#define FIX(name) CRED_DATA_DIR "/" name

/* 2030-01-01 00:00:00 UTC: inside the 2020..2120 validity of the good
 * fixtures, after expired.pem, before not-yet-valid.pem. */
#define NOW_2030 ((time_t)1893456000)

static struct cred_set *set;
static struct cred_diag diag;

static void setup(void)
{
	struct cred_set_config cfg = {.now = NOW_2030};
	set = cred_set_create(&cfg);
	cr_assert_not_null(set);
	memset(&diag, 0, sizeof(diag));
}

static void teardown(void)
{
	cred_set_destroy(set);
	set = NULL;
}

TestSuite(cred, .init = setup, .fini = teardown);

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	cr_assert_not_null(f, "fixture %s missing", path);
	char *buf = malloc(1 << 20);
	cr_assert_not_null(buf);
	size_t n = fread(buf, 1, (1 << 20) - 1, f);
	fclose(f);
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

/* No base64 line of the key file may show up in a message. */
static void assert_no_key_text(const char *text, const char *key_path)
{
	char *key = slurp(key_path, NULL);
	char *save = NULL;
	for (char *line = strtok_r(key, "\r\n", &save); line;
	     line = strtok_r(NULL, "\r\n", &save)) {
		if (strncmp(line, "-----", 5) == 0 || strchr(line, ':') || strlen(line) < 16)
			continue;
		char probe[17];
		memcpy(probe, line, 16);
		probe[16] = '\0';
		cr_assert_null(strstr(text, probe), "message leaks key text: %s", text);
	}
	free(key);
}

static enum cred_err add_file(uint32_t tag, enum nrfcred_cred_type type, const char *path)
{
	return cred_set_add_file(set, tag, type, path, NULL, &diag);
}

static enum cred_err add_key(uint32_t tag, const char *path, const char *pass)
{
	struct cred_add_opts opts = {.passphrase = pass};
	return cred_set_add_file(set, tag, NRFCRED_TYPE_CLIENT_KEY, path, &opts, &diag);
}

/* ------------------------------------------------------------ certificates */

Test(cred, stores_pem_ca_as_file_text_with_its_sha256)
{
	size_t len;
	char *file = slurp(FIX("ca-ec.pem"), &len);
	cr_assert_eq(add_file(7, NRFCRED_TYPE_CA_CERT, FIX("ca-ec.pem")), CRED_OK, "%s",
		     diag.detail);
	const struct cred_entry *e = cred_set_entry(set, 0);
	cr_assert_not_null(e);
	cr_assert_eq(e->sec_tag, 7);
	cr_assert_eq(e->type, NRFCRED_TYPE_CA_CERT);
	cr_assert_eq(e->len, len);
	cr_assert_eq(memcmp(e->content, file, len), 0);
	uint8_t sha[32];
	mbedtls_sha256_ret((const unsigned char *)file, len, sha, 0);
	cr_assert_eq(memcmp(e->sha256, sha, 32), 0);
	cr_assert_str_eq(e->origin, FIX("ca-ec.pem"));
	cr_assert_eq(cred_set_warning_count(set), 0);
	free(file);
}

Test(cred, converts_der_certificate_to_the_same_pem_openssl_writes)
{
	size_t len;
	char *pem = slurp(FIX("client-ec.pem"), &len);
	cr_assert_eq(add_file(1, NRFCRED_TYPE_CLIENT_CERT, FIX("client-ec.der")), CRED_OK, "%s",
		     diag.detail);
	const struct cred_entry *e = cred_set_entry(set, 0);
	cr_assert_eq(e->len, len);
	cr_assert_eq(memcmp(e->content, pem, len), 0);
	free(pem);
}

Test(cred, turns_crlf_line_endings_into_lf)
{
	size_t len;
	char *pem = slurp(FIX("ca-ec.pem"), &len);
	cr_assert_eq(add_file(1, NRFCRED_TYPE_CA_CERT, FIX("ca-ec-crlf.pem")), CRED_OK, "%s",
		     diag.detail);
	const struct cred_entry *e = cred_set_entry(set, 0);
	cr_assert_eq(e->len, len);
	cr_assert_eq(memcmp(e->content, pem, len), 0);
	cr_assert_null(memchr(e->content, '\r', e->len));
	free(pem);
}

Test(cred, accepts_a_pem_chain_when_every_certificate_parses)
{
	size_t len;
	char *pem = slurp(FIX("chain-ec.pem"), &len);
	cr_assert_eq(add_file(1, NRFCRED_TYPE_CA_CERT, FIX("chain-ec.pem")), CRED_OK, "%s",
		     diag.detail);
	cr_assert_eq(cred_set_entry(set, 0)->len, len);
	free(pem);
}

Test(cred, rejects_quote_in_pem_naming_file_and_line)
{
	cr_assert_eq(add_file(1, NRFCRED_TYPE_CA_CERT, FIX("ca-ec-quote.pem")), CRED_ERR_BAD_CHAR);
	cr_assert_eq(diag.err, CRED_ERR_BAD_CHAR);
	cr_assert_not_null(strstr(diag.detail, "ca-ec-quote.pem"), "%s", diag.detail);
	cr_assert_not_null(strstr(diag.detail, "line 1 "), "%s", diag.detail);
	cr_assert_eq(cred_set_count(set), 0);
}

Test(cred, rejects_truncated_pem_certificate)
{
	cr_assert_eq(add_file(1, NRFCRED_TYPE_CA_CERT, FIX("truncated.pem")), CRED_ERR_CERT);
	cr_assert_not_null(strstr(diag.detail, "truncated.pem"), "%s", diag.detail);
}

Test(cred, rejects_garbage_as_certificate_and_as_key)
{
	cr_assert_eq(add_file(1, NRFCRED_TYPE_CA_CERT, FIX("garbage.bin")), CRED_ERR_CERT);
	cr_assert_not_null(strstr(diag.detail, "garbage.bin"));
	cr_assert_eq(add_key(1, FIX("garbage.bin"), NULL), CRED_ERR_KEY);
	cr_assert_not_null(strstr(diag.detail, "garbage.bin"));
	cr_assert_eq(cred_set_count(set), 0);
}

Test(cred, rejects_empty_file)
{
	cr_assert_eq(add_file(1, NRFCRED_TYPE_CA_CERT, FIX("empty.pem")), CRED_ERR_EMPTY);
	cr_assert_not_null(strstr(diag.detail, "empty.pem"));
}

Test(cred, reports_missing_file_with_its_path)
{
	cr_assert_eq(add_file(1, NRFCRED_TYPE_CA_CERT, FIX("no-such-file.pem")), CRED_ERR_IO);
	cr_assert_not_null(strstr(diag.detail, "no-such-file.pem"));
	cr_assert_not_null(strstr(diag.detail, "No such file"), "%s", diag.detail);
}

/* Errors say what to do, not only what went wrong (issue 2). */
Test(cred, file_and_parse_errors_end_with_what_to_do)
{
	cr_assert_eq(add_file(1, NRFCRED_TYPE_CA_CERT, FIX("no-such-file.pem")), CRED_ERR_IO);
	cr_assert_not_null(strstr(diag.detail, "; check the path"), "%s", diag.detail);
	cr_assert_eq(add_file(1, NRFCRED_TYPE_CA_CERT, CRED_DATA_DIR), CRED_ERR_IO);
	cr_assert_not_null(strstr(diag.detail, "; give a regular file"), "%s", diag.detail);
	cr_assert_eq(add_file(1, NRFCRED_TYPE_CA_CERT, FIX("garbage.bin")), CRED_ERR_CERT);
	cr_assert_not_null(strstr(diag.detail, "; give the certificate file"), "%s", diag.detail);
	cr_assert_eq(add_key(1, FIX("garbage.bin"), NULL), CRED_ERR_KEY);
	cr_assert_not_null(strstr(diag.detail, "; give the key file"), "%s", diag.detail);
	cr_assert_eq(add_file(1, NRFCRED_TYPE_CA_CERT, FIX("truncated.pem")), CRED_ERR_CERT);
	cr_assert_not_null(strchr(diag.detail, ';'), "%s", diag.detail);
	cr_assert_eq(add_file(1, NRFCRED_TYPE_CA_CERT, FIX("empty.pem")), CRED_ERR_EMPTY);
	cr_assert_not_null(strstr(diag.detail, "is empty; give"), "%s", diag.detail);
}

Test(cred, refuses_private_key_block_inside_certificate_file)
{
	cr_assert_eq(add_file(1, NRFCRED_TYPE_CLIENT_CERT, FIX("cert-and-key.pem")), CRED_ERR_CERT);
	cr_assert_not_null(strstr(diag.detail, "PRIVATE KEY"), "%s", diag.detail);
	cr_assert_not_null(strstr(diag.detail, "cert-and-key.pem"));
	assert_no_key_text(diag.detail, FIX("client-ec.key"));
}

Test(cred, reads_a_pipe_longer_than_one_read_buffer)
{
	/* 4 copies of the RSA certificate (about 3.6 KB) plus the CA: over
	 * 4096 bytes, so the reader must grow its buffer; a pipe has no size. */
	size_t rsa_len, ca_len;
	char *rsa = slurp(FIX("client-rsa.pem"), &rsa_len);
	char *ca = slurp(FIX("ca-ec.pem"), &ca_len);
	int fds[2];
	cr_assert_eq(pipe(fds), 0);
	for (int i = 0; i < 4; i++)
		cr_assert_eq(write(fds[1], rsa, rsa_len), (ssize_t)rsa_len);
	cr_assert_eq(write(fds[1], ca, ca_len), (ssize_t)ca_len);
	close(fds[1]);
	char path[32];
	snprintf(path, sizeof(path), "/dev/fd/%d", fds[0]);
	struct cred_set_config cfg = {.content_max = 8192};
	struct cred_set *s = cred_set_create(&cfg);
	cr_assert_eq(cred_set_add_file(s, 1, NRFCRED_TYPE_CA_CERT, path, NULL, &diag), CRED_OK,
		     "%s", diag.detail);
	const struct cred_entry *e = cred_set_entry(s, 0);
	cr_assert_eq(e->len, 4 * rsa_len + ca_len);
	cr_assert_eq(memcmp(e->content + 4 * rsa_len, ca, ca_len), 0);
	cred_set_destroy(s);
	close(fds[0]);
	free(rsa);
	free(ca);
}

Test(cred, rejects_der_certificate_followed_by_extra_bytes)
{
	size_t len;
	char *der = slurp(FIX("ca-ec.der"), &len);
	int fds[2];
	cr_assert_eq(pipe(fds), 0);
	cr_assert_eq(write(fds[1], der, len), (ssize_t)len);
	cr_assert_eq(write(fds[1], "\x30\x00", 2), 2);
	close(fds[1]);
	char path[32];
	snprintf(path, sizeof(path), "/dev/fd/%d", fds[0]);
	cr_assert_eq(add_file(1, NRFCRED_TYPE_CA_CERT, path), CRED_ERR_CERT);
	cr_assert_not_null(strstr(diag.detail, "2 extra bytes"), "%s", diag.detail);
	close(fds[0]);
	free(der);
}

Test(cred, warns_expired_certificate_with_its_dates)
{
	cr_assert_eq(add_file(1, NRFCRED_TYPE_CA_CERT, FIX("expired.pem")), CRED_OK, "%s",
		     diag.detail);
	cr_assert_eq(cred_set_warning_count(set), 1);
	const char *w = cred_set_warning(set, 0)->text;
	cr_assert_not_null(strstr(w, "expired on 2001-01-01 00:00:00 UTC"), "%s", w);
	cr_assert_not_null(strstr(w, "2000-01-01 00:00:00 UTC"), "%s", w);
	cr_assert_not_null(strstr(w, "expired.pem"), "%s", w);
	cred_set_clear_warnings(set);
	cr_assert_eq(cred_set_warning_count(set), 0);
}

Test(cred, warns_not_yet_valid_certificate_with_start_date)
{
	cr_assert_eq(add_file(1, NRFCRED_TYPE_CA_CERT, FIX("not-yet-valid.pem")), CRED_OK);
	cr_assert_eq(cred_set_warning_count(set), 1);
	const char *w = cred_set_warning(set, 0)->text;
	cr_assert_not_null(strstr(w, "not valid before 2080-01-01 00:00:00 UTC"), "%s", w);
}

Test(cred, skips_validity_check_when_now_is_zero)
{
	struct cred_set *s = cred_set_create(NULL);
	cr_assert_eq(cred_set_add_file(s, 1, NRFCRED_TYPE_CA_CERT, FIX("expired.pem"), NULL, &diag),
		     CRED_OK);
	cr_assert_eq(cred_set_warning_count(s), 0);
	cred_set_destroy(s);
}

Test(cred, rejects_content_over_configured_max_giving_both_sizes)
{
	struct cred_set_config cfg = {.content_max = 500};
	struct cred_set *s = cred_set_create(&cfg);
	cr_assert_eq(cred_set_add_file(s, 1, NRFCRED_TYPE_CA_CERT, FIX("ca-ec.pem"), NULL, &diag),
		     CRED_ERR_TOO_LARGE);
	cr_assert_not_null(strstr(diag.detail, "611 bytes"), "%s", diag.detail);
	cr_assert_not_null(strstr(diag.detail, "500 bytes"), "%s", diag.detail);
	cr_assert_eq(cred_set_count(s), 0);
	cred_set_destroy(s);
}

Test(cred, default_max_is_4077_bytes)
{
	/* A PEM chain of copies of the CA, just over 4077 bytes. */
	char *ca = slurp(FIX("ca-ec.pem"), NULL);
	size_t one = strlen(ca);
	size_t copies = 4077 / one + 1;
	char *big = calloc(copies, one + 1);
	for (size_t i = 0; i < copies; i++)
		strcat(big, ca);
	cr_assert_eq(cred_set_add_value(set, 1, NRFCRED_TYPE_CA_CERT, big, NULL, &diag),
		     CRED_ERR_TOO_LARGE, "%s", diag.detail);
	cr_assert_not_null(strstr(diag.detail, "4077"), "%s", diag.detail);
	free(big);
	free(ca);
}

/* ---------------------------------------------------------------- keys */

Test(cred, reemits_plain_ec_key_as_unencrypted_pem_that_parses)
{
	cr_assert_eq(add_key(1, FIX("client-ec.key"), NULL), CRED_OK, "%s", diag.detail);
	const struct cred_entry *e = cred_set_entry(set, 0);
	cr_assert_eq(strncmp((const char *)e->content, "-----BEGIN EC PRIVATE KEY-----\n", 31), 0);
	cr_assert_null(memchr(e->content, '"', e->len));
	mbedtls_pk_context pk;
	mbedtls_pk_init(&pk);
	char *copy = strndup((const char *)e->content, e->len);
	cr_assert_eq(mbedtls_pk_parse_key(&pk, (unsigned char *)copy, e->len + 1, NULL, 0), 0);
	cr_assert_eq(mbedtls_pk_get_type(&pk), MBEDTLS_PK_ECKEY);
	mbedtls_pk_free(&pk);
	free(copy);
}

Test(cred, der_pkcs8_sec1_and_pem_forms_of_one_key_give_the_same_content)
{
	cr_assert_eq(add_key(1, FIX("client-ec.key"), NULL), CRED_OK);
	cr_assert_eq(add_key(2, FIX("client-ec.key.der"), NULL), CRED_OK, "%s", diag.detail);
	cr_assert_eq(add_key(3, FIX("client-ec-sec1.key"), NULL), CRED_OK, "%s", diag.detail);
	/* A key file that also carries the certificate: only the key is kept. */
	cr_assert_eq(add_key(4, FIX("cert-and-key.pem"), NULL), CRED_OK, "%s", diag.detail);
	const struct cred_entry *a = cred_set_entry(set, 0);
	for (size_t i = 1; i < 4; i++) {
		const struct cred_entry *b = cred_set_entry(set, i);
		cr_assert_eq(a->len, b->len);
		cr_assert_eq(memcmp(a->sha256, b->sha256, 32), 0);
	}
}

Test(cred, key_content_is_the_standard_sec1_and_pkcs1_pem_openssl_writes)
{
	size_t ec_len, rsa_len;
	char *ec = slurp(FIX("client-ec-sec1.key"), &ec_len);
	char *rsa = slurp(FIX("client-rsa-pkcs1.key"), &rsa_len);
	cr_assert_eq(add_key(1, FIX("client-ec.key"), NULL), CRED_OK);
	cr_assert_eq(add_key(2, FIX("client-rsa.key"), NULL), CRED_OK);
	const struct cred_entry *e = cred_set_entry(set, 0);
	cr_assert_eq(e->len, ec_len);
	cr_assert_eq(memcmp(e->content, ec, ec_len), 0);
	e = cred_set_entry(set, 1);
	cr_assert_eq(e->len, rsa_len);
	cr_assert_eq(memcmp(e->content, rsa, rsa_len), 0);
	free(ec);
	free(rsa);
}

Test(cred, encrypted_key_without_passphrase_asks_for_key_passphrase)
{
	cr_assert_eq(add_key(1, FIX("client-ec-des3.p8"), NULL), CRED_ERR_KEY_ENCRYPTED);
	cr_assert_not_null(strstr(diag.detail, "--key-passphrase"), "%s", diag.detail);
	cr_assert_not_null(strstr(diag.detail, "client-ec-des3.p8"));
	cr_assert_eq(add_key(1, FIX("client-ec-des3.p8.der"), ""), CRED_ERR_KEY_ENCRYPTED);
	cr_assert_eq(add_key(1, FIX("client-ec-legacy-enc.key"), NULL), CRED_ERR_KEY_ENCRYPTED);
	cr_assert_eq(add_key(1, FIX("client-ec-aes.p8"), NULL), CRED_ERR_KEY_ENCRYPTED);
	cr_assert_eq(cred_set_count(set), 0);
}

Test(cred, decrypts_encrypted_keys_with_passphrase_to_the_plain_key)
{
	cr_assert_eq(add_key(1, FIX("client-ec.key"), NULL), CRED_OK);
	cr_assert_eq(add_key(2, FIX("client-ec-des3.p8"), "test-passphrase"), CRED_OK, "%s",
		     diag.detail);
	cr_assert_eq(add_key(3, FIX("client-ec-des3.p8.der"), "test-passphrase"), CRED_OK, "%s",
		     diag.detail);
	cr_assert_eq(add_key(4, FIX("client-ec-legacy-enc.key"), "test-passphrase"), CRED_OK, "%s",
		     diag.detail);
	const struct cred_entry *plain = cred_set_entry(set, 0);
	for (size_t i = 1; i < 4; i++) {
		const struct cred_entry *e = cred_set_entry(set, i);
		cr_assert_eq(e->len, plain->len);
		cr_assert_eq(memcmp(e->content, plain->content, e->len), 0);
		cr_assert_null(memmem(e->content, e->len, "ENCRYPTED", 9));
	}
}

Test(cred, wrong_passphrase_is_its_own_error)
{
	cr_assert_eq(add_key(1, FIX("client-ec-des3.p8"), "not-the-passphrase"),
		     CRED_ERR_KEY_PASSPHRASE);
	cr_assert_not_null(strstr(diag.detail, "client-ec-des3.p8"));
	cr_assert_null(strstr(diag.detail, "not-the-passphrase"));
	cr_assert_eq(add_key(1, FIX("client-ec-legacy-enc.key"), "nope"), CRED_ERR_KEY_PASSPHRASE);
}

Test(cred, aes_pkcs8_key_reports_unsupported_encryption_with_a_way_out)
{
	cr_assert_eq(add_key(1, FIX("client-ec-aes.p8"), "test-passphrase"),
		     CRED_ERR_KEY_UNSUPPORTED, "%s", diag.detail);
	cr_assert_not_null(strstr(diag.detail, "des3"), "%s", diag.detail);
}

Test(cred, ed25519_key_is_an_unsupported_algorithm)
{
	cr_assert_eq(add_key(1, FIX("ed25519.key"), NULL), CRED_ERR_KEY_UNSUPPORTED, "%s",
		     diag.detail);
	cr_assert_not_null(strstr(diag.detail, "RSA or EC"), "%s", diag.detail);
	assert_no_key_text(diag.detail, FIX("ed25519.key"));
}

Test(cred, certificate_given_as_key_is_rejected)
{
	cr_assert_eq(add_key(1, FIX("client-ec.pem"), NULL), CRED_ERR_KEY);
	cr_assert_not_null(strstr(diag.detail, "certificate"), "%s", diag.detail);
}

Test(cred, loads_rsa_2048_key_and_certificate_pair)
{
	cr_assert_eq(add_file(5, NRFCRED_TYPE_CLIENT_CERT, FIX("client-rsa.pem")), CRED_OK);
	cr_assert_eq(add_key(5, FIX("client-rsa.key"), NULL), CRED_OK, "%s", diag.detail);
	const struct cred_entry *k = cred_set_find(set, 5, NRFCRED_TYPE_CLIENT_KEY);
	cr_assert_not_null(k);
	cr_assert_eq(strncmp((const char *)k->content, "-----BEGIN RSA PRIVATE KEY-----", 31), 0);
	cr_assert_eq(add_key(6, FIX("client-rsa-pkcs1.key"), NULL), CRED_OK);
	cr_assert_eq(memcmp(cred_set_find(set, 6, NRFCRED_TYPE_CLIENT_KEY)->sha256, k->sha256, 32),
		     0);
}

Test(cred, key_matching_client_cert_of_same_sec_tag_is_accepted)
{
	cr_assert_eq(add_file(9, NRFCRED_TYPE_CA_CERT, FIX("ca-ec.pem")), CRED_OK);
	cr_assert_eq(add_file(9, NRFCRED_TYPE_CLIENT_CERT, FIX("client-ec.pem")), CRED_OK);
	cr_assert_eq(add_key(9, FIX("client-ec.key"), NULL), CRED_OK, "%s", diag.detail);
	cr_assert_eq(cred_set_validate(set, &diag), CRED_OK);
	cr_assert_eq(cred_set_count(set), 3);
}

Test(cred, key_not_matching_client_cert_is_rejected_without_leaking_key)
{
	cr_assert_eq(add_file(9, NRFCRED_TYPE_CLIENT_CERT, FIX("client-ec.pem")), CRED_OK);
	cr_assert_eq(add_key(9, FIX("other-ec.key"), NULL), CRED_ERR_KEY_MISMATCH);
	cr_assert_not_null(strstr(diag.detail, "other-ec.key"), "%s", diag.detail);
	cr_assert_not_null(strstr(diag.detail, "client-ec.pem"), "%s", diag.detail);
	cr_assert_not_null(strstr(diag.detail, "sec_tag 9"), "%s", diag.detail);
	assert_no_key_text(diag.detail, FIX("other-ec.key"));
	cr_assert_eq(cred_set_count(set), 1);
}

Test(cred, mismatch_is_found_when_certificate_comes_after_key)
{
	cr_assert_eq(add_key(9, FIX("client-ec.key"), NULL), CRED_OK);
	cr_assert_eq(add_file(9, NRFCRED_TYPE_CLIENT_CERT, FIX("client-rsa.pem")),
		     CRED_ERR_KEY_MISMATCH);
	cr_assert_eq(add_file(9, NRFCRED_TYPE_CLIENT_CERT, FIX("client-ec.pem")), CRED_OK);
}

Test(cred, key_and_cert_of_different_sec_tags_are_not_paired)
{
	cr_assert_eq(add_file(1, NRFCRED_TYPE_CLIENT_CERT, FIX("client-ec.pem")), CRED_OK);
	cr_assert_eq(add_key(2, FIX("other-ec.key"), NULL), CRED_OK);
	cr_assert_eq(cred_set_validate(set, &diag), CRED_OK);
}

/* ---------------------------------------------------------- set behaviour */

Test(cred, duplicate_sec_tag_and_type_is_an_error_unless_replace)
{
	cr_assert_eq(add_file(3, NRFCRED_TYPE_CA_CERT, FIX("ca-ec.pem")), CRED_OK);
	cr_assert_eq(cred_set_add_value(set, 3, NRFCRED_TYPE_PSK, "00ff", NULL, &diag), CRED_OK);
	cr_assert_eq(add_file(3, NRFCRED_TYPE_CA_CERT, FIX("client-ec.pem")), CRED_ERR_DUPLICATE);
	cr_assert_not_null(strstr(diag.detail, "ca-ec.pem"), "%s", diag.detail);
	struct cred_add_opts opts = {.replace = true};
	cr_assert_eq(
		cred_set_add_file(set, 3, NRFCRED_TYPE_CA_CERT, FIX("client-ec.der"), &opts, &diag),
		CRED_OK);
	cr_assert_eq(cred_set_count(set), 2);
	const struct cred_entry *e = cred_set_entry(set, 0); /* replaced in place */
	cr_assert_eq(e->type, NRFCRED_TYPE_CA_CERT);
	cr_assert_str_eq(e->origin, FIX("client-ec.der"));
	cr_assert_eq(cred_set_entry(set, 1)->type, NRFCRED_TYPE_PSK);
	cr_assert_null(cred_set_entry(set, 2));
}

Test(cred, holds_at_most_one_table_of_entries)
{
	for (uint32_t i = 0; i < NRFCRED_TABLE_MAX_ENTRIES; i++)
		cr_assert_eq(
			cred_set_add_value(set, i, NRFCRED_TYPE_PSK_IDENTITY, "id", NULL, &diag),
			CRED_OK);
	cr_assert_eq(cred_set_add_value(set, 1000, NRFCRED_TYPE_PSK_IDENTITY, "id", NULL, &diag),
		     CRED_ERR_TOO_MANY);
}

Test(cred, warns_once_for_the_nrf_cloud_sec_tag)
{
	cr_assert_eq(cred_set_add_value(set, 16842753, NRFCRED_TYPE_PSK, "0a", NULL, &diag),
		     CRED_OK);
	cr_assert_eq(cred_set_add_value(set, 16842753, NRFCRED_TYPE_PSK_IDENTITY, "x", NULL, &diag),
		     CRED_OK);
	cr_assert_eq(cred_set_warning_count(set), 1);
	cr_assert_not_null(strstr(cred_set_warning(set, 0)->text, "nRF Cloud"));
}

Test(cred, rejects_unsupported_type_and_out_of_range_sec_tag)
{
	cr_assert_eq(cred_set_add_value(set, 1, NRFCRED_TYPE_PUBLIC_KEY, "x", NULL, &diag),
		     CRED_ERR_TYPE);
	cr_assert_eq(cred_set_add_value(set, 1, (enum nrfcred_cred_type)42, "x", NULL, &diag),
		     CRED_ERR_TYPE);
	cr_assert_eq(cred_set_add_value(set, 2147483648u, NRFCRED_TYPE_PSK, "00", NULL, &diag),
		     CRED_ERR_SEC_TAG);
	cr_assert_eq(cred_set_count(set), 0);
}

/* ---------------------------------------------------------------- PSK */

Test(cred, psk_drops_prefix_and_is_stored_as_lower_case_hex)
{
	cr_assert_eq(cred_set_add_value(set, 1, NRFCRED_TYPE_PSK, "0XCAFEbabe", NULL, &diag),
		     CRED_OK);
	const struct cred_entry *e = cred_set_entry(set, 0);
	cr_assert_eq(e->len, 8);
	cr_assert_eq(memcmp(e->content, "cafebabe", 8), 0);
}

Test(cred, psk_must_be_one_to_64_bytes_of_even_length_hex_and_never_echoed)
{
	char max[129];
	memset(max, 'A', 128);
	max[128] = '\0';
	cr_assert_eq(cred_set_add_value(set, 1, NRFCRED_TYPE_PSK, max, NULL, &diag), CRED_OK);
	char big[131];
	memset(big, 'b', 130);
	big[130] = '\0';
	cr_assert_eq(cred_set_add_value(set, 2, NRFCRED_TYPE_PSK, big, NULL, &diag), CRED_ERR_PSK);
	cr_assert_not_null(strstr(diag.detail, "65 bytes"), "%s", diag.detail);
	cr_assert_eq(cred_set_add_value(set, 2, NRFCRED_TYPE_PSK, "abc", NULL, &diag),
		     CRED_ERR_PSK);
	cr_assert_not_null(strstr(diag.detail, "odd"));
	cr_assert_null(strstr(diag.detail, "abc"));
	cr_assert_eq(cred_set_add_value(set, 2, NRFCRED_TYPE_PSK, "12g4", NULL, &diag),
		     CRED_ERR_PSK);
	cr_assert_not_null(strstr(diag.detail, "character 3"), "%s", diag.detail);
	cr_assert_null(strstr(diag.detail, "12g4"));
	cr_assert_eq(cred_set_add_value(set, 2, NRFCRED_TYPE_PSK, "0x", NULL, &diag), CRED_ERR_PSK);
	cr_assert_eq(cred_set_add_value(set, 2, NRFCRED_TYPE_PSK, "", NULL, &diag), CRED_ERR_EMPTY);
	cr_assert_eq(cred_set_count(set), 1);
}

Test(cred, psk_identity_is_printable_ascii_up_to_128_bytes_without_quote)
{
	cr_assert_eq(cred_set_add_value(set, 1, NRFCRED_TYPE_PSK_IDENTITY, "nrf-352656100000001",
					NULL, &diag),
		     CRED_OK);
	char id[130];
	memset(id, 'i', 129);
	id[129] = '\0';
	cr_assert_eq(cred_set_add_value(set, 2, NRFCRED_TYPE_PSK_IDENTITY, id, NULL, &diag),
		     CRED_ERR_PSK_IDENTITY);
	cr_assert_not_null(strstr(diag.detail, "129 bytes"), "%s", diag.detail);
	id[128] = '\0';
	cr_assert_eq(cred_set_add_value(set, 2, NRFCRED_TYPE_PSK_IDENTITY, id, NULL, &diag),
		     CRED_OK);
	cr_assert_eq(cred_set_add_value(set, 3, NRFCRED_TYPE_PSK_IDENTITY, "a\"b", NULL, &diag),
		     CRED_ERR_PSK_IDENTITY);
	cr_assert_eq(cred_set_add_value(set, 3, NRFCRED_TYPE_PSK_IDENTITY, "a\tb", NULL, &diag),
		     CRED_ERR_PSK_IDENTITY);
	cr_assert_eq(
		cred_set_add_value(set, 3, NRFCRED_TYPE_PSK_IDENTITY, "caf\xc3\xa9", NULL, &diag),
		CRED_ERR_PSK_IDENTITY);
}

Test(cred, psk_and_identity_files_lose_their_trailing_line_end)
{
	cr_assert_eq(add_file(2, NRFCRED_TYPE_PSK, FIX("psk.txt")), CRED_OK, "%s", diag.detail);
	cr_assert_eq(add_file(2, NRFCRED_TYPE_PSK_IDENTITY, FIX("identity.txt")), CRED_OK, "%s",
		     diag.detail);
	const struct cred_entry *psk = cred_set_find(set, 2, NRFCRED_TYPE_PSK);
	cr_assert_eq(psk->len, 8);
	cr_assert_eq(memcmp(psk->content, "deadbeef", 8), 0);
	const struct cred_entry *id = cred_set_find(set, 2, NRFCRED_TYPE_PSK_IDENTITY);
	cr_assert_eq(id->len, 19);
	cr_assert_eq(memcmp(id->content, "nrf-352656100000001", 19), 0);
}

Test(cred, value_origin_label_appears_in_messages)
{
	struct cred_add_opts opts = {.origin = "station.ini [credential cloud]"};
	cr_assert_eq(cred_set_add_value(set, 1, NRFCRED_TYPE_PSK, "xyz1", &opts, &diag),
		     CRED_ERR_PSK);
	cr_assert_not_null(strstr(diag.detail, "station.ini [credential cloud]"), "%s",
			   diag.detail);
}

/* ------------------------------------------------------------- sec_tag */

Test(cred, sec_tag_parse_is_strict_decimal_without_overflow)
{
	uint32_t tag = 1;
	cr_assert_eq(cred_sec_tag_parse("0", &tag, &diag), CRED_OK);
	cr_assert_eq(tag, 0);
	cr_assert_eq(cred_sec_tag_parse("2147483647", &tag, &diag), CRED_OK);
	cr_assert_eq(tag, 2147483647u);
	cr_assert_eq(cred_sec_tag_parse("16842753", &tag, &diag), CRED_OK);
	cr_assert_eq(tag, 16842753u);
	const char *bad[] = {
		"",    "2147483648", "99999999999999999999999", "-1", "+1", " 1", "1 ", "0x10",
		"1e3", "12a"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		tag = 77;
		cr_assert_eq(cred_sec_tag_parse(bad[i], &tag, &diag), CRED_ERR_SEC_TAG, "'%s'",
			     bad[i]);
		cr_assert_eq(tag, 77, "'%s' wrote the output", bad[i]);
	}
}

/* ------------------------------------------------------------------ raw */

Test(cred, from_raw_rebuilds_an_identical_set_and_revalidates)
{
	cr_assert_eq(add_file(4, NRFCRED_TYPE_CA_CERT, FIX("ca-ec.der")), CRED_OK);
	cr_assert_eq(add_file(4, NRFCRED_TYPE_CLIENT_CERT, FIX("client-ec.pem")), CRED_OK);
	cr_assert_eq(add_key(4, FIX("client-ec-des3.p8"), "test-passphrase"), CRED_OK);
	cr_assert_eq(cred_set_add_value(set, 5, NRFCRED_TYPE_PSK, "ABCD", NULL, &diag), CRED_OK);
	cr_assert_eq(cred_set_add_value(set, 5, NRFCRED_TYPE_PSK_IDENTITY, "me", NULL, &diag),
		     CRED_OK);
	size_t n = cred_set_count(set);
	struct cred_raw raw[5];
	for (size_t i = 0; i < n; i++) {
		const struct cred_entry *e = cred_set_entry(set, i);
		raw[i] = (struct cred_raw){e->sec_tag, e->type, e->content, e->len};
	}
	struct cred_set *back = NULL;
	cr_assert_eq(cred_set_from_raw(raw, n, NULL, &back, &diag), CRED_OK, "%s", diag.detail);
	cr_assert_eq(cred_set_count(back), n);
	for (size_t i = 0; i < n; i++) {
		const struct cred_entry *a = cred_set_entry(set, i);
		const struct cred_entry *b = cred_set_entry(back, i);
		cr_assert_eq(a->type, b->type);
		cr_assert_eq(memcmp(a->sha256, b->sha256, 32), 0);
	}
	cr_assert_str_eq(cred_set_entry(back, 3)->origin, "table entry 3");
	cred_set_destroy(back);
}

Test(cred, from_raw_rejects_mismatched_pair_and_bad_content)
{
	char *cert = slurp(FIX("client-ec.pem"), NULL);
	struct cred_set *s = cred_set_create(NULL);
	cr_assert_eq(
		cred_set_add_file(s, 1, NRFCRED_TYPE_CLIENT_KEY, FIX("other-ec.key"), NULL, &diag),
		CRED_OK);
	const struct cred_entry *key = cred_set_entry(s, 0);
	struct cred_raw raw[2] = {
		{1, NRFCRED_TYPE_CLIENT_CERT, (const uint8_t *)cert, strlen(cert)},
		{1, NRFCRED_TYPE_CLIENT_KEY, key->content, key->len},
	};
	struct cred_set *back = (struct cred_set *)1;
	cr_assert_eq(cred_set_from_raw(raw, 2, NULL, &back, &diag), CRED_ERR_KEY_MISMATCH);
	cr_assert_null(back);
	cr_assert_not_null(strstr(diag.detail, "table entry 1"), "%s", diag.detail);
	assert_no_key_text(diag.detail, FIX("other-ec.key"));

	char *enc = slurp(FIX("client-ec-des3.p8"), NULL);
	struct cred_raw one = {2, NRFCRED_TYPE_CLIENT_KEY, (const uint8_t *)enc, strlen(enc)};
	cr_assert_eq(cred_set_from_raw(&one, 1, NULL, &back, &diag), CRED_ERR_KEY);
	char *der = slurp(FIX("ca-ec.der"), NULL);
	one = (struct cred_raw){2, NRFCRED_TYPE_CA_CERT, (const uint8_t *)der, 410};
	cr_assert_eq(cred_set_from_raw(&one, 1, NULL, &back, &diag), CRED_ERR_CERT);
	one = (struct cred_raw){2, NRFCRED_TYPE_PSK, (const uint8_t *)"0xab", 4};
	cr_assert_eq(cred_set_from_raw(&one, 1, NULL, &back, &diag), CRED_ERR_PSK);
	cred_set_destroy(s);
	free(cert);
	free(enc);
	free(der);
}

Test(cred, raw_content_is_kept_byte_for_byte)
{
	const char *psk = "ABcd";
	cr_assert_eq(
		cred_set_add_raw(set, 1, NRFCRED_TYPE_PSK, (const uint8_t *)psk, 4, NULL, &diag),
		CRED_OK);
	cr_assert_eq(memcmp(cred_set_entry(set, 0)->content, "ABcd", 4), 0);
	char *crlf = slurp(FIX("ca-ec-crlf.pem"), NULL);
	cr_assert_eq(cred_set_add_raw(set, 1, NRFCRED_TYPE_CA_CERT, (const uint8_t *)crlf,
				      strlen(crlf), NULL, &diag),
		     CRED_OK, "%s", diag.detail);
	cr_assert_not_null(memchr(cred_set_entry(set, 1)->content, '\r', strlen(crlf)));
	free(crlf);
}

/* ---------------------------------------------------------- names, errors */

Test(cred, type_names_and_parse_follow_at_cmng_numbers)
{
	cr_assert_str_eq(cred_type_name(NRFCRED_TYPE_CA_CERT), "CA certificate");
	cr_assert_str_eq(cred_type_short_name(NRFCRED_TYPE_CLIENT_KEY), "client_key");
	cr_assert_str_eq(cred_type_name((enum nrfcred_cred_type)99), "unknown credential type");
	enum nrfcred_cred_type t;
	cr_assert(cred_type_parse("psk_identity", &t));
	cr_assert_eq(t, NRFCRED_TYPE_PSK_IDENTITY);
	cr_assert(cred_type_parse("CA_cert", &t));
	cr_assert_eq(t, NRFCRED_TYPE_CA_CERT);
	cr_assert(cred_type_parse("client_private_key", &t));
	cr_assert_eq(t, NRFCRED_TYPE_CLIENT_KEY);
	cr_assert(cred_type_parse("3", &t));
	cr_assert_eq(t, NRFCRED_TYPE_PSK);
	cr_assert_not(cred_type_parse("7", &t));
	cr_assert_not(cred_type_parse("cert", &t));
	cr_assert_not(cred_type_parse("", &t));
	cr_assert(cred_type_supported(NRFCRED_TYPE_PSK_IDENTITY));
	cr_assert_not(cred_type_supported(NRFCRED_TYPE_PUBLIC_KEY));
}

Test(cred, every_error_has_its_own_message)
{
	for (int a = 0; a < CRED_ERR_COUNT; a++) {
		cr_assert_not_null(cred_strerror((enum cred_err)a));
		for (int b = a + 1; b < CRED_ERR_COUNT; b++)
			cr_assert_str_neq(cred_strerror((enum cred_err)a),
					  cred_strerror((enum cred_err)b));
	}
	cr_assert_str_eq(cred_strerror((enum cred_err) - 1), "unknown error");
}
