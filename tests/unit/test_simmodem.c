/* Simulated modem (tools/sim/modem.c): AT rules, credential store blob and
 * the mailbox protocol, with a fake clock and no board. */
#include <criterion/criterion.h>
#include <mbedtls/sha256.h>
#include <stdio.h>
#include <string.h>

#include "modem.h"
#include "simmodem_fixture.h"
#include "nrfcred/sim_mailbox.h"

#define IMEI "352656100367872"
#define MFW  "mfw_nrf9160_1.3.5"
#define PEM  "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"

static struct simmodem_fixture fx;

static struct simmodem_params params(uint32_t cap)
{
	return simmodem_fixture_params(&fx, IMEI, MFW, cap);
}

static void setup(void)
{
	simmodem_fixture_reset(&fx);
	fx.timing.modem_start_ns = 200000000;
	fx.timing.modem_cmd_ns = 5000000;
	fx.timing.modem_cmng_write_ns = 60000000;
	struct simmodem_params p = params(sizeof(fx.store));
	fx.modem = simmodem_create(&p);
	cr_assert_not_null(fx.modem);
}

static void teardown(void)
{
	simmodem_destroy(fx.modem);
}

TestSuite(simmodem, .init = setup, .fini = teardown);

static const char *at(const char *cmd)
{
	return simmodem_fixture_at(&fx, cmd);
}

static void offline(void)
{
	simmodem_fixture_offline(&fx);
}

static void sha_hex(const char *s, char out[65])
{
	uint8_t d[32];
	mbedtls_sha256_ret((const unsigned char *)s, strlen(s), d, 0);
	for (int i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02X", d[i]);
}

Test(simmodem, errors_are_plain_until_cmee_1_then_numeric)
{
	cr_assert_str_eq(at("AT%CMNG=3,1,0"), "ERROR\r\n");
	cr_assert_str_eq(at("AT+CMEE=1"), "OK\r\n");
	cr_assert_str_eq(at("AT+CMEE?"), "+CMEE: 1\r\nOK\r\n");
	cr_assert_str_eq(at("AT%CMNG=3,1,0"), "+CME ERROR: 513\r\n");
}

Test(simmodem, cfun_is_set_and_queried)
{
	cr_assert_str_eq(at("AT+CFUN?"), "+CFUN: 0\r\nOK\r\n", "power-on state");
	cr_assert_str_eq(at("AT+CFUN=4"), "OK\r\n");
	cr_assert_str_eq(at("AT+CFUN?"), "+CFUN: 4\r\nOK\r\n");
	cr_assert_str_eq(at("AT+CFUN=3"), "ERROR\r\n");
	cr_assert_str_eq(at("AT+CFUN=x"), "ERROR\r\n");
	cr_assert_str_eq(at("AT+CFUN?"), "+CFUN: 4\r\nOK\r\n");
}

Test(simmodem, cgsn_answers_bare_and_quoted_forms)
{
	cr_assert_str_eq(at("AT+CGSN"), IMEI "\r\nOK\r\n");
	cr_assert_str_eq(at("AT+CGSN=0"), IMEI "\r\nOK\r\n");
	cr_assert_str_eq(at("AT+CGSN=1"), "+CGSN: \"" IMEI "\"\r\nOK\r\n");
	cr_assert_str_eq(at("AT+CGSN=7"), "ERROR\r\n");
}

Test(simmodem, cgmr_and_lower_case_commands_work)
{
	cr_assert_str_eq(at("AT+CGMR"), MFW "\r\nOK\r\n");
	cr_assert_str_eq(at("at+cgmr"), MFW "\r\nOK\r\n");
	cr_assert_str_eq(at("AT"), "OK\r\n");
	cr_assert_str_eq(at("AT+FOO"), "ERROR\r\n");
	cr_assert_str_eq(at("XY"), "ERROR\r\n");
}

Test(simmodem, credential_writes_are_refused_with_518_while_active)
{
	at("AT+CMEE=1");
	at("AT+CFUN=1");
	cr_assert_str_eq(at("AT%CMNG=0,1,4,\"id\""), "+CME ERROR: 518\r\n");
	cr_assert_str_eq(at("AT%CMNG=3,1,4"), "+CME ERROR: 518\r\n");
	at("AT+CFUN=0");
	cr_assert_str_eq(at("AT%CMNG=0,1,4,\"id\""), "OK\r\n", "CFUN=0 allows writes");
	at("AT+CFUN=4");
	cr_assert_str_eq(at("AT%CMNG=0,2,4,\"id\""), "OK\r\n");
}

Test(simmodem, list_reports_the_sha256_of_the_stored_content)
{
	offline();
	cr_assert_str_eq(at("AT%CMNG=0,16842753,0,\"" PEM "\""), "OK\r\n");
	cr_assert_str_eq(at("AT%CMNG=0,7,3,\"00ff\""), "OK\r\n");
	char h1[65], h2[65], want[256];
	sha_hex(PEM, h1);
	sha_hex("00ff", h2);
	snprintf(want, sizeof(want), "%%CMNG: 16842753,0,\"%s\"\r\nOK\r\n", h1);
	cr_assert_str_eq(at("AT%CMNG=1,16842753,0"), want);
	snprintf(want, sizeof(want), "%%CMNG: 7,3,\"%s\"\r\n%%CMNG: 16842753,0,\"%s\"\r\nOK\r\n",
		 h2, h1);
	cr_assert_str_eq(at("AT%CMNG=1"), want, "sorted by sec_tag");
	cr_assert_str_eq(at("AT%CMNG=1,99,0"), "OK\r\n");
}

Test(simmodem, write_overwrites_an_existing_credential)
{
	offline();
	at("AT%CMNG=0,5,4,\"first\"");
	cr_assert_str_eq(at("AT%CMNG=0,5,4,\"second\""), "OK\r\n");
	char h[65], want[256];
	sha_hex("second", h);
	snprintf(want, sizeof(want), "%%CMNG: 5,4,\"%s\",\"second\"\r\nOK\r\n", h);
	cr_assert_str_eq(at("AT%CMNG=2,5,4"), want);
	cr_assert_eq(simmodem_store_foreach(fx.store, fx.store_len, NULL, NULL), 1);
}

Test(simmodem, delete_of_a_missing_credential_is_513_and_of_an_existing_one_ok)
{
	offline();
	cr_assert_str_eq(at("AT%CMNG=3,5,4"), "+CME ERROR: 513\r\n");
	at("AT%CMNG=0,5,4,\"x\"");
	cr_assert_str_eq(at("AT%CMNG=3,5,4"), "OK\r\n");
	cr_assert_str_eq(at("AT%CMNG=1"), "OK\r\n");
	cr_assert_eq(fx.store_len, 0);
}

Test(simmodem, private_keys_cannot_be_read_back)
{
	offline();
	cr_assert_str_eq(at("AT%CMNG=0,5,2,\"-----BEGIN EC PRIVATE KEY-----\nAA\n\""), "OK\r\n");
	cr_assert_str_eq(at("AT%CMNG=2,5,2"), "+CME ERROR: 514\r\n");
	cr_assert_str_eq(at("AT%CMNG=2,5,1"), "+CME ERROR: 513\r\n");
}

Test(simmodem, invalid_content_is_527)
{
	offline();
	cr_assert_str_eq(at("AT%CMNG=0,1,0,\"not a pem\""), "+CME ERROR: 527\r\n");
	cr_assert_str_eq(at("AT%CMNG=0,1,3,\"abc\""), "+CME ERROR: 527\r\n", "odd PSK");
	cr_assert_str_eq(at("AT%CMNG=0,1,3,\"zz\""), "+CME ERROR: 527\r\n", "non-hex PSK");
	cr_assert_str_eq(at("AT%CMNG=0,1,4,\"\""), "+CME ERROR: 527\r\n", "empty");
	cr_assert_str_eq(at("AT%CMNG=0,1,4,unquoted"), "+CME ERROR: 527\r\n");
	static char cmd[4200];
	int n = snprintf(cmd, sizeof(cmd), "AT%%CMNG=0,1,4,\"");
	memset(cmd + n, 'a', 4096);
	strcpy(cmd + n + 4096, "\"");
	cr_assert_str_eq(at(cmd), "OK\r\n", "4096 bytes fit");
	strcpy(cmd + n + 4096, "a\"");
	cr_assert_str_eq(at(cmd), "+CME ERROR: 527\r\n", "4097 bytes do not");
}

Test(simmodem, malformed_cmng_syntax_is_error)
{
	offline();
	cr_assert_str_eq(at("AT%CMNG=0,1,4,\"ab\"c\""), "ERROR\r\n", "quote inside content");
	cr_assert_str_eq(at("AT%CMNG=0,1,4,\"abc"), "ERROR\r\n", "unterminated");
	cr_assert_str_eq(at("AT%CMNG=0,1,4,\"a\",\"pw\""), "ERROR\r\n", "password only for keys");
	cr_assert_str_eq(at("AT%CMNG=9,1,4"), "ERROR\r\n");
	cr_assert_str_eq(at("AT%CMNG=0,x,4,\"a\""), "ERROR\r\n");
	cr_assert_str_eq(at("AT%CMNG=0,1"), "ERROR\r\n");
	cr_assert_str_eq(at("AT%CMNG"), "ERROR\r\n");
}

Test(simmodem, out_of_range_sec_tag_or_type_is_514)
{
	offline();
	cr_assert_str_eq(at("AT%CMNG=0,2147483648,4,\"a\""), "+CME ERROR: 514\r\n");
	cr_assert_str_eq(at("AT%CMNG=0,1,7,\"a\""), "+CME ERROR: 514\r\n");
	cr_assert_str_eq(at("AT%CMNG=0,2147483647,4,\"a\""), "OK\r\n");
}

Test(simmodem, full_store_is_515_and_keeps_the_old_content)
{
	simmodem_destroy(fx.modem);
	struct simmodem_params p = params(64);
	fx.modem = simmodem_create(&p);
	offline();
	cr_assert_str_eq(at("AT%CMNG=0,1,4,\"0123456789012345678901234567890123456789\""),
			 "OK\r\n");
	uint32_t before = fx.store_len;
	cr_assert_str_eq(at("AT%CMNG=0,2,4,\"0123456789\""), "+CME ERROR: 515\r\n");
	cr_assert_eq(fx.store_len, before);
	cr_assert_eq(simmodem_store_foreach(fx.store, fx.store_len, NULL, NULL), 1);
}

Test(simmodem, injected_fault_fails_only_the_configured_credential)
{
	fx.faults.modem_error_sec_tag = 42;
	fx.faults.modem_error_type = 3;
	fx.faults.modem_error_code = 515;
	offline();
	cr_assert_str_eq(at("AT%CMNG=0,42,4,\"id\""), "OK\r\n");
	cr_assert_str_eq(at("AT%CMNG=0,41,3,\"00\""), "OK\r\n");
	cr_assert_str_eq(at("AT%CMNG=0,42,3,\"00\""), "+CME ERROR: 515\r\n");
	fx.faults.modem_error_code = 0;
	cr_assert_str_eq(at("AT%CMNG=0,42,3,\"00\""), "ERROR\r\n");
}

Test(simmodem, bad_digest_fault_reports_another_sha256_for_that_credential_only)
{
	fx.faults.bad_digest_on = true;
	fx.faults.bad_digest_sec_tag = 42;
	fx.faults.bad_digest_type = 0;
	offline();
	cr_assert_str_eq(at("AT%CMNG=0,42,0,\"" PEM "\""), "OK\r\n");
	cr_assert_str_eq(at("AT%CMNG=0,42,1,\"" PEM "\""), "OK\r\n");
	char good[65], want[512];
	sha_hex(PEM, good);
	snprintf(want, sizeof(want), "%%CMNG: 42,1,\"%s\"\r\nOK\r\n", good);
	cr_assert_str_eq(at("AT%CMNG=1,42,1"), want, "the other type of the tag is right");
	const char *r = at("AT%CMNG=1,42,0");
	cr_assert(strncmp(r, "%CMNG: 42,0,\"", 13) == 0, "%s", r);
	cr_assert(strstr(r, good) == NULL, "the listed SHA-256 is the true one: %s", r);
	char listed[65];
	memcpy(listed, r + 13, 64);
	listed[64] = '\0';
	/* The digest of the content with its last bit flipped. */
	char bent[sizeof PEM];
	memcpy(bent, PEM, sizeof PEM);
	bent[sizeof PEM - 2] ^= 1;
	char want_bent[65];
	sha_hex(bent, want_bent);
	cr_assert_str_eq(listed, want_bent);
	/* %CMNG=2 reports the same wrong <sha> beside the content it stores,
	 * which is what was sent. */
	r = at("AT%CMNG=2,42,0");
	cr_assert(strstr(r, want_bent) != NULL && strstr(r, PEM) != NULL, "%s", r);
}

struct seen {
	int n;
	struct simmodem_cred_info info[8];
};

static void collect(const struct simmodem_cred_info *info, void *ctx)
{
	struct seen *s = ctx;
	if (s->n < 8)
		s->info[s->n] = *info;
	s->n++;
}

Test(simmodem, store_blob_survives_a_new_modem_and_iterates_without_content)
{
	offline();
	at("AT%CMNG=0,9,4,\"nine\"");
	at("AT%CMNG=0,3,4,\"three\"");
	at("AT%CMNG=0,3,1,\"" PEM "\"");
	simmodem_destroy(fx.modem);
	struct simmodem_params p = params(sizeof(fx.store));
	fx.modem = simmodem_create(&p);
	struct seen s = {0};
	cr_assert_eq(simmodem_store_foreach(fx.store, fx.store_len, collect, &s), 3);
	cr_assert_eq(s.n, 3);
	cr_assert_eq(s.info[0].sec_tag, 3);
	cr_assert_eq(s.info[0].type, 1);
	cr_assert_eq(s.info[0].length, strlen(PEM));
	cr_assert_eq(s.info[1].type, 4);
	cr_assert_eq(s.info[2].sec_tag, 9);
	uint8_t d[32];
	mbedtls_sha256_ret((const unsigned char *)"three", 5, d, 0);
	cr_assert_arr_eq(s.info[1].sha256, d, 32);
	offline();
	cr_assert_str_eq(at("AT%CMNG=3,9,4"), "OK\r\n", "the new modem sees the old store");
}

Test(simmodem, malformed_blob_is_rejected_by_foreach_and_reset_by_a_modem)
{
	uint8_t bad[16] = {'N', 'S', 'M', 'S', 1, 0, 5, 0};
	cr_assert_eq(simmodem_store_foreach(bad, sizeof(bad), NULL, NULL), -1);
	cr_assert_eq(simmodem_store_foreach(bad, 3, NULL, NULL), -1);
	cr_assert_eq(simmodem_store_foreach(bad, 0, NULL, NULL), 0);
	simmodem_destroy(fx.modem);
	memcpy(fx.store, bad, sizeof(bad));
	fx.store_len = sizeof(bad);
	struct simmodem_params p = params(sizeof(fx.store));
	fx.modem = simmodem_create(&p);
	cr_assert_eq(fx.store_len, 0);
}

Test(simmodem, latency_includes_start_up_once_and_write_time)
{
	size_t len;
	uint64_t lat;
	simmodem_at(fx.modem, "AT+CMEE=1", 9, fx.resp, sizeof(fx.resp), &len, &lat);
	cr_assert_eq(lat, 205000000u);
	simmodem_at(fx.modem, "AT+CFUN=4", 9, fx.resp, sizeof(fx.resp), &len, &lat);
	cr_assert_eq(lat, 5000000u);
	simmodem_at(fx.modem, "AT%CMNG=0,1,4,\"a\"", 17, fx.resp, sizeof(fx.resp), &len, &lat);
	cr_assert_eq(lat, 60000000u);
	simmodem_reset(fx.modem);
	simmodem_at(fx.modem, "AT", 2, fx.resp, sizeof(fx.resp), &len, &lat);
	cr_assert_eq(lat, 205000000u, "start-up again after a reset");
}

static uint32_t mb_read(uint32_t off)
{
	uint32_t v;
	cr_assert_eq(simmodem_mmio_read(fx.modem, off, 4, &v), SIMBUS_OK);
	return v;
}

static void mb_send(const char *cmd)
{
	size_t n = strlen(cmd);
	for (size_t i = 0; i < n; i += 4) {
		uint32_t w = 0;
		for (size_t k = 0; k < 4 && i + k < n; k++)
			w |= (uint32_t)(uint8_t)cmd[i + k] << (8 * k);
		cr_assert_eq(simmodem_mmio_write(fx.modem, SIM_MBOX_CMD + (uint32_t)i, 4, w),
			     SIMBUS_OK);
	}
	simmodem_mmio_write(fx.modem, SIM_MBOX_CMD_LEN, 4, (uint32_t)n);
	simmodem_mmio_write(fx.modem, SIM_MBOX_DOORBELL, 4, 1);
}

static void mb_resp(char *out)
{
	uint32_t len = mb_read(SIM_MBOX_RESP_LEN);
	for (uint32_t i = 0; i < len; i += 4) {
		uint32_t w = mb_read(SIM_MBOX_RESP + i);
		for (uint32_t k = 0; k < 4 && i + k < len; k++)
			out[i + k] = (char)(w >> (8 * k));
	}
	out[len] = '\0';
}

Test(simmodem, mailbox_stays_busy_for_the_modeled_latency_then_answers)
{
	cr_assert_eq(mb_read(SIM_MBOX_ID), SIM_MBOX_ID_VALUE);
	fx.clock_ns = 1000;
	mb_send("AT+CGSN=1");
	cr_assert_eq(mb_read(SIM_MBOX_STATUS), SIM_MBOX_ST_BUSY);
	cr_assert(simmodem_take_poll_hint(fx.modem), "a STATUS read while busy is a poll");
	cr_assert_not(simmodem_take_poll_hint(fx.modem));
	cr_assert_eq(simmodem_ready_at(fx.modem), 1000u + 205000000u);
	fx.clock_ns = 1000u + 204999999u;
	cr_assert_eq(mb_read(SIM_MBOX_STATUS), SIM_MBOX_ST_BUSY);
	fx.clock_ns += 1;
	cr_assert_eq(mb_read(SIM_MBOX_STATUS), SIM_MBOX_ST_DONE);
	char out[256];
	mb_resp(out);
	cr_assert_str_eq(out, "+CGSN: \"" IMEI "\"\r\nOK\r\n");
	cr_assert_eq(simmodem_commands(fx.modem), 1);
}

Test(simmodem, doorbell_while_busy_sets_error)
{
	mb_send("AT");
	mb_send("AT");
	cr_assert_eq(mb_read(SIM_MBOX_STATUS) & SIM_MBOX_ST_ERROR, SIM_MBOX_ST_ERROR);
	cr_assert_eq(simmodem_commands(fx.modem), 1);
}

Test(simmodem, hung_modem_never_answers)
{
	fx.faults.firmware_hang = true;
	mb_send("AT");
	fx.clock_ns = 1000000000000ull;
	cr_assert_eq(mb_read(SIM_MBOX_STATUS), SIM_MBOX_ST_BUSY);
	cr_assert_eq(simmodem_ready_at(fx.modem), UINT64_MAX);
}

Test(simmodem, long_response_is_truncated_with_overflow)
{
	offline();
	char cmd[64];
	for (int i = 0; i < 60; i++) {
		snprintf(cmd, sizeof(cmd), "AT%%CMNG=0,%d,4,\"id\"", i);
		at(cmd);
	}
	fx.clock_ns = 0;
	mb_send("AT%CMNG=1");
	fx.clock_ns = 10000000000ull;
	uint32_t st = mb_read(SIM_MBOX_STATUS);
	cr_assert_eq(st, SIM_MBOX_ST_DONE | SIM_MBOX_ST_OVERFLOW);
	cr_assert_eq(mb_read(SIM_MBOX_RESP_LEN), SIM_MBOX_RESP_SIZE);
}

Test(simmodem, modem_firmware_version_decides_whether_the_list_has_digests)
{
	static const struct {
		const char *fw;
		bool digest;
	} cases[] = {
		{"mfw_nrf9160_1.3.5", true},
		{"mfw_nrf9160_1.3.2", true},
		{"mfw_nrf9160_1.3.2-FOTA-TEST", true},
		{"mfw_nrf9160_1.4.0", true},
		{"mfw_nrf91x1_2.0.1", true},
		{"mfw_nrf9160_1.3.1", false},
		{"mfw_nrf9160_1.2.3", false},
		{"mfw_nrf9160_0.7.0-29.alpha", false},
		/* the number alone decides, as in nRF Cloud utils (harsher reading) */
		{"mfw_nrf9151-ntn_1.0.0", false},
		{"mfw_nrf9151-ntn_2.0.0", true},
		/* unknown formats: no digest */
		{"mfw_nrf9160", false},
		{"mfw_nrf9160_1.3", false},
		{"mfw_nrf9160_1.3.5.1", false},
		{"mfw_nrf9160_1.3.5_2.0.0", false},
		{"mfw_nrf9160_1.3.1000", false},
		{"nrf9160_1.3.5", false},
		{"", false},
		{NULL, false},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		cr_assert_eq(simmodem_fw_lists_digest(cases[i].fw), cases[i].digest, "%s",
			     cases[i].fw ? cases[i].fw : "(null)");
}

Test(simmodem, old_modem_firmware_lists_credentials_without_the_sha256)
{
	simmodem_destroy(fx.modem);
	struct simmodem_params p = params(sizeof(fx.store));
	p.modem_fw = "mfw_nrf9160_1.2.3";
	fx.modem = simmodem_create(&p);
	cr_assert_not_null(fx.modem);
	offline();
	cr_assert_str_eq(at("AT%CMNG=0,16842753,0,\"" PEM "\""), "OK\r\n");
	cr_assert_str_eq(at("AT%CMNG=0,16842753,4,\"id\""), "OK\r\n");
	cr_assert_str_eq(at("AT%CMNG=1,16842753,0"), "%CMNG: 16842753,0\r\nOK\r\n");
	cr_assert_str_eq(at("AT%CMNG=1"), "%CMNG: 16842753,0\r\n%CMNG: 16842753,4\r\nOK\r\n");
	cr_assert_str_eq(at("AT%CMNG=1,7,0"), "OK\r\n", "not listed: nothing but OK");
	/* the read answer keeps <sha>: "[,<sha>[,<content>]]" */
	char hex[65], want[256];
	sha_hex("id", hex);
	snprintf(want, sizeof(want), "%%CMNG: 16842753,4,\"%s\",\"id\"\r\nOK\r\n", hex);
	cr_assert_str_eq(at("AT%CMNG=2,16842753,4"), want);
}
