/* Text checks shared by the loaders: PEM block scanning, line endings and
 * the characters AT%CMNG cannot carry. */
#include "cred/cred_internal.h"

#include <string.h>

#define PEM_BEGIN  "-----BEGIN "
#define PEM_DASHES "-----"

bool cred_pem_present(const uint8_t *data, size_t len)
{
	return memmem(data, len, PEM_BEGIN, strlen(PEM_BEGIN)) != NULL;
}

void cred_text_to_lf(struct cred_buf *buf)
{
	size_t w = 0;
	for (size_t r = 0; r < buf->len; r++) {
		uint8_t c = buf->data[r];
		if (c == '\r') {
			if (r + 1 < buf->len && buf->data[r + 1] == '\n')
				continue; /* CRLF: keep only the LF that follows */
			c = '\n';
		}
		buf->data[w++] = c;
	}
	/* Wipe the freed tail: it may hold key text. */
	memset(buf->data + w, 0, buf->len - w);
	buf->len = w;
}

/* AT%CMNG carries the content inside a quoted string, and the firmware
 * passes it as a C string: a '"' would end the argument early and a NUL would
 * truncate it (nRF91 AT Commands, %CMNG: "<content> ... in double quotes"). */
enum cred_err cred_text_check_chars(const struct cred_ctx *ctx, const uint8_t *data, size_t len)
{
	size_t line = 1;
	for (size_t i = 0; i < len; i++) {
		if (data[i] == '\n')
			line++;
		if (data[i] == '"' || data[i] == '\0')
			return cred_fail(ctx->diag, CRED_ERR_BAD_CHAR,
					 "%s %s: line %zu contains %s, which the modem cannot "
					 "store (AT%%CMNG quotes the content); remove it",
					 cred_type_name(ctx->type), ctx->label, line,
					 data[i] == '"' ? "a '\"'" : "a NUL byte");
	}
	return CRED_OK;
}

size_t cred_pem_count_blocks(const uint8_t *data, size_t len, const char *want, char *other,
			     size_t other_len)
{
	size_t count = 0;
	size_t pos = 0;
	const size_t begin_len = strlen(PEM_BEGIN);
	if (other_len > 0)
		other[0] = '\0';
	while (pos < len) {
		const uint8_t *hit = memmem(data + pos, len - pos, PEM_BEGIN, begin_len);
		if (hit == NULL)
			break;
		size_t start = (size_t)(hit - data) + begin_len;
		/* The label runs up to the closing dashes on the same line. */
		size_t end = start;
		while (end < len && data[end] != '\n' && data[end] != '\r' &&
		       !(len - end >= 5 && memcmp(data + end, PEM_DASHES, 5) == 0))
			end++;
		size_t label_len = end - start;
		count++;
		bool is_want =
			label_len == strlen(want) && memcmp(data + start, want, label_len) == 0;
		if (!is_want && other_len > 0 && other[0] == '\0') {
			size_t n = label_len < other_len - 1 ? label_len : other_len - 1;
			for (size_t i = 0; i < n; i++) {
				uint8_t c = data[start + i];
				/* A label is printable ASCII; anything else is shown as '?'. */
				other[i] = (c >= 0x20 && c < 0x7f && c != '"') ? (char)c : '?';
			}
			other[n] = '\0';
			if (n == 0 && other_len > 1) {
				other[0] = '?';
				other[1] = '\0';
			}
		}
		pos = end;
	}
	return count;
}
