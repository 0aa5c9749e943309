/*
 * The spool: LOG_DIR/<station>.dbspool keeps the board rows a best-effort
 * station could not commit, one text line per row, until `nrfcred db sync`
 * replays them. A line: "nrfcred-dbspool-1", the row's fields, and a CRC-32
 * of everything before it, separated by tabs; a field's bytes outside
 * printable ASCII, and '%' and tab, are %XX (a NUL never is: refused). Read back as hostile input:
 * a line that does not parse (a torn last write, an edit) is kept, never replayed. No secret is in
 * a row (db.h).
 */
#ifndef NRFCRED_DB_DB_SPOOL_H
#define NRFCRED_DB_DB_SPOOL_H

#include <stdbool.h>
#include <stddef.h>

#include "db/db.h"

#define DB_SPOOL_MAGIC	  "nrfcred-dbspool-1"
#define DB_SPOOL_LINE_MAX 8192u /* a longer line is damaged */

/* A parsed line: row's strings point into text. */
struct db_spool_entry {
	struct db_board_row row;
	char text[DB_SPOOL_LINE_MAX];
};

/* The row as one line, '\n' included, into out (malloc'd); false when out
 * of memory or longer than DB_SPOOL_LINE_MAX. */
bool db_spool_format(const struct db_board_row *row, char **out, size_t *len);
/* One line (without its '\n'; len bytes, not NUL-terminated). False, with
 * why set, when it is not a whole valid line. */
bool db_spool_parse(const char *line, size_t len, struct db_spool_entry *e, const char **why);

/* Writes all len bytes of buf to fd (EINTR retried) and fsyncs it; false
 * with errno set otherwise. Both the station's append and db sync's rewrite
 * of a spool file go through it. */
bool db_spool_write_synced(int fd, const char *buf, size_t len);

#endif
