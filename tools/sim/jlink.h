/*
 * One simulated J-Link: the command protocol spoken over the bulk endpoints
 * (jlink.md §3, §4), the probe's modeled clock and its counters.
 * Bytes of bulk OUT transfers go in; responses queue in an IN FIFO that bulk
 * IN transfers drain. The SWD lines go to the attached board, if any.
 *
 * Not thread-safe: the caller (fakeusb.c) serialises calls per probe.
 */
#ifndef NRFSIM_JLINK_H
#define NRFSIM_JLINK_H

#include <stddef.h>
#include <stdint.h>

#include "board.h"
#include "nrfsim.h"
#include "scenario.h"

struct jlink_sim;

struct jlink_sim *jlink_sim_create(const struct scenario *s, const struct scenario_probe *p);
void jlink_sim_destroy(struct jlink_sim *j);

/* Connects the SWD lines to a board (NULL: nothing connected, SWDIO pulled up). */
void jlink_sim_attach(struct jlink_sim *j, struct simboard *b);
struct simboard *jlink_sim_board(const struct jlink_sim *j);

/* Feeds one bulk OUT transfer; always consumes all len bytes. */
void jlink_sim_out(struct jlink_sim *j, const uint8_t *data, size_t len);
/*
 * One bulk IN transfer: copies up to len queued response bytes into buf and
 * returns how many. 0 means nothing is queued: the caller answers TIMEOUT, and
 * the probe's clock has advanced by timeout_ms.
 */
size_t jlink_sim_in(struct jlink_sim *j, uint8_t *buf, size_t len, unsigned timeout_ms);
/* Runs the board up to the current modeled time. */
void jlink_sim_advance(struct jlink_sim *j);

void jlink_sim_get_counters(struct jlink_sim *j, struct nrfsim_counters *c);

#endif
