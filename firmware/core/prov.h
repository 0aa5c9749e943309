/*
 * Provisioning firmware core: portable C (freestanding, no libc, no heap).
 *
 * The core validates the credential table the host patched into flash, drives
 * the modem over AT commands, and writes the result block (status word last).
 * It reaches the platform only through struct prov_hal. The same sources are
 * compiled for the host unit tests, the bare-metal simulator firmware
 * (firmware/sim) and the nRF Connect SDK application (firmware/ncs).
 */
#ifndef NRFCRED_FW_PROV_H
#define NRFCRED_FW_PROV_H

#include <stddef.h>
#include <stdint.h>

#include "nrfcred/provision.h"

/* Largest credential content the core accepts in one entry. The modem's own
 * limit is not documented (nrf91-registers.md §10 item 10); modem_key_mgmt uses a
 * 4096-byte buffer, so 4096 is the ceiling we assume. */
#define PROV_CONTENT_MAX 4096u
/* `AT%CMNG=0,2147483647,6,"` + content + `"` + NUL, rounded up. */
#define PROV_AT_CMD_MAX (PROV_CONTENT_MAX + 64u)
/* Longest response the core needs (%CMNG list line with a 64-hex digest). */
#define PROV_AT_RESP_MAX 256u
/* Flash page size on nRF91 (4 KB, nrf91-registers.md §5). */
#define PROV_FLASH_PAGE 4096u
/* nRF91 RAM: 256 KB at 0x20000000 (nrf91-registers.md §5); a session
 * mailbox must lie inside it. */
#define PROV_RAM_START 0x20000000u
#define PROV_RAM_END   0x20040000u

/* AT result codes returned by prov_hal.at_cmd. */
#define PROV_AT_OK    0
#define PROV_AT_ERROR (-1) /* plain ERROR, timeout or transport failure */
/* > 0: the number of a "+CME ERROR: <n>" answer */

struct prov_hal {
	void *ctx;
	/*
	 * Added to a flash address to get a readable pointer to it: 0 on the
	 * target (flash is memory mapped at address 0), the address of a buffer
	 * standing in for flash [0, size) in host tests.
	 */
	uintptr_t flash_base;
	/*
	 * Sends one AT command (NUL terminated, no CR/LF) and waits for its final
	 * result. The response text (without the final result line is fine, with
	 * it is fine too) goes into resp, NUL terminated, truncated to resp_len.
	 * Returns PROV_AT_OK, a CME error number (> 0), or PROV_AT_ERROR.
	 */
	int (*at_cmd)(void *ctx, const char *cmd, char *resp, size_t resp_len);
	/*
	 * Programs n words at the word-aligned flash address addr (erased flash,
	 * 1 -> 0 only), in order, waiting for each to complete. Returns 0 or -1.
	 */
	int (*flash_write_words)(void *ctx, uint32_t addr, const uint32_t *words, size_t n);
	/* Publishes the live progress word (see provision.h); may be NULL. */
	void (*progress_store)(void *ctx, uint32_t value);
};

/*
 * The flash delivery: runs one provisioning pass for the table the manifest
 * points at and writes the result block. Returns the status written (enum
 * nrfcred_result_status).
 *
 * manifest is a struct nrfcred_manifest (version 1) or a struct
 * nrfcred_manifest_v2 (version 2, e.g. a session firmware whose table area
 * was patched); the core reads it byte-wise and its version field says how
 * many bytes it has.
 *
 * Not re-entrant: the AT command buffer (4+ KB) and the result block are
 * static, because the firmware has no heap and a small stack.
 *
 * When the manifest itself is unusable (bad magic/size/CRC, areas not page
 * aligned, result area too small for an empty result, or no flash areas at
 * all: a session-only manifest) nothing is written, because there is no
 * trustworthy place to write to; the return value is
 * NRFCRED_RES_MANIFEST_BAD.
 */
int prov_run(const struct prov_hal *hal, const void *manifest);

/*
 * Final result code of a raw AT response text ("OK", "ERROR",
 * "+CME ERROR: <n>" as the last non-empty line). For HALs whose transport
 * returns text (the simulator mailbox). Returns PROV_AT_OK, n or
 * PROV_AT_ERROR (also when no final result line is present).
 */
int prov_at_final_code(const char *resp, size_t len);

#endif
