#include "station/journal.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image/digest.h"
#include "io/fd_write.h"

static const char *const how_names[JOURNAL_HOW_COUNT] = {
	[JOURNAL_WIPED] = "wiped",
	[JOURNAL_RECOVERED] = "recovered",
	[JOURNAL_GONE] = "gone",
};

const char *journal_how_name(enum journal_how how)
{
	if ((unsigned)how >= JOURNAL_HOW_COUNT)
		return "?";
	return how_names[how];
}

const char *journal_strerror(journal_err err)
{
	switch (err) {
	case JOURNAL_OK:
		return "ok";
	case JOURNAL_ERR_IO:
		return "cannot write the journal";
	case JOURNAL_ERR_NOMEM:
		return "out of memory";
	case JOURNAL_ERR_NAME:
		return "station name not usable in a file name";
	case JOURNAL_ERR_FORMAT:
		return "not an nrfcred journal";
	case JOURNAL_ERR_FULL:
		return "too many open journal entries";
	case JOURNAL_ERR_ARG:
		return "journal entry field not writable";
	}
	return "unknown error";
}

/* ------------------------------------------------------------ the lines */

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* "2026-12-02T11:16:00.331Z": the shape station_format_utc writes. */
static bool valid_time(const char *s, size_t n)
{
	static const char shape[] = "dddd-dd-ddTdd:dd:dd.dddZ";
	if (n != sizeof shape - 1)
		return false;
	for (size_t i = 0; i < n; i++)
		if (shape[i] == 'd' ? !is_digit(s[i]) : s[i] != shape[i])
			return false;
	return true;
}

static bool valid_probe(const char *s, size_t n)
{
	if (n == 0 || n > 20)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!is_digit(s[i]))
			return false;
	return true;
}

static bool valid_step(const char *s, size_t n)
{
	if (n == 0 || n > 15)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || s[i] == '_'))
			return false;
	return true;
}

/* Appends " crc=XXXXXXXX\n" for the n bytes in out; the line's length or 0. */
static size_t seal(char *out, size_t outlen, int n)
{
	if (n <= 0 || (size_t)n >= outlen)
		return 0;
	uint32_t crc = crc32_ieee(out, (size_t)n);
	int m = snprintf(out + n, outlen - (size_t)n, " crc=%08" PRIx32 "\n", crc);
	if (m <= 0 || (size_t)n + (size_t)m >= outlen)
		return 0;
	return (size_t)n + (size_t)m;
}

size_t journal_format_open(const struct journal_entry *e, char *out, size_t outlen)
{
	if (e->id == 0 || !valid_time(e->time, strnlen(e->time, sizeof e->time)) ||
	    !valid_probe(e->probe, strnlen(e->probe, sizeof e->probe)) ||
	    !valid_step(e->step, strnlen(e->step, sizeof e->step)))
		return 0;
	int n = snprintf(out, outlen,
			 "open %" PRIu32 " %s slot=%u probe=%s deviceid=%016" PRIx64 " step=%s",
			 e->id, e->time, e->slot, e->probe, e->device_id, e->step);
	return seal(out, outlen, n);
}

size_t journal_format_close(uint32_t id, const char *time, enum journal_how how, char *out,
			    size_t outlen)
{
	if (id == 0 || time == NULL || !valid_time(time, strlen(time)) ||
	    (unsigned)how >= JOURNAL_HOW_COUNT)
		return 0;
	int n = snprintf(out, outlen, "close %" PRIu32 " %s %s", id, time, how_names[how]);
	return seal(out, outlen, n);
}

struct token {
	const char *p;
	size_t n;
};

#define MAX_TOKENS 8u

/* Splits on single spaces; false when there are more than MAX_TOKENS or an
 * empty token (two spaces, a leading or trailing one). */
static bool split(const char *line, size_t len, struct token *t, size_t *count)
{
	size_t k = 0, start = 0;
	for (size_t i = 0; i <= len; i++) {
		if (i < len && line[i] != ' ')
			continue;
		if (i == start || k == MAX_TOKENS)
			return false;
		t[k].p = line + start;
		t[k].n = i - start;
		k++;
		start = i + 1;
	}
	*count = k;
	return true;
}

/* A token "key=value": value of it, false when the key differs. */
static bool keyed(const struct token *t, const char *key, struct token *value)
{
	size_t kn = strlen(key);
	if (t->n <= kn + 1 || memcmp(t->p, key, kn) != 0 || t->p[kn] != '=')
		return false;
	value->p = t->p + kn + 1;
	value->n = t->n - kn - 1;
	return true;
}

/* Decimal without sign or leading zero, <= max. */
static bool parse_dec(const struct token *t, uint64_t max, uint64_t *out)
{
	if (t->n == 0 || t->n > 20 || (t->n > 1 && t->p[0] == '0'))
		return false;
	uint64_t v = 0;
	for (size_t i = 0; i < t->n; i++) {
		if (!is_digit(t->p[i]))
			return false;
		unsigned d = (unsigned)(t->p[i] - '0');
		if (v > (max - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = v;
	return true;
}

/* Exactly `digits` lower-case hex digits. */
static bool parse_hex(const struct token *t, size_t digits, uint64_t *out)
{
	if (t->n != digits)
		return false;
	uint64_t v = 0;
	for (size_t i = 0; i < t->n; i++) {
		char c = t->p[i];
		unsigned d;
		if (is_digit(c))
			d = (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			d = (unsigned)(c - 'a' + 10);
		else
			return false;
		v = v << 4 | d;
	}
	*out = v;
	return true;
}

static void copy_token(char *dst, size_t dstlen, const struct token *t)
{
	size_t n = t->n < dstlen - 1 ? t->n : dstlen - 1;
	memcpy(dst, t->p, n);
	dst[n] = '\0';
}

enum line_kind { LINE_BAD, LINE_OPEN, LINE_CLOSE };

/* One line without its '\n'. */
static enum line_kind parse_line(const char *line, size_t len, struct journal_entry *e,
				 enum journal_how *how)
{
	struct token t[MAX_TOKENS], v;
	size_t n;
	uint64_t crc, id, slot;
	if (len == 0 || len > JOURNAL_LINE_MAX || memchr(line, '\0', len) != NULL ||
	    !split(line, len, t, &n) || n < 2)
		return LINE_BAD;
	/* The CRC covers everything before " crc=". */
	if (!keyed(&t[n - 1], "crc", &v) || !parse_hex(&v, 8, &crc) ||
	    crc32_ieee(line, (size_t)(t[n - 1].p - 1 - line)) != (uint32_t)crc)
		return LINE_BAD;
	if (!parse_dec(&t[1], UINT32_MAX, &id) || id == 0 || n < 3 || !valid_time(t[2].p, t[2].n))
		return LINE_BAD;
	memset(e, 0, sizeof *e);
	e->id = (uint32_t)id;
	copy_token(e->time, sizeof e->time, &t[2]);
	if (t[0].n == 5 && memcmp(t[0].p, "close", 5) == 0 && n == 5) {
		for (unsigned h = 0; h < JOURNAL_HOW_COUNT; h++)
			if (t[3].n == strlen(how_names[h]) &&
			    memcmp(t[3].p, how_names[h], t[3].n) == 0) {
				*how = (enum journal_how)h;
				return LINE_CLOSE;
			}
		return LINE_BAD;
	}
	if (!(t[0].n == 4 && memcmp(t[0].p, "open", 4) == 0 && n == 8))
		return LINE_BAD;
	if (!keyed(&t[3], "slot", &v) || !parse_dec(&v, 1000000, &slot))
		return LINE_BAD;
	e->slot = (unsigned)slot;
	if (!keyed(&t[4], "probe", &v) || !valid_probe(v.p, v.n))
		return LINE_BAD;
	copy_token(e->probe, sizeof e->probe, &v);
	if (!keyed(&t[5], "deviceid", &v) || !parse_hex(&v, 16, &e->device_id))
		return LINE_BAD;
	if (!keyed(&t[6], "step", &v) || !valid_step(v.p, v.n))
		return LINE_BAD;
	copy_token(e->step, sizeof e->step, &v);
	return LINE_OPEN;
}

static void bad_line(struct journal_scan *scan)
{
	scan->bad_lines++;
	if (scan->first_bad_line == 0)
		scan->first_bad_line = scan->lines;
}

journal_err journal_parse(const char *text, size_t len, struct journal_entry *open, size_t max_open,
			  size_t *open_count, struct journal_scan *scan)
{
	struct journal_scan local;
	if (scan == NULL)
		scan = &local;
	memset(scan, 0, sizeof *scan);
	*open_count = 0;
	size_t pos = 0, count = 0;
	bool saw_header = false;
	while (pos < len) {
		const char *line = text + pos;
		const char *nl = memchr(line, '\n', len - pos);
		if (nl == NULL) {
			/* Torn: the write of this line never completed, so
			 * neither did its fsync, and no step went on. */
			scan->torn_tail = true;
			if (!saw_header && memcmp(line, JOURNAL_HEADER,
						  len - pos < sizeof JOURNAL_HEADER - 1
							  ? len - pos
							  : sizeof JOURNAL_HEADER - 1) != 0)
				return JOURNAL_ERR_FORMAT;
			break;
		}
		size_t n = (size_t)(nl - line);
		pos += n + 1;
		scan->lines++;
		if (!saw_header) {
			if (n != sizeof JOURNAL_HEADER - 1 || memcmp(line, JOURNAL_HEADER, n) != 0)
				return JOURNAL_ERR_FORMAT;
			saw_header = true;
			continue;
		}
		struct journal_entry e;
		enum journal_how how;
		enum line_kind kind = parse_line(line, n, &e, &how);
		if (kind == LINE_BAD) {
			bad_line(scan);
			continue;
		}
		size_t at = count;
		for (size_t i = 0; i < count; i++)
			if (open[i].id == e.id)
				at = i;
		if (kind == LINE_OPEN) {
			if (at < count) {
				bad_line(scan); /* the id is open already */
				continue;
			}
			if (count == max_open) {
				scan->dropped++;
			} else {
				open[count++] = e;
			}
		} else if (at < count) {
			memmove(&open[at], &open[at + 1], (count - at - 1) * sizeof open[0]);
			count--;
		} else if (scan->dropped == 0) {
			/* Closes an entry the file never opened (a compaction
			 * keeps the open line of every close that follows). When
			 * open lines were dropped for want of room, it may close
			 * one of those. */
			bad_line(scan);
			continue;
		}
		if (e.id > scan->max_id)
			scan->max_id = e.id;
	}
	*open_count = count;
	return JOURNAL_OK;
}

/* ------------------------------------------------------------- the file */

struct journal {
	pthread_mutex_t lock;
	int fd;
	char *path;
	char *dir;
	uint32_t next_id;
	uint64_t size; /* bytes in the file (ours: nobody else appends) */
	struct journal_entry *leftover;
	size_t leftover_count;
	struct journal_entry open[JOURNAL_MAX_OPEN];
	size_t open_count;
};

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

/* The rename is only durable once the folder's entry is on disk. */
static bool sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return false;
	bool ok = fsync(fd) == 0;
	int e = errno;
	close(fd);
	errno = e;
	return ok;
}

/* Rewrites the file with the header and the open entries, atomically:
 * a crash leaves either the old file or the new one, never a mix. */
static journal_err compact_locked(struct journal *j)
{
	char *tmp = NULL;
	if (asprintf(&tmp, "%s.tmp", j->path) < 0)
		return JOURNAL_ERR_NOMEM;
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		int e = errno;
		free(tmp);
		errno = e;
		return JOURNAL_ERR_IO;
	}
	bool ok = fd_write_all(fd, JOURNAL_HEADER "\n", sizeof JOURNAL_HEADER, NULL) == 0;
	uint64_t size = sizeof JOURNAL_HEADER;
	for (size_t i = 0; ok && i < j->open_count; i++) {
		char line[JOURNAL_LINE_MAX + 2];
		size_t n = journal_format_open(&j->open[i], line, sizeof line);
		/* An entry read back from the file always formats again. */
		ok = n > 0 && fd_write_all(fd, line, n, NULL) == 0;
		size += n;
	}
	ok = ok && fsync(fd) == 0;
	int e = errno;
	if (close(fd) != 0 && ok) {
		ok = false;
		e = errno;
	}
	if (ok && rename(tmp, j->path) != 0) {
		ok = false;
		e = errno;
	}
	if (!ok) {
		unlink(tmp);
		free(tmp);
		errno = e;
		return JOURNAL_ERR_IO;
	}
	free(tmp);
	/* The rename is done: from here on the new file is the journal, even
	 * when the folder's fsync fails (then reported). */
	bool dir_ok = sync_dir(j->dir);
	e = errno;
	int nfd = open(j->path, O_WRONLY | O_APPEND | O_CLOEXEC);
	if (nfd < 0)
		return JOURNAL_ERR_IO;
	if (j->fd >= 0)
		close(j->fd);
	j->fd = nfd;
	j->size = size;
	if (!dir_ok) {
		errno = e;
		return JOURNAL_ERR_IO;
	}
	return JOURNAL_OK;
}

static journal_err read_file(struct journal *j, struct journal_scan *scan)
{
	int fd = open(j->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? JOURNAL_OK : JOURNAL_ERR_IO;
	struct stat st;
	if (fstat(fd, &st) != 0) {
		int e = errno;
		close(fd);
		errno = e;
		return JOURNAL_ERR_IO;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > (off_t)JOURNAL_FILE_MAX) {
		close(fd);
		return JOURNAL_ERR_FORMAT;
	}
	size_t len = (size_t)st.st_size;
	char *buf = malloc(len ? len : 1);
	if (buf == NULL) {
		close(fd);
		return JOURNAL_ERR_NOMEM;
	}
	size_t got = 0;
	while (got < len) {
		ssize_t r = read(fd, buf + got, len - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = errno;
			free(buf);
			close(fd);
			errno = e;
			return JOURNAL_ERR_IO;
		}
		if (r == 0)
			break; /* shrank meanwhile: what is there */
		got += (size_t)r;
	}
	close(fd);
	size_t count = 0;
	journal_err err = journal_parse(buf, got, j->open, JOURNAL_MAX_OPEN, &count, scan);
	free(buf);
	if (err != JOURNAL_OK)
		return err;
	j->open_count = count;
	j->next_id = scan->max_id == UINT32_MAX ? 1 : scan->max_id + 1;
	return JOURNAL_OK;
}

journal_err journal_open(const char *log_dir, const char *station, struct journal **out,
			 struct journal_scan *scan)
{
	struct journal_scan local;
	if (scan == NULL)
		scan = &local;
	memset(scan, 0, sizeof *scan);
	*out = NULL;
	if (!valid_station(station))
		return JOURNAL_ERR_NAME;
	if (mkdir(log_dir, 0755) != 0 && errno != EEXIST)
		return JOURNAL_ERR_IO;
	struct journal *j = calloc(1, sizeof *j);
	if (j == NULL)
		return JOURNAL_ERR_NOMEM;
	j->fd = -1;
	j->next_id = 1;
	pthread_mutex_init(&j->lock, NULL);
	if (asprintf(&j->path, "%s/%s.journal", log_dir, station) < 0) {
		j->path = NULL;
		journal_close(j);
		return JOURNAL_ERR_NOMEM;
	}
	j->dir = strdup(log_dir);
	if (j->dir == NULL) {
		journal_close(j);
		return JOURNAL_ERR_NOMEM;
	}
	journal_err err = read_file(j, scan);
	if (err == JOURNAL_OK && j->open_count > 0) {
		j->leftover = malloc(j->open_count * sizeof *j->leftover);
		if (j->leftover == NULL)
			err = JOURNAL_ERR_NOMEM;
		else
			memcpy(j->leftover, j->open, j->open_count * sizeof *j->leftover);
		j->leftover_count = j->open_count;
	}
	/* Every start begins from a clean file: no torn tail for the next
	 * line to glue onto, no closed entries. */
	if (err == JOURNAL_OK)
		err = compact_locked(j);
	if (err != JOURNAL_OK) {
		int e = errno;
		journal_close(j);
		errno = e;
		return err;
	}
	*out = j;
	return JOURNAL_OK;
}

size_t journal_leftover_count(const struct journal *j)
{
	return j->leftover_count;
}

const struct journal_entry *journal_leftover(const struct journal *j, size_t i)
{
	return i < j->leftover_count ? &j->leftover[i] : NULL;
}

/* Appends one line and fsyncs; a part written before an error is cut off
 * again, so the next line starts on a line of its own. */
static journal_err append_locked(struct journal *j, const char *line, size_t n)
{
	bool ok = fd_write_all(j->fd, line, n, NULL) == 0;
	int e = errno;
	if (ok && fsync(j->fd) != 0) {
		ok = false;
		e = errno;
	}
	if (!ok) {
		struct stat st;
		if (fstat(j->fd, &st) == 0 && (uint64_t)st.st_size > j->size &&
		    ftruncate(j->fd, (off_t)j->size) != 0) {
			/* best effort: the reader skips a bad line anyway */
		}
		errno = e;
		return JOURNAL_ERR_IO;
	}
	j->size += n;
	return JOURNAL_OK;
}

journal_err journal_begin(struct journal *j, struct journal_entry *e)
{
	char line[JOURNAL_LINE_MAX + 2];
	pthread_mutex_lock(&j->lock);
	journal_err err = JOURNAL_OK;
	if (j->open_count == JOURNAL_MAX_OPEN)
		err = JOURNAL_ERR_FULL;
	e->id = j->next_id;
	size_t n = err == JOURNAL_OK ? journal_format_open(e, line, sizeof line) : 0;
	if (err == JOURNAL_OK && n == 0)
		err = JOURNAL_ERR_ARG;
	if (err == JOURNAL_OK)
		err = append_locked(j, line, n);
	int saved = errno;
	if (err == JOURNAL_OK) {
		j->open[j->open_count++] = *e;
		j->next_id = j->next_id == UINT32_MAX ? 1 : j->next_id + 1;
	}
	pthread_mutex_unlock(&j->lock);
	errno = saved;
	return err;
}

journal_err journal_end(struct journal *j, uint32_t id, const char *time, enum journal_how how)
{
	char line[JOURNAL_LINE_MAX + 2];
	size_t n = journal_format_close(id, time, how, line, sizeof line);
	if (n == 0)
		return JOURNAL_ERR_ARG;
	pthread_mutex_lock(&j->lock);
	journal_err err = append_locked(j, line, n);
	int saved = errno;
	if (err == JOURNAL_OK) {
		for (size_t i = 0; i < j->open_count; i++)
			if (j->open[i].id == id) {
				memmove(&j->open[i], &j->open[i + 1],
					(j->open_count - i - 1) * sizeof j->open[0]);
				j->open_count--;
				break;
			}
		/* The close line is on disk: a compaction that fails now
		 * only leaves the file longer than it needs to be. */
		if (j->open_count == 0 || j->size > JOURNAL_COMPACT_BYTES)
			(void)compact_locked(j);
	}
	pthread_mutex_unlock(&j->lock);
	errno = saved;
	return err;
}

size_t journal_open_count(struct journal *j)
{
	pthread_mutex_lock(&j->lock);
	size_t n = j->open_count;
	pthread_mutex_unlock(&j->lock);
	return n;
}

const char *journal_path(const struct journal *j)
{
	return j->path;
}

void journal_close(struct journal *j)
{
	if (j == NULL)
		return;
	if (j->fd >= 0)
		close(j->fd);
	pthread_mutex_destroy(&j->lock);
	free(j->leftover);
	free(j->dir);
	free(j->path);
	free(j);
}
