/* Buffers that wipe themselves, file reading, diagnostics and warnings. */
#include "cred/cred_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cred/secure_mem.h"

static const char *const cred_err_text[CRED_ERR_COUNT] = {
	[CRED_OK] = "success",
	[CRED_ERR_INVALID_ARG] = "invalid argument",
	[CRED_ERR_NOMEM] = "out of memory",
	[CRED_ERR_IO] = "cannot read credential file",
	[CRED_ERR_EMPTY] = "credential is empty",
	[CRED_ERR_TOO_LARGE] = "credential too large",
	[CRED_ERR_BAD_CHAR] = "credential contains '\"' or NUL",
	[CRED_ERR_TYPE] = "unsupported credential type",
	[CRED_ERR_SEC_TAG] = "invalid sec_tag",
	[CRED_ERR_CERT] = "invalid X.509 certificate",
	[CRED_ERR_KEY] = "invalid private key",
	[CRED_ERR_KEY_ENCRYPTED] = "private key is encrypted (passphrase needed)",
	[CRED_ERR_KEY_PASSPHRASE] = "wrong passphrase for private key",
	[CRED_ERR_KEY_UNSUPPORTED] = "private key encryption not supported",
	[CRED_ERR_KEY_MISMATCH] = "private key does not match certificate",
	[CRED_ERR_PSK] = "invalid PSK",
	[CRED_ERR_PSK_IDENTITY] = "invalid PSK identity",
	[CRED_ERR_DUPLICATE] = "duplicate credential",
	[CRED_ERR_TOO_MANY] = "too many credentials",
	[CRED_ERR_INTERNAL] = "internal error",
};

const char *cred_strerror(enum cred_err err)
{
	if ((unsigned)err >= CRED_ERR_COUNT)
		return "unknown error";
	return cred_err_text[err];
}

enum cred_err cred_fail(struct cred_diag *diag, enum cred_err err, const char *fmt, ...)
{
	if (diag != NULL) {
		va_list ap;
		diag->err = err;
		va_start(ap, fmt);
		vsnprintf(diag->detail, sizeof(diag->detail), fmt, ap);
		va_end(ap);
	}
	return err;
}

void cred_buf_free(struct cred_buf *buf)
{
	secure_mem_free(buf->data); /* wipes the whole block */
	buf->data = NULL;
	buf->len = 0;
}

bool cred_buf_alloc(struct cred_buf *buf, const void *src, size_t len)
{
	buf->data = secure_mem_alloc(len + 1);
	if (buf->data == NULL) {
		buf->len = 0;
		return false;
	}
	if (src != NULL && len > 0)
		memcpy(buf->data, src, len);
	buf->len = len;
	return true;
}

void cred_warnings_free(struct cred_warnings *w)
{
	free(w->items);
	w->items = NULL;
	w->count = 0;
	w->cap = 0;
}

static bool cred_warnings_reserve(struct cred_warnings *w, size_t more)
{
	if (w->count + more <= w->cap)
		return true;
	size_t cap = w->cap ? w->cap : 4;
	while (cap < w->count + more)
		cap *= 2;
	struct cred_warning *items = realloc(w->items, cap * sizeof(*items));
	if (items == NULL)
		return false;
	w->items = items;
	w->cap = cap;
	return true;
}

void cred_warn(struct cred_warnings *w, const char *fmt, ...)
{
	if (w == NULL || !cred_warnings_reserve(w, 1))
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(w->items[w->count].text, sizeof(w->items[w->count].text), fmt, ap);
	va_end(ap);
	w->count++;
}

void cred_warnings_move(struct cred_warnings *dst, struct cred_warnings *src)
{
	if (src->count > 0 && cred_warnings_reserve(dst, src->count)) {
		memcpy(&dst->items[dst->count], src->items, src->count * sizeof(*src->items));
		dst->count += src->count;
	}
	cred_warnings_free(src);
}

/* Reads by hand into one buffer sized from fstat, growing only for files
 * whose size fstat does not know (pipes); every old copy is wiped, never
 * left behind by realloc. */
enum cred_err cred_file_read(const struct cred_ctx *ctx, const char *path, struct cred_buf *out)
{
	out->data = NULL;
	out->len = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return cred_fail(ctx->diag, CRED_ERR_IO,
				 "%s %s: cannot open: %s; check the path and its permissions",
				 cred_type_name(ctx->type), ctx->label, strerror(errno));
	struct stat st;
	if (fstat(fd, &st) != 0 || S_ISDIR(st.st_mode)) {
		int e = S_ISDIR(st.st_mode) ? EISDIR : errno;
		close(fd);
		return cred_fail(ctx->diag, CRED_ERR_IO,
				 "%s %s: cannot read: %s; give a regular file",
				 cred_type_name(ctx->type), ctx->label, strerror(e));
	}
	if (S_ISREG(st.st_mode) && (uintmax_t)st.st_size > CRED_FILE_MAX) {
		close(fd);
		return cred_fail(ctx->diag, CRED_ERR_TOO_LARGE,
				 "%s %s: file is %jd bytes; a credential file may be at most %u "
				 "bytes",
				 cred_type_name(ctx->type), ctx->label, (intmax_t)st.st_size,
				 CRED_FILE_MAX);
	}
	size_t cap = S_ISREG(st.st_mode) && st.st_size > 0 ? (size_t)st.st_size + 1 : 4096;
	struct cred_buf buf;
	if (!cred_buf_alloc(&buf, NULL, cap)) {
		close(fd);
		return cred_fail(ctx->diag, CRED_ERR_NOMEM, "%s %s: out of memory",
				 cred_type_name(ctx->type), ctx->label);
	}
	size_t len = 0;
	for (;;) {
		if (len == cap) {
			if (cap >= CRED_FILE_MAX + 1) {
				buf.len = cap;
				cred_buf_free(&buf);
				close(fd);
				return cred_fail(ctx->diag, CRED_ERR_TOO_LARGE,
						 "%s %s: more than %u bytes; too large for a "
						 "credential file",
						 cred_type_name(ctx->type), ctx->label,
						 CRED_FILE_MAX);
			}
			struct cred_buf bigger;
			if (!cred_buf_alloc(&bigger, NULL, cap * 2)) {
				buf.len = cap;
				cred_buf_free(&buf);
				close(fd);
				return cred_fail(ctx->diag, CRED_ERR_NOMEM, "%s %s: out of memory",
						 cred_type_name(ctx->type), ctx->label);
			}
			memcpy(bigger.data, buf.data, cap);
			buf.len = cap;
			cred_buf_free(&buf);
			buf = bigger;
			cap *= 2;
		}
		ssize_t n = read(fd, buf.data + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;
			buf.len = cap;
			cred_buf_free(&buf);
			close(fd);
			return cred_fail(ctx->diag, CRED_ERR_IO,
					 "%s %s: read failed: %s; check the file and retry",
					 cred_type_name(ctx->type), ctx->label, strerror(e));
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	if (len > CRED_FILE_MAX) {
		buf.len = cap;
		cred_buf_free(&buf);
		return cred_fail(ctx->diag, CRED_ERR_TOO_LARGE,
				 "%s %s: more than %u bytes; too large for a credential file",
				 cred_type_name(ctx->type), ctx->label, CRED_FILE_MAX);
	}
	buf.data[len] = 0; /* the NUL cred_buf promises (cap > len here) */
	buf.len = len;
	*out = buf;
	return CRED_OK;
}
