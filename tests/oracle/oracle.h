/* oracle.h — an independent check of the engine on deterministic scenarios.
 *
 *   oracle_generate   a random small deterministic scenario (JSON text) from
 *                     a seed: stocks, producers, consumers, routes with
 *                     carriers, scheduled / conditional / 0-or-certain hazard
 *                     events, effects, and metrics on all of them.
 *   oracle_reference  the expected metrics of such a scenario, computed by a
 *                     separate, deliberately simple integrator (ref.c) that
 *                     shares no code with sim/: it reads the JSON itself
 *                     (cJSON) and steps from event to event, solving each
 *                     linear crossing exactly.
 *   oracle_engine     the same metrics from the engine (sim/salvo.h only).
 *   oracle_compare    every metric of the two, within the stated precision;
 *                     writes a readable report of each difference.
 *
 * Precision: the reference is exact piecewise-linear arithmetic in doubles,
 * so its answers carry only rounding error (about 1e-12 relative). Times are
 * compared within ORACLE_TIME_TOL days, amounts within ORACLE_REL_TOL
 * relative (plus ORACLE_ABS_TOL absolute). The only deliberate inexactness
 * is a "certain" hazard (1e12 per day, see gen.c): its occurrence is drawn
 * about 1e-12 days after it is armed, far inside the tolerance.
 *
 * Ties. Two things at the same instant whose order the documentation does
 * not fix (an arrival and a scheduled effect on one stock, a sample taken at
 * the instant of a delivery) can legitimately give two answers. The
 * reference runs each scenario eight times, in the orders listed in
 * docs/oracle.md, and keeps every value each final quantity and each sample
 * took: a metric matches when the engine's value equals any of these
 * alternatives. A scenario whose answer hangs on something the
 * documentation leaves open (a max_wait that runs out on an empty stock, a
 * schedule slot against the fill queue at one instant, ...) is reported as
 * fragile and not compared; gen.c keeps such cases rare and the counts are
 * printed.
 *
 * Ownership: OracleResult owns its arrays; oracle_result_free releases them.
 */
#ifndef SALVO_ORACLE_H
#define SALVO_ORACLE_H

#include <stddef.h>
#include <stdint.h>

#define ORACLE_TIME_TOL 1e-6
#define ORACLE_REL_TOL 1e-7
#define ORACLE_ABS_TOL 1e-6
#define ORACLE_MAX_ALT 16

/* The documented meanings the reference follows where the code once
 * differed (issue 8, defects 6 and 7); see docs/oracle.md. */
typedef struct OracleSemantics {
    int end_inclusive;   /* producer/consumer `end` is the last day (runs to end + 1) */
    int by_whole_day;    /* `happened ... by DATE` counts the whole of DATE */
} OracleSemantics;

extern const OracleSemantics ORACLE_DOCUMENTED;

typedef enum OracleKind { OK_TOTAL, OK_TIME, OK_FLAG, OK_LEVEL } OracleKind;

/* One value with the alternatives a same-instant tie allows. */
typedef struct OracleValue {
    int n;
    double alt[ORACLE_MAX_ALT];
} OracleValue;

typedef struct OracleMetric {
    char id[64];
    OracleKind kind;
    OracleValue value;       /* scalar */
    int nseries;
    OracleValue *series;     /* LEVEL: nseries samples */
} OracleMetric;

typedef struct OracleResult {
    int nmetrics;
    OracleMetric *metrics;
    int fragile;             /* reference only: the answer hangs on rounding */
    char why[256];           /* why it is fragile, or why it failed */
} OracleResult;

/* A scenario from `seed`; malloc'd JSON text (caller frees). */
char *oracle_generate(uint64_t seed);

/* Expected metrics. 0 on success; -1 if the scenario uses something the
 * reference does not model (reason in out->why). */
int oracle_reference(const char *json, const OracleSemantics *sem, OracleResult *out);

/* The engine's metrics (seed 1, replication 0). 0 on success; -1 if it does
 * not load or does not finish (reason in out->why). */
int oracle_engine(const char *json, OracleResult *out);

/* Differences between ref and eng; writes a human report of each into
 * report (may be NULL). Returns the number of differing values. */
int oracle_compare(const OracleResult *ref, const OracleResult *eng, char *report, size_t cap);

void oracle_result_free(OracleResult *r);

/* Generate, reference, engine, compare: the whole check of one seed.
 * Returns the number of differences (0 when fragile: *fragile is set), or
 * -1 when something failed to load or run. When dir is non-NULL and there
 * is a difference or a failure, the scenario is saved there as
 * seed-N.json with seed-N.txt holding both answers. */
int oracle_check_seed(uint64_t seed, const OracleSemantics *sem, const char *dir, int *fragile,
                      char *report, size_t cap);

#endif
