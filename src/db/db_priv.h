/* Inside the db layer: the libpq helpers shared by its files. */
#ifndef NRFCRED_DB_DB_PRIV_H
#define NRFCRED_DB_DB_PRIV_H

#include <libpq-fe.h>

#include "db/db.h"

/* SQLSTATE of a unique_violation (PostgreSQL, Appendix A). */
#define DB_SQLSTATE_UNIQUE "23505"

/* Connects (libpq reads .pgpass, PGSSLMODE and the rest); NULL with err
 * "URL: cause" (the URL masked). */
PGconn *db_connect(const char *url, char *err, size_t errlen);
/* libpq's message of a failed result (or the connection's), one line. */
void db_pg_message(PGconn *pg, const PGresult *res, char *out, size_t outlen);
/* What a failed statement means: DB_ERR_CONNECT when the connection is
 * gone, DB_ERR_DUPLICATE for a unique violation, else DB_ERR_QUERY. */
db_err db_result_err(PGconn *pg, const PGresult *res);
/* Runs a statement without parameters; DB_OK or the error with out set. */
db_err db_exec(PGconn *pg, const char *sql, char *out, size_t outlen);
/* DB_OK when the schema is db_schema_version(), else DB_ERR_SCHEMA with
 * what to do (or the error of the query). */
db_err db_schema_check(PGconn *pg, char *out, size_t outlen);
/* Prepares the statements of the station's records on this connection. */
db_err db_prepare_records(PGconn *pg, char *out, size_t outlen);
/* Inserts the row, its station and run in one statement (one transaction,
 * one round trip); *inserted false when its uuid was already there.
 * DB_ERR_DUPLICATE: why names the successful row that has its IMEI. */
db_err db_insert_board(PGconn *pg, const struct db_board_row *row, bool *inserted, char *why,
		       size_t whylen);
/* DB_OK when no successful row has imei, DB_ERR_DUPLICATE with why naming
 * it, or the error of the query. */
db_err db_imei_owner(PGconn *pg, const char *imei, char *why, size_t whylen);

/* Runs op on the station's connection under its lock, connecting first
 * and once more when the connection broke (op must be safe to repeat
 * after a broken connection). why: the (masked) URL and the cause. */
struct db_station;
const char *db_station_name(const struct db_station *db);
db_err db_station_run(struct db_station *db,
		      db_err (*op)(PGconn *pg, const void *arg, char *why, size_t whylen),
		      const void *arg, char *why, size_t whylen);

/* The migrations compiled in (migrations_table.c, made by meson from
 * src/db/migrations/NNNN_*.sql), in version order. */
struct db_migration {
	unsigned version;
	const char *name;
	const char *sql;
};
extern const struct db_migration db_migrations[];
extern const unsigned db_migration_count;

#endif
