/*
 * The worker side of the gang runner: one blocking probe step per slot
 * state, run by uv_queue_work on the thread pool. Each function touches only
 * its own slot (and the job, read-only); the loop thread reads the outcome
 * in the work's completion callback.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/platform_util.h>

#include "image/image.h"
#include "probe/probe.h"
#include "provision/result.h"
#include "provision/table.h"
#include "station/config.h"
#include "station/board_table.h"
#include "station/job.h"
#include "station/keygen.h"
#include "station/runner_priv.h"

static void on_progress(void *user, enum nrf91_phase phase, uint64_t done, uint64_t total)
{
	struct slot *s = user;
	/* Only program, verify and read-back count bytes; connect, erase and
	 * run report 0/1 steps, which would read as "1B/1B" on the dashboard. */
	if (phase != NRF91_PHASE_PROGRAM && phase != NRF91_PHASE_VERIFY &&
	    phase != NRF91_PHASE_READ)
		total = done = 0;
	atomic_store_explicit(&s->progress_bytes, true, memory_order_relaxed);
	atomic_store_explicit(&s->progress_total, total, memory_order_relaxed);
	atomic_store_explicit(&s->progress_done, done, memory_order_relaxed);
}

static nrf91_err attach(struct slot *s, bool allow_recover)
{
	struct nrf91_options o = {.allow_recover = allow_recover,
				  .abort_flag = &s->abort,
				  .progress = on_progress,
				  .progress_user = s,
				  .trace = s->trace};
	if (s->target) {
		nrf91_detach(s->target);
		s->target = NULL;
	}
	/* The runner lowers swd_khz after wire errors (4 -> 2 -> 1 MHz). */
	if (s->swd_khz && s->swd_khz != s->probe->speed_khz) {
		uint32_t actual = 0;
		if (probe_set_speed(s->probe, s->swd_khz, &actual) != PROBE_OK) {
			snprintf(s->detail, sizeof s->detail, "setting the SWD clock: %s",
				 probe_last_error_detail(s->probe));
			return NRF91_ERR_PROBE;
		}
	}
	nrf91_err e = nrf91_attach(s->probe, &o, &s->target, &s->info);
	if (e != NRF91_OK)
		snprintf(s->detail, sizeof s->detail, "%s", s->info.error_detail);
	return e;
}

/* flash_method and verify of the station file (verify = auto: the loader's
 * CRC with the loader, read-back with the direct path). */
static enum nrf91_flash_method flash_method(const struct slot *s)
{
	return s->r->cfg->flash_method == STATION_FLASH_DIRECT ? NRF91_FLASH_DIRECT
							       : NRF91_FLASH_LOADER;
}

static enum nrf91_verify_method verify_method(const struct slot *s)
{
	switch (s->r->cfg->verify) {
	case STATION_VERIFY_CRC:
		return NRF91_VERIFY_CRC;
	case STATION_VERIFY_READBACK:
		return NRF91_VERIFY_READBACK;
	case STATION_VERIFY_AUTO:
		break;
	}
	return flash_method(s) == NRF91_FLASH_LOADER ? NRF91_VERIFY_CRC : NRF91_VERIFY_READBACK;
}

static void set_detail_from_target(struct slot *s)
{
	if (s->target)
		snprintf(s->detail, sizeof s->detail, "%s", nrf91_last_error_detail(s->target));
}

/* The firmware's live progress word (provision.h: phase << 24 | entry << 16
 * | entries), shown as a fraction of the run. Display only: a read error or
 * a nonsense value is ignored. */
void slot_show_firmware_progress(struct slot *s, uint32_t w)
{
	if (s->r->job->manifest.progress_addr == 0)
		return;
	unsigned phase = w >> 24, entry = (w >> 16) & 0xFFu, entries = w & 0xFFFFu;
	if (phase < NRFCRED_PHASE_BOOT || phase > NRFCRED_PHASE_DONE)
		return;
	/* Six phase steps; the credentials step moves entry by entry. */
	uint64_t permille = (uint64_t)(phase - NRFCRED_PHASE_BOOT) * 1000u / 6u;
	if (phase == NRFCRED_PHASE_CREDENTIALS && entries > 0 && entry <= entries)
		permille += (uint64_t)entry * 1000u / 6u / entries;
	atomic_store_explicit(&s->progress_bytes, false, memory_order_relaxed);
	atomic_store_explicit(&s->progress_total, 1000, memory_order_relaxed);
	atomic_store_explicit(&s->progress_done, permille, memory_order_relaxed);
}

/* Reads the result block: the status word first (written last by the
 * firmware), then the whole block once it is final. */
enum slot_outcome slot_fail(struct slot *s, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(s->detail, sizeof s->detail, fmt, ap);
	va_end(ap);
	return SLOT_OUT_FAILED;
}

/* A read that fails while the firmware runs is most often the board
 * resetting itself (an NCS image does once on its first boot: MDK
 * SystemInit writes UICR.HFXOSRC/HFXOCNT, then resets; an nRF91x1 is locked
 * again until SystemInit opens it). That is a normal event: wait for the
 * debug port to open again and poll on, until the runner's deadline. Only
 * a dead probe or an abort ends the step here. */
enum slot_outcome slot_lost_access(struct slot *s, nrf91_err e)
{
	if (e == NRF91_ERR_PROBE || e == NRF91_ERR_ABORTED || e == NRF91_ERR_NOMEM) {
		s->err = e;
		set_detail_from_target(s);
		return SLOT_OUT_FAILED;
	}
	e = nrf91_reacquire(s->target, 200);
	if (e == NRF91_ERR_PROBE || e == NRF91_ERR_ABORTED) {
		s->err = e;
		set_detail_from_target(s);
		return SLOT_OUT_FAILED;
	}
	s->access_lost++;
	return SLOT_OUT_PENDING;
}

static enum slot_outcome poll_result(struct slot *s)
{
	const struct manifest *m = &s->r->job->manifest;
	uint32_t status = 0, progress = 0;
	bool reset_seen = false;
	nrf91_err e = nrf91_poll_words(s->target, &reset_seen, m->result_addr, &status, 1,
				       m->progress_addr, &progress);
	if (e != NRF91_OK)
		return slot_lost_access(s, e);
	if (status == NRFCRED_RESULT_STATUS_PENDING) {
		slot_show_firmware_progress(s, progress);
		return SLOT_OUT_PENDING;
	}
	uint8_t head[NRFCRED_RESULT_HEADER_SIZE];
	e = nrf91_read(s->target, m->result_addr, head, sizeof head);
	if (e != NRF91_OK)
		return slot_lost_access(s, e);
	uint32_t total = (uint32_t)head[12] | (uint32_t)head[13] << 8 | (uint32_t)head[14] << 16 |
			 (uint32_t)head[15] << 24;
	/* Hostile: never read more than the area the manifest reserves. */
	if (total < sizeof head || total > m->result_max ||
	    total > NRFCRED_RESULT_SIZE(NRFCRED_TABLE_MAX_ENTRIES))
		total = sizeof head;
	uint8_t *buf = malloc(total);
	if (buf == NULL) {
		s->err = NRF91_ERR_NOMEM;
		return SLOT_OUT_FAILED;
	}
	e = nrf91_read(s->target, m->result_addr, buf, total);
	if (e != NRF91_OK) {
		free(buf);
		return slot_lost_access(s, e);
	}
	struct provision_diag pd = {{0}};
	result_err re = result_decode(buf, total, m->result_max, &s->result, &pd);
	free(buf);
	if (re != RESULT_OK) {
		snprintf(s->detail, sizeof s->detail, "result block unreadable: %s%s%s",
			 result_strerror(re), pd.text[0] ? ": " : "", pd.text);
		return SLOT_OUT_FAILED;
	}
	s->have_result = true;
	return SLOT_OUT_OK;
}

static enum slot_outcome check_result(struct slot *s)
{
	struct provision_diag pd = {{0}};
	enum result_digest_policy policy = s->r->cfg->verify_digest == STATION_DIGEST_WHEN_AVAILABLE
						   ? RESULT_DIGEST_WHEN_AVAILABLE
						   : RESULT_DIGEST_REQUIRE;
	if (s->refusal[0]) { /* at READY: nothing was sent */
		snprintf(s->detail, sizeof s->detail, "%s", s->refusal);
		return SLOT_OUT_FAILED;
	}
	result_err re = result_check(&s->result, slot_sent_table(s), policy, &pd);
	if (re == RESULT_OK && !slot_imei_is_new(s, s->result.imei))
		return SLOT_OUT_FAILED;
	/* The flash delivery learns the IMEI only here, after the modem
	 * stored what the image carried. */
	if (re == RESULT_OK && !slot_imei_not_provisioned(s, s->result.imei)) {
		snprintf(s->detail, sizeof s->detail, "%s", s->refusal);
		return SLOT_OUT_FAILED;
	}
	/* The per-board table passed; the keygen entries' certificates, the
	 * attestation policy and the nRF Cloud files come next. */
	if (re == RESULT_OK)
		return keygen_check(s);
	if (re == RESULT_ERR_STATUS)
		snprintf(s->detail, sizeof s->detail, "firmware reported %s%s%s",
			 result_status_name(s->result.status), pd.text[0] ? ": " : "", pd.text);
	else
		snprintf(s->detail, sizeof s->detail, "%s%s%s", result_strerror(re),
			 pd.text[0] ? ": " : "", pd.text);
	return SLOT_OUT_FAILED;
}

/* Reads [addr, addr+len) back and checks every byte is 0xFF. */
static nrf91_err check_blank(struct slot *s, uint32_t addr, uint64_t len, uint64_t *done,
			     uint64_t total)
{
	uint8_t buf[4096];
	nrf91_err e = NRF91_OK;
	while (len > 0 && e == NRF91_OK) {
		size_t n = len < sizeof buf ? (size_t)len : sizeof buf;
		e = nrf91_read(s->target, addr, buf, n);
		for (size_t i = 0; e == NRF91_OK && i < n; i++)
			if (buf[i] != 0xFF) {
				const struct manifest *m = &s->r->job->manifest;
				uint32_t at = addr + (uint32_t)i;
				/* A byte of the table may be a byte of a key: its value
				 * never goes into the error text (CSV, stdout). */
				if (at - m->table_addr < m->table_max)
					snprintf(s->detail, sizeof s->detail,
						 "0x%08" PRIx32 " (credential table) is not "
						 "blank after erase-all",
						 at);
				else
					snprintf(s->detail, sizeof s->detail,
						 "0x%08" PRIx32 " reads 0x%02x after erase-all", at,
						 buf[i]);
				e = NRF91_ERR_VERIFY;
			}
		addr += (uint32_t)n;
		len -= n;
		*done += n;
		if (e == NRF91_OK)
			on_progress(s, NRF91_PHASE_READ, *done, total);
	}
	/* After a failed erase this read back the table: no key stays on the
	 * stack. */
	mbedtls_platform_zeroize(buf, sizeof buf);
	return e;
}

/* Adds [start, end) minus the parts `cover`'s segments hold, as 0xFF
 * bytes, to blank. */
static bool add_uncovered(struct image *blank, uint32_t start, uint64_t end,
			  const struct image *cover, const uint8_t *ff, size_t ff_len)
{
	uint64_t at = start;
	size_t n = cover ? image_segment_count(cover) : 0;
	for (size_t i = 0; at < end; i++) {
		uint64_t next = end, skip_to = end;
		if (i < n) {
			struct image_segment c = image_segment_get(cover, i);
			uint64_t cs = c.start, ce = (uint64_t)c.start + c.size;
			if (ce <= at)
				continue;
			next = cs < end ? (cs > at ? cs : at) : end;
			skip_to = ce;
		}
		for (uint64_t a = at; a < next;) {
			size_t len = next - a < ff_len ? (size_t)(next - a) : ff_len;
			if (image_write(blank, (uint32_t)a, ff, len) != IMAGE_OK)
				return false;
			a += len;
		}
		at = skip_to > next ? skip_to : next;
	}
	return true;
}

/*
 * After ERASEALL, the ranges to prove blank: every byte this run wrote, i.e.
 * the provisioner's segments (the table with the keys among them) and, with
 * the flash delivery, the result area the firmware wrote, and the app's
 * segments on a board that heads for FAILED (a PROGRAM_APP may have
 * written part of them). With the RAM delivery neither the table nor the
 * result area is written: the firmware takes the session when no table is
 * patched in (firmware/sim/main.c) and answers in the mailbox only
 * (firmware/core/session.c; the NCS build has no result area at all), and
 * the RAM check before this shows the erase-all ran. ERASEALL clears the whole
 * flash and UICR in one NVMC operation (nRF9160 PS, NVMC ERASEALL), so
 * these ranges prove it ran; a full 1 MiB read (nrf91_check_erased) would
 * multiply the wipe time by ten on a 4 MHz SWD clock for no extra
 * assurance.
 * When the app follows, provisioner bytes that the app's segments cover
 * are left to VERIFY_APP, which proves every one of them holds the app
 * (the loader also finds each word it writes erased first); the table and
 * result areas of the flash delivery are proven here whatever covers them:
 * the table holds keys. For the reference job that is 384 KB less to prove
 * in the wipe, and no loader run at all (RAM delivery).
 */
static struct image *wiped_ranges(struct slot *s, bool app_follows)
{
	const struct station_job *job = s->r->job;
	const struct manifest *m = &job->manifest;
	enum { FF_LEN = 4096 };
	uint8_t *ff = malloc(FF_LEN);
	struct image *blank = image_create();
	bool ok = ff && blank;
	if (ff)
		memset(ff, 0xFF, FF_LEN);
	const struct image *cover = app_follows ? job->app : NULL;
	for (size_t i = 0; ok && i < image_segment_count(job->image); i++) {
		struct image_segment seg = image_segment_get(job->image, i);
		ok = add_uncovered(blank, seg.start, (uint64_t)seg.start + seg.size, cover, ff,
				   FF_LEN);
	}
	for (size_t i = 0; ok && !app_follows && job->app && i < image_segment_count(job->app);
	     i++) {
		struct image_segment seg = image_segment_get(job->app, i);
		ok = add_uncovered(blank, seg.start, (uint64_t)seg.start + seg.size, NULL, ff,
				   FF_LEN);
	}
	if (ok && job->delivery != STATION_DELIVERY_RAM && m->table_max)
		ok = add_uncovered(blank, m->table_addr, (uint64_t)m->table_addr + m->table_max,
				   NULL, ff, FF_LEN);
	if (ok && job->delivery != STATION_DELIVERY_RAM && m->result_max)
		ok = add_uncovered(blank, m->result_addr, (uint64_t)m->result_addr + m->result_max,
				   NULL, ff, FF_LEN);
	free(ff);
	if (!ok) {
		image_destroy(blank);
		return NULL;
	}
	return blank;
}

static nrf91_err check_wiped(struct slot *s, bool app_follows)
{
	struct image *blank = wiped_ranges(s, app_follows);
	if (blank == NULL)
		return NRF91_ERR_NOMEM;
	nrf91_err e = NRF91_OK;
	if (image_segment_count(blank) == 0) {
		image_destroy(blank);
		return NRF91_OK;
	}
	/* verify = crc: the loader's CRC-32 of the ranges against that of
	 * erased bytes. Reading them back is 388 KB over SWD for a 128 KB
	 * provisioner and a 256 KB app: 3.1 s of an 8.8 s board on a
	 * full-speed probe (tools/bench, reference job). */
	if (verify_method(s) == NRF91_VERIFY_CRC) {
		e = nrf91_verify_with(s->target, blank, NRF91_VERIFY_CRC);
		/* The range only (nrf91_verify_with never names bytes). */
		if (e == NRF91_ERR_VERIFY)
			snprintf(s->detail, sizeof s->detail, "not blank after erase-all: %s",
				 nrf91_last_error_detail(s->target));
		if (e == NRF91_OK)
			on_progress(s, NRF91_PHASE_READ, 1, 1);
	} else {
		uint64_t total = image_size(blank), done = 0;
		for (size_t i = 0; e == NRF91_OK && i < image_segment_count(blank); i++) {
			struct image_segment seg = image_segment_get(blank, i);
			e = check_blank(s, seg.start, seg.size, &done, total);
		}
	}
	image_destroy(blank);
	return e;
}

static enum slot_outcome wipe(struct slot *s)
{
	struct runner *r = s->r;
	/* After the first Ctrl-C the abort flag stopped the step; the wipe
	 * must still run. Only a second Ctrl-C skips it. */
	if (atomic_load(&r->hard_abort)) {
		snprintf(s->detail, sizeof s->detail, "aborted: the board was NOT wiped");
		s->err = NRF91_ERR_ABORTED;
		return SLOT_OUT_FAILED;
	}
	atomic_store(&s->abort, false);
	if (atomic_load(&r->hard_abort))
		atomic_store(&s->abort, true);
	nrf91_err e = NRF91_OK;
	/* The wipe is a CTRL-AP ERASEALL, which works on a locked part: the
	 * attach must not stop at APPROTECT, and its own recover (allowed or
	 * not) would only be a first erase-all. */
	if (s->target == NULL) {
		e = attach(s, r->cfg->approtect == STATION_APPROTECT_RECOVER || s->touched);
		/* A protected board this run never wrote to (approtect = fail):
		 * nothing of ours is on it, and the policy says not to erase it. */
		if (e == NRF91_ERR_PROTECTED && !s->touched) {
			s->detail[0] = '\0';
			return SLOT_OUT_OK;
		}
		if (e == NRF91_OK)
			s->detail[0] = '\0';
	}
	if (e == NRF91_OK)
		e = nrf91_wipe(s->target);
	/* RAM first: a CRC check of the flash loads the loader into RAM. */
	if (e == NRF91_OK && r->job->delivery == STATION_DELIVERY_RAM)
		e = slot_session_check_erased(s);
	/* flow is the loop thread's, written before this step was queued. */
	bool app_follows =
		s->flow.has_app && !s->flow.failing && !s->flow.interrupted && !s->wipe_full;
	s->wipe_left_to_app = false;
	if (e == NRF91_OK)
		e = check_wiped(s, app_follows);
	if (e == NRF91_OK)
		s->wipe_left_to_app = app_follows;
	/* Last probe step of this board unless the app follows: let the part
	 * leave debug power mode. */
	if (e == NRF91_OK && (s->flow.failing || !s->flow.has_app))
		e = nrf91_release(s->target);
	if (e != NRF91_OK) {
		s->err = e;
		if (s->target && s->detail[0] == '\0')
			set_detail_from_target(s);
		return SLOT_OUT_FAILED;
	}
	return SLOT_OUT_OK;
}

enum slot_recovery slot_recovery_run(struct slot *s)
{
	struct runner *r = s->r;
	s->err = NRF91_OK;
	s->detail[0] = '\0';
	/* A locked part cannot show its DEVICEID. With approtect = recover the
	 * station erases any locked board it is given, so the attach may
	 * erase it first and then compare; with approtect = fail it may not. */
	nrf91_err e = attach(s, r->cfg->approtect == STATION_APPROTECT_RECOVER);
	enum slot_recovery out;
	if (e == NRF91_ERR_NO_TARGET) {
		snprintf(s->detail, sizeof s->detail, "no board answers on SWD");
		out = SLOT_RECOVERY_OTHER_BOARD;
	} else if (e != NRF91_OK) {
		s->err = e;
		if (e == NRF91_ERR_PROTECTED)
			snprintf(s->detail, sizeof s->detail,
				 "the board in the slot is locked and the station's approtect "
				 "policy is 'fail'");
		out = SLOT_RECOVERY_UNCHECKED;
	} else if (s->info.device_id != s->leftover.device_id) {
		snprintf(s->detail, sizeof s->detail, "board %016" PRIx64 " is there instead",
			 s->info.device_id);
		out = SLOT_RECOVERY_OTHER_BOARD;
	} else {
		/* The final wipe's own checks: ERASEALL, then what this
		 * station's images and mailbox cover reads back blank. */
		e = nrf91_wipe(s->target);
		if (e == NRF91_OK && r->job->delivery == STATION_DELIVERY_RAM)
			e = slot_session_check_erased(s);
		if (e == NRF91_OK)
			e = check_wiped(s, false);
		if (e == NRF91_OK)
			e = nrf91_release(s->target);
		if (e != NRF91_OK) {
			s->err = e;
			if (s->detail[0] == '\0')
				set_detail_from_target(s);
		}
		out = e == NRF91_OK ? SLOT_RECOVERY_WIPED : SLOT_RECOVERY_WIPE_FAILED;
	}
	if (s->target) {
		nrf91_detach(s->target);
		s->target = NULL;
	}
	return out;
}

static enum slot_outcome from_err(struct slot *s, nrf91_err e)
{
	s->err = e;
	if (e == NRF91_OK)
		return SLOT_OUT_OK;
	set_detail_from_target(s);
	return SLOT_OUT_FAILED;
}

/* The cause of a mismatch names the word, never the bytes: they may be
 * key bytes (CSV, JSON, the dashboard). */
static enum slot_outcome verify(struct slot *s, const struct image *img)
{
	uint32_t at = 0;
	nrf91_err e = nrf91_verify(s->target, img, &at);
	if (e != NRF91_ERR_VERIFY)
		return from_err(s, e);
	s->err = e;
	snprintf(s->detail, sizeof s->detail, "verify mismatch at 0x%08" PRIx32, at);
	return SLOT_OUT_FAILED;
}

/* The loader paths: a word that differs is final with its address, as
 * VERIFY says it for the direct path; a loader that could not be started
 * is remembered for the board's record. */
static enum slot_outcome loader_outcome(struct slot *s, nrf91_err e)
{
	const char *why = nrf91_loader_fallback_reason(s->target);
	if (why[0])
		snprintf(s->loader_fallback, sizeof s->loader_fallback, "%s", why);
	uint32_t at = 0;
	if (e != NRF91_ERR_VERIFY || !nrf91_last_mismatch(s->target, &at))
		return from_err(s, e);
	s->err = e;
	snprintf(s->detail, sizeof s->detail, "verify mismatch at 0x%08" PRIx32, at);
	return SLOT_OUT_FAILED;
}

/*
 * PROGRAM with the loader and verify = crc: the same loader run programs
 * and computes the CRC-32 of every range, and the verdict waits for VERIFY,
 * which reports it as it would have found it. A second loader run in
 * VERIFY cost its load, start and end for nothing new (~50 ms a step at
 * full speed, tools/bench reference board). A mismatch is VERIFY's failure
 * (final, naming the word); any other error is PROGRAM's own.
 */
static enum slot_outcome program_crc(struct slot *s, const struct image *img)
{
	s->crc_verdict = false;
	nrf91_err e = nrf91_program_with(s->target, img, NRF91_FLASH_LOADER, NRF91_VERIFY_CRC);
	enum slot_outcome out = loader_outcome(s, e);
	if (e != NRF91_OK && e != NRF91_ERR_VERIFY)
		return out;
	s->crc_verdict = true;
	s->crc_err = e;
	snprintf(s->crc_detail, sizeof s->crc_detail, "%s", e == NRF91_OK ? "" : s->detail);
	s->err = NRF91_OK;
	s->detail[0] = '\0';
	return SLOT_OUT_OK;
}

/* VERIFY after program_crc: its verdict, once. */
static enum slot_outcome crc_verdict(struct slot *s)
{
	s->crc_verdict = false;
	s->err = s->crc_err;
	if (s->crc_err == NRF91_OK)
		return SLOT_OUT_OK;
	snprintf(s->detail, sizeof s->detail, "%s", s->crc_detail);
	return SLOT_OUT_FAILED;
}

enum slot_outcome slot_step_run(struct slot *s)
{
	struct runner *r = s->r;
	const struct station_job *job = r->job;
	nrf91_err e;
	uint16_t mv = 0;
	s->err = NRF91_OK;
	s->detail[0] = '\0';

	/* A retried step after a broken connection starts from a fresh one. */
	if (s->target == NULL && s->state != SLOT_CONNECT && s->state != SLOT_RECOVER &&
	    s->state != SLOT_WAIT_BOARD && s->state != SLOT_WAIT_REMOVE && s->state != SLOT_WIPE &&
	    s->state != SLOT_CHECK) {
		/* A board this run wrote to may have locked itself again; an
		 * erase of it removes only what this run put there. */
		e = attach(s, s->touched);
		if (e != NRF91_OK) {
			s->err = e;
			return SLOT_OUT_FAILED;
		}
	}

	switch (s->state) {
	case SLOT_WAIT_BOARD:
	case SLOT_WAIT_REMOVE: {
		probe_err pe = probe_vtref(s->probe, &mv);
		if (pe != PROBE_OK) {
			s->err = NRF91_ERR_PROBE;
			snprintf(s->detail, sizeof s->detail, "VTref: %s",
				 probe_last_error_detail(s->probe));
			return SLOT_OUT_FAILED;
		}
		if (s->state == SLOT_WAIT_BOARD) {
			s->vtref_polls = mv >= VTREF_PRESENT_MV ? s->vtref_polls + 1 : 0;
			return s->vtref_polls >= VTREF_STABLE_POLLS ? SLOT_OUT_OK
								    : SLOT_OUT_PENDING;
		}
		return mv < VTREF_ABSENT_MV ? SLOT_OUT_OK : SLOT_OUT_PENDING;
	}
	case SLOT_CONNECT:
		e = attach(s, false);
		if (e == NRF91_ERR_PROTECTED && r->cfg->approtect == STATION_APPROTECT_RECOVER)
			return SLOT_OUT_PROTECTED;
		if (e == NRF91_ERR_PROTECTED)
			snprintf(s->detail, sizeof s->detail,
				 "APPROTECT is on and the station's approtect policy is 'fail'");
		s->err = e;
		return e == NRF91_OK ? SLOT_OUT_OK : SLOT_OUT_FAILED;
	case SLOT_RECOVER:
		e = attach(s, true);
		s->err = e;
		return e == NRF91_OK ? SLOT_OUT_OK : SLOT_OUT_FAILED;
	case SLOT_ERASE:
		/* From here on the board holds what this run wrote: a wipe may
		 * erase it even when it locked itself again. */
		s->touched = true;
		if (r->cfg->erase == STATION_ERASE_ALL)
			return from_err(s, nrf91_erase_all(s->target));
		else {
			bool erased = false;
			e = nrf91_check_erased(s->target, &erased);
			if (e != NRF91_OK)
				return from_err(s, e);
			if (!erased) {
				snprintf(s->detail, sizeof s->detail,
					 "chip is not blank and the erase policy is 'check'");
				return SLOT_OUT_FAILED;
			}
			/* A blank nRF91x1 still needs HwUnprotected in UICR, or
			 * RUN's reset locks it for good (review finding). */
			return from_err(s, nrf91_keep_debug_open(s->target));
		}
	case SLOT_PROGRAM:
		/* Direct: the words are written here and VERIFY reads them back
		 * (a mismatch names its address and is final). The loader with
		 * verify = crc computes the CRC-32 in the same run and VERIFY
		 * reports it (program_crc); with read-back it only writes. */
		if (flash_method(s) == NRF91_FLASH_DIRECT)
			return from_err(s, nrf91_write_image(s->target, job->image));
		if (verify_method(s) == NRF91_VERIFY_CRC)
			return program_crc(s, job->image);
		return loader_outcome(s, nrf91_program_with(s->target, job->image,
							    flash_method(s), NRF91_VERIFY_NONE));
	case SLOT_VERIFY:
		if (s->crc_verdict)
			return crc_verdict(s);
		if (verify_method(s) == NRF91_VERIFY_READBACK)
			return verify(s, job->image);
		return loader_outcome(s, nrf91_verify_with(s->target, job->image, verify_method(s)));
	case SLOT_RUN:
		/* A reset starts a new boot: any conversation before it is void,
		 * and a boot still in the mailbox must not be answered. */
		if (job->delivery == STATION_DELIVERY_RAM)
			slot_session_prepare_run(s);
		return from_err(s, nrf91_reset_run(s->target, r->cfg->timeout_ms));
	case SLOT_AWAIT_RESULT:
		return job->delivery == STATION_DELIVERY_RAM ? slot_session_poll(s)
							     : poll_result(s);
	case SLOT_CHECK:
		return check_result(s);
	case SLOT_WIPE:
		return wipe(s);
	case SLOT_PROGRAM_APP:
		/* After the wipe's erase-all, before the reset that starts the
		 * app: an nRF91x1 stays debuggable only with HwUnprotected in
		 * UICR (lock = yes writes Protected there instead). */
		if (!r->cfg->lock && (e = nrf91_keep_debug_open(s->target)) != NRF91_OK)
			return from_err(s, e);
		/* Direct: the words are written here and VERIFY reads them back
		 * (a mismatch names its address and is final). The loader with
		 * verify = crc computes the CRC-32 in the same run and VERIFY
		 * reports it (program_crc); with read-back it only writes. */
		if (flash_method(s) == NRF91_FLASH_DIRECT)
			return from_err(s, nrf91_write_image(s->target, job->app));
		if (verify_method(s) == NRF91_VERIFY_CRC)
			return program_crc(s, job->app);
		return loader_outcome(s, nrf91_program_with(s->target, job->app, flash_method(s),
							    NRF91_VERIFY_NONE));
	case SLOT_VERIFY_APP:
		if (s->crc_verdict)
			return crc_verdict(s);
		if (verify_method(s) == NRF91_VERIFY_READBACK)
			return verify(s, job->app);
		return loader_outcome(s, nrf91_verify_with(s->target, job->app, verify_method(s)));
	case SLOT_RESET_APP:
		/* lock = yes: protect, reset, and prove it on the CTRL-AP. */
		if (r->cfg->lock) {
			e = nrf91_lock(s->target);
			s->locked = e == NRF91_OK;
			return from_err(s, e);
		}
		return from_err(s, nrf91_reset_release(s->target));
	default:
		return SLOT_OUT_OK;
	}
}
