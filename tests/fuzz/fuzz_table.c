/* libFuzzer target: table_decode on arbitrary bytes; a decoded table must
 * re-encode to exactly the bytes it came from. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "provision/table.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct table *t = NULL;
	struct provision_diag diag;
	if (table_decode(data, size, &t, &diag) != TABLE_OK)
		return 0;
	size_t need = table_encoded_size(t);
	uint8_t *buf = malloc(need);
	size_t len = 0;
	if (buf && table_encode(t, buf, need, &len, &diag) == TABLE_OK) {
		if (len > size || memcmp(buf, data, len) != 0)
			abort(); /* decode accepted something encode cannot reproduce */
	}
	free(buf);
	table_destroy(t);
	return 0;
}
