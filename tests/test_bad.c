/* test_bad.c — bad input never crashes or hangs salvo; it gets exit 2 and
 * a message that points at the problem.
 *
 * The corpus is the tests/bad/NN-what.json files with tests/bad/expect.txt, one line per
 * expected diagnostic: FILE<TAB>LINE:COL<TAB>fragment. Each file must fail
 * to load through scenario_load with a diagnostic at LINE:COL whose
 * "PATH: message" contains the fragment, and `salvo validate FILE` (the real
 * binary, SALVO_BIN) must exit 2 and print
 *     tests/bad/FILE:LINE:COL: error: ...fragment...
 * on stderr. Inputs too large to commit (a 100 MB file, nesting 100,000
 * deep, millions of values, thousands of list entries) are generated here
 * in /tmp at run time and removed afterwards. Every shipped scenario must
 * validate with exit 0 and nothing on stderr.
 *
 * Tests run from the repository root (make test does so).
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "salvo.h"
#include "testutil.h"


#define EXPECT_FILE "tests/bad/expect.txt"
#define RUN_TIMEOUT_S 60.0
#define ERR_CAP 65536

/* --- running the binary ---------------------------------------------------- */

/* `salvo ARGV` (argv[0] ignored), stderr into err: testutil's salvo_argv,
 * whose timeout turns a hang into a failure. */
static int run_salvo(const char *const *argv, char *err, size_t cap)
{
    return salvo_argv(argv, err, cap, RUN_TIMEOUT_S);
}

/* True if some line of err starts with prefix and contains frag after it. */
static int stderr_has(const char *err, const char *prefix, const char *frag)
{
    size_t pl = strlen(prefix);
    for (const char *line = err; *line;) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        if (len >= pl && !strncmp(line, prefix, pl)) {
            const char *f = line + pl;
            size_t fl = strlen(frag);
            for (; f + fl <= line + len; f++)
                if (!strncmp(f, frag, fl)) return 1;
        }
        if (!end) break;
        line = end + 1;
    }
    return 0;
}

/* --- the corpus ------------------------------------------------------------- */

typedef struct BadRow {
    char file[1024];
    int line, col;
    char frag[1024];
} BadRow;

/* Reads data row i (0-based, comments and blank lines skipped); returns the
 * number of data rows, or -1 if the file cannot be read. */
static int expect_rows(int want, BadRow *out)
{
    FILE *f = fopen(EXPECT_FILE, "r");
    if (!f) return -1;
    char buf[1024];
    int n = 0;
    while (fgets(buf, sizeof buf, f)) {
        if (buf[0] == '#' || buf[0] == '\n') continue;
        if (n == want && out) {
            buf[strcspn(buf, "\r\n")] = '\0';
            char *t1 = strchr(buf, '\t');
            char *t2 = t1 ? strchr(t1 + 1, '\t') : NULL;
            if (!t1 || !t2 || sscanf(t1 + 1, "%d:%d", &out->line, &out->col) != 2) {
                fclose(f);
                ck_abort_msg("%s: malformed row %d: %s", EXPECT_FILE, want, buf);
            }
            *t1 = '\0';
            snprintf(out->file, sizeof out->file, "%s", buf);
            snprintf(out->frag, sizeof out->frag, "%s", t2 + 1);
        }
        n++;
    }
    fclose(f);
    return n;
}

static void print_diag(const Diag *d) { diag_print(d, stderr); }

/* Loads `path` and checks it fails with a diagnostic at line:col (line 0
 * means any place) whose "PATH: message" contains frag. */
static void expect_load_fails(const char *path, int line, int col, const char *frag)
{
    Diag d;
    diag_init(&d, path);
    Scenario *s = scenario_load(path, NULL, 0, &d);
    if (s) scenario_destroy(s);
    ck_assert_msg(s == NULL, "%s loaded, but it is bad", path);
    ck_assert_msg(diag_errors(&d) > 0, "%s failed without a diagnostic", path);
    int found = 0;
    for (int i = 0; i < d.count && !found; i++) {
        const DiagItem *it = &d.items[i];
        if (line && (it->line != line || it->col != col)) continue;
        char both[8192];
        snprintf(both, sizeof both, "%s: %s", it->path ? it->path : "", it->msg ? it->msg : "");
        found = strstr(both, frag) != NULL;
    }
    if (!found) print_diag(&d);
    ck_assert_msg(found, "%s: no diagnostic at %d:%d containing \"%s\" (got the ones printed above)", path, line,
                  col, frag);
    diag_fini(&d);
}

static void expect_validate_fails(const char *path, int line, int col, const char *frag)
{
    static char err[ERR_CAP];
    const char *argv[] = { SALVO_BIN, "validate", path, NULL };
    int rc = run_salvo(argv, err, sizeof err);
    ck_assert_msg(rc == 2, "salvo validate %s: exit %d, want 2; stderr:\n%s", path, rc, err);
    char prefix[1200];
    if (line) snprintf(prefix, sizeof prefix, "%s:%d:%d: error: ", path, line, col);
    else snprintf(prefix, sizeof prefix, "%s:", path);
    ck_assert_msg(stderr_has(err, prefix, frag), "salvo validate %s: no line \"%s...%s...\" on stderr:\n%s", path,
                  prefix, frag, err);
}

START_TEST(test_bad_file)
{
    BadRow row;
    int n = expect_rows(_i, &row);
    ck_assert_msg(n > _i, "cannot read row %d of %s", _i, EXPECT_FILE);
    char path[1100];
    snprintf(path, sizeof path, "tests/bad/%s", row.file);
    expect_load_fails(path, row.line, row.col, row.frag);
    expect_validate_fails(path, row.line, row.col, row.frag);
}
END_TEST

START_TEST(test_corpus_complete)
{
    /* At least 30 bad files, each with an expectation, and no expectation
     * for a file that does not exist. */
    glob_t g;
    ck_assert_int_eq(glob("tests/bad/*.json", 0, NULL, &g), 0);
    ck_assert_int_ge((int)g.gl_pathc, 30);
    int n = expect_rows(-1, NULL);
    ck_assert_int_ge(n, (int)g.gl_pathc);
    for (size_t i = 0; i < g.gl_pathc; i++) {
        const char *base = g.gl_pathv[i] + strlen("tests/bad/");
        int seen = 0;
        BadRow row;
        for (int r = 0; r < n && !seen; r++) {
            expect_rows(r, &row);
            seen = !strcmp(row.file, base);
        }
        ck_assert_msg(seen, "%s has no line in %s", g.gl_pathv[i], EXPECT_FILE);
    }
    for (int r = 0; r < n; r++) {
        BadRow row;
        expect_rows(r, &row);
        char path[1100];
        snprintf(path, sizeof path, "tests/bad/%s", row.file);
        ck_assert_msg(access(path, R_OK) == 0, "%s names %s, which is missing", EXPECT_FILE, path);
    }
    globfree(&g);
}
END_TEST

START_TEST(test_validate_reports_every_file)
{
    /* Several files at once: exit 2, and each bad file is named. */
    static char err[ERR_CAP];
    const char *argv[] = { SALVO_BIN, "validate", "scenarios/verify/poisson-events.json",
                           "tests/bad/24-route-unknown-stock.json", "tests/bad/36-lat-out-of-range.json", NULL };
    ck_assert_int_eq(run_salvo(argv, err, sizeof err), 2);
    ck_assert_msg(strstr(err, "tests/bad/24-route-unknown-stock.json:"), "first bad file not reported:\n%s", err);
    ck_assert_msg(strstr(err, "tests/bad/36-lat-out-of-range.json:"), "second bad file not reported:\n%s", err);
    ck_assert_msg(!strstr(err, "poisson-events.json:"), "a good file was reported:\n%s", err);
}
END_TEST

START_TEST(test_missing_file)
{
    static char err[ERR_CAP];
    const char *argv[] = { SALVO_BIN, "validate", "/tmp/salvo-no-such-file.json", NULL };
    ck_assert_int_eq(run_salvo(argv, err, sizeof err), 2);
    ck_assert_msg(strstr(err, "/tmp/salvo-no-such-file.json"), "the missing file is not named:\n%s", err);
    Diag d;
    diag_init(&d, "/tmp/salvo-no-such-file.json");
    ck_assert(scenario_load("/tmp/salvo-no-such-file.json", NULL, 0, &d) == NULL);
    ck_assert_int_gt(diag_errors(&d), 0);
    diag_fini(&d);
}
END_TEST

/* --- generated inputs ------------------------------------------------------ */

/* A temp file written in pieces by the caller; removed by gen_done. */
typedef struct Gen {
    char path[64];
    FILE *f;
} Gen;

static void gen_open(Gen *g, const char *tag)
{
    snprintf(g->path, sizeof g->path, "/tmp/salvo-%s-XXXXXX", tag);
    int fd = mkstemp(g->path);
    ck_assert_msg(fd >= 0, "mkstemp: %s", strerror(errno));
    g->f = fdopen(fd, "w");
    ck_assert(g->f != NULL);
}

static void gen_close(Gen *g) { ck_assert_int_eq(fclose(g->f), 0); }
static void gen_done(Gen *g) { unlink(g->path); }

static void gen_repeat(Gen *g, const char *piece, long times)
{
    size_t len = strlen(piece);
    char buf[1 << 16];
    size_t per = sizeof buf / len, fill = 0;
    for (size_t i = 0; i < per; i++) memcpy(buf + i * len, piece, len);
    while (times > 0) {
        long now = times < (long)per ? times : (long)per;
        fill = (size_t)now * len;
        ck_assert_uint_eq(fwrite(buf, 1, fill, g->f), fill);
        times -= now;
    }
}

/* Both the library and the binary reject the generated file, at line:col
 * (0 = anywhere in the file) with the fragment. */
static void expect_generated_fails(Gen *g, int line, int col, const char *frag)
{
    expect_load_fails(g->path, line, col, frag);
    expect_validate_fails(g->path, line, col, frag);
    gen_done(g);
}

/* The minimal valid head of a scenario, before a member added by a test. */
static const char HEAD[] =
    "{\"salvo\": 1, \"name\": \"gen\", \"calendar\": {\"start\": \"2024-01-01\", \"end\": \"2024-12-31\"},\n"
    "\"actors\": [{\"id\": \"a\"}],\n";

START_TEST(test_gen_100mb)
{
    /* 100 MB, over the 64 MiB limit: refused before it is read. */
    Gen g;
    gen_open(&g, "big");
    fputs(HEAD, g.f);
    fputs("\"places\": [{\"id\": \"p\", \"kind\": \"port\", \"lat\": 0, \"lon\": 0}],\n\"description\": \"", g.f);
    gen_repeat(&g, "0123456789abcdef", 100L * 1000 * 1000 / 16);
    fputs("\"}\n", g.f);
    gen_close(&g);
    expect_generated_fails(&g, 0, 0, "64 MiB");
}
END_TEST

START_TEST(test_gen_deep_arrays)
{
    /* [[[[... 100,000 deep: refused at the 65th level (limit 64). */
    Gen g;
    gen_open(&g, "deep");
    gen_repeat(&g, "[", 100000);
    gen_repeat(&g, "]", 100000);
    gen_close(&g);
    expect_generated_fails(&g, 1, 65, "deep");
}
END_TEST

START_TEST(test_gen_deep_objects)
{
    Gen g;
    gen_open(&g, "deepobj");
    gen_repeat(&g, "{\"a\":", 100000);
    fputs("1", g.f);
    gen_repeat(&g, "}", 100000);
    gen_close(&g);
    expect_generated_fails(&g, 1, 1 + 5 * 64, "deep");
}
END_TEST

START_TEST(test_gen_deep_unclosed)
{
    /* Deep and truncated at once: one message, no crash. */
    Gen g;
    gen_open(&g, "deepopen");
    gen_repeat(&g, "[{\"x\":", 50000);
    gen_close(&g);
    expect_generated_fails(&g, 0, 0, "");
}
END_TEST

START_TEST(test_gen_many_values)
{
    /* 5 Mi numbers in one array (~10 MB): over the 4 Mi value limit. */
    Gen g;
    gen_open(&g, "values");
    fputs(HEAD, g.f);
    fputs("\"places\": [{\"id\": \"p\", \"kind\": \"port\", \"lat\": 0, \"lon\": 0}],\n\"x\": [0", g.f);
    gen_repeat(&g, ",0", 5L * 1024 * 1024);
    fputs("]}\n", g.f);
    gen_close(&g);
    expect_generated_fails(&g, 0, 0, "values");
}
END_TEST

START_TEST(test_gen_too_many_places)
{
    /* 2,000 places: over the 1,024-entry list limit. */
    Gen g;
    gen_open(&g, "places");
    fputs(HEAD, g.f);
    fputs("\"places\": [\n", g.f);
    for (int i = 0; i < 2000; i++)
        fprintf(g.f, "%s{\"id\": \"p%d\", \"kind\": \"port\", \"lat\": 0, \"lon\": 0}\n", i ? "," : "", i);
    fputs("]}\n", g.f);
    gen_close(&g);
    expect_generated_fails(&g, 0, 0, "1024");
}
END_TEST

START_TEST(test_gen_long_string)
{
    /* A 10,000-byte title: over the 4,096-byte string limit. */
    Gen g;
    gen_open(&g, "string");
    fputs(HEAD, g.f);
    fputs("\"places\": [{\"id\": \"p\", \"kind\": \"port\", \"lat\": 0, \"lon\": 0}],\n\"title\": \"", g.f);
    gen_repeat(&g, "x", 10000);
    fputs("\"}\n", g.f);
    gen_close(&g);
    expect_generated_fails(&g, 4, 10, "4096");
}
END_TEST

START_TEST(test_gen_random_bytes)
{
    /* Pseudo-random bytes (fixed LCG seed 12345), 64 files of 4 KiB: each
     * must be refused cleanly by the library. */
    uint32_t x = 12345;
    for (int k = 0; k < 64; k++) {
        Gen g;
        gen_open(&g, "noise");
        for (int i = 0; i < 4096; i++) {
            x = x * 1664525u + 1013904223u;
            fputc((int)(x >> 24), g.f);
        }
        gen_close(&g);
        expect_load_fails(g.path, 0, 0, "");
        gen_done(&g);
    }
}
END_TEST

/* --- shipped scenarios through the binary --------------------------------- */

START_TEST(test_shipped_validate)
{
    glob_t g;
    memset(&g, 0, sizeof g);
    ck_assert_int_eq(glob("scenarios/*.json", 0, NULL, &g), 0);
    ck_assert_int_eq(glob("scenarios/verify/*.json", GLOB_APPEND, NULL, &g), 0);
    ck_assert_int_ge((int)g.gl_pathc, 9);
    static char err[ERR_CAP];
    for (size_t i = 0; i < g.gl_pathc; i++) {
        if (strstr(g.gl_pathv[i], "schema.json")) continue;   /* the JSON Schema, not a scenario */
        const char *argv[] = { SALVO_BIN, "validate", g.gl_pathv[i], NULL };
        int rc = run_salvo(argv, err, sizeof err);
        ck_assert_msg(rc == 0, "salvo validate %s: exit %d; stderr:\n%s", g.gl_pathv[i], rc, err);
        ck_assert_msg(!strstr(err, "error"), "salvo validate %s printed errors:\n%s", g.gl_pathv[i], err);
    }
    globfree(&g);
}
END_TEST

Suite *suite_bad(void)
{
    Suite *s = suite_create("bad");
    TCase *tc = TCASE(s, "corpus", 120, NO_FIXTURE, test_corpus_complete, test_validate_reports_every_file,
                      test_missing_file);
    int n = expect_rows(-1, NULL);
    tcase_add_loop_test(tc, test_bad_file, 0, n > 0 ? n : 1);
    TCASE(s, "generated", 300, NO_FIXTURE, test_gen_100mb, test_gen_deep_arrays, test_gen_deep_objects,
          test_gen_deep_unclosed, test_gen_many_values, test_gen_too_many_places, test_gen_long_string,
          test_gen_random_bytes);
    TCASE(s, "shipped", 120, NO_FIXTURE, test_shipped_validate);
    return s;
}
