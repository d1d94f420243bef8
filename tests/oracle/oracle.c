/* oracle.c — run the engine through its public API and compare its metrics
 * with the reference's, within the precision stated in oracle.h. */
#include "oracle.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "salvo.h"

int oracle_engine(const char *json, OracleResult *out)
{
    memset(out, 0, sizeof *out);
    Diag d;
    diag_init(&d, "oracle");
    Scenario *s = scenario_load_buffer("oracle.json", json, strlen(json), NULL, 0, &d);
    if (!s) {
        char *msg = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&msg, &len);
        if (f) {
            diag_print(&d, f);
            fclose(f);
        }
        snprintf(out->why, sizeof out->why, "engine: does not load: %s", msg ? msg : "?");
        free(msg);
        diag_fini(&d);
        return -1;
    }
    diag_fini(&d);
    Sim *sim = sim_create(s);
    int n = scenario_metric_count(s), rc = 0;
    double *v = calloc((size_t)n + 1, sizeof *v);
    out->metrics = calloc((size_t)n + 1, sizeof *out->metrics);
    if (!sim || !v || !out->metrics) {
        snprintf(out->why, sizeof out->why, "engine: out of memory");
        rc = -1;
        goto done;
    }
    sim_reset(sim, 1, 0);
    SimStatus st = sim_run(sim, INFINITY);
    if (st != SIM_DONE) {
        snprintf(out->why, sizeof out->why, "engine: run did not finish (%s)",
                 sim_halted(sim) ? sim_halted(sim) : "paused");
        rc = -1;
        goto done;
    }
    sim_metrics(sim, v);
    out->nmetrics = n;
    for (int m = 0; m < n; m++) {
        const MetricInfo *mi = scenario_metric(s, m);
        OracleMetric *om = &out->metrics[m];
        snprintf(om->id, sizeof om->id, "%s", mi->id);
        om->kind = mi->kind == MET_TOTAL ? OK_TOTAL : mi->kind == MET_TIME ? OK_TIME
                 : mi->kind == MET_FLAG ? OK_FLAG : OK_LEVEL;
        om->value = (OracleValue){ 1, { v[m] } };
        const double *series = sim_series(sim, m);
        if (series && mi->series_len > 0) {
            om->nseries = mi->series_len;
            om->series = calloc((size_t)om->nseries, sizeof *om->series);
            if (!om->series) {
                rc = -1;
                goto done;
            }
            for (int k = 0; k < om->nseries; k++) om->series[k] = (OracleValue){ 1, { series[k] } };
        }
    }
done:
    free(v);
    sim_destroy(sim);
    scenario_destroy(s);
    return rc;
}

static int close_enough(OracleKind kind, double ref, double eng)
{
    if (isinf(ref) || isinf(eng)) return ref == eng;
    if (isnan(ref) || isnan(eng)) return 0;
    if (kind == OK_FLAG) return ref == eng;
    if (kind == OK_TIME) return fabs(ref - eng) <= ORACLE_TIME_TOL + 1e-9 * fabs(ref);
    return fabs(ref - eng) <= ORACLE_ABS_TOL + ORACLE_REL_TOL * fmax(fabs(ref), fabs(eng));
}

static int matches(OracleKind kind, const OracleValue *ref, double eng)
{
    for (int k = 0; k < ref->n; k++)
        if (close_enough(kind, ref->alt[k], eng)) return 1;
    return 0;
}

static void put(char *report, size_t cap, size_t *used, const char *fmt, ...)
{
    if (!report || *used + 1 >= cap) return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(report + *used, cap - *used, fmt, ap);
    va_end(ap);
    if (n > 0) *used += (size_t)n < cap - *used ? (size_t)n : cap - *used - 1;
}

static void put_value(char *report, size_t cap, size_t *used, const OracleValue *v)
{
    for (int k = 0; k < v->n; k++) put(report, cap, used, "%s%.12g", k ? " or " : "", v->alt[k]);
}

int oracle_compare(const OracleResult *ref, const OracleResult *eng, char *report, size_t cap)
{
    size_t used = 0;
    int diffs = 0;
    if (report && cap) report[0] = '\0';
    if (ref->nmetrics != eng->nmetrics) {
        put(report, cap, &used, "metric count: reference %d, engine %d\n", ref->nmetrics, eng->nmetrics);
        return 1;
    }
    for (int m = 0; m < ref->nmetrics; m++) {
        const OracleMetric *a = &ref->metrics[m], *b = &eng->metrics[m];
        if (strcmp(a->id, b->id) != 0 || a->kind != b->kind) {
            put(report, cap, &used, "metric %d: reference %s, engine %s\n", m, a->id, b->id);
            diffs++;
            continue;
        }
        if (!matches(a->kind, &a->value, b->value.alt[0])) {
            put(report, cap, &used, "%s: reference ", a->id);
            put_value(report, cap, &used, &a->value);
            put(report, cap, &used, ", engine %.12g\n", b->value.alt[0]);
            diffs++;
        }
        if (a->kind != OK_LEVEL) continue;
        if (a->nseries != b->nseries) {
            put(report, cap, &used, "%s: %d samples in the reference, %d in the engine\n", a->id, a->nseries,
                b->nseries);
            diffs++;
            continue;
        }
        for (int k = 0; k < a->nseries; k++)
            if (!matches(OK_LEVEL, &a->series[k], b->series[k].alt[0])) {
                put(report, cap, &used, "%s[%d]: reference ", a->id, k);
                put_value(report, cap, &used, &a->series[k]);
                put(report, cap, &used, ", engine %.12g\n", b->series[k].alt[0]);
                diffs++;
            }
    }
    return diffs;
}

static void save(const char *dir, uint64_t seed, const char *json, const char *report)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/seed-%llu.json", dir, (unsigned long long)seed);
    FILE *f = fopen(path, "w");
    if (f) {
        fputs(json, f);
        fputc('\n', f);
        fclose(f);
    }
    snprintf(path, sizeof path, "%s/seed-%llu.txt", dir, (unsigned long long)seed);
    f = fopen(path, "w");
    if (f) {
        fprintf(f, "oracle seed %llu: reference (first) against engine\n%s", (unsigned long long)seed, report);
        fclose(f);
    }
}

int oracle_check_seed(uint64_t seed, const OracleSemantics *sem, const char *dir, int *fragile, char *report,
                      size_t cap)
{
    *fragile = 0;
    if (report && cap) report[0] = '\0';
    char *json = oracle_generate(seed);
    if (!json) return -1;
    OracleResult ref, eng;
    int rc;
    if (oracle_reference(json, sem, &ref) != 0) {
        if (report) snprintf(report, cap, "%s\n", ref.why);
        rc = -1;
    } else if (ref.fragile) {
        *fragile = 1;
        if (report) snprintf(report, cap, "%s\n", ref.why);
        rc = 0;
    } else if (oracle_engine(json, &eng) != 0) {
        if (report) snprintf(report, cap, "%s\n", eng.why);
        oracle_result_free(&eng);
        rc = -1;
    } else {
        rc = oracle_compare(&ref, &eng, report, cap);
        oracle_result_free(&eng);
    }
    oracle_result_free(&ref);
    if (rc != 0 && dir) save(dir, seed, json, report ? report : "");
    free(json);
    return rc;
}
