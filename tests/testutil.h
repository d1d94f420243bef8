/* testutil.h — the helpers every suite shares, so that each thing a test
 * does has one way to be done (issue 14). Header-only (static inline), so
 * that the Makefile's tests/test_*.c collection needs nothing more.
 *
 *   scratch    a fresh directory per test (the Check fixture setup and
 *              teardown), tmp("name") for paths in it;
 *   files      slurp (read whole), write_text, file_has, assert_same_file,
 *              load_json, summary_body and assert_same_batch (a batch's
 *              results, but for the "run" object, are the same);
 *   binary     salvo(args): THE way to run the built binary — stdout and
 *              stderr to dir/out.txt and dir/err.txt, the exit status;
 *              salvof() with printf arguments; salvo_env() when
 *              environment assignments or a launcher (mpirun) come first;
 *              salvo_stderr() to get stderr in a buffer too; salvo_to()
 *              when the output goes elsewhere; without a shell,
 *              salvo_argv() (with a hang timeout) and salvo_spawn() (in
 *              the background); sh() for any other command;
 *   scenarios  load_scenario(src): THE way to load one, from a file path or
 *              from inline JSON text (src starts with '{'); load_trace for
 *              a trace file; start_sim, run_replication (to the end, its
 *              metrics); metric_of / EXPECT_METRIC / expect_metrics read
 *              metrics by id; run_model_batch (with batch_options) runs a batch
 *              of any BatchModel;
 *   suites     TCASE(s, name, timeout, fixture, tests...): one TCase in one
 *              statement.
 *
 * tests/README.md has the module -> suite map.
 *
 * "golden" in this tree means one thing: a stored expected output under
 * tests/golden/, rewritten only by `make bless` (test_golden.c). Checks of
 * a value written by hand in a test are "pinned" values, not golden. */
#ifndef SALVO_TESTUTIL_H
#define SALVO_TESTUTIL_H

#include <check.h>
#include <dirent.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
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
#include "slurp.h"
#include "trace.h"

/* The binary under test (the Makefile passes -DSALVO_BIN). */
#ifndef SALVO_BIN
#define SALVO_BIN "salvo"
#endif

/* The current test's scratch directory; set by setup(), removed by teardown(). */
static char dir[64];

/* Check fixture: a fresh directory under /tmp. */
static inline void setup(void)
{
    strcpy(dir, "/tmp/salvo-test-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
}

static inline void teardown(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
}

/* dir/name, in one of 8 rotating buffers (so several fit in one call). */
static inline const char *tmp(const char *name)
{
    static char buf[8][160];
    static int i;
    i = (i + 1) % 8;
    snprintf(buf[i], sizeof buf[i], "%s/%s", dir, name);
    return buf[i];
}


/* Write text to path (replacing it); fails the test if it cannot. */
static inline void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    ck_assert_msg(f != NULL, "cannot write %s", path);
    ck_assert_int_eq(fputs(text, f) >= 0, 1);
    ck_assert_int_eq(fclose(f), 0);
}

/* The files at a and b hold the same bytes. */
static inline void assert_same_file(const char *a, const char *b)
{
    size_t na, nb;
    char *ta = slurp_len(a, &na), *tb = slurp_len(b, &nb);
    ck_assert_msg(ta != NULL && tb != NULL, "cannot read %s or %s", a, b);
    ck_assert_msg(na == nb && memcmp(ta, tb, na) == 0, "%s and %s differ", a, b);
    free(ta);
    free(tb);
}

/* The JSON file at path, parsed; it must exist and parse. cJSON_Delete it. */
static inline cJSON *load_json(const char *path)
{
    char *text = slurp(path);
    ck_assert_msg(text != NULL, "no file %s", path);
    cJSON *j = cJSON_Parse(text);
    free(text);
    ck_assert_msg(j != NULL, "%s is not JSON", path);
    return j;
}

/* A batch summary (JSON) without its "run" object, as text: what must be
 * the same, every number to the bit, for any thread count, rank count or
 * resume ("run" holds the threads, ranks, date and git revision). */
static inline char *summary_body(const char *path)
{
    cJSON *j = load_json(path);
    ck_assert_msg(cJSON_GetObjectItem(j, "run") != NULL, "%s has no \"run\"", path);
    cJSON_DeleteItemFromObject(j, "run");
    char *s = cJSON_PrintUnformatted(j);
    cJSON_Delete(j);
    return s;
}

/* Two batches wrote the same results: the summaries (JSON_A, JSON_B) but
 * for "run", and the per-replication CSVs (CSV_A, CSV_B; NULL: none). */
static inline void assert_same_batch(const char *json_a, const char *csv_a, const char *json_b, const char *csv_b)
{
    char *a = summary_body(json_a), *b = summary_body(json_b);
    ck_assert_msg(strcmp(a, b) == 0, "the summaries %s and %s differ", json_a, json_b);
    free(a);
    free(b);
    if (csv_a) assert_same_file(csv_a, csv_b);
}

/* --- running the binary ---------------------------------------------------- */

/* The binary under test as the shell finds it from the repository root (a
 * bare name would be looked up in PATH); $SALVO_TEST_BIN, when set, names
 * another build to try the same tests on. */
static inline const char *salvo_bin(void)
{
    const char *b = getenv("SALVO_TEST_BIN");
    if (b && *b) return b;
    return strchr(SALVO_BIN, '/') ? SALVO_BIN : "./" SALVO_BIN;
}

/* Run a shell command; its exit status, or -1 if it was killed by a signal. */
static inline int sh(const char *cmd)
{
    int st = system(cmd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* `PREFIX salvo ARGS` through the shell, stdout to OUT and stderr to ERR
 * (paths; NULL leaves that stream alone, for ARGS to redirect or pipe).
 * PREFIX is "" or what goes before the binary: environment assignments, a
 * launcher such as mpirun or timeout. ARGS is a shell command line: it
 * may quote, glob, redirect and pipe. The exit status, or -1 if killed by
 * a signal. */
static inline int salvo_to(const char *prefix, const char *args, const char *out, const char *err)
{
    size_t n = strlen(prefix) + strlen(args) + (out ? strlen(out) : 0) + (err ? strlen(err) : 0) + 512;
    char *cmd = malloc(n);
    ck_assert_ptr_nonnull(cmd);
    int k = snprintf(cmd, n, "%s %s %s", prefix, salvo_bin(), args);
    if (out) k += snprintf(cmd + k, n - (size_t)k, " >'%s'", out);
    if (err) snprintf(cmd + k, n - (size_t)k, " 2>'%s'", err);
    int st = sh(cmd);
    free(cmd);
    return st;
}

/* `PREFIX salvo ARGS` (PREFIX as for salvo_to) with stdout and stderr to
 * dir/out.txt and dir/err.txt (read them with slurp(tmp("out.txt"))); the
 * exit status. A death by signal fails the test, with what it said. */
static inline int salvo_env(const char *prefix, const char *args)
{
    int st = salvo_to(prefix, args, tmp("out.txt"), tmp("err.txt"));
    if (st < 0) {
        char *e = slurp(tmp("err.txt"));
        ck_abort_msg("salvo %s: killed by a signal; stderr:\n%s", args, e ? e : "");
    }
    return st;
}

/* `salvo ARGS`, as salvo_env with no prefix: the usual way. */
static inline int salvo(const char *args) { return salvo_env("", args); }

/* salvo() with its arguments formatted as by printf. */
static inline int salvof(const char *format, ...) __attribute__((format(printf, 1, 2)));
static inline int salvof(const char *format, ...)
{
    va_list ap;
    va_start(ap, format);
    int n = vsnprintf(NULL, 0, format, ap);
    va_end(ap);
    ck_assert_int_ge(n, 0);
    char *args = malloc((size_t)n + 1);
    ck_assert_ptr_nonnull(args);
    va_start(ap, format);
    vsnprintf(args, (size_t)n + 1, format, ap);
    va_end(ap);
    int st = salvo(args);
    free(args);
    return st;
}

/* 1 if the file at path holds text; if not, 0, with the file on stderr. */
static inline int file_has(const char *path, const char *text)
{
    char *s = slurp(path);
    int found = s && strstr(s, text) != NULL;
    if (!found) fprintf(stderr, "%s lacks '%s':\n%s\n", path, text, s ? s : "(none)");
    free(s);
    return found;
}

/* `salvo COMMAND ARGS` as salvo(), with what it wrote on stderr also
 * copied into err (cap bytes, NUL-terminated, truncated). */
static inline int salvo_stderr(const char *command, const char *args, char *err, size_t cap)
{
    size_t n = strlen(command) + strlen(args) + 2;
    char *line = malloc(n);
    ck_assert_ptr_nonnull(line);
    snprintf(line, n, "%s %s", command, args);
    int st = salvo(line);
    free(line);
    char *e = slurp_len(tmp("err.txt"), &n);
    if (n >= cap) n = cap - 1;
    if (e) memcpy(err, e, n);
    err[e ? n : 0] = '\0';
    free(e);
    return st;
}

/* 1 once an output being written in dir ("STEM.tmp.*", see sim/afile.h)
 * holds data: the moment to interrupt a run in the middle of its work. */
static inline int partial_output_started(const char *stem)
{
    char prefix[128];
    size_t np = (size_t)snprintf(prefix, sizeof prefix, "%s.tmp.", stem);
    DIR *dp = opendir(dir);
    struct dirent *e;
    int found = 0;
    while (dp && !found && (e = readdir(dp)) != NULL) {
        if (strncmp(e->d_name, prefix, np) != 0) continue;
        char path[512];
        struct stat st;
        snprintf(path, sizeof path, "%.200s/%.200s", dir, e->d_name);
        found = stat(path, &st) == 0 && st.st_size > 0;
    }
    if (dp) closedir(dp);
    return found;
}

/* Start the binary with ARGV (argv[0] is replaced by the binary; no shell;
 * NULL-terminated) in the background: stdin and stdout on /dev/null,
 * stderr to the descriptor err_fd (/dev/null when err_fd < 0). Its pid, for
 * kill and waitpid. */
static inline pid_t salvo_spawn_argv(const char *const *argv, int err_fd)
{
    const char *av[64];
    int n = 0;
    av[n++] = salvo_bin();
    for (int i = 1; argv[i] != NULL && n < 63; i++) av[n++] = argv[i];
    av[n] = NULL;
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        int nul = open("/dev/null", O_RDWR);
        if (nul >= 0) {
            dup2(nul, 0);
            dup2(nul, 1);
        }
        dup2(err_fd >= 0 ? err_fd : nul, 2);
        execv(av[0], (char *const *)av);
        _exit(127);
    }
    return pid;
}

/* salvo_spawn_argv with the arguments listed: salvo_spawn("batch", ...,
 * NULL); stderr on /dev/null. */
static inline pid_t salvo_spawn(const char *arg, ...)
{
    const char *argv[64] = { "salvo" };
    int n = 1;
    va_list ap;
    va_start(ap, arg);
    for (const char *a = arg; a != NULL && n < 63; a = va_arg(ap, const char *)) argv[n++] = a;
    va_end(ap);
    argv[n] = NULL;
    return salvo_spawn_argv(argv, -1);
}

/* `salvo ARGV` (as salvo_spawn_argv) waited for at most `timeout` seconds,
 * its stderr into err (cap bytes, NUL-terminated, truncated); the exit
 * status. A hang, a death by signal or a binary that cannot run fails the
 * test, naming the command. For inputs whose names a shell must not see. */
static inline int salvo_argv(const char *const *argv, char *err, size_t cap, double timeout)
{
    char tmpl[] = "/tmp/salvo-stderr-XXXXXX";
    int fd = mkstemp(tmpl);
    ck_assert_msg(fd >= 0, "mkstemp failed");
    pid_t pid = salvo_spawn_argv(argv, fd);
    int status = 0;
    struct timespec tick = { 0, 5 * 1000 * 1000 };
    for (double waited = 0;; waited += 0.005) {
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid) break;
        ck_assert_msg(r == 0, "waitpid failed");
        if (waited > timeout) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            close(fd);
            unlink(tmpl);
            ck_abort_msg("salvo %s %s: no answer within %.0f s (a hang)", argv[1], argv[2] ? argv[2] : "", timeout);
        }
        nanosleep(&tick, NULL);
    }
    ssize_t got = pread(fd, err, cap - 1, 0);
    err[got > 0 ? got : 0] = '\0';
    close(fd);
    unlink(tmpl);
    ck_assert_msg(!WIFSIGNALED(status), "salvo %s %s died of signal %d; stderr:\n%s", argv[1],
                  argv[2] ? argv[2] : "", WIFSIGNALED(status) ? WTERMSIG(status) : 0, err);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) != 127, "cannot run %s (build it first: make)",
                  salvo_bin());
    return WEXITSTATUS(status);
}

/* Wait, up to about `seconds`, until the output STEM being written in the
 * scratch directory holds data (partial_output_started): the moment to
 * interrupt a run in the middle of its work. 1 once it does. */
static inline int wait_partial_output(const char *stem, double seconds)
{
    struct timespec tick = { 0, 500 * 1000 };
    for (double waited = 0; waited < seconds; waited += 0.0005) {
        if (partial_output_started(stem)) return 1;
        nanosleep(&tick, NULL);
    }
    return partial_output_started(stem);
}

/* --- loading and running scenarios ----------------------------------------- */

/* A scenario from SRC: inline JSON text when it starts with '{' (after
 * blanks; then its name in messages is "inline.json"), else a file path;
 * with SETS (--set overrides, may be NULL). On failure NULL, with the
 * diagnostics written into msg (when msg) or else printed on stderr. */
static inline Scenario *load_scenario_msg(const char *src, const char *const *sets, int nsets, char *msg,
                                          size_t nmsg)
{
    Diag d;
    diag_init(&d, "test");
    const char *p = src + strspn(src, " \t\r\n");
    Scenario *s = *p == '{' ? scenario_load_buffer("inline.json", src, strlen(src), sets, nsets, &d)
                            : scenario_load(src, sets, nsets, &d);
    if (msg) {
        FILE *f = fmemopen(msg, nmsg, "w");
        ck_assert_ptr_nonnull(f);
        diag_print(&d, f);
        fclose(f);
    } else if (!s) {
        diag_print(&d, stderr);
    }
    diag_fini(&d);
    return s;
}

/* The scenario from SRC (file path or inline JSON), which must load. */
static inline Scenario *load_scenario(const char *src)
{
    Scenario *s = load_scenario_msg(src, NULL, 0, NULL, 0);
    ck_assert_msg(s != NULL, "%.60s: does not load (the diagnostics are on stderr)", src);
    return s;
}

/* A Sim of s, reset to replication REP of SEED; sim_destroy it. */
static inline Sim *start_sim(const Scenario *s, uint64_t seed, uint64_t rep)
{
    Sim *sim = sim_create(s);
    ck_assert_ptr_nonnull(sim);
    ck_assert_int_eq(sim_reset(sim, seed, rep), 0);
    return sim;
}

/* The trace file at path, read; it must read. trace_file_destroy it. */
static inline TraceFile *load_trace(const char *path)
{
    Diag d;
    diag_init(&d, path);
    TraceFile *tf = trace_read(path, &d);
    if (!tf) diag_print(&d, stderr);
    diag_fini(&d);
    ck_assert_msg(tf != NULL, "%s: cannot read the trace (the diagnostics are on stderr)", path);
    return tf;
}

/* Run replication REP of SEED of s to its end; its scalar metrics into v
 * (scenario_metric_count(s) of them). */
static inline void run_replication(const Scenario *s, uint64_t seed, uint64_t rep, double *v)
{
    Sim *sim = start_sim(s, seed, rep);
    ck_assert_int_eq(sim_run(sim, INFINITY), SIM_DONE);
    sim_metrics(sim, v);
    sim_destroy(sim);
}

/* Options for a batch of RUNS replications of SEED on THREADS threads, no
 * target; FINGERPRINT names the inputs in a checkpoint. */
static inline BatchOptions batch_options(uint64_t seed, uint64_t runs, int threads, const char *fingerprint)
{
    BatchOptions o;
    memset(&o, 0, sizeof o);
    o.seed = seed;
    o.runs = runs;
    o.threads = threads;
    o.target_metric = -1;
    o.fingerprint = fingerprint;
    return o;
}

/* A fresh batch of model m run with options o, which must succeed; the
 * per-replication CSV (with its header) into the file CSV unless NULL.
 * batch_destroy it. */
static inline Batch *run_model_batch(const BatchModel *m, BatchOptions *o, const char *csv)
{
    Diag d;
    diag_init(&d, "test");
    Batch *b = batch_create(m, &d);
    ck_assert_ptr_nonnull(b);
    FILE *f = NULL;
    if (csv) {
        f = fopen(csv, "wb");
        ck_assert_ptr_nonnull(f);
        o->csv = f;
        o->csv_header = 1;
    }
    int rc = batch_run(b, o, &d);
    if (rc != 0) diag_print(&d, stderr);
    ck_assert_int_eq(rc, 0);
    if (f) fclose(f);
    o->csv = NULL;
    diag_fini(&d);
    return b;
}

/* Metric ID's value in v (as filled by run_replication). */
static inline double metric_of(const Scenario *s, const double *v, const char *id)
{
    int m = scenario_metric_find(s, id);
    ck_assert_msg(m >= 0, "no metric %s", id);
    return v[m];
}

/* x equals want to a relative 1e-6 (the engine's arithmetic is exact up to
 * rounding; answers worked out by hand are to a few digits at most). */
#define ASSERT_NEAR(x, want) \
    ck_assert_msg(fabs((x) - (want)) <= 1e-6 * (1 + fabs((double)(want))), "%s = %.12g, expected %.12g", #x, \
                  (double)(x), (double)(want))

/* Metric ID in v is want (to ASSERT_NEAR's tolerance). */
#define EXPECT_METRIC(s, v, id, want) \
    ck_assert_msg(fabs(metric_of(s, v, id) - (want)) <= 1e-6 * (1 + fabs((double)(want))), \
                  "%s: %.12g, expected %.12g", id, metric_of(s, v, id), (double)(want))

/* A metric's expected value; INFINITY for "never" (a time_of that never
 * happens). */
typedef struct Want {
    const char *id;
    double value;
} Want;

/* Load SRC, run replication REP of seed 1 to its end, and check every
 * metric in want (n of them, a table: one row per metric). */
static inline void expect_metrics(const char *src, uint64_t rep, const Want *want, int n)
{
    Scenario *s = load_scenario(src);
    double *v = calloc((size_t)scenario_metric_count(s) + 1, sizeof *v);
    ck_assert_ptr_nonnull(v);
    run_replication(s, 1, rep, v);
    for (int i = 0; i < n; i++) {
        if (isinf(want[i].value))
            ck_assert_msg(isinf(metric_of(s, v, want[i].id)), "%s: %.12g, expected never", want[i].id,
                          metric_of(s, v, want[i].id));
        else
            EXPECT_METRIC(s, v, want[i].id, want[i].value);
    }
    free(v);
    scenario_destroy(s);
}

#define NWANT(w) ((int)(sizeof(w) / sizeof *(w)))


/* --- registering tests ------------------------------------------------------ */

/* A TCase's checked fixture, the 4th argument of TCASE: SCRATCH (a fresh
 * scratch directory per test: setup/teardown above), NO_FIXTURE, or
 * FIXTURE(my_setup, my_teardown). */
#define SCRATCH setup, teardown
#define NO_FIXTURE NULL, NULL
#define FIXTURE(set_up, tear_down) set_up, tear_down

/* Add to suite s a TCase NAME with the tests that follow (START_TEST names,
 * ended by NULL; TCASE below adds the NULL), the checked fixture (set_up,
 * tear_down; NULL for none) and a timeout in seconds when timeout > 0
 * (else Check's default). Returns the TCase, for what else it needs (a
 * loop test). */
static inline TCase *tcase_of(Suite *s, const char *name, double timeout, SFun set_up, SFun tear_down, ...)
{
    TCase *tc = tcase_create(name);
    if (set_up || tear_down) tcase_add_checked_fixture(tc, set_up, tear_down);
    if (timeout > 0) tcase_set_timeout(tc, timeout);
    va_list ap;
    va_start(ap, tear_down);
    for (const TTest *t; (t = va_arg(ap, const TTest *)) != NULL;) tcase_add_test(tc, t);
    va_end(ap);
    suite_add_tcase(s, tc);
    return tc;
}

/* One TCase of suite s, in one statement:
 *     TCASE(s, "resume", 60, SCRATCH, resume_extends, resume_interrupted);
 * tests run in the order listed; a test added to a suite goes in the list
 * of the TCase whose behaviour it checks. */
#define TCASE(s, name, timeout, fixture, ...) tcase_of(s, name, timeout, fixture, __VA_ARGS__, (const TTest *)NULL)

#endif
