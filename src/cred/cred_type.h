/*
 * Names of the AT%CMNG credential types (enum nrfcred_cred_type in
 * include/nrfcred/provision.h).
 *
 *   type  human name (messages)        short name (INI, JSON, CSV)
 *   0     "CA certificate"             "ca_cert"
 *   1     "client certificate"         "client_cert"
 *   2     "client private key"         "client_key"
 *   3     "PSK"                        "psk"
 *   4     "PSK identity"               "psk_identity"
 *   5     "public key"                 "public_key"
 *   6     "device identity public key" "device_id_public_key"
 */
#ifndef NRFCRED_CRED_TYPE_H
#define NRFCRED_CRED_TYPE_H

#include <stdbool.h>

#include "nrfcred/provision.h"

/* Human name; "unknown credential type" when out of range. */
const char *cred_type_name(enum nrfcred_cred_type type);
/* Short name; "unknown" when out of range. */
const char *cred_type_short_name(enum nrfcred_cred_type type);
/* Parses a type as written in a station INI: a short name, one of the
 * aliases named after the CLI flags ("CA_cert", "client_private_key",
 * "psk_ident"; case-insensitive), or the AT%CMNG number "0".."6".
 * Returns false if text names no type. */
bool cred_type_parse(const char *text, enum nrfcred_cred_type *out);
/* True for the types cred can load and check (0..4). */
bool cred_type_supported(enum nrfcred_cred_type type);

#endif
