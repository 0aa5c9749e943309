#include "simmodem_fixture.h"

#include <criterion/criterion.h>
#include <string.h>

static uint64_t fixture_clock(void *ctx)
{
	const struct simmodem_fixture *f = ctx;
	return f->clock_ns;
}

void simmodem_fixture_reset(struct simmodem_fixture *f)
{
	memset(&f->timing, 0, sizeof(f->timing));
	memset(&f->faults, 0, sizeof(f->faults));
	f->faults.modem_error_type = -1;
	memset(f->store, 0, sizeof(f->store));
	f->store_len = 0;
	f->clock_ns = 0;
}

struct simmodem_params simmodem_fixture_params(struct simmodem_fixture *f, const char *imei,
					       const char *modem_fw, uint32_t cap)
{
	return (struct simmodem_params){
		.imei = imei,
		.modem_fw = modem_fw,
		.timing = &f->timing,
		.faults = &f->faults,
		.store = f->store,
		.store_len = &f->store_len,
		.store_cap = cap,
		.now_ns = fixture_clock,
		.clock_ctx = f,
	};
}

const char *simmodem_fixture_at(struct simmodem_fixture *f, const char *cmd)
{
	size_t len;
	uint64_t lat;
	simmodem_at(f->modem, cmd, strlen(cmd), f->resp, sizeof(f->resp), &len, &lat);
	return f->resp;
}

void simmodem_fixture_offline(struct simmodem_fixture *f)
{
	cr_assert_str_eq(simmodem_fixture_at(f, "AT+CMEE=1"), "OK\r\n");
	cr_assert_str_eq(simmodem_fixture_at(f, "AT+CFUN=4"), "OK\r\n");
}
