/*
 * Fake-only API of libnrfsim.so, for tests and tools that run in the same
 * process as the fake libusb. Real libusb has none of these symbols, so
 * calling one also proves the fake is the libusb in use.
 */
#ifndef NRFSIM_NRFSIM_H
#define NRFSIM_NRFSIM_H

#include <stdint.h>
#include <stdio.h>

/* Per-probe counters since the process first touched the probe. */
struct nrfsim_counters {
	uint64_t usb_out_transfers;
	uint64_t usb_in_transfers; /* IN transfers that returned data */
	uint64_t usb_in_timeouts;  /* IN transfers answered with LIBUSB_ERROR_TIMEOUT */
	uint64_t usb_out_bytes;
	uint64_t usb_in_bytes;
	uint64_t commands;	   /* complete J-Link commands executed */
	uint64_t unknown_commands; /* commands the probe did not answer */
	uint64_t swd_io_commands;  /* 0xCF with SWD selected */
	uint64_t swd_bits;	   /* SWD clock cycles */
	uint64_t swd_transactions; /* from the board: request packets decoded */
	uint64_t swd_waits;	   /* WAIT acks */
	uint64_t swd_faults;	   /* FAULT acks */
	uint64_t ap_bytes;	   /* AP data bytes moved */
	uint64_t cpu_instructions; /* emulated Cortex-M33 instructions */
	uint64_t line_resets;	   /* SWD line resets seen by the board */
	uint64_t protocol_errors;  /* SWD packets the board left unanswered */
	uint64_t nvmc_words_written;
	uint64_t nvmc_page_erases;
	uint64_t nvmc_erase_alls; /* NVMC ERASEALL and CTRL-AP ERASEALL */
	uint64_t system_resets;	  /* board resets other than power-on */
	uint64_t modeled_ns;	  /* the probe's modeled clock */
	uint64_t busy_ns;	  /* modeled time spent on USB, SWD, timeouts (no host idle) */
	uint64_t wall_ns;	  /* wall time since the probe was first used */
	uint64_t sim_cpu_ns;	  /* CPU time the simulator spent in this probe's bulk transfers */
};

/*
 * Number of simulated probes the scenario presents (0 when NRFSIM_SCENARIO is
 * missing or invalid). Loads the scenario if no libusb call did yet.
 */
unsigned nrfsim_probe_count(void);

/* Counters of the probe with this 12-digit serial; 0, or -1 if unknown. */
int nrfsim_get_counters(const char *serial, struct nrfsim_counters *out);

/* Writes counters as key=value lines (the <serial>.counters file format). */
int nrfsim_counters_print(FILE *f, const char *serial, const struct nrfsim_counters *c);

#endif
