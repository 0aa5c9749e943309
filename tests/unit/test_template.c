/* ${IMEI}, ${DEVICEID}, ${SLOT} (cred/template.h). */
#include <criterion/criterion.h>
#include <string.h>

#include "cred/template.h"

static const struct template_vars vars = {
	.imei = "352656100011116", .device_id = 0x0123456789abcdefull, .slot = 7};

Test(template, expands_every_name)
{
	char out[128];
	cr_assert_eq(template_expand("nrf-${IMEI}/${DEVICEID}/s${SLOT}", &vars, out, sizeof out),
		     TEMPLATE_OK);
	cr_assert_str_eq(out, "nrf-352656100011116/0123456789abcdef/s7");
}

Test(template, a_dollar_without_brace_is_text)
{
	char out[32];
	cr_assert_not(template_present("a$b$"));
	cr_assert_eq(template_check("a$b$", NULL, NULL, 0), TEMPLATE_OK);
	cr_assert_eq(template_expand("a$b$", &vars, out, sizeof out), TEMPLATE_OK);
	cr_assert_str_eq(out, "a$b$");
}

Test(template, refuses_an_unknown_name_with_its_column)
{
	char why[160];
	size_t at = 0;
	cr_assert_eq(template_check("creds/${IMEI}/${imei}.crt", &at, why, sizeof why),
		     TEMPLATE_ERR_NAME);
	cr_assert_eq(at, 15);
	cr_assert(strstr(why, "unknown template '${imei}' at column 15") != NULL, "%s", why);
	cr_assert(strstr(why, "valid: ${IMEI}, ${DEVICEID}, ${SLOT}") != NULL, "%s", why);
	cr_assert_eq(template_check("${}", &at, why, sizeof why), TEMPLATE_ERR_NAME);
}

Test(template, refuses_an_unclosed_one)
{
	char why[160];
	cr_assert_eq(template_check("x${IMEI", NULL, why, sizeof why), TEMPLATE_ERR_UNCLOSED);
	cr_assert(strstr(why, "column 2 has no closing '}'") != NULL, "%s", why);
	/* A second "${" before the '}' leaves the first unclosed. */
	cr_assert_eq(template_check("${IM${SLOT}", NULL, NULL, 0), TEMPLATE_ERR_UNCLOSED);
}

Test(template, says_when_the_output_is_too_small)
{
	char out[8];
	cr_assert_eq(template_expand("nrf-${IMEI}", &vars, out, sizeof out), TEMPLATE_ERR_SPACE);
	cr_assert_lt(strlen(out), sizeof out);
}
