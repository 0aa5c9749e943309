/* The random PSKs' file (station/secrets_out.h). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "station/secrets_out.h"

static char dir[64], path[128];

static void setup(void)
{
	strcpy(dir, "/tmp/nrfcred-sec-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/psk.csv", dir);
}

static void teardown(void)
{
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	cr_assert_eq(system(cmd), 0);
}

TestSuite(secrets_out, .init = setup, .fini = teardown);

static char *slurp(const char *p)
{
	static char buf[4096];
	FILE *f = fopen(p, "rb");
	cr_assert_not_null(f);
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

Test(secrets_out, creates_0600_with_header_and_appends_rows)
{
	struct secrets_out *so;
	char why[300];
	umask(022);
	cr_assert_eq(secrets_out_open(path, "line1", &so, why, sizeof why), SECRETS_OUT_OK, "%s",
		     why);
	cr_assert_eq(secrets_out_append(so, "T1", 3, "352656100011116", 43, "00ff", 4),
		     SECRETS_OUT_OK);
	secrets_out_close(so);
	struct stat st;
	cr_assert_eq(stat(path, &st), 0);
	cr_assert_eq(st.st_mode & 0777, 0600);
	cr_assert_eq(secrets_out_open(path, "line1", &so, why, sizeof why), SECRETS_OUT_OK, "%s",
		     why);
	cr_assert_eq(secrets_out_append(so, "T2", 4, "352656100022220", 43, "abcd", 4),
		     SECRETS_OUT_OK);
	secrets_out_close(so);
	cr_assert_str_eq(slurp(path), SECRETS_OUT_HEADER "\r\n"
							 "T1,line1,3,352656100011116,43,00ff\r\n"
							 "T2,line1,4,352656100022220,43,abcd\r\n");
}

Test(secrets_out, refuses_looser_modes_symlinks_and_other_files)
{
	struct secrets_out *so = NULL;
	char why[300];
	FILE *f = fopen(path, "wb");
	fputs(SECRETS_OUT_HEADER "\r\n", f);
	fclose(f);
	cr_assert_eq(chmod(path, 0640), 0);
	cr_assert_eq(secrets_out_open(path, "s", &so, why, sizeof why), SECRETS_OUT_ERR_UNSAFE);
	cr_assert(strstr(why, "mode 0640") && strstr(why, "chmod 600"), "%s", why);
	cr_assert_null(so);
	cr_assert_eq(chmod(path, 0600), 0);
	char link[160];
	snprintf(link, sizeof link, "%s/link.csv", dir);
	cr_assert_eq(symlink(path, link), 0);
	cr_assert_eq(secrets_out_open(link, "s", &so, why, sizeof why), SECRETS_OUT_ERR_UNSAFE);
	cr_assert(strstr(why, "symbolic link"), "%s", why);
	char other[160];
	snprintf(other, sizeof other, "%s/other.csv", dir);
	f = fopen(other, "wb");
	fputs("something else\n", f);
	fclose(f);
	cr_assert_eq(chmod(other, 0600), 0);
	cr_assert_eq(secrets_out_open(other, "s", &so, why, sizeof why), SECRETS_OUT_ERR_HEADER);
	cr_assert_str_eq(slurp(other), "something else\n");
	cr_assert_eq(secrets_out_open(dir, "s", &so, why, sizeof why), SECRETS_OUT_ERR_IO);
}
