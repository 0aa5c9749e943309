/*
 * Internals of the provisioning core, shared by its files and its unit tests.
 * Freestanding: only <stddef.h>, <stdint.h>, <stdbool.h>.
 */
#ifndef NRFCRED_FW_PROV_INTERNAL_H
#define NRFCRED_FW_PROV_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "prov.h"

/* ---- util.c: tiny libc replacements (the firmware links no libc) */
void prov_mem_set(void *dst, uint8_t value, size_t n);
void prov_mem_copy(void *dst, const void *src, size_t n);
/* Clears a buffer that held secret material; not optimised away. */
void prov_mem_wipe(void *dst, size_t n);
size_t prov_str_len(const char *s, size_t max);
uint16_t prov_le16(const uint8_t *p);
uint32_t prov_le32(const uint8_t *p);
void prov_put_le16(uint8_t *p, uint16_t v);
void prov_put_le32(uint8_t *p, uint32_t v);

/* ---- crc32.c: CRC-32/IEEE (reflected 0xEDB88320, init/xorout 0xFFFFFFFF) */
uint32_t prov_crc32(const void *data, size_t len);

/* ---- table.c */
struct prov_entry {
	uint32_t sec_tag;
	uint8_t type;
	uint8_t flags;
	uint16_t length;
	const uint8_t *data;
};

struct prov_table {
	const uint8_t *base;
	uint16_t count;
	uint32_t total_len;
	uint32_t flags;
	uint32_t entries_crc32;
};

/*
 * Checks the manifest: magic, version, size, CRC, page-aligned areas that do
 * not overlap, a result area that holds at least an empty result block.
 * Returns NRFCRED_RES_OK or NRFCRED_RES_MANIFEST_BAD.
 */
int prov_manifest_check(const struct nrfcred_manifest *m);

/*
 * Validates the table at `base` (at most `max` readable bytes) completely:
 * header, lengths, CRC, then every entry (bounds, type, sec_tag, content,
 * padding). Fills *t on success. Returns NRFCRED_RES_OK or a
 * NRFCRED_RES_TABLE_* status; *bad_index is the offending entry or
 * NRFCRED_RESULT_NO_FAIL.
 */
int prov_table_check(const uint8_t *base, uint32_t max, struct prov_table *t, uint16_t *bad_index);

/* Entry at *offset of a table that passed prov_table_check; advances *offset. */
void prov_table_next(const struct prov_table *t, uint32_t *offset, struct prov_entry *e);

/* ---- at.c: command formatting and response parsing */
struct prov_buf {
	char *p;
	size_t cap; /* bytes in p, including room for the NUL */
	size_t len;
	bool overflow;
};

void prov_buf_init(struct prov_buf *b, char *p, size_t cap);
void prov_buf_str(struct prov_buf *b, const char *s);
void prov_buf_bytes(struct prov_buf *b, const uint8_t *s, size_t n);
void prov_buf_u32(struct prov_buf *b, uint32_t v);

/* `+CGSN: "<15 digits>"` (or a bare 15-digit line) -> imei[16]. 0 or -1. */
int prov_parse_imei(const char *resp, char imei[16]);
/* First non-empty line of the AT+CGMR answer -> fw[32] (NUL padded). 0 or -1. */
int prov_parse_cgmr(const char *resp, char fw[32]);
/* What the AT%CMNG=1 answer says about exactly (tag,type). */
enum {
	PROV_CMNG_DIGEST = 0,		/* `%CMNG: <tag>,<type>,"<64 hex>"`: sha[32] filled */
	PROV_CMNG_LISTED_NO_DIGEST = 1, /* `%CMNG: <tag>,<type>`: listed, no <sha> field */
	PROV_CMNG_NOT_LISTED = -1,	/* no line names (tag,type) */
	PROV_CMNG_MALFORMED = -2,	/* a line names it, the rest is neither form */
};
/* Spaces after ':' and ',' are accepted. sha is written only on PROV_CMNG_DIGEST. */
int prov_parse_cmng_list(const char *resp, uint32_t tag, uint8_t type, uint8_t sha[32]);

#endif
