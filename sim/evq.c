/* evq.c — the pending-event set: a 4-ary min-heap of 16-byte (time, key)
 * entries over a pool of payloads; see evq.h for the contract.
 *
 * Invariants.
 *  - Heap order: for every node i > 0 other than a vacant root, node i is
 *    not earlier than its parent (i-1)/4, comparing tkey, then key. Keys
 *    are unique (seq strictly increases), so the order is total and a
 *    replication pops events in exactly the same order every time.
 *  - Nodes n, n+1, n+2 hold SENTINEL, which compares after every event, so
 *    a node with any child has four and the walk down needs no bounds test
 *    inside a sibling group.
 *  - Node 0 sits 3 entries past a 64-byte boundary, so the four children
 *    4k+1..4k+4 of any node share one cache line.
 *  - If q->vacant, node 0 is a hole left by evq_pop (counted in n). The
 *    next push fills it; any other call first refills it from node n-1.
 *  - A slot is on the free stack or named by exactly one heap entry. Its
 *    generation is odd while the event is pending; it turns even when the
 *    event pops or is cancelled, so older handles stop matching.
 *
 * Design, and what it was measured against. The figures are ns per hold
 * from `build/bench` (pop the earliest, push it back at now + Exp(1); an
 * Exp(1) draw alone is ~6.6 ns), median of five runs on the 2-core build
 * machine, for N = 10 / 1,000 / 100,000 pending events:
 *
 *   previous (897c11d): Floyd walk, sentinels, intended cmovs  40 / 85 / 180
 *   this file                                                  25 / 37 / 68
 *
 * (The lead measured a textbook branchy sift-down at ~76 ns for N = 1,000.)
 * At N = 1,000 the core retires ~4.5 instructions per cycle, so the count
 * of instructions matters as much as the length of the dependency chain;
 * at N = 100,000 the walk's chain of L2 accesses dominates.
 *
 *  1. One integer comparison decides. A time's IEEE bits, with the sign
 *     bit flipped for non-negative values (all bits for negative ones),
 *     order like the times themselves; -0.0 is folded into +0.0 first so
 *     the two zeros tie. With that word on top of the FIFO key, (tkey, key)
 *     compares as one unsigned 128-bit number: cmp + sbb, no NaN/parity
 *     handling, no short-circuit. (Without __int128 a two-word comparison
 *     gives the same order: 58 / 98 ns at 1,000 / 100,000.)
 *  2. The walk down is branch-free. The previous code meant to select
 *     children with conditional moves, but objdump showed gcc turned every
 *     ?: over the double-plus-tie-break comparison into a conditional jump;
 *     a bottom-up walk makes three unpredictable child comparisons per
 *     level, so it mispredicted more than the textbook sift-down, which is
 *     why it measured worse. Here the winner of each pair is selected with
 *     cmov on the 128-bit value and the final index with a mask (a ?:
 *     there compiled to a branch again). Alone, 1 + 2 took N = 1,000 from
 *     85 to 45 ns and N = 100,000 from 171 to 88 ns.
 *  3. Pop leaves the root vacant. Most handlers schedule an event, so the
 *     push that follows a pop drops its entry into the hole: one walk down
 *     (Floyd: follow the earliest children to a leaf, then sift the new
 *     entry up a level or so) instead of a walk for the pop plus a sift-up
 *     for the push. 45 -> 41 ns at N = 1,000, 33 -> 26 ns at N = 10.
 *  4. Prefetch for big heaps. From PREFETCH_FROM nodes each step of the
 *     walk prefetches the four lines holding all sixteen grandchildren
 *     (one of those groups is the next step's); the pool slot of a new top
 *     is prefetched too. 88 -> 72 ns at N = 100,000; below ~8,000 nodes the
 *     prefetches cost more than they save.
 *  5. Cache-line-aligned sibling groups: ~5% at N = 100,000, nothing at
 *     1,000 (the heap fits in L1).
 *  6. The generation lives in the payload slot (in what would be Event's
 *     padding), so a pop touches one random line of the pool, not two.
 *  7. Pop's usual case (root filled and pending) makes no call, so it needs
 *     no stack frame; the rest is out of line. The walk is inlined into
 *     push. 6% fewer instructions per hold, ~1.5 ns.
 *
 * Tried and dropped: a binary heap with the same tricks (47 / 106 ns at
 * 1,000 / 100,000: twice the levels, and the core is wide enough that the
 * 4-ary heap's extra compares are nearly free); an 8-ary heap (two lines
 * per group; eight 128-bit keys overflow the 16 registers and the walk
 * spills: ~49 / 95 ns); a fixed-depth walk whose last step is a
 * conditional move (no mispredicted loop exit, but the extra step costs as
 * much: 41 / 85 ns); byte offsets instead of indices to shorten the
 * dependency chain (no change); prefetching the pool slots of all four
 * children of the root at pop time (no change: the walk hides that miss);
 * also prefetching two levels ahead once the child is chosen (worse: 73 ns
 * at 100,000); copying payloads as one 32-byte block (no change).
 */
#include "evq.h"
#include "mem.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define SLOT_BITS 24
#define SLOT_MASK ((1u << SLOT_BITS) - 1u)
#define SEQ_LIMIT (UINT64_C(1) << (64 - SLOT_BITS))
#define HEAP_PAD 3          /* unused entries before node 0: aligns sibling groups */
#define SENTINELS 3         /* nodes n..n+2 */
#define PREFETCH_FROM 8192  /* heap nodes; 128 KiB, well past L1 */

/* Keeps a rare path out of line so the common one needs no stack frame. */
#ifdef __GNUC__
#define NOINLINE __attribute__((noinline))
#else
#define NOINLINE
#endif

/* A pooled payload. Event has four bytes of padding after b; the
 * generation lives there, so one cache line answers both "is it alive" and
 * "what is it". Odd generation = pending. */
struct EvSlot {
    double t;
    uint32_t kind, a, b;
    uint32_t gen;
    double x;
};

static const EvHeapEntry SENTINEL = { UINT64_MAX, UINT64_MAX };

/* Map a time to 64 bits whose unsigned order is the order of the times:
 * flip the sign bit of non-negative values, all bits of negative ones.
 * -0.0 becomes +0.0 first, so the two zeros tie as they should (compilers
 * keep x + 0.0 unless told to ignore signed zeros, e.g. -ffast-math). */
static inline uint64_t time_key(double t)
{
    uint64_t u;
    t += 0.0;
    memcpy(&u, &t, sizeof u);
    return u ^ (-(u >> 63) | (UINT64_C(1) << 63));
}

/* An entry as one comparable value: tkey on top of key. Compilers without
 * a 128-bit integer get the same order from two comparisons (slower). */
#ifdef __SIZEOF_INT128__
__extension__ typedef unsigned __int128 Ord;

static inline Ord ord(const EvHeapEntry *e)
{
    return (Ord)e->tkey << 64 | e->key;
}

static inline size_t before(Ord a, Ord b)
{
    return a < b;
}
#else
typedef EvHeapEntry Ord;

static inline Ord ord(const EvHeapEntry *e)
{
    return *e;
}

static inline size_t before(Ord a, Ord b)
{
    return (a.tkey < b.tkey) | ((a.tkey == b.tkey) & (a.key < b.key));
}
#endif

void evq_init(EvQ *q)
{
    memset(q, 0, sizeof *q);
    q->limit = EVQ_MAX_PENDING;
}

void evq_set_limit(EvQ *q, size_t max_pending)
{
    q->limit = max_pending >= 1 && max_pending <= EVQ_MAX_PENDING ? max_pending : EVQ_MAX_PENDING;
}

void evq_fini(EvQ *q)
{
    if (q->heap) mem_free(q->heap - HEAP_PAD);
    mem_free(q->pool);
    mem_free(q->free_slots);
    size_t limit = q->limit;
    memset(q, 0, sizeof *q);
    q->limit = limit;
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
    q->error = EVQ_OK;
    if (q->heap)
        for (size_t j = 0; j < SENTINELS; j++) q->heap[j] = SENTINEL;
}

int evq_copy(EvQ *dst, const EvQ *src)
{
    if (dst == src) return EVQ_OK;
    if (dst->pool_cap < src->pool_cap) {
        EvSlot *pool = mem_realloc(dst->pool, src->pool_cap * sizeof *pool);
        if (!pool) goto err;
        dst->pool = pool;
        uint32_t *fs = mem_realloc(dst->free_slots, src->pool_cap * sizeof *fs);
        if (!fs) goto err;
        dst->free_slots = fs;
        dst->pool_cap = src->pool_cap;
    }
    if (dst->cap < src->n + SENTINELS && src->heap) {
        EvHeapEntry *mem = mem_aligned(64, (src->cap + HEAP_PAD) * sizeof(EvHeapEntry));
        if (!mem) goto err;
        if (dst->heap) mem_free(dst->heap - HEAP_PAD);
        dst->heap = mem + HEAP_PAD;
        dst->cap = src->cap;
    }
    if (src->pool_cap) memcpy(dst->pool, src->pool, src->pool_cap * sizeof *dst->pool);
    /* dst may have more slots than src. They go to the bottom of the free
     * stack, lowest index nearest the top, with generation 0: exactly what
     * src's grow_pool would add when its own free slots run out, so the
     * copy hands out the same slots and handles as the original would. */
    size_t nf = 0;
    for (size_t i = dst->pool_cap; i > src->pool_cap; i--) {
        dst->pool[i - 1].gen = 0;
        dst->free_slots[nf++] = (uint32_t)(i - 1);
    }
    if (src->nfree) memcpy(dst->free_slots + nf, src->free_slots, src->nfree * sizeof *dst->free_slots);
    dst->nfree = nf + src->nfree;
    if (src->heap) memcpy(dst->heap, src->heap, (src->n + SENTINELS) * sizeof *dst->heap);
    else if (dst->heap)
        for (size_t j = 0; j < SENTINELS; j++) dst->heap[j] = SENTINEL;
    dst->n = src->n;
    dst->live = src->live;
    dst->seq = src->seq;
    dst->vacant = src->vacant;
    dst->limit = src->limit;
    dst->error = src->error;
    return EVQ_OK;
err:
    evq_clear(dst);
    return EVQ_NOMEM;
}

/* Room for more payloads: double the pool, up to the limit. A failure
 * leaves the queue as it was. */
static int grow_pool(EvQ *q)
{
    size_t old = q->pool_cap, cap = old ? old * 2 : 256;
    if (old >= q->limit) return EVQ_FULL;
    if (cap > q->limit) cap = q->limit;
    EvSlot *pool = mem_realloc(q->pool, cap * sizeof *q->pool);
    if (!pool) return EVQ_NOMEM;
    q->pool = pool;
    uint32_t *fs = mem_realloc(q->free_slots, cap * sizeof *q->free_slots);
    if (!fs) return EVQ_NOMEM;     /* the bigger pool is kept; pool_cap is not raised */
    q->free_slots = fs;
    /* Push new slots so the lowest index is taken first. */
    for (size_t i = cap; i > old; i--) {
        q->pool[i - 1].gen = 0;
        q->free_slots[q->nfree++] = (uint32_t)(i - 1);
    }
    q->pool_cap = cap;
    return EVQ_OK;
}

/* Double the heap. realloc keeps no alignment promise beyond 16 bytes, so
 * allocate aligned and copy. */
static int grow_heap(EvQ *q)
{
    size_t cap = q->cap ? q->cap * 2 : 256;
    EvHeapEntry *mem = mem_aligned(64, (cap + HEAP_PAD) * sizeof(EvHeapEntry));
    if (!mem) return EVQ_NOMEM;
    EvHeapEntry *h = mem + HEAP_PAD;
    if (q->heap) {
        memcpy(h, q->heap, (q->n + SENTINELS) * sizeof *h);
        mem_free(q->heap - HEAP_PAD);
    } else {
        for (size_t j = 0; j < SENTINELS; j++) h[j] = SENTINEL;
    }
    q->heap = h;
    q->cap = cap;
    return EVQ_OK;
}

/* The rare path of a push: room is short. Records why it failed. */
static NOINLINE int make_room(EvQ *q)
{
    int e = EVQ_OK;
    if (q->nfree == 0) e = grow_pool(q);
    if (e == EVQ_OK && !q->vacant && q->n + 1 + SENTINELS > q->cap) e = grow_heap(q);
    if (e != EVQ_OK && q->error == EVQ_OK) q->error = e;
    return e;
}

static void sift_up(EvHeapEntry *h, size_t i, EvHeapEntry e)
{
    Ord k = ord(&e);
    while (i > 0) {
        size_t p = (i - 1) >> 2;
        if (!before(k, ord(&h[p]))) break;
        h[i] = h[p];
        i = p;
    }
    h[i] = e;
}

/* Fill the vacant node 0 of a heap of n nodes with e. Bottom-up (Floyd):
 * walk the vacancy from the root to a leaf along the earliest children
 * without comparing against e, then sift e up from there. An entry that is
 * new or comes from the bottom nearly always belongs near the bottom, so
 * the sift-up is short. The walk has no data-dependent branch (design
 * notes 2 and 4 above). */
static inline void fill_root(EvHeapEntry *h, size_t n, EvHeapEntry e)
{
    int far = n >= PREFETCH_FROM;
    size_t i = 0;
    for (size_t c = 1; c < n; c = 4 * i + 1) {
        if (far) {
            /* Near the bottom this points past the array; a prefetch never
             * faults, and integer arithmetic keeps the C well defined. */
            uintptr_t gc = (uintptr_t)h + (4 * c + 1) * sizeof *h;
            __builtin_prefetch((const void *)gc);
            __builtin_prefetch((const void *)(gc + 64));
            __builtin_prefetch((const void *)(gc + 128));
            __builtin_prefetch((const void *)(gc + 192));
        }
        const EvHeapEntry *g = &h[c];
        Ord k0 = ord(g), k1 = ord(g + 1), k2 = ord(g + 2), k3 = ord(g + 3);
        size_t l01 = before(k1, k0), l23 = before(k3, k2);
        Ord m01 = l01 ? k1 : k0;
        Ord m23 = l23 ? k3 : k2;
        size_t a = c + l01, b = c + 2 + l23;
        /* A mask, not ?:, so the index is chosen without a branch. */
        size_t pick = -before(m23, m01);
        size_t m = a ^ ((a ^ b) & pick);
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
    if ((q->nfree == 0 || (!q->vacant && q->n + 1 + SENTINELS > q->cap)) && make_room(q) != EVQ_OK)
        return (EvHandle){ 0, 0 };
    uint32_t slot = q->free_slots[--q->nfree];
    EvSlot *s = &q->pool[slot];
    s->t = ev->t;
    s->kind = ev->kind;
    s->a = ev->a;
    s->b = ev->b;
    s->x = ev->x;
    uint32_t gen = ++s->gen;            /* even -> odd: in use */
    assert(q->seq < SEQ_LIMIT);
    EvHeapEntry e = { q->seq++ << SLOT_BITS | slot, time_key(ev->t) };
    if (q->vacant) {
        /* The hold pattern: one sift instead of a sift-down for the pop
         * and a sift-up for the push. */
        q->vacant = 0;
        fill_root(q->heap, q->n, e);
    } else {
        sift_up(q->heap, q->n, e);
        q->n++;
        q->heap[q->n + SENTINELS - 1] = SENTINEL;
    }
    prefetch_top(q);
    q->live++;
    return (EvHandle){ slot, gen };
}

/* Copy the pending event in `slot` (the root's) out, free the slot, and
 * leave the root vacant: if a push comes next, as it does in most
 * handlers, it drops its entry straight into the hole. */
static inline int take_root(EvQ *q, uint32_t slot, Event *out)
{
    EvSlot *s = &q->pool[slot];
    out->t = s->t;
    out->kind = s->kind;
    out->a = s->a;
    out->b = s->b;
    out->x = s->x;
    s->gen++;                   /* odd -> even: free */
    q->free_slots[q->nfree++] = slot;
    q->live--;
    q->vacant = 1;
    return 1;
}

static NOINLINE int pop_slow(EvQ *q, Event *out)
{
    settle(q);
    while (q->n > 0) {
        uint32_t slot = (uint32_t)(q->heap[0].key & SLOT_MASK);
        if (q->pool[slot].gen & 1u) return take_root(q, slot, out);
        /* A cancelled event: its generation was already advanced. */
        remove_top(q->heap, --q->n);
        q->free_slots[q->nfree++] = slot;
    }
    return 0;
}

int evq_pop(EvQ *q, Event *out)
{
    /* The usual case, kept free of calls so it needs no stack frame: the
     * root is filled and pending. */
    if (!q->vacant && q->n > 0) {
        uint32_t slot = (uint32_t)(q->heap[0].key & SLOT_MASK);
        if (q->pool[slot].gen & 1u) return take_root(q, slot, out);
    }
    return pop_slow(q, out);
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
