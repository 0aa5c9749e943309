/*
 * nrfcred provisioning formats, shared byte-for-byte by the host tool, the
 * provisioning firmware (firmware/core) and the simulator.
 *
 * Everything is little-endian with explicit sizes. The host never assumes a
 * struct layout of its own compiler when it encodes or decodes: src/provision
 * reads and writes fields at the offsets below (the structs exist so that the
 * firmware, which runs on a little-endian Cortex-M33, can use them directly,
 * and so that the static asserts pin the layout).
 *
 * Two deliveries of the credential table (ARCHITECTURE.md "Provisioning
 * protocol"):
 *   - flash: the firmware image carries one MANIFEST (found by its 8-byte
 *     magic and checked by CRC32). It names an erased TABLE area and an erased
 *     RESULT area (separate flash pages) and, optionally, a RAM word the
 *     firmware updates with its progress. The host writes a TABLE into the
 *     table area of the image before it flashes it; the firmware writes a
 *     RESULT block into the result area, the status word at offset 0 last, so
 *     a host that sees a status other than 0xFFFFFFFF knows the rest of the
 *     block is complete.
 *   - session (manifest version 2 with NRFCRED_MANIFEST_F_SESSION): the image
 *     holds no secret and is the same for every board; the host and the
 *     running firmware exchange records through a RAM mailbox (see the
 *     "session" section below). No credential byte is ever written to flash.
 *     A session firmware whose table area holds a table (patched image) runs
 *     the flash delivery instead, so one image serves both.
 */
#ifndef NRFCRED_PROVISION_H
#define NRFCRED_PROVISION_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------- manifest */

/* "nRFcMAN1" as bytes; the firmware must not contain these 8 bytes anywhere
 * else (it refers to its manifest by symbol, never by searching). */
#define NRFCRED_MANIFEST_MAGIC	   "nRFcMAN1"
#define NRFCRED_MANIFEST_MAGIC_LEN 8u
#define NRFCRED_MANIFEST_VERSION   1u
/* Version 2 appends the RAM mailbox (mailbox_addr, mailbox_size) before the
 * CRC; a host reads both versions. */
#define NRFCRED_MANIFEST_VERSION_SESSION 2u

/* Manifest flags (version 2; a version 1 manifest has flags = 0). */
/* The firmware speaks the session protocol through the mailbox. */
#define NRFCRED_MANIFEST_F_SESSION 0x00000001u
/* A simulator build (firmware/sim): it talks to the simulated modem only and
 * cannot provision silicon. A host says so wherever it reports a run (dashboard
 * header, JSON start event, every CSV row), so a log made with it is never
 * mistaken for production. */
#define NRFCRED_MANIFEST_F_SIM_BUILD 0x00000002u

struct nrfcred_manifest {
	uint8_t magic[8];	/* NRFCRED_MANIFEST_MAGIC */
	uint16_t version;	/* NRFCRED_MANIFEST_VERSION */
	uint16_t size;		/* sizeof(struct nrfcred_manifest) for this version */
	uint32_t table_addr;	/* flash address of the table area (page aligned) */
	uint32_t table_max;	/* bytes available for the table */
	uint32_t result_addr;	/* flash address of the result area (page aligned) */
	uint32_t result_max;	/* bytes available for the result block */
	uint32_t progress_addr; /* RAM address of the live progress word, 0 = none */
	uint32_t fw_version;	/* major << 16 | minor << 8 | patch */
	uint32_t flags;		/* reserved, 0 */
	uint32_t crc32;		/* CRC-32/IEEE of bytes [0, offsetof(crc32)) */
};

#define NRFCRED_MANIFEST_SIZE 44u

/* Version 2: the same fields up to flags, then the mailbox, then the CRC over
 * bytes [0, 48). A session-only firmware (no flash driver, e.g. firmware/ncs)
 * sets table_addr/table_max/result_addr/result_max to 0: the host then
 * refuses the flash delivery and `-o` for it. */
struct nrfcred_manifest_v2 {
	uint8_t magic[8];
	uint16_t version; /* NRFCRED_MANIFEST_VERSION_SESSION */
	uint16_t size;	  /* NRFCRED_MANIFEST_V2_SIZE */
	uint32_t table_addr;
	uint32_t table_max;
	uint32_t result_addr;
	uint32_t result_max;
	uint32_t progress_addr;
	uint32_t fw_version;
	uint32_t flags;	       /* NRFCRED_MANIFEST_F_* */
	uint32_t mailbox_addr; /* RAM address of the mailbox, 4 KB aligned */
	uint32_t mailbox_size; /* bytes, a multiple of 4 KB, >= NRFCRED_MBOX_MIN_SIZE */
	uint32_t crc32;	       /* CRC-32/IEEE of bytes [0, offsetof(crc32)) */
};

#define NRFCRED_MANIFEST_V2_SIZE 52u

/* ------------------------------------------------------------------- table */

#define NRFCRED_TABLE_MAGIC   0x4254434eu /* "NCTB" */
#define NRFCRED_TABLE_VERSION 1u

/* Table flags */
#define NRFCRED_TABLE_F_IMEI_ONLY 0x00000001u /* read IMEI/CGMR only, write nothing */
/* Session only: before the entries, read AT%ATTESTTOKEN and send it up in
 * an ATTEST record (see "session"); the host answers with ACK. */
#define NRFCRED_TABLE_F_ATTEST 0x00000002u

/* Entry flags */
#define NRFCRED_ENTRY_F_DELETE_FIRST                                                               \
	0x01u /* delete (sec_tag,type) before writing; not-found is fine */

struct nrfcred_table_header {
	uint32_t magic;		/* NRFCRED_TABLE_MAGIC */
	uint16_t version;	/* NRFCRED_TABLE_VERSION */
	uint16_t count;		/* number of entries */
	uint32_t total_len;	/* header + all entries (incl. padding), bytes */
	uint32_t flags;		/* NRFCRED_TABLE_F_* */
	uint32_t entries_crc32; /* CRC-32/IEEE of bytes [header end, total_len) */
};

#define NRFCRED_TABLE_HEADER_SIZE 20u

/* Each entry is followed by `length` data bytes, then 0..3 padding bytes of
 * 0x00 so that the next entry starts 4-byte aligned. */
struct nrfcred_table_entry {
	uint32_t sec_tag; /* 0 .. 2147483647 */
	uint8_t type;	  /* enum nrfcred_cred_type */
	uint8_t flags;	  /* NRFCRED_ENTRY_F_* */
	uint16_t length;  /* data bytes that follow (no NUL terminator) */
};

#define NRFCRED_TABLE_ENTRY_SIZE 8u
#define NRFCRED_SEC_TAG_MAX	 2147483647u
/* Largest content the host puts in one entry by default (the old tool's limit). */
#define NRFCRED_CONTENT_MAX_DEFAULT 4077u
#define NRFCRED_TABLE_MAX_ENTRIES   64u

/* Types follow AT%CMNG. */
enum nrfcred_cred_type {
	NRFCRED_TYPE_CA_CERT = 0,
	NRFCRED_TYPE_CLIENT_CERT = 1,
	NRFCRED_TYPE_CLIENT_KEY = 2,
	NRFCRED_TYPE_PSK = 3,
	NRFCRED_TYPE_PSK_IDENTITY = 4,
	NRFCRED_TYPE_PUBLIC_KEY = 5,
	NRFCRED_TYPE_DEVICE_ID_PUBLIC_KEY = 6,
	NRFCRED_TYPE_COUNT = 7
};

/*
 * Table-only entry type (no AT%CMNG type): the modem makes the client key
 * of sec_tag itself (AT%KEYGEN=<sec_tag>,2,0,"<subject>","<key_usage>"),
 * the firmware sends the CSR up in a CSR record, the host answers with a
 * CERT record (session delivery only), and the firmware stores that
 * certificate as the client certificate (type 1) of sec_tag, then lists
 * its SHA-256 (AT%CMNG=1) into the entry's result. Entry data: the key
 * usage, exactly NRFCRED_KEYGEN_USAGE_LEN characters '0'/'1' (X.509
 * KeyUsage bits, digitalSignature first, as %KEYGEN takes them), then the
 * subject attributes ("CN=...,O=..."), 1..NRFCRED_KEYGEN_SUBJECT_MAX
 * printable ASCII characters without '"'. Old keys and certificates of
 * sec_tag (types 2 and 1) are deleted first. The private key never leaves
 * the modem.
 */
#define NRFCRED_TYPE_KEYGEN	    0x40u
#define NRFCRED_KEYGEN_USAGE_LEN    9u
#define NRFCRED_KEYGEN_SUBJECT_MAX 255u

/* ------------------------------------------------------------------ result */

#define NRFCRED_RESULT_MAGIC	      0x5352434eu /* "NCRS" */
#define NRFCRED_RESULT_VERSION	      1u
#define NRFCRED_RESULT_STATUS_PENDING 0xFFFFFFFFu

/* Result status codes (the status word). 0 = every step succeeded. */
enum nrfcred_result_status {
	NRFCRED_RES_OK = 0,
	NRFCRED_RES_MANIFEST_BAD = 1,  /* firmware's own manifest is inconsistent */
	NRFCRED_RES_TABLE_MISSING = 2, /* table area erased (no table written) */
	NRFCRED_RES_TABLE_BAD_MAGIC = 3,
	NRFCRED_RES_TABLE_BAD_VERSION = 4,
	NRFCRED_RES_TABLE_BAD_LENGTH = 5, /* total_len / entry bounds / count */
	NRFCRED_RES_TABLE_BAD_CRC = 6,
	NRFCRED_RES_TABLE_BAD_ENTRY = 7,   /* bad type, sec_tag, or content ('"', NUL) */
	NRFCRED_RES_MODEM_INIT = 8,	   /* modem library / AT channel did not come up */
	NRFCRED_RES_MODEM_OFFLINE = 9,	   /* AT+CFUN=4 failed */
	NRFCRED_RES_IMEI = 10,		   /* AT+CGSN failed or not 15 digits */
	NRFCRED_RES_MODEM_FW = 11,	   /* AT+CGMR failed */
	NRFCRED_RES_CRED_DELETE = 12,	   /* %CMNG=3 failed with other than not-found */
	NRFCRED_RES_CRED_WRITE = 13,	   /* %CMNG=0 failed (entry's modem_code says why) */
	NRFCRED_RES_CRED_HASH = 14,	   /* %CMNG=1 failed, lists no entry, or garbled */
	NRFCRED_RES_RESULT_TOO_LARGE = 15, /* result block does not fit result_max */
	NRFCRED_RES_FLASH_WRITE = 16,	   /* NVMC write of the result failed */
	NRFCRED_RES_INTERNAL = 17,
	NRFCRED_RES_KEYGEN = 18,	/* %KEYGEN failed (modem_code) or its answer is garbled */
	NRFCRED_RES_CERT_REFUSED = 19,	/* the host refused the CSR, or its CERT/ACK was bad */
	NRFCRED_RES_NEEDS_SESSION = 20, /* KEYGEN entry or F_ATTEST in the flash delivery */
};

/* Result layout (offsets from the result area start):
 *   0   status       u32  written LAST
 *   4   magic        u32  NRFCRED_RESULT_MAGIC
 *   8   version      u16
 *   10  count        u16  entries that follow
 *   12  total_len    u32  whole block incl. status and trailing CRC
 *   16  table_crc32  u32  entries_crc32 of the table this run processed
 *   20  fail_index   u16  entry index that failed, 0xFFFF = none
 *   22  reserved     u16  0xFFFF
 *   24  imei[16]     15 ASCII digits + NUL ("" if unknown)
 *   40  modem_fw[32] AT+CGMR text, NUL terminated, NUL padded
 *   72  entries[count] of struct nrfcred_result_entry (44 bytes each)
 *   72+44*count  crc32  u32  CRC-32/IEEE of bytes [4, total_len - 4)
 */
struct nrfcred_result_header {
	uint32_t status;
	uint32_t magic;
	uint16_t version;
	uint16_t count;
	uint32_t total_len;
	uint32_t table_crc32;
	uint16_t fail_index;
	uint16_t reserved;
	char imei[16];
	char modem_fw[32];
};

#define NRFCRED_RESULT_HEADER_SIZE 72u
#define NRFCRED_RESULT_NO_FAIL	   0xFFFFu

struct nrfcred_result_entry {
	uint32_t sec_tag;
	uint8_t type;
	uint8_t flags;	    /* NRFCRED_RESULT_E_* */
	uint16_t reserved;  /* 0xFFFF */
	int32_t modem_code; /* 0 OK, CME error code (513..), or -1 for a plain ERROR */
	uint8_t sha256[32]; /* SHA-256 the modem reports (AT%CMNG=1), zero if none */
};

#define NRFCRED_RESULT_ENTRY_SIZE 44u
/* AT%CMNG=0 answered OK. */
#define NRFCRED_RESULT_E_WRITTEN 0x01u
/* DELETE_FIRST: AT%CMNG=3 removed an existing credential. */
#define NRFCRED_RESULT_E_DELETED 0x02u
/* AT%CMNG=1 listed the credential with its SHA-256; sha256 holds it.
 * For a KEYGEN entry (type NRFCRED_TYPE_KEYGEN) every flag and the digest
 * are about the client certificate the host sent in its CERT record. */
#define NRFCRED_RESULT_E_HASH_VALID 0x04u
/*
 * AT%CMNG=1 listed the credential as `%CMNG: <tag>,<type>`, without the
 * <sha> field (the AT command reference makes it optional; nRF Cloud utils
 * verify digests only from modem firmware 1.3.2 on). sha256 stays zero and
 * HASH_VALID is clear; the entry counts as written and the status may be 0:
 * whether an undigested entry is good enough is the host's policy. An entry
 * the modem does not list at all after the write fails the run with
 * NRFCRED_RES_CRED_HASH instead. A host that predates this flag rejects the
 * block as malformed (unknown entry flag), it never accepts it.
 */
#define NRFCRED_RESULT_E_LISTED_NO_DIGEST 0x08u

#define NRFCRED_RESULT_SIZE(count)                                                                 \
	(NRFCRED_RESULT_HEADER_SIZE + NRFCRED_RESULT_ENTRY_SIZE * (count) + 4u)

/* ------------------------------------------------------- live progress word */
/* progress = phase << 24 | entry_index << 16 | entries_total.
 * The host only displays it; correctness never depends on it. */
enum nrfcred_progress_phase {
	NRFCRED_PHASE_BOOT = 1,
	NRFCRED_PHASE_TABLE = 2,
	NRFCRED_PHASE_OFFLINE = 3,
	NRFCRED_PHASE_IDENTIFY = 4,
	NRFCRED_PHASE_CREDENTIALS = 5,
	NRFCRED_PHASE_RESULT = 6,
	NRFCRED_PHASE_DONE = 7
};

/* ----------------------------------------------------------------- session */
/*
 * The RAM mailbox of a session firmware (manifest v2, F_SESSION), version 1.
 * All words little-endian, every field 4-byte aligned; the host accesses it
 * over the MEM-AP while the core runs, the firmware with plain (volatile)
 * loads and stores.
 *
 *   [0x0000, 0x0040)  header, below
 *   [0x0040, 0x1000)  UP area: the firmware's current record (firmware -> host)
 *   [0x1000, size)    DOWN area: the host's current record (host -> firmware)
 *
 * Header (written by the firmware at boot, after it has cleared the whole
 * mailbox; the host writes only host_seq):
 *   0x00 magic    u32  NRFCRED_MBOX_MAGIC
 *   0x04 version  u16  NRFCRED_MBOX_VERSION
 *   0x06 hdr_size u16  NRFCRED_MBOX_HEADER_SIZE
 *   0x08 size     u32  the manifest's mailbox_size
 *   0x0C nonce    u32  fresh for every boot, never 0
 *   0x10 fw_seq   u32  seq of the last complete UP record; written LAST
 *   0x14 ack_seq  u32  seq of the last DOWN record the firmware took (set
 *                      before it starts working on it: the host sees work
 *                      begin; a rejected record is taken too)
 *   0x18 host_seq u32  seq of the last complete DOWN record; the host writes
 *                      it LAST, after the record (the doorbell)
 *   0x1C..0x3F    0
 *
 * Record (either area):
 *   0  magic   u32  NRFCRED_REC_MAGIC
 *   4  version u16  NRFCRED_REC_VERSION
 *   6  type    u16  enum nrfcred_rec_type
 *   8  length  u32  whole record: header + payload + CRC, a multiple of 4,
 *                   at most the area's size
 *   12 seq     u32  UP: 1 for READY, +1 for each later record of this boot;
 *                   DOWN: 1 for the first request of a boot, +1 each
 *   16 nonce   u32  the boot's nonce (a DOWN record names the boot it was
 *                   written for; the firmware rejects another)
 *   20 ref     u32  UP: seq of the DOWN record answered (0 for READY);
 *                   DOWN: the fw_seq the host last read
 *   24 payload      length - 28 bytes (zero padded to a word)
 *   length-4  crc32 u32  CRC-32/IEEE of bytes [0, length - 4)
 *
 * Conversation:
 *   1. Boot: the firmware clears the mailbox, switches the modem offline,
 *      reads IMEI and modem firmware, writes the header and a READY record,
 *      then fw_seq = 1.
 *   2. The host reads READY, writes a TABLE record (payload: a table exactly
 *      as in the flash delivery), reads it back, then host_seq.
 *   3. The firmware checks the record (magic, version, length, seq =
 *      ack_seq + 1, nonce, ref = fw_seq, CRC); sets ack_seq; answers REJECT
 *      for a malformed record, else runs the table (same checks and modem
 *      sequence as the flash delivery), clears the DOWN area, and writes a
 *      RESULT record (payload: a result block exactly as in the flash
 *      delivery, status set) and fw_seq.
 *   4. More rounds may follow (later request types). The host ends with an
 *      END record; the firmware clears the DOWN area, every buffer that held
 *      credential text and the UP area, writes DONE and fw_seq, and then only
 *      answers further requests with REJECT (NRFCRED_REJ_STATE).
 *   5. The host checks that the mailbox reads back as zeroes outside the
 *      header and the DONE record.
 * A board that resets itself meanwhile (an NCS image's first boot) starts
 * again at 1. with a new nonce: the host notices the nonce (or fw_seq going
 * back to 1 with a READY) and repeats its request for the new boot.
 * Host reads are not atomic against the firmware's writes: a record whose
 * CRC fails while fw_seq or nonce changed under the read is read again; one
 * that fails with both stable is malformed.
 */
#define NRFCRED_MBOX_MAGIC	 0x424D434Eu /* "NCMB" */
#define NRFCRED_MBOX_VERSION	 1u
#define NRFCRED_MBOX_HEADER_SIZE 0x40u
#define NRFCRED_MBOX_UP_OFFSET	 0x40u
#define NRFCRED_MBOX_UP_MAX	 (0x1000u - 0x40u)
#define NRFCRED_MBOX_DOWN_OFFSET 0x1000u
/* Smallest mailbox: one page of header and UP area, one page of DOWN area. */
#define NRFCRED_MBOX_MIN_SIZE 0x2000u
/* Largest the host accepts (a quarter of the nRF91's 256 KB of RAM). */
#define NRFCRED_MBOX_MAX_SIZE 0x10000u

#define NRFCRED_MBOX_OFF_MAGIC	  0x00u
#define NRFCRED_MBOX_OFF_VERSION  0x04u
#define NRFCRED_MBOX_OFF_HDR_SIZE 0x06u
#define NRFCRED_MBOX_OFF_SIZE	  0x08u
#define NRFCRED_MBOX_OFF_NONCE	  0x0Cu
#define NRFCRED_MBOX_OFF_FW_SEQ	  0x10u
#define NRFCRED_MBOX_OFF_ACK_SEQ  0x14u
#define NRFCRED_MBOX_OFF_HOST_SEQ 0x18u

#define NRFCRED_REC_MAGIC	0x5253434Eu /* "NCSR" */
#define NRFCRED_REC_VERSION	1u
#define NRFCRED_REC_HEADER_SIZE 24u
/* Header + CRC: the smallest record (an empty payload). */
#define NRFCRED_REC_OVERHEAD 28u

enum nrfcred_rec_type {
	/* firmware -> host (UP) */
	NRFCRED_REC_READY = 0x0001,
	NRFCRED_REC_RESULT = 0x0002,
	NRFCRED_REC_REJECT = 0x0003,
	NRFCRED_REC_DONE = 0x0004,
	NRFCRED_REC_CSR = 0x0005,    /* a KEYGEN entry's CSR; the host answers CERT */
	NRFCRED_REC_ATTEST = 0x0006, /* the attestation token; the host answers ACK */
	/* host -> firmware (DOWN) */
	NRFCRED_REC_TABLE = 0x0101,
	NRFCRED_REC_END = 0x0102,
	NRFCRED_REC_CERT = 0x0103, /* the certificate issued for a CSR */
	NRFCRED_REC_ACK = 0x0104,  /* an ATTEST record was read */
};

/*
 * Rounds inside a TABLE (KEYGEN entries, F_ATTEST). The TABLE record stays
 * where it is until its RESULT (the firmware reads the table in place), so
 * the host writes its answers -- CERT, ACK -- right after it: at DOWN
 * offset + the TABLE record's length. Each answer follows the usual rules
 * (seq = ack_seq + 1, ref = the fw_seq of the CSR/ATTEST it answers, nonce,
 * CRC; host_seq last). One that is malformed, of another type, or an END
 * ends the table: its RESULT says NRFCRED_RES_CERT_REFUSED at that entry.
 *
 * CSR payload:   0 sec_tag u32, 4 entry index u16, 6 csr_len u16,
 *                8 cose_len u16, 10 reserved u16 (0), 12 CSR (DER,
 *                PKCS#10) csr_len bytes, then the COSE_Sign1 the modem
 *                signed it with (cose_len bytes), zero padded to a word.
 * CERT payload:  0 sec_tag u32 (the CSR's), 4 pem_len u32, 8 the client
 *                certificate, PEM, pem_len bytes (no '"', no NUL), padded;
 *                pem_len 0: the host refused the CSR.
 * ATTEST payload: 0 modem_code i32 (0: the token follows; a CME code or -1:
 *                the modem refused AT%ATTESTTOKEN, e.g. a firmware without
 *                it), 4 token_len u32, 8 the token as the modem printed it
 *                between the quotes ("<base64url>.<base64url>"), padded.
 * ACK payload:   empty.
 */
#define NRFCRED_CSR_PAYLOAD_HEADER    12u
#define NRFCRED_CERT_PAYLOAD_HEADER   8u
#define NRFCRED_ATTEST_PAYLOAD_HEADER 8u

/* READY payload (64 bytes):
 *   0  fw_version u32  as in the manifest
 *   4  caps       u32  NRFCRED_CAP_*
 *   8  status     u32  enum nrfcred_result_status of the boot's modem steps
 *                      (MODEM_INIT, MODEM_OFFLINE, IMEI, MODEM_FW, or OK);
 *                      not OK: a TABLE is answered with a RESULT carrying it
 *   12 reserved   u32  0
 *   16 imei[16]        15 ASCII digits + NUL ("" if unknown)
 *   32 modem_fw[32]    AT+CGMR text, NUL terminated, NUL padded */
#define NRFCRED_READY_PAYLOAD_SIZE 64u
#define NRFCRED_CAP_TABLE	   0x00000001u /* answers TABLE with RESULT */
#define NRFCRED_CAP_KEYGEN	   0x00000002u /* runs KEYGEN entries (CSR/CERT) */
#define NRFCRED_CAP_ATTEST	   0x00000004u /* runs NRFCRED_TABLE_F_ATTEST (ATTEST/ACK) */

/* REJECT payload (8 bytes): reason u32 (enum nrfcred_reject), detail u32
 * (the rejected record's seq as the firmware read it). */
#define NRFCRED_REJECT_PAYLOAD_SIZE 8u
enum nrfcred_reject {
	NRFCRED_REJ_MAGIC = 1,	 /* record magic wrong */
	NRFCRED_REJ_VERSION = 2, /* record version unknown */
	NRFCRED_REJ_LENGTH = 3,	 /* length not a multiple of 4, too short or past the area */
	NRFCRED_REJ_CRC = 4,	 /* CRC-32 mismatch */
	NRFCRED_REJ_NONCE = 5,	 /* written for another boot */
	NRFCRED_REJ_SEQ = 6,	 /* seq is not ack_seq + 1, or ref is not fw_seq */
	NRFCRED_REJ_TYPE = 7,	 /* unknown request type, or a payload of the wrong size */
	NRFCRED_REJ_STATE = 8,	 /* a request after END */
};

/* DONE payload (4 bytes): status u32, 0 = the mailbox and the firmware's
 * own buffers cleared. Not covered: copies a modem library keeps in its
 * own shared memory (firmware/ncs/README.md); WIPE's erase-all clears RAM. */
#define NRFCRED_DONE_PAYLOAD_SIZE 4u

#if defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L
_Static_assert(sizeof(struct nrfcred_manifest) == NRFCRED_MANIFEST_SIZE, "manifest layout");
_Static_assert(sizeof(struct nrfcred_manifest_v2) == NRFCRED_MANIFEST_V2_SIZE,
	       "manifest v2 layout");
_Static_assert(sizeof(struct nrfcred_table_header) == NRFCRED_TABLE_HEADER_SIZE,
	       "table header layout");
_Static_assert(sizeof(struct nrfcred_table_entry) == NRFCRED_TABLE_ENTRY_SIZE,
	       "table entry layout");
_Static_assert(sizeof(struct nrfcred_result_header) == NRFCRED_RESULT_HEADER_SIZE,
	       "result header layout");
_Static_assert(sizeof(struct nrfcred_result_entry) == NRFCRED_RESULT_ENTRY_SIZE,
	       "result entry layout");
#endif

#ifdef __cplusplus
}
#endif

#endif
