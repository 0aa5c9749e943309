/*
 * Sparse memory image: a set of non-overlapping, non-adjacent byte runs
 * ("segments") over the full 32-bit address space, kept sorted by address.
 * Writing over existing bytes replaces them; adjacent runs are merged.
 */
#ifndef NRFCRED_IMAGE_IMAGE_H
#define NRFCRED_IMAGE_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
	IMAGE_OK = 0,
	IMAGE_ERR_NOMEM = -1,
	IMAGE_ERR_RANGE = -2,	/* addr + len goes past 0xFFFFFFFF */
	IMAGE_ERR_MISSING = -3, /* a requested byte is not in the image */
} image_err;

struct image;

struct image_segment {
	uint32_t start;
	uint64_t size;	     /* may reach 2^32 for a full-space image */
	const uint8_t *data; /* valid until the image is next modified */
};

struct image *image_create(void);
void image_destroy(struct image *img);
/* Deep copy; NULL on allocation failure. */
struct image *image_clone(const struct image *img);

/* Stores len bytes at addr, replacing what was there. */
image_err image_write(struct image *img, uint32_t addr, const void *data, size_t len);
/* Fills [addr, addr+len) with byte. */
image_err image_fill(struct image *img, uint32_t addr, size_t len, uint8_t byte);
/* Copies [addr, addr+len) out; IMAGE_ERR_MISSING if any byte is absent. */
image_err image_read(const struct image *img, uint32_t addr, void *out, size_t len);
/* Like image_read, but absent bytes read as fill (e.g. 0xFF for erased flash). */
image_err image_read_filled(const struct image *img, uint32_t addr, void *out, size_t len,
			    uint8_t fill);
/* Removes [addr, addr+len) from the image (bytes become absent). */
image_err image_remove(struct image *img, uint32_t addr, uint64_t len);
/* True when any byte of [addr, addr+len) is present. */
bool image_overlaps(const struct image *img, uint32_t addr, uint64_t len);
/* True when some byte of [addr, addr+len) is present with a value other than
 * data's; *where (may be NULL) receives the first such address. Absent bytes
 * never differ. */
bool image_differs(const struct image *img, uint32_t addr, const void *data, size_t len,
		   uint32_t *where);

size_t image_segment_count(const struct image *img);
/* i < image_segment_count(); segments are sorted and never adjacent. */
struct image_segment image_segment_get(const struct image *img, size_t i);
/* Number of bytes present. */
uint64_t image_size(const struct image *img);
/* True when the two images hold exactly the same bytes at the same addresses. */
bool image_equal(const struct image *a, const struct image *b);

const char *image_strerror(image_err err);

#endif
