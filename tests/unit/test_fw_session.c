/* The session delivery of the firmware core (firmware/core/session.c)
 * against a fake HAL: a buffer stands in for the RAM mailbox, a scripted
 * modem with a small credential store answers the AT commands, and the idle
 * hook plays the host. The firmware calls idle only when it has answered
 * everything, so each call reads the record it just published, checks its
 * framing, and writes the script's next move (or ends the run). */
#include <criterion/criterion.h>
#include <mbedtls/sha256.h>
#include <stdio.h>
#include <string.h>

#include "prov.h"
#include "prov_internal.h"

#define MBOX_ADDR 0x20010000u
#define MBOX_SIZE 0x8000u
#define DOWN_MAX  (MBOX_SIZE - NRFCRED_MBOX_DOWN_OFFSET)
#define NONCE	  0x5eed1234u
#define FW_VER	  0x00010203u
#define IMEI	  "352656100367872"
#define MFW	  "mfw_nrf9160_1.3.5"

/* How the host spoils a DOWN record. */
enum mutation {
	MUT_NONE,
	MUT_MAGIC,
	MUT_VERSION,
	MUT_LENGTH_ODD,
	MUT_LENGTH_SHORT,
	MUT_LENGTH_PAST,
	MUT_CRC,
	MUT_NONCE,
	MUT_SEQ,
	MUT_DOORBELL, /* host_seq names another seq than the record's */
	MUT_REF,
};

struct move {
	uint16_t type;
	const void *payload;
	uint32_t len;
	enum mutation mut;
	unsigned delay; /* idle calls the host lets pass before it writes */
	uint32_t at;	/* DOWN area offset: past the TABLE for CERT / ACK */
};

struct record {
	uint16_t type;
	uint32_t seq, ref, length;
	uint8_t payload[NRFCRED_MBOX_UP_MAX];
	uint32_t payload_len;
};

struct rule {
	const char *prefix;
	int rc;
	const char *resp;
};

struct cred {
	bool used;
	uint32_t tag, type;
	uint8_t sha[32];
};

static struct {
	uint32_t mbox[MBOX_SIZE / 4];
	struct prov_hal hal;
	struct nrfcred_manifest_v2 m;
	uint32_t nonce;
	/* modem */
	struct rule rules[8];
	size_t nrules;
	struct cred store[32];
	char cmds[64][160];
	size_t ncmds;
	uint32_t ack_seen_at_write[64], host_seq_at_write[64];
	size_t nwrites;
	/* host */
	struct move moves[16];
	size_t nmoves, next_move;
	unsigned delay_left;
	bool delaying;
	uint32_t host_seq;
	uint32_t seen_fw_seq;
	struct record up[16];
	size_t nup;
	size_t idles;
	bool down_zero_at[16]; /* the DOWN area was clear when up[i] arrived */
} S;

/* Bit-by-bit reference CRC, independent of the core's nibble table. */
static uint32_t ref_crc32(const void *data, size_t len)
{
	const uint8_t *p = data;
	uint32_t c = 0xffffffffu;
	for (size_t i = 0; i < len; i++) {
		c ^= p[i];
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1u)));
	}
	return ~c;
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static uint8_t *mb(uint32_t off)
{
	return (uint8_t *)S.mbox + off;
}

static uint32_t mb32(uint32_t off)
{
	return get32(mb(off));
}

static bool all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i] != 0)
			return false;
	}
	return true;
}

/* ---- the modem */

static struct cred *find_cred(uint32_t tag, uint32_t type)
{
	for (size_t i = 0; i < 32; i++) {
		if (S.store[i].used && S.store[i].tag == tag && S.store[i].type == type)
			return &S.store[i];
	}
	return NULL;
}

static int modem(const char *cmd, char *resp, size_t resp_len)
{
	unsigned tag, type;
	int used = 0;
	if (strcmp(cmd, "AT+CMEE=1") == 0 || strcmp(cmd, "AT+CFUN=4") == 0)
		return 0;
	if (strcmp(cmd, "AT+CGSN=1") == 0) {
		snprintf(resp, resp_len, "+CGSN: \"%s\"\r\nOK\r\n", IMEI);
		return 0;
	}
	if (strcmp(cmd, "AT+CGMR") == 0) {
		snprintf(resp, resp_len, "%s\r\nOK\r\n", MFW);
		return 0;
	}
	if (sscanf(cmd, "AT%%CMNG=0,%u,%u,\"%n", &tag, &type, &used) == 2 && used > 0) {
		const char *content = cmd + used;
		size_t n = strlen(content);
		cr_assert(n >= 1 && content[n - 1] == '"');
		struct cred *c = find_cred(tag, type);
		for (size_t i = 0; c == NULL && i < 32; i++) {
			if (!S.store[i].used)
				c = &S.store[i];
		}
		cr_assert_not_null(c);
		*c = (struct cred){.used = true, .tag = tag, .type = type};
		mbedtls_sha256_ret((const unsigned char *)content, n - 1, c->sha, 0);
		return 0;
	}
	if (sscanf(cmd, "AT%%CMNG=1,%u,%u", &tag, &type) == 2) {
		struct cred *c = find_cred(tag, type);
		if (c == NULL)
			return 0;
		char hex[65];
		for (int i = 0; i < 32; i++)
			snprintf(hex + 2 * i, 3, "%02X", c->sha[i]);
		snprintf(resp, resp_len, "%%CMNG: %u,%u,\"%s\"\r\nOK\r\n", tag, type, hex);
		return 0;
	}
	if (sscanf(cmd, "AT%%CMNG=3,%u,%u", &tag, &type) == 2) {
		struct cred *c = find_cred(tag, type);
		if (c == NULL)
			return 513;
		c->used = false;
		return 0;
	}
	return -1;
}

static int fake_at(void *ctx, const char *cmd, char *resp, size_t resp_len)
{
	cr_assert_eq(ctx, &S);
	resp[0] = '\0';
	size_t i = S.ncmds++;
	cr_assert_lt(i, 64u);
	snprintf(S.cmds[i], sizeof(S.cmds[i]), "%s", cmd);
	if (strncmp(cmd, "AT%CMNG=0,", 10) == 0 && S.nwrites < 64) {
		S.ack_seen_at_write[S.nwrites] = mb32(NRFCRED_MBOX_OFF_ACK_SEQ);
		S.host_seq_at_write[S.nwrites++] = mb32(NRFCRED_MBOX_OFF_HOST_SEQ);
	}
	for (size_t r = 0; r < S.nrules; r++) {
		if (strncmp(cmd, S.rules[r].prefix, strlen(S.rules[r].prefix)) == 0) {
			snprintf(resp, resp_len, "%s", S.rules[r].resp ? S.rules[r].resp : "");
			return S.rules[r].rc;
		}
	}
	return modem(cmd, resp, resp_len);
}

/* ---- the host */

static void read_up(void)
{
	size_t i = S.nup++;
	cr_assert_lt(i, 16u);
	struct record *r = &S.up[i];
	const uint8_t *u = mb(NRFCRED_MBOX_UP_OFFSET);
	cr_assert_eq(get32(u), NRFCRED_REC_MAGIC, "UP record %zu magic", i);
	cr_assert_eq(get16(u + 4), NRFCRED_REC_VERSION);
	r->type = get16(u + 6);
	r->length = get32(u + 8);
	r->seq = get32(u + 12);
	r->ref = get32(u + 20);
	cr_assert_eq(r->length % 4, 0);
	cr_assert_geq(r->length, NRFCRED_REC_OVERHEAD);
	cr_assert_leq(r->length, NRFCRED_MBOX_UP_MAX);
	cr_assert_eq(r->seq, mb32(NRFCRED_MBOX_OFF_FW_SEQ), "record seq is fw_seq");
	cr_assert_eq(r->seq, i + 1, "UP seq counts from 1 (READY)");
	cr_assert_eq(get32(u + 16), mb32(NRFCRED_MBOX_OFF_NONCE));
	cr_assert_eq(get32(u + r->length - 4), ref_crc32(u, r->length - 4), "UP record %zu CRC", i);
	r->payload_len = r->length - NRFCRED_REC_OVERHEAD;
	memcpy(r->payload, u + 24, r->payload_len);
	S.down_zero_at[i] = all_zero(mb(NRFCRED_MBOX_DOWN_OFFSET), DOWN_MAX);
}

static void host_send(const struct move *mv)
{
	uint8_t *d = mb(NRFCRED_MBOX_DOWN_OFFSET + mv->at);
	uint32_t seq = S.host_seq + 1;
	uint32_t plen = (mv->len + 3u) & ~3u;
	uint32_t length = NRFCRED_REC_OVERHEAD + plen;
	cr_assert_leq(length + mv->at, DOWN_MAX);
	memset(d, 0, length);
	put32(d, NRFCRED_REC_MAGIC);
	put16(d + 4, NRFCRED_REC_VERSION);
	put16(d + 6, mv->type);
	put32(d + 8, length);
	put32(d + 12, seq);
	put32(d + 16, mb32(NRFCRED_MBOX_OFF_NONCE));
	put32(d + 20, mb32(NRFCRED_MBOX_OFF_FW_SEQ));
	if (mv->len)
		memcpy(d + 24, mv->payload, mv->len);
	switch (mv->mut) {
	case MUT_VERSION:
		put16(d + 4, 2);
		break;
	case MUT_NONCE:
		put32(d + 16, get32(d + 16) ^ 0x100u);
		break;
	case MUT_SEQ:
		put32(d + 12, seq + 1);
		break;
	case MUT_REF:
		put32(d + 20, get32(d + 20) - 1);
		break;
	default:
		break;
	}
	put32(d + length - 4, ref_crc32(d, length - 4));
	switch (mv->mut) {
	case MUT_MAGIC:
		d[3] ^= 0x40;
		break;
	case MUT_LENGTH_ODD:
		put32(d + 8, length + 2);
		break;
	case MUT_LENGTH_SHORT:
		put32(d + 8, NRFCRED_REC_OVERHEAD - 4);
		break;
	case MUT_LENGTH_PAST:
		put32(d + 8, DOWN_MAX + 4);
		break;
	case MUT_CRC:
		d[length - 5] ^= 0x01; /* last payload byte, or the ref field */
		break;
	default:
		break;
	}
	S.host_seq = mv->mut == MUT_DOORBELL ? seq + 1 : seq;
	put32(mb(NRFCRED_MBOX_OFF_HOST_SEQ), S.host_seq); /* the doorbell, last */
}

static int fake_idle(void *ctx)
{
	cr_assert_eq(ctx, &S);
	cr_assert_lt(++S.idles, 1000u, "the firmware keeps waiting");
	uint32_t fw_seq = mb32(NRFCRED_MBOX_OFF_FW_SEQ);
	if (fw_seq != S.seen_fw_seq) {
		read_up();
		S.seen_fw_seq = fw_seq;
		S.delaying = false;
	} else {
		cr_assert(S.delaying, "idle without an answer to the host's record");
	}
	if (S.next_move == S.nmoves)
		return 1;
	const struct move *mv = &S.moves[S.next_move];
	if (!S.delaying) {
		S.delaying = true;
		S.delay_left = mv->delay;
	}
	if (S.delay_left > 0) {
		S.delay_left--;
		return 0;
	}
	S.next_move++;
	host_send(mv);
	S.delaying = false; /* the next call must see the answer */
	return 0;
}

static uint32_t fake_nonce(void *ctx)
{
	cr_assert_eq(ctx, &S);
	return S.nonce;
}

static void setup(void)
{
	memset(&S, 0, sizeof(S));
	S.nonce = NONCE;
	S.hal = (struct prov_hal){
		.ctx = &S,
		.ram_base = (uintptr_t)S.mbox - MBOX_ADDR,
		.at_cmd = fake_at,
		.boot_nonce = fake_nonce,
		.idle = fake_idle,
	};
	memcpy(S.m.magic, NRFCRED_MANIFEST_MAGIC, 8);
	S.m.version = NRFCRED_MANIFEST_VERSION_SESSION;
	S.m.size = NRFCRED_MANIFEST_V2_SIZE;
	S.m.fw_version = FW_VER;
	S.m.flags = NRFCRED_MANIFEST_F_SESSION;
	S.m.mailbox_addr = MBOX_ADDR;
	S.m.mailbox_size = MBOX_SIZE;
	S.m.crc32 = ref_crc32(&S.m, NRFCRED_MANIFEST_V2_SIZE - 4);
	/* What RAM holds before the firmware clears it. */
	memset(S.mbox, 0xa5, sizeof(S.mbox));
	/* The core's static buffers hold whatever an earlier test left. */
	memset(&prov_work, 0x5a, sizeof(prov_work));
}

TestSuite(fw_session, .init = setup);

/* Appends a move to the host's script. */
static void send(uint16_t type, const void *payload, uint32_t len, enum mutation mut,
		 unsigned delay)
{
	cr_assert_lt(S.nmoves, 16u);
	S.moves[S.nmoves++] = (struct move){type, payload, len, mut, delay, 0};
}

/* A move written at offset `at` of the DOWN area (an answer inside a TABLE). */
static void send_at(uint16_t type, const void *payload, uint32_t len, uint32_t at)
{
	cr_assert_lt(S.nmoves, 16u);
	S.moves[S.nmoves++] = (struct move){type, payload, len, MUT_NONE, 0, at};
}

static int run(void)
{
	return prov_session_run(&S.hal, &S.m);
}

struct ent {
	uint32_t tag;
	uint8_t type;
	uint8_t flags;
	const char *data;
};

static const struct ent FIVE[] = {
	{16842753, 0, 0,
	 "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUW\n-----END CERTIFICATE-----\n"},
	{16842753, 1, 0, "-----BEGIN CERTIFICATE-----\nMIIBdevice\n-----END CERTIFICATE-----\n"},
	{16842753, 2, 0,
	 "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEI\n-----END EC PRIVATE KEY-----\n"},
	{42, 3, NRFCRED_ENTRY_F_DELETE_FIRST, "0123456789abcdef0123456789ABCDEF"},
	{42, 4, 0, "device-42"},
};

/* A table exactly as the flash delivery takes it; returns its length. */
static uint32_t build_table(uint8_t *t, const struct ent *e, size_t n, uint32_t flags)
{
	uint32_t off = NRFCRED_TABLE_HEADER_SIZE;
	memset(t, 0, 4096);
	for (size_t i = 0; i < n; i++) {
		uint16_t len = (uint16_t)strlen(e[i].data);
		put32(t + off, e[i].tag);
		t[off + 4] = e[i].type;
		t[off + 5] = e[i].flags;
		put16(t + off + 6, len);
		memcpy(t + off + 8, e[i].data, len);
		off = (off + 8 + len + 3u) & ~3u;
	}
	put32(t, NRFCRED_TABLE_MAGIC);
	put16(t + 4, NRFCRED_TABLE_VERSION);
	put16(t + 6, (uint16_t)n);
	put32(t + 8, off);
	put32(t + 12, flags);
	put32(t + 16, ref_crc32(t + 20, off - 20));
	return off;
}

static uint8_t TABLE5[4096];

static uint32_t table5(void)
{
	return build_table(TABLE5, FIVE, 5, 0);
}

static void assert_ready(const struct record *r, uint32_t status, const char *imei)
{
	cr_assert_eq(r->type, NRFCRED_REC_READY);
	cr_assert_eq(r->ref, 0);
	cr_assert_eq(r->payload_len, NRFCRED_READY_PAYLOAD_SIZE);
	cr_assert_eq(get32(r->payload + 0), FW_VER);
	cr_assert_eq(get32(r->payload + 4),
		     NRFCRED_CAP_TABLE | NRFCRED_CAP_KEYGEN | NRFCRED_CAP_ATTEST);
	cr_assert_eq(get32(r->payload + 8), status);
	cr_assert_eq(get32(r->payload + 12), 0);
	cr_assert_str_eq((const char *)r->payload + 16, imei);
	cr_assert_eq(r->payload[31], 0);
}

/* Checks a RESULT's payload as the host's flash-delivery reader would, and
 * returns its status. */
static uint32_t result_status(const struct record *r)
{
	cr_assert_eq(r->type, NRFCRED_REC_RESULT, "type 0x%04x", r->type);
	const uint8_t *b = r->payload;
	uint32_t total = get32(b + 12);
	cr_assert_eq(r->payload_len, total, "the payload is exactly the block");
	cr_assert_eq(get32(b + 4), NRFCRED_RESULT_MAGIC);
	cr_assert_eq(get16(b + 8), NRFCRED_RESULT_VERSION);
	cr_assert_eq(total, NRFCRED_RESULT_SIZE(get16(b + 10)));
	cr_assert_eq(get16(b + 22), 0xffff);
	cr_assert_eq(get32(b + total - 4), ref_crc32(b + 4, total - 8), "result CRC");
	cr_assert_neq(get32(b), NRFCRED_RESULT_STATUS_PENDING, "status set");
	return get32(b);
}

static void assert_reject(const struct record *r, uint32_t reason, uint32_t detail)
{
	cr_assert_eq(r->type, NRFCRED_REC_REJECT, "type 0x%04x", r->type);
	cr_assert_eq(r->payload_len, NRFCRED_REJECT_PAYLOAD_SIZE);
	cr_assert_eq(get32(r->payload), reason, "reason %u, want %u", get32(r->payload), reason);
	cr_assert_eq(get32(r->payload + 4), detail);
}

static size_t count_cmds(const char *prefix)
{
	size_t n = 0;
	for (size_t i = 0; i < S.ncmds; i++)
		n += strncmp(S.cmds[i], prefix, strlen(prefix)) == 0;
	return n;
}

Test(fw_session, a_whole_conversation_ready_table_result_end_done)
{
	uint32_t len = table5();
	send(NRFCRED_REC_TABLE, TABLE5, len, MUT_NONE, 0);
	send(NRFCRED_REC_END, NULL, 0, MUT_NONE, 0);
	cr_assert_eq(run(), NRFCRED_RES_OK);
	cr_assert_eq(S.nup, 3);

	/* header */
	cr_assert_eq(mb32(NRFCRED_MBOX_OFF_MAGIC), NRFCRED_MBOX_MAGIC);
	cr_assert_eq(get16(mb(NRFCRED_MBOX_OFF_VERSION)), NRFCRED_MBOX_VERSION);
	cr_assert_eq(get16(mb(NRFCRED_MBOX_OFF_HDR_SIZE)), NRFCRED_MBOX_HEADER_SIZE);
	cr_assert_eq(mb32(NRFCRED_MBOX_OFF_SIZE), MBOX_SIZE);
	cr_assert_eq(mb32(NRFCRED_MBOX_OFF_NONCE), NONCE);
	cr_assert_eq(mb32(NRFCRED_MBOX_OFF_ACK_SEQ), 2);
	cr_assert(all_zero(mb(0x1c), 0x40 - 0x1c));

	assert_ready(&S.up[0], NRFCRED_RES_OK, IMEI);
	cr_assert_str_eq((const char *)S.up[0].payload + 32, MFW);

	const struct record *res = &S.up[1];
	cr_assert_eq(result_status(res), NRFCRED_RES_OK);
	cr_assert_eq(res->ref, 1, "answers DOWN record 1");
	const uint8_t *b = res->payload;
	cr_assert_eq(get16(b + 10), 5);
	cr_assert_eq(get32(b + 16), get32(TABLE5 + 16), "table CRC echoed");
	cr_assert_eq(get16(b + 20), NRFCRED_RESULT_NO_FAIL);
	cr_assert_str_eq((const char *)b + 24, IMEI);
	cr_assert_str_eq((const char *)b + 40, MFW);
	for (unsigned i = 0; i < 5; i++) {
		const uint8_t *e = b + NRFCRED_RESULT_HEADER_SIZE + NRFCRED_RESULT_ENTRY_SIZE * i;
		uint8_t want[32];
		mbedtls_sha256_ret((const unsigned char *)FIVE[i].data, strlen(FIVE[i].data), want,
				   0);
		cr_assert_eq(get32(e), FIVE[i].tag);
		cr_assert_eq(e[4], FIVE[i].type);
		cr_assert(e[5] & NRFCRED_RESULT_E_WRITTEN);
		cr_assert(e[5] & NRFCRED_RESULT_E_HASH_VALID);
		cr_assert_eq(get32(e + 8), 0);
		cr_assert_arr_eq(e + 12, want, 32, "entry %u digest", i);
	}
	cr_assert(S.down_zero_at[1], "the table was cleared from the DOWN area before RESULT");

	const struct record *done = &S.up[2];
	cr_assert_eq(done->type, NRFCRED_REC_DONE);
	cr_assert_eq(done->ref, 2);
	cr_assert_eq(done->payload_len, NRFCRED_DONE_PAYLOAD_SIZE);
	cr_assert_eq(get32(done->payload), 0);

	/* Step 5 of the conversation: zero outside the header and DONE. */
	size_t after_done = NRFCRED_MBOX_UP_OFFSET + done->length;
	cr_assert(all_zero(mb(after_done), MBOX_SIZE - after_done));
	static const uint8_t zero_work[sizeof(prov_work)];
	cr_assert_arr_eq(&prov_work, zero_work, sizeof(prov_work), "buffers wiped at END");

	cr_assert_str_eq(S.cmds[0], "AT+CMEE=1");
	cr_assert_str_eq(S.cmds[1], "AT+CFUN=4");
	cr_assert_str_eq(S.cmds[2], "AT+CGSN=1");
	cr_assert_str_eq(S.cmds[3], "AT+CGMR");
	cr_assert_eq(count_cmds("AT%CMNG=0,"), 5);
	cr_assert_eq(count_cmds("AT%CMNG=3,42,3"), 1);
	cr_assert_eq(S.ncmds, 4 + 5 * 2 + 1);
}

Test(fw_session, ack_seq_names_the_record_before_the_work_on_it_starts)
{
	uint32_t len = table5();
	send(NRFCRED_REC_TABLE, TABLE5, len, MUT_NONE, 0);
	run();
	cr_assert_eq(S.nwrites, 5);
	for (size_t i = 0; i < S.nwrites; i++) {
		cr_assert_eq(S.ack_seen_at_write[i], 1);
		cr_assert_eq(S.host_seq_at_write[i], 1);
	}
}

Test(fw_session, boot_clears_the_mailbox_and_publishes_only_the_header_and_ready)
{
	run();
	cr_assert_eq(S.nup, 1);
	size_t after = NRFCRED_MBOX_UP_OFFSET + S.up[0].length;
	cr_assert(all_zero(mb(after), MBOX_SIZE - after), "old RAM contents left");
	cr_assert_eq(mb32(NRFCRED_MBOX_OFF_HOST_SEQ), 0);
	cr_assert_eq(mb32(NRFCRED_MBOX_OFF_ACK_SEQ), 0);
	cr_assert_eq(mb32(NRFCRED_MBOX_OFF_FW_SEQ), 1);
}

Test(fw_session, a_zero_nonce_from_the_binding_becomes_one)
{
	S.nonce = 0;
	run();
	cr_assert_eq(mb32(NRFCRED_MBOX_OFF_NONCE), 1);
}

Test(fw_session, the_host_may_take_its_time_between_records)
{
	uint32_t len = table5();
	send(NRFCRED_REC_TABLE, TABLE5, len, MUT_NONE, 7);
	send(NRFCRED_REC_END, NULL, 0, MUT_NONE, 3);
	run();
	cr_assert_eq(S.nup, 3);
	cr_assert_eq(result_status(&S.up[1]), NRFCRED_RES_OK);
	cr_assert_eq(S.up[2].type, NRFCRED_REC_DONE);
	cr_assert_geq(S.idles, 3 + 7 + 3);
}

Test(fw_session, modem_failure_at_boot_is_in_ready_and_in_the_result)
{
	S.rules[S.nrules++] = (struct rule){"AT+CFUN=4", 528, "+CME ERROR: 528"};
	uint32_t len = table5();
	send(NRFCRED_REC_TABLE, TABLE5, len, MUT_NONE, 0);
	cr_assert_eq(run(), NRFCRED_RES_MODEM_OFFLINE);
	assert_ready(&S.up[0], NRFCRED_RES_MODEM_OFFLINE, "");
	cr_assert_eq(result_status(&S.up[1]), NRFCRED_RES_MODEM_OFFLINE);
	cr_assert_eq(get16(S.up[1].payload + 10), 5, "entries echo the table");
	cr_assert_eq(S.up[1].payload[NRFCRED_RESULT_HEADER_SIZE + 5], 0, "nothing attempted");
	cr_assert_eq(count_cmds("AT%CMNG"), 0);
	cr_assert(S.down_zero_at[1]);
}

Test(fw_session, modem_firmware_failure_at_boot_still_reports_the_imei)
{
	S.rules[S.nrules++] = (struct rule){"AT+CGMR", -1, "ERROR"};
	uint32_t len = table5();
	send(NRFCRED_REC_TABLE, TABLE5, len, MUT_NONE, 0);
	cr_assert_eq(run(), NRFCRED_RES_MODEM_FW);
	assert_ready(&S.up[0], NRFCRED_RES_MODEM_FW, IMEI);
	cr_assert_eq(result_status(&S.up[1]), NRFCRED_RES_MODEM_FW);
	cr_assert_str_eq((const char *)S.up[1].payload + 24, IMEI);
	cr_assert_eq(count_cmds("AT%CMNG"), 0);
}

/* Each malformed record: REJECT with the reason and the seq as written,
 * the DOWN area cleared, and the session goes on (an END is then answered
 * with DONE: ack_seq followed the doorbell). */
Test(fw_session, every_malformed_record_is_rejected_with_its_reason)
{
	static const uint8_t zeros[16];
	static const struct {
		uint16_t type;
		uint32_t len; /* payload bytes; 1: the five-entry table */
		enum mutation mut;
		uint32_t reason;
		uint32_t detail_delta; /* detail = the record's seq + this */
	} cases[] = {
		{NRFCRED_REC_TABLE, 1, MUT_MAGIC, NRFCRED_REJ_MAGIC, 0},
		{NRFCRED_REC_TABLE, 1, MUT_VERSION, NRFCRED_REJ_VERSION, 0},
		{NRFCRED_REC_TABLE, 1, MUT_LENGTH_ODD, NRFCRED_REJ_LENGTH, 0},
		{NRFCRED_REC_TABLE, 1, MUT_LENGTH_SHORT, NRFCRED_REJ_LENGTH, 0},
		{NRFCRED_REC_TABLE, 1, MUT_LENGTH_PAST, NRFCRED_REJ_LENGTH, 0},
		{NRFCRED_REC_TABLE, 1, MUT_CRC, NRFCRED_REJ_CRC, 0},
		{NRFCRED_REC_END, 0, MUT_CRC, NRFCRED_REJ_CRC, 0},
		{NRFCRED_REC_TABLE, 1, MUT_NONCE, NRFCRED_REJ_NONCE, 0},
		{NRFCRED_REC_TABLE, 1, MUT_SEQ, NRFCRED_REJ_SEQ, 1},
		{NRFCRED_REC_END, 0, MUT_DOORBELL, NRFCRED_REJ_SEQ, 0},
		{NRFCRED_REC_TABLE, 1, MUT_REF, NRFCRED_REJ_SEQ, 0},
		{0x0103, 0, MUT_NONE, NRFCRED_REJ_TYPE, 0},		/* unknown request */
		{NRFCRED_REC_READY, 0, MUT_NONE, NRFCRED_REJ_TYPE, 0},	/* an UP type */
		{NRFCRED_REC_END, 4, MUT_NONE, NRFCRED_REJ_TYPE, 0},	/* END with a payload */
		{NRFCRED_REC_TABLE, 16, MUT_NONE, NRFCRED_REJ_TYPE, 0}, /* shorter than a header */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		setup();
		uint32_t len = cases[i].len == 1 ? table5() : cases[i].len;
		const void *payload = cases[i].len == 1 ? (const void *)TABLE5 : zeros;
		send(cases[i].type, payload, len, cases[i].mut, 0);
		send(NRFCRED_REC_END, NULL, 0, MUT_NONE, 0);
		run();
		cr_assert_eq(S.nup, 3, "case %zu: READY, REJECT, DONE", i);
		assert_reject(&S.up[1], cases[i].reason, 1 + cases[i].detail_delta);
		uint32_t taken = cases[i].mut == MUT_DOORBELL ? 2 : 1;
		cr_assert_eq(S.up[1].ref, taken, "case %zu: REJECT answers the doorbell", i);
		cr_assert(S.down_zero_at[1], "case %zu: the refused record was cleared", i);
		cr_assert_eq(S.up[2].type, NRFCRED_REC_DONE, "case %zu: the session went on", i);
		cr_assert_eq(count_cmds("AT%CMNG"), 0, "case %zu", i);
	}
}

Test(fw_session, a_record_for_an_earlier_boot_is_rejected_as_another_nonce)
{
	/* Seq 1 and ref 1 are what a host that missed a reset would write. */
	uint32_t len = table5();
	send(NRFCRED_REC_TABLE, TABLE5, len, MUT_NONCE, 0);
	run();
	assert_reject(&S.up[1], NRFCRED_REJ_NONCE, 1);
}

Test(fw_session, requests_after_end_are_rejected_with_state)
{
	uint32_t len = table5();
	send(NRFCRED_REC_END, NULL, 0, MUT_NONE, 0);
	send(NRFCRED_REC_TABLE, TABLE5, len, MUT_NONE, 0);
	send(NRFCRED_REC_END, NULL, 0, MUT_NONE, 0);
	send(NRFCRED_REC_TABLE, TABLE5, len, MUT_CRC, 0);
	run();
	cr_assert_eq(S.nup, 5);
	cr_assert_eq(S.up[1].type, NRFCRED_REC_DONE);
	assert_reject(&S.up[2], NRFCRED_REJ_STATE, 2);
	cr_assert(S.down_zero_at[2], "the late table was cleared");
	assert_reject(&S.up[3], NRFCRED_REJ_STATE, 3);
	assert_reject(&S.up[4], NRFCRED_REJ_CRC, 4); /* malformed is malformed, before or after */
	cr_assert_eq(count_cmds("AT%CMNG"), 0, "no credential after END");
}

Test(fw_session, table_errors_in_a_valid_record_come_back_in_a_result)
{
	/* Entries CRC wrong. */
	uint32_t len = table5();
	TABLE5[40] ^= 0x20;
	send(NRFCRED_REC_TABLE, TABLE5, len, MUT_NONE, 0);
	/* A quote in the content of entry 1. */
	static uint8_t t2[4096];
	struct ent quote[] = {{1, 4, 0, "ok"}, {2, 4, 0, "a\"b"}};
	uint32_t len2 = build_table(t2, quote, 2, 0);
	send(NRFCRED_REC_TABLE, t2, len2, MUT_NONE, 0);
	/* An erased header. */
	static uint8_t erased[64];
	memset(erased, 0xff, sizeof(erased));
	send(NRFCRED_REC_TABLE, erased, sizeof(erased), MUT_NONE, 0);
	run();
	cr_assert_eq(S.nup, 4);
	cr_assert_eq(result_status(&S.up[1]), NRFCRED_RES_TABLE_BAD_CRC);
	cr_assert_eq(get32(S.up[1].payload + 16), get32(TABLE5 + 16));
	cr_assert_str_eq((const char *)S.up[1].payload + 24, IMEI, "the identity is known");
	cr_assert_eq(result_status(&S.up[2]), NRFCRED_RES_TABLE_BAD_ENTRY);
	cr_assert_eq(get16(S.up[2].payload + 20), 1, "fail_index");
	cr_assert_eq(result_status(&S.up[3]), NRFCRED_RES_TABLE_MISSING);
	cr_assert_eq(count_cmds("AT%CMNG"), 0);
	for (size_t i = 1; i < 4; i++)
		cr_assert(S.down_zero_at[i]);
}

Test(fw_session, a_table_running_past_its_payload_is_a_length_error)
{
	uint32_t len = table5();
	/* The record carries the first 100 bytes; total_len says more. */
	send(NRFCRED_REC_TABLE, TABLE5, 100, MUT_NONE, 0);
	run();
	cr_assert_lt(100u, len);
	cr_assert_eq(result_status(&S.up[1]), NRFCRED_RES_TABLE_BAD_LENGTH);
}

Test(fw_session, two_tables_in_one_session_get_two_results)
{
	uint32_t len = table5();
	static uint8_t t2[4096];
	struct ent one[] = {{7, 4, 0, "second-identity"}};
	uint32_t len2 = build_table(t2, one, 1, 0);
	send(NRFCRED_REC_TABLE, TABLE5, len, MUT_NONE, 0);
	send(NRFCRED_REC_TABLE, t2, len2, MUT_NONE, 0);
	send(NRFCRED_REC_END, NULL, 0, MUT_NONE, 0);
	run();
	cr_assert_eq(S.nup, 4);
	cr_assert_eq(result_status(&S.up[1]), NRFCRED_RES_OK);
	cr_assert_eq(result_status(&S.up[2]), NRFCRED_RES_OK);
	cr_assert_eq(S.up[2].ref, 2);
	cr_assert_eq(get16(S.up[2].payload + 10), 1);
	uint8_t want[32];
	mbedtls_sha256_ret((const unsigned char *)"second-identity", 15, want, 0);
	cr_assert_arr_eq(S.up[2].payload + NRFCRED_RESULT_HEADER_SIZE + 12, want, 32);
	cr_assert_eq(S.up[3].type, NRFCRED_REC_DONE);
	cr_assert_eq(count_cmds("AT+CGSN"), 1, "the modem steps run once, at boot");
}

Test(fw_session, a_modem_error_on_one_credential_names_the_entry)
{
	S.rules[S.nrules++] = (struct rule){"AT%CMNG=0,16842753,2,", 515, "+CME ERROR: 515"};
	uint32_t len = table5();
	send(NRFCRED_REC_TABLE, TABLE5, len, MUT_NONE, 0);
	send(NRFCRED_REC_END, NULL, 0, MUT_NONE, 0);
	run();
	const uint8_t *b = S.up[1].payload;
	cr_assert_eq(result_status(&S.up[1]), NRFCRED_RES_CRED_WRITE);
	cr_assert_eq(get16(b + 20), 2);
	cr_assert_eq((int32_t)get32(b + NRFCRED_RESULT_HEADER_SIZE + 2 * 44 + 8), 515);
	cr_assert_eq(count_cmds("AT%CMNG=0,42"), 0);
	cr_assert_eq(S.up[2].type, NRFCRED_REC_DONE);
}

Test(fw_session, an_imei_only_table_writes_nothing)
{
	uint32_t len = build_table(TABLE5, FIVE, 5, NRFCRED_TABLE_F_IMEI_ONLY);
	send(NRFCRED_REC_TABLE, TABLE5, len, MUT_NONE, 0);
	run();
	cr_assert_eq(result_status(&S.up[1]), NRFCRED_RES_OK);
	cr_assert_str_eq((const char *)S.up[1].payload + 24, IMEI);
	cr_assert_eq(count_cmds("AT%CMNG"), 0);
}

Test(fw_session, a_session_only_manifest_has_no_flash_areas_and_needs_no_flash_driver)
{
	/* setup's manifest already has all four area fields 0 and no
	 * flash_write_words; make that explicit. */
	cr_assert_eq(S.m.table_addr | S.m.table_max | S.m.result_addr | S.m.result_max, 0);
	cr_assert_null(S.hal.flash_write_words);
	uint32_t len = table5();
	send(NRFCRED_REC_TABLE, TABLE5, len, MUT_NONE, 0);
	cr_assert_eq(run(), NRFCRED_RES_OK);
	cr_assert_eq(result_status(&S.up[1]), NRFCRED_RES_OK);
}

Test(fw_session, an_unusable_manifest_or_hal_touches_nothing)
{
	uint8_t before[MBOX_SIZE];
	memcpy(before, S.mbox, sizeof(before));
	/* not a session manifest */
	S.m.flags = 0;
	S.m.mailbox_addr = S.m.mailbox_size = 0;
	S.m.table_addr = 0x10000;
	S.m.table_max = 0x8000;
	S.m.result_addr = 0x18000;
	S.m.result_max = 0x1000;
	S.m.crc32 = ref_crc32(&S.m, NRFCRED_MANIFEST_V2_SIZE - 4);
	cr_assert_eq(run(), NRFCRED_RES_MANIFEST_BAD);
	/* a version 1 manifest */
	struct nrfcred_manifest v1 = {.version = NRFCRED_MANIFEST_VERSION,
				      .size = NRFCRED_MANIFEST_SIZE,
				      .table_addr = 0x10000,
				      .table_max = 0x8000,
				      .result_addr = 0x18000,
				      .result_max = 0x1000};
	memcpy(v1.magic, NRFCRED_MANIFEST_MAGIC, 8);
	v1.crc32 = ref_crc32(&v1, NRFCRED_MANIFEST_SIZE - 4);
	cr_assert_eq(prov_session_run(&S.hal, (const struct nrfcred_manifest_v2 *)(void *)&v1),
		     NRFCRED_RES_MANIFEST_BAD);
	/* a corrupt one */
	setup();
	S.m.mailbox_size = 0x4000;
	cr_assert_eq(run(), NRFCRED_RES_MANIFEST_BAD);
	/* no idle hook */
	setup();
	S.hal.idle = NULL;
	cr_assert_eq(run(), NRFCRED_RES_INTERNAL);
	setup();
	S.hal.boot_nonce = NULL;
	cr_assert_eq(run(), NRFCRED_RES_INTERNAL);
	cr_assert_arr_eq(S.mbox, before, sizeof(before), "mailbox untouched");
	cr_assert_eq(S.ncmds, 0, "modem untouched");
}

/* The decoder on its own, at the edges the conversation tests do not reach. */
Test(fw_session, decoder_bounds_the_length_by_the_area)
{
	static uint32_t area[64];
	uint8_t *d = (uint8_t *)area;
	memset(area, 0, sizeof(area));
	put32(d, NRFCRED_REC_MAGIC);
	put16(d + 4, NRFCRED_REC_VERSION);
	put16(d + 6, NRFCRED_REC_END);
	put32(d + 8, NRFCRED_REC_OVERHEAD);
	put32(d + 12, 1);
	put32(d + 16, NONCE);
	put32(d + 20, 1);
	put32(d + 24, ref_crc32(d, 24));
	struct prov_down_expect want = {.seq = 1, .host_seq = 1, .nonce = NONCE, .ref = 1};
	struct prov_down_record rec;
	cr_assert_eq(prov_down_decode(area, NRFCRED_REC_OVERHEAD, &want, &rec), 0);
	cr_assert_eq(rec.type, NRFCRED_REC_END);
	cr_assert_eq(rec.payload_len, 0);
	cr_assert_eq(prov_down_decode(area, NRFCRED_REC_OVERHEAD - 4, &want, &rec),
		     NRFCRED_REJ_LENGTH);
	put32(d + 8, 0xfffffffcu); /* huge, word aligned: must not be read */
	cr_assert_eq(prov_down_decode(area, sizeof(area), &want, &rec), NRFCRED_REJ_LENGTH);
}

/* ---- KEYGEN entries and attestation (provision.h "Rounds inside a TABLE") */

#define KG_TAG	   7u
#define KG_DATA	   "101010000CN=" IMEI
#define KG_PEM	   "-----BEGIN CERTIFICATE-----\nMIIBissued\n-----END CERTIFICATE-----\n"
/* base64url of 30 03 02 01 00 (a DER SEQUENCE) and of a0 (COSE stand-in). */
#define KG_ANSWER  "%KEYGEN: \"MAMCAQA.oA\"\r\nOK\r\n"
#define ATT_ANSWER "%ATTESTTOKEN: \"2dn3hQFQ.0oRDoQEm\"\r\nOK\r\n"

static uint8_t KG_TABLE[4096];
static uint8_t CERT[256];

static uint32_t keygen_table(uint32_t flags)
{
	static const struct ent one[] = {{KG_TAG, NRFCRED_TYPE_KEYGEN, 0, KG_DATA}};
	return build_table(KG_TABLE, one, 1, flags);
}

static uint32_t cert_payload(uint32_t tag, const char *pem)
{
	put32(CERT, tag);
	put32(CERT + 4, (uint32_t)strlen(pem));
	memcpy(CERT + 8, pem, strlen(pem));
	return 8 + (uint32_t)strlen(pem);
}

static void modem_rule(const char *prefix, int rc, const char *resp)
{
	S.rules[S.nrules++] = (struct rule){prefix, rc, resp};
}

Test(fw_session, keygen_entry_sends_the_csr_and_stores_the_certificate_answer)
{
	modem_rule("AT%KEYGEN=", 0, KG_ANSWER);
	modem_rule("AT%ATTESTTOKEN", 0, ATT_ANSWER);
	uint32_t len = keygen_table(NRFCRED_TABLE_F_ATTEST);
	uint32_t at = NRFCRED_REC_OVERHEAD + len;
	send(NRFCRED_REC_TABLE, KG_TABLE, len, MUT_NONE, 0);
	send_at(NRFCRED_REC_ACK, NULL, 0, at);
	send_at(NRFCRED_REC_CERT, CERT, cert_payload(KG_TAG, KG_PEM), at);
	send(NRFCRED_REC_END, NULL, 0, MUT_NONE, 0);
	cr_assert_eq(run(), NRFCRED_RES_OK);
	cr_assert_eq(S.nup, 5);

	const struct record *att = &S.up[1];
	cr_assert_eq(att->type, NRFCRED_REC_ATTEST);
	cr_assert_eq(att->ref, 1, "asked while TABLE 1 runs");
	cr_assert_eq(get32(att->payload), 0);
	cr_assert_eq(get32(att->payload + 4), strlen("2dn3hQFQ.0oRDoQEm"));
	cr_assert(memcmp(att->payload + 8, "2dn3hQFQ.0oRDoQEm", 17) == 0);

	const struct record *csr = &S.up[2];
	cr_assert_eq(csr->type, NRFCRED_REC_CSR);
	cr_assert_eq(get32(csr->payload), KG_TAG);
	cr_assert_eq(get16(csr->payload + 4), 0, "entry index");
	cr_assert_eq(get16(csr->payload + 6), 5);
	cr_assert_eq(get16(csr->payload + 8), 1);
	static const uint8_t want_csr[] = {0x30, 0x03, 0x02, 0x01, 0x00, 0xa0};
	cr_assert_arr_eq(csr->payload + 12, want_csr, sizeof(want_csr));

	const struct record *res = &S.up[3];
	cr_assert_eq(result_status(res), NRFCRED_RES_OK);
	cr_assert_eq(res->ref, 1, "the RESULT answers the TABLE");
	const uint8_t *e = res->payload + NRFCRED_RESULT_HEADER_SIZE;
	uint8_t want[32];
	mbedtls_sha256_ret((const unsigned char *)KG_PEM, strlen(KG_PEM), want, 0);
	cr_assert_eq(get32(e), KG_TAG);
	cr_assert_eq(e[4], NRFCRED_TYPE_KEYGEN);
	cr_assert(e[5] & NRFCRED_RESULT_E_WRITTEN);
	cr_assert(e[5] & NRFCRED_RESULT_E_HASH_VALID);
	cr_assert_arr_eq(e + 12, want, 32, "the digest of the certificate the host sent");
	cr_assert_not_null(find_cred(KG_TAG, 1), "stored as the client certificate");
	cr_assert(S.down_zero_at[3], "TABLE and CERT cleared before RESULT");
	cr_assert_eq(S.up[4].type, NRFCRED_REC_DONE);

	cr_assert_eq(count_cmds("AT%CMNG=3,7,2"), 1, "the old key goes first");
	cr_assert_eq(count_cmds("AT%CMNG=3,7,1"), 1);
	cr_assert_eq(count_cmds("AT%KEYGEN=7,2,0,\"CN=" IMEI "\",\"101010000\""), 1);
	cr_assert_eq(count_cmds("AT%CMNG=0,7,1,"), 1);
	cr_assert_eq(count_cmds("AT%CMNG=1,7,1"), 1);
}

Test(fw_session, a_modem_without_attesttoken_is_reported_not_failed)
{
	modem_rule("AT%ATTESTTOKEN", PROV_AT_ERROR, "ERROR\r\n");
	uint32_t len = build_table(TABLE5, FIVE, 5, NRFCRED_TABLE_F_ATTEST);
	send(NRFCRED_REC_TABLE, TABLE5, len, MUT_NONE, 0);
	send_at(NRFCRED_REC_ACK, NULL, 0, NRFCRED_REC_OVERHEAD + len);
	cr_assert_eq(run(), NRFCRED_RES_OK);
	cr_assert_eq(S.up[1].type, NRFCRED_REC_ATTEST);
	cr_assert_eq((int32_t)get32(S.up[1].payload), PROV_AT_ERROR);
	cr_assert_eq(get32(S.up[1].payload + 4), 0);
	cr_assert_eq(result_status(&S.up[2]), NRFCRED_RES_OK);
}

Test(fw_session, a_certificate_for_another_sec_tag_is_refused_and_not_written)
{
	modem_rule("AT%KEYGEN=", 0, KG_ANSWER);
	uint32_t len = keygen_table(0);
	send(NRFCRED_REC_TABLE, KG_TABLE, len, MUT_NONE, 0);
	send_at(NRFCRED_REC_CERT, CERT, cert_payload(KG_TAG + 1, KG_PEM),
		NRFCRED_REC_OVERHEAD + len);
	cr_assert_eq(run(), NRFCRED_RES_OK);
	cr_assert_eq(result_status(&S.up[2]), NRFCRED_RES_CERT_REFUSED);
	cr_assert_eq(get16(S.up[2].payload + 20), 0, "fail index");
	cr_assert_eq(count_cmds("AT%CMNG=0,"), 0);
}

Test(fw_session, an_empty_certificate_means_the_host_refused_the_csr)
{
	modem_rule("AT%KEYGEN=", 0, KG_ANSWER);
	uint32_t len = keygen_table(0);
	send(NRFCRED_REC_TABLE, KG_TABLE, len, MUT_NONE, 0);
	send_at(NRFCRED_REC_CERT, CERT, cert_payload(KG_TAG, ""), NRFCRED_REC_OVERHEAD + len);
	run();
	cr_assert_eq(result_status(&S.up[2]), NRFCRED_RES_CERT_REFUSED);
}

Test(fw_session, an_end_instead_of_the_certificate_ends_the_table)
{
	modem_rule("AT%KEYGEN=", 0, KG_ANSWER);
	uint32_t len = keygen_table(0);
	send(NRFCRED_REC_TABLE, KG_TABLE, len, MUT_NONE, 0);
	send_at(NRFCRED_REC_END, NULL, 0, NRFCRED_REC_OVERHEAD + len);
	run();
	cr_assert_eq(result_status(&S.up[2]), NRFCRED_RES_CERT_REFUSED);
}

Test(fw_session, keygen_errors_and_garbled_answers_fail_the_entry)
{
	modem_rule("AT%KEYGEN=", 518, "+CME ERROR: 518\r\n");
	uint32_t len = keygen_table(0);
	send(NRFCRED_REC_TABLE, KG_TABLE, len, MUT_NONE, 0);
	run();
	cr_assert_eq(S.nup, 2, "no CSR record");
	cr_assert_eq(result_status(&S.up[1]), NRFCRED_RES_KEYGEN);
	const uint8_t *e = S.up[1].payload + NRFCRED_RESULT_HEADER_SIZE;
	cr_assert_eq(get32(e + 8), 518, "the modem code");

	static const char *const garbled[] = {
		"%KEYGEN: \"MAMCAQA\"\r\nOK\r\n",	     /* no COSE half */
		"%KEYGEN: \"MAMCAQA.oA.oA\"\r\nOK\r\n",   /* two dots */
		"%KEYGEN: \"MAMCAQ*.oA\"\r\nOK\r\n",      /* outside the alphabet */
		"%KEYGEN: \"MAMCAQB.oA\"\r\nOK\r\n",      /* non-canonical tail bits */
		"%KEYGEN: \"oA.oA\"\r\nOK\r\n",	     /* not a DER SEQUENCE */
		"%KEYGEN: \"MAMCAQA.oA\r\nOK\r\n",	     /* unterminated */
		"%KEYGEN: \"MAMCA.oA\"\r\nOK\r\n",	     /* a length no encoding has */
	};
	for (size_t i = 0; i < sizeof(garbled) / sizeof(garbled[0]); i++) {
		uint8_t out[64];
		uint16_t a, b;
		cr_assert_eq(prov_parse_keygen(garbled[i], out, sizeof(out), &a, &b), -1, "%s",
			     garbled[i]);
	}
	uint8_t out[8];
	uint16_t a, b;
	cr_assert_eq(prov_parse_keygen(KG_ANSWER, out, sizeof(out), &a, &b), 0);
	cr_assert_eq(prov_parse_keygen(KG_ANSWER, out, 5, &a, &b), -1, "no room for the COSE");
}

Test(fw_session, keygen_in_the_flash_delivery_needs_a_session)
{
	struct prov_table t;
	uint16_t bad;
	uint32_t len = keygen_table(0);
	cr_assert_eq(prov_table_check(KG_TABLE, len, &t, &bad), NRFCRED_RES_OK);
	struct prov_run r = {.hal = &S.hal};
	prov_result_init(&r, &t);
	prov_result_set_entries(&r, &t);
	cr_assert_eq(prov_credentials(&r, &t), NRFCRED_RES_NEEDS_SESSION);
	cr_assert_eq(S.ncmds, 0, "nothing reached the modem");
}

Test(fw_session, a_certificate_as_a_request_is_rejected)
{
	send(NRFCRED_REC_CERT, CERT, cert_payload(KG_TAG, KG_PEM), MUT_NONE, 0);
	run();
	assert_reject(&S.up[1], NRFCRED_REJ_TYPE, 1);
}

Test(fw_session, keygen_entries_with_a_bad_key_usage_or_subject_are_bad_entries)
{
	static const char *const bad[] = {"10101000", "10101000xCN=a", "101010000",
					  "101010000CN=\x01", "101010000CN=\"q\""};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const struct ent one[] = {{KG_TAG, NRFCRED_TYPE_KEYGEN, 0, bad[i]}};
		uint32_t len = build_table(KG_TABLE, one, 1, 0);
		struct prov_table t;
		uint16_t idx;
		cr_assert_eq(prov_table_check(KG_TABLE, len, &t, &idx),
			     NRFCRED_RES_TABLE_BAD_ENTRY, "%s", bad[i]);
	}
}

Test(fw_session, an_imei_only_table_reads_the_attestation_token_too)
{
	modem_rule("AT%ATTESTTOKEN", 0, ATT_ANSWER);
	uint32_t len = build_table(KG_TABLE, NULL, 0, NRFCRED_TABLE_F_IMEI_ONLY | NRFCRED_TABLE_F_ATTEST);
	send(NRFCRED_REC_TABLE, KG_TABLE, len, MUT_NONE, 0);
	send_at(NRFCRED_REC_ACK, NULL, 0, NRFCRED_REC_OVERHEAD + len);
	run();
	cr_assert_eq(S.up[1].type, NRFCRED_REC_ATTEST);
	cr_assert_eq(result_status(&S.up[2]), NRFCRED_RES_OK);
	cr_assert_eq(count_cmds("AT%CMNG="), 0, "nothing written");
}
