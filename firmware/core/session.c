/* The session delivery (provision.h "session"): the host and the running
 * firmware exchange records through a RAM mailbox, so no credential byte is
 * ever written to flash and the image is the same for every board.
 *
 * The host reads and writes the mailbox over the MEM-AP while the core runs,
 * so every mailbox access here is a volatile word access, and the two
 * commit words (fw_seq written here, host_seq read here) are fenced against
 * the record they commit. The one exception is a TABLE's payload, which the
 * table code reads in place as plain memory (below, run_table). */
#include "prov_internal.h"

/* Bytes of a record around its payload. */
#define REC_HEADER NRFCRED_REC_HEADER_SIZE
#define REC_CRC	   4u

struct session {
	const struct prov_hal *hal;
	volatile uint32_t *mbox;
	uint32_t mbox_size;
	uint32_t fw_version;
	uint32_t progress_addr;
	uint32_t nonce;
	uint32_t fw_seq;  /* seq of the last UP record published */
	uint32_t ack_seq; /* host_seq of the last DOWN record taken */
	int boot_status;  /* what the modem steps at boot said */
	struct prov_identity id;
	bool ended; /* END answered: every later request is refused */
	/* While a TABLE runs: where the host writes its answers (CERT, ACK),
	 * right after the TABLE record, which stays in place. */
	uint32_t answer_offset;
};

/* The mailbox is little-endian (provision.h); this converts between a value
 * and the word whose bytes in memory are that value's little-endian bytes. */
static uint32_t le_word(uint32_t v)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	return __builtin_bswap32(v);
#else
	return v;
#endif
}

static uint32_t mbox_get(const volatile uint32_t *w)
{
	return le_word(*w);
}

static void mbox_put(volatile uint32_t *w, uint32_t value)
{
	*w = le_word(value);
}

static volatile uint32_t *mbox_at(const struct session *s, uint32_t offset)
{
	return s->mbox + offset / 4u;
}

static void mbox_clear(const struct session *s, uint32_t offset, uint32_t len)
{
	volatile uint32_t *w = mbox_at(s, offset);
	for (uint32_t i = 0; i < len / 4u; i++)
		w[i] = 0;
}

/*
 * Orders the mailbox accesses before it against those after it, for the
 * compiler (no moving of plain loads of a TABLE payload above the host_seq
 * load that announced it) and for the core (a DMB on Armv8-M). GCC and
 * clang provide it freestanding, on the host and on arm-none-eabi alike.
 */
static void mbox_fence(void)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

static uint32_t down_area_size(const struct session *s)
{
	return s->mbox_size - NRFCRED_MBOX_DOWN_OFFSET;
}

int prov_down_decode(const volatile uint32_t *area, uint32_t area_len,
		     const struct prov_down_expect *want, struct prov_down_record *rec)
{
	rec->seq = 0;
	rec->type = 0;
	rec->length = 0;
	rec->payload_len = 0;
	if (area_len < NRFCRED_REC_OVERHEAD)
		return NRFCRED_REJ_LENGTH; /* not even room for a header */
	uint32_t magic = mbox_get(&area[0]);
	uint32_t version_type = mbox_get(&area[1]);
	rec->length = mbox_get(&area[2]);
	rec->seq = mbox_get(&area[3]);
	rec->type = (uint16_t)(version_type >> 16);
	if (magic != NRFCRED_REC_MAGIC)
		return NRFCRED_REJ_MAGIC;
	if ((version_type & 0xffffu) != NRFCRED_REC_VERSION)
		return NRFCRED_REJ_VERSION;
	if (rec->length % 4u != 0 || rec->length < NRFCRED_REC_OVERHEAD || rec->length > area_len)
		return NRFCRED_REJ_LENGTH;
	uint32_t crc_words = (rec->length - REC_CRC) / 4u;
	uint32_t state = PROV_CRC32_INIT;
	for (uint32_t i = 0; i < crc_words; i++)
		state = prov_crc32_add_le32(state, mbox_get(&area[i]));
	if ((state ^ PROV_CRC32_XOROUT) != mbox_get(&area[crc_words]))
		return NRFCRED_REJ_CRC;
	if (mbox_get(&area[4]) != want->nonce)
		return NRFCRED_REJ_NONCE;
	if (rec->seq != want->seq || rec->seq != want->host_seq || mbox_get(&area[5]) != want->ref)
		return NRFCRED_REJ_SEQ;
	rec->payload_len = rec->length - NRFCRED_REC_OVERHEAD;
	switch (rec->type) {
	case NRFCRED_REC_TABLE:
		return rec->payload_len >= NRFCRED_TABLE_HEADER_SIZE ? 0 : NRFCRED_REJ_TYPE;
	case NRFCRED_REC_END:
	case NRFCRED_REC_ACK:
		return rec->payload_len == 0 ? 0 : NRFCRED_REJ_TYPE;
	case NRFCRED_REC_CERT:
		return rec->payload_len >= NRFCRED_CERT_PAYLOAD_HEADER ? 0 : NRFCRED_REJ_TYPE;
	default:
		return NRFCRED_REJ_TYPE;
	}
}

/* Writes one UP record and then fw_seq, the word that makes it visible.
 * payload_len is a multiple of 4 (every UP payload is). */
static void publish(struct session *s, uint16_t type, uint32_t ref, const uint8_t *payload,
		    uint32_t payload_len)
{
	uint32_t seq = s->fw_seq + 1u;
	uint8_t hdr[REC_HEADER];
	prov_put_le32(hdr + 0, NRFCRED_REC_MAGIC);
	prov_put_le16(hdr + 4, NRFCRED_REC_VERSION);
	prov_put_le16(hdr + 6, type);
	prov_put_le32(hdr + 8, NRFCRED_REC_OVERHEAD + payload_len);
	prov_put_le32(hdr + 12, seq);
	prov_put_le32(hdr + 16, s->nonce);
	prov_put_le32(hdr + 20, ref);
	uint32_t state = prov_crc32_add(PROV_CRC32_INIT, hdr, sizeof(hdr));
	state = prov_crc32_add(state, payload, payload_len);

	volatile uint32_t *up = mbox_at(s, NRFCRED_MBOX_UP_OFFSET);
	for (uint32_t i = 0; i < REC_HEADER / 4u; i++)
		mbox_put(&up[i], prov_le32(hdr + (size_t)i * 4u));
	up += REC_HEADER / 4u;
	for (uint32_t i = 0; i < payload_len / 4u; i++)
		mbox_put(&up[i], prov_le32(payload + (size_t)i * 4u));
	mbox_put(&up[payload_len / 4u], state ^ PROV_CRC32_XOROUT);
	mbox_fence();
	mbox_put(mbox_at(s, NRFCRED_MBOX_OFF_FW_SEQ), seq);
	s->fw_seq = seq;
}

static void reject(struct session *s, uint32_t ref, uint32_t reason, uint32_t seq_read)
{
	uint8_t p[NRFCRED_REJECT_PAYLOAD_SIZE];
	prov_put_le32(p + 0, reason);
	prov_put_le32(p + 4, seq_read);
	publish(s, NRFCRED_REC_REJECT, ref, p, sizeof(p));
}

/* Clears the mailbox, runs the modem steps, publishes header and READY. */
static void boot(struct session *s)
{
	mbox_clear(s, 0, s->mbox_size);
	struct prov_run r = {.hal = s->hal, .progress_addr = s->progress_addr};
	prov_progress(&r, NRFCRED_PHASE_BOOT, 0, 0);
	s->boot_status = prov_identify(&r, &s->id);

	/* A host still talking to the previous boot may have rung the
	 * doorbell while the modem steps ran: no request counts before READY
	 * (the DOWN area it wrote is cleared with the first answer). */
	mbox_put(mbox_at(s, NRFCRED_MBOX_OFF_HOST_SEQ), 0);
	/* Magic last of the header fields, fw_seq (in publish) last of all. */
	mbox_put(mbox_at(s, NRFCRED_MBOX_OFF_VERSION),
		 NRFCRED_MBOX_VERSION | NRFCRED_MBOX_HEADER_SIZE << 16);
	mbox_put(mbox_at(s, NRFCRED_MBOX_OFF_SIZE), s->mbox_size);
	mbox_put(mbox_at(s, NRFCRED_MBOX_OFF_NONCE), s->nonce);
	mbox_put(mbox_at(s, NRFCRED_MBOX_OFF_MAGIC), NRFCRED_MBOX_MAGIC);

	uint8_t p[NRFCRED_READY_PAYLOAD_SIZE];
	prov_mem_set(p, 0, sizeof(p));
	prov_put_le32(p + 0, s->fw_version);
	prov_put_le32(p + 4, NRFCRED_CAP_TABLE | NRFCRED_CAP_KEYGEN | NRFCRED_CAP_ATTEST);
	prov_put_le32(p + 8, (uint32_t)s->boot_status);
	prov_mem_copy(p + 16, s->id.imei, sizeof(s->id.imei));
	prov_mem_copy(p + 32, s->id.modem_fw, sizeof(s->id.modem_fw));
	publish(s, NRFCRED_REC_READY, 0, p, sizeof(p));
}

/*
 * A round inside the running TABLE (prov_exchange): publish the UP record,
 * then wait for the host's answer after the TABLE record. The answer is
 * taken (ack_seq) whatever it holds; one that is not what was asked for
 * ends the table (provision.h "Rounds inside a TABLE"), it gets no REJECT:
 * the RESULT that follows says why.
 */
static int table_round(void *ctx, uint16_t up_type, const uint8_t *payload, uint32_t len,
		       uint16_t want_type, const uint8_t **answer, uint32_t *answer_len)
{
	struct session *s = ctx;
	publish(s, up_type, s->ack_seq, payload, len);
	for (;;) {
		uint32_t host_seq = mbox_get(mbox_at(s, NRFCRED_MBOX_OFF_HOST_SEQ));
		if (host_seq == s->ack_seq) {
			if (s->hal->idle(s->hal->ctx) != 0)
				return NRFCRED_RES_INTERNAL;
			continue;
		}
		mbox_fence();
		struct prov_down_expect want = {
			.seq = s->ack_seq + 1u,
			.host_seq = host_seq,
			.nonce = s->nonce,
			.ref = s->fw_seq,
		};
		uint32_t offset = NRFCRED_MBOX_DOWN_OFFSET + s->answer_offset;
		volatile uint32_t *area = mbox_at(s, offset);
		struct prov_down_record rec;
		int reason = prov_down_decode(area, s->mbox_size - offset, &want, &rec);
		s->ack_seq = host_seq;
		mbox_put(mbox_at(s, NRFCRED_MBOX_OFF_ACK_SEQ), host_seq);
		if (reason != 0 || rec.type != want_type)
			return NRFCRED_RES_CERT_REFUSED;
		mbox_fence();
		*answer = (const uint8_t *)(uintptr_t)(area + REC_HEADER / 4u);
		*answer_len = rec.payload_len;
		return NRFCRED_RES_OK;
	}
}

/*
 * A TABLE: the same checks and modem sequence as the flash delivery, except
 * that the modem steps ran at boot -- so the block carries the identity even
 * for a table that fails its check, and a failed boot step is the status of
 * every valid table.
 *
 * The table is checked and read where it lies, as plain memory (the table
 * code is shared with the flash delivery, which reads flash). That is safe
 * against the host changing it meanwhile: every bound is checked against
 * the record's payload inside the DOWN area, so a change can only spoil
 * this run's content, and a host with debug access can write any RAM
 * anyway.
 */
static void run_table(struct session *s, const struct prov_down_record *rec)
{
	volatile uint32_t *down = mbox_at(s, NRFCRED_MBOX_DOWN_OFFSET);
	const uint8_t *table = (const uint8_t *)(uintptr_t)(down + REC_HEADER / 4u);
	struct prov_exchange x = {.ctx = s, .round = table_round};
	struct prov_run r = {.hal = s->hal, .x = &x, .progress_addr = s->progress_addr};
	s->answer_offset = rec->length;
	prov_progress(&r, NRFCRED_PHASE_TABLE, 0, 0);
	struct prov_table t;
	uint16_t bad_index;
	int rc = prov_table_check(table, rec->payload_len, &t, &bad_index);
	prov_result_init(&r, &t);
	prov_result_set_identity(&r, &s->id);
	if (rc != NRFCRED_RES_OK) {
		r.fail_index = bad_index;
	} else {
		prov_result_set_entries(&r, &t);
		if (s->boot_status != NRFCRED_RES_OK)
			rc = s->boot_status;
		else if ((t.flags & NRFCRED_TABLE_F_IMEI_ONLY) == 0)
			rc = prov_credentials(&r, &t);
		else if (t.flags & NRFCRED_TABLE_F_ATTEST)
			rc = prov_attest(&r); /* an IMEI-only run may read the token too */
	}
	/* The payload held credential text; the host keeps its own copy. */
	mbox_fence();
	mbox_clear(s, NRFCRED_MBOX_DOWN_OFFSET, down_area_size(s));
	prov_progress(&r, NRFCRED_PHASE_RESULT, 0, r.count);
	uint32_t total = prov_result_seal(&r, &rc, NRFCRED_MBOX_UP_MAX - NRFCRED_REC_OVERHEAD);
	publish(s, NRFCRED_REC_RESULT, rec->seq, r.res, total);
	prov_progress(&r, NRFCRED_PHASE_DONE, 0, r.count);
}

/* END: nothing that held credential text or results is left, in the
 * mailbox or in the core's buffers, except the DONE record itself. */
static void end(struct session *s, const struct prov_down_record *rec)
{
	mbox_clear(s, NRFCRED_MBOX_DOWN_OFFSET, down_area_size(s));
	prov_work_wipe();
	mbox_clear(s, NRFCRED_MBOX_UP_OFFSET, NRFCRED_MBOX_UP_MAX);
	s->ended = true;
	uint8_t p[NRFCRED_DONE_PAYLOAD_SIZE];
	prov_put_le32(p, 0); /* 0: cleared */
	publish(s, NRFCRED_REC_DONE, rec->seq, p, sizeof(p));
}

static void serve(struct session *s, uint32_t host_seq)
{
	struct prov_down_expect want = {
		.seq = s->ack_seq + 1u,
		.host_seq = host_seq,
		.nonce = s->nonce,
		.ref = s->fw_seq,
	};
	struct prov_down_record rec;
	int reason = prov_down_decode(mbox_at(s, NRFCRED_MBOX_DOWN_OFFSET), down_area_size(s),
				      &want, &rec);
	/* Taken, whatever the outcome: the host numbers its records on from
	 * the doorbell it rang, and sees work begin before the answer. */
	s->ack_seq = host_seq;
	mbox_put(mbox_at(s, NRFCRED_MBOX_OFF_ACK_SEQ), host_seq);
	if (reason == 0 && s->ended)
		reason = NRFCRED_REJ_STATE;
	if (reason != 0) {
		/* A refused TABLE may hold credential text as well. */
		mbox_clear(s, NRFCRED_MBOX_DOWN_OFFSET, down_area_size(s));
		reject(s, host_seq, (uint32_t)reason, rec.seq);
		return;
	}
	if (rec.type == NRFCRED_REC_TABLE) {
		run_table(s, &rec);
	} else if (rec.type == NRFCRED_REC_END) {
		end(s, &rec);
	} else {
		/* CERT / ACK answer a round inside a TABLE, never a request. */
		mbox_clear(s, NRFCRED_MBOX_DOWN_OFFSET, down_area_size(s));
		reject(s, host_seq, NRFCRED_REJ_TYPE, rec.seq);
	}
}

int prov_session_run(const struct prov_hal *hal, const struct nrfcred_manifest_v2 *m)
{
	struct prov_layout l;
	if (prov_manifest_check(m, &l) != NRFCRED_RES_OK ||
	    l.version != NRFCRED_MANIFEST_VERSION_SESSION ||
	    (l.flags & NRFCRED_MANIFEST_F_SESSION) == 0)
		return NRFCRED_RES_MANIFEST_BAD;
	if (hal->boot_nonce == NULL || hal->idle == NULL)
		return NRFCRED_RES_INTERNAL;
	struct session s = {
		.hal = hal,
		.mbox = (volatile uint32_t *)(hal->ram_base + l.mailbox_addr),
		.mbox_size = l.mailbox_size,
		.fw_version = l.fw_version,
		.progress_addr = l.progress_addr,
		.nonce = hal->boot_nonce(hal->ctx),
	};
	if (s.nonce == 0)
		s.nonce = 1; /* 0 would read as "no boot yet" */
	boot(&s);
	for (;;) {
		uint32_t host_seq = mbox_get(mbox_at(&s, NRFCRED_MBOX_OFF_HOST_SEQ));
		if (host_seq == s.ack_seq) {
			if (hal->idle(hal->ctx) != 0)
				return s.boot_status;
			continue;
		}
		/* The host writes host_seq after the record: read the record
		 * only after the doorbell. */
		mbox_fence();
		serve(&s, host_seq);
	}
}
