/*
 * Intel HEX writer: 04 extended linear address records whenever the upper 16
 * address bits change, data records of a chosen size that never cross a
 * 64 KiB boundary, optional 03/05 start records, then the 01 record.
 * Upper-case hex digits and LF line ends, as objcopy and srec_cat write them.
 */
#include "image/ihex.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mbedtls/platform_util.h>

#include "image/ihex_records.h"
#include "io/fd_write.h"

/* Appends one record to out (when out is not NULL); returns its length. */
static size_t emit_record(char *out, uint8_t type, uint16_t offset, const uint8_t *data,
			  size_t count)
{
	static const char digits[] = "0123456789ABCDEF";
	size_t len = 1 + 2 * (5 + count) + 1;
	if (!out) {
		return len;
	}
	uint8_t head[4] = {(uint8_t)count, (uint8_t)(offset >> 8), (uint8_t)offset, type};
	uint8_t sum = 0;
	char *o = out;
	*o++ = ':';
	for (size_t i = 0; i < 4 + count; i++) {
		uint8_t b = i < 4 ? head[i] : data[i - 4];
		sum = (uint8_t)(sum + b);
		*o++ = digits[b >> 4];
		*o++ = digits[b & 0x0F];
	}
	uint8_t check = (uint8_t)(0x100 - sum);
	*o++ = digits[check >> 4];
	*o++ = digits[check & 0x0F];
	*o = '\n';
	return len;
}

/* Writes (or, with out NULL, measures) the whole file. */
static size_t emit_all(char *out, const struct image *img, unsigned record_size,
		       const struct ihex_info *info)
{
	size_t len = 0;
	uint32_t upper = 0; /* the ULBA is 0 until a 04 record says otherwise */
	size_t n = image_segment_count(img);
	for (size_t i = 0; i < n; i++) {
		struct image_segment s = image_segment_get(img, i);
		uint64_t addr = s.start;
		uint64_t end = s.start + s.size;
		while (addr < end) {
			uint32_t addr_upper = (uint32_t)(addr >> 16);
			if (addr_upper != upper) {
				uint8_t ulba[2] = {(uint8_t)(addr_upper >> 8), (uint8_t)addr_upper};
				len += emit_record(out ? out + len : NULL, RECORD_EXT_LINEAR, 0,
						   ulba, 2);
				upper = addr_upper;
			}
			/* A data record never crosses a 64 KiB boundary: readers
			 * that apply the 8086 modulo-64K rule would wrap it. */
			uint64_t chunk = record_size;
			uint64_t to_boundary = 0x10000 - (addr & 0xFFFF);
			if (chunk > to_boundary) {
				chunk = to_boundary;
			}
			if (chunk > end - addr) {
				chunk = end - addr;
			}
			len += emit_record(out ? out + len : NULL, RECORD_DATA,
					   (uint16_t)(addr & 0xFFFF), s.data + (addr - s.start),
					   (size_t)chunk);
			addr += chunk;
		}
	}
	if (info && info->has_start_segment) {
		uint32_t v = info->start_segment;
		uint8_t b[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8),
				(uint8_t)v};
		len += emit_record(out ? out + len : NULL, RECORD_START_SEGMENT, 0, b, 4);
	}
	if (info && info->has_start_linear) {
		uint32_t v = info->start_linear;
		uint8_t b[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8),
				(uint8_t)v};
		len += emit_record(out ? out + len : NULL, RECORD_START_LINEAR, 0, b, 4);
	}
	len += emit_record(out ? out + len : NULL, RECORD_EOF, 0, NULL, 0);
	return len;
}

ihex_err ihex_format(const struct image *img, unsigned record_size, const struct ihex_info *info,
		     char **out, size_t *out_len)
{
	*out = NULL;
	if (out_len) {
		*out_len = 0;
	}
	if (record_size == 0 || record_size > 255) {
		return IHEX_ERR_INVALID_ARG;
	}
	/* Measure first and allocate once: the text may hold key material and
	 * must not be left behind in blocks freed by realloc. */
	size_t len = emit_all(NULL, img, record_size, info);
	char *buf = malloc(len + 1);
	if (!buf) {
		return IHEX_ERR_NOMEM;
	}
	emit_all(buf, img, record_size, info);
	buf[len] = '\0';
	*out = buf;
	if (out_len) {
		*out_len = len;
	}
	return IHEX_OK;
}

/* For ihex_write_file_new: a new file, or an existing device or FIFO.
 * O_EXCL makes "is there a file?" and "create it" one step, so nothing can
 * slip in between; an existing path is opened without O_TRUNC and given up
 * untouched when it is a regular file (errno EEXIST). */
static int open_new(const char *path, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (fd >= 0 || errno != EEXIST)
		return fd;
	fd = open(path, O_WRONLY | O_CLOEXEC);
	struct stat st;
	if (fd >= 0 && (fstat(fd, &st) != 0 || S_ISREG(st.st_mode) || S_ISDIR(st.st_mode))) {
		close(fd);
		errno = EEXIST;
		return -1;
	}
	return fd;
}

static ihex_err write_file(const char *path, const struct image *img, unsigned record_size,
			   const struct ihex_info *info, unsigned mode, bool replace)
{
	char *text;
	size_t len;
	ihex_err err = ihex_format(img, record_size, info, &text, &len);
	if (err) {
		return err;
	}
	mode &= 07777;
	/* No temporary file and rename: a copy of a key must not be left in
	 * a second directory entry if we are interrupted. */
	int fd = replace ? open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, (mode_t)mode)
			 : open_new(path, (mode_t)mode);
	int saved_errno = 0;
	if (fd < 0) {
		saved_errno = errno;
		err = IHEX_ERR_IO;
	} else {
		/* open() only applies the mode to a new file (and through the
		 * umask); an existing file keeps its old, maybe wider, mode
		 * unless we set it before writing any byte. Only a regular
		 * file: a device or FIFO (-o /dev/stdout) must keep its mode
		 * (as root, fchmod would change /dev/null or the tty), and
		 * fsync fails on it with EINVAL. */
		struct stat st;
		bool regular = fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
		if ((regular && fchmod(fd, (mode_t)mode) != 0) ||
		    fd_write_all(fd, text, len, NULL) != 0 || (regular && fsync(fd) != 0)) {
			saved_errno = errno;
			err = IHEX_ERR_IO;
			/* A half-written file may end inside a key: leave it
			 * empty rather than holding part of one. */
			if (regular && ftruncate(fd, 0) != 0) {
				/* Nothing more to do: errno still reports the
				 * first failure. */
			}
		}
		if (close(fd) != 0 && !err) {
			saved_errno = errno;
			err = IHEX_ERR_IO;
		}
	}
	mbedtls_platform_zeroize(text, len);
	free(text);
	if (err) {
		errno = saved_errno;
	}
	return err;
}

ihex_err ihex_write_file(const char *path, const struct image *img, unsigned record_size,
			 const struct ihex_info *info, unsigned mode)
{
	return write_file(path, img, record_size, info, mode, true);
}

ihex_err ihex_write_file_new(const char *path, const struct image *img, unsigned record_size,
			     const struct ihex_info *info, unsigned mode)
{
	return write_file(path, img, record_size, info, mode, false);
}
