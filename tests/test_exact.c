/* test_exact.c — the engine's exactness, on scenarios whose answers are
 * worked out by hand in the comment above each one (issue 8):
 *   - a condition is true from the first instant it holds: thresholds on
 *     stock levels and cumulative quantities are crossed at their exact
 *     time, compound conditions fire when the last crossing holds, a level
 *     that touches a threshold and turns back is seen, a stock that fills
 *     or empties changes slope;
 *   - a hazard changed by an effect takes effect at once (memoryless);
 *   - no two components share a random stream;
 *   - a producer's `end` is its last day; "by DATE" counts the whole day;
 *   - overflow.STOCK is the amount lost to a full stock.
 * Each of these failed on the engine before the fix. Statistical checks
 * state their tolerance in standard errors of the statistic. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "salvo.h"

#define HEAD(end) \
    "{\"salvo\":1,\"name\":\"exact\",\"calendar\":{\"start\":\"2024-01-01\",\"end\":\"" end "\"}," \
    "\"actors\":[{\"id\":\"a\"},{\"id\":\"b\"},{\"id\":\"c\"}],\"resources\":[{\"id\":\"r\"}]," \
    "\"places\":[{\"id\":\"p\",\"kind\":\"depot\",\"lat\":0,\"lon\":0},{\"id\":\"q\",\"kind\":\"depot\",\"lat\":1,\"lon\":1}],"

static Scenario *load_sets(const char *text, const char *const *sets, int nsets, char *msg, size_t nmsg)
{
    Diag d;
    diag_init(&d, "test");
    Scenario *s = scenario_load_buffer("exact.json", text, strlen(text), sets, nsets, &d);
    if (msg) {
        FILE *f = fmemopen(msg, nmsg, "w");
        diag_print(&d, f);
        fclose(f);
    } else if (!s) {
        diag_print(&d, stderr);
    }
    diag_free(&d);
    return s;
}

static Scenario *load(const char *text) { return load_sets(text, NULL, 0, NULL, 0); }

/* Run replication rep of seed 1 to the end; the metrics into v. */
static void run(const Scenario *s, uint64_t rep, double *v)
{
    Sim *sim = sim_create(s);
    ck_assert_ptr_nonnull(sim);
    sim_reset(sim, 1, rep);
    ck_assert_int_eq(sim_run(sim, INFINITY), SIM_DONE);
    sim_metrics(sim, v);
    sim_destroy(sim);
}

static double metric(const Scenario *s, const double *v, const char *id)
{
    int m = scenario_metric_find(s, id);
    ck_assert_msg(m >= 0, "no metric %s", id);
    return v[m];
}

#define EXPECT(s, v, id, want) \
    ck_assert_msg(fabs(metric(s, v, id) - (want)) <= 1e-6 * (1 + fabs((double)(want))), \
                  "%s: %.12g, expected %.12g", id, metric(s, v, id), (double)(want))

/* Stock s starts at 1000; producer 100/day, consumer 50/day: net +50/day,
 * so level(t) = 1000 + 50t, produced(t) = 100t, consumed(t) = 50t, and
 * nothing else happens all year (no event that could reveal a crossing).
 *   stock >= 2000      t = 20             produced >= 500    t = 5
 *   stock > 1500       t = 10 (infimum)   consumed >= 100    t = 2
 *   stock == 1700      t = 14             not(stock < 1100)  t = 2
 *   all(stock >= 1250, produced >= 1000)  max(5, 10) = 10
 *   any(stock >= 3000, consumed >= 250)   min(40, 5) = 5
 *   day >= 7.5         t = 7.5            stock <= 500       never
 *   happened stock >= 1600 by 2024-01-13 (day 12; crossing at 12) = 1 */
static const char *RISE_SC = HEAD("2024-04-10")
    "\"stocks\":[{\"id\":\"s\",\"place\":\"p\",\"resource\":\"r\",\"initial\":1000}],"
    "\"producers\":[{\"id\":\"in\",\"stock\":\"s\",\"rate\":100}],"
    "\"consumers\":[{\"id\":\"out\",\"stock\":\"s\",\"rate\":50}],"
    "\"metrics\":["
    "{\"id\":\"ge\",\"time_of\":{\"quantity\":\"stock.s\",\">=\":2000}},"
    "{\"id\":\"prod\",\"time_of\":{\"quantity\":\"produced.r\",\">=\":500}},"
    "{\"id\":\"gt\",\"time_of\":{\"quantity\":\"stock.s\",\">\":1500}},"
    "{\"id\":\"cons\",\"time_of\":{\"quantity\":\"consumed.r\",\">=\":100}},"
    "{\"id\":\"eq\",\"time_of\":{\"quantity\":\"stock.s\",\"==\":1700}},"
    "{\"id\":\"not\",\"time_of\":{\"not\":{\"quantity\":\"stock.s\",\"<\":1100}}},"
    "{\"id\":\"all\",\"time_of\":{\"all\":[{\"quantity\":\"stock.s\",\">=\":1250},{\"quantity\":\"produced.r\",\">=\":1000}]}},"
    "{\"id\":\"any\",\"time_of\":{\"any\":[{\"quantity\":\"stock.s\",\">=\":3000},{\"quantity\":\"consumed.r\",\">=\":250}]}},"
    "{\"id\":\"day\",\"time_of\":{\"quantity\":\"day\",\">=\":7.5}},"
    "{\"id\":\"low\",\"time_of\":{\"quantity\":\"stock.s\",\"<=\":500}},"
    "{\"id\":\"flag\",\"happened\":{\"quantity\":\"stock.s\",\">=\":1600},\"by\":\"2024-01-13\"}]}";

START_TEST(test_crossings_rising)
{
    Scenario *s = load(RISE_SC);
    ck_assert_ptr_nonnull(s);
    double v[16];
    run(s, 0, v);
    EXPECT(s, v, "ge", 20);
    EXPECT(s, v, "prod", 5);
    EXPECT(s, v, "gt", 10);
    EXPECT(s, v, "cons", 2);
    EXPECT(s, v, "eq", 14);
    EXPECT(s, v, "not", 2);
    EXPECT(s, v, "all", 10);
    EXPECT(s, v, "any", 5);
    EXPECT(s, v, "day", 7.5);
    ck_assert(isinf(metric(s, v, "low")));
    EXPECT(s, v, "flag", 1);
    scenario_free(s);
}
END_TEST

/* Stock s: 1000, capacity 1500; producer 100/day; consumer 50/day, and a
 * second consumer of 200/day from day 10 (2024-01-11).
 *   days 0-10: net +50, full at exactly day 10 (1000 + 50*10 = 1500);
 *   from day 10: net 100 - 250 = -150: it touches 1500 and turns back,
 *   empties at day 10 + 1500/150 = 20; then shortfall grows at 150/day.
 *   stock == 1500, stock >= 1500   t = 10 (the touch)
 *   stock > 1500                   never
 *   stock <= 750                   t = 15
 *   stock <= 0                     t = 20
 *   shortfall > 0                  t = 20 (infimum)
 *   shortfall >= 300               t = 22
 *   consumed >= 2000: 50*10 + 250*(t-10) = 2000  → t = 16
 *   a `when stock <= 750` event at 15, seen by time_of event >= 1
 *   all(stock <= 1200, stock >= 1200): only at the instants the level
 *   passes 1200: t = 4 on the way up (and 12 on the way down) → 4 */
static const char *TOUCH_SC = HEAD("2024-04-10")
    "\"stocks\":[{\"id\":\"s\",\"place\":\"p\",\"resource\":\"r\",\"initial\":1000,\"capacity\":1500}],"
    "\"producers\":[{\"id\":\"in\",\"stock\":\"s\",\"rate\":100}],"
    "\"consumers\":[{\"id\":\"out\",\"stock\":\"s\",\"rate\":50},"
    "{\"id\":\"more\",\"stock\":\"s\",\"rate\":200,\"start\":\"2024-01-11\"}],"
    "\"events\":[{\"id\":\"half\",\"when\":{\"quantity\":\"stock.s\",\"<=\":750}}],"
    "\"metrics\":["
    "{\"id\":\"eq\",\"time_of\":{\"quantity\":\"stock.s\",\"==\":1500}},"
    "{\"id\":\"ge\",\"time_of\":{\"quantity\":\"stock.s\",\">=\":1500}},"
    "{\"id\":\"gt\",\"time_of\":{\"quantity\":\"stock.s\",\">\":1500}},"
    "{\"id\":\"le\",\"time_of\":{\"quantity\":\"stock.s\",\"<=\":750}},"
    "{\"id\":\"dry\",\"time_of\":{\"quantity\":\"stock.s\",\"<=\":0}},"
    "{\"id\":\"short\",\"time_of\":{\"quantity\":\"shortfall.r\",\">\":0}},"
    "{\"id\":\"short300\",\"time_of\":{\"quantity\":\"shortfall.stock.s\",\">=\":300}},"
    "{\"id\":\"cons\",\"time_of\":{\"quantity\":\"consumed.r\",\">=\":2000}},"
    "{\"id\":\"ev\",\"time_of\":{\"quantity\":\"event.half\",\">=\":1}},"
    "{\"id\":\"both\",\"time_of\":{\"all\":[{\"quantity\":\"stock.s\",\"<=\":1200},{\"quantity\":\"stock.s\",\">=\":1200}]}}]}";

START_TEST(test_crossings_touch_and_kinks)
{
    Scenario *s = load(TOUCH_SC);
    ck_assert_ptr_nonnull(s);
    double v[16];
    run(s, 0, v);
    EXPECT(s, v, "eq", 10);
    EXPECT(s, v, "ge", 10);
    ck_assert(isinf(metric(s, v, "gt")));
    EXPECT(s, v, "le", 15);
    EXPECT(s, v, "dry", 20);
    EXPECT(s, v, "short", 20);
    EXPECT(s, v, "short300", 22);
    EXPECT(s, v, "cons", 16);
    EXPECT(s, v, "ev", 15);
    EXPECT(s, v, "both", 4);
    scenario_free(s);
}
END_TEST

/* A `when` event re-arms after its condition stops holding: stock s at 0
 * gains 10/day; every time it reaches 100 the event takes 60 away (max 10).
 * Reaching 100 at t = 10, then 40 → 100 again after 6 days: t = 10, 16, 22,
 * ... so by day 40 (end) it has happened at 10, 16, 22, 28, 34, 40 → the
 * crossing at 40 is the end instant itself. Count at the end: 6. A decision
 * on produced.r >= 55 is taken at 5.5 and its option's effect (add 1000 to
 * stock q) shows at that instant. */
static const char *REARM_SC = HEAD("2024-02-12")
    "\"stocks\":[{\"id\":\"s\",\"place\":\"p\",\"resource\":\"r\",\"initial\":0},"
    "{\"id\":\"q\",\"place\":\"q\",\"resource\":\"r\",\"initial\":0}],"
    "\"producers\":[{\"id\":\"in\",\"stock\":\"s\",\"rate\":10}],"
    "\"events\":[{\"id\":\"take\",\"max\":10,\"when\":{\"quantity\":\"stock.s\",\">=\":100},"
    "\"effects\":[{\"stock\":\"s\",\"add\":-60}]}],"
    "\"decisions\":[{\"id\":\"d\",\"actor\":\"a\",\"when\":{\"quantity\":\"produced.r\",\">=\":55},"
    "\"options\":[{\"id\":\"x\",\"label\":\"x\",\"effects\":[{\"stock\":\"q\",\"add\":1000}]},{\"id\":\"y\",\"label\":\"y\"}]}],"
    "\"metrics\":[{\"id\":\"n\",\"total\":\"event.take\"},"
    "{\"id\":\"third\",\"time_of\":{\"quantity\":\"event.take\",\">=\":3}},"
    "{\"id\":\"dec\",\"time_of\":{\"quantity\":\"stock.q\",\">=\":1000}}]}";

START_TEST(test_when_rearms_and_decides)
{
    Scenario *s = load(REARM_SC);
    ck_assert_ptr_nonnull(s);
    double v[8];
    run(s, 0, v);
    EXPECT(s, v, "n", 6);
    EXPECT(s, v, "third", 22);
    EXPECT(s, v, "dec", 5.5);
    scenario_free(s);
}
END_TEST

/* An effect that changes a hazard takes effect at once. Event h has hazard
 * `H0`; on day 10 an event sets it to `H1`; the run ends on day 100.
 *   0 → 1/day: occurrences after day 10 ~ Poisson(90).
 *   0.001 → 1: Poisson(0.01 + 90) (the old gap, ~1000 days, is dropped).
 *   1 → 0: none after day 10 (the level series at day 10 equals the end).
 * Over N = 200 replications the mean count has standard error
 * sqrt(90 / 200) = 0.67; the check allows 5 standard errors. */
static char *hazard_sc(const char *h0, const char *h1)
{
    static char buf[2048];
    snprintf(buf, sizeof buf, HEAD("2024-04-10")
             "\"events\":[{\"id\":\"h\",\"hazard\":%s},"
             "{\"id\":\"switch\",\"at\":\"2024-01-11\",\"effects\":[{\"set\":\"events.h.hazard\",\"value\":%s}]}],"
             "\"metrics\":[{\"id\":\"n\",\"total\":\"event.h\"},{\"id\":\"lvl\",\"level\":\"event.h\",\"every\":10}]}",
             h0, h1);
    return buf;
}

static double mean_count(const char *h0, const char *h1, int n)
{
    Scenario *s = load(hazard_sc(h0, h1));
    ck_assert_ptr_nonnull(s);
    double sum = 0, v[4];
    for (int r = 0; r < n; r++) {
        run(s, (uint64_t)r, v);
        sum += v[0];
    }
    scenario_free(s);
    return sum / n;
}

START_TEST(test_hazard_change_takes_effect)
{
    int n = 200;
    double se = sqrt(90.0 / n);
    double m = mean_count("0", "1", n);
    ck_assert_msg(fabs(m - 90) <= 5 * se, "0 -> 1: mean %.3f, expected 90 +- %.2f", m, 5 * se);
    m = mean_count("0.001", "1", n);
    ck_assert_msg(fabs(m - 90.01) <= 5 * se, "0.001 -> 1: mean %.3f, expected 90.01 +- %.2f", m, 5 * se);
    /* 1 → 0: not one occurrence after day 10, in any replication. */
    Scenario *s = load(hazard_sc("1", "0"));
    ck_assert_ptr_nonnull(s);
    double total = 0;
    for (int r = 0; r < 50; r++) {
        Sim *sim = sim_create(s);
        sim_reset(sim, 1, (uint64_t)r);
        ck_assert_int_eq(sim_run(sim, INFINITY), SIM_DONE);
        double v[2];
        sim_metrics(sim, v);
        const double *lvl = sim_series(sim, 1);
        ck_assert_double_eq(lvl[1], v[0]);   /* day 10 = end */
        total += v[0];
        sim_destroy(sim);
    }
    ck_assert(total > 0);   /* it did happen before day 10 (mean 10 each) */
    scenario_free(s);
}
END_TEST

/* Two responses by the same party (b) in one treaty, honour 0.5 each, no
 * delay; aggression against a on day 1. With their own streams, exactly one
 * is honoured in half the replications (binomial(N, 1/2): standard error
 * sqrt(N)/2 = 10 for N = 400; 5 standard errors allowed). Sharing a stream,
 * they were honoured together or not at all: never exactly one. */
static const char *TWO_RESP_SC = HEAD("2024-02-10")
    "\"treaties\":[{\"id\":\"t\",\"parties\":[\"a\",\"b\"],\"signed\":\"2024-01-01\",\"responses\":["
    "{\"party\":\"b\",\"honour\":0.5},{\"party\":\"b\",\"honour\":0.5}]}],"
    "\"events\":[{\"id\":\"attack\",\"at\":\"2024-01-02\",\"effects\":[{\"aggression\":\"a\"}]}],"
    "\"metrics\":[{\"id\":\"h\",\"total\":\"treaty.t.honoured\"}]}";

START_TEST(test_treaty_responses_own_streams)
{
    Scenario *s = load(TWO_RESP_SC);
    ck_assert_ptr_nonnull(s);
    int one = 0, n = 400;
    for (int r = 0; r < n; r++) {
        double v[1];
        run(s, (uint64_t)r, v);
        one += v[0] == 1;
    }
    ck_assert_msg(abs(one - n / 2) <= 5 * 10, "exactly one honoured in %d of %d", one, n);
    scenario_free(s);
    /* Each response has its own --set path: the second is b.2. */
    const char *sets[] = { "treaties.t.responses.b.honour=0", "treaties.t.responses.b.2.honour=1" };
    s = load_sets(TWO_RESP_SC, sets, 2, NULL, 0);
    ck_assert_ptr_nonnull(s);
    for (int r = 0; r < 20; r++) {
        double v[1];
        run(s, (uint64_t)r, v);
        ck_assert_double_eq(v[0], 1);
    }
    scenario_free(s);
}
END_TEST

/* Carrier c with count 2 generates c-1 and c-2; a declared carrier c-1 on
 * the same route would share c-1's name and random stream: an error naming
 * both places. */
static const char *CARRIER_SC = HEAD("2024-02-10")
    "\"stocks\":[{\"id\":\"s\",\"place\":\"p\",\"resource\":\"r\",\"initial\":100},"
    "{\"id\":\"d\",\"place\":\"q\",\"resource\":\"r\",\"initial\":0}],"
    "\"routes\":[{\"id\":\"rt\",\"from\":\"s\",\"to\":\"d\",\"mode\":\"rail\",\"transit\":1,\"container\":1,"
    "\"carriers\":[{\"id\":\"c\",\"count\":2,\"containers\":10},\n{\"id\":\"c-1\",\"containers\":10}]}]}";

START_TEST(test_generated_carrier_id_collides)
{
    char msg[1024] = "";
    Scenario *s = load_sets(CARRIER_SC, NULL, 0, msg, sizeof msg);
    ck_assert_ptr_null(s);
    ck_assert_msg(strstr(msg, "duplicate id 'c-1'"), "%s", msg);
    ck_assert_msg(strstr(msg, ":2:7: error: routes[0].carriers[1].id"), "no position of the declared carrier: %s", msg);
    ck_assert_msg(strstr(msg, "line 1, column"), "no position of the generating carrier: %s", msg);
}
END_TEST

/* A producer's `end` is its last day: 10/day from day 0 to 2024-01-10
 * (day 9) inclusive is 10 days, 100 units. A condition crossing at day 9.5
 * (produced >= 95) "happened by 2024-01-10": the whole of that day counts. */
static const char *END_SC = HEAD("2024-02-10")
    "\"stocks\":[{\"id\":\"s\",\"place\":\"p\",\"resource\":\"r\",\"initial\":0}],"
    "\"producers\":[{\"id\":\"in\",\"stock\":\"s\",\"rate\":10,\"end\":\"2024-01-10\"}],"
    "\"metrics\":[{\"id\":\"made\",\"total\":\"produced.r\"},"
    "{\"id\":\"t95\",\"time_of\":{\"quantity\":\"produced.r\",\">=\":95}},"
    "{\"id\":\"by10\",\"happened\":{\"quantity\":\"produced.r\",\">=\":95},\"by\":\"2024-01-10\"},"
    "{\"id\":\"by9\",\"happened\":{\"quantity\":\"produced.r\",\">=\":95},\"by\":\"2024-01-09\"}]}";

START_TEST(test_end_is_last_day_and_by_counts_the_day)
{
    Scenario *s = load(END_SC);
    ck_assert_ptr_nonnull(s);
    double v[4];
    run(s, 0, v);
    EXPECT(s, v, "made", 100);
    EXPECT(s, v, "t95", 9.5);
    EXPECT(s, v, "by10", 1);
    EXPECT(s, v, "by9", 0);
    scenario_free(s);
}
END_TEST

/* overflow.STOCK: s holds 80 of capacity 100; on day 5 an effect adds 50:
 * 20 fit, 30 are lost to the full stock. On day 8, 10 more: all lost (40). */
static const char *OVERFLOW_SC = HEAD("2024-02-10")
    "\"stocks\":[{\"id\":\"s\",\"place\":\"p\",\"resource\":\"r\",\"initial\":80,\"capacity\":100}],"
    "\"events\":[{\"id\":\"e1\",\"at\":\"2024-01-06\",\"effects\":[{\"stock\":\"s\",\"add\":50}]},"
    "{\"id\":\"e2\",\"at\":\"2024-01-09\",\"effects\":[{\"stock\":\"s\",\"add\":10}]}],"
    "\"metrics\":[{\"id\":\"over\",\"total\":\"overflow.s\"},"
    "{\"id\":\"t30\",\"time_of\":{\"quantity\":\"overflow.s\",\">=\":30}},"
    "{\"id\":\"t31\",\"time_of\":{\"quantity\":\"overflow.s\",\">\":30}},"
    "{\"id\":\"lvl\",\"total\":\"stock.s\"}]}";

START_TEST(test_overflow_quantity)
{
    Scenario *s = load(OVERFLOW_SC);
    ck_assert_ptr_nonnull(s);
    double v[4];
    run(s, 0, v);
    EXPECT(s, v, "over", 40);
    EXPECT(s, v, "t30", 5);
    EXPECT(s, v, "t31", 8);
    EXPECT(s, v, "lvl", 100);
    scenario_free(s);
}
END_TEST

Suite *suite_exact(void);
Suite *suite_exact(void)
{
    Suite *s = suite_create("exact");
    TCase *tc = tcase_create("crossings");
    tcase_add_test(tc, test_crossings_rising);
    tcase_add_test(tc, test_crossings_touch_and_kinks);
    tcase_add_test(tc, test_when_rearms_and_decides);
    suite_add_tcase(s, tc);
    tc = tcase_create("hazard");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_hazard_change_takes_effect);
    suite_add_tcase(s, tc);
    tc = tcase_create("streams");
    tcase_add_test(tc, test_treaty_responses_own_streams);
    tcase_add_test(tc, test_generated_carrier_id_collides);
    suite_add_tcase(s, tc);
    tc = tcase_create("dates");
    tcase_add_test(tc, test_end_is_last_day_and_by_counts_the_day);
    suite_add_tcase(s, tc);
    tc = tcase_create("overflow");
    tcase_add_test(tc, test_overflow_quantity);
    suite_add_tcase(s, tc);
    return s;
}
