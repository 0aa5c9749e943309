/*
 * The dashboard's terminal writer (src/ui/tty_out.c) against a
 * non-blocking pipe that fills: a frame the pipe cannot take is kept, not
 * dropped and not counted as drawn, and goes out whole and in order once
 * the reader catches up.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ui/tty_out.h"

static int fds[2];

static void small_pipe(void)
{
	cr_assert_eq(pipe2(fds, O_NONBLOCK), 0);
	/* One page: the smallest pipe Linux makes, so a frame overflows it. */
	cr_assert_geq(fcntl(fds[1], F_SETPIPE_SZ, 4096), 4096);
}

/* Fills the pipe until it takes nothing more; returns the bytes in it. */
static size_t fill(void)
{
	static const char junk[512] = {'#'};
	size_t n = 0;
	for (;;) {
		ssize_t w = write(fds[1], junk, sizeof junk);
		if (w < 0) {
			cr_assert_eq(errno, EAGAIN);
			return n;
		}
		n += (size_t)w;
	}
}

/* Reads everything the pipe holds now into out (appending at *len). */
static void drain(char *out, size_t cap, size_t *len)
{
	for (;;) {
		ssize_t r = read(fds[0], out + *len, cap - *len);
		if (r <= 0)
			return;
		*len += (size_t)r;
	}
}

static char *frame_of(size_t n, char seed)
{
	char *f = malloc(n);
	cr_assert_not_null(f);
	for (size_t i = 0; i < n; i++)
		f[i] = (char)(seed + (char)(i % 23));
	return f;
}

Test(tty_out, a_full_terminal_keeps_the_frame_and_says_it_is_not_drawn)
{
	small_pipe();
	size_t junk = fill();
	struct tty_out o = {0};
	char *frame = frame_of(3000, 'a');
	cr_assert(tty_out_queue(&o, frame, 3000));
	cr_assert_eq(tty_out_flush(&o, fds[1]), TTY_OUT_PENDING);
	cr_assert(tty_out_pending(&o), "the frame is still on its way");
	cr_assert_eq(tty_out_flush(&o, fds[1]), TTY_OUT_PENDING, "still full: still not drawn");

	static char got[16384];
	size_t len = 0;
	drain(got, sizeof got, &len);
	cr_assert_eq(len, junk);
	cr_assert_eq(tty_out_flush(&o, fds[1]), TTY_OUT_DONE);
	cr_assert_not(tty_out_pending(&o));
	len = 0;
	drain(got, sizeof got, &len);
	cr_assert_eq(len, 3000, "the whole frame, once: %zu bytes", len);
	cr_assert_eq(memcmp(got, frame, 3000), 0);
	free(frame);
	tty_out_free(&o);
	close(fds[0]);
	close(fds[1]);
}

Test(tty_out, a_frame_larger_than_the_pipe_goes_out_in_parts_and_in_order)
{
	small_pipe();
	struct tty_out o = {0};
	char *a = frame_of(10000, 'A'), *b = frame_of(7000, 'k');
	cr_assert(tty_out_queue(&o, a, 10000));
	cr_assert_eq(tty_out_flush(&o, fds[1]), TTY_OUT_PENDING, "a partial write");
	/* The next frame queues behind the rest of the first. */
	cr_assert(tty_out_queue(&o, b, 7000));
	static char got[32768];
	size_t len = 0;
	for (int i = 0; i < 100 && tty_out_flush(&o, fds[1]) == TTY_OUT_PENDING; i++)
		drain(got, sizeof got, &len);
	cr_assert_not(tty_out_pending(&o));
	drain(got, sizeof got, &len);
	cr_assert_eq(len, 17000, "%zu bytes", len);
	cr_assert_eq(memcmp(got, a, 10000), 0);
	cr_assert_eq(memcmp(got + 10000, b, 7000), 0);
	free(a);
	free(b);
	tty_out_free(&o);
	close(fds[0]);
	close(fds[1]);
}

Test(tty_out, a_closed_terminal_is_an_error_and_the_queue_is_dropped)
{
	signal(SIGPIPE, SIG_IGN);
	small_pipe();
	close(fds[0]);
	struct tty_out o = {0};
	cr_assert(tty_out_queue(&o, "frame", 5));
	errno = 0;
	cr_assert_eq(tty_out_flush(&o, fds[1]), TTY_OUT_ERROR);
	cr_assert_eq(errno, EPIPE);
	cr_assert_not(tty_out_pending(&o));
	tty_out_free(&o);
	close(fds[1]);
}

Test(tty_out, drain_waits_for_the_reader_up_to_its_timeout)
{
	small_pipe();
	size_t junk = fill();
	struct tty_out o = {0};
	cr_assert(tty_out_queue(&o, "last frame", 10));
	/* Nobody reads: the wait ends after the timeout, the frame still queued. */
	cr_assert_eq(tty_out_drain(&o, fds[1], 50), TTY_OUT_PENDING);
	cr_assert(tty_out_pending(&o));
	static char got[16384];
	size_t len = 0;
	drain(got, sizeof got, &len);
	cr_assert_eq(len, junk);
	cr_assert_eq(tty_out_drain(&o, fds[1], 1000), TTY_OUT_DONE);
	len = 0;
	drain(got, sizeof got, &len);
	cr_assert_eq(len, 10);
	cr_assert_eq(memcmp(got, "last frame", 10), 0);
	tty_out_free(&o);
	close(fds[0]);
	close(fds[1]);
}
