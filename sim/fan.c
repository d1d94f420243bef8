/* fan.c — fork-and-fan (see fan.h). Futures are dealt to threads in
 * contiguous ranges (thread i takes [i*n/T, (i+1)*n/T)), so threads write
 * to separate stretches of `out` rather than interleaved rows sharing cache
 * lines. Which thread runs a future never changes what it computes, only
 * who writes its slot. */
#include "fan.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include "mem.h"
#include "scenario_int.h"

typedef struct FanWork {
    const Sim *src;
    const Scenario *sc;
    Sim *dst;
    uint64_t fork;
    int nfutures, noptions, nmetrics, first, last;   /* futures [first, last) */
    double *out;
    int failed;
    pthread_t thread;
} FanWork;

static void *fan_worker(void *arg)
{
    FanWork *w = arg;
    for (int j = w->first; j < w->last; j++)
        for (int o = 0; o < w->noptions; o++) {
            if (sim_fork(w->dst, w->src, w->fork, (uint64_t)j) != 0) {
                w->failed = 1;
                return NULL;
            }
            sim_set_interactive(w->dst, 0);
            sim_script(w->dst, NULL, 0);
            sim_answer(w->dst, o);
            sim_run(w->dst, INFINITY);
            sim_metrics(w->dst, w->out + ((size_t)o * (size_t)w->nfutures + (size_t)j) * (size_t)w->nmetrics);
        }
    return NULL;
}

int fan_run(const Sim *src, uint64_t fork, int nfutures, int threads, double *out, char err[160])
{
    const SimDecision *pd = sim_pending(src);
    if (!pd) {
        if (err) snprintf(err, 160, "no decision is pending: nothing to fan out from");
        return -1;
    }
    if (nfutures <= 0) return 0;
    if (threads < 1) threads = 1;
    if (threads > nfutures) threads = nfutures;
    const Scenario *sc = sim_scenario(src);
    FanWork *w = mem_calloc((size_t)threads, sizeof *w);
    if (!w) goto nomem;
    int rc = 0;
    for (int i = 0; i < threads; i++) {
        w[i] = (FanWork){ .src = src, .sc = sc, .fork = fork, .nfutures = nfutures, .noptions = pd->noptions,
                          .nmetrics = scenario_metric_count(sc), .out = out,
                          .first = (int)((long long)nfutures * i / threads),
                          .last = (int)((long long)nfutures * (i + 1) / threads) };
        w[i].dst = sim_create(sc);
        if (!w[i].dst) rc = -1;
    }
    if (rc == 0) {
        int started = 0;
        for (int i = 1; i < threads; i++, started++)
            if (pthread_create(&w[i].thread, NULL, fan_worker, &w[i]) != 0) break;
        /* Threads that could not start are run here, in turn: same results. */
        fan_worker(&w[0]);
        for (int i = 1; i <= started; i++) pthread_join(w[i].thread, NULL);
        for (int i = started + 1; i < threads; i++) fan_worker(&w[i]);
        for (int i = 0; i < threads; i++) if (w[i].failed) rc = -1;
    }
    for (int i = 0; i < threads; i++) sim_destroy(w[i].dst);
    mem_free(w);
    if (rc == 0) return 0;
nomem:
    if (err) snprintf(err, 160, "out of memory for the fan's futures");
    return -1;
}
