/* test_exercise.c — teaching exercises: the shipped ones load with every
 * reference resolved; each kind of mistake gets its own FILE:LINE:COL
 * message with the JSON path (and "did you mean" for a near miss), and
 * `salvo validate` exits 2 on it. */
#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "exercise.h"
#include "testutil.h"

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
        exercise_free(ex);
        diag_free(&d);
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
    diag_free(&d);
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
    exercise_free(ex);
    diag_free(&d);
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
    int rc = system("./salvo validate scenarios/exercises/*.json > /dev/null");
    ck_assert_int_eq(WEXITSTATUS(rc), 0);
    const char *path = write_ex("\"title\": \"T\"", "\"titel\": \"T\"");
    char cmd[512];
    snprintf(cmd, sizeof cmd, "./salvo validate %s 2> %s", path, tmp("err.txt"));
    rc = system(cmd);
    ck_assert_int_eq(WEXITSTATUS(rc), 2);
    char *err = slurp(tmp("err.txt"));
    char want[256];
    snprintf(want, sizeof want, "%s:2:35: error: titel: unknown field 'titel' (did you mean 'title'?)", path);
    ck_assert_msg(strstr(err, want) != NULL, "got: %s", err);
    free(err);
}
END_TEST

Suite *suite_exercise(void)
{
    Suite *s = suite_create("exercise");
    TCase *tc = tcase_create("load");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, shipped_exercises_load);
    tcase_add_test(tc, good_exercise_loads);
    tcase_add_test(tc, bad_exercises_name_the_place);
    tcase_add_test(tc, validate_takes_exercises);
    tcase_set_timeout(tc, 60);
    suite_add_tcase(s, tc);
    return s;
}
