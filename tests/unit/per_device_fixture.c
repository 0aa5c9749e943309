#include "per_device_fixture.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "cred/cred.h"
#include "cred/secure_mem.h"

int per_device_fixture_make(struct per_device_fixture *f, const char *dir, const char *text,
			    char *err, size_t errlen)
{
	char path[128];
	snprintf(path, sizeof path, "%s/st.ini", dir);
	cr_assert_eq(station_config_parse(text, path, &f->cfg, err, errlen), STATION_CONFIG_OK,
		     "%s", err);
	cr_assert(station_config_has_per_device(f->cfg),
		  "a per-board credential makes a per-device job");
	struct cred_set *set = NULL;
	cr_assert_eq(station_job_load_credentials(f->cfg, &set, err, errlen), 0, "%s", err);
	int rc = station_job_create_per_device(FW_SIM_HEX, set, f->cfg, &f->job, err, errlen);
	cred_set_destroy(set);
	return rc;
}

void per_device_fixture_drop(struct per_device_fixture *f)
{
	station_job_destroy(f->job);
	station_config_free(f->cfg);
}

struct db_pool_claim *per_device_claim_new(const char *pool, const char *bundle)
{
	struct db_pool_claim *c = secure_mem_alloc(sizeof *c);
	cr_assert_not_null(c);
	memset(c, 0, sizeof *c);
	snprintf(c->pool, sizeof c->pool, "%s", pool);
	snprintf(c->bundle, sizeof c->bundle, "%s", bundle);
	return c;
}

void per_device_claim_add(struct db_pool_claim *c, uint32_t sec_tag, int type, const char *text)
{
	struct db_pool_item *it = &c->items[c->count++];
	it->sec_tag = sec_tag;
	it->type = type;
	it->len = strlen(text);
	it->content = secure_mem_alloc(it->len);
	cr_assert_not_null(it->content);
	memcpy(it->content, text, it->len);
}
