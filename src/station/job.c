#include "station/job.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cred/ca.h"
#include "cred/cred.h"
#include "cred/secure_mem.h"
#include "image/digest.h"
#include "image/ihex.h"
#include "image/image.h"
#include "provision/patch.h"
#include "provision/result.h"
#include "provision/table.h"
#include "station/config.h"
#include "station/fingerprint.h"

static int read_hex(const char *path, const char *what, struct image **out, char *err,
		    size_t errlen)
{
	struct ihex_diag diag = {0};
	ihex_err e = ihex_read_file(path, out, NULL, &diag);
	if (e != IHEX_OK) {
		if (diag.line)
			snprintf(err, errlen, "%s: %s:%u: %s (%s)", what, path, diag.line,
				 ihex_strerror(e), diag.detail);
		else
			snprintf(err, errlen, "%s: %s: %s%s%s", what, path, ihex_strerror(e),
				 diag.detail[0] ? ": " : "", diag.detail);
		return -1;
	}
	return 0;
}

/* "sec_tag/type" of each entry, ';'-separated in table order, and the
 * public entries' SHA-256 (a secret's fingerprint stays NULL: see
 * station_job_cred_cell). */
static int describe_table(struct station_job *job)
{
	size_t n = table_count(job->table);
	job->sec_tags = calloc(1, n * 16 + 1);
	job->cred_fingerprints = calloc(n ? n : 1, sizeof *job->cred_fingerprints);
	if (job->sec_tags == NULL || job->cred_fingerprints == NULL)
		return -1;
	job->fingerprint_count = n;
	size_t a = 0;
	for (size_t i = 0; i < n; i++) {
		const struct table_entry *e = table_entry_at(job->table, i);
		a += (size_t)snprintf(job->sec_tags + a, n * 16 + 1 - a, "%s%u/%u", i ? ";" : "",
				      (unsigned)e->sec_tag, (unsigned)e->type);
		/* A keygen entry's certificate is per board: its cell is the
		 * modem's digest of it (station_job_cred_cell). */
		if (table_type_is_secret(e->type) || e->type == NRFCRED_TYPE_KEYGEN)
			continue;
		uint8_t digest[SHA256_LEN];
		job->cred_fingerprints[i] = malloc(SHA256_HEX_LEN);
		if (job->cred_fingerprints[i] == NULL)
			return -1;
		sha256(e->data, e->len, digest);
		sha256_hex(digest, job->cred_fingerprints[i]);
	}
	return 0;
}

int station_job_use_fingerprint_key(struct station_job *job, const uint8_t *key, size_t keylen)
{
	for (size_t i = 0; i < job->fingerprint_count; i++) {
		const struct table_entry *e = table_entry_at(job->table, i);
		if (!table_type_is_secret(e->type))
			continue;
		free(job->cred_fingerprints[i]);
		job->cred_fingerprints[i] = malloc(FINGERPRINT_HMAC_TEXT_LEN);
		if (job->cred_fingerprints[i] == NULL)
			return -1;
		fingerprint_hmac_text(key, keylen, e->data, e->len, job->cred_fingerprints[i]);
	}
	return 0;
}

char *station_job_cred_cell(const struct station_job *job, bool passed, const struct result *res)
{
	size_t n = job->fingerprint_count;
	size_t cap = n * FINGERPRINT_HMAC_TEXT_LEN + 1, len = 0;
	char *cell = malloc(cap);
	if (cell == NULL)
		return NULL;
	cell[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		const char *text = job->cred_fingerprints[i];
		/* A pass means CHECK matched every digest the modem reported;
		 * an entry it listed without one (verify_digest = when_available)
		 * stays unverified. */
		bool verified = passed && res != NULL && i < res->count &&
				(res->entries[i].flags & NRFCRED_RESULT_E_HASH_VALID);
		char cert[SHA256_HEX_LEN];
		if (text == NULL && table_entry_at(job->table, i)->type == NRFCRED_TYPE_KEYGEN) {
			/* CHECK compared it with the certificate the station issued. */
			if (verified)
				sha256_hex(res->entries[i].sha256, cert);
			text = verified ? cert : STATION_JOB_UNVERIFIED;
		}
		if (text == NULL)
			text = verified ? STATION_JOB_MODEM_VERIFIED : STATION_JOB_UNVERIFIED;
		len += (size_t)snprintf(cell + len, cap - len, "%s%s", i ? ";" : "", text);
	}
	return cell;
}

int station_job_resolve_delivery(const struct manifest *m, enum station_delivery want,
				 enum station_delivery *out, char *err, size_t errlen)
{
	if (want == STATION_DELIVERY_AUTO)
		want = manifest_has_session(m) ? STATION_DELIVERY_RAM : STATION_DELIVERY_FLASH;
	if (want == STATION_DELIVERY_RAM && !manifest_has_session(m)) {
		snprintf(err, errlen,
			 "the provisioner has no RAM mailbox (manifest version %u); use "
			 "delivery = flash, or a provisioner built with the session protocol",
			 m->version);
		return -1;
	}
	if (want == STATION_DELIVERY_FLASH && !manifest_has_flash_areas(m)) {
		snprintf(err, errlen,
			 "the provisioner has no table area in flash (session only); use "
			 "delivery = ram");
		return -1;
	}
	*out = want;
	return 0;
}

/* RAM delivery: the table, encoded once, is what every slot's TABLE record
 * carries; it must fit the firmware's DOWN area. */
static int encode_request(struct station_job *job, char *err, size_t errlen)
{
	size_t need = table_encoded_size(job->table);
	uint32_t room = manifest_session_table_max(&job->manifest);
	if (need > room) {
		snprintf(err, errlen,
			 "the credential table is %zu bytes, the provisioner's mailbox takes "
			 "%u; write fewer or shorter credentials per run, or use delivery = flash",
			 need, (unsigned)room);
		return -1;
	}
	job->request = secure_mem_alloc(need); /* holds the keys until destroy */
	if (job->request == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	job->request_len = need; /* what destroy wipes, until encode says */
	struct provision_diag pd = {{0}};
	size_t len = 0;
	table_err te = table_encode(job->table, job->request, need, &len, &pd);
	if (te == TABLE_OK)
		job->request_len = len;
	if (te != TABLE_OK) {
		snprintf(err, errlen, "encoding the credential table: %s", pd.text);
		return -1;
	}
	return 0;
}

static int finish(struct station_job *job, const char *app_path, char *err, size_t errlen)
{
	struct provision_diag pd = {{0}};
	manifest_err me = manifest_find(job->image, &job->manifest, &pd);
	if (me != MANIFEST_OK) {
		snprintf(err, errlen, "provisioner: no usable manifest: %s (%s)",
			 manifest_strerror(me), pd.text);
		return -1;
	}
	if (job->delivery == STATION_DELIVERY_RAM && encode_request(job, err, errlen) != 0)
		return -1;
	if (app_path != NULL) {
		if (read_hex(app_path, "app", &job->app, err, errlen) != 0)
			return -1;
		uint8_t d[SHA256_LEN];
		image_sha256(job->app, d);
		sha256_hex(d, job->app_sha256);
	}
	if (describe_table(job) != 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

int station_job_create(const char *provisioner_path, const struct cred_set *creds, bool imei_only,
		       const char *app_path, uint32_t timeout_ms, enum station_delivery delivery,
		       struct station_job **out, char *err, size_t errlen)
{
	*out = NULL;
	struct station_job *job = calloc(1, sizeof *job);
	if (job == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	job->timeout_ms = timeout_ms;
	if (read_hex(provisioner_path, "provisioner", &job->image, err, errlen) != 0)
		goto fail;
	uint8_t d[SHA256_LEN];
	image_sha256(job->image, d);
	sha256_hex(d, job->provisioner_sha256);

	struct provision_diag pd = {{0}};
	manifest_err me = manifest_find(job->image, &job->manifest, &pd);
	if (me != MANIFEST_OK) {
		snprintf(err, errlen, "provisioner: %s: no usable manifest: %s (%s)",
			 provisioner_path, manifest_strerror(me), pd.text);
		goto fail;
	}
	char why[400];
	if (station_job_resolve_delivery(&job->manifest, delivery, &job->delivery, why,
					 sizeof why) != 0) {
		snprintf(err, errlen, "provisioner: %s: %s", provisioner_path, why);
		goto fail;
	}
	size_t count = creds ? cred_set_count(creds) : 0;
	if (count == 0 && !imei_only) {
		snprintf(err, errlen,
			 "no credential given; valid: at least one credential, or an "
			 "IMEI-only run");
		goto fail;
	}
	job->table = table_create(imei_only ? NRFCRED_TABLE_F_IMEI_ONLY : 0);
	if (job->table == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	for (size_t i = 0; !imei_only && i < count; i++) {
		const struct cred_entry *e = cred_set_entry(creds, i);
		table_err te =
			table_add(job->table, e->sec_tag, (uint8_t)e->type,
				  NRFCRED_ENTRY_F_DELETE_FIRST, e->content, e->len, false, &pd);
		if (te != TABLE_OK) {
			snprintf(err, errlen, "credential %s: %s (%s)", e->origin,
				 table_strerror(te), pd.text);
			goto fail;
		}
	}
	patch_err pe = job->delivery == STATION_DELIVERY_FLASH
			       ? patch_apply(job->image, &job->manifest, job->table, &pd)
			       : PATCH_OK;
	if (pe != PATCH_OK) {
		snprintf(err, errlen, "provisioner: %s: cannot add the table: %s (%s)",
			 provisioner_path, patch_strerror(pe), pd.text);
		goto fail;
	}
	if (finish(job, app_path, err, errlen) != 0)
		goto fail;
	*out = job;
	return 0;
fail:
	station_job_destroy(job);
	return -1;
}

int station_job_wrap(struct image *image, struct table *table, const char *app_path,
		     uint32_t timeout_ms, enum station_delivery delivery, struct station_job **out,
		     char *err, size_t errlen)
{
	*out = NULL;
	struct station_job *job = calloc(1, sizeof *job);
	if (job == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	job->image = image;
	job->table = table;
	job->borrowed = true;
	job->timeout_ms = timeout_ms;
	job->delivery = delivery;
	uint8_t d[SHA256_LEN];
	image_sha256(image, d);
	sha256_hex(d, job->provisioner_sha256);
	if (finish(job, app_path, err, errlen) != 0) {
		station_job_destroy(job);
		return -1;
	}
	*out = job;
	return 0;
}

int station_job_load_credentials(const struct station_config *cfg, struct cred_set **out, char *err,
				 size_t errlen)
{
	*out = NULL;
	struct cred_set_config cc = {.content_max = 0, .now = time(NULL)};
	struct cred_set *set = cred_set_create(&cc);
	if (set == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < cfg->credential_count; i++) {
		const struct station_credential_config *c = &cfg->credentials[i];
		if (c->type == NRFCRED_TYPE_KEYGEN)
			continue; /* no content here: station_job_add_keygen */
		char origin[STATION_NAME_MAX + 300];
		snprintf(origin, sizeof origin, "%s:%u [credential %s]", cfg->path, c->line,
			 c->name);
		struct cred_add_opts opts = {.origin = origin};
		struct cred_diag diag = {0};
		enum cred_err e;
		if (c->file)
			e = cred_set_add_file(set, c->sec_tag, (enum nrfcred_cred_type)c->type,
					      c->file, &opts, &diag);
		else
			e = cred_set_add_value(set, c->sec_tag, (enum nrfcred_cred_type)c->type,
					       c->value, &opts, &diag);
		if (e != CRED_OK) {
			/* cred's detail already names the origin given above. */
			if (diag.detail[0] && strstr(diag.detail, origin))
				snprintf(err, errlen, "%s", diag.detail);
			else
				snprintf(err, errlen, "%s: %s", origin,
					 diag.detail[0] ? diag.detail : cred_strerror(e));
			cred_set_destroy(set);
			return -1;
		}
	}
	*out = set;
	return 0;
}

void station_job_destroy(struct station_job *job)
{
	if (job == NULL)
		return;
	if (!job->borrowed) {
		/* The patched image holds the table, which may hold a key: wipe
		 * the table area before the memory goes back to the allocator. */
		if (job->image && job->manifest.table_max)
			image_fill(job->image, job->manifest.table_addr, job->manifest.table_max,
				   0xFF);
		image_destroy(job->image);
		table_destroy(job->table);
	}
	secure_mem_free(job->request);
	ca_destroy(job->ca);
	image_destroy(job->app);
	free(job->sec_tags);
	for (size_t i = 0; i < job->fingerprint_count; i++)
		free(job->cred_fingerprints[i]);
	free(job->cred_fingerprints);
	free(job);
}

int station_job_add_keygen(struct station_job *job, const struct station_config *cfg,
			   const char *passphrase, char *err, size_t errlen)
{
	bool keygen = false;
	for (size_t i = 0; i < cfg->credential_count; i++)
		keygen |= cfg->credentials[i].type == NRFCRED_TYPE_KEYGEN;
	if (!keygen && cfg->attestation == STATION_ATTEST_NO)
		return 0;
	if (job->delivery != STATION_DELIVERY_RAM || job->borrowed) {
		snprintf(err, errlen,
			 "%s needs delivery = ram (the firmware sends the %s up in the RAM "
			 "session); the provisioner or [station] delivery gives flash",
			 keygen ? "type = keygen" : "attestation", keygen ? "CSR" : "token");
		return -1;
	}
	if (keygen) {
		char why[600];
		ca_err ce = ca_load(cfg->ca.cert, cfg->ca.key, passphrase, cfg->ca.days, &job->ca,
				    why, sizeof why);
		if (ce != CA_OK) {
			snprintf(err, errlen, "[ca] (line %u): %s", cfg->ca.line, why);
			return -1;
		}
	}
	/* An IMEI-only table becomes a real one once it has keygen entries. */
	uint32_t flags = table_flags(job->table);
	if (keygen)
		flags &= ~NRFCRED_TABLE_F_IMEI_ONLY;
	if (cfg->attestation != STATION_ATTEST_NO)
		flags |= NRFCRED_TABLE_F_ATTEST;
	table_set_flags(job->table, flags);
	struct provision_diag pd = {{0}};
	for (size_t i = 0; i < cfg->credential_count; i++) {
		const struct station_credential_config *c = &cfg->credentials[i];
		if (c->type != NRFCRED_TYPE_KEYGEN)
			continue;
		const char *usage = c->key_usage[0] ? c->key_usage : STATION_KEYGEN_USAGE;
		const char *subject = c->subject ? c->subject : STATION_KEYGEN_SUBJECT;
		char data[NRFCRED_KEYGEN_USAGE_LEN + NRFCRED_KEYGEN_SUBJECT_MAX + 1];
		int n = snprintf(data, sizeof data, "%s%s", usage, subject);
		table_err te = n < 0 || (size_t)n >= sizeof data
				       ? TABLE_ERR_CONTENT
				       : table_add(job->table, c->sec_tag, NRFCRED_TYPE_KEYGEN, 0,
						   data, (size_t)n, false, &pd);
		if (te != TABLE_OK) {
			snprintf(err, errlen, "%s:%u [credential %s]: %s (%s)", cfg->path, c->line,
				 c->name, table_strerror(te), pd.text);
			return -1;
		}
	}
	/* The request and the CSV's descriptions follow the new table. */
	secure_mem_free(job->request);
	job->request = NULL;
	job->request_len = 0;
	free(job->sec_tags);
	job->sec_tags = NULL;
	for (size_t i = 0; i < job->fingerprint_count; i++)
		free(job->cred_fingerprints[i]);
	free(job->cred_fingerprints);
	job->cred_fingerprints = NULL;
	job->fingerprint_count = 0;
	if (encode_request(job, err, errlen) != 0)
		return -1;
	if (describe_table(job) != 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}
