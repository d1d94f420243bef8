/* stats.h — accumulators for Monte Carlo summaries whose memory does not
 * grow with the number of replications, and which merge exactly.
 *
 *   StatMoments  count, mean, sum of squared deviations (Welford), min, max.
 *                Floating point: a result depends on the order of adds and
 *                merges, so the batch engine fixes that order (blocks of
 *                replications folded in replication order, blocks merged in
 *                block order). Given the same order the bits are the same.
 *   StatSketch   a log-bucketed quantile sketch after Masson, Rim and Lee,
 *                "DDSketch: a fast and fully-mergeable quantile sketch with
 *                relative-error guarantees" (VLDB 2019). Bucket i holds the
 *                values x with gamma^(i-1) < |x| <= gamma^i, gamma =
 *                (1+a)/(1-a), a = STATS_SKETCH_ALPHA. Counts are integers, so
 *                adding and merging are exact and order-independent.
 *                Guarantee: a quantile estimate q' of the true order
 *                statistic q satisfies |q' - q| <= a |q| for |q| >=
 *                STATS_SKETCH_MIN (smaller magnitudes count as zero), as long
 *                as the values span at most STATS_SKETCH_BUCKETS buckets per
 *                sign (a factor of about 6e17 at a = 0.5%); beyond that the
 *                smallest magnitudes are folded into the lowest kept bucket
 *                (their quantiles lose the guarantee, never the count).
 *                Memory: at most 2 * STATS_SKETCH_BUCKETS counters.
 *   StatDays     integer counts per simulated day, for the empirical CDF of
 *                a time of first occurrence; exact, order-independent.
 *
 * Adding a value is split into two steps so that the costly part (a log)
 * can run on worker threads: stats_sketch_key(x) -> key, then
 * stats_sketch_add_key(sk, key). Keys are plain int32 values.
 */
#ifndef SALVO_STATS_H
#define SALVO_STATS_H

#include <stddef.h>
#include <stdint.h>

#define STATS_SKETCH_ALPHA   0.005   /* relative accuracy of quantiles */
#define STATS_SKETCH_BUCKETS 4096    /* kept buckets per sign, at most */
#define STATS_SKETCH_MIN     1e-12   /* |x| below this counts as zero */

/* --- moments ------------------------------------------------------------ */

typedef struct StatMoments {
    uint64_t n;
    double mean;
    double m2;          /* sum of squared deviations from the mean */
    double min, max;    /* +inf / -inf while n == 0 */
} StatMoments;

/* An empty accumulator. */
void stats_moments_init(StatMoments *m);
/* Add one finite value (Welford's update). */
void stats_moments_add(StatMoments *m, double x);
/* Fold b into a (Chan et al.'s pairwise update); b unchanged. */
void stats_moments_merge(StatMoments *a, const StatMoments *b);
/* Sample variance (n - 1 in the denominator); 0 when n < 2. */
double stats_moments_var(const StatMoments *m);
/* Sample standard deviation. */
double stats_moments_sd(const StatMoments *m);
/* Half-width of the 95% confidence interval of the mean (Student t);
 * +inf when n < 2. */
double stats_moments_halfwidth(const StatMoments *m);

/* The 0.975 quantile of Student's t with df degrees of freedom (df >= 1);
 * exact table to df 30, then a Cornish-Fisher expansion (error < 1e-5). */
double stats_t975(uint64_t df);

/* --- quantile sketch ---------------------------------------------------- */

/* Special keys. Other keys: 0 is zero, k > 0 a positive bucket, k < 0 a
 * negative one (|k| = bucket index + STATS_KEY_OFFSET). */
#define STATS_KEY_NAN   INT32_MIN
#define STATS_KEY_PINF  INT32_MAX
#define STATS_KEY_NINF  (INT32_MIN + 1)
#define STATS_KEY_OFFSET 100000

typedef struct StatStore {
    int32_t lo;         /* bucket index of counts[0] */
    int32_t len;        /* counters in use, 0 when empty */
    int32_t cap;        /* counters allocated */
    int32_t floor;      /* lowest index kept (folding), INT32_MIN if none */
    uint64_t *counts;
} StatStore;

typedef struct StatSketch {
    StatStore pos, neg; /* by |x|: positive values, negative values */
    uint64_t zero;      /* values with |x| below STATS_SKETCH_MIN */
    uint64_t pinf, ninf, nan;
    uint64_t n;         /* everything added, NaN excluded */
} StatSketch;

/* An empty sketch (allocates nothing yet). */
void stats_sketch_init(StatSketch *s);
/* Release the counters; the sketch is empty again. NULL is a no-op. */
void stats_sketch_fini(StatSketch *s);
/* The key of x (pure function; thread-safe). */
int32_t stats_sketch_key(double x);
/* Count one value given by its key. 0, or -1 when out of memory. */
int stats_sketch_add_key(StatSketch *s, int32_t key);
/* Count n keys read at keys[0], keys[stride], ... (the batch reducer's
 * loop: one sketch, a block of replications). 0, or -1 when out of memory. */
int stats_sketch_add_keys(StatSketch *s, const int32_t *keys, size_t stride, size_t n);
/* stats_sketch_add_key(s, stats_sketch_key(x)). */
int stats_sketch_add(StatSketch *s, double x);
/* Fold b's counts into a. 0, or -1 when out of memory. */
int stats_sketch_merge(StatSketch *a, const StatSketch *b);
/* The lower q-quantile: an estimate of the order statistic of 0-based
 * rank floor(q * (n - 1)) over all counted values, +-inf included, NaN
 * excluded. NaN when the sketch is empty. */
double stats_sketch_quantile(const StatSketch *s, double q);
/* The same quantile, given the exact smallest (lo) and largest (hi)
 * finite values counted: the estimate is the relative midpoint of the
 * bucket cut to [lo, hi], so it keeps the guarantee |q' - q| <= a |q|, is
 * exact when the cut leaves one value (a bucket holding only the minimum,
 * or only the maximum), and never leaves [lo, hi]. +-inf and NaN as above. */
double stats_sketch_quantile_within(const StatSketch *s, double q, double lo, double hi);
/* ln(gamma), the log of the bucket ratio (for tests and documentation). */
double stats_sketch_ln_gamma(void);
/* The value that represents key k (the bucket's midpoint in relative
 * terms); +-inf and NaN for the special keys. */
double stats_sketch_key_value(int32_t key);
/* Visit every non-empty finite bucket, smallest value first. */
void stats_sketch_each(const StatSketch *s, void (*fn)(void *arg, double value, uint64_t count),
                       void *arg);

/* --- daily counts -------------------------------------------------------- */

typedef struct StatDays {
    int32_t ndays;      /* day 0 .. ndays-1; values beyond are clamped */
    uint64_t *counts;
} StatDays;

/* ndays counters, zeroed. 0, or -1 when out of memory. */
int stats_days_init(StatDays *d, int32_t ndays);
void stats_days_fini(StatDays *d);
/* Count finite t (days) on day floor(t), clamped into [0, ndays-1].
 * Infinite or NaN values are not counted here. */
void stats_days_add(StatDays *d, double t);
/* Fold b into a (same ndays). */
void stats_days_merge(StatDays *a, const StatDays *b);
/* Values counted on days 0..day (inclusive); day < 0 gives 0. */
uint64_t stats_days_upto(const StatDays *d, int64_t day);

#endif
