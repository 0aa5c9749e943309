/* libFuzzer target: db_spool_parse on arbitrary bytes (a spool file is read
 * back as hostile input by `nrfcred db sync`). A line it accepts must
 * format again to the very same bytes: nothing is dropped or invented. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "db/db_spool.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct db_spool_entry e;
	const char *why = NULL;
	if (!db_spool_parse((const char *)data, size, &e, &why)) {
		if (why == NULL)
			abort();
		return 0;
	}
	char *line;
	size_t len;
	if (!db_spool_format(&e.row, &line, &len))
		abort();
	/* format adds the '\n' the parser is given without; %XX case may
	 * differ (upper here), so compare parsed values instead of bytes. */
	static struct db_spool_entry again;
	if (len == 0 || line[len - 1] != '\n' || !db_spool_parse(line, len - 1, &again, &why))
		abort();
	if (memcmp(e.row.uuid, again.row.uuid, sizeof e.row.uuid) != 0 ||
	    e.row.slot != again.row.slot || e.row.device_id != again.row.device_id ||
	    e.row.passed != again.row.passed || strcmp(e.row.cause, again.row.cause) != 0 ||
	    strcmp(e.row.imei, again.row.imei) != 0 ||
	    strcmp(e.row.delivery, again.row.delivery) != 0)
		abort();
	free(line);
	return 0;
}
