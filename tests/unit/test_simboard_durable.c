/*
 * Durability of a simulated board's state (tools/sim/state.h): a process
 * killed with SIGKILL never closes or syncs its board, yet what the board
 * stored, like a real board's flash, is in the state file. The child writes
 * flash and UICR through the NVMC path and a credential through the modem
 * mailbox (the emulated core's view of the bus, tools/sim/cpu_unicorn.c's
 * modem), tells the parent, and is killed; the parent finds it all.
 */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "board.h"
#include "bus.h"
#include "modem_store.h"
#include "nrf91_sim_regs.h"
#include "nrfcred/sim_mailbox.h"
#include "state.h"
#include "test_simboard_util.h"

static const struct simbus_attr CPU = {.debugger = false, .nonsecure = false};

/* Child side: no Criterion asserts (they belong to the parent's runner). */
static int child_write(struct simboard *b, uint64_t *now, uint32_t addr, unsigned size, uint32_t v)
{
	if (simbus_write(b, addr, size, v, CPU) != SIMBUS_OK)
		return -1;
	*now += 100000; /* past tWRITE */
	simboard_advance(b, *now);
	return 0;
}

static int child_at(struct simboard *b, uint64_t *now, const char *cmd)
{
	size_t n = strlen(cmd);
	for (size_t i = 0; i < n; i += 4) {
		uint32_t w = 0;
		for (size_t k = 0; k < 4 && i + k < n; k++)
			w |= (uint32_t)(uint8_t)cmd[i + k] << (8 * k);
		if (child_write(b, now, SIM_MBOX_BASE + SIM_MBOX_CMD + (uint32_t)i, 4, w) != 0)
			return -1;
	}
	if (child_write(b, now, SIM_MBOX_BASE + SIM_MBOX_CMD_LEN, 4, (uint32_t)n) != 0 ||
	    child_write(b, now, SIM_MBOX_BASE + SIM_MBOX_DOORBELL, 4, 1) != 0)
		return -1;
	*now += 1000000000ull; /* modem start-up and the write's latency */
	simboard_advance(b, *now);
	uint32_t st = 0;
	if (simbus_read(b, SIM_MBOX_BASE + SIM_MBOX_STATUS, 4, &st, CPU) != SIMBUS_OK ||
	    (st & (SIM_MBOX_ST_DONE | SIM_MBOX_ST_BUSY)) != SIM_MBOX_ST_DONE)
		return -1;
	char resp[64] = {0};
	for (uint32_t i = 0; i + 4 < sizeof(resp); i += 4) {
		uint32_t w = 0;
		simbus_read(b, SIM_MBOX_BASE + SIM_MBOX_RESP + i, 4, &w, CPU);
		memcpy(resp + i, &w, 4);
	}
	return strstr(resp, "OK") ? 0 : -1;
}

static void child(const struct simboard_config *cfg, const char *path, int ready_fd)
{
	struct simboard *b = simboard_open(cfg, path);
	uint64_t now = 1000;
	int ok = b != NULL;
	ok = ok && child_write(b, &now, NVMC_S_BASE + NVMC_CONFIG, 4, NVMC_CONFIG_WEN) == 0;
	for (uint32_t i = 0; ok && i < 64; i++)
		ok = child_write(b, &now, 0x10000u + 4u * i, 4, 0xA5000000u | i) == 0;
	ok = ok && child_write(b, &now, SIM_UICR_BASE + 0x100u, 4, 0x0000BEEFu) == 0;
	ok = ok && child_write(b, &now, NVMC_S_BASE + NVMC_CONFIG, 4, NVMC_CONFIG_REN) == 0;
	ok = ok && child_at(b, &now, "AT%CMNG=0,4242,3,\"00112233445566778899AABBCCDDEEFF\"") == 0;
	char c = ok ? 'y' : 'n';
	if (write(ready_fd, &c, 1) != 1)
		_exit(3);
	/* Held open, never closed: the parent kills us here. */
	for (;;)
		pause();
}

TestSuite(simboard_durable);

Test(simboard_durable, flash_uicr_and_modem_store_survive_sigkill_of_the_process)
{
	char dir[] = "/tmp/simboard-durable-XXXXXX";
	cr_assert_not_null(mkdtemp(dir));
	char path[128];
	snprintf(path, sizeof(path), "%s/board.state", dir);
	struct simboard_config cfg;
	tsb_config_default(&cfg, SIMBOARD_NRF9160);

	int fds[2];
	cr_assert_eq(pipe(fds), 0);
	pid_t pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		close(fds[0]);
		child(&cfg, path, fds[1]);
	}
	close(fds[1]);
	char c = 0;
	cr_assert_eq(read(fds[0], &c, 1), 1, "child reports");
	close(fds[0]);
	cr_assert_eq(c, 'y', "the child's writes went through");
	cr_assert_eq(kill(pid, SIGKILL), 0);
	int status = 0;
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);

	struct simstate *s = NULL;
	cr_assert_eq(simstate_load(path, &s), SIMSTATE_OK);
	for (uint32_t i = 0; i < 64; i++) {
		const uint8_t *p = s->flash + 0x10000u + 4u * i;
		uint32_t w = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
			     (uint32_t)p[3] << 24;
		cr_assert_eq(w, 0xA5000000u | i, "flash word %u", i);
	}
	cr_assert_eq(s->uicr[0x100], 0xEF);
	cr_assert_eq(s->uicr[0x101], 0xBE);
	struct mstore store = {.blob = s->modem_store,
			       .len = &s->modem_store_len,
			       .cap = SIMSTATE_MODEM_STORE_SIZE};
	struct mstore_entry e;
	cr_assert_eq(mstore_find(&store, 4242, 3, &e), MSTORE_OK, "the credential is stored");
	cr_assert_eq(e.length, 32u);
	cr_assert_eq(memcmp(e.content, "00112233445566778899AABBCCDDEEFF", 32), 0);
	simstate_free(s);

	/* The lock died with the process: the board opens again, as it was. */
	struct simboard *b = simboard_open(&cfg, path);
	cr_assert_not_null(b);
	uint32_t v = 0;
	cr_assert_eq(simbus_read(b, 0x10000u + 4u * 63, 4, &v, CPU), SIMBUS_OK);
	cr_assert_eq(v, 0xA500003Fu);
	simboard_close(b);
	unlink(path);
	rmdir(dir);
}
