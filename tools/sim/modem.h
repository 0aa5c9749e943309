/*
 * Simulated nRF91 modem: an AT command interpreter with a persistent
 * credential store, reached by the emulated CPU through the mailbox MMIO block
 * of include/nrfcred/sim_mailbox.h.
 *
 * Commands (nrf91-registers.md §9): AT, AT+CMEE=<0|1>, AT+CFUN=<n>, AT+CFUN?,
 * AT+CGSN[=<0|1>], AT+CGMR, AT%CMNG=0/1/2/3, AT%KEYGEN, AT%ATTESTTOKEN
 * (modem_keygen.c: modem firmware 1.3.0 or later only). Rules the simulator applies
 * (where the documentation is silent, the choice is ours and marked so):
 *   - %CMNG=0/3 are refused with CME 518 while the modem is active
 *     (CFUN 1, 2 or 21; AT-CMNG). Power-on state is CFUN=0.
 *   - %CMNG=0 on an existing (sec_tag,type) overwrites it (what
 *     modem_key_mgmt_write relies on; nothing returns 519 here).
 *   - %CMNG=3 / %CMNG=2 of a missing credential: CME 513.
 *   - %CMNG=2 of a client private key (type 2): CME 514 (keys cannot be
 *     read back; UNCONFIRMED in nrf91-registers.md §10 item 10, assumed).
 *   - Content: 1..4096 bytes (our choice; the modem's limit is undocumented).
 *     Larger, empty, PEM types (0,1,2,5,6) without "-----BEGIN ", or a PSK
 *     (type 3) that is not an even number of hex digits: CME 527.
 *   - Store full (64 KB blob): CME 515.
 *   - sec_tag > 2147483647 or type > 6: CME 514 (no access) -- our choice.
 *   - %CMNG=1 lists "<sec_tag>,<type>" without <sha> when the modem firmware
 *     (params.modem_fw) is older than 1.3.2 or not of the form "mfw_..._X.Y.Z"
 *     (simmodem_fw_lists_digest; nRF Cloud utils' threshold, harsher reading).
 *     %CMNG=2 keeps <sha>: its syntax "[,<sha>[,<content>]]" has no form
 *     with content but without <sha>.
 *   - With CMEE=0 every CME error is reported as plain "ERROR".
 *   - Latency: modem_cmng_write_ns for %CMNG=0, modem_cmd_ns otherwise, plus
 *     modem_start_ns on the first command after a reset.
 *   - Faults: modem_error_sec_tag/type make %CMNG=0 of that pair fail with
 *     modem_error_code (<= 0: plain ERROR); firmware_hang: never answers;
 *     bad_digest_sec_tag/type: the <sha> of that pair in %CMNG=1 and =2 is
 *     not the SHA-256 of what is stored (that of the content with its last
 *     bit flipped).
 *
 * Credential store blob (persisted in the board's state file, little-endian):
 *   0  magic "NSMS"  4  u16 version (1)  6  u16 count
 *   8  entries: u32 sec_tag, u8 type, u8 0, u16 length, content, 0-pad to 4
 * Entries are kept sorted by (sec_tag, type). A zero-length blob is an empty
 * store.
 */
#ifndef NRFSIM_MODEM_H
#define NRFSIM_MODEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "board.h"
#include "bus.h"

#define SIMMODEM_CONTENT_MAX 4096u
#define SIMMODEM_STORE_MAGIC 0x534d534eu /* "NSMS" */

struct simmodem_params {
	const char *imei;     /* 15 digits */
	const char *modem_fw; /* AT+CGMR answer */
	/* %KEYGEN / %ATTESTTOKEN: the device UUID and the identity key that
	 * signs their COSE objects derive from the FICR DEVICEID; the part
	 * gives the attestation's device type (modem_keygen.c). */
	uint64_t device_id;
	enum simboard_part part;
	/* Read at each command (a scenario may change faults between steps):
	 * modem_start_ns/modem_cmd_ns/modem_cmng_write_ns, firmware_hang,
	 * modem_error_sec_tag/type/code and bad_digest_*. */
	const struct simboard_timing *timing;
	const struct simboard_faults *faults;
	/* The store blob (owned by the caller, e.g. the board state). */
	uint8_t *store;
	uint32_t *store_len;
	uint32_t store_cap;
	/* Modeled clock. */
	uint64_t (*now_ns)(void *clock_ctx);
	void *clock_ctx;
};

struct simmodem;

/* NULL on ENOMEM. params (and the buffers it points at) must outlive the modem. */
struct simmodem *simmodem_create(const struct simmodem_params *params);
void simmodem_destroy(struct simmodem *m);
/* Chip reset: CFUN=0, CMEE=0, no command in flight, start-up latency again. */
void simmodem_reset(struct simmodem *m);

/*
 * Executes one AT command (text without CR/LF) at once. Writes the full
 * response ("...\r\nOK\r\n") into resp (NUL terminated, truncated to
 * resp_cap; *resp_len is the untruncated length) and the modeled latency of
 * the command into *latency_ns.
 */
void simmodem_at(struct simmodem *m, const char *cmd, size_t cmd_len, char *resp, size_t resp_cap,
		 size_t *resp_len, uint64_t *latency_ns);

/* True when modem firmware `fw` (the AT+CGMR text) reports the SHA-256 in
 * AT%CMNG=1 list lines: "mfw_" + exactly one X.Y.Z field >= 1.3.2
 * ("mfw_nrf9160_1.3.5", "mfw_nrf91x1_2.0.1"). False for "mfw_nrf9160_1.2.3",
 * NULL and anything unrecognised (rules in modem.c). */
bool simmodem_fw_lists_digest(const char *fw);

/* The one X.Y.Z of an "mfw_..." AT+CGMR text (rules in modem.c): true and
 * ver filled, or false when fw is NULL, not "mfw_" or has none or several. */
bool simmodem_fw_version(const char *fw, unsigned ver[3]);

/* Mailbox MMIO (simbus_map handlers; ctx = the modem). */
enum simbus_result simmodem_mmio_read(void *ctx, uint32_t offset, unsigned size, uint32_t *val);
enum simbus_result simmodem_mmio_write(void *ctx, uint32_t offset, unsigned size, uint32_t val);
/*
 * True once after the CPU read STATUS while a command was in flight: the
 * firmware is polling, the CPU may idle until simmodem_ready_at().
 */
bool simmodem_take_poll_hint(struct simmodem *m);
/* Modeled time the command in flight completes; UINT64_MAX if it never will. */
uint64_t simmodem_ready_at(const struct simmodem *m);
/* Commands executed since creation (for counters / tests). */
uint64_t simmodem_commands(const struct simmodem *m);

/* ---- read-only store access (nrfsim show, tests): never the content */
struct simmodem_cred_info {
	uint32_t sec_tag;
	uint8_t type;
	uint16_t length;
	uint8_t sha256[32];
};
typedef void (*simmodem_cred_fn)(const struct simmodem_cred_info *info, void *ctx);
/* Calls fn for each credential in (sec_tag,type) order. Returns the count,
 * or -1 when the blob is malformed. */
int simmodem_store_foreach(const uint8_t *blob, uint32_t len, simmodem_cred_fn fn, void *ctx);

#endif
