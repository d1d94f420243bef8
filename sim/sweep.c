/* sweep.c — grids and tornadoes of batches: see sweep.h.
 *
 * Invariant: a point's batch depends only on the scenario file, the base
 * assignments, the point's own assignments (written exactly: exact_text)
 * and the spec's seed and runs — never on the order points run in or on
 * the thread count — so a sweep repeats bit for bit, and the tornado's base
 * point equals a plain `salvo batch` of the same scenario and seed.
 */
#include "sweep.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"

/* The shortest %g text of x that reads back to x itself (17 digits at most),
 * so that a point's --set gives the loader exactly the grid's double. */
static void exact_text(char *buf, size_t n, double x)
{
    for (int prec = 6; prec <= 17; prec++) {
        snprintf(buf, n, "%.*g", prec, x);
        if (strtod(buf, NULL) == x) return;
    }
}

/* --- the assignments of a point -------------------------------------------- */

/* The spec's sets followed by `nextra` assignments of the point's own. */
typedef struct PointSets {
    const char **sets;
    int nsets;
    char **extra;       /* nextra buffers, sets[nbase + k] == extra[k] */
    int nextra;
} PointSets;

/* Room for nextra assignments PATH=VALUE, no PATH longer than `longest`;
 * -1 when out of memory (d says so). */
static int point_sets_init(PointSets *ps, const SweepSpec *s, int nextra, size_t longest, Diag *d)
{
    memset(ps, 0, sizeof *ps);
    ps->sets = mem_calloc((size_t)s->nsets + (size_t)nextra + 1, sizeof *ps->sets);
    ps->extra = mem_calloc((size_t)nextra + 1, sizeof *ps->extra);
    if (!ps->sets || !ps->extra) goto oom;
    for (int i = 0; i < s->nsets; i++) ps->sets[i] = s->sets[i];
    for (int k = 0; k < nextra; k++) {
        /* '=', a %.17g number (at most 24 bytes) and the NUL */
        if (!(ps->extra[k] = mem_malloc(longest + 32))) goto oom;
        ps->extra[k][0] = '\0';
        ps->nextra = k + 1;
        ps->sets[s->nsets + k] = ps->extra[k];
    }
    ps->nsets = s->nsets + nextra;
    return 0;
oom:
    diag_add(d, 0, 0, "", "out of memory setting up the sweep");
    return -1;
}

static void point_sets_free(PointSets *ps)
{
    for (int k = 0; ps->extra && k < ps->nextra; k++) free(ps->extra[k]);
    free(ps->extra);
    free((void *)ps->sets);
}

/* Point assignment k: path=x. */
static void point_sets_put(PointSets *ps, int k, const char *path, double x)
{
    char num[40];
    exact_text(num, sizeof num, x);
    sprintf(ps->extra[k], "%s=%s", path, num);
}

/* --- one point --------------------------------------------------------------- */

/* A point's scenario, its model and its totals: alive until point_free. */
typedef struct PointRun {
    Scenario *s;
    BatchScenario *bs;
    Batch *b;           /* set when the batch ran to its end or was stopped */
} PointRun;

/* Load the point's scenario; SWEEP_OK or SWEEP_BAD_POINT. */
static SweepStatus point_load(const SweepSpec *s, const PointSets *ps, Scenario **out, Diag *d)
{
    *out = scenario_load(s->path, ps->sets, ps->nsets, d);
    return *out ? SWEEP_OK : SWEEP_BAD_POINT;
}

static void point_free(PointRun *pr)
{
    batch_destroy(pr->b);
    batch_scenario_destroy(pr->bs);
    scenario_destroy(pr->s);
    memset(pr, 0, sizeof *pr);
}

/* Run the batch of one point; pr->b is set on SWEEP_OK and SWEEP_STOPPED. */
static SweepStatus point_run(const SweepSpec *s, const PointSets *ps, PointRun *pr, Diag *d)
{
    memset(pr, 0, sizeof *pr);
    SweepStatus st = point_load(s, ps, &pr->s, d);
    if (st != SWEEP_OK) return st;
    if (!(pr->bs = batch_scenario_create(pr->s))) {
        diag_add(d, 0, 0, "", "the scenario has no metrics");
        return SWEEP_BAD_SPEC;
    }
    batch_scenario_set_uncertainty(pr->bs, s->uncertainty);
    BatchOptions o = s->batch;
    o.csv = NULL;
    o.csv_header = 0;
    o.checkpoint = NULL;
    o.fingerprint = NULL;
    o.target_metric = -1;
    o.share = NULL;
    Batch *b = batch_create(batch_scenario_model(pr->bs), d);
    if (!b || batch_run(b, &o, d) < 0) {
        batch_destroy(b);
        return SWEEP_FAILED;
    }
    pr->b = b;
    return batch_stopped(b) ? SWEEP_STOPPED : SWEEP_OK;
}

static void hand_over(const SweepSpec *s, long long index, const double *values, const PointRun *pr)
{
    if (!s->on_point) return;
    SweepPoint p = { index, values, pr->b, pr->s };
    s->on_point(s->arg, &p);
}

/* --- grid -------------------------------------------------------------------- */

static const Assumption *find_assumption(const Scenario *s, const char *path)
{
    const Assumption *found = NULL;
    for (int i = 0; i < scenario_assumption_count(s); i++)
        if (!strcmp(scenario_assumption(s, i)->path, path)) found = scenario_assumption(s, i);
    return found;
}

/* An axis without a range takes its assumption's; -1 with a message if none. */
static int resolve_axis(const Scenario *base, SweepAxis *ax, int default_steps, Diag *d)
{
    if (ax->ranged) return 0;
    const Assumption *found = find_assumption(base, ax->path);
    if (!found || !(found->hi > found->lo)) {
        diag_add(d, 0, 0, "", "--vary %s: %s; give PATH=LO:HI:STEPS", ax->path,
                 found ? "its assumption has no range" : "no assumption record with this path");
        return -1;
    }
    ax->lo = found->lo;
    ax->hi = found->hi;
    ax->steps = default_steps;
    return 0;
}

SweepGrid *sweep_grid_create(const Scenario *base, const SweepAxis *axes, int naxes, int default_steps,
                             Diag *d)
{
    SweepGrid *g = mem_calloc(1, sizeof *g);
    if (!g) goto oom;
    g->npoints = 1;
    for (int v = 0; v < naxes && v < SWEEP_MAX_AXES; v++) {
        SweepAxis *ax = &g->axes[v];
        *ax = axes[v];
        g->naxes = v + 1;
        if (resolve_axis(base, ax, default_steps, d) < 0) goto fail;
        if (!(g->values[v] = mem_malloc((size_t)ax->steps * sizeof *g->values[v]))) goto oom;
        for (int k = 0; k < ax->steps; k++)
            g->values[v][k] = ax->steps == 1 ? ax->lo : ax->lo + (ax->hi - ax->lo) * k / (ax->steps - 1);
        g->npoints *= ax->steps;
        if (g->npoints > SWEEP_MAX_POINTS) {
            diag_add(d, 0, 0, "", "the grid has more than %d points", SWEEP_MAX_POINTS);
            goto fail;
        }
    }
    return g;
oom:
    diag_add(d, 0, 0, "", "out of memory building the grid");
fail:
    sweep_grid_destroy(g);
    return NULL;
}

void sweep_grid_destroy(SweepGrid *g)
{
    if (!g) return;
    for (int v = 0; v < SWEEP_MAX_AXES; v++) free(g->values[v]);
    free(g);
}

/* Point pt's value on each axis (the last axis varies fastest), and its
 * assignments in ps. */
static void grid_point(const SweepGrid *g, long long pt, double *values, PointSets *ps)
{
    long long rest = pt;
    for (int v = g->naxes - 1; v >= 0; v--) {
        int idx = (int)(rest % g->axes[v].steps);
        rest /= g->axes[v].steps;
        values[v] = g->values[v][idx];
        point_sets_put(ps, v, g->axes[v].path, values[v]);
    }
}

static int grid_sets(const SweepGrid *g, const SweepSpec *s, PointSets *ps, Diag *d)
{
    size_t longest = 0;
    for (int v = 0; v < g->naxes; v++)
        if (strlen(g->axes[v].path) > longest) longest = strlen(g->axes[v].path);
    return point_sets_init(ps, s, g->naxes, longest, d);
}

SweepStatus sweep_grid_check(const SweepGrid *g, const SweepSpec *s, Diag *d)
{
    PointSets ps;
    double values[SWEEP_MAX_AXES];
    SweepStatus st = grid_sets(g, s, &ps, d) < 0 ? SWEEP_FAILED : SWEEP_OK;
    for (long long pt = 0; pt < g->npoints && st == SWEEP_OK; pt++) {
        Scenario *sc;
        grid_point(g, pt, values, &ps);
        st = point_load(s, &ps, &sc, d);
        scenario_destroy(sc);
    }
    point_sets_free(&ps);
    return st;
}

SweepStatus sweep_grid_run(const SweepGrid *g, const SweepSpec *s, Diag *d)
{
    PointSets ps;
    double values[SWEEP_MAX_AXES];
    SweepStatus st = grid_sets(g, s, &ps, d) < 0 ? SWEEP_FAILED : SWEEP_OK;
    for (long long pt = 0; pt < g->npoints && st == SWEEP_OK; pt++) {
        PointRun pr;
        grid_point(g, pt, values, &ps);
        st = point_run(s, &ps, &pr, d);
        hand_over(s, pt, values, &pr);
        point_free(&pr);
    }
    point_sets_free(&ps);
    return st;
}

/* --- tornado ----------------------------------------------------------------- */

/* The assumptions of s with a range, in the scenario's order. */
static int ranged_rows(const Scenario *s, SweepTornado *t, Diag *d)
{
    int n = scenario_assumption_count(s);
    if (!(t->rows = mem_calloc((size_t)n + 1, sizeof *t->rows))) {
        diag_add(d, 0, 0, "", "out of memory setting up the sweep");
        return -1;
    }
    for (int i = 0; i < n; i++) {
        const Assumption *as = scenario_assumption(s, i);
        if (as->hi > as->lo) t->rows[t->n++].as = as;
    }
    return 0;
}

/* Row k at its low (side 0) or high (side 1) end. */
static void tornado_point(const SweepTornado *t, int k, int side, PointSets *ps)
{
    const Assumption *as = t->rows[k].as;
    point_sets_put(ps, 0, as->path, side ? as->hi : as->lo);
}

static SweepStatus tornado_check(const SweepTornado *t, const SweepSpec *s, PointSets *ps, Diag *d)
{
    for (int k = 0; k < t->n; k++)
        for (int side = 0; side < 2; side++) {
            Scenario *sc;
            tornado_point(t, k, side, ps);
            SweepStatus st = point_load(s, ps, &sc, d);
            scenario_destroy(sc);
            if (st != SWEEP_OK) return st;
        }
    return SWEEP_OK;
}

/* The base point: every assumption at its value. */
static SweepStatus tornado_base(SweepTornado *t, const SweepSpec *s, int metric, Diag *d)
{
    PointSets base = { (const char **)s->sets, s->nsets, NULL, 0 };
    PointRun pr;
    SweepStatus st = point_run(s, &base, &pr, d);
    hand_over(s, -1, NULL, &pr);
    if (pr.b) {
        summary_stat(pr.b, metric, &t->base);
        t->base_json = summary_brief_json(pr.b, metric);
    }
    point_free(&pr);
    return st;
}

/* Every row's low and high runs, in row order. */
static SweepStatus tornado_ends(SweepTornado *t, const SweepSpec *s, int metric, PointSets *ps, Diag *d)
{
    for (int k = 0; k < t->n; k++)
        for (int side = 0; side < 2; side++) {
            PointRun pr;
            tornado_point(t, k, side, ps);
            SweepStatus st = point_run(s, ps, &pr, d);
            hand_over(s, 2LL * k + side, NULL, &pr);
            if (pr.b) summary_stat(pr.b, metric, side ? &t->rows[k].high : &t->rows[k].low);
            point_free(&pr);
            if (st != SWEEP_OK) return st;
        }
    return SWEEP_OK;
}

/* By |effect|, largest first; an insertion sort (a handful of rows) keeps
 * equal effects in the scenario's order. */
static void tornado_rank(SweepTornado *t)
{
    for (int k = 0; k < t->n; k++) t->rows[k].effect = t->rows[k].high.mean - t->rows[k].low.mean;
    for (int i = 1; i < t->n; i++) {
        SweepEffect e = t->rows[i];
        int j = i;
        while (j > 0 && fabs(t->rows[j - 1].effect) < fabs(e.effect)) {
            t->rows[j] = t->rows[j - 1];
            j--;
        }
        t->rows[j] = e;
    }
}

SweepStatus sweep_tornado(const Scenario *base, const SweepSpec *s, int metric, SweepTornado **out, Diag *d)
{
    *out = NULL;
    SweepTornado *t = mem_calloc(1, sizeof *t);
    PointSets ps = { 0 };
    SweepStatus st = SWEEP_FAILED;
    if (!t) {
        diag_add(d, 0, 0, "", "out of memory setting up the sweep");
        return st;
    }
    if (ranged_rows(base, t, d) < 0) goto done;
    if (t->n == 0) {
        diag_add(d, 0, 0, "", "%s has no assumption with a range", s->path);
        st = SWEEP_BAD_SPEC;
        goto done;
    }
    size_t longest = 0;
    for (int k = 0; k < t->n; k++)
        if (strlen(t->rows[k].as->path) > longest) longest = strlen(t->rows[k].as->path);
    if (point_sets_init(&ps, s, 1, longest, d) < 0) goto done;
    if ((st = tornado_check(t, s, &ps, d)) != SWEEP_OK) goto done;
    if ((st = tornado_base(t, s, metric, d)) != SWEEP_OK) goto done;
    if ((st = tornado_ends(t, s, metric, &ps, d)) != SWEEP_OK) goto done;
    tornado_rank(t);
    *out = t;
    t = NULL;
done:
    point_sets_free(&ps);
    sweep_tornado_destroy(t);
    return st;
}

void sweep_tornado_destroy(SweepTornado *t)
{
    if (!t) return;
    cJSON_Delete(t->base_json);
    free(t->rows);
    free(t);
}
