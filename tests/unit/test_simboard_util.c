/* Test helpers for the simulated board (see test_simboard_util.h). */
#include "test_simboard_util.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct tsb T;

void tsb_config_default(struct simboard_config *cfg, enum simboard_part part)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->part = part;
	snprintf(cfg->imei, sizeof(cfg->imei), "352656100367872");
	snprintf(cfg->modem_fw, sizeof(cfg->modem_fw), "mfw_nrf9160_1.3.5");
	cfg->present = true;
	cfg->vtref_mv = 3300;
	cfg->device_id = 0x1122334455667788ull;
	simboard_timing_defaults(&cfg->timing);
	cfg->faults.modem_error_type = -1;
}

void tsb_open(const struct simboard_config *cfg)
{
	snprintf(T.dir, sizeof(T.dir), "/tmp/simboard-test-XXXXXX");
	cr_assert_not_null(mkdtemp(T.dir));
	snprintf(T.path, sizeof(T.path), "%s/board.state", T.dir);
	T.cfg = *cfg;
	T.now = 1000;
	T.b = simboard_open(cfg, T.path);
	cr_assert_not_null(T.b, "simboard_open failed");
}

void tsb_reopen(const struct simboard_config *cfg)
{
	simboard_close(T.b);
	T.b = simboard_open(cfg, T.path);
	cr_assert_not_null(T.b, "simboard_open (reopen) failed");
}

void tsb_teardown(void)
{
	if (T.b)
		simboard_close(T.b);
	T.b = NULL;
	unlink(T.path);
	rmdir(T.dir);
}

void q_init(struct swdq *q)
{
	memset(q, 0, sizeof(*q));
}

void q_bits(struct swdq *q, bool drive, uint64_t value, unsigned n)
{
	for (unsigned i = 0; i < n; i++, q->n++) {
		cr_assert_lt(q->n / 8, sizeof(q->dir));
		uint8_t m = (uint8_t)(1u << (q->n % 8));
		if (drive)
			q->dir[q->n / 8] |= m;
		if (drive && ((value >> i) & 1u))
			q->out[q->n / 8] |= m;
	}
}

void q_line_reset(struct swdq *q)
{
	q_bits(q, true, ~0ull, 56);
	q_bits(q, true, 0, 8);
}

void q_jtag_to_swd(struct swdq *q)
{
	q_bits(q, true, ~0ull, 56);
	q_bits(q, true, 0xE79E, 16);
	q_bits(q, true, ~0ull, 56);
	q_bits(q, true, 0, 8);
}

void q_idle(struct swdq *q, unsigned n)
{
	q_bits(q, true, 0, n);
}

uint8_t q_request_byte(bool ap, bool read, unsigned a)
{
	unsigned a2 = (a >> 2) & 1u, a3 = (a >> 3) & 1u;
	unsigned par = (unsigned)ap ^ (unsigned)read ^ a2 ^ a3;
	return (uint8_t)(1u | (unsigned)ap << 1 | (unsigned)read << 2 | a2 << 3 | a3 << 4 |
			 par << 5 | 1u << 7);
}

unsigned q_txn(struct swdq *q, bool ap, bool read, unsigned a, uint32_t wdata, bool bad_parity)
{
	cr_assert_lt(q->nt, 128u);
	unsigned idx = q->nt++;
	q->t[idx].pos = q->n;
	q->t[idx].read = read;
	q_bits(q, true, q_request_byte(ap, read, a), 8);
	if (read) {
		q_bits(q, false, 0, 38);
	} else {
		q_bits(q, false, 0, 5);
		unsigned par = (unsigned)__builtin_parity(wdata) ^ (bad_parity ? 1u : 0u);
		q_bits(q, true, (uint64_t)wdata | (uint64_t)par << 32, 33);
	}
	return idx;
}

void q_run(struct swdq *q)
{
	memset(q->in, 0xA5, sizeof(q->in)); /* the board must write every bit */
	simboard_swd_io(T.b, q->dir, q->out, q->in, q->n, T.now, NS_PER_BIT);
	T.now += (uint64_t)q->n * NS_PER_BIT;
}

static unsigned in_bit(const struct swdq *q, uint32_t pos)
{
	return (q->in[pos / 8] >> (pos % 8)) & 1u;
}

unsigned q_ack(const struct swdq *q, unsigned idx)
{
	uint32_t p = q->t[idx].pos + 8;
	return in_bit(q, p) | in_bit(q, p + 1) << 1 | in_bit(q, p + 2) << 2;
}

uint32_t q_data(const struct swdq *q, unsigned idx)
{
	uint32_t v = 0, p = q->t[idx].pos + 11;
	for (unsigned i = 0; i < 32; i++)
		v |= (uint32_t)in_bit(q, p + i) << i;
	return v;
}

bool q_parity_ok(const struct swdq *q, unsigned idx)
{
	uint32_t p = q->t[idx].pos + 11 + 32;
	return (unsigned)__builtin_parity(q_data(q, idx)) == in_bit(q, p);
}

static unsigned one(bool ap, bool read, unsigned a, uint32_t *v, uint32_t wdata)
{
	struct swdq q;
	q_init(&q);
	unsigned i = q_txn(&q, ap, read, a, wdata, false);
	q_idle(&q, 8);
	q_run(&q);
	unsigned ack = q_ack(&q, i);
	if (read && v) {
		*v = q_data(&q, i);
		if (ack == 1)
			cr_assert(q_parity_ok(&q, i), "read data parity");
	}
	return ack;
}

unsigned dp_rd(unsigned a, uint32_t *v)
{
	return one(false, true, a, v, 0);
}

unsigned dp_wr(unsigned a, uint32_t v)
{
	return one(false, false, a, NULL, v);
}

unsigned ap_rd(unsigned a, uint32_t *v)
{
	return one(true, true, a, v, 0);
}

unsigned ap_wr(unsigned a, uint32_t v)
{
	return one(true, false, a, NULL, v);
}

void swd_connect(void)
{
	struct swdq q;
	q_init(&q);
	q_line_reset(&q);
	unsigned i = q_txn(&q, false, true, 0, 0, false);
	q_idle(&q, 8);
	q_run(&q);
	cr_assert_eq(q_ack(&q, i), 1u, "DPIDR ack");
	cr_assert_eq(q_data(&q, i), 0x6BA02477u);
	cr_assert_eq(dp_wr(0x0, 0x1E), 1u);
	cr_assert_eq(dp_wr(0x8, 0), 1u);
	cr_assert_eq(dp_wr(0x4, 0x50000000), 1u);
	uint32_t cs = 0;
	cr_assert_eq(dp_rd(0x4, &cs), 1u);
	cr_assert_eq(cs & 0xA0000000u, 0xA0000000u, "power-up acks");
}

void ap_select(unsigned apsel, unsigned bank)
{
	cr_assert_eq(dp_wr(0x8, apsel << 24 | (bank & 0xFu) << 4), 1u);
}

unsigned mem_wr_ack(uint32_t addr, uint32_t v)
{
	ap_select(0, 0);
	cr_assert_eq(ap_wr(0x0, 0xA2000012u), 1u);
	cr_assert_eq(ap_wr(0x4, addr), 1u);
	return ap_wr(0xC, v);
}

void mem_wr(uint32_t addr, uint32_t v)
{
	cr_assert_eq(mem_wr_ack(addr, v), 1u, "DRW write to 0x%08x", addr);
	uint32_t cs = 0;
	cr_assert_eq(dp_rd(0x4, &cs), 1u);
	cr_assert_eq(cs & 0xA2u, 0u, "no sticky error after write to 0x%08x (0x%08x)", addr, cs);
}

uint32_t mem_rd(uint32_t addr)
{
	uint32_t v = 0;
	ap_select(0, 0);
	cr_assert_eq(ap_wr(0x0, 0xA2000012u), 1u);
	cr_assert_eq(ap_wr(0x4, addr), 1u);
	cr_assert_eq(ap_rd(0xC, &v), 1u, "DRW read of 0x%08x", addr);
	cr_assert_eq(dp_rd(0xC, &v), 1u, "RDBUFF after 0x%08x", addr);
	return v;
}

void advance_ms(uint64_t ms)
{
	T.now += ms * 1000000u;
	simboard_advance(T.b, T.now);
}
