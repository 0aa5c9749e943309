#include "provision/patch.h"

#include <stdbool.h>
#include <stdlib.h>

#include "cred/secure_mem.h"
#include "image/image.h"
#include "provision/le.h"

const char *patch_strerror(patch_err err)
{
	switch (err) {
	case PATCH_OK:
		return "ok";
	case PATCH_ERR_NOMEM:
		return "out of memory";
	case PATCH_ERR_TABLE_TOO_LARGE:
		return "credential table does not fit the firmware's table area";
	case PATCH_ERR_TABLE_AREA:
		return "firmware's table area holds data that is not a credential table";
	case PATCH_ERR_TABLE_INVALID:
		return "credential table in the image is invalid";
	case PATCH_ERR_RESULT_AREA:
		return "firmware's result area is not erased";
	}
	return "unknown patch error";
}

static bool all_erased(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != 0xFF)
			return false;
	return true;
}

patch_err patch_read_table(const struct image *img, const struct manifest *m, struct table **out,
			   struct provision_diag *diag)
{
	*out = NULL;
	if (!image_overlaps(img, m->table_addr, m->table_max))
		return PATCH_OK;
	uint8_t *buf = secure_mem_alloc(m->table_max); /* the table may hold keys */
	if (!buf)
		return PATCH_ERR_NOMEM;
	patch_err ret = PATCH_OK;
	image_read_filled(img, m->table_addr, buf, m->table_max, 0xFF);
	if (all_erased(buf, m->table_max))
		goto done;
	if (image_read(img, m->table_addr, buf, NRFCRED_TABLE_HEADER_SIZE) != IMAGE_OK) {
		provision_diag_set(
			diag,
			"table area 0x%08x+%u holds data but no complete table header at "
			"its start",
			m->table_addr, m->table_max);
		ret = PATCH_ERR_TABLE_AREA;
		goto done;
	}
	if (le_get32(buf) != NRFCRED_TABLE_MAGIC) {
		provision_diag_set(
			diag,
			"table area 0x%08x+%u holds data that does not start with a table "
			"magic; was the image built without an erased table area?",
			m->table_addr, m->table_max);
		ret = PATCH_ERR_TABLE_AREA;
		goto done;
	}
	struct table *t = NULL;
	table_err terr = table_decode(buf, m->table_max, &t, diag);
	if (terr != TABLE_OK) {
		ret = PATCH_ERR_TABLE_INVALID;
		goto done;
	}
	size_t total = table_encoded_size(t);
	if (image_read(img, m->table_addr, buf, total) != IMAGE_OK) {
		provision_diag_set(diag, "table at 0x%08x: some of its %zu bytes are absent",
				   m->table_addr, total);
		table_destroy(t);
		ret = PATCH_ERR_TABLE_AREA;
		goto done;
	}
	image_read_filled(img, m->table_addr, buf, m->table_max, 0xFF);
	if (!all_erased(buf + total, m->table_max - total)) {
		provision_diag_set(diag, "table area 0x%08x+%u holds data after the %zu-byte table",
				   m->table_addr, m->table_max, total);
		table_destroy(t);
		ret = PATCH_ERR_TABLE_AREA;
		goto done;
	}
	*out = t;
done:
	secure_mem_free(buf);
	return ret;
}

patch_err patch_write_table(struct image *img, const struct manifest *m, const uint8_t *buf,
			    size_t len, struct provision_diag *diag)
{
	if (len > m->table_max) {
		provision_diag_set(diag, "table is %zu bytes, the table area at 0x%08x holds %u",
				   len, m->table_addr, m->table_max);
		return PATCH_ERR_TABLE_TOO_LARGE;
	}
	if (image_overlaps(img, m->result_addr, m->result_max)) {
		provision_diag_set(diag, "result area 0x%08x+%u holds image data", m->result_addr,
				   m->result_max);
		return PATCH_ERR_RESULT_AREA;
	}
	if (image_remove(img, m->table_addr, m->table_max) != IMAGE_OK)
		return PATCH_ERR_NOMEM;
	if (image_write(img, m->table_addr, buf, len) != IMAGE_OK)
		return PATCH_ERR_NOMEM;
	return PATCH_OK;
}

patch_err patch_apply(struct image *img, const struct manifest *m, const struct table *t,
		      struct provision_diag *diag)
{
	size_t need = table_encoded_size(t);
	if (need > m->table_max) {
		provision_diag_set(diag, "table is %zu bytes, the table area at 0x%08x holds %u",
				   need, m->table_addr, m->table_max);
		return PATCH_ERR_TABLE_TOO_LARGE;
	}
	uint8_t *buf = secure_mem_alloc(need);
	if (!buf)
		return PATCH_ERR_NOMEM;
	size_t len = 0;
	patch_err ret;
	if (table_encode(t, buf, need, &len, diag) != TABLE_OK)
		ret = PATCH_ERR_TABLE_INVALID;
	else
		ret = patch_write_table(img, m, buf, len, diag);
	secure_mem_free(buf);
	return ret;
}
