/*
 * The simulated modem's security commands that make keys and tokens:
 * AT%KEYGEN (client key pair + PKCS#10 CSR) and AT%ATTESTTOKEN (device
 * identity attestation). Rules and sources in modem_keygen.c; the generated
 * private key lives in the modem's credential store (the board's state file)
 * as the client private key (type 2) of its sec_tag and never leaves it.
 */
#ifndef NRFSIM_MODEM_KEYGEN_H
#define NRFSIM_MODEM_KEYGEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "board.h"
#include "modem_store.h"

/* Who the modem is, as the tokens and CSRs it signs say. */
struct simmodem_identity {
	uint64_t device_id; /* FICR DEVICEID: the device UUID and identity key derive from it */
	enum simboard_part part;
	const char *modem_fw; /* AT+CGMR text */
};

/* Output sink of the AT interpreter (modem.c). */
struct simmodem_out {
	void (*add)(void *ctx, const char *s, size_t n);
	void *ctx;
};

/* Outcome of a command: 0 = the answer was added (the caller appends OK),
 * > 0 = a CME error code, -1 = a plain ERROR. */
int simmodem_keygen(struct mstore *store, const struct simmodem_identity *id, bool active,
		    const char *args, size_t args_n, const struct simmodem_out *out);
int simmodem_attesttoken(const struct simmodem_identity *id, const char *args, size_t args_n,
			 const struct simmodem_out *out);

/* True when modem firmware `fw` has %KEYGEN and %ATTESTTOKEN: "mfw_" with
 * one X.Y.Z >= 1.3.0 (rules in modem_keygen.c). */
bool simmodem_fw_has_keygen(const char *fw);

/* The 16-byte device UUID of a board (what %ATTESTTOKEN and the COSE of a
 * CSR carry), from its FICR DEVICEID. */
void simmodem_device_uuid(uint64_t device_id, uint8_t uuid[16]);

/*
 * The uncompressed public point (0x04 || X || Y, 65 bytes) of a private key
 * as the store holds it (PEM text), for `nrfsim show`; the private key is
 * never printed. Returns 0, or -1 when the content is no EC P-256 key.
 */
int simmodem_key_public_point(const uint8_t *content, size_t len, uint8_t point[65]);

#endif
