/*
 * Who a board is, for the per-device parts of a run: the IMEI index that
 * refuses a board the logs say was provisioned already, and the board's
 * own credential table with its random PSKs exported first
 * (board_table.h, secrets_out.h). The worker calls these from the
 * session's READY, before any credential leaves the host.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "db/db_pool.h"
#include "station/board_table.h"
#include "station/config.h"
#include "station/imei_index.h"
#include "station/job.h"
#include "station/pool_slot.h"
#include "station/runner_priv.h"
#include "station/secrets_out.h"

bool slot_imei_not_provisioned(struct slot *s, const char *imei)
{
	struct runner *r = s->r;
	if (r->provisioned == NULL)
		return true;
	struct imei_index_entry seen;
	bool found = false;
	uv_mutex_lock(&r->imei_lock);
	const struct imei_index_entry *e = imei_index_find(r->provisioned, imei);
	if (e) {
		seen = *e;
		found = true;
	}
	uv_mutex_unlock(&r->imei_lock);
	if (!found)
		return true;
	if (r->opts.reprovision) {
		s->reprovisioned = true;
		return true;
	}
	snprintf(s->refusal, sizeof s->refusal,
		 "IMEI %s already provisioned on %s at %s slot %u; give --reprovision to "
		 "provision it again",
		 imei, seen.time, seen.station, seen.slot);
	return false;
}

bool slot_board_table_ready(struct slot *s)
{
	const struct station_job *job = s->r->job;
	if (!job->per_board || s->board != NULL)
		return true; /* built once per board: a second boot gets the same */
	if (s->imei[0] == '\0') {
		snprintf(s->detail, sizeof s->detail,
			 "the firmware's READY gave no IMEI: this board's credentials cannot be "
			 "built (nothing was sent)");
		return false;
	}
	/* The board's bundle, before its table: an empty pool fails the board
	 * here, with nothing sent to the modem. A second boot keeps it. */
	if (job->pool[0] != '\0' && s->pool_claim == NULL &&
	    slot_pool_claim(s, s->r->opts.db, job->pool, s->r->pool_key, &s->pool_claim) !=
		    SLOT_OUT_OK)
		return false;
	struct board_ids ids = {
		.imei = s->imei, .device_id = s->info.device_id, .slot = s->cfg->number};
	char err[sizeof s->detail];
	if (board_table_build(job, &ids, s->pool_claim, &s->board, err, sizeof err) != 0) {
		snprintf(s->detail, sizeof s->detail, "%.200s (nothing was sent)", err);
		return false;
	}
	for (size_t i = 0; i < s->board->secret_count; i++) {
		const struct board_secret *bs = &s->board->secrets[i];
		char now[32];
		station_format_utc(runner_wall_ms(), now);
		secrets_out_err se =
			s->r->secrets ? secrets_out_append(s->r->secrets, now, s->cfg->number,
							   s->imei, bs->sec_tag, bs->hex, bs->len)
				      : SECRETS_OUT_ERR_IO;
		if (se != SECRETS_OUT_OK) {
			int e = errno;
			snprintf(s->detail, sizeof s->detail,
				 "%s: %s%s%s (the random PSK of sec_tag %" PRIu32 " was not sent)",
				 s->r->secrets ? secrets_out_path(s->r->secrets) : "secrets_out",
				 secrets_out_strerror(se), se == SECRETS_OUT_ERR_IO ? ": " : "",
				 se == SECRETS_OUT_ERR_IO ? strerror(e) : "", bs->sec_tag);
			board_table_destroy(s->board);
			s->board = NULL;
			return false;
		}
	}
	return true;
}

void slot_record_provisioned(struct slot *s, const char *time)
{
	struct runner *r = s->r;
	const char *imei = s->have_result ? s->result.imei : s->imei;
	if (r->provisioned == NULL || imei[0] == '\0')
		return;
	uv_mutex_lock(&r->imei_lock);
	(void)imei_index_add(r->provisioned, imei, time, r->cfg->name, s->cfg->number);
	uv_mutex_unlock(&r->imei_lock);
}

int runner_open_identity(struct runner *r, char *err, size_t errlen)
{
	if (r->opts.csv) {
		r->provisioned = imei_index_create();
		if (r->provisioned == NULL) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		struct imei_index_stats st;
		char path[600];
		if (imei_index_load_dir(r->provisioned, r->cfg->log_dir, &st, path, sizeof path) !=
		    IMEI_INDEX_OK) {
			snprintf(err, errlen,
				 "%s: %s (reading the logs for the IMEIs provisioned "
				 "before)",
				 path, strerror(errno));
			return -1;
		}
		r->summary.index_imeis = imei_index_count(r->provisioned);
		r->summary.index_bad_rows = st.bad_rows;
		r->summary.index_torn_rows = st.torn_rows;
		r->summary.index_foreign_files = st.foreign_files;
	}
	if (r->job->pool[0] != '\0') {
		/* A pool needs the factory database (the claims) and its key
		 * (the bundles' keys and PSKs): refused before any board. */
		char why[400];
		if (r->opts.db == NULL) {
			snprintf(err, errlen,
				 "credential pool %s needs the factory database: set [database] "
				 "url or NRFCRED_DATABASE_URL",
				 r->job->pool);
			return -1;
		}
		if (r->cfg->db_pool_key == NULL) {
			snprintf(err, errlen,
				 "credential pool %s needs its key file: set [database] pool_key",
				 r->job->pool);
			return -1;
		}
		if (db_pool_key_load(r->cfg->db_pool_key, &r->pool_key, why, sizeof why) != DB_OK) {
			snprintf(err, errlen, "[database] pool_key: %s", why);
			return -1;
		}
	}
	if (r->job->random_psk) {
		char why[700];
		if (r->cfg->secrets_out == NULL) {
			snprintf(err, errlen, "a random PSK needs [station] secrets_out = FILE");
			return -1;
		}
		if (secrets_out_open(r->cfg->secrets_out, r->cfg->name, &r->secrets, why,
				     sizeof why) != SECRETS_OUT_OK) {
			snprintf(err, errlen, "[station] secrets_out: %s", why);
			return -1;
		}
	}
	return 0;
}

void slot_board_table_drop(struct slot *s)
{
	board_table_destroy(s->board);
	s->board = NULL;
}

const struct table *slot_sent_table(const struct slot *s)
{
	return s->board ? s->board->table : s->r->job->table;
}

const uint8_t *slot_sent_request(const struct slot *s, size_t *len)
{
	*len = s->board ? s->board->request_len : s->r->job->request_len;
	return s->board ? s->board->request : s->r->job->request;
}
