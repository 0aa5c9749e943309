/* The credential set: ordered entries, duplicate detection, replace in
 * place, key/certificate pairing per sec_tag, wiping on free. */
#include "cred/cred_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/sha256.h>

struct cred_item {
	struct cred_entry pub; /* what cred_set_entry hands out */
	struct cred_buf content;
	char *origin;
};

struct cred_set {
	struct cred_set_config config;
	struct cred_item *items;
	size_t count;
	size_t cap;
	struct cred_warnings warnings;
	bool cloud_warned;
};

enum cred_input {
	CRED_INPUT_FILE,
	CRED_INPUT_VALUE,
	CRED_INPUT_RAW,
};

struct cred_set *cred_set_create(const struct cred_set_config *config)
{
	struct cred_set *set = calloc(1, sizeof(*set));
	if (set == NULL)
		return NULL;
	if (config != NULL)
		set->config = *config;
	if (set->config.content_max == 0)
		set->config.content_max = NRFCRED_CONTENT_MAX_DEFAULT;
	return set;
}

static void cred_item_free(struct cred_item *item)
{
	cred_buf_free(&item->content);
	free(item->origin);
	memset(item, 0, sizeof(*item));
}

void cred_set_destroy(struct cred_set *set)
{
	if (set == NULL)
		return;
	for (size_t i = 0; i < set->count; i++)
		cred_item_free(&set->items[i]);
	free(set->items);
	cred_warnings_free(&set->warnings);
	free(set);
}

static struct cred_item *cred_set_lookup(const struct cred_set *set, uint32_t sec_tag,
					 enum nrfcred_cred_type type)
{
	for (size_t i = 0; i < set->count; i++)
		if (set->items[i].pub.sec_tag == sec_tag && set->items[i].pub.type == type)
			return &set->items[i];
	return NULL;
}

/* Client key and client certificate of one sec_tag must be a pair: the modem
 * would accept both and the TLS handshake would fail on the device. */
static enum cred_err cred_set_check_counterpart(const struct cred_set *set, uint32_t sec_tag,
						enum nrfcred_cred_type type,
						const struct cred_buf *content, const char *origin,
						struct cred_diag *diag)
{
	if (type == NRFCRED_TYPE_CLIENT_KEY) {
		const struct cred_item *cert =
			cred_set_lookup(set, sec_tag, NRFCRED_TYPE_CLIENT_CERT);
		if (cert != NULL)
			return cred_key_check_pair(sec_tag, cert->content.data, cert->content.len,
						   cert->origin, content->data, content->len,
						   origin, diag);
	} else if (type == NRFCRED_TYPE_CLIENT_CERT) {
		const struct cred_item *key =
			cred_set_lookup(set, sec_tag, NRFCRED_TYPE_CLIENT_KEY);
		if (key != NULL)
			return cred_key_check_pair(sec_tag, content->data, content->len, origin,
						   key->content.data, key->content.len, key->origin,
						   diag);
	}
	return CRED_OK;
}

static enum cred_err cred_convert(const struct cred_ctx *ctx, const uint8_t *in, size_t len,
				  enum cred_input input, const char *passphrase,
				  struct cred_buf *out)
{
	bool raw = input == CRED_INPUT_RAW;
	switch (ctx->type) {
	case NRFCRED_TYPE_CA_CERT:
	case NRFCRED_TYPE_CLIENT_CERT:
		return cred_cert_load(ctx, in, len, raw, out);
	case NRFCRED_TYPE_CLIENT_KEY:
		return cred_key_load(ctx, in, len, passphrase, raw, out);
	case NRFCRED_TYPE_PSK:
		return cred_psk_load(ctx, in, len, raw, out);
	case NRFCRED_TYPE_PSK_IDENTITY:
		return cred_identity_load(ctx, in, len, out);
	default:
		return cred_fail(ctx->diag, CRED_ERR_TYPE, "credential type %d is not supported",
				 (int)ctx->type);
	}
}

static enum cred_err cred_set_store(struct cred_set *set, struct cred_item *existing,
				    uint32_t sec_tag, enum nrfcred_cred_type type,
				    struct cred_buf *content, const char *origin,
				    struct cred_diag *diag)
{
	char *origin_copy = strdup(origin);
	if (origin_copy == NULL)
		return cred_fail(diag, CRED_ERR_NOMEM, "out of memory");
	struct cred_item *item = existing;
	if (item == NULL) {
		if (set->count == set->cap) {
			size_t cap = set->cap ? set->cap * 2 : 8;
			struct cred_item *items = realloc(set->items, cap * sizeof(*items));
			if (items == NULL) {
				free(origin_copy);
				return cred_fail(diag, CRED_ERR_NOMEM, "out of memory");
			}
			set->items = items;
			set->cap = cap;
		}
		item = &set->items[set->count++];
	} else {
		cred_item_free(item); /* wipes the replaced content */
	}
	item->content = *content;
	content->data = NULL;
	content->len = 0;
	item->origin = origin_copy;
	item->pub.sec_tag = sec_tag;
	item->pub.type = type;
	item->pub.content = item->content.data;
	item->pub.len = item->content.len;
	item->pub.origin = item->origin;
	mbedtls_sha256_ret(item->content.data, item->content.len, item->pub.sha256, 0);
	return CRED_OK;
}

static enum cred_err cred_set_add(struct cred_set *set, uint32_t sec_tag,
				  enum nrfcred_cred_type type, const uint8_t *in, size_t len,
				  enum cred_input input, const char *label, const char *origin,
				  const struct cred_add_opts *opts, struct cred_diag *diag)
{
	struct cred_warnings warnings = {0};
	struct cred_ctx ctx = {
		.sec_tag = sec_tag,
		.type = type,
		.label = label,
		.content_max = set->config.content_max,
		.now = set->config.now,
		.warnings = &warnings,
		.diag = diag,
	};
	if (!cred_type_supported(type))
		return cred_fail(diag, CRED_ERR_TYPE,
				 "%s %s: credential type %d (%s) is not supported; nrfcred writes "
				 "types 0 to 4",
				 cred_type_name(type), label, (int)type,
				 cred_type_short_name(type));
	if (sec_tag > NRFCRED_SEC_TAG_MAX)
		return cred_fail(diag, CRED_ERR_SEC_TAG,
				 "%s %s: sec_tag %u is out of range; the modem takes 0 to %u",
				 cred_type_name(type), label, (unsigned)sec_tag,
				 NRFCRED_SEC_TAG_MAX);
	struct cred_item *existing = cred_set_lookup(set, sec_tag, type);
	bool replace = opts != NULL && opts->replace;
	if (existing != NULL && !replace)
		return cred_fail(diag, CRED_ERR_DUPLICATE,
				 "%s %s: sec_tag %u already has a %s (from %s); give each "
				 "(sec_tag, type) once",
				 cred_type_name(type), label, (unsigned)sec_tag,
				 cred_type_name(type), existing->origin);
	if (existing == NULL && set->count >= NRFCRED_TABLE_MAX_ENTRIES)
		return cred_fail(diag, CRED_ERR_TOO_MANY,
				 "%s %s: the set already holds %u credentials, the most one table "
				 "carries",
				 cred_type_name(type), label, NRFCRED_TABLE_MAX_ENTRIES);
	if (len == 0)
		return cred_fail(diag, CRED_ERR_EMPTY,
				 "%s %s is empty; give the file or value that holds it",
				 cred_type_name(type), label);

	struct cred_buf content = {0};
	enum cred_err err =
		cred_convert(&ctx, in, len, input, opts ? opts->passphrase : NULL, &content);
	if (err == CRED_OK && content.len == 0)
		err = cred_fail(diag, CRED_ERR_EMPTY,
				"%s %s is empty; give the file or value that holds it",
				cred_type_name(type), label);
	if (err == CRED_OK && content.len > set->config.content_max)
		err = cred_fail(diag, CRED_ERR_TOO_LARGE,
				"%s %s is %zu bytes as the modem would store it%s; the maximum is "
				"%zu bytes",
				cred_type_name(type), label, content.len,
				input != CRED_INPUT_RAW && type <= NRFCRED_TYPE_CLIENT_KEY
					? " (PEM text)"
					: "",
				set->config.content_max);
	if (err == CRED_OK)
		/* Last gate on what the modem gets, whatever the converter did. */
		err = cred_text_check_chars(&ctx, content.data, content.len);
	if (err == CRED_OK)
		err = cred_set_check_counterpart(set, sec_tag, type, &content, origin, diag);
	if (err == CRED_OK)
		err = cred_set_store(set, existing, sec_tag, type, &content, origin, diag);
	cred_buf_free(&content);
	if (err != CRED_OK) {
		cred_warnings_free(&warnings);
		return err;
	}
	cred_warnings_move(&set->warnings, &warnings);
	if (sec_tag == CRED_SEC_TAG_NRF_CLOUD && !set->cloud_warned) {
		set->cloud_warned = true;
		cred_warn(&set->warnings,
			  "sec_tag %u is the one nRF Cloud uses: writing it replaces the device's "
			  "nRF Cloud credentials",
			  (unsigned)CRED_SEC_TAG_NRF_CLOUD);
	}
	if (diag != NULL) {
		diag->err = CRED_OK;
		diag->detail[0] = '\0';
	}
	return CRED_OK;
}

enum cred_err cred_set_add_file(struct cred_set *set, uint32_t sec_tag, enum nrfcred_cred_type type,
				const char *path, const struct cred_add_opts *opts,
				struct cred_diag *diag)
{
	if (set == NULL || path == NULL)
		return cred_fail(diag, CRED_ERR_INVALID_ARG, "no credential set or no file path");
	const char *origin = opts != NULL && opts->origin != NULL ? opts->origin : path;
	char label[200];
	if (origin != path)
		snprintf(label, sizeof(label), "%.80s (file '%.100s')", origin, path);
	else
		snprintf(label, sizeof(label), "'%.180s'", path);
	struct cred_ctx ctx = {.sec_tag = sec_tag, .type = type, .label = label, .diag = diag};
	struct cred_buf file;
	enum cred_err err = cred_file_read(&ctx, path, &file);
	if (err != CRED_OK)
		return err;
	err = cred_set_add(set, sec_tag, type, file.data, file.len, CRED_INPUT_FILE, label, origin,
			   opts, diag);
	cred_buf_free(&file);
	return err;
}

enum cred_err cred_set_add_value(struct cred_set *set, uint32_t sec_tag,
				 enum nrfcred_cred_type type, const char *value,
				 const struct cred_add_opts *opts, struct cred_diag *diag)
{
	if (set == NULL || value == NULL)
		return cred_fail(diag, CRED_ERR_INVALID_ARG, "no credential set or no value");
	const char *origin = opts != NULL && opts->origin != NULL ? opts->origin : "value";
	char label[200];
	snprintf(label, sizeof(label), "%.190s", origin);
	return cred_set_add(set, sec_tag, type, (const uint8_t *)value, strlen(value),
			    CRED_INPUT_VALUE, label, origin, opts, diag);
}

enum cred_err cred_set_add_raw(struct cred_set *set, uint32_t sec_tag, enum nrfcred_cred_type type,
			       const uint8_t *content, size_t len, const struct cred_add_opts *opts,
			       struct cred_diag *diag)
{
	if (set == NULL || (content == NULL && len > 0))
		return cred_fail(diag, CRED_ERR_INVALID_ARG, "no credential set or no content");
	const char *origin = opts != NULL && opts->origin != NULL ? opts->origin : "raw content";
	char label[200];
	snprintf(label, sizeof(label), "%.190s", origin);
	return cred_set_add(set, sec_tag, type, content, len, CRED_INPUT_RAW, label, origin, opts,
			    diag);
}

enum cred_err cred_set_validate(const struct cred_set *set, struct cred_diag *diag)
{
	if (set == NULL)
		return cred_fail(diag, CRED_ERR_INVALID_ARG, "no credential set");
	for (size_t i = 0; i < set->count; i++) {
		const struct cred_item *key = &set->items[i];
		if (key->pub.type != NRFCRED_TYPE_CLIENT_KEY)
			continue;
		enum cred_err err =
			cred_set_check_counterpart(set, key->pub.sec_tag, NRFCRED_TYPE_CLIENT_KEY,
						   &key->content, key->origin, diag);
		if (err != CRED_OK)
			return err;
	}
	return CRED_OK;
}

enum cred_err cred_set_from_raw(const struct cred_raw *entries, size_t count,
				const struct cred_set_config *config, struct cred_set **out,
				struct cred_diag *diag)
{
	if (out == NULL || (entries == NULL && count > 0))
		return cred_fail(diag, CRED_ERR_INVALID_ARG, "no entries or no output");
	*out = NULL;
	struct cred_set *set = cred_set_create(config);
	if (set == NULL)
		return cred_fail(diag, CRED_ERR_NOMEM, "out of memory");
	enum cred_err err = CRED_OK;
	for (size_t i = 0; i < count && err == CRED_OK; i++) {
		char origin[40];
		snprintf(origin, sizeof(origin), "table entry %zu", i);
		struct cred_add_opts opts = {.origin = origin};
		err = cred_set_add_raw(set, entries[i].sec_tag, entries[i].type, entries[i].content,
				       entries[i].len, &opts, diag);
	}
	if (err == CRED_OK)
		err = cred_set_validate(set, diag);
	if (err != CRED_OK) {
		cred_set_destroy(set);
		return err;
	}
	*out = set;
	return CRED_OK;
}

size_t cred_set_count(const struct cred_set *set)
{
	return set != NULL ? set->count : 0;
}

const struct cred_entry *cred_set_entry(const struct cred_set *set, size_t index)
{
	if (set == NULL || index >= set->count)
		return NULL;
	return &set->items[index].pub;
}

const struct cred_entry *cred_set_find(const struct cred_set *set, uint32_t sec_tag,
				       enum nrfcred_cred_type type)
{
	if (set == NULL)
		return NULL;
	const struct cred_item *item = cred_set_lookup(set, sec_tag, type);
	return item != NULL ? &item->pub : NULL;
}

size_t cred_set_warning_count(const struct cred_set *set)
{
	return set != NULL ? set->warnings.count : 0;
}

const struct cred_warning *cred_set_warning(const struct cred_set *set, size_t index)
{
	if (set == NULL || index >= set->warnings.count)
		return NULL;
	return &set->warnings.items[index];
}

void cred_set_clear_warnings(struct cred_set *set)
{
	if (set != NULL)
		cred_warnings_free(&set->warnings);
}
