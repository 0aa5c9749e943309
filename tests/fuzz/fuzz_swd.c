/* libFuzzer target: the host's decoding of the probe's SWD replies
 * (src/swd/adi.c, memap.c, swd_wire.c): a script of queued DP/AP/memory
 * accesses, flushes, block transfers and connects, against a test-only probe
 * backend whose "in" bits come from the fuzzer. Whatever comes back, the
 * layer must stay inside its buffers, write only to the destinations it was
 * given, and finish (bounded WAIT / parity / FAULT retries).
 *
 * Input layout:
 *   byte 0  flags: bit 0 = replies come from the scripted SW-DP model of the
 *           unit tests (tests/unit/probe_fakedp.c) with fuzzer bytes XORed
 *           on top, else the fuzzer bytes are the reply; bit 1 = once the
 *           reply bytes run out the probe fails (USB error), else nobody
 *           drives SWDIO (all ones) / the model answers cleanly; bit 2 =
 *           an SWD trace (adi_trace.c) decodes every round trip too
 *   byte 1  probe buffer: 320 + 64 * byte bits
 *   byte 2  number of script steps (each 6 bytes: op, arg, u32 value)
 *   byte 3  AP idle cycles after each AP access
 *   then the script, then the reply stream.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probe/probe.h"
#include "swd/adi.h"
#include "swd/adi_trace.h"
#include "swd/memap.h"

#include "../unit/probe_fakedp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_STEPS 48u
#define BLOCK_MAX 1536u

struct fuzz_probe {
	struct fakedp *model; /* reply model, or NULL: raw fuzzer bytes */
	const struct probe_ops *model_ops;
	const uint8_t *reply;
	size_t reply_len;
	size_t reply_pos;
	bool fail_when_empty;
};

static probe_err fuzz_io(struct probe *p, const uint8_t *dir, const uint8_t *out, uint8_t *in,
			 uint32_t nbits)
{
	struct fuzz_probe *fp = p->backend;
	size_t n = (nbits + 7u) / 8u;

	if (fp->reply_pos >= fp->reply_len && fp->fail_when_empty) {
		probe_set_detail(p, "fuzz probe: reply stream ended");
		return PROBE_ERR_USB;
	}
	if (fp->model) {
		probe_err e = fp->model_ops->swd_io(&fp->model->probe, dir, out, in, nbits);
		if (e != PROBE_OK)
			return e;
		for (size_t i = 0; i < n && fp->reply_pos < fp->reply_len; i++)
			in[i] ^= fp->reply[fp->reply_pos++];
		return PROBE_OK;
	}
	for (size_t i = 0; i < n; i++)
		in[i] = fp->reply_pos < fp->reply_len ? fp->reply[fp->reply_pos++] : 0xFFu;
	return PROBE_OK;
}

/* No clock to move: waiting costs the fuzzer nothing. */
static probe_err fuzz_wait(struct probe *p, uint32_t us)
{
	(void)p;
	(void)us;
	return PROBE_OK;
}

static const struct probe_ops fuzz_ops = {.swd_io = fuzz_io, .wait_us = fuzz_wait};

static uint32_t get_u32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Where reads land (one word per step) and block transfers' buffer. */
struct sink {
	uint32_t words[MAX_STEPS];
	uint8_t block[BLOCK_MAX];
};

static void run_step(struct adi *a, struct memap *m, struct sink *s, unsigned i,
		     const uint8_t *step)
{
	uint8_t op = step[0] % 14u, arg = step[1];
	uint32_t v = get_u32(step + 2);
	uint8_t u8;

	switch (op) {
	case 0:
		adi_queue_dp_read(a, arg & 0x0Cu, &s->words[i]);
		break;
	case 1:
		adi_queue_dp_write(a, arg & 0x0Cu, v);
		break;
	case 2:
		adi_queue_ap_read(a, arg & 0x07u, (uint8_t)(v & 0xFCu), &s->words[i]);
		break;
	case 3:
		adi_queue_ap_write(a, arg & 0x07u, (uint8_t)(arg & 0xF0u), v);
		break;
	case 4:
		adi_queue_mem_read(a, 0, v, (arg & 1) ? NULL : &s->words[i]);
		break;
	case 5:
		adi_queue_mem_write(a, 0, v, v ^ 0x5A5A5A5Au);
		break;
	case 6:
		adi_queue_idle(a, v & 0xFFFFu);
		break;
	case 7:
		(void)adi_flush(a);
		break;
	case 8:
		(void)memap_read_block(m, v, s->block, (size_t)arg * 6u);
		break;
	case 9:
		(void)memap_write_block(m, v, s->block, (size_t)arg * 6u);
		break;
	case 10:
		(void)adi_connect(a, (arg & 1) ? NULL : &s->words[i]);
		break;
	case 11:
		(void)adi_delay_us(a, v & 0x3FFu);
		break;
	case 12:
		(void)memap_read_u8(m, v, &u8);
		break;
	default:
		(void)memap_read_u32(m, v, &s->words[i]);
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 4)
		return 0;
	uint8_t flags = data[0];
	uint32_t max_bits = 320u + 64u * data[1];
	unsigned steps = data[2] % (MAX_STEPS + 1u);
	uint8_t ap_idle = data[3];
	size_t script_len = (size_t)steps * 6u;
	if (size - 4 < script_len)
		return 0;

	struct fuzz_probe fp = {
		.reply = data + 4 + script_len,
		.reply_len = size - 4 - script_len,
		.fail_when_empty = (flags & 2) != 0,
	};
	struct probe probe = {
		.ops = &fuzz_ops,
		.backend = &fp,
		.max_swd_bits = max_bits,
		.speed_khz = 4000,
	};
	if (flags & 1) {
		fp.model = fakedp_create(max_bits);
		if (!fp.model)
			return 0;
		fp.model_ops = fp.model->probe.ops;
	}
	struct adi *a = adi_create(&probe);
	if (!a)
		abort(); /* 320 bits and up must be accepted */
	/* A small WAIT budget keeps each input quick; the bound is what is
	 * under test, not its size. */
	adi_set_wait_budget(a, 2, 40);
	adi_set_ap_idle(a, ap_idle);
	struct memap m;
	memap_init(&m, a, 0);
	/* The trace reads the same reply bits and the queue's bookkeeping: it
	 * must survive whatever the flush survives. */
	struct adi_trace *trace = NULL;
	if (flags & 4) {
		FILE *null = fopen("/dev/null", "w");
		if (null && adi_trace_create(null, &trace) == ADI_TRACE_OK) {
			(void)adi_trace_redact(trace, 0x20000000u, 0x100u, "fuzz");
			adi_set_trace(a, trace);
		} else if (null) {
			fclose(null);
		}
	}

	static struct sink s;
	for (unsigned i = 0; i < steps; i++)
		run_step(a, &m, &s, i, data + 4 + 6u * i);
	(void)adi_flush(a);
	if (adi_queue_length(a) != 0)
		abort(); /* the queue is empty after every flush */
	adi_destroy(a);
	(void)adi_trace_close(trace);
	if (fp.model)
		probe_close(&fp.model->probe);
	return 0;
}
