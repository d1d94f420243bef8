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

/* The class debrief as a self-contained HTML page. 0, or 1 if it could
 * not be written (then no file is left under the name). */
static int write_html(const char *html, const Exercise *ex, const Student *st, int ns, int runs, const int *count,
                      int hits, int nint, double brier, int nprob, const double *stated, const double *seen,
                      const int *nb, const int who[3])
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
    if (nint) sbuf_printf(&b, "<p>%d of %d 80%% intervals held (%.0f%%).</p>\n", hits, nint, 100.0 * hits / nint);
    if (nprob) {
        sbuf_printf(&b, "<p>Mean Brier score %.3f over %d probabilities.</p>\n", brier / nprob, nprob);
        chart_calibration(&b, &(ChartCalibration){ "calibration", "Stated probability and what happened",
                                                   stated, seen, nb, 5 });
        sbuf_puts(&b, "<p>Points on the dashed diagonal are calibrated.</p>\n");
    }
    sbuf_puts(&b, "<h2>Runs worth discussing</h2>\n<table><tr><th></th><th>student</th><th>mean percentile</th></tr>\n");
    const char *what[3] = { "luckiest", "unluckiest", "most typical" };
    for (int k = 0; k < 3; k++) {
        sbuf_printf(&b, "<tr><td>%s</td><td>", what[k]);
        sbuf_esc(&b, st[who[k]].pt.name);
        sbuf_printf(&b, "</td><td>%.1f</td></tr>\n", st[who[k]].luck);
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

int cmd_debrief(int argc, char **argv)
{
    OptParser p;
    const char *dir = NULL, *exfile = NULL, *html = NULL;
    int runs = 500, c;
    long long n;
    opt_init(&p, &debrief_spec, argc, argv);
    while ((c = opt_next(&p)) != OPT_END) {
        switch (c) {
        case OPT_HELP: opt_usage(&debrief_spec, stdout); return 0;
        case OPT_ERROR: return 2;
        case OPT_OPERAND:
            if (dir) { fprintf(stderr, "salvo debrief: one class folder at a time\n"); return 2; }
            dir = p.val;
            break;
        case DEB_EXERCISE: exfile = p.val; break;
        case DEB_HTML: html = p.val; break;
        case DEB_RUNS: if ((n = args_count("--runs", p.val, 1)) < 0 || n > 1000000) return 2; runs = (int)n; break;
        }
    }
    if (!dir) { opt_usage_short(&debrief_spec, stderr); return 2; }
    {
        const char *ins[] = { dir, exfile };
        OutPath outs[] = { { "--html", html } };
        if (outpath_check_all(ins, exfile ? 2 : 1, outs, 1) < 0) return 2;
    }
    DIR *dp = opendir(dir);
    if (!dp) { fprintf(stderr, "salvo debrief: cannot open folder %s\n", dir); return 2; }
    /* File names sorted, so the report does not depend on the directory's order. */
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
    int rc = 2;
    Exercise *ex = NULL;
    Student *st = calloc((size_t)nnames + 1, sizeof *st);
    int ns = 0;
    double *all = NULL, *col = NULL;
    ExScore *score = NULL;
    if (!st) goto out;
    if (nnames == 0) { fprintf(stderr, "salvo debrief: no playthrough (*.json) in %s\n", dir); goto out; }
    char path[2048];
    if (!exfile) {
        snprintf(path, sizeof path, "%s/%s", dir, names[0]);
        if (playthrough_read(path, NULL, &st[0].pt, "debrief", stderr) != 0) goto out;
        exfile = st[0].pt.exercise;
    }
    Diag d;
    diag_init(&d, exfile);
    ex = exercise_load(exfile, &d);
    if (!ex) { diag_print(&d, stderr); diag_fini(&d); goto out; }
    diag_fini(&d);
    const Scenario *sc = ex->scenario;
    int nm = scenario_metric_count(sc), np = ex->npredictions;
    for (int i = 0; i < nnames; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        if (playthrough_read(path, ex, &st[ns].pt, "debrief", stderr) != 0) goto out;  /* refuse a class with a stray file */
        ns++;
    }
    all = malloc((size_t)runs * (size_t)nm * sizeof *all);
    col = malloc((size_t)runs * sizeof *col);
    score = malloc(((size_t)np + 1) * sizeof *score);
    if (!all || !col || !score) goto out;
    const TraceHeader *h = scenario_trace_header(sc);
    /* Per decision and option, how many students chose it. */
    int *count = calloc((size_t)h->ndecisions * 8 + 1, sizeof *count);
    int *by_decision = malloc(((size_t)h->ndecisions + 1) * sizeof *by_decision);
    Sim *sim = sim_create(sc);
    if (!sim || !count || !by_decision) { sim_destroy(sim); free(count); free(by_decision); goto out; }
    for (int s = 0; s < ns; s++) {
        Student *S = &st[s];
        S->mine = calloc((size_t)nm, sizeof *S->mine);
        S->pct = calloc((size_t)np + 1, sizeof *S->pct);
        if (!S->mine || !S->pct) { sim_destroy(sim); free(count); free(by_decision); goto out; }
        /* The student's run, replayed as it was played: paused at each
         * decision and answered, which says which decision each choice was. */
        for (int d = 0; d < h->ndecisions; d++) by_decision[d] = -1;
        sim_set_interactive(sim, 1);
        sim_reset(sim, S->pt.seed, 0);
        int k = 0;
        while (sim_run(sim, INFINITY) == SIM_DECISION) {
            int dd = sim_pending(sim)->decision, o = k < S->pt.nchoices ? S->pt.choices[k] : -1;
            if (o < 0 || o >= sim_pending(sim)->noptions) {
                fprintf(stderr, "salvo debrief: %s: no valid choice for decision %d (%s)\n", S->pt.path, k + 1, h->decisions[dd].id);
                sim_destroy(sim); free(count); free(by_decision);
                goto out;
            }
            if (o < 8) count[dd * 8 + o]++;
            by_decision[dd] = o;
            sim_answer(sim, o);
            k++;
        }
        sim_metrics(sim, S->mine);
        exercise_outcomes(sc, S->pt.seed, by_decision, runs, all);
        double luck = 0;
        int nl = 0;
        for (int i = 0; i < np; i++) {
            const ExPrediction *pr = &ex->predictions[i];
            double out = exercise_outcome(ex, i, S->mine);
            if (pr->kind == PRED_INTERVAL) {
                for (int r = 0; r < runs; r++) col[r] = all[(size_t)r * (size_t)nm + (size_t)pr->metric];
                S->pct[i] = exercise_percentile(col, runs, out);
                int better = scenario_metric(sc, pr->metric)->better;
                luck += better < 0 ? 100 - S->pct[i] : S->pct[i];
                nl++;
            }
        }
        /* Scored as the student's own debrief scores them (the one scorer). */
        ExScoreSum sum;
        exercise_score(ex, S->pt.guess, S->mine, all, runs, score, &sum);
        S->hits = sum.hits;
        S->nint = sum.nint;
        S->brier = sum.brier * sum.nprob;
        S->nprob = sum.nprob;
        S->luck = nl ? luck / nl : 50;
    }
    sim_destroy(sim);
    free(by_decision);
    qsort(st, (size_t)ns, sizeof *st, by_name);
    /* --- terminal summary --- */
    printf("Class debrief: %s (%d playthroughs in %s; %d runs per student under the same decisions)\n\n", ex->title, ns, dir, runs);
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
    int nint = 0, hits = 0, nprob = 0;
    double brier = 0;
    for (int s = 0; s < ns; s++) {
        printf("  %-16.16s", st[s].pt.name);
        for (int i = 0; i < np; i++) if (ex->predictions[i].kind == PRED_INTERVAL) printf(" %12.1f", st[s].pct[i]);
        printf("   %d/%d", st[s].hits, st[s].nint);
        if (st[s].nprob) printf("  %.3f", st[s].brier / st[s].nprob);
        puts("");
        nint += st[s].nint; hits += st[s].hits; nprob += st[s].nprob; brier += st[s].brier;
    }
    /* Calibration of probabilities: five bins of stated p. */
    double stated[5] = { 0 }, seen[5] = { 0 };
    int nb[5] = { 0 };
    for (int s = 0; s < ns; s++)
        for (int i = 0; i < np; i++)
            if (ex->predictions[i].kind == PRED_PROBABILITY) {
                int b = (int)(st[s].pt.guess[i].p * 5);
                if (b > 4) b = 4;
                stated[b] += st[s].pt.guess[i].p;
                seen[b] += exercise_outcome(ex, i, st[s].mine);
                nb[b]++;
            }
    puts("\nCalibration across the class:");
    if (nint) printf("  %d of %d 80%% intervals held (%.0f%%; a calibrated class holds about 80%%).\n", hits, nint, 100.0 * hits / nint);
    if (nprob) printf("  Mean Brier score %.3f over %d probabilities (0 is perfect; always 50%% scores 0.25).\n", brier / nprob, nprob);
    for (int b = 0; b < 5; b++)
        if (nb[b]) {
            stated[b] /= nb[b];
            seen[b] /= nb[b];
            printf("  stated %3.0f%% on average: happened %3.0f%% of %d times\n", 100 * stated[b], 100 * seen[b], nb[b]);
        }
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
    rc = 0;
    const int who3[3] = { lucky, unlucky, typical };
    if (html) rc = write_html(html, ex, st, ns, runs, count, hits, nint, brier, nprob, stated, seen, nb, who3);
    free(count);
out:
    for (int s = 0; st && s < ns; s++) { free(st[s].mine); free(st[s].pct); }
    free(st);
    free(all);
    free(col);
    free(score);
    for (int i = 0; i < nnames; i++) free(names[i]);
    free(names);
    exercise_destroy(ex);
    return rc;
}
