#include "provision/manifest.h"

#include <stdbool.h>
#include <string.h>

#include "image/digest.h"
#include "image/image.h"
#include "provision/le.h"

enum {
	OFF_MAGIC = 0,
	OFF_VERSION = 8,
	OFF_SIZE = 10,
	OFF_TABLE_ADDR = 12,
	OFF_TABLE_MAX = 16,
	OFF_RESULT_ADDR = 20,
	OFF_RESULT_MAX = 24,
	OFF_PROGRESS_ADDR = 28,
	OFF_FW_VERSION = 32,
	OFF_FLAGS = 36,
	OFF_CRC = 40,
};

const char *manifest_strerror(manifest_err err)
{
	switch (err) {
	case MANIFEST_OK:
		return "ok";
	case MANIFEST_ERR_NOT_FOUND:
		return "no provisioning manifest in the image";
	case MANIFEST_ERR_DUPLICATE:
		return "more than one provisioning manifest in the image";
	case MANIFEST_ERR_TRUNCATED:
		return "provisioning manifest is cut off by the end of its segment";
	case MANIFEST_ERR_VERSION:
		return "unsupported provisioning manifest version";
	case MANIFEST_ERR_SIZE:
		return "provisioning manifest has a wrong size field";
	case MANIFEST_ERR_CRC:
		return "provisioning manifest CRC mismatch (corrupt manifest)";
	case MANIFEST_ERR_FLAGS:
		return "provisioning manifest has reserved flags set";
	case MANIFEST_ERR_ALIGN:
		return "manifest area is not aligned to a 4 KiB flash page";
	case MANIFEST_ERR_NOT_IN_FLASH:
		return "manifest area is not inside the 1 MiB flash";
	case MANIFEST_ERR_AREA_SIZE:
		return "manifest area is too small";
	case MANIFEST_ERR_AREA_OVERLAP:
		return "manifest areas overlap";
	case MANIFEST_ERR_AREA_NOT_ERASED:
		return "manifest result area holds image data";
	case MANIFEST_ERR_PROGRESS_ADDR:
		return "manifest progress address is not an aligned RAM address";
	}
	return "unknown manifest error";
}

void manifest_encode(const struct manifest *m, uint8_t out[NRFCRED_MANIFEST_SIZE])
{
	memcpy(out + OFF_MAGIC, NRFCRED_MANIFEST_MAGIC, NRFCRED_MANIFEST_MAGIC_LEN);
	le_put16(out + OFF_VERSION, m->version);
	le_put16(out + OFF_SIZE, m->size);
	le_put32(out + OFF_TABLE_ADDR, m->table_addr);
	le_put32(out + OFF_TABLE_MAX, m->table_max);
	le_put32(out + OFF_RESULT_ADDR, m->result_addr);
	le_put32(out + OFF_RESULT_MAX, m->result_max);
	le_put32(out + OFF_PROGRESS_ADDR, m->progress_addr);
	le_put32(out + OFF_FW_VERSION, m->fw_version);
	le_put32(out + OFF_FLAGS, m->flags);
	le_put32(out + OFF_CRC, crc32_ieee(out, OFF_CRC));
}

static bool ranges_overlap(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

static manifest_err check_area(const char *name, uint32_t addr, uint32_t max, uint32_t min,
			       struct provision_diag *diag)
{
	if (addr % MANIFEST_PAGE_SIZE != 0) {
		provision_diag_set(diag, "%s area at 0x%08x is not 4 KiB aligned", name, addr);
		return MANIFEST_ERR_ALIGN;
	}
	if ((uint64_t)addr + max > MANIFEST_FLASH_END) {
		provision_diag_set(diag, "%s area 0x%08x + %u bytes ends past the flash end 0x%08x",
				   name, addr, max, MANIFEST_FLASH_END);
		return MANIFEST_ERR_NOT_IN_FLASH;
	}
	if (max < min) {
		provision_diag_set(diag, "%s area at 0x%08x has %u bytes, needs at least %u", name,
				   addr, max, min);
		return MANIFEST_ERR_AREA_SIZE;
	}
	return MANIFEST_OK;
}

manifest_err manifest_decode(const uint8_t buf[NRFCRED_MANIFEST_SIZE], uint32_t addr,
			     struct manifest *out, struct provision_diag *diag)
{
	struct manifest m;
	memset(&m, 0, sizeof(m));
	m.addr = addr;
	m.version = le_get16(buf + OFF_VERSION);
	m.size = le_get16(buf + OFF_SIZE);
	m.table_addr = le_get32(buf + OFF_TABLE_ADDR);
	m.table_max = le_get32(buf + OFF_TABLE_MAX);
	m.result_addr = le_get32(buf + OFF_RESULT_ADDR);
	m.result_max = le_get32(buf + OFF_RESULT_MAX);
	m.progress_addr = le_get32(buf + OFF_PROGRESS_ADDR);
	m.fw_version = le_get32(buf + OFF_FW_VERSION);
	m.flags = le_get32(buf + OFF_FLAGS);
	m.crc32 = le_get32(buf + OFF_CRC);

	if (memcmp(buf, NRFCRED_MANIFEST_MAGIC, NRFCRED_MANIFEST_MAGIC_LEN) != 0) {
		provision_diag_set(diag, "no manifest magic at 0x%08x", addr);
		return MANIFEST_ERR_NOT_FOUND;
	}
	/* The CRC comes before any field check: a corrupt manifest is reported
	 * as corrupt, not as whatever field the corruption happened to hit. */
	uint32_t crc = crc32_ieee(buf, OFF_CRC);
	if (crc != m.crc32) {
		provision_diag_set(diag, "manifest at 0x%08x: stored CRC 0x%08x, computed 0x%08x",
				   addr, m.crc32, crc);
		return MANIFEST_ERR_CRC;
	}
	if (m.version != NRFCRED_MANIFEST_VERSION) {
		provision_diag_set(diag, "manifest at 0x%08x has version %u, this tool knows %u",
				   addr, m.version, NRFCRED_MANIFEST_VERSION);
		return MANIFEST_ERR_VERSION;
	}
	if (m.size != NRFCRED_MANIFEST_SIZE) {
		provision_diag_set(diag, "manifest at 0x%08x has size %u, version %u needs %u",
				   addr, m.size, m.version, NRFCRED_MANIFEST_SIZE);
		return MANIFEST_ERR_SIZE;
	}
	if (m.flags != 0) {
		provision_diag_set(diag, "manifest at 0x%08x has reserved flags 0x%08x", addr,
				   m.flags);
		return MANIFEST_ERR_FLAGS;
	}
	manifest_err err =
		check_area("table", m.table_addr, m.table_max, NRFCRED_TABLE_HEADER_SIZE, diag);
	if (err != MANIFEST_OK)
		return err;
	err = check_area("result", m.result_addr, m.result_max, NRFCRED_RESULT_SIZE(1), diag);
	if (err != MANIFEST_OK)
		return err;
	if (ranges_overlap(m.table_addr, m.table_max, m.result_addr, m.result_max)) {
		provision_diag_set(diag, "table area 0x%08x+%u overlaps result area 0x%08x+%u",
				   m.table_addr, m.table_max, m.result_addr, m.result_max);
		return MANIFEST_ERR_AREA_OVERLAP;
	}
	if (ranges_overlap(addr, NRFCRED_MANIFEST_SIZE, m.table_addr, m.table_max) ||
	    ranges_overlap(addr, NRFCRED_MANIFEST_SIZE, m.result_addr, m.result_max)) {
		provision_diag_set(
			diag, "manifest at 0x%08x lies inside its own table or result area", addr);
		return MANIFEST_ERR_AREA_OVERLAP;
	}
	if (m.progress_addr != 0 &&
	    (m.progress_addr < MANIFEST_RAM_START || m.progress_addr > MANIFEST_RAM_END - 4 ||
	     m.progress_addr % 4 != 0)) {
		provision_diag_set(diag,
				   "progress address 0x%08x is not a 4-byte aligned RAM address",
				   m.progress_addr);
		return MANIFEST_ERR_PROGRESS_ADDR;
	}
	*out = m;
	return MANIFEST_OK;
}

manifest_err manifest_find(const struct image *img, struct manifest *out,
			   struct provision_diag *diag)
{
	const uint8_t *magic = (const uint8_t *)NRFCRED_MANIFEST_MAGIC;
	const uint8_t *found = NULL;
	uint32_t found_addr = 0;
	uint64_t found_room = 0;

	size_t nseg = image_segment_count(img);
	for (size_t s = 0; s < nseg; s++) {
		struct image_segment seg = image_segment_get(img, s);
		if (seg.size < NRFCRED_MANIFEST_MAGIC_LEN)
			continue;
		uint64_t last = seg.size - NRFCRED_MANIFEST_MAGIC_LEN;
		for (uint64_t i = 0; i <= last; i++) {
			const uint8_t *p = memchr(seg.data + i, magic[0], (size_t)(last - i + 1));
			if (!p)
				break;
			i = (uint64_t)(p - seg.data);
			if (memcmp(p, magic, NRFCRED_MANIFEST_MAGIC_LEN) != 0)
				continue;
			uint32_t addr = (uint32_t)(seg.start + i);
			if (found) {
				provision_diag_set(diag, "manifest magic at 0x%08x and at 0x%08x",
						   found_addr, addr);
				return MANIFEST_ERR_DUPLICATE;
			}
			found = p;
			found_addr = addr;
			found_room = seg.size - i;
		}
	}
	if (!found) {
		provision_diag_set(diag, "magic \"%s\" not found in %zu segment(s)",
				   NRFCRED_MANIFEST_MAGIC, nseg);
		return MANIFEST_ERR_NOT_FOUND;
	}
	if (found_room < NRFCRED_MANIFEST_SIZE) {
		provision_diag_set(diag, "manifest at 0x%08x: only %u of %u bytes present",
				   found_addr, (unsigned)found_room, NRFCRED_MANIFEST_SIZE);
		return MANIFEST_ERR_TRUNCATED;
	}
	struct manifest m;
	manifest_err err = manifest_decode(found, found_addr, &m, diag);
	if (err != MANIFEST_OK)
		return err;
	if (image_overlaps(img, m.result_addr, m.result_max)) {
		provision_diag_set(diag,
				   "result area 0x%08x+%u holds image data; it must be left erased",
				   m.result_addr, m.result_max);
		return MANIFEST_ERR_AREA_NOT_ERASED;
	}
	*out = m;
	return MANIFEST_OK;
}
