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
	/* version 2 */
	OFF_MAILBOX_ADDR = 40,
	OFF_MAILBOX_SIZE = 44,
	OFF_CRC_V2 = 48,
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
	case MANIFEST_ERR_MAILBOX:
		return "manifest session mailbox is not a 4 KiB aligned RAM area of 8..64 KiB";
	case MANIFEST_ERR_SESSION_ONLY:
		return "the provisioning firmware has no table or result area (session only); "
		       "the flash delivery cannot use it";
	}
	return "unknown manifest error";
}

size_t manifest_encoded_size(const struct manifest *m)
{
	return m->version == NRFCRED_MANIFEST_VERSION_SESSION ? NRFCRED_MANIFEST_V2_SIZE
							      : NRFCRED_MANIFEST_SIZE;
}

void manifest_encode(const struct manifest *m, uint8_t *out)
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
		le_put32(out + OFF_CRC, crc32_ieee(out, OFF_CRC));
	}
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

/* provision.h, manifest version 2: the mailbox's UP and DOWN areas start on
 * 4 KB boundaries, and the host accepts at most NRFCRED_MBOX_MAX_SIZE. */
static manifest_err check_mailbox(const struct manifest *m, struct provision_diag *diag)
{
	if ((m->flags & NRFCRED_MANIFEST_F_SESSION) == 0) {
		if (m->mailbox_addr == 0 && m->mailbox_size == 0)
			return MANIFEST_OK;
		provision_diag_set(diag,
				   "manifest names a mailbox 0x%08x+%u without the session flag",
				   m->mailbox_addr, m->mailbox_size);
		return MANIFEST_ERR_MAILBOX;
	}
	if (m->mailbox_addr % 0x1000u != 0 || m->mailbox_size % 0x1000u != 0 ||
	    m->mailbox_size < NRFCRED_MBOX_MIN_SIZE || m->mailbox_size > NRFCRED_MBOX_MAX_SIZE ||
	    m->mailbox_addr < MANIFEST_RAM_START ||
	    (uint64_t)m->mailbox_addr + m->mailbox_size > MANIFEST_RAM_END) {
		provision_diag_set(diag, "session mailbox 0x%08x+%u", m->mailbox_addr,
				   m->mailbox_size);
		return MANIFEST_ERR_MAILBOX;
	}
	return MANIFEST_OK;
}

manifest_err manifest_decode(const uint8_t *buf, size_t len, uint32_t addr, struct manifest *out,
			     struct provision_diag *diag)
{
	struct manifest m;
	memset(&m, 0, sizeof(m));
	if (len < NRFCRED_MANIFEST_SIZE) {
		provision_diag_set(diag, "manifest at 0x%08x: only %zu of %u bytes present", addr,
				   len, NRFCRED_MANIFEST_SIZE);
		return MANIFEST_ERR_TRUNCATED;
	}
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
	bool v2 = m.version == NRFCRED_MANIFEST_VERSION_SESSION;
	size_t crc_off = v2 ? OFF_CRC_V2 : OFF_CRC;
	if (v2 && len < NRFCRED_MANIFEST_V2_SIZE) {
		provision_diag_set(diag, "manifest at 0x%08x: only %zu of %u bytes present", addr,
				   len, NRFCRED_MANIFEST_V2_SIZE);
		return MANIFEST_ERR_TRUNCATED;
	}
	if (v2) {
		m.mailbox_addr = le_get32(buf + OFF_MAILBOX_ADDR);
		m.mailbox_size = le_get32(buf + OFF_MAILBOX_SIZE);
	}
	m.crc32 = le_get32(buf + crc_off);

	if (memcmp(buf, NRFCRED_MANIFEST_MAGIC, NRFCRED_MANIFEST_MAGIC_LEN) != 0) {
		provision_diag_set(diag, "no manifest magic at 0x%08x", addr);
		return MANIFEST_ERR_NOT_FOUND;
	}
	/* The CRC comes before any field check: a corrupt manifest is reported
	 * as corrupt, not as whatever field the corruption happened to hit
	 * (the version picks the range; a corrupt version fails it too). */
	uint32_t crc = crc32_ieee(buf, crc_off);
	if (crc != m.crc32) {
		provision_diag_set(diag, "manifest at 0x%08x: stored CRC 0x%08x, computed 0x%08x",
				   addr, m.crc32, crc);
		return MANIFEST_ERR_CRC;
	}
	if (m.version != NRFCRED_MANIFEST_VERSION && !v2) {
		provision_diag_set(diag,
				   "manifest at 0x%08x has version %u, this tool knows 1 and 2",
				   addr, m.version);
		return MANIFEST_ERR_VERSION;
	}
	uint16_t want_size = v2 ? NRFCRED_MANIFEST_V2_SIZE : NRFCRED_MANIFEST_SIZE;
	if (m.size != want_size) {
		provision_diag_set(diag, "manifest at 0x%08x has size %u, version %u needs %u",
				   addr, m.size, m.version, want_size);
		return MANIFEST_ERR_SIZE;
	}
	uint32_t known_flags = v2 ? NRFCRED_MANIFEST_F_SESSION : 0;
	if ((m.flags & ~known_flags) != 0) {
		provision_diag_set(diag, "manifest at 0x%08x has reserved flags 0x%08x", addr,
				   m.flags & ~known_flags);
		return MANIFEST_ERR_FLAGS;
	}
	if (v2) {
		manifest_err merr = check_mailbox(&m, diag);
		if (merr != MANIFEST_OK)
			return merr;
		if (m.table_addr == 0 && m.table_max == 0 && m.result_addr == 0 &&
		    m.result_max == 0) {
			provision_diag_set(diag, "manifest at 0x%08x names mailbox 0x%08x+%u only",
					   addr, m.mailbox_addr, m.mailbox_size);
			return MANIFEST_ERR_SESSION_ONLY;
		}
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
	if (ranges_overlap(addr, want_size, m.table_addr, m.table_max) ||
	    ranges_overlap(addr, want_size, m.result_addr, m.result_max)) {
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
	struct manifest m;
	manifest_err err = manifest_decode(found, (size_t)found_room, found_addr, &m, diag);
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
