/*
 * MEM-AP (AHB-AP) memory access on top of the ADI queue: single u32 / u8
 * accesses and block transfers with TAR auto-increment, rewriting TAR at
 * every 1 KB boundary (ADIv5 only guarantees TAR[9:0] increments; OOCD-adi
 * tar_autoincr_block, nrf91-registers.md §2).
 */
#ifndef NRFCRED_SWD_MEMAP_H
#define NRFCRED_SWD_MEMAP_H

#include "swd/adi.h"

#include <stddef.h>
#include <stdint.h>

#define MEMAP_CSW 0x00u
#define MEMAP_TAR 0x04u
#define MEMAP_DRW 0x0Cu

/* CSW fields (nrf91-registers.md §2). */
#define MEMAP_CSW_SIZE8		 0x0u
#define MEMAP_CSW_SIZE32	 0x2u
#define MEMAP_CSW_ADDRINC_SINGLE (1u << 4)
#define MEMAP_CSW_DEVICEEN	 (1u << 6)  /* 0 while APPROTECT blocks the AP */
#define MEMAP_CSW_SPIDEN	 (1u << 23) /* secure debug enabled (SECUREAPPROTECT open) */
/*
 * Prot/master bits for every access: HPROT1 (privileged, bit 25), MasterType
 * = debug (bit 29), DbgSwEnable (bit 31); HNONSEC (bit 30) clear = SECURE.
 * OpenOCD's AHB-AP default. Secure because FLASH, UICR, FICR and NVMC_S are
 * secure after reset on nRF91 (nrf91-registers.md §2); privileged because the
 * Cortex-M PPB (DHCSR, AIRCR) rejects unprivileged access; debug master so
 * the system can tell the debugger from the CPU. Final value for 32-bit
 * auto-increment: 0xA2000012.
 */
#define MEMAP_CSW_PROT 0xA2000000u

struct memap {
	struct adi *adi;
	uint8_t ap;
	bool csw_valid;
	uint32_t csw;
};

void memap_init(struct memap *m, struct adi *adi, uint8_t ap);
/* Forget the cached CSW (after a reconnect or an error). */
void memap_invalidate(struct memap *m);

/* Queueing variants (results land in *dest at adi_flush). */
void memap_queue_read_u32(struct memap *m, uint32_t addr, uint32_t *dest);
void memap_queue_write_u32(struct memap *m, uint32_t addr, uint32_t value);

adi_err memap_read_u32(struct memap *m, uint32_t addr, uint32_t *value);
adi_err memap_write_u32(struct memap *m, uint32_t addr, uint32_t value);
adi_err memap_read_u8(struct memap *m, uint32_t addr, uint8_t *value);
adi_err memap_write_u8(struct memap *m, uint32_t addr, uint8_t value);

/*
 * Block transfers. addr and len need not be aligned (edges use byte
 * accesses); the word-aligned middle streams with auto-increment, one probe
 * round trip per probe buffer. A read with a parity error is repeated.
 */
adi_err memap_read_block(struct memap *m, uint32_t addr, void *buf, size_t len);
adi_err memap_write_block(struct memap *m, uint32_t addr, const void *buf, size_t len);
/* Word reads with TAR auto-increment, for the next flush (addr word aligned). */
void memap_queue_read_words(struct memap *m, uint32_t addr, uint32_t *words, size_t count);
/* Queues the word-aligned block write without flushing (addr, len % 4 == 0). */
void memap_queue_write_words(struct memap *m, uint32_t addr, const uint32_t *words, size_t count,
			     uint32_t idle_after_each);

/* Reads the AP's CSW (DeviceEn says whether the AP can reach the bus). */
adi_err memap_read_csw(struct memap *m, uint32_t *csw);

#endif
