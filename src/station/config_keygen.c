/* Station file keys of on-device key generation and attestation (issue 11):
 * [ca] cert/key/days, [credential] type = keygen with subject/key_usage,
 * [station] attestation and onboard_device_id. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cred/ca.h"
#include "cred/template.h"
#include "nrfcred/provision.h"
#include "station/config_priv.h"

static int path_value(struct parse_ctx *ctx, char **dst, const char *where, const char *value)
{
	if (value[0] == '\0')
		return config_fail(ctx, STATION_CONFIG_ERR_VALUE, ctx->line,
				   "%s: empty; valid: a file path (relative to %s)", where,
				   ctx->cfg->dir);
	free(*dst);
	*dst = config_resolve_path(ctx->cfg, value);
	if (*dst == NULL)
		return config_fail(ctx, STATION_CONFIG_ERR_NOMEM, ctx->line, "out of memory");
	return 1;
}

/* A template that goes into a subject or a CSV cell: printable ASCII, no
 * '"' (an AT string) and no ',' in an onboarding id (a CSV cell). */
static bool printable(const char *s, size_t max, bool comma_ok)
{
	size_t n = strlen(s);
	if (n == 0 || n > max)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < 0x20 || s[i] > 0x7e || s[i] == '"' || (!comma_ok && s[i] == ','))
			return false;
	return true;
}

int config_ca_key(struct parse_ctx *ctx, struct section *sec, const char *key, const char *value)
{
	struct station_ca_config *ca = &ctx->cfg->ca;
	(void)sec;
	if (strcmp(key, "cert") == 0)
		return path_value(ctx, &ca->cert, "[ca] cert", value);
	if (strcmp(key, "key") == 0)
		return path_value(ctx, &ca->key, "[ca] key", value);
	if (strcmp(key, "days") == 0) {
		uint64_t v;
		if (!config_parse_uint(value, CA_DAYS_MAX, &v) || v == 0)
			return config_fail(ctx, STATION_CONFIG_ERR_VALUE, ctx->line,
					   "[ca] days: '%s' is not valid; valid: 1 to %u (validity "
					   "of the certificates it issues)",
					   value, CA_DAYS_MAX);
		ca->days = (unsigned)v;
		return 1;
	}
	return config_fail(ctx, STATION_CONFIG_ERR_KEY, ctx->line,
			   "[ca] %s: unknown key; valid: cert, key, days", key);
}

int config_keygen_station_key(struct parse_ctx *ctx, const char *key, const char *value)
{
	struct station_config *cfg = ctx->cfg;
	if (strcmp(key, "attestation") == 0) {
		if (strcmp(value, "no") == 0)
			cfg->attestation = STATION_ATTEST_NO;
		else if (strcmp(value, "yes") == 0)
			cfg->attestation = STATION_ATTEST_YES;
		else if (strcmp(value, "required") == 0)
			cfg->attestation = STATION_ATTEST_REQUIRED;
		else
			return config_fail(
				ctx, STATION_CONFIG_ERR_VALUE, ctx->line,
				"[station] attestation: '%s' is not valid; valid: no, "
				"yes (a modem without %%ATTESTTOKEN is reported), required "
				"(it fails the board)",
				value);
		return 1;
	}
	if (strcmp(key, "onboard_device_id") == 0) {
		if (!printable(value, 64, false))
			return config_fail(ctx, STATION_CONFIG_ERR_VALUE, ctx->line,
					   "[station] onboard_device_id: not valid; valid: 1-64 "
					   "printable characters without ',' or '\"', e.g. "
					   "nrf-${IMEI}");
		char why[160];
		if (template_check(value, NULL, why, sizeof why) != TEMPLATE_OK)
			return config_fail(ctx, STATION_CONFIG_ERR_VALUE, ctx->line,
					   "[station] onboard_device_id: %s", why);
		free(cfg->onboard_device_id);
		cfg->onboard_device_id = strdup(value);
		if (cfg->onboard_device_id == NULL)
			return config_fail(ctx, STATION_CONFIG_ERR_NOMEM, ctx->line,
					   "out of memory");
		return 1;
	}
	return -1;
}

int config_keygen_credential_key(struct parse_ctx *ctx, struct section *sec, const char *key,
				 const char *value)
{
	struct station_credential_config *c = &ctx->cfg->credentials[sec->index];
	if (strcmp(key, "subject") == 0) {
		if (!printable(value, NRFCRED_KEYGEN_SUBJECT_MAX - 16, true))
			return config_fail(ctx, STATION_CONFIG_ERR_VALUE, ctx->line,
					   "%s subject: not valid; valid: X.509 attributes of "
					   "printable characters without '\"', up to %u, e.g. "
					   "CN=${IMEI},O=Example",
					   sec->display, NRFCRED_KEYGEN_SUBJECT_MAX - 16);
		/* ${IMEI}, ${DEVICEID}, ${SLOT}: filled in per board
		 * (board_table.c), as in a value. */
		char why[160];
		if (template_check(value, NULL, why, sizeof why) != TEMPLATE_OK)
			return config_fail(ctx, STATION_CONFIG_ERR_VALUE, ctx->line,
					   "%s subject: %s", sec->display, why);
		free(c->subject);
		c->subject = strdup(value);
		if (c->subject == NULL)
			return config_fail(ctx, STATION_CONFIG_ERR_NOMEM, ctx->line,
					   "out of memory");
		return 1;
	}
	if (strcmp(key, "key_usage") == 0) {
		bool ok = strlen(value) == NRFCRED_KEYGEN_USAGE_LEN;
		for (size_t i = 0; ok && i < NRFCRED_KEYGEN_USAGE_LEN; i++)
			ok = value[i] == '0' || value[i] == '1';
		if (!ok)
			return config_fail(ctx, STATION_CONFIG_ERR_VALUE, ctx->line,
					   "%s key_usage: '%s' is not valid; valid: 9 digits 0/1, "
					   "the X.509 key usage bits from digitalSignature on, as "
					   "AT%%KEYGEN takes them, e.g. %s",
					   sec->display, value, STATION_KEYGEN_USAGE);
		memcpy(c->key_usage, value, NRFCRED_KEYGEN_USAGE_LEN + 1);
		return 1;
	}
	return -1;
}

void config_keygen_check_credential(struct parse_ctx *ctx, const struct section *sec)
{
	if (!(sec->keys & K_SECTAG))
		config_fail(ctx, STATION_CONFIG_ERR_MISSING, sec->line,
			    "%s sec_tag: missing; valid: sec_tag = 0 to %u", sec->display,
			    NRFCRED_SEC_TAG_MAX);
	else if (sec->keys & (K_FILE | K_VALUE | K_SOURCE))
		config_fail(ctx, STATION_CONFIG_ERR_KEY, sec->line,
			    "%s file: type = keygen takes no file or value, nor a pool source "
			    "(the modem makes the key, the station CA the certificate); valid: "
			    "remove it",
			    sec->display);
	else if (ctx->cfg->ca.line == 0)
		config_fail(ctx, STATION_CONFIG_ERR_MISSING, sec->line,
			    "%s type: keygen needs a [ca] section (cert, key) to sign the "
			    "certificates",
			    sec->display);
}

void config_keygen_check_ca(struct parse_ctx *ctx, const struct section *sec)
{
	if (!(sec->keys & K_CA_CERT))
		config_fail(ctx, STATION_CONFIG_ERR_MISSING, sec->line,
			    "[ca] cert: missing; valid: cert = the CA certificate (PEM)");
	else if (!(sec->keys & K_CA_KEY))
		config_fail(ctx, STATION_CONFIG_ERR_MISSING, sec->line,
			    "[ca] key: missing; valid: key = the CA's private key (PEM or DER)");
}

/* Keygen and attestation are rounds of the RAM session: the flash delivery
 * has nobody to answer a CSR. */
station_config_err config_keygen_check_station(struct parse_ctx *ctx)
{
	struct station_config *cfg = ctx->cfg;
	bool keygen = false;
	unsigned line = 0;
	for (size_t i = 0; i < cfg->credential_count; i++)
		if (cfg->credentials[i].type == NRFCRED_TYPE_KEYGEN) {
			keygen = true;
			line = cfg->credentials[i].line;
		}
	if (cfg->delivery == STATION_DELIVERY_FLASH && (keygen || cfg->attestation))
		return config_fail(ctx, STATION_CONFIG_ERR_VALUE, keygen ? line : ctx->line,
				   "[station] delivery: flash cannot run %s (the firmware sends "
				   "it up in the RAM session); valid: delivery = ram",
				   keygen ? "type = keygen" : "attestation"),
		       ctx->err;
	return STATION_CONFIG_OK;
}
