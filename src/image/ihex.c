/*
 * Intel HEX reader (the writer is ihex_write.c) and ihex_strerror.
 *
 * Format: Intel "Hexadecimal Object File Format Specification" rev. A (1988).
 * Each record is ':' LL AAAA TT DD... CC with LL data bytes, and the checksum
 * CC makes the sum of all record bytes 0 modulo 256.
 *
 * Reader rules (what real files need, and where this reader is strict):
 * - LF and CRLF line ends; trailing spaces and tabs are ignored.
 * - Blank lines are skipped anywhere, also after the 01 record (editors and
 *   some tools leave them at the end). Any other line after 01 is an error.
 * - Hex digits in either case.
 * - 00 data: address = base + offset, where base comes from the last 04
 *   (ULBA << 16) or 02 (segment << 4) record (0 before either).
 * - Linear mode (04, or no address record yet): a record's bytes run on past
 *   a 64 KiB offset boundary into the next region, as the spec's
 *   "(LBA + DRLO + DRI) MOD 4G" and srec_cat and python intelhex all agree;
 *   bytes that would pass 0xFFFFFFFF are an error, never wrapped to 0.
 * - Segment mode (after 02): the spec wraps the offset modulo 64K inside the
 *   segment, srec_cat does so, python intelhex does not. A record that
 *   crosses the end of its segment is therefore ambiguous and rejected as an
 *   address wrap rather than read one way or the other.
 * - 01, 02, 03, 04, 05 must carry their fixed length; 02-05 must have address
 *   field 0000 (as intelhex requires). 01 may carry any address field.
 * - The same address given twice with the same value is accepted (merged
 *   hex files repeat records); with a different value it is an error.
 * - A repeated 03 or 05 record must repeat the same start address.
 */
#include "image/ihex.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mbedtls/platform_util.h>

#include "image/ihex_records.h"

#define ADDRESS_SPACE_END ((uint64_t)1 << 32)
/* Refuse files over 1 GiB (~370 MiB of data): bounds memory on hostile
 * input; no flash image comes near it. */
#define IHEX_MAX_FILE ((size_t)1 << 30)

struct parser {
	struct image *img;
	struct ihex_info info;
	struct ihex_diag *diag;
	unsigned line;
	uint64_t base;	   /* from the last 02 or 04 record */
	bool segment_mode; /* the last address record was 02 */
	bool seen_eof;
};

/* A decoded record: bytes[0] = length, [1..2] = offset, [3] = type. */
struct record {
	uint8_t bytes[5 + 255];
	size_t nbytes;
	uint8_t count;
	uint16_t offset;
	uint8_t type;
	const uint8_t *data;
};

__attribute__((format(printf, 4, 5))) static ihex_err fail(struct ihex_diag *diag, ihex_err err,
							   unsigned line, const char *fmt, ...)
{
	if (diag) {
		diag->err = err;
		diag->line = line;
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(diag->detail, sizeof(diag->detail), fmt, ap);
		va_end(ap);
	}
	return err;
}

static int hex_value(unsigned char c)
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

/* Decodes one non-blank line (without its line end) into rec. */
static ihex_err decode_record(struct parser *p, const char *line, size_t len, struct record *rec)
{
	if (line[0] != ':') {
		return fail(p->diag, IHEX_ERR_NO_START_CODE, p->line,
			    "record does not start with ':'");
	}
	const char *digits = line + 1;
	size_t ndigits = len - 1;
	for (size_t i = 0; i < ndigits; i++) {
		if (hex_value((unsigned char)digits[i]) < 0) {
			return fail(p->diag, IHEX_ERR_BAD_DIGIT, p->line,
				    "character 0x%02X at column %zu is not a hex digit",
				    (unsigned char)digits[i], i + 2);
		}
	}
	if (ndigits % 2) {
		return fail(p->diag, IHEX_ERR_ODD_LENGTH, p->line, "odd number of hex digits (%zu)",
			    ndigits);
	}
	rec->nbytes = ndigits / 2;
	if (rec->nbytes < 5) {
		return fail(p->diag, IHEX_ERR_SHORT_RECORD, p->line,
			    "record has %zu bytes, at least 5 needed", rec->nbytes);
	}
	/* The line length limit keeps nbytes within the buffer; check anyway. */
	if (rec->nbytes > sizeof(rec->bytes)) {
		return fail(p->diag, IHEX_ERR_BYTE_COUNT, p->line,
			    "record of %zu bytes is longer than 260", rec->nbytes);
	}
	uint8_t sum = 0;
	for (size_t i = 0; i < rec->nbytes; i++) {
		rec->bytes[i] = (uint8_t)(hex_value((unsigned char)digits[2 * i]) << 4 |
					  hex_value((unsigned char)digits[2 * i + 1]));
		sum = (uint8_t)(sum + rec->bytes[i]);
	}
	rec->count = rec->bytes[0];
	if ((size_t)rec->count != rec->nbytes - 5) {
		return fail(p->diag, IHEX_ERR_BYTE_COUNT, p->line,
			    "byte count field says %u data bytes, the record holds %zu", rec->count,
			    rec->nbytes - 5);
	}
	if (sum != 0) {
		uint8_t given = rec->bytes[rec->nbytes - 1];
		uint8_t expected = (uint8_t)(given - sum);
		return fail(p->diag, IHEX_ERR_CHECKSUM, p->line,
			    "checksum is 0x%02X, the record needs 0x%02X", given, expected);
	}
	rec->offset = (uint16_t)(rec->bytes[1] << 8 | rec->bytes[2]);
	rec->type = rec->bytes[3];
	rec->data = &rec->bytes[4];
	return IHEX_OK;
}

static uint32_t be32(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

static ihex_err check_shape(struct parser *p, const struct record *rec, unsigned want_count,
			    const char *name)
{
	if (rec->count != want_count) {
		return fail(p->diag, IHEX_ERR_RECORD_TYPE, p->line,
			    "%s record has %u data bytes, must have %u", name, rec->count,
			    want_count);
	}
	if (rec->type != RECORD_EOF && rec->offset != 0) {
		return fail(p->diag, IHEX_ERR_RECORD_TYPE, p->line,
			    "%s record has address field 0x%04X, must be 0000", name, rec->offset);
	}
	return IHEX_OK;
}

static ihex_err apply_data(struct parser *p, const struct record *rec)
{
	uint64_t addr = p->base + rec->offset;
	if (p->segment_mode && (uint32_t)rec->offset + rec->count > 0x10000) {
		return fail(p->diag, IHEX_ERR_ADDRESS_WRAP, p->line,
			    "%u bytes at offset 0x%04X cross the end of the 64 KiB segment "
			    "(the 8086 rule wraps them, other readers do not)",
			    rec->count, rec->offset);
	}
	if (addr + rec->count > ADDRESS_SPACE_END) {
		return fail(p->diag, IHEX_ERR_ADDRESS_WRAP, p->line,
			    "%u bytes at 0x%08llX run past 0xFFFFFFFF", rec->count,
			    (unsigned long long)addr);
	}
	if (rec->count == 0) {
		return IHEX_OK;
	}
	uint32_t where;
	/* Never put the conflicting values in the message: an image may hold
	 * key material. */
	if (image_differs(p->img, (uint32_t)addr, rec->data, rec->count, &where)) {
		return fail(p->diag, IHEX_ERR_OVERLAP, p->line,
			    "address 0x%08X already holds a different value", (unsigned)where);
	}
	if (image_write(p->img, (uint32_t)addr, rec->data, rec->count) != IMAGE_OK) {
		return fail(p->diag, IHEX_ERR_NOMEM, p->line, "out of memory");
	}
	return IHEX_OK;
}

static ihex_err apply_start(struct parser *p, const struct record *rec, int *has, uint32_t *value,
			    const char *name)
{
	ihex_err err = check_shape(p, rec, 4, name);
	if (err) {
		return err;
	}
	uint32_t v = be32(rec->data);
	if (*has && *value != v) {
		return fail(p->diag, IHEX_ERR_RECORD_TYPE, p->line,
			    "second %s record gives a different start address", name);
	}
	*has = 1;
	*value = v;
	return IHEX_OK;
}

static ihex_err apply_record(struct parser *p, const struct record *rec)
{
	ihex_err err;
	switch (rec->type) {
	case RECORD_DATA:
		return apply_data(p, rec);
	case RECORD_EOF:
		err = check_shape(p, rec, 0, "end-of-file (01)");
		if (!err) {
			p->seen_eof = true;
		}
		return err;
	case RECORD_EXT_SEGMENT:
		err = check_shape(p, rec, 2, "extended segment address (02)");
		if (!err) {
			p->base = (uint64_t)(rec->data[0] << 8 | rec->data[1]) << 4;
			p->segment_mode = true;
		}
		return err;
	case RECORD_START_SEGMENT:
		return apply_start(p, rec, &p->info.has_start_segment, &p->info.start_segment,
				   "start segment address (03)");
	case RECORD_EXT_LINEAR:
		err = check_shape(p, rec, 2, "extended linear address (04)");
		if (!err) {
			p->base = (uint64_t)(rec->data[0] << 8 | rec->data[1]) << 16;
			p->segment_mode = false;
		}
		return err;
	case RECORD_START_LINEAR:
		return apply_start(p, rec, &p->info.has_start_linear, &p->info.start_linear,
				   "start linear address (05)");
	default:
		return fail(p->diag, IHEX_ERR_RECORD_TYPE, p->line, "unknown record type 0x%02X",
			    rec->type);
	}
}

static bool is_trailing_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

ihex_err ihex_parse(const char *buf, size_t len, struct image *img, struct ihex_info *info,
		    struct ihex_diag *diag)
{
	struct parser p = {.img = img, .diag = diag};
	struct record rec;
	unsigned last_record_line = 0;
	size_t pos = 0;
	ihex_err err = IHEX_OK;

	if (diag) {
		memset(diag, 0, sizeof(*diag));
	}
	while (pos < len) {
		const char *line = buf + pos;
		const char *nl = memchr(line, '\n', len - pos);
		size_t line_len = nl ? (size_t)(nl - line) : len - pos;
		pos += line_len + (nl ? 1 : 0);
		if (p.line == UINT_MAX) {
			err = fail(diag, IHEX_ERR_LINE_TOO_LONG, p.line, "too many lines");
			break;
		}
		p.line++;

		/* The limit counts the characters before a CRLF or LF. */
		bool crlf = line_len > 0 && line[line_len - 1] == '\r';
		size_t raw_len = line_len - (crlf ? 1 : 0);
		if (raw_len > IHEX_MAX_LINE) {
			err = fail(diag, IHEX_ERR_LINE_TOO_LONG, p.line,
				   "line has %zu characters, at most %d allowed", raw_len,
				   IHEX_MAX_LINE);
			break;
		}
		while (line_len > 0 && is_trailing_space(line[line_len - 1])) {
			line_len--;
		}
		if (line_len == 0) {
			continue;
		}
		if (p.seen_eof) {
			err = fail(diag, IHEX_ERR_AFTER_EOF, p.line,
				   "record after the end-of-file record on line %u",
				   last_record_line);
			break;
		}
		last_record_line = p.line;
		err = decode_record(&p, line, line_len, &rec);
		if (!err) {
			err = apply_record(&p, &rec);
		}
		if (err) {
			break;
		}
	}
	/* The decoded record may hold image bytes (key material). */
	mbedtls_platform_zeroize(&rec, sizeof(rec));
	if (err) {
		return err;
	}
	if (last_record_line == 0) {
		return fail(diag, IHEX_ERR_EMPTY, 0, "no records");
	}
	if (!p.seen_eof) {
		return fail(diag, IHEX_ERR_MISSING_EOF, last_record_line,
			    "no end-of-file (01) record after the last record");
	}
	if (info) {
		*info = p.info;
	}
	return IHEX_OK;
}

/* Reads the whole file into a malloc'd buffer. */
static ihex_err read_all(const char *path, char **out, size_t *out_len, struct ihex_diag *diag)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		return fail(diag, IHEX_ERR_IO, 0, "cannot open: %s", strerror(errno));
	}
	struct stat st;
	if (fstat(fd, &st) != 0) {
		int e = errno;
		close(fd);
		return fail(diag, IHEX_ERR_IO, 0, "cannot stat: %s", strerror(e));
	}
	if (S_ISDIR(st.st_mode)) {
		close(fd);
		return fail(diag, IHEX_ERR_IO, 0, "is a directory");
	}
	/* Size the buffer once from st_size (regular files) so that a file
	 * holding a key is never copied around by realloc. */
	size_t cap = S_ISREG(st.st_mode) && st.st_size > 0 ? (size_t)st.st_size + 1 : 65536;
	if (cap > IHEX_MAX_FILE) {
		close(fd);
		return fail(diag, IHEX_ERR_IO, 0, "file larger than %zu bytes", IHEX_MAX_FILE);
	}
	char *buf = malloc(cap);
	if (!buf) {
		close(fd);
		return fail(diag, IHEX_ERR_NOMEM, 0, "out of memory");
	}
	size_t len = 0;
	for (;;) {
		if (len == cap) {
			size_t new_cap = cap * 2;
			char *grown = new_cap <= IHEX_MAX_FILE ? malloc(new_cap) : NULL;
			if (!grown) {
				mbedtls_platform_zeroize(buf, len);
				free(buf);
				close(fd);
				return new_cap > IHEX_MAX_FILE
					       ? fail(diag, IHEX_ERR_IO, 0,
						      "file larger than %zu bytes", IHEX_MAX_FILE)
					       : fail(diag, IHEX_ERR_NOMEM, 0, "out of memory");
			}
			memcpy(grown, buf, len);
			mbedtls_platform_zeroize(buf, len);
			free(buf);
			buf = grown;
			cap = new_cap;
		}
		ssize_t n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n < 0) {
			int e = errno;
			mbedtls_platform_zeroize(buf, len);
			free(buf);
			close(fd);
			return fail(diag, IHEX_ERR_IO, 0, "read error: %s", strerror(e));
		}
		if (n == 0) {
			break;
		}
		len += (size_t)n;
	}
	close(fd);
	*out = buf;
	*out_len = len;
	return IHEX_OK;
}

ihex_err ihex_read_file(const char *path, struct image **out, struct ihex_info *info,
			struct ihex_diag *diag)
{
	char *buf = NULL; /* initialised for gcc -O3 -Wmaybe-uninitialized */
	size_t len = 0;
	*out = NULL;
	if (diag) {
		memset(diag, 0, sizeof(*diag));
	}
	ihex_err err = read_all(path, &buf, &len, diag);
	if (err) {
		return err;
	}
	struct image *img = image_create();
	if (!img) {
		err = fail(diag, IHEX_ERR_NOMEM, 0, "out of memory");
	} else {
		err = ihex_parse(buf, len, img, info, diag);
	}
	mbedtls_platform_zeroize(buf, len);
	free(buf);
	if (err) {
		image_destroy(img);
		return err;
	}
	*out = img;
	return IHEX_OK;
}

const char *ihex_strerror(ihex_err err)
{
	switch (err) {
	case IHEX_OK:
		return "success";
	case IHEX_ERR_IO:
		return "input/output error";
	case IHEX_ERR_NOMEM:
		return "out of memory";
	case IHEX_ERR_LINE_TOO_LONG:
		return "line too long";
	case IHEX_ERR_NO_START_CODE:
		return "record does not start with ':'";
	case IHEX_ERR_BAD_DIGIT:
		return "invalid hex digit";
	case IHEX_ERR_ODD_LENGTH:
		return "odd number of hex digits";
	case IHEX_ERR_SHORT_RECORD:
		return "record too short";
	case IHEX_ERR_BYTE_COUNT:
		return "byte count does not match the record length";
	case IHEX_ERR_CHECKSUM:
		return "checksum mismatch";
	case IHEX_ERR_RECORD_TYPE:
		return "bad record type, length or address field";
	case IHEX_ERR_AFTER_EOF:
		return "record after the end-of-file record";
	case IHEX_ERR_MISSING_EOF:
		return "missing end-of-file record";
	case IHEX_ERR_OVERLAP:
		return "address given two different values";
	case IHEX_ERR_ADDRESS_WRAP:
		return "data runs past address 0xFFFFFFFF";
	case IHEX_ERR_EMPTY:
		return "no records";
	case IHEX_ERR_INVALID_ARG:
		return "invalid argument";
	}
	return "unknown Intel HEX error";
}
