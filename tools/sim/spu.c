/*
 * SPU of the simulated nRF91 (docs/hardware/nrf91.md, "SPU"): 32 flash regions
 * of 32 KB and 32 RAM regions of 8 KB, each with a PERM word (EXECUTE bit 0,
 * WRITE bit 1, READ bit 2, SECATTR bit 4, LOCK bit 8; reset value 0x17: every
 * region secure with all permissions, nrfx nrf9160_bitfields.h /
 * nrf9120_bitfields.h "Peripheral: SPU"). A non-secure access (CPU in
 * non-secure state, or the AHB-AP with CSW.HNONSEC = 1) to a secure region
 * is refused: a bus error here (on silicon a SecureFault / BusFault plus
 * EVENTS_*ACCERR). Peripheral permissions (PERIPHID[n].PERM) are not
 * modeled: harsher reading is not needed there because the host only uses
 * secure peripheral addresses.
 */
#include "board_impl.h"

#define SPU_FLASHREGION_PERM 0x600u
#define SPU_RAMREGION_PERM   0x700u
#define SPU_PERM_SECATTR     (1u << 4)
#define SPU_PERM_LOCK	     (1u << 8)
#define SPU_PERM_RESET	     0x17u
#define SPU_PERM_MASK	     0x117u

void spu_reset(struct simboard *b)
{
	for (unsigned i = 0; i < SPU_REGIONS; i++)
		b->spu.flash_perm[i] = b->spu.ram_perm[i] = SPU_PERM_RESET;
}

static uint32_t *perm_word(struct simboard *b, uint32_t off)
{
	if (off >= SPU_FLASHREGION_PERM && off < SPU_FLASHREGION_PERM + 4u * SPU_REGIONS)
		return &b->spu.flash_perm[(off - SPU_FLASHREGION_PERM) / 4u];
	if (off >= SPU_RAMREGION_PERM && off < SPU_RAMREGION_PERM + 4u * SPU_REGIONS)
		return &b->spu.ram_perm[(off - SPU_RAMREGION_PERM) / 4u];
	return NULL;
}

enum simbus_result spu_reg_read(struct simboard *b, uint32_t off, uint32_t *val)
{
	uint32_t *p = perm_word(b, off);
	*val = p ? *p : 0;
	return SIMBUS_OK;
}

enum simbus_result spu_reg_write(struct simboard *b, uint32_t off, uint32_t val,
				 struct simbus_attr attr)
{
	/* The SPU itself is a secure-only peripheral. */
	if (attr.nonsecure)
		return SIMBUS_ERROR;
	uint32_t *p = perm_word(b, off);
	if (p && !(*p & SPU_PERM_LOCK))
		*p = val & SPU_PERM_MASK; /* LOCK holds the word until reset */
	return SIMBUS_OK;
}

bool spu_region_nonsecure(const struct simboard *b, uint32_t addr)
{
	if (addr < SIM_FLASH_SIZE)
		return !(b->spu.flash_perm[addr / (SIM_FLASH_SIZE / SPU_REGIONS)] &
			 SPU_PERM_SECATTR);
	if (addr - SIM_RAM_BASE < SIM_RAM_SIZE)
		return !(b->spu.ram_perm[(addr - SIM_RAM_BASE) / (SIM_RAM_SIZE / SPU_REGIONS)] &
			 SPU_PERM_SECATTR);
	return false;
}

bool spu_allows(const struct simboard *b, uint32_t addr, struct simbus_attr attr)
{
	if (!attr.nonsecure)
		return true;
	if (addr < SIM_FLASH_SIZE || addr - SIM_RAM_BASE < SIM_RAM_SIZE)
		return spu_region_nonsecure(b, addr);
	/* UICR and FICR are secure-only (nrfx: UICR_S / FICR_S, no NS alias). */
	if (addr - SIM_UICR_BASE < SIM_UICR_SIZE || addr - SIM_FICR_BASE < SIM_FICR_SIZE)
		return false;
	return true;
}
