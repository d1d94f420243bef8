/* batch.h — many replications on worker threads, reduced deterministically.
 *
 * A BatchModel is anything that turns (seed, replication) into a vector of
 * metric values: a scenario (batch_model_scenario), a pair of scenarios run
 * with common random numbers (paired.h), or a synthetic model in a test.
 *
 * Determinism. Replications are grouped into fixed blocks of BATCH_BLOCK
 * (a constant, independent of the thread count). A worker accumulates a
 * whole block in replication order; the main thread folds completed blocks
 * into the totals strictly in block order, and writes CSV rows in
 * replication order. Integer counts (sketches, never-counts, daily counts)
 * are order-free anyway. So every statistic is bit-identical for any number
 * of threads, and a run interrupted and resumed from a checkpoint ends in
 * exactly the state of an uninterrupted one. Only the last block of a run
 * can be short; its moments are kept apart (the "tail") so that extending
 * the run continues that block instead of merging it early.
 *
 * Costs: no malloc and no lock per replication; one lock round per block.
 * Memory is flat in the number of replications: the totals (one sketch and
 * one StatMoments per dimension, daily counts per TIME metric) plus
 * 2*threads+2 block buffers.
 *
 * Dimensions: dim i < nmetrics is metric i's scalar; then every LEVEL
 * metric's series points follow, in metric order (batch_series_dim).
 */
#ifndef SALVO_BATCH_H
#define SALVO_BATCH_H

#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include "diag.h"
#include "salvo.h"
#include "stats.h"

#define BATCH_BLOCK 64      /* replications per reduction block */
/* Bytes of blocks in flight and of worker buffers together (at least 2
 * slots and 1 worker whatever the scenario): see docs/reliability.md. */
#define BATCH_FLIGHT_BYTES ((size_t)256 << 20)
#define BATCH_ROUND 1024    /* --target checks the CI after every ROUND replications */

typedef struct BatchModel {
    int nmetrics;
    const MetricInfo *metrics;  /* nmetrics records, owned by the model */
    int64_t start_day;          /* epoch day of t = 0: dates of TIME metrics */
    double horizon;             /* days simulated; TIME CDFs cover 0..horizon */
    void *ctx;                  /* passed to worker_create */
    /* Per-thread state (e.g. one Sim reused); NULL on failure. */
    void *(*worker_create)(void *ctx);
    void (*worker_destroy)(void *worker);
    /* Replication `rep` of `seed`: write nmetrics scalars, and the series of
     * every LEVEL metric back to back (batch_model_series_len values). */
    void (*replicate)(void *worker, uint64_t seed, uint64_t rep, double *scalars, double *series);
    /* Optional: events dispatched by this worker so far (for events/s). */
    uint64_t (*worker_events)(void *worker);
    /* Values per replication after the series (a scenario's observations,
     * batch_scenario_set_record), reduced like series points; 0 if none. */
    int nextra;
} BatchModel;

/* Total series values per replication (sum of LEVEL series_len), plus the
 * model's nextra values, which replicate writes after the series. */
int batch_model_series_len(const BatchModel *m);

typedef struct BatchProgress {
    uint64_t done, total;       /* replications reduced, wanted */
    double elapsed, rate, eta;  /* seconds, replications/s, seconds (NAN unknown) */
    double halfwidth;           /* current 95% CI half-width of the main metric */
} BatchProgress;

/* Sharing one run between P processes (cli/mpi.c does it over MPI; the
 * engine knows nothing of the transport and never calls it from a worker
 * thread, only from the thread that called batch_run). Process `part` runs
 * the blocks k with k % nparts == part on its own threads. A part other than
 * 0 does not fold its blocks: it packs each completed block into bytes
 * (a format private to batch.c: native byte order and doubles, so all
 * parts must share both, which the unpacking checks) and hands them to `send`, in
 * block order. Part 0 runs its own blocks, takes every other block from
 * `recv`, and folds all of them strictly in block order, exactly as an
 * unshared run would: its totals, CSV and checkpoints are bit-identical.
 * Every part must start from the same totals (the same resume, if any). */
typedef struct BatchShare {
    int nparts, part;           /* 1 <= nparts; 0 <= part < nparts */
    int csv;                    /* parts != 0: format CSV rows into the blocks */
    /* Part != 0: one packed block. May block (flow control) and may set
     * *o->stop. 0, or -1 to fail the run. */
    int (*send)(void *arg, const void *bytes, size_t len);
    /* Part 0: the packed block `block` (run by part block % nparts), waiting
     * at most `wait` seconds. 1 with *bytes and *len set (valid until the
     * next call); 0 not yet; -1 that part failed (message in d); -2 that part
     * stopped without it (an interrupt: the run ends there, as a partial one). */
    int (*recv)(void *arg, uint64_t block, double wait, const void **bytes, size_t *len, Diag *d);
    void *arg;
} BatchShare;

typedef struct BatchOptions {
    uint64_t seed;
    uint64_t runs;              /* replications wanted (the cap, with a target) */
    int threads;                /* worker threads, >= 1 */
    int target_metric;          /* -1: none */
    double target_halfwidth;    /* stop at the first ROUND boundary where <= this */
    FILE *csv;                  /* rows (and the header when csv_header) or NULL */
    int csv_header;
    const char *checkpoint;     /* written every checkpoint_every s and at the end */
    double checkpoint_every;    /* seconds; <= 0 means 2 */
    const char *fingerprint;    /* what the checkpoint must match (model + inputs) */
    volatile sig_atomic_t *stop;/* nonzero: finish blocks in flight, then stop */
    void (*progress)(void *arg, const BatchProgress *p); /* main thread only */
    void *progress_arg;
    double progress_every;      /* seconds */
    int progress_metric;        /* the metric whose half-width is reported */
    const BatchShare *share;    /* NULL: this process runs every block */
} BatchOptions;

typedef struct Batch Batch;

/* Empty totals for model m (m must outlive the Batch). NULL on failure. */
Batch *batch_create(const BatchModel *m, Diag *d);
void batch_destroy(Batch *b);

/* Restore totals from a checkpoint file written by batch_run with the same
 * model, seed and fingerprint. 0, or -1 with a diagnostic. */
int batch_resume(Batch *b, const char *path, const BatchOptions *o, Diag *d);

/* The same from the text of a checkpoint (`name` for messages); the text
 * is modified. 0, or -1 with a diagnostic. */
int batch_resume_text(Batch *b, char *text, const char *name, const BatchOptions *o, Diag *d);

/* Run replications done..o->runs-1 (or until the target or a stop). 0 on
 * success, including an interrupted run; -1 on failure (diagnostic). With
 * o->share and part != 0 the totals are left as they were (part 0 has them). */
int batch_run(Batch *b, const BatchOptions *o, Diag *d);

const BatchModel *batch_model(const Batch *b);
uint64_t batch_done(const Batch *b);        /* replications in the totals */
int batch_stopped(const Batch *b);          /* 1 if the last run was interrupted */
int batch_target_met(const Batch *b);       /* 1 if --target ended the run */
uint64_t batch_events(const Batch *b);      /* events of the replications run now */
double batch_seconds(const Batch *b);       /* wall time of the last batch_run */
uint64_t batch_seed(const Batch *b);        /* seed of the last run or resume */

int batch_dims(const Batch *b);
/* The dimension of LEVEL metric `metric`'s grid point `point`; -1 if none. */
int batch_series_dim(const Batch *b, int metric, int point);
/* Moments of dimension dim over its finite values (tail included). */
StatMoments batch_moments(const Batch *b, int dim);
/* Sketch of dimension dim: every value, +inf ("never") included. */
const StatSketch *batch_sketch(const Batch *b, int dim);
/* The dimension of the model's extra value k (an observation); -1 if none. */
int batch_extra_dim(const Batch *b, int k);
/* Daily counts of TIME metric `metric` (NULL for other kinds). */
const StatDays *batch_days(const Batch *b, int metric);

/* Write the CSV header row for model m. */
void batch_csv_header(const BatchModel *m, FILE *out);
/* Copy the header and the first `rows` data rows of a CSV written by an
 * earlier run of model m with `seed` into out (resume). The header must be
 * m's and row r must carry r and replication r's seed_key. 0, or -1 with a
 * diagnostic. */
int batch_csv_copy(const char *path, const BatchModel *m, uint64_t seed, uint64_t rows, FILE *out, Diag *d);

/* --- scenarios as models -------------------------------------------------- */

typedef struct BatchScenario BatchScenario;
/* The model of scenario s: one Sim per worker, reset per replication. The
 * scenario must outlive the returned adapter. NULL on failure. */
BatchScenario *batch_scenario_create(const Scenario *s);
void batch_scenario_destroy(BatchScenario *bs);
/* Parametric uncertainty in every replication (sim_set_uncertainty); set
 * before the batch runs. */
void batch_scenario_set_uncertainty(BatchScenario *bs, int on);
/* The record check: reduce every observation of the scenario as an extra
 * value (batch_extra_dim k = observation k); set before batch_create. */
void batch_scenario_set_record(BatchScenario *bs, int on);
const BatchModel *batch_scenario_model(const BatchScenario *bs);
/* Replications of the runs so far that the engine halted (an event storm,
 * see sim_halted): their count, the lowest such replication and its reason.
 * Their metrics stop at the halt, so a front end must report them. */
uint64_t batch_scenario_halted(BatchScenario *bs, uint64_t *first_rep, const char **reason);

#endif
