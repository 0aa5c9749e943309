/* RFC 4180 records, read strictly (csvread.h). */
#include "station/csvread.h"

#include <stdbool.h>
#include <string.h>

/* Past the next LF at or after p (or to len). */
static size_t skip_line(const char *buf, size_t len, size_t p)
{
	const char *nl = p < len ? memchr(buf + p, '\n', len - p) : NULL;
	return nl ? (size_t)(nl - buf) + 1 : len;
}

csvread_status csvread_next(const char *buf, size_t len, size_t *pos, struct csvread_record *rec)
{
	size_t p = *pos, o = 0;
	rec->count = 0;
	if (p >= len)
		return CSVREAD_END;
	bool bad = false;
	for (;;) {
		if (rec->count == CSVREAD_FIELDS_MAX) {
			bad = true;
			break;
		}
		rec->cell[rec->count++] = rec->text + o;
		if (p < len && buf[p] == '"') {
			p++;
			for (;;) {
				if (p >= len) {
					*pos = len;
					return CSVREAD_TORN;
				}
				if (buf[p] == '"') {
					if (p + 1 < len && buf[p + 1] == '"') {
						p++;
					} else {
						p++;
						break;
					}
				}
				if (o + 1 >= CSVREAD_RECORD_MAX) {
					bad = true;
					break;
				}
				rec->text[o++] = buf[p++];
			}
			if (bad)
				break;
		} else {
			while (p < len && buf[p] != ',' && buf[p] != '\n' &&
			       !(buf[p] == '\r' && p + 1 < len && buf[p + 1] == '\n')) {
				if (buf[p] == '"' || o + 1 >= CSVREAD_RECORD_MAX) {
					bad = true;
					break;
				}
				rec->text[o++] = buf[p++];
			}
			if (bad)
				break;
		}
		rec->text[o++] = '\0';
		if (p >= len) {
			*pos = len;
			return CSVREAD_TORN;
		}
		if (buf[p] == ',') {
			p++;
			continue;
		}
		if (buf[p] == '\r' && p + 1 < len && buf[p + 1] == '\n') {
			*pos = p + 2;
			return CSVREAD_OK;
		}
		if (buf[p] == '\n') {
			*pos = p + 1;
			return CSVREAD_OK;
		}
		bad = true; /* a quoted cell followed by something else */
		break;
	}
	size_t next = skip_line(buf, len, p);
	/* A bad line without a line end is the torn tail, not a bad row. */
	if (next == len && (len == 0 || buf[len - 1] != '\n')) {
		*pos = len;
		return CSVREAD_TORN;
	}
	*pos = next;
	rec->count = 0;
	return CSVREAD_BAD;
}
