/*
 * The host half of `nrfcred provision`: load the provisioner (or -i image),
 * find its manifest, read back any table already in it, load and check the
 * credentials given on the command line, build the new table and patch it
 * into the image. Used by the -o path (write a hex) and by the board path
 * (provision_run.c), which flashes job->image and checks the firmware's
 * result against job->table.
 */
#ifndef NRFCRED_CLI_PROVISION_BUILD_H
#define NRFCRED_CLI_PROVISION_BUILD_H

#include <stdbool.h>

#include "cli/provision_opts.h"
#include "image/ihex.h"
#include "provision/manifest.h"
#include "station/config.h"
#include "provision/table.h"

struct image;

struct provision_job {
	struct image *image;	  /* patched firmware image (table area written) */
	struct ihex_info info;	  /* start address etc. of the source hex */
	struct manifest manifest; /* where the table and result areas are */
	struct table *table;	  /* the table written: compare the result with it */
	bool holds_secret;	  /* the table carries a private key or a PSK */
	const char *source;	  /* path the image came from (-i or the provisioner) */
	/* RAM: image is left without a table (the mailbox carries it);
	 * FLASH: image holds the table (-o always). */
	enum station_delivery delivery;
};

/* Builds the job. Errors are printed ("nrfcred: <file>: <what>; <what to
 * do>") and returned as enum cli_exit; on success CLI_EXIT_OK and the
 * credential summary (fingerprints only) has been printed to stderr. */
int provision_build(const struct provision_opts *opts, struct provision_job *job);

/* Frees the job; the table's content copies are wiped. */
void provision_job_free(struct provision_job *job);

/* Prints one line per credential: sec_tag, type, length, and the SHA-256
 * of a certificate or identity (never of a key or PSK: table_type_is_secret). */
void provision_print_table(FILE *out, const struct table *t);

#endif
