#include "station/config.h"
#include "station/config_priv.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <ini.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cred/secure_mem.h"
#include "nrfcred/provision.h"

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
int config_fail(struct parse_ctx *ctx, station_config_err err, unsigned line, const char *fmt, ...)
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

static int handler(void *user, const char *section, const char *key, const char *value)
{
	struct parse_ctx *ctx = user;
	(void)section; /* the reader tracked the section header, with its line */
	if (ctx->section_count == 0)
		return config_fail(
			ctx, STATION_CONFIG_ERR_KEY, ctx->line,
			"%s: key outside any section; valid: inside [station], [slot N] or "
			"[credential NAME]",
			key);
	struct section *sec = &ctx->sections[ctx->section_count - 1];
	if (sec->kind == SEC_UNKNOWN)
		return 0; /* already reported at the header */
	config_key_bits bit = config_key_bit(sec->kind, key);
	if (bit != 0) {
		if (sec->keys & bit)
			return config_fail(
				ctx, STATION_CONFIG_ERR_KEY, ctx->line,
				"%s %s: duplicate key (or a continuation line); valid: once "
				"per section",
				sec->display, key);
		sec->keys |= bit;
	}
	switch (sec->kind) {
	case SEC_STATION:
		return config_station_key(ctx, sec, key, value);
	case SEC_SLOT:
		return config_slot_key(ctx, sec, key, value);
	case SEC_CREDENTIAL:
		return config_credential_key(ctx, sec, key, value);
	case SEC_CA:
		return config_ca_key(ctx, sec, key, value);
	case SEC_DATABASE:
		return config_database_key(ctx, sec, key, value);
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
		config_fail(ctx, STATION_CONFIG_ERR_VALUE, ctx->line, "[%s]: more than %u sections",
			    name, CONFIG_MAX_SECTIONS);
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
			config_fail(ctx, STATION_CONFIG_ERR_KEY, ctx->line,
				    "[station]: duplicate section; valid: one [station]");
			return;
		}
		ctx->station_seen = true;
		sec->kind = SEC_STATION;
	} else if (strcmp(name, "database") == 0) {
		if (ctx->database_seen) {
			config_fail(ctx, STATION_CONFIG_ERR_KEY, ctx->line,
				    "[database]: duplicate section; valid: one [database]");
			return;
		}
		ctx->database_seen = true;
		sec->kind = SEC_DATABASE;
	} else if (strncmp(name, "slot", 4) == 0 && (name[4] == ' ' || name[4] == '\0')) {
		const char *num = name + 4;
		while (*num == ' ')
			num++;
		uint64_t v;
		if (!config_parse_uint(num, STATION_MAX_SLOTS, &v) || v == 0) {
			config_fail(ctx, STATION_CONFIG_ERR_KEY, ctx->line,
				    "%s: bad slot number; valid: [slot N] with N from 1 to %u",
				    sec->display, STATION_MAX_SLOTS);
			return;
		}
		for (size_t i = 0; i < cfg->slot_count; i++)
			if (cfg->slots[i].number == v) {
				config_fail(ctx, STATION_CONFIG_ERR_KEY, ctx->line,
					    "%s: duplicate section (first at line %u); valid: each "
					    "slot "
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
		if (!config_valid_name(cname, STATION_NAME_MAX)) {
			config_fail(ctx, STATION_CONFIG_ERR_KEY, ctx->line,
				    "%s: bad credential name; valid: [credential NAME], NAME of "
				    "letters, "
				    "digits, '_', '-', '.'",
				    sec->display);
			return;
		}
		for (size_t i = 0; i < cfg->credential_count; i++)
			if (strcmp(cfg->credentials[i].name, cname) == 0) {
				config_fail(ctx, STATION_CONFIG_ERR_KEY, ctx->line,
					    "%s: duplicate section (first at line %u); valid: each "
					    "credential name once",
					    sec->display, cfg->credentials[i].line);
				return;
			}
		if (cfg->credential_count >= STATION_MAX_CREDENTIALS) {
			config_fail(ctx, STATION_CONFIG_ERR_VALUE, ctx->line,
				    "%s: more than %u credentials", sec->display,
				    STATION_MAX_CREDENTIALS);
			return;
		}
		sec->kind = SEC_CREDENTIAL;
		sec->index = cfg->credential_count++;
		struct station_credential_config *c = &cfg->credentials[sec->index];
		/* config_valid_name() bounded cname to STATION_NAME_MAX - 1 bytes. */
		memcpy(c->name, cname, strlen(cname) + 1);
		c->type = -1;
		c->line = ctx->line;
	} else if (strcmp(name, "ca") == 0) {
		if (cfg->ca.line != 0) {
			config_fail(ctx, STATION_CONFIG_ERR_KEY, ctx->line,
				    "[ca]: duplicate section (first at line %u); valid: one [ca]",
				    cfg->ca.line);
			return;
		}
		sec->kind = SEC_CA;
		cfg->ca.line = ctx->line;
		cfg->ca.days = STATION_CA_DEFAULT_DAYS;
	} else {
		config_fail(ctx, STATION_CONFIG_ERR_KEY, ctx->line,
			    "%s: unknown section; valid: [station], [slot N], [credential NAME], "
			    "[ca], [database]",
			    sec->display);
	}
}

/* inih reader over the in-memory text: hands out one line per call, so the
 * number of calls is the line number inih is working on. A line longer than
 * inih's buffer is an error (inih would otherwise split it silently). */
static char *reader(char *str, int num, void *stream)
{
	struct parse_ctx *ctx = stream;
	/* inih is done with the line it asked for last (a PSK `value =`):
	 * wipe its buffer, tail included, before the next line or the end. */
	if (num > 0)
		explicit_bzero(str, (size_t)num);
	if (ctx->pos >= ctx->len || num < 2)
		return NULL;
	const char *start = ctx->text + ctx->pos;
	size_t rest = ctx->len - ctx->pos;
	const char *nl = memchr(start, '\n', rest);
	size_t line_len = nl ? (size_t)(nl - start) + 1 : rest;
	ctx->pos += line_len;
	ctx->line++;

	if (line_len > (size_t)num - 1) {
		config_fail(ctx, STATION_CONFIG_ERR_SYNTAX, ctx->line,
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
			config_fail(ctx, STATION_CONFIG_ERR_MISSING, sec->line,
				    "%s probe: missing; valid: probe = <J-Link serial>",
				    sec->display);
		} else if (sec->kind == SEC_CREDENTIAL &&
			   ctx->cfg->credentials[sec->index].type == NRFCRED_TYPE_KEYGEN) {
			config_keygen_check_credential(ctx, sec);
		} else if (sec->kind == SEC_CA) {
			config_keygen_check_ca(ctx, sec);
		} else if (sec->kind == SEC_CREDENTIAL) {
			if ((sec->keys & (K_SUBJECT | K_KEY_USAGE)) != 0)
				config_fail(ctx, STATION_CONFIG_ERR_KEY, sec->line,
					    "%s subject: only for type = keygen; valid: remove subject "
					    "and key_usage, or type = keygen",
					    sec->display);
			else if (!(sec->keys & K_SECTAG))
				config_fail(ctx, STATION_CONFIG_ERR_MISSING, sec->line,
					    "%s sec_tag: missing; valid: sec_tag = 0 to %u",
					    sec->display, NRFCRED_SEC_TAG_MAX);
			else if (!(sec->keys & K_TYPE))
				config_fail(ctx, STATION_CONFIG_ERR_MISSING, sec->line,
					    "%s type: missing; valid: type = ca_cert, client_cert, "
					    "client_key, psk, psk_identity, public_key, "
					    "device_id_public_key",
					    sec->display);
			else if (!(sec->keys & (K_FILE | K_VALUE | K_SOURCE)))
				config_fail(ctx, STATION_CONFIG_ERR_MISSING, sec->line,
					    "%s file: missing; valid: file = PATH, value = TEXT or "
					    "source = pool:NAME",
					    sec->display);
			else if (__builtin_popcountll(sec->keys & (K_FILE | K_VALUE | K_SOURCE)) > 1)
				config_fail(ctx, STATION_CONFIG_ERR_KEY, sec->line,
					    "%s: more than one of file, value and source given; "
					    "valid: one of them",
					    sec->display);
		}
		if (ctx->err != STATION_CONFIG_OK)
			return ctx->err;
	}
	for (size_t i = 0; i < cfg->credential_count; i++) {
		const struct station_credential_config *c = &cfg->credentials[i];
		if (c->random_len > 0 && c->type != NRFCRED_TYPE_PSK)
			return config_fail(ctx, STATION_CONFIG_ERR_VALUE, c->line,
					   "[credential %s] value: random:N is for a PSK, this is "
					   "a %s; valid: type = psk, or the credential itself",
					   c->name, station_credential_type_name(c->type)),
			       ctx->err;
		if (c->random_len > 0 && cfg->secrets_out == NULL)
			return config_fail(ctx, STATION_CONFIG_ERR_MISSING, c->line,
					   "[credential %s] value: random:%u needs somewhere to "
					   "keep the PSKs; valid: set [station] secrets_out = FILE",
					   c->name, c->random_len),
			       ctx->err;
		/* With the flash delivery the table is in the image PROGRAM
		 * writes, before the board has said its IMEI. */
		if (c->pool[0] != '\0' && cfg->delivery == STATION_DELIVERY_FLASH)
			return config_fail(ctx, STATION_CONFIG_ERR_VALUE, c->line,
					   "[credential %s] source: a credential pool's bundle is "
					   "claimed at the RAM session's READY, once the board has "
					   "said its IMEI; the flash delivery writes the table "
					   "before that; valid: delivery = ram",
					   c->name),
			       ctx->err;
		if (c->pool[0] != '\0' && cfg->db_pool_key == NULL)
			return config_fail(ctx, STATION_CONFIG_ERR_MISSING, c->line,
					   "[credential %s] source: pool:%s needs the pool's key "
					   "file to decrypt its keys and PSKs; valid: set "
					   "[database] pool_key = FILE (the one nrfcred pool "
					   "import --key-file used)",
					   c->name, c->pool),
			       ctx->err;
		const struct station_credential_config *first = cfg->credentials;
		while (first < c && first->pool[0] == '\0')
			first++;
		if (c->pool[0] != '\0' && strcmp(c->pool, first->pool) != 0)
			return config_fail(ctx, STATION_CONFIG_ERR_VALUE, c->line,
					   "[credential %s] source: pool:%s, but [credential %s] "
					   "takes pool:%s; a board claims one bundle of one pool; "
					   "valid: the same pool for every pool credential",
					   c->name, c->pool, first->name, first->pool),
			       ctx->err;
		if (station_credential_per_device(c) && cfg->delivery == STATION_DELIVERY_FLASH)
			return config_fail(ctx, STATION_CONFIG_ERR_VALUE, c->line,
					   "[credential %s] %s: a per-device credential (${...} or "
					   "random:N) needs the RAM session, which learns the IMEI "
					   "before the table goes out; valid: delivery = ram, or a "
					   "credential without ${...}",
					   c->name, c->file_template ? "file" : "value"),
			       ctx->err;
	}
	if (config_keygen_check_station(ctx) != STATION_CONFIG_OK)
		return ctx->err;
	if (cfg->lock && cfg->app == NULL)
		return config_fail(ctx, STATION_CONFIG_ERR_MISSING, ctx->line,
				   "[station] lock: yes needs an application to lock; valid: "
				   "set [station] app, or lock = no"),
		       ctx->err;
	if (cfg->slot_count == 0)
		return config_fail(ctx, STATION_CONFIG_ERR_MISSING, ctx->line,
				   "[slot N]: no slot; valid: at least one [slot N] with probe = "
				   "SERIAL"),
		       ctx->err;
	for (size_t i = 0; i < cfg->slot_count; i++)
		for (size_t j = i + 1; j < cfg->slot_count; j++)
			if (cfg->slots[i].serial == cfg->slots[j].serial)
				return config_fail(ctx, STATION_CONFIG_ERR_VALUE,
						   cfg->slots[j].line,
						   "[slot %u] probe: %s is already slot %u's probe "
						   "(line "
						   "%u); valid: one slot per probe",
						   cfg->slots[j].number, cfg->slots[j].probe,
						   cfg->slots[i].number, cfg->slots[i].line),
				       ctx->err;
	for (size_t i = 0; i < cfg->credential_count; i++)
		for (size_t j = i + 1; j < cfg->credential_count; j++)
			if (cfg->credentials[i].sec_tag == cfg->credentials[j].sec_tag &&
			    cfg->credentials[i].type == cfg->credentials[j].type)
				return config_fail(
					       ctx, STATION_CONFIG_ERR_VALUE,
					       cfg->credentials[j].line,
					       "[credential %s] type: sec_tag %u already has a %s "
					       "([credential %s], line %u); valid: one credential "
					       "per "
					       "(sec_tag, type)",
					       cfg->credentials[j].name,
					       cfg->credentials[j].sec_tag,
					       station_credential_type_name(
						       cfg->credentials[j].type),
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
		cfg->name[n] = config_is_name_char(base[n]) ? base[n] : (char)'_';
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
		config_fail(ctx, STATION_CONFIG_ERR_SYNTAX, (unsigned)rc,
			    "not an INI line; valid: [section], key = value, or a ; / # comment");
	} else if (rc < 0 && ctx->err == STATION_CONFIG_OK) {
		config_fail(ctx, STATION_CONFIG_ERR_NOMEM, 0, "out of memory");
	}
	if (ctx->err == STATION_CONFIG_OK)
		check_complete(ctx);
	if (ctx->err == STATION_CONFIG_OK && cfg->log_dir == NULL) {
		cfg->log_dir = config_resolve_path(cfg, STATION_DEFAULT_LOG_DIR);
		if (cfg->log_dir == NULL)
			config_fail(ctx, STATION_CONFIG_ERR_NOMEM, 0, "out of memory");
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

/* The file's text into a secure_mem block, by read(2): stdio would keep
 * a copy of the text (a PSK `value =`) in its own buffer, freed unwiped. */
static station_config_err read_text(const char *path, char **out, char *err, size_t errlen)
{
	*out = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (err && errlen)
			snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
		return STATION_CONFIG_ERR_IO;
	}
	/* One byte more than the file should hold: reading it means the file is
	 * too large (or grew while being read). */
	struct stat st;
	size_t cap = CONFIG_MAX_BYTES + 1;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size >= 0 &&
	    (uintmax_t)st.st_size < CONFIG_MAX_BYTES)
		cap = (size_t)st.st_size + 1;
	char *buf = secure_mem_alloc(cap + 1);
	if (buf == NULL) {
		close(fd);
		return STATION_CONFIG_ERR_NOMEM;
	}
	size_t n = 0;
	bool bad = false;
	while (n < cap) {
		ssize_t r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			bad = r < 0;
			break;
		}
		n += (size_t)r;
	}
	close(fd);
	const char *why = bad			 ? "read error"
			  : n > CONFIG_MAX_BYTES ? "larger than 1 MiB; not a station file"
			  : n == cap		 ? "changed while being read; try again"
						 : NULL;
	if (why == NULL && memchr(buf, '\0', n) != NULL)
		why = "contains a NUL byte; not a text file";
	if (why != NULL) {
		if (err && errlen)
			snprintf(err, errlen, "%s: %s", path, why);
		secure_mem_free(buf);
		return strstr(why, "NUL") ? STATION_CONFIG_ERR_SYNTAX : STATION_CONFIG_ERR_IO;
	}
	buf[n] = '\0';
	*out = buf;
	return STATION_CONFIG_OK;
}

station_config_err station_config_load(const char *path, struct station_config **out, char *err,
				       size_t errlen)
{
	*out = NULL;
	char *text = NULL;
	station_config_err rc = read_text(path, &text, err, errlen);
	if (rc != STATION_CONFIG_OK)
		return rc;
	rc = station_config_parse(text, path, out, err, errlen);
	secure_mem_free(text);
	return rc;
}

void station_config_free(struct station_config *cfg)
{
	if (cfg == NULL)
		return;
	for (size_t i = 0; i < cfg->credential_count; i++) {
		free(cfg->credentials[i].file);
		free(cfg->credentials[i].file_template);
		secure_mem_free(cfg->credentials[i].value);
		free(cfg->credentials[i].subject);
	}
	free(cfg->onboard_device_id);
	free(cfg->ca.cert);
	free(cfg->ca.key);
	free(cfg->path);
	free(cfg->dir);
	free(cfg->provisioner);
	free(cfg->app);
	free(cfg->log_dir);
	free(cfg->fingerprint_key);
	free(cfg->secrets_out);
	secure_mem_free(cfg->db_url);
	free(cfg->db_pool_key);
	free(cfg);
}
