/* scenario_int.h — the compiled scenario, shared by the loader (load*.c),
 * the accessors (scenario.c) and the models (sim.c and the model files
 * model_int.h lists). Not a public header.
 *
 *   JSON document ──load*.c──▶ Scenario (this file) ──sim.c──▶ Sim per replication
 *
 * Invariants after a successful load:
 *   - every reference is an index into the matching array (never a string);
 *   - every numeric parameter is a ParamDef in `params`, with a prepared
 *     Dist, a constraint it satisfies, and the id-path used by --set;
 *   - conditions are flat arrays of CondNode; effects are flat arrays of
 *     Effect; owners refer to them by (first, count);
 *   - random streams are listed once (StreamDef) and owners refer to them by
 *     index, so a Sim re-keys them per replication without string work in
 *     the event loop.
 * All memory belongs to the Scenario's arena and is freed in one go.
 */
#ifndef SALVO_SCENARIO_INT_H
#define SALVO_SCENARIO_INT_H

#include <stdint.h>
#include "dist.h"
#include "salvo.h"

#define SC_MAX_LIST      1024
#define SC_MAX_CARRIERS  256
#define SC_MAX_COUNT     10000
#define SC_MAX_ALL_CARRIERS 100000  /* carriers in a scenario, counts expanded */
#define SC_MAX_ALL_SAMPLES 1000000  /* points in all LEVEL series together */
#define SC_MAX_MAGNITUDE 1e15       /* any number held by a parameter, and its mean */
#define SC_MAX_OPTIONS   9
#define SC_MAX_COND_DEPTH 16
#define SC_MAX_STRING    4096
#define SC_MAX_ID        63

/* --- parameters ------------------------------------------------------- */
typedef enum ParamCon { PC_ANY, PC_NONNEG, PC_POS, PC_PROB } ParamCon;

typedef enum ParamOwner { OWN_NONE, OWN_PRODUCER, OWN_CONSUMER, OWN_HAZARD } ParamOwner;

typedef struct ParamDef {
    Dist d;
    ParamCon con;
    const char *path;       /* "routes.rajin-vostochny.loss" */
    int assumption;         /* index into assumptions, -1 */
    ParamOwner owner;       /* who must react when an effect changes it */
    int owner_idx;
    int mutable_;           /* an effect may change it during a run */
} ParamDef;

/* --- quantities and conditions ------------------------------------------ */
typedef enum QtyKind {
    Q_DELIVERED, Q_LOST, Q_DUDS, Q_SHORTFALL, Q_CONSUMED, Q_PRODUCED,   /* per resource */
    Q_R_DELIVERED, Q_R_LOST, Q_R_VOYAGES, Q_R_LOSSES,                   /* per route */
    Q_STOCK, Q_STOCK_SHORT,                                            /* per stock */
    Q_L_ATTEMPTS, Q_L_SUCCESSES, Q_L_FAILURES, Q_L_STREAK,              /* per programme */
    Q_T_SIGNED, Q_T_IN_FORCE, Q_T_TRIGGERED, Q_T_HONOURED, Q_T_DECLINED,/* per treaty */
    Q_TROOPS,                                                          /* per actor */
    Q_EVENT, Q_DECISION, Q_DAY,
    Q_ASSIST,                                                          /* per assistance */
    Q_STOCK_OVERFLOW,                                                  /* per stock */
    Q_SUM,                                                             /* idx: Scenario.sums */
    Q__COUNT
} QtyKind;

/* Categories of change, so a condition is re-checked only when something
 * it reads may have changed. */
enum {
    CAT_SUPPLY = 1 << 0, CAT_STOCK = 1 << 1, CAT_LAUNCH = 1 << 2, CAT_TREATY = 1 << 3,
    CAT_TROOPS = 1 << 4, CAT_EVENT = 1 << 5, CAT_DECISION = 1 << 6, CAT_TIME = 1 << 7
};

typedef struct Qty { int kind; int idx; } Qty;

/* A linear combination of quantities, {"sum": [...]}: sum of coef[i] x
 * terms[i]. A term may itself be a sum. `continuous`: some term changes
 * between events (so the sum is piecewise linear, like its terms). */
typedef struct SumDef {
    Qty *terms;
    double *coef;
    int n;
    int continuous;
} SumDef;

typedef enum CondOp { COND_CMP, COND_AFTER, COND_BEFORE, COND_ALL, COND_ANY, COND_NOT } CondOp;
typedef enum CmpOp { CMP_GE, CMP_GT, CMP_LE, CMP_LT, CMP_EQ, CMP_NE } CmpOp;

typedef struct CondNode {
    int op;         /* CondOp */
    int cmp;        /* CmpOp for COND_CMP */
    Qty q;
    double x;       /* threshold, or day for AFTER/BEFORE */
    int kid, nkids; /* children in Scenario.cond_kids */
} CondNode;

typedef struct Cond {
    int root;       /* node index, -1 = always true */
    unsigned cats;  /* CAT_* mask of everything it reads */
    uint64_t stocks;/* CAT_STOCK: the stocks it reads, bit (index mod 64) */
} Cond;

/* --- effects ---------------------------------------------------------- */
typedef enum EffectKind {
    E_SET, E_SCALE, E_ADD, E_CLOSE, E_OPEN, E_AGGRESSION, E_TRIGGER,
    E_STOCK_ADD, E_STOCK_DESTROY, E_TROOPS, E_OFFER, E_ACCEPT, E_EVENT
} EffectKind;

typedef struct Effect {
    int kind;
    int target;     /* param, route, actor, treaty, stock, assistance, event */
    int target2;    /* E_TRIGGER: attacked actor; E_TROOPS: from place */
    int target3;    /* E_TROOPS: to place */
    int value;      /* param index of the operand, -1 none */
    int value2;     /* E_TROOPS: transit param */
    int stream;     /* stream for drawing operands */
} Effect;

typedef struct EffectList { int first, n; } EffectList;

/* --- entities --------------------------------------------------------- */
typedef struct SourceDef {
    const char *id, *title, *date, *url;    /* "" when not given */
    const char *publisher, *note;           /* "" when not given; shown in the assumption ledger */
} SourceDef;

typedef struct StockDef {
    int place, resource;
    int initial;            /* param */
    int capacity;           /* param, -1 = unbounded */
    int stream;
    int *producers, nproducers, *consumers, nconsumers;
    int *carriers, ncarriers;   /* carriers whose route starts here */
} StockDef;

typedef struct FlowDef {        /* a producer or a consumer */
    const char *id;
    int stock;
    int rate;                   /* param */
    double period;              /* days, 0 = draw once */
    double start, end;          /* days */
    double ramp_from, ramp_days;
    int ramp_steps;
    int stream;
} FlowDef;

typedef struct CarrierDef {
    const char *id, *name;
    int route;
    int containers;             /* param */
    double min_load, max_wait;  /* max_wait < 0: none */
    double first, every;        /* every <= 0: fill policy */
    int stream;
} CarrierDef;

typedef struct RouteDef {
    int from, to;               /* stocks */
    int container, transit, ret, loss, dud;  /* params */
    int open;
    int final;                  /* arrivals are final deliveries (load_supply.c, route_final) */
    int first_carrier, ncarriers;
    int stream;
} RouteDef;

typedef struct ResponseDef {
    int treaty;                 /* the treaty it belongs to */
    int party, protects;        /* actors; protects -1 = any other party */
    int requires_in_force;
    int honour, delay;          /* params */
    EffectList effects, on_decline;
    int stream;
} ResponseDef;

typedef struct TreatyDef {
    int *parties, nparties;
    double signed_day, in_force_day;
    int first_response, nresponses;
} TreatyDef;

typedef struct AttemptDef {
    double day;
    int outcome;                /* -1 random, 0 success, k failed stage */
    const char *path;           /* "programmes.ID.history[K]", for the assumption ledger */
    const char *note;           /* "" when not given */
} AttemptDef;

typedef struct AssistDef {
    const char *id;
    int programme, actor;
    int lead_time, boost, growth;   /* params */
    int stream;
} AssistDef;

typedef struct ProgrammeDef {
    int actor, site;
    AttemptDef *history;
    int nhistory;
    int interval;               /* param, -1 none */
    int max_attempts, stop_after;   /* stop_after 0 = none */
    double stage_w[DIST_MAX_DISCRETE];
    int nstages;
    int base, ceiling, growth;  /* params */
    int stream;
} ProgrammeDef;

typedef enum EventTrigger { TRIG_AT, TRIG_HAZARD, TRIG_WHEN, TRIG_MANUAL } EventTrigger;

typedef struct EventDef {
    int trigger;                /* EventTrigger */
    double at, from, until;     /* days */
    int hazard;                 /* param */
    int max;                    /* 0 = unbounded */
    Cond when;
    int delay;                  /* param, -1 none */
    EffectList effects;
    int stream;
} EventDef;

typedef enum PolicyKind { POL_FIXED, POL_PROB, POL_RULES } PolicyKind;

typedef struct DecisionDef {
    Cond when;
    int noptions;
    const char *option_ids[SC_MAX_OPTIONS];
    const char *option_labels[SC_MAX_OPTIONS];
    EffectList option_effects[SC_MAX_OPTIONS];
    int policy;                 /* PolicyKind */
    int fixed;
    double weights[SC_MAX_OPTIONS];
    Cond *rule_conds;
    int *rule_choice, nrules;
    int otherwise;
    int stream;
} DecisionDef;

typedef struct MetricDef {
    MetricInfo info;
    Qty q;                      /* TOTAL, LEVEL */
    Cond cond;                  /* TIME, FLAG */
    double by;                  /* FLAG: day */
    double every;               /* LEVEL */
} MetricDef;

typedef struct ObsDef {
    Observation info;
    Qty q;
} ObsDef;

/* Random stream purposes: the one place they are named. A stream is keyed
 * by (component, purpose), e.g. ("route:rajin-vostochny", "loss"), so a
 * purpose's name is part of every draw made from it (renaming one changes
 * the results). A component with one purpose owns one stream, its
 * `stream` field:
 *   stock:ID "initial", producer:ID / consumer:ID "rate",
 *   carrier:ROUTE/ID "containers", assist:ID "draws", event:ID "timing",
 *   decision:ID "policy", OWNER "effects" (each list of effects),
 *   assumption:PATH "value".
 * A component with several owns consecutive streams, the first in its
 * `stream` field, and the model reads purpose k as stream + k with the
 * constants below (never a bare number). ld_streams (load_param.c) creates
 * them from the name tables below, in enum order, so the two cannot drift. */
enum { RS_TRANSIT, RS_RETURN, RS_LOSS, RS_DUD, RS_CONTAINER, RS__COUNT };   /* route:ID */
#define ROUTE_STREAMS { [RS_TRANSIT] = "transit", [RS_RETURN] = "return", [RS_LOSS] = "loss", \
                        [RS_DUD] = "dud", [RS_CONTAINER] = "container" }
enum { PS_OUTCOME, PS_STAGE, PS_INTERVAL, PS_RELIABILITY, PS__COUNT };    /* launch:ID (a programme) */
#define LAUNCH_STREAMS { [PS_OUTCOME] = "outcome", [PS_STAGE] = "stage", [PS_INTERVAL] = "interval", \
                         [PS_RELIABILITY] = "reliability" }
enum { TS_HONOUR, TS_DELAY, TS__COUNT };                                  /* treaty:ID:PARTY */
#define RESPONSE_STREAMS { [TS_HONOUR] = "honour", [TS_DELAY] = "delay" }

typedef struct StreamDef {
    const char *component, *purpose;
    uint64_t prefix;            /* rng_key_prefix(component, purpose) */
} StreamDef;

/* Watchers: things that act when a condition becomes true. */
typedef enum WatchKind { WATCH_EVENT, WATCH_DECISION, WATCH_METRIC } WatchKind;
typedef struct WatchDef { int kind, idx; const Cond *cond; } WatchDef;

struct Scenario {
    void *arena;
    const char *file;
    const char *name, *title, *description, *briefing;
    char sha256[65];
    int64_t start;              /* epoch day */
    double end;                 /* days */
    uint64_t max_events;        /* "limits": {"events"}; 0: SIM_MAX_EVENTS */

    int nsources, nactors, nresources, nplaces, nstocks, nproducers, nconsumers;
    int nroutes, ncarriers, ntreaties, nresponses, nprogrammes, nassists;
    int nevents, ndecisions, nmetrics, nparams, nassumptions, nstreams;
    int neffects, ncond_nodes, ncond_kids, nwatch, ntimes;
    int nsums, nobs;
    int batch_uncertainty;      /* batch.uncertainty */
    unsigned watch_cats;        /* union of the categories every watcher reads */
    int *watch_by_cat[8];       /* watchers that read each CAT_ bit */
    int nwatch_by_cat[8];

    SourceDef *sources;
    TraceActor *actors;
    TraceResource *resources;
    TracePlace *places;
    TraceStock *stock_info;     /* header view */
    StockDef *stocks;
    FlowDef *producers, *consumers;
    TraceRoute *route_info;
    RouteDef *routes;
    TraceCarrier *carrier_info;
    CarrierDef *carriers;
    TraceNamed *treaty_info, *programme_info, *event_info;
    TraceDecisionDef *decision_info;
    TreatyDef *treaties;
    ResponseDef *responses;
    ProgrammeDef *programmes;
    AssistDef *assists;
    EventDef *events;
    DecisionDef *decisions;
    MetricDef *metrics;
    SumDef *sums;
    ObsDef *obs;
    ParamDef *params;
    Assumption *assumptions;
    int *assumption_param;      /* param of each assumption */
    int *assumption_stream;     /* stream for drawing it under --uncertainty */
    StreamDef *streams;
    Effect *effects;
    CondNode *cond_nodes;
    int *cond_kids;
    WatchDef *watch;
    double *times;              /* days named by AFTER/BEFORE and FLAG metrics */

    TraceHeader header;
};

/* Tests only: at most max_pending events pending at once in this Sim's
 * queue (0: back to EVQ_MAX_PENDING), so the halt at the queue's limit can
 * be tested without 2^24 events. */
void sim_set_queue_limit(Sim *S, size_t max_pending);

#endif
