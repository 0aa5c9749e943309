/*
 * Hostile firmware, as scenario faults:
 *
 * session_fault spoils the UP records of the session protocol
 * (include/nrfcred/provision.h, "session"). The firmware commits an UP
 * record by storing its seq to the mailbox's fw_seq word, last; just before
 * that store lands, the board changes the record in the UP area, so the host
 * can only ever read the spoiled record under the new fw_seq.
 *
 * result_fault spoils the result block of the flash delivery: just before
 * the status word (written last) is programmed, one byte of the block in
 * flash changes, its CRC stays as the firmware wrote it.
 *
 * The mailbox and the result area are where the firmware's manifest says:
 * found at every reset (by its magic, version and size; the CRC is the
 * host's business), and only while a fault is set, so a board without one
 * never looks and its CPU never watches a store.
 */
#include "board_impl.h"

#include <stddef.h>
#include <string.h>

#include "nrfcred/provision.h"

/* Offsets inside a record and the manifest v2 (provision.h). */
#define REC_MAGIC	0u
#define REC_TYPE	6u
#define REC_LENGTH	8u
#define REC_SEQ		12u
#define REC_NONCE	16u
#define MAN_VERSION	offsetof(struct nrfcred_manifest_v2, version)
#define MAN_SIZE	offsetof(struct nrfcred_manifest_v2, size)
#define MAN_FLAGS	offsetof(struct nrfcred_manifest_v2, flags)
#define MAN_MBOX_ADDR	offsetof(struct nrfcred_manifest_v2, mailbox_addr)
#define MAN_MBOX_SIZE	offsetof(struct nrfcred_manifest_v2, mailbox_size)
#define MAN_RESULT_ADDR offsetof(struct nrfcred_manifest, result_addr)
/* The byte result_fault changes: the first of the IMEI field. */
#define RESULT_SPOILED_BYTE offsetof(struct nrfcred_result_header, imei)
#define UNKNOWN_TYPE	    0x7E7Eu /* neither an UP nor a DOWN type */
#define DEFAULT_FROM	    2u	    /* the first answer after READY */

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* CRC-32/IEEE (reflected, polynomial 0xEDB88320), bit by bit: a record is
 * at most 4 KB and this runs once per spoiled record. */
static uint32_t crc32_ieee(const uint8_t *p, size_t n)
{
	uint32_t crc = 0xFFFFFFFFu;
	for (size_t i = 0; i < n; i++) {
		crc ^= p[i];
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
	}
	return ~crc;
}

/* The next manifest magic in flash from *off on whose version and size
 * fit (1 / 44 or 2 / 52 bytes); NULL when there is none. */
static const uint8_t *next_manifest(const struct simboard *b, size_t *off)
{
	const uint8_t *flash = b->st.flash;
	while (*off + NRFCRED_MANIFEST_SIZE <= SIM_FLASH_SIZE) {
		const uint8_t *p = memmem(flash + *off, SIM_FLASH_SIZE - *off,
					  NRFCRED_MANIFEST_MAGIC, NRFCRED_MANIFEST_MAGIC_LEN);
		if (!p || (size_t)(p - flash) + NRFCRED_MANIFEST_SIZE > SIM_FLASH_SIZE)
			return NULL;
		*off = (size_t)(p - flash) + 1;
		uint16_t version = (uint16_t)(p[MAN_VERSION] | p[MAN_VERSION + 1] << 8);
		uint16_t size = (uint16_t)(p[MAN_SIZE] | p[MAN_SIZE + 1] << 8);
		if (version == NRFCRED_MANIFEST_VERSION && size == NRFCRED_MANIFEST_SIZE)
			return p;
		if (version == NRFCRED_MANIFEST_VERSION_SESSION &&
		    size == NRFCRED_MANIFEST_V2_SIZE &&
		    (size_t)(p - flash) + NRFCRED_MANIFEST_V2_SIZE <= SIM_FLASH_SIZE)
			return p;
	}
	return NULL;
}

/* The result area of a manifest in flash (word aligned, room for a
 * header); 0 when there is none. */
static uint32_t find_result_area(const struct simboard *b)
{
	size_t off = 0;
	const uint8_t *p;
	while ((p = next_manifest(b, &off)) != NULL) {
		uint32_t addr = get32(p + MAN_RESULT_ADDR);
		if (addr != 0 && addr % 4u == 0 &&
		    addr <= SIM_FLASH_SIZE - NRFCRED_RESULT_HEADER_SIZE)
			return addr;
	}
	return 0;
}

/* The mailbox of the session manifest in flash; false when there is none or
 * it does not fit in RAM. */
static bool find_mailbox(const struct simboard *b, uint32_t *mbox)
{
	size_t off = 0;
	const uint8_t *p;
	while ((p = next_manifest(b, &off)) != NULL) {
		uint16_t version = (uint16_t)(p[MAN_VERSION] | p[MAN_VERSION + 1] << 8);
		uint16_t size = (uint16_t)(p[MAN_SIZE] | p[MAN_SIZE + 1] << 8);
		uint32_t addr = get32(p + MAN_MBOX_ADDR);
		uint32_t len = get32(p + MAN_MBOX_SIZE);
		if (version != NRFCRED_MANIFEST_VERSION_SESSION ||
		    size != NRFCRED_MANIFEST_V2_SIZE ||
		    !(get32(p + MAN_FLAGS) & NRFCRED_MANIFEST_F_SESSION))
			continue;
		/* Header and UP area must be RAM the board can reach. */
		if (addr % 4u || addr < SIM_RAM_BASE || len < NRFCRED_MBOX_MIN_SIZE ||
		    addr - SIM_RAM_BASE > SIM_RAM_SIZE - NRFCRED_MBOX_DOWN_OFFSET)
			continue;
		*mbox = addr;
		return true;
	}
	return false;
}

_Static_assert(NRFCRED_MBOX_OFF_ACK_SEQ == NRFCRED_MBOX_OFF_FW_SEQ + 4u,
	       "the store watch covers fw_seq and the word after it");

void session_fault_reset(struct simboard *b)
{
	uint32_t mbox = 0;
	b->session_mbox = 0;
	b->self_reset_at_ns = 0;
	bool watch = b->cfg.faults.session_fault != SIMBOARD_SESSION_FAULT_NONE ||
		     (b->cfg.faults.reset_after_ready && !b->self_reset_done);
	if (watch && find_mailbox(b, &mbox))
		b->session_mbox = mbox;
	b->result_area = b->cfg.faults.result_fault_crc ? find_result_area(b) : 0;
	/* fw_seq and ack_seq are adjacent words (provision.h). */
	simcpu_watch_store(b->cpu, b->session_mbox ? b->session_mbox + NRFCRED_MBOX_OFF_FW_SEQ : 0, 2);
}

static void spoil(uint8_t *rec, enum simboard_session_fault fault, uint32_t seq)
{
	uint32_t length = get32(rec + REC_LENGTH);
	bool framed =
		length % 4u == 0 && length >= NRFCRED_REC_OVERHEAD && length <= NRFCRED_MBOX_UP_MAX;
	switch (fault) {
	case SIMBOARD_SESSION_FAULT_MAGIC:
		put32(rec + REC_MAGIC, ~get32(rec + REC_MAGIC));
		break;
	case SIMBOARD_SESSION_FAULT_CRC:
		/* The first payload byte, or the CRC itself when there is none. */
		rec[NRFCRED_REC_HEADER_SIZE] ^= 0xFFu;
		return;
	case SIMBOARD_SESSION_FAULT_LENGTH:
		put32(rec + REC_LENGTH, NRFCRED_MBOX_UP_MAX + 4u);
		return;
	case SIMBOARD_SESSION_FAULT_TYPE:
		rec[REC_TYPE] = (uint8_t)UNKNOWN_TYPE;
		rec[REC_TYPE + 1] = (uint8_t)(UNKNOWN_TYPE >> 8);
		break;
	case SIMBOARD_SESSION_FAULT_SEQ:
		/* The previous record's seq: what a board replaying it would show. */
		put32(rec + REC_SEQ, seq - 1u);
		break;
	case SIMBOARD_SESSION_FAULT_NONCE: {
		uint32_t nonce = get32(rec + REC_NONCE);
		/* Inverted, but never 0: no boot has that nonce. */
		put32(rec + REC_NONCE, nonce == 0xFFFFFFFFu ? 1u : ~nonce);
		break;
	}
	case SIMBOARD_SESSION_FAULT_NONE:
		return;
	}
	/* The named field is the only defect: a host that checks the CRC first
	 * must still meet the check for that field. */
	if (framed)
		put32(rec + length - 4u, crc32_ieee(rec, length - 4u));
}

void board_watched_store(struct simboard *b, uint32_t addr, uint32_t value)
{
	const struct simboard_faults *f = &b->cfg.faults;
	uint32_t from = f->session_fault_from ? f->session_fault_from : DEFAULT_FROM;
	/* fault_reset_after_ready: the reset runs from board_advance_to, not
	 * from inside the CPU's store. It follows the firmware taking the
	 * host's first request (ack_seq 1), not the READY commit: the host has
	 * then read READY and sent the table whatever its polling pace, so the
	 * case is always "the table was in RAM, then a new boot" (a reset
	 * before the host read READY is only a slower boot to it). */
	if (f->reset_after_ready && !b->self_reset_done && b->session_mbox &&
	    addr == b->session_mbox + NRFCRED_MBOX_OFF_ACK_SEQ && value == 1) {
		b->self_reset_done = true;
		b->self_reset_at_ns = b->now_ns + 1000000u;
	}
	if (f->session_fault == SIMBOARD_SESSION_FAULT_NONE)
		return;
	/* The firmware clears fw_seq to 0 at boot; only commits count. */
	if (!b->session_mbox || addr != b->session_mbox + NRFCRED_MBOX_OFF_FW_SEQ || value == 0 ||
	    value < from)
		return;
	spoil(b->ram + (b->session_mbox - SIM_RAM_BASE) + NRFCRED_MBOX_UP_OFFSET, f->session_fault,
	      value);
	b->mem_gen++;
}

void result_fault_before_status(struct simboard *b)
{
	b->st.flash[b->result_area + RESULT_SPOILED_BYTE] ^= 0xFFu;
	b->mem_gen++;
}
