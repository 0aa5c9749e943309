#include "cli/hexload.h"

#include "cli/cli.h"

int cli_load_hex(const char *path, struct image **out, struct ihex_info *info)
{
	struct ihex_diag diag = {0};
	ihex_err err = ihex_read_file(path, out, info, &diag);
	if (err == IHEX_OK)
		return CLI_EXIT_OK;
	*out = NULL;
	if (err == IHEX_ERR_NOMEM) {
		cli_error(path, 0, "out of memory reading the file");
		return CLI_EXIT_FAILURE;
	}
	const char *hint = err == IHEX_ERR_IO ? "check the path and its permissions"
					      : "is this an Intel HEX file? regenerate it";
	cli_error(path, diag.line, "%s: %s; %s", ihex_strerror(err),
		  diag.detail[0] ? diag.detail : "no detail", hint);
	return CLI_EXIT_INPUT;
}
