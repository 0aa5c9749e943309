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
#define CONFIG_MAX_SECTIONS (2u + STATION_MAX_SLOTS + STATION_MAX_CREDENTIALS)

enum section_kind { SEC_NONE, SEC_STATION, SEC_SLOT, SEC_CREDENTIAL, SEC_DATABASE, SEC_UNKNOWN };

/* Bits of the keys seen in the current section, to catch duplicates. */
enum {
	K_NAME = 1u << 0,
	K_PROVISIONER = 1u << 1,
	K_APP = 1u << 2,
	K_TIMEOUT = 1u << 3,
	K_SWD = 1u << 4,
	K_LOGDIR = 1u << 5,
	K_APPROTECT = 1u << 6,
	K_ERASE = 1u << 7,
	K_RETRIES = 1u << 8,
	K_LOCK = 1u << 20,
	K_DIGEST = 1u << 21,
	K_DELIVERY = 1u << 22,
	K_FINGERPRINT = 1u << 23,
	K_FLASH_METHOD = 1u << 24,
	K_VERIFY = 1u << 25,
	K_SECRETS_OUT = 1u << 26,
	K_PROBE = 1u << 9,
	K_LABEL = 1u << 10,
	K_SECTAG = 1u << 11,
	K_TYPE = 1u << 12,
	K_FILE = 1u << 13,
	K_VALUE = 1u << 14,
	K_DB_URL = 1u << 15,
	K_DB_POLICY = 1u << 16,
	K_SOURCE = 1u << 17,
	K_DB_POOL_KEY = 1u << 18,
};

struct section {
	enum section_kind kind;
	size_t index; /* into cfg->slots / cfg->credentials */
	unsigned line;
	unsigned keys;
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
unsigned config_key_bit(enum section_kind kind, const char *key);
int config_station_key(struct parse_ctx *ctx, struct section *sec, const char *key,
		       const char *value);
int config_slot_key(struct parse_ctx *ctx, struct section *sec, const char *key, const char *value);
int config_credential_key(struct parse_ctx *ctx, struct section *sec, const char *key,
			  const char *value);
int config_database_key(struct parse_ctx *ctx, struct section *sec, const char *key,
			const char *value);

#endif
