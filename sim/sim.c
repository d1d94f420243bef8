/* sim.c — one replication of a compiled scenario: the core that runs the
 * models on the kernel. It creates, resets, runs, clones and forks a Sim,
 * dispatches every event to its model's handler, enforces the limits, and
 * reads the metrics. The models are in their own files (model_int.h lists
 * them): supply.c, alliance.c, launch.c, events.c, effects.c, cond.c; each
 * registers a ModelDef, and everything here that is per model (state,
 * handlers, start steps) is done from the table MODELS, built from
 * SIM_MODELS. Observations and samples are the core's own two models.
 *
 * Metrics: EV_SAMPLE on each LEVEL metric's grid; EV_OBSERVE at each
 * observation's date; TIME and FLAG metrics are watchers (cond.c).
 *
 * Invariants (each model file states its own, and asserts what can be
 * checked where it is enforced: stocks synced and within [0, cap] at every
 * change, a response acting once, an event within its `max`, effects
 * nesting within SIM_MAX_NESTING, assistance steps in order, streams in
 * range). The asserts are on in every build the Makefile makes (it never
 * defines NDEBUG; their cost is measured in docs/models.md, Module map):
 *   - the clock only moves forward (kernel.c asserts it);
 *   - every random draw comes from the stream of the component that makes
 *     it (keyed by name per replication; the loader proves no two share a
 *     key), so adding a component never shifts another's draws; a stream's
 *     purpose is a named constant (scenario_int.h: RS_, PS_, TS_);
 *   - events at one instant run in the order they were queued, which the
 *     order of the models' start steps fixes at reset (model_int.h,
 *     SIM_MODELS; start_models asserts its ends);
 *   - nothing here allocates after sim_create() (a clone's event queue
 *     excepted, the first time: sim_clone).
 *
 * Termination (docs/scenario.md, Limits). A valid scenario can still ask
 * for endless work: a carrier with zero transit and zero return shuttling
 * stock between two depots, an event whose effects make it happen again,
 * a hazard of 1e300 per day. So, whatever the scenario:
 *   - recursion is bounded: effects nest at most SIM_MAX_NESTING deep (deeper
 *     ones run later at the same instant, through the queue), and carriers
 *     woken by a stock are loaded one after another, not one inside another;
 *   - a replication that dispatches more than SIM_MAX_EVENTS_AT_ONCE events
 *     at one instant, or more than its event limit in all, is halted:
 *     sim_run returns SIM_HALTED and sim_halted() says why and when.
 */
#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "model_int.h"

/* A stream is keyed the first time a replication draws from it: most
 * replications never touch many of them (effects, assumptions, policies),
 * and keying is the same whenever it happens, so results do not change. */
__attribute__((noinline)) void sim_key_stream(Sim *S, int stream)
{
    if (S->forked)
        rng_keyed_fork(&S->rng[stream], S->sc->streams[stream].prefix, S->seed, S->rep, S->fork_id, S->fork_future);
    else
        rng_keyed_prefix(&S->rng[stream], S->sc->streams[stream].prefix, S->seed, S->rep);
    S->rng_keyed[stream] = 1;
}

/* Halt for an event storm at day t (dispatch() and effects_apply()). */
void sim_storm(Sim *S, double t)
{
    if (!S->halted[0])
        snprintf(S->halted, sizeof S->halted, "more than %u events at day %.6g: an event storm "
                 "(zero transit and return, or effects that make themselves happen again?)",
                 SIM_MAX_EVENTS_AT_ONCE, t);
    kernel_stop(&S->k);
}

/* The first LEVEL metric with this grid step samples every metric that
 * shares it: one event per grid point, not one per metric. */
static int sample_leader(const Scenario *sc, int m)
{
    for (int j = 0; j < m; j++)
        if (sc->metrics[j].info.kind == MET_LEVEL && sc->metrics[j].every == sc->metrics[m].every) return 0;
    return 1;
}

static void on_sample(void *ctx, const Event *ev)
{
    Sim *S = ctx;
    const Scenario *sc = S->sc;
    int m = (int)ev->a, k = (int)ev->b;
    const MetricDef *md = &sc->metrics[m];
    for (int j = m; j < sc->nmetrics; j++)
        if (sc->metrics[j].info.kind == MET_LEVEL && sc->metrics[j].every == md->every)
            S->series[S->series_off[j] + k] = cond_qty(S, sc->metrics[j].q);
    if (k + 1 < md->info.series_len)
        kernel_at(&S->k, (k + 1) * md->every, EV_SAMPLE, (uint32_t)m, (uint32_t)(k + 1), 0);
}

static void start_samples(Sim *S)
{
    const Scenario *sc = S->sc;
    for (int m = 0; m < sc->nmetrics; m++)
        if (sc->metrics[m].info.kind == MET_LEVEL && sample_leader(sc, m)) kernel_at(&S->k, 0, EV_SAMPLE, (uint32_t)m, 0, 0);
}

static int series_len(const Scenario *sc)
{
    int total = 0;
    for (int m = 0; m < sc->nmetrics; m++) total += sc->metrics[m].info.series_len;
    return total;
}

/* All LEVEL series in one array: series_off[m] is where metric m's starts. */
static int create_series(Sim *S)
{
    const Scenario *sc = S->sc;
    for (int m = 0, total = 0; m < sc->nmetrics; m++) {
        S->series_off[m] = total;
        total += sc->metrics[m].info.series_len;
    }
    S->series = mem_calloc((size_t)series_len(sc) + 1, sizeof *S->series);
    return S->series ? 0 : -1;
}

static void reset_series(Sim *S)
{
    const Scenario *sc = S->sc;
    for (int i = 0; i < sc->nmetrics; i++) S->metric_t[i] = SALVO_NEVER;
    int total = series_len(sc);
    if (total > 0) memset(S->series, 0, (size_t)total * sizeof *S->series);
}

static void destroy_series(Sim *S) { free(S->series); }

static void clone_series(Sim *D, const Sim *S)
{
    int total = series_len(S->sc);
    if (total > 0) memcpy(D->series, S->series, (size_t)total * sizeof *D->series);
}

static const ModelKind SAMPLE_KINDS[] = { { EV_SAMPLE, on_sample } };
static const SimArray SAMPLE_ARRAYS[] = { SIM_ARRAY(metric_t, nmetrics), SIM_FIXED(series_off, nmetrics) };
const ModelDef sim_sample_model = {
    .name = "sim_sample", MODEL_KINDS(SAMPLE_KINDS), MODEL_ARRAYS(SAMPLE_ARRAYS), .create = create_series,
    .destroy = destroy_series, .clone = clone_series, .reset = reset_series, .start = start_samples,
};

/* An observation is read at the end of its date, before anything else
 * that happens at that instant (its start step comes first: SIM_MODELS). */
static void on_observe(void *ctx, const Event *ev)
{
    Sim *S = ctx;
    S->obs[ev->a] = cond_qty(S, S->sc->obs[ev->a].q);
}

static void start_observations(Sim *S)
{
    const Scenario *sc = S->sc;
    for (int i = 0; i < sc->nobs; i++) {
        S->obs[i] = NAN;
        kernel_at(&S->k, sc->obs[i].info.t, EV_OBSERVE, (uint32_t)i, 0, 0);
    }
}

static const ModelKind OBSERVE_KINDS[] = { { EV_OBSERVE, on_observe } };
static const SimArray OBSERVE_ARRAYS[] = { SIM_ARRAY(obs, nobs) };
const ModelDef sim_observe_model = {
    .name = "sim_observe", MODEL_KINDS(OBSERVE_KINDS), MODEL_ARRAYS(OBSERVE_ARRAYS), .start = start_observations,
};

/* --- lifecycle -------------------------------------------------------------- */
/* Every model, in the start order (model_int.h, SIM_MODELS). */
#define SIM_MODEL_ENTRY(x) &x##_model,
static const ModelDef *const MODELS[] = { SIM_MODELS(SIM_MODEL_ENTRY) };
#undef SIM_MODEL_ENTRY
enum { NMODELS = sizeof MODELS / sizeof *MODELS };

static void **array_at(Sim *S, const SimArray *a) { return (void **)((char *)S + a->field); }
static int array_len(const Scenario *sc, const SimArray *a) { return *(const int *)((const char *)sc + a->count); }

/* Every event passes here: the event limits are checked before the model
 * sees it. A halt drops the event and stops the kernel for good. */
static void dispatch(void *ctx, const Event *ev)
{
    Sim *S = ctx;
    if (ev->t != S->instant_t) {
        S->instant_t = ev->t;
        S->instant_n = 0;
    }
    if (++S->instant_n > SIM_MAX_EVENTS_AT_ONCE || S->halted[0]) {
        sim_storm(S, ev->t);
        return;
    } else if (S->k.events > S->max_events) {
        snprintf(S->halted, sizeof S->halted, "more than %llu events by day %.6g (the limit per replication; "
                 "a scenario that needs more raises it with \"limits\": {\"events\": N})",
                 (unsigned long long)S->max_events, ev->t);
    } else {
        S->on[ev->kind](ctx, ev);
        return;
    }
    kernel_stop(&S->k);
}
/* An event could not be scheduled: the run cannot go on (sim.c's model
 * state would miss it), so it is halted with the queue's reason. */
static void queue_failed(Sim *S)
{
    if (S->k.q.error == EVQ_FULL)
        snprintf(S->halted, sizeof S->halted, "more than %zu events pending at day %.6g (the limit of the "
                 "event queue)", S->k.q.limit, S->k.now);
    else
        snprintf(S->halted, sizeof S->halted, "out of memory for the event queue at day %.6g", S->k.now);
}

#define NEW(p, n) do { (p) = mem_calloc((size_t)(n) + 1, sizeof *(p)); if (!(p)) goto err; } while (0)

Sim *sim_create(const Scenario *sc)
{
    Sim *S = mem_calloc(1, sizeof *S);
    if (!S) return NULL;
    S->sc = sc;
    kernel_init(&S->k, S);
    for (int i = 0; i < EV__COUNT; i++) kernel_on(&S->k, (uint32_t)i, dispatch);
    /* Every kind has exactly one model's handler. */
    for (int m = 0; m < NMODELS; m++)
        for (int i = 0; i < MODELS[m]->nkinds; i++) {
            const ModelKind *mk = &MODELS[m]->kinds[i];
            assert(mk->kind >= 0 && mk->kind < EV__COUNT && !S->on[mk->kind] && mk->on);
            S->on[mk->kind] = mk->on;
        }
    for (int i = 0; i < EV__COUNT; i++) assert(S->on[i]);
    S->max_events = sc->max_events ? sc->max_events : SIM_MAX_EVENTS;
    NEW(S->rng, sc->nstreams);
    NEW(S->rng_keyed, sc->nstreams);
    NEW(S->pd, sc->nparams);
    for (int m = 0; m < NMODELS; m++) {
        for (int i = 0; i < MODELS[m]->narrays; i++) {
            const SimArray *a = &MODELS[m]->arrays[i];
            void **p = array_at(S, a);
            assert(!*p);    /* no two models own one array */
            if (!(*p = mem_calloc((size_t)array_len(sc, a) + 1, a->elsize))) goto err;
        }
        if (MODELS[m]->create && MODELS[m]->create(S) != 0) goto err;
    }
    S->pending = -1;
    /* A scenario of only actors and places has no parameters, and then
     * sc->params may be NULL: memcpy from NULL is undefined even for 0
     * bytes (found by fuzz_scenario under UBSan). */
    if (sc->nparams > 0) memcpy(S->pd, sc->params, (size_t)sc->nparams * sizeof *S->pd);
    if (sim_reset(S, 0, 0) != 0) goto err;
    return S;
err:
    sim_destroy(S);
    return NULL;
}

void sim_destroy(Sim *S)
{
    if (!S) return;
    kernel_fini(&S->k);
    for (int m = 0; m < NMODELS; m++) {
        if (MODELS[m]->destroy) MODELS[m]->destroy(S);
        for (int i = 0; i < MODELS[m]->narrays; i++) free(*array_at(S, &MODELS[m]->arrays[i]));
    }
    free(S->rng); free(S->rng_keyed); free(S->pd);
    free(S);
}

/* The start steps, in the order of SIM_MODELS (model_int.h says why it
 * matters): observations first, on an empty queue; the first look at the
 * watchers last. */
static void start_models(Sim *S)
{
    assert(evq_size(&S->k.q) == 0 && MODELS[0] == &sim_observe_model);
    for (int m = 0; m < NMODELS; m++)
        if (MODELS[m]->start) MODELS[m]->start(S);
    assert(MODELS[NMODELS - 2] == &cond_look_model && !MODELS[NMODELS - 1]->start);
}

int sim_reset(Sim *S, uint64_t seed, uint64_t rep)
{
    const Scenario *sc = S->sc;
    kernel_reset(&S->k);
    S->seed = seed;
    S->rep = rep;
    S->dirty = 0;
    S->pending = -1;
    S->nchoices = 0;
    S->script = NULL;
    S->nscript = 0;
    S->by_decision = NULL;
    S->ended = 0;
    S->nesting = 0;
    S->nwake = 0;
    S->waking = 0;
    memset(S->wake_on, 0, (size_t)sc->nstocks);
    S->instant_t = 0;
    S->instant_n = 0;
    S->halted[0] = '\0';
    S->forked = 0;
    memset(S->rng_keyed, 0, (size_t)sc->nstreams);
    /* Only parameters that effects can change need a fresh copy; the rest
     * were copied by sim_create and never change. */
    for (int i = 0; i < sc->nparams; i++)
        if (sc->params[i].mutable_) S->pd[i] = sc->params[i];
    /* Parametric uncertainty: each ranged assumption's value (a
     * distribution's mean) is drawn from triangular(lo, value, hi). */
    for (int a = 0; a < sc->nassumptions; a++) {
        const Assumption *as = &sc->assumptions[a];
        int p = sc->assumption_param[a];
        if (!S->uncertain || !(as->lo < as->hi)) {
            if (S->uncertain_done) S->pd[p] = sc->params[p];
            continue;
        }
        Dist tri = { .kind = DIST_TRIANGULAR, .p = { as->lo, as->value, as->hi } };
        S->pd[p] = sc->params[p];
        /* The loader keeps lo <= value <= hi (a --set outside the range
         * widens it); should that ever fail, keep the point value rather
         * than draw NaN from a triangle that is not one. */
        if (dist_prepare(&tri) != NULL) continue;
        double m = dist_draw(&tri, rs(S, sc->assumption_stream[a]));
        if (S->pd[p].d.kind == DIST_CONST) S->pd[p].d.p[0] = m;
        else dist_set_mean(&S->pd[p].d, m);
    }
    S->uncertain_done = S->uncertain;
    for (int m = 0; m < NMODELS; m++)
        if (MODELS[m]->reset) MODELS[m]->reset(S);
    start_models(S);
    if (S->k.q.error == EVQ_OK) return 0;
    queue_failed(S);    /* sim_run will say SIM_HALTED, with this reason */
    return -1;
}

/* Every field of struct Sim is either copied here or named as kept. Arrays
 * are sized by the scenario, so copying them allocates nothing; only the
 * event queue can need room (evq_copy), and then only the first time. */
#define COPY(f, n) do { if ((n) > 0) memcpy(D->f, S->f, (size_t)(n) * sizeof *D->f); } while (0)

int sim_clone(Sim *D, const Sim *S)
{
    const Scenario *sc = S->sc;
    assert(D->sc == sc);
    if (D == S) return 0;
    /* Kept: D->k.ctx (its own Sim), the handler tables (k.handlers, on), D->sink.
     * Each model's arrays are copied from its ModelDef (and its clone hook). */
    if (evq_copy(&D->k.q, &S->k.q) != EVQ_OK) {
        snprintf(D->halted, sizeof D->halted, "out of memory cloning the event queue at day %.6g", S->k.now);
        return -1;
    }
    D->k.now = S->k.now;
    D->k.events = S->k.events;
    D->k.stop = S->k.stop;
    D->seed = S->seed;
    D->rep = S->rep;
    COPY(rng, sc->nstreams);
    COPY(rng_keyed, sc->nstreams);
    COPY(pd, sc->nparams);
    for (int m = 0; m < NMODELS; m++) {
        for (int i = 0; i < MODELS[m]->narrays; i++) {
            const SimArray *a = &MODELS[m]->arrays[i];
            int n = array_len(sc, a);
            if (a->copied && n > 0) memcpy(*array_at(D, a), *array_at((Sim *)S, a), (size_t)n * a->elsize);
        }
        if (MODELS[m]->clone) MODELS[m]->clone(D, S);
    }
    D->round = S->round;
    D->dirty = S->dirty;
    D->dirty_stocks = S->dirty_stocks;
    D->active_cats = S->active_cats;
    D->interactive = S->interactive;
    D->uncertain = S->uncertain;
    D->uncertain_done = S->uncertain_done;
    D->nchoices = S->nchoices;
    D->script = S->script;      /* owned by the caller of sim_script */
    D->by_decision = S->by_decision;
    D->nscript = S->nscript;
    D->pending = S->pending;
    D->pend = S->pend;          /* its strings belong to the shared scenario */
    D->ended = S->ended;
    D->nesting = S->nesting;
    D->nwake = S->nwake;
    D->waking = S->waking;
    D->max_events = S->max_events;
    D->instant_t = S->instant_t;
    D->instant_n = S->instant_n;
    memcpy(D->halted, S->halted, sizeof D->halted);
    D->forked = S->forked;
    D->fork_id = S->fork_id;
    D->fork_future = S->fork_future;
    return 0;
}
#undef COPY

int sim_fork(Sim *D, const Sim *S, uint64_t fork, uint64_t future)
{
    if (sim_clone(D, S) != 0) return -1;
    /* Every stream is re-keyed at its next draw, now also by (fork, future):
     * draws already made (pending events, per-replication values) stay. */
    memset(D->rng_keyed, 0, (size_t)S->sc->nstreams);
    D->forked = 1;
    D->fork_id = fork;
    D->fork_future = future;
    return 0;
}

void sim_set_sink(Sim *S, const TraceSink *sink)
{
    if (sink) {
        S->sink_copy = *sink;
        S->sink = &S->sink_copy;
    } else {
        S->sink = NULL;
    }
}

void sim_set_interactive(Sim *S, int on) { S->interactive = on; }
void sim_set_uncertainty(Sim *S, int on) { S->uncertain = on; }

void sim_script_decisions(Sim *S, const int *option)
{
    S->by_decision = option;
}

void sim_script(Sim *S, const int *answers, int n)
{
    S->script = answers;
    S->nscript = n;
}

static void finish(Sim *S)
{
    S->ended = 1;
    for (int i = 0; i < S->sc->nstocks; i++) supply_stock_sync(S, i);
    /* A halted run's observations after the halt read the state as it
     * stood then, as its metrics do. */
    for (int i = 0; i < S->sc->nobs; i++)
        if (isnan(S->obs[i]) && S->halted[0]) S->obs[i] = cond_qty(S, S->sc->obs[i].q);
    if (S->sink)
        for (int i = 0; i < S->sc->nstocks; i++)
            emit(S, TR_STOCK, i, -1, -1, S->stocks[i].level, S->stocks[i].shortfall);
    emit(S, TR_END, -1, -1, -1, 0, 0);
}

SimStatus sim_run(Sim *S, double until)
{
    if (S->halted[0]) return SIM_HALTED;
    if (S->pending >= 0) return SIM_DECISION;
    double end = S->sc->end;
    if (until > end) until = end;
    KernelStatus ks = kernel_run(&S->k, until);
    if (ks == KERNEL_FULL) queue_failed(S);
    if ((ks == KERNEL_STOPPED || ks == KERNEL_FULL) && S->halted[0]) {
        /* The run ends here, at the storm's instant: a trace still closes
         * with the final stock levels and END, and metrics are as of now. */
        finish(S);
        return SIM_HALTED;
    }
    if (ks == KERNEL_STOPPED && S->pending >= 0) return SIM_DECISION;
    if (ks == KERNEL_STOPPED) return sim_run(S, until);
    if (S->k.now >= end && !S->ended) finish(S);
    return SIM_DONE;
}

const char *sim_halted(const Sim *S) { return S->halted[0] ? S->halted : NULL; }

void sim_set_event_limit(Sim *S, uint64_t max)
{
    S->max_events = max ? max : S->sc->max_events ? S->sc->max_events : SIM_MAX_EVENTS;
}
void sim_set_queue_limit(Sim *S, size_t max_pending) { evq_set_limit(&S->k.q, max_pending); }

const SimDecision *sim_pending(const Sim *S) { return S->pending >= 0 ? &S->pend : NULL; }

int sim_answer(Sim *S, int option)
{
    if (S->pending < 0 || option < 0 || option >= S->sc->decisions[S->pending].noptions) return -1;
    int d = S->pending;
    S->pending = -1;
    cond_take_decision(S, d, option, 1);
    cond_settle(S);
    return 0;
}

double sim_now(const Sim *S) { return S->k.now; }
const Scenario *sim_scenario(const Sim *S) { return S->sc; }
uint64_t sim_events(const Sim *S) { return S->k.events; }

void sim_metrics(const Sim *S_, double *out)
{
    Sim *S = (Sim *)S_;  /* syncing stocks is a cache update, not a state change */
    const Scenario *sc = S->sc;
    for (int m = 0; m < sc->nmetrics; m++) {
        const MetricDef *md = &sc->metrics[m];
        switch (md->info.kind) {
        case MET_TOTAL: case MET_LEVEL: out[m] = cond_qty(S, md->q); break;
        case MET_TIME: out[m] = S->metric_t[m]; break;
        /* "by DATE" counts the whole of DATE: up to 00:00 of the next day,
         * as batch's P(by DATE), its cdf and --by do (docs/scenario.md). */
        case MET_FLAG: out[m] = S->metric_t[m] < md->by + 1 ? 1 : 0; break;
        }
    }
}

const double *sim_series(const Sim *S, int m)
{
    if (m < 0 || m >= S->sc->nmetrics || S->sc->metrics[m].info.kind != MET_LEVEL) return NULL;
    return S->series + S->series_off[m];
}

const double *sim_observations(const Sim *S) { return S->obs; }

double sim_assumption_value(const Sim *S, int a)
{
    if (a < 0 || a >= S->sc->nassumptions) return NAN;
    return dist_mean(&S->pd[S->sc->assumption_param[a]].d);
}

int sim_choices(const Sim *S, const int **choices)
{
    *choices = S->choices;
    return S->nchoices;
}

