/* Credential store blob of the simulated modem. The blob lives in the board's
 * state file and may be damaged (hand-edited, truncated): every walk checks
 * the bounds first, and an update rebuilds the blob in a scratch buffer so a
 * failure leaves the old store untouched. */
#include "modem_store.h"

#include <stdlib.h>
#include <string.h>

#include "modem.h"

#define HDR 8u
#define ENT 8u

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static void wr32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static uint32_t padded(uint32_t n)
{
	return (n + 3u) & ~3u;
}

int mstore_count(const uint8_t *blob, uint32_t len)
{
	if (len == 0)
		return 0;
	if (len < HDR || rd32(blob) != SIMMODEM_STORE_MAGIC || rd16(blob + 4) != 1)
		return MSTORE_CORRUPT;
	uint16_t count = rd16(blob + 6);
	uint32_t off = HDR;
	uint64_t prev_key = 0;
	for (uint16_t i = 0; i < count; i++) {
		if (len - off < ENT)
			return MSTORE_CORRUPT;
		uint16_t n = rd16(blob + off + 6);
		uint64_t key = (uint64_t)rd32(blob + off) << 8 | blob[off + 4];
		if (n == 0 || n > SIMMODEM_CONTENT_MAX || padded(n) > len - off - ENT ||
		    (i > 0 && key <= prev_key))
			return MSTORE_CORRUPT;
		prev_key = key;
		off += ENT + padded(n);
	}
	if (off != len)
		return MSTORE_CORRUPT;
	return count;
}

void mstore_entry_at(const uint8_t *blob, uint32_t len, int index, struct mstore_entry *e)
{
	(void)len;
	uint32_t off = HDR;
	for (int i = 0; i < index; i++)
		off += ENT + padded(rd16(blob + off + 6));
	e->sec_tag = rd32(blob + off);
	e->type = blob[off + 4];
	e->length = rd16(blob + off + 6);
	e->content = blob + off + ENT;
}

int mstore_find(const struct mstore *s, uint32_t sec_tag, uint8_t type, struct mstore_entry *e)
{
	int count = mstore_count(s->blob, *s->len);
	for (int i = 0; i < count; i++) {
		mstore_entry_at(s->blob, *s->len, i, e);
		if (e->sec_tag == sec_tag && e->type == type)
			return MSTORE_OK;
	}
	return count < 0 ? MSTORE_CORRUPT : MSTORE_NOT_FOUND;
}

/* Rebuilds the blob without (sec_tag,type) and, if content != NULL, with
 * the new entry in its sorted place. */
static int rebuild(struct mstore *s, uint32_t sec_tag, uint8_t type, const uint8_t *content,
		   uint16_t length, bool *found)
{
	int count = mstore_count(s->blob, *s->len);
	if (count < 0)
		return MSTORE_CORRUPT;
	uint8_t *out = malloc(s->cap);
	if (!out)
		return MSTORE_NOMEM;
	uint64_t key = (uint64_t)sec_tag << 8 | type;
	uint32_t off = HDR;
	uint16_t n_out = 0;
	bool placed = content == NULL;
	int rc = MSTORE_OK;
	*found = false;
	for (int i = 0; i <= count && rc == MSTORE_OK; i++) {
		struct mstore_entry e = {0};
		bool have = i < count;
		if (have)
			mstore_entry_at(s->blob, *s->len, i, &e);
		uint64_t ekey = (uint64_t)e.sec_tag << 8 | e.type;
		if (!placed && (!have || ekey >= key)) {
			if (off + ENT + padded(length) > s->cap) {
				rc = MSTORE_FULL;
				break;
			}
			wr32(out + off, sec_tag);
			out[off + 4] = type;
			out[off + 5] = 0;
			wr16(out + off + 6, length);
			memset(out + off + ENT, 0, padded(length));
			memcpy(out + off + ENT, content, length);
			off += ENT + padded(length);
			n_out++;
			placed = true;
		}
		if (!have)
			break;
		if (ekey == key) {
			*found = true;
			continue;
		}
		if (off + ENT + padded(e.length) > s->cap) {
			rc = MSTORE_FULL;
			break;
		}
		memcpy(out + off, s->blob + (e.content - s->blob) - ENT, ENT + padded(e.length));
		off += ENT + padded(e.length);
		n_out++;
	}
	if (rc == MSTORE_OK) {
		wr32(out, SIMMODEM_STORE_MAGIC);
		wr16(out + 4, 1);
		wr16(out + 6, n_out);
		uint32_t new_len = n_out == 0 ? 0 : off;
		memcpy(s->blob, out, new_len);
		/* Credentials are secrets: no stale copy past the new end. */
		if (*s->len > new_len)
			memset(s->blob + new_len, 0, *s->len - new_len);
		*s->len = new_len;
	}
	memset(out, 0, s->cap);
	free(out);
	return rc;
}

int mstore_put(struct mstore *s, uint32_t sec_tag, uint8_t type, const uint8_t *content,
	       uint16_t length)
{
	bool found;
	return rebuild(s, sec_tag, type, content, length, &found);
}

int mstore_delete(struct mstore *s, uint32_t sec_tag, uint8_t type)
{
	struct mstore_entry e;
	int rc = mstore_find(s, sec_tag, type, &e);
	if (rc != MSTORE_OK)
		return rc;
	bool found;
	return rebuild(s, sec_tag, type, NULL, 0, &found);
}
