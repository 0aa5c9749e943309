/* libFuzzer target: ihex_parse on arbitrary bytes. Whatever it accepts must
 * survive ihex_format and parse back to the same image and start addresses;
 * whatever it rejects must carry a diagnostic that agrees with the code.
 * Each input is parsed twice: as it is, and with every record's checksum
 * fixed up, so that the fuzzer gets past the checksum into the address and
 * overlap logic without having to guess a sum. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "image/ihex.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void round_trip(const struct image *img, const struct ihex_info *info, unsigned size)
{
	char *text = NULL;
	size_t len = 0;
	if (ihex_format(img, size, info, &text, &len) != IHEX_OK) {
		abort(); /* only NOMEM could get here, and inputs are small */
	}
	struct image *back = image_create();
	struct ihex_info info_back;
	struct ihex_diag diag;
	if (!back || ihex_parse(text, len, back, &info_back, &diag) != IHEX_OK) {
		abort(); /* our own output must parse */
	}
	if (!image_equal(img, back) || info_back.has_start_linear != info->has_start_linear ||
	    info_back.start_linear != info->start_linear ||
	    info_back.has_start_segment != info->has_start_segment ||
	    info_back.start_segment != info->start_segment) {
		abort(); /* the writer lost or changed something */
	}
	image_destroy(back);
	free(text);
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9') {
		return c - '0';
	}
	if (c >= 'A' && c <= 'F') {
		return c - 'A' + 10;
	}
	if (c >= 'a' && c <= 'f') {
		return c - 'a' + 10;
	}
	return -1;
}

/* Rewrites the checksum of every line that looks like a record. */
static void fix_checksums(char *text, size_t size)
{
	static const char digits[] = "0123456789ABCDEF";
	size_t pos = 0;
	while (pos < size) {
		char *line = text + pos;
		char *nl = memchr(line, '\n', size - pos);
		size_t len = nl ? (size_t)(nl - line) : size - pos;
		pos += len + 1;
		if (len >= 11 && line[len - 1] == '\r') {
			len--;
		}
		if (len < 11 || line[0] != ':' || (len - 1) % 2) {
			continue;
		}
		uint8_t sum = 0;
		int ok = 1;
		for (size_t i = 1; i + 2 < len && ok; i += 2) {
			int hi = hex_value(line[i]), lo = hex_value(line[i + 1]);
			ok = hi >= 0 && lo >= 0;
			if (ok) {
				sum = (uint8_t)(sum + (hi << 4 | lo));
			}
		}
		if (ok) {
			uint8_t check = (uint8_t)(0x100 - sum);
			line[len - 2] = digits[check >> 4];
			line[len - 1] = digits[check & 0x0F];
		}
	}
}

static void parse_one(const char *text, size_t size)
{
	struct image *img = image_create();
	struct ihex_info info;
	struct ihex_diag diag;
	if (!img) {
		return;
	}
	ihex_err err = ihex_parse(text, size, img, &info, &diag);
	if (err != diag.err || memchr(diag.detail, '\0', sizeof(diag.detail)) == NULL) {
		abort(); /* diag must mirror the result and be a terminated string */
	}
	if (err == IHEX_OK) {
		round_trip(img, &info, 16);
		round_trip(img, &info, 255);
	} else if (diag.detail[0] == '\0' || ihex_strerror(err)[0] == '\0') {
		abort(); /* every error explains itself */
	}
	image_destroy(img);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	parse_one((const char *)data, size);
	char *fixed = malloc(size ? size : 1);
	if (fixed) {
		memcpy(fixed, data, size);
		fix_checksums(fixed, size);
		parse_one(fixed, size);
		free(fixed);
	}
	return 0;
}
