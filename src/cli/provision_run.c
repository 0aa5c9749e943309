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
#include "cred/cred.h"
#include "cred/secure_mem.h"
#include "cred/template.h"
#include "nrfcred/provision.h"
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

/* One credential flag as the station file's [credential] would give it. */
static int add_flag(struct station_config *cfg, const char *flag, int type, const char *text,
		    bool is_file, uint32_t sec_tag)
{
	if (text == NULL)
		return 0;
	struct station_credential_config *c = &cfg->credentials[cfg->credential_count++];
	snprintf(c->name, sizeof c->name, "%s", flag);
	c->sec_tag = sec_tag;
	c->type = type;
	if (is_file) {
		c->file = strdup(text);
		if (template_present(text) && (c->file_template = strdup(text)) == NULL)
			return -1;
		return c->file ? 0 : -1;
	}
	if (strncmp(text, "random:", 7) == 0)
		c->random_len = (unsigned)strtoul(text + 7, NULL, 10); /* checked by the parser */
	c->value_template = template_present(text);
	c->value = secure_mem_strdup(text);
	return c->value ? 0 : -1;
}

/* The per-device job of the command line: the flags become the one-slot
 * station's credentials, so the board's table is built at READY exactly
 * as a station builds it. */
static int per_device_job(const struct provision_opts *o, struct station_config *cfg,
			  struct station_job **out, char *err, size_t errlen)
{
	cfg->path = strdup("nrfcred provision");
	cfg->dir = strdup(".");
	cfg->delivery = STATION_DELIVERY_RAM;
	cfg->app = o->program_app ? strdup(o->program_app) : NULL;
	cfg->secrets_out = o->secrets_out ? strdup(o->secrets_out) : NULL;
	if (cfg->path == NULL || cfg->dir == NULL || (o->program_app && cfg->app == NULL) ||
	    (o->secrets_out && cfg->secrets_out == NULL) ||
	    add_flag(cfg, "--CA_cert", NRFCRED_TYPE_CA_CERT, o->ca_cert, true, o->sec_tag) ||
	    add_flag(cfg, "--client_cert", NRFCRED_TYPE_CLIENT_CERT, o->client_cert, true,
		     o->sec_tag) ||
	    add_flag(cfg, "--client_private_key", NRFCRED_TYPE_CLIENT_KEY, o->client_key, true,
		     o->sec_tag) ||
	    add_flag(cfg, "--psk", NRFCRED_TYPE_PSK, o->psk, false, o->sec_tag) ||
	    add_flag(cfg, "--psk_ident", NRFCRED_TYPE_PSK_IDENTITY, o->psk_ident, false,
		     o->sec_tag)) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	struct cred_set *creds = NULL;
	if (station_job_load_credentials(cfg, &creds, err, errlen) != 0)
		return -1;
	for (size_t i = 0; i < cred_set_warning_count(creds); i++)
		cli_warn(NULL, "%s", cred_set_warning(creds, i)->text);
	int rc = station_job_create_per_device(o->provisioner, creds, cfg, out, err, errlen);
	cred_set_destroy(creds);
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
		station_config_free(cfg);
		return rc;
	}

	char err[512];
	struct station_job *sj = NULL;
	if (opts->per_device ? per_device_job(opts, cfg, &sj, err, sizeof err) != 0
			     : station_job_wrap(job->image, job->table, opts->program_app,
						cfg->timeout_ms, job->delivery, &sj, err,
						sizeof err) != 0) {
		cli_error(NULL, 0, "%s", err);
		station_config_free(cfg);
		return CLI_EXIT_INPUT;
	}

	struct cli_traces traces = {0};
	if (opts->trace) {
		rc = cli_traces_open_file(&traces, opts->trace, cfg, sj);
		if (rc != CLI_EXIT_OK) {
			station_job_destroy(sj);
			station_config_free(cfg);
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
	station_config_free(cfg);
	return rc;
}
