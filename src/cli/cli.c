#include "cli/cli.h"

#include <stdarg.h>
#include <string.h>
#include <sys/resource.h>

#include "cred/secure_mem.h"

const char cli_exit_codes_help[] =
	"Exit codes:\n"
	"  0    success\n"
	"  1    internal error (out of memory, a bug)\n"
	"  2    usage error (bad or missing option)\n"
	"  3    input or configuration error (hex file, credential, INI file)\n"
	"  4    probe error (J-Link not found, USB or SWD failure, target not reachable)\n"
	"  5    a board failed provisioning\n"
	"  6    feature not available in this build\n"
	"  7    standard output closed during a station run (e.g. the reader of a\n"
	"       pipe ended); every board still finished, was wiped and logged\n"
	"  8    the factory database cannot be reached, or refused (db, pool, a\n"
	"       station with [database] policy = require)\n"
	"  130  interrupted (Ctrl-C)\n";

static void vreport(const char *kind, const char *where, unsigned line, const char *fmt, va_list ap)
{
	fputs("nrfcred: ", stderr);
	if (kind)
		fprintf(stderr, "%s: ", kind);
	if (where && line)
		fprintf(stderr, "%s:%u: ", where, line);
	else if (where)
		fprintf(stderr, "%s: ", where);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void cli_error(const char *where, unsigned line, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vreport(NULL, where, line, fmt, ap);
	va_end(ap);
}

void cli_warn(const char *where, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vreport("warning", where, 0, fmt, ap);
	va_end(ap);
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("nrfcred: ", stderr);
	if (cmd)
		fprintf(stderr, "%s: ", cmd);
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "; see 'nrfcred help%s%s'\n", cmd ? " " : "", cmd ? cmd : "");
	va_end(ap);
	return CLI_EXIT_USAGE;
}

void cli_protect_secrets(void)
{
	int e = secure_mem_protect_process();
	if (e != 0)
		cli_warn(NULL,
			 "cannot turn off core dumps (%s): a crash could write the credentials "
			 "into a core file; run nrfcred where setrlimit and prctl are allowed",
			 strerror(e));
}

void cli_warn_unlocked_secrets(void)
{
	size_t n = secure_mem_unlocked_bytes();
	struct rlimit rl;
	if (n == 0 || getrlimit(RLIMIT_MEMLOCK, &rl) != 0)
		return;
	char limit[32];
	if (rl.rlim_cur == RLIM_INFINITY)
		snprintf(limit, sizeof limit, "unlimited");
	else
		snprintf(limit, sizeof limit, "%llu KiB", (unsigned long long)rl.rlim_cur / 1024);
	cli_warn(NULL,
		 "%zu KiB of credential memory could not be locked in RAM (RLIMIT_MEMLOCK "
		 "%s) and may be written to swap; raise the limit (ulimit -l, or "
		 "LimitMEMLOCK= of a systemd unit)",
		 (n + 1023) / 1024, limit);
}
