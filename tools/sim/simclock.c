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
	c->left_wall_ns = c->start_wall_ns;
	c->call_wall_ns = c->start_wall_ns;
	c->call_spent_ns = 0;
	c->call_credit_ns = 0;
	c->credit_ns = 0;
	c->real = real;
}

uint64_t simclock_wall(const struct simclock *c)
{
	return monotonic_ns() - c->start_wall_ns;
}

void simclock_enter(struct simclock *c)
{
	uint64_t now = monotonic_ns();

	if (now > c->left_wall_ns)
		c->modeled_ns += now - c->left_wall_ns;
	c->call_wall_ns = now;
	c->call_spent_ns = 0;
	c->call_credit_ns = c->credit_ns;
	c->credit_ns = 0;
}

/* Real mode: when the current call should end on the wall clock. */
static uint64_t call_deadline(const struct simclock *c)
{
	uint64_t used = c->call_credit_ns < c->call_spent_ns ? c->call_credit_ns : c->call_spent_ns;

	return c->call_wall_ns + c->call_spent_ns - used;
}

/* At most this much lateness is made up later (a long stall is not replayed fast). */
#define MAX_CREDIT_NS 50000000u

void simclock_leave(struct simclock *c)
{
	uint64_t now = monotonic_ns();

	c->left_wall_ns = now;
	if (c->real) {
		uint64_t deadline = call_deadline(c);
		uint64_t unused = c->call_credit_ns > c->call_spent_ns
					  ? c->call_credit_ns - c->call_spent_ns
					  : 0;

		c->credit_ns = unused + (now > deadline ? now - deadline : 0);
		if (c->credit_ns > MAX_CREDIT_NS)
			c->credit_ns = MAX_CREDIT_NS;
	}
}

uint64_t simclock_now(const struct simclock *c)
{
	return c->modeled_ns;
}

uint64_t simclock_spend(struct simclock *c, uint64_t ns)
{
	c->modeled_ns += ns;
	c->busy_ns += ns;
	c->call_spent_ns += ns;
	if (c->real) {
		uint64_t abs = call_deadline(c);
		struct timespec ts = {.tv_sec = (time_t)(abs / 1000000000u),
				      .tv_nsec = (long)(abs % 1000000000u)};

		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
			;
	}
	return c->modeled_ns;
}
