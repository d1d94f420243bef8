/* mem.c — the allocator wrapper of sim/ (see mem.h).
 *
 * Invariant: while armed (fail_at > 0), allocation number k since arming
 * (counting from 1) fails iff k == fail_at: one failure, so that the code
 * unwinding from it can still allocate its error message. Disarmed, the wrappers are the C library's
 * functions plus one relaxed atomic load.
 */
#include "mem.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

static _Atomic uint64_t fail_at;    /* 0: never fail */
static _Atomic uint64_t count;      /* allocations since arming */

static int refuse(void)
{
    uint64_t f = atomic_load_explicit(&fail_at, memory_order_relaxed);
    if (f == 0) return 0;
    return atomic_fetch_add_explicit(&count, 1, memory_order_relaxed) + 1 == f;
}

void mem_fail_at(uint64_t n)
{
    atomic_store(&count, 0);
    atomic_store(&fail_at, n);
}

uint64_t mem_fail_count(void)
{
    return atomic_load(&count);
}

void *mem_malloc(size_t n)
{
    return refuse() ? NULL : malloc(n);
}

void *mem_calloc(size_t count_, size_t size)
{
    return refuse() ? NULL : calloc(count_, size);
}

void *mem_realloc(void *p, size_t n)
{
    return refuse() ? NULL : realloc(p, n);
}

void *mem_aligned(size_t align, size_t n)
{
    if (refuse()) return NULL;
    n = (n + align - 1) / align * align;
    return aligned_alloc(align, n ? n : align);
}

void mem_free(void *p)
{
    free(p);
}

char *mem_strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = mem_malloc(n);
    if (p) memcpy(p, s, n);
    return p;
}
