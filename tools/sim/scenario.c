/*
 * Scenario INI parsing (inih). Unknown sections and keys are errors: a typo in
 * a fault key must not silently run a test without the fault.
 */
#include "scenario.h"

#include "nrf91_sim_regs.h"

#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct parse_ctx {
	struct scenario *s;
	const char *path;
	FILE *file;
	FILE *err;
	unsigned line; /* line most recently handed to inih */
	int errors;
	unsigned probes_key; /* [sim] probes = N */
	bool probe_seen[SCENARIO_MAX_PROBES];
	bool modem_fw_set[SCENARIO_MAX_PROBES];
	char state_dir_key[PATH_MAX];
};

static void report(struct parse_ctx *c, const char *fmt, ...)
{
	va_list ap;

	fprintf(c->err, "%s:%u: ", c->path, c->line);
	va_start(ap, fmt);
	vfprintf(c->err, fmt, ap);
	va_end(ap);
	fputc('\n', c->err);
	c->errors++;
}

/*
 * inih reader that counts lines, so every message can name file:line. inih
 * (no INI_ALLOW_REALLOC) reads at most num - 1 bytes per call and would parse
 * the rest of a longer line as a line of its own, so a long value could be
 * cut short silently: such a line is an error, and its rest is skipped.
 */
static char *counting_reader(char *str, int num, void *stream)
{
	struct parse_ctx *c = stream;
	char *r = fgets(str, num, c->file);
	size_t len;
	int ch;

	if (!r)
		return NULL;
	c->line++;
	len = strlen(str);
	if (num > 1 && len == (size_t)num - 1 && str[len - 1] != '\n') {
		ch = fgetc(c->file);
		if (ch == EOF || ch == '\n')
			return r; /* exactly num - 1 characters */
		while (ch != EOF && ch != '\n')
			ch = fgetc(c->file);
		report(c, "line longer than %d characters", num - 1);
		str[0] = '\0';
	}
	return r;
}

static bool parse_u64(const char *v, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long n;

	if (!isdigit((unsigned char)v[0]))
		return false;
	errno = 0;
	n = strtoull(v, &end, 0);
	if (errno || *end || n > max)
		return false;
	*out = n;
	return true;
}

static bool parse_u32(const char *v, uint32_t *out)
{
	uint64_t n;

	if (!parse_u64(v, UINT32_MAX, &n))
		return false;
	*out = (uint32_t)n;
	return true;
}

/* A non-negative duration with a unit factor (e.g. "41.5" µs → ns). */
static bool parse_duration(const char *v, double unit_ns, uint64_t *out_ns)
{
	char *end;
	double d;

	if (!isdigit((unsigned char)v[0]))
		return false;
	errno = 0;
	d = strtod(v, &end);
	if (errno || *end || d < 0 || d * unit_ns > 1e18)
		return false;
	*out_ns = (uint64_t)(d * unit_ns + 0.5);
	return true;
}

static bool parse_bool(const char *v, bool *out)
{
	if (!strcmp(v, "yes") || !strcmp(v, "true") || !strcmp(v, "1")) {
		*out = true;
		return true;
	}
	if (!strcmp(v, "no") || !strcmp(v, "false") || !strcmp(v, "0")) {
		*out = false;
		return true;
	}
	return false;
}

static bool all_digits(const char *v, size_t min, size_t max)
{
	size_t n = strlen(v);

	if (n < min || n > max)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isdigit((unsigned char)v[i]))
			return false;
	return true;
}

static int sim_key(struct parse_ctx *c, const char *k, const char *v)
{
	struct scenario *s = c->s;
	uint64_t n;

	if (!strcmp(k, "timing")) {
		if (!strcmp(v, "fast"))
			s->timing_mode = SCENARIO_TIMING_FAST;
		else if (!strcmp(v, "real"))
			s->timing_mode = SCENARIO_TIMING_REAL;
		else
			report(c, "timing must be fast or real, not '%s'", v);
	} else if (!strcmp(k, "usb_rtt_us")) {
		if (!parse_u32(v, &s->usb_rtt_us))
			report(c, "usb_rtt_us: bad number '%s'", v);
	} else if (!strcmp(k, "usb_bandwidth_bps")) {
		if (!parse_u64(v, UINT64_MAX, &s->usb_bandwidth_bps) || !s->usb_bandwidth_bps)
			report(c, "usb_bandwidth_bps: bad number '%s'", v);
	} else if (!strcmp(k, "swd_max_khz")) {
		if (!parse_u32(v, &s->swd_max_khz) || !s->swd_max_khz || s->swd_max_khz > 100000)
			report(c, "swd_max_khz: must be 1..100000, not '%s'", v);
	} else if (!strcmp(k, "state_dir")) {
		if (!*v || strlen(v) >= sizeof(c->state_dir_key))
			report(c, "state_dir: empty or too long");
		else
			memcpy(c->state_dir_key, v, strlen(v) + 1);
	} else if (!strcmp(k, "probes")) {
		if (!parse_u64(v, SCENARIO_MAX_PROBES, &n))
			report(c, "probes: must be 0..%d, not '%s'", SCENARIO_MAX_PROBES, v);
		else
			c->probes_key = (unsigned)n;
	} else {
		report(c, "unknown key '%s' in [sim]", k);
	}
	return 1;
}

static int timing_key(struct parse_ctx *c, const char *k, const char *v)
{
	struct simboard_timing *t = &c->s->timing;
	static const struct {
		const char *key;
		double unit_ns;
		size_t offset;
	} keys[] = {
		{"twrite_us", 1e3, offsetof(struct simboard_timing, nvmc_write_word_ns)},
		{"erase_page_ms", 1e6, offsetof(struct simboard_timing, nvmc_erase_page_ns)},
		{"erase_all_ms", 1e6, offsetof(struct simboard_timing, nvmc_erase_all_ns)},
		{"ctrlap_erase_all_ms", 1e6, offsetof(struct simboard_timing, ctrlap_erase_all_ns)},
		{"modem_start_ms", 1e6, offsetof(struct simboard_timing, modem_start_ns)},
		{"modem_cmd_ms", 1e6, offsetof(struct simboard_timing, modem_cmd_ns)},
		{"modem_cmng_write_ms", 1e6, offsetof(struct simboard_timing, modem_cmng_write_ns)},
	};
	uint64_t n;

	if (!strcmp(k, "cpu_mhz")) {
		if (!parse_u64(v, 4000, &n) || !n)
			report(c, "cpu_mhz: must be 1..4000, not '%s'", v);
		else
			t->cpu_hz = (uint32_t)(n * 1000000u);
		return 1;
	}
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (strcmp(k, keys[i].key) != 0)
			continue;
		if (!parse_duration(v, keys[i].unit_ns, &n))
			report(c, "%s: bad duration '%s'", k, v);
		else
			memcpy((char *)t + keys[i].offset, &n, sizeof(n));
		return 1;
	}
	report(c, "unknown key '%s' in [timing]", k);
	return 1;
}

/* "sec_tag,type,code", decimal (not sscanf: its %d overflows undefined). */
static bool parse_modem_error(const char *v, struct simboard_faults *f)
{
	char buf[64];
	char *field[3];
	uint64_t tag, type, code;
	size_t len = strlen(v);

	if (len >= sizeof(buf))
		return false;
	memcpy(buf, v, len + 1);
	field[0] = buf;
	for (int i = 1; i < 3; i++) {
		char *comma = strchr(field[i - 1], ',');

		if (!comma)
			return false;
		*comma = '\0';
		field[i] = comma + 1;
	}
	/* Up to 10 digits each: at most 9999999999, no overflow in strtoull. */
	for (int i = 0; i < 3; i++)
		if (!all_digits(field[i], 1, 10))
			return false;
	tag = strtoull(field[0], NULL, 10);
	type = strtoull(field[1], NULL, 10);
	code = strtoull(field[2], NULL, 10);
	if (tag > UINT32_MAX || type > 6 || code > INT32_MAX)
		return false;
	f->modem_error_sec_tag = (uint32_t)tag;
	f->modem_error_type = (int32_t)type;
	f->modem_error_code = (int32_t)code;
	return true;
}

/* "sec_tag,type", decimal, as fault_modem_error without the code. */
static bool parse_bad_digest(const char *v, struct simboard_faults *f)
{
	const char *comma = strchr(v, ',');
	char tag[16];

	if (!comma || (size_t)(comma - v) >= sizeof(tag))
		return false;
	memcpy(tag, v, (size_t)(comma - v));
	tag[comma - v] = '\0';
	if (!all_digits(tag, 1, 10) || !all_digits(comma + 1, 1, 1))
		return false;
	uint64_t n = strtoull(tag, NULL, 10);
	unsigned type = (unsigned)(comma[1] - '0');
	if (n > UINT32_MAX || type > 6)
		return false;
	f->bad_digest_on = true;
	f->bad_digest_sec_tag = (uint32_t)n;
	f->bad_digest_type = (uint8_t)type;
	return true;
}

/* "0xADDR:BIT": a word-aligned address and a bit 0..31. */
static bool parse_word_bit(const char *v, uint32_t *addr_out, uint8_t *bit_out)
{
	char buf[32];
	const char *colon = strchr(v, ':');
	uint64_t addr, bit;

	if (!colon || (size_t)(colon - v) >= sizeof(buf))
		return false;
	memcpy(buf, v, (size_t)(colon - v));
	buf[colon - v] = '\0';
	if (!parse_u64(buf, UINT32_MAX, &addr) || !all_digits(colon + 1, 1, 2))
		return false;
	bit = strtoull(colon + 1, NULL, 10);
	if ((addr & 3u) || bit > 31)
		return false;
	*addr_out = (uint32_t)addr;
	*bit_out = (uint8_t)bit;
	return true;
}

/* "0xADDR:BIT" or "0xADDR:BIT:TIMES" (TIMES >= 1 writes, then clean). */
static bool parse_wire_flip(const char *v, struct simboard_faults *f)
{
	char buf[48];
	const char *times = strchr(v, ':');
	times = times ? strchr(times + 1, ':') : NULL;
	size_t n = times ? (size_t)(times - v) : strlen(v);
	uint64_t t = 0;
	if (n >= sizeof(buf))
		return false;
	memcpy(buf, v, n);
	buf[n] = '\0';
	if (times && (!parse_u64(times + 1, UINT32_MAX, &t) || t == 0))
		return false;
	if (!parse_word_bit(buf, &f->wire_flip_addr, &f->wire_flip_bit))
		return false;
	f->wire_flip_times = (uint32_t)t;
	f->wire_flip_on = true;
	return true;
}

/* "0xADDR:BIT": a word address in flash or UICR, bit 0..31. */
static bool parse_stuck_bit(const char *v, struct simboard_faults *f)
{
	uint32_t addr;
	uint8_t bit;
	if (!parse_word_bit(v, &addr, &bit))
		return false;
	bool flash = addr < SIM_FLASH_SIZE;
	bool uicr = addr >= SIM_UICR_BASE && addr < SIM_UICR_BASE + SIM_UICR_SIZE;
	if (!(flash || uicr))
		return false;
	f->stuck_bit_on = true;
	f->stuck_bit_addr = addr;
	f->stuck_bit = bit;
	return true;
}

static bool parse_session_fault(const char *v, enum simboard_session_fault *out)
{
	static const struct {
		const char *name;
		enum simboard_session_fault fault;
	} names[] = {
		{"none", SIMBOARD_SESSION_FAULT_NONE},	 {"magic", SIMBOARD_SESSION_FAULT_MAGIC},
		{"crc", SIMBOARD_SESSION_FAULT_CRC},	 {"length", SIMBOARD_SESSION_FAULT_LENGTH},
		{"type", SIMBOARD_SESSION_FAULT_TYPE},	 {"seq", SIMBOARD_SESSION_FAULT_SEQ},
		{"nonce", SIMBOARD_SESSION_FAULT_NONCE},
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!strcmp(v, names[i].name)) {
			*out = names[i].fault;
			return true;
		}
	}
	return false;
}

static int probe_key(struct parse_ctx *c, unsigned idx, const char *k, const char *v)
{
	struct scenario_probe *p = &c->s->probes[idx];
	struct simboard_config *b = &p->board;
	struct simboard_faults *f = &b->faults;
	uint64_t n;
	bool ok = true;

	if (!strcmp(k, "serial")) {
		ok = all_digits(v, 1, SCENARIO_SERIAL_LEN) && strtoull(v, NULL, 10) <= UINT32_MAX;
		if (ok) {
			snprintf(p->serial, sizeof(p->serial), "%012llu", strtoull(v, NULL, 10));
		}
	} else if (!strcmp(k, "usb_pid")) {
		ok = parse_u64(v, 0xffff, &n);
		if (ok)
			p->usb_pid = (uint16_t)n;
	} else if (!strcmp(k, "vtref_mv")) {
		ok = parse_u64(v, 5000, &n);
		if (ok)
			b->vtref_mv = (uint16_t)n;
	} else if (!strcmp(k, "board")) {
		ok = !strcmp(v, "present") || !strcmp(v, "absent");
		b->present = !strcmp(v, "present");
	} else if (!strcmp(k, "part")) {
		if (!strcasecmp(v, "nRF9160"))
			b->part = SIMBOARD_NRF9160;
		else if (!strcasecmp(v, "nRF9161"))
			b->part = SIMBOARD_NRF9161;
		else if (!strcasecmp(v, "nRF9151"))
			b->part = SIMBOARD_NRF9151;
		else
			ok = false;
	} else if (!strcmp(k, "imei")) {
		ok = all_digits(v, 15, 15);
		if (ok) {
			memcpy(b->imei, v, 16);
		}
	} else if (!strcmp(k, "modem_fw")) {
		ok = *v && strlen(v) < sizeof(b->modem_fw);
		if (ok) {
			memcpy(b->modem_fw, v, strlen(v) + 1);
			c->modem_fw_set[idx] = true;
		}
	} else if (!strcmp(k, "approtect")) {
		ok = parse_bool(v, &b->approtect);
	} else if (!strcmp(k, "unlock_needs_pin_reset")) {
		ok = parse_bool(v, &b->quirks.unlock_needs_pin_reset);
	} else if (!strcmp(k, "erase_unlock_needs_soft_reset")) {
		ok = parse_bool(v, &b->quirks.erase_unlock_needs_soft_reset);
	} else if (!strcmp(k, "regrdy_busy_reads")) {
		ok = parse_u32(v, &b->quirks.regrdy_busy_reads);
	} else if (!strcmp(k, "erratum36")) {
		ok = parse_bool(v, &b->quirks.erratum36);
	} else if (!strcmp(k, "spu_kept_by_soft_reset")) {
		ok = parse_bool(v, &b->quirks.spu_kept_by_soft_reset);
	} else if (!strcmp(k, "no_sipinfo")) {
		ok = parse_bool(v, &b->quirks.no_sipinfo);
	} else if (!strcmp(k, "max_swd_khz")) {
		ok = parse_u32(v, &b->quirks.max_swd_khz);
	} else if (!strcmp(k, "fault_wait_storm")) {
		ok = parse_u32(v, &f->wait_storm);
	} else if (!strcmp(k, "fault_ack_every")) {
		ok = parse_u32(v, &f->fault_ack_every);
	} else if (!strcmp(k, "fault_parity_every")) {
		ok = parse_u32(v, &f->parity_error_every);
	} else if (!strcmp(k, "fault_write_parity_every")) {
		ok = parse_u32(v, &f->write_parity_error_every);
	} else if (!strcmp(k, "fault_removed_after_bytes")) {
		ok = parse_u64(v, UINT64_MAX, &f->removed_after_bytes);
	} else if (!strcmp(k, "fault_unplug_after_transfers")) {
		ok = parse_u64(v, UINT64_MAX, &p->fault_unplug_after_transfers);
	} else if (!strcmp(k, "fault_unplug_after_ap_bytes")) {
		ok = parse_u64(v, UINT64_MAX, &p->fault_unplug_after_ap_bytes);
	} else if (!strcmp(k, "fault_usb_timeout_after_transfers")) {
		ok = parse_u64(v, UINT64_MAX, &p->fault_usb_timeout_after_transfers);
	} else if (!strcmp(k, "fault_firmware_hang")) {
		ok = parse_bool(v, &f->firmware_hang);
	} else if (!strcmp(k, "fault_modem_error")) {
		ok = parse_modem_error(v, f);
	} else if (!strcmp(k, "fault_modem_bad_digest")) {
		ok = parse_bad_digest(v, f);
	} else if (!strcmp(k, "fault_stuck_bit")) {
		ok = parse_stuck_bit(v, f);
	} else if (!strcmp(k, "fault_wire_flip")) {
		ok = parse_wire_flip(v, f);
	} else if (!strcmp(k, "session_fault")) {
		ok = parse_session_fault(v, &f->session_fault);
	} else if (!strcmp(k, "result_fault")) {
		ok = !strcmp(v, "none") || !strcmp(v, "crc");
		f->result_fault_crc = !strcmp(v, "crc");
	} else if (!strcmp(k, "fault_cpu_at_instruction")) {
		ok = parse_u64(v, UINT64_MAX, &f->cpu_fault_at) && f->cpu_fault_at > 0;
	} else if (!strcmp(k, "fault_reset_after_ready")) {
		ok = parse_bool(v, &f->reset_after_ready);
	} else if (!strcmp(k, "session_fault_from")) {
		/* fw_seq counts from 1 (READY). */
		ok = parse_u32(v, &f->session_fault_from) && f->session_fault_from >= 1;
	} else {
		report(c, "unknown key '%s' in [probe %u]", k, idx + 1);
		return 1;
	}
	if (!ok)
		report(c, "[probe %u] %s: bad value '%s'", idx + 1, k, v);
	return 1;
}

static int on_key(void *user, const char *section, const char *k, const char *v)
{
	struct parse_ctx *c = user;
	unsigned long n;

	if (!strcmp(section, "sim"))
		return sim_key(c, k, v);
	if (!strcmp(section, "timing"))
		return timing_key(c, k, v);
	/* "probe N": decimal digits only (sscanf's %u would take "-1" or "+1"
	 * and overflows undefined). */
	if (!strncmp(section, "probe ", 6) && all_digits(section + 6, 1, 9)) {
		n = strtoul(section + 6, NULL, 10);
		if (n < 1 || n > SCENARIO_MAX_PROBES) {
			report(c, "[%s]: probe number must be 1..%d", section, SCENARIO_MAX_PROBES);
			return 1;
		}
		c->probe_seen[n - 1] = true;
		return probe_key(c, (unsigned)n - 1, k, v);
	}
	report(c, "unknown section [%s]", section);
	return 1;
}

void scenario_imei_check_digit(char imei[16])
{
	int sum = 0;

	/* Luhn: every second digit from the right of the 14, doubled. */
	for (int i = 0; i < 14; i++) {
		int d = imei[13 - i] - '0';

		if (i % 2 == 0) {
			d *= 2;
			if (d > 9)
				d -= 9;
		}
		sum += d;
	}
	imei[14] = (char)('0' + (10 - sum % 10) % 10);
	imei[15] = '\0';
}

/* A valid IMEI distinct per probe: TAC 35240411. */
static void default_imei(unsigned index, char out[16])
{
	snprintf(out, 16, "35240411%06u", (index + 1) % 1000000u);
	scenario_imei_check_digit(out);
}

static void probe_defaults(struct scenario_probe *p, unsigned index)
{
	struct simboard_config *b = &p->board;

	memset(p, 0, sizeof(*p));
	snprintf(p->serial, sizeof(p->serial), "%012u", 260000001u + index);
	p->usb_pid = 0x1015;
	b->part = SIMBOARD_NRF9160;
	b->present = true;
	b->vtref_mv = 3300;
	b->faults.modem_error_type = -1;
	b->faults.session_fault_from = 2;
	/* nRF91x1 silicon has erratum 36; the firmware must work around it. */
	b->quirks.erratum36 = true;
	default_imei(index, b->imei);
}

static void finish_probe(struct parse_ctx *c, unsigned i)
{
	struct scenario_probe *p = &c->s->probes[i];
	struct simboard_config *b = &p->board;

	if (!c->modem_fw_set[i])
		snprintf(b->modem_fw, sizeof(b->modem_fw), "%s",
			 b->part == SIMBOARD_NRF9160 ? "mfw_nrf9160_1.3.5" : "mfw_nrf91x1_2.0.1");
	b->device_id = 0x4e52460000000000ull | strtoull(p->serial, NULL, 10);
	b->timing = c->s->timing;
}

static void resolve_state_dir(struct parse_ctx *c)
{
	const char *env = getenv("NRFSIM_STATE_DIR");
	char *copy = strdup(c->path);
	char name[NAME_MAX + 1];
	size_t len;

	if (env && *env) {
		snprintf(c->s->state_dir, sizeof(c->s->state_dir), "%s", env);
	} else if (c->state_dir_key[0] == '/') {
		snprintf(c->s->state_dir, sizeof(c->s->state_dir), "%s", c->state_dir_key);
	} else if (c->state_dir_key[0]) {
		/* Relative to the scenario file, so it does not depend on the cwd. */
		int n = snprintf(c->s->state_dir, sizeof(c->s->state_dir), "%s/%s",
				 copy ? dirname(copy) : ".", c->state_dir_key);

		if (n < 0 || (size_t)n >= sizeof(c->s->state_dir))
			report(c, "state_dir: path too long");
	} else {
		snprintf(name, sizeof(name), "%s", copy ? basename(copy) : "scenario");
		len = strlen(name);
		if (len > 4 && !strcmp(name + len - 4, ".ini"))
			name[len - 4] = '\0';
		snprintf(c->s->state_dir, sizeof(c->s->state_dir), "/tmp/nrfsim-%u/%s",
			 (unsigned)getuid(), name);
	}
	free(copy);
}

static void scenario_defaults(struct scenario *s)
{
	memset(s, 0, sizeof(*s));
	s->timing_mode = SCENARIO_TIMING_FAST;
	s->usb_rtt_us = 125;
	s->usb_bandwidth_bps = 12000000;
	s->swd_max_khz = 8000;
	simboard_timing_defaults(&s->timing);
	for (unsigned i = 0; i < SCENARIO_MAX_PROBES; i++)
		probe_defaults(&s->probes[i], i);
}

int scenario_load(const char *path, struct scenario *s, FILE *err)
{
	FILE *f = fopen(path, "r");
	int errors;

	if (!f) {
		int saved = errno;

		scenario_defaults(s);
		fprintf(err, "%s: cannot open: %s\n", path, strerror(saved));
		return 1;
	}
	errors = scenario_parse(f, path, s, err);
	fclose(f);
	return errors;
}

int scenario_parse(FILE *file, const char *path, struct scenario *s, FILE *err)
{
	struct parse_ctx c = {.s = s, .path = path, .file = file, .err = err};
	int rc;

	scenario_defaults(s);
	rc = ini_parse_stream(counting_reader, &c, on_key, &c);
	if (rc > 0 && !c.errors) {
		c.line = (unsigned)rc;
		report(&c, "syntax error");
	} else if (rc < 0) {
		report(&c, "cannot parse");
	}

	s->probe_count = c.probes_key;
	for (unsigned i = 0; i < SCENARIO_MAX_PROBES; i++)
		if (c.probe_seen[i] && i + 1 > s->probe_count)
			s->probe_count = i + 1;
	for (unsigned i = 0; i < s->probe_count; i++)
		finish_probe(&c, i);
	for (unsigned i = 0; i < s->probe_count; i++)
		for (unsigned j = 0; j < i; j++)
			if (!strcmp(s->probes[i].serial, s->probes[j].serial)) {
				c.line = 0;
				report(&c, "[probe %u] and [probe %u] have the same serial %s",
				       j + 1, i + 1, s->probes[i].serial);
			}
	resolve_state_dir(&c);
	return c.errors;
}

static int probe_file(const struct scenario *s, const char *serial, const char *ext, char *out,
		      size_t size)
{
	int n = snprintf(out, size, "%s/%s.%s", s->state_dir, serial, ext);

	return n < 0 || (size_t)n >= size ? -1 : 0;
}

int scenario_board_path(const struct scenario *s, const char *serial, char *out, size_t size)
{
	return probe_file(s, serial, "board", out, size);
}

int scenario_counters_path(const struct scenario *s, const char *serial, char *out, size_t size)
{
	return probe_file(s, serial, "counters", out, size);
}

int scenario_make_state_dir(const struct scenario *s)
{
	char buf[PATH_MAX];
	size_t len = strlen(s->state_dir);

	if (len == 0 || len >= sizeof(buf)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(buf, s->state_dir, len + 1);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0777) != 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return mkdir(buf, 0777) != 0 && errno != EEXIST ? -1 : 0;
}
