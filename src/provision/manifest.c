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
	OFF_CRC_V1 = 40,
	OFF_MAILBOX_ADDR = 40,
	OFF_MAILBOX_SIZE = 44,
	OFF_CRC_V2 = 48,
};

/* Bytes of a manifest of this version (0: unknown version). */
static uint32_t layout_size(uint16_t version)
{
	if (version == NRFCRED_MANIFEST_VERSION)
		return NRFCRED_MANIFEST_SIZE;
	if (version == NRFCRED_MANIFEST_VERSION_SESSION)
		return NRFCRED_MANIFEST_V2_SIZE;
	return 0;
}

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
	case MANIFEST_ERR_MAILBOX:
		return "manifest mailbox is not an aligned RAM area of a valid size";
	}
	return "unknown manifest error";
}

void manifest_encode(const struct manifest *m, uint8_t out[NRFCRED_MANIFEST_V2_SIZE])
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
	if (m->version == NRFCRED_MANIFEST_VERSION_SESSION) {
		le_put32(out + OFF_MAILBOX_ADDR, m->mailbox_addr);
		le_put32(out + OFF_MAILBOX_SIZE, m->mailbox_size);
		le_put32(out + OFF_CRC_V2, crc32_ieee(out, OFF_CRC_V2));
	} else {
		le_put32(out + OFF_CRC_V1, crc32_ieee(out, OFF_CRC_V1));
	}
}

bool manifest_has_session(const struct manifest *m)
{
	return (m->flags & NRFCRED_MANIFEST_F_SESSION) != 0;
}

bool manifest_is_sim_build(const struct manifest *m)
{
	return (m->flags & NRFCRED_MANIFEST_F_SIM_BUILD) != 0;
}

bool manifest_has_flash_areas(const struct manifest *m)
{
	return m->table_max != 0 || m->result_max != 0;
}

uint32_t manifest_session_table_max(const struct manifest *m)
{
	if (!manifest_has_session(m))
		return 0;
	return m->mailbox_size - NRFCRED_MBOX_DOWN_OFFSET - NRFCRED_REC_OVERHEAD;
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

static manifest_err check_mailbox(const struct manifest *m, struct provision_diag *diag)
{
	uint32_t a = m->mailbox_addr, n = m->mailbox_size;
	if (a % MANIFEST_PAGE_SIZE != 0 || n % MANIFEST_PAGE_SIZE != 0 ||
	    n < NRFCRED_MBOX_MIN_SIZE || n > NRFCRED_MBOX_MAX_SIZE || a < MANIFEST_RAM_START ||
	    (uint64_t)a + n > MANIFEST_RAM_END) {
		provision_diag_set(diag,
				   "mailbox 0x%08x + %u bytes: needs a 4 KiB aligned RAM area of "
				   "%u..%u bytes in 4 KiB steps",
				   a, n, NRFCRED_MBOX_MIN_SIZE, NRFCRED_MBOX_MAX_SIZE);
		return MANIFEST_ERR_MAILBOX;
	}
	return MANIFEST_OK;
}

static manifest_err check_flash_areas(const struct manifest *m, uint32_t addr,
				      struct provision_diag *diag)
{
	manifest_err err =
		check_area("table", m->table_addr, m->table_max, NRFCRED_TABLE_HEADER_SIZE, diag);
	if (err != MANIFEST_OK)
		return err;
	err = check_area("result", m->result_addr, m->result_max, NRFCRED_RESULT_SIZE(1), diag);
	if (err != MANIFEST_OK)
		return err;
	if (ranges_overlap(m->table_addr, m->table_max, m->result_addr, m->result_max)) {
		provision_diag_set(diag, "table area 0x%08x+%u overlaps result area 0x%08x+%u",
				   m->table_addr, m->table_max, m->result_addr, m->result_max);
		return MANIFEST_ERR_AREA_OVERLAP;
	}
	if (ranges_overlap(addr, m->size, m->table_addr, m->table_max) ||
	    ranges_overlap(addr, m->size, m->result_addr, m->result_max)) {
		provision_diag_set(
			diag, "manifest at 0x%08x lies inside its own table or result area", addr);
		return MANIFEST_ERR_AREA_OVERLAP;
	}
	return MANIFEST_OK;
}

manifest_err manifest_decode(const uint8_t *buf, size_t len, uint32_t addr, struct manifest *out,
			     struct provision_diag *diag)
{
	struct manifest m;
	memset(&m, 0, sizeof(m));
	m.addr = addr;
	if (len < NRFCRED_MANIFEST_MAGIC_LEN ||
	    memcmp(buf, NRFCRED_MANIFEST_MAGIC, NRFCRED_MANIFEST_MAGIC_LEN) != 0) {
		provision_diag_set(diag, "no manifest magic at 0x%08x", addr);
		return MANIFEST_ERR_NOT_FOUND;
	}
	if (len < OFF_SIZE + 2) {
		provision_diag_set(diag, "manifest at 0x%08x: only %zu bytes present", addr, len);
		return MANIFEST_ERR_TRUNCATED;
	}
	m.version = le_get16(buf + OFF_VERSION);
	m.size = le_get16(buf + OFF_SIZE);
	/* The version says where the CRC is; the CRC comes before any other
	 * field check: a corrupt manifest is reported as corrupt, not as
	 * whatever field the corruption happened to hit. */
	uint32_t want = layout_size(m.version);
	if (want == 0) {
		provision_diag_set(
			diag, "manifest at 0x%08x has version %u, this tool knows %u and %u", addr,
			m.version, NRFCRED_MANIFEST_VERSION, NRFCRED_MANIFEST_VERSION_SESSION);
		return MANIFEST_ERR_VERSION;
	}
	/* Version and size must agree before the CRC means anything: together
	 * they say where it is. */
	if (m.size != want) {
		provision_diag_set(diag, "manifest at 0x%08x has size %u, version %u needs %u",
				   addr, m.size, m.version, want);
		return MANIFEST_ERR_SIZE;
	}
	if (len < want) {
		provision_diag_set(diag, "manifest at 0x%08x: only %zu of %u bytes present", addr,
				   len, want);
		return MANIFEST_ERR_TRUNCATED;
	}
	m.table_addr = le_get32(buf + OFF_TABLE_ADDR);
	m.table_max = le_get32(buf + OFF_TABLE_MAX);
	m.result_addr = le_get32(buf + OFF_RESULT_ADDR);
	m.result_max = le_get32(buf + OFF_RESULT_MAX);
	m.progress_addr = le_get32(buf + OFF_PROGRESS_ADDR);
	m.fw_version = le_get32(buf + OFF_FW_VERSION);
	m.flags = le_get32(buf + OFF_FLAGS);
	if (m.version == NRFCRED_MANIFEST_VERSION_SESSION) {
		m.mailbox_addr = le_get32(buf + OFF_MAILBOX_ADDR);
		m.mailbox_size = le_get32(buf + OFF_MAILBOX_SIZE);
	}
	m.crc32 = le_get32(buf + want - 4);
	uint32_t crc = crc32_ieee(buf, want - 4);
	if (crc != m.crc32) {
		provision_diag_set(diag, "manifest at 0x%08x: stored CRC 0x%08x, computed 0x%08x",
				   addr, m.crc32, crc);
		return MANIFEST_ERR_CRC;
	}
	uint32_t known = m.version == NRFCRED_MANIFEST_VERSION
				 ? 0u
				 : NRFCRED_MANIFEST_F_SESSION | NRFCRED_MANIFEST_F_SIM_BUILD;
	if (m.flags & ~known) {
		provision_diag_set(diag, "manifest at 0x%08x has reserved flags 0x%08x", addr,
				   m.flags & ~known);
		return MANIFEST_ERR_FLAGS;
	}
	manifest_err err = MANIFEST_OK;
	if (manifest_has_session(&m))
		err = check_mailbox(&m, diag);
	else if (m.mailbox_addr != 0 || m.mailbox_size != 0) {
		/* A mailbox without the flag: which of the two is wrong is not
		 * ours to guess. */
		provision_diag_set(diag, "mailbox 0x%08x + %u bytes named without the session flag",
				   m.mailbox_addr, m.mailbox_size);
		err = MANIFEST_ERR_MAILBOX;
	}
	/* A session-only firmware has no flash areas at all (all four 0). */
	bool no_areas =
		m.table_addr == 0 && m.table_max == 0 && m.result_addr == 0 && m.result_max == 0;
	if (err == MANIFEST_OK && !(no_areas && manifest_has_session(&m)))
		err = check_flash_areas(&m, addr, diag);
	if (err != MANIFEST_OK)
		return err;
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
	struct manifest m;
	size_t room = found_room > NRFCRED_MANIFEST_V2_SIZE ? NRFCRED_MANIFEST_V2_SIZE
							    : (size_t)found_room;
	manifest_err err = manifest_decode(found, room, found_addr, &m, diag);
	if (err != MANIFEST_OK)
		return err;
	if (m.result_max != 0 && image_overlaps(img, m.result_addr, m.result_max)) {
		provision_diag_set(diag,
				   "result area 0x%08x+%u holds image data; it must be left erased",
				   m.result_addr, m.result_max);
		return MANIFEST_ERR_AREA_NOT_ERASED;
	}
	*out = m;
	return MANIFEST_OK;
}
