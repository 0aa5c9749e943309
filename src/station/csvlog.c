#include "station/csvlog.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/fd_write.h"

struct csvlog {
	int fd;
	char *path;
};

const char *csvlog_strerror(csvlog_err err)
{
	switch (err) {
	case CSVLOG_OK:
		return "ok";
	case CSVLOG_ERR_IO:
		return "cannot write the CSV log";
	case CSVLOG_ERR_NOMEM:
		return "out of memory";
	case CSVLOG_ERR_NAME:
		return "station name not usable in a file name";
	case CSVLOG_ERR_HEADER:
		return "the file has other columns (started by another nrfcred version): "
		       "move it away or set another log_dir; rows are never appended under "
		       "a header they do not match";
	}
	return "unknown error";
}

static bool needs_quotes(const char *s)
{
	size_t n = strlen(s);
	if (n == 0)
		return false;
	if (s[0] == ' ' || s[n - 1] == ' ')
		return true;
	return strpbrk(s, ",\"\r\n") != NULL;
}

/* A cell a spreadsheet would run as a formula (or, after a tab or CR, as
 * one in the next cell): the first characters OWASP's "CSV Injection"
 * page lists. A field from a board (modem_fw, an error quoting it) may be
 * hostile; the others are defused alike, so no column needs to be trusted. */
static bool starts_formula(const char *s)
{
	return s[0] != '\0' && strchr("=+-@\t\r", s[0]) != NULL;
}

size_t csvlog_quote(const char *in, char *out, size_t outlen)
{
	size_t need = 0;
	if (in == NULL)
		in = "";
	bool defuse = starts_formula(in);
	bool quote = defuse || needs_quotes(in);
#define PUT(c)                                                                                     \
	do {                                                                                       \
		if (out && need + 1 < outlen)                                                      \
			out[need] = (c);                                                           \
		need++;                                                                            \
	} while (0)
	if (quote)
		PUT('"');
	if (defuse)
		PUT('\'');
	for (const char *p = in; *p; p++) {
		if (*p == '"' && quote)
			PUT('"');
		PUT(*p);
	}
	if (quote)
		PUT('"');
#undef PUT
	if (out && outlen > 0)
		out[need < outlen ? need : outlen - 1] = '\0';
	return need;
}

struct strbuf {
	char *buf;
	size_t len, cap;
	bool oom;
};

static void sb_cell(struct strbuf *sb, const char *cell, bool first)
{
	size_t need = csvlog_quote(cell, NULL, 0) + 2;
	if (sb->oom)
		return;
	if (sb->len + need + 3 > sb->cap) {
		size_t cap = (sb->cap + need + 3) * 2;
		char *p = realloc(sb->buf, cap);
		if (p == NULL) {
			sb->oom = true;
			return;
		}
		sb->buf = p;
		sb->cap = cap;
	}
	if (sb->buf == NULL)
		return;
	if (!first)
		sb->buf[sb->len++] = ',';
	sb->len += csvlog_quote(cell, sb->buf + sb->len, sb->cap - sb->len);
}

char *csvlog_format_row(const struct csvlog_row *row)
{
	struct strbuf sb = {0};
	char slot[16], dur[24];
	snprintf(slot, sizeof slot, "%u", row->slot);
	snprintf(dur, sizeof dur, "%" PRIu64, row->duration_ms);
	const char *cells[] = {
		row->utc_time,	 row->station,	   row->probe,	     row->imei,
		row->result,	 row->failed_step, row->error,	     row->part,
		row->modem_fw,	 row->sec_tags,	   row->cred_sha256, row->provisioner_sha256,
		row->app_sha256, row->version,
	};
	/* Column order of CSVLOG_HEADER. */
	sb_cell(&sb, cells[0], true);
	sb_cell(&sb, cells[1], false);
	sb_cell(&sb, slot, false);
	for (size_t i = 2; i <= 6; i++)
		sb_cell(&sb, cells[i], false);
	sb_cell(&sb, dur, false);
	for (size_t i = 7; i < sizeof cells / sizeof cells[0]; i++)
		sb_cell(&sb, cells[i], false);
	char khz[16], resets[16];
	snprintf(khz, sizeof khz, "%" PRIu32, row->swd_khz);
	snprintf(resets, sizeof resets, "%u", row->resets);
	sb_cell(&sb, khz, false);
	sb_cell(&sb, resets, false);
	sb_cell(&sb, row->locked ? "yes" : "no", false);
	sb_cell(&sb, row->digest ? row->digest : "", false);
	sb_cell(&sb, row->delivery ? row->delivery : "", false);
	char boots[16];
	snprintf(boots, sizeof boots, "%u", row->boots);
	sb_cell(&sb, boots, false);
	sb_cell(&sb, row->sim_build ? "simulator" : "target", false);
	sb_cell(&sb, row->reprovisioned ? row->reprovisioned : "", false);
	if (sb.oom || sb.buf == NULL) {
		free(sb.buf);
		return NULL;
	}
	memcpy(sb.buf + sb.len, "\r\n", 3);
	return sb.buf;
}

static bool valid_station(const char *s)
{
	if (s == NULL || *s == '\0' || *s == '.' || strlen(s) > 64)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '_' || *s == '-' || *s == '.'))
			return false;
	return true;
}

csvlog_err csvlog_open(const char *log_dir, const char *station, unsigned slot, struct csvlog **out)
{
	*out = NULL;
	if (!valid_station(station))
		return CSVLOG_ERR_NAME;
	if (mkdir(log_dir, 0755) != 0 && errno != EEXIST)
		return CSVLOG_ERR_IO;
	struct csvlog *log = calloc(1, sizeof *log);
	if (log == NULL)
		return CSVLOG_ERR_NOMEM;
	if (asprintf(&log->path, "%s/%s-slot%u.csv", log_dir, station, slot) < 0) {
		free(log);
		return CSVLOG_ERR_NOMEM;
	}
	/* Read-write: an existing file's header is checked before any row goes in. */
	log->fd = open(log->path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (log->fd < 0) {
		int e = errno;
		free(log->path);
		free(log);
		errno = e;
		return CSVLOG_ERR_IO;
	}
	struct stat st;
	if (fstat(log->fd, &st) != 0 ||
	    (st.st_size == 0 &&
	     (fd_write_all(log->fd, CSVLOG_HEADER "\r\n", sizeof CSVLOG_HEADER + 1, NULL) != 0 ||
	      fsync(log->fd) != 0))) {
		int e = errno;
		csvlog_close(log);
		errno = e;
		return CSVLOG_ERR_IO;
	}
	if (st.st_size > 0) {
		static const char want[] = CSVLOG_HEADER "\r\n";
		char have[sizeof want];
		ssize_t n = pread(log->fd, have, sizeof want - 1, 0);
		if (n < 0) {
			int e = errno;
			csvlog_close(log);
			errno = e;
			return CSVLOG_ERR_IO;
		}
		if ((size_t)n != sizeof want - 1 || memcmp(have, want, sizeof want - 1) != 0) {
			csvlog_close(log);
			errno = 0;
			return CSVLOG_ERR_HEADER;
		}
	}
	*out = log;
	return CSVLOG_OK;
}

csvlog_err csvlog_append(struct csvlog *log, const struct csvlog_row *row)
{
	char *line = csvlog_format_row(row);
	if (line == NULL)
		return CSVLOG_ERR_NOMEM;
	struct stat st;
	if (fstat(log->fd, &st) != 0) {
		int e = errno;
		free(line);
		errno = e;
		return CSVLOG_ERR_IO;
	}
	size_t written = 0;
	bool wrote = fd_write_all(log->fd, line, strlen(line), &written) == 0;
	csvlog_err err = wrote ? CSVLOG_OK : CSVLOG_ERR_IO;
	int e = errno;
	free(line);
	if (err != CSVLOG_OK && written > 0) {
		/* Disk full part way through the row: a half row would glue the
		 * next row onto it and break the file for every CSV reader. Cut it
		 * off, but only if nobody appended after it meanwhile. */
		struct stat now;
		if (fstat(log->fd, &now) == 0 && now.st_size == st.st_size + (off_t)written &&
		    ftruncate(log->fd, st.st_size) != 0) {
			/* best effort: the append's own error is what we report */
		}
	}
	if (err == CSVLOG_OK && fsync(log->fd) != 0) {
		err = CSVLOG_ERR_IO;
		e = errno;
	}
	errno = e;
	return err;
}

const char *csvlog_path(const struct csvlog *log)
{
	return log->path;
}

void csvlog_close(struct csvlog *log)
{
	if (log == NULL)
		return;
	if (log->fd >= 0)
		close(log->fd);
	free(log->path);
	free(log);
}
