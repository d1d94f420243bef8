/* test_fit.c — sim/fit.c (ABC weighting of replications by the record)
 * and sim/prim.c (PRIM, the box search behind `salvo discover`), moved
 * here from test_validity.c so that each module has its suite:
 *   - ABC recovers a parameter planted in scenarios/verify/abc-recover.json;
 *   - a fit and its sample are the same bits on any thread count, and the
 *     sample is the assumptions as drawn;
 *   - PRIM finds the box planted in scenarios/verify/prim-box.json, and a
 *     box worked out by hand;
 *   - `salvo fit` writes the weights it reports.
 * Statistical checks state their tolerance in standard errors. */
#include <check.h>
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fit.h"
#include "prim.h"
#include "salvo.h"
#include "testutil.h"

#define DEFAULT_SC "scenarios/korea-russia-2024.json"

/* A fit of s over RUNS replications of SEED on THREADS threads, to its end. */
static FitOptions fit_options(const Scenario *s, uint64_t seed, uint64_t runs, int threads)
{
    FitOptions o = { .seed = seed, .runs = runs, .threads = threads, .until = scenario_end(s) };
    return o;
}

/* ABC recovers a known parameter from observations the model made itself
 * (scenarios/verify/abc-recover.json): the file's record is replication 0
 * of seed 1 with R = 130, which the test first re-makes. The prior mean of
 * R is 100 (triangular(50, 100, 150)); the posterior mean must be closer to
 * 130 than 100 is by more than 3 standard errors of the posterior mean
 * (its sd / sqrt(ESS)), and the posterior sd less than half the prior's. */
START_TEST(test_abc_recovers_parameter)
{
    Diag d;
    diag_init(&d, "test");
    const char *truth[] = { "producers.make.rate=130" };
    Scenario *t = scenario_load("scenarios/verify/abc-recover.json", truth, 1, &d);
    ck_assert_ptr_nonnull(t);
    Sim *sim = start_sim(t, 1, 0);
    ck_assert_int_eq(sim_run(sim, INFINITY), SIM_DONE);
    const Observation *o0 = scenario_observation(t, 0), *o1 = scenario_observation(t, 1);
    ck_assert(fabs(sim_observations(sim)[0] - 0.5 * (o0->low + o0->high)) < 1e-6);
    ck_assert(fabs(sim_observations(sim)[1] - 0.5 * (o1->low + o1->high)) < 1e-6);
    sim_destroy(sim);
    scenario_free(t);

    Scenario *s = load_scenario("scenarios/verify/abc-recover.json");
    FitOptions o = fit_options(s, 1, 4000, 2);
    Fit *f = fit_run(s, &o, &d);
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(f->nused, 1);     /* a-20 is held out */
    const FitStat *r = &f->assumption[0];
    ck_assert_msg(fabs(r->prior_mean - 100) < 5 * 20.41 / sqrt(4000.0), "prior mean %g", r->prior_mean);
    double se = r->post_sd / sqrt(f->ess);
    ck_assert_msg(fabs(r->post_mean - 130) + 3 * se < fabs(100 - 130.0), "posterior mean %g (se %g), ess %g",
                  r->post_mean, se, f->ess);
    ck_assert_msg(r->post_sd < 0.5 * r->prior_sd, "posterior sd %g, prior sd %g", r->post_sd, r->prior_sd);
    /* the held-out observation inside the posterior predictive 90% band */
    o1 = scenario_observation(s, 1);
    ck_assert(o1->low <= f->obs[1].post_p95 && o1->high >= f->obs[1].post_p5);
    /* Weighing by nothing gives the prior back. */
    FitOptions early = o;
    early.until = 3;
    Fit *g = fit_run(s, &early, &d);
    ck_assert_ptr_nonnull(g);
    ck_assert_int_eq(g->nused, 0);
    ck_assert_double_eq(g->ess, (double)g->runs);
    ck_assert_double_eq(g->assumption[0].post_mean, g->assumption[0].prior_mean);
    fit_free(g);
    fit_free(f);
    scenario_free(s);
    diag_free(&d);
}
END_TEST

/* A fit is the same bits on 1 and 3 threads. */
START_TEST(test_fit_threads)
{
    Diag d;
    diag_init(&d, "test");
    Scenario *s = load_scenario(DEFAULT_SC);
    FitOptions o = fit_options(s, 5, 150, 1);
    Fit *a = fit_run(s, &o, &d);
    o.threads = 3;
    Fit *b = fit_run(s, &o, &d);
    ck_assert_ptr_nonnull(a);
    ck_assert_ptr_nonnull(b);
    ck_assert(memcmp(&a->ess, &b->ess, sizeof a->ess) == 0);
    ck_assert(memcmp(a->assumption, b->assumption, (size_t)a->nassumptions * sizeof *a->assumption) == 0);
    ck_assert(memcmp(a->obs, b->obs, (size_t)a->nobs * sizeof *a->obs) == 0);
    ck_assert(memcmp(a->metric, b->metric, (size_t)a->nmetrics * sizeof *a->metric) == 0);
    fit_free(a);
    fit_free(b);
    scenario_free(s);
    diag_free(&d);
}
END_TEST

START_TEST(test_fit_scale_by_hand)
{
    Observation o = { .low = 80, .high = 120 };
    ck_assert_double_eq(fit_scale(&o), 20);             /* half the range */
    o = (Observation){ .low = 990, .high = 1010 };
    ck_assert_double_eq(fit_scale(&o), 50);             /* 5% of 1000 */
    o = (Observation){ .low = 1, .high = 1, .whole = 1 };
    ck_assert_double_eq(fit_scale(&o), 0.5);            /* a count */
}
END_TEST

/* PRIM finds the box planted in scenarios/verify/prim-box.json: the flag is
 * 1 exactly when R1 >= 70 and R2 <= 30 (R3 irrelevant). Peeling 5% a step
 * down to 2% support, the densest box with coverage >= 50% must bound R1
 * below within 5 of 70 and R2 above within 5 of 30, leave R3 alone, and
 * hold nearly all of the box's runs (the box's sampling error at 8000 runs
 * with ~260 cases is about 2 on each bound). The sample is the same on 1
 * and 3 threads. */
START_TEST(test_prim_planted_box)
{
    Diag d;
    diag_init(&d, "test");
    Scenario *s = load_scenario("scenarios/verify/prim-box.json");
    ck_assert_int_eq(scenario_assumption_count(s), 3);
    FitOptions o = fit_options(s, 1, 8000, 3);
    uint64_t n = 0, n1 = 0;
    int width = 0, w1 = 0;
    double *rows = fit_sample(s, &o, &n, &width, &d);
    o.threads = 1;
    double *rows1 = fit_sample(s, &o, &n1, &w1, &d);
    ck_assert_ptr_nonnull(rows);
    ck_assert_ptr_nonnull(rows1);
    ck_assert_uint_eq(n, 8000);
    ck_assert(n1 == n && w1 == width && memcmp(rows, rows1, (size_t)n * (size_t)width * sizeof *rows) == 0);
    double *x = malloc((size_t)n * 3 * sizeof *x);
    unsigned char *y = malloc((size_t)n);
    for (uint64_t r = 0; r < n; r++) {
        const double *row = rows + r * (uint64_t)width;
        for (int j = 0; j < 3; j++) x[r * 3 + (uint64_t)j] = row[j];
        y[r] = row[3] == 1;
        /* the flag is the planted box, exactly */
        ck_assert_int_eq(y[r], row[0] >= 70 && row[1] <= 30);
    }
    Prim *p = prim_peel(x, y, n, 3, 0.05, 0.02);
    ck_assert_ptr_nonnull(p);
    const PrimStep *b = &p->steps[prim_choose(p, 0.5)], *all = &p->steps[0];
    ck_assert_msg(fabs(b->lo[0] - 70) <= 5, "R1 >= %g", b->lo[0]);
    ck_assert_msg(fabs(b->hi[1] - 30) <= 5, "R2 <= %g", b->hi[1]);
    ck_assert(b->lo[2] == all->lo[2] && b->hi[2] == all->hi[2]);
    ck_assert_msg(b->density >= 0.9 && b->coverage >= 0.85, "density %g coverage %g", b->density, b->coverage);
    /* Densities never fall along the trajectory; supports never rise. */
    for (int i = 1; i < p->nsteps; i++) {
        ck_assert(p->steps[i].density > p->steps[i - 1].density);
        ck_assert(p->steps[i].support <= p->steps[i - 1].support);
    }
    prim_free(p);
    free(x);
    free(y);
    free(rows);
    free(rows1);
    scenario_free(s);
    diag_free(&d);
}
END_TEST

/* By hand: 10 points on a line, the outcome at x >= 8 (3 points). Peeling
 * 10% (one point) a step from below raises the density each time: boxes
 * [0,9] (3/10), [1,9] (3/9), ..., [7,9] (3/3); min support 0.3 stops there. */
START_TEST(test_prim_by_hand)
{
    double x[10];
    unsigned char y[10];
    for (int i = 0; i < 10; i++) {
        x[i] = i;
        y[i] = i >= 7;
    }
    Prim *p = prim_peel(x, y, 10, 1, 0.1, 0.3);
    ck_assert_ptr_nonnull(p);
    ck_assert_int_eq(p->nsteps, 8);
    ck_assert_double_eq(p->steps[7].lo[0], 7);
    ck_assert_double_eq(p->steps[7].hi[0], 9);
    ck_assert_double_eq(p->steps[7].density, 1);
    ck_assert_double_eq(p->steps[7].coverage, 1);
    ck_assert_double_eq(p->steps[3].density, 3.0 / 7);
    ck_assert_int_eq(prim_choose(p, 0.5), 7);
    prim_free(p);
}
END_TEST

/* salvo fit on the command line: its JSON's effective sample size is
 * (sum w)^2 / sum w^2 of the weights in its CSV, recomputed here, and
 * every weight is in [0, 1] with the largest 1. */
START_TEST(test_fit_cli_weights)
{
    ck_assert_int_eq(salvof("fit scenarios/verify/abc-recover.json --runs 300 --threads 2 --json %s --csv %s",
                            tmp("fit.json"), tmp("w.csv")), 0);
    char *out = slurp(tmp("out.txt"));
    ck_assert(strstr(out, "effective sample size"));
    ck_assert(strstr(out, "producers.make.rate"));
    free(out);
    char *csv = slurp(tmp("w.csv"));
    ck_assert_ptr_nonnull(csv);
    ck_assert(!strncmp(csv, "rep,weight\n", 11));
    double s1 = 0, s2 = 0, top = 0;
    int n = 0;
    for (char *line = strchr(csv, '\n'); line && line[1]; line = strchr(line + 1, '\n')) {
        int rep;
        double w;
        ck_assert_int_eq(sscanf(line + 1, "%d,%lf", &rep, &w), 2);
        ck_assert_int_eq(rep, n);
        ck_assert(w >= 0 && w <= 1);
        if (w > top) top = w;
        s1 += w;
        s2 += w * w;
        n++;
    }
    free(csv);
    ck_assert_int_eq(n, 300);
    ck_assert_double_eq(top, 1);
    cJSON *j = load_json(tmp("fit.json"));
    double ess = cJSON_GetObjectItem(cJSON_GetObjectItem(j, "fit"), "ess")->valuedouble;
    ck_assert_msg(fabs(ess - s1 * s1 / s2) <= 1e-9 * ess, "ess %g, from the weights %g", ess, s1 * s1 / s2);
    cJSON_Delete(j);
}
END_TEST

/* The values a fit weighs are the assumptions as drawn, inside their prior
 * ranges, not as the run's effects left them (the default scenario scales
 * the front's demand during the run). */
START_TEST(test_fit_sample_is_the_draw)
{
    Scenario *s = load_scenario(DEFAULT_SC);
    FitOptions o = fit_options(s, 3, 64, 2);
    Diag d;
    diag_init(&d, "test");
    uint64_t n = 0;
    int width = 0;
    double *rows = fit_sample(s, &o, &n, &width, &d);
    ck_assert_ptr_nonnull(rows);
    for (uint64_t r = 0; r < n; r++)
        for (int a = 0; a < scenario_assumption_count(s); a++) {
            const Assumption *as = scenario_assumption(s, a);
            double v = rows[r * (uint64_t)width + (uint64_t)a], eps = 1e-9 * (1 + fabs(as->hi));
            ck_assert_msg(v >= as->lo - eps && v <= as->hi + eps, "%s = %g outside [%g, %g]", as->path, v, as->lo,
                          as->hi);
        }
    free(rows);
    scenario_free(s);
    diag_free(&d);
}
END_TEST

Suite *suite_fit(void)
{
    Suite *s = suite_create("fit");
    TCASE(s, "fit", 120, NO_FIXTURE, test_fit_scale_by_hand, test_abc_recovers_parameter, test_fit_threads,
          test_fit_sample_is_the_draw);
    TCASE(s, "discover", 120, NO_FIXTURE, test_prim_by_hand, test_prim_planted_box);
    TCASE(s, "cli", 120, SCRATCH, test_fit_cli_weights);
    return s;
}
