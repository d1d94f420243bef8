/* exercise.c — `salvo exercise FILE`: a teaching exercise in a terminal.
 *
 * Plain text only (no cursor movement, no colour), so it works over SSH and
 * with screen readers. Answers come from stdin, or from --answers FILE (one
 * answer a line; blank lines and lines starting with '#' are skipped), or
 * from a saved playthrough (--replay). The loop: briefing, predictions,
 * play (the run pauses at each decision; before the answer is taken the
 * fan of futures is run from that exact state), debrief, and the
 * playthrough saved as one JSON file that replays exactly.
 *
 * The playthrough file extends the view's (render/session.c: "type":
 * "playthrough", "scenario", "sha256", "seed", "sets", "choices") with
 * "exercise", "exercise_id", "name" and "predictions".
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cal.h"
#include "cmd.h"
#include "outpath.h"
#include "exercise.h"
#include "fan.h"
#include "fmt.h"
#include "json.h"
#include "opt.h"
#include "playthrough.h"
#include "salvo.h"

enum { X_NAME = 1, X_SEED, X_ANSWERS, X_REPLAY, X_SAVE, X_FUTURES, X_RUNS, X_THREADS, X_TORNADO };
static const OptSpec exercise_opts[] = {
    { X_NAME, "--name", "NAME", "the student's name, saved in the playthrough (default: student)" },
    { X_SEED, "--seed", "S", "base seed of the student's run (default 1)" },
    { X_ANSWERS, "--answers", "FILE", "read the answers from FILE instead of stdin (scripted use)" },
    { X_REPLAY, "--replay", "PLAY.json", "replay a saved playthrough: same run, same debrief" },
    { X_SAVE, "--save", "OUT.json", "where to save the playthrough (default: EXERCISE-NAME-SEED.play.json)" },
    { X_FUTURES, "--futures", "N", "futures per option in the fan at each decision (default 1000)" },
    { X_RUNS, "--runs", "N", "runs of the distribution under the same decisions (default 1000)" },
    { X_THREADS, "--threads", "N", "threads for the fans (default 2); results do not depend on it" },
    { X_TORNADO, "--tornado", "N", "runs per side for 'what mattered', each ranged assumption low vs high (default 50; 0: skip)" },
    { 0, NULL, NULL, NULL },
};
static const CmdSpec exercise_spec = {
    "exercise", "FILE [--name NAME] [--seed S] [--answers FILE | --replay PLAY.json] [--save OUT.json]",
    "A teaching exercise (docs/exercises.md) in the terminal: briefing, predictions,\n"
    "play (pausing at each decision), and a debrief against the distribution under\n"
    "the same decisions, with the fan of futures from each decision. Plain text.",
    exercise_opts,
};

#define MAX_DEC 64

typedef struct Play {
    const Exercise *ex;
    const Scenario *sc;
    FILE *in;
    int scripted;               /* answers from a file or replay: a bad one is an error, not asked again */
    const char *name;
    unsigned long long seed;
    ExGuess *pred;
    int choices[MAX_DEC], nchoices;
    int *by_decision;           /* option per scenario decision, -1 if the student never met it */
    int fan_dec[MAX_DEC];       /* per pause: scenario decision */
    double fan_t[MAX_DEC];
    double *fan[MAX_DEC];       /* noptions * futures * nmetrics */
    int nfans, futures, runs, threads, tornado;
    const int *replay_choices;
    int nreplay;
} Play;

/* Next non-blank, non-comment line into buf; 0 at EOF. */
static int next_line(Play *P, char *buf, size_t n)
{
    while (fgets(buf, (int)n, P->in)) {
        size_t len = strlen(buf);
        while (len && (buf[len - 1] == '\n' || buf[len - 1] == '\r' || buf[len - 1] == ' ')) buf[--len] = '\0';
        char *s = buf;
        while (*s == ' ' || *s == '\t') s++;
        if (*s == '\0' || *s == '#') continue;
        memmove(buf, s, strlen(s) + 1);
        return 1;
    }
    return 0;
}

static void wrap_at(int col, const char *indent, const char *text) { fmt_wrap(stdout, col, indent, text); }

static void wrap(const char *indent, const char *text)
{
    fputs(indent, stdout);
    wrap_at((int)strlen(indent), indent, text);
}

static void value_text(char *buf, size_t n, const Scenario *sc, int m, double x)
{
    fmt_metric(buf, n, scenario_metric(sc, m), scenario_start(sc), x);
}

static void briefing(const Play *P)
{
    const Exercise *ex = P->ex;
    printf("== %s ==\n", ex->title);
    printf("Level: %s. Expected duration: %d minutes. Scenario: %s.\n\n", exercise_level_name(ex->level), ex->minutes,
           scenario_title(P->sc));
    puts("Learning objectives:");
    for (int i = 0; i < ex->nobjectives; i++) wrap_at(printf("  %d. ", i + 1), "     ", ex->objectives[i]);
    puts("\nSituation:");
    wrap("  ", ex->situation);
    puts("\nYour role:");
    wrap("  ", ex->role);
    puts("\nWhat is known at the start, and from where:");
    for (int i = 0; i < ex->nknown; i++) {
        wrap_at(printf("  - [%s] ", ex->known[i].as_of), "    ", ex->known[i].text);
        printf("    Source: %s\n", ex->known[i].source);
    }
    puts("");
}

/* The predictions form: one line per prediction. */
static int ask_predictions(Play *P)
{
    const Exercise *ex = P->ex;
    puts("== Your predictions (committed before you play) ==");
    for (int i = 0; i < ex->npredictions; i++) {
        const ExPrediction *pr = &ex->predictions[i];
        ExGuess *q = &P->pred[i];
        printf("\n%d. %s\n", i + 1, pr->question);
        for (;;) {
            if (pr->kind == PRED_INTERVAL)
                printf("   Best guess, then an 80%% interval, in %s on %s: BEST LOW HIGH\n   > ", pr->unit, pr->by);
            else
                printf("   Probability from 0 to 1 (or a percentage such as 70%%)\n   > ");
            fflush(stdout);
            char line[512];
            if (!next_line(P, line, sizeof line)) {
                fprintf(stderr, "\nsalvo exercise: no answer for prediction '%s' (end of input)\n", pr->id);
                return -1;
            }
            if (P->scripted) printf("%s\n", line);
            const char *why = NULL;
            if (pr->kind == PRED_INTERVAL) {
                char a[64], b[64], c[64], extra[2];
                if (sscanf(line, "%63s %63s %63s %1s", a, b, c, extra) != 3 || exercise_parse_number(a, 0, &q->best)
                    || exercise_parse_number(b, 0, &q->lo) || exercise_parse_number(c, 0, &q->hi))
                    why = "expected three numbers: BEST LOW HIGH";
            } else if (exercise_parse_number(line, 1, &q->p)) {
                why = "expected a probability such as 0.7 or 70%";
            }
            if (!why) why = exercise_check_guess(pr, q);
            if (!why) break;
            if (P->scripted) {
                fprintf(stderr, "salvo exercise: prediction '%s': %s, got '%s'\n", pr->id, why, line);
                return -1;
            }
            printf("   (%s; try again)\n", why);
        }
    }
    puts("");
    return 0;
}

/* One decision: what is known, the options, the answer. Returns the option or -1. */
static int ask_decision(Play *P, Sim *sim)
{
    const SimDecision *sd = sim_pending(sim);
    const Scenario *sc = P->sc;
    const ExDecision *xd = exercise_decision(P->ex, sd->decision);
    char date[11];
    int64_t today = scenario_start(sc) + (int64_t)floor(sd->t);
    cal_format(today, date);
    printf("== Decision on %s: %s ==\n", date, sd->name ? sd->name : sd->id);
    if (xd) wrap("  ", xd->prompt);
    int nm = scenario_metric_count(sc);
    double *now = calloc((size_t)nm, sizeof *now);
    if (!now) return -1;
    sim_metrics(sim, now);
    if (xd && xd->nshow) {
        printf("  So far (%s):\n", date);
        for (int i = 0; i < xd->nshow; i++) {
            char v[64];
            value_text(v, sizeof v, sc, xd->show[i], now[xd->show[i]]);
            printf("    %s: %s\n", scenario_metric(sc, xd->show[i])->label, v);
        }
    }
    free(now);
    int shown = 0;
    for (int i = 0; xd && i < xd->nknown; i++)
        if (xd->known[i].as_of_day <= today) {
            if (!shown++) puts("  Known now:");
            wrap_at(printf("    - [%s] ", xd->known[i].as_of), "      ", xd->known[i].text);
            printf("      Source: %s\n", xd->known[i].source);
        }
    for (int o = 0; o < sd->noptions; o++)
        printf("  %d) %s: %s\n", o + 1, exercise_option_id(P->ex, sd->decision, o), sd->options[o]);
    if (P->replay_choices) {
        int k = P->nchoices;
        if (k >= P->nreplay || P->replay_choices[k] < 0 || P->replay_choices[k] >= sd->noptions) {
            fprintf(stderr, "salvo exercise: the playthrough has no valid choice for decision %d (%s)\n", k + 1, sd->id);
            return -1;
        }
        printf("  > %d (replayed)\n", P->replay_choices[k] + 1);
        return P->replay_choices[k];
    }
    for (;;) {
        printf("  Your choice (1-%d, or the option's id)\n  > ", sd->noptions);
        fflush(stdout);
        char line[256];
        if (!next_line(P, line, sizeof line)) {
            fprintf(stderr, "\nsalvo exercise: no answer for decision '%s' (end of input)\n", sd->id);
            return -1;
        }
        if (P->scripted) printf("%s\n", line);
        char *end;
        long k = strtol(line, &end, 10);
        if (*end == '\0' && k >= 1 && k <= sd->noptions) return (int)k - 1;
        for (int o = 0; o < sd->noptions; o++)
            if (!strcmp(line, exercise_option_id(P->ex, sd->decision, o))) return o;
        if (P->scripted) {
            fprintf(stderr, "salvo exercise: decision '%s': '%s' is not one of its %d options\n", sd->id, line, sd->noptions);
            return -1;
        }
        printf("  ('%s' is not an option; try again)\n", line);
    }
}

/* Play the student's run (replication 0 of the seed), fanning out at each
 * pause before the answer. The student's final metrics go to `mine`. */
static int play(Play *P, double *mine)
{
    Sim *sim = sim_create(P->sc);
    if (!sim) return -1;
    int nm = scenario_metric_count(P->sc), rc = 0;
    sim_set_interactive(sim, 1);
    sim_reset(sim, P->seed, 0);
    puts("== Play ==");
    for (;;) {
        SimStatus st = sim_run(sim, INFINITY);
        if (st != SIM_DECISION) {
            if (st == SIM_HALTED) printf("The run was halted: %s\n", sim_halted(sim));
            break;
        }
        if (P->nchoices >= MAX_DEC) { rc = -1; break; }
        const SimDecision *sd = sim_pending(sim);
        int k = P->nfans;
        P->fan_dec[k] = sd->decision;
        P->fan_t[k] = sd->t;
        P->fan[k] = malloc((size_t)sd->noptions * (size_t)P->futures * (size_t)nm * sizeof(double));
        P->nfans++;     /* counted now, so the fan is freed whatever happens */
        char err[160];
        /* The fan first, from the exact state the student sees; fork id =
         * the pause's ordinal, so a replay fans out identically. */
        if (!P->fan[k] || fan_run(sim, (uint64_t)k, P->futures, P->threads, P->fan[k], err) != 0) {
            fprintf(stderr, "salvo exercise: %s\n", P->fan[k] ? err : "out of memory");
            rc = -1;
            break;
        }
        int o = ask_decision(P, sim);
        if (o < 0) { rc = -1; break; }
        P->choices[P->nchoices++] = o;
        P->by_decision[sd->decision] = o;
        sim_answer(sim, o);
        puts("");
    }
    sim_metrics(sim, mine);
    sim_destroy(sim);
    return rc;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* q-quantile of a sorted sample (nearest rank). */
static double quantile(const double *s, int n, double q)
{
    int i = (int)ceil(q * n) - 1;
    return s[i < 0 ? 0 : i >= n ? n - 1 : i];
}

/* A text histogram of 10 bins with the student's marker (binned by
 * exercise_histogram, as the view's chart is). */
static void histogram(const Scenario *sc, int m, const double *sample, int n, double x)
{
    int bins[10];
    double lo, hi;
    int mark = exercise_histogram(sample, n, x, 10, bins, &lo, &hi);
    if (mark < 0) {
        char v[64];
        value_text(v, sizeof v, sc, m, lo);
        printf("    every run: %s\n", v);
        return;
    }
    int top = 1;
    for (int b = 0; b < 10; b++) if (bins[b] > top) top = bins[b];
    for (int b = 0; b < 10; b++) {
        char a[64], c[64];
        value_text(a, sizeof a, sc, m, lo + (hi - lo) * b / 10);
        value_text(c, sizeof c, sc, m, lo + (hi - lo) * (b + 1) / 10);
        int len = (int)lround(40.0 * bins[b] / top);
        printf("    %14s to %-14s |", a, c);
        for (int i = 0; i < len; i++) putchar('#');
        printf(" %d%s\n", bins[b], b == mark ? "   <-- your run" : "");
    }
}

/* "What mattered": the tornado under the student's decisions
 * (exercise_what_mattered), P->tornado runs a side; the three largest
 * effects on each interval metric in words (exercise_mattered_text, as
 * the view words them). */
static void what_mattered(const Play *P)
{
    const Exercise *ex = P->ex;
    ExMattered *rows;
    int n;
    if (P->tornado <= 0 || scenario_assumption_count(P->sc) == 0) return;
    if (exercise_what_mattered(ex, P->seed, P->by_decision, P->tornado, &rows, &n) != 0) {
        fputs("salvo exercise: out of memory for what mattered\n", stderr);
        return;
    }
    printf("\n== What mattered: the assumptions that move each outcome most under your decisions ==\n"
           "  (each ranged assumption from the low to the high end of its range, %d runs a side)\n", P->tornado);
    for (int i = 0; i < n; i++) {
        if (rows[i].rank == 0) printf("  %s:\n", scenario_metric(P->sc, ex->predictions[rows[i].prediction].metric)->label);
        if (rows[i].rank >= 3) continue;
        char line[1024];
        exercise_mattered_text(line, sizeof line, ex, &rows[i], fmt_amount);
        printf("    %d. %s\n", rows[i].rank + 1, line);
    }
    free(rows);
}

static void debrief(Play *P, const double *mine)
{
    const Exercise *ex = P->ex;
    const Scenario *sc = P->sc;
    int nm = scenario_metric_count(sc), n = P->runs;
    double *all = malloc((size_t)n * (size_t)nm * sizeof *all), *col = malloc((size_t)(n > P->futures ? n : P->futures) * sizeof *col);
    if (!all || !col || exercise_outcomes(sc, P->seed, P->by_decision, n, all) != 0) {
        fprintf(stderr, "salvo exercise: out of memory for the debrief\n");
        free(all); free(col);
        return;
    }
    puts("== Debrief ==");
    printf("Your run against %d runs under the same decisions (seed %llu, replications 1-%d; each decision you took answered as you did whenever it came up):\n", n, P->seed, n);
    int seen[256] = { 0 };
    for (int i = 0; i < ex->npredictions; i++) {
        int m = ex->predictions[i].metric;
        if (m < 256 && seen[m]++) continue;
        for (int r = 0; r < n; r++) col[r] = all[(size_t)r * (size_t)nm + (size_t)m];
        double pct = exercise_percentile(col, n, mine[m]);
        qsort(col, (size_t)n, sizeof *col, cmp_double);
        char v[64], a[64], b[64];
        value_text(v, sizeof v, sc, m, mine[m]);
        value_text(a, sizeof a, sc, m, quantile(col, n, 0.1));
        value_text(b, sizeof b, sc, m, quantile(col, n, 0.9));
        printf("\n  %s: your run %s, percentile %.1f (80%% of runs from %s to %s)\n",
               scenario_metric(sc, m)->label, v, pct, a, b);
        histogram(sc, m, col, n, mine[m]);
    }
    ExScore *score = malloc(((size_t)ex->npredictions + 1) * sizeof *score);
    ExScoreSum sum;
    if (score) {
        exercise_score(ex, P->pred, mine, all, n, score, &sum);
        playthrough_print_scores(stdout, ex, P->pred, score, &sum);
    }
    free(score);
    puts("\n== The fan at each decision: what each choice led to from where you stood ==");
    for (int k = 0; k < P->nfans; k++) {
        const TraceDecisionDef *dd = &scenario_trace_header(sc)->decisions[P->fan_dec[k]];
        char date[11];
        cal_format_t(scenario_start(sc), P->fan_t[k], date);
        printf("\n  %s on %s (you chose '%s'); %d futures per option, forked from your run:\n", dd->id, date,
               exercise_option_id(ex, P->fan_dec[k], P->choices[k]), P->futures);
        for (int i = 0; i < ex->npredictions; i++) {
            const ExPrediction *pr = &ex->predictions[i];
            printf("    %s:\n", scenario_metric(sc, pr->metric)->label);
            double best = -INFINITY, worst = INFINITY, spread = 0;
            for (int o = 0; o < dd->noptions; o++) {
                const double *f = P->fan[k] + (size_t)o * (size_t)P->futures * (size_t)nm;
                double sum = 0;
                for (int j = 0; j < P->futures; j++) {
                    col[j] = pr->kind == PRED_INTERVAL ? f[(size_t)j * (size_t)nm + (size_t)pr->metric]
                                                       : exercise_outcome(ex, i, f + (size_t)j * (size_t)nm);
                    sum += col[j];
                }
                double mean = sum / P->futures;
                if (mean > best) best = mean;
                if (mean < worst) worst = mean;
                if (pr->kind == PRED_INTERVAL) {
                    qsort(col, (size_t)P->futures, sizeof *col, cmp_double);
                    char a[64], b[64], c[64];
                    value_text(a, sizeof a, sc, pr->metric, mean);
                    value_text(b, sizeof b, sc, pr->metric, quantile(col, P->futures, 0.1));
                    value_text(c, sizeof c, sc, pr->metric, quantile(col, P->futures, 0.9));
                    double w = quantile(col, P->futures, 0.9) - quantile(col, P->futures, 0.1);
                    if (w > spread) spread = w;
                    printf("      %-12s mean %s, 80%% from %s to %s%s\n", exercise_option_id(ex, P->fan_dec[k], o), a, b, c,
                           o == P->choices[k] ? "   <-- your choice" : "");
                } else {
                    printf("      %-12s %.0f%% of futures%s\n", exercise_option_id(ex, P->fan_dec[k], o), 100 * mean,
                           o == P->choices[k] ? "   <-- your choice" : "");
                }
            }
            if (pr->kind == PRED_INTERVAL && spread > 0) {
                /* What mattered here, decision or luck: the gap between the
                 * options' means against the widest 80% range of one option. */
                printf("      What mattered: the choice moved the mean by up to %.0f%% of the spread that luck alone gave (%s).\n",
                       100 * (best - worst) / spread, best - worst > spread ? "the decision outweighed chance"
                       : best - worst > 0.25 * spread ? "both the decision and chance counted" : "chance outweighed the decision");
            }
        }
    }
    what_mattered(P);
    puts("\n== Debrief questions ==");
    for (int i = 0; i < ex->ndebrief; i++) wrap_at(printf("  %d. ", i + 1), "     ", ex->debrief[i]);
    free(all);
    free(col);
}

/* The playthrough: the view's format (render/session.c) plus the exercise. */
static int save(const Play *P, const char *path)
{
    if (playthrough_write(path, P->ex, P->name, P->seed, P->choices, P->nchoices, P->pred, "exercise", stderr) != 0)
        return -1;
    printf("\nPlaythrough saved: %s (replay: salvo exercise %s --replay %s)\n", path, P->ex->path, path);
    return 0;
}

/* A playthrough for this exercise (playthrough.c refuses another scenario's). */
static int load_replay(Play *P, const char *path, Playthrough *pt)
{
    if (playthrough_read(path, P->ex, pt, "exercise", stderr) != 0) return -1;
    P->seed = pt->seed;
    P->name = pt->name;
    for (int i = 0; i < P->ex->npredictions; i++) P->pred[i] = pt->guess[i];
    P->replay_choices = pt->choices;
    P->nreplay = pt->nchoices;
    return 0;
}

int cmd_exercise(int argc, char **argv)
{
    OptParser p;
    const char *file = NULL, *answers = NULL, *replay = NULL, *out = NULL;
    Play P = { 0 };
    P.name = "student";
    P.seed = 1;
    P.futures = 1000;
    P.runs = 1000;
    P.threads = 2;
    P.tornado = 50;
    int c;
    long long n;
    opt_init(&p, &exercise_spec, argc, argv);
    while ((c = opt_next(&p)) != OPT_END) {
        switch (c) {
        case OPT_HELP: opt_usage(&exercise_spec, stdout); return 0;
        case OPT_ERROR: return 2;
        case OPT_OPERAND:
            if (file) { fprintf(stderr, "salvo exercise: one exercise at a time ('%s' and '%s')\n", file, p.val); return 2; }
            file = p.val;
            break;
        case X_NAME: P.name = p.val; break;
        case X_SEED: if (args_seed(p.val, &P.seed) != 0) return 2; break;
        case X_ANSWERS: answers = p.val; break;
        case X_REPLAY: replay = p.val; break;
        case X_SAVE: out = p.val; break;
        case X_FUTURES: if ((n = args_count_range("--futures", p.val, 1, 1000000)) < 0) return 2; P.futures = (int)n; break;
        case X_RUNS: if ((n = args_count_range("--runs", p.val, 1, 10000000)) < 0) return 2; P.runs = (int)n; break;
        case X_TORNADO: if ((n = args_count_range("--tornado", p.val, 0, 100000)) < 0) return 2; P.tornado = (int)n; break;
        case X_THREADS: if ((n = args_count_range("--threads", p.val, 1, 256)) < 0) return 2; P.threads = (int)n; break;
        }
    }
    if (!file) { opt_usage_short(&exercise_spec, stderr); return 2; }
    if (answers && replay) { fprintf(stderr, "salvo exercise: --answers and --replay exclude each other\n"); return 2; }
    {
        const char *ins[] = { file, answers ? answers : replay };
        OutPath outs[] = { { "--save", out } };
        if (outpath_check_all(ins, (answers || replay) ? 2 : 1, outs, 1) < 0) return 2;
    }
    Diag d;
    diag_init(&d, file);
    Exercise *ex = exercise_load(file, &d);
    if (!ex) {
        diag_print(&d, stderr);
        diag_fini(&d);
        return 2;
    }
    diag_fini(&d);
    P.ex = ex;
    P.sc = ex->scenario;
    P.in = stdin;
    int rc = 2;
    Playthrough pt;
    double *mine = calloc((size_t)scenario_metric_count(P.sc), sizeof *mine);
    P.pred = calloc((size_t)ex->npredictions + 1, sizeof *P.pred);
    int ndec = scenario_trace_header(P.sc)->ndecisions;
    P.by_decision = malloc(((size_t)ndec + 1) * sizeof *P.by_decision);
    if (!mine || !P.pred || !P.by_decision) goto out;
    for (int d = 0; d < ndec; d++) P.by_decision[d] = -1;
    if (replay) {
        if (load_replay(&P, replay, &pt) != 0) goto out;
        P.scripted = 1;
    } else if (answers) {
        P.in = fopen(answers, "r");
        if (!P.in) { fprintf(stderr, "salvo exercise: cannot read %s\n", answers); goto out; }
        P.scripted = 1;
    }
    printf("Student: %s. Seed: %llu. salvo %s.\n\n", P.name, P.seed, SALVO_VERSION);
    briefing(&P);
    if (replay) {
        puts("== Predictions (from the playthrough) ==");
        for (int i = 0; i < ex->npredictions; i++)
            if (ex->predictions[i].kind == PRED_INTERVAL)
                printf("  %s: best %.17g, 80%% interval %.17g to %.17g\n", ex->predictions[i].id, P.pred[i].best, P.pred[i].lo, P.pred[i].hi);
            else
                printf("  %s: p = %.17g\n", ex->predictions[i].id, P.pred[i].p);
        puts("");
    } else if (ask_predictions(&P) != 0) {
        goto out;
    }
    if (play(&P, mine) != 0) goto out;
    debrief(&P, mine);
    rc = 0;
    if (!replay) {
        char def[512];
        if (!out) {
            playthrough_default_name(ex, P.name, P.seed, def, sizeof def);
            out = def;
        }
        if (save(&P, out) != 0) rc = 1;
    }
out:
    if (P.in && P.in != stdin) fclose(P.in);
    for (int k = 0; k < P.nfans; k++) free(P.fan[k]);
    free(mine);
    free(P.pred);
    free(P.by_decision);
    exercise_destroy(ex);
    return rc;
}
