/* test_mpi.c — `salvo batch --mpi` and `compare --mpi` end to end: the built
 * binary (SALVO_BIN) under mpirun with 1, 2 and 3 ranks on
 * tests/data/batch/ship.json, against the same batch in one process.
 *
 * What matters: the JSON summary outside "run" and the CSV are byte-
 * identical to a single process's with one thread, for any number of ranks
 * and threads; resuming and --target give the single-process result too;
 * bad input makes every rank exit 2 together, never a hang.
 *
 * mpirun runs with settings that work as root, on 2 cores, in a container
 * without network or ssh (MPIRUN below): --mca plm isolated (Open MPI 4.1
 * refuses to start even local ranks when no ssh/rsh is on PATH: "plm_rsh_
 * agent: ssh : rsh ... could not be found", exit 243), shared memory only,
 * and no single-copy (CMA needs ptrace rights a container may not grant).
 * Every mpirun is under timeout(1), so a hang fails instead of blocking.
 *
 * Sanitizer build (make sanitize): Open MPI's own allocations at MPI_Init
 * and MPI_Finalize are reported by LeakSanitizer (some from plugins it has
 * unloaded, so no suppression file can name them). Processes that start
 * MPI therefore run with detect_leaks=0; ASan and UBSan stay on, and every
 * other suite keeps its leak checks. This is said on stderr when it applies.
 *
 * A binary built without MPI (no ompi-c when it was built) must say so for
 * --mpi and exit 2; then the other tests report that they did not run, and
 * why, on stderr. If the build found MPI (SALVO_BIN_MPI) they must run: a
 * missing mpirun is a failure.
 */
#include <check.h>
#include "testutil.h"
#include <dirent.h>
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
#define MPIRUN "timeout -k 5 120 mpirun --allow-run-as-root --oversubscribe --mca plm isolated " \
               "--mca btl self,vader --mca btl_vader_single_copy_mechanism none"

#if defined(__SANITIZE_ADDRESS__)
#define MPI_ENV "ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 "
#else
#define MPI_ENV ""
#endif

/* `salvo ARGS` (as testutil's salvo), under mpirun with np ranks when
 * np > 0. */
static int salvo_ranks(int np, const char *args)
{
    char prefix[512];
    snprintf(prefix, sizeof prefix, "%s%s", strstr(args, "--mpi") ? MPI_ENV : "", np > 0 ? MPIRUN : "");
    if (np > 0) snprintf(prefix + strlen(prefix), sizeof prefix - strlen(prefix), " -np %d", np);
    return salvo_env(prefix, args);
}


/* 1 if the binary can run --mpi. 0 (and a note on stderr) if it was built
 * without MPI, which it must say clearly; a build that found MPI must have
 * it, and mpirun must be there. */
static int have_mpi(const char *test)
{
    int rc = salvo_ranks(0, "batch " SHIP " --runs 64 --quiet --mpi");
    char *err = slurp(tmp("err.txt"));
    int none = rc == 2 && err && strstr(err, "this build has no MPI");
    free(err);
#ifdef SALVO_BIN_MPI
    ck_assert_msg(!none, "%s was built with MPI (ompi-c found) but says it has none", salvo_bin());
#endif
    if (none) {
        fprintf(stderr, "suite_mpi: %s NOT RUN: %s was built without MPI (pkg-config ompi-c not found, "
                "or NO_MPI=1)\n", test, salvo_bin());
        return 0;
    }
    ck_assert_msg(rc == 0, "salvo batch --mpi as a singleton (no mpirun) failed: exit %d", rc);
    if (*MPI_ENV) {
        static int said;
        if (!said++)
            fprintf(stderr, "suite_mpi: sanitizer build: runs that start MPI have LeakSanitizer off (Open "
                    "MPI's own allocations); ASan and UBSan stay on\n");
    }
    ck_assert_msg(system("command -v mpirun >/dev/null 2>&1") == 0,
                  "%s has MPI but mpirun is not on PATH (install openmpi-bin)", salvo_bin());
    return 1;
}

/* 1, 2 and 3 ranks (1 or 2 threads each) give the single-process summary
 * and CSV byte for byte: 3000 runs = 46 blocks + 56, so every rank owns a
 * block and the last one is short. */
START_TEST(ranks_give_identical_summary_and_csv)
{
    if (!have_mpi("ranks_give_identical_summary_and_csv")) return;
    char args[768];
    snprintf(args, sizeof args, "batch " SHIP " --runs 3000 --threads 1 --seed 9 --json %s --csv %s --quiet",
             tmp("ref.json"), tmp("ref.csv"));
    ck_assert_int_eq(salvo_ranks(0, args), 0);
    char *ref = summary_body(tmp("ref.json")), *ref_csv = slurp(tmp("ref.csv"));
    ck_assert_ptr_nonnull(ref_csv);
    static const struct { int np, threads; } cases[] = { { 1, 1 }, { 2, 1 }, { 3, 1 }, { 2, 2 } };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        snprintf(args, sizeof args, "batch " SHIP " --runs 3000 --threads %d --seed 9 --json %s --csv %s --mpi",
                 cases[i].threads, tmp("m.json"), tmp("m.csv"));
        int rc = salvo_ranks(cases[i].np, args);
        char *err = slurp(tmp("err.txt"));
        ck_assert_msg(rc == 0, "-np %d: exit %d; stderr:\n%.500s", cases[i].np, rc, err ? err : "");
        free(err);
        char *b = summary_body(tmp("m.json")), *c = slurp(tmp("m.csv"));
        ck_assert_msg(strcmp(ref, b) == 0, "-np %d --threads %d: the summary differs", cases[i].np,
                      cases[i].threads);
        ck_assert_msg(c && strcmp(ref_csv, c) == 0, "-np %d --threads %d: the CSV differs", cases[i].np,
                      cases[i].threads);
        free(b);
        free(c);
        /* "run" records the ranks; only rank 0 printed the table. */
        cJSON *j = load_json(tmp("m.json"));
        cJSON *run = cJSON_GetObjectItem(j, "run");
        ck_assert_int_eq(cJSON_GetObjectItem(run, "ranks")->valueint, cases[i].np);
        ck_assert_int_eq(cJSON_GetObjectItem(run, "threads")->valueint, cases[i].threads);
        ck_assert_double_eq(cJSON_GetObjectItem(run, "runs_completed")->valuedouble, 3000);
        cJSON_Delete(j);
        char *out = slurp(tmp("out.txt"));
        ck_assert_ptr_nonnull(out);
        char *first = strstr(out, "3000 replications"), *again = first ? strstr(first + 1, "3000 replications") : NULL;
        ck_assert_msg(first && !again, "-np %d: expected the table once on stdout:\n%.500s", cases[i].np, out);
        free(out);
    }
    free(ref);
    free(ref_csv);
}
END_TEST

/* A checkpoint of 1000 runs resumed by 3 ranks to 3000 (the short block 15
 * goes to rank 0), and --target under 2 ranks: the single-process results. */
START_TEST(resume_and_target_under_mpi)
{
    if (!have_mpi("resume_and_target_under_mpi")) return;
    char args[768];
    snprintf(args, sizeof args, "batch " SHIP " --runs 3000 --threads 2 --seed 9 --json %s --csv %s --quiet",
             tmp("ref.json"), tmp("ref.csv"));
    ck_assert_int_eq(salvo_ranks(0, args), 0);
    snprintf(args, sizeof args, "batch " SHIP " --runs 1000 --seed 9 --json %s --csv %s --checkpoint %s --quiet",
             tmp("r.json"), tmp("r.csv"), tmp("ck"));
    ck_assert_int_eq(salvo_ranks(0, args), 0);
    snprintf(args, sizeof args,
             "batch " SHIP " --runs 3000 --threads 1 --seed 9 --json %s --csv %s --checkpoint %s --resume --mpi",
             tmp("r.json"), tmp("r.csv"), tmp("ck"));
    ck_assert_int_eq(salvo_ranks(3, args), 0);
    assert_same_batch(tmp("ref.json"), tmp("ref.csv"), tmp("r.json"), tmp("r.csv"));

    /* The target is checked every 1024 runs on rank 0's totals: it stops
     * at the same round, and the other ranks' extra blocks are dropped. */
    snprintf(args, sizeof args, "batch " SHIP " --runs 100000 --seed 9 --target delivered:3000 --json %s --quiet",
             tmp("t0.json"));
    ck_assert_int_eq(salvo_ranks(0, args), 0);
    snprintf(args, sizeof args,
             "batch " SHIP " --runs 100000 --threads 1 --seed 9 --target delivered:3000 --json %s --mpi",
             tmp("t2.json"));
    ck_assert_int_eq(salvo_ranks(2, args), 0);
    assert_same_batch(tmp("t0.json"), NULL, tmp("t2.json"), NULL);
    cJSON *j = load_json(tmp("t2.json"));
    cJSON *run = cJSON_GetObjectItem(j, "run");
    double done = cJSON_GetObjectItem(run, "runs_completed")->valuedouble;
    ck_assert(done < 100000 && (long)done % 1024 == 0);
    ck_assert(cJSON_IsTrue(cJSON_GetObjectItem(cJSON_GetObjectItem(run, "target"), "met")));
    cJSON_Delete(j);
}
END_TEST

/* compare --mpi: the paired summary and CSV of one process. */
START_TEST(compare_under_mpi)
{
    if (!have_mpi("compare_under_mpi")) return;
    char args[768];
    snprintf(args, sizeof args, "compare " SHIP " " RISKY " --runs 2000 --threads 1 --json %s --csv %s --quiet",
             tmp("c0.json"), tmp("c0.csv"));
    ck_assert_int_eq(salvo_ranks(0, args), 0);
    snprintf(args, sizeof args, "compare " SHIP " " RISKY " --runs 2000 --threads 1 --json %s --csv %s --mpi",
             tmp("c3.json"), tmp("c3.csv"));
    ck_assert_int_eq(salvo_ranks(3, args), 0);
    assert_same_batch(tmp("c0.json"), tmp("c0.csv"), tmp("c3.json"), tmp("c3.csv"));
}
END_TEST

/* Bad input: every rank exits 2 together (no hang: timeout(1) would give
 * 124), the message comes once, and nothing is written. */
START_TEST(bad_input_stops_every_rank)
{
    if (!have_mpi("bad_input_stops_every_rank")) return;
    static const char *const bad[] = {
        "batch tests/data/batch/none.json --mpi",
        "batch " SHIP " --runs 0 --mpi",
        "batch " SHIP " --frobnicate --mpi",
        "batch " SHIP " --target nothing:1 --mpi",
        "batch " SHIP " --json /nonexistent-dir/s.json --mpi",
        "compare " SHIP " tests/data/batch/none.json --mpi",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char args[512];
        snprintf(args, sizeof args, "%s --csv %s", bad[i], tmp("never.csv"));
        int rc = salvo_ranks(3, args);
        char *err = slurp(tmp("err.txt"));
        ck_assert_msg(rc == 2, "'%s': exit %d, expected 2; stderr:\n%.500s", bad[i], rc, err ? err : "");
        ck_assert_msg(access(tmp("never.csv"), F_OK) != 0, "'%s' wrote a CSV", bad[i]);
        /* One rank speaks: the first line of the message appears once. */
        char line[200];
        snprintf(line, sizeof line, "%s", err);
        char *nl = strchr(line, '\n');
        if (nl) *nl = '\0';
        ck_assert_msg(strlen(line) > 5 && strstr(strstr(err, line) + 1, line) == NULL,
                      "'%s': the message is repeated:\n%.500s", bad[i], err);
        free(err);
    }
    /* --help under mpirun: the usage once, exit 0. */
    ck_assert_int_eq(salvo_ranks(2, "batch --help --mpi"), 0);
    char *out = slurp(tmp("out.txt"));
    char *u = strstr(out, "usage: salvo batch");
    ck_assert(u && !strstr(u + 1, "usage: salvo batch"));
    free(out);
}
END_TEST

/* SIGTERM to every rank (what a batch system sends): each stops claiming
 * blocks, rank 0 writes partial outputs holding a prefix of whole blocks,
 * every rank exits 130; resuming under MPI completes to the uninterrupted
 * result. */
START_TEST(sigterm_to_ranks_then_resume)
{
    if (!have_mpi("sigterm_to_ranks_then_resume")) return;
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "exec env %s" MPIRUN " -np 3 %s batch " SHIP " --runs 5000000 --threads 1 --json %s "
             "--csv %s --checkpoint %s --quiet --mpi >%s/out.txt 2>%s/err.txt",
             MPI_ENV, salvo_bin(), tmp("b.json"), tmp("b.csv"), tmp("ck"), dir, dir);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
        _exit(127);
    }
    /* pid is timeout(1); its child is mpirun, whose children are the ranks. */
    ck_assert_msg(wait_partial_output("b.csv", 60), "no CSV rows after 60 s");
    char kill_ranks[128];
    snprintf(kill_ranks, sizeof kill_ranks, "pkill -TERM -P \"$(pgrep -P %d)\"", (int)pid);
    ck_assert_int_eq(system(kill_ranks), 0);
    int st = 0;
    ck_assert_int_eq(waitpid(pid, &st, 0), pid);
    char *err = slurp(tmp("err.txt"));
    ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 130, "mpirun: status %d; stderr:\n%.500s", st, err);
    ck_assert_ptr_nonnull(strstr(err, "outputs are partial"));
    free(err);
    cJSON *j = load_json(tmp("b.json"));
    cJSON *run = cJSON_GetObjectItem(j, "run");
    ck_assert(cJSON_IsTrue(cJSON_GetObjectItem(run, "partial")));
    long done = (long)cJSON_GetObjectItem(run, "runs_completed")->valuedouble;
    cJSON_Delete(j);
    ck_assert_int_gt(done, 0);
    ck_assert_int_lt(done, 5000000);
    ck_assert_int_eq(done % 64, 0);
    char *csv = slurp(tmp("b.csv"));
    long rows = 0;
    for (char *p = csv; *p; p++) rows += *p == '\n';
    free(csv);
    ck_assert_int_eq(rows, done + 1);

    /* Resume to done + 1000 under 2 ranks: as one process running that many. */
    char args[768];
    snprintf(args, sizeof args, "batch " SHIP " --runs %ld --threads 1 --json %s --csv %s --checkpoint %s "
             "--resume --mpi", done + 1000, tmp("b.json"), tmp("b.csv"), tmp("ck"));
    ck_assert_int_eq(salvo_ranks(2, args), 0);
    snprintf(args, sizeof args, "batch " SHIP " --runs %ld --threads 2 --json %s --csv %s --quiet", done + 1000,
             tmp("a.json"), tmp("a.csv"));
    ck_assert_int_eq(salvo_ranks(0, args), 0);
    assert_same_batch(tmp("a.json"), tmp("a.csv"), tmp("b.json"), tmp("b.csv"));
}
END_TEST

/* A binary without MPI refuses --mpi with exit 2 and says why; one with
 * MPI runs as a singleton without mpirun (one rank). */
START_TEST(mpi_flag_without_mpirun)
{
    int rc = salvo_ranks(0, "batch " SHIP " --runs 100 --quiet --mpi");
    char *err = slurp(tmp("err.txt")), *out = slurp(tmp("out.txt"));
#ifdef SALVO_BIN_MPI
    ck_assert_msg(rc == 0, "exit %d; stderr:\n%.500s", rc, err);
    ck_assert_ptr_nonnull(strstr(out, "1 rank x "));
#else
    ck_assert_int_eq(rc, 2);
    ck_assert_ptr_nonnull(strstr(err, "this build has no MPI"));
    fprintf(stderr, "suite_mpi: %s has no MPI; only its refusal of --mpi was tested\n", salvo_bin());
#endif
    free(err);
    free(out);
}
END_TEST

/* The record check is folded like every other statistic: the default
 * scenario's "record" under 2 ranks is the single process's, bit for bit. */
START_TEST(record_under_mpi)
{
    if (!have_mpi("record_under_mpi")) return;
    char args[768];
    snprintf(args, sizeof args, "batch scenarios/korea-russia-2024.json --runs 640 --threads 1 --seed 4 --json %s "
             "--quiet", tmp("ref.json"));
    ck_assert_int_eq(salvo_ranks(0, args), 0);
    snprintf(args, sizeof args, "batch scenarios/korea-russia-2024.json --runs 640 --threads 1 --seed 4 --json %s "
             "--mpi", tmp("m.json"));
    ck_assert_int_eq(salvo_ranks(2, args), 0);
    char *ref = summary_body(tmp("ref.json")), *b = summary_body(tmp("m.json"));
    ck_assert_msg(strcmp(ref, b) == 0, "the summary differs under 2 ranks");
    free(ref);
    free(b);
    cJSON *x = load_json(tmp("ref.json")), *y = load_json(tmp("m.json"));
    char *rx = cJSON_PrintUnformatted(cJSON_GetObjectItem(x, "record"));
    char *ry = cJSON_PrintUnformatted(cJSON_GetObjectItem(y, "record"));
    ck_assert_ptr_nonnull(rx);
    ck_assert_ptr_nonnull(ry);
    ck_assert_msg(strstr(rx, "\"pit\"") != NULL, "no record check: %.200s", rx);
    ck_assert_msg(strcmp(rx, ry) == 0, "the record check differs under 2 ranks");
    free(rx);
    free(ry);
    cJSON_Delete(x);
    cJSON_Delete(y);
}
END_TEST

/* fit --mpi and discover --mpi: the JSON (and fit's weights) of one
 * process with one thread, byte for byte, under 2 and 3 ranks; a fit
 * checkpointed by one process and resumed by 3 ranks ends the same. */
START_TEST(fit_and_discover_under_mpi)
{
    if (!have_mpi("fit_and_discover_under_mpi")) return;
    char args[768];
    static const char fit[] = "fit scenarios/verify/abc-recover.json --runs 3000 --seed 4 --top 3";
    snprintf(args, sizeof args, "%s --threads 1 --json %s --csv %s", fit, tmp("f0.json"), tmp("f0.csv"));
    ck_assert_int_eq(salvo_ranks(0, args), 0);
    char *ref = summary_body(tmp("f0.json")), *ref_csv = slurp(tmp("f0.csv"));
    ck_assert_ptr_nonnull(ref_csv);
    static const struct { int np, threads; } cases[] = { { 2, 1 }, { 3, 2 } };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        snprintf(args, sizeof args, "%s --threads %d --json %s --csv %s --mpi", fit, cases[i].threads, tmp("f.json"),
                 tmp("f.csv"));
        int rc = salvo_ranks(cases[i].np, args);
        char *err = slurp(tmp("err.txt"));
        ck_assert_msg(rc == 0, "fit -np %d: exit %d; stderr:\n%.500s", cases[i].np, rc, err ? err : "");
        free(err);
        char *b = summary_body(tmp("f.json")), *c = slurp(tmp("f.csv"));
        ck_assert_msg(strcmp(ref, b) == 0, "fit -np %d: the JSON differs", cases[i].np);
        ck_assert_msg(c && strcmp(ref_csv, c) == 0, "fit -np %d: the weights differ", cases[i].np);
        free(b);
        free(c);
        cJSON *j = load_json(tmp("f.json"));
        ck_assert_int_eq(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "run"), "ranks")->valueint, cases[i].np);
        cJSON_Delete(j);
        char *out = slurp(tmp("out.txt"));
        char *first = strstr(out, "ABC fit:");
        ck_assert_msg(first && !strstr(first + 1, "ABC fit:"), "fit -np %d: the report once:\n%.300s", cases[i].np,
                      out);
        free(out);
    }
    /* Checkpoint of 1000 by one process, resumed to 3000 by 3 ranks. */
    snprintf(args, sizeof args, "fit scenarios/verify/abc-recover.json --runs 1000 --seed 4 --top 3 --checkpoint %s "
             "--json %s", tmp("ck"), tmp("r.json"));
    ck_assert_int_eq(salvo_ranks(0, args), 0);
    snprintf(args, sizeof args, "%s --threads 1 --checkpoint %s --resume --json %s --mpi", fit, tmp("ck"),
             tmp("r.json"));
    ck_assert_int_eq(salvo_ranks(3, args), 0);
    char *b = summary_body(tmp("r.json"));
    ck_assert_msg(strcmp(ref, b) == 0, "fit resumed under 3 ranks differs");
    free(b);
    free(ref);
    free(ref_csv);
    static const char disc[] = "discover scenarios/verify/prim-box.json --metric planted --where 'planted == 1' "
                               "--runs 3000 --seed 2";
    snprintf(args, sizeof args, "%s --threads 1 --json %s", disc, tmp("d0.json"));
    ck_assert_int_eq(salvo_ranks(0, args), 0);
    snprintf(args, sizeof args, "%s --threads 1 --json %s --mpi", disc, tmp("d2.json"));
    ck_assert_int_eq(salvo_ranks(2, args), 0);
    char *x = summary_body(tmp("d0.json")), *y = summary_body(tmp("d2.json"));
    ck_assert_msg(strcmp(x, y) == 0, "discover under 2 ranks differs");
    free(x);
    free(y);
    /* Bad input stops every rank with 2, once. */
    ck_assert_int_eq(salvo_ranks(2, "fit tests/data/batch/none.json --mpi"), 2);
    ck_assert_int_eq(salvo_ranks(2, "discover scenarios/verify/prim-box.json --metric nothing --where 'nothing > 1' --mpi"),
                     2);
}
END_TEST

Suite *suite_mpi(void)
{
    Suite *s = suite_create("mpi");
    TCASE(s, "mpirun", 600, SCRATCH, mpi_flag_without_mpirun, ranks_give_identical_summary_and_csv,
          resume_and_target_under_mpi, compare_under_mpi, record_under_mpi, bad_input_stops_every_rank,
          sigterm_to_ranks_then_resume, fit_and_discover_under_mpi);
    return s;
}
