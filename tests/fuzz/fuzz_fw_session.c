/* libFuzzer target: the firmware core's session delivery (session.c) on
 * arbitrary DOWN records. The first byte picks the mode:
 *   0: the DOWN record decoder alone (prov_down_decode) on the bytes as a
 *      DOWN area; the expected seq/nonce/ref come from the record itself
 *      about half the time, and the CRC is fixed up when the length is
 *      plausible, so mutations get past the framing checks
 *   1: a whole session whose one request is a well-framed TABLE record
 *      carrying the bytes as its payload (entries CRC fixed up)
 *   2: a whole session whose one request is the bytes as a raw record
 * Modes 1 and 2 then send END, and check that the answer to the request was
 * a well-formed RESULT or REJECT, that END was answered with DONE, and that
 * the mailbox and the core's buffers were cleared. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Relative: tools/fuzz puts only include/ and src/ on the path. */
#include "../../firmware/core/prov.h"
#include "../../firmware/core/prov_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MBOX_ADDR 0x20020000u
#define MBOX_SIZE NRFCRED_MBOX_MIN_SIZE
#define DOWN_MAX  (MBOX_SIZE - NRFCRED_MBOX_DOWN_OFFSET)

static uint32_t *mbox;
static const uint8_t *input;
static size_t input_len;
static int mode;
static int host_step;
static uint32_t answer_type;

static uint8_t *at_off(uint32_t off)
{
	return (uint8_t *)mbox + off;
}

static uint32_t rd(uint32_t off)
{
	return prov_le32(at_off(off));
}

static void seal(uint8_t *rec, uint32_t length)
{
	prov_put_le32(rec + length - 4, prov_crc32(rec, length - 4));
}

static uint32_t table_rec_len; /* CERT / ACK go after the TABLE record */

static uint32_t frame_at(uint32_t at, uint16_t type, const uint8_t *payload, uint32_t len,
			 uint32_t seq)
{
	uint8_t *d = at_off(NRFCRED_MBOX_DOWN_OFFSET + at);
	uint32_t plen = (len + 3u) & ~3u;
	uint32_t length = NRFCRED_REC_OVERHEAD + plen;
	memset(d, 0, length);
	prov_put_le32(d, NRFCRED_REC_MAGIC);
	prov_put_le16(d + 4, NRFCRED_REC_VERSION);
	prov_put_le16(d + 6, type);
	prov_put_le32(d + 8, length);
	prov_put_le32(d + 12, seq);
	prov_put_le32(d + 16, rd(NRFCRED_MBOX_OFF_NONCE));
	prov_put_le32(d + 20, rd(NRFCRED_MBOX_OFF_FW_SEQ));
	if (len)
		memcpy(d + 24, payload, len);
	seal(d, length);
	return length;
}

static uint32_t frame(uint16_t type, const uint8_t *payload, uint32_t len, uint32_t seq)
{
	return frame_at(0, type, payload, len, seq);
}

/* The UP record the firmware just published must be well formed. */
static uint16_t check_up(void)
{
	const uint8_t *u = at_off(NRFCRED_MBOX_UP_OFFSET);
	uint32_t length = prov_le32(u + 8);
	if (prov_le32(u) != NRFCRED_REC_MAGIC || length % 4 != 0 || length < NRFCRED_REC_OVERHEAD ||
	    length > NRFCRED_MBOX_UP_MAX ||
	    prov_le32(u + length - 4) != prov_crc32(u, length - 4) ||
	    prov_le32(u + 12) != rd(NRFCRED_MBOX_OFF_FW_SEQ))
		abort();
	return prov_le16(u + 6);
}

static int host_idle(void *ctx)
{
	(void)ctx;
	uint16_t type = check_up();
	uint8_t *d = at_off(NRFCRED_MBOX_DOWN_OFFSET);
	switch (host_step++) {
	case 0: /* READY: send the request */
		if (type != NRFCRED_REC_READY)
			abort();
		if (mode == 1) {
			static uint8_t table[DOWN_MAX];
			/* Room behind it for a CERT (rounds inside a TABLE). */
			uint32_t room = DOWN_MAX - 2 * NRFCRED_REC_OVERHEAD - 64;
			uint32_t n = input_len < room ? (uint32_t)input_len : room;
			memcpy(table, input, n);
			if (n >= NRFCRED_TABLE_HEADER_SIZE) {
				uint32_t total = prov_le32(table + 8);
				if (total >= NRFCRED_TABLE_HEADER_SIZE && total <= n)
					prov_put_le32(
						table + 16,
						prov_crc32(table + NRFCRED_TABLE_HEADER_SIZE,
							   total - NRFCRED_TABLE_HEADER_SIZE));
			}
			table_rec_len = frame(NRFCRED_REC_TABLE, table, n, 1);
		} else {
			size_t n = input_len < DOWN_MAX ? input_len : DOWN_MAX;
			memcpy(d, input, n);
		}
		prov_put_le32(at_off(NRFCRED_MBOX_OFF_HOST_SEQ), 1);
		return 0;
	case 1: /* the answer; then END */
		/* A raw first request may itself be a valid END: then the
		 * session is over at once. */
		if (mode == 2 && type == NRFCRED_REC_DONE) {
			host_step = 3;
			return 1;
		}
		/* Rounds inside a fuzzed TABLE (KEYGEN entries, F_ATTEST): a
		 * CERT for a CSR (its sec_tag, a short PEM), ACK for ATTEST. */
		if (mode == 1 && (type == NRFCRED_REC_CSR || type == NRFCRED_REC_ATTEST)) {
			static const char pem[] = "-----BEGIN CERTIFICATE-----\nMIIB\n";
			uint8_t cert[8 + sizeof(pem)];
			const uint8_t *u = at_off(NRFCRED_MBOX_UP_OFFSET + NRFCRED_REC_HEADER_SIZE);
			prov_put_le32(cert, prov_le32(u));
			prov_put_le32(cert + 4, sizeof(pem) - 1);
			memcpy(cert + 8, pem, sizeof(pem) - 1);
			uint32_t seq = rd(NRFCRED_MBOX_OFF_HOST_SEQ) + 1;
			if (type == NRFCRED_REC_CSR)
				frame_at(table_rec_len, NRFCRED_REC_CERT, cert, sizeof(cert) - 1, seq);
			else
				frame_at(table_rec_len, NRFCRED_REC_ACK, NULL, 0, seq);
			prov_put_le32(at_off(NRFCRED_MBOX_OFF_HOST_SEQ), seq);
			host_step = 1;
			return 0;
		}
		if (type != NRFCRED_REC_RESULT && type != NRFCRED_REC_REJECT)
			abort();
		answer_type = type;
		{
			uint32_t seq = rd(NRFCRED_MBOX_OFF_HOST_SEQ) + 1;
			frame(NRFCRED_REC_END, NULL, 0, seq);
			prov_put_le32(at_off(NRFCRED_MBOX_OFF_HOST_SEQ), seq);
		}
		return 0;
	default:
		if (type != NRFCRED_REC_DONE)
			abort();
		return 1;
	}
}

static int ok_modem(void *ctx, const char *cmd, char *resp, size_t len)
{
	(void)ctx;
	unsigned tag, type;
	if (strcmp(cmd, "AT+CGSN=1") == 0)
		snprintf(resp, len, "+CGSN: \"352656100367872\"\r\nOK\r\n");
	else if (strcmp(cmd, "AT+CGMR") == 0)
		snprintf(resp, len, "mfw_nrf9160_1.3.5\r\nOK\r\n");
	else if (sscanf(cmd, "AT%%CMNG=1,%u,%u", &tag, &type) == 2)
		snprintf(resp, len, "%%CMNG: %u,%u\r\nOK\r\n", tag, type);
	else if (strncmp(cmd, "AT%KEYGEN=", 10) == 0)
		snprintf(resp, len, "%%KEYGEN: \"MAMCAQA.oA\"\r\nOK\r\n");
	else if (strcmp(cmd, "AT%ATTESTTOKEN") == 0)
		snprintf(resp, len, "%%ATTESTTOKEN: \"2dn3hQFQ.0oRDoQEm\"\r\nOK\r\n");
	return 0;
}

static uint32_t nonce(void *ctx)
{
	(void)ctx;
	return 0x12345678u;
}

static void decoder_only(const uint8_t *data, size_t size)
{
	static uint32_t area[DOWN_MAX / 4];
	memset(area, 0, sizeof(area));
	size_t n = size < sizeof(area) ? size : sizeof(area);
	memcpy(area, data, n);
	uint8_t *a = (uint8_t *)area;
	uint32_t area_len = (uint32_t)(n & ~(size_t)3);
	uint32_t length = prov_le32(a + 8);
	if (area_len >= NRFCRED_REC_OVERHEAD && length % 4 == 0 && length >= NRFCRED_REC_OVERHEAD &&
	    length <= area_len && (a[0] & 1))
		seal(a, length);
	struct prov_down_expect want = {
		.seq = prov_le32(a + 12),
		.host_seq = prov_le32(a + 12),
		.nonce = prov_le32(a + 16),
		.ref = prov_le32(a + 20),
	};
	if (a[1] & 1)
		want.ref ^= 1;
	struct prov_down_record rec;
	int reason = prov_down_decode(area, area_len, &want, &rec);
	if (reason < 0 || reason > NRFCRED_REJ_STATE || reason == NRFCRED_REJ_STATE)
		abort(); /* the decoder never judges the state */
	if (reason == 0 &&
	    (rec.length > area_len || rec.payload_len + NRFCRED_REC_OVERHEAD != rec.length ||
	     rec.seq != want.seq ||
	     (rec.type != NRFCRED_REC_TABLE && rec.type != NRFCRED_REC_END &&
	      rec.type != NRFCRED_REC_CERT && rec.type != NRFCRED_REC_ACK) ||
	     ((rec.type == NRFCRED_REC_END || rec.type == NRFCRED_REC_ACK) && rec.payload_len != 0) ||
	     (rec.type == NRFCRED_REC_CERT && rec.payload_len < NRFCRED_CERT_PAYLOAD_HEADER) ||
	     (rec.type == NRFCRED_REC_TABLE && rec.payload_len < NRFCRED_TABLE_HEADER_SIZE)))
		abort();
}

static bool zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i] != 0)
			return false;
	}
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	mode = data[0] % 3;
	data++;
	size--;
	if (mode == 0) {
		decoder_only(data, size);
		return 0;
	}
	mbox = malloc(MBOX_SIZE);
	memset(mbox, 0xa5, MBOX_SIZE);
	input = data;
	input_len = size;
	host_step = 0;
	struct nrfcred_manifest_v2 m = {
		.magic = {'n', 'R', 'F', 'c', 'M', 'A', 'N', '1'},
		.version = NRFCRED_MANIFEST_VERSION_SESSION,
		.size = NRFCRED_MANIFEST_V2_SIZE,
		.flags = NRFCRED_MANIFEST_F_SESSION,
		.mailbox_addr = MBOX_ADDR,
		.mailbox_size = MBOX_SIZE,
	};
	m.crc32 = prov_crc32(&m, NRFCRED_MANIFEST_V2_SIZE - 4);
	struct prov_hal hal = {
		.ram_base = (uintptr_t)mbox - MBOX_ADDR,
		.at_cmd = ok_modem,
		.boot_nonce = nonce,
		.idle = host_idle,
	};
	(void)prov_session_run(&hal, &m);
	if (host_step != 3)
		abort(); /* the conversation did not reach DONE */
	if (mode == 1 && ((input_len + 3u) & ~(size_t)3) >= NRFCRED_TABLE_HEADER_SIZE &&
	    answer_type != NRFCRED_REC_RESULT)
		abort(); /* a well-framed TABLE with room for a header is never refused */
	uint32_t after = NRFCRED_MBOX_UP_OFFSET + prov_le32(at_off(NRFCRED_MBOX_UP_OFFSET + 8));
	if (!zero(at_off(after), MBOX_SIZE - after) ||
	    !zero((uint8_t *)&prov_work, sizeof(prov_work)))
		abort(); /* END left something behind */
	free(mbox);
	return 0;
}
