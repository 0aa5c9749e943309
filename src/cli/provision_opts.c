#include "cli/provision_opts.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <mbedtls/platform_util.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cred/secure_mem.h"
#include "cred/template.h"
#include "nrfcred/provision.h"

#define PASSPHRASE_MAX 1024

enum {
	OPT_SEC_TAG = 256,
	OPT_PSK,
	OPT_PSK_IDENT,
	OPT_CA_CERT,
	OPT_CLIENT_CERT,
	OPT_CLIENT_KEY,
	OPT_IMEI_ONLY,
	OPT_PROGRAM_APP,
	OPT_REPLACE,
	OPT_KEY_PASSPHRASE,
	OPT_PROVISIONER,
	OPT_TRACE,
	OPT_DELIVERY,
	OPT_FORCE,
	OPT_SECRETS_OUT,
};

void cmd_provision_help(FILE *out)
{
	fprintf(out,
		"Usage: nrfcred provision [OPTIONS]\n"
		"\n"
		"Adds TLS credentials to the provisioning firmware's credential table. With -o\n"
		"it writes the patched firmware to a hex file; without -o it programs a board\n"
		"through a J-Link, lets the firmware write the credentials into the modem,\n"
		"checks the result (status, SHA-256 of every credential, IMEI) and erases the\n"
		"firmware again. Flags are those of the original cred.py tool, plus --replace,\n"
		"--key-passphrase and --provisioner.\n"
		"\n"
		"Input and output:\n"
		"  -i, --in_file FILE.hex      start from a hex written earlier with -o and add\n"
		"                              to its credentials (instead of the provisioner)\n"
		"  -o, --out_file FILE.hex     write the patched firmware here instead of\n"
		"                              programming a board; the file gets mode 0600 when\n"
		"                              it holds a private key or a PSK, 0644 otherwise.\n"
		"                              An existing file is refused (a pipe or device is\n"
		"                              written to)\n"
		"      --force                 let -o replace an existing file\n"
		"      --provisioner FILE.hex  provisioning firmware to patch (default: env\n"
		"                              NRFCRED_PROVISIONER; there is no built-in\n"
		"                              default, so a simulator build is never used\n"
		"                              by accident)\n"
		"\n"
		"Credentials (all on one sec_tag; repeat the command with -i for more tags):\n"
		"      --sec_tag N             sec_tag 0..2147483647 (required with any\n"
		"                              credential; nRF Cloud uses 16842753)\n"
		"      --psk HEX               pre-shared key as hex text (e.g. CAFEBABE); wiped\n"
		"                              from nrfcred's command line once parsed\n"
		"      --psk_ident TEXT        PSK identity\n"
		"      --CA_cert FILE          CA root certificate (PEM or DER)\n"
		"      --client_cert FILE      client certificate (PEM or DER)\n"
		"      --client_private_key FILE\n"
		"                              client private key (PEM or DER, may be encrypted)\n"
		"      --key-passphrase PASS   passphrase of an encrypted private key; '-' reads\n"
		"                              it from standard input (no echo on a terminal).\n"
		"                              Default: env NRFCRED_KEY_PASSPHRASE (unset once\n"
		"                              read). Never printed; wiped from the command line.\n"
		"      --replace               replace a credential with the same sec_tag and\n"
		"                              type already in -i's table (default: refuse)\n"
		"      --imei_only             write no credentials, only read the IMEI and\n"
		"                              modem firmware version\n"
		"  A credential value or file may hold ${IMEI}, ${DEVICEID} and ${SLOT}\n"
		"  (filled in once the board said its IMEI; RAM delivery, no -o/-i), and\n"
		"  --psk random:N draws a fresh N-byte PSK (16..64) for the board:\n"
		"      --secrets_out FILE      where such PSKs are appended (CSV, mode 0600,\n"
		"                              fsync'd before the modem gets the key)\n"
		"\n"
		"Board (without -o):\n"
		"  -s, --serial_number SERIAL  J-Link serial number (default: the only J-Link)\n"
		"  -d, --fw_delay SECONDS      how long the firmware may take to finish; a\n"
		"                              timeout, not a fixed wait (default: %u)\n"
		"      --program_app FILE.hex  program this application after provisioning\n"
		"      --delivery ram|flash    how the table reaches the board: through the\n"
		"                              running provisioner's RAM mailbox (no key in\n"
		"                              flash) or patched into its flash table area\n"
		"                              (default: ram when the provisioner offers it)\n"
		"      --trace FILE            write every SWD transaction to FILE (mode 0600,\n"
		"                              truncated if it exists); credential data shows\n"
		"                              as <redacted>, safe to send for analysis\n"
		"\n"
		"  -h, --help                  show this help\n"
		"\n"
		"Output: on a board run the IMEI is printed to stdout. A summary of the\n"
		"credentials (sec_tag, type, length, the SHA-256 of a certificate or\n"
		"identity; never content, nor a digest of a key or PSK) goes to stderr.\n"
		"\n"
		"Examples:\n"
		"  nrfcred provision --sec_tag 1234 --psk_ident nrf-123456789012345 \\\n"
		"      --psk CAFEBABE -o multi_cred.hex\n"
		"  nrfcred provision --sec_tag 3456 -i multi_cred.hex --CA_cert ca.crt\n"
		"  nrfcred provision --sec_tag 16842753 --CA_cert ca.pem --client_cert dev.crt \\\n"
		"      --client_private_key dev.key --key-passphrase - -o cloud.hex\n"
		"  nrfcred provision --imei_only -s 000123456789\n"
		"\n"
		"Exit codes:\n"
		"  0    success\n"
		"  1    internal error (out of memory)\n"
		"  2    usage error\n"
		"  3    input error: a hex or credential file is missing or invalid, a\n"
		"       duplicate credential without --replace, the table does not fit\n"
		"  4    probe error (J-Link not found, USB or SWD failure)\n"
		"  5    the board failed provisioning (firmware status, hash or IMEI check)\n"
		"  6    programming a board is not available in this build\n"
		"  130  interrupted\n",
		PROVISION_FW_TIMEOUT_DEFAULT_MS / 1000);
}

static bool parse_sec_tag(const char *s, uint32_t *out)
{
	if (!*s || strlen(s) > 10)
		return false;
	uint64_t v = 0;
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return false;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	if (v > NRFCRED_SEC_TAG_MAX)
		return false;
	*out = (uint32_t)v;
	return true;
}

static bool parse_seconds(const char *s, unsigned *ms)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(v) || v <= 0 || v > 3600)
		return false;
	*ms = (unsigned)(v * 1000.0 + 0.5);
	return *ms > 0;
}

/* Reads one line from stdin; the terminal does not echo it. read(2) one byte
 * at a time rather than stdio: fgets would leave the passphrase (and
 * whatever follows it) in stdin's buffer, which is never wiped. */
static char *read_passphrase(void)
{
	struct termios old, quiet;
	bool tty = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &old) == 0;
	if (tty) {
		fputs("Private key passphrase: ", stderr);
		quiet = old;
		quiet.c_lflag &= (tcflag_t) ~(ECHO | ECHONL);
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
	}
	char *buf = secure_mem_alloc(PASSPHRASE_MAX);
	size_t len = 0;
	bool got_line = false, failed = buf == NULL;
	char c = 0;
	while (!failed && len < PASSPHRASE_MAX - 1) {
		ssize_t n = read(STDIN_FILENO, &c, 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			failed = true;
		if (n <= 0)
			break;
		got_line = true;
		if (c == '\n')
			break;
		buf[len++] = c;
	}
	mbedtls_platform_zeroize(&c, sizeof(c));
	if (tty) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
		fputc('\n', stderr);
	}
	if (failed || !got_line) {
		secure_mem_free(buf);
		return NULL;
	}
	buf[strcspn(buf, "\r\n")] = 0;
	return buf;
}

static int set_once(const char **slot, const char *value, const char *flag)
{
	if (*slot)
		return cli_usage_error("provision", "%s given twice", flag);
	*slot = value;
	return CLI_EXIT_OK;
}

unsigned provision_opts_cred_count(const struct provision_opts *o)
{
	return (o->psk != NULL) + (o->psk_ident != NULL) + (o->ca_cert != NULL) +
	       (o->client_cert != NULL) + (o->client_key != NULL);
}

/* ${...} in the credential flags (and random:N in --psk): refused when
 * malformed, and the board-run-only rules. */
static int check_per_device(struct provision_opts *o)
{
	const struct {
		const char *value, *flag;
	} items[] = {{o->psk, "--psk"},
		     {o->psk_ident, "--psk_ident"},
		     {o->ca_cert, "--CA_cert"},
		     {o->client_cert, "--client_cert"},
		     {o->client_key, "--client_private_key"}};
	for (size_t i = 0; i < sizeof items / sizeof items[0]; i++) {
		char why[160];
		if (items[i].value == NULL)
			continue;
		if (template_check(items[i].value, NULL, why, sizeof why) != TEMPLATE_OK)
			return cli_usage_error("provision", "%s: %s", items[i].flag, why);
		if (template_present(items[i].value))
			o->per_device = true;
	}
	if (o->psk && strncmp(o->psk, "random:", 7) == 0) {
		char *end = NULL;
		unsigned long n = strtoul(o->psk + 7, &end, 10);
		if (o->psk[7] < '0' || o->psk[7] > '9' || *end != '\0' || n < 16 || n > 64)
			return cli_usage_error("provision",
					       "--psk random:N: N is the PSK's length in bytes, 16 "
					       "to 64");
		if (o->secrets_out == NULL)
			return cli_usage_error("provision",
					       "--psk random:N needs --secrets_out FILE (where the "
					       "board's PSK is kept)");
		o->per_device = true;
	}
	if (o->secrets_out && !o->per_device)
		return cli_usage_error("provision", "--secrets_out only applies with --psk random:N");
	if (!o->per_device)
		return CLI_EXIT_OK;
	if (o->out_file || o->in_file)
		return cli_usage_error("provision",
				       "${...} and random:N are per board: they need a board run "
				       "(no -o, no -i)");
	if (o->delivery && strcmp(o->delivery, "flash") == 0)
		return cli_usage_error("provision",
				       "${...} and random:N need the RAM delivery (the flash one "
				       "writes the table before the board has said its IMEI)");
	if (o->key_passphrase && o->client_key)
		return cli_usage_error("provision",
				       "--key-passphrase does not work with per-device "
				       "credentials yet; give an unencrypted key");
	return CLI_EXIT_OK;
}

static int check_combination(struct provision_opts *o)
{
	int prc = check_per_device(o);
	if (prc != CLI_EXIT_OK)
		return prc;
	unsigned creds = provision_opts_cred_count(o);
	if (o->imei_only && (creds || o->in_file))
		return cli_usage_error("provision",
				       "--imei_only writes no credentials; drop it or the "
				       "credential and -i options");
	if (creds && !o->sec_tag_set)
		return cli_usage_error("provision", "credentials need a --sec_tag");
	if (!creds && o->sec_tag_set)
		return cli_usage_error("provision", "--sec_tag given but no credential for it");
	if (!creds && !o->in_file && !o->imei_only)
		return cli_usage_error("provision",
				       "nothing to do: give credentials (--psk, --CA_cert, ...), "
				       "-i FILE.hex, or --imei_only");
	if (o->replace && !o->in_file)
		return cli_usage_error("provision", "--replace only applies with -i");
	if (o->force && !o->out_file)
		return cli_usage_error("provision", "--force only applies with -o");
	if (o->out_file && o->program_app)
		return cli_usage_error("provision",
				       "--program_app needs a board; it cannot be used with -o");
	if (o->out_file && o->serial)
		cli_warn(NULL, "-s is ignored with -o (no board is programmed)");
	if (o->out_file && o->fw_timeout_set)
		cli_warn(NULL, "-d is ignored with -o (no board is programmed)");
	if (o->out_file && o->trace)
		cli_warn(NULL, "--trace is ignored with -o (no board is programmed)");
	if (o->out_file && o->delivery && strcmp(o->delivery, "ram") == 0)
		return cli_usage_error("provision",
				       "--delivery ram needs a board; -o writes the table into the "
				       "hex (flash delivery)");
	return CLI_EXIT_OK;
}

/* The PSK and passphrase values in argv, after the parser copied them:
 * overwritten in place, so /proc/PID/cmdline (ps, top) no longer shows
 * them. Every path out of the parser (help, a usage error before the loop
 * saw the flag) goes through here, so it scans argv itself rather than
 * trusting the loop: "--psk V", "--psk=V", and "--key-passphrase" with any
 * prefix getopt_long accepts ("--key-pass V"). getopt_long keeps an option
 * next to its value when it permutes argv. */
static void wipe_secret_args(int argc, char **argv)
{
	static const char passphrase[] = "key-passphrase";
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strncmp(a, "--", 2) != 0)
			continue;
		const char *name = a + 2;
		size_t n = strcspn(name, "=");
		if (n == 0)
			continue;
		bool secret = (n == 3 && strncmp(name, "psk", 3) == 0) ||
			      (n <= sizeof passphrase - 1 && strncmp(name, passphrase, n) == 0);
		if (!secret)
			continue;
		if (name[n] == '=')
			explicit_bzero((char *)name + n + 1, strlen(name + n + 1));
		else if (i + 1 < argc)
			explicit_bzero(argv[i + 1], strlen(argv[i + 1]));
	}
}

/* Copies NRFCRED_KEY_PASSPHRASE, then overwrites the variable's text in
 * place (the environment block /proc/PID/environ shows) and unsets it. */
static int take_env_passphrase(struct provision_opts *o)
{
	char *env = getenv("NRFCRED_KEY_PASSPHRASE");
	if (env == NULL)
		return CLI_EXIT_OK;
	o->key_passphrase = secure_mem_strdup(env);
	explicit_bzero(env, strlen(env));
	unsetenv("NRFCRED_KEY_PASSPHRASE");
	return o->key_passphrase ? CLI_EXIT_OK : CLI_EXIT_FAILURE;
}

static int parse_args(int argc, char **argv, struct provision_opts *o)
{
	static const struct option longopts[] = {
		{"in_file", required_argument, NULL, 'i'},
		{"out_file", required_argument, NULL, 'o'},
		{"fw_delay", required_argument, NULL, 'd'},
		{"serial_number", required_argument, NULL, 's'},
		{"sec_tag", required_argument, NULL, OPT_SEC_TAG},
		{"psk", required_argument, NULL, OPT_PSK},
		{"psk_ident", required_argument, NULL, OPT_PSK_IDENT},
		{"CA_cert", required_argument, NULL, OPT_CA_CERT},
		{"client_cert", required_argument, NULL, OPT_CLIENT_CERT},
		{"client_private_key", required_argument, NULL, OPT_CLIENT_KEY},
		{"imei_only", no_argument, NULL, OPT_IMEI_ONLY},
		{"program_app", required_argument, NULL, OPT_PROGRAM_APP},
		{"replace", no_argument, NULL, OPT_REPLACE},
		{"key-passphrase", required_argument, NULL, OPT_KEY_PASSPHRASE},
		{"provisioner", required_argument, NULL, OPT_PROVISIONER},
		{"trace", required_argument, NULL, OPT_TRACE},
		{"delivery", required_argument, NULL, OPT_DELIVERY},
		{"force", no_argument, NULL, OPT_FORCE},
		{"secrets_out", required_argument, NULL, OPT_SECRETS_OUT},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	memset(o, 0, sizeof(*o));
	o->fw_timeout_ms = PROVISION_FW_TIMEOUT_DEFAULT_MS;
	/* Taken first, whatever the flags say: the variable must not stay in
	 * the environment (children, /proc/PID/environ) whether it is used or
	 * not. A --key-passphrase given too replaces it below. */
	int rc = take_env_passphrase(o);
	if (rc != CLI_EXIT_OK)
		return rc;
	bool passphrase_given = false, passphrase_stdin = false;
	optind = 1;
	opterr = 0;
	int c;
	while (rc == CLI_EXIT_OK &&
	       (c = getopt_long(argc, argv, ":i:o:d:s:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'i':
			rc = set_once(&o->in_file, optarg, "-i/--in_file");
			break;
		case 'o':
			rc = set_once(&o->out_file, optarg, "-o/--out_file");
			break;
		case 'd':
			if (!parse_seconds(optarg, &o->fw_timeout_ms))
				rc = cli_usage_error(
					"provision",
					"-d '%s' is not a number of seconds in (0, 3600]", optarg);
			o->fw_timeout_set = true;
			break;
		case 's':
			rc = set_once(&o->serial, optarg, "-s/--serial_number");
			break;
		case OPT_SEC_TAG:
			if (o->sec_tag_set)
				rc = cli_usage_error(
					"provision",
					"--sec_tag given twice (one tag per run; add more "
					"with -i)");
			else if (!parse_sec_tag(optarg, &o->sec_tag))
				rc = cli_usage_error("provision",
						     "--sec_tag '%s' is not a decimal number in "
						     "0..2147483647",
						     optarg);
			o->sec_tag_set = true;
			break;
		case OPT_PSK:
			rc = o->psk ? cli_usage_error("provision", "--psk given twice")
				    : CLI_EXIT_OK;
			if (rc == CLI_EXIT_OK && (o->psk = secure_mem_strdup(optarg)) == NULL)
				rc = CLI_EXIT_FAILURE;
			break;
		case OPT_PSK_IDENT:
			rc = set_once(&o->psk_ident, optarg, "--psk_ident");
			break;
		case OPT_CA_CERT:
			rc = set_once(&o->ca_cert, optarg, "--CA_cert");
			break;
		case OPT_CLIENT_CERT:
			rc = set_once(&o->client_cert, optarg, "--client_cert");
			break;
		case OPT_CLIENT_KEY:
			rc = set_once(&o->client_key, optarg, "--client_private_key");
			break;
		case OPT_IMEI_ONLY:
			o->imei_only = true;
			break;
		case OPT_PROGRAM_APP:
			rc = set_once(&o->program_app, optarg, "--program_app");
			break;
		case OPT_REPLACE:
			o->replace = true;
			break;
		case OPT_FORCE:
			o->force = true;
			break;
		case OPT_KEY_PASSPHRASE:
			rc = passphrase_given
				     ? cli_usage_error("provision", "--key-passphrase given twice")
				     : CLI_EXIT_OK;
			passphrase_given = true;
			/* It wins over NRFCRED_KEY_PASSPHRASE. */
			secure_mem_free(o->key_passphrase);
			o->key_passphrase = NULL;
			if (rc == CLI_EXIT_OK && strcmp(optarg, "-") == 0)
				passphrase_stdin = true;
			else if (rc == CLI_EXIT_OK &&
				 (o->key_passphrase = secure_mem_strdup(optarg)) == NULL)
				rc = CLI_EXIT_FAILURE;
			break;
		case OPT_PROVISIONER:
			rc = set_once(&o->provisioner, optarg, "--provisioner");
			break;
		case OPT_TRACE:
			rc = set_once(&o->trace, optarg, "--trace");
			break;
		case OPT_SECRETS_OUT:
			rc = set_once(&o->secrets_out, optarg, "--secrets_out");
			break;
		case OPT_DELIVERY:
			rc = set_once(&o->delivery, optarg, "--delivery");
			if (rc == CLI_EXIT_OK && strcmp(optarg, "ram") != 0 &&
			    strcmp(optarg, "flash") != 0)
				rc = cli_usage_error(
					"provision",
					"--delivery '%s' is not valid; valid: ram, flash", optarg);
			break;
		case 'h':
			o->help = true;
			cmd_provision_help(stdout);
			return CLI_EXIT_OK;
		case ':':
			rc = cli_usage_error("provision", "%s needs a value", argv[optind - 1]);
			break;
		default: {
			/* A mistyped secret flag ("--key-pasphrase=...") must not
			 * print its value: name the option up to '=' only. */
			const char *arg = argv[optind - 1];
			int name_len = (int)strcspn(arg, "=");
			rc = cli_usage_error("provision", "unknown option '%.*s'%s", name_len, arg,
					     arg[name_len] ? " (value not shown)" : "");
			break;
		}
		}
	}
	if (rc != CLI_EXIT_OK)
		return rc;
	if (optind < argc)
		/* Not echoed: a stray word is often the second half of a value
		 * with a space, e.g. "--key-passphrase two words". */
		return cli_usage_error("provision",
				       "%d unexpected argument(s), not shown; every option takes "
				       "one value: quote a value with spaces",
				       argc - optind);

	if (!o->provisioner) {
		const char *env = getenv("NRFCRED_PROVISIONER");
		o->provisioner = env && *env ? env : NULL;
	}
	if (!o->provisioner && !o->in_file)
		return cli_usage_error("provision",
				       "no provisioning firmware: name it with --provisioner "
				       "FILE.hex or NRFCRED_PROVISIONER (firmware/ncs for a real "
				       "board, <builddir>/firmware/sim/provisioner-sim.hex for the "
				       "simulator)");
	rc = check_combination(o);
	if (rc != CLI_EXIT_OK)
		return rc;

	if (passphrase_given && !o->client_key)
		cli_warn(NULL, "--key-passphrase is ignored without --client_private_key");
	if (passphrase_stdin) {
		o->key_passphrase = read_passphrase();
		if (!o->key_passphrase) {
			cli_error(NULL, 0,
				  "could not read the key passphrase from standard input; "
				  "give it with --key-passphrase or NRFCRED_KEY_PASSPHRASE");
			return CLI_EXIT_INPUT;
		}
	}
	return CLI_EXIT_OK;
}

int provision_opts_parse(int argc, char **argv, struct provision_opts *o)
{
	int rc = parse_args(argc, argv, o);
	wipe_secret_args(argc, argv);
	return rc;
}

void provision_opts_free(struct provision_opts *o)
{
	secure_mem_free(o->key_passphrase);
	o->key_passphrase = NULL;
	secure_mem_free(o->psk);
	o->psk = NULL;
}
