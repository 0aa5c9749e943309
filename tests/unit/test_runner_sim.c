/*
 * The gang runner's retry, interrupt, wipe and journal paths, on the real
 * runner with the real libjaylink and the simulator's fake libusb linked
 * into this test (nrfsim_probe_count() proves it is the libusb in use).
 * Boards run the simulator firmware (FW_SIM_HEX) in fast timing. A sink
 * records every event; a hook in it acts at a chosen state (Ctrl-C, a
 * board pulled out), as an operator would.
 */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uv.h>

#include "cred/cred.h"
#include "nrfsim.h"
#include "station/config.h"
#include "station/job.h"
#include "station/journal.h"
#include "station/runner.h"

/* The simulator's FICR DEVICEID of probe N (tools/sim/scenario.c). */
#define SIM_DEVICE_ID(n) (0x4e52460000000000ull | (260000000ull + (n)))

struct seen_state {
	unsigned slot;
	enum slot_state state;
	char message[200];
};

struct seen_board {
	unsigned slot;
	bool passed;
	enum slot_state failed_step;
	char message[400];
};

struct run {
	char dir[64];
	uv_loop_t loop;
	struct station_config *cfg;
	struct station_job *job;
	struct station_events events;
	struct runner *r;
	struct runner_summary sum;
	struct seen_state states[1024];
	size_t state_count;
	struct seen_board boards[16];
	size_t board_count;
	char journal_results[8][32];
	char journal_messages[8][400];
	size_t journal_count;
	/* Called on every STATE event, from inside the runner's emit. */
	void (*hook)(struct run *run, const struct station_event *ev);
	unsigned hook_calls;
};

static void sink(void *user, const struct station_event *ev)
{
	struct run *run = user;
	if (ev->type == STATION_EV_STATE && run->state_count < 1024) {
		struct seen_state *s = &run->states[run->state_count++];
		s->slot = ev->slot;
		s->state = ev->state;
		snprintf(s->message, sizeof s->message, "%s", ev->message ? ev->message : "");
		if (run->hook)
			run->hook(run, ev);
	} else if (ev->type == STATION_EV_BOARD && run->board_count < 16) {
		struct seen_board *b = &run->boards[run->board_count++];
		b->slot = ev->slot;
		b->passed = ev->passed;
		b->failed_step = ev->failed_step;
		snprintf(b->message, sizeof b->message, "%s", ev->message ? ev->message : "");
	} else if (ev->type == STATION_EV_JOURNAL && run->journal_count < 8) {
		snprintf(run->journal_results[run->journal_count], 32, "%s", ev->journal);
		snprintf(run->journal_messages[run->journal_count], 400, "%s", ev->message);
		run->journal_count++;
	}
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f, "%s", path);
	fputs(text, f);
	fclose(f);
}

/* A fresh fixture of `slots` boards; flash or RAM delivery. */
static void fixture(struct run *run, unsigned slots, enum station_delivery delivery)
{
	memset(run, 0, sizeof *run);
	strcpy(run->dir, "/tmp/nrfcred-runner-XXXXXX");
	cr_assert_not_null(mkdtemp(run->dir));
	char path[128], text[1024];
	snprintf(path, sizeof path, "%s/sim.ini", run->dir);
	snprintf(text, sizeof text,
		 "[sim]\ntiming = fast\nprobes = %u\nstate_dir = %s/state\n"
		 "[timing]\nmodem_start_ms = 10\nmodem_cmng_write_ms = 10\n",
		 slots, run->dir);
	write_file(path, text);
	setenv("NRFSIM_SCENARIO", path, 1);
	unsetenv("NRFSIM_STATE_DIR");
	setenv("UV_THREADPOOL_SIZE", "8", 1);
	cr_assert_eq(nrfsim_probe_count(), (int)slots, "the fake libusb is not the one in use");

	struct station_config *cfg = calloc(1, sizeof *cfg);
	cr_assert_not_null(cfg);
	snprintf(cfg->name, sizeof cfg->name, "t");
	cfg->timeout_ms = 20000;
	cfg->swd_khz = 4000;
	cfg->retries = 1;
	cfg->delivery = delivery;
	cfg->slot_count = slots;
	if (asprintf(&cfg->log_dir, "%s/logs", run->dir) < 0)
		cr_assert_fail("asprintf");
	for (unsigned i = 0; i < slots; i++) {
		cfg->slots[i].number = i + 1;
		cfg->slots[i].serial = 260000001u + i;
		snprintf(cfg->slots[i].probe, sizeof cfg->slots[i].probe, "%012u",
			 cfg->slots[i].serial);
	}
	struct station_credential_config *c = &cfg->credentials[cfg->credential_count++];
	snprintf(c->name, sizeof c->name, "psk");
	c->sec_tag = 43;
	c->type = 3;
	c->value = strdup("000102030405060708090a0b0c0d0e0f");
	run->cfg = cfg;
}

static void make_job(struct run *run)
{
	char err[600];
	struct cred_set *creds = NULL;
	cr_assert_eq(station_job_load_credentials(run->cfg, &creds, err, sizeof err), 0, "%s", err);
	cr_assert_eq(station_job_create(FW_SIM_HEX, creds, false, NULL, run->cfg->timeout_ms,
					run->cfg->delivery, &run->job, err, sizeof err),
		     0, "%s", err);
	cred_set_destroy(creds);
}

/* Creates the runner, runs the loop to its end, destroys the runner. */
static void run_station(struct run *run)
{
	if (run->job == NULL)
		make_job(run);
	cr_assert_eq(uv_loop_init(&run->loop), 0);
	station_events_init(&run->events);
	station_events_add(&run->events, sink, run);
	struct runner_options ro = {
		.loop = &run->loop,
		.cfg = run->cfg,
		.job = run->job,
		.events = &run->events,
		.csv = true,
		.journal = true,
		.poll_ms = 20,
		.version = "test",
	};
	char err[600];
	cr_assert_eq(runner_create(&ro, &run->r, err, sizeof err), 0, "%s", err);
	runner_start(run->r);
	cr_assert_eq(uv_run(&run->loop, UV_RUN_DEFAULT), 0);
	runner_get_summary(run->r, &run->sum);
	runner_destroy(run->r);
	run->r = NULL;
	cr_assert_eq(uv_loop_close(&run->loop), 0);
}

static void cleanup(struct run *run)
{
	if (run->job)
		station_job_destroy(run->job);
	run->job = NULL;
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", run->dir);
	cr_assert_eq(system(cmd), 0);
	free(run->cfg->log_dir);
	free(run->cfg->credentials[0].value);
	free(run->cfg);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return strdup("");
	static char buf[1 << 16];
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	buf[n] = '\0';
	fclose(f);
	return strdup(buf);
}

static char *csv_of(const struct run *run, unsigned slot)
{
	char path[160];
	snprintf(path, sizeof path, "%s/logs/t-slot%u.csv", run->dir, slot);
	return slurp(path);
}

static size_t count_lines(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* The states slot went through, as "A B C". */
static void path_of(const struct run *run, unsigned slot, char *out, size_t outlen)
{
	size_t n = 0;
	out[0] = '\0';
	for (size_t i = 0; i < run->state_count && n < outlen; i++)
		if (run->states[i].slot == slot)
			n += (size_t)snprintf(out + n, outlen - n, "%s%s", n ? " " : "",
					      slot_state_name(run->states[i].state));
}

/* Index of the first STATE event of slot in state st at or after from. */
static size_t find_state(const struct run *run, unsigned slot, enum slot_state st, size_t from)
{
	for (size_t i = from; i < run->state_count; i++)
		if (run->states[i].slot == slot && run->states[i].state == st)
			return i;
	return (size_t)-1;
}

/* The operator pulls probe N's board out (or puts it back), as `nrfsim
 * slot` does: the fake applies it at its next USB transfer. */
static void slot_action(const struct run *run, unsigned n, const char *action, unsigned seq)
{
	char path[160], tmp[170], line[64];
	snprintf(path, sizeof path, "%s/state/%012u.slot", run->dir, 260000000u + n);
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	snprintf(line, sizeof line, "%u %s 0\n", seq, action);
	write_file(tmp, line);
	cr_assert_eq(rename(tmp, path), 0);
}

/* ------------------------------------------------------------ interrupts */

static void interrupt_at_program(struct run *run, const struct station_event *ev)
{
	if (ev->state == SLOT_PROGRAM && run->hook_calls++ == 0)
		runner_interrupt(run->r, false);
}

Test(runner_sim, an_interrupt_during_program_wipes_the_board_then_logs_one_failed_row)
{
	struct run run;
	fixture(&run, 1, STATION_DELIVERY_FLASH);
	run.hook = interrupt_at_program;
	run_station(&run);
	char path[512];
	path_of(&run, 1, path, sizeof path);
	cr_assert(strstr(path, "PROGRAM WIPE FAILED STOPPED") != NULL, "%s", path);
	cr_assert_eq(run.board_count, 1);
	cr_assert_not(run.boards[0].passed);
	cr_assert_eq(run.boards[0].failed_step, SLOT_PROGRAM);
	cr_assert_str_eq(run.boards[0].message, "interrupted by the operator",
			 "the wipe worked: no wipe failure named");
	cr_assert(run.sum.interrupted);
	cr_assert_eq(run.sum.interrupted_boards, 1);
	char *csv = csv_of(&run, 1);
	cr_assert_eq(count_lines(csv), 2, "%s", csv);
	cr_assert(strstr(csv, ",fail,program,interrupted by the operator,") != NULL, "%s", csv);
	free(csv);
	/* The wipe closed the journal entry opened before PROGRAM. */
	struct journal *j;
	cr_assert_eq(journal_open(run.cfg->log_dir, "t", &j, NULL), JOURNAL_OK);
	cr_assert_eq(journal_leftover_count(j), 0);
	journal_close(j);
	cleanup(&run);
}

static void interrupt_twice_at_program(struct run *run, const struct station_event *ev)
{
	if (ev->state == SLOT_PROGRAM && run->hook_calls++ == 0) {
		runner_interrupt(run->r, false);
		runner_interrupt(run->r, false);
	}
}

Test(runner_sim, a_second_interrupt_aborts_leaves_the_board_unwiped_and_the_journal_open)
{
	struct run run;
	fixture(&run, 1, STATION_DELIVERY_FLASH);
	run.hook = interrupt_twice_at_program;
	run_station(&run);
	cr_assert_eq(run.board_count, 1);
	cr_assert_not(run.boards[0].passed);
	cr_assert(strstr(run.boards[0].message, "aborted by the operator") != NULL, "%s",
		  run.boards[0].message);
	cr_assert(strstr(run.boards[0].message, "NOT wiped") != NULL, "%s", run.boards[0].message);
	char *csv = csv_of(&run, 1);
	cr_assert_eq(count_lines(csv), 2, "one row: %s", csv);
	free(csv);
	/* The next start has to deal with this board. */
	struct journal *j;
	cr_assert_eq(journal_open(run.cfg->log_dir, "t", &j, NULL), JOURNAL_OK);
	cr_assert_eq(journal_leftover_count(j), 1);
	cr_assert_eq(journal_leftover(j, 0)->device_id, SIM_DEVICE_ID(1));
	cr_assert_str_eq(journal_leftover(j, 0)->step, "program");
	journal_close(j);
	cleanup(&run);
}

static void interrupt_at_wipe(struct run *run, const struct station_event *ev)
{
	if (ev->state == SLOT_WIPE && run->hook_calls++ == 0)
		runner_interrupt(run->r, false);
}

Test(runner_sim, a_first_interrupt_does_not_cut_the_final_wipe_short)
{
	struct run run;
	fixture(&run, 1, STATION_DELIVERY_RAM);
	run.hook = interrupt_at_wipe;
	run_station(&run);
	cr_assert_eq(run.board_count, 1);
	cr_assert(run.boards[0].passed, "%s", run.boards[0].message);
	cr_assert(run.sum.interrupted);
	cr_assert_eq(run.sum.interrupted_boards, 0);
	char path[512];
	path_of(&run, 1, path, sizeof path);
	cr_assert(strstr(path, "CHECK WIPE DONE STOPPED") != NULL, "%s", path);
	cleanup(&run);
}

/* ------------------------------------------------------------- draining */

static void drain_at_program(struct run *run, const struct station_event *ev)
{
	if (ev->state == SLOT_PROGRAM && run->hook_calls++ == 0)
		runner_drain(run->r);
}

Test(runner_sim, a_drained_run_finishes_the_board_in_hand_as_usual)
{
	struct run run;
	fixture(&run, 2, STATION_DELIVERY_RAM);
	run.hook = drain_at_program;
	run_station(&run);
	cr_assert(run.sum.drained);
	cr_assert_not(run.sum.interrupted);
	cr_assert_eq(run.board_count, 2);
	cr_assert(run.boards[0].passed && run.boards[1].passed, "%s / %s", run.boards[0].message,
		  run.boards[1].message);
	cleanup(&run);
}

Test(runner_sim, a_drained_continuous_run_stops_after_the_board_instead_of_waiting)
{
	struct run run;
	fixture(&run, 1, STATION_DELIVERY_RAM);
	run.hook = drain_at_program;
	make_job(&run);
	/* continuous: without the drain this run would wait for the board's
	 * removal for ever */
	cr_assert_eq(uv_loop_init(&run.loop), 0);
	station_events_init(&run.events);
	station_events_add(&run.events, sink, &run);
	struct runner_options ro = {.loop = &run.loop,
				    .cfg = run.cfg,
				    .job = run.job,
				    .events = &run.events,
				    .continuous = true,
				    .csv = true,
				    .journal = true,
				    .poll_ms = 20};
	char err[600];
	cr_assert_eq(runner_create(&ro, &run.r, err, sizeof err), 0, "%s", err);
	runner_start(run.r);
	cr_assert_eq(uv_run(&run.loop, UV_RUN_DEFAULT), 0);
	runner_destroy(run.r);
	cr_assert_eq(uv_loop_close(&run.loop), 0);
	char path[512];
	path_of(&run, 1, path, sizeof path);
	cr_assert(strstr(path, "WIPE DONE STOPPED") != NULL, "%s", path);
	cr_assert_eq(find_state(&run, 1, SLOT_WAIT_REMOVE, 0), (size_t)-1, "%s", path);
	cr_assert_eq(run.board_count, 1);
	cr_assert(run.boards[0].passed);
	cleanup(&run);
}

/* --------------------------------------------------------------- retries */

static void pull_board_at_program(struct run *run, const struct station_event *ev)
{
	if (ev->state == SLOT_PROGRAM && run->hook_calls++ == 0)
		slot_action(run, 1, "remove", 1);
}

Test(runner_sim, a_retryable_error_in_program_retries_from_erase_as_often_as_retries_says)
{
	struct run run;
	fixture(&run, 1, STATION_DELIVERY_FLASH);
	run.cfg->retries = 2;
	run.cfg->swd_khz = 1000; /* the floor: a wire error is a retry, not a lower clock */
	run.hook = pull_board_at_program;
	run_station(&run);
	size_t program = find_state(&run, 1, SLOT_PROGRAM, 0);
	cr_assert_neq(program, (size_t)-1);
	cr_assert_eq(run.states[program + 1].state, SLOT_ERASE, "a retry starts at ERASE");
	cr_assert_str_eq(run.states[program + 1].message, "retry 1 of 2");
	unsigned retries = 0;
	for (size_t i = program; i < run.state_count; i++)
		if (run.states[i].state != SLOT_WIPE &&
		    strncmp(run.states[i].message, "retry ", 6) == 0)
			retries++;
	cr_assert_eq(retries, 2, "retries = 2 means two more attempts, not %u", retries);
	cr_assert_eq(find_state(&run, 1, SLOT_PROGRAM, program + 1), (size_t)-1,
		     "the board never came back: PROGRAM never ran again");
	cr_assert_eq(run.board_count, 1);
	cr_assert_not(run.boards[0].passed);
	cr_assert_eq(run.boards[0].failed_step, SLOT_ERASE, "%s", run.boards[0].message);
	cleanup(&run);
}

static void pull_then_reinsert(struct run *run, const struct station_event *ev)
{
	if (ev->state == SLOT_PROGRAM && run->hook_calls == 0) {
		run->hook_calls++;
		slot_action(run, 1, "remove", 1);
	} else if (ev->state == SLOT_ERASE && run->hook_calls == 1) {
		run->hook_calls++;
		slot_action(run, 1, "insert", 2);
	}
}

Test(runner_sim, a_board_back_for_the_retry_is_erased_programmed_again_and_passes)
{
	struct run run;
	fixture(&run, 1, STATION_DELIVERY_FLASH);
	run.cfg->swd_khz = 1000;
	run.hook = pull_then_reinsert;
	run_station(&run);
	char path[512];
	path_of(&run, 1, path, sizeof path);
	cr_assert(strstr(path, "PROGRAM ERASE PROGRAM VERIFY RUN") != NULL, "%s: %s", path,
		  run.board_count ? run.boards[0].message : "");
	cr_assert_eq(run.board_count, 1);
	cr_assert(run.boards[0].passed, "%s", run.boards[0].message);
	cleanup(&run);
}

/* --------------------------------------------------------------- journal */

static void check_journal_at_verify(struct run *run, const struct station_event *ev)
{
	if (ev->state != SLOT_VERIFY || run->hook_calls++ != 0)
		return;
	char path[160];
	snprintf(path, sizeof path, "%s/logs/t.journal", run->dir);
	char *text = slurp(path);
	char want[128];
	snprintf(want, sizeof want,
		 "slot=1 probe=000260000001 deviceid=%016" PRIx64 " step=program",
		 (uint64_t)SIM_DEVICE_ID(1));
	cr_assert(strstr(text, want) != NULL, "PROGRAM ran without the entry on disk: %s", text);
	cr_assert(strstr(text, "close ") == NULL, "%s", text);
	free(text);
}

Test(runner_sim, the_entry_is_on_disk_while_the_table_is_in_flash_and_gone_after_the_wipe)
{
	struct run run;
	fixture(&run, 1, STATION_DELIVERY_FLASH);
	run.hook = check_journal_at_verify;
	run_station(&run);
	cr_assert_eq(run.hook_calls, 1);
	cr_assert(run.boards[0].passed, "%s", run.boards[0].message);
	char path[160];
	snprintf(path, sizeof path, "%s/logs/t.journal", run.dir);
	char *text = slurp(path);
	cr_assert_str_eq(text, JOURNAL_HEADER "\n", "compacted once nothing is open");
	free(text);
	cleanup(&run);
}

static void fill_disk_at_program(struct run *run, const struct station_event *ev)
{
	if (ev->state != SLOT_PROGRAM || run->hook_calls++ != 0)
		return;
	/* Every file of the log folder is past this size: no write lands. */
	signal(SIGXFSZ, SIG_IGN);
	struct rlimit lim = {.rlim_cur = 10, .rlim_max = RLIM_INFINITY};
	cr_assert_eq(setrlimit(RLIMIT_FSIZE, &lim), 0);
}

Test(runner_sim, no_credential_goes_out_when_its_journal_entry_cannot_be_written)
{
	struct run run;
	fixture(&run, 1, STATION_DELIVERY_FLASH);
	run.hook = fill_disk_at_program;
	run_station(&run);
	char path[512];
	path_of(&run, 1, path, sizeof path);
	cr_assert(strstr(path, "ERASE PROGRAM WIPE FAILED") != NULL, "PROGRAM never ran: %s", path);
	cr_assert_eq(run.board_count, 1);
	cr_assert_eq(run.boards[0].failed_step, SLOT_PROGRAM);
	cr_assert(strstr(run.boards[0].message, "t.journal: cannot write the journal: File too "
						"large (no credential was sent)") != NULL,
		  "%s", run.boards[0].message);
	cr_assert_eq(run.sum.log_failures, 2, "the journal line and then the CSV row");
	cleanup(&run);
}

/* Writes a journal as a run killed with these entries open would leave it. */
static void leave_journal(struct run *run, const unsigned *probes, const uint64_t *ids, size_t n)
{
	char dir[160];
	snprintf(dir, sizeof dir, "%s/logs", run->dir);
	struct journal *j;
	cr_assert_eq(journal_open(dir, "t", &j, NULL), JOURNAL_OK);
	for (size_t i = 0; i < n; i++) {
		struct journal_entry e = {.slot = probes[i], .device_id = ids[i]};
		snprintf(e.time, sizeof e.time, "2026-12-01T08:00:00.000Z");
		snprintf(e.probe, sizeof e.probe, "%012u", 260000000u + probes[i]);
		snprintf(e.step, sizeof e.step, "program");
		cr_assert_eq(journal_begin(j, &e), JOURNAL_OK);
	}
	journal_close(j);
}

Test(runner_sim, a_board_left_open_and_still_in_its_slot_is_wiped_first_and_logged)
{
	struct run run;
	fixture(&run, 2, STATION_DELIVERY_FLASH);
	unsigned probes[] = {2};
	uint64_t ids[] = {SIM_DEVICE_ID(2)};
	leave_journal(&run, probes, ids, 1);
	run_station(&run);
	size_t wipe = find_state(&run, 2, SLOT_WIPE, 0);
	size_t connect = find_state(&run, 2, SLOT_CONNECT, 0);
	cr_assert_lt(wipe, connect, "the old board is wiped before the slot's run");
	cr_assert(strstr(run.states[wipe].message, "journal: board 4e5246000f7f4902") != NULL, "%s",
		  run.states[wipe].message);
	cr_assert_eq(run.sum.recovered, 1);
	cr_assert_eq(run.journal_count, 1);
	cr_assert_str_eq(run.journal_results[0], "recovered-wipe");
	char *csv = csv_of(&run, 2);
	cr_assert_eq(count_lines(csv), 3, "header, the recovery, the board: %s", csv);
	char *rec = strstr(csv, ",recovered-wipe,program,");
	char *pass = strstr(csv, ",pass,");
	cr_assert(rec != NULL && pass != NULL && rec < pass, "%s", csv);
	free(csv);
	csv = csv_of(&run, 1);
	cr_assert_eq(count_lines(csv), 2, "slot 1 had nothing to recover: %s", csv);
	free(csv);
	struct journal *j;
	cr_assert_eq(journal_open(run.cfg->log_dir, "t", &j, NULL), JOURNAL_OK);
	cr_assert_eq(journal_leftover_count(j), 0, "the recovery closed the entry");
	journal_close(j);
	cleanup(&run);
}

Test(runner_sim, another_board_in_the_slot_is_not_wiped_but_warned_about_and_logged)
{
	struct run run;
	fixture(&run, 1, STATION_DELIVERY_RAM);
	unsigned probes[] = {1, 7};
	uint64_t ids[] = {0x1122334455667788ull, SIM_DEVICE_ID(7)};
	leave_journal(&run, probes, ids, 2);
	run_station(&run);
	cr_assert_eq(run.journal_count, 2);
	/* Probe 7 is in no slot: it cannot be checked and stays open. */
	cr_assert_str_eq(run.journal_results[0], "unchecked");
	cr_assert(strstr(run.journal_messages[0], "probe 000260000007") != NULL, "%s",
		  run.journal_messages[0]);
	cr_assert_str_eq(run.journal_results[1], "unrecovered");
	cr_assert(strstr(run.journal_messages[1], "board 1122334455667788") != NULL, "%s",
		  run.journal_messages[1]);
	cr_assert(strstr(run.journal_messages[1], "2026-12-01T08:00:00.000Z") != NULL, "%s",
		  run.journal_messages[1]);
	cr_assert(strstr(run.journal_messages[1], "board 4e5246000f7f4901 is there instead") !=
			  NULL,
		  "%s", run.journal_messages[1]);
	cr_assert_eq(run.sum.recovered, 0);
	cr_assert_eq(run.sum.journal_warnings, 2);
	char *csv = csv_of(&run, 1);
	cr_assert(strstr(csv, ",unrecovered,program,") != NULL, "%s", csv);
	cr_assert_eq(count_lines(csv), 3, "%s", csv);
	free(csv);
	cr_assert_eq(run.board_count, 1);
	cr_assert(run.boards[0].passed, "%s", run.boards[0].message);
	struct journal *j;
	cr_assert_eq(journal_open(run.cfg->log_dir, "t", &j, NULL), JOURNAL_OK);
	cr_assert_eq(journal_leftover_count(j), 1);
	cr_assert_str_eq(journal_leftover(j, 0)->probe, "000260000007");
	journal_close(j);
	cleanup(&run);
}
