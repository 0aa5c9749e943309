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
 * Flow:
 *   - The firmware image carries one MANIFEST (found by its 8-byte magic and
 *     checked by CRC32). It names an erased TABLE area and an erased RESULT
 *     area (separate flash pages) and, optionally, a RAM word the firmware
 *     updates with its progress.
 *   - The host writes a TABLE into the table area of the image before it
 *     flashes it.
 *   - The firmware writes a RESULT block into the result area; the status
 *     word at offset 0 is written last, so a host that sees a status other
 *     than 0xFFFFFFFF knows the rest of the block is complete.
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

/* ------------------------------------------------------------------- table */

#define NRFCRED_TABLE_MAGIC   0x4254434eu /* "NCTB" */
#define NRFCRED_TABLE_VERSION 1u

/* Table flags */
#define NRFCRED_TABLE_F_IMEI_ONLY 0x00000001u /* read IMEI/CGMR only, write nothing */

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
	NRFCRED_RES_INTERNAL = 17
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
/* AT%CMNG=1 listed the credential with its SHA-256; sha256 holds it. */
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

#if defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L
_Static_assert(sizeof(struct nrfcred_manifest) == NRFCRED_MANIFEST_SIZE, "manifest layout");
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
