/*
 * Persistent state of one simulated board: what survives power cycles and
 * processes (flash, UICR, the modem's credential store, identity). RAM is not
 * part of it: it is volatile on the real part too.
 *
 * File layout (little-endian, version 1):
 *   0x000 magic "NRFSIMST", u32 version, u32 header size (256), u32 part,
 *         u32 flags (bit0: approtect requested at creation), u64 device_id,
 *         char imei[16], char modem_fw[32], u32 flash size, u32 UICR size,
 *         u32 modem store capacity, u32 modem store length, zero padding
 *   0x100 flash (1 MB), then UICR (4 KB), then the modem store (64 KB)
 * The board writes it in place while holding an exclusive flock(); readers
 * (nrfsim show) read it without locking and may see a half-written file if
 * they race a writer.
 */
#ifndef NRFSIM_STATE_H
#define NRFSIM_STATE_H

#include <stdbool.h>
#include <stdint.h>

#include "board.h"
#include "nrf91_sim_regs.h"

#define SIMSTATE_MAGIC		  "NRFSIMST"
#define SIMSTATE_VERSION	  1u
#define SIMSTATE_HEADER_SIZE	  256u
#define SIMSTATE_MODEM_STORE_SIZE 0x10000u /* 64 KB */

enum simstate_err {
	SIMSTATE_OK = 0,
	SIMSTATE_ERR_IO = -1,	   /* read/write/open failed (see errno) */
	SIMSTATE_ERR_FORMAT = -2,  /* bad magic, sizes or truncated file */
	SIMSTATE_ERR_VERSION = -3, /* written by a newer simulator */
	SIMSTATE_ERR_NOMEM = -4,
};

struct simstate {
	enum simboard_part part;
	bool approtect_cfg;
	uint64_t device_id;
	char imei[16];	   /* NUL-terminated */
	char modem_fw[32]; /* NUL-terminated */
	uint32_t modem_store_len;
	uint8_t flash[SIM_FLASH_SIZE];
	uint8_t uicr[SIM_UICR_SIZE];
	uint8_t modem_store[SIMSTATE_MODEM_STORE_SIZE];
};

/* A fresh state: flash and UICR erased (0xFF), empty modem store. NULL on ENOMEM. */
struct simstate *simstate_new(void);
void simstate_free(struct simstate *s);
/*
 * Loads a state file read-only, without taking the lock (allowed while a
 * board holds it). *out receives a state to free with simstate_free().
 */
enum simstate_err simstate_load(const char *path, struct simstate **out);
/* Reads / writes the whole state through an open file descriptor (offset 0). */
enum simstate_err simstate_read_fd(int fd, struct simstate *s);
enum simstate_err simstate_write_fd(int fd, const struct simstate *s);
const char *simstate_strerror(enum simstate_err err);
/* "nRF9160", "nRF9161", "nRF9151" (or "unknown"). */
const char *simstate_part_name(enum simboard_part part);

#endif
