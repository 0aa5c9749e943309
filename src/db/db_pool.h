/*
 * Credential pools (issue 14): per-device bundles (e.g. one client
 * certificate and key per device, a PSK identity and PSK) imported once,
 * claimed by one board each. Certificates and identities are stored as
 * they are; private keys and PSKs only AES-256-GCM encrypted under a key
 * file (32 random bytes, mode 0600), a fresh 12-byte nonce per item, the
 * pool, bundle, sec_tag and type as associated data (a ciphertext moved to
 * another bundle or type does not decrypt).
 *
 * A bundle's life: free -> claimed (SELECT ... FOR UPDATE SKIP LOCKED: two
 * stations never get the same one, neither waits for the other) -> bound
 * (the modem confirmed it, for that IMEI) | free again (nothing reached
 * the modem) | burned (a write was attempted and not confirmed: never
 * reused).
 */
#ifndef NRFCRED_DB_DB_POOL_H
#define NRFCRED_DB_DB_POOL_H

#include <stdint.h>
#include <stdio.h>

#include "db/db.h"

#define DB_POOL_NAME_MAX   64u
#define DB_POOL_BUNDLE_MAX 128u
#define DB_POOL_ITEMS_MAX  16u

struct db_pool_key;

/* Reads the key file: exactly 32 bytes, a regular file (no symbolic link)
 * that only its owner may read. err names the file and the fix. */
db_err db_pool_key_load(const char *path, struct db_pool_key **out, char *err, size_t errlen);
void db_pool_key_free(struct db_pool_key *key);

struct db_pool_import_counts {
	unsigned bundles;  /* inserted */
	unsigned items;	   /* inserted */
	unsigned existing; /* bundles already in the pool: left as they are */
};

/* Imports SOURCE into pool NAME in one transaction (all or nothing):
 *  - a folder: one subfolder per bundle (its name is the bundle id), one
 *    file per item named SEC_TAG.TYPE[.anything] (42.client_cert.pem,
 *    42.client_key.pem, 43.psk, 43.psk_identity);
 *  - a .csv file: header "bundle,sec_tag,type,value", one item a line;
 *    value is the text of a psk or psk_identity, else a file path
 *    (relative to the CSV's folder).
 * Every item is checked as a station credential is (cred_set), a bundle's
 * client key against its certificate. err: the file (and line) and why. */
db_err db_pool_import(const char *url, const char *pool, const struct db_pool_key *key,
		      const char *source, struct db_pool_import_counts *counts, char *err,
		      size_t errlen);

/* One line per pool: name, free, claimed, bound, burned. */
db_err db_pool_status(const char *url, const char *pool, FILE *out, char *err, size_t errlen);

struct db_pool_item {
	uint32_t sec_tag;
	int type;	  /* enum nrfcred_cred_type */
	uint8_t *content; /* secure_mem; decrypted for keys and PSKs */
	size_t len;
};

struct db_pool_claim {
	int64_t id;
	char pool[DB_POOL_NAME_MAX];
	char bundle[DB_POOL_BUNDLE_MAX];
	size_t count;
	struct db_pool_item items[DB_POOL_ITEMS_MAX];
};

/* Any thread (the station's connection, under its lock). Claims the
 * oldest free bundle of pool for this station and slot and decrypts it.
 * DB_ERR_POOL_EMPTY when none is left; DB_ERR_KEY when it does not
 * decrypt (the bundle is then marked burned: it cannot be used). */
db_err db_pool_claim(struct db_station *db, const char *pool, const struct db_pool_key *key,
		     unsigned slot, struct db_pool_claim **out, char *why, size_t whylen);
/* The modem confirmed every item: claimed -> bound to imei. */
db_err db_pool_bind(struct db_station *db, const struct db_pool_claim *c, const char *imei,
		    char *why, size_t whylen);
/* Nothing of it reached the modem: claimed -> free. */
db_err db_pool_return(struct db_station *db, const struct db_pool_claim *c, char *why,
		      size_t whylen);
/* A write was attempted and not confirmed: claimed -> burned. */
db_err db_pool_burn(struct db_station *db, const struct db_pool_claim *c, char *why, size_t whylen);
/* At a station's start, before its first claim: every bundle this station
 * (by name) left claimed is burned: its run ended without settling it (a
 * crash, kill -9, a fate the database did not take). Burned, not returned:
 * nothing tells whether its table reached a modem (the journal's entry
 * closes at the wipe, before the board's fate is settled, and a modem keeps
 * its credentials through the wipe), and a bundle two boards hold is worse
 * than one lost. *count bundles; list names them ("POOL/BUNDLE (slot N,
 * claimed TIME)", comma-separated, cut at listlen). */
db_err db_pool_burn_stale(struct db_station *db, char *list, size_t listlen, unsigned *count,
			  char *why, size_t whylen);
/* Wipes the decrypted contents and frees the claim. NULL is fine. */
void db_pool_claim_free(struct db_pool_claim *c);

#endif
