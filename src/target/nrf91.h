/*
 * nRF91 target: identify, APPROTECT recover, core control, NVMC erase /
 * program / verify, memory reads while the firmware runs.
 *
 * Every call blocks (it is meant to run on a worker thread, one worker per
 * probe at a time) and reports progress as events through the callback,
 * never by printing. A call returns at the next safe point with
 * NRF91_ERR_ABORTED when the abort flag given to nrf91_attach becomes true.
 *
 * Typical station sequence (probe from jlink_open, see probe/jlink.h for
 * which thread may open/close probes):
 *   nrf91_attach(probe, &opts, &t, &info)   NO_TARGET: no board yet (retry)
 *   nrf91_erase_all(t)                      halts the core (reset-halt) first
 *   nrf91_program(t, img)                   into erased flash; verifies
 *   nrf91_reset_run(t)                      firmware runs, DP stays up
 *   nrf91_read / nrf91_read_u32(t, ...)     poll result/progress words
 *   nrf91_wipe(t)                           erase flash + UICR (any failure too)
 *   nrf91_detach(t)                         no probe I/O; any thread
 * After NRF91_ERR_PROBE the probe is gone: detach, then close the probe.
 * After FAULT / WAIT_TIMEOUT / PARITY the sticky flags are cleared and the
 * handle can go on; after NO_TARGET (board pulled, power lost) detach and
 * attach again (attach does the line reset and DP power-up).
 */
#ifndef NRFCRED_TARGET_NRF91_H
#define NRFCRED_TARGET_NRF91_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct adi_trace;
struct image;
struct probe;

typedef enum {
	NRF91_OK = 0,
	NRF91_ERR_PROBE,	  /* USB / probe failure (unplugged, timeout) */
	NRF91_ERR_NO_TARGET,	  /* no ACK: no board, no power, or wiring */
	NRF91_ERR_WAIT_TIMEOUT,	  /* the DP kept answering WAIT */
	NRF91_ERR_FAULT,	  /* FAULT ack / sticky error that retry did not clear */
	NRF91_ERR_PARITY,	  /* read data parity error that retry did not clear */
	NRF91_ERR_NOT_NRF91,	  /* DPIDR / CTRL-AP IDR / FICR do not describe an nRF91 */
	NRF91_ERR_PROTECTED,	  /* APPROTECT is on and recover is not allowed */
	NRF91_ERR_RECOVER_FAILED, /* CTRL-AP ERASEALL did not unlock the part */
	NRF91_ERR_NVMC_TIMEOUT,	  /* NVMC never became ready */
	NRF91_ERR_HALT_TIMEOUT,	  /* the core did not halt / leave reset */
	NRF91_ERR_VERIFY,	  /* read-back differs from what was written */
	NRF91_ERR_BAD_ADDRESS,	  /* image data outside flash / UICR */
	NRF91_ERR_NOMEM,
	NRF91_ERR_ABORTED,     /* the abort flag was raised */
	NRF91_ERR_LOCK_FAILED, /* UICR written Protected, CTRL-AP still reads open */
	NRF91_ERR_CORE_FAULT,  /* code the host ran on the core faulted (HardFault, lockup) */
} nrf91_err;

enum nrf91_phase {
	NRF91_PHASE_CONNECT,
	NRF91_PHASE_RECOVER,
	NRF91_PHASE_ERASE,
	NRF91_PHASE_PROGRAM,
	NRF91_PHASE_VERIFY,
	NRF91_PHASE_RUN,
	NRF91_PHASE_READ,
};

/* Called from the worker thread; must be cheap (store atomics, no I/O). */
typedef void (*nrf91_progress_cb)(void *user, enum nrf91_phase phase, uint64_t done,
				  uint64_t total);

struct nrf91_info {
	uint32_t dpidr;
	uint32_t ctrlap_idr;
	uint32_t partno;    /* FICR.SIPINFO.PARTNO, e.g. 0x9160 */
	char variant[5];    /* FICR.SIPINFO.VARIANT as ASCII, e.g. "SICA" */
	char part_name[16]; /* "nRF9160" */
	uint32_t flash_kb;
	uint32_t ram_kb;
	uint64_t device_id;
	bool approtect;		/* true when the part was protected at connect */
	bool locked;		/* nrf91_lock proved the part locked */
	char error_detail[256]; /* nrf91_attach failure: why (no handle to ask) */
};

struct nrf91_options {
	bool allow_recover;	       /* CTRL-AP ERASEALL a protected part */
	const atomic_bool *abort_flag; /* may be NULL */
	nrf91_progress_cb progress;    /* may be NULL */
	void *progress_user;
	/* SWD trace of every transaction (swd/adi_trace.h); NULL = none. The
	 * caller registers the redacted ranges and keeps it open past detach. */
	struct adi_trace *trace;
};

struct nrf91;

/* Connects (line reset, JTAG-to-SWD, DP power-up), identifies, and recovers
 * the part when it is protected and opts->allow_recover. info may be NULL. */
nrf91_err nrf91_attach(struct probe *probe, const struct nrf91_options *opts, struct nrf91 **out,
		       struct nrf91_info *info);
void nrf91_detach(struct nrf91 *t);

/* CTRL-AP ERASEALL, then whatever opens the AHB-AP on this part (none on
 * nRF91x1, a soft and if needed a pin reset on nRF9160); identifies again. */
nrf91_err nrf91_recover(struct nrf91 *t);
nrf91_err nrf91_halt(struct nrf91 *t);
/* Reset with vector catch. nRF9160 only: on nRF91x1 the reset would lock the
 * AHB-AP before any firmware opens it, so it returns NRF91_ERR_PROTECTED. */
nrf91_err nrf91_reset_halt(struct nrf91 *t);
/* System reset and let the firmware run; then waits up to open_timeout_ms
 * until the AHB-AP is usable again (nRF91x1: until the firmware's SystemInit
 * opened it; NRF91_ERR_PROTECTED otherwise). The DP stays connected. */
nrf91_err nrf91_reset_run(struct nrf91 *t, uint32_t open_timeout_ms);
/* System reset, then the DP is powered down: the application runs free. */
nrf91_err nrf91_reset_release(struct nrf91 *t);
/* Powers the DP down (CDBGPWRUPREQ/CSYSPWRUPREQ cleared). */
nrf91_err nrf91_release(struct nrf91 *t);
/* After a lost access (the board reset itself): waits up to timeout_ms for
 * the AHB-AP to answer again. */
nrf91_err nrf91_reacquire(struct nrf91 *t, uint32_t timeout_ms);
/* Reads DHCSR; *reset_seen when the core was reset since the last read. */
nrf91_err nrf91_poll_reset(struct nrf91 *t, bool *reset_seen);
/* nrf91_poll_reset, then count words from addr (word aligned) into words
 * and the word at also (0: none) into *also_value, in one round trip: what
 * a poll of running firmware reads each time. */
nrf91_err nrf91_poll_words(struct nrf91 *t, bool *reset_seen, uint32_t addr, uint32_t *words,
			   size_t count, uint32_t also, uint32_t *also_value);
/* Sends what is queued, then waits us with the probe idle (adi_delay_us):
 * a pause between polls. */
nrf91_err nrf91_delay_us(struct nrf91 *t, uint32_t us);
/* Resets issued by nrfcred or seen on the board since attach. */
uint32_t nrf91_resets(const struct nrf91 *t);

/* Halts the core (no reset), erases flash and UICR with the NVMC, and on
 * nRF91x1 writes UICR.APPROTECT/SECUREAPPROTECT = HwUnprotected so the next
 * firmware can open the debug port (nrf91_keep_debug_open). */
nrf91_err nrf91_erase_all(struct nrf91 *t);
/* nRF91x1: UICR.APPROTECT and SECUREAPPROTECT = HwUnprotected, read back.
 * nRF9160: nothing to do (erased UICR is open). Needs erased UICR words. */
nrf91_err nrf91_keep_debug_open(struct nrf91 *t);
/* UICR.APPROTECT = SECUREAPPROTECT = Protected, read back, reset, then
 * CTRL-AP APPROTECT.STATUS must read locked (NRF91_ERR_LOCK_FAILED if not).
 * The DP is released afterwards; info.locked is set. */
nrf91_err nrf91_lock(struct nrf91 *t);
/* Wipe (station WIPE step): CTRL-AP ERASEALL on every part, locked or not
 * (flash, UICR, RAM), leaving the AHB-AP open for a blank check. Allowed
 * without allow_recover: it only removes what this tool put there. */
nrf91_err nrf91_wipe(struct nrf91 *t);
/* Programs every segment of img (flash and UICR) into erased flash and
 * verifies every byte written (nrf91_write_image, then nrf91_verify). */
nrf91_err nrf91_program(struct nrf91 *t, const struct image *img);
/* How nrf91_program_with writes flash, and how it proves what it wrote. */
enum nrf91_flash_method {
	/* The RAM flash loader (firmware/loader/): the core writes one ring
	 * slot through the NVMC while the host sends the next over SWD. */
	NRF91_FLASH_LOADER,
	NRF91_FLASH_DIRECT, /* word by word through the AHB-AP */
};
enum nrf91_verify_method {
	NRF91_VERIFY_CRC,      /* the loader's CRC-32 of each range, against the host's */
	NRF91_VERIFY_READBACK, /* every byte read back over SWD */
	/* nrf91_program_with only: no proof yet, the caller runs
	 * nrf91_verify_with next (the station's VERIFY step). */
	NRF91_VERIFY_NONE,
};
/* nrf91_program with a choice of method. A loader that cannot be started
 * (the core does not halt, RAM does not take it, its status never says
 * running) is not an error: the direct path and a read-back verify take
 * over, counted in nrf91_stats.loader_fallbacks, said in the trace and in
 * nrf91_loader_fallback_reason. Loader errors name the address and the
 * NVMC state in the detail; after one the host zeroes the loader's RAM. */
nrf91_err nrf91_program_with(struct nrf91 *t, const struct image *img,
			     enum nrf91_flash_method how, enum nrf91_verify_method verify);
/* nrf91_verify with a choice of method. A CRC that differs is followed by
 * a read-back of its range (at most 64 KB), so NRF91_ERR_VERIFY names the
 * word that differs, as nrf91_verify does (nrf91_last_mismatch). */
nrf91_err nrf91_verify_with(struct nrf91 *t, const struct image *img,
			    enum nrf91_verify_method verify);
/* After NRF91_ERR_VERIFY from nrf91_verify, nrf91_verify_with or
 * nrf91_program_with: true with *addr (may be NULL) the address of the word
 * that differs from the image, when one was found (not for a loader that
 * found a word written before). Never the bytes. */
bool nrf91_last_mismatch(const struct nrf91 *t, uint32_t *addr);
/* Why the last loader start fell back to the direct path ("" if none did
 * since attach). */
const char *nrf91_loader_fallback_reason(const struct nrf91 *t);
/* Programs every segment of img into erased flash, no read-back. */
nrf91_err nrf91_write_image(struct nrf91 *t, const struct image *img);
/* Compares the target with img. NRF91_ERR_VERIFY: a byte differs, and a
 * second read of its word gave the same value (the flash holds it);
 * *mismatch (may be NULL) is then the address of that word and
 * nrf91_last_error_detail() names the byte's address, never the data (it
 * may be key bytes). NRF91_ERR_PARITY: the second read gave another value
 * (the wire corrupted a read although its parity held). */
nrf91_err nrf91_verify(struct nrf91 *t, const struct image *img, uint32_t *mismatch);
/* True in *erased when every flash and UICR word reads 0xFFFFFFFF. */
nrf91_err nrf91_check_erased(struct nrf91 *t, bool *erased);

nrf91_err nrf91_read(struct nrf91 *t, uint32_t addr, void *buf, size_t len);
nrf91_err nrf91_read_u32(struct nrf91 *t, uint32_t addr, uint32_t *value);

/* Writes memory through the AHB-AP (RAM, peripherals; not flash). */
nrf91_err nrf91_write(struct nrf91 *t, uint32_t addr, const void *buf, size_t len);

/* Several word-aligned ranges (addr and len multiples of 4) in one go, in
 * this order on the wire, in as few probe round trips as its buffer
 * allows: a record and its doorbell, a record and the header words that
 * show it did not change under the read. */
struct nrf91_span {
	uint32_t addr;
	void *buf; /* bytes, little-endian words */
	size_t len;
};
nrf91_err nrf91_read_spans(struct nrf91 *t, const struct nrf91_span *spans, size_t n);
nrf91_err nrf91_write_spans(struct nrf91 *t, const struct nrf91_span *spans, size_t n);
/* Erases the 4 KB flash page holding addr (UICR cannot be page-erased). */
nrf91_err nrf91_erase_page(struct nrf91 *t, uint32_t addr);
/* What attach found (also valid after nrf91_recover). */
const struct nrf91_info *nrf91_get_info(const struct nrf91 *t);

/* Wire statistics since attach (for benchmarks and closing notes). */
struct nrf91_stats {
	uint64_t round_trips; /* probe SWD I/O calls */
	uint64_t swd_bits;    /* bits clocked */
	uint64_t wait_retries;
	uint64_t faults;
	uint64_t parity_retries;
	uint64_t loader_fallbacks; /* flash loader did not start: direct path used */
};
void nrf91_get_stats(const struct nrf91 *t, struct nrf91_stats *s);

/* A one-line context for the last error: address, register, counts. */
const char *nrf91_last_error_detail(const struct nrf91 *t);
const char *nrf91_strerror(nrf91_err err);

#endif
