/*
 * Memory for secrets: PSK and private key bytes, the credential table that
 * carries them, the station file text (a PSK `value =`), a passphrase, the
 * fingerprint key.
 *
 * Each block is an anonymous mapping of whole pages of its own, because the
 * two kernel calls that protect it work on pages, not on malloc chunks:
 *   - madvise(MADV_DONTDUMP): the pages never go into a core dump, even if
 *     a later change turns core dumps back on;
 *   - mlock: the pages never go to swap. RLIMIT_MEMLOCK may forbid it (the
 *     default is 64 KB on older kernels, 8 MB on newer ones); the block is
 *     then still usable and secure_mem_unlocked_bytes() counts it, so that
 *     the command can warn once.
 * Every block is wiped before it is unmapped.
 *
 * The process half, secure_mem_protect_process(), belongs at the start of
 * every command that loads a secret: no core file at all (RLIMIT_CORE 0)
 * and not dumpable (PR_SET_DUMPABLE 0: no core either, and another process
 * of the same user can neither ptrace it nor read /proc/PID/mem).
 *
 * Never prints anything.
 */
#ifndef NRFCRED_CRED_SECURE_MEM_H
#define NRFCRED_CRED_SECURE_MEM_H

#include <stddef.h>

/* A zeroed block of at least len bytes (len 0 is fine); NULL when out of
 * memory. Aligned for any type. */
void *secure_mem_alloc(size_t len);
/* A new block holding a copy of len bytes of src; NULL when out of memory. */
void *secure_mem_dup(const void *src, size_t len);
/* A new block holding a copy of the string s; NULL when out of memory. */
char *secure_mem_strdup(const char *s);
/* Wipes the whole block, unlocks and unmaps it. NULL is fine. Only for
 * pointers from the functions above. */
void secure_mem_free(void *p);

/* Bytes that mlock refused since the process started (RLIMIT_MEMLOCK).
 * Process-wide, like the limit itself. */
size_t secure_mem_unlocked_bytes(void);

/* RLIMIT_CORE 0 (soft and hard) and PR_SET_DUMPABLE 0. Returns 0, or the
 * errno of the call that failed (the other one is still made). */
int secure_mem_protect_process(void);

#endif
