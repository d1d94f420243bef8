/* fit.c — `salvo fit FILE --runs N [--until DATE]`: history matching by
 * ABC (sim/fit.h). Parses the options, runs the fit, prints the posterior
 * of the assumptions, the posterior predictive bands of the observations
 * (those after DATE and the held-out ones are the check) and of the
 * metrics, and writes the same as JSON. Nothing is computed here. */
#include <cjson/cJSON.h>
#include <math.h>
#include <signal.h>
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
#include "summary.h"

enum { F_RUNS = 1, F_THREADS, F_SEED, F_UNTIL, F_JSON, F_CSV, F_SET, F_UNCERTAINTY, F_QUIET, F_TOP };
static const OptSpec fit_opts[] = {
    { F_RUNS, "--runs", "N", "replications, each drawing every ranged assumption (default 4000)" },
    { F_THREADS, "--threads", "T", "worker threads (default: all cores); results do not depend on T" },
    { F_SEED, "--seed", "S", "base seed, decimal or 0x hex (default 1)" },
    { F_UNTIL, "--until", "DATE", "weigh by the observations on or before DATE (default: all)" },
    { F_JSON, "--json", "FILE", "the fit: weights, posteriors, predictive bands" },
    { F_CSV, "--csv", "FILE", "each replication's weight (rep,weight: joins batch --uncertainty's CSV on rep)" },
    { F_SET, "--set", "PATH=VALUE", "override a parameter (repeatable)" },
    { F_UNCERTAINTY, "--uncertainty", NULL, "draw every ranged assumption (always so for a fit; accepted for clarity)" },
    { F_TOP, "--top", "K", "print the K assumptions the record moves most (default 15; all in the JSON)" },
    { F_QUIET, "--quiet", NULL, "accepted for symmetry with batch (a fit prints no progress line)" },
    { 0, NULL, NULL, NULL },
};
static const CmdSpec fit_spec = {
    "fit", "FILE [--uncertainty] [--runs N] [--until DATE] [--threads T] [--seed S]\n"
           "          [--json FIT.json] [--csv WEIGHTS.csv] [--set PATH=VALUE ...] [--top K] [--quiet]",
    "History matching: replications drawing every ranged assumption, weighted by\n"
    "their agreement with the scenario's observations up to DATE (approximate\n"
    "Bayesian computation). Prints the effective sample size, the posterior of\n"
    "each assumption against its prior, and the posterior predictive bands of the\n"
    "observations after DATE and of the held-out ones. See docs/validation.md.",
    fit_opts,
};

static volatile int stop_fit;
static void on_sigint(int sig)
{
    (void)sig;
    stop_fit = 1;
}

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

int cmd_fit(int argc, char **argv)
{
    const char *file = NULL, *json = NULL, *until_s = NULL, *csv = NULL;
    const char *sets[256];
    int nsets = 0, top = 15;
    unsigned long long seed = 1;
    long long runs = 4000;
    int threads = args_threads_default();
    char found[4096];
    OptParser p;
    opt_init(&p, &fit_spec, argc, argv);
    for (int c; (c = opt_next(&p)) != OPT_END;) {
        switch (c) {
        case OPT_HELP: opt_usage(&fit_spec, stdout); return 0;
        case OPT_ERROR: return 2;
        case F_RUNS:
            if ((runs = args_count("--runs", p.val, 1)) < 0) return 2;
            break;
        case F_THREADS:
            if (args_threads(p.val, &threads) < 0) return 2;
            break;
        case F_TOP: {
            long long t = args_count("--top", p.val, 0);
            if (t < 0) return 2;
            top = t > 100000 ? 100000 : (int)t;
            break;
        }
        case F_SEED:
            if (args_seed(p.val, &seed) != 0) return 2;
            break;
        case F_UNTIL: until_s = p.val; break;
        case F_JSON: json = p.val; break;
        case F_CSV: csv = p.val; break;
        case F_SET:
            if (args_set(p.val, sets, &nsets, 256) < 0) return 2;
            break;
        case F_UNCERTAINTY: case F_QUIET: break;
        case OPT_OPERAND:
            if (file) {
                fprintf(stderr, "salvo fit: one scenario file at a time ('%s' and '%s')\n", file, p.val);
                return 2;
            }
            file = p.val;
            break;
        }
    }
    if (!file) {
        opt_usage_short(&fit_spec, stderr);
        return 2;
    }
    if (args_scenario(file, found, sizeof found)) file = found;
    OutPath outs[] = { { "--json", json }, { "--csv", csv } };
    if (outpath_check_all(&file, 1, outs, 2) < 0) return 2;
    Diag d;
    diag_init(&d, file);
    Scenario *s = scenario_load(file, sets, nsets, &d);
    if (!s) {
        diag_print(&d, stderr);
        diag_free(&d);
        return 2;
    }
    FitOptions o = { .seed = seed, .runs = (uint64_t)runs, .threads = threads, .until = scenario_end(s),
                     .stop = &stop_fit };
    if (until_s) {
        int64_t day;
        if (cal_parse(until_s, &day) != 0) {
            fprintf(stderr, "salvo fit: --until: expected a date YYYY-MM-DD, got '%s'\n", until_s);
            scenario_free(s);
            diag_free(&d);
            return 2;
        }
        o.until = (double)(day - scenario_start(s));
    }
    int rc = 0;
    int nobs = scenario_observation_count(s), na = scenario_assumption_count(s);
    if (nobs == 0 || na == 0) {
        fprintf(stderr, "salvo fit: %s: a fit needs observations and ranged assumptions (it has %d and %d)\n", file,
                nobs, na);
        scenario_free(s);
        diag_free(&d);
        return 2;
    }
    signal(SIGINT, on_sigint);
    Fit *f = fit_run(s, &o, &d);
    signal(SIGINT, SIG_DFL);
    if (!f) {
        diag_print(&d, stderr);
        scenario_free(s);
        diag_free(&d);
        return 1;
    }
    if (f->nused == 0)
        fprintf(stderr, "salvo fit: warning: no observation weighs (all are held out or after --until): the posterior "
                "is the prior\n");
    char until_txt[16] = "the end";
    if (until_s) snprintf(until_txt, sizeof until_txt, "%s", until_s);
    printf("%s — %s\n", scenario_name(s), scenario_title(s));
    printf("ABC fit: %llu replications (seed %llu, %d thread%s), every ranged assumption drawn from its prior\n",
           (unsigned long long)f->runs, seed, threads, threads == 1 ? "" : "s");
    printf("weights: %d observation%s on or before %s (Gaussian kernel in units of each one's scale h: half its "
           "range, at least 5%% of its midpoint)\n", f->nused, f->nused == 1 ? "" : "s", until_txt);
    printf("effective sample size %.1f of %llu (%.1f%%)%s\n\n", f->ess, (unsigned long long)f->runs,
           f->runs ? 100 * f->ess / (double)f->runs : 0.0,
           f->ess < 50 ? " — too few to trust: run more replications, or widen the record's ranges" : "");
    /* Assumptions, most moved first. */
    int *ord = malloc(((size_t)na + 1) * sizeof *ord);
    if (!ord) {
        fputs("salvo fit: out of memory\n", stderr);
        rc = 1;
        goto out;
    }
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
        char lo[32], hi[32], pm[32], qm[32], q5[32], q95[32], range[72], band[72];
        fmt_num(lo, sizeof lo, as->lo);
        fmt_num(hi, sizeof hi, as->hi);
        fmt_num(pm, sizeof pm, st->prior_mean);
        fmt_num(qm, sizeof qm, st->post_mean);
        fmt_num(q5, sizeof q5, st->post_p5);
        fmt_num(q95, sizeof q95, st->post_p95);
        snprintf(range, sizeof range, "%s–%s", lo, hi);
        snprintf(band, sizeof band, "%s–%s", q5, q95);
        printf("%-*s  %23s %12s %12s %27s %+7.2f\n", w, as->path, range, pm, qm, band, shift(st));
    }
    int wo = 11;
    for (int k = 0; k < nobs; k++)
        if ((int)strlen(scenario_observation(s, k)->id) > wo) wo = (int)strlen(scenario_observation(s, k)->id);
    printf("\nObservations: the prior's 90%% band, the posterior predictive 90%% band, the record\n");
    printf("%-*s  %-10s  %-10s  %25s  %25s  %25s  %-3s %5s\n", wo, "observation", "date", "role", "record",
           "prior 90%", "posterior 90%", "in", "PIT");
    int checks = 0, inside = 0;
    for (int k = 0; k < nobs; k++) {
        const Observation *ob = scenario_observation(s, k);
        const FitStat *st = &f->obs[k];
        char a[32], b[32], rec[72], pri[72], post[72];
        fmt_num(a, sizeof a, ob->low);
        fmt_num(b, sizeof b, ob->high);
        snprintf(rec, sizeof rec, "%s–%s", a, b);
        fmt_num(a, sizeof a, st->prior_p5);
        fmt_num(b, sizeof b, st->prior_p95);
        snprintf(pri, sizeof pri, "%s–%s", a, b);
        fmt_num(a, sizeof a, st->post_p5);
        fmt_num(b, sizeof b, st->post_p95);
        snprintf(post, sizeof post, "%s–%s", a, b);
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
    puts("\nRead with docs/validation.md: the record is uncertain and partly from parties to the war.");
    if (json) {
        cJSON *root = cJSON_CreateObject(), *fit = cJSON_AddObjectToObject(root, "fit");
        cJSON_AddStringToObject(fit, "method", "ABC: Gaussian kernel on (model - record midpoint) / h per observation "
                                "(Pritchard et al. 1999; Beaumont, Zhang and Balding 2002)");
        cJSON_AddNumberToObject(fit, "runs", (double)f->runs);
        cJSON_AddStringToObject(fit, "until", until_s ? until_s : "");
        cJSON_AddNumberToObject(fit, "observations_used", f->nused);
        cJSON_AddNumberToObject(fit, "ess", f->ess);
        cJSON *arr = cJSON_AddArrayToObject(fit, "assumptions");
        for (int a = 0; a < na; a++) {
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
        for (int k = 0; k < nobs; k++) {
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
        cJSON *run = cJSON_AddObjectToObject(root, "run");
        cJSON_AddStringToObject(run, "scenario", scenario_name(s));
        cJSON_AddStringToObject(run, "sha256", scenario_sha256(s));
        char sd[24];
        snprintf(sd, sizeof sd, "%llu", seed);
        cJSON_AddStringToObject(run, "seed", sd);
        cJSON_AddNumberToObject(run, "threads", threads);
        Diag dj;
        diag_init(&dj, json);
        if (summary_write(root, json, &dj) < 0) {
            diag_print(&dj, stderr);
            rc = 1;
        }
        diag_free(&dj);
        cJSON_Delete(root);
    }
    if (csv) {
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
        diag_free(&dc);
    }
    if (stop_fit) {
        fprintf(stderr, "salvo fit: interrupted after %llu replications; the fit uses those\n",
                (unsigned long long)f->runs);
        rc = 130;
    }
out:
    free(ord);
    fit_free(f);
    scenario_free(s);
    diag_free(&d);
    return rc;
}
