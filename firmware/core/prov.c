/* The provisioning steps (ARCHITECTURE.md "Firmware") and the flash
 * delivery that strings them together:
 *   validate manifest + table (no modem access before this passes)
 *   AT+CMEE=1, AT+CFUN=4, AT+CGSN=1, AT+CGMR
 *   per entry: [AT%CMNG=3] AT%CMNG=0 AT%CMNG=1
 *   result block, status word last.
 * The session delivery (session.c) uses the same steps in another order:
 * the modem steps at boot, the table later, the result block in a record. */
#include "prov_internal.h"

struct prov_work prov_work;

void prov_work_wipe(void)
{
	prov_mem_wipe(&prov_work, sizeof(prov_work));
}

void prov_progress(const struct prov_run *r, uint32_t phase, uint32_t index, uint32_t total)
{
	if (r->progress_addr != 0 && r->hal->progress_store != NULL)
		r->hal->progress_store(r->hal->ctx,
				       phase << 24 | (index & 0xffu) << 16 | (total & 0xffffu));
}

static int at(const struct prov_run *r, const char *cmd)
{
	char *resp = prov_work.at_resp;
	resp[0] = '\0';
	int rc = r->hal->at_cmd(r->hal->ctx, cmd, resp, sizeof(prov_work.at_resp));
	resp[sizeof(prov_work.at_resp) - 1] = '\0';
	return rc;
}

static uint8_t *res_entry(const struct prov_run *r, uint16_t i)
{
	return r->res + NRFCRED_RESULT_HEADER_SIZE + (size_t)i * NRFCRED_RESULT_ENTRY_SIZE;
}

/* Status stays 0xFFFFFFFF until prov_result_seal: the flash delivery writes
 * word 0 last, and the pending value is what an unfinished block says. */
void prov_result_init(struct prov_run *r, const struct prov_table *t)
{
	r->res = (uint8_t *)prov_work.result;
	prov_mem_set(r->res, 0, sizeof(prov_work.result));
	r->count = 0;
	r->fail_index = NRFCRED_RESULT_NO_FAIL;
	prov_put_le32(r->res + 0, NRFCRED_RESULT_STATUS_PENDING);
	prov_put_le32(r->res + 4, NRFCRED_RESULT_MAGIC);
	prov_put_le16(r->res + 8, NRFCRED_RESULT_VERSION);
	prov_put_le32(r->res + 16, t->entries_crc32);
	prov_put_le16(r->res + 22, 0xffffu);
}

void prov_result_set_entries(struct prov_run *r, const struct prov_table *t)
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

void prov_result_set_identity(struct prov_run *r, const struct prov_identity *id)
{
	prov_mem_copy(r->res + 24, id->imei, sizeof(id->imei));
	prov_mem_copy(r->res + 40, id->modem_fw, sizeof(id->modem_fw));
}

uint32_t prov_result_seal(struct prov_run *r, int *status, uint32_t max)
{
	uint32_t total = NRFCRED_RESULT_SIZE((uint32_t)r->count);
	if (total > max) {
		/* Report the overflow in a block that does fit (an empty one; the
		 * manifest check guarantees room for it). */
		*status = NRFCRED_RES_RESULT_TOO_LARGE;
		r->count = 0;
		total = NRFCRED_RESULT_SIZE(0u);
	}
	prov_put_le32(r->res + 0, (uint32_t)*status);
	prov_put_le16(r->res + 10, r->count);
	prov_put_le32(r->res + 12, total);
	prov_put_le16(r->res + 20, r->fail_index);
	prov_put_le32(r->res + total - 4, prov_crc32(r->res + 4, total - 8));
	return total;
}

int prov_identify(const struct prov_run *r, struct prov_identity *id)
{
	prov_mem_set(id, 0, sizeof(*id));
	prov_progress(r, NRFCRED_PHASE_OFFLINE, 0, r->count);
	/* Numeric CME errors, so each failure can be reported as a number. */
	if (at(r, "AT+CMEE=1") != PROV_AT_OK)
		return NRFCRED_RES_MODEM_INIT;
	/* Offline (4), not power-off (0): both allow %CMNG writes (AT-CMNG), but
	 * CFUN=0 also stores the modem's NVM (wear; nrf91-registers.md §9.2) and
	 * powers the modem down, while 4 keeps it answering for %CMNG. */
	if (at(r, "AT+CFUN=4") != PROV_AT_OK)
		return NRFCRED_RES_MODEM_OFFLINE;
	prov_progress(r, NRFCRED_PHASE_IDENTIFY, 0, r->count);
	if (at(r, "AT+CGSN=1") != PROV_AT_OK || prov_parse_imei(prov_work.at_resp, id->imei) != 0)
		return NRFCRED_RES_IMEI;
	if (at(r, "AT+CGMR") != PROV_AT_OK || prov_parse_cgmr(prov_work.at_resp, id->modem_fw) != 0)
		return NRFCRED_RES_MODEM_FW;
	return NRFCRED_RES_OK;
}

static void cmng_prefix(struct prov_buf *b, unsigned op, const struct prov_entry *e)
{
	prov_buf_init(b, prov_work.at_cmd, sizeof(prov_work.at_cmd));
	prov_buf_str(b, "AT%CMNG=");
	prov_buf_u32(b, op);
	prov_buf_str(b, ",");
	prov_buf_u32(b, e->sec_tag);
	prov_buf_str(b, ",");
	prov_buf_u32(b, e->type);
}

/* AT%CMNG=3 of e's (sec_tag, type); 513 = not found: nothing to delete is
 * what we wanted. */
static int delete_one(struct prov_run *r, const struct prov_entry *e, uint8_t *re)
{
	struct prov_buf b;
	cmng_prefix(&b, 3, e);
	int rc = at(r, prov_work.at_cmd);
	if (rc != PROV_AT_OK && rc != 513) {
		prov_put_le32(re + 8, (uint32_t)rc);
		return NRFCRED_RES_CRED_DELETE;
	}
	if (rc == PROV_AT_OK)
		re[5] |= NRFCRED_RESULT_E_DELETED;
	return NRFCRED_RES_OK;
}

static int write_listed(struct prov_run *r, const struct prov_entry *e, uint8_t *re);

static int one_credential(struct prov_run *r, const struct prov_entry *e, uint8_t *re)
{
	if (e->flags & NRFCRED_ENTRY_F_DELETE_FIRST) {
		int rc = delete_one(r, e, re);
		if (rc != NRFCRED_RES_OK)
			return rc;
	}
	return write_listed(r, e, re);
}

/* AT%CMNG=0 of e's content, then AT%CMNG=1 for its SHA-256 into re. */
static int write_listed(struct prov_run *r, const struct prov_entry *e, uint8_t *re)
{
	struct prov_buf b;
	int rc;
	/* All types are sent quoted; PSKs arrive from the host already as the
	 * hex text the modem expects (AT-CMNG type 3). */
	cmng_prefix(&b, 0, e);
	prov_buf_str(&b, ",\"");
	prov_buf_bytes(&b, e->data, e->length);
	prov_buf_str(&b, "\"");
	if (b.overflow) {
		prov_mem_wipe(prov_work.at_cmd, sizeof(prov_work.at_cmd));
		return NRFCRED_RES_INTERNAL; /* table check bounds the length: unreachable */
	}
	rc = at(r, prov_work.at_cmd);
	/* The buffer held key material (type 2) or a PSK: clear it now. */
	prov_mem_wipe(prov_work.at_cmd, sizeof(prov_work.at_cmd));
	prov_put_le32(re + 8, (uint32_t)rc);
	if (rc != PROV_AT_OK)
		return NRFCRED_RES_CRED_WRITE;
	re[5] |= NRFCRED_RESULT_E_WRITTEN;

	cmng_prefix(&b, 1, e);
	rc = at(r, prov_work.at_cmd);
	if (rc != PROV_AT_OK) {
		prov_put_le32(re + 8, (uint32_t)rc);
		return NRFCRED_RES_CRED_HASH;
	}
	switch (prov_parse_cmng_list(prov_work.at_resp, e->sec_tag, e->type, re + 12)) {
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

/*
 * A KEYGEN entry (provision.h NRFCRED_TYPE_KEYGEN): the old key and
 * certificate of the sec_tag go (AT-KEYGEN refuses a sec_tag that holds a
 * key: docs/hardware/nrf91-registers.md §9.2, 519), the modem makes the key
 * and the CSR, the CSR goes up, and the certificate the host answers with is
 * written and listed like any other entry.
 */
static int one_keygen(struct prov_run *r, const struct prov_entry *e, uint16_t index, uint8_t *re)
{
	if (r->x == NULL)
		return NRFCRED_RES_NEEDS_SESSION;
	struct prov_entry key = {.sec_tag = e->sec_tag, .type = NRFCRED_TYPE_CLIENT_KEY};
	struct prov_entry cert = {.sec_tag = e->sec_tag, .type = NRFCRED_TYPE_CLIENT_CERT};
	int rc = delete_one(r, &key, re);
	if (rc == NRFCRED_RES_OK)
		rc = delete_one(r, &cert, re);
	if (rc != NRFCRED_RES_OK)
		return rc;

	struct prov_buf b;
	prov_buf_init(&b, prov_work.at_cmd, sizeof(prov_work.at_cmd));
	prov_buf_str(&b, "AT%KEYGEN=");
	prov_buf_u32(&b, e->sec_tag);
	prov_buf_str(&b, ",2,0,\"");
	prov_buf_bytes(&b, e->data + NRFCRED_KEYGEN_USAGE_LEN,
		       (size_t)e->length - NRFCRED_KEYGEN_USAGE_LEN);
	prov_buf_str(&b, "\",\"");
	prov_buf_bytes(&b, e->data, NRFCRED_KEYGEN_USAGE_LEN);
	prov_buf_str(&b, "\"");
	if (b.overflow)
		return NRFCRED_RES_INTERNAL; /* the table check bounds the subject */
	rc = at(r, prov_work.at_cmd);
	prov_put_le32(re + 8, (uint32_t)rc);
	if (rc != PROV_AT_OK)
		return NRFCRED_RES_KEYGEN;

	uint8_t *up = (uint8_t *)prov_work.up;
	uint16_t csr_len, cose_len;
	if (prov_parse_keygen(prov_work.at_resp, up + NRFCRED_CSR_PAYLOAD_HEADER,
			      sizeof(prov_work.up) - NRFCRED_CSR_PAYLOAD_HEADER, &csr_len,
			      &cose_len) != 0)
		return NRFCRED_RES_KEYGEN;
	uint32_t len = NRFCRED_CSR_PAYLOAD_HEADER + (uint32_t)csr_len + cose_len;
	while (len % 4u != 0)
		up[len++] = 0;
	prov_put_le32(up + 0, e->sec_tag);
	prov_put_le16(up + 4, index);
	prov_put_le16(up + 6, csr_len);
	prov_put_le16(up + 8, cose_len);
	prov_put_le16(up + 10, 0);

	const uint8_t *answer;
	uint32_t answer_len;
	rc = r->x->round(r->x->ctx, NRFCRED_REC_CSR, up, len, NRFCRED_REC_CERT, &answer,
			 &answer_len);
	if (rc != NRFCRED_RES_OK)
		return rc;
	/* The CERT: this sec_tag, a PEM that fits the record and an AT string. */
	if (answer_len < NRFCRED_CERT_PAYLOAD_HEADER || prov_le32(answer) != e->sec_tag)
		return NRFCRED_RES_CERT_REFUSED;
	uint32_t pem_len = prov_le32(answer + 4);
	if (pem_len == 0 || pem_len > PROV_CONTENT_MAX ||
	    pem_len > answer_len - NRFCRED_CERT_PAYLOAD_HEADER)
		return NRFCRED_RES_CERT_REFUSED;
	cert.data = answer + NRFCRED_CERT_PAYLOAD_HEADER;
	cert.length = (uint16_t)pem_len;
	for (uint32_t i = 0; i < pem_len; i++) {
		if (cert.data[i] == '"' || cert.data[i] == '\0')
			return NRFCRED_RES_CERT_REFUSED;
	}
	return write_listed(r, &cert, re);
}

/* NRFCRED_TABLE_F_ATTEST: the token goes up whatever the modem said; a
 * modem without %ATTESTTOKEN is the host's to judge, not a failure here. */
int prov_attest(struct prov_run *r)
{
	if (r->x == NULL)
		return NRFCRED_RES_NEEDS_SESSION;
	int code = at(r, "AT%ATTESTTOKEN");
	const char *token = "";
	size_t token_len = 0;
	if (code == PROV_AT_OK && prov_parse_attest(prov_work.at_resp, &token, &token_len) != 0)
		code = PROV_AT_ERROR; /* an answer we cannot pass on as a token */
	uint8_t *up = (uint8_t *)prov_work.up;
	prov_put_le32(up + 0, (uint32_t)code);
	prov_put_le32(up + 4, (uint32_t)token_len);
	uint32_t len = NRFCRED_ATTEST_PAYLOAD_HEADER;
	prov_mem_copy(up + len, token, token_len);
	len += (uint32_t)token_len;
	while (len % 4u != 0)
		up[len++] = 0;
	const uint8_t *answer;
	uint32_t answer_len;
	return r->x->round(r->x->ctx, NRFCRED_REC_ATTEST, up, len, NRFCRED_REC_ACK, &answer,
			   &answer_len);
}

int prov_credentials(struct prov_run *r, const struct prov_table *t)
{
	if (t->flags & NRFCRED_TABLE_F_ATTEST) {
		int rc = prov_attest(r);
		if (rc != NRFCRED_RES_OK)
			return rc;
	}
	uint32_t off = NRFCRED_TABLE_HEADER_SIZE;
	for (uint16_t i = 0; i < t->count; i++) {
		prov_progress(r, NRFCRED_PHASE_CREDENTIALS, i, t->count);
		struct prov_entry e;
		prov_table_next(t, &off, &e);
		int rc = e.type == NRFCRED_TYPE_KEYGEN ? one_keygen(r, &e, i, res_entry(r, i))
						       : one_credential(r, &e, res_entry(r, i));
		if (rc != NRFCRED_RES_OK) {
			r->fail_index = i;
			return rc;
		}
	}
	return NRFCRED_RES_OK;
}

static int write_result(struct prov_run *r, const struct prov_layout *l, int status)
{
	prov_progress(r, NRFCRED_PHASE_RESULT, 0, r->count);
	uint32_t total = prov_result_seal(r, &status, l->result_max);
	/* Word 0 (status) last: a host that sees it != 0xFFFFFFFF may trust the
	 * rest of the block (provision.h). Flash words are written as the
	 * little-endian words of the block; prov_work.result is word aligned. */
	const struct prov_hal *h = r->hal;
	const uint32_t *words = prov_work.result;
	if (h->flash_write_words(h->ctx, l->result_addr + 4u, words + 1, total / 4u - 1) != 0)
		return NRFCRED_RES_FLASH_WRITE;
	if (h->flash_write_words(h->ctx, l->result_addr, words, 1) != 0)
		return NRFCRED_RES_FLASH_WRITE;
	prov_progress(r, NRFCRED_PHASE_DONE, 0, r->count);
	return status;
}

int prov_run(const struct prov_hal *hal, const void *manifest)
{
	struct prov_layout l;
	if (prov_manifest_check(manifest, &l) != NRFCRED_RES_OK || !l.flash_areas ||
	    hal->flash_write_words == NULL)
		return NRFCRED_RES_MANIFEST_BAD;
	struct prov_run r = {.hal = hal, .progress_addr = l.progress_addr};
	prov_progress(&r, NRFCRED_PHASE_BOOT, 0, 0);

	prov_progress(&r, NRFCRED_PHASE_TABLE, 0, 0);
	struct prov_table t;
	uint16_t bad_index;
	const uint8_t *table = (const uint8_t *)(hal->flash_base + l.table_addr);
	int rc = prov_table_check(table, l.table_max, &t, &bad_index);
	prov_result_init(&r, &t);
	if (rc != NRFCRED_RES_OK) {
		/* A bad table never reaches the modem (not even for the IMEI):
		 * the result carries the status and the offending entry only. */
		r.fail_index = bad_index;
		return write_result(&r, &l, rc);
	}
	prov_result_set_entries(&r, &t);

	struct prov_identity id;
	rc = prov_identify(&r, &id);
	prov_result_set_identity(&r, &id);
	if (rc == NRFCRED_RES_OK && (t.flags & NRFCRED_TABLE_F_IMEI_ONLY) == 0)
		rc = prov_credentials(&r, &t);
	return write_result(&r, &l, rc);
}
