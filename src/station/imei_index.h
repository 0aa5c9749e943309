/*
 * The IMEIs a station has provisioned: every `pass` row of the per-slot
 * CSV logs in its log folder (LOG_DIR/<station>-slot<N>.csv, of any
 * station sharing the folder), read back at start, then kept up to date
 * by the run. A hash table: one lookup per board, whatever the history.
 * Not thread-safe: the runner holds its IMEI lock around each call.
 */
#ifndef NRFCRED_STATION_IMEI_INDEX_H
#define NRFCRED_STATION_IMEI_INDEX_H

#include <stddef.h>

typedef enum {
	IMEI_INDEX_OK = 0,
	IMEI_INDEX_ERR_IO, /* the folder or a log cannot be read; errno is kept */
	IMEI_INDEX_ERR_NOMEM,
} imei_index_err;

/* Where an IMEI was first provisioned. */
struct imei_index_entry {
	char imei[16];
	char time[32]; /* utc_time of the row */
	char station[64];
	unsigned slot;
};

/* What the rebuild read. */
struct imei_index_stats {
	size_t files, rows, passes;
	size_t bad_rows;      /* lines that are not rows of this format (skipped) */
	size_t torn_rows;     /* a last row without its line end (skipped) */
	size_t foreign_files; /* *-slot<N>.csv with another header (skipped) */
};

struct imei_index;

struct imei_index *imei_index_create(void);
void imei_index_destroy(struct imei_index *idx);

/* Reads every LOG_DIR/<name>-slot<N>.csv (a missing folder is empty).
 * On IMEI_INDEX_ERR_IO, path (pathlen bytes) names what failed. */
imei_index_err imei_index_load_dir(struct imei_index *idx, const char *log_dir,
				   struct imei_index_stats *stats, char *path, size_t pathlen);
/* Reads one log's text (header first); adds its pass rows. */
void imei_index_load_text(struct imei_index *idx, const char *text, size_t len,
			  struct imei_index_stats *stats);

/* Records a pass; an IMEI already there keeps its first entry. */
imei_index_err imei_index_add(struct imei_index *idx, const char *imei, const char *time,
			      const char *station, unsigned slot);
/* The entry of imei, or NULL. Valid until the next add. */
const struct imei_index_entry *imei_index_find(const struct imei_index *idx, const char *imei);
size_t imei_index_count(const struct imei_index *idx);

#endif
