#include "provision_fixture.h"

#include <criterion/criterion.h>

struct manifest fixture_manifest(void)
{
	struct manifest m = {
		.version = NRFCRED_MANIFEST_VERSION,
		.size = NRFCRED_MANIFEST_SIZE,
		.table_addr = FIX_TABLE_ADDR,
		.table_max = FIX_TABLE_MAX,
		.result_addr = FIX_RESULT_ADDR,
		.result_max = FIX_RESULT_MAX,
		.progress_addr = FIX_PROGRESS_ADDR,
		.fw_version = 0x010203,
	};
	return m;
}

struct image *fixture_image(const struct manifest *m)
{
	struct image *img = image_create();
	cr_assert_not_null(img);
	/* Code-like filler from an LCG, every byte >= 0x80, so it never
	 * contains the ASCII manifest magic by accident. */
	uint8_t code[FIX_CODE_SIZE];
	uint32_t x = 12345;
	for (size_t i = 0; i < sizeof(code); i++) {
		x = x * 1103515245u + 12345u;
		code[i] = (uint8_t)(0x80 | (x >> 24));
	}
	uint8_t enc[NRFCRED_MANIFEST_V2_SIZE];
	manifest_encode(m, enc);
	cr_assert_eq(image_write(img, 0, code, sizeof(code)), IMAGE_OK);
	cr_assert_eq(image_write(img, FIX_MANIFEST_ADDR, enc, manifest_encoded_size(m)), IMAGE_OK);
	return img;
}
