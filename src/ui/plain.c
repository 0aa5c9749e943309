#include "ui/plain.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static size_t append(char *out, size_t outlen, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static size_t append(char *out, size_t outlen, size_t len, const char *fmt, ...)
{
	if (len >= outlen)
		return len;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(out + len, outlen - len, fmt, ap);
	va_end(ap);
	if (n < 0)
		return len;
	len += (size_t)n;
	return len < outlen ? len : outlen - 1;
}

static const char *str(const char *s)
{
	return s ? s : "";
}

size_t plain_format_event(const struct station_event *ev, char *out, size_t outlen)
{
	char when[32];
	size_t n = 0;
	if (outlen == 0)
		return 0;
	out[0] = '\0';
	station_format_utc(ev->time_ms, when);
	n = append(out, outlen, n, "%s %s ", when, str(ev->station));
	if (ev->slot != 0)
		n = append(out, outlen, n, "slot %u (%s): ", ev->slot, str(ev->probe));
	switch (ev->type) {
	case STATION_EV_START:
		n = append(out, outlen, n, "start: %u slot%s, provisioner sha256 %s%s",
			   ev->slot_count, ev->slot_count == 1 ? "" : "s",
			   str(ev->provisioner_sha256),
			   ev->sim_build ? " (SIMULATOR BUILD: not for real boards)" : "");
		break;
	case STATION_EV_SLOT:
		if (ev->state != SLOT_ABSENT)
			return out[0] = '\0', 0; /* the first state line says it all */
		n = append(out, outlen, n, "ABSENT: probe not attached");
		if (ev->message && ev->message[0])
			n = append(out, outlen, n, " (%s)", ev->message);
		break;
	case STATION_EV_STATE:
		n = append(out, outlen, n, "%s", slot_state_name(ev->state));
		if (ev->message && ev->message[0])
			n = append(out, outlen, n, " (%s)", ev->message);
		break;
	case STATION_EV_BOARD:
		if (ev->passed)
			n = append(out, outlen, n, "PASS imei %s in %" PRIu64 ".%" PRIu64 " s",
				   str(ev->imei), ev->duration_ms / 1000,
				   (ev->duration_ms / 100) % 10);
		else
			n = append(out, outlen, n,
				   "FAIL at %s: %s (imei %s, %" PRIu64 ".%" PRIu64 " s)",
				   slot_state_step_name(ev->failed_step), str(ev->message),
				   ev->imei && ev->imei[0] ? ev->imei : "unknown",
				   ev->duration_ms / 1000, (ev->duration_ms / 100) % 10);
		break;
	case STATION_EV_STOP:
		n = append(out, outlen, n, "%s",
			   ev->immediate ? "second interrupt: aborting every slot now"
					 : "interrupt: no new boards; running slots stop at the "
					   "next safe point and wipe (Ctrl-C again aborts now)");
		break;
	case STATION_EV_LOG_ERROR:
		n = append(out, outlen, n,
			   "CSV LOG WRITE FAILED: %s; this row is NOT in the log: %s",
			   str(ev->message), str(ev->row));
		break;
	case STATION_EV_JOURNAL:
		n = append(out, outlen, n, "JOURNAL %s: %s", str(ev->journal), str(ev->message));
		break;
	case STATION_EV_END:
		n = append(out, outlen, n, "end: %u passed, %u failed", ev->passed_count,
			   ev->failed_count);
		if (ev->exit_code >= 0)
			n = append(out, outlen, n, ", exit code %d", ev->exit_code);
		break;
	}
	/* Keep one line per event whatever the message held. */
	for (size_t i = 0; i < n; i++)
		if (out[i] == '\n' || out[i] == '\r')
			out[i] = ' ';
	return append(out, outlen, n, "\n");
}

void plain_sink(void *user, const struct station_event *ev)
{
	char line[1024];
	if (plain_format_event(ev, line, sizeof line) == 0)
		return;
	fputs(line, (FILE *)user);
	fflush((FILE *)user);
}
