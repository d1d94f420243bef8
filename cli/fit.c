/* fit.c — `salvo fit FILE --runs N [--until DATE]`: history matching by
 * ABC (sim/fit.h). Parses the options, runs the fit, prints the posterior
 * of the assumptions, the posterior predictive bands of the observations
 * (those after DATE and the held-out ones are the check) and of the
 * metrics, and writes the same as JSON. Nothing is computed here. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "afile.h"
#include "cal.h"
#include "cmd.h"
#include "outpath.h"
#include "fit.h"
#include "fmt.h"
#include "opt.h"
#include "salvo.h"
#include "sample.h"
#include "summary.h"

enum { FIT_UNTIL = SAMPLE_NEXT, FIT_JSON, FIT_CSV, FIT_REPORT, FIT_TOP };
static const OptSpec fit_opts[] = {
    { FIT_UNTIL, "--until", "DATE", "weigh by the observations on or before DATE (default: all)" },
    { FIT_JSON, "--json", "FILE", "the fit: weights, posteriors, predictive bands" },
    { FIT_CSV, "--csv", "FILE", "each replication's weight (rep,weight: joins batch --uncertainty's CSV on rep)" },
    { FIT_REPORT, "--report", "FILE", "the fit as an HTML page (the one salvo report makes of --json)" },
    { FIT_TOP, "--top", "K", "print the K assumptions the record moves most (default 15; all in the JSON)" },
    SAMPLE_OPTS,
    { 0, NULL, NULL, NULL },
};
static const CmdSpec fit_spec = {
    "fit", "FILE [--uncertainty] [--runs N] [--until DATE] [--threads T] [--seed S]\n"
           "          [--json FIT.json] [--csv WEIGHTS.csv] [--report FIT.html] [--set PATH=VALUE ...] [--top K]\n"
           "          [--checkpoint FILE] [--resume] [--quiet] [--mpi]",
    "History matching: replications drawing every ranged assumption, weighted by\n"
    "their agreement with the scenario's observations up to DATE (approximate\n"
    "Bayesian computation). Prints the effective sample size, the posterior of\n"
    "each assumption against its prior, and the posterior predictive bands of the\n"
    "observations after DATE and of the held-out ones. The same on any T and under\n"
    "--mpi; --checkpoint and --resume as for batch. See docs/validation.md.",
    fit_opts,
};

static cJSON *stat_json(const FitStat *st)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddItemToObject(o, "prior_mean", summary_number(st->prior_mean));
    cJSON_AddItemToObject(o, "prior_sd", summary_number(st->prior_sd));
    cJSON_AddItemToObject(o, "prior_p5", summary_number(st->prior_p5));
    cJSON_AddItemToObject(o, "prior_p50", summary_number(st->prior_p50));
    cJSON_AddItemToObject(o, "prior_p95", summary_number(st->prior_p95));
    cJSON_AddItemToObject(o, "mean", summary_number(st->post_mean));
    cJSON_AddItemToObject(o, "sd", summary_number(st->post_sd));
    cJSON_AddItemToObject(o, "p5", summary_number(st->post_p5));
    cJSON_AddItemToObject(o, "p25", summary_number(st->post_p25));
    cJSON_AddItemToObject(o, "p50", summary_number(st->post_p50));
    cJSON_AddItemToObject(o, "p75", summary_number(st->post_p75));
    cJSON_AddItemToObject(o, "p95", summary_number(st->post_p95));
    return o;
}

/* How far the record moves an assumption: the posterior mean's shift in
 * prior standard deviations. */
static double shift(const FitStat *st)
{
    return st->prior_sd > 0 ? (st->post_mean - st->prior_mean) / st->prior_sd : 0;
}

static const Fit *sort_fit;
static int by_shift(const void *a, const void *b)
{
    double x = fabs(shift(&sort_fit->assumption[*(const int *)a])), y = fabs(shift(&sort_fit->assumption[*(const int *)b]));
    if (x != y) return x > y ? -1 : 1;
    return *(const int *)a - *(const int *)b;
}

static const char *role(const Observation *o, const int *used, int k)
{
    return o->held_out ? "held out" : used[k] ? "weighs" : "after DATE";
}

/* The fit's own options. */
typedef struct FitArgs {
    const char *json, *csv, *until, *report;
    int top;
} FitArgs;

static int fit_opt(void *ctx, int c, const char *val)
{
    FitArgs *f = ctx;
    switch (c) {
    case FIT_UNTIL: f->until = val; return 0;
    case FIT_JSON: f->json = val; return 0;
    case FIT_CSV: f->csv = val; return 0;
    case FIT_REPORT: f->report = val; return 0;
    case FIT_TOP: {
        long long t = args_count_range("--top", val, 0, 100000);
        if (t < 0) return -1;
        f->top = (int)t;
        return 0;
    }
    }
    return -1;
}

/* Parse, check and load: 0 go (*out loaded, *until set), 1 help, -1 bad. */
static int fit_setup(int argc, char **argv, SampleArgs *a, FitArgs *fa, Scenario **out, double *until)
{
    int r = sample_parse(a, &fit_spec, argc, argv, fit_opt, fa);
    if (r != 0) return r;
    OutPath outs[] = { { "--json", fa->json }, { "--csv", fa->csv }, { "--report", fa->report } };
    if (!(*out = sample_open(a, &fit_spec, outs, 3))) return -1;
    const Scenario *s = *out;
    *until = scenario_end(s);
    if (fa->until) {
        int64_t day;
        if (cal_parse(fa->until, &day) != 0) {
            fprintf(stderr, "salvo fit: --until: expected a date YYYY-MM-DD, got '%s'\n", fa->until);
            return -1;
        }
        *until = (double)(day - scenario_start(s));
    }
    int nobs = scenario_observation_count(s), na = scenario_assumption_count(s);
    if (nobs == 0 || na == 0) {
        fprintf(stderr, "salvo fit: %s: a fit needs observations and ranged assumptions (it has %d and %d)\n",
                a->file, nobs, na);
        return -1;
    }
    return 0;
}

static int fit_main(int argc, char **argv, Mpi *mpi);

int cmd_fit(int argc, char **argv)
{
    return sample_command(argc, argv, "fit", fit_main);
}

/* The fit's heading: what ran, what weighs, the effective sample size. */
static void fit_print_header(const Scenario *s, const Fit *f, unsigned long long seed, int threads,
                             const char *until_txt)
{
    printf("%s — %s\n", scenario_name(s), scenario_title(s));
    printf("ABC fit: %llu replications (seed %llu, %d thread%s), every ranged assumption drawn from its prior\n",
           (unsigned long long)f->runs, seed, threads, threads == 1 ? "" : "s");
    printf("weights: %d observation%s on or before %s (Gaussian kernel in units of each one's scale h: half its "
           "range, at least 5%% of its midpoint)\n", f->nused, f->nused == 1 ? "" : "s", until_txt);
    printf("effective sample size %.1f of %llu (%.1f%%)%s\n\n", f->ess, (unsigned long long)f->runs,
           f->runs ? 100 * f->ess / (double)f->runs : 0.0,
           f->ess < 50 ? " — too few to trust: run more replications, or widen the record's ranges" : "");
}

/* The top assumptions, most moved first. -1 when out of memory. */
static int fit_print_assumptions(const Scenario *s, const Fit *f, int top)
{
    int na = scenario_assumption_count(s);
    int *ord = malloc(((size_t)na + 1) * sizeof *ord);
    if (!ord) return -1;
    for (int a = 0; a < na; a++) ord[a] = a;
    sort_fit = f;
    qsort(ord, (size_t)na, sizeof *ord, by_shift);
    int w = 10;
    for (int i = 0; i < na && i < top; i++) {
        int len = (int)strlen(scenario_assumption(s, ord[i])->path);
        if (len > w) w = len;
    }
    if (top > 0) {
        printf("Assumptions the record moves most (shift: posterior mean - prior mean, in prior sd):\n");
        printf("%-*s  %23s %12s %12s %27s %7s\n", w, "assumption", "prior range", "prior mean", "post mean",
               "post 90%", "shift");
    }
    for (int i = 0; i < na && i < top; i++) {
        const Assumption *as = scenario_assumption(s, ord[i]);
        const FitStat *st = &f->assumption[ord[i]];
        char pm[32], qm[32], range[72], band[72];
        fmt_num(pm, sizeof pm, st->prior_mean);
        fmt_num(qm, sizeof qm, st->post_mean);
        fmt_range(range, sizeof range, as->lo, as->hi);
        fmt_range(band, sizeof band, st->post_p5, st->post_p95);
        printf("%-*s  %23s %12s %12s %27s %+7.2f\n", w, as->path, range, pm, qm, band, shift(st));
    }
    free(ord);
    return 0;
}

/* Each observation's record, prior and posterior predictive bands, and
 * the check: how many that did not weigh fall inside their posterior band. */
static void fit_print_observations(const Scenario *s, const Fit *f, const char *until_txt)
{
    int nobs = scenario_observation_count(s), wo = 11;
    for (int k = 0; k < nobs; k++)
        if ((int)strlen(scenario_observation(s, k)->id) > wo) wo = (int)strlen(scenario_observation(s, k)->id);
    printf("\nObservations: the prior's 90%% band, the posterior predictive 90%% band, the record\n");
    printf("%-*s  %-10s  %-10s  %25s  %25s  %25s  %-3s %5s\n", wo, "observation", "date", "role", "record",
           "prior 90%", "posterior 90%", "in", "PIT");
    int checks = 0, inside = 0;
    for (int k = 0; k < nobs; k++) {
        const Observation *ob = scenario_observation(s, k);
        const FitStat *st = &f->obs[k];
        char rec[72], pri[72], post[72];
        fmt_range(rec, sizeof rec, ob->low, ob->high);
        fmt_range(pri, sizeof pri, st->prior_p5, st->prior_p95);
        fmt_range(post, sizeof post, st->post_p5, st->post_p95);
        int in = ob->low <= st->post_p95 && ob->high >= st->post_p5;
        if (!f->used[k]) {
            checks++;
            inside += in;
        }
        printf("%-*s  %-10s  %-10s  %25s  %25s  %25s  %-3s %5.2f\n", wo, ob->id, ob->date, role(ob, f->used, k), rec,
               pri, post, in ? "yes" : "no", f->obs_pit[k]);
    }
    if (checks)
        printf("Check (observations that did not weigh: after %s, or held out): %d of %d inside the posterior "
               "predictive 90%% band.\n", until_txt, inside, checks);
}

/* Each metric's prior and posterior predictive median and 90% band. */
static void fit_print_metrics(const Scenario *s, const Fit *f)
{
    printf("\nMetrics: prior median and 90%% band, then posterior predictive\n");
    int wm = 6;
    for (int m = 0; m < scenario_metric_count(s); m++)
        if ((int)strlen(scenario_metric(s, m)->id) > wm) wm = (int)strlen(scenario_metric(s, m)->id);
    for (int m = 0; m < scenario_metric_count(s); m++) {
        const MetricInfo *mi = scenario_metric(s, m);
        const FitStat *st = &f->metric[m];
        char v[6][40];
        double x[6] = { st->prior_p5, st->prior_p50, st->prior_p95, st->post_p5, st->post_p50, st->post_p95 };
        for (int i = 0; i < 6; i++) fmt_metric(v[i], sizeof v[i], mi, scenario_start(s), x[i]);
        printf("%-*s  prior %12s [%s – %s]   posterior %12s [%s – %s]\n", wm, mi->id, v[1], v[0], v[2], v[4], v[3],
               v[5]);
    }
}

/* The fit as JSON: its assumptions, observations and metrics, and the run. */
static cJSON *fit_json(const Scenario *s, const Fit *f, const char *until_s, const SampleArgs *a)
{
    cJSON *root = cJSON_CreateObject(), *fit = cJSON_AddObjectToObject(root, "fit");
    cJSON_AddStringToObject(fit, "method", "ABC: Gaussian kernel on (model - record midpoint) / h per observation "
                            "(Pritchard et al. 1999; Beaumont, Zhang and Balding 2002)");
    cJSON_AddNumberToObject(fit, "runs", (double)f->runs);
    cJSON_AddStringToObject(fit, "until", until_s ? until_s : "");
    cJSON_AddNumberToObject(fit, "observations_used", f->nused);
    cJSON_AddNumberToObject(fit, "ess", f->ess);
    cJSON *arr = cJSON_AddArrayToObject(fit, "assumptions");
    for (int a = 0; a < scenario_assumption_count(s); a++) {
        const Assumption *as = scenario_assumption(s, a);
        cJSON *e = stat_json(&f->assumption[a]);
        cJSON_AddStringToObject(e, "path", as->path);
        cJSON_AddNumberToObject(e, "low", as->lo);
        cJSON_AddNumberToObject(e, "high", as->hi);
        cJSON_AddNumberToObject(e, "value", as->value);
        cJSON_AddItemToObject(e, "shift", summary_number(shift(&f->assumption[a])));
        cJSON_AddItemToArray(arr, e);
    }
    arr = cJSON_AddArrayToObject(fit, "observations");
    for (int k = 0; k < scenario_observation_count(s); k++) {
        const Observation *ob = scenario_observation(s, k);
        cJSON *e = stat_json(&f->obs[k]);
        cJSON_AddStringToObject(e, "id", ob->id);
        cJSON_AddStringToObject(e, "metric", ob->metric);
        cJSON_AddStringToObject(e, "date", ob->date);
        cJSON_AddNumberToObject(e, "low", ob->low);
        cJSON_AddNumberToObject(e, "high", ob->high);
        cJSON_AddStringToObject(e, "source", ob->source);
        cJSON_AddStringToObject(e, "role", role(ob, f->used, k));
        cJSON_AddNumberToObject(e, "scale", f->scale[k]);
        cJSON_AddItemToObject(e, "pit", summary_number(f->obs_pit[k]));
        cJSON_AddItemToArray(arr, e);
    }
    cJSON *mo = cJSON_AddObjectToObject(fit, "metrics");
    for (int m = 0; m < scenario_metric_count(s); m++)
        cJSON_AddItemToObject(mo, scenario_metric(s, m)->id, stat_json(&f->metric[m]));
    sample_run_json(root, a, s);
    return root;
}

/* Each replication's weight as rep,weight rows. 0, or 1 on error (printed). */
static int fit_write_csv(const char *csv, const Fit *f)
{
    int rc = 0;
    Diag dc;
    diag_init(&dc, csv);
    AFile af;
    memset(&af, 0, sizeof af);
    if (afile_open(&af, csv, &dc) == 0) {
        fputs("rep,weight\n", af.fp);
        for (uint64_t r = 0; r < f->runs; r++) fprintf(af.fp, "%llu,%.17g\n", (unsigned long long)r, f->weight[r]);
        if (afile_commit(&af, &dc) < 0) rc = 1;
    } else {
        rc = 1;
    }
    if (diag_errors(&dc)) diag_print(&dc, stderr);
    diag_fini(&dc);
    return rc;
}

static int fit_main(int argc, char **argv, Mpi *mpi)
{
    SampleArgs a;
    FitArgs fa = { NULL, NULL, NULL, NULL, 15 };
    Scenario *s = NULL;
    double until = 0;
    sample_init(&a, "fit", mpi);
    int rc = sample_agree(&a, fit_setup(argc, argv, &a, &fa, &s, &until), &s);
    if (!s) return rc;
    uint64_t n = 0;
    int width = 0;
    double *rows = sample_run(&a, s, &n, &width, &rc);
    if (!rows) {
        scenario_destroy(s);
        return rc;
    }
    Diag d;
    diag_init(&d, a.file);
    Fit *f = n ? fit_weigh(s, rows, n, until, &d) : NULL;
    free(rows);
    if (!f) {
        if (!n) fputs("salvo fit: no replication finished\n", stderr);
        diag_print(&d, stderr);
        scenario_destroy(s);
        diag_fini(&d);
        return rc ? rc : 1;
    }
    if (f->nused == 0)
        fprintf(stderr, "salvo fit: warning: no observation weighs (all are held out or after --until): the posterior "
                "is the prior\n");
    char until_txt[16] = "the end";
    if (fa.until) snprintf(until_txt, sizeof until_txt, "%s", fa.until);
    fit_print_header(s, f, a.seed, a.threads, until_txt);
    if (fit_print_assumptions(s, f, fa.top) < 0) {
        fputs("salvo fit: out of memory\n", stderr);
        rc = 1;
        goto out;
    }
    fit_print_observations(s, f, until_txt);
    fit_print_metrics(s, f);
    puts("\nRead with docs/validation.md: the record is uncertain and partly from parties to the war.");
    if (fa.json || fa.report) {
        cJSON *root = fit_json(s, f, fa.until, &a);
        if (sample_write_json(root, fa.json) < 0 || report_hook(root, fa.report, NULL) != 0) rc = 1;
        cJSON_Delete(root);
    }
    if (fa.csv && fit_write_csv(fa.csv, f)) rc = 1;
    if (rc == 130) sample_interrupted(&a, f->runs);
out:
    fit_destroy(f);
    scenario_destroy(s);
    diag_fini(&d);
    return rc;
}
