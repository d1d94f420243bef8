/* sample.c — the shared options and the run of `salvo fit` and `salvo
 * discover` (see sample.h).
 *
 * Invariant: the rows file (FILE.rows beside a checkpoint) always holds at
 * least the replications the checkpoint FILE counts: the engine writes a
 * block's rows before any checkpoint that includes it, and the file is
 * unbuffered, so its bytes reach the kernel at once. A resume first cuts
 * it to exactly the checkpoint's rows (checked against the seed, through
 * a temporary and a rename), then appends.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "afile.h"
#include "batch.h"
#include "cmd.h"
#include "fit.h"
#include "progress.h"
#include "sample.h"
#include "summary.h"

/* The one piece of process-wide state: a signal handler reaches nothing
 * else. Set by SIGINT/SIGTERM, watched by the engine's reducer; a second
 * signal exits at once (the checkpoint and rows stay as they were). */
static volatile sig_atomic_t stop_sample;

static void on_signal(int sig)
{
    (void)sig;
    if (stop_sample) _exit(130);
    stop_sample = 1;
}

static void catch_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    sigaddset(&sa.sa_mask, SIGINT);
    sigaddset(&sa.sa_mask, SIGTERM);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

int sample_command(int argc, char **argv, const char *cmd, int (*main_fn)(int, char **, Mpi *))
{
    Mpi *mpi = NULL;
    if (mpi_wanted(argc, argv) && !(mpi = mpi_start(cmd))) return 2;
    return mpi_finish(mpi, main_fn(argc, argv, mpi));
}

int sample_agree(SampleArgs *a, int r, Scenario **s)
{
    /* A help or a parse error on one rank is one on every rank (all see the
     * same command line); a file missing on one node is not. */
    if (a->mpi) r = mpi_agree(a->mpi, r, a->fingerprint);
    if (r == 0) return 0;
    scenario_destroy(*s);
    *s = NULL;
    return r == 1 ? 0 : 2;
}

void sample_init(SampleArgs *a, const char *cmd, Mpi *mpi)
{
    memset(a, 0, sizeof *a);
    a->cmd = cmd;
    a->seed = 1;
    a->runs = 4000;
    a->threads = args_threads_default();
    a->mpi = mpi;
}

int sample_opt(SampleArgs *a, int c, const char *val)
{
    switch (c) {
    case SAMPLE_RUNS: return (a->runs = args_count("--runs", val, 1)) < 0 ? -1 : 1;
    case SAMPLE_THREADS:
        a->threads_set = 1;
        return args_threads(val, &a->threads) < 0 ? -1 : 1;
    case SAMPLE_SEED: return args_seed(val, &a->seed) != 0 ? -1 : 1;
    case SAMPLE_SET: return args_set(val, a->sets, &a->nsets, SAMPLE_MAX_SETS) < 0 ? -1 : 1;
    case SAMPLE_CHECKPOINT: a->checkpoint = val; return 1;
    case SAMPLE_RESUME: a->resume = 1; return 1;
    case SAMPLE_QUIET: a->quiet = 1; return 1;
    case SAMPLE_UNCERTAINTY: case SAMPLE_MPI: return 1;    /* --mpi was seen before parsing */
    case OPT_OPERAND:
        if (a->file) {
            fprintf(stderr, "salvo %s: one scenario file at a time ('%s' and '%s')\n", a->cmd, a->file, val);
            return -1;
        }
        a->file = val;
        return 1;
    default: return 0;
    }
}

int sample_parse(SampleArgs *a, const CmdSpec *spec, int argc, char **argv,
                 int (*own)(void *ctx, int c, const char *val), void *ctx)
{
    OptParser p;
    opt_init(&p, spec, argc, argv);
    for (int c; (c = opt_next(&p)) != OPT_END;) {
        if (c == OPT_HELP) {
            if (mpi_rank(a->mpi) == 0) opt_usage(spec, stdout);
            return 1;
        }
        if (c == OPT_ERROR) return -1;
        int taken = sample_opt(a, c, p.val);
        if (taken < 0 || (!taken && own(ctx, c, p.val) < 0)) return -1;
    }
    return 0;
}

Scenario *sample_open(SampleArgs *a, const CmdSpec *spec, const OutPath *outs, int nouts)
{
    if (!a->file) {
        opt_usage_short(spec, stderr);
        return NULL;
    }
    if (a->resume && !a->checkpoint) {
        fprintf(stderr, "salvo %s: --resume needs --checkpoint FILE\n", a->cmd);
        return NULL;
    }
    /* Under mpirun, the cores of a node are shared by its ranks. */
    if (a->mpi && !a->threads_set && mpi_local_size(a->mpi) > 1)
        a->threads = a->threads / mpi_local_size(a->mpi) > 1 ? a->threads / mpi_local_size(a->mpi) : 1;
    /* Only rank 0 writes, so only it checks the outputs. */
    OutPath all[8];
    int n = 0;
    for (int i = 0; i < nouts && n < 7; i++) all[n++] = outs[i];
    all[n++] = (OutPath){ "--checkpoint", a->checkpoint };
    Scenario *s = args_open_scenario(&a->file, a->found, sizeof a->found, a->sets, a->nsets, all,
                                     mpi_rank(a->mpi) == 0 ? n : 0);
    /* A fit's checkpoint is not a batch's: its rows are another model's. */
    if (s) args_fingerprint(s, a->sets, a->nsets, "\nfit-rows", a->fingerprint);
    return s;
}

/* The rows file of a checkpoint, into out; 0, or -1 if the name is too long. */
static int rows_path(const SampleArgs *a, char *out, size_t n)
{
    int len = snprintf(out, n, "%s.rows", a->checkpoint);
    return len > 0 && (size_t)len < n ? 0 : -1;
}

/* Resuming: the rows file must hold its header and the `done` rows the
 * checkpoint counts, each a whole line. One cut short (a hard kill before
 * the bytes reached the disk, a full disk, the checkpoint copied without
 * it) cannot give the fit of an uninterrupted run, and nothing can rebuild
 * the rows it lost. 0, or -1 with a diagnostic that says so. */
static int rows_complete(const SampleArgs *a, const char *path, uint64_t done, Diag *d)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        diag_add(d, 0, 0, "", "cannot resume: the checkpoint '%s' counts %" PRIu64 " replications but its rows "
                 "file '%s' cannot be read (%s); a fit needs both: start again without --resume",
                 a->checkpoint, done, path, strerror(errno));
        return -1;
    }
    uint64_t lines = 0;
    char buf[1 << 16];
    size_t n;
    while (lines <= done && (n = fread(buf, 1, sizeof buf, f)) > 0)
        for (size_t i = 0; i < n; i++) lines += buf[i] == '\n';
    fclose(f);
    if (lines > done) return 0;
    diag_add(d, 0, 0, "", "cannot resume: the checkpoint '%s' counts %" PRIu64 " replications but its rows file "
             "'%s' holds only %" PRIu64 " whole rows (it was cut short: a hard kill or a full disk); the rows it "
             "lost cannot be rebuilt: start again without --resume", a->checkpoint, done, path,
             lines > 0 ? lines - 1 : 0);
    return -1;
}

/* Rank 0, before the run: the file the rows go to, positioned to append.
 * With a checkpoint it is FILE.rows, cut to the `done` rows of a resume;
 * without, a temporary file. NULL with a diagnostic. */
static FILE *open_rows(const SampleArgs *a, const BatchModel *m, uint64_t done, const char *path, Diag *d)
{
    if (!a->checkpoint) {
        FILE *f = tmpfile();
        if (!f) diag_add(d, 0, 0, "", "cannot create a temporary file for the rows: %s", strerror(errno));
        return f;
    }
    if (done > 0) {
        AFile cut;
        memset(&cut, 0, sizeof cut);
        if (rows_complete(a, path, done, d) < 0 || afile_open(&cut, path, d) < 0) return NULL;
        if (batch_csv_copy(path, m, a->seed, done, cut.fp, d) < 0) {
            diag_add(d, 0, 0, "", "the rows file '%s' does not go with the checkpoint '%s' (see above): start "
                     "again without --resume", path, a->checkpoint);
            afile_abort(&cut);
            return NULL;
        }
        if (afile_commit(&cut, d) < 0) return NULL;
    }
    FILE *f = fopen(path, done > 0 ? "ab+" : "wb+");
    if (!f) {
        diag_add(d, 0, 0, "", "cannot write the rows '%s': %s", path, strerror(errno));
        return NULL;
    }
    setvbuf(f, NULL, _IONBF, 0);
    return f;
}

double *sample_run(SampleArgs *a, const Scenario *s, uint64_t *n, int *width, int *rc)
{
    Diag d;
    diag_init(&d, a->file);
    int root = mpi_rank(a->mpi) == 0;
    char path[PATH_MAX] = "";
    FILE *rows_file = NULL;
    double *rows = NULL;
    FitModel *fm = fit_model_create(s);
    Batch *b = fm ? batch_create(fit_model(fm), &d) : NULL;
    BatchOptions o;
    memset(&o, 0, sizeof o);
    o.seed = a->seed;
    o.runs = (uint64_t)a->runs;
    o.threads = a->threads;
    o.target_metric = -1;
    o.checkpoint = root ? a->checkpoint : NULL;
    o.fingerprint = a->fingerprint;
    o.stop = &stop_sample;
    o.progress_metric = -1;         /* the columns are drawn assumptions: no main metric */
    Progress pr = { NULL, 0 };
    progress_attach(&pr, &o, root && !a->quiet);
    *rc = 1;
    if (!b) {
        if (!diag_errors(&d)) diag_add(&d, 0, 0, "", "out of memory");
        goto ready;
    }
    *rc = 2;
    if (a->checkpoint && rows_path(a, path, sizeof path) < 0) {
        diag_add(&d, 0, 0, "", "--checkpoint: the name '%s' is too long", a->checkpoint);
        goto ready;
    }
    if (a->resume && (a->mpi ? mpi_resume(a->mpi, b, a->checkpoint, &o, &d)
                             : batch_resume(b, a->checkpoint, &o, &d)) < 0)
        goto ready;
    if (a->resume && (uint64_t)a->runs < batch_done(b)) {
        diag_add(&d, 0, 0, "", "the checkpoint '%s' already holds %" PRIu64 " replications; --runs must be at "
                 "least that (got %lld)", a->checkpoint, batch_done(b), a->runs);
        goto ready;
    }
    if (root) {
        if (!(rows_file = open_rows(a, fit_model(fm), batch_done(b), path, &d))) goto ready;
        o.csv = rows_file;
        o.csv_header = batch_done(b) == 0;
    }
    *rc = 0;
ready:
    /* Every rank goes, or none. */
    if (a->mpi) *rc = mpi_max(a->mpi, *rc);
    if (*rc) goto out;
    *rc = 1;
    catch_signals();
    BatchShare sh;
    if (a->mpi) {
        mpi_share(a->mpi, &sh, &stop_sample, 1);   /* rank 0 always takes the rows */
        o.share = &sh;
    }
    int ok = batch_run(b, &o, &d) == 0;
    if (a->mpi && mpi_end_run(a->mpi, !ok, &d) < 0) ok = 0;
    progress_end(&pr);
    if (!ok) goto out;
    *rc = 0;
    if (!root) goto out;
    rewind(rows_file);
    if (!(rows = fit_rows_read(rows_file, fit_model(fm), batch_done(b), &d))) {
        *rc = 1;
        goto out;
    }
    *n = batch_done(b);
    *width = fit_model(fm)->nmetrics;
    *rc = batch_stopped(b) ? 130 : 0;
out:
    if (rows_file) fclose(rows_file);
    for (int i = 0; i < d.count; i++) fprintf(stderr, "salvo %s: %s\n", a->cmd, d.items[i].msg);
    diag_fini(&d);
    batch_destroy(b);
    fit_model_destroy(fm);
    return rows;
}

void sample_interrupted(const SampleArgs *a, uint64_t done)
{
    fprintf(stderr, "salvo %s: interrupted after %" PRIu64 " replications; the results use those%s\n", a->cmd,
            done, a->checkpoint ? " (continue with --resume)" : "");
}

int sample_write_json(const struct cJSON *root, const char *path)
{
    if (!path) return 0;
    Diag d;
    diag_init(&d, path);
    int rc = summary_write(root, path, &d);
    if (rc < 0) diag_print(&d, stderr);
    diag_fini(&d);
    return rc < 0 ? -1 : 0;
}

void sample_run_json(cJSON *root, const SampleArgs *a, const Scenario *s)
{
    cJSON *run = cJSON_AddObjectToObject(root, "run");
    cJSON_AddStringToObject(run, "scenario", scenario_name(s));
    cJSON_AddStringToObject(run, "sha256", scenario_sha256(s));
    char sd[24];
    snprintf(sd, sizeof sd, "%llu", a->seed);
    cJSON_AddStringToObject(run, "seed", sd);
    cJSON_AddNumberToObject(run, "threads", a->threads);
    cJSON_AddNumberToObject(run, "ranks", a->mpi ? mpi_size(a->mpi) : 0);
}
