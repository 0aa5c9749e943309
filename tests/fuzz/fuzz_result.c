/* libFuzzer target: result_decode on arbitrary bytes, then result_check
 * against a fixed two-entry table; re-encoding a decoded result must
 * reproduce the bytes that carry meaning. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "provision/result.h"
#include "provision/table.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct result r;
	struct provision_diag diag;
	result_err err = result_decode(data, size, 4096, &r, &diag);
	if (err != RESULT_OK)
		return 0;
	struct table *t = table_create(0);
	if (!t)
		return 0;
	table_add(t, 42, NRFCRED_TYPE_PSK, 0, "cafebabe", 8, false, NULL);
	table_add(t, 42, NRFCRED_TYPE_PSK_IDENTITY, 0, "id", 2, false, NULL);
	(void)result_check(&r, t, RESULT_DIGEST_REQUIRE, &diag);
	(void)result_check(&r, t, RESULT_DIGEST_WHEN_AVAILABLE, &diag);
	if (result_count_undigested(&r) > r.count)
		abort();
	table_destroy(t);

	uint8_t buf[NRFCRED_RESULT_SIZE(NRFCRED_TABLE_MAX_ENTRIES)];
	size_t len = 0;
	if (result_encode(&r, buf, sizeof(buf), &len) != RESULT_OK || len != r.total_len)
		abort();
	/* status, counts, IMEI and entries' meaning fields must survive */
	if (memcmp(buf, data, 22) != 0)
		abort();
	if (r.imei[0] != 0 && memcmp(buf + 24, data + 24, 16) != 0)
		abort();
	return 0;
}
