#include "station/events.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

void station_events_init(struct station_events *ev)
{
	memset(ev, 0, sizeof *ev);
}

bool station_events_add(struct station_events *ev, station_event_fn fn, void *user)
{
	if (ev->count >= STATION_EVENTS_MAX_SINKS || fn == NULL)
		return false;
	ev->sinks[ev->count].fn = fn;
	ev->sinks[ev->count].user = user;
	ev->count++;
	return true;
}

void station_events_emit(const struct station_events *ev, const struct station_event *e)
{
	for (size_t i = 0; i < ev->count; i++)
		ev->sinks[i].fn(ev->sinks[i].user, e);
}

const char *station_event_type_name(enum station_event_type t)
{
	switch (t) {
	case STATION_EV_START:
		return "start";
	case STATION_EV_SLOT:
		return "slot";
	case STATION_EV_STATE:
		return "state";
	case STATION_EV_BOARD:
		return "board";
	case STATION_EV_STOP:
		return "stop";
	case STATION_EV_END:
		return "end";
	case STATION_EV_LOG_ERROR:
		return "log_error";
	case STATION_EV_JOURNAL:
		return "journal";
	}
	return "?";
}

void station_format_utc(uint64_t time_ms, char out[32])
{
	time_t secs = (time_t)(time_ms / 1000);
	struct tm tm;
	/* strftime instead of snprintf("%04d-..."): with int fields GCC's
	 * -Wformat-truncation (release builds) cannot bound the length. A
	 * year of up to 11 digits fits in 32 bytes (any uint64 of ms does);
	 * strftime returns 0 when it would not. */
	size_t n = 0;
	if (gmtime_r(&secs, &tm) != NULL)
		n = strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);
	if (n == 0 || n > 32 - sizeof ".000Z") {
		memcpy(out, "?", 2);
		return;
	}
	unsigned ms = (unsigned)(time_ms % 1000);
	out[n++] = '.';
	out[n++] = (char)('0' + ms / 100);
	out[n++] = (char)('0' + ms / 10 % 10);
	out[n++] = (char)('0' + ms % 10);
	out[n++] = 'Z';
	out[n] = '\0';
}
