/* Entry points of the subcommands listed in commands.def. */
#ifndef NRFCRED_CLI_COMMANDS_H
#define NRFCRED_CLI_COMMANDS_H

#include <stdio.h>

#define CLI_COMMAND(name, summary)                                                                 \
	int cmd_##name##_main(int argc, char **argv);                                              \
	void cmd_##name##_help(FILE *out);
#include "cli/commands.def"
#undef CLI_COMMAND

#endif
