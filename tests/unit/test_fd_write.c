#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io/fd_write.h"

Test(fd_write, writes_every_byte_in_order)
{
	int p[2];
	cr_assert_eq(pipe(p), 0);
	char out[1000];
	for (size_t i = 0; i < sizeof out; i++)
		out[i] = (char)(i * 7);
	size_t written = 0;
	cr_assert_eq(fd_write_all(p[1], out, sizeof out, &written), 0);
	cr_assert_eq(written, sizeof out);
	char in[sizeof out];
	size_t got = 0;
	while (got < sizeof in) {
		ssize_t n = read(p[0], in + got, sizeof in - got);
		cr_assert_gt(n, 0);
		got += (size_t)n;
	}
	cr_assert_arr_eq(in, out, sizeof out);
	close(p[0]);
	close(p[1]);
}

/* A full non-blocking pipe stops the write part way: the caller learns how
 * much went out, so that it can cut a torn record off again. */
Test(fd_write, counts_the_bytes_written_before_a_failure)
{
	int p[2];
	cr_assert_eq(pipe2(p, O_NONBLOCK), 0);
	int cap = fcntl(p[1], F_GETPIPE_SZ);
	cr_assert_gt(cap, 0);
	size_t len = (size_t)cap * 2;
	char *buf = calloc(1, len);
	cr_assert_not_null(buf);
	size_t written = 0;
	errno = 0;
	cr_assert_eq(fd_write_all(p[1], buf, len, &written), -1);
	cr_assert_eq(errno, EAGAIN);
	cr_assert_eq(written, (size_t)cap);
	free(buf);
	close(p[0]);
	close(p[1]);
}

Test(fd_write, fails_with_errno_on_a_descriptor_not_open_for_writing)
{
	int p[2];
	cr_assert_eq(pipe(p), 0);
	size_t written = 99;
	errno = 0;
	cr_assert_eq(fd_write_all(p[0], "x", 1, &written), -1);
	cr_assert_eq(errno, EBADF);
	cr_assert_eq(written, 0);
	cr_assert_eq(fd_write_all(p[1], "x", 1, NULL), 0);
	close(p[0]);
	close(p[1]);
}
