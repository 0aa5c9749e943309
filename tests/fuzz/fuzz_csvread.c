/* libFuzzer target: the CSV logs read back for the IMEI index (hostile:
 * torn rows, lines of other programs). csvread_next must always advance,
 * stay inside the input, and give NUL-terminated cells inside its record;
 * imei_index_load_text must take any text, header or not. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "station/csvlog.h"
#include "station/csvread.h"
#include "station/imei_index.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct csvread_record rec;
	const char *buf = (const char *)data;
	size_t pos = 0;
	for (;;) {
		size_t before = pos;
		csvread_status st = csvread_next(buf, size, &pos, &rec);
		if (pos > size || (st != CSVREAD_END && pos <= before))
			abort();
		if (st == CSVREAD_OK)
			for (size_t i = 0; i < rec.count; i++) {
				if (rec.cell[i] < rec.text ||
				    rec.cell[i] >= rec.text + sizeof rec.text ||
				    memchr(rec.cell[i], '\0',
					   (size_t)(rec.text + sizeof rec.text - rec.cell[i])) ==
					    NULL)
					abort();
			}
		if (st == CSVREAD_END || st == CSVREAD_TORN)
			break;
	}
	/* The same bytes behind a valid header, through the index. */
	size_t hl = strlen(CSVLOG_HEADER);
	char *text = malloc(hl + 2 + size);
	if (text == NULL)
		return 0;
	memcpy(text, CSVLOG_HEADER "\r\n", hl + 2);
	memcpy(text + hl + 2, data, size);
	struct imei_index *idx = imei_index_create();
	struct imei_index_stats st = {0};
	if (idx) {
		imei_index_load_text(idx, text, hl + 2 + size, &st);
		if (st.passes > st.rows || imei_index_count(idx) > st.passes)
			abort();
	}
	imei_index_destroy(idx);
	free(text);
	return 0;
}
