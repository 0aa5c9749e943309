/*
 * Where credential bytes live on the target during a provisioning run: the
 * memory a trace or log must never show the data of (swd/adi_trace.h
 * redacts these ranges). One list, so that a later area (e.g. a RAM
 * mailbox of a RAM session) is added here once and every user redacts it.
 */
#ifndef NRFCRED_PROVISION_SECRET_RANGES_H
#define NRFCRED_PROVISION_SECRET_RANGES_H

#include <stddef.h>
#include <stdint.h>

struct manifest;

#define PROVISION_SECRET_RANGES_MAX 8u

struct provision_range {
	uint32_t addr;
	uint32_t size;	  /* > 0 */
	const char *what; /* e.g. "credential table" (static string) */
};

/*
 * Fills out with the secret areas of a run of the provisioner described by
 * m (m may be NULL: only the areas every provisioner has): the whole table
 * area the manifest reserves (flash: the NVMC word writes of the patched
 * table, verify and blank-check reads), the result area (the modem's
 * SHA-256 of a key or PSK), the session mailbox, and the simulator's modem mailbox
 * command window (the simulator firmware passes credential text through
 * it). Returns the count.
 */
size_t provision_secret_ranges(const struct manifest *m,
			       struct provision_range out[PROVISION_SECRET_RANGES_MAX]);

#endif
