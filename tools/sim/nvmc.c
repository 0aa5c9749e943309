/*
 * NVMC of the simulated nRF91 (nrf91-registers.md 6): flash and UICR writes only
 * with CONFIG=Wen, full aligned words, 1->0 only; page erase by writing
 * 0xFFFFFFFF with CONFIG=Een; partial erase with PEen; ERASEALL. Each
 * operation keeps READY low for its modeled duration; an erase stalls the
 * whole AHB meanwhile (nRF9160 errata 2: the AP answers WAIT, ABORT does not
 * help). Also hosts the nRF91x1 APPROTECT software branch at 0xE00/0xE10.
 *
 * Word writes go through a one-word buffer: READYNEXT reads 1 while the
 * buffer is free, so a write issued during the previous one is accepted
 * and starts the moment that one ends (nrfx hal/nrf_nvmc.h,
 * nrf_nvmc_write_ready_check: "It will be buffered and will be taken into
 * account as soon as the ongoing write operation is completed"; nrfx MDK
 * nrf9160_bitfields.h NVMC_READYNEXT_READYNEXT_Busy "NVMC cannot accept any
 * write operation"; nrfx nrfx_nvmc.c polls READYNEXT, not READY, between
 * words on nRF9160). A word reaches the array when its tWRITE ends, not
 * when it is accepted.
 *
 * A write while the buffer is full (READYNEXT = 0) is not lost: it waits
 * until the buffer frees, then is taken. The nRF91 PS says nothing of it;
 * the NVMC chapter the nRF52 parts share says "The CPU is halted while the
 * NVMC is writing to the flash" (ps_nrf52810 NVMC), and OpenOCD relies on
 * it on nRF91 too: contrib/loaders/flash/nrf5/nrf5.S, run by
 * src/flash/nor/nrf5.c nrf5_ll_flash_write for every series including
 * NRF5_FEATURE_SERIES_91, stores word after word without reading READY or
 * READYNEXT. So the access stalls: the debugger's AHB-AP transfer answers
 * WAIT (nothing happens, the host retries), the CPU's store waits
 * (cpu_unicorn.c). A CPU read of flash or UICR while a word is being
 * written waits until READY ("The CPU is halted if the CPU executes code
 * from the flash while the NVMC is writing to the flash", ps_nrf52820
 * NVMC; harsher: every CPU access to the array, until the buffered word
 * is done too). A debugger read in that time is not held: it sees the
 * array without the words still in flight (nothing documents it; harsher
 * for a host that reads back mid-write).
 */
#include "board_impl.h"

#include <string.h>

/* nRF9160 PS via devzone 104913: at most 2 writes to a word before it is
 * erased again. The simulator still performs further writes (the real
 * outcome is undefined) and counts them. */
#define NVMC_NWRITE 2u

void nvmc_reset(struct nvmc *n)
{
	n->config = NVMC_CONFIG_REN;
	n->configns = NVMC_CONFIG_REN;
	n->partialcfg = NVMC_PARTIALCFG_RESET;
	n->icachecnf = 0;
	n->writeuicrns = 0;
	/* An operation in flight completes anyway (it is modeled by time). */
}

static bool busy(const struct simboard *b)
{
	return b->nvmc.op != NVMC_OP_NONE && b->now_ns < b->nvmc.busy_until_ns;
}

/* The buffer takes a word while a write (not an erase) is in progress and
 * the buffered word, if any, has started. */
bool nvmc_writing(const struct simboard *b)
{
	return b->nvmc.n_inflight > 0 && busy(b);
}

static bool write_buffer_free(const struct simboard *b)
{
	return !busy(b) || (b->nvmc.op == NVMC_OP_WRITE && b->now_ns >= b->nvmc.next_free_ns);
}

uint64_t nvmc_ready_at(const struct simboard *b, bool ready)
{
	if (!busy(b))
		return b->now_ns;
	if (ready || b->nvmc.op != NVMC_OP_WRITE)
		return b->nvmc.busy_until_ns;
	return b->nvmc.next_free_ns > b->now_ns ? b->nvmc.next_free_ns : b->now_ns;
}

bool nvmc_bus_stalled(const struct simboard *b)
{
	if (b->ctrl.erasing)
		return true;
	return busy(b) && b->nvmc.op != NVMC_OP_WRITE;
}

void nvmc_erase_everything(struct simboard *b)
{
	b->mem_gen++;
	memset(b->st.flash, 0xFF, SIM_FLASH_SIZE);
	memset(b->st.uicr, 0xFF, SIM_UICR_SIZE);
	memset(b->nvmc.partial_ms, 0, sizeof(b->nvmc.partial_ms));
	memset(b->nvmc.nwrites, 0, sizeof(b->nvmc.nwrites));
	b->nvmc.n_inflight = 0; /* a CTRL-AP erase-all wins over a word in flight */
	b->ctr.nvmc_erase_alls++;
}

static void start_op(struct simboard *b, enum nvmc_op op, uint64_t duration_ns, uint32_t page)
{
	nvmc_commit_due(b); /* an erase needs READY: every word is done */
	b->nvmc.op = op;
	b->nvmc.busy_until_ns = b->now_ns + duration_ns;
	b->nvmc.next_free_ns = b->nvmc.busy_until_ns; /* an erase takes no write */
	b->nvmc.op_page = page;
}

static uint8_t *word_ptr(struct simboard *b, uint32_t addr)
{
	if (addr >= SIM_UICR_BASE)
		return b->st.uicr + (addr - SIM_UICR_BASE);
	return b->st.flash + addr;
}

/* The array takes the word: bits only 1 -> 0, a worn cell stays 1. */
static void store_word(struct simboard *b, const struct nvmc_word *w)
{
	uint8_t *p = word_ptr(b, w->addr);
	b->mem_gen++;
	uint32_t old = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
		       (uint32_t)p[3] << 24;
	uint32_t nv = old & w->val;
	const struct simboard_faults *f = &b->cfg.faults;
	if (f->stuck_bit_on && w->addr == f->stuck_bit_addr)
		nv |= 1u << f->stuck_bit;
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(nv >> (8 * i));
}

void nvmc_commit_due(struct simboard *b)
{
	struct nvmc *n = &b->nvmc;
	/* Bounded by the array too: start_write keeps n_inflight <= 2, which
	 * GCC's -O2 bounds check cannot see. */
	const unsigned cap = sizeof n->inflight / sizeof n->inflight[0];
	unsigned count = n->n_inflight < cap ? n->n_inflight : cap;
	unsigned k = 0;
	while (k < count && n->inflight[k].done_ns <= b->now_ns)
		store_word(b, &n->inflight[k++]);
	if (k == 0)
		return;
	for (unsigned i = k; i < count; i++)
		n->inflight[i - k] = n->inflight[i];
	n->n_inflight = count - k;
}

/* A word write: at once when idle (the buffer stays free), else into the
 * buffer, to run when the write in progress ends. */
static void start_write(struct simboard *b, uint32_t addr, uint32_t val)
{
	struct nvmc *n = &b->nvmc;
	uint64_t tw = b->cfg.timing.nvmc_write_word_ns;
	nvmc_commit_due(b);
	if (!busy(b)) {
		n->op = NVMC_OP_WRITE;
		n->busy_until_ns = b->now_ns + tw;
		n->next_free_ns = b->now_ns;
	} else {
		n->next_free_ns = n->busy_until_ns;
		n->busy_until_ns += tw;
	}
	/* write_buffer_free let it in: the word before the one in progress
	 * has been stored, so at most two are in flight. */
	if (n->n_inflight == 2)
		store_word(b, &n->inflight[--n->n_inflight]);
	n->inflight[n->n_inflight++] =
		(struct nvmc_word){.addr = addr, .val = val, .done_ns = n->busy_until_ns};
}

uint64_t nvmc_accept_at(const struct simboard *b, uint32_t addr)
{
	bool uicr = addr >= SIM_UICR_BASE;
	uint32_t mode = !uicr && spu_region_nonsecure(b, addr) ? b->nvmc.configns : b->nvmc.config;
	return nvmc_ready_at(b, mode != NVMC_CONFIG_WEN);
}

void nvmc_advance(struct simboard *b)
{
	struct nvmc *n = &b->nvmc;
	nvmc_commit_due(b);
	if (n->op == NVMC_OP_NONE || b->now_ns < n->busy_until_ns)
		return;
	b->mem_gen++;
	switch (n->op) {
	case NVMC_OP_ERASE_PAGE:
		memset(b->st.flash + (size_t)n->op_page * SIM_PAGE_SIZE, 0xFF, SIM_PAGE_SIZE);
		memset(n->nwrites + (size_t)n->op_page * (SIM_PAGE_SIZE / 4), 0, SIM_PAGE_SIZE / 4);
		n->partial_ms[n->op_page] = 0;
		b->ctr.nvmc_page_erases++;
		break;
	case NVMC_OP_ERASE_PARTIAL: {
		/* nrfx repeats partial erases until their sum reaches the
		 * page erase time; the page is erased then. */
		uint32_t ms = n->partial_ms[n->op_page] + (n->partialcfg & 0x7Fu);
		if ((uint64_t)ms * 1000000u >= b->cfg.timing.nvmc_erase_page_ns) {
			memset(b->st.flash + (size_t)n->op_page * SIM_PAGE_SIZE, 0xFF,
			       SIM_PAGE_SIZE);
			memset(n->nwrites + (size_t)n->op_page * (SIM_PAGE_SIZE / 4), 0,
			       SIM_PAGE_SIZE / 4);
			ms = 0;
			b->ctr.nvmc_page_erases++;
		}
		n->partial_ms[n->op_page] = (uint16_t)(ms > 0xFFFF ? 0xFFFF : ms);
		break;
	}
	case NVMC_OP_ERASE_ALL:
		nvmc_erase_everything(b);
		break;
	case NVMC_OP_WRITE:
	case NVMC_OP_NONE:
		break;
	}
	n->op = NVMC_OP_NONE;
}

static void ignored(struct simboard *b)
{
	b->ctr.nvmc_ignored_writes++;
}

/* The APPROTECT peripheral (nrf91_sim_regs.h): DISABLE = 0x5A opens the
 * software branch until reset, any other DISABLE value leaves it closed
 * (the MDK writes 0 then), FORCEPROTECT locks until reset. */
static void approtect_sw_write(struct simboard *b, uint32_t off, uint32_t val)
{
	if (!board_is_91x1(b))
		return; /* nRF9160 has no software branch */
	bool secure = off == APPROTECT_SW_SECURE_REG;
	bool *disabled = secure ? &b->sw_sap_disabled : &b->sw_ap_disabled;
	bool *forced = secure ? &b->sw_sap_forced : &b->sw_ap_forced;
	if (val & APPROTECT_SW_FORCE) {
		*forced = true;
		*disabled = false;
	} else if (!*forced) {
		*disabled = (val & APPROTECT_SW_DISABLE_MASK) == APPROTECT_SW_DISABLE_KEY;
	}
	board_update_protection(b);
}

/* What a read returns after a write is not documented (UNCONFIRMED): the
 * simulator shows the reset value, or 0x5A / the force bit once written. */
static uint32_t approtect_sw_read(const struct simboard *b, bool secure)
{
	if (!board_is_91x1(b))
		return 0;
	bool disabled = secure ? b->sw_sap_disabled : b->sw_ap_disabled;
	bool forced = secure ? b->sw_sap_forced : b->sw_ap_forced;
	if (forced)
		return APPROTECT_SW_FORCE;
	return disabled ? APPROTECT_SW_DISABLE_KEY : APPROTECT_SW_RESET;
}

enum simbus_result nvmc_reg_read(struct simboard *b, uint32_t off, uint32_t *val)
{
	struct nvmc *n = &b->nvmc;
	switch (off) {
	case NVMC_READY:
		*val = busy(b) ? 0 : 1;
		break;
	case NVMC_READYNEXT:
		*val = write_buffer_free(b) ? 1 : 0;
		break;
	case NVMC_CONFIG:
		*val = n->config;
		break;
	case NVMC_CONFIGNS:
		*val = n->configns;
		break;
	case NVMC_ERASEPAGEPARTIALCFG:
		*val = n->partialcfg;
		break;
	case NVMC_ICACHECNF:
		*val = n->icachecnf;
		break;
	case APPROTECT_SW_SECURE_REG:
		*val = approtect_sw_read(b, true);
		break;
	case APPROTECT_SW_REG:
		*val = approtect_sw_read(b, false);
		break;
	default:
		*val = 0;
		break;
	}
	return SIMBUS_OK;
}

enum simbus_result nvmc_reg_write(struct simboard *b, uint32_t off, uint32_t val)
{
	struct nvmc *n = &b->nvmc;
	switch (off) {
	case NVMC_CONFIG:
		n->config = val & 7u;
		break;
	case NVMC_CONFIGNS:
		n->configns = val & 3u;
		break;
	case NVMC_ERASEPAGEPARTIALCFG:
		n->partialcfg = val & 0x7Fu;
		break;
	case NVMC_ICACHECNF:
		n->icachecnf = val;
		break;
	case NVMC_WRITEUICRNS:
		n->writeuicrns = val;
		break;
	case NVMC_ERASEALL:
		if (!(val & 1u))
			break;
		if (busy(b))
			return SIMBUS_STALL;
		/* Needs Een; UICR.ERASEPROTECT blocks it (nrf91-registers.md 4.4). */
		if (n->config != NVMC_CONFIG_EEN ||
		    board_uicr_word(b, UICR_ERASEPROTECT) != 0xFFFFFFFFu) {
			ignored(b);
			break;
		}
		start_op(b, NVMC_OP_ERASE_ALL, b->cfg.timing.nvmc_erase_all_ns, 0);
		break;
	case APPROTECT_SW_SECURE_REG:
	case APPROTECT_SW_REG:
		approtect_sw_write(b, off, val);
		break;
	default:
		break;
	}
	return SIMBUS_OK;
}

enum simbus_result nvmc_mem_write(struct simboard *b, uint32_t addr, unsigned size, uint32_t val)
{
	bool uicr = addr >= SIM_UICR_BASE && addr < SIM_UICR_BASE + SIM_UICR_SIZE;
	/* Only full aligned words; narrower writes hard-fault on the real
	 * NVMC (nrf91-registers.md 6), seen here as a bus error. */
	if (size != 4 || (addr & 3u))
		return SIMBUS_ERROR;
	/* A word write waits for a free buffer, an erase request for READY
	 * (see the top of this file). */
	uint32_t cfg_mode = !uicr && spu_region_nonsecure(b, addr) ? b->nvmc.configns : b->nvmc.config;
	if (cfg_mode == NVMC_CONFIG_WEN ? !write_buffer_free(b) : busy(b))
		return SIMBUS_STALL;
	/* Flash the SPU marks non-secure follows CONFIGNS, secure flash and
	 * UICR follow CONFIG (nrfx nrfx_nvmc.c sets both; nRF91 PS NVMC). */
	uint32_t mode = cfg_mode;
	switch (mode) {
	case NVMC_CONFIG_WEN: {
		if (b->result_area && addr == b->result_area && val != 0xFFFFFFFFu)
			result_fault_before_status(b);
		b->ctr.nvmc_words_written++;
		uint32_t word = (uicr ? SIM_FLASH_SIZE + (addr - SIM_UICR_BASE) : addr) / 4;
		if (b->nvmc.nwrites[word] < 0xFF && ++b->nvmc.nwrites[word] > NVMC_NWRITE)
			b->ctr.nvmc_nwrite_exceeded++;
		if (b->nvmc.nwrites[word] > 1)
			b->ctr.nvmc_words_rewritten++;
		start_write(b, addr, val);
		return SIMBUS_OK;
	}
	case NVMC_CONFIG_EEN:
	case NVMC_CONFIG_PEEN:
		/* Page erase = write 0xFFFFFFFF to a word of the page (any
		 * word accepted: UNCONFIRMED, nrf91-registers.md 10.8). UICR has
		 * no page erase on nRF91: only ERASEALL clears it. */
		if (uicr || val != 0xFFFFFFFFu) {
			ignored(b);
			return SIMBUS_OK;
		}
		if (mode == NVMC_CONFIG_EEN)
			start_op(b, NVMC_OP_ERASE_PAGE, b->cfg.timing.nvmc_erase_page_ns,
				 addr / SIM_PAGE_SIZE);
		else
			start_op(b, NVMC_OP_ERASE_PARTIAL,
				 (uint64_t)(b->nvmc.partialcfg & 0x7Fu) * 1000000u,
				 addr / SIM_PAGE_SIZE);
		return SIMBUS_OK;
	default:
		/* A real NVMC ignores writes while not enabled. */
		ignored(b);
		return SIMBUS_OK;
	}
}
