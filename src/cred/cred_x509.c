/* Certificates: PEM or DER in, PEM text out, checked with mbedTLS X.509. */
#include "cred/cred_internal.h"

#include <stdio.h>
#include <string.h>

#include <mbedtls/error.h>
#include <mbedtls/pem.h>
#include <mbedtls/x509_crt.h>

#define PEM_CERT_BEGIN "-----BEGIN CERTIFICATE-----\n"
#define PEM_CERT_END   "-----END CERTIFICATE-----\n"

static long long x509_time_key(int year, int mon, int day, int hour, int min, int sec)
{
	return ((((year * 100LL + mon) * 100 + day) * 100 + hour) * 100 + min) * 100 + sec;
}

static void x509_time_text(const mbedtls_x509_time *t, char *out, size_t len)
{
	snprintf(out, len, "%04d-%02d-%02d %02d:%02d:%02d UTC", t->year, t->mon, t->day, t->hour,
		 t->min, t->sec);
}

/* Warns (never fails) for each certificate outside its validity period:
 * the modem would store it, but a TLS peer would reject it. */
static void cert_warn_validity(const struct cred_ctx *ctx, const mbedtls_x509_crt *chain,
			       size_t total)
{
	if (ctx->now == 0)
		return;
	struct tm tm;
	if (gmtime_r(&ctx->now, &tm) == NULL)
		return;
	long long now = x509_time_key(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
				      tm.tm_min, tm.tm_sec);
	size_t index = 0;
	for (const mbedtls_x509_crt *c = chain; c != NULL && c->raw.len > 0; c = c->next) {
		index++;
		const mbedtls_x509_time *from = &c->valid_from;
		const mbedtls_x509_time *to = &c->valid_to;
		long long start = x509_time_key(from->year, from->mon, from->day, from->hour,
						from->min, from->sec);
		long long end =
			x509_time_key(to->year, to->mon, to->day, to->hour, to->min, to->sec);
		if (now >= start && now <= end)
			continue;
		char subject[96];
		char from_text[32];
		char to_text[32];
		if (mbedtls_x509_dn_gets(subject, sizeof(subject), &c->subject) < 0)
			snprintf(subject, sizeof(subject), "?");
		x509_time_text(from, from_text, sizeof(from_text));
		x509_time_text(to, to_text, sizeof(to_text));
		cred_warn(ctx->warnings,
			  "%s %s (sec_tag %u): certificate %zu of %zu (%s) %s %s (valid %s to %s)",
			  cred_type_name(ctx->type), ctx->label, (unsigned)ctx->sec_tag, index,
			  total, subject, now < start ? "is not valid before" : "expired on",
			  now < start ? from_text : to_text, from_text, to_text);
	}
}

static enum cred_err cert_der_to_pem(const struct cred_ctx *ctx, const uint8_t *der, size_t len,
				     struct cred_buf *out)
{
	mbedtls_x509_crt crt;
	mbedtls_x509_crt_init(&crt);
	int ret = mbedtls_x509_crt_parse_der(&crt, der, len);
	size_t raw_len = crt.raw.len;
	mbedtls_x509_crt_free(&crt);
	if (ret != 0) {
		char why[100];
		mbedtls_strerror(ret, why, sizeof(why));
		return cred_fail(ctx->diag, CRED_ERR_CERT,
				 "%s %s: neither a PEM certificate nor a DER X.509 certificate "
				 "(%s); give the certificate file itself",
				 cred_type_name(ctx->type), ctx->label, why);
	}
	if (raw_len != len)
		return cred_fail(ctx->diag, CRED_ERR_CERT,
				 "%s %s: DER certificate is followed by %zu extra bytes; give one "
				 "certificate per DER file (or use PEM for a chain)",
				 cred_type_name(ctx->type), ctx->label, len - raw_len);
	size_t need = 0;
	mbedtls_pem_write_buffer(PEM_CERT_BEGIN, PEM_CERT_END, der, len, NULL, 0, &need);
	if (!cred_buf_alloc(out, NULL, need))
		return cred_fail(ctx->diag, CRED_ERR_NOMEM, "%s %s: out of memory",
				 cred_type_name(ctx->type), ctx->label);
	size_t written = 0;
	ret = mbedtls_pem_write_buffer(PEM_CERT_BEGIN, PEM_CERT_END, der, len, out->data, need + 1,
				       &written);
	if (ret != 0 || written == 0) {
		cred_buf_free(out);
		return cred_fail(ctx->diag, CRED_ERR_INTERNAL, "%s %s: PEM encoding failed",
				 cred_type_name(ctx->type), ctx->label);
	}
	out->len = written - 1; /* written counts the NUL */
	return CRED_OK;
}

/* Checks PEM text: only CERTIFICATE blocks, every one parses. */
static enum cred_err cert_check_pem(const struct cred_ctx *ctx, const struct cred_buf *pem)
{
	enum cred_err err = cred_text_check_chars(ctx, pem->data, pem->len);
	if (err != CRED_OK)
		return err;
	char other[48];
	size_t blocks =
		cred_pem_count_blocks(pem->data, pem->len, "CERTIFICATE", other, sizeof(other));
	if (other[0] != '\0')
		/* A key pasted into a certificate file would otherwise travel to
		 * the modem's certificate slot: refuse it. */
		return cred_fail(ctx->diag, CRED_ERR_CERT,
				 "%s %s: holds a '%s' PEM block; a certificate file may hold only "
				 "CERTIFICATE blocks%s",
				 cred_type_name(ctx->type), ctx->label, other,
				 strstr(other, "PRIVATE KEY")
					 ? " (give the key with --client_private_key)"
					 : "");
	mbedtls_x509_crt chain;
	mbedtls_x509_crt_init(&chain);
	int ret = mbedtls_x509_crt_parse(&chain, pem->data, pem->len + 1);
	if (ret != 0) {
		mbedtls_x509_crt_free(&chain);
		if (ret > 0)
			return cred_fail(
				ctx->diag, CRED_ERR_CERT,
				"%s %s: %d of %zu certificates do not parse as X.509; remove or "
				"re-export the damaged ones",
				cred_type_name(ctx->type), ctx->label, ret, blocks);
		char why[100];
		mbedtls_strerror(ret, why, sizeof(why));
		return cred_fail(ctx->diag, CRED_ERR_CERT,
				 "%s %s: not a valid PEM X.509 certificate (%s); check the file "
				 "is complete or export it again",
				 cred_type_name(ctx->type), ctx->label, why);
	}
	size_t parsed = 0;
	for (const mbedtls_x509_crt *c = &chain; c != NULL && c->raw.len > 0; c = c->next)
		parsed++;
	if (parsed != blocks) {
		mbedtls_x509_crt_free(&chain);
		return cred_fail(ctx->diag, CRED_ERR_CERT,
				 "%s %s: %zu CERTIFICATE blocks but %zu parse; check the file",
				 cred_type_name(ctx->type), ctx->label, blocks, parsed);
	}
	cert_warn_validity(ctx, &chain, parsed);
	mbedtls_x509_crt_free(&chain);
	return CRED_OK;
}

enum cred_err cred_cert_load(const struct cred_ctx *ctx, const uint8_t *in, size_t len, bool raw,
			     struct cred_buf *out)
{
	enum cred_err err;
	out->data = NULL;
	out->len = 0;
	if (cred_pem_present(in, len)) {
		if (!cred_buf_alloc(out, in, len))
			return cred_fail(ctx->diag, CRED_ERR_NOMEM, "%s %s: out of memory",
					 cred_type_name(ctx->type), ctx->label);
		if (!raw)
			cred_text_to_lf(out);
	} else if (raw) {
		return cred_fail(ctx->diag, CRED_ERR_CERT, "%s %s: not PEM text",
				 cred_type_name(ctx->type), ctx->label);
	} else {
		err = cert_der_to_pem(ctx, in, len, out);
		if (err != CRED_OK)
			return err;
	}
	err = cert_check_pem(ctx, out);
	if (err != CRED_OK)
		cred_buf_free(out);
	return err;
}
