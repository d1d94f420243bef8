/* evq.c — 4-ary min-heap of (time, seq|slot) over an event pool; see evq.h.
 *
 * Invariant: for every heap node i > 0, node i is not earlier than its
 * parent (i-1)/4, comparing tkey first and then key. Keys are unique (seq
 * strictly increases), so the order is total and a replication pops events
 * in exactly the same order every time. Nodes n, n+1, n+2 always hold
 * sentinels that compare after every event, so every node that has a child
 * has four, and the sift-down needs no bounds test inside a group.
 *
 * DESIGN NOTES (filled in below).
 */
#include "evq.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SLOT_BITS 24
#define SLOT_MASK ((1u << SLOT_BITS) - 1u)
#define HEAP_PAD 3      /* unused entries before node 0: aligns sibling groups */
#define SENTINELS 3
#define PREFETCH_FROM 8192  /* heap nodes; 128 KiB, well past L1 */

/* A pooled payload. Event has four bytes of padding after b; the
 * generation lives there, so one cache line answers both "is it alive" and
 * "what is it". Odd generation = pending. */
struct EvSlot {
    double t;
    uint32_t kind, a, b;
    uint32_t gen;
    double x;
};

__extension__ typedef unsigned __int128 Ord;

static const EvHeapEntry SENTINEL = { UINT64_MAX, UINT64_MAX };

static void *xalloc(void *p, size_t n)
{
    void *q = realloc(p, n);
    if (!q) {
        /* Out of memory in the event loop cannot be recovered from. */
        fputs("salvo: out of memory (event queue)\n", stderr);
        abort();
    }
    return q;
}

/* Map a time to 64 bits whose unsigned order is the order of the times:
 * flip the sign bit of non-negative values, all bits of negative ones.
 * -0.0 becomes +0.0 first, so the two zeros tie as they should. */
static inline uint64_t time_key(double t)
{
    uint64_t u;
    t += 0.0;
    memcpy(&u, &t, sizeof u);
    return u ^ (-(u >> 63) | (UINT64_C(1) << 63));
}

static inline Ord ord(const EvHeapEntry *e)
{
    return (Ord)e->tkey << 64 | e->key;
}

void evq_init(EvQ *q)
{
    memset(q, 0, sizeof *q);
}

void evq_free(EvQ *q)
{
    if (q->heap) free(q->heap - HEAP_PAD);
    free(q->pool);
    free(q->free_slots);
    memset(q, 0, sizeof *q);
}

void evq_clear(EvQ *q)
{
    /* Every slot becomes free; generations advance so old handles go stale. */
    for (size_t i = 0; i < q->pool_cap; i++) {
        if (q->pool[i].gen & 1u) q->pool[i].gen++;
        q->free_slots[i] = (uint32_t)(q->pool_cap - 1 - i);
    }
    q->nfree = q->pool_cap;
    q->n = 0;
    q->live = 0;
    q->seq = 0;
    q->vacant = 0;
    if (q->heap)
        for (size_t j = 0; j < SENTINELS; j++) q->heap[j] = SENTINEL;
}

static void grow_pool(EvQ *q)
{
    size_t old = q->pool_cap, cap = old ? old * 2 : 256;
    if (cap > (size_t)SLOT_MASK + 1) {
        fputs("salvo: more than 2^24 events pending\n", stderr);
        abort();
    }
    q->pool = xalloc(q->pool, cap * sizeof *q->pool);
    q->free_slots = xalloc(q->free_slots, cap * sizeof *q->free_slots);
    /* Push new slots so the lowest index is taken first. */
    for (size_t i = cap; i > old; i--) {
        q->pool[i - 1].gen = 0;
        q->free_slots[q->nfree++] = (uint32_t)(i - 1);
    }
    q->pool_cap = cap;
}

/* Double the heap. realloc keeps no alignment promise beyond 16 bytes, so
 * allocate aligned and copy. */
static void grow_heap(EvQ *q)
{
    size_t cap = q->cap ? q->cap * 2 : 256;
    /* C11 aligned_alloc wants a size that is a multiple of the alignment. */
    size_t bytes = ((cap + HEAP_PAD) * sizeof(EvHeapEntry) + 63) & ~(size_t)63;
    EvHeapEntry *mem = aligned_alloc(64, bytes);
    if (!mem) {
        fputs("salvo: out of memory (event queue)\n", stderr);
        abort();
    }
    EvHeapEntry *h = mem + HEAP_PAD;
    if (q->heap) {
        memcpy(h, q->heap, (q->n + SENTINELS) * sizeof *h);
        free(q->heap - HEAP_PAD);
    } else {
        for (size_t j = 0; j < SENTINELS; j++) h[j] = SENTINEL;
    }
    q->heap = h;
    q->cap = cap;
}

static void sift_up(EvHeapEntry *h, size_t i, EvHeapEntry e)
{
    Ord k = ord(&e);
    while (i > 0) {
        size_t p = (i - 1) >> 2;
        if (k >= ord(&h[p])) break;
        h[i] = h[p];
        i = p;
    }
    h[i] = e;
}

/* Fill the vacant node 0 of a heap of n nodes with e. Bottom-up (Floyd):
 * walk the vacancy from the root to a leaf along the earliest children
 * without comparing against e, then sift e up from there. A node pushed or
 * moved from the bottom nearly always belongs near the bottom, so the
 * sift-up is short, and the walk down has no data-dependent branch: the
 * earliest of four children is chosen with carry-flag arithmetic and
 * conditional moves. That, not the cache, is what made the textbook
 * sift-down slow: one mispredicted branch per level.
 *
 * Big heaps no longer fit in L2, so for them each step also prefetches the
 * four lines holding the grandchildren: one of them is the next step's
 * group. For heaps that fit in L1 the prefetches cost more than they save. */
static void fill_root(EvHeapEntry *h, size_t n, EvHeapEntry e)
{
    int far = n >= PREFETCH_FROM;
    size_t i = 0;
    for (size_t c = 1; c < n; c = 4 * i + 1) {
        if (far) {
            const char *gc = (const char *)&h[4 * c + 1];
            __builtin_prefetch(gc);
            __builtin_prefetch(gc + 64);
            __builtin_prefetch(gc + 128);
            __builtin_prefetch(gc + 192);
        }
        const EvHeapEntry *g = &h[c];
        Ord k0 = ord(g), k1 = ord(g + 1), k2 = ord(g + 2), k3 = ord(g + 3);
        size_t l01 = k1 < k0, l23 = k3 < k2;
        Ord m01 = l01 ? k1 : k0;
        Ord m23 = l23 ? k3 : k2;
        /* Masks, not ?:, so the index is computed without a branch. */
        size_t pick = -(size_t)(m23 < m01);
        size_t m = c + (2 & pick) + (l01 ^ ((l01 ^ l23) & pick));
        h[i] = h[m];
        i = m;
    }
    sift_up(h, i, e);
}

/* Remove node 0 from a heap that now has n nodes; the old last node, at
 * h[n], becomes a sentinel and refills the root. */
static void remove_top(EvHeapEntry *h, size_t n)
{
    EvHeapEntry last = h[n];
    h[n] = SENTINEL;
    if (n > 0) fill_root(h, n, last);
}

static inline void prefetch_top(const EvQ *q)
{
    __builtin_prefetch(&q->pool[q->heap[0].key & SLOT_MASK]);
}

/* Give a root left vacant by evq_pop back to the heap's last node. */
static void settle(EvQ *q)
{
    if (!q->vacant) return;
    q->vacant = 0;
    remove_top(q->heap, --q->n);
    if (q->n > 0) prefetch_top(q);
}

EvHandle evq_push(EvQ *q, const Event *ev)
{
    assert(!isnan(ev->t));
    if (q->nfree == 0) grow_pool(q);
    uint32_t slot = q->free_slots[--q->nfree];
    EvSlot *s = &q->pool[slot];
    s->t = ev->t;
    s->kind = ev->kind;
    s->a = ev->a;
    s->b = ev->b;
    s->x = ev->x;
    uint32_t gen = ++s->gen;            /* even -> odd: in use */
    EvHeapEntry e = { q->seq++ << SLOT_BITS | slot, time_key(ev->t) };
    if (q->vacant) {
        /* The hold pattern: one sift instead of a sift-down for the pop
         * and a sift-up for the push. */
        q->vacant = 0;
        fill_root(q->heap, q->n, e);
    } else {
        if (q->n + 1 + SENTINELS > q->cap) grow_heap(q);
        sift_up(q->heap, q->n, e);
        q->n++;
        q->heap[q->n + SENTINELS - 1] = SENTINEL;
    }
    prefetch_top(q);
    q->live++;
    return (EvHandle){ slot, gen };
}

int evq_pop(EvQ *q, Event *out)
{
    settle(q);
    while (q->n > 0) {
        uint32_t slot = (uint32_t)(q->heap[0].key & SLOT_MASK);
        EvSlot *s = &q->pool[slot];
        q->free_slots[q->nfree++] = slot;
        if (s->gen & 1u) {
            out->t = s->t;
            out->kind = s->kind;
            out->a = s->a;
            out->b = s->b;
            out->x = s->x;
            s->gen++;           /* odd -> even: free */
            q->live--;
            /* Leave the root vacant: if a push comes next, as it does in
             * most handlers, it fills the root directly. */
            q->vacant = 1;
            return 1;
        }
        /* A cancelled event: its generation was already advanced. */
        remove_top(q->heap, --q->n);
    }
    return 0;
}

double evq_peek_time(EvQ *q)
{
    settle(q);
    while (q->n > 0) {
        uint32_t slot = (uint32_t)(q->heap[0].key & SLOT_MASK);
        if (q->pool[slot].gen & 1u) return q->pool[slot].t;
        remove_top(q->heap, --q->n);
        q->free_slots[q->nfree++] = slot;
    }
    return INFINITY;
}

int evq_pending(const EvQ *q, EvHandle h)
{
    return h.gen != 0 && h.slot < q->pool_cap && q->pool[h.slot].gen == h.gen && (h.gen & 1u);
}

int evq_cancel(EvQ *q, EvHandle h)
{
    if (!evq_pending(q, h)) return 0;
    /* Odd -> even marks it dead. The slot is freed only when its heap entry
     * surfaces, so it cannot be reused (and its generation reissued) while
     * a heap entry still names it. */
    q->pool[h.slot].gen++;
    q->live--;
    return 1;
}
