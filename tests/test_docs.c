/* test_docs.c — the documentation's example scenario validates and runs,
 * so docs/scenario.md cannot drift from what the loader accepts. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "salvo.h"
#include "testutil.h"


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
    ck_assert_int_ge(scenario_metric_count(s), 4);
    Sim *sim = sim_create(s);
    sim_reset(sim, 1, 0);
    ck_assert_int_eq(sim_run(sim, INFINITY), SIM_DONE);
    double v[16];
    sim_metrics(sim, v);
    ck_assert(v[0] > 0);    /* shells were delivered */
    sim_destroy(sim);
    scenario_free(s);
    diag_free(&d);
    free(doc);
}
END_TEST

Suite *suite_docs(void)
{
    Suite *s = suite_create("docs");
    TCase *tc = tcase_create("example");
    tcase_add_test(tc, test_docs_example_runs);
    suite_add_tcase(s, tc);
    return s;
}
