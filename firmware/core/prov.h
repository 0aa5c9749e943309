/*
 * Provisioning firmware core: portable C (freestanding, no libc, no heap).
 *
 * The core takes a credential table by one of the two deliveries of
 * provision.h -- patched into flash (prov_run: the result block goes to
 * flash, status word last) or sent through the RAM mailbox of a session
 * (prov_session_run: the result block comes back in a RESULT record) --,
 * checks it, and drives the modem over AT commands. It reaches the platform
 * only through struct prov_hal. The same sources are compiled for the host
 * unit tests, the bare-metal simulator firmware (firmware/sim) and the nRF
 * Connect SDK application (firmware/ncs).
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
/* Longest response the core needs: a %KEYGEN answer (a CSR of up to
 * PROV_CSR_MAX bytes and its COSE_Sign1, base64url) or an %ATTESTTOKEN. */
#define PROV_AT_RESP_MAX 2048u
/* Largest CSR (DER) and COSE_Sign1 the core passes on from %KEYGEN; a P-256
 * request with a 255-character subject is about 400 bytes. */
#define PROV_CSR_MAX  1024u
#define PROV_COSE_MAX 512u
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
	 * Added to a RAM address (the manifest's mailbox_addr) to get a pointer
	 * to it: 0 on the target, (uintptr_t)buffer - mailbox_addr in host tests
	 * that stand a buffer in for the mailbox.
	 */
	uintptr_t ram_base;
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
	 * Only prov_run calls it; a session-only binding may leave it NULL.
	 */
	int (*flash_write_words)(void *ctx, uint32_t addr, const uint32_t *words, size_t n);
	/* Publishes the live progress word (see provision.h); may be NULL. */
	void (*progress_store)(void *ctx, uint32_t value);
	/*
	 * Session only. A value that differs from every earlier boot of this
	 * board (and preferably from other boards'); called once per
	 * prov_session_run. The core turns a 0 into 1 (the header's nonce is
	 * never 0), so freshness is the binding's job, not the core's.
	 */
	uint32_t (*boot_nonce)(void *ctx);
	/*
	 * Session only. Called between two polls of the mailbox's host_seq while
	 * no request is pending: the binding sleeps a little (the host needs
	 * milliseconds per record over SWD, so nothing is gained by polling
	 * faster). Returns 0 to go on waiting; any other value makes
	 * prov_session_run return (host tests end a conversation that way; a
	 * target binding returns 0, the firmware serves the host until reset).
	 */
	int (*idle)(void *ctx);
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
 * The session delivery (provision.h "session"): clears the mailbox, runs the
 * modem steps (AT+CMEE=1, AT+CFUN=4, AT+CGSN=1, AT+CGMR), publishes the
 * header and READY, then serves the host's requests -- TABLE with RESULT,
 * END with DONE, anything malformed or late with REJECT -- until hal->idle
 * asks it to stop. A target binding never does, so the call does not
 * return there.
 *
 * Returns NRFCRED_RES_MANIFEST_BAD without touching anything when m is not
 * a valid version 2 manifest with NRFCRED_MANIFEST_F_SESSION,
 * NRFCRED_RES_INTERNAL when the HAL lacks boot_nonce or idle; otherwise,
 * once idle stops it, the status of the boot's modem steps (the one READY
 * carried). Not re-entrant, and shares the static buffers of prov_run.
 */
int prov_session_run(const struct prov_hal *hal, const struct nrfcred_manifest_v2 *m);

/*
 * Final result code of a raw AT response text ("OK", "ERROR",
 * "+CME ERROR: <n>" as the last non-empty line). For HALs whose transport
 * returns text (the simulator mailbox). Returns PROV_AT_OK, n or
 * PROV_AT_ERROR (also when no final result line is present).
 */
int prov_at_final_code(const char *resp, size_t len);

#endif
