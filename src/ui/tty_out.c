#include "ui/tty_out.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

bool tty_out_queue(struct tty_out *o, const char *s, size_t n)
{
	if (o->off > 0) {
		memmove(o->buf, o->buf + o->off, o->len - o->off);
		o->len -= o->off;
		o->off = 0;
	}
	char *p = realloc(o->buf, o->len + n + 1);
	if (p == NULL)
		return false;
	memcpy(p + o->len, s, n);
	o->buf = p;
	o->len += n;
	return true;
}

bool tty_out_pending(const struct tty_out *o)
{
	return o->off < o->len;
}

enum tty_out_status tty_out_flush(struct tty_out *o, int fd)
{
	while (o->off < o->len) {
		ssize_t w = write(fd, o->buf + o->off, o->len - o->off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return TTY_OUT_PENDING;
		if (w <= 0) {
			int e = w < 0 ? errno : EIO;
			o->off = o->len = 0;
			errno = e;
			return TTY_OUT_ERROR;
		}
		o->off += (size_t)w;
	}
	return TTY_OUT_DONE;
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

enum tty_out_status tty_out_drain(struct tty_out *o, int fd, int timeout_ms)
{
	long long end = now_ms() + timeout_ms;
	for (;;) {
		enum tty_out_status st = tty_out_flush(o, fd);
		long long left = end - now_ms();
		if (st != TTY_OUT_PENDING || left <= 0)
			return st;
		struct pollfd p = {.fd = fd, .events = POLLOUT};
		if (poll(&p, 1, (int)left) < 0 && errno != EINTR)
			return TTY_OUT_PENDING;
	}
}

void tty_out_free(struct tty_out *o)
{
	free(o->buf);
	o->buf = NULL;
	o->len = o->off = 0;
}
