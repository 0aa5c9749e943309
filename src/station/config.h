/*
 * Station file (INI, parsed with inih): what a fixture looks like and how it
 * provisions. Every error names FILE:LINE, the section and key, and what
 * would be valid. Unknown sections and keys are errors, so a typo never
 * silently falls back to a default.
 *
 *   [station]            name, provisioner, app, timeout, swd_speed, log_dir,
 *                        approtect, erase, retries
 *   [slot N]             probe (J-Link serial), label
 *   [credential NAME]    sec_tag, type, file | value | source = pool:NAME
 *                        (${IMEI}, ${DEVICEID}, ${SLOT} templates;
 *                        value = random:N for a PSK)
 *   [database]           url, policy, pool_key (the factory database, src/db)
 *
 * Relative paths resolve against the folder of the INI file.
 */
#ifndef NRFCRED_STATION_CONFIG_H
#define NRFCRED_STATION_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define STATION_MAX_SLOTS	64u
#define STATION_MAX_CREDENTIALS 64u
#define STATION_NAME_MAX	48u
#define STATION_SERIAL_MAX	24u
#define STATION_LABEL_MAX	32u

typedef enum {
	STATION_CONFIG_OK = 0,
	STATION_CONFIG_ERR_IO,	    /* cannot open / read the file */
	STATION_CONFIG_ERR_SYNTAX,  /* not INI: missing ']' or '=' */
	STATION_CONFIG_ERR_KEY,	    /* unknown section or key, duplicate key */
	STATION_CONFIG_ERR_VALUE,   /* a value out of range or not of its kind */
	STATION_CONFIG_ERR_MISSING, /* a required key or section is absent */
	STATION_CONFIG_ERR_NOMEM,
} station_config_err;

enum station_approtect_policy {
	STATION_APPROTECT_RECOVER = 0, /* CTRL-AP ERASEALL a protected part */
	STATION_APPROTECT_FAIL,	       /* refuse a protected part */
};

enum station_erase_policy {
	STATION_ERASE_ALL = 0, /* erase the whole chip before programming */
	STATION_ERASE_CHECK,   /* do not erase; fail unless the chip is blank */
};

struct station_slot_config {
	unsigned number;		/* N of [slot N], 1..STATION_MAX_SLOTS */
	char probe[STATION_SERIAL_MAX]; /* J-Link serial number as written */
	uint32_t serial;		/* its value (000260000001 == 260000001) */
	char label[STATION_LABEL_MAX];	/* optional; "" when not given */
	unsigned line;			/* line of the [slot N] header */
};

struct station_credential_config {
	char name[STATION_NAME_MAX];
	uint32_t sec_tag;
	int type;    /* enum nrfcred_cred_type, or NRFCRED_TYPE_KEYGEN */
	char *file;  /* absolute or INI-relative-resolved path, or NULL */
	char *value; /* literal content, or NULL; may be a secret (PSK): secure_mem */
	/* source = pool:NAME: this (sec_tag, type) comes from the board's
	 * bundle of that credential pool (issue 14); "" = file or value. */
	char pool[STATION_NAME_MAX];
	unsigned line;
	/* Per device (cred/template.h): file as written, before ${...} is
	 * filled in and the path resolved (NULL when the file has none; value
	 * then holds the template); random_len > 0 for `value = random:N`. */
	char *file_template;
	bool value_template;
	unsigned random_len;
	/* type = keygen (issue 11): the CSR's subject, a template like a
	 * value's (NULL = STATION_KEYGEN_SUBJECT), and the key usage
	 * %KEYGEN takes ("" = STATION_KEYGEN_USAGE). */
	char *subject;
	char key_usage[10];
};

#define STATION_KEYGEN_SUBJECT	 "CN=${IMEI}"
#define STATION_KEYGEN_USAGE	 "100000000" /* digitalSignature */
#define STATION_ONBOARD_ID	 "nrf-${IMEI}"
#define STATION_CA_DEFAULT_DAYS	 3650u

/* [ca]: the CA that signs the certificates of keygen credentials. */
struct station_ca_config {
	char *cert; /* resolved path; NULL: no [ca] section */
	char *key;
	unsigned days;
	unsigned line;
};

/* [station] attestation: read AT%ATTESTTOKEN from every board. */
enum station_attestation {
	STATION_ATTEST_NO = 0,
	STATION_ATTEST_YES,	 /* a modem without it: the row says so, the board passes */
	STATION_ATTEST_REQUIRED, /* a modem without it fails the board */
};

/* Whether the credential differs from board to board (${...}, random:N,
 * or a credential pool's bundle). A keygen one is per board as well,
 * without content here. */
bool station_credential_per_device(const struct station_credential_config *c);
/* `value = random:N`: N bytes of a fresh PSK per board. */
#define STATION_RANDOM_PSK_MIN 16u
#define STATION_RANDOM_PSK_MAX 64u

/* A modem firmware too old to report the SHA-256 of a stored credential. */
enum station_digest_policy {
	STATION_DIGEST_REQUIRE = 0,    /* such a board fails CHECK (default) */
	STATION_DIGEST_WHEN_AVAILABLE, /* accepted; the row says "unverified" */
};

/* How the credential table reaches the board (provision.h). */
enum station_delivery {
	STATION_DELIVERY_AUTO = 0, /* ram when the provisioner offers a session, else flash */
	STATION_DELIVERY_RAM,	   /* through the RAM mailbox: no secret in flash */
	STATION_DELIVERY_FLASH,	   /* patched into the image's table area */
};

/* How PROGRAM writes flash (issue 13). */
enum station_flash_method {
	STATION_FLASH_LOADER = 0, /* the RAM flash loader; direct if it does not start */
	STATION_FLASH_DIRECT,	  /* word by word over the MEM-AP */
};

/* How PROGRAM and VERIFY prove every byte written. */
enum station_verify {
	STATION_VERIFY_AUTO = 0, /* crc with the loader, readback with direct */
	STATION_VERIFY_CRC,	 /* the loader's CRC-32 of each range on the target */
	STATION_VERIFY_READBACK, /* read every byte back over SWD */
};

/* What a station does when the factory database cannot take a row. */
enum station_db_policy {
	STATION_DB_REQUIRE = 0, /* no board starts without it; a pass needs its row */
	STATION_DB_BEST_EFFORT, /* rows it cannot take go to LOG_DIR/<station>.dbspool */
};

struct station_config {
	char *path; /* the INI file as given */
	char *dir;  /* its folder: base of relative paths */
	char name[STATION_NAME_MAX];
	char *provisioner;   /* resolved path, or NULL: the default */
	char *app;	     /* resolved path, or NULL */
	uint32_t timeout_ms; /* firmware result timeout */
	uint32_t swd_khz;    /* SWD clock */
	char *log_dir;	     /* resolved path */
	enum station_approtect_policy approtect;
	enum station_erase_policy erase;
	unsigned retries; /* extra attempts of a failed probe step */
	bool lock;	  /* protect the part after the app is verified */
	enum station_digest_policy verify_digest;
	enum station_delivery delivery;
	/* Resolved path of the file whose bytes key the HMAC-SHA-256 that the
	 * CSV shows for a key or PSK; NULL: no fingerprint for them. */
	char *fingerprint_key;
	enum station_flash_method flash_method;
	enum station_verify verify;
	/* Resolved path of the file the random PSKs go to (secrets_out.h);
	 * NULL: none (then no credential may be random). */
	char *secrets_out;
	enum station_attestation attestation;
	char *onboard_device_id; /* template; NULL = STATION_ONBOARD_ID */
	struct station_ca_config ca;
	/* [database] url (secure_mem: it may hold a password), NULL when not
	 * given ($NRFCRED_DATABASE_URL is the CLI's fallback); policy. */
	char *db_url;
	enum station_db_policy db_policy;
	char *db_pool_key; /* [database] pool_key: resolved path, or NULL */
	size_t slot_count;
	struct station_slot_config slots[STATION_MAX_SLOTS]; /* sorted by number */
	size_t credential_count;
	struct station_credential_config credentials[STATION_MAX_CREDENTIALS];
};

#define STATION_DEFAULT_TIMEOUT_MS 20000u
#define STATION_DEFAULT_SWD_KHZ	   4000u
#define STATION_DEFAULT_RETRIES	   1u
#define STATION_DEFAULT_LOG_DIR	   "logs"

/*
 * Parses the station file at path. On success *out is a new config; on
 * failure *out is NULL and err (when not NULL) holds one line
 * "FILE:LINE: [section] key: what is wrong; valid: ...".
 */
station_config_err station_config_load(const char *path, struct station_config **out, char *err,
				       size_t errlen);
/* Same, from text in memory; `path` names the text in messages and gives
 * the folder relative paths resolve against. */
station_config_err station_config_parse(const char *text, const char *path,
					struct station_config **out, char *err, size_t errlen);
/* Frees the config, wiping literal credential values first. */
void station_config_free(struct station_config *cfg);

/* Credential type by name ("ca_cert", "client_cert", "client_key", "psk",
 * "psk_identity", "public_key", "device_id_public_key") or number 0..6;
 * -1 when unknown. */
int station_credential_type_parse(const char *s);
const char *station_credential_type_name(int type);

const char *station_config_strerror(station_config_err err);

#endif
