/*
 * The SWD trace (adi_trace.h): file handling, redaction, line formatting,
 * and decoding each probe round trip of the ADI layer into lines.
 *
 * Which word may be printed is decided per transaction from what the ADI
 * layer knows about it, never from the value: a MEM-AP data access carries
 * its memory address (struct txn has_mem/mem_addr); a posted read's data
 * belongs to the access named by its "producer" (adi.c's file comment). So
 * a read is checked against the ranges with the address of the access that
 * produced its data AND its own address, and anything whose origin is not
 * known for sure (a retried read's stale data phase, RDBUFF/RESEND read
 * outside the queue, a data register accessed without an address) is
 * withheld.
 */
#include "swd/adi_trace.h"

#include "swd/adi.h"
#include "swd/adi_priv.h"
#include "swd/swd_wire.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Idle runs shorter than this are pacing (e.g. NVMC tWRITE after every word
 * write), not a wait worth a line of its own. */
#define IDLE_LINE_MIN_BITS 1000u
#define TRACE_BUFFER	   (64u * 1024u)

struct trace_range {
	uint32_t start;
	uint64_t end; /* exclusive; up to 2^32 */
};

struct trace_ap {
	uint8_t ap;
	const char *const *names;
};

struct adi_trace {
	FILE *f;
	char *buf; /* stdio buffer (setvbuf), freed after fclose */
	uint64_t t0_ns;
	struct trace_range *ranges;
	size_t nranges;
	struct trace_ap reg_aps[8];
	size_t nreg_aps;
	uint32_t select; /* last SELECT written on the wire (DP bank names) */
	bool select_known;
	bool failed;
};

static uint64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t adi_trace_now_us(const struct adi_trace *t)
{
	return t ? (mono_ns() - t->t0_ns) / 1000u : 0;
}

static void put(struct adi_trace *t, const char *s)
{
	if (fputs(s, t->f) == EOF)
		t->failed = true;
}

static void header(struct adi_trace *t)
{
	put(t, "# nrfcred SWD trace, format 1\n"
	       "# columns: TIME_US PORT RW REGISTER DATA ACK [@ADDRESS] [<- SOURCE]\n"
	       "# TIME_US: microseconds since the trace started, when the probe round trip\n"
	       "#   carrying the transaction returned. ACK: OK WAIT FAULT NOACK (nobody drove\n"
	       "#   SWDIO) PARITY (read data parity wrong) ACKn (invalid).\n"
	       "# AP reads are posted: an AP read's data phase carries the value of the\n"
	       "#   previous AP read (named after <-); the last one arrives with DP RDBUFF.\n"
	       "# DATA: <redacted> = memory data inside a redacted range or of an unknown\n"
	       "#   address; (posted) = a data phase without a defined value; - = none.\n");
}

/* big_buffer: a file of our own gets a 64 KB stdio buffer (a memory stream
 * must keep its own). */
static adi_trace_err create(FILE *f, bool big_buffer, struct adi_trace **out)
{
	struct adi_trace *t = calloc(1, sizeof(*t));
	if (!t)
		return ADI_TRACE_ERR_NOMEM;
	if (big_buffer) {
		t->buf = malloc(TRACE_BUFFER);
		if (t->buf)
			setvbuf(f, t->buf, _IOFBF, TRACE_BUFFER);
	}
	t->f = f;
	t->t0_ns = mono_ns();
	header(t);
	*out = t;
	return ADI_TRACE_OK;
}

adi_trace_err adi_trace_create(FILE *stream, struct adi_trace **out)
{
	if (!out)
		return ADI_TRACE_ERR_ARG;
	*out = NULL;
	if (!stream)
		return ADI_TRACE_ERR_ARG;
	return create(stream, false, out);
}

adi_trace_err adi_trace_open(const char *path, struct adi_trace **out)
{
	if (!out)
		return ADI_TRACE_ERR_ARG;
	*out = NULL;
	if (!path || !*path)
		return ADI_TRACE_ERR_ARG;
	/* Truncate rather than O_EXCL: a bring-up person re-runs the same
	 * command with the same --trace file. O_NOFOLLOW + the regular-file
	 * check keep it from writing through a planted link or into a FIFO. */
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK,
		      0600);
	if (fd < 0)
		return errno == ELOOP ? ADI_TRACE_ERR_NOT_REGULAR : ADI_TRACE_ERR_OPEN;
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		errno = EINVAL;
		return ADI_TRACE_ERR_NOT_REGULAR;
	}
	/* An existing file keeps its mode through O_TRUNC: make it 0600. */
	if (fchmod(fd, 0600) != 0 || fcntl(fd, F_SETFL, 0) != 0) {
		int e = errno;
		close(fd);
		errno = e;
		return ADI_TRACE_ERR_OPEN;
	}
	FILE *f = fdopen(fd, "w");
	if (!f) {
		int e = errno;
		close(fd);
		errno = e;
		return ADI_TRACE_ERR_OPEN;
	}
	adi_trace_err err = create(f, true, out);
	if (err != ADI_TRACE_OK)
		fclose(f);
	return err;
}

adi_trace_err adi_trace_flush(struct adi_trace *t)
{
	if (!t)
		return ADI_TRACE_OK;
	if (fflush(t->f) != 0)
		t->failed = true;
	return t->failed ? ADI_TRACE_ERR_WRITE : ADI_TRACE_OK;
}

adi_trace_err adi_trace_close(struct adi_trace *t)
{
	if (!t)
		return ADI_TRACE_OK;
	if (fflush(t->f) != 0)
		t->failed = true;
	if (fclose(t->f) != 0)
		t->failed = true;
	adi_trace_err err = t->failed ? ADI_TRACE_ERR_WRITE : ADI_TRACE_OK;
	free(t->buf);
	free(t->ranges);
	free(t);
	return err;
}

adi_trace_err adi_trace_redact(struct adi_trace *t, uint32_t addr, uint64_t size, const char *label)
{
	if (!t || size == 0 || (uint64_t)addr + size > 0x100000000ull)
		return ADI_TRACE_ERR_ARG;
	struct trace_range *r = realloc(t->ranges, (t->nranges + 1) * sizeof(*r));
	if (!r)
		return ADI_TRACE_ERR_NOMEM;
	t->ranges = r;
	r[t->nranges].start = addr;
	r[t->nranges].end = (uint64_t)addr + size;
	t->nranges++;
	adi_trace_note(t, "redacted: 0x%08" PRIx32 "..0x%08" PRIx64 " (%" PRIu64 " bytes)%s%s",
		       addr, (uint64_t)addr + size - 1u, size, label ? " " : "",
		       label ? label : "");
	return ADI_TRACE_OK;
}

bool adi_trace_is_redacted(const struct adi_trace *t, uint32_t addr)
{
	if (!t)
		return false;
	for (size_t i = 0; i < t->nranges; i++)
		if (addr >= t->ranges[i].start && addr < t->ranges[i].end)
			return true;
	return false;
}

static const struct trace_ap *reg_ap(const struct adi_trace *t, uint8_t ap)
{
	if (!t)
		return NULL;
	for (size_t i = 0; i < t->nreg_aps; i++)
		if (t->reg_aps[i].ap == ap)
			return &t->reg_aps[i];
	return NULL;
}

adi_trace_err adi_trace_register_ap(struct adi_trace *t, uint8_t ap, const char *const *names)
{
	if (!t)
		return ADI_TRACE_ERR_ARG;
	for (size_t i = 0; i < t->nreg_aps; i++)
		if (t->reg_aps[i].ap == ap) {
			t->reg_aps[i].names = names;
			return ADI_TRACE_OK;
		}
	if (t->nreg_aps == sizeof(t->reg_aps) / sizeof(t->reg_aps[0]))
		return ADI_TRACE_ERR_NOMEM;
	t->reg_aps[t->nreg_aps++] = (struct trace_ap){.ap = ap, .names = names};
	return ADI_TRACE_OK;
}

void adi_trace_note(struct adi_trace *t, const char *fmt, ...)
{
	if (!t)
		return;
	char line[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	/* One comment line: a newline inside would start an unmarked line. */
	for (char *p = line; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	put(t, "# ");
	put(t, line);
	put(t, "\n");
}

void adi_set_trace(struct adi *a, struct adi_trace *t)
{
	if (!a)
		return;
	if (a->trace && a->trace != t)
		(void)adi_trace_flush(a->trace);
	a->trace = t;
	if (t)
		t->select_known = false;
}

/* ---- formatting ---- */

static bool is_data_reg(uint8_t reg)
{
	return reg == 0x0Cu || (reg >= 0x10u && reg <= 0x1Cu);
}

static const char *dp_name(bool read, uint8_t reg, uint8_t bank, char *tmp, size_t len)
{
	switch (reg) {
	case 0x0:
		return read ? "DPIDR" : "ABORT";
	case 0x4:
		switch (bank) {
		case 0:
			return "CTRL/STAT";
		case 1:
			return "DLCR";
		case 2:
			return "TARGETID";
		case 3:
			return "DLPIDR";
		case 4:
			return "EVENTSTAT";
		case 0xFF:
			return "DP4(bank?)";
		default:
			snprintf(tmp, len, "DP4(bank%u)", (unsigned)bank);
			return tmp;
		}
	case 0x8:
		return read ? "RESEND" : "SELECT";
	default:
		return read ? "RDBUFF" : "TARGETSEL";
	}
}

static const char *ap_name(const struct adi_trace *t, uint8_t ap, uint8_t reg, char *tmp,
			   size_t len)
{
	const struct trace_ap *ra = reg_ap(t, ap);
	if (ra) {
		if (ra->names && ra->names[reg >> 2])
			return ra->names[reg >> 2];
		if (reg == ADI_AP_IDR)
			return "IDR";
		snprintf(tmp, len, "0x%02x", (unsigned)reg);
		return tmp;
	}
	switch (reg) {
	case 0x00:
		return "CSW";
	case 0x04:
		return "TAR";
	case 0x0C:
		return "DRW";
	case 0x10:
		return "BD0";
	case 0x14:
		return "BD1";
	case 0x18:
		return "BD2";
	case 0x1C:
		return "BD3";
	case 0xF4:
		return "CFG";
	case 0xF8:
		return "BASE";
	case 0xFC:
		return "IDR";
	default:
		snprintf(tmp, len, "0x%02x", (unsigned)reg);
		return tmp;
	}
}

static const char *ack_name(uint8_t ack, bool parity_error, char *tmp, size_t len)
{
	switch (ack) {
	case SWD_ACK_OK:
		return parity_error ? "PARITY" : "OK";
	case SWD_ACK_WAIT:
		return "WAIT";
	case SWD_ACK_FAULT:
		return "FAULT";
	case SWD_ACK_NONE:
		return "NOACK";
	default:
		snprintf(tmp, len, "ACK%u", (unsigned)ack);
		return tmp;
	}
}

/* The DATA column: the single place that decides whether a value appears. */
static const char *data_text(const struct adi_trace *t, const struct adi_trace_rec *r, char *tmp,
			     size_t len)
{
	if (r->read && r->ack != SWD_ACK_OK)
		return "-";
	/* The access's own address counts too: a read at a redacted address
	 * whose data is attributed elsewhere is still withheld. */
	if (r->has_addr && adi_trace_is_redacted(t, r->addr))
		return "<redacted>";
	switch (r->data) {
	case ADI_TRACE_DATA_NONE:
		return "(posted)";
	case ADI_TRACE_DATA_UNKNOWN:
		return "<redacted>";
	case ADI_TRACE_DATA_MEMORY:
		if (adi_trace_is_redacted(t, r->data_addr))
			return "<redacted>";
		break;
	case ADI_TRACE_DATA_REGISTER:
		break;
	}
	snprintf(tmp, len, "0x%08" PRIx32, r->value);
	return tmp;
}

size_t adi_trace_format(const struct adi_trace *t, const struct adi_trace_rec *r, char *buf,
			size_t len)
{
	char port[8], reg_tmp[16], ack_tmp[8], data_tmp[16], where[16] = "", src[48] = "";
	if (r->ap)
		snprintf(port, sizeof(port), "AP%u", (unsigned)r->ap_num);
	else
		snprintf(port, sizeof(port), "DP");
	const char *reg = r->ap ? ap_name(t, r->ap_num, r->reg, reg_tmp, sizeof(reg_tmp))
				: dp_name(r->read, r->reg, r->dp_bank, reg_tmp, sizeof(reg_tmp));
	if (r->has_addr)
		snprintf(where, sizeof(where), " @0x%08" PRIx32, r->addr);
	if (r->read && r->has_src) {
		char src_reg[16];
		const char *sname = ap_name(t, r->src_ap, r->src_reg, src_reg, sizeof(src_reg));
		if (r->src_has_addr)
			snprintf(src, sizeof(src), " <- AP%u %s @0x%08" PRIx32, (unsigned)r->src_ap,
				 sname, r->src_addr);
		else
			snprintf(src, sizeof(src), " <- AP%u %s", (unsigned)r->src_ap, sname);
	}
	char line[192];
	int n = snprintf(line, sizeof(line), "%10" PRIu64 " %-4s %c %-19s %-10s %-6s%s%s",
			 r->time_us, port, r->read ? 'R' : 'W', reg,
			 data_text(t, r, data_tmp, sizeof(data_tmp)),
			 ack_name(r->ack, r->parity_error, ack_tmp, sizeof(ack_tmp)), where, src);
	if (n < 0)
		return 0;
	/* The fixed columns pad the ACK; a line ends without trailing blanks. */
	size_t end = (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1u;
	while (end > 0 && line[end - 1] == ' ')
		end--;
	line[end] = '\0';
	n = snprintf(buf, len, "%s\n", line);
	return n < 0 ? 0 : (size_t)n;
}

void adi_trace_write(struct adi_trace *t, const struct adi_trace_rec *r)
{
	if (!t)
		return;
	char line[160];
	size_t n = adi_trace_format(t, r, line, sizeof(line));
	if (n >= sizeof(line)) {
		/* Cannot happen with the fixed columns; never print a cut line. */
		put(t, "# (line too long)\n");
		return;
	}
	put(t, line);
}

/* ---- decoding a round trip of the ADI layer ---- */

static uint8_t txn_reg(const struct txn *x)
{
	uint8_t a32 = (uint8_t)((x->req >> 1) & 0x0Cu);
	bool ap = (x->req & 0x02u) != 0;
	return ap ? (uint8_t)((x->select & 0xF0u) | a32) : a32;
}

static bool txn_is_ap(const struct txn *x)
{
	return x->kind == TXN_AP_READ || x->kind == TXN_AP_WRITE;
}

static bool txn_is_read(const struct txn *x)
{
	return x->kind == TXN_AP_READ || x->kind == TXN_DP_READ;
}

/* What the data of AP access x is (its own data: a write's value, or the
 * value an AP read fetches and a later data phase delivers). */
static enum adi_trace_data ap_data_kind(const struct adi_trace *t, const struct txn *x,
					uint32_t *addr)
{
	if (x->has_mem) {
		*addr = x->mem_addr;
		return ADI_TRACE_DATA_MEMORY;
	}
	if (is_data_reg(txn_reg(x)) && !reg_ap(t, x->ap))
		return ADI_TRACE_DATA_UNKNOWN;
	return ADI_TRACE_DATA_REGISTER;
}

/*
 * q/nq: the queue the indices in x->producer refer to (NULL outside the
 * queue); self: x's own index; stale: its data phase is known not to carry
 * the producer's value (the first read of a retry).
 */
static void classify(const struct adi_trace *t, const struct txn *x, const struct txn *q, size_t nq,
		     long self, bool stale, struct adi_trace_rec *r)
{
	r->data = ADI_TRACE_DATA_UNKNOWN;
	if (!txn_is_read(x)) {
		if (txn_is_ap(x))
			r->data = ap_data_kind(t, x, &r->data_addr);
		else
			r->data = ADI_TRACE_DATA_REGISTER;
		return;
	}
	bool posted_dp = !txn_is_ap(x) && (r->reg == ADI_DP_RDBUFF || r->reg == ADI_DP_RESEND);
	if (!txn_is_ap(x) && !posted_dp) {
		r->data = ADI_TRACE_DATA_REGISTER; /* DPIDR, CTRL/STAT, TARGETID... */
		return;
	}
	if (stale) {
		r->data = ADI_TRACE_DATA_NONE;
		return;
	}
	/* Posted data: valid only when produced by an earlier AP read of the
	 * queue. A RESEND, or an RDBUFF read of unknown origin, is withheld. */
	long p = x->producer;
	if (!q || p < 0 || p == self || (size_t)p >= nq || !txn_is_ap(&q[p]) ||
	    !txn_is_read(&q[p]) || (r->reg == ADI_DP_RESEND && !txn_is_ap(x))) {
		r->data = txn_is_ap(x) && p < 0 ? ADI_TRACE_DATA_NONE : ADI_TRACE_DATA_UNKNOWN;
		return;
	}
	const struct txn *src = &q[p];
	r->data = ap_data_kind(t, src, &r->data_addr);
	r->has_src = true;
	r->src_ap = src->ap;
	r->src_reg = txn_reg(src);
	r->src_has_addr = src->has_mem;
	r->src_addr = src->mem_addr;
}

static void trace_txn(struct adi_trace *t, const struct adi *a, const struct txn *x,
		      const struct txn *q, size_t nq, long self, bool stale, uint32_t pos,
		      uint64_t now)
{
	struct adi_trace_rec r = {.time_us = now};
	r.ap = txn_is_ap(x);
	r.read = txn_is_read(x);
	r.ap_num = x->ap;
	r.reg = txn_reg(x);
	r.dp_bank = t->select_known ? (uint8_t)(t->select & 0xFu) : 0xFFu;
	r.ack = (uint8_t)swd_bits_get(a->in, pos + SWD_READ_ACK_SLOT, 3);
	if (r.read) {
		r.value = swd_bits_get(a->in, pos + SWD_READ_DATA_SLOT, 32);
		r.parity_error =
			r.ack == SWD_ACK_OK && swd_bits_get(a->in, pos + SWD_READ_PARITY_SLOT, 1) !=
						       (uint32_t)swd_parity32(r.value);
	} else {
		r.value = x->value;
	}
	r.has_addr = x->has_mem;
	r.addr = x->mem_addr;
	classify(t, x, q, nq, self, stale, &r);
	adi_trace_write(t, &r);
	if (!r.ap && !r.read && r.reg == ADI_DP_SELECT && r.ack == SWD_ACK_OK) {
		t->select = x->value;
		t->select_known = true;
	}
}

static void trace_idle(struct adi_trace *t, uint64_t bits, uint64_t now)
{
	if (bits < IDLE_LINE_MIN_BITS)
		return;
	char line[64];
	snprintf(line, sizeof(line), "%10" PRIu64 " IDLE %" PRIu64 " cycles\n", now, bits);
	put(t, line);
}

/* Walks n transactions laid out from bit pos on; returns the end position. */
static uint32_t trace_run(struct adi *a, const struct txn *xs, size_t n, const struct txn *q,
			  size_t nq, long first_index, long stale_index, uint32_t pos, uint64_t now)
{
	uint64_t idle = 0;
	for (size_t i = 0; i < n; i++) {
		const struct txn *x = &xs[i];
		if (x->kind == TXN_IDLE) {
			idle += x->value;
		} else {
			trace_idle(a->trace, idle, now);
			idle = 0;
			long self = first_index >= 0 ? first_index + (long)i : -1;
			trace_txn(a->trace, a, x, q, nq, self, self >= 0 && self == stale_index,
				  pos, now);
		}
		pos += adi_txn_bits(x);
	}
	trace_idle(a->trace, idle, now);
	return pos;
}

void adi_trace_batch(struct adi *a, const struct txn *pro, size_t npro, size_t first, size_t end,
		     long skip_dest, const struct txn *epi, size_t nepi)
{
	if (!a->trace)
		return;
	uint64_t now = adi_trace_now_us(a->trace);
	uint32_t pos = trace_run(a, pro, npro, NULL, 0, -1, -1, 0, now);
	pos = trace_run(a, &a->q[first], end - first, a->q, a->n, (long)first, skip_dest, pos, now);
	(void)trace_run(a, epi, nepi, NULL, 0, -1, -1, pos, now);
}

void adi_trace_direct(struct adi *a, const struct txn *t, size_t n)
{
	if (!a->trace)
		return;
	(void)trace_run(a, t, n, NULL, 0, -1, -1, 0, adi_trace_now_us(a->trace));
}

void adi_trace_wakeup(struct adi *a, bool dormant, uint32_t pos)
{
	if (!a->trace)
		return;
	adi_trace_note(a->trace, "%s, line reset",
		       dormant ? "dormant-to-SWD wake-up" : "JTAG-to-SWD switch");
	/* A line reset leaves SELECT as it was, but after a power cycle it is
	 * 0 and the host cannot tell: bank names are unknown until written. */
	a->trace->select_known = false;
	struct txn x = adi_txn_dp(true, ADI_DP_DPIDR, 0, NULL);
	trace_txn(a->trace, a, &x, NULL, 0, -1, false, pos, adi_trace_now_us(a->trace));
}

void adi_trace_probe_error(struct adi *a)
{
	if (!a->trace)
		return;
	adi_trace_note(a->trace, "%10" PRIu64 " probe I/O failed: %s", adi_trace_now_us(a->trace),
		       a->detail);
}

const char *adi_trace_strerror(adi_trace_err err)
{
	switch (err) {
	case ADI_TRACE_OK:
		return "ok";
	case ADI_TRACE_ERR_ARG:
		return "invalid argument";
	case ADI_TRACE_ERR_NOMEM:
		return "out of memory";
	case ADI_TRACE_ERR_OPEN:
		return "cannot create the trace file";
	case ADI_TRACE_ERR_NOT_REGULAR:
		return "not a regular file (or a symbolic link)";
	case ADI_TRACE_ERR_WRITE:
		return "writing the trace file failed";
	}
	return "unknown trace error";
}
