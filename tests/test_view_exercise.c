/* test_view_exercise.c — the exercise's screens in the view, headless: the
 * briefing has its rows of text and scrolls, a decision shows the chosen
 * option, and the debrief's marker stands where the student's value falls
 * in the range of the runs under the same decisions, computed here again
 * from the public API. Software renderer only: no display needed. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"

#ifdef SALVO_HAVE_VIEW
#include "exercise.h"
#include "exview.h"

#define EX "scenarios/exercises/shell-pipeline.json"
#define W 1280
#define H 720
#define PAPER 0xF7F5F0u
#define MARK 0xD55E00u
#define RUNS 100

static Exercise *ex;

static void ex_setup(void)
{
    Diag d;
    diag_init(&d, EX);
    ex = exercise_load(EX, &d);
    if (!ex) diag_print(&d, stderr);
    diag_free(&d);
    ck_assert_ptr_nonnull(ex);
}

static void ex_teardown(void) { exercise_free(ex); }

static ExView *make(int runs)
{
    Diag d;
    diag_init(&d, EX);
    ExView *v = exview_create(ex, 1, NULL, 0, runs, 0, W, H, &d);
    if (!v) diag_print(&d, stderr);
    diag_free(&d);
    ck_assert_ptr_nonnull(v);
    return v;
}

/* 1 if row y has a pixel that is not paper. */
static int inked(const ExView *v, int y)
{
    for (int x = 0; x < W; x++)
        if (exview_pixel(v, x, y) != PAPER) return 1;
    return 0;
}

/* The runs of ink: rows of text and rules, top to bottom. */
static int text_rows(const ExView *v, int *first)
{
    int n = 0, prev = 0;
    *first = -1;
    for (int y = 0; y < H; y++) {
        int on = inked(v, y);
        if (on && !prev) {
            if (*first < 0) *first = y;
            n++;
        }
        prev = on;
    }
    return n;
}

START_TEST(briefing_has_its_rows_and_scrolls)
{
    ExView *v = make(1);
    ck_assert_int_eq(exview_render(v, EXS_BRIEFING, 0), 0);
    int first, rows = text_rows(v, &first);
    /* Title, meta line, 5 headings, 3 objectives, situation, role, 3 facts
     * with sources, the predictions note and the footer: well over 15. */
    ck_assert_int_ge(rows, 15);
    ck_assert_int_lt(first, 60);            /* the title at the top */
    ck_assert(!inked(v, H / 2 + 120));      /* it fits: blank below the text */
    /* Scrolled 4 lines down the title and the objectives' head are gone:
     * fewer rows, and the top row now starts elsewhere. */
    uint32_t top[W];
    for (int x = 0; x < W; x++) top[x] = exview_pixel(v, x, first + 8);
    ck_assert_int_eq(exview_render(v, EXS_BRIEFING, 4), 0);
    int first2, rows2 = text_rows(v, &first2);
    ck_assert_int_lt(rows2, rows);
    int same = 1;
    for (int x = 0; x < W && same; x++) same = top[x] == exview_pixel(v, x, first + 8);
    ck_assert(!same);
    exview_destroy(v);
}
END_TEST

START_TEST(decision_shows_the_chosen_option)
{
    ExView *v = make(1);
    ck_assert_int_ge(exview_decisions(v), 1);
    ck_assert_int_eq(exview_render(v, EXS_DECISION, 0), 0);
    int first, rows = text_rows(v, &first);
    ck_assert_int_ge(rows, 8);              /* title, prompt, values, known, 3 options */
    int orange = 0;
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) orange += exview_pixel(v, x, y) == MARK;
    ck_assert_int_gt(orange, 50);           /* the chosen option, in the marker's colour */
    ck_assert_int_eq(exview_render(v, EXS_DECISION, exview_decisions(v)), -1);
    ck_assert_int_eq(exview_render(v, EXS_DECISION, -1), -1);
    exview_destroy(v);
}
END_TEST

/* The student's run (replication 0 of seed 1, the first option at every
 * decision) and the runs under the same decisions, from the public API. */
static void outcomes(int m, double *mine, double *lo, double *hi)
{
    const Scenario *sc = ex->scenario;
    int nm = scenario_metric_count(sc), nd = scenario_trace_header(sc)->ndecisions;
    int *by = malloc((size_t)nd * sizeof *by);
    double *now = malloc((size_t)nm * sizeof *now), *all = malloc((size_t)RUNS * (size_t)nm * sizeof *all);
    ck_assert(by && now && all);
    for (int d = 0; d < nd; d++) by[d] = -1;
    Sim *sim = sim_create(sc);
    sim_set_interactive(sim, 1);
    sim_reset(sim, 1, 0);
    while (sim_run(sim, INFINITY) == SIM_DECISION) {
        by[sim_pending(sim)->decision] = 0;
        sim_answer(sim, 0);
    }
    sim_metrics(sim, now);
    sim_destroy(sim);
    ck_assert_int_eq(exercise_outcomes(sc, 1, by, RUNS, all), 0);
    *mine = now[m];
    *lo = INFINITY;
    *hi = -INFINITY;
    for (int r = 0; r < RUNS; r++) {
        *lo = fmin(*lo, all[(size_t)r * (size_t)nm + (size_t)m]);
        *hi = fmax(*hi, all[(size_t)r * (size_t)nm + (size_t)m]);
    }
    free(by);
    free(now);
    free(all);
}

START_TEST(debrief_marker_where_the_data_put_it)
{
    ExView *v = make(RUNS);
    ck_assert_int_eq(exview_render(v, EXS_DEBRIEF, 0), 0);
    float x0, x1, marker;
    double lo, hi, mine, elo, ehi, emine;
    ck_assert_int_eq(exview_chart(v, 0, &x0, &x1, &lo, &hi, &mine, &marker), 0);
    outcomes(ex->predictions[0].metric, &emine, &elo, &ehi);
    ck_assert_double_eq(mine, emine);
    ck_assert_double_eq(lo, elo);
    ck_assert_double_eq(hi, ehi);
    ck_assert(ehi > elo);
    double want = x0 + (x1 - x0) * fmin(fmax((emine - elo) / (ehi - elo), 0), 1);
    ck_assert_float_eq_tol(marker, want, 0.01);
    /* The column at the marker is orange for the plot's height; a column a
     * tenth of the plot away from it is not. */
    int at = 0, away = 0, xa = (int)lroundf(marker), xb = xa + (int)((x1 - x0) / 10) * (marker < (x0 + x1) / 2 ? 1 : -1);
    for (int y = 0; y < H; y++) {
        at += exview_pixel(v, xa, y) == MARK;
        away += exview_pixel(v, xb, y) == MARK;
    }
    ck_assert_int_gt(at, 60);
    ck_assert_int_lt(away, 10);
    ck_assert_int_eq(exview_chart(v, 99, &x0, &x1, &lo, &hi, &mine, &marker), -1);
    exview_destroy(v);
}
END_TEST

START_TEST(fan_needs_its_futures_and_marks_the_choice)
{
    ExView *v = make(1);
    ck_assert_int_eq(exview_render(v, EXS_FAN, 0), -1);     /* made without futures */
    exview_destroy(v);
    Diag d;
    diag_init(&d, EX);
    int choice[1] = { 1 };      /* half */
    v = exview_create(ex, 1, choice, 1, 1, 40, W, H, &d);
    diag_free(&d);
    ck_assert_ptr_nonnull(v);
    ck_assert_int_eq(exview_render(v, EXS_FAN, 0), 0);
    /* One orange band per metric predicted (the choice), and blue ones for
     * the other options: both colours present. */
    int orange = 0, blue = 0;
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            uint32_t c = exview_pixel(v, x, y);
            orange += c == MARK;
            blue += c == 0x0072B2u;
        }
    ck_assert_int_gt(orange, 100);
    ck_assert_int_gt(blue, 100);
    ck_assert_int_eq(exview_render(v, EXS_FAN, exview_decisions(v)), -1);
    exview_destroy(v);
}
END_TEST

/* `salvo view ARGS`, its stderr into err. */
static int run_cli(const char *args, char *err, size_t n) { return salvo_stderr("view", args, err, n); }

START_TEST(cli_screens_and_errors)
{
    char err[2048], args[512], png[128];
    snprintf(png, sizeof png, "%s", tmp("exv.png"));
    static const char *const screens[] = { "briefing", "decision", "decision:2", "debrief", "fan:1" };
    for (int i = 0; i < 5; i++) {
        remove(png);
        /* --exercise is implied by the file. */
        snprintf(args, sizeof args, EX " %s --screenshot %s --screen %s --runs 50 --size 800x500",
                 i % 2 ? "--exercise" : "", png, screens[i]);
        ck_assert_msg(run_cli(args, err, sizeof err) == 0, "%s: %s", screens[i], err);
        ck_assert_int_eq(access(png, R_OK), 0);
    }
    remove(png);
    snprintf(args, sizeof args, EX " --screenshot %s --screen menu", png);
    ck_assert_int_eq(run_cli(args, err, sizeof err), 2);
    ck_assert_ptr_nonnull(strstr(err, "expected briefing, decision[:K], fan[:K] or debrief, got 'menu'"));
    snprintf(args, sizeof args, EX " --screenshot %s --screen decision:40", png);
    ck_assert_int_eq(run_cli(args, err, sizeof err), 2);
    ck_assert_ptr_nonnull(strstr(err, "the run paused at"));
    snprintf(args, sizeof args, EX " --screenshot %s --at 2024-01-01", png);
    ck_assert_int_eq(run_cli(args, err, sizeof err), 2);
    ck_assert_ptr_nonnull(strstr(err, "needs --screen"));
    ck_assert_int_eq(run_cli(EX " --screen briefing", err, sizeof err), 2);
    ck_assert_ptr_nonnull(strstr(err, "--screen goes with --screenshot"));
    ck_assert_int_eq(run_cli(EX " --exercise --play", err, sizeof err), 2);
    ck_assert_int_eq(run_cli("scenarios/korea-russia-2024.json --screen briefing --screenshot x.png --at 1", err, sizeof err), 2);
    ck_assert_ptr_nonnull(strstr(err, "go with --exercise"));
    ck_assert_int_eq(access(png, R_OK), -1);
}
END_TEST
/* A scripted student through the view: the terminal plays and saves the
 * playthrough, the view replays it to every screen headless; a
 * playthrough whose scenario hash was changed is refused. */
START_TEST(cli_scripted_student_replayed)
{
    char path[256], play[256], args[1024], err[2048], png[256];
    snprintf(path, sizeof path, "%s", tmp("answers.txt"));
    snprintf(play, sizeof play, "%s", tmp("ada.json"));
    snprintf(png, sizeof png, "%s", tmp("debrief.png"));
    write_text(path, "2000000 1000000 4000000\n1500000 500000 3000000\n30%\nhalf\n2\nask\naccept\n");
    snprintf(args, sizeof args, "exercise " EX " --name Ada --futures 10 --runs 20 --tornado 0 --answers %s --save %s",
             path, play);
    ck_assert_int_eq(salvo(args), 0);
    static const char *const screens[] = { "briefing", "decision:1", "fan:1", "debrief" };
    for (int i = 0; i < 4; i++) {
        remove(png);
        snprintf(args, sizeof args, EX " --exercise --replay %s --screenshot %s --screen %s --runs 50 --size 640x400",
                 play, png, screens[i]);
        ck_assert_msg(run_cli(args, err, sizeof err) == 0, "%s: %s", screens[i], err);
        ck_assert_int_eq(access(png, R_OK), 0);
    }
    /* --seed with --replay is a contradiction. */
    snprintf(args, sizeof args, EX " --replay %s --seed 3 --screenshot %s --screen debrief", play, png);
    ck_assert_int_eq(run_cli(args, err, sizeof err), 2);
    ck_assert_ptr_nonnull(strstr(err, "--seed and --replay exclude each other"));
    /* Another scenario's hash: refused, exit 2. */
    FILE *f = fopen(play, "r+");
    ck_assert_ptr_nonnull(f);
    char text[8192];
    size_t n = fread(text, 1, sizeof text - 1, f);
    text[n] = '\0';
    char *h = strstr(text, "\"sha256\":\"");
    ck_assert_ptr_nonnull(h);
    h[10] = h[10] == '0' ? '1' : '0';
    rewind(f);
    fwrite(text, 1, n, f);
    fclose(f);
    snprintf(args, sizeof args, EX " --replay %s --screenshot %s --screen debrief", play, png);
    ck_assert_int_eq(run_cli(args, err, sizeof err), 2);
    ck_assert_msg(strstr(err, "different scenario"), "got: %s", err);
}
END_TEST
#endif

Suite *suite_view_exercise(void)
{
    Suite *s = suite_create("view_exercise");
#ifdef SALVO_HAVE_VIEW
    TCASE(s, "screens", 60, FIXTURE(ex_setup, ex_teardown), briefing_has_its_rows_and_scrolls,
          decision_shows_the_chosen_option, debrief_marker_where_the_data_put_it,
          fan_needs_its_futures_and_marks_the_choice);
    TCASE(s, "cli", 60, SCRATCH, cli_screens_and_errors, cli_scripted_student_replayed);
#endif
    return s;
}
