/* fit.h — history matching by approximate Bayesian computation.
 *
 * Every replication draws the scenario's ranged assumptions from their
 * priors (triangular(low, value, high), as --uncertainty does) and is
 * weighted by how well it reproduces the record: the observations that are
 * not held out and fall on or before `until`. The kernel is Gaussian in
 * units of each observation's scale h (half its range, at least 5% of its
 * midpoint, at least 0.5 for a count):
 *
 *     w_r = exp(-1/2 sum_k ((y_rk - m_k) / h_k)^2)
 *
 * with y_rk the model's value, m_k the record's midpoint (Pritchard et al.
 * 1999, rejection ABC; Beaumont, Zhang and Balding 2002, kernel weights).
 * docs/validation.md explains the method and its limits.
 *
 * Determinism: replication r's values go to row r of a table, whichever
 * thread ran it, and everything is then reduced in replication order, so
 * the result is the same for any number of threads. Memory: the table
 * holds (assumptions + observations + metrics) doubles per replication.
 * Ownership: fit_run returns a Fit the caller frees with fit_free.
 */
#ifndef SALVO_FIT_H
#define SALVO_FIT_H

#include <stdint.h>
#include "diag.h"
#include "salvo.h"

typedef struct FitOptions {
    uint64_t seed, runs;
    int threads;
    double until;                   /* days from the start: observations on or before count */
    volatile int *stop;             /* nonzero: stop early (the fit uses what is done) */
} FitOptions;

/* Weighted statistics of one quantity: the prior (every replication alike)
 * and the posterior (ABC weights). */
typedef struct FitStat {
    double prior_mean, prior_sd, prior_p5, prior_p50, prior_p95;
    double post_mean, post_sd, post_p5, post_p25, post_p50, post_p75, post_p95;
} FitStat;

typedef struct Fit {
    uint64_t runs;                  /* replications done */
    int nassumptions, nobs, nmetrics;
    int nused;                      /* observations in the weights */
    int *used;                      /* nobs: 1 if observation k weighs */
    double *scale;                  /* nobs: h_k */
    double ess;                     /* (sum w)^2 / sum w^2 */
    double wsum;                    /* sum of the weights */
    double max_w;                   /* the largest weight */
    FitStat *assumption;            /* nassumptions */
    FitStat *obs;                   /* nobs: prior and posterior predictive */
    double *obs_pit;                /* nobs: posterior PIT of the record's midpoint */
    FitStat *metric;                /* nmetrics (scalars; a time that never came is +inf) */
    double *weight;                 /* runs: each replication's weight, scaled so the largest is 1 */
} Fit;

/* Run and weigh. NULL with a diagnostic on failure (out of memory). */
Fit *fit_run(const Scenario *s, const FitOptions *o, Diag *d);
void fit_free(Fit *f);

/* The replications alone (for salvo discover): row r (width values) is
 * replication r's assumptions (drawn), observations and metric scalars.
 * *done rows are complete. The caller frees the table with free(). NULL
 * with a diagnostic when out of memory. */
double *fit_sample(const Scenario *s, const FitOptions *o, uint64_t *done, int *width, Diag *d);

/* The kernel's scale of an observation (see above). */
double fit_scale(const Observation *o);

#endif
