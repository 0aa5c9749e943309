/* MEM-AP accesses; see memap.h. */
#include "swd/memap.h"

#include <string.h>

#define TAR_BLOCK    1024u /* ADIv5 minimum auto-increment range */
#define READ_RETRIES 3

void memap_init(struct memap *m, struct adi *adi, uint8_t ap)
{
	m->adi = adi;
	m->ap = ap;
	m->csw_valid = false;
	m->csw = 0;
}

void memap_invalidate(struct memap *m)
{
	m->csw_valid = false;
}

/* CSW is written once per run of same-size accesses and cached. */
static void set_csw(struct memap *m, uint32_t size)
{
	uint32_t csw = MEMAP_CSW_PROT | MEMAP_CSW_ADDRINC_SINGLE | size;
	if (m->csw_valid && m->csw == csw)
		return;
	adi_queue_ap_write(m->adi, m->ap, MEMAP_CSW, csw);
	m->csw = csw;
	m->csw_valid = true;
}

static adi_err flush(struct memap *m)
{
	adi_err err = adi_flush(m->adi);
	if (err != ADI_OK)
		memap_invalidate(m);
	return err;
}

void memap_queue_read_u32(struct memap *m, uint32_t addr, uint32_t *dest)
{
	set_csw(m, MEMAP_CSW_SIZE32);
	adi_queue_ap_write(m->adi, m->ap, MEMAP_TAR, addr);
	adi_queue_mem_read(m->adi, m->ap, addr, dest);
}

void memap_queue_write_u32(struct memap *m, uint32_t addr, uint32_t value)
{
	set_csw(m, MEMAP_CSW_SIZE32);
	adi_queue_ap_write(m->adi, m->ap, MEMAP_TAR, addr);
	adi_queue_mem_write(m->adi, m->ap, addr, value);
}

adi_err memap_read_u32(struct memap *m, uint32_t addr, uint32_t *value)
{
	memap_queue_read_u32(m, addr, value);
	return flush(m);
}

adi_err memap_write_u32(struct memap *m, uint32_t addr, uint32_t value)
{
	memap_queue_write_u32(m, addr, value);
	return flush(m);
}

adi_err memap_read_u8(struct memap *m, uint32_t addr, uint8_t *value)
{
	uint32_t word = 0;
	set_csw(m, MEMAP_CSW_SIZE8);
	adi_queue_ap_write(m->adi, m->ap, MEMAP_TAR, addr);
	adi_queue_mem_read(m->adi, m->ap, addr, &word);
	adi_err err = flush(m);
	/* A byte access returns the byte on its lane of the 32-bit bus. */
	if (err == ADI_OK)
		*value = (uint8_t)(word >> (8u * (addr & 3u)));
	return err;
}

adi_err memap_write_u8(struct memap *m, uint32_t addr, uint8_t value)
{
	set_csw(m, MEMAP_CSW_SIZE8);
	adi_queue_ap_write(m->adi, m->ap, MEMAP_TAR, addr);
	adi_queue_mem_write(m->adi, m->ap, addr, (uint32_t)value << (8u * (addr & 3u)));
	return flush(m);
}

adi_err memap_read_csw(struct memap *m, uint32_t *csw)
{
	adi_queue_ap_read(m->adi, m->ap, MEMAP_CSW, csw);
	return flush(m);
}

void memap_queue_read_words(struct memap *m, uint32_t addr, uint32_t *words, size_t count)
{
	set_csw(m, MEMAP_CSW_SIZE32);
	for (size_t i = 0; i < count; i++) {
		uint32_t a = addr + (uint32_t)(i * 4u);
		if (i == 0 || a % TAR_BLOCK == 0)
			adi_queue_ap_write(m->adi, m->ap, MEMAP_TAR, a);
		adi_queue_mem_read(m->adi, m->ap, a, &words[i]);
	}
}

void memap_queue_write_words(struct memap *m, uint32_t addr, const uint32_t *words, size_t count,
			     uint32_t idle_after_each)
{
	set_csw(m, MEMAP_CSW_SIZE32);
	for (size_t i = 0; i < count; i++) {
		uint32_t a = addr + (uint32_t)(i * 4u);
		if (i == 0 || a % TAR_BLOCK == 0)
			adi_queue_ap_write(m->adi, m->ap, MEMAP_TAR, a);
		adi_queue_mem_write(m->adi, m->ap, a, words[i]);
		if (idle_after_each)
			adi_queue_idle(m->adi, idle_after_each);
	}
}

/* Word reads are chunked so a huge read does not queue megabytes at once. */
#define READ_CHUNK_WORDS 1024u

/* Bytes before the first word boundary at addr (at most len). */
static size_t unaligned_head(uint32_t addr, size_t len)
{
	size_t head = (4u - (addr & 3u)) & 3u;
	return head < len ? head : len;
}

/* Byte accesses for the unaligned edges of a block. */
static adi_err read_bytes(struct memap *m, uint32_t addr, uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		adi_err err = memap_read_u8(m, addr + (uint32_t)i, p + i);
		if (err != ADI_OK)
			return err;
	}
	return ADI_OK;
}

static adi_err write_bytes(struct memap *m, uint32_t addr, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		adi_err err = memap_write_u8(m, addr + (uint32_t)i, p[i]);
		if (err != ADI_OK)
			return err;
	}
	return ADI_OK;
}

adi_err memap_read_block(struct memap *m, uint32_t addr, void *buf, size_t len)
{
	uint8_t *p = buf;
	size_t head = unaligned_head(addr, len);
	adi_err head_err = read_bytes(m, addr, p, head);
	if (head_err != ADI_OK)
		return head_err;
	addr += (uint32_t)head, p += head, len -= head;
	uint32_t words[READ_CHUNK_WORDS];
	while (len >= 4) {
		size_t n = len / 4 < READ_CHUNK_WORDS ? len / 4 : READ_CHUNK_WORDS;
		adi_err err = ADI_OK;
		for (int attempt = 0; attempt < READ_RETRIES; attempt++) {
			memap_queue_read_words(m, addr, words, n);
			err = flush(m);
			if (err != ADI_ERR_PARITY)
				break;
		}
		if (err != ADI_OK) {
			explicit_bzero(words, sizeof words);
			return err;
		}
		for (size_t i = 0; i < n; i++) {
			p[4 * i] = (uint8_t)words[i];
			p[4 * i + 1] = (uint8_t)(words[i] >> 8);
			p[4 * i + 2] = (uint8_t)(words[i] >> 16);
			p[4 * i + 3] = (uint8_t)(words[i] >> 24);
		}
		addr += (uint32_t)(n * 4), p += n * 4, len -= n * 4;
	}
	/* The words may have been key bytes (credential table read-back). */
	explicit_bzero(words, sizeof words);
	return read_bytes(m, addr, p, len);
}

adi_err memap_write_block(struct memap *m, uint32_t addr, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	size_t head = unaligned_head(addr, len);
	adi_err head_err = write_bytes(m, addr, p, head);
	if (head_err != ADI_OK)
		return head_err;
	addr += (uint32_t)head, p += head, len -= head;
	uint32_t words[READ_CHUNK_WORDS];
	while (len >= 4) {
		size_t n = len / 4 < READ_CHUNK_WORDS ? len / 4 : READ_CHUNK_WORDS;
		for (size_t i = 0; i < n; i++)
			words[i] = (uint32_t)p[4 * i] | (uint32_t)p[4 * i + 1] << 8 |
				   (uint32_t)p[4 * i + 2] << 16 | (uint32_t)p[4 * i + 3] << 24;
		memap_queue_write_words(m, addr, words, n, 0);
		adi_err err = flush(m);
		if (err != ADI_OK) {
			explicit_bzero(words, sizeof words);
			return err;
		}
		addr += (uint32_t)(n * 4), p += n * 4, len -= n * 4;
	}
	/* The words may have been key bytes (the credential table). */
	explicit_bzero(words, sizeof words);
	return write_bytes(m, addr, p, len);
}
