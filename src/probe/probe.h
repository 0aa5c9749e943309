/*
 * A debug probe that can clock raw SWD bits: the seam between the ADI layer
 * (src/swd) and a backend (src/probe/jlink.c for J-Link via libjaylink, or a
 * test backend that feeds a simulated board directly).
 *
 * A backend fills a struct probe with its ops table; callers use the
 * probe_* wrappers, which count round trips and keep the last error detail.
 *
 * Thread safety: one probe is used by one thread at a time. Opening and
 * closing a backend may have stricter rules (see jlink.h).
 */
#ifndef NRFCRED_PROBE_PROBE_H
#define NRFCRED_PROBE_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
	PROBE_OK = 0,
	PROBE_ERR_USB = -1,	    /* transfer failed or timed out: probe gone or hung */
	PROBE_ERR_NOT_FOUND = -2,   /* no probe with that serial on USB */
	PROBE_ERR_BUSY = -3,	    /* probe in use by another program */
	PROBE_ERR_UNSUPPORTED = -4, /* probe lacks SWD or a needed capability */
	PROBE_ERR_DEVICE = -5,	    /* the probe firmware reported an error */
	PROBE_ERR_ARG = -6,	    /* bad argument (e.g. too many bits) */
	PROBE_ERR_NOMEM = -7,
	PROBE_ERR_LIBRARY = -8, /* libjaylink could not be initialised */
} probe_err;

struct probe;

struct probe_ops {
	/* Clocks nbits SWD cycles (nbits <= probe->max_swd_bits). dir/out/in
	 * are LSB-first bit arrays of (nbits+7)/8 bytes: dir bit 1 = the probe
	 * drives SWDIO with the out bit, 0 = it samples into in. */
	probe_err (*swd_io)(struct probe *p, const uint8_t *dir, const uint8_t *out, uint8_t *in,
			    uint32_t nbits);
	/* Sets the SWD clock; *actual_khz receives the clock really used. */
	probe_err (*set_speed)(struct probe *p, uint32_t khz, uint32_t *actual_khz);
	/* Target reference voltage in mV (0 = no board powered). */
	probe_err (*vtref)(struct probe *p, uint16_t *mv);
	/* Drives the nRESET pin low (asserted) or releases it. */
	probe_err (*set_reset)(struct probe *p, bool asserted);
	/* Lets us microseconds pass with the probe idle. Optional: NULL (a
	 * real probe) means the host sleeps; a backend whose board keeps its
	 * own clock (a test's simulated board) advances that clock instead. */
	probe_err (*wait_us)(struct probe *p, uint32_t us);
	/* Frees the backend and the probe itself. */
	void (*close)(struct probe *p);
};

struct probe {
	const struct probe_ops *ops;
	void *backend;	       /* backend state */
	uint32_t max_swd_bits; /* largest nbits one swd_io call may carry */
	uint32_t serial;       /* 0 when unknown */
	uint32_t speed_khz;    /* SWD clock in use (the backend keeps it current) */
	uint64_t swd_io_calls; /* round trips so far (counted by probe_swd_io) */
	uint64_t swd_bits;     /* bits clocked so far */
	char detail[160];      /* last error, human readable */
};

probe_err probe_swd_io(struct probe *p, const uint8_t *dir, const uint8_t *out, uint8_t *in,
		       uint32_t nbits);
probe_err probe_set_speed(struct probe *p, uint32_t khz, uint32_t *actual_khz);
probe_err probe_vtref(struct probe *p, uint16_t *mv);
probe_err probe_set_reset(struct probe *p, bool asserted);
probe_err probe_wait_us(struct probe *p, uint32_t us);
/* Closes the backend; p is invalid afterwards. NULL is ignored. */
void probe_close(struct probe *p);

/* Last error text for this probe ("" when none). */
const char *probe_last_error_detail(const struct probe *p);
/* Used by backends: formats the detail string. */
void probe_set_detail(struct probe *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

const char *probe_strerror(probe_err err);

#endif
