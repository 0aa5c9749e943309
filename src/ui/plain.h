/*
 * Plain output: one line per station event, for logs and pipes (not a TTY,
 * or --plain). Formatting is pure (plain_format_event); the sink writes each
 * line with one fputs and flushes.
 *
 *   2026-11-25T01:02:03.456Z demo slot 3 (000260000003): PROGRAM
 *   2026-11-25T01:02:09.001Z demo slot 3 (000260000003): PASS imei 352656100000003 in 6.5 s
 */
#ifndef NRFCRED_UI_PLAIN_H
#define NRFCRED_UI_PLAIN_H

#include <stddef.h>
#include <stdio.h>

#include "station/events.h"

/* Writes the line (with '\n') into out; returns its length, 0 when the
 * event is not shown in plain mode. Truncates to outlen - 1 bytes. */
size_t plain_format_event(const struct station_event *ev, char *out, size_t outlen);

/* station_event_fn writing to the FILE * given as user. */
void plain_sink(void *user, const struct station_event *ev);

#endif
