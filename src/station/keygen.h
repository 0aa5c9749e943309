/*
 * Per-board identities made on the board (issue 11, part B), as rounds of
 * the RAM session (provision.h "Rounds inside a TABLE") around the board's
 * own table (board_table.h: KEYGEN entries, subjects filled in): the CSR ->
 * CERT answer signed by the station CA, the attestation token, and at CHECK
 * the modem's digest of each issued certificate plus the files nRF Cloud
 * takes:
 *   LOG_DIR/<station>-certs/<IMEI>.crt   the issued certificate
 *   LOG_DIR/<station>-attestation.csv    IMEI,device UUID,token,UTC time
 *   LOG_DIR/<station>-onboard.csv        device id,subtype,tags,fw types,cert
 * The CSV layouts are those of nRF Cloud utils (gather_attestation_tokens.py
 * save_attestation_csv; cli_helpers.py save_onboarding_csv): no header, ','
 * separated, minimal quoting, '\n' line ends. Worker thread only (the
 * AWAIT_RESULT and CHECK steps), each slot its own state.
 */
#ifndef NRFCRED_STATION_KEYGEN_H
#define NRFCRED_STATION_KEYGEN_H

#include <stddef.h>
#include <stdint.h>

#include "provision/session.h"
#include "station/slot.h"

struct slot;
struct table;

/* True when the job's table has a KEYGEN entry or asks for attestation. */
bool keygen_job_active(const struct slot *s);

/* After READY and this board's table (slot_board_table_ready): the
 * rounds' state. -1 with s->detail set when the table does not leave room
 * for the answers in the mailbox. */
int keygen_slot_prepare(struct slot *s);
/* Forget the board (a new one, or the end of the run). */
void keygen_slot_reset(struct slot *s);

/* A CSR record: checks and signs it; *answer is the CERT payload (owned by
 * the slot until the next board). SLOT_OUT_FAILED with s->detail. */
enum slot_outcome keygen_on_csr(struct slot *s, const struct session_record *rec,
				const uint8_t **answer, size_t *len);
/* An ATTEST record: kept for CHECK. SLOT_OUT_FAILED with s->detail. */
enum slot_outcome keygen_on_attest(struct slot *s, const struct session_record *rec);

/* CHECK, after result_check passed: each KEYGEN entry's digest is the
 * issued certificate's, the attestation policy holds, and the attestation
 * and onboarding rows are on disk (fsync'd). */
enum slot_outcome keygen_check(struct slot *s);

/* What a passed board's CSV row says in its error column ("" or e.g.
 * "attestation not supported ..."). */
const char *keygen_slot_note(const struct slot *s);

/* A passed board's row: each keygen entry of its table whose digest
 * CHECK matched gets the issued certificate's SHA-256 as its cell. */
void keygen_fill_fingerprints(struct slot *s);

#endif
