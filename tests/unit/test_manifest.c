#include <criterion/criterion.h>
#include <string.h>

#include "image/image.h"
#include "provision/manifest.h"
#include "provision_fixture.h"

static manifest_err find_in(const struct manifest *m, struct manifest *out,
			    struct provision_diag *diag)
{
	struct image *img = fixture_image(m);
	manifest_err err = manifest_find(img, out, diag);
	image_destroy(img);
	return err;
}

Test(manifest, finds_valid_manifest_and_decodes_every_field)
{
	struct manifest m = fixture_manifest(), got;
	cr_assert_eq(find_in(&m, &got, NULL), MANIFEST_OK);
	cr_assert_eq(got.addr, FIX_MANIFEST_ADDR);
	cr_assert_eq(got.table_addr, FIX_TABLE_ADDR);
	cr_assert_eq(got.table_max, FIX_TABLE_MAX);
	cr_assert_eq(got.result_addr, FIX_RESULT_ADDR);
	cr_assert_eq(got.result_max, FIX_RESULT_MAX);
	cr_assert_eq(got.progress_addr, FIX_PROGRESS_ADDR);
	cr_assert_eq(got.fw_version, 0x010203u);
}

Test(manifest, encodes_fields_little_endian_at_fixed_offsets)
{
	struct manifest m = fixture_manifest();
	uint8_t b[NRFCRED_MANIFEST_V2_SIZE];
	manifest_encode(&m, b);
	cr_assert_eq(memcmp(b, "nRFcMAN1", 8), 0);
	cr_assert_eq(b[8], 1);
	cr_assert_eq(b[10], 44);
	/* table_addr 0x00010000 at offset 12 */
	cr_assert_eq(b[12], 0x00);
	cr_assert_eq(b[14], 0x01);
	/* progress 0x20000100 at offset 28 */
	cr_assert_eq(b[28], 0x00);
	cr_assert_eq(b[29], 0x01);
	cr_assert_eq(b[31], 0x20);
}

Test(manifest, reports_not_found_without_magic)
{
	struct image *img = image_create();
	uint8_t code[256];
	memset(code, 0xAB, sizeof(code));
	image_write(img, 0, code, sizeof(code));
	struct manifest got;
	struct provision_diag d;
	cr_assert_eq(manifest_find(img, &got, &d), MANIFEST_ERR_NOT_FOUND);
	cr_assert(strstr(d.text, "nRFcMAN1") != NULL);
	image_destroy(img);
}

Test(manifest, refuses_two_manifests_naming_both_addresses)
{
	struct manifest m = fixture_manifest(), got;
	struct image *img = fixture_image(&m);
	uint8_t enc[NRFCRED_MANIFEST_V2_SIZE];
	manifest_encode(&m, enc);
	image_write(img, 0x1800, enc, m.size);
	struct provision_diag d;
	cr_assert_eq(manifest_find(img, &got, &d), MANIFEST_ERR_DUPLICATE);
	cr_assert(strstr(d.text, "0x00001000") && strstr(d.text, "0x00001800"), "%s", d.text);
	image_destroy(img);
}

Test(manifest, finds_duplicate_in_another_segment)
{
	struct manifest m = fixture_manifest(), got;
	struct image *img = fixture_image(&m);
	uint8_t enc[NRFCRED_MANIFEST_V2_SIZE];
	manifest_encode(&m, enc);
	image_write(img, 0x40000, enc, m.size);
	cr_assert_eq(manifest_find(img, &got, NULL), MANIFEST_ERR_DUPLICATE);
	image_destroy(img);
}

Test(manifest, refuses_manifest_cut_off_by_segment_end)
{
	struct manifest m = fixture_manifest(), got;
	struct image *img = image_create();
	uint8_t enc[NRFCRED_MANIFEST_V2_SIZE];
	manifest_encode(&m, enc);
	image_write(img, 0x100, enc, 20);
	cr_assert_eq(manifest_find(img, &got, NULL), MANIFEST_ERR_TRUNCATED);
	image_destroy(img);
}

Test(manifest, refuses_corrupt_manifest_by_crc)
{
	struct manifest m = fixture_manifest(), got;
	struct image *img = fixture_image(&m);
	uint8_t b = 0x02; /* table_max byte changes */
	image_write(img, FIX_MANIFEST_ADDR + 17, &b, 1);
	struct provision_diag d;
	cr_assert_eq(manifest_find(img, &got, &d), MANIFEST_ERR_CRC);
	cr_assert(strstr(d.text, "0x00001000") != NULL, "%s", d.text);
	image_destroy(img);
}

Test(manifest, refuses_unknown_version_and_wrong_size)
{
	struct manifest m = fixture_manifest(), got;
	m.version = 3;
	cr_assert_eq(find_in(&m, &got, NULL), MANIFEST_ERR_VERSION);
	m = fixture_manifest();
	m.size = 48;
	cr_assert_eq(find_in(&m, &got, NULL), MANIFEST_ERR_SIZE);
	m = fixture_manifest();
	m.version = NRFCRED_MANIFEST_VERSION_SESSION; /* with version 1's size */
	cr_assert_eq(find_in(&m, &got, NULL), MANIFEST_ERR_SIZE);
}

/* A session firmware with flash areas (firmware/sim): version 2, the flash
 * delivery as before. */
static struct manifest fixture_v2(void)
{
	struct manifest m = fixture_manifest();
	m.version = NRFCRED_MANIFEST_VERSION_SESSION;
	m.size = NRFCRED_MANIFEST_V2_SIZE;
	m.flags = NRFCRED_MANIFEST_F_SESSION;
	m.mailbox_addr = 0x20008000u;
	m.mailbox_size = 0x8000u;
	return m;
}

Test(manifest, decodes_version_2_with_its_mailbox)
{
	struct manifest m = fixture_v2(), got;
	cr_assert_eq(find_in(&m, &got, NULL), MANIFEST_OK);
	cr_assert_eq(got.version, 2);
	cr_assert_eq(got.flags, NRFCRED_MANIFEST_F_SESSION);
	cr_assert_eq(got.mailbox_addr, 0x20008000u);
	cr_assert_eq(got.mailbox_size, 0x8000u);
	cr_assert_eq(got.table_addr, FIX_TABLE_ADDR);
	uint8_t b[NRFCRED_MANIFEST_V2_SIZE];
	manifest_encode(&m, b);
	cr_assert_eq(b[44], 0x00); /* mailbox_size 0x8000 at offset 44 */
	cr_assert_eq(b[45], 0x80);
}

Test(manifest, version_2_crc_covers_the_mailbox)
{
	struct manifest m = fixture_v2(), got;
	struct image *img = fixture_image(&m);
	uint8_t b = 0x40; /* mailbox_size 0x8000 -> 0x4000 */
	image_write(img, FIX_MANIFEST_ADDR + 45, &b, 1);
	cr_assert_eq(manifest_find(img, &got, NULL), MANIFEST_ERR_CRC);
	image_destroy(img);
}

Test(manifest, version_2_cut_off_after_version_1_size_is_truncated)
{
	struct manifest m = fixture_v2(), got;
	struct image *img = image_create();
	uint8_t enc[NRFCRED_MANIFEST_V2_SIZE];
	manifest_encode(&m, enc);
	image_write(img, 0x100, enc, NRFCRED_MANIFEST_SIZE);
	cr_assert_eq(manifest_find(img, &got, NULL), MANIFEST_ERR_TRUNCATED);
	image_destroy(img);
}

Test(manifest, version_2_refuses_a_misplaced_mailbox_and_unknown_flags)
{
	static const struct {
		uint32_t flags, addr, size;
		manifest_err want;
	} cases[] = {
		{NRFCRED_MANIFEST_F_SESSION, 0x20008800u, 0x8000u, MANIFEST_ERR_MAILBOX},
		{NRFCRED_MANIFEST_F_SESSION, 0x20008000u, 0x1000u, MANIFEST_ERR_MAILBOX},
		{NRFCRED_MANIFEST_F_SESSION, 0x20008000u, 0x11000u, MANIFEST_ERR_MAILBOX},
		{NRFCRED_MANIFEST_F_SESSION, 0x00080000u, 0x8000u, MANIFEST_ERR_MAILBOX},
		{NRFCRED_MANIFEST_F_SESSION, 0x2003c000u, 0x8000u, MANIFEST_ERR_MAILBOX},
		{0, 0x20008000u, 0x8000u, MANIFEST_ERR_MAILBOX},
		{NRFCRED_MANIFEST_F_SESSION | 4u, 0x20008000u, 0x8000u, MANIFEST_ERR_FLAGS},
		{0, 0, 0, MANIFEST_OK},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct manifest m = fixture_v2(), got;
		m.flags = cases[i].flags;
		m.mailbox_addr = cases[i].addr;
		m.mailbox_size = cases[i].size;
		cr_assert_eq(find_in(&m, &got, NULL), cases[i].want, "case %zu", i);
	}
}

Test(manifest, refuses_reserved_flags)
{
	struct manifest m = fixture_manifest(), got;
	m.flags = 1;
	cr_assert_eq(find_in(&m, &got, NULL), MANIFEST_ERR_FLAGS);
}

Test(manifest, refuses_unaligned_areas_with_address)
{
	struct manifest m = fixture_manifest(), got;
	struct provision_diag d;
	m.table_addr = 0x10800;
	cr_assert_eq(find_in(&m, &got, &d), MANIFEST_ERR_ALIGN);
	cr_assert(strstr(d.text, "0x00010800") != NULL, "%s", d.text);
	m = fixture_manifest();
	m.result_addr = 0x11004;
	cr_assert_eq(find_in(&m, &got, NULL), MANIFEST_ERR_ALIGN);
}

Test(manifest, refuses_areas_outside_flash)
{
	struct manifest m = fixture_manifest(), got;
	m.result_addr = 0xFF000;
	m.result_max = 0x2000;
	cr_assert_eq(find_in(&m, &got, NULL), MANIFEST_ERR_NOT_IN_FLASH);
	m = fixture_manifest();
	m.table_addr = 0x20000000;
	cr_assert_eq(find_in(&m, &got, NULL), MANIFEST_ERR_NOT_IN_FLASH);
	m = fixture_manifest();
	m.table_addr = 0xFFFFF000; /* addr + max wraps 32 bits */
	m.table_max = 0x2000;
	cr_assert_eq(find_in(&m, &got, NULL), MANIFEST_ERR_NOT_IN_FLASH);
}

Test(manifest, refuses_result_area_smaller_than_one_entry)
{
	struct manifest m = fixture_manifest(), got;
	struct provision_diag d;
	m.result_max = NRFCRED_RESULT_SIZE(1) - 1;
	cr_assert_eq(find_in(&m, &got, &d), MANIFEST_ERR_AREA_SIZE);
	cr_assert(strstr(d.text, "119") && strstr(d.text, "120"), "%s", d.text);
	m.result_max = NRFCRED_RESULT_SIZE(1);
	cr_assert_eq(find_in(&m, &got, NULL), MANIFEST_OK);
	m = fixture_manifest();
	m.table_max = NRFCRED_TABLE_HEADER_SIZE - 1;
	cr_assert_eq(find_in(&m, &got, NULL), MANIFEST_ERR_AREA_SIZE);
}

Test(manifest, refuses_overlapping_table_and_result_areas)
{
	struct manifest m = fixture_manifest(), got;
	m.table_max = 0x1001;
	cr_assert_eq(find_in(&m, &got, NULL), MANIFEST_ERR_AREA_OVERLAP);
	m = fixture_manifest();
	m.result_addr = m.table_addr;
	cr_assert_eq(find_in(&m, &got, NULL), MANIFEST_ERR_AREA_OVERLAP);
}

Test(manifest, refuses_area_holding_the_manifest)
{
	struct manifest m = fixture_manifest(), got;
	m.table_addr = 0x1000; /* the manifest itself sits at 0x1000 */
	cr_assert_eq(find_in(&m, &got, NULL), MANIFEST_ERR_AREA_OVERLAP);
}

Test(manifest, refuses_result_area_overlapping_image_data)
{
	struct manifest m = fixture_manifest(), got;
	struct image *img = fixture_image(&m);
	uint8_t b = 0;
	image_write(img, FIX_RESULT_ADDR + FIX_RESULT_MAX - 1, &b, 1);
	struct provision_diag d;
	cr_assert_eq(manifest_find(img, &got, &d), MANIFEST_ERR_AREA_NOT_ERASED);
	cr_assert(strstr(d.text, "0x00011000") != NULL, "%s", d.text);
	image_destroy(img);
}

Test(manifest, refuses_result_area_over_code)
{
	struct manifest m = fixture_manifest(), got;
	m.result_addr = 0; /* the code starts at 0 */
	cr_assert_eq(find_in(&m, &got, NULL), MANIFEST_ERR_AREA_NOT_ERASED);
}

Test(manifest, refuses_progress_address_outside_ram)
{
	struct manifest m = fixture_manifest(), got;
	m.progress_addr = 0x20000102;
	cr_assert_eq(find_in(&m, &got, NULL), MANIFEST_ERR_PROGRESS_ADDR);
	m.progress_addr = 0x10000;
	cr_assert_eq(find_in(&m, &got, NULL), MANIFEST_ERR_PROGRESS_ADDR);
	m.progress_addr = 0;
	cr_assert_eq(find_in(&m, &got, NULL), MANIFEST_OK);
}

Test(manifest, strerror_names_every_code)
{
	for (int e = MANIFEST_OK; e <= MANIFEST_ERR_MAILBOX; e++)
		cr_assert_str_neq(manifest_strerror((manifest_err)e), "unknown manifest error");
}

/* ---- version 2: the RAM session mailbox */

static struct manifest session_manifest(void)
{
	struct manifest m = fixture_v2();
	m.mailbox_addr = 0x20030000u;
	return m;
}

Test(manifest, decodes_a_v2_session_manifest_with_its_mailbox)
{
	struct manifest m = session_manifest(), got;
	cr_assert_eq(find_in(&m, &got, NULL), MANIFEST_OK);
	cr_assert_eq(got.version, 2);
	cr_assert(manifest_has_session(&got));
	cr_assert(manifest_has_flash_areas(&got));
	cr_assert_eq(got.mailbox_addr, 0x20030000u);
	cr_assert_eq(got.mailbox_size, 0x8000u);
	cr_assert_eq(manifest_session_table_max(&got),
		     0x8000u - NRFCRED_MBOX_DOWN_OFFSET - NRFCRED_REC_OVERHEAD);
}

Test(manifest, encodes_v2_with_the_crc_after_the_mailbox)
{
	struct manifest m = session_manifest();
	uint8_t b[NRFCRED_MANIFEST_V2_SIZE];
	manifest_encode(&m, b);
	cr_assert_eq(b[10], 52);
	cr_assert_eq(b[43], 0x20); /* mailbox_addr at 40 */
	cr_assert_eq(b[45], 0x80); /* mailbox_size at 44 */
	struct manifest got;
	cr_assert_eq(manifest_decode(b, sizeof b, 0x1000, &got, NULL), MANIFEST_OK);
	b[44] ^= 1;
	cr_assert_eq(manifest_decode(b, sizeof b, 0x1000, &got, NULL), MANIFEST_ERR_CRC);
}

Test(manifest, accepts_a_session_only_manifest_without_flash_areas)
{
	struct manifest m = session_manifest(), got;
	m.table_addr = m.table_max = m.result_addr = m.result_max = 0;
	cr_assert_eq(find_in(&m, &got, NULL), MANIFEST_OK);
	cr_assert_not(manifest_has_flash_areas(&got));
	cr_assert(manifest_has_session(&got));
}

Test(manifest, refuses_missing_flash_areas_without_a_session)
{
	struct manifest m = session_manifest(), got;
	m.flags = 0;
	m.mailbox_addr = m.mailbox_size = 0;
	m.table_addr = m.table_max = m.result_addr = m.result_max = 0;
	/* table_max 0 is smaller than a table header */
	cr_assert_eq(find_in(&m, &got, NULL), MANIFEST_ERR_AREA_SIZE);
}

Test(manifest, refuses_bad_mailboxes_by_name)
{
	const uint32_t bad[][2] = {
		{0x20030100u, 0x8000u},	 /* not 4 KiB aligned */
		{0x20030000u, 0x1000u},	 /* smaller than the minimum */
		{0x20030000u, 0x8800u},	 /* not a multiple of 4 KiB */
		{0x20000000u, 0x11000u}, /* larger than the maximum */
		{0x2003C000u, 0x8000u},	 /* runs past the end of RAM */
		{0x00080000u, 0x8000u},	 /* flash, not RAM */
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct manifest m = session_manifest(), got;
		m.mailbox_addr = bad[i][0];
		m.mailbox_size = bad[i][1];
		struct provision_diag d;
		cr_assert_eq(find_in(&m, &got, &d), MANIFEST_ERR_MAILBOX, "case %zu", i);
		cr_assert(strstr(d.text, "mailbox") != NULL, "%s", d.text);
	}
}

Test(manifest, refuses_unknown_v2_flags_and_v1_flags)
{
	struct manifest m = session_manifest(), got;
	m.flags |= 0x4u;
	cr_assert_eq(find_in(&m, &got, NULL), MANIFEST_ERR_FLAGS);
	m = fixture_manifest();
	m.flags = NRFCRED_MANIFEST_F_SIM_BUILD; /* version 1 knows no flag */
	cr_assert_eq(find_in(&m, &got, NULL), MANIFEST_ERR_FLAGS);
	m = fixture_manifest();
	m.flags = NRFCRED_MANIFEST_F_SESSION; /* version 1 has no mailbox */
	cr_assert_eq(find_in(&m, &got, NULL), MANIFEST_ERR_FLAGS);
}

Test(manifest, reads_the_simulator_build_flag)
{
	struct manifest m = session_manifest(), got;
	cr_assert_eq(find_in(&m, &got, NULL), MANIFEST_OK);
	cr_assert_not(manifest_is_sim_build(&got));
	m.flags |= NRFCRED_MANIFEST_F_SIM_BUILD;
	cr_assert_eq(find_in(&m, &got, NULL), MANIFEST_OK);
	cr_assert(manifest_is_sim_build(&got));
	cr_assert(manifest_has_session(&got));
}

Test(manifest, refuses_a_v2_manifest_cut_short)
{
	struct manifest m = session_manifest(), got;
	uint8_t b[NRFCRED_MANIFEST_V2_SIZE];
	manifest_encode(&m, b);
	cr_assert_eq(manifest_decode(b, NRFCRED_MANIFEST_SIZE, 0x1000, &got, NULL),
		     MANIFEST_ERR_TRUNCATED);
}
