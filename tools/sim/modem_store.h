/* The simulated modem's credential store blob (format in modem.h). */
#ifndef NRFSIM_MODEM_STORE_H
#define NRFSIM_MODEM_STORE_H

#include <stdbool.h>
#include <stdint.h>

struct mstore {
	uint8_t *blob;
	uint32_t *len;
	uint32_t cap;
};

struct mstore_entry {
	uint32_t sec_tag;
	uint8_t type;
	uint16_t length;
	const uint8_t *content;
};

enum mstore_err {
	MSTORE_OK = 0,
	MSTORE_NOT_FOUND = -1,
	MSTORE_FULL = -2,
	MSTORE_CORRUPT = -3,
	MSTORE_NOMEM = -4,
};

/* Number of entries of a well-formed blob, MSTORE_CORRUPT otherwise. */
int mstore_count(const uint8_t *blob, uint32_t len);
/* The index-th entry of a well-formed blob (0 <= index < count). */
void mstore_entry_at(const uint8_t *blob, uint32_t len, int index, struct mstore_entry *e);
/* Finds (sec_tag,type); MSTORE_OK or MSTORE_NOT_FOUND. */
int mstore_find(const struct mstore *s, uint32_t sec_tag, uint8_t type, struct mstore_entry *e);
/* Inserts or overwrites (sec_tag,type), keeping the order. */
int mstore_put(struct mstore *s, uint32_t sec_tag, uint8_t type, const uint8_t *content,
	       uint16_t length);
int mstore_delete(struct mstore *s, uint32_t sec_tag, uint8_t type);

#endif
