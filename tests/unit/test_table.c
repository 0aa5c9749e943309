#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "image/digest.h"
#include "provision/table.h"

static const char PSK[] = "cafebabe";
static const char IDENT[] = "nrf-123456789012345";
static const char CERT[] = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";

static struct table *sample(void)
{
	struct table *t = table_create(0);
	cr_assert_not_null(t);
	cr_assert_eq(table_add(t, 1234, NRFCRED_TYPE_PSK, NRFCRED_ENTRY_F_DELETE_FIRST, PSK,
			       strlen(PSK), false, NULL),
		     TABLE_OK);
	cr_assert_eq(
		table_add(t, 1234, NRFCRED_TYPE_PSK_IDENTITY, 0, IDENT, strlen(IDENT), false, NULL),
		TABLE_OK);
	cr_assert_eq(
		table_add(t, 16842753, NRFCRED_TYPE_CA_CERT, 0, CERT, strlen(CERT), false, NULL),
		TABLE_OK);
	return t;
}

static size_t encode(const struct table *t, uint8_t *buf, size_t cap)
{
	size_t len = 0;
	cr_assert_eq(table_encode(t, buf, cap, &len, NULL), TABLE_OK);
	return len;
}

static uint32_t get32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* Re-seal the CRC after a deliberate edit so the decoder reaches the field
 * under test instead of stopping at the CRC. */
static void reseal(uint8_t *buf)
{
	uint32_t total = get32(buf + 8);
	put32(buf + 16, crc32_ieee(buf + 20, total - 20));
}

static table_err decode(const uint8_t *buf, size_t len, struct provision_diag *d)
{
	struct table *t = NULL;
	table_err err = table_decode(buf, len, &t, d);
	cr_assert_eq(err == TABLE_OK, t != NULL);
	table_destroy(t);
	return err;
}

Test(table, encodes_header_and_entries_at_fixed_offsets)
{
	struct table *t = sample();
	uint8_t buf[512];
	size_t len = encode(t, buf, sizeof(buf));
	/* 20 header + (8 + 8) + (8 + 19 + 1 pad) + (8 + cert + pad) */
	size_t cert_pad = (4 - strlen(CERT) % 4) % 4;
	cr_assert_eq(len, 20 + 16 + 28 + 8 + strlen(CERT) + cert_pad);
	cr_assert_eq(len, table_encoded_size(t));
	cr_assert_eq(get32(buf), NRFCRED_TABLE_MAGIC);
	cr_assert_eq(buf[4], 1);
	cr_assert_eq(buf[6], 3);
	cr_assert_eq(get32(buf + 8), len);
	cr_assert_eq(get32(buf + 16), crc32_ieee(buf + 20, len - 20));
	cr_assert_eq(get32(buf + 16), table_entries_crc32(t));
	cr_assert_eq(get32(buf + 20), 1234);
	cr_assert_eq(buf[24], NRFCRED_TYPE_PSK);
	cr_assert_eq(buf[25], NRFCRED_ENTRY_F_DELETE_FIRST);
	cr_assert_eq(buf[26], 8);
	cr_assert_eq(memcmp(buf + 28, PSK, 8), 0);
	cr_assert_eq(buf[36 + 6], 19);
	cr_assert_eq(buf[36 + 8 + 19], 0, "padding is zero");
	table_destroy(t);
}

Test(table, round_trips_through_decode)
{
	struct table *t = sample();
	uint8_t buf[512];
	size_t len = encode(t, buf, sizeof(buf));
	struct table *d = NULL;
	cr_assert_eq(table_decode(buf, len, &d, NULL), TABLE_OK);
	cr_assert_eq(table_count(d), 3);
	for (size_t i = 0; i < 3; i++) {
		const struct table_entry *a = table_entry_at(t, i), *b = table_entry_at(d, i);
		cr_assert_eq(a->sec_tag, b->sec_tag);
		cr_assert_eq(a->type, b->type);
		cr_assert_eq(a->flags, b->flags);
		cr_assert_eq(a->len, b->len);
		cr_assert_eq(memcmp(a->data, b->data, a->len), 0);
	}
	cr_assert_null(table_entry_at(d, 3));
	table_destroy(d);
	table_destroy(t);
}

Test(table, decodes_empty_imei_only_table)
{
	struct table *t = table_create(NRFCRED_TABLE_F_IMEI_ONLY);
	uint8_t buf[64];
	size_t len = encode(t, buf, sizeof(buf));
	cr_assert_eq(len, NRFCRED_TABLE_HEADER_SIZE);
	struct table *d = NULL;
	cr_assert_eq(table_decode(buf, len, &d, NULL), TABLE_OK);
	cr_assert_eq(table_count(d), 0);
	cr_assert_eq(table_flags(d), NRFCRED_TABLE_F_IMEI_ONLY);
	table_destroy(d);
	table_destroy(t);
}

Test(table, refuses_duplicate_unless_replace)
{
	struct table *t = sample();
	struct provision_diag d;
	cr_assert_eq(table_add(t, 1234, NRFCRED_TYPE_PSK, 0, "aa", 2, false, &d),
		     TABLE_ERR_DUPLICATE);
	cr_assert(strstr(d.text, "1234") != NULL);
	cr_assert_eq(table_add(t, 1234, NRFCRED_TYPE_PSK, 0, "aa", 2, true, NULL), TABLE_OK);
	cr_assert_eq(table_count(t), 3);
	cr_assert_eq(table_entry_at(t, 0)->len, 2, "replaced in place, order kept");
	cr_assert_eq(memcmp(table_entry_at(t, 0)->data, "aa", 2), 0);
	table_destroy(t);
}

Test(table, add_refuses_bad_type_sec_tag_and_content)
{
	struct table *t = table_create(0);
	cr_assert_eq(table_add(t, 1, NRFCRED_TYPE_COUNT, 0, "a", 1, false, NULL), TABLE_ERR_TYPE);
	/* KEYGEN (provision.h): 9 x 0/1, then a printable subject. */
	struct table *k = table_create(0);
	cr_assert_eq(table_add(k, 1, NRFCRED_TYPE_KEYGEN, 0, "100000000CN=x", 13, false, NULL),
		     TABLE_OK);
	table_destroy(k);
	cr_assert_eq(table_add(t, 2, NRFCRED_TYPE_KEYGEN, 0, "100000000", 9, false, NULL),
		     TABLE_ERR_CONTENT, "no subject");
	cr_assert_eq(table_add(t, 2, NRFCRED_TYPE_KEYGEN, 0, "10000000xCN=x", 13, false, NULL),
		     TABLE_ERR_CONTENT, "key usage digits");
	cr_assert_eq(table_add(t, 2, NRFCRED_TYPE_KEYGEN, 0, "100000000CN=\n", 13, false, NULL),
		     TABLE_ERR_CONTENT, "control character in the subject");
	cr_assert_eq(table_add(t, 2, NRFCRED_TYPE_KEYGEN + 1, 0, "a", 1, false, NULL),
		     TABLE_ERR_TYPE);
	cr_assert_str_eq(table_type_name(NRFCRED_TYPE_KEYGEN), "keygen (client key made by the modem)");
	cr_assert(!table_type_is_secret(NRFCRED_TYPE_KEYGEN));
	cr_assert_eq(table_add(t, NRFCRED_SEC_TAG_MAX + 1u, 0, 0, "a", 1, false, NULL),
		     TABLE_ERR_SEC_TAG);
	cr_assert_eq(table_add(t, 1, 0, 0, "a\"b", 3, false, NULL), TABLE_ERR_CONTENT);
	cr_assert_eq(table_add(t, 1, 0, 0, "a\0b", 3, false, NULL), TABLE_ERR_CONTENT);
	cr_assert_eq(table_add(t, 1, 0, 0, "", 0, false, NULL), TABLE_ERR_CONTENT);
	cr_assert_eq(table_add(t, 1, 0, 0x80, "a", 1, false, NULL), TABLE_ERR_FLAGS);
	cr_assert_eq(table_count(t), 0);
	table_destroy(t);
}

Test(table, add_refuses_the_65th_entry)
{
	struct table *t = table_create(0);
	for (uint32_t i = 0; i < NRFCRED_TABLE_MAX_ENTRIES; i++)
		cr_assert_eq(table_add(t, i, NRFCRED_TYPE_PSK, 0, "ab", 2, false, NULL), TABLE_OK);
	cr_assert_eq(table_add(t, 999, NRFCRED_TYPE_PSK, 0, "ab", 2, false, NULL), TABLE_ERR_COUNT);
	table_destroy(t);
}

Test(table, encode_reports_both_sizes_when_it_does_not_fit)
{
	struct table *t = sample();
	uint8_t buf[64];
	struct provision_diag d;
	size_t len;
	cr_assert_eq(table_encode(t, buf, sizeof(buf), &len, &d), TABLE_ERR_TOO_LARGE);
	char want[32];
	snprintf(want, sizeof(want), "%zu", table_encoded_size(t));
	cr_assert(strstr(d.text, want) && strstr(d.text, "64"), "%s", d.text);
	table_destroy(t);
}

Test(table, rejects_truncated_header_and_body)
{
	struct table *t = sample();
	uint8_t buf[512];
	size_t len = encode(t, buf, sizeof(buf));
	cr_assert_eq(decode(buf, 19, NULL), TABLE_ERR_TRUNCATED);
	cr_assert_eq(decode(buf, len - 1, NULL), TABLE_ERR_TRUNCATED);
	cr_assert_eq(decode(buf, len, NULL), TABLE_OK);
	table_destroy(t);
}

Test(table, rejects_bad_magic_and_version)
{
	struct table *t = sample();
	uint8_t buf[512];
	size_t len = encode(t, buf, sizeof(buf));
	buf[0] ^= 1;
	cr_assert_eq(decode(buf, len, NULL), TABLE_ERR_MAGIC);
	buf[0] ^= 1;
	buf[4] = 2;
	cr_assert_eq(decode(buf, len, NULL), TABLE_ERR_VERSION);
	table_destroy(t);
}

Test(table, rejects_count_above_maximum_and_count_mismatch)
{
	struct table *t = sample();
	uint8_t buf[512];
	size_t len = encode(t, buf, sizeof(buf));
	buf[6] = 65;
	cr_assert_eq(decode(buf, len, NULL), TABLE_ERR_COUNT);
	buf[6] = 2; /* two entries do not fill total_len */
	cr_assert_eq(decode(buf, len, NULL), TABLE_ERR_COUNT);
	buf[6] = 4; /* a fourth entry would run past total_len */
	cr_assert_eq(decode(buf, len, NULL), TABLE_ERR_LENGTH);
	table_destroy(t);
}

Test(table, rejects_total_len_out_of_bounds)
{
	struct table *t = sample();
	uint8_t buf[512];
	size_t len = encode(t, buf, sizeof(buf));
	put32(buf + 8, 16);
	cr_assert_eq(decode(buf, len, NULL), TABLE_ERR_LENGTH);
	put32(buf + 8, (uint32_t)len + 2);
	cr_assert_eq(decode(buf, sizeof(buf), NULL), TABLE_ERR_LENGTH, "not a multiple of 4");
	put32(buf + 8, 0xFFFFFFFCu);
	cr_assert_eq(decode(buf, sizeof(buf), NULL), TABLE_ERR_TRUNCATED);
	table_destroy(t);
}

Test(table, rejects_entry_length_past_total_len)
{
	struct table *t = sample();
	uint8_t buf[512];
	size_t len = encode(t, buf, sizeof(buf));
	buf[26] = 0xFF; /* first entry claims 0x00FF... bytes */
	buf[27] = 0xFF;
	reseal(buf);
	struct provision_diag d;
	cr_assert_eq(decode(buf, len, &d), TABLE_ERR_LENGTH);
	cr_assert(strstr(d.text, "entry 0") != NULL, "%s", d.text);
	table_destroy(t);
}

Test(table, rejects_nonzero_padding)
{
	struct table *t = sample();
	uint8_t buf[512];
	size_t len = encode(t, buf, sizeof(buf));
	buf[36 + 8 + 19] = 0x20;
	reseal(buf);
	struct provision_diag d;
	cr_assert_eq(decode(buf, len, &d), TABLE_ERR_PADDING);
	cr_assert(strstr(d.text, "entry 1") != NULL, "%s", d.text);
	table_destroy(t);
}

Test(table, rejects_crc_mismatch)
{
	struct table *t = sample();
	uint8_t buf[512];
	size_t len = encode(t, buf, sizeof(buf));
	buf[30] ^= 0x01; /* a PSK byte */
	cr_assert_eq(decode(buf, len, NULL), TABLE_ERR_CRC);
	table_destroy(t);
}

Test(table, rejects_bad_entry_fields_even_with_valid_crc)
{
	struct table *t = sample();
	uint8_t buf[512];
	size_t len = encode(t, buf, sizeof(buf));
	uint8_t orig[512];
	memcpy(orig, buf, len);

	buf[24] = 7;
	reseal(buf);
	cr_assert_eq(decode(buf, len, NULL), TABLE_ERR_TYPE);
	memcpy(buf, orig, len);
	put32(buf + 20, 0x80000000u);
	reseal(buf);
	cr_assert_eq(decode(buf, len, NULL), TABLE_ERR_SEC_TAG);
	memcpy(buf, orig, len);
	buf[28] = '"';
	reseal(buf);
	cr_assert_eq(decode(buf, len, NULL), TABLE_ERR_CONTENT);
	memcpy(buf, orig, len);
	buf[25] = 0x02;
	reseal(buf);
	cr_assert_eq(decode(buf, len, NULL), TABLE_ERR_FLAGS);
	memcpy(buf, orig, len);
	buf[36 + 4] = NRFCRED_TYPE_PSK; /* entry 1 becomes a second PSK on 1234 */
	reseal(buf);
	cr_assert_eq(decode(buf, len, NULL), TABLE_ERR_DUPLICATE);
	table_destroy(t);
}

Test(table, rejects_unknown_table_flags_and_imei_only_with_entries)
{
	struct table *t = sample();
	uint8_t buf[512];
	size_t len = encode(t, buf, sizeof(buf));
	put32(buf + 12, 4);
	cr_assert_eq(decode(buf, len, NULL), TABLE_ERR_FLAGS);
	put32(buf + 12, NRFCRED_TABLE_F_IMEI_ONLY);
	cr_assert_eq(decode(buf, len, NULL), TABLE_ERR_FLAGS);
	table_set_flags(t, NRFCRED_TABLE_F_IMEI_ONLY);
	cr_assert_eq(table_encode(t, buf, sizeof(buf), &len, NULL), TABLE_ERR_FLAGS);
	table_destroy(t);
}

Test(table, names_every_type)
{
	cr_assert_str_eq(table_type_name(NRFCRED_TYPE_CA_CERT), "CA certificate");
	cr_assert_str_eq(table_type_name(NRFCRED_TYPE_PSK_IDENTITY), "PSK identity");
	cr_assert_str_eq(table_type_name(200), "unknown");
	for (int e = TABLE_OK; e <= TABLE_ERR_TOO_LARGE; e++)
		cr_assert_str_neq(table_strerror((table_err)e), "unknown table error");
}

Test(table, only_keys_and_psks_are_secret)
{
	cr_assert(table_type_is_secret(NRFCRED_TYPE_CLIENT_KEY));
	cr_assert(table_type_is_secret(NRFCRED_TYPE_PSK));
	cr_assert_not(table_type_is_secret(NRFCRED_TYPE_CA_CERT));
	cr_assert_not(table_type_is_secret(NRFCRED_TYPE_CLIENT_CERT));
	cr_assert_not(table_type_is_secret(NRFCRED_TYPE_PSK_IDENTITY));
	cr_assert_not(table_type_is_secret(NRFCRED_TYPE_PUBLIC_KEY));
}
