/* What an SWD trace (swd/adi_trace.h) needs to know about the nRF91. */
#ifndef NRFCRED_TARGET_NRF91_TRACE_H
#define NRFCRED_TARGET_NRF91_TRACE_H

#include "swd/adi_trace.h"

/* Declares the CTRL-AP (AP 4) a register AP with its register names, so its
 * APPROTECT.STATUS, ERASEALLSTATUS... values are printed by name. The
 * AHB-AP (AP 0) stays a MEM-AP: its data never shows without an address. */
adi_trace_err nrf91_trace_setup(struct adi_trace *t);

#endif
