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
 * Determinism: the replications run on the batch engine (sim/batch.h) as
 * a model whose metrics are one row per replication: the drawn
 * assumptions, the observations and the metric scalars (fit_model). The
 * engine writes the rows to its CSV in replication order, whichever thread
 * or MPI rank ran them and across a checkpoint and resume; they are read
 * back (fit_rows_read, bit for bit) into a table, and everything is then
 * reduced in replication order. So a fit is the same for any number of
 * threads or ranks. Memory: the table holds (assumptions + observations +
 * metrics) doubles per replication.
 * Ownership: fit_run and fit_weigh return a Fit the caller frees with
 * fit_destroy; fit_model_create a FitModel freed with fit_model_destroy.
 */
#ifndef SALVO_FIT_H
#define SALVO_FIT_H

#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include "batch.h"
#include "diag.h"
#include "salvo.h"

typedef struct FitOptions {
    uint64_t seed, runs;
    int threads;
    double until;                   /* days from the start: observations on or before count */
    volatile sig_atomic_t *stop;    /* nonzero: stop early (the fit uses the replications done, a prefix) */
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

/* Run (fit_sample, in this process) and weigh. NULL with a diagnostic on
 * failure (out of memory). */
Fit *fit_run(const Scenario *s, const FitOptions *o, Diag *d);
/* Weigh a table of n rows (fit_sample's layout) by the observations on or
 * before `until` that are not held out. NULL with a diagnostic when out of
 * memory or n == 0. */
Fit *fit_weigh(const Scenario *s, const double *rows, uint64_t n, double until, Diag *d);
void fit_destroy(Fit *f);

/* The replications alone, in this process (salvo discover, tests): row r
 * (width values) is replication r's assumptions (drawn), observations and
 * metric scalars. *done rows are complete (a prefix, if stopped). The
 * caller frees the table with free(). NULL with a diagnostic on failure. */
double *fit_sample(const Scenario *s, const FitOptions *o, uint64_t *done, int *width, Diag *d);

/* The batch model behind fit_sample, for a front end that runs it itself
 * (threads, MPI ranks, checkpoints: cli/sample.c). Its metrics are the
 * columns of a row, with ids "assumption:PATH", "observation:ID" and
 * "metric:ID". The scenario must outlive it. NULL when out of memory. */
typedef struct FitModel FitModel;
FitModel *fit_model_create(const Scenario *s);
void fit_model_destroy(FitModel *fm);
const BatchModel *fit_model(const FitModel *fm);
/* The first n rows of a CSV that a batch of model m wrote (header first),
 * as a table of n x m->nmetrics doubles the caller frees. NULL with a
 * diagnostic if the text is not that (or out of memory). */
double *fit_rows_read(FILE *in, const BatchModel *m, uint64_t n, Diag *d);

/* The kernel's scale of an observation (see above). */
double fit_scale(const Observation *o);

#endif
