/* paired.c — common-random-number pairs of models: see paired.h.
 * Invariant: paired metric 4k+j always refers to common metric k, whose
 * indices in A and B are ia[k] and ib[k]. */
#include "paired.h"
#include "mem.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "summary.h"

struct Paired {
    const BatchModel *a, *b;
    int n;                  /* metrics in common */
    int *ia, *ib;
    int lena, lenb;         /* series lengths of A and B */
    int *offa, *offb;       /* common metric k's series offset in A's / B's series, or -1 */
    MetricInfo *metrics;    /* 4n records */
    char *names;            /* storage for the derived ids and labels */
    BatchModel model;
};

typedef struct PairWorker {
    const Paired *p;
    void *wa, *wb;
    double *sa, *sb;        /* scalars of A and B */
    double *sera, *serb;    /* A's and B's series of this replication */
} PairWorker;

static void worker_destroy(void *worker)
{
    PairWorker *w = worker;
    if (!w) return;
    if (w->wa) w->p->a->worker_destroy(w->wa);
    if (w->wb) w->p->b->worker_destroy(w->wb);
    free(w->sa);
    free(w->sb);
    free(w->sera);
    free(w->serb);
    free(w);
}

static void *worker_create(void *ctx)
{
    const Paired *p = ctx;
    PairWorker *w = mem_calloc(1, sizeof *w);
    if (!w) return NULL;
    w->p = p;
    w->wa = p->a->worker_create(p->a->ctx);
    w->wb = p->b->worker_create(p->b->ctx);
    w->sa = mem_malloc((size_t)p->a->nmetrics * sizeof *w->sa);
    w->sb = mem_malloc((size_t)p->b->nmetrics * sizeof *w->sb);
    w->sera = mem_malloc(((size_t)p->lena + 1) * sizeof *w->sera);
    w->serb = mem_malloc(((size_t)p->lenb + 1) * sizeof *w->serb);
    if (!w->wa || !w->wb || !w->sa || !w->sb || !w->sera || !w->serb) {
        worker_destroy(w);
        return NULL;
    }
    return w;
}

static void replicate(void *worker, uint64_t seed, uint64_t rep, double *sc, double *series)
{
    PairWorker *w = worker;
    const Paired *p = w->p;
    p->a->replicate(w->wa, seed, rep, w->sa, w->sera);
    p->b->replicate(w->wb, seed, rep, w->sb, w->serb);
    /* The series of common level metrics, A's then B's, in metric order. */
    for (int k = 0; k < p->n; k++) {
        if (p->offa[k] >= 0) {
            int len = p->metrics[4 * k].series_len;
            memcpy(series, w->sera + p->offa[k], (size_t)len * sizeof *series);
            series += len;
        }
        if (p->offb[k] >= 0) {
            int len = p->metrics[4 * k + 1].series_len;
            memcpy(series, w->serb + p->offb[k], (size_t)len * sizeof *series);
            series += len;
        }
    }
    for (int k = 0; k < p->n; k++) {
        double a = w->sa[p->ia[k]], b = w->sb[p->ib[k]];
        int sense = p->a->metrics[p->ia[k]].better;
        sc[4 * k] = a;
        sc[4 * k + 1] = b;
        sc[4 * k + 2] = isfinite(a) && isfinite(b) ? b - a : NAN;
        /* +inf ("never") compares as later than any day, as it should. */
        if (sense == 0 || isnan(a) || isnan(b)) sc[4 * k + 3] = NAN;
        else sc[4 * k + 3] = sense > 0 ? (b > a) : (b < a);
    }
}

static uint64_t worker_events(void *worker)
{
    PairWorker *w = worker;
    const Paired *p = w->p;
    uint64_t e = 0;
    if (p->a->worker_events) e += p->a->worker_events(w->wa);
    if (p->b->worker_events) e += p->b->worker_events(w->wb);
    return e;
}

/* The metric ids of A that B has too, in A's order: ia, ib and n. Returns
 * the bytes the derived names need. */
static size_t match_metrics(Paired *p)
{
    const BatchModel *a = p->a, *b = p->b;
    size_t text = 0;
    for (int i = 0; i < a->nmetrics; i++)
        for (int j = 0; j < b->nmetrics; j++)
            if (strcmp(a->metrics[i].id, b->metrics[j].id) == 0) {
                p->ia[p->n] = i;
                p->ib[p->n] = j;
                p->n++;
                text += 4 * (strlen(a->metrics[i].id) + 8);
                break;
            }
    return text;
}

/* The four records of each common metric (paired.h), named ID.a, ID.b,
 * ID.diff and ID.better in p->names. */
static void derive_metrics(Paired *p)
{
    static const char *const suffix[4] = { "a", "b", "diff", "better" };
    char *s = p->names;
    for (int k = 0; k < p->n; k++) {
        const MetricInfo *ma = &p->a->metrics[p->ia[k]], *mb = &p->b->metrics[p->ib[k]];
        for (int j = 0; j < 4; j++) {
            MetricInfo *mi = &p->metrics[4 * k + j];
            *mi = j == 1 ? *mb : *ma;
            if (j > 1 || mi->kind != MET_LEVEL) mi->series_len = 0;
            int len = sprintf(s, "%s.%s", ma->id, suffix[j]);
            mi->id = s;
            mi->label = s;
            s += len + 1;
            if (j == 2) {
                mi->kind = MET_TOTAL;
            } else if (j == 3) {
                mi->kind = MET_FLAG;
                mi->whole = 1;
                mi->unit = "";
                mi->better = 0;
            }
        }
    }
}

/* Where each common level metric's series sits in A's and B's. */
static void locate_series(Paired *p)
{
    for (int k = 0; k < p->n; k++) {
        p->offa[k] = p->offb[k] = -1;
        for (int side = 0; side < 2; side++) {
            const BatchModel *src = side ? p->b : p->a;
            int idx = side ? p->ib[k] : p->ia[k], off = 0;
            for (int i = 0; i < idx; i++)
                if (src->metrics[i].kind == MET_LEVEL && src->metrics[i].series_len > 0) off += src->metrics[i].series_len;
            if (p->metrics[4 * k + side].kind == MET_LEVEL && p->metrics[4 * k + side].series_len > 0)
                *(side ? &p->offb[k] : &p->offa[k]) = off;
        }
    }
}

Paired *paired_create(const BatchModel *a, const BatchModel *b, Diag *d)
{
    Paired *p = mem_calloc(1, sizeof *p);
    if (!p) goto oom;
    p->a = a;
    p->b = b;
    p->lena = batch_model_series_len(a);
    p->lenb = batch_model_series_len(b);
    p->ia = mem_malloc((size_t)a->nmetrics * sizeof *p->ia);
    p->ib = mem_malloc((size_t)a->nmetrics * sizeof *p->ib);
    p->offa = mem_malloc((size_t)a->nmetrics * sizeof *p->offa);
    p->offb = mem_malloc((size_t)a->nmetrics * sizeof *p->offb);
    if (!p->ia || !p->ib || !p->offa || !p->offb) goto oom;
    size_t text = match_metrics(p);
    if (p->n == 0) {
        diag_add(d, 0, 0, "", "the two scenarios have no metric id in common");
        paired_destroy(p);
        return NULL;
    }
    p->metrics = mem_calloc((size_t)p->n * 4, sizeof *p->metrics);
    p->names = mem_malloc(text);
    if (!p->metrics || !p->names) goto oom;
    derive_metrics(p);
    locate_series(p);
    p->model = (BatchModel){ .nmetrics = 4 * p->n, .metrics = p->metrics, .start_day = a->start_day,
                             .horizon = a->horizon, .ctx = p, .worker_create = worker_create,
                             .worker_destroy = worker_destroy, .replicate = replicate, .worker_events = worker_events };
    return p;
oom:
    diag_add(d, 0, 0, "", "out of memory pairing the scenarios");
    paired_destroy(p);
    return NULL;
}

void paired_destroy(Paired *p)
{
    if (!p) return;
    free(p->ia);
    free(p->ib);
    free(p->offa);
    free(p->offb);
    free(p->metrics);
    free(p->names);
    free(p);
}

const BatchModel *paired_model(const Paired *p) { return &p->model; }
int paired_count(const Paired *p) { return p->n; }
int paired_index_a(const Paired *p, int k) { return p->ia[k]; }
const char *paired_id(const Paired *p, int k) { return p->a->metrics[p->ia[k]].id; }

void paired_stat(const Paired *p, const Batch *b, int k, PairedStat *out)
{
    StatMoments ma = batch_moments(b, 4 * k), mb = batch_moments(b, 4 * k + 1);
    StatMoments md = batch_moments(b, 4 * k + 2), mf = batch_moments(b, 4 * k + 3);
    memset(out, 0, sizeof *out);
    out->n = md.n;
    out->mean_a = ma.n ? ma.mean : NAN;
    out->mean_b = mb.n ? mb.mean : NAN;
    out->diff = md.n ? md.mean : NAN;
    out->diff_sd = stats_moments_sd(&md);
    out->diff_halfwidth = stats_moments_halfwidth(&md);
    out->diff_lo = out->diff - out->diff_halfwidth;
    out->diff_hi = out->diff + out->diff_halfwidth;
    out->better_fraction = p->a->metrics[p->ia[k]].better && mf.n ? mf.mean : NAN;
    double va = stats_moments_var(&ma), vb = stats_moments_var(&mb), vd = stats_moments_var(&md);
    out->var_reduction = vd > 0 ? (va + vb) / vd : (va + vb > 0 ? INFINITY : NAN);
    out->indep_halfwidth = md.n >= 2 ? stats_t975(md.n - 1) * sqrt((va + vb) / (double)md.n) : INFINITY;
}

/* A ratio: a number, "inf" or null. */
static cJSON *ratio(double x)
{
    if (isinf(x)) return cJSON_CreateString("inf");
    return summary_number(x);
}

/* A spread: a number, or null when undefined (n < 2). */
static cJSON *spread(double x)
{
    return isfinite(x) ? cJSON_CreateNumber(x) : cJSON_CreateNull();
}

cJSON *paired_json(const Paired *p, const Batch *b)
{
    cJSON *root = cJSON_CreateObject();
    for (int k = 0; k < p->n; k++) {
        PairedStat st;
        paired_stat(p, b, k, &st);
        cJSON *o = cJSON_AddObjectToObject(root, paired_id(p, k));
        /* What the metric is, for a reader of the summary (and the report). */
        const MetricInfo *mi = &p->a->metrics[p->ia[k]];
        static const char *const kinds[4] = { "total", "time", "flag", "level" };
        cJSON_AddStringToObject(o, "label", mi->label ? mi->label : mi->id);
        cJSON_AddStringToObject(o, "unit", mi->unit ? mi->unit : "");
        cJSON_AddStringToObject(o, "kind", (unsigned)mi->kind < 4 ? kinds[mi->kind] : "?");
        cJSON_AddStringToObject(o, "better", mi->better > 0 ? "higher" : mi->better < 0 ? "lower" : "neither");
        cJSON *ja = summary_brief_json(b, 4 * k), *jb = summary_brief_json(b, 4 * k + 1);
        if (batch_series_dim(b, 4 * k, 0) >= 0) cJSON_AddItemToObject(ja, "series", summary_series_json(b, 4 * k));
        if (batch_series_dim(b, 4 * k + 1, 0) >= 0) cJSON_AddItemToObject(jb, "series", summary_series_json(b, 4 * k + 1));
        cJSON_AddItemToObject(o, "a", ja);
        cJSON_AddItemToObject(o, "b", jb);
        cJSON *dj = cJSON_AddObjectToObject(o, "diff");
        cJSON_AddNumberToObject(dj, "n", (double)st.n);
        cJSON_AddItemToObject(dj, "mean", summary_number(st.diff));
        cJSON_AddItemToObject(dj, "sd", spread(st.diff_sd));
        cJSON *ci = cJSON_AddArrayToObject(dj, "ci95");
        cJSON_AddItemToArray(ci, spread(st.diff_lo));
        cJSON_AddItemToArray(ci, spread(st.diff_hi));
        cJSON_AddItemToObject(dj, "halfwidth", spread(st.diff_halfwidth));
        cJSON_AddItemToObject(o, "b_better", summary_number(st.better_fraction));
        cJSON_AddItemToObject(o, "variance_reduction", ratio(st.var_reduction));
        cJSON_AddItemToObject(o, "independent_halfwidth", spread(st.indep_halfwidth));
    }
    return root;
}
