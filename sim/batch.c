/* batch.c — the parallel, deterministic, resumable batch engine: see batch.h.
 *
 * Threads. T workers claim blocks in increasing order (one counter under the
 * lock) and fill a slot of a ring of 2T+2 slots: per replication the metric
 * values, each dimension's sketch key (the log is computed here, in
 * parallel), the block's moments in replication order, and the block's CSV
 * text. The calling thread is the reducer: it waits for block `reduced`,
 * folds it into the totals, writes its CSV rows, frees the slot, and in
 * between reports progress, writes checkpoints and watches the stop flag.
 * A worker may run at most `nslots` blocks ahead of the reducer, so memory
 * is bounded whatever the speed of the CSV sink.
 *
 * Sharing (BatchShare, batch.h): each process claims only its own blocks
 * (k % nparts == part), so the ring is indexed by the count of local blocks
 * claimed and reduced, not by block number. Part 0's reducer still walks
 * every block in order; a block of another part comes from share->recv,
 * is unpacked into one spare slot and folded like a local one. Other parts
 * pack each local block and pass it to share->send instead of folding it.
 *
 * A packed block (native byte order; all fields 8 bytes unless said):
 *
 *   magic "SALVOBK1", probe (the double 1/3, a check on the double format),
 *   block, rep0, nrep, events, ndims, nmetrics, csv_len,
 *   ndims x (n, mean, m2, min, max),
 *   ndims x nrep int32 sketch keys (dimension-major), padded to 8 bytes,
 *   nrep x nmetrics double scalars, csv_len bytes of CSV rows.
 *
 * Invariant: the totals always hold exactly replications 0..done-1, with
 * full blocks merged in block order into `mom` and the replications of a
 * short last block (done % BATCH_BLOCK of them) in `tail`.
 *
 * Checkpoint file (text; doubles in C99 hex so that they round-trip bit
 * for bit; written to a temporary file and renamed, see afile.h):
 *
 *   salvo-checkpoint 2
 *   fingerprint <text to end of line>
 *   seed <u64> block <BATCH_BLOCK> dims <n> metrics <m> ndays <d>
 *   metric <i> <kind> <series_len> <id>               (m lines)
 *   done <u64> events <u64>
 *   mom <dim> <n> <mean> <m2> <min> <max>             (dims lines)
 *   tail <dim> <n> <mean> <m2> <min> <max>            (dims lines)
 *   sketch <dim> <zero> <pinf> <ninf> <nan> <n>
 *          <pos.lo> <pos.floor> <pos.len> <counts...>
 *          <neg.lo> <neg.floor> <neg.len> <counts...>  (dims records)
 *   days <metric> <counts...>                           (TIME metrics)
 *   end
 *   sha256 <hex of every byte above>
 */
#include "batch.h"
#include "mem.h"
#include "sha256.h"

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "afile.h"
#include "rng.h"

struct Batch {
    const BatchModel *m;
    int nm, ns, ndims;
    int *series_dim;        /* per metric: first series dim, or -1 */
    StatMoments *mom;       /* full blocks, merged in block order */
    StatMoments *tail;      /* the short last block, n = 0 if none */
    StatSketch *sk;
    StatDays *days;         /* per metric; ndays 0 unless TIME */
    int32_t ndays;
    uint64_t done;
    uint64_t seed;
    int seeded;             /* seed fixed by a resume or an earlier run */
    int stopped, target_met;
    uint64_t events;
    double seconds;
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int batch_model_series_len(const BatchModel *m)
{
    int n = 0;
    for (int i = 0; i < m->nmetrics; i++)
        if (m->metrics[i].kind == MET_LEVEL && m->metrics[i].series_len > 0)
            n += m->metrics[i].series_len;
    return n + m->nextra;
}

int batch_extra_dim(const Batch *b, int k)
{
    return k >= 0 && k < b->m->nextra ? b->ndims - b->m->nextra + k : -1;
}

/* --- totals --------------------------------------------------------------- */

Batch *batch_create(const BatchModel *m, Diag *d)
{
    assert(m && m->nmetrics >= 1 && m->replicate && m->worker_create);
    Batch *b = mem_calloc(1, sizeof *b);
    if (!b) goto oom;
    b->m = m;
    b->nm = m->nmetrics;
    b->ns = batch_model_series_len(m);
    b->ndims = b->nm + b->ns;
    double h = m->horizon > 0 && m->horizon < 1e6 ? ceil(m->horizon) + 1 : 0;
    b->ndays = (int32_t)h;
    b->series_dim = mem_malloc((size_t)b->nm * sizeof *b->series_dim);
    b->mom = mem_malloc((size_t)b->ndims * sizeof *b->mom);
    b->tail = mem_malloc((size_t)b->ndims * sizeof *b->tail);
    /* Zeroed, so that batch_destroy may free the sketches of a batch whose
     * set-up failed before stats_sketch_init reached them. */
    b->sk = mem_calloc((size_t)b->ndims, sizeof *b->sk);
    b->days = mem_calloc((size_t)b->nm, sizeof *b->days);
    if (!b->series_dim || !b->mom || !b->tail || !b->sk || !b->days) goto oom;
    for (int i = 0, next = b->nm; i < b->nm; i++) {
        const MetricInfo *mi = &m->metrics[i];
        b->series_dim[i] = -1;
        if (mi->kind == MET_LEVEL && mi->series_len > 0) {
            b->series_dim[i] = next;
            next += mi->series_len;
        }
        if (mi->kind == MET_TIME && stats_days_init(&b->days[i], b->ndays) < 0) goto oom;
    }
    for (int k = 0; k < b->ndims; k++) {
        stats_moments_init(&b->mom[k]);
        stats_moments_init(&b->tail[k]);
        stats_sketch_init(&b->sk[k]);
    }
    return b;
oom:
    diag_add(d, 0, 0, "", "out of memory setting up the batch");
    batch_destroy(b);
    return NULL;
}

void batch_destroy(Batch *b)
{
    if (!b) return;
    if (b->sk)
        for (int k = 0; k < b->ndims; k++) stats_sketch_fini(&b->sk[k]);
    if (b->days)
        for (int i = 0; i < b->nm; i++) stats_days_fini(&b->days[i]);
    free(b->series_dim);
    free(b->mom);
    free(b->tail);
    free(b->sk);
    free(b->days);
    free(b);
}

const BatchModel *batch_model(const Batch *b) { return b->m; }
uint64_t batch_done(const Batch *b) { return b->done; }
int batch_stopped(const Batch *b) { return b->stopped; }
int batch_target_met(const Batch *b) { return b->target_met; }
uint64_t batch_events(const Batch *b) { return b->events; }
double batch_seconds(const Batch *b) { return b->seconds; }
uint64_t batch_seed(const Batch *b) { return b->seed; }
int batch_dims(const Batch *b) { return b->ndims; }

int batch_series_dim(const Batch *b, int metric, int point)
{
    if (metric < 0 || metric >= b->nm || b->series_dim[metric] < 0) return -1;
    if (point < 0 || point >= b->m->metrics[metric].series_len) return -1;
    return b->series_dim[metric] + point;
}

StatMoments batch_moments(const Batch *b, int dim)
{
    assert(dim >= 0 && dim < b->ndims);
    StatMoments m = b->mom[dim];
    stats_moments_merge(&m, &b->tail[dim]);
    return m;
}

const StatSketch *batch_sketch(const Batch *b, int dim)
{
    assert(dim >= 0 && dim < b->ndims);
    return &b->sk[dim];
}

const StatDays *batch_days(const Batch *b, int metric)
{
    if (metric < 0 || metric >= b->nm || b->m->metrics[metric].kind != MET_TIME) return NULL;
    return &b->days[metric];
}

/* --- CSV ------------------------------------------------------------------ */

typedef struct Text {
    char *p;
    size_t len, cap;
} Text;

static int text_reserve(Text *t, size_t more)
{
    if (t->len + more <= t->cap) return 0;
    size_t cap = t->cap ? t->cap : 4096;
    while (cap < t->len + more) cap *= 2;
    char *p = mem_realloc(t->p, cap);
    if (!p) return -1;
    t->p = p;
    t->cap = cap;
    return 0;
}

/* The shortest of %.15g..%.17g that reads back as the same double. */
static int fmt_double(char *buf, size_t n, double x)
{
    for (int prec = 15; prec <= 17; prec++) {
        int len = snprintf(buf, n, "%.*g", prec, x);
        if (prec == 17 || strtod(buf, NULL) == x) return len;
    }
    return 0;
}

static int csv_row(Text *t, const BatchModel *m, uint64_t seed, uint64_t rep, const double *sc)
{
    if (text_reserve(t, 48 + (size_t)m->nmetrics * 26) < 0) return -1;
    char *p = t->p + t->len;
    p += sprintf(p, "%" PRIu64 ",%" PRIu64, rep, rng_key_hash(seed, rep, "replication", ""));
    for (int i = 0; i < m->nmetrics; i++) {
        *p++ = ',';
        double x = sc[i];
        /* Numbers only, so every CSV reader gets a numeric column: a time
         * that never came (and a NaN) is an empty cell, a missing value. */
        if (isnan(x) || (isinf(x) && x > 0 && m->metrics[i].kind == MET_TIME)) continue;
        if (isinf(x)) p += sprintf(p, "%s", x > 0 ? "inf" : "-inf");
        else p += fmt_double(p, 26, x);
    }
    *p++ = '\n';
    t->len = (size_t)(p - t->p);
    return 0;
}

void batch_csv_header(const BatchModel *m, FILE *out)
{
    fputs("rep,seed_key", out);
    for (int i = 0; i < m->nmetrics; i++) fprintf(out, ",%s", m->metrics[i].id);
    fputc('\n', out);
}

int batch_csv_copy(const char *path, const BatchModel *m, uint64_t seed, uint64_t rows, FILE *out, Diag *d)
{
    FILE *in = fopen(path, "rb");
    if (!in) {
        diag_add(d, 0, 0, "", "cannot resume the CSV: cannot read '%s': %s", path, strerror(errno));
        return -1;
    }
    /* The header must be this model's, and row r must be replication r of
     * this seed: its seed_key says so. Only the row index was checked once,
     * and an unrelated CSV (other seed, other scenario) was spliced in. */
    char *want = NULL, *line = NULL;
    size_t wlen = 0, cap = 0;
    FILE *h = open_memstream(&want, &wlen);
    if (h) {
        batch_csv_header(m, h);
        fclose(h);
    }
    int rc = -1;
    if (!want) {
        diag_add(d, 0, 0, "", "out of memory resuming the CSV");
        goto out;
    }
    ssize_t len = getline(&line, &cap, in);
    if (len < 0 || (size_t)len != wlen || memcmp(line, want, wlen) != 0) {
        diag_add(d, 1, 1, "", "cannot resume the CSV: '%s' does not start with this batch's header "
                 "(%.*s); it is not this scenario's CSV", path, (int)(wlen ? wlen - 1 : 0), want);
        goto out;
    }
    fwrite(line, 1, (size_t)len, out);
    for (uint64_t r = 0; r < rows; r++) {
        len = getline(&line, &cap, in);
        if (len < 0 || line[len - 1] != '\n') {
            diag_add(d, 0, 0, "", "cannot resume the CSV: '%s' holds %" PRIu64 " of the %" PRIu64
                     " rows the checkpoint has; resume without --csv or start again", path, r, rows);
            goto out;
        }
        char expect[64];
        int n = snprintf(expect, sizeof expect, "%" PRIu64 ",%" PRIu64 ",", r,
                         rng_key_hash(seed, r, "replication", ""));
        int commas = 0;
        for (ssize_t k = 0; k < len; k++) commas += line[k] == ',';
        if (strncmp(line, expect, (size_t)n) != 0 || commas != m->nmetrics + 1) {
            diag_add(d, (int)(r + 2 < INT32_MAX ? r + 2 : INT32_MAX), 1, "",
                     "cannot resume the CSV: row %" PRIu64 " of '%s' is not replication %" PRIu64
                     " of seed %" PRIu64 " (expected it to begin '%.*s' with %d fields)",
                     r, path, r, seed, n - 1, expect, m->nmetrics + 2);
            goto out;
        }
        fwrite(line, 1, (size_t)len, out);
    }
    rc = 0;
out:
    free(line);
    free(want);
    fclose(in);
    return rc;
}

/* --- the run ---------------------------------------------------------------- */

enum { SLOT_FREE, SLOT_BUSY, SLOT_DONE };

typedef struct Slot {
    int state;
    int failed;             /* out of memory in the worker */
    uint64_t block, rep0, nrep;
    int cut;                /* a stop ended the block early (nrep is short) */
    uint64_t events;
    StatMoments *mom;       /* ndims: the block's moments in replication order */
    int32_t *keys;          /* ndims * BATCH_BLOCK sketch keys, dimension-major */
    double *scalars;        /* BATCH_BLOCK * nm values */
    Text csv;
} Slot;

typedef struct Run Run;

typedef struct Worker {
    Run *run;
    void *model_worker;
    double *series;         /* ns values of the current replication */
    double *last_x;         /* ndims: the last value seen per dimension, */
    int32_t *last_key;      /* and its sketch key (levels repeat a lot) */
    pthread_t thread;
    int started;
} Worker;

struct Run {
    Batch *b;
    const BatchOptions *o;
    const BatchShare *sh;   /* NULL: every block is local */
    int csv;                /* workers format CSV rows */
    uint64_t start;         /* first replication of this run */
    uint64_t runs;
    uint64_t nblocks;
    int nslots;
    Slot *slots;            /* nslots + 1: the ring, then a spare for other parts' blocks */
    Text pack;              /* parts != 0: the packed block being sent */
    pthread_mutex_t mu;
    pthread_cond_t space;   /* a slot was freed, or halt */
    pthread_cond_t ready;   /* a block is done */
    uint64_t next;          /* next block to claim (a local one, or nblocks) */
    uint64_t reduced;       /* blocks walked past by the reducer */
    uint64_t lclaimed;      /* local blocks claimed: the ring's write index */
    uint64_t lreduced;      /* local blocks reduced or sent: its read index */
    int halt;               /* no more claims */
    int root;               /* this process folds the totals (part 0, or alone) */
    Worker *workers;        /* nworkers set up (of nthreads wanted) */
    int nthreads, nworkers;
    /* The reducer's clock: progress and checkpoints when due. */
    double t0, every, next_ck, next_pr;
    uint64_t done0;         /* replications in the totals when the run began */
};

/* Is block k run by this process? */
static int owned(const Run *r, uint64_t k)
{
    return !r->sh || k % (uint64_t)r->sh->nparts == (uint64_t)r->sh->part;
}

/* The first local block >= k. */
static uint64_t next_owned(const Run *r, uint64_t k)
{
    if (!r->sh) return k;
    uint64_t p = (uint64_t)r->sh->nparts, part = (uint64_t)r->sh->part;
    return k + (part + p - k % p) % p;
}

static void fill_block(Run *r, Worker *w, Slot *s)
{
    Batch *b = r->b;
    const BatchModel *m = b->m;
    uint64_t first = s->block * BATCH_BLOCK;
    uint64_t end = first + BATCH_BLOCK < r->runs ? first + BATCH_BLOCK : r->runs;
    uint64_t rep0 = first > r->start ? first : r->start;
    s->rep0 = rep0;
    s->nrep = end - rep0;
    s->failed = 0;
    s->csv.len = 0;
    /* A run resumed inside a block continues that block's moments; the tail
     * is not written by the reducer until this block is reduced. */
    for (int k = 0; k < b->ndims; k++) {
        if (rep0 > first) s->mom[k] = b->tail[k];
        else stats_moments_init(&s->mom[k]);
    }
    uint64_t ev0 = m->worker_events ? m->worker_events(w->model_worker) : 0;
    s->cut = 0;
    for (uint64_t i = 0; i < s->nrep; i++) {
        /* A stop ends the block at this replication boundary (one process
         * only: the parts of a shared run exchange whole blocks). The
         * reducer folds the cut block as the short last one and goes no
         * further, so the completed replications stay a prefix. */
        if (!r->sh && r->o->stop && *r->o->stop) {
            s->nrep = i;
            s->cut = 1;
            break;
        }
        uint64_t rep = rep0 + i;
        double *sc = s->scalars + i * (uint64_t)b->nm;
        m->replicate(w->model_worker, r->o->seed, rep, sc, w->series);
        for (int k = 0; k < b->ndims; k++) {
            double x = k < b->nm ? sc[k] : w->series[k - b->nm];
            /* A log per value is the costliest step here; levels often
             * repeat (an empty stock, a plateau), so remember the last. */
            if (x != w->last_x[k]) {
                w->last_x[k] = x;
                w->last_key[k] = stats_sketch_key(x);
            }
            s->keys[(size_t)k * BATCH_BLOCK + i] = w->last_key[k];
            if (isfinite(x)) stats_moments_add(&s->mom[k], x);
        }
        if (r->csv && csv_row(&s->csv, m, r->o->seed, rep, sc) < 0) s->failed = 1;
    }
    s->events = m->worker_events ? m->worker_events(w->model_worker) - ev0 : 0;
}

static void *worker_main(void *arg)
{
    Worker *w = arg;
    Run *r = w->run;
    pthread_mutex_lock(&r->mu);
    for (;;) {
        if (r->o->stop && *r->o->stop) r->halt = 1;
        while (!r->halt && r->next < r->nblocks && r->lclaimed >= r->lreduced + (uint64_t)r->nslots)
            pthread_cond_wait(&r->space, &r->mu);
        if (r->halt || r->next >= r->nblocks) break;
        uint64_t blk = r->next;
        r->next = next_owned(r, blk + 1);
        Slot *s = &r->slots[r->lclaimed++ % (uint64_t)r->nslots];
        assert(s->state == SLOT_FREE);
        s->state = SLOT_BUSY;
        s->block = blk;
        pthread_mutex_unlock(&r->mu);
        fill_block(r, w, s);
        pthread_mutex_lock(&r->mu);
        s->state = SLOT_DONE;
        pthread_cond_signal(&r->ready);
    }
    pthread_mutex_unlock(&r->mu);
    return NULL;
}

/* Fold one completed block into the totals (reducer thread only). */
static int reduce_block(Run *r, Slot *s)
{
    Batch *b = r->b;
    if (s->failed) return -1;
    /* Dimension by dimension: each sketch stays in cache for its block. */
    for (int k = 0; k < b->ndims; k++)
        if (stats_sketch_add_keys(&b->sk[k], s->keys + (size_t)k * BATCH_BLOCK, 1, s->nrep) < 0) return -1;
    for (int k = 0; k < b->nm; k++) {
        if (!b->days[k].ndays) continue;
        for (uint64_t i = 0; i < s->nrep; i++) stats_days_add(&b->days[k], s->scalars[i * (uint64_t)b->nm + k]);
    }
    uint64_t end = s->rep0 + s->nrep;
    if (end % BATCH_BLOCK == 0) {
        for (int k = 0; k < b->ndims; k++) {
            stats_moments_merge(&b->mom[k], &s->mom[k]);
            stats_moments_init(&b->tail[k]);
        }
    } else {
        memcpy(b->tail, s->mom, (size_t)b->ndims * sizeof *b->tail);
    }
    if (r->o->csv && s->csv.len && fwrite(s->csv.p, 1, s->csv.len, r->o->csv) != s->csv.len)
        return -1;
    b->events += s->events;
    b->done = end;
    return 0;
}

/* --- packed blocks (sharing a run) ----------------------------------------- */

static const char PACK_MAGIC[8] = { 'S', 'A', 'L', 'V', 'O', 'B', 'K', '1' };
enum { PACK_HEAD = 10 };    /* magic, probe and 8 u64 fields */

static void put8(unsigned char **p, const void *v)
{
    memcpy(*p, v, 8);
    *p += 8;
}

static void put_u64(unsigned char **p, uint64_t v) { put8(p, &v); }

static size_t pack_keys_bytes(size_t ndims, size_t nrep)
{
    return (ndims * nrep * sizeof(int32_t) + 7) / 8 * 8;
}

/* Slot s as bytes in r->pack. 0, or -1 when out of memory. */
static int pack_block(Run *r, const Slot *s)
{
    const Batch *b = r->b;
    size_t nd = (size_t)b->ndims, nrep = (size_t)s->nrep, nm = (size_t)b->nm;
    size_t len = 8 * PACK_HEAD + nd * 5 * 8 + pack_keys_bytes(nd, nrep) + nrep * nm * 8 + s->csv.len;
    r->pack.len = 0;
    if (text_reserve(&r->pack, len) < 0) return -1;
    unsigned char *p = (unsigned char *)r->pack.p;
    double probe = 1.0 / 3.0;
    put8(&p, PACK_MAGIC);
    put8(&p, &probe);
    put_u64(&p, s->block);
    put_u64(&p, s->rep0);
    put_u64(&p, s->nrep);
    put_u64(&p, s->events);
    put_u64(&p, nd);
    put_u64(&p, nm);
    put_u64(&p, s->csv.len);
    put_u64(&p, 0);             /* reserved */
    for (size_t k = 0; k < nd; k++) {
        const StatMoments *m = &s->mom[k];
        put_u64(&p, m->n);
        put8(&p, &m->mean);
        put8(&p, &m->m2);
        put8(&p, &m->min);
        put8(&p, &m->max);
    }
    unsigned char *keys = p;
    for (size_t k = 0; k < nd; k++) {
        memcpy(p, s->keys + k * BATCH_BLOCK, nrep * sizeof(int32_t));
        p += nrep * sizeof(int32_t);
    }
    memset(p, 0, (size_t)(keys + pack_keys_bytes(nd, nrep) - p));
    p = keys + pack_keys_bytes(nd, nrep);
    memcpy(p, s->scalars, nrep * nm * 8);
    p += nrep * nm * 8;
    if (s->csv.len) memcpy(p, s->csv.p, s->csv.len);
    p += s->csv.len;
    r->pack.len = (size_t)(p - (unsigned char *)r->pack.p);
    assert(r->pack.len == len);
    return 0;
}

static uint64_t get_u64(const unsigned char **p)
{
    uint64_t v;
    memcpy(&v, *p, 8);
    *p += 8;
    return v;
}

static double get_f64(const unsigned char **p)
{
    double v;
    memcpy(&v, *p, 8);
    *p += 8;
    return v;
}

/* Unpack the bytes of block k into s; they must be what this run expects
 * (the same model, seed range and byte order). 0, or -1 with a message. */
static int unpack_block(Run *r, uint64_t k, const void *bytes, size_t len, Slot *s, Diag *d)
{
    const Batch *b = r->b;
    const unsigned char *p = bytes, *end = p + len;
    size_t nd = (size_t)b->ndims, nm = (size_t)b->nm;
    uint64_t first = k * BATCH_BLOCK;
    uint64_t last = first + BATCH_BLOCK < r->runs ? first + BATCH_BLOCK : r->runs;
    uint64_t rep0 = first > r->start ? first : r->start;
    if (len < 8 * PACK_HEAD || memcmp(p, PACK_MAGIC, 8) != 0) goto bad;
    p += 8;
    if (get_f64(&p) != 1.0 / 3.0) {
        diag_add(d, 0, 0, "", "block %" PRIu64 " came from a process with another byte order or "
                 "double format; every process of a shared run must use the same", k);
        return -1;
    }
    uint64_t blk = get_u64(&p), r0 = get_u64(&p), nrep = get_u64(&p), events = get_u64(&p);
    uint64_t dims = get_u64(&p), metrics = get_u64(&p), csv_len = get_u64(&p);
    (void)get_u64(&p);
    if (blk != k || r0 != rep0 || nrep != last - rep0 || dims != nd || metrics != nm) goto bad;
    size_t want = 8 * PACK_HEAD + nd * 5 * 8 + pack_keys_bytes(nd, nrep) + nrep * nm * 8;
    if (csv_len > len || len - csv_len != want) goto bad;
    if (r->o->csv && nrep && !csv_len) {
        diag_add(d, 0, 0, "", "block %" PRIu64 " came without its CSV rows", k);
        return -1;
    }
    s->block = blk;
    s->rep0 = r0;
    s->nrep = nrep;
    s->events = events;
    s->failed = 0;
    for (size_t j = 0; j < nd; j++) {
        StatMoments *m = &s->mom[j];
        m->n = get_u64(&p);
        m->mean = get_f64(&p);
        m->m2 = get_f64(&p);
        m->min = get_f64(&p);
        m->max = get_f64(&p);
    }
    const unsigned char *keys = p;
    for (size_t j = 0; j < nd; j++) {
        memcpy(s->keys + j * BATCH_BLOCK, p, nrep * sizeof(int32_t));
        p += nrep * sizeof(int32_t);
    }
    p = keys + pack_keys_bytes(nd, nrep);
    memcpy(s->scalars, p, nrep * nm * 8);
    p += nrep * nm * 8;
    s->csv.len = 0;
    if (csv_len) {
        if (text_reserve(&s->csv, csv_len) < 0) {
            diag_add(d, 0, 0, "", "out of memory receiving block %" PRIu64, k);
            return -1;
        }
        memcpy(s->csv.p, p, csv_len);
        s->csv.len = csv_len;
        p += csv_len;
    }
    assert(p == end);
    (void)end;
    return 0;
bad:
    diag_add(d, 0, 0, "", "block %" PRIu64 " from another process is damaged or belongs to another "
             "run (a different salvo build, scenario or --runs?)", k);
    return -1;
}

static int write_checkpoint(const Batch *b, const BatchOptions *o, Diag *d);

static double halfwidth_of(const Batch *b, int metric)
{
    if (metric < 0 || metric >= b->nm) return NAN;
    StatMoments m = batch_moments(b, metric);
    return stats_moments_halfwidth(&m);
}

static void report(Run *r)
{
    const BatchOptions *o = r->o;
    if (!o->progress) return;
    BatchProgress p;
    p.done = r->b->done;
    p.total = r->runs;
    p.elapsed = now_s() - r->t0;
    p.rate = p.elapsed > 0 ? (double)(p.done - r->done0) / p.elapsed : NAN;
    p.eta = p.rate > 0 ? (double)(p.total - p.done) / p.rate : NAN;
    p.halfwidth = halfwidth_of(r->b, o->progress_metric);
    o->progress(o->progress_arg, &p);
}

/* The progress line, when it is due at time `now`. */
static void report_due(Run *r, double now)
{
    if (r->o->progress && now >= r->next_pr) {
        report(r);
        r->next_pr = now_s() + r->o->progress_every;
    }
}

/* Refuse a run that cannot continue these totals. */
static int check_start(const Batch *b, const BatchOptions *o, Diag *d)
{
    if (b->seeded && o->seed != b->seed) {
        diag_add(d, 0, 0, "", "these totals were made with seed %" PRIu64 ", not %" PRIu64,
                 b->seed, o->seed);
        return -1;
    }
    if (o->runs < b->done) {
        diag_add(d, 0, 0, "", "the checkpoint already holds %" PRIu64 " replications; "
                 "--runs must be at least that", b->done);
        return -1;
    }
    return 0;
}

/* The blocks to walk, the ring's size and the threads to start. */
static void plan_run(Run *r, Batch *b, const BatchOptions *o)
{
    memset(r, 0, sizeof *r);
    r->t0 = now_s();
    r->b = b;
    r->o = o;
    r->sh = o->share && o->share->nparts > 1 ? o->share : NULL;
    assert(!r->sh || (r->sh->part >= 0 && r->sh->part < r->sh->nparts && (r->sh->part ? !!r->sh->send : !!r->sh->recv)));
    r->root = !r->sh || r->sh->part == 0;
    r->csv = r->root ? o->csv != NULL : r->sh->csv;
    r->start = b->done;
    r->runs = o->runs;
    r->nblocks = (o->runs + BATCH_BLOCK - 1) / BATCH_BLOCK;
    r->reduced = b->done / BATCH_BLOCK;
    r->next = next_owned(r, r->reduced);
    /* Memory is bounded independent of the thread count: blocks in flight
     * (the ring) and workers (each with its Sim and a series buffer) share
     * BATCH_FLIGHT_BYTES. A block of a scenario at the sample-point limit
     * holds 64 x 1,000,000 sketch keys (256 MB), so then the ring has its
     * minimum of 2 slots and only 2 workers run: more threads could only
     * wait for a free slot anyway. The results do not depend on it. */
    size_t slot_bytes = (size_t)BATCH_BLOCK * (size_t)b->ndims * sizeof(int32_t) +
                        (size_t)BATCH_BLOCK * (size_t)b->nm * sizeof(double) +
                        (size_t)b->ndims * sizeof(StatMoments) + (size_t)BATCH_BLOCK * 32 * (size_t)b->nm;
    size_t worker_bytes = ((size_t)b->ns + (size_t)b->ndims) * sizeof(double) +
                          (size_t)b->ndims * sizeof(int32_t) + (size_t)b->ns * sizeof(double);
    size_t fit = BATCH_FLIGHT_BYTES / (slot_bytes + worker_bytes + 1);
    r->nslots = 2 * o->threads + 2;
    if ((size_t)r->nslots > fit) r->nslots = fit < 2 ? 2 : (int)fit;
    r->nthreads = o->threads < r->nslots ? o->threads : r->nslots;
    /* A finished round that already meets the target needs nothing more. */
    if (o->target_metric >= 0 && b->done > 0 && b->done % BATCH_ROUND == 0 &&
        halfwidth_of(b, o->target_metric) <= o->target_halfwidth) {
        b->target_met = 1;
        r->nblocks = r->reduced;
    }
    r->every = o->checkpoint_every > 0 ? o->checkpoint_every : 2.0;
    r->next_ck = r->t0 + r->every;
    r->next_pr = r->t0 + o->progress_every;
    r->done0 = b->done;
}

/* One worker's buffers and model worker; -1 (nothing kept) on failure. */
static int worker_init(Worker *w, Run *r)
{
    const Batch *b = r->b;
    w->run = r;
    w->series = mem_malloc(((size_t)b->ns + 1) * sizeof *w->series);
    w->last_x = mem_malloc((size_t)b->ndims * sizeof *w->last_x);
    w->last_key = mem_malloc((size_t)b->ndims * sizeof *w->last_key);
    w->model_worker = b->m->worker_create(b->m->ctx);
    if (!w->series || !w->last_x || !w->last_key || !w->model_worker) {
        if (w->model_worker) b->m->worker_destroy(w->model_worker);
        free(w->series);
        free(w->last_x);
        free(w->last_key);
        memset(w, 0, sizeof *w);
        return -1;
    }
    /* NaN never equals itself: the first value always computes its key. */
    for (int k = 0; k < b->ndims; k++) w->last_x[k] = NAN;
    return 0;
}

/* The ring of slots (and the spare after it, which receives the blocks of
 * other parts) and the workers. 0, or -1 with a diagnostic. */
static int alloc_run(Run *r, Diag *d)
{
    const Batch *b = r->b;
    r->workers = mem_calloc((size_t)r->nthreads, sizeof *r->workers);
    r->slots = mem_calloc((size_t)r->nslots + 1, sizeof *r->slots);
    if (!r->workers || !r->slots) goto oom;
    for (int i = 0; i < r->nslots + (r->sh != NULL); i++) {
        Slot *s = &r->slots[i];
        s->mom = mem_malloc((size_t)b->ndims * sizeof *s->mom);
        s->keys = mem_malloc((size_t)BATCH_BLOCK * (size_t)b->ndims * sizeof *s->keys);
        s->scalars = mem_malloc((size_t)BATCH_BLOCK * (size_t)b->nm * sizeof *s->scalars);
        if (!s->mom || !s->keys || !s->scalars) goto oom;
    }
    for (int i = 0; i < r->nthreads; i++) {
        if (worker_init(&r->workers[i], r) < 0) goto oom;
        r->nworkers = i + 1;
    }
    return 0;
oom:
    diag_add(d, 0, 0, "", "out of memory (or a model worker failed) setting up the batch");
    return -1;
}

static void free_run(Run *r)
{
    for (int i = 0; i < r->nworkers; i++) {
        r->b->m->worker_destroy(r->workers[i].model_worker);
        free(r->workers[i].series);
        free(r->workers[i].last_x);
        free(r->workers[i].last_key);
    }
    free(r->workers);
    if (r->slots)
        for (int i = 0; i < r->nslots + 1; i++) {
            free(r->slots[i].mom);
            free(r->slots[i].keys);
            free(r->slots[i].scalars);
            free(r->slots[i].csv.p);
        }
    free(r->slots);
    free(r->pack.p);
}

/* Start the workers; 0 if at least one runs, else -1 with a diagnostic.
 * Workers block every signal: a front end's handler then runs on the
 * calling thread only, one signal after another. */
static int start_workers(Run *r, Diag *d)
{
    pthread_mutex_init(&r->mu, NULL);
    pthread_cond_init(&r->space, NULL);
    pthread_cond_init(&r->ready, NULL);
    int started = 0;
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    for (int i = 0; i < r->nworkers; i++)
        if (pthread_create(&r->workers[i].thread, NULL, worker_main, &r->workers[i]) == 0) {
            r->workers[i].started = 1;
            started++;
        }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (started == 0) diag_add(d, 0, 0, "", "cannot start worker threads");
    return started ? 0 : -1;
}

static void join_workers(Run *r)
{
    for (int i = 0; i < r->nworkers; i++)
        if (r->workers[i].started) pthread_join(r->workers[i].thread, NULL);
    pthread_cond_destroy(&r->ready);
    pthread_cond_destroy(&r->space);
    pthread_mutex_destroy(&r->mu);
}

/* What the reducer found for block k. With TAKE_BLOCK it holds the block
 * and not the lock; with the others it holds the lock. */
enum { TAKE_BLOCK, TAKE_AGAIN, TAKE_END, TAKE_FAIL };

/* Another part's block k (part 0 only): wait for it without the lock, in
 * slices short enough for progress and the stop flag. Once stopping, take
 * only what is already here. */
static int take_remote(Run *r, uint64_t k, Slot **out, Diag *d)
{
    int halted = r->halt;
    pthread_mutex_unlock(&r->mu);
    const void *bytes = NULL;
    size_t len = 0;
    int got = r->sh->recv(r->sh->arg, k, halted ? 0 : 0.05, &bytes, &len, d);
    if (got < 0 || (got == 0 && halted)) {
        pthread_mutex_lock(&r->mu);
        if (got != -1) r->halt = 1;     /* a stop here or there: a partial run */
        pthread_cond_broadcast(&r->space);
        return got == -1 ? TAKE_FAIL : TAKE_END;
    }
    if (got == 0) {
        report_due(r, now_s());
        pthread_mutex_lock(&r->mu);
        return TAKE_AGAIN;
    }
    *out = &r->slots[r->nslots];
    if (unpack_block(r, k, bytes, len, *out, d) < 0) {
        pthread_mutex_lock(&r->mu);
        return TAKE_FAIL;
    }
    return TAKE_BLOCK;
}

/* This process's block k, once a worker has filled it: wait in slices of
 * 50 ms, for progress and the stop flag. */
static int take_local(Run *r, uint64_t k, Slot **out)
{
    Slot *s = &r->slots[r->lreduced % (uint64_t)r->nslots];
    if (s->state == SLOT_DONE && s->block == k) {
        pthread_mutex_unlock(&r->mu);
        *out = s;
        return TAKE_BLOCK;
    }
    if (r->halt && r->lclaimed == r->lreduced) return TAKE_END;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_nsec += 50 * 1000 * 1000;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    pthread_cond_timedwait(&r->ready, &r->mu, &ts);
    if (r->o->progress && now_s() >= r->next_pr) {
        pthread_mutex_unlock(&r->mu);
        report_due(r, now_s());
        pthread_mutex_lock(&r->mu);
    }
    return TAKE_AGAIN;
}

/* Fold block k into the totals (part 0) or send it there (other parts),
 * then checkpoint and report when due. Without the lock. 0, or -1. */
static int use_block(Run *r, uint64_t k, Slot *s, Diag *d)
{
    int failed = 0;
    if (!r->root) {
        if (s->failed || pack_block(r, s) < 0) {
            diag_add(d, 0, 0, "", "out of memory packing block %" PRIu64, k);
            failed = 1;
        } else if (r->sh->send(r->sh->arg, r->pack.p, r->pack.len) < 0) {
            diag_add(d, 0, 0, "", "cannot send block %" PRIu64 " to the reducing process", k);
            failed = 1;
        }
    } else if (reduce_block(r, s) < 0) {
        diag_add(d, 0, 0, "", "out of memory or write error while reducing");
        failed = 1;
    }
    double now = now_s();
    if (r->root && !failed && r->o->checkpoint && now >= r->next_ck) {
        if (write_checkpoint(r->b, r->o, d) < 0) failed = 1;
        r->next_ck = now_s() + r->every;
    }
    report_due(r, now);
    return failed ? -1 : 0;
}

/* Block k is done: free its slot (with the lock). 1 when the reducer goes
 * no further: the block was cut short by a stop (blocks after it would
 * leave a gap), or the target is met. */
static int release_block(Run *r, uint64_t k, Slot *s)
{
    Batch *b = r->b;
    const BatchOptions *o = r->o;
    int cut = s->cut;
    if (owned(r, k)) {
        s->state = SLOT_FREE;
        r->lreduced++;
        pthread_cond_broadcast(&r->space);
    }
    r->reduced = k + 1;
    if (cut) {
        r->halt = 1;
        return 1;
    }
    if (r->root && o->target_metric >= 0 && b->done % BATCH_ROUND == 0 && b->done < r->runs &&
        halfwidth_of(b, o->target_metric) <= o->target_halfwidth) {
        b->target_met = 1;
        return 1;
    }
    return 0;
}

/* The reducer: walk the blocks strictly in order, taking each from a
 * worker or from another part, until the last, a stop, the target or a
 * failure. Returns 1 if the run failed (failed: already failed). */
static int reduce_blocks(Run *r, int failed, Diag *d)
{
    const BatchOptions *o = r->o;
    pthread_mutex_lock(&r->mu);
    while (!failed && r->reduced < r->nblocks) {
        uint64_t k = r->reduced;
        if (o->stop && *o->stop && !r->halt) {
            r->halt = 1;
            pthread_cond_broadcast(&r->space);
        }
        if (!owned(r, k) && !r->root) {
            r->reduced = next_owned(r, k);
            continue;
        }
        Slot *s = NULL;
        int took = owned(r, k) ? take_local(r, k, &s) : take_remote(r, k, &s, d);
        if (took == TAKE_AGAIN) continue;
        if (took != TAKE_BLOCK) {
            failed = took == TAKE_FAIL;
            break;
        }
        failed = use_block(r, k, s, d) < 0;
        pthread_mutex_lock(&r->mu);
        if (release_block(r, k, s)) break;
    }
    r->halt = 1;
    pthread_cond_broadcast(&r->space);
    pthread_mutex_unlock(&r->mu);
    return failed;
}

int batch_run(Batch *b, const BatchOptions *o, Diag *d)
{
    assert(o->threads >= 1);
    if (check_start(b, o, d) < 0) return -1;
    b->seed = o->seed;
    b->seeded = 1;
    b->stopped = 0;
    b->target_met = 0;
    b->events = 0;
    Run r;
    plan_run(&r, b, o);
    int rc = -1;
    if (alloc_run(&r, d) == 0) {
        if (r.root && o->csv && o->csv_header) batch_csv_header(b->m, o->csv);
        int failed = start_workers(&r, d) < 0;
        failed = reduce_blocks(&r, failed, d);
        join_workers(&r);
        b->stopped = !failed && !b->target_met && (r.root ? b->done < r.runs : r.halt);
        b->seconds = now_s() - r.t0;
        if (!failed) report(&r);
        if (r.root && !failed && o->checkpoint && write_checkpoint(b, o, d) < 0) failed = 1;
        rc = failed ? -1 : 0;
    }
    free_run(&r);
    return rc;
}

/* --- checkpoints ---------------------------------------------------------- */

static void put_moments(FILE *f, const char *tag, int k, const StatMoments *m)
{
    fprintf(f, "%s %d %" PRIu64 " %a %a %a %a\n", tag, k, m->n, m->mean, m->m2, m->min, m->max);
}

static void put_store(FILE *f, const StatStore *st)
{
    fprintf(f, " %" PRId32 " %" PRId32 " %" PRId32, st->lo, st->floor, st->len);
    for (int32_t i = 0; i < st->len; i++) fprintf(f, " %" PRIu64, st->counts[i]);
}

static int write_checkpoint(const Batch *b, const BatchOptions *o, Diag *d)
{
    /* The body is made in memory first: its SHA-256 closes the file. */
    char *body = NULL;
    size_t blen = 0;
    FILE *f = open_memstream(&body, &blen);
    if (!f) {
        diag_add(d, 0, 0, "", "out of memory writing checkpoint '%s'", o->checkpoint);
        return -1;
    }
    fprintf(f, "salvo-checkpoint 2\nfingerprint %s\n", o->fingerprint ? o->fingerprint : "");
    fprintf(f, "seed %" PRIu64 " block %d dims %d metrics %d ndays %" PRId32 "\n", b->seed,
            BATCH_BLOCK, b->ndims, b->nm, b->ndays);
    for (int i = 0; i < b->nm; i++)
        fprintf(f, "metric %d %d %d %s\n", i, (int)b->m->metrics[i].kind,
                b->m->metrics[i].kind == MET_LEVEL ? b->m->metrics[i].series_len : 0,
                b->m->metrics[i].id);
    fprintf(f, "done %" PRIu64 " events %" PRIu64 "\n", b->done, b->events);
    for (int k = 0; k < b->ndims; k++) put_moments(f, "mom", k, &b->mom[k]);
    for (int k = 0; k < b->ndims; k++) put_moments(f, "tail", k, &b->tail[k]);
    for (int k = 0; k < b->ndims; k++) {
        const StatSketch *s = &b->sk[k];
        fprintf(f, "sketch %d %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64, k,
                s->zero, s->pinf, s->ninf, s->nan, s->n);
        put_store(f, &s->pos);
        put_store(f, &s->neg);
        fputc('\n', f);
    }
    for (int i = 0; i < b->nm; i++) {
        if (!b->days[i].ndays) continue;
        fprintf(f, "days %d", i);
        for (int32_t j = 0; j < b->days[i].ndays; j++) fprintf(f, " %" PRIu64, b->days[i].counts[j]);
        fputc('\n', f);
    }
    fputs("end\n", f);
    int bad = ferror(f);
    if (fclose(f) != 0 || bad || !body) {
        free(body);
        diag_add(d, 0, 0, "", "out of memory writing checkpoint '%s'", o->checkpoint);
        return -1;
    }
    char hex[65];
    sha256_hex(body, blen, hex);
    AFile af;
    if (afile_open(&af, o->checkpoint, d) < 0) {
        free(body);
        return -1;
    }
    fwrite(body, 1, blen, af.fp);
    fprintf(af.fp, "sha256 %s\n", hex);
    free(body);
    return afile_commit(&af, d);
}

/* The last line is "sha256 HEX" over every byte before it. 0 and the text
 * cut before that line; -1 if it is missing or does not match. */
static int check_sum(char *text)
{
    char *line = NULL;
    for (char *p = strstr(text, "\nsha256 "); p; p = strstr(p + 1, "\nsha256 ")) line = p + 1;
    if (!line) return -1;
    const char *hex = line + 7;
    if (strlen(hex) != 65 || hex[64] != '\n') return -1;
    char want[65];
    sha256_hex(text, (size_t)(line - text), want);
    if (memcmp(want, hex, 64) != 0) return -1;
    *line = '\0';
    return 0;
}

/* A whitespace tokenizer over the whole file. */
typedef struct Tok {
    const char *path;
    char *buf, *p;
    Diag *d;
    int bad;
} Tok;

static const char *tok_next(Tok *t)
{
    while (*t->p == ' ' || *t->p == '\n' || *t->p == '\t' || *t->p == '\r') t->p++;
    if (!*t->p) {
        t->bad = 1;
        return "";
    }
    const char *s = t->p;
    while (*t->p && *t->p != ' ' && *t->p != '\n' && *t->p != '\t' && *t->p != '\r') t->p++;
    if (*t->p) *t->p++ = '\0';
    return s;
}

static void tok_expect(Tok *t, const char *word)
{
    if (strcmp(tok_next(t), word) != 0) t->bad = 1;
}

static uint64_t tok_u64(Tok *t)
{
    const char *s = tok_next(t);
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (*s == '-' || end == s || *end || errno) t->bad = 1;
    return v;
}

static int64_t tok_i64(Tok *t)
{
    const char *s = tok_next(t);
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (end == s || *end || errno) t->bad = 1;
    return v;
}

static double tok_double(Tok *t)
{
    const char *s = tok_next(t);
    char *end;
    double v = strtod(s, &end);
    if (end == s || *end) t->bad = 1;
    return v;
}

static void get_moments(Tok *t, const char *tag, int k, StatMoments *m)
{
    tok_expect(t, tag);
    if (tok_i64(t) != k) t->bad = 1;
    m->n = tok_u64(t);
    m->mean = tok_double(t);
    m->m2 = tok_double(t);
    m->min = tok_double(t);
    m->max = tok_double(t);
}

static void get_store(Tok *t, StatStore *st)
{
    int64_t lo = tok_i64(t), floor = tok_i64(t), len = tok_i64(t);
    if (len < 0 || len > STATS_SKETCH_BUCKETS || lo < INT32_MIN || lo > INT32_MAX ||
        floor < INT32_MIN || floor > INT32_MAX) {
        t->bad = 1;
        return;
    }
    free(st->counts);
    st->counts = NULL;
    st->cap = st->len = 0;
    st->lo = (int32_t)lo;
    st->floor = (int32_t)floor;
    if (len == 0) return;
    st->counts = mem_malloc((size_t)len * sizeof *st->counts);
    if (!st->counts) {
        t->bad = 1;
        return;
    }
    st->cap = st->len = (int32_t)len;
    for (int64_t i = 0; i < len && !t->bad; i++) st->counts[i] = tok_u64(t);
}

int batch_resume(Batch *b, const char *path, const BatchOptions *o, Diag *d)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        diag_add(d, 0, 0, "", "cannot resume: cannot read checkpoint '%s': %s", path, strerror(errno));
        return -1;
    }
    size_t cap = 1 << 16, len = 0, got;
    char *buf = mem_malloc(cap);
    while (buf && (got = fread(buf + len, 1, cap - len - 1, f)) > 0) {
        len += got;
        if (len + 1 == cap) {
            char *p = mem_realloc(buf, cap * 2);
            if (!p) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = p;
            cap *= 2;
        }
    }
    fclose(f);
    if (!buf) {
        diag_add(d, 0, 0, "", "out of memory reading checkpoint '%s'", path);
        return -1;
    }
    buf[len] = '\0';
    int rc = batch_resume_text(b, buf, path, o, d);
    free(buf);
    return rc;
}

/* How reading a checkpoint's part went: fine, refused with its own
 * diagnostic (other inputs, another model), or damaged. */
enum { CK_OK, CK_REFUSED, CK_DAMAGED };

/* The head: format, fingerprint, seed, shapes and the metrics, each
 * checked against this batch and these options. */
static int read_head(Tok *t, const Batch *b, const BatchOptions *o, uint64_t *seed_out)
{
    tok_expect(t, "salvo-checkpoint");
    tok_expect(t, "2");
    tok_expect(t, "fingerprint");
    if (t->bad) return CK_DAMAGED;
    /* The fingerprint is the rest of its line. */
    while (*t->p == ' ') t->p++;
    char *eol = strchr(t->p, '\n');
    if (!eol) return CK_DAMAGED;
    *eol = '\0';
    const char *want = o->fingerprint ? o->fingerprint : "";
    if (strcmp(t->p, want) != 0) {
        diag_add(t->d, 0, 0, "", "checkpoint '%s' was made from other inputs (scenario, --set values "
                 "or model); it cannot be resumed with these", t->path);
        return CK_REFUSED;
    }
    t->p = eol + 1;
    tok_expect(t, "seed");
    uint64_t seed = tok_u64(t);
    tok_expect(t, "block");
    int64_t block = tok_i64(t);
    tok_expect(t, "dims");
    int64_t dims = tok_i64(t);
    tok_expect(t, "metrics");
    int64_t nm = tok_i64(t);
    tok_expect(t, "ndays");
    int64_t ndays = tok_i64(t);
    if (t->bad) return CK_DAMAGED;
    if (seed != o->seed) {
        diag_add(t->d, 0, 0, "", "checkpoint '%s' was made with --seed %" PRIu64 "; resume with the same seed",
                 t->path, seed);
        return CK_REFUSED;
    }
    if (block != BATCH_BLOCK || dims != b->ndims || nm != b->nm || ndays != b->ndays) {
        diag_add(t->d, 0, 0, "", "checkpoint '%s' does not match this model (metrics, series or block size)",
                 t->path);
        return CK_REFUSED;
    }
    for (int i = 0; i < b->nm; i++) {
        tok_expect(t, "metric");
        if (tok_i64(t) != i) t->bad = 1;
        const MetricInfo *mi = &b->m->metrics[i];
        int64_t kind = tok_i64(t), slen = tok_i64(t);
        const char *id = tok_next(t);
        if (t->bad) return CK_DAMAGED;
        if (kind != (int64_t)mi->kind || slen != (mi->kind == MET_LEVEL ? mi->series_len : 0) ||
            strcmp(id, mi->id) != 0) {
            diag_add(t->d, 0, 0, "", "checkpoint '%s': metric %d is '%s', this model's is '%s'",
                     t->path, i, id, mi->id);
            return CK_REFUSED;
        }
    }
    *seed_out = seed;
    return CK_OK;
}

/* The totals, straight into b (t->bad on any damage). */
static void read_totals(Tok *t, Batch *b)
{
    for (int k = 0; k < b->ndims && !t->bad; k++) get_moments(t, "mom", k, &b->mom[k]);
    for (int k = 0; k < b->ndims && !t->bad; k++) get_moments(t, "tail", k, &b->tail[k]);
    for (int k = 0; k < b->ndims && !t->bad; k++) {
        StatSketch *s = &b->sk[k];
        tok_expect(t, "sketch");
        if (tok_i64(t) != k) t->bad = 1;
        s->zero = tok_u64(t);
        s->pinf = tok_u64(t);
        s->ninf = tok_u64(t);
        s->nan = tok_u64(t);
        s->n = tok_u64(t);
        get_store(t, &s->pos);
        get_store(t, &s->neg);
    }
    for (int i = 0; i < b->nm && !t->bad; i++) {
        if (!b->days[i].ndays) continue;
        tok_expect(t, "days");
        if (tok_i64(t) != i) t->bad = 1;
        for (int32_t j = 0; j < b->days[i].ndays; j++) b->days[i].counts[j] = tok_u64(t);
    }
}

/* Empty totals, never half-restored ones. */
static void clear_totals(Batch *b)
{
    for (int k = 0; k < b->ndims; k++) {
        stats_moments_init(&b->mom[k]);
        stats_moments_init(&b->tail[k]);
        stats_sketch_fini(&b->sk[k]);
    }
    for (int i = 0; i < b->nm; i++)
        if (b->days[i].ndays) memset(b->days[i].counts, 0, (size_t)b->days[i].ndays * sizeof(uint64_t));
}

int batch_resume_text(Batch *b, char *text, const char *path, const BatchOptions *o, Diag *d)
{
    Tok t = { path, text, text, d, 0 };
    /* One changed digit used to resume to a silently wrong mean. */
    if (check_sum(text) < 0) {
        diag_add(d, 0, 0, "", "checkpoint '%s' is damaged or incomplete (its SHA-256 line is missing "
                 "or does not match its contents); it cannot be resumed", path);
        return -1;
    }
    uint64_t seed = 0;
    int head = read_head(&t, b, o, &seed);
    if (head == CK_REFUSED) return -1;
    if (head == CK_OK) {
        tok_expect(&t, "done");
        uint64_t done = tok_u64(&t);
        tok_expect(&t, "events");
        (void)tok_u64(&t);      /* events of earlier runs: informative only */
        read_totals(&t, b);
        tok_expect(&t, "end");
        /* Consistency: the tail is exactly the short part of the last block. */
        for (int k = 0; k < b->ndims && !t.bad; k++)
            if (b->tail[k].n > done % BATCH_BLOCK) t.bad = 1;
        if (!t.bad) {
            b->done = done;
            b->seed = seed;
            b->seeded = 1;
            return 0;
        }
    }
    diag_add(d, 0, 0, "", "checkpoint '%s' is damaged or not a salvo checkpoint", path);
    clear_totals(b);
    return -1;
}
