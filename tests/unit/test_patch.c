#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "image/image.h"
#include "provision/patch.h"
#include "provision_fixture.h"

static const char PSK[] = "00112233445566778899aabbccddeeff";

static struct table *psk_table(void)
{
	struct table *t = table_create(0);
	cr_assert_eq(table_add(t, 7, NRFCRED_TYPE_PSK, 0, PSK, strlen(PSK), false, NULL), TABLE_OK);
	return t;
}

Test(patch, writes_table_at_table_address_and_leaves_result_erased)
{
	struct manifest m = fixture_manifest(), found;
	struct image *img = fixture_image(&m);
	cr_assert_eq(manifest_find(img, &found, NULL), MANIFEST_OK);
	struct table *t = psk_table();
	uint64_t before = image_size(img);
	cr_assert_eq(patch_apply(img, &found, t, NULL), PATCH_OK);

	size_t len = table_encoded_size(t);
	uint8_t want[256], got[256];
	size_t wl;
	cr_assert_eq(table_encode(t, want, sizeof(want), &wl, NULL), TABLE_OK);
	cr_assert_eq(image_read(img, FIX_TABLE_ADDR, got, len), IMAGE_OK);
	cr_assert_eq(memcmp(got, want, len), 0);
	cr_assert_eq(image_size(img), before + len, "only the table was added");
	cr_assert_not(image_overlaps(img, FIX_TABLE_ADDR + len, FIX_TABLE_MAX - len));
	cr_assert_not(image_overlaps(img, FIX_RESULT_ADDR, FIX_RESULT_MAX));
	/* The patched image still has a valid manifest. */
	cr_assert_eq(manifest_find(img, &found, NULL), MANIFEST_OK);
	table_destroy(t);
	image_destroy(img);
}

Test(patch, reads_back_the_table_it_wrote)
{
	struct manifest m = fixture_manifest();
	struct image *img = fixture_image(&m);
	struct table *t = psk_table();
	cr_assert_eq(patch_apply(img, &m, t, NULL), PATCH_OK);
	struct table *back = NULL;
	cr_assert_eq(patch_read_table(img, &m, &back, NULL), PATCH_OK);
	cr_assert_not_null(back);
	cr_assert_eq(table_count(back), 1);
	cr_assert_eq(table_entry_at(back, 0)->sec_tag, 7);
	cr_assert_eq(memcmp(table_entry_at(back, 0)->data, PSK, strlen(PSK)), 0);
	table_destroy(back);
	table_destroy(t);
	image_destroy(img);
}

Test(patch, reports_erased_table_area_as_no_table)
{
	struct manifest m = fixture_manifest();
	struct image *img = fixture_image(&m);
	struct table *back = (struct table *)1;
	cr_assert_eq(patch_read_table(img, &m, &back, NULL), PATCH_OK);
	cr_assert_null(back);
	/* An area filled with 0xFF (erased flash written out by a tool) too. */
	image_fill(img, FIX_TABLE_ADDR, FIX_TABLE_MAX, 0xFF);
	cr_assert_eq(patch_read_table(img, &m, &back, NULL), PATCH_OK);
	cr_assert_null(back);
	image_destroy(img);
}

Test(patch, rewriting_replaces_a_longer_old_table_completely)
{
	struct manifest m = fixture_manifest();
	struct image *img = fixture_image(&m);
	struct table *big = psk_table();
	cr_assert_eq(table_add(big, 8, NRFCRED_TYPE_PSK_IDENTITY, 0, "someone", 7, false, NULL),
		     TABLE_OK);
	cr_assert_eq(patch_apply(img, &m, big, NULL), PATCH_OK);
	struct table *small = psk_table();
	cr_assert_eq(patch_apply(img, &m, small, NULL), PATCH_OK);
	size_t len = table_encoded_size(small);
	cr_assert_not(image_overlaps(img, FIX_TABLE_ADDR + len, FIX_TABLE_MAX - len));
	struct table *back = NULL;
	cr_assert_eq(patch_read_table(img, &m, &back, NULL), PATCH_OK);
	cr_assert_eq(table_count(back), 1);
	table_destroy(back);
	table_destroy(small);
	table_destroy(big);
	image_destroy(img);
}

Test(patch, refuses_table_larger_than_area_with_both_sizes)
{
	struct manifest m = fixture_manifest();
	m.table_max = 64;
	struct image *img = fixture_image(&m);
	struct table *t = psk_table();
	cr_assert_eq(table_add(t, 7, NRFCRED_TYPE_PSK_IDENTITY, 0, PSK, strlen(PSK), false, NULL),
		     TABLE_OK);
	struct provision_diag d;
	cr_assert_eq(patch_apply(img, &m, t, &d), PATCH_ERR_TABLE_TOO_LARGE);
	char want[64];
	snprintf(want, sizeof(want), "table is %zu bytes", table_encoded_size(t));
	cr_assert(strstr(d.text, want) && strstr(d.text, "holds 64"), "%s", d.text);
	cr_assert_not(image_overlaps(img, FIX_TABLE_ADDR, 64), "image unchanged");
	table_destroy(t);
	image_destroy(img);
}

Test(patch, refuses_table_area_with_foreign_data)
{
	struct manifest m = fixture_manifest();
	struct image *img = fixture_image(&m);
	uint8_t code[32];
	memset(code, 0x5A, sizeof(code));
	image_write(img, FIX_TABLE_ADDR, code, sizeof(code));
	struct table *back = NULL;
	struct provision_diag d;
	cr_assert_eq(patch_read_table(img, &m, &back, &d), PATCH_ERR_TABLE_AREA);
	cr_assert(strstr(d.text, "0x00010000") != NULL, "%s", d.text);
	cr_assert_null(back);
	image_destroy(img);
}

Test(patch, refuses_data_after_the_table)
{
	struct manifest m = fixture_manifest();
	struct image *img = fixture_image(&m);
	struct table *t = psk_table();
	cr_assert_eq(patch_apply(img, &m, t, NULL), PATCH_OK);
	uint8_t b = 0;
	image_write(img, FIX_TABLE_ADDR + FIX_TABLE_MAX - 1, &b, 1);
	struct table *back = NULL;
	cr_assert_eq(patch_read_table(img, &m, &back, NULL), PATCH_ERR_TABLE_AREA);
	table_destroy(t);
	image_destroy(img);
}

Test(patch, refuses_corrupt_table_in_image)
{
	struct manifest m = fixture_manifest();
	struct image *img = fixture_image(&m);
	struct table *t = psk_table();
	cr_assert_eq(patch_apply(img, &m, t, NULL), PATCH_OK);
	uint8_t b = 'X';
	image_write(img, FIX_TABLE_ADDR + 30, &b, 1);
	struct table *back = NULL;
	struct provision_diag d;
	cr_assert_eq(patch_read_table(img, &m, &back, &d), PATCH_ERR_TABLE_INVALID);
	cr_assert(strstr(d.text, "CRC") != NULL, "%s", d.text);
	table_destroy(t);
	image_destroy(img);
}

Test(patch, refuses_table_with_a_hole)
{
	struct manifest m = fixture_manifest();
	struct image *img = fixture_image(&m);
	struct table *t = psk_table();
	cr_assert_eq(patch_apply(img, &m, t, NULL), PATCH_OK);
	image_remove(img, FIX_TABLE_ADDR + 40, 1);
	struct table *back = NULL;
	cr_assert_neq(patch_read_table(img, &m, &back, NULL), PATCH_OK);
	cr_assert_null(back);
	table_destroy(t);
	image_destroy(img);
}

Test(patch, refuses_to_write_when_result_area_holds_data)
{
	struct manifest m = fixture_manifest();
	struct image *img = fixture_image(&m);
	uint8_t b = 0;
	image_write(img, FIX_RESULT_ADDR, &b, 1);
	struct table *t = psk_table();
	cr_assert_eq(patch_apply(img, &m, t, NULL), PATCH_ERR_RESULT_AREA);
	table_destroy(t);
	image_destroy(img);
}
