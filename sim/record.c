/* record.c — the record check (record.h, docs/validation.md).
 *
 * Invariant: every figure here is a function of the batch's totals only
 * (its sketches and moments, folded in block order), so the record check
 * is as deterministic as the rest of the summary: the same for any number
 * of threads or ranks, and after a resume.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "record.h"
#include "summary.h"

double record_interval_score(double lo, double hi, double alpha, double x)
{
    double s = hi - lo;
    if (x < lo) s += 2.0 / alpha * (lo - x);
    if (x > hi) s += 2.0 / alpha * (x - hi);
    return s;
}

typedef struct Below { double x, key_value; double below, at; } Below;

static void count_below(void *arg, double value, uint64_t count)
{
    Below *c = arg;
    if (value == c->key_value) c->at += (double)count;
    else if (value < c->x) c->below += (double)count;
}

/* The mid-rank PIT from the sketch: values in x's own bucket (within the
 * sketch's relative accuracy of x) count half, as ties do. */
static double pit(const StatSketch *sk, double x)
{
    if (sk->n == 0) return NAN;
    Below c = { x, stats_sketch_key_value(stats_sketch_key(x)), (double)sk->ninf, 0 };
    stats_sketch_each(sk, count_below, &c);
    return (c.below + 0.5 * c.at) / (double)sk->n;
}

int record_build(const Batch *b, const Scenario *s, RecordRow *rows)
{
    int n = scenario_observation_count(s);
    if (n > 0 && batch_extra_dim(b, n - 1) < 0) return -1;
    for (int k = 0; k < n; k++) {
        RecordRow *r = &rows[k];
        const Observation *o = scenario_observation(s, k);
        int dim = batch_extra_dim(b, k);
        SummaryStat st;
        summary_stat(b, dim, &st);
        memset(r, 0, sizeof *r);
        r->obs = o;
        r->n = st.n;
        r->value = 0.5 * (o->low + o->high);
        /* A quantile of a count is a count: the nearest whole number to the
         * sketch's estimate, as summary_stat does for whole metrics. */
        r->p5 = o->whole && isfinite(st.p5) ? nearbyint(st.p5) : st.p5;
        r->p25 = o->whole && isfinite(st.p25) ? nearbyint(st.p25) : st.p25;
        r->p50 = o->whole && isfinite(st.median) ? nearbyint(st.median) : st.median;
        r->p75 = o->whole && isfinite(st.p75) ? nearbyint(st.p75) : st.p75;
        r->p95 = o->whole && isfinite(st.p95) ? nearbyint(st.p95) : st.p95;
        r->in50 = st.n > 0 && o->low <= r->p75 && o->high >= r->p25;
        r->in90 = st.n > 0 && o->low <= r->p95 && o->high >= r->p5;
        r->pit = pit(batch_sketch(b, dim), r->value);
        r->interval_score = st.n > 0 ? record_interval_score(r->p5, r->p95, 0.1, r->value) : NAN;
    }
    return 0;
}

void record_summary(const RecordRow *rows, int n, int held_out, char *buf, size_t len)
{
    int m = 0, in50 = 0, in90 = 0, lo = 0, hi = 0;
    double pits = 0;
    for (int k = 0; k < n; k++) {
        if (rows[k].obs->held_out != held_out) continue;
        m++;
        in50 += rows[k].in50;
        in90 += rows[k].in90;
        if (isfinite(rows[k].pit)) {
            pits += rows[k].pit;
            lo += rows[k].pit < 0.05;
            hi += rows[k].pit > 0.95;
        }
    }
    if (!m) {
        if (len) buf[0] = '\0';
        return;
    }
    snprintf(buf, len, "%d of %d %sobservation%s inside the 90%% band, %d inside the 50%% band "
             "(a calibrated model: about 90%% and 50%%); mean PIT %.2f (0.5 unbiased); "
             "%d below the model's 5%% quantile, %d above its 95%%",
             in90, m, held_out ? "held-out " : "", m == 1 ? "" : "s", in50, pits / m, lo, hi);
}

cJSON *record_json(const RecordRow *rows, int n)
{
    cJSON *arr = cJSON_CreateArray();
    if (!arr) return NULL;
    for (int k = 0; k < n; k++) {
        const RecordRow *r = &rows[k];
        const Observation *o = r->obs;
        cJSON *e = cJSON_CreateObject();
        if (!e || !cJSON_AddItemToArray(arr, e)) {
            cJSON_Delete(e);
            cJSON_Delete(arr);
            return NULL;
        }
        /* The keys the report writer draws on the fan chart of `metric`,
         * then the check itself. */
        cJSON_AddStringToObject(e, "metric", o->metric);
        cJSON_AddStringToObject(e, "date", o->date);
        cJSON_AddItemToObject(e, "value", summary_number(r->value));
        cJSON_AddItemToObject(e, "low", summary_number(o->low));
        cJSON_AddItemToObject(e, "high", summary_number(o->high));
        cJSON_AddStringToObject(e, "source", o->source);
        cJSON_AddStringToObject(e, "id", o->id);
        cJSON_AddStringToObject(e, "unit", o->unit);
        cJSON_AddNumberToObject(e, "n", (double)r->n);
        cJSON_AddItemToObject(e, "p5", summary_number(r->p5));
        cJSON_AddItemToObject(e, "p25", summary_number(r->p25));
        cJSON_AddItemToObject(e, "p50", summary_number(r->p50));
        cJSON_AddItemToObject(e, "p75", summary_number(r->p75));
        cJSON_AddItemToObject(e, "p95", summary_number(r->p95));
        cJSON_AddBoolToObject(e, "in50", r->in50);
        cJSON_AddBoolToObject(e, "in90", r->in90);
        cJSON_AddItemToObject(e, "pit", summary_number(r->pit));
        cJSON_AddItemToObject(e, "interval_score", summary_number(r->interval_score));
        cJSON_AddBoolToObject(e, "held_out", o->held_out);
        if (*o->note) cJSON_AddStringToObject(e, "note", o->note);
    }
    return arr;
}
