/* evq.c — 4-ary min-heap of (time, seq|slot) over an event pool; see evq.h.
 *
 * Invariant: for every heap index i > 0, entry i is not earlier than its
 * parent (i-1)/4, comparing time first and then key. Keys are unique
 * (seq is strictly increasing), so the order is total and a replication
 * pops events in exactly the same order every time.
 *
 * A 4-ary heap halves the depth of a binary one and its four children share
 * a cache line or two (16-byte entries), which is what makes a hold cheap.
 * Sifts move a hole instead of swapping.
 */
#include "evq.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SLOT_BITS 24
#define SLOT_MASK ((1u << SLOT_BITS) - 1u)

static void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n);
    if (!q) {
        /* Out of memory in the event loop cannot be recovered from. */
        fputs("salvo: out of memory (event queue)\n", stderr);
        abort();
    }
    return q;
}

static inline int earlier(const EvHeapEntry *a, const EvHeapEntry *b)
{
    /* Non-short-circuit on purpose: lets the compiler use setcc/cmov. */
    return (a->t < b->t) | ((a->t == b->t) & (a->key < b->key));
}

void evq_init(EvQ *q)
{
    memset(q, 0, sizeof *q);
}

void evq_free(EvQ *q)
{
    free(q->heap);
    free(q->pool);
    free(q->gen);
    free(q->free_slots);
    memset(q, 0, sizeof *q);
}

void evq_clear(EvQ *q)
{
    /* Every slot becomes free; generations advance so old handles go stale. */
    for (size_t i = 0; i < q->pool_cap; i++) {
        if (q->gen[i] & 1u) q->gen[i]++;
        q->free_slots[i] = (uint32_t)(q->pool_cap - 1 - i);
    }
    q->nfree = q->pool_cap;
    q->n = 0;
    q->live = 0;
    q->seq = 0;
}

static void grow_pool(EvQ *q)
{
    size_t old = q->pool_cap, cap = old ? old * 2 : 256;
    if (cap > (size_t)SLOT_MASK + 1) {
        fputs("salvo: more than 2^24 events pending\n", stderr);
        abort();
    }
    q->pool = xrealloc(q->pool, cap * sizeof *q->pool);
    q->gen = xrealloc(q->gen, cap * sizeof *q->gen);
    q->free_slots = xrealloc(q->free_slots, cap * sizeof *q->free_slots);
    /* Push new slots so the lowest index is taken first. */
    for (size_t i = cap; i > old; i--) {
        q->gen[i - 1] = 0;
        q->free_slots[q->nfree++] = (uint32_t)(i - 1);
    }
    q->pool_cap = cap;
}

static void sift_up(EvHeapEntry *h, size_t i, EvHeapEntry e)
{
    while (i > 0) {
        size_t p = (i - 1) >> 2;
        if (!earlier(&e, &h[p])) break;
        h[i] = h[p];
        i = p;
    }
    h[i] = e;
}

/* Fill the hole at the root with `e`, for a heap of n entries whose slots
 * n..n+3 hold +INFINITY sentinels (so every node has four children and the
 * loop needs no bounds test). Bottom-up: walk the hole down to a leaf along
 * the smallest children without comparing against e (the moved-up last
 * entry nearly always belongs near the bottom), then sift e up from there.
 * The child selection compiles to conditional moves, not branches; the
 * mispredicted branches of a textbook sift-down are what a hold pays for. */
static void sift_down_root(EvHeapEntry *h, size_t n, EvHeapEntry e)
{
    size_t i = 0;
    for (;;) {
        size_t c = 4 * i + 1;
        if (c >= n) break;
        size_t b01 = earlier(&h[c + 1], &h[c]) ? c + 1 : c;
        size_t b23 = earlier(&h[c + 3], &h[c + 2]) ? c + 3 : c + 2;
        size_t best = earlier(&h[b23], &h[b01]) ? b23 : b01;
        h[i] = h[best];
        i = best;
    }
    sift_up(h, i, e);
}

static void set_sentinels(EvHeapEntry *h, size_t n)
{
    for (size_t j = 0; j < 4; j++) h[n + j] = (EvHeapEntry){ INFINITY, UINT64_MAX };
}

EvHandle evq_push(EvQ *q, const Event *ev)
{
    assert(!isnan(ev->t));
    if (q->nfree == 0) grow_pool(q);
    uint32_t slot = q->free_slots[--q->nfree];
    q->pool[slot] = *ev;
    q->gen[slot]++;             /* even -> odd: in use */
    if (q->n + 5 > q->cap) {    /* room for the entry and four sentinels */
        q->cap = q->cap ? q->cap * 2 : 256;
        q->heap = xrealloc(q->heap, q->cap * sizeof *q->heap);
    }
    EvHeapEntry e = { ev->t, (q->seq++ << SLOT_BITS) | slot };
    sift_up(q->heap, q->n++, e);
    set_sentinels(q->heap, q->n);
    q->live++;
    return (EvHandle){ slot, q->gen[slot] };
}

/* Remove the top heap entry and release its slot; returns the slot. */
static uint32_t take_top(EvQ *q)
{
    uint32_t slot = (uint32_t)(q->heap[0].key & SLOT_MASK);
    EvHeapEntry last = q->heap[--q->n];
    set_sentinels(q->heap, q->n);
    if (q->n > 0) sift_down_root(q->heap, q->n, last);
    q->free_slots[q->nfree++] = slot;
    return slot;
}

int evq_pop(EvQ *q, Event *out)
{
    while (q->n > 0) {
        uint32_t slot = (uint32_t)(q->heap[0].key & SLOT_MASK);
        int alive = q->gen[slot] & 1u;
        take_top(q);
        if (alive) {
            *out = q->pool[slot];
            q->gen[slot]++;     /* odd -> even: free */
            q->live--;
            return 1;
        }
        /* A cancelled event: its generation was already advanced. */
    }
    return 0;
}

double evq_peek_time(EvQ *q)
{
    while (q->n > 0) {
        uint32_t slot = (uint32_t)(q->heap[0].key & SLOT_MASK);
        if (q->gen[slot] & 1u) return q->heap[0].t;
        take_top(q);
    }
    return INFINITY;
}

int evq_pending(const EvQ *q, EvHandle h)
{
    return h.gen != 0 && h.slot < q->pool_cap && q->gen[h.slot] == h.gen && (h.gen & 1u);
}

int evq_cancel(EvQ *q, EvHandle h)
{
    if (!evq_pending(q, h)) return 0;
    /* Odd -> even marks it dead; the slot itself is freed when the heap
     * entry surfaces (take_top), so it cannot be reused before then. To keep
     * a reused slot's generation from colliding, the entry keeps the slot
     * allocated: we must not put it on the free list here. */
    q->gen[h.slot]++;
    q->live--;
    return 1;
}
