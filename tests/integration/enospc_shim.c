/*
 * Test-only LD_PRELOAD shim (never linked into nrfcred): a disk that fills
 * up under one file. write(2) to the file whose path ends in
 * $ENOSPC_SHIM_SUFFIX takes $ENOSPC_SHIM_ROOM more bytes in all (0 if
 * unset), then fails with ENOSPC, as a full file system does (a write
 * that straddles the end is cut short first). Every other write goes
 * through untouched. For test_faults_host.sh.
 */
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

ssize_t write(int fd, const void *buf, size_t n);

static long room = -1;

static int is_target(int fd)
{
	const char *want = getenv("ENOSPC_SHIM_SUFFIX");
	char link[64], path[PATH_MAX];
	if (want == NULL || *want == '\0' || fd < 3)
		return 0;
	snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
	ssize_t len = readlink(link, path, sizeof path - 1);
	if (len <= 0)
		return 0;
	path[len] = '\0';
	size_t wl = strlen(want);
	return (size_t)len >= wl && strcmp(path + len - wl, want) == 0;
}

ssize_t write(int fd, const void *buf, size_t n)
{
	static ssize_t (*real_write)(int, const void *, size_t);
	if (real_write == NULL)
		real_write = (ssize_t(*)(int, const void *, size_t))dlsym(RTLD_NEXT, "write");
	if (!is_target(fd))
		return real_write(fd, buf, n);
	if (room < 0) {
		const char *r = getenv("ENOSPC_SHIM_ROOM");
		room = r ? atol(r) : 0;
	}
	if (room == 0 && n > 0) {
		errno = ENOSPC;
		return -1;
	}
	ssize_t w = real_write(fd, buf, n < (size_t)room ? n : (size_t)room);
	if (w > 0)
		room -= w;
	return w;
}
