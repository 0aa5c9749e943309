#include "cli/hexload.h"

#include <string.h>

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
	/* The detail usually refines the error's name; when it is the same
	 * text (or empty), say it once. */
	const char *what = ihex_strerror(err);
	if (!diag.detail[0] || strcmp(diag.detail, what) == 0)
		cli_error(path, diag.line, "%s; %s", what, hint);
	else
		cli_error(path, diag.line, "%s: %s; %s", what, diag.detail, hint);
	return CLI_EXIT_INPUT;
}
