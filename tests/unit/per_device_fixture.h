/* Test helper: a per-device station job (station/job.h) made from a station
 * file's text around the simulator's provisioner (FW_SIM_HEX: it has the RAM
 * session and the keygen rounds a per-device job needs). */
#ifndef NRFCRED_TEST_PER_DEVICE_FIXTURE_H
#define NRFCRED_TEST_PER_DEVICE_FIXTURE_H

#include <stddef.h>
#include <stdint.h>

#include "db/db_pool.h"
#include "station/config.h"
#include "station/job.h"

struct per_device_fixture {
	struct station_config *cfg;
	struct station_job *job;
};

/* Parses text as the station file dir/st.ini (asserted, and that it has a
 * per-device credential), loads its credentials (asserted) and makes the
 * job. Returns station_job_create_per_device's result: on failure f->job is
 * NULL and err says why, f->cfg is still the caller's to free. */
int per_device_fixture_make(struct per_device_fixture *f, const char *dir, const char *text,
			    char *err, size_t errlen);
void per_device_fixture_drop(struct per_device_fixture *f);

/* A claim of bundle in pool with no item yet, in secure memory (asserted);
 * db_pool_claim_free frees it. */
struct db_pool_claim *per_device_claim_new(const char *pool, const char *bundle);
/* Adds the item sec_tag/type holding text (asserted). */
void per_device_claim_add(struct db_pool_claim *c, uint32_t sec_tag, int type, const char *text);

#endif
