/* test_sim.c — the engine on small scenarios with answers worked out by
 * hand: closed-form stock integration, treaty timing, launches, decisions
 * (policy, interactive, scripted), overrides, reproducibility to the byte,
 * and stream isolation between components. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "salvo.h"
#include "testutil.h"

/* Producer 100/day and consumer 150/day on one stock that starts at 1000:
 * it empties at day 20 (1000 / 50); over 100 days consumption is
 * 150*20 + 100*80 = 11000 and shortfall is 50*80 = 4000. */
static const char *STOCK_SC =
    "{\"salvo\":1,\"name\":\"stock\",\"calendar\":{\"start\":\"2024-01-01\",\"end\":\"2024-04-10\"},"
    "\"actors\":[{\"id\":\"a\"}],\"resources\":[{\"id\":\"r\"}],"
    "\"places\":[{\"id\":\"p\",\"kind\":\"depot\",\"lat\":0,\"lon\":0}],"
    "\"stocks\":[{\"id\":\"s\",\"place\":\"p\",\"resource\":\"r\",\"initial\":1000}],"
    "\"producers\":[{\"id\":\"in\",\"stock\":\"s\",\"rate\":100}],"
    "\"consumers\":[{\"id\":\"out\",\"stock\":\"s\",\"rate\":150}],"
    "\"metrics\":[{\"id\":\"short\",\"total\":\"shortfall.r\"},{\"id\":\"used\",\"total\":\"consumed.r\"},"
    "{\"id\":\"made\",\"total\":\"produced.r\"},"
    "{\"id\":\"dry\",\"time_of\":{\"quantity\":\"stock.s\",\"<=\":0}},{\"id\":\"lvl\",\"level\":\"stock.s\",\"every\":10}]}";

START_TEST(test_stock_closed_form)
{
    Scenario *s = load_scenario(STOCK_SC);
    ck_assert(scenario_end(s) == 100);
    Sim *sim = start_sim(s, 1, 0);
    ck_assert_int_eq(sim_run(sim, INFINITY), SIM_DONE);
    double v[5];
    sim_metrics(sim, v);
    ck_assert_double_eq_tol(v[0], 4000, 1e-6);
    ck_assert_double_eq_tol(v[1], 11000, 1e-6);
    ck_assert_double_eq_tol(v[2], 10000, 1e-6);
    ck_assert_double_eq_tol(v[3], 20, 1e-9);     /* runs dry on day 20 */
    const double *lvl = sim_series(sim, 4);
    ck_assert_ptr_nonnull(lvl);
    ck_assert_int_eq(scenario_metric(s, 4)->series_len, 11);
    ck_assert_double_eq_tol(lvl[0], 1000, 1e-9);
    ck_assert_double_eq_tol(lvl[1], 500, 1e-9);  /* day 10 */
    ck_assert_double_eq_tol(lvl[3], 0, 1e-9);    /* day 30 */
    /* Only a handful of events: nothing ticks daily. */
    ck_assert_uint_lt(sim_events(sim), 40);
    sim_destroy(sim);
    scenario_destroy(s);
}
END_TEST

/* A treaty signed on day 10; aggression on day 30; the party honours with
 * p = 1 after exactly 12 days and sends 500 troops. A second party never
 * honours (p = 0) and so declines at once. */
static const char *TREATY_SC =
    "{\"salvo\":1,\"name\":\"treaty\",\"calendar\":{\"start\":\"2024-01-01\",\"end\":\"2024-03-01\"},"
    "\"actors\":[{\"id\":\"ru\"},{\"id\":\"kp\"},{\"id\":\"cn\"}],"
    "\"places\":[{\"id\":\"a\",\"kind\":\"capital\",\"lat\":39,\"lon\":125},{\"id\":\"b\",\"kind\":\"front\",\"lat\":51,\"lon\":35}],"
    "\"treaties\":[{\"id\":\"t\",\"parties\":[\"ru\",\"kp\",\"cn\"],\"signed\":\"2024-01-11\",\"responses\":["
    "{\"party\":\"kp\",\"protects\":\"ru\",\"honour\":1,\"delay\":12,\"effects\":[{\"troops\":{\"actor\":\"kp\",\"from\":\"a\",\"to\":\"b\",\"count\":500}}]},"
    "{\"party\":\"cn\",\"honour\":0}]}],"
    "\"events\":[{\"id\":\"attack\",\"at\":\"2024-01-31\",\"effects\":[{\"aggression\":\"ru\"}]}],"
    "\"metrics\":[{\"id\":\"honoured\",\"time_of\":{\"quantity\":\"treaty.t.honoured\",\">=\":1}},"
    "{\"id\":\"declined\",\"total\":\"treaty.t.declined\"},{\"id\":\"troops\",\"total\":\"troops.kp\"},"
    "{\"id\":\"by_feb\",\"happened\":{\"quantity\":\"troops.kp\",\">\":0},\"by\":\"2024-02-10\"}]}";

START_TEST(test_treaty_timing)
{
    Scenario *s = load_scenario(TREATY_SC);
    Sim *sim = sim_create(s);
    double v[4];
    for (uint64_t rep = 0; rep < 20; rep++) {
        sim_reset(sim, 7, rep);
        sim_run(sim, INFINITY);
        sim_metrics(sim, v);
        ck_assert_double_eq_tol(v[0], 42, 1e-9);
        ck_assert(v[1] == 1);
        ck_assert(v[2] == 500);
        ck_assert(v[3] == 0);   /* troops leave on Feb 12, after Feb 10 */
    }
    sim_destroy(sim);
    scenario_destroy(s);
}
END_TEST

/* A launch programme whose decision asks a person after the first failure
 * (day 31); also the view session's scenario (test_view_session.c). */
#define LAUNCH_SC "tests/data/launch-help.json"

START_TEST(test_decisions_policy_interactive_script)
{
    Scenario *s = load_scenario(LAUNCH_SC);
    Sim *sim = sim_create(s);
    double pol[3], ask[3], rep[3];
    /* Batch: the policy refuses; at p = 0.05 successes are rare. */
    double sum_policy = 0, sum_accept = 0;
    for (uint64_t r = 0; r < 200; r++) {
        sim_reset(sim, 99, r);
        ck_assert_int_eq(sim_run(sim, INFINITY), SIM_DONE);
        sim_metrics(sim, pol);
        ck_assert(pol[2] == 0);
        ck_assert(pol[1] == 10);
        sum_policy += pol[0];
    }
    /* Interactive: the run stops at the decision, on the day of the failure. */
    sim_set_interactive(sim, 1);
    sim_reset(sim, 99, 0);
    ck_assert_int_eq(sim_run(sim, INFINITY), SIM_DECISION);
    const SimDecision *d = sim_pending(sim);
    ck_assert_ptr_nonnull(d);
    ck_assert_str_eq(d->id, "ask");
    ck_assert_int_eq(d->noptions, 2);
    ck_assert_double_eq_tol(d->t, 31, 1e-9);
    ck_assert_int_eq(sim_answer(sim, 5), -1);
    ck_assert_int_eq(sim_answer(sim, 1), 0);
    ck_assert_int_eq(sim_run(sim, INFINITY), SIM_DONE);
    sim_metrics(sim, ask);
    ck_assert(ask[2] == 1);
    /* The same choice, scripted, reproduces the run exactly. */
    int answers[1] = { 1 };
    sim_reset(sim, 99, 0);
    sim_script(sim, answers, 1);
    ck_assert_int_eq(sim_run(sim, INFINITY), SIM_DONE);
    sim_metrics(sim, rep);
    ck_assert(memcmp(ask, rep, sizeof ask) == 0);
    const int *ch;
    ck_assert_int_eq(sim_choices(sim, &ch), 1);
    ck_assert_int_eq(ch[0], 1);
    /* Help (boost 0.9) changes the outcome: compare over 200 replications. */
    for (uint64_t r = 0; r < 200; r++) {
        sim_reset(sim, 99, r);
        sim_script(sim, answers, 1);
        sim_run(sim, INFINITY);
        sim_metrics(sim, rep);
        sum_accept += rep[0];
    }
    ck_assert_msg(sum_accept > 5 * sum_policy + 100, "help should raise successes: %g vs %g", sum_accept, sum_policy);
    sim_destroy(sim);
    scenario_destroy(s);
}
END_TEST

START_TEST(test_set_overrides)
{
    const char *ok[] = { "producers.in.rate=150" };
    Scenario *s = load_scenario_msg(STOCK_SC, ok, 1, NULL, 0);
    ck_assert_ptr_nonnull(s);
    Sim *sim = start_sim(s, 1, 0);
    sim_run(sim, INFINITY);
    double v[5];
    sim_metrics(sim, v);
    ck_assert_double_eq_tol(v[0], 0, 1e-9);        /* supply now meets demand */
    ck_assert(v[3] == SALVO_NEVER);
    sim_destroy(sim);
    scenario_destroy(s);

    const char *bad[][1] = { { "producers.in.rate=-5" }, { "producers.inn.rate=5" }, { "producers.in.rate" },
                             { "producers.in.rate={\"dist\":\"normal\",\"mean\":1}" } };
    const char *want[] = { "must be >= 0", "did you mean 'producers.in.rate'", "expected PATH=VALUE", "sd" };
    for (int i = 0; i < 4; i++) {
        Diag d;
        diag_init(&d, "test");
        s = scenario_load_buffer("t.json", STOCK_SC, strlen(STOCK_SC), bad[i], 1, &d);
        ck_assert_ptr_null(s);
        ck_assert_int_ge(d.count, 1);
        ck_assert_msg(strstr(d.items[0].msg, want[i]) != NULL, "set %d: '%s'", i, d.items[0].msg);
        diag_fini(&d);
    }
}
END_TEST

/* Record every trace line into memory. */
typedef struct Rec { TraceRec r[4096]; int n; } Rec;
static void grab(void *ctx, const TraceRec *r)
{
    Rec *R = ctx;
    if (R->n < 4096) R->r[R->n++] = *r;
}

/* A supply scenario with randomness everywhere; `extra` adds a component
 * (a random event on an unrelated stock) that draws from its own streams. */
static char *supply_sc(int extra)
{
    static char buf[8192];
    snprintf(buf, sizeof buf,
        "{\"salvo\":1,\"name\":\"supply\",\"calendar\":{\"start\":\"2024-01-01\",\"end\":\"2024-12-31\"},"
        "\"actors\":[{\"id\":\"a\"}],\"resources\":[{\"id\":\"r\"}],"
        "\"places\":[{\"id\":\"x\",\"kind\":\"arsenal\",\"lat\":40,\"lon\":126},{\"id\":\"y\",\"kind\":\"front\",\"lat\":50,\"lon\":37}],"
        "\"stocks\":[{\"id\":\"sx\",\"place\":\"x\",\"resource\":\"r\",\"initial\":{\"dist\":\"uniform\",\"lo\":0,\"hi\":1000}},"
        "{\"id\":\"sy\",\"place\":\"y\",\"resource\":\"r\"},{\"id\":\"other\",\"place\":\"y\",\"resource\":\"r\",\"initial\":100}],"
        "\"producers\":[{\"id\":\"p\",\"stock\":\"sx\",\"rate\":{\"dist\":\"gamma\",\"shape\":4,\"scale\":25},\"period\":30}],"
        "\"consumers\":[{\"id\":\"c\",\"stock\":\"sy\",\"rate\":80}],"
        "\"routes\":[{\"id\":\"rt\",\"mode\":\"rail\",\"from\":\"sx\",\"to\":\"sy\",\"transit\":{\"dist\":\"lognormal\",\"mean\":5,\"sd\":2},"
        "\"loss\":0.1,\"dud\":{\"dist\":\"uniform\",\"lo\":0,\"hi\":0.3},\"carriers\":[{\"id\":\"t\",\"count\":3,\"containers\":500}]}],"
        "\"events\":[%s],"
        "\"metrics\":[{\"id\":\"del\",\"total\":\"delivered.r\"},{\"id\":\"lost\",\"total\":\"lost.r\"}]}",
        extra ? "{\"id\":\"noise\",\"hazard\":0.05,\"effects\":[{\"stock\":\"other\",\"add\":{\"dist\":\"exponential\",\"mean\":5}}]}" : "");
    return buf;
}

START_TEST(test_reproducible_and_isolated)
{
    Scenario *a = load_scenario(supply_sc(0));
    ck_assert_ptr_nonnull(a);
    Scenario *b = load_scenario(supply_sc(1));
    ck_assert_ptr_nonnull(b);
    static Rec r1, r2, r3;
    TraceSink s1 = { grab, &r1 }, s2 = { grab, &r2 }, s3 = { grab, &r3 };
    Sim *sa = sim_create(a), *sb = sim_create(b);
    sim_set_sink(sa, &s1);
    sim_reset(sa, 5, 17);
    sim_run(sa, INFINITY);
    /* Reuse the same Sim: a reset must leave no trace of the last run. */
    sim_set_sink(sa, &s2);
    sim_reset(sa, 5, 16);
    sim_run(sa, INFINITY);
    r2.n = 0;
    sim_reset(sa, 5, 17);
    sim_run(sa, INFINITY);
    ck_assert_int_gt(r1.n, 50);
    ck_assert_int_eq(r1.n, r2.n);
    ck_assert(memcmp(r1.r, r2.r, (size_t)r1.n * sizeof(TraceRec)) == 0);
    /* Adding an unrelated random component leaves every supply record as it was. */
    sim_set_sink(sb, &s3);
    sim_reset(sb, 5, 17);
    sim_run(sb, INFINITY);
    /* Compare both traces without the unrelated stock's and event's records. */
    int i = 0, k = 0, same = 0;
    for (;;) {
        while (i < r1.n && r1.r[i].kind == TR_STOCK && r1.r[i].a == 2) i++;
        while (k < r3.n && (r3.r[k].kind == TR_EVENT || (r3.r[k].kind == TR_STOCK && r3.r[k].a == 2))) k++;
        if (i == r1.n || k == r3.n) break;
        ck_assert_msg(memcmp(&r1.r[i], &r3.r[k], sizeof r1.r[i]) == 0, "record %d differs (kind %d)", i, r1.r[i].kind);
        i++, k++, same++;
    }
    ck_assert_int_eq(i, r1.n);
    ck_assert_int_eq(k, r3.n);
    ck_assert_int_gt(same, 50);
    sim_destroy(sa);
    sim_destroy(sb);
    scenario_destroy(a);
    scenario_destroy(b);
}
END_TEST

START_TEST(test_trace_file_byte_identical)
{
    Scenario *s = load_scenario(supply_sc(1));
    const char *paths[2] = { "/tmp/salvo-test-trace-a.jsonl", "/tmp/salvo-test-trace-b.jsonl" };
    for (int i = 0; i < 2; i++) {
        Diag d;
        diag_init(&d, "trace");
        TraceHeader h = *scenario_trace_header(s);
        h.seed = 42;
        TraceWriter *w = trace_writer_open(paths[i], &h, &d);
        ck_assert_ptr_nonnull(w);
        TraceSink sink = trace_writer_sink(w);
        Sim *sim = sim_create(s);
        sim_set_sink(sim, &sink);
        sim_reset(sim, 42, 0);
        sim_run(sim, INFINITY);
        ck_assert_int_eq(trace_writer_close(w, &d), 0);
        sim_destroy(sim);
        diag_fini(&d);
    }
    FILE *fa = fopen(paths[0], "rb"), *fb = fopen(paths[1], "rb");
    ck_assert_ptr_nonnull(fa);
    ck_assert_ptr_nonnull(fb);
    int ca, cb;
    long n = 0;
    do {
        ca = fgetc(fa);
        cb = fgetc(fb);
        ck_assert_int_eq(ca, cb);
        n++;
    } while (ca != EOF);
    ck_assert_int_gt(n, 1000);
    fclose(fa);
    fclose(fb);
    remove(paths[0]);
    remove(paths[1]);
    scenario_destroy(s);
}
END_TEST

/* A trace the engine writes reads back: same header, same records. Found
 * by fuzz_trace: the writer prints an unbounded stock's capacity as null
 * and the reader used to refuse it, so no such trace could be viewed. */
START_TEST(test_trace_file_reads_back)
{
    Scenario *s = load_scenario(STOCK_SC);      /* stock "s" has no capacity */
    ck_assert_ptr_nonnull(s);
    const char *path = "/tmp/salvo-test-trace-readback.jsonl";
    Diag d;
    diag_init(&d, "trace");
    TraceHeader h = *scenario_trace_header(s);
    h.seed = 7;
    TraceWriter *w = trace_writer_open(path, &h, &d);
    ck_assert_ptr_nonnull(w);
    TraceSink file_sink = trace_writer_sink(w);
    TraceBuf buf;
    trace_buf_init(&buf);
    Sim *sim = sim_create(s);
    sim_set_sink(sim, &file_sink);
    sim_reset(sim, 7, 0);
    sim_run(sim, INFINITY);
    ck_assert_int_eq(trace_writer_close(w, &d), 0);
    TraceSink mem_sink = trace_buf_sink(&buf);
    sim_set_sink(sim, &mem_sink);
    sim_reset(sim, 7, 0);
    sim_run(sim, INFINITY);

    TraceFile *f = trace_read(path, &d);
    if (!f) diag_print(&d, stderr);
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(f->h.nstocks, 1);
    ck_assert(isinf(f->h.stocks[0].capacity) && f->h.stocks[0].capacity > 0);
    ck_assert_uint_eq(f->h.seed, 7);
    ck_assert_uint_eq(f->n, buf.n);
    ck_assert_uint_gt(f->n, 5);
    for (size_t i = 0; i < f->n; i++) {
        ck_assert_int_eq(f->recs[i].kind, buf.recs[i].kind);
        ck_assert(f->recs[i].t == buf.recs[i].t && f->recs[i].x == buf.recs[i].x);
    }
    trace_file_destroy(f);
    remove(path);
    trace_buf_fini(&buf);
    sim_destroy(sim);
    diag_fini(&d);
    scenario_destroy(s);
}
END_TEST

/* --- termination: valid scenarios that ask for endless work ---------------
 * Found while fuzzing (tests/fuzz/, docs/fuzzing.md). Each used to hang or
 * crash `salvo run`; now each run ends, halted with a reason where the
 * scenario itself asks for an endless storm of events. */

/* Two routes shuttle the same stock back and forth with zero transit and
 * zero return: endless events at day 0. */
static const char *STORM_SC =
    "{\"salvo\":1,\"name\":\"storm\",\"calendar\":{\"start\":\"2024-01-01\",\"end\":\"2024-01-10\"},"
    "\"actors\":[{\"id\":\"a\"}],\"resources\":[{\"id\":\"w\"}],"
    "\"places\":[{\"id\":\"p\",\"kind\":\"arsenal\",\"lat\":40,\"lon\":125},{\"id\":\"q\",\"kind\":\"front\",\"lat\":48,\"lon\":38}],"
    "\"stocks\":[{\"id\":\"a\",\"place\":\"p\",\"resource\":\"w\",\"initial\":1000},{\"id\":\"b\",\"place\":\"q\",\"resource\":\"w\"}],"
    "\"routes\":[{\"id\":\"a-b\",\"mode\":\"rail\",\"from\":\"a\",\"to\":\"b\",\"container\":1,\"transit\":0,\"return\":0,"
    "\"carriers\":[{\"id\":\"t1\",\"containers\":10}]},"
    "{\"id\":\"b-a\",\"mode\":\"rail\",\"from\":\"b\",\"to\":\"a\",\"container\":1,\"transit\":0,\"return\":0,"
    "\"carriers\":[{\"id\":\"t2\",\"containers\":10}]}],"
    "\"metrics\":[{\"id\":\"voyages\",\"total\":\"voyages.route.a-b\"}]}";

START_TEST(test_event_storm_halts)
{
    Scenario *s = load_scenario(STORM_SC);
    Sim *sim = sim_create(s);
    TraceBuf buf;
    trace_buf_init(&buf);
    TraceSink sink = trace_buf_sink(&buf);
    sim_set_sink(sim, &sink);
    sim_reset(sim, 1, 0);
    ck_assert_ptr_null(sim_halted(sim));
    ck_assert_int_eq(sim_run(sim, INFINITY), SIM_HALTED);
    ck_assert_ptr_nonnull(sim_halted(sim));
    ck_assert_ptr_nonnull(strstr(sim_halted(sim), "event storm"));
    ck_assert(sim_now(sim) == 0);                   /* halted where the storm is */
    ck_assert_uint_ge(sim_events(sim), 1000000);    /* SIM_MAX_EVENTS_AT_ONCE */
    ck_assert_uint_le(sim_events(sim), 1000001);
    ck_assert_int_eq(buf.recs[buf.n - 1].kind, TR_END);   /* the trace is closed */
    double v;
    sim_metrics(sim, &v);
    ck_assert(v > 1000);                            /* metrics as of the halt */
    ck_assert_int_eq(sim_run(sim, INFINITY), SIM_HALTED);  /* stays halted */
    /* A reset clears the halt; a smaller limit per replication is honoured. */
    sim_set_sink(sim, NULL);
    sim_set_event_limit(sim, 5000);
    sim_reset(sim, 1, 1);
    ck_assert_ptr_null(sim_halted(sim));
    ck_assert_int_eq(sim_run(sim, INFINITY), SIM_HALTED);
    ck_assert_ptr_nonnull(strstr(sim_halted(sim), "more than 5000 events"));
    ck_assert_uint_eq(sim_events(sim), 5001);
    trace_buf_fini(&buf);
    sim_destroy(sim);
    scenario_destroy(s);
}
END_TEST

/* Event x's effects make y happen at once, and y's make x happen: this used
 * to recurse until the C stack overflowed (a crash). */
static const char *CYCLE_SC =
    "{\"salvo\":1,\"name\":\"cycle\",\"calendar\":{\"start\":\"2024-01-01\",\"end\":\"2024-01-10\"},"
    "\"actors\":[{\"id\":\"a\"}],\"places\":[{\"id\":\"p\",\"kind\":\"arsenal\",\"lat\":40,\"lon\":125}],"
    "\"events\":[{\"id\":\"x\",\"at\":\"2024-01-03\",\"effects\":[{\"event\":\"y\"}]},"
    "{\"id\":\"y\",\"effects\":[{\"event\":\"x\"}]}],"
    "\"metrics\":[{\"id\":\"xs\",\"total\":\"event.x\"}]}";

START_TEST(test_effect_cycle_halts)
{
    Scenario *s = load_scenario(CYCLE_SC);
    Sim *sim = sim_create(s);
    sim_set_event_limit(sim, 20000);    /* keep the test quick: the storm is the same */
    sim_reset(sim, 1, 0);
    ck_assert_int_eq(sim_run(sim, INFINITY), SIM_HALTED);
    ck_assert(sim_now(sim) == 2);
    double v;
    sim_metrics(sim, &v);
    ck_assert(v > 20000);               /* 8 nested x per deferred step, 20,000 steps */
    sim_destroy(sim);
    scenario_destroy(s);
}
END_TEST

/* 100,000 carriers (the most a scenario may have) wait on one empty stock;
 * a day-1 delivery lets every one of them leave, each departure waking the
 * next. This used to nest once per carrier and overflow the C stack. */
START_TEST(test_many_carriers_leave_in_turn)
{
    char *text = malloc(8192);
    ck_assert_ptr_nonnull(text);
    int n = snprintf(text, 8192,
        "{\"salvo\":1,\"name\":\"crowd\",\"calendar\":{\"start\":\"2024-01-01\",\"end\":\"2024-01-05\"},"
        "\"actors\":[{\"id\":\"a\"}],\"resources\":[{\"id\":\"w\"}],"
        "\"places\":[{\"id\":\"p\",\"kind\":\"arsenal\",\"lat\":40,\"lon\":125},{\"id\":\"q\",\"kind\":\"front\",\"lat\":48,\"lon\":38}],"
        "\"stocks\":[{\"id\":\"a\",\"place\":\"p\",\"resource\":\"w\"},{\"id\":\"b\",\"place\":\"q\",\"resource\":\"w\"}],"
        "\"events\":[{\"id\":\"gift\",\"at\":\"2024-01-02\",\"effects\":[{\"stock\":\"a\",\"add\":1e9}]}],"
        "\"routes\":[{\"id\":\"a-b\",\"mode\":\"rail\",\"from\":\"a\",\"to\":\"b\",\"container\":1,\"transit\":10,"
        "\"carriers\":[");
    for (int i = 0; i < 10; i++)
        n += snprintf(text + n, (size_t)(8192 - n), "%s{\"id\":\"c%d\",\"containers\":1,\"count\":10000}", i ? "," : "", i);
    snprintf(text + n, (size_t)(8192 - n), "]}],\"metrics\":[{\"id\":\"v\",\"total\":\"voyages.route.a-b\"}]}");
    Scenario *s = load_scenario(text);
    free(text);
    ck_assert_ptr_nonnull(s);
    Sim *sim = start_sim(s, 1, 0);
    ck_assert_int_eq(sim_run(sim, INFINITY), SIM_DONE);
    double v;
    sim_metrics(sim, &v);
    ck_assert(v == 100000);
    sim_destroy(sim);
    scenario_destroy(s);
}
END_TEST

/* The smallest scenario: actors and places, nothing else (so no parameters
 * at all). sim_create copied its parameter array from NULL, undefined even
 * for 0 bytes: found by fuzz_scenario under UBSan, so `make sanitize` is
 * what catches a regression here. */
START_TEST(test_empty_scenario_runs)
{
    Scenario *s = load_scenario("{\"salvo\":1,\"name\":\"empty\",\"calendar\":{\"start\":\"2024-01-01\",\"end\":\"2024-12-31\"},"
                       "\"actors\":[{\"id\":\"a\"}],\"places\":[{\"id\":\"p\",\"kind\":\"port\",\"lat\":42,\"lon\":130}]}");
    ck_assert_int_eq(scenario_metric_count(s), 0);
    Sim *sim = start_sim(s, 3, 0);
    ck_assert_int_eq(sim_run(sim, INFINITY), SIM_DONE);
    ck_assert(sim_now(sim) == scenario_end(s));
    sim_destroy(sim);
    scenario_destroy(s);
}
END_TEST

/* The header's seed is read from the text (a double would round it), and
 * the text may spell `"seed" : N` with JSON whitespace around the colon.
 * Found by fuzz_trace: the reader looked only for `"seed":` and read from a
 * NULL pointer otherwise (a crash). */
START_TEST(test_trace_seed_spelling)
{
    Scenario *s = load_scenario(STOCK_SC);
    const char *path = "/tmp/salvo-test-trace-seed.jsonl";
    Diag d;
    diag_init(&d, "trace");
    TraceHeader h = *scenario_trace_header(s);
    h.seed = 7;
    TraceWriter *w = trace_writer_open(path, &h, &d);
    ck_assert_ptr_nonnull(w);
    ck_assert_int_eq(trace_writer_close(w, &d), 0);
    FILE *fp = fopen(path, "rb");
    ck_assert_ptr_nonnull(fp);
    char line[8192];
    ck_assert_ptr_nonnull(fgets(line, sizeof line, fp));
    fclose(fp);
    /* Format 2 writes the seed as a string; format 1 (no "trace" key) had
     * a number, which the reader still reads: both spellings are tried. */
    char *k = strstr(line, "\"seed\":\"7\",");
    ck_assert_ptr_nonnull(k);
    char *v = strstr(line, "\"trace\":2,");
    ck_assert_ptr_nonnull(v);
    ck_assert(v < k);
    static const char *const spellings[] = { "\"seed\" : 18446744073709551615,", "\"seed\"\t: -3,", "\"seed\" :1.5,",
                                             "\"seed\" : \"18446744073709551615\",", "\"seed\"\t: \"-3\",",
                                             "\"seed\" :\"1.5\"," };
    static const int readable[] = { 1, 0, 0, 1, 0, 0 };
    for (int i = 0; i < 6; i++) {
        fp = fopen(path, "wb");
        ck_assert_ptr_nonnull(fp);
        if (i < 3)      /* format 1: without the "trace" key */
            fprintf(fp, "%.*s%.*s%s%s", (int)(v - line), line, (int)(k - v - strlen("\"trace\":2,")),
                    v + strlen("\"trace\":2,"), spellings[i], k + strlen("\"seed\":\"7\","));
        else
            fprintf(fp, "%.*s%s%s", (int)(k - line), line, spellings[i], k + strlen("\"seed\":\"7\","));
        fclose(fp);
        Diag d2;
        diag_init(&d2, path);
        TraceFile *f = trace_read(path, &d2);
        if (readable[i]) {
            if (!f) diag_print(&d2, stderr);
            ck_assert_ptr_nonnull(f);
            ck_assert(f->h.seed == UINT64_MAX);
        } else {
            ck_assert_msg(f == NULL, "spelling %d read", i);
            ck_assert_int_ge(diag_errors(&d2), 1);
        }
        trace_file_destroy(f);
        diag_fini(&d2);
    }
    remove(path);
    diag_fini(&d);
    scenario_destroy(s);
}
END_TEST

/* An actor's colour is "#rrggbb": six hex digits, nothing else. The reader
 * used strtoul alone, which took "#-00001" as 0xFFFFFFFF (not a colour) and
 * "# fffff" as 0x0fffff: found by the colour check in fuzz_trace. */
START_TEST(test_trace_color_strict)
{
    static const char *const colors[] = { "#A0b1C2", "#-00001", "# fffff", "#+fffff", "#0x1234" };
    const char *path = "/tmp/salvo-test-trace-color.jsonl";
    for (int i = 0; i < 5; i++) {
        FILE *fp = fopen(path, "wb");
        ck_assert_ptr_nonnull(fp);
        fprintf(fp, "{\"salvo\":\"0.1.0\",\"type\":\"header\",\"scenario\":\"x\",\"sha256\":\"0\",\"seed\":1,"
                    "\"start\":\"2024-01-01\",\"end\":10,\"actors\":[{\"id\":\"a\",\"name\":\"a\",\"color\":\"%s\"}],"
                    "\"places\":[],\"routes\":[],\"carriers\":[],\"resources\":[],\"stocks\":[],\"treaties\":[],"
                    "\"programmes\":[],\"events\":[],\"decisions\":[]}\n", colors[i]);
        fclose(fp);
        Diag d;
        diag_init(&d, path);
        TraceFile *f = trace_read(path, &d);
        if (i == 0) {
            ck_assert_ptr_nonnull(f);
            ck_assert_uint_eq(f->h.actors[0].color, 0xA0B1C2u);
        } else {
            ck_assert_msg(f == NULL, "colour \"%s\" was accepted", colors[i]);
        }
        trace_file_destroy(f);
        diag_fini(&d);
    }
    remove(path);
}
END_TEST

/* Effects that scale a producer and a consumer by 1e15 forty times would
 * take both rates to infinity, and the stock's net rate to inf - inf = NaN.
 * Effects keep a parameter within the loader's bound (1e15), so the run
 * stays finite. */
static const char *SCALE_SC =
    "{\"salvo\":1,\"name\":\"scale\",\"calendar\":{\"start\":\"2024-01-01\",\"end\":\"2024-03-01\"},"
    "\"actors\":[{\"id\":\"a\"}],\"resources\":[{\"id\":\"w\"}],"
    "\"places\":[{\"id\":\"p\",\"kind\":\"depot\",\"lat\":0,\"lon\":0}],"
    "\"stocks\":[{\"id\":\"s\",\"place\":\"p\",\"resource\":\"w\",\"initial\":1000}],"
    "\"producers\":[{\"id\":\"in\",\"stock\":\"s\",\"rate\":100}],"
    "\"consumers\":[{\"id\":\"out\",\"stock\":\"s\",\"rate\":150}],"
    "\"events\":[{\"id\":\"boom\",\"hazard\":5,\"max\":40,\"effects\":[{\"scale\":\"producers.in.rate\",\"by\":1e15},"
    "{\"scale\":\"consumers.out.rate\",\"by\":1e15}]}],"
    "\"metrics\":[{\"id\":\"lvl\",\"total\":\"stock.s\"},{\"id\":\"made\",\"total\":\"produced.w\"},"
    "{\"id\":\"short\",\"total\":\"shortfall.w\"},{\"id\":\"booms\",\"total\":\"event.boom\"}]}";

START_TEST(test_effects_stay_finite)
{
    Scenario *s = load_scenario(SCALE_SC);
    Sim *sim = start_sim(s, 2, 0);
    ck_assert_int_eq(sim_run(sim, INFINITY), SIM_DONE);
    double v[4];
    sim_metrics(sim, v);
    ck_assert(v[3] == 40);      /* every boom happened (seed 2: 40 by day ~8) */
    for (int i = 0; i < 3; i++) ck_assert_msg(isfinite(v[i]), "metric %d is %g", i, v[i]);
    sim_destroy(sim);
    scenario_destroy(s);
}
END_TEST

/* STOCK_SC with the producer's rate an assumption: 100, ranged 50..150. */
static const char *ranged_stock_sc(void)
{
    static char text[4096];
    const char *from = "\"rate\":100}";
    const char *at = strstr(STOCK_SC, from);
    ck_assert_ptr_nonnull(at);
    snprintf(text, sizeof text, "%.*s\"rate\":{\"value\":100,\"range\":[50,150]}}%s", (int)(at - STOCK_SC), STOCK_SC,
             at + strlen(from));
    return text;
}

/* --uncertainty: the producer's rate (an assumption ranged 50..150 around
 * 100) is drawn per replication from triangular(50, 100, 150). The
 * shortfall over 100 days is then 1000-free arithmetic: with rate p < 150,
 * the stock empties at 1000 / (150 - p) and shortfall = (150 - p)(100 - tau). */
START_TEST(test_uncertainty)
{
    const char *text = ranged_stock_sc();
    Scenario *s = load_scenario(text);
    ck_assert_int_eq(scenario_assumption_count(s), 1);
    Sim *sim = sim_create(s);
    double v[5], sum = 0, sum2 = 0, lo = 1e300, hi = -1e300;
    sim_set_uncertainty(sim, 1);
    const int n = 4000;
    for (int r = 0; r < n; r++) {
        sim_reset(sim, 3, (uint64_t)r);
        sim_run(sim, INFINITY);
        sim_metrics(sim, v);
        double p = v[2] / 100.0;           /* produced / days = the drawn rate */
        ck_assert(p >= 50 - 1e-9 && p <= 150 + 1e-9);
        double tau = 1000 / (150 - p), expect = tau < 100 ? (150 - p) * (100 - tau) : 0;
        ck_assert_double_eq_tol(v[0], expect, 1e-6);
        sum += p;
        sum2 += p * p;
        if (p < lo) lo = p;
        if (p > hi) hi = p;
    }
    /* Triangular(50, 100, 150): mean 100, sd 20.4; the mean of 4000 draws is
     * within 1.3 (4 standard errors) of 100. */
    double mean = sum / n, sd = sqrt(sum2 / n - mean * mean);
    ck_assert_double_eq_tol(mean, 100, 1.3);
    ck_assert_double_eq_tol(sd, 20.41, 1.5);
    ck_assert(lo < 60 && hi > 140);
    /* Off again: the point value, exactly. */
    sim_set_uncertainty(sim, 0);
    sim_reset(sim, 3, 0);
    sim_run(sim, INFINITY);
    sim_metrics(sim, v);
    ck_assert_double_eq_tol(v[0], 4000, 1e-6);
    sim_destroy(sim);
    scenario_destroy(s);
}
END_TEST

/* --set moves a ranged assumption outside its range: the range widens to
 * take the new value in. It used to stay, and --uncertainty then drew from
 * a "triangle" with its mode outside [lo, hi]: NaN metrics (found by
 * fuzz_set). */
START_TEST(test_set_outside_range_uncertainty)
{
    const char *text = ranged_stock_sc();
    const char *sets[1] = { "producers.in.rate=400" };
    Scenario *s = load_scenario_msg(text, sets, 1, NULL, 0);
    ck_assert_ptr_nonnull(s);
    const Assumption *a = scenario_assumption(s, 0);
    ck_assert(a->value == 400 && a->lo == 50 && a->hi == 400);
    Sim *sim = sim_create(s);
    sim_set_uncertainty(sim, 1);
    double v[5];
    for (int r = 0; r < 200; r++) {
        sim_reset(sim, 3, (uint64_t)r);
        sim_run(sim, INFINITY);
        sim_metrics(sim, v);
        double p = v[2] / 100.0;        /* produced / days: the drawn rate, while the stock never fills */
        ck_assert_msg(isfinite(v[0]) && isfinite(v[1]), "rep %d: shortfall %g, consumed %g", r, v[0], v[1]);
        ck_assert(p >= 50 - 1e-9 && p <= 400 + 1e-9);
    }
    sim_destroy(sim);
    scenario_destroy(s);
}
END_TEST

Suite *suite_sim(void)
{
    Suite *s = suite_create("sim");
    TCASE(s, "models", 0, NO_FIXTURE, test_stock_closed_form, test_treaty_timing,
          test_decisions_policy_interactive_script, test_set_overrides, test_uncertainty,
          test_set_outside_range_uncertainty);
    TCASE(s, "determinism", 0, NO_FIXTURE, test_reproducible_and_isolated, test_trace_file_byte_identical,
          test_trace_file_reads_back, test_trace_seed_spelling, test_trace_color_strict);
    TCASE(s, "termination", 60, NO_FIXTURE, test_event_storm_halts, test_effect_cycle_halts,
          test_many_carriers_leave_in_turn, test_empty_scenario_runs, test_effects_stay_finite);
    return s;
}
