/* The station CA (src/cred/ca.c): what it refuses at load time and in a CSR,
 * and the certificate it issues, checked with mbedTLS's own verifier. */
#include <criterion/criterion.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/oid.h>
#include <mbedtls/pk.h>
#include <mbedtls/x509_crt.h>
#include <mbedtls/x509_csr.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cred/ca.h"

static mbedtls_entropy_context entropy;
static mbedtls_ctr_drbg_context drbg;
static char dir[64];

static void key_new(mbedtls_pk_context *pk, mbedtls_ecp_group_id curve)
{
	mbedtls_pk_init(pk);
	cr_assert_eq(mbedtls_pk_setup(pk, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY)), 0);
	cr_assert_eq(mbedtls_ecp_gen_key(curve, mbedtls_pk_ec(*pk), mbedtls_ctr_drbg_random, &drbg),
		     0);
}

static void write_text(const char *name, const unsigned char *text)
{
	char path[128];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs((const char *)text, f);
	fclose(f);
}

/* A self-signed certificate of key named subject, a CA or not, into dir/name. */
static void write_cert_as(const char *name, mbedtls_pk_context *key, int is_ca, const char *subject)
{
	mbedtls_x509write_cert c;
	mbedtls_mpi serial;
	mbedtls_x509write_crt_init(&c);
	mbedtls_mpi_init(&serial);
	mbedtls_mpi_lset(&serial, 7);
	mbedtls_x509write_crt_set_md_alg(&c, MBEDTLS_MD_SHA256);
	mbedtls_x509write_crt_set_subject_key(&c, key);
	mbedtls_x509write_crt_set_issuer_key(&c, key);
	cr_assert_eq(mbedtls_x509write_crt_set_subject_name(&c, subject), 0);
	cr_assert_eq(mbedtls_x509write_crt_set_issuer_name(&c, subject), 0);
	mbedtls_x509write_crt_set_serial(&c, &serial);
	mbedtls_x509write_crt_set_validity(&c, "20200101000000", "20991231235959");
	mbedtls_x509write_crt_set_basic_constraints(&c, is_ca, -1);
	mbedtls_x509write_crt_set_subject_key_identifier(&c);
	unsigned char pem[4096];
	cr_assert_eq(mbedtls_x509write_crt_pem(&c, pem, sizeof pem, mbedtls_ctr_drbg_random, &drbg),
		     0);
	write_text(name, pem);
	mbedtls_mpi_free(&serial);
	mbedtls_x509write_crt_free(&c);
}

static void write_cert(const char *name, mbedtls_pk_context *key, int is_ca)
{
	write_cert_as(name, key, is_ca, "CN=test CA,O=nrfcred");
}

static void write_key(const char *name, mbedtls_pk_context *key)
{
	unsigned char pem[2048];
	cr_assert_eq(mbedtls_pk_write_key_pem(key, pem, sizeof pem), 0);
	write_text(name, pem);
}

static size_t make_csr(mbedtls_pk_context *key, const char *subject, unsigned char *der, size_t cap,
		       const unsigned char **start)
{
	mbedtls_x509write_csr w;
	mbedtls_x509write_csr_init(&w);
	mbedtls_x509write_csr_set_md_alg(&w, MBEDTLS_MD_SHA256);
	mbedtls_x509write_csr_set_key(&w, key);
	cr_assert_eq(mbedtls_x509write_csr_set_subject_name(&w, subject), 0);
	int n = mbedtls_x509write_csr_der(&w, der, cap, mbedtls_ctr_drbg_random, &drbg);
	mbedtls_x509write_csr_free(&w);
	cr_assert_gt(n, 0);
	*start = der + cap - (size_t)n;
	return (size_t)n;
}

static mbedtls_pk_context ca_key;

static void setup(void)
{
	mbedtls_entropy_init(&entropy);
	mbedtls_ctr_drbg_init(&drbg);
	cr_assert_eq(mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &entropy, NULL, 0), 0);
	snprintf(dir, sizeof dir, "/tmp/nrfcred-ca.XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	key_new(&ca_key, MBEDTLS_ECP_DP_SECP256R1);
	write_cert("ca.pem", &ca_key, 1);
	write_key("ca.key", &ca_key);
}

static void teardown(void)
{
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	(void)system(cmd);
	mbedtls_pk_free(&ca_key);
	mbedtls_ctr_drbg_free(&drbg);
	mbedtls_entropy_free(&entropy);
}

TestSuite(ca, .init = setup, .fini = teardown);

static struct ca *load(void)
{
	char cert[128], key[128], detail[256];
	snprintf(cert, sizeof cert, "%s/ca.pem", dir);
	snprintf(key, sizeof key, "%s/ca.key", dir);
	struct ca *ca = NULL;
	cr_assert_eq(ca_load(cert, key, NULL, 30, &ca, detail, sizeof detail), CA_OK, "%s", detail);
	return ca;
}

Test(ca, issues_a_client_certificate_that_verifies_against_the_ca)
{
	struct ca *ca = load();
	mbedtls_pk_context dev;
	key_new(&dev, MBEDTLS_ECP_DP_SECP256R1);
	unsigned char buf[1024];
	const unsigned char *der;
	size_t n = make_csr(&dev, "CN=352656100367872", buf, sizeof buf, &der);
	char pem[4096], detail[256];
	size_t pem_len;
	struct ca_issued is;
	cr_assert_eq(ca_issue(ca, der, n, "CN=352656100367872", pem, sizeof pem, &pem_len, &is,
			      detail, sizeof detail),
		     CA_OK, "%s", detail);
	cr_assert_eq(strlen(pem), pem_len);
	cr_assert_eq(is.serial[0] & 0x80, 0, "positive serial");
	cr_assert_eq(is.public_key[0], 0x04);

	mbedtls_x509_crt crt, root;
	mbedtls_x509_crt_init(&crt);
	mbedtls_x509_crt_init(&root);
	cr_assert_eq(mbedtls_x509_crt_parse(&crt, (const unsigned char *)pem, pem_len + 1), 0);
	char path[128];
	snprintf(path, sizeof path, "%s/ca.pem", dir);
	cr_assert_eq(mbedtls_x509_crt_parse_file(&root, path), 0);
	uint32_t flags = 0;
	cr_assert_eq(mbedtls_x509_crt_verify(&crt, &root, NULL, NULL, &flags, NULL, NULL), 0,
		     "flags 0x%x", flags);
	cr_assert_eq(crt.version, 3);
	cr_assert_eq(crt.serial.len, 16);
	cr_assert_eq(crt.ca_istrue, 0);
	cr_assert(crt.key_usage & MBEDTLS_X509_KU_DIGITAL_SIGNATURE);
	cr_assert_eq(
		mbedtls_x509_crt_check_extended_key_usage(
			&crt, MBEDTLS_OID_CLIENT_AUTH, MBEDTLS_OID_SIZE(MBEDTLS_OID_CLIENT_AUTH)),
		0);
	cr_assert_eq(
		mbedtls_x509_crt_check_extended_key_usage(
			&crt, MBEDTLS_OID_SERVER_AUTH, MBEDTLS_OID_SIZE(MBEDTLS_OID_SERVER_AUTH)),
		MBEDTLS_ERR_X509_BAD_INPUT_DATA, "clientAuth only");
	char dn[128];
	mbedtls_x509_dn_gets(dn, sizeof dn, &crt.subject);
	cr_assert_str_eq(dn, "CN=352656100367872");
	mbedtls_x509_dn_gets(dn, sizeof dn, &crt.issuer);
	cr_assert_str_eq(dn, "CN=test CA, O=nrfcred");
	/* The certificate holds the CSR's key. */
	cr_assert_eq(mbedtls_pk_check_pair(&crt.pk, &dev), 0);
	mbedtls_x509_crt_free(&crt);
	mbedtls_x509_crt_free(&root);
	mbedtls_pk_free(&dev);
	ca_destroy(ca);
}

Test(ca, refuses_a_csr_with_another_subject_a_bad_signature_or_key)
{
	struct ca *ca = load();
	mbedtls_pk_context dev, p384;
	key_new(&dev, MBEDTLS_ECP_DP_SECP256R1);
	key_new(&p384, MBEDTLS_ECP_DP_SECP384R1);
	unsigned char buf[1024];
	const unsigned char *der;
	char pem[4096], detail[256];
	size_t pem_len;
	struct ca_issued is;
	size_t n = make_csr(&dev, "CN=352656100367872,O=x", buf, sizeof buf, &der);
	cr_assert_eq(ca_issue(ca, der, n, "CN=352656100367872, O=x", pem, sizeof pem, &pem_len, &is,
			      detail, sizeof detail),
		     CA_OK, "spaces around ',' do not matter: %s", detail);
	cr_assert_eq(ca_issue(ca, der, n, "CN=352656100022220,O=x", pem, sizeof pem, &pem_len, &is,
			      detail, sizeof detail),
		     CA_ERR_CSR_SUBJECT);
	cr_assert(strstr(detail, "352656100367872") != NULL, "%s", detail);
	cr_assert_eq(ca_issue(ca, der, n, "CN=352656100367872", pem, sizeof pem, &pem_len, &is,
			      detail, sizeof detail),
		     CA_ERR_CSR_SUBJECT, "an attribute too many");
	cr_assert_eq(pem_len, 0);

	unsigned char bad[1024];
	memcpy(bad, der, n);
	bad[n - 3] ^= 0x01; /* inside the signature */
	ca_err e = ca_issue(ca, bad, n, "CN=352656100367872,O=x", pem, sizeof pem, &pem_len, &is,
			    detail, sizeof detail);
	cr_assert(e == CA_ERR_CSR_SIGNATURE || e == CA_ERR_CSR, "%s", ca_strerror(e));
	memcpy(bad, der, n);
	bad[n / 2] ^= 0x01; /* inside the signed part */
	e = ca_issue(ca, bad, n, "CN=352656100367872,O=x", pem, sizeof pem, &pem_len, &is, detail,
		     sizeof detail);
	cr_assert(e == CA_ERR_CSR_SIGNATURE || e == CA_ERR_CSR || e == CA_ERR_CSR_SUBJECT ||
			  e == CA_ERR_CSR_KEY,
		  "%s", ca_strerror(e));
	cr_assert_neq(e, CA_OK);
	cr_assert_eq(ca_issue(ca, (const uint8_t *)"\x30\x03\x02\x01\x00", 5, "CN=x", pem,
			      sizeof pem, &pem_len, &is, detail, sizeof detail),
		     CA_ERR_CSR);

	n = make_csr(&p384, "CN=352656100367872", buf, sizeof buf, &der);
	cr_assert_eq(ca_issue(ca, der, n, "CN=352656100367872", pem, sizeof pem, &pem_len, &is,
			      detail, sizeof detail),
		     CA_ERR_CSR_KEY);
	mbedtls_pk_free(&dev);
	mbedtls_pk_free(&p384);
	ca_destroy(ca);
}

Test(ca, load_refuses_a_non_ca_a_foreign_key_and_bad_days)
{
	char cert[128], key[128], detail[256];
	struct ca *ca = NULL;
	mbedtls_pk_context other;
	key_new(&other, MBEDTLS_ECP_DP_SECP256R1);
	write_cert("leaf.pem", &ca_key, 0);
	write_key("other.key", &other);
	snprintf(cert, sizeof cert, "%s/leaf.pem", dir);
	snprintf(key, sizeof key, "%s/ca.key", dir);
	cr_assert_eq(ca_load(cert, key, NULL, 30, &ca, detail, sizeof detail), CA_ERR_NOT_CA);
	cr_assert(strstr(detail, "leaf.pem") != NULL, "names the file: %s", detail);
	snprintf(cert, sizeof cert, "%s/ca.pem", dir);
	snprintf(key, sizeof key, "%s/other.key", dir);
	cr_assert_eq(ca_load(cert, key, NULL, 30, &ca, detail, sizeof detail), CA_ERR_KEY_MISMATCH);
	cr_assert(strstr(detail, "PRIVATE") == NULL && strstr(detail, "other.key") != NULL, "%s",
		  detail);
	snprintf(key, sizeof key, "%s/missing.key", dir);
	cr_assert_eq(ca_load(cert, key, NULL, 30, &ca, detail, sizeof detail), CA_ERR_IO);
	snprintf(key, sizeof key, "%s/ca.key", dir);
	cr_assert_eq(ca_load(cert, key, NULL, 0, &ca, detail, sizeof detail), CA_ERR_DAYS);
	cr_assert_null(ca);
	mbedtls_pk_free(&other);
}

/* The issuer is written from mbedTLS's text of the CA subject: a subject
 * that text cannot carry exactly (here a non-ASCII byte, printed as '?')
 * would give certificates that do not chain, so the CA is refused. */
Test(ca, load_refuses_a_ca_whose_subject_cannot_be_written_back_as_issuer)
{
	char cert[128], key[128], detail[512];
	struct ca *ca = NULL;
	write_cert_as("utf8.pem", &ca_key, 1, "CN=test CA,L=Troms\xc3\xb8");
	snprintf(cert, sizeof cert, "%s/utf8.pem", dir);
	snprintf(key, sizeof key, "%s/ca.key", dir);
	cr_assert_eq(ca_load(cert, key, NULL, 30, &ca, detail, sizeof detail), CA_ERR_CERT, "%s",
		     detail);
	cr_assert(strstr(detail, "utf8.pem") != NULL && strstr(detail, "plain ASCII") != NULL, "%s",
		  detail);
	cr_assert_null(ca);
}
