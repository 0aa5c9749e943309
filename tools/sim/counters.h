/* Probe counters: accumulation and the <serial>.counters file. */
#ifndef NRFSIM_COUNTERS_H
#define NRFSIM_COUNTERS_H

#include "nrfsim.h"

#define NRFSIM_EXPORT __attribute__((visibility("default")))

/* Writes the counters file atomically (temporary file + rename). 0 or -1. */
int counters_write_file(const char *path, const char *serial, const struct nrfsim_counters *c);

#endif
