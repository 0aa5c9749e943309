/*
 * nrfcred provisioning firmware, nRF Connect SDK binding: the portable core
 * (firmware/core) talks to the modem through nrf_modem_at_cmd() and writes
 * the result block through the Zephyr flash driver. Built for the non-secure
 * targets (nrf9160dk/nrf9160/ns, nrf9161dk/nrf9161/ns, nrf9151dk/nrf9151/ns):
 * the modem library only runs in the non-secure domain, and the table and
 * result areas lie in the flash TF-M marks non-secure storage (see below and
 * pm_static.yml), which the non-secure NVMC interface may program.
 *
 * UNTESTED ON SILICON and never built (no NCS here; see README.md).
 */
#include <stdint.h>
#include <string.h>

#include <modem/nrf_modem_lib.h>
#include <nrf_modem_at.h>
#include <nrfx.h>
#include <zephyr/devicetree.h>
#include <zephyr/drivers/flash.h>
#include <zephyr/init.h>
#include <zephyr/kernel.h>
#if defined(CONFIG_PARTITION_MANAGER_ENABLED)
#include <pm_config.h>
#endif

#include "nrfcred/provision.h"
#include "prov.h"

/*
 * Where the table and result areas are. TF-M leaves all flash Secure except
 * the non-secure image and the non-secure storage region (sdk-trusted-
 * firmware-m platform/ext/target/nordic_nrf/common/core/target_cfg_53_91.c),
 * so both areas must lie inside the latter, which must start and end on an
 * SPU region boundary (32 KB on nRF91).
 *
 * Partition Manager builds (NCS up to 3.4, the default there): pm_static.yml
 * defines nrfcred_table/nrfcred_result inside nonsecure_storage, which TF-M
 * reads as PM_NONSECURE_STORAGE_ADDRESS/SIZE (sdk-nrf modules/trusted-
 * firmware-m/tfm_boards/partition/region_defs.h).
 *
 * Devicetree builds (PM disabled, NCS 3.3+; the only mode from 3.5): TF-M's
 * non-secure storage is the node labelled storage_partition (sdk-nrf
 * tfm_boards/partition/flash_layout.h, doc/nrf/security/tfm/
 * tfm_partitioning.rst). The table takes it all but the last page, the
 * result the last page: 0xf8000/0x7000 and 0xff000/0x1000 with the default
 * nRF91 partitions (sdk-zephyr dts/vendor/nordic/nrf91xx_partition.dtsi),
 * the same addresses as pm_static.yml.
 *
 * Flash starts at address 0 on nRF91, so partition offsets are addresses.
 */
#if defined(CONFIG_NRF_TRUSTZONE_FLASH_REGION_SIZE)
#define NCS_SPU_REGION CONFIG_NRF_TRUSTZONE_FLASH_REGION_SIZE
#elif defined(CONFIG_NRF_SPU_FLASH_REGION_SIZE)
#define NCS_SPU_REGION CONFIG_NRF_SPU_FLASH_REGION_SIZE
#else
#define NCS_SPU_REGION 0x8000
#endif

#if defined(CONFIG_PARTITION_MANAGER_ENABLED)
#if !defined(PM_NRFCRED_TABLE_ADDRESS) || !defined(PM_NRFCRED_RESULT_ADDRESS)
#error "pm_static.yml did not take effect: no nrfcred_table/nrfcred_result partition"
#endif
#if !defined(PM_NONSECURE_STORAGE_ADDRESS)
#error "no nonsecure_storage partition: TF-M would leave the nrfcred areas Secure"
#endif
#define NCS_NS_STORAGE_ADDR PM_NONSECURE_STORAGE_ADDRESS
#define NCS_NS_STORAGE_SIZE PM_NONSECURE_STORAGE_SIZE
#define NCS_TABLE_ADDR	    PM_NRFCRED_TABLE_ADDRESS
#define NCS_TABLE_SIZE	    PM_NRFCRED_TABLE_SIZE
#define NCS_RESULT_ADDR	    PM_NRFCRED_RESULT_ADDRESS
#define NCS_RESULT_SIZE	    PM_NRFCRED_RESULT_SIZE
#elif DT_NODE_EXISTS(DT_NODELABEL(storage_partition))
#define NCS_NS_STORAGE_ADDR DT_REG_ADDR(DT_NODELABEL(storage_partition))
#define NCS_NS_STORAGE_SIZE DT_REG_SIZE(DT_NODELABEL(storage_partition))
#define NCS_TABLE_ADDR	    NCS_NS_STORAGE_ADDR
#define NCS_TABLE_SIZE	    (NCS_NS_STORAGE_SIZE - PROV_FLASH_PAGE)
#define NCS_RESULT_ADDR	    (NCS_NS_STORAGE_ADDR + NCS_NS_STORAGE_SIZE - PROV_FLASH_PAGE)
#define NCS_RESULT_SIZE	    PROV_FLASH_PAGE
#else
#error "neither Partition Manager nor a devicetree storage_partition: nowhere to put the areas"
#endif

BUILD_ASSERT(NCS_NS_STORAGE_ADDR % NCS_SPU_REGION == 0 && NCS_NS_STORAGE_SIZE % NCS_SPU_REGION == 0,
	     "non-secure storage must start and end on an SPU region boundary");
BUILD_ASSERT(NCS_TABLE_ADDR >= NCS_NS_STORAGE_ADDR &&
		     NCS_TABLE_ADDR + NCS_TABLE_SIZE <= NCS_NS_STORAGE_ADDR + NCS_NS_STORAGE_SIZE,
	     "nrfcred_table outside the non-secure storage region");
BUILD_ASSERT(NCS_RESULT_ADDR >= NCS_NS_STORAGE_ADDR &&
		     NCS_RESULT_ADDR + NCS_RESULT_SIZE <= NCS_NS_STORAGE_ADDR + NCS_NS_STORAGE_SIZE,
	     "nrfcred_result outside the non-secure storage region");
BUILD_ASSERT(NCS_TABLE_ADDR % PROV_FLASH_PAGE == 0 && NCS_RESULT_ADDR % PROV_FLASH_PAGE == 0,
	     "areas must be page aligned (the manifest check requires it)");
BUILD_ASSERT(NCS_TABLE_SIZE >= NRFCRED_TABLE_HEADER_SIZE &&
		     NCS_RESULT_SIZE >= NRFCRED_RESULT_SIZE(NRFCRED_TABLE_MAX_ENTRIES),
	     "areas too small");
BUILD_ASSERT(NCS_RESULT_ADDR >= NCS_TABLE_ADDR + NCS_TABLE_SIZE ||
		     NCS_TABLE_ADDR >= NCS_RESULT_ADDR + NCS_RESULT_SIZE,
	     "table and result areas overlap");

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
	.table_addr = NCS_TABLE_ADDR,
	.table_max = NCS_TABLE_SIZE,
	.result_addr = NCS_RESULT_ADDR,
	.result_max = NCS_RESULT_SIZE,
	.progress_addr = (uint32_t)(uintptr_t)&progress_word,
	.fw_version = FW_VERSION,
	.flags = 0,
	.crc32 = 0,
};

static const struct device *const flash_dev = DEVICE_DT_GET(DT_CHOSEN(zephyr_flash_controller));

/*
 * nRF91x1 anomaly 36: idling in WFI/WFE (System ON IDLE) re-locks the access
 * port, and this firmware idles while the host reads its result over SWD.
 * CONFIG_NRF91_ANOMALY_36_WORKAROUND (prj.conf) has TF-M's SystemInit keep
 * the SoC in constant latency mode, which never enters System ON IDLE. That
 * symbol only exists from NCS 3.3, and only reaches TF-M once sdk-nrf passes
 * it on (PR #28050), so the app also triggers TASKS_CONSTLAT itself, before
 * the idle thread can first run. POWER is a non-secure peripheral under TF-M
 * (it shares its SPU ID with CLOCK, which target_cfg_53_91.c configures
 * non-secure), hence NRF_POWER_NS. Repeating the task is harmless; on
 * nRF9160, which does not have the anomaly, it only disables low power idle.
 */
static int ncs_constant_latency(void)
{
	NRF_POWER_NS->TASKS_CONSTLAT = 1;
	return 0;
}
SYS_INIT(ncs_constant_latency, PRE_KERNEL_1, 0);

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
