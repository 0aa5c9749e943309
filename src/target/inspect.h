/*
 * Read-only look at an nRF91 behind a probe, for bring-up (`nrfcred
 * inspect`): debug port identity, CTRL-AP protection status and, only when
 * the AHB-AP lets the debugger through, FICR, UICR and how much of the flash
 * is used.
 *
 * Strictly read-only: besides reads it writes only the DP control registers
 * a connection needs (ABORT to clear sticky errors, SELECT, CTRL/STAT power-
 * up request) and the AHB-AP's CSW and TAR (access size and address of a
 * read). It never halts, resets, erases or writes target memory, and does not
 * assume the AHB-AP is open: a blank nRF91x1 is locked after reset.
 */
#ifndef NRFCRED_TARGET_INSPECT_H
#define NRFCRED_TARGET_INSPECT_H

#include <stdbool.h>
#include <stdint.h>

#include "target/nrf91.h"

struct adi_trace;
struct probe;

struct nrf91_inspect_options {
	bool skip_flash;	 /* do not read the flash to count used bytes */
	struct adi_trace *trace; /* SWD trace (swd/adi_trace.h); NULL = none */
};

/* Every group of fields is valid only when its have_* flag is set. */
struct nrf91_inspect {
	uint32_t dpidr; /* valid when nrf91_inspect returned NRF91_OK */

	bool have_targetid; /* DP banks 2 and 3 (DPv2 and later only) */
	uint32_t targetid;
	uint32_t dlpidr;

	bool have_ctrlap;
	uint32_t ctrlap_idr;
	uint32_t approtect_status;    /* bit0 APPROTECT, bit1 SECUREAPPROTECT; 1 = open */
	uint32_t eraseprotect_status; /* bit0: 0 = erase protection enabled */

	bool have_ahbap;
	uint32_t ahbap_idr;
	uint32_t ahbap_csw; /* bit 6 DeviceEn */

	/* The AHB-AP reaches the bus: DeviceEn set and the FICR reads worked.
	 * Otherwise ahb_locked_reason says why (and FICR/UICR/flash are not
	 * read). */
	bool ahb_open;
	char ahb_locked_reason[160];

	bool have_ficr;
	uint32_t partno;     /* FICR.SIPINFO.PARTNO, e.g. 0x9160 */
	uint32_t hwrevision; /* FICR.SIPINFO.HWREVISION (ASCII, LSB first) */
	uint32_t variant;    /* FICR.SIPINFO.VARIANT (ASCII, LSB first) */
	char part_name[16];  /* "nRF9160", or "" for an unknown PARTNO */
	char hwrevision_text[5];
	char variant_text[5];
	uint32_t deviceid[2]; /* FICR.INFO.DEVICEID[0], [1] */
	uint32_t flash_kb;    /* FICR.INFO.FLASH */
	uint32_t ram_kb;      /* FICR.INFO.RAM */

	bool have_uicr;
	uint32_t uicr_approtect;
	uint32_t uicr_secureapprotect;
	uint32_t uicr_eraseprotect;
	uint32_t uicr_hfxosrc;
	uint32_t uicr_hfxocnt;

	bool have_flash;
	uint32_t flash_size;	   /* bytes read from 0x0 */
	uint32_t flash_used;	   /* bytes that are not 0xFF */
	uint32_t flash_first_used; /* lowest address not 0xFF (flash_used > 0) */
	uint32_t flash_last_used;  /* highest address not 0xFF (flash_used > 0) */

	/* The first thing that could not be read (partial results), "" if
	 * none; when nrf91_inspect fails, why it could not connect. */
	char detail[256];
};

/*
 * Connects over SWD and reads everything it can into *out. Returns NRF91_OK
 * when the debug port answered, whatever else could be read (a locked part,
 * a CTRL-AP read that faulted: see the have_* flags and detail); otherwise
 * the connect error (NRF91_ERR_NO_TARGET: no ACK; NRF91_ERR_PROBE: USB),
 * or NRF91_ERR_PROBE when the probe failed part way (the fields read until
 * then stay valid).
 */
nrf91_err nrf91_inspect(struct probe *probe, const struct nrf91_inspect_options *opts,
			struct nrf91_inspect *out);

#endif
