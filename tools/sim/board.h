/*
 * Simulated nRF91 board, as seen from the simulated J-Link: an SWD wire that
 * is clocked bit by bit, an nRESET pin and a VTref voltage. Everything behind
 * the wire (DP, APs, memory, NVMC, CTRL-AP, core, modem) lives in the board.
 *
 * Time: the probe owns the modeled clock (nanoseconds since the simulation
 * started) and passes it in. The board never sleeps; it only compares the
 * modeled time with the deadlines of its own operations (NVMC erase, CTRL-AP
 * erase-all, modem latency) and advances its CPU up to that time.
 *
 * Thread safety: a board is used by one probe; calls on one board are
 * serialised by the caller. Different boards are independent.
 */
#ifndef NRFSIM_BOARD_H
#define NRFSIM_BOARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum simboard_part { SIMBOARD_NRF9160, SIMBOARD_NRF9161, SIMBOARD_NRF9151 };

/* Modeled durations, in nanoseconds. Defaults in simboard_timing_defaults(). */
struct simboard_timing {
	uint64_t nvmc_write_word_ns;  /* tWRITE */
	uint64_t nvmc_erase_page_ns;  /* tERASEPAGE (~87 ms, errata 2 stall) */
	uint64_t nvmc_erase_all_ns;   /* NVMC ERASEALL */
	uint64_t ctrlap_erase_all_ns; /* CTRL-AP ERASEALL */
	uint64_t modem_start_ns;      /* modem library init on first AT command */
	uint64_t modem_cmd_ns;	      /* each AT command */
	uint64_t modem_cmng_write_ns; /* each AT%CMNG=0 write */
	uint32_t cpu_hz;	      /* emulated instructions per second */
};
void simboard_timing_defaults(struct simboard_timing *t);

/*
 * A hostile board (scenario session_fault): when the firmware commits an UP
 * record of the session protocol (include/nrfcred/provision.h) by storing its
 * seq to fw_seq, the board spoils that record in one way.
 */
enum simboard_session_fault {
	SIMBOARD_SESSION_FAULT_NONE,
	SIMBOARD_SESSION_FAULT_MAGIC,  /* record magic inverted */
	SIMBOARD_SESSION_FAULT_CRC,    /* a payload byte inverted, CRC left as it was */
	SIMBOARD_SESSION_FAULT_LENGTH, /* length past the UP area */
	SIMBOARD_SESSION_FAULT_TYPE,   /* a type no side defines */
	SIMBOARD_SESSION_FAULT_SEQ,    /* record seq one less than fw_seq */
	SIMBOARD_SESSION_FAULT_NONCE,  /* record nonce not the boot's */
};

/* Faults a scenario can inject at the board (the probe injects USB faults). */
struct simboard_faults {
	uint32_t wait_storm;	  /* answer WAIT to this many AP accesses, from the first */
	uint32_t fault_ack_every; /* every Nth AP access answers FAULT (sets STICKYERR); 0 = off */
	uint32_t parity_error_every;  /* every Nth read's data parity is flipped; 0 = off */
	/* Every Nth DP/AP write arrives with its data parity wrong: the
	 * target drops it, sets WDATAERR and answers FAULT from the next
	 * transaction on (ADIv5 SWD). 0 = off. */
	uint32_t write_parity_error_every;
	uint64_t removed_after_bytes; /* board vanishes (no ACK, VTref 0) after this many AP data
					 bytes; 0 = never */
	bool firmware_hang;	      /* the modem never answers: no result block */
	uint32_t modem_error_sec_tag; /* with modem_error_type: %CMNG=0 for this pair fails */
	int32_t modem_error_type;     /* -1 = off */
	int32_t modem_error_code;     /* CME code returned, e.g. 515 */
	/* The modem reports a wrong SHA-256 (%CMNG=1 list, %CMNG=2 read) for
	 * this (sec_tag, type); what it stores is what it was sent. */
	bool bad_digest_on;
	uint32_t bad_digest_sec_tag;
	uint8_t bad_digest_type;
	enum simboard_session_fault session_fault; /* armed at each reset */
	uint32_t session_fault_from; /* first fw_seq spoiled; 0 = 2, the first answer after READY */
	/* Flash delivery: the result block's IMEI byte changes just before its
	 * status word is programmed; the block's CRC stays as written. */
	bool result_fault_crc;
	/* The board resets itself (SYSRESETREQ-like) 1 ms after the session
	 * firmware committed its first READY, once per power-up. */
	bool reset_after_ready;
	/* A flash or UICR cell that no longer takes a write: bit stuck_bit of
	 * the word at stuck_bit_addr stays 1 whatever is written (an erase
	 * leaves it 1 as well). */
	bool stuck_bit_on;
	/* An undetected wire error: every MEM-AP write of the word at
	 * wire_flip_addr lands with bit wire_flip_bit inverted (that data bit
	 * and the parity bit flipped on the wire pass SWD's one even parity
	 * bit, ADIv5). Only the debugger's writes; the core's are not on the
	 * wire. */
	bool wire_flip_on;
	uint32_t wire_flip_addr; /* word aligned */
	uint8_t wire_flip_bit;	 /* 0..31 */
	uint32_t wire_flip_times; /* that many writes, then clean; 0 = every one */
	uint32_t stuck_bit_addr; /* word aligned, in flash or UICR */
	uint8_t stuck_bit;	 /* 0..31 */
	/* The core takes a HardFault (a bus error) at this instruction, counted
	 * from the board's open (cpu_instructions), once; 0 = never. */
	uint64_t cpu_fault_at;
};

/* Documented silicon behaviours a scenario may switch (tools/sim/README.md). */
struct simboard_quirks {
	/* nRF9160 only: after a CTRL-AP ERASEALL only a pin or power-on reset
	 * latches the erased UICR (older revisions; pyOCD pulses nRESET). */
	bool unlock_needs_pin_reset;
	/* nRF91x1 only: the CTRL-AP erase opens the port only after the CTRL-AP
	 * soft reset that follows it (probe-rs Nrf9120 requires_soft_reset_after_
	 * erase, citing Nordic's nAN41); the default follows the NCS text
	 * ("full access is granted, but any reset re-enables AP-Protect"). */
	bool erase_unlock_needs_soft_reset;
	/* nRF91x1 erratum 36: the AHB-AP cannot reach the system while the CPU
	 * sleeps in WFI/WFE, unless POWER.TASKS_CONSTLAT was triggered. */
	bool erratum36;
	/* FICR SIPINFO unwritten (nRF9160 before PS v2.1): identify by INFO.PART. */
	bool no_sipinfo;
	/* Highest SWD clock the fixture wiring carries; faster clocks corrupt
	 * the bits the target drives. 0 = no limit. */
	uint32_t max_swd_khz;
	/* The SPU keeps its FLASHREGION / RAMREGION settings (LOCK too) over
	 * a soft reset (SYSRESETREQ, CTRL-AP RESET); only pin, power-on and
	 * CTRL-AP erase-all reset it. Which resets restore the SPU is not in
	 * the sources at hand: the default resets it at every reset (LOCK
	 * holds "until the next reset", nrfx nrf9160.svd, and a TF-M image
	 * locks regions on every boot, soft reboots included). */
	bool spu_kept_by_soft_reset;
	/* DHCSR reads that still show S_REGRDY = 0 after each DCRSR write
	 * (a slower core clock); 0 = the default, 1. */
	uint32_t regrdy_busy_reads;
};

struct simboard_config {
	enum simboard_part part;
	char imei[16];	    /* 15 digits */
	char modem_fw[32];  /* AT+CGMR answer, e.g. "mfw_nrf9160_1.3.5" */
	bool approtect;	    /* UICR.APPROTECT written to Protected on first creation */
	bool present;	    /* false: no board in the slot (no ACK, VTref 0) */
	uint16_t vtref_mv;  /* VTref when present, e.g. 3300 */
	uint64_t device_id; /* FICR.INFO.DEVICEID */
	struct simboard_timing timing;
	struct simboard_faults faults;
	struct simboard_quirks quirks;
};

struct simboard;

/*
 * Opens (creating if missing) the board whose persistent state (flash, UICR,
 * modem store, IMEI, part) is the file at state_path. When the file exists,
 * its stored state wins over cfg's initial values (part, imei, approtect);
 * cfg's timing and faults always apply. Returns NULL and sets errno on
 * failure (EBUSY when another process holds the board).
 *
 * The board keeps its flash, UICR and modem store in the file itself
 * (state.h): every change is there at once, and a process killed without
 * closing its boards loses none of it. RAM is the board's own: opening is a
 * power-up (RAM zeroed), and it survives every later reset but a power-up.
 */
struct simboard *simboard_open(const struct simboard_config *cfg, const char *state_path);
/* Frees the board and releases its file (nothing left to save). */
void simboard_close(struct simboard *b);
/* Starts writing the file back to disk (msync MS_ASYNC): only for a caller
 * that cares about the machine crashing, the file is current anyway. */
int simboard_sync(struct simboard *b);

/*
 * Clocks nbits SWD cycles. dir/out/in are LSB-first bit arrays of
 * ceil(nbits/8) bytes, as in the J-Link SWD I/O command: dir bit 1 = the
 * probe drives SWDIO with the out bit; 0 = the probe samples, and the board
 * writes the sampled level into in (1 where nobody drives: pull-up).
 * start_ns is the modeled time of the first cycle, ns_per_bit the clock period.
 */
void simboard_swd_io(struct simboard *b, const uint8_t *dir, const uint8_t *out, uint8_t *in,
		     uint32_t nbits, uint64_t start_ns, uint32_t ns_per_bit);

/* nRESET pin: asserted (low) holds the chip in reset; release resets it. */
void simboard_set_nreset(struct simboard *b, bool asserted, uint64_t now_ns);
/* Runs the board's own activity (NVMC, CPU, modem) up to now_ns. */
void simboard_advance(struct simboard *b, uint64_t now_ns);
/* VTref the probe measures, in mV (0 when absent or removed). */
uint16_t simboard_vtref_mv(const struct simboard *b);

/* Counters the probe reports. */
struct simboard_counters {
	uint64_t swd_bits;
	uint64_t swd_transactions;
	uint64_t acks_wait;
	uint64_t acks_fault;
	uint64_t ap_bytes;
	uint64_t cpu_instructions;
	/* Added by the board implementation (D2): */
	uint64_t line_resets;
	uint64_t protocol_errors; /* packets not answered (reset state, bad request) */
	uint64_t nvmc_words_written;
	uint64_t nvmc_ignored_writes; /* flash/UICR writes a real NVMC ignores (not enabled, ...) */
	uint64_t nvmc_page_erases;
	uint64_t nvmc_erase_alls;      /* NVMC ERASEALL and CTRL-AP ERASEALL */
	uint64_t nvmc_nwrite_exceeded; /* word writes beyond nWRITE (2) since the last erase */
	/* Second (or later) writes to a word since its last erase: legal up
	 * to nWRITE, but a host that writes each word once never makes one. */
	uint64_t nvmc_words_rewritten;
	uint64_t system_resets;	       /* resets of any kind but power-on */
};
void simboard_get_counters(const struct simboard *b, struct simboard_counters *c);

/* Replaces the fault settings (e.g. between scenario steps); the WAIT storm
 * counter restarts from faults->wait_storm. */
void simboard_set_faults(struct simboard *b, const struct simboard_faults *faults);
/* Inserts (true) or pulls (false) the board; inserting clears "removed". */
void simboard_set_present(struct simboard *b, bool present);

/* Persistent identity, as stored in the state file (may differ from cfg). */
enum simboard_part simboard_part(const struct simboard *b);
const char *simboard_imei(const struct simboard *b);
uint64_t simboard_device_id(const struct simboard *b);
const char *simboard_modem_fw(const struct simboard *b);
const struct simboard_timing *simboard_timing(const struct simboard *b);
const struct simboard_faults *simboard_faults(const struct simboard *b);

/*
 * Opaque persistent blob for the modem's credential store (its format is the
 * modem model's business). data/capacity are fixed; *length is the used size
 * the owner keeps up to date (<= capacity). Both live in the state file, so
 * each store to them is persistent at once.
 */
struct simboard_blob {
	uint8_t *data;
	size_t capacity;
	uint32_t *length;
};
void simboard_modem_store(struct simboard *b, struct simboard_blob *out);

#endif
