/* nrfcred pool: per-device credential bundles in the factory database
 * (import, status). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "db/db.h"
#include "db/db_pool.h"

void cmd_pool_help(FILE *out)
{
	fprintf(out,
		"Usage: nrfcred pool import [URL] --name NAME --key-file FILE DIR|FILE.csv\n"
		"       nrfcred pool status [URL] [--name NAME]\n"
		"\n"
		"Per-device credential bundles in the factory database (URL as in `nrfcred db`;\n"
		"without it, $NRFCRED_DATABASE_URL).\n"
		"\n"
		"  import   loads bundles into pool NAME, all or nothing; a bundle already in\n"
		"           the pool is left as it is (importing twice changes nothing).\n"
		"           DIR: one subfolder per bundle (its name is the bundle id), one file\n"
		"           per item named SEC_TAG.TYPE[.ext]: 42.client_cert.pem,\n"
		"           42.client_key.pem, 43.psk, 43.psk_identity. FILE.csv: the header\n"
		"           bundle,sec_tag,type,value and one item a line (value: the text of a\n"
		"           psk or psk_identity, else a file path relative to the CSV).\n"
		"           Every item is checked as a station credential is. Private keys and\n"
		"           PSKs are stored only AES-256-GCM encrypted under the key file.\n"
		"  status   free, claimed, bound and burned bundles per pool.\n"
		"\n"
		"Options:\n"
		"  -n, --name NAME       the pool (letters, digits, '_', '-', '.')\n"
		"  -k, --key-file FILE   32 random bytes, mode 0600 (head -c 32 /dev/urandom >\n"
		"                        FILE; chmod 600 FILE); the stations need the same file\n"
		"  -h, --help            show this help\n"
		"\n"
		"Exit codes: 0 done, 2 usage error, 3 a bundle, item or the key file is not\n"
		"valid (nothing imported), 8 the database cannot be reached or refused.\n");
}

static int exit_of(db_err e)
{
	switch (e) {
	case DB_OK:
		return CLI_EXIT_OK;
	case DB_ERR_INPUT:
	case DB_ERR_KEY:
		return CLI_EXIT_INPUT;
	case DB_ERR_USAGE:
		return CLI_EXIT_USAGE;
	case DB_ERR_NOMEM:
		return CLI_EXIT_FAILURE;
	default:
		return CLI_EXIT_DATABASE;
	}
}

int cmd_pool_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"name", required_argument, NULL, 'n'},
		{"key-file", required_argument, NULL, 'k'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *name = NULL, *key_file = NULL;
	int c;
	cli_protect_secrets(); /* import reads keys and PSKs */
	optind = 1;
	while ((c = getopt_long(argc, argv, "n:k:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'n':
			name = optarg;
			break;
		case 'k':
			key_file = optarg;
			break;
		case 'h':
			cmd_pool_help(stdout);
			return CLI_EXIT_OK;
		default:
			return cli_usage_error("pool", "unknown option");
		}
	}
	if (optind >= argc)
		return cli_usage_error("pool", "missing action; valid: import, status");
	const char *action = argv[optind++];
	const char *url = NULL;
	bool import = strcmp(action, "import") == 0;
	if (optind < argc && (!import || argc - optind >= 2))
		url = argv[optind++];
	if (url == NULL)
		url = getenv("NRFCRED_DATABASE_URL");
	if (url == NULL || *url == '\0')
		return cli_usage_error("pool", "no database: give URL or set NRFCRED_DATABASE_URL");
	char err[1024], masked[512];
	db_url_mask(url, masked, sizeof masked);
	if (strcmp(action, "status") == 0) {
		if (optind != argc)
			return cli_usage_error("pool", "status takes [URL] [--name NAME]");
		db_err e = db_pool_status(url, name, stdout, err, sizeof err);
		if (e != DB_OK)
			cli_error(NULL, 0, "pool status: %s", err);
		return exit_of(e);
	}
	if (!import)
		return cli_usage_error("pool", "unknown action '%s'; valid: import, status",
				       action);
	if (name == NULL || key_file == NULL || optind != argc - 1)
		return cli_usage_error("pool", "import needs --name NAME, --key-file FILE and one "
					       "DIR or FILE.csv");
	struct db_pool_key *key = NULL;
	db_err e = db_pool_key_load(key_file, &key, err, sizeof err);
	if (e == DB_OK) {
		struct db_pool_import_counts n;
		e = db_pool_import(url, name, key, argv[optind], &n, err, sizeof err);
		if (e == DB_OK)
			printf("%s: pool %s: %u bundles (%u items) imported, %u already there\n",
			       masked, name, n.bundles, n.items, n.existing);
	}
	db_pool_key_free(key);
	if (e != DB_OK)
		cli_error(NULL, 0, "pool import: %s", err);
	return exit_of(e);
}
