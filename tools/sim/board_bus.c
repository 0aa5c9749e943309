/*
 * Memory map of the simulated nRF91 (nrf91-registers.md 5): the address decoder
 * both the AHB-AP and the CPU go through (bus.h).
 */
#include "board_impl.h"

#include <string.h>

#define PERIPH_LO 0x40000000u
#define PERIPH_HI 0x60000000u

static bool in(uint32_t addr, uint32_t base, uint32_t size)
{
	return addr >= base && addr - base < size;
}

static uint32_t load_le(const uint8_t *p, unsigned size)
{
	uint32_t v = 0;
	for (unsigned i = 0; i < size; i++)
		v |= (uint32_t)p[i] << (8 * i);
	return v;
}

static void store_le(uint8_t *p, unsigned size, uint32_t v)
{
	for (unsigned i = 0; i < size; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* Extracts a narrow read from the aligned word containing it. */
static uint32_t narrow(uint32_t word, uint32_t addr, unsigned size)
{
	uint32_t v = word >> (8 * (addr & 3u));
	return size == 4 ? v : v & ((1u << (8 * size)) - 1u);
}

static const struct mmio_window *find_window(const struct simboard *b, uint32_t addr)
{
	for (unsigned i = 0; i < b->n_mmio; i++)
		if (in(addr, b->mmio[i].base, b->mmio[i].size))
			return &b->mmio[i];
	return NULL;
}

static bool valid_access(uint32_t addr, unsigned size)
{
	return (size == 1 || size == 2 || size == 4) && (addr & (size - 1u)) == 0;
}

static bool flash_or_uicr(uint32_t addr)
{
	return in(addr, SIM_FLASH_BASE, SIM_FLASH_SIZE) || in(addr, SIM_UICR_BASE, SIM_UICR_SIZE);
}

#define SPU_BASE 0x50003000u

enum simbus_result simbus_read(struct simboard *b, uint32_t addr, unsigned size, uint32_t *val,
			       struct simbus_attr attr)
{
	*val = 0;
	if (!valid_access(addr, size) || !spu_allows(b, addr, attr))
		return SIMBUS_ERROR;
	const struct mmio_window *w = find_window(b, addr);
	if (w)
		return w->rd ? w->rd(w->ctx, addr - w->base, size, val) : SIMBUS_ERROR;
	if (flash_or_uicr(addr)) {
		if (nvmc_bus_stalled(b))
			return SIMBUS_STALL;
		nvmc_commit_due(b); /* words whose tWRITE has ended by now */
	}
	if (in(addr, SIM_FLASH_BASE, SIM_FLASH_SIZE)) {
		*val = load_le(b->st.flash + (addr - SIM_FLASH_BASE), size);
		return SIMBUS_OK;
	}
	if (in(addr, SIM_UICR_BASE, SIM_UICR_SIZE)) {
		*val = load_le(b->st.uicr + (addr - SIM_UICR_BASE), size);
		return SIMBUS_OK;
	}
	if (in(addr, SIM_RAM_BASE, SIM_RAM_SIZE)) {
		*val = load_le(b->ram + (addr - SIM_RAM_BASE), size);
		return SIMBUS_OK;
	}
	if (in(addr, SIM_FICR_BASE, SIM_FICR_SIZE)) {
		*val = narrow(ficr_read(b, (addr - SIM_FICR_BASE) & ~3u), addr, size);
		return SIMBUS_OK;
	}
	uint32_t word = 0;
	enum simbus_result r = SIMBUS_OK;
	if (in(addr, NVMC_S_BASE, 0x1000) || in(addr, NVMC_NS_BASE, 0x1000))
		r = nvmc_reg_read(b, addr & 0xFFCu, &word);
	else if (in(addr, CTRLAPPERI_S_BASE, 0x1000) || in(addr, CTRLAPPERI_NS_BASE, 0x1000))
		r = ctrlapperi_read(b, addr & 0xFFCu, &word);
	else if (in(addr, SPU_BASE, 0x1000))
		r = spu_reg_read(b, addr & 0xFFCu, &word);
	else if (in(addr, POWER_S_BASE, 0x1000) || in(addr, POWER_NS_BASE, 0x1000))
		word = 0; /* POWER tasks read as zero */
	else if (in(addr, SIM_PPB_BASE, SIM_PPB_SIZE))
		r = core_ppb_read(b, addr & ~3u, &word);
	else if (addr >= PERIPH_LO && addr < PERIPH_HI)
		word = 0; /* unmodeled peripherals read as zero (simulator choice) */
	else
		return SIMBUS_ERROR;
	*val = narrow(word, addr, size);
	return r;
}

enum simbus_result simbus_write(struct simboard *b, uint32_t addr, unsigned size, uint32_t val,
				struct simbus_attr attr)
{
	if (!valid_access(addr, size) || !spu_allows(b, addr, attr))
		return SIMBUS_ERROR;
	const struct mmio_window *w = find_window(b, addr);
	if (w)
		return w->wr ? w->wr(w->ctx, addr - w->base, size, val) : SIMBUS_ERROR;
	if (flash_or_uicr(addr)) {
		if (nvmc_bus_stalled(b))
			return SIMBUS_STALL;
		return nvmc_mem_write(b, addr, size, val);
	}
	if (in(addr, SIM_RAM_BASE, SIM_RAM_SIZE)) {
		store_le(b->ram + (addr - SIM_RAM_BASE), size, val);
		b->mem_gen++;
		return SIMBUS_OK;
	}
	if (in(addr, SIM_FICR_BASE, SIM_FICR_SIZE))
		return SIMBUS_OK; /* read-only, writes ignored */
	bool periph = (in(addr, NVMC_S_BASE, 0x1000) || in(addr, NVMC_NS_BASE, 0x1000) ||
		       in(addr, CTRLAPPERI_S_BASE, 0x1000) ||
		       in(addr, CTRLAPPERI_NS_BASE, 0x1000) || in(addr, SPU_BASE, 0x1000) ||
		       in(addr, POWER_S_BASE, 0x1000) || in(addr, POWER_NS_BASE, 0x1000));
	/* Peripheral and system registers are word registers here. */
	if ((periph || in(addr, SIM_PPB_BASE, SIM_PPB_SIZE)) && size != 4)
		return SIMBUS_ERROR;
	if (in(addr, NVMC_S_BASE, 0x1000) || in(addr, NVMC_NS_BASE, 0x1000))
		return nvmc_reg_write(b, addr & 0xFFCu, val);
	if (in(addr, CTRLAPPERI_S_BASE, 0x1000) || in(addr, CTRLAPPERI_NS_BASE, 0x1000))
		return ctrlapperi_write(b, addr & 0xFFCu, val);
	if (in(addr, SPU_BASE, 0x1000))
		return spu_reg_write(b, addr & 0xFFCu, val, attr);
	if (in(addr, POWER_S_BASE, 0x1000) || in(addr, POWER_NS_BASE, 0x1000)) {
		/* TASKS_CONSTLAT: constant-latency mode, the erratum 36
		 * workaround; TASKS_LOWPWR returns to low power. */
		if ((addr & 0xFFCu) == POWER_TASKS_CONSTLAT && (val & 1u))
			b->constlat = true;
		else if ((addr & 0xFFCu) == POWER_TASKS_LOWPWR && (val & 1u))
			b->constlat = false;
		return SIMBUS_OK;
	}
	if (in(addr, SIM_PPB_BASE, SIM_PPB_SIZE))
		return core_ppb_write(b, addr, val);
	if (addr >= PERIPH_LO && addr < PERIPH_HI)
		return SIMBUS_OK; /* unmodeled peripherals ignore writes */
	return SIMBUS_ERROR;
}

int simbus_map(struct simboard *b, uint32_t base, uint32_t size, simbus_read_fn rd,
	       simbus_write_fn wr, void *ctx)
{
	if (b->n_mmio >= sizeof(b->mmio) / sizeof(b->mmio[0]) || size == 0)
		return -1;
	b->mmio[b->n_mmio++] = (struct mmio_window){base, size, rd, wr, ctx};
	return 0;
}

uint64_t simbus_now_ns(const struct simboard *b)
{
	return b->now_ns;
}

uint8_t *simbus_ram(struct simboard *b)
{
	return b->ram;
}

const uint8_t *simbus_flash(const struct simboard *b)
{
	return b->st.flash;
}

const uint8_t *simbus_uicr(const struct simboard *b)
{
	return b->st.uicr;
}
