/*
 * Simulated nRF91 board: lifetime (state file + lock), resets and APPROTECT
 * latching, time, the SWD entry point, counters. The parts live in
 * swd_wire.c (bits), dap.c (DP), memap.c / ctrlap.c (APs), board_bus.c
 * (memory map), nvmc.c, core.c, ficr.c, state.c, session_fault.c.
 */
#include "board_impl.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

void simboard_timing_defaults(struct simboard_timing *t)
{
	/* nrf91-registers.md 6: tERASEPAGE ~87 ms (nrfx, OpenOCD); the others
	 * are UNCONFIRMED for nRF91 and chosen as plausible values. */
	t->nvmc_write_word_ns = 41000; /* nRF52840 figure */
	t->nvmc_erase_page_ns = 87000000;
	/* A J-Link "Erasing Chip" of an nRF9160 logs "Erase: 0.174s"
	 * (devzone 49514; its RAM code, the mechanism not shown). */
	t->nvmc_erase_all_ns = 170000000;
	t->ctrlap_erase_all_ns = 300000000; /* "a few hundred ms" */
	t->modem_start_ns = 200000000;
	t->modem_cmd_ns = 5000000;
	t->modem_cmng_write_ns = 60000000;
	t->cpu_hz = 64000000; /* nRF91 application core clock */
}

bool board_is_91x1(const struct simboard *b)
{
	return b->st.part != SIMBOARD_NRF9160;
}

uint32_t board_uicr_word(const struct simboard *b, uint32_t off)
{
	const uint8_t *p = b->st.uicr + off;
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

bool board_responds(const struct simboard *b)
{
	return b->cfg.present && !b->removed;
}

/*
 * APPROTECT as Nordic documents it (docs/hardware/nrf91.md, "APPROTECT"):
 * - nRF9160: hardware only. UICR.APPROTECT / SECUREAPPROTECT are latched at
 *   every reset; Unprotected is 0xFFFFFFFF (nrfx nrf9160_bitfields.h). Other
 *   values than the two named ones are UNCONFIRMED: the harsher reading,
 *   anything but Unprotected protects. A CTRL-AP ERASEALL takes effect "after
 *   the next reset" (nRF9160 PS, CTRL-AP "Erase all").
 * - nRF91x1: hardware and software. Protected after every reset (NCS "Managing
 *   access port protection": ships protected, "re-enables on every hard
 *   reset"; harsher reading: every reset, soft ones included). Open only when
 *   the latched UICR word is HwUnprotected 0x50FA50FA AND the firmware wrote
 *   DISABLE = SwUnprotected since the reset (nrfx system_nrf91_approtect.h);
 *   FORCEPROTECT locks until the next reset. A CTRL-AP ERASEALL "temporarily
 *   removes" the protection (nRF91x1 PS, CTRL-AP): open at once, until the
 *   next reset of any kind (harsher reading).
 */
static bool open_by(const struct simboard *b, uint32_t uicr, bool sw_disabled, bool forced)
{
	if (!board_is_91x1(b))
		return uicr == UICR_APPROTECT_UNPROTECTED_9160;
	if (forced)
		return false;
	if (b->erase_unlocked)
		return true;
	return uicr == UICR_APPROTECT_HWUNPROTECTED && sw_disabled;
}

void board_update_protection(struct simboard *b)
{
	b->approtect = !open_by(b, b->uicr_ap_latched, b->sw_ap_disabled, b->sw_ap_forced);
	b->secure_approtect =
		!open_by(b, b->uicr_sap_latched, b->sw_sap_disabled, b->sw_sap_forced);
}

void board_erase_unlock(struct simboard *b)
{
	/* nRF9160 waits for the next reset, which latches the erased UICR. */
	if (board_is_91x1(b) && b->cfg.quirks.erase_unlock_needs_soft_reset)
		b->erase_unlock_pending = true;
	else if (board_is_91x1(b))
		b->erase_unlocked = true;
	board_update_protection(b);
}

void board_system_reset(struct simboard *b, enum board_reset_kind kind)
{
	if (kind == BOARD_RESET_POWER_ON) {
		core_power_on(b);
		memset(b->ram, 0, sizeof(b->ram));
		b->mem_gen++;
		b->self_reset_done = false;
	}
	/* Scenario quirk unlock_needs_pin_reset: older nRF9160 revisions, for
	 * which pyOCD pulses nRESET after an erase-all (TARGETID.TREVISION <= 2,
	 * target_nRF91.py): soft resets do not latch UICR anew there. */
	bool soft = kind == BOARD_RESET_SYSRESETREQ || kind == BOARD_RESET_CTRLAP;
	if (!(soft && !board_is_91x1(b) && b->cfg.quirks.unlock_needs_pin_reset)) {
		b->uicr_ap_latched = board_uicr_word(b, UICR_APPROTECT);
		b->uicr_sap_latched = board_uicr_word(b, UICR_SECUREAPPROTECT);
	}
	b->sw_ap_disabled = b->sw_sap_disabled = false;
	b->sw_ap_forced = b->sw_sap_forced = false;
	/* The one reset that completes an erase unlock (quirk), then none. */
	b->erase_unlocked = kind == BOARD_RESET_CTRLAP && b->erase_unlock_pending;
	b->erase_unlock_pending = false;
	b->constlat = false;
	if (kind != BOARD_RESET_POWER_ON)
		b->ctr.system_resets++;
	board_update_protection(b);
	nvmc_reset(&b->nvmc);
	if (!(soft && b->cfg.quirks.spu_kept_by_soft_reset))
		spu_reset(b);
	ctrlap_peripheral_reset(b);
	core_reset(b);
	session_fault_reset(b);
}

void board_advance_to(struct simboard *b, uint64_t now_ns)
{
	if (now_ns > b->now_ns)
		b->now_ns = now_ns;
	/* The core first: its slice runs from where it stopped up to now, and
	 * the NVMC must still be busy with a write that ends inside the slice
	 * when the core's next write comes at its own, earlier time. Advanced
	 * first, the NVMC was idle by then and the next write started at
	 * once, overlapping the last: a loader programmed faster than words x
	 * tWRITE (tools/bench: 256 KB in 0.98 x the NVMC floor at high speed). */
	ctrlap_advance(b);
	core_advance(b);
	nvmc_advance(b);
	if (b->self_reset_at_ns && b->now_ns >= b->self_reset_at_ns)
		board_system_reset(b, BOARD_RESET_SYSRESETREQ);
}

static void init_parts(struct simboard *b)
{
	swd_wire_init(&b->wire);
	dap_init(&b->dap);
	b->dap.wait_storm_left = b->cfg.faults.wait_storm;
	memap_reset(&b->ahb);
	memset(&b->ctrl, 0, sizeof(b->ctrl));
	memset(&b->nvmc, 0, sizeof(b->nvmc));
	nvmc_reset(&b->nvmc);
	memset(&b->core, 0, sizeof(b->core));
	board_system_reset(b, BOARD_RESET_POWER_ON);
}

static void init_new_state(struct simstate *st, const struct simboard_config *cfg)
{
	st->part = cfg->part;
	st->approtect_cfg = cfg->approtect;
	st->device_id = cfg->device_id;
	snprintf(st->imei, sizeof(st->imei), "%.*s", (int)sizeof(cfg->imei) - 1, cfg->imei);
	snprintf(st->modem_fw, sizeof(st->modem_fw), "%.*s", (int)sizeof(cfg->modem_fw) - 1,
		 cfg->modem_fw);
	if (cfg->approtect) {
		/* Scenario approtect=yes: UICR.APPROTECT = Protected. */
		memset(st->uicr + UICR_APPROTECT, 0, 4);
	}
}

/*
 * Whether the file holds no board yet: empty, or a creation that was killed
 * before its last step. simstate_write_fd writes the header last, so such a
 * file still reads zeroes where the magic goes.
 */
static bool unborn(int fd)
{
	struct stat sb;
	uint8_t magic[8];
	if (fstat(fd, &sb) != 0)
		return false;
	if (sb.st_size == 0)
		return true;
	if (pread(fd, magic, sizeof(magic), 0) != (ssize_t)sizeof(magic))
		return false;
	static const uint8_t zero[8];
	return memcmp(magic, zero, sizeof(zero)) == 0;
}

static int create_state(int fd, const struct simboard_config *cfg)
{
	struct simstate *fresh = simstate_new();
	if (!fresh) {
		errno = ENOMEM;
		return -1;
	}
	init_new_state(fresh, cfg);
	enum simstate_err e = simstate_write_fd(fd, fresh);
	simstate_free(fresh);
	return e == SIMSTATE_OK ? 0 : -1;
}

static int load_or_create(struct simboard *b, const struct simboard_config *cfg)
{
	if (unborn(b->fd) && create_state(b->fd, cfg) != 0)
		return -1;
	enum simstate_err e = simstate_map_fd(b->fd, &b->st);
	if (e == SIMSTATE_ERR_IO)
		return -1;
	if (e == SIMSTATE_ERR_NOMEM) {
		errno = ENOMEM;
		return -1;
	}
	if (e != SIMSTATE_OK) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

struct simboard *simboard_open(const struct simboard_config *cfg, const char *state_path)
{
	struct simboard *b = calloc(1, sizeof(*b));
	if (!b)
		return NULL;
	b->cfg = *cfg;
	b->fd = open(state_path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (b->fd < 0)
		goto fail;
	/* One process per board: flock is per open file description, so a
	 * second open in the same process conflicts too. */
	if (flock(b->fd, LOCK_EX | LOCK_NB) != 0) {
		if (errno == EWOULDBLOCK)
			errno = EBUSY;
		goto fail;
	}
	if (load_or_create(b, cfg) != 0)
		goto fail;
	b->cpu = simcpu_create(b);
	if (!b->cpu) {
		errno = ENOMEM;
		goto fail;
	}
	init_parts(b);
	return b;
fail:;
	int saved = errno;
	simstate_unmap(&b->st);
	if (b->fd >= 0)
		close(b->fd);
	free(b);
	errno = saved;
	return NULL;
}

int simboard_sync(struct simboard *b)
{
	/* The mapping is the file: a killed process loses nothing, so this
	 * only starts the write-back to disk for a caller that wants it soon. */
	return msync(b->st.base, b->st.size, MS_ASYNC);
}

void simboard_close(struct simboard *b)
{
	if (!b)
		return;
	simcpu_destroy(b->cpu);
	simstate_unmap(&b->st);
	close(b->fd); /* releases the lock */
	free(b);
}

/* A clock above what the wiring carries (quirk max_swd_khz): the host
 * samples some target-driven bits wrong, as ringing on a long cable does.
 * About one bit in eight flips, from a fixed LFSR so runs repeat. */
static bool wiring_flips(struct simboard *b, uint32_t ns_per_bit)
{
	uint32_t max = b->cfg.quirks.max_swd_khz;
	if (max == 0 || ns_per_bit == 0 || 1000000u / ns_per_bit <= max)
		return false;
	uint32_t x = b->noise ? b->noise : 0x1234567u;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	b->noise = x;
	return (x & 7u) == 0;
}

void simboard_swd_io(struct simboard *b, const uint8_t *dir, const uint8_t *out, uint8_t *in,
		     uint32_t nbits, uint64_t start_ns, uint32_t ns_per_bit)
{
	uint32_t max = b->cfg.quirks.max_swd_khz;
	bool may_flip = max != 0 && ns_per_bit != 0 && 1000000u / ns_per_bit > max;
	for (uint32_t i = 0; i < nbits; i++) {
		if (!may_flip && board_responds(b)) {
			uint32_t k = swd_wire_run(b, dir, out, in, i, nbits, start_ns, ns_per_bit);
			if (k) {
				i += k - 1;
				continue;
			}
		}
		uint32_t byte = i / 8;
		uint8_t mask = (uint8_t)(1u << (i % 8));
		bool drives = (dir[byte] & mask) != 0;
		int bit = (out[byte] & mask) ? 1 : 0;
		int level = drives ? bit : 1; /* pull-up when nobody drives */
		if (board_responds(b)) {
			level = swd_wire_clock(b, drives, bit, start_ns + (uint64_t)i * ns_per_bit);
			if (!drives && wiring_flips(b, ns_per_bit))
				level = !level;
		}
		if (level)
			in[byte] |= mask;
		else
			in[byte] &= (uint8_t)~mask;
	}
	b->ctr.swd_bits += nbits;
	board_advance_to(b, start_ns + (uint64_t)nbits * ns_per_bit);
}

void simboard_set_nreset(struct simboard *b, bool asserted, uint64_t now_ns)
{
	board_advance_to(b, now_ns);
	if (asserted) {
		b->nreset_asserted = true;
	} else if (b->nreset_asserted) {
		b->nreset_asserted = false;
		board_system_reset(b, BOARD_RESET_PIN);
	}
}

void simboard_advance(struct simboard *b, uint64_t now_ns)
{
	board_advance_to(b, now_ns);
}

uint16_t simboard_vtref_mv(const struct simboard *b)
{
	return board_responds(b) ? b->cfg.vtref_mv : 0;
}

void simboard_get_counters(const struct simboard *b, struct simboard_counters *c)
{
	*c = b->ctr;
}

void simboard_set_faults(struct simboard *b, const struct simboard_faults *faults)
{
	b->cfg.faults = *faults;
	b->dap.wait_storm_left = faults->wait_storm;
}

void simboard_set_present(struct simboard *b, bool present)
{
	bool was = board_responds(b);
	b->cfg.present = present;
	if (present)
		b->removed = false;
	/* A board (re)inserted into the fixture powers up from scratch. */
	if (present && !was)
		init_parts(b);
}

enum simboard_part simboard_part(const struct simboard *b)
{
	return b->st.part;
}

const char *simboard_imei(const struct simboard *b)
{
	return b->st.imei;
}

uint64_t simboard_device_id(const struct simboard *b)
{
	return b->st.device_id;
}

const char *simboard_modem_fw(const struct simboard *b)
{
	return b->st.modem_fw;
}

const struct simboard_timing *simboard_timing(const struct simboard *b)
{
	return &b->cfg.timing;
}

const struct simboard_faults *simboard_faults(const struct simboard *b)
{
	return &b->cfg.faults;
}

void simboard_modem_store(struct simboard *b, struct simboard_blob *out)
{
	out->data = b->st.modem_store;
	out->capacity = SIMSTATE_MODEM_STORE_SIZE;
	out->length = b->st.modem_store_len;
}
