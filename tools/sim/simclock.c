#include "simclock.h"

#include <errno.h>
#include <time.h>

static uint64_t monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void simclock_init(struct simclock *c, bool real)
{
	c->start_wall_ns = monotonic_ns();
	c->modeled_ns = 0;
	c->busy_ns = 0;
	c->real = real;
}

uint64_t simclock_wall(const struct simclock *c)
{
	return monotonic_ns() - c->start_wall_ns;
}

uint64_t simclock_now(struct simclock *c)
{
	uint64_t wall = simclock_wall(c);

	if (wall > c->modeled_ns)
		c->modeled_ns = wall;
	return c->modeled_ns;
}

uint64_t simclock_spend(struct simclock *c, uint64_t ns)
{
	uint64_t target = simclock_now(c) + ns;

	c->modeled_ns = target;
	c->busy_ns += ns;
	if (c->real) {
		uint64_t abs = c->start_wall_ns + target;
		struct timespec ts = {.tv_sec = (time_t)(abs / 1000000000u),
				      .tv_nsec = (long)(abs % 1000000000u)};

		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
			;
	}
	return target;
}
