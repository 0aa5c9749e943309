/*
 * J-Link backend (libjaylink 0.3.x, USB only).
 *
 * Threading (libjaylink changes its per-context device list and reference
 * counts without locks, jlink.md §6.7): jlink_context_create/destroy,
 * jlink_list, jlink_open and probe_close of a J-Link probe must all run on ONE
 * thread (the station's loop thread). Once open, all SWD I/O of one probe may
 * run on a worker thread, one worker per probe at a time; different probes
 * may do I/O in parallel.
 *
 * Discovery is always JAYLINK_HIF_USB: the TCP variant sends a UDP broadcast
 * (jlink.md §5), which this tool never does.
 */
#ifndef NRFCRED_PROBE_JLINK_H
#define NRFCRED_PROBE_JLINK_H

#include "probe/probe.h"

#include <stddef.h>
#include <stdint.h>

/* Default SWD clock (kHz): what the Nordic DK runners use (nrf91-registers.md §8). */
#define JLINK_DEFAULT_SPEED_KHZ 4000u

struct jlink_context;

probe_err jlink_context_create(struct jlink_context **out);
/* Every probe opened from ctx must be closed first. */
void jlink_context_destroy(struct jlink_context *ctx);

struct jlink_probe_info {
	uint32_t serial;    /* 0 when the probe has no readable serial */
	char firmware[112]; /* firmware string, "" when it could not be read */
	uint16_t vtref_mv;  /* target reference voltage */
	probe_err err;	    /* PROBE_OK when firmware and VTref were read */
	char detail[112];   /* what failed, when err != PROBE_OK */
};

/*
 * Scans USB and briefly opens every J-Link to read its firmware string and
 * VTref. A probe that cannot be opened (busy, broken) is still listed with
 * its err set. *list is malloc'ed (free with jlink_list_free); *count may be 0.
 * Returns PROBE_ERR_USB when the scan itself failed.
 */
probe_err jlink_list(struct jlink_context *ctx, struct jlink_probe_info **list, size_t *count);
void jlink_list_free(struct jlink_probe_info *list);

/*
 * Opens the J-Link with this serial, selects SWD, sizes the SWD batch from
 * the probe's free memory and sets the clock (speed_khz 0 = the default,
 * clamped to what the probe supports). On failure *out is NULL and errbuf
 * (may be NULL) holds a one-line reason.
 */
probe_err jlink_open(struct jlink_context *ctx, uint32_t serial, uint32_t speed_khz,
		     struct probe **out, char *errbuf, size_t errlen);

/* Clock the probe really runs at (after clamping), in kHz. */
uint32_t jlink_speed_khz(const struct probe *p);

#endif
