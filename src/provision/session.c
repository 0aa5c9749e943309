#include "provision/session.h"

#include <stdbool.h>
#include <string.h>

#include "image/digest.h"
#include "provision/le.h"

enum {
	REC_MAGIC = 0,
	REC_VERSION = 4,
	REC_TYPE = 6,
	REC_LENGTH = 8,
	REC_SEQ = 12,
	REC_NONCE = 16,
	REC_REF = 20,
};

const char *session_strerror(session_err err)
{
	switch (err) {
	case SESSION_OK:
		return "ok";
	case SESSION_ERR_HEADER:
		return "mailbox header malformed";
	case SESSION_ERR_MAGIC:
		return "record magic wrong";
	case SESSION_ERR_VERSION:
		return "record version unknown";
	case SESSION_ERR_LENGTH:
		return "record length out of bounds";
	case SESSION_ERR_CRC:
		return "record CRC mismatch";
	case SESSION_ERR_TYPE:
		return "unexpected record type";
	case SESSION_ERR_SEQ:
		return "record out of sequence";
	case SESSION_ERR_NONCE:
		return "record names another boot";
	case SESSION_ERR_PAYLOAD:
		return "record payload malformed";
	case SESSION_ERR_NO_ROOM:
		return "record does not fit its mailbox area";
	}
	return "unknown session error";
}

const char *session_reject_name(uint32_t reason)
{
	switch (reason) {
	case NRFCRED_REJ_MAGIC:
		return "bad record magic";
	case NRFCRED_REJ_VERSION:
		return "unknown record version";
	case NRFCRED_REJ_LENGTH:
		return "bad record length";
	case NRFCRED_REJ_CRC:
		return "bad record CRC";
	case NRFCRED_REJ_NONCE:
		return "request for another boot";
	case NRFCRED_REJ_SEQ:
		return "request out of sequence";
	case NRFCRED_REJ_TYPE:
		return "unknown request or payload size";
	case NRFCRED_REJ_STATE:
		return "request after the end of the session";
	}
	return "unknown reason";
}

const char *session_record_type_name(uint16_t type)
{
	switch (type) {
	case NRFCRED_REC_READY:
		return "READY";
	case NRFCRED_REC_RESULT:
		return "RESULT";
	case NRFCRED_REC_REJECT:
		return "REJECT";
	case NRFCRED_REC_DONE:
		return "DONE";
	case NRFCRED_REC_TABLE:
		return "TABLE";
	case NRFCRED_REC_END:
		return "END";
	case NRFCRED_REC_CSR:
		return "CSR";
	case NRFCRED_REC_ATTEST:
		return "ATTEST";
	case NRFCRED_REC_CERT:
		return "CERT";
	case NRFCRED_REC_ACK:
		return "ACK";
	}
	return "unknown";
}

int session_header_ready(const uint8_t buf[NRFCRED_MBOX_HEADER_SIZE])
{
	return le_get32(buf + NRFCRED_MBOX_OFF_MAGIC) == NRFCRED_MBOX_MAGIC &&
	       le_get32(buf + NRFCRED_MBOX_OFF_FW_SEQ) != 0;
}

session_err session_header_decode(const uint8_t buf[NRFCRED_MBOX_HEADER_SIZE],
				  uint32_t mailbox_size, struct session_header *out,
				  struct provision_diag *diag)
{
	uint16_t version = le_get16(buf + NRFCRED_MBOX_OFF_VERSION);
	uint16_t hdr = le_get16(buf + NRFCRED_MBOX_OFF_HDR_SIZE);
	uint32_t size = le_get32(buf + NRFCRED_MBOX_OFF_SIZE);
	if (le_get32(buf + NRFCRED_MBOX_OFF_MAGIC) != NRFCRED_MBOX_MAGIC) {
		provision_diag_set(diag, "mailbox magic 0x%08x",
				   (unsigned)le_get32(buf + NRFCRED_MBOX_OFF_MAGIC));
		return SESSION_ERR_HEADER;
	}
	if (version != NRFCRED_MBOX_VERSION || hdr != NRFCRED_MBOX_HEADER_SIZE ||
	    size != mailbox_size) {
		provision_diag_set(diag,
				   "mailbox version %u, header %u bytes, size %u; expected %u, "
				   "%u, %u (the manifest's)",
				   version, hdr, (unsigned)size, NRFCRED_MBOX_VERSION,
				   NRFCRED_MBOX_HEADER_SIZE, (unsigned)mailbox_size);
		return SESSION_ERR_HEADER;
	}
	out->nonce = le_get32(buf + NRFCRED_MBOX_OFF_NONCE);
	out->fw_seq = le_get32(buf + NRFCRED_MBOX_OFF_FW_SEQ);
	out->ack_seq = le_get32(buf + NRFCRED_MBOX_OFF_ACK_SEQ);
	out->host_seq = le_get32(buf + NRFCRED_MBOX_OFF_HOST_SEQ);
	if (out->nonce == 0) {
		provision_diag_set(diag, "mailbox boot nonce is 0");
		return SESSION_ERR_HEADER;
	}
	return SESSION_OK;
}

uint32_t session_record_length(const uint8_t *buf)
{
	return le_get32(buf + REC_LENGTH);
}

session_err session_record_decode(const uint8_t *buf, size_t len, uint32_t area,
				  struct session_record *out, struct provision_diag *diag)
{
	if (len < NRFCRED_REC_HEADER_SIZE) {
		provision_diag_set(diag, "%zu bytes read, a record header has %u", len,
				   NRFCRED_REC_HEADER_SIZE);
		return SESSION_ERR_LENGTH;
	}
	uint32_t magic = le_get32(buf + REC_MAGIC);
	if (magic != NRFCRED_REC_MAGIC) {
		provision_diag_set(diag, "magic 0x%08x, expected 0x%08x", (unsigned)magic,
				   NRFCRED_REC_MAGIC);
		return SESSION_ERR_MAGIC;
	}
	uint16_t version = le_get16(buf + REC_VERSION);
	if (version != NRFCRED_REC_VERSION) {
		provision_diag_set(diag, "version %u, this tool knows %u", version,
				   NRFCRED_REC_VERSION);
		return SESSION_ERR_VERSION;
	}
	uint32_t length = le_get32(buf + REC_LENGTH);
	if (length < NRFCRED_REC_OVERHEAD || length % 4 != 0 || length > area || length > len) {
		provision_diag_set(diag, "length %u (area %u bytes, %zu read)", (unsigned)length,
				   (unsigned)area, len);
		return SESSION_ERR_LENGTH;
	}
	uint32_t stored = le_get32(buf + length - 4);
	uint32_t crc = crc32_ieee(buf, length - 4);
	if (stored != crc) {
		provision_diag_set(diag, "stored CRC 0x%08x, computed 0x%08x", (unsigned)stored,
				   (unsigned)crc);
		return SESSION_ERR_CRC;
	}
	out->type = le_get16(buf + REC_TYPE);
	out->length = length;
	out->seq = le_get32(buf + REC_SEQ);
	out->nonce = le_get32(buf + REC_NONCE);
	out->ref = le_get32(buf + REC_REF);
	out->payload = buf + NRFCRED_REC_HEADER_SIZE;
	out->payload_len = length - NRFCRED_REC_OVERHEAD;
	return SESSION_OK;
}

size_t session_record_encode(uint16_t type, uint32_t seq, uint32_t nonce, uint32_t ref,
			     const uint8_t *payload, size_t payload_len, uint8_t *out, size_t cap)
{
	size_t padded = (payload_len + 3u) & ~(size_t)3u;
	if (padded < payload_len || cap < NRFCRED_REC_OVERHEAD ||
	    padded > cap - NRFCRED_REC_OVERHEAD || padded > UINT32_MAX - NRFCRED_REC_OVERHEAD)
		return 0;
	size_t length = padded + NRFCRED_REC_OVERHEAD;
	le_put32(out + REC_MAGIC, NRFCRED_REC_MAGIC);
	le_put16(out + REC_VERSION, NRFCRED_REC_VERSION);
	le_put16(out + REC_TYPE, type);
	le_put32(out + REC_LENGTH, (uint32_t)length);
	le_put32(out + REC_SEQ, seq);
	le_put32(out + REC_NONCE, nonce);
	le_put32(out + REC_REF, ref);
	if (payload_len)
		memcpy(out + NRFCRED_REC_HEADER_SIZE, payload, payload_len);
	memset(out + NRFCRED_REC_HEADER_SIZE + payload_len, 0, padded - payload_len);
	le_put32(out + length - 4, crc32_ieee(out, length - 4));
	return length;
}

static session_err payload_size(const struct session_record *r, uint16_t type, uint32_t size,
				struct provision_diag *diag)
{
	if (r->type != type) {
		provision_diag_set(diag, "%s record where %s was expected",
				   session_record_type_name(r->type),
				   session_record_type_name(type));
		return SESSION_ERR_TYPE;
	}
	if (r->payload_len != size) {
		provision_diag_set(diag, "%s payload of %u bytes, expected %u",
				   session_record_type_name(type), (unsigned)r->payload_len,
				   (unsigned)size);
		return SESSION_ERR_PAYLOAD;
	}
	return SESSION_OK;
}

/* A NUL-terminated field of printable ASCII (it reaches logs and a CSV). */
static int text_field(const uint8_t *p, size_t n, char *out)
{
	size_t len = strnlen((const char *)p, n);
	if (len == n)
		return -1;
	for (size_t i = 0; i < len; i++)
		if (p[i] < 0x20 || p[i] > 0x7e)
			return -1;
	for (size_t i = len; i < n; i++)
		if (p[i] != 0)
			return -1;
	memcpy(out, p, n);
	return 0;
}

session_err session_ready_decode(const struct session_record *r, struct session_ready *out,
				 struct provision_diag *diag)
{
	session_err e = payload_size(r, NRFCRED_REC_READY, NRFCRED_READY_PAYLOAD_SIZE, diag);
	if (e != SESSION_OK)
		return e;
	const uint8_t *p = r->payload;
	out->fw_version = le_get32(p + 0);
	out->caps = le_get32(p + 4);
	out->status = le_get32(p + 8);
	if (text_field(p + 16, sizeof out->imei, out->imei) != 0 ||
	    text_field(p + 32, sizeof out->modem_fw, out->modem_fw) != 0) {
		provision_diag_set(diag, "READY: IMEI or modem firmware is not NUL-terminated "
					 "printable text");
		return SESSION_ERR_PAYLOAD;
	}
	size_t n = strlen(out->imei);
	for (size_t i = 0; i < n; i++)
		if (out->imei[i] < '0' || out->imei[i] > '9')
			n = 0;
	if (n != 0 && n != 15) {
		provision_diag_set(diag, "READY: IMEI is not 15 digits");
		return SESSION_ERR_PAYLOAD;
	}
	if (n == 0 && out->imei[0]) {
		provision_diag_set(diag, "READY: IMEI holds a non-digit");
		return SESSION_ERR_PAYLOAD;
	}
	return SESSION_OK;
}

session_err session_reject_decode(const struct session_record *r, uint32_t *reason,
				  uint32_t *detail, struct provision_diag *diag)
{
	session_err e = payload_size(r, NRFCRED_REC_REJECT, NRFCRED_REJECT_PAYLOAD_SIZE, diag);
	if (e != SESSION_OK)
		return e;
	*reason = le_get32(r->payload);
	*detail = le_get32(r->payload + 4);
	return SESSION_OK;
}

session_err session_done_decode(const struct session_record *r, uint32_t *status,
				struct provision_diag *diag)
{
	session_err e = payload_size(r, NRFCRED_REC_DONE, NRFCRED_DONE_PAYLOAD_SIZE, diag);
	if (e != SESSION_OK)
		return e;
	*status = le_get32(r->payload);
	return SESSION_OK;
}

session_err session_csr_decode(const struct session_record *r, struct session_csr *out,
			       struct provision_diag *diag)
{
	if (r->type != NRFCRED_REC_CSR) {
		provision_diag_set(diag, "%s record where CSR was expected",
				   session_record_type_name(r->type));
		return SESSION_ERR_TYPE;
	}
	const uint8_t *p = r->payload;
	if (r->payload_len < NRFCRED_CSR_PAYLOAD_HEADER) {
		provision_diag_set(diag, "CSR payload of %u bytes, shorter than its header",
				   (unsigned)r->payload_len);
		return SESSION_ERR_PAYLOAD;
	}
	out->sec_tag = le_get32(p);
	out->index = le_get16(p + 4);
	uint32_t csr_len = le_get16(p + 6), cose_len = le_get16(p + 8);
	uint32_t need = NRFCRED_CSR_PAYLOAD_HEADER + csr_len + cose_len;
	/* The payload is the header, both parts and at most 3 bytes of zero
	 * padding: nothing else may ride along. */
	if (csr_len == 0 || need > r->payload_len || r->payload_len - need > 3 ||
	    le_get16(p + 10) != 0) {
		provision_diag_set(diag,
				   "CSR payload of %u bytes does not hold a %u-byte CSR and a "
				   "%u-byte COSE object",
				   (unsigned)r->payload_len, (unsigned)csr_len, (unsigned)cose_len);
		return SESSION_ERR_PAYLOAD;
	}
	for (uint32_t i = need; i < r->payload_len; i++)
		if (p[i] != 0) {
			provision_diag_set(diag, "CSR payload padding byte %u is not zero",
					   (unsigned)i);
			return SESSION_ERR_PAYLOAD;
		}
	out->csr = p + NRFCRED_CSR_PAYLOAD_HEADER;
	out->csr_len = csr_len;
	out->cose = out->csr + csr_len;
	out->cose_len = cose_len;
	return SESSION_OK;
}

session_err session_attest_decode(const struct session_record *r, struct session_attest *out,
				  struct provision_diag *diag)
{
	if (r->type != NRFCRED_REC_ATTEST) {
		provision_diag_set(diag, "%s record where ATTEST was expected",
				   session_record_type_name(r->type));
		return SESSION_ERR_TYPE;
	}
	const uint8_t *p = r->payload;
	if (r->payload_len < NRFCRED_ATTEST_PAYLOAD_HEADER) {
		provision_diag_set(diag, "ATTEST payload of %u bytes, shorter than its header",
				   (unsigned)r->payload_len);
		return SESSION_ERR_PAYLOAD;
	}
	out->modem_code = (int32_t)le_get32(p);
	uint32_t len = le_get32(p + 4);
	if (len > r->payload_len - NRFCRED_ATTEST_PAYLOAD_HEADER ||
	    r->payload_len - NRFCRED_ATTEST_PAYLOAD_HEADER - len > 3 ||
	    (out->modem_code != 0 && len != 0) || (out->modem_code == 0 && len == 0)) {
		provision_diag_set(diag, "ATTEST payload of %u bytes, token length %u, code %d",
				   (unsigned)r->payload_len, (unsigned)len, (int)out->modem_code);
		return SESSION_ERR_PAYLOAD;
	}
	/* The token reaches a CSV: base64url and one '.', nothing else. */
	const uint8_t *t = p + NRFCRED_ATTEST_PAYLOAD_HEADER;
	unsigned dots = 0;
	for (uint32_t i = 0; i < len; i++) {
		uint8_t c = t[i];
		bool b64 = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
			   (c >= '0' && c <= '9') || c == '-' || c == '_';
		dots += c == '.';
		if (!b64 && c != '.') {
			provision_diag_set(diag, "ATTEST token byte %u (0x%02x) is not base64url",
					   (unsigned)i, c);
			return SESSION_ERR_PAYLOAD;
		}
	}
	if (len != 0 && dots != 1) {
		provision_diag_set(diag, "ATTEST token has %u '.' separators, not 1", dots);
		return SESSION_ERR_PAYLOAD;
	}
	out->token = (const char *)t;
	out->token_len = len;
	return SESSION_OK;
}
