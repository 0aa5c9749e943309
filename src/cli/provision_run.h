/* The board half of `nrfcred provision` (without -o): flash job->image
 * through a J-Link, wait for the firmware's result, check it against
 * job->table, wipe, optionally program the application. */
#ifndef NRFCRED_CLI_PROVISION_RUN_H
#define NRFCRED_CLI_PROVISION_RUN_H

#include "cli/provision_build.h"
#include "cli/provision_opts.h"

/* Returns an enum cli_exit value. */
int provision_run(const struct provision_opts *opts, const struct provision_job *job);

#endif
