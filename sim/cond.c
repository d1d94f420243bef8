/* cond.c — quantities, conditions and the watchers that act on them
 * (docs/models.md, Conditions): scenario events on a condition (fired
 * through events.c), decisions (asked of the policy, the script or the
 * person), and TIME and FLAG metrics (the first instant they hold).
 *
 * Watchers are re-checked by cond_settle() when a category of state they
 * read has changed (never by polling), and at EV_CROSS, the instant a
 * watched continuous quantity crosses a threshold (plan_cross), and at
 * EV_TICK on the dates conditions name.
 *
 * Invariant: a condition is true from the first instant it holds, to the
 * precision of a double. Between events every stock level and cumulative
 * stock quantity is linear in time, so for each watcher that reads one,
 * plan_cross() schedules one EV_CROSS at the earliest instant one of its
 * comparisons can change (a threshold crossed at the current rates, or a
 * stock filling or emptying, which changes the rates), and re-plans it
 * whenever a stock it reads changes; a compound condition is a function of
 * its comparisons, so it can change only then. At a threshold a comparison
 * is judged at the instant and just after it (eval2), so `level > x`
 * rising holds from the crossing (the infimum of the times it holds) and
 * `level >= x` touching x and turning back holds then.
 */
#include <math.h>
#include <string.h>

#include "model_int.h"

/* --- quantities -------------------------------------------------------------- */
double cond_qty(Sim *S, Qty q)
{
    const Scenario *sc = S->sc;
    double sum = 0;
    switch (q.kind) {
    case Q_DELIVERED: return S->res_delivered[q.idx];
    case Q_LOST: return S->res_lost[q.idx];
    case Q_DUDS: return S->res_duds[q.idx];
    case Q_SHORTFALL: case Q_CONSUMED: case Q_PRODUCED:
        supply_stock_sync_resource(S, q.idx);
        for (int i = 0; i < sc->nstocks; i++)
            if (sc->stocks[i].resource == q.idx)
                sum += q.kind == Q_SHORTFALL ? S->stocks[i].shortfall
                     : q.kind == Q_CONSUMED ? S->stocks[i].consumed : S->stocks[i].produced;
        return sum;
    case Q_R_DELIVERED: return S->routes[q.idx].delivered;
    case Q_R_LOST: return S->routes[q.idx].lost;
    case Q_R_VOYAGES: return S->routes[q.idx].voyages;
    case Q_R_LOSSES: return S->routes[q.idx].losses;
    case Q_STOCK: supply_stock_sync(S, q.idx); return S->stocks[q.idx].level;
    case Q_STOCK_SHORT: supply_stock_sync(S, q.idx); return S->stocks[q.idx].shortfall;
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
    case Q_ASSIST: return S->assists[q.idx].steps;
    case Q_STOCK_OVERFLOW: return S->stocks[q.idx].overflow;
    case Q_SUM: {
        const SumDef *sd = &sc->sums[q.idx];
        for (int i = 0; i < sd->n; i++) sum += sd->coef[i] * cond_qty(S, sd->terms[i]);
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
 * follow supply_stock_sync(): a full stock's production is curtailed to its demand,
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
        supply_stock_sync(S, q.idx);
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
            else one.v = cond_qty(S, sd->terms[i]);
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
                supply_stock_sync(S, i);
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
    case COND_CMP:
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
            *at = *right = cmp_holds(c->cmp, cond_qty(S, c->q), c->x);
        }
        return;
    case COND_AFTER: *at = *right = S->k.now >= c->x; return;
    case COND_BEFORE: *at = *right = S->k.now < c->x; return;
    case COND_ALL: case COND_ANY: {
        int all = c->op == COND_ALL;
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
    if (c->op == COND_CMP) {
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
    if (c->op == COND_CMP) return continuous(sc, c->q);
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
    cond_settle(S);
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

void cond_take_decision(Sim *S, int d, int option, int by_person)
{
    const DecisionDef *dd = &S->sc->decisions[d];
    S->decided[d] = option;
    if (S->nchoices < S->sc->ndecisions) S->choices[S->nchoices++] = option;
    emit(S, TR_DECISION, d, option, by_person, 0, 0);
    S->dirty |= CAT_DECISION;
    effects_apply(S, dd->option_effects[option]);
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

/* Watcher w of an event, its condition now v (and just after, right). The
 * event happens when its condition becomes true. Seen again at the same
 * instant, the condition was as last seen; at a later instant, as it was
 * just after the last look (a condition that held for an instant only has
 * stopped holding since). */
static void watch_event(Sim *S, int w, int v, int right)
{
    const WatchDef *wd = &S->sc->watch[w];
    EventRt *er = &S->events[wd->idx];
    const EventDef *ed = &S->sc->events[wd->idx];
    /* `max` counts every time it happened, however it was made to: an
     * {"event": E} effect may have used it up. */
    if (ed->max > 0 && er->count >= ed->max) {
        watch_finished(S, w);
        return;
    }
    int before = er->prev_t == S->k.now ? er->prev : er->prev_right;
    int rising = v && !before;
    er->prev = v;
    er->prev_right = right;
    er->prev_t = S->k.now;
    if (rising) {
        events_fire(S, wd->idx);
        if (ed->max > 0 && er->count >= ed->max) watch_finished(S, w);
    }
}

/* Watcher w of a decision, whose condition holds: answered by the
 * per-decision script, the positional script, the person (the run pauses:
 * returns 1) or the policy. */
static int watch_decision(Sim *S, int w)
{
    const Scenario *sc = S->sc;
    int d = sc->watch[w].idx;
    watch_finished(S, w);
    if (S->by_decision && S->by_decision[d] >= 0 && S->by_decision[d] < sc->decisions[d].noptions) {
        cond_take_decision(S, d, S->by_decision[d], 1);
    } else if (S->nchoices < S->nscript) {
        int o = S->script[S->nchoices];
        if (o < 0 || o >= sc->decisions[d].noptions) o = 0;
        cond_take_decision(S, d, o, 1);
    } else if (S->interactive) {
        const DecisionDef *dd = &sc->decisions[d];
        const TraceDecisionDef *di = &sc->decision_info[d];
        S->pending = d;
        S->pend = (SimDecision){ d, di->id, di->name, di->actor, dd->noptions, di->options, S->k.now };
        kernel_stop(&S->k);
        return 1;
    } else {
        cond_take_decision(S, d, policy_choice(S, d), 0);
    }
    return 0;
}

/* Re-check the watchers whose conditions read what changed. Effects may
 * change more; loop until quiet (bounded, so a scenario whose effects
 * re-arm each other cannot hang the run). */
void cond_settle(Sim *S)
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
                case WATCH_EVENT:
                    watch_event(S, w, v, right);
                    break;
                case WATCH_DECISION:
                    if (v && watch_decision(S, w)) {
                        /* Paused for the person: the rest is re-checked
                         * (and its crossings re-planned) after the answer. */
                        S->dirty |= d;
                        S->dirty_stocks |= stocks;
                        return;
                    }
                    break;
                case WATCH_METRIC:
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
    S->dirty |= CAT_TIME | (ev->b ? ~0u : 0);
    /* The first look is at every watcher, including those that read only
     * stocks none of which has changed yet (a stock empty from the start). */
    if (ev->b) S->dirty_stocks = ~(uint64_t)0;
    cond_settle(S);
}

/* EV_TICK on every date a condition or a FLAG metric names (after day 0). */
static void start_ticks(Sim *S)
{
    const Scenario *sc = S->sc;
    for (int i = 0; i < sc->ntimes; i++)
        if (sc->times[i] > 0 && sc->times[i] <= sc->end) kernel_at(&S->k, sc->times[i], EV_TICK, 0, 0, 0);
}

/* A first look at every watcher, once the day-0 events have run: queued
 * after them (its start step is the last: SIM_MODELS in model_int.h). */
static void start_first_look(Sim *S)
{
    kernel_at(&S->k, 0, EV_TICK, 0, 1, 0);
}

/* --- registered (model_int.h, SIM_MODELS) ---------------------------------- */
/* Which watchers read a continuously changing quantity (wcont). */
static int create(Sim *S)
{
    const Scenario *sc = S->sc;
    for (int w = 0; w < sc->nwatch; w++)
        S->wcont[w] = sc->watch[w].cond->root >= 0 && reads_continuous(sc, sc->watch[w].cond->root);
    return 0;
}

static void reset(Sim *S)
{
    const Scenario *sc = S->sc;
    memset(S->watch_done, 0, (size_t)sc->nwatch * sizeof *S->watch_done);
    memset(S->cross, 0, (size_t)sc->nwatch * sizeof *S->cross);
    S->active_cats = sc->watch_cats;
    for (int i = 0; i < sc->ndecisions; i++) S->decided[i] = -1;
}

static const ModelKind KINDS[] = { { EV_TICK, on_tick }, { EV_CROSS, on_cross } };
static const SimArray ARRAYS[] = {
    SIM_ARRAY(decided, ndecisions), SIM_ARRAY(choices, ndecisions), SIM_ARRAY(watch_done, nwatch),
    SIM_ARRAY(stamp, nwatch), SIM_ARRAY(cross, nwatch), SIM_ARRAY(cross_t, nwatch), SIM_FIXED(wcont, nwatch),
};
const ModelDef cond_model = {
    .name = "cond", MODEL_KINDS(KINDS), MODEL_ARRAYS(ARRAYS), .create = create, .reset = reset,
    .start = start_ticks,
};
/* The first look comes after every other model's day-0 events (SIM_MODELS). */
const ModelDef cond_look_model = { .name = "cond_look", .start = start_first_look };
