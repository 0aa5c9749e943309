/* nrfcred db: the factory database's schema (migrate) and the replay of a
 * best-effort station's spooled rows (sync). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "db/db.h"

void cmd_db_help(FILE *out)
{
	fprintf(out,
		"Usage: nrfcred db migrate [URL]\n"
		"       nrfcred db sync [URL] SPOOL...\n"
		"\n"
		"The factory database (PostgreSQL). URL is a libpq connection string\n"
		"(postgresql://user@host/db?sslmode=verify-full, or key=value pairs); without\n"
		"it, $NRFCRED_DATABASE_URL. Passwords come best from ~/.pgpass or PGPASSFILE;\n"
		"nrfcred never prints one (messages show the URL with the password as ***).\n"
		"\n"
		"  migrate   creates the schema, or upgrades it to this nrfcred's version:\n"
		"            each migration in its own transaction; running it again changes\n"
		"            nothing. Prints the version before and after.\n"
		"  sync      inserts the rows a station with [database] policy = best_effort\n"
		"            spooled (LOG_DIR/<station>.dbspool) while the database could not\n"
		"            be reached, each exactly once (a row already there is skipped), and\n"
		"            rewrites the spool with what could not be inserted: damaged lines,\n"
		"            and a pass whose IMEI already passed elsewhere (named on stderr).\n"
		"            The spool is removed once it is empty.\n"
		"\n"
		"Options:\n"
		"  -h, --help   show this help\n"
		"\n"
		"Exit codes: 0 done, 2 usage error, 3 a spool file is damaged or holds a\n"
		"duplicate IMEI (the rest was inserted), 8 the database cannot be reached, its\n"
		"schema does not match, or it refused a statement.\n");
}

static int exit_of(db_err e)
{
	switch (e) {
	case DB_OK:
		return CLI_EXIT_OK;
	case DB_ERR_SPOOL:
	case DB_ERR_DUPLICATE:
		return CLI_EXIT_INPUT;
	case DB_ERR_NOMEM:
		return CLI_EXIT_FAILURE;
	case DB_ERR_USAGE:
		return CLI_EXIT_USAGE;
	default:
		return CLI_EXIT_DATABASE;
	}
}

/* A URL argument looks like one; a spool path does not. */
static bool looks_like_url(const char *s)
{
	return strncmp(s, "postgresql://", 13) == 0 || strncmp(s, "postgres://", 11) == 0 ||
	       strchr(s, '=') != NULL;
}

static int db_migrate_main(const char *url)
{
	char err[1024], masked[512];
	unsigned from, to;
	db_url_mask(url, masked, sizeof masked);
	db_err e = db_migrate(url, &from, &to, err, sizeof err);
	if (e != DB_OK) {
		cli_error(NULL, 0, "db migrate: %s", err);
		return exit_of(e);
	}
	if (from == to)
		printf("%s: schema version %u, up to date\n", masked, to);
	else
		printf("%s: schema version %u -> %u\n", masked, from, to);
	return CLI_EXIT_OK;
}

static int db_sync_main(const char *url, char **spools, int count)
{
	int rc = CLI_EXIT_OK;
	for (int i = 0; i < count; i++) {
		char err[1024];
		struct db_sync_counts c;
		db_err e = db_sync(url, spools[i], &c, err, sizeof err);
		printf("%s: %u rows: %u inserted, %u already there, %u duplicate IMEI, %u damaged "
		       "lines kept\n",
		       spools[i], c.rows, c.inserted, c.present, c.duplicates, c.damaged);
		if (e != DB_OK) {
			cli_error(NULL, 0, "db sync: %s", err);
			int x = exit_of(e);
			if (rc == CLI_EXIT_OK || x == CLI_EXIT_DATABASE)
				rc = x;
		}
	}
	return rc;
}

int cmd_db_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
		if (c == 'h') {
			cmd_db_help(stdout);
			return CLI_EXIT_OK;
		}
		return cli_usage_error("db", "unknown option");
	}
	if (optind >= argc)
		return cli_usage_error("db", "missing action; valid: migrate, sync");
	const char *action = argv[optind++];
	const char *url = NULL;
	if (optind < argc && (strcmp(action, "migrate") == 0 || looks_like_url(argv[optind])))
		url = argv[optind++];
	if (url == NULL)
		url = getenv("NRFCRED_DATABASE_URL");
	if (url == NULL || *url == '\0')
		return cli_usage_error("db", "no database: give URL or set NRFCRED_DATABASE_URL");
	if (strcmp(action, "migrate") == 0) {
		if (optind != argc)
			return cli_usage_error("db", "migrate takes one URL");
		return db_migrate_main(url);
	}
	if (strcmp(action, "sync") == 0) {
		if (optind >= argc)
			return cli_usage_error(
				"db", "sync: missing SPOOL file (LOG_DIR/<station>.dbspool)");
		return db_sync_main(url, argv + optind, argc - optind);
	}
	return cli_usage_error("db", "unknown action '%s'; valid: migrate, sync", action);
}
