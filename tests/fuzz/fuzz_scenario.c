/* libFuzzer target: the simulator's scenario INI parser (tools/sim/scenario.c)
 * on arbitrary bytes. A scenario it accepts (0 problems) must be usable as the
 * fake uses it: probe count in range, serials of 12 digits and unique, no
 * zero clock or bandwidth (the probe divides by both). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Relative: tools/fuzz puts only include/ and src/ on the path. */
#include "../../tools/sim/scenario.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_usable(const struct scenario *s)
{
	if (s->probe_count > SCENARIO_MAX_PROBES || !s->swd_max_khz || !s->usb_bandwidth_bps ||
	    !s->timing.cpu_hz || !s->state_dir[0])
		abort();
	for (unsigned i = 0; i < s->probe_count; i++) {
		const struct scenario_probe *p = &s->probes[i];

		if (strlen(p->serial) != SCENARIO_SERIAL_LEN ||
		    strspn(p->serial, "0123456789") != SCENARIO_SERIAL_LEN)
			abort();
		if (strlen(p->board.imei) != 15 || !p->board.modem_fw[0])
			abort();
		for (unsigned j = 0; j < i; j++)
			if (!strcmp(p->serial, s->probes[j].serial))
				abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct scenario s; /* ~70 KB: not on the stack */
	static FILE *sink;

	if (size == 0)
		return 0;
	if (!sink)
		sink = fopen("/dev/null", "w");
	FILE *f = fmemopen((void *)data, size, "r");
	if (!f || !sink)
		return 0;
	int errors = scenario_parse(f, "fuzz/scenario.ini", &s, sink);
	fclose(f);
	if (errors < 0)
		abort();
	if (errors == 0)
		check_usable(&s);
	return 0;
}
