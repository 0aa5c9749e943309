/*
 * NVMC erase / write through the AHB-AP (nrf91-registers.md §6). The core must
 * be halted (callers in nrf91.c ensure it). Waits are host sleeps between
 * polls (adi_delay_us).
 */
#include "probe/probe.h"
#include "target/nrf91_priv.h"
#include "target/nrf91_regs.h"

#include <stdio.h>
#include <stdlib.h>

/* Polls READY every poll_us after an initial wait, up to timeout_ms of
 * clock time. While an erase stalls the bus the reads answer WAIT for
 * longer than the ADI retry budget; that counts as "still busy". */
static nrf91_err wait_ready(struct nrf91 *t, uint32_t first_wait_us, uint32_t poll_us,
			    uint32_t timeout_ms, const char *what)
{
	nrf91_err e = nrf91_delay_us(t, first_wait_us);
	if (e != NRF91_OK)
		return e;
	uint64_t waited_us = first_wait_us;
	for (;;) {
		uint32_t ready = 0;
		adi_err err = memap_read_u32(&t->mem, NVMC_READY, &ready);
		if (err == ADI_OK && (ready & 1u))
			return NRF91_OK;
		if (err != ADI_OK && err != ADI_ERR_WAIT_TIMEOUT)
			return nrf91_adi_fail(t, err, what);
		/* A read that gave up on WAIT spent the ADI's budget waiting. */
		if (err == ADI_ERR_WAIT_TIMEOUT)
			waited_us += 1000u * (uint64_t)adi_wait_budget_ms(t->adi);
		if (waited_us / 1000u > timeout_ms) {
			nrf91_set_detail(t, "%s: NVMC not ready after %u ms", what,
					 (unsigned)timeout_ms);
			return NRF91_ERR_NVMC_TIMEOUT;
		}
		if (nrf91_aborted(t))
			return NRF91_ERR_ABORTED;
		e = nrf91_delay_us(t, poll_us);
		if (e != NRF91_OK)
			return e;
		waited_us += poll_us;
	}
}

static nrf91_err set_config(struct nrf91 *t, uint32_t mode)
{
	/* CONFIG for secure flash and UICR, CONFIGNS for flash a previous
	 * firmware (TF-M) left marked non-secure in the SPU: write both, as
	 * nrfx does from secure code (CONFIGNS has no partial-erase mode). */
	uint32_t ready = 0;
	memap_queue_write_u32(&t->mem, NVMC_CONFIG, mode);
	memap_queue_write_u32(&t->mem, NVMC_CONFIGNS, mode & 3u);
	/* OpenOCD waits for READY after every CONFIG change: the first READY
	 * read goes out with the two writes. */
	memap_queue_read_u32(&t->mem, NVMC_READY, &ready);
	adi_err err = adi_flush(t->adi);
	if (err != ADI_OK)
		return nrf91_adi_fail(t, err, "writing NVMC.CONFIG/CONFIGNS");
	return (ready & 1u) ? NRF91_OK : wait_ready(t, 0, 100, 100, "NVMC.CONFIG change");
}

nrf91_err nvmc_erase_page(struct nrf91 *t, uint32_t addr)
{
	nrf91_err e = set_config(t, NVMC_CONFIG_EEN);
	if (e != NRF91_OK)
		return e;
	/* No ERASEPAGE register on nRF91: with CONFIG=Een a write of
	 * 0xFFFFFFFF to the page's first word erases the page (nrfx, §6). */
	memap_queue_write_u32(&t->mem, addr & ~(NRF91_FLASH_PAGE - 1u), 0xFFFFFFFFu);
	/* No RDBUFF behind it (it would meet the stall): a trigger the
	 * target dropped makes the first READY poll fail instead. */
	adi_queue_unchecked(t->adi);
	adi_err err = adi_flush(t->adi);
	if (err != ADI_OK)
		return nrf91_adi_fail(t, err, "page erase write");
	/* The erase stalls the bus ~87 ms (errata 2): wait before touching the
	 * AP again. */
	e = wait_ready(t, NVMC_TERASEPAGE_US, 2000, NVMC_ERASEPAGE_TIMEOUT_MS, "NVMC page erase");
	if (e != NRF91_OK)
		return e;
	return set_config(t, NVMC_CONFIG_REN);
}

/* The first word of every 32 KB flash region and of the UICR's protection
 * words: ERASEALL is one operation, so one of them still holding data
 * after it shows that it did not run (blocked, or ignored). */
static nrf91_err erased_samples(struct nrf91 *t, bool *all_erased)
{
	static const uint32_t uicr[] = {UICR_APPROTECT, UICR_SECUREAPPROTECT,
					NRF91_UICR_BASE + 0x030u /* ERASEPROTECT */};
	enum { N = SPU_FLASHREGIONS + sizeof uicr / sizeof uicr[0] };
	uint32_t v[N];
	uint32_t region = t->info.flash_kb * 1024u / SPU_FLASHREGIONS;
	for (uint32_t i = 0; i < SPU_FLASHREGIONS; i++)
		memap_queue_read_u32(&t->mem, i * region, &v[i]);
	for (size_t i = 0; i < sizeof uicr / sizeof uicr[0]; i++)
		memap_queue_read_u32(&t->mem, uicr[i], &v[SPU_FLASHREGIONS + i]);
	adi_err err = adi_flush(t->adi);
	if (err != ADI_OK)
		return nrf91_adi_fail(t, err, "reading flash and UICR after NVMC ERASEALL");
	*all_erased = true;
	for (size_t i = 0; i < N; i++)
		if (v[i] != 0xFFFFFFFFu)
			*all_erased = false;
	return NRF91_OK;
}

nrf91_err nvmc_erase_all(struct nrf91 *t, bool *done)
{
	*done = false;
	/* Secure debug reaches the secure NVMC registers; an SPU at its reset
	 * value leaves every flash region secure and writable. What a
	 * firmware's SPU setting does to a debugger's ERASEALL is not
	 * documented: anything else is the CTRL-AP's job. */
	/* One round trip: without secure debug the SPU reads fail, and the
	 * caller takes the CTRL-AP. */
	uint32_t dhcsr = 0, perm[SPU_FLASHREGIONS];
	memap_queue_read_u32(&t->mem, CM_DHCSR, &dhcsr);
	for (uint32_t i = 0; i < SPU_FLASHREGIONS; i++)
		memap_queue_read_u32(&t->mem, SPU_FLASHREGION_PERM(i), &perm[i]);
	adi_err err = adi_flush(t->adi);
	if (err != ADI_OK)
		return nrf91_adi_fail(t, err, "reading DHCSR and SPU FLASHREGION permissions");
	if (!(dhcsr & CM_DHCSR_S_SDE))
		return NRF91_OK;
	for (uint32_t i = 0; i < SPU_FLASHREGIONS; i++)
		if (perm[i] != SPU_PERM_RESET)
			return NRF91_OK;
	/* CONFIG = Een, READY, ERASEALL in one round trip. OpenOCD waits for
	 * READY between them; here the NVMC is idle (the core was reset and
	 * halted before its first instruction) and the READY value is not
	 * needed: an erase the NVMC did not take shows in the samples after
	 * it. */
	uint32_t ready = 0;
	memap_queue_write_u32(&t->mem, NVMC_CONFIG, NVMC_CONFIG_EEN);
	memap_queue_write_u32(&t->mem, NVMC_CONFIGNS, NVMC_CONFIG_EEN);
	memap_queue_read_u32(&t->mem, NVMC_READY, &ready);
	memap_queue_write_u32(&t->mem, NVMC_ERASEALL, 1u);
	adi_queue_unchecked(t->adi); /* as the page erase trigger */
	err = adi_flush(t->adi);
	if (err != ADI_OK && err != ADI_ERR_WAIT_TIMEOUT)
		return nrf91_adi_fail(t, err, "starting NVMC ERASEALL");
	nrf91_err e;
	/* The erase may stall the bus as a page erase does (errata 2), where
	 * OpenOCD found that only waiting helps ("Neither sending AP ABORT
	 * helps", nrf5.c): no AP access for most of the erase (a J-Link chip
	 * erase of an nRF9160 logs 0.174 s, devzone 49514), then READY polls,
	 * a WAIT counted as busy. */
	e = wait_ready(t, NVMC_ERASEALL_FIRST_WAIT_US, 2000, NVMC_ERASEALL_TIMEOUT_MS,
		       "NVMC ERASEALL");
	if (e == NRF91_OK)
		e = set_config(t, NVMC_CONFIG_REN);
	if (e == NRF91_OK)
		e = erased_samples(t, done);
	return e;
}

/* Words per flush: 1 KB keeps progress events frequent and the queue small. */
#define PROGRAM_CHUNK_WORDS 256u

nrf91_err nvmc_program_words(struct nrf91 *t, uint32_t addr, const uint32_t *words, size_t count,
			     uint64_t *done, uint64_t total)
{
	t->blank = false;
	nrf91_err e = set_config(t, NVMC_CONFIG_WEN);
	if (e != NRF91_OK)
		return e;
	/* Each word write occupies the NVMC for tWRITE and the AHB-AP stays
	 * busy meanwhile (the next AP access would answer WAIT). Pacing every
	 * write with tWRITE of idle clock avoids a WAIT round trip per word;
	 * a slower part still works through the WAIT retry. */
	uint32_t khz = t->probe->speed_khz ? t->probe->speed_khz : 4000u;
	uint32_t pace = NVMC_TWRITE_US * khz / 1000u + 1u;
	size_t i = 0;
	while (i < count) {
		if (nrf91_aborted(t)) {
			(void)set_config(t, NVMC_CONFIG_REN); /* best effort */
			return NRF91_ERR_ABORTED;
		}
		size_t end = i + PROGRAM_CHUNK_WORDS < count ? i + PROGRAM_CHUNK_WORDS : count;
		size_t j = i;
		while (j < end) {
			/* Erased flash already reads 0xFFFFFFFF: writing it would
			 * only spend one of the nWRITE = 2 writes. */
			if (words[j] == 0xFFFFFFFFu) {
				j++;
				continue;
			}
			size_t run = j;
			while (run < end && words[run] != 0xFFFFFFFFu)
				run++;
			memap_queue_write_words(&t->mem, addr + (uint32_t)(j * 4u), &words[j],
						run - j, pace);
			j = run;
		}
		/* The flush's write check comes after the last word's tWRITE
		 * idle: no stall left to meet. */
		adi_err err = adi_flush(t->adi);
		if (err != ADI_OK) {
			memap_invalidate(&t->mem);
			char ctx[64];
			snprintf(ctx, sizeof(ctx), "programming 0x%08x..0x%08x",
				 (unsigned)(addr + i * 4u), (unsigned)(addr + end * 4u - 1u));
			return nrf91_adi_fail(t, err, ctx);
		}
		*done += (end - i) * 4u;
		nrf91_progress(t, NRF91_PHASE_PROGRAM, *done, total);
		i = end;
	}
	e = wait_ready(t, 0, 100, 100, "NVMC write");
	if (e != NRF91_OK)
		return e;
	return set_config(t, NVMC_CONFIG_REN);
}
