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
	}
	return "?";
}

void station_format_utc(uint64_t time_ms, char out[32])
{
	time_t secs = (time_t)(time_ms / 1000);
	struct tm tm;
	if (gmtime_r(&secs, &tm) == NULL) {
		snprintf(out, 32, "?");
		return;
	}
	snprintf(out, 32, "%04d-%02d-%02dT%02d:%02d:%02d.%03uZ", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (unsigned)(time_ms % 1000));
}
