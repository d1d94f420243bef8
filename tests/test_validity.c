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
#define _XOPEN_SOURCE 700   /* posix_openpt, grantpt, unlockpt, ptsname */
#include <check.h>
#include <cjson/cJSON.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
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
    scenario_destroy(s);
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
    scenario_destroy(s);
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
    scenario_destroy(s);
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
    scenario_destroy(s);
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
    scenario_destroy(t);

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
    fit_destroy(g);
    fit_destroy(f);
    scenario_destroy(s);
    diag_fini(&d);
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
    fit_destroy(a);
    fit_destroy(b);
    scenario_destroy(s);
    diag_fini(&d);
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

/* The sample of a verify scenario with three rates R1..R3 and a flag: x
 * (n x 3, the drawn rates) and y (the flag), from fit_sample with `seed`
 * and `threads`; every flag is checked against planted(R). */
static uint64_t rates_sample(const char *path, uint64_t seed, int threads, double **x, unsigned char **y,
                             int (*planted)(const double *r))
{
    Diag d;
    diag_init(&d, "test");
    Scenario *s = scenario_load(path, NULL, 0, &d);
    ck_assert_ptr_nonnull(s);
    ck_assert_int_eq(scenario_assumption_count(s), 3);
    FitOptions o = { .seed = seed, .runs = 8000, .threads = threads, .until = scenario_end(s) };
    uint64_t n = 0;
    int width = 0;
    double *rows = fit_sample(s, &o, &n, &width, &d);
    ck_assert_ptr_nonnull(rows);
    ck_assert_uint_eq(n, 8000);
    *x = malloc((size_t)n * 3 * sizeof **x);
    *y = malloc((size_t)n);
    for (uint64_t r = 0; r < n; r++) {
        const double *row = rows + r * (uint64_t)width;
        for (int j = 0; j < 3; j++) (*x)[r * 3 + (uint64_t)j] = row[j];
        (*y)[r] = row[3] == 1;
        ck_assert_int_eq((*y)[r], planted(row));
    }
    free(rows);
    scenario_destroy(s);
    diag_fini(&d);
    return n;
}

static int planted_one(const double *r) { return r[0] >= 70 && r[1] <= 30; }
static int planted_two(const double *r) { return (r[0] >= 70 && r[1] <= 30) || r[2] >= 80; }

/* PRIM finds the box planted in scenarios/verify/prim-box.json: the flag is
 * 1 exactly when R1 >= 70 and R2 <= 30 (R3 irrelevant). Peeling 5% a step
 * down to 2% support, the densest box with coverage >= 50% must bound R1
 * below within 5 of 70 and R2 above within 5 of 30, leave R3 alone, and
 * hold nearly all of the box's runs (the box's sampling error at 8000 runs
 * with ~260 cases is about 2 on each bound). The sample is the same on 1
 * and 3 threads. */
START_TEST(test_prim_planted_box)
{
    double *x, *x1;
    unsigned char *y, *y1;
    uint64_t n = rates_sample("scenarios/verify/prim-box.json", 1, 3, &x, &y, planted_one);
    ck_assert_uint_eq(rates_sample("scenarios/verify/prim-box.json", 1, 1, &x1, &y1, planted_one), n);
    ck_assert(memcmp(x, x1, (size_t)n * 3 * sizeof *x) == 0 && memcmp(y, y1, (size_t)n) == 0);
    free(x1);
    free(y1);
    Prim *p = prim_peel(x, y, n, 3, 0.05, 0.02);
    ck_assert_ptr_nonnull(p);
    const PrimStep *b = &p->steps[prim_choose(p, 0.5)], *all = &p->steps[0];
    ck_assert_msg(fabs(b->lo[0] - 70) <= 5, "R1 >= %g", b->lo[0]);
    ck_assert_msg(fabs(b->hi[1] - 30) <= 5, "R2 <= %g", b->hi[1]);
    ck_assert(b->lo[2] == all->lo[2] && b->hi[2] == all->hi[2]);
    ck_assert_msg(b->density >= 0.9 && b->coverage >= 0.85, "density %g coverage %g", b->density, b->coverage);
    /* Supports fall at every step, down to the minimum (peeling goes on
     * while a peel leaves enough runs, even through a dip in density). */
    for (int i = 1; i < p->nsteps; i++) ck_assert(p->steps[i].support < p->steps[i - 1].support);
    ck_assert(p->steps[p->nsteps - 1].support >= 0.02);
    /* Pasting takes back what peeling cut past the box's edges: the pasted
     * box keeps density 1 and holds nearly every case, more than peeling
     * alone left. */
    PrimOptions po = { 0.05, 0.01, 0.02, 0.5, 1 };
    PrimCover *c = prim_cover(x, y, n, 3, &po);
    ck_assert_ptr_nonnull(c);
    ck_assert_int_eq(c->nboxes, 1);
    const PrimBox *pb = &c->boxes[0];
    ck_assert_msg(pb->density == 1 && pb->coverage >= 0.98 && pb->coverage > b->coverage,
                  "pasted: density %g coverage %g (peeled: %g)", pb->density, pb->coverage, b->coverage);
    ck_assert_msg(pb->lo[0] <= b->lo[0] && fabs(pb->lo[0] - 70) <= 1 && fabs(pb->hi[1] - 30) <= 1,
                  "pasted box R1 >= %g, R2 <= %g", pb->lo[0], pb->hi[1]);
    prim_cover_free(c);
    prim_destroy(p);
    free(x);
    free(y);
}
END_TEST

/* Pasting by hand: a 40 x 40 grid of points ((i + 0.5) / 40), the cases
 * exactly where x1 >= E1 and x2 >= E2. Peeling in coarse steps cuts a
 * column or row of cases past an edge (early, while the slab it removed
 * was still mostly non-cases along the other dimension); pasting 1% a
 * step puts it back, to the first grid value at or above each edge, with
 * density 1 and every case inside. Without pasting the box is the peeled
 * one, which misses cases. */
START_TEST(test_prim_pasting_recovers_edges)
{
    static const struct { double e1, e2, alpha; } cases[] = { { 0.5, 0.5, 0.1 }, { 0.42, 0.37, 0.2 }, { 0.3, 0.6, 0.2 } };
    enum { G = 40 };
    double x[2 * G * G];
    unsigned char y[G * G];
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        for (int i = 0; i < G; i++)
            for (int j = 0; j < G; j++) {
                int k = i * G + j;
                x[2 * k] = (i + 0.5) / G;
                x[2 * k + 1] = (j + 0.5) / G;
                y[k] = x[2 * k] >= cases[c].e1 && x[2 * k + 1] >= cases[c].e2;
            }
        /* The first grid values at or above the edges. */
        double want1 = (ceil(cases[c].e1 * G - 0.5) + 0.5) / G, want2 = (ceil(cases[c].e2 * G - 0.5) + 0.5) / G;
        PrimOptions peel_only = { cases[c].alpha, 0, 0.05, 0.5, 1 }, pasted = peel_only;
        pasted.paste_alpha = 0.01;
        PrimCover *a = prim_cover(x, y, G * G, 2, &peel_only), *b = prim_cover(x, y, G * G, 2, &pasted);
        ck_assert_ptr_nonnull(a);
        ck_assert_ptr_nonnull(b);
        const PrimBox *pa = &a->boxes[0], *pb = &b->boxes[0];
        ck_assert_msg(pa->pastes == 0 && pa->coverage < 1 && (pa->lo[0] > want1 || pa->lo[1] > want2),
                      "case %zu: peeling alone did not overshoot (x1 >= %g, x2 >= %g)", c, pa->lo[0], pa->lo[1]);
        ck_assert_msg(pb->pastes > 0 && pb->lo[0] == want1 && pb->lo[1] == want2,
                      "case %zu: pasted box x1 >= %g, x2 >= %g; want %g, %g", c, pb->lo[0], pb->lo[1], want1, want2);
        ck_assert_double_eq(pb->density, 1);
        ck_assert_double_eq(pb->coverage, 1);
        ck_assert_double_eq(pb->hi[0], (G - 0.5) / G);
        prim_cover_free(a);
        prim_cover_free(b);
    }
}
END_TEST

/* Covering finds both boxes planted in scenarios/verify/prim-two-boxes.json
 * (the flag is 1 when R1 >= 70 and R2 <= 30, or when R3 >= 80): first the
 * slab R3 >= 80 (the larger), then, on the runs it leaves, the box in R1 and
 * R2; each box restricts only its own assumptions, is nearly pure, and
 * together they hold nearly every case. Bounds within 2 of the planted
 * edges: at 8000 runs the sampling error of an edge is below 1. */
START_TEST(test_prim_covering_two_boxes)
{
    double *x;
    unsigned char *y;
    uint64_t n = rates_sample("scenarios/verify/prim-two-boxes.json", 11, 2, &x, &y, planted_two);
    PrimOptions po = { 0.05, 0.01, 0.02, 0.5, 3 };
    PrimCover *c = prim_cover(x, y, n, 3, &po);
    ck_assert_ptr_nonnull(c);
    ck_assert_int_eq(c->nboxes, 2);
    const PrimBox *b1 = &c->boxes[0], *b2 = &c->boxes[1];
    const PrimStep *all1 = &b1->peel->steps[0], *all2 = &b2->peel->steps[0];
    ck_assert_msg(fabs(b1->lo[2] - 80) <= 2, "box 1: R3 >= %g", b1->lo[2]);
    ck_assert(b1->lo[0] == all1->lo[0] && b1->hi[0] == all1->hi[0]);
    ck_assert(b1->lo[1] == all1->lo[1] && b1->hi[1] == all1->hi[1]);
    ck_assert_msg(fabs(b2->lo[0] - 70) <= 2 && fabs(b2->hi[1] - 30) <= 2, "box 2: R1 >= %g, R2 <= %g", b2->lo[0],
                  b2->hi[1]);
    ck_assert(b2->lo[2] == all2->lo[2] && b2->hi[2] == all2->hi[2]);
    ck_assert_msg(b1->density >= 0.97 && b2->density >= 0.97, "densities %g %g", b1->density, b2->density);
    ck_assert_msg(b1->coverage + b2->coverage >= 0.95, "coverages %g + %g", b1->coverage, b2->coverage);
    /* The second box's trajectory is over the runs the first left: its
     * first step's support is theirs. */
    ck_assert_double_eq_tol(all2->support, 1 - b1->support, 1e-12);
    prim_cover_free(c);
    free(x);
    free(y);
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
    prim_destroy(p);
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

/* A summary file without its "run" object (threads, ranks, wall time):
 * what must not depend on how the replications were run. */
static char *without_run(const char *name)
{
    char *text = slurp(tmp(name));
    ck_assert_msg(text != NULL, "no file %s", name);
    cJSON *j = cJSON_Parse(text);
    free(text);
    ck_assert_ptr_nonnull(j);
    ck_assert_ptr_nonnull(cJSON_GetObjectItem(j, "run"));
    cJSON_DeleteItemFromObject(j, "run");
    char *out = cJSON_PrintUnformatted(j);
    cJSON_Delete(j);
    return out;
}

static void same_file(const char *a, const char *b)
{
    char *x = slurp(tmp(a)), *y = slurp(tmp(b));
    ck_assert_ptr_nonnull(x);
    ck_assert_ptr_nonnull(y);
    ck_assert_msg(strcmp(x, y) == 0, "%s and %s differ", a, b);
    free(x);
    free(y);
}

static void same_summary(const char *a, const char *b)
{
    char *x = without_run(a), *y = without_run(b);
    ck_assert_msg(strcmp(x, y) == 0, "%s and %s differ:\n%.300s\n%.300s", a, b, x, y);
    free(x);
    free(y);
}

/* fit and discover: the same JSON (and weights) on 1 and 3 threads, and a
 * fit checkpointed at 700 runs and resumed to 2000 gives the fit of 2000. */
START_TEST(test_fit_discover_threads_and_resume)
{
    char args[768];
    static const char fit[] = "fit scenarios/verify/abc-recover.json --runs 2000 --seed 5 --top 3";
    snprintf(args, sizeof args, "%s --threads 1 --json %s --csv %s", fit, tmp("a.json"), tmp("a.csv"));
    ck_assert_int_eq(salvo(args), 0);
    snprintf(args, sizeof args, "%s --threads 3 --json %s --csv %s", fit, tmp("b.json"), tmp("b.csv"));
    ck_assert_int_eq(salvo(args), 0);
    same_summary("a.json", "b.json");
    same_file("a.csv", "b.csv");
    snprintf(args, sizeof args, "fit scenarios/verify/abc-recover.json --runs 700 --seed 5 --threads 2 --checkpoint %s "
             "--json %s", tmp("ck"), tmp("c.json"));
    ck_assert_int_eq(salvo(args), 0);
    snprintf(args, sizeof args, "%s --threads 2 --checkpoint %s --resume --json %s --csv %s", fit, tmp("ck"),
             tmp("c.json"), tmp("c.csv"));
    ck_assert_int_eq(salvo(args), 0);
    same_summary("a.json", "c.json");
    same_file("a.csv", "c.csv");
    /* A resume that asks for fewer runs than the checkpoint holds, or of
     * another seed, is refused with exit 2. */
    snprintf(args, sizeof args, "fit scenarios/verify/abc-recover.json --runs 100 --seed 5 --checkpoint %s --resume",
             tmp("ck"));
    ck_assert_int_eq(salvo(args), 2);
    snprintf(args, sizeof args, "fit scenarios/verify/abc-recover.json --runs 3000 --seed 6 --checkpoint %s --resume",
             tmp("ck"));
    ck_assert_int_eq(salvo(args), 2);
    static const char disc[] = "discover scenarios/verify/prim-box.json --metric planted --where 'planted == 1' "
                               "--runs 3000 --seed 2";
    snprintf(args, sizeof args, "%s --threads 1 --json %s", disc, tmp("d1.json"));
    ck_assert_int_eq(salvo(args), 0);
    snprintf(args, sizeof args, "%s --threads 3 --json %s", disc, tmp("d3.json"));
    ck_assert_int_eq(salvo(args), 0);
    same_summary("d1.json", "d3.json");
}
END_TEST

/* A fit stopped by SIGINT exits 130 with a prefix of the runs done, and
 * resumed from its checkpoint ends exactly where an uninterrupted fit of
 * as many runs does. */
START_TEST(test_fit_interrupted_then_resumed)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "exec %s fit scenarios/verify/abc-recover.json --runs 100000000 --seed 7 --threads 2 "
             "--top 0 --checkpoint %s --json %s >%s/out.txt 2>%s/err.txt", salvo_bin(), tmp("ck"), tmp("i.json"), dir, dir);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
        _exit(127);
    }
    /* Rows appear in ck.rows once the first blocks are reduced. */
    struct stat st;
    for (int tries = 0; tries < 30000 && !(stat(tmp("ck.rows"), &st) == 0 && st.st_size > 100000); tries++) {
        struct timespec ts = { 0, 1000 * 1000 };
        nanosleep(&ts, NULL);
    }
    ck_assert_int_eq(kill(pid, SIGINT), 0);
    int status = 0;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    char *err = slurp(tmp("err.txt"));
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 130, "status %d:\n%s", status, err);
    ck_assert_msg(strstr(err, "interrupted after") && strstr(err, "--resume"), "%s", err);
    free(err);
    char *text = slurp(tmp("i.json"));
    cJSON *j = cJSON_Parse(text);
    free(text);
    ck_assert_ptr_nonnull(j);
    long done = (long)cJSON_GetObjectItem(cJSON_GetObjectItem(j, "fit"), "runs")->valuedouble;
    cJSON_Delete(j);
    ck_assert_int_gt(done, 0);
    ck_assert_int_lt(done, 100000000);
    char args[768];
    snprintf(args, sizeof args, "fit scenarios/verify/abc-recover.json --runs %ld --seed 7 --threads 1 --top 0 "
             "--checkpoint %s --resume --json %s", done + 1000, tmp("ck"), tmp("r.json"));
    ck_assert_int_eq(salvo(args), 0);
    snprintf(args, sizeof args, "fit scenarios/verify/abc-recover.json --runs %ld --seed 7 --threads 2 --top 0 "
             "--json %s", done + 1000, tmp("u.json"));
    ck_assert_int_eq(salvo(args), 0);
    same_summary("r.json", "u.json");
}
END_TEST

/* The number a report cell or span shows after `data-k="KEY">` from *at
 * on (thousands separators and a typographic minus read back); *at moves
 * past it. NAN if there is none. */
static double shown_after(const char **at, const char *key)
{
    char pat[96];
    snprintf(pat, sizeof pat, "data-k=\"%s\">", key);
    const char *p = strstr(*at, pat);
    if (!p) return NAN;
    p += strlen(pat);
    char num[64];
    size_t k = 0;
    for (; *p && *p != '<' && k + 1 < sizeof num; p++) {
        if (*p == ',') continue;
        if (!strncmp(p, "\xE2\x88\x92", 3)) {
            num[k++] = '-';
            p += 2;
            continue;
        }
        num[k++] = *p;
    }
    num[k] = '\0';
    *at = p;
    char *end;
    double v = strtod(num, &end);
    return end == num ? NAN : v;
}

/* A shown value is the JSON's to the 4 significant digits the page keeps. */
static void same_number(double shown, double json, const char *what)
{
    ck_assert_msg(fabs(shown - json) <= 5e-4 * fabs(json) + 1e-12, "%s: the page shows %.10g, the JSON has %.10g",
                  what, shown, json);
}

static void tidy_and_xmllint(const char *html, const char *svgdir)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "tidy -errors -q %s > %s/tidy.txt 2>&1", tmp(html), dir);
    int st = system(cmd);
    char *out = slurp(tmp("tidy.txt"));
    ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0 && out && !*out, "tidy on %s:\n%s", html, out ? out : "");
    free(out);
    snprintf(cmd, sizeof cmd, "for f in %s/*.svg; do xmllint --noout \"$f\" || exit 1; done", tmp(svgdir));
    ck_assert_int_eq(system(cmd), 0);
}

/* `salvo CMD --json STEM.json --report STEM.html`, then `salvo report
 * STEM.json -o STEM-again.html --svg STEM-svg`: the two pages are the same
 * bytes, pass tidy, and every chart parses. The page's text. */
static char *run_with_report(const char *cmd, const char *stem)
{
    char args[1024], name[64], again[64], svg[64];
    snprintf(name, sizeof name, "%s.json", stem);
    snprintf(args, sizeof args, "%s --json %s", cmd, tmp(name));
    snprintf(name, sizeof name, "%s.html", stem);
    snprintf(args + strlen(args), sizeof args - strlen(args), " --report %s", tmp(name));
    ck_assert_int_eq(salvo(args), 0);
    snprintf(again, sizeof again, "%s-again.html", stem);
    snprintf(svg, sizeof svg, "%s-svg", stem);
    snprintf(name, sizeof name, "%s.json", stem);
    snprintf(args, sizeof args, "report %s -o %s", tmp(name), tmp(again));
    snprintf(args + strlen(args), sizeof args - strlen(args), " --svg %s", tmp(svg));
    ck_assert_int_eq(salvo(args), 0);
    snprintf(name, sizeof name, "%s.html", stem);
    same_file(name, again);
    tidy_and_xmllint(name, svg);
    return slurp(tmp(name));
}

/* The fit and discover pages: `--report` writes the page `salvo report`
 * makes of the --json file, byte for byte; it passes tidy, its charts parse;
 * the numbers it shows are the JSON's (the effective sample size, every
 * assumption's posterior mean and shift, every observation's posterior
 * band; discover's cases and every box's coverage and density and its
 * bounds). A fit summary without its ess is refused, naming the place. */
START_TEST(test_fit_discover_reports)
{
    char args[768];
    char *html = run_with_report("fit scenarios/verify/abc-recover.json --runs 1500 --seed 3 --top 0", "f");
    char *text = slurp(tmp("f.json"));
    cJSON *j = cJSON_Parse(text), *f = cJSON_GetObjectItem(j, "fit"), *e;
    free(text);
    ck_assert_ptr_nonnull(f);
    const char *at = html;
    same_number(shown_after(&at, "fit.ess"), cJSON_GetObjectItem(f, "ess")->valuedouble, "ess");
    int n = 0;
    cJSON_ArrayForEach(e, cJSON_GetObjectItem(f, "assumptions"))
    {
        char code[300];
        snprintf(code, sizeof code, "<code>%s</code>", cJSON_GetObjectItem(e, "path")->valuestring);
        at = strstr(html, "id=\"fit-assumptions\"");
        ck_assert_ptr_nonnull(at);
        at = strstr(at, code);
        ck_assert_msg(at != NULL, "no row for %s", code);
        same_number(shown_after(&at, "mean"), cJSON_GetObjectItem(e, "mean")->valuedouble, code);
        same_number(shown_after(&at, "shift"), cJSON_GetObjectItem(e, "shift")->valuedouble, code);
        n++;
    }
    ck_assert_int_ge(n, 1);
    cJSON_ArrayForEach(e, cJSON_GetObjectItem(f, "observations"))
    {
        char cell[300];
        snprintf(cell, sizeof cell, "<td>%s</td>", cJSON_GetObjectItem(e, "id")->valuestring);
        at = strstr(strstr(html, "id=\"fit-observations\""), cell);
        ck_assert_msg(at != NULL, "no row for %s", cell);
        same_number(shown_after(&at, "p5"), cJSON_GetObjectItem(e, "p5")->valuedouble, cell);
        same_number(shown_after(&at, "p95"), cJSON_GetObjectItem(e, "p95")->valuedouble, cell);
    }
    free(html);
    /* Without its ess a fit summary is refused, exit 2, naming the place. */
    cJSON_DeleteItemFromObject(f, "ess");
    char *broken = cJSON_Print(j);
    FILE *out = fopen(tmp("bad.json"), "w");
    fputs(broken, out);
    fclose(out);
    free(broken);
    cJSON_Delete(j);
    snprintf(args, sizeof args, "report %s -o %s", tmp("bad.json"), tmp("bad.html"));
    ck_assert_int_eq(salvo(args), 2);
    char *err = slurp(tmp("err.txt"));
    ck_assert_msg(strstr(err, "fit") && strstr(err, "'ess'"), "%s", err);
    free(err);

    html = run_with_report("discover scenarios/verify/prim-two-boxes.json --metric planted --where 'planted == 1' "
                           "--runs 4000", "d");
    text = slurp(tmp("d.json"));
    j = cJSON_Parse(text);
    free(text);
    cJSON *dj = cJSON_GetObjectItem(j, "discover");
    at = html;
    same_number(shown_after(&at, "discover.cases"), cJSON_GetObjectItem(dj, "cases")->valuedouble, "cases");
    int k = 0;
    cJSON_ArrayForEach(e, cJSON_GetObjectItem(dj, "boxes"))
    {
        char id[64];
        snprintf(id, sizeof id, "id=\"discover-box-%d-table\"", ++k);
        at = strstr(html, id);
        ck_assert_msg(at != NULL, "no table for box %d", k);
        cJSON *range;
        cJSON_ArrayForEach(range, cJSON_GetObjectItem(e, "box"))
        {
            char code[300];
            snprintf(code, sizeof code, "<code>%s</code>", range->string);
            at = strstr(at, code);
            ck_assert_msg(at != NULL, "box %d: no row for %s", k, code);
            same_number(shown_after(&at, "from"), cJSON_GetArrayItem(range, 0)->valuedouble, code);
            same_number(shown_after(&at, "to"), cJSON_GetArrayItem(range, 1)->valuedouble, code);
        }
        same_number(shown_after(&at, "coverage"), cJSON_GetObjectItem(e, "coverage")->valuedouble, "coverage");
        same_number(shown_after(&at, "density"), cJSON_GetObjectItem(e, "density")->valuedouble, "density");
    }
    ck_assert_int_eq(k, 2);
    ck_assert_int_eq(access(tmp("d-svg/discover-box-2.svg"), F_OK), 0);
    cJSON_Delete(j);
    free(html);
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
    scenario_destroy(s);
    diag_fini(&d);
}
END_TEST

/* `salvo ARGS` with its stderr on a terminal (a pseudo-terminal) and its
 * stdout in out.txt: what it wrote to stderr (at most n - 1 bytes, NUL
 * ended); its exit status, or -1 if this system has no pseudo-terminal. */
static int salvo_on_tty(const char *args, char *err, size_t n)
{
    int m = posix_openpt(O_RDWR | O_NOCTTY);
    if (m < 0) return -1;
    ck_assert_int_eq(grantpt(m), 0);
    ck_assert_int_eq(unlockpt(m), 0);
    char name[256];
    snprintf(name, sizeof name, "%s", ptsname(m));
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "exec %s %s >%s/out.txt", salvo_bin(), args, dir);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        setsid();
        int s = open(name, O_RDWR);
        if (s < 0 || dup2(s, STDERR_FILENO) < 0) _exit(127);
        close(s);
        close(m);
        execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
        _exit(127);
    }
    /* Read until the child closes the terminal (EIO), keeping the start. */
    size_t len = 0;
    for (;;) {
        char buf[4096];
        ssize_t r = read(m, buf, sizeof buf);
        if (r <= 0) break;
        size_t k = (size_t)r < n - 1 - len ? (size_t)r : n - 1 - len;
        memcpy(err + len, buf, k);
        len += k;
    }
    err[len] = '\0';
    close(m);
    int status = 0;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert(WIFEXITED(status));
    return WEXITSTATUS(status);
}

/* fit and discover show batch's progress line on a terminal's stderr,
 * erased at the end; --quiet silences it, and (as for batch) stderr that
 * is not a terminal never gets it. The results are the same either way. */
START_TEST(test_fit_discover_progress)
{
    static const char *const cmds[] = {
        "fit " DEFAULT_SC " --runs 2000 --seed 3 --threads 1 --top 0",
        "discover " DEFAULT_SC " --metric front-shortfall --where 'front-shortfall > 0' --runs 2000 --seed 3 "
        "--threads 1",
    };
    for (size_t c = 0; c < sizeof cmds / sizeof cmds[0]; c++) {
        static char err[1 << 16];
        char args[1024];
        int rc = salvo_on_tty(cmds[c], err, sizeof err);
        if (rc < 0) {
            fputs("test_fit_discover_progress: no pseudo-terminal here; the terminal half is skipped\n", stderr);
            break;
        }
        ck_assert_int_eq(rc, 0);
        ck_assert_msg(strstr(err, "/2000 runs") && strstr(err, "runs/s") && strstr(err, "ETA"),
                      "%s: no progress line on a terminal:\n%s", cmds[c], err);
        ck_assert_msg(strstr(err, "\r\033[K"), "%s: the progress line is not erased", cmds[c]);
        char *loud = slurp(tmp("out.txt"));
        ck_assert_ptr_nonnull(loud);
        snprintf(args, sizeof args, "%s --quiet", cmds[c]);
        ck_assert_int_eq(salvo_on_tty(args, err, sizeof err), 0);
        ck_assert_msg(!strstr(err, "runs/s") && !strchr(err, '\r'), "%s --quiet: progress shown:\n%s", cmds[c], err);
        char *quiet = slurp(tmp("out.txt"));
        ck_assert_ptr_nonnull(quiet);
        ck_assert_str_eq(loud, quiet);
        free(loud);
        free(quiet);
    }
    ck_assert_int_eq(salvo(cmds[0]), 0);
    char *err = slurp(tmp("err.txt"));
    ck_assert_ptr_nonnull(err);
    ck_assert_msg(!strstr(err, "runs/s") && !strchr(err, '\r'), "progress on a file's stderr:\n%s", err);
    free(err);
}
END_TEST

/* A fit resumed from a checkpoint whose rows file is cut short (or gone,
 * or another run's) is refused with exit 2 and a message that names both
 * files and says what is wrong, not batch's advice about --csv. */
START_TEST(test_fit_resume_short_rows)
{
    char args[768];
    static const char fit[] = "fit scenarios/verify/abc-recover.json --seed 5 --threads 2 --top 0 --quiet";
    snprintf(args, sizeof args, "%s --runs 700 --checkpoint %s", fit, tmp("ck"));
    ck_assert_int_eq(salvo(args), 0);
    struct stat st;
    ck_assert_int_eq(stat(tmp("ck.rows"), &st), 0);
    ck_assert_int_eq(truncate(tmp("ck.rows"), st.st_size / 2), 0);
    snprintf(args, sizeof args, "%s --runs 1000 --checkpoint %s --resume", fit, tmp("ck"));
    ck_assert_int_eq(salvo(args), 2);
    char *err = slurp(tmp("err.txt"));
    char want[512];
    snprintf(want, sizeof want, "the checkpoint '%s' counts 700 replications but its rows file '%s' holds only ",
             tmp("ck"), tmp("ck.rows"));
    ck_assert_msg(strstr(err, want) && strstr(err, "cut short") && strstr(err, "without --resume"), "%s", err);
    ck_assert_msg(!strstr(err, "--csv"), "%s", err);
    free(err);
    ck_assert_int_eq(unlink(tmp("ck.rows")), 0);
    ck_assert_int_eq(salvo(args), 2);
    err = slurp(tmp("err.txt"));
    snprintf(want, sizeof want, "its rows file '%s' cannot be read", tmp("ck.rows"));
    ck_assert_msg(strstr(err, want), "%s", err);
    free(err);
    /* Rows of another seed beside this checkpoint. */
    snprintf(args, sizeof args, "fit scenarios/verify/abc-recover.json --seed 6 --runs 700 --quiet --top 0 "
             "--checkpoint %s", tmp("ck6"));
    ck_assert_int_eq(salvo(args), 0);
    ck_assert_int_eq(rename(tmp("ck6.rows"), tmp("ck.rows")), 0);
    snprintf(args, sizeof args, "%s --runs 1000 --checkpoint %s --resume", fit, tmp("ck"));
    ck_assert_int_eq(salvo(args), 2);
    err = slurp(tmp("err.txt"));
    snprintf(want, sizeof want, "the rows file '%s' does not go with the checkpoint '%s'", tmp("ck.rows"), tmp("ck"));
    ck_assert_msg(strstr(err, want), "%s", err);
    free(err);
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
    TCASE(s, "cli", 120, SCRATCH, test_run_rep_is_batch_row, test_default_batch_record, test_fit_cli_weights,
          test_fit_discover_threads_and_resume, test_fit_interrupted_then_resumed, test_fit_discover_reports,
          test_fit_discover_progress, test_fit_resume_short_rows);
    TCASE(s, "fit", 120, NO_FIXTURE, test_fit_scale_by_hand, test_abc_recovers_parameter, test_fit_threads,
          test_fit_sample_is_the_draw);
    TCASE(s, "discover", 120, NO_FIXTURE, test_prim_by_hand, test_prim_planted_box, test_prim_pasting_recovers_edges,
          test_prim_covering_two_boxes);
    return s;
}
