/* sim.c — one replication of a compiled scenario: the models on the kernel.
 *
 * Models and the events they own:
 *   supply    stocks change linearly between events (producers in, consumer
 *             demand out), integrated in closed form by stock_sync(); a
 *             stock that will run dry schedules EV_STOCK_EMPTY at the
 *             crossing. Carriers cycle READY → (load) → ARRIVE|LOST →
 *             RETURN → READY. No daily tick anywhere.
 *   alliance  TREATY_SIGN / TREATY_FORCE on their dates; aggression (an
 *             effect) triggers responses, which draw honour and delay and
 *             end in EV_RESPONSE.
 *   launch    EV_LAUNCH per attempt; assistance arrives by EV_ASSIST.
 *   events    EV_SCEN (scheduled and hazard; a hazard changed by an effect
 *             drops its pending gap and draws a new one at the new rate),
 *             EV_EFFECTS (delayed effects), condition watchers re-checked by
 *             settle() when a category of state they read has changed
 *             (never by polling), and EV_CROSS at the instant a watched
 *             continuous quantity crosses a threshold (plan_cross).
 *   metrics   EV_SAMPLE on each LEVEL metric's grid; EV_TICK at dates that
 *             conditions name.
 *
 * Invariants:
 *   - a condition is true from the first instant it holds, to the precision
 *     of a double. Between events every stock level and cumulative stock
 *     quantity is linear in time, so for each watcher that reads one,
 *     plan_cross() schedules one EV_CROSS at the earliest instant one of its
 *     comparisons can change (a threshold crossed at the current rates, or a
 *     stock filling or emptying, which changes the rates), and re-plans it
 *     whenever a stock it reads changes; a compound condition is a function
 *     of its comparisons, so it can change only then. At a threshold a
 *     comparison is judged at the instant and just after it (eval2), so
 *     `level > x` rising holds from the crossing (the infimum of the times
 *     it holds) and `level >= x` touching x and turning back holds then;
 *   - every stock is synced to `now` before its rates or level change;
 *   - every random draw comes from the stream of the component that makes
 *     it (keyed by name per replication; the loader proves no two share a
 *     key), so adding a component never shifts another's draws;
 *   - nothing here allocates after sim_create().
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
#include <stdlib.h>
#include <string.h>

#include "kernel.h"
#include "mem.h"
#include "scenario_int.h"

enum {
    EV_FLOW, EV_REDRAW, EV_STOCK_EMPTY, EV_READY, EV_ARRIVE, EV_LOST, EV_RETURN,
    EV_TREATY_SIGN, EV_TREATY_FORCE, EV_RESPONSE, EV_LAUNCH, EV_ASSIST, EV_SCEN, EV_EFFECTS,
    EV_TICK, EV_SAMPLE, EV_DEFER, EV_CROSS, EV_OBSERVE, EV__COUNT
};

/* See "Termination" above. Effects nested deeper than this are deferred. */
#define SIM_MAX_NESTING 16
/* More events than this at one instant of simulated time is an event storm
 * (10,000 carriers all leaving and arriving at day 0 take ~40,000). */
#define SIM_MAX_EVENTS_AT_ONCE 1000000u

enum { C_WAIT, C_TRANSIT, C_BACK };

typedef struct StockRt {
    double level, t;            /* level at time t */
    double in, demand;          /* current rates, units/day */
    double cap;
    double shortfall, consumed, produced, overflow;
    EvHandle empty;
    int short_on;
    int *queue, nqueue;         /* carriers waiting to load here, in order of arrival */
} StockRt;

typedef struct FlowRt { double base, eff; } FlowRt;

typedef struct CarrierRt {
    int state;
    double cargo, cap_units, wait_since, dep_t, frac;
    EvHandle ready;
    double ready_t;             /* time of the pending READY, if any */
} CarrierRt;

typedef struct RouteRt { int open; double delivered, lost, voyages, losses; } RouteRt;
typedef struct ProgRt {
    int attempts, successes, failures, streak, hist_left;
    double boost, growth;       /* added by assistance */
    double base, ceiling, learn;/* base, ceiling and growth, drawn once per replication */
} ProgRt;
typedef struct TreatyRt { int signed_, in_force, triggered, honoured, declined; } TreatyRt;
typedef struct RespRt { int done, waiting_force; } RespRt;
typedef struct EventRt {
    int count;
    int prev, prev_right;       /* condition at prev_t, and just after it */
    double prev_t;
    EvHandle hazard;            /* the pending occurrence of a hazard event */
} EventRt;
typedef struct AssistRt { int state; } AssistRt;   /* 0 none, 1 offered, 2 accepted, 3 arrived */

struct Sim {
    Kernel k;
    const Scenario *sc;
    uint64_t seed, rep;
    Rng *rng;
    unsigned char *rng_keyed;   /* stream keyed yet in this replication */
    ParamDef *pd;               /* mutable copy of the scenario's parameters */
    StockRt *stocks;
    FlowRt *prod, *cons;
    CarrierRt *carriers;
    RouteRt *routes;
    ProgRt *progs;
    AssistRt *assists;
    TreatyRt *treaties;
    RespRt *resp;
    EventRt *events;
    int *decided;               /* option chosen, -1 */
    int *watch_done;
    unsigned *stamp;            /* settle() round in which a watcher was last visited */
    EvHandle *cross;            /* per watcher: its next planned crossing (EV_CROSS) */
    double *cross_t;            /* ... and when */
    unsigned char *wcont;       /* per watcher: reads a continuously changing quantity */
    unsigned round;
    double *metric_t;           /* first time a TIME/FLAG metric's condition held */
    double *series;             /* all LEVEL series, concatenated */
    double *obs;                /* each observation's quantity at its date, NAN before */
    int *series_off;
    double *res_delivered, *res_lost, *res_duds;
    double *troops;
    unsigned dirty;
    uint64_t dirty_stocks;      /* stocks changed since the last settle round (bit index mod 64) */
    unsigned active_cats;       /* categories read by watchers not yet done */
    const TraceSink *sink;
    TraceSink sink_copy;
    int interactive;
    int uncertain;              /* draw each ranged assumption per replication */
    int uncertain_done;         /* pd[] holds drawn assumption values to undo */
    int *choices, nchoices;     /* decisions taken, in order */
    const int *by_decision;     /* sim_script_decisions: option per decision, -1 = as otherwise */
    const int *script;
    int nscript;
    int pending;                /* decision awaiting an answer, -1 */
    SimDecision pend;
    int ended;
    /* Termination guards (see the top of the file). */
    int nesting;                /* apply_effects() calls on the C stack */
    int *wake, nwake;           /* stocks whose waiting carriers must be re-checked */
    unsigned char *wake_on;     /* per stock: already in `wake` */
    int waking;                 /* wake_carriers() is running */
    uint64_t max_events;        /* per replication */
    double instant_t;           /* time of the last event dispatched */
    uint64_t instant_n;         /* events dispatched at instant_t */
    char halted[160];           /* why the run was halted, "" if it was not */
    /* Forks (sim_fork): streams keyed from now on also by (fork, future). */
    int forked;
    uint64_t fork_id, fork_future;
};

/* --- small helpers --------------------------------------------------------- */
static void emit(Sim *S, int kind, int a, int b, int c, double x, double y)
{
    if (!S->sink) return;
    TraceRec r = { S->k.now, kind, a, b, c, x, y };
    S->sink->emit(S->sink->ctx, &r);
}

/* A stream is keyed the first time a replication draws from it: most
 * replications never touch many of them (effects, assumptions, policies),
 * and keying is the same whenever it happens, so results do not change. */
static __attribute__((noinline)) void key_stream(Sim *S, int stream)
{
    if (S->forked)
        rng_keyed_fork(&S->rng[stream], S->sc->streams[stream].prefix, S->seed, S->rep, S->fork_id, S->fork_future);
    else
        rng_keyed_prefix(&S->rng[stream], S->sc->streams[stream].prefix, S->seed, S->rep);
    S->rng_keyed[stream] = 1;
}

static inline Rng *rs(Sim *S, int stream)
{
    if (__builtin_expect(!S->rng_keyed[stream], 0)) key_stream(S, stream);
    return &S->rng[stream];
}

/* A draw of parameter i, kept inside what the field allows. */
static double draw(Sim *S, int i, Rng *r)
{
    const ParamDef *p = &S->pd[i];
    double x = p->d.kind == DIST_CONST ? p->d.p[0] : dist_draw(&p->d, r);
    switch (p->con) {
    case PC_NONNEG: case PC_POS: return x < 0 ? 0 : x;
    case PC_PROB: return x < 0 ? 0 : x > 1 ? 1 : x;
    default: return x;
    }
}


static void settle(Sim *S);
static void apply_effects(Sim *S, EffectList el);
static void try_load(Sim *S, int c);

/* --- stocks ----------------------------------------------------------------- */

/* Integrate a stock from its last update to now, in closed form. */
static void stock_sync(Sim *S, int i)
{
    StockRt *st = &S->stocks[i];
    double dt = S->k.now - st->t;
    if (dt <= 0) return;
    st->t = S->k.now;
    double in = st->in, d = st->demand, net = in - d;
    if (net >= 0) {
        double room = st->cap - st->level;
        if (st->level + net * dt > st->cap) {
            /* Full after tau: production is curtailed to the demand. */
            double tau = net > 0 ? room / net : 0;
            if (tau < 0) tau = 0;
            st->produced += in * tau + d * (dt - tau);
            st->level = st->cap;
        } else {
            st->level += net * dt;
            st->produced += in * dt;
        }
        st->consumed += d * dt;
    } else {
        double tau = st->level / -net;
        st->produced += in * dt;
        if (tau >= dt) {
            st->level += net * dt;
            st->consumed += d * dt;
        } else {
            /* Empty after tau: from then on only the inflow is consumed. */
            st->consumed += d * tau + in * (dt - tau);
            st->shortfall += (d - in) * (dt - tau);
            st->level = 0;
        }
    }
    if (st->level < 0) st->level = 0;
}

static void stock_sync_resource(Sim *S, int res)
{
    for (int i = 0; i < S->sc->nstocks; i++)
        if (S->sc->stocks[i].resource == res) stock_sync(S, i);
}

/* Carriers load in turn: the first carrier in the stock's queue whose route
 * is open and that may already leave is the only one with a READY event
 * planned, so a change to the stock re-plans one carrier, not all of them. */
static int queue_head(Sim *S, int i)
{
    const StockRt *st = &S->stocks[i];
    for (int k = 0; k < st->nqueue; k++) {
        int c = st->queue[k];
        if (S->routes[S->sc->carriers[c].route].open && S->sc->carriers[c].first <= S->k.now) return c;
    }
    return -1;
}

static void queue_remove(StockRt *st, int c)
{
    for (int k = 0; k < st->nqueue; k++)
        if (st->queue[k] == c) {
            memmove(st->queue + k, st->queue + k + 1, (size_t)(st->nqueue - k - 1) * sizeof *st->queue);
            st->nqueue--;
            return;
        }
}

/* Let the first carrier waiting on stock i try to load. Loading takes from
 * the stock, which wakes the next carrier, and so on: done recursively that
 * would nest once per carrier (10,000s deep for a large `count`), so a wake
 * raised while one is running is queued and run by the outermost call.
 * Every wake happens in tail position (nothing follows it in its callers),
 * so the order of work, and of random draws, is what recursion would give. */
static void wake_carriers(Sim *S, int i)
{
    if (!S->wake_on[i]) {
        S->wake_on[i] = 1;
        S->wake[S->nwake++] = i;
    }
    if (S->waking) return;
    S->waking = 1;
    while (S->nwake > 0) {
        int j = S->wake[--S->nwake];
        S->wake_on[j] = 0;
        int c = queue_head(S, j);
        if (c >= 0) try_load(S, c);
    }
    S->waking = 0;
}

/* After any change to a stock's level or rates (stock already synced):
 * re-plan when it runs dry, track shortage, wake carriers waiting on it. */
static void stock_changed(Sim *S, int i)
{
    StockRt *st = &S->stocks[i];
    const StockDef *sd = &S->sc->stocks[i];
    double net = st->in - st->demand;
    /* The crossing of zero needs an event only for a trace, which shows the
     * shortage as it starts: the integration itself handles the crossing in
     * closed form, and conditions plan their own crossings (plan_cross). */
    if (S->sink) {
        kernel_cancel(&S->k, st->empty);
        st->empty = (EvHandle){ 0, 0 };
        if (st->level > 1e-9 && net < 0)
            st->empty = kernel_after(&S->k, st->level / -net, EV_STOCK_EMPTY, (uint32_t)i, 0, 0);
    }
    int short_now = st->level <= 1e-9 && net < 0;
    if (short_now != st->short_on) {
        st->short_on = short_now;
        emit(S, TR_SHORT, i, short_now, -1, short_now ? -net : 0, st->shortfall);
    }
    emit(S, TR_STOCK, i, -1, -1, st->level, st->shortfall);
    S->dirty |= CAT_STOCK;
    S->dirty_stocks |= (uint64_t)1 << (i & 63);
    (void)sd;
    wake_carriers(S, i);
}

static void stock_add(Sim *S, int i, double amount)
{
    StockRt *st = &S->stocks[i];
    stock_sync(S, i);
    st->level += amount;
    if (st->level > st->cap) {
        st->overflow += st->level - st->cap;
        st->level = st->cap;
    }
    if (st->level < 0) st->level = 0;
    stock_changed(S, i);
}

static void on_stock_empty(void *ctx, const Event *ev)
{
    Sim *S = ctx;
    int i = (int)ev->a;
    S->stocks[i].empty = (EvHandle){ 0, 0 };
    /* This event exists only for a trace (stock_changed). It must not
     * change the run: integrating the stock in two pieces instead of one
     * rounds differently, and `salvo run --rep R --trace` must equal row R
     * of the batch bit for bit. So the records are made from the state
     * synced here, and the state is put back as it was. */
    StockRt saved = S->stocks[i];
    stock_sync(S, i);
    StockRt *st = &S->stocks[i];
    double net = st->in - st->demand;
    if (!st->short_on && net < 0) {
        emit(S, TR_SHORT, i, 1, -1, -net, st->shortfall);
        saved.short_on = 1;
    }
    emit(S, TR_STOCK, i, -1, -1, 0, st->shortfall);
    *st = saved;
}

/* --- producers and consumers ------------------------------------------------ */
/* A flow's `end` is its last day (docs/scenario.md): it runs up to 00:00 of
 * the day after. */
static double flow_stop(const FlowDef *f) { return f->end + 1; }

static double ramp_factor(const FlowDef *f, double t)
{
    if (f->ramp_steps <= 0 || t >= f->start + f->ramp_days) return 1;
    double step = f->ramp_days / f->ramp_steps;
    double k = floor((t - f->start) / step + 1e-9);
    return f->ramp_from + (1 - f->ramp_from) * k / f->ramp_steps;
}

static void flow_update(Sim *S, int i, int consumer)
{
    const FlowDef *f = consumer ? &S->sc->consumers[i] : &S->sc->producers[i];
    FlowRt *r = consumer ? &S->cons[i] : &S->prod[i];
    if (f->stock < 0) return;
    stock_sync(S, f->stock);
    double t = S->k.now;
    int active = t >= f->start && t < flow_stop(f);
    double eff = active ? r->base * ramp_factor(f, t) : 0;
    StockRt *st = &S->stocks[f->stock];
    if (consumer) st->demand += eff - r->eff;
    else st->in += eff - r->eff;
    if (st->in < 1e-12) st->in = 0;
    if (st->demand < 1e-12) st->demand = 0;
    r->eff = eff;
    stock_changed(S, f->stock);
}

static void on_flow(void *ctx, const Event *ev)
{
    Sim *S = ctx;
    flow_update(S, (int)ev->a, (int)ev->b);
    settle(S);
}

static void on_redraw(void *ctx, const Event *ev)
{
    Sim *S = ctx;
    int i = (int)ev->a, consumer = (int)ev->b;
    const FlowDef *f = consumer ? &S->sc->consumers[i] : &S->sc->producers[i];
    FlowRt *r = consumer ? &S->cons[i] : &S->prod[i];
    r->base = draw(S, f->rate, rs(S, f->stream));
    flow_update(S, i, consumer);
    if (f->period > 0 && S->k.now + f->period < flow_stop(f))
        kernel_after(&S->k, f->period, EV_REDRAW, (uint32_t)i, (uint32_t)consumer, 0);
    settle(S);
}

static void flow_start(Sim *S, int i, int consumer)
{
    const FlowDef *f = consumer ? &S->sc->consumers[i] : &S->sc->producers[i];
    FlowRt *r = consumer ? &S->cons[i] : &S->prod[i];
    r->base = draw(S, f->rate, rs(S, f->stream));
    r->eff = 0;
    double end = S->sc->end;
    if (f->start <= end) kernel_at(&S->k, f->start > 0 ? f->start : 0, EV_FLOW, (uint32_t)i, (uint32_t)consumer, 0);
    for (int k = 1; k <= f->ramp_steps; k++) {
        double t = f->start + k * f->ramp_days / f->ramp_steps;
        if (t > 0 && t <= end && t < flow_stop(f)) kernel_at(&S->k, t, EV_FLOW, (uint32_t)i, (uint32_t)consumer, 0);
    }
    if (flow_stop(f) > 0 && flow_stop(f) <= end) kernel_at(&S->k, flow_stop(f), EV_FLOW, (uint32_t)i, (uint32_t)consumer, 0);
    if (f->period > 0) {
        double t = (f->start > 0 ? f->start : 0) + f->period;
        if (t < flow_stop(f) && t <= end) kernel_at(&S->k, t, EV_REDRAW, (uint32_t)i, (uint32_t)consumer, 0);
    }
}

/* --- carriers ---------------------------------------------------------------- */
static void carrier_begin_wait(Sim *S, int c)
{
    const CarrierDef *cd = &S->sc->carriers[c];
    const RouteDef *rd = &S->sc->routes[cd->route];
    CarrierRt *cr = &S->carriers[c];
    cr->state = C_WAIT;
    cr->wait_since = S->k.now;
    cr->cap_units = draw(S, cd->containers, rs(S, cd->stream)) * draw(S, rd->container, rs(S, rd->stream + RS_CONTAINER));
    if (cd->every <= 0 && rd->from >= 0) {
        StockRt *st = &S->stocks[rd->from];
        st->queue[st->nqueue++] = c;
    }
}

static void depart(Sim *S, int c, double amount)
{
    const CarrierDef *cd = &S->sc->carriers[c];
    const RouteDef *rd = &S->sc->routes[cd->route];
    CarrierRt *cr = &S->carriers[c];
    RouteRt *rr = &S->routes[cd->route];
    kernel_cancel(&S->k, cr->ready);
    cr->ready = (EvHandle){ 0, 0 };
    if (cd->every <= 0) queue_remove(&S->stocks[rd->from], c);
    cr->state = C_TRANSIT;
    cr->cargo = amount;
    cr->dep_t = S->k.now;
    rr->voyages++;
    double transit = draw(S, rd->transit, rs(S, rd->stream));
    Rng *lr = rs(S, rd->stream + RS_LOSS);
    double u = rng_double(lr), f = rng_double(lr);
    double p = draw(S, rd->loss, lr);
    emit(S, TR_DEPART, c, cd->route, S->sc->stocks[rd->from].resource, amount, S->k.now + transit);
    if (u < p) {
        cr->frac = f;
        kernel_after(&S->k, f * transit, EV_LOST, (uint32_t)c, 0, 0);
    } else {
        kernel_after(&S->k, transit, EV_ARRIVE, (uint32_t)c, 0, 0);
    }
    S->dirty |= CAT_SUPPLY;
    /* Take the cargo last: stock_changed() wakes other waiting carriers. */
    stock_add(S, rd->from, -amount);
}

/* (Re)plan carrier c's READY at t (nothing if t is past the end). */
static void plan_ready(Sim *S, int c, double t)
{
    CarrierRt *cr = &S->carriers[c];
    kernel_cancel(&S->k, cr->ready);
    cr->ready = (EvHandle){ 0, 0 };
    if (t <= S->sc->end) {
        cr->ready = kernel_at(&S->k, t, EV_READY, (uint32_t)c, 0, 0);
        cr->ready_t = t;
    }
}

static void try_load(Sim *S, int c)
{
    const CarrierDef *cd = &S->sc->carriers[c];
    const RouteDef *rd = &S->sc->routes[cd->route];
    CarrierRt *cr = &S->carriers[c];
    double now = S->k.now;
    if (cr->state != C_WAIT || !S->routes[cd->route].open || rd->from < 0) return;
    if (now < cd->first) {
        if (!evq_pending(&S->k.q, cr->ready)) plan_ready(S, c, cd->first);
        return;
    }
    stock_sync(S, rd->from);
    StockRt *st = &S->stocks[rd->from];
    double level = st->level, cap = cr->cap_units;
    if (cd->every > 0) {
        /* Schedule policy: leave on the slot with what is there. */
        double k = ceil((now - cd->first) / cd->every - 1e-9);
        double slot = cd->first + k * cd->every;
        if (slot <= now + 1e-9 && level > 0 && cap > 0) {
            depart(S, c, level < cap ? level : cap);
            return;
        }
        /* Slot k is first + k * every, never a running sum: carriers with
         * the same schedule must get the same instants to the bit. */
        if (slot <= now + 1e-9) slot = cd->first + (k + 1) * cd->every;
        plan_ready(S, c, slot);
        return;
    }
    double need = cd->min_load * cap;
    int waited_out = cd->max_wait >= 0 && now - cr->wait_since >= cd->max_wait - 1e-9;
    if (waited_out && level > 0 && cap > 0) {
        depart(S, c, level < cap ? level : cap);
        return;
    }
    if (queue_head(S, rd->from) != c) {
        /* Not its turn: only its own max_wait can make it leave early. */
        double t = cr->wait_since + cd->max_wait;
        if (cd->max_wait >= 0 && t > now && !evq_pending(&S->k.q, cr->ready)) plan_ready(S, c, t);
        return;
    }
    if (cap > 0 && level >= need * (1 - 1e-9) - 1e-6) {
        depart(S, c, level < cap ? level : cap);
        return;
    }
    double net = st->in - st->demand, t = INFINITY;
    if (net > 0 && cap > 0) t = now + (need - level) / net;
    if (cd->max_wait >= 0 && cr->wait_since + cd->max_wait > now && cr->wait_since + cd->max_wait < t)
        t = cr->wait_since + cd->max_wait;
    /* A READY already planned no later than t can stay: it re-checks when it
     * fires. Only an earlier time (the stock grew) needs a new event. */
    if (evq_pending(&S->k.q, cr->ready) && cr->ready_t <= t) return;
    plan_ready(S, c, t);
    /* Otherwise it waits for the stock to change (stock_changed wakes it). */
}

static void on_ready(void *ctx, const Event *ev)
{
    Sim *S = ctx;
    S->carriers[ev->a].ready = (EvHandle){ 0, 0 };
    try_load(S, (int)ev->a);
    settle(S);
}

static void schedule_return(Sim *S, int c)
{
    const CarrierDef *cd = &S->sc->carriers[c];
    const RouteDef *rd = &S->sc->routes[cd->route];
    double back = rd->ret >= 0 ? draw(S, rd->ret, rs(S, rd->stream + RS_RETURN)) : draw(S, rd->transit, rs(S, rd->stream + RS_RETURN));
    S->carriers[c].state = C_BACK;
    kernel_after(&S->k, back, EV_RETURN, (uint32_t)c, 0, 0);
}

static void on_arrive(void *ctx, const Event *ev)
{
    Sim *S = ctx;
    int c = (int)ev->a;
    const CarrierDef *cd = &S->sc->carriers[c];
    const RouteDef *rd = &S->sc->routes[cd->route];
    CarrierRt *cr = &S->carriers[c];
    int res = S->sc->stocks[rd->to].resource;
    double dud = draw(S, rd->dud, rs(S, rd->stream + RS_DUD));
    double bad = cr->cargo * dud, good = cr->cargo - bad;
    S->routes[cd->route].delivered += good;
    /* A round counts as delivered once, where it ends up, not at every transhipment. */
    if (S->sc->stocks[rd->to].terminal) S->res_delivered[res] += good;
    S->res_duds[res] += bad;
    emit(S, TR_ARRIVE, c, cd->route, res, good, bad);
    cr->cargo = 0;
    S->dirty |= CAT_SUPPLY;
    stock_add(S, rd->to, good);
    schedule_return(S, c);
    settle(S);
}

static void on_lost(void *ctx, const Event *ev)
{
    Sim *S = ctx;
    int c = (int)ev->a;
    const CarrierDef *cd = &S->sc->carriers[c];
    const RouteDef *rd = &S->sc->routes[cd->route];
    CarrierRt *cr = &S->carriers[c];
    int res = S->sc->stocks[rd->from].resource;
    S->routes[cd->route].lost += cr->cargo;
    S->routes[cd->route].losses++;
    S->res_lost[res] += cr->cargo;
    emit(S, TR_LOST, c, cd->route, res, cr->cargo, cr->frac);
    cr->cargo = 0;
    S->dirty |= CAT_SUPPLY;
    schedule_return(S, c);
    settle(S);
}

static void on_return(void *ctx, const Event *ev)
{
    Sim *S = ctx;
    int c = (int)ev->a;
    emit(S, TR_RETURN, c, S->sc->carriers[c].route, -1, 0, 0);
    carrier_begin_wait(S, c);
    try_load(S, c);
    settle(S);
}

/* --- treaties ---------------------------------------------------------------- */
static void respond(Sim *S, int r)
{
    const ResponseDef *rd = &S->sc->responses[r];
    RespRt *rr = &S->resp[r];
    rr->done = 1;
    rr->waiting_force = 0;
    double p = draw(S, rd->honour, rs(S, rd->stream));
    int treaty = rd->treaty;
    if (rng_double(rs(S, rd->stream)) < p) {
        double delay = draw(S, rd->delay, rs(S, rd->stream + TS_DELAY));
        kernel_after(&S->k, delay, EV_RESPONSE, (uint32_t)r, (uint32_t)treaty, 0);
    } else {
        S->treaties[treaty].declined++;
        emit(S, TR_TREATY, treaty, TREATY_DECLINED, rd->party, 0, 0);
        S->dirty |= CAT_TREATY;
        apply_effects(S, rd->on_decline);
    }
}

static void trigger_treaty(Sim *S, int t, int attacked)
{
    const TreatyDef *td = &S->sc->treaties[t];
    TreatyRt *tr = &S->treaties[t];
    if (!tr->signed_) return;
    int party = 0;
    for (int j = 0; j < td->nparties; j++) party |= td->parties[j] == attacked;
    if (!party) return;
    tr->triggered = 1;
    emit(S, TR_TREATY, t, TREATY_TRIGGERED, attacked, 0, 0);
    S->dirty |= CAT_TREATY;
    for (int k = 0; k < td->nresponses; k++) {
        int r = td->first_response + k;
        const ResponseDef *rd = &S->sc->responses[r];
        if (S->resp[r].done || S->resp[r].waiting_force || rd->party == attacked) continue;
        if (rd->protects >= 0 && rd->protects != attacked) continue;
        if (rd->requires_in_force && !tr->in_force) S->resp[r].waiting_force = 1;
        else respond(S, r);
    }
}

static void on_treaty_sign(void *ctx, const Event *ev)
{
    Sim *S = ctx;
    S->treaties[ev->a].signed_ = 1;
    emit(S, TR_TREATY, (int)ev->a, TREATY_SIGNED, -1, 0, 0);
    S->dirty |= CAT_TREATY;
    settle(S);
}

static void on_treaty_force(void *ctx, const Event *ev)
{
    Sim *S = ctx;
    int t = (int)ev->a;
    S->treaties[t].signed_ = 1;
    S->treaties[t].in_force = 1;
    emit(S, TR_TREATY, t, TREATY_IN_FORCE, -1, 0, 0);
    S->dirty |= CAT_TREATY;
    const TreatyDef *td = &S->sc->treaties[t];
    for (int k = 0; k < td->nresponses; k++)
        if (S->resp[td->first_response + k].waiting_force) respond(S, td->first_response + k);
    settle(S);
}

static void on_response(void *ctx, const Event *ev)
{
    Sim *S = ctx;
    const ResponseDef *rd = &S->sc->responses[ev->a];
    S->treaties[ev->b].honoured++;
    emit(S, TR_TREATY, (int)ev->b, TREATY_HONOURED, rd->party, 0, 0);
    S->dirty |= CAT_TREATY;
    apply_effects(S, rd->effects);
    settle(S);
}

/* --- launches ---------------------------------------------------------------- */
static double reliability(Sim *S, int g, int attempt)
{
    const ProgrammeDef *pd = &S->sc->programmes[g];
    const ProgRt *pr = &S->progs[g];
    double b = pr->base, c = pd->ceiling >= 0 ? pr->ceiling : b;
    double gr = pr->learn + pr->growth;
    if (gr > 1) gr = 1;
    double p = c - (c - b) * pow(1 - gr, attempt - 1) + pr->boost;
    return p < 0 ? 0 : p > 0.999 ? 0.999 : p;
}

/* A programme's base, ceiling and growth are drawn once per replication
 * (docs/scenario.md), from the programme's own "reliability" stream, and
 * again when an effect changes one of them. which: -1 all, else the param. */
static void draw_reliability(Sim *S, int g, int which)
{
    const ProgrammeDef *pd = &S->sc->programmes[g];
    ProgRt *pr = &S->progs[g];
    Rng *r = rs(S, pd->stream + PS_RELIABILITY);
    if (which < 0 || which == pd->base) pr->base = draw(S, pd->base, r);
    if (pd->ceiling >= 0 && (which < 0 || which == pd->ceiling)) pr->ceiling = draw(S, pd->ceiling, r);
    if (which < 0 || which == pd->growth) pr->learn = draw(S, pd->growth, r);
}

static void schedule_next_launch(Sim *S, int g)
{
    const ProgrammeDef *pd = &S->sc->programmes[g];
    const ProgRt *pr = &S->progs[g];
    if (pd->interval < 0 || pr->hist_left > 0) return;
    if (pr->attempts >= pd->max_attempts) return;
    if (pd->stop_after > 0 && pr->successes >= pd->stop_after) return;
    double t = S->k.now + draw(S, pd->interval, rs(S, pd->stream + PS_INTERVAL));
    if (t <= S->sc->end) kernel_at(&S->k, t, EV_LAUNCH, (uint32_t)g, UINT32_MAX, 0);
}

static void on_launch(void *ctx, const Event *ev)
{
    Sim *S = ctx;
    int g = (int)ev->a;
    const ProgrammeDef *pd = &S->sc->programmes[g];
    ProgRt *pr = &S->progs[g];
    int hist = ev->b != UINT32_MAX;
    if (hist) pr->hist_left--;
    if (pr->attempts >= pd->max_attempts || (pd->stop_after > 0 && pr->successes >= pd->stop_after)) {
        if (hist && pr->hist_left == 0) schedule_next_launch(S, g);
        return;
    }
    int k = ++pr->attempts;
    double p = reliability(S, g, k);
    int forced = hist ? pd->history[ev->b].outcome : -1;
    double u = rng_double(rs(S, pd->stream));   /* drawn even when forced: keeps streams aligned */
    int outcome = forced >= 0 ? forced : (u < p ? 0 : -1);
    if (outcome < 0) {
        Rng *r = rs(S, pd->stream + PS_STAGE);
        double w = 0, tot = 0;
        for (int i = 0; i < pd->nstages; i++) tot += pd->stage_w[i];
        double x = rng_double(r) * tot;
        outcome = pd->nstages;
        for (int i = 0; i < pd->nstages; i++) {
            w += pd->stage_w[i];
            if (x < w) { outcome = i + 1; break; }
        }
    }
    if (outcome == 0) {
        pr->successes++;
        pr->streak = 0;
    } else {
        pr->failures++;
        pr->streak++;
    }
    emit(S, TR_LAUNCH, g, k, outcome, p, 0);
    S->dirty |= CAT_LAUNCH;
    if (!hist || pr->hist_left == 0) schedule_next_launch(S, g);
    settle(S);
}

static void on_assist(void *ctx, const Event *ev)
{
    Sim *S = ctx;
    const AssistDef *ad = &S->sc->assists[ev->a];
    S->assists[ev->a].state = 3;
    ProgRt *pr = &S->progs[ad->programme];
    pr->boost += draw(S, ad->boost, rs(S, ad->stream));
    pr->growth += draw(S, ad->growth, rs(S, ad->stream));
    emit(S, TR_ASSIST, ad->programme, ad->actor, 2, 0, 0);
    S->dirty |= CAT_LAUNCH;
    settle(S);
}

/* --- scenario events and effects ------------------------------------------- */
static void fire_event(Sim *S, int i)
{
    const EventDef *ed = &S->sc->events[i];
    S->events[i].count++;
    emit(S, TR_EVENT, i, -1, -1, 0, 0);
    S->dirty |= CAT_EVENT;
    if (ed->delay >= 0) {
        double d = draw(S, ed->delay, rs(S, ed->stream));
        kernel_after(&S->k, d, EV_EFFECTS, (uint32_t)i, 0, 0);
    } else {
        apply_effects(S, ed->effects);
    }
}

/* Plan a hazard event's next occurrence after `from`, at its current rate
 * (a rate of 0 plans none). */
static void schedule_hazard(Sim *S, int i, double from)
{
    const EventDef *ed = &S->sc->events[i];
    EventRt *er = &S->events[i];
    er->hazard = (EvHandle){ 0, 0 };
    double rate = draw(S, ed->hazard, rs(S, ed->stream));
    if (rate <= 0) return;
    double t = from + rng_exponential(rs(S, ed->stream), 1.0 / rate);
    if (t <= ed->until && t <= S->sc->end) er->hazard = kernel_at(&S->k, t, EV_SCEN, (uint32_t)i, 1, 0);
}

static void on_scen(void *ctx, const Event *ev)
{
    Sim *S = ctx;
    int i = (int)ev->a;
    const EventDef *ed = &S->sc->events[i];
    if (ed->max > 0 && S->events[i].count >= ed->max) return;
    fire_event(S, i);
    if (ev->b == 1 && (ed->max == 0 || S->events[i].count < ed->max)) schedule_hazard(S, i, S->k.now);
    settle(S);
}

static void on_effects(void *ctx, const Event *ev)
{
    Sim *S = ctx;
    /* A delayed event's effects: say when they land (b = 1), so a timeline
     * can tell it apart from the event itself. */
    emit(S, TR_EVENT, (int)ev->a, 1, -1, 0, 0);
    apply_effects(S, S->sc->events[ev->a].effects);
    settle(S);
}

static void param_changed(Sim *S, int p)
{
    const ParamDef *pd = &S->pd[p];
    if (pd->owner == OWN_PRODUCER || pd->owner == OWN_CONSUMER) {
        int consumer = pd->owner == OWN_CONSUMER;
        const FlowDef *f = consumer ? &S->sc->consumers[pd->owner_idx] : &S->sc->producers[pd->owner_idx];
        FlowRt *r = consumer ? &S->cons[pd->owner_idx] : &S->prod[pd->owner_idx];
        r->base = draw(S, f->rate, rs(S, f->stream));
        flow_update(S, pd->owner_idx, consumer);
    } else if (pd->owner == OWN_HAZARD) {
        /* A Poisson process is memoryless: the pending gap, drawn at the old
         * rate, is dropped and a new one drawn at the new rate from now (or
         * from `from`, not yet reached). A rate of 0 leaves none pending. */
        int i = pd->owner_idx;
        const EventDef *ed = &S->sc->events[i];
        EventRt *er = &S->events[i];
        if (ed->trigger != EV_HAZARD) return;
        kernel_cancel(&S->k, er->hazard);
        er->hazard = (EvHandle){ 0, 0 };
        if (ed->max > 0 && er->count >= ed->max) return;
        schedule_hazard(S, i, S->k.now > ed->from ? S->k.now : ed->from);
    }
    for (int g = 0; g < S->sc->nprogrammes; g++) {
        const ProgrammeDef *pg = &S->sc->programmes[g];
        if (p == pg->base || p == pg->ceiling || p == pg->growth) draw_reliability(S, g, p);
    }
}

/* Halt for an event storm at day t (dispatch() and apply_effects()). */
static void storm(Sim *S, double t)
{
    if (!S->halted[0])
        snprintf(S->halted, sizeof S->halted, "more than %u events at day %.6g: an event storm "
                 "(zero transit and return, or effects that make themselves happen again?)",
                 SIM_MAX_EVENTS_AT_ONCE, t);
    kernel_stop(&S->k);
}

static void apply_effects(Sim *S, EffectList el)
{
    const Scenario *sc = S->sc;
    if (el.n <= 0 || S->halted[0]) return;
    /* Every list of effects applied counts toward the instant's storm limit,
     * nested ones included: two events whose effects fire each other twice
     * make 2^16 nested lists per dispatched event, whose deferred halves
     * once filled the queue past its ceiling (an abort) long before the
     * dispatched events alone reached the limit. */
    if (S->k.now != S->instant_t) {     /* outside dispatch (an answer) */
        S->instant_t = S->k.now;
        S->instant_n = 0;
    }
    if (++S->instant_n > SIM_MAX_EVENTS_AT_ONCE) {
        storm(S, S->k.now);
        return;
    }
    /* An effect can make an event happen whose effects make another happen,
     * and so on, each inside the last: past SIM_MAX_NESTING they wait for
     * the queue (same instant), so a cycle cannot overflow the C stack; it
     * becomes an event storm that the event limits halt. */
    if (S->nesting >= SIM_MAX_NESTING) {
        kernel_after(&S->k, 0, EV_DEFER, (uint32_t)el.first, (uint32_t)el.n, 0);
        return;
    }
    S->nesting++;
    for (int k = 0; k < el.n; k++) {
        const Effect *e = &sc->effects[el.first + k];
        Rng *r = rs(S, e->stream);
        switch (e->kind) {
        case E_SET: case E_SCALE: case E_ADD: {
            if (e->target < 0) break;
            ParamDef *pd = &S->pd[e->target];
            double v = draw(S, e->value, r), m = dist_mean(&pd->d);
            double nm = e->kind == E_SET ? v : e->kind == E_SCALE ? m * v : m + v;
            if (pd->con == PC_PROB) nm = nm < 0 ? 0 : nm > 1 ? 1 : nm;
            else if (pd->con != PC_ANY && nm < 0) nm = 0;
            /* A parameter stays within the loader's bound however often an
             * effect scales it, so the run stays finite (docs/scenario.md). */
            if (nm > SC_MAX_MAGNITUDE) nm = SC_MAX_MAGNITUDE;
            if (nm < -SC_MAX_MAGNITUDE) nm = -SC_MAX_MAGNITUDE;
            if (pd->d.kind == DIST_CONST) pd->d.p[0] = nm;
            else dist_set_mean(&pd->d, nm);
            param_changed(S, e->target);
            break;
        }
        case E_CLOSE: case E_OPEN: {
            int open = e->kind == E_OPEN, rt = e->target;
            if (S->routes[rt].open == open) break;
            const RouteDef *rd = &sc->routes[rt];
            int head = !open && rd->from >= 0 ? queue_head(S, rd->from) : -1;
            S->routes[rt].open = open;
            emit(S, TR_ROUTE, rt, open, -1, 0, 0);
            if (open) {
                for (int c = rd->first_carrier; c < rd->first_carrier + rd->ncarriers; c++) try_load(S, c);
            } else if (head >= 0 && sc->carriers[head].route == rt && !S->wake_on[rd->from]) {
                /* Closing the route of the first carrier in line lets the
                 * next one (of another route) move up, once the whole list
                 * has applied: a list that closes two routes from one stock
                 * sends neither's carriers. The wake is run below. */
                S->wake_on[rd->from] = 1;
                S->wake[S->nwake++] = rd->from;
            }
            break;
        }
        case E_AGGRESSION:
            for (int t = 0; t < sc->ntreaties; t++) trigger_treaty(S, t, e->target);
            break;
        case E_TRIGGER:
            trigger_treaty(S, e->target, e->target2);
            break;
        case E_STOCK_ADD:
            stock_add(S, e->target, draw(S, e->value, r));
            break;
        case E_STOCK_DESTROY: {
            stock_sync(S, e->target);
            double f = draw(S, e->value, r);
            S->stocks[e->target].level *= 1 - f;
            stock_changed(S, e->target);
            break;
        }
        case E_TROOPS: {
            double n = draw(S, e->value, r), t = e->value2 >= 0 ? draw(S, e->value2, r) : 0;
            S->troops[e->target] += n;
            emit(S, TR_TROOPS, e->target, e->target2, e->target3, n, S->k.now + t);
            S->dirty |= CAT_TROOPS;
            break;
        }
        case E_OFFER:
            if (S->assists[e->target].state == 0) {
                S->assists[e->target].state = 1;
                S->dirty |= CAT_LAUNCH;
                emit(S, TR_ASSIST, sc->assists[e->target].programme, sc->assists[e->target].actor, 0, 0, 0);
            }
            break;
        case E_ACCEPT: {
            AssistRt *ar = &S->assists[e->target];
            const AssistDef *ad = &sc->assists[e->target];
            if (ar->state >= 2) break;
            ar->state = 2;
            S->dirty |= CAT_LAUNCH;
            emit(S, TR_ASSIST, ad->programme, ad->actor, 1, 0, 0);
            kernel_after(&S->k, draw(S, ad->lead_time, rs(S, ad->stream)), EV_ASSIST, (uint32_t)e->target, 0, 0);
            break;
        }
        case E_EVENT: {
            const EventDef *ed = &sc->events[e->target];
            if (ed->max == 0 || S->events[e->target].count < ed->max) fire_event(S, e->target);
            break;
        }
        }
    }
    S->nesting--;
    /* The wakes left by closed routes (E_CLOSE above), if nothing ran them. */
    if (S->nesting == 0 && S->nwake > 0) wake_carriers(S, S->wake[S->nwake - 1]);
}

static void on_defer(void *ctx, const Event *ev)
{
    Sim *S = ctx;
    apply_effects(S, (EffectList){ (int)ev->a, (int)ev->b });
    settle(S);
}

/* --- quantities, conditions, watchers ---------------------------------------- */
static double qty(Sim *S, Qty q)
{
    const Scenario *sc = S->sc;
    double sum = 0;
    switch (q.kind) {
    case Q_DELIVERED: return S->res_delivered[q.idx];
    case Q_LOST: return S->res_lost[q.idx];
    case Q_DUDS: return S->res_duds[q.idx];
    case Q_SHORTFALL: case Q_CONSUMED: case Q_PRODUCED:
        stock_sync_resource(S, q.idx);
        for (int i = 0; i < sc->nstocks; i++)
            if (sc->stocks[i].resource == q.idx)
                sum += q.kind == Q_SHORTFALL ? S->stocks[i].shortfall
                     : q.kind == Q_CONSUMED ? S->stocks[i].consumed : S->stocks[i].produced;
        return sum;
    case Q_R_DELIVERED: return S->routes[q.idx].delivered;
    case Q_R_LOST: return S->routes[q.idx].lost;
    case Q_R_VOYAGES: return S->routes[q.idx].voyages;
    case Q_R_LOSSES: return S->routes[q.idx].losses;
    case Q_STOCK: stock_sync(S, q.idx); return S->stocks[q.idx].level;
    case Q_STOCK_SHORT: stock_sync(S, q.idx); return S->stocks[q.idx].shortfall;
    case Q_L_ATTEMPTS: return S->progs[q.idx].attempts;
    case Q_L_SUCCESSES: return S->progs[q.idx].successes;
    case Q_L_FAILURES: return S->progs[q.idx].failures;
    case Q_L_STREAK: return S->progs[q.idx].streak;
    case Q_T_SIGNED: return S->treaties[q.idx].signed_;
    case Q_T_IN_FORCE: return S->treaties[q.idx].in_force;
    case Q_T_TRIGGERED: return S->treaties[q.idx].triggered;
    case Q_T_HONOURED: return S->treaties[q.idx].honoured;
    case Q_T_DECLINED: return S->treaties[q.idx].declined;
    case Q_TROOPS: return S->troops[q.idx];
    case Q_EVENT: return S->events[q.idx].count;
    case Q_DECISION: return S->decided[q.idx];
    case Q_DAY: return S->k.now;
    case Q_ASSIST: return S->assists[q.idx].state;
    case Q_STOCK_OVERFLOW: return S->stocks[q.idx].overflow;
    case Q_SUM: {
        const SumDef *sd = &sc->sums[q.idx];
        for (int i = 0; i < sd->n; i++) sum += sd->coef[i] * qty(S, sd->terms[i]);
        return sum;
    }
    }
    return 0;
}

/* --- exact crossings ----------------------------------------------------------
 * Between events every stock level and every cumulative stock quantity is
 * linear in time, with a slope that changes only at an event or when a stock
 * fills or empties (a "kink"). Lin is such a quantity at `now`: its value,
 * its slope, and the instant its slope next changes on its own. */
typedef struct Lin { double v, s, kink; } Lin;

/* Stock levels within this of 0 or of the capacity count as there (the
 * closed-form integration leaves rounding dust). */
#define STOCK_EPS 1e-9

static int continuous(const Scenario *sc, Qty q)
{
    switch (q.kind) {
    case Q_STOCK: case Q_STOCK_SHORT: case Q_SHORTFALL: case Q_CONSUMED: case Q_PRODUCED: case Q_DAY:
        return 1;
    case Q_SUM:
        return sc->sums[q.idx].continuous;
    default:
        return 0;
    }
}

/* Stock i (synced to now): is it empty with demand above supply, or full
 * with supply above demand? A crossing closer than the clock's resolution
 * counts as reached, so a kink is never planned at `now` itself. */
static void stock_state(const Sim *S, int i, int *empty, int *full)
{
    const StockRt *st = &S->stocks[i];
    double net = st->in - st->demand, now = S->k.now;
    *empty = net < 0 && (st->level <= STOCK_EPS || now + st->level / -net <= now);
    *full = net > 0 && isfinite(st->cap) &&
            (st->level >= st->cap - STOCK_EPS || now + (st->cap - st->level) / net <= now);
}

/* Quantity `kind` of stock i as a Lin (stock already synced). The slopes
 * follow stock_sync(): a full stock's production is curtailed to its demand,
 * an empty stock consumes only its inflow and the rest is shortfall. */
static void stock_lin(const Sim *S, int i, int kind, Lin *l)
{
    const StockRt *st = &S->stocks[i];
    double in = st->in, d = st->demand, net = in - d, now = S->k.now;
    int empty, full;
    stock_state(S, i, &empty, &full);
    switch (kind) {
    case Q_STOCK: l->v = st->level; l->s = empty || full ? 0 : net; break;
    case Q_STOCK_SHORT: case Q_SHORTFALL: l->v = st->shortfall; l->s = empty ? d - in : 0; break;
    case Q_CONSUMED: l->v = st->consumed; l->s = empty ? in : d; break;
    default: l->v = st->produced; l->s = full ? d : in; break;
    }
    l->kink = INFINITY;
    if (net < 0 && !empty) l->kink = now + st->level / -net;
    else if (net > 0 && !full && isfinite(st->cap)) l->kink = now + (st->cap - st->level) / net;
}

/* Quantity q (continuous) as a Lin at now. */
static void lin(Sim *S, Qty q, Lin *l)
{
    const Scenario *sc = S->sc;
    switch (q.kind) {
    case Q_DAY:
        *l = (Lin){ S->k.now, 1, INFINITY };
        return;
    case Q_STOCK: case Q_STOCK_SHORT:
        stock_sync(S, q.idx);
        stock_lin(S, q.idx, q.kind, l);
        return;
    case Q_SUM: {
        /* A linear combination of piecewise-linear quantities is piecewise
         * linear: its slope changes only where a term's does. A term that
         * changes only at events is a constant between them. */
        const SumDef *sd = &sc->sums[q.idx];
        *l = (Lin){ 0, 0, INFINITY };
        for (int i = 0; i < sd->n; i++) {
            Lin one = { 0, 0, INFINITY };
            if (continuous(sc, sd->terms[i])) lin(S, sd->terms[i], &one);
            else one.v = qty(S, sd->terms[i]);
            l->v += sd->coef[i] * one.v;
            l->s += sd->coef[i] * one.s;
            if (one.kink < l->kink) l->kink = one.kink;
        }
        return;
    }
    default:    /* per resource: the sum over its stocks */
        *l = (Lin){ 0, 0, INFINITY };
        for (int i = 0; i < sc->nstocks; i++)
            if (sc->stocks[i].resource == q.idx) {
                Lin one;
                stock_sync(S, i);
                stock_lin(S, i, q.kind, &one);
                l->v += one.v;
                l->s += one.s;
                if (one.kink < l->kink) l->kink = one.kink;
            }
        return;
    }
}

static int cmp_holds(int cmp, double v, double x)
{
    switch (cmp) {
    case CMP_GE: return v >= x;
    case CMP_GT: return v > x;
    case CMP_LE: return v <= x;
    case CMP_LT: return v < x;
    case CMP_EQ: return v == x;
    default: return v != x;
    }
}

/* Is a linear quantity at its threshold x now? Equal to rounding (relative
 * 1e-9: the integration and the crossing time are each a few roundings
 * off), or so close that it gets there within the clock's resolution. */
static int at_threshold(const Lin *l, double x, double now)
{
    if (fabs(l->v - x) <= 1e-9 * (1 + fabs(x))) return 1;
    double dt = l->s != 0 ? (x - l->v) / l->s : -1;
    return dt > 0 && now + dt <= now;
}

/* A condition node now: *at is its truth at this instant, *right its truth
 * on the interval just after it (they differ only for a continuous quantity
 * at its threshold: `level > 2000` rising through 2000 is false at the
 * instant, true right after; `level >= 2000` touching 2000 and turning back
 * is true at the instant only). */
static void eval2(Sim *S, int n, int *at, int *right)
{
    const CondNode *c = &S->sc->cond_nodes[n];
    const int *kids = c->nkids ? S->sc->cond_kids + c->kid : NULL;
    switch (c->op) {
    case C_CMP:
        if (continuous(S->sc, c->q)) {
            Lin l;
            lin(S, c->q, &l);
            if (at_threshold(&l, c->x, S->k.now)) {
                *at = cmp_holds(c->cmp, c->x, c->x);
                *right = cmp_holds(c->cmp, l.s > 0 ? INFINITY : l.s < 0 ? -INFINITY : c->x, c->x);
            } else {
                *at = *right = cmp_holds(c->cmp, l.v, c->x);
            }
        } else {
            *at = *right = cmp_holds(c->cmp, qty(S, c->q), c->x);
        }
        return;
    case C_AFTER: *at = *right = S->k.now >= c->x; return;
    case C_BEFORE: *at = *right = S->k.now < c->x; return;
    case C_ALL: case C_ANY: {
        int all = c->op == C_ALL;
        *at = *right = all;
        for (int i = 0; i < c->nkids; i++) {
            int a, r;
            eval2(S, kids[i], &a, &r);
            if (all) { *at &= a; *right &= r; }
            else { *at |= a; *right |= r; }
        }
        return;
    }
    default: {
        int a, r;
        eval2(S, kids[0], &a, &r);
        *at = !a;
        *right = !r;
        return;
    }
    }
}

/* Does the condition hold now: at this instant, or on an interval that
 * starts now (the first instant of `level > x` is the infimum of the times
 * it holds, to the precision of a double)? *right: does it hold just after. */
static int cond_now(Sim *S, const Cond *c, int *right)
{
    int at = 1, r = 1;
    if (c->root >= 0) eval2(S, c->root, &at, &r);
    if (right) *right = r;
    return at || r;
}

static int cond_true(Sim *S, const Cond *c) { return cond_now(S, c, NULL); }

/* The earliest instant after now at which a continuous leaf under node n may
 * change its truth, from current rates: a crossing of its threshold, or a
 * kink after which the rates are different. INFINITY if none. A compound
 * condition is a function of its leaves, so it can change only then. */
static double next_change(Sim *S, int n)
{
    const CondNode *c = &S->sc->cond_nodes[n];
    if (c->op == C_CMP) {
        if (!continuous(S->sc, c->q)) return INFINITY;
        Lin l;
        lin(S, c->q, &l);
        double t = l.kink;
        if (!at_threshold(&l, c->x, S->k.now) && l.s != 0) {
            double dt = (c->x - l.v) / l.s;
            if (dt > 0 && S->k.now + dt < t) t = S->k.now + dt;
        }
        return t;
    }
    double t = INFINITY;
    const int *kids = c->nkids ? S->sc->cond_kids + c->kid : NULL;
    for (int i = 0; i < c->nkids; i++) {
        double k = next_change(S, kids[i]);
        if (k < t) t = k;
    }
    return t;
}

static int reads_continuous(const Scenario *sc, int n)
{
    const CondNode *c = &sc->cond_nodes[n];
    if (c->op == C_CMP) return continuous(sc, c->q);
    for (int i = 0; i < c->nkids; i++)
        if (reads_continuous(sc, sc->cond_kids[c->kid + i])) return 1;
    return 0;
}

static void cross_cancel(Sim *S, int w)
{
    kernel_cancel(&S->k, S->cross[w]);
    S->cross[w] = (EvHandle){ 0, 0 };
}

/* (Re)plan watcher w's next crossing after its condition was evaluated at
 * now. A planned event that is still right stays (no churn in the queue). */
static void plan_cross(Sim *S, int w)
{
    const WatchDef *wd = &S->sc->watch[w];
    double t = wd->cond->root >= 0 ? next_change(S, wd->cond->root) : INFINITY;
    if (!(t <= S->sc->end)) t = INFINITY;
    if (evq_pending(&S->k.q, S->cross[w])) {
        if (S->cross_t[w] == t) return;
        cross_cancel(S, w);
    }
    if (t < INFINITY) {
        S->cross[w] = kernel_at(&S->k, t, EV_CROSS, (uint32_t)w, 0, 0);
        S->cross_t[w] = t;
    }
}

/* A planned crossing: look again at everything that reads what w reads. */
static void on_cross(void *ctx, const Event *ev)
{
    Sim *S = ctx;
    int w = (int)ev->a;
    const Cond *c = S->sc->watch[w].cond;
    S->cross[w] = (EvHandle){ 0, 0 };
    S->dirty |= c->cats;
    S->dirty_stocks |= c->stocks;
    settle(S);
}

static int policy_choice(Sim *S, int d)
{
    const DecisionDef *dd = &S->sc->decisions[d];
    switch (dd->policy) {
    case POL_PROB: {
        double tot = 0, w = 0;
        for (int i = 0; i < dd->noptions; i++) tot += dd->weights[i];
        double x = rng_double(rs(S, dd->stream)) * tot;
        for (int i = 0; i < dd->noptions; i++) {
            w += dd->weights[i];
            if (x < w) return i;
        }
        return dd->noptions - 1;
    }
    case POL_RULES:
        for (int i = 0; i < dd->nrules; i++)
            if (cond_true(S, &dd->rule_conds[i])) return dd->rule_choice[i];
        return dd->otherwise;
    default: return dd->fixed;
    }
}

static void take_decision(Sim *S, int d, int option, int by_person)
{
    const DecisionDef *dd = &S->sc->decisions[d];
    S->decided[d] = option;
    if (S->nchoices < S->sc->ndecisions) S->choices[S->nchoices++] = option;
    emit(S, TR_DECISION, d, option, by_person, 0, 0);
    S->dirty |= CAT_DECISION;
    apply_effects(S, dd->option_effects[option]);
}

static void watch_finished(Sim *S, int w)
{
    S->watch_done[w] = 1;
    cross_cancel(S, w);
    unsigned cats = 0;
    for (int i = 0; i < S->sc->nwatch; i++)
        if (!S->watch_done[i]) cats |= S->sc->watch[i].cond->cats;
    S->active_cats = cats;
}

/* Re-check the watchers whose conditions read what changed. Effects may
 * change more; loop until quiet (bounded, so a scenario whose effects
 * re-arm each other cannot hang the run). */
static void settle(Sim *S)
{
    const Scenario *sc = S->sc;
    if (!(S->dirty & S->active_cats)) {
        S->dirty = 0;   /* nothing watches what changed */
        return;
    }
    for (int round = 0; S->dirty && round < 64 && S->pending < 0; round++) {
        unsigned d = S->dirty & S->active_cats;
        uint64_t stocks = S->dirty_stocks;
        S->dirty = 0;
        S->dirty_stocks = 0;
        /* Visit the watchers of each changed category once per round, in
         * scenario order within a category (stamp skips repeats). */
        S->round++;
        for (unsigned bits = d; bits; bits &= bits - 1) {
        int b = __builtin_ctz(bits);
        for (int k = 0; k < sc->nwatch_by_cat[b]; k++) {
            int w = sc->watch_by_cat[b][k];
            const WatchDef *wd = &sc->watch[w];
            if (S->watch_done[w] || S->stamp[w] == S->round) continue;
            /* Only stocks changed, and none that this condition reads. */
            if ((wd->cond->cats & d) == CAT_STOCK && !(wd->cond->stocks & stocks)) continue;
            S->stamp[w] = S->round;
            int right, v = cond_now(S, wd->cond, &right);
            switch (wd->kind) {
            case W_EVENT: {
                /* It happens when its condition becomes true. Seen again at
                 * the same instant, it was as last seen; at a later instant,
                 * as it was just after the last look (a condition that held
                 * for an instant only has stopped holding since). */
                EventRt *er = &S->events[wd->idx];
                const EventDef *ed = &sc->events[wd->idx];
                /* `max` counts every time it happened, however it was made
                 * to: an {"event": E} effect may have used it up. */
                if (ed->max > 0 && er->count >= ed->max) {
                    watch_finished(S, w);
                    break;
                }
                int before = er->prev_t == S->k.now ? er->prev : er->prev_right;
                int rising = v && !before;
                er->prev = v;
                er->prev_right = right;
                er->prev_t = S->k.now;
                if (rising) {
                    fire_event(S, wd->idx);
                    if (ed->max > 0 && er->count >= ed->max) watch_finished(S, w);
                }
                break;
            }
            case W_DECISION:
                if (!v) break;
                watch_finished(S, w);
                if (S->by_decision && S->by_decision[wd->idx] >= 0
                    && S->by_decision[wd->idx] < sc->decisions[wd->idx].noptions) {
                    take_decision(S, wd->idx, S->by_decision[wd->idx], 1);
                } else if (S->nchoices < S->nscript) {
                    int o = S->script[S->nchoices];
                    if (o < 0 || o >= sc->decisions[wd->idx].noptions) o = 0;
                    take_decision(S, wd->idx, o, 1);
                } else if (S->interactive) {
                    const DecisionDef *dd = &sc->decisions[wd->idx];
                    const TraceDecisionDef *di = &sc->decision_info[wd->idx];
                    S->pending = wd->idx;
                    S->pend = (SimDecision){ wd->idx, di->id, di->name, di->actor, dd->noptions,
                                             di->options, S->k.now };
                    /* The rest is re-checked (and its crossings re-planned)
                     * after the answer. */
                    S->dirty |= d;
                    S->dirty_stocks |= stocks;
                    kernel_stop(&S->k);
                    return;
                } else {
                    take_decision(S, wd->idx, policy_choice(S, wd->idx), 0);
                }
                break;
            case W_METRIC:
                if (v) {
                    S->metric_t[wd->idx] = S->k.now;
                    watch_finished(S, w);
                }
                break;
            }
            if (S->wcont[w] && !S->watch_done[w]) plan_cross(S, w);
        }
        }
    }
}

static void on_tick(void *ctx, const Event *ev)
{
    Sim *S = ctx;
    (void)ev;
    S->dirty |= CAT_TIME | (ev->b ? ~0u : 0);
    /* The first look is at every watcher, including those that read only
     * stocks none of which has changed yet (a stock empty from the start). */
    if (ev->b) S->dirty_stocks = ~(uint64_t)0;
    settle(S);
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
            S->series[S->series_off[j] + k] = qty(S, sc->metrics[j].q);
    if (k + 1 < md->info.series_len)
        kernel_at(&S->k, (k + 1) * md->every, EV_SAMPLE, (uint32_t)m, (uint32_t)(k + 1), 0);
}

/* An observation is read at the end of its date, before anything else
 * that happens at that instant (sim_reset queues it first). */
static void on_observe(void *ctx, const Event *ev)
{
    Sim *S = ctx;
    S->obs[ev->a] = qty(S, S->sc->obs[ev->a].q);
}

/* --- lifecycle -------------------------------------------------------------- */
static const KernelHandler HANDLERS[EV__COUNT] = {
    [EV_FLOW] = on_flow, [EV_REDRAW] = on_redraw, [EV_STOCK_EMPTY] = on_stock_empty,
    [EV_READY] = on_ready, [EV_ARRIVE] = on_arrive, [EV_LOST] = on_lost, [EV_RETURN] = on_return,
    [EV_TREATY_SIGN] = on_treaty_sign, [EV_TREATY_FORCE] = on_treaty_force,
    [EV_RESPONSE] = on_response, [EV_LAUNCH] = on_launch, [EV_ASSIST] = on_assist,
    [EV_SCEN] = on_scen, [EV_EFFECTS] = on_effects, [EV_TICK] = on_tick, [EV_SAMPLE] = on_sample, [EV_OBSERVE] = on_observe,
    [EV_DEFER] = on_defer, [EV_CROSS] = on_cross,
};

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
        storm(S, ev->t);
        return;
    } else if (S->k.events > S->max_events) {
        snprintf(S->halted, sizeof S->halted, "more than %llu events by day %.6g (the limit per replication; "
                 "a scenario that needs more raises it with \"limits\": {\"events\": N})",
                 (unsigned long long)S->max_events, ev->t);
    } else {
        HANDLERS[ev->kind](ctx, ev);
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
    S->max_events = sc->max_events ? sc->max_events : SIM_MAX_EVENTS;
    NEW(S->rng, sc->nstreams);
    NEW(S->rng_keyed, sc->nstreams);
    NEW(S->pd, sc->nparams);
    NEW(S->stocks, sc->nstocks);
    NEW(S->prod, sc->nproducers);
    NEW(S->cons, sc->nconsumers);
    NEW(S->carriers, sc->ncarriers);
    NEW(S->routes, sc->nroutes);
    NEW(S->progs, sc->nprogrammes);
    NEW(S->assists, sc->nassists);
    NEW(S->treaties, sc->ntreaties);
    NEW(S->resp, sc->nresponses);
    NEW(S->events, sc->nevents);
    NEW(S->decided, sc->ndecisions);
    NEW(S->choices, sc->ndecisions);
    NEW(S->watch_done, sc->nwatch);
    NEW(S->stamp, sc->nwatch);
    NEW(S->cross, sc->nwatch);
    NEW(S->cross_t, sc->nwatch);
    NEW(S->wcont, sc->nwatch);
    for (int w = 0; w < sc->nwatch; w++)
        S->wcont[w] = sc->watch[w].cond->root >= 0 && reads_continuous(sc, sc->watch[w].cond->root);
    NEW(S->metric_t, sc->nmetrics);
    NEW(S->series_off, sc->nmetrics);
    int total = 0;
    for (int m = 0; m < sc->nmetrics; m++) {
        S->series_off[m] = total;
        total += sc->metrics[m].info.series_len;
    }
    NEW(S->series, total);
    NEW(S->obs, sc->nobs);
    for (int i = 0; i < sc->nstocks; i++) NEW(S->stocks[i].queue, sc->stocks[i].ncarriers);
    NEW(S->res_delivered, sc->nresources);
    NEW(S->res_lost, sc->nresources);
    NEW(S->res_duds, sc->nresources);
    NEW(S->troops, sc->nactors);
    NEW(S->wake, sc->nstocks);
    NEW(S->wake_on, sc->nstocks);
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
    kernel_free(&S->k);
    for (int i = 0; S->stocks && i < S->sc->nstocks; i++) free(S->stocks[i].queue);
    free(S->rng); free(S->rng_keyed); free(S->pd); free(S->stocks); free(S->prod); free(S->cons);
    free(S->carriers); free(S->routes); free(S->progs); free(S->assists); free(S->treaties);
    free(S->resp); free(S->events); free(S->decided); free(S->choices); free(S->watch_done); free(S->stamp);
    free(S->cross); free(S->cross_t); free(S->wcont);
    free(S->metric_t); free(S->series_off); free(S->series); free(S->obs); free(S->res_delivered);
    free(S->res_lost); free(S->res_duds); free(S->troops); free(S->wake); free(S->wake_on);
    free(S);
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
    memset(S->routes, 0, (size_t)sc->nroutes * sizeof *S->routes);
    memset(S->progs, 0, (size_t)sc->nprogrammes * sizeof *S->progs);
    memset(S->assists, 0, (size_t)sc->nassists * sizeof *S->assists);
    memset(S->treaties, 0, (size_t)sc->ntreaties * sizeof *S->treaties);
    memset(S->resp, 0, (size_t)sc->nresponses * sizeof *S->resp);
    memset(S->events, 0, (size_t)sc->nevents * sizeof *S->events);
    memset(S->watch_done, 0, (size_t)sc->nwatch * sizeof *S->watch_done);
    memset(S->cross, 0, (size_t)sc->nwatch * sizeof *S->cross);
    S->active_cats = sc->watch_cats;
    memset(S->res_delivered, 0, (size_t)sc->nresources * sizeof(double));
    memset(S->res_lost, 0, (size_t)sc->nresources * sizeof(double));
    memset(S->res_duds, 0, (size_t)sc->nresources * sizeof(double));
    memset(S->troops, 0, (size_t)sc->nactors * sizeof(double));
    for (int i = 0; i < sc->ndecisions; i++) S->decided[i] = -1;
    for (int i = 0; i < sc->nmetrics; i++) S->metric_t[i] = SALVO_NEVER;
    for (int m = 0; m < sc->nmetrics; m++)
        for (int k = 0; k < sc->metrics[m].info.series_len; k++) S->series[S->series_off[m] + k] = 0;
    for (int i = 0; i < sc->nstocks; i++) {
        StockRt *st = &S->stocks[i];
        const StockDef *sd = &sc->stocks[i];
        int *queue = st->queue;
        memset(st, 0, sizeof *st);
        st->queue = queue;
        st->level = draw(S, sd->initial, rs(S, sd->stream));
        st->cap = sd->capacity >= 0 ? draw(S, sd->capacity, rs(S, sd->stream)) : INFINITY;
        if (st->level > st->cap) st->level = st->cap;
    }
    for (int i = 0; i < sc->nroutes; i++) S->routes[i].open = sc->routes[i].open;
    /* Queued before every other event, so that at a shared instant the
     * observation reads the state at the end of its date. */
    for (int i = 0; i < sc->nobs; i++) {
        S->obs[i] = NAN;
        kernel_at(&S->k, sc->obs[i].info.t, EV_OBSERVE, (uint32_t)i, 0, 0);
    }
    if (S->sink) {
        for (int i = 0; i < sc->nstocks; i++) emit(S, TR_STOCK, i, -1, -1, S->stocks[i].level, 0);
        for (int i = 0; i < sc->nroutes; i++)
            if (!sc->routes[i].open) emit(S, TR_ROUTE, i, 0, -1, 0, 0);
    }
    for (int i = 0; i < sc->nproducers; i++) flow_start(S, i, 0);
    for (int i = 0; i < sc->nconsumers; i++) flow_start(S, i, 1);
    for (int c = 0; c < sc->ncarriers; c++) {
        memset(&S->carriers[c], 0, sizeof S->carriers[c]);
        carrier_begin_wait(S, c);
        double first = sc->carriers[c].first > 0 ? sc->carriers[c].first : 0;
        plan_ready(S, c, first);
    }
    for (int t = 0; t < sc->ntreaties; t++) {
        const TreatyDef *td = &sc->treaties[t];
        if (td->signed_day <= sc->end) kernel_at(&S->k, td->signed_day > 0 ? td->signed_day : 0, EV_TREATY_SIGN, (uint32_t)t, 0, 0);
        if (td->in_force_day <= sc->end) kernel_at(&S->k, td->in_force_day > 0 ? td->in_force_day : 0, EV_TREATY_FORCE, (uint32_t)t, 0, 0);
    }
    for (int g = 0; g < sc->nprogrammes; g++) {
        const ProgrammeDef *pd = &sc->programmes[g];
        draw_reliability(S, g, -1);
        int n = 0;
        for (int h = 0; h < pd->nhistory; h++)
            if (pd->history[h].day <= sc->end) {
                double t = pd->history[h].day > 0 ? pd->history[h].day : 0;
                kernel_at(&S->k, t, EV_LAUNCH, (uint32_t)g, (uint32_t)h, 0);
                n++;
            }
        S->progs[g].hist_left = n;
        if (n == 0) schedule_next_launch(S, g);
    }
    for (int i = 0; i < sc->nevents; i++) {
        const EventDef *ed = &sc->events[i];
        if (ed->trigger == EV_AT && ed->at <= sc->end)
            kernel_at(&S->k, ed->at > 0 ? ed->at : 0, EV_SCEN, (uint32_t)i, 0, 0);
        else if (ed->trigger == EV_HAZARD)
            schedule_hazard(S, i, ed->from > 0 ? ed->from : 0);
    }
    for (int i = 0; i < sc->ntimes; i++)
        if (sc->times[i] > 0 && sc->times[i] <= sc->end) kernel_at(&S->k, sc->times[i], EV_TICK, 0, 0, 0);
    for (int m = 0; m < sc->nmetrics; m++)
        if (sc->metrics[m].info.kind == MET_LEVEL && sample_leader(sc, m)) kernel_at(&S->k, 0, EV_SAMPLE, (uint32_t)m, 0, 0);
    /* A first look at every watcher, once the day-0 events have run. */
    kernel_at(&S->k, 0, EV_TICK, 0, 1, 0);
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
    /* Kept: D->k.ctx (its own Sim), the handler table, D->sink. */
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
    for (int i = 0; i < sc->nstocks; i++) {
        int *queue = D->stocks[i].queue;
        D->stocks[i] = S->stocks[i];
        D->stocks[i].queue = queue;
        if (S->stocks[i].nqueue > 0)
            memcpy(queue, S->stocks[i].queue, (size_t)S->stocks[i].nqueue * sizeof *queue);
    }
    COPY(prod, sc->nproducers);
    COPY(cons, sc->nconsumers);
    COPY(carriers, sc->ncarriers);
    COPY(routes, sc->nroutes);
    COPY(progs, sc->nprogrammes);
    COPY(assists, sc->nassists);
    COPY(treaties, sc->ntreaties);
    COPY(resp, sc->nresponses);
    COPY(events, sc->nevents);
    COPY(decided, sc->ndecisions);
    COPY(choices, sc->ndecisions);
    COPY(watch_done, sc->nwatch);
    COPY(stamp, sc->nwatch);
    COPY(cross, sc->nwatch);
    COPY(cross_t, sc->nwatch);
    /* wcont and series_off depend only on the scenario. */
    D->round = S->round;
    COPY(metric_t, sc->nmetrics);
    int total = 0;
    for (int m = 0; m < sc->nmetrics; m++) total += sc->metrics[m].info.series_len;
    COPY(series, total);
    COPY(obs, sc->nobs);
    COPY(res_delivered, sc->nresources);
    COPY(res_lost, sc->nresources);
    COPY(res_duds, sc->nresources);
    COPY(troops, sc->nactors);
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
    COPY(wake, S->nwake);
    COPY(wake_on, sc->nstocks);
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
    for (int i = 0; i < S->sc->nstocks; i++) stock_sync(S, i);
    /* A halted run's observations after the halt read the state as it
     * stood then, as its metrics do. */
    for (int i = 0; i < S->sc->nobs; i++)
        if (isnan(S->obs[i]) && S->halted[0]) S->obs[i] = qty(S, S->sc->obs[i].q);
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
    take_decision(S, d, option, 1);
    settle(S);
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
        case MET_TOTAL: case MET_LEVEL: out[m] = qty(S, md->q); break;
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
