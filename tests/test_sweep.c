/* test_sweep.c — sim/sweep.c: grids and tornadoes of batches.
 *
 * What matters: every point of a grid is exactly the batch of the scenario
 * with that point's values set (checked against batches run here, by hand,
 * on another thread count); the grid's values and point order are the ones
 * written out below; the tornado's rows are every ranged assumption, each
 * end equal to its own batch, ranked by |effect|; and errors come back as a
 * status with a message, never printed. The scenario is
 * tests/data/batch/ship.json: two ranged assumptions, factories.rate
 * 5000..12000 and ship.loss 0..0.2. Comparisons are exact (==): the same
 * seed, runs and values must give the same bits whatever the thread count.
 */
#include <check.h>
#include "testutil.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "batch.h"
#include "mem.h"
#include "salvo.h"
#include "summary.h"
#include "sweep.h"

#define SHIP "tests/data/batch/ship.json"
#define RUNS 96
#define SEED 20241

static Scenario *load(const char *path, const char *const *sets, int nsets)
{
    Diag d;
    diag_init(&d, path);
    Scenario *s = scenario_load(path, sets, nsets, &d);
    if (!s) diag_print(&d, stderr);
    diag_fini(&d);
    ck_assert_ptr_nonnull(s);
    return s;
}

/* The mean of metric `metric` over a batch of `path` with the given sets,
 * run here without sim/sweep.c, on one thread. */
static double batch_mean(const char *path, const char *const *sets, int nsets, int metric)
{
    Scenario *s = load(path, sets, nsets);
    BatchScenario *bs = batch_scenario_create(s);
    ck_assert_ptr_nonnull(bs);
    Diag d;
    diag_init(&d, "");
    Batch *b = batch_create(batch_scenario_model(bs), &d);
    ck_assert_ptr_nonnull(b);
    BatchOptions o;
    memset(&o, 0, sizeof o);
    o.seed = SEED;
    o.runs = RUNS;
    o.threads = 1;
    o.target_metric = -1;
    ck_assert_int_eq(batch_run(b, &o, &d), 0);
    SummaryStat st;
    summary_stat(b, metric, &st);
    batch_destroy(b);
    batch_scenario_destroy(bs);
    scenario_destroy(s);
    diag_fini(&d);
    return st.mean;
}

static void spec_init(SweepSpec *s, const char *path, volatile sig_atomic_t *stop)
{
    memset(s, 0, sizeof *s);
    s->path = path;
    s->batch.seed = SEED;
    s->batch.runs = RUNS;
    s->batch.threads = 2;
    s->batch.stop = stop;
}

/* What on_point saw. */
#define MAXSEEN 32
typedef struct Seen {
    int n;
    long long index[MAXSEEN];
    double values[MAXSEEN][2];
    double mean[MAXSEEN];   /* metric 0 ("delivered"); NAN without a batch */
    int stopped[MAXSEEN];
    int exact[MAXSEEN];     /* the scenario's assumptions hold the values exactly */
} Seen;

/* 1 if s's assumption `path` has the value x, bit for bit. */
static int holds(const Scenario *s, const char *path, double x)
{
    for (int i = 0; i < scenario_assumption_count(s); i++)
        if (!strcmp(scenario_assumption(s, i)->path, path)) return scenario_assumption(s, i)->value == x;
    return 0;
}

static void on_point(void *arg, const SweepPoint *p)
{
    Seen *s = arg;
    ck_assert_int_lt(s->n, MAXSEEN);
    s->index[s->n] = p->index;
    for (int v = 0; p->values && v < 2; v++) s->values[s->n][v] = p->values[v];
    SummaryStat st = { 0 };
    st.mean = NAN;
    if (p->batch) summary_stat(p->batch, 0, &st);
    s->mean[s->n] = st.mean;
    s->stopped[s->n] = p->batch ? batch_stopped(p->batch) : -1;
    s->exact[s->n] = p->values && p->scenario && holds(p->scenario, "routes.ship.loss", p->values[0]) &&
                     holds(p->scenario, "producers.factories.rate", p->values[1]);
    s->n++;
}

START_TEST(grid_points_are_their_batches)
{
    Scenario *base = load(SHIP, NULL, 0);
    /* loss in 4 steps from 0 to 0.2 (values that need 16 digits), the
     * factories' rate over its assumption's range in 2 steps. */
    SweepAxis axes[2] = { { "routes.ship.loss", 0, 0.2, 4, 1 }, { "producers.factories.rate", 0, 0, 0, 0 } };
    ck_assert(holds(base, "routes.ship.loss", 0.05));
    Diag d;
    diag_init(&d, SHIP);
    SweepGrid *g = sweep_grid_create(base, axes, 2, 2, &d);
    ck_assert_ptr_nonnull(g);
    ck_assert_int_eq(g->npoints, 8);
    /* lo + (hi - lo) * k / (steps - 1): the last is 0.2 * 3 / 3, one ulp
     * above 0.2 in doubles, and the sweep sets exactly that value. */
    const double loss[4] = { 0, 0.2 / 3, 0.4 / 3, 0.2 * 3 / 3 }, rate[2] = { 5000, 12000 };
    for (int k = 0; k < 4; k++) ck_assert(g->values[0][k] == loss[k]);
    for (int k = 0; k < 2; k++) ck_assert(g->values[1][k] == rate[k]);
    ck_assert(g->axes[1].lo == 5000 && g->axes[1].hi == 12000 && g->axes[1].steps == 2);

    Seen seen = { 0 };
    SweepSpec spec;
    spec_init(&spec, SHIP, NULL);
    spec.on_point = on_point;
    spec.arg = &seen;
    ck_assert_int_eq(sweep_grid_check(g, &spec, &d), SWEEP_OK);
    ck_assert_int_eq(sweep_grid_run(g, &spec, &d), SWEEP_OK);
    ck_assert_int_eq(diag_errors(&d), 0);
    ck_assert_int_eq(seen.n, 8);
    for (int p = 0; p < 8; p++) {
        /* The last axis varies fastest. */
        double l = loss[p / 2], r = rate[p % 2];
        ck_assert_int_eq(seen.index[p], p);
        ck_assert(seen.values[p][0] == l && seen.values[p][1] == r);
        ck_assert_int_eq(seen.stopped[p], 0);
        ck_assert_msg(seen.exact[p], "point %d: the scenario does not hold the point's values exactly", p);
        char s1[64], s2[64];
        snprintf(s1, sizeof s1, "routes.ship.loss=%.17g", l);
        snprintf(s2, sizeof s2, "producers.factories.rate=%.17g", r);
        const char *sets[2] = { s1, s2 };
        double want = batch_mean(SHIP, sets, 2, 0);
        ck_assert_msg(seen.mean[p] == want, "point %d: sweep %.17g, batch %.17g", p, seen.mean[p], want);
    }
    /* The parameters matter: a lossless high-rate point delivers more. */
    ck_assert(seen.mean[1] > seen.mean[6]);
    diag_fini(&d);
    sweep_grid_destroy(g);
    scenario_destroy(base);
}
END_TEST

START_TEST(tornado_rows_are_their_batches)
{
    Scenario *base = load(SHIP, NULL, 0);
    Seen seen = { 0 };
    SweepSpec spec;
    spec_init(&spec, SHIP, NULL);
    spec.on_point = on_point;
    spec.arg = &seen;
    const int metric = 0;   /* delivered */
    Diag d;
    diag_init(&d, SHIP);
    SweepTornado *t;
    ck_assert_int_eq(sweep_tornado(base, &spec, metric, &t, &d), SWEEP_OK);
    ck_assert_ptr_nonnull(t);
    ck_assert(t->base.mean == batch_mean(SHIP, NULL, 0, metric));
    ck_assert_ptr_nonnull(cJSON_GetObjectItemCaseSensitive(t->base_json, "mean"));
    /* Every ranged assumption, once. */
    int ranged = 0;
    for (int i = 0; i < scenario_assumption_count(base); i++) {
        const Assumption *as = scenario_assumption(base, i);
        if (!(as->hi > as->lo)) continue;
        ranged++;
        int found = 0;
        for (int k = 0; k < t->n; k++) found += t->rows[k].as == as;
        ck_assert_int_eq(found, 1);
    }
    ck_assert_int_eq(ranged, 2);
    ck_assert_int_eq(t->n, 2);
    for (int k = 0; k < t->n; k++) {
        const SweepEffect *e = &t->rows[k];
        char lo[96], hi[96];
        snprintf(lo, sizeof lo, "%s=%.17g", e->as->path, e->as->lo);
        snprintf(hi, sizeof hi, "%s=%.17g", e->as->path, e->as->hi);
        const char *slo[1] = { lo }, *shi[1] = { hi };
        double mlo = batch_mean(SHIP, slo, 1, metric), mhi = batch_mean(SHIP, shi, 1, metric);
        ck_assert_msg(e->low.mean == mlo && e->high.mean == mhi, "%s: %.17g %.17g vs %.17g %.17g", e->as->path,
                      e->low.mean, e->high.mean, mlo, mhi);
        ck_assert(e->effect == mhi - mlo);
        if (k > 0) ck_assert(fabs(t->rows[k - 1].effect) >= fabs(e->effect));
    }
    /* More factory output delivers more; more losses deliver less. */
    ck_assert_str_eq(t->rows[0].as->path, "producers.factories.rate");
    ck_assert(t->rows[0].effect > 0 && t->rows[1].effect < 0);
    /* The base point, then each row's low and high, in the scenario's order. */
    ck_assert_int_eq(seen.n, 5);
    for (int i = 0; i < 5; i++) ck_assert_int_eq(seen.index[i], i - 1);
    ck_assert(seen.mean[0] == t->base.mean);
    sweep_tornado_destroy(t);
    diag_fini(&d);
    scenario_destroy(base);
}
END_TEST

/* A Diag's messages in one string (for ck_assert_ptr_nonnull(strstr...)). */
static const char *first_msg(const Diag *d)
{
    return d->count > 0 ? d->items[0].msg : "";
}

START_TEST(errors_come_back)
{
    Scenario *base = load(SHIP, NULL, 0);
    Diag d;
    SweepSpec spec;
    spec_init(&spec, SHIP, NULL);

    diag_init(&d, SHIP);
    SweepAxis nosuch = { "routes.nosuch.loss", 0, 0, 0, 0 };
    ck_assert_ptr_null(sweep_grid_create(base, &nosuch, 1, 5, &d));
    ck_assert_ptr_nonnull(strstr(first_msg(&d), "no assumption record"));
    diag_fini(&d);

    diag_init(&d, SHIP);
    SweepAxis unranged = { "consumers.guns.rate", 0, 0, 0, 0 };
    ck_assert_ptr_null(sweep_grid_create(base, &unranged, 1, 5, &d));
    ck_assert_int_eq(diag_errors(&d), 1);
    diag_fini(&d);

    diag_init(&d, SHIP);
    SweepAxis big[2] = { { "routes.ship.loss", 0, 0.2, 100, 1 }, { "producers.factories.rate", 1, 2, 101, 1 } };
    ck_assert_ptr_null(sweep_grid_create(base, big, 2, 5, &d));
    ck_assert_ptr_nonnull(strstr(first_msg(&d), "more than 10000 points"));
    diag_fini(&d);

    /* A value the loader refuses stops the sweep before any batch runs. */
    diag_init(&d, SHIP);
    SweepAxis bad = { "routes.ship.loss", -1, 0, 2, 1 };
    SweepGrid *g = sweep_grid_create(base, &bad, 1, 5, &d);
    ck_assert_ptr_nonnull(g);
    ck_assert_int_eq(sweep_grid_check(g, &spec, &d), SWEEP_BAD_POINT);
    ck_assert_int_ge(diag_errors(&d), 1);
    sweep_grid_destroy(g);
    diag_fini(&d);

    /* An interrupted sweep hands over the stopped point and says so. */
    volatile sig_atomic_t stop = 1;
    Seen seen = { 0 };
    spec_init(&spec, SHIP, &stop);
    spec.on_point = on_point;
    spec.arg = &seen;
    diag_init(&d, SHIP);
    SweepAxis two = { "routes.ship.loss", 0, 0.2, 2, 1 };
    g = sweep_grid_create(base, &two, 1, 5, &d);
    ck_assert_int_eq(sweep_grid_run(g, &spec, &d), SWEEP_STOPPED);
    ck_assert_int_eq(seen.n, 1);
    ck_assert_int_eq(seen.stopped[0], 1);
    sweep_grid_destroy(g);
    SweepTornado *t = (SweepTornado *)1;
    ck_assert_int_eq(sweep_tornado(base, &spec, 0, &t, &d), SWEEP_STOPPED);
    ck_assert_ptr_null(t);
    diag_fini(&d);
    scenario_destroy(base);
}
END_TEST

START_TEST(tornado_without_ranges)
{
    /* ship.json with both ranges taken out. */
    char *text = slurp(SHIP);
    ck_assert_ptr_nonnull(text);
    cJSON *j = cJSON_Parse(text);
    free(text);
    cJSON *prod = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(j, "producers"), 0);
    cJSON *route = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(j, "routes"), 0);
    cJSON_ReplaceItemInObjectCaseSensitive(prod, "rate", cJSON_CreateNumber(8000));
    cJSON_ReplaceItemInObjectCaseSensitive(route, "loss", cJSON_CreateNumber(0.05));
    char *out = cJSON_Print(j);
    cJSON_Delete(j);
    const char *path = tmp("plain.json");
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(out, f);
    fclose(f);
    free(out);
    Scenario *base = load(path, NULL, 0);
    SweepSpec spec;
    spec_init(&spec, path, NULL);
    Diag d;
    diag_init(&d, path);
    SweepTornado *t;
    ck_assert_int_eq(sweep_tornado(base, &spec, 0, &t, &d), SWEEP_BAD_SPEC);
    ck_assert_ptr_null(t);
    ck_assert_ptr_nonnull(strstr(first_msg(&d), "has no assumption with a range"));
    diag_fini(&d);
    scenario_destroy(base);
}
END_TEST

/* Out of memory anywhere: a status and a message, never a crash or a leak
 * (make sanitize). Each allocation of a small tornado fails in turn (some
 * 700: the scenario loads, the batches and the sweep's own). */
START_TEST(out_of_memory_unwinds)
{
    Scenario *base = load(SHIP, NULL, 0);
    SweepSpec spec;
    spec_init(&spec, SHIP, NULL);
    spec.batch.runs = 8;
    spec.batch.threads = 1;
    uint64_t total = 0;
    int failed = 0;
    for (uint64_t n = 0; n <= total; n++) {
        Diag d;
        diag_init(&d, SHIP);
        SweepTornado *t;
        mem_fail_at(n ? n : UINT64_MAX);    /* n = 0: count them */
        SweepStatus st = sweep_tornado(base, &spec, 0, &t, &d);
        if (n == 0) total = mem_fail_count();
        mem_fail_at(0);
        if (n == 0) ck_assert_int_eq(st, SWEEP_OK);
        if (st != SWEEP_OK) {
            failed++;
            ck_assert_ptr_null(t);
            ck_assert_msg(st == SWEEP_FAILED || st == SWEEP_BAD_POINT || st == SWEEP_BAD_SPEC, "status %d", st);
            ck_assert_int_ge(diag_errors(&d), 1);
        }
        sweep_tornado_destroy(t);
        diag_fini(&d);
    }
    /* Most allocations are needed: their failure must have been seen. */
    ck_assert_int_gt(total, 100);
    ck_assert_int_gt(failed, (int)(total / 2));
    scenario_destroy(base);
}
END_TEST

Suite *suite_sweep(void)
{
    Suite *s = suite_create("sweep");
    TCase *tc = tcase_create("results");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, grid_points_are_their_batches);
    tcase_add_test(tc, tornado_rows_are_their_batches);
    suite_add_tcase(s, tc);
    tc = tcase_create("errors");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, errors_come_back);
    tcase_add_test(tc, tornado_without_ranges);
    tcase_add_test(tc, out_of_memory_unwinds);
    suite_add_tcase(s, tc);
    return s;
}
