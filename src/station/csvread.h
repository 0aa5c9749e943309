/*
 * Reads back the rows csvlog wrote (RFC 4180), as hostile input: a file
 * may end in a torn row (a write cut short by a crash or a full disk) or
 * hold lines another program wrote. Bounded: a record longer than
 * CSVREAD_RECORD_MAX or with more than CSVREAD_FIELDS_MAX cells is bad.
 */
#ifndef NRFCRED_STATION_CSVREAD_H
#define NRFCRED_STATION_CSVREAD_H

#include <stddef.h>

#define CSVREAD_FIELDS_MAX 40u
#define CSVREAD_RECORD_MAX 8192u

typedef enum {
	CSVREAD_OK = 0, /* one record in rec */
	CSVREAD_END,	/* nothing left */
	CSVREAD_TORN,	/* the rest has no line end: a row that was never finished */
	CSVREAD_BAD,	/* not a record (quoting, size); *pos is past its line */
} csvread_status;

struct csvread_record {
	size_t count;			      /* cells */
	const char *cell[CSVREAD_FIELDS_MAX]; /* NUL-terminated, into text */
	char text[CSVREAD_RECORD_MAX];
};

/* The record at buf[*pos], unquoted; *pos moves past it (and past a bad
 * line). A line end is LF or CRLF; a quoted cell may hold both. */
csvread_status csvread_next(const char *buf, size_t len, size_t *pos, struct csvread_record *rec);

#endif
