/*
 * The station's write-ahead journal, LOG_DIR/<station>.journal: before the
 * first secret reaches a board, its slot appends an "open" line (probe,
 * the board's FICR DEVICEID, the step) and fsyncs it; once the board is
 * wiped, a "close" line. A crash in between (kill -9, power) leaves the
 * open line without its close, and the next start knows which board may
 * still hold keys. No secret is ever written: the lines carry serial
 * numbers, a DEVICEID, a step name and a time.
 *
 * Text, one record per line, each ending in the CRC-32 of the rest of it:
 *
 *   nrfcred journal 1
 *   open 7 2026-12-02T11:16:00.331Z slot=3 probe=000260000003 deviceid=4e52460260000003
 * step=program crc=1a2b3c4d close 7 2026-12-02T11:16:02.001Z wiped crc=5e6f7a8b
 *
 * The file is read as hostile input: a line without its '\n' (a torn
 * write: its fsync never returned, so its step never ran) and a line that
 * does not parse or whose CRC is wrong are skipped and counted. When no
 * entry is open any more (and at every start) the file is rewritten
 * atomically with only the open entries (temporary file, fsync, rename,
 * fsync of the folder), so it does not grow.
 */
#ifndef NRFCRED_STATION_JOURNAL_H
#define NRFCRED_STATION_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define JOURNAL_HEADER	 "nrfcred journal 1"
#define JOURNAL_LINE_MAX 200u /* longer lines are not ours */
/* Open entries a journal holds at most (a station has up to 64 slots; more
 * means a file nrfcred did not write). */
#define JOURNAL_MAX_OPEN 256u
/* A journal is compacted whenever nothing is open; this bounds it when
 * something always is (a board nobody could check stays open). */
#define JOURNAL_COMPACT_BYTES (64ul * 1024ul)
/* A larger file is not a journal nrfcred wrote. */
#define JOURNAL_FILE_MAX (4ul * 1024ul * 1024ul)

typedef enum {
	JOURNAL_OK = 0,
	JOURNAL_ERR_IO, /* open / read / write / fsync / rename failed; errno is kept */
	JOURNAL_ERR_NOMEM,
	JOURNAL_ERR_NAME,   /* station name not usable in a file name */
	JOURNAL_ERR_FORMAT, /* not an nrfcred journal (first line, size) */
	JOURNAL_ERR_FULL,   /* JOURNAL_MAX_OPEN entries are open */
	JOURNAL_ERR_ARG,    /* an entry field that cannot be written (see journal_format_open) */
} journal_err;

/* How an entry was closed. */
enum journal_how {
	JOURNAL_WIPED = 0, /* the run's own wipe (erase-all, read back blank) */
	JOURNAL_RECOVERED, /* a later start found the board and wiped it */
	JOURNAL_GONE,	   /* a later start found another board or none: warned */
	JOURNAL_HOW_COUNT
};

struct journal_entry {
	uint32_t id;	    /* unique among the file's entries, > 0 */
	char time[32];	    /* when it was opened, "2026-12-02T11:16:00.331Z" */
	unsigned slot;	    /* [slot N] */
	char probe[24];	    /* J-Link serial as the station file writes it (digits) */
	uint64_t device_id; /* FICR INFO.DEVICEID[1] << 32 | DEVICEID[0] */
	char step[16];	    /* the step about to run, e.g. "program" */
};

/* What reading a journal found besides its open entries. */
struct journal_scan {
	size_t lines;	       /* complete lines, header included */
	size_t bad_lines;      /* skipped: syntax, CRC, unknown id, duplicate id */
	size_t first_bad_line; /* 1-based; 0 = none */
	size_t dropped;	       /* open entries beyond the caller's capacity */
	bool torn_tail;	       /* the last line had no '\n' (skipped) */
	uint32_t max_id;       /* highest id seen in a valid line */
};

/* "wiped", "recovered", "gone"; "?" out of range. */
const char *journal_how_name(enum journal_how how);

/*
 * One open line with its '\n' into out (at most outlen bytes with the NUL);
 * returns its length, 0 when a field cannot be written: id 0, time not in
 * the format above, probe not 1-20 digits, step not 1-15 of [a-z_], or
 * outlen too small.
 */
size_t journal_format_open(const struct journal_entry *e, char *out, size_t outlen);
/* One close line with its '\n'; 0 as above. */
size_t journal_format_close(uint32_t id, const char *time, enum journal_how how, char *out,
			    size_t outlen);

/*
 * Reads a journal's text: the entries opened and not closed go to
 * open[0 .. *open_count) in file order (at most max_open; the others are
 * counted in scan->dropped). An empty text, or a torn first line that is a
 * prefix of the header, is an empty journal. JOURNAL_ERR_FORMAT when the
 * first line is not JOURNAL_HEADER. Pure; never reads past len.
 */
journal_err journal_parse(const char *text, size_t len, struct journal_entry *open, size_t max_open,
			  size_t *open_count, struct journal_scan *scan);

struct journal;

/*
 * Opens LOG_DIR/<station>.journal (creating log_dir, one level, and the
 * file): reads what an earlier run left open (journal_leftover), then
 * rewrites the file with only those entries. scan (may be NULL) gets what
 * the read found. On JOURNAL_ERR_IO errno says why.
 */
journal_err journal_open(const char *log_dir, const char *station, struct journal **out,
			 struct journal_scan *scan);
/* The entries an earlier run left open, as journal_open found them (they
 * stay open in the file until journal_end closes them). */
size_t journal_leftover_count(const struct journal *j);
const struct journal_entry *journal_leftover(const struct journal *j, size_t i);
/*
 * Appends e as an open entry and fsyncs; e->id is assigned here. Any
 * thread (a mutex orders the writers). On failure nothing is open.
 */
journal_err journal_begin(struct journal *j, struct journal_entry *e);
/*
 * Appends the close of entry id and fsyncs; then, when nothing is open any
 * more (or the file passed JOURNAL_COMPACT_BYTES), rewrites the file with
 * the open entries only. A failed compaction is not an error (the close
 * line is written). Any thread. On failure the entry stays open.
 */
journal_err journal_end(struct journal *j, uint32_t id, const char *time, enum journal_how how);
/* Entries open now (leftovers included). Any thread. */
size_t journal_open_count(struct journal *j);
const char *journal_path(const struct journal *j);
void journal_close(struct journal *j);

const char *journal_strerror(journal_err err);

#endif
