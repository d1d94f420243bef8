/* test_dist.c — distributions: names, validation messages, analytic
 * moments, sample moments, shape (chi-square against the exact CDF or pmf)
 * and edge cases.
 *
 * Every statistical check uses a fixed seed (stated where it is set), so
 * the suite is deterministic. Tolerances:
 *   - moments: 10^6 draws; the sample mean must be within 5 standard errors
 *     sigma/sqrt(N) of dist_mean, and the sample variance within 5 standard
 *     errors sigma^2 sqrt((kappa + 2)/N) of dist_variance, where kappa is the
 *     analytic excess kurtosis (the large-N form of Var(s^2) = (mu4 - sigma^4
 *     (N-3)/(N-1))/N). A correct sampler fails such a check for about one
 *     seed in 1.7 million.
 *   - shape: chi-square statistic below the p = 1e-6 critical value; for
 *     general dof that is the Wilson-Hilferty approximation with z = 4.7534,
 *     which is slightly conservative (e.g. 181.1 vs the exact 180.8 at 99
 *     dof).
 * Check's ck_assert records a location on every call, so loops count
 * violations and assert once.
 */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dist.h"
#include "testutil.h"

#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
#include <malloc.h>
#define HAVE_MALLINFO2 1
#endif

#define NDRAW 1000000
#define Z_1E6 4.7534 /* one-sided normal quantile for p = 1e-6 */

static double chi2_critical(int dof)
{
    double k = 2.0 / (9.0 * dof);
    double t = 1.0 - k + Z_1E6 * sqrt(k);
    return dof * t * t * t;
}

static Dist make(DistKind kind, double p0, double p1, double p2)
{
    Dist d;
    memset(&d, 0, sizeof d);
    d.kind = kind;
    d.p[0] = p0;
    d.p[1] = p1;
    d.p[2] = p2;
    return d;
}

/* ---- names -------------------------------------------------------------- */

START_TEST(test_kind_names_round_trip)
{
    static const char *const names[DIST__COUNT] = {
        "constant", "uniform", "exponential", "normal", "lognormal", "triangular",
        "poisson", "bernoulli", "binomial", "beta", "gamma", "discrete"};
    for (int k = 0; k < DIST__COUNT; k++) {
        ck_assert_str_eq(dist_kind_name((DistKind)k), names[k]);
        ck_assert_int_eq(dist_kind_from_name(names[k]), k);
    }
    ck_assert_int_eq(dist_kind_from_name("Normal"), -1);
    ck_assert_int_eq(dist_kind_from_name("gauss"), -1);
    ck_assert_int_eq(dist_kind_from_name(""), -1);
    ck_assert_int_eq(dist_kind_from_name(NULL), -1);
    ck_assert_str_eq(dist_kind_name(DIST__COUNT), "unknown");
    ck_assert_str_eq(dist_kind_name((DistKind)-1), "unknown");
}
END_TEST

/* ---- validation --------------------------------------------------------- */

typedef struct BadCase {
    DistKind kind;
    double p0, p1, p2;
    const char *msg;
} BadCase;

static const BadCase BAD[] = {
    {DIST_CONST, NAN, 0, 0, "parameters must be finite numbers"},
    {DIST_UNIFORM, 2, 1, 0, "lo must be <= hi"},
    {DIST_UNIFORM, 0, INFINITY, 0, "parameters must be finite numbers"},
    {DIST_UNIFORM, -1e308, 1e308, 0, "hi - lo must be finite"},
    {DIST_EXPONENTIAL, -1, 0, 0, "mean must be >= 0"},
    {DIST_NORMAL, 0, -1, 0, "sd must be >= 0"},
    {DIST_NORMAL, 0, NAN, 0, "parameters must be finite numbers"},
    {DIST_LOGNORMAL, 0, 1, 0, "mean must be > 0"},
    {DIST_LOGNORMAL, 1, -1, 0, "sd must be >= 0"},
    {DIST_TRIANGULAR, 3, 2, 1, "lo must be <= hi"},
    {DIST_TRIANGULAR, 0, 5, 1, "mode must be in [lo, hi]"},
    {DIST_TRIANGULAR, 0, -1, 1, "mode must be in [lo, hi]"},
    {DIST_POISSON, -0.5, 0, 0, "mean must be >= 0"},
    {DIST_POISSON, 2e9, 0, 0, "mean must be <= 1e9"},
    {DIST_BERNOULLI, 1.5, 0, 0, "p must be in [0,1]"},
    {DIST_BERNOULLI, -0.1, 0, 0, "p must be in [0,1]"},
    {DIST_BINOMIAL, 10.5, 0.5, 0, "n must be a whole number in [0, 4294967295]"},
    {DIST_BINOMIAL, -1, 0.5, 0, "n must be a whole number in [0, 4294967295]"},
    {DIST_BINOMIAL, 5e9, 0.5, 0, "n must be a whole number in [0, 4294967295]"},
    {DIST_BINOMIAL, 10, 1.1, 0, "p must be in [0,1]"},
    {DIST_BETA, 0, 1, 0, "alpha must be > 0"},
    {DIST_BETA, 1, -2, 0, "beta must be > 0"},
    {DIST_GAMMA, 0, 1, 0, "shape must be > 0"},
    {DIST_GAMMA, 1, 0, 0, "scale must be > 0"},
    {(DistKind)99, 0, 0, 0, "unknown distribution kind"},
};

START_TEST(test_prepare_rejects)
{
    const BadCase *c = &BAD[_i];
    Dist d = make(c->kind, c->p0, c->p1, c->p2);
    const char *msg = dist_prepare(&d);
    ck_assert_msg(msg && strcmp(msg, c->msg) == 0, "case %d (%s %g %g %g): got \"%s\", want \"%s\"",
                  _i, dist_kind_name(c->kind), c->p0, c->p1, c->p2, msg ? msg : "(null)", c->msg);
}
END_TEST

START_TEST(test_prepare_discrete)
{
    Dist d;
    memset(&d, 0, sizeof d);
    d.kind = DIST_DISCRETE;
    d.n = 0;
    ck_assert_str_eq(dist_prepare(&d), "discrete needs 1 to 16 outcomes");
    d.n = DIST_MAX_DISCRETE + 1;
    ck_assert_str_eq(dist_prepare(&d), "discrete needs 1 to 16 outcomes");
    d.n = 3;
    ck_assert_str_eq(dist_prepare(&d), "weights must be >= 0 and not all 0");
    d.cum[0] = 1;
    d.cum[1] = -1;
    d.cum[2] = 1;
    ck_assert_str_eq(dist_prepare(&d), "weights must be >= 0 and not all 0");
    d.cum[1] = NAN;
    ck_assert_str_eq(dist_prepare(&d), "weights must be >= 0 and not all 0");
    d.cum[1] = 2;
    d.values[2] = INFINITY;
    ck_assert_str_eq(dist_prepare(&d), "values must be finite numbers");
    d.values[2] = 7;
    ck_assert_ptr_null(dist_prepare(&d));
    ck_assert_double_eq_tol(d.cum[0], 0.25, 1e-15);
    ck_assert_double_eq_tol(d.cum[1], 0.75, 1e-15);
    ck_assert(d.cum[2] == 1.0);
}
END_TEST

START_TEST(test_prepare_accepts_degenerate)
{
    /* Zero-width and zero-spread cases are legal and behave as constants. */
    Dist ok[] = {
        make(DIST_UNIFORM, 2, 2, 0),    make(DIST_NORMAL, 3, 0, 0),
        make(DIST_LOGNORMAL, 4, 0, 0),  make(DIST_TRIANGULAR, 5, 5, 5),
        make(DIST_EXPONENTIAL, 0, 0, 0), make(DIST_POISSON, 0, 0, 0),
        make(DIST_BINOMIAL, 0, 0.5, 0), make(DIST_BERNOULLI, 1, 0, 0),
    };
    const double want[] = {2, 3, 4, 5, 0, 0, 0, 1};
    Rng r;
    rng_seed(&r, 11u, 1u);
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        ck_assert_msg(dist_prepare(&ok[i]) == NULL, "case %zu rejected", i);
        int bad = 0;
        for (int j = 0; j < 1000; j++) bad += !(fabs(dist_draw(&ok[i], &r) - want[i]) <= 1e-12 * want[i]);
        ck_assert_msg(bad == 0, "case %zu (%s): %d draws differ from %g", i,
                      dist_kind_name(ok[i].kind), bad, want[i]);
        ck_assert_double_eq_tol(dist_variance(&ok[i]), 0.0, 1e-12);
    }
}
END_TEST

/* ---- moments ------------------------------------------------------------ */

typedef struct MomentCase {
    const char *what;
    DistKind kind;
    double p0, p1, p2;
    double mean, var; /* worked out by hand, independently of dist.c */
    double kurt;      /* excess kurtosis, for the variance tolerance */
} MomentCase;

static const MomentCase MOM[] = {
    {"uniform(2,5)", DIST_UNIFORM, 2, 5, 0, 3.5, 0.75, -1.2},
    {"exponential(2)", DIST_EXPONENTIAL, 2, 0, 0, 2, 4, 6},
    {"normal(1,2)", DIST_NORMAL, 1, 2, 0, 1, 4, 0},
    /* sigma^2 = log(1.25), so e^{k sigma^2} = 1.25^k. */
    {"lognormal(10,5)", DIST_LOGNORMAL, 10, 5, 0, 10, 25,
     1.25 * 1.25 * 1.25 * 1.25 + 2 * 1.25 * 1.25 * 1.25 + 3 * 1.25 * 1.25 - 6},
    {"triangular(1,2,6)", DIST_TRIANGULAR, 1, 2, 6, 3, 21.0 / 18.0, -0.6},
    {"triangular(0,0,1)", DIST_TRIANGULAR, 0, 0, 1, 1.0 / 3.0, 1.0 / 18.0, -0.6},
    {"poisson(3)", DIST_POISSON, 3, 0, 0, 3, 3, 1.0 / 3.0},
    {"poisson(9.9)", DIST_POISSON, 9.9, 0, 0, 9.9, 9.9, 1.0 / 9.9},
    {"poisson(10)", DIST_POISSON, 10, 0, 0, 10, 10, 0.1},
    {"poisson(50)", DIST_POISSON, 50, 0, 0, 50, 50, 0.02},
    {"poisson(1e5)", DIST_POISSON, 1e5, 0, 0, 1e5, 1e5, 1e-5},
    {"bernoulli(0.3)", DIST_BERNOULLI, 0.3, 0, 0, 0.3, 0.21, (1 - 6 * 0.21) / 0.21},
    {"binomial(20,0.9)", DIST_BINOMIAL, 20, 0.9, 0, 18, 1.8, (1 - 6 * 0.09) / 1.8},
    {"binomial(100,0.4)", DIST_BINOMIAL, 100, 0.4, 0, 40, 24, (1 - 6 * 0.24) / 24},
    {"binomial(1000,0.005)", DIST_BINOMIAL, 1000, 0.005, 0, 5, 4.975, (1 - 6 * 0.004975) / 4.975},
    {"binomial(1e6,0.3)", DIST_BINOMIAL, 1e6, 0.3, 0, 3e5, 2.1e5, (1 - 6 * 0.21) / 2.1e5},
    {"beta(2,5)", DIST_BETA, 2, 5, 0, 2.0 / 7.0, 10.0 / (49.0 * 8.0), -0.12},
    {"beta(0.5,0.5)", DIST_BETA, 0.5, 0.5, 0, 0.5, 0.125, -1.5},
    /* kurt = 6[(a-b)^2(a+b+1) - ab(a+b+2)] / [ab(a+b+2)(a+b+3)] */
    {"beta(0.3,2)", DIST_BETA, 0.3, 2, 0, 0.3 / 2.3, 0.6 / (2.3 * 2.3 * 3.3),
     6 * (1.7 * 1.7 * 3.3 - 0.6 * 4.3) / (0.6 * 4.3 * 5.3)},
    {"gamma(0.3,2)", DIST_GAMMA, 0.3, 2, 0, 0.6, 1.2, 20},
    {"gamma(1,3)", DIST_GAMMA, 1, 3, 0, 3, 9, 6},
    {"gamma(50,0.1)", DIST_GAMMA, 50, 0.1, 0, 5, 0.5, 0.12},
};

static void sample_moments(const Dist *d, Rng *r, int n, double *mean, double *var)
{
    /* Shift by the analytic mean so the sums do not cancel catastrophically
     * (binomial(1e6,0.3) has mean 3e5 and sd 458). */
    double shift = dist_mean(d), s1 = 0.0, s2 = 0.0;
    for (int i = 0; i < n; i++) {
        double x = dist_draw(d, r) - shift;
        s1 += x;
        s2 += x * x;
    }
    *mean = shift + s1 / n;
    *var = (s2 - s1 * s1 / n) / (n - 1);
}

static void check_moments(const char *what, const Dist *d, double kurt, Rng *r)
{
    double m = dist_mean(d), v = dist_variance(d), sm, sv;
    sample_moments(d, r, NDRAW, &sm, &sv);
    double se_m = sqrt(v / NDRAW), se_v = v * sqrt((kurt + 2.0) / NDRAW);
    ck_assert_msg(fabs(sm - m) <= 5.0 * se_m, "%s: sample mean %.6g, analytic %.6g, 5 SE = %.3g",
                  what, sm, m, 5.0 * se_m);
    ck_assert_msg(fabs(sv - v) <= 5.0 * se_v, "%s: sample variance %.6g, analytic %.6g, 5 SE = %.3g",
                  what, sv, v, 5.0 * se_v);
}

START_TEST(test_moments)
{
    const MomentCase *c = &MOM[_i];
    Dist d = make(c->kind, c->p0, c->p1, c->p2);
    ck_assert_ptr_null(dist_prepare(&d));
    ck_assert_msg(fabs(dist_mean(&d) - c->mean) <= 1e-12 * fabs(c->mean), "%s: dist_mean %.17g, want %.17g",
                  c->what, dist_mean(&d), c->mean);
    ck_assert_msg(fabs(dist_variance(&d) - c->var) <= 1e-12 * c->var, "%s: dist_variance %.17g, want %.17g",
                  c->what, dist_variance(&d), c->var);
    /* Seed: PCG32 initstate 1000 + case index, stream 54. */
    Rng r;
    rng_seed(&r, 1000u + (uint64_t)_i, 54u);
    check_moments(c->what, &d, c->kurt, &r);
}
END_TEST

static Dist discrete_1_2_5_10(void)
{
    /* values 1, 2, 5, 10 with weights 1, 0, 3, 2: probabilities 1/6, 0,
     * 1/2, 1/3; mean 6, E[x^2] = 46, variance 10, mu4 = 625/6 + 1/2 + 256/3
     * = 190, excess kurtosis 190/100 - 3 = -1.1. */
    Dist d;
    memset(&d, 0, sizeof d);
    d.kind = DIST_DISCRETE;
    d.n = 4;
    const double v[4] = {1, 2, 5, 10}, w[4] = {1, 0, 3, 2};
    for (int i = 0; i < 4; i++) {
        d.values[i] = v[i];
        d.cum[i] = w[i];
    }
    return d;
}

START_TEST(test_moments_discrete)
{
    Dist d = discrete_1_2_5_10();
    ck_assert_ptr_null(dist_prepare(&d));
    ck_assert_double_eq_tol(dist_mean(&d), 6.0, 1e-12);
    ck_assert_double_eq_tol(dist_variance(&d), 10.0, 1e-12);
    Rng r;
    rng_seed(&r, 2000u, 54u); /* seed */
    check_moments("discrete", &d, -1.1, &r);
}
END_TEST

START_TEST(test_constant)
{
    Dist d = dist_const(3.5);
    ck_assert_ptr_null(dist_prepare(&d));
    ck_assert_int_eq(d.kind, DIST_CONST);
    ck_assert(dist_mean(&d) == 3.5);
    ck_assert(dist_variance(&d) == 0.0);
    Rng r;
    rng_seed(&r, 1u, 1u);
    int bad = 0;
    for (int i = 0; i < 1000; i++) bad += dist_draw(&d, &r) != 3.5;
    ck_assert_int_eq(bad, 0);
}
END_TEST

START_TEST(test_gamma_log_moments)
{
    /* For X ~ Gamma(k), E[log X] = digamma(k) and Var[log X] = trigamma(k)
     * (values from mpmath). The log is where the shape < 1 boost acts (it
     * adds log(u)/k), so this checks the boost more sharply than the mean of
     * X does. 10^6 draws, 5 standard errors, seeds 3000 and 3001. */
    static const struct {
        double shape, digamma, trigamma;
    } cases[] = {
        {0.3, -3.5025242222001331, 12.245364546107731},
        {50.0, 3.9019896734278922, 0.020201333226697126},
    };
    for (int c = 0; c < 2; c++) {
        Rng r;
        rng_seed(&r, 3000u + (uint64_t)c, 54u);
        double s = 0.0;
        for (int i = 0; i < NDRAW; i++) s += log(dist_gamma(&r, cases[c].shape));
        double tol = 5.0 * sqrt(cases[c].trigamma / NDRAW);
        ck_assert_msg(fabs(s / NDRAW - cases[c].digamma) <= tol, "shape %g: mean log %.6g, want %.6g +- %.3g",
                      cases[c].shape, s / NDRAW, cases[c].digamma, tol);
    }
}
END_TEST

/* ---- shape: continuous, by the probability integral transform ----------- */

/* If X has CDF F, F(X) is U(0,1): bin F(X) into 100 equal bins. */
typedef double (*CdfFn)(double x, const Dist *d);

static double cdf_normal(double x, const Dist *d)
{
    return 0.5 * erfc(-(x - d->p[0]) / (d->p[1] * sqrt(2.0)));
}
static double cdf_exponential(double x, const Dist *d)
{
    return x <= 0 ? 0.0 : -expm1(-x / d->p[0]);
}
static double cdf_gamma2(double x, const Dist *d) /* shape 2 */
{
    double y = x / d->p[1];
    return 1.0 - exp(-y) * (1.0 + y);
}
static double cdf_arcsine(double x, const Dist *d) /* beta(1/2, 1/2) */
{
    (void)d;
    return 2.0 / M_PI * asin(sqrt(x));
}
static double cdf_triangular(double x, const Dist *d)
{
    double a = d->p[0], c = d->p[1], b = d->p[2];
    if (x <= c) return (x - a) * (x - a) / ((b - a) * (c - a));
    return 1.0 - (b - x) * (b - x) / ((b - a) * (b - c));
}
static double cdf_lognormal(double x, const Dist *d)
{
    /* Recompute log-space parameters here rather than trusting d->d[]. */
    double s2 = log(1.0 + d->p[1] * d->p[1] / (d->p[0] * d->p[0]));
    double mu = log(d->p[0]) - 0.5 * s2;
    return 0.5 * erfc(-(log(x) - mu) / sqrt(2.0 * s2));
}
static double cdf_uniform(double x, const Dist *d)
{
    return (x - d->p[0]) / (d->p[1] - d->p[0]);
}

typedef struct CdfCase {
    const char *what;
    DistKind kind;
    double p0, p1, p2;
    CdfFn cdf;
} CdfCase;

static const CdfCase CDF[] = {
    {"normal(0,1)", DIST_NORMAL, 0, 1, 0, cdf_normal},
    {"normal(-3,0.5)", DIST_NORMAL, -3, 0.5, 0, cdf_normal},
    {"exponential(1.5)", DIST_EXPONENTIAL, 1.5, 0, 0, cdf_exponential},
    {"gamma(2,0.7)", DIST_GAMMA, 2, 0.7, 0, cdf_gamma2},
    {"beta(0.5,0.5)", DIST_BETA, 0.5, 0.5, 0, cdf_arcsine},
    {"triangular(-1,0.5,4)", DIST_TRIANGULAR, -1, 0.5, 4, cdf_triangular},
    {"lognormal(2,3)", DIST_LOGNORMAL, 2, 3, 0, cdf_lognormal},
    {"uniform(-2,7)", DIST_UNIFORM, -2, 7, 0, cdf_uniform},
};

START_TEST(test_cdf_chi2)
{
    enum { NB = 100 };
    const CdfCase *c = &CDF[_i];
    Dist d = make(c->kind, c->p0, c->p1, c->p2);
    ck_assert_ptr_null(dist_prepare(&d));
    Rng r;
    rng_seed(&r, 4000u + (uint64_t)_i, 54u); /* seed */
    uint64_t bins[NB] = {0};
    int outside = 0;
    for (int i = 0; i < NDRAW; i++) {
        double u = c->cdf(dist_draw(&d, &r), &d);
        if (u >= 0.0 && u <= 1.0) bins[u >= 1.0 ? NB - 1 : (int)(u * NB)]++;
        else outside++;
    }
    ck_assert_int_eq(outside, 0);
    double e = (double)NDRAW / NB, chi2 = 0.0;
    for (int b = 0; b < NB; b++) chi2 += (bins[b] - e) * (bins[b] - e) / e;
    ck_assert_msg(chi2 < chi2_critical(NB - 1), "%s: chi2 %.1f >= %.1f", c->what, chi2, chi2_critical(NB - 1));
}
END_TEST

START_TEST(test_normal_ziggurat_layers)
{
    /* The ziggurat's errors live in specific places: a wrong wedge test
     * distorts the density inside one layer's x-range, a wrong tail sampler
     * distorts |x| > R = 3.6541528853610088, and 100 equal-probability
     * bins over 10^6 draws are too coarse to see either (a wedge that
     * accepted everything shifts only ~0.7% of the mass). So: 10^7 draws of
     * |x|, binned at the layer edges (recomputed here from R and the layer
     * area v by the same recurrence dist.c's table came from), expected
     * counts from the exact probabilities erfc(a/sqrt 2) - erfc(b/sqrt 2).
     * Two chi-square tests, each at p = 1e-6: the 256 layers with the tail
     * as one bin (Wilson-Hilferty critical value), and, separately so that
     * the many body bins do not dilute it, the tail alone split at 3.8,
     * 3.95, 4.1 and 4.3 (~2580 draws, 5 bins, 4 dof: exact 33.38).
     * Folding loses the sign, so the tail's sign balance is checked apart:
     * negatives among the tail draws within 5 binomial SEs of half.
     * Seed 5000. */
    enum { NL = 256, NZ = 10000000 };
    const double R = 3.6541528853610088, V = 0.0049286732339746535;
    /* edge[0..ne-1] descending: 4.3, 4.1, 3.95, 3.8, R = x1, x2, ..., x255, 0. */
    enum { NT = 5 }; /* tail bins */
    double edge[NL + NT];
    int ne = 0;
    edge[ne++] = 4.3;
    edge[ne++] = 4.1;
    edge[ne++] = 3.95;
    edge[ne++] = 3.8;
    double x = R;
    edge[ne++] = x;
    for (int i = 1; i < NL - 1; i++) {
        double y = exp(-0.5 * x * x) + V / x;
        x = y < 1.0 ? sqrt(-2.0 * log(y)) : 0.0;
        edge[ne++] = x;
    }
    edge[ne++] = 0.0;
    ck_assert_int_eq(ne, NL + NT - 1);
    /* bin 0 = [4.3, inf); bin j = [edge[j], edge[j-1]). */
    static uint64_t count[NL + NT];
    memset(count, 0, sizeof count);
    Rng r;
    rng_seed(&r, 5000u, 54u);
    int tail_neg = 0;
    for (int i = 0; i < NZ; i++) {
        double z = dist_normal(&r), a = fabs(z);
        tail_neg += z < -R;
        int lo = 0, hi = ne - 1; /* first j with edge[j] <= a */
        while (lo < hi) {
            int mid = (lo + hi) / 2;
            if (edge[mid] <= a) hi = mid;
            else lo = mid + 1;
        }
        count[lo]++;
    }
    double chi2_tail = 0.0, chi2_body = 0.0, tail_e = 0.0, tail_o = 0.0;
    for (int j = 0; j < ne; j++) {
        double upper = j == 0 ? INFINITY : edge[j - 1];
        double e = NZ * (erfc(edge[j] / sqrt(2.0)) - erfc(upper / sqrt(2.0)));
        if (j < NT) {
            chi2_tail += (count[j] - e) * (count[j] - e) / e;
            tail_e += e;
            tail_o += count[j];
        } else {
            chi2_body += (count[j] - e) * (count[j] - e) / e;
        }
    }
    chi2_body += (tail_o - tail_e) * (tail_o - tail_e) / tail_e;
    ck_assert_msg(chi2_body < chi2_critical(NL - 1), "layers: chi2 %.1f >= %.1f", chi2_body,
                  chi2_critical(NL - 1));
    ck_assert_msg(fabs(tail_neg - 0.5 * tail_o) <= 5.0 * sqrt(0.25 * tail_o), "tail: %d of %.0f negative",
                  tail_neg, tail_o);
    ck_assert_msg(chi2_tail < 33.38, "tail: chi2 %.1f >= 33.38 (%.0f draws, %.1f expected)", chi2_tail, tail_o,
                  tail_e);
}
END_TEST

/* ---- shape: discrete, against the exact pmf ----------------------------- */

typedef struct PmfCase {
    const char *what;
    DistKind kind;
    double p0, p1;
    int ndraw;
} PmfCase;

/* Cases on both sides of each method switch (Poisson inversion below mean
 * 10, PTRS above; binomial inversion below n p = 10, BTRS above), where the
 * rejection methods' hats fit worst. */
static const PmfCase PMF[] = {
    {"poisson(3)", DIST_POISSON, 3, 0, NDRAW},
    {"poisson(9.5)", DIST_POISSON, 9.5, 0, NDRAW},
    {"poisson(10.5)", DIST_POISSON, 10.5, 0, NDRAW},
    {"poisson(30)", DIST_POISSON, 30, 0, NDRAW},
    {"poisson(2000)", DIST_POISSON, 2000, 0, NDRAW},
    {"binomial(20,0.9)", DIST_BINOMIAL, 20, 0.9, NDRAW},
    {"binomial(95,0.1)", DIST_BINOMIAL, 95, 0.1, NDRAW},
    {"binomial(105,0.1)", DIST_BINOMIAL, 105, 0.1, NDRAW},
    {"binomial(100,0.4)", DIST_BINOMIAL, 100, 0.4, NDRAW},
    {"binomial(30,0.5)", DIST_BINOMIAL, 30, 0.5, NDRAW},
    {"binomial(1e6,0.3)", DIST_BINOMIAL, 1e6, 0.3, NDRAW},
    {"binomial(5000,0.001)", DIST_BINOMIAL, 5000, 0.001, NDRAW},
};

static double log_pmf(const Dist *d, double k)
{
    if (d->kind == DIST_POISSON) return k * log(d->p[0]) - d->p[0] - lgamma(k + 1.0);
    double n = d->p[0], p = d->p[1];
    return lgamma(n + 1.0) - lgamma(k + 1.0) - lgamma(n - k + 1.0) + k * log(p) + (n - k) * log1p(-p);
}

START_TEST(test_pmf_chi2)
{
    /* Consecutive k are merged into bins of expected count >= 50; k beyond
     * 12 sd of the mean is a failure on its own (probability < 1e-30). */
    const PmfCase *c = &PMF[_i];
    Dist d = make(c->kind, c->p0, c->p1, 0);
    ck_assert_ptr_null(dist_prepare(&d));
    double m = dist_mean(&d), sd = sqrt(dist_variance(&d));
    double lo = fmax(0.0, floor(m - 12.0 * sd - 20.0));
    double hi = floor(m + 12.0 * sd + 20.0);
    if (c->kind == DIST_BINOMIAL) hi = fmin(hi, c->p0);
    int width = (int)(hi - lo) + 1;
    int *bin_of = malloc((size_t)width * sizeof *bin_of);
    double *expect = malloc((size_t)width * sizeof *expect);
    uint64_t *count = calloc((size_t)width, sizeof *count);
    ck_assert(bin_of && expect && count);
    int nb = 0;
    double acc = 0.0;
    for (int j = 0; j < width; j++) {
        acc += c->ndraw * exp(log_pmf(&d, lo + j));
        bin_of[j] = nb;
        if (acc >= 50.0) {
            expect[nb++] = acc;
            acc = 0.0;
        }
    }
    /* A short last bin joins the one before it. */
    if (nb == 0) expect[nb++] = acc;
    else expect[nb - 1] += acc;
    for (int j = 0; j < width; j++)
        if (bin_of[j] >= nb) bin_of[j] = nb - 1;

    Rng r;
    rng_seed(&r, 6000u + (uint64_t)_i, 54u); /* seed */
    int outside = 0;
    for (int i = 0; i < c->ndraw; i++) {
        double k = dist_draw(&d, &r);
        if (k >= lo && k <= hi && k == floor(k)) count[bin_of[(int)(k - lo)]]++;
        else outside++;
    }
    ck_assert_msg(outside == 0, "%s: %d draws outside [%g, %g] or not whole", c->what, outside, lo, hi);
    double chi2 = 0.0;
    for (int b = 0; b < nb; b++) chi2 += (count[b] - expect[b]) * (count[b] - expect[b]) / expect[b];
    ck_assert_msg(nb >= 5, "%s: only %d bins", c->what, nb);
    ck_assert_msg(chi2 < chi2_critical(nb - 1), "%s: chi2 %.1f >= %.1f (%d bins)", c->what, chi2,
                  chi2_critical(nb - 1), nb);
    free(bin_of);
    free(expect);
    free(count);
}
END_TEST

START_TEST(test_discrete_frequencies)
{
    /* Probabilities 1/6, 0, 1/2, 1/3: the zero-weight outcome never comes
     * up, the rest pass a chi-square (2 dof, p = 1e-6 at 27.63). Seed 7000. */
    Dist d = discrete_1_2_5_10();
    ck_assert_ptr_null(dist_prepare(&d));
    Rng r;
    rng_seed(&r, 7000u, 54u);
    int c[4] = {0, 0, 0, 0}, other = 0;
    for (int i = 0; i < NDRAW; i++) {
        double x = dist_draw(&d, &r);
        if (x == 1) c[0]++;
        else if (x == 2) c[1]++;
        else if (x == 5) c[2]++;
        else if (x == 10) c[3]++;
        else other++;
    }
    ck_assert_int_eq(other, 0);
    ck_assert_int_eq(c[1], 0);
    const double p[4] = {1.0 / 6, 0, 0.5, 1.0 / 3};
    double chi2 = 0.0;
    for (int i = 0; i < 4; i++)
        if (p[i] > 0) chi2 += (c[i] - NDRAW * p[i]) * (c[i] - NDRAW * p[i]) / (NDRAW * p[i]);
    ck_assert_double_lt(chi2, 27.63);
}
END_TEST

START_TEST(test_discrete_zero_weights_at_ends)
{
    /* Leading and trailing zero weights: only the middle outcome exists. */
    Dist d;
    memset(&d, 0, sizeof d);
    d.kind = DIST_DISCRETE;
    d.n = 5;
    const double w[5] = {0, 0, 1e-300, 0, 0};
    for (int i = 0; i < 5; i++) {
        d.values[i] = i;
        d.cum[i] = w[i];
    }
    ck_assert_ptr_null(dist_prepare(&d));
    ck_assert(dist_mean(&d) == 2.0);
    Rng r;
    rng_seed(&r, 7001u, 54u);
    int bad = 0;
    for (int i = 0; i < 100000; i++) bad += dist_draw(&d, &r) != 2.0;
    ck_assert_int_eq(bad, 0);
}
END_TEST

/* ---- edge cases --------------------------------------------------------- */

START_TEST(test_exponential_finite_nonnegative)
{
    Rng r;
    rng_seed(&r, 8000u, 54u);
    Dist d = make(DIST_EXPONENTIAL, 1.0, 0, 0);
    ck_assert_ptr_null(dist_prepare(&d));
    int bad = 0;
    double sx = 0.0, sy = 0.0;
    for (int i = 0; i < NDRAW; i++) {
        double x = dist_draw(&d, &r);
        bad += !(x >= 0.0) || !isfinite(x);
        double y = dist_exponential(&r, 1e300);
        bad += !(y >= 0.0) || !isfinite(y);
        sx += x;
        sy += y / 1e300;
    }
    ck_assert_int_eq(bad, 0);
    /* And the right scale: means 1 and 1e300 within 5 SE (sd = mean). */
    ck_assert_double_eq_tol(sx / NDRAW, 1.0, 5.0 / sqrt(NDRAW));
    ck_assert_double_eq_tol(sy / NDRAW, 1.0, 5.0 / sqrt(NDRAW));
    d.p[0] = 0.0;
    ck_assert_ptr_null(dist_prepare(&d));
    ck_assert(dist_draw(&d, &r) == 0.0);
}
END_TEST

START_TEST(test_uniform_half_open)
{
    Rng r;
    rng_seed(&r, 8001u, 54u);
    Dist d = make(DIST_UNIFORM, -1.0, 3.0, 0);
    ck_assert_ptr_null(dist_prepare(&d));
    int bad = 0;
    for (int i = 0; i < NDRAW; i++) {
        double x = dist_draw(&d, &r);
        bad += !(x >= -1.0 && x < 3.0);
    }
    ck_assert_int_eq(bad, 0);
    /* hi is one ulp above lo: lo + (hi-lo) u rounds to hi about half the
     * time, and those must be redrawn, so every draw is exactly lo. */
    d = make(DIST_UNIFORM, 1.0, nextafter(1.0, 2.0), 0);
    ck_assert_ptr_null(dist_prepare(&d));
    for (int i = 0; i < 10000; i++) bad += dist_draw(&d, &r) != 1.0;
    ck_assert_int_eq(bad, 0);
}
END_TEST

START_TEST(test_triangular_bounds)
{
    static const double cases[][3] = {{1, 2, 6}, {0, 0, 1}, {0, 1, 1}, {-5, -5, -5}, {1e6, 1e6 + 1, 1e6 + 3}};
    Rng r;
    rng_seed(&r, 8002u, 54u);
    int bad = 0;
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        Dist d = make(DIST_TRIANGULAR, cases[c][0], cases[c][1], cases[c][2]);
        ck_assert_ptr_null(dist_prepare(&d));
        for (int i = 0; i < 200000; i++) {
            double x = dist_draw(&d, &r);
            bad += !(x >= cases[c][0] && x <= cases[c][2]);
        }
    }
    ck_assert_int_eq(bad, 0);
}
END_TEST

START_TEST(test_beta_in_unit_interval)
{
    /* Tiny shapes put nearly all mass at 0 and 1, where naive X/(X+Y) from
     * underflowing gamma draws gives 0/0. */
    static const double cases[][2] = {{0.05, 0.05}, {0.01, 3}, {2, 5}, {0.3, 2}, {1e3, 1e-3}};
    Rng r;
    rng_seed(&r, 8003u, 54u);
    int bad = 0;
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        Dist d = make(DIST_BETA, cases[c][0], cases[c][1], 0);
        ck_assert_ptr_null(dist_prepare(&d));
        for (int i = 0; i < 200000; i++) {
            double x = dist_draw(&d, &r);
            bad += !(x >= 0.0 && x <= 1.0);
        }
    }
    ck_assert_int_eq(bad, 0);
}
END_TEST

START_TEST(test_binomial_range_and_trivial)
{
    Rng r;
    rng_seed(&r, 8004u, 54u);
    static const struct {
        uint32_t n;
        double p;
    } cases[] = {{10, 0.5}, {1, 0.5}, {1000000, 0.3}, {20, 0.9}, {4294967295u, 1e-9}, {4294967295u, 0.5}};
    int bad = 0;
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++)
        for (int i = 0; i < 100000; i++) bad += dist_binomial(&r, cases[c].n, cases[c].p) > cases[c].n;
    ck_assert_int_eq(bad, 0);
    for (int i = 0; i < 100; i++) {
        bad += dist_binomial(&r, 0, 0.5) != 0;
        bad += dist_binomial(&r, 50, 0.0) != 0;
        bad += dist_binomial(&r, 50, 1.0) != 50;
    }
    ck_assert_int_eq(bad, 0);
}
END_TEST

START_TEST(test_poisson_zero_mean)
{
    Rng r;
    rng_seed(&r, 8005u, 54u);
    Dist d = make(DIST_POISSON, 0.0, 0, 0);
    ck_assert_ptr_null(dist_prepare(&d));
    int bad = 0;
    for (int i = 0; i < 1000; i++) {
        bad += dist_poisson(&r, 0.0) != 0u;
        bad += dist_draw(&d, &r) != 0.0;
    }
    ck_assert_int_eq(bad, 0);
}
END_TEST

START_TEST(test_gamma_extreme_shapes)
{
    /* Very small shapes underflow to 0 often (P(X < 1e-300) is large at
     * shape 0.01) but must never be negative, NaN or infinite. */
    Rng r;
    rng_seed(&r, 8006u, 54u);
    static const double shapes[] = {0.01, 0.3, 1.0, 50.0, 1e6};
    /* And the mean of Gamma(k, 1) is k, variance k: within 5 SE,
     * sqrt(k / N), N = 10^5. */
    int bad = 0, off = 0;
    for (size_t c = 0; c < sizeof shapes / sizeof shapes[0]; c++) {
        double sum = 0.0;
        for (int i = 0; i < 100000; i++) {
            double x = dist_gamma(&r, shapes[c]);
            bad += !(x >= 0.0) || !isfinite(x);
            sum += x;
        }
        off += fabs(sum / 100000 - shapes[c]) > 5.0 * sqrt(shapes[c] / 100000);
    }
    ck_assert_int_eq(bad, 0);
    ck_assert_int_eq(off, 0);
}
END_TEST

START_TEST(test_dist_draw_matches_building_blocks)
{
    /* A prepared Dist and the rng_* function give the same numbers from the
     * same stream, so models may use either. */
    Rng a, b;
    rng_seed(&a, 8007u, 54u);
    b = a;
    Dist g = make(DIST_GAMMA, 0.7, 1.0, 0), p1 = make(DIST_POISSON, 4.0, 0, 0), p2 = make(DIST_POISSON, 400.0, 0, 0);
    Dist bn = make(DIST_BINOMIAL, 500, 0.2, 0), e = make(DIST_EXPONENTIAL, 2.5, 0, 0);
    ck_assert_ptr_null(dist_prepare(&g));
    ck_assert_ptr_null(dist_prepare(&p1));
    ck_assert_ptr_null(dist_prepare(&p2));
    ck_assert_ptr_null(dist_prepare(&bn));
    ck_assert_ptr_null(dist_prepare(&e));
    int bad = 0;
    for (int i = 0; i < 10000; i++) {
        bad += dist_draw(&g, &a) != dist_gamma(&b, 0.7);
        bad += dist_draw(&p1, &a) != (double)dist_poisson(&b, 4.0);
        bad += dist_draw(&p2, &a) != (double)dist_poisson(&b, 400.0);
        bad += dist_draw(&bn, &a) != (double)dist_binomial(&b, 500, 0.2);
        bad += dist_draw(&e, &a) != dist_exponential(&b, 2.5);
    }
    ck_assert_int_eq(bad, 0);
    ck_assert_uint_eq(a.state, b.state);
}
END_TEST

START_TEST(test_reproducible)
{
    /* Same seed, same draws, for every kind. */
    for (size_t c = 0; c < sizeof MOM / sizeof MOM[0]; c++) {
        Dist d = make(MOM[c].kind, MOM[c].p0, MOM[c].p1, MOM[c].p2);
        ck_assert_ptr_null(dist_prepare(&d));
        Rng a, b;
        rng_keyed(&a, 7u, c, "test", MOM[c].what);
        rng_keyed(&b, 7u, c, "test", MOM[c].what);
        int bad = 0;
        for (int i = 0; i < 1000; i++) bad += dist_draw(&d, &a) != dist_draw(&d, &b);
        ck_assert_msg(bad == 0, "%s", MOM[c].what);
    }
}
END_TEST

START_TEST(test_draw_does_not_allocate)
{
#ifdef HAVE_MALLINFO2
    /* glibc's count of bytes in use must not move across 10^4 draws of
     * every kind (under ASan, whose allocator glibc does not see, this
     * checks nothing but still runs the draws). */
    Dist all[sizeof MOM / sizeof MOM[0] + 2];
    int nd = 0;
    for (size_t c = 0; c < sizeof MOM / sizeof MOM[0]; c++) {
        all[nd] = make(MOM[c].kind, MOM[c].p0, MOM[c].p1, MOM[c].p2);
        ck_assert_ptr_null(dist_prepare(&all[nd]));
        nd++;
    }
    all[nd++] = discrete_1_2_5_10();
    ck_assert_ptr_null(dist_prepare(&all[nd - 1]));
    all[nd++] = dist_const(1.0);
    Rng r;
    rng_seed(&r, 9000u, 54u);
    double sink = 0.0;
    size_t before = mallinfo2().uordblks;
    for (int k = 0; k < nd; k++)
        for (int i = 0; i < 10000; i++) sink += dist_draw(&all[k], &r);
    size_t after = mallinfo2().uordblks;
    ck_assert_uint_eq(before, after);
    ck_assert(isfinite(sink));
#endif
}
END_TEST

START_TEST(test_prepare_idempotent)
{
    /* Preparing again (the loader does, after rescaling a parameter's mean)
     * must not change anything; for DISCRETE in particular the cumulative
     * table must not be mistaken for raw weights and normalised again. */
    Dist d;
    memset(&d, 0, sizeof d);
    d.kind = DIST_DISCRETE;
    d.n = 4;
    const double v[4] = {1, 2, 5, 10}, w[4] = {1, 0, 3, 2};
    for (int i = 0; i < 4; i++) {
        d.values[i] = v[i];
        d.cum[i] = w[i];
    }
    ck_assert_ptr_null(dist_prepare(&d));
    Dist once = d;
    ck_assert_ptr_null(dist_prepare(&d));
    ck_assert_int_eq(memcmp(&once, &d, sizeof d), 0);
    /* Rescale the values, as dist_set_mean does, and prepare again. */
    for (int i = 0; i < 4; i++) d.values[i] *= 2.0;
    ck_assert_ptr_null(dist_prepare(&d));
    ck_assert_double_eq_tol(dist_mean(&d), 12.0, 1e-12);
    ck_assert_double_eq_tol(dist_variance(&d), 40.0, 1e-12);
    /* A prepared table overwritten with raw weights but still marked is
     * caught, not silently misread... */
    d.cum[0] = 1;
    d.cum[1] = 2;
    d.cum[2] = 3;
    d.cum[3] = 4;
    ck_assert_str_eq(dist_prepare(&d), "discrete table is not cumulative; to give new raw weights, set d[0] = 0 first");
    /* ...and clearing the mark makes them raw weights again. */
    d.d[0] = 0.0;
    ck_assert_ptr_null(dist_prepare(&d));
    ck_assert_double_eq_tol(d.cum[0], 0.1, 1e-15);
    ck_assert(d.cum[3] == 1.0);
    /* The other kinds: derived fields come from p[] alone. */
    for (size_t c = 0; c < sizeof MOM / sizeof MOM[0]; c++) {
        Dist a = make(MOM[c].kind, MOM[c].p0, MOM[c].p1, MOM[c].p2);
        ck_assert_ptr_null(dist_prepare(&a));
        Dist b = a;
        ck_assert_ptr_null(dist_prepare(&b));
        ck_assert_msg(memcmp(&a, &b, sizeof a) == 0, "%s", MOM[c].what);
    }
}
END_TEST

/* dist_set_mean keeps the kind and the shape for every kind (issue 8, item
 * 8): the new mean is exact, a distribution whose old mean is 0 (or whose
 * mean changes sign) is shifted, keeping its variance, and one whose mean
 * keeps its sign is scaled, multiplying the variance by f^2 for the
 * location-scale kinds. Expected variances are stated per case; -1 means
 * "not checked" (kinds whose parameters tie the variance to the mean). */
static Dist discrete3(double a, double b, double c)
{
    Dist d;
    memset(&d, 0, sizeof d);
    d.kind = DIST_DISCRETE;
    d.n = 3;
    d.values[0] = a; d.values[1] = b; d.values[2] = c;
    d.cum[0] = 1; d.cum[1] = 2; d.cum[2] = 1;
    return d;
}

START_TEST(test_set_mean_keeps_shape)
{
    struct { const char *what; Dist d; double mean, var; } C[] = {
        { "const", make(DIST_CONST, 3, 0, 0), 5, 0 },
        { "uniform mean 0", make(DIST_UNIFORM, -1, 1, 0), 4, 4.0 / 12 },
        { "uniform scaled", make(DIST_UNIFORM, 1, 3, 0), 4, 16.0 / 12 },
        { "uniform sign change", make(DIST_UNIFORM, 1, 3, 0), -2, 4.0 / 12 },
        { "uniform to 0", make(DIST_UNIFORM, 1, 3, 0), 0, 4.0 / 12 },
        { "triangular mean 0", make(DIST_TRIANGULAR, -3, 0, 3), 2, 27.0 / 18 },
        { "triangular scaled", make(DIST_TRIANGULAR, 2, 3, 7), 6, 2.25 * 21 / 18.0 },
        { "discrete mean 0", discrete3(-2, 0, 2), 10, 2.0 },
        { "discrete scaled", discrete3(1, 2, 3), 4, 4 * 0.5 },
        { "exponential", make(DIST_EXPONENTIAL, 2, 0, 0), 3, 9 },
        { "normal scaled", make(DIST_NORMAL, 2, 1, 0), 4, 4 },
        { "normal mean 0", make(DIST_NORMAL, 0, 1.5, 0), 1, 2.25 },
        { "lognormal", make(DIST_LOGNORMAL, 2, 1, 0), 4, 4 },
        { "poisson", make(DIST_POISSON, 2, 0, 0), 5, 5 },
        { "poisson mean 0", make(DIST_POISSON, 0, 0, 0), 5, 5 },
        { "bernoulli", make(DIST_BERNOULLI, 0.2, 0, 0), 0.5, 0.25 },
        { "binomial", make(DIST_BINOMIAL, 10, 0.2, 0), 5, 2.5 },
        { "beta", make(DIST_BETA, 2, 2, 0), 0.25, -1 },
        { "gamma", make(DIST_GAMMA, 2, 1, 0), 6, 18 },
    };
    for (size_t c = 0; c < sizeof C / sizeof C[0]; c++) {
        Dist d = C[c].d;
        ck_assert_msg(dist_prepare(&d) == NULL, "%s", C[c].what);
        dist_set_mean(&d, C[c].mean);
        ck_assert_msg(d.kind == C[c].d.kind, "%s: kind %d became %d", C[c].what, C[c].d.kind, d.kind);
        ck_assert_msg(fabs(dist_mean(&d) - C[c].mean) < 1e-12, "%s: mean %.17g, wanted %g", C[c].what,
                      dist_mean(&d), C[c].mean);
        if (C[c].var >= 0)
            ck_assert_msg(fabs(dist_variance(&d) - C[c].var) < 1e-12, "%s: variance %.17g, wanted %.17g",
                          C[c].what, dist_variance(&d), C[c].var);
    }
    /* Beta keeps alpha + beta. */
    Dist b = make(DIST_BETA, 2, 2, 0);
    ck_assert_ptr_null(dist_prepare(&b));
    dist_set_mean(&b, 0.25);
    ck_assert_double_eq_tol(b.p[0] + b.p[1], 4.0, 1e-12);
}
END_TEST

#define COUNT(a) ((int)(sizeof(a) / sizeof((a)[0])))

Suite *suite_dist(void)
{
    Suite *s = suite_create("dist");
    TCASE(s, "names", 0, NO_FIXTURE, test_kind_names_round_trip);
    TCase *tc = TCASE(s, "prepare", 0, NO_FIXTURE, test_prepare_discrete, test_prepare_accepts_degenerate,
                      test_prepare_idempotent, test_set_mean_keeps_shape);
    tcase_add_loop_test(tc, test_prepare_rejects, 0, COUNT(BAD));
    /* Generous timeouts: the sanitizer build is several times slower. */
    tc = TCASE(s, "moments", 120, NO_FIXTURE, test_moments_discrete, test_constant, test_gamma_log_moments);
    tcase_add_loop_test(tc, test_moments, 0, COUNT(MOM));
    tc = TCASE(s, "shape", 120, NO_FIXTURE, test_normal_ziggurat_layers, test_discrete_frequencies,
               test_discrete_zero_weights_at_ends);
    tcase_add_loop_test(tc, test_cdf_chi2, 0, COUNT(CDF));
    tcase_add_loop_test(tc, test_pmf_chi2, 0, COUNT(PMF));
    TCASE(s, "edges", 120, NO_FIXTURE, test_exponential_finite_nonnegative, test_uniform_half_open,
          test_triangular_bounds, test_beta_in_unit_interval, test_binomial_range_and_trivial,
          test_poisson_zero_mean, test_gamma_extreme_shapes, test_dist_draw_matches_building_blocks,
          test_reproducible, test_draw_does_not_allocate);
    return s;
}
