/* libFuzzer target: the sparse image against a flat reference model. Each
 * 4-byte group of the input is one operation (write / fill / remove) on a
 * 256-byte window at the top of the address space; after each one the
 * segments must be exactly the maximal runs of present bytes. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "image/image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { WINDOW = 256 };
static const uint32_t window_base = 0xFFFFFF00u; /* ends exactly at 2^32 */

static void check(const struct image *img, const uint8_t *ref, const bool *present)
{
	size_t seg = 0;
	uint64_t total = 0;
	for (uint32_t a = 0; a < WINDOW;) {
		if (!present[a]) {
			a++;
			continue;
		}
		uint32_t end = a;
		while (end < WINDOW && present[end]) {
			end++;
		}
		struct image_segment s = image_segment_get(img, seg);
		if (seg >= image_segment_count(img) || s.start != window_base + a ||
		    s.size != end - a || memcmp(s.data, ref + a, end - a) != 0) {
			abort();
		}
		total += end - a;
		seg++;
		a = end;
	}
	if (image_segment_count(img) != seg || image_size(img) != total) {
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct image *img = image_create();
	uint8_t ref[WINDOW];
	bool present[WINDOW] = {false};
	uint8_t buf[WINDOW];
	if (!img) {
		return 0;
	}
	for (size_t i = 0; i + 4 <= size; i += 4) {
		uint8_t op = data[i] % 4, off = data[i + 1], value = data[i + 3];
		size_t len = data[i + 2];
		if ((size_t)off + len > WINDOW) {
			len = WINDOW - off;
		}
		switch (op) {
		case 0:
			for (size_t k = 0; k < len; k++) {
				buf[k] = (uint8_t)(value + k);
			}
			if (image_write(img, window_base + off, buf, len) != IMAGE_OK) {
				abort();
			}
			memcpy(ref + off, buf, len);
			memset(present + off, true, len);
			break;
		case 1:
			if (image_fill(img, window_base + off, len, value) != IMAGE_OK) {
				abort();
			}
			memset(ref + off, value, len);
			memset(present + off, true, len);
			break;
		case 2:
			if (image_remove(img, window_base + off, len) != IMAGE_OK) {
				abort();
			}
			memset(present + off, false, len);
			break;
		default: {
			/* A write one byte too long must be refused and change nothing. */
			if (image_write(img, window_base + off, buf, WINDOW - off + 1) !=
			    IMAGE_ERR_RANGE) {
				abort();
			}
			struct image *copy = image_clone(img);
			if (!copy || !image_equal(copy, img)) {
				abort();
			}
			image_destroy(copy);
			break;
		}
		}
		check(img, ref, present);
	}
	image_destroy(img);
	return 0;
}
