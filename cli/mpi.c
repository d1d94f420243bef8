/* mpi.c — the MPI transport of a shared batch (see mpi.h).
 *
 * Messages, all on MPI_COMM_WORLD, between rank 0 and each other rank:
 *
 *   TAG_BLOCK  r -> 0   one packed block (sim/batch.c's format), in block
 *                       order; sent with MPI_Issend, at most one pending, so
 *                       a rank is never more than one block plus its ring of
 *                       slots ahead of rank 0's fold: memory stays bounded.
 *   TAG_DONE   r -> 0   the last message of a run: a DoneMsg (ok, failed,
 *                       stopped).
 *   TAG_STOP   0 -> r   sent once per run, after rank 0's run ended (done,
 *                       --target met, interrupted or failed): stop claiming
 *                       blocks, drop the rest.
 *
 * Invariant that makes the shutdown deadlock-free: rank 0 always sends STOP
 * and then receives (and discards) everything each rank sends until that
 * rank's DONE; a rank always ends a run by waiting for its pending block to
 * be taken, then sending DONE, then taking STOP. Messages between two ranks
 * are matched in the order they were sent (MPI's non-overtaking rule), so
 * "the next message from rank r" is block k, or DONE when r has no more.
 *
 * Waiting is polling (MPI_Test / MPI_Iprobe, then a nap that doubles from
 * 10 us to 1 ms while nothing happens), so a rank waiting on another does
 * not burn the core its worker threads need, yet a block that arrives soon
 * is taken soon. A block of 64 replications takes milliseconds.
 */
#include "mpi.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef SALVO_HAVE_MPI

/* This build has no MPI: --mpi fails before anything runs; nothing else
 * here is ever reached (mpi_start never returns a handle). */
int mpi_wanted(int argc, char **argv)
{
    for (int i = 1; i < argc && strcmp(argv[i], "--"); i++)
        if (!strcmp(argv[i], "--mpi")) return 1;
    return 0;
}

Mpi *mpi_start(const char *cmd)
{
    fprintf(stderr, "salvo %s: --mpi: this build has no MPI (Open MPI's pkg-config file ompi-c was not "
            "found when salvo was built; install libopenmpi-dev and rebuild)\n", cmd);
    return NULL;
}

int mpi_rank(const Mpi *m) { (void)m; return 0; }
int mpi_size(const Mpi *m) { (void)m; return 1; }
int mpi_local_size(const Mpi *m) { (void)m; return 1; }
int mpi_agree(Mpi *m, int status, const char *inputs) { (void)m; (void)inputs; return status; }
int mpi_max(Mpi *m, int rc) { (void)m; return rc; }

int mpi_resume(Mpi *m, Batch *b, const char *path, const BatchOptions *o, Diag *d)
{
    (void)m;
    return batch_resume(b, path, o, d);
}

void mpi_share(Mpi *m, BatchShare *sh, volatile sig_atomic_t *stop, int csv)
{
    (void)m;
    (void)stop;
    (void)csv;
    memset(sh, 0, sizeof *sh);
    sh->nparts = 1;
}

int mpi_end_run(Mpi *m, int failed, Diag *d)
{
    (void)m;
    (void)failed;
    (void)d;
    return 0;
}

int mpi_finish(Mpi *m, int rc)
{
    (void)m;
    return rc;
}

#else /* SALVO_HAVE_MPI */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <mpi.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>

enum { TAG_BLOCK = 1, TAG_DONE, TAG_STOP, TAG_TEXT };
enum { DONE_OK = 0, DONE_FAILED = 1, DONE_STOPPED = 2 };

typedef struct DoneMsg {
    int32_t status;
    int32_t pad;
} DoneMsg;

struct Mpi {
    const char *cmd;
    int rank, size, local;
    /* Ranks other than 0, until mpi_agree: stderr goes to a temporary file
     * so that a message every rank gives is printed once, by rank 0. */
    int saved_err;          /* the real stderr, or -1 */
    FILE *err;              /* the temporary file */
    /* One run. */
    volatile sig_atomic_t *stop;
    MPI_Request stop_req;   /* ranks != 0: the posted receive of STOP */
    int stop_posted, stopped;
    MPI_Request send_req;   /* ranks != 0: the pending block, if sending */
    int sending;
    char *buf;              /* ranks != 0: the block being sent; rank 0: the */
    size_t cap;             /* block received last. cap: bytes allocated */
    int *done;              /* rank 0: per rank, its DONE status or -1 (size entries) */
};

/* Sleep a little longer each time in a row (*idle counts them; a caller
 * starts a new wait at 0). */
static void nap(int *idle)
{
    long us = 10L << (*idle < 7 ? *idle : 7);
    if (us > 1000) us = 1000;
    (*idle)++;
    struct timespec ts = { 0, us * 1000 };
    nanosleep(&ts, NULL);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int reserve(Mpi *m, size_t len)
{
    if (len <= m->cap) return 0;
    char *p = realloc(m->buf, len);
    if (!p) return -1;
    m->buf = p;
    m->cap = len;
    return 0;
}

int mpi_wanted(int argc, char **argv)
{
    for (int i = 1; i < argc && strcmp(argv[i], "--"); i++)
        if (!strcmp(argv[i], "--mpi")) return 1;
    return 0;
}

Mpi *mpi_start(const char *cmd)
{
    Mpi *m = calloc(1, sizeof *m);
    if (!m) {
        fprintf(stderr, "salvo %s: out of memory\n", cmd);
        return NULL;
    }
    m->cmd = cmd;
    m->saved_err = -1;
    int provided = 0;
    if (MPI_Init_thread(NULL, NULL, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS) {
        fprintf(stderr, "salvo %s: --mpi: MPI_Init_thread failed\n", cmd);
        free(m);
        return NULL;
    }
    /* A failure is reported through return codes, not by aborting the job. */
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    MPI_Comm_rank(MPI_COMM_WORLD, &m->rank);
    MPI_Comm_size(MPI_COMM_WORLD, &m->size);
    if (!(m->done = malloc((size_t)m->size * sizeof *m->done))) {
        fprintf(stderr, "salvo %s: out of memory\n", cmd);
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    MPI_Comm node;
    m->local = 1;
    if (MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node) == MPI_SUCCESS) {
        MPI_Comm_size(node, &m->local);
        MPI_Comm_free(&node);
    }
    if (provided < MPI_THREAD_FUNNELED && m->rank == 0)
        fprintf(stderr, "salvo %s: warning: this MPI gives thread level %d, not FUNNELED; only the main "
                "thread calls MPI, which works with most implementations\n", cmd, provided);
    if (m->rank != 0) {
        fflush(stdout);
        fflush(stderr);
        int null = open("/dev/null", O_WRONLY);
        if (null >= 0) {
            dup2(null, STDOUT_FILENO);
            close(null);
        }
        m->err = tmpfile();
        if (m->err && (m->saved_err = dup(STDERR_FILENO)) >= 0) {
            dup2(fileno(m->err), STDERR_FILENO);
        } else if (m->err) {
            fclose(m->err);
            m->err = NULL;
        }
    }
    return m;
}

int mpi_rank(const Mpi *m) { return m ? m->rank : 0; }
int mpi_size(const Mpi *m) { return m ? m->size : 1; }
int mpi_local_size(const Mpi *m) { return m ? m->local : 1; }

/* Ranks other than 0: stderr is the terminal again; the captured text (at
 * most cap-1 bytes) into text. */
static void end_capture(Mpi *m, char *text, size_t cap)
{
    text[0] = '\0';
    if (!m->err) return;
    fflush(stderr);
    dup2(m->saved_err, STDERR_FILENO);
    close(m->saved_err);
    m->saved_err = -1;
    rewind(m->err);
    size_t n = fread(text, 1, cap - 1, m->err);
    text[n] = '\0';
    fclose(m->err);
    m->err = NULL;
}

int mpi_agree(Mpi *m, int status, const char *inputs)
{
    char text[2048];
    end_capture(m, text, sizeof text);
    /* 2 fail, 1 help, 0 go: the largest wins. */
    int mine = status < 0 ? 2 : status, all = 2;
    int *each = m->rank == 0 ? calloc((size_t)m->size, sizeof *each) : NULL;
    if (m->rank == 0 && !each) {
        fprintf(stderr, "salvo %s: out of memory\n", m->cmd);
        MPI_Abort(MPI_COMM_WORLD, 2);
    }
    if (MPI_Gather(&mine, 1, MPI_INT, each, 1, MPI_INT, 0, MPI_COMM_WORLD) != MPI_SUCCESS) {
        free(each);
        return -1;
    }
    /* Messages of ranks that failed where rank 0 did not (a file missing
     * on one node, say) are printed by rank 0; the others are duplicates. */
    if (m->rank != 0 && mine == 2) {
        MPI_Send(text, (int)strlen(text) + 1, MPI_CHAR, 0, TAG_TEXT, MPI_COMM_WORLD);
    } else if (m->rank == 0) {
        all = mine;
        int more = 0;       /* failed ranks after the first, not printed */
        for (int r = 1; r < m->size; r++) {
            if (each[r] > all) all = each[r];
            if (each[r] != 2) continue;
            char other[sizeof text];
            MPI_Recv(other, (int)sizeof other, MPI_CHAR, r, TAG_TEXT, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            other[sizeof other - 1] = '\0';
            if (mine == 2) continue;
            if (all == 2 && more++) continue;
            fprintf(stderr, "salvo %s: rank %d of %d cannot start:\n%s%s", m->cmd, r, m->size, other,
                    *other && other[strlen(other) - 1] == '\n' ? "" : "\n");
        }
        if (more > 1) fprintf(stderr, "salvo %s: (and %d more ranks)\n", m->cmd, more - 1);
    }
    free(each);
    MPI_Bcast(&all, 1, MPI_INT, 0, MPI_COMM_WORLD);
    if (all != 0) return all == 2 ? -1 : 1;
    /* Every rank must run the same inputs with the same build. */
    char want[128];
    memset(want, 0, sizeof want);
    if (m->rank == 0 && inputs) snprintf(want, sizeof want, "%s", inputs);
    MPI_Bcast(want, (int)sizeof want, MPI_CHAR, 0, MPI_COMM_WORLD);
    int differ = strcmp(want, inputs ? inputs : "") != 0, any = 0;
    MPI_Allreduce(&differ, &any, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    if (any) {
        if (m->rank == 0)
            fprintf(stderr, "salvo %s: the ranks do not agree on the inputs: the scenario file, the "
                    "--set values or the salvo build differ on some node\n", m->cmd);
        return -1;
    }
    return 0;
}

int mpi_max(Mpi *m, int rc)
{
    (void)m;
    int all = rc;
    if (MPI_Allreduce(&rc, &all, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD) != MPI_SUCCESS) return rc ? rc : 1;
    return all;
}

int mpi_resume(Mpi *m, Batch *b, const char *path, const BatchOptions *o, Diag *d)
{
    /* The checkpoint is read where it was written, by rank 0: other nodes
     * need not share its file system. len -1: unreadable. */
    long long len = -1;
    char *text = NULL;
    if (m->rank == 0) {
        FILE *f = fopen(path, "rb");
        if (!f) {
            diag_add(d, 0, 0, "", "cannot resume: cannot read checkpoint '%s': %s", path, strerror(errno));
        } else {
            if (fseek(f, 0, SEEK_END) == 0 && (len = ftell(f)) >= 0 && len < INT_MAX &&
                fseek(f, 0, SEEK_SET) == 0 && (text = malloc((size_t)len + 1)) &&
                fread(text, 1, (size_t)len, f) == (size_t)len) {
                text[len] = '\0';
            } else {
                diag_add(d, 0, 0, "", "cannot resume: cannot read checkpoint '%s'", path);
                free(text);
                text = NULL;
                len = -1;
            }
            fclose(f);
        }
    }
    MPI_Bcast(&len, 1, MPI_LONG_LONG, 0, MPI_COMM_WORLD);
    if (len < 0) return -1;
    if (m->rank != 0 && !(text = malloc((size_t)len + 1))) {
        /* It cannot take part in the broadcast; nothing sensible is left. */
        fprintf(stderr, "salvo %s: rank %d: out of memory receiving the checkpoint\n", m->cmd, m->rank);
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    MPI_Bcast(text, (int)len, MPI_CHAR, 0, MPI_COMM_WORLD);
    text[len] = '\0';
    int rc = batch_resume_text(b, text, path, o, d);
    free(text);
    return rc;
}

/* Ranks != 0: has rank 0 said stop? Then raise the run's stop flag. */
static void poll_stop(Mpi *m)
{
    if (!m->stop_posted || m->stopped) return;
    int flag = 0;
    MPI_Test(&m->stop_req, &flag, MPI_STATUS_IGNORE);
    if (flag) {
        m->stopped = 1;
        m->stop_posted = 0;
        if (m->stop) *m->stop = 1;
    }
}

/* Ranks != 0: wait until the pending block is taken (or rank 0 said stop:
 * then it will be taken by rank 0's drain, later). 1 if it was taken. */
static int wait_sent(Mpi *m)
{
    int idle = 0;
    while (m->sending) {
        int flag = 0;
        MPI_Test(&m->send_req, &flag, MPI_STATUS_IGNORE);
        if (flag) {
            m->sending = 0;
            break;
        }
        poll_stop(m);
        if (m->stopped) return 0;
        nap(&idle);
    }
    return 1;
}

static int share_send(void *arg, const void *bytes, size_t len)
{
    Mpi *m = arg;
    poll_stop(m);
    if (m->stopped || !wait_sent(m)) return 0;      /* rank 0 no longer wants blocks */
    if (len > INT_MAX || reserve(m, len) < 0) return -1;
    memcpy(m->buf, bytes, len);
    if (MPI_Issend(m->buf, (int)len, MPI_BYTE, 0, TAG_BLOCK, MPI_COMM_WORLD, &m->send_req) != MPI_SUCCESS)
        return -1;
    m->sending = 1;
    return 0;
}

/* Rank 0: take rank r's DONE (already probed). */
static void take_done(Mpi *m, int r)
{
    DoneMsg msg = { DONE_FAILED, 0 };
    MPI_Recv(&msg, (int)sizeof msg, MPI_BYTE, r, TAG_DONE, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    m->done[r] = msg.status;
}

static int share_recv(void *arg, uint64_t block, double wait, const void **bytes, size_t *len, Diag *d)
{
    Mpi *m = arg;
    int r = (int)(block % (uint64_t)m->size);
    double until = now_s() + wait;
    int idle = 0;
    for (;;) {
        if (m->done[r] >= 0) {
            if (m->done[r] == DONE_STOPPED) return -2;
            diag_add(d, 0, 0, "", "rank %d of %d failed before sending block %llu (see its message)", r,
                     m->size, (unsigned long long)block);
            return -1;
        }
        int flag = 0;
        MPI_Status st;
        if (MPI_Iprobe(r, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, &st) != MPI_SUCCESS) {
            diag_add(d, 0, 0, "", "MPI failed while waiting for rank %d", r);
            return -1;
        }
        if (flag && st.MPI_TAG == TAG_DONE) {
            take_done(m, r);
            continue;
        }
        if (flag) {
            int n = 0;
            MPI_Get_count(&st, MPI_BYTE, &n);
            if (n < 0 || reserve(m, (size_t)n) < 0) {
                diag_add(d, 0, 0, "", "out of memory receiving block %llu", (unsigned long long)block);
                return -1;
            }
            if (MPI_Recv(m->buf, n, MPI_BYTE, r, st.MPI_TAG, MPI_COMM_WORLD, MPI_STATUS_IGNORE) != MPI_SUCCESS ||
                st.MPI_TAG != TAG_BLOCK) {
                diag_add(d, 0, 0, "", "unexpected message from rank %d", r);
                return -1;
            }
            *bytes = m->buf;
            *len = (size_t)n;
            return 1;
        }
        if (now_s() >= until) return 0;
        nap(&idle);
    }
}

void mpi_share(Mpi *m, BatchShare *sh, volatile sig_atomic_t *stop, int csv)
{
    *sh = (BatchShare){ .nparts = m->size, .part = m->rank, .csv = csv, .send = share_send, .recv = share_recv,
                        .arg = m };
    m->stop = stop;
    m->stopped = 0;
    m->sending = 0;
    if (m->rank == 0) {
        for (int r = 0; r < m->size; r++) m->done[r] = -1;
    } else if (m->size > 1) {
        MPI_Irecv(NULL, 0, MPI_BYTE, 0, TAG_STOP, MPI_COMM_WORLD, &m->stop_req);
        m->stop_posted = 1;
    }
}

int mpi_end_run(Mpi *m, int failed, Diag *d)
{
    if (m->size < 2) return 0;
    if (m->rank != 0) {
        /* Rank 0 takes the pending block, in its fold or in its drain. */
        int idle = 0;
        while (m->sending) {
            int flag = 0;
            MPI_Test(&m->send_req, &flag, MPI_STATUS_IGNORE);
            if (flag) m->sending = 0;
            else nap(&idle);
        }
        poll_stop(m);
        DoneMsg msg = { failed ? DONE_FAILED : m->stop && *m->stop && !m->stopped ? DONE_STOPPED : DONE_OK, 0 };
        MPI_Send(&msg, (int)sizeof msg, MPI_BYTE, 0, TAG_DONE, MPI_COMM_WORLD);
        if (m->stop_posted) {
            int flag = 0;
            while (MPI_Test(&m->stop_req, &flag, MPI_STATUS_IGNORE) == MPI_SUCCESS && !flag) nap(&idle);
            m->stop_posted = 0;
        }
        return 0;
    }
    /* Every other rank posted its receive of STOP before its run began, so
     * these sends complete at once. */
    for (int r = 1; r < m->size; r++) MPI_Send(NULL, 0, MPI_BYTE, r, TAG_STOP, MPI_COMM_WORLD);
    int others_failed = 0;
    for (int r = 1; r < m->size; r++) {
        int idle = 0;
        while (m->done[r] < 0) {
            int flag = 0;
            MPI_Status st;
            MPI_Iprobe(r, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, &st);
            if (!flag) {
                nap(&idle);
                continue;
            }
            idle = 0;
            if (st.MPI_TAG == TAG_DONE) {
                take_done(m, r);
                break;
            }
            int n = 0;
            MPI_Get_count(&st, MPI_BYTE, &n);
            /* A block rank 0 no longer needs. */
            if (reserve(m, (size_t)(n > 0 ? n : 1)) < 0) {
                fprintf(stderr, "salvo %s: out of memory draining rank %d\n", m->cmd, r);
                MPI_Abort(MPI_COMM_WORLD, 1);
            }
            MPI_Recv(m->buf, n, MPI_BYTE, r, st.MPI_TAG, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        }
        if (m->done[r] == DONE_FAILED) {
            others_failed = 1;
            if (!failed) diag_add(d, 0, 0, "", "rank %d of %d failed (see its message)", r, m->size);
        }
    }
    return others_failed ? -1 : 0;
}

int mpi_finish(Mpi *m, int rc)
{
    if (!m) return rc;
    char text[2048];
    end_capture(m, text, sizeof text);     /* only if mpi_agree was never reached */
    if (text[0]) fputs(text, stderr);
    MPI_Bcast(&rc, 1, MPI_INT, 0, MPI_COMM_WORLD);
    fflush(stdout);
    fflush(stderr);
    MPI_Finalize();
    free(m->buf);
    free(m->done);
    free(m);
    return rc;
}

#endif /* SALVO_HAVE_MPI */
