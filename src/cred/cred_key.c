/* Private keys: PEM or DER, plain or encrypted, in; unencrypted PEM out.
 * Every buffer and mbedTLS context that held the key is wiped. */
#include "cred/cred_internal.h"

#include <stdio.h>
#include <string.h>

#include <mbedtls/asn1.h>
#include <mbedtls/base64.h>
#include <mbedtls/error.h>
#include <mbedtls/pem.h>
#include <mbedtls/pk.h>
#include <mbedtls/pkcs12.h>
#include <mbedtls/pkcs5.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/x509_crt.h>

/* Big enough for an RSA-4096 key (about 2.4 KB of DER, 3.3 KB of PEM);
 * anything larger would not fit NRFCRED_CONTENT_MAX_DEFAULT anyway. */
#define KEY_DER_MAX 4096
#define KEY_B64_MAX (4 * ((KEY_DER_MAX + 2) / 3))

/* EncryptedPrivateKeyInfo (RFC 5208 §6) starts SEQUENCE { SEQUENCE { OID },
 * where the OID is a PKCS#5 (1.2.840.113549.1.5.*) or PKCS#12 PBE
 * (1.2.840.113549.1.12.1.*) scheme; a plain PrivateKeyInfo, SEC1 or PKCS#1
 * key starts SEQUENCE { INTEGER instead. */
static bool key_der_is_encrypted(const uint8_t *der, size_t len)
{
	static const uint8_t pkcs5[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x05};
	static const uint8_t pkcs12_pbe[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x0c, 0x01};
	unsigned char *p = (unsigned char *)der;
	const unsigned char *end = der + len;
	size_t n;
	if (mbedtls_asn1_get_tag(&p, end, &n, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE))
		return false;
	if (mbedtls_asn1_get_tag(&p, end, &n, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE))
		return false;
	if (mbedtls_asn1_get_tag(&p, end, &n, MBEDTLS_ASN1_OID))
		return false;
	return (n >= sizeof(pkcs5) && memcmp(p, pkcs5, sizeof(pkcs5)) == 0) ||
	       (n >= sizeof(pkcs12_pbe) && memcmp(p, pkcs12_pbe, sizeof(pkcs12_pbe)) == 0);
}

static bool key_pem_is_encrypted(const struct cred_buf *pem)
{
	return memmem(pem->data, pem->len, "ENCRYPTED PRIVATE KEY", 21) != NULL ||
	       memmem(pem->data, pem->len, "Proc-Type: 4,ENCRYPTED", 22) != NULL;
}

static bool key_error_is_unsupported(int ret)
{
	return ret == MBEDTLS_ERR_PK_FEATURE_UNAVAILABLE ||
	       ret == MBEDTLS_ERR_PKCS5_FEATURE_UNAVAILABLE ||
	       ret == MBEDTLS_ERR_PKCS12_FEATURE_UNAVAILABLE ||
	       ret == MBEDTLS_ERR_PEM_FEATURE_UNAVAILABLE || ret == MBEDTLS_ERR_PEM_UNKNOWN_ENC_ALG;
}

static enum cred_err key_parse_failed(const struct cred_ctx *ctx, int ret, bool encrypted,
				      const struct cred_buf *in, bool pem)
{
	const char *type = cred_type_name(ctx->type);
	if (ret == MBEDTLS_ERR_PK_PASSWORD_REQUIRED)
		return cred_fail(ctx->diag, CRED_ERR_KEY_ENCRYPTED,
				 "%s %s is encrypted; give its passphrase with --key-passphrase",
				 type, ctx->label);
	if (ret == MBEDTLS_ERR_PK_UNKNOWN_PK_ALG || ret == MBEDTLS_ERR_PK_UNKNOWN_NAMED_CURVE)
		return cred_fail(ctx->diag, CRED_ERR_KEY_UNSUPPORTED,
				 "%s %s: key algorithm or curve not supported; the modem takes RSA "
				 "or EC (e.g. P-256) keys",
				 type, ctx->label);
	if (key_error_is_unsupported(ret))
		return cred_fail(ctx->diag, CRED_ERR_KEY_UNSUPPORTED,
				 "%s %s: mbedTLS 2.28 cannot decrypt this scheme (e.g. PKCS#8 with "
				 "AES); re-encrypt it with 'openssl pkcs8 -topk8 -v2 des3' or "
				 "decrypt it",
				 type, ctx->label);
	if (encrypted)
		return cred_fail(ctx->diag, CRED_ERR_KEY_PASSPHRASE,
				 "%s %s: the passphrase does not decrypt it (wrong passphrase or "
				 "damaged file)",
				 type, ctx->label);
	if (pem && memmem(in->data, in->len, "-----BEGIN CERTIFICATE-----", 27) != NULL)
		return cred_fail(ctx->diag, CRED_ERR_KEY,
				 "%s %s: holds a certificate but no private key; give the key file",
				 type, ctx->label);
	char why[100];
	mbedtls_strerror(ret, why, sizeof(why));
	return cred_fail(ctx->diag, CRED_ERR_KEY,
			 "%s %s: not a valid private key in PEM or DER (%s); give the key "
			 "file itself (e.g. from 'openssl ec' or 'openssl rsa')",
			 type, ctx->label, why);
}

/* Parses in (PEM with data[len] == NUL, or DER) into pk. */
static enum cred_err key_parse(const struct cred_ctx *ctx, const struct cred_buf *in, bool pem,
			       const char *passphrase, mbedtls_pk_context *pk)
{
	bool encrypted = pem ? key_pem_is_encrypted(in) : key_der_is_encrypted(in->data, in->len);
	size_t pass_len = passphrase != NULL ? strlen(passphrase) : 0;
	if (encrypted && pass_len == 0)
		return key_parse_failed(ctx, MBEDTLS_ERR_PK_PASSWORD_REQUIRED, true, in, pem);
	int ret = mbedtls_pk_parse_key(pk, in->data, pem ? in->len + 1 : in->len,
				       encrypted ? (const unsigned char *)passphrase : NULL,
				       encrypted ? pass_len : 0);
	if (ret != 0)
		return key_parse_failed(ctx, ret, encrypted, in, pem);
	mbedtls_pk_type_t kind = mbedtls_pk_get_type(pk);
	if (kind != MBEDTLS_PK_RSA && kind != MBEDTLS_PK_ECKEY)
		return cred_fail(ctx->diag, CRED_ERR_KEY_UNSUPPORTED,
				 "%s %s: a %s key; the modem takes RSA or EC keys",
				 cred_type_name(ctx->type), ctx->label, mbedtls_pk_get_name(pk));
	return CRED_OK;
}

/* Writes DER then PEM ourselves instead of mbedtls_pk_write_key_pem:
 * mbedTLS 2.28 leaves the DER key in an unwiped stack buffer and the base64
 * text in an unwiped heap buffer there. Here both live in buffers we wipe. */
static enum cred_err key_write_pem(const struct cred_ctx *ctx, mbedtls_pk_context *pk,
				   struct cred_buf *out)
{
	const char *label =
		mbedtls_pk_get_type(pk) == MBEDTLS_PK_RSA ? "RSA PRIVATE KEY" : "EC PRIVATE KEY";
	struct cred_buf der = {0};
	struct cred_buf b64 = {0};
	enum cred_err err = CRED_OK;
	if (!cred_buf_alloc(&der, NULL, KEY_DER_MAX) || !cred_buf_alloc(&b64, NULL, KEY_B64_MAX)) {
		err = cred_fail(ctx->diag, CRED_ERR_NOMEM, "%s %s: out of memory",
				cred_type_name(ctx->type), ctx->label);
		goto done;
	}
	/* mbedtls_pk_write_key_der writes at the END of the buffer. */
	int der_len = mbedtls_pk_write_key_der(pk, der.data, KEY_DER_MAX);
	size_t b64_len = 0;
	if (der_len <= 0 ||
	    mbedtls_base64_encode(b64.data, KEY_B64_MAX + 1, &b64_len,
				  der.data + KEY_DER_MAX - (size_t)der_len, (size_t)der_len) != 0) {
		err = cred_fail(ctx->diag,
				der_len == MBEDTLS_ERR_ASN1_BUF_TOO_SMALL ? CRED_ERR_TOO_LARGE
									  : CRED_ERR_INTERNAL,
				"%s %s: cannot encode the key as PEM (%d bytes of DER at most)",
				cred_type_name(ctx->type), ctx->label, KEY_DER_MAX);
		goto done;
	}
	/* RFC 7468 §2: base64 lines of 64 characters between the labels. */
	size_t lines = (b64_len + 63) / 64;
	size_t total = 11 + strlen(label) + 6 + b64_len + lines + 9 + strlen(label) + 6;
	if (!cred_buf_alloc(out, NULL, total)) {
		err = cred_fail(ctx->diag, CRED_ERR_NOMEM, "%s %s: out of memory",
				cred_type_name(ctx->type), ctx->label);
		goto done;
	}
	char *w = (char *)out->data;
	char *const w_end = w + total + 1;
	w += snprintf(w, (size_t)(w_end - w), "-----BEGIN %s-----\n", label);
	for (size_t i = 0; i < b64_len; i += 64) {
		size_t n = b64_len - i < 64 ? b64_len - i : 64;
		memcpy(w, b64.data + i, n);
		w += n;
		*w++ = '\n';
	}
	w += snprintf(w, (size_t)(w_end - w), "-----END %s-----\n", label);
	out->len = (size_t)(w - (char *)out->data);
done:
	if (der.data != NULL)
		der.len = KEY_DER_MAX;
	if (b64.data != NULL)
		b64.len = KEY_B64_MAX;
	cred_buf_free(&der);
	cred_buf_free(&b64);
	return err;
}

enum cred_err cred_key_load(const struct cred_ctx *ctx, const uint8_t *in, size_t len,
			    const char *passphrase, bool raw, struct cred_buf *out)
{
	out->data = NULL;
	out->len = 0;
	bool pem = cred_pem_present(in, len);
	if (raw && !pem)
		return cred_fail(ctx->diag, CRED_ERR_KEY, "%s %s: not PEM text",
				 cred_type_name(ctx->type), ctx->label);
	struct cred_buf copy;
	if (!cred_buf_alloc(&copy, in, len))
		return cred_fail(ctx->diag, CRED_ERR_NOMEM, "%s %s: out of memory",
				 cred_type_name(ctx->type), ctx->label);
	enum cred_err err = CRED_OK;
	if (raw) {
		/* Table read-back: the bytes stay as they are, so the digest the
		 * modem reports can be compared with this content. */
		if (key_pem_is_encrypted(&copy))
			err = cred_fail(ctx->diag, CRED_ERR_KEY,
					"%s %s: holds an encrypted key; the table must carry it "
					"unencrypted",
					cred_type_name(ctx->type), ctx->label);
		else
			err = cred_text_check_chars(ctx, copy.data, copy.len);
	} else if (pem) {
		cred_text_to_lf(&copy);
	}
	mbedtls_pk_context pk;
	mbedtls_pk_init(&pk);
	if (err == CRED_OK)
		err = key_parse(ctx, &copy, pem, raw ? NULL : passphrase, &pk);
	if (err == CRED_OK) {
		if (raw) {
			*out = copy;
			copy.data = NULL;
			copy.len = 0;
		} else {
			err = key_write_pem(ctx, &pk, out);
		}
	}
	mbedtls_pk_free(&pk); /* zeroizes the key material */
	cred_buf_free(&copy);
	return err;
}

enum cred_err cred_key_check_pair(uint32_t sec_tag, const uint8_t *cert_pem, size_t cert_len,
				  const char *cert_label, const uint8_t *key_pem, size_t key_len,
				  const char *key_label, struct cred_diag *diag)
{
	mbedtls_x509_crt crt;
	mbedtls_pk_context key;
	mbedtls_x509_crt_init(&crt);
	mbedtls_pk_init(&key);
	enum cred_err err = CRED_OK;
	/* Both contents were validated when added and end in a NUL at [len]. */
	if (mbedtls_x509_crt_parse(&crt, cert_pem, cert_len + 1) < 0 ||
	    mbedtls_pk_parse_key(&key, key_pem, key_len + 1, NULL, 0) != 0)
		err = cred_fail(diag, CRED_ERR_INTERNAL,
				"sec_tag %u: cannot re-parse the client certificate %s or the "
				"client private key %s",
				(unsigned)sec_tag, cert_label, key_label);
	else if (mbedtls_pk_check_pair(&crt.pk, &key) != 0)
		err = cred_fail(diag, CRED_ERR_KEY_MISMATCH,
				"sec_tag %u: client private key %s does not belong to client "
				"certificate %s (public keys differ); give the key the certificate "
				"was issued for",
				(unsigned)sec_tag, key_label, cert_label);
	mbedtls_pk_free(&key);
	mbedtls_x509_crt_free(&crt);
	return err;
}
