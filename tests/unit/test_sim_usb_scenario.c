/*
 * The simulator's scenario parser (tools/sim/scenario.c) on its own, through
 * scenario_parse() on in-memory text, and the slot files (slotctl.c):
 * hostile-input cases (over-long lines, out-of-range numbers). The keys'
 * everyday behaviour is tested through the fake in test_sim_usb.c.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "scenario.h"
#include "slotctl.h"

static struct scenario scen;
static char messages[4096];

/* Parses text as "t.ini"; returns the number of problems, messages in messages[]. */
static int parse(const char *text)
{
	FILE *in = fmemopen((void *)text, strlen(text), "r");
	FILE *err = fmemopen(messages, sizeof(messages), "w");

	cr_assert_not_null(in);
	cr_assert_not_null(err);
	memset(messages, 0, sizeof(messages));
	unsetenv("NRFSIM_STATE_DIR");
	int n = scenario_parse(in, "/cfg/t.ini", &scen, err);
	fclose(in);
	fclose(err);
	return n;
}

/* Each of bad[] as the value of key in [probe 1] is refused, naming the
 * key on its line. */
static void refuses_values(const char *key, const char *const *bad, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char text[128], want[128];

		snprintf(text, sizeof(text), "[probe 1]\n%s = %s\n", key, bad[i]);
		cr_assert_eq(parse(text), 1, "'%s' accepted", bad[i]);
		snprintf(want, sizeof(want), "/cfg/t.ini:2: [probe 1] %s: bad value", key);
		cr_assert(strstr(messages, want), "%s", messages);
	}
}

static char *repeat(char c, size_t n)
{
	char *s = malloc(n + 1);

	cr_assert_not_null(s);
	memset(s, c, n);
	s[n] = '\0';
	return s;
}

Test(scenario, over_long_line_is_an_error_and_later_lines_keep_their_numbers)
{
	char *dir = repeat('d', 300);
	char text[512];

	snprintf(text, sizeof(text), "[sim]\nstate_dir = /%s\nbogus = 1\n", dir);
	free(dir);
	cr_assert_eq(parse(text), 2, "%s", messages);
	cr_assert(strstr(messages, "/cfg/t.ini:2: line longer than 199 characters"), "%s",
		  messages);
	cr_assert(strstr(messages, "/cfg/t.ini:3: unknown key 'bogus' in [sim]"), "%s", messages);
}

Test(scenario, line_of_exactly_199_characters_is_accepted_whole)
{
	/* "state_dir = /" is 13 characters: the path fills the line to 199. */
	char *dir = repeat('d', 199 - 13);
	char text[512];

	snprintf(text, sizeof(text), "[sim]\nstate_dir = /%s\nprobes = 1\n", dir);
	cr_assert_eq(parse(text), 0, "%s", messages);
	cr_assert_eq(strlen(scen.state_dir), 199 - 12);
	cr_assert_str_eq(scen.state_dir + 1, dir);
	cr_assert_eq(scen.probe_count, 1);
	free(dir);
}

Test(scenario, long_line_at_end_of_file_without_newline_is_an_error)
{
	char *v = repeat('7', 250);
	char text[512];

	snprintf(text, sizeof(text), "[probe 1]\nimei = %s", v);
	free(v);
	cr_assert_eq(parse(text), 1, "%s", messages);
	cr_assert(strstr(messages, "/cfg/t.ini:2: line longer"), "%s", messages);
}

Test(scenario, modem_error_takes_three_decimal_numbers_in_range)
{
	cr_assert_eq(parse("[probe 1]\nfault_modem_error = 4294967295,6,2147483647\n"), 0, "%s",
		     messages);
	const struct simboard_faults *f = &scen.probes[0].board.faults;
	cr_assert_eq(f->modem_error_sec_tag, 4294967295u);
	cr_assert_eq(f->modem_error_type, 6);
	cr_assert_eq(f->modem_error_code, 2147483647);

	cr_assert_eq(parse("[probe 1]\nfault_modem_error = 42,2,0515\n"), 0, "%s", messages);
	cr_assert_eq(scen.probes[0].board.faults.modem_error_code, 515, "decimal, not octal");

	static const char *bad[] = {
		"1,2,99999999999", /* overflows int: sscanf("%d") was undefined here */
		"1,2,2147483648",  "4294967296,0,1", "1,7,1", "1,2,3,4", "-1,2,3",
		"1,+2,3",	   "1,2,",	     ",2,3",  "1,2",	 "0x10,2,3",
	};
	refuses_values("fault_modem_error", bad, sizeof(bad) / sizeof(bad[0]));
}

Test(scenario, session_fault_takes_a_field_name_and_from_a_seq_of_at_least_1)
{
	cr_assert_eq(parse("[probe 2]\n"), 0, "%s", messages);
	const struct simboard_faults *f = &scen.probes[1].board.faults;
	cr_assert_eq(f->session_fault, SIMBOARD_SESSION_FAULT_NONE, "off by default");
	cr_assert_eq(f->session_fault_from, 2u, "default: the first answer after READY");

	static const struct {
		const char *name;
		enum simboard_session_fault fault;
	} good[] = {
		{"none", SIMBOARD_SESSION_FAULT_NONE},	 {"magic", SIMBOARD_SESSION_FAULT_MAGIC},
		{"crc", SIMBOARD_SESSION_FAULT_CRC},	 {"length", SIMBOARD_SESSION_FAULT_LENGTH},
		{"type", SIMBOARD_SESSION_FAULT_TYPE},	 {"seq", SIMBOARD_SESSION_FAULT_SEQ},
		{"nonce", SIMBOARD_SESSION_FAULT_NONCE},
	};
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		char text[128];

		snprintf(text, sizeof(text), "[probe 1]\nsession_fault = %s\n", good[i].name);
		cr_assert_eq(parse(text), 0, "%s: %s", good[i].name, messages);
		cr_assert_eq(scen.probes[0].board.faults.session_fault, good[i].fault);
	}
	cr_assert_eq(parse("[probe 1]\nsession_fault_from = 4294967295\n"), 0, "%s", messages);
	cr_assert_eq(scen.probes[0].board.faults.session_fault_from, 4294967295u);

	static const char *bad[] = {
		"session_fault = CRC",
		"session_fault = yes",
		"session_fault = ",
		"session_fault = magic,crc",
		"session_fault_from = 0",
		"session_fault_from = -1",
		"session_fault_from = 4294967296",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char text[128];

		snprintf(text, sizeof(text), "[probe 1]\n%s\n", bad[i]);
		cr_assert_eq(parse(text), 1, "'%s' accepted", bad[i]);
		cr_assert(strstr(messages, "/cfg/t.ini:2: [probe 1] session_fault"), "%s",
			  messages);
	}
}

Test(scenario, modem_bad_digest_takes_a_sec_tag_and_a_type)
{
	cr_assert_eq(parse("[probe 1]\n"), 0, "%s", messages);
	cr_assert(!scen.probes[0].board.faults.bad_digest_on, "off by default");
	cr_assert_eq(parse("[probe 1]\nfault_modem_bad_digest = 4294967295,6\n"), 0, "%s",
		     messages);
	const struct simboard_faults *f = &scen.probes[0].board.faults;
	cr_assert(f->bad_digest_on);
	cr_assert_eq(f->bad_digest_sec_tag, 4294967295u);
	cr_assert_eq(f->bad_digest_type, 6);
	static const char *bad[] = {"42",    "42,7", "4294967296,0", "42,0,515", "-1,0",
				    "42,+1", ",0",   "42,",	     "0x2a,0",	 "42,00"};
	refuses_values("fault_modem_bad_digest", bad, sizeof(bad) / sizeof(bad[0]));
}

Test(scenario, result_fault_is_none_or_crc)
{
	cr_assert_eq(parse("[probe 1]\n"), 0, "%s", messages);
	cr_assert(!scen.probes[0].board.faults.result_fault_crc, "off by default");
	cr_assert_eq(parse("[probe 1]\nresult_fault = crc\n"), 0, "%s", messages);
	cr_assert(scen.probes[0].board.faults.result_fault_crc);
	cr_assert_eq(parse("[probe 1]\nresult_fault = none\n"), 0, "%s", messages);
	cr_assert(!scen.probes[0].board.faults.result_fault_crc);
	cr_assert_eq(parse("[probe 1]\nresult_fault = magic\n"), 1, "%s", messages);
	cr_assert(strstr(messages, "/cfg/t.ini:2: [probe 1] result_fault: bad value 'magic'"), "%s",
		  messages);
}

Test(scenario, stuck_bit_takes_a_word_address_in_flash_or_uicr_and_a_bit_0_to_31)
{
	cr_assert_eq(parse("[probe 1]\n"), 0, "%s", messages);
	cr_assert(!scen.probes[0].board.faults.stuck_bit_on, "off by default");
	cr_assert_eq(parse("[probe 1]\nfault_stuck_bit = 0x0001A004:31\n"), 0, "%s", messages);
	const struct simboard_faults *f = &scen.probes[0].board.faults;
	cr_assert(f->stuck_bit_on);
	cr_assert_eq(f->stuck_bit_addr, 0x1A004u);
	cr_assert_eq(f->stuck_bit, 31);
	cr_assert_eq(parse("[probe 1]\nfault_stuck_bit = 0x00FF8108:0\n"), 0, "UICR: %s", messages);
	cr_assert_eq(scen.probes[0].board.faults.stuck_bit_addr, 0xFF8108u);

	static const char *bad[] = {
		"0x1A002:3",	/* not word aligned */
		"0x1A000:32",	/* no bit 32 in a word */
		"0x100000:0",	/* past the 1 MB of flash */
		"0x20000000:0", /* RAM is not flash */
		"0x1A000",	"0x1A000:", ":3", "0x1A000:-1", "0x1A000:+1", "0x1A000:1x", "-4:1",
	};
	refuses_values("fault_stuck_bit", bad, sizeof(bad) / sizeof(bad[0]));
}

Test(scenario, wire_flip_takes_any_word_address_a_bit_and_an_optional_count)
{
	cr_assert_eq(parse("[probe 1]\n"), 0, "%s", messages);
	cr_assert(!scen.probes[0].board.faults.wire_flip_on, "off by default");
	cr_assert_eq(parse("[probe 1]\nfault_wire_flip = 0x20004100:3\n"), 0, "%s", messages);
	const struct simboard_faults *f = &scen.probes[0].board.faults;
	cr_assert(f->wire_flip_on);
	cr_assert_eq(f->wire_flip_addr, 0x20004100u);
	cr_assert_eq(f->wire_flip_bit, 3);
	cr_assert_eq(f->wire_flip_times, 0, "every write");
	cr_assert_eq(parse("[probe 1]\nfault_wire_flip = 0x0001A004:31:2\n"), 0, "%s", messages);
	cr_assert_eq(scen.probes[0].board.faults.wire_flip_addr, 0x1A004u);
	cr_assert_eq(scen.probes[0].board.faults.wire_flip_times, 2);

	static const char *bad[] = {
		"0x20004102:3", /* not word aligned */
		"0x20004100:32", "0x20004100:3:0", "0x20004100:3:", "0x20004100:3:x",
		"0x20004100",	"0x20004100:", ":3", "0x20004100:-1",
	};
	refuses_values("fault_wire_flip", bad, sizeof(bad) / sizeof(bad[0]));
}

Test(scenario, missing_file_is_one_problem_and_leaves_the_defaults)
{
	FILE *err = fmemopen(messages, sizeof(messages), "w");

	cr_assert_eq(scenario_load("/nonexistent/dir/s.ini", &scen, err), 1);
	fclose(err);
	cr_assert(strstr(messages, "/nonexistent/dir/s.ini: cannot open"), "%s", messages);
	cr_assert_eq(scen.probe_count, 0);
	cr_assert_eq(scen.swd_max_khz, 8000);
}

Test(scenario, binary_garbage_is_rejected_without_crashing)
{
	static const char text[] = "[sim\x01\xff]\n\x7f=\x80\n[probe 99999999999]\nx=y\n";

	cr_assert_geq(parse(text), 1);
}

Test(scenario, probe_sections_take_plain_decimal_numbers_only)
{
	cr_assert_eq(parse("[probe 64]\nvtref_mv = 1800\n"), 0, "%s", messages);
	cr_assert_eq(scen.probe_count, 64);
	cr_assert_eq(scen.probes[63].board.vtref_mv, 1800);

	static const char *bad[] = {"probe -1", "probe +1", "probe 99999999999", "probe 0",
				    "probe 65", "probe  1", "probe 1x",		 "probe"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char text[128];

		snprintf(text, sizeof(text), "[%s]\nvtref_mv = 1800\n", bad[i]);
		cr_assert_eq(parse(text), 1, "[%s] accepted", bad[i]);
		cr_assert_eq(scen.probe_count, 0, "[%s]", bad[i]);
	}
}

/* ---- slot files (slotctl.c): written by `nrfsim slot`, read by the fake ---- */

static char slot_path[64];

static void write_slot_file(const char *text)
{
	strcpy(slot_path, "/tmp/nrfsim-slot-XXXXXX");
	int fd = mkstemp(slot_path);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

Test(scenario, slot_file_round_trips)
{
	struct slotctl in = {.seq = 18446744073709551615ull,
			     .action = SLOTCTL_REPLACE,
			     .generation = 4294967295u};
	struct slotctl out = {0};

	write_slot_file("");
	cr_assert_eq(slotctl_write(slot_path, &in), 0);
	cr_assert_eq(slotctl_read(slot_path, &out), 0);
	cr_assert_eq(out.seq, in.seq);
	cr_assert_eq(out.action, SLOTCTL_REPLACE);
	cr_assert_eq(out.generation, in.generation);
	unlink(slot_path);
	cr_assert_eq(slotctl_read(slot_path, &out), 1, "no file: nothing was ever done");
}

Test(scenario, corrupt_slot_files_are_unreadable_not_misread)
{
	static const char *bad[] = {
		"",
		"garbage\n",
		"1 remove\n",
		"1 unplug 0\n",
		"1 remove 4294967296\n", /* generation beyond u32: fscanf overflowed undefined */
		"1 remove -1\n",
		"18446744073709551616 insert 0\n",
		"1 remove 0 extra\n",
		"+1 remove 0\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct slotctl out = {.seq = 7};

		write_slot_file(bad[i]);
		cr_assert_eq(slotctl_read(slot_path, &out), -1, "'%s' accepted", bad[i]);
		cr_assert_eq(out.seq, 7, "'%s' changed the output", bad[i]);
		unlink(slot_path);
	}
}
