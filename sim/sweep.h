/* sweep.h — many batches of one scenario, each with other parameter values
 * (`salvo sweep`): a full-factorial grid of --set values, or every ranged
 * assumption at its low and at its high end, ranked by its effect on one
 * metric (a tornado).
 *
 * Every point is the scenario loaded again with the base --set assignments
 * plus the point's own (PATH=VALUE, the value in the shortest text that
 * reads back to the same double), run as an ordinary batch with the same
 * seed: common random numbers across points, so the differences between
 * points are the parameters', not the dice's. Results are the batch
 * engine's, hence identical for any thread count.
 *
 * Nothing here prints: each call returns a SweepStatus and leaves a message
 * in the caller's Diag (initialised with the scenario's path), and hands
 * each finished point to the caller's on_point. The caller owns what it
 * passes; the results (SweepGrid, SweepTornado) are the caller's to destroy.
 */
#ifndef SALVO_SWEEP_H
#define SALVO_SWEEP_H

#include <cjson/cJSON.h>
#include "batch.h"
#include "diag.h"
#include "salvo.h"
#include "summary.h"

#define SWEEP_MAX_AXES 8        /* parameters varied at once */
#define SWEEP_MAX_POINTS 10000  /* points of a grid; steps of one axis */

typedef enum SweepStatus {
    SWEEP_OK = 0,
    SWEEP_STOPPED,      /* interrupted (batch.stop): the points so far were handed over */
    SWEEP_BAD_SPEC,     /* the sweep cannot be done as asked: d holds why */
    SWEEP_BAD_POINT,    /* a point's scenario does not load: the loader's diagnostics in d */
    SWEEP_FAILED        /* a batch failed (out of memory, no thread): d holds why */
} SweepStatus;

/* One finished point, for on_point. */
typedef struct SweepPoint {
    long long index;        /* grid: 0..npoints-1; tornado: -1 base, 2k low, 2k+1 high of row k */
    const double *values;   /* grid: each axis's value at this point; tornado: NULL */
    const Batch *batch;     /* the point's totals (maybe stopped early); NULL if it failed */
    const Scenario *scenario;   /* the point's scenario as loaded (its assumptions hold
                                 * the point's values); NULL if it did not load */
} SweepPoint;

/* What every point shares. */
typedef struct SweepSpec {
    const char *path;               /* the scenario file, loaded once per point */
    const char *const *sets;        /* --set PATH=VALUE of every point */
    int nsets;
    int uncertainty;                /* parametric uncertainty in every replication */
    /* seed, runs, threads, stop and progress of every point's batch; the
     * sweep itself writes no CSV, no checkpoint and has no target, so
     * csv, checkpoint, target_metric and share are not used. */
    BatchOptions batch;
    /* Called after each point's batch ends, in point order, on the calling
     * thread; the batch is valid only during the call. May be NULL. */
    void (*on_point)(void *arg, const SweepPoint *p);
    void *arg;
} SweepSpec;

/* --- a full-factorial grid ------------------------------------------------ */

typedef struct SweepAxis {
    const char *path;       /* the --set path (not copied: must outlive the grid) */
    double lo, hi;          /* the values at the first and last step */
    int steps;              /* >= 1: lo, lo + (hi-lo)/(steps-1), ..., hi */
    int ranged;             /* 0: lo, hi from the path's assumption record, steps by default */
} SweepAxis;

typedef struct SweepGrid {
    int naxes;
    SweepAxis axes[SWEEP_MAX_AXES];     /* resolved: lo, hi and steps all set */
    double *values[SWEEP_MAX_AXES];     /* axes[k].steps values, lo to hi */
    long long npoints;                  /* product of the steps; point p has the
                                         * last axis varying fastest */
} SweepGrid;

/* The grid of naxes axes (1..SWEEP_MAX_AXES) over scenario base: an axis
 * without a range takes its assumption's lo..hi in default_steps steps.
 * NULL with a message (an unknown path, an assumption without a range, more
 * than SWEEP_MAX_POINTS points, no memory). */
SweepGrid *sweep_grid_create(const Scenario *base, const SweepAxis *axes, int naxes, int default_steps,
                             Diag *d);
void sweep_grid_destroy(SweepGrid *g);
/* Load every point's scenario, so that a bad value stops the sweep before
 * any batch runs. SWEEP_OK or SWEEP_BAD_POINT (the loader's diagnostics). */
SweepStatus sweep_grid_check(const SweepGrid *g, const SweepSpec *s, Diag *d);
/* Run every point in order, handing each to s->on_point; stop at the first
 * that fails or is interrupted (that one is handed over too). */
SweepStatus sweep_grid_run(const SweepGrid *g, const SweepSpec *s, Diag *d);

/* --- a tornado: every ranged assumption low vs high ----------------------- */

typedef struct SweepEffect {
    const Assumption *as;   /* the base scenario's record (lo < hi) */
    SummaryStat low, high;  /* the metric with the assumption at as->lo, at as->hi */
    double effect;          /* high.mean - low.mean */
} SweepEffect;

typedef struct SweepTornado {
    int n;
    SweepEffect *rows;      /* ranked by |effect|, largest first; ties keep the scenario's order */
    SummaryStat base;       /* the metric with every assumption at its value */
    cJSON *base_json;       /* summary_brief_json of that base run (owned) */
} SweepTornado;

/* Every assumption of base with a range (lo < hi), the metric at each end,
 * ranked: every low and high scenario is loaded first (a bad one stops all),
 * then the base point runs, then row by row low and high. On SWEEP_OK *out
 * is set (destroy it); else *out is NULL. No ranged assumption is
 * SWEEP_BAD_SPEC. */
SweepStatus sweep_tornado(const Scenario *base, const SweepSpec *s, int metric, SweepTornado **out, Diag *d);
void sweep_tornado_destroy(SweepTornado *t);

#endif
