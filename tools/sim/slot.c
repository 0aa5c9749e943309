#include "slot.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "slotctl.h"

int slot_init(struct slot *slot, const struct scenario *s, const struct scenario_probe *cfg)
{
	int n;

	memset(slot, 0, sizeof(*slot));
	slot->cfg = cfg;
	n = snprintf(slot->slot_path, sizeof(slot->slot_path), "%s/%s.slot", s->state_dir,
		     cfg->serial);
	if (n < 0 || (size_t)n >= sizeof(slot->slot_path))
		return -1;
	return scenario_board_path(s, cfg->serial, slot->board_path, sizeof(slot->board_path));
}

/* The board a fresh state file is created from: the scenario's, with the
 * IMEI of this generation and the operator's presence. */
static struct simboard *open_current(struct slot *slot)
{
	struct simboard_config cfg = slot->cfg->board;

	if (slot->generation)
		slotctl_imei(slot->cfg->board.imei, slot->generation, cfg.imei);
	if (slot->removed)
		cfg.present = false;
	else if (slot->inserted)
		cfg.present = true;
	return simboard_open(&cfg, slot->board_path);
}

struct simboard *slot_replace(struct slot *slot, struct simboard *old)
{
	struct slotctl done = {
		.seq = slot->seq, .action = SLOTCTL_INSERT, .generation = slot->generation};

	if (old)
		simboard_close(old);
	unlink(slot->board_path);
	slot->removed = false;
	slot->inserted = true;
	/* Recorded as done, so that a later process does not replace it again
	 * (unless the operator acted meanwhile). */
	if (slot->pending_seq == slot->seq && slotctl_write(slot->slot_path, &done) != 0)
		fprintf(stderr, "nrfsim: cannot update %s\n", slot->slot_path);
	slot->pending_seq = 0;
	slotctl_changed(slot->slot_path, &slot->stamp);
	return open_current(slot);
}

/* Takes a new action into the slot's state; true if it is a replacement. */
static bool take(struct slot *slot, const struct slotctl *c)
{
	slot->seq = c->seq;
	slot->generation = c->generation;
	slot->removed = c->action == SLOTCTL_REMOVE;
	slot->inserted = c->action != SLOTCTL_REMOVE;
	if (c->action != SLOTCTL_REPLACE)
		return false;
	slot->pending_seq = c->seq;
	return true;
}

struct simboard *slot_open_board(struct slot *slot, const struct scenario *s)
{
	struct slotctl c;
	struct simboard *b;
	bool fresh = false;

	if (scenario_make_state_dir(s) != 0)
		return NULL;
	slotctl_changed(slot->slot_path, &slot->stamp);
	if (slotctl_read(slot->slot_path, &c) == 0 && c.seq > slot->seq)
		fresh = take(slot, &c);
	b = open_current(slot);
	/* Opened first so the file is only deleted while this process holds it. */
	if (b && fresh)
		b = slot_replace(slot, b);
	return b;
}

static uint64_t monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void slot_begin_swap(struct slot *slot, struct simboard *b)
{
	if (!b)
		return;
	simboard_set_present(b, false);
	slot->seated_at_ns = monotonic_ns() + SLOT_SWAP_NS;
}

bool slot_poll(struct slot *slot, struct simboard *b)
{
	struct slotctl c;

	if (slot->seated_at_ns && monotonic_ns() >= slot->seated_at_ns) {
		slot->seated_at_ns = 0;
		simboard_set_present(b, !slot->removed);
	}
	if (!slotctl_changed(slot->slot_path, &slot->stamp))
		return false;
	if (slotctl_read(slot->slot_path, &c) != 0 || c.seq <= slot->seq)
		return false;
	slot->seated_at_ns = 0; /* a later action overrides a swap in progress */
	if (take(slot, &c))
		return true;
	simboard_set_present(b, !slot->removed);
	return false;
}
