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

struct slot;

enum slot_session_phase {
	SLOT_SESSION_WAIT_READY = 0, /* until a READY of a boot we have not answered */
	SLOT_SESSION_WAIT_RESULT,    /* TABLE sent */
	SLOT_SESSION_WAIT_DONE,	     /* END sent */
	SLOT_SESSION_FINISHED,	     /* DONE seen, mailbox proven clear */
};

struct slot_session {
	enum slot_session_phase phase;
	uint32_t nonce;	   /* of the boot we talk to; 0 before the first READY */
	uint32_t fw_seq;   /* last firmware record handled */
	uint32_t host_seq; /* last request written to this boot */
	unsigned boots;	   /* READY records of distinct boots */
	unsigned torn;	   /* reads in a row that changed under us */
};

/* Forget the conversation (a new board, or RUN started the board again). */
void slot_session_reset(struct slot *s);

/* One poll: SLOT_OUT_PENDING while the firmware works, SLOT_OUT_OK once
 * DONE is in and the mailbox reads back clear (s->result holds the
 * firmware's result), SLOT_OUT_FAILED with s->detail naming the cause. */
enum slot_outcome slot_session_poll(struct slot *s);

#endif
