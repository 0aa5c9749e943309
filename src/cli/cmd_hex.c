/* nrfcred hex info|show: looks into Intel HEX files. Never prints the
 * content of a credential, only its length, and the SHA-256 of a public one
 * (provision_print_table). */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/hexload.h"
#include "cli/provision_build.h"
#include "image/digest.h"
#include "image/image.h"
#include "provision/manifest.h"
#include "provision/patch.h"
#include "provision/table.h"

void cmd_hex_help(FILE *out)
{
	fprintf(out,
		"Usage: nrfcred hex info FILE.hex\n"
		"       nrfcred hex show FILE.hex\n"
		"\n"
		"info  Works on any Intel HEX file. Prints each segment (a contiguous run of\n"
		"      bytes: start address, end address (exclusive), size), the total number of\n"
		"      bytes, and the CRC-32 (IEEE) and SHA-256 of the image's bytes in address\n"
		"      order (gaps are not part of the digests), and the start address if the\n"
		"      file has one.\n"
		"show  For a provisioning firmware image (plain or patched by 'nrfcred provision\n"
		"      -o'). Prints the manifest (its address, firmware version, table and\n"
		"      result areas, progress word) and then one line per credential in the\n"
		"      table: sec_tag, type, length and, for a certificate or identity, the\n"
		"      SHA-256 of its content. It never prints credential content, nor a\n"
		"      digest of a private key or PSK. An unpatched image shows 'table area\n"
		"      erased (no credentials)'.\n"
		"\n"
		"Options:\n"
		"  -h, --help  show this help\n"
		"\n"
		"Examples:\n"
		"  nrfcred hex info build/firmware/sim/provisioner-sim.hex\n"
		"  nrfcred hex show creds.hex\n"
		"\n"
		"Exit codes: 0 ok, 2 usage error, 3 the file is unreadable, not Intel HEX, or\n"
		"(show) has no valid manifest or table, 1 out of memory.\n");
}

static void print_start(const struct ihex_info *info)
{
	if (info->has_start_linear)
		printf("start address:   0x%08x (linear)\n", info->start_linear);
	if (info->has_start_segment)
		printf("start address:   %04x:%04x (segment)\n", info->start_segment >> 16,
		       info->start_segment & 0xFFFF);
}

static int hex_info(const char *path)
{
	struct image *img;
	struct ihex_info info = {0};
	int rc = cli_load_hex(path, &img, &info);
	if (rc != CLI_EXIT_OK)
		return rc;
	size_t n = image_segment_count(img);
	printf("file:            %s\n", path);
	printf("segments:        %zu\n", n);
	printf("  %-10s  %-10s  %s\n", "start", "end", "size");
	for (size_t i = 0; i < n; i++) {
		struct image_segment s = image_segment_get(img, i);
		printf("  0x%08x  0x%08llx  %llu\n", s.start, (unsigned long long)s.start + s.size,
		       (unsigned long long)s.size);
	}
	uint8_t digest[SHA256_LEN];
	char hex[SHA256_HEX_LEN];
	image_sha256(img, digest);
	sha256_hex(digest, hex);
	printf("total bytes:     %llu\n", (unsigned long long)image_size(img));
	printf("crc32:           0x%08x\n", image_crc32(img));
	printf("sha256:          %s\n", hex);
	print_start(&info);
	image_destroy(img);
	return CLI_EXIT_OK;
}

static int hex_show(const char *path)
{
	struct image *img;
	int rc = cli_load_hex(path, &img, NULL);
	if (rc != CLI_EXIT_OK)
		return rc;
	struct manifest m;
	struct provision_diag diag = {{0}};
	manifest_err merr = manifest_find(img, &m, &diag);
	if (merr != MANIFEST_OK) {
		cli_error(path, 0, "%s: %s; is this a provisioning firmware image?",
			  manifest_strerror(merr), diag.text);
		image_destroy(img);
		return CLI_EXIT_INPUT;
	}
	printf("file:            %s\n", path);
	printf("manifest:        0x%08x (version %u)\n", m.addr, m.version);
	printf("firmware:        %u.%u.%u\n", m.fw_version >> 16, (m.fw_version >> 8) & 0xFF,
	       m.fw_version & 0xFF);
	printf("table area:      0x%08x, %u bytes\n", m.table_addr, m.table_max);
	printf("result area:     0x%08x, %u bytes\n", m.result_addr, m.result_max);
	if (m.progress_addr)
		printf("progress word:   0x%08x\n", m.progress_addr);
	else
		printf("progress word:   none\n");
	if (m.flags & NRFCRED_MANIFEST_F_SESSION)
		printf("session mailbox: 0x%08x, %u bytes\n", m.mailbox_addr, m.mailbox_size);
	printf("build:           %s\n",
	       manifest_is_sim_build(&m) ? "simulator (simulated boards only)" : "target");

	struct table *t = NULL;
	patch_err perr = patch_read_table(img, &m, &t, &diag);
	image_destroy(img);
	if (perr != PATCH_OK) {
		cli_error(path, 0, "%s: %s; patch the provisioner again with 'nrfcred provision'",
			  patch_strerror(perr), diag.text);
		return perr == PATCH_ERR_NOMEM ? CLI_EXIT_FAILURE : CLI_EXIT_INPUT;
	}
	if (!t) {
		printf("table:           table area erased (no credentials)\n");
		return CLI_EXIT_OK;
	}
	printf("table:           %zu credential(s), %zu bytes, CRC 0x%08x%s\n", table_count(t),
	       table_encoded_size(t), table_entries_crc32(t),
	       (table_flags(t) & NRFCRED_TABLE_F_IMEI_ONLY) ? ", IMEI only" : "");
	provision_print_table(stdout, t);
	table_destroy(t);
	return CLI_EXIT_OK;
}

int cmd_hex_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	cli_protect_secrets(); /* a patched hex holds the table: keys, PSKs */
	optind = 1;
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
		if (c == 'h') {
			cmd_hex_help(stdout);
			return CLI_EXIT_OK;
		}
		return cli_usage_error("hex", "unknown option '%s'", argv[optind - 1]);
	}
	if (argc - optind < 1)
		return cli_usage_error("hex", "give an action: info or show");
	const char *action = argv[optind];
	if (argc - optind != 2)
		return cli_usage_error("hex", "'%s' takes exactly one FILE.hex", action);
	const char *path = argv[optind + 1];
	if (strcmp(action, "info") == 0)
		return hex_info(path);
	if (strcmp(action, "show") == 0)
		return hex_show(path);
	return cli_usage_error("hex", "unknown action '%s' (info or show)", action);
}
