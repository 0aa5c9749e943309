/* Shared by `nrfcred station` and the board path of `nrfcred provision`:
 * the exit-code policy of a run and the thread-pool sizing. */
#ifndef NRFCRED_CLI_STATION_CLI_H
#define NRFCRED_CLI_STATION_CLI_H

#include <stddef.h>

struct runner_summary;

/* interrupted > probe missing > a board failed > ok (enum cli_exit). */
int station_cli_exit_code(const struct runner_summary *s);

/* Sets UV_THREADPOOL_SIZE to the slot count. libuv reads it once, when the
 * first uv_queue_work starts the pool: call before any loop work. */
void station_cli_size_threadpool(size_t slots);

#endif
