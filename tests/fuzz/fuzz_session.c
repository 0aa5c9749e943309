/* libFuzzer target: the host's session decoders on arbitrary bytes, as a
 * hostile board would leave them in the mailbox. A record that decodes must
 * re-encode to the same bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "provision/session.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size >= NRFCRED_MBOX_HEADER_SIZE) {
		struct session_header h;
		(void)session_header_ready(data);
		(void)session_header_decode(data, 0x8000, &h, NULL);
	}
	struct session_record r;
	struct provision_diag d;
	if (session_record_decode(data, size, NRFCRED_MBOX_UP_MAX, &r, &d) != SESSION_OK)
		return 0;
	if (r.length > size || r.payload_len + NRFCRED_REC_OVERHEAD != r.length)
		abort();
	struct session_ready rd;
	uint32_t a, b;
	(void)session_ready_decode(&r, &rd, &d);
	(void)session_reject_decode(&r, &a, &b, &d);
	(void)session_done_decode(&r, &a, &d);
	struct session_csr csr;
	if (session_csr_decode(&r, &csr, &d) == SESSION_OK &&
	    csr.cose + csr.cose_len > r.payload + r.payload_len)
		abort(); /* the parts stay inside the payload */
	struct session_attest att;
	if (session_attest_decode(&r, &att, &d) == SESSION_OK &&
	    att.token + att.token_len > (const char *)r.payload + r.payload_len)
		abort();
	uint8_t *again = malloc(r.length);
	if (!again)
		return 0;
	size_t n = session_record_encode(r.type, r.seq, r.nonce, r.ref, r.payload, r.payload_len,
					 again, r.length);
	if (n != r.length || memcmp(again, data, n) != 0)
		abort();
	free(again);
	return 0;
}
