/*
 * Modeled time of one simulated probe. Every USB transfer and every SWD bit
 * costs modeled time; the host's own idle time counts too, because the clock
 * never runs behind the wall clock (modeled = max(modeled, wall since start)).
 * In real mode, spending time sleeps until the wall clock has caught up, so
 * runs take as long as on hardware; in fast mode it never sleeps.
 */
#ifndef NRFSIM_SIMCLOCK_H
#define NRFSIM_SIMCLOCK_H

#include <stdbool.h>
#include <stdint.h>

struct simclock {
	uint64_t start_wall_ns; /* CLOCK_MONOTONIC at simclock_init */
	uint64_t modeled_ns;	/* never less than the wall time since start */
	uint64_t busy_ns;	/* sum of everything spent (no idle time) */
	bool real;
};

void simclock_init(struct simclock *c, bool real);
/* Current modeled time (ns since init), after catching up with the wall clock. */
uint64_t simclock_now(struct simclock *c);
/* Adds ns of modeled time; in real mode sleeps until the wall clock reaches it. */
uint64_t simclock_spend(struct simclock *c, uint64_t ns);
/* Wall time since init, ns. */
uint64_t simclock_wall(const struct simclock *c);

#endif
