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
 * A board holds an exclusive flock() on it and keeps the whole file mapped
 * MAP_SHARED (simstate_map_fd): its flash, UICR and modem store are the file's
 * bytes, so each change is in the file (the kernel's page cache) the moment it
 * is made and survives the process being killed, as a real board keeps its
 * flash when the host dies. Readers (nrfsim show) read it without locking and
 * may see an operation half done if they race the board. Truncating the file
 * under a board (the lock is advisory) kills that board's process with SIGBUS.
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

/*
 * A board's live view of its state file. The identity is copied from the
 * header (it never changes while the board lives); flash, UICR and the modem
 * store point into the shared mapping. modem_store_len is the header's field
 * itself: the file is little-endian, and so is every host the simulator
 * builds for (state.c refuses to compile elsewhere).
 */
struct simstate_map {
	enum simboard_part part;
	bool approtect_cfg;
	uint64_t device_id;
	char imei[16];
	char modem_fw[32];
	uint8_t *flash;		   /* SIM_FLASH_SIZE bytes */
	uint8_t *uicr;		   /* SIM_UICR_SIZE bytes */
	uint8_t *modem_store;	   /* SIMSTATE_MODEM_STORE_SIZE bytes */
	uint32_t *modem_store_len; /* <= SIMSTATE_MODEM_STORE_SIZE */
	void *base;		   /* the mapping, for simstate_unmap */
	size_t size;
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
/*
 * Checks the header of the state file open read-write on fd as
 * simstate_read_fd does, then maps header and body MAP_SHARED into m. The
 * mapping does not hold the descriptor: the caller keeps fd (and its lock).
 */
enum simstate_err simstate_map_fd(int fd, struct simstate_map *m);
/* Unmaps; m is zeroed. Nothing to write back: the file is already current. */
void simstate_unmap(struct simstate_map *m);
const char *simstate_strerror(enum simstate_err err);
/* "nRF9160", "nRF9161", "nRF9151" (or "unknown"). */
const char *simstate_part_name(enum simboard_part part);

#endif
