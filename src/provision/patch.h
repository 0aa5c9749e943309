/*
 * Patching the provisioning firmware image: writing an encoded table into the
 * manifest's table area, and reading a table back from an image patched
 * earlier (so `nrfcred provision -i OLD.hex` can add to it).
 */
#ifndef NRFCRED_PROVISION_PATCH_H
#define NRFCRED_PROVISION_PATCH_H

#include <stddef.h>
#include <stdint.h>

#include "provision/diag.h"
#include "provision/manifest.h"
#include "provision/table.h"

struct image;

typedef enum {
	PATCH_OK = 0,
	PATCH_ERR_NOMEM,
	PATCH_ERR_TABLE_TOO_LARGE, /* encoded table > table_max (diag: both sizes) */
	PATCH_ERR_TABLE_AREA,	   /* table area holds bytes that are not one valid table */
	PATCH_ERR_TABLE_INVALID,   /* a table is there but does not decode (diag: why) */
	PATCH_ERR_RESULT_AREA,	   /* result area is not erased */
} patch_err;

/* Reads the table area of img. When the area is erased (no byte present, or
 * only 0xFF) *out is NULL and PATCH_OK is returned. Otherwise the area must
 * hold exactly one valid table at its start (all its bytes present) followed
 * by nothing but erased bytes; *out is then the decoded table. */
patch_err patch_read_table(const struct image *img, const struct manifest *m, struct table **out,
			   struct provision_diag *diag);

/* Replaces the table area's content with buf[0, len): the area's old bytes
 * are removed first; the rest of the area stays absent (erased). The result
 * area must be absent. */
patch_err patch_write_table(struct image *img, const struct manifest *m, const uint8_t *buf,
			    size_t len, struct provision_diag *diag);

/* Encodes t and writes it with patch_write_table; the temporary encoding is
 * wiped. */
patch_err patch_apply(struct image *img, const struct manifest *m, const struct table *t,
		      struct provision_diag *diag);

const char *patch_strerror(patch_err err);

#endif
