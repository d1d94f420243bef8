/* test_launch_draw.c — a programme's base, ceiling and growth given as
 * distributions are drawn once per replication (issue 8, item 5), where
 * they used to be reduced to their means.
 *
 * Statistical checks, seed 2024, N = 4,000 replications; each holds at 5
 * standard errors for any seed (a correct engine fails about one seed in
 * 1.7 million per check):
 *   - the success probability p of one replication (read from the launch
 *     trace records) is the same for every attempt of that replication;
 *   - base ~ uniform(0.1, 0.9) with no growth: the mean of p over
 *     replications is 0.5 within 5 sigma/sqrt(N), sigma^2 = 0.8^2/12; the
 *     variance of p is 0.8^2/12 within 5 sigma^2 sqrt((kappa + 2)/N),
 *     kappa = -1.2 (the uniform's excess kurtosis). The old engine gives
 *     p = 0.5 always: variance 0, so this fails on it;
 *   - the success fraction of a replication has mean 0.5 within 5 SE of
 *     its sample standard deviation.
 * And exactly: an effect that sets the base mid-run takes effect at once,
 * with one new draw for the rest of the replication.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "salvo.h"
#include "testutil.h"

#define REPS 4000
#define ATTEMPTS 20

typedef struct Seen { double p[64]; int n, successes; } Seen;

static void on_rec(void *ctx, const TraceRec *r)
{
    Seen *s = ctx;
    if (r->kind != TR_LAUNCH || s->n >= 64) return;
    s->p[s->n++] = r->x;
    if (r->c == 0) s->successes++;
}

static const char *scenario(const char *prog_params, const char *events)
{
    static char buf[4096];
    snprintf(buf, sizeof buf,
             "{\"salvo\": 1, \"name\": \"launch\", \"calendar\": {\"start\": \"2024-01-01\", \"end\": \"2025-01-01\"},\n"
             " \"actors\": [{\"id\": \"a\"}],\n"
             " \"places\": [{\"id\": \"pad\", \"kind\": \"launch-site\", \"lat\": 40, \"lon\": 125}],\n"
             " \"programmes\": [{\"id\": \"prog\", \"actor\": \"a\", \"site\": \"pad\", \"interval\": 10,\n"
             "                 \"max_attempts\": %d, %s}],\n"
             " \"events\": [%s],\n"
             " \"metrics\": [{\"id\": \"s\", \"total\": \"launch.prog.successes\"}]}\n",
             ATTEMPTS, prog_params, events);
    return buf;
}

START_TEST(test_base_drawn_per_replication)
{
    Scenario *sc = load_scenario(scenario("\"base\": {\"dist\": \"uniform\", \"lo\": 0.1, \"hi\": 0.9}, \"growth\": 0", ""));
    Sim *S = sim_create(sc);
    Seen seen;
    TraceSink sink = { on_rec, &seen };
    sim_set_sink(S, &sink);
    double sum = 0, sum2 = 0, fs = 0, fs2 = 0;
    int varying = 0;
    for (int r = 0; r < REPS; r++) {
        memset(&seen, 0, sizeof seen);
        sim_reset(S, 2024, (uint64_t)r);
        ck_assert_int_eq(sim_run(S, INFINITY), SIM_DONE);
        ck_assert_int_eq(seen.n, ATTEMPTS);
        for (int k = 1; k < seen.n; k++) varying += seen.p[k] != seen.p[0];
        sum += seen.p[0];
        sum2 += seen.p[0] * seen.p[0];
        double f = (double)seen.successes / seen.n;
        fs += f;
        fs2 += f * f;
    }
    ck_assert_int_eq(varying, 0);
    double mean = sum / REPS, var = (sum2 - REPS * mean * mean) / (REPS - 1);
    double sigma2 = 0.8 * 0.8 / 12;
    ck_assert_msg(fabs(mean - 0.5) < 5 * sqrt(sigma2 / REPS), "mean of p %g", mean);
    ck_assert_msg(fabs(var - sigma2) < 5 * sigma2 * sqrt((-1.2 + 2) / REPS), "variance of p %g, wanted %g", var, sigma2);
    double fm = fs / REPS, fsd = sqrt((fs2 - REPS * fm * fm) / (REPS - 1));
    ck_assert_msg(fabs(fm - 0.5) < 5 * fsd / sqrt(REPS), "success fraction %g", fm);
    sim_destroy(S);
    scenario_destroy(sc);
}
END_TEST

/* Ceiling and growth too: every attempt's p follows one (c, g) drawn for
 * the replication, p_k = c - (c - b)(1 - g)^(k-1), b = 0.3 fixed. */
START_TEST(test_ceiling_growth_drawn_per_replication)
{
    Scenario *sc = load_scenario(scenario("\"base\": 0.3, \"ceiling\": {\"dist\": \"triangular\", \"lo\": 0.8, \"mode\": 0.9, "
                                 "\"hi\": 0.98}, \"growth\": {\"dist\": \"uniform\", \"lo\": 0.1, \"hi\": 0.5}", ""));
    Sim *S = sim_create(sc);
    Seen seen;
    TraceSink sink = { on_rec, &seen };
    sim_set_sink(S, &sink);
    int bad = 0;
    double g_sum = 0, g_min = 1, g_max = 0;
    for (int r = 0; r < 500; r++) {
        memset(&seen, 0, sizeof seen);
        sim_reset(S, 7, (uint64_t)r);
        sim_run(S, INFINITY);
        ck_assert_int_ge(seen.n, 3);
        /* From p1, p2, p3: 1 - g = (c - p3)/(c - p2) = (c - p2)/(c - p1), so
         * c = (p1 p3 - p2^2)/(p1 + p3 - 2 p2); then every later p must fit. */
        double p1 = seen.p[0], p2 = seen.p[1], p3 = seen.p[2];
        if (fabs(p1 - 0.3) > 1e-12) bad++;
        double c = (p1 * p3 - p2 * p2) / (p1 + p3 - 2 * p2), g = 1 - (c - p2) / (c - p1);
        for (int k = 0; k < seen.n; k++) {
            double want = c - (c - 0.3) * pow(1 - g, k);
            if (want > 0.999) want = 0.999;
            if (fabs(seen.p[k] - want) > 1e-9) bad++;
        }
        if (!(c >= 0.8 - 1e-9 && c <= 0.98 + 1e-9 && g >= 0.1 - 1e-9 && g <= 0.5 + 1e-9)) bad++;
        g_sum += g;
        if (g < g_min) g_min = g;
        if (g > g_max) g_max = g;
    }
    ck_assert_int_eq(bad, 0);
    /* Drawn, not the mean 0.3 every time. */
    ck_assert(g_max - g_min > 0.3);
    sim_destroy(S);
    scenario_destroy(sc);
}
END_TEST

START_TEST(test_effect_on_base_takes_effect)
{
    Scenario *sc = load_scenario(scenario("\"base\": {\"dist\": \"uniform\", \"lo\": 0.1, \"hi\": 0.5}, \"growth\": 0",
                                 "{\"id\": \"help\", \"at\": \"2024-03-01\", "
                                 "\"effects\": [{\"set\": \"programmes.prog.base\", \"value\": 0.45}]}"));
    Sim *S = sim_create(sc);
    Seen seen;
    TraceSink sink = { on_rec, &seen };
    sim_set_sink(S, &sink);
    memset(&seen, 0, sizeof seen);
    sim_reset(S, 3, 0);
    sim_run(S, INFINITY);
    /* Attempts every 10 days from day 10: days 10..50 before 1 March (day
     * 60), 60 on it (the event was scheduled first, so it runs first). */
    ck_assert_int_eq(seen.n, ATTEMPTS);
    for (int k = 0; k < 5; k++) {
        ck_assert(seen.p[k] == seen.p[0]);
        ck_assert(seen.p[k] >= 0.1 && seen.p[k] <= 0.5);
    }
    /* Setting the mean of uniform(0.1, 0.5) to 0.45 keeps its shape:
     * uniform(0.15, 0.75), drawn once, at the effect. */
    ck_assert(seen.p[5] != seen.p[0]);
    ck_assert(seen.p[5] >= 0.15 && seen.p[5] <= 0.75);
    for (int k = 6; k < seen.n; k++) ck_assert(seen.p[k] == seen.p[5]);
    sim_destroy(S);
    scenario_destroy(sc);
}
END_TEST

Suite *suite_launch_draw(void)
{
    Suite *s = suite_create("launch_draw");
    TCASE(s, "per_replication", 120, NO_FIXTURE, test_base_drawn_per_replication,
          test_ceiling_growth_drawn_per_replication, test_effect_on_base_takes_effect);
    return s;
}
