/* bench_db_pool: drives the pool API as a station's slots do (db_pool.h), for
 * integration-db and tools/bench: one db_station (one connection), THREADS
 * slots each claiming bundles one after the other until the pool is empty
 * or each made MAX claims, then binding, returning or burning each.
 *
 *   bench_db_pool URL POOL KEY_FILE STATION THREADS MAX bind|return|burn
 *
 * Prints one line per claim "claim SLOT BUNDLE SHA256-OF-ITEMS", then
 * "empty SLOT" when a slot found the pool empty, and last
 * "claims N seconds S". Exit 0, or 1 on any error but an empty pool. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "db/db.h"
#include "db/db_pool.h"
#include "image/digest.h"

struct run {
	struct db_station *db;
	struct db_pool_key *key;
	const char *pool, *mode;
	unsigned max;
	pthread_mutex_t out;
	unsigned claims;
	int failed;
};

struct slot_arg {
	struct run *run;
	unsigned slot;
};

static void *slot_main(void *p)
{
	struct slot_arg *a = p;
	struct run *r = a->run;
	for (unsigned i = 0; i < r->max; i++) {
		struct db_pool_claim *c = NULL;
		char why[400];
		db_err e = db_pool_claim(r->db, r->pool, r->key, a->slot, &c, why, sizeof why);
		if (e == DB_ERR_POOL_EMPTY) {
			pthread_mutex_lock(&r->out);
			printf("empty %u\n", a->slot);
			pthread_mutex_unlock(&r->out);
			break;
		}
		if (e != DB_OK) {
			fprintf(stderr, "slot %u: claim: %s\n", a->slot, why);
			r->failed = 1;
			break;
		}
		/* A digest over the public items (certificates, identities), so
		 * the test can tell bundles apart; never over a key or PSK. */
		uint8_t d[SHA256_LEN];
		char hex[SHA256_HEX_LEN];
		size_t total = 0;
		for (size_t k = 0; k < c->count; k++)
			total += c->items[k].len;
		uint8_t *all = malloc(total + 1);
		size_t off = 0;
		for (size_t k = 0; all && k < c->count; k++) {
			if (c->items[k].type == 2 || c->items[k].type == 3)
				continue; /* client_key, psk */
			memcpy(all + off, c->items[k].content, c->items[k].len);
			off += c->items[k].len;
		}
		sha256(all, off, d);
		free(all);
		sha256_hex(d, hex);
		char imei[16];
		/* 15 digits unique per process, slot and claim (not a real IMEI). */
		snprintf(imei, sizeof imei, "35%02u%06u%05u", a->slot % 100,
			 (unsigned)getpid() % 1000000u, i % 100000u);
		if (strcmp(r->mode, "bind") == 0)
			e = db_pool_bind(r->db, c, imei, why, sizeof why);
		else if (strcmp(r->mode, "return") == 0)
			e = db_pool_return(r->db, c, why, sizeof why);
		else
			e = db_pool_burn(r->db, c, why, sizeof why);
		pthread_mutex_lock(&r->out);
		printf("claim %u %s %zu %s\n", a->slot, c->bundle, c->count, hex);
		r->claims++;
		pthread_mutex_unlock(&r->out);
		db_pool_claim_free(c);
		if (e != DB_OK) {
			fprintf(stderr, "slot %u: %s: %s\n", a->slot, r->mode, why);
			r->failed = 1;
			break;
		}
	}
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc != 8) {
		fprintf(stderr, "usage: bench_db_pool URL POOL KEY_FILE STATION THREADS MAX "
				"bind|return|burn\n");
		return 2;
	}
	struct run r = {.pool = argv[2], .mode = argv[7], .max = (unsigned)atoi(argv[6])};
	unsigned threads = (unsigned)atoi(argv[5]);
	char err[600];
	if (db_pool_key_load(argv[3], &r.key, err, sizeof err) != DB_OK) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	struct db_station_options o = {.url = argv[1],
				       .policy = DB_POLICY_REQUIRE,
				       .station = argv[4],
				       .spool_path = "/dev/null"};
	if (db_station_open(&o, &r.db, err, sizeof err) != DB_OK) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	pthread_mutex_init(&r.out, NULL);
	pthread_t t[64];
	struct slot_arg a[64];
	if (threads == 0 || threads > 64)
		threads = 1;
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (unsigned i = 0; i < threads; i++) {
		a[i] = (struct slot_arg){&r, i + 1};
		pthread_create(&t[i], NULL, slot_main, &a[i]);
	}
	for (unsigned i = 0; i < threads; i++)
		pthread_join(t[i], NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("claims %u seconds %.3f\n", r.claims,
	       (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	db_station_close(r.db);
	db_pool_key_free(r.key);
	return r.failed;
}
