#include <criterion/criterion.h>
#include <string.h>

#include "image/digest.h"
#include "provision/result.h"
#include "provision/table.h"

/* 3GPP TS 23.003 Annex B example: 49015420323751 has check digit 8. */
static const char IMEI[] = "490154203237518";
static const char PSK[] = "cafebabe";
static const char IDENT[] = "nrf-490154203237518";

static struct table *sent_table(void)
{
	struct table *t = table_create(0);
	cr_assert_eq(table_add(t, 42, NRFCRED_TYPE_PSK, 0, PSK, 8, false, NULL), TABLE_OK);
	cr_assert_eq(
		table_add(t, 42, NRFCRED_TYPE_PSK_IDENTITY, 0, IDENT, strlen(IDENT), false, NULL),
		TABLE_OK);
	return t;
}

/* The result a well-behaved firmware writes for table t. */
static struct result good_result(const struct table *t)
{
	struct result r;
	memset(&r, 0, sizeof(r));
	r.status = NRFCRED_RES_OK;
	r.count = (uint16_t)table_count(t);
	r.table_crc32 = table_entries_crc32(t);
	r.fail_index = NRFCRED_RESULT_NO_FAIL;
	strcpy(r.imei, IMEI);
	strcpy(r.modem_fw, "mfw_nrf9160_1.3.5");
	for (size_t i = 0; i < r.count; i++) {
		const struct table_entry *e = table_entry_at(t, i);
		r.entries[i].sec_tag = e->sec_tag;
		r.entries[i].type = e->type;
		r.entries[i].flags = NRFCRED_RESULT_E_WRITTEN | NRFCRED_RESULT_E_HASH_VALID;
		sha256(e->data, e->len, r.entries[i].sha256);
	}
	return r;
}

static size_t encode(const struct result *r, uint8_t *buf, size_t cap)
{
	size_t len = 0;
	cr_assert_eq(result_encode(r, buf, cap, &len), RESULT_OK);
	return len;
}

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* Re-seal the trailing CRC after an edit (CRC of [4, total - 4)). */
static void reseal(uint8_t *buf, size_t total)
{
	put32(buf + total - 4, crc32_ieee(buf + 4, total - 8));
}

Test(result, encodes_fields_at_fixed_offsets)
{
	struct table *t = sent_table();
	struct result r = good_result(t);
	uint8_t buf[1024];
	size_t len = encode(&r, buf, sizeof(buf));
	cr_assert_eq(len, NRFCRED_RESULT_SIZE(2));
	cr_assert_eq(len, 72 + 2 * 44 + 4);
	cr_assert_eq(buf[0], 0);
	cr_assert_eq(buf[4], 'N');
	cr_assert_eq(buf[10], 2);
	cr_assert_eq(buf[12], len);
	cr_assert_eq(buf[20], 0xFF);
	cr_assert_eq(memcmp(buf + 24, IMEI, 16), 0);
	cr_assert_eq(buf[72], 42);
	cr_assert_eq(buf[76], NRFCRED_TYPE_PSK);
	cr_assert_eq(buf[116 + 4], NRFCRED_TYPE_PSK_IDENTITY);
	table_destroy(t);
}

Test(result, decodes_and_passes_check_for_matching_table)
{
	struct table *t = sent_table();
	struct result r = good_result(t), got;
	uint8_t buf[1024];
	size_t len = encode(&r, buf, sizeof(buf));
	cr_assert_eq(result_decode(buf, len, 4096, &got, NULL), RESULT_OK);
	cr_assert_str_eq(got.imei, IMEI);
	cr_assert_str_eq(got.modem_fw, "mfw_nrf9160_1.3.5");
	cr_assert_eq(got.count, 2);
	cr_assert_eq(memcmp(got.entries[1].sha256, r.entries[1].sha256, 32), 0);
	struct provision_diag d;
	cr_assert_eq(result_check(&got, t, RESULT_DIGEST_REQUIRE, &d), RESULT_OK, "%s", d.text);
	table_destroy(t);
}

Test(result, reports_pending_when_status_erased)
{
	uint8_t buf[256];
	memset(buf, 0xFF, sizeof(buf));
	struct result got;
	cr_assert_eq(result_decode(buf, sizeof(buf), 4096, &got, NULL), RESULT_PENDING);
	cr_assert_eq(got.status, NRFCRED_RESULT_STATUS_PENDING);
	cr_assert_eq(result_check(&got, NULL, RESULT_DIGEST_REQUIRE, NULL), RESULT_PENDING);
	cr_assert_str_eq(result_status_name(NRFCRED_RESULT_STATUS_PENDING), "pending");
}

Test(result, rejects_malformed_header_fields)
{
	struct table *t = sent_table();
	struct result r = good_result(t), got;
	uint8_t buf[1024], orig[1024];
	size_t len = encode(&r, buf, sizeof(buf));
	memcpy(orig, buf, len);

	cr_assert_eq(result_decode(buf, 2, 4096, &got, NULL), RESULT_ERR_TRUNCATED);
	cr_assert_eq(result_decode(buf, 50, 4096, &got, NULL), RESULT_ERR_TRUNCATED);
	cr_assert_eq(result_decode(buf, len - 1, 4096, &got, NULL), RESULT_ERR_TRUNCATED);
	buf[4] ^= 1;
	cr_assert_eq(result_decode(buf, len, 4096, &got, NULL), RESULT_ERR_MAGIC);
	memcpy(buf, orig, len);
	buf[8] = 9;
	reseal(buf, len);
	cr_assert_eq(result_decode(buf, len, 4096, &got, NULL), RESULT_ERR_VERSION);
	memcpy(buf, orig, len);
	buf[10] = 65;
	cr_assert_eq(result_decode(buf, len, 4096, &got, NULL), RESULT_ERR_COUNT);
	memcpy(buf, orig, len);
	buf[10] = 1; /* total_len no longer matches count */
	cr_assert_eq(result_decode(buf, len, 4096, &got, NULL), RESULT_ERR_LENGTH);
	table_destroy(t);
}

Test(result, rejects_total_len_above_result_max)
{
	struct table *t = sent_table();
	struct result r = good_result(t), got;
	uint8_t buf[1024];
	size_t len = encode(&r, buf, sizeof(buf));
	struct provision_diag d;
	cr_assert_eq(result_decode(buf, len, (uint32_t)len - 4, &got, &d), RESULT_ERR_LENGTH);
	cr_assert(strstr(d.text, "164") != NULL, "%s", d.text);
	table_destroy(t);
}

Test(result, rejects_crc_mismatch)
{
	struct table *t = sent_table();
	struct result r = good_result(t), got;
	uint8_t buf[1024];
	size_t len = encode(&r, buf, sizeof(buf));
	buf[100] ^= 0x40; /* inside entry 0's SHA-256 */
	cr_assert_eq(result_decode(buf, len, 4096, &got, NULL), RESULT_ERR_CRC);
	table_destroy(t);
}

Test(result, rejects_malformed_imei_and_unterminated_modem_fw)
{
	struct table *t = sent_table();
	struct result r = good_result(t), got;
	uint8_t buf[1024], orig[1024];
	size_t len = encode(&r, buf, sizeof(buf));
	memcpy(orig, buf, len);
	buf[24 + 3] = 'x';
	reseal(buf, len);
	cr_assert_eq(result_decode(buf, len, 4096, &got, NULL), RESULT_ERR_IMEI_FORMAT);
	memcpy(buf, orig, len);
	buf[24 + 15] = '1'; /* no NUL after 15 digits */
	reseal(buf, len);
	cr_assert_eq(result_decode(buf, len, 4096, &got, NULL), RESULT_ERR_IMEI_FORMAT);
	memcpy(buf, orig, len);
	buf[24 + 14] = 0; /* 14 digits */
	reseal(buf, len);
	cr_assert_eq(result_decode(buf, len, 4096, &got, NULL), RESULT_ERR_IMEI_FORMAT);
	memcpy(buf, orig, len);
	memset(buf + 40, 'A', 32);
	reseal(buf, len);
	cr_assert_eq(result_decode(buf, len, 4096, &got, NULL), RESULT_ERR_MODEM_FW);
	table_destroy(t);
}

/* The modem firmware string reaches the CSV, JSON and a terminal: a board
 * that puts an escape sequence or a line break in it is refused, with the
 * byte named (it is no secret) but not echoed raw. */
Test(result, rejects_a_modem_firmware_string_with_control_bytes)
{
	struct table *t = sent_table();
	struct result r = good_result(t), got;
	const char *hostile[] = {"mfw\x1b[2J", "mfw\r\n=1+1", "mfw\x7f", "mfw\xc3\xa9"};
	for (size_t i = 0; i < sizeof hostile / sizeof hostile[0]; i++) {
		uint8_t buf[1024];
		size_t len = encode(&r, buf, sizeof(buf));
		memset(buf + 40, 0, 32);
		memcpy(buf + 40, hostile[i], strlen(hostile[i]));
		reseal(buf, len);
		struct provision_diag d;
		cr_assert_eq(result_decode(buf, len, 4096, &got, &d), RESULT_ERR_MODEM_FW, "%zu",
			     i);
		cr_assert(strstr(d.text, "non-printable byte 0x") &&
				  !strpbrk(d.text, "\x1b\r\n\x7f"),
			  "%s", d.text);
	}
	/* Printable text that a spreadsheet would run is the CSV's to defuse. */
	uint8_t buf[1024];
	size_t len = encode(&r, buf, sizeof(buf));
	memset(buf + 40, 0, 32);
	memcpy(buf + 40, "=HYPERLINK(\"x\")", 16);
	reseal(buf, len);
	cr_assert_eq(result_decode(buf, len, 4096, &got, NULL), RESULT_OK);
	cr_assert_str_eq(got.modem_fw, "=HYPERLINK(\"x\")");
	table_destroy(t);
}

Test(result, rejects_bad_entry_type_and_fail_index)
{
	struct table *t = sent_table();
	struct result r = good_result(t), got;
	uint8_t buf[1024], orig[1024];
	size_t len = encode(&r, buf, sizeof(buf));
	memcpy(orig, buf, len);
	buf[76] = 9;
	reseal(buf, len);
	cr_assert_eq(result_decode(buf, len, 4096, &got, NULL), RESULT_ERR_ENTRY);
	memcpy(buf, orig, len);
	buf[20] = 2;
	buf[21] = 0;
	reseal(buf, len);
	cr_assert_eq(result_decode(buf, len, 4096, &got, NULL), RESULT_ERR_FAIL_INDEX);
	table_destroy(t);
}

Test(result, check_reports_firmware_failure_with_entry_and_modem_code)
{
	struct table *t = sent_table();
	struct result r = good_result(t);
	r.status = NRFCRED_RES_CRED_WRITE;
	r.fail_index = 1;
	r.entries[1].modem_code = 514;
	r.entries[1].flags = 0;
	struct provision_diag d;
	cr_assert_eq(result_check(&r, t, RESULT_DIGEST_REQUIRE, &d), RESULT_ERR_STATUS);
	cr_assert(strstr(d.text, "credential write failed") && strstr(d.text, "514") &&
			  strstr(d.text, "PSK identity"),
		  "%s", d.text);
	table_destroy(t);
}

Test(result, check_rejects_other_table_and_entry_count)
{
	struct table *t = sent_table();
	struct result r = good_result(t);
	r.table_crc32 ^= 1;
	cr_assert_eq(result_check(&r, t, RESULT_DIGEST_REQUIRE, NULL), RESULT_ERR_TABLE_CRC);
	r = good_result(t);
	r.count = 1;
	cr_assert_eq(result_check(&r, t, RESULT_DIGEST_REQUIRE, NULL), RESULT_ERR_ENTRY_COUNT);
	table_destroy(t);
}

Test(result, check_rejects_entries_out_of_order)
{
	struct table *t = sent_table();
	struct result r = good_result(t);
	struct result_entry tmp = r.entries[0];
	r.entries[0] = r.entries[1];
	r.entries[1] = tmp;
	cr_assert_eq(result_check(&r, t, RESULT_DIGEST_REQUIRE, NULL), RESULT_ERR_ENTRY_MISMATCH);
	r = good_result(t);
	r.entries[1].sec_tag = 43;
	cr_assert_eq(result_check(&r, t, RESULT_DIGEST_REQUIRE, NULL), RESULT_ERR_ENTRY_MISMATCH);
	table_destroy(t);
}

Test(result, check_rejects_modem_code_and_missing_flags)
{
	struct table *t = sent_table();
	struct result r = good_result(t);
	r.entries[0].modem_code = -1;
	cr_assert_eq(result_check(&r, t, RESULT_DIGEST_REQUIRE, NULL), RESULT_ERR_MODEM_CODE);
	r = good_result(t);
	r.entries[1].flags &= (uint8_t)~NRFCRED_RESULT_E_HASH_VALID;
	cr_assert_eq(result_check(&r, t, RESULT_DIGEST_REQUIRE, NULL), RESULT_ERR_HASH_MISSING);
	r = good_result(t);
	r.entries[1].flags &= (uint8_t)~NRFCRED_RESULT_E_WRITTEN;
	cr_assert_eq(result_check(&r, t, RESULT_DIGEST_REQUIRE, NULL), RESULT_ERR_NOT_WRITTEN);
	table_destroy(t);
}

Test(result, check_rejects_hash_of_other_content)
{
	struct table *t = sent_table();
	struct result r = good_result(t);
	sha256("cafebabf", 8, r.entries[0].sha256);
	struct provision_diag d;
	cr_assert_eq(result_check(&r, t, RESULT_DIGEST_REQUIRE, &d), RESULT_ERR_HASH_MISMATCH);
	cr_assert(strstr(d.text, "cafebabe") == NULL, "no content in the message");
	cr_assert(strstr(d.text, "sec_tag 42") != NULL, "%s", d.text);
	table_destroy(t);
}

/* Entry 0 is a PSK: neither the digest sent nor the modem's (of a PSK one
 * byte off) may be in the message, not even their first 16 hex digits. */
static bool holds_hex_prefix_of(const char *text, const void *data, size_t len)
{
	uint8_t d[SHA256_LEN];
	char hex[SHA256_HEX_LEN];
	sha256(data, len, d);
	sha256_hex(d, hex);
	hex[8] = '\0';
	return strstr(text, hex) != NULL;
}

Test(result, hash_mismatch_of_a_secret_shows_no_digest)
{
	struct table *t = sent_table();
	struct result r = good_result(t);
	sha256("cafebabf", 8, r.entries[0].sha256);
	struct provision_diag d;
	cr_assert_eq(result_check(&r, t, RESULT_DIGEST_REQUIRE, &d), RESULT_ERR_HASH_MISMATCH);
	cr_assert(!holds_hex_prefix_of(d.text, PSK, 8), "%s", d.text);
	cr_assert(!holds_hex_prefix_of(d.text, "cafebabf", 8), "%s", d.text);
	cr_assert(strstr(d.text, "PSK") && strstr(d.text, "other bytes"), "%s", d.text);
	table_destroy(t);
}

/* An identity is public: its fingerprints help whoever debugs the line. */
Test(result, hash_mismatch_of_an_identity_shows_both_digests)
{
	struct table *t = sent_table();
	struct result r = good_result(t);
	sha256("other-identity", 14, r.entries[1].sha256);
	struct provision_diag d;
	cr_assert_eq(result_check(&r, t, RESULT_DIGEST_REQUIRE, &d), RESULT_ERR_HASH_MISMATCH);
	cr_assert(holds_hex_prefix_of(d.text, IDENT, strlen(IDENT)), "%s", d.text);
	cr_assert(holds_hex_prefix_of(d.text, "other-identity", 14), "%s", d.text);
	table_destroy(t);
}

Test(result, check_rejects_imei_with_wrong_luhn_digit)
{
	struct table *t = sent_table();
	struct result r = good_result(t);
	strcpy(r.imei, "490154203237519");
	cr_assert_eq(result_check(&r, t, RESULT_DIGEST_REQUIRE, NULL), RESULT_ERR_IMEI_LUHN);
	r.imei[0] = 0;
	cr_assert_eq(result_check(&r, t, RESULT_DIGEST_REQUIRE, NULL), RESULT_ERR_IMEI_LUHN);
	table_destroy(t);
}

Test(result, luhn_accepts_known_imeis_only)
{
	cr_assert(result_imei_valid("490154203237518"));
	cr_assert(result_imei_valid("352656100000002")); /* 35265610000000, check 2 */
	cr_assert(result_imei_valid("000000000000000"));
	cr_assert_not(result_imei_valid("490154203237517"));
	cr_assert_not(result_imei_valid("49015420323751"));
	cr_assert_not(result_imei_valid("4901542032375180"));
	cr_assert_not(result_imei_valid("49015420323751a"));
}

Test(result, imei_only_result_checks_against_empty_table)
{
	struct table *t = table_create(NRFCRED_TABLE_F_IMEI_ONLY);
	struct result r = good_result(t), got;
	uint8_t buf[256];
	size_t len = encode(&r, buf, sizeof(buf));
	cr_assert_eq(len, NRFCRED_RESULT_SIZE(0));
	cr_assert_eq(result_decode(buf, len, 4096, &got, NULL), RESULT_OK);
	cr_assert_eq(result_check(&got, t, RESULT_DIGEST_REQUIRE, NULL), RESULT_OK);
	table_destroy(t);
}

Test(result, names_every_status_and_error)
{
	for (uint32_t s = NRFCRED_RES_OK; s <= NRFCRED_RES_NEEDS_SESSION; s++)
		cr_assert_str_neq(result_status_name(s), "unknown");
	cr_assert_str_eq(result_status_name(21), "unknown");
	for (int e = RESULT_OK; e <= RESULT_ERR_DIGEST_UNAVAILABLE; e++)
		cr_assert_str_neq(result_strerror((result_err)e), "unknown result error");
}

/* The result firmware writes when mfw < 1.3.2 lists entries without <sha>. */
static struct result undigested_result(const struct table *t, size_t which)
{
	struct result r = good_result(t);
	strcpy(r.modem_fw, "mfw_nrf9160_1.2.3");
	r.entries[which].flags = NRFCRED_RESULT_E_WRITTEN | NRFCRED_RESULT_E_LISTED_NO_DIGEST;
	memset(r.entries[which].sha256, 0, 32);
	return r;
}

Test(result, decode_accepts_the_listed_without_digest_flag)
{
	struct table *t = sent_table();
	struct result r = undigested_result(t, 1), got;
	uint8_t buf[1024];
	size_t len = encode(&r, buf, sizeof(buf));
	cr_assert_eq(result_decode(buf, len, 4096, &got, NULL), RESULT_OK);
	cr_assert_eq(got.entries[1].flags,
		     NRFCRED_RESULT_E_WRITTEN | NRFCRED_RESULT_E_LISTED_NO_DIGEST);
	cr_assert_eq(result_count_undigested(&got), 1);
	table_destroy(t);
}

Test(result, decode_rejects_listed_without_digest_in_impossible_combinations)
{
	struct table *t = sent_table();
	uint8_t buf[1024];
	struct result got;
	/* with hash-valid as well */
	struct result r = undigested_result(t, 0);
	r.entries[0].flags |= NRFCRED_RESULT_E_HASH_VALID;
	size_t len = encode(&r, buf, sizeof(buf));
	cr_assert_eq(result_decode(buf, len, 4096, &got, NULL), RESULT_ERR_ENTRY);
	/* without written */
	r = undigested_result(t, 0);
	r.entries[0].flags = NRFCRED_RESULT_E_LISTED_NO_DIGEST;
	len = encode(&r, buf, sizeof(buf));
	cr_assert_eq(result_decode(buf, len, 4096, &got, NULL), RESULT_ERR_ENTRY);
	/* with digest bytes */
	r = undigested_result(t, 0);
	r.entries[0].sha256[31] = 1;
	len = encode(&r, buf, sizeof(buf));
	struct provision_diag d;
	cr_assert_eq(result_decode(buf, len, 4096, &got, &d), RESULT_ERR_ENTRY);
	cr_assert(strstr(d.text, "entry 0") != NULL, "%s", d.text);
	/* an unknown flag still is malformed */
	r = good_result(t);
	r.entries[0].flags |= 0x10;
	len = encode(&r, buf, sizeof(buf));
	cr_assert_eq(result_decode(buf, len, 4096, &got, NULL), RESULT_ERR_ENTRY);
	table_destroy(t);
}

Test(result, require_policy_fails_an_undigested_entry_with_its_own_error)
{
	struct table *t = sent_table();
	struct result r = undigested_result(t, 1);
	struct provision_diag d;
	cr_assert_eq(result_check(&r, t, RESULT_DIGEST_REQUIRE, &d), RESULT_ERR_DIGEST_UNAVAILABLE);
	cr_assert(strstr(d.text, "entry 1") && strstr(d.text, "sec_tag 42") &&
			  strstr(d.text, "mfw_nrf9160_1.2.3"),
		  "%s", d.text);
	cr_assert(strstr(d.text, IDENT) == NULL, "no content in the message");
	const char *msg = result_strerror(RESULT_ERR_DIGEST_UNAVAILABLE);
	cr_assert(strstr(msg, "no SHA-256") && strstr(msg, "1.3.2") &&
			  strstr(msg, "verify_digest = when_available"),
		  "%s", msg);
	table_destroy(t);
}

Test(result, when_available_policy_accepts_undigested_entries_and_counts_them)
{
	struct table *t = sent_table();
	struct result r = undigested_result(t, 0);
	r.entries[1].flags = NRFCRED_RESULT_E_WRITTEN | NRFCRED_RESULT_E_LISTED_NO_DIGEST;
	memset(r.entries[1].sha256, 0, 32);
	struct provision_diag d = {{0}};
	cr_assert_eq(result_check(&r, t, RESULT_DIGEST_WHEN_AVAILABLE, &d), RESULT_OK, "%s",
		     d.text);
	cr_assert_eq(result_count_undigested(&r), 2);
	/* a fully digested result counts 0 */
	struct result g = good_result(t);
	cr_assert_eq(result_check(&g, t, RESULT_DIGEST_WHEN_AVAILABLE, NULL), RESULT_OK);
	cr_assert_eq(result_count_undigested(&g), 0);
	table_destroy(t);
}

Test(result, when_available_policy_still_requires_a_present_digest_to_match)
{
	struct table *t = sent_table();
	struct result r = undigested_result(t, 1);
	sha256("cafebabf", 8, r.entries[0].sha256); /* entry 0 has a wrong digest */
	cr_assert_eq(result_check(&r, t, RESULT_DIGEST_WHEN_AVAILABLE, NULL),
		     RESULT_ERR_HASH_MISMATCH);
	/* neither hash-valid nor listed: still the old "no SHA-256" error */
	r = good_result(t);
	r.entries[0].flags = NRFCRED_RESULT_E_WRITTEN;
	cr_assert_eq(result_check(&r, t, RESULT_DIGEST_WHEN_AVAILABLE, NULL),
		     RESULT_ERR_HASH_MISSING);
	/* the other checks still apply after an undigested entry */
	r = undigested_result(t, 0);
	strcpy(r.imei, "490154203237519");
	cr_assert_eq(result_check(&r, t, RESULT_DIGEST_WHEN_AVAILABLE, NULL), RESULT_ERR_IMEI_LUHN);
	r = undigested_result(t, 0);
	r.entries[1].modem_code = 515;
	cr_assert_eq(result_check(&r, t, RESULT_DIGEST_WHEN_AVAILABLE, NULL),
		     RESULT_ERR_MODEM_CODE);
	table_destroy(t);
}

Test(result, a_keygen_entry_decodes_and_leaves_its_digest_to_the_caller)
{
	struct table *t = table_create(0);
	cr_assert_eq(table_add(t, 7, NRFCRED_TYPE_KEYGEN, 0, "100000000CN=352656100367872", 9 + 3 + 15, false,
			       NULL),
		     TABLE_OK);
	struct result r = good_result(t), got;
	/* The digest is of the certificate the host issued, not of the entry. */
	sha256("-----BEGIN CERTIFICATE-----", 27, r.entries[0].sha256);
	uint8_t buf[1024];
	size_t len = encode(&r, buf, sizeof(buf));
	cr_assert_eq(result_decode(buf, len, 4096, &got, NULL), RESULT_OK);
	cr_assert_eq(got.entries[0].type, NRFCRED_TYPE_KEYGEN);
	struct provision_diag d;
	cr_assert_eq(result_check(&got, t, RESULT_DIGEST_REQUIRE, &d), RESULT_OK, "%s", d.text);
	/* Not written is still a failure. */
	got.entries[0].flags = NRFCRED_RESULT_E_HASH_VALID;
	cr_assert_eq(result_check(&got, t, RESULT_DIGEST_REQUIRE, &d), RESULT_ERR_NOT_WRITTEN);
	table_destroy(t);
}
