/*
 * RAM flash loader for the nRF91 (issue 13). The host loads it into RAM,
 * points R0 at the control block (include/nrfcred/flash_loader.h) and
 * resumes the halted core; it then streams slots of image data while this
 * code writes the previous ones through the NVMC, so the SWD transfer and
 * the flash's own write time overlap. It also computes the CRC-32 of
 * programmed ranges, so the host can prove them without reading them back.
 *
 * NVMC use follows nrfx (drivers/src/nrfx_nvmc.c) for secure code on the
 * nRF9160: CONFIG and CONFIGNS both set to Wen, READYNEXT polled before
 * every word (the NVMC buffers one word behind the one it writes, nrfx
 * hal/nrf_nvmc.h nrf_nvmc_write_ready_check; nrfx MDK nrf9160_bitfields.h
 * NVMC_READYNEXT: "NVMC can accept a new write operation"), READY before
 * reading flash and before returning to read-only. The CPU stalls on a
 * flash access while a word is being written (Nordic PS NVMC: "The CPU is
 * halted if the CPU executes code from the flash while the NVMC is writing
 * to the flash"), so a slot's destination is checked before its first
 * write and nothing reads flash until READY. Flash takes whole
 * aligned words, bits only 1 -> 0, at most nWRITE writes per word between
 * erases (docs/hardware/nrf91.md §6): the loader writes a word only while
 * it reads erased, once; it skips words that are to stay 0xFFFFFFFF and
 * words that already hold their value (UICR APPROTECT / SECUREAPPROTECT,
 * which the host sets to HwUnprotected before the image is written).
 *
 * Built by firmware/loader/meson.build with arm-none-eabi-gcc; the bytes
 * reach the host as src/target/loader_blob.c (firmware/tools/bin2c.py).
 */
#include <stdint.h>

#include "nrfcred/flash_loader.h"

/* nrfx MDK nrf9160.h: NRF_NVMC_S_BASE 0x50039000, NRF_NVMC_Type READY
 * @0x400, READYNEXT @0x408, CONFIG @0x504, CONFIGNS @0x584 (nrf9120.h the
 * same); nrf9160_bitfields.h: bit 0 of READY / READYNEXT, 1 = Ready. */
#define NVMC_BASE      0x50039000u
#define NVMC_READY     (*(volatile uint32_t *)(NVMC_BASE + 0x400u))
#define NVMC_READYNEXT (*(volatile uint32_t *)(NVMC_BASE + 0x408u))
#define NVMC_CONFIG    (*(volatile uint32_t *)(NVMC_BASE + 0x504u))
#define NVMC_CONFIGNS  (*(volatile uint32_t *)(NVMC_BASE + 0x584u))
#define NVMC_REN       0u
#define NVMC_WEN       1u
#define UICR_BASE      0x00FF8000u
#define UICR_SIZE      0x1000u
/* Polls before giving up on the NVMC: far beyond tWRITE (~41 µs, a few
 * thousand polls at 64 MHz), so only a dead NVMC ends here. */
#define NVMC_POLLS 4000000u

#define WORD(base, off) (*(volatile uint32_t *)((base) + (off)))

/* Slicing-by-4 (Kounavis and Berry, "A Systematic Approach to Building
 * High Performance Software-based CRC Generators"): table k is table 0
 * advanced through k more zero bytes, so a word costs four lookups instead
 * of four rounds of the byte loop, about half the instructions per byte. */
static uint32_t crc_table[4][256];

static void crc_init(void)
{
	for (uint32_t i = 0; i < 256u; i++) {
		uint32_t c = i;
		for (int k = 0; k < 8; k++)
			c = (c & 1u) ? (c >> 1) ^ 0xEDB88320u : c >> 1;
		crc_table[0][i] = c;
	}
	for (uint32_t k = 1; k < 4u; k++)
		for (uint32_t i = 0; i < 256u; i++) {
			uint32_t c = crc_table[k - 1u][i];
			crc_table[k][i] = (c >> 8) ^ crc_table[0][c & 0xFFu];
		}
}

static uint32_t nvmc_state(void)
{
	return (NVMC_READY & 1u) | (NVMC_READYNEXT & 1u) << 1 | (NVMC_CONFIG & 7u) << 8 |
	       (NVMC_CONFIGNS & 3u) << 16;
}

static __attribute__((noreturn, cold)) void stop(uint32_t ctrl, uint32_t status, uint32_t addr,
					   uint32_t value)
{
	WORD(ctrl, NRFCRED_LOADER_ERR_ADDR) = addr;
	WORD(ctrl, NRFCRED_LOADER_ERR_VALUE) = value;
	WORD(ctrl, NRFCRED_LOADER_ERR_NVMC) = nvmc_state();
	for (uint32_t n = NVMC_POLLS; n && !(NVMC_READY & 1u); n--) {
	}
	NVMC_CONFIGNS = NVMC_REN;
	NVMC_CONFIG = NVMC_REN;
	WORD(ctrl, NRFCRED_LOADER_STATUS) = status;
	/* The status is on the bus before the core halts: a host that reads
	 * DHCSR halted then the status sees this one. */
	__asm__ volatile("dsb" ::: "memory");
	for (;;)
		__asm__ volatile("bkpt #0");
}

static int wait_flag(volatile uint32_t *reg)
{
	for (uint32_t n = NVMC_POLLS; n; n--)
		if (*reg & 1u)
			return 1;
	return 0;
}

/* Flash [0, flash_size) or UICR, whole words. */
static int in_range(uint32_t ctrl, uint32_t addr, uint32_t len)
{
	uint32_t flash = WORD(ctrl, NRFCRED_LOADER_FLASH_SIZE);
	if ((addr | len) & 3u)
		return 0;
	if (addr < flash)
		return len <= flash - addr;
	return addr >= UICR_BASE && addr - UICR_BASE < UICR_SIZE &&
	       len <= UICR_SIZE - (addr - UICR_BASE);
}

/* Out of line, as crc_range: inlined into loader_main the loops ran out
 * of registers and spilled to the stack, a RAM store per word. */
static __attribute__((noinline)) void program(uint32_t ctrl, uint32_t addr,
					       const volatile uint32_t *data, uint32_t words)
{
	/* Words to write, found before the first write: a word that already
	 * holds its value needs none, anything else must read erased. The
	 * NVMC is idle here (the slot before ended on READY). Each group of
	 * 32 is gathered in a register and stored once: an emulator pays for
	 * every store to RAM (the simulator's Unicorn 2.0.1 takes its slow
	 * path for each one, unicorn-engine/unicorn#1970). */
	uint32_t todo[NRFCRED_LOADER_SLOT_MAX / 128u];
	const volatile uint32_t *flash = (const volatile uint32_t *)addr;
	for (uint32_t g = 0; g < words; g += 32u) {
		uint32_t n = words - g < 32u ? words - g : 32u, bits = 0;
		for (uint32_t k = 0; k < n; k++) {
			uint32_t v = data[g + k], old = flash[g + k];
			if (old == v)
				continue;
			if (old != 0xFFFFFFFFu)
				stop(ctrl, NRFCRED_LOADER_ERR_NOT_ERASED, addr + 4u * (g + k), old);
			bits |= 1u << k;
		}
		todo[g / 32u] = bits;
	}
	/* Only the words to write are visited, lowest first, the group's
	 * bits in a register: 14 instructions a word where testing each
	 * word's bit in memory took 19. */
	for (uint32_t g = 0; g < words; g += 32u) {
		volatile uint32_t *dst = (volatile uint32_t *)addr + g;
		const volatile uint32_t *src = data + g;
		for (uint32_t bits = todo[g / 32u]; bits; bits &= bits - 1u) {
			uint32_t k = (uint32_t)__builtin_ctz(bits);
			if (!wait_flag(&NVMC_READYNEXT))
				stop(ctrl, NRFCRED_LOADER_ERR_NVMC_TIMEOUT, (uint32_t)&dst[k], 0);
			dst[k] = src[k];
			/* As nrfx_nvmc.c's nvmc_word_write: the store is done on
			 * the bus before the next READYNEXT/READY read is. */
			__asm__ volatile("dmb" ::: "memory");
		}
	}
	/* The slot ends when the NVMC is done with it: the next slot's check
	 * and a CRC read flash without waiting. Whether the words took is
	 * for the verify to say (CRC-32 here, or a read-back over SWD), which
	 * names the word that differs. */
	if (!wait_flag(&NVMC_READY))
		stop(ctrl, NRFCRED_LOADER_ERR_NVMC_TIMEOUT, addr, 0);
}

static uint32_t crc_byte(uint32_t c, uint8_t b)
{
	return crc_table[0][(c ^ b) & 0xFFu] ^ (c >> 8);
}

/* Bytes up to the first aligned word and after the last one go one at a
 * time; the words between are read whole (little-endian, as the CRC
 * consumes them). Each table has its own register and the loop ends on a
 * pointer: 16 instructions a word where indexing one table array took 21
 * (every programmed word is also CRC'd, and an emulated core pays per
 * instruction, tools/bench). */
static __attribute__((noinline)) uint32_t crc_range(uint32_t addr, uint32_t len)
{
	uint32_t c = 0xFFFFFFFFu;
	const volatile uint8_t *p = (const volatile uint8_t *)addr;
	const volatile uint8_t *end = p + len;
	for (; p != end && ((uintptr_t)p & 3u); p++)
		c = crc_byte(c, *p);
	const uint32_t *t0 = crc_table[0], *t1 = crc_table[1];
	const uint32_t *t2 = crc_table[2], *t3 = crc_table[3];
	const volatile uint32_t *w = (const volatile uint32_t *)p;
	const volatile uint32_t *w_end = w + (uint32_t)(end - p) / 4u;
	while (w != w_end) {
		c ^= *w++;
		c = t3[c & 0xFFu] ^ t2[(c >> 8) & 0xFFu] ^ t1[(c >> 16) & 0xFFu] ^ t0[c >> 24];
	}
	for (p = (const volatile uint8_t *)w; p != end; p++)
		c = crc_byte(c, *p);
	return ~c;
}

__attribute__((noreturn, used, section(".text.loader_main"))) void loader_main(uint32_t ctrl)
{
	crc_init();
	NVMC_CONFIG = NVMC_WEN;
	NVMC_CONFIGNS = NVMC_WEN;
	uint32_t slots = WORD(ctrl, NRFCRED_LOADER_SLOTS);
	uint32_t size = WORD(ctrl, NRFCRED_LOADER_SLOT_SIZE);
	uint32_t base = WORD(ctrl, NRFCRED_LOADER_SLOT_BASE);
	uint32_t tail = WORD(ctrl, NRFCRED_LOADER_TAIL);
	WORD(ctrl, NRFCRED_LOADER_STATUS) = NRFCRED_LOADER_RUNNING;
	for (;;) {
		while (WORD(ctrl, NRFCRED_LOADER_HEAD) == tail) {
		}
		uint32_t slot = base + (tail % slots) * (NRFCRED_LOADER_SLOT_DATA + size);
		uint32_t cmd = WORD(slot, NRFCRED_LOADER_SLOT_CMD);
		uint32_t addr = WORD(slot, NRFCRED_LOADER_SLOT_ADDR);
		uint32_t len = WORD(slot, NRFCRED_LOADER_SLOT_LEN);
		volatile uint32_t *data = (volatile uint32_t *)(slot + NRFCRED_LOADER_SLOT_DATA);
		if (cmd == NRFCRED_LOADER_CMD_END) {
			/* Image data (a patched credential table among it) does
			 * not stay in RAM once the run is over; while it runs,
			 * the same bytes are in flash already. */
			for (uint32_t n = 0; n < slots * (NRFCRED_LOADER_SLOT_DATA + size) / 4u; n++)
				WORD(base, 4u * n) = 0;
			stop(ctrl, NRFCRED_LOADER_DONE, 0, 0);
		} else if (cmd == NRFCRED_LOADER_CMD_PROGRAM) {
			if (len > size || len > NRFCRED_LOADER_SLOT_MAX)
				stop(ctrl, NRFCRED_LOADER_ERR_COMMAND, addr, len);
			if (!in_range(ctrl, addr, len))
				stop(ctrl, NRFCRED_LOADER_ERR_RANGE, addr, len);
			program(ctrl, addr, data, len / 4u);
		} else if (cmd == NRFCRED_LOADER_CMD_CRC) {
			/* The bound first: the rounded length of a huge len wraps
			 * to a small one that in_range would pass. */
			if (len > WORD(ctrl, NRFCRED_LOADER_FLASH_SIZE) ||
			    !in_range(ctrl, addr & ~3u, (len + (addr & 3u) + 3u) & ~3u))
				stop(ctrl, NRFCRED_LOADER_ERR_RANGE, addr, len);
			WORD(slot, NRFCRED_LOADER_SLOT_RESULT) = crc_range(addr, len);
		} else {
			stop(ctrl, NRFCRED_LOADER_ERR_COMMAND, cmd, len);
		}
		tail++;
		WORD(ctrl, NRFCRED_LOADER_TAIL) = tail;
	}
}
