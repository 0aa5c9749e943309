/* CRC-32/IEEE (the zlib/PNG polynomial, reflected, init and xorout 0xFFFFFFFF)
 * and SHA-256 (mbedTLS). */
#ifndef NRFCRED_IMAGE_DIGEST_H
#define NRFCRED_IMAGE_DIGEST_H

#include <stddef.h>
#include <stdint.h>

struct image;

/* crc32_update(0, ...) starts a CRC; feed the result back in to continue. */
uint32_t crc32_update(uint32_t crc, const void *data, size_t len);
static inline uint32_t crc32_ieee(const void *data, size_t len)
{
	return crc32_update(0, data, len);
}

#define SHA256_LEN     32
#define SHA256_HEX_LEN 65 /* 64 hex digits + NUL */

void sha256(const void *data, size_t len, uint8_t out[SHA256_LEN]);
/* Lower-case hex, NUL terminated. */
void sha256_hex(const uint8_t digest[SHA256_LEN], char out[SHA256_HEX_LEN]);

/* Digests of an image's bytes in address order (segment data concatenated;
 * gaps are not part of the digest), as `nrfcred hex info` reports them. */
uint32_t image_crc32(const struct image *img);
void image_sha256(const struct image *img, uint8_t out[SHA256_LEN]);

#endif
