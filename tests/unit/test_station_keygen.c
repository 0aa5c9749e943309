/* station/keygen.c's stand-in template expansion: ${IMEI} only, bounded. */
#include <criterion/criterion.h>
#include <string.h>

#include "station/keygen.h"

static int expand(const char *t, char *out, size_t cap)
{
	return keygen_expand_imei(t, strlen(t), "352656100367872", out, cap);
}

Test(station_keygen, expands_every_imei_token_and_nothing_else)
{
	char out[64];
	cr_assert_eq(expand("CN=${IMEI},O=x", out, sizeof out), 22);
	cr_assert_str_eq(out, "CN=352656100367872,O=x");
	cr_assert_eq(expand("${IMEI}-${IMEI}", out, sizeof out), 31);
	cr_assert_str_eq(out, "352656100367872-352656100367872");
	cr_assert_eq(expand("${DEVICEID} ${IMEI ${SLOT}", out, sizeof out), 26);
	cr_assert_str_eq(out, "${DEVICEID} ${IMEI ${SLOT}", "part A's tokens stay as they are");
	cr_assert_eq(expand("", out, sizeof out), 0);
	cr_assert_str_eq(out, "");
}

Test(station_keygen, refuses_what_does_not_fit)
{
	char out[19];
	cr_assert_eq(expand("CN=${IMEI}", out, sizeof out), 18);
	cr_assert_eq(expand("CN=${IMEI}!", out, sizeof out), -1);
	cr_assert_eq(expand("CN==${IMEI}", out, sizeof out), -1);
	cr_assert_eq(expand("x", out, 1), -1);
}
