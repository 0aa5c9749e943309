/*
 * The simulator's USB + J-Link side, driven through the real libjaylink: the
 * fake libusb is linked into this executable, so its libusb_* definitions
 * come before the real libusb that libjaylink depends on. Every test first
 * proves the fake is active (nrfsim_probe_count()).
 */
#define _XOPEN_SOURCE 700
#include <criterion/criterion.h>
#include <ftw.h>
#include <libjaylink/libjaylink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "nrfsim.h"

static char test_dir[64];
static char state_dir[128];

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void remove_test_dir(void)
{
	if (test_dir[0])
		nftw(test_dir, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
}

/* Writes a scenario with the given body (state in a fresh temp dir) and selects it. */
static void use_scenario(const char *body)
{
	char path[128];
	FILE *f;

	strcpy(test_dir, "/tmp/nrfsim-test-XXXXXX");
	cr_assert_not_null(mkdtemp(test_dir));
	snprintf(state_dir, sizeof(state_dir), "%s/state", test_dir);
	snprintf(path, sizeof(path), "%s/scenario.ini", test_dir);
	f = fopen(path, "w");
	cr_assert_not_null(f);
	fprintf(f, "[sim]\nstate_dir = %s\n%s", state_dir, body);
	fclose(f);
	setenv("NRFSIM_SCENARIO", path, 1);
	unsetenv("NRFSIM_STATE_DIR");
	atexit(remove_test_dir);
}

struct session {
	struct jaylink_context *ctx;
	struct jaylink_device **devs;
	size_t count;
	struct jaylink_device_handle *devh;
};

static void scan(struct session *s)
{
	cr_assert_eq(jaylink_init(&s->ctx), JAYLINK_OK);
	cr_assert_eq(jaylink_discovery_scan(s->ctx, JAYLINK_HIF_USB), JAYLINK_OK);
	cr_assert_eq(jaylink_get_devices(s->ctx, &s->devs, &s->count), JAYLINK_OK);
}

static int open_serial(struct session *s, uint32_t serial)
{
	for (size_t i = 0; i < s->count; i++) {
		uint32_t sn;

		if (jaylink_device_get_serial_number(s->devs[i], &sn) == JAYLINK_OK && sn == serial)
			return jaylink_open(s->devs[i], &s->devh);
	}
	return JAYLINK_ERR_NOT_AVAILABLE;
}

static void finish(struct session *s)
{
	if (s->devh)
		jaylink_close(s->devh);
	jaylink_free_devices(s->devs, true);
	jaylink_exit(s->ctx);
}

static const char three_probes[] = "[probe 1]\nserial = 000260000011\n"
				   "[probe 2]\nserial = 000260000012\nvtref_mv = 1800\n"
				   "[probe 3]\nserial = 000260000013\nboard = absent\n";

Test(sim_usb, real_libjaylink_discovers_every_probe_with_its_serial)
{
	struct session s = {0};
	bool seen[3] = {false};

	use_scenario(three_probes);
	cr_assert_eq(nrfsim_probe_count(), 3, "the fake libusb is not the one in use");
	scan(&s);
	cr_assert_eq(s.count, 3);
	for (size_t i = 0; i < s.count; i++) {
		uint32_t sn;

		cr_assert_eq(jaylink_device_get_serial_number(s.devs[i], &sn), JAYLINK_OK);
		cr_assert(sn >= 260000011 && sn <= 260000013, "unexpected serial %u", sn);
		seen[sn - 260000011] = true;
	}
	cr_assert(seen[0] && seen[1] && seen[2]);
	finish(&s);
}

Test(sim_usb, rescan_reuses_the_same_device_objects)
{
	struct session s = {0};
	struct jaylink_device **again;
	size_t n;

	use_scenario(three_probes);
	scan(&s);
	cr_assert_eq(jaylink_discovery_scan(s.ctx, JAYLINK_HIF_USB), JAYLINK_OK);
	cr_assert_eq(jaylink_get_devices(s.ctx, &again, &n), JAYLINK_OK);
	cr_assert_eq(n, 3, "a rescan must not duplicate devices");
	for (size_t i = 0; i < n; i++) {
		bool found = false;

		for (size_t k = 0; k < s.count; k++)
			found |= again[i] == s.devs[k];
		cr_assert(found);
	}
	jaylink_free_devices(again, true);
	finish(&s);
}

Test(sim_usb, open_by_serial_reports_firmware_caps_and_memory)
{
	struct session s = {0};
	char *version;
	size_t len;
	uint8_t caps[JAYLINK_DEV_EXT_CAPS_SIZE] = {0}, ext[JAYLINK_DEV_EXT_CAPS_SIZE] = {0};
	const int wanted[] = {1, 4, 9, 11, 17, 27, 31};
	uint32_t mem, ifaces;
	struct jaylink_hardware_version hw;
	struct jaylink_speed speed;
	uint8_t config[JAYLINK_DEV_CONFIG_SIZE];

	use_scenario(three_probes);
	scan(&s);
	cr_assert_eq(open_serial(&s, 260000012), JAYLINK_OK);
	cr_assert_eq(jaylink_get_firmware_version(s.devh, &version, &len), JAYLINK_OK);
	cr_assert(strstr(version, "J-Link") && strstr(version, "(nrfsim simulated)"), "%s",
		  version);
	free(version);
	cr_assert_eq(jaylink_get_caps(s.devh, caps), JAYLINK_OK);
	for (size_t i = 0; i < sizeof(wanted) / sizeof(wanted[0]); i++)
		cr_assert(jaylink_has_cap(caps, wanted[i]), "cap %d missing", wanted[i]);
	cr_assert_eq(jaylink_get_extended_caps(s.devh, ext), JAYLINK_OK);
	cr_assert_arr_eq(ext, caps, 4, "ext caps must repeat the basic caps");
	cr_assert_eq(jaylink_get_free_memory(s.devh, &mem), JAYLINK_OK);
	cr_assert_geq(mem, 4112);
	cr_assert_eq(jaylink_get_hardware_version(s.devh, &hw), JAYLINK_OK);
	cr_assert_eq(hw.type, JAYLINK_HW_TYPE_JLINK);
	cr_assert_eq(hw.major, 11);
	cr_assert_eq(jaylink_get_speeds(s.devh, &speed), JAYLINK_OK);
	cr_assert_geq(speed.freq / 1000 / speed.div, 4000);
	cr_assert_eq(jaylink_read_raw_config(s.devh, config), JAYLINK_OK);
	cr_assert_eq(jaylink_get_available_interfaces(s.devh, &ifaces), JAYLINK_OK);
	cr_assert(ifaces & (1u << JAYLINK_TIF_SWD));
	finish(&s);
}

Test(sim_usb, hardware_status_reports_the_board_vtref)
{
	struct session s = {0};
	struct jaylink_hardware_status st;

	use_scenario(three_probes);
	scan(&s);
	cr_assert_eq(open_serial(&s, 260000012), JAYLINK_OK);
	cr_assert_eq(jaylink_get_hardware_status(s.devh, &st), JAYLINK_OK);
	cr_assert_eq(st.target_voltage, 1800);
	jaylink_close(s.devh);
	cr_assert_eq(open_serial(&s, 260000013), JAYLINK_OK);
	cr_assert_eq(jaylink_get_hardware_status(s.devh, &st), JAYLINK_OK);
	cr_assert_eq(st.target_voltage, 0, "no board in the slot: no VTref");
	finish(&s);
}

Test(sim_usb, select_interface_returns_the_previous_one)
{
	struct session s = {0};
	enum jaylink_target_interface prev, cur;

	use_scenario(three_probes);
	scan(&s);
	cr_assert_eq(open_serial(&s, 260000011), JAYLINK_OK);
	cr_assert_eq(jaylink_select_interface(s.devh, JAYLINK_TIF_SWD, &prev), JAYLINK_OK);
	cr_assert_eq(prev, JAYLINK_TIF_JTAG);
	cr_assert_eq(jaylink_get_selected_interface(s.devh, &cur), JAYLINK_OK);
	cr_assert_eq(cur, JAYLINK_TIF_SWD);
	cr_assert_eq(jaylink_select_interface(s.devh, JAYLINK_TIF_SWD, &prev), JAYLINK_OK);
	cr_assert_eq(prev, JAYLINK_TIF_SWD);
	finish(&s);
}

/* LSB-first bit writer for the SWD I/O arrays. */
struct bits {
	uint8_t dir[64], out[64];
	unsigned n;
};

static void put(struct bits *b, bool drive, uint64_t value, unsigned count)
{
	for (unsigned i = 0; i < count; i++, b->n++) {
		if (drive)
			b->dir[b->n / 8] |= (uint8_t)(1u << (b->n % 8));
		if ((value >> i) & 1)
			b->out[b->n / 8] |= (uint8_t)(1u << (b->n % 8));
	}
}

static uint32_t get(const uint8_t *in, unsigned at, unsigned count)
{
	uint32_t v = 0;

	for (unsigned i = 0; i < count; i++)
		v |= (uint32_t)((in[(at + i) / 8] >> ((at + i) % 8)) & 1) << i;
	return v;
}

Test(sim_usb, swd_io_reads_dpidr_through_jtag_to_swd)
{
	struct session s = {0};
	struct bits b = {0};
	uint8_t in[64] = {0};
	unsigned data_at;
	uint32_t dpidr;

	use_scenario(three_probes);
	scan(&s);
	cr_assert_eq(open_serial(&s, 260000011), JAYLINK_OK);
	cr_assert_eq(jaylink_select_interface(s.devh, JAYLINK_TIF_SWD, NULL), JAYLINK_OK);
	cr_assert_eq(jaylink_set_speed(s.devh, 4000), JAYLINK_OK);
	/* JTAG-to-SWD (OpenOCD swd_seq_jtag_to_swd), then a DPIDR read. */
	put(&b, true, ~0ull, 56);
	put(&b, true, 0xe79e, 16);
	put(&b, true, ~0ull, 56);
	put(&b, true, 0, 8);
	put(&b, true, 0xa5, 8);
	data_at = b.n;
	put(&b, false, 0, 38);
	put(&b, true, 0, 8);
	cr_assert_eq(jaylink_swd_io(s.devh, b.dir, b.out, in, (uint16_t)b.n), JAYLINK_OK);
	cr_assert_eq(get(in, data_at, 3), 1, "ACK OK expected");
	dpidr = get(in, data_at + 3, 32);
	cr_assert_eq(dpidr, 0x6ba02477, "DPIDR 0x%08x", dpidr);
	cr_assert_eq(get(in, data_at + 35, 1), (uint32_t)__builtin_parity(dpidr));
	finish(&s);
}

Test(sim_usb, swd_io_costs_modeled_time_at_the_set_clock)
{
	struct session s = {0};
	static uint8_t dir[8192], out[8192], in[8192];
	struct nrfsim_counters before, after;

	use_scenario("swd_max_khz = 4000\n[probe 1]\nserial = 000260000011\n");
	scan(&s);
	cr_assert_eq(open_serial(&s, 260000011), JAYLINK_OK);
	cr_assert_eq(jaylink_select_interface(s.devh, JAYLINK_TIF_SWD, NULL), JAYLINK_OK);
	cr_assert_eq(jaylink_set_speed(s.devh, 1000), JAYLINK_OK);
	memset(dir, 0xff, sizeof(dir));
	cr_assert_eq(nrfsim_get_counters("000260000011", &before), 0);
	cr_assert_eq(jaylink_swd_io(s.devh, dir, out, in, 60000), JAYLINK_OK);
	cr_assert_eq(nrfsim_get_counters("000260000011", &after), 0);
	/* 60000 bits at 1 MHz = 60 ms, plus the USB transfers. */
	cr_assert_geq(after.modeled_ns - before.modeled_ns, 60000000ull);
	cr_assert_eq(after.swd_bits - before.swd_bits, 60000);
	cr_assert_eq(after.swd_io_commands - before.swd_io_commands, 1);
	/* 15004 bytes out (2048-byte chunks), 7501 bytes back. */
	cr_assert_eq(after.usb_out_bytes - before.usb_out_bytes, 4 + 2 * 7500);
	cr_assert_eq(after.usb_in_bytes - before.usb_in_bytes, 7500 + 1);
	cr_assert_eq(after.usb_out_transfers - before.usb_out_transfers, 8);
	finish(&s);
}

Test(sim_usb, unknown_command_times_out_and_the_probe_keeps_working)
{
	struct session s = {0};
	struct jaylink_hardware_status st;
	struct nrfsim_counters c;

	use_scenario(three_probes);
	scan(&s);
	cr_assert_eq(open_serial(&s, 260000011), JAYLINK_OK);
	/* SWO is not advertised: the probe ignores it and the host times out. */
	cr_assert_eq(jaylink_swo_stop(s.devh), JAYLINK_ERR_TIMEOUT);
	cr_assert_eq(jaylink_get_hardware_status(s.devh, &st), JAYLINK_OK);
	cr_assert_eq(st.target_voltage, 3300);
	cr_assert_eq(nrfsim_get_counters("000260000011", &c), 0);
	cr_assert_eq(c.unknown_commands, 1);
	cr_assert_eq(c.usb_in_timeouts, 2, "libjaylink tries twice");
	finish(&s);
}

Test(sim_usb, counters_file_is_written_on_close)
{
	struct session s = {0};
	struct jaylink_hardware_status st;
	char path[256], line[128];
	FILE *f;
	unsigned long long out = 0;

	use_scenario(three_probes);
	scan(&s);
	cr_assert_eq(open_serial(&s, 260000011), JAYLINK_OK);
	cr_assert_eq(jaylink_get_hardware_status(s.devh, &st), JAYLINK_OK);
	finish(&s);
	snprintf(path, sizeof(path), "%s/000260000011.counters", state_dir);
	f = fopen(path, "r");
	cr_assert_not_null(f, "%s missing", path);
	while (fgets(line, sizeof(line), f))
		sscanf(line, "usb_out_transfers=%llu", &out);
	fclose(f);
	cr_assert_eq(out, 1, "one OUT transfer (hw status), got %llu", out);
}

Test(sim_usb, second_process_gets_busy_on_a_claimed_probe)
{
	int to_child[2], from_child[2];
	pid_t pid;
	char go = 0;
	int status;

	use_scenario(three_probes);
	cr_assert_eq(pipe(to_child), 0);
	cr_assert_eq(pipe(from_child), 0);
	/* Fork before either side touches the fake: two independent instances. */
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		struct session s = {0};
		int rc;

		if (read(to_child[0], &go, 1) != 1)
			_exit(3);
		scan(&s);
		rc = open_serial(&s, 260000011);
		finish(&s);
		_exit(rc == JAYLINK_ERR ? 0 : 1);
	}
	struct session s = {0};

	scan(&s);
	cr_assert_eq(open_serial(&s, 260000011), JAYLINK_OK);
	cr_assert_eq(write(to_child[1], &go, 1), 1);
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		  "the other process could open a probe this one holds");
	finish(&s);
	close(from_child[0]);
	close(from_child[1]);
}

Test(sim_usb, unplug_fault_fails_calls_instead_of_hanging)
{
	struct session s = {0};
	struct jaylink_hardware_status st;
	int rc = JAYLINK_OK;
	size_t n;
	struct jaylink_device **devs;

	use_scenario("[probe 1]\nserial = 000260000011\nfault_unplug_after_transfers = 6\n");
	scan(&s);
	cr_assert_eq(open_serial(&s, 260000011), JAYLINK_OK);
	for (int i = 0; i < 10 && rc == JAYLINK_OK; i++)
		rc = jaylink_get_hardware_status(s.devh, &st);
	cr_assert_eq(rc, JAYLINK_ERR, "an unplugged probe must fail, rc=%d", rc);
	cr_assert_eq(jaylink_discovery_scan(s.ctx, JAYLINK_HIF_USB), JAYLINK_OK);
	cr_assert_eq(jaylink_get_devices(s.ctx, &devs, &n), JAYLINK_OK);
	cr_assert_eq(n, 0, "an unplugged probe is gone from the bus");
	jaylink_free_devices(devs, true);
	finish(&s);
}

Test(sim_usb, usb_timeout_fault_gives_a_timeout)
{
	struct session s = {0};
	struct jaylink_hardware_status st;
	int rc = JAYLINK_OK;

	use_scenario("[probe 1]\nserial = 000260000011\nfault_usb_timeout_after_transfers = 4\n");
	scan(&s);
	cr_assert_eq(open_serial(&s, 260000011), JAYLINK_OK);
	for (int i = 0; i < 10 && rc == JAYLINK_OK; i++)
		rc = jaylink_get_hardware_status(s.devh, &st);
	cr_assert_eq(rc, JAYLINK_ERR_TIMEOUT);
	finish(&s);
}

/* Loads a scenario with this body; returns what the fake printed on stderr. */
static const char *scenario_errors(const char *body, unsigned *probes)
{
	static char msg[1024];
	char path[160];
	FILE *f;
	size_t n;

	use_scenario(body);
	snprintf(path, sizeof(path), "%s/stderr.txt", test_dir);
	cr_assert_not_null(freopen(path, "w", stderr));
	*probes = nrfsim_probe_count();
	fflush(stderr);
	f = fopen(path, "r");
	cr_assert_not_null(f);
	n = fread(msg, 1, sizeof(msg) - 1, f);
	msg[n] = '\0';
	fclose(f);
	return msg;
}

Test(sim_usb, unknown_scenario_key_presents_no_probe_and_names_the_line)
{
	unsigned probes;
	const char *msg = scenario_errors(
		"[probe 1]\nserial = 000260000011\nfault_wiat_storm = 3\n", &probes);

	cr_assert_eq(probes, 0);
	cr_assert(strstr(msg, "scenario.ini:5:") && strstr(msg, "fault_wiat_storm"), "%s", msg);
}

Test(sim_usb, duplicate_serials_are_rejected)
{
	unsigned probes;
	const char *msg = scenario_errors("[probe 1]\nserial = 260000011\n"
					  "[probe 2]\nserial = 000260000011\n",
					  &probes);

	cr_assert_eq(probes, 0);
	cr_assert(strstr(msg, "same serial 000260000011"), "%s", msg);
}

Test(sim_usb, bad_values_are_rejected_with_their_line)
{
	unsigned probes;
	const char *msg = scenario_errors("timing = slow\n[timing]\nerase_page_ms = soon\n"
					  "[probe 1]\nimei = 12345\nfault_modem_error = 42,2\n",
					  &probes);

	cr_assert_eq(probes, 0);
	cr_assert(strstr(msg, "scenario.ini:3: timing must be fast or real"), "%s", msg);
	cr_assert(strstr(msg, "scenario.ini:5: erase_page_ms: bad duration"), "%s", msg);
	cr_assert(strstr(msg, "scenario.ini:7: [probe 1] imei: bad value"), "%s", msg);
	cr_assert(strstr(msg, "scenario.ini:8: [probe 1] fault_modem_error: bad value"), "%s", msg);
}

Test(sim_usb, probes_key_adds_default_probes_with_distinct_serials)
{
	struct session s = {0};
	bool seen[5] = {false};

	use_scenario("probes = 5\n");
	cr_assert_eq(nrfsim_probe_count(), 5);
	scan(&s);
	cr_assert_eq(s.count, 5);
	for (size_t i = 0; i < s.count; i++) {
		uint32_t sn;

		cr_assert_eq(jaylink_device_get_serial_number(s.devs[i], &sn), JAYLINK_OK);
		cr_assert(sn >= 260000001 && sn <= 260000005, "serial %u", sn);
		seen[sn - 260000001] = true;
	}
	for (int i = 0; i < 5; i++)
		cr_assert(seen[i]);
	finish(&s);
}

Test(sim_usb, host_idle_time_passes_on_the_modeled_clock)
{
	struct session s = {0};
	struct jaylink_hardware_status st;
	struct nrfsim_counters c;

	use_scenario("[probe 1]\nserial = 000260000011\n");
	scan(&s);
	cr_assert_eq(open_serial(&s, 260000011), JAYLINK_OK);
	usleep(30000);
	cr_assert_eq(jaylink_get_hardware_status(s.devh, &st), JAYLINK_OK);
	cr_assert_eq(nrfsim_get_counters("000260000011", &c), 0);
	cr_assert_geq(c.modeled_ns, 30000000ull, "modeled %llu ns",
		      (unsigned long long)c.modeled_ns);
	finish(&s);
}

Test(sim_usb, real_timing_waits_for_the_modeled_swd_time)
{
	struct session s = {0};
	static uint8_t dir[4096], out[4096], in[4096];
	struct timespec t0, t1;
	struct nrfsim_counters c;
	uint64_t elapsed;

	use_scenario("timing = real\n[probe 1]\nserial = 000260000011\n");
	scan(&s);
	cr_assert_eq(open_serial(&s, 260000011), JAYLINK_OK);
	memset(dir, 0xff, sizeof(dir));
	/* From the first transfer on, the wall time must cover what the probe
	 * spent: 20000 bits at 1 MHz alone take 20 ms on the wire. */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	cr_assert_eq(jaylink_select_interface(s.devh, JAYLINK_TIF_SWD, NULL), JAYLINK_OK);
	cr_assert_eq(jaylink_set_speed(s.devh, 1000), JAYLINK_OK);
	cr_assert_eq(jaylink_swd_io(s.devh, dir, out, in, 20000), JAYLINK_OK);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	elapsed = (uint64_t)(t1.tv_sec - t0.tv_sec) * 1000000000u +
		  (uint64_t)(t1.tv_nsec - t0.tv_nsec);
	cr_assert_eq(nrfsim_get_counters("000260000011", &c), 0);
	cr_assert_geq(c.busy_ns, 20000000ull);
	cr_assert_geq(elapsed, c.busy_ns, "took %llu ns for %llu ns of probe time",
		      (unsigned long long)elapsed, (unsigned long long)c.busy_ns);
	/* sim_cpu_ns is the simulator's work, not its sleeps: decoding 20000
	 * bits costs far less than the 20 ms they take on the wire. */
	cr_assert_gt(c.sim_cpu_ns, 0ull);
	cr_assert_lt(c.sim_cpu_ns, c.busy_ns / 2, "sim_cpu_ns %llu of busy %llu ns",
		     (unsigned long long)c.sim_cpu_ns, (unsigned long long)c.busy_ns);
	finish(&s);
}

Test(sim_usb, nrfsim_run_preloads_the_fake_into_a_program_linked_only_with_libjaylink)
{
	const char *build = getenv("NRFCRED_BUILD_ROOT");
	char cmd[512], out[256] = {0};
	FILE *p;
	size_t n;

	cr_assert_not_null(build, "NRFCRED_BUILD_ROOT not set (run through meson test)");
	use_scenario("probes = 4\n[probe 2]\nserial = 000260000777\n");
	snprintf(cmd, sizeof(cmd),
		 "%s/tools/sim/nrfsim run %s -- %s/tests/unit/sim_usb_list | sort", build,
		 getenv("NRFSIM_SCENARIO"), build);
	p = popen(cmd, "r");
	cr_assert_not_null(p);
	n = fread(out, 1, sizeof(out) - 1, p);
	out[n] = '\0';
	cr_assert_eq(pclose(p), 0);
	cr_assert_str_eq(out, "260000001\n260000003\n260000004\n260000777\n");
}

Test(sim_usb, register_adds_and_unregister_removes_a_connection)
{
	struct session s = {0};
	struct jaylink_connection conn = {0}, table[JAYLINK_MAX_CONNECTIONS];
	size_t count;
	bool found = false;

	use_scenario(three_probes);
	scan(&s);
	cr_assert_eq(open_serial(&s, 260000011), JAYLINK_OK);
	conn.pid = (uint32_t)getpid();
	strcpy(conn.hid, "0.0.0.0");
	conn.iid = 0;
	conn.cid = 0;
	cr_assert_eq(jaylink_register(s.devh, &conn, table, &count), JAYLINK_OK);
	cr_assert_neq(conn.handle, 0, "registration must hand out a handle");
	for (size_t i = 0; i < count; i++)
		found |= table[i].handle == conn.handle && table[i].pid == conn.pid;
	cr_assert(found, "the new connection is in the table");
	cr_assert_eq(jaylink_unregister(s.devh, &conn, table, &count), JAYLINK_OK);
	for (size_t i = 0; i < count; i++)
		cr_assert_neq(table[i].handle, conn.handle);
	finish(&s);
}

Test(sim_usb, config_writes_read_back)
{
	struct session s = {0};
	uint8_t config[JAYLINK_DEV_CONFIG_SIZE], back[JAYLINK_DEV_CONFIG_SIZE];

	use_scenario(three_probes);
	scan(&s);
	cr_assert_eq(open_serial(&s, 260000011), JAYLINK_OK);
	cr_assert_eq(jaylink_read_raw_config(s.devh, config), JAYLINK_OK);
	config[0] = 2;	  /* USB address */
	config[0x20] = 7; /* IPv4 address, first byte */
	cr_assert_eq(jaylink_write_raw_config(s.devh, config), JAYLINK_OK);
	cr_assert_eq(jaylink_read_raw_config(s.devh, back), JAYLINK_OK);
	cr_assert_arr_eq(back, config, sizeof(config));
	finish(&s);
}

Test(sim_usb, io_command_is_jtag_while_jtag_is_selected)
{
	struct session s = {0};
	uint8_t tms[4] = {0}, tdi[4] = {0}, tdo[4] = {0};
	struct nrfsim_counters c;

	use_scenario(three_probes);
	scan(&s);
	cr_assert_eq(open_serial(&s, 260000011), JAYLINK_OK);
	/* Power-up interface is JTAG: 0xCF is JTAG I/O v3 (TDO + status). */
	cr_assert_eq(jaylink_jtag_io(s.devh, tms, tdi, tdo, 32, JAYLINK_JTAG_VERSION_3),
		     JAYLINK_OK);
	for (int i = 0; i < 4; i++)
		cr_assert_eq(tdo[i], 0xff, "no TAP: TDO floats high");
	cr_assert_eq(nrfsim_get_counters("000260000011", &c), 0);
	cr_assert_eq(c.swd_io_commands, 0, "JTAG I/O must not clock the SWD board");
	finish(&s);
}

/* Runs `nrfsim ARGS` (the build's binary); returns its exit status. */
static int nrfsim_cmd(const char *args, char *out, size_t size)
{
	const char *build = getenv("NRFCRED_BUILD_ROOT");
	char cmd[512];
	FILE *p;
	size_t n;

	cr_assert_not_null(build, "NRFCRED_BUILD_ROOT not set (run through meson test)");
	snprintf(cmd, sizeof(cmd), "%s/tools/sim/nrfsim %s 2>&1", build, args);
	p = popen(cmd, "r");
	cr_assert_not_null(p);
	n = fread(out, 1, size - 1, p);
	out[n] = '\0';
	return pclose(p);
}

Test(sim_usb, operator_pulls_then_replaces_a_board_while_the_probe_is_open)
{
	struct session s = {0};
	struct jaylink_hardware_status st;
	char args[256], out[4096];
	FILE *f;

	use_scenario("[probe 1]\nserial = 000260000011\n");
	scan(&s);
	cr_assert_eq(open_serial(&s, 260000011), JAYLINK_OK);
	cr_assert_eq(jaylink_get_hardware_status(s.devh, &st), JAYLINK_OK);
	cr_assert_eq(st.target_voltage, 3300);

	snprintf(args, sizeof(args), "slot %s 260000011 remove", state_dir);
	cr_assert_eq(nrfsim_cmd(args, out, sizeof(out)), 0, "%s", out);
	cr_assert_eq(jaylink_get_hardware_status(s.devh, &st), JAYLINK_OK);
	cr_assert_eq(st.target_voltage, 0, "the board was pulled out");

	snprintf(args, sizeof(args), "slot %s 000260000011 replace", state_dir);
	cr_assert_eq(nrfsim_cmd(args, out, sizeof(out)), 0, "%s", out);
	/* A swap takes a hand some time: the fresh board makes contact
	 * SLOT_SWAP_NS (0.5 s) after the replace, not at once. */
	cr_assert_eq(jaylink_get_hardware_status(s.devh, &st), JAYLINK_OK);
	cr_assert_eq(st.target_voltage, 0, "the fresh board is not seated yet");
	usleep(600 * 1000);
	cr_assert_eq(jaylink_get_hardware_status(s.devh, &st), JAYLINK_OK);
	cr_assert_eq(st.target_voltage, 3300, "a fresh board is in");
	finish(&s);

	/* The fresh board has the next IMEI (serial number part + 64). */
	snprintf(args, sizeof(args), "show %s", state_dir);
	cr_assert_eq(nrfsim_cmd(args, out, sizeof(out)), 0, "%s", out);
	cr_assert(strstr(out, "IMEI:       352404110000658"), "%s", out);

	/* Recorded as done, so a later process keeps this board instead of
	 * replacing it again. */
	snprintf(args, sizeof(args), "%s/000260000011.slot", state_dir);
	f = fopen(args, "r");
	cr_assert_not_null(f);
	cr_assert_not_null(fgets(out, sizeof(out), f));
	fclose(f);
	cr_assert_str_eq(out, "2 insert 1\n");
}
