/* debrief.c — `salvo debrief CLASSDIR`: the class debrief from every
 * playthrough (*.json with "type": "playthrough") in a folder.
 *
 * Each student's run is re-simulated from (seed, choices) — replication 0,
 * paused at each decision and answered in turn, exactly what `salvo
 * exercise` played — and set against --runs runs under the same decisions
 * (each decision the student took answered the same way whenever it comes
 * up). Written as a terminal
 * summary and, with --html, a self-contained page (inline SVG drawn by
 * report/chart.c, the report's charts; no JavaScript, nothing fetched),
 * written whole or not at all (sim/afile.c).
 */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cmd.h"
#include "outpath.h"
#include "exercise.h"
#include "fmt.h"
#include "opt.h"
#include "playthrough.h"
#include "afile.h"
#include "chart.h"
#include "sbuf.h"

enum { DEB_EXERCISE = 1, DEB_HTML, DEB_RUNS };
static const OptSpec debrief_opts[] = {
    { DEB_EXERCISE, "--exercise", "FILE", "the exercise (default: the one named in the first playthrough)" },
    { DEB_HTML, "--html", "OUT.html", "also write the class debrief as a self-contained HTML page" },
    { DEB_RUNS, "--runs", "N", "runs per student under the same decisions (default 500)" },
    { 0, NULL, NULL, NULL },
};
static const CmdSpec debrief_spec = {
    "debrief", "CLASSDIR [--exercise FILE] [--html OUT.html] [--runs N]",
    "The class debrief from every playthrough in CLASSDIR: choices at each decision,\n"
    "outcomes against the distribution under each student's decisions, calibration\n"
    "across the class, and the luckiest, unluckiest and most typical runs.",
    debrief_opts,
};

typedef struct Student {
    Playthrough pt;
    double *mine;       /* metrics of the student's run */
    double *pct;        /* per prediction: percentile of the outcome (intervals) */
    double luck;        /* mean percentile, turned so that higher is better for the main actor */
    int hits, nint;
    double brier; int nprob;
} Student;

static int by_name(const void *a, const void *b)
{
    return strcmp(((const Student *)a)->pt.name, ((const Student *)b)->pt.name);
}

/* The class's totals: calibration of intervals and probabilities, and the
 * runs worth discussing. */
typedef struct ClassSum {
    int hits, nint, nprob;
    double brier;
    double stated[5], seen[5];  /* calibration: five bins of stated p, their means */
    int nb[5];
    int who[3];                 /* luckiest, unluckiest, most typical */
} ClassSum;

/* The class debrief as a self-contained HTML page. 0, or 1 if it could
 * not be written (then no file is left under the name). */
static int write_html(const char *html, const Exercise *ex, const Student *st, int ns, int runs, const int *count,
                      const ClassSum *cs)
{
    const Scenario *sc = ex->scenario;
    const TraceHeader *h = scenario_trace_header(sc);
    Sbuf b = { 0 };
    char id[32], t[512];
    sbuf_puts(&b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Class debrief: ");
    sbuf_esc(&b, ex->title);
    sbuf_puts(&b, "</title><style>body{font-family:sans-serif;max-width:60em;margin:1em auto}td,th{padding:2px 8px;"
                  "text-align:right}td:first-child,th:first-child{text-align:left}svg{display:block;margin:0.5em 0}"
                  "</style></head><body>\n<h1>Class debrief: ");
    sbuf_esc(&b, ex->title);
    sbuf_printf(&b, "</h1>\n<p>%d playthroughs; %d runs per student under the same decisions.</p>\n<h2>Choices</h2>\n",
                ns, runs);
    for (int dd = 0; count && dd < h->ndecisions; dd++) {
        const char *lab[8];
        double v[8];
        int no = h->decisions[dd].noptions < 8 ? h->decisions[dd].noptions : 8;
        for (int o = 0; o < no; o++) {
            lab[o] = exercise_option_id(ex, dd, o);
            v[o] = count[dd * 8 + o];
        }
        snprintf(id, sizeof id, "choices-%d", dd + 1);
        snprintf(t, sizeof t, "%s: how many students chose each option", h->decisions[dd].id);
        chart_bars(&b, &(ChartRows){ id, t, "students", lab, v, no, 0, NAN, NULL });
    }
    sbuf_puts(&b, "<h2>Outcomes against the distribution</h2>\n");
    const char **lab = calloc((size_t)ns + 1, sizeof *lab);
    double *v = calloc((size_t)ns + 1, sizeof *v);
    for (int i = 0; lab && v && i < ex->npredictions; i++) {
        if (ex->predictions[i].kind != PRED_INTERVAL) continue;
        for (int s = 0; s < ns; s++) {
            lab[s] = st[s].pt.name;
            v[s] = st[s].pct[i];
        }
        snprintf(id, sizeof id, "outcome-%d", i + 1);
        snprintf(t, sizeof t, "%s: each student's percentile", scenario_metric(sc, ex->predictions[i].metric)->label);
        chart_dots(&b, &(ChartRows){ id, t, "percentile among the runs under the student's decisions", lab, v, ns, 0, 100,
                                     NULL });
    }
    free(lab);
    free(v);
    sbuf_puts(&b, "<h2>Calibration</h2>\n");
    if (cs->nint)
        sbuf_printf(&b, "<p>%d of %d 80%% intervals held (%.0f%%).</p>\n", cs->hits, cs->nint,
                    100.0 * cs->hits / cs->nint);
    if (cs->nprob) {
        sbuf_printf(&b, "<p>Mean Brier score %.3f over %d probabilities.</p>\n", cs->brier / cs->nprob, cs->nprob);
        chart_calibration(&b, &(ChartCalibration){ "calibration", "Stated probability and what happened",
                                                   cs->stated, cs->seen, cs->nb, 5 });
        sbuf_puts(&b, "<p>Points on the dashed diagonal are calibrated.</p>\n");
    }
    sbuf_puts(&b, "<h2>Runs worth discussing</h2>\n<table><tr><th></th><th>student</th><th>mean percentile</th></tr>\n");
    const char *what[3] = { "luckiest", "unluckiest", "most typical" };
    for (int k = 0; k < 3; k++) {
        sbuf_printf(&b, "<tr><td>%s</td><td>", what[k]);
        sbuf_esc(&b, st[cs->who[k]].pt.name);
        sbuf_printf(&b, "</td><td>%.1f</td></tr>\n", st[cs->who[k]].luck);
    }
    sbuf_puts(&b, "</table>\n</body></html>\n");
    int rc = 1;
    Diag d;
    diag_init(&d, html);
    AFile f;
    if (sbuf_failed(&b)) fprintf(stderr, "salvo debrief: out of memory writing %s\n", html);
    else if (afile_open(&f, html, &d) == 0) {
        fputs(b.s, f.fp);
        if (afile_commit(&f, &d) == 0) {
            printf("\nHTML: %s\n", html);
            rc = 0;
        }
    }
    if (rc && d.count) diag_print(&d, stderr);
    diag_fini(&d);
    sbuf_fini(&b);
    return rc;
}

/* `salvo debrief`'s options. */
typedef struct DebriefArgs {
    const char *dir, *exfile, *html;
    int runs;
} DebriefArgs;

/* Parse the options: 0 go, 1 --help (printed), -1 bad (message printed). */
static int debrief_parse(int argc, char **argv, DebriefArgs *a)
{
    OptParser p;
    int c;
    long long n;
    opt_init(&p, &debrief_spec, argc, argv);
    while ((c = opt_next(&p)) != OPT_END) {
        switch (c) {
        case OPT_HELP: opt_usage(&debrief_spec, stdout); return 1;
        case OPT_ERROR: return -1;
        case OPT_OPERAND:
            if (a->dir) { fprintf(stderr, "salvo debrief: one class folder at a time\n"); return -1; }
            a->dir = p.val;
            break;
        case DEB_EXERCISE: a->exfile = p.val; break;
        case DEB_HTML: a->html = p.val; break;
        case DEB_RUNS: if ((n = args_count_range("--runs", p.val, 1, 1000000)) < 0) return -1; a->runs = (int)n; break;
        }
    }
    if (!a->dir) { opt_usage_short(&debrief_spec, stderr); return -1; }
    const char *ins[] = { a->dir, a->exfile };
    OutPath outs[] = { { "--html", a->html } };
    if (outpath_check_all(ins, a->exfile ? 2 : 1, outs, 1) < 0) return -1;
    return 0;
}

/* The *.json names in dir (not hidden), sorted so that the report does not
 * depend on the directory's order. -1 if dir cannot be opened (printed). */
static int debrief_list(const char *dir, char ***names_out, int *n_out)
{
    DIR *dp = opendir(dir);
    if (!dp) { fprintf(stderr, "salvo debrief: cannot open folder %s\n", dir); return -1; }
    char **names = NULL;
    int nnames = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(dp)) != NULL) {
        size_t len = strlen(e->d_name);
        if (len < 6 || strcmp(e->d_name + len - 5, ".json") != 0 || e->d_name[0] == '.') continue;
        if (nnames == cap) {
            cap = cap ? 2 * cap : 32;
            char **nn = realloc(names, (size_t)cap * sizeof *names);
            if (!nn) break;
            names = nn;
        }
        names[nnames++] = strdup(e->d_name);
    }
    closedir(dp);
    for (int i = 1; i < nnames; i++)
        for (int j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) { char *t = names[j]; names[j] = names[j - 1]; names[j - 1] = t; }
    *names_out = names;
    *n_out = nnames;
    return 0;
}

/* The exercise (--exercise, or the one the first playthrough names) and
 * every playthrough in the folder, into st[0..*ns). NULL on error (printed);
 * a stray file refuses the class. */
static Exercise *debrief_load(const DebriefArgs *a, char **names, int nnames, Student *st, int *ns)
{
    char path[2048];
    const char *exfile = a->exfile;
    if (!exfile) {
        snprintf(path, sizeof path, "%s/%s", a->dir, names[0]);
        if (playthrough_read(path, NULL, &st[0].pt, "debrief", stderr) != 0) return NULL;
        exfile = st[0].pt.exercise;
    }
    Diag d;
    diag_init(&d, exfile);
    Exercise *ex = exercise_load(exfile, &d);
    if (!ex) { diag_print(&d, stderr); diag_fini(&d); return NULL; }
    diag_fini(&d);
    for (int i = 0; i < nnames; i++) {
        snprintf(path, sizeof path, "%s/%s", a->dir, names[i]);
        if (playthrough_read(path, ex, &st[*ns].pt, "debrief", stderr) != 0) return ex;  /* refuse a class with a stray file */
        (*ns)++;
    }
    return ex;
}

/* Scratch for replaying the students: the runs under one student's
 * decisions (runs x metrics), one metric's column, the scores, and which
 * option the student took at each decision. */
typedef struct Replay {
    Sim *sim;
    double *all, *col;
    ExScore *score;
    int *by_decision;
} Replay;

/* Student S's run, replayed as it was played: paused at each decision and
 * answered, which says which decision each choice was (counted in count);
 * then its percentiles among runs runs under the same decisions, its luck
 * and its scores. -1 on error (printed when it is the playthrough's). */
static int debrief_student(const Exercise *ex, Student *S, int runs, Replay *rp, int *count)
{
    const Scenario *sc = ex->scenario;
    const TraceHeader *h = scenario_trace_header(sc);
    int nm = scenario_metric_count(sc), np = ex->npredictions;
    S->mine = calloc((size_t)nm, sizeof *S->mine);
    S->pct = calloc((size_t)np + 1, sizeof *S->pct);
    if (!S->mine || !S->pct) return -1;
    for (int d = 0; d < h->ndecisions; d++) rp->by_decision[d] = -1;
    sim_set_interactive(rp->sim, 1);
    sim_reset(rp->sim, S->pt.seed, 0);
    int k = 0;
    while (sim_run(rp->sim, INFINITY) == SIM_DECISION) {
        int dd = sim_pending(rp->sim)->decision, o = k < S->pt.nchoices ? S->pt.choices[k] : -1;
        if (o < 0 || o >= sim_pending(rp->sim)->noptions) {
            fprintf(stderr, "salvo debrief: %s: no valid choice for decision %d (%s)\n", S->pt.path, k + 1, h->decisions[dd].id);
            return -1;
        }
        if (o < 8) count[dd * 8 + o]++;
        rp->by_decision[dd] = o;
        sim_answer(rp->sim, o);
        k++;
    }
    sim_metrics(rp->sim, S->mine);
    exercise_outcomes(sc, S->pt.seed, rp->by_decision, runs, rp->all);
    double luck = 0;
    int nl = 0;
    for (int i = 0; i < np; i++) {
        const ExPrediction *pr = &ex->predictions[i];
        double out = exercise_outcome(ex, i, S->mine);
        if (pr->kind == PRED_INTERVAL) {
            for (int r = 0; r < runs; r++) rp->col[r] = rp->all[(size_t)r * (size_t)nm + (size_t)pr->metric];
            S->pct[i] = exercise_percentile(rp->col, runs, out);
            int better = scenario_metric(sc, pr->metric)->better;
            luck += better < 0 ? 100 - S->pct[i] : S->pct[i];
            nl++;
        }
    }
    /* Scored as the student's own debrief scores them (the one scorer). */
    ExScoreSum sum;
    exercise_score(ex, S->pt.guess, S->mine, rp->all, runs, rp->score, &sum);
    S->hits = sum.hits;
    S->nint = sum.nint;
    S->brier = sum.brier * sum.nprob;
    S->nprob = sum.nprob;
    S->luck = nl ? luck / nl : 50;
    return 0;
}

/* Every student replayed (debrief_student) with one simulator; count
 * gathers the choices. -1 on error. */
static int debrief_replay(const Exercise *ex, Student *st, int ns, int runs, int *count)
{
    const Scenario *sc = ex->scenario;
    int nm = scenario_metric_count(sc), nd = scenario_trace_header(sc)->ndecisions;
    Replay rp = { 0 };
    rp.all = malloc((size_t)runs * (size_t)nm * sizeof *rp.all);
    rp.col = malloc((size_t)runs * sizeof *rp.col);
    rp.score = malloc(((size_t)ex->npredictions + 1) * sizeof *rp.score);
    rp.by_decision = malloc(((size_t)nd + 1) * sizeof *rp.by_decision);
    int rc = -1;
    if (rp.all && rp.col && rp.score && rp.by_decision && (rp.sim = sim_create(sc))) {
        rc = 0;
        for (int s = 0; s < ns && rc == 0; s++) rc = debrief_student(ex, &st[s], runs, &rp, count);
    }
    sim_destroy(rp.sim);
    free(rp.all);
    free(rp.col);
    free(rp.score);
    free(rp.by_decision);
    return rc;
}

/* The terminal's choices and outcomes: how many chose each option, and
 * each student's percentiles, hits and Brier score (summed into cs). */
static void debrief_print_class(const DebriefArgs *a, const Exercise *ex, const Student *st, int ns, const int *count,
                                ClassSum *cs)
{
    const TraceHeader *h = scenario_trace_header(ex->scenario);
    int np = ex->npredictions;
    printf("Class debrief: %s (%d playthroughs in %s; %d runs per student under the same decisions)\n\n", ex->title, ns, a->dir, a->runs);
    puts("Choices at each decision (how many students chose each option; a decision a run never met counts none):");
    for (int dd = 0; count && dd < h->ndecisions; dd++) {
        printf("  %s:", h->decisions[dd].id);
        for (int o = 0; o < h->decisions[dd].noptions && o < 8; o++)
            printf(" %s %d%s", exercise_option_id(ex, dd, o), count[dd * 8 + o], o + 1 < h->decisions[dd].noptions ? "," : "");
        puts("");
    }
    puts("\nOutcomes against the distribution under each student's own decisions (percentile):");
    printf("  %-16s", "student");
    for (int i = 0; i < np; i++) if (ex->predictions[i].kind == PRED_INTERVAL) printf(" %12s", ex->predictions[i].id);
    puts("   hits  Brier");
    for (int s = 0; s < ns; s++) {
        printf("  %-16.16s", st[s].pt.name);
        for (int i = 0; i < np; i++) if (ex->predictions[i].kind == PRED_INTERVAL) printf(" %12.1f", st[s].pct[i]);
        printf("   %d/%d", st[s].hits, st[s].nint);
        if (st[s].nprob) printf("  %.3f", st[s].brier / st[s].nprob);
        puts("");
        cs->nint += st[s].nint; cs->hits += st[s].hits; cs->nprob += st[s].nprob; cs->brier += st[s].brier;
    }
}

/* Calibration across the class (five bins of stated p), printed and kept
 * in cs. */
static void debrief_calibration(const Exercise *ex, const Student *st, int ns, ClassSum *cs)
{
    for (int s = 0; s < ns; s++)
        for (int i = 0; i < ex->npredictions; i++)
            if (ex->predictions[i].kind == PRED_PROBABILITY) {
                int b = (int)(st[s].pt.guess[i].p * 5);
                if (b > 4) b = 4;
                cs->stated[b] += st[s].pt.guess[i].p;
                cs->seen[b] += exercise_outcome(ex, i, st[s].mine);
                cs->nb[b]++;
            }
    puts("\nCalibration across the class:");
    if (cs->nint) printf("  %d of %d 80%% intervals held (%.0f%%; a calibrated class holds about 80%%).\n", cs->hits, cs->nint, 100.0 * cs->hits / cs->nint);
    if (cs->nprob) printf("  Mean Brier score %.3f over %d probabilities (0 is perfect; always 50%% scores 0.25).\n", cs->brier / cs->nprob, cs->nprob);
    for (int b = 0; b < 5; b++)
        if (cs->nb[b]) {
            cs->stated[b] /= cs->nb[b];
            cs->seen[b] /= cs->nb[b];
            printf("  stated %3.0f%% on average: happened %3.0f%% of %d times\n", 100 * cs->stated[b], 100 * cs->seen[b], cs->nb[b]);
        }
}

/* The luckiest, unluckiest and most typical runs, printed and kept in cs. */
static void debrief_worth_discussing(const Student *st, int ns, ClassSum *cs)
{
    int lucky = 0, unlucky = 0, typical = 0;
    for (int s = 1; s < ns; s++) {
        if (st[s].luck > st[lucky].luck) lucky = s;
        if (st[s].luck < st[unlucky].luck) unlucky = s;
        if (fabs(st[s].luck - 50) < fabs(st[typical].luck - 50)) typical = s;
    }
    puts("\nRuns worth discussing (mean percentile of the interval metrics, turned so higher is better for the main actor):");
    printf("  luckiest:     %s (%.1f), %s\n", st[lucky].pt.name, st[lucky].luck, st[lucky].pt.path);
    printf("  unluckiest:   %s (%.1f), %s\n", st[unlucky].pt.name, st[unlucky].luck, st[unlucky].pt.path);
    printf("  most typical: %s (%.1f), %s\n", st[typical].pt.name, st[typical].luck, st[typical].pt.path);
    cs->who[0] = lucky;
    cs->who[1] = unlucky;
    cs->who[2] = typical;
}

int cmd_debrief(int argc, char **argv)
{
    DebriefArgs a = { .runs = 500 };
    int pr = debrief_parse(argc, argv, &a);
    if (pr != 0) return pr > 0 ? 0 : 2;
    char **names = NULL;
    int nnames = 0;
    if (debrief_list(a.dir, &names, &nnames) < 0) return 2;
    int rc = 2, ns = 0, *count = NULL;
    Exercise *ex = NULL;
    Student *st = calloc((size_t)nnames + 1, sizeof *st);
    if (!st) goto out;
    if (nnames == 0) { fprintf(stderr, "salvo debrief: no playthrough (*.json) in %s\n", a.dir); goto out; }
    ex = debrief_load(&a, names, nnames, st, &ns);
    if (!ex || ns < nnames) goto out;
    /* Per decision and option, how many students chose it. */
    count = calloc((size_t)scenario_trace_header(ex->scenario)->ndecisions * 8 + 1, sizeof *count);
    if (!count || debrief_replay(ex, st, ns, a.runs, count) < 0) goto out;
    qsort(st, (size_t)ns, sizeof *st, by_name);
    ClassSum cs = { 0 };
    debrief_print_class(&a, ex, st, ns, count, &cs);
    debrief_calibration(ex, st, ns, &cs);
    debrief_worth_discussing(st, ns, &cs);
    rc = 0;
    if (a.html) rc = write_html(a.html, ex, st, ns, a.runs, count, &cs);
out:
    free(count);
    for (int s = 0; st && s < ns; s++) { free(st[s].mine); free(st[s].pct); }
    free(st);
    for (int i = 0; i < nnames; i++) free(names[i]);
    free(names);
    exercise_destroy(ex);
    return rc;
}
