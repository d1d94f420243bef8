/* kernel.c — the event loop; see kernel.h. The clock only moves forward:
 * kernel_at() asserts t >= now, and kernel_run() sets now to each event's
 * time before dispatching it. */
#include "kernel.h"

#include <assert.h>
#include <math.h>
#include <string.h>

void kernel_init(Kernel *k, void *ctx)
{
    memset(k, 0, sizeof *k);
    evq_init(&k->q);
    k->ctx = ctx;
}

void kernel_fini(Kernel *k)
{
    evq_fini(&k->q);
}

void kernel_reset(Kernel *k)
{
    evq_clear(&k->q);
    k->now = 0.0;
    k->events = 0;
    k->stop = 0;
}

void kernel_on(Kernel *k, uint32_t kind, KernelHandler h)
{
    assert(kind < KERNEL_MAX_KINDS);
    k->handlers[kind] = h;
}

EvHandle kernel_at(Kernel *k, double t, uint32_t kind, uint32_t a, uint32_t b, double x)
{
    assert(t >= k->now && kind < KERNEL_MAX_KINDS && k->handlers[kind]);
    Event ev = { t, kind, a, b, x };
    return evq_push(&k->q, &ev);
}

EvHandle kernel_after(Kernel *k, double dt, uint32_t kind, uint32_t a, uint32_t b, double x)
{
    assert(dt >= 0.0);
    return kernel_at(k, k->now + dt, kind, a, b, x);
}

int kernel_cancel(Kernel *k, EvHandle h)
{
    return evq_cancel(&k->q, h);
}

void kernel_stop(Kernel *k)
{
    k->stop = 1;
}

KernelStatus kernel_run(Kernel *k, double until)
{
    k->stop = 0;
    if (k->q.error != EVQ_OK) return KERNEL_FULL;
    for (;;) {
        double t = evq_peek_time(&k->q);
        if (t == INFINITY) {
            if (until != INFINITY && until > k->now) k->now = until;
            return KERNEL_EMPTY;
        }
        if (t > until) {
            if (until > k->now) k->now = until;
            return KERNEL_UNTIL;
        }
        Event ev;
        evq_pop(&k->q, &ev);
        k->now = ev.t;
        k->events++;
        k->handlers[ev.kind](k->ctx, &ev);
        if (k->q.error != EVQ_OK) return KERNEL_FULL;
        if (k->stop) {
            k->stop = 0;
            return KERNEL_STOPPED;
        }
    }
}
