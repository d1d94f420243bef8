/* test_oracle.c — the independent oracle (tests/oracle/, docs/oracle.md).
 *
 * - cases: each tests/oracle/cases/NAME.json has NAME.expected, values
 *   worked out by hand. The reference must give them (this checks the
 *   oracle itself), and so must the engine unless the file says
 *   `status open` (a reproducer of an engine bug not yet fixed).
 * - generated: 500 random deterministic scenarios, reference against
 *   engine, every metric and every sample; no discrepancy allowed, and few
 *   fragile scenarios (ties the documentation leaves open), else the check
 *   would quietly stop checking.
 * - the comparison can fail: a value moved by more than the tolerance is a
 *   difference, one moved by less is not.
 * - every generated scenario the check uses is valid for `salvo validate`.
 */
#include <check.h>
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oracle/oracle.h"
#include "testutil.h"

#define CASES "tests/oracle/cases"

static const OracleValue *lookup(const OracleResult *r, const char *key)
{
    char id[64];
    int k = -1;
    if (sscanf(key, "%63[^[][%d]", id, &k) < 1) return NULL;
    for (int m = 0; m < r->nmetrics; m++) {
        const OracleMetric *om = &r->metrics[m];
        if (strcmp(om->id, id) != 0) continue;
        if (!strchr(key, '[')) return &om->value;
        return k >= 0 && k < om->nseries ? &om->series[k] : NULL;
    }
    return NULL;
}

static int same(double got, double want)
{
    if (isinf(want) || isinf(got)) return got == want;
    return fabs(got - want) <= 1e-6 * (1 + fabs(want));
}

/* Check every "KEY VALUE" line of an .expected file against r; count misses. */
static int check_expected(const char *name, const char *who, const OracleResult *r, const char *expected)
{
    int misses = 0;
    char *copy = strdup(expected), *save = NULL;
    for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char key[96], val[64];
        if (line[0] == '#' || sscanf(line, "%95s %63s", key, val) != 2 || strcmp(key, "status") == 0) continue;
        double want = strcmp(val, "never") == 0 ? INFINITY : strtod(val, NULL);
        const OracleValue *v = lookup(r, key);
        int ok = v != NULL && v->n > 0;
        for (int k = 0; ok && k < v->n; k++) ok = same(v->alt[k], want);
        if (!ok) {
            fprintf(stderr, "%s: %s: %s = %.12g, expected %s\n", name, who, key, v && v->n ? v->alt[0] : NAN, val);
            misses++;
        }
    }
    free(copy);
    return misses;
}

START_TEST(test_cases)
{
    DIR *d = opendir(CASES);
    ck_assert_ptr_nonnull(d);
    struct dirent *e;
    int ncases = 0, misses = 0;
    while ((e = readdir(d))) {
        size_t n = strlen(e->d_name);
        if (n < 6 || strcmp(e->d_name + n - 5, ".json") != 0) continue;
        char path[512], exp[512];
        snprintf(path, sizeof path, "%s/%s", CASES, e->d_name);
        snprintf(exp, sizeof exp, "%s/%.*s.expected", CASES, (int)(n - 5), e->d_name);
        char *json = slurp_len(path, NULL), *expected = slurp_len(exp, NULL);
        ck_assert_msg(json && expected, "%s needs %s", path, exp);
        OracleResult ref, eng;
        ck_assert_msg(oracle_reference(json, &ORACLE_DOCUMENTED, &ref) == 0, "%s: %s", path, ref.why);
        ck_assert_msg(!ref.fragile, "%s: %s", path, ref.why);
        misses += check_expected(path, "reference", &ref, expected);
        if (!strstr(expected, "\nstatus open")) {
            ck_assert_msg(oracle_engine(json, &eng) == 0, "%s: %s", path, eng.why);
            misses += check_expected(path, "engine", &eng, expected);
            oracle_result_free(&eng);
        }
        oracle_result_free(&ref);
        free(json);
        free(expected);
        ncases++;
    }
    closedir(d);
    ck_assert_int_ge(ncases, 3);
    ck_assert_int_eq(misses, 0);
}
END_TEST

START_TEST(test_generated)
{
    static char report[1 << 14];
    char saved[64] = "";
    int differ = 0, failed = 0, fragile = 0;
    for (uint64_t seed = 1; seed <= 500; seed++) {
        int frag = 0;
        int d = oracle_check_seed(seed, &ORACLE_DOCUMENTED, NULL, &frag, report, sizeof report);
        fragile += frag;
        if (d != 0) {
            if (d < 0) failed++;
            else differ++;
            /* Save the scenario and both answers where a person can find them. */
            if (!saved[0]) {
                strcpy(saved, "/tmp/salvo-oracle-XXXXXX");
                if (!mkdtemp(saved)) saved[0] = '\0';
            }
            if (saved[0]) oracle_check_seed(seed, &ORACLE_DOCUMENTED, saved, &frag, report, sizeof report);
            if (differ + failed <= 5)
                fprintf(stderr, "oracle seed %llu (saved in %s; rerun: build/oracle -n 1 --from %llu):\n%s",
                        (unsigned long long)seed, saved[0] ? saved : "?", (unsigned long long)seed, report);
        }
    }
    ck_assert_msg(failed == 0, "%d generated scenarios failed to load or run", failed);
    ck_assert_msg(differ == 0, "%d of 500 generated scenarios differ from the reference", differ);
    /* Fragile scenarios are not compared: keep them a small minority. */
    ck_assert_int_le(fragile, 40);
}
END_TEST

START_TEST(test_compare_can_fail)
{
    char *json = oracle_generate(7);
    OracleResult ref, eng;
    ck_assert_int_eq(oracle_reference(json, &ORACLE_DOCUMENTED, &ref), 0);
    ck_assert_int_eq(oracle_engine(json, &eng), 0);
    int time_m = -1, total_m = -1;
    for (int m = 0; m < eng.nmetrics; m++) {
        if (eng.metrics[m].kind == OK_TOTAL && total_m < 0) total_m = m;
        if (eng.metrics[m].kind == OK_TIME && time_m < 0) time_m = m;
    }
    ck_assert_int_ge(total_m, 0);
    ck_assert_int_ge(time_m, 0);
    /* Make the "engine" agree exactly, then move one value at a time. */
    for (int m = 0; m < eng.nmetrics; m++) {
        eng.metrics[m].value.alt[0] = ref.metrics[m].value.alt[0];
        for (int k = 0; k < eng.metrics[m].nseries; k++) eng.metrics[m].series[k].alt[0] = ref.metrics[m].series[k].alt[0];
    }
    ck_assert_int_eq(oracle_compare(&ref, &eng, NULL, 0), 0);
    double *total = &eng.metrics[total_m].value.alt[0], keep = *total;
    *total = keep + 1e-3 + 1e-6 * fabs(keep);
    ck_assert_int_eq(oracle_compare(&ref, &eng, NULL, 0), 1);
    *total = keep + 1e-8;
    ck_assert_int_eq(oracle_compare(&ref, &eng, NULL, 0), 0);
    *total = keep;
    double *t = &eng.metrics[time_m].value.alt[0];
    *t = isinf(*t) ? 12.5 : *t + 1e-5;
    ck_assert_int_eq(oracle_compare(&ref, &eng, NULL, 0), 1);
    oracle_result_free(&ref);
    oracle_result_free(&eng);
    free(json);
}
END_TEST

START_TEST(test_generated_validate)
{
    char cmd[4096];
    int len = snprintf(cmd, sizeof cmd, "%s validate", salvo_bin());
    for (uint64_t seed = 1; seed <= 20; seed++) {
        char name[32];
        snprintf(name, sizeof name, "g%llu.json", (unsigned long long)seed);
        char *json = oracle_generate(seed);
        FILE *f = fopen(tmp(name), "w");
        ck_assert_ptr_nonnull(f);
        fputs(json, f);
        fclose(f);
        free(json);
        len += snprintf(cmd + len, sizeof cmd - (size_t)len, " %s", tmp(name));
    }
    snprintf(cmd + len, sizeof cmd - (size_t)len, " > %s 2>&1", tmp("out"));
    ck_assert_int_eq(system(cmd), 0);
}
END_TEST

Suite *suite_oracle(void)
{
    Suite *s = suite_create("oracle");
    TCASE(s, "cases", 0, NO_FIXTURE, test_cases);
    TCASE(s, "generated", 60, NO_FIXTURE, test_generated);
    TCASE(s, "compare", 0, NO_FIXTURE, test_compare_can_fail);
    TCASE(s, "validate", 0, SCRATCH, test_generated_validate);
    return s;
}
