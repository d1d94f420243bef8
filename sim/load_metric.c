/* load_metric.c — metrics (total, time_of, happened, level) and
 * observations (dated figures from the record, docs/validation.md). The
 * run side is in sim.c (sampling, observing) and cond.c (watchers).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "load_int.h"

void load_metrics(Ld *L, const JsonValue *arr)
{
    Scenario *s = L->s;
    s->nmetrics = L->metrics.n;
    s->metrics = A(L, (size_t)(s->nmetrics + 1) * sizeof *s->metrics);
    static const char *const f[] = { "id", "label", "unit", "better", "total", "time_of", "happened",
                                     "by", "level", "every", NULL };
    /* Each Sim holds every LEVEL series: 1,024 metrics of 100,000 points
     * would be 800 MB per Sim (per thread), from a 60 kB file. */
    long samples = 0;
    for (int i = 0; i < s->nmetrics; i++) {
        const JsonValue *e = arr->items[i];
        char p[64];
        ld_pidx(p, sizeof p, "metrics", i);
        MetricDef *m = &s->metrics[i];
        m->info.id = L->metrics.ids[i];
        m->info.label = m->info.id;
        m->info.unit = "";
        m->cond.root = -1;
        if (!ld_fields(L, e, p, f)) continue;
        m->info.label = ld_str_field(L, e, p, "label", 0, m->info.id);
        m->info.unit = ld_str_field(L, e, p, "unit", 0, "");
        const char *better = ld_str_field(L, e, p, "better", 0, "neither");
        if (!strcmp(better, "higher")) m->info.better = 1;
        else if (!strcmp(better, "lower")) m->info.better = -1;
        else if (strcmp(better, "neither")) {
            char pb[80];
            ld_pkey(pb, sizeof pb, p, "better");
            ld_err(L, ld_get(e, "better"), pb, "expected \"higher\", \"lower\" or \"neither\"");
        }
        int forms = (ld_get(e, "total") != NULL) + (ld_get(e, "time_of") != NULL) + (ld_get(e, "happened") != NULL) +
                    (ld_get(e, "level") != NULL);
        if (forms != 1) {
            ld_err(L, e, p, "a metric needs exactly one of 'total', 'time_of', 'happened' or 'level'");
            continue;
        }
        unsigned cats = 0;
        char pq[80];
        if (ld_get(e, "total") || ld_get(e, "level")) {
            const char *k = ld_get(e, "total") ? "total" : "level";
            ld_pkey(pq, sizeof pq, p, k);
            ld_quantity(L, ld_get(e, k), pq, &m->q, &cats);
            m->info.kind = k[0] == 't' ? MET_TOTAL : MET_LEVEL;
            /* Counts are whole numbers; amounts of a resource flow continuously
             * and are not (docs/batch.md, Whole numbers). */
            m->info.whole = (m->q.kind >= Q_R_VOYAGES && m->q.kind <= Q_R_LOSSES) ||
                            (m->q.kind >= Q_L_ATTEMPTS && m->q.kind <= Q_T_DECLINED) || m->q.kind == Q_TROOPS ||
                            m->q.kind == Q_EVENT || m->q.kind == Q_DECISION || m->q.kind == Q_ASSIST;
            if (m->info.kind == MET_LEVEL) {
                m->every = ld_num_field(L, e, p, "every", 1, 7, 1e-3, 1e6);
                m->info.series_t0 = 0;
                m->info.series_dt = m->every;
                m->info.series_len = (int)floor(s->end / m->every + 1e-9) + 1;
                if (m->info.series_len > 100000) {
                    ld_err(L, ld_get(e, "every"), p, "too many sample points (%d; the limit is 100000)", m->info.series_len);
                    m->info.series_len = 1;
                } else if (samples <= SC_MAX_ALL_SAMPLES && samples + m->info.series_len > SC_MAX_ALL_SAMPLES) {
                    ld_err(L, ld_get(e, "every") ? ld_get(e, "every") : e, p, "too many sample points in all: the level "
                        "metrics would hold more than %d (sample less often, or fewer levels)", SC_MAX_ALL_SAMPLES);
                    m->info.series_len = 1;
                    samples = SC_MAX_ALL_SAMPLES;  /* one report is enough */
                }
                samples += m->info.series_len;
            }
        } else if (ld_get(e, "time_of")) {
            m->info.kind = MET_TIME;
            m->cond = ld_cond_field(L, e, p, "time_of", 1);
            if (!*m->info.unit) m->info.unit = "days";
        } else {
            m->info.kind = MET_FLAG;
            m->info.whole = 1;
            m->cond = ld_cond_field(L, e, p, "happened", 1);
            m->by = ld_date_field(L, e, p, "by", 1, s->end);
            if (ld_get(e, "by") && (m->by < 0 || m->by > s->end)) {
                char pb[80];
                ld_pkey(pb, sizeof pb, p, "by");
                ld_err(L, ld_get(e, "by"), pb, "the date is outside the calendar (a flag's 'by' must be within start..end)");
            }
        }
    }
    for (int i = 0; i < s->nmetrics; i++)
        if (s->metrics[i].cond.root >= 0) ld_add_watch(L, WATCH_METRIC, i, &s->metrics[i].cond);
}

/* Observations: dated figures from the record (docs/scenario.md,
 * Observations). A date names a whole day, so the model is read at its end
 * (00:00 of the next day), as "by DATE" is everywhere in salvo. */
void load_observations(Ld *L, const JsonValue *arr)
{
    Scenario *s = L->s;
    s->nobs = L->observations.n;
    s->obs = A(L, (size_t)(s->nobs + 1) * sizeof *s->obs);
    static const char *const f[] = { "id", "date", "quantity", "metric", "low", "high", "value", "rel_error",
                                     "unit", "source", "held_out", "note", NULL };
    for (int i = 0; i < s->nobs; i++) {
        const JsonValue *e = arr->items[i];
        char p[64];
        ld_pidx(p, sizeof p, "observations", i);
        ObsDef *o = &s->obs[i];
        Observation *in = &o->info;
        in->id = L->observations.ids[i];
        in->metric = in->id;
        in->date = in->unit = in->note = in->source = "";
        o->q = (Qty){ Q_DAY, 0 };
        if (!ld_fields(L, e, p, f)) continue;
        in->date = ld_str_field(L, e, p, "date", 1, "");
        double day = ld_date_field(L, e, p, "date", 1, NAN);
        char pp[96];
        ld_pkey(pp, sizeof pp, p, "date");
        if (!isnan(day) && (day < 0 || day >= s->end))
            ld_err(L, ld_get(e, "date"), pp, "date %s is outside the calendar (the run covers %d days from the start; "
                "the end date itself is not simulated)", in->date, (int)s->end);
        in->t = isnan(day) ? s->end : day + 1;
        const JsonValue *qv = ld_get(e, "quantity"), *mv = ld_get(e, "metric");
        int metric = -1;
        if (mv) {
            ld_pkey(pp, sizeof pp, p, "metric");
            metric = ld_ref_value(L, mv, pp, &L->metrics, "metric");
            if (metric >= 0 && s->metrics[metric].info.kind != MET_LEVEL &&
                s->metrics[metric].info.kind != MET_TOTAL) {
                ld_err(L, mv, pp, "metric '%s' is not a 'level' or 'total' metric (an observation is a quantity "
                    "at a date)", mv->str);
                metric = -1;
            }
        }
        if (qv) {
            unsigned cats = 0;
            ld_pkey(pp, sizeof pp, p, "quantity");
            ld_quantity(L, qv, pp, &o->q, &cats);
        } else if (metric >= 0) {
            o->q = s->metrics[metric].q;
        } else if (!mv) {
            ld_err(L, e, p, "an observation needs a 'quantity' (or the 'metric' whose quantity it observes)");
        }
        in->whole = diag_errors(L->d) == 0 && ld_whole_qty(s, o->q);
        if (metric >= 0) in->metric = s->metrics[metric].info.id;
        else if (!mv && qv && qv->type == JSON_STRING)
            /* A LEVEL metric of the same quantity is its chart. */
            for (int m = 0; m < s->nmetrics; m++)
                if (s->metrics[m].info.kind == MET_LEVEL && s->metrics[m].q.kind == o->q.kind &&
                    s->metrics[m].q.idx == o->q.idx && o->q.kind != Q_SUM) {
                    in->metric = s->metrics[m].info.id;
                    break;
                }
        int ranged = ld_get(e, "low") || ld_get(e, "high"), valued = ld_get(e, "value") || ld_get(e, "rel_error");
        if (ranged && valued) {
            ld_err(L, e, p, "give the record's range as 'low' and 'high', or as 'value' and 'rel_error', not both");
        } else if (valued) {
            double v = ld_num_field(L, e, p, "value", 1, 0, -SC_MAX_MAGNITUDE, SC_MAX_MAGNITUDE);
            double r = ld_num_field(L, e, p, "rel_error", 1, 0, 0, 10);
            in->low = v - fabs(v) * r;
            in->high = v + fabs(v) * r;
        } else {
            in->low = ld_num_field(L, e, p, "low", 1, 0, -SC_MAX_MAGNITUDE, SC_MAX_MAGNITUDE);
            in->high = ld_num_field(L, e, p, "high", 1, in->low, -SC_MAX_MAGNITUDE, SC_MAX_MAGNITUDE);
            if (ld_get(e, "low") && ld_get(e, "high") && in->low > in->high) {
                ld_pkey(pp, sizeof pp, p, "high");
                ld_err(L, ld_get(e, "high"), pp, "high (%g) is below low (%g)", in->high, in->low);
            }
        }
        in->unit = ld_str_field(L, e, p, "unit", 0, "");
        ld_pkey(pp, sizeof pp, p, "source");
        int src = ld_ref_field(L, e, p, "source", &L->sources, "source", 1);
        if (src >= 0) in->source = s->sources[src].id;
        in->held_out = ld_bool_field(L, e, p, "held_out", 0);
        in->note = ld_str_field(L, e, p, "note", 0, "");
    }
}
