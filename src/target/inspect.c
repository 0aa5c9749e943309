/* Read-only nRF91 inspection; see inspect.h for what may be written. */
#include "target/inspect.h"

#include "probe/probe.h"
#include "swd/adi_trace.h"
#include "target/nrf91_priv.h"
#include "target/nrf91_regs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Registers nrf91_regs.h does not name (nrf91-registers.md §5, nRF91 PS). */
#define FICR_SIPINFO_HWREVISION (NRF91_FICR_BASE + 0x144u)
#define UICR_ERASEPROTECT	(NRF91_UICR_BASE + 0x030u)
#define UICR_HFXOSRC		(NRF91_UICR_BASE + 0x01Cu)
#define UICR_HFXOCNT		(NRF91_UICR_BASE + 0x020u)
#define DP_BANK_TARGETID	0x2u
#define DP_BANK_DLPIDR		0x3u
#define FLASH_FALLBACK_SIZE	0x100000u /* 1 MB, every nRF91 */
#define FLASH_READ_BLOCK	0x10000u  /* bytes per memap_read_block */

static const char *part_name(uint32_t partno)
{
	switch (partno) {
	case 0x9160:
		return "nRF9160";
	case 0x9161:
		return "nRF9161";
	case 0x9151:
		return "nRF9151";
	case 0x9131:
		return "nRF9131";
	}
	return "";
}

static void ascii4(uint32_t w, char out[5])
{
	/* FICR strings: first letter in the lowest byte; NUL pads. */
	size_t n = 0;
	for (int i = 0; i < 4; i++) {
		unsigned char c = (unsigned char)(w >> (8 * i));
		if (c == 0)
			break;
		out[n++] = (char)((c >= 0x20 && c < 0x7F) ? c : '?');
	}
	out[n] = '\0';
}

struct ictx {
	struct nrf91 *t;
	struct nrf91_inspect *out;
	bool probe_dead; /* the probe failed: nothing more can be read */
};

/* Keeps the first failure as the detail; later ones are consequences. */
static void note(struct ictx *c, adi_err err, const char *what)
{
	(void)nrf91_adi_fail(c->t, err, what);
	if (!c->out->detail[0])
		snprintf(c->out->detail, sizeof(c->out->detail), "%s", c->t->detail);
	if (err == ADI_ERR_PROBE)
		c->probe_dead = true;
}

static void read_dp_banks(struct ictx *c)
{
	struct nrf91 *t = c->t;
	struct nrf91_inspect *out = c->out;
	/* TARGETID and DLPIDR exist from DPv2 on (DPIDR.VERSION, bits 15:12). */
	if (((out->dpidr >> 12) & 0xFu) < 2u)
		return;
	adi_queue_dp_write(t->adi, ADI_DP_SELECT, DP_BANK_TARGETID);
	adi_queue_dp_read(t->adi, ADI_DP_CTRL_STAT, &out->targetid);
	adi_queue_dp_write(t->adi, ADI_DP_SELECT, DP_BANK_DLPIDR);
	adi_queue_dp_read(t->adi, ADI_DP_CTRL_STAT, &out->dlpidr);
	adi_queue_dp_write(t->adi, ADI_DP_SELECT, 0);
	adi_err err = adi_flush(t->adi);
	if (err == ADI_OK) {
		out->have_targetid = true;
		return;
	}
	note(c, err, "reading TARGETID/DLPIDR");
	/* Bank 0 again, or CTRL/STAT reads (FAULT recovery) would hit
	 * another bank. */
	(void)adi_dp_write(t->adi, ADI_DP_SELECT, 0);
}

static void read_ctrlap(struct ictx *c)
{
	struct nrf91 *t = c->t;
	struct nrf91_inspect *out = c->out;
	adi_queue_ap_read(t->adi, NRF91_AP_CTRL, CTRLAP_IDR, &out->ctrlap_idr);
	adi_queue_ap_read(t->adi, NRF91_AP_CTRL, CTRLAP_APPROTECT_STATUS, &out->approtect_status);
	adi_queue_ap_read(t->adi, NRF91_AP_CTRL, CTRLAP_ERASEPROTECT_STATUS,
			  &out->eraseprotect_status);
	adi_err err = adi_flush(t->adi);
	if (err == ADI_OK)
		out->have_ctrlap = true;
	else
		note(c, err, "reading the CTRL-AP");
}

static void read_ahbap(struct ictx *c)
{
	struct nrf91 *t = c->t;
	struct nrf91_inspect *out = c->out;
	adi_queue_ap_read(t->adi, NRF91_AP_AHB, ADI_AP_IDR, &out->ahbap_idr);
	adi_queue_ap_read(t->adi, NRF91_AP_AHB, MEMAP_CSW, &out->ahbap_csw);
	adi_err err = adi_flush(t->adi);
	if (err != ADI_OK) {
		note(c, err, "reading the AHB-AP IDR/CSW");
		snprintf(out->ahb_locked_reason, sizeof(out->ahb_locked_reason),
			 "AHB-AP registers not readable (%s)", adi_strerror(err));
		return;
	}
	out->have_ahbap = true;
	if (!(out->ahbap_csw & MEMAP_CSW_DEVICEEN))
		snprintf(out->ahb_locked_reason, sizeof(out->ahb_locked_reason),
			 "AHB-AP locked by APPROTECT (CSW.DeviceEn = 0)");
}

static void read_ficr(struct ictx *c)
{
	struct nrf91 *t = c->t;
	struct nrf91_inspect *out = c->out;
	memap_queue_read_u32(&t->mem, FICR_SIPINFO_PARTNO, &out->partno);
	memap_queue_read_u32(&t->mem, FICR_SIPINFO_HWREVISION, &out->hwrevision);
	memap_queue_read_u32(&t->mem, FICR_SIPINFO_VARIANT, &out->variant);
	memap_queue_read_u32(&t->mem, FICR_INFO_DEVICEID0, &out->deviceid[0]);
	memap_queue_read_u32(&t->mem, FICR_INFO_DEVICEID1, &out->deviceid[1]);
	memap_queue_read_u32(&t->mem, FICR_INFO_FLASH, &out->flash_kb);
	memap_queue_read_u32(&t->mem, FICR_INFO_RAM, &out->ram_kb);
	adi_err err = adi_flush(t->adi);
	if (err != ADI_OK) {
		memap_invalidate(&t->mem);
		note(c, err, "reading FICR");
		/* DeviceEn set but secure transfers refused: SECUREAPPROTECT
		 * (the accesses are secure, memap.h). */
		snprintf(out->ahb_locked_reason, sizeof(out->ahb_locked_reason),
			 "AHB-AP reads fail (%s)%s", adi_strerror(err),
			 out->have_ctrlap && !(out->approtect_status & 2u)
				 ? ": SECUREAPPROTECT blocks secure access"
				 : "");
		return;
	}
	out->ahb_open = true;
	out->have_ficr = true;
	snprintf(out->part_name, sizeof(out->part_name), "%s", part_name(out->partno));
	ascii4(out->hwrevision, out->hwrevision_text);
	ascii4(out->variant, out->variant_text);
}

static void read_uicr(struct ictx *c)
{
	struct nrf91 *t = c->t;
	struct nrf91_inspect *out = c->out;
	memap_queue_read_u32(&t->mem, UICR_APPROTECT, &out->uicr_approtect);
	memap_queue_read_u32(&t->mem, UICR_SECUREAPPROTECT, &out->uicr_secureapprotect);
	memap_queue_read_u32(&t->mem, UICR_ERASEPROTECT, &out->uicr_eraseprotect);
	memap_queue_read_u32(&t->mem, UICR_HFXOSRC, &out->uicr_hfxosrc);
	memap_queue_read_u32(&t->mem, UICR_HFXOCNT, &out->uicr_hfxocnt);
	adi_err err = adi_flush(t->adi);
	if (err == ADI_OK)
		out->have_uicr = true;
	else
		note(c, err, "reading UICR");
}

static adi_err read_flash(struct ictx *c)
{
	struct nrf91 *t = c->t;
	struct nrf91_inspect *out = c->out;
	uint32_t size = out->flash_kb > 0 && out->flash_kb <= 4096 ? out->flash_kb * 1024u
								   : FLASH_FALLBACK_SIZE;
	uint8_t *buf = malloc(FLASH_READ_BLOCK);
	if (!buf)
		return ADI_ERR_NOMEM;
	uint32_t used = 0, first = 0, last = 0;
	adi_err err = ADI_OK;
	for (uint32_t off = 0; off < size && err == ADI_OK; off += FLASH_READ_BLOCK) {
		uint32_t n = size - off < FLASH_READ_BLOCK ? size - off : FLASH_READ_BLOCK;
		err = memap_read_block(&t->mem, NRF91_FLASH_BASE + off, buf, n);
		for (uint32_t i = 0; err == ADI_OK && i < n; i++) {
			if (buf[i] == 0xFF)
				continue;
			if (used++ == 0)
				first = off + i;
			last = off + i;
		}
	}
	/* A leftover credential table may have been in there. */
	explicit_bzero(buf, FLASH_READ_BLOCK);
	free(buf);
	if (err != ADI_OK)
		return err;
	out->have_flash = true;
	out->flash_size = size;
	out->flash_used = used;
	out->flash_first_used = first;
	out->flash_last_used = last;
	return ADI_OK;
}

nrf91_err nrf91_inspect(struct probe *probe, const struct nrf91_inspect_options *opts,
			struct nrf91_inspect *out)
{
	memset(out, 0, sizeof(*out));
	if (!probe)
		return NRF91_ERR_PROBE;
	/* A handle of our own, not nrf91_attach: attach insists on an open
	 * AHB-AP and an nRF91, and inspect must report whatever it finds. */
	struct nrf91 *t = calloc(1, sizeof(*t));
	if (!t)
		return NRF91_ERR_NOMEM;
	t->probe = probe;
	t->adi = adi_create(probe);
	if (!t->adi) {
		free(t);
		return NRF91_ERR_NOMEM;
	}
	adi_set_trace(t->adi, opts ? opts->trace : NULL);
	memap_init(&t->mem, t->adi, NRF91_AP_AHB);

	nrf91_err e = NRF91_OK;
	adi_err err = adi_connect(t->adi, &out->dpidr);
	if (err != ADI_OK) {
		e = nrf91_adi_fail(t, err, "connecting");
		snprintf(out->detail, sizeof(out->detail), "%s", t->detail);
		out->dpidr = 0;
		goto done;
	}
	struct ictx c = {.t = t, .out = out};
	read_dp_banks(&c);
	if (!c.probe_dead)
		read_ctrlap(&c);
	if (!c.probe_dead)
		read_ahbap(&c);
	if (!c.probe_dead && out->have_ahbap && (out->ahbap_csw & MEMAP_CSW_DEVICEEN))
		read_ficr(&c);
	if (!c.probe_dead && out->ahb_open)
		read_uicr(&c);
	if (!c.probe_dead && out->ahb_open && !(opts && opts->skip_flash)) {
		err = read_flash(&c);
		if (err != ADI_OK)
			note(&c, err, "reading flash");
	}
	/* Only a dead probe makes the partial result an error. */
	if (c.probe_dead)
		e = NRF91_ERR_PROBE;
done:
	adi_destroy(t->adi);
	free(t);
	return e;
}
