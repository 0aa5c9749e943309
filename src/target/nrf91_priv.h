/* Internal state shared by the nRF91 target files (not a public header). */
#ifndef NRFCRED_TARGET_NRF91_PRIV_H
#define NRFCRED_TARGET_NRF91_PRIV_H

#include "swd/adi.h"
#include "swd/memap.h"
#include "target/nrf91.h"

struct nrf91 {
	struct probe *probe;
	struct adi *adi;
	struct memap mem;
	struct nrf91_options opts;
	struct nrf91_info info;
	bool halted;
	uint32_t resets; /* resets issued or seen since attach */
	bool blank;	 /* a CTRL-AP erase-all ran and nothing was written since */
	uint32_t loader_fallbacks; /* flash loader did not start: direct path used */
	/* The last NRF91_ERR_VERIFY located a word: its address. */
	char fallback_reason[200]; /* why the last loader start fell back */
	bool mismatch_known;
	uint32_t mismatch_addr;
	bool loader_ring_redacted; /* the trace redacts the loader's RAM ring */
	char detail[256];
};

/* Maps an ADI error to the target error and records "context: detail". */
nrf91_err nrf91_adi_fail(struct nrf91 *t, adi_err err, const char *context);
void nrf91_set_detail(struct nrf91 *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
bool nrf91_aborted(const struct nrf91 *t);
void nrf91_progress(const struct nrf91 *t, enum nrf91_phase phase, uint64_t done, uint64_t total);

/* nrf91.c: image data outside flash and UICR is NRF91_ERR_BAD_ADDRESS;
 * *bytes = the image's size. */
nrf91_err nrf91_check_image(struct nrf91 *t, const struct image *img, uint64_t *bytes);
/* Programs img through the MEM-AP, word by word, without verifying. */
nrf91_err nrf91_program_direct(struct nrf91 *t, const struct image *img);

/* cortexm.c */
nrf91_err cortexm_halt(struct nrf91 *t);
nrf91_err cortexm_reset_halt(struct nrf91 *t);
/* Reset; wait up to open_timeout_ms for the AHB-AP to open again. */
nrf91_err cortexm_reset_run(struct nrf91 *t, uint32_t open_timeout_ms);
/* Reset and let go: no AHB-AP access afterwards. */
nrf91_err cortexm_reset_release(struct nrf91 *t);
/* Reads DHCSR; *reset_seen when S_RESET_ST says a reset happened since. */
nrf91_err cortexm_count_resets(struct nrf91 *t, bool *reset_seen);
/* Counts a reset if the DHCSR value read shows S_RESET_ST (sticky until
 * that read). */
void cortexm_note_reset(struct nrf91 *t, uint32_t dhcsr, bool *reset_seen);
bool nrf91_is_91x1(const struct nrf91 *t);
/* Compares [addr, addr + len) of the target with data, as nrf91_verify
 * does for a segment (a differing byte is read again before it counts). */
nrf91_err nrf91_verify_range(struct nrf91 *t, uint32_t addr, const uint8_t *data, uint32_t len,
			     uint32_t *mismatch);
/* Core registers of the halted core (DCRSR REGSEL numbers, §7). */
nrf91_err cortexm_write_regs(struct nrf91 *t, const uint8_t *regsel, const uint32_t *values,
			     size_t count);
nrf91_err cortexm_read_reg(struct nrf91 *t, uint8_t regsel, uint32_t *value);
/* Leaves debug state with interrupts masked (C_MASKINTS): code the host
 * loaded runs until it halts itself (BKPT) or cortexm_halt. */
nrf91_err cortexm_resume(struct nrf91 *t);

/* ctrlap.c */
nrf91_err ctrlap_check_idr(struct nrf91 *t);
nrf91_err ctrlap_is_protected(struct nrf91 *t, bool *protected_out);
nrf91_err ctrlap_recover(struct nrf91 *t);
nrf91_err ctrlap_status(struct nrf91 *t, uint32_t *status);
/* Pulses nRESET (NRF91_ERR_PROBE when the probe cannot). */
nrf91_err ctrlap_pin_reset(struct nrf91 *t);
/* Polls APPROTECT.STATUS until open (PROTECTED after timeout_ms). */
nrf91_err ctrlap_wait_open(struct nrf91 *t, uint32_t timeout_ms);

/* nvmc.c */
nrf91_err nvmc_erase_page(struct nrf91 *t, uint32_t addr);
/* NVMC ERASEALL of flash and UICR on a halted core with secure debug and
 * the SPU at its reset value; *done false (and NRF91_OK) when one of those
 * does not hold or the erase did not take: the CTRL-AP erase is needed. */
nrf91_err nvmc_erase_all(struct nrf91 *t, bool *done);
/* Programs count words at a word-aligned addr; 0xFFFFFFFF words are skipped
 * (erased flash already holds them). done/total feed the progress events. */
nrf91_err nvmc_program_words(struct nrf91 *t, uint32_t addr, const uint32_t *words, size_t count,
			     uint64_t *done, uint64_t total);

#endif
