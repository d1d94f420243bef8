/* test_docs.c — the documentation's example scenario validates and runs,
 * so docs/scenario.md cannot drift from what the loader accepts. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "salvo.h"
#include "testutil.h"


/* The trace's arrivals: how many, and the good cargo they delivered. */
typedef struct Arrivals { int n; double delivered; } Arrivals;

static void count_arrivals(void *ctx, const TraceRec *r)
{
    Arrivals *a = ctx;
    if (r->kind != TR_ARRIVE) return;
    a->n++;
    a->delivered += r->x;
}

START_TEST(test_docs_example_runs)
{
    char *doc = slurp("docs/scenario.md");
    ck_assert_ptr_nonnull(doc);
    char *a = strstr(doc, "<!-- example:begin -->");
    ck_assert_ptr_nonnull(a);
    a = strstr(a, "```json\n");
    ck_assert_ptr_nonnull(a);
    a += 8;
    char *b = strstr(a, "```\n<!-- example:end -->");
    ck_assert_ptr_nonnull(b);
    Diag d;
    diag_init(&d, "docs/scenario.md example");
    Scenario *s = scenario_load_buffer("docs example", a, (size_t)(b - a), NULL, 0, &d);
    if (!s) diag_print(&d, stderr);
    ck_assert_ptr_nonnull(s);
    /* The metrics the example declares, in its order and of its kinds. */
    static const char *const ids[] = { "delivered", "shortfall", "first_orbit", "orbit_by_sep", "front_level" };
    static const MetricKind kinds[] = { MET_TOTAL, MET_TOTAL, MET_TIME, MET_FLAG, MET_LEVEL };
    ck_assert_int_eq(scenario_metric_count(s), 5);
    for (int i = 0; i < 5; i++) {
        ck_assert_str_eq(scenario_metric(s, i)->id, ids[i]);
        ck_assert_int_eq(scenario_metric(s, i)->kind, kinds[i]);
    }
    ck_assert_int_eq(scenario_metric(s, 0)->better, 1);
    ck_assert_int_eq(scenario_metric(s, 1)->better, -1);
    ck_assert_double_eq(scenario_metric(s, 4)->series_dt, 30.0);
    Sim *sim = sim_create(s);
    Arrivals got;
    TraceSink sink = { count_arrivals, &got };
    sim_set_sink(sim, &sink);
    /* Each replication: the delivered metric is the sum of the trace's
     * arrivals, and no more than the arsenal ever held (100,000 + 10,000 a
     * day for 366 days); the flag is 0 or 1 and agrees with the time of the
     * first orbit away from the boundary day (t = 273 is 2024-09-30). */
    for (uint64_t rep = 0; rep < 20; rep++) {
        memset(&got, 0, sizeof got);
        sim_reset(sim, 1, rep);
        ck_assert_int_eq(sim_run(sim, INFINITY), SIM_DONE);
        double v[16];
        sim_metrics(sim, v);
        ck_assert_int_gt(got.n, 0);
        ck_assert_msg(fabs(v[0] - got.delivered) <= 1e-9 * got.delivered, "rep %d: delivered %.17g, arrivals %.17g",
                      (int)rep, v[0], got.delivered);
        ck_assert_double_le(v[0], 100000.0 + 10000.0 * 366);
        ck_assert_double_ge(v[1], 0.0);
        ck_assert(v[3] == 0.0 || v[3] == 1.0);
        if (v[2] < 273.0) ck_assert_double_eq(v[3], 1.0);
        if (!(v[2] < 274.0)) ck_assert_double_eq(v[3], 0.0);
    }
    sim_destroy(sim);
    scenario_destroy(s);
    diag_fini(&d);
    free(doc);
}
END_TEST

/* Every option that `salvo CMD --help` lists (printed from the option
 * tables in cli/) is in the man page and in docs/cli.md or
 * docs/batch.md, so the three cannot drift apart; and every command is in
 * both. */
START_TEST(test_docs_options_documented)
{
    static const char *const cmds[] = { "validate", "run", "batch", "compare", "sweep", "report", "fit", "discover",
#ifdef SALVO_HAVE_VIEW
                                        "view",
#endif
                                        "demo", "version", "help" };
    char *man = slurp("docs/salvo.1"), *cli = slurp("docs/cli.md"), *batch = slurp("docs/batch.md");
    ck_assert_ptr_nonnull(man);
    ck_assert_ptr_nonnull(cli);
    ck_assert_ptr_nonnull(batch);
    const char *bin = strchr(SALVO_BIN, '/') ? SALVO_BIN : "./" SALVO_BIN;
    int checked = 0;
    for (size_t i = 0; i < sizeof cmds / sizeof *cmds; i++) {
        char want[64];
        snprintf(want, sizeof want, ".B %s\n", cmds[i]);
        ck_assert_msg(strstr(man, want) != NULL, "docs/salvo.1 lacks the command %s", cmds[i]);
        snprintf(want, sizeof want, "## `salvo %s", cmds[i]);
        ck_assert_msg(strstr(cli, want) != NULL, "docs/cli.md lacks a section '%s'", want);
        char cmd[256];
        snprintf(cmd, sizeof cmd, "%s %s --help", bin, cmds[i]);
        FILE *p = popen(cmd, "r");
        ck_assert_ptr_nonnull(p);
        char line[512];
        int in_opts = 0;
        while (fgets(line, sizeof line, p)) {
            if (!strcmp(line, "options:\n")) in_opts = 1;
            if (!in_opts || strncmp(line, "  --", 4) != 0) continue;
            char name[64];
            size_t n = strcspn(line + 2, " \n");
            snprintf(name, sizeof name, "%.*s", (int)n, line + 2);
            char roff[128], *o = roff;
            for (const char *c = name; *c && o < roff + sizeof roff - 3; c++) {
                if (*c == '-') *o++ = '\\';
                *o++ = *c;
            }
            *o = '\0';
            ck_assert_msg(strstr(man, roff) != NULL, "docs/salvo.1 lacks %s (salvo %s)", name, cmds[i]);
            char md[80];
            snprintf(md, sizeof md, "`%s", name);
            ck_assert_msg(strstr(cli, md) || strstr(batch, md), "docs/cli.md lacks `%s` (salvo %s)", name, cmds[i]);
            checked++;
        }
        ck_assert_int_eq(pclose(p), 0);
    }
    ck_assert_int_ge(checked, 30);
    free(man);
    free(cli);
    free(batch);
}
END_TEST

Suite *suite_docs(void)
{
    Suite *s = suite_create("docs");
    TCASE(s, "example", 0, NO_FIXTURE, test_docs_example_runs, test_docs_options_documented);
    return s;
}
