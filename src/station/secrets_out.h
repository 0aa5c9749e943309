/*
 * `[station] secrets_out`: where the random PSKs of a run are kept, so a
 * key a modem holds is never lost. CSV (RFC 4180, no cell ever needs
 * quoting), header
 *
 *   utc_time,station,slot,imei,sec_tag,psk_hex
 *
 * one row per PSK, psk_hex lowercase (exactly the text the modem stores).
 * The file is created 0600, opened O_APPEND|O_NOFOLLOW; an existing file
 * that is a symlink, not a regular file, not ours, or readable or writable
 * by group or others is refused. Each row is one write(2) and fsync'd
 * before secrets_out_append returns: the caller sends the key only then.
 * Nothing else nrfcred writes holds these keys.
 */
#ifndef NRFCRED_STATION_SECRETS_OUT_H
#define NRFCRED_STATION_SECRETS_OUT_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
	SECRETS_OUT_OK = 0,
	SECRETS_OUT_ERR_IO,	/* open / write / fsync failed; errno is kept */
	SECRETS_OUT_ERR_UNSAFE, /* a symlink, not a regular file, or not mode 0600 */
	SECRETS_OUT_ERR_HEADER, /* an existing file's first line is not the header */
	SECRETS_OUT_ERR_NOMEM,
} secrets_out_err;

#define SECRETS_OUT_HEADER "utc_time,station,slot,imei,sec_tag,psk_hex"

struct secrets_out;

/* Opens (creates) path for the station's rows. why (when not NULL) gets
 * what is wrong and what to do. */
secrets_out_err secrets_out_open(const char *path, const char *station, struct secrets_out **out,
				 char *why, size_t whylen);
/* One row (psk_hex: the PSK as hex text, len digits), written and
 * fsync'd; thread-safe. The row's buffer is wiped. */
secrets_out_err secrets_out_append(struct secrets_out *so, const char *utc_time, unsigned slot,
				   const char *imei, uint32_t sec_tag, const char *psk_hex,
				   size_t len);
const char *secrets_out_path(const struct secrets_out *so);
void secrets_out_close(struct secrets_out *so);
const char *secrets_out_strerror(secrets_out_err err);

#endif
