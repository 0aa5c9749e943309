/*
 * Simulator provisioning firmware: binds the portable core (firmware/core)
 * to the simulator's modem mailbox (include/nrfcred/sim_mailbox.h) and to
 * the nRF91's real NVMC registers (nrf91-registers.md §6), and carries the
 * manifest that tells the host where the table, result and session mailbox
 * areas are. One image serves both deliveries of provision.h: a table
 * patched into the table area is provisioned from flash, an erased table
 * area means the host talks to the firmware through the session mailbox.
 */
#include <stddef.h>
#include <stdint.h>

#include "nrfcred/provision.h"
#include "nrfcred/sim_mailbox.h"
#include "prov.h"
#include "sim_fw.h"

/* NVMC_S (secure alias; the firmware runs secure after reset). */
#define NVMC_BASE	0x50039000u
#define NVMC_READY	0x400u
#define NVMC_CONFIG	0x504u
#define NVMC_CONFIG_REN 0u
#define NVMC_CONFIG_WEN 1u

/* FICR.INFO.DEVICEID[0..1] (nrf91-registers.md §5): 64 bits unique per die. */
#define FICR_DEVICEID0 0x00FF0204u
#define FICR_DEVICEID1 0x00FF0208u

/* SysTick (Armv8-M ARM, B11 "System timer"; the secure instance, the
 * firmware runs secure) and the clock it counts. */
#define SYST_CSR	     0xE000E010u
#define SYST_RVR	     0xE000E014u
#define SYST_CVR	     0xE000E018u
#define SYST_CSR_ENABLE	     (1u << 0)
#define SYST_CSR_TICKINT     (1u << 1)
#define SYST_CSR_CLKSOURCE   (1u << 2) /* the processor clock */
#define CPU_HZ		     64000000u
#define IDLE_TICK_PER_SECOND 1000u

#define FW_VERSION (1u << 16 | 1u << 8 | 0u)

/* The session mailbox (provision.h): 32 KB, header and UP area in the first
 * 4 KB page, the DOWN area (a table of up to 28 KB) in the rest. */
#define SESSION_MAILBOX_SIZE 0x8000u

/* Areas the linker script reserves (addresses only, no bytes in the hex). */
extern const uint8_t __nrfcred_table_start[], __nrfcred_table_size[];
extern const uint8_t __nrfcred_result_start[], __nrfcred_result_size[];

/* Live progress word the host may poll over SWD (provision.h). */
static volatile uint32_t progress_word;

/*
 * .noinit (link.ld): not loaded, not zeroed by the start-up code, so the
 * boot counter survives a reset; the mailbox is cleared by the core itself
 * at every boot. 4 KB alignment is the manifest's rule (the UP and DOWN
 * areas start on page boundaries).
 */
__attribute__((
	section(".noinit.session_mailbox"),
	aligned(0x1000))) static volatile uint32_t session_mailbox[SESSION_MAILBOX_SIZE / 4u];
__attribute__((section(".noinit.boot_count"))) static volatile uint32_t boot_count;

/*
 * The manifest. Its CRC is 0 here and patched after linking by
 * firmware/tools/mkimage.py (C cannot compute a CRC of link-time addresses
 * at compile time). These are the only "nRFcMAN1" bytes in the image: the
 * core compares the magic through a masked copy.
 */
__attribute__((section(".nrfcred_manifest"), used))
const struct nrfcred_manifest_v2 sim_manifest = {
	.magic = {'n', 'R', 'F', 'c', 'M', 'A', 'N', '1'},
	.version = NRFCRED_MANIFEST_VERSION_SESSION,
	.size = NRFCRED_MANIFEST_V2_SIZE,
	.table_addr = (uint32_t)(uintptr_t)__nrfcred_table_start,
	.table_max = (uint32_t)(uintptr_t)__nrfcred_table_size,
	.result_addr = (uint32_t)(uintptr_t)__nrfcred_result_start,
	.result_max = (uint32_t)(uintptr_t)__nrfcred_result_size,
	.progress_addr = (uint32_t)(uintptr_t)&progress_word,
	.fw_version = FW_VERSION,
	.flags = NRFCRED_MANIFEST_F_SESSION | NRFCRED_MANIFEST_F_SIM_BUILD,
	.mailbox_addr = (uint32_t)(uintptr_t)session_mailbox,
	.mailbox_size = SESSION_MAILBOX_SIZE,
	.crc32 = 0,
};

static inline uint32_t reg_read(uint32_t addr)
{
	return *(volatile const uint32_t *)(uintptr_t)addr;
}

static inline void reg_write(uint32_t addr, uint32_t value)
{
	*(volatile uint32_t *)(uintptr_t)addr = value;
}

static uint32_t mbox(uint32_t off)
{
	return reg_read(SIM_MBOX_BASE + off);
}

static void mbox_wait_idle(void)
{
	/* A plain poll: the simulator sees the STATUS reads while BUSY and
	 * skips modeled time to the modem's answer instead of spinning. */
	while (mbox(SIM_MBOX_STATUS) & SIM_MBOX_ST_BUSY) {
	}
}

static void mbox_read_text(uint32_t off, char *dst, size_t n)
{
	for (size_t i = 0; i < n; i += 4) {
		uint32_t w = mbox(SIM_MBOX_RESP + off + (uint32_t)i);
		for (size_t k = 0; k < 4 && i + k < n; k++)
			dst[i + k] = (char)(w >> (8 * k));
	}
}

static int sim_at_cmd(void *ctx, const char *cmd, char *resp, size_t resp_len)
{
	(void)ctx;
	mbox_wait_idle();
	size_t n = 0;
	while (n < SIM_MBOX_CMD_SIZE && cmd[n] != '\0')
		n++;
	if (cmd[n] != '\0' || resp_len == 0)
		return PROV_AT_ERROR;
	for (size_t i = 0; i < n; i += 4) {
		uint32_t w = 0;
		for (size_t k = 0; k < 4 && i + k < n; k++)
			w |= (uint32_t)(uint8_t)cmd[i + k] << (8 * k);
		reg_write(SIM_MBOX_BASE + SIM_MBOX_CMD + (uint32_t)i, w);
	}
	reg_write(SIM_MBOX_BASE + SIM_MBOX_CMD_LEN, (uint32_t)n);
	reg_write(SIM_MBOX_BASE + SIM_MBOX_DOORBELL, 1);
	mbox_wait_idle();
	uint32_t st = mbox(SIM_MBOX_STATUS);
	if ((st & SIM_MBOX_ST_ERROR) || !(st & SIM_MBOX_ST_DONE))
		return PROV_AT_ERROR;
	uint32_t len = mbox(SIM_MBOX_RESP_LEN);
	if (len > SIM_MBOX_RESP_SIZE)
		len = SIM_MBOX_RESP_SIZE;
	size_t keep = len < resp_len - 1 ? len : resp_len - 1;
	mbox_read_text(0, resp, keep);
	resp[keep] = '\0';
	/* The final result line is at the end: judge it from the response's
	 * last bytes, which the caller's buffer may have cut off. Read whole
	 * words from the word boundary before them. */
	char tail[52];
	uint32_t start = len > 47u ? len - 47u : 0u;
	uint32_t aligned = start & ~3u;
	mbox_read_text(aligned, tail, (size_t)(len - aligned));
	tail[len - aligned] = '\0';
	return prov_at_final_code(tail + (start - aligned), sizeof(tail) - (start - aligned));
}

static void nvmc_wait_ready(void)
{
	while (reg_read(NVMC_BASE + NVMC_READY) == 0) {
	}
}

/* NVMC word programming (nrf91-registers.md §6): CONFIG = Wen, one aligned word
 * at a time, wait READY after each, back to Ren. Verified by reading back:
 * flash can only clear bits, so a word that had 0s where we want 1s fails. */
static int sim_flash_write_words(void *ctx, uint32_t addr, const uint32_t *words, size_t n)
{
	(void)ctx;
	if (addr % 4u != 0)
		return -1;
	reg_write(NVMC_BASE + NVMC_CONFIG, NVMC_CONFIG_WEN);
	nvmc_wait_ready();
	for (size_t i = 0; i < n; i++) {
		reg_write(addr + 4u * (uint32_t)i, words[i]);
		nvmc_wait_ready();
	}
	reg_write(NVMC_BASE + NVMC_CONFIG, NVMC_CONFIG_REN);
	nvmc_wait_ready();
	for (size_t i = 0; i < n; i++) {
		if (reg_read(addr + 4u * (uint32_t)i) != words[i])
			return -1;
	}
	return 0;
}

static void sim_progress_store(void *ctx, uint32_t value)
{
	(void)ctx;
	progress_word = value;
}

/* MurmurHash3's 32-bit finalizer: a bijection that spreads every input bit
 * over the output, so consecutive boot counts give unrelated nonces. */
static uint32_t mix32(uint32_t x)
{
	x ^= x >> 16;
	x *= 0x85ebca6bu;
	x ^= x >> 13;
	x *= 0xc2b2ae35u;
	x ^= x >> 16;
	return x;
}

/*
 * A nonce per boot: the RAM boot counter makes it differ from this board's
 * earlier boots (the counter is incremented at every boot and survives the
 * resets in between; after a power-on it starts from whatever RAM holds),
 * the FICR DEVICEID makes it differ from other boards'. It only has to be
 * fresh, not secret: the host uses it to notice a reboot.
 */
static uint32_t sim_boot_nonce(void *ctx)
{
	(void)ctx;
	uint32_t count = boot_count + 1u;
	boot_count = count;
	uint32_t id = mix32(reg_read(FICR_DEVICEID0) ^ mix32(reg_read(FICR_DEVICEID1)));
	uint32_t nonce = mix32(count ^ id);
	return nonce != 0 ? nonce : 1u;
}

/*
 * Waiting for the host. WFI with SysTick as the wake-up source, 1 ms apart:
 * on silicon the core sleeps until the tick (a debugger's write to the
 * mailbox raises no event a WFE or WFI would see, so a bare WFE could sleep
 * for ever), and the host, at milliseconds per record over SWD, loses
 * nothing by it. The simulator ends a run slice at a WFI and resumes after
 * it at the next slice, so each wait costs one poll instead of the 64000
 * emulated instructions a calibrated busy-wait of 1 ms would. The SysTick
 * exception runs an empty handler (startup.c); the simulator does not
 * model SysTick at all, which is fine because it does not need the wake-up.
 * On nRF91x1 WFI would lock the access port (erratum 36) but for the
 * constant-latency mode system.c enables on those parts.
 */
static void idle_tick_start(void)
{
	reg_write(SYST_RVR, CPU_HZ / IDLE_TICK_PER_SECOND - 1u);
	reg_write(SYST_CVR, 0);
	reg_write(SYST_CSR, SYST_CSR_ENABLE | SYST_CSR_TICKINT | SYST_CSR_CLKSOURCE);
}

static int sim_idle(void *ctx)
{
	(void)ctx;
	__asm volatile("wfi" ::: "memory");
	return 0;
}

void sim_main(void)
{
	const struct prov_hal hal = {
		.ctx = NULL,
		.flash_base = 0, /* flash is memory mapped at address 0 */
		.ram_base = 0,	 /* so is RAM */
		.at_cmd = sim_at_cmd,
		.flash_write_words = sim_flash_write_words,
		.progress_store = sim_progress_store,
		.boot_nonce = sim_boot_nonce,
		.idle = sim_idle,
	};
	/* A host that patched a table into the image wants the flash
	 * delivery (provision.h); an erased first word means no table. */
	if (reg_read(sim_manifest.table_addr) != 0xFFFFFFFFu) {
		(void)prov_run(&hal, &sim_manifest);
		return;
	}
	idle_tick_start();
	(void)prov_session_run(&hal, &sim_manifest);
}
