#include "ui/tty.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "ui/dashboard.h"
#include "ui/tty_out.h"

#define REDRAW_MS     100u /* at most 10 frames a second */
#define DEFAULT_WIDTH 100u
/* How long the last frame may wait for a terminal that takes nothing. */
#define FINAL_FRAME_MS 1000

struct ui_tty {
	uv_loop_t *loop;
	int fd;
	bool color;
	ui_progress_fn progress;
	void *progress_user;
	uv_tty_t tty;
	uv_timer_t timer;
	uv_signal_t winch;
	bool open;
	bool started;
	unsigned width;
	size_t drawn_lines; /* lines of the last frame wholly written */
	bool resized;
	char *last_frame; /* that frame */
	struct tty_out out;
	/* A frame still on its way (out pending): drawn once its bytes are. */
	char *sending_frame;
	size_t sending_lines;
	bool gone; /* a write failed for good (EIO: the terminal closed) */
	struct dash_snapshot snap;
};

bool ui_tty_color_wanted(int fd)
{
	const char *nc = getenv("NO_COLOR");
	return isatty(fd) && (nc == NULL || nc[0] == '\0');
}

static uint64_t wall_ms(void)
{
	struct timeval tv;
	gettimeofday(&tv, NULL);
	return (uint64_t)tv.tv_sec * 1000u + (uint64_t)tv.tv_usec / 1000u;
}

/* The frame in flight is wholly out: it is what the screen shows now. */
static void frame_drawn(struct ui_tty *t)
{
	t->drawn_lines = t->sending_lines;
	free(t->last_frame);
	t->last_frame = t->sending_frame;
	t->sending_frame = NULL;
}

/* Sends what is queued; true when the frame in flight is drawn. */
static bool frame_sent(struct ui_tty *t, enum tty_out_status st)
{
	if (st == TTY_OUT_DONE) {
		frame_drawn(t);
		return true;
	}
	if (st == TTY_OUT_ERROR) {
		/* The terminal went away (SIGHUP stops the run): draw no more. */
		t->gone = true;
		free(t->sending_frame);
		t->sending_frame = NULL;
	}
	return false;
}

static void update_width(struct ui_tty *t)
{
	int w = 0, h = 0;
	if (uv_tty_get_winsize(&t->tty, &w, &h) == 0 && w > 1)
		t->width = (unsigned)w;
	else
		t->width = DEFAULT_WIDTH;
}

/* Draws the frame over the previous one. Lines are cut one column short of
 * the width so the terminal never wraps them (a wrapped line would break the
 * cursor-up count). */
static void draw(struct ui_tty *t, bool force)
{
	if (t->gone)
		return;
	/* The rest of the previous frame goes first: until it is out, the
	 * cursor is not where the next frame's cursor-up count assumes. */
	if (tty_out_pending(&t->out) && !frame_sent(t, tty_out_flush(&t->out, t->fd)))
		return;
	for (size_t i = 0; i < t->snap.row_count; i++) {
		struct dash_row *r = &t->snap.rows[i];
		uint64_t done = 0, total = 0;
		bool bytes = true;
		if (t->progress && t->progress(t->progress_user, r->slot, &done, &total, &bytes)) {
			r->bytes_done = done;
			r->bytes_total = total;
			r->progress_not_bytes = !bytes;
		}
	}
	t->snap.now_ms = wall_ms();
	size_t lines = 0;
	char *frame = dashboard_render(&t->snap, t->width > 1 ? t->width - 1 : 1, t->color, &lines);
	if (frame == NULL)
		return;
	if (!force && !t->resized && t->last_frame && strcmp(frame, t->last_frame) == 0) {
		free(frame);
		return;
	}
	size_t cap = strlen(frame) + lines * 8 + 64;
	char *out = malloc(cap);
	if (out == NULL) {
		free(frame);
		return;
	}
	size_t n = 0;
	if (t->drawn_lines > 0)
		n += (size_t)snprintf(out + n, cap - n, "\r\x1b[%zuA", t->drawn_lines);
	if (t->resized)
		n += (size_t)snprintf(out + n, cap - n, "\x1b[J");
	for (char *line = frame, *nl; (nl = strchr(line, '\n')) != NULL; line = nl + 1) {
		size_t len = (size_t)(nl - line);
		memcpy(out + n, line, len);
		n += len;
		memcpy(out + n, "\x1b[K\n", 4);
		n += 4;
	}
	if (lines < t->drawn_lines)
		n += (size_t)snprintf(out + n, cap - n, "\x1b[J");
	bool queued = tty_out_queue(&t->out, out, n);
	free(out);
	if (!queued) {
		free(frame);
		return;
	}
	t->resized = false;
	t->sending_frame = frame;
	t->sending_lines = lines;
	frame_sent(t, tty_out_flush(&t->out, t->fd));
}

static void timer_cb(uv_timer_t *h)
{
	draw(h->data, false);
}

static void winch_cb(uv_signal_t *h, int signum)
{
	struct ui_tty *t = h->data;
	(void)signum;
	update_width(t);
	t->resized = true;
	draw(t, true);
}

int ui_tty_create(uv_loop_t *loop, int fd, bool color, ui_progress_fn progress, void *progress_user,
		  struct ui_tty **out)
{
	*out = NULL;
	struct ui_tty *t = calloc(1, sizeof *t);
	if (t == NULL)
		return UV_ENOMEM;
	t->loop = loop;
	t->fd = fd;
	t->color = color;
	t->progress = progress;
	t->progress_user = progress_user;
	dash_model_init(&t->snap);
	int rc = uv_tty_init(loop, &t->tty, fd, 0);
	if (rc != 0) {
		free(t);
		return rc;
	}
	uv_timer_init(loop, &t->timer);
	uv_signal_init(loop, &t->winch);
	t->timer.data = t->winch.data = t->tty.data = t;
	t->open = true;
	update_width(t);
	*out = t;
	return 0;
}

static void close_cb(uv_handle_t *h)
{
	(void)h;
}

static void close_handles(struct ui_tty *t)
{
	if (!t->open)
		return;
	t->open = false;
	uv_close((uv_handle_t *)&t->timer, close_cb);
	uv_close((uv_handle_t *)&t->winch, close_cb);
	uv_close((uv_handle_t *)&t->tty, close_cb);
}

void ui_tty_sink(void *user, const struct station_event *ev)
{
	struct ui_tty *t = user;
	dash_model_apply(&t->snap, ev);
	if (!t->open)
		return;
	if (ev->type == STATION_EV_START && !t->started) {
		t->started = true;
		uv_timer_start(&t->timer, timer_cb, 0, REDRAW_MS);
		uv_signal_start(&t->winch, winch_cb, SIGWINCH);
	} else if (ev->type == STATION_EV_END) {
		/* Nothing draws after this frame: let the terminal take what
		 * is still on its way, then the final frame itself. */
		if (!t->gone && tty_out_pending(&t->out))
			frame_sent(t, tty_out_drain(&t->out, t->fd, FINAL_FRAME_MS));
		draw(t, true);
		if (!t->gone && tty_out_pending(&t->out))
			frame_sent(t, tty_out_drain(&t->out, t->fd, FINAL_FRAME_MS));
		close_handles(t);
	}
}

void ui_tty_destroy(struct ui_tty *t)
{
	if (t == NULL)
		return;
	if (t->open) {
		/* The loop never reached END (e.g. a start-up error). */
		close_handles(t);
		uv_run(t->loop, UV_RUN_NOWAIT);
	}
	free(t->last_frame);
	free(t->sending_frame);
	tty_out_free(&t->out);
	free(t);
}
