#include "cred/cred_type.h"

#include <stddef.h>
#include <strings.h>

struct cred_type_names {
	const char *human;
	const char *short_name;
	const char *alias; /* named after the CLI flag, NULL if none */
};

static const struct cred_type_names cred_type_table[NRFCRED_TYPE_COUNT] = {
	[NRFCRED_TYPE_CA_CERT] = {"CA certificate", "ca_cert", "CA_cert"},
	[NRFCRED_TYPE_CLIENT_CERT] = {"client certificate", "client_cert", NULL},
	[NRFCRED_TYPE_CLIENT_KEY] = {"client private key", "client_key", "client_private_key"},
	[NRFCRED_TYPE_PSK] = {"PSK", "psk", NULL},
	[NRFCRED_TYPE_PSK_IDENTITY] = {"PSK identity", "psk_identity", "psk_ident"},
	[NRFCRED_TYPE_PUBLIC_KEY] = {"public key", "public_key", NULL},
	[NRFCRED_TYPE_DEVICE_ID_PUBLIC_KEY] = {"device identity public key", "device_id_public_key",
					       NULL},
};

static bool cred_type_valid(enum nrfcred_cred_type type)
{
	return (unsigned)type < NRFCRED_TYPE_COUNT;
}

const char *cred_type_name(enum nrfcred_cred_type type)
{
	return cred_type_valid(type) ? cred_type_table[type].human : "unknown credential type";
}

const char *cred_type_short_name(enum nrfcred_cred_type type)
{
	return cred_type_valid(type) ? cred_type_table[type].short_name : "unknown";
}

bool cred_type_parse(const char *text, enum nrfcred_cred_type *out)
{
	if (text == NULL || out == NULL)
		return false;
	if (text[0] >= '0' && text[0] <= '6' && text[1] == '\0') {
		*out = (enum nrfcred_cred_type)(text[0] - '0');
		return true;
	}
	for (int i = 0; i < NRFCRED_TYPE_COUNT; i++) {
		const struct cred_type_names *n = &cred_type_table[i];
		if (strcasecmp(text, n->short_name) == 0 ||
		    (n->alias != NULL && strcasecmp(text, n->alias) == 0)) {
			*out = (enum nrfcred_cred_type)i;
			return true;
		}
	}
	return false;
}

bool cred_type_supported(enum nrfcred_cred_type type)
{
	return (unsigned)type <= NRFCRED_TYPE_PSK_IDENTITY;
}
