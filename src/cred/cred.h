/*
 * Credentials: load, check and hold the TLS credentials nrfcred writes into
 * the modem with AT%CMNG (CA certificate, client certificate, client private
 * key, PSK, PSK identity).
 *
 * A `struct cred_set` is an ordered list of entries {sec_tag, type, content,
 * SHA-256 of content}. Content is exactly the bytes the modem gets (no NUL
 * terminator): PEM text with LF line endings for certificates and keys, lower
 * case hex text for a PSK, the identity text for a PSK identity.
 *
 * What each loader stores:
 *   - certificate (PEM file): the file's text, CRLF/CR turned into LF. Every
 *     PEM block must be a CERTIFICATE and parse as X.509 (several = a chain).
 *   - certificate (DER file): re-emitted as one PEM CERTIFICATE block.
 *   - private key (PEM or DER, plain or encrypted): parsed by mbedTLS and
 *     re-emitted as UNENCRYPTED PEM by mbedTLS (SEC1 "EC PRIVATE KEY" or
 *     PKCS#1 "RSA PRIVATE KEY"). Why decrypt: the modem would need the key
 *     password stored next to the key anyway, and the table area that carries
 *     the key is erased after every run. So the stored bytes (and the SHA-256
 *     reported) may differ from the file even for a plain PEM key.
 *   - PSK: "0x"/"0X" prefix dropped, hex digits lower-cased (AT%CMNG type 3
 *     takes the key as ASCII hex), 1..64 bytes of key = 2..128 hex digits.
 *   - PSK identity: printable ASCII (0x20..0x7e), 1..128 bytes, no '"'.
 * Types 5 and 6 (public keys) are not supported yet (CRED_ERR_TYPE).
 *
 * Diagnostics: every call that can fail returns an `enum cred_err` and, when
 * given a `struct cred_diag`, fills it with what was wrong and what to do,
 * naming the file or origin label, never the content. Warnings (expired or
 * not yet valid certificate, nRF Cloud's sec_tag, ...) are collected in the
 * set; the caller prints them, cred never prints anything.
 *
 * Secrets: every buffer that held key or PSK material is wiped before it is
 * freed (mbedtls_platform_zeroize), entries are wiped by cred_set_destroy and
 * on replace. No temporary files are used.
 */
#ifndef NRFCRED_CRED_H
#define NRFCRED_CRED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "nrfcred/provision.h"
#include "cred/cred_type.h"

enum cred_err {
	CRED_OK = 0,
	CRED_ERR_INVALID_ARG,	  /* NULL where a value is needed */
	CRED_ERR_NOMEM,		  /* out of memory */
	CRED_ERR_IO,		  /* file cannot be opened or read */
	CRED_ERR_EMPTY,		  /* file or value is empty */
	CRED_ERR_TOO_LARGE,	  /* content longer than the configured maximum */
	CRED_ERR_BAD_CHAR,	  /* content holds '"' or NUL (AT%CMNG cannot carry them) */
	CRED_ERR_TYPE,		  /* type unknown or not supported */
	CRED_ERR_SEC_TAG,	  /* sec_tag not a decimal number in 0..2147483647 */
	CRED_ERR_CERT,		  /* not a valid X.509 certificate (or chain) */
	CRED_ERR_KEY,		  /* not a valid private key */
	CRED_ERR_KEY_ENCRYPTED,	  /* key is encrypted and no passphrase was given */
	CRED_ERR_KEY_PASSPHRASE,  /* passphrase does not decrypt the key */
	CRED_ERR_KEY_UNSUPPORTED, /* key encryption scheme mbedTLS cannot decrypt */
	CRED_ERR_KEY_MISMATCH,	  /* client key does not match the client certificate */
	CRED_ERR_PSK,		  /* PSK not 1..64 bytes of hex */
	CRED_ERR_PSK_IDENTITY,	  /* identity empty, too long, or not printable ASCII */
	CRED_ERR_DUPLICATE,	  /* (sec_tag, type) already in the set */
	CRED_ERR_TOO_MANY,	  /* more than NRFCRED_TABLE_MAX_ENTRIES entries */
	CRED_ERR_INTERNAL,	  /* mbedTLS failed to encode (should not happen) */
	CRED_ERR_COUNT
};

/* Human readable name of an error code ("unknown error" if out of range). */
const char *cred_strerror(enum cred_err err);

#define CRED_DIAG_LEN 256

/* What went wrong and what to do, e.g. "client private key 'dev.key' is
 * encrypted: give its passphrase with --key-passphrase". Never holds content. */
struct cred_diag {
	enum cred_err err;
	char detail[CRED_DIAG_LEN];
};

struct cred_warning {
	char text[CRED_DIAG_LEN];
};

/* The sec_tag nRF Cloud uses: writing it replaces the cloud credentials. */
#define CRED_SEC_TAG_NRF_CLOUD 16842753u
/* Largest credential file read (DER→PEM grows 4/3; PEM may carry comments). */
#define CRED_FILE_MAX (1024u * 1024u)

struct cred_set_config {
	size_t content_max; /* 0 = NRFCRED_CONTENT_MAX_DEFAULT (4077) */
	time_t now;	    /* reference for certificate validity warnings; 0 = no check */
};

/* Options for one add call; NULL = all defaults. */
struct cred_add_opts {
	bool replace;		/* replace an existing (sec_tag, type) in place */
	const char *passphrase; /* for encrypted private keys; NULL or "" = none */
	const char *origin;	/* label in messages instead of the path/"value"
				 * (e.g. "station.ini [credential cloud]") */
};

/* One entry, read only; valid until the set changes or is destroyed. */
struct cred_entry {
	uint32_t sec_tag;
	enum nrfcred_cred_type type;
	const uint8_t *content; /* not NUL terminated */
	size_t len;
	uint8_t sha256[32]; /* SHA-256 of content */
	const char *origin; /* file path or label it came from */
};

struct cred_set;

/* Creates an empty set. config may be NULL (defaults). Returns NULL on OOM. */
struct cred_set *cred_set_create(const struct cred_set_config *config);
/* Wipes every entry's content and frees the set. NULL is fine. */
void cred_set_destroy(struct cred_set *set);

/* Loads a credential file (PEM or DER for types 0-2; text for PSK (hex) and
 * PSK identity, trailing whitespace/newline ignored), validates it and adds
 * it. A key or certificate is checked against its counterpart already in the
 * set for the same sec_tag (CRED_ERR_KEY_MISMATCH). On any error the set is
 * unchanged and diag (if not NULL) says why. */
enum cred_err cred_set_add_file(struct cred_set *set, uint32_t sec_tag, enum nrfcred_cred_type type,
				const char *path, const struct cred_add_opts *opts,
				struct cred_diag *diag);

/* Adds a credential given as text: PSK hex (--psk) or PSK identity
 * (--psk_ident); also accepts PEM text for types 0-2. */
enum cred_err cred_set_add_value(struct cred_set *set, uint32_t sec_tag,
				 enum nrfcred_cred_type type, const char *value,
				 const struct cred_add_opts *opts, struct cred_diag *diag);

/* Adds content exactly as the modem gets it (e.g. read back from a table of a
 * patched image). It is re-validated but never transformed: certificates must
 * be PEM, keys unencrypted PEM, PSK hex of either case, no CR conversion. */
enum cred_err cred_set_add_raw(struct cred_set *set, uint32_t sec_tag, enum nrfcred_cred_type type,
			       const uint8_t *content, size_t len, const struct cred_add_opts *opts,
			       struct cred_diag *diag);

/* Re-checks the whole set: every client key matches the client certificate of
 * its sec_tag. (Adds already check this; use it after building a set another
 * way, or as a final gate.) */
enum cred_err cred_set_validate(const struct cred_set *set, struct cred_diag *diag);

/* Raw entry for cred_set_from_raw. */
struct cred_raw {
	uint32_t sec_tag;
	enum nrfcred_cred_type type;
	const uint8_t *content;
	size_t len;
};

/* Builds a set from raw contents (each through cred_set_add_raw, with origin
 * "table entry N"), then cred_set_validate. On error *out is NULL. */
enum cred_err cred_set_from_raw(const struct cred_raw *entries, size_t count,
				const struct cred_set_config *config, struct cred_set **out,
				struct cred_diag *diag);

size_t cred_set_count(const struct cred_set *set);
/* Entry at index (insertion order; a replace keeps the old position), NULL if
 * out of range. */
const struct cred_entry *cred_set_entry(const struct cred_set *set, size_t index);
/* Entry for (sec_tag, type), NULL if none. */
const struct cred_entry *cred_set_find(const struct cred_set *set, uint32_t sec_tag,
				       enum nrfcred_cred_type type);

/* Warnings collected by all calls on this set, oldest first. */
size_t cred_set_warning_count(const struct cred_set *set);
const struct cred_warning *cred_set_warning(const struct cred_set *set, size_t index);
/* Forgets the collected warnings (after the caller printed them). */
void cred_set_clear_warnings(struct cred_set *set);

/* Parses a sec_tag strictly: decimal digits only (no sign, no space, no
 * prefix), value 0..2147483647. */
enum cred_err cred_sec_tag_parse(const char *text, uint32_t *out, struct cred_diag *diag);

#endif
