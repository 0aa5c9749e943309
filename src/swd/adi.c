/*
 * ADIv5 SW-DP transaction queue. Wire format: swd_wire.h. Semantics:
 * nrf91-registers.md §1.2-1.3, OpenOCD adi_v5_swd.c / jlink.c.
 *
 * ORUNDETECT: we set CTRL/STAT.ORUNDETECT at power-up, as OpenOCD's
 * dap_dp_init does. With it, a WAIT or FAULT answer still has its data phase
 * clocked, so a batch of back-to-back transactions stays in step with the
 * target after a failed one, and the target sets STICKYORUN and answers
 * FAULT to (and does not perform) every later transaction of the batch until
 * ABORT.ORUNERRCLR. That makes "everything from the first non-OK ACK on did
 * not happen; clear, then retry from there" exact. Without ORUNDETECT the
 * target would parse a refused write's data phase as new requests.
 *
 * Posted reads: an AP read returns the previous AP read's data; each
 * transaction records where its data phase goes ("dest") and which AP read
 * produced that data ("producer"). A retry restarts from the producer, so
 * the posted value is regenerated rather than trusted (with TAR rewritten
 * first for auto-incrementing MEM-AP accesses).
 */
#include "swd/adi.h"

#include "probe/probe.h"
#include "swd/adi_priv.h"
#include "swd/adi_trace.h"
#include "swd/swd_wire.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define POWERUP_TIMEOUT_MS 100u

void adi_set_detail(struct adi *a, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(a->detail, sizeof(a->detail), fmt, ap);
	va_end(ap);
}

uint64_t adi_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

struct adi *adi_create(struct probe *probe)
{
	/* The dormant wake-up + DPIDR read (266 bits) must fit one batch. */
	if (!probe || probe->max_swd_bits < 320u)
		return NULL;
	struct adi *a = calloc(1, sizeof(*a));
	if (!a)
		return NULL;
	size_t bytes = (probe->max_swd_bits + 7u) / 8u;
	a->bits.dir = calloc(bytes, 1);
	a->bits.out = calloc(bytes, 1);
	a->in = calloc(bytes, 1);
	if (!a->bits.dir || !a->bits.out || !a->in) {
		adi_destroy(a);
		return NULL;
	}
	a->bits.cap_bits = probe->max_swd_bits;
	a->probe = probe;
	a->wait_ms = 500;
	a->max_wait_retries = 5000;
	return a;
}

void adi_destroy(struct adi *a)
{
	if (!a)
		return;
	/* Detach is where a trace reaches the disk (adi_trace.h). */
	adi_set_trace(a, NULL);
	/* The queue and the bit buffers carried image words, credential table
	 * included: wipe them, not just free them. */
	size_t bytes = (a->bits.cap_bits + 7u) / 8u;
	if (a->q)
		explicit_bzero(a->q, a->cap * sizeof(*a->q));
	if (a->bits.dir && a->bits.out && a->in) {
		explicit_bzero(a->bits.out, bytes);
		explicit_bzero(a->in, bytes);
	}
	free(a->q);
	free(a->bits.dir);
	free(a->bits.out);
	free(a->in);
	free(a);
}

void adi_set_wait_budget(struct adi *a, uint32_t wait_ms, uint32_t max_retries)
{
	a->wait_ms = wait_ms;
	a->max_wait_retries = max_retries;
}

uint32_t adi_wait_budget_ms(const struct adi *a)
{
	return a->wait_ms;
}

void adi_set_ap_idle(struct adi *a, uint32_t bits)
{
	a->ap_idle = bits > 64u ? 64u : bits;
}

void adi_invalidate(struct adi *a)
{
	a->select_valid = false;
}

struct probe *adi_probe(const struct adi *a)
{
	return a->probe;
}

void adi_get_stats(const struct adi *a, struct adi_stats *s)
{
	*s = a->stats;
}

const char *adi_last_error_detail(const struct adi *a)
{
	return a ? a->detail : "";
}

size_t adi_queue_length(const struct adi *a)
{
	return a->n;
}

/* ---- helpers ---- */

adi_err adi_dp_read(struct adi *a, uint8_t reg, uint32_t *value)
{
	adi_queue_dp_read(a, reg, value);
	return adi_flush(a);
}

adi_err adi_dp_write(struct adi *a, uint8_t reg, uint32_t value)
{
	adi_queue_dp_write(a, reg, value);
	return adi_flush(a);
}

adi_err adi_ap_read(struct adi *a, uint8_t ap, uint8_t reg, uint32_t *value)
{
	adi_queue_ap_read(a, ap, reg, value);
	return adi_flush(a);
}

adi_err adi_ap_write(struct adi *a, uint8_t ap, uint8_t reg, uint32_t value)
{
	adi_queue_ap_write(a, ap, reg, value);
	return adi_flush(a);
}

adi_err adi_delay_us(struct adi *a, uint32_t us)
{
	adi_err err = adi_flush(a);
	if (err != ADI_OK)
		return err;
	if (probe_wait_us(a->probe, us) != PROBE_OK) {
		adi_set_detail(a, "waiting %u us: %s", (unsigned)us, probe_last_error_detail(a->probe));
		return ADI_ERR_PROBE;
	}
	return ADI_OK;
}

/* One connect attempt: a wake-up sequence then a DPIDR read. */
static adi_err try_dpidr(struct adi *a, bool dormant, uint32_t *dpidr)
{
	swd_bits_reset(&a->bits);
	if (dormant)
		swd_bits_dormant_to_swd(&a->bits);
	else
		swd_bits_jtag_to_swd(&a->bits);
	uint32_t pos = a->bits.nbits;
	swd_bits_read(&a->bits, swd_request(false, true, ADI_DP_DPIDR));
	adi_err err = adi_batch_send(a);
	if (err != ADI_OK)
		return err;
	adi_trace_wakeup(a, dormant, pos);
	uint32_t ack = swd_bits_get(a->in, pos + 8u, 3);
	if (ack == SWD_ACK_NONE) {
		adi_set_detail(a, "no ACK to DPIDR read: no target powered or connected");
		return ADI_ERR_NO_TARGET;
	}
	if (ack != SWD_ACK_OK) {
		adi_set_detail(a, "DPIDR read answered ACK 0x%x", (unsigned)ack);
		return ADI_ERR_PROTOCOL;
	}
	uint32_t d = swd_bits_get(a->in, pos + SWD_READ_DATA_SLOT, 32);
	if (swd_bits_get(a->in, pos + SWD_READ_PARITY_SLOT, 1) != (uint32_t)swd_parity32(d)) {
		adi_set_detail(a, "DPIDR read parity error");
		return ADI_ERR_PARITY;
	}
	*dpidr = d;
	return ADI_OK;
}

adi_err adi_connect(struct adi *a, uint32_t *dpidr_out)
{
	adi_clear_queue(a);
	/* After a line reset SELECT is unknown (OOCD-adi); rewrite it later. */
	adi_invalidate(a);
	uint32_t dpidr = 0;
	adi_err err = ADI_ERR_NO_TARGET;
	/* nRF91 answers after JTAG-to-SWD (DZ-60813); the dormant wake-up is
	 * the ADIv5.2 fallback, tried once, as OpenOCD alternates them. */
	for (int attempt = 0; attempt < 3; attempt++) {
		err = try_dpidr(a, attempt == 1, &dpidr);
		if (err == ADI_OK || err == ADI_ERR_PROBE)
			break;
	}
	if (err != ADI_OK)
		return err;
	if (dpidr_out)
		*dpidr_out = dpidr;
	/* Clear whatever a previous session left sticky. */
	struct txn t = adi_txn_dp(false, ADI_DP_ABORT, ADI_ABORT_ALL_STICKY, NULL);
	err = adi_batch_direct(a, &t, 1);
	if (err != ADI_OK) {
		adi_set_detail(a, "ABORT after connect failed");
		return err;
	}
	/* Power-up request, J-Link's own value 0x50000000 (DZ-60813) plus
	 * ORUNDETECT (see the file comment). */
	uint32_t cs = 0;
	adi_queue_dp_write(a, ADI_DP_SELECT, 0);
	adi_queue_dp_write(a, ADI_DP_CTRL_STAT,
			   ADI_CS_CSYSPWRUPREQ | ADI_CS_CDBGPWRUPREQ | ADI_CS_ORUNDETECT);
	adi_queue_dp_read(a, ADI_DP_CTRL_STAT, &cs);
	err = adi_flush(a);
	uint64_t start = adi_now_ms();
	while (err == ADI_OK) {
		uint32_t acks = ADI_CS_CSYSPWRUPACK | ADI_CS_CDBGPWRUPACK;
		if ((cs & acks) == acks)
			return ADI_OK;
		if (adi_now_ms() - start > POWERUP_TIMEOUT_MS) {
			adi_set_detail(a, "debug power-up not acknowledged (CTRL/STAT 0x%08x)",
				       (unsigned)cs);
			return ADI_ERR_POWERUP;
		}
		err = adi_dp_read(a, ADI_DP_CTRL_STAT, &cs);
	}
	return err;
}

const char *adi_strerror(adi_err err)
{
	switch (err) {
	case ADI_OK:
		return "ok";
	case ADI_ERR_PROBE:
		return "probe failure";
	case ADI_ERR_NO_TARGET:
		return "no target answers on SWD";
	case ADI_ERR_PROTOCOL:
		return "SWD protocol error";
	case ADI_ERR_WAIT_TIMEOUT:
		return "target kept answering WAIT";
	case ADI_ERR_FAULT:
		return "target answered FAULT";
	case ADI_ERR_PARITY:
		return "SWD read parity error";
	case ADI_ERR_POWERUP:
		return "debug power-up failed";
	case ADI_ERR_NOMEM:
		return "out of memory";
	case ADI_ERR_ARG:
		return "invalid argument";
	}
	return "unknown ADI error";
}
