/* libFuzzer target: the simulated modem's AT interpreter (tools/sim/modem.c)
 * on arbitrary command text, including %CMNG writes into a small store, and
 * the store walk (simmodem_store_foreach) on arbitrary blobs. The first byte
 * picks: even = a sequence of commands split at '\n', odd = a blob. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Relative: tools/fuzz puts only include/ and src/ on the path. */
#include "../../tools/sim/modem.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint64_t zero_clock(void *ctx)
{
	(void)ctx;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	if (data[0] & 1)
		return simmodem_store_foreach(data + 1, (uint32_t)(size - 1), NULL, NULL) < -1;
	static uint8_t store[2048];
	uint32_t store_len = 0;
	struct simboard_timing timing = {0};
	struct simboard_faults faults = {0};
	faults.modem_error_type = -1;
	struct simmodem_params p = {
		.imei = "352656100367872",
		.modem_fw = "mfw_nrf9160_1.3.5",
		.timing = &timing,
		.faults = &faults,
		.store = store,
		.store_len = &store_len,
		.store_cap = sizeof(store),
		.now_ns = zero_clock,
	};
	struct simmodem *m = simmodem_create(&p);
	if (!m)
		return 0;
	static char resp[8192];
	const char *s = (const char *)data + 1;
	size_t left = size - 1;
	while (left > 0) {
		const char *nl = memchr(s, '\n', left);
		size_t n = nl ? (size_t)(nl - s) : left;
		size_t len;
		uint64_t lat;
		simmodem_at(m, s, n, resp, sizeof(resp), &len, &lat);
		if (simmodem_store_foreach(store, store_len, NULL, NULL) < 0)
			abort(); /* the modem wrote a store it cannot read back */
		s += n + (nl ? 1 : 0);
		left -= n + (nl ? 1 : 0);
	}
	simmodem_destroy(m);
	return 0;
}
