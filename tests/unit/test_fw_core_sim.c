/* The simulator firmware (firmware/sim, built by arm-none-eabi-gcc) running on
 * the emulated Cortex-M33 (tools/sim/cpu_unicorn.c) of a simulated board, with
 * the simulated modem behind the mailbox. The test plays the host: it loads
 * the hex into flash through the bus and the NVMC, writes a table where the
 * manifest says, releases reset, advances modeled time and reads the result
 * block back. */
#include <criterion/criterion.h>
#include <mbedtls/sha256.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "board.h"
#include "board_impl.h"
#include "bus.h"
#include "modem.h"
#include "nrfcred/provision.h"

#ifndef FW_SIM_HEX
#error "FW_SIM_HEX must name the built provisioner-sim.hex"
#endif

#define IMEI "352656100367872"
#define MFW  "mfw_nrf9160_1.3.5"
#define MS   1000000ull

static const struct simbus_attr DBG = {.debugger = true, .nonsecure = false};

struct fw {
	uint8_t img[SIM_FLASH_SIZE];
	uint32_t end; /* highest loaded address + 1 */
	uint32_t manifest;
	uint32_t table_addr, table_max, result_addr, result_max, progress_addr;
	uint32_t mailbox_addr, mailbox_size;
};

static struct fw *FW;
static struct simboard *B;
static char state_path[64];
static uint64_t T; /* modeled time, ns */

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

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static unsigned hexbyte(const char *s)
{
	unsigned v;
	cr_assert_eq(sscanf(s, "%2x", &v), 1);
	return v;
}

/* Minimal Intel HEX reader for the test's own fixture (types 00, 01, 04, 05). */
static void load_hex(const char *path)
{
	FILE *f = fopen(path, "r");
	cr_assert_not_null(f, "cannot open %s", path);
	memset(FW->img, 0xff, sizeof(FW->img));
	char line[600];
	uint32_t upper = 0;
	while (fgets(line, sizeof(line), f)) {
		cr_assert_eq(line[0], ':');
		unsigned n = hexbyte(line + 1), type = hexbyte(line + 7);
		uint32_t addr = upper + (hexbyte(line + 3) << 8 | hexbyte(line + 5));
		if (type == 0) {
			for (unsigned i = 0; i < n; i++) {
				cr_assert_lt(addr + i, SIM_FLASH_SIZE);
				FW->img[addr + i] = (uint8_t)hexbyte(line + 9 + 2 * i);
			}
			if (addr + n > FW->end)
				FW->end = addr + n;
		} else if (type == 4) {
			upper = (hexbyte(line + 9) << 8 | hexbyte(line + 11)) << 16;
		}
	}
	fclose(f);
	uint8_t *m = memmem(FW->img, FW->end, NRFCRED_MANIFEST_MAGIC, 8);
	cr_assert_not_null(m, "manifest magic");
	cr_assert_null(memmem(m + 1, FW->img + FW->end - (m + 1), NRFCRED_MANIFEST_MAGIC, 8),
		       "magic must occur once");
	cr_assert_eq(le32(m + 8),
		     NRFCRED_MANIFEST_VERSION_SESSION | NRFCRED_MANIFEST_V2_SIZE << 16);
	cr_assert_eq(le32(m + 48), ref_crc32(m, 48), "manifest CRC patched at build time");
	FW->manifest = (uint32_t)(m - FW->img);
	FW->table_addr = le32(m + 12);
	FW->table_max = le32(m + 16);
	FW->result_addr = le32(m + 20);
	FW->result_max = le32(m + 24);
	FW->progress_addr = le32(m + 28);
	cr_assert_eq(le32(m + 36), NRFCRED_MANIFEST_F_SESSION | NRFCRED_MANIFEST_F_SIM_BUILD);
	FW->mailbox_addr = le32(m + 40);
	FW->mailbox_size = le32(m + 44);
}

static void advance(uint64_t dt)
{
	T += dt;
	simboard_advance(B, T);
}

static void nvmc_config(uint32_t v)
{
	cr_assert_eq(simbus_write(B, NVMC_S_BASE + NVMC_CONFIG, 4, v, DBG), SIMBUS_OK);
}

static void program(uint32_t addr, const uint8_t *data, uint32_t len)
{
	nvmc_config(1);
	for (uint32_t i = 0; i < len; i += 4) {
		uint8_t w[4] = {0xff, 0xff, 0xff, 0xff};
		memcpy(w, data + i, len - i < 4 ? len - i : 4);
		cr_assert_eq(simbus_write(B, addr + i, 4, le32(w), DBG), SIMBUS_OK, "word 0x%x",
			     addr + i);
		advance(50000);
	}
	nvmc_config(0);
}

static void erase_page(uint32_t addr)
{
	nvmc_config(2);
	cr_assert_eq(simbus_write(B, addr, 4, 0xffffffffu, DBG), SIMBUS_OK);
	advance(100 * MS);
	nvmc_config(0);
}

static uint32_t rd32(uint32_t addr)
{
	uint32_t v = 0;
	cr_assert_eq(simbus_read(B, addr, 4, &v, DBG), SIMBUS_OK, "read 0x%x", addr);
	return v;
}

static void open_board(const struct simboard_faults *faults)
{
	struct simboard_config cfg = {0};
	cfg.part = SIMBOARD_NRF9160;
	snprintf(cfg.imei, sizeof(cfg.imei), "%s", IMEI);
	snprintf(cfg.modem_fw, sizeof(cfg.modem_fw), "%s", MFW);
	cfg.present = true;
	cfg.vtref_mv = 3300;
	cfg.device_id = 0x1122334455667788ull;
	simboard_timing_defaults(&cfg.timing);
	cfg.faults.modem_error_type = -1;
	if (faults)
		cfg.faults = *faults;
	B = simboard_open(&cfg, state_path);
	cr_assert_not_null(B, "simboard_open");
}

static void setup(void)
{
	FW = calloc(1, sizeof(*FW));
	cr_assert_not_null(FW);
	load_hex(FW_SIM_HEX);
	snprintf(state_path, sizeof(state_path), "/tmp/nrfcred-fwsim-XXXXXX");
	int fd = mkstemp(state_path);
	cr_assert_geq(fd, 0);
	close(fd);
	T = 0;
	open_board(NULL);
	/* Hold the chip in reset while "the host" programs it. */
	simboard_set_nreset(B, true, T);
	program(0, FW->img, (FW->end + 3u) & ~3u);
}

static void teardown(void)
{
	if (B)
		simboard_close(B);
	unlink(state_path);
	free(FW);
}

TestSuite(fw_core_sim, .init = setup, .fini = teardown, .timeout = 60);

struct ent {
	uint32_t tag;
	uint8_t type;
	uint8_t flags;
	const char *data;
};

static const struct ent FIVE[] = {
	{16842753, 0, 0,
	 "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUW\n-----END CERTIFICATE-----\n"},
	{16842753, 1, 0, "-----BEGIN CERTIFICATE-----\nMIIBdevice\n-----END CERTIFICATE-----\n"},
	{16842753, 2, NRFCRED_ENTRY_F_DELETE_FIRST,
	 "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEI\n-----END EC PRIVATE KEY-----\n"},
	{42, 3, NRFCRED_ENTRY_F_DELETE_FIRST, "0123456789abcdef0123456789ABCDEF"},
	{42, 4, 0, "device-42"},
};

static uint32_t build_table(uint8_t *t, const struct ent *e, size_t n, uint32_t flags)
{
	uint32_t off = NRFCRED_TABLE_HEADER_SIZE;
	memset(t, 0, 8192);
	for (size_t i = 0; i < n; i++) {
		uint16_t len = (uint16_t)strlen(e[i].data);
		put32(t + off, e[i].tag);
		t[off + 4] = e[i].type;
		t[off + 5] = e[i].flags;
		t[off + 6] = (uint8_t)len;
		t[off + 7] = (uint8_t)(len >> 8);
		memcpy(t + off + 8, e[i].data, len);
		off = (off + 8 + len + 3u) & ~3u;
	}
	put32(t, NRFCRED_TABLE_MAGIC);
	t[4] = 1;
	t[6] = (uint8_t)n;
	put32(t + 8, off);
	put32(t + 12, flags);
	put32(t + 16, ref_crc32(t + 20, off - 20));
	return off;
}

/* Releases reset and runs until the status word is written (or limit). Returns
 * the modeled ns it took. */
static uint64_t run_firmware(uint64_t limit_ns)
{
	simboard_set_nreset(B, false, T);
	uint64_t start = T;
	while (T - start < limit_ns) {
		advance(1 * MS);
		if (rd32(FW->result_addr) != NRFCRED_RESULT_STATUS_PENDING)
			break;
	}
	return T - start;
}

static void provision(const struct ent *e, size_t n, uint32_t flags)
{
	static uint8_t table[8192];
	uint32_t len = build_table(table, e, n, flags);
	cr_assert_leq(len, FW->table_max);
	program(FW->table_addr, table, len);
}

struct seen {
	int n;
	struct simmodem_cred_info info[16];
};

static void collect(const struct simmodem_cred_info *info, void *ctx)
{
	struct seen *s = ctx;
	if (s->n < 16)
		s->info[s->n] = *info;
	s->n++;
}

static struct seen modem_store(void)
{
	struct simboard_blob blob;
	simboard_modem_store(B, &blob);
	struct seen s = {0};
	cr_assert_geq(simmodem_store_foreach(blob.data, *blob.length, collect, &s), 0);
	return s;
}

static void read_result(uint8_t *res)
{
	for (uint32_t i = 0; i < 1024; i += 4)
		put32(res + i, rd32(FW->result_addr + i));
	uint32_t total = le32(res + 12);
	cr_assert_leq(total, 1024u);
	cr_assert_eq(le32(res + 4), NRFCRED_RESULT_MAGIC);
	cr_assert_eq(le32(res + total - 4), ref_crc32(res + 4, total - 8), "result CRC");
}

Test(fw_core_sim, five_credentials_are_provisioned_and_match_the_host_digests)
{
	provision(FIVE, 5, 0);
	struct simboard_counters c0;
	simboard_get_counters(B, &c0);
	struct timespec w0, w1;
	clock_gettime(CLOCK_MONOTONIC, &w0);
	uint64_t took = run_firmware(5000 * MS);
	clock_gettime(CLOCK_MONOTONIC, &w1);
	struct simboard_counters c1;
	simboard_get_counters(B, &c1);
	uint8_t res[1024];
	read_result(res);
	cr_assert_eq(le32(res), NRFCRED_RES_OK, "status %u", le32(res));
	cr_assert_str_eq((const char *)res + 24, IMEI);
	cr_assert_str_eq((const char *)res + 40, MFW);
	cr_assert_eq(res[10], 5);
	struct seen s = modem_store();
	cr_assert_eq(s.n, 5);
	for (int i = 0; i < 5; i++) {
		const uint8_t *re = res + 72 + 44 * i;
		uint8_t want[32];
		mbedtls_sha256_ret((const unsigned char *)FIVE[i].data, strlen(FIVE[i].data), want,
				   0);
		cr_assert_eq(le32(re), FIVE[i].tag);
		cr_assert_eq(re[4], FIVE[i].type);
		cr_assert_eq(le32(re + 8), 0, "entry %d modem code", i);
		cr_assert(re[5] & NRFCRED_RESULT_E_HASH_VALID);
		cr_assert_arr_eq(re + 12, want, 32, "entry %d digest", i);
		/* the modem store holds the same credentials (sorted by tag, type) */
		bool found = false;
		for (int k = 0; k < s.n; k++)
			found |= s.info[k].sec_tag == FIVE[i].tag &&
				 s.info[k].type == FIVE[i].type &&
				 memcmp(s.info[k].sha256, want, 32) == 0;
		cr_assert(found, "entry %d in the modem store", i);
	}
	uint32_t progress = rd32(FW->progress_addr);
	cr_assert_eq(progress >> 24, NRFCRED_PHASE_DONE);
	uint64_t insns = c1.cpu_instructions - c0.cpu_instructions;
	cr_assert_gt(insns, 1000u);
	printf("fw_core_sim: 5 credentials: %llu instructions, %.1f ms modeled, %llu NVMC words, "
	       "%.1f ms wall\n",
	       (unsigned long long)insns, (double)took / 1e6,
	       (unsigned long long)(c1.nvmc_words_written - c0.nvmc_words_written),
	       (double)(w1.tv_sec - w0.tv_sec) * 1e3 + (double)(w1.tv_nsec - w0.tv_nsec) / 1e6);
}

Test(fw_core_sim, corrupted_table_is_reported_and_the_modem_store_is_unchanged)
{
	provision(FIVE, 5, 0);
	run_firmware(5000 * MS);
	cr_assert_eq(rd32(FW->result_addr), NRFCRED_RES_OK);
	struct simboard_blob blob;
	simboard_modem_store(B, &blob);
	uint32_t before_len = *blob.length;
	uint8_t *before = malloc(before_len);
	memcpy(before, blob.data, before_len);

	/* A second run with a table whose entries no longer match their CRC. */
	simboard_set_nreset(B, true, T);
	for (uint32_t p = 0; p < FW->table_max; p += SIM_PAGE_SIZE)
		erase_page(FW->table_addr + p);
	erase_page(FW->result_addr);
	static uint8_t table[8192];
	uint32_t len = build_table(table, FIVE, 5, 0);
	table[60] ^= 0x01;
	program(FW->table_addr, table, len);
	run_firmware(5000 * MS);
	uint8_t res[1024];
	read_result(res);
	cr_assert_eq(le32(res), NRFCRED_RES_TABLE_BAD_CRC);
	cr_assert_str_eq((const char *)res + 24, "", "modem never asked");
	simboard_modem_store(B, &blob);
	cr_assert_eq(*blob.length, before_len);
	cr_assert_arr_eq(blob.data, before, before_len, "modem store changed");
	free(before);
}

Test(fw_core_sim, modem_error_on_one_credential_is_reported_with_its_cme_code)
{
	struct simboard_faults f = {0};
	f.modem_error_sec_tag = 42;
	f.modem_error_type = 3;
	f.modem_error_code = 515;
	simboard_set_faults(B, &f);
	provision(FIVE, 5, 0);
	run_firmware(5000 * MS);
	uint8_t res[1024];
	read_result(res);
	cr_assert_eq(le32(res), NRFCRED_RES_CRED_WRITE);
	cr_assert_eq(res[20], 3, "fail_index");
	cr_assert_eq((int32_t)le32(res + 72 + 44 * 3 + 8), 515);
	cr_assert_eq(modem_store().n, 3, "entries before the failure were stored");
}

Test(fw_core_sim, hung_modem_leaves_the_result_pending)
{
	struct simboard_faults f = {0};
	f.modem_error_type = -1;
	f.firmware_hang = true;
	simboard_set_faults(B, &f);
	provision(FIVE, 5, 0);
	uint64_t took = run_firmware(3000 * MS);
	cr_assert_geq(took, 3000 * MS);
	cr_assert_eq(rd32(FW->result_addr), NRFCRED_RESULT_STATUS_PENDING);
	cr_assert_eq(rd32(FW->progress_addr) >> 24, NRFCRED_PHASE_OFFLINE,
		     "stuck on the first command");
	struct simboard_counters c;
	simboard_get_counters(B, &c);
	/* Idle polling is skipped, not emulated: 3 s at 64 MHz would be 192M. */
	cr_assert_lt(c.cpu_instructions, 5000000u);
}

Test(fw_core_sim, imei_only_table_writes_no_credential)
{
	provision(FIVE, 5, NRFCRED_TABLE_F_IMEI_ONLY);
	run_firmware(5000 * MS);
	uint8_t res[1024];
	read_result(res);
	cr_assert_eq(le32(res), NRFCRED_RES_OK);
	cr_assert_str_eq((const char *)res + 24, IMEI);
	cr_assert_eq(modem_store().n, 0);
}

/* ---- the session delivery (erased table area): the test plays the host
 * through the debugger's bus, as nrfcred would over the MEM-AP */

static uint32_t mbox_rd(uint32_t off)
{
	return rd32(FW->mailbox_addr + off);
}

static void mbox_wr(uint32_t off, uint32_t v)
{
	cr_assert_eq(simbus_write(B, FW->mailbox_addr + off, 4, v, DBG), SIMBUS_OK);
}

/* Runs until fw_seq reaches want (or limit); returns the modeled ns. */
static uint64_t run_until_fw_seq(uint32_t want, uint64_t limit_ns)
{
	uint64_t start = T;
	while (mbox_rd(NRFCRED_MBOX_OFF_FW_SEQ) != want && T - start < limit_ns)
		advance(1 * MS);
	cr_assert_eq(mbox_rd(NRFCRED_MBOX_OFF_FW_SEQ), want, "fw_seq after %llu ms",
		     (unsigned long long)((T - start) / MS));
	return T - start;
}

/* Reads the UP record (framing checked) into rec; returns its type. */
static uint16_t read_up(uint8_t *rec, uint32_t *payload_len)
{
	for (uint32_t i = 0; i < 28; i += 4)
		put32(rec + i, mbox_rd(NRFCRED_MBOX_UP_OFFSET + i));
	uint32_t length = le32(rec + 8);
	cr_assert_eq(le32(rec), NRFCRED_REC_MAGIC);
	cr_assert(length % 4 == 0 && length >= 28 && length <= NRFCRED_MBOX_UP_MAX);
	for (uint32_t i = 0; i < length; i += 4)
		put32(rec + i, mbox_rd(NRFCRED_MBOX_UP_OFFSET + i));
	cr_assert_eq(le32(rec + 12), mbox_rd(NRFCRED_MBOX_OFF_FW_SEQ));
	cr_assert_eq(le32(rec + 16), mbox_rd(NRFCRED_MBOX_OFF_NONCE));
	cr_assert_eq(le32(rec + length - 4), ref_crc32(rec, length - 4), "UP record CRC");
	*payload_len = length - 28;
	return (uint16_t)(le32(rec + 4) >> 16);
}

static void send_down(uint16_t type, const uint8_t *payload, uint32_t len, uint32_t seq)
{
	static uint8_t rec[NRFCRED_MBOX_UP_MAX * 8];
	uint32_t plen = (len + 3u) & ~3u, length = 28 + plen;
	cr_assert_leq(length, FW->mailbox_size - NRFCRED_MBOX_DOWN_OFFSET);
	memset(rec, 0, length);
	put32(rec, NRFCRED_REC_MAGIC);
	put32(rec + 4, NRFCRED_REC_VERSION | (uint32_t)type << 16);
	put32(rec + 8, length);
	put32(rec + 12, seq);
	put32(rec + 16, mbox_rd(NRFCRED_MBOX_OFF_NONCE));
	put32(rec + 20, mbox_rd(NRFCRED_MBOX_OFF_FW_SEQ));
	if (len)
		memcpy(rec + 24, payload, len);
	put32(rec + length - 4, ref_crc32(rec, length - 4));
	for (uint32_t i = 0; i < length; i += 4)
		mbox_wr(NRFCRED_MBOX_DOWN_OFFSET + i, le32(rec + i));
	mbox_wr(NRFCRED_MBOX_OFF_HOST_SEQ, seq); /* the doorbell, last */
}

Test(fw_core_sim, erased_table_area_starts_a_session_with_ready_in_the_mailbox)
{
	simboard_set_nreset(B, false, T);
	run_until_fw_seq(1, 5000 * MS);
	cr_assert_eq(mbox_rd(NRFCRED_MBOX_OFF_MAGIC), NRFCRED_MBOX_MAGIC);
	cr_assert_eq(mbox_rd(NRFCRED_MBOX_OFF_VERSION),
		     NRFCRED_MBOX_VERSION | NRFCRED_MBOX_HEADER_SIZE << 16);
	cr_assert_eq(mbox_rd(NRFCRED_MBOX_OFF_SIZE), FW->mailbox_size);
	cr_assert_neq(mbox_rd(NRFCRED_MBOX_OFF_NONCE), 0);
	static uint8_t rec[NRFCRED_MBOX_UP_MAX];
	uint32_t plen;
	cr_assert_eq(read_up(rec, &plen), NRFCRED_REC_READY);
	cr_assert_eq(plen, NRFCRED_READY_PAYLOAD_SIZE);
	cr_assert_eq(le32(rec + 24 + 8), NRFCRED_RES_OK, "modem steps");
	cr_assert_str_eq((const char *)rec + 24 + 16, IMEI);
	cr_assert_str_eq((const char *)rec + 24 + 32, MFW);
	cr_assert_eq(rd32(FW->result_addr), NRFCRED_RESULT_STATUS_PENDING, "no flash result");

	/* Waiting for the host is a WFI per slice, not a spin. */
	struct simboard_counters c0, c1;
	simboard_get_counters(B, &c0);
	for (int i = 0; i < 1000; i++)
		advance(1 * MS);
	simboard_get_counters(B, &c1);
	cr_assert_lt(c1.cpu_instructions - c0.cpu_instructions, 100000u, "%llu instructions",
		     (unsigned long long)(c1.cpu_instructions - c0.cpu_instructions));
	cr_assert_eq(mbox_rd(NRFCRED_MBOX_OFF_FW_SEQ), 1, "nothing published meanwhile");
	printf("fw_core_sim: session idle: %llu instructions in 1 s modeled (1000 slices)\n",
	       (unsigned long long)(c1.cpu_instructions - c0.cpu_instructions));
}

Test(fw_core_sim, a_table_sent_through_the_mailbox_is_provisioned_and_end_clears_it)
{
	simboard_set_nreset(B, false, T);
	run_until_fw_seq(1, 5000 * MS);
	static uint8_t table[8192];
	uint32_t len = build_table(table, FIVE, 5, 0);
	send_down(NRFCRED_REC_TABLE, table, len, 1);
	run_until_fw_seq(2, 5000 * MS);
	cr_assert_eq(mbox_rd(NRFCRED_MBOX_OFF_ACK_SEQ), 1);
	static uint8_t rec[NRFCRED_MBOX_UP_MAX];
	uint32_t plen;
	cr_assert_eq(read_up(rec, &plen), NRFCRED_REC_RESULT);
	const uint8_t *res = rec + 24;
	cr_assert_eq(le32(res), NRFCRED_RES_OK, "status %u", le32(res));
	cr_assert_eq(le32(res + 12), plen);
	cr_assert_eq(le32(res + plen - 4), ref_crc32(res + 4, plen - 8), "result CRC");
	cr_assert_str_eq((const char *)res + 24, IMEI);
	for (int i = 0; i < 5; i++) {
		const uint8_t *re = res + 72 + 44 * i;
		uint8_t want[32];
		mbedtls_sha256_ret((const unsigned char *)FIVE[i].data, strlen(FIVE[i].data), want,
				   0);
		cr_assert(re[5] & NRFCRED_RESULT_E_HASH_VALID);
		cr_assert_arr_eq(re + 12, want, 32, "entry %d digest", i);
	}
	cr_assert_eq(modem_store().n, 5);
	for (uint32_t off = NRFCRED_MBOX_DOWN_OFFSET; off < FW->mailbox_size; off += 4)
		cr_assert_eq(mbox_rd(off), 0, "DOWN area word 0x%x not cleared", off);

	send_down(NRFCRED_REC_END, NULL, 0, 2);
	run_until_fw_seq(3, 1000 * MS);
	cr_assert_eq(read_up(rec, &plen), NRFCRED_REC_DONE);
	cr_assert_eq(le32(rec + 24), 0);
	for (uint32_t off = NRFCRED_MBOX_UP_OFFSET + 28 + 4; off < FW->mailbox_size; off += 4)
		cr_assert_eq(mbox_rd(off), 0, "mailbox word 0x%x not cleared", off);
	/* Nothing of it went to flash. */
	cr_assert_eq(rd32(FW->table_addr), 0xFFFFFFFFu);
	cr_assert_eq(rd32(FW->result_addr), NRFCRED_RESULT_STATUS_PENDING);
}

Test(fw_core_sim, every_boot_has_another_nonzero_nonce)
{
	/* RAM survives a pin reset, so until the new boot has cleared the
	 * mailbox and published READY, the old boot's header is still there:
	 * the host tells the boots apart by the nonce, as this test does. */
	uint32_t seen[4];
	for (int i = 0; i < 4; i++) {
		simboard_set_nreset(B, false, T);
		uint64_t start = T;
		for (;;) {
			uint32_t nonce = mbox_rd(NRFCRED_MBOX_OFF_NONCE);
			if (mbox_rd(NRFCRED_MBOX_OFF_FW_SEQ) == 1 && nonce != 0 &&
			    (i == 0 || nonce != seen[i - 1]))
				break;
			cr_assert_lt(T - start, 5000 * MS, "boot %d: no READY with a new nonce", i);
			advance(1 * MS);
		}
		seen[i] = mbox_rd(NRFCRED_MBOX_OFF_NONCE);
		for (int k = 0; k < i; k++)
			cr_assert_neq(seen[i], seen[k], "boot %d repeats the nonce of boot %d", i,
				      k);
		simboard_set_nreset(B, true, T);
		advance(1 * MS);
	}
}

Test(fw_core_sim, credentials_persist_in_the_state_file)
{
	provision(FIVE, 5, 0);
	run_firmware(5000 * MS);
	cr_assert_eq(rd32(FW->result_addr), NRFCRED_RES_OK);
	simboard_close(B);
	B = NULL;
	open_board(NULL);
	cr_assert_eq(modem_store().n, 5);
}

/* A tiny program: R0 = 0x20000000, R1 = 0xCAFEF00D, [R0] = R1, then `last`
 * (WFI loop or BKPT). Its code sits where the provisioning firmware's reset
 * handler was, so stale translations of the old code would be noticed.
 * Returns the address of `last`. */
static uint32_t program_tiny(uint16_t last)
{
	uint32_t at = (le32(FW->img + 4) & ~1u) & ~3u;
	uint32_t page = at & ~(SIM_PAGE_SIZE - 1u);
	cr_assert_lt(at + 20 - page, SIM_PAGE_SIZE);
	const uint16_t code[] = {0x4802, 0x4903, 0x6001, last, 0xe7fd, 0x0000};
	uint8_t prog[20];
	memcpy(prog, code, sizeof(code));
	put32(prog + 12, 0x20000000u);
	put32(prog + 16, 0xCAFEF00Du);
	uint8_t vectors[8];
	put32(vectors, 0x20001000u);
	put32(vectors + 4, at | 1u);
	simboard_set_nreset(B, true, T);
	erase_page(0);
	if (page != 0)
		erase_page(page);
	program(0, vectors, sizeof(vectors));
	program(at, prog, sizeof(prog));
	return at + 6;
}

Test(fw_core_sim, reprogrammed_flash_runs_the_new_code_not_stale_translations)
{
	provision(FIVE, 5, 0);
	run_firmware(5000 * MS);
	cr_assert_eq(rd32(FW->result_addr), NRFCRED_RES_OK);
	cr_assert_neq(rd32(0x20000000u), 0xCAFEF00Du);
	program_tiny(0xbf30); /* WFI */
	simboard_set_nreset(B, false, T);
	advance(10 * MS);
	cr_assert_eq(rd32(0x20000000u), 0xCAFEF00Du);
	/* WFI idles: a modeled second of sleep costs a handful of instructions
	 * per advance, not 64 million. */
	struct simboard_counters c0, c1;
	simboard_get_counters(B, &c0);
	for (int i = 0; i < 10; i++)
		advance(100 * MS);
	simboard_get_counters(B, &c1);
	cr_assert_lt(c1.cpu_instructions - c0.cpu_instructions, 100u);
}

/* A DCRSR request, then DHCSR read until S_REGRDY (ARMv8-M: the next
 * DCRDR/DCRSR access must wait for it). */
static void dcrsr_request(uint32_t v)
{
	cr_assert_eq(simbus_write(B, 0xE000EDF4u, 4, v, DBG), SIMBUS_OK);
	int polls = 0;
	while (!(rd32(0xE000EDF0u) & (1u << 16)))
		cr_assert_lt(++polls, 10, "S_REGRDY");
}

static void write_core_reg(uint32_t sel, uint32_t v)
{
	cr_assert_eq(simbus_write(B, 0xE000EDF8u, 4, v, DBG), SIMBUS_OK); /* DCRDR */
	dcrsr_request(sel | 0x10000u);
}

static uint32_t read_core_reg(uint32_t sel)
{
	dcrsr_request(sel);
	return rd32(0xE000EDF8u);
}

Test(fw_core_sim, bkpt_halts_the_core_and_the_debugger_reads_its_registers)
{
	uint32_t bkpt = program_tiny(0xbe00); /* BKPT #0 */
	/* Debug enabled before reset, as a probe does. */
	cr_assert_eq(simbus_write(B, 0xE000EDF0u, 4, 0xA05F0001u, DBG), SIMBUS_OK);
	simboard_set_nreset(B, false, T);
	advance(10 * MS);
	cr_assert_eq(rd32(0xE000EDF0u) & (1u << 17), 1u << 17, "S_HALT");
	cr_assert_eq(read_core_reg(1), 0xCAFEF00Du);
	cr_assert_eq(read_core_reg(15), bkpt, "PC at the BKPT");
	cr_assert_eq(rd32(0x20000000u), 0xCAFEF00Du);
}

Test(fw_core_sim, cpu_flash_writes_obey_the_nvmc_one_to_zero_rule)
{
	/* A zero word already in the result area: the NVMC can only AND the
	 * firmware's value into it, the firmware's read-back check fails and it
	 * never writes the status word. */
	uint8_t zero[4] = {0, 0, 0, 0};
	program(FW->result_addr + 8, zero, 4);
	provision(FIVE, 1, 0);
	run_firmware(3000 * MS);
	cr_assert_eq(rd32(FW->result_addr + 8), 0u, "flash bits went 0 -> 1");
	cr_assert_eq(rd32(FW->result_addr), NRFCRED_RESULT_STATUS_PENDING);
	cr_assert_eq(rd32(FW->result_addr + 4), NRFCRED_RESULT_MAGIC, "other words were written");
	cr_assert_eq(rd32(FW->progress_addr) >> 24, NRFCRED_PHASE_RESULT);
}

Test(fw_core_sim, single_steps_run_exactly_one_instruction)
{
	uint32_t bkpt = program_tiny(0xbe00);
	/* Vector catch on reset, then C_STEP three times. */
	cr_assert_eq(simbus_write(B, 0xE000EDF0u, 4, 0xA05F0003u, DBG), SIMBUS_OK);
	cr_assert_eq(simbus_write(B, 0xE000EDFCu, 4, 1u, DBG), SIMBUS_OK); /* VC_CORERESET */
	simboard_set_nreset(B, false, T);
	advance(1 * MS);
	cr_assert_eq(rd32(0xE000EDF0u) & (1u << 17), 1u << 17, "halted at reset");
	uint32_t pc0 = bkpt - 6;
	for (uint32_t i = 1; i <= 3; i++) {
		cr_assert_eq(simbus_write(B, 0xE000EDF0u, 4, 0xA05F0005u, DBG), SIMBUS_OK);
		advance(1 * MS);
		cr_assert_eq(read_core_reg(15), pc0 + 2 * i, "PC after step %u", i);
	}
	cr_assert_eq(rd32(0x20000000u), 0xCAFEF00Du, "the third step stored R1");
}


Test(fw_core_sim, debugger_runs_a_routine_from_ram_with_registers_it_set)
{
	/* The flash-algorithm convention (nrf91-registers.md §7): halt, load code
	 * to RAM, set R0.., SP, PC, xPSR, resume, wait for the BKPT. */
	simboard_set_nreset(B, false, T);
	advance(1 * MS);
	cr_assert_eq(simbus_write(B, 0xE000EDF0u, 4, 0xA05F0003u, DBG), SIMBUS_OK);
	cr_assert_eq(rd32(0xE000EDF0u) & (1u << 17), 1u << 17, "halted");
	cr_assert_eq(simbus_write(B, 0x20030000u, 4, 0xbe001840u, DBG),
		     SIMBUS_OK); /* adds r0,r0,r1; bkpt */
	write_core_reg(0, 5);
	write_core_reg(1, 7);
	write_core_reg(13, 0x20031000u);
	write_core_reg(15, 0x20030000u);
	write_core_reg(16, 0x01000000u);
	cr_assert_eq(simbus_write(B, 0xE000EDF0u, 4, 0xA05F0001u, DBG), SIMBUS_OK); /* resume */
	advance(1 * MS);
	cr_assert_eq(rd32(0xE000EDF0u) & (1u << 17), 1u << 17, "halted at the BKPT");
	cr_assert_eq(read_core_reg(0), 12u);
	cr_assert_eq(read_core_reg(15), 0x20030002u);
	cr_assert_eq(read_core_reg(13), 0x20031000u);
}

/* ---- what the MDK SystemInit steps of the firmware do (firmware/sim/system.c) */

#define UICR_APPROTECT_OFF	 0x000u
#define UICR_HFXOSRC_OFF	 0x01Cu
#define UICR_HFXOCNT_OFF	 0x020u
#define UICR_SECUREAPPROTECT_OFF 0x02Cu
#define HWUNPROTECTED		 0x50FA50FAu
#define DHCSR			 0xE000EDF0u
#define S_RESET_ST		 (1u << 25)

static void program_uicr(uint32_t off, uint32_t value)
{
	uint8_t w[4];
	put32(w, value);
	program(SIM_UICR_BASE + off, w, 4);
}

/* A fresh board of another part, programmed like setup() does. */
static void reopen_with(enum simboard_part part, const char *modem_fw)
{
	simboard_close(B);
	unlink(state_path);
	struct simboard_config cfg = {0};
	cfg.part = part;
	snprintf(cfg.imei, sizeof(cfg.imei), "%s", IMEI);
	snprintf(cfg.modem_fw, sizeof(cfg.modem_fw), "%s", modem_fw);
	cfg.present = true;
	cfg.vtref_mv = 3300;
	cfg.device_id = 0x1122334455667788ull;
	simboard_timing_defaults(&cfg.timing);
	cfg.faults.modem_error_type = -1;
	B = simboard_open(&cfg, state_path);
	cr_assert_not_null(B);
	simboard_set_nreset(B, true, T);
	program(0, FW->img, (FW->end + 3u) & ~3u);
}

static void reopen_as(enum simboard_part part)
{
	reopen_with(part, "mfw_nrf91x1_2.0.1");
}

/* Releases reset, clears S_RESET_ST, runs to the result; true when the core
 * was reset again while it ran (the firmware's own SYSRESETREQ). */
static bool run_firmware_saw_reset(void)
{
	simboard_set_nreset(B, false, T);
	(void)rd32(DHCSR); /* S_RESET_ST of the pin reset, cleared by this read */
	bool reset = false;
	for (uint64_t start = T; T - start < 5000 * MS;) {
		advance(1 * MS);
		reset |= (rd32(DHCSR) & S_RESET_ST) != 0;
		if (rd32(FW->result_addr) != NRFCRED_RESULT_STATUS_PENDING)
			break;
	}
	return reset;
}

Test(fw_core_sim, first_boot_sets_uicr_hfxo_like_the_mdk_then_resets_once)
{
	cr_assert_eq(rd32(SIM_UICR_BASE + UICR_HFXOSRC_OFF), 0xFFFFFFFFu);
	cr_assert_eq(rd32(SIM_UICR_BASE + UICR_HFXOCNT_OFF), 0xFFFFFFFFu);
	provision(FIVE, 1, 0);
	struct simboard_counters c0, c1;
	simboard_get_counters(B, &c0);
	cr_assert(run_firmware_saw_reset(), "SystemInit resets after writing UICR");
	simboard_get_counters(B, &c1);
	uint8_t res[1024];
	read_result(res);
	cr_assert_eq(le32(res), NRFCRED_RES_OK, "the run after the reset provisions");
	/* HFXOSRC: bit 0 cleared (TCXO); HFXOCNT: low byte 0x20 */
	cr_assert_eq(rd32(SIM_UICR_BASE + UICR_HFXOSRC_OFF), 0xFFFFFFFEu);
	cr_assert_eq(rd32(SIM_UICR_BASE + UICR_HFXOCNT_OFF), 0xFFFFFF20u);
	uint32_t result_words = NRFCRED_RESULT_SIZE(1) / 4;
	cr_assert_eq(c1.nvmc_words_written - c0.nvmc_words_written, 2 + result_words);
}

Test(fw_core_sim, uicr_hfxo_already_set_means_no_uicr_write_and_no_reset)
{
	program_uicr(UICR_HFXOSRC_OFF, 0xFFFFFFFEu);
	program_uicr(UICR_HFXOCNT_OFF, 0xFFFFFF20u);
	provision(FIVE, 1, 0);
	struct simboard_counters c0, c1;
	simboard_get_counters(B, &c0);
	cr_assert_not(run_firmware_saw_reset());
	simboard_get_counters(B, &c1);
	uint8_t res[1024];
	read_result(res);
	cr_assert_eq(le32(res), NRFCRED_RES_OK);
	cr_assert_eq(c1.nvmc_words_written - c0.nvmc_words_written, NRFCRED_RESULT_SIZE(1) / 4);
}

Test(fw_core_sim, xtal_hfxosrc_is_rewritten_to_tcxo_as_the_mdk_does)
{
	/* the MDK treats anything but TCXO in bit 0 as "erased" */
	program_uicr(UICR_HFXOSRC_OFF, 0xFFFFFFFFu & ~0x2u); /* bit 0 still 1 (XTAL) */
	program_uicr(UICR_HFXOCNT_OFF, 0xFFFFFF40u);
	provision(FIVE, 1, 0);
	cr_assert(run_firmware_saw_reset());
	cr_assert_eq(rd32(SIM_UICR_BASE + UICR_HFXOSRC_OFF), 0xFFFFFFFCu);
	cr_assert_eq(rd32(SIM_UICR_BASE + UICR_HFXOCNT_OFF), 0xFFFFFF40u, "set: left alone");
}

/* A logic analyser on the bus: records the CPU's writes to the APPROTECT
 * registers (NVMC_S + 0xE00 .. 0xE13) and POWER_S TASKS_CONSTLAT, in order,
 * in place of the board's own model of them, so these tests check the
 * firmware's writes against nrf9120.h and system_nrf91_approtect.h, not the
 * board model. Reads return the SVD reset value 0x00000001. */
#define APPROTECT_REGS	   0x50039E00u
#define SPY_TASKS_CONSTLAT 0x50005078u

static struct {
	uint32_t addr[16], val[16];
	int n;
} W;

static enum simbus_result spy_rd(void *ctx, uint32_t off, unsigned size, uint32_t *val)
{
	(void)ctx;
	(void)off;
	(void)size;
	*val = 1;
	return SIMBUS_OK;
}

static enum simbus_result spy_wr(void *ctx, uint32_t off, unsigned size, uint32_t val)
{
	cr_assert_eq(size, 4u);
	if (W.n < 16) {
		W.addr[W.n] = *(const uint32_t *)ctx + off;
		W.val[W.n] = val;
	}
	W.n++;
	return SIMBUS_OK;
}

static void spy_on_approtect(void)
{
	static const uint32_t base_ap = APPROTECT_REGS, base_power = SPY_TASKS_CONSTLAT;
	memset(&W, 0, sizeof(W));
	cr_assert_eq(simbus_map(B, APPROTECT_REGS, 0x14, spy_rd, spy_wr, (void *)&base_ap), 0);
	cr_assert_eq(simbus_map(B, SPY_TASKS_CONSTLAT, 4, spy_rd, spy_wr, (void *)&base_power), 0);
}

Test(fw_core_sim, nrf9151_firmware_writes_constlat_then_disable_0x5a_for_hwunprotected)
{
	reopen_as(SIMBOARD_NRF9151);
	program_uicr(UICR_APPROTECT_OFF, HWUNPROTECTED);
	program_uicr(UICR_SECUREAPPROTECT_OFF, HWUNPROTECTED);
	spy_on_approtect();
	provision(FIVE, 1, 0);
	cr_assert(run_firmware_saw_reset(), "first boot: HFXO fix-up reset comes first");
	uint8_t res[1024];
	read_result(res);
	cr_assert_eq(le32(res), NRFCRED_RES_OK);
	/* once, after the reset: erratum 36 workaround, APPROTECT, SECUREAPPROTECT */
	cr_assert_eq(W.n, 3);
	cr_assert_eq(W.addr[0], SPY_TASKS_CONSTLAT);
	cr_assert_eq(W.val[0], 1u);
	cr_assert_eq(W.addr[1], 0x50039E10u, "APPROTECT.DISABLE");
	cr_assert_eq(W.val[1], 0x5Au);
	cr_assert_eq(W.addr[2], 0x50039E00u, "SECUREAPPROTECT.DISABLE");
	cr_assert_eq(W.val[2], 0x5Au);
}

Test(fw_core_sim, nrf9151_firmware_writes_disable_0_for_any_other_uicr_value)
{
	reopen_as(SIMBOARD_NRF9151);
	program_uicr(UICR_APPROTECT_OFF, 0x50FA50FBu); /* SECUREAPPROTECT stays erased */
	spy_on_approtect();
	provision(FIVE, 1, 0);
	(void)run_firmware_saw_reset();
	cr_assert_eq(W.n, 3);
	cr_assert_eq(W.addr[1], 0x50039E10u);
	cr_assert_eq(W.val[1], 0u, "not exactly HwUnprotected");
	cr_assert_eq(W.addr[2], 0x50039E00u);
	cr_assert_eq(W.val[2], 0u, "erased is not HwUnprotected");
}

Test(fw_core_sim, nrf9160_firmware_never_touches_approtect_or_constlat)
{
	spy_on_approtect();
	provision(FIVE, 1, 0);
	(void)run_firmware_saw_reset();
	uint8_t res[1024];
	read_result(res);
	cr_assert_eq(le32(res), NRFCRED_RES_OK);
	cr_assert_eq(W.n, 0, "the MDK's nRF9160 build has no APPROTECT peripheral");
}

Test(fw_core_sim, old_modem_firmware_without_digests_gives_listed_entries_and_status_ok)
{
	reopen_with(SIMBOARD_NRF9160, "mfw_nrf9160_1.2.3");
	provision(FIVE, 5, 0);
	(void)run_firmware_saw_reset();
	uint8_t res[1024];
	read_result(res);
	cr_assert_eq(le32(res), NRFCRED_RES_OK, "status %u", le32(res));
	cr_assert_str_eq((const char *)res + 40, "mfw_nrf9160_1.2.3");
	static const uint8_t zero[32];
	for (int i = 0; i < 5; i++) {
		const uint8_t *re = res + 72 + 44 * i;
		cr_assert(re[5] & NRFCRED_RESULT_E_WRITTEN);
		cr_assert(re[5] & NRFCRED_RESULT_E_LISTED_NO_DIGEST, "entry %d flags 0x%02x", i,
			  re[5]);
		cr_assert_not(re[5] & NRFCRED_RESULT_E_HASH_VALID);
		cr_assert_arr_eq(re + 12, zero, 32);
	}
	cr_assert_eq(modem_store().n, 5, "stored all the same");
}
