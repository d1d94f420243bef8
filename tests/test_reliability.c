/* test_reliability.c — the promises of docs/reliability.md, by running the
 * built binary (SALVO_BIN, or $SALVO_TEST_BIN to try another build): no
 * output ever replaces an input or another output, special files are
 * written in place, write errors on stdout are not ignored, signals leave
 * no temporary files and a second one exits at once, bad paths and values
 * fail with exit 2 before any work.
 *
 * Each test here failed before the fix it guards (issue 13).
 */
#include <check.h>
#include "testutil.h"
#include <errno.h>
#include <math.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include "batch.h"
#include "salvo.h"
#include "stats.h"
#include "summary.h"
#include "trace.h"

#define SHIP "tests/data/batch/ship.json"
#define KR "scenarios/korea-russia-2024.json"

/* `salvo ARGS` with its output left to ARGS (a redirection, a pipe). */
static int salvo_raw(const char *args) { return salvo_to("", args, NULL, NULL); }

static void copy_file(const char *from, const char *to)
{
    size_t n;
    char *t = slurp_len(from, &n);
    ck_assert_ptr_nonnull(t);
    FILE *f = fopen(to, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(t, 1, n, f), n);
    fclose(f);
    free(t);
}

static int same_text(const char *path, const char *text)
{
    char *t = slurp(path);
    int ok = t && !strcmp(t, text);
    free(t);
    return ok;
}

/* Number of names in the scratch directory containing ".tmp.". */
static int temps_left(void)
{
    DIR *dp = opendir(dir);
    struct dirent *e;
    int n = 0;
    while (dp && (e = readdir(dp)) != NULL) n += strstr(e->d_name, ".tmp.") != NULL;
    if (dp) closedir(dp);
    return n;
}

static void wait_for(const char *stem)
{
    char prefix[128];
    snprintf(prefix, sizeof prefix, "%s.tmp.", stem);
    for (int tries = 0; tries < 200000; tries++) {
        DIR *dp = opendir(dir);
        struct dirent *e;
        int found = 0;
        while (dp && !found && (e = readdir(dp)) != NULL) found = !strncmp(e->d_name, prefix, strlen(prefix));
        if (dp) closedir(dp);
        if (found) return;
        struct timespec ts = { 0, 500 * 1000 };
        nanosleep(&ts, NULL);
    }
    ck_abort_msg("no temporary file for %s appeared", stem);
}

/* Item 1: an output that is an input or another output is refused, exit 2,
 * before any work, and the files are untouched. */
START_TEST(output_never_overwrites_input_or_output)
{
    char a[1024];
    copy_file(SHIP, tmp("sc.json"));
    char *orig = slurp(tmp("sc.json"));
    const char *cases[] = {
        "batch %s/sc.json --runs 5 --quiet --csv %s/sc.json",
        "batch %s/sc.json --runs 5 --quiet --json %s/sc.json",
        "batch %s/sc.json --runs 5 --quiet --checkpoint %s/sc.json",
        "batch %s/sc.json --runs 5 --quiet --json %s/./sc.json",
        "compare %s/sc.json " SHIP " --runs 5 --quiet --csv %s/sc.json",
        "sweep %s/sc.json --vary routes.ship.loss=0:0.1:2 --runs 5 --quiet --json %s/sc.json",
        "run %s/sc.json --trace %s/sc.json",
        "run %s/sc.json --trace %s/link.json",
        "assumptions %s/sc.json --csv %s/sc.json",
        "fit %s/sc.json --runs 5 --quiet --json %s/sc.json",
        "discover %s/sc.json --runs 5 --metric delivered --where 'delivered < 1' --quiet --json %s/sc.json",
        "report %s/sc.json -o %s/sc.json",
    };
    ck_assert_int_eq(symlink("sc.json", tmp("link.json")), 0);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        snprintf(a, sizeof a, cases[i], dir, dir);
        ck_assert_msg(salvo(a) == 2, "exit 2 expected: %s", a);
        ck_assert_msg(same_text(tmp("sc.json"), orig), "the scenario was changed by: %s", a);
    }
    free(orig);
    /* Two outputs on one file: neither is written. */
    ck_assert_int_eq(salvof("batch " SHIP " --runs 5 --quiet --json %s --csv %s", tmp("x"), tmp("x")), 2);
    ck_assert_int_ne(access(tmp("x"), F_OK), 0);
    write_text(tmp("ck"), "precious\n");
    ck_assert_int_eq(salvof("batch " SHIP " --runs 5 --quiet --checkpoint %s --json %s/./ck", tmp("ck"), dir), 2);
    ck_assert(same_text(tmp("ck"), "precious\n"));
    ck_assert(file_has(tmp("err.txt"), "same file as --json"));
    /* Two outputs to one character device are fine: nothing is replaced. */
    ck_assert_int_eq(salvo("batch " SHIP " --runs 5 --quiet --json /dev/null --csv /dev/null"), 0);
}
END_TEST

/* Item 2: a FIFO is written in place (not replaced by a regular file); a
 * symlink's target is replaced and the link stays; "-" is stdout. */
START_TEST(special_outputs_written_in_place)
{
    char a[1024];
    ck_assert_int_eq(mkfifo(tmp("fifo"), 0600), 0);
    int rd = open(tmp("fifo"), O_RDONLY | O_NONBLOCK);
    ck_assert_int_ge(rd, 0);
    ck_assert_int_eq(salvof("batch " SHIP " --runs 5 --quiet --csv %s", tmp("fifo")), 0);
    struct stat st;
    ck_assert_int_eq(lstat(tmp("fifo"), &st), 0);
    ck_assert_msg(S_ISFIFO(st.st_mode), "the FIFO was replaced");
    char buf[256];
    ssize_t n = read(rd, buf, sizeof buf - 1);
    ck_assert_int_gt(n, 0);
    buf[n] = '\0';
    ck_assert_msg(!strncmp(buf, "rep,seed_key,", 13), "the CSV did not reach the FIFO: '%s'", buf);
    close(rd);

    write_text(tmp("target.json"), "old\n");
    ck_assert_int_eq(symlink("target.json", tmp("link.json")), 0);
    ck_assert_int_eq(salvof("batch " SHIP " --runs 5 --quiet --json %s", tmp("link.json")), 0);
    ck_assert_int_eq(lstat(tmp("link.json"), &st), 0);
    ck_assert_msg(S_ISLNK(st.st_mode), "the link was replaced");
    ck_assert(file_has(tmp("target.json"), "\"metrics\""));

    snprintf(a, sizeof a, "batch " SHIP " --runs 5 --quiet --json - > %s", tmp("stdout.json"));
    ck_assert_int_eq(salvo_raw(a), 0);
    ck_assert(file_has(tmp("stdout.json"), "\"metrics\""));
    ck_assert_int_ne(access("-", F_OK), 0);
}
END_TEST

/* Item 5: a write error on standard output is exit 1 with a message. */
START_TEST(stdout_write_errors_fail)
{
    if (access("/dev/full", W_OK) != 0) return;
    char a[1024];
    const char *cases[] = {
        "run " KR " --json",
        "run " KR,
        "batch " SHIP " --runs 5 --quiet",
        "validate " KR,
        "compare " SHIP " tests/data/batch/ship-risky.json --runs 5 --quiet",
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        snprintf(a, sizeof a, "%s > /dev/full 2>%s", cases[i], tmp("err.txt"));
        ck_assert_msg(salvo_raw(a) == 1, "exit 1 expected: %s", a);
        char *err = slurp(tmp("err.txt"));
        ck_assert_msg(strstr(err, "standard output") != NULL, "no message for: %s", a);
        free(err);
    }
}
END_TEST

/* Item 6: SIGINT during `run --trace` leaves no temporary file and exits
 * 130. The run is held mid-way by a full stdout pipe nobody reads. */
START_TEST(run_sigint_leaves_no_temp)
{
    int p[2];
    ck_assert_int_eq(pipe(p), 0);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        close(p[0]);
        dup2(p[1], 1);
        int fd = open("/dev/null", O_WRONLY);
        if (fd >= 0) dup2(fd, 2);
        execl(salvo_bin(), salvo_bin(), "run", KR, "--verbose", "--trace", tmp("t.jsonl"), (char *)NULL);
        _exit(127);
    }
    close(p[1]);
    wait_for("t.jsonl");
    kill(pid, SIGINT);
    int st;
    ck_assert_int_eq(waitpid(pid, &st, 0), pid);
    close(p[0]);
    ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 130, "status %d", st);
    ck_assert_int_eq(temps_left(), 0);
    ck_assert_int_ne(access(tmp("t.jsonl"), F_OK), 0);
}
END_TEST

/* Item 6: the temporaries of a dead process (kill -9) are removed by the
 * next run over the same output; a live process's are left alone. */
START_TEST(stale_temps_removed)
{
    pid_t dead = fork();
    if (dead == 0) _exit(0);
    ck_assert_int_gt(dead, 0);
    waitpid(dead, NULL, 0);
    char name[256], live[256];
    snprintf(name, sizeof name, "%s/out.csv.tmp.%ld.1a2b3c", dir, (long)dead);
    snprintf(live, sizeof live, "%s/out.csv.tmp.%ld.1a2b3c", dir, (long)getpid());
    write_text(name, "half a file");
    write_text(live, "being written");
    ck_assert_int_eq(salvof("batch " SHIP " --runs 5 --quiet --csv %s", tmp("out.csv")), 0);
    ck_assert_int_ne(access(name, F_OK), 0);
    ck_assert_int_eq(access(live, F_OK), 0);
}
END_TEST

/* Item 7: a directory or a name too long for the temporary suffix is
 * refused before any work with exit 2 (it used to fail after the batch with
 * exit 1). */
START_TEST(bad_output_paths_before_work)
{
    char longname[320];
    ck_assert_int_eq(mkdir(tmp("adir"), 0700), 0);
    ck_assert_int_eq(salvof("batch " SHIP " --runs 5 --quiet --json %s", tmp("adir")), 2);
    ck_assert_int_eq(salvof("run " KR " --trace %s", tmp("adir")), 2);
    int at = snprintf(longname, sizeof longname, "%s/", dir);
    memset(longname + at, 'a', 240);
    longname[at + 240] = '\0';
    ck_assert_int_eq(salvof("batch " SHIP " --runs 5 --quiet --json %s", longname), 2);
    ck_assert_int_eq(salvof("batch " SHIP " --runs 5 --quiet --csv %s/nodir/x.csv", dir), 2);
    ck_assert_int_eq(temps_left(), 0);
}
END_TEST

/* Item 10: a second signal exits at once with 130 and leaves the previous
 * outputs exactly as they were. SIGINT and SIGTERM (one handler) are both
 * made pending while the process is stopped, so they arrive back to back
 * whatever the machine's load. */
START_TEST(second_signal_exits_at_once)
{
    write_text(tmp("out.json"), "previous json\n");
    write_text(tmp("out.csv"), "previous csv\n");
    pid_t pid = salvo_spawn("batch", SHIP, "--runs", "100000000", "--threads", "2", "--json", tmp("out.json"), "--csv",
                            tmp("out.csv"), "--quiet", (char *)NULL);
    wait_partial_output("out.csv", 100);
    kill(pid, SIGSTOP);
    kill(pid, SIGINT);
    kill(pid, SIGTERM);
    kill(pid, SIGCONT);
    int st;
    ck_assert_int_eq(waitpid(pid, &st, 0), pid);
    ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 130, "status %d", st);
    ck_assert(same_text(tmp("out.json"), "previous json\n"));
    ck_assert(same_text(tmp("out.csv"), "previous csv\n"));
    ck_assert_int_eq(temps_left(), 0);
}
END_TEST

/* Item 13: --seed is decimal or 0x hex: "010" is ten, " -1" and "-1" are
 * refused; validate refuses a FIFO instead of blocking on it. */
START_TEST(input_edges)
{
    char a[1024];
    ck_assert_int_eq(salvo_raw("run " KR " --json --seed 010 2>/dev/null | grep -q '\"seed\":\"10\",'"), 0);
    ck_assert_int_eq(salvo_raw("run " KR " --json --seed 0x10 2>/dev/null | grep -q '\"seed\":\"16\",'"), 0);
    ck_assert_int_eq(salvo("run " KR " --json --seed ' -1'"), 2);
    ck_assert_int_eq(salvo("run " KR " --json --seed -1"), 2);
    ck_assert_int_eq(salvo("run " KR " --json --seed 0x"), 2);
    ck_assert_int_eq(salvo("batch " SHIP " --runs 2 --quiet --seed '+5'"), 2);
    /* --until before the start: exit 2; after the end: said, and cut. */
    ck_assert_int_eq(salvo("run " KR " --json --until 2023-06-30"), 2);
    snprintf(a, sizeof a, "run " KR " --json --until 2099-01-01 >/dev/null 2>%s", tmp("err.txt"));
    ck_assert_int_eq(salvo_raw(a), 0);
    ck_assert(file_has(tmp("err.txt"), "after the scenario's end"));
    /* --resume with fewer --runs than the checkpoint holds is usage: 2. */
    ck_assert_int_eq(salvof("batch " SHIP " --runs 200 --quiet --checkpoint %s", tmp("ck")), 0);
    ck_assert_int_eq(salvof("batch " SHIP " --runs 100 --quiet --checkpoint %s --resume", tmp("ck")), 2);
    ck_assert_int_eq(mkfifo(tmp("sc.fifo"), 0600), 0);
    /* `timeout` turns a hang into exit 124, not a stuck test. */
    snprintf(a, sizeof a, "timeout 20 %s validate %s >/dev/null 2>%s", salvo_bin(), tmp("sc.fifo"), tmp("err.txt"));
    int st = system(a);
    ck_assert_int_eq(WEXITSTATUS(st), 2);
    ck_assert(file_has(tmp("err.txt"), "not a regular file"));
}
END_TEST

/* Item 4: every single-character change of a checkpoint is refused with
 * exit 2 (once 7 of 60 resumed to a silently different summary). */
START_TEST(checkpoint_damage_refused)
{
    char a[1024];
    ck_assert_int_eq(salvof("batch " SHIP " --runs 300 --threads 1 --quiet --checkpoint %s", tmp("ck")), 0);
    size_t len;
    char *orig = slurp_len(tmp("ck"), &len);
    ck_assert_ptr_nonnull(orig);
    for (int k = 0; k < 60; k++) {
        size_t at = (size_t)k * (len - 1) / 59;
        char *t = malloc(len);
        memcpy(t, orig, len);
        /* A digit for a digit (the hardest case), else any other byte. */
        if (t[at] >= '0' && t[at] <= '8') t[at]++;
        else if (t[at] == '9') t[at] = '0';
        else t[at] = t[at] == 'x' ? 'y' : 'x';
        FILE *f = fopen(tmp("bad.ck"), "wb");
        fwrite(t, 1, len, f);
        fclose(f);
        free(t);
        snprintf(a, sizeof a, "batch " SHIP " --runs 600 --threads 1 --quiet --checkpoint %s --resume",
                 tmp("bad.ck"));
        ck_assert_msg(salvo(a) == 2, "a checkpoint changed at byte %zu was accepted", at);
    }
    free(orig);
    ck_assert(file_has(tmp("err.txt"), "damaged"));
}
END_TEST

/* Item 3: --resume --csv refuses a CSV of another seed or another scenario
 * (it used to splice its rows under this batch's header). */
START_TEST(resume_csv_must_match)
{
    char a[1024];
    ck_assert_int_eq(salvof("batch " SHIP " --runs 200 --quiet --checkpoint %s --csv %s",
                            tmp("ck"), tmp("a.csv")), 0);
    ck_assert_int_eq(salvof("batch " SHIP " --runs 200 --seed 2 --quiet --csv %s", tmp("other-seed.csv")), 0);
    ck_assert_int_eq(salvof("batch " KR " --runs 200 --quiet --csv %s", tmp("other-scenario.csv")), 0);
    const char *bad[] = { "other-seed.csv", "other-scenario.csv" };
    for (int i = 0; i < 2; i++) {
        copy_file(tmp(bad[i]), tmp("b.csv"));
        char *before = slurp(tmp("b.csv"));
        snprintf(a, sizeof a, "batch " SHIP " --runs 400 --quiet --checkpoint %s --resume --csv %s", tmp("ck"),
                 tmp("b.csv"));
        ck_assert_msg(salvo(a) == 2, "resumed over %s", bad[i]);
        ck_assert_msg(same_text(tmp("b.csv"), before), "%s was changed", bad[i]);
        free(before);
    }
    /* The right CSV still resumes. */
    ck_assert_int_eq(salvof("batch " SHIP " --runs 400 --quiet --checkpoint %s --resume --csv %s",
                            tmp("ck"), tmp("a.csv")), 0);
}
END_TEST

/* Item 8: two events whose effects fire each other twice validate, and
 * used to abort (SIGABRT, 1.1 GB): nested effects fanned out past the
 * queue's 2^24 ceiling before the dispatched events reached the storm
 * limit. Counted toward it, they halt the run with a reason. */
static const char FANOUT[] =
    "{\"salvo\": 1, \"name\": \"fanout-storm\", \"title\": \"t\","
    " \"calendar\": {\"start\": \"2024-01-01\", \"end\": \"2024-02-01\"},"
    " \"actors\": [{\"id\": \"a\"}], \"places\": [{\"id\": \"here\", \"kind\": \"capital\", \"lat\": 0, \"lon\": 0}],"
    " \"events\": [{\"id\": \"ping\", \"at\": \"2024-01-02\", \"effects\": [{\"event\": \"pong\"}, {\"event\": \"pong\"}]},"
    "              {\"id\": \"pong\", \"effects\": [{\"event\": \"ping\"}, {\"event\": \"ping\"}]}],"
    " \"metrics\": [{\"id\": \"pings\", \"total\": \"event.ping\"}]}";

START_TEST(fanout_storm_halts)
{
    Scenario *sc = load_scenario(FANOUT);
    Sim *sim = start_sim(sc, 1, 0);
    ck_assert_int_eq(sim_run(sim, scenario_end(sc)), SIM_HALTED);
    ck_assert_ptr_nonnull(strstr(sim_halted(sim), "event storm"));
    sim_destroy(sim);
    scenario_destroy(sc);
    /* The binary says so and exits 1, not 134. */
    FILE *f = fopen(tmp("fanout.json"), "wb");
    fputs(FANOUT, f);
    fclose(f);
    ck_assert_int_eq(salvof("run %s --json", tmp("fanout.json")), 1);
    ck_assert_int_eq(salvof("batch %s --runs 4 --quiet", tmp("fanout.json")), 1);
}
END_TEST

/* The per-replication budget: a runaway scenario halts at SIM_MAX_EVENTS
 * (5,000,000: `batch --runs 50` well under a minute), the message says how
 * to raise it, and "limits": {"events": N} moves it. */
static const char HAZARD[] =
    "{\"salvo\": 1, \"name\": \"hazard-storm\", \"title\": \"t\", %s"
    " \"calendar\": {\"start\": \"2024-01-01\", \"end\": \"2024-12-31\"},"
    " \"actors\": [{\"id\": \"a\"}], \"places\": [{\"id\": \"here\", \"kind\": \"capital\", \"lat\": 0, \"lon\": 0}],"
    " \"events\": [{\"id\": \"often\", \"hazard\": 1e15}],"
    " \"metrics\": [{\"id\": \"n\", \"total\": \"event.often\"}]}";

static uint64_t events_until_halt(const char *limits, char *why, size_t n)
{
    char text[2048];
    snprintf(text, sizeof text, HAZARD, limits);
    Scenario *sc = load_scenario(text);
    Sim *sim = start_sim(sc, 1, 0);
    ck_assert_int_eq(sim_run(sim, scenario_end(sc)), SIM_HALTED);
    snprintf(why, n, "%s", sim_halted(sim));
    uint64_t e = sim_events(sim);
    sim_destroy(sim);
    scenario_destroy(sc);
    return e;
}

START_TEST(event_budget)
{
    char why[512];
    uint64_t e = events_until_halt("", why, sizeof why);
    ck_assert_uint_le(e, SIM_MAX_EVENTS + 1);
    ck_assert_uint_ge(e, SIM_MAX_EVENTS);
    ck_assert_uint_le(SIM_MAX_EVENTS, 5000000);
    ck_assert_ptr_nonnull(strstr(why, "\"limits\": {\"events\": N}"));
    e = events_until_halt("\"limits\": {\"events\": 1000},", why, sizeof why);
    ck_assert_uint_le(e, 1001);
}
END_TEST

/* Fault injection: the N-th write of any output fails with ENOSPC (the
 * SALVO_TEST_FAIL_WRITE hook, sim/afile.h), for every N until the command
 * succeeds, for each kind of output. Each failure must exit 1 with a
 * message naming the file, leave no temporary file, and leave every output
 * either absent or whole (identical to the reference run's). Under
 * `make sanitize` a leak or a crash on any of these paths fails too. */
static void fault_loop(const char *kind, const char *args, const char *const *outs, int nouts)
{
    char a[2048], ref[8][200];
    /* The reference: no fault. */
    snprintf(a, sizeof a, "%s", args);
    ck_assert_msg(salvo(a) == 0, "%s: the reference run failed", kind);
    for (int i = 0; i < nouts; i++) {
        snprintf(ref[i], sizeof ref[i], "%s.ref", tmp(outs[i]));
        ck_assert_int_eq(rename(tmp(outs[i]), ref[i]), 0);
    }
    int n;
    for (n = 1; n < 100000; n++) {
        for (int i = 0; i < nouts; i++) remove(tmp(outs[i]));
        remove(tmp("err.txt"));
        snprintf(a, sizeof a, "env SALVO_TEST_FAIL_WRITE=%d %s %s 2>%s >/dev/null", n, salvo_bin(), args, tmp("err.txt"));
        int st = system(a);
        ck_assert_msg(WIFEXITED(st), "%s: write %d: killed by a signal", kind, n);
        int rc = WEXITSTATUS(st);
        ck_assert_int_eq(temps_left(), 0);
        if (rc == 0) break;
        ck_assert_msg(rc == 1, "%s: write %d failed: exit %d", kind, n, rc);
        char *err = slurp(tmp("err.txt"));
        ck_assert_msg(err && strstr(err, "cannot write '") && (strstr(err, "No space left on device") ||
                                                                strstr(err, "a write failed")),
                      "%s: write %d: no message: %s", kind, n, err ? err : "");
        free(err);
        for (int i = 0; i < nouts; i++) {
            if (access(tmp(outs[i]), F_OK) != 0) continue;
            /* JSON summaries carry wall time and memory: compare the rest by size class only. */
            size_t la, lb;
            char *x = slurp_len(tmp(outs[i]), &la), *y = slurp_len(ref[i], &lb);
            if (strstr(outs[i], ".json")) {
                cJSON *j = cJSON_Parse(x);
                ck_assert_msg(j != NULL, "%s: write %d: %s is not whole", kind, n, outs[i]);
                cJSON_Delete(j);
            } else {
                ck_assert_msg(la == lb && memcmp(x, y, la) == 0, "%s: write %d: %s is not whole", kind, n, outs[i]);
            }
            free(x);
            free(y);
        }
    }
    ck_assert_msg(n > 1, "%s: the hook never fired", kind);
}

START_TEST(write_faults_every_output)
{
    char args[1024];
    const char *batch_outs[] = { "runs.csv", "sum.json", "ck" };
    snprintf(args, sizeof args, "batch " SHIP " --runs 40 --threads 1 --quiet --csv %s --json %s --checkpoint %s",
             tmp("runs.csv"), tmp("sum.json"), tmp("ck"));
    fault_loop("batch", args, batch_outs, 3);
    const char *trace_outs[] = { "t.jsonl" };
    snprintf(args, sizeof args, "run scenarios/verify/launch-constant-p.json --trace %s", tmp("t.jsonl"));
    fault_loop("trace", args, trace_outs, 1);
    const char *cmp_outs[] = { "c.csv", "c.json" };
    snprintf(args, sizeof args, "compare " SHIP " tests/data/batch/ship-risky.json --runs 20 --quiet --csv %s --json %s",
             tmp("c.csv"), tmp("c.json"));
    fault_loop("compare", args, cmp_outs, 2);
    const char *sweep_outs[] = { "s.csv", "s.json" };
    snprintf(args, sizeof args, "sweep " SHIP " --vary routes.ship.loss=0:0.1:2 --runs 10 --quiet --csv %s --json %s",
             tmp("s.csv"), tmp("s.json"));
    fault_loop("sweep", args, sweep_outs, 2);
    /* The report of a fixed summary: the same bytes every time it is whole. */
    ck_assert_int_eq(salvof("batch " SHIP " --runs 20 --quiet --json %s", tmp("rep.json")), 0);
    const char *report_outs[] = { "r.html" };
    snprintf(args, sizeof args, "report %s -o %s", tmp("rep.json"), tmp("r.html"));
    fault_loop("report", args, report_outs, 1);
}
END_TEST

/* Item 12: a metric that varies only in its last bit. Its sketch bucket's
 * representative lies above max by up to 0.5%, a quotient of ~1e14 bin
 * widths: converting that to int was undefined (x86: INT_MIN, bin 0). The
 * counts belong in the last bin. */
typedef struct Tiny { double v; } Tiny;
static void *tiny_create(void *ctx) { return ctx; }
static void tiny_destroy(void *w) { (void)w; }
static void tiny_rep(void *w, uint64_t seed, uint64_t rep, double *sc, double *series)
{
    (void)seed;
    (void)series;
    const Tiny *t = w;
    sc[0] = rep % 2 ? nextafter(t->v, 2 * t->v) : t->v;
}

START_TEST(histogram_tiny_spread)
{
    /* A value whose bucket's representative is above it. */
    Tiny t = { 1.0 };
    while (stats_sketch_key_value(stats_sketch_key(t.v)) <= nextafter(t.v, 2 * t.v)) t.v *= 1.0009;
    static const MetricInfo mi[1] = { { "x", "tiny spread", "", MET_TOTAL, 1, 0, 0, 0, 0 } };
    BatchModel m = { 1, mi, 0, 10, &t, tiny_create, tiny_destroy, tiny_rep, NULL, 0 };
    BatchOptions o = batch_options(1, 10, 1, NULL);
    Batch *b = run_model_batch(&m, &o, NULL);
    SummaryRun run;
    memset(&run, 0, sizeof run);
    cJSON *j = summary_json(b, &run);
    cJSON *counts = cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "metrics"),
                                                                                "x"), "histogram"), "counts");
    int n = cJSON_GetArraySize(counts);
    ck_assert_int_eq(n, 20);
    ck_assert_double_eq(cJSON_GetArrayItem(counts, n - 1)->valuedouble, 10);
    cJSON_Delete(j);
    batch_destroy(b);
}
END_TEST

#ifdef SALVO_HAVE_VIEW
#include "session.h"

/* Item 11: a playthrough's "scenario" is taken relative to the playthrough,
 * must be a scenario (never a file whose contents would be echoed), and a
 * choice outside int's range is refused (it was undefined behaviour). */
START_TEST(replay_paths_and_choices)
{
    copy_file(SHIP, tmp("sc.json"));
    write_text(tmp("secret.txt"), "topsecret:x:0:0:root\n");
    Diag d;
    diag_init(&d, "play");
    /* Relative to the playthrough, not to the working directory. */
    write_text(tmp("good.play"), "{\"type\":\"playthrough\",\"scenario\":\"sc.json\",\"seed\":\"1\",\"choices\":[]}");
    Session *s = session_open_replay(tmp("good.play"), 0, &d);
    ck_assert_msg(s != NULL, "%s", d.count ? d.items[0].msg : "?");
    session_destroy(s);
    /* Not a scenario: refused, and not a byte of it is echoed. */
    char text[512];
    snprintf(text, sizeof text, "{\"type\":\"playthrough\",\"scenario\":\"%s\",\"seed\":\"1\",\"choices\":[]}",
             tmp("secret.txt"));
    write_text(tmp("bad.play"), text);
    ck_assert_ptr_null(session_open_replay(tmp("bad.play"), 0, &d));
    ck_assert_int_gt(d.count, 0);
    for (int i = 0; i < d.count; i++) ck_assert_ptr_null(strstr(d.items[i].msg, "topsecret"));
    ck_assert_ptr_nonnull(strstr(d.items[d.count - 1].msg, "not a salvo scenario"));
    write_text(tmp("big.play"), "{\"type\":\"playthrough\",\"scenario\":\"sc.json\",\"seed\":\"1\",\"choices\":[1e10]}");
    ck_assert_ptr_null(session_open_replay(tmp("big.play"), 0, &d));
    diag_fini(&d);
}
END_TEST
#endif

/* Item 13: the trace reader refuses a file over TRACE_MAX_BYTES before
 * reading it (a 4.2 GB trace once took 2.1 GB of memory), and a FIFO. */
START_TEST(trace_size_limit)
{
    FILE *f = fopen(tmp("huge.jsonl"), "wb");
    ck_assert_ptr_nonnull(f);
    fclose(f);
    ck_assert_int_eq(truncate(tmp("huge.jsonl"), (off_t)TRACE_MAX_BYTES + 1), 0);   /* sparse */
    Diag d;
    diag_init(&d, "trace");
    ck_assert_ptr_null(trace_read(tmp("huge.jsonl"), &d));
    ck_assert_ptr_nonnull(strstr(d.items[d.count - 1].msg, "too large"));
    ck_assert_int_eq(mkfifo(tmp("t.fifo"), 0600), 0);
    ck_assert_ptr_null(trace_read(tmp("t.fifo"), &d));
    ck_assert_ptr_nonnull(strstr(d.items[d.count - 1].msg, "not a regular file"));
    diag_fini(&d);
}
END_TEST

/* docs/reliability.md names a test for every promise: each must exist. */
START_TEST(reliability_doc_names_real_tests)
{
    char *doc = slurp("docs/reliability.md");
    ck_assert_ptr_nonnull(doc);
    char all[1 << 16];
    size_t used = 0;
    FILE *p = popen("cat tests/test_*.c | grep -o 'START_TEST([a-z0-9_]*)'", "r");
    ck_assert_ptr_nonnull(p);
    used = fread(all, 1, sizeof all - 1, p);
    pclose(p);
    all[used] = '\0';
    int checked = 0;
    for (char *a = strchr(doc, '`'); a; a = strchr(a + 1, '`')) {
        char *b = strchr(a + 1, '`');
        if (!b) break;
        size_t n = (size_t)(b - a - 1);
        char name[96];
        if (n > 0 && n < sizeof name - 20 && strspn(a + 1, "abcdefghijklmnopqrstuvwxyz0123456789_") == n &&
            memchr(a + 1, '_', n) && strncmp(a + 1, "suite_", 6) != 0 && strncmp(a + 1, "afile_", 6) != 0 &&
            strncmp(a + 1, "batch_csv_copy", 14) != 0 && strncmp(a + 1, "seed_key", 8) != 0 &&
            strncmp(a + 1, "max_attempts", 12) != 0) {
            snprintf(name, sizeof name, "START_TEST(%.*s)", (int)n, a + 1);
            ck_assert_msg(strstr(all, name) != NULL, "docs/reliability.md names a test that does not exist: %.*s",
                          (int)n, a + 1);
            checked++;
        }
        a = b;
    }
    ck_assert_int_ge(checked, 15);
    free(doc);
}
END_TEST

Suite *suite_reliability(void)
{
    Suite *s = suite_create("reliability");
    TCASE(s, "outputs", 120, SCRATCH, output_never_overwrites_input_or_output, special_outputs_written_in_place,
          stdout_write_errors_fail, stale_temps_removed, bad_output_paths_before_work, write_faults_every_output);
    TCASE(s, "signals", 120, SCRATCH, run_sigint_leaves_no_temp, second_signal_exits_at_once);
    TCASE(s, "input edges", 0, SCRATCH, input_edges, histogram_tiny_spread, fanout_storm_halts, event_budget,
          reliability_doc_names_real_tests, trace_size_limit, checkpoint_damage_refused, resume_csv_must_match);
#ifdef SALVO_HAVE_VIEW
    TCASE(s, "input edges (view)", 0, SCRATCH, replay_paths_and_choices);
#endif
    return s;
}
