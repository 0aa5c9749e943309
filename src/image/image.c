/*
 * Sparse memory image over the full 32-bit address space.
 *
 * The segments live in one array sorted by start address. Two invariants hold
 * after every call: segments never overlap and are never adjacent (a gap of at
 * least one byte separates them), so a run of present bytes is always exactly
 * one segment. Ends are kept as uint64_t so that a segment may end at 2^32.
 */
#include "image/image.h"

#include <stdlib.h>
#include <string.h>

#include <mbedtls/platform_util.h>

#define ADDRESS_SPACE_END ((uint64_t)1 << 32)

/* buf holds capacity bytes; the segment's bytes are data[0..size), somewhere
 * inside buf. Slack on either side lets a segment grow at its front or its
 * back without copying every time. */
struct segment {
	uint32_t start;
	uint64_t size;
	uint8_t *data;
	uint8_t *buf;
	size_t capacity;
};

struct image {
	struct segment *segs;
	size_t count;
	size_t capacity;
};

static uint64_t segment_end(const struct segment *s)
{
	return (uint64_t)s->start + s->size;
}

/* Sets *end to addr + len; IMAGE_ERR_RANGE when the range runs past
 * 0xFFFFFFFF (len is checked first so that addr + len cannot wrap). */
static image_err range_end(uint32_t addr, uint64_t len, uint64_t *end)
{
	if (len > ADDRESS_SPACE_END || (uint64_t)addr + len > ADDRESS_SPACE_END) {
		return IMAGE_ERR_RANGE;
	}
	*end = (uint64_t)addr + len;
	return IMAGE_OK;
}

/* addr + len, clamped to the end of the address space: a query may ask
 * about more than exists, but must not wrap around to low addresses. */
static uint64_t range_clamp(uint32_t addr, uint64_t len)
{
	return len > ADDRESS_SPACE_END - addr ? ADDRESS_SPACE_END : (uint64_t)addr + len;
}

/* The part [*from, *to) of s inside [addr, end); false when s starts at or
 * after end (so do all later segments). */
static bool segment_clip(const struct segment *s, uint64_t addr, uint64_t end, uint64_t *from,
			 uint64_t *to)
{
	if (s->start >= end) {
		return false;
	}
	uint64_t seg_end = segment_end(s);
	*from = s->start > addr ? s->start : addr;
	*to = seg_end < end ? seg_end : end;
	return true;
}

/* An image may hold key material: buffers are wiped before they are freed. */
static void free_buf(uint8_t *buf, size_t capacity)
{
	if (buf) {
		mbedtls_platform_zeroize(buf, capacity);
		free(buf);
	}
}

/* Gives s a fresh buffer of exactly len bytes. */
static image_err segment_alloc(struct segment *s, uint32_t start, uint64_t len)
{
	if (len > SIZE_MAX) {
		return IMAGE_ERR_NOMEM;
	}
	uint8_t *buf = malloc(len ? (size_t)len : 1);
	if (!buf) {
		return IMAGE_ERR_NOMEM;
	}
	*s = (struct segment){.start = start,
			      .size = len,
			      .data = buf,
			      .buf = buf,
			      .capacity = len ? (size_t)len : 1};
	return IMAGE_OK;
}

struct image *image_create(void)
{
	return calloc(1, sizeof(struct image));
}

void image_destroy(struct image *img)
{
	if (!img) {
		return;
	}
	for (size_t i = 0; i < img->count; i++) {
		free_buf(img->segs[i].buf, img->segs[i].capacity);
	}
	free(img->segs);
	free(img);
}

struct image *image_clone(const struct image *img)
{
	struct image *copy = image_create();
	if (!copy) {
		return NULL;
	}
	if (img->count == 0) {
		return copy;
	}
	copy->segs = calloc(img->count, sizeof(struct segment));
	if (!copy->segs) {
		free(copy);
		return NULL;
	}
	copy->capacity = img->count;
	for (size_t i = 0; i < img->count; i++) {
		const struct segment *src = &img->segs[i];
		struct segment *dst = &copy->segs[i];
		if (segment_alloc(dst, src->start, src->size) != IMAGE_OK) {
			image_destroy(copy);
			return NULL;
		}
		memcpy(dst->data, src->data, (size_t)src->size);
		copy->count = i + 1;
	}
	return copy;
}

/* Index of the first segment whose end is > addr (count when none). */
static size_t first_ending_after(const struct image *img, uint64_t addr)
{
	size_t lo = 0, hi = img->count;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (segment_end(&img->segs[mid]) > addr) {
			hi = mid;
		} else {
			lo = mid + 1;
		}
	}
	return lo;
}

/* Index of the first segment whose start is > addr (count when none). */
static size_t first_starting_after(const struct image *img, uint64_t addr)
{
	size_t lo = 0, hi = img->count;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (img->segs[mid].start > addr) {
			hi = mid;
		} else {
			lo = mid + 1;
		}
	}
	return lo;
}

static image_err reserve_segments(struct image *img, size_t needed)
{
	if (needed <= img->capacity) {
		return IMAGE_OK;
	}
	size_t cap = img->capacity ? img->capacity : 8;
	while (cap < needed) {
		if (cap > SIZE_MAX / 2 / sizeof(struct segment)) {
			return IMAGE_ERR_NOMEM;
		}
		cap *= 2;
	}
	struct segment *segs = realloc(img->segs, cap * sizeof(struct segment));
	if (!segs) {
		return IMAGE_ERR_NOMEM;
	}
	img->segs = segs;
	img->capacity = cap;
	return IMAGE_OK;
}

/* Makes s's buffer span [new_start, new_start + new_size), keeping the
 * present bytes at their addresses (new_start <= s->start and the span covers
 * the old one). A new buffer is twice the span, with the slack on the side
 * that grows, so that records in ascending or descending address order load
 * in linear time. s->size is left to the caller. */
static image_err segment_span(struct segment *s, uint64_t new_start, uint64_t new_size)
{
	uint64_t front = s->start - new_start;
	size_t head = (size_t)(s->data - s->buf);
	if (front <= head && head - front + new_size <= s->capacity) {
		s->data -= front;
		s->start = (uint32_t)new_start;
		return IMAGE_OK;
	}
	uint64_t cap = new_size * 2;
	if (cap > ADDRESS_SPACE_END) {
		cap = ADDRESS_SPACE_END;
	}
	if (cap > SIZE_MAX) {
		return IMAGE_ERR_NOMEM;
	}
	uint8_t *buf = malloc((size_t)cap);
	if (!buf) {
		return IMAGE_ERR_NOMEM;
	}
	uint8_t *data = buf + (front > 0 ? cap - new_size : 0);
	memcpy(data + front, s->data, (size_t)s->size);
	free_buf(s->buf, s->capacity);
	s->buf = buf;
	s->capacity = (size_t)cap;
	s->data = data;
	s->start = (uint32_t)new_start;
	return IMAGE_OK;
}

static void put_bytes(uint8_t *dst, const uint8_t *src, size_t len, uint8_t fill)
{
	if (src) {
		memcpy(dst, src, len);
	} else {
		memset(dst, fill, len);
	}
}

/* Stores [addr, addr+len) from src (or fill when src is NULL). Every segment
 * that overlaps or touches the range is folded into one segment. */
static image_err store(struct image *img, uint32_t addr, const uint8_t *src, size_t len,
		       uint8_t fill)
{
	if (len == 0) {
		return IMAGE_OK;
	}
	uint64_t end;
	if (range_end(addr, len, &end) != IMAGE_OK) {
		return IMAGE_ERR_RANGE;
	}
	/* Segments i..j-1 overlap or touch [addr, end). */
	size_t i = first_ending_after(img, addr ? (uint64_t)addr - 1 : 0);
	size_t j = first_starting_after(img, end);
	if (i >= j) {
		/* Nothing to merge with: insert a new segment at i. */
		image_err err = reserve_segments(img, img->count + 1);
		if (err) {
			return err;
		}
		struct segment s;
		err = segment_alloc(&s, addr, len);
		if (err) {
			return err;
		}
		put_bytes(s.data, src, len, fill);
		memmove(&img->segs[i + 1], &img->segs[i],
			(img->count - i) * sizeof(struct segment));
		img->segs[i] = s;
		img->count++;
		return IMAGE_OK;
	}

	struct segment *first = &img->segs[i];
	uint64_t new_start = first->start < addr ? first->start : addr;
	uint64_t last_end = segment_end(&img->segs[j - 1]);
	uint64_t new_end = last_end > end ? last_end : end;
	uint64_t new_size = new_end - new_start;

	image_err err = segment_span(first, new_start, new_size);
	if (err) {
		return err;
	}
	for (size_t k = i + 1; k < j; k++) {
		struct segment *s = &img->segs[k];
		memcpy(first->data + (s->start - new_start), s->data, (size_t)s->size);
		free_buf(s->buf, s->capacity);
	}
	first->size = new_size;
	put_bytes(first->data + (addr - new_start), src, len, fill);
	memmove(&img->segs[i + 1], &img->segs[j], (img->count - j) * sizeof(struct segment));
	img->count -= j - (i + 1);
	return IMAGE_OK;
}

image_err image_write(struct image *img, uint32_t addr, const void *data, size_t len)
{
	if (len && !data) {
		return IMAGE_ERR_RANGE;
	}
	return store(img, addr, data, len, 0);
}

image_err image_fill(struct image *img, uint32_t addr, size_t len, uint8_t byte)
{
	return store(img, addr, NULL, len, byte);
}

image_err image_read(const struct image *img, uint32_t addr, void *out, size_t len)
{
	if (len == 0) {
		return IMAGE_OK;
	}
	uint64_t end;
	if (range_end(addr, len, &end) != IMAGE_OK) {
		return IMAGE_ERR_RANGE;
	}
	/* Segments are never adjacent, so a fully present range lies inside
	 * exactly one segment. */
	size_t i = first_ending_after(img, addr);
	if (i == img->count) {
		return IMAGE_ERR_MISSING;
	}
	const struct segment *s = &img->segs[i];
	if (s->start > addr || segment_end(s) < end) {
		return IMAGE_ERR_MISSING;
	}
	memcpy(out, s->data + (addr - s->start), len);
	return IMAGE_OK;
}

image_err image_read_filled(const struct image *img, uint32_t addr, void *out, size_t len,
			    uint8_t fill)
{
	if (len == 0) {
		return IMAGE_OK;
	}
	uint64_t end;
	if (range_end(addr, len, &end) != IMAGE_OK) {
		return IMAGE_ERR_RANGE;
	}
	uint8_t *dst = out;
	memset(dst, fill, len);
	uint64_t from, to;
	for (size_t i = first_ending_after(img, addr);
	     i < img->count && segment_clip(&img->segs[i], addr, end, &from, &to); i++) {
		const struct segment *s = &img->segs[i];
		memcpy(dst + (from - addr), s->data + (from - s->start), (size_t)(to - from));
	}
	return IMAGE_OK;
}

image_err image_remove(struct image *img, uint32_t addr, uint64_t len)
{
	if (len == 0) {
		return IMAGE_OK;
	}
	uint64_t end;
	if (range_end(addr, len, &end) != IMAGE_OK) {
		return IMAGE_ERR_RANGE;
	}
	size_t i = first_ending_after(img, addr);
	if (i == img->count || img->segs[i].start >= end) {
		return IMAGE_OK;
	}
	struct segment *s = &img->segs[i];
	if (s->start < addr && segment_end(s) > end) {
		/* The hole splits one segment in two. */
		image_err err = reserve_segments(img, img->count + 1);
		if (err) {
			return err;
		}
		s = &img->segs[i];
		struct segment tail;
		err = segment_alloc(&tail, (uint32_t)end, segment_end(s) - end);
		if (err) {
			return err;
		}
		memcpy(tail.data, s->data + (end - s->start), (size_t)tail.size);
		s->size = addr - s->start;
		memmove(&img->segs[i + 2], &img->segs[i + 1],
			(img->count - i - 1) * sizeof(struct segment));
		img->segs[i + 1] = tail;
		img->count++;
		return IMAGE_OK;
	}
	/* Trim the head segment, drop the covered ones, trim the tail one. */
	if (s->start < addr) {
		s->size = addr - s->start;
		i++;
	}
	size_t j = i;
	while (j < img->count && segment_end(&img->segs[j]) <= end) {
		free_buf(img->segs[j].buf, img->segs[j].capacity);
		j++;
	}
	if (j < img->count && img->segs[j].start < end) {
		struct segment *t = &img->segs[j];
		uint64_t cut = end - t->start;
		t->data += cut;
		t->size -= cut;
		t->start = (uint32_t)end;
	}
	memmove(&img->segs[i], &img->segs[j], (img->count - j) * sizeof(struct segment));
	img->count -= j - i;
	return IMAGE_OK;
}

bool image_overlaps(const struct image *img, uint32_t addr, uint64_t len)
{
	if (len == 0) {
		return false;
	}
	uint64_t end = range_clamp(addr, len);
	size_t i = first_ending_after(img, addr);
	return i < img->count && img->segs[i].start < end;
}

bool image_differs(const struct image *img, uint32_t addr, const void *data, size_t len,
		   uint32_t *where)
{
	const uint8_t *bytes = data;
	uint64_t end = range_clamp(addr, len);
	uint64_t from, to;
	for (size_t i = first_ending_after(img, addr);
	     i < img->count && segment_clip(&img->segs[i], addr, end, &from, &to); i++) {
		const struct segment *s = &img->segs[i];
		for (uint64_t a = from; a < to; a++) {
			if (s->data[a - s->start] != bytes[a - addr]) {
				if (where) {
					*where = (uint32_t)a;
				}
				return true;
			}
		}
	}
	return false;
}

size_t image_segment_count(const struct image *img)
{
	return img->count;
}

struct image_segment image_segment_get(const struct image *img, size_t i)
{
	struct image_segment out = {0};
	if (i < img->count) {
		out.start = img->segs[i].start;
		out.size = img->segs[i].size;
		out.data = img->segs[i].data;
	}
	return out;
}

uint64_t image_size(const struct image *img)
{
	uint64_t total = 0;
	for (size_t i = 0; i < img->count; i++) {
		total += img->segs[i].size;
	}
	return total;
}

bool image_equal(const struct image *a, const struct image *b)
{
	if (a->count != b->count) {
		return false;
	}
	for (size_t i = 0; i < a->count; i++) {
		const struct segment *x = &a->segs[i], *y = &b->segs[i];
		if (x->start != y->start || x->size != y->size ||
		    memcmp(x->data, y->data, (size_t)x->size) != 0) {
			return false;
		}
	}
	return true;
}

const char *image_strerror(image_err err)
{
	switch (err) {
	case IMAGE_OK:
		return "success";
	case IMAGE_ERR_NOMEM:
		return "out of memory";
	case IMAGE_ERR_RANGE:
		return "address range runs past 0xFFFFFFFF";
	case IMAGE_ERR_MISSING:
		return "address not present in the image";
	}
	return "unknown image error";
}
