/*
 * The result block the provisioning firmware writes into its result area
 * (include/nrfcred/provision.h): decode + validate (hostile input), compare
 * with the table that was sent, and encode (tests, simulator-free checks).
 */
#ifndef NRFCRED_PROVISION_RESULT_H
#define NRFCRED_PROVISION_RESULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nrfcred/provision.h"
#include "provision/diag.h"

struct table;

typedef enum {
	RESULT_OK = 0,
	RESULT_PENDING, /* status word still 0xFFFFFFFF: firmware not finished */
	/* decode */
	RESULT_ERR_TRUNCATED, /* fewer bytes than the header, or than total_len */
	RESULT_ERR_MAGIC,
	RESULT_ERR_VERSION,
	RESULT_ERR_COUNT,  /* count > NRFCRED_TABLE_MAX_ENTRIES */
	RESULT_ERR_LENGTH, /* total_len != NRFCRED_RESULT_SIZE(count) or > result_max */
	RESULT_ERR_CRC,
	RESULT_ERR_IMEI_FORMAT, /* not "" and not 15 digits + NUL */
	RESULT_ERR_MODEM_FW,	/* modem_fw not NUL terminated, or not printable ASCII */
	RESULT_ERR_ENTRY,	/* entry with an unknown type or flags */
	RESULT_ERR_FAIL_INDEX,	/* fail_index neither NO_FAIL nor < count */
	/* check against the table sent */
	RESULT_ERR_STATUS,    /* firmware reported a failure (diag says which) */
	RESULT_ERR_TABLE_CRC, /* firmware processed a different table */
	RESULT_ERR_ENTRY_COUNT,
	RESULT_ERR_ENTRY_MISMATCH, /* (sec_tag, type) differ from the table's entry */
	RESULT_ERR_MODEM_CODE,	   /* an entry has a modem error code */
	RESULT_ERR_NOT_WRITTEN,	   /* an entry lacks the written flag */
	RESULT_ERR_HASH_MISSING,   /* an entry lacks the hash-valid flag */
	RESULT_ERR_HASH_MISMATCH,  /* the modem's SHA-256 differs from the content sent */
	RESULT_ERR_IMEI_LUHN,	   /* IMEI missing or its check digit is wrong */
	/* an entry was listed without a SHA-256 and the policy requires one */
	RESULT_ERR_DIGEST_UNAVAILABLE,
} result_err;

/* What result_check does with an entry the modem listed without a SHA-256
 * (NRFCRED_RESULT_E_LISTED_NO_DIGEST: modem firmware older than 1.3.2). A
 * digest that is present must match under either policy. */
enum result_digest_policy {
	RESULT_DIGEST_REQUIRE,	      /* fail it: RESULT_ERR_DIGEST_UNAVAILABLE */
	RESULT_DIGEST_WHEN_AVAILABLE, /* accept it (see result_count_undigested) */
};

struct result_entry {
	uint32_t sec_tag;
	uint8_t type;
	uint8_t flags;	    /* NRFCRED_RESULT_E_* */
	int32_t modem_code; /* 0, a CME error code, or -1 */
	uint8_t sha256[32];
};

struct result {
	uint32_t status; /* enum nrfcred_result_status, or NRFCRED_RESULT_STATUS_PENDING */
	uint16_t version;
	uint16_t count;
	uint32_t total_len;
	uint32_t table_crc32;
	uint16_t fail_index; /* NRFCRED_RESULT_NO_FAIL when none */
	char imei[16];	     /* "" or 15 digits, always NUL terminated */
	char modem_fw[32];   /* always NUL terminated */
	struct result_entry entries[NRFCRED_TABLE_MAX_ENTRIES];
};

/* Decodes buf[0, len) read from the result area (result_max = the
 * manifest's bound). RESULT_PENDING (out->status set, nothing else) when the
 * status word is still erased. Every other field is validated. */
result_err result_decode(const uint8_t *buf, size_t len, uint32_t result_max, struct result *out,
			 struct provision_diag *diag);

/* Checks a decoded result against the table that was flashed: status 0,
 * (a KEYGEN entry's digest is left to the caller: it is of a certificate
 * the table does not hold),
 * table CRC, entry count, each entry's (sec_tag, type) in order, modem code
 * 0, the written flag, then either hash-valid with a SHA-256 equal to the
 * host's digest of the content, or (policy RESULT_DIGEST_WHEN_AVAILABLE
 * only) listed-without-digest; and an IMEI with a valid Luhn digit. The
 * first problem is returned; diag names the entry, sec_tag, type and codes
 * (never content). */
result_err result_check(const struct result *r, const struct table *sent,
			enum result_digest_policy policy, struct provision_diag *diag);

/* Entries the modem listed without a SHA-256 (NRFCRED_RESULT_E_LISTED_NO_DIGEST):
 * after a RESULT_OK check under RESULT_DIGEST_WHEN_AVAILABLE, how many
 * credentials were accepted unverified (0 = every one was verified). */
size_t result_count_undigested(const struct result *r);

/* Encodes r (status, count, entries ...; total_len and CRC are computed).
 * RESULT_ERR_LENGTH if it does not fit cap. */
result_err result_encode(const struct result *r, uint8_t *buf, size_t cap, size_t *len);

/* True for 15 ASCII digits (then NUL) whose last digit is the Luhn check
 * digit of the first 14 (3GPP TS 23.003, IMEI check digit). */
bool result_imei_valid(const char *imei);

/* "ok", "table CRC mismatch", ... for enum nrfcred_result_status values;
 * "pending" for NRFCRED_RESULT_STATUS_PENDING, "unknown" otherwise. */
const char *result_status_name(uint32_t status);
const char *result_strerror(result_err err);

#endif
