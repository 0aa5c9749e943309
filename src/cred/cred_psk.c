/* PSK, PSK identity and sec_tag: small text formats, parsed strictly.
 * Messages give positions and lengths, never the PSK itself. */
#include "cred/cred_internal.h"

#include <ctype.h>
#include <string.h>

/* AT%CMNG type 3: the PSK goes to the modem as a hex string; TLS allows at
 * most 64 bytes here (nRF91 AT Commands, %CMNG <content>). */
#define PSK_MAX_BYTES 64
/* AT%CMNG type 4: identity of at most 128 characters. */
#define IDENTITY_MAX 128

static bool is_space(uint8_t c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static void trim_space(const uint8_t *in, size_t *start, size_t *end)
{
	while (*start < *end && is_space(in[*start]))
		(*start)++;
	while (*end > *start && is_space(in[*end - 1]))
		(*end)--;
}

static bool is_hex(uint8_t c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

enum cred_err cred_psk_load(const struct cred_ctx *ctx, const uint8_t *in, size_t len, bool raw,
			    struct cred_buf *out)
{
	out->data = NULL;
	out->len = 0;
	size_t start = 0;
	size_t end = len;
	if (!raw) {
		/* A file's trailing newline and a pasted value's spaces are not
		 * part of the key. */
		trim_space(in, &start, &end);
		if (end - start >= 2 && in[start] == '0' && (in[start + 1] | 0x20) == 'x')
			start += 2;
	}
	size_t digits = end - start;
	if (digits == 0)
		return cred_fail(ctx->diag, CRED_ERR_PSK,
				 "PSK %s is empty; give 1 to %d bytes as hex (e.g. 0a1b2c3d)",
				 ctx->label, PSK_MAX_BYTES);
	for (size_t i = start; i < end; i++)
		if (!is_hex(in[i]))
			return cred_fail(ctx->diag, CRED_ERR_PSK,
					 "PSK %s: character %zu is not a hex digit; the PSK is "
					 "written as hex (0-9, a-f), two digits per byte",
					 ctx->label, i - start + 1);
	if (digits % 2 != 0)
		return cred_fail(ctx->diag, CRED_ERR_PSK,
				 "PSK %s has %zu hex digits, an odd number; give two digits per "
				 "byte",
				 ctx->label, digits);
	if (digits / 2 > PSK_MAX_BYTES)
		return cred_fail(ctx->diag, CRED_ERR_PSK,
				 "PSK %s is %zu bytes; the modem takes at most %d bytes (%d hex "
				 "digits)",
				 ctx->label, digits / 2, PSK_MAX_BYTES, 2 * PSK_MAX_BYTES);
	if (!cred_buf_alloc(out, in + start, digits))
		return cred_fail(ctx->diag, CRED_ERR_NOMEM, "PSK %s: out of memory", ctx->label);
	if (!raw)
		for (size_t i = 0; i < digits; i++)
			out->data[i] = (uint8_t)tolower(out->data[i]);
	return CRED_OK;
}

enum cred_err cred_identity_load(const struct cred_ctx *ctx, const uint8_t *in, size_t len,
				 struct cred_buf *out)
{
	out->data = NULL;
	out->len = 0;
	/* Only a trailing line end is dropped (a file's last newline); spaces
	 * may be part of an identity. */
	size_t end = len;
	while (end > 0 && (in[end - 1] == '\n' || in[end - 1] == '\r'))
		end--;
	if (end == 0)
		return cred_fail(ctx->diag, CRED_ERR_PSK_IDENTITY, "PSK identity %s is empty",
				 ctx->label);
	if (end > IDENTITY_MAX)
		return cred_fail(ctx->diag, CRED_ERR_PSK_IDENTITY,
				 "PSK identity %s is %zu bytes; the modem takes at most %d",
				 ctx->label, end, IDENTITY_MAX);
	for (size_t i = 0; i < end; i++) {
		if (in[i] < 0x20 || in[i] > 0x7e || in[i] == '"')
			return cred_fail(ctx->diag, CRED_ERR_PSK_IDENTITY,
					 "PSK identity %s: character %zu is %s; use printable "
					 "ASCII without '\"'",
					 ctx->label, i + 1,
					 in[i] == '"' ? "a '\"'" : "not printable ASCII");
	}
	if (!cred_buf_alloc(out, in, end))
		return cred_fail(ctx->diag, CRED_ERR_NOMEM, "PSK identity %s: out of memory",
				 ctx->label);
	return CRED_OK;
}

enum cred_err cred_sec_tag_parse(const char *text, uint32_t *out, struct cred_diag *diag)
{
	if (text == NULL || out == NULL)
		return cred_fail(diag, CRED_ERR_INVALID_ARG, "sec_tag: no value");
	if (text[0] == '\0')
		return cred_fail(diag, CRED_ERR_SEC_TAG,
				 "sec_tag is empty; give a number from 0 to %u",
				 NRFCRED_SEC_TAG_MAX);
	uint64_t value = 0;
	for (const char *p = text; *p != '\0'; p++) {
		if (*p < '0' || *p > '9')
			return cred_fail(diag, CRED_ERR_SEC_TAG,
					 "sec_tag '%.32s' is not a decimal number (digits only, "
					 "0 to %u)",
					 text, NRFCRED_SEC_TAG_MAX);
		value = value * 10 + (uint64_t)(*p - '0');
		if (value > NRFCRED_SEC_TAG_MAX)
			return cred_fail(diag, CRED_ERR_SEC_TAG,
					 "sec_tag '%.32s' is out of range; the modem takes 0 to %u",
					 text, NRFCRED_SEC_TAG_MAX);
	}
	*out = (uint32_t)value;
	return CRED_OK;
}
