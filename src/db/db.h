/*
 * The factory database (PostgreSQL through libpq): the schema and its
 * migrations, the station's board records, the spool that keeps them when
 * the database cannot be reached, and the duplicate-IMEI guard across
 * stations. Connection strings are libpq's (a postgresql:// URI or
 * key=value pairs; TLS, .pgpass and service files as libpq does them). No
 * function prints or returns a password: messages carry db_url_mask's text.
 */
#ifndef NRFCRED_DB_DB_H
#define NRFCRED_DB_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
	DB_OK = 0,
	DB_ERR_CONNECT,	  /* the server cannot be reached, or the connection broke */
	DB_ERR_QUERY,	  /* the server refused a statement (schema missing, rights) */
	DB_ERR_DUPLICATE, /* the IMEI already has a successful row */
	DB_ERR_SCHEMA,	  /* the schema is newer than this nrfcred, or not there */
	DB_ERR_SPOOL,	  /* the spool file cannot be written, or a line is damaged */
	DB_ERR_NOMEM,
	DB_ERR_USAGE,	   /* a bad argument (an invalid connection string) */
	DB_ERR_POOL_EMPTY, /* no free bundle left in the credential pool */
	DB_ERR_KEY,	   /* the pool key file is unusable, or a bundle does not decrypt */
	DB_ERR_INPUT,	   /* a pool import file or folder is not valid */
} db_err;

const char *db_strerror(db_err err);

/* The connection string with every password replaced by "***" (the URI's
 * user:password@ and any password= parameter), for messages. */
void db_url_mask(const char *url, char *out, size_t outlen);

/* A new random (version 4) UUID, 36 characters and a NUL. */
bool db_uuid_new(char out[37]);

/* Creates or upgrades the schema: every migration newer than the
 * database's schema_version, each in its own transaction with its
 * schema_version row. *from and *to: the version before and after (equal
 * when nothing was to do). err: one line naming the (masked) URL. */
db_err db_migrate(const char *url, unsigned *from, unsigned *to, char *err, size_t errlen);
/* The newest schema version this nrfcred carries. */
unsigned db_schema_version(void);

/* One board, as the station's CSV row, with the identity of its run
 * (db_station_record fills run and run_started_at with its own). */
struct db_board_row {
	char uuid[37]; /* db_uuid_new: makes a replayed row idempotent */
	char run[37];
	const char *run_started_at; /* ISO 8601 UTC */
	const char *station;
	unsigned slot;
	const char *probe;
	const char *imei;
	uint64_t device_id; /* FICR DEVICEID */
	const char *started_at;
	const char *finished_at;
	uint64_t duration_ms;
	bool passed;
	const char *failed_step;
	const char *cause;
	const char *part;
	const char *modem_fw;
	const char *sec_tags;
	const char *cred_sha256; /* never a digest of a secret (station/job.h) */
	const char *provisioner_sha256;
	const char *app_sha256;
	const char *version;
	const char *delivery;
	bool reprovisioned; /* nrfcred station --reprovision let this IMEI through again */
};

enum db_policy {
	DB_POLICY_REQUIRE = 0, /* nothing runs without the database; a pass needs its row */
	DB_POLICY_BEST_EFFORT, /* rows that cannot be committed go to the spool */
};

struct db_station_options {
	const char *url;
	enum db_policy policy;
	const char *station;	/* its name, as in the rows */
	const char *spool_path; /* LOG_DIR/<station>.dbspool */
};

struct db_station;

/* One connection for the whole station, opened now: with DB_POLICY_REQUIRE
 * a database that cannot be reached (or lacks the schema) is an error and
 * *out is NULL; with best effort the handle is made anyway and connects
 * again at the next record. */
db_err db_station_open(const struct db_station_options *opts, struct db_station **out, char *err,
		       size_t errlen);
void db_station_close(struct db_station *db);
enum db_policy db_station_policy(const struct db_station *db);
/* The masked URL, for messages. */
const char *db_station_url(const struct db_station *db);

/* How db_station_record kept a row. */
enum db_kept { DB_KEPT_NONE = 0, DB_KEPT_COMMITTED, DB_KEPT_SPOOLED };

/* Any thread; calls are serialized on the station's one connection (they
 * block while another runs). Inserts the row (its station and run too) in
 * one transaction. DB_OK with *kept = COMMITTED, or, with best effort when
 * the database cannot be reached, SPOOLED (appended to the spool and
 * fsync'd). DB_ERR_DUPLICATE: a pass row whose IMEI already passed; why
 * names where ("IMEI ... already provisioned on TIME at STATION slot N").
 * Other errors: the row is not kept; why says why. */
db_err db_station_record(struct db_station *db, const struct db_board_row *row, enum db_kept *kept,
			 char *why, size_t whylen);

/* Any thread. DB_OK: no successful row has this IMEI. DB_ERR_DUPLICATE:
 * one has, why names it as db_station_record does. With best effort a
 * database that cannot be reached answers DB_OK (the spool's sync finds a
 * duplicate later); with require it is DB_ERR_CONNECT and why says so. */
db_err db_station_imei_check(struct db_station *db, const char *imei, char *why, size_t whylen);

struct db_sync_counts {
	unsigned rows;	     /* rows read from the spool */
	unsigned inserted;   /* inserted now */
	unsigned present;    /* already in the database (an earlier sync) */
	unsigned duplicates; /* a pass whose IMEI passed elsewhere: kept in the spool */
	unsigned damaged;    /* lines that do not parse: kept in the spool */
};

/* Replays the spool file into the database, each row in its own
 * transaction, idempotent by the row's uuid; then rewrites the spool with
 * only the rows that could not be inserted (removes it when none is left).
 * err: the first problem, one line. */
db_err db_sync(const char *url, const char *spool_path, struct db_sync_counts *counts, char *err,
	       size_t errlen);

#endif
