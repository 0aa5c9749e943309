/*
 * The RAM flash loader's interface (firmware/loader/loader.c, host side
 * src/target/loader.c): a control block and a ring of slots in target RAM,
 * little-endian 32-bit words. Shared by the loader and the host.
 *
 * The host fills a slot (command, address, length, data), then writes
 * `head` (slots submitted, counting up) last; the loader runs slot
 * tail % slots, clears its data, then writes `tail` (slots finished). The
 * host reuses a slot only once `tail` passed it. Errors stop the loader with
 * `status` >= NRFCRED_LOADER_ERR, the failing address, the word found there
 * and the NVMC state, then a BKPT halts the core.
 */
#ifndef NRFCRED_FLASH_LOADER_H
#define NRFCRED_FLASH_LOADER_H

/* Control block (at the address the host passes in R0), byte offsets. */
#define NRFCRED_LOADER_HEAD	  0x00u /* host: slots submitted */
#define NRFCRED_LOADER_TAIL	  0x04u /* loader: slots finished */
#define NRFCRED_LOADER_STATUS	  0x08u
#define NRFCRED_LOADER_ERR_ADDR	  0x0Cu /* the word the error is about */
#define NRFCRED_LOADER_ERR_VALUE  0x10u /* what that word read */
#define NRFCRED_LOADER_ERR_NVMC	  0x14u /* READY | READYNEXT << 1 | CONFIG << 8 | CONFIGNS << 16 */
#define NRFCRED_LOADER_SLOTS	  0x18u /* host: number of slots */
#define NRFCRED_LOADER_SLOT_SIZE  0x1Cu /* host: data bytes per slot (multiple of 4) */
#define NRFCRED_LOADER_SLOT_BASE  0x20u /* host: address of slot 0 */
#define NRFCRED_LOADER_FLASH_SIZE 0x24u /* host: flash bytes (FICR INFO.FLASH) */
#define NRFCRED_LOADER_CTRL_SIZE  0x28u

/* A slot: header, then slot_size data bytes. */
#define NRFCRED_LOADER_SLOT_CMD	   0x00u
#define NRFCRED_LOADER_SLOT_ADDR   0x04u
#define NRFCRED_LOADER_SLOT_LEN	   0x08u /* bytes; PROGRAM: a multiple of 4 */
#define NRFCRED_LOADER_SLOT_RESULT 0x0Cu /* CRC: the CRC-32 of the range */
#define NRFCRED_LOADER_SLOT_DATA   0x10u
/* PROGRAM: at most this many bytes per slot (the loader keeps one bit per
 * word of a slot on its stack). */
#define NRFCRED_LOADER_SLOT_MAX 4096u

#define NRFCRED_LOADER_CMD_PROGRAM 1u /* write len bytes of data at addr */
#define NRFCRED_LOADER_CMD_CRC	   2u /* CRC-32/IEEE of len bytes at addr */
#define NRFCRED_LOADER_CMD_END	   3u /* NVMC back to read-only, halt */

/* status */
#define NRFCRED_LOADER_STARTING		0u /* the host writes it before the start */
#define NRFCRED_LOADER_RUNNING		1u
#define NRFCRED_LOADER_DONE		2u
#define NRFCRED_LOADER_ERR		0x10u
#define NRFCRED_LOADER_ERR_RANGE	0x10u /* outside flash and UICR, or unaligned */
#define NRFCRED_LOADER_ERR_NOT_ERASED	0x11u /* neither erased nor its value: a second write */
#define NRFCRED_LOADER_ERR_NVMC_TIMEOUT 0x12u /* READYNEXT / READY never came */
#define NRFCRED_LOADER_ERR_WRITE	0x13u /* unused since the verify names the word */
#define NRFCRED_LOADER_ERR_COMMAND	0x14u /* unknown command or bad length */

#endif
