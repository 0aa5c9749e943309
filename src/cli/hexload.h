/* Loading an Intel HEX file with an nrfcred-style error message. */
#ifndef NRFCRED_CLI_HEXLOAD_H
#define NRFCRED_CLI_HEXLOAD_H

#include "image/ihex.h"

/* Reads path into *out; on failure prints "nrfcred: path:line: reason; hint"
 * and returns CLI_EXIT_INPUT (or CLI_EXIT_FAILURE when out of memory). */
int cli_load_hex(const char *path, struct image **out, struct ihex_info *info);

#endif
