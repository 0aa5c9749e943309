/*
 * AT%KEYGEN and AT%ATTESTTOKEN of the simulated modem.
 *
 * Sources (tools/sim/README.md rows "KEYGEN-*", "ATTEST-*"):
 *  - nRF91 AT Commands, %KEYGEN set command (security/keygen_set.html):
 *    `%KEYGEN=<sec_tag>,<key_type>,<format>[,<attributes>[,<key_usage>]]`;
 *    key_type 2 + format 0 stores a client private key in <sec_tag> and
 *    answers `%KEYGEN: "Base64Url(CSR_DER).Base64Url(cose_sign)"`; the
 *    modem must not be active; CME 514, 515, 518, 519, 523
 *    (docs/hardware/nrf91-registers.md §9.2).
 *  - nRF Cloud utils modem_credentials_parser.py: the COSE_Sign1 of a CSR
 *    (protected {1: -7}, unprotected {4: bstr(CBOR -2)} "identity_key"),
 *    payload CBOR tag 55799 then [9 "CSR_msg_v1", device UUID bstr16, bstr(CBOR sec_tag),
 *    SHA-256 of the CSR DER, nonce bstr16], a 64-byte signature; the
 *    attestation message CBOR [1 "device identity message v1", device UUID,
 *    device type (1/2 nRF9160, 4 nRF9161, 6 nRF9151), firmware UUID, ...];
 *    the utils' example CSR (`AT%KEYGEN=17,2,0`) has subject CN=<device
 *    UUID> and keyUsage digitalSignature, nonRepudiation, keyEncipherment,
 *    keyAgreement when no <attributes>/<key_usage> are given.
 *  - sdk-nrf app_attest_token.c (the application-core emulation of this
 *    format): attestation body tag 55799, array(5) [1, device UUID, device
 *    type, firmware UUID, nonce bstr16]; COSE_Sign1 tag 18, protected
 *    {1: -7}, unprotected {4: h'21'}, nil (detached) payload, r||s.
 *  - nRF Cloud utils README: %KEYGEN and %ATTESTTOKEN come with modem
 *    firmware 1.3.0.
 * Harsher readings where the documents are silent (ours, marked "harsher"):
 *  - %KEYGEN into a sec_tag that already holds a client private key: CME
 *    519 (already exists). nRF Cloud utils ask "does it already exist?" when
 *    it fails, and every known caller deletes the key first.
 *  - An empty <attributes> string, a <key_usage> that is not exactly nine
 *    '0'/'1', key_type other than 2 or format other than 0 (endorsement keys
 *    and public-key answers are not modelled): plain ERROR.
 *  - %ATTESTTOKEN answers in any +CFUN mode; a modem firmware older than
 *    1.3.0 does not know either command: plain ERROR.
 * The device identity key that signs the COSE objects derives from the
 * board's DEVICEID (a real modem's is provisioned by Nordic); nobody
 * outside the simulator can verify those signatures, as nobody outside
 * Nordic can verify a real one.
 */
#include "modem_keygen.h"

#include <mbedtls/base64.h>
#include <mbedtls/bignum.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/ecdsa.h>
#include <mbedtls/entropy.h>
#include <mbedtls/hmac_drbg.h>
#include <mbedtls/pk.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/sha256.h>
#include <mbedtls/x509_csr.h>
#include <stdio.h>
#include <string.h>

#include "at_params.h"
#include "modem.h"

#define SEC_TAG_MAX	    2147483647u
#define KEY_PEM_MAX	    512u
#define CSR_DER_MAX	    1024u
#define COSE_MAX	    256u
#define ATTRIBUTES_MAX	    256u
#define KEY_USAGE_LEN	    9u
#define TYPE_CLIENT_KEY	    2u
#define CBOR_TAG_SELF	    55799u
#define CBOR_TAG_COSE_SIGN1 18u

/* ---- small CBOR writer (RFC 8949 major types, definite lengths) */

struct cbor {
	uint8_t *p;
	size_t cap, len;
	bool overflow;
};

static void cbor_bytes(struct cbor *c, const void *s, size_t n)
{
	if (n == 0)
		return;
	if (c->overflow || n > c->cap - c->len) {
		c->overflow = true;
		return;
	}
	memcpy(c->p + c->len, s, n);
	c->len += n;
}

static void cbor_head(struct cbor *c, unsigned major, uint64_t v)
{
	uint8_t h[9];
	size_t n;
	if (v < 24) {
		h[0] = (uint8_t)(major << 5 | v);
		n = 1;
	} else if (v <= 0xff) {
		h[0] = (uint8_t)(major << 5 | 24);
		h[1] = (uint8_t)v;
		n = 2;
	} else if (v <= 0xffff) {
		h[0] = (uint8_t)(major << 5 | 25);
		h[1] = (uint8_t)(v >> 8);
		h[2] = (uint8_t)v;
		n = 3;
	} else if (v <= 0xffffffffu) {
		h[0] = (uint8_t)(major << 5 | 26);
		for (int i = 0; i < 4; i++)
			h[1 + i] = (uint8_t)(v >> (24 - 8 * i));
		n = 5;
	} else {
		h[0] = (uint8_t)(major << 5 | 27);
		for (int i = 0; i < 8; i++)
			h[1 + i] = (uint8_t)(v >> (56 - 8 * i));
		n = 9;
	}
	cbor_bytes(c, h, n);
}

static void cbor_bstr(struct cbor *c, const void *s, size_t n)
{
	cbor_head(c, 2, n);
	cbor_bytes(c, s, n);
}

/* ---- base64url without padding (RFC 4648 §5), as the modem prints it */

static size_t b64url(const uint8_t *in, size_t n, char *out, size_t cap)
{
	size_t olen = 0;
	if (mbedtls_base64_encode((unsigned char *)out, cap, &olen, in, n) != 0)
		return 0;
	while (olen > 0 && out[olen - 1] == '=')
		olen--;
	for (size_t i = 0; i < olen; i++) {
		if (out[i] == '+')
			out[i] = '-';
		else if (out[i] == '/')
			out[i] = '_';
	}
	out[olen] = '\0';
	return olen;
}

/* ---- identity */

void simmodem_device_uuid(uint64_t device_id, uint8_t uuid[16])
{
	static const char label[] = "nrfsim device uuid";
	uint8_t in[sizeof(label) + 8], d[32];
	memcpy(in, label, sizeof(label));
	for (int i = 0; i < 8; i++)
		in[sizeof(label) + i] = (uint8_t)(device_id >> (8 * i));
	mbedtls_sha256_ret(in, sizeof(in), d, 0);
	memcpy(uuid, d, 16);
	uuid[6] = (uint8_t)((uuid[6] & 0x0f) | 0x40); /* RFC 4122 version 4 */
	uuid[8] = (uint8_t)((uuid[8] & 0x3f) | 0x80); /* RFC 4122 variant */
}

/* The modem firmware UUID the attestation carries: a stand-in derived from
 * the AT+CGMR text (a real modem reports its build's UUID, %XMODEMUUID). */
static void firmware_uuid(const char *fw, uint8_t uuid[16])
{
	uint8_t d[32];
	mbedtls_sha256_ret((const uint8_t *)(fw ? fw : ""), fw ? strlen(fw) : 0, d, 0);
	memcpy(uuid, d, 16);
}

/* Device type numbers of modem_credentials_parser.py's device_type_dict. */
static unsigned device_type(enum simboard_part part)
{
	switch (part) {
	case SIMBOARD_NRF9161:
		return 4;
	case SIMBOARD_NRF9151:
		return 6;
	default:
		return 1;
	}
}

static void uuid_text(const uint8_t u[16], char out[37])
{
	snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12],
		 u[13], u[14], u[15]);
}

bool simmodem_fw_has_keygen(const char *fw)
{
	unsigned v[3];
	if (!simmodem_fw_version(fw, v))
		return false;
	return v[0] > 1 || (v[0] == 1 && v[1] >= 3);
}

/* ---- randomness */

struct rng {
	mbedtls_entropy_context entropy;
	mbedtls_ctr_drbg_context drbg;
};

static int rng_init(struct rng *r)
{
	static const char pers[] = "nrfsim modem";
	mbedtls_entropy_init(&r->entropy);
	mbedtls_ctr_drbg_init(&r->drbg);
	return mbedtls_ctr_drbg_seed(&r->drbg, mbedtls_entropy_func, &r->entropy,
				     (const unsigned char *)pers, sizeof(pers) - 1);
}

static void rng_free(struct rng *r)
{
	mbedtls_ctr_drbg_free(&r->drbg);
	mbedtls_entropy_free(&r->entropy);
}

/* ---- COSE_Sign1 (RFC 8152 §4.2), ES256 under the device identity key */

static const uint8_t cose_protected[] = {0xa1, 0x01, 0x26}; /* {1: -7} */

/* The identity key of the board, derived deterministically from its
 * DEVICEID so every token of a board carries one key. */
static int identity_key(uint64_t device_id, mbedtls_ecp_keypair *kp)
{
	static const char label[] = "nrfsim identity key";
	uint8_t seed[sizeof(label) + 8];
	memcpy(seed, label, sizeof(label));
	for (int i = 0; i < 8; i++)
		seed[sizeof(label) + i] = (uint8_t)(device_id >> (8 * i));
	mbedtls_hmac_drbg_context hd;
	mbedtls_hmac_drbg_init(&hd);
	int rc = mbedtls_hmac_drbg_seed_buf(&hd, mbedtls_md_info_from_type(MBEDTLS_MD_SHA256), seed,
					    sizeof(seed));
	if (rc == 0)
		rc = mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, kp, mbedtls_hmac_drbg_random,
					 &hd);
	mbedtls_hmac_drbg_free(&hd);
	return rc;
}

/*
 * Writes COSE_Sign1 over payload into out. attached: the payload is part
 * of the object (KEYGEN); else it is detached (nil, ATTESTTOKEN) and the
 * signature covers the message the token carries next to it.
 */
static size_t cose_sign1(uint64_t device_id, const uint8_t *payload, size_t payload_len,
			 bool attached, struct rng *r, uint8_t *out, size_t cap)
{
	/* Sig_structure = ["Signature1", protected, external_aad h'', payload] */
	uint8_t tbs[512];
	struct cbor s = {.p = tbs, .cap = sizeof(tbs)};
	cbor_head(&s, 4, 4);
	cbor_head(&s, 3, 10);
	cbor_bytes(&s, "Signature1", 10);
	cbor_bstr(&s, cose_protected, sizeof(cose_protected));
	cbor_bstr(&s, NULL, 0);
	cbor_bstr(&s, payload, payload_len);
	if (s.overflow)
		return 0;
	uint8_t hash[32];
	mbedtls_sha256_ret(tbs, s.len, hash, 0);

	mbedtls_ecp_keypair kp;
	mbedtls_mpi rr, ss;
	mbedtls_ecp_keypair_init(&kp);
	mbedtls_mpi_init(&rr);
	mbedtls_mpi_init(&ss);
	uint8_t sig[64];
	int rc = identity_key(device_id, &kp);
	if (rc == 0)
		rc = mbedtls_ecdsa_sign(&kp.grp, &rr, &ss, &kp.d, hash, sizeof(hash),
					mbedtls_ctr_drbg_random, &r->drbg);
	if (rc == 0)
		rc = mbedtls_mpi_write_binary(&rr, sig, 32);
	if (rc == 0)
		rc = mbedtls_mpi_write_binary(&ss, sig + 32, 32);
	mbedtls_mpi_free(&rr);
	mbedtls_mpi_free(&ss);
	mbedtls_ecp_keypair_free(&kp);
	if (rc != 0)
		return 0;

	struct cbor c = {.p = out, .cap = cap};
	cbor_head(&c, 6, CBOR_TAG_COSE_SIGN1);
	cbor_head(&c, 4, 4);
	cbor_bstr(&c, cose_protected, sizeof(cose_protected));
	static const uint8_t kid_identity[] = {0x21}; /* CBOR -2: "identity_key" */
	cbor_head(&c, 5, 1);
	cbor_head(&c, 0, 4); /* kid */
	cbor_bstr(&c, kid_identity, sizeof(kid_identity));
	if (attached)
		cbor_bstr(&c, payload, payload_len);
	else
		cbor_head(&c, 7, 22); /* nil */
	cbor_bstr(&c, sig, sizeof(sig));
	return c.overflow ? 0 : c.len;
}

/* ---- parameters */

/* "111010000" -> the X.509 KeyUsage bits mbedTLS takes (bit 0 of the
 * string is digitalSignature = 0x80; decipherOnly, the ninth, is 0x8000,
 * which a PKCS#10 request written by mbedTLS cannot carry: refused). */
static int key_usage_bits(const struct at_param *p, unsigned char *bits)
{
	if (!p->quoted || p->n != KEY_USAGE_LEN)
		return -1;
	unsigned v = 0;
	for (size_t i = 0; i < KEY_USAGE_LEN; i++) {
		if (p->s[i] != '0' && p->s[i] != '1')
			return -1;
		if (p->s[i] == '1')
			v |= 0x80u >> i;
	}
	if (p->s[8] == '1')
		return -1;
	*bits = (unsigned char)v;
	return 0;
}

/* Subject attributes: printable ASCII only (they become an X.509 name). */
static bool attributes_ok(const struct at_param *p)
{
	if (!p->quoted || p->n == 0 || p->n >= ATTRIBUTES_MAX)
		return false;
	for (size_t i = 0; i < p->n; i++)
		if (p->s[i] < 0x20 || p->s[i] > 0x7e)
			return false;
	return true;
}

/* ---- %KEYGEN */

static size_t csr_payload(const struct simmodem_identity *id, uint32_t sec_tag, const uint8_t *csr,
			  size_t csr_len, struct rng *r, uint8_t *out, size_t cap)
{
	uint8_t uuid[16], digest[32], nonce[16], tag_cbor[9];
	simmodem_device_uuid(id->device_id, uuid);
	mbedtls_sha256_ret(csr, csr_len, digest, 0);
	if (mbedtls_ctr_drbg_random(&r->drbg, nonce, sizeof(nonce)) != 0)
		return 0;
	struct cbor t = {.p = tag_cbor, .cap = sizeof(tag_cbor)};
	cbor_head(&t, 0, sec_tag);
	struct cbor c = {.p = out, .cap = cap};
	/* Self-described CBOR first, as both real-modem vectors of nRF Cloud
	 * utils' tests/test_modem_credentials_parser.py begin (d9 d9 f7 85). */
	cbor_head(&c, 6, CBOR_TAG_SELF);
	cbor_head(&c, 4, 5);
	cbor_head(&c, 0, 9); /* CSR_msg_v1 */
	cbor_bstr(&c, uuid, sizeof(uuid));
	cbor_bstr(&c, tag_cbor, t.len);
	cbor_bstr(&c, digest, sizeof(digest));
	cbor_bstr(&c, nonce, sizeof(nonce));
	return c.overflow ? 0 : c.len;
}

int simmodem_keygen(struct mstore *store, const struct simmodem_identity *id, bool active,
		    const char *args, size_t args_n, const struct simmodem_out *out)
{
	struct at_param pv[6];
	int np = at_params_split(args, args_n, pv, 6);
	uint32_t tag, key_type, format;
	if (np < 3 || np > 5 || !at_param_u32(&pv[0], &tag) || !at_param_u32(&pv[1], &key_type) ||
	    !at_param_u32(&pv[2], &format))
		return -1;
	if (tag > SEC_TAG_MAX)
		return 514;
	if (key_type != TYPE_CLIENT_KEY || format != 0)
		return -1; /* not modelled (harsher) */
	char subject[ATTRIBUTES_MAX + 4];
	if (np >= 4) {
		if (!attributes_ok(&pv[3]))
			return -1;
		memcpy(subject, pv[3].s, pv[3].n);
		subject[pv[3].n] = '\0';
	} else {
		uint8_t uuid[16];
		char text[37];
		simmodem_device_uuid(id->device_id, uuid);
		uuid_text(uuid, text);
		snprintf(subject, sizeof(subject), "CN=%s", text);
	}
	/* Default keyUsage of the utils' example CSR: 111010000. */
	unsigned char usage = 0x80 | 0x40 | 0x20 | 0x08;
	if (np == 5 && key_usage_bits(&pv[4], &usage) != 0)
		return -1;
	if (active)
		return 518;
	struct mstore_entry existing;
	if (mstore_find(store, tag, TYPE_CLIENT_KEY, &existing) == MSTORE_OK)
		return 519; /* harsher: never overwrite a key silently */

	struct rng r;
	mbedtls_pk_context pk;
	mbedtls_x509write_csr csr;
	mbedtls_pk_init(&pk);
	mbedtls_x509write_csr_init(&csr);
	uint8_t key_pem[KEY_PEM_MAX];
	uint8_t der_buf[CSR_DER_MAX], cose[COSE_MAX], payload[160];
	char line[2 * (CSR_DER_MAX + COSE_MAX)];
	int code = rng_init(&r) == 0 ? 0 : 523;
	if (code == 0 && (mbedtls_pk_setup(&pk, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY)) != 0 ||
			  mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, mbedtls_pk_ec(pk),
					      mbedtls_ctr_drbg_random, &r.drbg) != 0))
		code = 523;
	int der_len = 0;
	if (code == 0) {
		mbedtls_x509write_csr_set_md_alg(&csr, MBEDTLS_MD_SHA256);
		mbedtls_x509write_csr_set_key(&csr, &pk);
		if (mbedtls_x509write_csr_set_subject_name(&csr, subject) != 0)
			code = -1; /* attributes that are no X.509 name */
		else if (mbedtls_x509write_csr_set_key_usage(&csr, usage) != 0)
			code = 523;
	}
	if (code == 0) {
		der_len = mbedtls_x509write_csr_der(&csr, der_buf, sizeof(der_buf),
						    mbedtls_ctr_drbg_random, &r.drbg);
		if (der_len <= 0)
			code = 523;
	}
	if (code == 0 && mbedtls_pk_write_key_pem(&pk, key_pem, sizeof(key_pem)) != 0)
		code = 523;
	const uint8_t *der = der_buf + sizeof(der_buf) - (der_len > 0 ? der_len : 0);
	size_t cose_len = 0;
	if (code == 0) {
		size_t pl =
			csr_payload(id, tag, der, (size_t)der_len, &r, payload, sizeof(payload));
		cose_len = pl ? cose_sign1(id->device_id, payload, pl, true, &r, cose, sizeof(cose))
			      : 0;
		if (cose_len == 0)
			code = 523;
	}
	if (code == 0) {
		/* The key goes where %CMNG keeps a client private key: the
		 * state file, MAP_SHARED, so it outlives this process as the
		 * modem's NVM outlives a power cycle. */
		int rc = mstore_put(store, tag, TYPE_CLIENT_KEY, key_pem,
				    (uint16_t)strlen((const char *)key_pem));
		if (rc == MSTORE_FULL || rc == MSTORE_NOMEM)
			code = 515;
		else if (rc != MSTORE_OK)
			code = -1;
	}
	if (code == 0) {
		size_t n = 0;
		memcpy(line, "%KEYGEN: \"", 10);
		n = 10;
		n += b64url(der, (size_t)der_len, line + n, sizeof(line) - n);
		line[n++] = '.';
		n += b64url(cose, cose_len, line + n, sizeof(line) - n);
		memcpy(line + n, "\"\r\n", 3);
		n += 3;
		out->add(out->ctx, line, n);
	}
	mbedtls_platform_zeroize(key_pem, sizeof(key_pem));
	mbedtls_x509write_csr_free(&csr);
	mbedtls_pk_free(&pk);
	rng_free(&r);
	return code;
}

/* ---- %ATTESTTOKEN */

int simmodem_attesttoken(const struct simmodem_identity *id, const char *args, size_t args_n,
			 const struct simmodem_out *out)
{
	uint8_t nonce[16];
	bool have_challenge = false;
	if (args_n > 0) {
		/* `=<challenge>`: 32 hex digits (docs/hardware/nrf91.md §10). */
		struct at_param pv[2];
		if (args[0] != '=' || at_params_split(args + 1, args_n - 1, pv, 2) != 1 ||
		    !pv[0].quoted || pv[0].n != 32)
			return -1;
		for (size_t i = 0; i < 16; i++) {
			unsigned v = 0;
			for (size_t k = 0; k < 2; k++) {
				char h = pv[0].s[2 * i + k];
				int d = h >= '0' && h <= '9'   ? h - '0'
					: h >= 'a' && h <= 'f' ? h - 'a' + 10
					: h >= 'A' && h <= 'F' ? h - 'A' + 10
							       : -1;
				if (d < 0)
					return -1;
				v = v << 4 | (unsigned)d;
			}
			nonce[i] = (uint8_t)v;
		}
		have_challenge = true;
	}
	struct rng r;
	if (rng_init(&r) != 0) {
		rng_free(&r);
		return -1;
	}
	if (!have_challenge && mbedtls_ctr_drbg_random(&r.drbg, nonce, sizeof(nonce)) != 0) {
		rng_free(&r);
		return -1;
	}
	uint8_t uuid[16], fw[16], body[80], cose[COSE_MAX];
	simmodem_device_uuid(id->device_id, uuid);
	firmware_uuid(id->modem_fw, fw);
	struct cbor c = {.p = body, .cap = sizeof(body)};
	cbor_head(&c, 6, CBOR_TAG_SELF);
	cbor_head(&c, 4, 5);
	cbor_head(&c, 0, 1); /* device identity message v1 */
	cbor_bstr(&c, uuid, sizeof(uuid));
	cbor_head(&c, 0, device_type(id->part));
	cbor_bstr(&c, fw, sizeof(fw));
	cbor_bstr(&c, nonce, sizeof(nonce));
	size_t cose_len =
		c.overflow ? 0
			   : cose_sign1(id->device_id, body, c.len, false, &r, cose, sizeof(cose));
	rng_free(&r);
	if (cose_len == 0)
		return -1;
	char line[16 + 2 * (sizeof(body) + COSE_MAX)];
	size_t n = 0;
	memcpy(line, "%ATTESTTOKEN: \"", 15);
	n = 15;
	n += b64url(body, c.len, line + n, sizeof(line) - n);
	line[n++] = '.';
	n += b64url(cose, cose_len, line + n, sizeof(line) - n);
	memcpy(line + n, "\"\r\n", 3);
	n += 3;
	out->add(out->ctx, line, n);
	return 0;
}

/* ---- nrfsim show */

int simmodem_key_public_point(const uint8_t *content, size_t len, uint8_t point[65])
{
	/* mbedtls_pk_parse_key wants the PEM NUL terminated, length included. */
	uint8_t buf[KEY_PEM_MAX + 1];
	if (len == 0 || len > KEY_PEM_MAX)
		return -1;
	memcpy(buf, content, len);
	buf[len] = '\0';
	mbedtls_pk_context pk;
	mbedtls_pk_init(&pk);
	int rc = mbedtls_pk_parse_key(&pk, buf, len + 1, NULL, 0);
	mbedtls_platform_zeroize(buf, sizeof(buf));
	size_t olen = 0;
	if (rc == 0 && (mbedtls_pk_get_type(&pk) != MBEDTLS_PK_ECKEY ||
			mbedtls_pk_ec(pk)->grp.id != MBEDTLS_ECP_DP_SECP256R1))
		rc = -1;
	if (rc == 0)
		rc = mbedtls_ecp_point_write_binary(&mbedtls_pk_ec(pk)->grp, &mbedtls_pk_ec(pk)->Q,
						    MBEDTLS_ECP_PF_UNCOMPRESSED, &olen, point, 65);
	mbedtls_pk_free(&pk);
	return rc == 0 && olen == 65 ? 0 : -1;
}
