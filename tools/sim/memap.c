/*
 * AP0, the application AHB-AP (MEM-AP), and the IDR-only APB-AP at AP3
 * (nrf91-registers.md 2 and 3).
 */
#include "board_impl.h"

#define CSW_WRITABLE                                                                               \
	(CSW_SIZE_MASK | CSW_ADDRINC_MASK | CSW_MODE_MASK | CSW_PROT_MASK | CSW_DBGSWENABLE)

void memap_reset(struct memap *m)
{
	m->csw = SIM_AHBAP_CSW_RESET;
	m->tar = 0;
}

uint32_t apb_ap_read(unsigned reg)
{
	return reg == AP_IDR ? SIM_APBAP_IDR : 0;
}

static bool is_transfer(unsigned reg)
{
	return reg == MEMAP_DRW || (reg >= MEMAP_BD0 && reg <= MEMAP_BD0 + 0xCu);
}

/* APPROTECT blocks the AHB-AP entirely; SECUREAPPROTECT blocks secure
 * (HNONSEC=0) transfers (docs/hardware/nrf91.md, "APPROTECT"). Non-secure
 * transfers then reach only what the SPU marks non-secure (spu.c). */
static bool transfers_allowed(const struct simboard *b)
{
	if (b->approtect)
		return false;
	if (b->secure_approtect && !(b->ahb.csw & CSW_HNONSEC))
		return false;
	return true;
}

/* nRF91x1 erratum 36 (nrfx nrf91_erratas.h; NCS
 * CONFIG_NRF91_ANOMALY_36_WORKAROUND triggers POWER.TASKS_CONSTLAT): while
 * the CPU sleeps in WFI/WFE the debugger's bus accesses do not complete.
 * The erratum text does not say how the AP answers; the simulator stalls
 * (WAIT) for as long as the CPU sleeps, the reading that costs a host most. */
static bool erratum36_stalls(const struct simboard *b)
{
	return b->cfg.quirks.erratum36 && board_is_91x1(b) && !b->constlat && b->core.sleeping &&
	       core_running(b);
}

static bool debug_powered(const struct simboard *b)
{
	uint32_t need = DP_CTRL_CDBGPWRUPREQ | DP_CTRL_CSYSPWRUPREQ;
	return (b->dap.ctrl_stat & need) == need;
}

bool memap_would_wait(struct simboard *b, unsigned reg)
{
	return is_transfer(reg) && transfers_allowed(b) &&
	       (nvmc_bus_stalled(b) || erratum36_stalls(b));
}

static uint32_t csw_read(const struct simboard *b)
{
	uint32_t v = b->ahb.csw;
	/* DeviceEn reads 0 while APPROTECT blocks the AP (pyOCD ap_is_enabled). */
	if (!b->approtect)
		v |= CSW_DEVICEEN;
	if (!b->secure_approtect)
		v |= CSW_SPIDEN;
	return v;
}

static unsigned transfer_size(const struct memap *m, unsigned reg)
{
	if (reg != MEMAP_DRW)
		return 4; /* banked data registers: word transfers */
	return 1u << (m->csw & CSW_SIZE_MASK);
}

static uint32_t transfer_addr(const struct memap *m, unsigned reg)
{
	if (reg == MEMAP_DRW)
		return m->tar;
	return (m->tar & ~0xFu) + (reg - MEMAP_BD0);
}

/* ADI guarantees only TAR[9:0] increments: wrap within the 1 KB block
 * (nrf91-registers.md 2; the nRF91's real wrap size is UNCONFIRMED). */
static void tar_increment(struct memap *m, unsigned size)
{
	if ((m->csw & CSW_ADDRINC_MASK) != CSW_ADDRINC_SINGLE)
		return;
	m->tar = (m->tar & ~0x3FFu) | ((m->tar + size) & 0x3FFu);
}

static void count_bytes(struct simboard *b, unsigned size)
{
	b->ctr.ap_bytes += size;
	uint64_t limit = b->cfg.faults.removed_after_bytes;
	if (limit && b->ctr.ap_bytes >= limit)
		b->removed = true; /* takes effect from the next SWD cycle */
}

static enum ap_result transfer_check(struct simboard *b)
{
	if (!transfers_allowed(b) || !debug_powered(b))
		return AP_FAULT;
	if (nvmc_bus_stalled(b) || erratum36_stalls(b))
		return AP_WAIT;
	return AP_OK;
}

static struct simbus_attr attr_of(const struct memap *m)
{
	return (struct simbus_attr){.debugger = true, .nonsecure = (m->csw & CSW_HNONSEC) != 0};
}

/* A stalled bus transfer answers WAIT (nothing happened), a failed one is a
 * bus error; a completed one counts its bytes and steps TAR. */
static enum ap_result transfer_done(struct simboard *b, unsigned reg, unsigned size,
				    enum simbus_result res)
{
	switch (res) {
	case SIMBUS_OK:
		break;
	case SIMBUS_STALL:
		return AP_WAIT;
	case SIMBUS_ERROR:
		return AP_BUS_ERROR;
	}
	count_bytes(b, size);
	if (reg == MEMAP_DRW)
		tar_increment(&b->ahb, size);
	return AP_OK;
}

enum ap_result memap_read(struct simboard *b, unsigned reg, uint32_t *val)
{
	struct memap *m = &b->ahb;
	*val = 0;
	switch (reg) {
	case MEMAP_CSW:
		*val = csw_read(b);
		return AP_OK;
	case MEMAP_TAR:
		*val = m->tar;
		return AP_OK;
	case MEMAP_CFG:
		*val = 0; /* little-endian, 32-bit addresses */
		return AP_OK;
	case MEMAP_BASE:
		*val = SIM_AHBAP_BASE;
		return AP_OK;
	case AP_IDR:
		*val = SIM_AHBAP_IDR;
		return AP_OK;
	default:
		break;
	}
	if (!is_transfer(reg))
		return AP_OK; /* reserved: reads 0 */
	enum ap_result r = transfer_check(b);
	if (r != AP_OK)
		return r;
	unsigned size = transfer_size(m, reg);
	uint32_t addr = transfer_addr(m, reg);
	uint32_t v = 0;
	enum simbus_result res = simbus_read(b, addr, size, &v, attr_of(m));
	/* Narrow transfers use the byte lanes of the address (ADIv5). */
	if (res == SIMBUS_OK)
		*val = size == 4 ? v : v << (8 * (addr & 3u));
	return transfer_done(b, reg, size, res);
}

enum ap_result memap_write(struct simboard *b, unsigned reg, uint32_t val)
{
	struct memap *m = &b->ahb;
	switch (reg) {
	case MEMAP_CSW: {
		uint32_t nv = (m->csw & ~CSW_WRITABLE) | (val & CSW_WRITABLE);
		/* Only 8/16/32-bit sizes and increment off/single are
		 * implemented; other encodings leave the field unchanged. */
		if ((val & CSW_SIZE_MASK) > 2)
			nv = (nv & ~CSW_SIZE_MASK) | (m->csw & CSW_SIZE_MASK);
		if ((val & CSW_ADDRINC_MASK) > CSW_ADDRINC_SINGLE)
			nv = (nv & ~CSW_ADDRINC_MASK) | (m->csw & CSW_ADDRINC_MASK);
		m->csw = nv;
		return AP_OK;
	}
	case MEMAP_TAR:
		m->tar = val;
		return AP_OK;
	default:
		break;
	}
	if (!is_transfer(reg))
		return AP_OK; /* read-only or reserved: ignored */
	enum ap_result r = transfer_check(b);
	if (r != AP_OK)
		return r;
	unsigned size = transfer_size(m, reg);
	uint32_t addr = transfer_addr(m, reg);
	uint32_t v = val;
	struct simboard_faults *f = &b->cfg.faults;
	if (f->wire_flip_on && (addr & ~3u) == f->wire_flip_addr) {
		v ^= 1u << f->wire_flip_bit;
		if (f->wire_flip_times && --f->wire_flip_times == 0)
			f->wire_flip_on = false;
	}
	if (size < 4)
		v = (v >> (8 * (addr & 3u))) & (size == 1 ? 0xFFu : 0xFFFFu);
	return transfer_done(b, reg, size, simbus_write(b, addr, size, v, attr_of(m)));
}
