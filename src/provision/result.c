#include "provision/result.h"

#include <string.h>

#include <mbedtls/platform_util.h>

#include "image/digest.h"
#include "provision/le.h"
#include "provision/table.h"

/* Offsets from the result area start (include/nrfcred/provision.h). */
enum {
	OFF_STATUS = 0,
	OFF_MAGIC = 4,
	OFF_VERSION = 8,
	OFF_COUNT = 10,
	OFF_TOTAL_LEN = 12,
	OFF_TABLE_CRC = 16,
	OFF_FAIL_INDEX = 20,
	OFF_RESERVED = 22,
	OFF_IMEI = 24,
	OFF_MODEM_FW = 40,
	OFF_ENTRIES = NRFCRED_RESULT_HEADER_SIZE,
};
enum {
	E_SEC_TAG = 0,
	E_TYPE = 4,
	E_FLAGS = 5,
	E_RESERVED = 6,
	E_MODEM_CODE = 8,
	E_SHA256 = 12,
};

#define IMEI_DIGITS 15
#define ENTRY_KNOWN_FLAGS                                                                          \
	(NRFCRED_RESULT_E_WRITTEN | NRFCRED_RESULT_E_DELETED | NRFCRED_RESULT_E_HASH_VALID |       \
	 NRFCRED_RESULT_E_LISTED_NO_DIGEST)

const char *result_strerror(result_err err)
{
	switch (err) {
	case RESULT_OK:
		return "ok";
	case RESULT_PENDING:
		return "provisioning firmware has not finished (result status still erased)";
	case RESULT_ERR_TRUNCATED:
		return "result block is truncated";
	case RESULT_ERR_MAGIC:
		return "result block has a bad magic";
	case RESULT_ERR_VERSION:
		return "unsupported result block version";
	case RESULT_ERR_COUNT:
		return "result block has a bad entry count";
	case RESULT_ERR_LENGTH:
		return "result block has a bad length";
	case RESULT_ERR_CRC:
		return "result block CRC mismatch";
	case RESULT_ERR_IMEI_FORMAT:
		return "result block IMEI field is malformed";
	case RESULT_ERR_MODEM_FW:
		return "result block modem firmware string is not NUL-terminated printable text";
	case RESULT_ERR_ENTRY:
		return "result block has a malformed entry";
	case RESULT_ERR_FAIL_INDEX:
		return "result block fail index out of range";
	case RESULT_ERR_STATUS:
		return "provisioning firmware reported a failure";
	case RESULT_ERR_TABLE_CRC:
		return "firmware processed a different credential table";
	case RESULT_ERR_ENTRY_COUNT:
		return "result entry count differs from the table sent";
	case RESULT_ERR_ENTRY_MISMATCH:
		return "result entry does not match the table entry";
	case RESULT_ERR_MODEM_CODE:
		return "modem returned an error for a credential";
	case RESULT_ERR_NOT_WRITTEN:
		return "credential was not written";
	case RESULT_ERR_HASH_MISSING:
		return "modem reported no SHA-256 for a credential";
	case RESULT_ERR_HASH_MISMATCH:
		return "modem's SHA-256 differs from the credential sent";
	case RESULT_ERR_IMEI_LUHN:
		return "IMEI is missing or its check digit is wrong";
	case RESULT_ERR_DIGEST_UNAVAILABLE:
		return "the modem firmware reports no SHA-256 for stored credentials (modem "
		       "firmware older than 1.3.2); set verify_digest = when_available to accept";
	}
	return "unknown result error";
}

const char *result_status_name(uint32_t status)
{
	switch (status) {
	case NRFCRED_RES_OK:
		return "ok";
	case NRFCRED_RES_MANIFEST_BAD:
		return "firmware manifest inconsistent";
	case NRFCRED_RES_TABLE_MISSING:
		return "table missing";
	case NRFCRED_RES_TABLE_BAD_MAGIC:
		return "table bad magic";
	case NRFCRED_RES_TABLE_BAD_VERSION:
		return "table bad version";
	case NRFCRED_RES_TABLE_BAD_LENGTH:
		return "table bad length";
	case NRFCRED_RES_TABLE_BAD_CRC:
		return "table bad CRC";
	case NRFCRED_RES_TABLE_BAD_ENTRY:
		return "table bad entry";
	case NRFCRED_RES_MODEM_INIT:
		return "modem init failed";
	case NRFCRED_RES_MODEM_OFFLINE:
		return "modem offline (AT+CFUN=4) failed";
	case NRFCRED_RES_IMEI:
		return "IMEI read (AT+CGSN) failed";
	case NRFCRED_RES_MODEM_FW:
		return "modem firmware read (AT+CGMR) failed";
	case NRFCRED_RES_CRED_DELETE:
		return "credential delete failed";
	case NRFCRED_RES_CRED_WRITE:
		return "credential write failed";
	case NRFCRED_RES_CRED_HASH:
		return "credential hash read failed";
	case NRFCRED_RES_RESULT_TOO_LARGE:
		return "result too large";
	case NRFCRED_RES_FLASH_WRITE:
		return "result flash write failed";
	case NRFCRED_RES_INTERNAL:
		return "firmware internal error";
	case NRFCRED_RES_KEYGEN:
		return "modem key generation (AT%KEYGEN) failed";
	case NRFCRED_RES_CERT_REFUSED:
		return "no usable certificate for the CSR";
	case NRFCRED_RES_NEEDS_SESSION:
		return "keygen or attestation needs the RAM session";
	case NRFCRED_RESULT_STATUS_PENDING:
		return "pending";
	}
	return "unknown";
}

bool result_imei_valid(const char *imei)
{
	int sum = 0;
	for (int i = 0; i < IMEI_DIGITS; i++) {
		if (imei[i] < '0' || imei[i] > '9')
			return false;
	}
	if (imei[IMEI_DIGITS] != '\0')
		return false;
	/* Luhn over the 14 digits, doubling every second one from the left
	 * (positions 2, 4, ... 14), then the check digit completes to 10. */
	for (int i = 0; i < IMEI_DIGITS - 1; i++) {
		int d = imei[i] - '0';
		if (i % 2 == 1) {
			d *= 2;
			if (d > 9)
				d -= 9;
		}
		sum += d;
	}
	return (10 - sum % 10) % 10 == imei[IMEI_DIGITS - 1] - '0';
}

static bool all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != 0)
			return false;
	return true;
}

static bool imei_field_ok(const uint8_t *p)
{
	if (p[0] == 0)
		return true; /* unknown: the firmware failed before AT+CGSN */
	for (int i = 0; i < IMEI_DIGITS; i++)
		if (p[i] < '0' || p[i] > '9')
			return false;
	return p[IMEI_DIGITS] == 0;
}

result_err result_decode(const uint8_t *buf, size_t len, uint32_t result_max, struct result *out,
			 struct provision_diag *diag)
{
	memset(out, 0, sizeof(*out));
	if (len < 4) {
		provision_diag_set(diag, "%zu bytes, not even a status word", len);
		return RESULT_ERR_TRUNCATED;
	}
	out->status = le_get32(buf + OFF_STATUS);
	if (out->status == NRFCRED_RESULT_STATUS_PENDING) {
		provision_diag_set(diag, "status word is 0x%08x", out->status);
		return RESULT_PENDING;
	}
	if (len < NRFCRED_RESULT_SIZE(0)) {
		provision_diag_set(diag, "%zu bytes, a result needs at least %u", len,
				   NRFCRED_RESULT_SIZE(0));
		return RESULT_ERR_TRUNCATED;
	}
	uint32_t magic = le_get32(buf + OFF_MAGIC);
	if (magic != NRFCRED_RESULT_MAGIC) {
		provision_diag_set(diag, "magic 0x%08x, expected 0x%08x (status 0x%08x)", magic,
				   NRFCRED_RESULT_MAGIC, out->status);
		return RESULT_ERR_MAGIC;
	}
	out->version = le_get16(buf + OFF_VERSION);
	if (out->version != NRFCRED_RESULT_VERSION) {
		provision_diag_set(diag, "version %u, this tool knows %u", out->version,
				   NRFCRED_RESULT_VERSION);
		return RESULT_ERR_VERSION;
	}
	out->count = le_get16(buf + OFF_COUNT);
	if (out->count > NRFCRED_TABLE_MAX_ENTRIES) {
		provision_diag_set(diag, "count %u is above the maximum %u", out->count,
				   NRFCRED_TABLE_MAX_ENTRIES);
		return RESULT_ERR_COUNT;
	}
	out->total_len = le_get32(buf + OFF_TOTAL_LEN);
	uint32_t expect = NRFCRED_RESULT_SIZE(out->count);
	if (out->total_len != expect || out->total_len > result_max) {
		provision_diag_set(diag, "total_len %u; %u entries need %u, the area holds %u",
				   out->total_len, out->count, expect, result_max);
		return RESULT_ERR_LENGTH;
	}
	if (out->total_len > len) {
		provision_diag_set(diag, "total_len %u but only %zu bytes read", out->total_len,
				   len);
		return RESULT_ERR_TRUNCATED;
	}
	uint32_t stored = le_get32(buf + out->total_len - 4);
	uint32_t calc = crc32_ieee(buf + OFF_MAGIC, out->total_len - 4 - OFF_MAGIC);
	if (stored != calc) {
		provision_diag_set(diag, "CRC stored 0x%08x, computed 0x%08x", stored, calc);
		return RESULT_ERR_CRC;
	}
	out->table_crc32 = le_get32(buf + OFF_TABLE_CRC);
	out->fail_index = le_get16(buf + OFF_FAIL_INDEX);
	if (out->fail_index != NRFCRED_RESULT_NO_FAIL && out->fail_index >= out->count) {
		provision_diag_set(diag, "fail_index %u with %u entries", out->fail_index,
				   out->count);
		return RESULT_ERR_FAIL_INDEX;
	}
	if (!imei_field_ok(buf + OFF_IMEI)) {
		provision_diag_set(diag, "IMEI field is neither empty nor 15 digits + NUL");
		return RESULT_ERR_IMEI_FORMAT;
	}
	memcpy(out->imei, buf + OFF_IMEI, sizeof(out->imei));
	out->imei[sizeof(out->imei) - 1] = 0;
	if (!memchr(buf + OFF_MODEM_FW, 0, sizeof(out->modem_fw))) {
		provision_diag_set(diag, "modem firmware string has no NUL in %zu bytes",
				   sizeof(out->modem_fw));
		return RESULT_ERR_MODEM_FW;
	}
	/* It goes into the CSV, JSON and the dashboard: a board must not be
	 * able to put control bytes (terminal escapes, line breaks) there. */
	for (size_t i = 0; buf[OFF_MODEM_FW + i] != 0; i++) {
		uint8_t c = buf[OFF_MODEM_FW + i];
		if (c < 0x20 || c > 0x7e) {
			provision_diag_set(
				diag,
				"modem firmware string has the non-printable byte 0x%02x "
				"at offset %zu",
				c, i);
			return RESULT_ERR_MODEM_FW;
		}
	}
	memcpy(out->modem_fw, buf + OFF_MODEM_FW, sizeof(out->modem_fw));
	for (size_t i = 0; i < out->count; i++) {
		const uint8_t *e = buf + OFF_ENTRIES + i * NRFCRED_RESULT_ENTRY_SIZE;
		struct result_entry *re = &out->entries[i];
		re->sec_tag = le_get32(e + E_SEC_TAG);
		re->type = e[E_TYPE];
		re->flags = e[E_FLAGS];
		re->modem_code = (int32_t)le_get32(e + E_MODEM_CODE);
		memcpy(re->sha256, e + E_SHA256, sizeof(re->sha256));
		if ((re->type >= NRFCRED_TYPE_COUNT && re->type != NRFCRED_TYPE_KEYGEN) ||
		    (re->flags & ~ENTRY_KNOWN_FLAGS)) {
			provision_diag_set(diag, "entry %zu: type %u, flags 0x%02x", i, re->type,
					   re->flags);
			return RESULT_ERR_ENTRY;
		}
		/* Listed without digest (provision.h): only after a write, never
		 * with a digest as well, and the digest bytes stay zero. */
		if ((re->flags & NRFCRED_RESULT_E_LISTED_NO_DIGEST) &&
		    (!(re->flags & NRFCRED_RESULT_E_WRITTEN) ||
		     (re->flags & NRFCRED_RESULT_E_HASH_VALID) || !all_zero(re->sha256, 32))) {
			provision_diag_set(diag,
					   "entry %zu: flags 0x%02x: listed without digest, but "
					   "not written, hash-valid or with digest bytes",
					   i, re->flags);
			return RESULT_ERR_ENTRY;
		}
	}
	return RESULT_OK;
}

size_t result_count_undigested(const struct result *r)
{
	size_t n = 0;
	for (size_t i = 0; i < r->count && i < NRFCRED_TABLE_MAX_ENTRIES; i++)
		n += (r->entries[i].flags & NRFCRED_RESULT_E_LISTED_NO_DIGEST) != 0;
	return n;
}

result_err result_check(const struct result *r, const struct table *sent,
			enum result_digest_policy policy, struct provision_diag *diag)
{
	if (r->status == NRFCRED_RESULT_STATUS_PENDING) {
		provision_diag_set(diag, "status word still erased");
		return RESULT_PENDING;
	}
	if (r->status != NRFCRED_RES_OK) {
		if (r->fail_index != NRFCRED_RESULT_NO_FAIL && r->fail_index < r->count) {
			const struct result_entry *e = &r->entries[r->fail_index];
			provision_diag_set(diag,
					   "firmware status %u (%s) at entry %u (sec_tag %u, %s), "
					   "modem code %d",
					   r->status, result_status_name(r->status), r->fail_index,
					   e->sec_tag, table_type_name(e->type),
					   (int)e->modem_code);
		} else {
			provision_diag_set(diag, "firmware status %u (%s)", r->status,
					   result_status_name(r->status));
		}
		return RESULT_ERR_STATUS;
	}
	uint32_t crc = table_entries_crc32(sent);
	if (r->table_crc32 != crc) {
		provision_diag_set(diag, "result names table CRC 0x%08x, the table sent has 0x%08x",
				   r->table_crc32, crc);
		return RESULT_ERR_TABLE_CRC;
	}
	if (r->count != table_count(sent)) {
		provision_diag_set(diag, "result has %u entries, the table sent has %zu", r->count,
				   table_count(sent));
		return RESULT_ERR_ENTRY_COUNT;
	}
	for (size_t i = 0; i < r->count; i++) {
		const struct result_entry *re = &r->entries[i];
		const struct table_entry *te = table_entry_at(sent, i);
		if (re->sec_tag != te->sec_tag || re->type != te->type) {
			provision_diag_set(diag,
					   "entry %zu: result has sec_tag %u %s, table has "
					   "sec_tag %u %s",
					   i, re->sec_tag, table_type_name(re->type), te->sec_tag,
					   table_type_name(te->type));
			return RESULT_ERR_ENTRY_MISMATCH;
		}
		if (re->modem_code != 0) {
			provision_diag_set(diag, "entry %zu (sec_tag %u, %s): modem code %d", i,
					   re->sec_tag, table_type_name(re->type),
					   (int)re->modem_code);
			return RESULT_ERR_MODEM_CODE;
		}
		if (!(re->flags & NRFCRED_RESULT_E_WRITTEN)) {
			provision_diag_set(diag, "entry %zu (sec_tag %u, %s): not written", i,
					   re->sec_tag, table_type_name(re->type));
			return RESULT_ERR_NOT_WRITTEN;
		}
		if (!(re->flags & NRFCRED_RESULT_E_HASH_VALID)) {
			if (!(re->flags & NRFCRED_RESULT_E_LISTED_NO_DIGEST)) {
				provision_diag_set(
					diag,
					"entry %zu (sec_tag %u, %s): no SHA-256 from the modem", i,
					re->sec_tag, table_type_name(re->type));
				return RESULT_ERR_HASH_MISSING;
			}
			if (policy != RESULT_DIGEST_WHEN_AVAILABLE) {
				provision_diag_set(diag,
						   "entry %zu (sec_tag %u, %s): listed by modem "
						   "firmware \"%s\" without a SHA-256",
						   i, re->sec_tag, table_type_name(re->type),
						   r->modem_fw);
				return RESULT_ERR_DIGEST_UNAVAILABLE;
			}
			continue; /* stored, but not verified: the caller can count these */
		}
		/* A KEYGEN entry's digest is of the certificate issued for its
		 * CSR, which the table does not hold: the caller compares it
		 * (station/keygen.c). */
		if (te->type == NRFCRED_TYPE_KEYGEN)
			continue;
		uint8_t digest[SHA256_LEN];
		sha256(te->data, te->len, digest);
		bool differ = memcmp(digest, re->sha256, SHA256_LEN) != 0;
		if (differ && !table_type_is_secret(te->type)) {
			char want[SHA256_HEX_LEN], got[SHA256_HEX_LEN];
			sha256_hex(digest, want);
			sha256_hex(re->sha256, got);
			provision_diag_set(
				diag, "entry %zu (sec_tag %u, %s): modem %.16s..., sent %.16s...",
				i, re->sec_tag, table_type_name(re->type), got, want);
			return RESULT_ERR_HASH_MISMATCH;
		}
		/* The digest of a key is as good as the key to whoever holds a
		 * list of candidates: not left on the stack, never shown. */
		mbedtls_platform_zeroize(digest, sizeof digest);
		if (differ) {
			provision_diag_set(
				diag,
				"entry %zu (sec_tag %u, %s): the modem holds other bytes "
				"than were sent (digests not shown: a secret)",
				i, re->sec_tag, table_type_name(re->type));
			return RESULT_ERR_HASH_MISMATCH;
		}
	}
	if (!result_imei_valid(r->imei)) {
		provision_diag_set(diag,
				   "IMEI \"%s\" is not 15 digits with a valid Luhn check digit",
				   r->imei);
		return RESULT_ERR_IMEI_LUHN;
	}
	return RESULT_OK;
}

result_err result_encode(const struct result *r, uint8_t *buf, size_t cap, size_t *len)
{
	if (r->count > NRFCRED_TABLE_MAX_ENTRIES)
		return RESULT_ERR_COUNT;
	size_t total = NRFCRED_RESULT_SIZE(r->count);
	if (total > cap)
		return RESULT_ERR_LENGTH;
	memset(buf, 0, total);
	le_put32(buf + OFF_STATUS, r->status);
	le_put32(buf + OFF_MAGIC, NRFCRED_RESULT_MAGIC);
	le_put16(buf + OFF_VERSION, NRFCRED_RESULT_VERSION);
	le_put16(buf + OFF_COUNT, r->count);
	le_put32(buf + OFF_TOTAL_LEN, (uint32_t)total);
	le_put32(buf + OFF_TABLE_CRC, r->table_crc32);
	le_put16(buf + OFF_FAIL_INDEX, r->fail_index);
	le_put16(buf + OFF_RESERVED, 0xFFFF);
	memcpy(buf + OFF_IMEI, r->imei, sizeof(r->imei));
	buf[OFF_IMEI + sizeof(r->imei) - 1] = 0;
	memcpy(buf + OFF_MODEM_FW, r->modem_fw, sizeof(r->modem_fw));
	buf[OFF_MODEM_FW + sizeof(r->modem_fw) - 1] = 0;
	for (size_t i = 0; i < r->count; i++) {
		uint8_t *e = buf + OFF_ENTRIES + i * NRFCRED_RESULT_ENTRY_SIZE;
		const struct result_entry *re = &r->entries[i];
		le_put32(e + E_SEC_TAG, re->sec_tag);
		e[E_TYPE] = re->type;
		e[E_FLAGS] = re->flags;
		le_put16(e + E_RESERVED, 0xFFFF);
		le_put32(e + E_MODEM_CODE, (uint32_t)re->modem_code);
		memcpy(e + E_SHA256, re->sha256, sizeof(re->sha256));
	}
	le_put32(buf + total - 4, crc32_ieee(buf + OFF_MAGIC, total - 4 - OFF_MAGIC));
	*len = total;
	return RESULT_OK;
}
