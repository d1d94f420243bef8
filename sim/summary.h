/* summary.h — what a batch means: per-metric statistics, and the JSON
 * summary written by `salvo batch --json`, `compare --json` and `sweep`.
 *
 * Everything computed here is a function of the batch totals only, so it
 * inherits their independence from thread count and machine; provenance
 * that is not (threads, wall time) lives in the "run" object alone. The
 * JSON layout is documented in docs/batch.md. Quantiles carry the sketch's
 * relative accuracy (STATS_SKETCH_ALPHA, 0.5%), clamped into [min, max];
 * histogram counts are exact for the sketch's buckets, which are placed at
 * their representative values. Times that never happened are +inf here and
 * the string "never" in JSON.
 */
#ifndef SALVO_SUMMARY_H
#define SALVO_SUMMARY_H

#include <cjson/cJSON.h>
#include <stdint.h>
#include "batch.h"
#include "diag.h"

#define SUMMARY_HIST_BINS 20

/* The statistics of one dimension (a metric's scalar or a series point). */
typedef struct SummaryStat {
    uint64_t n;             /* values counted: finite and infinite ("never") */
    uint64_t n_finite;      /* the moments are over these */
    uint64_t n_never;       /* +inf values (TIME: never happened) */
    uint64_t n_missing;     /* NaN values (not counted in n) */
    double mean, sd, halfwidth, ci_lo, ci_hi;   /* finite values; NAN if none */
    double min, max;                            /* finite values */
    double p5, p25, median, p75, p95;           /* over all n; +inf = never */
} SummaryStat;

/* Provenance for the "run" object. Strings may be NULL (written as ""). */
typedef struct SummaryRun {
    const char *version, *git, *command;
    const char *scenario, *sha256;
    uint64_t seed;
    uint64_t runs;          /* requested */
    int threads;            /* per process */
    int ranks;              /* MPI ranks sharing the run (--mpi); 0: none */
    double wall_s;
    long max_rss_kb;        /* peak resident memory so far (getrusage), 0 unknown */
    int uncertainty;        /* ranged assumptions drawn per replication */
    const char *target_metric;  /* NULL if no --target */
    double target_halfwidth;
    /* For the report's header (summary_run_scenario fills them): */
    const char *title, *description;    /* may be NULL: not written */
    int64_t start_day;                  /* epoch day of t = 0 ... */
    int has_start;                      /* ... when set: written as "start" */
} SummaryRun;

/* Fill run's scenario, sha256, title, description and start from s. */
void summary_run_scenario(SummaryRun *run, const Scenario *s);
/* {"id": {"label", "unit", "kind", "better"}, ...} for every metric of m:
 * what a sweep's points do not repeat. */
cJSON *summary_metric_info_json(const BatchModel *m);

/* Statistics of dimension dim of batch b. */
void summary_stat(const Batch *b, int dim, SummaryStat *out);
/* P(TIME metric happened on or before epoch day `day`), over all
 * replications; NAN if the metric is not a TIME metric or n is 0. */
double summary_prob_by(const Batch *b, int metric, int64_t day);

/* The whole summary: {"metrics": {...}, "series": {...}, "run": {...}}.
 * NULL when out of memory. The caller deletes it. */
cJSON *summary_json(const Batch *b, const SummaryRun *run);
/* The "run" object alone (also used by compare and sweep); b may be NULL
 * (then without runs_completed, partial and events). It records the date
 * and time it was written ("date", UTC; SOURCE_DATE_EPOCH when set, for
 * reproducible documents). */
cJSON *summary_run_json(const Batch *b, const SummaryRun *run);
/* A LEVEL metric's series: {"t0", "dt", "t", "dates", "mean", "p5",
 * "p25", "p50", "p75", "p95"} (metric i must have one). */
cJSON *summary_series_json(const Batch *b, int metric);
/* One metric's brief: n, mean, sd, ci95, halfwidth (sweep points). */
cJSON *summary_brief_json(const Batch *b, int metric);
/* A double as JSON: a number, or "never" / "-inf" / null. */
cJSON *summary_number(double x);
/* Print j (formatted) to `path` through a temporary file and a rename.
 * 0, or -1 with a diagnostic. */
int summary_write(const cJSON *j, const char *path, Diag *d);

#endif
