/* fit.c — history matching by ABC (fit.h, docs/validation.md).
 *
 * Invariant: row r of the table is replication r of `salvo batch FILE
 * --uncertainty --seed S`, whichever thread or rank ran it: the rows come
 * from the batch engine (sim/batch.h) through its CSV, which it writes in
 * replication order whatever the threads, the MPI ranks or a resume, and
 * every sum runs over the rows in order. So the fit is the same on any
 * thread count, under MPI and after a checkpoint.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "fit.h"
#include "mem.h"

/* The fit's model: replication r of `salvo batch FILE --uncertainty`,
 * whose "metrics" are the row the fit needs. Its columns are plain totals
 * (MET_TOTAL), so the batch CSV writes +inf as "inf" and NaN as an empty
 * cell, and every value reads back bit for bit (batch.c writes the
 * shortest text that does). */
struct FitModel {
    const Scenario *s;
    int na, no, nm;
    MetricInfo *cols;               /* na + no + nm columns */
    char *names;                    /* their ids: "assumption:PATH", "observation:ID", "metric:ID" */
    BatchModel model;
};

typedef struct FitWorker {
    const FitModel *fm;
    Sim *sim;
    uint64_t events;
} FitWorker;

static void *fit_worker_create(void *ctx)
{
    FitWorker *w = mem_calloc(1, sizeof *w);
    if (!w) return NULL;
    w->fm = ctx;
    if (!(w->sim = sim_create(w->fm->s))) {
        free(w);
        return NULL;
    }
    sim_set_sink(w->sim, NULL);
    sim_set_uncertainty(w->sim, 1);
    return w;
}

static void fit_worker_destroy(void *worker)
{
    FitWorker *w = worker;
    if (!w) return;
    sim_destroy(w->sim);
    free(w);
}

static void fit_replicate(void *worker, uint64_t seed, uint64_t rep, double *row, double *series)
{
    (void)series;
    FitWorker *w = worker;
    const FitModel *fm = w->fm;
    sim_reset(w->sim, seed, rep);
    /* As drawn: effects during the run may change a parameter. */
    for (int a = 0; a < fm->na; a++) row[a] = sim_assumption_value(w->sim, a);
    sim_run(w->sim, INFINITY);
    memcpy(row + fm->na, sim_observations(w->sim), (size_t)fm->no * sizeof *row);
    sim_metrics(w->sim, row + fm->na + fm->no);
    w->events += sim_events(w->sim);
}

static uint64_t fit_worker_events(void *worker)
{
    return ((const FitWorker *)worker)->events;
}

FitModel *fit_model_create(const Scenario *s)
{
    FitModel *fm = mem_calloc(1, sizeof *fm);
    if (!fm) return NULL;
    fm->s = s;
    fm->na = scenario_assumption_count(s);
    fm->no = scenario_observation_count(s);
    fm->nm = scenario_metric_count(s);
    int width = fm->na + fm->no + fm->nm;
    size_t bytes = 1;
    for (int j = 0; j < width; j++) {
        const char *id = j < fm->na ? scenario_assumption(s, j)->path
                         : j < fm->na + fm->no ? scenario_observation(s, j - fm->na)->id
                                               : scenario_metric(s, j - fm->na - fm->no)->id;
        bytes += strlen(id) + sizeof "observation:";
    }
    fm->cols = mem_calloc((size_t)width + 1, sizeof *fm->cols);
    fm->names = mem_malloc(bytes);
    if (!fm->cols || !fm->names) {
        fit_model_destroy(fm);
        return NULL;
    }
    char *p = fm->names;
    for (int j = 0; j < width; j++) {
        MetricInfo *c = &fm->cols[j];
        c->id = p;
        if (j < fm->na) {
            p += sprintf(p, "assumption:%s", scenario_assumption(s, j)->path) + 1;
        } else if (j < fm->na + fm->no) {
            const Observation *o = scenario_observation(s, j - fm->na);
            p += sprintf(p, "observation:%s", o->id) + 1;
            c->unit = o->unit;
        } else {
            const MetricInfo *mi = scenario_metric(s, j - fm->na - fm->no);
            p += sprintf(p, "metric:%s", mi->id) + 1;
            c->unit = mi->unit;
        }
        c->label = c->id;
        if (!c->unit) c->unit = "";
        c->kind = MET_TOTAL;
    }
    fm->model = (BatchModel){ .nmetrics = width, .metrics = fm->cols, .start_day = scenario_start(s),
                              .horizon = scenario_end(s), .ctx = fm, .worker_create = fit_worker_create,
                              .worker_destroy = fit_worker_destroy, .replicate = fit_replicate,
                              .worker_events = fit_worker_events };
    return fm;
}

void fit_model_destroy(FitModel *fm)
{
    if (!fm) return;
    free(fm->cols);
    free(fm->names);
    free(fm);
}

const BatchModel *fit_model(const FitModel *fm)
{
    return &fm->model;
}

double *fit_rows_read(FILE *in, const BatchModel *m, uint64_t n, Diag *d)
{
    int width = m->nmetrics;
    double *rows = mem_malloc(((size_t)n * (size_t)width + 1) * sizeof *rows);
    char *line = NULL;
    size_t cap = 0;
    if (!rows) {
        diag_add(d, 0, 0, "", "out of memory for %" PRIu64 " replications x %d values", n, width);
        return NULL;
    }
    /* The header, then row r is replication r with width values. */
    ssize_t len = getline(&line, &cap, in);
    if (len < 0 || strncmp(line, "rep,seed_key", 12) != 0) goto bad;
    for (uint64_t r = 0; r < n; r++) {
        if ((len = getline(&line, &cap, in)) < 0) goto bad;
        char *p = line, *end;
        errno = 0;
        unsigned long long rep = strtoull(p, &end, 10);
        if (errno || end == p || *end != ',' || rep != r) goto bad;
        p = strchr(end + 1, ',');
        if (!p) goto bad;
        for (int j = 0; j < width; j++) {
            if (*p != ',') goto bad;
            p++;
            double *x = &rows[r * (uint64_t)width + (uint64_t)j];
            if (*p == ',' || *p == '\n') {
                *x = NAN;       /* an empty cell: a value the run never reached */
                continue;
            }
            *x = strtod(p, &end);
            if (end == p) goto bad;
            p = end;
        }
        if (*p != '\n') goto bad;
    }
    free(line);
    return rows;
bad:
    diag_add(d, 0, 0, "", "the replications' rows do not read back (expected %" PRIu64 " rows of %d values)", n,
             width);
    free(line);
    free(rows);
    return NULL;
}

double fit_scale(const Observation *o)
{
    double mid = 0.5 * (o->low + o->high), h = 0.5 * (o->high - o->low);
    if (h < 0.05 * fabs(mid)) h = 0.05 * fabs(mid);
    if (o->whole && h < 0.5) h = 0.5;
    if (h <= 0) h = 1e-9;
    return h;
}

typedef struct Pair { double x, w; uint64_t r; } Pair;

static int by_value(const void *a, const void *b)
{
    const Pair *p = a, *q = b;
    if (p->x < q->x) return -1;
    if (p->x > q->x) return 1;
    return p->r < q->r ? -1 : p->r > q->r;  /* ties in replication order: a total order */
}

/* The lower weighted q-quantile: the smallest x whose cumulative weight
 * reaches q of the total (pairs sorted). */
static double wquantile(const Pair *p, uint64_t n, double total, double q)
{
    double c = 0;
    for (uint64_t i = 0; i < n; i++) {
        c += p[i].w;
        if (c >= q * total * (1 - 1e-12)) return p[i].x;
    }
    return n ? p[n - 1].x : NAN;
}

/* Column j's prior and posterior statistics over rows 0..n-1 (NaN values,
 * such as an observation a halted run never reached, are left out). */
static void column(const double *rows, int width, uint64_t n, int j, const double *w, Pair *buf, FitStat *st)
{
    uint64_t m = 0;
    double s0 = 0, s1 = 0, s2 = 0, ws = 0, w1 = 0, w2 = 0;
    for (uint64_t r = 0; r < n; r++) {
        double x = rows[r * (uint64_t)width + (uint64_t)j];
        if (isnan(x)) continue;
        buf[m++] = (Pair){ x, w[r], r };
        if (isfinite(x)) {
            s0 += 1;
            s1 += x;
            s2 += x * x;
            ws += w[r];
            w1 += w[r] * x;
            w2 += w[r] * x * x;
        }
    }
    st->prior_mean = s0 > 0 ? s1 / s0 : NAN;
    st->prior_sd = s0 > 1 ? sqrt(fmax(0, (s2 - s1 * s1 / s0) / (s0 - 1))) : NAN;
    st->post_mean = ws > 0 ? w1 / ws : NAN;
    st->post_sd = ws > 0 ? sqrt(fmax(0, w2 / ws - (w1 / ws) * (w1 / ws))) : NAN;
    qsort(buf, (size_t)m, sizeof *buf, by_value);
    double wt = 0;
    for (uint64_t i = 0; i < m; i++) wt += buf[i].w;
    st->post_p5 = wquantile(buf, m, wt, 0.05);
    st->post_p25 = wquantile(buf, m, wt, 0.25);
    st->post_p50 = wquantile(buf, m, wt, 0.50);
    st->post_p75 = wquantile(buf, m, wt, 0.75);
    st->post_p95 = wquantile(buf, m, wt, 0.95);
    /* The prior's quantiles: the same pairs, every weight 1. */
    for (uint64_t i = 0; i < m; i++) buf[i].w = 1;
    st->prior_p5 = wquantile(buf, m, (double)m, 0.05);
    st->prior_p50 = wquantile(buf, m, (double)m, 0.50);
    st->prior_p95 = wquantile(buf, m, (double)m, 0.95);
}

void fit_destroy(Fit *f)
{
    if (!f) return;
    free(f->used);
    free(f->scale);
    free(f->assumption);
    free(f->obs);
    free(f->obs_pit);
    free(f->metric);
    free(f->weight);
    free(f);
}

double *fit_sample(const Scenario *s, const FitOptions *o, uint64_t *done, int *width, Diag *d)
{
    FitModel *fm = fit_model_create(s);
    Batch *b = fm ? batch_create(fit_model(fm), d) : NULL;
    FILE *tmp = b ? tmpfile() : NULL;
    double *rows = NULL;
    if (!tmp) {
        if (!diag_errors(d)) diag_add(d, 0, 0, "", "out of memory (or no temporary file) for the replications");
        goto out;
    }
    BatchOptions bo;
    memset(&bo, 0, sizeof bo);
    bo.seed = o->seed;
    bo.runs = o->runs;
    bo.threads = o->threads > 0 ? o->threads : 1;
    bo.target_metric = -1;
    bo.csv = tmp;
    bo.csv_header = 1;
    bo.stop = o->stop;
    if (batch_run(b, &bo, d) < 0) goto out;
    rewind(tmp);
    if ((rows = fit_rows_read(tmp, fit_model(fm), batch_done(b), d))) {
        *done = batch_done(b);
        *width = fit_model(fm)->nmetrics;
    }
out:
    if (tmp) fclose(tmp);
    batch_destroy(b);
    fit_model_destroy(fm);
    return rows;
}

Fit *fit_run(const Scenario *s, const FitOptions *o, Diag *d)
{
    uint64_t n = 0;
    int width = 0;
    double *rows = o->runs ? fit_sample(s, o, &n, &width, d) : NULL;
    if (!rows) {
        if (!diag_errors(d)) diag_add(d, 0, 0, "", "a fit needs at least one replication");
        return NULL;
    }
    Fit *f = fit_weigh(s, rows, n, o->until, d);
    free(rows);
    return f;
}

Fit *fit_weigh(const Scenario *s, const double *rows, uint64_t n, double until, Diag *d)
{
    int na = scenario_assumption_count(s), no = scenario_observation_count(s), nm = scenario_metric_count(s);
    int width = na + no + nm;
    Fit *f = mem_calloc(1, sizeof *f);
    double *w = NULL;
    Pair *buf = NULL;
    if (!f || n == 0) goto oom;
    w = mem_malloc((size_t)n * sizeof *w);
    buf = mem_malloc((size_t)n * sizeof *buf);
    f->used = mem_calloc((size_t)no + 1, sizeof *f->used);
    f->scale = mem_calloc((size_t)no + 1, sizeof *f->scale);
    f->assumption = mem_calloc((size_t)na + 1, sizeof *f->assumption);
    f->obs = mem_calloc((size_t)no + 1, sizeof *f->obs);
    f->obs_pit = mem_calloc((size_t)no + 1, sizeof *f->obs_pit);
    f->metric = mem_calloc((size_t)nm + 1, sizeof *f->metric);
    if (!w || !buf || !f->used || !f->scale || !f->assumption || !f->obs || !f->obs_pit || !f->metric)
        goto oom;
    f->runs = n;
    f->nassumptions = na;
    f->nobs = no;
    f->nmetrics = nm;
    for (int k = 0; k < no; k++) {
        const Observation *ob = scenario_observation(s, k);
        f->scale[k] = fit_scale(ob);
        f->used[k] = !ob->held_out && ob->t <= until + 1;
        f->nused += f->used[k];
    }
    /* Log-weights first, then scaled by the largest, so that a fit with
     * many observations does not underflow every weight to 0. */
    double top = -INFINITY;
    for (uint64_t r = 0; r < n; r++) {
        const double *row = rows + r * (uint64_t)width;
        double lw = 0;
        for (int k = 0; k < no; k++) {
            if (!f->used[k]) continue;
            const Observation *ob = scenario_observation(s, k);
            double y = row[na + k], z = (y - 0.5 * (ob->low + ob->high)) / f->scale[k];
            lw += isnan(y) ? -INFINITY : -0.5 * z * z;
        }
        w[r] = lw;
        if (lw > top) top = lw;
    }
    double s1 = 0, s2 = 0;
    for (uint64_t r = 0; r < n; r++) {
        w[r] = isfinite(top) ? exp(w[r] - top) : 0;
        s1 += w[r];
        s2 += w[r] * w[r];
    }
    f->wsum = s1;
    f->max_w = isfinite(top) ? exp(top) : 0;
    f->ess = s2 > 0 ? s1 * s1 / s2 : 0;
    for (int a = 0; a < na; a++) column(rows, width, n, a, w, buf, &f->assumption[a]);
    for (int k = 0; k < no; k++) {
        column(rows, width, n, na + k, w, buf, &f->obs[k]);
        const Observation *ob = scenario_observation(s, k);
        double mid = 0.5 * (ob->low + ob->high), below = 0, at = 0, tot = 0;
        for (uint64_t r = 0; r < n; r++) {
            double y = rows[r * (uint64_t)width + (uint64_t)(na + k)];
            if (isnan(y)) continue;
            tot += w[r];
            if (y < mid) below += w[r];
            else if (y == mid) at += w[r];
        }
        f->obs_pit[k] = tot > 0 ? (below + 0.5 * at) / tot : NAN;
    }
    for (int m = 0; m < nm; m++) column(rows, width, n, na + no + m, w, buf, &f->metric[m]);
    f->weight = w;     /* the caller's now (fit_destroy) */
    free(buf);
    return f;
oom:
    diag_add(d, 0, 0, "", "out of memory for the fit (it holds %" PRIu64 " replications x %d values)", n, width);
    free(w);
    free(buf);
    fit_destroy(f);
    return NULL;
}
