/* A human-readable detail for an error of the provision layer: which field,
 * which address, which sizes. Never holds credential content. */
#ifndef NRFCRED_PROVISION_DIAG_H
#define NRFCRED_PROVISION_DIAG_H

#define PROVISION_DIAG_LEN 200

struct provision_diag {
	char text[PROVISION_DIAG_LEN];
};

/* printf-style; diag may be NULL (the detail is then dropped). */
void provision_diag_set(struct provision_diag *diag, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
