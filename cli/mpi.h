/* mpi.h — `--mpi`: one batch split between the ranks of an MPI job.
 *
 * The engine knows nothing of MPI (sim/batch.h, BatchShare); this layer is
 * the transport. Rank r runs the blocks k with k % size == r on its own
 * threads; rank 0 receives the others' blocks and folds every block in
 * block order, so its summary and CSV are byte-identical to one process's.
 * Only rank 0 writes files or prints to stdout.
 *
 * Every rank runs the same sequence of collective steps, whatever fails:
 *   mpi_start, mpi_agree (after parsing and loading: go, help or fail),
 *   [mpi_resume_text], mpi_max (just before the run), mpi_share + the run +
 *   mpi_end_run, ... (compare: the same), mpi_finish (rank 0's exit code).
 * A failure on any rank before the run makes every rank exit 2 (or 1)
 * together; a failure during the run ends it on every rank.
 *
 * Only the thread that called mpi_start calls MPI (MPI_THREAD_FUNNELED):
 * the engine calls the share hooks from its reducer, the calling thread.
 * Built without MPI (no pkg-config ompi-c), mpi_start says so and fails.
 */
#ifndef SALVO_MPI_H
#define SALVO_MPI_H

#include <signal.h>
#include "batch.h"

typedef struct Mpi Mpi;

/* 1 if argv holds --mpi (looked for before the arguments are parsed). */
int mpi_wanted(int argc, char **argv);
/* MPI_Init_thread. Ranks other than 0 send stdout to /dev/null and keep
 * their stderr until mpi_agree. NULL with a message on stderr when this
 * build has no MPI or MPI does not start (exit 2). */
Mpi *mpi_start(const char *cmd);
int mpi_rank(const Mpi *m);
int mpi_size(const Mpi *m);
/* Ranks of this job on this node (for a default thread count). */
int mpi_local_size(const Mpi *m);

/* Every rank: `status` 0 go, 1 nothing to run (--help), -1 failed (message
 * already printed). `inputs` (when going) must be equal on every rank: the
 * fingerprint of scenario, --set values and build. Returns 0 go, 1 help,
 * -1 fail, the same on every rank; rank 0 prints what failed elsewhere.
 * Ends the capture of stderr on ranks other than 0. */
int mpi_agree(Mpi *m, int status, const char *inputs);
/* The largest rc over all ranks (0 ok, 1 run-time failure, 2 bad input). */
int mpi_max(Mpi *m, int rc);
/* --resume: rank 0 reads the checkpoint and sends its text to every rank,
 * which restores it into b. 0, or -1 with a diagnostic (on rank 0; the
 * others fail the same way, or see it through mpi_max). */
int mpi_resume(Mpi *m, Batch *b, const char *path, const BatchOptions *o, Diag *d);

/* The engine hooks for one run. stop: the flag the run watches (set here
 * when rank 0 ends the run early); csv: rank 0 writes a CSV, so the others
 * must format their rows. */
void mpi_share(Mpi *m, BatchShare *sh, volatile sig_atomic_t *stop, int csv);
/* After batch_run on every rank (failed: it returned -1): rank 0 tells the
 * others to stop and takes what they still send; the others finish sending
 * and report. 0, or -1 on rank 0 when another rank failed (diagnostic). */
int mpi_end_run(Mpi *m, int failed, Diag *d);

/* Rank 0's rc to every rank, then MPI_Finalize; frees m. Returns the exit
 * status for this rank. m == NULL: returns rc. */
int mpi_finish(Mpi *m, int rc);

#endif
