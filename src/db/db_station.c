/*
 * The station's handle: one connection for all its slots, used by the
 * slots' record work on the thread pool, one call at a time (a mutex). A
 * board's records already run on the pool and its slot waits for them, so
 * a slot blocked on the database stalls only itself; the loop thread never
 * touches the connection. One connection per station, not per slot, keeps
 * a factory of many 32-slot stations well inside the server's
 * max_connections.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "db/db_priv.h"
#include "db/db_spool.h"

struct db_station {
	pthread_mutex_t lock;
	PGconn *pg; /* NULL: not connected (best effort after a failure) */
	char *url;
	char masked[512];
	char *station;
	char *spool_path;
	enum db_policy policy;
	/* This run: every row names it (its runs row is made with the first). */
	char run[37];
	char run_started[32];
};

/* Connects (again) and prepares the statements; under the lock. */
static db_err station_connect(struct db_station *db, char *why, size_t whylen)
{
	if (db->pg != NULL && PQstatus(db->pg) == CONNECTION_OK)
		return DB_OK;
	if (db->pg != NULL) {
		PQfinish(db->pg);
		db->pg = NULL;
	}
	char msg[600];
	PGconn *pg = db_connect(db->url, msg, sizeof msg);
	if (pg == NULL) {
		snprintf(why, whylen, "%s", msg);
		return DB_ERR_CONNECT;
	}
	db_err e = db_schema_check(pg, msg, sizeof msg);
	if (e == DB_OK)
		e = db_prepare_records(pg, msg, sizeof msg);
	if (e != DB_OK) {
		snprintf(why, whylen, "%s: %s", db->masked, msg);
		PQfinish(pg);
		return e;
	}
	db->pg = pg;
	return DB_OK;
}

db_err db_station_open(const struct db_station_options *opts, struct db_station **out, char *err,
		       size_t errlen)
{
	*out = NULL;
	err[0] = '\0';
	struct db_station *db = calloc(1, sizeof *db);
	if (db == NULL)
		return DB_ERR_NOMEM;
	db->url = strdup(opts->url);
	db->station = strdup(opts->station);
	db->spool_path = strdup(opts->spool_path);
	db->policy = opts->policy;
	if (db->url == NULL || db->station == NULL || db->spool_path == NULL ||
	    pthread_mutex_init(&db->lock, NULL) != 0) {
		free(db->url);
		free(db->station);
		free(db->spool_path);
		free(db);
		return DB_ERR_NOMEM;
	}
	db_url_mask(opts->url, db->masked, sizeof db->masked);
	struct timespec now;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	size_t tlen = strftime(db->run_started, sizeof db->run_started, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(db->run_started + tlen, sizeof db->run_started - tlen, ".%03ldZ",
		 now.tv_nsec / 1000000);
	if (!db_uuid_new(db->run)) {
		snprintf(err, errlen, "no random bytes for the run's uuid");
		db_station_close(db);
		return DB_ERR_NOMEM;
	}
	char *perr = NULL;
	PQconninfoOption *ci = PQconninfoParse(opts->url, &perr);
	PQfreemem(perr);
	if (ci == NULL) {
		snprintf(err, errlen,
			 "%s: not a libpq connection string (postgresql://... or "
			 "key=value pairs)",
			 db->masked);
		db_station_close(db);
		return DB_ERR_USAGE;
	}
	PQconninfoFree(ci);
	db_err e = station_connect(db, err, errlen);
	/* A schema that does not match is a setup error under either policy:
	 * rows spooled against it would never sync. */
	if (e == DB_ERR_SCHEMA || (e != DB_OK && db->policy == DB_POLICY_REQUIRE)) {
		db_station_close(db);
		return e;
	}
	*out = db;
	return DB_OK;
}

void db_station_close(struct db_station *db)
{
	if (db == NULL)
		return;
	if (db->pg)
		PQfinish(db->pg);
	pthread_mutex_destroy(&db->lock);
	explicit_bzero(db->url, strlen(db->url));
	free(db->url);
	free(db->station);
	free(db->spool_path);
	free(db);
}

enum db_policy db_station_policy(const struct db_station *db)
{
	return db->policy;
}

const char *db_station_name(const struct db_station *db)
{
	return db->station;
}

const char *db_station_url(const struct db_station *db)
{
	return db->masked;
}

/* Appends the row to the spool and fsyncs it (under the lock: one writer). */
static db_err spool_append(struct db_station *db, const struct db_board_row *row, char *why,
			   size_t whylen)
{
	char *line;
	size_t len;
	if (!db_spool_format(row, &line, &len)) {
		snprintf(why, whylen, "%s: the row does not fit a spool line", db->spool_path);
		return DB_ERR_SPOOL;
	}
	int fd = open(db->spool_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	bool ok = fd >= 0 && db_spool_write_synced(fd, line, len);
	int saved = errno;
	if (fd >= 0)
		close(fd);
	free(line);
	if (!ok) {
		snprintf(why, whylen, "%s: %s", db->spool_path, strerror(saved));
		return DB_ERR_SPOOL;
	}
	return DB_OK;
}

/* Runs op on the connection, reconnecting once when the connection broke
 * (a server restart): every statement here is safe to repeat. */
static db_err with_connection(struct db_station *db,
			      db_err (*op)(PGconn *pg, const void *arg, char *why, size_t whylen),
			      const void *arg, char *why, size_t whylen)
{
	db_err e = DB_ERR_CONNECT;
	for (int attempt = 0; attempt < 2 && e == DB_ERR_CONNECT; attempt++) {
		e = station_connect(db, why, whylen);
		if (e != DB_OK)
			break;
		char msg[600];
		e = op(db->pg, arg, msg, sizeof msg);
		if (e == DB_ERR_CONNECT || e == DB_ERR_QUERY)
			snprintf(why, whylen, "%s: %s", db->masked, msg);
		else if (e != DB_OK)
			snprintf(why, whylen, "%s", msg);
		if (e == DB_ERR_CONNECT) {
			PQfinish(db->pg);
			db->pg = NULL;
		}
	}
	return e;
}

db_err db_station_run(struct db_station *db,
		      db_err (*op)(PGconn *pg, const void *arg, char *why, size_t whylen),
		      const void *arg, char *why, size_t whylen)
{
	why[0] = '\0';
	pthread_mutex_lock(&db->lock);
	db_err e = with_connection(db, op, arg, why, whylen);
	pthread_mutex_unlock(&db->lock);
	return e;
}

static db_err op_insert(PGconn *pg, const void *arg, char *why, size_t whylen)
{
	bool inserted;
	return db_insert_board(pg, arg, &inserted, why, whylen);
}

static db_err op_imei(PGconn *pg, const void *arg, char *why, size_t whylen)
{
	return db_imei_owner(pg, arg, why, whylen);
}

db_err db_station_record(struct db_station *db, const struct db_board_row *board,
			 enum db_kept *kept, char *why, size_t whylen)
{
	struct db_board_row copy = *board;
	const struct db_board_row *row = &copy;
	memcpy(copy.run, db->run, sizeof copy.run);
	copy.run_started_at = db->run_started;
	*kept = DB_KEPT_NONE;
	why[0] = '\0';
	pthread_mutex_lock(&db->lock);
	db_err e = with_connection(db, op_insert, row, why, whylen);
	if (e == DB_OK) {
		*kept = DB_KEPT_COMMITTED;
	} else if (e != DB_ERR_DUPLICATE && e != DB_ERR_NOMEM &&
		   db->policy == DB_POLICY_BEST_EFFORT) {
		char cause[600];
		snprintf(cause, sizeof cause, "%s", why);
		e = spool_append(db, row, why, whylen);
		if (e == DB_OK)
			*kept = DB_KEPT_SPOOLED;
		else
			snprintf(why + strlen(why), whylen - strlen(why), " (database: %s)", cause);
	}
	pthread_mutex_unlock(&db->lock);
	return e;
}

db_err db_station_imei_check(struct db_station *db, const char *imei, char *why, size_t whylen)
{
	why[0] = '\0';
	pthread_mutex_lock(&db->lock);
	db_err e = with_connection(db, op_imei, imei, why, whylen);
	pthread_mutex_unlock(&db->lock);
	if (e != DB_OK && e != DB_ERR_DUPLICATE && db->policy == DB_POLICY_BEST_EFFORT)
		e = DB_OK; /* the sync's insert finds a duplicate later */
	return e;
}
