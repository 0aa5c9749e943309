/*
 * The live dashboard as pure functions: a model built from station events
 * (dash_model_apply) and a renderer (dashboard_render) that turns a snapshot
 * and a terminal width into exact text lines. Nothing here touches a
 * terminal; ui/tty.c does, so every frame is unit-testable.
 *
 *   nrfcred station demo | provisioner 3f2a9c01b7d4e6f0 | 8 slots | up 0:12
 *   SLOT PROBE        STATE        PROGRESS                            IMEI  ...
 *      1 000260000001 PROGRAM      [##########..........]  50%  32.0K/64.0K ...
 *   passed 3  failed 1  running 4 | 142.3 boards/h
 */
#ifndef NRFCRED_UI_DASHBOARD_H
#define NRFCRED_UI_DASHBOARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "station/events.h"
#include "station/slot.h"

#define DASH_MAX_ROWS	 64u
#define DASH_MAX_JOURNAL 4u

enum dash_result { DASH_RESULT_NONE = 0, DASH_RESULT_PASS, DASH_RESULT_FAIL };

struct dash_row {
	unsigned slot;
	char probe[24];
	char label[32];
	enum slot_state state;
	uint64_t bytes_done;	 /* progress of the current step */
	uint64_t bytes_total;	 /* 0: the step reports no progress */
	bool progress_not_bytes; /* a fraction (firmware phases): no byte column */
	char imei[16];
	uint64_t board_start_ms; /* wall clock when this board started; 0 = none */
	uint64_t duration_ms;	 /* set when the board finished */
	enum dash_result result;
	char message[128]; /* result or error in words */
};

struct dash_snapshot {
	char station[48];
	char provisioner_sha256[65];
	bool sim_build; /* the provisioner is a simulator build */
	uint64_t start_ms; /* wall clock at STATION_EV_START */
	uint64_t now_ms;   /* wall clock of this frame */
	size_t row_count;
	struct dash_row rows[DASH_MAX_ROWS];
	unsigned passed;
	unsigned failed;
	bool stopping; /* Ctrl-C seen */
	bool ended;
	/* Journal events (boards an earlier run left unwiped), first ones
	 * kept, shown under the footer; journal_count counts them all. */
	char journal[DASH_MAX_JOURNAL][200];
	size_t journal_count;
};

void dash_model_init(struct dash_snapshot *s);
/* Folds one event into the snapshot. Pure: depends on s and ev only. */
void dash_model_apply(struct dash_snapshot *s, const struct station_event *ev);
/* Row of slot N, or NULL. */
struct dash_row *dash_model_row(struct dash_snapshot *s, unsigned slot);

/* Slots handling a board right now. */
unsigned dash_running(const struct dash_snapshot *s);
/* Finished boards per hour since start (0 before the first second). */
double dash_boards_per_hour(const struct dash_snapshot *s);

/*
 * Renders the frame: header, column titles, one row per slot, footer. Each
 * line is at most `width` visible columns (escape sequences excluded),
 * without trailing spaces, ended by '\n'. With `color`, states and results
 * are wrapped in ANSI SGR colours. Returns a malloc'd string (NULL on no
 * memory); *line_count receives the number of lines when not NULL.
 */
char *dashboard_render(const struct dash_snapshot *s, unsigned width, bool color,
		       size_t *line_count);

/* "12.0K", "1.5M", "512B" into out (>= 8 bytes). */
void dash_format_bytes(uint64_t n, char *out, size_t outlen);

#endif
