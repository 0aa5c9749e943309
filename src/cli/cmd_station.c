/*
 * nrfcred station FILE.ini: provision a whole fixture, one state machine per
 * J-Link, with a live dashboard (TTY), plain lines or JSON lines, and a CSV
 * log per slot.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/station_cli.h"
#include "cli/trace_cli.h"
#include "cred/cred.h"
#include "cred/secure_mem.h"
#include "db/db.h"
#include "db/db_pool.h"
#include "nrfcred/provision.h"
#include "station/config.h"
#include "station/events.h"
#include "station/fingerprint.h"
#include "station/job.h"
#include "station/runner.h"
#include "ui/json.h"
#include "ui/plain.h"
#include "ui/tty.h"

void cmd_station_help(FILE *out)
{
	fprintf(out,
		"Usage: nrfcred station [OPTIONS] STATION.ini\n"
		"\n"
		"Provisions every slot of a fixture concurrently: one J-Link per slot, each\n"
		"running CONNECT, [RECOVER], ERASE, PROGRAM, VERIFY, RUN, AWAIT_RESULT,\n"
		"CHECK, WIPE, [PROGRAM_APP, VERIFY_APP, RESET_APP] and ending DONE or FAILED.\n"
		"Every board gets one row in LOGDIR/<station>-slot<N>.csv.\n"
		"LOGDIR/<station>.journal records each board from before its first secret\n"
		"until its wipe; at start, a board an earlier run left unwiped (kill -9,\n"
		"power) is wiped first if it is still in its slot, else reported.\n"
		"\n"
		"Options:\n"
		"  --once         each slot provisions one board, then the run ends (default)\n"
		"  --continuous   after a board, each slot waits for it to be removed (VTref\n"
		"                 drops) and the next one inserted (VTref rises); Ctrl-C ends\n"
		"  --plain        one line per state change, even on a terminal\n"
		"  --json         JSON lines (one event per line) on stdout, for MES\n"
		"  --trace DIR    write every SWD transaction of slot N to\n"
		"                 DIR/<station>-slot<N>.trace (DIR is created, mode 0700;\n"
		"                 files 0600, truncated); credential data is <redacted>\n"
		"  --reprovision  provision a board whose IMEI already has a pass row in\n"
		"                 the logs (it fails CHECK otherwise, before it gets a\n"
		"                 credential); its row says reprovisioned = yes\n"
		"  -h, --help     show this help\n"
		"\n"
		"On a terminal a live dashboard shows one row per slot (colours unless\n"
		"NO_COLOR is set). Ctrl-C (or SIGTERM, SIGHUP, SIGQUIT): no new boards;\n"
		"running slots stop at the next safe point, wipe the chip and log; a second\n"
		"one aborts at once.\n"
		"If a CSV row cannot be written (disk full), the row is printed on stderr\n"
		"and the exit code is 1 (unless interrupted).\n"
		"If standard output closes (the reader of a pipe ended), the events stop,\n"
		"every board in progress finishes and is wiped and logged, no new board\n"
		"starts, and the exit code is 7 (unless interrupted or a row was lost).\n"
		"The station file is described in README.md and config/station.example.ini.\n"
		"\n%s",
		cli_exit_codes_help);
}

int station_cli_exit_code(const struct runner_summary *s)
{
	/* Ctrl-C is how a continuous run ends: it only counts as an
	 * interruption when it cut a board short. */
	if (s->interrupted && (s->interrupted_boards > 0 || !s->continuous))
		return CLI_EXIT_INTERRUPTED;
	/* A board whose row is missing from the log must not look like a
	 * clean run to the script or MES that reads the exit code. */
	if (s->log_failures > 0)
		return CLI_EXIT_FAILURE;
	/* The reader of the events (MES, a script) missed the end of the run:
	 * it must not take the run for complete. Only the stdout guard below
	 * drains a station run. */
	if (s->drained)
		return CLI_EXIT_OUTPUT;
	if (s->absent > 0 || s->probe_failures > 0)
		return CLI_EXIT_PROBE;
	/* A board an earlier run left with keys, still in its slot, that could
	 * not be wiped now fails like a board of this run. */
	if (s->failed > 0 || s->recovery_failures > 0)
		return CLI_EXIT_BOARD_FAILED;
	return CLI_EXIT_OK;
}

void station_cli_size_threadpool(size_t slots)
{
	char n[24];
	snprintf(n, sizeof n, "%zu", slots ? slots : 1);
	setenv("UV_THREADPOOL_SIZE", n, 1);
}

static bool tty_progress(void *user, unsigned slot, uint64_t *done, uint64_t *total, bool *bytes)
{
	struct runner_progress p;
	if (!runner_slot_progress(user, slot, &p))
		return false;
	*done = p.done;
	*total = p.total;
	*bytes = p.bytes;
	return true;
}

/* Whatever the output mode, a CSV row that could not be written goes to
 * stderr in full, so that it can be recovered by hand. */
static void log_error_sink(void *user, const struct station_event *ev)
{
	if (ev->type != STATION_EV_LOG_ERROR)
		return;
	fprintf((FILE *)user,
		"nrfcred: error: slot %u (%s): CSV log write failed: %s; this row is NOT in "
		"the log:\n%s\n",
		ev->slot, ev->probe ? ev->probe : "", ev->message ? ev->message : "",
		ev->row ? ev->row : "");
	fflush((FILE *)user);
}

/* Whatever the output mode, what the journal found goes to stderr too: a
 * board that may still hold keys must reach the person at the station
 * even when stdout goes to MES. */
static void journal_sink(void *user, const struct station_event *ev)
{
	if (ev->type != STATION_EV_JOURNAL)
		return;
	FILE *f = user;
	fprintf(f, "nrfcred: %sjournal: ",
		strcmp(ev->journal, "recovered-wipe") == 0 ? "" : "warning: ");
	if (ev->slot)
		fprintf(f, "slot %u (%s): ", ev->slot, ev->probe ? ev->probe : "");
	fprintf(f, "%s: %s\n", ev->journal, ev->message ? ev->message : "");
	fflush((FILE *)user);
}

enum output_mode { OUT_AUTO, OUT_PLAIN, OUT_JSON };

/* Plain or JSON lines on stdout, until a write fails (EPIPE: the reader of
 * the pipe ended; ENOSPC: a redirect to a full disk). Then nothing more is
 * written there, stderr says so once, and the run drains: the boards in
 * hand finish and are wiped and logged as usual (the CSV is the record). */
struct stdout_guard {
	FILE *out;
	station_event_fn sink;
	struct runner *runner;
	bool closed;
};

static void stdout_guard_sink(void *user, const struct station_event *ev)
{
	struct stdout_guard *g = user;
	if (g->closed)
		return;
	errno = 0;
	g->sink(g->out, ev);
	if (!ferror(g->out))
		return;
	int e = errno ? errno : EIO;
	g->closed = true;
	fprintf(stderr,
		"nrfcred: standard output closed (%s): no more events are written there; "
		"every board in progress finishes, is wiped and logged; exit code %d\n",
		strerror(e), CLI_EXIT_OUTPUT);
	fflush(stderr);
	runner_drain(g->runner);
}

/* What the IMEI index read of the logs at start: lines it could not use
 * are said once (they do not stop the run; the guard works on the rest). */
static void station_cli_report_index(const struct runner *runner, const struct station_config *cfg)
{
	struct runner_summary sum;
	runner_get_summary(runner, &sum);
	if (sum.index_bad_rows || sum.index_torn_rows)
		fprintf(stderr,
			"nrfcred: warning: %s: %zu line(s) of the CSV logs are not rows of this "
			"version and %zu row(s) were cut short; the IMEIs of those lines are not "
			"guarded against a second provisioning\n",
			cfg->log_dir, sum.index_bad_rows, sum.index_torn_rows);
	if (sum.index_foreign_files)
		fprintf(stderr,
			"nrfcred: warning: %s: %zu *-slot<N>.csv file(s) have another header "
			"(another nrfcred version): their IMEIs are not guarded\n",
			cfg->log_dir, sum.index_foreign_files);
}

/* The factory database of [database] (or $NRFCRED_DATABASE_URL): none, or
 * one connection for the station. With policy require a database that
 * cannot be reached stops the run here, before any board. */
static int open_database(const struct station_config *cfg, const char *path,
			 struct db_station **out)
{
	*out = NULL;
	const char *url = cfg->db_url;
	if (url == NULL) {
		const char *env = getenv("NRFCRED_DATABASE_URL");
		url = env && *env ? env : NULL;
	}
	if (url == NULL)
		return CLI_EXIT_OK;
	char spool[4200], err[1024];
	snprintf(spool, sizeof spool, "%s/%s.dbspool", cfg->log_dir, cfg->name);
	struct db_station_options o = {
		.url = url,
		.policy = cfg->db_policy == STATION_DB_BEST_EFFORT ? DB_POLICY_BEST_EFFORT
								   : DB_POLICY_REQUIRE,
		.station = cfg->name,
		.spool_path = spool,
	};
	db_err e = db_station_open(&o, out, err, sizeof err);
	if (e != DB_OK) {
		fprintf(stderr, "nrfcred: %s: [database]: %s; no board was started\n", path, err);
		return e == DB_ERR_USAGE ? CLI_EXIT_INPUT : CLI_EXIT_DATABASE;
	}
	if (o.policy == DB_POLICY_BEST_EFFORT && err[0] != '\0') {
		cli_warn(path, "[database]: %s; rows go to %s until it answers", err, spool);
		return CLI_EXIT_OK;
	}
	/* Bundles an earlier run of this station left claimed (db_pool.h). */
	char list[900];
	unsigned stale = 0;
	if (db_pool_burn_stale(*out, list, sizeof list, &stale, err, sizeof err) != DB_OK)
		cli_warn(path,
			 "[database]: the claims an earlier run left could not be checked: %s",
			 err);
	else if (stale > 0)
		cli_warn(path,
			 "[database]: %u credential pool bundle(s) left claimed by an earlier run "
			 "of station %s (it ended without settling them) are burned, never handed "
			 "out again: %s",
			 stale, cfg->name, list);
	return CLI_EXIT_OK;
}

int cmd_station_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"once", no_argument, NULL, 'O'},
		{"continuous", no_argument, NULL, 'C'},
		{"plain", no_argument, NULL, 'P'},
		{"json", no_argument, NULL, 'J'},
		{"help", no_argument, NULL, 'h'},
		{"trace", required_argument, NULL, 'T'},
		{"reprovision", no_argument, NULL, 'R'},
		{NULL, 0, NULL, 0},
	};
	bool continuous = false, reprovision = false;
	const char *trace_dir = NULL;
	enum output_mode mode = OUT_AUTO;
	int c;
	cli_protect_secrets(); /* the station file and its credentials */
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'O':
			continuous = false;
			break;
		case 'C':
			continuous = true;
			break;
		case 'P':
			mode = OUT_PLAIN;
			break;
		case 'J':
			mode = OUT_JSON;
			break;
		case 'T':
			trace_dir = optarg;
			break;
		case 'R':
			reprovision = true;
			break;
		case 'h':
			cmd_station_help(stdout);
			return CLI_EXIT_OK;
		default:
			return cli_usage_error("station", "unknown option");
		}
	}
	if (optind != argc - 1)
		return cli_usage_error("station", "expected one STATION.ini file");
	const char *path = argv[optind];

	char err[600];
	struct station_config *cfg = NULL;
	if (station_config_load(path, &cfg, err, sizeof err) != STATION_CONFIG_OK) {
		fprintf(stderr, "nrfcred: %s\n", err);
		return CLI_EXIT_INPUT;
	}

	const char *provisioner = cfg->provisioner;
	if (provisioner == NULL) {
		const char *env = getenv("NRFCRED_PROVISIONER");
		provisioner = env && *env ? env : NULL;
	}
	if (provisioner == NULL) {
		fprintf(stderr,
			"nrfcred: %s: no provisioning firmware: set `provisioner = FILE.hex` in "
			"[station] or NRFCRED_PROVISIONER (firmware/ncs for real boards, "
			"<builddir>/firmware/sim/provisioner-sim.hex for the simulator)\n",
			path);
		station_config_free(cfg);
		return CLI_EXIT_INPUT;
	}
	struct cred_set *creds = NULL;
	if (station_job_load_credentials(cfg, &creds, err, sizeof err) != 0) {
		fprintf(stderr, "nrfcred: %s\n", err);
		station_config_free(cfg);
		return CLI_EXIT_INPUT;
	}
	for (size_t i = 0; i < cred_set_warning_count(creds); i++)
		cli_warn(path, "%s", cred_set_warning(creds, i)->text);
	bool imei_only = cfg->credential_count == 0;
	if (imei_only)
		cli_warn(path, "no [credential NAME] section: IMEI-only run, nothing is written");
	struct station_job *job = NULL;
	int jrc = station_config_has_per_device(cfg)
			  ? station_job_create_per_device(provisioner, creds, cfg, &job, err,
							  sizeof err)
			  : station_job_create(provisioner, creds, imei_only, cfg->app,
					       cfg->timeout_ms, cfg->delivery, &job, err,
					       sizeof err);
	cred_set_destroy(creds); /* the table holds its own (wiped) copies */
	if (jrc == 0) {
		/* [ca] key passphrase: as for `provision`, from the environment,
		 * copied to locked memory and wiped from the environment block. */
		char *env = getenv("NRFCRED_KEY_PASSPHRASE");
		char *pass = env ? secure_mem_strdup(env) : NULL;
		if (env) {
			explicit_bzero(env, strlen(env));
			unsetenv("NRFCRED_KEY_PASSPHRASE");
		}
		jrc = station_job_add_keygen(job, cfg, pass, err, sizeof err);
		secure_mem_free(pass);
		if (jrc != 0) {
			station_job_destroy(job);
			job = NULL;
		}
	}
	if (jrc != 0) {
		fprintf(stderr, "nrfcred: %s: %s\n", path, err);
		station_config_free(cfg);
		return CLI_EXIT_INPUT;
	}
	if (cfg->fingerprint_key != NULL) {
		uint8_t *key = NULL;
		size_t keylen = 0;
		int frc =
			fingerprint_key_read(cfg->fingerprint_key, &key, &keylen, err, sizeof err);
		if (frc == 0 && station_job_use_fingerprint_key(job, key, keylen) != 0) {
			snprintf(err, sizeof err, "out of memory");
			frc = -1;
		}
		secure_mem_free(key);
		if (frc != 0) {
			fprintf(stderr, "nrfcred: %s: %s\n", path, err);
			station_job_destroy(job);
			station_config_free(cfg);
			return CLI_EXIT_INPUT;
		}
	}
	cli_warn_unlocked_secrets();

	struct cli_traces traces = {0};
	if (trace_dir) {
		int trc = cli_traces_open_dir(&traces, trace_dir, cfg, job);
		if (trc != CLI_EXIT_OK) {
			station_job_destroy(job);
			station_config_free(cfg);
			return trc;
		}
	}

	struct db_station *db = NULL;
	int drc = open_database(cfg, path, &db);
	if (drc != CLI_EXIT_OK) {
		cli_traces_close(&traces);
		station_job_destroy(job);
		station_config_free(cfg);
		return drc;
	}

	station_cli_size_threadpool(cfg->slot_count);
	uv_loop_t loop;
	uv_loop_init(&loop);
	struct station_events events;
	station_events_init(&events);
	struct ui_tty *tty = NULL;
	struct runner *runner = NULL;
	struct runner_options ro = {
		.loop = &loop,
		.cfg = cfg,
		.job = job,
		.events = &events,
		.continuous = continuous,
		.csv = true,
		.journal = true,
		.signals = true,
		.version = NRFCRED_VERSION,
		.exit_code_of = station_cli_exit_code,
		.traces = traces.trace,
		.reprovision = reprovision,
		.db = db,
	};
	int rc = CLI_EXIT_OK;
	if (runner_create(&ro, &runner, err, sizeof err) != 0) {
		fprintf(stderr, "nrfcred: %s\n", err);
		rc = CLI_EXIT_INPUT;
		goto out;
	}
	station_cli_report_index(runner, cfg);
	struct stdout_guard guard = {.out = stdout, .runner = runner};
	if (mode == OUT_JSON) {
		guard.sink = json_sink;
		station_events_add(&events, stdout_guard_sink, &guard);
	} else if (mode == OUT_AUTO && isatty(STDOUT_FILENO) &&
		   ui_tty_create(&loop, STDOUT_FILENO, ui_tty_color_wanted(STDOUT_FILENO),
				 tty_progress, runner, &tty) == 0) {
		station_events_add(&events, ui_tty_sink, tty);
	} else {
		guard.sink = plain_sink;
		station_events_add(&events, stdout_guard_sink, &guard);
	}

	station_events_add(&events, log_error_sink, stderr);
	station_events_add(&events, journal_sink, stderr);

	runner_start(runner);
	uv_run(&loop, UV_RUN_DEFAULT);
	struct runner_summary sum;
	runner_get_summary(runner, &sum);
	rc = station_cli_exit_code(&sum);
	fprintf(stderr, "nrfcred: %u passed, %u failed%s; CSV logs: %s/%s-slot<N>.csv\n",
		sum.passed, sum.failed, sum.absent ? ", some probes missing" : "", cfg->log_dir,
		cfg->name);
	if (sum.log_failures > 0)
		fprintf(stderr,
			"nrfcred: error: %u CSV row%s could not be written (printed above); "
			"exit code %d\n",
			sum.log_failures, sum.log_failures == 1 ? "" : "s", rc);
	if (sum.db_spooled > 0)
		fprintf(stderr,
			"nrfcred: %u row%s could not reach the database and wait in %s/%s.dbspool; "
			"run `nrfcred db sync URL %s/%s.dbspool` once it answers\n",
			sum.db_spooled, sum.db_spooled == 1 ? "" : "s", cfg->log_dir, cfg->name,
			cfg->log_dir, cfg->name);
out:
	runner_destroy(runner);
	ui_tty_destroy(tty);
	uv_run(&loop, UV_RUN_NOWAIT);
	uv_loop_close(&loop);
	cli_traces_close(&traces); /* after runner_destroy: every probe detached */
	db_station_close(db);	   /* after runner_destroy: no record work left */
	station_job_destroy(job);
	station_config_free(cfg);
	return rc;
}
