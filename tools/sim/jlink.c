/*
 * Simulated J-Link command protocol. Byte layouts and lengths follow
 * libjaylink 0.3.1 (device.c, target.c, swd.c, jtag.c) as summarised in
 * jlink.md §3.2; reply lengths are byte-exact because libjaylink
 * silently drops over-long replies at the next command (§3.1).
 */
#include "jlink.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "simclock.h"

/* Largest command: SWD/JTAG I/O with 65535 bits = 4 + 2 * 8192 bytes. */
#define IO_BYTES_MAX  ((size_t)8192)
#define CMD_MAX	      (4 + 2 * IO_BYTES_MAX)
#define FIFO_MAX      ((size_t)64 * 1024)
#define VERSION_LEN   112 /* real probes send a fixed, NUL-padded string */
#define CONFIG_LEN    256
#define REG_MIN_SIZE  76 /* libjaylink reads this much first (device.c) */
#define REG_MAX_CONNS 16
#define FREE_MEMORY   32768u /* ≥ 4112 gives OpenOCD its full 2048-byte SWD buffer */
#define BASE_FREQ_HZ  60000000u
#define MIN_DIVIDER   4u
#define HW_VERSION    110000u /* type 0 (J-Link), V11.00.00 */
#define TIF_JTAG      0
#define TIF_SWD	      1

enum {
	CMD_VERSION = 0x01,
	CMD_SET_SPEED = 0x05,
	CMD_HW_STATUS = 0x07,
	CMD_TARGET_POWER = 0x08,
	CMD_REGISTER = 0x09,
	CMD_GET_SPEEDS = 0xc0,
	CMD_HW_INFO = 0xc1,
	CMD_COUNTERS = 0xc2,
	CMD_SELECT_TIF = 0xc7,
	CMD_CLR_TMS = 0xc9,
	CMD_SET_TMS = 0xca,
	CMD_JTAG_IO_V2 = 0xce,
	CMD_IO_V3 = 0xcf, /* SWD I/O or JTAG I/O v3, by selected interface */
	CMD_FREE_MEMORY = 0xd4,
	CMD_CLR_TCK = 0xda,
	CMD_SET_TCK = 0xdb,
	CMD_CLR_RESET = 0xdc,
	CMD_SET_RESET = 0xdd,
	CMD_CLR_TRST = 0xde,
	CMD_SET_TRST = 0xdf,
	CMD_CAPS = 0xe8,
	CMD_EXT_CAPS = 0xed,
	CMD_HW_VERSION = 0xf0,
	CMD_READ_CONFIG = 0xf2,
	CMD_WRITE_CONFIG = 0xf3,
};

/* Capability bits (libjaylink.h enum jaylink_device_capability). */
#define CAP(n) (1u << (n))
#define PROBE_CAPS                                                                                 \
	(CAP(1) /* HW version */ | CAP(4) /* read config */ | CAP(5) /* write config */ |          \
	 CAP(9) /* speeds */ | CAP(11) /* free memory */ | CAP(13) /* target power */ |            \
	 CAP(17) /* select interface */ | CAP(27) /* register */ | CAP(31) /* ext caps */)

struct reg_conn {
	uint32_t pid;
	uint32_t hid;
	uint8_t iid;
	uint8_t cid;
	uint16_t handle;
	uint32_t timestamp;
};

struct jlink_sim {
	char serial[SCENARIO_SERIAL_LEN + 1];
	uint16_t vtref_no_board_mv;
	uint64_t usb_rtt_ns;
	uint64_t usb_bandwidth_bps;
	uint32_t swd_max_khz;
	struct simclock clock;
	struct simboard *board;
	uint64_t board_epoch_ns; /* modeled time when the board was attached */

	uint32_t tif;
	uint16_t speed_khz; /* 0xffff = adaptive */
	bool nreset_low;
	bool trst_high;
	bool target_power;
	uint8_t config[CONFIG_LEN];
	struct reg_conn conns[REG_MAX_CONNS];
	unsigned conn_count;
	uint16_t next_handle;
	uint8_t unknown_logged[32]; /* bitmap: unknown command bytes already reported */

	uint8_t cmd[CMD_MAX + IO_BYTES_MAX + 1]; /* + room for the SWD reply */
	size_t cmd_len;

	uint8_t fifo[FIFO_MAX];
	size_t fifo_head;
	size_t fifo_tail;

	struct nrfsim_counters counters;
	struct simboard_counters board_base; /* sums of boards already detached */
};

static void put_u16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put_u32(uint8_t *p, uint32_t v)
{
	put_u16(p, (uint16_t)v);
	put_u16(p + 2, (uint16_t)(v >> 16));
}

static uint16_t get_u16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t get_u32(const uint8_t *p)
{
	return get_u16(p) | (uint32_t)get_u16(p + 2) << 16;
}

/* The attached board's time: the probe's modeled time since attach. */
static uint64_t board_now(const struct jlink_sim *j)
{
	return simclock_now(&j->clock) - j->board_epoch_ns;
}

struct jlink_sim *jlink_sim_create(const struct scenario *s, const struct scenario_probe *p)
{
	struct jlink_sim *j = calloc(1, sizeof(*j));

	if (!j)
		return NULL;
	memcpy(j->serial, p->serial, sizeof(j->serial));
	j->vtref_no_board_mv = 0;
	j->usb_rtt_ns = (uint64_t)s->usb_rtt_us * 1000u;
	j->usb_bandwidth_bps = s->usb_bandwidth_bps;
	j->swd_max_khz = s->swd_max_khz;
	simclock_init(&j->clock, s->timing_mode == SCENARIO_TIMING_REAL);
	/* Power-up interface is JTAG (jlink.md §6.5, not checked on hardware). */
	j->tif = TIF_JTAG;
	j->speed_khz = 4000;
	j->trst_high = true;
	memset(j->config, 0xff, sizeof(j->config));
	j->next_handle = 1;
	return j;
}

void jlink_sim_destroy(struct jlink_sim *j)
{
	free(j);
}

static void add_board_counters(struct simboard_counters *sum, const struct simboard_counters *c)
{
	sum->swd_bits += c->swd_bits;
	sum->swd_transactions += c->swd_transactions;
	sum->acks_wait += c->acks_wait;
	sum->acks_fault += c->acks_fault;
	sum->ap_bytes += c->ap_bytes;
	sum->cpu_instructions += c->cpu_instructions;
	sum->line_resets += c->line_resets;
	sum->protocol_errors += c->protocol_errors;
	sum->nvmc_words_written += c->nvmc_words_written;
	sum->nvmc_ignored_writes += c->nvmc_ignored_writes;
	sum->nvmc_page_erases += c->nvmc_page_erases;
	sum->nvmc_erase_alls += c->nvmc_erase_alls;
	sum->system_resets += c->system_resets;
}

void jlink_sim_attach(struct jlink_sim *j, struct simboard *b)
{
	if (j->board) {
		struct simboard_counters c;

		simboard_get_counters(j->board, &c);
		add_board_counters(&j->board_base, &c);
	}
	j->board = b;
	/* A board opened now starts its own clock at 0: it must not run its CPU
	 * for the time that passed before it existed. */
	j->board_epoch_ns = simclock_now(&j->clock);
	if (b && j->nreset_low)
		simboard_set_nreset(b, true, 0);
}

struct simboard *jlink_sim_board(const struct jlink_sim *j)
{
	return j->board;
}

void jlink_sim_get_counters(struct jlink_sim *j, struct nrfsim_counters *out)
{
	struct simboard_counters b = j->board_base;

	if (j->board) {
		struct simboard_counters cur;

		simboard_get_counters(j->board, &cur);
		add_board_counters(&b, &cur);
	}
	*out = j->counters;
	out->swd_transactions = b.swd_transactions;
	out->swd_waits = b.acks_wait;
	out->swd_faults = b.acks_fault;
	out->ap_bytes = b.ap_bytes;
	out->cpu_instructions = b.cpu_instructions;
	out->line_resets = b.line_resets;
	out->protocol_errors = b.protocol_errors;
	out->nvmc_words_written = b.nvmc_words_written;
	out->nvmc_page_erases = b.nvmc_page_erases;
	out->nvmc_erase_alls = b.nvmc_erase_alls;
	out->system_resets = b.system_resets;
	out->modeled_ns = simclock_now(&j->clock);
	out->busy_ns = j->clock.busy_ns;
	out->wall_ns = simclock_wall(&j->clock);
}

void jlink_sim_advance(struct jlink_sim *j)
{
	if (j->board)
		simboard_advance(j->board, board_now(j));
}

/* Cost of moving len bytes across USB: half a round trip plus the payload time. */
static void charge_transfer(struct jlink_sim *j, size_t len)
{
	uint64_t payload_ns = (uint64_t)len * 8u * 1000000000u / j->usb_bandwidth_bps;

	simclock_spend(&j->clock, j->usb_rtt_ns / 2 + payload_ns);
}

static void queue(struct jlink_sim *j, const void *data, size_t len)
{
	if (j->fifo_tail + len > FIFO_MAX) {
		memmove(j->fifo, j->fifo + j->fifo_head, j->fifo_tail - j->fifo_head);
		j->fifo_tail -= j->fifo_head;
		j->fifo_head = 0;
	}
	if (j->fifo_tail + len > FIFO_MAX) {
		fprintf(stderr, "nrfsim: probe %s: host left %zu reply bytes unread; dropping\n",
			j->serial, j->fifo_tail - j->fifo_head);
		j->fifo_head = j->fifo_tail = 0;
	}
	memcpy(j->fifo + j->fifo_tail, data, len);
	j->fifo_tail += len;
}

static void queue_u32(struct jlink_sim *j, uint32_t v)
{
	uint8_t b[4];

	put_u32(b, v);
	queue(j, b, sizeof(b));
}

/*
 * Total length of the command whose first have bytes are in cmd, 0 when more
 * header bytes are needed to know, or -1 for a command this probe does not
 * understand.
 */
static long command_length(const uint8_t *cmd, size_t have)
{
	switch (cmd[0]) {
	case CMD_VERSION:
	case CMD_HW_STATUS:
	case CMD_GET_SPEEDS:
	case CMD_FREE_MEMORY:
	case CMD_CLR_TMS:
	case CMD_SET_TMS:
	case CMD_CLR_TCK:
	case CMD_SET_TCK:
	case CMD_CLR_RESET:
	case CMD_SET_RESET:
	case CMD_CLR_TRST:
	case CMD_SET_TRST:
	case CMD_CAPS:
	case CMD_EXT_CAPS:
	case CMD_HW_VERSION:
	case CMD_READ_CONFIG:
		return 1;
	case CMD_SELECT_TIF:
	case CMD_TARGET_POWER:
		return 2;
	case CMD_SET_SPEED:
		return 3;
	case CMD_HW_INFO:
	case CMD_COUNTERS:
		return 5;
	case CMD_REGISTER:
		return 14;
	case CMD_WRITE_CONFIG:
		return 1 + CONFIG_LEN;
	case CMD_JTAG_IO_V2:
	case CMD_IO_V3:
		if (have < 4)
			return 0;
		return 4 + 2 * (((long)get_u16(cmd + 2) + 7) / 8);
	default:
		return -1;
	}
}

static uint32_t swd_clock_khz(const struct jlink_sim *j)
{
	uint32_t khz = j->speed_khz == 0xffff ? j->swd_max_khz : j->speed_khz;

	return khz < j->swd_max_khz ? khz : j->swd_max_khz;
}

static void do_io(struct jlink_sim *j)
{
	uint32_t nbits = get_u16(j->cmd + 2);
	size_t n = (nbits + 7) / 8;
	const uint8_t *dir = j->cmd + 4;
	const uint8_t *out = dir + n;
	uint8_t *in = j->cmd + 4 + 2 * n; /* room is left after the command */
	uint32_t ns_per_bit = 1000000u / swd_clock_khz(j);
	uint64_t start;

	if (j->tif != TIF_SWD) {
		/* JTAG: nRF91 has no TAP, so TDO floats high (pull-up). */
		memset(in, 0xff, n);
		simclock_spend(&j->clock, (uint64_t)nbits * ns_per_bit);
		queue(j, in, n);
		if (j->cmd[0] == CMD_IO_V3)
			queue(j, "\0", 1);
		return;
	}
	/* Driven slots read back what the probe drives; released slots read the
	 * pull-up unless the board drives them. */
	for (size_t i = 0; i < n; i++)
		in[i] = (uint8_t)((dir[i] & out[i]) | ~dir[i]);
	start = board_now(j);
	if (j->board)
		simboard_swd_io(j->board, dir, out, in, nbits, start, ns_per_bit);
	simclock_spend(&j->clock, (uint64_t)nbits * ns_per_bit);
	j->counters.swd_io_commands++;
	j->counters.swd_bits += nbits;
	queue(j, in, n);
	queue(j, "\0", 1); /* status: OK */
}

static void do_register(struct jlink_sim *j)
{
	uint8_t reply[8 + REG_MAX_CONNS * 16] = {0};
	uint16_t handle = get_u16(j->cmd + 12);
	unsigned i;

	for (i = 0; i < j->conn_count; i++)
		if (handle && j->conns[i].handle == handle)
			break;
	if (j->cmd[1] == 0x64) {
		if (i == j->conn_count && j->conn_count < REG_MAX_CONNS) {
			struct reg_conn *c = &j->conns[j->conn_count++];

			c->pid = get_u32(j->cmd + 2);
			c->hid = get_u32(j->cmd + 6);
			c->iid = j->cmd[10];
			c->cid = j->cmd[11];
			c->handle = handle ? handle : j->next_handle++;
			if (!j->next_handle)
				j->next_handle = 1;
			handle = c->handle;
		} else if (i == j->conn_count) {
			handle = 0; /* table full: registration refused */
		}
		if (i < j->conn_count)
			j->conns[i].timestamp = (uint32_t)(simclock_now(&j->clock) / 1000000u);
	} else if (j->cmd[1] == 0x65) {
		if (i < j->conn_count) {
			j->conns[i] = j->conns[j->conn_count - 1];
			j->conn_count--;
		}
	}
	put_u16(reply, handle);
	put_u16(reply + 2, (uint16_t)j->conn_count);
	put_u16(reply + 4, 16);
	put_u16(reply + 6, 0);
	for (i = 0; i < j->conn_count; i++) {
		uint8_t *e = reply + 8 + (size_t)16 * i;

		put_u32(e, j->conns[i].pid);
		put_u32(e + 4, j->conns[i].hid);
		e[8] = j->conns[i].iid;
		e[9] = j->conns[i].cid;
		put_u16(e + 10, j->conns[i].handle);
		put_u32(e + 12, j->conns[i].timestamp);
	}
	i = 8 + 16 * j->conn_count;
	queue(j, reply, i > REG_MIN_SIZE ? i : REG_MIN_SIZE);
}

static void set_nreset(struct jlink_sim *j, bool low)
{
	j->nreset_low = low;
	if (j->board)
		simboard_set_nreset(j->board, low, board_now(j));
}

static void execute(struct jlink_sim *j)
{
	uint8_t b[32] = {0};

	j->counters.commands++;
	switch (j->cmd[0]) {
	case CMD_VERSION: {
		uint8_t v[2 + VERSION_LEN] = {0};

		put_u16(v, VERSION_LEN);
		snprintf((char *)v + 2, VERSION_LEN,
			 "J-Link V11 compiled Nov 25 2026 00:00:00 (nrfsim simulated)");
		queue(j, v, sizeof(v));
		break;
	}
	case CMD_CAPS:
		queue_u32(j, PROBE_CAPS);
		break;
	case CMD_EXT_CAPS:
		/* Bits 0-31 repeat the basic caps: OpenOCD replaces its caps with these. */
		put_u32(b, PROBE_CAPS);
		queue(j, b, 32);
		break;
	case CMD_HW_VERSION:
		queue_u32(j, HW_VERSION);
		break;
	case CMD_HW_STATUS:
		put_u16(b, j->board ? simboard_vtref_mv(j->board) : j->vtref_no_board_mv);
		b[2] = 0;	       /* TCK */
		b[3] = 1;	       /* TDI */
		b[4] = 1;	       /* TDO (SWO pulled up) */
		b[5] = 1;	       /* TMS = SWDIO pull-up */
		b[6] = !j->nreset_low; /* TRES */
		b[7] = j->trst_high;   /* TRST */
		queue(j, b, 8);
		break;
	case CMD_FREE_MEMORY:
		queue_u32(j, FREE_MEMORY);
		break;
	case CMD_GET_SPEEDS:
		put_u32(b, BASE_FREQ_HZ);
		put_u16(b + 4, MIN_DIVIDER);
		queue(j, b, 6);
		break;
	case CMD_SET_SPEED:
		if (get_u16(j->cmd + 1))
			j->speed_khz = get_u16(j->cmd + 1);
		break;
	case CMD_SELECT_TIF:
		if (j->cmd[1] == 0xff) {
			queue_u32(j, 1u << TIF_JTAG | 1u << TIF_SWD);
		} else if (j->cmd[1] == 0xfe) {
			queue_u32(j, j->tif);
		} else {
			queue_u32(j, j->tif);
			if (j->cmd[1] == TIF_JTAG || j->cmd[1] == TIF_SWD)
				j->tif = j->cmd[1];
		}
		break;
	case CMD_IO_V3:
	case CMD_JTAG_IO_V2:
		do_io(j);
		break;
	case CMD_CLR_RESET:
		set_nreset(j, true);
		break;
	case CMD_SET_RESET:
		set_nreset(j, false);
		break;
	case CMD_CLR_TRST:
	case CMD_SET_TRST:
		j->trst_high = j->cmd[0] == CMD_SET_TRST;
		break;
	case CMD_CLR_TMS:
	case CMD_SET_TMS:
	case CMD_CLR_TCK:
	case CMD_SET_TCK:
		break;
	case CMD_TARGET_POWER:
		j->target_power = j->cmd[1] != 0;
		break;
	case CMD_READ_CONFIG:
		queue(j, j->config, CONFIG_LEN);
		break;
	case CMD_WRITE_CONFIG:
		memcpy(j->config, j->cmd + 1, CONFIG_LEN);
		break;
	case CMD_HW_INFO:
	case CMD_COUNTERS: {
		/* Not advertised; all values read 0. */
		uint32_t mask = get_u32(j->cmd + 1);
		uint8_t zeros[4 * 32] = {0};

		queue(j, zeros, (size_t)4 * (unsigned)__builtin_popcount(mask));
		break;
	}
	case CMD_REGISTER:
		do_register(j);
		break;
	default:
		break;
	}
}

static void out_transfer(struct jlink_sim *j, const uint8_t *data, size_t len)
{
	size_t pos = 0;

	j->counters.usb_out_transfers++;
	j->counters.usb_out_bytes += len;
	charge_transfer(j, len);
	jlink_sim_advance(j);
	/* A command starts at the start of a transfer and may span several
	 * (jlink.md §3.1). */
	while (pos < len) {
		long need;

		if (j->cmd_len == 0) {
			j->cmd[0] = data[pos++];
			j->cmd_len = 1;
		}
		need = command_length(j->cmd, j->cmd_len);
		if (need < 0) {
			unsigned op = j->cmd[0];

			/* Real firmware does not answer: drop the rest of the
			 * transfer, the host's next IN times out. */
			if (!(j->unknown_logged[op / 8] & (1u << (op % 8)))) {
				j->unknown_logged[op / 8] |= (uint8_t)(1u << (op % 8));
				fprintf(stderr,
					"nrfsim: probe %s: unknown command 0x%02x ignored\n",
					j->serial, op);
			}
			j->counters.unknown_commands++;
			j->cmd_len = 0;
			return;
		}
		if (need == 0 || j->cmd_len < (size_t)need) {
			size_t want = need ? (size_t)need - j->cmd_len : 1;
			size_t take = want < len - pos ? want : len - pos;

			memcpy(j->cmd + j->cmd_len, data + pos, take);
			j->cmd_len += take;
			pos += take;
			need = command_length(j->cmd, j->cmd_len);
		}
		if (need > 0 && j->cmd_len == (size_t)need) {
			execute(j);
			j->cmd_len = 0;
		}
	}
}

static size_t in_transfer(struct jlink_sim *j, uint8_t *buf, size_t len, unsigned timeout_ms)
{
	size_t avail = j->fifo_tail - j->fifo_head;
	size_t n = avail < len ? avail : len;

	jlink_sim_advance(j);
	if (n == 0) {
		j->counters.usb_in_timeouts++;
		simclock_spend(&j->clock, (uint64_t)timeout_ms * 1000000u);
		return 0;
	}
	memcpy(buf, j->fifo + j->fifo_head, n);
	j->fifo_head += n;
	if (j->fifo_head == j->fifo_tail)
		j->fifo_head = j->fifo_tail = 0;
	j->counters.usb_in_transfers++;
	j->counters.usb_in_bytes += n;
	charge_transfer(j, n);
	return n;
}

void jlink_sim_out(struct jlink_sim *j, const uint8_t *data, size_t len)
{
	simclock_enter(&j->clock);
	out_transfer(j, data, len);
	simclock_leave(&j->clock);
}

size_t jlink_sim_in(struct jlink_sim *j, uint8_t *buf, size_t len, unsigned timeout_ms)
{
	size_t n;

	simclock_enter(&j->clock);
	n = in_transfer(j, buf, len, timeout_ms);
	simclock_leave(&j->clock);
	return n;
}
