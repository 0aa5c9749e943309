/* The station's statements: a board row (with its station and run) and the
 * IMEI lookup of the duplicate guard. Prepared once per connection. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/db_priv.h"

/* One statement, one transaction, one round trip: the station's row is
 * created or touched, the run's created once, the board's inserted unless
 * its uuid is there (a replay). The CTEs run whether or not the main
 * insert reads them, and the foreign keys are checked at the end of the
 * statement, after their inserts. */
static const char insert_board_sql[] =
	"WITH st AS (INSERT INTO stations (name) VALUES ($1)"
	"   ON CONFLICT (name) DO UPDATE SET last_seen = now() RETURNING 1),"
	" ru AS (INSERT INTO runs (uuid, station, started_at, nrfcred_version,"
	"   provisioner_sha256) VALUES ($2, $1, $3, $4, $5) ON CONFLICT (uuid) DO NOTHING"
	"   RETURNING 1)"
	" INSERT INTO boards (uuid, run, station, slot, probe_serial, imei, device_id,"
	"   started_at, finished_at, duration_ms, result, failed_step, cause, part, modem_fw,"
	"   sec_tags, cred_sha256, provisioner_sha256, app_sha256, nrfcred_version, delivery,"
	"   reprovisioned)"
	" VALUES ($6, $2, $1, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19,"
	"   $20, $5, $21, $4, $22, $23)"
	" ON CONFLICT (uuid) DO NOTHING RETURNING 1";

static const char imei_owner_sql[] = "SELECT station, slot, to_char(finished_at AT TIME ZONE 'UTC',"
				     "   'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"
				     " FROM boards WHERE imei = $1 AND result = 'pass' LIMIT 1";

db_err db_prepare_records(PGconn *pg, char *out, size_t outlen)
{
	static const struct {
		const char *name, *sql;
		int params;
	} stmts[] = {
		{"nrfcred_board", insert_board_sql, 23},
		{"nrfcred_imei", imei_owner_sql, 1},
	};
	for (size_t i = 0; i < sizeof stmts / sizeof stmts[0]; i++) {
		PGresult *res = PQprepare(pg, stmts[i].name, stmts[i].sql, stmts[i].params, NULL);
		if (PQresultStatus(res) != PGRES_COMMAND_OK) {
			db_err e = db_result_err(pg, res);
			db_pg_message(pg, res, out, outlen);
			PQclear(res);
			return e;
		}
		PQclear(res);
	}
	return DB_OK;
}

static const char *or_empty(const char *s)
{
	return s ? s : "";
}

db_err db_imei_owner(PGconn *pg, const char *imei, char *why, size_t whylen)
{
	const char *params[1] = {or_empty(imei)};
	PGresult *res = PQexecPrepared(pg, "nrfcred_imei", 1, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		db_err e = db_result_err(pg, res);
		db_pg_message(pg, res, why, whylen);
		PQclear(res);
		return e == DB_ERR_DUPLICATE ? DB_ERR_QUERY : e;
	}
	db_err e = DB_OK;
	if (PQntuples(res) > 0) {
		/* The per-device guard's words (issue 11), naming the station. */
		snprintf(why, whylen, "IMEI %s already provisioned on %s at %s slot %s", imei,
			 PQgetvalue(res, 0, 2), PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1));
		e = DB_ERR_DUPLICATE;
	}
	PQclear(res);
	return e;
}

db_err db_insert_board(PGconn *pg, const struct db_board_row *row, bool *inserted, char *why,
		       size_t whylen)
{
	char slot[16], device_id[24], duration[24];
	*inserted = false;
	snprintf(slot, sizeof slot, "%u", row->slot);
	snprintf(device_id, sizeof device_id, "%016" PRIx64, row->device_id);
	snprintf(duration, sizeof duration, "%" PRIu64, row->duration_ms);
	const char *p[23] = {
		or_empty(row->station),
		row->run,
		or_empty(row->run_started_at),
		or_empty(row->version),
		or_empty(row->provisioner_sha256),
		row->uuid,
		slot,
		or_empty(row->probe),
		or_empty(row->imei),
		device_id,
		or_empty(row->started_at),
		or_empty(row->finished_at),
		duration,
		row->passed ? "pass" : "fail",
		or_empty(row->failed_step),
		or_empty(row->cause),
		or_empty(row->part),
		or_empty(row->modem_fw),
		or_empty(row->sec_tags),
		or_empty(row->cred_sha256),
		or_empty(row->app_sha256),
		or_empty(row->delivery),
		row->reprovisioned ? "true" : "false",
	};
	PGresult *res = PQexecPrepared(pg, "nrfcred_board", 23, p, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		db_err e = db_result_err(pg, res);
		db_pg_message(pg, res, why, whylen);
		PQclear(res);
		if (e == DB_ERR_DUPLICATE) {
			/* Another station's pass committed first: name it. */
			db_err o = db_imei_owner(pg, or_empty(row->imei), why, whylen);
			if (o != DB_ERR_DUPLICATE)
				snprintf(why, whylen,
					 "IMEI %s already provisioned (another pass row)",
					 or_empty(row->imei));
		}
		return e;
	}
	*inserted = PQntuples(res) == 1;
	PQclear(res);
	return DB_OK;
}
