/* Connections, messages, masking and the schema check: what every db file
 * needs from libpq. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "db/db_priv.h"

const char *db_strerror(db_err err)
{
	switch (err) {
	case DB_OK:
		return "ok";
	case DB_ERR_CONNECT:
		return "the database cannot be reached";
	case DB_ERR_QUERY:
		return "the database refused a statement";
	case DB_ERR_DUPLICATE:
		return "IMEI already provisioned";
	case DB_ERR_SCHEMA:
		return "the database schema does not match";
	case DB_ERR_SPOOL:
		return "spool file error";
	case DB_ERR_NOMEM:
		return "out of memory";
	case DB_ERR_USAGE:
		return "invalid argument";
	case DB_ERR_POOL_EMPTY:
		return "the credential pool is empty";
	case DB_ERR_KEY:
		return "pool key error";
	case DB_ERR_INPUT:
		return "invalid pool input";
	}
	return "unknown error";
}

/* Appends s[0..n) to out (bounded). */
static void put(char *out, size_t outlen, size_t *pos, const char *s, size_t n)
{
	for (size_t i = 0; i < n && *pos + 1 < outlen; i++)
		out[(*pos)++] = s[i];
	if (outlen)
		out[*pos < outlen ? *pos : outlen - 1] = '\0';
}

void db_url_mask(const char *url, char *out, size_t outlen)
{
	size_t pos = 0;
	if (outlen == 0)
		return;
	out[0] = '\0';
	if (url == NULL)
		return;
	const char *p = url;
	/* URI form: postgresql://user:password@host... (RFC 3986 userinfo). */
	const char *scheme = strstr(url, "://");
	if (scheme != NULL &&
	    (strncmp(url, "postgresql://", 13) == 0 || strncmp(url, "postgres://", 11) == 0)) {
		const char *auth = scheme + 3;
		size_t auth_len = strcspn(auth, "/?");
		const char *at = memrchr(auth, '@', auth_len);
		const char *colon = at ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
		if (colon != NULL) {
			put(out, outlen, &pos, url, (size_t)(colon + 1 - url));
			put(out, outlen, &pos, "***", 3);
			p = at;
		}
	}
	/* password=VALUE, as a URI parameter (&password=) or a key=value pair
	 * (password = 'quoted value'). */
	while (*p) {
		const char *kw = strstr(p, "password");
		if (kw == NULL) {
			put(out, outlen, &pos, p, strlen(p));
			break;
		}
		const char *q = kw + 8;
		while (*q == ' ')
			q++;
		bool starts = kw == url || kw[-1] == '?' || kw[-1] == '&' || kw[-1] == ' ';
		if (!starts || *q != '=') {
			put(out, outlen, &pos, p, (size_t)(kw + 8 - p));
			p = kw + 8;
			continue;
		}
		q++;
		while (*q == ' ')
			q++;
		put(out, outlen, &pos, p, (size_t)(q - p));
		if (*q == '\'') {
			for (q++; *q && *q != '\''; q++)
				if (*q == '\\' && q[1])
					q++;
			if (*q == '\'')
				q++;
		} else {
			q += strcspn(q, " &");
		}
		put(out, outlen, &pos, "***", 3);
		p = q;
	}
}

bool db_uuid_new(char out[37])
{
	uint8_t b[16];
	size_t got = 0;
	while (got < sizeof b) {
		ssize_t n = getrandom(b + got, sizeof b - got, 0);
		if (n <= 0)
			return false;
		got += (size_t)n;
	}
	b[6] = (uint8_t)((b[6] & 0x0f) | 0x40); /* version 4 (RFC 4122 4.4) */
	b[8] = (uint8_t)((b[8] & 0x3f) | 0x80); /* variant 10 */
	snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12],
		 b[13], b[14], b[15]);
	return true;
}

/* libpq ends its messages with a newline and may spread them over lines. */
static void one_line(const char *msg, char *out, size_t outlen)
{
	snprintf(out, outlen, "%s", msg && *msg ? msg : "no message from libpq");
	for (char *c = out; *c; c++)
		if (*c == '\n' || *c == '\r' || *c == '\t')
			*c = ' ';
	size_t n = strlen(out);
	while (n > 0 && out[n - 1] == ' ')
		out[--n] = '\0';
}

/* The server's NOTICEs (a table IF NOT EXISTS, ...) are not for the user. */
static void ignore_notice(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

PGconn *db_connect(const char *url, char *err, size_t errlen)
{
	char masked[512], msg[400];
	db_url_mask(url, masked, sizeof masked);
	char *perr = NULL;
	PQconninfoOption *opts = PQconninfoParse(url, &perr);
	if (opts == NULL) {
		/* Its message names the bad part, never the password's value. */
		one_line(perr ? perr : "out of memory", msg, sizeof msg);
		snprintf(err, errlen, "%s: not a libpq connection string: %s", masked, msg);
		PQfreemem(perr);
		return NULL;
	}
	PQconninfoFree(opts);
	PGconn *pg = PQconnectdb(url);
	if (pg == NULL) {
		snprintf(err, errlen, "%s: out of memory", masked);
		return NULL;
	}
	if (PQstatus(pg) != CONNECTION_OK) {
		one_line(PQerrorMessage(pg), msg, sizeof msg);
		snprintf(err, errlen, "%s: %s", masked, msg);
		PQfinish(pg);
		return NULL;
	}
	PQsetNoticeProcessor(pg, ignore_notice, NULL);
	/* Rows carry UTC times; messages show them the same way. */
	PGresult *res = PQexec(pg, "SET TIME ZONE 'UTC'");
	PQclear(res);
	return pg;
}

void db_pg_message(PGconn *pg, const PGresult *res, char *out, size_t outlen)
{
	const char *m = res ? PQresultErrorMessage(res) : NULL;
	if (m == NULL || *m == '\0')
		m = PQerrorMessage(pg);
	one_line(m, out, outlen);
}

db_err db_result_err(PGconn *pg, const PGresult *res)
{
	if (PQstatus(pg) != CONNECTION_OK)
		return DB_ERR_CONNECT;
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	if (state == NULL)
		return DB_ERR_CONNECT; /* no answer from the server at all */
	if (strcmp(state, DB_SQLSTATE_UNIQUE) == 0)
		return DB_ERR_DUPLICATE;
	/* Class 08: connection exception; 57P: the server shutting down. */
	if (strncmp(state, "08", 2) == 0 || strncmp(state, "57P", 3) == 0)
		return DB_ERR_CONNECT;
	return DB_ERR_QUERY;
}

db_err db_exec(PGconn *pg, const char *sql, char *out, size_t outlen)
{
	PGresult *res = PQexec(pg, sql);
	ExecStatusType st = PQresultStatus(res);
	db_err e = DB_OK;
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
		e = db_result_err(pg, res);
		db_pg_message(pg, res, out, outlen);
	}
	PQclear(res);
	return e;
}

unsigned db_schema_version(void)
{
	return db_migration_count ? db_migrations[db_migration_count - 1].version : 0;
}

db_err db_schema_check(PGconn *pg, char *out, size_t outlen)
{
	PGresult *res = PQexec(pg, "SELECT coalesce(max(version), 0) FROM schema_version");
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		db_err e = db_result_err(pg, res);
		const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
		if (e == DB_ERR_QUERY && state && strcmp(state, "42P01") == 0) {
			e = DB_ERR_SCHEMA;
			snprintf(out, outlen,
				 "no nrfcred schema; run `nrfcred db migrate URL` first");
		} else {
			db_pg_message(pg, res, out, outlen);
		}
		PQclear(res);
		return e;
	}
	unsigned have = (unsigned)strtoul(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	if (have == db_schema_version())
		return DB_OK;
	if (have < db_schema_version())
		snprintf(out, outlen,
			 "schema version %u, this nrfcred needs %u; run `nrfcred db migrate URL`",
			 have, db_schema_version());
	else
		snprintf(out, outlen,
			 "schema version %u is newer than this nrfcred's (%u); update nrfcred",
			 have, db_schema_version());
	return DB_ERR_SCHEMA;
}
