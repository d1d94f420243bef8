/* kernel.h — the discrete-event loop: a clock, an event queue, and a table
 * of handlers indexed by event kind. Models register one handler per kind
 * they own (kernel_on) and schedule events (kernel_at / kernel_after); the
 * loop pops the earliest event, advances the clock and calls the handler.
 *
 * Invariants: the clock never goes backwards (scheduling in the past is a
 * programmer error and asserts); events at equal times run in the order they
 * were scheduled. A Kernel is a plain value embedded in its owner (a Sim, or
 * the M/M/1 demonstration); there are no globals, so kernels run side by
 * side in threads.
 *
 * A handler may call kernel_stop() to make kernel_run() return early after
 * the current event, e.g. to wait for a person's decision.
 *
 * Scheduling can fail (the queue's limit of pending events, or no memory);
 * kernel_at then returns a null handle, and kernel_run returns KERNEL_FULL
 * as soon as the handler that failed returns (or at once, if a failure
 * happened before the run). Nothing here prints or aborts.
 */
#ifndef SALVO_KERNEL_H
#define SALVO_KERNEL_H

#include "evq.h"

#define KERNEL_MAX_KINDS 64

typedef void (*KernelHandler)(void *ctx, const Event *ev);

typedef struct Kernel {
    double now;
    EvQ q;
    void *ctx;                              /* passed to every handler */
    KernelHandler handlers[KERNEL_MAX_KINDS];
    uint64_t events;                        /* events dispatched since reset */
    int stop;
} Kernel;

typedef enum KernelStatus {
    KERNEL_EMPTY,    /* nothing left to run */
    KERNEL_UNTIL,    /* next event is after `until`; clock set to until */
    KERNEL_STOPPED,  /* a handler called kernel_stop() */
    KERNEL_FULL      /* an event could not be scheduled (k->q.error says why);
                      * the state is incomplete, so the run must end */
} KernelStatus;

void kernel_init(Kernel *k, void *ctx);
void kernel_fini(Kernel *k);
/* Back to time 0 with no pending events; handlers stay registered. */
void kernel_reset(Kernel *k);
/* Register the handler for one event kind (< KERNEL_MAX_KINDS). */
void kernel_on(Kernel *k, uint32_t kind, KernelHandler h);
/* Schedule at absolute time t >= now. */
EvHandle kernel_at(Kernel *k, double t, uint32_t kind, uint32_t a, uint32_t b, double x);
/* Schedule dt >= 0 days from now. */
EvHandle kernel_after(Kernel *k, double dt, uint32_t kind, uint32_t a, uint32_t b, double x);
int kernel_cancel(Kernel *k, EvHandle h);
/* Run events with t <= until. */
KernelStatus kernel_run(Kernel *k, double until);
void kernel_stop(Kernel *k);

#endif
