/* synth.h — a synthetic BatchModel with known distributions, for the batch
 * tests (header-only; every function static inline).
 *
 * Replication r of seed S draws from streams keyed by (S, r, "synthetic",
 * purpose), so it has common random numbers like a scenario:
 *   x    TOTAL  Normal(mu, 2) + noise * Normal(0, 1), mu = 10 + shift (the
 *               second normal from its own stream: what B adds in compare)
 *   t    TIME   Exponential(mean 100 days); "never" past 365
 *   f    FLAG   Bernoulli(0.3)
 *   lvl  LEVEL  series j = 0..4 (t0 0, dt 10): j * U(0,1), scalar = last
 * Each replication counts 3 "events". With `stop` set, the model raises
 * *stop when it reaches replication stop_at (a stand-in for Ctrl-C).
 */
#ifndef SALVO_TEST_SYNTH_H
#define SALVO_TEST_SYNTH_H

#include <math.h>
#include <signal.h>
#include <stdlib.h>

#include "batch.h"
#include "rng.h"

typedef struct Synth {
    MetricInfo metrics[4];
    BatchModel model;
    double shift;                   /* added to x's mean */
    double noise;                   /* sd of x's extra, independent part */
    volatile sig_atomic_t *stop;
    uint64_t stop_at;
} Synth;

typedef struct SynthWorker {
    const Synth *sy;
    uint64_t events;
} SynthWorker;

static inline void *synth_worker_create(void *ctx)
{
    SynthWorker *w = calloc(1, sizeof *w);
    if (w) w->sy = ctx;
    return w;
}

static inline void synth_worker_destroy(void *w) { free(w); }

static inline uint64_t synth_worker_events(void *w) { return ((SynthWorker *)w)->events; }

static inline double synth_normal(Rng *r)
{
    double u = rng_open01(r), v = rng_double(r);
    return sqrt(-2.0 * log(u)) * cos(6.283185307179586 * v);
}

static inline void synth_replicate(void *worker, uint64_t seed, uint64_t rep, double *sc, double *series)
{
    SynthWorker *w = worker;
    const Synth *sy = w->sy;
    Rng r;
    rng_keyed(&r, seed, rep, "synthetic", "x");
    sc[0] = 10.0 + sy->shift + 2.0 * synth_normal(&r);
    if (sy->noise > 0) {
        rng_keyed(&r, seed, rep, "synthetic", "noise");
        sc[0] += sy->noise * synth_normal(&r);
    }
    rng_keyed(&r, seed, rep, "synthetic", "t");
    double t = -100.0 * log(rng_open01(&r));
    sc[1] = t > 365.0 ? SALVO_NEVER : t;
    rng_keyed(&r, seed, rep, "synthetic", "f");
    sc[2] = rng_double(&r) < 0.3 ? 1.0 : 0.0;
    rng_keyed(&r, seed, rep, "synthetic", "lvl");
    double u = rng_double(&r);
    for (int j = 0; j < 5; j++) series[j] = j * u;
    sc[3] = series[4];
    w->events += 3;
    if (sy->stop && rep == sy->stop_at) *sy->stop = 1;
}

static inline void synth_init(Synth *sy)
{
    static const MetricInfo metrics[4] = {
        { "x", "a normal total", "rounds", MET_TOTAL, 1, 0, 0, 0, 0 },
        { "t", "an exponential time", "days", MET_TIME, -1, 0, 0, 0, 0 },
        { "f", "a coin", "", MET_FLAG, 1, 0, 0, 0, 1 },
        { "lvl", "a level", "tonnes", MET_LEVEL, 1, 5, 0.0, 10.0, 0 },
    };
    for (int i = 0; i < 4; i++) sy->metrics[i] = metrics[i];
    sy->shift = 0.0;
    sy->noise = 0.0;
    sy->stop = NULL;
    sy->stop_at = 0;
    BatchModel *m = &sy->model;
    m->nmetrics = 4;
    m->nextra = 0;
    m->metrics = sy->metrics;
    m->start_day = 19723;           /* 2024-01-01 */
    m->horizon = 365.0;
    m->ctx = sy;
    m->worker_create = synth_worker_create;
    m->worker_destroy = synth_worker_destroy;
    m->replicate = synth_replicate;
    m->worker_events = synth_worker_events;
}

#endif
