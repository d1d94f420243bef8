/* summary.c — statistics and JSON from batch totals: see summary.h.
 * Invariant: nothing here reads anything but the totals, the model's
 * metric records and (only for "run") the provenance passed in. */
#include "summary.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "afile.h"
#include "cal.h"

/* The metric that dimension dim belongs to (its scalar or a series point). */
static const MetricInfo *dim_metric(const Batch *b, int dim)
{
    const BatchModel *m = batch_model(b);
    if (dim < m->nmetrics) return &m->metrics[dim];
    for (int i = 0; i < m->nmetrics; i++) {
        int d0 = batch_series_dim(b, i, 0);
        if (d0 >= 0 && dim >= d0 && dim < d0 + m->metrics[i].series_len) return &m->metrics[i];
    }
    return NULL;
}

/* A quantile of a whole-number metric is a whole number: the one nearest
 * the estimate. Below 1/(2 alpha) = 100 a bucket is narrower than 1, so
 * this is the true order statistic exactly; above, it moves the estimate
 * by at most half a unit (docs/batch.md). */
static double whole(double x)
{
    return isfinite(x) ? nearbyint(x) : x;
}

void summary_stat(const Batch *b, int dim, SummaryStat *out)
{
    const StatSketch *sk = batch_sketch(b, dim);
    StatMoments m = batch_moments(b, dim);
    const MetricInfo *mi = dim_metric(b, dim);
    memset(out, 0, sizeof *out);
    out->n = sk->n;
    out->n_finite = m.n;
    out->n_never = sk->pinf;
    out->n_missing = sk->nan;
    if (m.n > 0) {
        out->mean = m.mean;
        out->sd = stats_moments_sd(&m);
        out->halfwidth = stats_moments_halfwidth(&m);
        out->ci_lo = m.mean - out->halfwidth;
        out->ci_hi = m.mean + out->halfwidth;
        out->min = m.min;
        out->max = m.max;
    } else {
        out->mean = out->sd = out->halfwidth = out->ci_lo = out->ci_hi = NAN;
        out->min = out->max = NAN;
    }
    double lo = m.n ? m.min : -INFINITY, hi = m.n ? m.max : INFINITY;
    static const double qs[5] = { 0.05, 0.25, 0.50, 0.75, 0.95 };
    double *dst[5] = { &out->p5, &out->p25, &out->median, &out->p75, &out->p95 };
    for (int k = 0; k < 5; k++) {
        double x = stats_sketch_quantile_within(sk, qs[k], lo, hi);
        *dst[k] = mi && (mi->whole || mi->kind == MET_FLAG) ? whole(x) : x;
    }
}

double summary_prob_by(const Batch *b, int metric, int64_t day)
{
    const StatDays *d = batch_days(b, metric);
    const StatSketch *sk;
    if (!d || d->ndays == 0) return NAN;
    sk = batch_sketch(b, metric);
    if (sk->n == 0) return NAN;
    int64_t rel = day - batch_model(b)->start_day;
    /* The last day also holds values clamped from beyond the horizon. */
    if (rel >= d->ndays - 1) rel = d->ndays - 1;
    return (double)stats_days_upto(d, rel) / (double)sk->n;
}

cJSON *summary_number(double x)
{
    if (isnan(x)) return cJSON_CreateNull();
    if (isinf(x)) return cJSON_CreateString(x > 0 ? "never" : "-inf");
    return cJSON_CreateNumber(x);
}

static void add_num(cJSON *o, const char *key, double x)
{
    cJSON_AddItemToObject(o, key, summary_number(x));
}

/* A spread (sd, half-width, CI bound): a number, or null when undefined
 * (n < 2 gives an infinite half-width, which is not a "never"). */
static cJSON *spread(double x)
{
    return isfinite(x) ? cJSON_CreateNumber(x) : cJSON_CreateNull();
}

static const char *kind_name(MetricKind k)
{
    switch (k) {
    case MET_TOTAL: return "total";
    case MET_TIME: return "time";
    case MET_FLAG: return "flag";
    case MET_LEVEL: return "level";
    }
    return "?";
}

/* The histogram: SUMMARY_HIST_BINS equal bins over [min, max] of the finite
 * values (two bins 0 | 1 for a flag), filled from the sketch's buckets. */
typedef struct Hist {
    double lo, width;
    int nbins;
    int whole;          /* whole-number values: bucket values rounded first */
    double counts[SUMMARY_HIST_BINS];
} Hist;

static void hist_add(void *arg, double value, uint64_t count)
{
    Hist *h = arg;
    if (h->whole) value = nearbyint(value);
    int i = h->width > 0 ? (int)floor((value - h->lo) / h->width) : 0;
    if (i < 0) i = 0;
    if (i >= h->nbins) i = h->nbins - 1;
    h->counts[i] += (double)count;
}

static cJSON *histogram_json(const Batch *b, int dim, const MetricInfo *mi, const SummaryStat *st)
{
    cJSON *o = cJSON_CreateObject();
    cJSON *edges = cJSON_AddArrayToObject(o, "edges");
    cJSON *counts = cJSON_AddArrayToObject(o, "counts");
    if (st->n_finite == 0) return o;
    Hist h;
    memset(&h, 0, sizeof h);
    double last;
    if (mi->kind == MET_FLAG) {
        h.lo = 0.0;
        h.nbins = 2;
        h.width = 0.5;
        last = 1.0;
    } else if (mi->whole) {
        /* Bins of whole width starting at the minimum: [k, k + w), so a
         * value 5 is in the bin that starts at 5, never in [4.8, 5). */
        double span = st->max - st->min + 1;
        h.lo = st->min;
        h.width = span <= SUMMARY_HIST_BINS ? 1 : ceil(span / SUMMARY_HIST_BINS);
        h.nbins = (int)ceil(span / h.width);
        h.whole = 1;
        last = h.lo + h.width * h.nbins;
    } else {
        h.lo = st->min;
        h.nbins = st->max > st->min ? SUMMARY_HIST_BINS : 1;
        h.width = (st->max - st->min) / h.nbins;
        last = st->max;     /* exact, not lo + n w */
    }
    stats_sketch_each(batch_sketch(b, dim), hist_add, &h);
    for (int i = 0; i <= h.nbins; i++)
        cJSON_AddItemToArray(edges, cJSON_CreateNumber(i == h.nbins ? last : h.lo + h.width * i));
    for (int i = 0; i < h.nbins; i++) cJSON_AddItemToArray(counts, cJSON_CreateNumber(h.counts[i]));
    return o;
}

static void stat_fields(cJSON *o, const SummaryStat *st)
{
    cJSON_AddNumberToObject(o, "n", (double)st->n);
    add_num(o, "mean", st->mean);
    cJSON_AddItemToObject(o, "sd", spread(st->sd));
    cJSON *ci = cJSON_AddArrayToObject(o, "ci95");
    cJSON_AddItemToArray(ci, spread(st->ci_lo));
    cJSON_AddItemToArray(ci, spread(st->ci_hi));
    cJSON_AddItemToObject(o, "halfwidth", spread(st->halfwidth));
    add_num(o, "min", st->min);
    add_num(o, "p5", st->p5);
    add_num(o, "p25", st->p25);
    add_num(o, "median", st->median);
    add_num(o, "p75", st->p75);
    add_num(o, "p95", st->p95);
    add_num(o, "max", st->max);
    if (st->n_missing) cJSON_AddNumberToObject(o, "n_missing", (double)st->n_missing);
}

/* The empirical CDF of a TIME metric at every month end within the
 * horizon, and at the horizon's last day. */
static cJSON *cdf_json(const Batch *b, int metric)
{
    const BatchModel *m = batch_model(b);
    const StatDays *d = batch_days(b, metric);
    cJSON *arr = cJSON_CreateArray();
    if (!d || d->ndays == 0) return arr;
    /* The calendar's end date: t = horizon is its 00:00, still counted. */
    int64_t last = m->start_day + (int64_t)ceil(m->horizon);
    if (last < m->start_day) last = m->start_day;
    for (int64_t day = m->start_day; day <= last; day++) {
        int y, mo, dd, y2, mo2, dd2;
        cal_civil(day, &y, &mo, &dd);
        cal_civil(day + 1, &y2, &mo2, &dd2);
        if (mo2 == mo && day != last) continue;
        char date[11];
        cal_format(day, date);
        cJSON *p = cJSON_CreateObject();
        cJSON_AddStringToObject(p, "date", date);
        cJSON_AddNumberToObject(p, "day", (double)(day - m->start_day));
        add_num(p, "p", summary_prob_by(b, metric, day));
        cJSON_AddItemToArray(arr, p);
    }
    return arr;
}

static cJSON *metric_json(const Batch *b, int i)
{
    const MetricInfo *mi = &batch_model(b)->metrics[i];
    SummaryStat st;
    summary_stat(b, i, &st);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "label", mi->label ? mi->label : mi->id);
    cJSON_AddStringToObject(o, "unit", mi->unit ? mi->unit : "");
    cJSON_AddStringToObject(o, "kind", kind_name(mi->kind));
    cJSON_AddStringToObject(o, "better", mi->better > 0 ? "higher" : mi->better < 0 ? "lower" : "neither");
    stat_fields(o, &st);
    if (mi->kind == MET_TIME) {
        cJSON_AddNumberToObject(o, "n_never", (double)st.n_never);
        add_num(o, "never_fraction", st.n ? (double)st.n_never / (double)st.n : NAN);
        cJSON_AddItemToObject(o, "cdf", cdf_json(b, i));
    }
    cJSON_AddItemToObject(o, "histogram", histogram_json(b, i, mi, &st));
    return o;
}

cJSON *summary_series_json(const Batch *b, int i)
{
    const BatchModel *m = batch_model(b);
    const MetricInfo *mi = &m->metrics[i];
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "t0", mi->series_t0);
    cJSON_AddNumberToObject(o, "dt", mi->series_dt);
    cJSON *t = cJSON_AddArrayToObject(o, "t");
    cJSON *dates = cJSON_AddArrayToObject(o, "dates");
    static const char *const names[6] = { "mean", "p5", "p25", "p50", "p75", "p95" };
    cJSON *band[6];
    for (int k = 0; k < 6; k++) band[k] = cJSON_AddArrayToObject(o, names[k]);
    for (int j = 0; j < mi->series_len; j++) {
        double tj = mi->series_t0 + mi->series_dt * j;
        char date[11];
        cal_format_t(m->start_day, tj, date);
        cJSON_AddItemToArray(t, cJSON_CreateNumber(tj));
        cJSON_AddItemToArray(dates, cJSON_CreateString(date));
        SummaryStat st;
        summary_stat(b, batch_series_dim(b, i, j), &st);
        double v[6] = { st.mean, st.p5, st.p25, st.median, st.p75, st.p95 };
        for (int k = 0; k < 6; k++) cJSON_AddItemToArray(band[k], summary_number(v[k]));
    }
    return o;
}

void summary_run_scenario(SummaryRun *run, const Scenario *s)
{
    run->scenario = scenario_name(s);
    run->sha256 = scenario_sha256(s);
    run->title = scenario_title(s);
    run->description = scenario_description(s);
    run->start_day = scenario_start(s);
    run->has_start = 1;
}

cJSON *summary_metric_info_json(const BatchModel *m)
{
    cJSON *o = cJSON_CreateObject();
    for (int i = 0; i < m->nmetrics; i++) {
        const MetricInfo *mi = &m->metrics[i];
        cJSON *e = cJSON_AddObjectToObject(o, mi->id);
        cJSON_AddStringToObject(e, "label", mi->label ? mi->label : mi->id);
        cJSON_AddStringToObject(e, "unit", mi->unit ? mi->unit : "");
        cJSON_AddStringToObject(e, "kind", kind_name(mi->kind));
        cJSON_AddStringToObject(e, "better", mi->better > 0 ? "higher" : mi->better < 0 ? "lower" : "neither");
    }
    return o;
}

/* Now as "YYYY-MM-DDTHH:MM:SSZ", or SOURCE_DATE_EPOCH's instant when set. */
static void now_utc(char out[32])
{
    const char *sde = getenv("SOURCE_DATE_EPOCH");
    char *end;
    long long v = sde ? strtoll(sde, &end, 10) : 0;
    time_t t = sde && *sde && !*end ? (time_t)v : time(NULL);
    struct tm tm;
    if (!gmtime_r(&t, &tm) || !strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm)) snprintf(out, 32, "unknown");
}

cJSON *summary_run_json(const Batch *b, const SummaryRun *run)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "salvo", run->version ? run->version : "");
    cJSON_AddStringToObject(o, "git", run->git ? run->git : "");
    cJSON_AddStringToObject(o, "command", run->command ? run->command : "");
    cJSON_AddStringToObject(o, "scenario", run->scenario ? run->scenario : "");
    cJSON_AddStringToObject(o, "sha256", run->sha256 ? run->sha256 : "");
    if (run->title) cJSON_AddStringToObject(o, "title", run->title);
    if (run->description) cJSON_AddStringToObject(o, "description", run->description);
    if (run->has_start) {
        char start[11];
        cal_format(run->start_day, start);
        cJSON_AddStringToObject(o, "start", start);
    }
    char date[32];
    now_utc(date);
    cJSON_AddStringToObject(o, "date", date);
    /* A seed is a 64-bit integer; JSON numbers are doubles. Write both. */
    char seed[24];
    snprintf(seed, sizeof seed, "%llu", (unsigned long long)run->seed);
    cJSON_AddStringToObject(o, "seed", seed);
    cJSON_AddNumberToObject(o, "runs", (double)run->runs);
    cJSON_AddBoolToObject(o, "uncertainty", run->uncertainty);
    if (b) {
        cJSON_AddNumberToObject(o, "runs_completed", (double)batch_done(b));
        cJSON_AddBoolToObject(o, "partial", batch_stopped(b));
    }
    cJSON_AddNumberToObject(o, "threads", run->threads);
    if (run->ranks > 0) cJSON_AddNumberToObject(o, "ranks", run->ranks);
    cJSON_AddNumberToObject(o, "wall_s", run->wall_s);
    if (run->max_rss_kb > 0) cJSON_AddNumberToObject(o, "max_rss_kb", (double)run->max_rss_kb);
    if (b) {
        cJSON_AddNumberToObject(o, "events", (double)batch_events(b));
        cJSON_AddNumberToObject(o, "block", BATCH_BLOCK);
    }
    if (run->target_metric) {
        cJSON *t = cJSON_AddObjectToObject(o, "target");
        cJSON_AddStringToObject(t, "metric", run->target_metric);
        cJSON_AddNumberToObject(t, "halfwidth", run->target_halfwidth);
        cJSON_AddBoolToObject(t, "met", b ? batch_target_met(b) : 0);
    }
    return o;
}

cJSON *summary_brief_json(const Batch *b, int metric)
{
    SummaryStat st;
    summary_stat(b, metric, &st);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "n", (double)st.n);
    add_num(o, "mean", st.mean);
    cJSON_AddItemToObject(o, "sd", spread(st.sd));
    cJSON *ci = cJSON_AddArrayToObject(o, "ci95");
    cJSON_AddItemToArray(ci, spread(st.ci_lo));
    cJSON_AddItemToArray(ci, spread(st.ci_hi));
    cJSON_AddItemToObject(o, "halfwidth", spread(st.halfwidth));
    if (batch_model(b)->metrics[metric].kind == MET_TIME)
        add_num(o, "never_fraction", st.n ? (double)st.n_never / (double)st.n : NAN);
    return o;
}

cJSON *summary_json(const Batch *b, const SummaryRun *run)
{
    const BatchModel *m = batch_model(b);
    cJSON *root = cJSON_CreateObject();
    cJSON *metrics = cJSON_AddObjectToObject(root, "metrics");
    cJSON *series = cJSON_AddObjectToObject(root, "series");
    for (int i = 0; i < m->nmetrics; i++) {
        cJSON_AddItemToObject(metrics, m->metrics[i].id, metric_json(b, i));
        if (batch_series_dim(b, i, 0) >= 0)
            cJSON_AddItemToObject(series, m->metrics[i].id, summary_series_json(b, i));
    }
    cJSON_AddItemToObject(root, "run", summary_run_json(b, run));
    return root;
}

int summary_write(const cJSON *j, const char *path, Diag *d)
{
    char *text = cJSON_Print(j);
    if (!text) {
        diag_add(d, 0, 0, "", "out of memory formatting '%s'", path);
        return -1;
    }
    AFile af;
    int rc = -1;
    if (afile_open(&af, path, d) == 0) {
        fputs(text, af.fp);
        fputc('\n', af.fp);
        rc = afile_commit(&af, d);
    }
    cJSON_free(text);
    return rc;
}
