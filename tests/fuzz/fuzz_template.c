/* libFuzzer target: ${...} templates of the station file. What
 * template_check accepts expands without error into a buffer large enough,
 * and never past the buffer it is given. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cred/template.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	struct template_vars v = {
		.imei = "352656100011116", .device_id = 0xfedcba9876543210ull, .slot = 64};
	size_t at = 0;
	char why[160];
	template_err e = template_check(text, &at, why, sizeof why);
	/* Each "${NAME}" (at least 7 bytes) grows to at most 16. */
	size_t cap = 3 * size + 16;
	char *out = malloc(cap);
	char small[9];
	if (out) {
		template_err x = template_expand(text, &v, out, cap);
		if (e == TEMPLATE_OK && x != TEMPLATE_OK)
			abort();
		if (e != TEMPLATE_OK && (at == 0 || at > size))
			abort();
		if (x == TEMPLATE_OK && strlen(out) >= cap)
			abort();
		x = template_expand(text, &v, small, sizeof small);
		if (strlen(small) >= sizeof small)
			abort();
	}
	free(out);
	free(text);
	return 0;
}
