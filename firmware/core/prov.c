/* The provisioning sequence (ARCHITECTURE.md "Firmware"):
 *   validate manifest + table (no modem access before this passes)
 *   AT+CMEE=1, AT+CFUN=4, AT+CGSN=1, AT+CGMR
 *   per entry: [AT%CMNG=3] AT%CMNG=0 AT%CMNG=1
 *   result block, status word last. */
#include "prov_internal.h"

/* Static, not on the stack: a 4 KB credential plus its command prefix is most
 * of a small firmware stack, and the firmware has no heap. */
static char at_cmd_buf[PROV_AT_CMD_MAX];
static char at_resp_buf[PROV_AT_RESP_MAX];
static uint32_t result_words[NRFCRED_RESULT_SIZE(NRFCRED_TABLE_MAX_ENTRIES) / 4u];

struct prov_run {
	const struct prov_hal *hal;
	const struct nrfcred_manifest *m;
	uint8_t *res; /* result block being built (result_words) */
	uint16_t count;
	uint16_t fail_index;
};

static void progress(const struct prov_run *r, uint32_t phase, uint32_t index, uint32_t total)
{
	if (r->m->progress_addr != 0 && r->hal->progress_store != NULL)
		r->hal->progress_store(r->hal->ctx,
				       phase << 24 | (index & 0xffu) << 16 | (total & 0xffffu));
}

static int at(const struct prov_run *r, const char *cmd)
{
	at_resp_buf[0] = '\0';
	int rc = r->hal->at_cmd(r->hal->ctx, cmd, at_resp_buf, sizeof(at_resp_buf));
	at_resp_buf[sizeof(at_resp_buf) - 1] = '\0';
	return rc;
}

static uint8_t *res_entry(const struct prov_run *r, uint16_t i)
{
	return r->res + NRFCRED_RESULT_HEADER_SIZE + (size_t)i * NRFCRED_RESULT_ENTRY_SIZE;
}

/* Result header and entries as far as the table is known; status stays
 * 0xFFFFFFFF in RAM until finish() writes it last to flash. */
static void result_init(struct prov_run *r, const struct prov_table *t)
{
	r->res = (uint8_t *)result_words;
	prov_mem_set(r->res, 0, sizeof(result_words));
	r->count = 0;
	r->fail_index = NRFCRED_RESULT_NO_FAIL;
	prov_put_le32(r->res + 0, NRFCRED_RESULT_STATUS_PENDING);
	prov_put_le32(r->res + 4, NRFCRED_RESULT_MAGIC);
	prov_put_le16(r->res + 8, NRFCRED_RESULT_VERSION);
	prov_put_le32(r->res + 16, t->entries_crc32);
	prov_put_le16(r->res + 22, 0xffffu);
}

static void result_set_entries(struct prov_run *r, const struct prov_table *t)
{
	uint32_t off = NRFCRED_TABLE_HEADER_SIZE;
	for (uint16_t i = 0; i < t->count; i++) {
		struct prov_entry e;
		prov_table_next(t, &off, &e);
		uint8_t *re = res_entry(r, i);
		prov_put_le32(re + 0, e.sec_tag);
		re[4] = e.type;
		re[5] = 0;
		prov_put_le16(re + 6, 0xffffu);
		prov_put_le32(re + 8, 0);
	}
	r->count = t->count;
}

static int finish(struct prov_run *r, int status)
{
	progress(r, NRFCRED_PHASE_RESULT, 0, r->count);
	uint32_t total = NRFCRED_RESULT_SIZE((uint32_t)r->count);
	if (total > r->m->result_max) {
		/* Report the overflow in a block that does fit (an empty one; the
		 * manifest check guarantees room for it). */
		status = NRFCRED_RES_RESULT_TOO_LARGE;
		r->count = 0;
		total = NRFCRED_RESULT_SIZE(0u);
	}
	prov_put_le16(r->res + 10, r->count);
	prov_put_le32(r->res + 12, total);
	prov_put_le16(r->res + 20, r->fail_index);
	prov_put_le32(r->res + total - 4, prov_crc32(r->res + 4, total - 8));

	/* Word 0 (status) last: a host that sees it != 0xFFFFFFFF may trust the
	 * rest of the block (provision.h). Flash words are written as the
	 * little-endian words of the block; result_words is word aligned. */
	const struct prov_hal *h = r->hal;
	size_t nwords = total / 4u;
	if (h->flash_write_words(h->ctx, r->m->result_addr + 4u, result_words + 1, nwords - 1) != 0)
		return NRFCRED_RES_FLASH_WRITE;
	uint8_t st[4];
	prov_put_le32(st, (uint32_t)status);
	uint32_t status_word;
	prov_mem_copy(&status_word, st, 4);
	if (h->flash_write_words(h->ctx, r->m->result_addr, &status_word, 1) != 0)
		return NRFCRED_RES_FLASH_WRITE;
	progress(r, NRFCRED_PHASE_DONE, 0, r->count);
	return status;
}

static int identify(struct prov_run *r)
{
	progress(r, NRFCRED_PHASE_OFFLINE, 0, r->count);
	/* Numeric CME errors, so each failure can be reported as a number. */
	if (at(r, "AT+CMEE=1") != PROV_AT_OK)
		return NRFCRED_RES_MODEM_INIT;
	/* Offline (4), not power-off (0): both allow %CMNG writes (AT-CMNG), but
	 * CFUN=0 also stores the modem's NVM (wear; nrf91-registers.md §9.2) and
	 * powers the modem down, while 4 keeps it answering for %CMNG. */
	if (at(r, "AT+CFUN=4") != PROV_AT_OK)
		return NRFCRED_RES_MODEM_OFFLINE;
	progress(r, NRFCRED_PHASE_IDENTIFY, 0, r->count);
	char imei[16];
	if (at(r, "AT+CGSN=1") != PROV_AT_OK || prov_parse_imei(at_resp_buf, imei) != 0)
		return NRFCRED_RES_IMEI;
	prov_mem_copy(r->res + 24, imei, 16);
	char fw[32];
	if (at(r, "AT+CGMR") != PROV_AT_OK || prov_parse_cgmr(at_resp_buf, fw) != 0)
		return NRFCRED_RES_MODEM_FW;
	prov_mem_copy(r->res + 40, fw, 32);
	return NRFCRED_RES_OK;
}

static void cmng_prefix(struct prov_buf *b, unsigned op, const struct prov_entry *e)
{
	prov_buf_init(b, at_cmd_buf, sizeof(at_cmd_buf));
	prov_buf_str(b, "AT%CMNG=");
	prov_buf_u32(b, op);
	prov_buf_str(b, ",");
	prov_buf_u32(b, e->sec_tag);
	prov_buf_str(b, ",");
	prov_buf_u32(b, e->type);
}

static int one_credential(struct prov_run *r, const struct prov_entry *e, uint8_t *re)
{
	struct prov_buf b;
	int rc;
	if (e->flags & NRFCRED_ENTRY_F_DELETE_FIRST) {
		cmng_prefix(&b, 3, e);
		rc = at(r, at_cmd_buf);
		/* 513 = not found: nothing to delete is what we wanted. */
		if (rc != PROV_AT_OK && rc != 513) {
			prov_put_le32(re + 8, (uint32_t)rc);
			return NRFCRED_RES_CRED_DELETE;
		}
		if (rc == PROV_AT_OK)
			re[5] |= NRFCRED_RESULT_E_DELETED;
	}
	/* All types are sent quoted; PSKs arrive from the host already as the
	 * hex text the modem expects (AT-CMNG type 3). */
	cmng_prefix(&b, 0, e);
	prov_buf_str(&b, ",\"");
	prov_buf_bytes(&b, e->data, e->length);
	prov_buf_str(&b, "\"");
	if (b.overflow) {
		prov_mem_wipe(at_cmd_buf, sizeof(at_cmd_buf));
		return NRFCRED_RES_INTERNAL; /* table check bounds the length: unreachable */
	}
	rc = at(r, at_cmd_buf);
	/* The buffer held key material (type 2) or a PSK: clear it now. */
	prov_mem_wipe(at_cmd_buf, sizeof(at_cmd_buf));
	prov_put_le32(re + 8, (uint32_t)rc);
	if (rc != PROV_AT_OK)
		return NRFCRED_RES_CRED_WRITE;
	re[5] |= NRFCRED_RESULT_E_WRITTEN;

	cmng_prefix(&b, 1, e);
	rc = at(r, at_cmd_buf);
	if (rc != PROV_AT_OK) {
		prov_put_le32(re + 8, (uint32_t)rc);
		return NRFCRED_RES_CRED_HASH;
	}
	switch (prov_parse_cmng_list(at_resp_buf, e->sec_tag, e->type, re + 12)) {
	case PROV_CMNG_DIGEST:
		re[5] |= NRFCRED_RESULT_E_HASH_VALID;
		return NRFCRED_RES_OK;
	case PROV_CMNG_LISTED_NO_DIGEST:
		/* The AT reference makes <sha> optional in the list answer, and
		 * older modem firmware leaves it out (nRF Cloud utils verify
		 * digests only from mfw 1.3.2 on). The credential is stored;
		 * whether that is enough is the host's decision (provision.h). */
		re[5] |= NRFCRED_RESULT_E_LISTED_NO_DIGEST;
		return NRFCRED_RES_OK;
	default:
		/* Not listed after an OK write, or a garbled line: fail. */
		return NRFCRED_RES_CRED_HASH;
	}
}

static int credentials(struct prov_run *r, const struct prov_table *t)
{
	uint32_t off = NRFCRED_TABLE_HEADER_SIZE;
	for (uint16_t i = 0; i < t->count; i++) {
		progress(r, NRFCRED_PHASE_CREDENTIALS, i, t->count);
		struct prov_entry e;
		prov_table_next(t, &off, &e);
		int rc = one_credential(r, &e, res_entry(r, i));
		if (rc != NRFCRED_RES_OK) {
			r->fail_index = i;
			return rc;
		}
	}
	return NRFCRED_RES_OK;
}

int prov_run(const struct prov_hal *hal, const struct nrfcred_manifest *m)
{
	struct prov_run r = {.hal = hal, .m = m};
	if (prov_manifest_check(m) != NRFCRED_RES_OK)
		return NRFCRED_RES_MANIFEST_BAD;
	progress(&r, NRFCRED_PHASE_BOOT, 0, 0);

	progress(&r, NRFCRED_PHASE_TABLE, 0, 0);
	struct prov_table t;
	uint16_t bad_index;
	const uint8_t *table = (const uint8_t *)(hal->flash_base + m->table_addr);
	int rc = prov_table_check(table, m->table_max, &t, &bad_index);
	result_init(&r, &t);
	if (rc != NRFCRED_RES_OK) {
		/* A bad table never reaches the modem (not even for the IMEI):
		 * the result carries the status and the offending entry only. */
		r.fail_index = bad_index;
		return finish(&r, rc);
	}
	result_set_entries(&r, &t);

	rc = identify(&r);
	if (rc == NRFCRED_RES_OK && (t.flags & NRFCRED_TABLE_F_IMEI_ONLY) == 0)
		rc = credentials(&r, &t);
	return finish(&r, rc);
}
