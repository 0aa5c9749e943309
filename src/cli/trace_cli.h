/*
 * --trace of `nrfcred provision` (one FILE) and `nrfcred station` (a
 * DIRECTORY, one DIR/<station>-slot<N>.trace per slot): opens the trace
 * files with every secret range of the job redacted (provision/
 * secret_ranges.h), hands them to the runner, and closes them after it.
 */
#ifndef NRFCRED_CLI_TRACE_CLI_H
#define NRFCRED_CLI_TRACE_CLI_H

#include <stddef.h>

struct adi_trace;
struct station_config;
struct station_job;

struct cli_traces {
	size_t count;		  /* = the slot count once open */
	struct adi_trace **trace; /* one per slot (runner_options.traces) */
	char **path;
};

/* One file for a one-slot run. Prints the error; returns enum cli_exit
 * (CLI_EXIT_INPUT when the file cannot be created). */
int cli_traces_open_file(struct cli_traces *ct, const char *path, const struct station_config *cfg,
			 const struct station_job *job);
/* DIR (created 0700 when missing) with one file per slot of cfg. */
int cli_traces_open_dir(struct cli_traces *ct, const char *dir, const struct station_config *cfg,
			const struct station_job *job);
/* Closes every trace; a file that could not be written completely is a
 * warning on stderr (the run's result stands). Safe on a zeroed struct. */
void cli_traces_close(struct cli_traces *ct);

#endif
