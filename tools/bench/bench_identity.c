/*
 * bench_identity (issue 11), run by hand:
 *   build-bench/tools/bench/bench_identity PROVISIONER.hex [BOARDS] [ROWS]
 * 1. board_table_build per board for three station files made here (the
 *    demo's credentials with a templated PSK identity; plus a random:32 PSK;
 *    plus a per-IMEI client certificate), against the cost of the
 *    non-templated job's one build (station_job_create), which is the whole
 *    per-run table cost of a station without templates.
 * 2. The IMEI index: ROWS pass rows of one slot log read at start, then
 *    lookups. Figures only; CPU time of this thread is the figure to trust
 *    on a shared machine.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cred/cred.h"
#include "station/board_table.h"
#include "station/config.h"
#include "station/csvlog.h"
#include "station/imei_index.h"
#include "station/job.h"

static double cpu_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static struct station_config *config_of(const char *dir, const char *creds)
{
	char text[4096], path[600], err[600];
	snprintf(path, sizeof path, "%s/st.ini", dir);
	snprintf(text, sizeof text,
		 "[station]\ndelivery = ram\nsecrets_out = psk.csv\n[slot 1]\nprobe = 260000001\n"
		 "%s",
		 creds);
	struct station_config *cfg = NULL;
	if (station_config_parse(text, path, &cfg, err, sizeof err) != STATION_CONFIG_OK) {
		fprintf(stderr, "bench_identity: %s\n", err);
		exit(1);
	}
	return cfg;
}

static void bench_tables(const char *dir, const char *hex, const char *name, const char *creds,
			 unsigned boards)
{
	struct station_config *cfg = config_of(dir, creds);
	struct cred_set *set = NULL;
	struct station_job *job = NULL;
	char err[600];
	if (station_job_load_credentials(cfg, &set, err, sizeof err) != 0) {
		fprintf(stderr, "bench_identity: %s\n", err);
		exit(1);
	}
	double t0 = cpu_ms();
	int rc = station_config_has_per_device(cfg)
			 ? station_job_create_per_device(hex, set, cfg, &job, err, sizeof err)
			 : station_job_create(hex, set, false, NULL, 1000, STATION_DELIVERY_RAM,
					      &job, err, sizeof err);
	double t1 = cpu_ms();
	if (rc != 0) {
		fprintf(stderr, "bench_identity: %s\n", err);
		exit(1);
	}
	double per = 0;
	if (job->per_board) {
		for (unsigned i = 0; i < boards; i++) {
			char imei[24];
			snprintf(imei, sizeof imei, "3526561%08u", i % 100000000u);
			struct board_ids ids = {.imei = imei, .device_id = i, .slot = 1};
			struct board_table *bt = NULL;
			if (board_table_build(job, &ids, NULL, &bt, err, sizeof err) != 0) {
				fprintf(stderr, "bench_identity: %s\n", err);
				exit(1);
			}
			board_table_destroy(bt);
		}
		per = (cpu_ms() - t1) / boards;
	}
	printf("%-34s job %7.2f ms once   per board %7.3f ms CPU\n", name, t1 - t0, per);
	station_job_destroy(job);
	cred_set_destroy(set);
	station_config_free(cfg);
}

static void bench_index(const char *dir, unsigned rows)
{
	char path[600];
	snprintf(path, sizeof path, "%s/bench-slot1.csv", dir);
	FILE *f = fopen(path, "wb");
	if (f == NULL)
		exit(1);
	fprintf(f, "%s\r\n", CSVLOG_HEADER);
	for (unsigned i = 0; i < rows; i++)
		fprintf(f,
			"2026-01-01T00:00:00.000Z,bench,1,260000001,35%013u,pass,,,6500,nRF9160,"
			"mfw_nrf9160_1.3.5,42/0;42/1;43/4,%064u;%064u;%064u,%064u,,0.2.0,4000,3,no,"
			"modem,ram,1,target,\r\n",
			i, i, i, i, i);
	fclose(f);
	struct stat st;
	stat(path, &st);
	struct imei_index *idx = imei_index_create();
	struct imei_index_stats s;
	char p[700];
	double t0 = cpu_ms();
	imei_index_load_dir(idx, dir, &s, p, sizeof p);
	double t1 = cpu_ms();
	unsigned hits = 0;
	char imei[16];
	for (unsigned i = 0; i < 1000000u; i++) {
		snprintf(imei, sizeof imei, "35%013u", (i * 7919u) % (2 * rows + 1));
		hits += imei_index_find(idx, imei) != NULL;
	}
	double t2 = cpu_ms();
	printf("index: %u rows (%.1f MB) read in %.1f ms CPU (%.2f us/row); 1e6 lookups %.1f ms "
	       "(%u hits)\n",
	       rows, st.st_size / 1e6, t1 - t0, (t1 - t0) * 1e3 / rows, t2 - t1, hits);
	imei_index_destroy(idx);
	unlink(path);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: bench_identity PROVISIONER.hex [BOARDS] [ROWS]\n");
		return 2;
	}
	unsigned boards = argc > 2 ? (unsigned)atoi(argv[2]) : 200;
	unsigned rows = argc > 3 ? (unsigned)atoi(argv[3]) : 200000;
	char dir[] = "/tmp/nrfcred-bench-id-XXXXXX";
	if (mkdtemp(dir) == NULL)
		return 1;
	const char *data = getenv("NRFCRED_SOURCE_ROOT") ? getenv("NRFCRED_SOURCE_ROOT") : ".";
	char base[2400], cert[800];
	snprintf(base, sizeof base,
		 "[credential ca]\nsec_tag = 42\ntype = ca_cert\nfile = "
		 "%s/tests/data/provision/ca.pem\n"
		 "[credential key]\nsec_tag = 42\ntype = client_key\n"
		 "file = %s/tests/data/provision/client.key\n",
		 data, data);
	char fixed[3200], tmpl[3200], rnd[3400], file[3200];
	snprintf(fixed, sizeof fixed,
		 "%s[credential cert]\nsec_tag = 42\ntype = client_cert\n"
		 "file = %s/tests/data/provision/client.pem\n"
		 "[credential id]\nsec_tag = 43\ntype = psk_identity\nvalue = nrfcred-demo\n",
		 base, data);
	snprintf(tmpl, sizeof tmpl,
		 "%s[credential cert]\nsec_tag = 42\ntype = client_cert\n"
		 "file = %s/tests/data/provision/client.pem\n"
		 "[credential id]\nsec_tag = 43\ntype = psk_identity\nvalue = nrf-${IMEI}\n",
		 base, data);
	snprintf(rnd, sizeof rnd,
		 "%s[credential psk]\nsec_tag = 43\ntype = psk\nvalue = random:32\n", tmpl);
	/* One per-IMEI directory for every board: the same certificate in each. */
	snprintf(cert, sizeof cert, "%s/tests/data/provision/client.pem", data);
	for (unsigned i = 0; i < boards; i++) {
		char d[700], cmd[2400];
		snprintf(d, sizeof d, "%s/creds/3526561%08u", dir, i % 100000000u);
		snprintf(cmd, sizeof cmd, "mkdir -p '%s' && cp '%s' '%s/client.crt'", d, cert, d);
		if (system(cmd) != 0)
			return 1;
	}
	snprintf(file, sizeof file,
		 "%s[credential cert]\nsec_tag = 42\ntype = client_cert\n"
		 "file = creds/${IMEI}/client.crt\n"
		 "[credential id]\nsec_tag = 43\ntype = psk_identity\nvalue = nrf-${IMEI}\n",
		 base);
	bench_tables(dir, argv[1], "no template (built once per run)", fixed, boards);
	bench_tables(dir, argv[1], "identity nrf-${IMEI}", tmpl, boards);
	bench_tables(dir, argv[1], "... + random:32 PSK", rnd, boards);
	bench_tables(dir, argv[1], "... + creds/${IMEI}/client.crt", file, boards);
	bench_index(dir, rows);
	char cmd[200];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : 1;
}
