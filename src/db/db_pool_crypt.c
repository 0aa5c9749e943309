/* The pool's key file and AES-256-GCM (NIST SP 800-38D: a 96-bit random
 * nonce per encryption under one key stays within the 2^32 invocation
 * bound for any realistic pool size). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <mbedtls/gcm.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cred/secure_mem.h"
#include "db/db_pool_crypt.h"

#define KEY_LEN 32u

struct db_pool_key {
	uint8_t bytes[KEY_LEN];
};

db_err db_pool_key_load(const char *path, struct db_pool_key **out, char *err, size_t errlen)
{
	*out = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		snprintf(err, errlen, "%s: cannot open%s: %s", path,
			 errno == ELOOP ? " (a symbolic link)" : "", strerror(errno));
		return DB_ERR_KEY;
	}
	struct stat st;
	const char *why = NULL;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
		why = "not a regular file";
	else if (st.st_mode & 077)
		why = "group or others may access it; chmod 600 it";
	else if (st.st_size != KEY_LEN)
		why = "not 32 bytes; make one with: head -c 32 /dev/urandom > FILE; chmod 600 FILE";
	struct db_pool_key *k = why ? NULL : secure_mem_alloc(sizeof *k);
	if (why == NULL && k == NULL)
		why = "out of memory";
	size_t got = 0;
	while (why == NULL && got < KEY_LEN) {
		ssize_t n = read(fd, k->bytes + got, KEY_LEN - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			why = "read error";
		else
			got += (size_t)n;
	}
	close(fd);
	if (why != NULL) {
		snprintf(err, errlen, "%s: %s", path, why);
		secure_mem_free(k);
		return DB_ERR_KEY;
	}
	*out = k;
	return DB_OK;
}

void db_pool_key_free(struct db_pool_key *key)
{
	secure_mem_free(key);
}

size_t db_pool_aad(const char *pool, const char *bundle, uint32_t sec_tag, int type, char *out,
		   size_t outlen)
{
	int n = snprintf(out, outlen, "%s%c%s%c%" PRIu32 "%c%d", pool, 0, bundle, 0, sec_tag, 0,
			 type);
	if (n < 0 || (size_t)n + 1 >= outlen)
		return 0;
	return (size_t)n + 1; /* the final NUL too */
}

bool db_pool_seal(const struct db_pool_key *key, const char *aad, size_t aadlen, const uint8_t *in,
		  size_t len, uint8_t *out, uint8_t nonce[DB_POOL_NONCE_LEN],
		  uint8_t tag[DB_POOL_TAG_LEN])
{
	size_t got = 0;
	while (got < DB_POOL_NONCE_LEN) {
		ssize_t n = getrandom(nonce + got, DB_POOL_NONCE_LEN - got, 0);
		if (n <= 0)
			return false;
		got += (size_t)n;
	}
	mbedtls_gcm_context gcm;
	mbedtls_gcm_init(&gcm);
	bool ok = mbedtls_gcm_setkey(&gcm, MBEDTLS_CIPHER_ID_AES, key->bytes, KEY_LEN * 8) == 0 &&
		  mbedtls_gcm_crypt_and_tag(&gcm, MBEDTLS_GCM_ENCRYPT, len, nonce,
					    DB_POOL_NONCE_LEN, (const unsigned char *)aad, aadlen,
					    in, out, DB_POOL_TAG_LEN, tag) == 0;
	mbedtls_gcm_free(&gcm); /* zeroizes its key schedule */
	return ok;
}

bool db_pool_open(const struct db_pool_key *key, const char *aad, size_t aadlen, const uint8_t *in,
		  size_t len, const uint8_t nonce[DB_POOL_NONCE_LEN],
		  const uint8_t tag[DB_POOL_TAG_LEN], uint8_t *out)
{
	mbedtls_gcm_context gcm;
	mbedtls_gcm_init(&gcm);
	bool ok = mbedtls_gcm_setkey(&gcm, MBEDTLS_CIPHER_ID_AES, key->bytes, KEY_LEN * 8) == 0 &&
		  mbedtls_gcm_auth_decrypt(&gcm, len, nonce, DB_POOL_NONCE_LEN,
					   (const unsigned char *)aad, aadlen, tag, DB_POOL_TAG_LEN,
					   in, out) == 0;
	mbedtls_gcm_free(&gcm);
	if (!ok)
		explicit_bzero(out, len);
	return ok;
}
