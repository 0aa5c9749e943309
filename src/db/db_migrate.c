/* nrfcred db migrate: the schema's versions, each applied in its own
 * transaction together with its schema_version row, so a migration that
 * fails leaves the database at the version before it. Two migrates at once
 * (two stations set up together) take turns on an advisory lock and the
 * second finds nothing left to do. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/db_priv.h"

/* Any 64-bit constant of our own: the key of the migration's advisory lock. */
#define DB_MIGRATE_LOCK "7232174031855202164"

static const char create_version_table[] = "CREATE TABLE IF NOT EXISTS schema_version ("
					   " version integer PRIMARY KEY,"
					   " name text NOT NULL,"
					   " applied_at timestamptz NOT NULL DEFAULT now())";

static db_err current_version(PGconn *pg, unsigned *out, char *msg, size_t msglen)
{
	PGresult *res = PQexec(pg, "SELECT coalesce(max(version), 0) FROM schema_version");
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		db_err e = db_result_err(pg, res);
		db_pg_message(pg, res, msg, msglen);
		PQclear(res);
		return e;
	}
	*out = (unsigned)strtoul(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	return DB_OK;
}

/* One migration: lock, look again (another migrate may have done it),
 * apply, record, commit. */
static db_err apply(PGconn *pg, const struct db_migration *m, bool *applied, char *msg,
		    size_t msglen)
{
	*applied = false;
	db_err e = db_exec(pg, "BEGIN", msg, msglen);
	if (e == DB_OK)
		e = db_exec(pg, "SELECT pg_advisory_xact_lock(" DB_MIGRATE_LOCK ")", msg, msglen);
	unsigned have = 0;
	if (e == DB_OK)
		e = current_version(pg, &have, msg, msglen);
	if (e == DB_OK && have < m->version) {
		e = db_exec(pg, m->sql, msg, msglen);
		if (e == DB_OK) {
			char ver[16];
			snprintf(ver, sizeof ver, "%u", m->version);
			const char *params[2] = {ver, m->name};
			PGresult *res = PQexecParams(
				pg, "INSERT INTO schema_version (version, name) VALUES ($1, $2)", 2,
				NULL, params, NULL, NULL, 0);
			if (PQresultStatus(res) != PGRES_COMMAND_OK) {
				e = db_result_err(pg, res);
				db_pg_message(pg, res, msg, msglen);
			}
			PQclear(res);
		}
		*applied = e == DB_OK;
	}
	if (e == DB_OK) {
		e = db_exec(pg, "COMMIT", msg, msglen);
		if (e != DB_OK)
			*applied = false;
	} else {
		char ignored[64];
		db_exec(pg, "ROLLBACK", ignored, sizeof ignored);
	}
	return e;
}

db_err db_migrate(const char *url, unsigned *from, unsigned *to, char *err, size_t errlen)
{
	char masked[512], msg[400];
	*from = *to = 0;
	db_url_mask(url, masked, sizeof masked);
	PGconn *pg = db_connect(url, err, errlen);
	if (pg == NULL)
		return DB_ERR_CONNECT;
	/* The version table itself, under the same lock. */
	db_err e = db_exec(pg, "BEGIN", msg, sizeof msg);
	if (e == DB_OK)
		e = db_exec(pg, "SELECT pg_advisory_xact_lock(" DB_MIGRATE_LOCK ")", msg,
			    sizeof msg);
	if (e == DB_OK)
		e = db_exec(pg, create_version_table, msg, sizeof msg);
	if (e == DB_OK)
		e = db_exec(pg, "COMMIT", msg, sizeof msg);
	if (e == DB_OK)
		e = current_version(pg, from, msg, sizeof msg);
	*to = *from;
	if (e == DB_OK && *from > db_schema_version()) {
		snprintf(err, errlen,
			 "%s: schema version %u is newer than this nrfcred's (%u); update nrfcred",
			 masked, *from, db_schema_version());
		PQfinish(pg);
		return DB_ERR_SCHEMA;
	}
	for (unsigned i = 0; e == DB_OK && i < db_migration_count; i++) {
		const struct db_migration *m = &db_migrations[i];
		if (m->version <= *to)
			continue;
		bool applied;
		e = apply(pg, m, &applied, msg, sizeof msg);
		if (e != DB_OK) {
			snprintf(err, errlen,
				 "%s: migration %s failed (the schema stays at %u): %s", masked,
				 m->name, *to, msg);
			PQfinish(pg);
			return e;
		}
		*to = m->version;
	}
	if (e != DB_OK)
		snprintf(err, errlen, "%s: %s", masked, msg);
	PQfinish(pg);
	return e;
}
