/*
 * Programming and verifying through the RAM flash loader (firmware/loader/,
 * interface include/nrfcred/flash_loader.h). The loader is loaded into RAM
 * and started on the halted core the way pyOCD and probe-rs run CMSIS flash
 * algorithms (docs/hardware/nrf91.md §8: code in RAM, R0 the argument, SP,
 * PC = entry, xPSR Thumb, resume, BKPT halts at the end). While the core
 * writes one ring slot through the NVMC the host sends the next over SWD,
 * so the transfer hides behind the flash's own write time.
 *
 * It runs where the direct path writes: after ERASE (CTRL-AP erase-all,
 * whose reset leaves the SPU all-secure) on the halted core, in secure
 * state, with CONFIG and CONFIGNS like nrfx's secure code.
 */
#include "image/digest.h"
#include "image/image.h"
#include "nrfcred/flash_loader.h"
#include "swd/adi_trace.h"
#include "target/loader_blob.h"
#include "target/nrf91_priv.h"
#include "target/nrf91_regs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Four 4 KB slots: one being written (41 ms at tWRITE), three queued, more
 * than one slot's SWD transfer even on a full-speed probe (~30 ms). */
#define SLOTS	      4u
#define SLOT_SIZE     4096u
#define SLOT_STRIDE   (NRFCRED_LOADER_SLOT_DATA + SLOT_SIZE)
#define RAMP_FIRST    512u /* bytes in the first PROGRAM slot (program_image) */
#define STACK_SIZE    1024u
#define CRC_RANGE_MAX 0x10000u /* one CRC per 64 KB: a mismatch names a 64 KB range */
/* The loader computes its CRC table before it says running: ~10k
 * instructions, 0.2 ms at 64 MHz. 100 polls 0.2 ms apart (plus their round
 * trips) is ample. */
#define START_POLLS	  100u
#define START_POLL_US	  200u
#define LOADER_CODE_MAX	  2048u /* bytes: the blob is 828 */
#define CRC_POLL_US	  500u
#define END_TIMEOUT_POLLS 2000u

/* The loader did not start: not a failure of the part, the caller falls
 * back to the direct path. */
#define NOT_STARTED ((nrf91_err)-1)

struct loader {
	struct nrf91 *t;
	uint32_t ctrl, slot_base;
	uint32_t head, tail, status; /* as last submitted / read */
	uint32_t dhcsr;		     /* read with every tail and status */
	uint32_t demcr;		     /* as it was before the run armed VC_HARDERR */
	bool catch_armed;
	uint32_t words[SLOTS];	     /* program words per slot: how long it takes */
};

static uint32_t slot_addr(const struct loader *L, uint32_t n)
{
	return L->slot_base + (n % SLOTS) * SLOT_STRIDE;
}

/* Errors after which no path can work: the caller reports them. */
static bool fatal(nrf91_err e)
{
	return e == NRF91_ERR_PROBE || e == NRF91_ERR_NO_TARGET || e == NRF91_ERR_ABORTED ||
	       e == NRF91_ERR_NOMEM;
}

static const char *error_name(uint32_t status)
{
	switch (status) {
	case NRFCRED_LOADER_ERR_RANGE:
		return "is outside flash and UICR";
	case NRFCRED_LOADER_ERR_NOT_ERASED:
		return "is not erased (a second write before an erase)";
	case NRFCRED_LOADER_ERR_NVMC_TIMEOUT:
		return "timed out waiting for the NVMC";
	case NRFCRED_LOADER_ERR_WRITE:
		return "does not read back as written";
	case NRFCRED_LOADER_ERR_COMMAND:
		return "was a bad command";
	}
	return "failed";
}

/* Reads the loader's error words and names them; the value found at the
 * address is kept out of the message (it may be part of a key). */
static nrf91_err loader_failed(struct loader *L)
{
	struct nrf91 *t = L->t;
	uint32_t addr = 0, nvmc = 0;
	memap_queue_read_u32(&t->mem, L->ctrl + NRFCRED_LOADER_ERR_ADDR, &addr);
	memap_queue_read_u32(&t->mem, L->ctrl + NRFCRED_LOADER_ERR_NVMC, &nvmc);
	adi_err err = adi_flush(t->adi);
	if (err != ADI_OK)
		return nrf91_adi_fail(t, err, "reading the flash loader's error");
	nrf91_set_detail(t,
			 "flash loader: 0x%08x %s (status 0x%02x; NVMC READY %u READYNEXT %u "
			 "CONFIG %u CONFIGNS %u)",
			 (unsigned)addr, error_name(L->status), (unsigned)L->status,
			 (unsigned)(nvmc & 1u), (unsigned)((nvmc >> 1) & 1u),
			 (unsigned)((nvmc >> 8) & 7u), (unsigned)((nvmc >> 16) & 3u));
	(void)cortexm_halt(t); /* it halted itself on BKPT; make sure */
	switch (L->status) {
	case NRFCRED_LOADER_ERR_RANGE:
		return NRF91_ERR_BAD_ADDRESS;
	case NRFCRED_LOADER_ERR_NVMC_TIMEOUT:
		return NRF91_ERR_NVMC_TIMEOUT;
	case NRFCRED_LOADER_ERR_NOT_ERASED:
	case NRFCRED_LOADER_ERR_WRITE:
		return NRF91_ERR_VERIFY;
	}
	return NRF91_ERR_FAULT;
}

/* Stops the loader where it is (abort, wire error) and leaves the NVMC
 * read-only, best effort: the caller reports the first error. */
static void loader_stop(struct loader *L)
{
	if (cortexm_halt(L->t) == NRF91_OK) {
		(void)memap_write_u32(&L->t->mem, NVMC_CONFIGNS, NVMC_CONFIG_REN);
		(void)memap_write_u32(&L->t->mem, NVMC_CONFIG, NVMC_CONFIG_REN);
	}
}

/* After an error the ring may still hold image bytes (a credential table
 * with the flash delivery): they are zeroed before the step ends, the
 * loader halted first so it cannot pick up a slot meanwhile. Best effort:
 * the caller reports the first error, and the erase that follows a failed
 * board clears RAM as well. */
static void loader_wipe_ring(struct loader *L)
{
	enum { CHUNK = 4096 };
	static const uint8_t zeros[CHUNK];
	struct nrf91 *t = L->t;
	if (!t->halted && cortexm_halt(t) != NRF91_OK)
		return;
	char keep[sizeof t->detail];
	memcpy(keep, t->detail, sizeof keep);
	for (uint32_t off = 0; off < SLOTS * SLOT_STRIDE; off += CHUNK) {
		uint32_t n = SLOTS * SLOT_STRIDE - off < CHUNK ? SLOTS * SLOT_STRIDE - off : CHUNK;
		if (memap_write_block(&t->mem, L->slot_base + off, zeros, n) != ADI_OK) {
			memap_invalidate(&t->mem);
			snprintf(t->detail, sizeof t->detail, "%.200s (and the flash loader's RAM "
				 "could not be cleared)", keep);
			return;
		}
	}
	memcpy(t->detail, keep, sizeof keep);
}

/* A HardFault in the loader halts the core by vector catch (VC_HARDERR,
 * armed by loader_begin), a fault the catch cannot take locks it up; either
 * way the loader has stopped without saying so in its status word, and the
 * host would only see it as a slot that never completes. The state is named
 * from DFSR, the fault status registers and where the core stopped. */
static nrf91_err loader_core_fault(struct loader *L)
{
	struct nrf91 *t = L->t;
	bool lockup = (L->dhcsr & CM_DHCSR_S_LOCKUP) != 0;
	uint32_t dfsr = 0, cfsr = 0, hfsr = 0, pc = 0, xpsr = 0;
	memap_queue_read_u32(&t->mem, CM_DFSR, &dfsr);
	memap_queue_read_u32(&t->mem, CM_CFSR, &cfsr);
	memap_queue_read_u32(&t->mem, CM_HFSR, &hfsr);
	adi_err err = adi_flush(t->adi);
	if (err != ADI_OK)
		return nrf91_adi_fail(t, err, "reading the fault state of the flash loader's core");
	/* A locked-up core enters debug state on C_HALT (ARMv8-M ARM, DHCSR). */
	nrf91_err e = cortexm_halt(t);
	if (e == NRF91_OK)
		e = cortexm_read_reg(t, CM_REGSEL_PC, &pc);
	if (e == NRF91_OK)
		e = cortexm_read_reg(t, CM_REGSEL_XPSR, &xpsr);
	if (e != NRF91_OK && fatal(e))
		return e;
	/* Caught on HardFault entry (IPSR 3) the PC is the handler's; where the
	 * loader faulted is the return address of the frame stacked at SP
	 * (ARMv8-M ARM, exception entry: R0-R3, R12, LR, ReturnAddress, xPSR). */
	uint32_t sp = 0, at = 0;
	bool stacked = e == NRF91_OK && !lockup && (dfsr & CM_DFSR_VCATCH) &&
		       (xpsr & 0x1FFu) == 3u && cortexm_read_reg(t, CM_REGSEL_SP, &sp) == NRF91_OK &&
		       memap_read_u32(&t->mem, sp + 0x18u, &at) == ADI_OK;
	if (stacked)
		nrf91_set_detail(t,
				 "flash loader: the core took a HardFault (vector catch) at PC "
				 "0x%08x (stacked; handler 0x%08x, xPSR 0x%08x, DFSR 0x%02x, "
				 "CFSR 0x%08x, HFSR 0x%08x; loader status 0x%02x)",
				 (unsigned)at, (unsigned)pc, (unsigned)xpsr, (unsigned)dfsr,
				 (unsigned)cfsr, (unsigned)hfsr, (unsigned)L->status);
	else
		nrf91_set_detail(t,
				 "flash loader: the core %s with PC 0x%08x (xPSR 0x%08x, DFSR "
				 "0x%02x, CFSR 0x%08x, HFSR 0x%08x; loader status 0x%02x)",
				 lockup ? "locked up" : "halted before it finished", (unsigned)pc,
				 (unsigned)xpsr, (unsigned)dfsr, (unsigned)cfsr, (unsigned)hfsr,
				 (unsigned)L->status);
	return NRF91_ERR_CORE_FAULT;
}

/* After a round trip that read tail, status and DHCSR. */
static nrf91_err check_state(struct loader *L)
{
	/* Reading DHCSR clears its sticky S_RESET_ST (the start read it away):
	 * a reset now took the loader with it. */
	if (L->dhcsr & CM_DHCSR_S_RESET_ST) {
		L->t->resets++;
		L->t->halted = false;
		nrf91_set_detail(L->t, "the core was reset while the flash loader ran (status 0x%02x)",
				 (unsigned)L->status);
		return NRF91_ERR_CORE_FAULT;
	}
	if (L->status >= NRFCRED_LOADER_ERR)
		return loader_failed(L);
	if ((L->dhcsr & CM_DHCSR_S_LOCKUP) ||
	    ((L->dhcsr & CM_DHCSR_S_HALT) && L->status != NRFCRED_LOADER_DONE))
		return loader_core_fault(L);
	return NRF91_OK;
}

/* DHCSR first: the loader writes its status before it halts, so the
 * status read after a DHCSR that says halted is final. Read the other way
 * round, a loader that finished between the two reads looked halted while
 * still RUNNING. */
static void queue_state_reads(struct loader *L)
{
	memap_queue_read_u32(&L->t->mem, CM_DHCSR, &L->dhcsr);
	memap_queue_read_u32(&L->t->mem, L->ctrl + NRFCRED_LOADER_TAIL, &L->tail);
	memap_queue_read_u32(&L->t->mem, L->ctrl + NRFCRED_LOADER_STATUS, &L->status);
}

static nrf91_err poll(struct loader *L)
{
	queue_state_reads(L);
	adi_err err = adi_flush(L->t->adi);
	if (err != ADI_OK)
		return nrf91_adi_fail(L->t, err, "polling the flash loader");
	return check_state(L);
}

/* Waits until at most `pending` slots are outstanding. Between polls it
 * idles for a quarter of the oldest slot's NVMC time: the queued slots
 * keep the NVMC busy meanwhile. */
static nrf91_err wait_pending(struct loader *L, uint32_t pending, uint32_t min_delay_us)
{
	/* A loader that stops moving (a lockup, a reset, a core halted by
	 * something else) must not hold the slot for ever: the oldest slot
	 * gets four times its NVMC time plus 100 ms to complete. */
	uint32_t tail = L->tail;
	uint64_t waited_us = 0;
	uint64_t limit_us = (uint64_t)L->words[tail % SLOTS] * NVMC_TWRITE_US * 4u + 100000u;
	while (L->head - L->tail > pending) {
		if (nrf91_aborted(L->t))
			return NRF91_ERR_ABORTED;
		uint32_t us = L->words[L->tail % SLOTS] * NVMC_TWRITE_US / 4u;
		if (us < min_delay_us)
			us = min_delay_us;
		nrf91_err e = nrf91_delay_us(L->t, us);
		if (e == NRF91_OK)
			e = poll(L);
		if (e != NRF91_OK)
			return e;
		if (L->tail != tail) {
			tail = L->tail;
			waited_us = 0;
			limit_us = (uint64_t)L->words[tail % SLOTS] * NVMC_TWRITE_US * 4u + 100000u;
		} else if ((waited_us += us) > limit_us) {
			nrf91_set_detail(L->t,
					 "flash loader made no progress for %llu ms (status 0x%08x): "
					 "the core stopped running it",
					 (unsigned long long)(waited_us / 1000u), (unsigned)L->status);
			loader_stop(L);
			return NRF91_ERR_NVMC_TIMEOUT;
		}
	}
	return NRF91_OK;
}

/* Fills the next slot and commits it with `head`, written last; the same
 * round trip reads back tail and status. */
static nrf91_err submit(struct loader *L, uint32_t cmd, uint32_t addr, uint32_t len,
			const uint32_t *data)
{
	nrf91_err e = wait_pending(L, SLOTS - 1u, 200);
	if (e != NRF91_OK)
		return e;
	uint32_t slot = slot_addr(L, L->head);
	uint32_t hdr[4] = {cmd, addr, len, 0};
	if (data)
		memap_queue_write_words(&L->t->mem, slot + NRFCRED_LOADER_SLOT_DATA, data, len / 4u,
					0);
	memap_queue_write_words(&L->t->mem, slot, hdr, 4, 0);
	L->words[L->head % SLOTS] = data ? len / 4u : 0;
	L->head++;
	memap_queue_write_u32(&L->t->mem, L->ctrl + NRFCRED_LOADER_HEAD, L->head);
	queue_state_reads(L);
	adi_err err = adi_flush(L->t->adi);
	if (err != ADI_OK) {
		memap_invalidate(&L->t->mem);
		char ctx[64];
		snprintf(ctx, sizeof ctx, "flash loader slot for 0x%08x..0x%08x", (unsigned)addr,
			 (unsigned)(addr + len - 1u));
		return nrf91_adi_fail(L->t, err, ctx);
	}
	return check_state(L);
}

/* Vector catch on HardFault for the loader's run, DFSR's sticky bits
 * cleared so that VCATCH is this run's, queued for the next flush (L->demcr
 * read before). DEMCR is in the debug domain and survives the resets that
 * follow (ARMv8-M ARM), so the run puts back what was there before: a
 * provisioner or application must meet its own HardFault handler, not a
 * halt. Counted armed from here: putting L->demcr back is harmless if the
 * write did not land. */
static void queue_arm_fault_catch(struct loader *L)
{
	memap_queue_write_u32(&L->t->mem, CM_DFSR, CM_DFSR_ALL);
	memap_queue_write_u32(&L->t->mem, CM_DEMCR, L->demcr | CM_DEMCR_VC_HARDERR);
	L->catch_armed = true;
}

/* Puts DEMCR back. Ignored on the failure paths: they report the first
 * error. */
static adi_err disarm_fault_catch(struct loader *L)
{
	adi_err err = L->catch_armed ? memap_write_u32(&L->t->mem, CM_DEMCR, L->demcr) : ADI_OK;
	if (err == ADI_OK)
		L->catch_armed = false;
	return err;
}

/* The loader could not be started: the caller takes the direct path, and
 * the trace and nrf91_loader_fallback_reason say why. */
static nrf91_err not_started(struct nrf91 *t, const char *what)
{
	snprintf(t->fallback_reason, sizeof t->fallback_reason, "%s: %.150s", what, t->detail);
	adi_trace_note(t->opts.trace, "flash loader not started (%s): direct path",
		       t->fallback_reason);
	t->loader_fallbacks++;
	return NOT_STARTED;
}

static nrf91_err loader_begin(struct nrf91 *t, struct loader *L)
{
	const struct nrf91_loader_blob *b = &nrf91_loader_blob;
	memset(L, 0, sizeof *L);
	L->t = t;
	uint32_t stack_top = (b->ram_end + STACK_SIZE + 15u) & ~15u;
	L->ctrl = stack_top; /* the stack grows down from here */
	L->slot_base = L->ctrl + 0x40u;
	if (!t->halted) {
		nrf91_err e = cortexm_halt(t);
		if (e != NRF91_OK)
			return fatal(e) ? e : not_started(t, "the core did not halt");
	}
	/* Image data passes through the ring: a trace shows it as the NVMC
	 * writes of the direct path would be, redacted. */
	if (t->opts.trace && !t->loader_ring_redacted) {
		if (adi_trace_redact(t->opts.trace, L->slot_base, SLOTS * SLOT_STRIDE,
				     "flash loader ring") != ADI_TRACE_OK) {
			nrf91_set_detail(t,
					 "could not redact the flash loader's ring in the trace");
			return NRF91_ERR_NOMEM;
		}
		t->loader_ring_redacted = true;
	}
	uint32_t ctrl[NRFCRED_LOADER_CTRL_SIZE / 4] = {0};
	ctrl[NRFCRED_LOADER_STATUS / 4] = NRFCRED_LOADER_STARTING;
	ctrl[NRFCRED_LOADER_SLOTS / 4] = SLOTS;
	ctrl[NRFCRED_LOADER_SLOT_SIZE / 4] = SLOT_SIZE;
	ctrl[NRFCRED_LOADER_SLOT_BASE / 4] = L->slot_base;
	ctrl[NRFCRED_LOADER_FLASH_SIZE / 4] = t->info.flash_kb * 1024u;
	/* Code, control block and the DEMCR read in one round trip. */
	uint32_t code[LOADER_CODE_MAX / 4];
	if (b->size > sizeof code || b->size % 4u)
		return not_started(t, "the flash loader image does not fit its buffer");
	for (size_t i = 0; i < b->size / 4u; i++)
		code[i] = (uint32_t)b->code[4 * i] | (uint32_t)b->code[4 * i + 1] << 8 |
			  (uint32_t)b->code[4 * i + 2] << 16 | (uint32_t)b->code[4 * i + 3] << 24;
	memap_queue_write_words(&t->mem, b->load_addr, code, b->size / 4u, 0);
	memap_queue_write_words(&t->mem, L->ctrl, ctrl, sizeof ctrl / 4u, 0);
	memap_queue_read_u32(&t->mem, CM_DEMCR, &L->demcr);
	adi_err err = adi_flush(t->adi);
	if (err != ADI_OK) {
		memap_invalidate(&t->mem);
		nrf91_err e = nrf91_adi_fail(t, err, "loading the flash loader into RAM");
		return fatal(e) ? e : not_started(t, "RAM did not take the loader");
	}
	/* LR 0xFFFFFFFF: loader_main never returns; if it did, the core
	 * would fault instead of running on. xPSR is written whole, with
	 * EPSR.T set: DebugReturnAddress bit 0 does not set the Thumb state,
	 * and a core resumed with T = 0 faults at once (ARMv8-M ARM, EPSR). */
	static const uint8_t regs[] = {CM_REGSEL_R0, CM_REGSEL_SP, CM_REGSEL_LR, CM_REGSEL_PC,
				       CM_REGSEL_XPSR};
	const uint32_t vals[] = {L->ctrl, stack_top, 0xFFFFFFFFu, b->entry & ~1u, CM_XPSR_THUMB};
	/* The catch goes out with the register writes' round trip. */
	queue_arm_fault_catch(L);
	nrf91_err e = cortexm_write_regs(t, regs, vals, sizeof regs);
	if (e == NRF91_OK)
		e = cortexm_resume(t);
	for (uint32_t i = 0; e == NRF91_OK && i < START_POLLS; i++) {
		e = nrf91_delay_us(t, START_POLL_US);
		if (e == NRF91_OK)
			e = poll(L);
		if (e == NRF91_OK && L->status == NRFCRED_LOADER_RUNNING)
			return NRF91_OK;
	}
	if (e != NRF91_OK) {
		if (fatal(e))
			return e;
		(void)cortexm_halt(t);
		(void)disarm_fault_catch(L);
		return not_started(t, "starting the flash loader failed");
	}
	e = cortexm_halt(t);
	(void)disarm_fault_catch(L);
	if (e != NRF91_OK)
		return fatal(e) ? e : not_started(t, "the core did not halt after the start");
	nrf91_set_detail(t, "status 0x%08x", (unsigned)L->status);
	return not_started(t, "the flash loader did not say it runs");
}

/* END: the loader zeroes its ring, restores read-only mode and halts on
 * its BKPT. END never advances the tail (the loader stops on it), so the
 * wait is for DONE, after whatever was queued before it. */
static nrf91_err loader_end(struct loader *L)
{
	nrf91_err e = wait_pending(L, 0, CRC_POLL_US);
	if (e == NRF91_OK)
		e = submit(L, NRFCRED_LOADER_CMD_END, 0, 0, NULL);
	for (uint32_t i = 0; e == NRF91_OK && L->status != NRFCRED_LOADER_DONE; i++) {
		if (i == END_TIMEOUT_POLLS) {
			nrf91_set_detail(L->t, "flash loader did not finish (status 0x%08x)",
					 (unsigned)L->status);
			loader_stop(L);
			return NRF91_ERR_NVMC_TIMEOUT;
		}
		e = nrf91_delay_us(L->t, CRC_POLL_US);
		if (e == NRF91_OK)
			e = poll(L);
	}
	if (e == NRF91_OK)
		e = cortexm_halt(L->t);
	adi_err err = e == NRF91_OK ? disarm_fault_catch(L) : ADI_OK;
	if (err != ADI_OK)
		return nrf91_adi_fail(L->t, err, "restoring DEMCR after the flash loader");
	return e;
}

/* The words of [ws, we) as nrf91_program_direct walks them: whole words, a
 * word shared by two segments once, partial words padded with 0xFF. With
 * drain false the last slots may still be queued on return: what the
 * caller submits next (the CRC) runs right behind them, with no poll
 * between. */
static nrf91_err program_image(struct loader *L, const struct image *img, bool drain)
{
	struct nrf91 *t = L->t;
	uint32_t *words = malloc(SLOT_SIZE);
	if (!words)
		return NRF91_ERR_NOMEM;
	uint64_t total = 0, done = 0;
	size_t n = image_segment_count(img);
	/* The NVMC idles until the first slot is in: the first slots are
	 * short and grow by half each time (the probe moves a word ~1.8x
	 * faster than tWRITE on a full-speed probe), so the NVMC starts after
	 * 512 bytes instead of a whole slot (~30 ms of a full-speed probe). */
	uint32_t cap = RAMP_FIRST;
	for (int pass = 0; pass < 2; pass++) {
		uint32_t prev_end = 0;
		bool have_prev = false;
		nrf91_err e = NRF91_OK;
		for (size_t i = 0; i < n && e == NRF91_OK; i++) {
			struct image_segment s = image_segment_get(img, i);
			uint32_t ws = s.start & ~3u;
			uint64_t we = ((uint64_t)s.start + s.size + 3u) & ~(uint64_t)3u;
			if (have_prev && ws < prev_end)
				ws = prev_end;
			prev_end = (uint32_t)we;
			have_prev = true;
			if (pass == 0) {
				total += we > ws ? we - ws : 0;
				continue;
			}
			for (uint64_t a = ws; a < we && e == NRF91_OK;) {
				uint32_t len = (uint32_t)(we - a < cap ? we - a : cap);
				if (image_read_filled(img, (uint32_t)a, words, len, 0xFF) !=
				    IMAGE_OK) {
					e = NRF91_ERR_NOMEM;
					break;
				}
				for (uint32_t k = 0; k < len / 4u; k++) {
					const uint8_t *p = (const uint8_t *)&words[k];
					words[k] = (uint32_t)p[0] | (uint32_t)p[1] << 8 |
						   (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
				}
				/* Erased words at either end need no write and no
				 * transfer. */
				uint32_t first = 0, last = len / 4u;
				while (first < last && words[first] == 0xFFFFFFFFu)
					first++;
				while (last > first && words[last - 1u] == 0xFFFFFFFFu)
					last--;
				if (last > first)
					e = submit(L, NRFCRED_LOADER_CMD_PROGRAM,
						   (uint32_t)a + 4u * first, 4u * (last - first),
						   &words[first]);
				if (last > first && cap < SLOT_SIZE)
					cap = cap + cap / 2u > SLOT_SIZE ? SLOT_SIZE
									 : (cap + cap / 2u) & ~3u;
				a += len;
				done += len;
				nrf91_progress(t, NRF91_PHASE_PROGRAM, done, total);
			}
		}
		if (pass == 0)
			nrf91_progress(t, NRF91_PHASE_PROGRAM, 0, total);
		else if (e == NRF91_OK && drain)
			e = wait_pending(L, 0, 200);
		if (e != NRF91_OK) {
			explicit_bzero(words, SLOT_SIZE);
			free(words);
			return e;
		}
	}
	explicit_bzero(words, SLOT_SIZE);
	free(words);
	return NRF91_OK;
}

struct crc_job {
	uint32_t addr, len, expect, got;
	const uint8_t *data; /* the image's bytes of the range */
};

/* A CRC that differs: read the range back to name the word (64 KB at
 * most). If the read-back matches, the CRC or its transfer was wrong, not
 * the flash: a wire error for the caller, not a final mismatch. */
static nrf91_err locate_mismatch(struct loader *L, const struct crc_job *job)
{
	struct nrf91 *t = L->t;
	loader_stop(L);
	nrf91_err e = nrf91_verify_range(t, job->addr, job->data, job->len, NULL);
	if (e == NRF91_OK) {
		nrf91_set_detail(t,
				 "CRC-32 of 0x%08x-0x%08x differs on the target, but a read-back "
				 "of the range matches",
				 (unsigned)job->addr, (unsigned)(job->addr + job->len - 1u));
		return NRF91_ERR_PARITY;
	}
	return e;
}

static nrf91_err crc_batch(struct loader *L, struct crc_job *jobs, size_t count)
{
	uint32_t first = L->head;
	for (size_t i = 0; i < count; i++) {
		nrf91_err e = submit(L, NRFCRED_LOADER_CMD_CRC, jobs[i].addr, jobs[i].len, NULL);
		if (e != NRF91_OK)
			return e;
	}
	nrf91_err e = wait_pending(L, 0, CRC_POLL_US);
	if (e != NRF91_OK)
		return e;
	for (size_t i = 0; i < count; i++)
		memap_queue_read_u32(&L->t->mem,
				     slot_addr(L, first + (uint32_t)i) + NRFCRED_LOADER_SLOT_RESULT,
				     &jobs[i].got);
	adi_err err = adi_flush(L->t->adi);
	if (err != ADI_OK)
		return nrf91_adi_fail(L->t, err, "reading the flash loader's CRCs");
	for (size_t i = 0; i < count; i++)
		if (jobs[i].got != jobs[i].expect)
			return locate_mismatch(L, &jobs[i]);
	return NRF91_OK;
}

/* CRC-32 of every image byte as it is in flash, a range of at most 64 KB
 * per slot, against the host's CRC of the same bytes. */
static nrf91_err crc_image(struct loader *L, const struct image *img)
{
	struct crc_job jobs[SLOTS];
	size_t queued = 0;
	uint64_t total = image_size(img), done = 0;
	nrf91_progress(L->t, NRF91_PHASE_VERIFY, 0, total);
	size_t n = image_segment_count(img);
	for (size_t i = 0; i < n; i++) {
		struct image_segment s = image_segment_get(img, i);
		for (uint64_t off = 0; off < s.size;) {
			uint32_t len = (uint32_t)(s.size - off < CRC_RANGE_MAX ? s.size - off
									       : CRC_RANGE_MAX);
			jobs[queued++] = (struct crc_job){
				.addr = s.start + (uint32_t)off,
				.len = len,
				.expect = crc32_update(0, s.data + off, len),
				.data = s.data + off,
			};
			off += len;
			done += len;
			if (queued == SLOTS) {
				nrf91_err e = crc_batch(L, jobs, queued);
				if (e != NRF91_OK)
					return e;
				queued = 0;
				nrf91_progress(L->t, NRF91_PHASE_VERIFY, done, total);
			}
		}
	}
	nrf91_err e = queued ? crc_batch(L, jobs, queued) : NRF91_OK;
	if (e == NRF91_OK)
		nrf91_progress(L->t, NRF91_PHASE_VERIFY, total, total);
	return e;
}

const char *nrf91_loader_fallback_reason(const struct nrf91 *t)
{
	return t->fallback_reason;
}

/* Ends a loader run that failed with e: stopped where it is, its ring
 * zeroed. A CRC mismatch (the loader itself is fine) was already stopped
 * by locate_mismatch. */
static nrf91_err loader_abandon(struct loader *L, nrf91_err e)
{
	loader_stop(L);
	loader_wipe_ring(L);
	(void)disarm_fault_catch(L);
	return e;
}

nrf91_err nrf91_verify_with(struct nrf91 *t, const struct image *img,
			    enum nrf91_verify_method verify)
{
	t->mismatch_known = false;
	if (verify == NRF91_VERIFY_NONE)
		return NRF91_OK;
	if (verify == NRF91_VERIFY_READBACK)
		return nrf91_verify(t, img, NULL);
	struct loader L;
	nrf91_err e = loader_begin(t, &L);
	if (e == NOT_STARTED)
		return nrf91_verify(t, img, NULL);
	if (e != NRF91_OK)
		return e;
	e = crc_image(&L, img);
	if (e == NRF91_OK)
		e = loader_end(&L);
	return e == NRF91_OK ? NRF91_OK : loader_abandon(&L, e);
}

nrf91_err nrf91_program_with(struct nrf91 *t, const struct image *img, enum nrf91_flash_method how,
			     enum nrf91_verify_method verify)
{
	t->mismatch_known = false;
	uint64_t bytes = 0;
	nrf91_err e = nrf91_check_image(t, img, &bytes);
	if (e != NRF91_OK)
		return e;
	if (how == NRF91_FLASH_DIRECT) {
		e = nrf91_program_direct(t, img);
		return e == NRF91_OK ? nrf91_verify_with(t, img, verify) : e;
	}
	struct loader L;
	e = loader_begin(t, &L);
	if (e == NOT_STARTED)
		return verify == NRF91_VERIFY_NONE ? nrf91_write_image(t, img)
						   : nrf91_program(t, img);
	if (e != NRF91_OK)
		return e;
	t->blank = false;
	e = program_image(&L, img, verify != NRF91_VERIFY_CRC);
	if (e == NRF91_OK && verify == NRF91_VERIFY_CRC)
		e = crc_image(&L, img);
	if (e == NRF91_OK)
		e = loader_end(&L);
	if (e != NRF91_OK)
		return loader_abandon(&L, e);
	if (verify == NRF91_VERIFY_READBACK)
		e = nrf91_verify(t, img, NULL);
	return e;
}
