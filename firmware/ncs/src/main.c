/*
 * nrfcred provisioning firmware, nRF Connect SDK binding: the portable core
 * (firmware/core) talks to the modem through nrf_modem_at_cmd() and writes
 * the result block through the Zephyr flash driver. Built for the non-secure
 * targets (nrf9160dk/nrf9160/ns, nrf9161dk/nrf9161/ns, nrf9151dk/nrf9151/ns):
 * the modem library only runs in the non-secure domain, and the table and
 * result partitions (pm_static.yml) lie in non-secure flash, which the
 * non-secure NVMC interface may program.
 *
 * UNTESTED ON SILICON and not built in CI (see README.md).
 */
#include <stdint.h>
#include <string.h>

#include <modem/nrf_modem_lib.h>
#include <nrf_modem_at.h>
#include <pm_config.h>
#include <zephyr/drivers/flash.h>
#include <zephyr/kernel.h>

#include "nrfcred/provision.h"
#include "prov.h"

#define FW_VERSION (1u << 16 | 0u << 8 | 0u)

static volatile uint32_t progress_word;

/*
 * The manifest. Its crc32 field is patched into the built hex by
 * firmware/tools/manifest_crc.py (C cannot compute a CRC at compile time);
 * the "nRFcMAN1" bytes appear only here (the core compares a masked copy).
 */
__attribute__((used)) const struct nrfcred_manifest ncs_manifest = {
	.magic = {'n', 'R', 'F', 'c', 'M', 'A', 'N', '1'},
	.version = NRFCRED_MANIFEST_VERSION,
	.size = NRFCRED_MANIFEST_SIZE,
	.table_addr = PM_NRFCRED_TABLE_ADDRESS,
	.table_max = PM_NRFCRED_TABLE_SIZE,
	.result_addr = PM_NRFCRED_RESULT_ADDRESS,
	.result_max = PM_NRFCRED_RESULT_SIZE,
	.progress_addr = (uint32_t)(uintptr_t)&progress_word,
	.fw_version = FW_VERSION,
	.flags = 0,
	.crc32 = 0,
};

static const struct device *const flash_dev = DEVICE_DT_GET(DT_CHOSEN(zephyr_flash_controller));

static int ncs_at_cmd(void *ctx, const char *cmd, char *resp, size_t resp_len)
{
	(void)ctx;
	/* "%s": the command is data (it contains '%' and credential text). */
	int err = nrf_modem_at_cmd(resp, resp_len, "%s", cmd);
	if (err == 0)
		return PROV_AT_OK;
	if (err > 0 && nrf_modem_at_err_type(err) == NRF_MODEM_AT_CME_ERROR)
		return nrf_modem_at_err(err);
	return PROV_AT_ERROR; /* plain ERROR, CMS error, or -errno from the library */
}

static int ncs_flash_write_words(void *ctx, uint32_t addr, const uint32_t *words, size_t n)
{
	(void)ctx;
	/* One word per call, in order: the status word must reach flash after
	 * everything else (provision.h), so no reordering or buffering. */
	for (size_t i = 0; i < n; i++) {
		if (flash_write(flash_dev, addr + 4u * i, &words[i], 4) != 0)
			return -1;
		uint32_t back;
		if (flash_read(flash_dev, addr + 4u * i, &back, 4) != 0 || back != words[i])
			return -1;
	}
	return 0;
}

static void ncs_progress_store(void *ctx, uint32_t value)
{
	(void)ctx;
	progress_word = value;
}

int main(void)
{
	const struct prov_hal hal = {
		.ctx = NULL,
		.flash_base = 0, /* flash is memory mapped at address 0 */
		.at_cmd = ncs_at_cmd,
		.flash_write_words = ncs_flash_write_words,
		.progress_store = ncs_progress_store,
	};
	/* If the modem library does not come up, the core's first AT command
	 * fails and the result block says NRFCRED_RES_MODEM_INIT. */
	(void)nrf_modem_lib_init();
	if (device_is_ready(flash_dev))
		(void)prov_run(&hal, &ncs_manifest);
	for (;;)
		k_sleep(K_FOREVER);
	return 0;
}
