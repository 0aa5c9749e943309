/* Manifest and credential table validation. Everything here runs BEFORE the
 * modem is touched: a table that fails any check never reaches AT%CMNG. The
 * table is hostile input (the host may be buggy, flash may be half written):
 * every length is bounds-checked against the area the manifest reserves, and
 * fields are read byte-wise (no alignment or aliasing assumptions). */
#include "prov_internal.h"

/*
 * The manifest magic, XOR-masked. provision.h requires that the 8 magic bytes
 * appear nowhere in the firmware image except in the manifest itself (the host
 * finds the manifest by searching for them); a plain "nRFcMAN1" literal here
 * would put a second copy into .rodata or a literal pool.
 */
#define MAGIC_MASK 0xa5u
static const uint8_t magic_masked[NRFCRED_MANIFEST_MAGIC_LEN] = {
	'n' ^ MAGIC_MASK, 'R' ^ MAGIC_MASK, 'F' ^ MAGIC_MASK, 'c' ^ MAGIC_MASK,
	'M' ^ MAGIC_MASK, 'A' ^ MAGIC_MASK, 'N' ^ MAGIC_MASK, '1' ^ MAGIC_MASK,
};

static bool ranges_overlap(uint32_t a, uint32_t alen, uint32_t b, uint32_t blen)
{
	return a < b + blen && b < a + alen;
}

static int check_flash_areas(const struct prov_layout *l)
{
	/* Separate erased flash pages (ARCHITECTURE.md "Formats"), inside the
	 * 32-bit address space, and big enough for what must go there. */
	if (l->table_addr % PROV_FLASH_PAGE != 0 || l->result_addr % PROV_FLASH_PAGE != 0)
		return NRFCRED_RES_MANIFEST_BAD;
	if (l->table_max < NRFCRED_TABLE_HEADER_SIZE || l->result_max < NRFCRED_RESULT_SIZE(0u))
		return NRFCRED_RES_MANIFEST_BAD;
	if (l->table_addr > UINT32_MAX - l->table_max ||
	    l->result_addr > UINT32_MAX - l->result_max)
		return NRFCRED_RES_MANIFEST_BAD;
	if (ranges_overlap(l->table_addr, l->table_max, l->result_addr, l->result_max))
		return NRFCRED_RES_MANIFEST_BAD;
	return NRFCRED_RES_OK;
}

static int check_mailbox(const struct prov_layout *l)
{
	uint32_t addr = l->mailbox_addr, size = l->mailbox_size;
	if ((l->flags & NRFCRED_MANIFEST_F_SESSION) == 0)
		return addr == 0 && size == 0 ? NRFCRED_RES_OK : NRFCRED_RES_MANIFEST_BAD;
	/* The UP and DOWN areas start on 4 KB boundaries (provision.h). */
	if (addr % 0x1000u != 0 || size % 0x1000u != 0 || size < NRFCRED_MBOX_MIN_SIZE ||
	    size > NRFCRED_MBOX_MAX_SIZE)
		return NRFCRED_RES_MANIFEST_BAD;
	if (addr < PROV_RAM_START || addr > PROV_RAM_END || size > PROV_RAM_END - addr)
		return NRFCRED_RES_MANIFEST_BAD;
	/* The session clears the whole mailbox at boot and at END. */
	if (l->progress_addr != 0 && ranges_overlap(l->progress_addr, 4, addr, size))
		return NRFCRED_RES_MANIFEST_BAD;
	return NRFCRED_RES_OK;
}

int prov_manifest_check(const void *manifest, struct prov_layout *layout)
{
	const uint8_t *raw = manifest;
	for (unsigned i = 0; i < NRFCRED_MANIFEST_MAGIC_LEN; i++) {
		if ((uint8_t)(raw[i] ^ MAGIC_MASK) != magic_masked[i])
			return NRFCRED_RES_MANIFEST_BAD;
	}
	struct prov_layout l;
	prov_mem_set(&l, 0, sizeof(l));
	l.version = prov_le16(raw + 8);
	uint16_t size = prov_le16(raw + 10);
	if (!(l.version == NRFCRED_MANIFEST_VERSION && size == NRFCRED_MANIFEST_SIZE) &&
	    !(l.version == NRFCRED_MANIFEST_VERSION_SESSION && size == NRFCRED_MANIFEST_V2_SIZE))
		return NRFCRED_RES_MANIFEST_BAD;
	if (prov_crc32(raw, size - 4u) != prov_le32(raw + size - 4u))
		return NRFCRED_RES_MANIFEST_BAD;
	l.table_addr = prov_le32(raw + 12);
	l.table_max = prov_le32(raw + 16);
	l.result_addr = prov_le32(raw + 20);
	l.result_max = prov_le32(raw + 24);
	l.progress_addr = prov_le32(raw + 28);
	l.fw_version = prov_le32(raw + 32);
	l.flags = prov_le32(raw + 36);
	if (l.version == NRFCRED_MANIFEST_VERSION_SESSION) {
		l.mailbox_addr = prov_le32(raw + 40);
		l.mailbox_size = prov_le32(raw + 44);
		/* The firmware built this manifest itself: a flag it does not
		 * know means the manifest is not what it thinks it is. */
		if ((l.flags & ~(NRFCRED_MANIFEST_F_SESSION | NRFCRED_MANIFEST_F_SIM_BUILD)) != 0 ||
		    check_mailbox(&l) != NRFCRED_RES_OK)
			return NRFCRED_RES_MANIFEST_BAD;
	}
	bool no_areas =
		l.table_addr == 0 && l.table_max == 0 && l.result_addr == 0 && l.result_max == 0;
	if (no_areas && l.version == NRFCRED_MANIFEST_VERSION_SESSION &&
	    (l.flags & NRFCRED_MANIFEST_F_SESSION) != 0) {
		l.flash_areas = false; /* session only (provision.h, manifest v2) */
	} else if (check_flash_areas(&l) == NRFCRED_RES_OK) {
		l.flash_areas = true;
	} else {
		return NRFCRED_RES_MANIFEST_BAD;
	}
	*layout = l;
	return NRFCRED_RES_OK;
}

static bool all_erased(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i] != 0xffu)
			return false;
	}
	return true;
}

/* Content goes inside a quoted AT string: a '"' would end it early and a NUL
 * would end the command (the modem has no escape syntax for either). */
static bool content_ok(const uint8_t *d, uint16_t n)
{
	for (uint16_t i = 0; i < n; i++) {
		if (d[i] == '"' || d[i] == '\0')
			return false;
	}
	return true;
}

/* KEYGEN entry data (provision.h): 9 x '0'/'1', then the subject. */
static bool keygen_ok(const uint8_t *d, uint16_t n)
{
	if (n <= NRFCRED_KEYGEN_USAGE_LEN || n > NRFCRED_KEYGEN_USAGE_LEN + NRFCRED_KEYGEN_SUBJECT_MAX)
		return false;
	for (uint16_t i = 0; i < n; i++) {
		bool ok = i < NRFCRED_KEYGEN_USAGE_LEN ? d[i] == '0' || d[i] == '1'
						       : d[i] >= 0x20 && d[i] <= 0x7e && d[i] != '"';
		if (!ok)
			return false;
	}
	return true;
}

static int check_entries(const uint8_t *base, uint32_t total_len, uint16_t count,
			 uint16_t *bad_index)
{
	uint32_t off = NRFCRED_TABLE_HEADER_SIZE;
	for (uint16_t i = 0; i < count; i++) {
		*bad_index = i;
		if (total_len - off < NRFCRED_TABLE_ENTRY_SIZE)
			return NRFCRED_RES_TABLE_BAD_LENGTH;
		const uint8_t *e = base + off;
		uint32_t tag = prov_le32(e);
		uint8_t type = e[4];
		uint16_t len = prov_le16(e + 6);
		off += NRFCRED_TABLE_ENTRY_SIZE;
		if (len > total_len - off)
			return NRFCRED_RES_TABLE_BAD_LENGTH;
		/* Unknown entry flags come from a newer host: refuse rather than
		 * silently ignore what it asked for. */
		bool keygen = type == NRFCRED_TYPE_KEYGEN;
		if (tag > NRFCRED_SEC_TAG_MAX || (type >= NRFCRED_TYPE_COUNT && !keygen) ||
		    (e[5] & ~NRFCRED_ENTRY_F_DELETE_FIRST) != 0 || len == 0 ||
		    len > PROV_CONTENT_MAX || !content_ok(base + off, len) ||
		    (keygen && !keygen_ok(base + off, len)))
			return NRFCRED_RES_TABLE_BAD_ENTRY;
		off += len;
		/* Padding to the next 4-byte boundary must be zero; the padding of
		 * the last entry may be left out of total_len. */
		while (off % 4u != 0 && off < total_len) {
			if (base[off] != 0)
				return NRFCRED_RES_TABLE_BAD_ENTRY;
			off++;
		}
	}
	*bad_index = NRFCRED_RESULT_NO_FAIL;
	if (off != total_len)
		return NRFCRED_RES_TABLE_BAD_LENGTH; /* trailing bytes the count does not explain */
	return NRFCRED_RES_OK;
}

int prov_table_check(const uint8_t *base, uint32_t max, struct prov_table *t, uint16_t *bad_index)
{
	*bad_index = NRFCRED_RESULT_NO_FAIL;
	prov_mem_set(t, 0, sizeof(*t));
	if (max < NRFCRED_TABLE_HEADER_SIZE)
		return NRFCRED_RES_TABLE_BAD_LENGTH;
	if (all_erased(base, NRFCRED_TABLE_HEADER_SIZE))
		return NRFCRED_RES_TABLE_MISSING;
	if (prov_le32(base) != NRFCRED_TABLE_MAGIC)
		return NRFCRED_RES_TABLE_BAD_MAGIC;
	t->entries_crc32 = prov_le32(base + 16);
	if (prov_le16(base + 4) != NRFCRED_TABLE_VERSION)
		return NRFCRED_RES_TABLE_BAD_VERSION;
	t->count = prov_le16(base + 6);
	t->total_len = prov_le32(base + 8);
	t->flags = prov_le32(base + 12);
	if ((t->flags & ~(NRFCRED_TABLE_F_IMEI_ONLY | NRFCRED_TABLE_F_ATTEST)) != 0)
		return NRFCRED_RES_TABLE_BAD_VERSION; /* flags this firmware does not know */
	if (t->total_len < NRFCRED_TABLE_HEADER_SIZE || t->total_len > max ||
	    t->count > NRFCRED_TABLE_MAX_ENTRIES)
		return NRFCRED_RES_TABLE_BAD_LENGTH;
	if (prov_crc32(base + NRFCRED_TABLE_HEADER_SIZE,
		       t->total_len - NRFCRED_TABLE_HEADER_SIZE) != t->entries_crc32)
		return NRFCRED_RES_TABLE_BAD_CRC;
	int rc = check_entries(base, t->total_len, t->count, bad_index);
	if (rc != NRFCRED_RES_OK)
		return rc;
	t->base = base;
	return NRFCRED_RES_OK;
}

void prov_table_next(const struct prov_table *t, uint32_t *offset, struct prov_entry *e)
{
	const uint8_t *p = t->base + *offset;
	e->sec_tag = prov_le32(p);
	e->type = p[4];
	e->flags = p[5];
	e->length = prov_le16(p + 6);
	e->data = p + NRFCRED_TABLE_ENTRY_SIZE;
	uint32_t next = *offset + NRFCRED_TABLE_ENTRY_SIZE + e->length;
	*offset = (next + 3u) & ~3u;
}
