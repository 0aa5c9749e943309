/* The station's provisioned IMEIs (imei_index.h). */
#include "station/imei_index.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "station/csvlog.h"
#include "station/csvread.h"

/* Open addressing over small slots (key, entry number): the entries
 * themselves sit densely in their own array, so a long history costs a
 * table of 16-byte slots, not of whole entries. */
struct index_slot {
	uint64_t key; /* imei_key; 0: free */
	size_t entry;
};

struct imei_index {
	struct index_slot *slots;
	size_t cap; /* a power of two, at least twice count */
	struct imei_index_entry *entries;
	size_t count, entries_cap;
};

/* Columns of CSVLOG_HEADER the index reads. */
enum { COL_TIME = 0, COL_STATION = 1, COL_SLOT = 2, COL_IMEI = 4, COL_RESULT = 5 };

/* 1..15 decimal digits as one number, the length in the top bits (10^15 <
 * 2^50) so that "012" and "12" differ; 0 when s is not such a string. */
static uint64_t imei_key(const char *s)
{
	uint64_t v = 0;
	size_t n = 0;
	for (; s[n]; n++) {
		if (n == 15 || s[n] < '0' || s[n] > '9')
			return 0;
		v = v * 10 + (uint64_t)(s[n] - '0');
	}
	return n ? ((uint64_t)n << 50) | v : 0;
}

static size_t slot_of(uint64_t key, size_t cap)
{
	key ^= key >> 33; /* splitmix64's finaliser: spreads consecutive IMEIs */
	key *= 0xff51afd7ed558ccdull;
	key ^= key >> 33;
	return (size_t)key & (cap - 1);
}

struct imei_index *imei_index_create(void)
{
	struct imei_index *idx = calloc(1, sizeof *idx);
	if (idx == NULL)
		return NULL;
	idx->cap = 64;
	idx->slots = calloc(idx->cap, sizeof *idx->slots);
	if (idx->slots == NULL) {
		free(idx);
		return NULL;
	}
	return idx;
}

void imei_index_destroy(struct imei_index *idx)
{
	if (idx == NULL)
		return;
	free(idx->slots);
	free(idx->entries);
	free(idx);
}

static struct index_slot *find_slot(struct index_slot *slots, size_t cap, uint64_t key)
{
	size_t i = slot_of(key, cap);
	while (slots[i].key && slots[i].key != key)
		i = (i + 1) & (cap - 1);
	return &slots[i];
}

static bool grow(struct imei_index *idx)
{
	size_t cap = idx->cap * 2;
	struct index_slot *n = calloc(cap, sizeof *n);
	if (n == NULL)
		return false;
	for (size_t i = 0; i < idx->cap; i++)
		if (idx->slots[i].key)
			*find_slot(n, cap, idx->slots[i].key) = idx->slots[i];
	free(idx->slots);
	idx->slots = n;
	idx->cap = cap;
	return true;
}

imei_index_err imei_index_add(struct imei_index *idx, const char *imei, const char *time,
			      const char *station, unsigned slot)
{
	uint64_t key = imei_key(imei);
	if (key == 0)
		return IMEI_INDEX_OK; /* no IMEI to guard */
	if (2 * (idx->count + 1) > idx->cap && !grow(idx))
		return IMEI_INDEX_ERR_NOMEM;
	struct index_slot *s = find_slot(idx->slots, idx->cap, key);
	if (s->key)
		return IMEI_INDEX_OK; /* the first pass is the one reported */
	if (idx->count == idx->entries_cap) {
		size_t cap = idx->entries_cap ? 2 * idx->entries_cap : 64;
		struct imei_index_entry *n = realloc(idx->entries, cap * sizeof *n);
		if (n == NULL)
			return IMEI_INDEX_ERR_NOMEM;
		idx->entries = n;
		idx->entries_cap = cap;
	}
	struct imei_index_entry *e = &idx->entries[idx->count];
	snprintf(e->imei, sizeof e->imei, "%s", imei);
	snprintf(e->time, sizeof e->time, "%s", time ? time : "");
	snprintf(e->station, sizeof e->station, "%s", station ? station : "");
	e->slot = slot;
	s->key = key;
	s->entry = idx->count++;
	return IMEI_INDEX_OK;
}

const struct imei_index_entry *imei_index_find(const struct imei_index *idx, const char *imei)
{
	uint64_t key = imei_key(imei);
	if (key == 0)
		return NULL;
	const struct index_slot *s = find_slot(idx->slots, idx->cap, key);
	return s->key ? &idx->entries[s->entry] : NULL;
}

size_t imei_index_count(const struct imei_index *idx)
{
	return idx->count;
}

static unsigned parse_slot(const char *s)
{
	unsigned v = 0;
	for (; *s >= '0' && *s <= '9' && v < 100000; s++)
		v = v * 10 + (unsigned)(*s - '0');
	return v;
}

void imei_index_load_text(struct imei_index *idx, const char *text, size_t len,
			  struct imei_index_stats *stats)
{
	struct csvread_record *rec = malloc(sizeof *rec); /* 8 KB: not on the stack */
	if (rec == NULL)
		return;
	size_t pos = 0, hl = strlen(CSVLOG_HEADER);
	/* The header must be this version's (csvlog_open refuses others). */
	if (len < hl + 1 || memcmp(text, CSVLOG_HEADER, hl) != 0 ||
	    (text[hl] != '\r' && text[hl] != '\n')) {
		stats->foreign_files++;
		free(rec);
		return;
	}
	pos = hl + (text[hl] == '\r' && hl + 1 < len && text[hl + 1] == '\n' ? 2 : 1);
	stats->files++;
	for (;;) {
		csvread_status st = csvread_next(text, len, &pos, rec);
		if (st == CSVREAD_END)
			break;
		if (st == CSVREAD_TORN) {
			stats->torn_rows++;
			break;
		}
		if (st == CSVREAD_BAD || rec->count <= COL_RESULT) {
			stats->bad_rows++;
			continue;
		}
		stats->rows++;
		if (strcmp(rec->cell[COL_RESULT], "pass") != 0)
			continue;
		stats->passes++;
		imei_index_add(idx, rec->cell[COL_IMEI], rec->cell[COL_TIME],
			       rec->cell[COL_STATION], parse_slot(rec->cell[COL_SLOT]));
	}
	free(rec);
}

/* "<name>-slot<N>.csv", N digits. */
static bool slot_log_name(const char *n)
{
	size_t len = strlen(n);
	if (len < 10 || strcmp(n + len - 4, ".csv") != 0)
		return false;
	const char *d = n + len - 4;
	const char *p = d;
	while (p > n && p[-1] >= '0' && p[-1] <= '9')
		p--;
	return p < d && p - n > 5 && memcmp(p - 5, "-slot", 5) == 0;
}

imei_index_err imei_index_load_dir(struct imei_index *idx, const char *log_dir,
				   struct imei_index_stats *stats, char *path, size_t pathlen)
{
	memset(stats, 0, sizeof *stats);
	DIR *dir = opendir(log_dir);
	if (dir == NULL) {
		if (errno == ENOENT)
			return IMEI_INDEX_OK;
		snprintf(path, pathlen, "%s", log_dir);
		return IMEI_INDEX_ERR_IO;
	}
	imei_index_err rc = IMEI_INDEX_OK;
	struct dirent *de;
	while (rc == IMEI_INDEX_OK && (de = readdir(dir)) != NULL) {
		if (!slot_log_name(de->d_name))
			continue;
		snprintf(path, pathlen, "%s/%s", log_dir, de->d_name);
		int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
		struct stat st;
		if (fd < 0 || fstat(fd, &st) != 0) {
			rc = IMEI_INDEX_ERR_IO;
		} else if (S_ISREG(st.st_mode) && st.st_size > 0) {
			/* Mapped, not read: a log of a long-running line is large. */
			void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
			if (m == MAP_FAILED) {
				rc = IMEI_INDEX_ERR_IO;
			} else {
				imei_index_load_text(idx, m, (size_t)st.st_size, stats);
				munmap(m, (size_t)st.st_size);
			}
		}
		if (fd >= 0) {
			int e = errno;
			close(fd);
			errno = e;
		}
	}
	int e = errno;
	closedir(dir);
	errno = e;
	return rc;
}
