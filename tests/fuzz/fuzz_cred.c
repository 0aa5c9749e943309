/* Feeds arbitrary bytes to the credential validators, as a patched hex's
 * table (cred_set_add_raw) and as command-line/INI text (cred_set_add_value).
 * The first byte picks the type; the rest is the content. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cred/cred.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	enum nrfcred_cred_type type = (enum nrfcred_cred_type)(data[0] % 5);
	const uint8_t *content = data + 1;
	size_t len = size - 1;

	struct cred_set_config cfg = {.content_max = 0, .now = 1893456000};
	struct cred_set *set = cred_set_create(&cfg);
	if (!set)
		return 0;
	struct cred_diag diag;
	(void)cred_set_add_raw(set, 7, type, content, len, NULL, &diag);

	char *text = malloc(len + 1);
	if (text) {
		memcpy(text, content, len);
		text[len] = '\0';
		(void)cred_set_add_value(set, 8, type, text, NULL, &diag);
		free(text);
	}
	(void)cred_set_validate(set, &diag);
	cred_set_destroy(set);
	return 0;
}
