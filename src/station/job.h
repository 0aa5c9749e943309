/*
 * What every slot of a run writes: the provisioner image patched with the
 * credential table (built once, shared read-only by all slots), the table
 * itself (to check each board's result against), the optional application
 * image, and the fingerprints the CSV log records. Never a secret in the
 * strings here, nor a digest of one: credentials appear as sec_tag/type,
 * the SHA-256 of a certificate or identity, and for a key or PSK whether
 * the modem verified it, or an HMAC under the station's fingerprint key
 * (station/fingerprint.h).
 */
#ifndef NRFCRED_STATION_JOB_H
#define NRFCRED_STATION_JOB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "provision/manifest.h"
#include "station/config.h"

struct ca;
struct cred_set;
struct image;
struct result;
struct table;

/* A credential of the station file as the job keeps it when some of them
 * differ from board to board (station_job_create_per_device): each
 * board's table is built from these at its READY (station/board_table.h). */
struct station_cred_spec {
	uint32_t sec_tag;
	uint8_t type;	    /* enum nrfcred_cred_type, or NRFCRED_TYPE_KEYGEN */
	size_t fixed;	    /* its entry in job->table; SIZE_MAX when per device */
	char *text;	    /* template of the value (secure_mem) or the path as written */
	bool is_file;	    /* text is a path (relative to job->base_dir) */
	unsigned random_len; /* > 0: a fresh PSK of that many bytes */
	/* NRFCRED_TYPE_KEYGEN: text is the subject template, key_usage what
	 * %KEYGEN takes; the modem makes the key (station/keygen.h). */
	char key_usage[10];
	bool from_pool;	     /* the board's bundle of job->pool has it */
	char origin[STATION_NAME_MAX + 300]; /* "FILE:LINE [credential NAME]" */
	char name[STATION_NAME_MAX + 16];    /* "[credential NAME]" */
};

struct station_job {
	struct image *image;	     /* patched provisioner: what PROGRAM writes */
	struct manifest manifest;    /* where the table and the result live */
	struct table *table;	     /* what was patched in */
	struct image *app;	     /* NULL: no application step */
	char provisioner_sha256[65]; /* of the provisioner before patching */
	char app_sha256[65];	     /* "" without an app */
	char *sec_tags;		     /* "42/3;42/4" (sec_tag/type, table order) */
	/* Per table entry: SHA-256 hex of a public one; of a secret NULL, or
	 * "hmac-sha256:..." after station_job_use_fingerprint_key. */
	char **cred_fingerprints;
	size_t fingerprint_count;
	uint32_t timeout_ms; /* upper bound for the firmware's result */
	bool borrowed;	     /* image and table belong to the caller */
	/* STATION_DELIVERY_RAM: image is the provisioner as built (no table);
	 * the table goes through the mailbox, encoded once in request. */
	enum station_delivery delivery;
	uint8_t *request; /* the encoded table (may hold keys; wiped at destroy) */
	size_t request_len;
	/* Per device: table holds the fixed credentials only, request is
	 * NULL, and cred_fingerprints are each board's (board_table.h). */
	bool per_board;
	struct station_cred_spec *specs; /* station file order */
	size_t spec_count;
	char *base_dir;		   /* where relative template paths resolve */
	uint8_t *fingerprint_key;  /* secure_mem copy for the boards' HMACs; NULL = none */
	size_t fingerprint_key_len;
	bool random_psk; /* some spec is random: secrets_out gets the PSKs */
	bool keygen;	 /* some spec is type = keygen (made on the modem) */
	struct ca *ca; /* [ca]: signs the keygen entries' CSRs; NULL without */
	/* The credential pool a board claims a bundle of at READY (one per
	 * station file, config.c); "": none. */
	char pool[STATION_NAME_MAX];
};

/*
 * Reads the provisioner (Intel HEX), finds its manifest, builds the table
 * from creds (every entry delete-before-write; NULL or empty with imei_only
 * for an IMEI-only run), and reads the app when app_path is not NULL. With
 * the flash delivery (or AUTO and a provisioner without a session) the
 * table is patched into a copy of the image; with the RAM delivery the
 * image stays as built. err gets one line naming the file and what is wrong.
 */
int station_job_create(const char *provisioner_path, const struct cred_set *creds, bool imei_only,
		       const char *app_path, uint32_t timeout_ms, enum station_delivery delivery,
		       struct station_job **out, char *err, size_t errlen);

/*
 * The same for a station file with per-device credentials (${...} in a
 * value or path, value = random:N): creds holds the others (loaded by
 * station_job_load_credentials), each board's table is built when its
 * firmware's READY gave the IMEI (board_table_build). Needs the RAM
 * delivery: the flash one writes the table before the IMEI is known.
 */
int station_job_create_per_device(const char *provisioner_path, const struct cred_set *creds,
				  const struct station_config *cfg, struct station_job **out,
				  char *err, size_t errlen);

/* Whether any credential of cfg is per device. */
bool station_config_has_per_device(const struct station_config *cfg);

/* The delivery a provisioner with manifest m gets for the wanted one: AUTO
 * resolves to RAM when m offers a session, else FLASH. Returns -1 with err
 * set when m cannot do what is wanted. */
int station_job_resolve_delivery(const struct manifest *m, enum station_delivery want,
				 enum station_delivery *out, char *err, size_t errlen);

/*
 * Builds a job around an image `nrfcred provision`'s table code prepared:
 * patched for the FLASH delivery, as built for RAM. The job borrows image
 * and table: they must outlive it and are not freed by station_job_destroy.
 * The CSV's provisioner digest is then the image's as given.
 */
int station_job_wrap(struct image *image, struct table *table, const char *app_path,
		     uint32_t timeout_ms, enum station_delivery delivery, struct station_job **out,
		     char *err, size_t errlen);

/* Gives each secret entry the HMAC fingerprint under key (keylen bytes)
 * instead of the row's verified/unverified word. The key is not kept.
 * Returns -1 when out of memory. */
int station_job_use_fingerprint_key(struct station_job *job, const uint8_t *key, size_t keylen);

/* The CSV's cred_sha256 cell of a board, entries ';'-separated in table
 * order: the fingerprints above, and for a secret without one
 * STATION_JOB_MODEM_VERIFIED when the board passed and the modem's SHA-256
 * of it matched (res: the board's result, NULL without one), else
 * STATION_JOB_UNVERIFIED. malloc'd; NULL when out of memory. */
char *station_job_cred_cell(const struct station_job *job, bool passed, const struct result *res);
/* The same over any fingerprint list (a board's own, board_table.h). */
char *station_cred_cell(char *const *fingerprints, size_t count, bool passed,
			const struct result *res);
#define STATION_JOB_MODEM_VERIFIED "modem-verified"
#define STATION_JOB_UNVERIFIED	   "unverified"

/* Loads the [credential NAME] sections of a station file into a new set,
 * every entry named "FILE [credential NAME]" in messages; per-device ones
 * are left for the boards (station_job_create_per_device). */
int station_job_load_credentials(const struct station_config *cfg, struct cred_set **out, char *err,
				 size_t errlen);

/*
 * Issue 11: on-device key generation and attestation. Loads [ca]
 * (passphrase: NULL or "" = none) when some credential is type = keygen
 * (those are specs of a per-board job: board_table_build makes their
 * entries), and sets the table's attestation flag (re-encoding the
 * request of a job that has one). Needs the RAM delivery. Nothing to do
 * returns 0 at once.
 */
int station_job_add_keygen(struct station_job *job, const struct station_config *cfg,
			   const char *passphrase, char *err, size_t errlen);

void station_job_destroy(struct station_job *job);

#endif
