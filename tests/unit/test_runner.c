/*
 * The gang runner's handle lifetimes: whatever path a run takes, every uv
 * handle the runner put on the loop is closed when runner_destroy returns,
 * so uv_loop_close succeeds and nothing in the loop points into freed
 * memory. (Runs with real probes are the integration tests' job.)
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "station/config.h"
#include "station/job.h"
#include "station/runner.h"

static struct station_config *two_slots(void)
{
	struct station_config *cfg = calloc(1, sizeof *cfg);
	cr_assert_not_null(cfg);
	snprintf(cfg->name, sizeof cfg->name, "t");
	cfg->slot_count = 2;
	cfg->timeout_ms = 1000;
	for (unsigned i = 0; i < 2; i++) {
		cfg->slots[i].number = i + 1;
		/* Serials no probe has: the slots come up ABSENT. */
		cfg->slots[i].serial = 4000000000u + i;
		snprintf(cfg->slots[i].probe, sizeof cfg->slots[i].probe, "%u",
			 cfg->slots[i].serial);
	}
	return cfg;
}

Test(runner, destroy_without_start_closes_every_handle)
{
	uv_loop_t loop;
	cr_assert_eq(uv_loop_init(&loop), 0);
	struct station_config *cfg = two_slots();
	struct station_job job = {0};
	struct runner_options ro = {.loop = &loop, .cfg = cfg, .job = &job};
	struct runner *r = NULL;
	char err[256];
	cr_assert_eq(runner_create(&ro, &r, err, sizeof err), 0, "%s", err);
	runner_destroy(r);
	cr_assert_eq(uv_loop_close(&loop), 0, "a handle is still open on the loop");
	free(cfg);
}

Test(runner, a_run_with_every_probe_absent_ends_and_closes_every_handle)
{
	uv_loop_t loop;
	cr_assert_eq(uv_loop_init(&loop), 0);
	struct station_config *cfg = two_slots();
	struct station_job job = {0};
	struct runner_options ro = {.loop = &loop, .cfg = cfg, .job = &job, .signals = true};
	struct runner *r = NULL;
	char err[256];
	cr_assert_eq(runner_create(&ro, &r, err, sizeof err), 0, "%s", err);
	runner_start(r);
	cr_assert_eq(uv_run(&loop, UV_RUN_DEFAULT), 0);
	struct runner_summary sum;
	runner_get_summary(r, &sum);
	cr_assert_eq(sum.absent, 2);
	runner_destroy(r);
	cr_assert_eq(uv_loop_close(&loop), 0, "a handle is still open on the loop");
	free(cfg);
}
