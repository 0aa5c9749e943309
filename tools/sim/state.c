/* Persistent board state file: see state.h for the layout. */
#include "state.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define OFF_VERSION    8u
#define OFF_HDRSIZE    12u
#define OFF_PART       16u
#define OFF_FLAGS      20u
#define OFF_DEVICEID   24u
#define OFF_IMEI       32u
#define OFF_MODEMFW    48u
#define OFF_FLASHSZ    80u
#define OFF_UICRSZ     84u
#define OFF_STORECAP   88u
#define OFF_STORELEN   92u
#define FLAG_APPROTECT 1u

#define BODY_SIZE ((size_t)SIM_FLASH_SIZE + SIM_UICR_SIZE + SIMSTATE_MODEM_STORE_SIZE)

/* simstate_map hands out the header's length field as a native u32. */
#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the board state mapping assumes a little-endian host (state.h)"
#endif

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

struct simstate *simstate_new(void)
{
	struct simstate *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	memset(s->flash, 0xFF, sizeof(s->flash));
	memset(s->uicr, 0xFF, sizeof(s->uicr));
	return s;
}

void simstate_free(struct simstate *s)
{
	free(s);
}

static enum simstate_err read_all(int fd, void *buf, size_t len, off_t off)
{
	uint8_t *p = buf;
	while (len > 0) {
		ssize_t n = pread(fd, p, len, off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return SIMSTATE_ERR_IO;
		if (n == 0)
			return SIMSTATE_ERR_FORMAT; /* truncated */
		p += n;
		len -= (size_t)n;
		off += n;
	}
	return SIMSTATE_OK;
}

static enum simstate_err write_all(int fd, const void *buf, size_t len, off_t off)
{
	const uint8_t *p = buf;
	while (len > 0) {
		ssize_t n = pwrite(fd, p, len, off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return SIMSTATE_ERR_IO;
		p += n;
		len -= (size_t)n;
		off += n;
	}
	return SIMSTATE_OK;
}

/* The header's fields, as both the loader and the mapping take them. */
struct header {
	enum simboard_part part;
	bool approtect_cfg;
	uint64_t device_id;
	char imei[16];
	char modem_fw[32];
	uint32_t modem_store_len;
};

static enum simstate_err read_header(int fd, struct header *out)
{
	uint8_t h[SIMSTATE_HEADER_SIZE];
	enum simstate_err e = read_all(fd, h, sizeof(h), 0);
	if (e != SIMSTATE_OK)
		return e;
	if (memcmp(h, SIMSTATE_MAGIC, 8) != 0)
		return SIMSTATE_ERR_FORMAT;
	if (get32(h + OFF_VERSION) > SIMSTATE_VERSION)
		return SIMSTATE_ERR_VERSION;
	if (get32(h + OFF_VERSION) == 0 || get32(h + OFF_HDRSIZE) != SIMSTATE_HEADER_SIZE ||
	    get32(h + OFF_FLASHSZ) != SIM_FLASH_SIZE || get32(h + OFF_UICRSZ) != SIM_UICR_SIZE ||
	    get32(h + OFF_STORECAP) != SIMSTATE_MODEM_STORE_SIZE)
		return SIMSTATE_ERR_FORMAT;
	uint32_t part = get32(h + OFF_PART);
	uint32_t len = get32(h + OFF_STORELEN);
	if (part > SIMBOARD_NRF9151 || len > SIMSTATE_MODEM_STORE_SIZE)
		return SIMSTATE_ERR_FORMAT;
	out->part = (enum simboard_part)part;
	out->approtect_cfg = (get32(h + OFF_FLAGS) & FLAG_APPROTECT) != 0;
	out->device_id = (uint64_t)get32(h + OFF_DEVICEID) | (uint64_t)get32(h + OFF_DEVICEID + 4)
								     << 32;
	memcpy(out->imei, h + OFF_IMEI, sizeof(out->imei));
	out->imei[sizeof(out->imei) - 1] = '\0';
	memcpy(out->modem_fw, h + OFF_MODEMFW, sizeof(out->modem_fw));
	out->modem_fw[sizeof(out->modem_fw) - 1] = '\0';
	out->modem_store_len = len;
	return SIMSTATE_OK;
}

enum simstate_err simstate_read_fd(int fd, struct simstate *s)
{
	struct header h;
	enum simstate_err e = read_header(fd, &h);
	if (e != SIMSTATE_OK)
		return e;
	s->part = h.part;
	s->approtect_cfg = h.approtect_cfg;
	s->device_id = h.device_id;
	memcpy(s->imei, h.imei, sizeof(s->imei));
	memcpy(s->modem_fw, h.modem_fw, sizeof(s->modem_fw));
	s->modem_store_len = h.modem_store_len;
	off_t off = SIMSTATE_HEADER_SIZE;
	if ((e = read_all(fd, s->flash, sizeof(s->flash), off)) != SIMSTATE_OK)
		return e;
	off += (off_t)sizeof(s->flash);
	if ((e = read_all(fd, s->uicr, sizeof(s->uicr), off)) != SIMSTATE_OK)
		return e;
	off += (off_t)sizeof(s->uicr);
	return read_all(fd, s->modem_store, sizeof(s->modem_store), off);
}

enum simstate_err simstate_map_fd(int fd, struct simstate_map *m)
{
	memset(m, 0, sizeof(*m));
	struct header h;
	enum simstate_err e = read_header(fd, &h);
	if (e != SIMSTATE_OK)
		return e;
	/* A short file would map, and then SIGBUS at the first access past
	 * its end. */
	struct stat sb;
	if (fstat(fd, &sb) != 0)
		return SIMSTATE_ERR_IO;
	size_t size = SIMSTATE_HEADER_SIZE + BODY_SIZE;
	if ((uint64_t)sb.st_size < size)
		return SIMSTATE_ERR_FORMAT;
	void *base = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (base == MAP_FAILED)
		return errno == ENOMEM ? SIMSTATE_ERR_NOMEM : SIMSTATE_ERR_IO;
	uint8_t *p = base;
	m->part = h.part;
	m->approtect_cfg = h.approtect_cfg;
	m->device_id = h.device_id;
	memcpy(m->imei, h.imei, sizeof(m->imei));
	memcpy(m->modem_fw, h.modem_fw, sizeof(m->modem_fw));
	m->flash = p + SIMSTATE_HEADER_SIZE;
	m->uicr = m->flash + SIM_FLASH_SIZE;
	m->modem_store = m->uicr + SIM_UICR_SIZE;
	/* Page-aligned base + 92: an aligned u32, little-endian like the file. */
	m->modem_store_len = (uint32_t *)(void *)(p + OFF_STORELEN);
	m->base = base;
	m->size = size;
	return SIMSTATE_OK;
}

void simstate_unmap(struct simstate_map *m)
{
	if (m->base)
		munmap(m->base, m->size);
	memset(m, 0, sizeof(*m));
}

enum simstate_err simstate_write_fd(int fd, const struct simstate *s)
{
	uint8_t h[SIMSTATE_HEADER_SIZE];
	memset(h, 0, sizeof(h));
	memcpy(h, SIMSTATE_MAGIC, 8);
	put32(h + OFF_VERSION, SIMSTATE_VERSION);
	put32(h + OFF_HDRSIZE, SIMSTATE_HEADER_SIZE);
	put32(h + OFF_PART, (uint32_t)s->part);
	put32(h + OFF_FLAGS, s->approtect_cfg ? FLAG_APPROTECT : 0);
	put32(h + OFF_DEVICEID, (uint32_t)s->device_id);
	put32(h + OFF_DEVICEID + 4, (uint32_t)(s->device_id >> 32));
	memcpy(h + OFF_IMEI, s->imei, sizeof(s->imei));
	h[OFF_IMEI + sizeof(s->imei) - 1] = 0;
	memcpy(h + OFF_MODEMFW, s->modem_fw, sizeof(s->modem_fw));
	h[OFF_MODEMFW + sizeof(s->modem_fw) - 1] = 0;
	put32(h + OFF_FLASHSZ, SIM_FLASH_SIZE);
	put32(h + OFF_UICRSZ, SIM_UICR_SIZE);
	put32(h + OFF_STORECAP, SIMSTATE_MODEM_STORE_SIZE);
	put32(h + OFF_STORELEN, s->modem_store_len);
	enum simstate_err e;
	off_t off = SIMSTATE_HEADER_SIZE;
	/* Body first, header last: a reader never sees a valid header in
	 * front of a body that was never written (first creation). */
	if ((e = write_all(fd, s->flash, sizeof(s->flash), off)) != SIMSTATE_OK)
		return e;
	off += (off_t)sizeof(s->flash);
	if ((e = write_all(fd, s->uicr, sizeof(s->uicr), off)) != SIMSTATE_OK)
		return e;
	off += (off_t)sizeof(s->uicr);
	if ((e = write_all(fd, s->modem_store, sizeof(s->modem_store), off)) != SIMSTATE_OK)
		return e;
	if ((e = write_all(fd, h, sizeof(h), 0)) != SIMSTATE_OK)
		return e;
	if (ftruncate(fd, (off_t)(SIMSTATE_HEADER_SIZE + BODY_SIZE)) != 0)
		return SIMSTATE_ERR_IO;
	return SIMSTATE_OK;
}

enum simstate_err simstate_load(const char *path, struct simstate **out)
{
	*out = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return SIMSTATE_ERR_IO;
	struct simstate *s = simstate_new();
	if (!s) {
		close(fd);
		return SIMSTATE_ERR_NOMEM;
	}
	enum simstate_err e = simstate_read_fd(fd, s);
	int saved = errno;
	close(fd);
	errno = saved;
	if (e != SIMSTATE_OK) {
		simstate_free(s);
		return e;
	}
	*out = s;
	return SIMSTATE_OK;
}

const char *simstate_strerror(enum simstate_err err)
{
	switch (err) {
	case SIMSTATE_OK:
		return "ok";
	case SIMSTATE_ERR_IO:
		return "I/O error on the board state file";
	case SIMSTATE_ERR_FORMAT:
		return "not a board state file (bad magic, sizes or truncated)";
	case SIMSTATE_ERR_VERSION:
		return "board state file written by a newer simulator";
	case SIMSTATE_ERR_NOMEM:
		return "out of memory";
	}
	return "unknown error";
}

const char *simstate_part_name(enum simboard_part part)
{
	switch (part) {
	case SIMBOARD_NRF9160:
		return "nRF9160";
	case SIMBOARD_NRF9161:
		return "nRF9161";
	case SIMBOARD_NRF9151:
		return "nRF9151";
	}
	return "unknown";
}
