/* Sparse memory image: merge, overwrite, remove, overlap, the 4 GiB edge. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "image/image.h"

static struct image *img;

static void setup(void)
{
	img = image_create();
	cr_assert_not_null(img);
}

static void teardown(void)
{
	image_destroy(img);
}

TestSuite(image, .init = setup, .fini = teardown);

static void write_str(uint32_t addr, const char *s)
{
	cr_assert_eq(image_write(img, addr, s, strlen(s)), IMAGE_OK);
}

static void assert_segment(size_t i, uint32_t start, const char *bytes)
{
	struct image_segment s = image_segment_get(img, i);
	cr_assert_eq(s.start, start, "segment %zu starts at 0x%08X, expected 0x%08X", i, s.start,
		     start);
	cr_assert_eq(s.size, strlen(bytes), "segment %zu has %llu bytes", i,
		     (unsigned long long)s.size);
	cr_assert_arr_eq(s.data, bytes, strlen(bytes));
}

Test(image, new_image_is_empty)
{
	cr_assert_eq(image_segment_count(img), 0);
	cr_assert_eq(image_size(img), 0);
	uint8_t b;
	cr_assert_eq(image_read(img, 0, &b, 1), IMAGE_ERR_MISSING);
}

Test(image, write_then_read_returns_bytes)
{
	write_str(0x1000, "hello");
	char out[5];
	cr_assert_eq(image_read(img, 0x1000, out, 5), IMAGE_OK);
	cr_assert_arr_eq(out, "hello", 5);
	cr_assert_eq(image_read(img, 0x1002, out, 3), IMAGE_OK);
	cr_assert_arr_eq(out, "llo", 3);
}

Test(image, read_reports_missing_for_partly_absent_range)
{
	write_str(0x1000, "abcd");
	char out[8];
	cr_assert_eq(image_read(img, 0x0FFF, out, 2), IMAGE_ERR_MISSING);
	cr_assert_eq(image_read(img, 0x1003, out, 2), IMAGE_ERR_MISSING);
	write_str(0x1005, "x"); /* gap at 0x1004 */
	cr_assert_eq(image_read(img, 0x1000, out, 6), IMAGE_ERR_MISSING);
}

Test(image, adjacent_writes_merge_into_one_segment)
{
	write_str(0x100, "abc");
	write_str(0x103, "def");
	write_str(0xFD, "xyz");
	cr_assert_eq(image_segment_count(img), 1);
	assert_segment(0, 0xFD, "xyzabcdef");
}

Test(image, write_bridging_segments_merges_them)
{
	write_str(0x10, "aa");
	write_str(0x20, "bb");
	write_str(0x30, "cc");
	cr_assert_eq(image_segment_count(img), 3);
	write_str(0x11, "XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"); /* 0x11..0x30 */
	cr_assert_eq(image_segment_count(img), 1);
	assert_segment(0, 0x10, "aXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXc");
}

Test(image, overwrite_replaces_bytes_in_place)
{
	write_str(0x200, "0123456789");
	write_str(0x203, "abc");
	cr_assert_eq(image_segment_count(img), 1);
	assert_segment(0, 0x200, "012abc6789");
}

Test(image, write_covering_and_extending_both_ends)
{
	write_str(0x205, "mm");
	write_str(0x200, "0123456789");
	cr_assert_eq(image_segment_count(img), 1);
	assert_segment(0, 0x200, "0123456789");
}

Test(image, segments_stay_sorted_when_written_out_of_order)
{
	write_str(0x3000, "c");
	write_str(0x1000, "a");
	write_str(0x2000, "b");
	cr_assert_eq(image_segment_count(img), 3);
	assert_segment(0, 0x1000, "a");
	assert_segment(1, 0x2000, "b");
	assert_segment(2, 0x3000, "c");
	cr_assert_eq(image_size(img), 3);
}

Test(image, remove_middle_splits_segment)
{
	write_str(0x100, "abcdefgh");
	cr_assert_eq(image_remove(img, 0x102, 3), IMAGE_OK);
	cr_assert_eq(image_segment_count(img), 2);
	assert_segment(0, 0x100, "ab");
	assert_segment(1, 0x105, "fgh");
}

Test(image, remove_spanning_several_segments_trims_ends)
{
	write_str(0x100, "abcd");
	write_str(0x110, "efgh");
	write_str(0x120, "ijkl");
	cr_assert_eq(image_remove(img, 0x102, 0x120), IMAGE_OK); /* to 0x222 */
	cr_assert_eq(image_segment_count(img), 1);
	assert_segment(0, 0x100, "ab");
	write_str(0x120, "ijkl");
	cr_assert_eq(image_remove(img, 0x00, 0x122), IMAGE_OK);
	cr_assert_eq(image_segment_count(img), 1);
	assert_segment(0, 0x122, "kl");
}

Test(image, remove_of_absent_range_changes_nothing)
{
	write_str(0x100, "abcd");
	cr_assert_eq(image_remove(img, 0x104, 0x100), IMAGE_OK);
	cr_assert_eq(image_remove(img, 0, 0x100), IMAGE_OK);
	assert_segment(0, 0x100, "abcd");
}

Test(image, top_of_address_space_is_usable)
{
	write_str(0xFFFFFFFC, "wxyz");
	char out[4];
	cr_assert_eq(image_read(img, 0xFFFFFFFC, out, 4), IMAGE_OK);
	cr_assert_arr_eq(out, "wxyz", 4);
	cr_assert_eq(image_write(img, 0xFFFFFFFD, "abcd", 4), IMAGE_ERR_RANGE);
	cr_assert_eq(image_read(img, 0xFFFFFFFD, out, 4), IMAGE_ERR_RANGE);
	cr_assert(image_overlaps(img, 0xFFFFFFFF, 1));
	cr_assert_eq(image_remove(img, 0xFFFFFFFF, 2), IMAGE_ERR_RANGE);
	cr_assert_eq(image_remove(img, 0xFFFFFFFF, 1), IMAGE_OK);
	assert_segment(0, 0xFFFFFFFC, "wxy");
}

Test(image, address_zero_merges_with_following_segment)
{
	write_str(1, "bc");
	write_str(0, "a");
	cr_assert_eq(image_segment_count(img), 1);
	assert_segment(0, 0, "abc");
}

Test(image, fill_and_read_filled_use_fill_for_gaps)
{
	cr_assert_eq(image_fill(img, 0x10, 4, 0xAA), IMAGE_OK);
	cr_assert_eq(image_fill(img, 0x18, 2, 0xBB), IMAGE_OK);
	uint8_t out[12];
	cr_assert_eq(image_read_filled(img, 0x0E, out, sizeof(out), 0xFF), IMAGE_OK);
	uint8_t want[12] = {0xFF, 0xFF, 0xAA, 0xAA, 0xAA, 0xAA, 0xFF, 0xFF, 0xFF, 0xFF, 0xBB, 0xBB};
	cr_assert_arr_eq(out, want, sizeof(want));
}

Test(image, overlaps_checks_edges_exactly)
{
	write_str(0x100, "abcd"); /* 0x100..0x103 */
	cr_assert_not(image_overlaps(img, 0xF0, 0x10));
	cr_assert(image_overlaps(img, 0xF0, 0x11));
	cr_assert(image_overlaps(img, 0x103, 1));
	cr_assert_not(image_overlaps(img, 0x104, 0x1000));
	cr_assert_not(image_overlaps(img, 0x100, 0));
	cr_assert(image_overlaps(img, 0, (uint64_t)1 << 32));
}

/* addr + len past 2^64 must not wrap around to a small end address. */
Test(image, overlaps_with_huge_length_does_not_wrap)
{
	write_str(0x100, "abcd");
	cr_assert(image_overlaps(img, 0x10, UINT64_MAX));
	cr_assert(image_overlaps(img, 0x100, UINT64_MAX - 0x80));
	cr_assert_not(image_overlaps(img, 0x104, UINT64_MAX));
}

Test(image, differs_ignores_absent_bytes_and_finds_first_difference)
{
	write_str(0x100, "abcd");
	uint32_t where = 0;
	cr_assert_not(image_differs(img, 0xFE, "..abcd..", 8, &where));
	cr_assert(image_differs(img, 0xFE, "..abXd..", 8, &where));
	cr_assert_eq(where, 0x102);
}

Test(image, clone_is_deep_and_equal)
{
	write_str(0x100, "abcd");
	write_str(0x80000000, "xyz");
	struct image *copy = image_clone(img);
	cr_assert_not_null(copy);
	cr_assert(image_equal(img, copy));
	write_str(0x101, "Q");
	cr_assert_not(image_equal(img, copy));
	char out[4];
	cr_assert_eq(image_read(copy, 0x100, out, 4), IMAGE_OK);
	cr_assert_arr_eq(out, "abcd", 4);
	image_destroy(copy);
}

Test(image, equal_compares_addresses_not_only_bytes)
{
	struct image *other = image_create();
	write_str(0x100, "abcd");
	cr_assert_eq(image_write(other, 0x101, "abcd", 4), IMAGE_OK);
	cr_assert_not(image_equal(img, other));
	image_destroy(other);
}

Test(image, zero_length_operations_do_nothing)
{
	cr_assert_eq(image_write(img, 0xFFFFFFFF, "", 0), IMAGE_OK);
	cr_assert_eq(image_fill(img, 5, 0, 0), IMAGE_OK);
	cr_assert_eq(image_remove(img, 5, 0), IMAGE_OK);
	cr_assert_eq(image_segment_count(img), 0);
}

Test(image, strerror_names_every_code)
{
	cr_assert_str_eq(image_strerror(IMAGE_ERR_RANGE), "address range runs past 0xFFFFFFFF");
	cr_assert_str_neq(image_strerror(IMAGE_ERR_MISSING), image_strerror(IMAGE_ERR_NOMEM));
}

/* Random writes, fills and removes over a small window, checked after every
 * step against a flat reference model (present flag + value per byte). */
Test(image, random_operations_match_reference_model)
{
	enum { WINDOW = 512 };
	const uint32_t base = 0xFFFFFE00; /* the window ends exactly at 2^32 */
	uint8_t ref[WINDOW];
	bool present[WINDOW] = {false};
	uint8_t buf[WINDOW];
	unsigned seed = 12345;

	for (int step = 0; step < 3000; step++) {
		seed = seed * 1103515245u + 12345u;
		unsigned op = (seed >> 16) % 3;
		seed = seed * 1103515245u + 12345u;
		uint32_t off = (seed >> 8) % WINDOW;
		seed = seed * 1103515245u + 12345u;
		uint32_t len = 1 + (seed >> 8) % 24;
		if (off + len > WINDOW) {
			len = WINDOW - off;
		}
		if (op == 0) {
			for (uint32_t k = 0; k < len; k++) {
				buf[k] = (uint8_t)(step + k);
			}
			cr_assert_eq(image_write(img, base + off, buf, len), IMAGE_OK);
			memcpy(ref + off, buf, len);
			memset(present + off, true, len);
		} else if (op == 1) {
			cr_assert_eq(image_fill(img, base + off, len, (uint8_t)step), IMAGE_OK);
			memset(ref + off, (uint8_t)step, len);
			memset(present + off, true, len);
		} else {
			cr_assert_eq(image_remove(img, base + off, len), IMAGE_OK);
			memset(present + off, false, len);
		}

		/* Segments: exactly the maximal runs of present bytes. */
		size_t seg = 0;
		uint64_t total = 0;
		for (uint32_t a = 0; a < WINDOW;) {
			if (!present[a]) {
				a++;
				continue;
			}
			uint32_t run = a;
			while (run < WINDOW && present[run]) {
				run++;
			}
			cr_assert_lt(seg, image_segment_count(img), "step %d", step);
			struct image_segment s = image_segment_get(img, seg);
			cr_assert_eq(s.start, base + a, "step %d", step);
			cr_assert_eq(s.size, run - a, "step %d", step);
			cr_assert_arr_eq(s.data, ref + a, run - a, "step %d", step);
			total += run - a;
			seg++;
			a = run;
		}
		cr_assert_eq(image_segment_count(img), seg, "step %d", step);
		cr_assert_eq(image_size(img), total);
	}
}

/* Records in descending order grow a segment at its front (the slack path). */
Test(image, descending_writes_build_one_correct_segment)
{
	uint8_t block[16];
	for (int k = 999; k >= 0; k--) {
		for (int b = 0; b < 16; b++) {
			block[b] = (uint8_t)(k * 16 + b + (k >> 4));
		}
		cr_assert_eq(image_write(img, 0x10000 + (uint32_t)k * 16, block, 16), IMAGE_OK);
	}
	cr_assert_eq(image_segment_count(img), 1);
	struct image_segment s = image_segment_get(img, 0);
	cr_assert_eq(s.start, 0x10000);
	cr_assert_eq(s.size, 16000);
	for (int a = 0; a < 16000; a++) {
		int k = a / 16;
		cr_assert_eq(s.data[a], (uint8_t)(a + (k >> 4)), "byte %d", a);
	}
	/* Growing both ways after a trim keeps every byte in place. */
	cr_assert_eq(image_remove(img, 0x10000, 100), IMAGE_OK);
	cr_assert_eq(image_write(img, 0x10000 + 16000, "tail", 4), IMAGE_OK);
	cr_assert_eq(image_write(img, 0x10000 + 90, "head567890", 10), IMAGE_OK);
	s = image_segment_get(img, 0);
	cr_assert_eq(s.start, 0x10000 + 90);
	cr_assert_eq(s.size, 16000 - 90 + 4);
	cr_assert_arr_eq(s.data, "head567890", 10);
	cr_assert_eq(s.data[10], (uint8_t)(100 + (6 >> 4)));
	cr_assert_arr_eq(s.data + s.size - 4, "tail", 4);
}
