/* batch.c — `salvo batch`, `salvo compare` and `salvo sweep`: parse the
 * arguments, check every output path before any work, load the scenarios,
 * run the batch engine (sim/batch.h; a sweep's grid or tornado is computed
 * by sim/sweep.h) and print or write what it found.
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
#include "sweep.h"

#ifndef SALVO_GIT
#define SALVO_GIT "unknown"
#endif

#define DEFAULT_RUNS 1000
#define DEFAULT_SEED 1
#define MAX_SETS 256
#define MAX_VARY SWEEP_MAX_AXES
#define MAX_POINTS SWEEP_MAX_POINTS

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
    SweepAxis axis;         /* axis.path points into argv or into pathbuf */
    char pathbuf[256];
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
static int parse_vary(const char *s, Vary *vy)
{
    memset(vy, 0, sizeof *vy);
    SweepAxis *v = &vy->axis;
    const char *eq = strchr(s, '=');
    if (!eq) {
        if (!*s) goto bad;
        v->path = s;
        return 0;
    }
    if (eq == s) goto bad;
    size_t len = (size_t)(eq - s);
    if (len >= sizeof vy->pathbuf) goto bad;
    memcpy(vy->pathbuf, s, len);
    vy->pathbuf[len] = '\0';
    v->path = vy->pathbuf;
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

/* --steps K: 1..MAX_POINTS. */
static int parse_steps(const char *val, int *out)
{
    long long t = args_count("--steps", val, 1);
    if (t < 0) return -1;
    if (t > MAX_POINTS) {
        fprintf(stderr, "salvo: --steps: at most %d\n", MAX_POINTS);
        return -1;
    }
    *out = (int)t;
    return 0;
}

/* --by DATE (repeatable, at most 16). */
static int add_by(Args *a, const char *val)
{
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
    return 0;
}

/* --target METRIC:HALFWIDTH, the half-width > 0. */
static int parse_target(Args *a, const char *val)
{
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
    return 0;
}

/* --vary PATH[=LO:HI:STEPS] (repeatable, at most MAX_VARY). */
static int add_vary(Args *a, const char *val)
{
    if (a->nvary >= MAX_VARY) {
        fprintf(stderr, "salvo: --vary: at most %d parameters\n", MAX_VARY);
        return -1;
    }
    if (parse_vary(val, &a->vary[a->nvary]) < 0) return -1;
    a->nvary++;
    return 0;
}

/* A scenario file operand: at most nfiles of them. */
static int add_file(Args *a, const char *val, int nfiles)
{
    if (a->nfiles >= nfiles) {
        fprintf(stderr, "salvo %s: unexpected argument '%s' (%d scenario file%s expected)\n", a->cmd, val,
                nfiles, nfiles > 1 ? "s" : "");
        return -1;
    }
    a->files[a->nfiles++] = val;
    return 0;
}

/* One option (or operand) c with its value; 0, or -1 (printed). */
static int take_option(Args *a, int c, const char *val, int nfiles)
{
    switch (c) {
    case OPT_OPERAND: return add_file(a, val, nfiles);
    case A_RESUME: a->resume = 1; break;
    case A_QUIET: a->quiet = 1; break;
    case A_UNCERTAINTY: a->uncertainty = 1; break;
    case A_NO_UNCERTAINTY: a->no_uncertainty = 1; break;
    case A_MPI: break;     /* seen before parsing: the job given to parse_args */
    case A_ASSUMPTIONS: a->assumptions = 1; break;
    case A_RUNS: return (a->runs = args_count("--runs", val, 1)) < 0 ? -1 : 0;
    case A_THREADS:
        a->threads_set = 1;
        return args_threads(val, &a->threads);
    case A_STEPS: return parse_steps(val, &a->steps);
    case A_SEED: return args_seed(val, &a->seed);
    case A_CSV: a->csv = val; break;
    case A_JSON: a->json = val; break;
    case A_CHECKPOINT: a->checkpoint = val; break;
    case A_REPORT: a->report = val; break;
    case A_SVG: a->svg = val; break;
    case A_METRIC: a->metric = val; break;
    case A_SET: return args_set(val, a->sets, &a->nsets, MAX_SETS - MAX_VARY);
    case A_BY: return add_by(a, val);
    case A_TARGET: return parse_target(a, val);
    case A_VARY: return add_vary(a, val);
    }
    return 0;
}

/* After the options: the scenarios found, what goes together, the threads
 * of an MPI rank, every output path, the command line. 0, or -1 (printed). */
static int finish_args(Args *a, int argc, char **argv, int nfiles, Mpi *mpi)
{
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
        if (c == OPT_HELP) return 1;
        if (c == OPT_ERROR || take_option(a, c, p.val, nfiles) < 0) return -1;
    }
    return finish_args(a, argc, argv, nfiles, mpi);
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
    diag_fini(&d);
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


/* The options every batch of `a` shares: no target; the progress line on a
 * terminal, shown by `root` only (rank 0 of an MPI job). */
static void batch_options(const Args *a, Progress *pr, int root, BatchOptions *o)
{
    memset(o, 0, sizeof *o);
    o->seed = a->seed;
    o->runs = (uint64_t)a->runs;
    o->threads = a->threads;
    o->target_metric = -1;
    o->stop = &interrupted;
    progress_attach(pr, o, root && !a->quiet);
}

/* The provenance of a summary of `a` over scenario s (the "run" object). */
static void run_record(const Args *a, const Scenario *s, SummaryRun *run)
{
    memset(run, 0, sizeof *run);
    run->version = SALVO_VERSION;
    run->git = SALVO_GIT;
    run->command = a->command;
    run->seed = a->seed;
    run->runs = (uint64_t)a->runs;
    run->threads = a->threads;
    run->ranks = a->mpi ? mpi_size(a->mpi) : 0;
    run->uncertainty = a->uncertainty;
    summary_run_scenario(run, s);
}

/* Open a CSV to stream rows into, its temporary noted for the signal
 * handler (signals held meanwhile). 0, or -1 with a diagnostic. */
static int open_streamed_csv(AFile *csv, const char *path, Diag *d)
{
    sigset_t block, old;
    hold_signals(&block, &old);
    int e = afile_open(csv, path, d);
    remember_csv_tmp(csv);
    sigprocmask(SIG_SETMASK, &old, NULL);
    return e < 0 ? -1 : 0;
}

/* --resume: the totals of --checkpoint (every rank reads them under
 * --mpi), which --runs must not be below. 0, or -1 with a diagnostic. */
static int resume(const Args *a, Batch *b, const BatchOptions *o, Diag *d)
{
    if ((a->mpi ? mpi_resume(a->mpi, b, a->checkpoint, o, d) : batch_resume(b, a->checkpoint, o, d)) < 0) return -1;
    if ((uint64_t)a->runs < batch_done(b)) {
        diag_add(d, 0, 0, "", "the checkpoint '%s' already holds %" PRIu64 " replications; "
                 "--runs must be at least that (got %lld)", a->checkpoint, batch_done(b), a->runs);
        return -1;
    }
    return 0;
}

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
    batch_options(a, &pr, root, &o);
    o.target_metric = target_metric;
    o.target_halfwidth = a->target_halfwidth;
    o.checkpoint = root ? a->checkpoint : NULL;
    o.fingerprint = fp;
    o.progress_metric = main_metric;
    Batch *b = batch_create(m, &d);
    if (!b) goto ready;
    if (a->resume && resume(a, b, &o, &d) < 0) {
        rc = 2;
        goto ready;
    }
    if (a->csv && root) {
        if (open_streamed_csv(&csv, a->csv, &d) < 0) goto ready;
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
    diag_fini(&d);
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

/* `salvo cmd` by fn, in an MPI job when --mpi asks for one (cli/mpi.c). */
static int with_mpi(int argc, char **argv, const char *cmd, int (*fn)(int argc, char **argv, Mpi *mpi))
{
    Mpi *mpi = NULL;
    if (mpi_wanted(argc, argv) && !(mpi = mpi_start(cmd))) return 2;
    if (!mpi) warn_mpirun(cmd);
    return mpi_finish(mpi, fn(argc, argv, mpi));
}

static int batch_main(int argc, char **argv, Mpi *mpi);

int cmd_batch(int argc, char **argv)
{
    return with_mpi(argc, argv, "batch", batch_main);
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

/* Whether to run, once the arguments (r: parse_args's result, or -1 if
 * the scenarios did not prepare) are checked: with --mpi every rank goes,
 * or none (each has checked the same arguments and loaded the same
 * scenarios, byte for byte, fingerprinted in fp). --help prints the usage
 * and sets *rc to 0. Catches the signals of a run that goes. */
static int agree_to_run(Mpi *mpi, int r, const char *fp, const CmdSpec *spec, int *rc)
{
    if (mpi) r = mpi_agree(mpi, r, fp);
    if (r == 1) {
        opt_usage(spec, stdout);
        *rc = 0;
    }
    if (r != 0) return 0;
    catch_signals();
    return 1;
}

/* A batch: its arguments, what they name in the scenario, its result. */
typedef struct BatchJob {
    Args a;
    Scenario *s;
    BatchScenario *bs;
    const BatchModel *m;
    int target;             /* --target's metric, or -1 */
    int main_metric;        /* the progress line's: --metric, else the target's, else 0 */
    int unc_default;        /* uncertainty on by the scenario's batch default */
    char fp[65];            /* what a checkpoint (and every MPI rank) must match */
    Batch *b;
    RecordRow *rec;         /* the record check, nrec rows */
    int nrec;
} BatchJob;

/* Load the scenario and resolve what the arguments name in it. 0, or -1
 * (printed). */
static int batch_prepare(BatchJob *j)
{
    Args *a = &j->a;
    if (!(j->s = load(a->files[0], a->sets, a->nsets))) return -1;
    if (!(j->bs = batch_scenario_create(j->s))) {
        fprintf(stderr, "salvo batch: %s: the scenario has no metrics to summarise\n", a->files[0]);
        return -1;
    }
    if (a->uncertainty && a->no_uncertainty) {
        fprintf(stderr, "salvo batch: --uncertainty and --no-uncertainty contradict each other\n");
        return -1;
    }
    /* The scenario's own default ("batch": {"uncertainty": true}) unless
     * the command line says otherwise. */
    j->unc_default = !a->uncertainty && !a->no_uncertainty && scenario_batch_uncertainty(j->s);
    if (j->unc_default) a->uncertainty = 1;
    batch_scenario_set_uncertainty(j->bs, a->uncertainty);
    batch_scenario_set_record(j->bs, scenario_observation_count(j->s) > 0);
    j->m = batch_scenario_model(j->bs);
    if (a->target && (j->target = find_metric(j->m, a->target_metric_id, "--target")) < 0) return -1;
    if (a->metric && (j->main_metric = find_metric(j->m, a->metric, "--metric")) < 0) return -1;
    if (!a->metric && j->target >= 0) j->main_metric = j->target;
    fingerprint(j->s, a, a->uncertainty ? "\n--uncertainty" : NULL, j->fp);
    return 0;
}

/* The summary's JSON: statistics, run, mode, record and assumption ledger.
 * NULL when out of memory (d says so, or the caller's check does). */
static cJSON *batch_json(const BatchJob *j, const SummaryRun *run, Diag *d)
{
    const Args *a = &j->a;
    cJSON *js = summary_json(j->b, run);
    cJSON *jrun = js ? cJSON_GetObjectItemCaseSensitive(js, "run") : NULL;
    if (jrun) cJSON_AddStringToObject(jrun, "mode", a->uncertainty ? "uncertainty" : "dice");
    if (jrun) cJSON_AddStringToObject(jrun, "mode_from", j->unc_default ? "scenario" : a->uncertainty ||
                                      a->no_uncertainty ? "command line" : "default");
    if (js && j->nrec > 0) {
        cJSON *jr = record_json(j->rec, j->nrec);
        if (!jr || !cJSON_AddItemToObject(js, "record", jr)) {
            cJSON_Delete(jr);
            cJSON_Delete(js);
            js = NULL;
        }
    }
    /* The assumption ledger, for reports (docs/batch.md). */
    LedgerRow *rows;
    int nrows = ledger_build(j->s, &rows);
    cJSON *ledger = nrows >= 0 ? ledger_to_cjson(rows, nrows) : NULL;
    ledger_destroy(rows);
    if (js && (!ledger || !cJSON_AddItemToObject(js, "assumptions", ledger))) {
        cJSON_Delete(ledger);
        cJSON_Delete(js);
        js = NULL;
        diag_add(d, 0, 0, "", "out of memory building the summary");
    }
    return js;
}

/* --json and --report; 0, or 1 (printed). */
static int batch_write(const BatchJob *j, const SummaryRun *run)
{
    const Args *a = &j->a;
    int rc = 0;
    Diag d;
    diag_init(&d, a->json ? a->json : a->report);
    cJSON *js = batch_json(j, run, &d);
    if (!js || (a->json && summary_write(js, a->json, &d) < 0)) {
        diag_print(&d, stderr);
        rc = 1;
    }
    /* --report: the HTML report of this summary (cli/report.c) */
    if (js && report_hook(js, a->report, a->svg) != 0) rc = 1;
    cJSON_Delete(js);
    diag_fini(&d);
    return rc;
}

/* What the terminal shows: the run, its mode, the table and the record. */
static void batch_print(const BatchJob *j, Mpi *mpi)
{
    const Args *a = &j->a;
    const Batch *b = j->b;
    const char *mode = a->uncertainty ? (j->unc_default ? "parametric uncertainty (the scenario's batch default): "
                                                          "every ranged assumption drawn per replication, with the dice"
                                                        : "parametric uncertainty (--uncertainty): every ranged "
                                                          "assumption drawn per replication, with the dice")
                                      : "the dice only: assumptions at their values";
    printf("%s — %s\n", scenario_name(j->s), scenario_title(j->s));
    double secs = batch_seconds(b);
    char ranks[32] = "";
    if (mpi) snprintf(ranks, sizeof ranks, "%d rank%s x ", mpi_size(mpi), mpi_size(mpi) == 1 ? "" : "s");
    printf("%" PRIu64 " replications%s (seed %llu, %s%d thread%s, %.2f s, %.0f runs/s, %.3g M events/s)\n",
           batch_done(b), batch_stopped(b) ? " — PARTIAL, interrupted" : "", a->seed, ranks, a->threads,
           a->threads == 1 ? "" : "s", secs, secs > 0 ? (double)(batch_done(b)) / secs : 0.0,
           secs > 0 ? (double)batch_events(b) / secs / 1e6 : 0.0);
    if (j->target >= 0)
        printf("target %s ±%s: %s\n", j->m->metrics[j->target].id, strrchr(a->target, ':') + 1,
               batch_target_met(b) ? "met" : "not met within --runs");
    printf("mode: %s\n", mode);
    putchar('\n');
    print_table(b, a, stdout);
    record_print(j->rec, j->nrec, stdout);
    if (batch_stopped(b))
        fprintf(stderr, "salvo batch: interrupted after %" PRIu64 " replications; outputs are partial%s\n",
                batch_done(b), a->checkpoint ? " (continue with --resume)" : "");
}

/* After the run (rank 0): the record check, the outputs and the table. */
static int batch_report(BatchJob *j, Mpi *mpi, int rc)
{
    const Args *a = &j->a;
    SummaryRun run;
    run_record(a, j->s, &run);
    run.wall_s = batch_seconds(j->b);
    run.max_rss_kb = max_rss_kb();
    run.target_metric = j->target >= 0 ? j->m->metrics[j->target].id : NULL;
    run.target_halfwidth = a->target_halfwidth;
    j->nrec = scenario_observation_count(j->s);
    if (j->nrec > 0 && (!(j->rec = calloc((size_t)j->nrec, sizeof *j->rec)) || record_build(j->b, j->s, j->rec) < 0)) {
        fprintf(stderr, "salvo batch: out of memory building the record check\n");
        j->nrec = 0;
        rc = 1;
    }
    if ((a->json || a->report) && batch_write(j, &run) != 0) rc = 1;
    batch_print(j, mpi);
    return rc;
}

static int batch_main(int argc, char **argv, Mpi *mpi)
{
    BatchJob j;
    memset(&j, 0, sizeof j);
    j.target = -1;
    int rc = 2;
    int r = parse_args(argc, argv, &batch_spec, 1, mpi, &j.a);
    if (r == 0) r = batch_prepare(&j);
    if (agree_to_run(mpi, r, j.fp, &batch_spec, &rc)) {
        rc = run_model(j.m, &j.a, j.fp, j.target, j.main_metric, &j.b);
        if (j.b && mpi_rank(mpi) == 0) rc = batch_report(&j, mpi, rc);
    }
    rc = report_halted(j.bs, j.a.nfiles > 0 ? j.a.files[0] : "batch", mpi, rc);
    free(j.rec);
    batch_destroy(j.b);
    batch_scenario_destroy(j.bs);
    scenario_destroy(j.s);
    args_free(&j.a);
    return rc;
}

/* --- compare ----------------------------------------------------------------- */


static int compare_main(int argc, char **argv, Mpi *mpi);

int cmd_compare(int argc, char **argv)
{
    return with_mpi(argc, argv, "compare", compare_main);
}

/* A comparison: its arguments, the two scenarios, their pairing, its result. */
typedef struct CompareJob {
    Args a;
    Scenario *sa, *sb;
    BatchScenario *ba, *bb;
    Paired *p;
    char fp[65];
    Batch *b;
} CompareJob;

/* Load both scenarios and pair their metrics. 0, or -1 (printed). */
static int compare_prepare(CompareJob *j)
{
    Args *a = &j->a;
    if (!(j->sa = load(a->files[0], a->sets, a->nsets)) || !(j->sb = load(a->files[1], a->sets, a->nsets)))
        return -1;
    j->ba = batch_scenario_create(j->sa);
    j->bb = batch_scenario_create(j->sb);
    if (!j->ba || !j->bb) {
        fprintf(stderr, "salvo compare: a scenario has no metrics\n");
        return -1;
    }
    batch_scenario_set_uncertainty(j->ba, a->uncertainty);
    batch_scenario_set_uncertainty(j->bb, a->uncertainty);
    Diag d;
    diag_init(&d, a->files[1]);
    j->p = paired_create(batch_scenario_model(j->ba), batch_scenario_model(j->bb), &d);
    for (int i = 0; !j->p && i < d.count; i++) fprintf(stderr, "salvo compare: %s\n", d.items[i].msg);
    diag_fini(&d);
    if (!j->p) return -1;
    /* What every rank must agree on: both scenarios, --set, the build. */
    fingerprint(j->sa, a, scenario_sha256(j->sb), j->fp);
    return 0;
}

/* The unit column of a compared metric. */
static const char *compare_unit(const MetricInfo *mi)
{
    return mi->kind == MET_TIME ? "date/days" : mi->kind == MET_FLAG ? "P" : mi->unit;
}

/* One row of the comparison table, its metric id w wide. */
static void compare_row(const CompareJob *j, int k, int w)
{
    const BatchModel *pm = paired_model(j->p);
    const MetricInfo *mi = &pm->metrics[4 * k];
    PairedStat st;
    paired_stat(j->p, j->b, k, &st);
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
    const char *unit = compare_unit(mi);
    printf("%-*s  %12s %12s %12s %10s %10s %9s %8s  %s\n", w, paired_id(j->p, k), ma, mb, df[0] == ' ' ? df + 1 : df,
           hw, ih, bt, vr, unit ? unit : "");
}

static void compare_print(const CompareJob *j)
{
    const Args *a = &j->a;
    const Paired *p = j->p;
    printf("compare  A = %s (%s)\n         B = %s (%s)\n", scenario_name(j->sa), a->files[0],
           scenario_name(j->sb), a->files[1]);
    printf("%" PRIu64 " paired replications%s, common random numbers (seed %llu), %.2f s\n\n",
           batch_done(j->b), batch_stopped(j->b) ? " — PARTIAL, interrupted" : "", a->seed, batch_seconds(j->b));
    int w = 6;
    for (int k = 0; k < paired_count(p); k++)
        if ((int)strlen(paired_id(p, k)) > w) w = (int)strlen(paired_id(p, k));
    printf("%-*s  %12s %12s %12s %10s %10s %9s %8s  %s\n", w, "metric", "mean A", "mean B", "B-A", "±95%",
           "indep ±95%", "B better", "var red", "unit");
    for (int k = 0; k < paired_count(p); k++) compare_row(j, k, w);
    fputs("B-A: the mean of the paired differences over the replications where both have a value (for a\n"
          "date: where it happened in both), in days for a date; ±95%: its 95% CI half-width; indep ±95%: what\n"
          "two independent batches of this size would give; var red: how many times fewer runs pairing needs.\n",
          stdout);
}

/* --json and --report; 0, or 1 (printed). */
static int compare_write(const CompareJob *j)
{
    const Args *a = &j->a;
    int rc = 0;
    SummaryRun run;
    run_record(a, j->sa, &run);
    run.wall_s = batch_seconds(j->b);
    cJSON *root = cJSON_CreateObject();
    cJSON_AddItemToObject(root, "metrics", paired_json(j->p, j->b));
    cJSON *rj = summary_run_json(j->b, &run);
    cJSON_AddStringToObject(rj, "scenario_b", scenario_name(j->sb));
    cJSON_AddStringToObject(rj, "sha256_b", scenario_sha256(j->sb));
    cJSON_AddItemToObject(root, "run", rj);
    Diag d;
    diag_init(&d, a->json ? a->json : "");
    if (a->json && summary_write(root, a->json, &d) < 0) {
        diag_print(&d, stderr);
        rc = 1;
    }
    diag_fini(&d);
    if (report_hook(root, a->report, a->svg) != 0) rc = 1;
    cJSON_Delete(root);
    return rc;
}

static int compare_main(int argc, char **argv, Mpi *mpi)
{
    CompareJob j;
    memset(&j, 0, sizeof j);
    int rc = 2;
    int r = parse_args(argc, argv, &compare_spec, 2, mpi, &j.a);
    if (r == 0) r = compare_prepare(&j);
    if (agree_to_run(mpi, r, j.fp, &compare_spec, &rc)) {
        rc = run_model(paired_model(j.p), &j.a, NULL, -1, 2, &j.b);
        if (j.b && mpi_rank(mpi) == 0) {
            compare_print(&j);
            if ((j.a.json || j.a.report) && compare_write(&j) != 0) rc = 1;
        }
    }
    rc = report_halted(j.ba, j.a.nfiles > 0 ? j.a.files[0] : "A", mpi, rc);
    rc = report_halted(j.bb, j.a.nfiles > 1 ? j.a.files[1] : "B", mpi, rc);
    batch_destroy(j.b);
    paired_destroy(j.p);
    batch_scenario_destroy(j.ba);
    batch_scenario_destroy(j.bb);
    scenario_destroy(j.sa);
    scenario_destroy(j.sb);
    args_free(&j.a);
    return rc;
}

/* --- sweep -------------------------------------------------------------------- */

/* What a sweep's points share: the batch options of `a` (sim/sweep.h). */
static void sweep_options(const Args *a, Progress *pr, SweepSpec *s)
{
    memset(s, 0, sizeof *s);
    s->path = a->files[0];
    s->sets = a->sets;
    s->nsets = a->nsets;
    s->uncertainty = a->uncertainty;
    batch_options(a, pr, 1, &s->batch);
}

/* The exit status of a sweep's step, its message printed as the loader's
 * diagnostics or as the command's own. */
static int sweep_exit(SweepStatus st, const Diag *d, const char *path)
{
    switch (st) {
    case SWEEP_OK: return 0;
    case SWEEP_STOPPED: return 130;
    case SWEEP_BAD_POINT:
        diag_print(d, stderr);
        if (diag_errors(d) == 0) fprintf(stderr, "%s: cannot load the scenario\n", path);
        return 2;
    case SWEEP_BAD_SPEC:
    case SWEEP_FAILED:
        for (int i = 0; i < d->count; i++) fprintf(stderr, "salvo sweep: %s\n", d->items[i].msg);
        return st == SWEEP_FAILED ? 1 : 2;
    }
    return 1;
}

/* Each point ends the progress line of its batch. */
static void sweep_point_end(void *arg, const SweepPoint *p)
{
    (void)p;
    progress_end(arg);
}

/* --- sweep --assumptions: the tornado --- */

/* Row `rank` of the tornado as JSON. */
static cJSON *tornado_row_json(const SweepEffect *w, int rank)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "rank", rank);
    cJSON_AddStringToObject(o, "path", w->as->path);
    cJSON_AddNumberToObject(o, "value", w->as->value);
    cJSON_AddNumberToObject(o, "low", w->as->lo);
    cJSON_AddNumberToObject(o, "high", w->as->hi);
    cJSON_AddItemToObject(o, "mean_low", summary_number(w->low.mean));
    cJSON_AddItemToObject(o, "halfwidth_low", summary_number(w->low.halfwidth));
    cJSON_AddItemToObject(o, "mean_high", summary_number(w->high.mean));
    cJSON_AddItemToObject(o, "halfwidth_high", summary_number(w->high.halfwidth));
    cJSON_AddItemToObject(o, "effect", summary_number(w->effect));
    cJSON_AddStringToObject(o, "source", w->as->source ? w->as->source : "");
    cJSON_AddStringToObject(o, "source_title", w->as->source_title ? w->as->source_title : "");
    return o;
}

/* The table, the CSV and the JSON of a tornado; `info` is taken over. */
static int tornado_write(const Args *a, const Scenario *base, const SweepTornado *t, cJSON *info)
{
    int rc = 0;
    char bm[32], bh[32];
    fmt_num(bm, sizeof bm, t->base.mean);
    fmt_num(bh, sizeof bh, t->base.halfwidth);
    printf("tornado: effect of each assumption, low -> high, on %s (base mean %s ±%s; %lld runs each)\n\n",
           a->metric, bm, bh, a->runs);
    int pw = 10;
    for (int k = 0; k < t->n; k++)
        if ((int)strlen(t->rows[k].as->path) > pw) pw = (int)strlen(t->rows[k].as->path);
    printf("%4s  %-*s %10s %10s %12s %12s %12s  %s\n", "rank", pw, "assumption", "low", "high",
           "mean @low", "mean @high", "effect", "source");
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "metric", a->metric);
    cJSON_AddItemToObject(root, "metric_info", info);
    cJSON_AddItemToObject(root, "base", cJSON_Duplicate(t->base_json, 1));
    cJSON *arr = cJSON_AddArrayToObject(root, "assumptions");
    AFile csv;
    memset(&csv, 0, sizeof csv);
    Diag d;
    diag_init(&d, a->csv ? a->csv : "");
    int csv_failed = a->csv && afile_open(&csv, a->csv, &d) != 0;
    if (csv.fp)
        fprintf(csv.fp, "rank,path,low,high,mean_low,ci_low_lo,ci_low_hi,mean_high,ci_high_lo,ci_high_hi,effect\n");
    for (int k = 0; k < t->n; k++) {
        const SweepEffect *w = &t->rows[k];
        char lo[32], hi[32], ml[32], mh[32], ef[32];
        fmt_num(lo, sizeof lo, w->as->lo);
        fmt_num(hi, sizeof hi, w->as->hi);
        fmt_num(ml, sizeof ml, w->low.mean);
        fmt_num(mh, sizeof mh, w->high.mean);
        fmt_num(ef, sizeof ef, w->effect);
        printf("%4d  %-*s %10s %10s %12s %12s %12s  %s\n", k + 1, pw, w->as->path, lo, hi, ml, mh, ef,
               w->as->source ? w->as->source : "");
        cJSON_AddItemToArray(arr, tornado_row_json(w, k + 1));
        if (csv.fp)
            fprintf(csv.fp, "%d,%s,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g\n", k + 1,
                    w->as->path, w->as->lo, w->as->hi, w->low.mean, w->low.ci_lo, w->low.ci_hi,
                    w->high.mean, w->high.ci_lo, w->high.ci_hi, w->effect);
    }
    csv_tmp[0] = '\0';
    if (csv.fp && afile_commit(&csv, &d) < 0) rc = 1;
    if (csv_failed) rc = 1;   /* (a committed AFile is zeroed: test the open, not csv.path) */
    SummaryRun run;
    run_record(a, base, &run);
    cJSON_AddItemToObject(root, "run", summary_run_json(NULL, &run));
    if (a->json && summary_write(root, a->json, &d) < 0) rc = 1;
    if (report_hook(root, a->report, a->svg) != 0) rc = 1;
    diag_print(&d, stderr);
    diag_fini(&d);
    cJSON_Delete(root);
    return rc;
}

static int run_tornado(const Args *a, const Scenario *base)
{
    BatchScenario *bs0 = batch_scenario_create(base);
    if (!bs0) return 2;
    const BatchModel *m0 = batch_scenario_model(bs0);
    int metric = find_metric(m0, a->metric, "--metric");
    cJSON *info = summary_metric_info_json(m0);
    Progress pr = { m0->metrics[0].id, 0 };     /* the strings are the scenario's */
    batch_scenario_destroy(bs0);
    if (metric < 0) {
        cJSON_Delete(info);
        return 2;
    }
    SweepSpec spec;
    sweep_options(a, &pr, &spec);
    spec.on_point = sweep_point_end;
    spec.arg = &pr;
    Diag d;
    diag_init(&d, a->files[0]);
    SweepTornado *t;
    int rc = sweep_exit(sweep_tornado(base, &spec, metric, &t, &d), &d, a->files[0]);
    diag_fini(&d);
    if (rc == 0) rc = tornado_write(a, base, t, info);
    else cJSON_Delete(info);
    sweep_tornado_destroy(t);
    return rc;
}

/* --- sweep --vary: the grid --- */

/* What the grid's points write as they come. */
typedef struct GridOut {
    const Args *a;
    const SweepGrid *g;
    const BatchModel *m0;   /* the base scenario's model: the metric ids */
    int only;               /* --metric's index, or -1: print every metric */
    Progress pr;
    AFile csv;
    cJSON *root, *points;
} GridOut;

/* Open the CSV (if any) and write its header; 0, or 1 (printed). */
static int grid_open_csv(GridOut *o)
{
    const Args *a = o->a;
    Diag d;
    diag_init(&d, a->csv ? a->csv : "");
    int e = a->csv ? open_streamed_csv(&o->csv, a->csv, &d) : 0;
    if (e < 0) diag_print(&d, stderr);
    diag_fini(&d);
    if (e < 0) return 1;
    if (o->csv.fp) {
        fputs("point", o->csv.fp);
        for (int v = 0; v < o->g->naxes; v++) fprintf(o->csv.fp, ",%s", o->g->axes[v].path);
        for (int i = 0; i < o->m0->nmetrics; i++) {
            const char *id = o->m0->metrics[i].id;
            fprintf(o->csv.fp, ",%s_mean,%s_ci_lo,%s_ci_hi", id, id, id);
        }
        fputc('\n', o->csv.fp);
    }
    return 0;
}

/* The JSON's axes ("vary") and metric records; `info` is taken over. */
static void grid_json_begin(GridOut *o, cJSON *info)
{
    o->root = cJSON_CreateObject();
    cJSON *jv = cJSON_AddArrayToObject(o->root, "vary");
    cJSON_AddItemToObject(o->root, "metric_info", info);
    for (int v = 0; v < o->g->naxes; v++) {
        cJSON *ax = cJSON_CreateObject();
        cJSON_AddStringToObject(ax, "path", o->g->axes[v].path);
        cJSON_AddItemToObject(ax, "values", cJSON_CreateDoubleArray(o->g->values[v], o->g->axes[v].steps));
        cJSON_AddItemToArray(jv, ax);
    }
    o->points = cJSON_AddArrayToObject(o->root, "points");
}

/* One finished point: its lines, its CSV row and its JSON (on_point). */
static void grid_point_out(void *arg, const SweepPoint *p)
{
    GridOut *o = arg;
    const SweepGrid *g = o->g;
    const Batch *b = p->batch;
    FILE *csv = o->csv.fp;
    progress_end(&o->pr);
    if (!b || batch_stopped(b)) return;
    printf("point %lld:", p->index + 1);
    for (int v = 0; v < g->naxes; v++) {
        char num[32];
        fmt_num(num, sizeof num, p->values[v]);
        printf(" %s=%s", g->axes[v].path, num);
    }
    putchar('\n');
    cJSON *jo = cJSON_CreateObject();
    cJSON *set = cJSON_AddObjectToObject(jo, "set");
    for (int v = 0; v < g->naxes; v++) cJSON_AddNumberToObject(set, g->axes[v].path, p->values[v]);
    cJSON *jm = cJSON_AddObjectToObject(jo, "metrics");
    if (csv) {
        fprintf(csv, "%lld", p->index);
        for (int v = 0; v < g->naxes; v++) fprintf(csv, ",%.17g", p->values[v]);
    }
    for (int i = 0; i < o->m0->nmetrics; i++) {
        const char *id = o->m0->metrics[i].id;
        SummaryStat st;
        summary_stat(b, i, &st);
        cJSON_AddItemToObject(jm, id, summary_brief_json(b, i));
        if (csv) fprintf(csv, ",%.17g,%.17g,%.17g", st.mean, st.ci_lo, st.ci_hi);
        if (o->only >= 0 && i != o->only) continue;
        char mean[32], hw[32];
        fmt_value(mean, sizeof mean, batch_model(b), i, st.mean);
        fmt_num(hw, sizeof hw, isfinite(st.halfwidth) ? st.halfwidth : NAN);
        printf("    %-32s %14s ±%s\n", id, mean, hw);
    }
    if (csv) fputc('\n', csv);
    cJSON_AddItemToArray(o->points, jo);
}

/* After the points: commit the CSV, write the JSON and the report. */
static int grid_finish(GridOut *o, const Scenario *base, int rc)
{
    const Args *a = o->a;
    if (rc == 130) fprintf(stderr, "salvo sweep: interrupted; outputs hold the points completed\n");
    Diag d;
    diag_init(&d, "sweep");
    csv_tmp[0] = '\0';
    if (o->csv.fp && afile_commit(&o->csv, &d) < 0) rc = 1;
    SummaryRun run;
    run_record(a, base, &run);
    cJSON *rj = summary_run_json(NULL, &run);
    cJSON_AddBoolToObject(rj, "partial", rc == 130);
    cJSON_AddItemToObject(o->root, "run", rj);
    if (a->json && (rc == 0 || rc == 130) && summary_write(o->root, a->json, &d) < 0) rc = 1;
    if ((rc == 0 || rc == 130) && report_hook(o->root, a->report, a->svg) != 0) rc = 1;
    diag_print(&d, stderr);
    diag_fini(&d);
    return rc;
}

static int run_grid(const Args *a, const Scenario *base)
{
    GridOut o;
    memset(&o, 0, sizeof o);
    o.a = a;
    o.only = -1;
    SweepAxis axes[MAX_VARY];
    for (int v = 0; v < a->nvary; v++) axes[v] = a->vary[v].axis;
    Diag d;
    diag_init(&d, a->files[0]);
    SweepGrid *g = sweep_grid_create(base, axes, a->nvary, a->steps, &d);
    BatchScenario *bs0 = g ? batch_scenario_create(base) : NULL;
    cJSON *info = NULL;
    int rc = g ? 2 : sweep_exit(SWEEP_BAD_SPEC, &d, a->files[0]);
    if (!bs0) goto out;
    o.g = g;
    o.m0 = batch_scenario_model(bs0);
    o.pr.metric = o.m0->metrics[0].id;
    if (a->metric && (o.only = find_metric(o.m0, a->metric, "--metric")) < 0) goto out;
    info = summary_metric_info_json(o.m0);
    SweepSpec spec;
    sweep_options(a, &o.pr, &spec);
    spec.on_point = grid_point_out;
    spec.arg = &o;
    if ((rc = sweep_exit(sweep_grid_check(g, &spec, &d), &d, a->files[0])) != 0) goto out;
    if ((rc = grid_open_csv(&o)) != 0) goto out;
    grid_json_begin(&o, info);
    info = NULL;
    printf("sweep of %s: %lld points x %lld runs (seed %llu, common random numbers across points)\n\n",
           scenario_name(base), g->npoints, a->runs, a->seed);
    rc = sweep_exit(sweep_grid_run(g, &spec, &d), &d, a->files[0]);
    rc = grid_finish(&o, base, rc);
out:
    if (o.csv.fp) afile_abort(&o.csv);
    cJSON_Delete(o.root);
    cJSON_Delete(info);
    diag_fini(&d);
    batch_scenario_destroy(bs0);
    sweep_grid_destroy(g);
    return rc;
}

/* The mode of a sweep: --vary or --assumptions (with --metric); 0, or -1
 * (printed). */
static int sweep_mode(const Args *a)
{
    const char *why = NULL;
    if (a->assumptions && a->nvary) why = "use either --vary or --assumptions, not both";
    else if (!a->assumptions && !a->nvary)
        why = "nothing to vary: give --vary PATH=LO:HI:STEPS or --assumptions";
    else if (a->assumptions && !a->metric) why = "--assumptions needs --metric M (the metric to rank by)";
    if (why) fprintf(stderr, "salvo sweep: %s\n", why);
    return why ? -1 : 0;
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
    if (sweep_mode(&a) == 0 && (base = load(a.files[0], a.sets, a.nsets))) {
        catch_signals();
        rc = a.assumptions ? run_tornado(&a, base) : run_grid(&a, base);
    }
    scenario_destroy(base);
    args_free(&a);
    return rc;
}
