/*
 * The credential table the host writes into the provisioning firmware's
 * table area (include/nrfcred/provision.h). A `struct table` owns copies of
 * every entry's content; the copies are wiped when the table is destroyed
 * (they may hold a private key or a PSK).
 */
#ifndef NRFCRED_PROVISION_TABLE_H
#define NRFCRED_PROVISION_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nrfcred/provision.h"
#include "provision/diag.h"

typedef enum {
	TABLE_OK = 0,
	TABLE_ERR_NOMEM,
	TABLE_ERR_TRUNCATED, /* buffer shorter than the header or than total_len */
	TABLE_ERR_MAGIC,
	TABLE_ERR_VERSION,
	TABLE_ERR_COUNT,   /* count > NRFCRED_TABLE_MAX_ENTRIES, or entries do not fill total_len */
	TABLE_ERR_LENGTH,  /* total_len too small, not a multiple of 4, or an entry runs past it */
	TABLE_ERR_FLAGS,   /* unknown table/entry flags, or IMEI-only with entries */
	TABLE_ERR_PADDING, /* padding byte not zero */
	TABLE_ERR_CRC,
	TABLE_ERR_TYPE,	     /* type >= NRFCRED_TYPE_COUNT */
	TABLE_ERR_SEC_TAG,   /* sec_tag > NRFCRED_SEC_TAG_MAX */
	TABLE_ERR_CONTENT,   /* empty, longer than 65535, or holds '"' or NUL (AT%CMNG quoting) */
	TABLE_ERR_DUPLICATE, /* the same (sec_tag, type) twice */
	TABLE_ERR_TOO_LARGE, /* the encoding does not fit the space given */
} table_err;

struct table_entry {
	uint32_t sec_tag;
	uint8_t type;  /* enum nrfcred_cred_type */
	uint8_t flags; /* NRFCRED_ENTRY_F_* */
	uint16_t len;
	const uint8_t *data; /* owned by the table */
};

struct table;

/* New empty table with NRFCRED_TABLE_F_* flags; NULL on allocation failure. */
struct table *table_create(uint32_t flags);
/* Wipes every content copy, then frees. NULL is fine. */
void table_destroy(struct table *t);

/* Appends a copy of data. A (sec_tag, type) already present is refused with
 * TABLE_ERR_DUPLICATE unless replace, in which case that entry's content and
 * flags are replaced in place (order kept). */
table_err table_add(struct table *t, uint32_t sec_tag, uint8_t type, uint8_t flags,
		    const void *data, size_t len, bool replace, struct provision_diag *diag);

size_t table_count(const struct table *t);
/* i < table_count(t); valid until the table is next modified. */
const struct table_entry *table_entry_at(const struct table *t, size_t i);
uint32_t table_flags(const struct table *t);
void table_set_flags(struct table *t, uint32_t flags);

/* Bytes the encoding takes: header + entries, each padded to 4. */
size_t table_encoded_size(const struct table *t);
/* Encodes into buf (cap bytes); TABLE_ERR_TOO_LARGE (diag gives both sizes)
 * when it does not fit. *len gets the encoded size. */
table_err table_encode(const struct table *t, uint8_t *buf, size_t cap, size_t *len,
		       struct provision_diag *diag);
/* CRC-32 of the encoded entries (the header's entries_crc32, which the
 * firmware echoes in its result as table_crc32). */
uint32_t table_entries_crc32(const struct table *t);

/* Decodes and validates buf[0, len) (hostile input): every header field,
 * every entry's bounds, type, sec_tag, content, padding, duplicates, CRC.
 * Bytes after total_len are ignored. On success *out is a new table. */
table_err table_decode(const uint8_t *buf, size_t len, struct table **out,
		       struct provision_diag *diag);

/* "CA certificate", "PSK", ...; "unknown" for out-of-range values. */
const char *table_type_name(uint8_t type);
/* True for the types whose content is a secret: client private key, PSK.
 * Not even their SHA-256 may leave the process (a log with the digest of
 * a short PSK is the PSK: anyone can try candidates offline); certificates,
 * PSK identities and public keys are public, their digest is a fingerprint. */
bool table_type_is_secret(uint8_t type);
const char *table_strerror(table_err err);

#endif
