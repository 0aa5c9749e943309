/* nRF91 target: attach/identify, image programming and verification. */
#include "target/nrf91.h"

#include "image/image.h"
#include "probe/probe.h"
#include "swd/adi_trace.h"
#include "target/nrf91_priv.h"
#include "target/nrf91_regs.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- shared helpers (nrf91_priv.h) ---- */

void nrf91_set_detail(struct nrf91 *t, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(t->detail, sizeof(t->detail), fmt, ap);
	va_end(ap);
}

nrf91_err nrf91_adi_fail(struct nrf91 *t, adi_err err, const char *context)
{
	nrf91_set_detail(t, "%s: %s", context,
			 adi_last_error_detail(t->adi)[0] ? adi_last_error_detail(t->adi)
							  : adi_strerror(err));
	memap_invalidate(&t->mem);
	switch (err) {
	case ADI_OK:
		return NRF91_OK;
	case ADI_ERR_PROBE:
	case ADI_ERR_ARG:
		return NRF91_ERR_PROBE;
	case ADI_ERR_NO_TARGET:
	case ADI_ERR_PROTOCOL:
	case ADI_ERR_POWERUP:
		return NRF91_ERR_NO_TARGET;
	case ADI_ERR_WAIT_TIMEOUT:
		return NRF91_ERR_WAIT_TIMEOUT;
	case ADI_ERR_FAULT:
		return NRF91_ERR_FAULT;
	case ADI_ERR_PARITY:
		return NRF91_ERR_PARITY;
	case ADI_ERR_NOMEM:
		return NRF91_ERR_NOMEM;
	}
	return NRF91_ERR_PROBE;
}

bool nrf91_aborted(const struct nrf91 *t)
{
	return t->opts.abort_flag && atomic_load(t->opts.abort_flag);
}

void nrf91_progress(const struct nrf91 *t, enum nrf91_phase phase, uint64_t done, uint64_t total)
{
	if (t->opts.progress)
		t->opts.progress(t->opts.progress_user, phase, done, total);
}

nrf91_err nrf91_delay_us(struct nrf91 *t, uint32_t us)
{
	if (us == 0)
		return NRF91_OK;
	adi_err err = adi_delay_us(t->adi, us);
	return err == ADI_OK ? NRF91_OK : nrf91_adi_fail(t, err, "idle wait");
}

/* ---- identify ---- */

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
	return NULL;
}

static nrf91_err identify(struct nrf91 *t)
{
	uint32_t partno = 0, variant = 0, ram = 0, flash = 0, id0 = 0, id1 = 0;
	memap_queue_read_u32(&t->mem, FICR_SIPINFO_PARTNO, &partno);
	memap_queue_read_u32(&t->mem, FICR_SIPINFO_VARIANT, &variant);
	memap_queue_read_u32(&t->mem, FICR_INFO_RAM, &ram);
	memap_queue_read_u32(&t->mem, FICR_INFO_FLASH, &flash);
	memap_queue_read_u32(&t->mem, FICR_INFO_DEVICEID0, &id0);
	memap_queue_read_u32(&t->mem, FICR_INFO_DEVICEID1, &id1);
	adi_err err = adi_flush(t->adi);
	if (err != ADI_OK)
		return nrf91_adi_fail(t, err, "reading FICR");
	const char *name = part_name(partno);
	if (!name) {
		/* SIPINFO exists since nRF9160 PS v2.1 (OpenOCD nrf5.c); older
		 * parts only have INFO.PART, where an nRF91x1 shows its die
		 * 0x9120. */
		uint32_t info_part = 0;
		adi_err e2 = memap_read_u32(&t->mem, FICR_INFO_PART, &info_part);
		if (e2 != ADI_OK)
			return nrf91_adi_fail(t, e2, "reading FICR INFO.PART");
		if (info_part == 0x9160 || info_part == 0x9120) {
			partno = info_part;
			name = info_part == 0x9160 ? "nRF9160" : "nRF91x1";
		}
	}
	t->info.partno = partno;
	if (!name) {
		nrf91_set_detail(t, "FICR SIPINFO.PARTNO 0x%08x is not an nRF91 part",
				 (unsigned)partno);
		return NRF91_ERR_NOT_NRF91;
	}
	snprintf(t->info.part_name, sizeof(t->info.part_name), "%s", name);
	/* VARIANT is ASCII, first letter in the lowest byte ("SICA" =
	 * 0x41434953 read little-endian, §5). */
	for (int i = 0; i < 4; i++) {
		unsigned char c = (unsigned char)(variant >> (8 * i));
		t->info.variant[i] = (char)((c >= 0x20 && c < 0x7F) ? c : '?');
	}
	t->info.variant[4] = '\0';
	t->info.ram_kb = ram;
	t->info.flash_kb = flash;
	t->info.device_id = (uint64_t)id1 << 32 | id0;
	if (flash == 0 || flash > 4096 || ram == 0 || ram > 4096) {
		nrf91_set_detail(t, "FICR INFO.FLASH %u KB / INFO.RAM %u KB make no sense",
				 (unsigned)flash, (unsigned)ram);
		return NRF91_ERR_NOT_NRF91;
	}
	return NRF91_OK;
}

nrf91_err nrf91_attach(struct probe *probe, const struct nrf91_options *opts, struct nrf91 **out,
		       struct nrf91_info *info)
{
	*out = NULL;
	if (info)
		memset(info, 0, sizeof(*info));
	if (!probe)
		return NRF91_ERR_PROBE;
	struct nrf91 *t = calloc(1, sizeof(*t));
	if (!t)
		return NRF91_ERR_NOMEM;
	t->probe = probe;
	if (opts)
		t->opts = *opts;
	t->adi = adi_create(probe);
	if (!t->adi) {
		free(t);
		return NRF91_ERR_NOMEM;
	}
	adi_set_trace(t->adi, t->opts.trace);
	memap_init(&t->mem, t->adi, NRF91_AP_AHB);
	nrf91_progress(t, NRF91_PHASE_CONNECT, 0, 1);

	nrf91_err e = NRF91_OK;
	adi_err err = adi_connect(t->adi, &t->info.dpidr);
	if (err != ADI_OK)
		e = nrf91_adi_fail(t, err, "connecting");
	if (e == NRF91_OK &&
	    (t->info.dpidr & NRF91_DPIDR_DESIGNER_MASK) != NRF91_DPIDR_DESIGNER_ARM) {
		nrf91_set_detail(t, "DPIDR 0x%08x is not an Arm SW-DP", (unsigned)t->info.dpidr);
		e = NRF91_ERR_NOT_NRF91;
	}
	if (e == NRF91_OK)
		e = ctrlap_check_idr(t);
	bool prot = false;
	if (e == NRF91_OK)
		e = ctrlap_is_protected(t, &prot);
	if (e == NRF91_OK && prot) {
		t->info.approtect = true;
		if (!t->opts.allow_recover) {
			nrf91_set_detail(t, "APPROTECT is enabled and recover was not allowed");
			e = NRF91_ERR_PROTECTED;
		} else {
			e = ctrlap_recover(t);
			t->blank = e == NRF91_OK;
		}
	}
	if (e == NRF91_OK)
		e = identify(t);
	if (info) {
		*info = t->info;
		/* Without a handle the caller reads the reason here. */
		snprintf(info->error_detail, sizeof(info->error_detail), "%s",
			 e == NRF91_OK ? "" : t->detail);
	}
	if (e != NRF91_OK) {
		nrf91_detach(t);
		return e;
	}
	nrf91_progress(t, NRF91_PHASE_CONNECT, 1, 1);
	*out = t;
	return NRF91_OK;
}

void nrf91_detach(struct nrf91 *t)
{
	if (!t)
		return;
	adi_destroy(t->adi);
	free(t);
}

const struct nrf91_info *nrf91_get_info(const struct nrf91 *t)
{
	return &t->info;
}

nrf91_err nrf91_recover(struct nrf91 *t)
{
	nrf91_err e = ctrlap_recover(t);
	t->blank = e == NRF91_OK;
	if (e == NRF91_OK)
		e = identify(t);
	return e;
}

bool nrf91_is_91x1(const struct nrf91 *t)
{
	return t->info.partno != 0x9160;
}

nrf91_err nrf91_halt(struct nrf91 *t)
{
	return cortexm_halt(t);
}

nrf91_err nrf91_reset_halt(struct nrf91 *t)
{
	return cortexm_reset_halt(t);
}

nrf91_err nrf91_reset_run(struct nrf91 *t, uint32_t open_timeout_ms)
{
	nrf91_progress(t, NRF91_PHASE_RUN, 0, 1);
	nrf91_err e = cortexm_reset_run(t, open_timeout_ms);
	if (e == NRF91_OK)
		nrf91_progress(t, NRF91_PHASE_RUN, 1, 1);
	return e;
}

nrf91_err nrf91_reset_release(struct nrf91 *t)
{
	nrf91_err e = cortexm_reset_release(t);
	if (e == NRF91_OK)
		e = nrf91_release(t);
	return e;
}

nrf91_err nrf91_release(struct nrf91 *t)
{
	/* Drop CDBGPWRUPREQ / CSYSPWRUPREQ so the part may leave debug
	 * power mode; a later attach powers the DP up again. */
	adi_err err = adi_dp_write(t->adi, ADI_DP_CTRL_STAT, 0);
	memap_invalidate(&t->mem);
	t->halted = false;
	return err == ADI_OK ? NRF91_OK : nrf91_adi_fail(t, err, "powering the debug port down");
}

nrf91_err nrf91_reacquire(struct nrf91 *t, uint32_t timeout_ms)
{
	memap_invalidate(&t->mem);
	return ctrlap_wait_open(t, timeout_ms);
}

nrf91_err nrf91_poll_reset(struct nrf91 *t, bool *reset_seen)
{
	return cortexm_count_resets(t, reset_seen);
}

nrf91_err nrf91_poll_words(struct nrf91 *t, bool *reset_seen, uint32_t addr, uint32_t *words,
			   size_t count, uint32_t also, uint32_t *also_value)
{
	if ((addr & 3u) || (uint64_t)addr + 4u * (uint64_t)count > 0x100000000ull) {
		nrf91_set_detail(t, "poll of 0x%08x (%zu words) is not a word range",
				 (unsigned)addr, count);
		return NRF91_ERR_BAD_ADDRESS;
	}
	uint32_t dhcsr = 0;
	memap_queue_read_u32(&t->mem, CM_DHCSR, &dhcsr);
	memap_queue_read_words(&t->mem, addr, words, count);
	if (also)
		memap_queue_read_u32(&t->mem, also & ~3u, also_value);
	adi_err err = adi_flush(t->adi);
	if (err != ADI_OK) {
		char ctx[48];
		snprintf(ctx, sizeof(ctx), "polling 0x%08x (%zu words)", (unsigned)addr, count);
		return nrf91_adi_fail(t, err, ctx);
	}
	cortexm_note_reset(t, dhcsr, reset_seen);
	return NRF91_OK;
}

uint32_t nrf91_resets(const struct nrf91 *t)
{
	return t->resets;
}

/* NVMC operations from the debugger need the CPU halted (PS NVMC; OpenOCD
 * halts first). A plain halt, never a reset: on an nRF91x1 any reset locks
 * the AHB-AP again until firmware opens it. */
static nrf91_err ensure_halted(struct nrf91 *t)
{
	if (t->halted)
		return NRF91_OK;
	return cortexm_halt(t);
}

/* Writes two UICR words and reads them back. */
static nrf91_err write_uicr_protection(struct nrf91 *t, uint32_t value, const char *what)
{
	nrf91_err e = ensure_halted(t);
	if (e != NRF91_OK)
		return e;
	uint64_t done = 0;
	const uint32_t words[1] = {value};
	const uint32_t addrs[2] = {UICR_APPROTECT, UICR_SECUREAPPROTECT};
	for (size_t i = 0; i < 2 && e == NRF91_OK; i++)
		e = nvmc_program_words(t, addrs[i], words, 1, &done, 2);
	for (size_t i = 0; i < 2 && e == NRF91_OK; i++) {
		uint32_t got = 0;
		adi_err err = memap_read_u32(&t->mem, addrs[i], &got);
		if (err != ADI_OK)
			return nrf91_adi_fail(t, err, "reading UICR back");
		if (got != value) {
			nrf91_set_detail(t, "%s: UICR 0x%08x reads 0x%08x, wrote 0x%08x", what,
					 (unsigned)addrs[i], (unsigned)got, (unsigned)value);
			e = NRF91_ERR_VERIFY;
		}
	}
	return e;
}

nrf91_err nrf91_keep_debug_open(struct nrf91 *t)
{
	/* nRF91x1: an erased UICR means "protected after every reset"; with
	 * HwUnprotected an MDK SystemInit opens the port on each boot
	 * (nrfx system_nrf91_approtect.h). nRF9160: erased already means
	 * unprotected, and HwUnprotected is no value of its UICR. */
	if (!nrf91_is_91x1(t))
		return NRF91_OK;
	return write_uicr_protection(t, UICR_APPROTECT_HWUNPROTECTED, "keeping debug open");
}

/* Reads APPROTECT.STATUS, reconnecting once when the reset took the DP. */
static nrf91_err read_status_after_reset(struct nrf91 *t, uint32_t *st)
{
	nrf91_err e = nrf91_delay_us(t, 5000);
	if (e == NRF91_OK && ctrlap_status(t, st) != NRF91_OK) {
		adi_err err = adi_connect(t->adi, NULL);
		if (err != ADI_OK)
			return nrf91_adi_fail(t, err, "reconnecting after the lock reset");
		e = ctrlap_status(t, st);
	}
	return e;
}

/* The lock holds when the port stays locked while the application boots
 * (an MDK image may reset once on its first boot and would open the port
 * in SystemInit if the UICR still allowed it): LOCK_PROOF_MS of polls. */
#define LOCK_PROOF_MS 1000u

static nrf91_err prove_locked(struct nrf91 *t, uint32_t *st)
{
	for (uint32_t waited = 0; waited < LOCK_PROOF_MS; waited += 50) {
		nrf91_err e = read_status_after_reset(t, st);
		if (e != NRF91_OK)
			return e;
		if (*st & CTRLAP_APPROTECT_OPEN)
			return NRF91_OK; /* caller reports it */
		e = nrf91_delay_us(t, 45000);
		if (e != NRF91_OK)
			return e;
	}
	return NRF91_OK;
}

nrf91_err nrf91_lock(struct nrf91 *t)
{
	nrf91_err e = write_uicr_protection(t, UICR_APPROTECT_PROTECTED, "locking");
	if (e == NRF91_OK)
		e = cortexm_reset_release(t);
	/* The UICR words take effect at a reset; the CTRL-AP, which always
	 * answers, proves the lock. Where a soft reset does not latch UICR, or
	 * does not end an erase unlock ("re-enables on every hard reset"), an
	 * nRESET pulse does. */
	uint32_t st = 0xFFFFFFFFu;
	if (e == NRF91_OK)
		e = prove_locked(t, &st);
	bool pin_tried = false;
	if (e == NRF91_OK && (st & CTRLAP_APPROTECT_OPEN)) {
		pin_tried = ctrlap_pin_reset(t) == NRF91_OK;
		if (pin_tried)
			e = prove_locked(t, &st);
	}
	if (e != NRF91_OK)
		return e;
	if (st & CTRLAP_APPROTECT_OPEN) {
		nrf91_set_detail(t,
				 "still open after the lock reset (APPROTECT.STATUS 0x%x)%s",
				 (unsigned)st,
				 pin_tried ? " and an nRESET pulse"
					   : "; no nRESET on this probe: wire nRESET, or "
					     "power-cycle the board and check it with "
					     "nrfcred inspect");
		return NRF91_ERR_LOCK_FAILED;
	}
	t->info.locked = true;
	return nrf91_release(t);
}

/*
 * An open nRF9160 is erased through the NVMC, as nrfutil erases an nRF91
 * ("NVMC.ERASEALL: erases internal flash and UICR", nrfutil device erase,
 * behaviour by device family) and OpenOCD's nrf5 mass_erase do: on a core
 * reset-halted first, so that no firmware runs and the SPU is back at its
 * reset value (a TF-M image leaves secure flash regions locked without
 * write permission until the next reset). RAM keeps what it held: the
 * final wipe is the CTRL-AP's, which clears it.
 * The CTRL-AP erase-all (then a soft reset) does it otherwise: on an
 * nRF91x1 (its erased UICR locks the port at the next reset, and a reset-
 * halt locks it at once), without secure debug, with an SPU not at its
 * reset value, under erase protection, or when a sampled word kept its
 * data. It works whatever the protection state.
 */
static nrf91_err erase_chip(struct nrf91 *t)
{
	if (!nrf91_is_91x1(t)) {
		bool done = false;
		nrf91_err e = cortexm_reset_halt(t);
		if (e == NRF91_OK)
			e = nvmc_erase_all(t, &done);
		if (e == NRF91_OK && done)
			return NRF91_OK;
		/* Whatever stopped the NVMC path (a reset-halt that timed out,
		 * a FAULT, an erase that never said READY), the CTRL-AP erase
		 * works whatever the state; only a lost probe ends it here. */
		if (e == NRF91_ERR_PROBE || e == NRF91_ERR_ABORTED || e == NRF91_ERR_NOMEM)
			return e;
		if (e != NRF91_OK) {
			adi_trace_note(t->opts.trace,
				       "NVMC erase-all failed (%s: %s): CTRL-AP erase-all",
				       nrf91_strerror(e), t->detail);
			if (adi_connect(t->adi, NULL) != ADI_OK) {
				/* reported by the CTRL-AP access that follows */
			}
			memap_invalidate(&t->mem);
			t->halted = false;
		}
	}
	return ctrlap_recover(t);
}

nrf91_err nrf91_erase_all(struct nrf91 *t)
{
	/* Right after a recover the chip is already blank. */
	nrf91_progress(t, NRF91_PHASE_ERASE, 0, 1);
	nrf91_err e = t->blank ? NRF91_OK : erase_chip(t);
	if (e == NRF91_OK)
		t->blank = true;
	if (e == NRF91_OK)
		e = ensure_halted(t);
	if (e == NRF91_OK)
		e = nrf91_keep_debug_open(t);
	if (e == NRF91_OK)
		nrf91_progress(t, NRF91_PHASE_ERASE, 1, 1);
	return e;
}

nrf91_err nrf91_erase_page(struct nrf91 *t, uint32_t addr)
{
	if (addr >= t->info.flash_kb * 1024u) {
		nrf91_set_detail(t, "page 0x%08x is outside flash", (unsigned)addr);
		return NRF91_ERR_BAD_ADDRESS;
	}
	nrf91_err e = ensure_halted(t);
	if (e != NRF91_OK)
		return e;
	return nvmc_erase_page(t, addr);
}

nrf91_err nrf91_wipe(struct nrf91 *t)
{
	/* CTRL-AP ERASEALL: works on a locked or re-locked part ("available
	 * regardless of the AP-Protect status", nrfutil device recover), needs
	 * no halted core, and clears RAM too. It leaves the AHB-AP open for
	 * the blank check that follows. */
	if (adi_connect(t->adi, NULL) != ADI_OK) {
		/* reported by the CTRL-AP access below */
	}
	memap_invalidate(&t->mem);
	t->halted = false;
	nrf91_err e = ctrlap_recover(t);
	t->blank = e == NRF91_OK;
	return e;
}

static bool in_flash(const struct nrf91 *t, uint32_t start, uint64_t size)
{
	uint64_t end = (uint64_t)start + size;
	uint64_t flash_end = (uint64_t)NRF91_FLASH_BASE + (uint64_t)t->info.flash_kb * 1024u;
	if (end <= flash_end) /* NRF91_FLASH_BASE is 0 */
		return true;
	return start >= NRF91_UICR_BASE && end <= (uint64_t)NRF91_UICR_BASE + NRF91_UICR_SIZE;
}

nrf91_err nrf91_check_image(struct nrf91 *t, const struct image *img, uint64_t *bytes)
{
	*bytes = 0;
	size_t n = image_segment_count(img);
	for (size_t i = 0; i < n; i++) {
		struct image_segment s = image_segment_get(img, i);
		if (!in_flash(t, s.start, s.size)) {
			nrf91_set_detail(
				t, "image bytes 0x%08x..0x%08llx are outside flash and UICR",
				(unsigned)s.start, (unsigned long long)(s.start + s.size - 1u));
			return NRF91_ERR_BAD_ADDRESS;
		}
		*bytes += s.size;
	}
	return NRF91_OK;
}

nrf91_err nrf91_write_image(struct nrf91 *t, const struct image *img)
{
	return nrf91_program_direct(t, img);
}

nrf91_err nrf91_program_direct(struct nrf91 *t, const struct image *img)
{
	uint64_t bytes = 0;
	nrf91_err e = nrf91_check_image(t, img, &bytes);
	if (e != NRF91_OK)
		return e;
	e = ensure_halted(t);
	if (e != NRF91_OK)
		return e;
	/* Whole words only (NVMC rule, §6): a partial word is padded with 0xFF,
	 * which leaves the other bytes erased. A word shared by two segments
	 * is programmed once, with both. */
	uint64_t total = 0;
	size_t n = image_segment_count(img);
	uint32_t prev_end = 0;
	bool have_prev = false;
	for (size_t i = 0; i < n; i++) {
		struct image_segment s = image_segment_get(img, i);
		uint32_t ws = s.start & ~3u;
		uint64_t we = ((uint64_t)s.start + s.size + 3u) & ~(uint64_t)3u;
		if (have_prev && ws < prev_end)
			ws = prev_end;
		if (we > ws)
			total += we - ws;
		prev_end = (uint32_t)we;
		have_prev = true;
	}
	uint64_t done = 0;
	nrf91_progress(t, NRF91_PHASE_PROGRAM, 0, total);
	enum { CHUNK = 4096 };
	uint32_t *words = malloc(CHUNK * sizeof(uint32_t));
	if (!words)
		return NRF91_ERR_NOMEM;
	have_prev = false;
	prev_end = 0;
	for (size_t i = 0; i < n && e == NRF91_OK; i++) {
		struct image_segment s = image_segment_get(img, i);
		uint32_t ws = s.start & ~3u;
		uint64_t we = ((uint64_t)s.start + s.size + 3u) & ~(uint64_t)3u;
		if (have_prev && ws < prev_end)
			ws = prev_end;
		prev_end = (uint32_t)we;
		have_prev = true;
		for (uint64_t a = ws; a < we && e == NRF91_OK;) {
			size_t cnt = (size_t)((we - a) / 4u < CHUNK ? (we - a) / 4u : CHUNK);
			if (image_read_filled(img, (uint32_t)a, words, cnt * 4u, 0xFF) !=
			    IMAGE_OK) {
				e = NRF91_ERR_NOMEM;
				break;
			}
			/* Host byte order is little-endian like the target's. */
			for (size_t k = 0; k < cnt; k++) {
				const uint8_t *b = (const uint8_t *)&words[k];
				words[k] = (uint32_t)b[0] | (uint32_t)b[1] << 8 |
					   (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
			}
			e = nvmc_program_words(t, (uint32_t)a, words, cnt, &done, total);
			a += cnt * 4u;
		}
	}
	/* The words were image data, the credential table included. */
	explicit_bzero(words, CHUNK * sizeof(uint32_t));
	free(words);
	return e;
}

nrf91_err nrf91_program(struct nrf91 *t, const struct image *img)
{
	nrf91_err e = nrf91_write_image(t, img);
	return e == NRF91_OK ? nrf91_verify(t, img, NULL) : e;
}

/* A byte of the block read differs from the image: read its word once more.
 * The same value again is what the flash holds (a cell that did not take
 * the write). Another value means the first read was corrupted on the wire
 * although its parity held: SWD's one parity bit misses every even number
 * of flipped bits (§1.2), which a clock too fast for the wiring produces. */
static nrf91_err confirm_mismatch(struct nrf91 *t, uint32_t at, uint8_t first, uint32_t *mismatch)
{
	uint32_t word = 0;
	adi_err err = memap_read_u32(&t->mem, at & ~3u, &word);
	if (err != ADI_OK)
		return nrf91_adi_fail(t, err, "verify re-read");
	uint8_t again = (uint8_t)(word >> (8u * (at & 3u)));
	explicit_bzero(&word, sizeof word);
	/* Address only: the bytes may be part of a key. */
	if (again != first) {
		nrf91_set_detail(t, "verify: flash at 0x%08x read back two different values",
				 (unsigned)at);
		return NRF91_ERR_PARITY;
	}
	nrf91_set_detail(t, "verify: flash at 0x%08x differs from the image", (unsigned)at);
	if (mismatch)
		*mismatch = at & ~3u;
	return NRF91_ERR_VERIFY;
}

enum { VERIFY_CHUNK = 16384 };

static nrf91_err verify_chunks(struct nrf91 *t, uint8_t *buf, uint32_t addr, const uint8_t *data,
			       uint64_t size, uint32_t *mismatch, uint64_t *done, uint64_t total)
{
	for (uint64_t off = 0; off < size;) {
		if (nrf91_aborted(t))
			return NRF91_ERR_ABORTED;
		size_t len = (size_t)(size - off < VERIFY_CHUNK ? size - off : VERIFY_CHUNK);
		uint32_t at = addr + (uint32_t)off;
		adi_err err = memap_read_block(&t->mem, at, buf, len);
		if (err != ADI_OK)
			return nrf91_adi_fail(t, err, "verify read");
		for (size_t k = 0; k < len; k++) {
			if (buf[k] != data[off + k]) {
				nrf91_err e = confirm_mismatch(t, at + (uint32_t)k, buf[k], mismatch);
				if (e == NRF91_ERR_VERIFY) {
					t->mismatch_known = true;
					t->mismatch_addr = (at + (uint32_t)k) & ~3u;
				}
				return e;
			}
		}
		off += len;
		if (done) {
			*done += len;
			nrf91_progress(t, NRF91_PHASE_VERIFY, *done, total);
		}
	}
	return NRF91_OK;
}

nrf91_err nrf91_verify_range(struct nrf91 *t, uint32_t addr, const uint8_t *data, uint32_t len,
			     uint32_t *mismatch)
{
	uint8_t *buf = malloc(VERIFY_CHUNK);
	if (!buf)
		return NRF91_ERR_NOMEM;
	nrf91_err e = verify_chunks(t, buf, addr, data, len, mismatch, NULL, 0);
	explicit_bzero(buf, VERIFY_CHUNK);
	free(buf);
	return e;
}

nrf91_err nrf91_verify(struct nrf91 *t, const struct image *img, uint32_t *mismatch)
{
	uint64_t total = image_size(img), done = 0;
	size_t n = image_segment_count(img);
	uint8_t *buf = malloc(VERIFY_CHUNK);
	if (!buf)
		return NRF91_ERR_NOMEM;
	nrf91_err e = NRF91_OK;
	t->mismatch_known = false;
	nrf91_progress(t, NRF91_PHASE_VERIFY, 0, total);
	for (size_t i = 0; i < n && e == NRF91_OK; i++) {
		struct image_segment s = image_segment_get(img, i);
		e = verify_chunks(t, buf, s.start, s.data, s.size, mismatch, &done, total);
	}
	explicit_bzero(buf, VERIFY_CHUNK);
	free(buf);
	return e;
}

bool nrf91_last_mismatch(const struct nrf91 *t, uint32_t *addr)
{
	if (t->mismatch_known && addr)
		*addr = t->mismatch_addr;
	return t->mismatch_known;
}

static nrf91_err check_range_erased(struct nrf91 *t, uint32_t start, uint32_t size, bool *erased)
{
	enum { CHUNK = 16384 };
	uint8_t *buf = malloc(CHUNK);
	if (!buf)
		return NRF91_ERR_NOMEM;
	nrf91_err e = NRF91_OK;
	for (uint32_t off = 0; off < size && *erased; off += CHUNK) {
		if (nrf91_aborted(t)) {
			e = NRF91_ERR_ABORTED;
			break;
		}
		uint32_t len = size - off < CHUNK ? size - off : CHUNK;
		adi_err err = memap_read_block(&t->mem, start + off, buf, len);
		if (err != ADI_OK) {
			e = nrf91_adi_fail(t, err, "blank check read");
			break;
		}
		for (uint32_t k = 0; k < len; k++) {
			if (buf[k] != 0xFF) {
				/* Address only: a leftover byte may be part of a key. */
				nrf91_set_detail(t, "not erased: 0x%08x is not 0xFF",
						 (unsigned)(start + off + k));
				*erased = false;
				break;
			}
		}
	}
	explicit_bzero(buf, CHUNK);
	free(buf);
	return e;
}

nrf91_err nrf91_check_erased(struct nrf91 *t, bool *erased)
{
	*erased = true;
	nrf91_err e = check_range_erased(t, NRF91_FLASH_BASE, t->info.flash_kb * 1024u, erased);
	if (e == NRF91_OK && *erased)
		e = check_range_erased(t, NRF91_UICR_BASE, NRF91_UICR_SIZE, erased);
	return e;
}

nrf91_err nrf91_read(struct nrf91 *t, uint32_t addr, void *buf, size_t len)
{
	if ((uint64_t)addr + len > 0x100000000ull) {
		nrf91_set_detail(t, "read past the end of the address space");
		return NRF91_ERR_BAD_ADDRESS;
	}
	adi_err err = memap_read_block(&t->mem, addr, buf, len);
	if (err != ADI_OK) {
		char ctx[48];
		snprintf(ctx, sizeof(ctx), "reading 0x%08x (%zu bytes)", (unsigned)addr, len);
		return nrf91_adi_fail(t, err, ctx);
	}
	return NRF91_OK;
}

nrf91_err nrf91_read_u32(struct nrf91 *t, uint32_t addr, uint32_t *value)
{
	adi_err err = memap_read_u32(&t->mem, addr & ~3u, value);
	if (err != ADI_OK) {
		char ctx[32];
		snprintf(ctx, sizeof(ctx), "reading 0x%08x", (unsigned)addr);
		return nrf91_adi_fail(t, err, ctx);
	}
	return NRF91_OK;
}

nrf91_err nrf91_write(struct nrf91 *t, uint32_t addr, const void *buf, size_t len)
{
	adi_err err = memap_write_block(&t->mem, addr, buf, len);
	if (err != ADI_OK) {
		char ctx[48];
		snprintf(ctx, sizeof(ctx), "writing 0x%08x (%zu bytes)", (unsigned)addr, len);
		return nrf91_adi_fail(t, err, ctx);
	}
	return NRF91_OK;
}

static size_t span_words(struct nrf91 *t, const struct nrf91_span *spans, size_t n)
{
	size_t words = 0;
	for (size_t i = 0; i < n; i++) {
		if ((spans[i].addr & 3u) || (spans[i].len & 3u) ||
		    (uint64_t)spans[i].addr + spans[i].len > 0x100000000ull) {
			nrf91_set_detail(t, "0x%08x (%zu bytes) is not a word range",
					 (unsigned)spans[i].addr, spans[i].len);
			return SIZE_MAX;
		}
		words += spans[i].len / 4u;
	}
	return words;
}

/* The words may be key bytes (a TABLE record): wiped after use. */
static nrf91_err transfer_spans(struct nrf91 *t, const struct nrf91_span *spans, size_t n,
				bool write)
{
	size_t total = span_words(t, spans, n);
	if (total == SIZE_MAX)
		return NRF91_ERR_BAD_ADDRESS;
	uint32_t *w = calloc(total ? total : 1, sizeof *w);
	if (w == NULL)
		return NRF91_ERR_NOMEM;
	size_t at = 0;
	for (size_t i = 0; i < n; i++) {
		size_t k = spans[i].len / 4u;
		const uint8_t *p = spans[i].buf;
		if (write) {
			for (size_t j = 0; j < k; j++)
				w[at + j] = (uint32_t)p[4 * j] | (uint32_t)p[4 * j + 1] << 8 |
					    (uint32_t)p[4 * j + 2] << 16 | (uint32_t)p[4 * j + 3] << 24;
			memap_queue_write_words(&t->mem, spans[i].addr, w + at, k, 0);
		} else {
			memap_queue_read_words(&t->mem, spans[i].addr, w + at, k);
		}
		at += k;
	}
	adi_err err = adi_flush(t->adi);
	if (err == ADI_OK && !write) {
		at = 0;
		for (size_t i = 0; i < n; i++) {
			uint8_t *p = spans[i].buf;
			for (size_t j = 0; j < spans[i].len / 4u; j++, at++)
				for (int b = 0; b < 4; b++)
					p[4 * j + (size_t)b] = (uint8_t)(w[at] >> (8 * b));
		}
	}
	explicit_bzero(w, (total ? total : 1) * sizeof *w);
	free(w);
	if (err != ADI_OK) {
		memap_invalidate(&t->mem);
		char ctx[64];
		snprintf(ctx, sizeof(ctx), "%s 0x%08x (%zu bytes) and %zu more range(s)",
			 write ? "writing" : "reading", (unsigned)spans[0].addr, spans[0].len,
			 n - 1u);
		return nrf91_adi_fail(t, err, ctx);
	}
	return NRF91_OK;
}

nrf91_err nrf91_read_spans(struct nrf91 *t, const struct nrf91_span *spans, size_t n)
{
	return n ? transfer_spans(t, spans, n, false) : NRF91_OK;
}

nrf91_err nrf91_write_spans(struct nrf91 *t, const struct nrf91_span *spans, size_t n)
{
	return n ? transfer_spans(t, spans, n, true) : NRF91_OK;
}

void nrf91_get_stats(const struct nrf91 *t, struct nrf91_stats *s)
{
	struct adi_stats a;
	adi_get_stats(t->adi, &a);
	s->round_trips = a.round_trips;
	s->swd_bits = t->probe->swd_bits;
	s->wait_retries = a.wait_retries;
	s->faults = a.faults;
	s->parity_retries = a.parity_retries;
	s->loader_fallbacks = t->loader_fallbacks;
}

const char *nrf91_last_error_detail(const struct nrf91 *t)
{
	return t ? t->detail : "";
}

const char *nrf91_strerror(nrf91_err err)
{
	switch (err) {
	case NRF91_OK:
		return "ok";
	case NRF91_ERR_PROBE:
		return "probe failure (unplugged or not answering)";
	case NRF91_ERR_NO_TARGET:
		return "no target (no board, no power, or wiring)";
	case NRF91_ERR_WAIT_TIMEOUT:
		return "target kept answering WAIT";
	case NRF91_ERR_FAULT:
		return "target answered FAULT";
	case NRF91_ERR_PARITY:
		return "SWD parity error";
	case NRF91_ERR_NOT_NRF91:
		return "not an nRF91";
	case NRF91_ERR_PROTECTED:
		return "access port protection is enabled";
	case NRF91_ERR_RECOVER_FAILED:
		return "recover (erase-all) did not unlock the part";
	case NRF91_ERR_NVMC_TIMEOUT:
		return "flash controller timeout";
	case NRF91_ERR_HALT_TIMEOUT:
		return "core did not halt";
	case NRF91_ERR_VERIFY:
		return "verify mismatch";
	case NRF91_ERR_BAD_ADDRESS:
		return "address outside flash/UICR";
	case NRF91_ERR_NOMEM:
		return "out of memory";
	case NRF91_ERR_ABORTED:
		return "aborted";
	case NRF91_ERR_LOCK_FAILED:
		return "the part did not lock";
	case NRF91_ERR_CORE_FAULT:
		return "the core faulted running host code";
	}
	return "unknown nRF91 error";
}
