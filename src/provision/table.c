#include "provision/table.h"

#include <stdlib.h>
#include <string.h>

#include "cred/secure_mem.h"
#include "image/digest.h"
#include "provision/le.h"

/* Header offsets (include/nrfcred/provision.h). */
enum {
	OFF_MAGIC = 0,
	OFF_VERSION = 4,
	OFF_COUNT = 6,
	OFF_TOTAL_LEN = 8,
	OFF_FLAGS = 12,
	OFF_CRC = 16,
};
/* Entry offsets. */
enum {
	E_SEC_TAG = 0,
	E_TYPE = 4,
	E_FLAGS = 5,
	E_LENGTH = 6,
};

#define TABLE_KNOWN_FLAGS (NRFCRED_TABLE_F_IMEI_ONLY | NRFCRED_TABLE_F_ATTEST)
#define ENTRY_KNOWN_FLAGS NRFCRED_ENTRY_F_DELETE_FIRST

struct table {
	uint32_t flags;
	size_t count;
	struct table_entry entries[NRFCRED_TABLE_MAX_ENTRIES];
};

static size_t pad4(size_t n)
{
	return (4 - (n & 3)) & 3;
}

const char *table_strerror(table_err err)
{
	switch (err) {
	case TABLE_OK:
		return "ok";
	case TABLE_ERR_NOMEM:
		return "out of memory";
	case TABLE_ERR_TRUNCATED:
		return "credential table is truncated";
	case TABLE_ERR_MAGIC:
		return "credential table has a bad magic";
	case TABLE_ERR_VERSION:
		return "unsupported credential table version";
	case TABLE_ERR_COUNT:
		return "credential table has a bad entry count";
	case TABLE_ERR_LENGTH:
		return "credential table has a bad length";
	case TABLE_ERR_FLAGS:
		return "credential table has bad flags";
	case TABLE_ERR_PADDING:
		return "credential table padding is not zero";
	case TABLE_ERR_CRC:
		return "credential table CRC mismatch";
	case TABLE_ERR_TYPE:
		return "unknown credential type";
	case TABLE_ERR_SEC_TAG:
		return "sec_tag out of range";
	case TABLE_ERR_CONTENT:
		return "credential content cannot be sent to the modem";
	case TABLE_ERR_DUPLICATE:
		return "duplicate credential (same sec_tag and type)";
	case TABLE_ERR_TOO_LARGE:
		return "credential table does not fit";
	}
	return "unknown table error";
}

const char *table_type_name(uint8_t type)
{
	switch (type) {
	case NRFCRED_TYPE_CA_CERT:
		return "CA certificate";
	case NRFCRED_TYPE_CLIENT_CERT:
		return "client certificate";
	case NRFCRED_TYPE_CLIENT_KEY:
		return "client private key";
	case NRFCRED_TYPE_PSK:
		return "PSK";
	case NRFCRED_TYPE_PSK_IDENTITY:
		return "PSK identity";
	case NRFCRED_TYPE_PUBLIC_KEY:
		return "public key";
	case NRFCRED_TYPE_DEVICE_ID_PUBLIC_KEY:
		return "device identity public key";
	case NRFCRED_TYPE_KEYGEN:
		return "keygen (client key made by the modem)";
	}
	return "unknown";
}

bool table_type_is_secret(uint8_t type)
{
	return type == NRFCRED_TYPE_CLIENT_KEY || type == NRFCRED_TYPE_PSK;
}

struct table *table_create(uint32_t flags)
{
	struct table *t = calloc(1, sizeof(*t));
	if (t)
		t->flags = flags;
	return t;
}

static void entry_free(struct table_entry *e)
{
	secure_mem_free((void *)e->data); /* wipes it */
	e->data = NULL;
	e->len = 0;
}

void table_destroy(struct table *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->count; i++)
		entry_free(&t->entries[i]);
	free(t);
}

size_t table_count(const struct table *t)
{
	return t->count;
}

const struct table_entry *table_entry_at(const struct table *t, size_t i)
{
	return i < t->count ? &t->entries[i] : NULL;
}

uint32_t table_flags(const struct table *t)
{
	return t->flags;
}

void table_set_flags(struct table *t, uint32_t flags)
{
	t->flags = flags;
}

/* The rules the firmware applies too (NRFCRED_RES_TABLE_BAD_ENTRY): the
 * content goes into a quoted AT%CMNG string, so '"' and NUL cannot appear. */
static table_err check_entry(uint32_t sec_tag, uint8_t type, uint8_t flags, const uint8_t *data,
			     size_t len, size_t index, struct provision_diag *diag)
{
	if (sec_tag > NRFCRED_SEC_TAG_MAX) {
		provision_diag_set(diag, "entry %zu: sec_tag %u is above the maximum %u", index,
				   sec_tag, NRFCRED_SEC_TAG_MAX);
		return TABLE_ERR_SEC_TAG;
	}
	if (type >= NRFCRED_TYPE_COUNT && type != NRFCRED_TYPE_KEYGEN) {
		provision_diag_set(diag,
				   "entry %zu: type %u is not a credential type (0..%u) nor keygen "
				   "(%u)",
				   index, type, NRFCRED_TYPE_COUNT - 1, NRFCRED_TYPE_KEYGEN);
		return TABLE_ERR_TYPE;
	}
	if (type == NRFCRED_TYPE_KEYGEN) {
		/* provision.h: 9 x '0'/'1' (key usage), then a printable subject. */
		bool ok = len > NRFCRED_KEYGEN_USAGE_LEN &&
			  len <= NRFCRED_KEYGEN_USAGE_LEN + NRFCRED_KEYGEN_SUBJECT_MAX;
		for (size_t i = 0; ok && i < len; i++)
			ok = i < NRFCRED_KEYGEN_USAGE_LEN ? data[i] == '0' || data[i] == '1'
							  : data[i] >= 0x20 && data[i] <= 0x7e;
		if (!ok) {
			provision_diag_set(diag,
					   "entry %zu: keygen data is not a 9-digit key usage of "
					   "0/1 and a subject of 1..%u printable characters",
					   index, NRFCRED_KEYGEN_SUBJECT_MAX);
			return TABLE_ERR_CONTENT;
		}
	}
	if (flags & ~ENTRY_KNOWN_FLAGS) {
		provision_diag_set(diag, "entry %zu: unknown entry flags 0x%02x", index, flags);
		return TABLE_ERR_FLAGS;
	}
	if (len == 0 || len > UINT16_MAX) {
		provision_diag_set(diag, "entry %zu: content length %zu is not in 1..%u", index,
				   len, UINT16_MAX);
		return TABLE_ERR_CONTENT;
	}
	for (size_t i = 0; i < len; i++) {
		if (data[i] == '"' || data[i] == 0) {
			provision_diag_set(
				diag,
				"entry %zu: content byte %zu is %s, which AT%%CMNG cannot "
				"carry",
				index, i, data[i] ? "a double quote" : "NUL");
			return TABLE_ERR_CONTENT;
		}
	}
	return TABLE_OK;
}

static struct table_entry *find_entry(struct table *t, uint32_t sec_tag, uint8_t type)
{
	for (size_t i = 0; i < t->count; i++)
		if (t->entries[i].sec_tag == sec_tag && t->entries[i].type == type)
			return &t->entries[i];
	return NULL;
}

table_err table_add(struct table *t, uint32_t sec_tag, uint8_t type, uint8_t flags,
		    const void *data, size_t len, bool replace, struct provision_diag *diag)
{
	table_err err = check_entry(sec_tag, type, flags, data, len, t->count, diag);
	if (err != TABLE_OK)
		return err;
	struct table_entry *e = find_entry(t, sec_tag, type);
	if (e && !replace) {
		provision_diag_set(diag, "sec_tag %u already has a %s", sec_tag,
				   table_type_name(type));
		return TABLE_ERR_DUPLICATE;
	}
	if (!e && t->count >= NRFCRED_TABLE_MAX_ENTRIES) {
		provision_diag_set(diag, "a table holds at most %u entries",
				   NRFCRED_TABLE_MAX_ENTRIES);
		return TABLE_ERR_COUNT;
	}
	/* A key or PSK: locked in RAM, left out of core dumps. */
	uint8_t *copy = secure_mem_dup(data, len);
	if (!copy)
		return TABLE_ERR_NOMEM;
	if (e) {
		entry_free(e);
	} else {
		e = &t->entries[t->count++];
		e->sec_tag = sec_tag;
		e->type = type;
	}
	e->flags = flags;
	e->len = (uint16_t)len;
	e->data = copy;
	return TABLE_OK;
}

size_t table_encoded_size(const struct table *t)
{
	size_t n = NRFCRED_TABLE_HEADER_SIZE;
	for (size_t i = 0; i < t->count; i++)
		n += NRFCRED_TABLE_ENTRY_SIZE + t->entries[i].len + pad4(t->entries[i].len);
	return n;
}

static void entry_header(const struct table_entry *e, uint8_t out[NRFCRED_TABLE_ENTRY_SIZE])
{
	le_put32(out + E_SEC_TAG, e->sec_tag);
	out[E_TYPE] = e->type;
	out[E_FLAGS] = e->flags;
	le_put16(out + E_LENGTH, e->len);
}

uint32_t table_entries_crc32(const struct table *t)
{
	static const uint8_t zeros[3];
	uint32_t crc = 0;
	for (size_t i = 0; i < t->count; i++) {
		uint8_t hdr[NRFCRED_TABLE_ENTRY_SIZE];
		entry_header(&t->entries[i], hdr);
		crc = crc32_update(crc, hdr, sizeof(hdr));
		crc = crc32_update(crc, t->entries[i].data, t->entries[i].len);
		crc = crc32_update(crc, zeros, pad4(t->entries[i].len));
	}
	return crc;
}

table_err table_encode(const struct table *t, uint8_t *buf, size_t cap, size_t *len,
		       struct provision_diag *diag)
{
	size_t need = table_encoded_size(t);
	if (need > cap || need > UINT32_MAX) {
		provision_diag_set(diag, "table needs %zu bytes, only %zu available", need, cap);
		return TABLE_ERR_TOO_LARGE;
	}
	if ((t->flags & NRFCRED_TABLE_F_IMEI_ONLY) && t->count > 0) {
		provision_diag_set(diag, "an IMEI-only table cannot carry %zu credential(s)",
				   t->count);
		return TABLE_ERR_FLAGS;
	}
	size_t off = NRFCRED_TABLE_HEADER_SIZE;
	for (size_t i = 0; i < t->count; i++) {
		const struct table_entry *e = &t->entries[i];
		entry_header(e, buf + off);
		off += NRFCRED_TABLE_ENTRY_SIZE;
		memcpy(buf + off, e->data, e->len);
		off += e->len;
		size_t p = pad4(e->len);
		memset(buf + off, 0, p);
		off += p;
	}
	le_put32(buf + OFF_MAGIC, NRFCRED_TABLE_MAGIC);
	le_put16(buf + OFF_VERSION, NRFCRED_TABLE_VERSION);
	le_put16(buf + OFF_COUNT, (uint16_t)t->count);
	le_put32(buf + OFF_TOTAL_LEN, (uint32_t)need);
	le_put32(buf + OFF_FLAGS, t->flags);
	le_put32(buf + OFF_CRC,
		 crc32_ieee(buf + NRFCRED_TABLE_HEADER_SIZE, need - NRFCRED_TABLE_HEADER_SIZE));
	*len = need;
	return TABLE_OK;
}

table_err table_decode(const uint8_t *buf, size_t len, struct table **out,
		       struct provision_diag *diag)
{
	*out = NULL;
	if (len < NRFCRED_TABLE_HEADER_SIZE) {
		provision_diag_set(diag, "%zu bytes, the header alone is %u", len,
				   NRFCRED_TABLE_HEADER_SIZE);
		return TABLE_ERR_TRUNCATED;
	}
	uint32_t magic = le_get32(buf + OFF_MAGIC);
	uint16_t version = le_get16(buf + OFF_VERSION);
	uint16_t count = le_get16(buf + OFF_COUNT);
	uint32_t total = le_get32(buf + OFF_TOTAL_LEN);
	uint32_t flags = le_get32(buf + OFF_FLAGS);
	uint32_t crc = le_get32(buf + OFF_CRC);

	if (magic != NRFCRED_TABLE_MAGIC) {
		provision_diag_set(diag, "magic 0x%08x, expected 0x%08x", magic,
				   NRFCRED_TABLE_MAGIC);
		return TABLE_ERR_MAGIC;
	}
	if (version != NRFCRED_TABLE_VERSION) {
		provision_diag_set(diag, "version %u, this tool knows %u", version,
				   NRFCRED_TABLE_VERSION);
		return TABLE_ERR_VERSION;
	}
	if (count > NRFCRED_TABLE_MAX_ENTRIES) {
		provision_diag_set(diag, "count %u is above the maximum %u", count,
				   NRFCRED_TABLE_MAX_ENTRIES);
		return TABLE_ERR_COUNT;
	}
	if (total < NRFCRED_TABLE_HEADER_SIZE || total % 4 != 0) {
		provision_diag_set(diag,
				   "total_len %u is below the header size %u or not a "
				   "multiple of 4",
				   total, NRFCRED_TABLE_HEADER_SIZE);
		return TABLE_ERR_LENGTH;
	}
	if (total > len) {
		provision_diag_set(diag, "total_len %u but only %zu bytes available", total, len);
		return TABLE_ERR_TRUNCATED;
	}
	if (flags & ~TABLE_KNOWN_FLAGS) {
		provision_diag_set(diag, "unknown table flags 0x%08x", flags);
		return TABLE_ERR_FLAGS;
	}
	if ((flags & NRFCRED_TABLE_F_IMEI_ONLY) && count != 0) {
		provision_diag_set(diag, "IMEI-only table with %u entries", count);
		return TABLE_ERR_FLAGS;
	}
	/* The CRC is checked before the entries: a corrupted table is reported
	 * as corrupt rather than by whichever entry field the damage hit. */
	uint32_t calc =
		crc32_ieee(buf + NRFCRED_TABLE_HEADER_SIZE, total - NRFCRED_TABLE_HEADER_SIZE);
	if (calc != crc) {
		provision_diag_set(diag, "entries CRC stored 0x%08x, computed 0x%08x", crc, calc);
		return TABLE_ERR_CRC;
	}

	struct table *t = table_create(flags);
	if (!t)
		return TABLE_ERR_NOMEM;
	size_t off = NRFCRED_TABLE_HEADER_SIZE;
	table_err err = TABLE_OK;
	for (size_t i = 0; i < count; i++) {
		if (total - off < NRFCRED_TABLE_ENTRY_SIZE) {
			provision_diag_set(diag,
					   "entry %zu header at offset %zu runs past total_len %u",
					   i, off, total);
			err = TABLE_ERR_LENGTH;
			goto fail;
		}
		const uint8_t *e = buf + off;
		uint32_t sec_tag = le_get32(e + E_SEC_TAG);
		uint8_t type = e[E_TYPE];
		uint8_t eflags = e[E_FLAGS];
		uint16_t elen = le_get16(e + E_LENGTH);
		off += NRFCRED_TABLE_ENTRY_SIZE;
		size_t padded = (size_t)elen + pad4(elen);
		if (total - off < padded) {
			provision_diag_set(diag,
					   "entry %zu at offset %zu: %u content bytes run past "
					   "total_len %u",
					   i, off - NRFCRED_TABLE_ENTRY_SIZE, elen, total);
			err = TABLE_ERR_LENGTH;
			goto fail;
		}
		err = check_entry(sec_tag, type, eflags, buf + off, elen, i, diag);
		if (err != TABLE_OK)
			goto fail;
		for (size_t p = elen; p < padded; p++) {
			if (buf[off + p] != 0) {
				provision_diag_set(
					diag, "entry %zu: padding byte at offset %zu is 0x%02x", i,
					off + p, buf[off + p]);
				err = TABLE_ERR_PADDING;
				goto fail;
			}
		}
		err = table_add(t, sec_tag, type, eflags, buf + off, elen, false, diag);
		if (err == TABLE_ERR_DUPLICATE)
			provision_diag_set(diag, "entry %zu repeats sec_tag %u %s", i, sec_tag,
					   table_type_name(type));
		if (err != TABLE_OK)
			goto fail;
		off += padded;
	}
	if (off != total) {
		provision_diag_set(diag, "%u entries end at offset %zu but total_len is %u", count,
				   off, total);
		err = TABLE_ERR_COUNT;
		goto fail;
	}
	*out = t;
	return TABLE_OK;
fail:
	table_destroy(t);
	return err;
}
