/* A board's own credential table (board_table.h). */
#include "station/board_table.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/platform_util.h>

#include "cred/cred.h"
#include "cred/secure_mem.h"
#include "cred/template.h"
#include "db/db_pool.h"
#include "image/digest.h"
#include "provision/manifest.h"
#include "provision/table.h"
#include "station/fingerprint.h"
#include "station/job.h"

/* Longest expanded value or path (a PEM certificate value is longer than
 * this, but a template of one is a path, not the PEM). */
#define EXPANDED_MAX 4096u

/* n random bytes as lowercase hex into a new secure_mem string. A DRBG of
 * its own per board: workers of different slots share no state, and each
 * is seeded from the OS (mbedtls_entropy_func: getrandom / /dev/urandom). */
static char *random_psk_hex(size_t n, unsigned slot, char *err, size_t errlen)
{
	mbedtls_entropy_context entropy;
	mbedtls_ctr_drbg_context drbg;
	mbedtls_entropy_init(&entropy);
	mbedtls_ctr_drbg_init(&drbg);
	char pers[32];
	snprintf(pers, sizeof pers, "nrfcred psk slot %u", slot);
	uint8_t *bytes = secure_mem_alloc(n);
	char *hex = secure_mem_alloc(2 * n + 1);
	int rc = bytes && hex ? mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &entropy,
						      (const unsigned char *)pers, strlen(pers))
			      : -1;
	if (rc == 0)
		rc = mbedtls_ctr_drbg_random(&drbg, bytes, n);
	if (rc == 0) {
		static const char digits[] = "0123456789abcdef";
		for (size_t i = 0; i < n; i++) {
			hex[2 * i] = digits[bytes[i] >> 4];
			hex[2 * i + 1] = digits[bytes[i] & 15];
		}
		hex[2 * n] = '\0';
	}
	mbedtls_ctr_drbg_free(&drbg);
	mbedtls_entropy_free(&entropy);
	secure_mem_free(bytes);
	if (rc != 0) {
		secure_mem_free(hex);
		snprintf(err, errlen, "cannot draw a random PSK (mbedTLS CTR-DRBG: -0x%04x)",
			 (unsigned)-rc);
		return NULL;
	}
	return hex;
}

static char *resolve(const char *dir, const char *path)
{
	char *out = NULL;
	if (path[0] == '/')
		return strdup(path);
	if (asprintf(&out, "%s/%s", dir, path) < 0)
		return NULL;
	return out;
}

/* The item of the board's bundle a pool spec names; NULL with err set when
 * the bundle has none (an import of other sec_tags or types). */
static const struct db_pool_item *pool_item(const struct station_job *job,
					    const struct station_cred_spec *sp,
					    const struct db_pool_claim *claim, char *err,
					    size_t errlen)
{
	if (claim == NULL) {
		snprintf(err, errlen, "%s: no bundle of credential pool %s was claimed", sp->origin,
			 job->pool);
		return NULL;
	}
	for (size_t i = 0; i < claim->count; i++)
		if (claim->items[i].sec_tag == sp->sec_tag && claim->items[i].type == sp->type)
			return &claim->items[i];
	snprintf(err, errlen,
		 "%s: credential pool %s bundle %s has no sec_tag %u %s; import bundles that "
		 "have it",
		 sp->name, claim->pool, claim->bundle, (unsigned)sp->sec_tag,
		 table_type_name(sp->type));
	return NULL;
}

/* The spec's credential for this board into set. */
static int add_spec(const struct station_job *job, const struct station_cred_spec *sp,
		    const struct template_vars *vars, const struct db_pool_claim *claim,
		    struct cred_set *set, struct board_table *bt, char *err, size_t errlen)
{
	struct cred_add_opts ao = {.origin = sp->origin};
	struct cred_diag diag = {0};
	enum cred_err ce;
	if (sp->from_pool) {
		const struct db_pool_item *it = pool_item(job, sp, claim, err, errlen);
		if (it == NULL)
			return -1;
		/* As the modem gets it (the import stored cred's content). */
		ce = cred_set_add_raw(set, sp->sec_tag, (enum nrfcred_cred_type)sp->type,
				      it->content, it->len, &ao, &diag);
	} else if (sp->fixed != SIZE_MAX) {
		const struct table_entry *e = table_entry_at(job->table, sp->fixed);
		ce = cred_set_add_raw(set, sp->sec_tag, (enum nrfcred_cred_type)sp->type, e->data,
				      e->len, &ao, &diag);
	} else if (sp->random_len > 0) {
		char *hex = random_psk_hex(sp->random_len, vars->slot, err, errlen);
		if (hex == NULL)
			return -1;
		struct board_secret *bs = &bt->secrets[bt->secret_count++];
		bs->sec_tag = sp->sec_tag;
		bs->hex = hex;
		bs->len = 2u * sp->random_len;
		ce = cred_set_add_value(set, sp->sec_tag, (enum nrfcred_cred_type)sp->type, hex,
					&ao, &diag);
	} else {
		char *text = secure_mem_alloc(EXPANDED_MAX);
		if (text == NULL) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		template_err te = template_expand(sp->text, vars, text, EXPANDED_MAX);
		if (te != TEMPLATE_OK) {
			snprintf(err, errlen, "%s: %s: %s", sp->origin,
				 sp->is_file ? "file" : "value", template_strerror(te));
			secure_mem_free(text);
			return -1;
		}
		if (sp->is_file) {
			char *path = resolve(job->base_dir, text);
			/* The board's file is what the operator must find: cred's
			 * message names it, or it goes in front. */
			ao.origin = sp->name;
			ce = path ? cred_set_add_file(set, sp->sec_tag,
						      (enum nrfcred_cred_type)sp->type, path, &ao,
						      &diag)
				  : CRED_ERR_NOMEM;
			if (ce != CRED_OK && path && !strstr(diag.detail, path)) {
				char d[sizeof diag.detail];
				memcpy(d, diag.detail, sizeof d);
				snprintf(diag.detail, sizeof diag.detail, "%.120s: %.120s", path,
					 d);
			}
			free(path);
		} else {
			ce = cred_set_add_value(set, sp->sec_tag, (enum nrfcred_cred_type)sp->type,
						text, &ao, &diag);
		}
		secure_mem_free(text);
	}
	if (ce != CRED_OK) {
		/* cred's detail names the origin (and the file) given above. */
		snprintf(err, errlen, "%s", diag.detail[0] ? diag.detail : cred_strerror(ce));
		return -1;
	}
	return 0;
}

/* A keygen spec's entry: the key usage, then the subject with this
 * board's ${IMEI}, ${DEVICEID} and ${SLOT} (provision.h KEYGEN entries). */
static int add_keygen(const struct station_cred_spec *sp, const struct template_vars *vars,
		      struct board_table *bt, char *err, size_t errlen)
{
	char data[NRFCRED_KEYGEN_USAGE_LEN + NRFCRED_KEYGEN_SUBJECT_MAX + 1];
	memcpy(data, sp->key_usage, NRFCRED_KEYGEN_USAGE_LEN);
	template_err te = template_expand(sp->text, vars, data + NRFCRED_KEYGEN_USAGE_LEN,
					  sizeof data - NRFCRED_KEYGEN_USAGE_LEN);
	if (te != TEMPLATE_OK) {
		snprintf(err, errlen, "%s subject: %s (longest: %u characters)", sp->origin,
			 template_strerror(te), NRFCRED_KEYGEN_SUBJECT_MAX);
		return -1;
	}
	struct provision_diag pd = {{0}};
	size_t len = NRFCRED_KEYGEN_USAGE_LEN + strlen(data + NRFCRED_KEYGEN_USAGE_LEN);
	table_err tae =
		table_add(bt->table, sp->sec_tag, NRFCRED_TYPE_KEYGEN, 0, data, len, false, &pd);
	if (tae != TABLE_OK) {
		snprintf(err, errlen, "%s: %s (%s)", sp->origin, table_strerror(tae), pd.text);
		return -1;
	}
	return 0;
}

static int fingerprints(const struct station_job *job, struct board_table *bt)
{
	size_t n = table_count(bt->table);
	bt->fingerprints = calloc(n ? n : 1, sizeof *bt->fingerprints);
	if (bt->fingerprints == NULL)
		return -1;
	bt->fingerprint_count = n;
	for (size_t i = 0; i < n; i++) {
		const struct table_entry *e = table_entry_at(bt->table, i);
		/* A keygen entry's certificate does not exist yet: its cell is
		 * the one issued, once CHECK matched it (keygen_fill_fingerprints). */
		if (e->type == NRFCRED_TYPE_KEYGEN)
			continue;
		if (table_type_is_secret(e->type) && job->fingerprint_key == NULL)
			continue; /* the row's verified / unverified word */
		bt->fingerprints[i] = malloc(FINGERPRINT_HMAC_TEXT_LEN);
		if (bt->fingerprints[i] == NULL)
			return -1;
		if (table_type_is_secret(e->type)) {
			fingerprint_hmac_text(job->fingerprint_key, job->fingerprint_key_len,
					      e->data, e->len, bt->fingerprints[i]);
			continue;
		}
		uint8_t digest[SHA256_LEN];
		sha256(e->data, e->len, digest);
		sha256_hex(digest, bt->fingerprints[i]);
	}
	return 0;
}

static int encode(const struct station_job *job, struct board_table *bt, char *err, size_t errlen)
{
	size_t need = table_encoded_size(bt->table);
	uint32_t room = manifest_session_table_max(&job->manifest);
	if (need > room) {
		snprintf(err, errlen,
			 "this board's credential table is %zu bytes, the provisioner's mailbox "
			 "takes %u; write fewer or shorter credentials per run",
			 need, (unsigned)room);
		return -1;
	}
	bt->request = secure_mem_alloc(need);
	if (bt->request == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	bt->request_len = need;
	struct provision_diag pd = {{0}};
	size_t len = 0;
	if (table_encode(bt->table, bt->request, need, &len, &pd) != TABLE_OK) {
		snprintf(err, errlen, "encoding this board's credential table: %s", pd.text);
		return -1;
	}
	bt->request_len = len;
	return 0;
}

int board_table_build(const struct station_job *job, const struct board_ids *ids,
		      const struct db_pool_claim *claim, struct board_table **out, char *err,
		      size_t errlen)
{
	*out = NULL;
	struct board_table *bt = calloc(1, sizeof *bt);
	struct cred_set_config cc = {.content_max = 0, .now = time(NULL)};
	struct cred_set *set = cred_set_create(&cc);
	if (bt == NULL || set == NULL ||
	    (bt->secrets = calloc(job->spec_count ? job->spec_count : 1, sizeof *bt->secrets)) ==
		    NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	struct template_vars vars = {
		.imei = ids->imei, .device_id = ids->device_id, .slot = ids->slot};
	for (size_t i = 0; i < job->spec_count; i++)
		if (job->specs[i].type != NRFCRED_TYPE_KEYGEN &&
		    add_spec(job, &job->specs[i], &vars, claim, set, bt, err, errlen) != 0)
			goto fail;
	struct cred_diag diag = {0};
	enum cred_err ce = cred_set_validate(set, &diag);
	if (ce != CRED_OK) {
		snprintf(err, errlen, "%s", diag.detail[0] ? diag.detail : cred_strerror(ce));
		goto fail;
	}
	bt->table = table_create(table_flags(job->table)); /* the attestation flag */
	if (bt->table == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	for (size_t i = 0; i < cred_set_count(set); i++) {
		const struct cred_entry *e = cred_set_entry(set, i);
		struct provision_diag pd = {{0}};
		table_err te =
			table_add(bt->table, e->sec_tag, (uint8_t)e->type,
				  NRFCRED_ENTRY_F_DELETE_FIRST, e->content, e->len, false, &pd);
		if (te != TABLE_OK) {
			snprintf(err, errlen, "credential %s: %s (%s)", e->origin,
				 table_strerror(te), pd.text);
			goto fail;
		}
	}
	/* The specs keep keygen last (job.c), so the table is in spec order. */
	for (size_t i = 0; i < job->spec_count; i++)
		if (job->specs[i].type == NRFCRED_TYPE_KEYGEN &&
		    add_keygen(&job->specs[i], &vars, bt, err, errlen) != 0)
			goto fail;
	if (fingerprints(job, bt) != 0) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if (encode(job, bt, err, errlen) != 0)
		goto fail;
	cred_set_destroy(set);
	*out = bt;
	return 0;
fail:
	cred_set_destroy(set);
	board_table_destroy(bt);
	return -1;
}

void board_table_destroy(struct board_table *bt)
{
	if (bt == NULL)
		return;
	table_destroy(bt->table);
	secure_mem_free(bt->request);
	for (size_t i = 0; i < bt->fingerprint_count; i++)
		free(bt->fingerprints[i]);
	free(bt->fingerprints);
	for (size_t i = 0; i < bt->secret_count; i++)
		secure_mem_free(bt->secrets[i].hex);
	free(bt->secrets);
	free(bt);
}
