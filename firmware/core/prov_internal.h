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
/* The same CRC in pieces: state = PROV_CRC32_INIT, then _add / _add_le32 as
 * often as needed, crc = state ^ PROV_CRC32_XOROUT. */
#define PROV_CRC32_INIT	  0xffffffffu
#define PROV_CRC32_XOROUT 0xffffffffu
uint32_t prov_crc32_add(uint32_t state, const void *data, size_t len);
/* Adds the 4 bytes of value in little-endian order. */
uint32_t prov_crc32_add_le32(uint32_t state, uint32_t value);

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

/* A manifest that passed prov_manifest_check, decoded. */
struct prov_layout {
	uint16_t version;
	bool flash_areas; /* table and result areas named (else all four fields 0) */
	uint32_t table_addr;
	uint32_t table_max;
	uint32_t result_addr;
	uint32_t result_max;
	uint32_t progress_addr;
	uint32_t fw_version;
	uint32_t flags;
	uint32_t mailbox_addr; /* 0 unless NRFCRED_MANIFEST_F_SESSION */
	uint32_t mailbox_size;
};

/*
 * Checks a version 1 or version 2 manifest, read byte-wise (its version
 * field says how many bytes there are): magic, version, size, CRC; for
 * version 2 only known flags. Flash areas: page aligned, not overlapping, a
 * result area that holds at least an empty result block -- or, in a
 * version 2 session manifest, all four fields 0 (session only). Mailbox
 * (F_SESSION): 4 KB aligned, a multiple of 4 KB in
 * [NRFCRED_MBOX_MIN_SIZE, NRFCRED_MBOX_MAX_SIZE], inside RAM, not holding
 * the progress word; without F_SESSION both mailbox fields 0. Fills
 * *layout on success. Returns NRFCRED_RES_OK or NRFCRED_RES_MANIFEST_BAD.
 */
int prov_manifest_check(const void *manifest, struct prov_layout *layout);

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
/*
 * The `%KEYGEN: "<base64url CSR>.<base64url COSE>"` line of a %KEYGEN
 * answer: decodes the CSR (1..PROV_CSR_MAX bytes, starting as a DER
 * SEQUENCE) into out and the COSE_Sign1 (1..PROV_COSE_MAX bytes) right
 * after it; out has cap bytes. Canonical unpadded base64url only. 0 or -1.
 */
int prov_parse_keygen(const char *resp, uint8_t *out, size_t cap, uint16_t *csr_len,
		      uint16_t *cose_len);
/* The `%ATTESTTOKEN: "<base64url>.<base64url>"` line: *token points at the
 * text between the quotes (inside resp), *len its length. 0 or -1. */
int prov_parse_attest(const char *resp, const char **token, size_t *len);

/* ---- prov.c: the steps both deliveries share */

/*
 * The core's working memory: static, not on the stack (a 4 KB credential
 * plus its command prefix is most of a small firmware stack, and there is no
 * heap). at_cmd holds credential text while a write is on its way;
 * prov_work_wipe() clears all of it.
 */
struct prov_work {
	char at_cmd[PROV_AT_CMD_MAX];
	char at_resp[PROV_AT_RESP_MAX];
	uint32_t result[NRFCRED_RESULT_SIZE(NRFCRED_TABLE_MAX_ENTRIES) / 4u];
	/* A CSR or ATTEST payload on its way up (public data). */
	uint32_t up[(NRFCRED_CSR_PAYLOAD_HEADER + PROV_AT_RESP_MAX + 3u) / 4u];
};
extern struct prov_work prov_work;
void prov_work_wipe(void);

/*
 * A round with the host inside a table (provision.h "Rounds inside a
 * TABLE"): the session delivery provides it, the flash delivery has none.
 * round() publishes an UP record (up_type, payload of len bytes, a
 * multiple of 4) and waits for the host's answer; *answer points at its
 * payload where it lies (plain memory, bounds checked), *answer_len its
 * length. Returns NRFCRED_RES_OK, NRFCRED_RES_CERT_REFUSED (an answer that
 * is malformed or of another type than want_type) or NRFCRED_RES_INTERNAL
 * (the binding stopped waiting).
 */
struct prov_exchange {
	void *ctx;
	int (*round)(void *ctx, uint16_t up_type, const uint8_t *payload, uint32_t len,
		     uint16_t want_type, const uint8_t **answer, uint32_t *answer_len);
};

/* One pass over a table: where its result block is built, and how far the
 * credentials got. */
struct prov_run {
	const struct prov_hal *hal;
	const struct prov_exchange *x; /* NULL: no rounds (flash delivery) */
	uint32_t progress_addr; /* the manifest's; 0 = no progress word */
	uint8_t *res;		/* result block being built (prov_work.result) */
	uint16_t count;
	uint16_t fail_index;
};

/* What the modem steps learn; "" where they did not get that far. */
struct prov_identity {
	char imei[16];
	char modem_fw[32];
};

void prov_progress(const struct prov_run *r, uint32_t phase, uint32_t index, uint32_t total);
/* AT+CMEE=1, AT+CFUN=4, AT+CGSN=1, AT+CGMR. Fills *id as far as it gets
 * (zeroed first). Returns NRFCRED_RES_OK or the failing step's status. */
int prov_identify(const struct prov_run *r, struct prov_identity *id);
/* Result header for table t (entries_crc32 echoed), status pending, no
 * entries yet; t may be one that failed its check (its fields are 0 then,
 * or as far as the check read them). */
void prov_result_init(struct prov_run *r, const struct prov_table *t);
/* One entry per table entry (sec_tag, type; nothing attempted yet). */
void prov_result_set_entries(struct prov_run *r, const struct prov_table *t);
void prov_result_set_identity(struct prov_run *r, const struct prov_identity *id);
/* NRFCRED_TABLE_F_ATTEST: AT%ATTESTTOKEN, its answer up in an ATTEST
 * record (whatever the modem said), the host's ACK awaited. Returns
 * NRFCRED_RES_OK, NRFCRED_RES_NEEDS_SESSION without r->x, or the round's
 * failure. */
int prov_attest(struct prov_run *r);
/* Writes every entry of a checked table (after prov_attest when the table
 * asks for it); stops at the first failure (fail_index, the entry's
 * modem_code). Returns NRFCRED_RES_OK or why. */
int prov_credentials(struct prov_run *r, const struct prov_table *t);
/*
 * Completes the block: count, total_len, fail_index, status word (word 0)
 * and CRC. A block larger than max is replaced by an empty one whose status
 * is NRFCRED_RES_RESULT_TOO_LARGE. Returns total_len; *status is what word 0
 * now holds.
 */
uint32_t prov_result_seal(struct prov_run *r, int *status, uint32_t max);

/* ---- session.c: the DOWN record decoder (exposed for its fuzz target) */

/* What the firmware expects of the next DOWN record. */
struct prov_down_expect {
	uint32_t seq;	   /* ack_seq + 1 */
	uint32_t host_seq; /* the doorbell value that announced it */
	uint32_t nonce;	   /* this boot's */
	uint32_t ref;	   /* fw_seq: the last UP record the host should have read */
};

struct prov_down_record {
	uint32_t seq; /* as read, whatever the outcome (a REJECT's detail) */
	uint16_t type;
	uint32_t length;
	uint32_t payload_len; /* length - NRFCRED_REC_OVERHEAD */
};

/*
 * Checks the record at the start of a DOWN area (area_len bytes, word
 * aligned, read through volatile word loads only) in this order: magic,
 * version, length (a multiple of 4, at least a header and CRC, inside the
 * area), CRC, nonce, seq (= want->seq and = want->host_seq), ref, then type
 * and payload size (TABLE: at least a table header; END: empty). The CRC
 * comes before the fields it covers, so a torn or corrupt record is reported
 * as such rather than as whatever field the damage hit. Fills *rec. Returns
 * 0 or the enum nrfcred_reject reason.
 */
int prov_down_decode(const volatile uint32_t *area, uint32_t area_len,
		     const struct prov_down_expect *want, struct prov_down_record *rec);

#endif
