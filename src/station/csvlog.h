/*
 * Per-slot CSV log: LOGDIR/<station>-slot<N>.csv, one row per board, pass or
 * fail. The file is opened O_APPEND (rows from restarts and from a second
 * process never interleave mid-row), the header is written only when the
 * file is empty, and every row is fsync'd before csvlog_append returns, so a
 * power cut loses at most the board in progress. Quoting follows RFC 4180.
 * No secret ever reaches a row, nor the digest of one: credentials appear
 * as sec_tag/type, the SHA-256 of a certificate or identity, and for a key
 * or PSK "modem-verified"/"unverified" or an HMAC (station/job.h).
 */
#ifndef NRFCRED_STATION_CSVLOG_H
#define NRFCRED_STATION_CSVLOG_H

#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>

typedef enum {
	CSVLOG_OK = 0,
	CSVLOG_ERR_IO, /* open / write / fsync failed; errno is kept */
	CSVLOG_ERR_NOMEM,
	CSVLOG_ERR_NAME, /* station name or slot not usable in a file name */
	CSVLOG_ERR_HEADER, /* an existing file's first line is not CSVLOG_HEADER */
} csvlog_err;

/* One board. Every field may be NULL (an empty cell). */
struct csvlog_row {
	const char *utc_time; /* 2026-11-25T01:02:03.456Z */
	const char *station;
	unsigned slot;
	const char *probe;
	const char *imei;
	const char *result;	 /* "pass" or "fail" */
	const char *failed_step; /* e.g. "program"; empty on pass */
	const char *error;	 /* error text in words */
	uint64_t duration_ms;
	const char *part; /* e.g. "nRF9160" */
	const char *modem_fw;
	const char *sec_tags;	 /* "16842753/0;16842753/1" (sec_tag/type) */
	const char *cred_sha256; /* ';'-separated, same order as sec_tags (job.h) */
	const char *provisioner_sha256;
	const char *app_sha256;
	const char *version;  /* nrfcred version */
	uint32_t swd_khz;     /* SWD clock the board ended at (after fallbacks) */
	unsigned resets;      /* resets issued or seen on the board */
	bool locked;	      /* lock = yes proved the part locked */
	const char *digest;   /* "modem", "unavailable" (accepted), or "" */
	const char *delivery; /* "ram" or "flash" */
	unsigned boots;	      /* firmware boots that spoke the session (RAM delivery) */
	bool sim_build;	      /* column provisioner_build: "simulator" or "target" */
	/* "yes": --reprovision let this IMEI through although the logs hold a
	 * pass for it; "" otherwise. */
	const char *reprovisioned;
};

#define CSVLOG_HEADER                                                                              \
	"utc_time,station,slot,probe_serial,imei,result,failed_step,error,duration_ms,part,"       \
	"modem_fw,sec_tags,cred_sha256,provisioner_sha256,app_sha256,nrfcred_version,swd_khz,"     \
	"resets,locked,digest,delivery,boots,provisioner_build,reprovisioned"

struct csvlog;

/* Creates log_dir if missing (one level) and opens the slot's file. */
csvlog_err csvlog_open(const char *log_dir, const char *station, unsigned slot,
		       struct csvlog **out);
/* Appends one row (one write(2) call) and fsyncs. On CSVLOG_ERR_IO errno
 * says why (ENOSPC, EIO, ...) and a partly written row has been cut off
 * again, so the file keeps whole rows only. */
csvlog_err csvlog_append(struct csvlog *log, const struct csvlog_row *row);
const char *csvlog_path(const struct csvlog *log);
void csvlog_close(struct csvlog *log);

/*
 * RFC 4180 cell: copied as is, unless it holds a comma, a double quote, CR
 * or LF (or starts/ends with a space): then wrapped in double quotes with
 * inner quotes doubled. A cell starting with '=', '+', '-', '@', a tab or
 * a CR is defused for spreadsheets (OWASP, CSV injection): a single quote
 * goes in front of it and the whole is quoted ("'=1+1"). Writes at most
 * outlen bytes including the NUL; returns the length the full cell needs
 * (like snprintf).
 */
size_t csvlog_quote(const char *in, char *out, size_t outlen);
/* The whole row as one line ending in CRLF; malloc'd, NULL on no memory. */
char *csvlog_format_row(const struct csvlog_row *row);

const char *csvlog_strerror(csvlog_err err);

#endif
