/* SWD bit packing; sequences from OpenOCD src/jtag/swd.h (nrf91-registers.md §1.1). */
#include "swd/swd_wire.h"

uint8_t swd_request(bool ap, bool read, uint8_t addr)
{
	uint8_t a2 = (addr >> 2) & 1u, a3 = (addr >> 3) & 1u;
	uint8_t par = (uint8_t)(ap ^ read ^ a2 ^ a3);
	return (uint8_t)(0x01u | (ap ? 0x02u : 0) | (read ? 0x04u : 0) | (a2 << 3) | (a3 << 4) |
			 (par << 5) | 0x80u);
}

bool swd_parity32(uint32_t v)
{
	v ^= v >> 16;
	v ^= v >> 8;
	v ^= v >> 4;
	v ^= v >> 2;
	v ^= v >> 1;
	return v & 1u;
}

void swd_bits_reset(struct swd_bits *b)
{
	b->nbits = 0;
}

/* Appends n (<= 32) cycles, all driven with value's low bits or all input
 * slots (out 0), a byte at a time: one bit at a time was the host's largest
 * cost in building a batch (tools/bench callgrind). Never past the arrays:
 * callers size batches first. */
static void put_bits(struct swd_bits *b, bool drive, uint32_t value, uint32_t n)
{
	uint32_t room = b->nbits < b->cap_bits ? b->cap_bits - b->nbits : 0;
	if (n > room)
		n = room;
	uint32_t v = drive ? value : 0;
	uint32_t i = b->nbits;
	while (n > 0) {
		uint32_t off = i % 8u, take = 8u - off < n ? 8u - off : n;
		uint8_t m = (uint8_t)(((1u << take) - 1u) << off);
		uint8_t bits = (uint8_t)((v << off) & m);
		uint8_t *d = &b->dir[i / 8u], *o = &b->out[i / 8u];
		*d = drive ? (uint8_t)(*d | m) : (uint8_t)(*d & ~m);
		*o = (uint8_t)((*o & ~m) | bits);
		v >>= take;
		n -= take;
		i += take;
	}
	b->nbits = i;
}

/* n cycles of the same kind, 32 at a time. */
static void put_run(struct swd_bits *b, bool drive, bool value, uint32_t n)
{
	while (n > 0) {
		uint32_t k = n < 32u ? n : 32u;
		put_bits(b, drive, value ? 0xFFFFFFFFu : 0u, k);
		n -= k;
	}
}

void swd_bits_drive(struct swd_bits *b, uint32_t value, uint32_t n)
{
	put_bits(b, true, value, n < 32u ? n : 32u);
}

void swd_bits_input(struct swd_bits *b, uint32_t n)
{
	put_run(b, false, false, n);
}

void swd_bits_idle(struct swd_bits *b, uint32_t n)
{
	put_run(b, true, false, n);
}

void swd_bits_read(struct swd_bits *b, uint8_t request)
{
	swd_bits_drive(b, request, 8);
	swd_bits_input(b, 38);
}

void swd_bits_write(struct swd_bits *b, uint8_t request, uint32_t value)
{
	swd_bits_drive(b, request, 8);
	swd_bits_input(b, 5);
	swd_bits_drive(b, value, 32);
	swd_bits_drive(b, swd_parity32(value), 1);
}

static void ones(struct swd_bits *b, uint32_t n)
{
	put_run(b, true, true, n);
}

void swd_bits_line_reset(struct swd_bits *b)
{
	ones(b, 56);
	swd_bits_idle(b, 8);
}

void swd_bits_jtag_to_swd(struct swd_bits *b)
{
	ones(b, 56);
	swd_bits_drive(b, 0xE79Eu, 16);
	ones(b, 56);
	swd_bits_idle(b, 8);
}

void swd_bits_dormant_to_swd(struct swd_bits *b)
{
	/* Selection alert (ADIv5.2 B5.3.4), LSB-first bytes, then activation
	 * code 0x1A for SW-DP, then a line reset. */
	static const uint8_t alert[16] = {0x92, 0xF3, 0x09, 0x62, 0x95, 0x2D, 0x85, 0x86,
					  0xE9, 0xAF, 0xDD, 0xE3, 0xA2, 0x0E, 0xBC, 0x19};
	ones(b, 8);
	for (unsigned i = 0; i < sizeof(alert); i++)
		swd_bits_drive(b, alert[i], 8);
	swd_bits_idle(b, 4);
	swd_bits_drive(b, 0x1Au, 8);
	swd_bits_line_reset(b);
}

uint32_t swd_bits_get(const uint8_t *buf, uint32_t pos, uint32_t n)
{
	uint32_t v = 0;
	for (uint32_t i = 0; i < n && i < 32u; i++) {
		uint32_t bit = pos + i;
		if (buf[bit / 8u] & (1u << (bit % 8u)))
			v |= 1u << i;
	}
	return v;
}
