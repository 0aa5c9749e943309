/* A slot's credential-pool bundle: the claim at READY and its fate at the
 * board's end (pool_slot.h). */
#include <stdio.h>

#include "db/db_pool.h"
#include "station/config.h"
#include "station/pool_slot.h"
#include "station/runner_priv.h"

enum slot_pool_fate slot_pool_fate(bool table_sent, bool have_result, bool passed,
				   enum slot_state failed_step)
{
	if (!table_sent)
		return SLOT_POOL_RETURN;
	bool checked = passed || failed_step == SLOT_WIPE || failed_step == SLOT_PROGRAM_APP ||
		       failed_step == SLOT_VERIFY_APP || failed_step == SLOT_RESET_APP ||
		       failed_step == SLOT_DONE;
	/* A bundle whose write may have half happened is never reused: the
	 * modem may hold a key that another board would then hold too. */
	return have_result && checked ? SLOT_POOL_BIND : SLOT_POOL_BURN;
}

enum slot_outcome slot_pool_claim(struct slot *s, struct db_station *db, const char *pool,
				  const struct db_pool_key *key, struct db_pool_claim **out)
{
	char why[200];
	db_err e = db_pool_claim(db, pool, key, s->cfg->number, out, why, sizeof why);
	if (e == DB_OK)
		return SLOT_OUT_OK;
	if (e == DB_ERR_POOL_EMPTY)
		snprintf(s->detail, sizeof s->detail,
			 "credential pool %s: no free bundle left (the table was not sent)", pool);
	else
		snprintf(s->detail, sizeof s->detail, "%s%s (the table was not sent)",
			 e == DB_ERR_KEY ? "" : "database: ", why);
	return SLOT_OUT_FAILED;
}

bool slot_pool_settle(struct slot *s, struct db_station *db, const struct db_pool_claim *claim,
		      enum slot_pool_fate fate, char *why, size_t whylen)
{
	db_err e;
	switch (fate) {
	case SLOT_POOL_BIND:
		e = db_pool_bind(db, claim, s->result.imei, why, whylen);
		break;
	case SLOT_POOL_RETURN:
		e = db_pool_return(db, claim, why, whylen);
		break;
	default:
		e = db_pool_burn(db, claim, why, whylen);
		break;
	}
	return e == DB_OK;
}
