/* evq.h — the pending-event set: a 4-ary min-heap over an event pool.
 *
 * Order: time, then scheduling order (FIFO among equal times), so a
 * replication reproduces exactly. Heap entries are 16 bytes (an integer
 * image of the time + a key packing the sequence number over the pool
 * slot); payloads stay in the pool and never move. Push and pop are
 * O(log n): evq_pop leaves the root vacant and the next call pays for
 * refilling it (a push fills it with its own entry, the cheap case).
 * Times may be any non-NaN double; -0.0 and +0.0 count as equal.
 *
 * Cancellation is lazy, as in Redis's ae.c: evq_cancel marks the slot dead in
 * O(1) and the heap entry is reaped when it reaches the top. A handle carries
 * the slot's generation, so a stale handle (event already run or cancelled)
 * cancels nothing.
 *
 * Memory: the pool and heap grow by doubling and are kept across
 * evq_clear(), so a replication loop allocates nothing in steady state.
 * Limits: EVQ_MAX_PENDING (2^24) events pending at once (or a lower limit
 * set by evq_set_limit), 2^40 pushes between clears. A push past the limit,
 * or one that finds no memory, schedules nothing: it returns a null handle
 * and records why in q->error (sticky until evq_clear), for the owner to
 * turn into a halt. Nothing here prints or aborts.
 * Design notes and measurements: the opening comment of evq.c.
 */
#ifndef SALVO_EVQ_H
#define SALVO_EVQ_H

#include <stddef.h>
#include <stdint.h>

/* The payload every event carries: a kind (an index into the kernel's
 * handler table) and small operands whose meaning the handler defines. */
typedef struct Event {
    double t;       /* when it fires, days */
    uint32_t kind;
    uint32_t a, b;  /* usually entity indices */
    double x;       /* usually a quantity */
} Event;

typedef struct EvHandle {
    uint32_t slot;
    uint32_t gen;   /* 0 never names a live event */
} EvHandle;

/* One heap node. Both words compare as unsigned integers, tkey first: tkey
 * is the time's IEEE bits remapped so integer order is time order, key is
 * seq << 24 | slot, so ties in time fall back to scheduling order. */
typedef struct EvHeapEntry {
    uint64_t key;   /* seq << 24 | pool slot */
    uint64_t tkey;  /* order-preserving image of the time */
} EvHeapEntry;

typedef struct EvSlot EvSlot;   /* a pooled payload; private to evq.c */

#define EVQ_MAX_PENDING ((size_t)1 << 24)

typedef enum EvqError {
    EVQ_OK,
    EVQ_FULL,       /* a push found the limit of pending events reached */
    EVQ_NOMEM       /* a push found no memory to grow */
} EvqError;

typedef struct EvQ {
    EvHeapEntry *heap;      /* node 0; 3 entries after a 64-byte boundary */
    size_t n, cap;          /* heap nodes (live, cancelled, vacant root); capacity */
    EvSlot *pool;           /* payload and generation per slot */
    uint32_t *free_slots;   /* stack of free slots */
    size_t nfree, pool_cap;
    size_t live;            /* pending, not cancelled */
    uint64_t seq;
    int vacant;             /* node 0 is a hole left by evq_pop */
    size_t limit;           /* most events pending at once */
    EvqError error;         /* first push that failed since evq_clear */
} EvQ;

void evq_init(EvQ *q);
void evq_fini(EvQ *q);
/* Drop every pending event and any error; keep the memory and the limit. */
void evq_clear(EvQ *q);
/* At most max_pending events pending at once (1..EVQ_MAX_PENDING; anything
 * else restores EVQ_MAX_PENDING). For tests of the limit. */
void evq_set_limit(EvQ *q, size_t max_pending);
/* Schedule a copy of *ev. If the limit is reached or memory runs out,
 * schedules nothing, sets q->error and returns a handle with gen 0. */
EvHandle evq_push(EvQ *q, const Event *ev);
/* Make dst an exact copy of src: the same pending events in the same slots,
 * generations and order, so every handle valid in src is valid in dst and
 * names the same event, and the same later pushes land in the same slots.
 * Allocates only when dst's pool or heap is smaller than src's (a copy into
 * a queue that already held such a copy allocates nothing). On failure
 * returns EVQ_NOMEM and leaves dst cleared (empty, usable). O(pool size). */
int evq_copy(EvQ *dst, const EvQ *src);
/* Remove the earliest live event into *out. 0 when none is pending. */
int evq_pop(EvQ *q, Event *out);
/* Time of the earliest live event, or +INFINITY. Reaps dead tops. */
double evq_peek_time(EvQ *q);
/* Cancel a pending event. 1 if it was pending, 0 for a stale handle. */
int evq_cancel(EvQ *q, EvHandle h);
/* 1 if the handle names a pending event. */
int evq_pending(const EvQ *q, EvHandle h);
static inline size_t evq_size(const EvQ *q) { return q->live; }

#endif
