/*
 * Test helpers for the simulated nRF91 board: a host-side SWD bit packer that
 * follows OpenOCD's J-Link slot convention (jlink.md 4) and a board
 * opened on a temporary state file.
 */
#ifndef TEST_SIMBOARD_UTIL_H
#define TEST_SIMBOARD_UTIL_H

#include <stdbool.h>
#include <stdint.h>

#include "board.h"

#define NS_PER_BIT 1000u /* 1 MHz SWCLK */

struct swdq {
	uint8_t dir[4096], out[4096], in[4096];
	uint32_t n;
	struct {
		uint32_t pos;
		bool read;
	} t[128];
	unsigned nt;
};

struct tsb {
	struct simboard *b;
	struct simboard_config cfg;
	char dir[64];
	char path[128];
	uint64_t now;
};
extern struct tsb T;

void tsb_config_default(struct simboard_config *cfg, enum simboard_part part);
/* Makes a temp dir, opens the board (asserts success). */
void tsb_open(const struct simboard_config *cfg);
/* Reopens the board on the same state file. */
void tsb_reopen(const struct simboard_config *cfg);
void tsb_teardown(void);

void q_init(struct swdq *q);
void q_bits(struct swdq *q, bool drive, uint64_t value, unsigned n);
void q_line_reset(struct swdq *q);
void q_jtag_to_swd(struct swdq *q);
void q_idle(struct swdq *q, unsigned n);
uint8_t q_request_byte(bool ap, bool read, unsigned a);
/* Queues one packet; returns its index. bad_parity flips the write parity. */
unsigned q_txn(struct swdq *q, bool ap, bool read, unsigned a, uint32_t wdata, bool bad_parity);
/* Clocks the queue through the board at T.now, then advances T.now. */
void q_run(struct swdq *q);
unsigned q_ack(const struct swdq *q, unsigned idx);
uint32_t q_data(const struct swdq *q, unsigned idx);
bool q_parity_ok(const struct swdq *q, unsigned idx);

/* One packet + 8 idle cycles per call; return the ACK (7 = no response). */
unsigned dp_rd(unsigned a, uint32_t *v);
unsigned dp_wr(unsigned a, uint32_t v);
unsigned ap_rd(unsigned a, uint32_t *v);
unsigned ap_wr(unsigned a, uint32_t v);
/* Line reset, DPIDR, clear sticky errors, power up (asserts each step). */
void swd_connect(void);
void ap_select(unsigned apsel, unsigned bank);
/* AHB-AP word access through SELECT/CSW/TAR/DRW (+RDBUFF); asserts OK. */
void mem_wr(uint32_t addr, uint32_t v);
uint32_t mem_rd(uint32_t addr);
/* As above, returning the ACK of the DRW access instead of asserting. */
unsigned mem_wr_ack(uint32_t addr, uint32_t v);
void advance_ms(uint64_t ms);

#endif
