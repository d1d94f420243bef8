/* test_cli_batch.c — `salvo batch`, `compare` and `sweep` end to end, by
 * running the built binary (SALVO_BIN) on tests/data/batch/ship.json: one
 * sea route whose voyages are lost with probability 0.05 (ship-risky.json:
 * 0.06, nothing else differs).
 *
 * What matters here: the JSON summary is the same for any thread count;
 * an interrupted batch writes partial outputs, exits 130 and resumes to the
 * exact uninterrupted result; compare's paired CI is much narrower than
 * independent runs'; sweeps and tornadoes have the right shape; bad
 * arguments fail with exit 2 before any work and write nothing.
 */
#include <check.h>
#include "testutil.h"
#include <dirent.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#define SHIP "tests/data/batch/ship.json"
#define RISKY "tests/data/batch/ship-risky.json"




static double num(cJSON *o, const char *a, const char *b, const char *c)
{
    cJSON *x = cJSON_GetObjectItem(o, a);
    if (b) x = cJSON_GetObjectItem(x, b);
    if (c) x = cJSON_GetObjectItem(x, c);
    ck_assert_msg(cJSON_IsNumber(x), "%s.%s.%s is not a number", a, b ? b : "", c ? c : "");
    return x->valuedouble;
}

START_TEST(json_same_for_threads_1_2_7)
{
    char *ref = NULL, *csv0 = NULL;
    const int threads[3] = { 1, 2, 7 };
    for (int i = 0; i < 3; i++) {
        ck_assert_int_eq(salvof("batch " SHIP " --runs 3000 --threads %d --seed 9 --json %s --csv %s",
                                threads[i], tmp("s.json"), tmp("r.csv")), 0);
        char *b = summary_body(tmp("s.json")), *c = slurp(tmp("r.csv"));
        if (!ref) {
            ref = b;
            csv0 = c;
            continue;
        }
        ck_assert_str_eq(ref, b);
        ck_assert_str_eq(csv0, c);
        free(b);
        free(c);
    }
    /* The summary has what the issue asks for. */
    cJSON *j = load_json(tmp("s.json"));
    cJSON *m = cJSON_GetObjectItem(j, "metrics");
    ck_assert_double_eq(num(m, "delivered", "n", NULL), 3000);
    static const char *const keys[] = { "mean", "sd", "min", "p5", "p25", "median", "p75", "p95", "max",
                                        "halfwidth" };
    for (size_t k = 0; k < sizeof keys / sizeof *keys; k++) (void)num(m, "delivered", keys[k], NULL);
    ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(cJSON_GetObjectItem(m, "delivered"), "ci95")), 2);
    (void)num(m, "first_loss", "never_fraction", NULL);
    ck_assert_int_gt(cJSON_GetArraySize(cJSON_GetObjectItem(cJSON_GetObjectItem(m, "first_loss"), "cdf")), 10);
    ck_assert_ptr_nonnull(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "series"), "front_stock"));
    cJSON *run = cJSON_GetObjectItem(j, "run");
    ck_assert_str_eq(cJSON_GetObjectItem(run, "scenario")->valuestring, "batch-ship");
    ck_assert_int_eq((int)strlen(cJSON_GetObjectItem(run, "sha256")->valuestring), 64);
    ck_assert_str_eq(cJSON_GetObjectItem(run, "seed")->valuestring, "9");
    ck_assert_int_eq(cJSON_GetObjectItem(run, "threads")->valueint, 7);
    ck_assert_ptr_nonnull(strstr(cJSON_GetObjectItem(run, "command")->valuestring, "--threads 7"));
    ck_assert(cJSON_IsFalse(cJSON_GetObjectItem(run, "partial")));
    cJSON_Delete(j);
    /* CSV: a header and one row per replication, an empty cell for no loss. */
    ck_assert(strncmp(csv0, "rep,seed_key,delivered,lost,first_loss,three_losses,front_stock\n0,", 66) == 0);
    int rows = 0;
    for (char *p = csv0; *p; p++) rows += *p == '\n';
    ck_assert_int_eq(rows, 3001);
    ck_assert_ptr_null(strstr(csv0, "never"));
    ck_assert_ptr_nonnull(strstr(csv0, ",,"));
    free(ref);
    free(csv0);
    /* The table on stdout. */
    ck_assert(file_has(tmp("out.txt"), "3000 replications"));
    ck_assert(file_has(tmp("out.txt"), "delivered"));
    ck_assert(file_has(tmp("out.txt"), "P(first_loss by"));
}
END_TEST

/* Finish a finished batch with a larger --runs: identical to one batch. */
START_TEST(resume_extends)
{
    ck_assert_int_eq(salvof("batch " SHIP " --runs 2500 --threads 2 --json %s --csv %s --quiet",
                            tmp("a.json"), tmp("a.csv")), 0);
    ck_assert_int_eq(salvof("batch " SHIP " --runs 1000 --threads 3 --json %s --csv %s --checkpoint %s --quiet",
                            tmp("b.json"), tmp("b.csv"), tmp("ck")), 0);
    ck_assert_int_eq(salvof("batch " SHIP " --runs 2500 --threads 1 --json %s --csv %s --checkpoint %s --resume --quiet",
                            tmp("b.json"), tmp("b.csv"), tmp("ck")), 0);
    assert_same_batch(tmp("a.json"), tmp("a.csv"), tmp("b.json"), tmp("b.csv"));
    /* Resuming with another --set is refused: the inputs differ. */
    ck_assert_int_eq(salvof("batch " SHIP " --runs 3000 --checkpoint %s --resume --set routes.ship.loss=0.1",
                            tmp("ck")), 2);
    ck_assert(file_has(tmp("err.txt"), "other inputs"));
}
END_TEST

/* SIGINT: in-flight replications finish, outputs are written and marked
 * partial, the exit status is 130; --resume completes to the identical
 * result. One thread, 60000 runs; the signal comes once rows are flowing. */
START_TEST(interrupt_and_resume)
{
    ck_assert_int_eq(salvof("batch " SHIP " --runs 60000 --threads 2 --json %s --csv %s --quiet",
                            tmp("a.json"), tmp("a.csv")), 0);

    pid_t pid = salvo_spawn("batch", SHIP, "--runs", "60000", "--threads", "1", "--json", tmp("b.json"), "--csv",
                            tmp("b.csv"), "--checkpoint", tmp("ck"), "--quiet", (char *)NULL);
    /* Interrupt once the first rows have reached the temporary CSV: surely
     * mid-run, however fast the machine. */
    wait_partial_output("b.csv", 10);
    kill(pid, SIGINT);
    int st;
    ck_assert_int_eq(waitpid(pid, &st, 0), pid);
    ck_assert(WIFEXITED(st));
    ck_assert_int_eq(WEXITSTATUS(st), 130);
    cJSON *j = load_json(tmp("b.json"));
    cJSON *run = cJSON_GetObjectItem(j, "run");
    ck_assert(cJSON_IsTrue(cJSON_GetObjectItem(run, "partial")));
    double done = cJSON_GetObjectItem(run, "runs_completed")->valuedouble;
    ck_assert_double_gt(done, 0);
    ck_assert_double_lt(done, 60000);
    ck_assert_double_eq(num(j, "metrics", "delivered", "n"), done);
    cJSON_Delete(j);
    /* The partial CSV holds exactly the completed rows. */
    char *csv = slurp(tmp("b.csv"));
    int rows = 0;
    for (char *p = csv; *p; p++) rows += *p == '\n';
    ck_assert_int_eq(rows, (int)done + 1);
    free(csv);
    /* No temporary files are left behind. */
    char cmd[256];
    snprintf(cmd, sizeof cmd, "ls %s | grep -q tmp", dir);
    ck_assert_int_ne(system(cmd), 0);

    ck_assert_int_eq(salvof("batch " SHIP " --runs 60000 --threads 2 --json %s --csv %s --checkpoint %s --resume --quiet",
                            tmp("b.json"), tmp("b.csv"), tmp("ck")), 0);
    assert_same_batch(tmp("a.json"), tmp("a.csv"), tmp("b.json"), tmp("b.csv"));
}
END_TEST

/* Common random numbers: B loses voyages with p 0.06 instead of 0.05. The
 * paired CI of the difference in delivered shells is far narrower than the
 * CI two independent batches give (seeds 1 and 2, 4000 runs each). */
START_TEST(compare_crn_narrows_ci)
{
    ck_assert_int_eq(salvof("compare " SHIP " " RISKY " --runs 4000 --json %s --quiet", tmp("c.json")), 0);
    cJSON *c = load_json(tmp("c.json"));
    cJSON *m = cJSON_GetObjectItem(c, "metrics");
    double paired = num(m, "delivered", "diff", "halfwidth");
    double diff = num(m, "delivered", "diff", "mean");
    double vr = num(m, "delivered", "variance_reduction", NULL);
    ck_assert_double_lt(diff, 0);                       /* more losses, fewer shells */
    ck_assert_double_gt(vr, 4.0);
    ck_assert_double_le(num(m, "delivered", "b_better", NULL), 0.05);
    ck_assert_double_eq(num(m, "delivered", "diff", "n"), 4000);
    cJSON_Delete(c);

    ck_assert_int_eq(salvof("batch " SHIP " --runs 4000 --seed 1 --json %s --quiet", tmp("a.json")), 0);
    ck_assert_int_eq(salvof("batch " RISKY " --runs 4000 --seed 2 --json %s --quiet", tmp("b.json")), 0);
    cJSON *a = load_json(tmp("a.json")), *b = load_json(tmp("b.json"));
    double sa = num(a, "metrics", "delivered", "sd"), sb = num(b, "metrics", "delivered", "sd");
    double indep = 1.96 * sqrt((sa * sa + sb * sb) / 4000);
    ck_assert_msg(paired < indep / 2, "paired ±%g vs independent ±%g", paired, indep);
    /* The independent estimate is consistent with the paired one. */
    double da = num(b, "metrics", "delivered", "mean") - num(a, "metrics", "delivered", "mean");
    ck_assert_double_le(fabs(da - diff), indep + paired);
    cJSON_Delete(a);
    cJSON_Delete(b);
}
END_TEST

START_TEST(sweep_grid_and_tornado)
{
    ck_assert_int_eq(salvof("sweep " SHIP " --vary routes.ship.loss=0:0.2:3 --runs 300 --json %s --csv %s --quiet",
                            tmp("g.json"), tmp("g.csv")), 0);
    cJSON *g = load_json(tmp("g.json"));
    cJSON *pts = cJSON_GetObjectItem(g, "points");
    ck_assert_int_eq(cJSON_GetArraySize(pts), 3);
    double prev = INFINITY;
    for (int i = 0; i < 3; i++) {
        cJSON *p = cJSON_GetArrayItem(pts, i);
        ck_assert_double_eq_tol(num(p, "set", "routes.ship.loss", NULL), 0.1 * i, 1e-12);
        double mean = num(p, "metrics", "delivered", "mean");
        ck_assert_double_lt(mean, prev);                /* more loss, fewer shells */
        prev = mean;
    }
    /* With no losses nothing is lost: exactly zero. */
    ck_assert_double_eq(num(cJSON_GetArrayItem(pts, 0), "metrics", "lost", "mean"), 0);
    char *csv = slurp(tmp("g.csv"));
    ck_assert(strncmp(csv, "point,routes.ship.loss,delivered_mean,", 38) == 0);
    int rows = 0;
    for (char *p = csv; *p; p++) rows += *p == '\n';
    ck_assert_int_eq(rows, 4);
    free(csv);
    /* --vary PATH alone takes the assumption's range [0, 0.2]. */
    ck_assert_int_eq(salvof("sweep " SHIP " --vary routes.ship.loss --steps 3 --runs 300 --json %s --quiet",
                            tmp("h.json")), 0);
    cJSON *h = load_json(tmp("h.json"));
    cJSON *hp = cJSON_GetObjectItem(h, "points");
    ck_assert_int_eq(cJSON_GetArraySize(hp), 3);
    ck_assert_double_eq(num(cJSON_GetArrayItem(hp, 2), "set", "routes.ship.loss", NULL), 0.2);
    /* Same seed, same points: the same numbers as the explicit grid. */
    ck_assert_double_eq(num(cJSON_GetArrayItem(hp, 1), "metrics", "delivered", "mean"),
                        num(cJSON_GetArrayItem(pts, 1), "metrics", "delivered", "mean"));
    cJSON_Delete(g);
    cJSON_Delete(h);
    /* Two parameters: a 2 x 2 grid. */
    ck_assert_int_eq(salvof("sweep " SHIP " --vary routes.ship.loss=0:0.1:2 --vary producers.factories.rate=6000:9000:2 " "--runs 200 --json %s --quiet",
                            tmp("k.json")), 0);
    cJSON *k = load_json(tmp("k.json"));
    ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(k, "points")), 4);
    cJSON_Delete(k);

    /* Tornado: both ranged assumptions, ranked by |effect| on delivered. */
    ck_assert_int_eq(salvof("sweep " SHIP " --assumptions --metric delivered --runs 300 --json %s --quiet",
                            tmp("t.json")), 0);
    cJSON *t = load_json(tmp("t.json"));
    cJSON *as = cJSON_GetObjectItem(t, "assumptions");
    ck_assert_int_eq(cJSON_GetArraySize(as), 2);
    double e0 = num(cJSON_GetArrayItem(as, 0), "effect", NULL, NULL);
    double e1 = num(cJSON_GetArrayItem(as, 1), "effect", NULL, NULL);
    ck_assert_double_ge(fabs(e0), fabs(e1));
    ck_assert_str_eq(cJSON_GetObjectItem(cJSON_GetArrayItem(as, 0), "path")->valuestring,
                     "producers.factories.rate");
    ck_assert_double_lt(e1, 0);                         /* loss low -> high costs shells */
    cJSON_Delete(t);
}
END_TEST

/* The mean of `metric` in a `salvo batch` summary of SHIP with one --set. */
static double batch_mean_with(const char *set, const char *metric)
{
    char args[512];
    snprintf(args, sizeof args, "batch " SHIP " --runs 200 --seed 77 --threads 2 --quiet --json %s%s%s",
             tmp("one.json"), set ? " --set " : "", set ? set : "");
    ck_assert_int_eq(salvo(args), 0);
    cJSON *j = load_json(tmp("one.json"));
    double m = num(j, "metrics", metric, "mean");
    cJSON_Delete(j);
    return m;
}

/* Through the whole front end: each sweep point, the tornado's base and
 * each of its ends is the batch of the scenario with those values set
 * (the same seed and runs; sweep on another thread count): the same
 * numbers in the JSON. */
START_TEST(sweep_numbers_are_batches)
{
    char args[512];
    snprintf(args, sizeof args,
             "sweep " SHIP " --vary routes.ship.loss=0:0.2:3 --runs 200 --seed 77 --threads 1 --json %s --quiet",
             tmp("g.json"));
    ck_assert_int_eq(salvo(args), 0);
    cJSON *g = load_json(tmp("g.json"));
    cJSON *pts = cJSON_GetObjectItem(g, "points");
    const char *sets[3] = { "routes.ship.loss=0", "routes.ship.loss=0.1", "routes.ship.loss=0.2" };
    for (int i = 0; i < 3; i++)
        ck_assert_double_eq(num(cJSON_GetArrayItem(pts, i), "metrics", "lost", "mean"),
                            batch_mean_with(sets[i], "lost"));
    cJSON_Delete(g);
    snprintf(args, sizeof args,
             "sweep " SHIP " --assumptions --metric delivered --runs 200 --seed 77 --threads 1 --json %s --quiet",
             tmp("t.json"));
    ck_assert_int_eq(salvo(args), 0);
    cJSON *t = load_json(tmp("t.json"));
    ck_assert_double_eq(num(t, "base", "mean", NULL), batch_mean_with(NULL, "delivered"));
    cJSON *rate = cJSON_GetArrayItem(cJSON_GetObjectItem(t, "assumptions"), 0);
    ck_assert_str_eq(cJSON_GetObjectItem(rate, "path")->valuestring, "producers.factories.rate");
    double lo = batch_mean_with("producers.factories.rate=5000", "delivered");
    double hi = batch_mean_with("producers.factories.rate=12000", "delivered");
    ck_assert_double_eq(num(rate, "mean_low", NULL, NULL), lo);
    ck_assert_double_eq(num(rate, "mean_high", NULL, NULL), hi);
    /* (cJSON writes 15 significant digits when they read back within
     * DBL_EPSILON, so the difference of two written means can be off in
     * the last digits: the effect is compared within that.) */
    ck_assert_double_eq_tol(num(rate, "effect", NULL, NULL), hi - lo, 1e-12 * fabs(hi));
    cJSON_Delete(t);
}
END_TEST

/* --uncertainty draws each ranged assumption per replication: the spread
 * of delivered shells grows (the factories' rate ranges 5000..12000), the
 * result is still the same for any thread count. */
START_TEST(uncertainty_widens)
{
    ck_assert_int_eq(salvof("batch " SHIP " --runs 1000 --json %s --quiet", tmp("a.json")), 0);
    ck_assert_int_eq(salvof("batch " SHIP " --runs 1000 --uncertainty --threads 1 --json %s --quiet",
                            tmp("b.json")), 0);
    ck_assert_int_eq(salvof("batch " SHIP " --runs 1000 --uncertainty --threads 3 --json %s --quiet",
                            tmp("c.json")), 0);
    cJSON *a = load_json(tmp("a.json")), *b = load_json(tmp("b.json"));
    ck_assert_double_gt(num(b, "metrics", "delivered", "sd"), 2 * num(a, "metrics", "delivered", "sd"));
    ck_assert(cJSON_IsTrue(cJSON_GetObjectItem(cJSON_GetObjectItem(b, "run"), "uncertainty")));
    ck_assert(cJSON_IsFalse(cJSON_GetObjectItem(cJSON_GetObjectItem(a, "run"), "uncertainty")));
    char *tb = summary_body(tmp("b.json")), *tc = summary_body(tmp("c.json"));
    ck_assert_str_eq(tb, tc);
    free(tb);
    free(tc);
    cJSON_Delete(a);
    cJSON_Delete(b);
}
END_TEST

START_TEST(target_halfwidth)
{
    ck_assert_int_eq(salvof("batch " SHIP " --runs 100000 --target delivered:6000 --json %s --quiet",
                            tmp("t.json")), 0);
    cJSON *j = load_json(tmp("t.json"));
    double n = num(j, "run", "runs_completed", NULL);
    ck_assert_double_eq(fmod(n, 1024), 0);
    ck_assert_double_lt(n, 100000);
    ck_assert_double_le(num(j, "metrics", "delivered", "halfwidth"), 6000);
    ck_assert(cJSON_IsTrue(cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "run"), "target"), "met")));
    cJSON_Delete(j);
}
END_TEST

/* Bad arguments: exit 2, a message, and no output file. */
START_TEST(bad_arguments)
{
    struct { const char *args, *msg; } cases[] = {
        { "batch " SHIP " --runs 0", "--runs" },
        { "batch " SHIP " --runs -3", "--runs" },
        { "batch " SHIP " --runs ten", "--runs" },
        { "batch " SHIP " --frobnicate", "unknown option" },
        { "batch " SHIP " --set routes.ship.loss", "PATH=VALUE" },
        { "batch " SHIP " --set =3", "PATH=VALUE" },
        { "batch " SHIP " --json /nonexistent-dir/s.json", "cannot write" },
        { "batch " SHIP " --csv /nonexistent-dir/r.csv", "cannot write" },
        { "batch " SHIP " --target delivered", "METRIC:HALFWIDTH" },
        { "batch " SHIP " --target delivered:-1", "half-width" },
        { "batch " SHIP " --target nosuch:5", "no metric 'nosuch'" },
        { "batch " SHIP " --resume", "--checkpoint" },
        { "batch " SHIP " --threads 0", "--threads" },
        { "batch " SHIP " --set routes.ship.loss=7", "" },       /* the loader rejects p = 7 */
        { "batch tests/data/batch/nosuch.json", "" },
        { "batch", "scenario file" },
        { "compare " SHIP, "scenario files" },
        { "sweep " SHIP " --vary routes.ship.loss=0:1", "LO:HI:STEPS" },
        { "sweep " SHIP " --vary routes.ship.loss=a:1:3", "number" },
        { "sweep " SHIP " --vary routes.nosuch.loss", "no assumption" },
        { "sweep " SHIP, "nothing to vary" },
        { "sweep " SHIP " --assumptions", "--metric" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char args[512];
        snprintf(args, sizeof args, "%s --json %s", cases[i].args, tmp("x.json"));
        if (strstr(cases[i].args, "--json")) snprintf(args, sizeof args, "%s", cases[i].args);
        ck_assert_msg(salvo(args) == 2, "exit status of '%s'", args);
        char *err = slurp(tmp("err.txt"));
        ck_assert_msg(strstr(err, cases[i].msg) != NULL, "'%s': message '%s' lacks '%s'", args, err,
                      cases[i].msg);
        ck_assert_msg(strlen(err) > 0, "'%s' printed nothing", args);
        free(err);
        ck_assert_msg(access(tmp("x.json"), F_OK) != 0, "'%s' wrote output", args);
    }
    ck_assert_int_eq(salvo("batch --help"), 0);
    ck_assert(file_has(tmp("out.txt"), "usage: salvo batch"));
}
END_TEST


/* A scenario that asks for an endless storm of events: `salvo run` and
 * `salvo batch` stop, say why on stderr, and exit 1 instead of hanging or
 * passing partial metrics off as a result. */
START_TEST(halted_runs_are_reported)
{
    ck_assert_int_eq(salvof("run tests/data/storm.json --json"), 1);
    ck_assert(file_has(tmp("err.txt"), "halted"));
    ck_assert(file_has(tmp("err.txt"), "event storm"));
    ck_assert_int_eq(salvof("batch tests/data/storm.json --runs 3 --threads 2 --quiet --json %s", tmp("s.json")), 1);
    ck_assert(file_has(tmp("err.txt"), "3 replications were halted by the event limit; first, replication 0"));
}
END_TEST

Suite *suite_cli_batch(void)
{
    Suite *s = suite_create("cli_batch");
    TCASE(s, "batch", 120, SCRATCH, json_same_for_threads_1_2_7, resume_extends, interrupt_and_resume,
          target_halfwidth, uncertainty_widens, bad_arguments, halted_runs_are_reported);
    TCASE(s, "compare_sweep", 120, SCRATCH, compare_crn_narrows_ci, sweep_grid_and_tornado, sweep_numbers_are_batches);
    return s;
}
