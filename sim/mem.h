/* mem.h — every allocation sim/ makes goes through here.
 *
 * One wrapper so that a test can make the Nth allocation fail and check
 * that every caller unwinds: no crash, no leak, a clear error (SQLite's
 * method; tests/test_mem.c loops N over a scenario load and a run). The
 * functions behave as malloc, calloc, realloc, aligned_alloc and free.
 *
 * The failure injector is the one piece of process-wide state in sim/: a
 * counter, atomic so that threads may allocate while it is armed. It is
 * for tests only; nothing in a release run arms it.
 */
#ifndef SALVO_MEM_H
#define SALVO_MEM_H

#include <stddef.h>
#include <stdint.h>

void *mem_malloc(size_t n);
void *mem_calloc(size_t count, size_t size);
void *mem_realloc(void *p, size_t n);
/* C11 aligned_alloc; n is rounded up to a multiple of align here. */
void *mem_aligned(size_t align, size_t n);
void mem_free(void *p);
/* malloc'ed copy of s, NULL if memory ran out. */
char *mem_strdup(const char *s);

/* Test only: the nth allocation from now (1 = the next) fails, and only
 * that one; 0 disarms. UINT64_MAX arms the counter without failing. */
void mem_fail_at(uint64_t n);
/* Allocations counted since the last mem_fail_at() (0 while disarmed). */
uint64_t mem_fail_count(void);

#endif
