#include "station/job.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cred/ca.h"
#include "cred/cred.h"
#include "cred/secure_mem.h"
#include "cred/template.h"
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

/* Room for n entries: the "sec_tag/type;..." list and a fingerprint each
 * (all NULL until set). */
static int describe_alloc(struct station_job *job, size_t n)
{
	job->sec_tags = calloc(1, n * 16 + 1);
	job->cred_fingerprints = calloc(n ? n : 1, sizeof *job->cred_fingerprints);
	if (job->sec_tags == NULL || job->cred_fingerprints == NULL)
		return -1;
	job->fingerprint_count = n;
	return 0;
}

/* A per-board job: "sec_tag/type" of each spec; no fingerprint (a board that
 * fails before its table is built: every entry unverified). */
static int describe_specs(struct station_job *job)
{
	size_t n = job->spec_count;
	if (describe_alloc(job, n) != 0)
		return -1;
	size_t a = 0;
	for (size_t i = 0; i < n; i++)
		a += (size_t)snprintf(job->sec_tags + a, n * 16 + 1 - a, "%s%u/%u", i ? ";" : "",
				      (unsigned)job->specs[i].sec_tag, (unsigned)job->specs[i].type);
	return 0;
}

/* "sec_tag/type" of each entry, ';'-separated in table order, and the
 * public entries' SHA-256 (a secret's fingerprint stays NULL: see
 * station_job_cred_cell). */
static int describe_table(struct station_job *job)
{
	if (job->per_board)
		return describe_specs(job);
	size_t n = table_count(job->table);
	if (describe_alloc(job, n) != 0)
		return -1;
	size_t a = 0;
	for (size_t i = 0; i < n; i++) {
		const struct table_entry *e = table_entry_at(job->table, i);
		a += (size_t)snprintf(job->sec_tags + a, n * 16 + 1 - a, "%s%u/%u", i ? ";" : "",
				      (unsigned)e->sec_tag, (unsigned)e->type);
		if (table_type_is_secret(e->type))
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
	if (job->per_board) {
		secure_mem_free(job->fingerprint_key);
		job->fingerprint_key = secure_mem_dup(key, keylen);
		job->fingerprint_key_len = keylen;
		return job->fingerprint_key == NULL && keylen ? -1 : 0;
	}
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

char *station_cred_cell(char *const *fingerprints, size_t n, bool passed, const struct result *res)
{
	size_t cap = n * FINGERPRINT_HMAC_TEXT_LEN + 1, len = 0;
	char *cell = malloc(cap);
	if (cell == NULL)
		return NULL;
	cell[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		const char *text = fingerprints[i];
		/* A pass means CHECK matched every digest the modem reported;
		 * an entry it listed without one (verify_digest = when_available)
		 * stays unverified. */
		bool verified = passed && res != NULL && i < res->count &&
				(res->entries[i].flags & NRFCRED_RESULT_E_HASH_VALID);
		if (text == NULL)
			text = verified ? STATION_JOB_MODEM_VERIFIED : STATION_JOB_UNVERIFIED;
		len += (size_t)snprintf(cell + len, cap - len, "%s%s", i ? ";" : "", text);
	}
	return cell;
}

char *station_job_cred_cell(const struct station_job *job, bool passed, const struct result *res)
{
	return station_cred_cell(job->cred_fingerprints, job->fingerprint_count, passed, res);
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
	if (job->delivery == STATION_DELIVERY_RAM && !job->per_board &&
	    encode_request(job, err, errlen) != 0)
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

static int specs_from(struct station_job *job, const struct station_config *cfg,
		      const struct cred_set *creds, char *err, size_t errlen);

static int create(const char *provisioner_path, const struct cred_set *creds, bool imei_only,
		  const char *app_path, uint32_t timeout_ms, enum station_delivery delivery,
		  const struct station_config *per_device, struct station_job **out, char *err,
		  size_t errlen)
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
	if (per_device != NULL && job->delivery != STATION_DELIVERY_RAM) {
		snprintf(err, errlen,
			 "provisioner: %s: has no RAM session, and per-device credentials "
			 "(${...}, random:N, type = keygen) need it: the flash delivery writes "
			 "the table before the board has said its IMEI; valid: a provisioner "
			 "with the session (firmware/sim, firmware/ncs), or no per-device "
			 "credential",
			 provisioner_path);
		goto fail;
	}
	if (count == 0 && !imei_only && per_device == NULL) {
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
	if (per_device != NULL && specs_from(job, per_device, creds, err, errlen) != 0)
		goto fail;
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

int station_job_create(const char *provisioner_path, const struct cred_set *creds, bool imei_only,
		       const char *app_path, uint32_t timeout_ms, enum station_delivery delivery,
		       struct station_job **out, char *err, size_t errlen)
{
	return create(provisioner_path, creds, imei_only, app_path, timeout_ms, delivery, NULL, out,
		      err, errlen);
}

bool station_config_has_per_device(const struct station_config *cfg)
{
	for (size_t i = 0; i < cfg->credential_count; i++)
		if (station_credential_per_device(&cfg->credentials[i]) ||
		    cfg->credentials[i].type == NRFCRED_TYPE_KEYGEN)
			return true;
	return false;
}

static void origin_of(const struct station_config *cfg, const struct station_credential_config *c,
		      char *out, size_t outlen)
{
	/* Line 0: a command-line flag (nrfcred provision), named as it is. */
	if (c->line == 0)
		snprintf(out, outlen, "%s", c->name);
	else
		snprintf(out, outlen, "%s:%u [credential %s]", cfg->path, c->line, c->name);
}

/* A templated value that no board could make valid (a PSK identity too
 * long once ${IMEI} is in, a PSK template that is not hex) is refused now,
 * not on every board: it is tried with an IMEI of 15 digits, a DEVICEID of
 * 16 and a slot of 2 (the longest each can be). */
static int check_value_template(const struct station_cred_spec *sp, char *err, size_t errlen)
{
	struct template_vars sample = {.imei = "000000000000000", .device_id = 0, .slot = 64};
	char *text = secure_mem_alloc(4096);
	struct cred_set *set = cred_set_create(NULL);
	int rc = -1;
	if (text == NULL || set == NULL) {
		snprintf(err, errlen, "out of memory");
	} else if (template_expand(sp->text, &sample, text, 4096) != TEMPLATE_OK) {
		snprintf(err, errlen, "%s value: too long once the templates are filled in",
			 sp->origin);
	} else {
		char origin[sizeof sp->origin + 64];
		snprintf(origin, sizeof origin, "%s (with a 15-digit IMEI filled in)", sp->origin);
		struct cred_add_opts ao = {.origin = origin};
		struct cred_diag diag = {0};
		enum cred_err ce = cred_set_add_value(set, sp->sec_tag,
						      (enum nrfcred_cred_type)sp->type, text, &ao,
						      &diag);
		if (ce == CRED_OK)
			rc = 0;
		else
			snprintf(err, errlen, "%s", diag.detail[0] ? diag.detail : cred_strerror(ce));
	}
	cred_set_destroy(set);
	secure_mem_free(text);
	return rc;
}

/* The type = keygen credentials, in station file order after all the
 * others: a board's table carries its KEYGEN entries last (where the job
 * table of part B had them), and sec_tags lists the specs in that order.
 * The subject is a template like a value's; one that no board can fit is
 * refused now, not on every board. */
static int keygen_specs_from(struct station_job *job, const struct station_config *cfg, char *err,
			     size_t errlen)
{
	struct template_vars sample = {.imei = "000000000000000", .device_id = UINT64_MAX, .slot = 64};
	for (size_t i = 0; i < cfg->credential_count; i++) {
		const struct station_credential_config *c = &cfg->credentials[i];
		if (c->type != NRFCRED_TYPE_KEYGEN)
			continue;
		struct station_cred_spec *sp = &job->specs[job->spec_count++];
		sp->sec_tag = c->sec_tag;
		sp->type = NRFCRED_TYPE_KEYGEN;
		sp->fixed = SIZE_MAX;
		origin_of(cfg, c, sp->origin, sizeof sp->origin);
		snprintf(sp->name, sizeof sp->name, "[credential %s]", c->name);
		snprintf(sp->key_usage, sizeof sp->key_usage, "%s",
			 c->key_usage[0] ? c->key_usage : STATION_KEYGEN_USAGE);
		sp->text = secure_mem_strdup(c->subject ? c->subject : STATION_KEYGEN_SUBJECT);
		if (sp->text == NULL) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		char subject[NRFCRED_KEYGEN_SUBJECT_MAX + 1];
		if (template_expand(sp->text, &sample, subject, sizeof subject) != TEMPLATE_OK) {
			snprintf(err, errlen,
				 "%s subject: longer than %u characters once the templates are "
				 "filled in (tried with a 15-digit IMEI)",
				 sp->origin, NRFCRED_KEYGEN_SUBJECT_MAX);
			return -1;
		}
		job->keygen = true;
	}
	return 0;
}

/* The station file's credentials in its order: the fixed ones point at
 * their entry of job->table (added from creds in the same order), the
 * others keep their template or length. */
static int specs_from(struct station_job *job, const struct station_config *cfg,
		      const struct cred_set *creds, char *err, size_t errlen)
{
	job->per_board = true;
	job->specs = calloc(cfg->credential_count ? cfg->credential_count : 1, sizeof *job->specs);
	job->base_dir = strdup(cfg->dir ? cfg->dir : ".");
	if (job->specs == NULL || job->base_dir == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	size_t fixed = 0, nfixed = creds ? cred_set_count(creds) : 0;
	for (size_t i = 0; i < cfg->credential_count; i++) {
		const struct station_credential_config *c = &cfg->credentials[i];
		if (c->type == NRFCRED_TYPE_KEYGEN)
			continue; /* after the others: keygen_specs_from */
		struct station_cred_spec *sp = &job->specs[job->spec_count++];
		sp->sec_tag = c->sec_tag;
		sp->type = (uint8_t)c->type;
		sp->fixed = SIZE_MAX;
		origin_of(cfg, c, sp->origin, sizeof sp->origin);
		if (c->line == 0)
			snprintf(sp->name, sizeof sp->name, "%s", c->name);
		else
			snprintf(sp->name, sizeof sp->name, "[credential %s]", c->name);
		if (!station_credential_per_device(c)) {
			if (fixed >= nfixed) {
				snprintf(err, errlen, "%s: not loaded", sp->origin);
				return -1;
			}
			sp->fixed = fixed++;
			continue;
		}
		if (c->pool[0] != '\0') {
			sp->from_pool = true;
			snprintf(job->pool, sizeof job->pool, "%s", c->pool);
			continue;
		}
		sp->random_len = c->random_len;
		if (c->random_len > 0) {
			job->random_psk = true;
			continue;
		}
		sp->is_file = c->file_template != NULL;
		sp->text = sp->is_file ? secure_mem_strdup(c->file_template)
				       : secure_mem_strdup(c->value);
		if (sp->text == NULL) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		if (!sp->is_file && check_value_template(sp, err, errlen) != 0)
			return -1;
	}
	return keygen_specs_from(job, cfg, err, errlen);
}

int station_job_create_per_device(const char *provisioner_path, const struct cred_set *creds,
				  const struct station_config *cfg, struct station_job **out,
				  char *err, size_t errlen)
{
	return create(provisioner_path, creds, false, cfg->app, cfg->timeout_ms, cfg->delivery, cfg,
		      out, err, errlen);
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
		if (station_credential_per_device(c) || c->type == NRFCRED_TYPE_KEYGEN)
			continue; /* each board's own: board_table_build */
		char origin[STATION_NAME_MAX + 300];
		origin_of(cfg, c, origin, sizeof origin);
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
	for (size_t i = 0; i < job->spec_count; i++)
		secure_mem_free(job->specs[i].text);
	free(job->specs);
	free(job->base_dir);
	secure_mem_free(job->fingerprint_key);
	free(job);
}

int station_job_add_keygen(struct station_job *job, const struct station_config *cfg,
			   const char *passphrase, char *err, size_t errlen)
{
	if (!job->keygen && cfg->attestation == STATION_ATTEST_NO)
		return 0;
	if (job->delivery != STATION_DELIVERY_RAM || job->borrowed) {
		snprintf(err, errlen,
			 "%s needs delivery = ram (the firmware sends the %s up in the RAM "
			 "session); the provisioner or [station] delivery gives flash",
			 job->keygen ? "type = keygen" : "attestation",
			 job->keygen ? "CSR" : "token");
		return -1;
	}
	if (job->keygen) {
		char why[600];
		ca_err ce = ca_load(cfg->ca.cert, cfg->ca.key, passphrase, cfg->ca.days, &job->ca,
				    why, sizeof why);
		if (ce != CA_OK) {
			snprintf(err, errlen, "[ca] (line %u): %s", cfg->ca.line, why);
			return -1;
		}
	}
	if (cfg->attestation == STATION_ATTEST_NO)
		return 0;
	/* Each board's table takes the job's flags (board_table_build); a job
	 * with one request for all re-encodes it. */
	table_set_flags(job->table, table_flags(job->table) | NRFCRED_TABLE_F_ATTEST);
	if (job->per_board)
		return 0;
	secure_mem_free(job->request);
	job->request = NULL;
	job->request_len = 0;
	return encode_request(job, err, errlen);
}
