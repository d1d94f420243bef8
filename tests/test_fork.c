/* test_fork.c — cloning a replication mid-run (sim_clone), forking it onto
 * fresh keyed streams (sim_fork) and fans of futures (fan_run).
 *
 * The reference is always the uninterrupted run: a clone taken at any
 * instant and run on must produce the same trace records, bit for bit, and
 * the same metrics and series, for every shipped scenario. Forks are
 * checked for reproducibility, for independence of the thread count and
 * for allocating nothing in a fan's steady state. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "evq.h"
#include "fan.h"
#include "mem.h"
#include "rng.h"
#include "salvo.h"
#include "testutil.h"

static const char *SCENARIOS[] = {
    "scenarios/korea-russia-2024.json", "scenarios/korea-russia-interdiction.json",
    "scenarios/korea-russia-early-space-help.json", "scenarios/korea-peninsula-crisis.json",
    "scenarios/verify/crossings.json", "scenarios/verify/launch-assistance.json",
    "scenarios/verify/launch-constant-p.json", "scenarios/verify/launch-growth.json",
    "scenarios/verify/pipeline-deterministic.json", "scenarios/verify/pipeline-schedule.json",
    "scenarios/verify/poisson-events.json", "scenarios/verify/treaty-honour.json",
};
#define NSCEN ((int)(sizeof SCENARIOS / sizeof *SCENARIOS))

typedef struct Buf { TraceRec *r; size_t n, cap; } Buf;

static void buf_emit(void *ctx, const TraceRec *r)
{
    Buf *b = ctx;
    if (b->n == b->cap) {
        b->cap = b->cap ? 2 * b->cap : 1024;
        b->r = realloc(b->r, b->cap * sizeof *b->r);
        ck_assert_ptr_nonnull(b->r);
    }
    b->r[b->n++] = *r;
}

static void sink_to(Sim *sim, Buf *b)
{
    TraceSink k = { buf_emit, b };
    sim_set_sink(sim, &k);
}

static Scenario *load(const char *path)
{
    Diag d;
    diag_init(&d, path);
    Scenario *s = scenario_load(path, NULL, 0, &d);
    if (!s) diag_print(&d, stderr);
    diag_fini(&d);
    ck_assert_ptr_nonnull(s);
    return s;
}

/* Metrics, every LEVEL series and every observation, bit for bit. */
static void same_outcome(const Sim *a, const Sim *b, const char *what)
{
    const Scenario *sc = sim_scenario(a);
    int nm = scenario_metric_count(sc);
    double va[64], vb[64];
    ck_assert_int_le(nm, 64);
    sim_metrics(a, va);
    sim_metrics(b, vb);
    ck_assert_msg(memcmp(va, vb, (size_t)nm * sizeof *va) == 0, "%s: metrics differ", what);
    for (int m = 0; m < nm; m++) {
        const double *sa = sim_series(a, m), *sb = sim_series(b, m);
        if (!sa) continue;
        ck_assert_msg(memcmp(sa, sb, (size_t)scenario_metric(sc, m)->series_len * sizeof *sa) == 0,
                      "%s: series of %s differ", what, scenario_metric(sc, m)->id);
    }
    int no = scenario_observation_count(sc);
    if (no > 0) {
        const double *oa = sim_observations(a), *ob = sim_observations(b);
        for (int i = 0; i < no; i++)   /* NAN (not yet sampled) equals NAN here */
            ck_assert_msg(memcmp(&oa[i], &ob[i], sizeof oa[i]) == 0, "%s: observation %d differs", what, i);
    }
    ck_assert_uint_eq(sim_events(a), sim_events(b));
}

/* prefix ++ tail == whole, record for record (TraceRec has no padding). */
static void same_trace(const Buf *whole, const Buf *prefix, const Buf *tail, const char *what)
{
    ck_assert_msg(prefix->n + tail->n == whole->n, "%s: %zu + %zu records, uninterrupted %zu", what,
                  prefix->n, tail->n, whole->n);
    ck_assert_msg(prefix->n == 0 || memcmp(whole->r, prefix->r, prefix->n * sizeof *prefix->r) == 0,
                  "%s: prefix differs", what);
    ck_assert_msg(tail->n == 0 || memcmp(whole->r + prefix->n, tail->r, tail->n * sizeof *tail->r) == 0,
                  "%s: continuation differs", what);
}

static int clone_points;    /* (scenario, seed, t) cases checked, for the report */

/* Clone at several instants and run on: the clone and the original, each
 * continued, reproduce the uninterrupted run. One preallocated clone is
 * reused for every t, as a fan would. */
START_TEST(clone_continues_identically)
{
    Scenario *sc = load(SCENARIOS[_i]);
    double end = scenario_end(sc);
    const double frac[] = { 0, 0.013, 0.25, 0.5, 0.61803, 0.9, 1 };
    const uint64_t seeds[] = { 1, 2024 };
    Sim *a = sim_create(sc), *b = sim_create(sc), *c = sim_create(sc);
    for (int si = 0; si < 2; si++) {
        Buf whole = { 0 };
        sink_to(a, &whole);
        sim_reset(a, seeds[si], 3);
        ck_assert_int_eq(sim_run(a, INFINITY), SIM_DONE);
        for (size_t k = 0; k < sizeof frac / sizeof *frac; k++) {
            char what[256];
            snprintf(what, sizeof what, "%s seed %llu t=%g", SCENARIOS[_i], (unsigned long long)seeds[si],
                     frac[k] * end);
            Buf pre = { 0 }, tc = { 0 }, tb = { 0 };
            sink_to(b, &pre);
            sim_reset(b, seeds[si], 3);
            sim_run(b, frac[k] * end);
            sink_to(c, &tc);
            ck_assert_int_eq(sim_clone(c, b), 0);
            ck_assert(sim_now(c) == sim_now(b));
            ck_assert_int_eq(sim_run(c, INFINITY), SIM_DONE);
            same_outcome(a, c, what);
            same_trace(&whole, &pre, &tc, what);
            sink_to(b, &tb);    /* the original is untouched by being cloned */
            ck_assert_int_eq(sim_run(b, INFINITY), SIM_DONE);
            same_outcome(a, b, what);
            same_trace(&whole, &pre, &tb, what);
            free(pre.r); free(tc.r); free(tb.r);
            clone_points++;
        }
        free(whole.r);
    }
    sim_destroy(a); sim_destroy(b); sim_destroy(c);
    scenario_destroy(sc);
}
END_TEST

/* A person's run: the clone taken while a decision is pending, answered
 * and continued, is the run that was never interrupted. Each pause hands
 * the run over to a fresh clone (ping-pong between two Sims). */
START_TEST(clone_at_each_decision)
{
    Scenario *sc = load(SCENARIOS[_i]);
    Sim *a = sim_create(sc), *s[2] = { sim_create(sc), sim_create(sc) };
    for (int opt = 0; opt < 2; opt++) {
        Buf whole = { 0 }, split = { 0 };
        sink_to(a, &whole);
        sink_to(s[0], &split);
        sink_to(s[1], &split);
        sim_set_interactive(a, 1);
        sim_set_interactive(s[0], 1);
        sim_reset(a, 99, 0);
        sim_reset(s[0], 99, 0);
        int cur = 0, pauses = 0;
        for (;;) {
            SimStatus st = sim_run(a, INFINITY);
            SimStatus st2 = sim_run(s[cur], INFINITY);
            ck_assert_int_eq(st, st2);
            if (st != SIM_DECISION) break;
            pauses++;
            ck_assert(sim_now(a) == sim_now(s[cur]));
            ck_assert_int_eq(sim_clone(s[1 - cur], s[cur]), 0);
            cur = 1 - cur;
            ck_assert_ptr_nonnull(sim_pending(s[cur]));
            int o = (pauses + opt) % sim_pending(a)->noptions;
            ck_assert_int_eq(sim_answer(a, o), 0);
            ck_assert_int_eq(sim_answer(s[cur], o), 0);
        }
        same_outcome(a, s[cur], SCENARIOS[_i]);
        ck_assert_uint_eq(whole.n, split.n);
        ck_assert(memcmp(whole.r, split.r, whole.n * sizeof *whole.r) == 0);
        free(whole.r); free(split.r);
    }
    sim_destroy(a); sim_destroy(s[0]); sim_destroy(s[1]);
    scenario_destroy(sc);
}
END_TEST

/* evq_copy: the copy pops what the original pops, also for ties at one
 * time pushed after the copy (FIFO by the copied sequence counter), and a
 * handle from the original cancels the same event in the copy. The copy
 * goes into a queue that was used before, with more slots than the source. */
START_TEST(evq_copy_exact)
{
    EvQ a, b;
    evq_init(&a);
    evq_init(&b);
    for (uint32_t i = 0; i < 600; i++) evq_push(&b, &(Event){ 1.0, 0, i, 0, 0 });
    evq_clear(&b);      /* keeps its 1,024 slots; its sequence restarts at 0 */
    EvHandle h[40];
    for (uint32_t i = 0; i < 40; i++) h[i] = evq_push(&a, &(Event){ (double)(i % 4), 0, i, 0, 0 });
    Event e;
    for (int i = 0; i < 5; i++) evq_pop(&a, &e);
    ck_assert_int_eq(evq_copy(&b, &a), EVQ_OK);
    ck_assert_uint_eq(evq_size(&b), evq_size(&a));
    for (int i = 20; i < 40; i += 3) ck_assert_int_eq(evq_cancel(&a, h[i]), evq_cancel(&b, h[i]));
    for (uint32_t i = 100; i < 400; i++) {
        EvHandle ha = evq_push(&a, &(Event){ (double)(i % 4), 0, i, 0, 0 });
        EvHandle hb = evq_push(&b, &(Event){ (double)(i % 4), 0, i, 0, 0 });
        ck_assert(ha.slot == hb.slot && ha.gen == hb.gen);
    }
    Event ea, eb;
    int n = 0;
    while (evq_pop(&a, &ea)) {
        ck_assert_int_eq(evq_pop(&b, &eb), 1);
        ck_assert(ea.t == eb.t && ea.a == eb.a);
        n++;
    }
    ck_assert_int_eq(evq_pop(&b, &eb), 0);
    ck_assert_int_gt(n, 300);
    evq_fini(&a);
    evq_fini(&b);
}
END_TEST

/* Fork keys: the same (fork, future) gives the same stream; any change of
 * seed, rep, fork or future, or no fork at all, gives another. */
START_TEST(fork_keys_unique)
{
    uint64_t p = rng_key_prefix("route", "loss");
    Rng base, r[6];
    rng_keyed_prefix(&base, p, 1, 0);
    rng_keyed_fork(&r[0], p, 1, 0, 0, 0);
    rng_keyed_fork(&r[1], p, 1, 0, 0, 1);
    rng_keyed_fork(&r[2], p, 1, 0, 1, 0);
    rng_keyed_fork(&r[3], p, 1, 1, 0, 0);
    rng_keyed_fork(&r[4], p, 2, 0, 0, 0);
    rng_keyed_fork(&r[5], p, 1, 0, 0, 0);
    ck_assert(r[0].state == r[5].state && r[0].inc == r[5].inc);
    for (int i = 0; i < 5; i++) {
        ck_assert(r[i].state != base.state || r[i].inc != base.inc);
        for (int j = i + 1; j < 5; j++) ck_assert(r[i].state != r[j].state || r[i].inc != r[j].inc);
    }
}
END_TEST

/* Runs `sc` interactively with seed 5 to its first decision. */
static Sim *to_first_decision(const Scenario *sc)
{
    Sim *src = sim_create(sc);
    sim_set_interactive(src, 1);
    sim_reset(src, 5, 0);
    ck_assert_int_eq(sim_run(src, INFINITY), SIM_DECISION);
    return src;
}

/* Forks reproduce, differ from one another and from the plain clone, and a
 * fan is the same on 1, 2 or 3 threads. */
START_TEST(fork_reproducible_thread_independent)
{
    Scenario *sc = load("scenarios/korea-russia-2024.json");
    int nm = scenario_metric_count(sc);
    Sim *src = to_first_decision(sc), *d = sim_create(sc);
    double v1[64], v2[64], vc[64];
    int differ = 0;
    for (uint64_t j = 0; j < 8; j++) {
        sim_fork(d, src, 7, j);
        sim_set_interactive(d, 0);     /* later decisions by policy, as in a fan */
        sim_answer(d, 0);
        sim_run(d, INFINITY);
        sim_metrics(d, v1);
        sim_fork(d, src, 7, j);
        sim_set_interactive(d, 0);     /* later decisions by policy, as in a fan */
        sim_answer(d, 0);
        sim_run(d, INFINITY);
        sim_metrics(d, v2);
        ck_assert(memcmp(v1, v2, (size_t)nm * sizeof *v1) == 0);
        sim_clone(d, src);
        sim_set_interactive(d, 0);
        sim_answer(d, 0);
        sim_run(d, INFINITY);
        sim_metrics(d, vc);
        differ += memcmp(v1, vc, (size_t)nm * sizeof *v1) != 0;
    }
    ck_assert_int_ge(differ, 7);    /* fresh streams: not the clone's own future */
    int no = sim_pending(src)->noptions, n = 50;
    size_t len = (size_t)no * (size_t)n * (size_t)nm;
    double *f1 = malloc(len * sizeof *f1), *f2 = malloc(len * sizeof *f2), *f3 = malloc(len * sizeof *f3);
    char err[160];
    ck_assert_int_eq(fan_run(src, 7, n, 1, f1, err), 0);
    ck_assert_int_eq(fan_run(src, 7, n, 2, f2, err), 0);
    ck_assert_int_eq(fan_run(src, 7, n, 3, f3, err), 0);
    ck_assert(memcmp(f1, f2, len * sizeof *f1) == 0);
    ck_assert(memcmp(f1, f3, len * sizeof *f1) == 0);
    /* The fan's future j of option 0 is exactly the fork above. */
    ck_assert(memcmp(f1 + 7 * nm, v1, (size_t)nm * sizeof *v1) == 0);
    /* Futures differ from one another. */
    ck_assert(memcmp(f1, f1 + nm, (size_t)nm * sizeof *f1) != 0);
    /* The source is still paused where it was. */
    ck_assert_ptr_nonnull(sim_pending(src));
    ck_assert_int_eq(fan_run(d, 7, n, 1, f1, err), -1);   /* d is not paused */
    free(f1); free(f2); free(f3);
    sim_destroy(src); sim_destroy(d);
    scenario_destroy(sc);
}
END_TEST

/* After the first fork into a Sim, forking into it again and running a
 * future to the end allocates nothing. */
START_TEST(fork_steady_state_allocates_nothing)
{
    Scenario *sc = load("scenarios/korea-russia-2024.json");
    Sim *src = to_first_decision(sc), *d = sim_create(sc);
    sim_fork(d, src, 1, 0);
    sim_set_interactive(d, 0);
    sim_answer(d, 1);
    sim_run(d, INFINITY);
    mem_fail_at(UINT64_MAX);
    for (uint64_t j = 1; j < 20; j++) {
        ck_assert_int_eq(sim_fork(d, src, 1, j), 0);
        sim_set_interactive(d, 0);
        sim_answer(d, (int)(j % 2));
        sim_run(d, INFINITY);
    }
    uint64_t n = mem_fail_count();
    mem_fail_at(0);
    ck_assert_uint_eq(n, 0);
    sim_destroy(src); sim_destroy(d);
    scenario_destroy(sc);
}
END_TEST

Suite *suite_fork(void)
{
    Suite *s = suite_create("fork");
    TCase *tc = tcase_create("clone");
    tcase_add_loop_test(tc, clone_continues_identically, 0, NSCEN);
    tcase_add_loop_test(tc, clone_at_each_decision, 0, 4);
    tcase_set_timeout(tc, 120);
    suite_add_tcase(s, tc);
    TCASE(s, "fork", 120, NO_FIXTURE, evq_copy_exact, fork_keys_unique, fork_reproducible_thread_independent,
          fork_steady_state_allocates_nothing);
    return s;
}
