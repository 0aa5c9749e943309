/* The random PSKs' file (secrets_out.h). */
#include "station/secrets_out.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cred/secure_mem.h"
#include "io/fd_write.h"

struct secrets_out {
	int fd;
	char *path;
	char station[64];
	pthread_mutex_t lock;
};

static secrets_out_err say(char *why, size_t whylen, secrets_out_err e, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static secrets_out_err say(char *why, size_t whylen, secrets_out_err e, const char *fmt, ...)
{
	if (why && whylen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(why, whylen, fmt, ap);
		va_end(ap);
	}
	return e;
}

/* An existing file must start with the header: a file of something else is
 * not appended to. Only the first line is read (no secret is copied). */
static secrets_out_err check_header(int fd, const char *path, char *why, size_t whylen)
{
	char head[sizeof SECRETS_OUT_HEADER + 1];
	ssize_t n = pread(fd, head, sizeof head, 0);
	if (n < 0)
		return say(why, whylen, SECRETS_OUT_ERR_IO, "%s: %s", path, strerror(errno));
	size_t hl = strlen(SECRETS_OUT_HEADER);
	if ((size_t)n < hl + 1 || memcmp(head, SECRETS_OUT_HEADER, hl) != 0 ||
	    (head[hl] != '\n' && head[hl] != '\r'))
		return say(why, whylen, SECRETS_OUT_ERR_HEADER,
			   "%s: its first line is not \"" SECRETS_OUT_HEADER
			   "\"; move it away or name another secrets_out",
			   path);
	return SECRETS_OUT_OK;
}

secrets_out_err secrets_out_open(const char *path, const char *station, struct secrets_out **out,
				 char *why, size_t whylen)
{
	*out = NULL;
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		int e = errno;
		if (e == ELOOP)
			return say(why, whylen, SECRETS_OUT_ERR_UNSAFE,
				   "%s: is a symbolic link; secrets_out must name the file "
				   "itself",
				   path);
		errno = e;
		return say(why, whylen, SECRETS_OUT_ERR_IO, "%s: %s", path, strerror(e));
	}
	struct stat st;
	secrets_out_err rc = SECRETS_OUT_OK;
	if (fstat(fd, &st) != 0)
		rc = say(why, whylen, SECRETS_OUT_ERR_IO, "%s: %s", path, strerror(errno));
	else if (!S_ISREG(st.st_mode))
		rc = say(why, whylen, SECRETS_OUT_ERR_UNSAFE, "%s: not a regular file", path);
	else if (st.st_uid != geteuid())
		rc = say(why, whylen, SECRETS_OUT_ERR_UNSAFE,
			 "%s: belongs to uid %u, not to this user; secrets_out must be a file "
			 "of the station's own user",
			 path, (unsigned)st.st_uid);
	else if (st.st_mode & 077)
		rc = say(why, whylen, SECRETS_OUT_ERR_UNSAFE,
			 "%s: mode %04o lets others read or write the keys; valid: mode 0600 "
			 "(chmod 600 %s)",
			 path, (unsigned)(st.st_mode & 07777), path);
	else if (st.st_size == 0) {
		if (fd_write_all(fd, SECRETS_OUT_HEADER "\r\n", strlen(SECRETS_OUT_HEADER) + 2,
				 NULL) != 0 ||
		    fsync(fd) != 0)
			rc = say(why, whylen, SECRETS_OUT_ERR_IO, "%s: %s", path, strerror(errno));
	} else {
		/* O_APPEND writes, reads need a descriptor of their own. */
		int rfd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (rfd < 0)
			rc = say(why, whylen, SECRETS_OUT_ERR_IO, "%s: %s", path, strerror(errno));
		else {
			rc = check_header(rfd, path, why, whylen);
			close(rfd);
		}
	}
	struct secrets_out *so = rc == SECRETS_OUT_OK ? calloc(1, sizeof *so) : NULL;
	if (rc == SECRETS_OUT_OK && (so == NULL || (so->path = strdup(path)) == NULL))
		rc = say(why, whylen, SECRETS_OUT_ERR_NOMEM, "out of memory");
	if (rc != SECRETS_OUT_OK) {
		int e = errno;
		if (so)
			free(so->path);
		free(so);
		close(fd);
		errno = e;
		return rc;
	}
	so->fd = fd;
	snprintf(so->station, sizeof so->station, "%s", station);
	pthread_mutex_init(&so->lock, NULL);
	*out = so;
	return SECRETS_OUT_OK;
}

secrets_out_err secrets_out_append(struct secrets_out *so, const char *utc_time, unsigned slot,
				   const char *imei, uint32_t sec_tag, const char *psk_hex,
				   size_t len)
{
	size_t cap = 200 + len;
	char *row = secure_mem_alloc(cap);
	if (row == NULL)
		return SECRETS_OUT_ERR_NOMEM;
	int n = snprintf(row, cap, "%s,%s,%u,%s,%" PRIu32 ",%.*s\r\n", utc_time, so->station, slot,
			 imei, sec_tag, (int)len, psk_hex);
	secrets_out_err rc = SECRETS_OUT_OK;
	int e = 0;
	pthread_mutex_lock(&so->lock);
	struct stat st;
	if (n < 0 || (size_t)n >= cap) {
		rc = SECRETS_OUT_ERR_NOMEM;
	} else if (fstat(so->fd, &st) != 0) {
		e = errno;
		rc = SECRETS_OUT_ERR_IO;
	} else if (fd_write_all(so->fd, row, (size_t)n, NULL) != 0 || fsync(so->fd) != 0) {
		e = errno;
		rc = SECRETS_OUT_ERR_IO;
		/* A row cut short (disk full) is cut off again: the file keeps
		 * whole rows, and that key is never sent. */
		if (ftruncate(so->fd, st.st_size) == 0)
			(void)fsync(so->fd);
	}
	pthread_mutex_unlock(&so->lock);
	secure_mem_free(row);
	errno = e;
	return rc;
}

const char *secrets_out_path(const struct secrets_out *so)
{
	return so->path;
}

void secrets_out_close(struct secrets_out *so)
{
	if (so == NULL)
		return;
	close(so->fd);
	pthread_mutex_destroy(&so->lock);
	free(so->path);
	free(so);
}

const char *secrets_out_strerror(secrets_out_err err)
{
	switch (err) {
	case SECRETS_OUT_OK:
		return "ok";
	case SECRETS_OUT_ERR_IO:
		return "cannot write the secrets file";
	case SECRETS_OUT_ERR_UNSAFE:
		return "the secrets file is not safe to write keys to";
	case SECRETS_OUT_ERR_HEADER:
		return "the secrets file is not one nrfcred wrote";
	case SECRETS_OUT_ERR_NOMEM:
		return "out of memory";
	}
	return "unknown error";
}
