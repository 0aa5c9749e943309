/*
 * The fixture slot behind one simulated probe, as the fake sees it: which
 * board file is in it and the operator actions (slotctl.h) applied to it.
 * Called with the probe's lock held.
 */
#ifndef NRFSIM_SLOT_H
#define NRFSIM_SLOT_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "board.h"
#include "scenario.h"

struct slot {
	const struct scenario_probe *cfg;
	char board_path[PATH_MAX + 32];
	char slot_path[PATH_MAX + 32];
	uint64_t stamp;	       /* slotctl_changed() state */
	uint64_t seq;	       /* last action applied by this process */
	uint32_t generation;   /* boards replaced so far */
	bool removed;	       /* the operator pulled the board */
	bool inserted;	       /* the operator put a board in (even if the scenario has none) */
	uint64_t pending_seq;  /* replacement waiting for slot_replace() */
	uint64_t seated_at_ns; /* CLOCK_MONOTONIC time a swapped-in board makes contact, 0 = none */
};

/* 0, or -1 when the paths do not fit. */
int slot_init(struct slot *slot, const struct scenario *s, const struct scenario_probe *cfg);
/*
 * Opens the slot's board (creating the state directory), after applying the
 * operator's latest action. NULL with errno (EBUSY: another process holds it).
 */
struct simboard *slot_open_board(struct slot *slot, const struct scenario *s);
/*
 * Applies an operator action that arrived since the last call to the open
 * board b (remove / insert). Returns true when the action is a replacement:
 * the caller then detaches b and calls slot_replace().
 */
bool slot_poll(struct slot *slot, struct simboard *b);
/* Closes old (may be NULL), deletes its state and opens a fresh board. NULL with errno. */
struct simboard *slot_replace(struct slot *slot, struct simboard *old);
/*
 * For a replacement while a process holds the probe: an operator needs time
 * to pull one board and seat the next, so the fresh board b shows no VTref and
 * no SWD for SLOT_SWAP_NS of wall time; slot_poll() then seats it. Without
 * this gap a host watching VTref for the removal would never see one.
 */
void slot_begin_swap(struct slot *slot, struct simboard *b);
#define SLOT_SWAP_NS 500000000ull

#endif
