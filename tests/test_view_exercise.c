/* test_view_exercise.c — the exercise in the view. Headless: the briefing
 * has its rows of text and scrolls, a decision shows the chosen option,
 * the debrief's marker stands where the student's value falls in the range
 * of the runs under the same decisions (computed here again from the
 * public API), the predictions form refuses bad input, and the view's
 * scores are the terminal's numbers. In a window (under xvfb-run when it
 * is installed, else SDL's offscreen driver): a scripted student goes
 * through the whole loop, its debrief and fan screenshots have their
 * charts, and replaying the playthrough it saved, in the terminal and in
 * the window, gives the same scores. */
#include <check.h>
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"

#ifdef SALVO_HAVE_VIEW
#ifndef SALVO_BIN
#define SALVO_BIN "salvo"
#endif
#include <SDL.h>
#include <SDL_image.h>
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
    diag_fini(&d);
    ck_assert_ptr_nonnull(ex);
}

static void ex_teardown(void) { exercise_destroy(ex); }

static ExView *make(int runs)
{
    Diag d;
    diag_init(&d, EX);
    ExView *v = exview_create(ex, 1, NULL, 0, runs, 0, W, H, &d);
    if (!v) diag_print(&d, stderr);
    diag_fini(&d);
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
    diag_fini(&d);
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
    ck_assert_ptr_nonnull(strstr(err, "expected briefing, predictions, decision[:K], fan[:K], debrief or mattered, got 'menu'"));
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

/* --- the predictions form and the scores ------------------------------------ */

static void type(ExView *v, int field, const char *text)
{
    ck_assert_int_eq(exview_form_focus(v, field), 0);
    for (int i = 0; i < 40; i++) exview_form_input(v, EXK_BACKSPACE, NULL);
    exview_form_input(v, EXK_TEXT, text);
}

static void says(const ExView *v, const char *want)
{
    const char *m = exview_form_message(v);
    ck_assert_msg(m && strstr(m, want), "want '%s', got '%s'", want, m ? m : "(none)");
}

/* Fields of shell-pipeline: 0-2 delivered (best, low, high), 3-5 at-front, 6 shortfall's p. */
START_TEST(form_rejects_bad_input)
{
    ExView *v = make(0);
    ExGuess g[3];
    ck_assert_int_eq(exview_guesses(v, g), -1);
    type(v, 0, "2,000,000");
    type(v, 1, "4000000");
    type(v, 2, "1000000");
    exview_form_input(v, EXK_NEXT, NULL);       /* leaving the interval says what is wrong with it */
    says(v, "Prediction 1 (delivered): expected LOW <= HIGH");
    type(v, 3, "1500000");
    type(v, 4, "500000");
    type(v, 5, "3000000");
    type(v, 6, "1.3");
    ck_assert_int_eq(exview_form_input(v, EXK_ENTER, NULL), 0);
    says(v, "Prediction 1 (delivered)");
    type(v, 1, "1000000");
    type(v, 2, "1500000");   /* the best guess, 2,000,000, now lies above it */
    ck_assert_int_eq(exview_form_focus(v, 6), 0);
    ck_assert_int_eq(exview_form_input(v, EXK_ENTER, NULL), 0);
    says(v, "Prediction 1 (delivered): expected LOW <= BEST <= HIGH");
    type(v, 2, "4000000");
    ck_assert_int_eq(exview_form_focus(v, 6), 0);
    ck_assert_int_eq(exview_form_input(v, EXK_ENTER, NULL), 0);
    says(v, "Prediction 3 (shortfall): expected a probability from 0 to 1");
    type(v, 6, "abc");                          /* letters are not typed into a number */
    ck_assert_int_eq(exview_form_input(v, EXK_ENTER, NULL), 0);
    says(v, "fill in the probability");
    type(v, 6, "3e");
    ck_assert_int_eq(exview_form_input(v, EXK_ENTER, NULL), 0);
    says(v, "'3e' is not a number");
    type(v, 6, "30%");
    ck_assert_int_eq(exview_guesses(v, g), -1);
    ck_assert_int_eq(exview_form_input(v, EXK_ENTER, NULL), 1);
    ck_assert_ptr_null(exview_form_message(v));
    ck_assert_int_eq(exview_guesses(v, g), 0);
    ck_assert_double_eq(g[0].best, 2e6);
    ck_assert_double_eq(g[0].lo, 1e6);
    ck_assert_double_eq(g[0].hi, 4e6);
    ck_assert_double_eq(g[1].lo, 5e5);
    ck_assert_double_eq(g[2].p, 0.3);
    /* The form draws its messages: an invalid guess set is refused whole. */
    ExGuess bad[3] = { { 1, 2, 3, 0 }, g[1], g[2] };
    ck_assert_int_eq(exview_set_guesses(v, bad), -1);
    ck_assert_int_eq(exview_guesses(v, g), 0);
    ck_assert_double_eq(g[0].best, 2e6);
    exview_destroy(v);
}
END_TEST

/* Run a shell command; its standard output into out. The exit status. */
static int sh_out(const char *cmd, char *out, size_t n)
{
    FILE *p = popen(cmd, "r");
    ck_assert_ptr_nonnull(p);
    size_t got = fread(out, 1, n - 1, p);
    out[got] = '\0';
    int rc = pclose(p);
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

/* The debrief's scores section of a terminal or view output, cut out of it. */
static char *scored(char *text)
{
    char *a = strstr(text, "== Your predictions, scored ==");
    ck_assert_msg(a != NULL, "no scores in: %.2000s", text);
    char *b = strstr(a, "  Calibration:");
    ck_assert_ptr_nonnull(b);
    *b = '\0';
    return a;
}

/* The number after `key` on the line of prediction id. */
static double after(const char *text, const char *id, const char *key)
{
    char pre[64];
    snprintf(pre, sizeof pre, "  %s: ", id);
    const char *l = strstr(text, pre);
    ck_assert_ptr_nonnull(l);
    const char *k = strstr(l, key);
    ck_assert_ptr_nonnull(k);
    return strtod(k + strlen(key), NULL);
}

#define BIN_PREFIX (strchr(SALVO_BIN, '/') ? "" : "./")

/* The terminal plays the scripted student with guesses g and `tornado`
 * runs a side for what mattered, its output into out; its playthrough
 * file is read into the choices. */
static void terminal_play(const char *dir, const ExGuess *g, int tornado, char *out, size_t nout, int *choices, int *nc)
{
    char cmd[1024], play[256], text[8192];
    snprintf(cmd, sizeof cmd, "mkdir -p %s && printf '%.0f %.0f %.0f\\n%.0f %.0f %.0f\\n%.0f%%%%\\n"
             "half\\n2\\nask\\naccept\\n' > %s/answers.txt", dir, g[0].best, g[0].lo, g[0].hi,
             g[1].best, g[1].lo, g[1].hi, 100 * g[2].p, dir);
    ck_assert_int_eq(system(cmd), 0);
    snprintf(play, sizeof play, "%s/p.json", dir);
    snprintf(cmd, sizeof cmd, "%s%s exercise " EX " --futures 10 --runs %d --tornado %d --answers %s/answers.txt --save %s "
             "2>&1", BIN_PREFIX, SALVO_BIN, RUNS, tornado, dir, play);
    ck_assert_int_eq(sh_out(cmd, out, nout), 0);
    FILE *f = fopen(play, "r");
    ck_assert_ptr_nonnull(f);
    size_t n = fread(text, 1, sizeof text - 1, f);
    text[n] = '\0';
    fclose(f);
    const char *c = strstr(text, "\"choices\":[");
    ck_assert_ptr_nonnull(c);
    for (*nc = 0, c += 11; *c != ']' && *nc < 64;) {
        choices[(*nc)++] = (int)strtol(c, (char **)&c, 10);
        if (*c == ',') c++;
    }
    ck_assert_int_ge(*nc, 2);
}

/* The scored section of the terminal's output for guesses g. */
static char *terminal_scores(const char *dir, const ExGuess *g, char *out, size_t nout, int *choices, int *nc)
{
    terminal_play(dir, g, 0, out, nout, choices, nc);
    return scored(out);
}

/* The view's scores are the terminal's: the terminal plays a scripted
 * student; the view, given the same choices and guesses, scores them to
 * the same printed figures. The intervals are taken from the middle of
 * the debrief's own histograms, so the share of runs they hold in is
 * neither 0 nor 1 whatever the scenario's calibration. */
START_TEST(view_scores_equal_the_terminals)
{
    char dir[128], out[16384], cmd[256];
    snprintf(dir, sizeof dir, "/tmp/salvo-test-%ld-exs", (long)getpid());
    ExGuess g[3] = { { 1, 0, 2, 0 }, { 1, 0, 2, 0 }, { 0, 0, 0, 0.3 } };
    int choices[64], nc = 0;
    terminal_scores(dir, g, out, sizeof out, choices, &nc);
    Diag d;
    diag_init(&d, EX);
    ExView *v = exview_create(ex, 1, choices, nc, RUNS, 0, W, H, &d);
    diag_fini(&d);
    ck_assert_ptr_nonnull(v);
    ExScore sc[3];
    ExScoreSum sum;
    ck_assert_int_eq(exview_scores(v, sc, &sum), -1);      /* no guesses yet */
    ck_assert_int_eq(exview_set_guesses(v, g), 0);
    ck_assert_int_eq(exview_render(v, EXS_DEBRIEF, 0), 0);
    for (int i = 0; i < 2; i++) {
        float x0, x1, mk;
        double lo, hi, mine;
        ck_assert_int_eq(exview_chart(v, i, &x0, &x1, &lo, &hi, &mine, &mk), 0);
        g[i].lo = floor(lo + 0.3 * (hi - lo));
        g[i].hi = ceil(lo + 0.7 * (hi - lo));
        g[i].best = round((g[i].lo + g[i].hi) / 2);
    }
    int nc2 = 0, choices2[64];
    char *t = terminal_scores(dir, g, out, sizeof out, choices2, &nc2);
    ck_assert_int_eq(nc2, nc);
    ck_assert_int_eq(exview_set_guesses(v, g), 0);
    ck_assert_int_eq(exview_scores(v, sc, &sum), 0);
    ck_assert_int_eq(sum.nint, 2);
    ck_assert_int_eq(sum.nprob, 1);
    for (int i = 0; i < 2; i++) {
        ck_assert(sc[i].cover > 0.05 && sc[i].cover < 0.95);
        ck_assert_double_eq_tol(100 * sc[i].cover, after(t, ex->predictions[i].id, "holds in "), 0.5);
        char want[16];
        snprintf(want, sizeof want, ": %s.", sc[i].hit ? "a hit" : "a miss");
        ck_assert_ptr_nonnull(strstr(strstr(t, ex->predictions[i].id), want));
    }
    ck_assert_double_eq_tol(sc[2].brier, after(t, "shortfall", "Brier score "), 0.0005);
    ck_assert_double_eq_tol(100 * sc[2].freq, after(t, "shortfall", "happened in "), 0.5);
    char line[128];
    snprintf(line, sizeof line, "Intervals: %d of %d hit. Mean Brier score %.3f", sum.hits, sum.nint, sum.brier);
    ck_assert_msg(strstr(t, line), "want '%s' in %s", line, t);
    /* The debrief draws them in its right-hand column. */
    ck_assert_int_eq(exview_render(v, EXS_DEBRIEF, 0), 0);
    int ink = 0;
    for (int y = H / 8; y < H / 2; y++)
        for (int x = W * 62 / 100; x < W - 20; x++) ink += exview_pixel(v, x, y) != PAPER;
    ck_assert_int_gt(ink, 2000);
    exview_destroy(v);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    ck_assert_int_eq(system(cmd), 0);
}
END_TEST

/* The view words what mattered with the terminal's formatter, as the
 * salvo binary gives it (cli/view.c passes fmt_amount); the Makefile links
 * cli/fmt.o into the suites for it. */
#include "../cli/fmt.h"

/* What mattered in the view is the terminal's: the same rows, ranked by
 * the size of the effect within each prediction, in the same sentences,
 * for the same playthrough; the page draws them as text. */
START_TEST(view_what_mattered_equals_the_terminals)
{
    enum { TORNADO = 6 };
    char dir[128], out[32768], cmd[256];
    snprintf(dir, sizeof dir, "/tmp/salvo-test-%ld-exm", (long)getpid());
    ExGuess g[3] = { { 2000000, 1000000, 4000000, 0 }, { 1500000, 500000, 3000000, 0 }, { 0, 0, 0, 0.3 } };
    int choices[64], nc = 0;
    terminal_play(dir, g, TORNADO, out, sizeof out, choices, &nc);
    /* The terminal's sentences: "    K. SENTENCE" lines after its heading. */
    char *term[64];
    int nterm = 0;
    char *p = strstr(out, "== What mattered:");
    ck_assert_msg(p != NULL, "%.3000s", out);
    char *end = strstr(p, "== Debrief questions");
    if (end) *end = '\0';
    for (char *line = strtok(p, "\n"); line && nterm < 64; line = strtok(NULL, "\n")) {
        int k, at = 0;
        if (sscanf(line, "    %d. %n", &k, &at) == 1 && at > 0) term[nterm++] = line + at;
    }
    ck_assert_int_ge(nterm, 4);         /* three for each of the two interval predictions */

    Diag d;
    diag_init(&d, EX);
    ExView *v = exview_create(ex, 1, choices, nc, 1, 0, W, H, &d);
    ck_assert_ptr_nonnull(v);
    ck_assert_int_eq(exview_render(v, EXS_MATTERED, 0), -1);       /* not computed yet */
    ck_assert_int_eq(exview_what_mattered(v, TORNADO, fmt_amount, &d), 0);
    diag_fini(&d);
    int n = 0;
    const ExMattered *r, *prev = NULL;
    const char *text;
    for (; exview_mattered(v, n, &r, &text) == 0; n++) {
        ck_assert_int_lt(n, nterm);
        ck_assert_str_eq(text, term[n]);
        ck_assert_int_eq(ex->predictions[r->prediction].kind, PRED_INTERVAL);
        ck_assert_int_lt(r->rank, 3);
        ck_assert(r->effect == r->high - r->low);
        if (prev && prev->prediction == r->prediction) ck_assert(fabs(prev->effect) >= fabs(r->effect));
        else {
            if (prev) ck_assert_int_gt(r->prediction, prev->prediction);
            ck_assert(fabs(r->effect) > 0);     /* the top of each ranking moves its metric */
        }
        prev = r;
    }
    ck_assert_int_eq(n, nterm);
    ck_assert_int_eq(exview_mattered(v, -1, &r, &text), -1);
    /* The page: a title in the heading's blue and rows of ink under it. */
    ck_assert_int_eq(exview_render(v, EXS_MATTERED, 0), 0);
    int head = 0, ink = 0;
    for (int y = 0; y < H / 2; y++)
        for (int x = 0; x < W; x++) {
            uint32_t c = exview_pixel(v, x, y);
            head += c == 0x0B3954u;
            ink += c == 0x1E2328u;
        }
    ck_assert_int_gt(head, 300);
    ck_assert_int_gt(ink, 2000);
    exview_destroy(v);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    ck_assert_int_eq(system(cmd), 0);
}
END_TEST

/* --- the whole loop in a window ---------------------------------------------- */

/* Pixels of colour rgb in columns [x0, x1) of a PNG. */
static int count_png(const char *png, uint32_t rgb, double x0, double x1)
{
    SDL_Surface *raw = IMG_Load(png);
    ck_assert_msg(raw != NULL, "%s: %s", png, IMG_GetError());
    SDL_Surface *s = SDL_ConvertSurfaceFormat(raw, SDL_PIXELFORMAT_ARGB8888, 0);
    SDL_FreeSurface(raw);
    ck_assert_ptr_nonnull(s);
    int n = 0;
    for (int y = 0; y < s->h; y++) {
        const uint32_t *row = (const uint32_t *)((const char *)s->pixels + (size_t)y * (size_t)s->pitch);
        for (int x = (int)(x0 * s->w); x < (int)(x1 * s->w); x++) n += (row[x] & 0xffffffu) == rgb;
    }
    SDL_FreeSurface(s);
    return n;
}

/* Under make sanitize, the X11, D-Bus and GL libraries SDL loads for a
 * window keep memory past SDL_Quit that LeakSanitizer reports (and a GL
 * driver unloaded by then cannot even be named in a suppression), so the
 * window's process runs with leak detection off; ASan and UBSan stay on,
 * and the same screens' code is leak-checked in-process above. */
#define WINDOW_ENV "ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 "

/* A scripted student through the one window: briefing, the form (a bad
 * probability first, refused, then corrected), play answering each
 * decision, the debrief and a fan saved with F12. The playthrough it
 * saves replays to the same scores in the terminal and in the window. */
START_TEST(window_loop_scripted_end_to_end)
{
    char dir[128], cmd[2048], out1[16384], out2[16384], out3[16384], png[256], disp[64];
    snprintf(dir, sizeof dir, "/tmp/salvo-test-%ld-exw", (long)getpid());
    snprintf(disp, sizeof disp, "%s", system("command -v xvfb-run >/dev/null 2>&1") == 0 ? "xvfb-run -a env"
                                                                                        : "env SDL_VIDEODRIVER=offscreen");
    char bin[512];
    if (SALVO_BIN[0] == '/') snprintf(bin, sizeof bin, "%s", SALVO_BIN);
    else {
        char cwd[400];
        ck_assert_ptr_nonnull(getcwd(cwd, sizeof cwd));
        snprintf(bin, sizeof bin, "%s/%s", cwd, SALVO_BIN);
    }
    char exf[600];
    ck_assert_ptr_nonnull(realpath(EX, exf));
    snprintf(cmd, sizeof cmd, "rm -rf %s && mkdir -p %s", dir, dir);
    ck_assert_int_eq(system(cmd), 0);
    const char *keys = "return,text:4450000,tab,text:4350000,tab,text:4600000,tab,text:2550000,tab,text:2450000,tab,"
                       "text:2650000,tab,text:1.5,return,backspace,backspace,backspace,text:30%,return,"
                       "end,2,end,1,end,1,end,1,end,1,end,1,end,1,end,return,f12,right,f12,q";
    snprintf(cmd, sizeof cmd, "cd %s && %s " WINDOW_ENV "%s view %s --exercise --name Ada --runs %d --record ada.json --frames 900 "
             "--keys '%s' 2>/dev/null", dir, disp, bin, exf, RUNS, keys);
    ck_assert_int_eq(sh_out(cmd, out1, sizeof out1), 0);
    char *s1 = scored(out1);
    ck_assert_msg(strstr(s1, "shortfall: you said 30%"), "%s", s1);      /* the corrected probability */
    /* The debrief's screenshot has the histograms with the student's
     * marker (left) and the scores (right); the fan has its bands in the
     * choice's orange and the other options' blue. */
    snprintf(png, sizeof png, "%s/salvo-exercise-debrief.png", dir);
    ck_assert_int_gt(count_png(png, 0x0072B2u, 0, 0.6), 5000);
    ck_assert_int_gt(count_png(png, MARK, 0, 0.6), 3 * 100);
    ck_assert_int_lt(count_png(png, PAPER, 0.62, 1), (int)(0.38 * 1400 * 820) - 3000);
    snprintf(png, sizeof png, "%s/salvo-exercise-fan-1.png", dir);
    ck_assert_int_gt(count_png(png, MARK, 0, 1), 200);
    ck_assert_int_gt(count_png(png, 0x0072B2u, 0, 1), 200);
    /* Replayed in the terminal: the same scores. */
    snprintf(cmd, sizeof cmd, "%s exercise %s --replay %s/ada.json --runs %d --futures 10 --tornado 0 2>&1", bin, exf, dir,
             RUNS);
    ck_assert_int_eq(sh_out(cmd, out2, sizeof out2), 0);
    ck_assert_str_eq(scored(out2), s1);
    /* Replayed in the window (the form filled, the choices scripted). */
    snprintf(cmd, sizeof cmd, "cd %s && %s " WINDOW_ENV "%s view %s --replay ada.json --runs %d --frames 300 "
             "--keys 'return,return,end,return' 2>/dev/null", dir, disp, bin, exf, RUNS);
    ck_assert_int_eq(sh_out(cmd, out3, sizeof out3), 0);
    ck_assert_str_eq(scored(out3), s1);
    ck_assert_ptr_nonnull(strstr(out3, ": Ada, seed 1"));
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    ck_assert_int_eq(system(cmd), 0);
}
END_TEST
#endif

Suite *suite_view_exercise(void)
{
    Suite *s = suite_create("view_exercise");
#ifdef SALVO_HAVE_VIEW
    TCASE(s, "screens", 60, FIXTURE(ex_setup, ex_teardown), briefing_has_its_rows_and_scrolls,
          decision_shows_the_chosen_option, debrief_marker_where_the_data_put_it,
          fan_needs_its_futures_and_marks_the_choice, form_rejects_bad_input, view_scores_equal_the_terminals,
          view_what_mattered_equals_the_terminals);
    TCASE(s, "cli", 60, SCRATCH, cli_screens_and_errors, cli_scripted_student_replayed);
    TCASE(s, "window", 120, NO_FIXTURE, window_loop_scripted_end_to_end);
#endif
    return s;
}
