/* fit.c — history matching by ABC (fit.h, docs/validation.md).
 *
 * Invariant: row r of the table is replication r of `salvo batch FILE
 * --uncertainty --seed S`, whichever thread wrote it, and every sum runs
 * over the rows in order: results do not depend on the thread count.
 */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "fit.h"
#include "mem.h"

typedef struct Table {
    const Scenario *s;
    const FitOptions *o;
    int na, no, nm, width;
    double *rows;                   /* runs x width: assumptions, observations, metrics */
    pthread_mutex_t lock;
    uint64_t next;                  /* next replication to hand out */
    uint64_t done;                  /* replications finished (a prefix, see below) */
    unsigned char *finished;
    int failed;
} Table;

double fit_scale(const Observation *o)
{
    double mid = 0.5 * (o->low + o->high), h = 0.5 * (o->high - o->low);
    if (h < 0.05 * fabs(mid)) h = 0.05 * fabs(mid);
    if (o->whole && h < 0.5) h = 0.5;
    if (h <= 0) h = 1e-9;
    return h;
}

static void *worker(void *arg)
{
    Table *t = arg;
    Sim *sim = sim_create(t->s);
    if (!sim) {
        pthread_mutex_lock(&t->lock);
        t->failed = 1;
        pthread_mutex_unlock(&t->lock);
        return NULL;
    }
    sim_set_sink(sim, NULL);
    sim_set_uncertainty(sim, 1);
    for (;;) {
        pthread_mutex_lock(&t->lock);
        uint64_t r = t->next;
        int go = r < t->o->runs && !t->failed && !(t->o->stop && *t->o->stop);
        if (go) t->next++;
        pthread_mutex_unlock(&t->lock);
        if (!go) break;
        double *row = t->rows + r * (uint64_t)t->width;
        sim_reset(sim, t->o->seed, r);
        /* As drawn: effects during the run may change a parameter. */
        for (int a = 0; a < t->na; a++) row[a] = sim_assumption_value(sim, a);
        sim_run(sim, INFINITY);
        const double *ob = sim_observations(sim);
        for (int k = 0; k < t->no; k++) row[t->na + k] = ob[k];
        sim_metrics(sim, row + t->na + t->no);
        pthread_mutex_lock(&t->lock);
        t->finished[r] = 1;
        pthread_mutex_unlock(&t->lock);
    }
    sim_destroy(sim);
    return NULL;
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
static void column(const Table *t, uint64_t n, int j, const double *w, Pair *buf, FitStat *st)
{
    uint64_t m = 0;
    double s0 = 0, s1 = 0, s2 = 0, ws = 0, w1 = 0, w2 = 0;
    for (uint64_t r = 0; r < n; r++) {
        double x = t->rows[r * (uint64_t)t->width + (uint64_t)j];
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

void fit_free(Fit *f)
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

/* Run the replications into t->rows (allocated here). The prefix of rows
 * all done, or -1 when out of memory. */
static int64_t run_table(Table *t)
{
    const FitOptions *o = t->o;
    int nth = o->threads > 0 ? o->threads : 1, started = 0;
    pthread_t *th = mem_calloc((size_t)nth, sizeof *th);
    t->rows = mem_malloc((size_t)o->runs * (size_t)(t->width ? t->width : 1) * sizeof *t->rows);
    t->finished = mem_calloc((size_t)o->runs, 1);
    if (!th || !t->rows || !t->finished) {
        free(th);
        return -1;
    }
    pthread_mutex_init(&t->lock, NULL);
    for (int i = 0; i < nth; i++)
        if (pthread_create(&th[i], NULL, worker, t) == 0) started++;
    for (int i = 0; i < started; i++) pthread_join(th[i], NULL);
    pthread_mutex_destroy(&t->lock);
    free(th);
    if (t->failed || started == 0) return -1;
    /* An interrupted run keeps the prefix of replications all done. */
    uint64_t n = 0;
    while (n < o->runs && t->finished[n]) n++;
    return (int64_t)n;
}

double *fit_sample(const Scenario *s, const FitOptions *o, uint64_t *done, int *width, Diag *d)
{
    Table t;
    memset(&t, 0, sizeof t);
    t.s = s;
    t.o = o;
    t.na = scenario_assumption_count(s);
    t.no = scenario_observation_count(s);
    t.nm = scenario_metric_count(s);
    t.width = t.na + t.no + t.nm;
    int64_t n = o->runs ? run_table(&t) : -1;
    free(t.finished);
    if (n < 0) {
        diag_add(d, 0, 0, "", "out of memory for %llu replications x %d values", (unsigned long long)o->runs, t.width);
        free(t.rows);
        return NULL;
    }
    *done = (uint64_t)n;
    *width = t.width;
    return t.rows;
}

Fit *fit_run(const Scenario *s, const FitOptions *o, Diag *d)
{
    Table t;
    memset(&t, 0, sizeof t);
    t.s = s;
    t.o = o;
    t.na = scenario_assumption_count(s);
    t.no = scenario_observation_count(s);
    t.nm = scenario_metric_count(s);
    t.width = t.na + t.no + t.nm;
    Fit *f = mem_calloc(1, sizeof *f);
    double *w = NULL;
    Pair *buf = NULL;
    if (!f || o->runs == 0) goto oom;
    w = mem_malloc((size_t)o->runs * sizeof *w);
    buf = mem_malloc((size_t)o->runs * sizeof *buf);
    f->used = mem_calloc((size_t)t.no + 1, sizeof *f->used);
    f->scale = mem_calloc((size_t)t.no + 1, sizeof *f->scale);
    f->assumption = mem_calloc((size_t)t.na + 1, sizeof *f->assumption);
    f->obs = mem_calloc((size_t)t.no + 1, sizeof *f->obs);
    f->obs_pit = mem_calloc((size_t)t.no + 1, sizeof *f->obs_pit);
    f->metric = mem_calloc((size_t)t.nm + 1, sizeof *f->metric);
    if (!w || !buf || !f->used || !f->scale || !f->assumption || !f->obs || !f->obs_pit || !f->metric)
        goto oom;
    int64_t done = run_table(&t);
    if (done < 0) goto oom;
    uint64_t n = (uint64_t)done;
    f->runs = n;
    f->nassumptions = t.na;
    f->nobs = t.no;
    f->nmetrics = t.nm;
    for (int k = 0; k < t.no; k++) {
        const Observation *ob = scenario_observation(s, k);
        f->scale[k] = fit_scale(ob);
        f->used[k] = !ob->held_out && ob->t <= o->until + 1;
        f->nused += f->used[k];
    }
    /* Log-weights first, then scaled by the largest, so that a fit with
     * many observations does not underflow every weight to 0. */
    double top = -INFINITY;
    for (uint64_t r = 0; r < n; r++) {
        const double *row = t.rows + r * (uint64_t)t.width;
        double lw = 0;
        for (int k = 0; k < t.no; k++) {
            if (!f->used[k]) continue;
            const Observation *ob = scenario_observation(s, k);
            double y = row[t.na + k], z = (y - 0.5 * (ob->low + ob->high)) / f->scale[k];
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
    for (int a = 0; a < t.na; a++) column(&t, n, a, w, buf, &f->assumption[a]);
    for (int k = 0; k < t.no; k++) {
        column(&t, n, t.na + k, w, buf, &f->obs[k]);
        const Observation *ob = scenario_observation(s, k);
        double mid = 0.5 * (ob->low + ob->high), below = 0, at = 0, tot = 0;
        for (uint64_t r = 0; r < n; r++) {
            double y = t.rows[r * (uint64_t)t.width + (uint64_t)(t.na + k)];
            if (isnan(y)) continue;
            tot += w[r];
            if (y < mid) below += w[r];
            else if (y == mid) at += w[r];
        }
        f->obs_pit[k] = tot > 0 ? (below + 0.5 * at) / tot : NAN;
    }
    for (int m = 0; m < t.nm; m++) column(&t, n, t.na + t.no + m, w, buf, &f->metric[m]);
    free(t.rows);
    free(t.finished);
    f->weight = w;     /* the caller's now (fit_free) */
    w = NULL;
    free(buf);
    return f;
oom:
    diag_add(d, 0, 0, "", "out of memory for the fit (it holds %llu replications x %d values)",
             (unsigned long long)o->runs, t.width);
    free(t.rows);
    free(t.finished);
    free(w);
    free(buf);
    fit_free(f);
    return NULL;
}
