/* Freestanding helpers: the firmware links no libc, and the names are
 * prefixed so that the host test build does not clash with the real libc. */
#include "prov_internal.h"

void prov_mem_set(void *dst, uint8_t value, size_t n)
{
	uint8_t *d = dst;
	for (size_t i = 0; i < n; i++)
		d[i] = value;
}

void prov_mem_copy(void *dst, const void *src, size_t n)
{
	uint8_t *d = dst;
	const uint8_t *s = src;
	for (size_t i = 0; i < n; i++)
		d[i] = s[i];
}

void prov_mem_wipe(void *dst, size_t n)
{
	/* Volatile stores: the compiler may not drop them as dead. */
	volatile uint8_t *d = dst;
	for (size_t i = 0; i < n; i++)
		d[i] = 0;
}

size_t prov_str_len(const char *s, size_t max)
{
	size_t n = 0;
	while (n < max && s[n] != '\0')
		n++;
	return n;
}

uint16_t prov_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (p[1] << 8));
}

uint32_t prov_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
	       ((uint32_t)p[3] << 24);
}

void prov_put_le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

void prov_put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}
