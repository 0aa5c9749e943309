/*
 * SWD wire encoding as the J-Link SWD I/O command carries it (OpenOCD's
 * convention, jlink.md §4; nrf91-registers.md §1): LSB-first bit
 * arrays of direction / output / input, one transaction = 46 bit slots.
 */
#ifndef NRFCRED_SWD_SWD_WIRE_H
#define NRFCRED_SWD_SWD_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Bit slots of one transaction: 8 request bits driven by the probe, then
 * read: 38 input slots (ACK 0-2, data 3-34, parity 35, 2 don't-care);
 * write: 5 input slots (ACK 0-2, 2 turnaround) + 33 driven (data, parity). */
#define SWD_TXN_BITS	     46u
#define SWD_READ_ACK_SLOT    8u
#define SWD_READ_DATA_SLOT   11u
#define SWD_READ_PARITY_SLOT 43u
#define SWD_WRITE_DATA_SLOT  13u
/* Every batch ends with 8 driven-0 idle cycles: "a transaction must be
 * followed by another transaction or at least 8 idle cycles" (OOCD-drv). */
#define SWD_TRAILING_IDLE_BITS 8u

#define SWD_ACK_OK    0x1u
#define SWD_ACK_WAIT  0x2u
#define SWD_ACK_FAULT 0x4u
#define SWD_ACK_NONE  0x7u /* SWDIO pull-up: nobody answered */

/* Lengths of the special sequences. */
#define SWD_LINE_RESET_BITS	64u  /* 56 ones + 8 idle zeros */
#define SWD_JTAG_TO_SWD_BITS	136u /* 56 ones, 0xE79E, 56 ones, 8 zeros */
#define SWD_DORMANT_TO_SWD_BITS 212u

/* Request byte: start, APnDP, RnW, A[2], A[3], even parity, stop 0, park 1. */
uint8_t swd_request(bool ap, bool read, uint8_t addr);
/* Even parity of a 32-bit word (the data parity bit). */
bool swd_parity32(uint32_t v);

/* A growing batch of bits. The caller owns the three arrays (cap_bits long). */
struct swd_bits {
	uint8_t *dir;
	uint8_t *out;
	uint32_t nbits;
	uint32_t cap_bits;
};

void swd_bits_reset(struct swd_bits *b);
/* Appends n (<= 32) bits of value, driven by the probe. */
void swd_bits_drive(struct swd_bits *b, uint32_t value, uint32_t n);
/* Appends n input slots (probe releases SWDIO). */
void swd_bits_input(struct swd_bits *b, uint32_t n);
/* Appends n driven-0 idle cycles. */
void swd_bits_idle(struct swd_bits *b, uint32_t n);
/* Appends a read (request + 38 input slots) / write transaction. */
void swd_bits_read(struct swd_bits *b, uint8_t request);
void swd_bits_write(struct swd_bits *b, uint8_t request, uint32_t value);
void swd_bits_line_reset(struct swd_bits *b);
void swd_bits_jtag_to_swd(struct swd_bits *b);
void swd_bits_dormant_to_swd(struct swd_bits *b);

/* Extracts n (<= 32) bits starting at bit pos of an LSB-first array. */
uint32_t swd_bits_get(const uint8_t *buf, uint32_t pos, uint32_t n);

#endif
