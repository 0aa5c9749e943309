#include "cli/provision_run.h"

#include "cli/cli.h"

int provision_run(const struct provision_opts *opts, const struct provision_job *job)
{
	(void)opts;
	(void)job;
	cli_error(NULL, 0, "programming a board is not available in this build yet; "
			   "write the patched firmware with -o FILE.hex instead");
	return CLI_EXIT_UNAVAILABLE;
}
