/*
 * The provisioning firmware's manifest (include/nrfcred/provision.h): found
 * in an image by its 8-byte magic, checked by CRC, and checked for areas that
 * the host can safely patch (table) and the firmware can safely write (result).
 */
#ifndef NRFCRED_PROVISION_MANIFEST_H
#define NRFCRED_PROVISION_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nrfcred/provision.h"
#include "provision/diag.h"

struct image;

typedef enum {
	MANIFEST_OK = 0,
	MANIFEST_ERR_NOT_FOUND,	   /* no magic in any segment */
	MANIFEST_ERR_DUPLICATE,	   /* the magic occurs more than once */
	MANIFEST_ERR_TRUNCATED,	   /* magic found but the segment ends before the manifest does */
	MANIFEST_ERR_VERSION,	   /* unsupported format version */
	MANIFEST_ERR_SIZE,	   /* size field is not NRFCRED_MANIFEST_SIZE */
	MANIFEST_ERR_CRC,	   /* stored CRC differs from the computed one */
	MANIFEST_ERR_FLAGS,	   /* reserved flags not zero */
	MANIFEST_ERR_ALIGN,	   /* table or result area not 4 KiB aligned */
	MANIFEST_ERR_NOT_IN_FLASH, /* an area reaches outside [0, 1 MiB) */
	MANIFEST_ERR_AREA_SIZE,	   /* table_max / result_max too small */
	MANIFEST_ERR_AREA_OVERLAP, /* areas overlap each other or the manifest */
	MANIFEST_ERR_AREA_NOT_ERASED, /* the result area holds image data */
	MANIFEST_ERR_PROGRESS_ADDR,   /* progress word not 0 and not an aligned RAM address */
	MANIFEST_ERR_MAILBOX,	      /* v2 session mailbox misaligned, sized wrong, not in RAM */
} manifest_err;

/* Decoded manifest, plus where it was found. */
struct manifest {
	uint32_t addr; /* address of the magic in the image */
	uint16_t version;
	uint16_t size;
	uint32_t table_addr;
	uint32_t table_max;
	uint32_t result_addr;
	uint32_t result_max;
	uint32_t progress_addr;
	uint32_t fw_version;
	uint32_t flags;
	uint32_t mailbox_addr; /* version 2 with NRFCRED_MANIFEST_F_SESSION, else 0 */
	uint32_t mailbox_size;
	uint32_t crc32;
};

/* nRF91: 1 MiB of flash at 0, 4 KiB pages; 256 KiB of RAM at 0x20000000. */
#define MANIFEST_FLASH_END 0x100000u
#define MANIFEST_PAGE_SIZE 0x1000u
#define MANIFEST_RAM_START 0x20000000u
#define MANIFEST_RAM_END   0x20040000u

/* Finds the single manifest in img and validates it: magic unique, version,
 * size, CRC, reserved flags, areas page aligned, inside flash, large enough
 * (table >= header, result >= NRFCRED_RESULT_SIZE(1)), not overlapping each
 * other or the manifest, and no image byte present in the result area.
 * Whether the table area is erased or holds a valid table is patch.h's job
 * (an image patched earlier legitimately holds a table there). */
manifest_err manifest_find(const struct image *img, struct manifest *out,
			   struct provision_diag *diag);

/* Decodes and validates the manifest at buf, of which len bytes are
 * readable (fields, CRC, areas, mailbox; no image checks): version 1
 * (44 bytes) or 2 (52 bytes). out->addr is set to addr. */
manifest_err manifest_decode(const uint8_t *buf, size_t len, uint32_t addr, struct manifest *out,
			     struct provision_diag *diag);

/* Encodes m (magic, version and size as given; the layout of m->version)
 * and computes the CRC into out (44 or 52 bytes written); used by tests and
 * tools that build provisioner images. */
void manifest_encode(const struct manifest *m, uint8_t out[NRFCRED_MANIFEST_V2_SIZE]);

/* The firmware speaks the RAM session protocol (provision.h). */
bool manifest_has_session(const struct manifest *m);
/* A simulator build (NRFCRED_MANIFEST_F_SIM_BUILD): not for silicon. */
bool manifest_is_sim_build(const struct manifest *m);
/* The firmware has table and result areas in flash (flash delivery, -o). */
bool manifest_has_flash_areas(const struct manifest *m);
/* Largest table a session request can carry (0 without a session). */
uint32_t manifest_session_table_max(const struct manifest *m);

const char *manifest_strerror(manifest_err err);

#endif
