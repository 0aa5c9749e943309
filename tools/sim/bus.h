/*
 * The simulated nRF91's memory bus: the one address space both the AHB-AP
 * (debugger) and the emulated CPU use. Flash and UICR writes obey the NVMC
 * rules (nvmc.c); reads of flash/UICR/FICR/RAM and the peripherals the
 * simulator models are dispatched here. Other layers (the modem mailbox) add
 * their MMIO windows with simbus_map().
 *
 * Timing: the bus uses the board's current modeled time (the board advances
 * it before each access). SIMBUS_STALL means the access cannot complete yet
 * (NVMC erase in progress: nRF9160 errata 2 stalls the whole AHB); the master
 * retries it later (the AHB-AP answers WAIT, the CPU stops its run slice).
 */
#ifndef NRFSIM_BUS_H
#define NRFSIM_BUS_H

#include <stdbool.h>
#include <stdint.h>

struct simboard;

enum simbus_result {
	SIMBUS_OK = 0,
	SIMBUS_ERROR, /* bus error (unmapped, bad size, bad alignment) */
	SIMBUS_STALL, /* bus busy, retry later */
};

/* Who is accessing: the core's security state / the AHB-AP's CSW.HNONSEC. */
struct simbus_attr {
	bool debugger; /* true = AHB-AP, false = CPU */
	bool nonsecure;
};

/* size is 1, 2 or 4 bytes; addr must be naturally aligned for that size. */
enum simbus_result simbus_read(struct simboard *b, uint32_t addr, unsigned size, uint32_t *val,
			       struct simbus_attr attr);
enum simbus_result simbus_write(struct simboard *b, uint32_t addr, unsigned size, uint32_t val,
				struct simbus_attr attr);

typedef enum simbus_result (*simbus_read_fn)(void *ctx, uint32_t offset, unsigned size,
					     uint32_t *val);
typedef enum simbus_result (*simbus_write_fn)(void *ctx, uint32_t offset, unsigned size,
					      uint32_t val);
/*
 * Maps an MMIO window [base, base+size) that takes precedence over the
 * built-in map. Returns 0, or -1 when the table (8 windows) is full.
 */
int simbus_map(struct simboard *b, uint32_t base, uint32_t size, simbus_read_fn rd,
	       simbus_write_fn wr, void *ctx);

/*
 * Direct memory for a CPU model that maps memory itself (Unicorn): RAM
 * (SIM_RAM_SIZE bytes) may be read and written; flash (SIM_FLASH_SIZE) and
 * UICR (SIM_UICR_SIZE) only read: their writes must go through simbus_write
 * for the NVMC rules. The pointers stay valid for the board's lifetime.
 */
uint8_t *simbus_ram(struct simboard *b);
const uint8_t *simbus_flash(const struct simboard *b);
const uint8_t *simbus_uicr(const struct simboard *b);

/* The board's modeled time in ns (for MMIO handlers that model latency). */
uint64_t simbus_now_ns(const struct simboard *b);

#endif
