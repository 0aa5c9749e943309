/*
 * ADIv5 debug port over SWD: DP/AP transactions queued and flushed in as few
 * probe round trips as the probe buffer allows, with WAIT / FAULT / parity
 * recovery (semantics after OpenOCD's adi_v5_swd.c, nrf91-registers.md §1).
 *
 * Usage: adi_create(probe); adi_connect(); queue accesses; adi_flush().
 * Read destinations are written during adi_flush (AP reads are posted: the
 * layer adds the RDBUFF read itself). One struct adi per probe, one thread.
 */
#ifndef NRFCRED_SWD_ADI_H
#define NRFCRED_SWD_ADI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct probe;

typedef enum {
	ADI_OK = 0,
	ADI_ERR_PROBE = -1,	   /* the probe / USB failed */
	ADI_ERR_NO_TARGET = -2,	   /* ACK 0b111: nobody drives SWDIO */
	ADI_ERR_PROTOCOL = -3,	   /* an ACK that is none of OK/WAIT/FAULT */
	ADI_ERR_WAIT_TIMEOUT = -4, /* WAIT beyond the retry budget */
	ADI_ERR_FAULT = -5,	   /* FAULT ack (sticky error) */
	ADI_ERR_PARITY = -6,	   /* read data parity wrong on every retry */
	ADI_ERR_POWERUP = -7,	   /* CDBGPWRUPACK/CSYSPWRUPACK never came */
	ADI_ERR_NOMEM = -8,
	ADI_ERR_ARG = -9,
} adi_err;

/* DP registers (A[3:2] << 2). */
#define ADI_DP_DPIDR	 0x0u
#define ADI_DP_ABORT	 0x0u
#define ADI_DP_CTRL_STAT 0x4u
#define ADI_DP_SELECT	 0x8u
#define ADI_DP_RESEND	 0x8u
#define ADI_DP_RDBUFF	 0xCu

/* ABORT bits. */
#define ADI_ABORT_DAPABORT   (1u << 0)
#define ADI_ABORT_STKCMPCLR  (1u << 1)
#define ADI_ABORT_STKERRCLR  (1u << 2)
#define ADI_ABORT_WDERRCLR   (1u << 3)
#define ADI_ABORT_ORUNERRCLR (1u << 4)
#define ADI_ABORT_ALL_STICKY 0x1Eu

/* CTRL/STAT bits. */
#define ADI_CS_ORUNDETECT   (1u << 0)
#define ADI_CS_STICKYORUN   (1u << 1)
#define ADI_CS_STICKYCMP    (1u << 4)
#define ADI_CS_STICKYERR    (1u << 5)
#define ADI_CS_READOK	    (1u << 6)
#define ADI_CS_WDATAERR	    (1u << 7)
#define ADI_CS_CDBGPWRUPREQ (1u << 28)
#define ADI_CS_CDBGPWRUPACK (1u << 29)
#define ADI_CS_CSYSPWRUPREQ (1u << 30)
#define ADI_CS_CSYSPWRUPACK (1u << 31)

/* AP register offsets are full 8-bit (bank in bits 7:4, A[3:2] in 3:2). */
#define ADI_AP_IDR 0xFCu

struct adi;

struct adi *adi_create(struct probe *probe);
void adi_destroy(struct adi *a);

/*
 * WAIT handling: retry (with a growing idle back-off) until wait_ms of SWD
 * clock time has been spent at one failure point, or max_retries, or ten
 * times wait_ms of wall time (at least 5 s). Defaults: 500 ms, 5000 retries.
 */
void adi_set_wait_budget(struct adi *a, uint32_t wait_ms, uint32_t max_retries);
/* The SWD clock time a transfer that ended in ADI_ERR_WAIT_TIMEOUT waited. */
uint32_t adi_wait_budget_ms(const struct adi *a);
/* Idle cycles clocked after every AP access (OpenOCD ap_delay_clk). Default 0. */
void adi_set_ap_idle(struct adi *a, uint32_t bits);

/*
 * JTAG-to-SWD + line reset + DPIDR read (falls back to the dormant-to-SWD
 * wake-up once), clears sticky errors, powers the debug domain up (with
 * ORUNDETECT, see adi.c) and waits for the ACKs. dpidr may be NULL.
 */
adi_err adi_connect(struct adi *a, uint32_t *dpidr);

void adi_queue_dp_read(struct adi *a, uint8_t reg, uint32_t *dest);
void adi_queue_dp_write(struct adi *a, uint8_t reg, uint32_t value);
void adi_queue_ap_read(struct adi *a, uint8_t ap, uint8_t reg, uint32_t *dest);
void adi_queue_ap_write(struct adi *a, uint8_t ap, uint8_t reg, uint32_t value);
/*
 * MEM-AP data accesses (DRW at 0x0C) that touch memory address addr with TAR
 * auto-increment on: the address is used in error reports and, when the
 * access must be retried, TAR is rewritten to it first.
 */
void adi_queue_mem_read(struct adi *a, uint8_t ap, uint32_t addr, uint32_t *dest);
void adi_queue_mem_write(struct adi *a, uint8_t ap, uint32_t addr, uint32_t value);
/* Driven-0 idle cycles (lets the target work; models a wait on the wire). */
void adi_queue_idle(struct adi *a, uint32_t bits);
/* Number of queued transactions. */
size_t adi_queue_length(const struct adi *a);
/*
 * The write queued last stalls the bus until the target is done with it (an
 * NVMC erase trigger, a reset request): the next flush does not close the
 * queue with the RDBUFF read that proves its last write arrived (adi_flush).
 * The caller proves that write another way; a write the target dropped then
 * fails the next flush (FAULT, WDATAERR) instead of being resent.
 */
void adi_queue_unchecked(struct adi *a);

/*
 * Sends the queue. A queue that ends in a write gets an RDBUFF read after it
 * (unless adi_queue_unchecked), so a write the target dropped for its data
 * parity answers inside this flush. On WAIT: clears the overrun flag and
 * retries from the failed access (bounded). On FAULT: reads CTRL/STAT, clears
 * the sticky flags and fails (resends only a write-data parity error whose
 * write it can name). On a read parity error: re-reads (bounded). The queue
 * is empty afterwards.
 */
adi_err adi_flush(struct adi *a);

/* Queue + flush helpers. */
adi_err adi_dp_read(struct adi *a, uint8_t reg, uint32_t *value);
adi_err adi_dp_write(struct adi *a, uint8_t reg, uint32_t value);
adi_err adi_ap_read(struct adi *a, uint8_t ap, uint8_t reg, uint32_t *value);
adi_err adi_ap_write(struct adi *a, uint8_t ap, uint8_t reg, uint32_t value);

/* Sends what is queued, then waits at least us microseconds with the probe
 * idle (probe_wait_us: the host sleeps), as OpenOCD, pyOCD and probe-rs
 * wait between polls. Clocking idle cycles
 * instead cost a full-speed J-Link about 2.5 times the wait (the cycles'
 * direction and data bits cross USB both ways: a 10 ms poll period took
 * 25 ms, tools/bench reference board). The simulator counts the host's
 * idle time as modeled time in both timings. */
adi_err adi_delay_us(struct adi *a, uint32_t us);
/* Forget cached DP SELECT (and anything else cached about the target). */
void adi_invalidate(struct adi *a);

struct probe *adi_probe(const struct adi *a);
/* Statistics since adi_create. */
struct adi_stats {
	uint64_t flushes;
	uint64_t round_trips;
	uint64_t wait_retries;
	uint64_t faults;
	uint64_t parity_retries;
};
void adi_get_stats(const struct adi *a, struct adi_stats *s);

const char *adi_last_error_detail(const struct adi *a);
const char *adi_strerror(adi_err err);

#endif
