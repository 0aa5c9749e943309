/*
 * The bytes of dashboard frames on their way to the terminal. The terminal
 * may be non-blocking (uv_tty_init sets O_NONBLOCK, and the file
 * description is shared with the shell and anything else on that
 * terminal): a write then takes part of a frame, or nothing (EAGAIN). What
 * did not go out is kept and goes first next time, so the terminal always
 * gets whole frames in order, and the caller learns when a frame's last
 * byte is out, which is when it is drawn (the cursor-up count of the next
 * frame depends on it).
 */
#ifndef NRFCRED_UI_TTY_OUT_H
#define NRFCRED_UI_TTY_OUT_H

#include <stdbool.h>
#include <stddef.h>

struct tty_out {
	char *buf;
	size_t len; /* bytes queued */
	size_t off; /* of which written */
};

enum tty_out_status {
	TTY_OUT_DONE,	 /* every queued byte is out */
	TTY_OUT_PENDING, /* the terminal takes no more now (EAGAIN): flush again later */
	TTY_OUT_ERROR,	 /* the terminal went away (EIO, EPIPE, ...): errno says why */
};

/* Appends n bytes to what is queued; false when out of memory (nothing is
 * queued then). */
bool tty_out_queue(struct tty_out *o, const char *s, size_t n);
/* Writes what fd takes without waiting. On TTY_OUT_ERROR the queue is
 * dropped (the terminal is gone; keeping it would grow it forever). */
enum tty_out_status tty_out_flush(struct tty_out *o, int fd);
/* Flushes, waiting up to timeout_ms in all for fd to take more (poll):
 * for the last frame, after which nothing flushes again. */
enum tty_out_status tty_out_drain(struct tty_out *o, int fd, int timeout_ms);
bool tty_out_pending(const struct tty_out *o);
void tty_out_free(struct tty_out *o);

#endif
