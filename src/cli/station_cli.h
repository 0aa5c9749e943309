/* Shared by `nrfcred station` and the board path of `nrfcred provision`:
 * the exit-code policy of a run and the thread-pool sizing. */
#ifndef NRFCRED_CLI_STATION_CLI_H
#define NRFCRED_CLI_STATION_CLI_H

#include <stddef.h>

struct runner_summary;

/* interrupted > probe missing > a board failed > ok (enum cli_exit). */
int station_cli_exit_code(const struct runner_summary *s);

/* Sets UV_THREADPOOL_SIZE to the slot count. libuv reads it once, when the
 * first uv_queue_work starts the pool: call before any loop work. A slot
 * has one uv_work_t that its steps, its journal recovery and its records
 * (CSV row, journal line) take in turn (runner.c, recovery.c, records.c),
 * so at most one work item per slot is queued at a time and a pool of that
 * size never makes one wait; the tool queues no other pool work (no
 * uv_fs_*, no uv_getaddrinfo). 64 slots at most, under libuv's 1024. */
void station_cli_size_threadpool(size_t slots);

#endif
