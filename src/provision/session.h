/*
 * The host's codec of the RAM session protocol (include/nrfcred/provision.h,
 * "session"): the mailbox header, the records both sides write, and the
 * payloads the host reads. Pure functions on byte buffers: every input comes
 * from a board and is treated as hostile (bounds, CRC, field ranges).
 */
#ifndef NRFCRED_PROVISION_SESSION_H
#define NRFCRED_PROVISION_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include "nrfcred/provision.h"
#include "provision/diag.h"

typedef enum {
	SESSION_OK = 0,
	SESSION_ERR_HEADER,  /* mailbox header: version, header size or size wrong */
	SESSION_ERR_MAGIC,   /* record magic wrong */
	SESSION_ERR_VERSION, /* record version unknown */
	SESSION_ERR_LENGTH,  /* record length too short, unaligned or past its area */
	SESSION_ERR_CRC,     /* record CRC-32 mismatch */
	SESSION_ERR_TYPE,    /* record type not expected here */
	SESSION_ERR_SEQ,     /* record seq/ref do not follow the conversation */
	SESSION_ERR_NONCE,   /* record names another boot */
	SESSION_ERR_PAYLOAD, /* payload size or content wrong for its type */
	SESSION_ERR_NO_ROOM, /* the record does not fit the area */
} session_err;

struct session_header {
	uint32_t nonce;
	uint32_t fw_seq;
	uint32_t ack_seq;
	uint32_t host_seq;
};

/* The magic is present and fw_seq is not 0: the firmware has finished
 * writing the header and its first record. Until then the host waits. */
int session_header_ready(const uint8_t buf[NRFCRED_MBOX_HEADER_SIZE]);

/* Decodes a header whose session_header_ready() is true; mailbox_size is
 * the manifest's. */
session_err session_header_decode(const uint8_t buf[NRFCRED_MBOX_HEADER_SIZE],
				  uint32_t mailbox_size, struct session_header *out,
				  struct provision_diag *diag);

struct session_record {
	uint16_t type;
	uint32_t length; /* whole record */
	uint32_t seq;
	uint32_t nonce;
	uint32_t ref;
	const uint8_t *payload; /* points into the decoded buffer */
	uint32_t payload_len;
};

/* Length field of the record header at buf (at least NRFCRED_REC_HEADER_SIZE
 * bytes): how much to read before session_record_decode. */
uint32_t session_record_length(const uint8_t *buf);

/* Decodes the record at buf, of which len bytes were read and area bytes
 * belong to its area: magic, version, length (>= overhead, a multiple of 4,
 * <= area and <= len), CRC. */
session_err session_record_decode(const uint8_t *buf, size_t len, uint32_t area,
				  struct session_record *out, struct provision_diag *diag);

/* Writes a record into out (cap bytes); payload padded with zeroes to a
 * word. Returns its length, or 0 when it does not fit cap. */
size_t session_record_encode(uint16_t type, uint32_t seq, uint32_t nonce, uint32_t ref,
			     const uint8_t *payload, size_t payload_len, uint8_t *out, size_t cap);

struct session_ready {
	uint32_t fw_version;
	uint32_t caps;
	uint32_t status; /* enum nrfcred_result_status of the boot's modem steps */
	char imei[16];	 /* "" or 15 digits */
	char modem_fw[32];
};

session_err session_ready_decode(const struct session_record *r, struct session_ready *out,
				 struct provision_diag *diag);

/* REJECT payload: reason (enum nrfcred_reject) and the seq it names. */
session_err session_reject_decode(const struct session_record *r, uint32_t *reason,
				  uint32_t *detail, struct provision_diag *diag);

/* DONE payload: its status word. */
session_err session_done_decode(const struct session_record *r, uint32_t *status,
				struct provision_diag *diag);

/* CSR payload (provision.h "Rounds inside a TABLE"): pointers into the
 * record's payload. The CSR's own content is not checked here (cred/ca). */
struct session_csr {
	uint32_t sec_tag;
	uint16_t index; /* table entry */
	const uint8_t *csr;
	size_t csr_len;
	const uint8_t *cose;
	size_t cose_len;
};
session_err session_csr_decode(const struct session_record *r, struct session_csr *out,
			       struct provision_diag *diag);

/* ATTEST payload: modem_code 0 and a token of base64url with one '.', or
 * the modem's refusal (a CME code or -1) and no token. */
struct session_attest {
	int32_t modem_code;
	const char *token; /* not NUL terminated; points into the payload */
	size_t token_len;
};
session_err session_attest_decode(const struct session_record *r, struct session_attest *out,
				  struct provision_diag *diag);

/* "bad CRC", ...; for a REJECT reason: what the firmware found wrong. */
const char *session_strerror(session_err err);
const char *session_reject_name(uint32_t reason);
const char *session_record_type_name(uint16_t type);

#endif
