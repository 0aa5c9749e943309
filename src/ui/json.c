#include "ui/json.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct jbuf {
	char *out;
	size_t cap;
	size_t len; /* may exceed cap: the length the full text needs */
};

static void put(struct jbuf *b, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++, b->len++)
		if (b->len + 1 < b->cap)
			b->out[b->len] = s[i];
}

static void puts_(struct jbuf *b, const char *s)
{
	put(b, s, strlen(s));
}

/* Length of the valid UTF-8 sequence at p (1..4), 0 when invalid. */
static size_t utf8_len(const unsigned char *p)
{
	if (p[0] < 0x80)
		return 1;
	size_t n;
	uint32_t cp;
	if ((p[0] & 0xE0) == 0xC0)
		n = 2, cp = p[0] & 0x1F;
	else if ((p[0] & 0xF0) == 0xE0)
		n = 3, cp = p[0] & 0x0F;
	else if ((p[0] & 0xF8) == 0xF0)
		n = 4, cp = p[0] & 0x07;
	else
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xC0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3F);
	}
	static const uint32_t min[5] = {0, 0, 0x80, 0x800, 0x10000};
	if (cp < min[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	return n;
}

static void quote(struct jbuf *b, const char *s)
{
	put(b, "\"", 1);
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	while (*p) {
		char esc[8];
		if (*p == '"' || *p == '\\') {
			esc[0] = '\\';
			esc[1] = (char)*p;
			put(b, esc, 2);
			p++;
		} else if (*p < 0x20 || *p == 0x7f) {
			const char *named = *p == '\n'	 ? "\\n"
					    : *p == '\r' ? "\\r"
					    : *p == '\t' ? "\\t"
							 : NULL;
			if (named) {
				puts_(b, named);
			} else {
				snprintf(esc, sizeof esc, "\\u%04x", *p);
				puts_(b, esc);
			}
			p++;
		} else {
			size_t n = utf8_len(p);
			if (n == 0) {
				puts_(b, "\\ufffd");
				p++;
			} else {
				put(b, (const char *)p, n);
				p += n;
			}
		}
	}
	put(b, "\"", 1);
}

static void finish(struct jbuf *b)
{
	if (b->cap > 0)
		b->out[b->len < b->cap ? b->len : b->cap - 1] = '\0';
}

size_t json_quote(const char *s, char *out, size_t outlen)
{
	struct jbuf b = {out, outlen, 0};
	quote(&b, s);
	finish(&b);
	return b.len;
}

static void field_str(struct jbuf *b, const char *name, const char *value)
{
	put(b, ",\"", 2);
	puts_(b, name);
	put(b, "\":", 2);
	quote(b, value);
}

static void field_num(struct jbuf *b, const char *name, int64_t value)
{
	char num[32];
	snprintf(num, sizeof num, "%" PRId64, value);
	put(b, ",\"", 2);
	puts_(b, name);
	put(b, "\":", 2);
	puts_(b, num);
}

static void field_bool(struct jbuf *b, const char *name, bool value)
{
	put(b, ",\"", 2);
	puts_(b, name);
	put(b, "\":", 2);
	puts_(b, value ? "true" : "false");
}

size_t json_format_event(const struct station_event *ev, char *out, size_t outlen)
{
	struct jbuf b = {out, outlen, 0};
	char when[32];
	station_format_utc(ev->time_ms, when);
	puts_(&b, "{\"event\":");
	quote(&b, station_event_type_name(ev->type));
	field_str(&b, "time", when);
	field_str(&b, "station", ev->station);
	if (ev->slot != 0) {
		field_num(&b, "slot", ev->slot);
		field_str(&b, "probe", ev->probe);
	}
	switch (ev->type) {
	case STATION_EV_START:
		field_num(&b, "slots", ev->slot_count);
		field_str(&b, "provisioner_sha256", ev->provisioner_sha256);
		field_str(&b, "provisioner_build", ev->sim_build ? "simulator" : "target");
		break;
	case STATION_EV_SLOT:
		field_str(&b, "label", ev->label);
		field_str(&b, "state", slot_state_name(ev->state));
		if (ev->message && ev->message[0])
			field_str(&b, "detail", ev->message);
		break;
	case STATION_EV_STATE:
		field_str(&b, "state", slot_state_name(ev->state));
		if (ev->message && ev->message[0])
			field_str(&b, "detail", ev->message);
		break;
	case STATION_EV_BOARD:
		field_str(&b, "result", ev->passed ? "pass" : "fail");
		field_str(&b, "imei", ev->imei);
		field_str(&b, "failed_step",
			  ev->passed ? "" : slot_state_step_name(ev->failed_step));
		field_str(&b, "error", ev->passed ? "" : ev->message);
		field_num(&b, "duration_ms", (int64_t)ev->duration_ms);
		field_str(&b, "part", ev->part);
		field_str(&b, "modem_fw", ev->modem_fw);
		field_num(&b, "swd_khz", ev->swd_khz);
		field_num(&b, "resets", ev->resets);
		field_bool(&b, "locked", ev->locked);
		field_str(&b, "digest", ev->digest ? ev->digest : "");
		field_str(&b, "delivery", ev->delivery ? ev->delivery : "");
		field_num(&b, "boots", ev->boots);
		field_str(&b, "flash_method", ev->flash_method ? ev->flash_method : "");
		if (ev->loader_fallback && ev->loader_fallback[0])
			field_str(&b, "loader_fallback", ev->loader_fallback);
		break;
	case STATION_EV_STOP:
		field_bool(&b, "immediate", ev->immediate);
		break;
	case STATION_EV_LOG_ERROR:
		field_str(&b, "error", ev->message);
		field_str(&b, "row", ev->row);
		break;
	case STATION_EV_JOURNAL:
		field_str(&b, "result", ev->journal);
		if (ev->since) {
			char id[24];
			snprintf(id, sizeof id, "%016" PRIx64, ev->device_id);
			field_str(&b, "device_id", id);
			field_str(&b, "since", ev->since);
			field_str(&b, "step", ev->step);
		}
		field_str(&b, "detail", ev->message);
		break;
	case STATION_EV_END:
		field_num(&b, "passed", ev->passed_count);
		field_num(&b, "failed", ev->failed_count);
		if (ev->exit_code >= 0)
			field_num(&b, "exit_code", ev->exit_code);
		break;
	}
	puts_(&b, "}\n");
	finish(&b);
	return b.len;
}

void json_sink(void *user, const struct station_event *ev)
{
	char line[2048];
	char *text = line;
	size_t n = json_format_event(ev, line, sizeof line);
	if (n >= sizeof line) {
		/* A long error or a lost CSV row: never drop the event, never
		 * emit half an object. */
		text = malloc(n + 1);
		if (text == NULL || json_format_event(ev, text, n + 1) != n) {
			free(text);
			return;
		}
	}
	fputs(text, (FILE *)user);
	fflush((FILE *)user);
	if (text != line)
		free(text);
}
