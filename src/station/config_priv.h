/*
 * Inside the station file parser: the parse context shared by config.c (inih
 * driver, sections, completeness) and config_keys.c (one handler per
 * section kind, value parsers).
 */
#ifndef NRFCRED_STATION_CONFIG_PRIV_H
#define NRFCRED_STATION_CONFIG_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "station/config.h"

/* The longest station file we read; a fixture description is a few KB. */
#define CONFIG_MAX_BYTES    (1u << 20)
#define CONFIG_MAX_SECTIONS (4u + STATION_MAX_SLOTS + STATION_MAX_CREDENTIALS)

enum section_kind {
	SEC_NONE,
	SEC_STATION,
	SEC_SLOT,
	SEC_CREDENTIAL,
	SEC_CA,
	SEC_DATABASE,
	SEC_UNKNOWN
};

/* Bits of the keys seen in the current section, to catch duplicates. Every
 * key has a bit of its own across all sections; with issue 14's keys there
 * are more than 32, hence 64 bits (and macros: an enum constant is an int). */
typedef uint64_t config_key_bits;
#define K_BIT(n)       ((config_key_bits)1 << (n))
#define K_NAME	       K_BIT(0)
#define K_PROVISIONER  K_BIT(1)
#define K_APP	       K_BIT(2)
#define K_TIMEOUT      K_BIT(3)
#define K_SWD	       K_BIT(4)
#define K_LOGDIR       K_BIT(5)
#define K_APPROTECT    K_BIT(6)
#define K_ERASE	       K_BIT(7)
#define K_RETRIES      K_BIT(8)
#define K_LOCK	       K_BIT(20)
#define K_DIGEST       K_BIT(21)
#define K_DELIVERY     K_BIT(22)
#define K_FINGERPRINT  K_BIT(23)
#define K_FLASH_METHOD K_BIT(24)
#define K_VERIFY       K_BIT(25)
#define K_SECRETS_OUT  K_BIT(26)
#define K_PROBE	       K_BIT(9)
#define K_LABEL	       K_BIT(10)
#define K_SECTAG       K_BIT(11)
#define K_TYPE	       K_BIT(12)
#define K_FILE	       K_BIT(13)
#define K_VALUE	       K_BIT(14)
/* issue 11 (config_keygen.c) */
#define K_SUBJECT     K_BIT(15)
#define K_KEY_USAGE   K_BIT(16)
#define K_CA_CERT     K_BIT(17)
#define K_CA_KEY      K_BIT(18)
#define K_CA_DAYS     K_BIT(19)
#define K_ATTESTATION K_BIT(27)
#define K_ONBOARD_ID  K_BIT(28)
/* issue 14 ([database], source = pool:NAME) */
#define K_DB_URL      K_BIT(29)
#define K_DB_POLICY   K_BIT(30)
#define K_SOURCE      K_BIT(31)
#define K_DB_POOL_KEY K_BIT(32)

struct section {
	enum section_kind kind;
	size_t index; /* into cfg->slots / cfg->credentials */
	unsigned line;
	config_key_bits keys;
	char display[64]; /* "[slot 3]" for messages */
};

struct parse_ctx {
	struct station_config *cfg;
	const char *text;
	size_t len;
	size_t pos;
	unsigned line; /* lines handed to inih so far = the current line */
	struct section sections[CONFIG_MAX_SECTIONS];
	size_t section_count;
	bool station_seen;
	bool database_seen;
	station_config_err err;
	unsigned err_line;
	char *errbuf;
	size_t errlen;
};

/* Records the first error only ("FILE:LINE: ..."); returns 0 (inih's
 * "error" return value) so handlers can `return config_fail(...)`. */
int config_fail(struct parse_ctx *ctx, station_config_err err, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

bool config_is_name_char(char c);
/* 1..max-1 name characters, not starting with '.'. */
bool config_valid_name(const char *s, size_t max);
/* Strict unsigned decimal: digits only, no sign, value <= max. */
bool config_parse_uint(const char *s, uint64_t max, uint64_t *out);
/* value as is when absolute, else relative to the INI file's folder. */
char *config_resolve_path(const struct station_config *cfg, const char *value);
/* The duplicate-detection bit of a known key; 0 for an unknown one. */
config_key_bits config_key_bit(enum section_kind kind, const char *key);
int config_station_key(struct parse_ctx *ctx, struct section *sec, const char *key,
		       const char *value);
int config_slot_key(struct parse_ctx *ctx, struct section *sec, const char *key, const char *value);
int config_credential_key(struct parse_ctx *ctx, struct section *sec, const char *key,
			  const char *value);
int config_database_key(struct parse_ctx *ctx, struct section *sec, const char *key,
			const char *value);

/* config_keygen.c (issue 11): [ca], the keygen credential keys, [station]
 * attestation and onboard_device_id, and their completeness rules. The
 * station and credential handlers return -1 for a key that is not theirs. */
int config_ca_key(struct parse_ctx *ctx, struct section *sec, const char *key, const char *value);
int config_keygen_station_key(struct parse_ctx *ctx, const char *key, const char *value);
int config_keygen_credential_key(struct parse_ctx *ctx, struct section *sec, const char *key,
				 const char *value);
void config_keygen_check_credential(struct parse_ctx *ctx, const struct section *sec);
void config_keygen_check_ca(struct parse_ctx *ctx, const struct section *sec);
station_config_err config_keygen_check_station(struct parse_ctx *ctx);

#endif
