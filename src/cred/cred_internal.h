/* Shared between the files of src/cred; not for other layers. */
#ifndef NRFCRED_CRED_INTERNAL_H
#define NRFCRED_CRED_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "cred/cred.h"

/* An owned byte buffer. data[len] is always a NUL (mbedTLS's PEM parsers need
 * it); len does not count it. It may hold key material: it lives in
 * secure_mem (locked, left out of core dumps) and is wiped when freed. */
struct cred_buf {
	uint8_t *data;
	size_t len;
};

void cred_buf_free(struct cred_buf *buf);
/* Allocates len + 1 bytes (last one NUL) and copies src in (src may be NULL
 * for an uninitialised-but-zeroed buffer). */
bool cred_buf_alloc(struct cred_buf *buf, const void *src, size_t len);

/* A growing list of warnings. */
struct cred_warnings {
	struct cred_warning *items;
	size_t count;
	size_t cap;
};

void cred_warnings_free(struct cred_warnings *w);
/* Adds one formatted warning; silently drops it on OOM (a warning is advice). */
void cred_warn(struct cred_warnings *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Moves every warning of src to the end of dst (src ends empty). */
void cred_warnings_move(struct cred_warnings *dst, struct cred_warnings *src);

/* Fills diag (if not NULL) and returns err. */
enum cred_err cred_fail(struct cred_diag *diag, enum cred_err err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* What one load is about: used for messages and checks. */
struct cred_ctx {
	uint32_t sec_tag;
	enum nrfcred_cred_type type;
	const char *label; /* "'path'" or the caller's origin, for messages */
	size_t content_max;
	time_t now; /* 0 = no validity check */
	struct cred_warnings *warnings;
	struct cred_diag *diag;
};

/* Reads a whole file (at most CRED_FILE_MAX bytes) into out. */
enum cred_err cred_file_read(const struct cred_ctx *ctx, const char *path, struct cred_buf *out);

/* ---- text / PEM helpers (cred_pem.c) */
/* True if data holds a PEM header line start ("-----BEGIN "). */
bool cred_pem_present(const uint8_t *data, size_t len);
/* Rewrites CRLF and lone CR as LF, in place. */
void cred_text_to_lf(struct cred_buf *buf);
/* CRED_ERR_BAD_CHAR naming the line of the first '"' or NUL, else CRED_OK. */
enum cred_err cred_text_check_chars(const struct cred_ctx *ctx, const uint8_t *data, size_t len);
/* Counts "-----BEGIN <label>-----" lines; copies the first label that is not
 * `want` into other (size other_len, "" if none). */
size_t cred_pem_count_blocks(const uint8_t *data, size_t len, const char *want, char *other,
			     size_t other_len);

/* ---- per type loaders: turn input into the content the modem gets.
 * raw: input is already content (table read-back): validate, do not change. */
enum cred_err cred_cert_load(const struct cred_ctx *ctx, const uint8_t *in, size_t len, bool raw,
			     struct cred_buf *out);
enum cred_err cred_key_load(const struct cred_ctx *ctx, const uint8_t *in, size_t len,
			    const char *passphrase, bool raw, struct cred_buf *out);
enum cred_err cred_psk_load(const struct cred_ctx *ctx, const uint8_t *in, size_t len, bool raw,
			    struct cred_buf *out);
enum cred_err cred_identity_load(const struct cred_ctx *ctx, const uint8_t *in, size_t len,
				 struct cred_buf *out);

/* Checks that key_pem (content of a client key) belongs to the first
 * certificate of cert_pem (content of a client certificate). Messages name
 * both labels. */
enum cred_err cred_key_check_pair(uint32_t sec_tag, const uint8_t *cert_pem, size_t cert_len,
				  const char *cert_label, const uint8_t *key_pem, size_t key_len,
				  const char *key_label, struct cred_diag *diag);

#endif
