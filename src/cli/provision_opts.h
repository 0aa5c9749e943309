/*
 * Command line of `nrfcred provision` (the old cred.py flags plus --replace,
 * --key-passphrase and --provisioner), parsed into a struct so that other
 * code (the board path in provision_run.c, tests) can reuse it.
 */
#ifndef NRFCRED_CLI_PROVISION_OPTS_H
#define NRFCRED_CLI_PROVISION_OPTS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define PROVISION_FW_TIMEOUT_DEFAULT_MS 20000u

struct provision_opts {
	const char *in_file;	/* -i: a hex patched earlier, used instead of --provisioner */
	const char *out_file;	/* -o: write the patched hex here instead of programming */
	bool force;		/* --force: -o may replace an existing file */
	unsigned fw_timeout_ms; /* -d seconds: how long the firmware may take (a timeout) */
	bool fw_timeout_set;
	const char *serial; /* -s: J-Link serial number; NULL = the only one attached */
	uint32_t sec_tag;   /* --sec_tag */
	bool sec_tag_set;
	char *psk;		 /* --psk: hex text (secure_mem copy; argv's is wiped) */
	const char *psk_ident;	 /* --psk_ident */
	const char *ca_cert;	 /* --CA_cert path */
	const char *client_cert; /* --client_cert path */
	const char *client_key;	 /* --client_private_key path */
	bool imei_only;		 /* --imei_only */
	const char *program_app; /* --program_app: application hex flashed after provisioning */
	bool replace;		 /* --replace: a (sec_tag,type) already in -i's table is replaced */
	char *key_passphrase;	 /* --key-passphrase / NRFCRED_KEY_PASSPHRASE (secure_mem copy) */
	const char *provisioner; /* --provisioner / NRFCRED_PROVISIONER; NULL with -i only */
	bool help;	      /* -h: help was printed, exit 0 */
	const char *trace;    /* --trace FILE: SWD trace of the board run (secrets redacted) */
	const char *delivery; /* --delivery ram|flash; NULL: ram when the provisioner offers it */
	const char *secrets_out; /* --secrets_out FILE: where --psk random:N PSKs go */
	/* A credential holds ${IMEI}, ${DEVICEID} or ${SLOT}, or --psk is
	 * random:N: the table is built on the board run, after READY. */
	bool per_device;
};

/* Parses argv (argv[0] = "provision"). Prints usage errors to stderr.
 * Returns CLI_EXIT_OK (check opts->help), CLI_EXIT_USAGE, or
 * CLI_EXIT_FAILURE. Call provision_opts_free afterwards in every case.
 * Whatever it returns, the values of --psk and --key-passphrase in argv
 * are overwritten with NULs (opts holds copies), and NRFCRED_KEY_PASSPHRASE
 * is wiped and unset. */
int provision_opts_parse(int argc, char **argv, struct provision_opts *opts);

/* Number of credentials given on the command line. */
unsigned provision_opts_cred_count(const struct provision_opts *opts);

/* Wipes and frees the PSK and passphrase copies. */
void provision_opts_free(struct provision_opts *opts);

void cmd_provision_help(FILE *out);

#endif
