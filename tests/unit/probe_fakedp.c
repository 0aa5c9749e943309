/* Scripted SW-DP model for unit tests; see probe_fakedp.h. */
#include "probe_fakedp.h"

#include "swd/swd_wire.h"

#include <stdlib.h>
#include <string.h>

static bool bit(const uint8_t *a, uint32_t i)
{
	return (a[i / 8] >> (i % 8)) & 1u;
}

static void setbit(uint8_t *a, uint32_t i, bool v)
{
	if (v)
		a[i / 8] |= (uint8_t)(1u << (i % 8));
	else
		a[i / 8] &= (uint8_t) ~(1u << (i % 8));
}

static uint32_t mem_get(struct fakedp *f, uint32_t addr)
{
	if (addr < FAKEDP_MEM_BASE || addr - FAKEDP_MEM_BASE + 4 > FAKEDP_MEM_SIZE)
		return 0xDEADBEEF;
	uint32_t v;
	memcpy(&v, &f->mem[addr - FAKEDP_MEM_BASE], 4);
	return v;
}

static void mem_put(struct fakedp *f, uint32_t addr, uint32_t v)
{
	if (addr < FAKEDP_MEM_BASE || addr - FAKEDP_MEM_BASE + 4 > FAKEDP_MEM_SIZE)
		return;
	memcpy(&f->mem[addr - FAKEDP_MEM_BASE], &v, 4);
}

static uint32_t ap_reg(uint8_t req, uint32_t select)
{
	return (select & 0xF0u) | ((req >> 1) & 0x0Cu);
}

static void tar_step(struct fakedp *f)
{
	uint32_t size = 1u << (f->csw & 7u);
	if (f->csw & 0x10u)
		f->tar = (f->tar & ~0x3FFu) | ((f->tar + size) & 0x3FFu); /* 1 KB wrap */
}

static uint32_t do_read(struct fakedp *f, uint8_t req)
{
	bool ap = req & 0x02u;
	uint32_t a = (req >> 1) & 0x0Cu;
	if (!ap) {
		if (a == 0x0)
			return 0x6BA02477u;
		if (a == 0x4) {
			uint32_t cs = f->ctrl_stat;
			if (cs & (1u << 28))
				cs |= 1u << 29;
			if (cs & (1u << 30))
				cs |= 1u << 31;
			return cs | f->sticky;
		}
		return f->rdbuf; /* RDBUFF / RESEND */
	}
	uint32_t prev = f->rdbuf;
	uint8_t apsel = (uint8_t)(f->select >> 24);
	uint32_t reg = ap_reg(req, f->select);
	uint32_t v = 0;
	if (apsel == 0) {
		if (reg == 0x00)
			v = f->csw;
		else if (reg == 0x04)
			v = f->tar;
		else if (reg == 0x0C) {
			if (f->bus_error_addr && f->tar == f->bus_error_addr)
				f->sticky |= 0x20u;
			v = mem_get(f, f->tar & ~3u); /* the whole bus word; lanes by address */
			tar_step(f);
		} else if (reg == 0xFC)
			v = 0x84770001u;
	} else if (apsel == 4) {
		v = reg == 0xFC ? f->ctrlap_idr : f->ctrlap[reg / 4];
	}
	f->rdbuf = v;
	return prev;
}

static void do_write(struct fakedp *f, uint8_t req, uint32_t data)
{
	bool ap = req & 0x02u;
	uint32_t a = (req >> 1) & 0x0Cu;
	if (!ap) {
		if (a == 0x0) {
			if (data & 0x10u)
				f->sticky &= ~0x02u; /* ORUNERRCLR */
			if (data & 0x04u)
				f->sticky &= ~0x20u; /* STKERRCLR */
			if (data & 0x08u)
				f->sticky &= ~0x80u; /* WDERRCLR */
		} else if (a == 0x4)
			f->ctrl_stat = data;
		else if (a == 0x8)
			f->select = data;
		return;
	}
	uint8_t apsel = (uint8_t)(f->select >> 24);
	uint32_t reg = ap_reg(req, f->select);
	if (apsel == 0) {
		if (reg == 0x00)
			f->csw = data;
		else if (reg == 0x04)
			f->tar = data;
		else if (reg == 0x0C) {
			if (f->bus_error_addr && f->tar == f->bus_error_addr)
				f->sticky |= 0x20u;
			else if ((f->csw & 7u) == 0) {
				uint32_t w = mem_get(f, f->tar & ~3u), sh = 8u * (f->tar & 3u);
				w = (w & ~(0xFFu << sh)) | (data & (0xFFu << sh));
				mem_put(f, f->tar & ~3u, w);
			} else
				mem_put(f, f->tar, data);
			tar_step(f);
		}
	} else if (apsel == 4 && reg < 0x100) {
		f->ctrlap[reg / 4] = data;
	}
}

static probe_err fake_io(struct probe *p, const uint8_t *dir, const uint8_t *out, uint8_t *in,
			 uint32_t nbits)
{
	struct fakedp *f = p->backend;
	f->calls++;
	if (f->fail_after_calls && f->calls > f->fail_after_calls)
		return PROBE_ERR_USB;
	for (uint32_t i = 0; i < nbits; i++)
		setbit(in, i, f->no_target ? true : bit(out, i));
	if (f->no_target)
		return PROBE_OK;
	for (uint32_t i = 8; i < nbits; i++) {
		if (bit(dir, i) || !bit(dir, i - 1))
			continue;
		uint32_t len = 0;
		while (i + len < nbits && !bit(dir, i + len))
			len++;
		uint8_t req = (uint8_t)swd_bits_get(out, i - 8, 8);
		bool read = len == 38;
		uint32_t idx = ++f->txn_index;
		uint32_t ack = SWD_ACK_OK;
		bool is_abort = req == 0x81;
		/* DPIDR read, CTRL/STAT read and ABORT work while sticky. */
		bool dp_ok_when_sticky = is_abort || req == 0xA5 || req == 0x8D;
		if (f->sticky && !dp_ok_when_sticky) {
			ack = SWD_ACK_FAULT;
		} else if (!is_abort && f->wait_count && idx >= f->wait_from) {
			f->wait_count--;
			ack = SWD_ACK_WAIT;
			f->sticky |= 0x02u; /* STICKYORUN (ORUNDETECT on) */
		} else if (!is_abort && f->fault_at && idx == f->fault_at) {
			ack = SWD_ACK_FAULT;
			f->sticky |= 0x20u;
		}
		setbit(in, i, ack & 1u);
		setbit(in, i + 1, ack & 2u);
		setbit(in, i + 2, ack & 4u);
		if (read) {
			uint32_t d = 0;
			if (ack == SWD_ACK_OK) {
				d = do_read(f, req);
				if (f->nlog < FAKEDP_LOG_MAX)
					f->log[f->nlog++] = (struct fakedp_txn){req, d};
			}
			bool par = swd_parity32(d);
			if (f->parity_count && idx >= f->parity_at &&
			    idx < f->parity_at + f->parity_count)
				par = !par;
			for (uint32_t k = 0; k < 32; k++)
				setbit(in, i + 3 + k, (d >> k) & 1u);
			setbit(in, i + 35, par);
		} else if (len == 5 && i + 5 + 33 <= nbits) {
			uint32_t d = swd_bits_get(out, i + 5, 32);
			bool dropped = false;
			for (unsigned k = 0; k < 2 && ack == SWD_ACK_OK; k++)
				if (f->drop_write_data[k] && d == f->drop_write_data[k]) {
					f->drop_write_data[k] = 0;
					f->sticky |= 0x80u; /* WDATAERR */
					dropped = true;
				}
			if (ack == SWD_ACK_OK && !dropped) {
				do_write(f, req, d);
				if (f->nlog < FAKEDP_LOG_MAX)
					f->log[f->nlog++] = (struct fakedp_txn){req, d};
			}
		}
		i += len;
	}
	return PROBE_OK;
}

static void fake_close(struct probe *p)
{
	free(p->backend);
}

/* The fake DP keeps no time: a wait is over at once. */
static probe_err fake_wait(struct probe *p, uint32_t us)
{
	(void)p;
	(void)us;
	return PROBE_OK;
}

static const struct probe_ops fake_ops = {.swd_io = fake_io, .wait_us = fake_wait, .close = fake_close};

struct fakedp *fakedp_create(uint32_t max_bits)
{
	struct fakedp *f = calloc(1, sizeof(*f));
	if (!f)
		return NULL;
	f->probe.ops = &fake_ops;
	f->probe.backend = f;
	f->probe.max_swd_bits = max_bits;
	f->probe.speed_khz = 4000;
	f->ctrlap_idr = 0x12880000u;
	f->ctrlap[0x0C / 4] = 3; /* APPROTECT.STATUS: open */
	return f;
}
