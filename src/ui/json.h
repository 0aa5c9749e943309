/*
 * JSON lines: one object per station event, one event per line, for MES
 * integration. Field names are stable (documented in README):
 *   event, time, station, slot, probe, label, state, result, imei,
 *   failed_step, error, duration_ms, part, modem_fw, slots,
 *   provisioner_sha256, immediate, passed, failed, exit_code, row,
 *   device_id, since, step, detail.
 */
#ifndef NRFCRED_UI_JSON_H
#define NRFCRED_UI_JSON_H

#include <stddef.h>

#include "station/events.h"

/* Writes the JSON string literal of s (with quotes, escaped per RFC 8259;
 * bytes >= 0x80 that are not valid UTF-8 become U+FFFD). Returns the length
 * the full literal needs, like snprintf. */
size_t json_quote(const char *s, char *out, size_t outlen);
/* One event as a JSON object and '\n'; returns the length, like snprintf. */
size_t json_format_event(const struct station_event *ev, char *out, size_t outlen);

/* station_event_fn writing to the FILE * given as user. */
void json_sink(void *user, const struct station_event *ev);

#endif
