/*
 * Station events: what the runner tells the user interfaces (dashboard,
 * plain lines, JSON lines). The runner emits on the loop thread only; sinks
 * are called synchronously, in the order they were added, and must not keep
 * pointers from the event past the call.
 */
#ifndef NRFCRED_STATION_EVENTS_H
#define NRFCRED_STATION_EVENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "station/slot.h"

enum station_event_type {
	STATION_EV_START, /* station, slot_count, provisioner_sha256 */
	STATION_EV_SLOT,  /* a slot's description: slot, probe, label (once each) */
	STATION_EV_STATE, /* slot entered state (message: detail, e.g. "retry 1 of 2") */
	STATION_EV_BOARD, /* a board finished: passed, imei, failed_step, message, ... */
	STATION_EV_STOP,  /* Ctrl-C: no new boards; `immediate` on the second one */
	STATION_EV_END,	  /* passed, failed, exit_code */
	/* A board's CSV row could not be written (disk full, I/O error):
	 * message says which file and why, row is the lost line (no CRLF). */
	STATION_EV_LOG_ERROR,
	/* The journal: a board an earlier run left unwiped (journal = what
	 * became of it, device_id, since, step), or a journal line that could
	 * not be written (journal = "write-failed"). message: in words. */
	STATION_EV_JOURNAL,
};

struct station_event {
	enum station_event_type type;
	enum slot_state state;
	uint64_t time_ms; /* wall clock, ms since the Unix epoch (UTC) */
	const char *station;
	const char *probe; /* J-Link serial */
	const char *label;
	unsigned slot; /* [slot N]'s N; 0 for station-wide events */
	/* STATION_EV_BOARD */
	enum slot_state failed_step; /* SLOT_IDLE when passed */
	const char *imei;	     /* "" when unknown */
	const char *message;	     /* error text in words ("" when none) */
	uint64_t duration_ms;
	const char *part;
	const char *modem_fw;
	const char *digest;   /* "modem", "unavailable" or "" */
	const char *delivery; /* "ram" or "flash" */
	const char *flash_method; /* "loader", "direct", "direct-fallback" */
	const char *loader_fallback; /* why the loader did not start ("" if it did) */
	uint32_t swd_khz;
	unsigned resets;
	unsigned boots;
	bool passed;
	bool locked;
	/* STATION_EV_STOP */
	bool immediate;
	/* STATION_EV_START */
	unsigned slot_count;
	const char *provisioner_sha256;
	/* STATION_EV_START: the provisioner is a simulator
	 * build (NRFCRED_MANIFEST_F_SIM_BUILD), not for real boards. */
	bool sim_build;
	/* STATION_EV_LOG_ERROR */
	const char *row;
	/* STATION_EV_JOURNAL */
	const char *journal; /* "recovered-wipe", "recovery-failed", "unrecovered",
				"unchecked", "damaged", "write-failed" */
	uint64_t device_id;  /* FICR DEVICEID of the board the entry names */
	const char *since;   /* when the earlier run sent it its first secret */
	const char *step;    /* the step it was at, e.g. "program" */
	/* STATION_EV_END */
	unsigned passed_count;
	unsigned failed_count;
	int exit_code;
};

typedef void (*station_event_fn)(void *user, const struct station_event *ev);

#define STATION_EVENTS_MAX_SINKS 4u

struct station_events {
	struct {
		station_event_fn fn;
		void *user;
	} sinks[STATION_EVENTS_MAX_SINKS];
	size_t count;
};

void station_events_init(struct station_events *ev);
/* Returns false when all STATION_EVENTS_MAX_SINKS places are taken. */
bool station_events_add(struct station_events *ev, station_event_fn fn, void *user);
void station_events_emit(const struct station_events *ev, const struct station_event *e);

const char *station_event_type_name(enum station_event_type t);
/* ISO 8601 UTC with milliseconds, "2026-11-25T01:02:03.456Z" (25 bytes). */
void station_format_utc(uint64_t time_ms, char out[32]);

#endif
