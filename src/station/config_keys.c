/* The keys of each station file section and their value parsers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cred/cred_type.h"
#include "cred/secure_mem.h"
#include "cred/template.h"
#include "nrfcred/provision.h"
#include "station/config_priv.h"

static const char *const type_names[NRFCRED_TYPE_COUNT] = {
	"ca_cert",	"client_cert", "client_key",	       "psk",
	"psk_identity", "public_key",  "device_id_public_key",
};

/* cred_type_parse: the short names, the cred CLI's aliases (CA_cert,
 * client_private_key, psk_ident; any case) and 0-6, like `nrfcred provision`. */
int station_credential_type_parse(const char *s)
{
	enum nrfcred_cred_type t;
	if (s == NULL || !cred_type_parse(s, &t))
		return -1;
	return (int)t;
}

const char *station_credential_type_name(int type)
{
	if (type == NRFCRED_TYPE_KEYGEN)
		return "keygen";
	if (type < 0 || type >= (int)NRFCRED_TYPE_COUNT)
		return "?";
	return type_names[type];
}

bool config_is_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-' || c == '.';
}

bool config_valid_name(const char *s, size_t max)
{
	size_t n = strlen(s);
	if (n == 0 || n >= max || s[0] == '.')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!config_is_name_char(s[i]))
			return false;
	return true;
}

/* Strict unsigned decimal: digits only, no sign, no overflow past max. */
bool config_parse_uint(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	if (*s == '\0')
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		v = v * 10 + (uint64_t)(*s - '0');
		if (v > max)
			return false;
	}
	*out = v;
	return true;
}

/* Seconds with up to three decimals ("20", "7.5") to milliseconds. */
static bool parse_seconds_ms(const char *s, uint32_t *ms)
{
	uint64_t whole = 0, frac = 0;
	const char *dot = strchr(s, '.');
	char intpart[16];
	size_t ilen = dot ? (size_t)(dot - s) : strlen(s);
	if (ilen == 0 || ilen >= sizeof intpart)
		return false;
	memcpy(intpart, s, ilen);
	intpart[ilen] = '\0';
	if (!config_parse_uint(intpart, 86400, &whole))
		return false;
	if (dot) {
		const char *f = dot + 1;
		unsigned frac_digits = 0;
		if (*f == '\0')
			return false;
		for (; *f; f++, frac_digits++) {
			if (*f < '0' || *f > '9' || frac_digits >= 3)
				return false;
			frac = frac * 10 + (uint64_t)(*f - '0');
		}
		while (frac_digits++ < 3)
			frac *= 10;
	}
	*ms = (uint32_t)(whole * 1000 + frac);
	return true;
}

char *config_resolve_path(const struct station_config *cfg, const char *value)
{
	char *out = NULL;
	if (value[0] == '/')
		return strdup(value);
	if (asprintf(&out, "%s/%s", cfg->dir, value) < 0)
		return NULL;
	return out;
}

static int set_path(struct parse_ctx *ctx, char **dst, const struct section *sec, const char *key,
		    const char *value)
{
	if (value[0] == '\0')
		return config_fail(ctx, STATION_CONFIG_ERR_VALUE, ctx->line,
				   "%s %s: empty; valid: a file path (relative to %s)",
				   sec->display, key, ctx->cfg->dir);
	free(*dst);
	*dst = config_resolve_path(ctx->cfg, value);
	if (*dst == NULL)
		return config_fail(ctx, STATION_CONFIG_ERR_NOMEM, ctx->line, "out of memory");
	return 1;
}

int config_station_key(struct parse_ctx *ctx, struct section *sec, const char *key,
		       const char *value)
{
	struct station_config *cfg = ctx->cfg;
	uint64_t v;
	if (strcmp(key, "name") == 0) {
		if (!config_valid_name(value, sizeof cfg->name))
			return config_fail(
				ctx, STATION_CONFIG_ERR_VALUE, ctx->line,
				"[station] name: '%s' is not a valid name; valid: 1-%zu of "
				"letters, digits, '_', '-', '.' (it names the log files)",
				value, sizeof cfg->name - 1);
		snprintf(cfg->name, sizeof cfg->name, "%s", value);
	} else if (strcmp(key, "provisioner") == 0) {
		return set_path(ctx, &cfg->provisioner, sec, key, value);
	} else if (strcmp(key, "app") == 0) {
		return set_path(ctx, &cfg->app, sec, key, value);
	} else if (strcmp(key, "log_dir") == 0) {
		return set_path(ctx, &cfg->log_dir, sec, key, value);
	} else if (strcmp(key, "timeout") == 0) {
		uint32_t ms;
		if (!parse_seconds_ms(value, &ms) || ms < 100 || ms > 3600000)
			return config_fail(
				ctx, STATION_CONFIG_ERR_VALUE, ctx->line,
				"[station] timeout: '%s' is not valid; valid: seconds from 0.1 "
				"to 3600, e.g. 20 or 7.5",
				value);
		cfg->timeout_ms = ms;
	} else if (strcmp(key, "swd_speed") == 0) {
		if (!config_parse_uint(value, 100000, &v) || v < 10)
			return config_fail(
				ctx, STATION_CONFIG_ERR_VALUE, ctx->line,
				"[station] swd_speed: '%s' is not valid; valid: SWD clock in "
				"kHz, 10 to 100000, e.g. 4000",
				value);
		cfg->swd_khz = (uint32_t)v;
	} else if (strcmp(key, "approtect") == 0) {
		if (strcmp(value, "recover") == 0)
			cfg->approtect = STATION_APPROTECT_RECOVER;
		else if (strcmp(value, "fail") == 0)
			cfg->approtect = STATION_APPROTECT_FAIL;
		else
			return config_fail(
				ctx, STATION_CONFIG_ERR_VALUE, ctx->line,
				"[station] approtect: '%s' is not valid; valid: recover, fail",
				value);
	} else if (strcmp(key, "erase") == 0) {
		if (strcmp(value, "all") == 0)
			cfg->erase = STATION_ERASE_ALL;
		else if (strcmp(value, "check") == 0)
			cfg->erase = STATION_ERASE_CHECK;
		else
			return config_fail(ctx, STATION_CONFIG_ERR_VALUE, ctx->line,
					   "[station] erase: '%s' is not valid; valid: all, check",
					   value);
	} else if (strcmp(key, "retries") == 0) {
		if (!config_parse_uint(value, 10, &v))
			return config_fail(ctx, STATION_CONFIG_ERR_VALUE, ctx->line,
					   "[station] retries: '%s' is not valid; valid: 0 to 10",
					   value);
		cfg->retries = (unsigned)v;
	} else if (strcmp(key, "lock") == 0) {
		if (strcmp(value, "yes") == 0)
			cfg->lock = true;
		else if (strcmp(value, "no") == 0)
			cfg->lock = false;
		else
			return config_fail(ctx, STATION_CONFIG_ERR_VALUE, ctx->line,
					   "[station] lock: '%s' is not valid; valid: yes, no",
					   value);
	} else if (strcmp(key, "verify_digest") == 0) {
		if (strcmp(value, "require") == 0)
			cfg->verify_digest = STATION_DIGEST_REQUIRE;
		else if (strcmp(value, "when_available") == 0)
			cfg->verify_digest = STATION_DIGEST_WHEN_AVAILABLE;
		else
			return config_fail(ctx, STATION_CONFIG_ERR_VALUE, ctx->line,
					   "[station] verify_digest: '%s' is not valid; valid: "
					   "require, when_available",
					   value);
	} else if (strcmp(key, "fingerprint_key") == 0) {
		return set_path(ctx, &cfg->fingerprint_key, sec, key, value);
	} else if (strcmp(key, "secrets_out") == 0) {
		return set_path(ctx, &cfg->secrets_out, sec, key, value);
	} else if (strcmp(key, "delivery") == 0) {
		if (strcmp(value, "ram") == 0)
			cfg->delivery = STATION_DELIVERY_RAM;
		else if (strcmp(value, "flash") == 0)
			cfg->delivery = STATION_DELIVERY_FLASH;
		else
			return config_fail(
				ctx, STATION_CONFIG_ERR_VALUE, ctx->line,
				"[station] delivery: '%s' is not valid; valid: ram, flash", value);
	} else if (strcmp(key, "flash_method") == 0) {
		if (strcmp(value, "loader") == 0)
			cfg->flash_method = STATION_FLASH_LOADER;
		else if (strcmp(value, "direct") == 0)
			cfg->flash_method = STATION_FLASH_DIRECT;
		else
			return config_fail(ctx, STATION_CONFIG_ERR_VALUE, ctx->line,
					   "[station] flash_method: '%s' is not valid; valid: "
					   "loader, direct",
					   value);
	} else if (strcmp(key, "verify") == 0) {
		if (strcmp(value, "crc") == 0)
			cfg->verify = STATION_VERIFY_CRC;
		else if (strcmp(value, "readback") == 0)
			cfg->verify = STATION_VERIFY_READBACK;
		else
			return config_fail(
				ctx, STATION_CONFIG_ERR_VALUE, ctx->line,
				"[station] verify: '%s' is not valid; valid: crc, readback", value);
	} else {
		int handled = config_keygen_station_key(ctx, key, value);
		if (handled >= 0)
			return handled;
		return config_fail(
			ctx, STATION_CONFIG_ERR_KEY, ctx->line,
			"[station] %s: unknown key; valid: name, provisioner, app, timeout, "
			"swd_speed, log_dir, approtect, erase, retries, lock, verify_digest, "
			"delivery, fingerprint_key, flash_method, verify, secrets_out, "
			"attestation, onboard_device_id",
			key);
	}
	return 1;
}

int config_slot_key(struct parse_ctx *ctx, struct section *sec, const char *key, const char *value)
{
	struct station_slot_config *slot = &ctx->cfg->slots[sec->index];
	if (strcmp(key, "probe") == 0) {
		uint64_t v;
		/* J-Link USB serial strings are 12 digits with leading zeros;
		 * the number itself is a uint32 (libjaylink). */
		if (strlen(value) > 12 || !config_parse_uint(value, UINT32_MAX, &v) || v == 0)
			return config_fail(
				ctx, STATION_CONFIG_ERR_VALUE, ctx->line,
				"%s probe: '%s' is not a J-Link serial number; valid: its "
				"decimal serial, e.g. 260101234 (nrfcred probes lists them)",
				sec->display, value);
		snprintf(slot->probe, sizeof slot->probe, "%s", value);
		slot->serial = (uint32_t)v;
	} else if (strcmp(key, "label") == 0) {
		size_t n = strlen(value);
		if (n >= sizeof slot->label)
			return config_fail(ctx, STATION_CONFIG_ERR_VALUE, ctx->line,
					   "%s label: longer than %zu characters", sec->display,
					   sizeof slot->label - 1);
		for (size_t i = 0; i < n; i++)
			if ((unsigned char)value[i] < 0x20 || (unsigned char)value[i] > 0x7e)
				return config_fail(ctx, STATION_CONFIG_ERR_VALUE, ctx->line,
						   "%s label: only printable ASCII is valid",
						   sec->display);
		snprintf(slot->label, sizeof slot->label, "%s", value);
	} else {
		return config_fail(ctx, STATION_CONFIG_ERR_KEY, ctx->line,
				   "%s %s: unknown key; valid: probe, label", sec->display, key);
	}
	return 1;
}

bool station_credential_per_device(const struct station_credential_config *c)
{
	return c->file_template != NULL || c->value_template || c->random_len > 0 ||
	       c->pool[0] != '\0';
}

/* ${...} in a file or value: an unknown name or a missing '}' is refused
 * here, with the column (never the rest of the value: it may be a PSK). */
static int template_check_key(struct parse_ctx *ctx, const struct section *sec, const char *key,
			      const char *value)
{
	char why[160];
	if (template_check(value, NULL, why, sizeof why) != TEMPLATE_OK)
		return config_fail(ctx, STATION_CONFIG_ERR_VALUE, ctx->line, "%s %s: %s",
				   sec->display, key, why);
	return 1;
}

int config_credential_key(struct parse_ctx *ctx, struct section *sec, const char *key,
			  const char *value)
{
	struct station_credential_config *cred = &ctx->cfg->credentials[sec->index];
	if (strcmp(key, "sec_tag") == 0) {
		uint64_t v;
		if (!config_parse_uint(value, NRFCRED_SEC_TAG_MAX, &v))
			return config_fail(ctx, STATION_CONFIG_ERR_VALUE, ctx->line,
					   "%s sec_tag: '%s' is not valid; valid: 0 to %u",
					   sec->display, value, NRFCRED_SEC_TAG_MAX);
		cred->sec_tag = (uint32_t)v;
	} else if (strcmp(key, "type") == 0) {
		int t = strcmp(value, "keygen") == 0 ? (int)NRFCRED_TYPE_KEYGEN
						     : station_credential_type_parse(value);
		if (t < 0)
			return config_fail(
				ctx, STATION_CONFIG_ERR_VALUE, ctx->line,
				"%s type: '%s' is not valid; valid: ca_cert, client_cert, "
				"client_key, psk, psk_identity, public_key, "
				"device_id_public_key, keygen, 0-6, or the aliases CA_cert, "
				"client_private_key, psk_ident",
				sec->display, value);
		cred->type = t;
	} else if (strcmp(key, "file") == 0) {
		if (template_check_key(ctx, sec, key, value) != 1)
			return 0;
		if (template_present(value)) {
			cred->file_template = strdup(value);
			if (cred->file_template == NULL)
				return config_fail(ctx, STATION_CONFIG_ERR_NOMEM, ctx->line,
						   "out of memory");
		}
		return set_path(ctx, &cred->file, sec, key, value);
	} else if (strcmp(key, "source") == 0) {
		if (strncmp(value, "pool:", 5) != 0 ||
		    !config_valid_name(value + 5, sizeof cred->pool))
			return config_fail(ctx, STATION_CONFIG_ERR_VALUE, ctx->line,
					   "%s source: '%s' is not valid; valid: pool:NAME, NAME "
					   "a credential pool (nrfcred pool status lists them)",
					   sec->display, value);
		snprintf(cred->pool, sizeof cred->pool, "%s", value + 5);
	} else if (strcmp(key, "value") == 0) {
		/* Never echo a value: it may be a PSK. */
		if (value[0] == '\0')
			return config_fail(ctx, STATION_CONFIG_ERR_VALUE, ctx->line,
					   "%s value: empty; valid: the credential text",
					   sec->display);
		if (strncmp(value, "random:", 7) == 0) {
			uint64_t n;
			if (!config_parse_uint(value + 7, STATION_RANDOM_PSK_MAX, &n) ||
			    n < STATION_RANDOM_PSK_MIN)
				return config_fail(ctx, STATION_CONFIG_ERR_VALUE, ctx->line,
						   "%s value: random: needs a length; valid: "
						   "random:N, N bytes from %u to %u (a fresh PSK per "
						   "board)",
						   sec->display, STATION_RANDOM_PSK_MIN,
						   STATION_RANDOM_PSK_MAX);
			cred->random_len = (unsigned)n;
		}
		if (template_check_key(ctx, sec, key, value) != 1)
			return 0;
		cred->value_template = template_present(value);
		cred->value = secure_mem_strdup(value);
		if (cred->value == NULL)
			return config_fail(ctx, STATION_CONFIG_ERR_NOMEM, ctx->line,
					   "out of memory");
	} else {
		int handled = config_keygen_credential_key(ctx, sec, key, value);
		if (handled >= 0)
			return handled;
		return config_fail(ctx, STATION_CONFIG_ERR_KEY, ctx->line,
				   "%s %s: unknown key; valid: sec_tag, type, file, value, "
				   "source, subject, key_usage",
				   sec->display, key);
	}
	return 1;
}

int config_database_key(struct parse_ctx *ctx, struct section *sec, const char *key,
			const char *value)
{
	struct station_config *cfg = ctx->cfg;
	if (strcmp(key, "url") == 0) {
		/* Never echo it: a URL may carry a password. */
		if (value[0] == '\0')
			return config_fail(ctx, STATION_CONFIG_ERR_VALUE, ctx->line,
					   "%s url: empty; valid: a libpq connection string, e.g. "
					   "postgresql://nrfcred@db.factory/nrfcred",
					   sec->display);
		cfg->db_url = secure_mem_strdup(value);
		if (cfg->db_url == NULL)
			return config_fail(ctx, STATION_CONFIG_ERR_NOMEM, ctx->line,
					   "out of memory");
	} else if (strcmp(key, "policy") == 0) {
		if (strcmp(value, "require") == 0)
			cfg->db_policy = STATION_DB_REQUIRE;
		else if (strcmp(value, "best_effort") == 0)
			cfg->db_policy = STATION_DB_BEST_EFFORT;
		else
			return config_fail(ctx, STATION_CONFIG_ERR_VALUE, ctx->line,
					   "%s policy: '%s' is not valid; valid: require, "
					   "best_effort",
					   sec->display, value);
	} else if (strcmp(key, "pool_key") == 0) {
		return set_path(ctx, &cfg->db_pool_key, sec, key, value);
	} else {
		return config_fail(ctx, STATION_CONFIG_ERR_KEY, ctx->line,
				   "%s %s: unknown key; valid: url, policy, pool_key", sec->display,
				   key);
	}
	return 1;
}

config_key_bits config_key_bit(enum section_kind kind, const char *key)
{
	static const struct {
		enum section_kind kind;
		const char *key;
		config_key_bits bit;
	} keys[] = {
		{SEC_STATION, "name", K_NAME},
		{SEC_STATION, "provisioner", K_PROVISIONER},
		{SEC_STATION, "app", K_APP},
		{SEC_STATION, "timeout", K_TIMEOUT},
		{SEC_STATION, "swd_speed", K_SWD},
		{SEC_STATION, "log_dir", K_LOGDIR},
		{SEC_STATION, "approtect", K_APPROTECT},
		{SEC_STATION, "erase", K_ERASE},
		{SEC_STATION, "retries", K_RETRIES},
		{SEC_STATION, "lock", K_LOCK},
		{SEC_STATION, "verify_digest", K_DIGEST},
		{SEC_STATION, "delivery", K_DELIVERY},
		{SEC_STATION, "fingerprint_key", K_FINGERPRINT},
		{SEC_STATION, "flash_method", K_FLASH_METHOD},
		{SEC_STATION, "verify", K_VERIFY},
		{SEC_STATION, "secrets_out", K_SECRETS_OUT},
		{SEC_SLOT, "probe", K_PROBE},
		{SEC_SLOT, "label", K_LABEL},
		{SEC_CREDENTIAL, "sec_tag", K_SECTAG},
		{SEC_CREDENTIAL, "type", K_TYPE},
		{SEC_CREDENTIAL, "file", K_FILE},
		{SEC_CREDENTIAL, "value", K_VALUE},
		{SEC_CREDENTIAL, "subject", K_SUBJECT},
		{SEC_CREDENTIAL, "key_usage", K_KEY_USAGE},
		{SEC_STATION, "attestation", K_ATTESTATION},
		{SEC_STATION, "onboard_device_id", K_ONBOARD_ID},
		{SEC_CA, "cert", K_CA_CERT},
		{SEC_CA, "key", K_CA_KEY},
		{SEC_CA, "days", K_CA_DAYS},
		{SEC_CREDENTIAL, "source", K_SOURCE},
		{SEC_DATABASE, "url", K_DB_URL},
		{SEC_DATABASE, "policy", K_DB_POLICY},
		{SEC_DATABASE, "pool_key", K_DB_POOL_KEY},
	};
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
		if (keys[i].kind == kind && strcmp(keys[i].key, key) == 0)
			return keys[i].bit;
	return 0;
}
