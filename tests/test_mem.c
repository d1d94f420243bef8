/* test_mem.c — running out of room never crashes, leaks or goes unsaid
 * (issue 8, item 4).
 *
 *  - The event queue's limit of pending events: a push past it schedules
 *    nothing and says so (evq, kernel), and a replication that hits it is
 *    halted with the reason (sim_run returns SIM_HALTED), where the engine
 *    used to print and abort.
 *  - Allocation failure, SQLite's way: count the allocations of one
 *    scenario load and one replication, then for every N make the Nth fail
 *    (mem_fail_at) and check the outcome is either a clear error naming
 *    memory (a load diagnostic, sim_create NULL, or a halt with its reason)
 *    or, where a failure has a graceful fallback, the very same results as
 *    the run without failures. The sanitizer build (make sanitize) checks
 *    that no N leaks.
 */
#include <check.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kernel.h"
#include "mem.h"
#include "salvo.h"
#include "scenario_int.h"
#include "testutil.h"

static void noop(void *ctx, const Event *ev)
{
    (void)ctx;
    (void)ev;
}

START_TEST(test_evq_limit_is_an_error_not_an_abort)
{
    EvQ q;
    evq_init(&q);
    evq_set_limit(&q, 1000);
    Event e = { 0, 0, 0, 0, 0 };
    for (int i = 0; i < 1000; i++) {
        e.t = i;
        EvHandle h = evq_push(&q, &e);
        ck_assert_uint_ne(h.gen, 0);
    }
    ck_assert_int_eq(q.error, EVQ_OK);
    e.t = 5000;
    EvHandle h = evq_push(&q, &e);
    ck_assert_uint_eq(h.gen, 0);
    ck_assert_int_eq(q.error, EVQ_FULL);
    ck_assert_uint_eq(evq_size(&q), 1000);
    /* The queue is intact: all 1000 come out in order, the refused one not. */
    Event out;
    for (int i = 0; i < 1000; i++) {
        ck_assert_int_eq(evq_pop(&q, &out), 1);
        ck_assert(out.t == i);
    }
    ck_assert_int_eq(evq_pop(&q, &out), 0);
    evq_clear(&q);
    ck_assert_int_eq(q.error, EVQ_OK);
    ck_assert_uint_eq(q.limit, 1000);
    evq_fini(&q);
}
END_TEST

static void spawn_two(void *ctx, const Event *ev)
{
    Kernel *k = ctx;
    kernel_after(k, 1.0, 0, 0, 0, ev->x);
    kernel_after(k, 2.0, 0, 0, 0, ev->x);
}

START_TEST(test_kernel_returns_full)
{
    Kernel k;
    kernel_init(&k, &k);
    kernel_on(&k, 0, spawn_two);
    evq_set_limit(&k.q, 300);
    kernel_at(&k, 0, 0, 0, 0, 0);
    ck_assert_int_eq(kernel_run(&k, 1e9), KERNEL_FULL);
    ck_assert_int_eq(k.q.error, EVQ_FULL);
    /* Sticky until a reset: running again refuses at once. */
    uint64_t n = k.events;
    ck_assert_int_eq(kernel_run(&k, 1e9), KERNEL_FULL);
    ck_assert_uint_eq(k.events, n);
    kernel_reset(&k);
    kernel_on(&k, 0, noop);
    kernel_at(&k, 1, 0, 0, 0, 0);
    ck_assert_int_eq(kernel_run(&k, 1e9), KERNEL_EMPTY);
    kernel_fini(&k);
}
END_TEST

/* 1000 hazard occurrences a day, each with its effects 200 days later:
 * pending events pile up to ~200,000, far under the 20,000,000 events a
 * replication may dispatch. */
static const char QUEUE_SCENARIO[] =
    "{\"salvo\": 1, \"name\": \"queue\", \"calendar\": {\"start\": \"2024-01-01\", \"end\": \"2024-12-31\"},\n"
    " \"actors\": [{\"id\": \"a\"}], \"places\": [{\"id\": \"here\", \"kind\": \"capital\", \"lat\": 0, \"lon\": 0}],\n"
    " \"events\": [{\"id\": \"tick\", \"hazard\": 1000, \"delay\": 200, \"effects\": [{\"event\": \"noop\"}]},\n"
    "            {\"id\": \"noop\"}],\n"
    " \"metrics\": [{\"id\": \"n\", \"total\": \"event.tick\"}]}\n";

START_TEST(test_sim_halts_at_queue_limit)
{
    Scenario *sc = load_scenario(QUEUE_SCENARIO);
    Sim *S = sim_create(sc);
    ck_assert_ptr_nonnull(S);
    sim_set_queue_limit(S, 4096);
    ck_assert_int_eq(sim_reset(S, 7, 0), 0);
    ck_assert_int_eq(sim_run(S, INFINITY), SIM_HALTED);
    const char *why = sim_halted(S);
    ck_assert_ptr_nonnull(why);
    ck_assert_msg(strstr(why, "more than 4096 events pending at day ") != NULL, "%s", why);
    ck_assert(sim_now(S) > 3.5 && sim_now(S) < 4.5);   /* ~1000 a day */
    ck_assert_int_eq(sim_run(S, INFINITY), SIM_HALTED);
    /* The default limit is far away: the same replication runs to the end. */
    sim_set_queue_limit(S, 0);
    ck_assert_int_eq(sim_reset(S, 7, 0), 0);
    ck_assert_int_eq(sim_run(S, INFINITY), SIM_DONE);
    ck_assert_ptr_null(sim_halted(S));
    sim_destroy(S);
    scenario_destroy(sc);
}
END_TEST

/* --- allocation failure, looped over N ------------------------------------ */

/* A small scenario that allocates in every phase: the loader's arrays and
 * arena, --set, a Sim, and the event queue growing during the run (hazard
 * events with delayed effects keep ~300 pending, past the first 256). */
static const char OOM_SCENARIO[] =
    "{\"salvo\": 1, \"name\": \"oom\", \"calendar\": {\"start\": \"2024-01-01\", \"end\": \"2024-03-01\"},\n"
    " \"sources\": [{\"id\": \"s\", \"title\": \"A source\", \"date\": \"2024-01-01\", \"url\": \"https://example.org\"}],\n"
    " \"actors\": [{\"id\": \"a\"}, {\"id\": \"b\"}],\n"
    " \"resources\": [{\"id\": \"shells\", \"unit\": \"rounds\"}],\n"
    " \"places\": [{\"id\": \"p\", \"kind\": \"port\", \"lat\": 40, \"lon\": 130},\n"
    "            {\"id\": \"q\", \"kind\": \"depot\", \"lat\": 43, \"lon\": 132}],\n"
    " \"stocks\": [{\"id\": \"src\", \"place\": \"p\", \"resource\": \"shells\", \"initial\": 1000},\n"
    "            {\"id\": \"dst\", \"place\": \"q\", \"resource\": \"shells\", \"initial\": 0}],\n"
    " \"producers\": [{\"id\": \"make\", \"stock\": \"src\", \"rate\": {\"value\": {\"dist\": \"uniform\", \"lo\": 50, \"hi\": 150},\n"
    "                 \"range\": [40, 200], \"source\": \"s\", \"note\": \"guess\"}}],\n"
    " \"routes\": [{\"id\": \"r\", \"mode\": \"sea\", \"from\": \"src\", \"to\": \"dst\", \"transit\": {\"dist\": \"triangular\", \"lo\": 2, \"mode\": 3, \"hi\": 6},\n"
    "             \"loss\": 0.05, \"carriers\": [{\"id\": \"c\", \"count\": 3, \"containers\": 200}]}],\n"
    " \"events\": [{\"id\": \"tick\", \"hazard\": 10, \"delay\": 30, \"effects\": [{\"event\": \"noop\"}]},\n"
    "            {\"id\": \"noop\"}],\n"
    " \"metrics\": [{\"id\": \"delivered\", \"total\": \"delivered.route.r\"}, {\"id\": \"n\", \"total\": \"event.tick\"},\n"
    "             {\"id\": \"level\", \"level\": \"stock.dst\", \"every\": 7}]}\n";

static const char *const OOM_SETS[] = { "routes.r.loss=0.1" };

typedef enum { OUT_OK, OUT_LOAD, OUT_CREATE, OUT_RESET, OUT_RUN } Outcome;

/* One load and one replication of text (NULL: OOM_SCENARIO with
 * OOM_SETS). Fills metrics on success. */
static Outcome load_and_run(const char *text, double *metrics, int *nm, char *why, size_t whylen)
{
    Diag d;
    diag_init(&d, "oom.json");
    Outcome o = OUT_OK;
    why[0] = '\0';
    Scenario *sc = text ? scenario_load_buffer("oom.json", text, strlen(text), NULL, 0, &d)
                        : scenario_load_buffer("oom.json", OOM_SCENARIO, sizeof OOM_SCENARIO - 1, OOM_SETS, 1, &d);
    if (!sc) {
        o = OUT_LOAD;
        for (int i = 0; i < d.count && !why[0]; i++)
            if (strstr(d.items[i].msg, "out of memory")) snprintf(why, whylen, "%s", d.items[i].msg);
        if (!why[0]) snprintf(why, whylen, "load failed: %s", d.count ? d.items[0].msg : "(no message stored)");
        diag_fini(&d);
        return o;
    }
    diag_fini(&d);
    Sim *S = sim_create(sc);
    if (!S) {
        snprintf(why, whylen, "out of memory (sim_create)");
        scenario_destroy(sc);
        return OUT_CREATE;
    }
    if (sim_reset(S, 11, 3) != 0) o = OUT_RESET;
    SimStatus st = sim_run(S, INFINITY);
    if (st == SIM_HALTED) {
        if (o == OUT_OK) o = OUT_RUN;
        snprintf(why, whylen, "%s", sim_halted(S) ? sim_halted(S) : "(halted without a reason)");
    } else if (o == OUT_RESET) {
        snprintf(why, whylen, "sim_reset failed but sim_run did not halt");
    }
    *nm = scenario_metric_count(sc);
    if (o == OUT_OK) sim_metrics(S, metrics);
    sim_destroy(S);
    scenario_destroy(sc);
    return o;
}

/* Fail allocation N of one load and run of text, for every N. */
static void loop_over_n(const char *text, const char *what)
{
    double ref[64], got[64];
    int nm = 0;
    char why[256];
    mem_fail_at(UINT64_MAX);    /* count only */
    ck_assert_int_eq(load_and_run(text, ref, &nm, why, sizeof why), OUT_OK);
    uint64_t total = mem_fail_count();
    mem_fail_at(0);
    ck_assert_int_le(nm, 64);
    ck_assert_uint_gt(total, 50);
    int outcomes[5] = { 0 }, unclear = 0;
    for (uint64_t n = 1; n <= total; n++) {
        mem_fail_at(n);
        int m = 0;
        Outcome o = load_and_run(text, got, &m, why, sizeof why);
        mem_fail_at(0);
        outcomes[o]++;
        if (o == OUT_OK) {
            /* A failure with a graceful fallback (a diagnostic's copy of the
             * file name, a "did you mean"): results must not change. */
            if (memcmp(got, ref, (size_t)nm * sizeof *ref) != 0) {
                unclear++;
                fprintf(stderr, "%s: allocation %llu failed silently and changed the results\n", what,
                        (unsigned long long)n);
            }
        } else if (!strstr(why, "out of memory")) {
            unclear++;
            fprintf(stderr, "%s: allocation %llu: unclear error: %s\n", what, (unsigned long long)n, why);
        }
    }
    fprintf(stderr, "test_mem: %s: %llu allocations; failing each: %d ran unchanged, %d load errors, "
            "%d sim_create, %d reset, %d run halts\n", what, (unsigned long long)total, outcomes[OUT_OK],
            outcomes[OUT_LOAD], outcomes[OUT_CREATE], outcomes[OUT_RESET], outcomes[OUT_RUN]);
    ck_assert_int_eq(unclear, 0);
    /* Every phase was reached by some N. */
    ck_assert_int_gt(outcomes[OUT_LOAD], 0);
    ck_assert_int_gt(outcomes[OUT_CREATE], 0);
}

START_TEST(test_every_allocation_failure_is_clean)
{
    loop_over_n(NULL, "oom.json");
}
END_TEST

/* The queue of the small scenario grows during the run, so some N fail
 * there: the run is halted with the reason. */
START_TEST(test_allocation_failure_in_run_halts)
{
    double m[64];
    int nm;
    char why[256];
    mem_fail_at(UINT64_MAX);
    ck_assert_int_eq(load_and_run(NULL, m, &nm, why, sizeof why), OUT_OK);
    uint64_t total = mem_fail_count();
    mem_fail_at(total);     /* the last allocation: the queue growing mid-run */
    Outcome o = load_and_run(NULL, m, &nm, why, sizeof why);
    mem_fail_at(0);
    ck_assert_int_eq(o, OUT_RUN);
    ck_assert_msg(strstr(why, "out of memory for the event queue at day ") != NULL, "%s", why);
}
END_TEST

START_TEST(test_shipped_scenario_allocation_failures)
{
    char *text = slurp("scenarios/korea-russia-2024.json");
    ck_assert_ptr_nonnull(text);
    loop_over_n(text, "korea-russia-2024.json");
    free(text);
}
END_TEST

Suite *suite_mem(void)
{
    Suite *s = suite_create("mem");
    TCASE(s, "queue_limit", 0, NO_FIXTURE, test_evq_limit_is_an_error_not_an_abort, test_kernel_returns_full,
          test_sim_halts_at_queue_limit);
    TCASE(s, "alloc_failure", 300, NO_FIXTURE, test_every_allocation_failure_is_clean,
          test_allocation_failure_in_run_halts, test_shipped_scenario_allocation_failures);
    return s;
}
