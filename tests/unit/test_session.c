/* The host's session codec against hand-built records: every field a board
 * could get wrong is refused with its own error. */
#include <criterion/criterion.h>
#include <string.h>

#include "image/digest.h"
#include "provision/le.h"
#include "provision/session.h"

static uint8_t buf[512];

static size_t ready(void)
{
	uint8_t p[NRFCRED_READY_PAYLOAD_SIZE] = {0};
	le_put32(p + 0, 0x010200);
	le_put32(p + 4, NRFCRED_CAP_TABLE);
	memcpy(p + 16, "352656100000006", 15);
	memcpy(p + 32, "mfw_nrf9160_1.3.5", 17);
	return session_record_encode(NRFCRED_REC_READY, 1, 0xA5A5, 0, p, sizeof p, buf, sizeof buf);
}

static void recrc(size_t len)
{
	le_put32(buf + len - 4, crc32_ieee(buf, len - 4));
}

Test(session, encodes_and_decodes_a_ready_record)
{
	size_t n = ready();
	cr_assert_eq(n, NRFCRED_REC_OVERHEAD + NRFCRED_READY_PAYLOAD_SIZE);
	struct session_record r;
	cr_assert_eq(session_record_decode(buf, n, NRFCRED_MBOX_UP_MAX, &r, NULL), SESSION_OK);
	cr_assert_eq(r.type, NRFCRED_REC_READY);
	cr_assert_eq(r.seq, 1);
	cr_assert_eq(r.nonce, 0xA5A5);
	struct session_ready rd;
	cr_assert_eq(session_ready_decode(&r, &rd, NULL), SESSION_OK);
	cr_assert_str_eq(rd.imei, "352656100000006");
	cr_assert_str_eq(rd.modem_fw, "mfw_nrf9160_1.3.5");
	cr_assert_eq(rd.caps, NRFCRED_CAP_TABLE);
}

Test(session, pads_payloads_to_a_word_with_zeroes)
{
	const uint8_t p[5] = {1, 2, 3, 4, 5};
	memset(buf, 0xEE, sizeof buf);
	size_t n = session_record_encode(NRFCRED_REC_TABLE, 1, 7, 1, p, 5, buf, sizeof buf);
	cr_assert_eq(n, NRFCRED_REC_OVERHEAD + 8);
	cr_assert_eq(buf[NRFCRED_REC_HEADER_SIZE + 5], 0);
	cr_assert_eq(buf[NRFCRED_REC_HEADER_SIZE + 7], 0);
	cr_assert_eq(session_record_encode(NRFCRED_REC_TABLE, 1, 7, 1, p, 5, buf, 35), 0);
}

Test(session, refuses_each_broken_record_field)
{
	struct session_record r;
	struct provision_diag d;
	size_t n = ready();
	buf[0] ^= 1;
	cr_assert_eq(session_record_decode(buf, n, 4032, &r, &d), SESSION_ERR_MAGIC);
	n = ready();
	buf[4] = 9;
	cr_assert_eq(session_record_decode(buf, n, 4032, &r, &d), SESSION_ERR_VERSION);
	n = ready();
	buf[30] ^= 0x40; /* a payload byte */
	cr_assert_eq(session_record_decode(buf, n, 4032, &r, &d), SESSION_ERR_CRC);
	cr_assert(strstr(d.text, "CRC") != NULL);
	n = ready();
	le_put32(buf + 8, 4033 + 3);
	cr_assert_eq(session_record_decode(buf, sizeof buf, 4032, &r, &d), SESSION_ERR_LENGTH);
	n = ready();
	le_put32(buf + 8, (uint32_t)n + 2); /* unaligned */
	cr_assert_eq(session_record_decode(buf, sizeof buf, 4032, &r, &d), SESSION_ERR_LENGTH);
	n = ready();
	le_put32(buf + 8, 20); /* shorter than header + CRC */
	cr_assert_eq(session_record_decode(buf, n, 4032, &r, &d), SESSION_ERR_LENGTH);
	n = ready();
	cr_assert_eq(session_record_decode(buf, n - 4, 4032, &r, &d), SESSION_ERR_LENGTH,
		     "a record longer than what was read");
	cr_assert_eq(session_record_decode(buf, 10, 4032, &r, &d), SESSION_ERR_LENGTH);
}

Test(session, ready_payload_must_hold_printable_text_and_a_15_digit_imei)
{
	struct session_record r;
	struct session_ready rd;
	size_t n = ready();
	buf[NRFCRED_REC_HEADER_SIZE + 16 + 3] = 'x';
	recrc(n);
	cr_assert_eq(session_record_decode(buf, n, 4032, &r, NULL), SESSION_OK);
	cr_assert_eq(session_ready_decode(&r, &rd, NULL), SESSION_ERR_PAYLOAD);
	n = ready();
	buf[NRFCRED_REC_HEADER_SIZE + 16 + 14] = 0; /* 14 digits */
	recrc(n);
	session_record_decode(buf, n, 4032, &r, NULL);
	cr_assert_eq(session_ready_decode(&r, &rd, NULL), SESSION_ERR_PAYLOAD);
	n = ready();
	memset(buf + NRFCRED_REC_HEADER_SIZE + 32, 'A', 32); /* no NUL */
	recrc(n);
	session_record_decode(buf, n, 4032, &r, NULL);
	cr_assert_eq(session_ready_decode(&r, &rd, NULL), SESSION_ERR_PAYLOAD);
	n = ready();
	buf[NRFCRED_REC_HEADER_SIZE + 32 + 3] = '='; /* printable is fine */
	buf[NRFCRED_REC_HEADER_SIZE + 32 + 4] = 0x1b;
	recrc(n);
	session_record_decode(buf, n, 4032, &r, NULL);
	cr_assert_eq(session_ready_decode(&r, &rd, NULL), SESSION_ERR_PAYLOAD,
		     "an escape character reaches no terminal");
}

Test(session, payload_decoders_check_type_and_size)
{
	struct session_record r;
	uint32_t a, b;
	size_t n = ready();
	session_record_decode(buf, n, 4032, &r, NULL);
	cr_assert_eq(session_done_decode(&r, &a, NULL), SESSION_ERR_TYPE);
	cr_assert_eq(session_reject_decode(&r, &a, &b, NULL), SESSION_ERR_TYPE);
	uint8_t p[8] = {4, 0, 0, 0, 2, 0, 0, 0};
	n = session_record_encode(NRFCRED_REC_REJECT, 2, 1, 1, p, 8, buf, sizeof buf);
	session_record_decode(buf, n, 4032, &r, NULL);
	cr_assert_eq(session_reject_decode(&r, &a, &b, NULL), SESSION_OK);
	cr_assert_eq(a, NRFCRED_REJ_CRC);
	cr_assert_eq(b, 2);
	cr_assert_str_eq(session_reject_name(a), "bad record CRC");
	n = session_record_encode(NRFCRED_REC_DONE, 3, 1, 2, p, 8, buf, sizeof buf);
	session_record_decode(buf, n, 4032, &r, NULL);
	cr_assert_eq(session_done_decode(&r, &a, NULL), SESSION_ERR_PAYLOAD);
}

Test(session, header_needs_magic_and_fw_seq_before_it_counts)
{
	uint8_t h[NRFCRED_MBOX_HEADER_SIZE] = {0};
	cr_assert_not(session_header_ready(h));
	le_put32(h, NRFCRED_MBOX_MAGIC);
	le_put16(h + 4, NRFCRED_MBOX_VERSION);
	le_put16(h + 6, NRFCRED_MBOX_HEADER_SIZE);
	le_put32(h + 8, 0x8000);
	le_put32(h + 12, 0x1234);
	cr_assert_not(session_header_ready(h));
	le_put32(h + NRFCRED_MBOX_OFF_FW_SEQ, 1);
	cr_assert(session_header_ready(h));
	struct session_header sh;
	cr_assert_eq(session_header_decode(h, 0x8000, &sh, NULL), SESSION_OK);
	cr_assert_eq(sh.nonce, 0x1234);
	cr_assert_eq(sh.fw_seq, 1);
	cr_assert_eq(session_header_decode(h, 0x4000, &sh, NULL), SESSION_ERR_HEADER);
	le_put32(h + 12, 0);
	cr_assert_eq(session_header_decode(h, 0x8000, &sh, NULL), SESSION_ERR_HEADER);
}

/* ---- rounds inside a TABLE: CSR and ATTEST payloads (provision.h) */

static struct session_record as_record(uint16_t type, const uint8_t *payload, uint32_t len)
{
	return (struct session_record){.type = type, .payload = payload, .payload_len = len};
}

Test(session, csr_payload_holds_exactly_its_parts)
{
	uint8_t p[32] = {0};
	le_put32(p, 44);
	le_put16(p + 4, 2);
	le_put16(p + 6, 5);  /* csr */
	le_put16(p + 8, 3);  /* cose */
	memcpy(p + 12, "\x30\x03\x02\x01\x00", 5);
	memcpy(p + 17, "\xd2\x84\x43", 3);
	struct session_csr c;
	struct session_record r = as_record(NRFCRED_REC_CSR, p, 20);
	cr_assert_eq(session_csr_decode(&r, &c, NULL), SESSION_OK);
	cr_assert_eq(c.sec_tag, 44);
	cr_assert_eq(c.index, 2);
	cr_assert_eq(c.csr_len, 5);
	cr_assert_eq(c.cose_len, 3);
	cr_assert_eq(c.csr[0], 0x30);
	cr_assert_eq(c.cose[0], 0xd2);
	r.payload_len = 24; /* 4 bytes of zero padding: more than a word's worth */
	cr_assert_eq(session_csr_decode(&r, &c, NULL), SESSION_ERR_PAYLOAD);
	r.payload_len = 16; /* shorter than the parts */
	cr_assert_eq(session_csr_decode(&r, &c, NULL), SESSION_ERR_PAYLOAD);
	le_put16(p + 6, 0);
	r.payload_len = 20;
	cr_assert_eq(session_csr_decode(&r, &c, NULL), SESSION_ERR_PAYLOAD, "an empty CSR");
	r.type = NRFCRED_REC_RESULT;
	cr_assert_eq(session_csr_decode(&r, &c, NULL), SESSION_ERR_TYPE);
}

Test(session, attest_payload_is_a_base64url_token_or_the_modem_refusal)
{
	uint8_t p[64] = {0};
	static const char tok[] = "2dn3hQFQ.0oRDoQEm";
	le_put32(p, 0);
	le_put32(p + 4, sizeof tok - 1);
	memcpy(p + 8, tok, sizeof tok - 1);
	struct session_attest a;
	struct session_record r = as_record(NRFCRED_REC_ATTEST, p, 28);
	cr_assert_eq(session_attest_decode(&r, &a, NULL), SESSION_OK);
	cr_assert_eq(a.token_len, sizeof tok - 1);
	cr_assert_eq(memcmp(a.token, tok, a.token_len), 0);
	p[10] = ',';
	cr_assert_eq(session_attest_decode(&r, &a, NULL), SESSION_ERR_PAYLOAD, "a CSV separator");
	p[10] = 'n';
	p[8 + 8] = 'x'; /* no '.' */
	cr_assert_eq(session_attest_decode(&r, &a, NULL), SESSION_ERR_PAYLOAD);
	le_put32(p, (uint32_t)-1);
	le_put32(p + 4, 0);
	r.payload_len = 8;
	cr_assert_eq(session_attest_decode(&r, &a, NULL), SESSION_OK);
	cr_assert_eq(a.modem_code, -1);
	cr_assert_eq(a.token_len, 0);
	le_put32(p, 0);
	cr_assert_eq(session_attest_decode(&r, &a, NULL), SESSION_ERR_PAYLOAD, "OK without a token");
}
