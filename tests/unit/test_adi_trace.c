/* SWD trace (src/swd/adi_trace.c): line format, redaction ranges, and the
 * lines the real ADI queue produces against the scripted SW-DP model, with
 * secrets written and read inside a redacted range (WAIT and parity retries
 * included). */
#include <criterion/criterion.h>

#include "probe_fakedp.h"
#include "swd/adi.h"
#include "swd/adi_trace.h"
#include "swd/memap.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- formatting of single records ---- */

static const char *fmt(const struct adi_trace *t, const struct adi_trace_rec *r)
{
	static char line[256];
	size_t n = adi_trace_format(t, r, line, sizeof(line));
	cr_assert_lt(n, sizeof(line));
	cr_assert_eq(strlen(line), n);
	cr_assert_eq(line[n - 1], '\n');
	return line;
}

/* A trace on a memory stream; *text is valid after adi_trace_close. */
static struct adi_trace *mem_trace(char **text, size_t *len)
{
	FILE *f = open_memstream(text, len);
	cr_assert_not_null(f);
	struct adi_trace *t = NULL;
	cr_assert_eq(adi_trace_create(f, &t), ADI_TRACE_OK);
	return t;
}

Test(adi_trace_format, dp_read_has_time_port_register_value_and_ack)
{
	struct adi_trace_rec r = {.time_us = 1234,
				  .read = true,
				  .reg = 0x0,
				  .ack = 1,
				  .value = 0x6BA02477u,
				  .data = ADI_TRACE_DATA_REGISTER};
	cr_expect_str_eq(fmt(NULL, &r), "      1234 DP   R DPIDR               0x6ba02477 OK\n");
	r.reg = 0x4;
	r.dp_bank = 2;
	r.value = 0x20090289u;
	cr_expect(strstr(fmt(NULL, &r), " R TARGETID ") != NULL, "%s", fmt(NULL, &r));
	r.dp_bank = 3;
	cr_expect(strstr(fmt(NULL, &r), " R DLPIDR ") != NULL);
	r.dp_bank = 0;
	cr_expect(strstr(fmt(NULL, &r), " R CTRL/STAT ") != NULL);
	r.read = false;
	r.reg = 0x8;
	cr_expect(strstr(fmt(NULL, &r), " W SELECT ") != NULL);
	r.reg = 0x0;
	cr_expect(strstr(fmt(NULL, &r), " W ABORT ") != NULL);
}

Test(adi_trace_format, every_ack_has_a_name_and_failed_reads_show_no_data)
{
	struct adi_trace_rec r = {.read = true,
				  .ap = true,
				  .reg = 0xFC,
				  .ap_num = 4,
				  .value = 0x12345678u,
				  .data = ADI_TRACE_DATA_REGISTER};
	const struct {
		uint8_t ack;
		const char *name;
	} acks[] = {{2, " WAIT"}, {4, " FAULT"}, {7, " NOACK"}, {3, " ACK3"}};
	for (size_t i = 0; i < sizeof(acks) / sizeof(acks[0]); i++) {
		r.ack = acks[i].ack;
		const char *l = fmt(NULL, &r);
		cr_expect(strstr(l, acks[i].name) != NULL, "%s", l);
		cr_expect(strstr(l, "12345678") == NULL, "no data on a failed read: %s", l);
		cr_expect(strstr(l, " - ") != NULL, "%s", l);
	}
	r.ack = 1;
	r.parity_error = true;
	cr_expect(strstr(fmt(NULL, &r), "0x12345678 PARITY") != NULL, "%s", fmt(NULL, &r));
	/* A write keeps its data even when it was refused (what was sent). */
	r = (struct adi_trace_rec){.ap = true, .reg = 0x04, .ack = 2, .value = 0x20000000u};
	cr_expect(strstr(fmt(NULL, &r), "AP0  W TAR                 0x20000000 WAIT") != NULL, "%s",
		  fmt(NULL, &r));
}

Test(adi_trace_format, memory_data_is_printed_outside_and_redacted_inside_a_range)
{
	char *text = NULL;
	size_t len = 0;
	struct adi_trace *t = mem_trace(&text, &len);
	cr_assert_eq(adi_trace_redact(t, 0x7F000, 0x1000, "credential table"), ADI_TRACE_OK);
	struct adi_trace_rec r = {.ap = true,
				  .reg = 0x0C,
				  .ack = 1,
				  .value = 0xA5C3A5C3u,
				  .has_addr = true,
				  .addr = 0x7EFFC,
				  .data = ADI_TRACE_DATA_MEMORY,
				  .data_addr = 0x7EFFC};
	const char *l = fmt(t, &r);
	cr_expect(strstr(l, "W DRW                 0xa5c3a5c3 OK     @0x0007effc") != NULL, "%s",
		  l);
	r.addr = r.data_addr = 0x7F000;
	l = fmt(t, &r);
	cr_expect(strstr(l, "<redacted> OK     @0x0007f000") != NULL, "%s", l);
	cr_expect(strstr(l, "a5c3") == NULL, "%s", l);
	r.addr = r.data_addr = 0x7FFFF; /* last byte (a byte access) */
	cr_expect(strstr(fmt(t, &r), "<redacted>") != NULL);
	r.addr = r.data_addr = 0x80000;
	cr_expect(strstr(fmt(t, &r), "0xa5c3a5c3") != NULL);

	/* A posted read: the data is that of the previous read. Redacted when
	 * either that access or this one is inside the range. */
	r = (struct adi_trace_rec){.ap = true,
				   .read = true,
				   .reg = 0x0C,
				   .ack = 1,
				   .value = 0xA5C3A5C3u,
				   .has_addr = true,
				   .addr = 0x80000,
				   .data = ADI_TRACE_DATA_MEMORY,
				   .data_addr = 0x7FFFC,
				   .has_src = true,
				   .src_reg = 0x0C,
				   .src_has_addr = true,
				   .src_addr = 0x7FFFC};
	l = fmt(t, &r);
	cr_expect(strstr(l, "<redacted>") != NULL, "%s", l);
	cr_expect(strstr(l, "@0x00080000 <- AP0 DRW @0x0007fffc") != NULL, "%s", l);
	r.addr = 0x7F000;
	r.data_addr = r.src_addr = 0x7EFFC;
	cr_expect(strstr(fmt(t, &r), "<redacted>") != NULL, "own address inside: %s", fmt(t, &r));
	r.addr = 0x7F000 - 4u;
	r.data_addr = r.src_addr = 0x7F000 - 8u;
	cr_expect(strstr(fmt(t, &r), "0xa5c3a5c3") != NULL);

	/* Unknown origin and no defined value are never printed. */
	r.data = ADI_TRACE_DATA_UNKNOWN;
	cr_expect(strstr(fmt(t, &r), "<redacted>") != NULL);
	r.data = ADI_TRACE_DATA_NONE;
	cr_expect(strstr(fmt(t, &r), "(posted)") != NULL);
	cr_assert_eq(adi_trace_close(t), ADI_TRACE_OK);
	cr_expect(
		strstr(text, "# redacted: 0x0007f000..0x0007ffff (4096 bytes) credential table\n"),
		"%s", text);
	free(text);
}

Test(adi_trace_format, range_arguments_are_checked_and_may_end_at_the_top_of_memory)
{
	char *text = NULL;
	size_t len = 0;
	struct adi_trace *t = mem_trace(&text, &len);
	cr_expect_eq(adi_trace_redact(t, 0x1000, 0, NULL), ADI_TRACE_ERR_ARG);
	cr_expect_eq(adi_trace_redact(t, 0xFFFFF000u, 0x1001, NULL), ADI_TRACE_ERR_ARG);
	cr_expect_eq(adi_trace_redact(t, 0xFFFFF000u, 0x1000, NULL), ADI_TRACE_OK);
	cr_expect_eq(adi_trace_redact(t, 0x20000000u, 16, "mailbox"), ADI_TRACE_OK);
	cr_expect(adi_trace_is_redacted(t, 0xFFFFFFFFu));
	cr_expect(!adi_trace_is_redacted(t, 0xFFFFEFFFu));
	cr_expect(adi_trace_is_redacted(t, 0x20000000u));
	cr_expect(adi_trace_is_redacted(t, 0x2000000Fu));
	cr_expect(!adi_trace_is_redacted(t, 0x20000010u));
	cr_expect(!adi_trace_is_redacted(t, 0x1FFFFFFFu));
	cr_expect(!adi_trace_is_redacted(NULL, 0));
	cr_assert_eq(adi_trace_close(t), ADI_TRACE_OK);
	free(text);
}

static const char *const ctrl_names[64] = {[0x0C >> 2] = "APPROTECT.STATUS"};

Test(adi_trace_format, register_aps_print_their_data_registers_by_name)
{
	char *text = NULL;
	size_t len = 0;
	struct adi_trace *t = mem_trace(&text, &len);
	struct adi_trace_rec r = {.ap = true,
				  .ap_num = 4,
				  .read = true,
				  .reg = 0x0C,
				  .ack = 1,
				  .value = 3,
				  .data = ADI_TRACE_DATA_REGISTER};
	cr_expect(strstr(fmt(t, &r), "AP4  R DRW ") != NULL, "undeclared: a MEM-AP name");
	cr_assert_eq(adi_trace_register_ap(t, 4, ctrl_names), ADI_TRACE_OK);
	cr_expect(strstr(fmt(t, &r), "AP4  R APPROTECT.STATUS    0x00000003 OK") != NULL, "%s",
		  fmt(t, &r));
	r.reg = 0x18;
	cr_expect(strstr(fmt(t, &r), "AP4  R 0x18 ") != NULL, "%s", fmt(t, &r));
	r.reg = 0xFC;
	cr_expect(strstr(fmt(t, &r), "AP4  R IDR ") != NULL, "%s", fmt(t, &r));
	cr_assert_eq(adi_trace_close(t), ADI_TRACE_OK);
	free(text);
}

/* ---- the ADI queue with a trace attached ---- */

static struct fakedp *f;
static struct adi *a;
static struct memap m;
static struct adi_trace *tr;
static char *text;
static size_t text_len;

#define TABLE	   0x20001000u
#define TABLE_SIZE 0x100u

static void setup(void)
{
	f = fakedp_create(2048 * 8);
	cr_assert_not_null(f);
	a = adi_create(&f->probe);
	cr_assert_not_null(a);
	memap_init(&m, a, 0);
	text = NULL;
	tr = mem_trace(&text, &text_len);
	cr_assert_eq(adi_trace_redact(tr, TABLE, TABLE_SIZE, "credential table"), ADI_TRACE_OK);
	adi_set_trace(a, tr);
	cr_assert_eq(adi_connect(a, NULL), ADI_OK, "%s", adi_last_error_detail(a));
}

static void teardown(void)
{
	adi_destroy(a);
	probe_close(&f->probe);
	free(text);
}

/* Closes the trace (adi_destroy first: it flushes) and returns the text. */
static const char *finish(void)
{
	adi_destroy(a);
	a = NULL;
	cr_assert_eq(adi_trace_close(tr), ADI_TRACE_OK);
	cr_assert_not_null(text);
	if (getenv("ADI_TRACE_DUMP")) /* to look at a test's trace by hand */
		fputs(text, stderr);
	return text;
}

static void secret_words(uint32_t *w, size_t n)
{
	for (size_t i = 0; i < n; i++)
		w[i] = 0xA5C30000u | (uint32_t)(0x1100u + i * 0x0101u);
}

/* Neither byte order of any secret word appears anywhere in the text. */
static void expect_no_secret(const char *s, const uint32_t *w, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char le[16], be[16];
		uint32_t x = w[i];
		uint32_t sw = (x >> 24) | ((x >> 8) & 0xFF00u) | ((x << 8) & 0xFF0000u) | (x << 24);
		snprintf(le, sizeof(le), "%08x", x);
		snprintf(be, sizeof(be), "%08x", sw);
		cr_expect(strstr(s, le) == NULL, "secret word %s in the trace", le);
		cr_expect(strstr(s, be) == NULL, "secret word %s (swapped) in the trace", be);
	}
}

static unsigned count(const char *s, const char *needle)
{
	unsigned n = 0;
	for (const char *p = s; (p = strstr(p, needle)) != NULL; p += strlen(needle))
		n++;
	return n;
}

TestSuite(adi_trace, .init = setup, .fini = teardown);

Test(adi_trace, connect_lines_name_the_wakeup_dpidr_abort_and_power_up)
{
	const char *s = finish();
	cr_expect(strncmp(s, "# nrfcred SWD trace, format 1\n", 30) == 0, "%.200s", s);
	cr_expect(strstr(s, "# JTAG-to-SWD switch, line reset\n") != NULL, "%s", s);
	cr_expect(strstr(s, " DP   R DPIDR               0x6ba02477 OK") != NULL, "%s", s);
	cr_expect(strstr(s, " DP   W ABORT               0x0000001e OK") != NULL, "%s", s);
	cr_expect(strstr(s, " DP   W CTRL/STAT           0x50000001 OK") != NULL, "%s", s);
	cr_expect(strstr(s, " DP   R CTRL/STAT           0xf0000001 OK") != NULL, "%s", s);
}

Test(adi_trace, secrets_written_and_read_in_the_range_never_appear)
{
	uint32_t secret[TABLE_SIZE / 4];
	secret_words(secret, TABLE_SIZE / 4);
	/* Plain words around the table, to check they are still printed. */
	cr_assert_eq(memap_write_u32(&m, TABLE - 4u, 0x11223344u), ADI_OK);
	cr_assert_eq(memap_write_block(&m, TABLE, secret, sizeof(secret)), ADI_OK);
	cr_assert_eq(memap_write_u32(&m, TABLE + TABLE_SIZE, 0x55667788u), ADI_OK);
	/* Unaligned byte edges inside the table go through byte accesses. */
	cr_assert_eq(memap_write_block(&m, TABLE + 1u, (const uint8_t *)secret + 1, 6), ADI_OK);
	uint8_t back[TABLE_SIZE + 8];
	cr_assert_eq(memap_read_block(&m, TABLE - 4u, back, sizeof(back)), ADI_OK);
	cr_expect_eq(memcmp(back + 4, secret, sizeof(secret)), 0);
	uint8_t b = 0;
	cr_assert_eq(memap_read_u8(&m, TABLE + 3u, &b), ADI_OK);
	const char *s = finish();
	expect_no_secret(s, secret, TABLE_SIZE / 4);
	cr_expect(strstr(s, "0x11223344") != NULL, "data outside the table is printed");
	cr_expect(strstr(s, "0x55667788") != NULL);
	/* 64 word writes + 6 byte writes + reads of 64 words, plus the posted
	 * data of the table's last word (the read after it), plus the byte. */
	cr_expect_geq(count(s, "<redacted>"), 64u + 6u + 64u, "%u", count(s, "<redacted>"));
	cr_expect(strstr(s, "W DRW                 <redacted> OK     @0x20001000\n") != NULL, "%s",
		  s);
	/* The word after the table arrives with RDBUFF and is printed. */
	cr_expect(strstr(s, "DP   R RDBUFF              0x55667788 OK     <- AP0 DRW @0x20001100"),
		  "%s", s);
}

Test(adi_trace, wait_and_parity_retries_keep_the_secrets_out)
{
	uint32_t secret[TABLE_SIZE / 4];
	secret_words(secret, TABLE_SIZE / 4);
	cr_assert_eq(memap_write_block(&m, TABLE, secret, sizeof(secret)), ADI_OK);
	f->wait_from = f->txn_index + 20;
	f->wait_count = 2;
	uint8_t back[TABLE_SIZE];
	cr_assert_eq(memap_read_block(&m, TABLE, back, sizeof(back)), ADI_OK, "%s",
		     adi_last_error_detail(a));
	f->parity_at = f->txn_index + 12;
	f->parity_count = 2;
	cr_assert_eq(memap_read_block(&m, TABLE, back, sizeof(back)), ADI_OK, "%s",
		     adi_last_error_detail(a));
	cr_expect_eq(memcmp(back, secret, sizeof(secret)), 0);
	const char *s = finish();
	expect_no_secret(s, secret, TABLE_SIZE / 4);
	cr_expect_geq(count(s, " WAIT "), 2u, "%s", s);
	cr_expect_geq(count(s, " PARITY "), 1u);
	/* The retry prologue is on the wire too: ORUNERRCLR, SELECT, TAR. */
	cr_expect(strstr(s, " DP   W ABORT               0x00000010 OK") != NULL, "%s", s);
}

Test(adi_trace, a_data_register_without_address_is_redacted_unless_on_a_register_ap)
{
	cr_assert_eq(adi_ap_write(a, 0, MEMAP_DRW, 0xA5C3F00Du), ADI_OK);
	uint32_t v = 0;
	cr_assert_eq(adi_ap_read(a, 0, MEMAP_DRW, &v), ADI_OK);
	cr_assert_eq(adi_trace_register_ap(tr, 4, ctrl_names), ADI_TRACE_OK);
	cr_assert_eq(adi_ap_read(a, 4, 0x0C, &v), ADI_OK);
	cr_assert_eq(adi_ap_read(a, 4, 0xFC, &v), ADI_OK);
	/* RDBUFF and RESEND read outside an AP read's pipeline: origin unknown. */
	cr_assert_eq(adi_dp_read(a, ADI_DP_RDBUFF, &v), ADI_OK);
	const char *s = finish();
	cr_expect(strstr(s, "a5c3f00d") == NULL && strstr(s, "0df0c3a5") == NULL, "%s", s);
	cr_expect(strstr(s, "AP0  W DRW                 <redacted> OK\n") != NULL, "%s", s);
	cr_expect(strstr(s, "AP4  R APPROTECT.STATUS    (posted)   OK\n") != NULL, "%s", s);
	cr_expect(strstr(s, "R RDBUFF              0x12880000 OK     <- AP4 IDR\n") != NULL, "%s",
		  s);
	cr_expect(strstr(s, "R RDBUFF              <redacted> OK\n") != NULL, "%s", s);
}

Test(adi_trace, no_target_shows_noack_lines)
{
	f->no_target = true;
	cr_expect_eq(adi_connect(a, NULL), ADI_ERR_NO_TARGET);
	const char *s = finish();
	cr_expect_geq(count(s, "R DPIDR               -          NOACK"), 3u, "%s", s);
	cr_expect(strstr(s, "# dormant-to-SWD wake-up, line reset\n") != NULL);
}

Test(adi_trace, probe_failure_is_noted)
{
	f->fail_after_calls = (uint32_t)f->calls;
	uint32_t v;
	cr_expect_eq(memap_read_u32(&m, TABLE, &v), ADI_ERR_PROBE);
	const char *s = finish();
	cr_expect(strstr(s, " probe I/O failed") != NULL, "%s", s);
}

/* ---- the file ---- */

Test(adi_trace_file, created_0600_truncated_and_mode_reset_links_refused)
{
	char dir[] = "/tmp/nrfcred-trace-XXXXXX";
	cr_assert_not_null(mkdtemp(dir));
	char path[128], link[128];
	snprintf(path, sizeof(path), "%s/t.trace", dir);
	snprintf(link, sizeof(link), "%s/l.trace", dir);
	mode_t old = umask(0);
	struct adi_trace *t = NULL;
	cr_assert_eq(adi_trace_open(path, &t), ADI_TRACE_OK);
	adi_trace_note(t, "hello\nworld");
	cr_assert_eq(adi_trace_close(t), ADI_TRACE_OK);
	struct stat st;
	cr_assert_eq(stat(path, &st), 0);
	cr_expect_eq(st.st_mode & 07777, 0600, "mode %o", st.st_mode & 07777);
	FILE *fp = fopen(path, "r");
	char buf[4096] = "";
	size_t n = fread(buf, 1, sizeof(buf) - 1, fp);
	fclose(fp);
	buf[n] = 0;
	cr_expect(strstr(buf, "# hello world\n") != NULL, "%s", buf);

	/* An existing, larger, world-readable file: truncated, 0600. */
	fp = fopen(path, "w");
	for (int i = 0; i < 1000; i++)
		fputs("old content old content old content\n", fp);
	fclose(fp);
	chmod(path, 0644);
	cr_assert_eq(adi_trace_open(path, &t), ADI_TRACE_OK);
	cr_assert_eq(adi_trace_close(t), ADI_TRACE_OK);
	cr_assert_eq(stat(path, &st), 0);
	cr_expect_eq(st.st_mode & 07777, 0600);
	cr_expect_lt(st.st_size, 2000, "truncated: %lld", (long long)st.st_size);

	cr_assert_eq(symlink(path, link), 0);
	cr_expect_eq(adi_trace_open(link, &t), ADI_TRACE_ERR_NOT_REGULAR);
	cr_expect_null(t);
	cr_expect_eq(adi_trace_open(dir, &t), ADI_TRACE_ERR_OPEN, "a directory");
	char missing[160];
	snprintf(missing, sizeof(missing), "%s/no/such/dir", dir);
	cr_expect_eq(adi_trace_open(missing, &t), ADI_TRACE_ERR_OPEN);
	cr_expect_eq(adi_trace_open("", &t), ADI_TRACE_ERR_ARG);
	umask(old);
	unlink(link);
	unlink(path);
	rmdir(dir);
}

Test(adi_trace_file, a_full_disk_is_reported_at_close)
{
	struct adi_trace *t = NULL;
	if (access("/dev/full", W_OK) != 0)
		cr_skip_test("no /dev/full");
	FILE *fp = fopen("/dev/full", "w");
	cr_assert_not_null(fp);
	cr_assert_eq(adi_trace_create(fp, &t), ADI_TRACE_OK);
	adi_trace_note(t, "x");
	cr_expect_eq(adi_trace_close(t), ADI_TRACE_ERR_WRITE);
	cr_expect_str_eq(adi_trace_strerror(ADI_TRACE_ERR_WRITE), "writing the trace file failed");
}
