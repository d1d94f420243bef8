/* test_rng.c — PCG32 streams: the reference vector, unbiased bounded
 * integers, and the keyed-stream guarantees the engine relies on (order and
 * thread independence, isolation between components, distinct keys).
 *
 * Statistical checks use fixed seeds only to be reproducible; each holds
 * for any seed at p = 1e-6 (5 standard errors for a mean, the p = 1e-6
 * critical value for a chi-square), stated where it is made: a correct
 * generator fails such a check for about one seed in a million.
 */
#include <check.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rng.h"
#include "salvo.h"
#include "testutil.h"

/* ---- reference vector ------------------------------------------------- */

START_TEST(test_reference_vector)
{
    /* First six outputs of pcg32-demo (pcg32_srandom_r(&rng, 42, 54)). */
    static const uint32_t want[6] = {0xa15c02b7u, 0x7b47f409u, 0xba1d3330u,
                                     0x83d2f293u, 0xbfa4784bu, 0xcbed606eu};
    Rng r;
    rng_seed(&r, 42u, 54u);
    ck_assert_uint_eq(r.inc & 1u, 1u);
    for (int i = 0; i < 6; i++) ck_assert_uint_eq(rng_u32(&r), want[i]);
}
END_TEST

START_TEST(test_seed_selects_stream)
{
    /* Same initstate, different initseq: a different stream. */
    Rng a, b;
    rng_seed(&a, 42u, 54u);
    rng_seed(&b, 42u, 55u);
    int same = 0;
    for (int i = 0; i < 64; i++) same += rng_u32(&a) == rng_u32(&b);
    ck_assert_int_le(same, 1);
}
END_TEST

/* ---- bounded integers ------------------------------------------------- */

/* 2 degrees of freedom: P(chi2 > x) = exp(-x/2), so p = 1e-6 at 27.63. */
#define CHI2_2DOF_P1E6 27.631

static double chi2_3bins(const uint64_t count[3], double n)
{
    double e = n / 3.0, s = 0.0;
    for (int i = 0; i < 3; i++) s += (count[i] - e) * (count[i] - e) / e;
    return s;
}

START_TEST(test_bounded_large_bound_unbiased)
{
    /* bound = 3 * 2^30, where 2^32 = 4/3 bound, so any method that maps
     * 2^32 inputs onto bound outputs without rejection gives a third of the
     * outputs two preimages and the rest one. Where those third lie depends
     * on the method, so two binnings, each a 3-bin chi-square (2 dof,
     * p = 1e-6 at 27.63) over 10^6 draws from seed 1:
     *   - by x >> 30 (which third of the range): naive x % bound doubles
     *     [0, 2^30), so the first bin gets 1/2 instead of 1/3;
     *   - by x % 3: Lemire's multiply-shift without its rejection step,
     *     (x * bound) >> 32 = floor(3x/4), doubles every output = 0 mod 3.
     * rng_bounded must pass both; each flawed method is run through the same
     * test and must fail its binning, which shows the tests have power. */
    const uint32_t bound = 3u << 30;
    const int n = 1000000;
    uint64_t top[3] = {0}, mod3[3] = {0}, naive_top[3] = {0}, norej_mod3[3] = {0};
    int out_of_range = 0;
    Rng r;
    rng_seed(&r, 1u, 7u);
    for (int i = 0; i < n; i++) {
        uint32_t x = rng_bounded(&r, bound);
        out_of_range += x >= bound;
        top[(x >> 30) % 3u]++;
        mod3[x % 3u]++;
    }
    ck_assert_int_eq(out_of_range, 0);
    ck_assert_double_lt(chi2_3bins(top, n), CHI2_2DOF_P1E6);
    ck_assert_double_lt(chi2_3bins(mod3, n), CHI2_2DOF_P1E6);

    rng_seed(&r, 1u, 7u);
    for (int i = 0; i < n; i++) {
        uint32_t x = rng_u32(&r);
        naive_top[(x % bound) >> 30]++;
        norej_mod3[(uint32_t)(((uint64_t)x * bound) >> 32) % 3u]++;
    }
    ck_assert_double_gt(chi2_3bins(naive_top, n), 1000.0);
    ck_assert_double_gt(chi2_3bins(norej_mod3, n), 1000.0);
}
END_TEST

START_TEST(test_bounded_small_bound_uniform)
{
    /* bound 7, seed 2, 10^6 draws, 6 dof: p = 1e-6 at 38.26 (exact). */
    const int n = 1000000;
    uint64_t c[7] = {0};
    int out_of_range = 0;
    Rng r;
    rng_seed(&r, 2u, 3u);
    for (int i = 0; i < n; i++) {
        uint32_t x = rng_bounded(&r, 7u);
        if (x < 7u) c[x]++;
        else out_of_range++;
    }
    ck_assert_int_eq(out_of_range, 0);
    double e = n / 7.0, s = 0.0;
    for (int i = 0; i < 7; i++) s += (c[i] - e) * (c[i] - e) / e;
    ck_assert_double_lt(s, 38.26);
}
END_TEST

START_TEST(test_bounded_extremes)
{
    Rng r;
    rng_seed(&r, 3u, 4u);
    /* Check's assertions are slow (they record a location each time), so
     * loops count violations and assert once. */
    int bad = 0;
    for (int i = 0; i < 1000; i++) bad += rng_bounded(&r, 1u) != 0u;
    /* bound = 2^31 + 1 rejects almost half of all x: the loop must still
     * return in range, and both halves must appear. */
    const uint32_t big = (1u << 31) + 1u;
    int high = 0;
    for (int i = 0; i < 10000; i++) {
        uint32_t x = rng_bounded(&r, big);
        bad += x >= big;
        high += x >= (1u << 30);
    }
    ck_assert_int_gt(high, 4000);
    ck_assert_int_lt(high, 6000);
    for (int i = 0; i < 1000; i++) bad += rng_bounded(&r, UINT32_MAX) >= UINT32_MAX;
    ck_assert_int_eq(bad, 0);
}
END_TEST

/* ---- doubles ---------------------------------------------------------- */

START_TEST(test_double_range_and_resolution)
{
    /* Seed 5, 10^6 draws: all in [0,1); mean within 5 standard errors of
     * 1/2 (sd of U(0,1) is 1/sqrt(12)); and the low bits are used: a 32-bit
     * double would make every x * 2^53 a multiple of 2^21. */
    Rng r;
    rng_seed(&r, 5u, 6u);
    const int n = 1000000;
    double sum = 0.0;
    int fine_bits = 0, bad = 0;
    for (int i = 0; i < n; i++) {
        double x = rng_double(&r);
        bad += !(x >= 0.0 && x < 1.0);
        sum += x;
        uint64_t m = (uint64_t)(x * 9007199254740992.0);
        fine_bits += (m & ((1u << 21) - 1u)) != 0;
        double y = rng_open01(&r);
        bad += !(y > 0.0 && y < 1.0);
    }
    ck_assert_int_eq(bad, 0);
    ck_assert_double_lt(fabs(sum / n - 0.5), 5.0 * sqrt(1.0 / 12.0 / n));
    ck_assert_int_gt(fine_bits, n - 10);
}
END_TEST

/* ---- keyed streams ---------------------------------------------------- */

#define NREP 100
#define NDRAW 16
static const uint64_t KEY_SEED = 20240619u;

static void draw_rep(uint32_t out[NDRAW], uint64_t rep)
{
    Rng r;
    rng_keyed(&r, KEY_SEED, rep, "route:a", "transit");
    for (int j = 0; j < NDRAW; j++) out[j] = rng_u32(&r);
}

typedef struct RepJob {
    uint32_t (*out)[NDRAW];
    int start, step;
} RepJob;

static void *rep_worker(void *arg)
{
    RepJob *job = arg;
    for (int rep = job->start; rep < NREP; rep += job->step) draw_rep(job->out[rep], (uint64_t)rep);
    return NULL;
}

START_TEST(test_keyed_order_and_thread_independent)
{
    static uint32_t fwd[NREP][NDRAW], bwd[NREP][NDRAW], thr[NREP][NDRAW];
    for (int rep = 0; rep < NREP; rep++) draw_rep(fwd[rep], (uint64_t)rep);
    for (int rep = NREP - 1; rep >= 0; rep--) draw_rep(bwd[rep], (uint64_t)rep);
    /* Two threads, interleaved: thread 0 takes even reps, thread 1 odd. */
    RepJob jobs[2] = {{thr, 0, 2}, {thr, 1, 2}};
    pthread_t t[2];
    for (int i = 0; i < 2; i++) ck_assert_int_eq(pthread_create(&t[i], NULL, rep_worker, &jobs[i]), 0);
    for (int i = 0; i < 2; i++) ck_assert_int_eq(pthread_join(t[i], NULL), 0);
    ck_assert_int_eq(memcmp(fwd, bwd, sizeof fwd), 0);
    ck_assert_int_eq(memcmp(fwd, thr, sizeof fwd), 0);
    /* And the reps are not all the same stream. */
    ck_assert_int_ne(memcmp(fwd[0], fwd[1], sizeof fwd[0]), 0);
}
END_TEST

/* Component isolation through the public API: a programme's launch draws
 * (its per-replication base and every attempt's outcome) must be the same
 * whether or not another random component — a second programme declared
 * before it, and a random event — is in the scenario. A stream keyed by
 * anything positional (declaration order, stream index) instead of the
 * component's name fails this: "other" shifts every index after it. */
static const char ISO_PROG[] =
    "{\"id\": \"%s\", \"actor\": \"a\", \"site\": \"pad\", \"interval\": 10, \"max_attempts\": 12,"
    " \"base\": {\"dist\": \"uniform\", \"lo\": 0.1, \"hi\": 0.9}, \"growth\": 0}";

static Scenario *iso_load(int crowded)
{
    char progs[1024], buf[4096];
    char one[400];
    progs[0] = '\0';
    if (crowded) {
        snprintf(one, sizeof one, ISO_PROG, "other");
        strcat(progs, one);
        strcat(progs, ", ");
    }
    snprintf(one, sizeof one, ISO_PROG, "prog");
    strcat(progs, one);
    snprintf(buf, sizeof buf,
             "{\"salvo\": 1, \"name\": \"iso\", \"calendar\": {\"start\": \"2024-01-01\", \"end\": \"2025-01-01\"},\n"
             " \"actors\": [{\"id\": \"a\"}],\n"
             " \"places\": [{\"id\": \"pad\", \"kind\": \"launch-site\", \"lat\": 40, \"lon\": 125}],\n"
             " \"programmes\": [%s],\n"
             " \"events\": [%s],\n"
             " \"metrics\": [{\"id\": \"s\", \"total\": \"launch.prog.successes\"}]}\n",
             progs, crowded ? "{\"id\": \"noise\", \"hazard\": 0.05, \"effects\": []}" : "");
    return load_scenario(buf);
}

typedef struct IsoSeen { int prog; int n; double p[16]; int stage[16]; int other; } IsoSeen;

static void iso_rec(void *ctx, const TraceRec *r)
{
    IsoSeen *s = ctx;
    if (r->kind != TR_LAUNCH) return;
    if (r->a != s->prog) {
        s->other++;
        return;
    }
    if (s->n < 16) {
        s->p[s->n] = r->x;
        s->stage[s->n] = r->c;
    }
    s->n++;
}

/* The launch records of programme index prog, replications 0..nrep-1. */
static void iso_run(Scenario *sc, int prog, int nrep, IsoSeen *out)
{
    Sim *S = sim_create(sc);
    ck_assert_ptr_nonnull(S);
    for (int r = 0; r < nrep; r++) {
        memset(&out[r], 0, sizeof out[r]);
        out[r].prog = prog;
        TraceSink sink = { iso_rec, &out[r] };
        sim_set_sink(S, &sink);
        ck_assert_int_eq(sim_reset(S, KEY_SEED, (uint64_t)r), 0);
        ck_assert_int_eq(sim_run(S, INFINITY), SIM_DONE);
    }
    sim_destroy(S);
}

START_TEST(test_keyed_component_isolation)
{
    enum { R = 50 };
    static IsoSeen alone[R], crowded[R];
    Scenario *a = iso_load(0), *c = iso_load(1);
    iso_run(a, 0, R, alone);    /* prog is programme 0 alone, 1 when "other" comes first */
    iso_run(c, 1, R, crowded);
    int other = 0;
    for (int r = 0; r < R; r++) {
        ck_assert_int_eq(alone[r].n, 12);
        ck_assert_int_eq(crowded[r].n, 12);
        ck_assert_int_eq(alone[r].other, 0);
        other += crowded[r].other;
        for (int k = 0; k < 12; k++) {
            ck_assert_msg(alone[r].p[k] == crowded[r].p[k], "rep %d attempt %d: p %.17g alone, %.17g with another "
                          "component", r, k + 1, alone[r].p[k], crowded[r].p[k]);
            ck_assert_int_eq(alone[r].stage[k], crowded[r].stage[k]);
        }
    }
    /* The other programme did launch: the crowded world really is crowded. */
    ck_assert_int_eq(other, 12 * R);
    scenario_destroy(a);
    scenario_destroy(c);
}
END_TEST

/* Distinct keys give distinct streams in a running Sim: two programmes
 * identical in every field but the id, in one scenario, draw different
 * bases (uniform(0.1, 0.9); equal doubles by chance have probability ~0).
 * A shared stream (issue 8, defect 3) makes them equal in every rep. */
START_TEST(test_keyed_distinct_components_distinct_draws)
{
    enum { R = 50 };
    static IsoSeen first[R], second[R];
    Scenario *c = iso_load(1);
    iso_run(c, 0, R, first);
    iso_run(c, 1, R, second);
    int same = 0, varied = 0;
    for (int r = 0; r < R; r++) {
        same += first[r].p[0] == second[r].p[0];
        varied += r > 0 && first[r].p[0] != first[0].p[0];
    }
    ck_assert_msg(same == 0, "%d of %d replications drew the same base for two programmes", same, R);
    ck_assert_int_eq(varied, R - 1);
    scenario_destroy(c);
}
END_TEST

static int cmp_u64(const void *x, const void *y)
{
    uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
    return (a > b) - (a < b);
}

START_TEST(test_keyed_distinct_keys)
{
    /* 100 000 keys varying all four fields: 4 seeds x 25 reps x 50
     * components x 20 purposes. Their hashes, and the streams' starting
     * states and increments, must have no collisions (a good 64-bit hash
     * collides among 1e5 keys with probability ~3e-10). */
    enum { NK = 4 * 25 * 50 * 20 };
    uint64_t *hash = malloc(NK * sizeof *hash);
    uint64_t *state = malloc(NK * sizeof *state);
    uint64_t *inc = malloc(NK * sizeof *inc);
    ck_assert_ptr_nonnull(hash);
    ck_assert_ptr_nonnull(state);
    ck_assert_ptr_nonnull(inc);
    int k = 0, even = 0;
    char comp[32], purp[32];
    for (int s = 0; s < 4; s++)
        for (int rep = 0; rep < 25; rep++)
            for (int c = 0; c < 50; c++)
                for (int p = 0; p < 20; p++) {
                    snprintf(comp, sizeof comp, "route:%d", c);
                    snprintf(purp, sizeof purp, "purpose%d", p);
                    Rng r;
                    hash[k] = rng_key_hash((uint64_t)s, (uint64_t)rep, comp, purp);
                    rng_keyed(&r, (uint64_t)s, (uint64_t)rep, comp, purp);
                    even += (r.inc & 1u) == 0u;
                    state[k] = r.state;
                    inc[k] = r.inc;
                    k++;
                }
    ck_assert_int_eq(k, NK);
    ck_assert_int_eq(even, 0);
    uint64_t *arrs[3] = {hash, state, inc};
    for (int a = 0; a < 3; a++) {
        qsort(arrs[a], NK, sizeof(uint64_t), cmp_u64);
        int dup = 0;
        for (int i = 1; i < NK; i++) dup += arrs[a][i] == arrs[a][i - 1];
        ck_assert_msg(dup == 0, "array %d: %d duplicates", a, dup);
    }
    free(hash);
    free(state);
    free(inc);
}
END_TEST

START_TEST(test_keyed_framing)
{
    /* Concatenation must not alias: the length prefixes keep these apart. */
    ck_assert_uint_ne(rng_key_hash(1, 0, "ab", "c"), rng_key_hash(1, 0, "a", "bc"));
    ck_assert_uint_ne(rng_key_hash(1, 0, "abc", ""), rng_key_hash(1, 0, "", "abc"));
    ck_assert_uint_ne(rng_key_hash(1, 0, "a", "b"), rng_key_hash(1, 0, "b", "a"));
    ck_assert_uint_ne(rng_key_hash(1, 2, "a", "b"), rng_key_hash(2, 1, "a", "b"));
    ck_assert_uint_ne(rng_key_hash(0, 0, "", ""), rng_key_hash(0, 1, "", ""));
    /* NULL is documented as the empty string. */
    ck_assert_uint_eq(rng_key_hash(7, 1, NULL, NULL), rng_key_hash(7, 1, "", ""));
    /* Same key, same stream. */
    Rng a, b;
    rng_keyed(&a, 9, 4, "launch:sohae", "outcome");
    rng_keyed(&b, 9, 4, "launch:sohae", "outcome");
    ck_assert_uint_eq(a.state, b.state);
    ck_assert_uint_eq(a.inc, b.inc);
}
END_TEST

START_TEST(test_key_hash_pinned)
{
    /* The key is written to outputs and determines every draw: it must not
     * change by accident. If this fails after a deliberate change to the
     * hash, every golden trace (tests/golden/) changes too: `make bless`. */
    ck_assert_uint_eq(rng_key_hash(42u, 0u, "route:a", "transit"), 0x8d3d47e355b05c67ULL);
    ck_assert_uint_eq(rng_key_hash(1u, 9999u, "treaty", "trigger"), 0x28238c3312894f82ULL);
    Rng r;
    rng_keyed(&r, 42u, 0u, "route:a", "transit");
    ck_assert_uint_eq(rng_u32(&r), 0x4b50311fu);
    /* The prefix route (what a Sim uses per replication) is the same stream. */
    Rng p;
    rng_keyed_prefix(&p, rng_key_prefix("route:a", "transit"), 42u, 0u);
    ck_assert_uint_eq(rng_u32(&p), 0x4b50311fu);
    for (uint64_t rep = 0; rep < 1000; rep++) {
        Rng x, y;
        rng_keyed(&x, 7, rep, "carrier:rajin-vostochny/lady-r", "containers");
        rng_keyed_prefix(&y, rng_key_prefix("carrier:rajin-vostochny/lady-r", "containers"), 7, rep);
        ck_assert_uint_eq(x.state, y.state);
        ck_assert_uint_eq(x.inc, y.inc);
    }
}
END_TEST

START_TEST(test_keyed_adjacent_reps_uncorrelated)
{
    /* Seed 42, reps 0..99 999, component "route:a", purpose "transit".
     * x_r = first double of rep r. A structured hash could make x_r and
     * x_{r+1} correlated; with N = 1e5 pairs the sample correlation of
     * independent uniforms has sd 1/sqrt(N) ~ 0.0032, so we require
     * |rho| < 5/sqrt(N). The same for adjacent seeds at rep 0, and the x_r
     * must be uniform: 20 bins, 19 dof, p = 1e-6 at 63.68 (exact).
     */
    enum { N = 100000 };
    double *x = malloc((N + 1) * sizeof *x);
    double *y = malloc((N + 1) * sizeof *y);
    ck_assert_ptr_nonnull(x);
    ck_assert_ptr_nonnull(y);
    uint64_t bins[20] = {0};
    for (int i = 0; i <= N; i++) {
        Rng r;
        rng_keyed(&r, 42u, (uint64_t)i, "route:a", "transit");
        x[i] = rng_double(&r);
        bins[(int)(x[i] * 20.0)]++;
        rng_keyed(&r, (uint64_t)i, 0u, "route:a", "transit");
        y[i] = rng_double(&r);
    }
    double *series[2] = {x, y};
    for (int s = 0; s < 2; s++) {
        double *v = series[s];
        double sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0;
        for (int i = 0; i < N; i++) {
            double a = v[i] - 0.5, b = v[i + 1] - 0.5;
            sa += a;
            sb += b;
            saa += a * a;
            sbb += b * b;
            sab += a * b;
        }
        double cov = sab / N - (sa / N) * (sb / N);
        double rho = cov / sqrt((saa / N - (sa / N) * (sa / N)) * (sbb / N - (sb / N) * (sb / N)));
        ck_assert_msg(fabs(rho) < 5.0 / sqrt((double)N), "series %d: rho = %g", s, rho);
    }
    double e = (N + 1) / 20.0, chi2 = 0.0;
    for (int i = 0; i < 20; i++) chi2 += (bins[i] - e) * (bins[i] - e) / e;
    ck_assert_double_lt(chi2, 63.68);
    free(x);
    free(y);
}
END_TEST

Suite *suite_rng(void)
{
    Suite *s = suite_create("rng");
    TCASE(s, "reference", 0, NO_FIXTURE, test_reference_vector, test_seed_selects_stream);
    TCASE(s, "bounded", 0, NO_FIXTURE, test_bounded_large_bound_unbiased, test_bounded_small_bound_uniform,
          test_bounded_extremes);
    TCASE(s, "double", 0, NO_FIXTURE, test_double_range_and_resolution);
    TCASE(s, "keyed", 60, NO_FIXTURE, test_keyed_order_and_thread_independent, test_keyed_component_isolation,
          test_keyed_distinct_components_distinct_draws, test_keyed_distinct_keys, test_keyed_framing,
          test_key_hash_pinned, test_keyed_adjacent_reps_uncorrelated);
    return s;
}
