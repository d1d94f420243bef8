/* discover.c — `salvo discover FILE --metric M --where "M OP X"`: scenario
 * discovery with PRIM (sim/prim.h). Runs replications drawing every ranged
 * assumption (those of `salvo batch --uncertainty`, through cli/sample.c:
 * threads, --mpi, checkpoints), marks the ones whose metric meets the
 * condition, and finds boxes in the space of the ranged assumptions by
 * peeling, pasting and covering; prints each box with its peeling
 * trajectory, and writes the same as JSON. Nothing is computed here beyond
 * parsing and printing. */
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
#include "sample.h"
#include "summary.h"

enum { DIS_METRIC = SAMPLE_NEXT, DIS_WHERE, DIS_JSON, DIS_REPORT, DIS_ALPHA, DIS_PASTE, DIS_SUPPORT, DIS_COVERAGE, DIS_BOXES };
static const OptSpec discover_opts[] = {
    { DIS_METRIC, "--metric", "M", "the outcome metric" },
    { DIS_WHERE, "--where", "\"M OP X\"", "the outcome of interest: OP is <, <=, >, >=, == or !=; X a number (a date for a time)" },
    { DIS_JSON, "--json", "FILE", "every box with its peeling trajectory" },
    { DIS_REPORT, "--report", "FILE", "the boxes as an HTML page (the one salvo report makes of --json)" },
    { DIS_ALPHA, "--alpha", "A", "share of the box peeled at each step (default 0.05)" },
    { DIS_PASTE, "--paste-alpha", "P", "share of the box pasted back at each step after peeling (default 0.01)" },
    { DIS_SUPPORT, "--min-support", "B", "stop peeling below this share of the runs (default 0.05)" },
    { DIS_COVERAGE, "--min-coverage", "C", "choose the densest box with at least this coverage (default 0.5)" },
    { DIS_BOXES, "--boxes", "K", "covering: up to K boxes, each on the runs the earlier ones left (default 3, at most 100)" },
    SAMPLE_OPTS,
    { 0, NULL, NULL, NULL },
};
static const CmdSpec discover_spec = {
    "discover", "FILE --metric M --where \"M OP X\" [--uncertainty] [--runs N] [--threads T]\n"
                "          [--seed S] [--json OUT.json] [--report OUT.html] [--set PATH=VALUE ...] [--alpha A]\n"
                "          [--paste-alpha P] [--min-support B] [--min-coverage C] [--boxes K]\n"
                "          [--checkpoint FILE] [--resume] [--quiet] [--mpi]",
    "Scenario discovery (PRIM; Friedman and Fisher 1999, Bryant and Lempert 2010):\n"
    "which ranges of the assumptions make the outcome likely. The same on any T and\n"
    "under --mpi; --checkpoint and --resume as for batch. See docs/validation.md.",
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

/* A box as {"PATH": [lo, hi], ...}, naming only the assumptions it
 * restricts: bounds other than those of all the runs it was found among
 * (`all`, its trajectory's first step). */
static cJSON *box_json(const Scenario *s, const int *dims, int nd, const PrimStep *all, const double *lo,
                       const double *hi)
{
    cJSON *box = cJSON_CreateObject();
    for (int j = 0; j < nd; j++) {
        if (lo[j] == all->lo[j] && hi[j] == all->hi[j]) continue;
        cJSON *r = cJSON_CreateArray();
        cJSON_AddItemToArray(r, cJSON_CreateNumber(lo[j]));
        cJSON_AddItemToArray(r, cJSON_CreateNumber(hi[j]));
        cJSON_AddItemToObject(box, scenario_assumption(s, dims[j])->path, r);
    }
    return box;
}

/* The command's own options. */
typedef struct DiscoverArgs {
    const char *json, *metric, *where, *report;
    double alpha, paste, support, coverage;
    int boxes;
} DiscoverArgs;

static int discover_opt(void *ctx, int c, const char *val)
{
    DiscoverArgs *o = ctx;
    switch (c) {
    case DIS_METRIC: o->metric = val; return 0;
    case DIS_WHERE: o->where = val; return 0;
    case DIS_JSON: o->json = val; return 0;
    case DIS_REPORT: o->report = val; return 0;
    case DIS_ALPHA: return parse_frac("--alpha", val, &o->alpha);
    case DIS_PASTE: return parse_frac("--paste-alpha", val, &o->paste);
    case DIS_BOXES: {
        long long k = args_count_range("--boxes", val, 1, 100);
        if (k < 0) return -1;
        o->boxes = (int)k;
        return 0;
    }
    case DIS_SUPPORT: return parse_frac("--min-support", val, &o->support);
    case DIS_COVERAGE: return parse_frac("--min-coverage", val, &o->coverage);
    }
    return -1;
}

/* Parse, check and load: 0 go (*out loaded; *m, *op, *x the outcome), 1
 * help, -1 bad (message printed). */
static int discover_setup(int argc, char **argv, SampleArgs *a, DiscoverArgs *o, Scenario **out, int *m, int *op,
                          double *x)
{
    int r = sample_parse(a, &discover_spec, argc, argv, discover_opt, o);
    if (r != 0) return r;
    if (a->file && (!o->metric || !o->where)) {
        fprintf(stderr, "salvo discover: --metric and --where are required\n");
        opt_usage_short(&discover_spec, stderr);
        return -1;
    }
    OutPath outs[] = { { "--json", o->json }, { "--report", o->report } };
    if (!(*out = sample_open(a, &discover_spec, outs, 2))) return -1;
    const Scenario *s = *out;
    if ((*m = scenario_metric_find(s, o->metric)) < 0) {
        fprintf(stderr, "salvo discover: --metric: no metric '%s'; metrics are:", o->metric);
        for (int i = 0; i < scenario_metric_count(s); i++) fprintf(stderr, " %s", scenario_metric(s, i)->id);
        fputc('\n', stderr);
        return -1;
    }
    if (parse_where(o->where, o->metric, s, scenario_metric(s, *m), op, x) < 0) return -1;
    for (int k = 0; k < scenario_assumption_count(s); k++)
        if (scenario_assumption(s, k)->lo < scenario_assumption(s, k)->hi) return 0;
    fprintf(stderr, "salvo discover: %s: no assumption has a range to explore\n", a->file);
    return -1;
}

static int discover_main(int argc, char **argv, Mpi *mpi);

int cmd_discover(int argc, char **argv)
{
    return sample_command(argc, argv, "discover", discover_main);
}

/* PRIM's input: each run's ranged assumptions (a point in the box space)
 * and whether it meets the condition. */
typedef struct Cases {
    int *dims, nd;              /* the ranged assumptions' indices, their count */
    double *pts;                /* n x nd */
    unsigned char *y;           /* n: 1 where the metric meets the condition */
    uint64_t cases;             /* the count of 1s in y */
} Cases;

/* The PRIM input from the rows of n runs: -1 when out of memory (what was
 * allocated is in c, for the caller to free). */
static int discover_cases(const Scenario *s, const double *rows, uint64_t n, int width, int m, int op, double x,
                          Cases *c)
{
    int na = scenario_assumption_count(s), nd = 0;
    c->dims = malloc(((size_t)na + 1) * sizeof *c->dims);
    if (!c->dims) return -1;
    for (int a = 0; a < na; a++)
        if (scenario_assumption(s, a)->lo < scenario_assumption(s, a)->hi) c->dims[nd++] = a;
    c->nd = nd;
    c->pts = malloc((size_t)n * (size_t)nd * sizeof *c->pts);
    c->y = malloc((size_t)n + 1);
    if (!c->pts || !c->y) return -1;
    int col = na + scenario_observation_count(s) + m;
    c->cases = 0;
    for (uint64_t r = 0; r < n; r++) {
        for (int j = 0; j < nd; j++)
            c->pts[r * (uint64_t)nd + (uint64_t)j] = rows[r * (uint64_t)width + (uint64_t)c->dims[j]];
        c->y[r] = (unsigned char)holds(op, rows[r * (uint64_t)width + (uint64_t)col], x);
        c->cases += c->y[r];
    }
    return 0;
}

/* Box k: its peeling trajectory, the chosen step, and the ranges it
 * restricts against their priors. */
static void discover_print_box(const Scenario *s, const Cases *c, const PrimBox *bx, int k, double coverage)
{
    const Prim *tr = bx->peel;
    printf("\nBox %d: peeling trajectory%s\n%5s %9s %8s %8s  %s\n", k + 1,
           k ? " on the runs left by the boxes before" : "", "step", "coverage", "density", "support", "peeled");
    for (int i = 0; i < tr->nsteps; i++) {
        const PrimStep *st = &tr->steps[i];
        char what[512] = "(all runs left)";
        if (st->dim >= 0) {
            char v[32];
            fmt_num(v, sizeof v, st->upper ? st->hi[st->dim] : st->lo[st->dim]);
            snprintf(what, sizeof what, "%s %s %s", scenario_assumption(s, c->dims[st->dim])->path,
                     st->upper ? "<=" : ">=", v);
        }
        printf("%5d %8.1f%% %7.1f%% %7.1f%%  %s%s\n", i, 100 * st->coverage, 100 * st->density, 100 * st->support,
               what, i == bx->chosen ? "   <- chosen" : "");
    }
    const PrimStep *ch = &tr->steps[bx->chosen];
    printf("Box %d (step %d, the densest covering >= %g%% of the cases left; %d paste%s): coverage %.1f%%, "
           "density %.1f%%, support %.1f%% (before pasting %.1f%%, %.1f%%)\n", k + 1, bx->chosen, 100 * coverage,
           bx->pastes, bx->pastes == 1 ? "" : "s", 100 * bx->coverage, 100 * bx->density, 100 * bx->support,
           100 * ch->coverage, 100 * ch->density);
    int restricted = 0;
    for (int j = 0; j < c->nd; j++) {
        if (bx->lo[j] == tr->steps[0].lo[j] && bx->hi[j] == tr->steps[0].hi[j]) continue;
        const Assumption *as = scenario_assumption(s, c->dims[j]);
        char l[32], h[32], prior[72];
        fmt_num(l, sizeof l, bx->lo[j]);
        fmt_num(h, sizeof h, bx->hi[j]);
        fmt_range(prior, sizeof prior, as->lo, as->hi);
        printf("  %-50s %12s – %-12s (prior range %s)\n", as->path, l, h, prior);
        restricted++;
    }
    if (!restricted) puts("  (no restriction: no box does better than all the runs)");
}

/* Box bx as JSON: its statistics, its ranges and its trajectory's. */
static cJSON *discover_box_json(const Scenario *s, const Cases *c, const PrimBox *bx)
{
    cJSON *e = cJSON_CreateObject();
    cJSON_AddNumberToObject(e, "coverage", bx->coverage);
    cJSON_AddNumberToObject(e, "density", bx->density);
    cJSON_AddNumberToObject(e, "support", bx->support);
    cJSON_AddNumberToObject(e, "chosen", bx->chosen);
    cJSON_AddNumberToObject(e, "pastes", bx->pastes);
    cJSON_AddItemToObject(e, "box", box_json(s, c->dims, c->nd, &bx->peel->steps[0], bx->lo, bx->hi));
    cJSON *tr = cJSON_AddArrayToObject(e, "trajectory");
    for (int i = 0; i < bx->peel->nsteps; i++) {
        const PrimStep *st = &bx->peel->steps[i];
        cJSON *t = cJSON_CreateObject();
        cJSON_AddNumberToObject(t, "coverage", st->coverage);
        cJSON_AddNumberToObject(t, "density", st->density);
        cJSON_AddNumberToObject(t, "support", st->support);
        cJSON_AddItemToObject(t, "box", box_json(s, c->dims, c->nd, &bx->peel->steps[0], st->lo, st->hi));
        cJSON_AddItemToArray(tr, t);
    }
    return e;
}

/* The discovery as JSON: the condition, the options, every box, the run. */
static cJSON *discover_json(const Scenario *s, const Cases *c, const PrimCover *pr, const DiscoverArgs *da,
                            uint64_t n, const SampleArgs *a)
{
    cJSON *root = cJSON_CreateObject(), *dj = cJSON_AddObjectToObject(root, "discover");
    cJSON_AddStringToObject(dj, "method", "PRIM peeling, pasting and covering (Friedman and Fisher 1999; "
                            "Bryant and Lempert 2010)");
    cJSON_AddStringToObject(dj, "metric", da->metric);
    cJSON_AddStringToObject(dj, "where", da->where);
    cJSON_AddNumberToObject(dj, "runs", (double)n);
    cJSON_AddNumberToObject(dj, "cases", (double)c->cases);
    cJSON_AddNumberToObject(dj, "density", pr->density);
    cJSON_AddNumberToObject(dj, "alpha", da->alpha);
    cJSON_AddNumberToObject(dj, "paste_alpha", da->paste);
    cJSON_AddNumberToObject(dj, "min_support", da->support);
    cJSON_AddNumberToObject(dj, "min_coverage", da->coverage);
    cJSON *ba = cJSON_AddArrayToObject(dj, "boxes");
    for (int k = 0; k < pr->nboxes; k++) cJSON_AddItemToArray(ba, discover_box_json(s, c, &pr->boxes[k]));
    sample_run_json(root, a, s);
    return root;
}

static int discover_main(int argc, char **argv, Mpi *mpi)
{
    SampleArgs sa;
    DiscoverArgs da = { NULL, NULL, NULL, NULL, 0.05, 0.01, 0.05, 0.5, 3 };
    Scenario *s = NULL;
    int m = -1, op = -1;
    double x = 0;
    sample_init(&sa, "discover", mpi);
    int rc = sample_agree(&sa, discover_setup(argc, argv, &sa, &da, &s, &m, &op, &x), &s);
    if (!s) return rc;
    Cases c = { 0 };
    PrimCover *pr = NULL;
    uint64_t n = 0;
    int width = 0;
    double *rows = sample_run(&sa, s, &n, &width, &rc);
    if (!rows) goto out;
    if (discover_cases(s, rows, n, width, m, op, x, &c) < 0) goto oom;
    PrimOptions po = { da.alpha, da.paste, da.support, da.coverage, da.boxes };
    pr = prim_cover(c.pts, c.y, n, c.nd, &po);
    if (!pr) goto oom;
    printf("%s — %s\n", scenario_name(s), scenario_title(s));
    printf("PRIM: %llu replications (seed %llu), %d ranged assumptions drawn from their priors; %s: %llu runs "
           "(%.1f%%)\n", (unsigned long long)n, sa.seed, c.nd, da.where, (unsigned long long)c.cases,
           100 * pr->density);
    printf("peeling %g%% a step down to %g%% support, pasting %g%% a step, up to %d box%s\n", 100 * da.alpha,
           100 * da.support, 100 * da.paste, da.boxes, da.boxes == 1 ? "" : "es");
    puts("coverage: the share of all the outcome's runs a box takes; density: the share of its runs with the "
         "outcome;\nsupport: its share of all runs. A later box takes only the runs no earlier box took.");
    for (int k = 0; k < pr->nboxes; k++) discover_print_box(s, &c, &pr->boxes[k], k, da.coverage);
    if (da.json || da.report) {
        cJSON *root = discover_json(s, &c, pr, &da, n, &sa);
        int bad = sample_write_json(root, da.json) < 0 || report_hook(root, da.report, NULL) != 0;
        cJSON_Delete(root);
        if (bad) {
            rc = 1;
            goto out;
        }
    }
    if (rc == 130) sample_interrupted(&sa, n);
    goto out;
oom:
    fputs("salvo discover: out of memory\n", stderr);
    rc = 1;
out:
    prim_cover_free(pr);
    free(rows);
    free(c.pts);
    free(c.y);
    free(c.dims);
    scenario_destroy(s);
    return rc;
}
