/* libFuzzer target: the provisioning firmware core's parsers on arbitrary
 * bytes. The first byte picks the parser:
 *   0: table validation (prov_table_check), then a walk of a valid table;
 *      the entries CRC is fixed up first so that mutations reach the
 *      entry checks instead of all failing the CRC
 *   1: AT response parsers (final code, IMEI, CGMR, %CMNG digest)
 *   2: a whole prov_run over the bytes as the table, with a modem that
 *      answers every command OK and a flash buffer that enforces 1 -> 0. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Relative: tools/fuzz puts only include/ and src/ on the path. */
#include "../../firmware/core/prov.h"
#include "../../firmware/core/prov_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FLASH  0x12000u
#define TABLE  0x1000u
#define RESULT 0x11000u

static uint8_t *flash;

static int ok_modem(void *ctx, const char *cmd, char *resp, size_t len)
{
	(void)ctx;
	if (strcmp(cmd, "AT+CGSN=1") == 0)
		strncpy(resp, "+CGSN: \"352656100367872\"\r\nOK\r\n", len - 1);
	else if (strcmp(cmd, "AT+CGMR") == 0)
		strncpy(resp, "mfw_nrf9160_1.3.5\r\nOK\r\n", len - 1);
	else if (strncmp(cmd, "AT%CMNG=1,", 10) == 0)
		return -1; /* no digest: the run stops at the first entry */
	return 0;
}

static int flash_words(void *ctx, uint32_t addr, const uint32_t *w, size_t n)
{
	(void)ctx;
	for (size_t i = 0; i < n; i++, addr += 4) {
		if (addr % 4 || addr > FLASH - 4)
			abort(); /* the core wrote outside its result area */
		uint32_t old;
		memcpy(&old, flash + addr, 4);
		old &= w[i];
		memcpy(flash + addr, &old, 4);
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	uint8_t mode = data[0] % 3;
	data++;
	size--;
	if (mode == 0) {
		uint8_t *copy = malloc(size ? size : 1);
		memcpy(copy, data, size);
		if (size >= NRFCRED_TABLE_HEADER_SIZE) {
			uint32_t total = prov_le32(copy + 8);
			if (total >= NRFCRED_TABLE_HEADER_SIZE && total <= size)
				prov_put_le32(copy + 16,
					      prov_crc32(copy + NRFCRED_TABLE_HEADER_SIZE,
							 total - NRFCRED_TABLE_HEADER_SIZE));
		}
		data = copy;
		struct prov_table t;
		uint16_t bad;
		if (prov_table_check(data, (uint32_t)size, &t, &bad) == NRFCRED_RES_OK) {
			uint32_t off = NRFCRED_TABLE_HEADER_SIZE;
			for (uint16_t i = 0; i < t.count; i++) {
				struct prov_entry e;
				prov_table_next(&t, &off, &e);
				if (e.data + e.length > data + size)
					abort(); /* an accepted entry runs past the table */
			}
		}
		free(copy);
	} else if (mode == 1) {
		char resp[PROV_AT_RESP_MAX];
		size_t n = size < sizeof(resp) - 1 ? size : sizeof(resp) - 1;
		memcpy(resp, data, n);
		resp[n] = '\0';
		char imei[16], fw[32];
		uint8_t sha[32];
		(void)prov_at_final_code(resp, sizeof(resp));
		(void)prov_parse_imei(resp, imei);
		(void)prov_parse_cgmr(resp, fw);
		(void)prov_parse_cmng_list(resp, 1, 0, sha);
		/* %KEYGEN / %ATTESTTOKEN answers: decoded lengths stay in bounds. */
		static uint8_t blob[PROV_CSR_MAX + PROV_COSE_MAX];
		uint16_t csr_len, cose_len;
		if (prov_parse_keygen(resp, blob, sizeof(blob), &csr_len, &cose_len) == 0 &&
		    ((size_t)csr_len + cose_len > sizeof(blob) || csr_len > PROV_CSR_MAX ||
		     blob[0] != 0x30))
			abort();
		const char *token;
		size_t token_len;
		if (prov_parse_attest(resp, &token, &token_len) == 0 &&
		    (token < resp || token + token_len > resp + PROV_AT_RESP_MAX))
			abort();
	} else {
		flash = malloc(FLASH);
		memset(flash, 0xff, FLASH);
		memcpy(flash + TABLE, data, size < 0x8000 ? size : 0x8000);
		struct nrfcred_manifest m = {
			.magic = {'n', 'R', 'F', 'c', 'M', 'A', 'N', '1'},
			.version = 1,
			.size = NRFCRED_MANIFEST_SIZE,
			.table_addr = TABLE,
			.table_max = 0x8000,
			.result_addr = RESULT,
			.result_max = 0x1000,
		};
		m.crc32 = prov_crc32(&m, NRFCRED_MANIFEST_SIZE - 4);
		struct prov_hal hal = {
			.ctx = NULL,
			.flash_base = (uintptr_t)flash,
			.at_cmd = ok_modem,
			.flash_write_words = flash_words,
		};
		(void)prov_run(&hal, &m);
		free(flash);
	}
	return 0;
}
