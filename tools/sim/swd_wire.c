/*
 * SWD wire decoder of the simulated nRF91: one call per SWCLK cycle, state
 * kept across calls so a packet may span several J-Link SWD I/O commands.
 *
 * Slot convention (jlink.md 4, OpenOCD jlink.c): 8 host-driven
 * request bits; read: ACK in the next 3 slots, 32 data bits + parity driven
 * by the board, 2 trailing slots nobody drives; write: ACK in 3 slots, 2
 * turnaround slots, 33 host-driven data + parity bits. Undriven slots read 1
 * (SWDIO pull-up, nrf91-registers.md 1.1).
 *
 * Simulator choice: while idle, only a host-driven 1 counts as a start bit.
 * A real target would take the pulled-up level as a start bit too, but hosts
 * that follow the convention above leave the line undriven after a WAIT/FAULT
 * read ACK, and the real part's sampling in those slots is unknown.
 */
#include "board_impl.h"

#define LINE_RESET_ONES 50u
/* SWD-to-dormant select sequence, LSB first (nrf91-registers.md 1.1). */
#define SEQ_SWD_TO_DORMANT 0xE3BCu
#define SEQ_INACTIVE	   0xFFu
/* Selection alert 92 F3 09 62 95 2D 85 86 E9 AF DD E3 A2 0E BC 19, LSB first. */
#define ALERT_LO       0x86852D956209F392ull
#define ALERT_HI       0x19BC0EA2E3DDAFE9ull
#define ACTIVATION_SWD 0x1Au

void swd_wire_init(struct swd_wire *w)
{
	*w = (struct swd_wire){0};
	/* Power-on: the DP waits for a line reset before answering. */
	w->phase = SWD_PH_LOCKOUT;
	w->seq_count = SEQ_INACTIVE;
}

static unsigned parity32(uint32_t v)
{
	return (unsigned)__builtin_parity(v);
}

static void dormant_bit(struct swd_wire *w, int v)
{
	if (w->act_count > 0) {
		w->act_bits |= (uint32_t)v << (w->act_count - 1);
		if (++w->act_count > 12) {
			/* 4 low cycles, then the 8-bit activation code. */
			if (w->act_bits == (ACTIVATION_SWD << 4))
				w->phase = SWD_PH_LOCKOUT; /* SWD selected: line reset next */
			w->act_count = 0;
			w->act_bits = 0;
		}
		return;
	}
	w->alert_lo = (w->alert_lo >> 1) | (w->alert_hi << 63);
	w->alert_hi = (w->alert_hi >> 1) | ((uint64_t)v << 63);
	if (w->alert_lo == ALERT_LO && w->alert_hi == ALERT_HI) {
		w->act_count = 1;
		w->act_bits = 0;
		w->alert_lo = w->alert_hi = 0;
	}
}

/* Tracks the 16 bits after a line reset for the SWD-to-dormant sequence. */
static void special_sequence_bit(struct swd_wire *w, bool drives, int bit)
{
	if (!drives) {
		w->seq_count = SEQ_INACTIVE;
		return;
	}
	if (bit == 0 && w->ones >= LINE_RESET_ONES) {
		w->seq_count = 0;
		w->seq_bits = 0;
	}
	if (w->seq_count == SEQ_INACTIVE)
		return;
	w->seq_bits |= (uint32_t)bit << w->seq_count;
	if (++w->seq_count == 16) {
		if (w->seq_bits == SEQ_SWD_TO_DORMANT) {
			w->phase = SWD_PH_DORMANT;
			w->act_count = 0;
			w->alert_lo = w->alert_hi = 0;
		}
		w->seq_count = SEQ_INACTIVE;
	}
}

static bool request_valid(uint8_t r)
{
	unsigned par = ((r >> 1) ^ (r >> 2) ^ (r >> 3) ^ (r >> 4)) & 1u;
	return (r & 0x01) && ((r >> 5) & 1u) == par && !(r & 0x40) && (r & 0x80);
}

static bool request_is_read(uint8_t r)
{
	return (r & 0x04) != 0;
}

static bool request_is_targetsel(uint8_t r)
{
	/* DP (APnDP=0), write (RnW=0), A[3:2] = 3 */
	return (r & 0x1E) == 0x18;
}

static void on_request(struct simboard *b, uint64_t now_ns)
{
	struct swd_wire *w = &b->wire;
	uint8_t r = (uint8_t)w->shift;
	w->request = r;
	if (!request_valid(r)) {
		/* Protocol error: no response, silent until a line reset. */
		b->ctr.protocol_errors++;
		w->phase = SWD_PH_LOCKOUT;
		return;
	}
	b->ctr.swd_transactions++;
	board_advance_to(b, now_ns);
	/* TARGETSEL is only meaningful right after a line reset (ADIv5.2);
	 * its data phase is taken although the target never drives an ACK. */
	w->targetsel = request_is_targetsel(r) && b->dap.reset_state && !b->dap.deselected;
	uint32_t rdata = 0;
	bool bad_parity = false;
	unsigned ack = dap_request(b, r, &rdata, &bad_parity);
	if (ack == SWD_ACK_NONE && !w->targetsel) {
		w->phase = SWD_PH_LOCKOUT;
		return;
	}
	w->ack = (uint8_t)ack;
	w->rdata = rdata | (uint64_t)(parity32(rdata) ^ (bad_parity ? 1u : 0u)) << 32;
	w->phase = SWD_PH_ACK;
	w->count = 0;
}

static void after_ack(struct simboard *b)
{
	struct swd_wire *w = &b->wire;
	w->count = 0;
	w->shift = 0;
	if (request_is_read(w->request)) {
		w->phase = w->ack == SWD_ACK_OK ? SWD_PH_RDATA : SWD_PH_IDLE;
		return;
	}
	if (w->ack == SWD_ACK_OK || w->targetsel) {
		w->write_ok = true;
		w->phase = SWD_PH_TRN;
	} else if (b->dap.ctrl_stat & DP_CTRL_ORUNDETECT) {
		/* ADIv5: with overrun detection the data phase is clocked even
		 * after WAIT/FAULT; consume it (jlink.md 4). */
		w->write_ok = false;
		w->phase = SWD_PH_TRN;
	} else {
		w->phase = SWD_PH_IDLE;
	}
}

int swd_wire_clock(struct simboard *b, bool drives, int bit, uint64_t now_ns)
{
	struct swd_wire *w = &b->wire;
	int line = drives ? bit : 1;

	if (w->phase != SWD_PH_DORMANT) {
		special_sequence_bit(w, drives, bit);
		if (w->phase == SWD_PH_DORMANT)
			return line;
	}
	if (drives && bit) {
		if (w->ones < LINE_RESET_ONES * 4)
			w->ones++;
		if (w->ones == LINE_RESET_ONES && w->phase != SWD_PH_DORMANT) {
			w->phase = SWD_PH_IDLE;
			w->count = 0;
			dap_line_reset(b);
			return line;
		}
	} else {
		w->ones = 0;
	}

	switch (w->phase) {
	case SWD_PH_DORMANT:
		dormant_bit(w, line);
		return line;
	case SWD_PH_LOCKOUT:
		return line;
	case SWD_PH_IDLE:
		if (drives && bit && w->ones < LINE_RESET_ONES) {
			w->phase = SWD_PH_REQUEST;
			w->shift = 1;
			w->count = 1;
		}
		return line;
	case SWD_PH_REQUEST:
		w->shift |= (uint64_t)(line & 1) << w->count;
		if (++w->count == 8)
			on_request(b, now_ns);
		return line;
	case SWD_PH_ACK: {
		int v = w->ack == SWD_ACK_NONE ? line : (int)((w->ack >> w->count) & 1u);
		if (++w->count == 3)
			after_ack(b);
		return v;
	}
	case SWD_PH_RDATA: {
		int v = (int)((w->rdata >> w->count) & 1u);
		if (++w->count == 33) {
			w->phase = SWD_PH_IDLE;
			w->count = 0;
		}
		return v;
	}
	case SWD_PH_TRN:
		if (++w->count == 2) {
			w->phase = SWD_PH_WDATA;
			w->count = 0;
			w->shift = 0;
		}
		return line;
	case SWD_PH_WDATA:
		w->shift |= (uint64_t)(line & 1) << w->count;
		if (++w->count == 33) {
			uint32_t data = (uint32_t)w->shift;
			bool parity_ok = parity32(data) == ((w->shift >> 32) & 1u);
			w->phase = SWD_PH_IDLE;
			w->count = 0;
			if (w->write_ok) {
				board_advance_to(b, now_ns);
				dap_write_data(b, w->request, data, parity_ok);
			}
		}
		return line;
	}
	return line;
}

/* ---- several cycles at once
 *
 * The per-bit decoder above cost ~85 host instructions per SWD cycle, the
 * largest part of the simulator's own time for a flash loader run (6.3 M
 * cycles per reference board, tools/bench callgrind). Within one phase and
 * away from the line-reset and special-sequence rules, a run of cycles only
 * moves bits in or out and counts consecutive host-driven ones; that is done
 * here a run at a time. The phase's last bit still acts at its own time
 * (request decoding, the write data reaching the DAP). */

static uint64_t vec_bits(const uint8_t *v, uint32_t i, unsigned k)
{
	/* k <= 56: i % 8 + k bits fit in the 8 bytes read. */
	uint32_t first = i / 8, last = (i + k - 1) / 8;
	uint64_t x = 0;
	for (uint32_t j = first; j <= last; j++)
		x |= (uint64_t)v[j] << (8 * (j - first));
	return (x >> (i % 8)) & ((UINT64_C(1) << k) - 1);
}

static void vec_put(uint8_t *v, uint32_t i, unsigned k, uint64_t bits)
{
	while (k > 0) {
		unsigned at = i % 8, n = 8 - at < k ? 8 - at : k;
		uint8_t mask = (uint8_t)(((1u << n) - 1u) << at);
		v[i / 8] = (uint8_t)((v[i / 8] & ~mask) | (((unsigned)bits << at) & mask));
		bits >>= n;
		i += n;
		k -= n;
	}
}

/* Consecutive host-driven ones after k cycles whose driven ones are m. */
static unsigned ones_after(unsigned ones, uint64_t m, unsigned k)
{
	uint64_t all = (UINT64_C(1) << k) - 1;
	uint64_t zeros = ~m & all;
	if (zeros == 0)
		return ones + k;
	return k - 1u - (unsigned)(63 - __builtin_clzll(zeros));
}

uint32_t swd_wire_run(struct simboard *b, const uint8_t *dir, const uint8_t *out, uint8_t *in,
		      uint32_t i, uint32_t nbits, uint64_t start_ns, uint32_t ns_per_bit)
{
	struct swd_wire *w = &b->wire;
	/* Below LINE_RESET_ONES consecutive ones no line reset can complete
	 * and no special sequence can start (both need 50 ones first). */
	if (w->seq_count != SEQ_INACTIVE || w->ones >= LINE_RESET_ONES - 1u)
		return 0;
	unsigned room;
	switch (w->phase) {
	case SWD_PH_IDLE:
		room = 56;
		break;
	case SWD_PH_REQUEST:
		room = 8 - w->count;
		break;
	case SWD_PH_ACK:
		room = 3 - w->count;
		break;
	case SWD_PH_TRN:
		room = 2 - w->count;
		break;
	case SWD_PH_RDATA:
	case SWD_PH_WDATA:
		room = 33 - w->count;
		break;
	default:
		return 0; /* dormant, lockout: per bit */
	}
	unsigned k = room;
	if (k > nbits - i)
		k = nbits - i;
	if (k > LINE_RESET_ONES - 1u - w->ones)
		k = LINE_RESET_ONES - 1u - w->ones;
	uint64_t d = vec_bits(dir, i, k), o = vec_bits(out, i, k);
	uint64_t all = (UINT64_C(1) << k) - 1;
	uint64_t line = (~d | o) & all; /* undriven slots read 1 */
	uint64_t m = d & o;		 /* host-driven ones */
	if (w->phase == SWD_PH_IDLE) {
		/* Idle until the first host-driven one, the start bit, which
		 * swd_wire_clock takes. */
		if (m)
			k = (unsigned)__builtin_ctzll(m);
		if (k == 0)
			return 0;
		all = (UINT64_C(1) << k) - 1;
		w->ones = 0;
		vec_put(in, i, k, line & all);
		return k;
	}
	w->ones = ones_after(w->ones, m, k);
	uint64_t level = line;
	uint64_t t_last = start_ns + (uint64_t)(i + k - 1) * ns_per_bit;
	switch (w->phase) {
	case SWD_PH_REQUEST:
		w->shift |= line << w->count;
		w->count += k;
		if (w->count == 8)
			on_request(b, t_last);
		break;
	case SWD_PH_ACK:
		if (w->ack != SWD_ACK_NONE)
			level = ((uint64_t)w->ack >> w->count) & all;
		w->count += k;
		if (w->count == 3)
			after_ack(b);
		break;
	case SWD_PH_TRN:
		w->count += k;
		if (w->count == 2) {
			w->phase = SWD_PH_WDATA;
			w->count = 0;
			w->shift = 0;
		}
		break;
	case SWD_PH_RDATA:
		level = (w->rdata >> w->count) & all;
		w->count += k;
		if (w->count == 33) {
			w->phase = SWD_PH_IDLE;
			w->count = 0;
		}
		break;
	default: /* SWD_PH_WDATA */
		w->shift |= line << w->count;
		w->count += k;
		if (w->count == 33) {
			uint32_t data = (uint32_t)w->shift;
			bool parity_ok = parity32(data) == ((w->shift >> 32) & 1u);
			w->phase = SWD_PH_IDLE;
			w->count = 0;
			if (w->write_ok) {
				board_advance_to(b, t_last);
				dap_write_data(b, w->request, data, parity_ok);
			}
		}
		break;
	}
	vec_put(in, i, k, level);
	return k;
}
