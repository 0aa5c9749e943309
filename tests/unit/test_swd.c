/* SWD wire packing (src/swd/swd_wire.c): request bytes, parity, slot layout. */
#include <criterion/criterion.h>

#include "swd/swd_wire.h"

#include <string.h>

/* nrf91-registers.md §1.2 table. */
static const struct {
	bool ap, read;
	uint8_t addr, byte;
} table[] = {
	{false, false, 0x0, 0x81}, {false, true, 0x0, 0xA5},  {false, false, 0x4, 0xA9},
	{false, true, 0x4, 0x8D},  {false, false, 0x8, 0xB1}, {false, true, 0x8, 0x95},
	{false, true, 0xC, 0xBD},  {false, false, 0xC, 0x99}, {true, false, 0x0, 0xA3},
	{true, true, 0x0, 0x87},   {true, false, 0x4, 0x8B},  {true, true, 0x4, 0xAF},
	{true, false, 0x8, 0x93},  {true, true, 0x8, 0xB7},   {true, false, 0xC, 0xBB},
	{true, true, 0xC, 0x9F},
};

Test(swd, request_bytes_match_every_entry_of_the_nrf91_table)
{
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		cr_expect_eq(swd_request(table[i].ap, table[i].read, table[i].addr), table[i].byte,
			     "ap=%d read=%d addr=%x: got 0x%02x want 0x%02x", table[i].ap,
			     table[i].read, table[i].addr,
			     swd_request(table[i].ap, table[i].read, table[i].addr), table[i].byte);
}

Test(swd, request_byte_ignores_address_bits_outside_a2_a3)
{
	/* Banked AP registers: only A[3:2] go on the wire. */
	cr_expect_eq(swd_request(true, true, 0xFC), swd_request(true, true, 0x0C));
	cr_expect_eq(swd_request(true, false, 0x14), swd_request(true, false, 0x04));
}

Test(swd, data_parity_is_even_parity_of_the_32_bits)
{
	cr_expect_eq(swd_parity32(0), 0);
	cr_expect_eq(swd_parity32(1), 1);
	cr_expect_eq(swd_parity32(0x80000000u), 1);
	cr_expect_eq(swd_parity32(0x3), 0);
	cr_expect_eq(swd_parity32(0xFFFFFFFFu), 0);
	cr_expect_eq(swd_parity32(0x6BA02477u), 1); /* 15 ones */
	cr_expect_eq(swd_parity32(0x50000000u), 0);
}

struct buf {
	uint8_t dir[64], out[64];
	struct swd_bits b;
};

static void buf_init(struct buf *x)
{
	memset(x, 0xAA, sizeof(*x));
	x->b.dir = x->dir;
	x->b.out = x->out;
	x->b.cap_bits = sizeof(x->dir) * 8;
	x->b.nbits = 0;
}

static bool bitat(const uint8_t *a, uint32_t i)
{
	return (a[i / 8] >> (i % 8)) & 1u;
}

Test(swd, read_is_8_driven_request_bits_then_38_input_slots)
{
	struct buf x;
	buf_init(&x);
	swd_bits_read(&x.b, 0xA5);
	cr_assert_eq(x.b.nbits, 46);
	cr_expect_eq(swd_bits_get(x.out, 0, 8), 0xA5);
	for (uint32_t i = 0; i < 8; i++)
		cr_expect(bitat(x.dir, i), "request bit %u driven", i);
	for (uint32_t i = 8; i < 46; i++) {
		cr_expect(!bitat(x.dir, i), "slot %u is input", i);
		cr_expect(!bitat(x.out, i), "slot %u out is 0", i);
	}
}

Test(swd, write_is_request_5_input_slots_then_33_driven_data_and_parity)
{
	struct buf x;
	buf_init(&x);
	swd_bits_write(&x.b, 0xA9, 0x50000001u);
	cr_assert_eq(x.b.nbits, 46);
	cr_expect_eq(swd_bits_get(x.out, 0, 8), 0xA9);
	for (uint32_t i = 8; i < 13; i++)
		cr_expect(!bitat(x.dir, i), "slot %u is input", i);
	for (uint32_t i = 13; i < 46; i++)
		cr_expect(bitat(x.dir, i), "slot %u driven", i);
	cr_expect_eq(swd_bits_get(x.out, 13, 32), 0x50000001u);
	cr_expect_eq(bitat(x.out, 45), 1); /* 0x50000001 has 3 ones: odd -> parity 1 */
}

Test(swd, jtag_to_swd_is_56_ones_e79e_56_ones_8_zeros)
{
	struct buf x;
	buf_init(&x);
	swd_bits_jtag_to_swd(&x.b);
	cr_assert_eq(x.b.nbits, SWD_JTAG_TO_SWD_BITS);
	for (uint32_t i = 0; i < 136; i++)
		cr_expect(bitat(x.dir, i));
	for (uint32_t i = 0; i < 56; i++)
		cr_expect(bitat(x.out, i));
	cr_expect_eq(swd_bits_get(x.out, 56, 16), 0xE79E);
	cr_expect_eq(x.out[7], 0x9E);
	cr_expect_eq(x.out[8], 0xE7);
	for (uint32_t i = 72; i < 128; i++)
		cr_expect(bitat(x.out, i));
	for (uint32_t i = 128; i < 136; i++)
		cr_expect(!bitat(x.out, i));
}

Test(swd, dormant_wakeup_sends_the_selection_alert_and_activation_code)
{
	struct buf x;
	buf_init(&x);
	swd_bits_dormant_to_swd(&x.b);
	cr_assert_eq(x.b.nbits, SWD_DORMANT_TO_SWD_BITS);
	cr_expect_eq(swd_bits_get(x.out, 0, 8), 0xFF);
	cr_expect_eq(swd_bits_get(x.out, 8, 32), 0x6209F392u);
	cr_expect_eq(swd_bits_get(x.out, 8 + 120, 8), 0x19);
	cr_expect_eq(swd_bits_get(x.out, 136, 4), 0);
	cr_expect_eq(swd_bits_get(x.out, 140, 8), 0x1A);
	cr_expect_eq(swd_bits_get(x.out, 148, 32), 0xFFFFFFFFu);
}

Test(swd, bits_never_write_past_capacity)
{
	struct buf x;
	buf_init(&x);
	x.b.cap_bits = 40;
	swd_bits_read(&x.b, 0xA5);
	cr_expect_eq(x.b.nbits, 40);
	cr_expect_eq(x.dir[5], 0xAA); /* untouched beyond 40 bits */
}
