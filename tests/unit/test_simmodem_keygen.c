/* The simulated modem's %KEYGEN and %ATTESTTOKEN (tools/sim/modem_keygen.c):
 * a real P-256 key that stays in the store, a CSR that verifies with it,
 * the COSE/CBOR layouts nRF Cloud utils parse, and the refusals. */
#include <criterion/criterion.h>
#include <mbedtls/base64.h>
#include <mbedtls/pk.h>
#include <mbedtls/sha256.h>
#include <mbedtls/x509_csr.h>
#include <stdio.h>
#include <string.h>

#include "modem.h"
#include "simmodem_fixture.h"
#include "modem_keygen.h"
#include "modem_store.h"

#define IMEI "352656100367872"

static struct simmodem_fixture fx;

static struct simmodem *make(const char *mfw)
{
	struct simmodem_params p = simmodem_fixture_params(&fx, IMEI, mfw, sizeof(fx.store));
	p.device_id = 0x1122334455667788ull;
	p.part = SIMBOARD_NRF9161;
	return simmodem_create(&p);
}

static void setup(void)
{
	simmodem_fixture_reset(&fx);
	fx.modem = make("mfw_nrf91x1_2.0.1");
	cr_assert_not_null(fx.modem);
}

static void teardown(void)
{
	simmodem_destroy(fx.modem);
}

TestSuite(simmodem_keygen, .init = setup, .fini = teardown);

static const char *at(const char *cmd)
{
	return simmodem_fixture_at(&fx, cmd);
}

/* base64url without padding -> bytes; returns the length. */
static size_t b64url_decode(const char *s, size_t n, uint8_t *out, size_t cap)
{
	char tmp[4096];
	cr_assert_lt(n + 4, sizeof(tmp));
	for (size_t i = 0; i < n; i++)
		tmp[i] = s[i] == '-' ? '+' : s[i] == '_' ? '/' : s[i];
	while (n % 4)
		tmp[n++] = '=';
	size_t olen = 0;
	cr_assert_eq(mbedtls_base64_decode(out, cap, &olen, (const unsigned char *)tmp, n), 0);
	return olen;
}

/* Splits `%NAME: "<a>.<b>"\r\nOK\r\n` into the two decoded halves. */
static void halves(const char *r, const char *name, uint8_t *a, size_t *an, uint8_t *b, size_t *bn)
{
	char prefix[32];
	snprintf(prefix, sizeof(prefix), "%%%s: \"", name);
	cr_assert(strncmp(r, prefix, strlen(prefix)) == 0, "%s", r);
	const char *start = r + strlen(prefix);
	const char *dot = strchr(start, '.');
	const char *end = strchr(start, '"');
	cr_assert(dot && end && dot < end, "%s", r);
	cr_assert_str_eq(end, "\"\r\nOK\r\n");
	*an = b64url_decode(start, (size_t)(dot - start), a, 2048);
	*bn = b64url_decode(dot + 1, (size_t)(end - dot - 1), b, 2048);
}

static void offline(void)
{
	simmodem_fixture_offline(&fx);
}

Test(simmodem_keygen, refused_while_the_modem_is_active_with_cme_518)
{
	cr_assert_str_eq(at("AT+CMEE=1"), "OK\r\n");
	cr_assert_str_eq(at("AT+CFUN=1"), "OK\r\n");
	cr_assert_str_eq(at("AT%KEYGEN=7,2,0,\"CN=" IMEI "\""), "+CME ERROR: 518\r\n");
	cr_assert_eq(fx.store_len, 0, "nothing stored");
	cr_assert_str_eq(at("AT+CMEE=0"), "OK\r\n");
	cr_assert_str_eq(at("AT%KEYGEN=7,2,0"), "ERROR\r\n", "CMEE=0: plain ERROR");
}

Test(simmodem_keygen, makes_a_p256_key_in_the_store_and_a_csr_signed_with_it)
{
	offline();
	const char *r = at("AT%KEYGEN=7,2,0,\"CN=" IMEI "\",\"101010000\"");
	uint8_t der[2048], cose[2048];
	size_t der_len, cose_len;
	halves(r, "KEYGEN", der, &der_len, cose, &cose_len);

	mbedtls_x509_csr csr;
	mbedtls_x509_csr_init(&csr);
	cr_assert_eq(mbedtls_x509_csr_parse_der(&csr, der, der_len), 0);
	char dn[128];
	cr_assert_gt(mbedtls_x509_dn_gets(dn, sizeof(dn), &csr.subject), 0);
	cr_assert_str_eq(dn, "CN=" IMEI);
	cr_assert_eq(mbedtls_pk_get_type(&csr.pk), MBEDTLS_PK_ECKEY);
	cr_assert_eq(mbedtls_pk_ec(csr.pk)->grp.id, MBEDTLS_ECP_DP_SECP256R1);
	/* The CSR's signature verifies under its own public key. */
	uint8_t hash[32];
	mbedtls_sha256_ret(csr.cri.p, csr.cri.len, hash, 0);
	cr_assert_eq(
		mbedtls_pk_verify(&csr.pk, MBEDTLS_MD_SHA256, hash, 32, csr.sig.p, csr.sig.len), 0);
	/* The key it names is the one the store holds as (7, client key). */
	struct mstore st = {.blob = fx.store, .len = &fx.store_len, .cap = sizeof(fx.store)};
	struct mstore_entry e;
	cr_assert_eq(mstore_find(&st, 7, 2, &e), MSTORE_OK);
	cr_assert(memmem(e.content, e.length, "PRIVATE KEY-----", 16) != NULL);
	uint8_t stored[65], named[65];
	size_t olen;
	cr_assert_eq(simmodem_key_public_point(e.content, e.length, stored), 0);
	cr_assert_eq(mbedtls_ecp_point_write_binary(&mbedtls_pk_ec(csr.pk)->grp,
						    &mbedtls_pk_ec(csr.pk)->Q,
						    MBEDTLS_ECP_PF_UNCOMPRESSED, &olen, named, 65),
		     0);
	cr_assert_eq(memcmp(stored, named, 65), 0);
	mbedtls_x509_csr_free(&csr);

	/* COSE_Sign1: tag 18, [bstr {1:-7}, {4: h'21'}, payload, sig 64];
	 * payload tag 55799 [9, uuid, bstr(7), sha256(CSR), nonce], as the
	 * real-modem vectors of nRF Cloud utils begin (d9 d9 f7 85). */
	static const uint8_t head[] = {0xd2, 0x84, 0x43, 0xa1, 0x01, 0x26,
				       0xa1, 0x04, 0x41, 0x21, 0x58};
	cr_assert_eq(memcmp(cose, head, sizeof(head)), 0);
	const uint8_t *pl = cose + sizeof(head) + 1;
	static const uint8_t self_tag[] = {0xd9, 0xd9, 0xf7};
	cr_assert_eq(memcmp(pl, self_tag, 3), 0);
	pl += 3;
	cr_assert_eq(pl[0], 0x85);
	cr_assert_eq(pl[1], 0x09);
	cr_assert_eq(pl[2], 0x50);
	uint8_t uuid[16];
	simmodem_device_uuid(0x1122334455667788ull, uuid);
	cr_assert_eq(memcmp(pl + 3, uuid, 16), 0);
	cr_assert_eq(pl[19], 0x41);
	cr_assert_eq(pl[20], 0x07);
	cr_assert_eq(pl[21], 0x58);
	cr_assert_eq(pl[22], 32);
	uint8_t digest[32];
	mbedtls_sha256_ret(der, der_len, digest, 0);
	cr_assert_eq(memcmp(pl + 23, digest, 32), 0);
	cr_assert_eq(cose[cose_len - 66], 0x58);
	cr_assert_eq(cose[cose_len - 65], 64);

	/* The key cannot be read back, and a second KEYGEN does not replace it. */
	cr_assert_str_eq(at("AT%CMNG=2,7,2"), "+CME ERROR: 514\r\n");
	cr_assert_str_eq(at("AT%KEYGEN=7,2,0"), "+CME ERROR: 519\r\n");
	cr_assert_str_eq(at("AT%CMNG=3,7,2"), "OK\r\n");
	cr_assert(strncmp(at("AT%KEYGEN=7,2,0"), "%KEYGEN: \"", 10) == 0);
}

Test(simmodem_keygen, default_subject_is_the_device_uuid)
{
	offline();
	uint8_t der[2048], cose[2048];
	size_t der_len, cose_len;
	halves(at("AT%KEYGEN=8,2,0"), "KEYGEN", der, &der_len, cose, &cose_len);
	mbedtls_x509_csr csr;
	mbedtls_x509_csr_init(&csr);
	cr_assert_eq(mbedtls_x509_csr_parse_der(&csr, der, der_len), 0);
	char dn[128];
	mbedtls_x509_dn_gets(dn, sizeof(dn), &csr.subject);
	cr_assert_eq(strlen(dn), 3 + 36, "%s", dn);
	cr_assert_eq(dn[3 + 14], '4', "a version 4 UUID: %s", dn);
	mbedtls_x509_csr_free(&csr);
}

Test(simmodem_keygen, refuses_bad_parameters)
{
	offline();
	cr_assert_str_eq(at("AT%KEYGEN=7,8,0"), "ERROR\r\n", "endorsement keys not modelled");
	cr_assert_str_eq(at("AT%KEYGEN=7,2,1"), "ERROR\r\n", "public key answer not modelled");
	cr_assert_str_eq(at("AT%KEYGEN=7,2,0,\"\""), "ERROR\r\n");
	cr_assert_str_eq(at("AT%KEYGEN=7,2,0,\"CN=x\",\"10101\""), "ERROR\r\n");
	cr_assert_str_eq(at("AT%KEYGEN=7,2,0,\"CN=x\",\"10101000x\""), "ERROR\r\n");
	cr_assert_str_eq(at("AT%KEYGEN=2147483648,2,0"), "+CME ERROR: 514\r\n");
	cr_assert_str_eq(at("AT%KEYGEN=7,2"), "ERROR\r\n");
	cr_assert_str_eq(at("AT%KEYGEN"), "ERROR\r\n");
	cr_assert_eq(fx.store_len, 0);
}

Test(simmodem_keygen, attestation_token_carries_uuid_and_device_type)
{
	uint8_t body[2048], cose[2048];
	size_t body_len, cose_len;
	/* Any +CFUN mode (power-on CFUN=0 here). */
	halves(at("AT%ATTESTTOKEN"), "ATTESTTOKEN", body, &body_len, cose, &cose_len);
	cr_assert_eq(body_len, 3 + 1 + 1 + 17 + 1 + 17 + 17);
	static const uint8_t head[] = {0xd9, 0xd9, 0xf7, 0x85, 0x01, 0x50};
	cr_assert_eq(memcmp(body, head, sizeof(head)), 0);
	uint8_t uuid[16];
	simmodem_device_uuid(0x1122334455667788ull, uuid);
	cr_assert_eq(memcmp(body + 6, uuid, 16), 0);
	cr_assert_eq(body[22], 4, "nRF9161 LACA");
	static const uint8_t cose_head[] = {0xd2, 0x84, 0x43, 0xa1, 0x01, 0x26, 0xa1,
					    0x04, 0x41, 0x21, 0xf6, 0x58, 0x40};
	cr_assert_eq(cose_len, sizeof(cose_head) + 64);
	cr_assert_eq(memcmp(cose, cose_head, sizeof(cose_head)), 0);
	/* A challenge becomes the nonce. */
	halves(at("AT%ATTESTTOKEN=\"00112233445566778899aabbccddeeff\""), "ATTESTTOKEN", body,
	       &body_len, cose, &cose_len);
	cr_assert_eq(body[body_len - 16], 0x00);
	cr_assert_eq(body[body_len - 1], 0xff);
	cr_assert_str_eq(at("AT%ATTESTTOKEN=\"0011\""), "ERROR\r\n");
}

Test(simmodem_keygen, older_modem_firmware_knows_neither_command)
{
	simmodem_destroy(fx.modem);
	fx.modem = make("mfw_nrf9160_1.2.3");
	cr_assert_not_null(fx.modem);
	offline();
	cr_assert_str_eq(at("AT%KEYGEN=7,2,0"), "ERROR\r\n");
	cr_assert_str_eq(at("AT%ATTESTTOKEN"), "ERROR\r\n");
	cr_assert(simmodem_fw_has_keygen("mfw_nrf9160_1.3.0"));
	cr_assert(!simmodem_fw_has_keygen("mfw_nrf9160_1.2.7"));
	cr_assert(simmodem_fw_has_keygen("mfw_nrf91x1_2.0.1"));
}
