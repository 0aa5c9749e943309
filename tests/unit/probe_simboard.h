/*
 * Test-only probe backend wired straight to a simulated board
 * (tools/sim/board.h): SWD bits go to simboard_swd_io with a modeled clock.
 */
#ifndef TEST_PROBE_SIMBOARD_H
#define TEST_PROBE_SIMBOARD_H

#include "board.h"
#include "probe/probe.h"

struct simprobe {
	struct probe probe;
	struct simboard *board;
	uint64_t now_ns;
	uint32_t fail_after_calls; /* swd_io fails (probe unplugged) after this many; 0 = never */
	char dir[256];		   /* temp state directory */
	char path[300];
};

/* Creates a temp state dir and opens a board with cfg (NULL = nRF9160
 * defaults, present, fast timing as the board's defaults). */
struct simprobe *simprobe_create(const struct simboard_config *cfg);
/* Default config for part. */
void simprobe_default_config(struct simboard_config *cfg, enum simboard_part part);
/* probe_close(&sp->probe) closes the board and removes the state dir. */

#endif
