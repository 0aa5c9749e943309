/* Per-board identities made on the board: CSR -> certificate, attestation,
 * and the files nRF Cloud takes (keygen.h). */
#include "station/keygen.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <mbedtls/base64.h>

#include "cred/ca.h"
#include "cred/secure_mem.h"
#include "cred/template.h"
#include "image/digest.h"
#include "provision/le.h"
#include "provision/result.h"
#include "provision/table.h"
#include "station/board_table.h"
#include "station/events.h"
#include "station/job.h"
#include "station/runner_priv.h"

/* nRF Cloud utils' default firmware types of an onboarded device
 * (device_credentials_installer.py --fwtypes default "APP|MODEM"). */
#define ONBOARD_FW_TYPES "APP|MODEM"
#define PEM_MAX		 4096u

struct slot_keygen {
	bool issued[NRFCRED_TABLE_MAX_ENTRIES];
	uint8_t cert_sha[NRFCRED_TABLE_MAX_ENTRIES][SHA256_LEN];
	char *first_pem;  /* the first issued certificate, for the onboarding row */
	uint8_t *answer;  /* the CERT payload on its way down */
	bool attest_seen; /* an ATTEST record came */
	int32_t attest_code;
	char *attest_token;
	char uuid[37];
	char note[160];
};

bool keygen_job_active(const struct slot *s)
{
	const struct station_job *job = s->r->job;
	return job->keygen || (table_flags(job->table) & NRFCRED_TABLE_F_ATTEST);
}

void keygen_slot_reset(struct slot *s)
{
	struct slot_keygen *k = s->keygen;
	if (k == NULL)
		return;
	free(k->first_pem);
	free(k->answer);
	free(k->attest_token);
	free(k);
	s->keygen = NULL;
}

int keygen_slot_prepare(struct slot *s)
{
	keygen_slot_reset(s);
	if (!keygen_job_active(s))
		return 0;
	struct slot_keygen *k = calloc(1, sizeof *k);
	if (k == NULL) {
		snprintf(s->detail, sizeof s->detail, "out of memory");
		return -1;
	}
	s->keygen = k;
	const struct table *t = slot_sent_table(s);
	bool keygen = false;
	for (size_t i = 0; i < table_count(t); i++)
		keygen |= table_entry_at(t, i)->type == NRFCRED_TYPE_KEYGEN;
	size_t request_len = 0;
	(void)slot_sent_request(s, &request_len);
	/* The answers go after the TABLE record (provision.h): a CERT of up
	 * to a 4 KB PEM, or an empty ACK, must fit behind it. */
	size_t down = s->r->job->manifest.mailbox_size - NRFCRED_MBOX_DOWN_OFFSET;
	size_t answers =
		NRFCRED_REC_OVERHEAD + (keygen ? NRFCRED_CERT_PAYLOAD_HEADER + PEM_MAX : 0);
	size_t table_rec = NRFCRED_REC_OVERHEAD + ((request_len + 3u) & ~(size_t)3u);
	if (table_rec + answers > down) {
		snprintf(s->detail, sizeof s->detail,
			 "the table (%zu bytes) leaves no room for the certificate in the %zu-byte "
			 "mailbox; write fewer credentials with keygen (nothing was sent)",
			 request_len, down);
		return -1;
	}
	return 0;
}

const char *keygen_slot_note(const struct slot *s)
{
	return s->keygen != NULL ? s->keygen->note : "";
}

/* ---- files */

/* snprintf that says whether it all fit (paths under a long log_dir). */
static bool fits(char *out, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static bool fits(char *out, size_t cap, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(out, cap, fmt, ap);
	va_end(ap);
	return n >= 0 && (size_t)n < cap;
}

/* Writes path atomically: a temporary file in the same folder, fsync,
 * rename, fsync of the folder. */
static int write_atomic(const char *dir, const char *name, const char *text, size_t len, char *why,
			size_t whylen)
{
	char path[4096], tmp[4200];
	if (!fits(path, sizeof path, "%s/%s", dir, name) ||
	    !fits(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid())) {
		(void)fits(why, whylen, "%s: path too long", dir);
		return -1;
	}
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		(void)fits(why, whylen, "%s: %s", tmp, strerror(errno));
		return -1;
	}
	ssize_t w = write(fd, text, len);
	int e = w == (ssize_t)len ? 0 : w < 0 ? errno : ENOSPC;
	if (e == 0 && fsync(fd) != 0)
		e = errno;
	if (close(fd) != 0 && e == 0)
		e = errno;
	if (e == 0 && rename(tmp, path) != 0)
		e = errno;
	if (e != 0) {
		unlink(tmp);
		(void)fits(why, whylen, "%s: %s", path, strerror(e));
		return -1;
	}
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		(void)fsync(dfd);
		close(dfd);
	}
	return 0;
}

/* One whole row appended with one write(2) (O_APPEND: the slots' rows
 * never interleave), then fsync. */
static int append_row(const char *path, const char *row, size_t len, char *why, size_t whylen)
{
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		(void)fits(why, whylen, "%s: %s", path, strerror(errno));
		return -1;
	}
	ssize_t w = write(fd, row, len);
	int e = w == (ssize_t)len ? 0 : w < 0 ? errno : ENOSPC;
	if (e == 0 && fsync(fd) != 0)
		e = errno;
	close(fd);
	if (e != 0) {
		(void)fits(why, whylen, "%s: %s", path, strerror(e));
		return -1;
	}
	return 0;
}

static int save_cert(struct slot *s, uint32_t sec_tag, bool one, const char *pem, size_t len,
		     char *why, size_t whylen)
{
	const struct station_config *cfg = s->r->cfg;
	char dir[4096], name[64];
	if (!fits(dir, sizeof dir, "%s/%s-certs", cfg->log_dir, cfg->name)) {
		(void)fits(why, whylen, "log_dir path too long");
		return -1;
	}
	if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
		(void)fits(why, whylen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	if (one)
		snprintf(name, sizeof name, "%s.crt", s->imei);
	else
		snprintf(name, sizeof name, "%s-%" PRIu32 ".crt", s->imei, sec_tag);
	return write_atomic(dir, name, pem, len, why, whylen);
}

/* ---- CSR -> CERT */

enum slot_outcome keygen_on_csr(struct slot *s, const struct session_record *rec,
				const uint8_t **answer, size_t *len)
{
	struct slot_keygen *k = s->keygen;
	struct provision_diag pd = {{0}};
	struct session_csr csr;
	session_err se = session_csr_decode(rec, &csr, &pd);
	if (se != SESSION_OK)
		return slot_fail(s, "firmware CSR: %s: %s", session_strerror(se), pd.text);
	const struct table *t = slot_sent_table(s);
	if (k == NULL || csr.index >= table_count(t))
		return slot_fail(s, "firmware CSR for entry %u, which the table does not have",
				 (unsigned)csr.index);
	const struct table_entry *e = table_entry_at(t, csr.index);
	if (e->type != NRFCRED_TYPE_KEYGEN || e->sec_tag != csr.sec_tag)
		return slot_fail(s,
				 "firmware CSR for entry %u (sec_tag %" PRIu32
				 "), not a keygen entry "
				 "of that sec_tag",
				 (unsigned)csr.index, csr.sec_tag);
	if (k->issued[csr.index])
		return slot_fail(s, "firmware CSR for entry %u a second time", (unsigned)csr.index);
	char subject[NRFCRED_KEYGEN_SUBJECT_MAX + 1];
	size_t sl = e->len - NRFCRED_KEYGEN_USAGE_LEN;
	memcpy(subject, e->data + NRFCRED_KEYGEN_USAGE_LEN, sl);
	subject[sl] = '\0';

	char pem[PEM_MAX], why[300];
	size_t pem_len = 0;
	struct ca_issued issued;
	ca_err ce = ca_issue(s->r->job->ca, csr.csr, csr.csr_len, subject, pem, sizeof pem,
			     &pem_len, &issued, why, sizeof why);
	if (ce != CA_OK)
		return slot_fail(s, "keygen sec_tag %" PRIu32 ": CSR refused: %s", e->sec_tag, why);
	size_t keygen_entries = 0;
	for (size_t i = 0; i < table_count(t); i++)
		keygen_entries += table_entry_at(t, i)->type == NRFCRED_TYPE_KEYGEN;
	/* On disk before the modem has it: a certificate a board holds is
	 * never one the station lost. */
	if (save_cert(s, e->sec_tag, keygen_entries == 1, pem, pem_len, why, sizeof why) != 0)
		return slot_fail(s, "keygen sec_tag %" PRIu32 ": cannot save the certificate: %s",
				 e->sec_tag, why);
	sha256(pem, pem_len, k->cert_sha[csr.index]);
	k->issued[csr.index] = true;
	if (k->first_pem == NULL && (k->first_pem = strdup(pem)) == NULL)
		return slot_fail(s, "out of memory");

	size_t n = NRFCRED_CERT_PAYLOAD_HEADER + ((pem_len + 3u) & ~(size_t)3u);
	free(k->answer);
	k->answer = calloc(1, n);
	if (k->answer == NULL)
		return slot_fail(s, "out of memory");
	le_put32(k->answer, e->sec_tag);
	le_put32(k->answer + 4, (uint32_t)pem_len);
	memcpy(k->answer + NRFCRED_CERT_PAYLOAD_HEADER, pem, pem_len);
	*answer = k->answer;
	*len = n;
	return SLOT_OUT_PENDING;
}

/* ---- attestation */

/* The device UUID of an attestation message (CBOR, nRF Cloud utils
 * modem_credentials_parser.py): [optional tag 55799] array, 1, bstr(16). */
static int token_uuid(const char *token, size_t len, char out[37])
{
	const char *dot = memchr(token, '.', len);
	size_t n = dot ? (size_t)(dot - token) : len;
	char b64[128];
	uint8_t msg[96];
	if (n == 0 || n + 4 > sizeof b64)
		return -1;
	for (size_t i = 0; i < n; i++)
		b64[i] = token[i] == '-' ? '+' : token[i] == '_' ? '/' : token[i];
	while (n % 4)
		b64[n++] = '=';
	size_t m = 0;
	if (mbedtls_base64_decode(msg, sizeof msg, &m, (const unsigned char *)b64, n) != 0)
		return -1;
	size_t p = 0;
	if (m >= 3 && msg[0] == 0xd9 && msg[1] == 0xd9 && msg[2] == 0xf7)
		p = 3;
	if (m < p + 19 || (msg[p] & 0xe0) != 0x80 || msg[p + 1] != 0x01 || msg[p + 2] != 0x50)
		return -1;
	const uint8_t *u = msg + p + 3;
	snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12],
		 u[13], u[14], u[15]);
	return 0;
}

enum slot_outcome keygen_on_attest(struct slot *s, const struct session_record *rec)
{
	struct slot_keygen *k = s->keygen;
	struct provision_diag pd = {{0}};
	struct session_attest a;
	session_err se = session_attest_decode(rec, &a, &pd);
	if (se != SESSION_OK)
		return slot_fail(s, "firmware ATTEST: %s: %s", session_strerror(se), pd.text);
	if (k == NULL || k->attest_seen)
		return slot_fail(s, "firmware ATTEST the table did not ask for");
	k->attest_seen = true;
	k->attest_code = a.modem_code;
	if (a.modem_code == 0) {
		k->attest_token = strndup(a.token, a.token_len);
		if (k->attest_token == NULL)
			return slot_fail(s, "out of memory");
		if (token_uuid(a.token, a.token_len, k->uuid) != 0)
			k->uuid[0] = '\0'; /* judged at CHECK, with the policy */
	}
	return SLOT_OUT_PENDING;
}

/* ---- CHECK */

static enum slot_outcome check_attestation(struct slot *s)
{
	struct slot_keygen *k = s->keygen;
	const struct station_config *cfg = s->r->cfg;
	if (cfg->attestation == STATION_ATTEST_NO)
		return SLOT_OUT_OK;
	if (!k->attest_seen)
		return slot_fail(s, "the firmware sent no attestation token record");
	if (k->attest_code != 0 || k->uuid[0] == '\0') {
		char what[96];
		if (k->attest_code < 0)
			snprintf(what, sizeof what, "AT%%ATTESTTOKEN answered ERROR");
		else if (k->attest_code > 0)
			snprintf(what, sizeof what, "AT%%ATTESTTOKEN answered CME ERROR %" PRId32,
				 k->attest_code);
		else
			snprintf(what, sizeof what, "its token carries no device UUID");
		if (cfg->attestation == STATION_ATTEST_REQUIRED)
			return slot_fail(s,
					 "attestation not supported by the modem (%s; "
					 "[station] attestation = required)",
					 what);
		snprintf(k->note, sizeof k->note, "attestation not supported (%s)", what);
		return SLOT_OUT_OK;
	}
	char path[4096], why[300], when[32];
	(void)fits(path, sizeof path, "%s/%s-attestation.csv", cfg->log_dir, cfg->name);
	station_format_utc(runner_wall_ms(), when);
	size_t n = strlen(s->imei) + strlen(k->uuid) + strlen(k->attest_token) + strlen(when) + 8;
	char *row = malloc(n);
	if (row == NULL)
		return slot_fail(s, "out of memory");
	int len = snprintf(row, n, "%s,%s,%s,%s\n", s->imei, k->uuid, k->attest_token, when);
	int rc = append_row(path, row, (size_t)len, why, sizeof why);
	free(row);
	if (rc != 0)
		return slot_fail(s, "cannot write the attestation row: %s", why);
	return SLOT_OUT_OK;
}

static enum slot_outcome write_onboarding(struct slot *s)
{
	struct slot_keygen *k = s->keygen;
	const struct station_config *cfg = s->r->cfg;
	if (k->first_pem == NULL)
		return SLOT_OUT_OK;
	const char *tmpl = cfg->onboard_device_id ? cfg->onboard_device_id : STATION_ONBOARD_ID;
	char id[128], path[4096], why[300];
	struct template_vars vars = {
		.imei = s->imei, .device_id = s->info.device_id, .slot = s->cfg->number};
	if (template_expand(tmpl, &vars, id, sizeof id) != TEMPLATE_OK)
		return slot_fail(s, "[station] onboard_device_id is too long with IMEI %s",
				 s->imei);
	/* utils' csv.writer, QUOTE_MINIMAL: the PEM has line ends, so quoted;
	 * it holds no '"' (base64 and dashes). */
	size_t n = strlen(id) + strlen(k->first_pem) + 32;
	char *row = malloc(n);
	if (row == NULL)
		return slot_fail(s, "out of memory");
	int len = snprintf(row, n, "%s,,," ONBOARD_FW_TYPES ",\"%s\"\n", id, k->first_pem);
	(void)fits(path, sizeof path, "%s/%s-onboard.csv", cfg->log_dir, cfg->name);
	int rc = append_row(path, row, (size_t)len, why, sizeof why);
	free(row);
	if (rc != 0)
		return slot_fail(s, "cannot write the onboarding row: %s", why);
	return SLOT_OUT_OK;
}

enum slot_outcome keygen_check(struct slot *s)
{
	struct slot_keygen *k = s->keygen;
	if (k == NULL)
		return SLOT_OUT_OK;
	const struct table *t = slot_sent_table(s);
	for (size_t i = 0; i < table_count(t) && i < s->result.count; i++) {
		const struct table_entry *e = table_entry_at(t, i);
		const struct result_entry *re = &s->result.entries[i];
		if (e->type != NRFCRED_TYPE_KEYGEN)
			continue;
		if (!k->issued[i])
			return slot_fail(s,
					 "entry %zu (sec_tag %" PRIu32
					 ", keygen): written without a "
					 "certificate from this station",
					 i, e->sec_tag);
		if (!(re->flags & NRFCRED_RESULT_E_HASH_VALID))
			continue; /* listed without a digest: result_check applied the policy */
		if (memcmp(re->sha256, k->cert_sha[i], SHA256_LEN) != 0) {
			char got[SHA256_HEX_LEN], want[SHA256_HEX_LEN];
			sha256_hex(re->sha256, got);
			sha256_hex(k->cert_sha[i], want);
			return slot_fail(s,
					 "entry %zu (sec_tag %" PRIu32
					 ", keygen): the modem's client "
					 "certificate %.16s... is not the one issued, %.16s...",
					 i, e->sec_tag, got, want);
		}
	}
	enum slot_outcome out = check_attestation(s);
	if (out == SLOT_OUT_OK)
		out = write_onboarding(s);
	return out;
}

void keygen_fill_fingerprints(struct slot *s)
{
	struct slot_keygen *k = s->keygen;
	struct board_table *bt = s->board;
	if (k == NULL || bt == NULL)
		return;
	for (size_t i = 0; i < bt->fingerprint_count && i < s->result.count; i++) {
		const struct table_entry *e = table_entry_at(bt->table, i);
		if (e->type != NRFCRED_TYPE_KEYGEN || !k->issued[i] || bt->fingerprints[i] != NULL ||
		    !(s->result.entries[i].flags & NRFCRED_RESULT_E_HASH_VALID))
			continue;
		/* keygen_check matched the modem's digest with this one. */
		bt->fingerprints[i] = malloc(SHA256_HEX_LEN);
		if (bt->fingerprints[i] != NULL)
			sha256_hex(k->cert_sha[i], bt->fingerprints[i]);
	}
}
