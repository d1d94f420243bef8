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
#include <stddef.h>

#include "kernel.h"
#include "scenario_int.h"

/* Event kinds, one handler each: the model that owns a kind lists it in its
 * ModelDef (below). Grouped by that model. */
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

enum { CARRIER_WAIT, CARRIER_TRANSIT, CARRIER_BACK };

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
    KernelHandler on[EV__COUNT];/* each kind's handler, from the models' ModelDefs */
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


/* --- the models, registered ----------------------------------------------
 * Each model file defines one ModelDef; SIM_MODELS lists them, and sim.c
 * builds its table (MODELS) from that list and nothing else: it allocates,
 * frees, copies and resets each model's state, dispatches each event kind to
 * its model's handler, and runs the start steps, all from the table.
 *
 * The list's order is the start order: events at one instant run in the
 * order they were queued (evq.h), so this order decides which of two
 * same-time events runs first, and with it every golden trace
 * (tests/golden/). Change it and the traces change. In order:
 *   1. sim_observe: each observation is read at the end of its date before
 *      anything else that happens then (asserted: nothing is queued before);
 *   2. supply: the first trace records (stock levels, closed routes), then
 *      producers, consumers and carriers, in scenario order;
 *   3. alliance: signing and entry into force;
 *   4. launch: the history, then the first drawn attempts;
 *   5. events: dated events, then the first hazard gaps;
 *   6. cond: the dates conditions name;
 *   7. sim_sample: the first sample of each LEVEL metric's grid;
 *   8. cond_look: the first look at every watcher, after all of day 0's
 *      events (asserted: it is the last start step);
 *   9. effects: no start step (its deferred effects are queued by others).
 * Random draws do not depend on this order: each component draws from its
 * own stream. A new dynamic X adds one line here (X), defines X_model in
 * sim/X.c, and keeps its state in struct Sim (docs/models.md, Adding a
 * dynamic). */
#define SIM_MODELS(M) M(sim_observe) M(supply) M(alliance) M(launch) M(events) M(cond) M(sim_sample) \
    M(cond_look) M(effects)

/* One handler: events of this kind go to on. */
typedef struct ModelKind { int kind; KernelHandler on; } ModelKind;

/* An array of per-replication state: Sim's field at `field` holds one
 * element of elsize bytes per item the Scenario counts at `count` (an int),
 * allocated (zeroed, with one spare) by sim_create, freed by sim_destroy
 * and, if `copied`, copied by sim_clone. SIM_ARRAY names one that changes
 * during a run; SIM_FIXED one that depends only on the scenario. */
typedef struct SimArray { size_t field, elsize, count; int copied; } SimArray;
#define SIM_ARRAY_(f, n, copied) { offsetof(Sim, f), sizeof *((Sim *)0)->f, offsetof(Scenario, n), copied }
#define SIM_ARRAY(f, n) SIM_ARRAY_(f, n, 1)
#define SIM_FIXED(f, n) SIM_ARRAY_(f, n, 0)

typedef struct ModelDef {
    const char *name;
    const ModelKind *kinds;     /* the event kinds it handles */
    int nkinds;
    const SimArray *arrays;     /* its plain per-replication arrays */
    int narrays;
    /* Each hook may be NULL. */
    int (*create)(Sim *S);      /* state beyond its arrays; -1: out of memory */
    void (*destroy)(Sim *S);    /* frees what create made (also after a failed create) */
    void (*clone)(Sim *D, const Sim *S);  /* copies what the arrays do not */
    void (*reset)(Sim *S);      /* back to day 0, no events, before any start step */
    void (*start)(Sim *S);      /* its first events, at reset (the order above) */
} ModelDef;
/* Designated initializers for a ModelDef's kinds and arrays. */
#define MODEL_KINDS(a) .kinds = (a), .nkinds = (int)(sizeof (a) / sizeof *(a))
#define MODEL_ARRAYS(a) .arrays = (a), .narrays = (int)(sizeof (a) / sizeof *(a))

#define SIM_MODEL_DECLARE(x) extern const ModelDef x##_model;
SIM_MODELS(SIM_MODEL_DECLARE)
#undef SIM_MODEL_DECLARE

/* --- each model's entry points ------------------------------------------- */
/* sim.c */
void sim_storm(Sim *S, double t);        /* halt for an event storm at day t */

/* supply.c */
void supply_stock_sync(Sim *S, int i);   /* integrate stock i to now */
void supply_stock_sync_resource(Sim *S, int res);
void supply_stock_add(Sim *S, int i, double amount);
void supply_stock_destroy(Sim *S, int i, double fraction);
void supply_route_set_open(Sim *S, int route, int open);
void supply_flow_redraw(Sim *S, int i, int consumer);  /* its rate param changed */
void supply_wake_pending(Sim *S);        /* wakes left by closed routes */

/* alliance.c */
void alliance_trigger(Sim *S, int treaty, int attacked);
void alliance_aggression(Sim *S, int attacked);   /* every treaty */

/* launch.c */
void launch_offer(Sim *S, int assist);
void launch_accept(Sim *S, int assist);
void launch_param_changed(Sim *S, int param);

/* events.c */
void events_fire(Sim *S, int i);
void events_hazard_changed(Sim *S, int i);

/* effects.c */
void effects_apply(Sim *S, EffectList el);

/* cond.c */
double cond_qty(Sim *S, Qty q);
void cond_take_decision(Sim *S, int d, int option, int by_person);
void cond_settle(Sim *S);

#endif
