/* supply.c — the supply model: stocks, producers and consumers, and
 * carriers on routes (docs/models.md, Supply).
 *
 * Stocks change linearly between events (producers in, consumer demand
 * out), integrated in closed form by supply_stock_sync(); a stock that will
 * run dry schedules EV_STOCK_EMPTY at the crossing, for a trace only.
 * Carriers cycle READY → (load) → ARRIVE|LOST → RETURN → READY. No daily
 * tick anywhere.
 *
 * Invariants:
 *   - every stock is synced to `now` before its rates or level change;
 *   - of the carriers waiting on a stock, only the first in its queue whose
 *     route is open has a READY planned (queue_head);
 *   - an arrival counts toward delivered.RESOURCE only on a route whose
 *     `final` flag the loader set (load_supply.c, route_final): the one
 *     definition of "delivered" that the view and `salvo run` read from
 *     the trace header too.
 */
#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "model_int.h"

static void try_load(Sim *S, int c);

/* --- stocks ----------------------------------------------------------------- */

/* Integrate a stock from its last update to now, in closed form. */
void supply_stock_sync(Sim *S, int i)
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

void supply_stock_sync_resource(Sim *S, int res)
{
    for (int i = 0; i < S->sc->nstocks; i++)
        if (S->sc->stocks[i].resource == res) supply_stock_sync(S, i);
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
        assert(S->nwake < S->sc->nstocks);
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
    /* The invariants: synced to now before a change, and within [0, cap]. */
    assert(st->t == S->k.now);
    assert(st->level >= 0 && st->level <= st->cap);
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
    wake_carriers(S, i);
}

void supply_stock_add(Sim *S, int i, double amount)
{
    StockRt *st = &S->stocks[i];
    supply_stock_sync(S, i);
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
    supply_stock_sync(S, i);
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
    supply_stock_sync(S, f->stock);
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
    cond_settle(S);
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
    cond_settle(S);
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
    cr->state = CARRIER_WAIT;
    cr->wait_since = S->k.now;
    cr->cap_units = draw(S, cd->containers, rs(S, cd->stream)) * draw(S, rd->container, rs(S, rd->stream + RS_CONTAINER));
    if (cd->every <= 0 && rd->from >= 0) {
        StockRt *st = &S->stocks[rd->from];
        assert(st->nqueue < S->sc->stocks[rd->from].ncarriers);
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
    cr->state = CARRIER_TRANSIT;
    cr->cargo = amount;
    cr->dep_t = S->k.now;
    rr->voyages++;
    double transit = draw(S, rd->transit, rs(S, rd->stream + RS_TRANSIT));
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
    supply_stock_add(S, rd->from, -amount);
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
    if (cr->state != CARRIER_WAIT || !S->routes[cd->route].open || rd->from < 0) return;
    if (now < cd->first) {
        if (!evq_pending(&S->k.q, cr->ready)) plan_ready(S, c, cd->first);
        return;
    }
    supply_stock_sync(S, rd->from);
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
    cond_settle(S);
}

static void schedule_return(Sim *S, int c)
{
    const CarrierDef *cd = &S->sc->carriers[c];
    const RouteDef *rd = &S->sc->routes[cd->route];
    double back = rd->ret >= 0 ? draw(S, rd->ret, rs(S, rd->stream + RS_RETURN)) : draw(S, rd->transit, rs(S, rd->stream + RS_RETURN));
    S->carriers[c].state = CARRIER_BACK;
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
    /* A round counts as delivered once, where it ends up, not at every
     * transhipment: on a final route (load_supply.c, route_final). */
    if (rd->final) S->res_delivered[res] += good;
    S->res_duds[res] += bad;
    emit(S, TR_ARRIVE, c, cd->route, res, good, bad);
    cr->cargo = 0;
    S->dirty |= CAT_SUPPLY;
    supply_stock_add(S, rd->to, good);
    schedule_return(S, c);
    cond_settle(S);
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
    cond_settle(S);
}

static void on_return(void *ctx, const Event *ev)
{
    Sim *S = ctx;
    int c = (int)ev->a;
    emit(S, TR_RETURN, c, S->sc->carriers[c].route, -1, 0, 0);
    carrier_begin_wait(S, c);
    try_load(S, c);
    cond_settle(S);
}

/* E_STOCK_DESTROY: a fraction of stock i is destroyed. */
void supply_stock_destroy(Sim *S, int i, double fraction)
{
    supply_stock_sync(S, i);
    S->stocks[i].level *= 1 - fraction;
    stock_changed(S, i);
}

/* E_OPEN / E_CLOSE, inside effects_apply (which runs the wakes a close
 * leaves when its list is done). */
void supply_route_set_open(Sim *S, int rt, int open)
{
    const Scenario *sc = S->sc;
    if (S->routes[rt].open == open) return;
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
         * sends neither's carriers. The wake is run by effects_apply. */
        S->wake_on[rd->from] = 1;
        assert(S->nwake < sc->nstocks);
        S->wake[S->nwake++] = rd->from;
    }
}

/* A producer's or consumer's rate parameter was changed by an effect. */
void supply_flow_redraw(Sim *S, int i, int consumer)
{
    const FlowDef *f = consumer ? &S->sc->consumers[i] : &S->sc->producers[i];
    FlowRt *r = consumer ? &S->cons[i] : &S->prod[i];
    r->base = draw(S, f->rate, rs(S, f->stream));
    flow_update(S, i, consumer);
}

/* Wakes left by closed routes, run once the list of effects is done. */
void supply_wake_pending(Sim *S)
{
    if (S->nwake > 0) wake_carriers(S, S->wake[S->nwake - 1]);
}

/* --- reset ------------------------------------------------------------------- */
static void reset(Sim *S)
{
    const Scenario *sc = S->sc;
    memset(S->res_delivered, 0, (size_t)sc->nresources * sizeof *S->res_delivered);
    memset(S->res_lost, 0, (size_t)sc->nresources * sizeof *S->res_lost);
    memset(S->res_duds, 0, (size_t)sc->nresources * sizeof *S->res_duds);
    memset(S->routes, 0, (size_t)sc->nroutes * sizeof *S->routes);
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
}

static void start(Sim *S)
{
    const Scenario *sc = S->sc;
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
}

/* --- registered (model_int.h, SIM_MODELS) ---------------------------------- */
/* Each stock's queue of waiting carriers, and the stocks to wake. */
static int create(Sim *S)
{
    const Scenario *sc = S->sc;
    S->stocks = mem_calloc((size_t)sc->nstocks + 1, sizeof *S->stocks);
    S->wake = mem_calloc((size_t)sc->nstocks + 1, sizeof *S->wake);
    if (!S->stocks || !S->wake) return -1;
    for (int i = 0; i < sc->nstocks; i++)
        if (!(S->stocks[i].queue = mem_calloc((size_t)sc->stocks[i].ncarriers + 1, sizeof *S->stocks[i].queue)))
            return -1;
    return 0;
}

static void destroy(Sim *S)
{
    for (int i = 0; S->stocks && i < S->sc->nstocks; i++) free(S->stocks[i].queue);
    free(S->stocks);
    free(S->wake);
}

/* D keeps its own queues; their contents are copied. */
static void clone(Sim *D, const Sim *S)
{
    for (int i = 0; i < S->sc->nstocks; i++) {
        int *queue = D->stocks[i].queue;
        D->stocks[i] = S->stocks[i];
        D->stocks[i].queue = queue;
        if (S->stocks[i].nqueue > 0)
            memcpy(queue, S->stocks[i].queue, (size_t)S->stocks[i].nqueue * sizeof *queue);
    }
    if (S->nwake > 0) memcpy(D->wake, S->wake, (size_t)S->nwake * sizeof *D->wake);
}

static const ModelKind KINDS[] = {
    { EV_FLOW, on_flow }, { EV_REDRAW, on_redraw }, { EV_STOCK_EMPTY, on_stock_empty }, { EV_READY, on_ready },
    { EV_ARRIVE, on_arrive }, { EV_LOST, on_lost }, { EV_RETURN, on_return },
};
static const SimArray ARRAYS[] = {
    SIM_ARRAY(prod, nproducers), SIM_ARRAY(cons, nconsumers), SIM_ARRAY(carriers, ncarriers),
    SIM_ARRAY(routes, nroutes), SIM_ARRAY(res_delivered, nresources), SIM_ARRAY(res_lost, nresources),
    SIM_ARRAY(res_duds, nresources), SIM_ARRAY(wake_on, nstocks),
};
const ModelDef supply_model = {
    .name = "supply", MODEL_KINDS(KINDS), MODEL_ARRAYS(ARRAYS), .create = create, .destroy = destroy, .clone = clone,
    .reset = reset, .start = start,
};
