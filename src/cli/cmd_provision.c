/* nrfcred provision: patch credentials into the provisioning firmware, then
 * write a hex (-o) or program a board (provision_run.c). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/provision_build.h"
#include "cli/provision_opts.h"
#include "cli/provision_run.h"
#include "image/ihex.h"

static int write_out(const struct provision_opts *o, const struct provision_job *job)
{
	/* A key or PSK in the file: readable by the owner only. */
	unsigned mode = job->holds_secret ? 0600 : 0644;
	ihex_err err = o->force
			       ? ihex_write_file(o->out_file, job->image, 16, &job->info, mode)
			       : ihex_write_file_new(o->out_file, job->image, 16, &job->info, mode);
	if (err == IHEX_ERR_IO && errno == EEXIST && !o->force) {
		cli_error(o->out_file, 0,
			  "exists; nothing written. Give another -o file, remove this one, or "
			  "add --force to replace it");
		return CLI_EXIT_INPUT;
	}
	if (err != IHEX_OK) {
		/* On IHEX_ERR_IO errno says why (ENOENT, EACCES, ENOSPC...). */
		int e = errno;
		cli_error(o->out_file, 0,
			  "cannot write: %s; check the directory exists and is "
			  "writable",
			  err == IHEX_ERR_IO ? strerror(e) : ihex_strerror(err));
		return err == IHEX_ERR_NOMEM ? CLI_EXIT_FAILURE : CLI_EXIT_INPUT;
	}
	/* A pipe or device (-o /dev/stdout) keeps its own mode. */
	struct stat st;
	if (stat(o->out_file, &st) == 0 && S_ISREG(st.st_mode))
		fprintf(stderr, "nrfcred: wrote %s (mode %04o)\n", o->out_file, mode);
	else
		fprintf(stderr, "nrfcred: wrote %s\n", o->out_file);
	return CLI_EXIT_OK;
}

int cmd_provision_main(int argc, char **argv)
{
	cli_protect_secrets(); /* argv may hold --psk: before anything else */
	struct provision_opts opts;
	int rc = provision_opts_parse(argc, argv, &opts);
	if (rc != CLI_EXIT_OK || opts.help) {
		provision_opts_free(&opts);
		return rc;
	}
	struct provision_job job;
	rc = provision_build(&opts, &job);
	if (rc == CLI_EXIT_OK)
		cli_warn_unlocked_secrets();
	if (rc == CLI_EXIT_OK)
		rc = opts.out_file ? write_out(&opts, &job) : provision_run(&opts, &job);
	provision_job_free(&job);
	provision_opts_free(&opts);
	return rc;
}
