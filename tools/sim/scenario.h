/*
 * Simulator scenario: the INI file named by NRFSIM_SCENARIO that says how many
 * simulated J-Links exist, what sits behind each one and which faults to
 * inject. Every key is documented in tools/sim/README.md.
 */
#ifndef NRFSIM_SCENARIO_H
#define NRFSIM_SCENARIO_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "board.h"

#define SCENARIO_MAX_PROBES 64
#define SCENARIO_SERIAL_LEN 12

enum scenario_timing_mode { SCENARIO_TIMING_FAST, SCENARIO_TIMING_REAL };

struct scenario_probe {
	char serial[SCENARIO_SERIAL_LEN + 1]; /* 12 decimal digits, as real probes */
	uint16_t usb_pid;
	/* Board behind the probe; .timing is copied from [timing] at the end. */
	struct simboard_config board;
	/* USB faults, injected by the probe itself; 0 = off. */
	uint64_t fault_unplug_after_transfers;
	/* Unplug once the board behind the probe moved this many AP data
	 * bytes (the step they belong to does not depend on host timing). */
	uint64_t fault_unplug_after_ap_bytes;
	uint64_t fault_usb_timeout_after_transfers;
};

struct scenario {
	enum scenario_timing_mode timing_mode;
	uint32_t usb_rtt_us;	    /* one command round trip (OUT + IN) */
	uint64_t usb_bandwidth_bps; /* payload bandwidth of the bulk pipe */
	uint32_t swd_max_khz;	    /* effective SWD clock = min(set speed, this) */
	char state_dir[PATH_MAX];   /* resolved: env NRFSIM_STATE_DIR, key, or default */
	struct simboard_timing timing;
	unsigned probe_count;
	struct scenario_probe probes[SCENARIO_MAX_PROBES];
};

/*
 * Loads the scenario file at path into s (defaults for every key it does not
 * set). Each problem (unknown section or key, bad value, duplicate serial) is
 * printed to err as "path:line: message". Returns the number of problems;
 * 0 means s is usable. The state directory is resolved here (see README).
 */
int scenario_load(const char *path, struct scenario *s, FILE *err);
/* The same from an open stream; path names it in messages and anchors a
 * relative state_dir. The stream is not closed. */
int scenario_parse(FILE *file, const char *path, struct scenario *s, FILE *err);

/* Creates the state directory and its missing parents. 0, or -1 with errno. */
int scenario_make_state_dir(const struct scenario *s);

/* Sets imei[14] to the Luhn check digit of the 14 digits imei[0..13] and
 * terminates the string (imei[15]). */
void scenario_imei_check_digit(char imei[16]);

/* Path of the persistent state file of a probe's board: <state_dir>/<serial>.board */
int scenario_board_path(const struct scenario *s, const char *serial, char *out, size_t size);
/* Path of the probe's counters file: <state_dir>/<serial>.counters */
int scenario_counters_path(const struct scenario *s, const char *serial, char *out, size_t size);

#endif
