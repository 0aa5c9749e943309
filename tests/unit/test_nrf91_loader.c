/*
 * The RAM flash loader (src/target/loader.c, firmware/loader/) on a
 * simulated board whose emulated Cortex-M33 runs it against the NVMC's
 * modeled timing: programming, the on-target CRC verify, its errors, and
 * the rule that no flash word is written twice between erases.
 */
#include <criterion/criterion.h>

#include "board.h"
#include "image/image.h"
#include "probe_simboard.h"
#include "target/nrf91.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct simprobe *sp;
static struct nrf91 *t;

/* A board of this part, attached (recovered if locked) and erased; cpu_hz 0
 * keeps the simulator's default core speed. */
static void open_board_cfg(const struct simboard_config *cfg)
{
	sp = simprobe_create(cfg);
	cr_assert_not_null(sp, "simulated board");
	struct nrf91_options o = {.allow_recover = true};
	struct nrf91_info info;
	nrf91_err e = nrf91_attach(&sp->probe, &o, &t, &info);
	cr_assert_eq(e, NRF91_OK, "attach: %s: %s", nrf91_strerror(e), info.error_detail);
	e = nrf91_erase_all(t);
	cr_assert_eq(e, NRF91_OK, "erase: %s", nrf91_last_error_detail(t));
}

static void open_board_at(enum simboard_part part, uint32_t cpu_hz)
{
	struct simboard_config cfg;
	simprobe_default_config(&cfg, part);
	if (cpu_hz)
		cfg.timing.cpu_hz = cpu_hz;
	open_board_cfg(&cfg);
}

static void open_board(enum simboard_part part)
{
	open_board_at(part, 0);
}

static void teardown(void)
{
	nrf91_detach(t);
	t = NULL;
	if (sp)
		probe_close(&sp->probe);
	sp = NULL;
}

TestSuite(nrf91_loader, .fini = teardown);

static void fill(uint8_t *p, size_t n, uint32_t seed)
{
	for (size_t i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		p[i] = (uint8_t)(seed >> 16);
	}
}

static uint8_t big[40 * 1024];

/* 40 KB at 0 (ten 4 KB slots), 6 bytes at an odd address, an erased run
 * inside the data, a UICR word. */
static struct image *sample_image(uint32_t seed, uint64_t *nonerased_words)
{
	struct image *img = image_create();
	cr_assert_not_null(img);
	fill(big, sizeof big, seed);
	memset(big + 8192, 0xFF, 4096); /* a page the image leaves erased */
	cr_assert_eq(image_write(img, 0, big, sizeof big), IMAGE_OK);
	const uint8_t odd[6] = {1, 2, 3, 4, 5, 6};
	cr_assert_eq(image_write(img, 0x20003, odd, sizeof odd), IMAGE_OK);
	const uint8_t uicr[4] = {0x78, 0x56, 0x34, 0x12};
	cr_assert_eq(image_write(img, 0x00FF8100u, uicr, 4), IMAGE_OK);
	/* 10 KB - 1 KB erased = 9216 words, + 3 words for the odd bytes, + 1 */
	*nonerased_words = (sizeof big - 4096) / 4 + 3 + 1;
	return img;
}

/* Samples of sample_image's data are nowhere in the first 64 KB of RAM
 * (the loader's ring among it). */
static void expect_no_image_bytes_in_ram(void)
{
	static uint8_t ram[64 * 1024];
	cr_assert_eq(nrf91_read(t, 0x20000000u, ram, sizeof ram), NRF91_OK);
	const size_t samples[] = {0, 4096 + 17, 9 * 4096 + 100, sizeof big - 16};
	for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++)
		cr_expect_null(memmem(ram, sizeof ram, big + samples[i], 16),
			       "image bytes at 0x%zx left in RAM", samples[i]);
}

static void counters(struct simboard_counters *c)
{
	simboard_get_counters(sp->board, c);
}

/* The loader programs img with its CRC verify (asserted); c0 and c1 get the
 * board's counters before and after, st the run's stats. */
static void program_by_loader(struct image *img, struct simboard_counters *c0,
			      struct simboard_counters *c1, struct nrf91_stats *st)
{
	counters(c0);
	nrf91_err e = nrf91_program_with(t, img, NRF91_FLASH_LOADER, NRF91_VERIFY_CRC);
	cr_assert_eq(e, NRF91_OK, "%s: %s", nrf91_strerror(e), nrf91_last_error_detail(t));
	counters(c1);
	nrf91_get_stats(t, st);
}

Test(nrf91_loader, programs_and_verifies_an_image_on_the_emulated_core)
{
	open_board(SIMBOARD_NRF9160);
	uint64_t words = 0;
	struct image *img = sample_image(7, &words);
	struct simboard_counters c0, c1;
	struct nrf91_stats st;
	program_by_loader(img, &c0, &c1, &st);
	cr_expect_eq(st.loader_fallbacks, 0u, "the loader ran, not the direct path");
	cr_expect_gt(c1.cpu_instructions - c0.cpu_instructions, 100000u, "code ran on the core");
	cr_expect_eq(c1.nvmc_words_written - c0.nvmc_words_written, words,
		     "every word that is not 0xFFFFFFFF written, once");
	cr_expect_eq(c1.nvmc_words_rewritten, 0u, "no word written twice between erases");
	/* Independent proof: every byte read back over SWD. */
	cr_assert_eq(nrf91_verify_with(t, img, NRF91_VERIFY_READBACK), NRF91_OK, "%s",
		     nrf91_last_error_detail(t));
	/* The loader leaves the NVMC read-only and the core halted, and no
	 * image data in its ring. */
	uint32_t config = 1;
	cr_assert_eq(nrf91_read_u32(t, 0x50039504u, &config), NRF91_OK);
	cr_expect_eq(config, 0u, "NVMC.CONFIG = Ren");
	expect_no_image_bytes_in_ram();
	image_destroy(img);
}

/* The loader's registers go in one batch, two DHCSR reads behind each DCRSR
 * write. A core slow to set S_REGRDY (three reads; the simulator then
 * loses the writes behind it) must get them one by one instead, and the
 * loader still runs. */
Test(nrf91_loader, a_core_slow_to_set_regrdy_still_gets_the_loader_registers)
{
	struct simboard_config cfg;
	simprobe_default_config(&cfg, SIMBOARD_NRF9160);
	cfg.quirks.regrdy_busy_reads = 3;
	open_board_cfg(&cfg);
	uint64_t words = 0;
	struct image *img = sample_image(11, &words);
	struct simboard_counters c0, c1;
	struct nrf91_stats st;
	program_by_loader(img, &c0, &c1, &st);
	cr_expect_eq(st.loader_fallbacks, 0u, "the loader ran, not the direct path");
	cr_expect_eq(c1.nvmc_words_written - c0.nvmc_words_written, words);
	cr_assert_eq(nrf91_verify_with(t, img, NRF91_VERIFY_READBACK), NRF91_OK, "%s",
		     nrf91_last_error_detail(t));
	image_destroy(img);
}

Test(nrf91_loader, works_on_nrf91x1_after_the_erase_in_secure_state)
{
	open_board(SIMBOARD_NRF9161);
	uint64_t words = 0;
	struct image *img = sample_image(11, &words);
	nrf91_err e = nrf91_program_with(t, img, NRF91_FLASH_LOADER, NRF91_VERIFY_CRC);
	cr_assert_eq(e, NRF91_OK, "%s: %s", nrf91_strerror(e), nrf91_last_error_detail(t));
	cr_assert_eq(nrf91_verify(t, img, NULL), NRF91_OK, "%s", nrf91_last_error_detail(t));
	struct simboard_counters c;
	counters(&c);
	cr_expect_eq(c.nvmc_words_rewritten, 0u);
	image_destroy(img);
}

Test(nrf91_loader, crc_verify_names_the_word_that_differs_and_no_bytes)
{
	open_board(SIMBOARD_NRF9160);
	uint64_t words = 0;
	struct image *img = sample_image(3, &words);
	cr_assert_eq(nrf91_program_with(t, img, NRF91_FLASH_DIRECT, NRF91_VERIFY_CRC), NRF91_OK,
		     "%s", nrf91_last_error_detail(t));
	/* The same image with one byte changed in its second segment. */
	struct image *other = sample_image(3, &words);
	const uint8_t changed[1] = {0xA5};
	cr_assert_eq(image_write(other, 0x20004, changed, 1), IMAGE_OK);
	nrf91_err e = nrf91_verify_with(t, other, NRF91_VERIFY_CRC);
	cr_assert_eq(e, NRF91_ERR_VERIFY, "%s", nrf91_strerror(e));
	const char *d = nrf91_last_error_detail(t);
	/* The CRC says which range; a read-back of it, which word. */
	uint32_t at = 0;
	cr_expect(nrf91_last_mismatch(t, &at), "a word is named: %s", d);
	cr_expect_eq(at, 0x20004u, "the word holding the changed byte");
	cr_expect(strstr(d, "0x00020004") != NULL, "%s", d);
	cr_expect(strstr(d, "a5") == NULL && strstr(d, "A5") == NULL, "no data byte: %s", d);
	/* The original still verifies: the loader stopped cleanly. */
	cr_assert_eq(nrf91_verify_with(t, img, NRF91_VERIFY_CRC), NRF91_OK, "%s",
		     nrf91_last_error_detail(t));
	image_destroy(other);
	image_destroy(img);
}

Test(nrf91_loader, refuses_a_second_write_before_an_erase_with_address_and_nvmc_state)
{
	open_board(SIMBOARD_NRF9160);
	uint64_t words = 0;
	struct image *img = sample_image(5, &words);
	cr_assert_eq(nrf91_program_with(t, img, NRF91_FLASH_LOADER, NRF91_VERIFY_CRC), NRF91_OK,
		     "%s", nrf91_last_error_detail(t));
	struct simboard_counters c0, c1;
	counters(&c0);
	/* Programming again without an erase: the loader finds the first word
	 * already written and stops before writing it a second time. */
	struct image *again = sample_image(6, &words);
	nrf91_err e = nrf91_program_with(t, again, NRF91_FLASH_LOADER, NRF91_VERIFY_CRC);
	cr_assert_eq(e, NRF91_ERR_VERIFY, "%s", nrf91_strerror(e));
	const char *d = nrf91_last_error_detail(t);
	cr_expect(strstr(d, "flash loader: 0x00000000 is not erased") != NULL, "%s", d);
	cr_expect(strstr(d, "NVMC READY 1 READYNEXT 1 CONFIG 1 CONFIGNS 1") != NULL, "%s", d);
	counters(&c1);
	cr_expect_eq(c1.nvmc_words_written, c0.nvmc_words_written, "nothing written");
	cr_expect_eq(c1.nvmc_words_rewritten, 0u);
	cr_expect(!nrf91_last_mismatch(t, NULL), "not a word that differs: one written before");
	/* The slots that were queued held the second image's bytes: the host
	 * zeroed the ring before it returned. */
	static uint8_t ram[64 * 1024];
	cr_assert_eq(nrf91_read(t, 0x20000000u, ram, sizeof ram), NRF91_OK);
	const size_t samples[] = {0, 4096 + 17, 2 * 4096 + 4096 + 100, 3 * 4096 + 8};
	for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++)
		cr_expect_null(memmem(ram, sizeof ram, big + samples[i], 16),
			       "image bytes at 0x%zx left in RAM after the error", samples[i]);
	uint32_t config = 1;
	cr_assert_eq(nrf91_read_u32(t, 0x50039504u, &config), NRF91_OK);
	cr_expect_eq(config, 0u, "NVMC back to read-only after the error");
	/* The part is still usable: erase and program the second image. */
	cr_assert_eq(nrf91_wipe(t), NRF91_OK, "%s", nrf91_last_error_detail(t));
	cr_assert_eq(nrf91_erase_all(t), NRF91_OK, "%s", nrf91_last_error_detail(t));
	cr_assert_eq(nrf91_program_with(t, again, NRF91_FLASH_LOADER, NRF91_VERIFY_CRC), NRF91_OK,
		     "%s", nrf91_last_error_detail(t));
	image_destroy(again);
	image_destroy(img);
}

/* A loader that stops making progress (here: a core far too slow to keep
 * up, as a stuck or reset core would look) fails the step within a bound
 * instead of holding the slot for ever. */
Test(nrf91_loader, a_loader_that_makes_no_progress_fails_within_a_bound)
{
	open_board_at(SIMBOARD_NRF9160, 1000000);
	uint64_t words = 0;
	struct image *img = sample_image(7, &words);
	nrf91_err e = nrf91_program_with(t, img, NRF91_FLASH_LOADER, NRF91_VERIFY_CRC);
	const char *d = nrf91_last_error_detail(t);
	cr_assert_eq(e, NRF91_ERR_NVMC_TIMEOUT, "%s: %s", nrf91_strerror(e), d);
	cr_expect(strstr(d, "flash loader made no progress for") != NULL, "%s", d);
	image_destroy(img);
}

/* UICR APPROTECT written HwUnprotected before the image (nRF91x1, what
 * nrf91_keep_debug_open does) and the same value in the image: the loader
 * leaves the word alone instead of calling it a second write. */
Test(nrf91_loader, a_word_that_already_holds_its_value_is_skipped)
{
	open_board(SIMBOARD_NRF9161); /* its erase-all writes HwUnprotected */
	uint64_t words = 0;
	struct image *img = sample_image(13, &words);
	const uint8_t hw_unprotected[4] = {0xFA, 0x50, 0xFA, 0x50};
	cr_assert_eq(image_write(img, 0x00FF8000u, hw_unprotected, 4), IMAGE_OK);
	struct simboard_counters c0, c1;
	struct nrf91_stats st;
	program_by_loader(img, &c0, &c1, &st);
	cr_expect_eq(st.loader_fallbacks, 0u, "the loader ran");
	cr_expect_eq(c1.nvmc_words_written - c0.nvmc_words_written, words,
		     "every other word written once, APPROTECT not again");
	cr_expect_eq(c1.nvmc_words_rewritten, 0u, "no word written twice between erases");
	cr_assert_eq(nrf91_verify(t, img, NULL), NRF91_OK, "%s", nrf91_last_error_detail(t));
	image_destroy(img);
}

/* A core too slow to say it runs within the start window: the loader is
 * not started, the direct path programs and reads back, and the reason is
 * kept for the board's record. */
Test(nrf91_loader, a_loader_that_does_not_start_falls_back_to_the_direct_path)
{
	open_board_at(SIMBOARD_NRF9160, 100000); /* the CRC table alone takes ~0.1 s */
	cr_expect_str_empty(nrf91_loader_fallback_reason(t));
	uint64_t words = 0;
	struct image *img = sample_image(17, &words);
	nrf91_err e = nrf91_program_with(t, img, NRF91_FLASH_LOADER, NRF91_VERIFY_CRC);
	cr_assert_eq(e, NRF91_OK, "%s: %s", nrf91_strerror(e), nrf91_last_error_detail(t));
	struct nrf91_stats st;
	nrf91_get_stats(t, &st);
	cr_expect_eq(st.loader_fallbacks, 1u, "one fallback");
	const char *why = nrf91_loader_fallback_reason(t);
	cr_expect(strstr(why, "did not say it runs") != NULL, "%s", why);
	struct simboard_counters c;
	counters(&c);
	cr_expect_eq(c.nvmc_words_rewritten, 0u, "the direct path wrote each word once");
	cr_assert_eq(nrf91_verify(t, img, NULL), NRF91_OK, "%s", nrf91_last_error_detail(t));
	image_destroy(img);
}

/* A loader whose core takes a HardFault mid-run (fault_cpu_at_instruction):
 * the host's vector catch halts the core, the next poll sees it halted
 * before DONE and names the fault instead of waiting out the progress
 * bound; DEMCR is put back and the ring holds no image bytes. */
Test(nrf91_loader, a_loader_whose_core_faults_is_named_with_where_it_stopped)
{
	struct simboard_config cfg;
	simprobe_default_config(&cfg, SIMBOARD_NRF9160);
	cfg.faults.cpu_fault_at = 60000; /* the loader is running by then (~10k to start) */
	open_board_cfg(&cfg);
	uint32_t demcr0 = 0;
	cr_assert_eq(nrf91_read_u32(t, 0xE000EDFCu, &demcr0), NRF91_OK);
	uint64_t words = 0;
	struct image *img = sample_image(19, &words);
	struct simboard_counters c0, c1;
	counters(&c0);
	nrf91_err e = nrf91_program_with(t, img, NRF91_FLASH_LOADER, NRF91_VERIFY_CRC);
	counters(&c1);
	const char *d = nrf91_last_error_detail(t);
	cr_assert_eq(e, NRF91_ERR_CORE_FAULT, "%s: %s", nrf91_strerror(e), d);
	cr_expect(strstr(d, "took a HardFault (vector catch) at PC 0x2") != NULL, "%s", d);
	struct nrf91_stats st;
	nrf91_get_stats(t, &st);
	cr_expect_eq(st.loader_fallbacks, 0u, "the loader had started: no fallback");
	cr_expect_lt(c1.nvmc_words_written - c0.nvmc_words_written, words, "stopped mid-image");
	uint32_t demcr = 0;
	cr_assert_eq(nrf91_read_u32(t, 0xE000EDFCu, &demcr), NRF91_OK);
	cr_expect_eq(demcr, demcr0, "DEMCR as before the run (VC_HARDERR not left set)");
	expect_no_image_bytes_in_ram();
	image_destroy(img);
}
