/*
 * nrfcred provisioning firmware, nRF Connect SDK binding, session only: the
 * portable core (firmware/core) talks to the modem through
 * nrf_modem_at_cmd() and to the host through a RAM mailbox (provision.h,
 * "session"). Nothing is written to flash, so the image has no table or
 * result area and uses no flash driver: it is the same for every board and
 * holds no secret. Built for the non-secure targets (nrf9160dk/nrf9160/ns,
 * nrf9161dk/nrf9161/ns, nrf9151dk/nrf9151/ns): the modem library only runs
 * in the non-secure domain.
 *
 * UNTESTED ON SILICON and never built (no NCS here; see README.md).
 */
#include <stdint.h>

#include <modem/nrf_modem_lib.h>
#include <nrf_modem_at.h>
#include <nrfx.h>
#include <zephyr/init.h>
#include <zephyr/kernel.h>
#include <zephyr/linker/section_tags.h>
/* Zephyr 3.5 renamed rand32.h to random.h (NCS 2.6 and later). */
#if __has_include(<zephyr/random/random.h>)
#include <zephyr/random/random.h>
#else
#include <zephyr/random/rand32.h>
#endif

#include "nrfcred/provision.h"
#include "prov.h"

#define FW_VERSION (1u << 16 | 1u << 8 | 0u)

/* 32 KB: header and UP area in the first 4 KB page, the DOWN area (a table
 * of up to 28 KB) in the rest, as in the simulator firmware. */
#define SESSION_MAILBOX_SIZE 0x8000u

static volatile uint32_t progress_word;

/*
 * __noinit (zephyr/linker/section_tags.h): the .noinit section, which the
 * Zephyr start-up code does not zero; the core clears the mailbox itself at
 * every boot. 4 KB aligned: the manifest's rule (the UP and DOWN areas start
 * on page boundaries). The app's RAM is non-secure under TF-M, which the
 * host's MEM-AP reaches.
 */
static __noinit __aligned(0x1000) uint32_t session_mailbox[SESSION_MAILBOX_SIZE / 4u];
/* Only for a nonce when the CSPRNG fails (ncs_boot_nonce). */
static __noinit uint32_t boot_count;

/*
 * The manifest, version 2 with no flash areas (session only; the host then
 * refuses the flash delivery and `-o`). Its crc32 field is patched into the
 * built hex by firmware/tools/manifest_crc.py (C cannot compute a CRC of
 * link-time addresses); the "nRFcMAN1" bytes appear only here (the core
 * compares a masked copy).
 */
__attribute__((used)) const struct nrfcred_manifest_v2 ncs_manifest = {
	.magic = {'n', 'R', 'F', 'c', 'M', 'A', 'N', '1'},
	.version = NRFCRED_MANIFEST_VERSION_SESSION,
	.size = NRFCRED_MANIFEST_V2_SIZE,
	.table_addr = 0,
	.table_max = 0,
	.result_addr = 0,
	.result_max = 0,
	.progress_addr = (uint32_t)(uintptr_t)&progress_word,
	.fw_version = FW_VERSION,
	.flags = NRFCRED_MANIFEST_F_SESSION,
	.mailbox_addr = (uint32_t)(uintptr_t)session_mailbox,
	.mailbox_size = SESSION_MAILBOX_SIZE,
	.crc32 = 0,
};

/*
 * nRF91x1 anomaly 36: idling in WFI/WFE (System ON IDLE) re-locks the access
 * port, and this firmware idles while the host talks to it over SWD.
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

/* Every modem command of the core goes through here, including the
 * %KEYGEN of a KEYGEN entry and the %ATTESTTOKEN of an attestation table
 * (their answers are one quoted base64url line, at most PROV_AT_RESP_MAX =
 * 2 KB, which nrf_modem_at_cmd copies into resp like any other answer; the
 * core parses them). Syntax-checked only: never built here. */
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

static void ncs_progress_store(void *ctx, uint32_t value)
{
	(void)ctx;
	progress_word = value;
}

/*
 * sys_csrand_get() (Zephyr random API: fills the buffer from the CSPRNG,
 * 0 or -EIO), which on the nRF91 non-secure targets draws on TF-M's PSA
 * random generator. The nonce only has to differ from earlier boots; should
 * the generator fail, a boot counter in .noinit mixed with the cycle counter
 * still does.
 */
static uint32_t ncs_boot_nonce(void *ctx)
{
	(void)ctx;
	uint32_t nonce = 0;
	if (sys_csrand_get(&nonce, sizeof(nonce)) != 0 || nonce == 0) {
		boot_count++;
		nonce = boot_count * 0x9e3779b9u ^ k_cycle_get_32();
	}
	return nonce;
}

/* The host needs milliseconds per record over SWD; 2 ms between polls
 * costs it nothing and lets the idle thread sleep. */
static int ncs_idle(void *ctx)
{
	(void)ctx;
	k_sleep(K_MSEC(2));
	return 0;
}

int main(void)
{
	const struct prov_hal hal = {
		.ctx = NULL,
		.flash_base = 0, /* flash is memory mapped at address 0 */
		.ram_base = 0,	 /* and RAM at its own addresses */
		.at_cmd = ncs_at_cmd,
		.flash_write_words = NULL, /* session only */
		.progress_store = ncs_progress_store,
		.boot_nonce = ncs_boot_nonce,
		.idle = ncs_idle,
	};
	/* If the modem library does not come up, the core's first AT command
	 * fails and READY says NRFCRED_RES_MODEM_INIT. */
	(void)nrf_modem_lib_init();
	(void)prov_session_run(&hal, &ncs_manifest);
	for (;;)
		k_sleep(K_FOREVER);
	return 0;
}
