/* nrfcred probes: lists the J-Links on USB (serial, firmware, VTref) and,
 * with --connect, what answers on each one's SWD port. A probe or board
 * that fails is reported on its line; the listing goes on. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "probe/jlink.h"
#include "target/nrf91.h"

void cmd_probes_help(FILE *out)
{
	fprintf(out,
		"Usage: nrfcred probes [--connect] [--speed KHZ]\n"
		"\n"
		"Lists every J-Link on USB, one line each: serial number, firmware string and\n"
		"target reference voltage (VTref). A probe that cannot be opened (in use by\n"
		"another program, broken) is listed with the reason.\n"
		"\n"
		"Options:\n"
		"  -c, --connect    also connect over SWD and print the DPIDR and the nRF91\n"
		"                   part behind each probe (read only: nothing is halted,\n"
		"                   erased or written; a protected part is reported, not\n"
		"                   recovered)\n"
		"  -s, --speed KHZ  SWD clock for --connect (default %u kHz)\n"
		"  -h, --help       show this help\n"
		"\n"
		"Only USB is scanned (never the network).\n"
		"\n"
		"Exit codes: 0 the listing ran (even if a probe or board failed, or none was\n"
		"found), 2 usage error, 4 libjaylink or the USB scan failed.\n",
		JLINK_DEFAULT_SPEED_KHZ);
}

static void print_connect(struct jlink_context *ctx, uint32_t serial, uint32_t speed)
{
	char err[160];
	struct probe *p = NULL;
	probe_err pe = jlink_open(ctx, serial, speed, &p, err, sizeof(err));
	if (pe != PROBE_OK) {
		printf("    connect: %s\n", err[0] ? err : probe_strerror(pe));
		return;
	}
	struct nrf91 *t = NULL;
	struct nrf91_info info;
	struct nrf91_options opts = {.allow_recover = false};
	nrf91_err e = nrf91_attach(p, &opts, &t, &info);
	if (e == NRF91_OK) {
		printf("    DPIDR 0x%08x  %s %s  flash %u KB  RAM %u KB  device id %016llx  "
		       "(%u kHz)\n",
		       info.dpidr, info.part_name, info.variant, info.flash_kb, info.ram_kb,
		       (unsigned long long)info.device_id, p->speed_khz);
	} else if (e == NRF91_ERR_PROTECTED) {
		printf("    DPIDR 0x%08x  nRF91 CTRL-AP 0x%08x  APPROTECT on: recover needed\n",
		       info.dpidr, info.ctrlap_idr);
	} else if (info.dpidr) {
		printf("    DPIDR 0x%08x  %s: %s\n", info.dpidr, nrf91_strerror(e),
		       info.error_detail);
	} else {
		printf("    connect: %s: %s\n", nrf91_strerror(e), info.error_detail);
	}
	nrf91_detach(t);
	probe_close(p);
}

int cmd_probes_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"connect", no_argument, NULL, 'c'},
		{"speed", required_argument, NULL, 's'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	bool connect = false;
	uint32_t speed = 0;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "cs:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			connect = true;
			break;
		case 's': {
			char *end = NULL;
			unsigned long v = strtoul(optarg, &end, 10);
			if (!end || *end || v == 0 || v > 50000)
				return cli_usage_error(
					"probes", "--speed wants 1..50000 kHz, not '%s'", optarg);
			speed = (uint32_t)v;
			break;
		}
		case 'h':
			cmd_probes_help(stdout);
			return CLI_EXIT_OK;
		default:
			return cli_usage_error("probes", "unknown option");
		}
	}
	if (optind < argc)
		return cli_usage_error("probes", "unexpected argument '%s'", argv[optind]);

	struct jlink_context *ctx = NULL;
	probe_err pe = jlink_context_create(&ctx);
	if (pe != PROBE_OK) {
		cli_error(NULL, 0, "cannot start libjaylink: %s", probe_strerror(pe));
		return CLI_EXIT_PROBE;
	}
	struct jlink_probe_info *list = NULL;
	size_t n = 0;
	pe = jlink_list(ctx, &list, &n);
	if (pe != PROBE_OK) {
		cli_error(NULL, 0, "USB scan for J-Links failed: %s", probe_strerror(pe));
		jlink_context_destroy(ctx);
		return CLI_EXIT_PROBE;
	}
	if (n == 0)
		printf("no J-Link found on USB\n");
	for (size_t i = 0; i < n; i++) {
		const struct jlink_probe_info *pi = &list[i];
		if (pi->serial == 0)
			printf("(no serial)  ");
		else
			printf("%-10u  ", (unsigned)pi->serial);
		if (pi->err != PROBE_OK && !pi->firmware[0]) {
			printf("error: %s\n", pi->detail[0] ? pi->detail : probe_strerror(pi->err));
			continue;
		}
		printf("VTref %u.%03u V  firmware \"%s\"", pi->vtref_mv / 1000u,
		       pi->vtref_mv % 1000u, pi->firmware);
		if (pi->err != PROBE_OK)
			printf("  (%s)", pi->detail);
		printf("\n");
		if (connect && pi->serial != 0)
			print_connect(ctx, pi->serial, speed);
	}
	jlink_list_free(list);
	jlink_context_destroy(ctx);
	return CLI_EXIT_OK;
}
