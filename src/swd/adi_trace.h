/*
 * SWD transaction trace: one text line per DP/AP transaction that went over
 * the wire (time, port, AP number, register, R/W, data, ACK, and for MEM-AP
 * data accesses the memory address), written by the ADI layer after each
 * probe round trip, for bring-up on real hardware.
 *
 * Secrets never reach the file: the data of every MEM-AP access whose
 * memory address lies in a redacted range (adi_trace_redact: the credential
 * table, a RAM mailbox) is printed as <redacted>, for writes (the NVMC word
 * writes of the patched table) and reads (verify, blank check) alike, and
 * so is any memory data whose address the ADI layer does not know. Only the
 * caller knows where secrets live, so it must register every range before
 * the first transaction.
 *
 * Threads: one trace is written by one thread at a time (the worker that
 * owns the probe); a trace may serve several struct adi one after another.
 * Output is buffered; adi_destroy and adi_set_trace(a, NULL) flush it.
 *
 * Line format (the header of every file repeats it):
 *   TIME_US PORT RW REGISTER DATA ACK [@ADDRESS] [<- SOURCE]
 *   e.g.  1042 AP0  W DRW                 <redacted> OK     @0x0007f000
 */
#ifndef NRFCRED_SWD_ADI_TRACE_H
#define NRFCRED_SWD_ADI_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct adi;

typedef enum {
	ADI_TRACE_OK = 0,
	ADI_TRACE_ERR_ARG,	   /* NULL or empty argument, range of size 0 */
	ADI_TRACE_ERR_NOMEM,	   /* out of memory */
	ADI_TRACE_ERR_OPEN,	   /* the file could not be created (errno says why) */
	ADI_TRACE_ERR_NOT_REGULAR, /* the path exists and is not a regular file */
	ADI_TRACE_ERR_WRITE,	   /* a write or the final flush failed (disk full) */
} adi_trace_err;

struct adi_trace;

/*
 * Creates (mode 0600) or truncates the file at path and writes the header.
 * An existing file is truncated and its mode reset to 0600; a symbolic link
 * or anything that is not a regular file is refused, so a trace never
 * writes through a planted link.
 */
adi_trace_err adi_trace_open(const char *path, struct adi_trace **out);
/* A trace on an open stream, which it then owns (tests: open_memstream). */
adi_trace_err adi_trace_create(FILE *stream, struct adi_trace **out);
/* Flushes, closes the stream and frees t; ADI_TRACE_ERR_WRITE when any
 * write failed since the trace was opened. NULL is ignored (ADI_TRACE_OK). */
adi_trace_err adi_trace_close(struct adi_trace *t);
adi_trace_err adi_trace_flush(struct adi_trace *t);

/*
 * Redacts the data of every memory access to [addr, addr + size) (size 0 is
 * ADI_TRACE_ERR_ARG; the range may end at 2^32). label says in the header
 * what the range is (e.g. "credential table"); NULL for none. Ranges may
 * overlap. Writes a "# redacted ..." line.
 */
adi_trace_err adi_trace_redact(struct adi_trace *t, uint32_t addr, uint64_t size,
			       const char *label);
/* True when a memory access at addr is redacted. */
bool adi_trace_is_redacted(const struct adi_trace *t, uint32_t addr);

/*
 * Declares access port ap a register AP, not a MEM-AP (the nRF91 CTRL-AP):
 * its registers at 0x0C..0x1C are control registers, not memory data, so
 * their values are printed. Every AP not declared is treated as a MEM-AP,
 * whose data registers (DRW, BD0..BD3) are never printed without a known,
 * unredacted address. names (may be NULL) has 64 entries, names[reg >> 2],
 * NULL for a register without a name; the array must outlive t.
 */
adi_trace_err adi_trace_register_ap(struct adi_trace *t, uint8_t ap, const char *const *names);

/* A "# text" comment line (e.g. who wrote the trace, which slot). */
void adi_trace_note(struct adi_trace *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Attaches t to a (NULL detaches, flushing the previous trace). */
void adi_set_trace(struct adi *a, struct adi_trace *t);

/* ---- one line of the trace (exposed for tests) ---- */

/* What a transaction's data word is, which decides whether it is printed. */
enum adi_trace_data {
	ADI_TRACE_DATA_REGISTER, /* a DP/AP register value: printed */
	ADI_TRACE_DATA_MEMORY,	 /* memory data of data_addr: printed unless redacted */
	ADI_TRACE_DATA_UNKNOWN,	 /* memory data of an unknown address: never printed */
	ADI_TRACE_DATA_NONE,	 /* a posted read's data phase with no defined value */
};

struct adi_trace_rec {
	uint64_t time_us; /* since the trace was opened */
	bool ap;	  /* AP access; else DP */
	bool read;
	uint8_t ap_num;
	uint8_t reg;	 /* AP: 8-bit register offset; DP: A[3:2] << 2 */
	uint8_t dp_bank; /* DP: SELECT.DPBANKSEL in effect; 0xFF unknown */
	uint8_t ack;	 /* raw 3-bit ACK: 1 OK, 2 WAIT, 4 FAULT, 7 none */
	bool parity_error;
	uint32_t value; /* write data, or the read's data phase */
	bool has_addr;	/* a MEM-AP data access: addr is the memory address */
	uint32_t addr;
	enum adi_trace_data data;
	uint32_t data_addr; /* ADI_TRACE_DATA_MEMORY: the address the data belongs to */
	/* Reads whose data an earlier AP read produced (posted reads, RDBUFF):
	 * that access, for the "<-" column. */
	bool has_src;
	uint8_t src_ap;
	uint8_t src_reg;
	bool src_has_addr;
	uint32_t src_addr;
};

/* Formats r as one line with '\n' (snprintf semantics: returns the length
 * the full line needs). Applies t's redaction; t may be NULL (no ranges,
 * every AP a MEM-AP). */
size_t adi_trace_format(const struct adi_trace *t, const struct adi_trace_rec *r, char *buf,
			size_t len);
/* Writes r to t (formatting as above). */
void adi_trace_write(struct adi_trace *t, const struct adi_trace_rec *r);
/* Microseconds since t was opened (CLOCK_MONOTONIC). */
uint64_t adi_trace_now_us(const struct adi_trace *t);

const char *adi_trace_strerror(adi_trace_err err);

#endif
