/*
 * nrfcred inspect: a read-only look at the one board behind a J-Link, for
 * the first person with real hardware (docs/BRINGUP.md): probe, debug port,
 * CTRL-AP protection status, and FICR / UICR / flash use when the AHB-AP is
 * open. Never halts, resets, erases or writes the board (target/inspect.h).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "probe/jlink.h"
#include "provision/secret_ranges.h"
#include "swd/adi_trace.h"
#include "target/inspect.h"
#include "target/nrf91_regs.h"
#include "target/nrf91_trace.h"
#include "ui/json.h"

#define LOCKED_TEXT                                                                                \
	"AHB-AP locked by APPROTECT: FICR/UICR/flash not readable; `approtect = recover` would "   \
	"erase the chip"

void cmd_inspect_help(FILE *out)
{
	fprintf(out,
		"Usage: nrfcred inspect [-s SERIAL] [--speed KHZ] [--json] [--trace FILE]\n"
		"\n"
		"Connects to the board behind one J-Link and prints what it can read without\n"
		"changing anything: probe serial, firmware and VTref; DPIDR, TARGETID and\n"
		"DLPIDR; the CTRL-AP IDR, APPROTECT.STATUS and ERASEPROTECT.STATUS; and,\n"
		"only when the AHB-AP lets the debugger in, FICR (part, variant, hardware\n"
		"revision, device id, flash and RAM size), UICR (APPROTECT, SECUREAPPROTECT,\n"
		"ERASEPROTECT, HFXOSRC, HFXOCNT) and whether the flash is blank or how many\n"
		"of its bytes are used (reads all of it: a few seconds).\n"
		"\n"
		"Read only: it never halts, resets, erases or writes the board; it writes only\n"
		"the debug port and access port control registers a read needs (ABORT,\n"
		"SELECT, CTRL/STAT, CSW, TAR). A protected (locked) part is reported, exit 0.\n"
		"\n"
		"Options:\n"
		"  -s, --serial_number SERIAL  J-Link serial number (default: the only J-Link;\n"
		"                              with several attached it refuses and lists them)\n"
		"      --speed KHZ             SWD clock, 1..50000 kHz (default %u)\n"
		"      --json                  one JSON object on stdout instead of text\n"
		"      --trace FILE            write every SWD transaction to FILE (mode 0600,\n"
		"                              truncated if it exists; flash data redacted)\n"
		"  -h, --help                  show this help\n"
		"\n"
		"Exit codes:\n"
		"  0    the board answered; everything readable was printed (also when the\n"
		"       part is locked)\n"
		"  1    internal error (out of memory)\n"
		"  2    usage error, or several J-Links attached and no -s\n"
		"  4    probe error: no J-Link (or not that serial), USB failure, or no answer\n"
		"       on SWD (no board, no power, wiring)\n",
		JLINK_DEFAULT_SPEED_KHZ);
}

struct inspect_args {
	const char *serial_text;
	uint32_t serial;
	uint32_t speed;
	bool json;
	const char *trace;
};

static int parse(int argc, char **argv, struct inspect_args *a)
{
	static const struct option longopts[] = {
		{"serial_number", required_argument, NULL, 's'},
		{"speed", required_argument, NULL, 'k'},
		{"json", no_argument, NULL, 'j'},
		{"trace", required_argument, NULL, 't'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	memset(a, 0, sizeof(*a));
	optind = 1;
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, ":s:h", longopts, NULL)) != -1) {
		switch (c) {
		case 's': {
			char *end = NULL;
			unsigned long long v = strtoull(optarg, &end, 10);
			if (optarg[0] < '0' || optarg[0] > '9' || *end || v == 0 ||
			    v > UINT32_MAX || strlen(optarg) > 12)
				return cli_usage_error("inspect",
						       "-s '%s' is not a J-Link serial number "
						       "(decimal, e.g. 260101234)",
						       optarg);
			a->serial_text = optarg;
			a->serial = (uint32_t)v;
			break;
		}
		case 'k': {
			char *end = NULL;
			unsigned long v = strtoul(optarg, &end, 10);
			if (optarg[0] < '0' || optarg[0] > '9' || *end || v == 0 || v > 50000)
				return cli_usage_error(
					"inspect", "--speed wants 1..50000 kHz, not '%s'", optarg);
			a->speed = (uint32_t)v;
			break;
		}
		case 'j':
			a->json = true;
			break;
		case 't':
			a->trace = optarg;
			break;
		case 'h':
			cmd_inspect_help(stdout);
			return -1;
		case ':':
			return cli_usage_error("inspect", "%s needs a value", argv[optind - 1]);
		default:
			return cli_usage_error("inspect", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return cli_usage_error("inspect", "unexpected argument '%s'", argv[optind]);
	return CLI_EXIT_OK;
}

/* -s, or the only J-Link attached; *info gets its listing (firmware, VTref). */
static int pick(const struct inspect_args *a, const struct jlink_probe_info *list, size_t n,
		const struct jlink_probe_info **info)
{
	if (n == 0) {
		cli_error(NULL, 0,
			  "no J-Link probe attached (check the USB cable, and the udev rule if "
			  "you are not root: docs/BRINGUP.md)");
		return CLI_EXIT_PROBE;
	}
	if (a->serial) {
		for (size_t i = 0; i < n; i++)
			if (list[i].serial == a->serial) {
				*info = &list[i];
				return CLI_EXIT_OK;
			}
		cli_error(NULL, 0, "no J-Link with serial %s; attached:", a->serial_text);
	} else if (n > 1) {
		cli_error(NULL, 0, "%zu J-Link probes attached; choose one with -s SERIAL:", n);
	} else {
		*info = &list[0];
		return CLI_EXIT_OK;
	}
	for (size_t i = 0; i < n; i++)
		fprintf(stderr, "  %" PRIu32 "  VTref %u mV  %s\n", list[i].serial,
			(unsigned)list[i].vtref_mv,
			list[i].err == PROBE_OK ? list[i].firmware : list[i].detail);
	return a->serial ? CLI_EXIT_PROBE : CLI_EXIT_USAGE;
}

/* ---- what the values mean ---- */

static const char *designer_name(uint32_t designer)
{
	switch (designer) {
	case 0x23B:
		return "Arm";
	case 0x144:
		return "Nordic";
	}
	return "unknown designer";
}

static const char *protect_text(uint32_t status, uint32_t bit)
{
	return (status & bit) ? "not protected" : "PROTECTED";
}

/* UICR.APPROTECT / SECUREAPPROTECT: what the word means on this part. */
static const char *uicr_protect_text(uint32_t w, uint32_t partno)
{
	bool x1 = partno != 0x9160;
	if (w == 0xFFFFFFFFu)
		return x1 ? "erased (nRF91x1: locked after every reset unless the firmware "
			    "unlocks it)"
			  : "erased (nRF9160: unprotected)";
	if (w == 0x50FA50FAu)
		return "HwUnprotected";
	if (w == 0x00000000u)
		return "Protected";
	return "written (not a documented value: treat as protected)";
}

static const char *used_text(uint32_t w)
{
	return w == 0xFFFFFFFFu ? "erased" : "written";
}

/* ---- text output ---- */

/* One "key: value" line, values aligned in one column. */
static void kv(const char *key, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void kv(const char *key, const char *fmt, ...)
{
	printf("%s:%*s", key, (int)(22 - strlen(key)), "");
	va_list ap;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
}

static void print_text(const struct jlink_probe_info *pi, uint32_t khz, nrf91_err e,
		       const struct nrf91_inspect *in)
{
	kv("probe", "%" PRIu32 "\n", pi->serial);
	kv("firmware", "%s\n", pi->firmware[0] ? pi->firmware : "(unreadable)");
	kv("vtref", "%u.%03u V%s\n", pi->vtref_mv / 1000u, pi->vtref_mv % 1000u,
	   pi->vtref_mv < 1000u ? "  (board not powered, or VTref not wired)" : "");
	kv("swd_clock", "%" PRIu32 " kHz\n", khz);
	if (e != NRF91_OK && in->dpidr == 0) {
		kv("dpidr", "none: %s: %s\n", nrf91_strerror(e), in->detail);
		return;
	}
	uint32_t designer = (in->dpidr >> 1) & 0x7FFu;
	kv("dpidr", "0x%08" PRIx32 "  (%s SW-DP, version %" PRIu32 ", revision %" PRIu32 ")%s\n",
	   in->dpidr, designer_name(designer), (in->dpidr >> 12) & 0xFu, in->dpidr >> 28,
	   (in->dpidr & NRF91_DPIDR_DESIGNER_MASK) == NRF91_DPIDR_DESIGNER_ARM
		   ? ""
		   : "  NOT an Arm SW-DP: wrong target, or noise on the wires");
	if (in->have_targetid) {
		uint32_t td = (in->targetid >> 1) & 0x7FFu;
		kv("targetid",
		   "0x%08" PRIx32 "  (designer 0x%03" PRIx32 " %s, part 0x%04" PRIx32
		   ", revision %" PRIu32 ")\n",
		   in->targetid, td, designer_name(td), (in->targetid >> 12) & 0xFFFFu,
		   in->targetid >> 28);
		kv("dlpidr", "0x%08" PRIx32 "\n", in->dlpidr);
	} else {
		kv("targetid", "not read%s\n",
		   ((in->dpidr >> 12) & 0xFu) < 2u ? " (DPv1 has none)" : "");
	}
	if (in->have_ctrlap) {
		kv("ctrlap_idr", "0x%08" PRIx32 "  (%s)\n", in->ctrlap_idr,
		   in->ctrlap_idr == CTRLAP_IDR_NRF91 ? "nRF91 CTRL-AP"
						      : "NOT the nRF91 CTRL-AP 0x12880000");
		kv("approtect_status", "0x%08" PRIx32 "  (APPROTECT %s, SECUREAPPROTECT %s)\n",
		   in->approtect_status, protect_text(in->approtect_status, 1u),
		   protect_text(in->approtect_status, 2u));
		kv("eraseprotect_status", "0x%08" PRIx32 "  (erase protection %s)\n",
		   in->eraseprotect_status,
		   (in->eraseprotect_status & 1u) ? "off"
						  : "ON: CTRL-AP ERASEALL cannot unlock this part");
	} else {
		kv("ctrlap", "not readable\n");
	}
	if (in->have_ahbap)
		kv("ahbap", "IDR 0x%08" PRIx32 "  CSW 0x%08" PRIx32 "  (DeviceEn %u)\n",
		   in->ahbap_idr, in->ahbap_csw, (unsigned)((in->ahbap_csw >> 6) & 1u));
	if (!in->ahb_open) {
		kv("ahb_ap", "locked\n");
		kv("note", "%s\n", LOCKED_TEXT);
		if (in->ahb_locked_reason[0])
			kv("locked_because", "%s\n", in->ahb_locked_reason);
	} else {
		kv("ahb_ap", "open\n");
	}
	if (in->have_ficr) {
		kv("part", "%s  (SIPINFO.PARTNO 0x%08" PRIx32 ")%s\n",
		   in->part_name[0] ? in->part_name : "unknown", in->partno,
		   in->part_name[0] ? "" : "  NOT an nRF91 part number");
		kv("variant", "%s  (0x%08" PRIx32 ")\n", in->variant_text, in->variant);
		kv("hwrevision", "%s  (0x%08" PRIx32 ")\n", in->hwrevision_text, in->hwrevision);
		kv("device_id", "%08" PRIx32 "%08" PRIx32 "\n", in->deviceid[1], in->deviceid[0]);
		kv("flash_kb", "%" PRIu32 "\n", in->flash_kb);
		kv("ram_kb", "%" PRIu32 "\n", in->ram_kb);
	}
	if (in->have_uicr) {
		kv("uicr_approtect", "0x%08" PRIx32 "  (%s)\n", in->uicr_approtect,
		   uicr_protect_text(in->uicr_approtect, in->partno));
		kv("uicr_secureapprotect", "0x%08" PRIx32 "  (%s)\n", in->uicr_secureapprotect,
		   uicr_protect_text(in->uicr_secureapprotect, in->partno));
		kv("uicr_eraseprotect", "0x%08" PRIx32 "  (%s)\n", in->uicr_eraseprotect,
		   used_text(in->uicr_eraseprotect));
		kv("uicr_hfxosrc", "0x%08" PRIx32 "  (%s)\n", in->uicr_hfxosrc,
		   used_text(in->uicr_hfxosrc));
		kv("uicr_hfxocnt", "0x%08" PRIx32 "  (%s)\n", in->uicr_hfxocnt,
		   used_text(in->uicr_hfxocnt));
	}
	if (in->have_flash) {
		if (in->flash_used == 0)
			kv("flash", "blank (%" PRIu32 " bytes read, all 0xFF)\n", in->flash_size);
		else
			kv("flash",
			   "%" PRIu32 " of %" PRIu32 " bytes used (not 0xFF), 0x%08" PRIx32
			   "..0x%08" PRIx32 "\n",
			   in->flash_used, in->flash_size, in->flash_first_used,
			   in->flash_last_used);
	}
	if (in->detail[0])
		kv("error", "%s\n", in->detail);
}

/* ---- JSON output ---- */

static void jstr(const char *key, const char *value, bool *first)
{
	char buf[512];
	json_quote(value, buf, sizeof(buf));
	printf("%s\"%s\":%s", *first ? "" : ",", key, buf);
	*first = false;
}

static void jhex(const char *key, bool have, uint32_t v, bool *first)
{
	if (have)
		printf("%s\"%s\":\"0x%08" PRIx32 "\"", *first ? "" : ",", key, v);
	else
		printf("%s\"%s\":null", *first ? "" : ",", key);
	*first = false;
}

static void jnum(const char *key, bool have, uint64_t v, bool *first)
{
	if (have)
		printf("%s\"%s\":%" PRIu64, *first ? "" : ",", key, v);
	else
		printf("%s\"%s\":null", *first ? "" : ",", key);
	*first = false;
}

static void jbool(const char *key, bool v, bool *first)
{
	printf("%s\"%s\":%s", *first ? "" : ",", key, v ? "true" : "false");
	*first = false;
}

static void print_json(const struct jlink_probe_info *pi, uint32_t khz, nrf91_err e,
		       const struct nrf91_inspect *in)
{
	bool first = true;
	char serial[16];
	snprintf(serial, sizeof(serial), "%" PRIu32, pi->serial);
	printf("{");
	jstr("probe", serial, &first);
	jstr("firmware", pi->firmware, &first);
	jnum("vtref_mv", true, pi->vtref_mv, &first);
	jnum("swd_khz", true, khz, &first);
	bool dp = e == NRF91_OK || in->dpidr != 0;
	jhex("dpidr", dp, in->dpidr, &first);
	jhex("targetid", in->have_targetid, in->targetid, &first);
	jhex("dlpidr", in->have_targetid, in->dlpidr, &first);
	jhex("ctrlap_idr", in->have_ctrlap, in->ctrlap_idr, &first);
	jhex("approtect_status", in->have_ctrlap, in->approtect_status, &first);
	jhex("eraseprotect_status", in->have_ctrlap, in->eraseprotect_status, &first);
	jhex("ahbap_idr", in->have_ahbap, in->ahbap_idr, &first);
	jhex("ahbap_csw", in->have_ahbap, in->ahbap_csw, &first);
	jstr("ahb_ap", !dp ? "unknown" : in->ahb_open ? "open" : "locked", &first);
	jstr("note", dp && !in->ahb_open ? LOCKED_TEXT : "", &first);
	jstr("part", in->have_ficr ? in->part_name : "", &first);
	jhex("partno", in->have_ficr, in->partno, &first);
	jstr("variant", in->have_ficr ? in->variant_text : "", &first);
	jstr("hwrevision", in->have_ficr ? in->hwrevision_text : "", &first);
	char id[20] = "";
	if (in->have_ficr)
		snprintf(id, sizeof(id), "%08" PRIx32 "%08" PRIx32, in->deviceid[1],
			 in->deviceid[0]);
	jstr("device_id", id, &first);
	jnum("flash_kb", in->have_ficr, in->flash_kb, &first);
	jnum("ram_kb", in->have_ficr, in->ram_kb, &first);
	jhex("uicr_approtect", in->have_uicr, in->uicr_approtect, &first);
	jhex("uicr_secureapprotect", in->have_uicr, in->uicr_secureapprotect, &first);
	jhex("uicr_eraseprotect", in->have_uicr, in->uicr_eraseprotect, &first);
	jhex("uicr_hfxosrc", in->have_uicr, in->uicr_hfxosrc, &first);
	jhex("uicr_hfxocnt", in->have_uicr, in->uicr_hfxocnt, &first);
	jnum("flash_bytes", in->have_flash, in->flash_size, &first);
	jnum("flash_used_bytes", in->have_flash, in->flash_used, &first);
	if (in->have_flash)
		jbool("flash_blank", in->flash_used == 0, &first);
	else
		jnum("flash_blank", false, 0, &first);
	char err[400] = "";
	if (e != NRF91_OK || in->detail[0])
		snprintf(err, sizeof(err), "%s%s%s", e != NRF91_OK ? nrf91_strerror(e) : "",
			 e != NRF91_OK && in->detail[0] ? ": " : "", in->detail);
	jstr("error", err, &first);
	printf("}\n");
}

/* The trace of an inspection: nothing is provisioned, so the whole flash
 * (a leftover credential table may be anywhere in it) is redacted. */
static int open_trace(const char *path, uint32_t serial, struct adi_trace **out)
{
	adi_trace_err te = adi_trace_open(path, out);
	if (te != ADI_TRACE_OK) {
		const char *why = strerror(errno);
		cli_error(path, 0, "cannot write the trace: %s%s%s", adi_trace_strerror(te),
			  te == ADI_TRACE_ERR_OPEN ? ": " : "",
			  te == ADI_TRACE_ERR_OPEN ? why : "");
		return te == ADI_TRACE_ERR_NOMEM ? CLI_EXIT_FAILURE : CLI_EXIT_INPUT;
	}
	struct provision_range r[PROVISION_SECRET_RANGES_MAX];
	size_t n = provision_secret_ranges(NULL, r);
	te = adi_trace_redact(*out, NRF91_FLASH_BASE, 0x100000u, "flash");
	for (size_t i = 0; i < n && te == ADI_TRACE_OK; i++)
		te = adi_trace_redact(*out, r[i].addr, r[i].size, r[i].what);
	if (te == ADI_TRACE_OK)
		te = nrf91_trace_setup(*out);
	if (te != ADI_TRACE_OK) {
		cli_error(path, 0, "cannot set up the trace: %s", adi_trace_strerror(te));
		(void)adi_trace_close(*out);
		*out = NULL;
		return CLI_EXIT_FAILURE;
	}
	adi_trace_note(*out, "nrfcred %s inspect, probe %" PRIu32, NRFCRED_VERSION, serial);
	return CLI_EXIT_OK;
}

int cmd_inspect_main(int argc, char **argv)
{
	/* It reads the board's flash, which holds a table after a host that
	 * died mid-run with delivery = flash. */
	cli_protect_secrets();
	struct inspect_args a;
	int rc = parse(argc, argv, &a);
	if (rc < 0)
		return CLI_EXIT_OK; /* --help */
	if (rc != CLI_EXIT_OK)
		return rc;

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
	const struct jlink_probe_info *pi = NULL;
	rc = pick(&a, list, n, &pi);
	struct adi_trace *trace = NULL;
	if (rc == CLI_EXIT_OK && a.trace)
		rc = open_trace(a.trace, pi->serial, &trace);
	struct probe *p = NULL;
	if (rc == CLI_EXIT_OK) {
		char err[160] = "";
		pe = jlink_open(ctx, pi->serial, a.speed, &p, err, sizeof(err));
		if (pe != PROBE_OK) {
			cli_error(NULL, 0, "cannot open J-Link %" PRIu32 ": %s", pi->serial,
				  err[0] ? err : probe_strerror(pe));
			rc = CLI_EXIT_PROBE;
		}
	}
	if (rc == CLI_EXIT_OK) {
		struct nrf91_inspect in;
		struct nrf91_inspect_options o = {.trace = trace};
		nrf91_err e = nrf91_inspect(p, &o, &in);
		if (e == NRF91_ERR_NOMEM) {
			cli_error(NULL, 0, "out of memory");
			rc = CLI_EXIT_FAILURE;
		} else {
			if (a.json)
				print_json(pi, p->speed_khz, e, &in);
			else
				print_text(pi, p->speed_khz, e, &in);
			fflush(stdout);
			rc = e == NRF91_OK ? CLI_EXIT_OK : CLI_EXIT_PROBE;
		}
		/* DEVICEID and FICR are not secret, but nothing of the flash is kept. */
		explicit_bzero(&in, sizeof(in));
	}
	probe_close(p);
	if (trace && adi_trace_close(trace) != ADI_TRACE_OK)
		cli_warn(a.trace, "the trace could not be written completely (disk full?)");
	jlink_list_free(list);
	jlink_context_destroy(ctx);
	return rc;
}
