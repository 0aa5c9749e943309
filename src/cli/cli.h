/*
 * Shared by every nrfcred subcommand: exit codes and the error message style
 *   nrfcred: <file>:<line>: <what>; <what to do>
 * Messages name files, addresses, sizes and fingerprints, never key content.
 */
#ifndef NRFCRED_CLI_H
#define NRFCRED_CLI_H

#include <stdio.h>

/* Exit codes of every subcommand (documented in `nrfcred --help`). */
enum cli_exit {
	CLI_EXIT_OK = 0,
	CLI_EXIT_FAILURE = 1,	   /* internal error: out of memory, a bug */
	CLI_EXIT_USAGE = 2,	   /* bad command line */
	CLI_EXIT_INPUT = 3,	   /* input or configuration error: hex, credential, INI file */
	CLI_EXIT_PROBE = 4,	   /* J-Link not found, USB/SWD failure, target not reachable */
	CLI_EXIT_BOARD_FAILED = 5, /* at least one board failed provisioning */
	CLI_EXIT_UNAVAILABLE = 6,  /* the feature is not available in this build */
	CLI_EXIT_OUTPUT = 7,	   /* stdout went away mid-run (boards still finished) */
	CLI_EXIT_DATABASE = 8,	   /* the factory database cannot be reached or refused */
	CLI_EXIT_INTERRUPTED = 130 /* stopped by SIGINT/SIGTERM (128 + SIGINT) */
};

/* Text block listing the exit codes, for help screens. */
extern const char cli_exit_codes_help[];

/* Prints "nrfcred: [where[:line]: ]<message>\n" to stderr. where may be
 * NULL; line 0 is left out. */
void cli_error(const char *where, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Same with "nrfcred: warning: " */
void cli_warn(const char *where, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* At the start of every command that may load a secret (a credential, a
 * hex holding a table, a station file): no core dump, not dumpable
 * (secure_mem_protect_process). Warns when the kernel refuses. */
void cli_protect_secrets(void);
/* Once, after the command's secrets are loaded: a warning when some of
 * their memory could not be locked in RAM (RLIMIT_MEMLOCK). Names sizes
 * and the limit, nothing else. */
void cli_warn_unlocked_secrets(void);

/* Standard "see help" ending for usage errors. */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
