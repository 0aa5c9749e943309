/* Credential pools: import, status, and a station's claim, bind, return and
 * burn (db_pool.h). */
#include <dirent.h>
#include <endian.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cred/cred.h"
#include "cred/secure_mem.h"
#include "db/db_pool.h"
#include "db/db_pool_crypt.h"
#include "db/db_priv.h"
#include "image/digest.h"

static bool is_secret(int type)
{
	return type == NRFCRED_TYPE_CLIENT_KEY || type == NRFCRED_TYPE_PSK;
}

static bool valid_name(const char *s, size_t max)
{
	size_t n = strlen(s);
	if (n == 0 || n >= max || s[0] == '.')
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '-' || c == '.'))
			return false;
	}
	return true;
}

/* ---- import ---- */

struct bundle {
	char name[DB_POOL_BUNDLE_MAX];
	struct cred_set *set;
	char origin[300]; /* the folder or "FILE.csv" for messages */
};

struct import {
	const char *pool;
	const struct db_pool_key *key;
	struct bundle *b;
	size_t count, cap;
	char *err;
	size_t errlen;
};

/* The import stops: err says why. */
static db_err refuse(struct import *im, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static db_err refuse(struct import *im, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(im->err, im->errlen, fmt, ap);
	va_end(ap);
	return DB_ERR_INPUT;
}

static struct bundle *bundle_get(struct import *im, const char *name, const char *origin)
{
	for (size_t i = 0; i < im->count; i++)
		if (strcmp(im->b[i].name, name) == 0)
			return &im->b[i];
	if (im->count == im->cap) {
		size_t cap = im->cap ? im->cap * 2 : 64;
		struct bundle *n = realloc(im->b, cap * sizeof *n);
		if (n == NULL)
			return NULL;
		im->b = n;
		im->cap = cap;
	}
	struct bundle *b = &im->b[im->count];
	memset(b, 0, sizeof *b);
	snprintf(b->name, sizeof b->name, "%s", name);
	snprintf(b->origin, sizeof b->origin, "%s", origin);
	b->set = cred_set_create(NULL);
	if (b->set == NULL)
		return NULL;
	im->count++;
	return b;
}

static bool parse_tag_type(const char *sec_tag, const char *type, uint32_t *tag, int *t)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(sec_tag, &end, 10);
	if (*sec_tag < '0' || *sec_tag > '9' || *end != '\0' || errno || v > NRFCRED_SEC_TAG_MAX)
		return false;
	enum nrfcred_cred_type ct;
	if (!cred_type_parse(type, &ct))
		return false;
	*tag = (uint32_t)v;
	*t = (int)ct;
	return true;
}

static db_err add_item(struct import *im, struct bundle *b, uint32_t tag, int type,
		       const char *path, const char *value, const char *where)
{
	struct cred_diag diag = {0};
	struct cred_add_opts o = {.origin = where};
	enum cred_err ce = path ? cred_set_add_file(b->set, tag, type, path, &o, &diag)
				: cred_set_add_value(b->set, tag, type, value, &o, &diag);
	if (ce != CRED_OK) {
		return refuse(im, "%s: %s", where,
			      diag.detail[0] ? diag.detail : cred_strerror(ce));
	}
	if (cred_set_count(b->set) > DB_POOL_ITEMS_MAX) {
		return refuse(im, "%s: bundle %s has more than %u items", where, b->name,
			      DB_POOL_ITEMS_MAX);
	}
	return DB_OK;
}

static int compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The entries of a folder, sorted (a stable order for bundles and items). */
static char **list_dir(const char *path, size_t *n)
{
	*n = 0;
	DIR *d = opendir(path);
	if (d == NULL)
		return NULL;
	size_t cap = 16;
	char **names = malloc(cap * sizeof *names);
	struct dirent *e;
	while (names && (e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		if (*n == cap) {
			char **m = realloc(names, 2 * cap * sizeof *m);
			if (m == NULL)
				break;
			names = m;
			cap *= 2;
		}
		names[(*n)++] = strdup(e->d_name);
	}
	closedir(d);
	if (names)
		qsort(names, *n, sizeof *names, compare_names);
	return names;
}

static void free_list(char **names, size_t n)
{
	for (size_t i = 0; names && i < n; i++)
		free(names[i]);
	free(names);
}

static db_err import_dir(struct import *im, const char *dir)
{
	size_t nb;
	char **bundles = list_dir(dir, &nb);
	if (bundles == NULL) {
		return refuse(im, "%s: cannot read the folder: %s", dir, strerror(errno));
	}
	db_err e = DB_OK;
	for (size_t i = 0; e == DB_OK && i < nb; i++) {
		char sub[4096];
		snprintf(sub, sizeof sub, "%s/%s", dir, bundles[i]);
		struct stat st;
		if (stat(sub, &st) != 0 || !S_ISDIR(st.st_mode))
			continue; /* a README next to the bundles */
		if (!valid_name(bundles[i], DB_POOL_BUNDLE_MAX)) {
			e = refuse(im,
				   "%s: not a valid bundle id; valid: 1-%u of letters, digits, "
				   "'_', '-', '.'",
				   sub, DB_POOL_BUNDLE_MAX - 1);
			break;
		}
		size_t nf;
		char **files = list_dir(sub, &nf);
		struct bundle *b = files ? bundle_get(im, bundles[i], sub) : NULL;
		if (b == NULL) {
			e = refuse(im, "%s: cannot read: %s", sub, strerror(errno));
			free_list(files, nf);
			break;
		}
		for (size_t j = 0; e == DB_OK && j < nf; j++) {
			char path[4400], name[256];
			snprintf(path, sizeof path, "%s/%s", sub, files[j]);
			snprintf(name, sizeof name, "%s", files[j]);
			char *dot1 = strchr(name, '.');
			char *dot2 = dot1 ? strchr(dot1 + 1, '.') : NULL;
			if (dot2)
				*dot2 = '\0';
			uint32_t tag;
			int type;
			if (dot1 == NULL ||
			    (*dot1 = '\0', !parse_tag_type(name, dot1 + 1, &tag, &type))) {
				e = refuse(im,
					   "%s: the name must be SEC_TAG.TYPE[.ext], e.g. "
					   "42.client_cert.pem, 43.psk",
					   path);
				break;
			}
			e = add_item(im, b, tag, type, path, NULL, path);
		}
		free_list(files, nf);
		if (e == DB_OK && cred_set_count(b->set) == 0) {
			e = refuse(im, "%s: an empty bundle", sub);
		}
	}
	free_list(bundles, nb);
	return e;
}

static db_err import_csv(struct import *im, const char *path)
{
	FILE *f = fopen(path, "re");
	if (f == NULL) {
		return refuse(im, "%s: cannot open: %s", path, strerror(errno));
	}
	char dir[4096];
	snprintf(dir, sizeof dir, "%s", path);
	char *slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	else
		snprintf(dir, sizeof dir, ".");
	/* A line may hold a PSK: a secure_mem buffer, wiped. */
	enum { LINE_MAX_LEN = 8192 };
	char *line = secure_mem_alloc(LINE_MAX_LEN);
	db_err e = line ? DB_OK : DB_ERR_NOMEM;
	unsigned no = 0;
	while (e == DB_OK && fgets(line, LINE_MAX_LEN, f) != NULL) {
		no++;
		size_t n = strlen(line);
		if (n == LINE_MAX_LEN - 1 && line[n - 1] != '\n') {
			e = refuse(im, "%s:%u: line longer than %d characters", path, no,
				   LINE_MAX_LEN - 2);
			break;
		}
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		if (no == 1) {
			if (strcmp(line, "bundle,sec_tag,type,value") != 0) {
				e = refuse(im,
					   "%s:1: the header must be exactly "
					   "bundle,sec_tag,type,value",
					   path);
			}
			continue;
		}
		if (n == 0)
			continue;
		char *f1 = line, *f2 = strchr(f1, ',');
		char *f3 = f2 ? strchr(f2 + 1, ',') : NULL;
		char *f4 = f3 ? strchr(f3 + 1, ',') : NULL;
		uint32_t tag;
		int type;
		if (f4 == NULL || strchr(f4 + 1, ',') != NULL || strchr(line, '"') != NULL) {
			e = refuse(im,
				   "%s:%u: not 4 fields bundle,sec_tag,type,value (no quotes, no "
				   "commas in a value)",
				   path, no);
			break;
		}
		*f2++ = *f3++ = *f4++ = '\0';
		char where[4200];
		snprintf(where, sizeof where, "%s:%u", path, no);
		if (!valid_name(f1, DB_POOL_BUNDLE_MAX)) {
			e = refuse(
				im,
				"%s: bundle: not a valid id; valid: letters, digits, '_', '-', '.'",
				where);
		} else if (!parse_tag_type(f2, f3, &tag, &type)) {
			e = refuse(im,
				   "%s: sec_tag or type not valid; valid: 0-%u and ca_cert, "
				   "client_cert, client_key, psk, psk_identity",
				   where, NRFCRED_SEC_TAG_MAX);
		} else {
			struct bundle *b = bundle_get(im, f1, path);
			if (b == NULL) {
				e = DB_ERR_NOMEM;
			} else if (type == NRFCRED_TYPE_PSK || type == NRFCRED_TYPE_PSK_IDENTITY) {
				e = add_item(im, b, tag, type, NULL, f4, where);
			} else {
				char file[8400];
				if (f4[0] == '/')
					snprintf(file, sizeof file, "%s", f4);
				else
					snprintf(file, sizeof file, "%s/%s", dir, f4);
				e = add_item(im, b, tag, type, file, NULL, where);
			}
		}
	}
	secure_mem_free(line);
	fclose(f);
	if (e == DB_OK && no == 0) {
		e = refuse(im, "%s: empty; the header is bundle,sec_tag,type,value", path);
	}
	return e;
}

static db_err insert_bundle(PGconn *pg, struct import *im, const struct bundle *b,
			    struct db_pool_import_counts *c)
{
	char msg[400];
	const char *p[2] = {im->pool, b->name};
	PGresult *res = PQexecParams(pg,
				     "INSERT INTO credential_pool (pool, bundle) VALUES ($1, $2) "
				     "ON CONFLICT (pool, bundle) DO NOTHING RETURNING id",
				     2, NULL, p, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		db_err e = db_result_err(pg, res);
		db_pg_message(pg, res, msg, sizeof msg);
		snprintf(im->err, im->errlen, "bundle %s: %s", b->name, msg);
		PQclear(res);
		return e;
	}
	if (PQntuples(res) == 0) {
		c->existing++;
		PQclear(res);
		return DB_OK;
	}
	char id[24];
	snprintf(id, sizeof id, "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	c->bundles++;
	for (size_t i = 0; i < cred_set_count(b->set); i++) {
		const struct cred_entry *en = cred_set_entry(b->set, i);
		char tag[16], type[8], sha[SHA256_HEX_LEN];
		snprintf(tag, sizeof tag, "%" PRIu32, en->sec_tag);
		snprintf(type, sizeof type, "%d", (int)en->type);
		bool secret = is_secret((int)en->type);
		uint8_t nonce[DB_POOL_NONCE_LEN], mac[DB_POOL_TAG_LEN];
		uint8_t *ct = NULL;
		db_err e = DB_OK;
		if (secret) {
			char aad[DB_POOL_NAME_MAX + DB_POOL_BUNDLE_MAX + 32];
			size_t alen = db_pool_aad(im->pool, b->name, en->sec_tag, (int)en->type,
						  aad, sizeof aad);
			ct = malloc(en->len ? en->len : 1);
			if (alen == 0 || ct == NULL ||
			    !db_pool_seal(im->key, aad, alen, en->content, en->len, ct, nonce,
					  mac)) {
				free(ct);
				snprintf(im->err, im->errlen, "bundle %s: encryption failed",
					 b->name);
				return DB_ERR_KEY;
			}
		} else {
			sha256_hex(en->sha256, sha);
		}
		const char *v[9] = {id,
				    tag,
				    type,
				    secret ? "t" : "f",
				    secret ? NULL : (const char *)en->content,
				    secret ? NULL : sha,
				    secret ? (const char *)nonce : NULL,
				    secret ? (const char *)ct : NULL,
				    secret ? (const char *)mac : NULL};
		int lens[9] = {0,
			       0,
			       0,
			       0,
			       secret ? 0 : (int)en->len,
			       0,
			       secret ? (int)DB_POOL_NONCE_LEN : 0,
			       secret ? (int)en->len : 0,
			       secret ? (int)DB_POOL_TAG_LEN : 0};
		int fmts[9] = {0, 0, 0, 0, 1, 0, 1, 1, 1};
		res = PQexecParams(
			pg,
			"INSERT INTO credential_pool_items (bundle_id, sec_tag, type, secret, "
			"content, sha256, nonce, ciphertext, tag) VALUES ($1, $2, $3, $4, "
			"$5::bytea, $6, $7::bytea, $8::bytea, $9::bytea)",
			9, NULL, v, lens, fmts, 0);
		free(ct);
		if (PQresultStatus(res) != PGRES_COMMAND_OK) {
			e = db_result_err(pg, res);
			db_pg_message(pg, res, msg, sizeof msg);
			snprintf(im->err, im->errlen, "bundle %s: %s", b->name, msg);
		}
		PQclear(res);
		if (e != DB_OK)
			return e;
		c->items++;
	}
	return DB_OK;
}

db_err db_pool_import(const char *url, const char *pool, const struct db_pool_key *key,
		      const char *source, struct db_pool_import_counts *counts, char *err,
		      size_t errlen)
{
	memset(counts, 0, sizeof *counts);
	err[0] = '\0';
	if (!valid_name(pool, DB_POOL_NAME_MAX)) {
		snprintf(err, errlen,
			 "--name %s: not a valid pool name; valid: 1-%u of letters, "
			 "digits, '_', '-', '.'",
			 pool, DB_POOL_NAME_MAX - 1);
		return DB_ERR_USAGE;
	}
	struct import im = {.pool = pool, .key = key, .err = err, .errlen = errlen};
	struct stat st;
	db_err e;
	if (stat(source, &st) != 0) {
		snprintf(err, errlen, "%s: %s", source, strerror(errno));
		return DB_ERR_INPUT;
	}
	e = S_ISDIR(st.st_mode) ? import_dir(&im, source) : import_csv(&im, source);
	for (size_t i = 0; e == DB_OK && i < im.count; i++) {
		struct cred_diag diag = {0};
		if (cred_set_validate(im.b[i].set, &diag) != CRED_OK) {
			snprintf(err, errlen, "%s: bundle %s: %s", im.b[i].origin, im.b[i].name,
				 diag.detail);
			e = DB_ERR_INPUT;
		}
	}
	if (e == DB_OK && im.count == 0) {
		snprintf(err, errlen, "%s: no bundle found", source);
		e = DB_ERR_INPUT;
	}
	PGconn *pg = NULL;
	if (e == DB_OK) {
		char msg[600];
		pg = db_connect(url, err, errlen);
		e = pg ? db_schema_check(pg, msg, sizeof msg) : DB_ERR_CONNECT;
		if (pg && e != DB_OK)
			snprintf(err, errlen, "%s", msg);
		if (e == DB_OK)
			e = db_exec(pg, "BEGIN", msg, sizeof msg);
		for (size_t i = 0; e == DB_OK && i < im.count; i++)
			e = insert_bundle(pg, &im, &im.b[i], counts);
		if (e == DB_OK)
			e = db_exec(pg, "COMMIT", msg, sizeof msg);
		if (e != DB_OK) {
			memset(counts, 0, sizeof *counts); /* all or nothing */
			if (err[0] == '\0')
				snprintf(err, errlen, "%s", msg);
		}
	}
	if (pg)
		PQfinish(pg);
	for (size_t i = 0; i < im.count; i++)
		cred_set_destroy(im.b[i].set);
	free(im.b);
	return e;
}

db_err db_pool_status(const char *url, const char *pool, FILE *out, char *err, size_t errlen)
{
	PGconn *pg = db_connect(url, err, errlen);
	if (pg == NULL)
		return DB_ERR_CONNECT;
	const char *p[1] = {pool};
	PGresult *res =
		PQexecParams(pg,
			     "SELECT pool, count(*) FILTER (WHERE state = 'free'),"
			     " count(*) FILTER (WHERE state = 'claimed'), count(*) FILTER (WHERE "
			     "state = 'bound'),"
			     " count(*) FILTER (WHERE state = 'burned') FROM credential_pool"
			     " WHERE $1::text IS NULL OR pool = $1 GROUP BY pool ORDER BY pool",
			     1, NULL, p, NULL, NULL, 0);
	db_err e = DB_OK;
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		e = db_result_err(pg, res);
		db_pg_message(pg, res, err, errlen);
	} else {
		fprintf(out, "%-24s %8s %8s %8s %8s\n", "POOL", "FREE", "CLAIMED", "BOUND",
			"BURNED");
		for (int i = 0; i < PQntuples(res); i++)
			fprintf(out, "%-24s %8s %8s %8s %8s\n", PQgetvalue(res, i, 0),
				PQgetvalue(res, i, 1), PQgetvalue(res, i, 2), PQgetvalue(res, i, 3),
				PQgetvalue(res, i, 4));
		if (PQntuples(res) == 0 && pool)
			fprintf(out, "%-24s %8d %8d %8d %8d\n", pool, 0, 0, 0, 0);
	}
	PQclear(res);
	PQfinish(pg);
	return e;
}

/* ---- a station's claims ---- */

struct claim_arg {
	const char *pool;
	const struct db_pool_key *key;
	const char *station;
	unsigned slot;
	struct db_pool_claim *c;
};

/* Claim and read in one transaction: the row lock of FOR UPDATE SKIP LOCKED
 * keeps other stations off this bundle until the claim commits, and they
 * skip it instead of waiting. */
static db_err op_claim(PGconn *pg, const void *argp, char *why, size_t whylen)
{
	const struct claim_arg *a = argp;
	struct db_pool_claim *c = a->c;
	char slot[16];
	snprintf(slot, sizeof slot, "%u", a->slot);
	db_err e = db_exec(pg, "BEGIN", why, whylen);
	if (e != DB_OK)
		return e;
	const char *p[3] = {a->pool, a->station, slot};
	PGresult *res = PQexecParams(
		pg,
		"UPDATE credential_pool SET state = 'claimed', station = $2, slot = $3,"
		" claimed_at = now() WHERE id = (SELECT id FROM credential_pool"
		" WHERE pool = $1 AND state = 'free' ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED)"
		" RETURNING id, bundle",
		3, NULL, p, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		e = db_result_err(pg, res);
		db_pg_message(pg, res, why, whylen);
	} else if (PQntuples(res) == 0) {
		e = DB_ERR_POOL_EMPTY;
		snprintf(why, whylen,
			 "credential pool %s: no free bundle left (nrfcred pool status)", a->pool);
	} else {
		c->id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
		snprintf(c->bundle, sizeof c->bundle, "%s", PQgetvalue(res, 0, 1));
	}
	PQclear(res);
	if (e == DB_OK) {
		char id[24];
		snprintf(id, sizeof id, "%" PRId64, c->id);
		const char *q[1] = {id};
		res = PQexecParams(
			pg,
			"SELECT sec_tag, type, secret, content, nonce, ciphertext, tag FROM "
			"credential_pool_items WHERE bundle_id = $1 ORDER BY sec_tag, type",
			1, NULL, q, NULL, NULL, 1);
		if (PQresultStatus(res) != PGRES_TUPLES_OK) {
			e = db_result_err(pg, res);
			db_pg_message(pg, res, why, whylen);
		}
		for (int i = 0; e == DB_OK && i < PQntuples(res) && i < (int)DB_POOL_ITEMS_MAX;
		     i++) {
			struct db_pool_item *it = &c->items[c->count];
			uint32_t tag_be, type_be;
			if (PQgetlength(res, i, 0) != 8 || PQgetlength(res, i, 1) != 4) {
				e = DB_ERR_QUERY;
				snprintf(why, whylen, "bundle %s: unexpected item columns",
					 c->bundle);
				break;
			}
			/* Binary results are network order; a sec_tag is < 2^31. */
			memcpy(&tag_be, PQgetvalue(res, i, 0) + 4, 4);
			memcpy(&type_be, PQgetvalue(res, i, 1), 4);
			it->sec_tag = be32toh(tag_be);
			it->type = (int)be32toh(type_be);
			bool secret = PQgetvalue(res, i, 2)[0] != 0;
			int col = secret ? 5 : 3;
			size_t len = (size_t)PQgetlength(res, i, col);
			it->content = secure_mem_alloc(len ? len : 1);
			if (it->content == NULL) {
				e = DB_ERR_NOMEM;
				break;
			}
			it->len = len;
			c->count++;
			if (!secret) {
				memcpy(it->content, PQgetvalue(res, i, 3), len);
				continue;
			}
			char aad[DB_POOL_NAME_MAX + DB_POOL_BUNDLE_MAX + 32];
			size_t alen = db_pool_aad(a->pool, c->bundle, it->sec_tag, it->type, aad,
						  sizeof aad);
			if (PQgetlength(res, i, 4) != (int)DB_POOL_NONCE_LEN ||
			    PQgetlength(res, i, 6) != (int)DB_POOL_TAG_LEN || alen == 0 ||
			    !db_pool_open(a->key, aad, alen, (const uint8_t *)PQgetvalue(res, i, 5),
					  len, (const uint8_t *)PQgetvalue(res, i, 4),
					  (const uint8_t *)PQgetvalue(res, i, 6), it->content)) {
				e = DB_ERR_KEY;
				snprintf(why, whylen,
					 "credential pool %s bundle %s: sec_tag %" PRIu32
					 " type %d does not decrypt with this key file (another "
					 "pool's key, or altered); the bundle is burned",
					 a->pool, c->bundle, it->sec_tag, it->type);
			}
		}
		PQclear(res);
	}
	if (e == DB_ERR_KEY) {
		/* Unusable: never hand it out again. */
		char id[24], ignored[200];
		snprintf(id, sizeof id, "%" PRId64, c->id);
		const char *q[1] = {id};
		PQclear(PQexecParams(pg,
				     "UPDATE credential_pool SET state = 'burned' WHERE id = $1", 1,
				     NULL, q, NULL, NULL, 0));
		db_exec(pg, "COMMIT", ignored, sizeof ignored);
		return e;
	}
	if (e == DB_OK)
		e = db_exec(pg, "COMMIT", why, whylen);
	if (e != DB_OK) {
		char ignored[200];
		db_exec(pg, "ROLLBACK", ignored, sizeof ignored);
	}
	return e;
}

static void claim_clear(struct db_pool_claim *c)
{
	for (size_t i = 0; i < c->count; i++)
		secure_mem_free(c->items[i].content);
	c->count = 0;
}

db_err db_pool_claim(struct db_station *db, const char *pool, const struct db_pool_key *key,
		     unsigned slot, struct db_pool_claim **out, char *why, size_t whylen)
{
	*out = NULL;
	struct db_pool_claim *c = secure_mem_alloc(sizeof *c);
	if (c == NULL)
		return DB_ERR_NOMEM;
	memset(c, 0, sizeof *c);
	snprintf(c->pool, sizeof c->pool, "%s", pool);
	struct claim_arg a = {.pool = pool, .key = key, .slot = slot, .c = c};
	a.station = db_station_name(db);
	db_err e = db_station_run(db, op_claim, &a, why, whylen);
	if (e != DB_OK) {
		claim_clear(c);
		secure_mem_free(c);
		return e;
	}
	*out = c;
	return DB_OK;
}

struct state_arg {
	int64_t id;
	const char *sql;
	const char *imei;
};

static db_err op_state(PGconn *pg, const void *argp, char *why, size_t whylen)
{
	const struct state_arg *a = argp;
	char id[24];
	snprintf(id, sizeof id, "%" PRId64, a->id);
	const char *p[2] = {id, a->imei};
	PGresult *res = PQexecParams(pg, a->sql, a->imei ? 2 : 1, NULL, p, NULL, NULL, 0);
	db_err e = DB_OK;
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		e = db_result_err(pg, res);
		db_pg_message(pg, res, why, whylen);
	} else if (strcmp(PQcmdTuples(res), "1") != 0) {
		e = DB_ERR_QUERY;
		snprintf(why, whylen, "bundle %s is no longer claimed by this station", id);
	}
	PQclear(res);
	return e;
}

db_err db_pool_bind(struct db_station *db, const struct db_pool_claim *c, const char *imei,
		    char *why, size_t whylen)
{
	struct state_arg a = {
		c->id,
		"UPDATE credential_pool SET state = 'bound', imei = $2, bound_at = now()"
		" WHERE id = $1 AND state = 'claimed'",
		imei};
	return db_station_run(db, op_state, &a, why, whylen);
}

db_err db_pool_return(struct db_station *db, const struct db_pool_claim *c, char *why,
		      size_t whylen)
{
	struct state_arg a = {
		c->id,
		"UPDATE credential_pool SET state = 'free', station = NULL, slot = NULL,"
		" claimed_at = NULL WHERE id = $1 AND state = 'claimed'",
		NULL};
	return db_station_run(db, op_state, &a, why, whylen);
}

db_err db_pool_burn(struct db_station *db, const struct db_pool_claim *c, char *why, size_t whylen)
{
	struct state_arg a = {
		c->id,
		"UPDATE credential_pool SET state = 'burned' WHERE id = $1 AND state = 'claimed'",
		NULL};
	return db_station_run(db, op_state, &a, why, whylen);
}

void db_pool_claim_free(struct db_pool_claim *c)
{
	if (c == NULL)
		return;
	claim_clear(c);
	secure_mem_free(c);
}

struct stale_arg {
	const char *station;
	char *list;
	size_t listlen;
	unsigned *count;
};

static db_err op_burn_stale(PGconn *pg, const void *argp, char *why, size_t whylen)
{
	const struct stale_arg *a = argp;
	const char *p[1] = {a->station};
	PGresult *res = PQexecParams(
		pg,
		"UPDATE credential_pool SET state = 'burned' WHERE station = $1 AND state = "
		"'claimed' AND claimed_at < now() RETURNING pool, bundle, slot, "
		"to_char(claimed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')",
		1, NULL, p, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		db_err e = db_result_err(pg, res);
		db_pg_message(pg, res, why, whylen);
		PQclear(res);
		return e;
	}
	size_t pos = 0;
	*a->count = (unsigned)PQntuples(res);
	a->list[0] = '\0';
	for (int i = 0; i < PQntuples(res) && pos + 1 < a->listlen; i++) {
		int n = snprintf(a->list + pos, a->listlen - pos, "%s%s/%s (slot %s, claimed %s)",
				 i ? ", " : "", PQgetvalue(res, i, 0), PQgetvalue(res, i, 1),
				 PQgetvalue(res, i, 2), PQgetvalue(res, i, 3));
		if (n < 0)
			break;
		pos += (size_t)n;
	}
	PQclear(res);
	return DB_OK;
}

db_err db_pool_burn_stale(struct db_station *db, char *list, size_t listlen, unsigned *count,
			  char *why, size_t whylen)
{
	*count = 0;
	if (listlen > 0)
		list[0] = '\0';
	struct stale_arg a = {db_station_name(db), list, listlen, count};
	return listlen > 0 ? db_station_run(db, op_burn_stale, &a, why, whylen) : DB_ERR_USAGE;
}
