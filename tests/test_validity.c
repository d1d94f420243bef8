/* test_validity.c — observations, sums of quantities and the record check
 * (issue 11), on scenarios whose answers are worked out by hand:
 *   - sums and linear combinations: values, and exact crossings of a
 *     condition on a sum (piecewise linear, with a jump from a count);
 *   - observations read the state at the end of their date;
 *   - the record check of scenarios/verify/record-uniform.json: bands, PIT
 *     and interval scores against the uniform distribution they come from;
 *   - bad observations are load errors with a place and a suggestion;
 *   - the record check is the same for any number of threads.
 * Statistical checks state their tolerance in standard errors. */
#include <check.h>
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "batch.h"
#include "fit.h"
#include "prim.h"
#include "record.h"
#include "salvo.h"
#include "summary.h"
#include "testutil.h"

#define DEFAULT_SC "scenarios/korea-russia-2024.json"

#define HEAD(end) \
    "{\"salvo\":1,\"name\":\"val\",\"calendar\":{\"start\":\"2024-01-01\",\"end\":\"" end "\"}," \
    "\"sources\":[{\"id\":\"src\",\"title\":\"t\"}]," \
    "\"actors\":[{\"id\":\"a\"}],\"resources\":[{\"id\":\"r\"}]," \
    "\"places\":[{\"id\":\"p\",\"kind\":\"depot\",\"lat\":0,\"lon\":0}],"

/* Stock s gains 100/day from 0; event e happens at 00:00 on 2024-01-06
 * (day 5). With q = stock.s + 50 day + 1000 event.e:
 *   q(t) = 150 t before day 5, 150 t + 1000 from day 5;
 *   q >= 1500: 150 t = 1500 at t = 10 without the jump, but at t = 5 the
 *              jump takes q from 750 to 1750: true at 5 exactly;
 *   q >= 2000: 150 t + 1000 = 2000 at t = 6.6667 (between events: only
 *              the crossing planner can find it);
 *   r = stock.s - 2 x day x 50 = 0 all the time (== 0 holds at day 0);
 *   total of q at the end (day 30): 4500 + 1000 = 5500. */
static const char *SUM_SC = HEAD("2024-01-31")
    "\"stocks\":[{\"id\":\"s\",\"place\":\"p\",\"resource\":\"r\"}],"
    "\"producers\":[{\"id\":\"in\",\"stock\":\"s\",\"rate\":100}],"
    "\"events\":[{\"id\":\"e\",\"at\":\"2024-01-06\"}],"
    "\"metrics\":["
    "{\"id\":\"q\",\"total\":{\"sum\":[\"stock.s\",{\"quantity\":\"day\",\"coef\":50},{\"quantity\":\"event.e\",\"coef\":1000}]}},"
    "{\"id\":\"t1500\",\"time_of\":{\"quantity\":{\"sum\":[\"stock.s\",{\"quantity\":\"day\",\"coef\":50},"
    "{\"quantity\":\"event.e\",\"coef\":1000}]},\">=\":1500}},"
    "{\"id\":\"t2000\",\"time_of\":{\"quantity\":{\"sum\":[\"stock.s\",{\"quantity\":\"day\",\"coef\":50},"
    "{\"quantity\":\"event.e\",\"coef\":1000}]},\">=\":2000}},"
    "{\"id\":\"nested\",\"time_of\":{\"quantity\":{\"sum\":[{\"sum\":[\"stock.s\",{\"quantity\":\"day\",\"coef\":50}]},"
    "{\"quantity\":\"event.e\",\"coef\":1000}]},\">=\":2000}},"
    "{\"id\":\"r0\",\"time_of\":{\"quantity\":{\"sum\":[\"stock.s\",{\"quantity\":\"day\",\"coef\":-100}]},\"==\":0}},"
    "{\"id\":\"lv\",\"level\":{\"sum\":[\"stock.s\",\"stock.s\"]},\"every\":10}]}";

START_TEST(test_sum_values_and_crossings)
{
    Scenario *s = load_scenario(SUM_SC);
    Sim *sim = start_sim(s, 1, 0);
    ck_assert_int_eq(sim_run(sim, INFINITY), SIM_DONE);
    double v[8];
    sim_metrics(sim, v);
    ASSERT_NEAR(metric_of(s, v, "q"), 5500);
    ASSERT_NEAR(metric_of(s, v, "t1500"), 5);
    ASSERT_NEAR(metric_of(s, v, "t2000"), 20.0 / 3);
    ASSERT_NEAR(metric_of(s, v, "nested"), 20.0 / 3);
    ASSERT_NEAR(metric_of(s, v, "r0"), 0);
    const double *lv = sim_series(sim, scenario_metric_find(s, "lv"));
    ASSERT_NEAR(lv[0], 0);
    ASSERT_NEAR(lv[1], 2000);
    ASSERT_NEAR(lv[3], 6000);
    sim_destroy(sim);
    scenario_free(s);
}
END_TEST

/* Observations are read at the end of their date: stock d gets 1000 at
 * 00:00 on 2024-01-11 (an event at day 10); 'before' (2024-01-10) reads 0,
 * 'after' (2024-01-11) reads 1000; 'mid' reads stock a = 10 R and
 * 'late' produced = 20 R, where produced at the end (31 days) is 31 R. */
START_TEST(test_observations_at_end_of_date)
{
    Scenario *s = load_scenario("scenarios/verify/record-uniform.json");
    ck_assert_int_eq(scenario_observation_count(s), 6);
    const Observation *o = scenario_observation(s, 1);
    ck_assert_str_eq(o->id, "low");
    ck_assert_str_eq(o->metric, "stock-a");
    ASSERT_NEAR(o->low, 270);
    ASSERT_NEAR(o->high, 330);
    ck_assert_str_eq(scenario_observation(s, 0)->metric, "stock-a");  /* same quantity as a level metric */
    ck_assert_str_eq(scenario_observation(s, 3)->metric, "late");
    ck_assert_int_eq(scenario_observation(s, 2)->held_out, 1);
    ASSERT_NEAR(scenario_observation(s, 0)->t, 10);
    Sim *sim = sim_create(s);
    ck_assert_ptr_nonnull(sim);
    for (uint64_t rep = 0; rep < 5; rep++) {
        sim_reset(sim, 7, rep);
        ck_assert_int_eq(sim_run(sim, INFINITY), SIM_DONE);
        double v[2];
        sim_metrics(sim, v);
        const double *ob = sim_observations(sim);
        double R = metric_of(s, v, "produced") / 31;
        ck_assert(R >= 50 && R <= 150);
        ASSERT_NEAR(ob[0], 10 * R);
        ASSERT_NEAR(ob[1], 10 * R);
        ASSERT_NEAR(ob[2], 10 * R + 1000);
        ASSERT_NEAR(ob[3], 20 * R);
        ck_assert_double_eq(ob[4], 0);
        ck_assert_double_eq(ob[5], 1000);
    }
    /* Before its date, an observation is not yet known. */
    sim_reset(sim, 7, 0);
    ck_assert_int_eq(sim_run(sim, 9.5), SIM_DONE);
    ck_assert(isnan(sim_observations(sim)[0]));
    sim_destroy(sim);
    scenario_free(s);
}
END_TEST

START_TEST(test_interval_score_by_hand)
{
    /* inside: the width; below by 250 at alpha 0.1: + 20 x 250 */
    ck_assert_double_eq(record_interval_score(550, 1450, 0.1, 800), 900);
    ck_assert_double_eq(record_interval_score(550, 1450, 0.1, 300), 5900);
    ck_assert_double_eq(record_interval_score(550, 1450, 0.1, 1500), 900 + 20 * 50);
    ck_assert_double_eq(record_interval_score(0, 10, 0.5, 12), 10 + 4 * 2);
}
END_TEST

static Batch *record_batch(const Scenario *s, BatchScenario **bs, uint64_t runs, int threads)
{
    *bs = batch_scenario_create(s);
    ck_assert_ptr_nonnull(*bs);
    batch_scenario_set_record(*bs, 1);
    BatchOptions o = batch_options(11, runs, threads, "validity");
    return run_model_batch(batch_scenario_model(*bs), &o, NULL);
}

/* The standard error of the q-quantile of n draws from a uniform of width
 * w: sqrt(q (1 - q) / n) w. Quantile tolerances: 5 standard errors plus the
 * sketch's relative accuracy (0.5%); PIT: 5 standard errors of a share. */
static void near_quantile(double got, double want, double q, double width, uint64_t n)
{
    double tol = 5 * sqrt(q * (1 - q) / (double)n) * width + 0.005 * fabs(want);
    ck_assert_msg(fabs(got - want) <= tol, "quantile %.2f: %.6g, expected %.6g +- %.3g", q, got, want, tol);
}

START_TEST(test_record_check_uniform)
{
    Scenario *s = load_scenario("scenarios/verify/record-uniform.json");
    BatchScenario *bs;
    const uint64_t N = 8000;
    Batch *b = record_batch(s, &bs, N, 2);
    RecordRow rows[6];
    ck_assert_int_eq(record_build(b, s, rows), 0);
    /* mid: 10 R ~ U[500, 1500] */
    const RecordRow *r = &rows[0];
    ck_assert_uint_eq(r->n, N);
    near_quantile(r->p5, 550, 0.05, 1000, N);
    near_quantile(r->p25, 750, 0.25, 1000, N);
    near_quantile(r->p50, 1000, 0.50, 1000, N);
    near_quantile(r->p75, 1250, 0.75, 1000, N);
    near_quantile(r->p95, 1450, 0.95, 1000, N);
    ck_assert(r->in50 && r->in90);
    double se = sqrt(0.3 * 0.7 / (double)N);
    ck_assert_msg(fabs(r->pit - 0.3) <= 5 * se + 0.005, "pit %g", r->pit);
    ck_assert_double_eq(r->interval_score, r->p95 - r->p5);
    ck_assert_msg(fabs(r->interval_score - 900) <= 30, "score %g", r->interval_score);
    /* low: [270, 330], below everything */
    r = &rows[1];
    ck_assert(!r->in50 && !r->in90);
    ck_assert_double_eq(r->pit, 0);
    ck_assert_double_eq(r->interval_score, record_interval_score(r->p5, r->p95, 0.1, 300));
    ck_assert_msg(fabs(r->interval_score - 5900) <= 21 * 30, "score %g", r->interval_score);
    /* sum: 10 R + 1000 ~ U[1500, 2500], midpoint 2000: PIT 0.5 */
    r = &rows[2];
    near_quantile(r->p50, 2000, 0.5, 1000, N);
    ck_assert_msg(fabs(r->pit - 0.5) <= 5 * sqrt(0.25 / (double)N) + 0.005, "pit %g", r->pit);
    /* late: 20 R ~ U[1000, 3000], p95 2900 < 2950: outside, PIT 1 */
    r = &rows[3];
    near_quantile(r->p95, 2900, 0.95, 2000, N);
    ck_assert(!r->in90);
    ck_assert_double_eq(r->pit, 1);
    /* before/after: exact */
    ck_assert_double_eq(rows[4].p5, 0);
    ck_assert_double_eq(rows[4].p95, 0);
    ck_assert_double_eq(rows[5].p50, 1000);
    ck_assert(rows[4].in90 && rows[5].in50);
    char line[512];
    record_summary(rows, 6, 0, line, sizeof line);
    ck_assert_msg(strstr(line, "3 of 5 observations inside the 90% band, 3 inside the 50% band"), "%s", line);
    record_summary(rows, 6, 1, line, sizeof line);
    ck_assert_msg(strstr(line, "1 of 1 held-out observation inside the 90% band"), "%s", line);
    /* The JSON rows carry what the report draws. */
    cJSON *j = record_json(rows, 6);
    ck_assert_ptr_nonnull(j);
    cJSON *e = cJSON_GetArrayItem(j, 1);
    ck_assert_str_eq(cJSON_GetObjectItem(e, "metric")->valuestring, "stock-a");
    ck_assert_str_eq(cJSON_GetObjectItem(e, "date")->valuestring, "2024-01-10");
    ck_assert_double_eq(cJSON_GetObjectItem(e, "value")->valuedouble, 300);
    ck_assert_str_eq(cJSON_GetObjectItem(e, "source")->valuestring, "hand");
    ck_assert(cJSON_IsFalse(cJSON_GetObjectItem(e, "in90")));
    cJSON_Delete(j);
    batch_destroy(b);
    batch_scenario_destroy(bs);
    scenario_free(s);
}
END_TEST

/* The record check is a function of the block-ordered totals: the same
 * bits on 1 and 3 threads. */
START_TEST(test_record_check_threads)
{
    Scenario *s = load_scenario("scenarios/verify/record-uniform.json");
    RecordRow a[6], c[6];
    BatchScenario *b1, *b3;
    Batch *x = record_batch(s, &b1, 1000, 1), *y = record_batch(s, &b3, 1000, 3);
    record_build(x, s, a);
    record_build(y, s, c);
    for (int k = 0; k < 6; k++) {
        ck_assert(memcmp(&a[k].p5, &c[k].p5, 5 * sizeof(double)) == 0);
        ck_assert(memcmp(&a[k].pit, &c[k].pit, sizeof(double)) == 0);
        ck_assert(memcmp(&a[k].interval_score, &c[k].interval_score, sizeof(double)) == 0);
    }
    batch_destroy(x);
    batch_destroy(y);
    batch_scenario_destroy(b1);
    batch_scenario_destroy(b3);
    scenario_free(s);
}
END_TEST

#define OBS_SC(obs) HEAD("2024-03-01") \
    "\"stocks\":[{\"id\":\"s\",\"place\":\"p\",\"resource\":\"r\"}]," \
    "\"metrics\":[{\"id\":\"m\",\"total\":\"stock.s\"},{\"id\":\"t\",\"time_of\":{\"after\":\"2024-01-05\"}}]," \
    "\"observations\":[" obs "]}"

static void bad(const char *text, const char *want)
{
    char msg[2048];
    Scenario *s = load_scenario_msg(text, NULL, 0, msg, sizeof msg);
    ck_assert_msg(s == NULL, "loaded, expected: %s", want);
    ck_assert_msg(strstr(msg, want) != NULL, "message:\n%s\nexpected: %s", msg, want);
}

START_TEST(test_bad_observations)
{
    bad(OBS_SC("{\"id\":\"o\",\"date\":\"2023-12-31\",\"quantity\":\"stock.s\",\"low\":1,\"high\":2,\"source\":\"src\"}"),
        "observations[0].date: date 2023-12-31 is outside the calendar");
    bad(OBS_SC("{\"id\":\"o\",\"date\":\"2024-03-01\",\"quantity\":\"stock.s\",\"low\":1,\"high\":2,\"source\":\"src\"}"),
        "observations[0].date: date 2024-03-01 is outside the calendar");
    bad(OBS_SC("{\"id\":\"o\",\"date\":\"2024-01-05\",\"quantity\":\"stock.s\",\"low\":3,\"high\":2,\"source\":\"src\"}"),
        "observations[0].high: high (2) is below low (3)");
    bad(OBS_SC("{\"id\":\"o\",\"date\":\"2024-01-05\",\"quantity\":\"stock.s\",\"low\":1,\"high\":2,\"source\":\"sr\"}"),
        "observations[0].source: unknown source 'sr' (did you mean 'src'?)");
    bad(OBS_SC("{\"id\":\"o\",\"date\":\"2024-01-05\",\"quantity\":\"stock.s\",\"low\":1,\"high\":2}"),
        "observations[0].source: missing required field 'source'");
    bad(OBS_SC("{\"id\":\"o\",\"date\":\"2024-01-05\",\"quantity\":\"stock.s\",\"lo\":1,\"high\":2,\"source\":\"src\"}"),
        "unknown field 'lo' (did you mean 'low'?)");
    bad(OBS_SC("{\"id\":\"o\",\"date\":\"2024-01-05\",\"quantity\":\"stock.s\",\"low\":1,\"value\":2,\"rel_error\":0.1,"
               "\"source\":\"src\"}"), "give the record's range as 'low' and 'high', or as 'value' and 'rel_error'");
    bad(OBS_SC("{\"id\":\"o\",\"date\":\"2024-01-05\",\"metric\":\"t\",\"low\":1,\"high\":2,\"source\":\"src\"}"),
        "metric 't' is not a 'level' or 'total' metric");
    bad(OBS_SC("{\"id\":\"o\",\"date\":\"2024-01-05\",\"metric\":\"mm\",\"low\":1,\"high\":2,\"source\":\"src\"}"),
        "unknown metric 'mm' (did you mean 'm'?)");
    bad(OBS_SC("{\"id\":\"o\",\"date\":\"2024-01-05\",\"low\":1,\"high\":2,\"source\":\"src\"}"),
        "an observation needs a 'quantity'");
    bad(OBS_SC("{\"id\":\"o\",\"date\":\"2024-01-05\",\"quantity\":{\"sum\":[\"stock.s\",{\"quantity\":\"stock.x\"}]},"
               "\"low\":1,\"high\":2,\"source\":\"src\"}"),
        "observations[0].quantity.sum[1].quantity: unknown quantity 'stock.x'");
    bad(OBS_SC("{\"id\":\"o\",\"date\":\"2024-01-05\",\"quantity\":{\"sum\":[]},\"low\":1,\"high\":2,\"source\":\"src\"}"),
        "observations[0].quantity.sum: expected a list of 1 to");
    bad(OBS_SC("{\"id\":\"o\",\"date\":\"2024-01-05\",\"quantity\":{\"sum\":[{\"quantity\":\"stock.s\",\"coeff\":2}]},"
               "\"low\":1,\"high\":2,\"source\":\"src\"}"), "unknown field 'coeff' (did you mean 'coef'?)");
    bad(OBS_SC("{\"id\":\"o\",\"date\":\"2024-01-05\",\"quantity\":\"stock.s\",\"low\":1,\"high\":2,\"source\":\"src\"},"
               "{\"id\":\"o\",\"date\":\"2024-01-05\",\"quantity\":\"stock.s\",\"low\":1,\"high\":2,\"source\":\"src\"}"),
        "duplicate id 'o'");
    /* the batch default */
    bad(HEAD("2024-03-01") "\"batch\":{\"uncertain\":true}}", "unknown field 'uncertain' (did you mean 'uncertainty'?)");
    /* The place is named: FILE:LINE:COL. */
    bad(OBS_SC("{\"id\":\"o\",\"date\":\"2024-01-05\",\"quantity\":\"stock.s\",\"low\":3,\"high\":2,\"source\":\"src\"}"),
        "test:1:");
}
END_TEST


/* `salvo run FILE --seed S --rep R` is replication R of `salvo batch FILE
 * --seed S`: every metric equal, bit for bit, to row R of the CSV, in the
 * scenario's default mode (parametric uncertainty, for the default
 * scenario) and with --no-uncertainty; and --trace works with --rep. */
static void rep_matches_csv(const char *mode)
{
    ck_assert_int_eq(salvof("batch " DEFAULT_SC " --runs 6 --seed 9 --threads 2 --quiet --csv %s %s",
                            tmp("runs.csv"), mode), 0);
    char *csv = slurp(tmp("runs.csv"));
    ck_assert_ptr_nonnull(csv);
    char *save = NULL, *header = strtok_r(csv, "\n", &save);
    ck_assert_ptr_nonnull(header);
    char *rows[6];
    for (int r = 0; r < 6; r++) ck_assert_ptr_nonnull(rows[r] = strtok_r(NULL, "\n", &save));
    for (int r = 1; r < 6; r += 4) {
        ck_assert_int_eq(salvof("run " DEFAULT_SC " --seed 9 --rep %d --json %s --trace %s",
                                r, mode, tmp("t.jsonl")), 0);
        char *out = slurp(tmp("out.txt"));
        cJSON *j = cJSON_Parse(out);
        free(out);
        ck_assert_ptr_nonnull(j);
        ck_assert_str_eq(cJSON_GetObjectItem(j, "mode")->valuestring, *mode ? "dice" : "uncertainty");
        cJSON *m = cJSON_GetObjectItem(j, "metrics");
        /* Walk the header and the row together: rep, seed_key, then metrics. */
        char hcopy[4096], rcopy[4096];
        snprintf(hcopy, sizeof hcopy, "%s", header);
        snprintf(rcopy, sizeof rcopy, "%s", rows[r]);
        char *hp = hcopy, *rp = rcopy;
        int col = 0, checked = 0;
        for (;;) {
            char *hc = strsep(&hp, ","), *rc = strsep(&rp, ",");
            if (!hc) break;
            ck_assert_ptr_nonnull(rc);
            if (col++ == 0) {
                ck_assert_int_eq(atoi(rc), r);
                continue;
            }
            cJSON *x = cJSON_GetObjectItem(m, hc);
            if (!x) continue;   /* seed_key */
            if (cJSON_IsNull(x)) ck_assert_str_eq(rc, "");
            else ck_assert_msg(strtod(rc, NULL) == x->valuedouble, "rep %d %s: run %.17g, batch %s", r, hc,
                               x->valuedouble, rc);
            checked++;
        }
        ck_assert_int_eq(checked, cJSON_GetArraySize(m));
        cJSON_Delete(j);
        char *trace = slurp(tmp("t.jsonl"));
        ck_assert_ptr_nonnull(trace);
        ck_assert(strstr(trace, "\"kind\":\"end\"") || strstr(trace, "end"));
        free(trace);
    }
    free(csv);
}

START_TEST(test_run_rep_is_batch_row)
{
    rep_matches_csv("");
    rep_matches_csv("--no-uncertainty");
}
END_TEST

/* The default scenario checks its record in every batch: the terminal says
 * which mode ran and prints the check; the JSON has run.mode and a
 * "record" entry per observation with the keys the report draws. */
START_TEST(test_default_batch_record)
{
    ck_assert_int_eq(salvof("batch " DEFAULT_SC " --runs 200 --threads 2 --quiet --json %s", tmp("s.json")), 0);
    char *out = slurp(tmp("out.txt"));
    ck_assert_ptr_nonnull(out);
    ck_assert_msg(strstr(out, "mode: parametric uncertainty (the scenario's batch default)"), "%s", out);
    ck_assert(strstr(out, "The record:"));
    ck_assert(strstr(out, "observations inside the 90% band"));
    ck_assert(strstr(out, "Held out"));
    free(out);
    cJSON *j = load_json(tmp("s.json"));
    ck_assert_str_eq(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "run"), "mode")->valuestring, "uncertainty");
    cJSON *rec = cJSON_GetObjectItem(j, "record");
    ck_assert(cJSON_IsArray(rec));
    ck_assert_int_ge(cJSON_GetArraySize(rec), 8);
    static const char *const keys[] = { "metric", "date", "value", "low", "high", "source", "id", "p5", "p25",
                                        "p50", "p75", "p95", "in50", "in90", "pit", "interval_score", "held_out" };
    cJSON *e;
    cJSON_ArrayForEach(e, rec)
        for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++)
            ck_assert_msg(cJSON_GetObjectItem(e, keys[k]) != NULL, "record entry without '%s'", keys[k]);
    cJSON_Delete(j);
    ck_assert_int_eq(salvo("batch " DEFAULT_SC " --runs 64 --quiet --no-uncertainty"), 0);
    out = slurp(tmp("out.txt"));
    ck_assert(strstr(out, "mode: the dice only"));
    free(out);
    ck_assert_int_eq(salvo("batch " DEFAULT_SC " --runs 8 --quiet --uncertainty --no-uncertainty"), 2);
}
END_TEST

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
    Sim *sim = sim_create(t);
    sim_reset(sim, 1, 0);
    ck_assert_int_eq(sim_run(sim, INFINITY), SIM_DONE);
    const Observation *o0 = scenario_observation(t, 0), *o1 = scenario_observation(t, 1);
    ck_assert(fabs(sim_observations(sim)[0] - 0.5 * (o0->low + o0->high)) < 1e-6);
    ck_assert(fabs(sim_observations(sim)[1] - 0.5 * (o1->low + o1->high)) < 1e-6);
    sim_destroy(sim);
    scenario_free(t);

    Scenario *s = scenario_load("scenarios/verify/abc-recover.json", NULL, 0, &d);
    ck_assert_ptr_nonnull(s);
    FitOptions o = { .seed = 1, .runs = 4000, .threads = 2, .until = scenario_end(s) };
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
    Scenario *s = scenario_load("scenarios/korea-russia-2024.json", NULL, 0, &d);
    ck_assert_ptr_nonnull(s);
    FitOptions o = { .seed = 5, .runs = 150, .threads = 1, .until = scenario_end(s) };
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
    Scenario *s = scenario_load("scenarios/verify/prim-box.json", NULL, 0, &d);
    ck_assert_ptr_nonnull(s);
    ck_assert_int_eq(scenario_assumption_count(s), 3);
    FitOptions o = { .seed = 1, .runs = 8000, .threads = 3, .until = scenario_end(s) };
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
    char args[512];
    snprintf(args, sizeof args, "fit scenarios/verify/abc-recover.json --runs 300 --threads 2 --json %s --csv %s",
             tmp("fit.json"), tmp("w.csv"));
    ck_assert_int_eq(salvo(args), 0);
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
    char *text = slurp(tmp("fit.json"));
    cJSON *j = cJSON_Parse(text);
    free(text);
    ck_assert_ptr_nonnull(j);
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
    Diag d;
    diag_init(&d, "test");
    Scenario *s = scenario_load("scenarios/korea-russia-2024.json", NULL, 0, &d);
    ck_assert_ptr_nonnull(s);
    FitOptions o = { .seed = 3, .runs = 64, .threads = 2, .until = scenario_end(s) };
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

Suite *suite_validity(void);
Suite *suite_validity(void)
{
    Suite *s = suite_create("validity");
    TCASE(s, "sums", 0, NO_FIXTURE, test_sum_values_and_crossings);
    TCASE(s, "observations", 0, NO_FIXTURE, test_observations_at_end_of_date, test_bad_observations);
    TCASE(s, "record", 60, NO_FIXTURE, test_interval_score_by_hand, test_record_check_uniform,
          test_record_check_threads);
    TCASE(s, "cli", 120, SCRATCH, test_run_rep_is_batch_row, test_default_batch_record, test_fit_cli_weights);
    TCASE(s, "fit", 120, NO_FIXTURE, test_fit_scale_by_hand, test_abc_recovers_parameter, test_fit_threads,
          test_fit_sample_is_the_draw);
    TCASE(s, "discover", 120, NO_FIXTURE, test_prim_by_hand, test_prim_planted_box);
    return s;
}
