/*
 * What the CSV may say about a secret credential (a private key, a PSK).
 * Its SHA-256 is not an option: a short PSK is found from its digest at
 * once, and anyone can check a guessed key against it. Instead the row
 * says whether the modem verified it, and, when the station names a
 * fingerprint key, carries an HMAC-SHA-256 of the content under that key:
 * stable across rows and runs of the station, so the same credential is
 * recognised, and worthless without the key file.
 */
#ifndef NRFCRED_STATION_FINGERPRINT_H
#define NRFCRED_STATION_FINGERPRINT_H

#include <stddef.h>
#include <stdint.h>

/* Bounds of the key file: 32 bytes is HMAC-SHA-256's own key strength
 * (RFC 2104 §3: less weakens it); more than a few KB is not a key file. */
#define FINGERPRINT_KEY_MIN 32u
#define FINGERPRINT_KEY_MAX 4096u
/* "hmac-sha256:" and 64 hex digits, NUL. */
#define FINGERPRINT_HMAC_TEXT_LEN (12u + 64u + 1u)

/*
 * Reads the key file at path into a secure_mem block (*key, *len; free it
 * with secure_mem_free). Refuses, with err naming the file and what to do:
 * a file that is not regular, one that group or others may read or write
 * (the key is only as secret as the file), one shorter than
 * FINGERPRINT_KEY_MIN or longer than FINGERPRINT_KEY_MAX bytes. The key's
 * bytes never reach err. Returns 0 or -1.
 */
int fingerprint_key_read(const char *path, uint8_t **key, size_t *len, char *err, size_t errlen);

/* "hmac-sha256:<64 lower-case hex digits>" of data under key, into out. */
void fingerprint_hmac_text(const uint8_t *key, size_t keylen, const uint8_t *data, size_t len,
			   char out[FINGERPRINT_HMAC_TEXT_LEN]);

#endif
