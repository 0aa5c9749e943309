/*
 * The board half of `nrfcred provision` (no -o): the station's slot state
 * machine with a single slot. The IMEI alone goes to stdout (scriptable);
 * progress lines go to stderr.
 */
#include "cli/provision_run.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "cli/cli.h"
#include "cli/station_cli.h"
#include "cli/trace_cli.h"
#include "probe/jlink.h"
#include "station/config.h"
#include "station/events.h"
#include "station/job.h"
#include "station/runner.h"
#include "ui/plain.h"

struct board_outcome {
	bool seen;
	bool passed;
	char imei[16];
};

static void capture_sink(void *user, const struct station_event *ev)
{
	struct board_outcome *o = user;
	if (ev->type != STATION_EV_BOARD)
		return;
	o->seen = true;
	o->passed = ev->passed;
	snprintf(o->imei, sizeof o->imei, "%s", ev->imei ? ev->imei : "");
}

/* -s, or the only J-Link attached. With several and no -s: refuse, listing
 * them, so a script never programs the wrong board. */
static int pick_probe(const struct provision_opts *opts, struct station_slot_config *slot)
{
	if (opts->serial) {
		char *end = NULL;
		unsigned long long v = strtoull(opts->serial, &end, 10);
		if (opts->serial[0] < '0' || opts->serial[0] > '9' || *end != '\0' || v == 0 ||
		    v > UINT32_MAX || strlen(opts->serial) > 12)
			return cli_usage_error("provision",
					       "-s '%s' is not a J-Link serial number (decimal, "
					       "e.g. 260101234)",
					       opts->serial);
		slot->serial = (uint32_t)v;
		snprintf(slot->probe, sizeof slot->probe, "%s", opts->serial);
		return CLI_EXIT_OK;
	}
	struct jlink_context *ctx = NULL;
	struct jlink_probe_info *list = NULL;
	size_t count = 0;
	probe_err pe = jlink_context_create(&ctx);
	if (pe == PROBE_OK)
		pe = jlink_list(ctx, &list, &count);
	if (pe != PROBE_OK) {
		cli_error(NULL, 0, "cannot list J-Link probes: %s", probe_strerror(pe));
		jlink_context_destroy(ctx);
		return CLI_EXIT_PROBE;
	}
	int rc = CLI_EXIT_OK;
	if (count == 0) {
		cli_error(NULL, 0,
			  "no J-Link probe attached; connect one (or write the hex "
			  "with -o FILE.hex)");
		rc = CLI_EXIT_PROBE;
	} else if (count > 1) {
		cli_error(NULL, 0, "%zu J-Link probes attached; choose one with -s SERIAL:", count);
		for (size_t i = 0; i < count; i++)
			fprintf(stderr, "  %" PRIu32 "  VTref %u mV  %s\n", list[i].serial,
				(unsigned)list[i].vtref_mv,
				list[i].err == PROBE_OK ? list[i].firmware : list[i].detail);
		rc = CLI_EXIT_USAGE;
	} else {
		slot->serial = list[0].serial;
		snprintf(slot->probe, sizeof slot->probe, "%" PRIu32, list[0].serial);
	}
	jlink_list_free(list);
	jlink_context_destroy(ctx);
	return rc;
}

int provision_run(const struct provision_opts *opts, const struct provision_job *job)
{
	/* The configuration of a one-slot station. */
	struct station_config *cfg = calloc(1, sizeof *cfg);
	if (cfg == NULL)
		return CLI_EXIT_FAILURE;
	snprintf(cfg->name, sizeof cfg->name, "provision");
	cfg->timeout_ms = opts->fw_timeout_ms ? opts->fw_timeout_ms : STATION_DEFAULT_TIMEOUT_MS;
	cfg->swd_khz = STATION_DEFAULT_SWD_KHZ;
	cfg->approtect = STATION_APPROTECT_RECOVER;
	cfg->erase = STATION_ERASE_ALL;
	cfg->retries = STATION_DEFAULT_RETRIES;
	cfg->slot_count = 1;
	cfg->slots[0].number = 1;
	int rc = pick_probe(opts, &cfg->slots[0]);
	if (rc != CLI_EXIT_OK) {
		free(cfg);
		return rc;
	}

	char err[512];
	struct station_job *sj = NULL;
	if (station_job_wrap(job->image, job->table, opts->program_app, cfg->timeout_ms,
			     job->delivery, &sj, err,
			     sizeof err) != 0) {
		cli_error(NULL, 0, "%s", err);
		free(cfg);
		return CLI_EXIT_INPUT;
	}

	struct cli_traces traces = {0};
	if (opts->trace) {
		rc = cli_traces_open_file(&traces, opts->trace, cfg, sj);
		if (rc != CLI_EXIT_OK) {
			station_job_destroy(sj);
			free(cfg);
			return rc;
		}
	}

	station_cli_size_threadpool(1);
	uv_loop_t loop;
	uv_loop_init(&loop);
	struct board_outcome outcome = {0};
	struct station_events events;
	station_events_init(&events);
	station_events_add(&events, plain_sink, stderr);
	station_events_add(&events, capture_sink, &outcome);

	struct runner_options ro = {
		.loop = &loop,
		.cfg = cfg,
		.job = sj,
		.events = &events,
		.continuous = false,
		.csv = false,
		.signals = true,
		.version = NRFCRED_VERSION,
		.exit_code_of = station_cli_exit_code,
		.traces = traces.trace,
	};
	struct runner *runner = NULL;
	if (runner_create(&ro, &runner, err, sizeof err) != 0) {
		cli_error(NULL, 0, "%s", err);
		rc = CLI_EXIT_FAILURE;
	} else {
		runner_start(runner);
		uv_run(&loop, UV_RUN_DEFAULT);
		struct runner_summary sum;
		runner_get_summary(runner, &sum);
		rc = station_cli_exit_code(&sum);
		runner_destroy(runner);
		if (outcome.seen && outcome.passed) {
			printf("%s\n", outcome.imei);
			fflush(stdout);
		}
	}
	uv_run(&loop, UV_RUN_NOWAIT);
	uv_loop_close(&loop);
	cli_traces_close(&traces); /* after runner_destroy: every probe detached */
	station_job_destroy(sj);
	free(cfg);
	return rc;
}
