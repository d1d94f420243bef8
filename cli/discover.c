/* discover.c — `salvo discover FILE --metric M --where "M < X"`: scenario
 * discovery with PRIM (sim/prim.h). Runs replications drawing every ranged
 * assumption (those of `salvo batch --uncertainty`), marks the ones whose
 * metric meets the condition, peels boxes in the space of the ranged
 * assumptions, and prints the peeling trajectory and the chosen box.
 * Nothing is computed here beyond parsing and printing. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cal.h"
#include "cmd.h"
#include "outpath.h"
#include "fit.h"
#include "fmt.h"
#include "opt.h"
#include "prim.h"
#include "salvo.h"
#include "summary.h"

enum { D_RUNS = 1, D_THREADS, D_SEED, D_METRIC, D_WHERE, D_JSON, D_SET, D_UNCERTAINTY, D_ALPHA, D_SUPPORT,
       D_COVERAGE, D_QUIET };
static const OptSpec discover_opts[] = {
    { D_METRIC, "--metric", "M", "the outcome metric" },
    { D_WHERE, "--where", "\"M OP X\"", "the outcome of interest: OP is <, <=, >, >=, == or !=; X a number (a date for a time)" },
    { D_RUNS, "--runs", "N", "replications, each drawing every ranged assumption (default 4000)" },
    { D_THREADS, "--threads", "T", "worker threads (default: all cores); results do not depend on T" },
    { D_SEED, "--seed", "S", "base seed, decimal or 0x hex (default 1)" },
    { D_JSON, "--json", "FILE", "the peeling trajectory and the chosen box" },
    { D_SET, "--set", "PATH=VALUE", "override a parameter (repeatable)" },
    { D_UNCERTAINTY, "--uncertainty", NULL, "draw every ranged assumption (always so here; accepted for clarity)" },
    { D_ALPHA, "--alpha", "A", "share of the box peeled at each step (default 0.05)" },
    { D_SUPPORT, "--min-support", "B", "stop peeling below this share of the runs (default 0.05)" },
    { D_COVERAGE, "--min-coverage", "C", "choose the densest box with at least this coverage (default 0.5)" },
    { D_QUIET, "--quiet", NULL, "accepted for symmetry with batch" },
    { 0, NULL, NULL, NULL },
};
static const CmdSpec discover_spec = {
    "discover", "FILE --metric M --where \"M OP X\" [--uncertainty] [--runs N] [--threads T]\n"
                "          [--seed S] [--json OUT.json] [--set PATH=VALUE ...] [--alpha A]\n"
                "          [--min-support B] [--min-coverage C] [--quiet]",
    "Scenario discovery (PRIM; Friedman and Fisher 1999, Bryant and Lempert 2010):\n"
    "which ranges of the assumptions make the outcome likely. See docs/validation.md.",
    discover_opts,
};

static int parse_frac(const char *opt, const char *v, double *out)
{
    char *end;
    double x = strtod(v, &end);
    if (end == v || *end || !(x > 0 && x < 1)) {
        fprintf(stderr, "salvo discover: %s: expected a number in (0, 1), got '%s'\n", opt, v);
        return -1;
    }
    *out = x;
    return 0;
}

static int holds(int op, double v, double x)
{
    switch (op) {
    case 0: return v < x;
    case 1: return v <= x;
    case 2: return v > x;
    case 3: return v >= x;
    case 4: return v == x;
    default: return v != x;
    }
}

/* "M OP X" or "OP X": the operator and threshold. */
static int parse_where(const char *w, const char *metric, const Scenario *s, const MetricInfo *mi, int *op,
                       double *x)
{
    static const char *const ops[] = { "<=", ">=", "==", "!=", "<", ">" };
    static const int code[] = { 1, 3, 4, 5, 0, 2 };
    char buf[256];
    snprintf(buf, sizeof buf, "%s", w);
    char *p = buf;
    while (*p == ' ') p++;
    size_t ml = strlen(metric);
    if (!strncmp(p, metric, ml) && (p[ml] == ' ' || strchr("<>=!", p[ml]))) p += ml;
    while (*p == ' ') p++;
    *op = -1;
    for (int i = 0; i < 6; i++)
        if (!strncmp(p, ops[i], strlen(ops[i]))) {
            *op = code[i];
            p += strlen(ops[i]);
            break;
        }
    while (*p == ' ') p++;
    int64_t day;
    char *end;
    if (*op >= 0 && mi->kind == MET_TIME && cal_parse(p, &day) == 0) {
        *x = (double)(day - scenario_start(s));
        return 0;
    }
    *x = strtod(p, &end);
    if (*op < 0 || end == p || *end) {
        fprintf(stderr, "salvo discover: --where: expected \"%s OP X\" with OP one of <, <=, >, >=, ==, != and X a "
                "number%s, got '%s'\n", metric, mi->kind == MET_TIME ? " or a date" : "", w);
        return -1;
    }
    return 0;
}

int cmd_discover(int argc, char **argv)
{
    const char *file = NULL, *json = NULL, *metric = NULL, *where = NULL;
    const char *sets[256];
    int nsets = 0;
    unsigned long long seed = 1;
    long long runs = 4000;
    double alpha = 0.05, support = 0.05, coverage = 0.5;
    int threads = args_threads_default();
    char found[4096];
    OptParser p;
    opt_init(&p, &discover_spec, argc, argv);
    for (int c; (c = opt_next(&p)) != OPT_END;) {
        switch (c) {
        case OPT_HELP: opt_usage(&discover_spec, stdout); return 0;
        case OPT_ERROR: return 2;
        case D_RUNS:
            if ((runs = args_count("--runs", p.val, 1)) < 0) return 2;
            break;
        case D_THREADS:
            if (args_threads(p.val, &threads) < 0) return 2;
            break;
        case D_SEED:
            if (args_seed(p.val, &seed) != 0) return 2;
            break;
        case D_METRIC: metric = p.val; break;
        case D_WHERE: where = p.val; break;
        case D_JSON: json = p.val; break;
        case D_ALPHA:
            if (parse_frac("--alpha", p.val, &alpha) < 0) return 2;
            break;
        case D_SUPPORT:
            if (parse_frac("--min-support", p.val, &support) < 0) return 2;
            break;
        case D_COVERAGE:
            if (parse_frac("--min-coverage", p.val, &coverage) < 0) return 2;
            break;
        case D_SET:
            if (args_set(p.val, sets, &nsets, 256) < 0) return 2;
            break;
        case D_UNCERTAINTY: case D_QUIET: break;
        case OPT_OPERAND:
            if (file) {
                fprintf(stderr, "salvo discover: one scenario file at a time ('%s' and '%s')\n", file, p.val);
                return 2;
            }
            file = p.val;
            break;
        }
    }
    if (!file || !metric || !where) {
        if (file) fprintf(stderr, "salvo discover: --metric and --where are required\n");
        opt_usage_short(&discover_spec, stderr);
        return 2;
    }
    if (args_scenario(file, found, sizeof found)) file = found;
    OutPath outs[] = { { "--json", json } };
    if (outpath_check_all(&file, 1, outs, 1) < 0) return 2;
    Diag d;
    diag_init(&d, file);
    Scenario *s = scenario_load(file, sets, nsets, &d);
    if (!s) {
        diag_print(&d, stderr);
        diag_free(&d);
        return 2;
    }
    int rc = 2, m = scenario_metric_find(s, metric), op = -1;
    double x = 0;
    double *rows = NULL, *pts = NULL;
    unsigned char *y = NULL;
    int *dims = NULL;
    Prim *pr = NULL;
    if (m < 0) {
        fprintf(stderr, "salvo discover: --metric: no metric '%s'; metrics are:", metric);
        for (int i = 0; i < scenario_metric_count(s); i++) fprintf(stderr, " %s", scenario_metric(s, i)->id);
        fputc('\n', stderr);
        goto out;
    }
    if (parse_where(where, metric, s, scenario_metric(s, m), &op, &x) < 0) goto out;
    int na = scenario_assumption_count(s), nd = 0;
    dims = malloc(((size_t)na + 1) * sizeof *dims);
    if (!dims) goto oom;
    for (int a = 0; a < na; a++)
        if (scenario_assumption(s, a)->lo < scenario_assumption(s, a)->hi) dims[nd++] = a;
    if (nd == 0) {
        fprintf(stderr, "salvo discover: %s: no assumption has a range to explore\n", file);
        goto out;
    }
    rc = 1;
    FitOptions o = { .seed = seed, .runs = (uint64_t)runs, .threads = threads, .until = scenario_end(s) };
    uint64_t n = 0;
    int width = 0;
    rows = fit_sample(s, &o, &n, &width, &d);
    if (!rows) {
        diag_print(&d, stderr);
        goto out;
    }
    pts = malloc((size_t)n * (size_t)nd * sizeof *pts);
    y = malloc((size_t)n + 1);
    if (!pts || !y) goto oom;
    int col = na + scenario_observation_count(s) + m;
    uint64_t cases = 0;
    for (uint64_t r = 0; r < n; r++) {
        for (int j = 0; j < nd; j++) pts[r * (uint64_t)nd + (uint64_t)j] = rows[r * (uint64_t)width + (uint64_t)dims[j]];
        y[r] = (unsigned char)holds(op, rows[r * (uint64_t)width + (uint64_t)col], x);
        cases += y[r];
    }
    pr = prim_peel(pts, y, n, nd, alpha, support);
    if (!pr) goto oom;
    int best = prim_choose(pr, coverage);
    const PrimStep *b = &pr->steps[best];
    printf("%s — %s\n", scenario_name(s), scenario_title(s));
    printf("PRIM: %llu replications (seed %llu), %d ranged assumptions drawn from their priors; %s: %llu runs "
           "(%.1f%%)\n", (unsigned long long)n, seed, nd, where, (unsigned long long)cases,
           n ? 100.0 * (double)cases / (double)n : 0.0);
    printf("peeling %.0f%% a step down to %.0f%% support: %d boxes\n\n", 100 * alpha, 100 * support, pr->nsteps);
    printf("Peeling trajectory (coverage: share of the outcome's runs inside; density: share of the box's runs with "
           "the outcome):\n%5s %9s %8s %8s  %s\n", "step", "coverage", "density", "support", "peeled");
    for (int i = 0; i < pr->nsteps; i++) {
        const PrimStep *st = &pr->steps[i];
        char what[512] = "(all runs)";
        if (st->dim >= 0) {
            char v[32];
            fmt_num(v, sizeof v, st->upper ? st->hi[st->dim] : st->lo[st->dim]);
            snprintf(what, sizeof what, "%s %s %s", scenario_assumption(s, dims[st->dim])->path,
                     st->upper ? "<=" : ">=", v);
        }
        printf("%5d %8.1f%% %7.1f%% %7.1f%%  %s%s\n", i, 100 * st->coverage, 100 * st->density, 100 * st->support, what,
               i == best ? "   <- chosen" : "");
    }
    printf("\nThe chosen box (the densest with coverage >= %.0f%%): coverage %.1f%%, density %.1f%% (%.1f%% "
           "overall)\n", 100 * coverage, 100 * b->coverage, 100 * b->density,
           n ? 100.0 * (double)cases / (double)n : 0.0);
    const PrimStep *all = &pr->steps[0];
    int restricted = 0;
    for (int j = 0; j < nd; j++) {
        if (b->lo[j] == all->lo[j] && b->hi[j] == all->hi[j]) continue;
        const Assumption *as = scenario_assumption(s, dims[j]);
        char l[32], h[32], pl[32], ph[32];
        fmt_num(l, sizeof l, b->lo[j]);
        fmt_num(h, sizeof h, b->hi[j]);
        fmt_num(pl, sizeof pl, as->lo);
        fmt_num(ph, sizeof ph, as->hi);
        printf("  %-50s %12s – %-12s (prior range %s – %s)\n", as->path, l, h, pl, ph);
        restricted++;
    }
    if (!restricted) puts("  (no restriction: no box does better than all the runs)");
    if (json) {
        cJSON *root = cJSON_CreateObject(), *dj = cJSON_AddObjectToObject(root, "discover");
        cJSON_AddStringToObject(dj, "method", "PRIM peeling (Friedman and Fisher 1999; Bryant and Lempert 2010)");
        cJSON_AddStringToObject(dj, "metric", metric);
        cJSON_AddStringToObject(dj, "where", where);
        cJSON_AddNumberToObject(dj, "runs", (double)n);
        cJSON_AddNumberToObject(dj, "cases", (double)cases);
        cJSON_AddNumberToObject(dj, "alpha", alpha);
        cJSON_AddNumberToObject(dj, "min_support", support);
        cJSON_AddNumberToObject(dj, "chosen", best);
        cJSON *tr = cJSON_AddArrayToObject(dj, "trajectory");
        for (int i = 0; i < pr->nsteps; i++) {
            const PrimStep *st = &pr->steps[i];
            cJSON *e = cJSON_CreateObject();
            cJSON_AddNumberToObject(e, "coverage", st->coverage);
            cJSON_AddNumberToObject(e, "density", st->density);
            cJSON_AddNumberToObject(e, "support", st->support);
            cJSON *box = cJSON_AddObjectToObject(e, "box");
            for (int j = 0; j < nd; j++) {
                if (st->lo[j] == all->lo[j] && st->hi[j] == all->hi[j]) continue;
                cJSON *r = cJSON_CreateArray();
                cJSON_AddItemToArray(r, cJSON_CreateNumber(st->lo[j]));
                cJSON_AddItemToArray(r, cJSON_CreateNumber(st->hi[j]));
                cJSON_AddItemToObject(box, scenario_assumption(s, dims[j])->path, r);
            }
            cJSON_AddItemToArray(tr, e);
        }
        cJSON *run = cJSON_AddObjectToObject(root, "run");
        cJSON_AddStringToObject(run, "scenario", scenario_name(s));
        cJSON_AddStringToObject(run, "sha256", scenario_sha256(s));
        char sd[24];
        snprintf(sd, sizeof sd, "%llu", seed);
        cJSON_AddStringToObject(run, "seed", sd);
        Diag dj2;
        diag_init(&dj2, json);
        int bad = summary_write(root, json, &dj2) < 0;
        if (bad) diag_print(&dj2, stderr);
        diag_free(&dj2);
        cJSON_Delete(root);
        if (bad) goto out;
    }
    rc = 0;
    goto out;
oom:
    fputs("salvo discover: out of memory\n", stderr);
    rc = 1;
out:
    prim_free(pr);
    free(rows);
    free(pts);
    free(y);
    free(dims);
    scenario_free(s);
    diag_free(&d);
    return rc;
}
