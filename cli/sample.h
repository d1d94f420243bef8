/* sample.h — the replications behind `salvo fit` and `salvo discover`: the
 * options they share and their run on the batch engine.
 *
 * Both commands draw every ranged assumption in each replication and need
 * each replication's row (sim/fit.h, fit_model): the drawn assumptions,
 * the observations and the metric scalars. They take the same options for
 * it, parsed here once: the scenario operand, --runs, --threads, --seed,
 * --set, --uncertainty, --quiet, --checkpoint, --resume and --mpi. The
 * run goes through the batch engine (sim/batch.h) as `salvo batch` does,
 * so it is the same on any thread count and any number of MPI ranks, and
 * a run stopped by a signal resumes from its checkpoint to the rows of an
 * uninterrupted one.
 *
 * Checkpoint: --checkpoint FILE is the batch engine's checkpoint (its
 * totals) and FILE.rows the rows so far, a CSV appended as blocks are
 * reduced (before the checkpoint that counts them is written), so even a
 * killed run leaves at least as many rows as its checkpoint holds.
 *
 * Under --mpi every rank calls these in the same order (cli/mpi.h); only
 * rank 0 gets the rows, prints and writes files.
 */
#ifndef SALVO_SAMPLE_H
#define SALVO_SAMPLE_H

#include <signal.h>
#include <stdint.h>
#include "mpi.h"
#include "opt.h"
#include "outpath.h"
#include "salvo.h"

#define SAMPLE_MAX_SETS 256

/* Option ids of the shared options; a command numbers its own from
 * SAMPLE_NEXT. */
enum { SAMPLE_RUNS = 1, SAMPLE_THREADS, SAMPLE_SEED, SAMPLE_SET, SAMPLE_UNCERTAINTY, SAMPLE_QUIET,
       SAMPLE_CHECKPOINT, SAMPLE_RESUME, SAMPLE_MPI, SAMPLE_NEXT };

/* The shared entries of an OptSpec table (--runs first, --mpi last). */
#define SAMPLE_OPTS                                                                                          \
    { SAMPLE_RUNS, "--runs", "N", "replications, each drawing every ranged assumption (default 4000)" },     \
    { SAMPLE_THREADS, "--threads", "T", "worker threads (default: all cores); results do not depend on T" }, \
    { SAMPLE_SEED, "--seed", "S", "base seed, decimal or 0x hex (default 1)" },                              \
    { SAMPLE_SET, "--set", "PATH=VALUE", "override a parameter (repeatable)" },                              \
    { SAMPLE_UNCERTAINTY, "--uncertainty", NULL,                                                             \
      "draw every ranged assumption (always so here; accepted for clarity)" },                              \
    { SAMPLE_QUIET, "--quiet", NULL, "no progress line (it is shown only when stderr is a terminal)" },    \
    { SAMPLE_CHECKPOINT, "--checkpoint", "FILE", "save progress every 2 s and at the end (and FILE.rows)" }, \
    { SAMPLE_RESUME, "--resume", NULL, "continue from --checkpoint" },                                       \
    { SAMPLE_MPI, "--mpi", NULL, "under mpirun: split the runs between the ranks (docs/batch.md)" }

typedef struct SampleArgs {
    const char *cmd;                /* "fit" */
    const char *file;               /* the scenario operand (its installed copy if named) */
    char found[4096];
    const char *sets[SAMPLE_MAX_SETS];
    int nsets;
    unsigned long long seed;
    long long runs;
    int threads, threads_set;
    const char *checkpoint;
    int resume, quiet;
    Mpi *mpi;                       /* --mpi: this rank's job, else NULL */
    char fingerprint[65];           /* what a checkpoint must match (sample_load) */
} SampleArgs;

/* `salvo CMD`: starts MPI when argv holds --mpi, calls main_fn(argc,
 * argv, mpi) and returns its exit status (rank 0's, under MPI). */
int sample_command(int argc, char **argv, const char *cmd, int (*main_fn)(int, char **, Mpi *));
/* Every rank after parsing and loading (r: 0 go, 1 help, -1 bad): 0 to
 * run, else the exit status (0 after --help, 2), with *s freed. */
int sample_agree(SampleArgs *a, int r, Scenario **s);

/* Defaults for `salvo CMD`; mpi is the job (--mpi) or NULL. */
void sample_init(SampleArgs *a, const char *cmd, Mpi *mpi);
/* One result of opt_next: 1 if it was a shared option or the operand
 * (taken), 0 if it is the command's own, -1 on error (message printed). */
int sample_opt(SampleArgs *a, int c, const char *val);
/* The whole command line: shared options here, the command's own through
 * own(ctx, id, value) (0 ok, -1 error printed). 0 go, 1 --help (usage
 * printed on rank 0), -1 bad (message printed). */
int sample_parse(SampleArgs *a, const CmdSpec *spec, int argc, char **argv,
                 int (*own)(void *ctx, int c, const char *val), void *ctx);
/* After the arguments: a scenario operand was given (else the usage of
 * spec), --resume has its --checkpoint, (rank 0) the outputs are safe to
 * write; then the scenario is loaded with --set and the checkpoint
 * fingerprint computed. NULL after a message. */
Scenario *sample_open(SampleArgs *a, const CmdSpec *spec, const OutPath *outs, int nouts);

/* Run the replications (collective under --mpi). On rank 0 returns the
 * table (n rows of *width values, fit.h's layout; the caller frees it)
 * and sets *rc to 0, or 130 when a signal stopped the run (the rows are
 * replications done, a prefix, checkpointed if asked). Other ranks return NULL
 * with *rc 0 when all went well. On failure NULL, *rc 1 or 2, message
 * printed. */
double *sample_run(SampleArgs *a, const Scenario *s, uint64_t *n, int *width, int *rc);

/* Write root to path through summary_write (path NULL: nothing); 0, or -1
 * after printing why not. */
struct cJSON;
int sample_write_json(const struct cJSON *root, const char *path);
/* Add the "run" object of a fit or discovery to root: the scenario, its
 * SHA-256, the seed (a string), the threads and the MPI ranks (0: none). */
void sample_run_json(struct cJSON *root, const SampleArgs *a, const Scenario *s);

/* Message lines after an interrupted run ("continue with --resume"). */
void sample_interrupted(const SampleArgs *a, uint64_t done);

#endif
