/* nrfcred db sync: the spool's rows into the database, exactly once each
 * (the insert skips a uuid already there), then the spool rewritten with
 * what is left: lines that do not parse, rows the database refused, and
 * duplicates, so nothing a station recorded is lost. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "db/db_priv.h"
#include "db/db_spool.h"

#define SPOOL_MAX_BYTES (256u << 20)

static char *read_all(const char *path, size_t *len, char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
		return NULL;
	}
	size_t cap = 1 << 16, n = 0;
	char *buf = malloc(cap);
	while (buf != NULL) {
		if (n == cap) {
			if (cap >= SPOOL_MAX_BYTES) {
				snprintf(err, errlen, "%s: larger than 256 MiB; not a spool file",
					 path);
				free(buf);
				buf = NULL;
				break;
			}
			char *b = realloc(buf, cap * 2);
			if (b == NULL) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = b;
			cap *= 2;
		}
		ssize_t r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			snprintf(err, errlen, "%s: read error: %s", path, strerror(errno));
			free(buf);
			buf = NULL;
			break;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	if (buf == NULL && err[0] == '\0')
		snprintf(err, errlen, "%s: out of memory", path);
	close(fd);
	*len = n;
	return buf;
}

/* Writes the kept lines to PATH.tmp, fsyncs, renames over PATH (or removes
 * PATH when nothing is kept). */
static bool rewrite(const char *path, const char *kept, size_t len, char *err, size_t errlen)
{
	if (len == 0) {
		if (unlink(path) != 0 && errno != ENOENT) {
			snprintf(err, errlen, "%s: cannot remove: %s", path, strerror(errno));
			return false;
		}
		return true;
	}
	char tmp[4096];
	if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp", path) >= sizeof tmp)
		return snprintf(err, errlen, "%s: path too long", path), false;
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	bool ok = fd >= 0 && db_spool_write_synced(fd, kept, len);
	int saved = errno;
	if (fd >= 0)
		close(fd);
	if (ok && rename(tmp, path) != 0) {
		saved = errno;
		ok = false;
	}
	if (!ok) {
		snprintf(err, errlen, "%s: cannot rewrite: %s", path, strerror(saved));
		unlink(tmp);
	}
	return ok;
}

db_err db_sync(const char *url, const char *spool_path, struct db_sync_counts *c, char *err,
	       size_t errlen)
{
	memset(c, 0, sizeof *c);
	err[0] = '\0';
	size_t len;
	char *text = read_all(spool_path, &len, err, errlen);
	if (text == NULL)
		return errno == ENOMEM ? DB_ERR_NOMEM : DB_ERR_SPOOL;
	char msg[600], masked[512];
	db_url_mask(url, masked, sizeof masked);
	PGconn *pg = db_connect(url, err, errlen);
	if (pg == NULL) {
		free(text);
		return DB_ERR_CONNECT;
	}
	db_err e = db_schema_check(pg, msg, sizeof msg);
	if (e == DB_OK)
		e = db_prepare_records(pg, msg, sizeof msg);
	if (e != DB_OK) {
		snprintf(err, errlen, "%s: %s", masked, msg);
		PQfinish(pg);
		free(text);
		return e;
	}
	char *kept = malloc(len + 1);
	struct db_spool_entry *entry = malloc(sizeof *entry);
	if (kept == NULL || entry == NULL) {
		free(kept);
		free(entry);
		PQfinish(pg);
		free(text);
		return DB_ERR_NOMEM;
	}
	size_t kept_len = 0, pos = 0;
	unsigned line_no = 0;
	db_err first = DB_OK;
	while (pos < len) {
		const char *line = text + pos;
		const char *nl = memchr(line, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - line) : len - pos;
		size_t whole = nl ? n + 1 : n;
		pos += whole;
		line_no++;
		if (n == 0)
			continue;
		const char *why;
		bool keep = false;
		if (!db_spool_parse(line, n, entry, &why)) {
			c->damaged++;
			keep = true;
			if (first == DB_OK) {
				first = DB_ERR_SPOOL;
				snprintf(err, errlen, "%s:%u: %s; the line is kept, not replayed",
					 spool_path, line_no, why);
			}
		} else {
			c->rows++;
			bool inserted = false;
			e = db_insert_board(pg, &entry->row, &inserted, msg, sizeof msg);
			if (e == DB_OK) {
				if (inserted)
					c->inserted++;
				else
					c->present++;
			} else {
				keep = true;
				if (e == DB_ERR_DUPLICATE)
					c->duplicates++;
				if (first == DB_OK) {
					first = e;
					snprintf(err, errlen, "%s:%u: %s%s%s", spool_path, line_no,
						 e == DB_ERR_DUPLICATE ? "" : masked,
						 e == DB_ERR_DUPLICATE ? "" : ": ", msg);
				}
				if (e == DB_ERR_CONNECT) {
					/* The rest stays spooled as it is. */
					memcpy(kept + kept_len, line, len - (size_t)(line - text));
					kept_len += len - (size_t)(line - text);
					break;
				}
			}
		}
		if (keep) {
			memcpy(kept + kept_len, line, n);
			kept_len += n;
			kept[kept_len++] = '\n';
		}
	}
	PQfinish(pg);
	free(entry);
	free(text);
	bool ok = rewrite(spool_path, kept, kept_len, first == DB_OK ? err : msg,
			  first == DB_OK ? errlen : sizeof msg);
	free(kept);
	if (!ok && first == DB_OK)
		first = DB_ERR_SPOOL;
	return first;
}
