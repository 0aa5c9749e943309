/* Probe backend over a simulated board, for unit tests; see probe_simboard.h. */
#include "probe_simboard.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static uint32_t ns_per_bit(const struct probe *p)
{
	return 1000000u / (p->speed_khz ? p->speed_khz : 4000u);
}

static probe_err sp_io(struct probe *p, const uint8_t *dir, const uint8_t *out, uint8_t *in,
		       uint32_t nbits)
{
	struct simprobe *sp = p->backend;
	if (sp->fail_after_calls && p->swd_io_calls > sp->fail_after_calls) {
		probe_set_detail(p, "simulated probe unplugged");
		return PROBE_ERR_USB;
	}
	uint32_t nspb = ns_per_bit(p);
	simboard_swd_io(sp->board, dir, out, in, nbits, sp->now_ns, nspb);
	sp->now_ns += (uint64_t)nbits * nspb;
	return PROBE_OK;
}

static probe_err sp_speed(struct probe *p, uint32_t khz, uint32_t *actual)
{
	if (khz > 12000)
		khz = 12000;
	p->speed_khz = khz;
	*actual = khz;
	return PROBE_OK;
}

static probe_err sp_vtref(struct probe *p, uint16_t *mv)
{
	struct simprobe *sp = p->backend;
	*mv = simboard_vtref_mv(sp->board);
	return PROBE_OK;
}

static probe_err sp_reset(struct probe *p, bool asserted)
{
	struct simprobe *sp = p->backend;
	simboard_set_nreset(sp->board, asserted, sp->now_ns);
	return PROBE_OK;
}

/* The board's clock is this backend's: a wait moves it on. */
static probe_err sp_wait(struct probe *p, uint32_t us)
{
	struct simprobe *sp = p->backend;
	sp->now_ns += (uint64_t)us * 1000u;
	return PROBE_OK;
}

static void sp_close(struct probe *p)
{
	struct simprobe *sp = p->backend;
	if (sp->board)
		simboard_close(sp->board);
	unlink(sp->path);
	rmdir(sp->dir);
	free(sp);
}

static const struct probe_ops sp_ops = {
	.swd_io = sp_io,
	.set_speed = sp_speed,
	.vtref = sp_vtref,
	.set_reset = sp_reset,
	.wait_us = sp_wait,
	.close = sp_close,
};

void simprobe_default_config(struct simboard_config *cfg, enum simboard_part part)
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

struct simprobe *simprobe_create(const struct simboard_config *cfg)
{
	struct simboard_config def;
	if (!cfg) {
		simprobe_default_config(&def, SIMBOARD_NRF9160);
		cfg = &def;
	}
	struct simprobe *sp = calloc(1, sizeof(*sp));
	if (!sp)
		return NULL;
	snprintf(sp->dir, sizeof(sp->dir), "/tmp/nrfcred-test-XXXXXX");
	if (!mkdtemp(sp->dir)) {
		free(sp);
		return NULL;
	}
	snprintf(sp->path, sizeof(sp->path), "%s/board.state", sp->dir);
	sp->board = simboard_open(cfg, sp->path);
	if (!sp->board) {
		rmdir(sp->dir);
		free(sp);
		return NULL;
	}
	sp->probe.ops = &sp_ops;
	sp->probe.backend = sp;
	sp->probe.max_swd_bits = 2048 * 8;
	sp->probe.speed_khz = 4000;
	sp->probe.serial = 260000001;
	return sp;
}
