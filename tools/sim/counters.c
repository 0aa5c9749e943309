#include "counters.h"

#include "atomicfile.h"

#include <stdio.h>

NRFSIM_EXPORT int nrfsim_counters_print(FILE *f, const char *serial,
					const struct nrfsim_counters *c)
{
	const struct {
		const char *key;
		uint64_t value;
	} rows[] = {
		{"usb_out_transfers", c->usb_out_transfers},
		{"usb_in_transfers", c->usb_in_transfers},
		{"usb_in_timeouts", c->usb_in_timeouts},
		{"usb_out_bytes", c->usb_out_bytes},
		{"usb_in_bytes", c->usb_in_bytes},
		{"commands", c->commands},
		{"unknown_commands", c->unknown_commands},
		{"swd_io_commands", c->swd_io_commands},
		{"swd_bits", c->swd_bits},
		{"swd_transactions", c->swd_transactions},
		{"swd_waits", c->swd_waits},
		{"swd_faults", c->swd_faults},
		{"ap_bytes", c->ap_bytes},
		{"cpu_instructions", c->cpu_instructions},
		{"line_resets", c->line_resets},
		{"protocol_errors", c->protocol_errors},
		{"nvmc_words_written", c->nvmc_words_written},
		{"nvmc_page_erases", c->nvmc_page_erases},
		{"nvmc_erase_alls", c->nvmc_erase_alls},
		{"system_resets", c->system_resets},
		{"modeled_ns", c->modeled_ns},
		{"busy_ns", c->busy_ns},
		{"wall_ns", c->wall_ns},
		{"sim_cpu_ns", c->sim_cpu_ns},
	};

	if (fprintf(f, "serial=%s\n", serial) < 0)
		return -1;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		if (fprintf(f, "%s=%llu\n", rows[i].key, (unsigned long long)rows[i].value) < 0)
			return -1;
	return 0;
}

struct counters_file {
	const char *serial;
	const struct nrfsim_counters *counters;
};

static int print_counters(FILE *f, const void *ctx)
{
	const struct counters_file *cf = ctx;

	return nrfsim_counters_print(f, cf->serial, cf->counters);
}

int counters_write_file(const char *path, const char *serial, const struct nrfsim_counters *c)
{
	const struct counters_file cf = {serial, c};

	return atomicfile_write(path, print_counters, &cf);
}
