/*
 * The host side of the RAM session (include/nrfcred/provision.h,
 * "session"), as the AWAIT_RESULT step of a slot: one call reads the
 * mailbox, answers what the firmware wrote, and says whether the
 * conversation is over. Runs on the slot's worker thread.
 */
#ifndef NRFCRED_STATION_SESSION_H
#define NRFCRED_STATION_SESSION_H

#include <stdint.h>

#include "station/slot.h"
#include "target/nrf91.h"

struct slot;

enum slot_session_phase {
	SLOT_SESSION_WAIT_READY = 0, /* until a READY of a boot we have not answered */
	SLOT_SESSION_WAIT_RESULT,    /* TABLE sent */
	SLOT_SESSION_WAIT_DONE,	     /* END sent */
	SLOT_SESSION_FINISHED,	     /* DONE seen, mailbox proven clear */
};

struct slot_session {
	enum slot_session_phase phase;
	uint32_t nonce;	      /* of the boot we talk to; 0 before the first READY */
	uint32_t fw_seq;      /* last firmware record handled */
	uint32_t host_seq;    /* last request written to this boot */
	unsigned boots;	      /* READY records of distinct boots */
	unsigned torn;	      /* reads in a row that changed under us */
	uint16_t owed;	      /* request type still to be written (a send failed), 0 = none */
	uint16_t sent;	      /* the type of the request last written */
	unsigned crc_rejects; /* requests the firmware found with a bad CRC */
	uint32_t owed_seq;    /* the seq it goes out with */
	uint32_t ack_seq;     /* the firmware's ack_seq at the last look */
	uint32_t stale_nonce; /* a boot from before RUN's reset: never answered */
	uint32_t down_used;   /* DOWN bytes written to this boot (what must be cleared) */
	uint32_t up_used;     /* UP bytes of the longest record this boot published */
	/* Mailbox bytes [0, proven_clear) read back zero at DONE but for
	 * [0, done_end), the header and the DONE record: after the erase-all
	 * only that part needs reading to show RAM was erased. */
	uint32_t proven_clear, done_end;
	/* Rounds inside a TABLE (CERT, ACK: station/keygen.c): the owed
	 * answer's payload and DOWN offset (after the TABLE record), and the
	 * TABLE's seq, which its RESULT answers. */
	const uint8_t *owed_payload;
	size_t owed_len;
	uint32_t owed_at;
	uint32_t table_seq;
};

/* Forget the conversation (a new board). */
void slot_session_reset(struct slot *s);

/* Before RUN's reset: forget the conversation, remember the nonce of a
 * boot still in the mailbox (a retried RUN, a board that ran before) so
 * that its READY is never answered, and clear the header. Best effort: a
 * board whose RAM cannot be read has no such boot to fear. */
void slot_session_prepare_run(struct slot *s);

/* After WIPE's erase-all (which erases RAM, nRF9160 PS CTRL-AP): the part
 * of the mailbox a session may have used reads back uniform, no record
 * left. NRF91_ERR_VERIFY with s->detail naming the address otherwise. A
 * session whose DONE clearing was read back over that part has only its
 * header and DONE record read again. */
nrf91_err slot_session_check_erased(struct slot *s);

/* One poll: SLOT_OUT_PENDING while the firmware works, SLOT_OUT_OK once
 * DONE is in and the mailbox reads back clear (s->result holds the
 * firmware's result), SLOT_OUT_FAILED with s->detail naming the cause. */
enum slot_outcome slot_session_poll(struct slot *s);

#endif
