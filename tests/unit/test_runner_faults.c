/*
 * The gang runner against simulated boards (the simulator's fake libusb is
 * linked into this test; the provisioner is the simulator firmware).
 *
 * Retries: a step that fails on every attempt must end the board within
 * `retries` plus the SWD clock fallbacks, wherever its retry starts again
 * (PROGRAM restarts from ERASE). A VERIFY that reads back other bits than
 * were written is not retried at all.
 *
 * IMEIs: two boards that report one IMEI in a run: the second is refused
 * before it gets the table, naming the first one's slot.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>

#include "cred/cred.h"
#include "nrfsim.h"
#include "station/config.h"
#include "station/events.h"
#include "station/job.h"
#include "station/runner.h"

#include "sim_scenario.h"

static const char *test_dir;

/* A scenario of fast boards: probe 1, then `more` (further [probe N]
 * sections); probe_keys go into [probe 1]. */
static void use_scenario2(const char *probe_keys, const char *more)
{
	char body[512];
	int n = snprintf(body, sizeof body,
			 "[timing]\nmodem_start_ms = 10\nmodem_cmng_write_ms = 10\n"
			 "[probe 1]\nserial = 000260000001\n%s%s",
			 probe_keys, more);
	cr_assert(n > 0 && (size_t)n < sizeof body);
	test_dir = sim_scenario_use("/tmp/nrfcred-runner-XXXXXX", body);
}

static void use_scenario(const char *probe_keys)
{
	use_scenario2(probe_keys, "");
}

struct seen {
	unsigned entered[SLOT_STATE_COUNT]; /* slot 1 */
	unsigned boards;
	bool passed;		     /* the last board's */
	enum slot_state failed_step; /* the last board's */
	char error[320];	     /* the last board's */
	uint32_t swd_khz;	     /* the last board's */
	struct {
		bool passed;
		enum slot_state failed_step;
		char error[320];
	} slot[3]; /* by slot number */
	bool ended;
	uv_loop_t *loop;
	uv_timer_t *watchdog;
};

static void on_event(void *user, const struct station_event *ev)
{
	struct seen *s = user;
	if (ev->type == STATION_EV_STATE && ev->slot == 1 && ev->state < SLOT_STATE_COUNT)
		s->entered[ev->state]++;
	if (ev->type == STATION_EV_BOARD) {
		s->boards++;
		s->passed = ev->passed;
		s->failed_step = ev->failed_step;
		s->swd_khz = ev->swd_khz;
		snprintf(s->error, sizeof s->error, "%s", ev->message);
		if (ev->slot < 3) {
			s->slot[ev->slot].passed = ev->passed;
			s->slot[ev->slot].failed_step = ev->failed_step;
			snprintf(s->slot[ev->slot].error, sizeof s->slot[ev->slot].error, "%s",
				 ev->message);
		}
	}
	if (ev->type == STATION_EV_END) {
		s->ended = true;
		uv_timer_stop(s->watchdog);
		uv_close((uv_handle_t *)s->watchdog, NULL);
	}
}

static void watchdog_cb(uv_timer_t *t)
{
	struct runner *r = t->data;
	/* A run that should have ended long ago: stop it so the test can
	 * report what it saw instead of hanging. */
	runner_interrupt(r, true);
}

/* retries = 1; slots 1 .. slots behind probes 000260000001 ... */
static void run_station_with(struct seen *seen, unsigned slots, const char *delivery)
{
	char text[768];
	snprintf(text, sizeof text,
		 "[station]\nname = t\nprovisioner = %s\ntimeout = 5\nretries = 1\n"
		 "swd_speed = 4000\nlog_dir = %s/logs\ndelivery = %s\n"
		 "[slot 1]\nprobe = 000260000001\n%s"
		 "[credential psk]\nsec_tag = 43\ntype = psk\n"
		 "value = 000102030405060708090a0b0c0d0e0f\n",
		 FW_SIM_HEX, test_dir, delivery,
		 slots > 1 ? "[slot 2]\nprobe = 000260000002\n" : "");
	char err[512];
	struct station_config *cfg = NULL;
	cr_assert_eq(station_config_parse(text, "retry.ini", &cfg, err, sizeof err),
		     STATION_CONFIG_OK, "%s", err);
	struct cred_set *creds = NULL;
	cr_assert_eq(station_job_load_credentials(cfg, &creds, err, sizeof err), 0, "%s", err);
	struct station_job *job = NULL;
	cr_assert_eq(station_job_create(cfg->provisioner, creds, false, NULL, cfg->timeout_ms,
					cfg->delivery, &job, err, sizeof err),
		     0, "%s", err);

	uv_loop_t loop;
	uv_timer_t watchdog;
	cr_assert_eq(uv_loop_init(&loop), 0);
	seen->loop = &loop;
	seen->watchdog = &watchdog;
	struct station_events events;
	station_events_init(&events);
	station_events_add(&events, on_event, seen);
	struct runner_options ro = {.loop = &loop, .cfg = cfg, .job = job, .events = &events};
	struct runner *r = NULL;
	cr_assert_eq(nrfsim_probe_count(), (int)slots, "the fake libusb is not the one in use");
	cr_assert_eq(runner_create(&ro, &r, err, sizeof err), 0, "%s", err);
	uv_timer_init(&loop, &watchdog);
	watchdog.data = r;
	uv_timer_start(&watchdog, watchdog_cb, 30000, 0);
	runner_start(r);
	uv_run(&loop, UV_RUN_DEFAULT);
	runner_destroy(r);
	cr_assert_eq(uv_loop_close(&loop), 0);
	station_job_destroy(job);
	cred_set_destroy(creds);
	station_config_free(cfg);
}

/* One slot, RAM delivery. */
static void run_station(struct seen *seen)
{
	run_station_with(seen, 1, "ram");
}

/* The one board's run ended, and the board failed at step. */
static void expect_failed_at(const struct seen *seen, enum slot_state step)
{
	cr_assert(seen->ended, "the run did not end");
	cr_assert_eq(seen->boards, 1);
	cr_expect(!seen->passed);
	cr_expect_eq(seen->failed_step, step, "failed at %s (%s)",
		     slot_state_step_name(seen->failed_step), seen->error);
}

Test(runner_retry, a_program_that_always_faults_ends_within_the_retry_budget)
{
	/* Every 700th AP access answers FAULT: no 64 KB program gets through,
	 * at any clock. */
	use_scenario("fault_ack_every = 700\n");
	struct seen seen = {0};
	run_station(&seen);
	expect_failed_at(&seen, SLOT_PROGRAM);
	cr_expect(strstr(seen.error, "FAULT") != NULL, "%s", seen.error);
	cr_expect(strstr(seen.error, "interrupted") == NULL &&
			  strstr(seen.error, "aborted") == NULL,
		  "the watchdog had to stop it: %s", seen.error);
	/* 4 MHz, 2 MHz, 1 MHz, then the one retry: four programs, each after
	 * an erase. */
	cr_expect_eq(seen.entered[SLOT_PROGRAM], 4, "PROGRAM entered %u times",
		     seen.entered[SLOT_PROGRAM]);
	cr_expect_eq(seen.entered[SLOT_ERASE], 4, "ERASE entered %u times",
		     seen.entered[SLOT_ERASE]);
	cr_expect(seen.entered[SLOT_WIPE] >= 1 && seen.entered[SLOT_WIPE] <= 2,
		  "the wipe, at most once more (%u)", seen.entered[SLOT_WIPE]);
}

Test(runner_retry, a_verify_mismatch_fails_at_once_with_the_word_and_no_clock_fallback)
{
	/* Bit 0 of the initial stack pointer (word 0 of every image, even)
	 * stays 1: the cell does not take the write. */
	use_scenario("fault_stuck_bit = 0x00000000:0\n");
	struct seen seen = {0};
	run_station(&seen);
	expect_failed_at(&seen, SLOT_VERIFY);
	cr_expect_str_eq(seen.error, "verify mismatch at 0x00000000");
	cr_expect_eq(seen.entered[SLOT_PROGRAM], 1, "PROGRAM entered %u times",
		     seen.entered[SLOT_PROGRAM]);
	cr_expect_eq(seen.entered[SLOT_VERIFY], 1, "VERIFY entered %u times",
		     seen.entered[SLOT_VERIFY]);
	cr_expect_eq(seen.entered[SLOT_ERASE], 1, "ERASE entered %u times",
		     seen.entered[SLOT_ERASE]);
	cr_expect_eq(seen.entered[SLOT_WIPE], 1, "the board is wiped once, and that worked");
	cr_expect_eq(seen.swd_khz, 4000u, "a mismatch is no wire error: the clock stays");
}

/* Both boards report IMEI 352656100011116. */
static const char twins[] = "imei = 352656100011116\n";
static const char twin2[] = "[probe 2]\nserial = 000260000002\nimei = 352656100011116\n";

static void expect_one_twin_refused(const struct seen *seen, enum slot_state step)
{
	cr_assert(seen->ended, "the run did not end");
	cr_assert_eq(seen->boards, 2);
	cr_assert(seen->slot[1].passed != seen->slot[2].passed, "one passes, one fails: %s | %s",
		  seen->slot[1].error, seen->slot[2].error);
	unsigned bad = seen->slot[1].passed ? 2 : 1, good = 3 - bad;
	cr_expect_eq(seen->slot[bad].failed_step, step, "failed at %s",
		     slot_state_step_name(seen->slot[bad].failed_step));
	char want[96];
	snprintf(want, sizeof want, "IMEI 352656100011116 is already slot %u's", good);
	cr_expect(strstr(seen->slot[bad].error, want) != NULL, "%s", seen->slot[bad].error);
	cr_expect(strstr(seen->slot[bad].error, "wipe") == NULL, "wiped: %s",
		  seen->slot[bad].error);
}

Test(runner_imei, ram_the_second_board_with_an_imei_is_refused_at_its_ready)
{
	use_scenario2(twins, twin2);
	struct seen seen = {0};
	run_station_with(&seen, 2, "ram");
	expect_one_twin_refused(&seen, SLOT_AWAIT_RESULT);
}

Test(runner_imei, flash_the_second_board_with_an_imei_fails_at_its_result)
{
	use_scenario2(twins, twin2);
	struct seen seen = {0};
	run_station_with(&seen, 2, "flash");
	expect_one_twin_refused(&seen, SLOT_CHECK);
}

Test(runner_imei, ram_a_board_whose_imei_fails_luhn_gets_no_table)
{
	use_scenario("imei = 352656100011117\n");
	struct seen seen = {0};
	run_station(&seen);
	cr_assert(seen.ended, "the run did not end");
	cr_expect(!seen.passed);
	cr_expect_eq(seen.failed_step, SLOT_AWAIT_RESULT, "failed at %s",
		     slot_state_step_name(seen.failed_step));
	cr_expect(strstr(seen.error, "check digit") != NULL &&
			  strstr(seen.error, "the table was not sent") != NULL,
		  "%s", seen.error);
}
