/* batch_scenario.c — a compiled Scenario as a BatchModel (see batch.h).
 *
 * Each worker owns one Sim, created once and reset per replication, so the
 * batch loop allocates nothing per replication. The scenario is shared
 * read-only by all workers. Kept apart from batch.c so that the engine and
 * its tests link without the scenario loader.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "mem.h"

struct BatchScenario {
    const Scenario *s;
    MetricInfo *metrics;    /* copies of the scenario's records (strings shared) */
    int *levels;            /* indices of LEVEL metrics with a series */
    int nlevels;
    int uncertainty;        /* sim_set_uncertainty for every worker's Sim */
    BatchModel model;
    /* Replications halted by the event limit, gathered as workers finish. */
    pthread_mutex_t lock;
    uint64_t halted, first_halted;
    char reason[256];
};

typedef struct ScenarioWorker {
    BatchScenario *bs;
    Sim *sim;
    uint64_t events;
    uint64_t halted, first_halted;  /* this worker's halted replications */
    char reason[256];
} ScenarioWorker;

static void *worker_create(void *ctx)
{
    BatchScenario *bs = ctx;
    ScenarioWorker *w = mem_calloc(1, sizeof *w);
    if (!w) return NULL;
    w->bs = bs;
    w->sim = sim_create(bs->s);
    if (!w->sim) {
        free(w);
        return NULL;
    }
    sim_set_sink(w->sim, NULL);
    sim_set_uncertainty(w->sim, bs->uncertainty);
    return w;
}

static void worker_destroy(void *worker)
{
    ScenarioWorker *w = worker;
    if (!w) return;
    if (w->halted) {
        BatchScenario *bs = w->bs;
        pthread_mutex_lock(&bs->lock);
        if (!bs->halted || w->first_halted < bs->first_halted) {
            bs->first_halted = w->first_halted;
            memcpy(bs->reason, w->reason, sizeof bs->reason);
        }
        bs->halted += w->halted;
        pthread_mutex_unlock(&bs->lock);
    }
    sim_destroy(w->sim);
    free(w);
}

static void replicate(void *worker, uint64_t seed, uint64_t rep, double *scalars, double *series)
{
    ScenarioWorker *w = worker;
    const BatchScenario *bs = w->bs;
    sim_reset(w->sim, seed, rep);
    if (sim_run(w->sim, INFINITY) == SIM_HALTED) {
        /* Kept, not hidden: the front end reports them (batch_scenario_halted). */
        if (!w->halted || rep < w->first_halted) {
            w->first_halted = rep;
            snprintf(w->reason, sizeof w->reason, "%s", sim_halted(w->sim));
        }
        w->halted++;
    }
    sim_metrics(w->sim, scalars);
    w->events += sim_events(w->sim);
    for (int i = 0; i < bs->nlevels; i++) {
        int m = bs->levels[i];
        int len = bs->metrics[m].series_len;
        const double *src = sim_series(w->sim, m);
        if (src) memcpy(series, src, (size_t)len * sizeof *series);
        else
            for (int j = 0; j < len; j++) series[j] = NAN;
        series += len;
    }
    if (bs->model.nextra > 0)
        memcpy(series, sim_observations(w->sim), (size_t)bs->model.nextra * sizeof *series);
}

static uint64_t worker_events(void *worker)
{
    return ((const ScenarioWorker *)worker)->events;
}

BatchScenario *batch_scenario_create(const Scenario *s)
{
    BatchScenario *bs = mem_calloc(1, sizeof *bs);
    int n = scenario_metric_count(s);
    if (!bs) return NULL;
    if (n < 1) {
        free(bs);
        return NULL;
    }
    bs->s = s;
    pthread_mutex_init(&bs->lock, NULL);
    bs->metrics = mem_calloc((size_t)n, sizeof *bs->metrics);
    bs->levels = mem_calloc((size_t)n, sizeof *bs->levels);
    if (!bs->metrics || !bs->levels) goto err;
    for (int i = 0; i < n; i++) {
        bs->metrics[i] = *scenario_metric(s, i);
        if (bs->metrics[i].kind == MET_LEVEL && bs->metrics[i].series_len > 0)
            bs->levels[bs->nlevels++] = i;
    }
    bs->model = (BatchModel){ .nmetrics = n, .metrics = bs->metrics, .start_day = scenario_start(s),
                              .horizon = scenario_end(s), .ctx = bs, .worker_create = worker_create,
                              .worker_destroy = worker_destroy, .replicate = replicate, .worker_events = worker_events };
    return bs;
err:
    batch_scenario_destroy(bs);
    return NULL;
}

void batch_scenario_destroy(BatchScenario *bs)
{
    if (!bs) return;
    pthread_mutex_destroy(&bs->lock);
    free(bs->metrics);
    free(bs->levels);
    free(bs);
}

void batch_scenario_set_uncertainty(BatchScenario *bs, int on)
{
    bs->uncertainty = on != 0;
}

void batch_scenario_set_record(BatchScenario *bs, int on)
{
    bs->model.nextra = on ? scenario_observation_count(bs->s) : 0;
}

const BatchModel *batch_scenario_model(const BatchScenario *bs)
{
    return &bs->model;
}

uint64_t batch_scenario_halted(BatchScenario *bs, uint64_t *first_rep, const char **reason)
{
    pthread_mutex_lock(&bs->lock);
    uint64_t n = bs->halted;
    if (first_rep) *first_rep = bs->first_halted;
    if (reason) *reason = bs->reason;
    pthread_mutex_unlock(&bs->lock);
    return n;
}
