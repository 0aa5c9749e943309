/* HMAC fingerprints of secret credentials; see fingerprint.h. */
#include "station/fingerprint.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mbedtls/md.h>

#include "cred/secure_mem.h"

int fingerprint_key_read(const char *path, uint8_t **key, size_t *len, char *err, size_t errlen)
{
	*key = NULL;
	*len = 0;
	/* O_NOFOLLOW: the mode checked below must be the key file's own, not
	 * that of a link to it. */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		snprintf(err, errlen,
			 "fingerprint_key %s: cannot open: %s; give a regular file (not a "
			 "symbolic link) made with e.g. 'head -c 32 /dev/urandom > FILE; chmod "
			 "600 FILE'",
			 path, strerror(errno));
		return -1;
	}
	struct stat st;
	const char *why = NULL;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
		why = "is not a regular file; give a file of random bytes";
	else if (st.st_mode & 077)
		why = "may be read or written by group or others; make it private with "
		      "'chmod 600'";
	else if (st.st_size < (off_t)FINGERPRINT_KEY_MIN)
		why = "is shorter than 32 bytes; fill it with e.g. 'head -c 32 /dev/urandom'";
	else if (st.st_size > (off_t)FINGERPRINT_KEY_MAX)
		why = "is longer than 4096 bytes; a key file holds 32 to 4096 random bytes";
	if (why != NULL) {
		snprintf(err, errlen, "fingerprint_key %s %s", path, why);
		close(fd);
		return -1;
	}
	size_t want = (size_t)st.st_size;
	uint8_t *buf = secure_mem_alloc(want);
	size_t n = 0;
	bool bad = buf == NULL;
	while (!bad && n < want) {
		ssize_t r = read(fd, buf + n, want - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			bad = true;
		else
			n += (size_t)r;
	}
	close(fd);
	if (bad) {
		snprintf(err, errlen, "fingerprint_key %s: %s", path,
			 buf == NULL ? "out of memory" : "cannot read the whole file; check it");
		secure_mem_free(buf);
		return -1;
	}
	*key = buf;
	*len = n;
	return 0;
}

void fingerprint_hmac_text(const uint8_t *key, size_t keylen, const uint8_t *data, size_t len,
			   char out[FINGERPRINT_HMAC_TEXT_LEN])
{
	uint8_t mac[32];
	const mbedtls_md_info_t *md = mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);
	if (md == NULL || mbedtls_md_hmac(md, key, keylen, data, len, mac) != 0) {
		/* Not reachable with a linked mbedTLS that has SHA-256; an empty
		 * cell beats a wrong fingerprint. */
		out[0] = '\0';
		return;
	}
	int n = snprintf(out, FINGERPRINT_HMAC_TEXT_LEN, "hmac-sha256:");
	for (size_t i = 0; i < sizeof mac; i++)
		n += snprintf(out + n, FINGERPRINT_HMAC_TEXT_LEN - (size_t)n, "%02x", mac[i]);
}
