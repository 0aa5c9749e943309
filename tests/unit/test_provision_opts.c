/* The option parser of `nrfcred provision` (src/cli/provision_opts.c). */
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/provision_opts.h"

#define ARGC(a) ((int)(sizeof(a) / sizeof((a)[0])) - 1)

/* getopt permutes argv and the parser wipes secrets in place: every test
 * works on its own writable copies. */
static char **dup_argv(const char *const *src, int n)
{
	char **v = calloc((size_t)n + 1, sizeof(char *));
	for (int i = 0; i < n; i++)
		v[i] = strdup(src[i]);
	return v;
}

static void free_argv(char **v, int n)
{
	for (int i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static void quiet(void)
{
	cr_redirect_stderr();
	cr_redirect_stdout();
	/* There is no default provisioner: the cases about other options name one. */
	setenv("NRFCRED_PROVISIONER", "prov.hex", 1);
	unsetenv("NRFCRED_KEY_PASSPHRASE");
}

Test(provision_opts, parses_every_flag_of_the_old_tool, .init = quiet)
{
	const char *a[] = {"provision", "-i",
			   "in.hex",	"-d",
			   "2.5",	"-s",
			   "000123",	"--sec_tag",
			   "16842753",	"--psk",
			   "CAFE",	"--psk_ident",
			   "id",	"--CA_cert",
			   "ca.pem",	"--client_cert",
			   "c.pem",	"--client_private_key",
			   "k.pem",	"--program_app",
			   "app.hex",	"--replace",
			   NULL};
	char **v = dup_argv(a, ARGC(a));
	struct provision_opts o;
	cr_assert_eq(provision_opts_parse(ARGC(a), v, &o), CLI_EXIT_OK);
	cr_assert_str_eq(o.in_file, "in.hex");
	cr_assert_null(o.out_file);
	cr_assert_eq(o.fw_timeout_ms, 2500);
	cr_assert(o.fw_timeout_set);
	cr_assert_str_eq(o.serial, "000123");
	cr_assert_eq(o.sec_tag, 16842753u);
	cr_assert_str_eq(o.psk, "CAFE");
	cr_assert_str_eq(o.psk_ident, "id");
	cr_assert_str_eq(o.ca_cert, "ca.pem");
	cr_assert_str_eq(o.client_cert, "c.pem");
	cr_assert_str_eq(o.client_key, "k.pem");
	cr_assert_str_eq(o.program_app, "app.hex");
	cr_assert(o.replace);
	cr_assert_eq(provision_opts_cred_count(&o), 5);
	cr_assert_str_eq(o.provisioner, "prov.hex"); /* from the environment */
	provision_opts_free(&o);
	free_argv(v, ARGC(a));
}

Test(provision_opts, long_and_short_names_and_defaults, .init = quiet)
{
	const char *a[] = {"provision", "--in_file", "x.hex", "--out_file", "y.hex", NULL};
	char **v = dup_argv(a, ARGC(a));
	struct provision_opts o;
	cr_assert_eq(provision_opts_parse(ARGC(a), v, &o), CLI_EXIT_OK);
	cr_assert_str_eq(o.in_file, "x.hex");
	cr_assert_str_eq(o.out_file, "y.hex");
	cr_assert_eq(o.fw_timeout_ms, PROVISION_FW_TIMEOUT_DEFAULT_MS);
	cr_assert_not(o.sec_tag_set);
	provision_opts_free(&o);
	free_argv(v, ARGC(a));
}

Test(provision_opts, provisioner_from_flag_then_env_and_no_default, .init = quiet)
{
	const char *a[] = {"provision", "--imei_only", "--provisioner", "p.hex", NULL};
	char **v = dup_argv(a, ARGC(a));
	struct provision_opts o;
	setenv("NRFCRED_PROVISIONER", "env.hex", 1);
	cr_assert_eq(provision_opts_parse(ARGC(a), v, &o), CLI_EXIT_OK);
	cr_assert_str_eq(o.provisioner, "p.hex");
	provision_opts_free(&o);
	free_argv(v, ARGC(a));

	const char *b[] = {"provision", "--imei_only", NULL};
	v = dup_argv(b, ARGC(b));
	cr_assert_eq(provision_opts_parse(ARGC(b), v, &o), CLI_EXIT_OK);
	cr_assert_str_eq(o.provisioner, "env.hex");
	provision_opts_free(&o);
	/* No silent default (a simulator build on a real board would time out
	 * every slot with a misleading cause): refused, saying what to do. */
	unsetenv("NRFCRED_PROVISIONER");
	cr_assert_eq(provision_opts_parse(ARGC(b), v, &o), CLI_EXIT_USAGE);
	provision_opts_free(&o);
	free_argv(v, ARGC(b));
	/* -i names the image to start from: no provisioner needed. */
	const char *c[] = {"provision", "-i", "in.hex", "-o", "out.hex", NULL};
	v = dup_argv(c, ARGC(c));
	cr_assert_eq(provision_opts_parse(ARGC(c), v, &o), CLI_EXIT_OK);
	cr_assert_null(o.provisioner);
	provision_opts_free(&o);
	free_argv(v, ARGC(c));
}

static int parse_rc(const char *const *a, int n)
{
	char **v = dup_argv(a, n);
	struct provision_opts o;
	int rc = provision_opts_parse(n, v, &o);
	provision_opts_free(&o);
	free_argv(v, n);
	return rc;
}

Test(provision_opts, refuses_inconsistent_combinations, .init = quiet)
{
	const char *no_tag[] = {"provision", "--psk", "00", NULL};
	cr_assert_eq(parse_rc(no_tag, ARGC(no_tag)), CLI_EXIT_USAGE);
	const char *tag_only[] = {"provision", "--sec_tag", "1", NULL};
	cr_assert_eq(parse_rc(tag_only, ARGC(tag_only)), CLI_EXIT_USAGE);
	const char *nothing[] = {"provision", "-o", "x.hex", NULL};
	cr_assert_eq(parse_rc(nothing, ARGC(nothing)), CLI_EXIT_USAGE);
	const char *imei_creds[] = {"provision", "--imei_only", "--sec_tag", "1",
				    "--psk",	 "00",		NULL};
	cr_assert_eq(parse_rc(imei_creds, ARGC(imei_creds)), CLI_EXIT_USAGE);
	const char *app_out[] = {"provision", "--imei_only", "--program_app", "a.hex", "-o",
				 "x.hex",     NULL};
	cr_assert_eq(parse_rc(app_out, ARGC(app_out)), CLI_EXIT_USAGE);
	const char *replace_no_in[] = {"provision", "--sec_tag", "1", "--psk",
				       "00",	    "--replace", NULL};
	cr_assert_eq(parse_rc(replace_no_in, ARGC(replace_no_in)), CLI_EXIT_USAGE);
	const char *twice[] = {"provision", "--sec_tag", "1", "--psk", "00", "--psk", "11", NULL};
	cr_assert_eq(parse_rc(twice, ARGC(twice)), CLI_EXIT_USAGE);
	const char *extra[] = {"provision", "--imei_only", "stray", NULL};
	cr_assert_eq(parse_rc(extra, ARGC(extra)), CLI_EXIT_USAGE);
	const char *unknown[] = {"provision", "--imei_only", "--bogus", NULL};
	cr_assert_eq(parse_rc(unknown, ARGC(unknown)), CLI_EXIT_USAGE);
	const char *no_value[] = {"provision", "--imei_only", "-o", NULL};
	cr_assert_eq(parse_rc(no_value, ARGC(no_value)), CLI_EXIT_USAGE);
}

Test(provision_opts, refuses_bad_sec_tag_and_delay, .init = quiet)
{
	const char *big[] = {"provision", "--sec_tag", "2147483648", "--psk", "00", NULL};
	cr_assert_eq(parse_rc(big, ARGC(big)), CLI_EXIT_USAGE);
	const char *neg[] = {"provision", "--sec_tag", "-1", "--psk", "00", NULL};
	cr_assert_eq(parse_rc(neg, ARGC(neg)), CLI_EXIT_USAGE);
	const char *max[] = {"provision", "--sec_tag", "2147483647", "--psk", "00", NULL};
	cr_assert_eq(parse_rc(max, ARGC(max)), CLI_EXIT_OK);
	const char *zero_delay[] = {"provision", "--imei_only", "-d", "0", NULL};
	cr_assert_eq(parse_rc(zero_delay, ARGC(zero_delay)), CLI_EXIT_USAGE);
	const char *text_delay[] = {"provision", "--imei_only", "-d", "7s", NULL};
	cr_assert_eq(parse_rc(text_delay, ARGC(text_delay)), CLI_EXIT_USAGE);
}

Test(provision_opts, passphrase_is_copied_and_wiped_from_argv, .init = quiet)
{
	const char *a[] = {"provision", "--sec_tag",	    "1",      "--client_private_key",
			   "k.pem",	"--key-passphrase", "s3cret", NULL};
	char **v = dup_argv(a, ARGC(a));
	struct provision_opts o;
	cr_assert_eq(provision_opts_parse(ARGC(a), v, &o), CLI_EXIT_OK);
	cr_assert_str_eq(o.key_passphrase, "s3cret");
	for (int i = 0; i < ARGC(a); i++)
		cr_assert(strstr(v[i], "s3cret") == NULL, "argv[%d] still holds it", i);
	provision_opts_free(&o);
	cr_assert_null(o.key_passphrase);
	free_argv(v, ARGC(a));
}

/* --key-passphrase -: the line is read straight from fd 0, so nothing after
 * it lands in stdio's (never wiped) stdin buffer; the rest stays unread. */
Test(provision_opts, passphrase_from_stdin_reads_only_its_line, .init = quiet)
{
	int fds[2];
	cr_assert_eq(pipe(fds), 0);
	static const char input[] = "pw-4711\r\nREST";
	cr_assert_eq(write(fds[1], input, sizeof(input) - 1), (ssize_t)sizeof(input) - 1);
	close(fds[1]);
	cr_assert_eq(dup2(fds[0], STDIN_FILENO), STDIN_FILENO);
	close(fds[0]);
	/* As in nrfcred with a pipe on stdin (the test runner may have set
	 * stdin unbuffered). */
	cr_assert_eq(setvbuf(stdin, NULL, _IOFBF, BUFSIZ), 0);
	const char *a[] = {"provision", "--sec_tag",	    "1", "--client_private_key",
			   "k.pem",	"--key-passphrase", "-", NULL};
	char **v = dup_argv(a, ARGC(a));
	struct provision_opts o;
	cr_assert_eq(provision_opts_parse(ARGC(a), v, &o), CLI_EXIT_OK);
	cr_assert_str_eq(o.key_passphrase, "pw-4711");
	char rest[8] = {0};
	cr_assert_eq(read(STDIN_FILENO, rest, sizeof(rest) - 1), 4);
	cr_assert_str_eq(rest, "REST");
	provision_opts_free(&o);
	free_argv(v, ARGC(a));
}

Test(provision_opts, passphrase_from_empty_stdin_is_an_input_error, .init = quiet)
{
	int fds[2];
	cr_assert_eq(pipe(fds), 0);
	close(fds[1]);
	cr_assert_eq(dup2(fds[0], STDIN_FILENO), STDIN_FILENO);
	close(fds[0]);
	const char *a[] = {"provision", "--sec_tag",	    "1", "--client_private_key",
			   "k.pem",	"--key-passphrase", "-", NULL};
	char **v = dup_argv(a, ARGC(a));
	struct provision_opts o;
	cr_assert_eq(provision_opts_parse(ARGC(a), v, &o), CLI_EXIT_INPUT);
	cr_assert_null(o.key_passphrase);
	provision_opts_free(&o);
	free_argv(v, ARGC(a));
}

/* Runs the parser and returns what it printed to stderr (malloc'd). */
static char *parse_stderr(const char *const *a, int n, int *rc)
{
	char **v = dup_argv(a, n);
	struct provision_opts o;
	*rc = provision_opts_parse(n, v, &o);
	provision_opts_free(&o);
	free_argv(v, n);
	fflush(stderr);
	FILE *f = cr_get_redirected_stderr();
	char *text = calloc(1, 4096);
	size_t len = fread(text, 1, 4095, f);
	text[len] = '\0';
	return text;
}

/* A mistyped flag or a value split by a space must not echo a secret. */
Test(provision_opts, usage_errors_never_echo_secret_values, .init = quiet)
{
	const char *typo[] = {"provision", "--sec_tag",
			      "1",	   "--client_private_key",
			      "k.pem",	   "--key-pasphrase=s3cret-typo",
			      NULL};
	const char *split[] = {"provision", "--sec_tag", "1", "--psk", "CAFE", "B0BA5ECRE7", NULL};
	int rc;
	char *err = parse_stderr(typo, ARGC(typo), &rc);
	cr_assert_eq(rc, CLI_EXIT_USAGE);
	cr_assert_not_null(strstr(err, "unknown option '--key-pasphrase'"), "%s", err);
	cr_assert_null(strstr(err, "s3cret"), "%s", err);
	free(err);
	err = parse_stderr(split, ARGC(split), &rc);
	cr_assert_eq(rc, CLI_EXIT_USAGE);
	cr_assert_not_null(strstr(err, "1 unexpected argument"), "%s", err);
	cr_assert_null(strstr(err, "B0BA5ECRE7"), "%s", err);
	free(err);
}

Test(provision_opts, passphrase_from_environment, .init = quiet)
{
	const char *a[] = {"provision", "--sec_tag", "1", "--client_private_key", "k.pem", NULL};
	char **v = dup_argv(a, ARGC(a));
	struct provision_opts o;
	setenv("NRFCRED_KEY_PASSPHRASE", "from-env", 1);
	cr_assert_eq(provision_opts_parse(ARGC(a), v, &o), CLI_EXIT_OK);
	cr_assert_str_eq(o.key_passphrase, "from-env");
	provision_opts_free(&o);
	free_argv(v, ARGC(a));
}

/* True when no argv string holds needle (the strings stay where they
 * were: /proc/PID/cmdline reads the same bytes). */
static bool argv_free_of(char **v, int n, const char *needle)
{
	for (int i = 0; i < n; i++)
		if (strstr(v[i], needle) != NULL)
			return false;
	return true;
}

Test(provision_opts, psk_is_copied_and_wiped_from_argv_at_parse, .init = quiet)
{
	const char *a[] = {"provision", "--sec_tag", "1", "--psk", "cafebabe", "-o", "x.hex", NULL};
	char **v = dup_argv(a, ARGC(a));
	struct provision_opts o;
	cr_assert_eq(provision_opts_parse(ARGC(a), v, &o), CLI_EXIT_OK);
	cr_assert_str_eq(o.psk, "cafebabe");
	cr_assert(argv_free_of(v, ARGC(a), "cafebabe"));
	cr_assert(!argv_free_of(v, ARGC(a), "x.hex"), "only the secrets are wiped");
	provision_opts_free(&o);
	cr_assert_null(o.psk);
	free_argv(v, ARGC(a));
}

/* Every way getopt_long takes the values, and the paths that leave the
 * parser early (help, a usage error before the loop got to the flag). */
Test(provision_opts, secret_values_are_wiped_on_every_path, .init = quiet)
{
	const char *forms[][9] = {
		{"provision", "--sec_tag", "1", "--psk=c0ffee11", NULL},
		{"provision", "--sec_tag", "1", "--client_private_key", "k.pem", "--key-pass",
		 "c0ffee11", NULL},
		{"provision", "--sec_tag", "1", "--client_private_key", "k.pem",
		 "--key-passphrase=c0ffee11", NULL},
		{"provision", "--help", "--psk", "c0ffee11", NULL},
		{"provision", "--sec_tag", "x", "--psk", "c0ffee11", NULL},
		{"provision", "--sec_tag", "1", "--psk", "00", "--psk", "c0ffee11", NULL},
	};
	for (size_t f = 0; f < sizeof forms / sizeof forms[0]; f++) {
		int n = 0;
		while (forms[f][n])
			n++;
		char **v = dup_argv(forms[f], n);
		struct provision_opts o;
		(void)provision_opts_parse(n, v, &o);
		cr_assert(argv_free_of(v, n, "c0ffee11"), "form %zu", f);
		provision_opts_free(&o);
		free_argv(v, n);
	}
}

Test(provision_opts, environment_passphrase_is_wiped_and_unset, .init = quiet)
{
	const char *a[] = {"provision", "--sec_tag", "1", "--client_private_key", "k.pem", NULL};
	char **v = dup_argv(a, ARGC(a));
	char entry[] = "NRFCRED_KEY_PASSPHRASE=env-secret";
	cr_assert_eq(putenv(entry), 0); /* the string itself is the environment */
	struct provision_opts o;
	cr_assert_eq(provision_opts_parse(ARGC(a), v, &o), CLI_EXIT_OK);
	cr_assert_str_eq(o.key_passphrase, "env-secret");
	cr_assert_null(getenv("NRFCRED_KEY_PASSPHRASE"));
	cr_assert_null(strstr(entry, "env-secret"), "the environment's copy is wiped");
	provision_opts_free(&o);
	free_argv(v, ARGC(a));
}

Test(provision_opts, flag_passphrase_wins_over_the_environment, .init = quiet)
{
	const char *a[] = {"provision", "--sec_tag",	    "1",   "--client_private_key",
			   "k.pem",	"--key-passphrase", "arg", NULL};
	char **v = dup_argv(a, ARGC(a));
	setenv("NRFCRED_KEY_PASSPHRASE", "env", 1);
	struct provision_opts o;
	cr_assert_eq(provision_opts_parse(ARGC(a), v, &o), CLI_EXIT_OK);
	cr_assert_str_eq(o.key_passphrase, "arg");
	cr_assert_null(getenv("NRFCRED_KEY_PASSPHRASE"));
	provision_opts_free(&o);
	free_argv(v, ARGC(a));
}

Test(provision_opts, force_needs_an_output_file, .init = quiet)
{
	const char *alone[] = {"provision", "--sec_tag", "1", "--psk", "00", "--force", NULL};
	cr_assert_eq(parse_rc(alone, ARGC(alone)), CLI_EXIT_USAGE);
	const char *with_o[] = {"provision", "--sec_tag", "1",	   "--psk", "00",
				"--force",   "-o",	  "x.hex", NULL};
	char **v = dup_argv(with_o, ARGC(with_o));
	struct provision_opts o;
	cr_assert_eq(provision_opts_parse(ARGC(with_o), v, &o), CLI_EXIT_OK);
	cr_assert(o.force);
	provision_opts_free(&o);
	free_argv(v, ARGC(with_o));
}

Test(provision_opts, help_flag_prints_help_and_succeeds, .init = quiet)
{
	const char *a[] = {"provision", "--help", NULL};
	char **v = dup_argv(a, ARGC(a));
	struct provision_opts o;
	cr_assert_eq(provision_opts_parse(ARGC(a), v, &o), CLI_EXIT_OK);
	cr_assert(o.help);
	provision_opts_free(&o);
	free_argv(v, ARGC(a));
}
