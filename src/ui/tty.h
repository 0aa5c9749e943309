/*
 * The live dashboard on a terminal: folds station events into a
 * dash_snapshot, and a 100 ms uv timer redraws the frame in place (at most
 * 10 times a second, only when it changed), reading each slot's progress
 * through a callback. Follows terminal resizes (SIGWINCH +
 * uv_tty_get_winsize). Colours only when asked (see ui_tty_color_wanted).
 */
#ifndef NRFCRED_UI_TTY_H
#define NRFCRED_UI_TTY_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "station/events.h"

/* Progress of slot's current step; *bytes false when done/total are not
 * byte counts (the bar and percent show, the byte column stays empty). */
typedef bool (*ui_progress_fn)(void *user, unsigned slot, uint64_t *done, uint64_t *total,
			       bool *bytes);

struct ui_tty;

/* fd must be a terminal (isatty). Returns a uv error code (0 = ok). */
int ui_tty_create(uv_loop_t *loop, int fd, bool color, ui_progress_fn progress, void *progress_user,
		  struct ui_tty **out);
/* station_event_fn: the ui_tty as user. At STATION_EV_END it draws the
 * final frame and closes its handles, so the loop can end. */
void ui_tty_sink(void *user, const struct station_event *ev);
/* Frees it; call after the loop ended. */
void ui_tty_destroy(struct ui_tty *t);

/* True when fd is a terminal and NO_COLOR is unset or empty
 * (https://no-color.org). */
bool ui_tty_color_wanted(int fd);

#endif
