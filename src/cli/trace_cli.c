/* --trace files for provision and station; see trace_cli.h. */
#include "cli/trace_cli.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli/cli.h"
#include "provision/secret_ranges.h"
#include "station/config.h"
#include "station/job.h"
#include "swd/adi_trace.h"
#include "target/nrf91_trace.h"

static int open_one(const char *path, const struct station_config *cfg,
		    const struct station_slot_config *slot, const struct station_job *job,
		    struct adi_trace **out)
{
	adi_trace_err te = adi_trace_open(path, out);
	if (te != ADI_TRACE_OK) {
		const char *why = te == ADI_TRACE_ERR_OPEN ? strerror(errno) : "";
		cli_error(path, 0, "cannot write the trace: %s%s%s", adi_trace_strerror(te),
			  why[0] ? ": " : "", why);
		return te == ADI_TRACE_ERR_NOMEM ? CLI_EXIT_FAILURE : CLI_EXIT_INPUT;
	}
	/* Every range before the first transaction: the table's NVMC word
	 * writes, its verify and blank-check reads come later in the run. */
	struct provision_range r[PROVISION_SECRET_RANGES_MAX];
	size_t n = provision_secret_ranges(&job->manifest, r);
	for (size_t i = 0; i < n && te == ADI_TRACE_OK; i++)
		te = adi_trace_redact(*out, r[i].addr, r[i].size, r[i].what);
	if (te == ADI_TRACE_OK)
		te = nrf91_trace_setup(*out);
	if (te != ADI_TRACE_OK) {
		cli_error(path, 0, "cannot set up the trace: %s", adi_trace_strerror(te));
		(void)adi_trace_close(*out);
		*out = NULL;
		return CLI_EXIT_FAILURE;
	}
	char when[32] = "";
	time_t now = time(NULL);
	struct tm tm;
	if (gmtime_r(&now, &tm))
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	adi_trace_note(*out, "nrfcred %s, %s, slot %u, probe %s, started %s", NRFCRED_VERSION,
		       cfg->name, slot->number, slot->probe, when);
	adi_trace_note(*out, "provisioner sha256 %s", job->provisioner_sha256);
	return CLI_EXIT_OK;
}

static int alloc(struct cli_traces *ct, size_t n)
{
	memset(ct, 0, sizeof(*ct));
	ct->trace = calloc(n ? n : 1, sizeof(*ct->trace));
	ct->path = calloc(n ? n : 1, sizeof(*ct->path));
	if (!ct->trace || !ct->path) {
		cli_traces_close(ct);
		cli_error(NULL, 0, "out of memory");
		return CLI_EXIT_FAILURE;
	}
	ct->count = n;
	return CLI_EXIT_OK;
}

int cli_traces_open_file(struct cli_traces *ct, const char *path, const struct station_config *cfg,
			 const struct station_job *job)
{
	int rc = alloc(ct, 1);
	if (rc != CLI_EXIT_OK)
		return rc;
	ct->path[0] = strdup(path);
	if (!ct->path[0]) {
		cli_traces_close(ct);
		return CLI_EXIT_FAILURE;
	}
	rc = open_one(path, cfg, &cfg->slots[0], job, &ct->trace[0]);
	if (rc != CLI_EXIT_OK)
		cli_traces_close(ct);
	return rc;
}

int cli_traces_open_dir(struct cli_traces *ct, const char *dir, const struct station_config *cfg,
			const struct station_job *job)
{
	/* Owner only: the traces name probes and boards of the line. */
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		cli_error(dir, 0, "cannot create the trace directory: %s", strerror(errno));
		memset(ct, 0, sizeof(*ct));
		return CLI_EXIT_INPUT;
	}
	struct stat st;
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		cli_error(dir, 0, "--trace wants a directory (one file per slot is written in it)");
		memset(ct, 0, sizeof(*ct));
		return CLI_EXIT_INPUT;
	}
	int rc = alloc(ct, cfg->slot_count);
	for (size_t i = 0; i < ct->count && rc == CLI_EXIT_OK; i++) {
		const struct station_slot_config *slot = &cfg->slots[i];
		if (asprintf(&ct->path[i], "%s/%s-slot%u.trace", dir, cfg->name, slot->number) <
		    0) {
			ct->path[i] = NULL;
			cli_error(NULL, 0, "out of memory");
			rc = CLI_EXIT_FAILURE;
			break;
		}
		rc = open_one(ct->path[i], cfg, slot, job, &ct->trace[i]);
	}
	if (rc != CLI_EXIT_OK)
		cli_traces_close(ct);
	return rc;
}

void cli_traces_close(struct cli_traces *ct)
{
	for (size_t i = 0; i < ct->count; i++) {
		if (ct->trace && ct->trace[i] && adi_trace_close(ct->trace[i]) != ADI_TRACE_OK)
			cli_warn(ct->path && ct->path[i] ? ct->path[i] : "trace",
				 "the trace could not be written completely (disk full?)");
		if (ct->path)
			free(ct->path[i]);
	}
	free(ct->trace);
	free(ct->path);
	memset(ct, 0, sizeof(*ct));
}
