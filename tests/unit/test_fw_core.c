/* Provisioning firmware core (firmware/core) against a fake HAL: a scripted
 * modem with a small credential store, and a flash array that enforces the
 * NVMC rules (word aligned, 1 -> 0 only) and logs the order of writes. */
#include <criterion/criterion.h>
#include <mbedtls/sha256.h>
#include <stdio.h>
#include <string.h>

#include "prov.h"
#include "prov_internal.h"

#define FLASH_SIZE  0x10000u
#define TABLE_ADDR  0x1000u
#define TABLE_MAX   0x8000u
#define RESULT_ADDR 0x9000u
#define RESULT_MAX  0x1000u
#define IMEI	    "352656100367872"
#define MFW	    "mfw_nrf9160_1.3.5"

struct rule {
	const char *prefix;
	int rc;
	const char *resp;
};

struct cred {
	bool used;
	uint32_t tag;
	uint32_t type;
	uint8_t sha[32];
};

struct fake {
	uint8_t flash[FLASH_SIZE];
	uint32_t write_addr[4096];
	size_t nwrites;
	int fail_write_call; /* flash_write_words call index that fails, -1 none */
	size_t write_calls;
	char cmds[256][160];
	size_t cmd_len[256];
	size_t ncmds;
	struct rule rules[8];
	size_t nrules;
	struct cred store[32];
	bool no_digest; /* %CMNG=1 lists `<tag>,<type>` only (older modem firmware) */
	bool spaces;	/* %CMNG=1 lists with a space after each ',' */
	uint32_t progress[512];
	size_t nprogress;
};

static struct fake F;
static struct nrfcred_manifest M;

/* Bit-by-bit reference CRC, independent of the core's nibble table. */
static uint32_t ref_crc32(const void *data, size_t len)
{
	const uint8_t *p = data;
	uint32_t c = 0xffffffffu;
	for (size_t i = 0; i < len; i++) {
		c ^= p[i];
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1u)));
	}
	return ~c;
}

static uint32_t rd32(uint32_t addr)
{
	const uint8_t *p = F.flash + addr;
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t rd16(uint32_t addr)
{
	return (uint16_t)(F.flash[addr] | F.flash[addr + 1] << 8);
}

static void wr32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static struct cred *find_cred(uint32_t tag, uint32_t type)
{
	for (size_t i = 0; i < 32; i++) {
		if (F.store[i].used && F.store[i].tag == tag && F.store[i].type == type)
			return &F.store[i];
	}
	return NULL;
}

static int fake_modem(const char *cmd, char *resp, size_t resp_len)
{
	unsigned tag, type;
	int used = 0;
	if (strcmp(cmd, "AT+CMEE=1") == 0 || strcmp(cmd, "AT+CFUN=4") == 0)
		return 0;
	if (strcmp(cmd, "AT+CGSN=1") == 0) {
		snprintf(resp, resp_len, "+CGSN: \"%s\"\r\nOK\r\n", IMEI);
		return 0;
	}
	if (strcmp(cmd, "AT+CGMR") == 0) {
		snprintf(resp, resp_len, "%s\r\nOK\r\n", MFW);
		return 0;
	}
	if (sscanf(cmd, "AT%%CMNG=0,%u,%u,\"%n", &tag, &type, &used) == 2 && used > 0) {
		const char *content = cmd + used;
		size_t n = strlen(content);
		cr_assert(n >= 1 && content[n - 1] == '"', "write command not quoted: %s", cmd);
		struct cred *c = find_cred(tag, type);
		for (size_t i = 0; c == NULL && i < 32; i++) {
			if (!F.store[i].used)
				c = &F.store[i];
		}
		cr_assert_not_null(c);
		c->used = true;
		c->tag = tag;
		c->type = type;
		mbedtls_sha256_ret((const unsigned char *)content, n - 1, c->sha, 0);
		return 0;
	}
	if (sscanf(cmd, "AT%%CMNG=1,%u,%u", &tag, &type) == 2) {
		struct cred *c = find_cred(tag, type);
		if (c == NULL)
			return 0; /* the modem lists nothing and says OK */
		const char *sep = F.spaces ? ", " : ",";
		if (F.no_digest) {
			snprintf(resp, resp_len, "%%CMNG: %u%s%u\r\nOK\r\n", tag, sep, type);
			return 0;
		}
		char hex[65];
		for (int i = 0; i < 32; i++)
			snprintf(hex + 2 * i, 3, "%02X", c->sha[i]);
		snprintf(resp, resp_len, "%%CMNG: %u%s%u%s\"%s\"\r\nOK\r\n", tag, sep, type, sep,
			 hex);
		return 0;
	}
	if (sscanf(cmd, "AT%%CMNG=3,%u,%u", &tag, &type) == 2) {
		struct cred *c = find_cred(tag, type);
		if (c == NULL)
			return 513;
		c->used = false;
		return 0;
	}
	return -1;
}

static int fake_at(void *ctx, const char *cmd, char *resp, size_t resp_len)
{
	cr_assert_eq(ctx, &F);
	cr_assert_geq(resp_len, 64u);
	resp[0] = '\0';
	size_t i = F.ncmds++;
	cr_assert_lt(i, 256u);
	snprintf(F.cmds[i], sizeof(F.cmds[i]), "%s", cmd);
	F.cmd_len[i] = strlen(cmd);
	for (size_t r = 0; r < F.nrules; r++) {
		if (strncmp(cmd, F.rules[r].prefix, strlen(F.rules[r].prefix)) == 0) {
			snprintf(resp, resp_len, "%s", F.rules[r].resp ? F.rules[r].resp : "");
			return F.rules[r].rc;
		}
	}
	return fake_modem(cmd, resp, resp_len);
}

static int fake_flash(void *ctx, uint32_t addr, const uint32_t *words, size_t n)
{
	cr_assert_eq(ctx, &F);
	if ((int)F.write_calls++ == F.fail_write_call)
		return -1;
	for (size_t i = 0; i < n; i++) {
		uint32_t a = addr + 4u * (uint32_t)i;
		if (a % 4u != 0 || a > FLASH_SIZE - 4u)
			return -1;
		uint32_t old;
		memcpy(&old, F.flash + a, 4);
		if ((old & words[i]) != words[i])
			return -1; /* NVMC: a write can only clear bits */
		uint32_t v = old & words[i];
		memcpy(F.flash + a, &v, 4);
		cr_assert_lt(F.nwrites, 4096u);
		F.write_addr[F.nwrites++] = a;
	}
	return 0;
}

static void fake_progress(void *ctx, uint32_t value)
{
	cr_assert_eq(ctx, &F);
	if (F.nprogress < 512)
		F.progress[F.nprogress++] = value;
}

static struct prov_hal hal(void)
{
	struct prov_hal h = {
		.ctx = &F,
		.flash_base = (uintptr_t)F.flash,
		.at_cmd = fake_at,
		.flash_write_words = fake_flash,
		.progress_store = fake_progress,
	};
	return h;
}

static void seal_manifest(void)
{
	M.crc32 = ref_crc32(&M, NRFCRED_MANIFEST_SIZE - 4);
}

static void setup(void)
{
	memset(&F, 0, sizeof(F));
	memset(F.flash, 0xff, sizeof(F.flash));
	F.fail_write_call = -1;
	memset(&M, 0, sizeof(M));
	memcpy(M.magic, NRFCRED_MANIFEST_MAGIC, 8);
	M.version = NRFCRED_MANIFEST_VERSION;
	M.size = NRFCRED_MANIFEST_SIZE;
	M.table_addr = TABLE_ADDR;
	M.table_max = TABLE_MAX;
	M.result_addr = RESULT_ADDR;
	M.result_max = RESULT_MAX;
	M.progress_addr = 0x20000100u;
	M.fw_version = 0x00010000u;
	seal_manifest();
}

TestSuite(fw_core, .init = setup);

struct ent {
	uint32_t tag;
	uint8_t type;
	uint8_t flags;
	const char *data;
	uint16_t len; /* 0: strlen(data) */
};

/* Builds a table in flash; returns its total length. pad_last: include the
 * last entry's padding in total_len. */
static uint32_t put_table_ex(const struct ent *e, size_t n, uint32_t flags, bool pad_last)
{
	uint8_t *t = F.flash + TABLE_ADDR;
	uint32_t off = NRFCRED_TABLE_HEADER_SIZE;
	for (size_t i = 0; i < n; i++) {
		uint16_t len = e[i].len ? e[i].len : (uint16_t)strlen(e[i].data);
		wr32(t + off, e[i].tag);
		t[off + 4] = e[i].type;
		t[off + 5] = e[i].flags;
		t[off + 6] = (uint8_t)len;
		t[off + 7] = (uint8_t)(len >> 8);
		memcpy(t + off + 8, e[i].data, len);
		off += 8 + len;
		if (i + 1 < n || pad_last) {
			while (off % 4)
				t[off++] = 0;
		}
	}
	wr32(t, NRFCRED_TABLE_MAGIC);
	t[4] = 1;
	t[5] = 0;
	t[6] = (uint8_t)n;
	t[7] = (uint8_t)(n >> 8);
	wr32(t + 8, off);
	wr32(t + 12, flags);
	wr32(t + 16, ref_crc32(t + 20, off - 20));
	return off;
}

static uint32_t put_table(const struct ent *e, size_t n, uint32_t flags)
{
	return put_table_ex(e, n, flags, true);
}

static void reseal_table(void)
{
	uint8_t *t = F.flash + TABLE_ADDR;
	uint32_t total = rd32(TABLE_ADDR + 8);
	wr32(t + 16, ref_crc32(t + 20, total - 20));
}

static const char CA[] = "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUW\n"
			 "-----END CERTIFICATE-----\n";
static const char CERT[] = "-----BEGIN CERTIFICATE-----\nMIIBdevice\n-----END CERTIFICATE-----\n";
static const char KEY[] =
	"-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEI\n-----END EC PRIVATE KEY-----\n";
static const char PSK[] = "0123456789abcdef0123456789ABCDEF";
static const char IDENT[] = "device-42";

static const struct ent FIVE[] = {
	{16842753, 0, 0, CA, 0},  {16842753, 1, 0, CERT, 0},
	{16842753, 2, 0, KEY, 0}, {42, 3, NRFCRED_ENTRY_F_DELETE_FIRST, PSK, 0},
	{42, 4, 0, IDENT, 0},
};

static size_t count_cmds(const char *prefix)
{
	size_t n = 0;
	for (size_t i = 0; i < F.ncmds; i++)
		n += strncmp(F.cmds[i], prefix, strlen(prefix)) == 0;
	return n;
}

static int run(void)
{
	struct prov_hal h = hal();
	return prov_run(&h, &M);
}

/* Checks the result block's framing (magic, version, lengths, CRC) and returns its status. */
static uint32_t result_status_checked(void)
{
	cr_assert_eq(rd32(RESULT_ADDR + 4), NRFCRED_RESULT_MAGIC);
	cr_assert_eq(rd16(RESULT_ADDR + 8), NRFCRED_RESULT_VERSION);
	uint16_t count = rd16(RESULT_ADDR + 10);
	uint32_t total = rd32(RESULT_ADDR + 12);
	cr_assert_eq(total, NRFCRED_RESULT_SIZE(count));
	cr_assert_eq(rd16(RESULT_ADDR + 22), 0xffff);
	cr_assert_eq(rd32(RESULT_ADDR + total - 4), ref_crc32(F.flash + RESULT_ADDR + 4, total - 8),
		     "result CRC");
	return rd32(RESULT_ADDR);
}

static uint32_t entry_addr(unsigned i)
{
	return RESULT_ADDR + NRFCRED_RESULT_HEADER_SIZE + NRFCRED_RESULT_ENTRY_SIZE * i;
}

Test(fw_core, crc32_matches_the_ieee_check_value)
{
	cr_assert_eq(prov_crc32("123456789", 9), 0xcbf43926u);
	uint8_t buf[300];
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 7 + 3);
	cr_assert_eq(prov_crc32(buf, sizeof(buf)), ref_crc32(buf, sizeof(buf)));
}

Test(fw_core, five_credentials_are_written_and_their_modem_hashes_recorded)
{
	put_table(FIVE, 5, 0);
	cr_assert_eq(run(), NRFCRED_RES_OK);
	cr_assert_eq(result_status_checked(), NRFCRED_RES_OK);
	cr_assert_eq(rd16(RESULT_ADDR + 10), 5);
	cr_assert_eq(rd32(RESULT_ADDR + 16), rd32(TABLE_ADDR + 16), "table CRC echoed");
	cr_assert_eq(rd16(RESULT_ADDR + 20), NRFCRED_RESULT_NO_FAIL);
	cr_assert_str_eq((const char *)F.flash + RESULT_ADDR + 24, IMEI);
	cr_assert_str_eq((const char *)F.flash + RESULT_ADDR + 40, MFW);
	for (unsigned i = 0; i < 5; i++) {
		uint32_t a = entry_addr(i);
		cr_assert_eq(rd32(a), FIVE[i].tag);
		cr_assert_eq(F.flash[a + 4], FIVE[i].type);
		cr_assert_eq(F.flash[a + 5] &
				     (NRFCRED_RESULT_E_WRITTEN | NRFCRED_RESULT_E_HASH_VALID),
			     NRFCRED_RESULT_E_WRITTEN | NRFCRED_RESULT_E_HASH_VALID);
		cr_assert_eq(rd32(a + 8), 0);
		uint8_t want[32];
		mbedtls_sha256_ret((const unsigned char *)FIVE[i].data, strlen(FIVE[i].data), want,
				   0);
		cr_assert_arr_eq(F.flash + a + 12, want, 32, "entry %u digest", i);
	}
}

Test(fw_core, commands_go_cmee_offline_identify_then_delete_write_hash)
{
	put_table(FIVE, 5, 0);
	run();
	cr_assert_str_eq(F.cmds[0], "AT+CMEE=1");
	cr_assert_str_eq(F.cmds[1], "AT+CFUN=4");
	cr_assert_str_eq(F.cmds[2], "AT+CGSN=1");
	cr_assert_str_eq(F.cmds[3], "AT+CGMR");
	cr_assert_str_eq(
		F.cmds[4],
		"AT%CMNG=0,16842753,0,\"-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUW\n"
		"-----END CERTIFICATE-----\n\"");
	cr_assert_str_eq(F.cmds[5], "AT%CMNG=1,16842753,0");
	cr_assert_str_eq(F.cmds[10], "AT%CMNG=3,42,3");
	cr_assert_str_eq(F.cmds[11], "AT%CMNG=0,42,3,\"0123456789abcdef0123456789ABCDEF\"");
	cr_assert_str_eq(F.cmds[12], "AT%CMNG=1,42,3");
	cr_assert_eq(F.ncmds, 4 + 5 * 2 + 1);
}

Test(fw_core, status_word_is_the_last_flash_write)
{
	put_table(FIVE, 5, 0);
	run();
	uint32_t total = NRFCRED_RESULT_SIZE(5u);
	cr_assert_eq(F.nwrites, total / 4);
	cr_assert_eq(F.write_addr[F.nwrites - 1], RESULT_ADDR);
	for (size_t i = 0; i + 1 < F.nwrites; i++)
		cr_assert_neq(F.write_addr[i], RESULT_ADDR, "status written early (write %zu)", i);
}

Test(fw_core, erased_table_reports_missing_and_never_touches_the_modem)
{
	cr_assert_eq(run(), NRFCRED_RES_TABLE_MISSING);
	cr_assert_eq(F.ncmds, 0);
	cr_assert_eq(result_status_checked(), NRFCRED_RES_TABLE_MISSING);
	cr_assert_eq(rd16(RESULT_ADDR + 10), 0);
	cr_assert_str_eq((const char *)F.flash + RESULT_ADDR + 24, "", "IMEI unknown");
}

Test(fw_core, bad_table_magic_is_reported_without_modem_access)
{
	put_table(FIVE, 5, 0);
	F.flash[TABLE_ADDR] ^= 1;
	cr_assert_eq(run(), NRFCRED_RES_TABLE_BAD_MAGIC);
	cr_assert_eq(F.ncmds, 0);
	cr_assert_eq(result_status_checked(), NRFCRED_RES_TABLE_BAD_MAGIC);
}

Test(fw_core, bad_table_version_is_reported)
{
	put_table(FIVE, 5, 0);
	F.flash[TABLE_ADDR + 4] = 2;
	cr_assert_eq(run(), NRFCRED_RES_TABLE_BAD_VERSION);
	cr_assert_eq(F.ncmds, 0);
}

Test(fw_core, unknown_table_flags_are_refused_as_a_version_mismatch)
{
	put_table(FIVE, 5, 0x4);
	cr_assert_eq(run(), NRFCRED_RES_TABLE_BAD_VERSION);
	cr_assert_eq(F.ncmds, 0);
}

Test(fw_core, total_length_beyond_the_table_area_is_a_length_error)
{
	put_table(FIVE, 5, 0);
	wr32(F.flash + TABLE_ADDR + 8, TABLE_MAX + 4);
	cr_assert_eq(run(), NRFCRED_RES_TABLE_BAD_LENGTH);
	cr_assert_eq(F.ncmds, 0);
	wr32(F.flash + TABLE_ADDR + 8, 12);
	F.nwrites = 0;
	memset(F.flash + RESULT_ADDR, 0xff, RESULT_MAX);
	cr_assert_eq(run(), NRFCRED_RES_TABLE_BAD_LENGTH);
}

Test(fw_core, more_than_64_entries_is_a_length_error)
{
	put_table(FIVE, 5, 0);
	F.flash[TABLE_ADDR + 6] = 65;
	cr_assert_eq(run(), NRFCRED_RES_TABLE_BAD_LENGTH);
	cr_assert_eq(F.ncmds, 0);
}

Test(fw_core, entry_running_past_total_length_is_a_length_error_with_its_index)
{
	put_table(FIVE, 5, 0);
	uint32_t e2 = TABLE_ADDR + 20;
	for (int i = 0; i < 2; i++)
		e2 += (8u + rd16(e2 + 6) + 3u) & ~3u;
	cr_assert_eq(rd32(e2), 16842753u);
	cr_assert_eq(F.flash[e2 + 4], 2);
	F.flash[e2 + 7] = 0x40; /* length + 16 KB */
	reseal_table();
	cr_assert_eq(run(), NRFCRED_RES_TABLE_BAD_LENGTH);
	cr_assert_eq(rd16(RESULT_ADDR + 20), 2);
	cr_assert_eq(F.ncmds, 0);
}

Test(fw_core, bytes_after_the_last_entry_are_a_length_error)
{
	uint32_t total = put_table(FIVE, 5, 0);
	memset(F.flash + TABLE_ADDR + total, 0, 8);
	wr32(F.flash + TABLE_ADDR + 8, total + 8);
	reseal_table();
	cr_assert_eq(run(), NRFCRED_RES_TABLE_BAD_LENGTH);
}

Test(fw_core, last_entry_padding_may_be_left_out_of_total_length)
{
	struct ent e[] = {{7, 4, 0, "abcde", 0}};
	uint32_t total = put_table_ex(e, 1, 0, false);
	cr_assert_eq(total, 20 + 8 + 5);
	cr_assert_eq(run(), NRFCRED_RES_OK);
	cr_assert_str_eq(F.cmds[4], "AT%CMNG=0,7,4,\"abcde\"");
}

Test(fw_core, corrupted_entries_fail_the_crc_check)
{
	put_table(FIVE, 5, 0);
	F.flash[TABLE_ADDR + 40] ^= 0x20;
	cr_assert_eq(run(), NRFCRED_RES_TABLE_BAD_CRC);
	cr_assert_eq(F.ncmds, 0);
	cr_assert_eq(result_status_checked(), NRFCRED_RES_TABLE_BAD_CRC);
	cr_assert_eq(rd32(RESULT_ADDR + 16), rd32(TABLE_ADDR + 16));
}

Test(fw_core, type_7_is_a_bad_entry)
{
	struct ent e[] = {{1, 0, 0, "x", 0}, {1, 7, 0, "y", 0}};
	put_table(e, 2, 0);
	cr_assert_eq(run(), NRFCRED_RES_TABLE_BAD_ENTRY);
	cr_assert_eq(rd16(RESULT_ADDR + 20), 1);
	cr_assert_eq(F.ncmds, 0);
}

Test(fw_core, sec_tag_above_2147483647_is_a_bad_entry)
{
	struct ent ok[] = {{2147483647u, 4, 0, "id", 0}};
	put_table(ok, 1, 0);
	cr_assert_eq(run(), NRFCRED_RES_OK);
	setup();
	struct ent bad[] = {{2147483648u, 4, 0, "id", 0}};
	put_table(bad, 1, 0);
	cr_assert_eq(run(), NRFCRED_RES_TABLE_BAD_ENTRY);
	cr_assert_eq(F.ncmds, 0);
}

Test(fw_core, quote_in_content_is_a_bad_entry)
{
	struct ent e[] = {{1, 4, 0, "ab\"c", 0}};
	put_table(e, 1, 0);
	cr_assert_eq(run(), NRFCRED_RES_TABLE_BAD_ENTRY);
	cr_assert_eq(F.ncmds, 0);
}

Test(fw_core, nul_in_content_is_a_bad_entry)
{
	struct ent e[] = {{1, 4, 0, "ab\0c", 4}};
	put_table(e, 1, 0);
	cr_assert_eq(run(), NRFCRED_RES_TABLE_BAD_ENTRY);
}

Test(fw_core, empty_content_is_a_bad_entry)
{
	struct ent e[] = {{1, 4, 0, "x", 0}};
	put_table(e, 1, 0);
	F.flash[TABLE_ADDR + 20 + 6] = 0; /* length 0, 4 bytes of zero padding remain */
	reseal_table();
	cr_assert_eq(run(), NRFCRED_RES_TABLE_BAD_ENTRY);
}

Test(fw_core, nonzero_padding_is_a_bad_entry)
{
	struct ent e[] = {{1, 4, 0, "abcde", 0}, {2, 4, 0, "x", 0}};
	put_table(e, 2, 0);
	F.flash[TABLE_ADDR + 20 + 8 + 5] = 0x55;
	reseal_table();
	cr_assert_eq(run(), NRFCRED_RES_TABLE_BAD_ENTRY);
	cr_assert_eq(rd16(RESULT_ADDR + 20), 0);
}

Test(fw_core, unknown_entry_flags_are_a_bad_entry)
{
	struct ent e[] = {{1, 4, 0x80, "x", 0}};
	put_table(e, 1, 0);
	cr_assert_eq(run(), NRFCRED_RES_TABLE_BAD_ENTRY);
}

Test(fw_core, content_of_4096_bytes_is_accepted_and_4097_refused)
{
	static char big[4098];
	memset(big, 'A', sizeof(big) - 1);
	struct ent e[] = {{5, 0, 0, big, 4096}};
	put_table(e, 1, 0);
	cr_assert_eq(run(), NRFCRED_RES_OK);
	cr_assert_eq(F.cmd_len[4], strlen("AT%CMNG=0,5,0,\"\"") + 4096);
	setup();
	e[0].len = 4097;
	put_table(e, 1, 0);
	cr_assert_eq(run(), NRFCRED_RES_TABLE_BAD_ENTRY);
}

Test(fw_core, manifest_with_bad_crc_writes_nothing_and_sends_nothing)
{
	put_table(FIVE, 5, 0);
	M.crc32 ^= 1;
	cr_assert_eq(run(), NRFCRED_RES_MANIFEST_BAD);
	cr_assert_eq(F.ncmds, 0);
	cr_assert_eq(F.nwrites, 0);
	cr_assert_eq(F.nprogress, 0);
}

Test(fw_core, manifest_with_bad_magic_or_layout_is_refused)
{
	put_table(FIVE, 5, 0);
	M.magic[7] = '2';
	seal_manifest();
	cr_assert_eq(run(), NRFCRED_RES_MANIFEST_BAD);
	setup();
	M.table_addr = TABLE_ADDR + 4; /* not page aligned */
	seal_manifest();
	cr_assert_eq(run(), NRFCRED_RES_MANIFEST_BAD);
	setup();
	M.result_addr = TABLE_ADDR + 0x1000; /* inside the table area */
	seal_manifest();
	cr_assert_eq(run(), NRFCRED_RES_MANIFEST_BAD);
	setup();
	M.result_max = NRFCRED_RESULT_SIZE(0u) - 4;
	seal_manifest();
	cr_assert_eq(run(), NRFCRED_RES_MANIFEST_BAD);
	cr_assert_eq(F.nwrites, 0);
}

/* A version 2 manifest: M's fields, then a mailbox. */
static struct nrfcred_manifest_v2 M2;

static void make_v2(uint32_t flags, uint32_t mailbox_addr, uint32_t mailbox_size)
{
	memset(&M2, 0, sizeof(M2));
	memcpy(M2.magic, NRFCRED_MANIFEST_MAGIC, 8);
	M2.version = NRFCRED_MANIFEST_VERSION_SESSION;
	M2.size = NRFCRED_MANIFEST_V2_SIZE;
	M2.table_addr = M.table_addr;
	M2.table_max = M.table_max;
	M2.result_addr = M.result_addr;
	M2.result_max = M.result_max;
	M2.progress_addr = M.progress_addr;
	M2.fw_version = M.fw_version;
	M2.flags = flags;
	M2.mailbox_addr = mailbox_addr;
	M2.mailbox_size = mailbox_size;
	M2.crc32 = ref_crc32(&M2, NRFCRED_MANIFEST_V2_SIZE - 4);
}

static int run_v2(void)
{
	struct prov_hal h = hal();
	return prov_run(&h, &M2);
}

Test(fw_core, version_2_manifest_with_flash_areas_runs_the_flash_delivery)
{
	make_v2(NRFCRED_MANIFEST_F_SESSION, 0x20010000u, 0x8000u);
	put_table(FIVE, 5, 0);
	cr_assert_eq(run_v2(), NRFCRED_RES_OK);
	cr_assert_eq(result_status_checked(), NRFCRED_RES_OK);
	cr_assert_eq(rd16(RESULT_ADDR + 10), 5);
	cr_assert_eq(count_cmds("AT%CMNG=0,"), 5);
	setup();
	make_v2(0, 0, 0); /* version 2 without a session: flash only */
	put_table(FIVE, 1, 0);
	cr_assert_eq(run_v2(), NRFCRED_RES_OK);
}

Test(fw_core, session_only_manifest_is_refused_by_the_flash_delivery)
{
	M.table_addr = M.table_max = M.result_addr = M.result_max = 0;
	make_v2(NRFCRED_MANIFEST_F_SESSION, 0x20010000u, 0x8000u);
	put_table(FIVE, 5, 0);
	cr_assert_eq(run_v2(), NRFCRED_RES_MANIFEST_BAD);
	cr_assert_eq(F.ncmds, 0);
	cr_assert_eq(F.nwrites, 0);
	cr_assert_eq(F.nprogress, 0);
}

Test(fw_core, version_2_manifest_with_a_bad_mailbox_or_flags_is_refused)
{
	static const struct {
		uint32_t flags, addr, size;
	} bad[] = {
		{NRFCRED_MANIFEST_F_SESSION, 0x20010800u, 0x8000u}, /* not 4 KB aligned */
		{NRFCRED_MANIFEST_F_SESSION, 0x20010000u, 0x8800u}, /* not a multiple of 4 KB */
		{NRFCRED_MANIFEST_F_SESSION, 0x20010000u,
		 0x1000u}, /* below NRFCRED_MBOX_MIN_SIZE */
		{NRFCRED_MANIFEST_F_SESSION, 0x20010000u,
		 0x11000u}, /* above NRFCRED_MBOX_MAX_SIZE */
		{NRFCRED_MANIFEST_F_SESSION, 0x00010000u, 0x8000u}, /* in flash, not RAM */
		{NRFCRED_MANIFEST_F_SESSION, 0x2003c000u, 0x8000u}, /* runs past the end of RAM */
		{NRFCRED_MANIFEST_F_SESSION, 0xfffff000u, 0x2000u}, /* wraps around */
		{NRFCRED_MANIFEST_F_SESSION, 0x20000000u, 0x2000u}, /* holds the progress word */
		{0, 0x20010000u, 0x8000u}, /* a mailbox without F_SESSION */
		{0x4, 0, 0},		   /* an unknown flag */
		{NRFCRED_MANIFEST_F_SESSION | 0x80000000u, 0x20010000u, 0x8000u},
	};
	put_table(FIVE, 1, 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		make_v2(bad[i].flags, bad[i].addr, bad[i].size);
		cr_assert_eq(run_v2(), NRFCRED_RES_MANIFEST_BAD, "case %zu", i);
	}
	cr_assert_eq(F.nwrites, 0);
	make_v2(NRFCRED_MANIFEST_F_SESSION, 0x20038000u, 0x8000u); /* ends at the end of RAM */
	cr_assert_eq(run_v2(), NRFCRED_RES_OK);
	make_v2(NRFCRED_MANIFEST_F_SESSION | NRFCRED_MANIFEST_F_SIM_BUILD, 0x20038000u, 0x8000u);
	cr_assert_eq(run_v2(), NRFCRED_RES_OK);
}

Test(fw_core, version_2_manifest_needs_its_own_size_and_crc_range)
{
	put_table(FIVE, 1, 0);
	make_v2(NRFCRED_MANIFEST_F_SESSION, 0x20010000u, 0x8000u);
	M2.size = NRFCRED_MANIFEST_SIZE;
	M2.crc32 = ref_crc32(&M2, NRFCRED_MANIFEST_V2_SIZE - 4);
	cr_assert_eq(run_v2(), NRFCRED_RES_MANIFEST_BAD, "size 44 with version 2");
	make_v2(NRFCRED_MANIFEST_F_SESSION, 0x20010000u, 0x8000u);
	M2.crc32 = ref_crc32(&M2, NRFCRED_MANIFEST_SIZE - 4);
	cr_assert_eq(run_v2(), NRFCRED_RES_MANIFEST_BAD, "CRC over the version 1 range");
	make_v2(NRFCRED_MANIFEST_F_SESSION, 0x20010000u, 0x8000u);
	M2.mailbox_size = 0x4000u; /* changed after sealing */
	cr_assert_eq(run_v2(), NRFCRED_RES_MANIFEST_BAD, "mailbox outside the CRC");
	cr_assert_eq(F.nwrites, 0);
}

Test(fw_core, session_flag_in_a_version_1_manifest_does_not_excuse_missing_areas)
{
	M.flags = NRFCRED_MANIFEST_F_SESSION;
	M.table_addr = M.table_max = M.result_addr = M.result_max = 0;
	seal_manifest();
	cr_assert_eq(run(), NRFCRED_RES_MANIFEST_BAD);
}

Test(fw_core, imei_only_table_reads_identity_and_writes_no_credential)
{
	put_table(FIVE, 5, NRFCRED_TABLE_F_IMEI_ONLY);
	cr_assert_eq(run(), NRFCRED_RES_OK);
	cr_assert_eq(count_cmds("AT%CMNG"), 0);
	cr_assert_eq(F.ncmds, 4);
	cr_assert_eq(result_status_checked(), NRFCRED_RES_OK);
	cr_assert_str_eq((const char *)F.flash + RESULT_ADDR + 24, IMEI);
	cr_assert_eq(rd16(RESULT_ADDR + 10), 5);
	for (unsigned i = 0; i < 5; i++)
		cr_assert_eq(F.flash[entry_addr(i) + 5], 0, "entry %u not written", i);
}

Test(fw_core, delete_first_of_a_missing_credential_is_not_an_error)
{
	struct ent e[] = {{9, 3, NRFCRED_ENTRY_F_DELETE_FIRST, "abcd", 0}};
	put_table(e, 1, 0);
	cr_assert_eq(run(), NRFCRED_RES_OK);
	cr_assert_eq(F.flash[entry_addr(0) + 5],
		     NRFCRED_RESULT_E_WRITTEN | NRFCRED_RESULT_E_HASH_VALID);
}

Test(fw_core, delete_first_of_an_existing_credential_sets_the_deleted_flag)
{
	F.store[0] = (struct cred){.used = true, .tag = 9, .type = 3};
	struct ent e[] = {{9, 3, NRFCRED_ENTRY_F_DELETE_FIRST, "abcd", 0}};
	put_table(e, 1, 0);
	cr_assert_eq(run(), NRFCRED_RES_OK);
	cr_assert_eq(F.flash[entry_addr(0) + 5], NRFCRED_RESULT_E_WRITTEN |
							 NRFCRED_RESULT_E_HASH_VALID |
							 NRFCRED_RESULT_E_DELETED);
}

Test(fw_core, delete_refused_by_the_modem_fails_with_its_cme_code)
{
	F.rules[F.nrules++] = (struct rule){"AT%CMNG=3,42,3", 514, "+CME ERROR: 514"};
	put_table(FIVE, 5, 0);
	cr_assert_eq(run(), NRFCRED_RES_CRED_DELETE);
	cr_assert_eq(result_status_checked(), NRFCRED_RES_CRED_DELETE);
	cr_assert_eq(rd16(RESULT_ADDR + 20), 3);
	cr_assert_eq((int32_t)rd32(entry_addr(3) + 8), 514);
	cr_assert_eq(count_cmds("AT%CMNG=0,42,3"), 0);
}

Test(fw_core, cme_error_on_one_write_is_recorded_for_that_entry_and_stops)
{
	F.rules[F.nrules++] = (struct rule){"AT%CMNG=0,16842753,2,", 515, "+CME ERROR: 515"};
	put_table(FIVE, 5, 0);
	cr_assert_eq(run(), NRFCRED_RES_CRED_WRITE);
	cr_assert_eq(result_status_checked(), NRFCRED_RES_CRED_WRITE);
	cr_assert_eq(rd16(RESULT_ADDR + 20), 2);
	cr_assert_eq(rd16(RESULT_ADDR + 10), 5);
	cr_assert_eq(F.flash[entry_addr(1) + 5],
		     NRFCRED_RESULT_E_WRITTEN | NRFCRED_RESULT_E_HASH_VALID);
	cr_assert_eq((int32_t)rd32(entry_addr(2) + 8), 515);
	cr_assert_eq(F.flash[entry_addr(2) + 5], 0);
	cr_assert_eq(F.flash[entry_addr(3) + 5], 0, "entries after the failure are not attempted");
	cr_assert_eq(count_cmds("AT%CMNG=0,42"), 0);
}

Test(fw_core, plain_error_on_write_is_recorded_as_minus_one)
{
	F.rules[F.nrules++] = (struct rule){"AT%CMNG=0,42,4,", -1, "ERROR"};
	put_table(FIVE, 5, 0);
	cr_assert_eq(run(), NRFCRED_RES_CRED_WRITE);
	cr_assert_eq(rd16(RESULT_ADDR + 20), 4);
	cr_assert_eq((int32_t)rd32(entry_addr(4) + 8), -1);
}

Test(fw_core, malformed_hash_answer_is_a_hash_error)
{
	F.rules[F.nrules++] = (struct rule){
		"AT%CMNG=1,42,4", 0,
		"%CMNG: "
		"42,4,\"0123456789012345678901234567890123456789012345678901234567890\"\r\nOK"};
	put_table(FIVE, 5, 0);
	cr_assert_eq(run(), NRFCRED_RES_CRED_HASH);
	cr_assert_eq(rd16(RESULT_ADDR + 20), 4);
	cr_assert_eq(F.flash[entry_addr(4) + 5], NRFCRED_RESULT_E_WRITTEN);
}

Test(fw_core, hash_answer_for_another_credential_is_a_hash_error)
{
	F.rules[F.nrules++] = (struct rule){
		"AT%CMNG=1,42,4", 0,
		"%CMNG: "
		"42,3,\"00112233445566778899AABBCCDDEEFF00112233445566778899AABBCCDDEEFF\"\r\nOK"};
	put_table(FIVE, 5, 0);
	cr_assert_eq(run(), NRFCRED_RES_CRED_HASH);
}

Test(fw_core, empty_hash_listing_is_a_hash_error)
{
	F.rules[F.nrules++] = (struct rule){"AT%CMNG=1,16842753,0", 0, "OK"};
	put_table(FIVE, 5, 0);
	cr_assert_eq(run(), NRFCRED_RES_CRED_HASH);
	cr_assert_eq(rd16(RESULT_ADDR + 20), 0);
}

Test(fw_core, hash_command_cme_error_is_recorded)
{
	F.rules[F.nrules++] = (struct rule){"AT%CMNG=1,16842753,2", 514, "+CME ERROR: 514"};
	put_table(FIVE, 5, 0);
	cr_assert_eq(run(), NRFCRED_RES_CRED_HASH);
	cr_assert_eq((int32_t)rd32(entry_addr(2) + 8), 514);
}

Test(fw_core, modem_setup_failures_map_to_their_status)
{
	static const struct {
		const char *cmd;
		int rc;
		const char *resp;
		int status;
	} cases[] = {
		{"AT+CMEE=1", -1, "ERROR", NRFCRED_RES_MODEM_INIT},
		{"AT+CFUN=4", 528, "+CME ERROR: 528", NRFCRED_RES_MODEM_OFFLINE},
		{"AT+CGSN=1", -1, "ERROR", NRFCRED_RES_IMEI},
		{"AT+CGSN=1", 0, "+CGSN: \"35265610036787\"\r\nOK", NRFCRED_RES_IMEI},
		{"AT+CGSN=1", 0, "+CGSN: \"35265610036787x\"\r\nOK", NRFCRED_RES_IMEI},
		{"AT+CGMR", -1, "ERROR", NRFCRED_RES_MODEM_FW},
		{"AT+CGMR", 0, "OK", NRFCRED_RES_MODEM_FW},
		{"AT+CGMR", 0, "mfw_nrf9160_1.3.5_with_a_much_too_long_name\r\nOK",
		 NRFCRED_RES_MODEM_FW},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		setup();
		F.rules[F.nrules++] = (struct rule){cases[i].cmd, cases[i].rc, cases[i].resp};
		put_table(FIVE, 5, 0);
		cr_assert_eq(run(), cases[i].status, "case %zu", i);
		cr_assert_eq(result_status_checked(), (uint32_t)cases[i].status, "case %zu", i);
		cr_assert_eq(count_cmds("AT%CMNG"), 0, "case %zu", i);
	}
}

Test(fw_core, bare_imei_line_is_accepted)
{
	F.rules[F.nrules++] = (struct rule){"AT+CGSN=1", 0, "\r\n490154203237518\r\nOK\r\n"};
	put_table(FIVE, 1, 0);
	cr_assert_eq(run(), NRFCRED_RES_OK);
	cr_assert_str_eq((const char *)F.flash + RESULT_ADDR + 24, "490154203237518");
}

Test(fw_core, progress_word_walks_the_phases_and_ends_done)
{
	put_table(FIVE, 5, 0);
	run();
	cr_assert_geq(F.nprogress, 8);
	cr_assert_eq(F.progress[0] >> 24, NRFCRED_PHASE_BOOT);
	for (size_t i = 1; i < F.nprogress; i++)
		cr_assert_geq(F.progress[i] >> 24, F.progress[i - 1] >> 24, "phase went back");
	cr_assert_eq(F.progress[F.nprogress - 1], (uint32_t)NRFCRED_PHASE_DONE << 24 | 5u);
	bool saw_entry4 = false;
	for (size_t i = 0; i < F.nprogress; i++)
		saw_entry4 |= F.progress[i] ==
			      ((uint32_t)NRFCRED_PHASE_CREDENTIALS << 24 | 4u << 16 | 5u);
	cr_assert(saw_entry4);
}

Test(fw_core, no_progress_word_when_the_manifest_has_none)
{
	M.progress_addr = 0;
	seal_manifest();
	put_table(FIVE, 5, 0);
	cr_assert_eq(run(), NRFCRED_RES_OK);
	cr_assert_eq(F.nprogress, 0);
}

Test(fw_core, result_that_does_not_fit_is_reported_in_an_empty_block)
{
	M.result_max = NRFCRED_RESULT_SIZE(2u);
	seal_manifest();
	put_table(FIVE, 5, 0);
	cr_assert_eq(run(), NRFCRED_RES_RESULT_TOO_LARGE);
	cr_assert_eq(result_status_checked(), NRFCRED_RES_RESULT_TOO_LARGE);
	cr_assert_eq(rd16(RESULT_ADDR + 10), 0);
}

Test(fw_core, result_area_not_erased_gives_flash_write_error)
{
	put_table(FIVE, 5, 0);
	memset(F.flash + RESULT_ADDR + 100, 0, 4);
	cr_assert_eq(run(), NRFCRED_RES_FLASH_WRITE);
	cr_assert_eq(rd32(RESULT_ADDR), 0xffffffffu, "status must stay pending");
}

Test(fw_core, failing_status_write_is_reported)
{
	F.fail_write_call = 1; /* the second call writes the status word */
	put_table(FIVE, 5, 0);
	cr_assert_eq(run(), NRFCRED_RES_FLASH_WRITE);
	cr_assert_eq(rd32(RESULT_ADDR), 0xffffffffu);
}

Test(fw_core, final_code_parser_handles_ok_error_cme_and_garbage)
{
	cr_assert_eq(prov_at_final_code("OK", 100), 0);
	cr_assert_eq(prov_at_final_code("+CGSN: \"1\"\r\nOK\r\n", 100), 0);
	cr_assert_eq(prov_at_final_code("ERROR\r\n", 100), -1);
	cr_assert_eq(prov_at_final_code("+CME ERROR: 513\r\n", 100), 513);
	cr_assert_eq(prov_at_final_code("\r\n+CME ERROR:527", 100), 527);
	cr_assert_eq(prov_at_final_code("+CME ERROR: 5x3", 100), -1);
	cr_assert_eq(prov_at_final_code("+CME ERROR: 99999999999", 100), -1);
	cr_assert_eq(prov_at_final_code("+CME ERROR: ", 100), -1);
	cr_assert_eq(prov_at_final_code("", 100), -1);
	cr_assert_eq(prov_at_final_code("OKAY", 100), -1);
	cr_assert_eq(prov_at_final_code("%CMNG: 1,2\r\n", 100), -1, "no final line");
	cr_assert_eq(prov_at_final_code("OK\r\n", 1), -1, "bounded by len");
}

Test(fw_core, hash_parser_accepts_lower_and_upper_hex)
{
	uint8_t sha[32];
	const char *r =
		"%CMNG: 7,1,\"00112233445566778899aabbccddeeff00112233445566778899AABBCCDDEEFF\"";
	cr_assert_eq(prov_parse_cmng_list(r, 7, 1, sha), PROV_CMNG_DIGEST);
	cr_assert_eq(sha[0], 0x00);
	cr_assert_eq(sha[5], 0x55);
	cr_assert_eq(sha[15], 0xff);
	cr_assert_eq(sha[31], 0xff);
	cr_assert_eq(prov_parse_cmng_list(r, 7, 2, sha), PROV_CMNG_NOT_LISTED);
	cr_assert_eq(
		prov_parse_cmng_list(
			"%CMNG: "
			"7,1,\"zz112233445566778899aabbccddeeff00112233445566778899AABBCCDDEEFF\"",
			7, 1, sha),
		PROV_CMNG_MALFORMED);
}

/* The form nRF Cloud utils quotes, without and with spaces after ':' and ','. */
Test(fw_core, list_line_parses_with_or_without_spaces)
{
	static const char *const lines[] = {
		"%CMNG: "
		"16842753,0,\"2C43952EE9E000FF2ACC4E2ED0897C0A72AD5FA72C3D934E81741CBD54F05BD1\"",
		"%CMNG:16842753,0,"
		"\"2C43952EE9E000FF2ACC4E2ED0897C0A72AD5FA72C3D934E81741CBD54F05BD1\"",
		"%CMNG: 16842753, 0, "
		"\"2C43952EE9E000FF2ACC4E2ED0897C0A72AD5FA72C3D934E81741CBD54F05BD1\"",
		"%CMNG:   16842753,  0,   "
		"\"2C43952EE9E000FF2ACC4E2ED0897C0A72AD5FA72C3D934E81741CBD54F05BD1\"",
	};
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		uint8_t sha[32] = {0};
		char resp[200];
		snprintf(resp, sizeof(resp), "%s\r\nOK\r\n", lines[i]);
		cr_assert_eq(prov_parse_cmng_list(resp, 16842753, 0, sha), PROV_CMNG_DIGEST, "%s",
			     lines[i]);
		cr_assert_eq(sha[0], 0x2C);
		cr_assert_eq(sha[1], 0x43);
		cr_assert_eq(sha[31], 0xD1);
	}
}

Test(fw_core, list_line_without_digest_is_listed_not_digested)
{
	uint8_t sha[32];
	memset(sha, 0xA5, sizeof(sha));
	cr_assert_eq(prov_parse_cmng_list("%CMNG: 16842753,0\r\nOK\r\n", 16842753, 0, sha),
		     PROV_CMNG_LISTED_NO_DIGEST);
	cr_assert_eq(sha[0], 0xA5, "no digest: sha untouched");
	cr_assert_eq(prov_parse_cmng_list("%CMNG: 16842753, 0\r\nOK", 16842753, 0, sha),
		     PROV_CMNG_LISTED_NO_DIGEST);
	cr_assert_eq(prov_parse_cmng_list("%CMNG:7,1", 7, 1, sha), PROV_CMNG_LISTED_NO_DIGEST);
	/* another credential's line, listed or not, says nothing about ours */
	cr_assert_eq(prov_parse_cmng_list("%CMNG: 7,2\r\n%CMNG: 8,1\r\nOK", 7, 1, sha),
		     PROV_CMNG_NOT_LISTED);
	cr_assert_eq(prov_parse_cmng_list("OK\r\n", 7, 1, sha), PROV_CMNG_NOT_LISTED);
	cr_assert_eq(prov_parse_cmng_list("", 7, 1, sha), PROV_CMNG_NOT_LISTED);
	/* 71 is not 7, 17 is not 7 */
	cr_assert_eq(prov_parse_cmng_list("%CMNG: 71,1\r\n%CMNG: 17,1", 7, 1, sha),
		     PROV_CMNG_NOT_LISTED);
}

Test(fw_core, list_line_naming_the_credential_but_garbled_is_malformed)
{
	uint8_t sha[32];
	static const char *const bad[] = {
		"%CMNG: 7,1,\"\"", /* empty digest */
		"%CMNG: 7,1,",	   /* dangling comma */
		"%CMNG: 7,1 ",	   /* trailing space */
		"%CMNG: 7,1x",	   /* junk after the type */
		"%CMNG: 7,1,00112233445566778899aabbccddeeff00112233445566778899AABBCCDDEEFF",
		"%CMNG: 7,1,\"00112233445566778899aabbccddeeff00112233445566778899AABBCCDDEE\"",
		"%CMNG: 7,1,\"00112233445566778899aabbccddeeff00112233445566778899AABBCCDDEEFF\",1",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_eq(prov_parse_cmng_list(bad[i], 7, 1, sha), PROV_CMNG_MALFORMED, "%s",
			     bad[i]);
	/* the first line that names the pair decides */
	cr_assert_eq(
		prov_parse_cmng_list(
			"%CMNG: 7,1,\"\"\r\n"
			"%CMNG: "
			"7,1,\"00112233445566778899aabbccddeeff00112233445566778899AABBCCDDEEFF\"",
			7, 1, sha),
		PROV_CMNG_MALFORMED);
}

Test(fw_core, modem_listing_with_spaces_still_records_the_digests)
{
	F.spaces = true;
	put_table(FIVE, 5, 0);
	cr_assert_eq(run(), NRFCRED_RES_OK);
	for (unsigned i = 0; i < 5; i++) {
		uint8_t want[32];
		mbedtls_sha256_ret((const unsigned char *)FIVE[i].data, strlen(FIVE[i].data), want,
				   0);
		cr_assert_arr_eq(F.flash + entry_addr(i) + 12, want, 32, "entry %u digest", i);
		cr_assert(F.flash[entry_addr(i) + 5] & NRFCRED_RESULT_E_HASH_VALID);
	}
}

Test(fw_core, modem_without_digests_marks_entries_listed_and_finishes)
{
	F.no_digest = true;
	put_table(FIVE, 5, 0);
	cr_assert_eq(run(), NRFCRED_RES_OK);
	cr_assert_eq(result_status_checked(), NRFCRED_RES_OK);
	cr_assert_eq(rd16(RESULT_ADDR + 20), NRFCRED_RESULT_NO_FAIL);
	cr_assert_eq(count_cmds("AT%CMNG=0,"), 5, "every credential written");
	cr_assert_eq(count_cmds("AT%CMNG=1,"), 5);
	static const uint8_t zero[32];
	for (unsigned i = 0; i < 5; i++) {
		uint8_t flags = F.flash[entry_addr(i) + 5];
		cr_assert(flags & NRFCRED_RESULT_E_WRITTEN);
		cr_assert(flags & NRFCRED_RESULT_E_LISTED_NO_DIGEST, "entry %u flags 0x%02x", i,
			  flags);
		cr_assert_not(flags & NRFCRED_RESULT_E_HASH_VALID);
		cr_assert_eq(rd32(entry_addr(i) + 8), 0);
		cr_assert_arr_eq(F.flash + entry_addr(i) + 12, zero, 32, "entry %u sha zero", i);
	}
}

Test(fw_core, one_undigested_entry_among_digested_ones)
{
	F.rules[F.nrules++] = (struct rule){"AT%CMNG=1,42,3", 0, "%CMNG: 42, 3\r\nOK\r\n"};
	put_table(FIVE, 5, 0);
	cr_assert_eq(run(), NRFCRED_RES_OK);
	for (unsigned i = 0; i < 5; i++) {
		uint8_t flags = F.flash[entry_addr(i) + 5];
		bool undigested = i == 3;
		cr_assert_eq((flags & NRFCRED_RESULT_E_LISTED_NO_DIGEST) != 0, undigested,
			     "entry %u", i);
		cr_assert_eq((flags & NRFCRED_RESULT_E_HASH_VALID) != 0, !undigested, "entry %u",
			     i);
	}
}

Test(fw_core, credential_not_listed_after_the_write_still_fails)
{
	/* A modem without digests that then does not list the entry at all. */
	F.no_digest = true;
	F.rules[F.nrules++] = (struct rule){"AT%CMNG=1,16842753,1", 0, "%CMNG: 16842753,0\r\nOK"};
	put_table(FIVE, 5, 0);
	cr_assert_eq(run(), NRFCRED_RES_CRED_HASH);
	cr_assert_eq(rd16(RESULT_ADDR + 20), 1);
	cr_assert_eq(F.flash[entry_addr(0) + 5],
		     NRFCRED_RESULT_E_WRITTEN | NRFCRED_RESULT_E_LISTED_NO_DIGEST);
	cr_assert_eq(F.flash[entry_addr(1) + 5], NRFCRED_RESULT_E_WRITTEN);
	cr_assert_eq(count_cmds("AT%CMNG=0,"), 2, "the run stops at the unlisted entry");
}
