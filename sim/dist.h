/* dist.h — compiled probability distributions.
 *
 * A Dist is a small tagged value, built once by the scenario loader and
 * drawn from in the event loop with no allocation and no string work.
 * Parameters are stored as the author wrote them (p[0..3]); anything derived
 * (e.g. cumulative weights) is filled in by dist_prepare().
 *
 *   kind          parameters                     mean
 *   CONST         p0 = value                     p0
 *   UNIFORM       p0 = lo, p1 = hi               (lo+hi)/2
 *   EXPONENTIAL   p0 = mean                      p0
 *   NORMAL        p0 = mean, p1 = sd             p0
 *   LOGNORMAL     p0 = mean, p1 = sd (of the     p0
 *                 variable itself, not its log)
 *   TRIANGULAR    p0 = lo, p1 = mode, p2 = hi    (lo+mode+hi)/3
 *   POISSON       p0 = mean                      p0
 *   BERNOULLI     p0 = p                         p0
 *   BINOMIAL      p0 = n, p1 = p                 n p
 *   BETA          p0 = alpha, p1 = beta          a/(a+b)
 *   GAMMA         p0 = shape k, p1 = scale θ     k θ
 *   DISCRETE      values[i] with weights[i]      Σ w v / Σ w
 */
#ifndef SALVO_DIST_H
#define SALVO_DIST_H

#include "rng.h"

typedef enum DistKind {
    DIST_CONST, DIST_UNIFORM, DIST_EXPONENTIAL, DIST_NORMAL, DIST_LOGNORMAL,
    DIST_TRIANGULAR, DIST_POISSON, DIST_BERNOULLI, DIST_BINOMIAL, DIST_BETA,
    DIST_GAMMA, DIST_DISCRETE, DIST__COUNT
} DistKind;

#define DIST_MAX_DISCRETE 16

typedef struct Dist {
    DistKind kind;
    int n;                          /* DISCRETE: number of outcomes */
    double p[4];                    /* parameters, see table above */
    double d[2];                    /* derived by dist_prepare (e.g. log-space mu, sigma) */
    double values[DIST_MAX_DISCRETE];
    double cum[DIST_MAX_DISCRETE];  /* DISCRETE: cumulative normalised weights */
} Dist;

/* Name of a kind as written in scenarios ("exponential"), and back. -1 if unknown. */
const char *dist_kind_name(DistKind k);
int dist_kind_from_name(const char *name);

/* A constant distribution. */
Dist dist_const(double v);

/* Check parameters and fill derived fields. Returns NULL if valid, else a
 * static message saying what is wrong (e.g. "sd must be >= 0"). For
 * DISCRETE, the caller has set n, values[] and put the raw weights in cum[]. */
const char *dist_prepare(Dist *d);

/* One draw. */
double dist_draw(const Dist *d, Rng *r);

/* Analytic mean and variance. */
double dist_mean(const Dist *d);
/* Set the mean of a distribution, keeping its shape (see docs/scenario.md). */
void dist_set_mean(Dist *d, double mean);
double dist_variance(const Dist *d);

/* Standard building blocks, also used directly by models. */
double dist_exponential(Rng *r, double mean);
double dist_normal(Rng *r);            /* N(0,1) */
double dist_gamma(Rng *r, double shape); /* scale 1 */
uint32_t dist_poisson(Rng *r, double mean);
uint32_t dist_binomial(Rng *r, uint32_t n, double p);

#endif
