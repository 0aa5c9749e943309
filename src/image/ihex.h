/*
 * Intel HEX reader and writer. Input is hostile: every fault is reported with
 * the 1-based line number and a reason, never a crash or a silent skip.
 */
#ifndef NRFCRED_IMAGE_IHEX_H
#define NRFCRED_IMAGE_IHEX_H

#include <stddef.h>
#include <stdint.h>

#include "image/image.h"

typedef enum {
	IHEX_OK = 0,
	IHEX_ERR_IO, /* could not open / read / write the file */
	IHEX_ERR_NOMEM,
	IHEX_ERR_LINE_TOO_LONG, /* over IHEX_MAX_LINE characters */
	IHEX_ERR_NO_START_CODE, /* line does not start with ':' */
	IHEX_ERR_BAD_DIGIT,	/* a character that is not a hex digit */
	IHEX_ERR_ODD_LENGTH,	/* odd number of hex digits */
	IHEX_ERR_SHORT_RECORD,	/* fewer than the 5 fixed bytes */
	IHEX_ERR_BYTE_COUNT,	/* byte count field disagrees with the line */
	IHEX_ERR_CHECKSUM,
	IHEX_ERR_RECORD_TYPE, /* unknown type, or a type with a wrong length/address */
	IHEX_ERR_AFTER_EOF,   /* a record after the 01 record */
	IHEX_ERR_MISSING_EOF,
	IHEX_ERR_OVERLAP,      /* the same address given two different values */
	IHEX_ERR_ADDRESS_WRAP, /* data would run past 0xFFFFFFFF, or past the end of
				  its 64 KiB segment after an 02 record */
	IHEX_ERR_EMPTY,	       /* no records at all */
	IHEX_ERR_INVALID_ARG,  /* ihex_format/ihex_write_file: record_size not 1..255 */
} ihex_err;

#define IHEX_MAX_LINE 1024 /* longest legal record is 1 + 2*(5+255) = 521 chars */

struct ihex_diag {
	ihex_err err;
	unsigned line;	  /* 1-based, 0 when not about a line */
	char detail[160]; /* human-readable reason, never file content beyond a hex field */
};

struct ihex_info {
	int has_start_segment;	/* record 03 seen */
	uint32_t start_segment; /* CS << 16 | IP */
	int has_start_linear;	/* record 05 seen */
	uint32_t start_linear;
};

/* Parses buf into img (which should be empty). info and diag may be NULL.
 * Accepts LF and CRLF; ignores trailing blanks and blank lines anywhere (also
 * after the 01 record). MISSING_EOF reports the line of the last record;
 * EMPTY (no record at all) reports line 0. A file holding only the 01 record
 * is a valid empty image. On error img holds what was read before the fault;
 * info is only written on success. */
ihex_err ihex_parse(const char *buf, size_t len, struct image *img, struct ihex_info *info,
		    struct ihex_diag *diag);
/* Reads a file; *out is a new image on success (NULL on error). IO errors
 * report line 0 and the system's reason in diag->detail. */
ihex_err ihex_read_file(const char *path, struct image **out, struct ihex_info *info,
			struct ihex_diag *diag);

/* Writes 04 + 00 records (record_size 16 or 32 data bytes; any of 1..255 is
 * accepted), then 03 if info->has_start_segment, 05 if info->has_start_linear,
 * then 01. A 04 record precedes the first data record whose upper 16 address
 * bits differ from the previous one (the first is implied 0000); no data
 * record crosses a 64 KiB boundary. Upper-case hex, LF line ends.
 * Returns a malloc'd NUL-terminated string; out_len may be NULL. The caller
 * should wipe it (mbedtls_platform_zeroize) when the image holds a secret. */
ihex_err ihex_format(const struct image *img, unsigned record_size, const struct ihex_info *info,
		     char **out, size_t *out_len);
/* Writes the file directly (never through a temporary file: an image may hold
 * a private key) with the given mode, e.g. 0600; an existing file is
 * truncated and its mode set to `mode` before any byte is written, then
 * fsync'd. On IHEX_ERR_IO errno says why; a regular file that could not be
 * written completely is left empty (no partial key on disk). A device or
 * FIFO (e.g. /dev/stdout) is written as it is: no mode change, no fsync. */
ihex_err ihex_write_file(const char *path, const struct image *img, unsigned record_size,
			 const struct ihex_info *info, unsigned mode);
/* Same, but never replaces a file: when path names a regular file (or a
 * directory) already, nothing is written and it fails with IHEX_ERR_IO and
 * errno EEXIST. An existing device or FIFO (/dev/stdout) is written to. */
ihex_err ihex_write_file_new(const char *path, const struct image *img, unsigned record_size,
			     const struct ihex_info *info, unsigned mode);

const char *ihex_strerror(ihex_err err);

#endif
