/*
 * A slot's credential-pool bundle (issue 14, src/db/db_pool.h): claimed at
 * the RAM session's READY, settled when the board ends:
 *
 *   READY (board_identity.c slot_board_table_ready, worker, after the IMEI
 *   guard, before board_table_build): slot_pool_claim -> SLOT_OUT_FAILED
 *     with s->detail "credential pool NAME: no free bundle left (the table
 *     was not sent)" when empty: no modem write; else the board's table
 *     takes the claim's items (secure_mem, wiped by db_pool_claim_free).
 *   Board end (records.c records_work, worker, before records_db):
 *     slot_pool_settle with slot_pool_fate(table_sent, ...), then
 *     db_pool_claim_free.
 */
#ifndef NRFCRED_STATION_POOL_SLOT_H
#define NRFCRED_STATION_POOL_SLOT_H

#include <stdbool.h>
#include <stddef.h>

#include "station/slot.h"

struct db_station;
struct db_pool_key;
struct db_pool_claim;
struct slot;

enum slot_pool_fate {
	SLOT_POOL_RETURN = 0, /* no TABLE record went out: nothing reached the modem */
	SLOT_POOL_BIND,	      /* the modem confirmed every item (CHECK passed) */
	SLOT_POOL_BURN,	      /* a TABLE went out and the result did not confirm it */
};

/* Pure. table_sent: a TABLE record (or the flash table) reached the board.
 * check_passed: CHECK accepted the result (the board passed, or failed
 * only after CHECK: WIPE, PROGRAM_APP, VERIFY_APP, RESET_APP, DONE). */
enum slot_pool_fate slot_pool_fate(bool table_sent, bool have_result, bool passed,
				   enum slot_state failed_step);

/* Worker. Claims one bundle of pool for this slot; SLOT_OUT_FAILED with
 * s->detail set when none is left or the database cannot be reached. */
enum slot_outcome slot_pool_claim(struct slot *s, struct db_station *db, const char *pool,
				  const struct db_pool_key *key, struct db_pool_claim **out);
/* Worker. Binds (to the result's IMEI), returns or burns the claim; false
 * with why set when the database did not take it (the bundle then stays
 * claimed: nrfcred pool status shows it, never handed out twice). */
bool slot_pool_settle(struct slot *s, struct db_station *db, const struct db_pool_claim *claim,
		      enum slot_pool_fate fate, char *why, size_t whylen);

#endif
