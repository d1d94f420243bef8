/* batch.c — `salvo batch`, `salvo compare` and `salvo sweep`: parse the
 * arguments, check every output path before any work, load the scenarios,
 * run the batch engine (sim/batch.h) and print or write what it found.
 * With --mpi (batch, compare) the ranks of an MPI job share the run through
 * cli/mpi.c; every rank takes the same steps, only rank 0 writes or prints.
 *
 * Exit status: 0 done; 1 a run-time failure (out of memory, a write error);
 * 2 bad arguments or a scenario that does not load; 130 interrupted by
 * SIGINT or SIGTERM (outputs then hold the replications completed and say
 * "partial": true).
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "afile.h"
#include "outpath.h"
#include "batch.h"
#include "cal.h"
#include "cmd.h"
#include "ledger.h"
#include "mpi.h"
#include "fmt.h"
#include "opt.h"
#include "paired.h"
#include "progress.h"
#include "record.h"
#include "salvo.h"
#include "sha256.h"
#include "summary.h"

#ifndef SALVO_GIT
#define SALVO_GIT "unknown"
#endif

#define DEFAULT_RUNS 1000
#define DEFAULT_SEED 1
#define MAX_SETS 256
#define MAX_VARY 8
#define MAX_POINTS 10000

/* The one piece of process-wide state: a signal handler can reach nothing
 * else. Set by SIGINT/SIGTERM, read by the batch engine's reducer. */
static volatile sig_atomic_t interrupted;
/* The CSV being streamed, removed by a second signal (unlink is
 * async-signal-safe); the other outputs only exist as temporaries for the
 * moment they are written, and a later run removes such leftovers. */
static char csv_tmp[PATH_MAX];

/* The first signal asks the workers to stop at their next replication; the
 * second exits at once with 130, leaving every previous output as it was. */
static void on_signal(int sig)
{
    (void)sig;
    if (interrupted) {
        if (csv_tmp[0]) unlink(csv_tmp);
        _exit(130);
    }
    interrupted = 1;
}

/* Signals are held back while a temporary is created and its name noted. */
static void hold_signals(sigset_t *block, sigset_t *old)
{
    sigemptyset(block);
    sigaddset(block, SIGINT);
    sigaddset(block, SIGTERM);
    sigprocmask(SIG_BLOCK, block, old);
}

static void remember_csv_tmp(const AFile *f)
{
    csv_tmp[0] = '\0';
    if (f->tmp && strlen(f->tmp) < sizeof csv_tmp) memcpy(csv_tmp, f->tmp, strlen(f->tmp) + 1);
}

static void catch_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sa.sa_flags = SA_RESTART;   /* writes to pipes carry on; the flag is polled */
    sigemptyset(&sa.sa_mask);
    sigaddset(&sa.sa_mask, SIGINT);     /* one handler at a time: the second */
    sigaddset(&sa.sa_mask, SIGTERM);    /* signal surely sees the first */
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

/* --- arguments -------------------------------------------------------------- */

typedef struct Vary {
    const char *path;       /* points into argv or into pathbuf */
    char pathbuf[256];
    double lo, hi;
    int steps;
    int ranged;             /* lo/hi/steps given; else from the assumption */
} Vary;

typedef struct Args {
    const char *cmd;
    const char *files[2];
    int nfiles;
    long long runs;
    int threads;
    unsigned long long seed;
    const char *csv, *json, *checkpoint;
    const char *report, *svg;   /* --report FILE, --svg DIR (cli/report.c) */
    int resume, quiet, assumptions, uncertainty;
    int no_uncertainty;     /* --no-uncertainty: the dice only, whatever the scenario's default */
    int threads_set;        /* --threads given */
    Mpi *mpi;               /* --mpi: the job this rank belongs to, else NULL */
    const char *sets[MAX_SETS];
    int nsets;
    const char *target;     /* METRIC:HALFWIDTH */
    const char *target_metric_id;
    char target_id[64];
    double target_halfwidth;
    const char *metric;     /* --metric */
    const char *by[16];     /* --by DATE */
    int nby;
    Vary vary[MAX_VARY];
    int nvary;
    int steps;              /* --steps for --vary PATH */
    char *command;          /* the command line, for provenance */
    char *found[2];         /* installed scenarios named without a path (args_scenario) */
} Args;

/* The options, one table per subcommand (cli/opt.h); --help is printed from them. */
enum {
    A_RUNS = 1, A_THREADS, A_SEED, A_CSV, A_JSON, A_SET, A_CHECKPOINT, A_RESUME, A_TARGET, A_QUIET,
    A_METRIC, A_BY, A_UNCERTAINTY, A_MPI, A_VARY, A_STEPS, A_ASSUMPTIONS, A_REPORT, A_SVG, A_NO_UNCERTAINTY,
};
#define O_RUNS        { A_RUNS, "--runs", "N", "replications (default 1000)" }
#define O_THREADS     { A_THREADS, "--threads", "T", "worker threads (default: all cores); results do not depend on T" }
#define O_SEED        { A_SEED, "--seed", "S", "base seed, decimal or 0x hex (default 1)" }
#define O_CSV(what)   { A_CSV, "--csv", "FILE", what }
#define O_JSON(what)  { A_JSON, "--json", "FILE", what }
#define O_SET         { A_SET, "--set", "PATH=VALUE", "override a parameter (repeatable)" }
#define O_UNCERTAINTY { A_UNCERTAINTY, "--uncertainty", NULL, "draw every ranged assumption per replication" }
#define O_QUIET       { A_QUIET, "--quiet", NULL, "no progress line" }
#define O_MPI         { A_MPI, "--mpi", NULL, "under mpirun: split the runs between the ranks (docs/batch.md)" }
#define O_REPORT      { A_REPORT, "--report", "FILE", "also write the HTML report of the summary (docs/report.md)" }
#define O_SVG         { A_SVG, "--svg", "DIR", "with --report: also write each chart as DIR/ID.svg" }
#define O_END         { 0, NULL, NULL, NULL }

static const OptSpec batch_opts[] = {
    O_RUNS, O_THREADS, O_SEED,
    O_CSV("one row per replication"), O_JSON("the summary statistics"), O_SET,
    { A_CHECKPOINT, "--checkpoint", "FILE", "save progress every 2 s and at the end" },
    { A_RESUME, "--resume", NULL, "continue from --checkpoint" },
    { A_TARGET, "--target", "METRIC:HALFWIDTH", "stop once METRIC's 95% CI half-width is <= HALFWIDTH" },
    { A_METRIC, "--metric", "M", "the metric the progress line shows" },
    { A_BY, "--by", "DATE", "also print P(time metric by DATE) (repeatable)" },
    O_UNCERTAINTY,
    { A_NO_UNCERTAINTY, "--no-uncertainty", NULL, "the dice only, even where the scenario's batch default draws its assumptions" },
    O_QUIET, O_MPI, O_REPORT, O_SVG, O_END,
};
static const CmdSpec batch_spec = {
    "batch", "FILE [--runs N] [--threads T] [--seed S] [--csv RUNS.csv]\n"
             "            [--json SUMMARY.json] [--set PATH=VALUE ...] [--checkpoint FILE]\n"
             "            [--resume] [--target METRIC:HALFWIDTH] [--metric M] [--by DATE ...]\n"
             "            [--uncertainty | --no-uncertainty] [--quiet] [--mpi]\n"
             "            [--report REPORT.html [--svg DIR]]",
    "Monte Carlo batch: N replications on T threads; the summary is identical for\n"
    "any T. Under mpirun, --mpi splits the batch between the ranks (identical\n"
    "summary again). See docs/batch.md.",
    batch_opts,
};

static const OptSpec compare_opts[] = {
    O_RUNS, O_THREADS, O_SEED,
    O_CSV("one row per replication: A's, B's and B-A's values"), O_JSON("the paired statistics"), O_SET,
    O_UNCERTAINTY, O_QUIET, O_MPI, O_REPORT, O_SVG, O_END,
};
static const CmdSpec compare_spec = {
    "compare", "A.json B.json [--runs N] [--threads T] [--seed S] [--set PATH=VALUE ...]\n"
               "              [--json OUT.json] [--csv RUNS.csv] [--uncertainty] [--quiet] [--mpi]\n"
               "              [--report REPORT.html [--svg DIR]]",
    "Runs A and B with common random numbers and reports the paired difference B-A\n"
    "(over the replications where both have a value).",
    compare_opts,
};

static const OptSpec sweep_opts[] = {
    { A_VARY, "--vary", "PATH[=LO:HI:STEPS]", "a parameter to vary (repeatable: a full-factorial grid)" },
    { A_STEPS, "--steps", "K", "values for --vary PATH without a range (default 5)" },
    { A_ASSUMPTIONS, "--assumptions", NULL, "every ranged assumption low vs high, ranked by effect on --metric" },
    { A_METRIC, "--metric", "M", "the metric to print (and, with --assumptions, to rank by)" },
    O_RUNS, O_THREADS, O_SEED,
    O_CSV("one row per point (or per assumption)"), O_JSON("every point's statistics"), O_SET,
    O_UNCERTAINTY, O_QUIET, O_REPORT, O_SVG, O_END,
};
static const CmdSpec sweep_spec = {
    "sweep", "FILE --vary PATH[=LO:HI:STEPS] [--vary ...] [--runs N] [--steps K]\n"
             "            [--threads T] [--seed S] [--set PATH=VALUE ...] [--metric M]\n"
             "            [--csv OUT.csv] [--json OUT.json] [--uncertainty] [--quiet]\n"
             "            [--report REPORT.html [--svg DIR]]\n"
             "FILE --assumptions --metric M [--runs N] ...",
    "A full-factorial grid (--vary PATH alone uses the assumption's range), or\n"
    "every ranged assumption low vs high, ranked by its effect on M (tornado).",
    sweep_opts,
};

static char *join_command(int argc, char **argv)
{
    size_t n = 6;
    for (int i = 0; i < argc; i++) n += strlen(argv[i]) + 3;
    char *s = malloc(n), *p = s;
    if (!s) return NULL;
    p += sprintf(p, "salvo");
    for (int i = 0; i < argc; i++) {
        int plain = *argv[i] != '\0';
        for (const char *c = argv[i]; *c; c++)
            if (!isalnum((unsigned char)*c) && !strchr("-_./=:,+@%", *c)) plain = 0;
        p += sprintf(p, plain || strchr(argv[i], '\'') ? " %s" : " '%s'", argv[i]);
    }
    return s;
}

static int parse_double(const char *opt, const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (!*s || *end || errno || !isfinite(v)) {
        fprintf(stderr, "salvo: %s: expected a number, got '%s'\n", opt, s);
        return -1;
    }
    *out = v;
    return 0;
}

/* PATH=LO:HI:STEPS, or PATH alone (range from the assumption record). */
static int parse_vary(const char *s, Vary *v)
{
    memset(v, 0, sizeof *v);
    const char *eq = strchr(s, '=');
    if (!eq) {
        if (!*s) goto bad;
        v->path = s;
        return 0;
    }
    if (eq == s) goto bad;
    size_t len = (size_t)(eq - s);
    if (len >= sizeof v->pathbuf) goto bad;
    memcpy(v->pathbuf, s, len);
    v->pathbuf[len] = '\0';
    v->path = v->pathbuf;
    char lo[64], hi[64], extra;
    int steps;
    if (sscanf(eq + 1, "%63[^:]:%63[^:]:%d%c", lo, hi, &steps, &extra) != 3) goto bad;
    if (parse_double("--vary", lo, &v->lo) < 0 || parse_double("--vary", hi, &v->hi) < 0) return -1;
    if (steps < 1 || steps > MAX_POINTS) goto bad;
    v->steps = steps;
    v->ranged = 1;
    return 0;
bad:
    fprintf(stderr, "salvo: --vary: expected PATH=LO:HI:STEPS (STEPS 1..%d) or PATH, got '%s'\n",
            MAX_POINTS, s);
    return -1;
}

/* Parse argv (argv[0] is the subcommand) with the table of `spec`; mpi is
 * the job (--mpi) or NULL. Returns 0, 1 for --help, -1 on error (already
 * printed). */
static int parse_args(int argc, char **argv, const CmdSpec *spec, int nfiles, Mpi *mpi, Args *a)
{
    memset(a, 0, sizeof *a);
    a->cmd = argv[0];
    a->mpi = mpi;
    a->runs = DEFAULT_RUNS;
    a->seed = DEFAULT_SEED;
    a->steps = 5;
    a->threads = args_threads_default();
    OptParser p;
    opt_init(&p, spec, argc, argv);
    for (int c; (c = opt_next(&p)) != OPT_END;) {
        const char *val = p.val;
        switch (c) {
        case OPT_HELP: return 1;
        case OPT_ERROR: return -1;
        case OPT_OPERAND:
            if (a->nfiles >= nfiles) {
                fprintf(stderr, "salvo %s: unexpected argument '%s' (%d scenario file%s expected)\n", a->cmd, val,
                        nfiles, nfiles > 1 ? "s" : "");
                return -1;
            }
            a->files[a->nfiles++] = val;
            break;
        case A_RESUME: a->resume = 1; break;
        case A_QUIET: a->quiet = 1; break;
        case A_UNCERTAINTY: a->uncertainty = 1; break;
        case A_NO_UNCERTAINTY: a->no_uncertainty = 1; break;
        case A_MPI: break;     /* seen before parsing: mpi */
        case A_ASSUMPTIONS: a->assumptions = 1; break;
        case A_RUNS:
            if ((a->runs = args_count("--runs", val, 1)) < 0) return -1;
            break;
        case A_THREADS:
            if (args_threads(val, &a->threads) < 0) return -1;
            a->threads_set = 1;
            break;
        case A_STEPS: {
            long long t = args_count("--steps", val, 1);
            if (t < 0) return -1;
            if (t > MAX_POINTS) {
                fprintf(stderr, "salvo: --steps: at most %d\n", MAX_POINTS);
                return -1;
            }
            a->steps = (int)t;
            break;
        }
        case A_SEED:
            if (args_seed(val, &a->seed) < 0) return -1;
            break;
        case A_CSV: a->csv = val; break;
        case A_JSON: a->json = val; break;
        case A_CHECKPOINT: a->checkpoint = val; break;
        case A_REPORT: a->report = val; break;
        case A_SVG: a->svg = val; break;
        case A_METRIC: a->metric = val; break;
        case A_SET:
            if (args_set(val, a->sets, &a->nsets, MAX_SETS - MAX_VARY) < 0) return -1;
            break;
        case A_BY: {
            int64_t day;
            if (cal_parse(val, &day) < 0) {
                fprintf(stderr, "salvo: --by: expected a date YYYY-MM-DD, got '%s'\n", val);
                return -1;
            }
            if (a->nby >= 16) {
                fprintf(stderr, "salvo: --by: at most 16 dates\n");
                return -1;
            }
            a->by[a->nby++] = val;
            break;
        }
        case A_TARGET: {
            const char *colon = strrchr(val, ':');
            if (!colon || colon == val || (size_t)(colon - val) >= sizeof a->target_id) {
                fprintf(stderr, "salvo: --target: expected METRIC:HALFWIDTH, got '%s'\n", val);
                return -1;
            }
            memcpy(a->target_id, val, (size_t)(colon - val));
            a->target_id[colon - val] = '\0';
            if (parse_double("--target", colon + 1, &a->target_halfwidth) < 0) return -1;
            if (!(a->target_halfwidth > 0)) {
                fprintf(stderr, "salvo: --target: the half-width must be > 0, got '%s'\n", colon + 1);
                return -1;
            }
            a->target = val;
            a->target_metric_id = a->target_id;
            break;
        }
        case A_VARY:
            if (a->nvary >= MAX_VARY) {
                fprintf(stderr, "salvo: --vary: at most %d parameters\n", MAX_VARY);
                return -1;
            }
            if (parse_vary(val, &a->vary[a->nvary]) < 0) return -1;
            a->nvary++;
            break;
        }
    }
    for (int i = 0; i < a->nfiles; i++) {
        char found[4096];
        if (args_scenario(a->files[i], found, sizeof found) && (a->found[i] = strdup(found))) a->files[i] = a->found[i];
    }
    if (a->nfiles < nfiles) {
        fprintf(stderr, "salvo %s: expected %d scenario file%s\n", a->cmd, nfiles, nfiles > 1 ? "s" : "");
        return -1;
    }
    if (a->resume && !a->checkpoint) {
        fprintf(stderr, "salvo %s: --resume needs --checkpoint FILE\n", a->cmd);
        return -1;
    }
    /* Ranks of an MPI job share the cores of a node unless told otherwise. */
    if (mpi && !a->threads_set && mpi_local_size(mpi) > 1)
        a->threads = a->threads / mpi_local_size(mpi) > 1 ? a->threads / mpi_local_size(mpi) : 1;
    /* Only rank 0 writes: other nodes need not see its file system. */
    OutPath outs[] = { { "--csv", a->csv }, { "--json", a->json }, { "--checkpoint", a->checkpoint },
                       { "--report", a->report } };
    if (mpi_rank(mpi) == 0 && outpath_check_all(a->files, a->nfiles, outs, 4) < 0) return -1;
    a->command = join_command(argc, argv);
    return 0;
}

static void args_free(Args *a)
{
    free(a->command);
    free(a->found[0]);
    free(a->found[1]);
}

static Scenario *load(const char *path, const char *const *sets, int nsets)
{
    Diag d;
    diag_init(&d, path);
    Scenario *s = scenario_load(path, sets, nsets, &d);
    if (!s) {
        diag_print(&d, stderr);
        if (diag_errors(&d) == 0) fprintf(stderr, "%s: cannot load the scenario\n", path);
    }
    diag_free(&d);
    return s;
}

/* The checkpoint must match the scenario's bytes, every --set and the
 * engine's build (a different model code could give other results). */
static void fingerprint(const Scenario *s, const Args *a, const char *extra, char out[65])
{
    args_fingerprint(s, a->sets, a->nsets, extra, out);
}

/* --- progress and formatting ------------------------------------------------ */

/* A value of metric i as the tables show it (cli/fmt.h). */
static void fmt_value(char *buf, size_t n, const BatchModel *m, int metric, double x)
{
    fmt_metric(buf, n, &m->metrics[metric], m->start_day, x);
}

static void print_table(const Batch *b, const Args *a, FILE *out)
{
    const BatchModel *m = batch_model(b);
    int w = 6, uw = 4;
    for (int i = 0; i < m->nmetrics; i++) {
        const MetricInfo *mi = &m->metrics[i];
        int len = (int)strlen(mi->id);
        if (len > w) w = len;
        const char *unit = mi->kind == MET_TIME ? "date" : mi->kind == MET_FLAG ? "P" : mi->unit;
        if (unit && (int)strlen(unit) > uw) uw = (int)strlen(unit);
    }
    /* The label, where the terminal has room for at least 12 of it. */
    int fixed = w + 2 + 12 + 1 + 10 + 3 * 13 + 8 + 2 + uw, lw = fmt_columns() - fixed - 2;
    if (lw < 12) lw = 0;
    fprintf(out, "%-*s  %12s %10s %12s %12s %12s %7s  %-*s%s\n", w, "metric", "mean", "±95%", "p5", "median",
            "p95", "never", uw, "unit", lw ? "  label" : "");
    for (int i = 0; i < m->nmetrics; i++) {
        const MetricInfo *mi = &m->metrics[i];
        SummaryStat st;
        summary_stat(b, i, &st);
        char mean[32], hw[32], p5[32], med[32], p95[32], never[16];
        fmt_value(mean, sizeof mean, m, i, st.mean);
        fmt_num(hw, sizeof hw, isfinite(st.halfwidth) ? st.halfwidth : NAN);
        fmt_value(p5, sizeof p5, m, i, st.p5);
        fmt_value(med, sizeof med, m, i, st.median);
        fmt_value(p95, sizeof p95, m, i, st.p95);
        if (mi->kind == MET_TIME && st.n)
            snprintf(never, sizeof never, "%.1f%%", 100.0 * (double)st.n_never / (double)st.n);
        else
            never[0] = '\0';
        const char *unit = mi->kind == MET_TIME ? "date" : mi->kind == MET_FLAG ? "P" : mi->unit;
        const char *label = lw && mi->label && strcmp(mi->label, mi->id) ? mi->label : "";
        fprintf(out, "%-*s  %12s %10s %12s %12s %12s %7s  %-*s", w, mi->id, mean, hw, p5, med, p95, never, uw,
                unit ? unit : "");
        if (*label) fprintf(out, "  %.*s%s", (int)strlen(label) > lw ? lw - 3 : lw, label,
                            (int)strlen(label) > lw ? "..." : "");
        fputc('\n', out);
    }
    fputs("±95%: half-width of the 95% confidence interval of the mean (Student t); for a date, in days.\n"
          "P: the probability (the mean of a yes/no metric). Quantiles p5, median, p95 over all runs.\n",
          out);
    /* P(by date): at every year end within the horizon, and --by dates. */
    int times = 0;
    for (int i = 0; i < m->nmetrics; i++) {
        if (m->metrics[i].kind != MET_TIME) continue;
        if (!times++)
            fputs("Dates: the mean and ±days are over the runs where it happened; quantiles count never as latest.\n", out);
        fprintf(out, "P(%s by", m->metrics[i].id);
        int64_t last = m->start_day + (int64_t)ceil(m->horizon);   /* the end date */
        int any = 0;
        for (int64_t day = m->start_day; day <= last; day++) {
            int y, mo, d;
            cal_civil(day, &y, &mo, &d);
            if (!((mo == 12 && d == 31) || day == last)) continue;
            char date[11];
            cal_format(day, date);
            fprintf(out, "%s %s: %.3f", any++ ? "," : "", date, summary_prob_by(b, i, day));
        }
        for (int k = 0; k < a->nby; k++) {
            int64_t day;
            cal_parse(a->by[k], &day);
            fprintf(out, "%s %s: %.3f", any++ ? "," : "", a->by[k], summary_prob_by(b, i, day));
        }
        fputs(")\n", out);
    }
}

/* Peak resident memory of this process in KiB (Linux: ru_maxrss is KiB). */
static long max_rss_kb(void)
{
    struct rusage ru;
    return getrusage(RUSAGE_SELF, &ru) == 0 ? ru.ru_maxrss : 0;
}

/* --- batch ------------------------------------------------------------------- */


/* Run the engine over model m with the outputs of `a`. On success fills *out
 * (the caller destroys it) and returns 0 or 130; else 1 or 2. With --mpi
 * every rank calls this at the same point (its steps are collective); only
 * rank 0 has the totals, writes the CSV and the checkpoint. */
static int run_model(const BatchModel *m, const Args *a, const char *fp, int target_metric,
                     int main_metric, Batch **out)
{
    Diag d;
    diag_init(&d, a->files[0]);
    int rc = 1, root = mpi_rank(a->mpi) == 0;
    AFile csv;
    memset(&csv, 0, sizeof csv);
    Progress pr = { m->metrics[main_metric].id, 0 };
    BatchOptions o;
    memset(&o, 0, sizeof o);
    o.seed = a->seed;
    o.runs = (uint64_t)a->runs;
    o.threads = a->threads;
    o.target_metric = target_metric;
    o.target_halfwidth = a->target_halfwidth;
    o.checkpoint = root ? a->checkpoint : NULL;
    o.fingerprint = fp;
    o.stop = &interrupted;
    o.progress_metric = main_metric;
    progress_attach(&pr, &o, root && !a->quiet);
    Batch *b = batch_create(m, &d);
    if (!b) goto ready;
    if (a->resume && (a->mpi ? mpi_resume(a->mpi, b, a->checkpoint, &o, &d)
                             : batch_resume(b, a->checkpoint, &o, &d)) < 0) {
        rc = 2;
        goto ready;
    }
    if (a->resume && (uint64_t)a->runs < batch_done(b)) {
        diag_add(&d, 0, 0, "", "the checkpoint '%s' already holds %" PRIu64 " replications; "
                 "--runs must be at least that (got %lld)", a->checkpoint, batch_done(b), a->runs);
        rc = 2;
        goto ready;
    }
    if (a->csv && root) {
        sigset_t block, old;
        hold_signals(&block, &old);
        int e = afile_open(&csv, a->csv, &d);
        remember_csv_tmp(&csv);
        sigprocmask(SIG_SETMASK, &old, NULL);
        if (e < 0) goto ready;
        if (batch_done(b) > 0 && batch_csv_copy(a->csv, m, a->seed, batch_done(b), csv.fp, &d) < 0) {
            rc = 2;
            goto ready;
        }
        o.csv = csv.fp;
        o.csv_header = batch_done(b) == 0;
    }
    rc = 0;
ready:
    /* Every rank goes, or none. */
    if (a->mpi) rc = mpi_max(a->mpi, rc);
    if (rc) goto out;
    rc = 1;
    BatchShare sh;
    if (a->mpi) {
        mpi_share(a->mpi, &sh, &interrupted, a->csv != NULL);
        o.share = &sh;
    }
    int ok = batch_run(b, &o, &d) == 0;
    if (a->mpi && mpi_end_run(a->mpi, !ok, &d) < 0) ok = 0;
    progress_end(&pr);
    if (!ok) goto out;
    csv_tmp[0] = '\0';
    if (a->csv && root && afile_commit(&csv, &d) < 0) goto out;
    rc = batch_stopped(b) ? 130 : 0;
    *out = b;
    b = NULL;
out:
    progress_end(&pr);
    if (csv.fp) afile_abort(&csv);
    if (diag_errors(&d)) {
        for (int i = 0; i < d.count; i++) fprintf(stderr, "salvo %s: %s\n", a->cmd, d.items[i].msg);
    }
    diag_free(&d);
    batch_destroy(b);
    return rc;
}

static int find_metric(const BatchModel *m, const char *id, const char *opt)
{
    for (int i = 0; i < m->nmetrics; i++)
        if (!strcmp(m->metrics[i].id, id)) return i;
    fprintf(stderr, "salvo: %s: no metric '%s'; metrics are:", opt, id);
    for (int i = 0; i < m->nmetrics; i++) fprintf(stderr, " %s", m->metrics[i].id);
    fputc('\n', stderr);
    return -1;
}

/* Under mpirun without --mpi every rank would run the whole batch and
 * write the same files: say so once (Open MPI sets these variables). */
static void warn_mpirun(const char *cmd)
{
    const char *size = getenv("OMPI_COMM_WORLD_SIZE"), *rank = getenv("OMPI_COMM_WORLD_RANK");
    if (size && atoi(size) > 1 && rank && !strcmp(rank, "0"))
        fprintf(stderr, "salvo %s: warning: running under mpirun without --mpi: every rank runs the "
                "whole batch on its own\n", cmd);
}

static int batch_main(int argc, char **argv, Mpi *mpi);

int cmd_batch(int argc, char **argv)
{
    Mpi *mpi = NULL;
    if (mpi_wanted(argc, argv) && !(mpi = mpi_start("batch"))) return 2;
    if (!mpi) warn_mpirun("batch");
    return mpi_finish(mpi, batch_main(argc, argv, mpi));
}

/* Halted replications are reported, and make the exit status 1: their
 * metrics stop at the halt, so the summary is not to be trusted as is.
 * Under --mpi every rank reports its own. */
static int report_halted(BatchScenario *bs, const char *what, Mpi *mpi, int rc)
{
    uint64_t first;
    const char *why;
    uint64_t n = bs ? batch_scenario_halted(bs, &first, &why) : 0;
    if (!n) return rc;
    char rank[32] = "";
    if (mpi && mpi_size(mpi) > 1) snprintf(rank, sizeof rank, " (rank %d)", mpi_rank(mpi));
    fprintf(stderr, "salvo: %s%s: %" PRIu64 " replication%s halted by the event limit; first, replication %" PRIu64
            ": %s. Their metrics stop at the halt: fix the scenario (see docs/scenario.md, Limits)\n",
            what, rank, n, n == 1 ? " was" : "s were", first, why);
    return rc == 0 ? 1 : rc;
}

static int batch_main(int argc, char **argv, Mpi *mpi)
{
    Args a;
    int rc = 2, target = -1, main_metric = 0, unc_default = 0;
    RecordRow *rec = NULL;
    int nrec = 0;
    Scenario *s = NULL;
    BatchScenario *bs = NULL;
    Batch *b = NULL;
    const BatchModel *m = NULL;
    char fp[65] = "";
    int r = parse_args(argc, argv, &batch_spec, 1, mpi, &a);
    if (r != 0) goto agree;
    r = -1;
    if (!(s = load(a.files[0], a.sets, a.nsets))) goto agree;
    bs = batch_scenario_create(s);
    if (!bs) {
        fprintf(stderr, "salvo batch: %s: the scenario has no metrics to summarise\n", a.files[0]);
        goto agree;
    }
    if (a.uncertainty && a.no_uncertainty) {
        fprintf(stderr, "salvo batch: --uncertainty and --no-uncertainty contradict each other\n");
        goto agree;
    }
    /* The scenario's own default ("batch": {"uncertainty": true}) unless
     * the command line says otherwise. */
    unc_default = !a.uncertainty && !a.no_uncertainty && scenario_batch_uncertainty(s);
    if (unc_default) a.uncertainty = 1;
    batch_scenario_set_uncertainty(bs, a.uncertainty);
    batch_scenario_set_record(bs, scenario_observation_count(s) > 0);
    m = batch_scenario_model(bs);
    if (a.target && (target = find_metric(m, a.target_metric_id, "--target")) < 0) goto agree;
    if (a.metric && (main_metric = find_metric(m, a.metric, "--metric")) < 0) goto agree;
    if (!a.metric && target >= 0) main_metric = target;
    fingerprint(s, &a, a.uncertainty ? "\n--uncertainty" : NULL, fp);
    r = 0;
agree:
    /* With --mpi: every rank goes, or none (each has checked the same
     * arguments and loaded the same scenario, byte for byte). */
    if (mpi) r = mpi_agree(mpi, r, fp);
    if (r == 1) {
        opt_usage(&batch_spec, stdout);
        rc = 0;
    }
    if (r != 0) goto out;
    catch_signals();
    rc = run_model(m, &a, fp, target, main_metric, &b);
    if (!b || mpi_rank(mpi) != 0) goto out;

    SummaryRun run;
    memset(&run, 0, sizeof run);
    run.version = SALVO_VERSION;
    run.git = SALVO_GIT;
    run.command = a.command;
    run.scenario = scenario_name(s);
    run.sha256 = scenario_sha256(s);
    run.seed = a.seed;
    run.runs = (uint64_t)a.runs;
    run.threads = a.threads;
    run.ranks = mpi ? mpi_size(mpi) : 0;
    run.wall_s = batch_seconds(b);
    run.max_rss_kb = max_rss_kb();
    run.uncertainty = a.uncertainty;
    run.target_metric = target >= 0 ? m->metrics[target].id : NULL;
    run.target_halfwidth = a.target_halfwidth;
    const char *mode = a.uncertainty ? (unc_default ? "parametric uncertainty (the scenario's batch default): every "
                                                      "ranged assumption drawn per replication, with the dice"
                                                    : "parametric uncertainty (--uncertainty): every ranged "
                                                      "assumption drawn per replication, with the dice")
                                     : "the dice only: assumptions at their values";
    nrec = scenario_observation_count(s);
    if (nrec > 0 && (!(rec = calloc((size_t)nrec, sizeof *rec)) || record_build(b, s, rec) < 0)) {
        fprintf(stderr, "salvo batch: out of memory building the record check\n");
        nrec = 0;
        rc = 1;
    }
    summary_run_scenario(&run, s);
    if (a.json || a.report) {
        Diag d;
        diag_init(&d, a.json ? a.json : a.report);
        cJSON *j = summary_json(b, &run);
        cJSON *jrun = j ? cJSON_GetObjectItemCaseSensitive(j, "run") : NULL;
        if (jrun) cJSON_AddStringToObject(jrun, "mode", a.uncertainty ? "uncertainty" : "dice");
        if (jrun) cJSON_AddStringToObject(jrun, "mode_from", unc_default ? "scenario" : a.uncertainty ||
                                          a.no_uncertainty ? "command line" : "default");
        if (j && nrec > 0) {
            cJSON *jr = record_json(rec, nrec);
            if (!jr || !cJSON_AddItemToObject(j, "record", jr)) {
                cJSON_Delete(jr);
                cJSON_Delete(j);
                j = NULL;
            }
        }
        /* The assumption ledger, for reports (docs/batch.md). */
        LedgerRow *rows;
        int nrows = ledger_build(s, &rows);
        cJSON *ledger = nrows >= 0 ? ledger_to_cjson(rows, nrows) : NULL;
        ledger_free(rows);
        if (j && (!ledger || !cJSON_AddItemToObject(j, "assumptions", ledger))) {
            cJSON_Delete(ledger);
            cJSON_Delete(j);
            j = NULL;
            diag_add(&d, 0, 0, "", "out of memory building the summary");
        }
        if (!j || (a.json && summary_write(j, a.json, &d) < 0)) {
            diag_print(&d, stderr);
            rc = 1;
        }
        /* --report: the HTML report of this summary (cli/report.c) */
        if (j && report_hook(j, a.report, a.svg) != 0) rc = 1;
        cJSON_Delete(j);
        diag_free(&d);
    }
    printf("%s — %s\n", scenario_name(s), scenario_title(s));
    double secs = batch_seconds(b);
    char ranks[32] = "";
    if (mpi) snprintf(ranks, sizeof ranks, "%d rank%s x ", mpi_size(mpi), mpi_size(mpi) == 1 ? "" : "s");
    printf("%" PRIu64 " replications%s (seed %llu, %s%d thread%s, %.2f s, %.0f runs/s, %.3g M events/s)\n",
           batch_done(b), batch_stopped(b) ? " — PARTIAL, interrupted" : "", a.seed, ranks, a.threads,
           a.threads == 1 ? "" : "s", secs, secs > 0 ? (double)(batch_done(b)) / secs : 0.0,
           secs > 0 ? (double)batch_events(b) / secs / 1e6 : 0.0);
    if (target >= 0)
        printf("target %s ±%s: %s\n", m->metrics[target].id, strrchr(a.target, ':') + 1,
               batch_target_met(b) ? "met" : "not met within --runs");
    printf("mode: %s\n", mode);
    putchar('\n');
    print_table(b, &a, stdout);
    record_print(rec, nrec, stdout);
    if (batch_stopped(b))
        fprintf(stderr, "salvo batch: interrupted after %" PRIu64 " replications; outputs are partial%s\n",
                batch_done(b), a.checkpoint ? " (continue with --resume)" : "");
out:
    rc = report_halted(bs, a.nfiles > 0 ? a.files[0] : "batch", mpi, rc);
    free(rec);
    batch_destroy(b);
    batch_scenario_destroy(bs);
    scenario_free(s);
    args_free(&a);
    return rc;
}

/* --- compare ----------------------------------------------------------------- */


static int compare_main(int argc, char **argv, Mpi *mpi);

int cmd_compare(int argc, char **argv)
{
    Mpi *mpi = NULL;
    if (mpi_wanted(argc, argv) && !(mpi = mpi_start("compare"))) return 2;
    if (!mpi) warn_mpirun("compare");
    return mpi_finish(mpi, compare_main(argc, argv, mpi));
}

static int compare_main(int argc, char **argv, Mpi *mpi)
{
    Args a;
    int rc = 2;
    Scenario *sa = NULL, *sb = NULL;
    BatchScenario *ba = NULL, *bb = NULL;
    Paired *p = NULL;
    Batch *b = NULL;
    Diag d;
    char fp[65] = "";
    int r = parse_args(argc, argv, &compare_spec, 2, mpi, &a);
    if (r != 0) goto agree;
    r = -1;
    if (!(sa = load(a.files[0], a.sets, a.nsets)) || !(sb = load(a.files[1], a.sets, a.nsets))) goto agree;
    ba = batch_scenario_create(sa);
    bb = batch_scenario_create(sb);
    if (!ba || !bb) {
        fprintf(stderr, "salvo compare: a scenario has no metrics\n");
        goto agree;
    }
    batch_scenario_set_uncertainty(ba, a.uncertainty);
    batch_scenario_set_uncertainty(bb, a.uncertainty);
    diag_init(&d, a.files[1]);
    p = paired_create(batch_scenario_model(ba), batch_scenario_model(bb), &d);
    if (!p) {
        for (int i = 0; i < d.count; i++) fprintf(stderr, "salvo compare: %s\n", d.items[i].msg);
        diag_free(&d);
        goto agree;
    }
    diag_free(&d);
    /* What every rank must agree on: both scenarios, --set, the build. */
    fingerprint(sa, &a, scenario_sha256(sb), fp);
    r = 0;
agree:
    if (mpi) r = mpi_agree(mpi, r, fp);
    if (r == 1) {
        opt_usage(&compare_spec, stdout);
        rc = 0;
    }
    if (r != 0) goto out;
    catch_signals();
    rc = run_model(paired_model(p), &a, NULL, -1, 2, &b);
    if (!b || mpi_rank(mpi) != 0) goto out;

    printf("compare  A = %s (%s)\n         B = %s (%s)\n", scenario_name(sa), a.files[0],
           scenario_name(sb), a.files[1]);
    printf("%" PRIu64 " paired replications%s, common random numbers (seed %llu), %.2f s\n\n",
           batch_done(b), batch_stopped(b) ? " — PARTIAL, interrupted" : "", a.seed, batch_seconds(b));
    const BatchModel *pm = paired_model(p);
    int w = 6, uw = 4;
    for (int k = 0; k < paired_count(p); k++) {
        const MetricInfo *mi = &pm->metrics[4 * k];
        if ((int)strlen(paired_id(p, k)) > w) w = (int)strlen(paired_id(p, k));
        const char *unit = mi->kind == MET_TIME ? "date/days" : mi->kind == MET_FLAG ? "P" : mi->unit;
        if (unit && (int)strlen(unit) > uw) uw = (int)strlen(unit);
    }
    printf("%-*s  %12s %12s %12s %10s %10s %9s %8s  %s\n", w, "metric", "mean A", "mean B", "B-A", "±95%",
           "indep ±95%", "B better", "var red", "unit");
    for (int k = 0; k < paired_count(p); k++) {
        const MetricInfo *mi = &pm->metrics[4 * k];
        PairedStat st;
        paired_stat(p, b, k, &st);
        char ma[32], mb[32], df[32], hw[32], ih[32], bt[16], vr[16];
        fmt_metric(ma, sizeof ma, mi, pm->start_day, st.mean_a);
        fmt_metric(mb, sizeof mb, mi, pm->start_day, st.mean_b);
        fmt_num(df + 1, sizeof df - 1, st.diff);
        df[0] = st.diff > 0 ? '+' : ' ';
        fmt_num(hw, sizeof hw, isfinite(st.diff_halfwidth) ? st.diff_halfwidth : NAN);
        fmt_num(ih, sizeof ih, isfinite(st.indep_halfwidth) ? st.indep_halfwidth : NAN);
        if (isnan(st.better_fraction)) snprintf(bt, sizeof bt, "-");
        else snprintf(bt, sizeof bt, "%.1f%%", 100 * st.better_fraction);
        if (isinf(st.var_reduction)) snprintf(vr, sizeof vr, "inf");
        else if (isnan(st.var_reduction)) snprintf(vr, sizeof vr, "-");
        else snprintf(vr, sizeof vr, "%.1fx", st.var_reduction);
        const char *unit = mi->kind == MET_TIME ? "date/days" : mi->kind == MET_FLAG ? "P" : mi->unit;
        printf("%-*s  %12s %12s %12s %10s %10s %9s %8s  %s\n", w, paired_id(p, k), ma, mb, df[0] == ' ' ? df + 1 : df,
               hw, ih, bt, vr, unit ? unit : "");
    }
    fputs("B-A: the mean of the paired differences over the replications where both have a value (for a\n"
          "date: where it happened in both), in days for a date; ±95%: its 95% CI half-width; indep ±95%: what\n"
          "two independent batches of this size would give; var red: how many times fewer runs pairing needs.\n",
          stdout);
    if (a.json || a.report) {
        SummaryRun run;
        memset(&run, 0, sizeof run);
        run.version = SALVO_VERSION;
        run.git = SALVO_GIT;
        run.command = a.command;
        run.scenario = scenario_name(sa);
        run.sha256 = scenario_sha256(sa);
        run.seed = a.seed;
        run.runs = (uint64_t)a.runs;
        run.threads = a.threads;
        run.ranks = mpi ? mpi_size(mpi) : 0;
        run.wall_s = batch_seconds(b);
        run.uncertainty = a.uncertainty;
        summary_run_scenario(&run, sa);
        cJSON *root = cJSON_CreateObject();
        cJSON_AddItemToObject(root, "metrics", paired_json(p, b));
        cJSON *rj = summary_run_json(b, &run);
        cJSON_AddStringToObject(rj, "scenario_b", scenario_name(sb));
        cJSON_AddStringToObject(rj, "sha256_b", scenario_sha256(sb));
        cJSON_AddItemToObject(root, "run", rj);
        diag_init(&d, a.json ? a.json : "");
        if (a.json && summary_write(root, a.json, &d) < 0) {
            diag_print(&d, stderr);
            rc = 1;
        }
        diag_free(&d);
        if (report_hook(root, a.report, a.svg) != 0) rc = 1;
        cJSON_Delete(root);
    }
out:
    rc = report_halted(ba, a.nfiles > 0 ? a.files[0] : "A", mpi, rc);
    rc = report_halted(bb, a.nfiles > 1 ? a.files[1] : "B", mpi, rc);
    batch_destroy(b);
    paired_destroy(p);
    batch_scenario_destroy(ba);
    batch_scenario_destroy(bb);
    scenario_free(sa);
    scenario_free(sb);
    args_free(&a);
    return rc;
}

/* --- sweep -------------------------------------------------------------------- */


static void fmt_exact(char *buf, size_t n, double x)
{
    for (int prec = 6; prec <= 17; prec++) {
        snprintf(buf, n, "%.*g", prec, x);
        if (strtod(buf, NULL) == x) return;
    }
}

/* Run one point (sets = base + extra) quietly; 0 / 130 with *out, else error. */
static int run_point(const Args *a, const char *const *sets, int nsets, Batch **out, Scenario **sout,
                     BatchScenario **bsout)
{
    Scenario *s = load(a->files[0], sets, nsets);
    if (!s) return 2;
    BatchScenario *bs = batch_scenario_create(s);
    if (!bs) {
        scenario_free(s);
        fprintf(stderr, "salvo sweep: the scenario has no metrics\n");
        return 2;
    }
    batch_scenario_set_uncertainty(bs, a->uncertainty);
    Args quiet = *a;
    quiet.csv = NULL;
    quiet.checkpoint = NULL;
    quiet.resume = 0;
    int rc = run_model(batch_scenario_model(bs), &quiet, NULL, -1, 0, out);
    *sout = s;
    *bsout = bs;
    return rc;
}

static int sweep_assumptions(const Args *a, Scenario *base)
{
    BatchScenario *bs0 = batch_scenario_create(base);
    if (!bs0) return 2;
    int metric = find_metric(batch_scenario_model(bs0), a->metric, "--metric");
    cJSON *info = summary_metric_info_json(batch_scenario_model(bs0));
    batch_scenario_destroy(bs0);
    if (metric < 0) {
        cJSON_Delete(info);
        return 2;
    }
    int n = scenario_assumption_count(base), nr = 0;
    typedef struct Row { const Assumption *as; double lo, hi, eff; SummaryStat slo, shi; } Row;
    Row *rows = calloc((size_t)n + 1, sizeof *rows);
    if (!rows) return 1;
    for (int i = 0; i < n; i++) {
        const Assumption *as = scenario_assumption(base, i);
        if (as->hi > as->lo) rows[nr++].as = as;
    }
    if (nr == 0) {
        fprintf(stderr, "salvo sweep: %s has no assumption with a range\n", a->files[0]);
        free(rows);
        return 2;
    }
    /* Check every low/high value loads before running anything. */
    const char *sets[MAX_SETS];
    char extra[320];
    for (int i = 0; i < a->nsets; i++) sets[i] = a->sets[i];
    for (int k = 0; k < nr; k++)
        for (int side = 0; side < 2; side++) {
            char v[40];
            fmt_exact(v, sizeof v, side ? rows[k].as->hi : rows[k].as->lo);
            snprintf(extra, sizeof extra, "%s=%s", rows[k].as->path, v);
            sets[a->nsets] = extra;
            Scenario *s = load(a->files[0], sets, a->nsets + 1);
            if (!s) {
                free(rows);
                return 2;
            }
            scenario_free(s);
        }
    int rc = 0;
    Batch *bb = NULL;
    Scenario *sb = NULL;
    BatchScenario *bsb = NULL;
    SummaryStat sbase;
    int r = run_point(a, (const char *const *)a->sets, a->nsets, &bb, &sb, &bsb);
    if (r != 0 && r != 130) {
        free(rows);
        return r;
    }
    summary_stat(bb, metric, &sbase);
    cJSON *jbase = summary_brief_json(bb, metric);
    batch_destroy(bb);
    batch_scenario_destroy(bsb);
    scenario_free(sb);
    rc = r;
    for (int k = 0; k < nr && rc == 0; k++)
        for (int side = 0; side < 2 && rc == 0; side++) {
            char v[40];
            fmt_exact(v, sizeof v, side ? rows[k].as->hi : rows[k].as->lo);
            snprintf(extra, sizeof extra, "%s=%s", rows[k].as->path, v);
            sets[a->nsets] = extra;
            Batch *b = NULL;
            Scenario *s = NULL;
            BatchScenario *bsp = NULL;
            r = run_point(a, sets, a->nsets + 1, &b, &s, &bsp);
            if (b) summary_stat(b, metric, side ? &rows[k].shi : &rows[k].slo);
            if (r != 0) rc = r;
            batch_destroy(b);
            batch_scenario_destroy(bsp);
            scenario_free(s);
        }
    if (rc != 0) {
        cJSON_Delete(jbase);
        cJSON_Delete(info);
        free(rows);
        return rc;
    }
    for (int k = 0; k < nr; k++) rows[k].eff = rows[k].shi.mean - rows[k].slo.mean;
    /* Rank by |effect| (insertion sort: a handful of rows; stable). */
    for (int i = 1; i < nr; i++) {
        Row t = rows[i];
        int j = i;
        while (j > 0 && fabs(rows[j - 1].eff) < fabs(t.eff)) {
            rows[j] = rows[j - 1];
            j--;
        }
        rows[j] = t;
    }
    char bm[32];
    fmt_num(bm, sizeof bm, sbase.mean);
    char bh[32];
    fmt_num(bh, sizeof bh, sbase.halfwidth);
    printf("tornado: effect of each assumption, low -> high, on %s (base mean %s ±%s; %lld runs each)\n\n",
           a->metric, bm, bh, a->runs);
    int pw = 10;
    for (int k = 0; k < nr; k++)
        if ((int)strlen(rows[k].as->path) > pw) pw = (int)strlen(rows[k].as->path);
    printf("%4s  %-*s %10s %10s %12s %12s %12s  %s\n", "rank", pw, "assumption", "low", "high",
           "mean @low", "mean @high", "effect", "source");
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "metric", a->metric);
    cJSON_AddItemToObject(root, "metric_info", info);
    cJSON_AddItemToObject(root, "base", jbase);
    cJSON *arr = cJSON_AddArrayToObject(root, "assumptions");
    AFile csv;
    memset(&csv, 0, sizeof csv);
    Diag d;
    diag_init(&d, a->csv ? a->csv : "");
    int csv_failed = a->csv && afile_open(&csv, a->csv, &d) != 0;
    if (csv.fp)
        fprintf(csv.fp, "rank,path,low,high,mean_low,ci_low_lo,ci_low_hi,mean_high,ci_high_lo,ci_high_hi,effect\n");
    for (int k = 0; k < nr; k++) {
        Row *w = &rows[k];
        char lo[32], hi[32], ml[32], mh[32], ef[32];
        fmt_num(lo, sizeof lo, w->as->lo);
        fmt_num(hi, sizeof hi, w->as->hi);
        fmt_num(ml, sizeof ml, w->slo.mean);
        fmt_num(mh, sizeof mh, w->shi.mean);
        fmt_num(ef, sizeof ef, w->eff);
        printf("%4d  %-*s %10s %10s %12s %12s %12s  %s\n", k + 1, pw, w->as->path, lo, hi, ml, mh, ef,
               w->as->source ? w->as->source : "");
        cJSON *o = cJSON_CreateObject();
        cJSON_AddNumberToObject(o, "rank", k + 1);
        cJSON_AddStringToObject(o, "path", w->as->path);
        cJSON_AddNumberToObject(o, "value", w->as->value);
        cJSON_AddNumberToObject(o, "low", w->as->lo);
        cJSON_AddNumberToObject(o, "high", w->as->hi);
        cJSON_AddItemToObject(o, "mean_low", summary_number(w->slo.mean));
        cJSON_AddItemToObject(o, "halfwidth_low", summary_number(w->slo.halfwidth));
        cJSON_AddItemToObject(o, "mean_high", summary_number(w->shi.mean));
        cJSON_AddItemToObject(o, "halfwidth_high", summary_number(w->shi.halfwidth));
        cJSON_AddItemToObject(o, "effect", summary_number(w->eff));
        cJSON_AddStringToObject(o, "source", w->as->source ? w->as->source : "");
        cJSON_AddStringToObject(o, "source_title", w->as->source_title ? w->as->source_title : "");
        cJSON_AddItemToArray(arr, o);
        if (csv.fp)
            fprintf(csv.fp, "%d,%s,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g\n", k + 1,
                    w->as->path, w->as->lo, w->as->hi, w->slo.mean, w->slo.ci_lo, w->slo.ci_hi,
                    w->shi.mean, w->shi.ci_lo, w->shi.ci_hi, w->eff);
    }
    csv_tmp[0] = '\0';
    if (csv.fp && afile_commit(&csv, &d) < 0) rc = 1;
    if (csv_failed) rc = 1;   /* (a committed AFile is zeroed: test the open, not csv.path) */
    SummaryRun run;
    memset(&run, 0, sizeof run);
    run.version = SALVO_VERSION;
    run.git = SALVO_GIT;
    run.command = a->command;
    run.scenario = scenario_name(base);
    run.sha256 = scenario_sha256(base);
    run.seed = a->seed;
    run.runs = (uint64_t)a->runs;
    run.threads = a->threads;
    run.uncertainty = a->uncertainty;
    summary_run_scenario(&run, base);
    cJSON_AddItemToObject(root, "run", summary_run_json(NULL, &run));
    if (a->json && summary_write(root, a->json, &d) < 0) rc = 1;
    if (report_hook(root, a->report, a->svg) != 0) rc = 1;
    diag_print(&d, stderr);
    diag_free(&d);
    cJSON_Delete(root);
    free(rows);
    return rc;
}

int cmd_sweep(int argc, char **argv)
{
    Args a;
    int r = parse_args(argc, argv, &sweep_spec, 1, NULL, &a);
    if (r == 1) {
        opt_usage(&sweep_spec, stdout);
        return 0;
    }
    if (r < 0) return 2;
    int rc = 2;
    Scenario *base = NULL;
    double *values[MAX_VARY] = { 0 };
    cJSON *root = NULL;
    AFile csv;
    memset(&csv, 0, sizeof csv);
    if (a.assumptions && a.nvary) {
        fprintf(stderr, "salvo sweep: use either --vary or --assumptions, not both\n");
        goto out;
    }
    if (!a.assumptions && !a.nvary) {
        fprintf(stderr, "salvo sweep: nothing to vary: give --vary PATH=LO:HI:STEPS or --assumptions\n");
        goto out;
    }
    if (a.assumptions && !a.metric) {
        fprintf(stderr, "salvo sweep: --assumptions needs --metric M (the metric to rank by)\n");
        goto out;
    }
    base = load(a.files[0], a.sets, a.nsets);
    if (!base) goto out;
    catch_signals();
    if (a.assumptions) {
        rc = sweep_assumptions(&a, base);
        goto out;
    }
    /* Resolve ranges from assumption records, then build the grid. */
    long long npoints = 1;
    for (int v = 0; v < a.nvary; v++) {
        Vary *vy = &a.vary[v];
        if (!vy->ranged) {
            const Assumption *found = NULL;
            for (int i = 0; i < scenario_assumption_count(base); i++)
                if (!strcmp(scenario_assumption(base, i)->path, vy->path)) found = scenario_assumption(base, i);
            if (!found || !(found->hi > found->lo)) {
                fprintf(stderr, "salvo sweep: --vary %s: %s; give PATH=LO:HI:STEPS\n", vy->path,
                        found ? "its assumption has no range" : "no assumption record with this path");
                goto out;
            }
            vy->lo = found->lo;
            vy->hi = found->hi;
            vy->steps = a.steps;
        }
        values[v] = malloc((size_t)vy->steps * sizeof *values[v]);
        if (!values[v]) goto out;
        for (int k = 0; k < vy->steps; k++)
            values[v][k] = vy->steps == 1 ? vy->lo : vy->lo + (vy->hi - vy->lo) * k / (vy->steps - 1);
        npoints *= vy->steps;
        if (npoints > MAX_POINTS) {
            fprintf(stderr, "salvo sweep: the grid has more than %d points\n", MAX_POINTS);
            goto out;
        }
    }
    BatchScenario *bs0 = batch_scenario_create(base);
    if (!bs0) goto out;
    const BatchModel *m0 = batch_scenario_model(bs0);
    int nm = m0->nmetrics, only = -1;
    char **ids = calloc((size_t)nm, sizeof *ids);
    for (int i = 0; ids && i < nm; i++) ids[i] = strdup(m0->metrics[i].id);
    if (a.metric) only = find_metric(m0, a.metric, "--metric");
    cJSON *info = summary_metric_info_json(m0);
    batch_scenario_destroy(bs0);
    if (!ids || (a.metric && only < 0)) goto out_ids;

    /* Every point's sets, checked by loading before any batch runs. */
    const char *sets[MAX_SETS];
    char extra[MAX_VARY][320];
    for (int i = 0; i < a.nsets; i++) sets[i] = a.sets[i];
    for (int v = 0; v < a.nvary; v++) sets[a.nsets + v] = extra[v];
    int idx[MAX_VARY];
#define POINT_SETS(pt)                                                               \
    do {                                                                             \
        long long rest = (pt);                                                       \
        for (int v = a.nvary - 1; v >= 0; v--) {                                     \
            idx[v] = (int)(rest % a.vary[v].steps);                                  \
            rest /= a.vary[v].steps;                                                 \
            char num[40];                                                            \
            fmt_exact(num, sizeof num, values[v][idx[v]]);                           \
            snprintf(extra[v], sizeof extra[v], "%s=%s", a.vary[v].path, num);       \
        }                                                                            \
    } while (0)
    for (long long pt = 0; pt < npoints; pt++) {
        POINT_SETS(pt);
        Scenario *s = load(a.files[0], sets, a.nsets + a.nvary);
        if (!s) goto out_ids;
        scenario_free(s);
    }
    Diag d;
    diag_init(&d, a.csv ? a.csv : "");
    sigset_t block, old;
    hold_signals(&block, &old);
    int e = a.csv ? afile_open(&csv, a.csv, &d) : 0;
    remember_csv_tmp(&csv);
    sigprocmask(SIG_SETMASK, &old, NULL);
    if (e < 0) {
        diag_print(&d, stderr);
        diag_free(&d);
        rc = 1;
        goto out_ids;
    }
    diag_free(&d);
    if (csv.fp) {
        fputs("point", csv.fp);
        for (int v = 0; v < a.nvary; v++) fprintf(csv.fp, ",%s", a.vary[v].path);
        for (int i = 0; i < nm; i++) fprintf(csv.fp, ",%s_mean,%s_ci_lo,%s_ci_hi", ids[i], ids[i], ids[i]);
        fputc('\n', csv.fp);
    }
    root = cJSON_CreateObject();
    cJSON *jv = cJSON_AddArrayToObject(root, "vary");
    cJSON_AddItemToObject(root, "metric_info", info);
    info = NULL;
    for (int v = 0; v < a.nvary; v++) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "path", a.vary[v].path);
        cJSON_AddItemToObject(o, "values", cJSON_CreateDoubleArray(values[v], a.vary[v].steps));
        cJSON_AddItemToArray(jv, o);
    }
    cJSON *jp = cJSON_AddArrayToObject(root, "points");
    printf("sweep of %s: %lld points x %lld runs (seed %llu, common random numbers across points)\n\n",
           scenario_name(base), npoints, a.runs, a.seed);
    rc = 0;
    for (long long pt = 0; pt < npoints && rc == 0; pt++) {
        POINT_SETS(pt);
        Batch *b = NULL;
        Scenario *s = NULL;
        BatchScenario *bsp = NULL;
        r = run_point(&a, sets, a.nsets + a.nvary, &b, &s, &bsp);
        if (r != 0) rc = r;
        if (b && !batch_stopped(b)) {
            printf("point %lld:", pt + 1);
            for (int v = 0; v < a.nvary; v++) {
                char num[32];
                fmt_num(num, sizeof num, values[v][idx[v]]);
                printf(" %s=%s", a.vary[v].path, num);
            }
            putchar('\n');
            cJSON *o = cJSON_CreateObject();
            cJSON *set = cJSON_AddObjectToObject(o, "set");
            for (int v = 0; v < a.nvary; v++) cJSON_AddNumberToObject(set, a.vary[v].path, values[v][idx[v]]);
            cJSON *jm = cJSON_AddObjectToObject(o, "metrics");
            if (csv.fp) {
                fprintf(csv.fp, "%lld", pt);
                for (int v = 0; v < a.nvary; v++) fprintf(csv.fp, ",%.17g", values[v][idx[v]]);
            }
            for (int i = 0; i < nm; i++) {
                SummaryStat st;
                summary_stat(b, i, &st);
                cJSON_AddItemToObject(jm, ids[i], summary_brief_json(b, i));
                if (csv.fp) fprintf(csv.fp, ",%.17g,%.17g,%.17g", st.mean, st.ci_lo, st.ci_hi);
                if (only >= 0 && i != only) continue;
                char mean[32], hw[32];
                fmt_value(mean, sizeof mean, batch_model(b), i, st.mean);
                fmt_num(hw, sizeof hw, isfinite(st.halfwidth) ? st.halfwidth : NAN);
                printf("    %-32s %14s ±%s\n", ids[i], mean, hw);
            }
            if (csv.fp) fputc('\n', csv.fp);
            cJSON_AddItemToArray(jp, o);
        }
        batch_destroy(b);
        batch_scenario_destroy(bsp);
        scenario_free(s);
    }
    if (rc == 130) fprintf(stderr, "salvo sweep: interrupted; outputs hold the points completed\n");
    diag_init(&d, "sweep");
    csv_tmp[0] = '\0';
    if (csv.fp && afile_commit(&csv, &d) < 0) rc = 1;
    SummaryRun run;
    memset(&run, 0, sizeof run);
    run.version = SALVO_VERSION;
    run.git = SALVO_GIT;
    run.command = a.command;
    run.scenario = scenario_name(base);
    run.sha256 = scenario_sha256(base);
    run.seed = a.seed;
    run.runs = (uint64_t)a.runs;
    run.threads = a.threads;
    run.uncertainty = a.uncertainty;
    summary_run_scenario(&run, base);
    cJSON *rj = summary_run_json(NULL, &run);
    cJSON_AddBoolToObject(rj, "partial", rc == 130);
    cJSON_AddItemToObject(root, "run", rj);
    if (a.json && (rc == 0 || rc == 130) && summary_write(root, a.json, &d) < 0) rc = 1;
    if ((rc == 0 || rc == 130) && report_hook(root, a.report, a.svg) != 0) rc = 1;
    diag_print(&d, stderr);
    diag_free(&d);
out_ids:
    cJSON_Delete(info);
    for (int i = 0; ids && i < nm; i++) free(ids[i]);
    free(ids);
out:
    if (csv.fp) afile_abort(&csv);
    cJSON_Delete(root);
    for (int v = 0; v < MAX_VARY; v++) free(values[v]);
    scenario_free(base);
    args_free(&a);
    return rc;
}
