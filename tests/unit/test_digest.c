/* CRC-32/IEEE and SHA-256 against published check values. */
#include <criterion/criterion.h>
#include <string.h>

#include "image/digest.h"
#include "image/image.h"

static void assert_sha256_hex(const void *data, size_t len, const char *want)
{
	uint8_t d[SHA256_LEN];
	char hex[SHA256_HEX_LEN];
	sha256(data, len, d);
	sha256_hex(d, hex);
	cr_assert_str_eq(hex, want);
}

/* The CRC catalogue's check value for CRC-32/ISO-HDLC (= IEEE 802.3). */
Test(digest, crc32_of_123456789_is_cbf43926)
{
	cr_assert_eq(crc32_ieee("123456789", 9), 0xCBF43926u);
}

Test(digest, crc32_of_nothing_is_zero)
{
	cr_assert_eq(crc32_ieee("", 0), 0);
}

Test(digest, crc32_known_vectors)
{
	const char *fox = "The quick brown fox jumps over the lazy dog";
	cr_assert_eq(crc32_ieee(fox, strlen(fox)), 0x414FA339u);
	uint8_t zeros[32] = {0};
	cr_assert_eq(crc32_ieee(zeros, sizeof(zeros)), 0x190A55ADu);
	uint8_t ones[32];
	memset(ones, 0xFF, sizeof(ones));
	cr_assert_eq(crc32_ieee(ones, sizeof(ones)), 0xFF6CAB0Bu);
}

Test(digest, crc32_update_in_pieces_equals_one_shot)
{
	const char *s = "123456789";
	for (size_t split = 0; split <= 9; split++) {
		uint32_t c = crc32_update(0, s, split);
		c = crc32_update(c, s + split, 9 - split);
		cr_assert_eq(c, 0xCBF43926u, "split at %zu", split);
	}
}

Test(digest, sha256_of_empty_string)
{
	assert_sha256_hex("", 0,
			  "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

/* FIPS 180-2 appendix B.1 and B.2. */
Test(digest, sha256_fips_180_vectors)
{
	assert_sha256_hex("abc", 3,
			  "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	const char *two_blocks = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	assert_sha256_hex(two_blocks, strlen(two_blocks),
			  "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

Test(digest, sha256_hex_is_lower_case_and_terminated)
{
	uint8_t d[SHA256_LEN];
	for (int i = 0; i < SHA256_LEN; i++) {
		d[i] = (uint8_t)(0xA0 + i);
	}
	char hex[SHA256_HEX_LEN];
	memset(hex, 'X', sizeof(hex));
	sha256_hex(d, hex);
	cr_assert_eq(strlen(hex), 64);
	cr_assert_eq(strncmp(hex, "a0a1a2a3", 8), 0);
	cr_assert_eq(strcmp(hex + 56, "bcbdbebf"), 0);
}

Test(digest, image_digests_cover_segments_in_order_without_gaps)
{
	struct image *img = image_create();
	/* Written out of order and with a gap: digest sees "12345" then "6789". */
	cr_assert_eq(image_write(img, 0x20000000, "6789", 4), IMAGE_OK);
	cr_assert_eq(image_write(img, 0x1000, "12345", 5), IMAGE_OK);
	cr_assert_eq(image_crc32(img), 0xCBF43926u);

	uint8_t got[SHA256_LEN], want[SHA256_LEN];
	image_sha256(img, got);
	sha256("123456789", 9, want);
	cr_assert_arr_eq(got, want, SHA256_LEN);
	image_destroy(img);
}

Test(digest, image_digests_of_empty_image)
{
	struct image *img = image_create();
	cr_assert_eq(image_crc32(img), 0);
	uint8_t got[SHA256_LEN], want[SHA256_LEN];
	image_sha256(img, got);
	sha256("", 0, want);
	cr_assert_arr_eq(got, want, SHA256_LEN);
	image_destroy(img);
}
