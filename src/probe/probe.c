/* Generic probe wrappers: argument checks, round-trip counting, errors. */
#include "probe/probe.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <time.h>

probe_err probe_swd_io(struct probe *p, const uint8_t *dir, const uint8_t *out, uint8_t *in,
		       uint32_t nbits)
{
	if (!p || !dir || !out || !in || nbits == 0)
		return PROBE_ERR_ARG;
	if (nbits > p->max_swd_bits) {
		probe_set_detail(p, "SWD batch of %u bits exceeds the probe buffer (%u bits)",
				 (unsigned)nbits, (unsigned)p->max_swd_bits);
		return PROBE_ERR_ARG;
	}
	p->swd_io_calls++;
	p->swd_bits += nbits;
	return p->ops->swd_io(p, dir, out, in, nbits);
}

probe_err probe_set_speed(struct probe *p, uint32_t khz, uint32_t *actual_khz)
{
	uint32_t dummy;
	if (!p || khz == 0)
		return PROBE_ERR_ARG;
	if (!p->ops->set_speed)
		return PROBE_ERR_UNSUPPORTED;
	return p->ops->set_speed(p, khz, actual_khz ? actual_khz : &dummy);
}

probe_err probe_vtref(struct probe *p, uint16_t *mv)
{
	if (!p || !mv)
		return PROBE_ERR_ARG;
	if (!p->ops->vtref)
		return PROBE_ERR_UNSUPPORTED;
	return p->ops->vtref(p, mv);
}

probe_err probe_set_reset(struct probe *p, bool asserted)
{
	if (!p)
		return PROBE_ERR_ARG;
	if (!p->ops->set_reset)
		return PROBE_ERR_UNSUPPORTED;
	return p->ops->set_reset(p, asserted);
}

probe_err probe_wait_us(struct probe *p, uint32_t us)
{
	if (!p)
		return PROBE_ERR_ARG;
	if (p->ops->wait_us)
		return p->ops->wait_us(p, us);
	struct timespec ts = {.tv_sec = (time_t)(us / 1000000u),
			      .tv_nsec = (long)(us % 1000000u) * 1000L};
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
	}
	return PROBE_OK;
}

void probe_close(struct probe *p)
{
	if (p && p->ops && p->ops->close)
		p->ops->close(p);
}

const char *probe_last_error_detail(const struct probe *p)
{
	return p ? p->detail : "";
}

void probe_set_detail(struct probe *p, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(p->detail, sizeof(p->detail), fmt, ap);
	va_end(ap);
}

const char *probe_strerror(probe_err err)
{
	switch (err) {
	case PROBE_OK:
		return "ok";
	case PROBE_ERR_USB:
		return "USB transfer to the probe failed (unplugged or not answering)";
	case PROBE_ERR_NOT_FOUND:
		return "no J-Link with that serial number";
	case PROBE_ERR_BUSY:
		return "probe is in use by another program";
	case PROBE_ERR_UNSUPPORTED:
		return "probe does not support SWD or a needed command";
	case PROBE_ERR_DEVICE:
		return "probe reported an error";
	case PROBE_ERR_ARG:
		return "invalid argument";
	case PROBE_ERR_NOMEM:
		return "out of memory";
	case PROBE_ERR_LIBRARY:
		return "libjaylink initialisation failed";
	}
	return "unknown probe error";
}
