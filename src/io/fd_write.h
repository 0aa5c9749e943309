#ifndef NRFCRED_IO_FD_WRITE_H
#define NRFCRED_IO_FD_WRITE_H

#include <stddef.h>

/* Writes all len bytes of buf to fd: write() again after EINTR and after a
 * short write. Returns 0, or -1 with errno set (EIO when write() returns 0,
 * which would otherwise never end). written (may be NULL) gets the bytes that
 * reached fd, also on failure: a caller that must not leave a torn record
 * behind knows how much to cut off again. */
int fd_write_all(int fd, const void *buf, size_t len, size_t *written);

#endif
