/*
 * One board's credential table, for a job whose credentials differ from
 * board to board (station_job_create_per_device): built on the slot's
 * worker once the firmware's READY gave the IMEI, before anything of it
 * reaches the modem. ${IMEI}, ${DEVICEID} and ${SLOT} are filled in,
 * per-IMEI files read and checked (cred), `random:N` PSKs drawn from a
 * CTR-DRBG seeded by the OS; the fixed credentials come from the job.
 * Everything that may hold a key is secure_mem and wiped at destroy.
 *
 * This is the one place a board's table comes from: a type = keygen
 * credential is a KEYGEN entry here (key usage + its subject template
 * filled in like a value), after the others; the CSR -> CERT round that
 * follows is station/keygen.h's.
 */
#ifndef NRFCRED_STATION_BOARD_TABLE_H
#define NRFCRED_STATION_BOARD_TABLE_H

#include <stddef.h>
#include <stdint.h>

struct db_pool_claim;
struct station_job;
struct table;

/* Who the board is. */
struct board_ids {
	const char *imei;   /* 15 digits, from READY */
	uint64_t device_id; /* FICR DEVICEID */
	unsigned slot;	    /* [slot N] */
};

/* A PSK this board got fresh (the caller exports it before the table goes
 * out: secrets_out.h). */
struct board_secret {
	uint32_t sec_tag;
	char *hex; /* lowercase hex, NUL-terminated, secure_mem */
	size_t len;
};

struct board_table {
	struct table *table; /* this board's entries, station file order */
	uint8_t *request;    /* table encoded for the TABLE record (secure_mem) */
	size_t request_len;
	char **fingerprints; /* per entry, as station_job.cred_fingerprints */
	size_t fingerprint_count;
	struct board_secret *secrets;
	size_t secret_count;
};

/*
 * Builds the table of the board ids names from job's specs. A spec of a
 * credential pool (source = pool:NAME) takes the item of claim (the
 * board's bundle, db/db_pool.h) with its sec_tag and type; claim may be
 * NULL when no spec is. Returns 0, or -1 with err naming the credential
 * (FILE:LINE [credential NAME]) and, for a per-IMEI file, the expanded
 * path and what is wrong with it, for a pool the bundle and what it
 * lacks; never any credential content. *out is NULL on failure.
 */
int board_table_build(const struct station_job *job, const struct board_ids *ids,
		      const struct db_pool_claim *claim, struct board_table **out, char *err,
		      size_t errlen);

/* Wipes and frees everything. NULL is fine. */
void board_table_destroy(struct board_table *bt);

#endif
