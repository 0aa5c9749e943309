/*
 * Test-only probe backend: a small scripted SW-DP + MEM-AP model that answers
 * the bit stream the ADI layer sends (OpenOCD slot layout), so tests can
 * inject WAIT / FAULT / parity errors at exact transactions and see which
 * accesses took effect. With ORUNDETECT semantics: after a non-OK ACK every
 * later transaction answers FAULT and does nothing until an ABORT write.
 */
#ifndef TEST_PROBE_FAKEDP_H
#define TEST_PROBE_FAKEDP_H

#include "probe/probe.h"

#include <stdbool.h>
#include <stdint.h>

#define FAKEDP_MEM_BASE 0x20000000u
#define FAKEDP_MEM_SIZE 0x10000u
#define FAKEDP_LOG_MAX	20000u

struct fakedp_txn {
	uint8_t req;
	uint32_t data;
};

struct fakedp {
	struct probe probe;
	/* script */
	uint32_t wait_from, wait_count; /* from txn index wait_from, answer WAIT wait_count times */
	uint32_t fault_at;		/* answer FAULT at this txn index (0 = never) */
	uint32_t parity_at, parity_count; /* corrupt read parity from this index */
	bool no_target;			  /* nobody drives: all input slots read 1 */
	uint32_t fail_after_calls; /* swd_io returns PROBE_ERR_USB after this many (0 = never) */
	uint32_t bus_error_addr;   /* a DRW access at this address sets STICKYERR */
	/* The first write carrying each of these values (when non-zero) is
	 * ACKed OK and dropped, as for a data parity error: WDATAERR, FAULT
	 * from the next transaction on (ADIv5). */
	uint32_t drop_write_data[2];
	uint32_t ctrlap_idr;	   /* AP4 IDR (0x12880000 by default) */
	/* state */
	uint32_t txn_index; /* transactions seen (every request) */
	uint64_t calls;
	uint32_t sticky; /* CTRL/STAT STICKYORUN (0x02) / STICKYERR (0x20) */
	uint32_t ctrl_stat, select, csw, tar, rdbuf;
	uint32_t ctrlap[64];
	uint8_t mem[FAKEDP_MEM_SIZE];
	struct fakedp_txn log[FAKEDP_LOG_MAX]; /* transactions that took effect */
	uint32_t nlog;
};

/* Allocates a fake with the given probe buffer size in bits. */
struct fakedp *fakedp_create(uint32_t max_bits);
/* probe_close(&f->probe) frees it. */

#endif
