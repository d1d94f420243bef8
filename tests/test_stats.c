/* test_stats.c — moments, the quantile sketch and daily counts (sim/stats.c).
 *
 * Statistical checks compare the sketch with exact order statistics of the
 * same sample (sorted copy), so the tolerance is the sketch's documented
 * relative accuracy STATS_SKETCH_ALPHA, not a sampling tolerance. Samples
 * come from PCG32 streams seeded directly (state/inc below), seeds stated.
 */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rng.h"
#include "stats.h"
#include "testutil.h"

static Rng test_rng(uint64_t seed)
{
    /* A fixed stream without rng_seed(): the inline generator only. */
    Rng r = { seed * 0x9e3779b97f4a7c15ULL + 1, (seed << 1) | 1 };
    for (int i = 0; i < 4; i++) (void)rng_u32(&r);
    return r;
}

static double normal(Rng *r)
{
    double u = rng_open01(r), v = rng_double(r);
    return sqrt(-2.0 * log(u)) * cos(6.283185307179586 * v);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* |est - exact| <= alpha |exact| (a hair of slack for log rounding). */
static void check_quantiles(const StatSketch *s, double *xs, size_t n)
{
    qsort(xs, n, sizeof *xs, cmp_double);
    for (int k = 0; k <= 200; k++) {
        double q = k / 200.0;
        size_t rank = (size_t)floor(q * (double)(n - 1));
        double exact = xs[rank], est = stats_sketch_quantile(s, q);
        if (isinf(exact)) {
            ck_assert(est == exact);
            continue;
        }
        double tol = STATS_SKETCH_ALPHA * fabs(exact) * (1.0 + 1e-9);
        if (fabs(exact) < STATS_SKETCH_MIN) tol = STATS_SKETCH_MIN;
        ck_assert_msg(fabs(est - exact) <= tol, "q=%g exact=%.17g est=%.17g", q, exact, est);
    }
}

START_TEST(moments_match_two_pass)
{
    Rng r = test_rng(11);
    enum { N = 5000 };
    static double xs[N];
    StatMoments m;
    stats_moments_init(&m);
    long double sum = 0;   /* the reference in extended precision */
    for (int i = 0; i < N; i++) {
        xs[i] = 1e6 + 3.0 * normal(&r);   /* a large offset tests stability */
        stats_moments_add(&m, xs[i]);
        sum += xs[i];
    }
    long double lmean = sum / N, lss = 0;
    double lo = INFINITY, hi = -INFINITY;
    for (int i = 0; i < N; i++) {
        lss += (xs[i] - lmean) * (xs[i] - lmean);
        if (xs[i] < lo) lo = xs[i];
        if (xs[i] > hi) hi = xs[i];
    }
    double mean = (double)lmean, ss = (double)lss;
    ck_assert_uint_eq(m.n, N);
    ck_assert_double_eq_tol(m.mean, mean, 1e-7);
    ck_assert_double_eq_tol(stats_moments_var(&m), ss / (N - 1), 1e-9 * ss / N);
    ck_assert(m.min == lo && m.max == hi);
    /* Merging pieces agrees with the single pass to rounding. */
    StatMoments a, b, c;
    stats_moments_init(&a);
    stats_moments_init(&b);
    stats_moments_init(&c);
    for (int i = 0; i < 1234; i++) stats_moments_add(&a, xs[i]);
    for (int i = 1234; i < 1235; i++) stats_moments_add(&b, xs[i]);
    for (int i = 1235; i < N; i++) stats_moments_add(&c, xs[i]);
    stats_moments_merge(&a, &b);
    stats_moments_merge(&a, &c);
    ck_assert_uint_eq(a.n, N);
    ck_assert_double_eq_tol(a.mean, m.mean, 1e-7);   /* 1e-13 relative */
    ck_assert_double_eq_tol(stats_moments_var(&a), stats_moments_var(&m), 1e-9);
    ck_assert(a.min == lo && a.max == hi);
    /* Merging an empty accumulator changes nothing, bit for bit. */
    StatMoments e, before = a;
    stats_moments_init(&e);
    stats_moments_merge(&a, &e);
    ck_assert(memcmp(&a, &before, sizeof a) == 0);
}
END_TEST

START_TEST(halfwidth_and_t)
{
    ck_assert_double_eq_tol(stats_t975(1), 12.7062, 1e-4);
    ck_assert_double_eq_tol(stats_t975(10), 2.2281, 1e-4);
    /* Past the table: published values of t(0.975, df). */
    ck_assert_double_eq_tol(stats_t975(31), 2.039513, 2e-5);
    ck_assert_double_eq_tol(stats_t975(40), 2.021075, 1e-5);
    ck_assert_double_eq_tol(stats_t975(60), 2.000298, 1e-5);
    ck_assert_double_eq_tol(stats_t975(120), 1.979930, 1e-5);
    ck_assert_double_eq_tol(stats_t975(1000000), 1.959966, 1e-5);
    StatMoments m;
    stats_moments_init(&m);
    stats_moments_add(&m, 1.0);
    ck_assert(isinf(stats_moments_halfwidth(&m)));
    stats_moments_add(&m, 3.0);   /* sd = sqrt(2), n = 2 */
    ck_assert_double_eq_tol(stats_moments_halfwidth(&m), 12.706204736 * sqrt(2.0) / sqrt(2.0), 1e-9);
}
END_TEST

/* CI coverage: the 95% interval of the mean of N(0,1) samples of size 20
 * covers 0 about 95% of the time (2000 intervals, seed 5; binomial sd 0.5%,
 * tolerance 1.5%). */
START_TEST(ci_coverage)
{
    Rng r = test_rng(5);
    int cover = 0;
    for (int k = 0; k < 2000; k++) {
        StatMoments m;
        stats_moments_init(&m);
        for (int i = 0; i < 20; i++) stats_moments_add(&m, normal(&r));
        if (fabs(m.mean) <= stats_moments_halfwidth(&m)) cover++;
    }
    ck_assert_double_eq_tol(cover / 2000.0, 0.95, 0.015);
}
END_TEST

START_TEST(sketch_lognormal_accuracy)
{
    /* The compiled-in ln(gamma) is the documented alpha's. */
    double lg = log1p(2.0 * STATS_SKETCH_ALPHA / (1.0 - STATS_SKETCH_ALPHA));
    ck_assert_double_eq_tol(stats_sketch_ln_gamma(), lg, 1e-17);
    /* Bucket boundaries: gamma^i is in bucket i, a hair above it in i + 1. */
    for (int i = -50; i <= 50; i += 7) {
        double edge = exp(lg * i);
        int32_t k = stats_sketch_key(edge * (1 + 1e-9)), k0 = stats_sketch_key(edge * (1 - 1e-9));
        ck_assert_int_eq(k, k0 + 1);
    }
    Rng r = test_rng(7);
    enum { N = 100000 };
    double *xs = malloc(N * sizeof *xs);
    StatSketch s;
    stats_sketch_init(&s);
    for (int i = 0; i < N; i++) {
        xs[i] = exp(2.0 + 1.5 * normal(&r));
        ck_assert_int_eq(stats_sketch_add(&s, xs[i]), 0);
    }
    ck_assert_uint_eq(s.n, N);
    check_quantiles(&s, xs, N);
    stats_sketch_fini(&s);
    free(xs);
}
END_TEST

/* stats_sketch_quantile_within (the summary's quantiles) against exact
 * order statistics, on data built to break it: values on bucket edges,
 * the minimum or maximum sharing the quantile's bucket, small integers,
 * signed values and zeros. The rule it replaced (snap to min or max when
 * they share the bucket) was up to 2 alpha off: the first case below,
 * where the median sits at a bucket's bottom and the maximum at its top,
 * gave 0.99% error. Seeds: 11 + trial. */
static void check_within(double *xs, size_t n)
{
    StatSketch s;
    stats_sketch_init(&s);
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        ck_assert_int_eq(stats_sketch_add(&s, xs[i]), 0);
        if (xs[i] < lo) lo = xs[i];
        if (xs[i] > hi) hi = xs[i];
    }
    qsort(xs, n, sizeof *xs, cmp_double);
    for (int k = 0; k <= 100; k++) {
        double q = k / 100.0;
        double exact = xs[(size_t)floor(q * (double)(n - 1))];
        double est = stats_sketch_quantile_within(&s, q, lo, hi);
        double tol = STATS_SKETCH_ALPHA * fabs(exact) * (1.0 + 1e-9);
        if (fabs(exact) < STATS_SKETCH_MIN) tol = STATS_SKETCH_MIN;
        ck_assert_msg(fabs(est - exact) <= tol, "n=%zu q=%g exact=%.17g est=%.17g (%.3f%%)", n, q, exact, est,
                      100 * fabs(est - exact) / fabs(exact));
        ck_assert(est >= lo && est <= hi);
    }
    /* The extremes are exact. */
    ck_assert(stats_sketch_quantile_within(&s, 0.0, lo, hi) == lo);
    ck_assert(stats_sketch_quantile_within(&s, 1.0, lo, hi) == hi);
    stats_sketch_fini(&s);
}

START_TEST(sketch_within_keeps_bound)
{
    double lg = stats_sketch_ln_gamma();
    /* Median at the bottom of bucket 700, maximum at its top. */
    double bottom = exp(lg * 699) * (1 + 1e-12), top = exp(lg * 700) * (1 - 1e-12);
    double xs[5] = { 1.0, bottom, bottom, top, top };
    check_within(xs, 5);
    /* And mirrored: the minimum at the bottom, the median at the top. */
    double ys[5] = { bottom, bottom, top, top, 1e6 };
    check_within(ys, 5);
    enum { N = 3001 };
    double *v = malloc(N * sizeof *v);
    for (int trial = 0; trial < 300; trial++) {
        Rng r = test_rng(11 + (uint64_t)trial);
        size_t n = 1 + rng_u32(&r) % N;
        int shape = trial % 6;
        int base = (int)(rng_u32(&r) % 2000) - 1000;
        for (size_t i = 0; i < n; i++) {
            double u = rng_double(&r);
            switch (shape) {
            case 0: v[i] = (double)(1 + rng_u32(&r) % 20); break;                 /* small integers */
            case 1: v[i] = (double)(95 + rng_u32(&r) % 20) * 10; break;           /* 950..1140, two per bucket */
            case 2:                                                                /* bucket edges */
                v[i] = exp(lg * (base + (int)(rng_u32(&r) % 3))) * (u < 0.5 ? 1 - 1e-12 : 1 + 1e-12);
                break;
            case 3: v[i] = (u < 0.5 ? -1 : 1) * exp(3 * normal(&r)); break;       /* both signs */
            case 4: v[i] = u < 0.3 ? 0.0 : exp(lg * base * 0.01) * (1 + u * 0.0099); break; /* zeros + one bucket */
            default: v[i] = 1e6 * (1 + 0.0099 * u); break;                          /* one or two buckets */
            }
        }
        check_within(v, n);
    }
    free(v);
}
END_TEST

START_TEST(sketch_signed_and_special)
{
    Rng r = test_rng(8);
    enum { N = 20000 };
    double *xs = malloc(N * sizeof *xs);
    StatSketch s;
    stats_sketch_init(&s);
    for (int i = 0; i < N; i++) {
        double u = rng_double(&r);
        if (u < 0.1) xs[i] = 0.0;
        else if (u < 0.12) xs[i] = INFINITY;        /* "never" */
        else if (u < 0.13) xs[i] = -INFINITY;
        else xs[i] = 100.0 * normal(&r);
        stats_sketch_add(&s, xs[i]);
    }
    stats_sketch_add(&s, NAN);                      /* not counted */
    ck_assert_uint_eq(s.n, N);
    ck_assert_uint_eq(s.nan, 1);
    check_quantiles(&s, xs, N);
    ck_assert(stats_sketch_quantile(&s, 1.0) == INFINITY);
    ck_assert(stats_sketch_quantile(&s, 0.0) == -INFINITY);
    stats_sketch_fini(&s);
    StatSketch e;
    stats_sketch_init(&e);
    ck_assert(isnan(stats_sketch_quantile(&e, 0.5)));
    free(xs);
}
END_TEST

struct Flat { double v[20000]; uint64_t c[20000]; int n; };
static void flatten(void *arg, double value, uint64_t count)
{
    struct Flat *f = arg;
    ck_assert_int_lt(f->n, 20000);
    f->v[f->n] = value;
    f->c[f->n++] = count;
}

static void assert_same_sketch(const StatSketch *a, const StatSketch *b)
{
    static struct Flat fa, fb;
    fa.n = fb.n = 0;
    stats_sketch_each(a, flatten, &fa);
    stats_sketch_each(b, flatten, &fb);
    ck_assert_int_eq(fa.n, fb.n);
    ck_assert(memcmp(fa.v, fb.v, (size_t)fa.n * sizeof fa.v[0]) == 0);
    ck_assert(memcmp(fa.c, fb.c, (size_t)fa.n * sizeof fa.c[0]) == 0);
    ck_assert_uint_eq(a->n, b->n);
    ck_assert_uint_eq(a->zero, b->zero);
    ck_assert_uint_eq(a->pinf, b->pinf);
}

/* Merging pieces in any order gives exactly the sketch of the whole. */
START_TEST(sketch_merge_exact)
{
    Rng r = test_rng(9);
    enum { N = 30000, P = 7 };
    StatSketch whole, parts[P], fwd, rev;
    stats_sketch_init(&whole);
    stats_sketch_init(&fwd);
    stats_sketch_init(&rev);
    for (int p = 0; p < P; p++) stats_sketch_init(&parts[p]);
    for (int i = 0; i < N; i++) {
        double x = (rng_double(&r) < 0.3 ? -1 : 1) * exp(5.0 * normal(&r));
        stats_sketch_add(&whole, x);
        stats_sketch_add(&parts[rng_u32(&r) % P], x);
    }
    for (int p = 0; p < P; p++) stats_sketch_merge(&fwd, &parts[p]);
    for (int p = P - 1; p >= 0; p--) stats_sketch_merge(&rev, &parts[p]);
    assert_same_sketch(&whole, &fwd);
    assert_same_sketch(&whole, &rev);
    stats_sketch_fini(&whole);
    stats_sketch_fini(&fwd);
    stats_sketch_fini(&rev);
    for (int p = 0; p < P; p++) stats_sketch_fini(&parts[p]);
}
END_TEST

/* A range wider than the kept buckets folds the smallest magnitudes: the
 * count survives, high quantiles keep the guarantee, and the result does
 * not depend on the order of insertion. Memory stays bounded. */
START_TEST(sketch_folding)
{
    enum { N = 3000 };
    static double xs[N];
    StatSketch up, down;
    stats_sketch_init(&up);
    stats_sketch_init(&down);
    for (int i = 0; i < N; i++) xs[i] = pow(10.0, -11.0 + 300.0 * i / (N - 1));  /* 1e-11 .. 1e289 */
    for (int i = 0; i < N; i++) stats_sketch_add(&up, xs[i]);
    for (int i = N - 1; i >= 0; i--) stats_sketch_add(&down, xs[i]);
    assert_same_sketch(&up, &down);
    ck_assert_int_le(up.pos.len, STATS_SKETCH_BUCKETS);
    ck_assert_uint_eq(up.n, N);
    /* The top 4096 buckets span ln-range 41, i.e. a factor ~6e17. */
    double est = stats_sketch_quantile(&up, 1.0);
    ck_assert_double_le(fabs(est - xs[N - 1]), STATS_SKETCH_ALPHA * xs[N - 1] * (1 + 1e-9));
    est = stats_sketch_quantile(&up, 0.99);
    double exact = xs[(size_t)floor(0.99 * (N - 1))];
    ck_assert_double_le(fabs(est - exact), STATS_SKETCH_ALPHA * exact * (1 + 1e-9));
    /* The lowest quantile is folded up: it is no longer accurate, but it is
     * at the floor, never below the true value. */
    ck_assert_double_ge(stats_sketch_quantile(&up, 0.0), xs[0]);
    stats_sketch_fini(&up);
    stats_sketch_fini(&down);
}
END_TEST

START_TEST(days_counts)
{
    StatDays d;
    ck_assert_int_eq(stats_days_init(&d, 10), 0);
    stats_days_add(&d, -3.0);     /* clamped to day 0 */
    stats_days_add(&d, 0.5);
    stats_days_add(&d, 4.0);      /* day 4 */
    stats_days_add(&d, 4.999);
    stats_days_add(&d, 99.0);     /* clamped to day 9 */
    stats_days_add(&d, INFINITY); /* not counted */
    ck_assert_uint_eq(stats_days_upto(&d, -1), 0);
    ck_assert_uint_eq(stats_days_upto(&d, 0), 2);
    ck_assert_uint_eq(stats_days_upto(&d, 3), 2);
    ck_assert_uint_eq(stats_days_upto(&d, 4), 4);
    ck_assert_uint_eq(stats_days_upto(&d, 8), 4);
    ck_assert_uint_eq(stats_days_upto(&d, 9), 5);
    ck_assert_uint_eq(stats_days_upto(&d, 1000), 5);
    StatDays e;
    stats_days_init(&e, 10);
    stats_days_add(&e, 4.2);
    stats_days_merge(&d, &e);
    ck_assert_uint_eq(stats_days_upto(&d, 4), 5);
    stats_days_fini(&d);
    stats_days_fini(&e);
    stats_days_fini(NULL);
    stats_sketch_fini(NULL);
}
END_TEST

Suite *suite_stats(void)
{
    Suite *s = suite_create("stats");
    TCASE(s, "moments", 0, NO_FIXTURE, moments_match_two_pass, halfwidth_and_t, ci_coverage);
    TCASE(s, "sketch", 30, NO_FIXTURE, sketch_lognormal_accuracy, sketch_signed_and_special,
          sketch_within_keeps_bound, sketch_merge_exact, sketch_folding);
    TCASE(s, "days", 0, NO_FIXTURE, days_counts);
    return s;
}
