/* nRF91 register names for the SWD trace; see nrf91_trace.h. */
#include "target/nrf91_trace.h"

#include "target/nrf91_regs.h"

/* CTRL-AP registers (nrf91-registers.md §4.1). The MAILBOX registers carry
 * the ERASEPROTECT key handshake, which nrfcred never performs. */
static const char *const ctrlap_names[64] = {
	[CTRLAP_RESET >> 2] = "RESET",
	[CTRLAP_ERASEALL >> 2] = "ERASEALL",
	[CTRLAP_ERASEALLSTATUS >> 2] = "ERASEALLSTATUS",
	[CTRLAP_APPROTECT_STATUS >> 2] = "APPROTECT.STATUS",
	[CTRLAP_ERASEPROTECT_STATUS >> 2] = "ERASEPROTECT.STATUS",
	[0x01C >> 2] = "ERASEPROTECT.DISABLE",
	[0x020 >> 2] = "MAILBOX.TXDATA",
	[0x024 >> 2] = "MAILBOX.TXSTATUS",
	[0x028 >> 2] = "MAILBOX.RXDATA",
	[0x02C >> 2] = "MAILBOX.RXSTATUS",
	[CTRLAP_IDR >> 2] = "IDR",
};

adi_trace_err nrf91_trace_setup(struct adi_trace *t)
{
	return adi_trace_register_ap(t, NRF91_AP_CTRL, ctrlap_names);
}
