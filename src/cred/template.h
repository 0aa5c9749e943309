/*
 * Per-device templates in credential values and file paths: `${IMEI}`
 * (the modem's 15 digits), `${DEVICEID}` (FICR DEVICEID, 16 lowercase hex
 * digits, as the station logs it) and `${SLOT}` (the slot number in
 * decimal). A '$' not followed by '{' is an ordinary character. Anything
 * else between "${" and "}" is refused when the file is read, never at a
 * board: a typo must not reach the line.
 */
#ifndef NRFCRED_CRED_TEMPLATE_H
#define NRFCRED_CRED_TEMPLATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
	TEMPLATE_OK = 0,
	TEMPLATE_ERR_UNCLOSED, /* "${" without its "}" */
	TEMPLATE_ERR_NAME,     /* an unknown or empty name */
	TEMPLATE_ERR_SPACE,    /* the expansion does not fit the output */
} template_err;

/* What a board fills in. */
struct template_vars {
	const char *imei; /* 15 digits */
	uint64_t device_id;
	unsigned slot;
};

/* Whether text uses any `${...}` (valid or not). */
bool template_present(const char *text);

/* Checks every `${...}` of text. On an error, *at is the 1-based column of
 * the offending "${" and why (when not NULL) gets one line saying what is
 * wrong and what is valid. */
template_err template_check(const char *text, size_t *at, char *why, size_t whylen);

/* Expands text into out (outlen bytes with the NUL). TEMPLATE_ERR_SPACE
 * leaves out truncated; call template_check first for the others. */
template_err template_expand(const char *text, const struct template_vars *v, char *out,
			     size_t outlen);

const char *template_strerror(template_err err);

#endif
