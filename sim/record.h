/* record.h — the record check: where each observation of a scenario (a
 * dated figure from the public record, with its range) falls in the
 * model's distribution of that quantity at that date, over a batch.
 *
 * Input: a Batch of a scenario model with the record on
 * (batch_scenario_set_record), so that observation k is the batch's extra
 * dimension k. Output: one RecordRow per observation, plain data, owned by
 * the caller. Nothing here prints; record_json builds the batch summary's
 * "record" array. The definitions are in docs/validation.md.
 */
#ifndef SALVO_RECORD_H
#define SALVO_RECORD_H

#include <cjson/cJSON.h>
#include <stddef.h>
#include "batch.h"

typedef struct RecordRow {
    const Observation *obs;     /* the scenario's record (owned by the Scenario) */
    uint64_t n;                 /* replications that reached its date */
    double value;               /* the record's midpoint, (low + high) / 2 */
    double p5, p25, p50, p75, p95;  /* the model's quantiles at the date */
    int in50, in90;             /* the record's range overlaps [p25, p75], [p5, p95] */
    double pit;                 /* P(model < value) + P(model == value) / 2 */
    double interval_score;      /* Gneiting & Raftery (2007), central 90% interval, at value */
} RecordRow;

/* Fill rows[0..nobs-1] (nobs = scenario_observation_count(s)) from b.
 * 0, or -1 if b does not hold the scenario's observations. */
int record_build(const Batch *b, const Scenario *s, RecordRow *rows);

/* The interval score of the central (1 - alpha) interval [lo, hi] for an
 * outcome x: (hi - lo) + (2/alpha)(lo - x) if x < lo, + (2/alpha)(x - hi)
 * if x > hi. Lower is better; in the unit of x. */
double record_interval_score(double lo, double hi, double alpha, double x);

/* One line: how many of the rows with held_out == held_out lie inside each
 * band, and their mean PIT. Empty string when there are none. */
void record_summary(const RecordRow *rows, int n, int held_out, char *buf, size_t len);

/* The "record" array of the batch summary (docs/batch.md). NULL when out
 * of memory. */
cJSON *record_json(const RecordRow *rows, int n);

#endif
