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
	struct ca *ca; /* [ca]: signs the keygen entries' CSRs; NULL without */
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
#define STATION_JOB_MODEM_VERIFIED "modem-verified"
#define STATION_JOB_UNVERIFIED	   "unverified"

/* Loads the [credential NAME] sections of a station file into a new set,
 * every entry named "FILE [credential NAME]" in messages. */
int station_job_load_credentials(const struct station_config *cfg, struct cred_set **out, char *err,
				 size_t errlen);

/*
 * Issue 11: appends the station file's type = keygen credentials to the
 * table (entry data: key usage + subject template) and the attestation
 * flag, loads [ca] (passphrase: NULL or "" = none) and re-encodes the
 * request. Needs the RAM delivery. Nothing to do returns 0 at once.
 */
int station_job_add_keygen(struct station_job *job, const struct station_config *cfg,
			   const char *passphrase, char *err, size_t errlen);

void station_job_destroy(struct station_job *job);

#endif
