/* model_int.h — what the model files share: the replication (struct Sim),
 * the kinds of event, the helpers every model uses, and each model's entry
 * points. Not a public header; salvo.h is the API.
 *
 *   sim.c       the core: create, reset, run, clone, fork, metrics, limits
 *   supply.c    stocks, producers and consumers, carriers on routes
 *   alliance.c  treaties: signing, triggers, responses
 *   launch.c    launch programmes, learning, assistance
 *   events.c    scenario events: scheduled, hazard, manual; delays
 *   effects.c   effects (what events, decisions and responses do)
 *   cond.c      quantities, conditions, exact crossings, watchers
 *               (events on a condition, decisions, TIME and FLAG metrics)
 *
 * Every model reads the compiled Scenario (scenario_int.h) and changes only
 * its own part of the Sim; it reaches another model through the functions
 * declared below, never its state (cond.c reads every model's state, as
 * the quantities it names). docs/models.md, Module map, says which file
 * owns which fact.
 */
#ifndef SALVO_MODEL_INT_H
#define SALVO_MODEL_INT_H

#include <assert.h>

#include "kernel.h"
#include "scenario_int.h"

/* Event kinds, one handler each (sim.c, HANDLERS). Grouped by the model
 * that owns them. */
enum {
    EV_FLOW, EV_REDRAW, EV_STOCK_EMPTY, EV_READY, EV_ARRIVE, EV_LOST, EV_RETURN,
    EV_TREATY_SIGN, EV_TREATY_FORCE, EV_RESPONSE, EV_LAUNCH, EV_ASSIST, EV_SCEN, EV_EFFECTS,
    EV_TICK, EV_SAMPLE, EV_DEFER, EV_CROSS, EV_OBSERVE, EV__COUNT
};

/* See "Termination" in sim.c. Effects nested deeper than this are deferred. */
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
/* steps: how many of an offer's steps have happened, 0 (not offered) to
 * ASSIST__COUNT (arrived): the last one is AssistStep steps - 1 (trace.h),
 * and steps is the quantity assist.ID (docs/scenario.md). */
typedef struct AssistRt { int steps; } AssistRt;

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
    /* Termination guards (see "Termination" in sim.c). */
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

/* --- helpers every model uses -------------------------------------------- */
static inline void emit(Sim *S, int kind, int a, int b, int c, double x, double y)
{
    if (!S->sink) return;
    TraceRec r = { S->k.now, kind, a, b, c, x, y };
    S->sink->emit(S->sink->ctx, &r);
}

/* A stream is keyed the first time a replication draws from it: most
 * replications never touch many of them (effects, assumptions, policies),
 * and keying is the same whenever it happens, so results do not change. */
void sim_key_stream(Sim *S, int stream);     /* sim.c */

static inline Rng *rs(Sim *S, int stream)
{
    assert(stream >= 0 && stream < S->sc->nstreams);
    if (__builtin_expect(!S->rng_keyed[stream], 0)) sim_key_stream(S, stream);
    return &S->rng[stream];
}

/* A draw of parameter i, kept inside what the field allows. */
static inline double draw(Sim *S, int i, Rng *r)
{
    const ParamDef *p = &S->pd[i];
    double x = p->d.kind == DIST_CONST ? p->d.p[0] : dist_draw(&p->d, r);
    switch (p->con) {
    case PC_NONNEG: case PC_POS: return x < 0 ? 0 : x;
    case PC_PROB: return x < 0 ? 0 : x > 1 ? 1 : x;
    default: return x;
    }
}


/* --- each model's entry points ------------------------------------------- */
/* sim.c */
void sim_storm(Sim *S, double t);        /* halt for an event storm at day t */
void sim_on_sample(void *ctx, const Event *ev);
void sim_on_observe(void *ctx, const Event *ev);

/* supply.c */
void supply_reset(Sim *S);               /* initial stocks, open routes: no events */
void supply_start(Sim *S);               /* first trace records, flows, carriers */
void supply_stock_sync(Sim *S, int i);   /* integrate stock i to now */
void supply_stock_sync_resource(Sim *S, int res);
void supply_stock_add(Sim *S, int i, double amount);
void supply_stock_destroy(Sim *S, int i, double fraction);
void supply_route_set_open(Sim *S, int route, int open);
void supply_flow_redraw(Sim *S, int i, int consumer);  /* its rate param changed */
void supply_wake_pending(Sim *S);        /* wakes left by closed routes */
void supply_on_stock_empty(void *ctx, const Event *ev);
void supply_on_flow(void *ctx, const Event *ev);
void supply_on_redraw(void *ctx, const Event *ev);
void supply_on_ready(void *ctx, const Event *ev);
void supply_on_arrive(void *ctx, const Event *ev);
void supply_on_lost(void *ctx, const Event *ev);
void supply_on_return(void *ctx, const Event *ev);

/* alliance.c */
void alliance_start(Sim *S);             /* signing and entry into force */
void alliance_trigger(Sim *S, int treaty, int attacked);
void alliance_aggression(Sim *S, int attacked);   /* every treaty */
void alliance_on_treaty_sign(void *ctx, const Event *ev);
void alliance_on_treaty_force(void *ctx, const Event *ev);
void alliance_on_response(void *ctx, const Event *ev);

/* launch.c */
void launch_start(Sim *S);               /* reliability draws, history, first attempts */
void launch_offer(Sim *S, int assist);
void launch_accept(Sim *S, int assist);
void launch_param_changed(Sim *S, int param);
void launch_on_launch(void *ctx, const Event *ev);
void launch_on_assist(void *ctx, const Event *ev);

/* events.c */
void events_start(Sim *S);               /* dated events, first hazard draws */
void events_fire(Sim *S, int i);
void events_hazard_changed(Sim *S, int i);
void events_on_scen(void *ctx, const Event *ev);
void events_on_effects(void *ctx, const Event *ev);

/* effects.c */
void effects_apply(Sim *S, EffectList el);
void effects_on_defer(void *ctx, const Event *ev);

/* cond.c */
void cond_schedule_ticks(Sim *S);        /* the dates conditions name */
void cond_schedule_first_look(Sim *S);   /* one look at every watcher after day 0's events */
double cond_qty(Sim *S, Qty q);
int cond_reads_continuous(const Scenario *sc, int node);
void cond_take_decision(Sim *S, int d, int option, int by_person);
void cond_settle(Sim *S);
void cond_on_cross(void *ctx, const Event *ev);
void cond_on_tick(void *ctx, const Event *ev);

#endif
