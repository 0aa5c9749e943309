/* Atomic replacement of small text files: see atomicfile.h. */
#include "atomicfile.h"

#include <limits.h>
#include <unistd.h>

int atomicfile_write(const char *path, int (*fill)(FILE *f, const void *ctx), const void *ctx)
{
	char tmp[PATH_MAX + 32];
	FILE *f;
	int rc;

	if (snprintf(tmp, sizeof(tmp), "%s.%ld.tmp", path, (long)getpid()) >= (int)sizeof(tmp))
		return -1;
	f = fopen(tmp, "w");
	if (!f)
		return -1;
	rc = fill(f, ctx);
	if (fclose(f) != 0 || rc != 0 || rename(tmp, path) != 0) {
		unlink(tmp);
		return -1;
	}
	return 0;
}
