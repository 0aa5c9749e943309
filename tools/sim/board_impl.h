/*
 * Internals of the simulated nRF91 board shared by its parts (wire, DP, APs,
 * NVMC, core, bus). Not for other layers: they use board.h, bus.h, cpu.h.
 */
#ifndef NRFSIM_BOARD_IMPL_H
#define NRFSIM_BOARD_IMPL_H

#include <stdbool.h>
#include <stdint.h>

#include "board.h"
#include "bus.h"
#include "cpu.h"
#include "nrf91_sim_regs.h"
#include "state.h"

/* SWD ACK values (3 bits, LSB first on the wire). 7 = nobody drives. */
#define SWD_ACK_OK    1u
#define SWD_ACK_WAIT  2u
#define SWD_ACK_FAULT 4u
#define SWD_ACK_NONE  7u

enum swd_phase {
	SWD_PH_LOCKOUT, /* protocol error or power-on: wait for a line reset */
	SWD_PH_IDLE,	/* between packets */
	SWD_PH_REQUEST, /* collecting the 8 request bits */
	SWD_PH_ACK,	/* 3 ACK slots */
	SWD_PH_RDATA,	/* 33 read data + parity slots driven by the board */
	SWD_PH_TRN,	/* write: 2 turnaround slots after the ACK */
	SWD_PH_WDATA,	/* 33 write data + parity slots driven by the host */
	SWD_PH_DORMANT, /* dormant state: only the selection alert is seen */
};

struct swd_wire {
	enum swd_phase phase;
	unsigned count; /* bits collected / sent in the current phase */
	uint64_t shift; /* bits collected in the current phase */
	uint8_t request;
	uint8_t ack;
	bool write_ok;	/* write data phase will be applied (ACK was OK) */
	bool targetsel; /* the pending write is a TARGETSEL (no ACK driven) */
	uint64_t rdata; /* 32 data bits + parity at bit 32 */
	unsigned ones;	/* consecutive host-driven ones (line reset detection) */
	/* Special sequence right after a line reset (SWD-to-dormant 0xE3BC). */
	unsigned seq_count;
	uint32_t seq_bits;
	/* Dormant: 128-bit selection alert shift register and activation. */
	uint64_t alert_lo, alert_hi;
	unsigned act_count;
	uint32_t act_bits;
};

struct dap {
	bool reset_state;   /* after a line reset: only DPIDR read / TARGETSEL */
	bool deselected;    /* TARGETSEL did not match: silent until line reset */
	uint32_t ctrl_stat; /* stored bits (ack bits derived) */
	uint32_t select;
	uint32_t dlcr;
	uint32_t rdbuff;	/* result of the last AP read */
	uint32_t resend;	/* last data returned by an AP read or RDBUFF */
	bool last_mem_transfer; /* last AP access was an AHB-AP DRW/BD transfer */
	uint64_t ap_accesses;	/* for fault injection (every Nth) */
	uint64_t reads;
	uint64_t writes; /* write data phases taken, for write_parity_error_every */
	uint32_t wait_storm_left;
};

struct memap {
	uint32_t csw;
	uint32_t tar;
};

struct ctrlap {
	bool reset_held;
	uint32_t eraseall;
	bool erasing;
	uint64_t erase_done_ns;
	uint32_t mbox_tx, mbox_rx; /* debugger->CPU, CPU->debugger */
	bool mbox_tx_pending, mbox_rx_pending;
	uint32_t eraseprotect_key_cpu;
	bool eraseprotect_locked;
};

enum nvmc_op {
	NVMC_OP_NONE,
	NVMC_OP_WRITE,
	NVMC_OP_ERASE_PAGE,
	NVMC_OP_ERASE_PARTIAL,
	NVMC_OP_ERASE_ALL
};

struct nvmc {
	uint32_t config, configns, partialcfg, icachecnf, writeuicrns;
	enum nvmc_op op;
	uint64_t busy_until_ns; /* READY goes high (the last write or erase ends) */
	/* READYNEXT goes high: the write buffer is free again. A write accepted
	 * while another is in progress waits in the buffer until that one
	 * ends (nrfx hal/nrf_nvmc.h nrf_nvmc_write_ready_check). */
	uint64_t next_free_ns;
	/* Words accepted and not yet in the array: the one being written and
	 * the buffered one. A word is stored when its tWRITE ends; until then
	 * flash reads show the old contents (a CPU read waits, nvmc.c). */
	struct nvmc_word {
		uint32_t addr; /* flash offset, or SIM_UICR_BASE + offset */
		uint32_t val;
		uint64_t done_ns;
	} inflight[2];
	unsigned n_inflight;
	uint32_t op_page;
	uint16_t partial_ms[SIM_FLASH_PAGES]; /* accumulated partial erase time per page */
	/* Writes per word since its last erase (nWRITE, flash then UICR words);
	 * volatile: not kept in the state file. */
	uint8_t nwrites[(SIM_FLASH_SIZE + SIM_UICR_SIZE) / 4];
};

struct core {
	uint32_t dhcsr_ctrl; /* C_* bits */
	bool halted;
	bool lockup;
	bool reset_sticky;  /* S_RESET_ST */
	bool retire_sticky; /* S_RETIRE_ST */
	uint32_t dcrdr, demcr, dfsr, aircr_prigroup, dscsr;
	uint32_t hfsr; /* HardFault status: FORCED only (core.c fault()) */
	/* DHCSR reads left that show S_REGRDY = 0 after a DCRSR write. */
	unsigned regrdy_busy;
	uint64_t regrdy_done_ns; /* the transfer completes by then at the latest */
	struct simcpu_regs regs; /* debugger view (valid while halted) */
	uint64_t run_from_ns;	 /* modeled time the CPU has run up to */
	bool sleeping;		 /* the last run slice ended in WFI/WFE */
	uint32_t fp_ctrl;	 /* FPB FP_CTRL.ENABLE */
	uint32_t fp_comp[8];	 /* FPB comparators */
	uint32_t dwt_comp[4][3]; /* DWT COMP / FUNCTION (and a spare word) */
};

#define SPU_REGIONS 32u
struct spu {
	uint32_t flash_perm[SPU_REGIONS]; /* 32 KB each */
	uint32_t ram_perm[SPU_REGIONS];	  /* 8 KB each */
};

struct mmio_window {
	uint32_t base, size;
	simbus_read_fn rd;
	simbus_write_fn wr;
	void *ctx;
};

struct simboard {
	struct simboard_config cfg;
	struct simstate_map st; /* flash, UICR, modem store: the mapped state file */
	int fd;
	uint64_t now_ns;
	bool removed;
	bool nreset_asserted;
	uint32_t noise; /* LFSR of the max_swd_khz wiring model */
	/* Protection latched at reset (nrf91-registers.md 4.3). */
	bool approtect, secure_approtect;
	/* nRF91x1 software branch, written by firmware (volatile). */
	bool sw_ap_disabled, sw_sap_disabled, sw_ap_forced, sw_sap_forced;
	uint32_t uicr_ap_latched, uicr_sap_latched;
	/* nRF91x1: a CTRL-AP ERASEALL opened the AHB-AP until the next reset. */
	bool erase_unlocked;
	bool erase_unlock_pending; /* quirk erase_unlock_needs_soft_reset */
	/* POWER.TASKS_CONSTLAT triggered since reset (erratum 36 workaround). */
	bool constlat;
	/* Scenario session_fault: the session mailbox found at the last reset
	 * (RAM address), 0 = none or fault off. */
	uint32_t session_mbox;
	/* Scenario result_fault: the result area found at the last reset
	 * (flash address), 0 = none or fault off. */
	uint32_t result_area;
	/* Scenario fault_reset_after_ready: when the self-reset is due (0 =
	 * none) and whether this power-up had it. */
	uint64_t self_reset_at_ns;
	bool self_reset_done;
	bool cpu_fault_done; /* fault_cpu_at_instruction: once per open */
	/* Counts every change of RAM, flash or UICR that is not a store of the
	 * core's own: a core parked in a spin (cpu_unicorn.c) stays parked
	 * while it does not move. */
	uint64_t mem_gen;
	struct swd_wire wire;
	struct dap dap;
	struct memap ahb;
	struct ctrlap ctrl;
	struct nvmc nvmc;
	struct core core;
	struct spu spu;
	struct simcpu *cpu;
	struct simboard_counters ctr;
	struct mmio_window mmio[8];
	unsigned n_mmio;
	uint8_t ram[SIM_RAM_SIZE];
};

/* swd_wire.c */
void swd_wire_init(struct swd_wire *w);
/* One SWD cycle; returns the level the host samples. */
int swd_wire_clock(struct simboard *b, bool host_drives, int host_bit, uint64_t now_ns);
/* Several cycles at once, from bit i of an SWD I/O command's vectors (nbits
 * in all, bit j clocked at start_ns + j * ns_per_bit), where that gives the
 * same result as swd_wire_clock bit by bit; returns how many it took, 0 when
 * bit i needs swd_wire_clock. No wiring faults apply to these cycles. */
uint32_t swd_wire_run(struct simboard *b, const uint8_t *dir, const uint8_t *out, uint8_t *in,
		      uint32_t i, uint32_t nbits, uint64_t start_ns, uint32_t ns_per_bit);

/* dap.c: request decoded with good framing and parity; returns the ACK
 * (SWD_ACK_NONE = no response). For an OK read *rdata holds the data and
 * *bad_parity asks the wire to send a wrong parity bit (fault injection). */
unsigned dap_request(struct simboard *b, uint8_t request, uint32_t *rdata, bool *bad_parity);
/* Write data phase of an accepted (OK) write. */
void dap_write_data(struct simboard *b, uint8_t request, uint32_t data, bool parity_ok);
void dap_line_reset(struct simboard *b);
void dap_init(struct dap *d);

/* AP access results (memap.c, ctrlap.c). */
enum ap_result {
	AP_OK,
	AP_WAIT,      /* bus stalled: answer WAIT, nothing happened */
	AP_FAULT,     /* refused now: answer FAULT, set STICKYERR */
	AP_BUS_ERROR, /* transfer failed: set STICKYERR (posted: next access faults) */
};
/* Whether an access to this AP register would be answered WAIT right now. */
bool memap_would_wait(struct simboard *b, unsigned reg);
enum ap_result memap_read(struct simboard *b, unsigned reg, uint32_t *val);
enum ap_result memap_write(struct simboard *b, unsigned reg, uint32_t val);
void memap_reset(struct memap *m);
uint32_t apb_ap_read(unsigned reg);
enum ap_result ctrlap_read(struct simboard *b, unsigned reg, uint32_t *val);
enum ap_result ctrlap_write(struct simboard *b, unsigned reg, uint32_t val);
void ctrlap_advance(struct simboard *b);
enum simbus_result ctrlapperi_read(struct simboard *b, uint32_t off, uint32_t *val);
enum simbus_result ctrlapperi_write(struct simboard *b, uint32_t off, uint32_t val);
void ctrlap_peripheral_reset(struct simboard *b);

/* nvmc.c */
void nvmc_reset(struct nvmc *n);
/* true while an erase stalls the whole AHB (errata 2). */
bool nvmc_bus_stalled(const struct simboard *b);
enum simbus_result nvmc_reg_read(struct simboard *b, uint32_t off, uint32_t *val);
enum simbus_result nvmc_reg_write(struct simboard *b, uint32_t off, uint32_t val);
/* Write to flash (addr < SIM_FLASH_SIZE) or UICR (addr in UICR window). */
enum simbus_result nvmc_mem_write(struct simboard *b, uint32_t addr, unsigned size, uint32_t val);
void nvmc_advance(struct simboard *b);
/* Stores the words whose write has ended by b->now_ns. */
void nvmc_commit_due(struct simboard *b);
/* True while a word write is in progress: a CPU access to flash or UICR
 * waits until nvmc_ready_at(b, true) (nRF52810/nRF52820 PS, NVMC). */
bool nvmc_writing(const struct simboard *b);
/* Modeled time at which a write to addr would be taken (READYNEXT for a
 * word write, READY for an erase request). */
uint64_t nvmc_accept_at(const struct simboard *b, uint32_t addr);
/* Modeled time at which READY (ready = true) or READYNEXT reads 1 again. */
uint64_t nvmc_ready_at(const struct simboard *b, bool ready);
/* Erase flash + UICR (NVMC ERASEALL, CTRL-AP ERASEALL also clears RAM). */
void nvmc_erase_everything(struct simboard *b);

/* core.c */
void core_power_on(struct simboard *b);
enum simbus_result core_ppb_read(struct simboard *b, uint32_t addr, uint32_t *val);
enum simbus_result core_ppb_write(struct simboard *b, uint32_t addr, uint32_t val);
/* Runs the CPU up to b->now_ns when it is running. */
void core_advance(struct simboard *b);
bool core_running(const struct simboard *b);
/* Core part of a system reset: SP/PC from the vector table, vector catch. */
void core_reset(struct simboard *b);

/* spu.c */
void spu_reset(struct simboard *b);
enum simbus_result spu_reg_read(struct simboard *b, uint32_t off, uint32_t *val);
enum simbus_result spu_reg_write(struct simboard *b, uint32_t off, uint32_t val,
				 struct simbus_attr attr);
/* Whether the flash/RAM region holding addr is marked non-secure. */
bool spu_region_nonsecure(const struct simboard *b, uint32_t addr);
/* Whether an access with attr may reach addr (non-secure to secure: no). */
bool spu_allows(const struct simboard *b, uint32_t addr, struct simbus_attr attr);

/* session_fault.c */
/* Finds the session mailbox and the result area when their faults are set,
 * and has the CPU watch the mailbox's fw_seq word (or nothing). Part of
 * every reset. */
void session_fault_reset(struct simboard *b);
/* The CPU is about to store value to the word at addr (simcpu_watch_store). */
void board_watched_store(struct simboard *b, uint32_t addr, uint32_t value);
/* The NVMC is about to program the result status word at b->result_area:
 * spoil the block first (result_fault). */
void result_fault_before_status(struct simboard *b);

/* ficr.c */
uint32_t ficr_read(const struct simboard *b, uint32_t off);

/* board.c */
enum board_reset_kind {
	BOARD_RESET_POWER_ON,
	BOARD_RESET_PIN,
	BOARD_RESET_CTRLAP,
	BOARD_RESET_SYSRESETREQ,
};
void board_system_reset(struct simboard *b, enum board_reset_kind kind);
/* Brings every timed activity (NVMC, CTRL-AP erase, CPU) up to now_ns. */
void board_advance_to(struct simboard *b, uint64_t now_ns);
bool board_responds(const struct simboard *b);
uint32_t board_uicr_word(const struct simboard *b, uint32_t off);
bool board_is_91x1(const struct simboard *b);
/* Recomputes b->approtect / b->secure_approtect from the latched UICR values
 * and the nRF91x1 software branch. */
void board_update_protection(struct simboard *b);
/* CTRL-AP ERASEALL finished: lifts the protection as the part documents it. */
void board_erase_unlock(struct simboard *b);

#endif
