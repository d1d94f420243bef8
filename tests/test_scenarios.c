/* test_scenarios.c — the shipped scenarios through the public API.
 *
 * Every file in scenarios/ and scenarios/verify/ must load, run to its end
 * and be reproducible. Each verification scenario in scenarios/verify/ has an
 * analytic answer, checked here over many replications with fixed seeds:
 * a statistic passes when it lies within TOL_SE = 5 standard errors of its
 * exact value (the SE is computed from the exact distribution, not
 * estimated), so a correct engine fails a check for about one seed in 1.7
 * million; the seeds only make the suite reproducible.
 * The deterministic pipeline is checked exactly, against the hand
 * calculation written out below.
 *
 * Tests run from the repository root (make test does so).
 */
#include <check.h>
#include <glob.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "json.h"
#include "salvo.h"
#include "testutil.h"

#define TOL_SE 5.0

static Scenario *load_ok(const char *path)
{
    Diag d;
    diag_init(&d, path);
    Scenario *s = scenario_load(path, NULL, 0, &d);
    if (!s || diag_errors(&d)) diag_print(&d, stderr);
    ck_assert_msg(s != NULL, "%s does not load (%d problems, printed above)", path, diag_errors(&d));
    ck_assert_int_eq(diag_errors(&d), 0);
    diag_fini(&d);
    return s;
}

static int metric(const Scenario *s, const char *id)
{
    int i = scenario_metric_find(s, id);
    ck_assert_msg(i >= 0, "%s has no metric '%s'", scenario_name(s), id);
    return i;
}

/* Running mean and variance of every metric over a batch (Welford). */
typedef struct ScenBatch {
    int nmet, reps;
    double *mean, *m2;
    double *vals;       /* the last replication's values */
} ScenBatch;

typedef void (*RepCheck)(const Scenario *s, const double *vals, void *ctx);

static ScenBatch run_batch(const Scenario *s, uint64_t seed, int reps, RepCheck check, void *ctx)
{
    ScenBatch b = { scenario_metric_count(s), 0, NULL, NULL, NULL };
    b.mean = calloc((size_t)b.nmet + 1, sizeof *b.mean);
    b.m2 = calloc((size_t)b.nmet + 1, sizeof *b.m2);
    b.vals = calloc((size_t)b.nmet + 1, sizeof *b.vals);
    ck_assert(b.mean && b.m2 && b.vals);
    Sim *sim = sim_create(s);
    ck_assert(sim != NULL);
    for (int r = 0; r < reps; r++) {
        sim_reset(sim, seed, (uint64_t)r);
        ck_assert_int_eq(sim_run(sim, INFINITY), SIM_DONE);
        sim_metrics(sim, b.vals);
        if (check) check(s, b.vals, ctx);
        b.reps++;
        for (int i = 0; i < b.nmet; i++) {
            double x = b.vals[i];
            if (!isfinite(x)) continue; /* TIME metrics that never happened: not averaged */
            double d = x - b.mean[i];
            b.mean[i] += d / b.reps;
            b.m2[i] += d * (x - b.mean[i]);
        }
    }
    sim_destroy(sim);
    return b;
}

static double batch_var(const ScenBatch *b, int i) { return b->reps > 1 ? b->m2[i] / (b->reps - 1) : 0; }

static void batch_free(ScenBatch *b)
{
    free(b->mean);
    free(b->m2);
    free(b->vals);
}

/* An exact discrete distribution: the mean and variance of a statistic,
 * and the standard errors of their estimates over n replications. */
typedef struct Exact { double mean, var, se_mean, se_var; } Exact;

static Exact exact_pmf(const double *x, const double *p, int k, int n)
{
    Exact e = { 0, 0, 0, 0 };
    for (int i = 0; i < k; i++) e.mean += p[i] * x[i];
    double mu4 = 0;
    for (int i = 0; i < k; i++) {
        double d = x[i] - e.mean;
        e.var += p[i] * d * d;
        mu4 += p[i] * d * d * d * d;
    }
    e.se_mean = sqrt(e.var / n);
    e.se_var = sqrt((mu4 - e.var * e.var) / n);
    return e;
}

static Exact exact_poisson(double lambda, int cap, int n)
{
    /* Poisson(lambda), or min(N, cap) when cap > 0: tabulated far into the tail. */
    double x[400], p[400];
    int k = 0;
    double pk = exp(-lambda), rest = 1.0;
    for (int j = 0; j < 399; j++) {
        if (cap > 0 && j == cap) break;
        x[k] = j;
        p[k++] = pk;
        rest -= pk;
        pk *= lambda / (j + 1);
    }
    if (cap > 0) {
        x[k] = cap;
        p[k++] = rest;
    }
    return exact_pmf(x, p, k, n);
}

static void expect_mean(const ScenBatch *b, int i, const char *what, Exact e)
{
    double got = b->mean[i];
    ck_assert_msg(fabs(got - e.mean) <= TOL_SE * e.se_mean + 1e-12,
                  "%s: mean %.6f, exact %.6f, |diff| > %.0f SE (SE %.6f)", what, got, e.mean, TOL_SE,
                  e.se_mean);
}

static void expect_var(const ScenBatch *b, int i, const char *what, Exact e)
{
    double got = batch_var(b, i);
    ck_assert_msg(fabs(got - e.var) <= TOL_SE * e.se_var + 1e-12,
                  "%s: variance %.6f, exact %.6f, |diff| > %.0f SE (SE %.6f)", what, got, e.var, TOL_SE,
                  e.se_var);
}

static Exact exact_bernoulli(double p, int n)
{
    double x[2] = { 0, 1 }, pr[2] = { 1 - p, p };
    return exact_pmf(x, pr, 2, n);
}

/* --- (a) constant success probability ----------------------------------- */

static void launch_rep_check(const Scenario *s, const double *v, void *ctx)
{
    (void)ctx;
    double att = v[metric(s, "attempts")], suc = v[metric(s, "successes")];
    ck_assert(att == 5.0);                                   /* no stop_after: all five are tried */
    ck_assert(suc + v[metric(s, "failures")] == att);
    ck_assert(v[metric(s, "any-success")] == (suc >= 1 ? 1.0 : 0.0));
}

START_TEST(test_verify_launch_constant_p)
{
    /* n = 5 attempts at p = 0.3: successes ~ Binomial(5, 0.3).
     * P(at least one) = 1 - 0.7^5 = 0.83193; seed 20230531, 20,000 replications. */
    const int n = 20000, att = 5;
    const double p = 0.3;
    Scenario *s = load_ok("scenarios/verify/launch-constant-p.json");
    ScenBatch b = run_batch(s, 20230531u, n, launch_rep_check, NULL);
    double x[6], pr[6];
    for (int k = 0; k <= att; k++) {
        x[k] = k;
        pr[k] = exp(lgamma(att + 1.0) - lgamma(k + 1.0) - lgamma(att - k + 1.0)) * pow(p, k) * pow(1 - p, att - k);
    }
    Exact succ = exact_pmf(x, pr, att + 1, n);
    Exact any = exact_bernoulli(1 - pow(1 - p, att), n);
    ck_assert(fabs(any.mean - 0.83193) < 1e-5);
    expect_mean(&b, metric(s, "any-success"), "P(at least one success)", any);
    expect_mean(&b, metric(s, "successes"), "successes", succ);
    expect_var(&b, metric(s, "successes"), "successes", succ);
    batch_free(&b);
    scenario_destroy(s);
}
END_TEST

/* --- (a') reliability growth with a history and stop_after ---------------- */

START_TEST(test_verify_launch_growth)
{
    /* p(k) = c - (c - b)(1 - g)^(k-1), b = 0.2, c = 0.8, g = 0.5; attempt 1
     * is a recorded failure, at most 4 attempts, stop after one success.
     * Attempts: 2 w.p. p2, 3 w.p. (1-p2)p3, 4 otherwise. Seed 7, 20,000 reps. */
    const int n = 20000;
    double pk[5];
    for (int k = 1; k <= 4; k++) pk[k] = 0.8 - 0.6 * pow(0.5, k - 1);
    ck_assert(fabs(pk[2] - 0.5) < 1e-12 && fabs(pk[3] - 0.65) < 1e-12 && fabs(pk[4] - 0.725) < 1e-12);
    double q2 = 1 - pk[2], q3 = 1 - pk[3], q4 = 1 - pk[4];
    double xa[3] = { 2, 3, 4 }, pa[3] = { pk[2], q2 * pk[3], q2 * q3 };
    Exact attempts = exact_pmf(xa, pa, 3, n);
    ck_assert(fabs(attempts.mean - 2.675) < 1e-12);
    Exact any = exact_bernoulli(1 - q2 * q3 * q4, n);
    Scenario *s = load_ok("scenarios/verify/launch-growth.json");
    ScenBatch b = run_batch(s, 7u, n, NULL, NULL);
    expect_mean(&b, metric(s, "any-success"), "P(success by attempt 4)", any);
    expect_mean(&b, metric(s, "successes"), "successes (0 or 1 with stop_after 1)", any);
    expect_mean(&b, metric(s, "attempts"), "attempts", attempts);
    expect_var(&b, metric(s, "attempts"), "attempts", attempts);
    batch_free(&b);
    scenario_destroy(s);
}
END_TEST

/* --- (b) the deterministic pipeline --------------------------------------- */

/* Hand calculation (T = 100 days, all times exact in binary floating point):
 *   A gains 100/day. The carrier holds 12 x 50 = 600 units and leaves when
 *   full: first at t = 6. It arrives at B at t + 2 and is back at t + 5,
 *   before A holds 600 again (t + 6), so departures are at 6k and arrivals
 *   at 6k + 2, k = 1, 2, ...  Arrivals up to T = 100: 6k + 2 <= 100, k <= 16.
 *     delivered = 16 x 600 = 9,600;  voyages = 16 (the 17th would leave at 102)
 *     produced  = 100 x 100 = 10,000;  stock A at T = 10,000 - 9,600 = 400
 *   B is drawn at 120/day. Each 600 lasts 5 days, so B is empty for the
 *   first 8 days and for 1 day in each 6-day cycle between arrivals:
 *     shortfall = 8 x 120 + 15 x 120 = 2,760
 *     consumed  = 15 x 600 + (100 - 98) x 120 = 9,240   (check: 9,240 + 2,760 = 12,000 = 120 x 100)
 *     stock B at T = 600 - 240 = 360
 *   first arrival: day 8; 9,600 delivered on day 98; more than 9,600: never.
 *   B at time t: after the last arrival a <= t, max(0, 600 - 120 (t - a)); 0 before day 8. */
static double pipeline_b(double t)
{
    double a = -1;
    for (int k = 1; 6.0 * k + 2 <= t; k++) a = 6.0 * k + 2;
    if (a < 0) return 0;
    double left = 600 - 120 * (t - a);
    return left > 0 ? left : 0;
}

static void expect_exact(double got, double want, const char *what)
{
    ck_assert_msg(fabs(got - want) <= 1e-6 * (1 + fabs(want)), "%s: got %.9g, want %.9g", what, got, want);
}

START_TEST(test_verify_pipeline)
{
    Scenario *s = load_ok("scenarios/verify/pipeline-deterministic.json");
    ck_assert_msg(scenario_end(s) == 100.0, "calendar should span 100 days, got %g", scenario_end(s));
    Sim *sim = sim_create(s);
    double *v = calloc((size_t)scenario_metric_count(s), sizeof *v);
    ck_assert(sim && v);
    /* Deterministic: any seed gives the same answer. */
    for (uint64_t seed = 1; seed <= 3; seed++) {
        sim_reset(sim, seed, seed * 11);
        ck_assert_int_eq(sim_run(sim, INFINITY), SIM_DONE);
        sim_metrics(sim, v);
        expect_exact(v[metric(s, "delivered")], 9600, "delivered");
        expect_exact(v[metric(s, "voyages")], 16, "voyages");
        expect_exact(v[metric(s, "lost")], 0, "lost");
        expect_exact(v[metric(s, "duds")], 0, "duds");
        expect_exact(v[metric(s, "produced")], 10000, "produced");
        expect_exact(v[metric(s, "consumed")], 9240, "consumed");
        expect_exact(v[metric(s, "shortfall")], 2760, "shortfall");
        expect_exact(v[metric(s, "stock-a")], 400, "stock A at the end");
        expect_exact(v[metric(s, "stock-b")], 360, "stock B at the end");
        expect_exact(v[metric(s, "first-arrival")], 8, "first arrival");
        expect_exact(v[metric(s, "last-arrival")], 98, "16th arrival");
        ck_assert_msg(v[metric(s, "never")] == SALVO_NEVER, "a time that never comes is SALVO_NEVER");
        int lb = metric(s, "level-b");
        const MetricInfo *mi = scenario_metric(s, lb);
        ck_assert_int_eq(mi->kind, MET_LEVEL);
        ck_assert(mi->series_dt == 3.0);
        ck_assert_int_ge(mi->series_len, 33);           /* days 0, 3, ..., 99 */
        const double *ser = sim_series(sim, lb);
        ck_assert(ser != NULL);
        for (int i = 0; i < mi->series_len; i++) {
            double t = mi->series_t0 + i * mi->series_dt;
            if (t > 100) break;
            char what[64];
            snprintf(what, sizeof what, "B at day %g", t);
            expect_exact(ser[i], pipeline_b(t), what);
        }
        expect_exact(v[lb], 360, "level-b scalar (the final level)");
    }
    free(v);
    sim_destroy(sim);
    scenario_destroy(s);
}
END_TEST

/* --- (b') ramp, schedule policy, closing and reopening a route ----------- */

/* Hand calculation (T = 100):
 *   produced P(t) = 50 t (t <= 10), 500 + 75 (t - 10) (t <= 20), 1250 + 100 (t - 20)
 *   the convoy (2,000 units) leaves at slots 2 + 10k with min(A, 2000):
 *     day 2: P = 100 -> 100;  12: 650 - 100 = 550;  22: 1450 - 650 = 800;
 *     32: 2450 - 1450 = 1000; closed from 35 to 55, so 42 and 52 are missed;
 *     62: 5450 - 2450 = 3000 -> 2000 (1000 stays); 72: 1000 + 1000 -> 2000;
 *     82: 1000; 92: 1000. The next slot, 102, is past the end.
 *   arrivals at slot + 2.5: delivered 8,450 in 8 voyages; the 4th arrives at
 *   34.5 (2,450 delivered), the 5th at 64.5; P(100) = 9,250; A = 800. */
static const double sched_dep[8][2] = {
    { 2, 100 }, { 12, 550 }, { 22, 800 }, { 32, 1000 }, { 62, 2000 }, { 72, 2000 }, { 82, 1000 }, { 92, 1000 },
};

static double sched_produced(double t)
{
    if (t <= 10) return 50 * t;
    if (t <= 20) return 500 + 75 * (t - 10);
    return 1250 + 100 * (t - 20);
}

static double sched_a(double t)
{
    double a = sched_produced(t);
    for (int i = 0; i < 8; i++)
        if (sched_dep[i][0] <= t) a -= sched_dep[i][1];
    return a;
}

START_TEST(test_verify_pipeline_schedule)
{
    Scenario *s = load_ok("scenarios/verify/pipeline-schedule.json");
    ck_assert(scenario_end(s) == 100.0);
    Sim *sim = sim_create(s);
    double *v = calloc((size_t)scenario_metric_count(s), sizeof *v);
    ck_assert(sim && v);
    sim_reset(sim, 99, 0);
    ck_assert_int_eq(sim_run(sim, INFINITY), SIM_DONE);
    sim_metrics(sim, v);
    expect_exact(v[metric(s, "delivered")], 8450, "delivered");
    expect_exact(v[metric(s, "voyages")], 8, "voyages");
    expect_exact(v[metric(s, "produced")], sched_produced(100), "produced");
    expect_exact(v[metric(s, "stock-a")], sched_a(100), "stock A at the end");
    expect_exact(v[metric(s, "stock-b")], 8450, "stock B at the end");
    expect_exact(v[metric(s, "fourth-arrival")], 34.5, "4th arrival");
    expect_exact(v[metric(s, "fifth-arrival")], 64.5, "5th arrival (after the closure)");
    int la = metric(s, "level-a");
    const MetricInfo *mi = scenario_metric(s, la);
    const double *ser = sim_series(sim, la);
    ck_assert(ser && mi->series_len >= 20);
    for (int i = 0; i < mi->series_len; i++) {
        double t = mi->series_t0 + i * mi->series_dt;
        if (t > 100) break;
        char what[64];
        snprintf(what, sizeof what, "A at day %g", t);
        expect_exact(ser[i], sched_a(t), what);
    }
    free(v);
    sim_destroy(sim);
    scenario_destroy(s);
}
END_TEST

/* --- (c) Poisson random events -------------------------------------------- */

START_TEST(test_verify_poisson)
{
    /* Counts over the window: 'often' Poisson(0.05 x 200 = 10); 'window'
     * Poisson(0.1 x 50 = 5); 'capped' min(Poisson(2), 3). Seed 1961, 20,000 reps. */
    const int n = 20000;
    Scenario *s = load_ok("scenarios/verify/poisson-events.json");
    ck_assert(scenario_end(s) == 200.0);
    ScenBatch b = run_batch(s, 1961u, n, NULL, NULL);
    Exact often = exact_poisson(10, 0, n), window = exact_poisson(5, 0, n), capped = exact_poisson(2, 3, n);
    ck_assert(fabs(capped.mean - (3 - 9 * exp(-2))) < 1e-9);
    expect_mean(&b, metric(s, "often"), "often: mean = lambda T = 10", often);
    expect_var(&b, metric(s, "often"), "often: variance = lambda T = 10", often);
    expect_mean(&b, metric(s, "window"), "window: mean = 5", window);
    expect_var(&b, metric(s, "window"), "window: variance = 5", window);
    expect_mean(&b, metric(s, "capped"), "capped: mean of min(N, 3)", capped);
    expect_var(&b, metric(s, "capped"), "capped: variance of min(N, 3)", capped);
    batch_free(&b);
    scenario_destroy(s);
}
END_TEST

/* --- (a'') assistance accepted by a decision -------------------------------- */

START_TEST(test_verify_launch_assistance)
{
    /* p = 0.2 for attempts at days 30, 60, 90; help accepted on day 30
     * takes effect on day 110, so p = 0.5 for days 120, 150, 180.
     * Successes = Binomial(3, 0.2) + Binomial(3, 0.5). Seed 913, 20,000 reps. */
    const int n = 20000;
    double x[7], pr[7] = { 0 };
    for (int a = 0; a <= 3; a++)
        for (int b = 0; b <= 3; b++) {
            double pa = exp(lgamma(4) - lgamma(a + 1) - lgamma(4 - a)) * pow(0.2, a) * pow(0.8, 3 - a);
            double pb = exp(lgamma(4) - lgamma(b + 1) - lgamma(4 - b)) * pow(0.5, 3);
            pr[a + b] += pa * pb;
        }
    for (int k = 0; k < 7; k++) x[k] = k;
    Exact succ = exact_pmf(x, pr, 7, n);
    ck_assert(fabs(succ.mean - 2.1) < 1e-12 && fabs(succ.var - 1.23) < 1e-12);
    ck_assert(fabs(pr[0] - 0.064) < 1e-12);
    Scenario *s = load_ok("scenarios/verify/launch-assistance.json");
    ScenBatch b = run_batch(s, 913u, n, NULL, NULL);
    expect_mean(&b, metric(s, "any-success"), "P(at least one success)", exact_bernoulli(1 - 0.064, n));
    expect_mean(&b, metric(s, "successes"), "successes", succ);
    expect_var(&b, metric(s, "successes"), "successes", succ);
    ck_assert(b.mean[metric(s, "attempts")] == 6.0 && batch_var(&b, metric(s, "attempts")) == 0.0);
    ck_assert(b.mean[metric(s, "choice")] == 0.0);     /* the fixed policy: option 0, accept */
    batch_free(&b);
    scenario_destroy(s);
}
END_TEST

/* --- (d) treaty honour probability and a probabilistic decision ----------- */

static void treaty_rep_check(const Scenario *s, const double *v, void *ctx)
{
    (void)ctx;
    double h = v[metric(s, "honoured")];
    double at = v[metric(s, "honoured-at")];
    ck_assert(h == 0.0 || h == 1.0);
    if (h == 1.0) ck_assert_msg(fabs(at - 15.0) < 1e-9, "honoured at %g, want day 15", at);
    else ck_assert(at == SALVO_NEVER);
    ck_assert(v[metric(s, "troops")] == 100.0 * h);
    ck_assert(v[metric(s, "declined")] == 1.0 - h);
    double c = v[metric(s, "choice")];
    ck_assert(c == 0.0 || c == 1.0);
}

START_TEST(test_verify_treaty)
{
    /* Honour p = 0.3 and a decision with weights 0.25/0.75; seed 20240619, 20,000 reps. */
    const int n = 20000;
    Scenario *s = load_ok("scenarios/verify/treaty-honour.json");
    ScenBatch b = run_batch(s, 20240619u, n, treaty_rep_check, NULL);
    expect_mean(&b, metric(s, "honoured"), "P(honoured)", exact_bernoulli(0.3, n));
    expect_mean(&b, metric(s, "choice"), "P(second option)", exact_bernoulli(0.75, n));
    batch_free(&b);
    scenario_destroy(s);
}
END_TEST

/* --- every shipped scenario ------------------------------------------------ */

static int shipped(glob_t *g)
{
    memset(g, 0, sizeof *g);
    int r1 = glob("scenarios/*.json", 0, NULL, g);
    int r2 = glob("scenarios/verify/*.json", r1 == 0 ? GLOB_APPEND : 0, NULL, g);
    ck_assert_msg(r1 == 0 && r2 == 0, "no scenarios found: run the tests from the repository root");
    return (int)g->gl_pathc;
}

START_TEST(test_shipped_load_and_run)
{
    glob_t g;
    int n = shipped(&g);
    ck_assert_int_ge(n, 1 + 4 + 7);
    for (int i = 0; i < n; i++) {
        const char *path = g.gl_pathv[i];
        if (strstr(path, "schema.json")) continue;   /* the JSON Schema, not a scenario */
        Scenario *s = load_ok(path);
        ck_assert_msg(scenario_description(s) && strlen(scenario_description(s)) > 80,
                      "%s needs a one-paragraph description", path);
        int nm = scenario_metric_count(s);
        ck_assert_msg(nm > 0, "%s declares no metrics", path);
        double *a = calloc((size_t)nm, sizeof *a), *b = calloc((size_t)nm, sizeof *b);
        Sim *sim = sim_create(s);
        ck_assert(a && b && sim);
        /* Same seed and replication twice: identical metrics. */
        sim_reset(sim, 42, 3);
        ck_assert_int_eq(sim_run(sim, INFINITY), SIM_DONE);
        sim_metrics(sim, a);
        sim_reset(sim, 42, 3);
        ck_assert_int_eq(sim_run(sim, INFINITY), SIM_DONE);
        sim_metrics(sim, b);
        for (int m = 0; m < nm; m++) {
            ck_assert_msg(!isnan(a[m]), "%s: metric %s is NaN", path, scenario_metric(s, m)->id);
            ck_assert_msg(memcmp(&a[m], &b[m], sizeof a[m]) == 0, "%s: metric %s not reproducible", path,
                          scenario_metric(s, m)->id);
        }
        free(a);
        free(b);
        sim_destroy(sim);
        scenario_destroy(s);
    }
    globfree(&g);
}
END_TEST

START_TEST(test_default_assumptions_sourced)
{
    /* Every parameter of the default scenario is an assumption record that
     * cites a source listed in the file, with a range around its value. */
    Scenario *s = load_ok("scenarios/korea-russia-2024.json");
    int n = scenario_assumption_count(s);
    ck_assert_int_ge(n, 60);
    for (int i = 0; i < n; i++) {
        const Assumption *a = scenario_assumption(s, i);
        ck_assert_msg(a->source && a->source[0], "%s has no source", a->path);
        ck_assert_msg(a->source_title && a->source_title[0], "%s: source %s has no title", a->path, a->source);
        ck_assert_msg(a->lo < a->hi, "%s has no range", a->path);
        ck_assert_msg(a->lo <= a->value && a->value <= a->hi, "%s: value %g outside its range [%g, %g]",
                      a->path, a->value, a->lo, a->hi);
    }
    scenario_destroy(s);
}
END_TEST

START_TEST(test_default_calibration)
{
    /* Shells shipped across the border (usable + unusable) against the
     * public series, averaged over 400 replications (seed 2024):
     *   ROK: ~2 M by 29 Dec 2023; ~3 M by 26 Feb 2024 (HUR: 1.5 M);
     *   <= 4.8 M by 14 Jun 2024; > 6 M by 27 Aug 2024;
     *   NK Pro: >= 32 sea voyages before the winter gap of 13 Feb 2024.
     * Each band is the cited figure, not a range chosen around the model:
     * "~X" is X +- 15% (the figures are rounded estimates); a one-sided
     * figure is a bound, relaxed by 5% for the same rounding, and the other
     * side is the neighbouring fact (shipments only grow) or, for the last
     * point, 7.5 M (no public figure; a sanity ceiling). On top, the Monte
     * Carlo error: the mean passes when it is within TOL_SE standard errors
     * (its sample sd / sqrt(400)) of the band, so a model whose true mean
     * is in the band passes for any seed. The model sits inside the
     * figures themselves (about 2.07, 2.93, 4.46 and 6.25 M; 36.8 voyages):
     * keep it there by recalibrating, not by widening these. */
    static const struct { double day; double lo, hi; const char *when; } pts[] = {
        { 181, 0.85 * 2.0e6, 1.15 * 2.0e6, "29 Dec 2023" },
        { 240, 0.85 * 3.0e6, 1.15 * 3.0e6, "26 Feb 2024" },
        { 349, 0.85 * 3.0e6, 1.05 * 4.8e6, "14 Jun 2024" },
        { 423, 0.95 * 6.0e6, 7.5e6, "27 Aug 2024" },
    };
    const int n = 400;
    Scenario *s = load_ok("scenarios/korea-russia-2024.json");
    const char *ids[] = { "cum-vostochny", "cum-dunai", "cum-bridge", "cum-duds" };
    int mi[4];
    for (int k = 0; k < 4; k++) mi[k] = metric(s, ids[k]);
    const MetricInfo *info = scenario_metric(s, mi[0]);
    double sum[4] = { 0, 0, 0, 0 }, sum2[4] = { 0, 0, 0, 0 };
    uint64_t events = 0;
    Sim *sim = sim_create(s);
    int vv = metric(s, "voyages-vostochny"), vd = metric(s, "voyages-dunai");
    double *now = calloc((size_t)scenario_metric_count(s), sizeof *now), voyages = 0, voyages2 = 0;
    ck_assert(now != NULL);
    for (int r = 0; r < n; r++) {
        sim_reset(sim, 2024, (uint64_t)r);
        /* The winter gap starts on 13 Feb 2024 (day 227). */
        ck_assert_int_eq(sim_run(sim, 227), SIM_DONE);
        sim_metrics(sim, now);
        voyages += now[vv] + now[vd];
        voyages2 += (now[vv] + now[vd]) * (now[vv] + now[vd]);
        sim_run(sim, INFINITY);
        events += sim_events(sim);
        for (int p = 0; p < 4; p++) {
            int idx = (int)lround((pts[p].day - info->series_t0) / info->series_dt);
            ck_assert_int_lt(idx, info->series_len);
            double shipped = 0;
            for (int k = 0; k < 4; k++) shipped += sim_series(sim, mi[k])[idx];
            sum[p] += shipped;
            sum2[p] += shipped * shipped;
        }
    }
    for (int p = 0; p < 4; p++) {
        double m = sum[p] / n, se = sqrt(fmax(0.0, (sum2[p] - n * m * m) / (n - 1)) / n);
        fprintf(stderr, "calibration: %-12s shipped %.2f M (SE %.3f M; band %.2f-%.2f M)\n", pts[p].when, m / 1e6,
                se / 1e6, pts[p].lo / 1e6, pts[p].hi / 1e6);
        ck_assert_msg(m + TOL_SE * se >= pts[p].lo && m - TOL_SE * se <= pts[p].hi,
                      "%s: mean shipped %.0f (SE %.0f) outside [%.0f, %.0f]", pts[p].when, m, se, pts[p].lo,
                      pts[p].hi);
    }
    double vm = voyages / n, vse = sqrt(fmax(0.0, (voyages2 - n * vm * vm) / (n - 1)) / n);
    fprintf(stderr, "calibration: %.1f sea voyages by 13 Feb 2024 (SE %.2f; >= 32 reported)\n", vm, vse);
    /* ">= 32", relaxed by 5%; no upper figure: the ships could not have
     * made more than 50 round trips in the 7 months (a sanity ceiling). */
    ck_assert_msg(vm + TOL_SE * vse >= 0.95 * 32 && vm - TOL_SE * vse <= 50, "%.1f voyages by 13 Feb 2024", vm);
    free(now);
    /* The batch target (10,000 replications in < 1 s on 2 cores) needs a
     * lean event count per replication. */
    double per = (double)events / n;
    fprintf(stderr, "calibration: %.0f events per replication\n", per);
    ck_assert_msg(per < 4000, "%.0f events per replication", per);
    sim_destroy(sim);
    scenario_destroy(s);
}
END_TEST

static void outlook_rep_check(const Scenario *s, const double *v, void *ctx)
{
    (void)ctx;
    /* The history ends with a failure (May 2024) after the Nov 2023 success,
     * so the rule "if the next attempt also fails, accept Russia's help"
     * fires exactly when attempt 5 fails, or later after two failures in a row. */
    double att = v[metric(s, "launch-attempts")], dec = v[metric(s, "space-help-accepted")];
    double orbit = v[metric(s, "first-orbit")];
    ck_assert(att >= 4);
    if (att >= 5 && orbit == SALVO_NEVER) ck_assert_msg(dec == 1.0, "attempt 5 failed but help was not accepted");
    if (dec == 0.0 && att >= 5) ck_assert(orbit != SALVO_NEVER);
    if (dec == 1.0) ck_assert(att >= 5);
    /* Kursk (6 Aug 2024, day 402) + delay of 30 to 120 days. */
    double hon = v[metric(s, "treaty-honoured")], troops = v[metric(s, "troops-sent")];
    if (hon == SALVO_NEVER) ck_assert(troops == 0.0);
    else {
        ck_assert_msg(hon >= 402 + 30 - 1e-9 && hon <= 402 + 120 + 1e-9, "honoured on day %g", hon);
        ck_assert_msg(troops >= 11000, "honoured but only %g troops", troops);
    }
}

START_TEST(test_default_rules)
{
    /* The outlook rule and the treaty response, replication by replication
     * (seed 2024, 2,000 replications); both branches must occur. */
    Scenario *s = load_ok("scenarios/korea-russia-2024.json");
    ScenBatch b = run_batch(s, 2024u, 2000, outlook_rep_check, NULL);
    /* Coverage, not calibration: no public figure gives these
     * probabilities, so the check is that each branch of the per-
     * replication rules above ran at least 100 times of 2,000 (a wider
     * "P in (0.05, 0.95)" band passed any model). */
    double accepted = b.mean[metric(s, "space-help-accepted")];   /* a flag: P(accepted by the end) */
    ck_assert_msg(accepted * 2000 >= 100 && (1 - accepted) * 2000 >= 100,
                  "space help accepted in %g of 2000 runs: one branch is barely exercised", accepted * 2000);
    double sat = b.mean[metric(s, "satellite-by-2025")];
    ck_assert_msg(sat * 2000 >= 100 && (1 - sat) * 2000 >= 100, "satellite by 2025 in %g of 2000 runs", sat * 2000);
    batch_free(&b);
    scenario_destroy(s);
}
END_TEST

/* Mean of one metric over replications 0..n-1 of `seed`. */
static double mean_of(const char *path, const char *id, int n)
{
    Scenario *s = load_ok(path);
    ScenBatch b = run_batch(s, 77u, n, NULL, NULL);
    double m = b.mean[metric(s, id)];
    batch_free(&b);
    scenario_destroy(s);
    return m;
}

START_TEST(test_variants_differ_as_described)
{
    /* Common random numbers (same seed and replications): each variant moves
     * its headline metric the way its description says. 1,000 replications. */
    const int n = 1000;
    const char *def = "scenarios/korea-russia-2024.json";
    double d_front = mean_of(def, "dprk-shells-delivered", n);
    double d_lost = mean_of(def, "shells-lost", n);
    double d_sat = mean_of(def, "satellite-by-2025", n);
    const char *intd = "scenarios/korea-russia-interdiction.json";
    ck_assert(mean_of(intd, "dprk-shells-delivered", n) < 0.97 * d_front);
    ck_assert(mean_of(intd, "shells-lost", n) > 5 * d_lost);
    ck_assert(mean_of(intd, "ships-lost", n) > 1);
    ck_assert(mean_of("scenarios/korea-russia-early-space-help.json", "satellite-by-2025", n) > d_sat + 0.05);
    const char *pen = "scenarios/korea-peninsula-crisis.json";
    /* The clash has hazard 0.001/day through 2025 (364 or 365 days, by
     * how the last day counts): P = 1 - exp(-0.001 T), 0.3051 to 0.3058.
     * SE over N = 4,000: sqrt(0.306 x 0.694 / 4000) = 0.0073; the band is
     * TOL_SE of it around either end, so a hazard 15% off fails (the old
     * band 0.2-0.4 passed hazards from 0.65x to 1.4x). */
    const int N = 4000;
    Scenario *ps = load_ok(pen);
    ScenBatch pb = run_batch(ps, 77u, N, NULL, NULL);
    double clash = pb.mean[metric(ps, "clash-happened")], declines = pb.mean[metric(ps, "china-declines")];
    batch_free(&pb);
    scenario_destroy(ps);
    double p364 = 1 - exp(-0.364), p365 = 1 - exp(-0.365), se_clash = sqrt(p365 * (1 - p365) / N);
    ck_assert_msg(clash >= p364 - TOL_SE * se_clash && clash <= p365 + TOL_SE * se_clash, "P(clash) %g", clash);
    /* China declines with probability 0.85 once a clash triggers it, after
     * a delay of 3 to 60 days: P(declined by the end) lies between
     * 0.85 P(clash by 1 Nov 2025) and 0.85 P(clash), each within TOL_SE of
     * its SE (at most sqrt(0.26 x 0.74 / 4000) = 0.0069). */
    double d_lo = 0.85 * (1 - exp(-0.001 * (364 - 60))), d_hi = 0.85 * p365, se_d = sqrt(d_hi * (1 - d_hi) / N);
    ck_assert_msg(declines >= d_lo - TOL_SE * se_d && declines <= d_hi + TOL_SE * se_d, "P(China declines) %g",
                  declines);
    ck_assert(mean_of(pen, "dprk-shells-delivered", n) < d_front);
}
END_TEST

START_TEST(test_schema_covers_default)
{
    /* scenarios/schema.json is JSON Schema 2020-12 and names every
     * top-level field the default scenario uses, and every field of its
     * routes, so an editor checking against it accepts the shipped file. */
    Diag d;
    diag_init(&d, "scenarios/schema.json");
    JsonDoc *schema = json_parse_file("scenarios/schema.json", &d);
    if (!schema) diag_print(&d, stderr);
    ck_assert(schema != NULL);
    diag_fini(&d);
    diag_init(&d, "scenarios/korea-russia-2024.json");
    JsonDoc *scen = json_parse_file("scenarios/korea-russia-2024.json", &d);
    ck_assert(scen != NULL);
    const JsonValue *sr = json_root(schema), *root = json_root(scen);
    const JsonValue *ver = json_get(sr, "$schema");
    ck_assert(ver && ver->type == JSON_STRING);
    ck_assert_str_eq(ver->str, "https://json-schema.org/draft/2020-12/schema");
    const JsonValue *props = json_get(sr, "properties"), *defs = json_get(sr, "$defs");
    ck_assert(props && defs);
    for (size_t i = 0; i < root->len; i++)
        ck_assert_msg(json_get(props, root->keys[i]) != NULL, "schema lacks top-level field '%s'", root->keys[i]);
    const JsonValue *rprops = json_get(json_get(defs, "route"), "properties");
    const JsonValue *routes = json_get(root, "routes");
    ck_assert(rprops && routes);
    for (size_t r = 0; r < routes->len; r++)
        for (size_t i = 0; i < routes->items[r]->len; i++)
            ck_assert_msg(json_get(rprops, routes->items[r]->keys[i]) != NULL, "schema lacks route field '%s'",
                          routes->items[r]->keys[i]);
    json_destroy(scen);
    json_destroy(schema);
    diag_fini(&d);
}
END_TEST


/* The default scenario's decisions come up in every replication, in the
 * same order, and change the outcome: refusing to ship, accepting space
 * help at once and fighting without foreign troops leave no North Korean
 * shells at the front and no troops, where the historical choices do. */
START_TEST(test_default_decisions_change_outcome)
{
    Scenario *s = load_scenario("scenarios/korea-russia-2024.json");
    int shells = scenario_metric_find(s, "dprk-shells-at-front"), troops = scenario_metric_find(s, "troops-sent");
    ck_assert_int_ge(shells, 0);
    ck_assert_int_ge(troops, 0);
    Sim *sim = sim_create(s);
    double *v = calloc((size_t)scenario_metric_count(s), sizeof *v);
    for (uint64_t rep = 0; rep < 20; rep++) {
        sim_set_interactive(sim, 1);
        sim_reset(sim, 11, rep);
        const char *want[] = { "arms-pipeline", "space-help-now", "ask-for-troops" };
        int answer[] = { 2, 1, 1 };
        for (int k = 0; k < 3; k++) {
            ck_assert_int_eq(sim_run(sim, INFINITY), SIM_DECISION);
            ck_assert_str_eq(sim_pending(sim)->id, want[k]);
            ck_assert_int_eq(sim_answer(sim, answer[k]), 0);
        }
        ck_assert_int_eq(sim_run(sim, INFINITY), SIM_DONE);
        sim_metrics(sim, v);
        ck_assert(v[shells] == 0);
        ck_assert(v[troops] == 0);
        sim_set_interactive(sim, 0);
        sim_reset(sim, 11, rep);
        sim_run(sim, INFINITY);
        sim_metrics(sim, v);
        ck_assert(v[shells] > 1e6);
    }
    free(v);
    sim_destroy(sim);
    scenario_destroy(s);
}
END_TEST

Suite *suite_scenarios(void)
{
    Suite *s = suite_create("scenarios");
    TCASE(s, "verify", 120, NO_FIXTURE, test_verify_launch_constant_p, test_default_decisions_change_outcome,
          test_verify_launch_growth, test_verify_pipeline, test_verify_pipeline_schedule,
          test_verify_launch_assistance, test_verify_poisson, test_verify_treaty);
    TCASE(s, "shipped", 120, NO_FIXTURE, test_shipped_load_and_run, test_default_assumptions_sourced,
          test_default_calibration, test_schema_covers_default, test_default_rules,
          test_variants_differ_as_described);
    return s;
}
