/* fuzz_run.h — shared by the scenario harnesses: run a scenario that loaded.
 *
 * A scenario that passes the loader is a promise: the engine must run it
 * without crashing, without hanging and without nonsense in its output.
 * fuzz_exercise() holds the engine to that promise with two replications:
 *   rep 0  a trace sink attached (this switches on the stock-empty events
 *          and every emit path), decisions taken by the scenario's policy;
 *   rep 1  no sink, interactive, parametric uncertainty on (ranged
 *          assumptions drawn): each pause is answered (after first
 *          checking that out-of-range answers are refused).
 * The horizon is capped at FUZZ_HORIZON days and the event limit lowered to
 * FUZZ_MAX_EVENTS so one input stays cheap; a run may end SIM_HALTED (an
 * event storm, docs/scenario.md Limits), and then it must say why, stop
 * where it was and close its trace. libFuzzer's -timeout catches an engine
 * that loops without dispatching events.
 * Rep 0's trace is also written with the JSON Lines writer and read back
 * with trace_read: the file must be accepted and give the same records.
 * Broken invariants abort(), which libFuzzer reports as a crash:
 *   - trace times are finite, never decrease and stay within [0, end];
 *   - record operands index the header's arrays (or are -1 where allowed);
 *   - metrics are never NaN; the clock ends where sim_run was asked to stop;
 *   - an interactive run pauses at most once per decision.
 * Header-only (static functions) because each harness is one program.
 */
#ifndef SALVO_FUZZ_RUN_H
#define SALVO_FUZZ_RUN_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "salvo.h"

#ifndef FUZZ_HORIZON
#define FUZZ_HORIZON 800.0
#endif
#ifndef FUZZ_MAX_EVENTS
#define FUZZ_MAX_EVENTS 10000u
#endif

typedef struct FuzzTrace {
    const TraceHeader *h;
    double end;         /* records must not be stamped later than this */
    double last_t;
    uint64_t n;
    TraceSink file;     /* the JSON Lines writer's sink, emit NULL if none */
    TraceBuf recs;      /* what was emitted, to compare with the file */
} FuzzTrace;

static int fuzz_in(int i, int n) { return i >= 0 && i < n; }

/* The reader's own record check (sim/trace.c; not in trace.h because only
 * the reader needs it). A record the engine emits must pass it, or a
 * trace saved by `salvo run --trace` could not be read back. */
int trace_rec_valid(const TraceHeader *h, const TraceRec *r, char *why, size_t n);

static void fuzz_check_rec(void *ctx, const TraceRec *r)
{
    FuzzTrace *ft = ctx;
    char why[160];
    if (!isfinite(r->t) || r->t < ft->last_t || r->t < 0 || r->t > ft->end + 1e-9) {
        fprintf(stderr, "fuzz: record at t=%g after t=%g (end %g)\n", r->t, ft->last_t, ft->end);
        abort();
    }
    if (!trace_rec_valid(ft->h, r, why, sizeof why)) {
        fprintf(stderr, "fuzz: the engine emitted a record the reader refuses: %s\n", why);
        abort();
    }
    if (isnan(r->x) || isnan(r->y)) {
        fprintf(stderr, "fuzz: %s record at t=%g has x=%g y=%g\n", trace_kind_name((TraceKind)r->kind), r->t, r->x, r->y);
        abort();
    }
    ft->last_t = r->t;
    ft->n++;
    if (ft->file.emit) {
        ft->file.emit(ft->file.ctx, r);
        TraceSink mem = trace_buf_sink(&ft->recs);
        mem.emit(mem.ctx, r);
    }
}

/* The written file reads back as the records emitted: same kinds, operands
 * and times; x and y the same where finite (the writer prints others as
 * null, which reads back as NaN). */
static void fuzz_check_readback(const char *path, const FuzzTrace *ft)
{
    Diag d;
    diag_init(&d, path);
    TraceFile *f = trace_read(path, &d);
    if (!f) {
        fprintf(stderr, "fuzz: the engine's trace does not read back:\n");
        diag_print(&d, stderr);
        abort();
    }
    if (f->n != ft->recs.n || f->h.nstocks != ft->h->nstocks || f->h.ncarriers != ft->h->ncarriers) abort();
    for (size_t i = 0; i < f->n; i++) {
        const TraceRec *a = &f->recs[i], *b = &ft->recs.recs[i];
        if (a->t != b->t || a->kind != b->kind || a->a != b->a || a->b != b->b || a->c != b->c) abort();
        if (isfinite(b->x) ? a->x != b->x : !isnan(a->x)) abort();
        if (isfinite(b->y) ? a->y != b->y : !isnan(a->y)) abort();
    }
    for (int i = 0; i < ft->h->nplaces; i++)
        if (strcmp(f->h.places[i].name, ft->h->places[i].name) != 0) abort();
    trace_file_destroy(f);
    diag_fini(&d);
}

static void fuzz_check_metrics(const Sim *S, const Scenario *sc, double *buf)
{
    int n = scenario_metric_count(sc);
    sim_metrics(S, buf);
    for (int m = 0; m < n; m++) {
        if (isnan(buf[m])) {
            fprintf(stderr, "fuzz: metric %s is NaN\n", scenario_metric(sc, m)->id);
            abort();
        }
        const MetricInfo *mi = scenario_metric(sc, m);
        const double *series = sim_series(S, m);
        if ((mi->kind == MET_LEVEL) != (series != NULL)) abort();
        for (int k = 0; series && k < mi->series_len; k++)
            if (isnan(series[k])) abort();
    }
}

/* After sim_run returned st for a run asked to stop at `until`. */
static void fuzz_check_end(const Sim *S, SimStatus st, double until)
{
    if (st == SIM_HALTED) {
        const char *why = sim_halted(S);
        if (!why || !*why || sim_now(S) > until) abort();
    } else if (st != SIM_DONE || sim_halted(S) || sim_now(S) != until) {
        abort();
    }
}

/* Run reps 0 and 1 of `seed` on sc as described above. */
static void fuzz_exercise(const Scenario *sc, uint64_t seed)
{
    double until = scenario_end(sc) < FUZZ_HORIZON ? scenario_end(sc) : FUZZ_HORIZON;
    int nm = scenario_metric_count(sc);
    double *metrics = malloc(((size_t)nm + 1) * sizeof *metrics);
    Sim *S = sim_create(sc);
    if (!S || !metrics) abort();
    sim_set_event_limit(S, FUZZ_MAX_EVENTS);

    FuzzTrace ft = { .h = scenario_trace_header(sc), .end = until };   /* the rest zero */
    char path[64];
    snprintf(path, sizeof path, "/tmp/salvo-fuzz-trace-%ld.jsonl", (long)getpid());
    Diag d;
    diag_init(&d, path);
    TraceHeader th = *ft.h;
    th.seed = seed;
    TraceWriter *w = trace_writer_open(path, &th, &d);
    if (!w) {
        diag_print(&d, stderr);
        abort();
    }
    ft.file = trace_writer_sink(w);
    trace_buf_init(&ft.recs);
    TraceSink sink = { fuzz_check_rec, &ft };
    sim_set_sink(S, &sink);
    sim_reset(S, seed, 0);
    SimStatus st = sim_run(S, until);
    fuzz_check_end(S, st, until);
    if (st == SIM_HALTED && (ft.recs.n == 0 || ft.recs.recs[ft.recs.n - 1].kind != TR_END)) abort();
    fuzz_check_metrics(S, sc, metrics);
    if (trace_writer_close(w, &d) != 0) {
        diag_print(&d, stderr);
        abort();
    }
    fuzz_check_readback(path, &ft);
    unlink(path);
    trace_buf_fini(&ft.recs);
    diag_fini(&d);

    sim_set_sink(S, NULL);
    sim_set_interactive(S, 1);
    sim_set_uncertainty(S, 1);
    sim_reset(S, seed, 1);
    const TraceHeader *h = scenario_trace_header(sc);
    int pauses = 0;
    while ((st = sim_run(S, until)) == SIM_DECISION) {
        const SimDecision *p = sim_pending(S);
        if (!p || ++pauses > h->ndecisions || !fuzz_in(p->decision, h->ndecisions)) abort();
        if (sim_answer(S, -1) != -1 || sim_answer(S, p->noptions) != -1) abort();
        if (sim_answer(S, (int)((seed + (uint64_t)pauses) % (uint64_t)p->noptions)) != 0) abort();
    }
    if (sim_pending(S)) abort();
    fuzz_check_end(S, st, until);
    fuzz_check_metrics(S, sc, metrics);
    const int *choices;
    if (sim_choices(S, &choices) != pauses) abort();

    sim_destroy(S);
    free(metrics);
}

/* Load NAME (LEN bytes of TEXT, with N --set overrides): the loader must
 * give a scenario or located diagnostics, never both, never neither. Then
 * INPUT (what TEXT or SETS point into) is freed, so that a scenario that
 * kept pointers into it fails under ASan, and the scenario is exercised
 * with `seed`. */
static void fuzz_load_and_exercise(const char *name, const char *text, size_t len, const char *const *sets, int n,
                                   void *input, uint64_t seed)
{
    Diag d;
    diag_init(&d, name);
    Scenario *sc = scenario_load_buffer(name, text, len, sets, n, &d);
    if ((sc != NULL) == (diag_errors(&d) != 0)) abort();
    free(input);
    if (sc) fuzz_exercise(sc, seed);
    scenario_destroy(sc);
    diag_fini(&d);
}

#endif
