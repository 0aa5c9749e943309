/*
 * Small text files that readers in other processes poll (counters, slot
 * actions): written to a temporary file next to the target and renamed over
 * it, so a reader sees the old file or the new one, never half of one.
 */
#ifndef NRFSIM_ATOMICFILE_H
#define NRFSIM_ATOMICFILE_H

#include <stdio.h>

/*
 * Calls fill(f, ctx) on the temporary file "<path>.<pid>.tmp", then renames
 * it to path. fill returns 0, or non-zero to give up. Returns 0, or -1 (the
 * temporary file is removed).
 */
int atomicfile_write(const char *path, int (*fill)(FILE *f, const void *ctx), const void *ctx);

#endif
