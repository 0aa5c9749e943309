/*
 * Intel HEX reader and writer: every malformed-input class with its exact
 * error and line, files from srec_cat / python intelhex / objcopy, the
 * writer's exact output, and a round trip through python intelhex and
 * srec_cat (both independent of our reader).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "image/ihex.h"

/* ---- helpers ---- */

struct parsed {
	struct image *img;
	struct ihex_info info;
	struct ihex_diag diag;
	ihex_err err;
};

static struct parsed parse(const char *text)
{
	struct parsed p = {.img = image_create()};
	cr_assert_not_null(p.img);
	p.err = ihex_parse(text, strlen(text), p.img, &p.info, &p.diag);
	return p;
}

static void expect_error(const char *text, ihex_err err, unsigned line)
{
	struct parsed p = parse(text);
	cr_assert_eq(p.err, err, "got %s (line %u: %s), expected %s", ihex_strerror(p.err),
		     p.diag.line, p.diag.detail, ihex_strerror(err));
	cr_assert_eq(p.diag.err, err);
	cr_assert_eq(p.diag.line, line, "error reported on line %u, expected %u (%s)", p.diag.line,
		     line, p.diag.detail);
	cr_assert_neq(p.diag.detail[0], '\0', "no detail for %s", ihex_strerror(err));
	image_destroy(p.img);
}

static void assert_bytes(const struct image *img, uint32_t addr, const void *want, size_t len)
{
	uint8_t got[256];
	cr_assert_leq(len, sizeof(got));
	cr_assert_eq(image_read(img, addr, got, len), IMAGE_OK, "bytes at 0x%08X missing", addr);
	cr_assert_arr_eq(got, want, len, "bytes at 0x%08X differ", addr);
}

static const char *source_root(void)
{
	const char *root = getenv("NRFCRED_SOURCE_ROOT");
	cr_assert_not_null(root, "NRFCRED_SOURCE_ROOT is not set (run through meson test)");
	return root;
}

#define EOF_RECORD ":00000001FF\n"

/* ---- reading well-formed input ---- */

Test(ihex_read, places_data_record_at_its_address)
{
	struct parsed p = parse(":10100000000102030405060708090A0B0C0D0E0F68\n" EOF_RECORD);
	cr_assert_eq(p.err, IHEX_OK, "%s", p.diag.detail);
	uint8_t want[16];
	for (int i = 0; i < 16; i++) {
		want[i] = (uint8_t)i;
	}
	assert_bytes(p.img, 0x1000, want, 16);
	cr_assert_eq(image_size(p.img), 16);
	cr_assert_eq(p.info.has_start_linear, 0);
	cr_assert_eq(p.info.has_start_segment, 0);
	image_destroy(p.img);
}

Test(ihex_read, accepts_crlf_lf_and_lower_case_digits)
{
	struct parsed p = parse(":0400000001020304f2\r\n"
				":02001000abab98\n"
				":00000001ff\r\n");
	cr_assert_eq(p.err, IHEX_OK, "%s", p.diag.detail);
	assert_bytes(p.img, 0, "\x01\x02\x03\x04", 4);
	assert_bytes(p.img, 0x10, "\xAB\xAB", 2);
	image_destroy(p.img);
}

Test(ihex_read, tolerates_blank_lines_and_trailing_blanks)
{
	struct parsed p = parse("\n:0400000001020304F2  \r\n\r\n" EOF_RECORD "\n\r\n  \n");
	cr_assert_eq(p.err, IHEX_OK, "%s", p.diag.detail);
	assert_bytes(p.img, 0, "\x01\x02\x03\x04", 4);
	image_destroy(p.img);
}

Test(ihex_read, accepts_last_line_without_line_end)
{
	struct parsed p = parse(":0400000001020304F2\n:00000001FF");
	cr_assert_eq(p.err, IHEX_OK, "%s", p.diag.detail);
	image_destroy(p.img);
}

Test(ihex_read, extended_linear_address_sets_upper_16_bits)
{
	struct parsed p = parse(":020000040001F9\n:02FFFE00AABB9C\n"
				":020000040002F8\n:02000000CCDD55\n" EOF_RECORD);
	cr_assert_eq(p.err, IHEX_OK, "%s", p.diag.detail);
	assert_bytes(p.img, 0x1FFFE, "\xAA\xBB\xCC\xDD", 4);
	cr_assert_eq(image_segment_count(p.img), 1);
	image_destroy(p.img);
}

Test(ihex_read, extended_segment_address_is_segment_times_16)
{
	/* 02 record 1000 → base 0x10000; the record ends exactly at the end
	 * of its 64 KiB segment. */
	struct parsed p = parse(":020000021000EC\n:02FFFE001122CE\n" EOF_RECORD);
	cr_assert_eq(p.err, IHEX_OK, "%s", p.diag.detail);
	assert_bytes(p.img, 0x1FFFE, "\x11\x22", 2);
	image_destroy(p.img);
}

Test(ihex_read, highest_segment_address_reaches_above_1_mib)
{
	struct parsed p = parse(":02000002FFFFFE\n:02FFFE001122CE\n" EOF_RECORD);
	cr_assert_eq(p.err, IHEX_OK, "%s", p.diag.detail);
	assert_bytes(p.img, 0xFFFF0 + 0xFFFE, "\x11\x22", 2);
	image_destroy(p.img);
}

Test(ihex_read, linear_record_runs_on_past_64k_offset)
{
	/* Without 02 the spec's MOD 4G rule applies: srec_cat and intelhex
	 * both put the second byte at 0x20000. */
	struct parsed p = parse(":020000040001F9\n:02FFFF001122CD\n" EOF_RECORD);
	cr_assert_eq(p.err, IHEX_OK, "%s", p.diag.detail);
	assert_bytes(p.img, 0x1FFFF, "\x11\x22", 2);
	image_destroy(p.img);
}

Test(ihex_read, data_ending_exactly_at_4_gib_is_accepted)
{
	struct parsed p =
		parse(":02000004FFFFFC\n:10FFF000000102030405060708090A0B0C0D0E0F89\n" EOF_RECORD);
	cr_assert_eq(p.err, IHEX_OK, "%s", p.diag.detail);
	assert_bytes(p.img, 0xFFFFFFFF, "\x0F", 1);
	image_destroy(p.img);
}

Test(ihex_read, reports_start_addresses_in_info)
{
	struct parsed p = parse(":0400000500FF800177\n:0400000312345678E5\n" EOF_RECORD);
	cr_assert_eq(p.err, IHEX_OK, "%s", p.diag.detail);
	cr_assert_eq(p.info.has_start_linear, 1);
	cr_assert_eq(p.info.start_linear, 0x00FF8001u);
	cr_assert_eq(p.info.has_start_segment, 1);
	cr_assert_eq(p.info.start_segment, 0x12345678u);
	cr_assert_eq(image_size(p.img), 0);
	image_destroy(p.img);
}

Test(ihex_read, file_with_only_eof_record_is_an_empty_image)
{
	struct parsed p = parse(EOF_RECORD);
	cr_assert_eq(p.err, IHEX_OK);
	cr_assert_eq(image_segment_count(p.img), 0);
	image_destroy(p.img);
}

Test(ihex_read, identical_redefinition_is_accepted)
{
	struct parsed p = parse(":0400000001020304F2\n:0400000001020304F2\n" EOF_RECORD);
	cr_assert_eq(p.err, IHEX_OK, "%s", p.diag.detail);
	cr_assert_eq(image_size(p.img), 4);
	image_destroy(p.img);
}

/* ---- malformed input: exact error and line ---- */

Test(ihex_malformed, rejects_bad_checksum_with_line_number)
{
	expect_error(":0400000001020304F2\n:02001000ABAB99\n" EOF_RECORD, IHEX_ERR_CHECKSUM, 2);
	struct parsed p = parse(":02001000ABAB99\n" EOF_RECORD);
	cr_assert(strstr(p.diag.detail, "0x99") && strstr(p.diag.detail, "0x98"), "%s",
		  p.diag.detail);
	image_destroy(p.img);
}

Test(ihex_malformed, rejects_bad_hex_digit_with_line_number)
{
	expect_error(":0400000001020304F2\n\n:0200100GABAB98\n" EOF_RECORD, IHEX_ERR_BAD_DIGIT, 3);
	expect_error(":04000000010203 04F2\n" EOF_RECORD, IHEX_ERR_BAD_DIGIT, 1);
}

Test(ihex_malformed, rejects_nul_byte_inside_a_record)
{
	static const char text[] = ":04000000\0"
				   "1020304F2\n:00000001FF\n";
	struct image *img = image_create();
	struct ihex_diag diag;
	cr_assert_eq(ihex_parse(text, sizeof(text) - 1, img, NULL, &diag), IHEX_ERR_BAD_DIGIT);
	cr_assert_eq(diag.line, 1);
	image_destroy(img);
}

Test(ihex_malformed, rejects_odd_number_of_digits)
{
	expect_error(":0400000001020304F2\n:0400000001020304F\n" EOF_RECORD, IHEX_ERR_ODD_LENGTH,
		     2);
}

Test(ihex_malformed, rejects_record_shorter_than_five_bytes)
{
	expect_error(":00000001\n", IHEX_ERR_SHORT_RECORD, 1);
	expect_error(":\n", IHEX_ERR_SHORT_RECORD, 1);
}

Test(ihex_malformed, rejects_byte_count_that_disagrees_with_line)
{
	/* Count says 5, four data bytes present (checksum fixed up). */
	expect_error(":0500000001020304F1\n" EOF_RECORD, IHEX_ERR_BYTE_COUNT, 1);
	/* Count says 3, four present. */
	expect_error(":0300000001020304F3\n" EOF_RECORD, IHEX_ERR_BYTE_COUNT, 1);
}

Test(ihex_malformed, rejects_missing_start_code)
{
	expect_error(":0400000001020304F2\n 0400000001020304F2\n" EOF_RECORD,
		     IHEX_ERR_NO_START_CODE, 2);
	expect_error(";0400000001020304F2\n", IHEX_ERR_NO_START_CODE, 1);
}

Test(ihex_malformed, rejects_unknown_record_type)
{
	expect_error(":0400000001020304F2\n:00000006FA\n" EOF_RECORD, IHEX_ERR_RECORD_TYPE, 2);
}

Test(ihex_malformed, rejects_address_records_of_wrong_shape)
{
	/* 04 with three bytes */
	expect_error(":03000004000100F8\n" EOF_RECORD, IHEX_ERR_RECORD_TYPE, 1);
	/* 04 with a non-zero address field */
	expect_error(":020010040001E9\n" EOF_RECORD, IHEX_ERR_RECORD_TYPE, 1);
	/* 02 with one byte */
	expect_error(":0400000001020304F2\n:010000021AE3\n" EOF_RECORD, IHEX_ERR_RECORD_TYPE, 2);
	/* 05 with two bytes */
	expect_error(":020000051234B3\n" EOF_RECORD, IHEX_ERR_RECORD_TYPE, 1);
}

Test(ihex_malformed, rejects_eof_record_with_data)
{
	expect_error(":0400000001020304F2\n:01000001AA54\n", IHEX_ERR_RECORD_TYPE, 2);
}

Test(ihex_malformed, rejects_conflicting_start_addresses)
{
	expect_error(":0400000500FF800177\n:0400000500FF800276\n" EOF_RECORD, IHEX_ERR_RECORD_TYPE,
		     2);
}

Test(ihex_malformed, rejects_record_after_eof)
{
	expect_error(":0400000001020304F2\n" EOF_RECORD "\n:02001000ABAB98\n", IHEX_ERR_AFTER_EOF,
		     4);
	expect_error(EOF_RECORD EOF_RECORD, IHEX_ERR_AFTER_EOF, 2);
	/* Garbage after EOF is reported as being after EOF, not as garbage. */
	expect_error(EOF_RECORD "hello\n", IHEX_ERR_AFTER_EOF, 2);
}

Test(ihex_malformed, rejects_missing_eof_on_last_record_line)
{
	expect_error(":0400000001020304F2\n:02001000ABAB98\n\n\n", IHEX_ERR_MISSING_EOF, 2);
}

Test(ihex_malformed, rejects_input_without_records)
{
	expect_error("", IHEX_ERR_EMPTY, 0);
	expect_error("\n\r\n  \n", IHEX_ERR_EMPTY, 0);
}

Test(ihex_malformed, rejects_overlap_with_different_bytes)
{
	/* Second record gives 0x0003 the value 0xFF instead of 0x04. */
	expect_error(":0400000001020304F2\n:02000300FF04F8\n" EOF_RECORD, IHEX_ERR_OVERLAP, 2);
	struct parsed q = parse(":0400000001020304F2\n:02000300FF04F8\n" EOF_RECORD);
	cr_assert(strstr(q.diag.detail, "0x00000003"), "%s", q.diag.detail);
	image_destroy(q.img);
}

Test(ihex_malformed, rejects_data_wrapping_past_4_gib)
{
	expect_error(":02000004FFFFFC\n:10FFF800000102030405060708090A0B0C0D0E0F81\n" EOF_RECORD,
		     IHEX_ERR_ADDRESS_WRAP, 2);
}

Test(ihex_malformed, rejects_record_wrapping_inside_02_segment)
{
	/* Offset FFFF + 2 bytes after an 02 record: srec_cat wraps the second
	 * byte to the segment start, python intelhex does not; refuse. */
	expect_error(":0400000001020304F2\n:020000021000EC\n:02FFFF001122CD\n" EOF_RECORD,
		     IHEX_ERR_ADDRESS_WRAP, 3);
	/* A later 04 record returns to linear mode. */
	struct parsed p = parse(":020000021000EC\n:020000040001F9\n:02FFFF001122CD\n" EOF_RECORD);
	cr_assert_eq(p.err, IHEX_OK, "%s", p.diag.detail);
	image_destroy(p.img);
}

Test(ihex_malformed, rejects_line_over_max_length)
{
	char *text = malloc(IHEX_MAX_LINE + 64);
	strcpy(text, ":0400000001020304F2\n" EOF_RECORD);
	size_t n = strlen(text);
	memset(text + n, 'A', IHEX_MAX_LINE + 1);
	text[n + IHEX_MAX_LINE + 1] = '\n';
	text[n + IHEX_MAX_LINE + 2] = '\0';
	/* The length check comes first, even after the EOF record. */
	expect_error(text, IHEX_ERR_LINE_TOO_LONG, 3);
	free(text);
}

Test(ihex_malformed, line_of_exactly_max_length_is_not_too_long)
{
	char *text = malloc(IHEX_MAX_LINE + 64);
	text[0] = ':';
	memset(text + 1, '0', IHEX_MAX_LINE - 1);
	strcpy(text + IHEX_MAX_LINE, "\r\n");
	/* 1023 digits: the next check (odd length) decides. */
	expect_error(text, IHEX_ERR_ODD_LENGTH, 1);
	free(text);
}

Test(ihex_malformed, diag_may_be_null)
{
	struct image *img = image_create();
	cr_assert_eq(ihex_parse(":02001000ABAB99\n", 16, img, NULL, NULL), IHEX_ERR_CHECKSUM);
	image_destroy(img);
}

/* ---- files made by other tools (tests/data/hex/README.md) ---- */

static uint8_t pattern(uint32_t a)
{
	return (uint8_t)(a * 13 + (a >> 8) + 1);
}

static struct image *read_fixture(const char *name, struct ihex_info *info)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/tests/data/hex/%s", source_root(), name);
	struct image *img = NULL;
	struct ihex_diag diag;
	ihex_err err = ihex_read_file(path, &img, info, &diag);
	cr_assert_eq(err, IHEX_OK, "%s: %s (line %u: %s)", name, ihex_strerror(err), diag.line,
		     diag.detail);
	return img;
}

static void assert_pattern_runs(const struct image *img, const uint32_t (*runs)[2], size_t n)
{
	cr_assert_eq(image_segment_count(img), n);
	for (size_t i = 0; i < n; i++) {
		struct image_segment s = image_segment_get(img, i);
		cr_assert_eq(s.start, runs[i][0], "run %zu at 0x%08X", i, s.start);
		cr_assert_eq(s.size, runs[i][1], "run %zu size", i);
		for (uint32_t k = 0; k < runs[i][1]; k++) {
			cr_assert_eq(s.data[k], pattern(s.start + k), "byte at 0x%08X",
				     s.start + k);
		}
	}
}

Test(ihex_tools, reads_srec_cat_output)
{
	struct ihex_info info;
	struct image *img = read_fixture("srec_cat.hex", &info);
	const uint32_t runs[][2] = {{0x1000, 0x100}, {0x1FFF0, 0x40}, {0x20000000, 0x20}};
	assert_pattern_runs(img, runs, 3);
	image_destroy(img);
}

Test(ihex_tools, reads_python_intelhex_output)
{
	struct ihex_info info;
	struct image *img = read_fixture("intelhex.hex", &info);
	const uint32_t runs[][2] = {{0, 0x40}, {0xFFF8, 0x18}, {0xFF8000, 0x100}};
	assert_pattern_runs(img, runs, 3);
	cr_assert_eq(info.has_start_linear, 1);
	cr_assert_eq(info.start_linear, 0x00FF8001u);
	image_destroy(img);
}

Test(ihex_tools, reads_objcopy_output_with_crlf_and_segment_records)
{
	struct ihex_info info;
	struct image *img = read_fixture("objcopy.hex", &info);
	const uint32_t runs[][2] = {{0x50000, 0x400}};
	assert_pattern_runs(img, runs, 1);
	cr_assert_eq(info.has_start_segment, 1);
	cr_assert_eq(info.start_segment, 0x50000000u);
	image_destroy(img);
}

Test(ihex_tools, read_file_reports_io_error_for_missing_file)
{
	struct image *img = (struct image *)1;
	struct ihex_diag diag;
	cr_assert_eq(ihex_read_file("/nonexistent/x.hex", &img, NULL, &diag), IHEX_ERR_IO);
	cr_assert_null(img);
	cr_assert_eq(diag.line, 0);
	cr_assert(strstr(diag.detail, "No such file"), "%s", diag.detail);
}

/* ---- writer ---- */

static char *format(const struct image *img, unsigned size, const struct ihex_info *info)
{
	char *text = NULL;
	size_t len = 0;
	cr_assert_eq(ihex_format(img, size, info, &text, &len), IHEX_OK);
	cr_assert_eq(strlen(text), len);
	return text;
}

static struct image *counting_image(uint32_t addr, size_t len)
{
	struct image *img = image_create();
	for (size_t i = 0; i < len; i++) {
		uint8_t b = (uint8_t)i;
		cr_assert_eq(image_write(img, addr + (uint32_t)i, &b, 1), IMAGE_OK);
	}
	return img;
}

Test(ihex_write, formats_exact_records_without_04_below_64k)
{
	struct image *img = counting_image(0x1000, 17);
	char *text = format(img, 16, NULL);
	cr_assert_str_eq(text, ":10100000000102030405060708090A0B0C0D0E0F68\n"
			       ":0110100010CF\n"
			       ":00000001FF\n");
	free(text);
	image_destroy(img);
}

Test(ihex_write, emits_04_when_upper_bits_change_and_splits_at_64k)
{
	struct image *img = image_create();
	cr_assert_eq(image_write(img, 0x1FFFE, "\xAA\xBB\xCC\xDD", 4), IMAGE_OK);
	char *text = format(img, 32, NULL);
	cr_assert_str_eq(text, ":020000040001F9\n"
			       ":02FFFE00AABB9C\n"
			       ":020000040002F8\n"
			       ":02000000CCDD55\n"
			       ":00000001FF\n");
	free(text);
	image_destroy(img);
}

Test(ihex_write, uses_32_byte_records_and_one_04_per_64k_region)
{
	struct image *img = counting_image(0x20000000, 100);
	cr_assert_eq(image_write(img, 0x20008000, "z", 1), IMAGE_OK);
	char *text = format(img, 32, NULL);
	/* 04, four data records (32+32+32+4), the lone byte, EOF */
	int lines = 0, ext = 0;
	for (const char *l = text; *l; l = strchr(l, '\n') + 1) {
		lines++;
		ext += strncmp(l, ":02000004", 9) == 0;
	}
	cr_assert_eq(lines, 7);
	cr_assert_eq(ext, 1);
	cr_assert_eq(strncmp(text, ":020000042000DA\n:20000000000102", 31), 0, "%s", text);
	cr_assert(strstr(text, "\n:040060006061626316\n"), "%s", text);
	free(text);
	image_destroy(img);
}

Test(ihex_write, writes_start_records_before_eof_in_upper_case)
{
	struct image *img = image_create();
	cr_assert_eq(image_write(img, 0x10, "\xAB\xAB", 2), IMAGE_OK);
	struct ihex_info info = {.has_start_linear = 1, .start_linear = 0x00FF8001};
	char *text = format(img, 16, &info);
	cr_assert_str_eq(text, ":02001000ABAB98\n:0400000500FF800177\n:00000001FF\n");
	free(text);
	info.has_start_segment = 1;
	info.start_segment = 0x12345678;
	text = format(img, 16, &info);
	cr_assert_str_eq(text, ":02001000ABAB98\n:0400000312345678E5\n:0400000500FF800177\n"
			       ":00000001FF\n");
	free(text);
	image_destroy(img);
}

Test(ihex_write, empty_image_is_just_the_eof_record)
{
	struct image *img = image_create();
	char *text = format(img, 16, NULL);
	cr_assert_str_eq(text, ":00000001FF\n");
	free(text);
	image_destroy(img);
}

Test(ihex_write, rejects_record_size_out_of_range)
{
	struct image *img = image_create();
	char *text = (char *)1;
	cr_assert_eq(ihex_format(img, 0, NULL, &text, NULL), IHEX_ERR_INVALID_ARG);
	cr_assert_null(text);
	cr_assert_eq(ihex_format(img, 256, NULL, &text, NULL), IHEX_ERR_INVALID_ARG);
	image_destroy(img);
}

Test(ihex_write, format_then_parse_round_trips_at_every_record_size)
{
	struct image *img = image_create();
	unsigned seed = 7;
	for (int i = 0; i < 40; i++) {
		seed = seed * 1103515245u + 12345u;
		uint32_t addr = (seed & 0xFFFF0000u) | ((seed * 7u) & 0xFFFFu);
		uint8_t buf[300];
		for (size_t k = 0; k < sizeof(buf); k++) {
			buf[k] = (uint8_t)(seed >> (k % 24));
		}
		size_t len = 1 + seed % 300;
		if ((uint64_t)addr + len > ((uint64_t)1 << 32)) {
			len = (size_t)(((uint64_t)1 << 32) - addr);
		}
		cr_assert_eq(image_write(img, addr, buf, len), IMAGE_OK);
	}
	cr_assert_eq(image_write(img, 0xFFFFFFF0, "0123456789abcdef", 16), IMAGE_OK);
	for (unsigned size = 1; size <= 255; size += 2) {
		char *text = format(img, size, NULL);
		struct parsed p = parse(text);
		cr_assert_eq(p.err, IHEX_OK, "size %u: line %u: %s", size, p.diag.line,
			     p.diag.detail);
		cr_assert(image_equal(img, p.img), "size %u", size);
		image_destroy(p.img);
		free(text);
	}
	image_destroy(img);
}

/* ---- writing files ---- */

static char tmpdir[64];

static void make_tmpdir(void)
{
	const char *base = getenv("TMPDIR");
	snprintf(tmpdir, sizeof(tmpdir), "%s/ihexXXXXXX", base && *base ? base : "/tmp");
	cr_assert_not_null(mkdtemp(tmpdir));
}

static void remove_tmpdir(void)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	cr_assert_eq(system(cmd), 0);
}

TestSuite(ihex_file, .init = make_tmpdir, .fini = remove_tmpdir);

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	cr_assert_not_null(f, "%s: %s", path, strerror(errno));
	char *buf = malloc(1 << 20);
	*len = fread(buf, 1, (1 << 20) - 1, f);
	buf[*len] = '\0';
	fclose(f);
	return buf;
}

Test(ihex_file, write_file_truncates_and_sets_mode_of_existing_file)
{
	char path[128];
	snprintf(path, sizeof(path), "%s/out.hex", tmpdir);
	int fd = open(path, O_WRONLY | O_CREAT, 0644);
	cr_assert_geq(fd, 0);
	static const char junk[] = "old content that is longer than the new file\n"
				   "old content that is longer than the new file\n";
	cr_assert_eq(write(fd, junk, sizeof(junk) - 1), (ssize_t)sizeof(junk) - 1);
	cr_assert_eq(fchmod(fd, 0644), 0);
	close(fd);

	struct image *img = image_create();
	cr_assert_eq(image_write(img, 0x10, "\xAB\xAB", 2), IMAGE_OK);
	cr_assert_eq(ihex_write_file(path, img, 16, NULL, 0600), IHEX_OK);
	struct stat st;
	cr_assert_eq(stat(path, &st), 0);
	cr_assert_eq(st.st_mode & 07777, 0600, "mode %o", st.st_mode & 07777);
	size_t len;
	char *text = slurp(path, &len);
	cr_assert_str_eq(text, ":02001000ABAB98\n:00000001FF\n");
	free(text);
	image_destroy(img);
}

Test(ihex_file, write_file_creates_new_file_with_mode)
{
	char path[128];
	snprintf(path, sizeof(path), "%s/new.hex", tmpdir);
	struct image *img = image_create();
	cr_assert_eq(ihex_write_file(path, img, 32, NULL, 0640), IHEX_OK);
	struct stat st;
	cr_assert_eq(stat(path, &st), 0);
	cr_assert_eq(st.st_mode & 07777, 0640, "mode %o", st.st_mode & 07777);
	image_destroy(img);
}

/* -o without --force: an existing file is neither truncated, nor chmod'ed,
 * nor written to. */
Test(ihex_file, write_file_new_refuses_an_existing_file_untouched)
{
	char path[128];
	snprintf(path, sizeof(path), "%s/keep.hex", tmpdir);
	int fd = open(path, O_WRONLY | O_CREAT, 0644);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, "precious\n", 9), 9);
	cr_assert_eq(fchmod(fd, 0644), 0);
	close(fd);
	struct image *img = image_create();
	cr_assert_eq(image_write(img, 0x10, "\xAB\xAB", 2), IMAGE_OK);
	errno = 0;
	cr_assert_eq(ihex_write_file_new(path, img, 16, NULL, 0600), IHEX_ERR_IO);
	cr_assert_eq(errno, EEXIST, "errno %s", strerror(errno));
	size_t len;
	char *text = slurp(path, &len);
	cr_assert_str_eq(text, "precious\n");
	free(text);
	struct stat st;
	cr_assert_eq(stat(path, &st), 0);
	cr_assert_eq(st.st_mode & 07777, 0644, "mode %o", st.st_mode & 07777);
	/* A symlink to it is no way around the refusal. */
	char link[160];
	snprintf(link, sizeof(link), "%s/link.hex", tmpdir);
	cr_assert_eq(symlink(path, link), 0);
	errno = 0;
	cr_assert_eq(ihex_write_file_new(link, img, 16, NULL, 0600), IHEX_ERR_IO);
	cr_assert_eq(errno, EEXIST);
	image_destroy(img);
}

Test(ihex_file, write_file_new_creates_a_file_and_writes_into_a_fifo)
{
	char path[128], fifo[128];
	snprintf(path, sizeof(path), "%s/fresh.hex", tmpdir);
	snprintf(fifo, sizeof(fifo), "%s/fifo", tmpdir);
	struct image *img = image_create();
	cr_assert_eq(image_write(img, 0x10, "\xAB\xAB", 2), IMAGE_OK);
	cr_assert_eq(ihex_write_file_new(path, img, 16, NULL, 0600), IHEX_OK);
	size_t len;
	char *text = slurp(path, &len);
	cr_assert_str_eq(text, ":02001000ABAB98\n:00000001FF\n");
	free(text);
	struct stat st;
	cr_assert_eq(stat(path, &st), 0);
	cr_assert_eq(st.st_mode & 07777, 0600, "mode %o", st.st_mode & 07777);
	cr_assert_eq(mkfifo(fifo, 0644), 0);
	int reader = open(fifo, O_RDONLY | O_NONBLOCK);
	cr_assert_geq(reader, 0);
	cr_assert_eq(ihex_write_file_new(fifo, img, 16, NULL, 0600), IHEX_OK, "errno %s",
		     strerror(errno));
	char buf[64] = {0};
	cr_assert_eq(read(reader, buf, sizeof(buf) - 1), 28);
	close(reader);
	image_destroy(img);
}

Test(ihex_file, write_file_reports_io_error_and_errno)
{
	char path[128];
	snprintf(path, sizeof(path), "%s/no/such/dir.hex", tmpdir);
	struct image *img = image_create();
	errno = 0;
	cr_assert_eq(ihex_write_file(path, img, 16, NULL, 0600), IHEX_ERR_IO);
	cr_assert_eq(errno, ENOENT);
	image_destroy(img);
}

/* A write that fails half-way (here: RLIMIT_FSIZE, as a full disk would)
 * must not leave the first part of a key-holding image on disk. */
Test(ihex_file, write_file_failure_leaves_the_file_empty)
{
	char path[128];
	snprintf(path, sizeof(path), "%s/partial.hex", tmpdir);
	struct image *img = image_create();
	cr_assert_eq(image_fill(img, 0x1000, 1024, 0x5A), IMAGE_OK);
	cr_assert_neq(signal(SIGXFSZ, SIG_IGN), SIG_ERR);
	struct rlimit old, small;
	cr_assert_eq(getrlimit(RLIMIT_FSIZE, &old), 0);
	small = old;
	small.rlim_cur = 100;
	cr_assert_eq(setrlimit(RLIMIT_FSIZE, &small), 0);
	errno = 0;
	ihex_err err = ihex_write_file(path, img, 16, NULL, 0600);
	int e = errno;
	cr_assert_eq(setrlimit(RLIMIT_FSIZE, &old), 0);
	cr_assert_eq(err, IHEX_ERR_IO);
	cr_assert_eq(e, EFBIG, "errno %s", strerror(e));
	struct stat st;
	cr_assert_eq(stat(path, &st), 0);
	cr_assert_eq(st.st_size, 0, "%lld bytes left behind", (long long)st.st_size);
	image_destroy(img);
}

/* -o /dev/stdout, a pipe or a device: the writer must not chmod it (as root
 * that would change /dev/null or the tty) nor fail on fsync's EINVAL. A FIFO
 * in the temp dir stands in for such a file. */
Test(ihex_file, write_file_to_fifo_keeps_its_mode_and_succeeds)
{
	char path[128];
	snprintf(path, sizeof(path), "%s/pipe", tmpdir);
	cr_assert_eq(mkfifo(path, 0644), 0);
	cr_assert_eq(chmod(path, 0644), 0);
	int reader = open(path, O_RDONLY | O_NONBLOCK);
	cr_assert_geq(reader, 0);
	struct image *img = image_create();
	cr_assert_eq(image_write(img, 0x10, "\xAB\xAB", 2), IMAGE_OK);
	cr_assert_eq(ihex_write_file(path, img, 16, NULL, 0600), IHEX_OK, "errno %s",
		     strerror(errno));
	char buf[64] = {0};
	cr_assert_eq(read(reader, buf, sizeof(buf) - 1), 28);
	cr_assert_str_eq(buf, ":02001000ABAB98\n:00000001FF\n");
	close(reader);
	struct stat st;
	cr_assert_eq(stat(path, &st), 0);
	cr_assert_eq(st.st_mode & 07777, 0644, "mode %o", st.st_mode & 07777);
	image_destroy(img);
}
/* Runs a shell command, returns its exit status and (when out is not NULL)
 * its standard output. */
static int run(const char *cmd, char *out, size_t out_size)
{
	FILE *p = popen(cmd, "r");
	cr_assert_not_null(p, "popen %s", cmd);
	size_t n = 0;
	char sink[4096];
	for (;;) {
		char *dst = out ? out + n : sink;
		size_t room = out ? out_size - 1 - n : sizeof(sink);
		if (room == 0) {
			break;
		}
		size_t got = fread(dst, 1, room, p);
		if (got == 0) {
			break;
		}
		if (out) {
			n += got;
		}
	}
	if (out) {
		out[n] = '\0';
	}
	int status = pclose(p);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* What ihex_dump.py prints for an image: ADDR:HEXBYTES per run. */
static char *expected_dump(const struct image *img, const struct ihex_info *info)
{
	size_t cap = 64 + 2 * (size_t)image_size(img) + 16 * image_segment_count(img);
	char *buf = malloc(cap);
	size_t n = 0;
	for (size_t i = 0; i < image_segment_count(img); i++) {
		struct image_segment s = image_segment_get(img, i);
		n += (size_t)snprintf(buf + n, cap - n, "%08X:", s.start);
		for (uint64_t k = 0; k < s.size; k++) {
			n += (size_t)snprintf(buf + n, cap - n, "%02X", s.data[k]);
		}
		buf[n++] = '\n';
	}
	if (info && info->has_start_linear) {
		n += (size_t)snprintf(buf + n, cap - n, "START_LINEAR:%08X\n", info->start_linear);
	}
	buf[n] = '\0';
	return buf;
}

static void round_trip(const struct image *img, unsigned record_size, const struct ihex_info *info)
{
	char path[128], srec_path[160], py_path[160], cmd[1024];
	snprintf(path, sizeof(path), "%s/rt%u.hex", tmpdir, record_size);
	snprintf(srec_path, sizeof(srec_path), "%s.srec_cat.hex", path);
	snprintf(py_path, sizeof(py_path), "%s.intelhex.hex", path);
	cr_assert_eq(ihex_write_file(path, img, record_size, info, 0600), IHEX_OK);

	/* 1. python intelhex reads exactly the intended bytes. */
	size_t cap = 1 << 20;
	char *dump = malloc(cap);
	snprintf(cmd, sizeof(cmd), "/usr/bin/python3 '%s/tests/unit/ihex_dump.py' dump '%s'",
		 source_root(), path);
	cr_assert_eq(run(cmd, dump, cap), 0, "%s failed", cmd);
	char *want = expected_dump(img, info);
	cr_assert_str_eq(dump, want, "python intelhex read %s differently", path);
	free(want);
	free(dump);

	/* 2. srec_cat accepts it; what it re-emits reads back as the image. */
	snprintf(cmd, sizeof(cmd), "srec_cat '%s' -intel -o '%s' -intel 2>&1", path, srec_path);
	cr_assert_eq(run(cmd, NULL, 0), 0, "%s failed", cmd);
	struct image *back = NULL;
	struct ihex_diag diag;
	cr_assert_eq(ihex_read_file(srec_path, &back, NULL, &diag), IHEX_OK, "line %u: %s",
		     diag.line, diag.detail);
	cr_assert(image_equal(img, back), "srec_cat output differs for %s", path);
	image_destroy(back);

	/* 3. python intelhex rewrites it; we read that back. */
	snprintf(cmd, sizeof(cmd),
		 "/usr/bin/python3 '%s/tests/unit/ihex_dump.py' rewrite '%s' '%s'", source_root(),
		 path, py_path);
	cr_assert_eq(run(cmd, NULL, 0), 0, "%s failed", cmd);
	struct ihex_info info_back;
	cr_assert_eq(ihex_read_file(py_path, &back, &info_back, &diag), IHEX_OK, "line %u: %s",
		     diag.line, diag.detail);
	cr_assert(image_equal(img, back), "intelhex output differs for %s", path);
	if (info && info->has_start_linear) {
		cr_assert_eq(info_back.start_linear, info->start_linear);
	}
	image_destroy(back);
}

Test(ihex_file, round_trips_through_python_intelhex_and_srec_cat, .timeout = 60)
{
	struct image *img = image_create();
	uint8_t buf[0x400];
	for (size_t k = 0; k < sizeof(buf); k++) {
		buf[k] = (uint8_t)(k * 37 + 11);
	}
	cr_assert_eq(image_write(img, 0x0, buf, 0x35), IMAGE_OK);	  /* odd length */
	cr_assert_eq(image_write(img, 0xFFE0, buf, 0x53), IMAGE_OK);	  /* across 64K */
	cr_assert_eq(image_write(img, 0x1FFFF, buf, 3), IMAGE_OK);	  /* across 128K */
	cr_assert_eq(image_write(img, 0xFF8000, buf, 0x400), IMAGE_OK);	  /* high flash */
	cr_assert_eq(image_write(img, 0x20000000, buf, 0x101), IMAGE_OK); /* RAM */
	cr_assert_eq(image_write(img, 0xFFFFFFF0, buf, 16), IMAGE_OK);	  /* end of space */
	struct ihex_info info = {.has_start_linear = 1, .start_linear = 0x00FF8001};
	round_trip(img, 16, &info);
	round_trip(img, 32, NULL);
	image_destroy(img);
}

Test(ihex_file, round_trips_a_single_byte_at_an_odd_address)
{
	struct image *img = image_create();
	cr_assert_eq(image_write(img, 0x12345679, "\x5A", 1), IMAGE_OK);
	round_trip(img, 16, NULL);
	image_destroy(img);
}
