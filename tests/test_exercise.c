/* test_exercise.c — teaching exercises: the shipped ones load with every
 * reference resolved; each kind of mistake gets its own FILE:LINE:COL
 * message with the JSON path (and "did you mean" for a near miss), and
 * `salvo validate` exits 2 on it. */
#include <check.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "exercise.h"
#include "testutil.h"

/* The binary under test: build-san/salvo in the sanitizer build. */

START_TEST(shipped_exercises_load)
{
    const char *files[] = { "scenarios/exercises/shell-pipeline.json", "scenarios/exercises/treaty-hold.json",
                            "scenarios/exercises/third-time-lucky.json" };
    for (int i = 0; i < 3; i++) {
        Diag d;
        diag_init(&d, files[i]);
        Exercise *ex = exercise_load(files[i], &d);
        if (!ex) diag_print(&d, stderr);
        ck_assert_ptr_nonnull(ex);
        ck_assert_int_eq(ex->minutes, 50);
        ck_assert_int_ge(ex->npredictions, 3);
        ck_assert_int_ge(ex->ndecisions, 1);
        ck_assert_int_ge(ex->nknown, 2);
        ck_assert_int_ge(ex->nobjectives, 3);
        ck_assert_int_ge(ex->ndebrief, 3);
        /* Each exercise a different dynamic: its predictions name different metrics. */
        for (int p = 0; p < ex->npredictions; p++) {
            const ExPrediction *pr = &ex->predictions[p];
            const MetricInfo *mi = scenario_metric(ex->scenario, pr->metric);
            ck_assert(pr->kind == PRED_PROBABILITY || strcmp(pr->unit, mi->unit) == 0);
        }
        const ExDecision *dp = exercise_decision(ex, ex->decisions[0].decision);
        ck_assert_ptr_eq(dp, &ex->decisions[0]);
        exercise_destroy(ex);
        diag_fini(&d);
    }
}
END_TEST

/* A small valid exercise on the default scenario; `patch` replaces the
 * first occurrence of `from` with `to` (both NULL: as is). */
static const char *GOOD =
    "{\n"
    "  \"salvo_exercise\": 1, \"id\": \"t\", \"title\": \"T\", \"level\": \"introductory\", \"minutes\": 30,\n"
    "  \"scenario\": \"SCEN\",\n"
    "  \"objectives\": [\"o\"],\n"
    "  \"briefing\": {\"situation\": \"s\", \"role\": \"r\",\n"
    "    \"known\": [{\"fact\": \"f\", \"as_of\": \"2023-06-30\", \"source\": \"src\"}]},\n"
    "  \"predictions\": [\n"
    "    {\"id\": \"a\", \"question\": \"q\", \"kind\": \"interval\", \"metric\": \"dprk-shells-delivered\", \"unit\": \"rounds\", \"by\": \"2025-12-31\"},\n"
    "    {\"id\": \"b\", \"question\": \"q\", \"kind\": \"probability\", \"metric\": \"satellite-by-2025\", \"by\": \"2025-12-31\"}\n"
    "  ],\n"
    "  \"decisions\": [{\"decision\": \"arms-pipeline\", \"prompt\": \"p\", \"show\": [\"front-shortfall\"]}],\n"
    "  \"debrief\": [\"d\"], \"instructor_notes\": \"n\"\n"
    "}\n";

/* Writes GOOD with one edit and the absolute scenario path; returns the file. */
static const char *write_ex(const char *from, const char *to)
{
    char scen[PATH_MAX], text[8192], out[8192];
    ck_assert_ptr_nonnull(realpath("scenarios/korea-russia-2024.json", scen));
    const char *s = strstr(GOOD, "SCEN");
    snprintf(text, sizeof text, "%.*s%s%s", (int)(s - GOOD), GOOD, scen, s + 4);
    if (from) {
        char *at = strstr(text, from);
        ck_assert_msg(at != NULL, "patch '%s' not found", from);
        snprintf(out, sizeof out, "%.*s%s%s", (int)(at - text), text, to, at + strlen(from));
    } else {
        snprintf(out, sizeof out, "%s", text);
    }
    const char *path = tmp("ex.json");
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(out, f);
    fclose(f);
    return path;
}

/* The first message of loading the edited exercise, as printed. */
static char *first_error(const char *from, const char *to)
{
    const char *path = write_ex(from, to);
    Diag d;
    diag_init(&d, path);
    Exercise *ex = exercise_load(path, &d);
    ck_assert_msg(ex == NULL, "'%s' -> '%s' was accepted", from, to);
    ck_assert_int_ge(d.count, 1);
    char *msg = malloc(1024);
    snprintf(msg, 1024, "%d:%d: %s: %s", d.items[0].line, d.items[0].col, d.items[0].path, d.items[0].msg);
    diag_fini(&d);
    return msg;
}

static void expect(const char *from, const char *to, const char *want)
{
    char *got = first_error(from, to);
    ck_assert_msg(strstr(got, want) != NULL, "'%s' -> '%s': got '%s', wanted '%s'", from, to, got, want);
    free(got);
}

START_TEST(good_exercise_loads)
{
    const char *path = write_ex(NULL, NULL);
    Diag d;
    diag_init(&d, path);
    Exercise *ex = exercise_load(path, &d);
    if (!ex) diag_print(&d, stderr);
    ck_assert_ptr_nonnull(ex);
    ck_assert_int_eq(ex->npredictions, 2);
    ck_assert_int_eq(ex->predictions[1].kind, PRED_PROBABILITY);
    ck_assert_int_eq(ex->decisions[0].nshow, 1);
    ck_assert_int_eq(ex->decisions[0].show[0], scenario_metric_find(ex->scenario, "front-shortfall"));
    exercise_destroy(ex);
    diag_fini(&d);
}
END_TEST

START_TEST(bad_exercises_name_the_place)
{
    expect("\"title\": \"T\"", "\"titel\": \"T\"", "2:35: titel: unknown field 'titel' (did you mean 'title'?)");
    expect("\"introductory\"", "\"introductry\"", "level: unknown level 'introductry' (did you mean 'introductory'?)");
    expect("\"minutes\": 30", "\"minutes\": 2", "minutes: expected whole minutes from 5 to 600");
    expect("\"metric\": \"dprk-shells-delivered\"", "\"metric\": \"dprk-shells-delivred\"",
           "predictions[0].metric: unknown metric 'dprk-shells-delivred' (did you mean 'dprk-shells-delivered'?)");
    expect("\"unit\": \"rounds\"", "\"unit\": \"shells\"",
           "predictions[0].unit: unit 'shells' is not the unit of metric 'dprk-shells-delivered' ('rounds')");
    expect("\"unit\": \"rounds\", \"by\": \"2025-12-31\"", "\"unit\": \"rounds\", \"by\": \"2024-12-31\"",
           "predictions[0].by: metric 'dprk-shells-delivered' is read on 2025-12-31, not 2024-12-31");
    expect("\"metric\": \"satellite-by-2025\"", "\"metric\": \"launch-attempts\"",
           "predictions[1].above: metric 'launch-attempts' is not a yes/no flag: give 'above'");
    expect("\"kind\": \"interval\"", "\"kind\": \"intervals\"", "unknown prediction kind 'intervals' (did you mean 'interval'?)");
    expect("\"as_of\": \"2023-06-30\"", "\"as_of\": \"2023-07-02\"",
           "briefing.known[0].as_of: '2023-07-02' is after 2023-07-01 (the scenario's start date): the student cannot know it yet");
    expect("\"as_of\": \"2023-06-30\"", "\"as_of\": \"2023-02-30\"", "expected a date YYYY-MM-DD, found '2023-02-30'");
    expect("\"arms-pipeline\"", "\"arms-pipline\"",
           "decisions[0].decision: unknown decision 'arms-pipline' (did you mean 'arms-pipeline'?)");
    expect("\"show\": [\"front-shortfall\"]", "\"show\": [\"front-shortfal\"]",
           "decisions[0].show[0]: unknown metric 'front-shortfal' (did you mean 'front-shortfall'?)");
    expect("\"id\": \"b\"", "\"id\": \"a\"", "predictions[1].id: duplicate prediction id 'a'");
    expect(", \"source\": \"src\"", "", "6:15: briefing.known[0].source: missing required field 'source'");
    expect("\"debrief\": [\"d\"]", "\"debrief\": []", "debrief: expected at least one item");
    expect("\"salvo_exercise\": 1", "\"salvo_exercise\": 2", "salvo_exercise: unsupported exercise format (expected 1)");
    expect("korea-russia-2024.json", "korea-russia-2042.json", "scenario: the scenario '");
}
END_TEST

/* (Column 35 of line 2 of GOOD: two spaces, `"salvo_exercise": 1, ` is
 * columns 3-23, `"id": "t", ` 24-34, and `"title"` starts at 35.) */

/* `salvo validate` takes exercise files: exit 0 on good ones, 2 and the
 * FILE:LINE:COL message on a bad one. */
START_TEST(validate_takes_exercises)
{
    int rc = salvo_to("", "validate scenarios/exercises/*.json", "/dev/null", NULL);
    ck_assert_int_eq(WEXITSTATUS(rc), 0);
    const char *path = write_ex("\"title\": \"T\"", "\"titel\": \"T\"");
    char cmd[512];
    snprintf(cmd, sizeof cmd, "%s validate %s 2> %s", salvo_bin(), path, tmp("err.txt"));
    rc = sh(cmd);
    ck_assert_int_eq(rc, 2);
    char *err = slurp(tmp("err.txt"));
    char want[256];
    snprintf(want, sizeof want, "%s:2:35: error: titel: unknown field 'titel' (did you mean 'title'?)", path);
    ck_assert_msg(strstr(err, want) != NULL, "got: %s", err);
    free(err);
}
END_TEST

/* Scores by hand. Brier: (0.7 - 1)^2 = 0.09, (0.7 - 0)^2 = 0.49,
 * (0.5 - x)^2 = 0.25 either way. Percentile of 3 in {1,2,3,3,5}: 2 below,
 * 2 equal -> (2 + 1) / 5 = 60%; of 0: 0%; of 9: 100%. */
START_TEST(scores_by_hand)
{
    ck_assert_double_eq_tol(exercise_brier(0.7, 1), 0.09, 1e-15);
    ck_assert_double_eq_tol(exercise_brier(0.7, 0), 0.49, 1e-15);
    ck_assert_double_eq(exercise_brier(0.5, 0), 0.25);
    ck_assert_double_eq(exercise_brier(0.5, 1), 0.25);
    ck_assert_double_eq(exercise_brier(1, 1), 0);
    const double s[5] = { 3, 1, 5, 3, 2 };
    ck_assert_double_eq_tol(exercise_percentile(s, 5, 3), 60, 1e-12);
    ck_assert_double_eq(exercise_percentile(s, 5, 0), 0);
    ck_assert_double_eq(exercise_percentile(s, 5, 9), 100);
    ck_assert_double_eq_tol(exercise_percentile(s, 5, 2.5), 40, 1e-12);
    ck_assert_int_eq(exercise_hit(1, 2, 1), 1);
    ck_assert_int_eq(exercise_hit(1, 2, 2), 1);
    ck_assert_int_eq(exercise_hit(1, 2, 2.0000001), 0);
    /* The histogram both debriefs draw: range [1, 5] in 4 bins of width 1;
     * the maximum falls in the last bin; the marker is clamped. */
    int bins[4];
    double lo, hi;
    ck_assert_int_eq(exercise_histogram(s, 5, 3.5, 4, bins, &lo, &hi), 2);
    ck_assert_double_eq(lo, 1);
    ck_assert_double_eq(hi, 5);
    ck_assert_int_eq(bins[0], 1);
    ck_assert_int_eq(bins[1], 1);
    ck_assert_int_eq(bins[2], 2);
    ck_assert_int_eq(bins[3], 1);
    ck_assert_int_eq(exercise_histogram(s, 5, -7, 4, bins, &lo, &hi), 0);
    ck_assert_int_eq(exercise_histogram(s, 5, 99, 4, bins, &lo, &hi), 3);
    const double same[3] = { 2, 2, 2 };
    ck_assert_int_eq(exercise_histogram(same, 3, 2, 4, bins, &lo, &hi), -1);
    ck_assert_int_eq(bins[0] + bins[1] + bins[2] + bins[3], 0);
}
END_TEST

/* The debrief's percentile against a known distribution: successes in
 * scenarios/verify/launch-constant-p.json are Binomial(5, 0.3). The
 * mid-rank percentile of 1 success is 100 * (P(X=0) + P(X=1)/2) =
 * 100 * (0.7^5 + 5 * 0.3 * 0.7^4 / 2) = 34.8145. Per run the score is 1,
 * 1/2 or 0 with variance 0.2581075 - 0.348145^2 = 0.136904, so over 4,000
 * runs one standard error is 0.585 points; the test allows 4 SE (2.34),
 * for any seed. Also the distribution's percentile of 3 successes:
 * 100 * (P(X<=2) + P(X=3)/2) = 100 * (0.83692 + 0.1323/2) = 90.307. */
START_TEST(percentile_on_known_distribution)
{
    Scenario *sc = load_scenario("scenarios/verify/launch-constant-p.json");
    int nm = scenario_metric_count(sc), m = scenario_metric_find(sc, "successes"), n = 4000;
    double *out = malloc((size_t)n * (size_t)nm * sizeof *out), *x = malloc((size_t)n * sizeof *x);
    ck_assert_int_eq(exercise_outcomes(sc, 20261201, NULL, n, out), 0);
    for (int r = 0; r < n; r++) x[r] = out[(size_t)r * (size_t)nm + (size_t)m];
    double p1 = exercise_percentile(x, n, 1), p3 = exercise_percentile(x, n, 3);
    ck_assert_msg(fabs(p1 - 34.8145) < 4 * 0.585, "percentile of 1: %g", p1);
    /* Variance for x = 3: E[Y^2] = 0.83692 + 0.1323 / 4 = 0.870, mean 0.90307 -> 0.0545, SE 0.369 points. */
    ck_assert_msg(fabs(p3 - 90.307) < 4 * 0.369, "percentile of 3: %g", p3);
    free(out);
    free(x);
    scenario_destroy(sc);
}
END_TEST

/* The part of a transcript from "== Debrief ==" on, without the line
 * naming the saved file. */
static char *debrief_part(const char *path)
{
    char *all = slurp(path);
    ck_assert_ptr_nonnull(all);
    char *d = strstr(all, "== Debrief ==");
    ck_assert_ptr_nonnull(d);
    char *saved = strstr(d, "\nPlaythrough saved:");
    if (saved) *saved = '\0';
    char *out = strdup(d);
    free(all);
    return out;
}

/* A scripted student through the whole loop: predictions, three decisions
 * (by id and by number), the debrief, the playthrough saved; then the
 * playthrough replayed gives the same debrief to the byte, and one whose
 * scenario hash differs is refused. With 'half' at the arms-pipeline, the
 * front goes short by more than 1 M rounds in nearly every run (at least
 * 90%, checked below from the printed share), and in the student's run
 * too, so the Brier score of p = 0.3 is (0.3 - 1)^2 = 0.490. */
START_TEST(scripted_student_whole_loop)
{
    FILE *f = fopen(tmp("answers.txt"), "w");
    ck_assert_ptr_nonnull(f);
    fputs("# predictions: BEST LOW HIGH, BEST LOW HIGH, p\n2000000 1000000 4000000\n\n1500000 500000 3000000\n30%\n"
          "# decisions\nhalf\n2\nask\naccept\n", f);
    fclose(f);
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "%s exercise scenarios/exercises/shell-pipeline.json --name Ada --futures 40 "
             "--runs 200 --tornado 5 --answers %s --save %s > %s 2>&1", salvo_bin(), tmp("answers.txt"), tmp("ada.json"), tmp("out.txt"));
    int rc = system(cmd);
    char *out = slurp(tmp("out.txt"));
    ck_assert_msg(WEXITSTATUS(rc) == 0, "exit %d:\n%s", WEXITSTATUS(rc), out);
    const char *want[] = { "== The shell pipeline", "What is known at the start", "== Your predictions",
                           "== Decision on 2023-09-13", "3) none: Refuse", "percentile", "<-- your run",
                           "It happened in ", "Brier score 0.490", "Intervals: ",
                           "arms-pipeline on 2023-09-13 (you chose 'half'); 40 futures per option",
                           "What mattered:", "== What mattered: the assumptions", "    1. ",
                           "== Debrief questions ==", "Playthrough saved:" };
    for (size_t i = 0; i < sizeof want / sizeof *want; i++)
        ck_assert_msg(strstr(out, want[i]) != NULL, "missing '%s' in:\n%s", want[i], out);
    int share = -1;
    ck_assert_int_eq(sscanf(strstr(out, "It happened in "), "It happened in %d%% of the runs.", &share), 1);
    ck_assert_msg(share >= 90, "the front went short in only %d%% of the runs with 'half'", share);
    free(out);
    char *play = slurp(tmp("ada.json"));
    ck_assert_ptr_nonnull(strstr(play, "\"type\":\"playthrough\""));
    ck_assert_ptr_nonnull(strstr(play, "\"choices\":[1,1,0]"));
    ck_assert_ptr_nonnull(strstr(play, "\"name\":\"Ada\""));
    ck_assert_ptr_nonnull(strstr(play, "\"salvo\":\"" SALVO_VERSION "\""));
    snprintf(cmd, sizeof cmd, "%s exercise scenarios/exercises/shell-pipeline.json --futures 40 --runs 200 "
             "--tornado 5 --replay %s > %s 2>&1", salvo_bin(), tmp("ada.json"), tmp("replay.txt"));
    rc = sh(cmd);
    ck_assert_int_eq(rc, 0);
    char *a = debrief_part(tmp("out.txt")), *b = debrief_part(tmp("replay.txt"));
    ck_assert_str_eq(a, b);
    free(a);
    free(b);
    /* Another scenario's hash: refused, exit 2, saying why. */
    char *h = strstr(play, "\"sha256\":\"");
    ck_assert_ptr_nonnull(h);
    h[10] = h[10] == '0' ? '1' : '0';
    f = fopen(tmp("other.json"), "w");
    fputs(play, f);
    fclose(f);
    free(play);
    snprintf(cmd, sizeof cmd, "%s exercise scenarios/exercises/shell-pipeline.json --replay %s > /dev/null 2> %s", salvo_bin(),
             tmp("other.json"), tmp("err.txt"));
    rc = sh(cmd);
    ck_assert_int_eq(rc, 2);
    char *err = slurp(tmp("err.txt"));
    ck_assert_msg(strstr(err, "made on a different scenario") && strstr(err, "refused"), "got: %s", err);
    free(err);
    /* A bad scripted answer is an error, not a question asked again. */
    f = fopen(tmp("bad.txt"), "w");
    fputs("1 2 3\n", f);
    fclose(f);
    snprintf(cmd, sizeof cmd, "%s exercise scenarios/exercises/shell-pipeline.json --answers %s > /dev/null 2> %s", salvo_bin(),
             tmp("bad.txt"), tmp("err.txt"));
    rc = sh(cmd);
    ck_assert_int_eq(rc, 2);
    err = slurp(tmp("err.txt"));
    ck_assert_msg(strstr(err, "prediction 'delivered': expected LOW <= BEST <= HIGH, got '1 2 3'"), "got: %s", err);
    free(err);
}
END_TEST

/* The class debrief of three scripted students: choices counted, the
 * student's percentile the same as `salvo exercise` printed (same runs,
 * same student run), the HTML page self-contained. */
START_TEST(class_debrief)
{
    const char *who[3][2] = { { "Ada", "2000000 1000000 4000000\n1500000 500000 3000000\n30%\nhalf\n2\nask\naccept\n" },
                              { "Bo", "8000000 6000000 10000000\n4000000 3000000 6000000\n0.8\nfull\n1\nask\naccept\n" },
                              { "Cy", "0 0 10\n0 0 10\n0.9\nnone\n3\nalone\naccept\n" } };
    char cmd[1024], cls[256];
    snprintf(cls, sizeof cls, "%s/class", dir);
    snprintf(cmd, sizeof cmd, "mkdir -p %s", cls);
    ck_assert_int_eq(system(cmd), 0);
    for (int i = 0; i < 3; i++) {
        FILE *f = fopen(tmp("a.txt"), "w");
        fputs(who[i][1], f);
        fclose(f);
        snprintf(cmd, sizeof cmd, "%s exercise scenarios/exercises/shell-pipeline.json --name %s --seed %d "
                 "--futures 10 --runs 100 --tornado 0 --answers %s --save %s/%s.json > %s/%s.out", salvo_bin(), who[i][0], i + 1, tmp("a.txt"),
                 cls, who[i][0], dir, who[i][0]);
        ck_assert_int_eq(WEXITSTATUS(system(cmd)), 0);
    }
    snprintf(cmd, sizeof cmd, "%s debrief %s --runs 100 --html %s > %s", salvo_bin(), cls, tmp("class.html"), tmp("class.txt"));
    ck_assert_int_eq(WEXITSTATUS(system(cmd)), 0);
    char *out = slurp(tmp("class.txt"));
    ck_assert_msg(strstr(out, "arms-pipeline: full 1, half 1, none 1") != NULL, "%s", out);
    ck_assert_ptr_nonnull(strstr(out, "luckiest:"));
    ck_assert_ptr_nonnull(strstr(out, "of 6 80% intervals held"));
    /* Ada's percentile for deliveries, as her own debrief printed it. */
    char *ada = slurp(tmp("Ada.out"));
    const char *p = strstr(ada, "percentile ");
    ck_assert_ptr_nonnull(p);
    double pct = atof(p + 11);
    const char *r = strstr(out, "  Ada");
    ck_assert_ptr_nonnull(r);
    ck_assert_msg(fabs(atof(r + 5) - pct) < 1e-9, "class debrief %g, her own %g", atof(r + 5), pct);
    free(ada);
    free(out);
    char *page = slurp(tmp("class.html"));
    ck_assert_ptr_nonnull(strstr(page, "<svg"));
    ck_assert_ptr_null(strstr(page, "<script"));
    ck_assert_ptr_null(strstr(page, "http://www.w3.org/2000/svg\" src"));
    free(page);
    /* A real HTML checker (tidy, installed by make deps): no error and no
     * warning; the page's SVG once carried attributes tidy calls proprietary. */
    if (system("command -v tidy >/dev/null 2>&1") == 0) {
        snprintf(cmd, sizeof cmd, "tidy -errors -q %s > %s 2>&1", tmp("class.html"), tmp("tidy.txt"));
        int st = system(cmd);
        char *t = slurp(tmp("tidy.txt"));
        ck_assert_msg(WEXITSTATUS(st) == 0, "tidy on the class debrief: %s", t ? t : "");
        free(t);
    } else {
        fprintf(stderr, "class debrief: tidy not installed, HTML check skipped\n");
    }
    /* Every chart (report/chart.c's) is well-formed SVG: xmllint on each. */
    if (system("command -v xmllint >/dev/null 2>&1") == 0) {
        page = slurp(tmp("class.html"));
        int nsvg = 0;
        for (char *a = strstr(page, "<svg"); a; a = strstr(a + 1, "<svg")) {
            char *e = strstr(a, "</svg>");
            ck_assert_ptr_nonnull(e);
            FILE *f = fopen(tmp("chart.svg"), "w");
            ck_assert_ptr_nonnull(f);
            fwrite(a, 1, (size_t)(e + 6 - a), f);
            fclose(f);
            snprintf(cmd, sizeof cmd, "xmllint --noout %s 2>&1", tmp("chart.svg"));
            ck_assert_msg(WEXITSTATUS(system(cmd)) == 0, "chart %d of the class debrief is not well-formed", nsvg + 1);
            nsvg++;
        }
        ck_assert_int_ge(nsvg, 4);      /* choices per decision, outcomes, calibration */
        free(page);
    }
}
END_TEST

/* sim_script_decisions answers a decision by its id whenever it comes up:
 * with every decision of the default scenario but 'ask-for-troops' mapped,
 * an interactive run pauses only there, and every choice taken is the
 * mapped one of its decision. */
START_TEST(script_by_decision)
{
    Scenario *sc = load_scenario("scenarios/korea-russia-2024.json");
    const TraceHeader *h = scenario_trace_header(sc);
    int map[16], left = -1;
    ck_assert_int_le(h->ndecisions, 16);
    for (int i = 0; i < h->ndecisions; i++) {
        map[i] = h->decisions[i].noptions - 1;
        if (!strcmp(h->decisions[i].id, "ask-for-troops")) { map[i] = -1; left = i; }
    }
    ck_assert_int_ge(left, 0);
    Sim *sim = sim_create(sc);
    for (uint64_t seed = 1; seed <= 5; seed++) {
        sim_set_interactive(sim, 1);
        sim_reset(sim, seed, 0);
        sim_script_decisions(sim, map);
        int pauses = 0;
        while (sim_run(sim, INFINITY) == SIM_DECISION) {
            ck_assert_int_eq(sim_pending(sim)->decision, left);
            sim_answer(sim, 0);
            pauses++;
        }
        ck_assert_int_le(pauses, 1);
        const int *ch;
        int n = sim_choices(sim, &ch);
        ck_assert_int_ge(n, 1);
        /* arms-pipeline comes first in every run: its mapped option. */
        ck_assert_int_eq(ch[0], map[0]);
    }
    sim_destroy(sim);
    scenario_destroy(sc);
}
END_TEST

/* What mattered, checked against a tornado computed here from the public
 * API: on shell-pipeline under the scenario's own policy, every ranged
 * assumption is ranked for each interval prediction, by |effect| largest
 * first (ties by index), and each row's means are those of `runs` runs
 * with that assumption at either end of its range (exercise_outcomes on
 * the scenario loaded with --set PATH=VALUE), to the bit. */
static void plain_amount(char *buf, size_t n, double x, const char *unit)
{
    if (unit) snprintf(buf, n, "<%g %s>", x, unit);
    else snprintf(buf, n, "<%g>", x);
}

START_TEST(what_mattered_ranks_the_tornado)
{
    enum { RUNS = 4 };
    const char *file = "scenarios/exercises/shell-pipeline.json";
    Diag d;
    diag_init(&d, file);
    Exercise *ex = exercise_load(file, &d);
    diag_fini(&d);
    ck_assert_ptr_nonnull(ex);
    const Scenario *sc = ex->scenario;
    int na = scenario_assumption_count(sc), nm = scenario_metric_count(sc), ranged = 0, nint = 0;
    for (int a = 0; a < na; a++) ranged += scenario_assumption(sc, a)->lo < scenario_assumption(sc, a)->hi;
    for (int i = 0; i < ex->npredictions; i++) nint += ex->predictions[i].kind == PRED_INTERVAL;
    ck_assert_int_ge(ranged, 3);
    ExMattered *rows;
    int n;
    ck_assert_int_eq(exercise_what_mattered(ex, 1, NULL, RUNS, &rows, &n), 0);
    ck_assert_int_eq(n, ranged * nint);
    double *out = malloc((size_t)RUNS * (size_t)nm * sizeof *out);
    ck_assert_ptr_nonnull(out);
    for (int k = 0; k < n; k++) {
        const ExMattered *r = &rows[k];
        ck_assert_int_eq(ex->predictions[r->prediction].kind, PRED_INTERVAL);
        ck_assert_int_eq(r->rank, k % ranged);
        if (k % ranged) {
            ck_assert_int_eq(r->prediction, rows[k - 1].prediction);
            ck_assert(fabs(rows[k - 1].effect) > fabs(r->effect) ||
                      (fabs(rows[k - 1].effect) == fabs(r->effect) && rows[k - 1].assumption < r->assumption));
        } else {
            ck_assert(fabs(r->effect) > 0);     /* the top assumption moves it */
        }
        if (k % ranged > 1) continue;          /* the means of the top two of each, computed here */
        const Assumption *as = scenario_assumption(sc, r->assumption);
        double mean[2];
        for (int side = 0; side < 2; side++) {
            char set[512];
            snprintf(set, sizeof set, "%s=%.17g", as->path, side ? as->hi : as->lo);
            const char *sets[1] = { set };
            diag_init(&d, ex->scenario_file);
            Scenario *s = scenario_load(ex->scenario_file, sets, 1, &d);
            diag_fini(&d);
            ck_assert_ptr_nonnull(s);
            ck_assert_int_eq(exercise_outcomes(s, 1, NULL, RUNS, out), 0);
            double sum = 0;
            for (int j = 0; j < RUNS; j++) sum += out[(size_t)j * (size_t)nm + (size_t)ex->predictions[r->prediction].metric];
            mean[side] = sum / RUNS;
            scenario_destroy(s);
        }
        ck_assert(r->low == mean[0] && r->high == mean[1]);
        ck_assert(r->effect == mean[1] - mean[0]);
    }
    /* In words, with an amount writer that shows what it is given. */
    char buf[1024];
    exercise_mattered_text(buf, sizeof buf, ex, &rows[0], plain_amount);
    const Assumption *top = scenario_assumption(sc, rows[0].assumption);
    char want[512];
    snprintf(want, sizeof want, "%s, from <%g> to <%g>, %s it by <%g %s> on average", top->path, top->lo, top->hi,
             rows[0].effect >= 0 ? "raises" : "lowers", fabs(rows[0].effect), ex->predictions[rows[0].prediction].unit);
    ck_assert_msg(strncmp(buf, want, strlen(want)) == 0, "got '%s', want '%s...'", buf, want);
    ck_assert_int_eq(buf[strlen(buf) - 1], '.');
    free(out);
    free(rows);
    ck_assert_int_eq(exercise_what_mattered(ex, 1, NULL, 0, &rows, &n), 0);   /* no runs: no rows */
    ck_assert_int_eq(n, 0);
    ck_assert_ptr_null(rows);
    exercise_destroy(ex);
}
END_TEST

Suite *suite_exercise(void)
{
    Suite *s = suite_create("exercise");
    TCASE(s, "load", 60, SCRATCH, shipped_exercises_load, good_exercise_loads, bad_exercises_name_the_place,
          validate_takes_exercises, scripted_student_whole_loop, class_debrief);
    TCASE(s, "debrief", 60, NO_FIXTURE, scores_by_hand, percentile_on_known_distribution, script_by_decision,
          what_mattered_ranks_the_tornado);
    return s;
}
