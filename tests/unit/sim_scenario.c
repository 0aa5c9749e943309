#include "sim_scenario.h"

#include <criterion/criterion.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>

/* atexit passes nothing to its callback: the folder to remove is kept here. */
static char test_dir[64];

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb, (void)flag, (void)ftw;
	return remove(path);
}

static void remove_test_dir(void)
{
	if (test_dir[0])
		nftw(test_dir, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
}

const char *sim_scenario_use(const char *template, const char *body)
{
	char path[128];
	snprintf(test_dir, sizeof test_dir, "%s", template);
	cr_assert_not_null(mkdtemp(test_dir));
	snprintf(path, sizeof path, "%s/scenario.ini", test_dir);
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f);
	fprintf(f, "[sim]\ntiming = fast\nstate_dir = %s/state\n%s", test_dir, body);
	fclose(f);
	setenv("NRFSIM_SCENARIO", path, 1);
	unsetenv("NRFSIM_STATE_DIR");
	atexit(remove_test_dir);
	return test_dir;
}
