/*
 * The parameters of an AT command as 3GPP TS 27.007 §4.1 writes them: comma
 * separated, "..." strings without escapes. The modem's AT interpreter
 * (modem.c) and its key commands (modem_keygen.c) read theirs with it.
 */
#ifndef NRFSIM_AT_PARAMS_H
#define NRFSIM_AT_PARAMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One parameter: n bytes at s (not NUL-terminated), the quotes stripped. */
struct at_param {
	const char *s;
	size_t n;
	bool quoted;
};

/* Splits s (n bytes) into pv; returns the count (0 for an empty s), or -1
 * when there are more than max, a string is unterminated, or something
 * other than a comma follows a string. */
int at_params_split(const char *s, size_t n, struct at_param *pv, int max);

/* An unquoted decimal number of 0..UINT32_MAX (no sign). */
bool at_param_u32(const struct at_param *p, uint32_t *v);

#endif
