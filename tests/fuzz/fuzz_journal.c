/* libFuzzer target: journal_parse on arbitrary bytes (the journal is read
 * back as hostile input after a crash). Every entry it returns must format
 * again and read back the same, ids unique and non-zero, and the count
 * within the room given. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "station/journal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define ROOM 8u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct journal_entry open[ROOM];
	size_t count = 0;
	struct journal_scan scan;
	journal_err err = journal_parse((const char *)data, size, open, ROOM, &count, &scan);
	if (err != JOURNAL_OK) {
		if (err != JOURNAL_ERR_FORMAT || count != 0)
			abort();
		return 0;
	}
	if (count > ROOM || scan.lines > size || scan.bad_lines > scan.lines)
		abort();
	char text[ROOM * (JOURNAL_LINE_MAX + 2) + sizeof JOURNAL_HEADER + 1];
	size_t len = sizeof JOURNAL_HEADER;
	memcpy(text, JOURNAL_HEADER "\n", len);
	for (size_t i = 0; i < count; i++) {
		if (open[i].id == 0 || open[i].id > scan.max_id)
			abort();
		for (size_t k = 0; k < i; k++)
			if (open[k].id == open[i].id)
				abort();
		size_t n = journal_format_open(&open[i], text + len, sizeof text - len);
		if (n == 0 || n > JOURNAL_LINE_MAX + 1)
			abort();
		len += n;
	}
	struct journal_entry again[ROOM];
	size_t count2 = 0;
	if (journal_parse(text, len, again, ROOM, &count2, &scan) != JOURNAL_OK ||
	    count2 != count || scan.bad_lines != 0 || scan.torn_tail)
		abort();
	for (size_t i = 0; i < count; i++)
		if (again[i].id != open[i].id || again[i].slot != open[i].slot ||
		    again[i].device_id != open[i].device_id ||
		    strcmp(again[i].probe, open[i].probe) != 0 ||
		    strcmp(again[i].time, open[i].time) != 0 ||
		    strcmp(again[i].step, open[i].step) != 0)
			abort();
	return 0;
}
