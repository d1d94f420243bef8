/* mm1.c — M/M/1 on the kernel. Arrival times of waiting customers sit in a
 * ring buffer that only grows (doubling), so the steady state allocates
 * nothing. Arrivals and services draw from separate keyed streams. */
#include "mm1.h"
#include "mem.h"

#include <stdlib.h>
#include <string.h>
#include "dist.h"
#include "kernel.h"

enum { MM1_ARRIVE, MM1_DEPART };

typedef struct Mm1 {
    Kernel k;
    Rng arrivals, services;
    double mean_gap, mean_service;
    double *ring;           /* arrival times, FIFO */
    size_t head, len, cap;
    uint64_t served, target;
    double sum_time;
    size_t max_len;
    int failed;             /* out of memory: the run stopped early */
} Mm1;

static int ring_push(Mm1 *m, double t)
{
    if (m->len == m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 64;
        double *r = mem_malloc(cap * sizeof *r);
        if (!r) return -1;
        for (size_t i = 0; i < m->len; i++) r[i] = m->ring[(m->head + i) % m->cap];
        free(m->ring);
        m->ring = r;
        m->head = 0;
        m->cap = cap;
    }
    m->ring[(m->head + m->len++) % m->cap] = t;
    if (m->len > m->max_len) m->max_len = m->len;
    return 0;
}

static void on_arrive(void *ctx, const Event *ev)
{
    Mm1 *m = ctx;
    if (ring_push(m, ev->t) != 0) {
        m->failed = 1;
        kernel_stop(&m->k);
        return;
    }
    if (m->len == 1)  /* server was idle */
        kernel_after(&m->k, dist_exponential(&m->services, m->mean_service), MM1_DEPART, 0, 0, 0);
    kernel_after(&m->k, dist_exponential(&m->arrivals, m->mean_gap), MM1_ARRIVE, 0, 0, 0);
}

static void on_depart(void *ctx, const Event *ev)
{
    Mm1 *m = ctx;
    double arrived = m->ring[m->head];
    m->head = (m->head + 1) % m->cap;
    m->len--;
    m->sum_time += ev->t - arrived;
    if (++m->served >= m->target) {
        kernel_stop(&m->k);
        return;
    }
    if (m->len > 0)
        kernel_after(&m->k, dist_exponential(&m->services, m->mean_service), MM1_DEPART, 0, 0, 0);
}

int mm1_run(double lambda, double mu, uint64_t customers, uint64_t seed, Mm1Result *out)
{
    if (!(lambda > 0) || !(mu > lambda) || customers == 0) return -1;
    Mm1 m;
    memset(&m, 0, sizeof m);
    kernel_init(&m.k, &m);
    kernel_on(&m.k, MM1_ARRIVE, on_arrive);
    kernel_on(&m.k, MM1_DEPART, on_depart);
    rng_keyed(&m.arrivals, seed, 0, "mm1", "arrivals");
    rng_keyed(&m.services, seed, 0, "mm1", "services");
    m.mean_gap = 1.0 / lambda;
    m.mean_service = 1.0 / mu;
    m.target = customers;
    kernel_after(&m.k, dist_exponential(&m.arrivals, m.mean_gap), MM1_ARRIVE, 0, 0, 0);
    KernelStatus ks = kernel_run(&m.k, 1e300);
    if (m.failed || ks == KERNEL_FULL) {
        kernel_fini(&m.k);
        free(m.ring);
        return -1;
    }
    out->mean_time = m.sum_time / (double)m.served;
    out->customers = m.served;
    out->events = m.k.events;
    out->max_queue = (double)m.max_len;
    kernel_fini(&m.k);
    free(m.ring);
    return 0;
}
