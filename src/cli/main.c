/* nrfcred: dispatches to the subcommands listed in commands.def. */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "build_info.h"
#include "cli/cli.h"
#include "cli/commands.h"

struct command {
	const char *name;
	const char *summary;
	int (*run)(int argc, char **argv);
	void (*help)(FILE *out);
};

static const struct command commands[] = {
#define CLI_COMMAND(name, summary) {#name, summary, cmd_##name##_main, cmd_##name##_help},
#include "cli/commands.def"
#undef CLI_COMMAND
};

#define COMMAND_COUNT (sizeof(commands) / sizeof(commands[0]))

static const struct command *find_command(const char *name)
{
	for (size_t i = 0; i < COMMAND_COUNT; i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

static void main_help(FILE *out)
{
	/* "or:" lines and an example whose continuation does not start with
	 * "--": help2man reads this text for the man page (data/meson.build). */
	fprintf(out, "Usage: nrfcred COMMAND [OPTIONS...]\n"
		     "  or:  nrfcred help COMMAND\n"
		     "  or:  nrfcred --version\n"
		     "\n"
		     "Provisions TLS credentials into the modem of nRF91 boards over SWD\n"
		     "(J-Link), one board or a whole fixture at once.\n"
		     "\n"
		     "Commands:\n");
	for (size_t i = 0; i < COMMAND_COUNT; i++)
		fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(out,
		"\n"
		"Options:\n"
		"  -h, --help     show this help\n"
		"  -V, --version  show the version\n"
		"\n"
		"'nrfcred help COMMAND' or 'nrfcred COMMAND --help' describes a command.\n"
		"\n"
		"Environment:\n"
		"  NRFCRED_PROVISIONER     provisioning firmware hex (when no --provisioner or\n"
		"                          provisioner = names one; there is no built-in default)\n"
		"  NRFCRED_KEY_PASSPHRASE  passphrase of an encrypted --client_private_key\n"
		"                          (wiped and unset as soon as it is read)\n"
		"  NRFCRED_JAYLINK_DEBUG   set: libjaylink debug messages on stderr\n"
		"  NO_COLOR                set: no colours on a terminal\n"
		"\n"
		"Example (the flags of the old cred.py):\n"
		"  nrfcred provision --sec_tag 1234 --psk CAFEBABE --psk_ident \\\n"
		"      nrf-123456789012345 -o multi_cred.hex\n"
		"\n%s",
		cli_exit_codes_help);
}

int main(int argc, char **argv)
{
	/* A reader that goes away (`nrfcred station --json ... | head`) must
	 * not kill the process in the middle of a board, which would leave its
	 * keys in flash and its row unwritten: writes to the pipe fail with
	 * EPIPE instead, and each command decides what that means. */
	signal(SIGPIPE, SIG_IGN);
	if (argc < 2) {
		main_help(stderr);
		return CLI_EXIT_USAGE;
	}
	const char *arg = argv[1];
	if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
		main_help(stdout);
		return CLI_EXIT_OK;
	}
	if (strcmp(arg, "-V") == 0 || strcmp(arg, "--version") == 0) {
		printf("nrfcred %s (git %s)\n", NRFCRED_VERSION, NRFCRED_GIT_DESCRIBE);
		return CLI_EXIT_OK;
	}
	if (strcmp(arg, "help") == 0) {
		if (argc < 3) {
			main_help(stdout);
			return CLI_EXIT_OK;
		}
		const struct command *c = find_command(argv[2]);
		if (!c)
			return cli_usage_error(NULL, "unknown command '%s'", argv[2]);
		c->help(stdout);
		return CLI_EXIT_OK;
	}
	const struct command *c = find_command(arg);
	if (!c) {
		if (arg[0] == '-')
			return cli_usage_error(NULL,
					       "unknown option '%s' (options go after the "
					       "command)",
					       arg);
		return cli_usage_error(NULL, "unknown command '%s'", arg);
	}
	return c->run(argc - 1, argv + 1);
}
