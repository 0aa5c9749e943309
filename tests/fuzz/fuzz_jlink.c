/* libFuzzer target: the simulated J-Link's command parser (tools/sim/jlink.c)
 * on arbitrary bulk OUT transfer streams, with the host's IN transfers in
 * between, and a simulated board (no CPU) on the SWD lines, so SWD I/O
 * commands also drive the board's wire decoder, DP and APs.
 *
 * Input: byte 0 picks the setup (bit 0: a board is attached, bit 1: it is
 * absent from its slot, bits 2-3: a WAIT storm / FAULT / parity fault). Then
 * a sequence of chunks, each a header byte h and its data:
 *   h < 0xFD   an OUT transfer of the next h bytes (fewer if the input ends)
 *   h = 0xFD   an OUT transfer of all the remaining bytes
 *   h = 0xFE   an IN transfer of up to 64 bytes (what libjaylink reads first)
 *   h = 0xFF   IN transfers until the probe has nothing queued
 * The IN FIFO must never hand out more than was asked, and the fake must
 * never read or write outside its buffers, whatever the host sends. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Relative: tools/fuzz puts only include/ and src/ on the path. */
#include "../../tools/sim/board.h"
#include "../../tools/sim/jlink.h"
#include "../../tools/sim/scenario.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct scenario scen;
static char board_path[64];

static int setup(void)
{
	static const char ini[] = "[sim]\nprobes = 1\nusb_rtt_us = 0\n";
	/* tmpfs when there is one: a board writes its 1.1 MB state at close. */
	static char dir[64];

	snprintf(dir, sizeof(dir), "%s/fuzz_jlink.XXXXXX",
		 access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
	FILE *sink = fopen("/dev/null", "w");
	FILE *f = fmemopen((void *)ini, sizeof(ini) - 1, "r");

	if (!sink || !f || !mkdtemp(dir))
		abort();
	if (scenario_parse(f, "fuzz_jlink.ini", &scen, sink) != 0)
		abort();
	fclose(f);
	fclose(sink);
	snprintf(board_path, sizeof(board_path), "%s/board", dir);
	return 1;
}

static void drain(struct jlink_sim *j, size_t want, int all)
{
	uint8_t buf[4096 + 16];

	do {
		/* A canary after the requested length catches over-long copies. */
		memset(buf, 0xA5, sizeof(buf));
		size_t n = jlink_sim_in(j, buf, want, 0);
		if (n > want)
			abort();
		for (size_t k = want; k < sizeof(buf); k++)
			if (buf[k] != 0xA5)
				abort();
		if (n == 0)
			break;
	} while (all);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;

	if (!ready)
		ready = setup();
	if (size < 1)
		return 0;
	struct scenario_probe p = scen.probes[0];
	p.board.present = !(data[0] & 2);
	switch ((data[0] >> 2) & 3) {
	case 1:
		p.board.faults.wait_storm = 5;
		break;
	case 2:
		p.board.faults.fault_ack_every = 3;
		break;
	case 3:
		p.board.faults.parity_error_every = 2;
		break;
	default:
		break;
	}
	struct jlink_sim *j = jlink_sim_create(&scen, &p);
	struct simboard *b = NULL;
	if (!j)
		return 0;
	if (data[0] & 1) {
		unlink(board_path);
		b = simboard_open(&p.board, board_path);
		if (!b)
			abort();
		jlink_sim_attach(j, b);
	}
	size_t pos = 1;
	while (pos < size) {
		uint8_t h = data[pos++];
		size_t left = size - pos;

		if (h == 0xFE) {
			drain(j, 64, 0);
		} else if (h == 0xFF) {
			drain(j, 4096, 1);
		} else {
			size_t n = h == 0xFD || h > left ? left : h;
			jlink_sim_out(j, data + pos, n);
			pos += n;
		}
	}
	drain(j, 4096, 1);
	if (b) {
		jlink_sim_attach(j, NULL);
		simboard_close(b);
	}
	struct nrfsim_counters c;
	jlink_sim_get_counters(j, &c);
	jlink_sim_destroy(j);
	return 0;
}
