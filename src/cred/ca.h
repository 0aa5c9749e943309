/*
 * The station's certificate authority (issue 11): checks the CSR a modem
 * made with %KEYGEN and issues the client certificate for it. The CA key is
 * read into locked memory and wiped (secure_mem); it is never printed.
 * Thread-safe: the slots' workers issue concurrently.
 */
#ifndef NRFCRED_CRED_CA_H
#define NRFCRED_CRED_CA_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
	CA_OK = 0,
	CA_ERR_IO,	      /* a file cannot be read */
	CA_ERR_CERT,	      /* [ca] cert is no X.509 certificate */
	CA_ERR_NOT_CA,	      /* the certificate is not a CA (basicConstraints) */
	CA_ERR_KEY,	      /* [ca] key is no private key */
	CA_ERR_KEY_ENCRYPTED, /* the key is encrypted and no passphrase was given */
	CA_ERR_PASSPHRASE,    /* the passphrase does not decrypt the key */
	CA_ERR_KEY_MISMATCH,  /* the key is not the certificate's */
	CA_ERR_DAYS,	      /* days outside 1..CA_DAYS_MAX */
	CA_ERR_NOMEM,
	CA_ERR_RANDOM,	      /* the CTR-DRBG could not be seeded or run */
	CA_ERR_CSR,	      /* the CSR does not parse */
	CA_ERR_CSR_KEY,	      /* its key is not EC P-256 */
	CA_ERR_CSR_SIGNATURE, /* its signature does not verify with its own key */
	CA_ERR_CSR_SUBJECT,   /* its subject is not the expected one */
	CA_ERR_ISSUE,	      /* mbedTLS could not write the certificate */
} ca_err;

#define CA_DAYS_MAX 36500u

struct ca;

/*
 * Loads the CA certificate (PEM) and its private key (PEM or DER; an
 * encrypted key needs passphrase, NULL or "" = none). days: validity of
 * the certificates it issues. On failure detail says what, naming the file.
 */
ca_err ca_load(const char *cert_path, const char *key_path, const char *passphrase, unsigned days,
	       struct ca **out, char *detail, size_t detail_len);
/* Wipes the key and frees. NULL is fine. */
void ca_destroy(struct ca *ca);

/* What ca_issue proved and made. */
struct ca_issued {
	uint8_t public_key[65]; /* the CSR's P-256 point, 0x04 || X || Y */
	uint8_t serial[16];	/* positive: the top bit is clear */
	char subject[256];	/* as the CSR carries it (mbedTLS notation) */
};

/*
 * Checks the DER CSR (hostile input: it came from a board): it parses, its
 * key is EC P-256, its signature verifies with that key (SHA-256), and its
 * subject equals expected_subject (attribute by attribute, in order,
 * spaces around ',' ignored). Then issues an X.509 v3 client certificate:
 * serial 16 random bytes (CTR-DRBG, positive), valid from now for the CA's
 * days, issuer the CA's subject, basicConstraints CA:FALSE, keyUsage
 * digitalSignature, extKeyUsage clientAuth, subject and authority key
 * identifiers. pem gets it NUL terminated (cap bytes), *pem_len its length
 * without the NUL. detail names what failed.
 */
ca_err ca_issue(struct ca *ca, const uint8_t *csr, size_t csr_len, const char *expected_subject,
		char *pem, size_t cap, size_t *pem_len, struct ca_issued *issued, char *detail,
		size_t detail_len);

const char *ca_strerror(ca_err err);

#endif
