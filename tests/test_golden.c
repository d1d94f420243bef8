/* test_golden.c — golden runs of the shipped scenarios: fixed seeds, the
 * trace's SHA-256 and the metrics compared with files under tests/golden/.
 * They catch any unintended change in behaviour. After a deliberate change
 * to a model, regenerate them with `make bless` (SALVO_BLESS=1) and review
 * the difference in the metrics file before committing. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "salvo.h"
#include "sha256.h"

typedef struct Hasher { Sha256 h; } Hasher;

static void hash_rec(void *ctx, const TraceRec *r)
{
    Hasher *H = ctx;
    /* Hash the fields one by one: struct padding must not count. */
    double f[3] = { r->t, r->x, r->y };
    int32_t i[4] = { r->kind, r->a, r->b, r->c };
    sha256_update(&H->h, f, sizeof f);
    sha256_update(&H->h, i, sizeof i);
}

/* One line per metric ("id value" with %.17g), then "trace SHA". */
static char *golden_text(const char *file, uint64_t seed)
{
    Diag d;
    diag_init(&d, file);
    Scenario *s = scenario_load(file, NULL, 0, &d);
    if (!s) diag_print(&d, stderr);
    diag_fini(&d);
    if (!s) return NULL;
    Hasher H;
    sha256_init(&H.h);
    TraceSink sink = { hash_rec, &H };
    Sim *sim = sim_create(s);
    sim_set_sink(sim, &sink);
    sim_reset(sim, seed, 0);
    sim_run(sim, INFINITY);
    int n = scenario_metric_count(s);
    double *v = calloc((size_t)n + 1, sizeof *v);
    sim_metrics(sim, v);
    size_t cap = 256 + (size_t)n * 128, len = 0;
    char *out = malloc(cap);
    for (int m = 0; m < n; m++)
        len += (size_t)snprintf(out + len, cap - len, "%s %.17g\n", scenario_metric(s, m)->id, v[m]);
    unsigned char dig[32];
    sha256_final(&H.h, dig);
    len += (size_t)snprintf(out + len, cap - len, "trace ");
    for (int i = 0; i < 32; i++) len += (size_t)snprintf(out + len, cap - len, "%02x", dig[i]);
    snprintf(out + len, cap - len, "\n");
    free(v);
    sim_destroy(sim);
    scenario_destroy(s);
    return out;
}

static const struct { const char *scenario, *golden; uint64_t seed; } CASES[] = {
    { "scenarios/korea-russia-2024.json", "tests/golden/korea-russia-2024.seed1.txt", 1 },
    { "scenarios/korea-russia-2024.json", "tests/golden/korea-russia-2024.seed2024.txt", 2024 },
    { "scenarios/korea-russia-interdiction.json", "tests/golden/korea-russia-interdiction.seed1.txt", 1 },
    { "scenarios/korea-russia-early-space-help.json", "tests/golden/korea-russia-early-space-help.seed1.txt", 1 },
    { "scenarios/korea-peninsula-crisis.json", "tests/golden/korea-peninsula-crisis.seed1.txt", 1 },
};

START_TEST(test_golden_run)
{
    const char *sc = CASES[_i].scenario, *gp = CASES[_i].golden;
    char *got = golden_text(sc, CASES[_i].seed);
    ck_assert_ptr_nonnull(got);
    if (getenv("SALVO_BLESS")) {
        FILE *f = fopen(gp, "wb");
        ck_assert_ptr_nonnull(f);
        fputs(got, f);
        fclose(f);
        free(got);
        return;
    }
    FILE *f = fopen(gp, "rb");
    ck_assert_msg(f != NULL, "%s is missing: run `make bless` to create it", gp);
    static char want[65536];
    size_t n = fread(want, 1, sizeof want - 1, f);
    want[n] = '\0';
    fclose(f);
    ck_assert_msg(strcmp(got, want) == 0,
                  "%s seed %llu differs from %s.\nIf the change is deliberate, run `make bless` and review.\ngot:\n%s",
                  sc, (unsigned long long)CASES[_i].seed, gp, got);
    free(got);
}
END_TEST

Suite *suite_golden(void)
{
    Suite *s = suite_create("golden");
    TCase *tc = tcase_create("shipped");
    tcase_add_loop_test(tc, test_golden_run, 0, (int)(sizeof CASES / sizeof CASES[0]));
    suite_add_tcase(s, tc);
    return s;
}
