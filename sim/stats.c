/* stats.c — moments, the DDSketch-style quantile sketch and daily counts:
 * see stats.h.
 *
 * Store invariant: a non-empty store covers exactly the indices
 * [lo, lo + len - 1], where lo + len - 1 is the highest index ever added and
 * lo is the lowest added index raised to `floor` once folding has begun
 * (floor = highest - STATS_SKETCH_BUCKETS + 1). Every count sits at
 * max(index, floor), so the final counts depend only on the multiset of
 * values added, never on their order or on how sketches were merged.
 */
#include "stats.h"
#include "mem.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* --- moments ------------------------------------------------------------ */

void stats_moments_init(StatMoments *m)
{
    m->n = 0;
    m->mean = 0.0;
    m->m2 = 0.0;
    m->min = INFINITY;
    m->max = -INFINITY;
}

void stats_moments_add(StatMoments *m, double x)
{
    m->n++;
    double delta = x - m->mean;
    m->mean += delta / (double)m->n;
    m->m2 += delta * (x - m->mean);
    if (x < m->min) m->min = x;
    if (x > m->max) m->max = x;
}

void stats_moments_merge(StatMoments *a, const StatMoments *b)
{
    if (b->n == 0) return;
    if (a->n == 0) {
        *a = *b;
        return;
    }
    double na = (double)a->n, nb = (double)b->n, n = na + nb;
    double delta = b->mean - a->mean;
    a->mean += delta * (nb / n);
    a->m2 += b->m2 + delta * delta * (na * nb / n);
    a->n += b->n;
    if (b->min < a->min) a->min = b->min;
    if (b->max > a->max) a->max = b->max;
}

double stats_moments_var(const StatMoments *m)
{
    if (m->n < 2) return 0.0;
    double v = m->m2 / (double)(m->n - 1);
    return v > 0.0 ? v : 0.0;
}

double stats_moments_sd(const StatMoments *m)
{
    return sqrt(stats_moments_var(m));
}

double stats_moments_halfwidth(const StatMoments *m)
{
    if (m->n < 2) return INFINITY;
    return stats_t975(m->n - 1) * stats_moments_sd(m) / sqrt((double)m->n);
}

double stats_t975(uint64_t df)
{
    static const double table[31] = {
        NAN, 12.706204736, 4.302652730, 3.182446305, 2.776445105, 2.570581836,
        2.446911851, 2.364624252, 2.306004135, 2.262157163, 2.228138852,
        2.200985160, 2.178812830, 2.160368656, 2.144786688, 2.131449546,
        2.119905299, 2.109815578, 2.100922040, 2.093024054, 2.085963447,
        2.079613845, 2.073873068, 2.068657610, 2.063898562, 2.059538553,
        2.055529439, 2.051830516, 2.048407142, 2.045229642, 2.042272456,
    };
    assert(df >= 1);
    if (df <= 30) return table[df];
    /* Cornish-Fisher expansion of t in powers of 1/df around z = 1.96. */
    const double z = 1.959963984540054;
    double z2 = z * z, z3 = z2 * z, z5 = z3 * z2, z7 = z5 * z2, z9 = z7 * z2;
    double g1 = (z3 + z) / 4.0;
    double g2 = (5.0 * z5 + 16.0 * z3 + 3.0 * z) / 96.0;
    double g3 = (3.0 * z7 + 19.0 * z5 + 17.0 * z3 - 15.0 * z) / 384.0;
    double g4 = (79.0 * z9 + 776.0 * z7 + 1482.0 * z5 - 1920.0 * z3 - 945.0 * z) / 92160.0;
    double v = 1.0 / (double)df;
    return z + v * (g1 + v * (g2 + v * (g3 + v * g4)));
}

/* --- sketch ------------------------------------------------------------- */

/* ln(gamma) for gamma = (1 + a) / (1 - a), a = 0.005, and its inverse, as
 * literals (a constant, not a global: suite_stats checks them against
 * log1p). Keys are a log and a multiply: the hot step of the reducer's
 * workers. */
#define LN_GAMMA     0.010000083334583356
#define INV_LN_GAMMA 99.99916666111103

static double ln_gamma(void)
{
    return LN_GAMMA;
}

double stats_sketch_ln_gamma(void)
{
    return LN_GAMMA;
}

int32_t stats_sketch_key(double x)
{
    if (isnan(x)) return STATS_KEY_NAN;
    if (isinf(x)) return x > 0 ? STATS_KEY_PINF : STATS_KEY_NINF;
    double ax = fabs(x);
    if (ax < STATS_SKETCH_MIN) return 0;
    int32_t idx = (int32_t)ceil(log(ax) * INV_LN_GAMMA);
    return x > 0 ? idx + STATS_KEY_OFFSET : -(idx + STATS_KEY_OFFSET);
}

double stats_sketch_key_value(int32_t key)
{
    if (key == STATS_KEY_NAN) return NAN;
    if (key == STATS_KEY_PINF) return INFINITY;
    if (key == STATS_KEY_NINF) return -INFINITY;
    if (key == 0) return 0.0;
    int32_t idx = (key > 0 ? key : -key) - STATS_KEY_OFFSET;
    double lg = ln_gamma();
    double gamma = exp(lg);
    /* 2 gamma^i / (gamma + 1): within a of every value in the bucket. */
    double v = 2.0 * exp(lg * idx) / (gamma + 1.0);
    return key > 0 ? v : -v;
}

static int store_reserve(StatStore *st, int32_t need)
{
    if (need <= st->cap) return 0;
    int32_t cap = st->cap ? st->cap : 16;
    while (cap < need) cap *= 2;
    uint64_t *p = mem_realloc(st->counts, (size_t)cap * sizeof *p);
    if (!p) return -1;
    st->counts = p;
    st->cap = cap;
    return 0;
}

/* Fold every index below nf into nf (nf > lo). */
static void store_fold(StatStore *st, int32_t nf)
{
    int32_t cut = nf - st->lo;             /* counters below the new floor */
    assert(cut > 0 && cut < st->len);
    uint64_t folded = 0;
    for (int32_t i = 0; i < cut; i++) folded += st->counts[i];
    memmove(st->counts, st->counts + cut, (size_t)(st->len - cut) * sizeof *st->counts);
    st->len -= cut;
    st->lo = nf;
    st->counts[0] += folded;
    st->floor = nf;
}

static int store_add(StatStore *st, int32_t idx, uint64_t count)
{
    if (st->floor != INT32_MIN && idx < st->floor) idx = st->floor;
    if (st->len == 0) {
        if (store_reserve(st, 1) < 0) return -1;
        st->lo = idx;
        st->len = 1;
        st->counts[0] = count;
        return 0;
    }
    int32_t hi = st->lo + st->len - 1;
    if (idx > hi) {
        if (idx - st->lo + 1 > STATS_SKETCH_BUCKETS) {
            int32_t nf = idx - STATS_SKETCH_BUCKETS + 1;
            if (nf > hi) {
                /* Everything so far folds into one counter at nf. */
                uint64_t all = 0;
                for (int32_t i = 0; i < st->len; i++) all += st->counts[i];
                st->counts[0] = all;
                st->lo = nf;
                st->len = 1;
                st->floor = nf;
            } else {
                store_fold(st, nf);
            }
        }
        int32_t len = idx - st->lo + 1;
        if (store_reserve(st, len) < 0) return -1;
        memset(st->counts + st->len, 0, (size_t)(len - st->len) * sizeof *st->counts);
        st->len = len;
        st->counts[len - 1] += count;
        return 0;
    }
    if (idx < st->lo) {
        if (hi - idx + 1 > STATS_SKETCH_BUCKETS) {
            int32_t nf = hi - STATS_SKETCH_BUCKETS + 1;   /* <= lo */
            st->floor = nf;
            idx = nf;
        }
        int32_t grow = st->lo - idx;
        if (grow > 0) {
            if (store_reserve(st, st->len + grow) < 0) return -1;
            memmove(st->counts + grow, st->counts, (size_t)st->len * sizeof *st->counts);
            memset(st->counts, 0, (size_t)grow * sizeof *st->counts);
            st->len += grow;
            st->lo = idx;
        }
    }
    st->counts[idx - st->lo] += count;
    return 0;
}

void stats_sketch_init(StatSketch *s)
{
    memset(s, 0, sizeof *s);
    s->pos.floor = INT32_MIN;
    s->neg.floor = INT32_MIN;
}

void stats_sketch_fini(StatSketch *s)
{
    if (!s) return;
    free(s->pos.counts);
    free(s->neg.counts);
    stats_sketch_init(s);
}

static int sketch_add_count(StatSketch *s, int32_t key, uint64_t count)
{
    switch (key) {
    case STATS_KEY_NAN: s->nan += count; return 0;
    case STATS_KEY_PINF: s->pinf += count; break;
    case STATS_KEY_NINF: s->ninf += count; break;
    case 0: s->zero += count; break;
    default:
        if (key > 0) {
            if (store_add(&s->pos, key - STATS_KEY_OFFSET, count) < 0) return -1;
        } else {
            if (store_add(&s->neg, -key - STATS_KEY_OFFSET, count) < 0) return -1;
        }
    }
    s->n += count;
    return 0;
}

int stats_sketch_add_key(StatSketch *s, int32_t key)
{
    return sketch_add_count(s, key, 1);
}

int stats_sketch_add_keys(StatSketch *s, const int32_t *keys, size_t stride, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int32_t key = keys[i * stride];
        /* Fast path: a positive value inside the current range. */
        if (key > 0 && key != STATS_KEY_PINF) {
            int64_t off = (int64_t)key - STATS_KEY_OFFSET - s->pos.lo;
            if (off >= 0 && off < s->pos.len) {
                s->pos.counts[off]++;
                s->n++;
                continue;
            }
        }
        if (sketch_add_count(s, key, 1) < 0) return -1;
    }
    return 0;
}

int stats_sketch_add(StatSketch *s, double x)
{
    return sketch_add_count(s, stats_sketch_key(x), 1);
}

int stats_sketch_merge(StatSketch *a, const StatSketch *b)
{
    /* Highest index first, so that a folding store folds once. */
    for (int32_t i = b->pos.len - 1; i >= 0; i--)
        if (b->pos.counts[i] &&
            sketch_add_count(a, b->pos.lo + i + STATS_KEY_OFFSET, b->pos.counts[i]) < 0)
            return -1;
    for (int32_t i = b->neg.len - 1; i >= 0; i--)
        if (b->neg.counts[i] &&
            sketch_add_count(a, -(b->neg.lo + i + STATS_KEY_OFFSET), b->neg.counts[i]) < 0)
            return -1;
    a->zero += b->zero;
    a->pinf += b->pinf;
    a->ninf += b->ninf;
    a->nan += b->nan;
    a->n += b->zero + b->pinf + b->ninf;
    return 0;
}

void stats_sketch_each(const StatSketch *s, void (*fn)(void *arg, double value, uint64_t count),
                       void *arg)
{
    for (int32_t i = s->neg.len - 1; i >= 0; i--)
        if (s->neg.counts[i])
            fn(arg, stats_sketch_key_value(-(s->neg.lo + i + STATS_KEY_OFFSET)), s->neg.counts[i]);
    if (s->zero) fn(arg, 0.0, s->zero);
    for (int32_t i = 0; i < s->pos.len; i++)
        if (s->pos.counts[i])
            fn(arg, stats_sketch_key_value(s->pos.lo + i + STATS_KEY_OFFSET), s->pos.counts[i]);
}

/* The key of the value of 0-based rank floor(q (n - 1)), walking from the
 * smallest value up (n > 0). */
static int32_t quantile_key(const StatSketch *s, double q)
{
    if (q < 0.0) q = 0.0;
    if (q > 1.0) q = 1.0;
    uint64_t rank = (uint64_t)floor(q * (double)(s->n - 1));
    uint64_t seen = s->ninf;    /* values passed */
    if (rank < seen) return STATS_KEY_NINF;
    for (int32_t i = s->neg.len - 1; i >= 0; i--) {
        seen += s->neg.counts[i];
        if (rank < seen) return -(s->neg.lo + i + STATS_KEY_OFFSET);
    }
    seen += s->zero;
    if (rank < seen) return 0;
    for (int32_t i = 0; i < s->pos.len; i++) {
        seen += s->pos.counts[i];
        if (rank < seen) return s->pos.lo + i + STATS_KEY_OFFSET;
    }
    return STATS_KEY_PINF;
}

double stats_sketch_quantile(const StatSketch *s, double q)
{
    if (s->n == 0) return NAN;
    return stats_sketch_key_value(quantile_key(s, q));
}

static double clamp(double x, double lo, double hi)
{
    return x < lo ? lo : x > hi ? hi : x;
}

double stats_sketch_quantile_within(const StatSketch *s, double q, double lo, double hi)
{
    if (s->n == 0) return NAN;
    int32_t key = quantile_key(s, q);
    double v = stats_sketch_key_value(key);
    if (isinf(v) || !(lo <= hi)) return v;
    /* The smallest and the largest finite values are known exactly. */
    double qc = q < 0.0 ? 0.0 : q > 1.0 ? 1.0 : q;
    uint64_t rank = (uint64_t)floor(qc * (double)(s->n - 1));
    if (rank == s->ninf) return lo;
    if (rank + 1 + s->pinf == s->n) return hi;
    if (key == 0) return clamp(0.0, lo, hi);
    /* The bucket holds magnitudes (gamma^(i-1), gamma^i]; the true value is
     * in it and in [lo, hi]. Any point of an interval [a, b] with b/a <=
     * gamma is within a = (gamma-1)/(gamma+1) of its relative midpoint
     * 2ab/(a+b), so the midpoint of the cut interval keeps the bound --
     * where snapping to lo or hi (an older rule) could miss by 2a -- and
     * is lo itself when the cut leaves only lo. */
    int32_t idx = (key > 0 ? key : -key) - STATS_KEY_OFFSET;
    double top = exp(LN_GAMMA * idx), bot = exp(LN_GAMMA * (idx - 1));
    double a = key > 0 ? bot : -top, b = key > 0 ? top : -bot;
    if (a < lo) a = lo;
    if (b > hi) b = hi;
    if (a > b) return clamp(v, lo, hi);    /* lo or hi on the bucket's edge, to rounding */
    if (a == b) return a;
    if (a <= 0.0 && b >= 0.0) return clamp(v, lo, hi);  /* (cannot happen: one sign per bucket) */
    double m = 2.0 * a * b / (a + b);      /* same formula for two negatives */
    return clamp(m, a, b);
}

/* --- daily counts -------------------------------------------------------- */

int stats_days_init(StatDays *d, int32_t ndays)
{
    d->ndays = ndays > 0 ? ndays : 0;
    d->counts = NULL;
    if (d->ndays == 0) return 0;
    d->counts = mem_calloc((size_t)d->ndays, sizeof *d->counts);
    if (!d->counts) {
        d->ndays = 0;
        return -1;
    }
    return 0;
}

void stats_days_fini(StatDays *d)
{
    if (!d) return;
    free(d->counts);
    d->counts = NULL;
    d->ndays = 0;
}

void stats_days_add(StatDays *d, double t)
{
    if (d->ndays == 0 || !isfinite(t)) return;
    int64_t day;
    if (t <= 0.0) day = 0;
    else if (t >= (double)d->ndays) day = d->ndays - 1;
    else day = (int64_t)floor(t);
    d->counts[day]++;
}

void stats_days_merge(StatDays *a, const StatDays *b)
{
    assert(a->ndays == b->ndays);
    for (int32_t i = 0; i < a->ndays; i++) a->counts[i] += b->counts[i];
}

uint64_t stats_days_upto(const StatDays *d, int64_t day)
{
    uint64_t sum = 0;
    if (day < 0) return 0;
    if (day >= d->ndays) day = (int64_t)d->ndays - 1;
    for (int64_t i = 0; i <= day; i++) sum += d->counts[i];
    return sum;
}
