#include "station/config.h"

#include <errno.h>
#include <ini.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nrfcred/provision.h"

/* The longest station file we read; a fixture description is a few KB. */
#define CONFIG_MAX_BYTES    (1u << 20)
#define CONFIG_MAX_SECTIONS (2u + STATION_MAX_SLOTS + STATION_MAX_CREDENTIALS)

enum section_kind { SEC_NONE, SEC_STATION, SEC_SLOT, SEC_CREDENTIAL, SEC_UNKNOWN };

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
	K_PROBE = 1u << 9,
	K_LABEL = 1u << 10,
	K_SECTAG = 1u << 11,
	K_TYPE = 1u << 12,
	K_FILE = 1u << 13,
	K_VALUE = 1u << 14,
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
	station_config_err err;
	unsigned err_line;
	char *errbuf;
	size_t errlen;
};

static const char *const type_names[NRFCRED_TYPE_COUNT] = {
	"ca_cert",	"client_cert", "client_key",	       "psk",
	"psk_identity", "public_key",  "device_id_public_key",
};

int station_credential_type_parse(const char *s)
{
	if (s == NULL)
		return -1;
	for (int i = 0; i < (int)NRFCRED_TYPE_COUNT; i++)
		if (strcmp(s, type_names[i]) == 0)
			return i;
	if (s[0] >= '0' && s[0] < '0' + (int)NRFCRED_TYPE_COUNT && s[1] == '\0')
		return s[0] - '0';
	return -1;
}

const char *station_credential_type_name(int type)
{
	if (type < 0 || type >= (int)NRFCRED_TYPE_COUNT)
		return "?";
	return type_names[type];
}

const char *station_config_strerror(station_config_err err)
{
	switch (err) {
	case STATION_CONFIG_OK:
		return "ok";
	case STATION_CONFIG_ERR_IO:
		return "cannot read the station file";
	case STATION_CONFIG_ERR_SYNTAX:
		return "syntax error";
	case STATION_CONFIG_ERR_KEY:
		return "unknown or duplicate section or key";
	case STATION_CONFIG_ERR_VALUE:
		return "invalid value";
	case STATION_CONFIG_ERR_MISSING:
		return "required key or section missing";
	case STATION_CONFIG_ERR_NOMEM:
		return "out of memory";
	}
	return "unknown error";
}

/* Records the first error only: later ones are often consequences. */
static int fail(struct parse_ctx *ctx, station_config_err err, unsigned line, const char *fmt, ...)
{
	if (ctx->err != STATION_CONFIG_OK)
		return 0;
	ctx->err = err;
	ctx->err_line = line;
	if (ctx->errbuf != NULL && ctx->errlen > 0) {
		int n = snprintf(ctx->errbuf, ctx->errlen, "%s:%u: ", ctx->cfg->path, line);
		if (n < 0 || (size_t)n >= ctx->errlen)
			return 0;
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(ctx->errbuf + n, ctx->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return 0;
}

static bool is_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-' || c == '.';
}

static bool valid_name(const char *s, size_t max)
{
	size_t n = strlen(s);
	if (n == 0 || n >= max || s[0] == '.')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!is_name_char(s[i]))
			return false;
	return true;
}

/* Strict unsigned decimal: digits only, no sign, no overflow past max. */
static bool parse_uint(const char *s, uint64_t max, uint64_t *out)
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
	if (!parse_uint(intpart, 86400, &whole))
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

static char *resolve_path(const struct station_config *cfg, const char *value)
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
		return fail(ctx, STATION_CONFIG_ERR_VALUE, ctx->line,
			    "%s %s: empty; valid: a file path (relative to %s)", sec->display, key,
			    ctx->cfg->dir);
	free(*dst);
	*dst = resolve_path(ctx->cfg, value);
	if (*dst == NULL)
		return fail(ctx, STATION_CONFIG_ERR_NOMEM, ctx->line, "out of memory");
	return 1;
}

static int station_key(struct parse_ctx *ctx, struct section *sec, const char *key,
		       const char *value)
{
	struct station_config *cfg = ctx->cfg;
	uint64_t v;
	if (strcmp(key, "name") == 0) {
		if (!valid_name(value, sizeof cfg->name))
			return fail(ctx, STATION_CONFIG_ERR_VALUE, ctx->line,
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
			return fail(ctx, STATION_CONFIG_ERR_VALUE, ctx->line,
				    "[station] timeout: '%s' is not valid; valid: seconds from 0.1 "
				    "to 3600, e.g. 20 or 7.5",
				    value);
		cfg->timeout_ms = ms;
	} else if (strcmp(key, "swd_speed") == 0) {
		if (!parse_uint(value, 100000, &v) || v < 10)
			return fail(ctx, STATION_CONFIG_ERR_VALUE, ctx->line,
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
			return fail(ctx, STATION_CONFIG_ERR_VALUE, ctx->line,
				    "[station] approtect: '%s' is not valid; valid: recover, fail",
				    value);
	} else if (strcmp(key, "erase") == 0) {
		if (strcmp(value, "all") == 0)
			cfg->erase = STATION_ERASE_ALL;
		else if (strcmp(value, "check") == 0)
			cfg->erase = STATION_ERASE_CHECK;
		else
			return fail(ctx, STATION_CONFIG_ERR_VALUE, ctx->line,
				    "[station] erase: '%s' is not valid; valid: all, check", value);
	} else if (strcmp(key, "retries") == 0) {
		if (!parse_uint(value, 10, &v))
			return fail(ctx, STATION_CONFIG_ERR_VALUE, ctx->line,
				    "[station] retries: '%s' is not valid; valid: 0 to 10", value);
		cfg->retries = (unsigned)v;
	} else {
		return fail(ctx, STATION_CONFIG_ERR_KEY, ctx->line,
			    "[station] %s: unknown key; valid: name, provisioner, app, timeout, "
			    "swd_speed, log_dir, approtect, erase, retries",
			    key);
	}
	return 1;
}

static int slot_key(struct parse_ctx *ctx, struct section *sec, const char *key, const char *value)
{
	struct station_slot_config *slot = &ctx->cfg->slots[sec->index];
	if (strcmp(key, "probe") == 0) {
		uint64_t v;
		/* J-Link USB serial strings are 12 digits with leading zeros;
		 * the number itself is a uint32 (libjaylink). */
		if (strlen(value) > 12 || !parse_uint(value, UINT32_MAX, &v) || v == 0)
			return fail(ctx, STATION_CONFIG_ERR_VALUE, ctx->line,
				    "%s probe: '%s' is not a J-Link serial number; valid: its "
				    "decimal serial, e.g. 260101234 (nrfcred probes lists them)",
				    sec->display, value);
		snprintf(slot->probe, sizeof slot->probe, "%s", value);
		slot->serial = (uint32_t)v;
	} else if (strcmp(key, "label") == 0) {
		size_t n = strlen(value);
		if (n >= sizeof slot->label)
			return fail(ctx, STATION_CONFIG_ERR_VALUE, ctx->line,
				    "%s label: longer than %zu characters", sec->display,
				    sizeof slot->label - 1);
		for (size_t i = 0; i < n; i++)
			if ((unsigned char)value[i] < 0x20 || (unsigned char)value[i] > 0x7e)
				return fail(ctx, STATION_CONFIG_ERR_VALUE, ctx->line,
					    "%s label: only printable ASCII is valid",
					    sec->display);
		snprintf(slot->label, sizeof slot->label, "%s", value);
	} else {
		return fail(ctx, STATION_CONFIG_ERR_KEY, ctx->line,
			    "%s %s: unknown key; valid: probe, label", sec->display, key);
	}
	return 1;
}

static int credential_key(struct parse_ctx *ctx, struct section *sec, const char *key,
			  const char *value)
{
	struct station_credential_config *cred = &ctx->cfg->credentials[sec->index];
	if (strcmp(key, "sec_tag") == 0) {
		uint64_t v;
		if (!parse_uint(value, NRFCRED_SEC_TAG_MAX, &v))
			return fail(ctx, STATION_CONFIG_ERR_VALUE, ctx->line,
				    "%s sec_tag: '%s' is not valid; valid: 0 to %u", sec->display,
				    value, NRFCRED_SEC_TAG_MAX);
		cred->sec_tag = (uint32_t)v;
	} else if (strcmp(key, "type") == 0) {
		int t = station_credential_type_parse(value);
		if (t < 0)
			return fail(ctx, STATION_CONFIG_ERR_VALUE, ctx->line,
				    "%s type: '%s' is not valid; valid: ca_cert, client_cert, "
				    "client_key, psk, psk_identity, public_key, "
				    "device_id_public_key (or 0-6)",
				    sec->display, value);
		cred->type = t;
	} else if (strcmp(key, "file") == 0) {
		return set_path(ctx, &cred->file, sec, key, value);
	} else if (strcmp(key, "value") == 0) {
		/* Never echo a value: it may be a PSK. */
		if (value[0] == '\0')
			return fail(ctx, STATION_CONFIG_ERR_VALUE, ctx->line,
				    "%s value: empty; valid: the credential text", sec->display);
		cred->value = strdup(value);
		if (cred->value == NULL)
			return fail(ctx, STATION_CONFIG_ERR_NOMEM, ctx->line, "out of memory");
	} else {
		return fail(ctx, STATION_CONFIG_ERR_KEY, ctx->line,
			    "%s %s: unknown key; valid: sec_tag, type, file, value", sec->display,
			    key);
	}
	return 1;
}

static unsigned key_bit(enum section_kind kind, const char *key)
{
	static const struct {
		enum section_kind kind;
		const char *key;
		unsigned bit;
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
		{SEC_SLOT, "probe", K_PROBE},
		{SEC_SLOT, "label", K_LABEL},
		{SEC_CREDENTIAL, "sec_tag", K_SECTAG},
		{SEC_CREDENTIAL, "type", K_TYPE},
		{SEC_CREDENTIAL, "file", K_FILE},
		{SEC_CREDENTIAL, "value", K_VALUE},
	};
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
		if (keys[i].kind == kind && strcmp(keys[i].key, key) == 0)
			return keys[i].bit;
	return 0;
}

static int handler(void *user, const char *section, const char *key, const char *value)
{
	struct parse_ctx *ctx = user;
	(void)section; /* the reader tracked the section header, with its line */
	if (ctx->section_count == 0)
		return fail(ctx, STATION_CONFIG_ERR_KEY, ctx->line,
			    "%s: key outside any section; valid: inside [station], [slot N] or "
			    "[credential NAME]",
			    key);
	struct section *sec = &ctx->sections[ctx->section_count - 1];
	if (sec->kind == SEC_UNKNOWN)
		return 0; /* already reported at the header */
	unsigned bit = key_bit(sec->kind, key);
	if (bit != 0) {
		if (sec->keys & bit)
			return fail(ctx, STATION_CONFIG_ERR_KEY, ctx->line,
				    "%s %s: duplicate key (or a continuation line); valid: once "
				    "per section",
				    sec->display, key);
		sec->keys |= bit;
	}
	switch (sec->kind) {
	case SEC_STATION:
		return station_key(ctx, sec, key, value);
	case SEC_SLOT:
		return slot_key(ctx, sec, key, value);
	case SEC_CREDENTIAL:
		return credential_key(ctx, sec, key, value);
	default:
		return 0;
	}
}

/* A section header line, seen by the reader before inih parses it. The
 * header's line number is only known here, and inih does not report empty
 * sections, so sections are registered from the raw text. */
static void on_section_header(struct parse_ctx *ctx, const char *line, size_t len)
{
	const char *close = memchr(line, ']', len);
	if (close == NULL)
		return; /* inih reports the syntax error */
	char name[128];
	size_t n = (size_t)(close - line) - 1;
	const char *start = line + 1;
	while (n > 0 && (*start == ' ' || *start == '\t'))
		start++, n--;
	while (n > 0 && (start[n - 1] == ' ' || start[n - 1] == '\t'))
		n--;
	if (n >= sizeof name)
		n = sizeof name - 1;
	memcpy(name, start, n);
	name[n] = '\0';

	if (ctx->section_count >= CONFIG_MAX_SECTIONS) {
		fail(ctx, STATION_CONFIG_ERR_VALUE, ctx->line, "[%s]: more than %u sections", name,
		     CONFIG_MAX_SECTIONS);
		ctx->section_count = CONFIG_MAX_SECTIONS - 1; /* keep parsing safely */
	}
	struct section *sec = &ctx->sections[ctx->section_count++];
	memset(sec, 0, sizeof *sec);
	sec->line = ctx->line;
	sec->kind = SEC_UNKNOWN;
	snprintf(sec->display, sizeof sec->display, "[%.60s]", name);
	struct station_config *cfg = ctx->cfg;

	if (strcmp(name, "station") == 0) {
		if (ctx->station_seen) {
			fail(ctx, STATION_CONFIG_ERR_KEY, ctx->line,
			     "[station]: duplicate section; valid: one [station]");
			return;
		}
		ctx->station_seen = true;
		sec->kind = SEC_STATION;
	} else if (strncmp(name, "slot", 4) == 0 && (name[4] == ' ' || name[4] == '\0')) {
		const char *num = name + 4;
		while (*num == ' ')
			num++;
		uint64_t v;
		if (!parse_uint(num, STATION_MAX_SLOTS, &v) || v == 0) {
			fail(ctx, STATION_CONFIG_ERR_KEY, ctx->line,
			     "%s: bad slot number; valid: [slot N] with N from 1 to %u",
			     sec->display, STATION_MAX_SLOTS);
			return;
		}
		for (size_t i = 0; i < cfg->slot_count; i++)
			if (cfg->slots[i].number == v) {
				fail(ctx, STATION_CONFIG_ERR_KEY, ctx->line,
				     "%s: duplicate section (first at line %u); valid: each slot "
				     "once",
				     sec->display, cfg->slots[i].line);
				return;
			}
		snprintf(sec->display, sizeof sec->display, "[slot %u]", (unsigned)v);
		sec->kind = SEC_SLOT;
		sec->index = cfg->slot_count++;
		cfg->slots[sec->index].number = (unsigned)v;
		cfg->slots[sec->index].line = ctx->line;
	} else if (strncmp(name, "credential", 10) == 0 && (name[10] == ' ' || name[10] == '\0')) {
		const char *cname = name + 10;
		while (*cname == ' ')
			cname++;
		if (!valid_name(cname, STATION_NAME_MAX)) {
			fail(ctx, STATION_CONFIG_ERR_KEY, ctx->line,
			     "%s: bad credential name; valid: [credential NAME], NAME of letters, "
			     "digits, '_', '-', '.'",
			     sec->display);
			return;
		}
		for (size_t i = 0; i < cfg->credential_count; i++)
			if (strcmp(cfg->credentials[i].name, cname) == 0) {
				fail(ctx, STATION_CONFIG_ERR_KEY, ctx->line,
				     "%s: duplicate section (first at line %u); valid: each "
				     "credential name once",
				     sec->display, cfg->credentials[i].line);
				return;
			}
		if (cfg->credential_count >= STATION_MAX_CREDENTIALS) {
			fail(ctx, STATION_CONFIG_ERR_VALUE, ctx->line,
			     "%s: more than %u credentials", sec->display, STATION_MAX_CREDENTIALS);
			return;
		}
		sec->kind = SEC_CREDENTIAL;
		sec->index = cfg->credential_count++;
		struct station_credential_config *c = &cfg->credentials[sec->index];
		/* valid_name() bounded cname to STATION_NAME_MAX - 1 bytes. */
		memcpy(c->name, cname, strlen(cname) + 1);
		c->type = -1;
		c->line = ctx->line;
	} else {
		fail(ctx, STATION_CONFIG_ERR_KEY, ctx->line,
		     "%s: unknown section; valid: [station], [slot N], [credential NAME]",
		     sec->display);
	}
}

/* inih reader over the in-memory text: hands out one line per call, so the
 * number of calls is the line number inih is working on. A line longer than
 * inih's buffer is an error (inih would otherwise split it silently). */
static char *reader(char *str, int num, void *stream)
{
	struct parse_ctx *ctx = stream;
	if (ctx->pos >= ctx->len || num < 2)
		return NULL;
	const char *start = ctx->text + ctx->pos;
	size_t rest = ctx->len - ctx->pos;
	const char *nl = memchr(start, '\n', rest);
	size_t line_len = nl ? (size_t)(nl - start) + 1 : rest;
	ctx->pos += line_len;
	ctx->line++;

	if (line_len > (size_t)num - 1) {
		fail(ctx, STATION_CONFIG_ERR_SYNTAX, ctx->line,
		     "line longer than %d characters; valid: shorter lines (put long "
		     "credentials in a file)",
		     num - 2);
		str[0] = '\n';
		str[1] = '\0';
		return str;
	}
	memcpy(str, start, line_len);
	str[line_len] = '\0';

	const char *p = str;
	if (ctx->line == 1 && strncmp(p, "\xEF\xBB\xBF", 3) == 0)
		p += 3; /* UTF-8 BOM, which inih skips too */
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '[')
		on_section_header(ctx, p, strlen(p));
	return str;
}

static station_config_err check_complete(struct parse_ctx *ctx)
{
	struct station_config *cfg = ctx->cfg;
	for (size_t i = 0; i < ctx->section_count; i++) {
		const struct section *sec = &ctx->sections[i];
		if (sec->kind == SEC_SLOT && !(sec->keys & K_PROBE)) {
			fail(ctx, STATION_CONFIG_ERR_MISSING, sec->line,
			     "%s probe: missing; valid: probe = <J-Link serial>", sec->display);
		} else if (sec->kind == SEC_CREDENTIAL) {
			if (!(sec->keys & K_SECTAG))
				fail(ctx, STATION_CONFIG_ERR_MISSING, sec->line,
				     "%s sec_tag: missing; valid: sec_tag = 0 to %u", sec->display,
				     NRFCRED_SEC_TAG_MAX);
			else if (!(sec->keys & K_TYPE))
				fail(ctx, STATION_CONFIG_ERR_MISSING, sec->line,
				     "%s type: missing; valid: type = ca_cert, client_cert, "
				     "client_key, psk, psk_identity, public_key, "
				     "device_id_public_key",
				     sec->display);
			else if (!(sec->keys & (K_FILE | K_VALUE)))
				fail(ctx, STATION_CONFIG_ERR_MISSING, sec->line,
				     "%s file: missing; valid: file = PATH or value = TEXT",
				     sec->display);
			else if ((sec->keys & K_FILE) && (sec->keys & K_VALUE))
				fail(ctx, STATION_CONFIG_ERR_KEY, sec->line,
				     "%s value: both file and value given; valid: one of them",
				     sec->display);
		}
		if (ctx->err != STATION_CONFIG_OK)
			return ctx->err;
	}
	if (cfg->slot_count == 0)
		return fail(ctx, STATION_CONFIG_ERR_MISSING, ctx->line,
			    "[slot N]: no slot; valid: at least one [slot N] with probe = SERIAL"),
		       ctx->err;
	for (size_t i = 0; i < cfg->slot_count; i++)
		for (size_t j = i + 1; j < cfg->slot_count; j++)
			if (cfg->slots[i].serial == cfg->slots[j].serial)
				return fail(ctx, STATION_CONFIG_ERR_VALUE, cfg->slots[j].line,
					    "[slot %u] probe: %s is already slot %u's probe (line "
					    "%u); valid: one slot per probe",
					    cfg->slots[j].number, cfg->slots[j].probe,
					    cfg->slots[i].number, cfg->slots[i].line),
				       ctx->err;
	for (size_t i = 0; i < cfg->credential_count; i++)
		for (size_t j = i + 1; j < cfg->credential_count; j++)
			if (cfg->credentials[i].sec_tag == cfg->credentials[j].sec_tag &&
			    cfg->credentials[i].type == cfg->credentials[j].type)
				return fail(ctx, STATION_CONFIG_ERR_VALUE, cfg->credentials[j].line,
					    "[credential %s] type: sec_tag %u already has a %s "
					    "([credential %s], line %u); valid: one credential per "
					    "(sec_tag, type)",
					    cfg->credentials[j].name, cfg->credentials[j].sec_tag,
					    station_credential_type_name(cfg->credentials[j].type),
					    cfg->credentials[i].name, cfg->credentials[i].line),
				       ctx->err;
	return STATION_CONFIG_OK;
}

static int compare_slots(const void *a, const void *b)
{
	const struct station_slot_config *x = a, *y = b;
	return (x->number > y->number) - (x->number < y->number);
}

/* The station name defaults to the file's base name without extension. */
static void default_name(struct station_config *cfg)
{
	const char *base = strrchr(cfg->path, '/');
	base = base ? base + 1 : cfg->path;
	size_t n = 0;
	while (base[n] && base[n] != '.' && n + 1 < sizeof cfg->name) {
		cfg->name[n] = is_name_char(base[n]) ? base[n] : (char)'_';
		n++;
	}
	cfg->name[n] = '\0';
	if (n == 0)
		snprintf(cfg->name, sizeof cfg->name, "station");
}

station_config_err station_config_parse(const char *text, const char *path,
					struct station_config **out, char *err, size_t errlen)
{
	*out = NULL;
	if (err && errlen)
		err[0] = '\0';
	struct station_config *cfg = calloc(1, sizeof *cfg);
	struct parse_ctx *ctx = calloc(1, sizeof *ctx);
	if (cfg == NULL || ctx == NULL) {
		free(cfg);
		free(ctx);
		if (err && errlen)
			snprintf(err, errlen, "%s: out of memory", path);
		return STATION_CONFIG_ERR_NOMEM;
	}
	cfg->path = strdup(path);
	const char *slash = strrchr(path, '/');
	cfg->dir = slash ? strndup(path, slash == path ? 1 : (size_t)(slash - path)) : strdup(".");
	cfg->timeout_ms = STATION_DEFAULT_TIMEOUT_MS;
	cfg->swd_khz = STATION_DEFAULT_SWD_KHZ;
	cfg->retries = STATION_DEFAULT_RETRIES;
	ctx->cfg = cfg;
	ctx->errbuf = err;
	ctx->errlen = errlen;
	if (cfg->path == NULL || cfg->dir == NULL) {
		station_config_free(cfg);
		free(ctx);
		return STATION_CONFIG_ERR_NOMEM;
	}
	ctx->text = text;
	ctx->len = strlen(text);

	int rc = ini_parse_stream(reader, ctx, handler, ctx);
	if (rc > 0 && (ctx->err == STATION_CONFIG_OK || (unsigned)rc < ctx->err_line)) {
		ctx->err = STATION_CONFIG_OK;
		fail(ctx, STATION_CONFIG_ERR_SYNTAX, (unsigned)rc,
		     "not an INI line; valid: [section], key = value, or a ; / # comment");
	} else if (rc < 0 && ctx->err == STATION_CONFIG_OK) {
		fail(ctx, STATION_CONFIG_ERR_NOMEM, 0, "out of memory");
	}
	if (ctx->err == STATION_CONFIG_OK)
		check_complete(ctx);
	if (ctx->err == STATION_CONFIG_OK && cfg->log_dir == NULL) {
		cfg->log_dir = resolve_path(cfg, STATION_DEFAULT_LOG_DIR);
		if (cfg->log_dir == NULL)
			fail(ctx, STATION_CONFIG_ERR_NOMEM, 0, "out of memory");
	}
	station_config_err result = ctx->err;
	free(ctx);
	if (result != STATION_CONFIG_OK) {
		station_config_free(cfg);
		return result;
	}
	if (cfg->name[0] == '\0')
		default_name(cfg);
	qsort(cfg->slots, cfg->slot_count, sizeof cfg->slots[0], compare_slots);
	*out = cfg;
	return STATION_CONFIG_OK;
}

station_config_err station_config_load(const char *path, struct station_config **out, char *err,
				       size_t errlen)
{
	*out = NULL;
	FILE *f = fopen(path, "rb");
	if (f == NULL) {
		if (err && errlen)
			snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
		return STATION_CONFIG_ERR_IO;
	}
	char *buf = malloc(CONFIG_MAX_BYTES + 1);
	if (buf == NULL) {
		fclose(f);
		return STATION_CONFIG_ERR_NOMEM;
	}
	size_t n = fread(buf, 1, CONFIG_MAX_BYTES + 1, f);
	bool bad = ferror(f) != 0;
	fclose(f);
	if (bad || n > CONFIG_MAX_BYTES) {
		if (err && errlen)
			snprintf(err, errlen, "%s: %s", path,
				 bad ? "read error" : "larger than 1 MiB; not a station file");
		free(buf);
		return STATION_CONFIG_ERR_IO;
	}
	if (memchr(buf, '\0', n) != NULL) {
		if (err && errlen)
			snprintf(err, errlen, "%s: contains a NUL byte; not a text file", path);
		free(buf);
		return STATION_CONFIG_ERR_SYNTAX;
	}
	buf[n] = '\0';
	station_config_err rc = station_config_parse(buf, path, out, err, errlen);
	free(buf);
	return rc;
}

static void wipe_free(char *s)
{
	if (s == NULL)
		return;
	volatile char *p = s;
	while (*p)
		*p++ = 0;
	free(s);
}

void station_config_free(struct station_config *cfg)
{
	if (cfg == NULL)
		return;
	for (size_t i = 0; i < cfg->credential_count; i++) {
		free(cfg->credentials[i].file);
		wipe_free(cfg->credentials[i].value);
	}
	free(cfg->path);
	free(cfg->dir);
	free(cfg->provisioner);
	free(cfg->app);
	free(cfg->log_dir);
	free(cfg);
}
