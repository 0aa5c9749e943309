/* The station CA (ca.h): CSR checks and client certificates, mbedTLS 2.28. */
#include "cred/ca.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/oid.h>
#include <mbedtls/pk.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/sha256.h>
#include <mbedtls/x509_crt.h>
#include <mbedtls/x509_csr.h>

#include "cred/secure_mem.h"

/* A CA file larger than this is no certificate or key we take. */
#define CA_FILE_MAX (256u * 1024u)

struct ca {
	mbedtls_x509_crt cert;
	mbedtls_pk_context key; /* mbedTLS's own allocation; zeroized by mbedtls_pk_free */
	char issuer[512];	/* the CA's subject, mbedTLS notation */
	unsigned days;
	mbedtls_entropy_context entropy;
	mbedtls_ctr_drbg_context drbg;
	pthread_mutex_t lock; /* drbg and key: one issue at a time */
};

static void say(char *detail, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void say(char *detail, size_t len, const char *fmt, ...)
{
	if (detail == NULL || len == 0)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(detail, len, fmt, ap);
	va_end(ap);
}

const char *ca_strerror(ca_err err)
{
	switch (err) {
	case CA_OK:
		return "ok";
	case CA_ERR_IO:
		return "cannot read file";
	case CA_ERR_CERT:
		return "not an X.509 certificate";
	case CA_ERR_NOT_CA:
		return "the certificate is not a CA certificate";
	case CA_ERR_KEY:
		return "not a private key";
	case CA_ERR_KEY_ENCRYPTED:
		return "the CA key is encrypted and no passphrase was given";
	case CA_ERR_PASSPHRASE:
		return "wrong passphrase for the CA key";
	case CA_ERR_KEY_MISMATCH:
		return "the CA key does not belong to the CA certificate";
	case CA_ERR_DAYS:
		return "days out of range";
	case CA_ERR_NOMEM:
		return "out of memory";
	case CA_ERR_RANDOM:
		return "random generator failed";
	case CA_ERR_CSR:
		return "CSR does not parse";
	case CA_ERR_CSR_KEY:
		return "CSR key is not EC P-256";
	case CA_ERR_CSR_SIGNATURE:
		return "CSR signature does not verify";
	case CA_ERR_CSR_SUBJECT:
		return "CSR subject is not the expected one";
	case CA_ERR_ISSUE:
		return "cannot write the certificate";
	}
	return "unknown CA error";
}

/* The whole file, NUL terminated (mbedTLS wants PEM that way), in secure
 * memory: it may be the CA key. */
static uint8_t *read_file(const char *path, size_t *len, int *err)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL) {
		*err = errno;
		return NULL;
	}
	uint8_t *buf = secure_mem_alloc(CA_FILE_MAX + 1);
	size_t n = buf ? fread(buf, 1, CA_FILE_MAX + 1, f) : 0;
	*err = buf == NULL ? ENOMEM : ferror(f) ? EIO : n > CA_FILE_MAX ? EFBIG : 0;
	fclose(f);
	if (*err != 0) {
		secure_mem_free(buf);
		return NULL;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

void ca_destroy(struct ca *ca)
{
	if (ca == NULL)
		return;
	mbedtls_x509_crt_free(&ca->cert);
	mbedtls_pk_free(&ca->key);
	mbedtls_ctr_drbg_free(&ca->drbg);
	mbedtls_entropy_free(&ca->entropy);
	pthread_mutex_destroy(&ca->lock);
	mbedtls_platform_zeroize(ca, sizeof *ca);
	free(ca);
}

/* PEM is parsed with its NUL counted; DER without. */
static size_t parse_len(const uint8_t *buf, size_t n)
{
	return strstr((const char *)buf, "-----BEGIN") ? n + 1 : n;
}


/* mbedTLS 2.28 has no raw issuer setter: the issuer is written from the text
 * dn_gets made of the CA's subject, which escapes + # ; = and others and
 * prints non-ASCII bytes as '?', while string_to_names reads back only "\,".
 * So the text is re-encoded here and compared with the CA's own subject DER;
 * a CA that does not survive it would sign certificates that do not chain. */
static bool issuer_round_trips(const struct ca *ca)
{
	mbedtls_asn1_named_data *names = NULL;
	unsigned char buf[1024];
	unsigned char *p = buf + sizeof buf;
	bool same = false;
	if (mbedtls_x509_string_to_names(&names, ca->issuer) == 0) {
		int n = mbedtls_x509_write_names(&p, buf, names);
		same = n > 0 && (size_t)n == ca->cert.subject_raw.len &&
		       memcmp(p, ca->cert.subject_raw.p, (size_t)n) == 0;
	}
	mbedtls_asn1_free_named_data_list(&names);
	return same;
}

ca_err ca_load(const char *cert_path, const char *key_path, const char *passphrase, unsigned days,
	       struct ca **out, char *detail, size_t detail_len)
{
	*out = NULL;
	if (days < 1 || days > CA_DAYS_MAX) {
		say(detail, detail_len, "days = %u; valid: 1 to %u", days, CA_DAYS_MAX);
		return CA_ERR_DAYS;
	}
	struct ca *ca = calloc(1, sizeof *ca);
	if (ca == NULL)
		return CA_ERR_NOMEM;
	mbedtls_x509_crt_init(&ca->cert);
	mbedtls_pk_init(&ca->key);
	mbedtls_entropy_init(&ca->entropy);
	mbedtls_ctr_drbg_init(&ca->drbg);
	pthread_mutex_init(&ca->lock, NULL);
	ca->days = days;

	size_t n = 0;
	int e = 0;
	ca_err rc = CA_OK;
	uint8_t *buf = read_file(cert_path, &n, &e);
	if (buf == NULL) {
		say(detail, detail_len, "%s: %s", cert_path, strerror(e));
		rc = CA_ERR_IO;
	} else if (mbedtls_x509_crt_parse(&ca->cert, buf, parse_len(buf, n)) != 0) {
		say(detail, detail_len, "%s: %s", cert_path, ca_strerror(CA_ERR_CERT));
		rc = CA_ERR_CERT;
	} else if (!ca->cert.ca_istrue) {
		say(detail, detail_len, "%s: %s (no basicConstraints CA:TRUE)", cert_path,
		    ca_strerror(CA_ERR_NOT_CA));
		rc = CA_ERR_NOT_CA;
	}
	secure_mem_free(buf);
	buf = NULL;
	if (rc == CA_OK) {
		buf = read_file(key_path, &n, &e);
		if (buf == NULL) {
			say(detail, detail_len, "%s: %s", key_path, strerror(e));
			rc = CA_ERR_IO;
		}
	}
	if (rc == CA_OK) {
		const unsigned char *pw = (const unsigned char *)passphrase;
		size_t pwlen = passphrase ? strlen(passphrase) : 0;
		int m = mbedtls_pk_parse_key(&ca->key, buf, parse_len(buf, n), pwlen ? pw : NULL,
					     pwlen);
		if (m == MBEDTLS_ERR_PK_PASSWORD_REQUIRED)
			rc = CA_ERR_KEY_ENCRYPTED;
		else if (m == MBEDTLS_ERR_PK_PASSWORD_MISMATCH)
			rc = CA_ERR_PASSPHRASE;
		else if (m != 0)
			rc = CA_ERR_KEY;
		else if (mbedtls_pk_check_pair(&ca->cert.pk, &ca->key) != 0)
			rc = CA_ERR_KEY_MISMATCH;
		if (rc != CA_OK)
			say(detail, detail_len, "%s: %s%s", key_path, ca_strerror(rc),
			    rc == CA_ERR_KEY_ENCRYPTED
				    ? " (set it in the environment variable NRFCRED_KEY_PASSPHRASE)"
				    : "");
	}
	secure_mem_free(buf);
	if (rc == CA_OK &&
	    mbedtls_x509_dn_gets(ca->issuer, sizeof ca->issuer, &ca->cert.subject) < 0) {
		say(detail, detail_len, "%s: the CA subject is too long", cert_path);
		rc = CA_ERR_CERT;
	}
	if (rc == CA_OK && !issuer_round_trips(ca)) {
		say(detail, detail_len,
		    "%s: the CA subject (%s) cannot be written back exactly as the issuer of "
		    "the certificates (characters such as + # ; = or non-ASCII ones); use a CA "
		    "whose subject is plain ASCII",
		    cert_path, ca->issuer);
		rc = CA_ERR_CERT;
	}
	static const char pers[] = "nrfcred station CA";
	if (rc == CA_OK &&
	    mbedtls_ctr_drbg_seed(&ca->drbg, mbedtls_entropy_func, &ca->entropy,
				  (const unsigned char *)pers, sizeof pers - 1) != 0) {
		say(detail, detail_len, "%s", ca_strerror(CA_ERR_RANDOM));
		rc = CA_ERR_RANDOM;
	}
	if (rc != CA_OK) {
		ca_destroy(ca);
		return rc;
	}
	*out = ca;
	return CA_OK;
}

/* Next attribute of a "K=V, K=V" subject: trimmed of spaces. */
static bool next_attr(const char **p, const char **s, size_t *n)
{
	const char *q = *p;
	while (*q == ' ')
		q++;
	if (*q == '\0')
		return false;
	const char *start = q;
	while (*q && *q != ',')
		q++;
	const char *end = q;
	while (end > start && end[-1] == ' ')
		end--;
	*s = start;
	*n = (size_t)(end - start);
	*p = *q == ',' ? q + 1 : q;
	return true;
}

static bool same_subject(const char *a, const char *b)
{
	const char *sa, *sb;
	size_t na, nb;
	for (;;) {
		bool ha = next_attr(&a, &sa, &na), hb = next_attr(&b, &sb, &nb);
		if (!ha || !hb)
			return ha == hb;
		if (na != nb || memcmp(sa, sb, na) != 0)
			return false;
	}
}

/* The certificate's validity window as mbedTLS wants it (UTC). */
static int validity(unsigned days, char from[16], char to[16])
{
	time_t now = time(NULL);
	struct tm a, b;
	time_t later = now + (time_t)days * 86400;
	if (gmtime_r(&now, &a) == NULL || gmtime_r(&later, &b) == NULL)
		return -1;
	strftime(from, 16, "%Y%m%d%H%M%S", &a);
	strftime(to, 16, "%Y%m%d%H%M%S", &b);
	return 0;
}

static ca_err check_csr(const mbedtls_x509_csr *csr, const char *expected, struct ca_issued *out,
			char *detail, size_t detail_len)
{
	if (mbedtls_pk_get_type(&csr->pk) != MBEDTLS_PK_ECKEY ||
	    mbedtls_pk_ec(csr->pk)->grp.id != MBEDTLS_ECP_DP_SECP256R1) {
		say(detail, detail_len, "the CSR's key is %s, not EC P-256",
		    mbedtls_pk_get_name(&csr->pk));
		return CA_ERR_CSR_KEY;
	}
	uint8_t hash[32];
	const mbedtls_md_info_t *md = mbedtls_md_info_from_type(csr->sig_md);
	if (csr->sig_md != MBEDTLS_MD_SHA256 || md == NULL ||
	    mbedtls_md(md, csr->cri.p, csr->cri.len, hash) != 0 ||
	    mbedtls_pk_verify_ext(csr->sig_pk, csr->sig_opts, (mbedtls_pk_context *)&csr->pk,
				  csr->sig_md, hash, sizeof hash, csr->sig.p, csr->sig.len) != 0) {
		say(detail, detail_len,
		    "the CSR's signature does not verify with its own key "
		    "(ECDSA with SHA-256 expected)");
		return CA_ERR_CSR_SIGNATURE;
	}
	if (mbedtls_x509_dn_gets(out->subject, sizeof out->subject, &csr->subject) < 0 ||
	    !same_subject(out->subject, expected)) {
		say(detail, detail_len, "the CSR's subject is \"%s\", expected \"%s\"",
		    out->subject, expected);
		return CA_ERR_CSR_SUBJECT;
	}
	size_t olen = 0;
	if (mbedtls_ecp_point_write_binary(&mbedtls_pk_ec(csr->pk)->grp, &mbedtls_pk_ec(csr->pk)->Q,
					   MBEDTLS_ECP_PF_UNCOMPRESSED, &olen, out->public_key,
					   sizeof out->public_key) != 0 ||
	    olen != sizeof out->public_key) {
		say(detail, detail_len, "the CSR's public key cannot be encoded");
		return CA_ERR_CSR_KEY;
	}
	return CA_OK;
}

/* extKeyUsage = SEQUENCE { id-kp-clientAuth } (RFC 5280 §4.2.1.12). */
static const unsigned char eku_client_auth[] = {0x30, 0x0a, 0x06, 0x08, 0x2b, 0x06,
						0x01, 0x05, 0x05, 0x07, 0x03, 0x02};

static ca_err write_cert(struct ca *ca, mbedtls_x509_csr *csr, const char *subject, char *pem,
			 size_t cap, struct ca_issued *out, char *detail, size_t detail_len)
{
	mbedtls_x509write_cert crt;
	mbedtls_mpi serial;
	mbedtls_x509write_crt_init(&crt);
	mbedtls_mpi_init(&serial);
	char from[16], to[16];
	ca_err rc = CA_OK;
	if (mbedtls_ctr_drbg_random(&ca->drbg, out->serial, sizeof out->serial) != 0) {
		rc = CA_ERR_RANDOM;
	} else {
		/* Positive (RFC 5280 §4.1.2.2) and never 0. */
		out->serial[0] &= 0x7f;
		if (out->serial[0] == 0)
			out->serial[0] = 0x01;
		if (mbedtls_mpi_read_binary(&serial, out->serial, sizeof out->serial) != 0)
			rc = CA_ERR_NOMEM;
	}
	if (rc == CA_OK && validity(ca->days, from, to) != 0)
		rc = CA_ERR_ISSUE;
	if (rc == CA_OK) {
		mbedtls_x509write_crt_set_version(&crt, MBEDTLS_X509_CRT_VERSION_3);
		mbedtls_x509write_crt_set_md_alg(&crt, MBEDTLS_MD_SHA256);
		mbedtls_x509write_crt_set_subject_key(&crt, &csr->pk);
		mbedtls_x509write_crt_set_issuer_key(&crt, &ca->key);
		if (mbedtls_x509write_crt_set_serial(&crt, &serial) != 0 ||
		    mbedtls_x509write_crt_set_validity(&crt, from, to) != 0 ||
		    mbedtls_x509write_crt_set_subject_name(&crt, subject) != 0 ||
		    mbedtls_x509write_crt_set_issuer_name(&crt, ca->issuer) != 0 ||
		    mbedtls_x509write_crt_set_basic_constraints(&crt, 0, -1) != 0 ||
		    mbedtls_x509write_crt_set_key_usage(&crt, MBEDTLS_X509_KU_DIGITAL_SIGNATURE) !=
			    0 ||
		    mbedtls_x509write_crt_set_extension(
			    &crt, MBEDTLS_OID_EXTENDED_KEY_USAGE,
			    MBEDTLS_OID_SIZE(MBEDTLS_OID_EXTENDED_KEY_USAGE), 0, eku_client_auth,
			    sizeof eku_client_auth) != 0 ||
		    mbedtls_x509write_crt_set_subject_key_identifier(&crt) != 0 ||
		    mbedtls_x509write_crt_set_authority_key_identifier(&crt) != 0 ||
		    mbedtls_x509write_crt_pem(&crt, (unsigned char *)pem, cap,
					      mbedtls_ctr_drbg_random, &ca->drbg) != 0)
			rc = CA_ERR_ISSUE;
	}
	if (rc != CA_OK)
		say(detail, detail_len, "%s", ca_strerror(rc));
	mbedtls_mpi_free(&serial);
	mbedtls_x509write_crt_free(&crt);
	return rc;
}

ca_err ca_issue(struct ca *ca, const uint8_t *csr_der, size_t csr_len, const char *expected_subject,
		char *pem, size_t cap, size_t *pem_len, struct ca_issued *issued, char *detail,
		size_t detail_len)
{
	memset(issued, 0, sizeof *issued);
	*pem_len = 0;
	if (cap > 0)
		pem[0] = '\0';
	mbedtls_x509_csr csr;
	mbedtls_x509_csr_init(&csr);
	ca_err rc = CA_OK;
	if (mbedtls_x509_csr_parse_der(&csr, csr_der, csr_len) != 0) {
		say(detail, detail_len, "the %zu-byte CSR does not parse as PKCS#10 DER", csr_len);
		rc = CA_ERR_CSR;
	}
	if (rc == CA_OK)
		rc = check_csr(&csr, expected_subject, issued, detail, detail_len);
	if (rc == CA_OK) {
		pthread_mutex_lock(&ca->lock);
		rc = write_cert(ca, &csr, expected_subject, pem, cap, issued, detail, detail_len);
		pthread_mutex_unlock(&ca->lock);
	}
	if (rc == CA_OK)
		*pem_len = strlen(pem);
	mbedtls_x509_csr_free(&csr);
	return rc;
}
