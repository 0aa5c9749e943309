/* Inside the pool: AES-256-GCM of one secret item (db_pool.h). */
#ifndef NRFCRED_DB_DB_POOL_CRYPT_H
#define NRFCRED_DB_DB_POOL_CRYPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db/db_pool.h"

#define DB_POOL_NONCE_LEN 12u
#define DB_POOL_TAG_LEN	  16u

/* The associated data of an item: pool, bundle, sec_tag, type, each
 * followed by a NUL (so "ab"+"c" and "a"+"bc" differ). Its length, or 0
 * when it does not fit out. */
size_t db_pool_aad(const char *pool, const char *bundle, uint32_t sec_tag, int type, char *out,
		   size_t outlen);
/* Encrypts len bytes of in into out (len bytes), with a fresh random
 * nonce; false when mbedTLS or getrandom fails. */
bool db_pool_seal(const struct db_pool_key *key, const char *aad, size_t aadlen, const uint8_t *in,
		  size_t len, uint8_t *out, uint8_t nonce[DB_POOL_NONCE_LEN],
		  uint8_t tag[DB_POOL_TAG_LEN]);
/* Decrypts and authenticates; false (out wiped) when the tag does not match. */
bool db_pool_open(const struct db_pool_key *key, const char *aad, size_t aadlen, const uint8_t *in,
		  size_t len, const uint8_t nonce[DB_POOL_NONCE_LEN],
		  const uint8_t tag[DB_POOL_TAG_LEN], uint8_t *out);

#endif
