/* The host's half of the RAM session (provision.h "session"). */
#include "station/session.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/platform_util.h>

#include "cred/secure_mem.h"
#include "provision/le.h"
#include "provision/session.h"
#include "station/board_table.h"
#include "station/job.h"
#include "station/keygen.h"
#include "station/runner_priv.h"

/* A record that keeps changing under our reads this many polls in a row is
 * a board that rewrites its mailbox without end. */
#define TORN_READS_MAX 20u
/* After a request the answer may come at once (END -> DONE): a few short
 * looks before the step gives the slot back to the runner's poll timer. */
#define QUICK_LOOKS   16u
#define QUICK_LOOK_US 500u
/* UP bytes read with the first look at a record (a multiple of 4). */
#define REC_FIRST 128u
_Static_assert(REC_FIRST % 4u == 0 && REC_FIRST <= NRFCRED_MBOX_UP_MAX, "REC_FIRST in UP");

static uint32_t mbox(const struct slot *s, uint32_t off)
{
	return s->r->job->manifest.mailbox_addr + off;
}

void slot_session_reset(struct slot *s)
{
	memset(&s->session, 0, sizeof s->session);
}

void slot_session_prepare_run(struct slot *s)
{
	slot_session_reset(s);
	const struct manifest *m = &s->r->job->manifest;
	uint8_t head[NRFCRED_MBOX_HEADER_SIZE];
	if (nrf91_read(s->target, m->mailbox_addr, head, sizeof head) != NRF91_OK)
		return;
	if (le_get32(head + NRFCRED_MBOX_OFF_MAGIC) == NRFCRED_MBOX_MAGIC)
		s->session.stale_nonce = le_get32(head + NRFCRED_MBOX_OFF_NONCE);
	memset(head, 0, sizeof head);
	(void)nrf91_write(s->target, m->mailbox_addr, head, sizeof head);
}

nrf91_err slot_session_check_erased(struct slot *s)
{
	const struct station_job *job = s->r->job;
	const struct manifest *m = &job->manifest;
	/* What any boot of this board may have been given, not just the last;
	 * with keygen rounds, answers follow the table: all of it. */
	size_t sent = 0;
	(void)slot_sent_request(s, &sent);
	uint32_t end = NRFCRED_MBOX_DOWN_OFFSET +
		       (((uint32_t)sent + NRFCRED_REC_OVERHEAD + 3u) & ~3u);
	if (keygen_job_active(s))
		end = m->mailbox_size;
	if (end > m->mailbox_size)
		end = m->mailbox_size;
	/* The firmware's clearing was read back at DONE over all of it, and
	 * nothing writes the mailbox after DONE: only the header and the DONE
	 * record were left non-zero, and reading them uniform shows the
	 * erase-all cleared RAM (the modem library's copies of keys rely on
	 * it); the zeros after them need no second read (70 ms of a reference
	 * board, tools/bench). */
	if (s->session.proven_clear >= end && s->session.done_end > 0 &&
	    s->session.done_end < end)
		end = s->session.done_end;
	uint8_t *buf = malloc(end);
	if (buf == NULL)
		return NRF91_ERR_NOMEM;
	nrf91_err e = nrf91_read(s->target, m->mailbox_addr, buf, end);
	uint32_t bad = end;
	for (uint32_t i = 1; e == NRF91_OK && i < end && bad == end; i++)
		if (buf[i] != buf[0])
			bad = i;
	mbedtls_platform_zeroize(buf, end);
	free(buf);
	if (e == NRF91_OK && bad != end) {
		/* Erased RAM reads uniform; its value is not documented. */
		snprintf(s->detail, sizeof s->detail,
			 "RAM at 0x%08" PRIx32 " (session mailbox) is not erased after erase-all",
			 m->mailbox_addr + bad);
		e = NRF91_ERR_VERIFY;
	}
	return e;
}

/* Writes a DOWN record, then rings the doorbell (host_seq) last. No read
 * back: the firmware checks the record's CRC-32 before it acts on it and
 * answers REJECT (bad record CRC) otherwise (firmware/core/session.c), so
 * every byte is proven on the target, as the flash loader proves flash;
 * reading it back cost a reference board 35 ms (tools/bench). The TABLE
 * record holds keys: the host buffer is wiped before it is freed. */
static nrf91_err send_request(struct slot *s, uint16_t type, const uint8_t *payload, size_t len,
			      uint32_t seq, uint32_t at, bool *fits)
{
	const struct manifest *m = &s->r->job->manifest;
	struct slot_session *ss = &s->session;
	size_t cap = m->mailbox_size - NRFCRED_MBOX_DOWN_OFFSET - at;
	size_t need = len + NRFCRED_REC_OVERHEAD + 3;
	if (need < cap)
		cap = need;
	*fits = true;
	uint8_t *rec = secure_mem_alloc(cap);
	if (rec == NULL)
		return NRF91_ERR_NOMEM;
	nrf91_err e = NRF91_OK;
	size_t n = session_record_encode(type, seq, ss->nonce, ss->fw_seq, payload, len, rec, cap);
	if (n == 0) {
		*fits = false;
	} else {
		if (at + n > ss->down_used)
			ss->down_used = at + (uint32_t)n;
		/* Record, then doorbell, in order on the wire. */
		uint8_t bell[4];
		le_put32(bell, seq);
		struct nrf91_span sp[2] = {
			{mbox(s, NRFCRED_MBOX_DOWN_OFFSET + at), rec, (n + 3u) & ~(size_t)3u},
			{mbox(s, NRFCRED_MBOX_OFF_HOST_SEQ), bell, sizeof bell}};
		e = nrf91_write_spans(s->target, sp, 2);
	}
	secure_mem_free(rec);
	return e;
}

/* The request owed to the firmware goes out (TABLE or END). Until it is
 * in, every look tries again: a transfer lost to a WAIT storm or a FAULT
 * must not leave the firmware waiting until the timeout. */
static enum slot_outcome deliver(struct slot *s)
{
	struct slot_session *ss = &s->session;
	if (ss->owed == 0)
		return SLOT_OUT_PENDING;
	nrf91_err e;
	size_t len = ss->owed_len;
	bool fits = true;
	if (ss->owed == NRFCRED_REC_TABLE) {
		/* From the first try on, the modem may get the table (the
		 * doorbell may ring even when the write reports an error): a
		 * pool bundle is then never handed to another board
		 * (pool_slot.h). */
		s->table_sent = true;
		const uint8_t *table = slot_sent_request(s, &len);
		e = send_request(s, ss->owed, table, len, ss->owed_seq, 0, &fits);
	} else {
		e = send_request(s, ss->owed, ss->owed_payload, len, ss->owed_seq, ss->owed_at,
				 &fits);
	}
	if (!fits)
		return slot_fail(s, "the %s request (%zu bytes) does not fit the mailbox",
				 session_record_type_name(ss->owed), len);
	if (e != NRF91_OK)
		return slot_lost_access(s, e);
	ss->host_seq = ss->owed_seq;
	ss->sent = ss->owed;
	if (ss->owed == NRFCRED_REC_TABLE)
		ss->table_seq = ss->owed_seq;
	ss->owed = 0;
	return SLOT_OUT_PENDING;
}

/* Asks for a request. Its seq follows the firmware's ack_seq, which takes
 * the doorbell's seq even for a record the firmware refused. */
static enum slot_outcome owe(struct slot *s, uint16_t type)
{
	struct slot_session *ss = &s->session;
	ss->owed = type;
	ss->owed_seq = ss->ack_seq + 1;
	ss->owed_payload = NULL;
	ss->owed_len = 0;
	ss->owed_at = 0;
	return deliver(s);
}

/* An answer inside the running TABLE (CERT, ACK): written after the TABLE
 * record, which the firmware still reads in place (provision.h). */
static enum slot_outcome owe_answer(struct slot *s, uint16_t type, const uint8_t *payload,
				    size_t len)
{
	struct slot_session *ss = &s->session;
	size_t table_len = 0;
	(void)slot_sent_request(s, &table_len);
	ss->owed = type;
	ss->owed_seq = ss->ack_seq + 1;
	ss->owed_payload = payload;
	ss->owed_len = len;
	ss->owed_at = NRFCRED_REC_OVERHEAD + (((uint32_t)table_len + 3u) & ~3u);
	return deliver(s);
}

/* A session counts as ended only when the firmware has cleared every byte
 * the session wrote: the header, the UP area but DONE as far as the
 * longest record this boot published (UP carries no key), the DOWN area as
 * far as this boot got requests. The UP bytes past them were never written
 * by the protocol; reading them would cost a full-speed probe ~20 ms. */
static enum slot_outcome prove_clear(struct slot *s, uint32_t done_len)
{
	const struct manifest *m = &s->r->job->manifest;
	struct slot_session *ss = &s->session;
	uint32_t end = NRFCRED_MBOX_DOWN_OFFSET + ((ss->down_used + 3u) & ~3u);
	if (end > m->mailbox_size)
		end = m->mailbox_size;
	uint32_t up_end = NRFCRED_MBOX_UP_OFFSET + ((ss->up_used + 3u) & ~3u);
	if (up_end > NRFCRED_MBOX_DOWN_OFFSET || up_end > end)
		up_end = end < NRFCRED_MBOX_DOWN_OFFSET ? end : NRFCRED_MBOX_DOWN_OFFSET;
	uint8_t *buf = malloc(end);
	if (buf == NULL) {
		s->err = NRF91_ERR_NOMEM;
		return SLOT_OUT_FAILED;
	}
	/* The gap [up_end, DOWN) is not read: zero in our copy. */
	memset(buf, 0, end);
	nrf91_err e = nrf91_read(s->target, m->mailbox_addr, buf, up_end);
	if (e == NRF91_OK && end > NRFCRED_MBOX_DOWN_OFFSET)
		e = nrf91_read(s->target, mbox(s, NRFCRED_MBOX_DOWN_OFFSET),
			       buf + NRFCRED_MBOX_DOWN_OFFSET, end - NRFCRED_MBOX_DOWN_OFFSET);
	if (e != NRF91_OK) {
		mbedtls_platform_zeroize(buf, end);
		free(buf);
		return slot_lost_access(s, e);
	}
	uint32_t from = NRFCRED_MBOX_UP_OFFSET + done_len, dirty = 0, first = 0;
	for (uint32_t i = NRFCRED_MBOX_OFF_HOST_SEQ + 4; i < end; i++) {
		if (i >= NRFCRED_MBOX_UP_OFFSET && i < from)
			continue;
		if (buf[i] != 0 && dirty++ == 0)
			first = i;
	}
	/* Whatever stayed there may be a key: wipe our copy, never print it. */
	mbedtls_platform_zeroize(buf, end);
	free(buf);
	if (dirty)
		return slot_fail(s,
				 "the firmware said DONE but the mailbox still holds %" PRIu32
				 " non-zero bytes from 0x%08" PRIx32,
				 dirty, m->mailbox_addr + first);
	ss->phase = SLOT_SESSION_FINISHED;
	/* [up_end, DOWN) counts as clear without a read: the protocol never
	 * writes it (see above). */
	ss->proven_clear = end;
	ss->done_end = from;
	return SLOT_OUT_OK;
}

/* What the host owes a boot that has not answered anything yet: the table,
 * or only END when a result is in from a boot before it. */
static uint16_t first_request(const struct slot *s)
{
	return s->have_result ? NRFCRED_REC_END : NRFCRED_REC_TABLE;
}

static enum slot_outcome on_record(struct slot *s, const struct session_record *rec)
{
	struct slot_session *ss = &s->session;
	struct provision_diag pd = {{0}};
	session_err se;

	if (rec->type == NRFCRED_REC_REJECT) {
		uint32_t reason = 0, detail = 0;
		se = session_reject_decode(rec, &reason, &detail, &pd);
		if (se != SESSION_OK)
			return slot_fail(s, "firmware record %" PRIu32 ": %s: %s", rec->seq,
					 session_strerror(se), pd.text);
		/* A boot that took a request written for the boot before it
		 * (it reset between our READY and our doorbell): ask again,
		 * whatever it found wrong with it (the nonce, the seq, or a
		 * record it was clearing as the doorbell landed). */
		if (ss->phase == SLOT_SESSION_WAIT_READY && ss->boots > 1) {
			ss->phase =
				s->have_result ? SLOT_SESSION_WAIT_DONE : SLOT_SESSION_WAIT_RESULT;
			return owe(s, first_request(s));
		}
		/* The firmware's CRC check is the proof of what the host wrote
		 * (send_request). The firmware cleared the refused record and
		 * waits for the next one: a TABLE or END spoiled once on its
		 * way goes out once more; a second time is final (a wire or
		 * RAM fault that stays), not a step to retry. */
		bool bad_crc = reason == NRFCRED_REJ_CRC;
		if (bad_crc && ss->crc_rejects++ == 0 &&
		    (ss->sent == NRFCRED_REC_TABLE || ss->sent == NRFCRED_REC_END))
			return owe(s, ss->sent);
		return slot_fail(
			s, "the firmware rejected request %" PRIu32 "%s: %s (reason %" PRIu32 ")%s",
			detail, bad_crc && ss->crc_rejects > 1 ? " and its resend" : "",
			session_reject_name(reason), reason,
			bad_crc ? ": the record in RAM is not what the host wrote (a wire error "
				  "that SWD parity did not catch, or a RAM fault)"
				: "");
	}
	switch (ss->phase) {
	case SLOT_SESSION_WAIT_READY: {
		struct session_ready rd;
		se = session_ready_decode(rec, &rd, &pd);
		if (se != SESSION_OK)
			return slot_fail(s, "firmware READY: %s: %s", session_strerror(se),
					 pd.text);
		if (!(rd.caps & NRFCRED_CAP_TABLE))
			return slot_fail(s,
					 "the firmware's READY offers no credential table (caps "
					 "0x%08" PRIx32 ")",
					 rd.caps);
		/* The IMEI is known before any key leaves the host: a board
		 * that CHECK would refuse for it never gets the table. An
		 * empty one (the modem steps failed) gets it and answers with
		 * the failure. */
		if (rd.imei[0]) {
			snprintf(s->imei, sizeof s->imei, "%s", rd.imei);
			if (!result_imei_valid(rd.imei))
				return slot_fail(s, "%s: \"%s\" (the table was not sent)",
						 result_strerror(RESULT_ERR_IMEI_LUHN), rd.imei);
			if (!slot_imei_is_new(s, rd.imei))
				return SLOT_OUT_FAILED;
			/* Provisioned in an earlier run: CHECK refuses it, and
			 * the table never goes down. */
			if (!slot_imei_not_provisioned(s, rd.imei)) {
				ss->phase = SLOT_SESSION_FINISHED;
				return SLOT_OUT_OK;
			}
		}
		if (!s->have_result && keygen_job_active(s)) {
			if (!(rd.caps & NRFCRED_CAP_KEYGEN) || !(rd.caps & NRFCRED_CAP_ATTEST))
				return slot_fail(
					s,
					"the firmware's READY offers no keygen/attestation rounds "
					"(caps 0x%08" PRIx32 "): use a provisioner built with "
					"them",
					rd.caps);
			if (rd.imei[0] == '\0')
				return slot_fail(s,
						 "no IMEI in READY (modem status %" PRIu32
						 "): a keygen subject needs it",
						 rd.status);
		}
		/* The board's own table (KEYGEN entries with its subjects among
		 * them), then the state of the CSR -> CERT and ATTEST rounds
		 * that run inside it: both after the duplicate guard above, so
		 * a known IMEI is never asked for a key. */
		if (!slot_board_table_ready(s))
			return SLOT_OUT_FAILED;
		if (!s->have_result && keygen_slot_prepare(s) != 0)
			return SLOT_OUT_FAILED;
		ss->phase = s->have_result ? SLOT_SESSION_WAIT_DONE : SLOT_SESSION_WAIT_RESULT;
		return owe(s, first_request(s));
	}
	case SLOT_SESSION_WAIT_RESULT:
		if (rec->type == NRFCRED_REC_CSR || rec->type == NRFCRED_REC_ATTEST) {
			if (rec->ref != ss->host_seq)
				return slot_fail(
					s, "firmware %s answers request %" PRIu32 ", not %" PRIu32,
					session_record_type_name(rec->type), rec->ref,
					ss->host_seq);
			const uint8_t *answer = NULL;
			size_t len = 0;
			enum slot_outcome out = rec->type == NRFCRED_REC_CSR
							? keygen_on_csr(s, rec, &answer, &len)
							: keygen_on_attest(s, rec);
			if (out != SLOT_OUT_PENDING)
				return out;
			return owe_answer(s,
					  rec->type == NRFCRED_REC_CSR ? NRFCRED_REC_CERT
								       : NRFCRED_REC_ACK,
					  answer, len);
		}
		if (rec->type != NRFCRED_REC_RESULT)
			return slot_fail(s,
					 "firmware record %" PRIu32
					 ": %s: %s (0x%04x) where RESULT "
					 "was due",
					 rec->seq, session_strerror(SESSION_ERR_TYPE),
					 session_record_type_name(rec->type), (unsigned)rec->type);
		if (rec->ref != ss->table_seq)
			return slot_fail(
				s, "firmware RESULT answers request %" PRIu32 ", not %" PRIu32,
				rec->ref, ss->table_seq);
		{
			result_err re = result_decode(rec->payload, rec->payload_len,
						      rec->payload_len, &s->result, &pd);
			if (re != RESULT_OK)
				return slot_fail(s, "result record unreadable: %s%s%s",
						 result_strerror(re), pd.text[0] ? ": " : "",
						 pd.text);
		}
		s->have_result = true;
		ss->phase = SLOT_SESSION_WAIT_DONE;
		return owe(s, NRFCRED_REC_END);
	case SLOT_SESSION_WAIT_DONE: {
		uint32_t st = 0;
		se = session_done_decode(rec, &st, &pd);
		if (se != SESSION_OK)
			return slot_fail(s, "firmware DONE: %s: %s", session_strerror(se), pd.text);
		if (rec->ref != ss->host_seq)
			return slot_fail(s,
					 "firmware DONE answers request %" PRIu32 ", not %" PRIu32,
					 rec->ref, ss->host_seq);
		if (st != 0)
			return slot_fail(
				s,
				"the firmware could not clear its buffers (DONE status %" PRIu32
				")",
				st);
		return prove_clear(s, rec->length);
	}
	case SLOT_SESSION_FINISHED:
		break;
	}
	return SLOT_OUT_OK;
}

/* A boot we have not talked to: start over with it. What was sent to the
 * boot before is gone (the firmware clears the mailbox when it starts);
 * entries are delete-before-write, so writing them again is harmless. */
static void new_boot(struct slot *s, const struct session_header *h)
{
	struct slot_session *ss = &s->session;
	ss->nonce = h->nonce;
	ss->fw_seq = 0;
	ss->host_seq = 0;
	ss->owed = 0;
	ss->down_used = 0;
	ss->up_used = 0;
	ss->boots++;
	ss->phase = SLOT_SESSION_WAIT_READY;
}

/* Whether record r may come next in this conversation. */
static bool in_sequence(const struct slot_session *ss, const struct session_record *r,
			uint32_t fw_seq)
{
	if (r->seq != fw_seq)
		return false;
	if (r->type == NRFCRED_REC_READY)
		return r->seq == 1 && ss->phase == SLOT_SESSION_WAIT_READY;
	/* A fresh boot opens with READY; only a REJECT of a stale request of
	 * ours may stand in its place (on_record judges it). */
	if (ss->phase == SLOT_SESSION_WAIT_READY)
		return r->type == NRFCRED_REC_REJECT;
	return true;
}

static enum slot_outcome look(struct slot *s)
{
	const struct manifest *m = &s->r->job->manifest;
	struct slot_session *ss = &s->session;
	uint8_t head[NRFCRED_MBOX_HEADER_SIZE];
	uint32_t hw[NRFCRED_MBOX_HEADER_SIZE / 4], progress = 0;
	bool reset_seen = false;
	/* DHCSR, the header and the progress word in one round trip. */
	nrf91_err e = nrf91_poll_words(s->target, &reset_seen, m->mailbox_addr, hw,
				       NRFCRED_MBOX_HEADER_SIZE / 4, m->progress_addr, &progress);
	if (e != NRF91_OK)
		return slot_lost_access(s, e);
	for (size_t i = 0; i < NRFCRED_MBOX_HEADER_SIZE / 4; i++)
		le_put32(head + 4 * i, hw[i]);
	if (!session_header_ready(head)) {
		slot_show_firmware_progress(s, progress);
		return SLOT_OUT_PENDING; /* booting, or still switching the modem */
	}
	struct session_header h;
	struct provision_diag pd = {{0}};
	session_err se = session_header_decode(head, m->mailbox_size, &h, &pd);
	if (se != SESSION_OK)
		return slot_fail(s, "mailbox at 0x%08" PRIx32 ": %s: %s", m->mailbox_addr,
				 session_strerror(se), pd.text);
	/* The boot that was in the mailbox before RUN's reset is not ours. */
	if (ss->boots == 0 && h.nonce == ss->stale_nonce) {
		slot_show_firmware_progress(s, progress);
		return SLOT_OUT_PENDING;
	}
	/* A doorbell whose write was reported lost may have landed. */
	if (ss->owed && h.nonce == ss->nonce && h.host_seq == ss->owed_seq) {
		ss->host_seq = ss->owed_seq;
		ss->owed = 0;
	}
	/* A new boot shows a new nonce, fw_seq going back, or (a power cycle
	 * that drew the same nonce) our doorbell gone from the header. */
	bool again = h.nonce != ss->nonce || h.fw_seq < ss->fw_seq ||
		     (ss->phase != SLOT_SESSION_WAIT_READY && ss->owed == 0 &&
		      h.host_seq != ss->host_seq);
	if (again)
		new_boot(s, &h);
	ss->ack_seq = h.ack_seq;
	if (h.fw_seq == ss->fw_seq) {
		slot_show_firmware_progress(s, progress);
		return deliver(s);
	}

	uint8_t *rec = malloc(NRFCRED_MBOX_UP_MAX);
	if (rec == NULL) {
		s->err = NRF91_ERR_NOMEM;
		return SLOT_OUT_FAILED;
	}
	uint32_t up = mbox(s, NRFCRED_MBOX_UP_OFFSET);
	/* The record is trusted only if the firmware did not move on (or
	 * restart) while we read it: nonce and fw_seq read again behind it,
	 * in the same round trip. The first REC_FIRST bytes hold READY, DONE
	 * and a RESULT of a few entries whole. */
	uint8_t again_head[8];
	struct nrf91_span sp[2] = {{up, rec, REC_FIRST},
				   {mbox(s, NRFCRED_MBOX_OFF_NONCE), again_head, sizeof again_head}};
	e = nrf91_read_spans(s->target, sp, 2);
	uint32_t len = e == NRF91_OK ? session_record_length(rec) : 0;
	if (len > NRFCRED_MBOX_UP_MAX || len < NRFCRED_REC_HEADER_SIZE)
		len = NRFCRED_REC_HEADER_SIZE; /* the decoder names it */
	if (len > ss->up_used)
		ss->up_used = len;
	if (e == NRF91_OK && len > REC_FIRST) {
		sp[0] = (struct nrf91_span){up + REC_FIRST, rec + REC_FIRST,
					    ((len - REC_FIRST) + 3u) & ~3u};
		e = nrf91_read_spans(s->target, sp, 2);
	}
	if (e != NRF91_OK) {
		free(rec);
		return slot_lost_access(s, e);
	}
	if (le_get32(again_head) != h.nonce || le_get32(again_head + 4) != h.fw_seq) {
		free(rec);
		if (++ss->torn > TORN_READS_MAX)
			return slot_fail(s, "the mailbox changed under %u reads in a row",
					 ss->torn);
		return SLOT_OUT_PENDING;
	}
	ss->torn = 0;
	struct session_record r;
	se = session_record_decode(rec, len, NRFCRED_MBOX_UP_MAX, &r, &pd);
	enum slot_outcome out;
	if (se != SESSION_OK)
		out = slot_fail(s, "firmware record %" PRIu32 ": %s: %s", h.fw_seq,
				session_strerror(se), pd.text);
	else if (r.nonce != h.nonce)
		out = slot_fail(s,
				"firmware record %" PRIu32 ": %s (0x%08" PRIx32
				", boot 0x%08" PRIx32 ")",
				h.fw_seq, session_strerror(SESSION_ERR_NONCE), r.nonce, h.nonce);
	else if (!in_sequence(ss, &r, h.fw_seq))
		out = slot_fail(s, "firmware record %" PRIu32 ": %s (%s seq %" PRIu32 ")", h.fw_seq,
				session_strerror(SESSION_ERR_SEQ), session_record_type_name(r.type),
				r.seq);
	else {
		ss->fw_seq = h.fw_seq;
		out = on_record(s, &r);
	}
	/* A RESULT is not secret, but the buffer is reused for nothing else. */
	mbedtls_platform_zeroize(rec, NRFCRED_MBOX_UP_MAX);
	free(rec);
	return out;
}

enum slot_outcome slot_session_poll(struct slot *s)
{
	enum slot_outcome out = look(s);
	/* Right after a request, look again soon: END is answered at once. */
	for (unsigned i = 0; i < QUICK_LOOKS && out == SLOT_OUT_PENDING &&
			     s->session.phase == SLOT_SESSION_WAIT_DONE;
	     i++) {
		nrf91_err e = nrf91_delay_us(s->target, QUICK_LOOK_US);
		if (e != NRF91_OK)
			return slot_lost_access(s, e);
		out = look(s);
	}
	return out;
}
