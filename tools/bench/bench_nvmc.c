/*
 * Cost of the simulated board's flash storage: programs N KB (default 64)
 * word by word through the NVMC path (simbus_write with CONFIG = Wen, the
 * board advanced by tWRITE after each word, as a host polling READY sees it),
 * erases it again with ERASEALL, and prints the wall time per word and per
 * round. No SWD, no USB: only the board model and its state file, so a
 * change in how flash reaches the file shows here undiluted. Figures only.
 *
 *   build/tools/bench/bench_nvmc [KB] [ROUNDS]
 */
#include "board.h"
#include "bus.h"
#include "nrf91_sim_regs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static const struct simbus_attr CPU = {.debugger = false, .nonsecure = false};

static int nvmc(struct simboard *b, uint32_t reg, uint32_t v)
{
	return simbus_write(b, NVMC_S_BASE + reg, 4, v, CPU) == SIMBUS_OK ? 0 : -1;
}

int main(int argc, char **argv)
{
	unsigned kb = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 10) : 64u;
	unsigned rounds = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 10) : 5u;
	if (kb == 0 || kb > 1024 || rounds == 0) {
		fprintf(stderr, "bench_nvmc: KB must be 1..1024, ROUNDS >= 1\n");
		return 2;
	}
	char dir[] = "/tmp/bench_nvmc.XXXXXX";
	if (!mkdtemp(dir)) {
		perror("bench_nvmc: mkdtemp");
		return 1;
	}
	char path[64];
	snprintf(path, sizeof(path), "%s/board.state", dir);

	struct simboard_config cfg;
	memset(&cfg, 0, sizeof(cfg));
	cfg.part = SIMBOARD_NRF9160;
	snprintf(cfg.imei, sizeof(cfg.imei), "352656100367872");
	snprintf(cfg.modem_fw, sizeof(cfg.modem_fw), "mfw_nrf9160_1.3.5");
	cfg.present = true;
	cfg.vtref_mv = 3300;
	simboard_timing_defaults(&cfg.timing);
	cfg.faults.modem_error_type = -1;

	double t0 = now_ms();
	struct simboard *b = simboard_open(&cfg, path);
	double t_open = now_ms() - t0;
	if (!b) {
		perror("bench_nvmc: simboard_open");
		return 1;
	}
	uint64_t now = 1000;
	uint32_t words = kb * 1024u / 4u;
	double best = 1e30, sum = 0;
	int rc = 0;
	for (unsigned r = 0; r < rounds && rc == 0; r++) {
		double a = now_ms();
		rc |= nvmc(b, NVMC_CONFIG, NVMC_CONFIG_WEN);
		for (uint32_t i = 0; i < words && rc == 0; i++) {
			rc |= simbus_write(b, 4u * i, 4, 0x9E3779B9u * (i + r), CPU) == SIMBUS_OK
				      ? 0
				      : -1;
			now += cfg.timing.nvmc_write_word_ns;
			simboard_advance(b, now);
		}
		double ms = now_ms() - a;
		sum += ms;
		best = ms < best ? ms : best;
		rc |= nvmc(b, NVMC_CONFIG, NVMC_CONFIG_EEN);
		rc |= nvmc(b, NVMC_ERASEALL, 1);
		now += cfg.timing.nvmc_erase_all_ns;
		simboard_advance(b, now);
	}
	struct simboard_counters c;
	simboard_get_counters(b, &c);
	t0 = now_ms();
	simboard_close(b);
	double t_close = now_ms() - t0;
	unlink(path);
	rmdir(dir);
	if (rc != 0 || c.nvmc_words_written != (uint64_t)words * rounds) {
		fprintf(stderr, "bench_nvmc: a bus write failed (%llu words written)\n",
			(unsigned long long)c.nvmc_words_written);
		return 1;
	}
	printf("bench_nvmc: %u KB x %u rounds: best %.2f ms, mean %.2f ms per round "
	       "(%.0f ns per word); open %.2f ms, close %.2f ms\n",
	       kb, rounds, best, sum / rounds, best * 1e6 / words, t_open, t_close);
	return 0;
}
