/*
 * J-Link backend over libjaylink. Protocol facts: jlink.md §3, §4.
 */
#include "probe/jlink.h"

#include <libjaylink/libjaylink.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct jlink_context {
	struct jaylink_context *jl;
};

struct jlink_backend {
	struct probe probe;
	struct jaylink_device *dev;
	struct jaylink_device_handle *devh;
	uint8_t caps[JAYLINK_DEV_EXT_CAPS_SIZE];
	uint32_t speed_khz;
};

/* OpenOCD's SWD buffer limit (jlink.c JLINK_TAP_BUFFER_SIZE), in bytes. */
#define JLINK_SWD_BUFFER_MAX 2048u
#define JLINK_USB_CHUNK 2048u /* libjaylink's CHUNK_SIZE (jlink.md §3.1) */
/* Below this the probe cannot hold one transaction plus headers (OpenOCD). */
#define JLINK_MIN_FREE_MEMORY 143u

static probe_err map_jaylink(int ret)
{
	switch (ret) {
	case JAYLINK_OK:
		return PROBE_OK;
	case JAYLINK_ERR_MALLOC:
		return PROBE_ERR_NOMEM;
	case JAYLINK_ERR_ARG:
		return PROBE_ERR_ARG;
	case JAYLINK_ERR_NOT_SUPPORTED:
	case JAYLINK_ERR_DEV_NOT_SUPPORTED:
		return PROBE_ERR_UNSUPPORTED;
	case JAYLINK_ERR_DEV:
	case JAYLINK_ERR_DEV_NOT_AVAILABLE:
	case JAYLINK_ERR_DEV_NO_MEMORY:
		return PROBE_ERR_DEVICE;
	default:
		/* JAYLINK_ERR, _TIMEOUT, _IO, _PROTO: the USB link is broken. */
		return PROBE_ERR_USB;
	}
}

static void fmt(char *buf, size_t len, const char *f, ...) __attribute__((format(printf, 3, 4)));
static void fmt(char *buf, size_t len, const char *f, ...)
{
	va_list ap;
	if (!buf || len == 0)
		return;
	va_start(ap, f);
	vsnprintf(buf, len, f, ap);
	va_end(ap);
}

probe_err jlink_context_create(struct jlink_context **out)
{
	struct jlink_context *ctx = calloc(1, sizeof(*ctx));
	if (!ctx)
		return PROBE_ERR_NOMEM;
	if (jaylink_init(&ctx->jl) != JAYLINK_OK) {
		free(ctx);
		return PROBE_ERR_LIBRARY;
	}
	/* libjaylink logs to stderr by default, which would tear the dashboard;
	 * errors reach the user through our return codes instead. */
	jaylink_log_set_level(ctx->jl, getenv("NRFCRED_JAYLINK_DEBUG") ? JAYLINK_LOG_LEVEL_DEBUG
								       : JAYLINK_LOG_LEVEL_NONE);
	*out = ctx;
	return PROBE_OK;
}

void jlink_context_destroy(struct jlink_context *ctx)
{
	if (!ctx)
		return;
	jaylink_exit(ctx->jl);
	free(ctx);
}

static probe_err scan(struct jlink_context *ctx, struct jaylink_device ***devs, size_t *count)
{
	/* USB only: JAYLINK_HIF_TCP (or 0) broadcasts on the LAN. */
	int ret = jaylink_discovery_scan(ctx->jl, JAYLINK_HIF_USB);
	if (ret != JAYLINK_OK)
		return map_jaylink(ret);
	ret = jaylink_get_devices(ctx->jl, devs, count);
	return map_jaylink(ret);
}

void jlink_list_free(struct jlink_probe_info *list)
{
	free(list);
}

static void read_info(struct jaylink_device *dev, struct jlink_probe_info *info)
{
	struct jaylink_device_handle *devh = NULL;
	int ret = jaylink_open(dev, &devh);
	if (ret != JAYLINK_OK) {
		info->err = map_jaylink(ret) == PROBE_ERR_USB ? PROBE_ERR_BUSY : map_jaylink(ret);
		fmt(info->detail, sizeof(info->detail), "cannot open (%s): in use or broken",
		    jaylink_strerror_name(ret));
		return;
	}
	char *version = NULL;
	size_t vlen = 0;
	ret = jaylink_get_firmware_version(devh, &version, &vlen);
	if (ret == JAYLINK_OK && version) {
		snprintf(info->firmware, sizeof(info->firmware), "%s", version);
		free(version);
		/* The string comes from the device: no terminal control
		 * characters reach the listing or the dashboard. */
		for (char *c = info->firmware; *c; c++)
			if ((unsigned char)*c < 0x20 || (unsigned char)*c > 0x7E)
				*c = '?';
	} else if (ret != JAYLINK_OK) {
		info->err = map_jaylink(ret);
		fmt(info->detail, sizeof(info->detail), "firmware version: %s",
		    jaylink_strerror_name(ret));
	}
	struct jaylink_hardware_status hw;
	ret = jaylink_get_hardware_status(devh, &hw);
	if (ret == JAYLINK_OK) {
		info->vtref_mv = hw.target_voltage;
	} else if (info->err == PROBE_OK) {
		info->err = map_jaylink(ret);
		fmt(info->detail, sizeof(info->detail), "hardware status: %s",
		    jaylink_strerror_name(ret));
	}
	jaylink_close(devh);
}

probe_err jlink_list(struct jlink_context *ctx, struct jlink_probe_info **list, size_t *count)
{
	struct jaylink_device **devs = NULL;
	size_t n = 0;
	*list = NULL;
	*count = 0;
	probe_err err = scan(ctx, &devs, &n);
	if (err != PROBE_OK)
		return err;
	struct jlink_probe_info *out = calloc(n ? n : 1, sizeof(*out));
	if (!out) {
		jaylink_free_devices(devs, true);
		return PROBE_ERR_NOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		uint32_t serial = 0;
		if (jaylink_device_get_serial_number(devs[i], &serial) != JAYLINK_OK)
			serial = 0;
		out[i].serial = serial;
		read_info(devs[i], &out[i]);
	}
	/* libjaylink returns devices in reverse USB order (§1): sort by serial
	 * so the listing is stable. */
	for (size_t i = 1; i < n; i++) {
		struct jlink_probe_info t = out[i];
		size_t j = i;
		for (; j > 0 && out[j - 1].serial > t.serial; j--)
			out[j] = out[j - 1];
		out[j] = t;
	}
	jaylink_free_devices(devs, true);
	*list = out;
	*count = n;
	return PROBE_OK;
}

static probe_err jl_swd_io(struct probe *p, const uint8_t *dir, const uint8_t *out, uint8_t *in,
			   uint32_t nbits)
{
	struct jlink_backend *b = p->backend;
	int ret = jaylink_swd_io(b->devh, dir, out, in, (uint16_t)nbits);
	if (ret != JAYLINK_OK) {
		probe_set_detail(p, "J-Link %u: SWD I/O of %u bits failed: %s", (unsigned)p->serial,
				 (unsigned)nbits, jaylink_strerror_name(ret));
		return map_jaylink(ret);
	}
	return PROBE_OK;
}

static probe_err jl_set_speed(struct probe *p, uint32_t khz, uint32_t *actual)
{
	struct jlink_backend *b = p->backend;
	uint32_t max_khz = 12000; /* OpenOCD's assumption without GET_SPEEDS */
	if (jaylink_has_cap(b->caps, JAYLINK_DEV_CAP_GET_SPEEDS)) {
		struct jaylink_speed sp;
		int ret = jaylink_get_speeds(b->devh, &sp);
		if (ret != JAYLINK_OK) {
			probe_set_detail(p, "J-Link %u: get speeds: %s", (unsigned)p->serial,
					 jaylink_strerror_name(ret));
			return map_jaylink(ret);
		}
		if (sp.div)
			max_khz = sp.freq / 1000u / sp.div;
	}
	if (khz > max_khz)
		khz = max_khz;
	if (khz > 0xFFFEu) /* 0xFFFF means adaptive clocking */
		khz = 0xFFFEu;
	if (khz == 0)
		khz = 1;
	int ret = jaylink_set_speed(b->devh, (uint16_t)khz);
	if (ret != JAYLINK_OK) {
		probe_set_detail(p, "J-Link %u: set speed %u kHz: %s", (unsigned)p->serial,
				 (unsigned)khz, jaylink_strerror_name(ret));
		return map_jaylink(ret);
	}
	b->speed_khz = khz;
	p->speed_khz = khz;
	*actual = khz;
	return PROBE_OK;
}

static probe_err jl_vtref(struct probe *p, uint16_t *mv)
{
	struct jlink_backend *b = p->backend;
	struct jaylink_hardware_status hw;
	int ret = jaylink_get_hardware_status(b->devh, &hw);
	if (ret != JAYLINK_OK) {
		probe_set_detail(p, "J-Link %u: hardware status: %s", (unsigned)p->serial,
				 jaylink_strerror_name(ret));
		return map_jaylink(ret);
	}
	*mv = hw.target_voltage;
	return PROBE_OK;
}

static probe_err jl_set_reset(struct probe *p, bool asserted)
{
	struct jlink_backend *b = p->backend;
	/* 0xDC (clear reset) drives nRESET low, 0xDD releases it (§3.2). */
	int ret = asserted ? jaylink_clear_reset(b->devh) : jaylink_set_reset(b->devh);
	if (ret != JAYLINK_OK) {
		probe_set_detail(p, "J-Link %u: nRESET: %s", (unsigned)p->serial,
				 jaylink_strerror_name(ret));
		return map_jaylink(ret);
	}
	return PROBE_OK;
}

static void jl_close(struct probe *p)
{
	struct jlink_backend *b = p->backend;
	if (b->devh)
		jaylink_close(b->devh);
	if (b->dev)
		jaylink_unref_device(b->dev);
	free(b);
}

static const struct probe_ops jlink_ops = {
	.swd_io = jl_swd_io,
	.set_speed = jl_set_speed,
	.vtref = jl_vtref,
	.set_reset = jl_set_reset,
	.close = jl_close,
};

/* Configures an open handle: caps, SWD, buffer size, speed. */
static probe_err setup(struct jlink_backend *b, uint32_t speed_khz, char *errbuf, size_t errlen)
{
	int ret = jaylink_get_caps(b->devh, b->caps);
	if (ret == JAYLINK_OK && jaylink_has_cap(b->caps, JAYLINK_DEV_CAP_GET_EXT_CAPS))
		ret = jaylink_get_extended_caps(b->devh, b->caps);
	if (ret != JAYLINK_OK) {
		fmt(errbuf, errlen, "J-Link %u: capabilities: %s", (unsigned)b->probe.serial,
		    jaylink_strerror_name(ret));
		return map_jaylink(ret);
	}
	/* Without SELECT_TIF a J-Link speaks JTAG only (OpenOCD: "Device
	 * supports JTAG transport only"). */
	if (!jaylink_has_cap(b->caps, JAYLINK_DEV_CAP_SELECT_TIF)) {
		fmt(errbuf, errlen, "J-Link %u: cannot select SWD (no SELECT_TIF capability)",
		    (unsigned)b->probe.serial);
		return PROBE_ERR_UNSUPPORTED;
	}
	uint32_t ifaces = 0;
	ret = jaylink_get_available_interfaces(b->devh, &ifaces);
	if (ret == JAYLINK_OK && !(ifaces & (1u << JAYLINK_TIF_SWD))) {
		fmt(errbuf, errlen, "J-Link %u: SWD not among the probe's interfaces",
		    (unsigned)b->probe.serial);
		return PROBE_ERR_UNSUPPORTED;
	}
	enum jaylink_target_interface prev;
	if (ret == JAYLINK_OK)
		ret = jaylink_select_interface(b->devh, JAYLINK_TIF_SWD, &prev);
	if (ret != JAYLINK_OK) {
		fmt(errbuf, errlen, "J-Link %u: select SWD: %s", (unsigned)b->probe.serial,
		    jaylink_strerror_name(ret));
		return map_jaylink(ret);
	}
	/* SWD batch size as OpenOCD's adjust_swd_buffer_size(): the probe keeps
	 * dir+out (request) and in (response) of a batch, plus headers. */
	uint32_t buf_bytes = JLINK_SWD_BUFFER_MAX;
	if (jaylink_has_cap(b->caps, JAYLINK_DEV_CAP_GET_FREE_MEMORY)) {
		uint32_t free_mem = 0;
		ret = jaylink_get_free_memory(b->devh, &free_mem);
		if (ret != JAYLINK_OK) {
			fmt(errbuf, errlen, "J-Link %u: free memory: %s", (unsigned)b->probe.serial,
			    jaylink_strerror_name(ret));
			return map_jaylink(ret);
		}
		if (free_mem < JLINK_MIN_FREE_MEMORY) {
			fmt(errbuf, errlen, "J-Link %u: only %u bytes free on the probe",
			    (unsigned)b->probe.serial, (unsigned)free_mem);
			return PROBE_ERR_DEVICE;
		}
		uint32_t fit = (free_mem - 16u) / 2u;
		if (fit < buf_bytes)
			buf_bytes = fit;
	}
	/* libjaylink moves a command in 2048-byte bulk transfers and asks for
	 * 2048 bytes per IN (jlink.md §3.1). A batch of n bytes sends 4 + 2n
	 * and gets n + 1 back: n = 2048 is 3 OUT + 2 IN transfers, n = 2046
	 * 2 OUT + 1 IN, a third less USB time per batch at full speed and one
	 * round trip per batch (tools/bench: fewer than OpenOCD's for 64 KB). */
	if (buf_bytes > JLINK_USB_CHUNK - 2u)
		buf_bytes = JLINK_USB_CHUNK - 2u;
	b->probe.max_swd_bits = buf_bytes * 8u;
	/* Release nRESET in case a previous user left it asserted. */
	ret = jaylink_set_reset(b->devh);
	if (ret != JAYLINK_OK) {
		fmt(errbuf, errlen, "J-Link %u: nRESET release: %s", (unsigned)b->probe.serial,
		    jaylink_strerror_name(ret));
		return map_jaylink(ret);
	}
	uint32_t actual;
	probe_err err =
		jl_set_speed(&b->probe, speed_khz ? speed_khz : JLINK_DEFAULT_SPEED_KHZ, &actual);
	if (err != PROBE_OK)
		fmt(errbuf, errlen, "%s", b->probe.detail);
	return err;
}

probe_err jlink_open(struct jlink_context *ctx, uint32_t serial, uint32_t speed_khz,
		     struct probe **out, char *errbuf, size_t errlen)
{
	struct jaylink_device **devs = NULL;
	size_t n = 0;
	*out = NULL;
	fmt(errbuf, errlen, "%s", "");
	probe_err err = scan(ctx, &devs, &n);
	if (err != PROBE_OK) {
		fmt(errbuf, errlen, "USB scan for J-Links failed");
		return err;
	}
	struct jaylink_device *dev = NULL;
	for (size_t i = 0; i < n && !dev; i++) {
		uint32_t s;
		if (jaylink_device_get_serial_number(devs[i], &s) == JAYLINK_OK && s == serial)
			dev = jaylink_ref_device(devs[i]);
	}
	jaylink_free_devices(devs, true);
	if (!dev) {
		fmt(errbuf, errlen, "J-Link %u not found on USB", (unsigned)serial);
		return PROBE_ERR_NOT_FOUND;
	}
	struct jlink_backend *b = calloc(1, sizeof(*b));
	if (!b) {
		jaylink_unref_device(dev);
		return PROBE_ERR_NOMEM;
	}
	b->dev = dev;
	b->probe.ops = &jlink_ops;
	b->probe.backend = b;
	b->probe.serial = serial;
	int ret = jaylink_open(dev, &b->devh);
	if (ret != JAYLINK_OK) {
		b->devh = NULL;
		fmt(errbuf, errlen, "J-Link %u: open failed (%s): in use by another program?",
		    (unsigned)serial, jaylink_strerror_name(ret));
		jl_close(&b->probe);
		return map_jaylink(ret) == PROBE_ERR_USB ? PROBE_ERR_BUSY : map_jaylink(ret);
	}
	err = setup(b, speed_khz, errbuf, errlen);
	if (err != PROBE_OK) {
		jl_close(&b->probe);
		return err;
	}
	*out = &b->probe;
	return PROBE_OK;
}

uint32_t jlink_speed_khz(const struct probe *p)
{
	if (!p || p->ops != &jlink_ops)
		return 0;
	const struct jlink_backend *b = p->backend;
	return b->speed_khz;
}
