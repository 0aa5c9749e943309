/*
 * Modeled time of one simulated probe, in ns since the probe was created.
 * It advances by what the probe spends (USB transfers, SWD clocks, IN
 * timeouts) and by the host's idle time between two calls into the fake, so a
 * host that sleeps 90 ms after starting an erase finds it done.
 *
 * The time the simulator itself spends computing (decoding SWD, emulating the
 * CPU) is deliberately not counted: counting it would make a slow emulator
 * run the CPU longer, which makes it slower still (a feedback loop seen with
 * ASan builds). In real mode each call sleeps until the wall time since it
 * began reaches what it spent, so runs take as long as on hardware; a call
 * that finishes late (sleep latency, slow emulation) makes the next calls
 * sleep less, so the total matches. In fast mode it never sleeps.
 */
#ifndef NRFSIM_SIMCLOCK_H
#define NRFSIM_SIMCLOCK_H

#include <stdbool.h>
#include <stdint.h>

struct simclock {
	uint64_t start_wall_ns; /* CLOCK_MONOTONIC at simclock_init */
	uint64_t modeled_ns;
	uint64_t busy_ns;	 /* sum of everything spent (no idle time) */
	uint64_t left_wall_ns;	 /* when the previous call left the fake */
	uint64_t call_wall_ns;	 /* when the current call entered */
	uint64_t call_spent_ns;	 /* spent in the current call */
	uint64_t call_credit_ns; /* real mode: lateness carried into this call */
	uint64_t credit_ns;	 /* real mode: how late the previous calls finished */
	bool real;
};

void simclock_init(struct simclock *c, bool real);
/* A call from the host enters the fake: the idle time since the last call passes. */
void simclock_enter(struct simclock *c);
/* The call returns to the host. */
void simclock_leave(struct simclock *c);
/* Current modeled time. */
uint64_t simclock_now(const struct simclock *c);
/* Adds ns of modeled time; in real mode sleeps until the call has taken that long. */
uint64_t simclock_spend(struct simclock *c, uint64_t ns);
/* Wall time since init, ns. */
uint64_t simclock_wall(const struct simclock *c);

#endif
