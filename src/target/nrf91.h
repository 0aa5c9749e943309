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
	NRF91_ERR_ABORTED, /* the abort flag was raised */
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

nrf91_err nrf91_recover(struct nrf91 *t);
nrf91_err nrf91_halt(struct nrf91 *t);
nrf91_err nrf91_reset_halt(struct nrf91 *t);
/* System reset and let the firmware run; the debug port stays connected. */
nrf91_err nrf91_reset_run(struct nrf91 *t);

nrf91_err nrf91_erase_all(struct nrf91 *t);
/* Best-effort wipe of flash and UICR (station WIPE step): NVMC erase-all;
 * when that fails (core locked up, bus errors) reconnects and falls back to
 * CTRL-AP ERASEALL, which also clears RAM. Allowed without allow_recover:
 * it only removes what this tool put there. */
nrf91_err nrf91_wipe(struct nrf91 *t);
/* Programs every segment of img (flash and UICR) into erased flash and
 * verifies every byte written. */
nrf91_err nrf91_program(struct nrf91 *t, const struct image *img);
/* Compares the target with img; NRF91_ERR_VERIFY names the first mismatch
 * through nrf91_last_error_detail(). */
nrf91_err nrf91_verify(struct nrf91 *t, const struct image *img);
/* True in *erased when every flash and UICR word reads 0xFFFFFFFF. */
nrf91_err nrf91_check_erased(struct nrf91 *t, bool *erased);

nrf91_err nrf91_read(struct nrf91 *t, uint32_t addr, void *buf, size_t len);
nrf91_err nrf91_read_u32(struct nrf91 *t, uint32_t addr, uint32_t *value);

/* Writes memory through the AHB-AP (RAM, peripherals; not flash). */
nrf91_err nrf91_write(struct nrf91 *t, uint32_t addr, const void *buf, size_t len);
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
};
void nrf91_get_stats(const struct nrf91 *t, struct nrf91_stats *s);

/* A one-line context for the last error: address, register, counts. */
const char *nrf91_last_error_detail(const struct nrf91 *t);
const char *nrf91_strerror(nrf91_err err);

#endif
