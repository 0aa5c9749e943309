/* Test helper: the simulated modem (tools/sim/modem.c) with no board around
 * it: the state it points at (timing, faults, its store, a clock the test
 * moves) and the AT calls the modem suites share. */
#ifndef NRFCRED_TEST_SIMMODEM_FIXTURE_H
#define NRFCRED_TEST_SIMMODEM_FIXTURE_H

#include <stdint.h>

#include "modem.h"

struct simmodem_fixture {
	struct simboard_timing timing;
	struct simboard_faults faults;
	uint8_t store[65536];
	uint32_t store_len;
	uint64_t clock_ns;
	struct simmodem *modem;
	char resp[8192];
};

/* Zero timing, no fault armed, an empty store, the clock at 0; f->modem is
 * left alone. */
void simmodem_fixture_reset(struct simmodem_fixture *f);
/* Parameters over f's state: cap bytes of its store, its clock. */
struct simmodem_params simmodem_fixture_params(struct simmodem_fixture *f, const char *imei,
					       const char *modem_fw, uint32_t cap);
/* One AT command to f->modem; its answer (in f->resp). */
const char *simmodem_fixture_at(struct simmodem_fixture *f, const char *cmd);
/* AT+CMEE=1 and AT+CFUN=4, both OK (asserted): numeric errors, modem offline,
 * as %CMNG writes and %KEYGEN need it. */
void simmodem_fixture_offline(struct simmodem_fixture *f);

#endif
