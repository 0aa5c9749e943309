/* The spool line codec (db_spool.h): pure, no I/O, fuzzed. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db/db_spool.h"
#include "image/digest.h"
#include "io/fd_write.h"

/* Rows of 0.2 before --reprovision reached the database have 22 fields (no
 * reprovisioned); they still parse. */
#define FIELDS	     23u
#define FIELDS_PRE_2 22u

static bool needs_escape(unsigned char c)
{
	return c < 0x20 || c > 0x7e || c == '%' || c == '\t';
}

/* Appends s escaped; false when cap is reached. */
static bool put_field(char *out, size_t cap, size_t *pos, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	if (*pos + 1 >= cap)
		return false;
	out[(*pos)++] = '\t';
	for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
		if (needs_escape(*p)) {
			if (*pos + 3 >= cap)
				return false;
			out[(*pos)++] = '%';
			out[(*pos)++] = hex[*p >> 4];
			out[(*pos)++] = hex[*p & 15];
		} else {
			if (*pos + 1 >= cap)
				return false;
			out[(*pos)++] = (char)*p;
		}
	}
	return true;
}

bool db_spool_format(const struct db_board_row *r, char **out, size_t *len)
{
	char slot[16], dev[24], dur[24];
	snprintf(slot, sizeof slot, "%u", r->slot);
	snprintf(dev, sizeof dev, "%016" PRIx64, r->device_id);
	snprintf(dur, sizeof dur, "%" PRIu64, r->duration_ms);
	const char *f[FIELDS] = {
		r->uuid,
		r->run,
		r->run_started_at,
		r->station,
		slot,
		r->probe,
		r->imei,
		dev,
		r->started_at,
		r->finished_at,
		dur,
		r->passed ? "pass" : "fail",
		r->failed_step,
		r->cause,
		r->part,
		r->modem_fw,
		r->sec_tags,
		r->cred_sha256,
		r->provisioner_sha256,
		r->app_sha256,
		r->version,
		r->delivery,
		r->reprovisioned ? "yes" : "",
	};
	char *buf = malloc(DB_SPOOL_LINE_MAX);
	if (buf == NULL)
		return false;
	size_t pos = strlen(DB_SPOOL_MAGIC);
	memcpy(buf, DB_SPOOL_MAGIC, pos);
	for (unsigned i = 0; i < FIELDS; i++)
		if (!put_field(buf, DB_SPOOL_LINE_MAX - 16, &pos, f[i])) {
			free(buf);
			return false;
		}
	uint32_t crc = crc32_ieee(buf, pos);
	pos += (size_t)snprintf(buf + pos, DB_SPOOL_LINE_MAX - pos, "\tcrc=%08" PRIx32 "\n", crc);
	*out = buf;
	*len = pos;
	return true;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static bool parse_u64(const char *s, int base, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	if (*s == '\0' || strlen(s) > 20)
		return false;
	for (; *s; s++) {
		int d = base == 16 ? hexval(*s) : (*s >= '0' && *s <= '9' ? *s - '0' : -1);
		if (d < 0 || v > (max - (uint64_t)d) / (uint64_t)base)
			return false;
		v = v * (uint64_t)base + (uint64_t)d;
	}
	*out = v;
	return true;
}

static bool is_uuid(const char *s)
{
	if (strlen(s) != 36)
		return false;
	for (int i = 0; i < 36; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;
		if (dash ? s[i] != '-' : hexval(s[i]) < 0)
			return false;
	}
	return true;
}

bool db_spool_parse(const char *line, size_t len, struct db_spool_entry *e, const char **why)
{
	static const char crc_tag[] = "\tcrc=";
	memset(&e->row, 0, sizeof e->row);
	*why = NULL;
	size_t mlen = strlen(DB_SPOOL_MAGIC);
	if (len >= DB_SPOOL_LINE_MAX)
		return *why = "line too long", false;
	if (len < mlen || memcmp(line, DB_SPOOL_MAGIC, mlen) != 0)
		return *why = "not a spool line (no " DB_SPOOL_MAGIC ")", false;
	/* The CRC: the last field, exactly 8 hex digits. */
	size_t tag = sizeof crc_tag - 1;
	if (len < mlen + tag + 8 || memcmp(line + len - 8 - tag, crc_tag, tag) != 0)
		return *why = "no CRC (a torn write?)", false;
	char crc_hex[9];
	memcpy(crc_hex, line + len - 8, 8);
	crc_hex[8] = '\0';
	uint64_t crc;
	if (!parse_u64(crc_hex, 16, UINT32_MAX, &crc))
		return *why = "bad CRC field", false;
	size_t body = len - 8 - tag;
	if ((uint32_t)crc != crc32_ieee(line, body))
		return *why = "CRC mismatch", false;

	/* Fields after the magic, unescaped into e->text. */
	const char *f[FIELDS];
	size_t out = 0, i = mlen;
	unsigned n = 0;
	while (i < body) {
		if (line[i] != '\t' || n == FIELDS)
			return *why = "wrong number of fields", false;
		i++;
		f[n++] = e->text + out;
		while (i < body && line[i] != '\t') {
			unsigned char c = (unsigned char)line[i];
			if (c == '%') {
				int hi = i + 2 < body ? hexval(line[i + 1]) : -1;
				int lo = hi >= 0 ? hexval(line[i + 2]) : -1;
				if (lo < 0)
					return *why = "bad %XX escape", false;
				c = (unsigned char)(hi << 4 | lo);
				i += 3;
			} else if (needs_escape(c)) {
				return *why = "a byte that should have been escaped", false;
			} else {
				i++;
			}
			/* A NUL would cut the field short (and PostgreSQL text has none). */
			if (c == '\0')
				return *why = "a field holds a NUL byte", false;
			e->text[out++] = (char)c;
		}
		e->text[out++] = '\0'; /* out <= i < DB_SPOOL_LINE_MAX: escapes only shrink */
	}
	if (n != FIELDS && n != FIELDS_PRE_2)
		return *why = "wrong number of fields", false;
	struct db_board_row *r = &e->row;
	uint64_t v;
	if (!is_uuid(f[0]) || !is_uuid(f[1]))
		return *why = "bad uuid", false;
	memcpy(r->uuid, f[0], 37);
	memcpy(r->run, f[1], 37);
	r->run_started_at = f[2];
	r->station = f[3];
	if (!parse_u64(f[4], 10, 1000000, &v))
		return *why = "bad slot", false;
	r->slot = (unsigned)v;
	r->probe = f[5];
	r->imei = f[6];
	if (strlen(f[7]) != 16 || !parse_u64(f[7], 16, UINT64_MAX, &r->device_id))
		return *why = "bad DEVICEID", false;
	r->started_at = f[8];
	r->finished_at = f[9];
	if (!parse_u64(f[10], 10, UINT64_MAX, &r->duration_ms))
		return *why = "bad duration", false;
	if (strcmp(f[11], "pass") == 0)
		r->passed = true;
	else if (strcmp(f[11], "fail") != 0)
		return *why = "bad result", false;
	if (f[3][0] == '\0' || f[2][0] == '\0' || f[8][0] == '\0' || f[9][0] == '\0')
		return *why = "an empty station or time", false;
	r->failed_step = f[12];
	r->cause = f[13];
	r->part = f[14];
	r->modem_fw = f[15];
	r->sec_tags = f[16];
	r->cred_sha256 = f[17];
	r->provisioner_sha256 = f[18];
	r->app_sha256 = f[19];
	r->version = f[20];
	r->delivery = f[21];
	if (n == FIELDS && strcmp(f[22], "yes") == 0)
		r->reprovisioned = true;
	else if (n == FIELDS && f[22][0] != '\0')
		return *why = "bad reprovisioned", false;
	return true;
}

bool db_spool_write_synced(int fd, const char *buf, size_t len)
{
	return fd_write_all(fd, buf, len, NULL) == 0 && fsync(fd) == 0;
}
