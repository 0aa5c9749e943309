/*
 * Operator actions on a fixture slot, across processes: `nrfsim slot` writes
 * `<state_dir>/<serial>.slot`; the fake in the process that holds the probe
 * applies it at its next USB transfer (and any process applies the latest
 * one when it claims the probe). This is how a test or a demo pulls a board
 * out, puts it back, or swaps in a fresh one (continuous mode).
 *
 * File: one line "<seq> <action> <generation>". seq grows with every action;
 * generation counts replacements, so each fresh board gets its own IMEI.
 */
#ifndef NRFSIM_SLOTCTL_H
#define NRFSIM_SLOTCTL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

enum slotctl_action {
	SLOTCTL_INSERT,	 /* the board is in the slot */
	SLOTCTL_REMOVE,	 /* the slot is empty (no ACK, VTref 0) */
	SLOTCTL_REPLACE, /* a fresh board (erased, next IMEI) is inserted */
};

struct slotctl {
	uint64_t seq;
	enum slotctl_action action;
	uint32_t generation;
};

/* "insert", "remove", "replace" -> action; -1 if unknown. */
int slotctl_parse_action(const char *name);
const char *slotctl_action_name(enum slotctl_action action);

/* Reads the slot file. 0, 1 if there is none (nothing ever done), -1 if unreadable. */
int slotctl_read(const char *path, struct slotctl *out);
/* Writes the slot file atomically (temporary file + rename). 0 or -1. */
int slotctl_write(const char *path, const struct slotctl *c);
/*
 * Cheap change detection for polling at every transfer: *stamp identifies
 * the file version (inode + mtime); returns true when it differs from the
 * previous call's.
 */
bool slotctl_changed(const char *path, uint64_t *stamp);

/* IMEI of the board of this generation: the serial number part (digits 9-14)
 * advanced by 64 per generation, Luhn check digit recomputed. */
void slotctl_imei(const char base[16], uint32_t generation, char out[16]);

#endif
