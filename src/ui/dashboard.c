#include "ui/dashboard.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SGR_RESET  "\x1b[0m"
#define SGR_BOLD   "\x1b[1m"
#define SGR_RED	   "\x1b[31m"
#define SGR_GREEN  "\x1b[32m"
#define SGR_YELLOW "\x1b[33m"
#define SGR_CYAN   "\x1b[36m"

/* Column widths; the result column takes what is left. */
#define W_SLOT		4
#define W_PROBE		12
#define W_STATE		12
#define W_IMEI		15
#define W_TIME		7
#define W_BYTES		13
#define W_FIXED		(W_SLOT + 1 + W_PROBE + 1 + W_STATE + 1 + W_IMEI + 1 + W_TIME + 1)
#define W_PROGRESS_TEXT (2 + 1 + 4 + 1 + W_BYTES + 1) /* "[]" " 100%" " bytes" " " */
#define BAR_MAX		20
#define BAR_MIN		6
#define RESULT_MIN	12
#define LINE_MAX_BYTES	1024

void dash_model_init(struct dash_snapshot *s)
{
	memset(s, 0, sizeof *s);
}

struct dash_row *dash_model_row(struct dash_snapshot *s, unsigned slot)
{
	for (size_t i = 0; i < s->row_count; i++)
		if (s->rows[i].slot == slot)
			return &s->rows[i];
	return NULL;
}

/* Every text the frame shows passes here: a control byte (an escape
 * sequence, a line break) from wherever the text came would redraw the
 * terminal, so it shows as '?'. */
static void copy_str(char *dst, size_t n, const char *src)
{
	snprintf(dst, n, "%s", src ? src : "");
	for (char *p = dst; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
}

void dash_model_apply(struct dash_snapshot *s, const struct station_event *ev)
{
	struct dash_row *row = NULL;
	if (ev->time_ms > s->now_ms)
		s->now_ms = ev->time_ms;
	switch (ev->type) {
	case STATION_EV_START:
		copy_str(s->station, sizeof s->station, ev->station);
		copy_str(s->provisioner_sha256, sizeof s->provisioner_sha256,
			 ev->provisioner_sha256);
		s->sim_build = ev->sim_build;
		s->start_ms = ev->time_ms;
		break;
	case STATION_EV_SLOT:
		row = dash_model_row(s, ev->slot);
		if (row == NULL) {
			if (s->row_count >= DASH_MAX_ROWS)
				break;
			row = &s->rows[s->row_count++];
			memset(row, 0, sizeof *row);
			row->slot = ev->slot;
		}
		copy_str(row->probe, sizeof row->probe, ev->probe);
		copy_str(row->label, sizeof row->label, ev->label);
		copy_str(row->message, sizeof row->message, ev->message); /* why ABSENT */
		row->state = ev->state;
		break;
	case STATION_EV_STATE:
		row = dash_model_row(s, ev->slot);
		if (row == NULL)
			break;
		/* A slot that finished its board keeps showing DONE / FAILED:
		 * that is what the person at the fixture needs to see. */
		if (ev->state == SLOT_STOPPED && row->result != DASH_RESULT_NONE)
			break;
		if (!slot_state_is_busy(row->state) && slot_state_is_busy(ev->state)) {
			/* A new board: forget the previous one. */
			row->board_start_ms = ev->time_ms;
			row->duration_ms = 0;
			row->imei[0] = '\0';
			row->result = DASH_RESULT_NONE;
			row->message[0] = '\0';
		}
		row->state = ev->state;
		row->bytes_done = row->bytes_total = 0;
		if (ev->message && ev->message[0])
			copy_str(row->message, sizeof row->message, ev->message);
		else if (row->result == DASH_RESULT_NONE)
			row->message[0] = '\0';
		break;
	case STATION_EV_BOARD:
		row = dash_model_row(s, ev->slot);
		if (row == NULL)
			break;
		copy_str(row->imei, sizeof row->imei, ev->imei);
		row->duration_ms = ev->duration_ms;
		row->result = ev->passed ? DASH_RESULT_PASS : DASH_RESULT_FAIL;
		if (ev->passed)
			snprintf(row->message, sizeof row->message, "pass");
		else
			snprintf(row->message, sizeof row->message, "fail at %s: %s",
				 slot_state_step_name(ev->failed_step),
				 ev->message ? ev->message : "");
		if (ev->passed)
			s->passed++;
		else
			s->failed++;
		break;
	case STATION_EV_STOP:
		s->stopping = true;
		break;
	case STATION_EV_LOG_ERROR:
		/* After the board's result: the operator must see that its row
		 * is missing from the log (stderr has the row itself). */
		row = dash_model_row(s, ev->slot);
		if (row != NULL)
			snprintf(row->message, sizeof row->message, "CSV LOG WRITE FAILED: %s",
				 ev->message ? ev->message : "");
		break;
	case STATION_EV_JOURNAL:
		/* A board that may still hold keys must stay in view, not
		 * scroll away with the row's next state. */
		if (s->journal_count < DASH_MAX_JOURNAL)
			snprintf(s->journal[s->journal_count], sizeof s->journal[0],
				 "journal %s: %s", ev->journal ? ev->journal : "",
				 ev->message ? ev->message : "");
		s->journal_count++;
		row = dash_model_row(s, ev->slot);
		if (row != NULL)
			snprintf(row->message, sizeof row->message, "journal %s",
				 ev->journal ? ev->journal : "");
		break;
	case STATION_EV_END:
		s->ended = true;
		break;
	}
}

unsigned dash_running(const struct dash_snapshot *s)
{
	unsigned n = 0;
	for (size_t i = 0; i < s->row_count; i++)
		if (slot_state_is_busy(s->rows[i].state))
			n++;
	return n;
}

double dash_boards_per_hour(const struct dash_snapshot *s)
{
	if (s->now_ms < s->start_ms + 1000)
		return 0.0;
	return (double)(s->passed + s->failed) * 3600000.0 / (double)(s->now_ms - s->start_ms);
}

void dash_format_bytes(uint64_t n, char *out, size_t outlen)
{
	if (n < 1024)
		snprintf(out, outlen, "%" PRIu64 "B", n);
	else if (n < 1024u * 1024u)
		snprintf(out, outlen, "%.1fK", (double)n / 1024.0);
	else
		snprintf(out, outlen, "%.1fM", (double)n / (1024.0 * 1024.0));
}

/* A line being built: plain text plus the colour spans laid over it. */
struct line {
	char text[LINE_MAX_BYTES];
	size_t len;
	struct {
		size_t start, end;
		const char *sgr;
	} spans[4];
	size_t span_count;
};

static void line_add(struct line *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void line_add(struct line *l, const char *fmt, ...)
{
	va_list ap;
	if (l->len >= sizeof l->text - 1)
		return;
	va_start(ap, fmt);
	int n = vsnprintf(l->text + l->len, sizeof l->text - l->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		l->len += (size_t)n;
	if (l->len > sizeof l->text - 1)
		l->len = sizeof l->text - 1;
}

/* Adds `text` in a field of exactly `w` columns (cut or space-padded),
 * coloured with sgr when not NULL. Control characters become '?'. */
static void line_field(struct line *l, const char *text, int w, bool right, const char *sgr)
{
	char buf[256];
	size_t n = 0;
	for (const char *p = text ? text : ""; *p && n < sizeof buf - 1 && (int)n < w; p++)
		buf[n++] = ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f) ? (char)'?' : *p;
	buf[n] = '\0';
	size_t start = l->len;
	if (right)
		line_add(l, "%*s", w, buf);
	else
		line_add(l, "%-*s", w, buf);
	if (sgr && n > 0 && l->span_count < 4) {
		size_t off = right ? (size_t)w - n : 0;
		l->spans[l->span_count].start = start + off;
		l->spans[l->span_count].end = start + off + n;
		l->spans[l->span_count].sgr = sgr;
		l->span_count++;
	}
}

/* Cuts to width, drops trailing spaces, inserts colours, appends '\n'. */
static void emit_line(struct line *l, unsigned width, bool color, char **out, size_t *len,
		      size_t *cap, bool *oom)
{
	size_t n = l->len < width ? l->len : width;
	while (n > 0 && l->text[n - 1] == ' ')
		n--;
	size_t need = n + 1 + (color ? l->span_count * 16 : 0) + 1;
	if (*oom)
		return;
	if (*len + need > *cap) {
		size_t c = (*cap + need) * 2;
		char *p = realloc(*out, c);
		if (p == NULL) {
			*oom = true;
			return;
		}
		*out = p;
		*cap = c;
	}
	if (*out == NULL)
		return;
	char *o = *out + *len;
	for (size_t i = 0; i < n; i++) {
		if (color)
			for (size_t s = 0; s < l->span_count; s++)
				if (l->spans[s].start == i) {
					size_t k = strlen(l->spans[s].sgr);
					memcpy(o, l->spans[s].sgr, k);
					o += k;
				}
		*o++ = l->text[i];
		if (color)
			for (size_t s = 0; s < l->span_count; s++)
				if (l->spans[s].start <= i && i < l->spans[s].end &&
				    (l->spans[s].end == i + 1 || i + 1 == n)) {
					memcpy(o, SGR_RESET, sizeof SGR_RESET - 1);
					o += sizeof SGR_RESET - 1;
				}
	}
	*o++ = '\n';
	*o = '\0';
	*len = (size_t)(o - *out);
}

static const char *state_sgr(enum slot_state st)
{
	switch (st) {
	case SLOT_DONE:
		return SGR_GREEN;
	case SLOT_FAILED:
	case SLOT_ABSENT:
		return SGR_RED;
	case SLOT_WAIT_BOARD:
	case SLOT_WAIT_REMOVE:
	case SLOT_WIPE:
		return SGR_YELLOW;
	default:
		return slot_state_is_busy(st) ? SGR_CYAN : NULL;
	}
}

static void format_elapsed(uint64_t ms, char *out, size_t n)
{
	if (ms < 600000)
		snprintf(out, n, "%" PRIu64 ".%" PRIu64 "s", ms / 1000, (ms / 100) % 10);
	else
		snprintf(out, n, "%" PRIu64 "m%02" PRIu64 "s", ms / 60000, (ms / 1000) % 60);
}

enum progress_mode { PROGRESS_NONE, PROGRESS_PERCENT, PROGRESS_BAR };

char *dashboard_render(const struct dash_snapshot *s, unsigned width, bool color,
		       size_t *line_count)
{
	char *out = NULL;
	size_t len = 0, cap = 0, lines = 0;
	bool oom = false;
	struct line l;
	if (width > LINE_MAX_BYTES - 1)
		width = LINE_MAX_BYTES - 1;

	/* Layout for this width. */
	int avail = (int)width - W_FIXED;
	enum progress_mode mode = PROGRESS_NONE;
	int bar = 0;
	if (avail >= W_PROGRESS_TEXT + BAR_MIN + RESULT_MIN) {
		mode = PROGRESS_BAR;
		bar = avail - W_PROGRESS_TEXT - RESULT_MIN;
		if (bar > BAR_MAX)
			bar = BAR_MAX;
	} else if (avail >= 5 + RESULT_MIN) {
		mode = PROGRESS_PERCENT;
	}
	int progress_w = mode == PROGRESS_BAR	    ? bar + W_PROGRESS_TEXT
			 : mode == PROGRESS_PERCENT ? 5
						    : 0;

	/* Header */
	memset(&l, 0, sizeof l);
	uint64_t up = s->now_ms > s->start_ms ? (s->now_ms - s->start_ms) / 1000 : 0;
	line_add(&l,
		 "nrfcred station %s | provisioner %.16s%s | %zu slot%s | up %" PRIu64 ":%02" PRIu64,
		 s->station, s->provisioner_sha256[0] ? s->provisioner_sha256 : "-",
		 s->sim_build ? " SIMULATOR BUILD" : "", s->row_count, s->row_count == 1 ? "" : "s",
		 up / 60, up % 60);
	if (color && l.span_count < 4) {
		l.spans[0].start = 0;
		l.spans[0].end = l.len;
		l.spans[0].sgr = SGR_BOLD;
		l.span_count = 1;
	}
	emit_line(&l, width, color, &out, &len, &cap, &oom);
	lines++;

	/* Column titles */
	memset(&l, 0, sizeof l);
	line_field(&l, "SLOT", W_SLOT, true, NULL);
	line_add(&l, " ");
	line_field(&l, "PROBE", W_PROBE, false, NULL);
	line_add(&l, " ");
	line_field(&l, "STATE", W_STATE, false, NULL);
	line_add(&l, " ");
	if (mode != PROGRESS_NONE) {
		line_field(&l, mode == PROGRESS_BAR ? "PROGRESS" : "PROG", progress_w - 1, false,
			   NULL);
		line_add(&l, " ");
	}
	line_field(&l, "IMEI", W_IMEI, false, NULL);
	line_add(&l, " ");
	line_field(&l, "TIME", W_TIME, true, NULL);
	line_add(&l, " ");
	line_add(&l, "RESULT");
	emit_line(&l, width, color, &out, &len, &cap, &oom);
	lines++;

	for (size_t i = 0; i < s->row_count; i++) {
		const struct dash_row *r = &s->rows[i];
		char buf[64];
		memset(&l, 0, sizeof l);
		snprintf(buf, sizeof buf, "%u", r->slot);
		line_field(&l, buf, W_SLOT, true, NULL);
		line_add(&l, " ");
		line_field(&l, r->probe, W_PROBE, false, NULL);
		line_add(&l, " ");
		line_field(&l, slot_state_name(r->state), W_STATE, false, state_sgr(r->state));
		line_add(&l, " ");

		bool has_progress = r->bytes_total > 0 && slot_state_is_busy(r->state);
		uint64_t done = r->bytes_done > r->bytes_total ? r->bytes_total : r->bytes_done;
		unsigned pct = has_progress ? (unsigned)(done * 100 / r->bytes_total) : 0;
		if (mode == PROGRESS_BAR) {
			if (has_progress) {
				int fill = (int)(done * (uint64_t)bar / r->bytes_total);
				char barbuf[BAR_MAX + 1];
				for (int k = 0; k < bar; k++)
					barbuf[k] = k < fill ? '#' : '.';
				barbuf[bar] = '\0';
				char d[16], t[16], bytes[40];
				dash_format_bytes(done, d, sizeof d);
				dash_format_bytes(r->bytes_total, t, sizeof t);
				snprintf(bytes, sizeof bytes, "%s/%s", d, t);
				if (r->progress_not_bytes)
					bytes[0] = '\0';
				line_add(&l, "[%s] %3u%% ", barbuf, pct);
				line_field(&l, bytes, W_BYTES, true, NULL);
				line_add(&l, " ");
			} else {
				line_add(&l, "%*s", progress_w, "");
			}
		} else if (mode == PROGRESS_PERCENT) {
			if (has_progress)
				line_add(&l, "%3u%% ", pct);
			else
				line_add(&l, "%5s", "");
		}
		line_field(&l, r->imei, W_IMEI, false, NULL);
		line_add(&l, " ");
		buf[0] = '\0';
		if (r->board_start_ms != 0) {
			uint64_t ms = slot_state_is_busy(r->state)
					      ? (s->now_ms > r->board_start_ms
							 ? s->now_ms - r->board_start_ms
							 : 0)
					      : r->duration_ms;
			format_elapsed(ms, buf, sizeof buf);
		}
		line_field(&l, buf, W_TIME, true, NULL);
		line_add(&l, " ");
		const char *msg_sgr = r->result == DASH_RESULT_PASS   ? SGR_GREEN
				      : r->result == DASH_RESULT_FAIL ? SGR_RED
								      : NULL;
		int rest = (int)sizeof l.text - 1 - (int)l.len;
		line_field(&l, r->message, rest < 200 ? rest : 200, false, msg_sgr);
		emit_line(&l, width, color, &out, &len, &cap, &oom);
		lines++;
	}

	/* Footer */
	memset(&l, 0, sizeof l);
	line_add(&l, "passed %u  failed %u  running %u | %.1f boards/h", s->passed, s->failed,
		 dash_running(s), dash_boards_per_hour(s));
	if (s->ended)
		line_add(&l, " | finished");
	else if (s->stopping)
		line_add(&l, " | stopping: no new boards (Ctrl-C again aborts)");
	emit_line(&l, width, color, &out, &len, &cap, &oom);
	lines++;

	size_t shown = s->journal_count < DASH_MAX_JOURNAL ? s->journal_count : DASH_MAX_JOURNAL;
	for (size_t i = 0; i < shown; i++) {
		memset(&l, 0, sizeof l);
		line_field(&l, s->journal[i], (int)sizeof s->journal[i], false, SGR_RED);
		emit_line(&l, width, color, &out, &len, &cap, &oom);
		lines++;
	}
	if (s->journal_count > shown) {
		memset(&l, 0, sizeof l);
		line_add(&l, "journal: %zu more (see the JSON or plain output)",
			 s->journal_count - shown);
		emit_line(&l, width, color, &out, &len, &cap, &oom);
		lines++;
	}

	if (oom) {
		free(out);
		return NULL;
	}
	if (line_count)
		*line_count = lines;
	return out;
}
