/* test_cli.c — the one command-line grammar of `salvo`, end to end by
 * running the built binary (SALVO_BIN): every subcommand takes -h/--help,
 * --opt=value as --opt value, -- as the end of options; `salvo help CMD`;
 * "did you mean" for unknown commands and options; -V/--version; the view
 * refuses quickly without a display; scenarios found by name when
 * installed. Every case also checks the exit status (0, or 2 for usage).
 */
#include <check.h>
#include "testutil.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#define SHIP "tests/data/batch/ship.json"

/* The scratch file FILE holds text. */
static int has(const char *file, const char *text) { return file_has(tmp(file), text); }

static const char *const commands[] = { "validate", "run", "batch", "compare", "sweep",
#ifdef SALVO_HAVE_VIEW
                                        "view",
#endif
                                        "demo", "version", "help" };
#define NCOMMANDS (int)(sizeof commands / sizeof *commands)

/* -h, --help and `salvo help CMD` print the same usage, exit 0. */
START_TEST(help_everywhere)
{
    for (int i = 0; i < NCOMMANDS; i++) {
        char args[256], want[64];
        snprintf(want, sizeof want, "usage: salvo %s", commands[i]);
        snprintf(args, sizeof args, "%s --help", commands[i]);
        ck_assert_msg(salvo(args) == 0, "%s", args);
        ck_assert(has("out.txt", want));
        char *a = slurp(tmp("out.txt"));
        snprintf(args, sizeof args, "%s -h", commands[i]);
        ck_assert_msg(salvo(args) == 0, "%s", args);
        char *b = slurp(tmp("out.txt"));
        snprintf(args, sizeof args, "help %s", commands[i]);
        ck_assert_msg(salvo(args) == 0, "%s", args);
        char *c = slurp(tmp("out.txt"));
        ck_assert_str_eq(a, b);
        ck_assert_str_eq(a, c);
        free(a);
        free(b);
        free(c);
    }
    ck_assert_int_eq(salvo("help"), 0);
    ck_assert(has("out.txt", "commands:"));
    ck_assert_int_eq(salvo("--help"), 0);
    ck_assert(has("out.txt", "salvo help COMMAND"));
}
END_TEST

START_TEST(version_flags)
{
    ck_assert_int_eq(salvo("-V"), 0);
    ck_assert(has("out.txt", "salvo " SALVO_VERSION " ("));
    ck_assert_int_eq(salvo("--version"), 0);
    ck_assert(has("out.txt", "salvo " SALVO_VERSION " ("));
    ck_assert_int_eq(salvo("version"), 0);
    ck_assert(has("out.txt", "salvo " SALVO_VERSION " ("));
    ck_assert_int_eq(salvo("version extra"), 2);
    ck_assert(has("err.txt", "unexpected argument 'extra'"));
    ck_assert_int_eq(salvo("demo --fast"), 2);
    ck_assert(has("err.txt", "unknown option '--fast'"));
}
END_TEST

/* --opt=value is --opt value, for every command that takes values. */
START_TEST(equals_form)
{
    ck_assert_int_eq(salvo("run " SHIP " --seed=7 --json"), 0);
    char *a = slurp(tmp("out.txt"));
    ck_assert_int_eq(salvo("run " SHIP " --seed 7 --json"), 0);
    char *b = slurp(tmp("out.txt"));
    ck_assert_str_eq(a, b);
    free(a);
    free(b);
    ck_assert_int_eq(salvo("run " SHIP " --until=30 --set=routes.ship.loss=0 --json"), 0);
    ck_assert_int_eq(salvo("validate --set=routes.ship.loss=0.1 " SHIP), 0);
    ck_assert_int_eq(salvo("batch " SHIP " --runs=64 --threads=1 --quiet"), 0);
    ck_assert(has("out.txt", "64 replications"));
    ck_assert_int_eq(salvo("batch " SHIP " --runs=64 --quiet=yes"), 2);
    ck_assert(has("err.txt", "--quiet takes no value"));
    ck_assert_int_eq(salvo("batch " SHIP " --runs"), 2);
    ck_assert(has("err.txt", "--runs needs a value"));
}
END_TEST

/* "--" ends the options: what follows is an operand even if it starts with -. */
START_TEST(double_dash)
{
    ck_assert_int_eq(salvo("run --json -- " SHIP), 0);
    ck_assert(has("out.txt", "\"metrics\""));
    ck_assert_int_eq(salvo("run " SHIP " -- --json"), 2);
    ck_assert(has("err.txt", "one scenario file at a time"));
    ck_assert_int_eq(salvo("validate -- -x.json"), 2);
    ck_assert(has("err.txt", "-x.json"));
}
END_TEST

START_TEST(did_you_mean)
{
    ck_assert_int_eq(salvo("rnu " SHIP), 2);
    ck_assert(has("err.txt", "unknown command 'rnu'; did you mean 'run'?"));
    ck_assert_int_eq(salvo("help bach"), 2);
    ck_assert(has("err.txt", "did you mean 'batch'?"));
    ck_assert_int_eq(salvo("batch " SHIP " --rusn 10"), 2);
    ck_assert(has("err.txt", "unknown option '--rusn'; did you mean '--runs'?"));
    ck_assert_int_eq(salvo("batch " SHIP " --rusn=10"), 2);
    ck_assert(has("err.txt", "unknown option '--rusn'; did you mean '--runs'?"));
    ck_assert_int_eq(salvo("run " SHIP " --verbsoe"), 2);
    ck_assert(has("err.txt", "did you mean '--verbose'?"));
    ck_assert_int_eq(salvo("sweep " SHIP " --assumption --metric delivered"), 2);
    ck_assert(has("err.txt", "did you mean '--assumptions'?"));
    ck_assert_int_eq(salvo("--runs 3"), 2);
    ck_assert(has("err.txt", "not a command"));
}
END_TEST

/* A count above its command's limit says the limit (exercise --tornado
 * used to exit 2 with no message). */
START_TEST(counts_above_their_limit)
{
    ck_assert_int_eq(salvo("exercise scenarios/exercises/shell-pipeline.json --tornado 100001"), 2);
    ck_assert(has("err.txt", "--tornado: at most 100000, got 100001"));
    ck_assert_int_eq(salvo("exercise scenarios/exercises/shell-pipeline.json --futures 1000001"), 2);
    ck_assert(has("err.txt", "--futures: at most 1000000, got 1000001"));
    ck_assert_int_eq(salvo("debrief . --runs 1000001"), 2);
    ck_assert(has("err.txt", "--runs: at most 1000000, got 1000001"));
    ck_assert_int_eq(salvo("discover scenarios/korea-russia-2024.json --metric front-shortfall "
                           "--where 'front-shortfall > 0' --boxes 101"), 2);
    ck_assert(has("err.txt", "--boxes: at most 100, got 101"));
    ck_assert_int_eq(salvo("fit scenarios/korea-russia-2024.json --top 100001"), 2);
    ck_assert(has("err.txt", "--top: at most 100000, got 100001"));
}
END_TEST

/* It used to exit 1 with no message although the CSV was right. */
START_TEST(sweep_assumptions_csv)
{
    ck_assert_int_eq(salvof("sweep " SHIP " --assumptions --metric delivered --runs 64 --quiet --csv %s",
                            tmp("t.csv")), 0);
    char *err = slurp(tmp("err.txt"));
    ck_assert_str_eq(err, "");
    free(err);
    ck_assert(has("t.csv", "rank,path,low,high,"));
}
END_TEST

#ifdef SALVO_HAVE_VIEW
/* No display: a clear message within a second, exit 2. */
START_TEST(view_without_display)
{
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int rc = salvo_env("env -u DISPLAY -u WAYLAND_DISPLAY -u SDL_VIDEODRIVER", "view " SHIP);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    ck_assert_int_eq(rc, 2);
    ck_assert(has("err.txt", "no display"));
    ck_assert(has("err.txt", "--screenshot"));
    double s = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
    ck_assert_double_lt(s, 1.0);
}
END_TEST
#endif

/* A scenario named without a path is looked up in DATADIR/scenarios. */
START_TEST(scenario_by_name)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "mkdir -p %s/share/scenarios && cp " SHIP " %s/share/scenarios/my-ship.json", dir, dir);
    ck_assert_int_eq(system(cmd), 0);
    char env[256];
    snprintf(env, sizeof env, "SALVO_DATADIR=%s/share", dir);
    ck_assert_int_eq(salvo_env(env, "run my-ship --json"), 0);
    ck_assert(has("out.txt", "\"batch-ship\""));
    ck_assert_int_eq(salvo_env(env, "validate my-ship.json"), 0);
    ck_assert_int_eq(salvo_env(env, "batch my-ship --runs 64 --quiet"), 0);
    ck_assert_int_eq(salvo_env(env, "run no-such-ship"), 2);
}
END_TEST

/* --- outputs every client reads -------------------------------------------- */

#define RISKY "tests/data/batch/ship-risky.json"


/* pandas with default settings reads every column but `path` as numbers;
 * first_loss (a time) has an empty cell, NaN, exactly where it never came. */
START_TEST(csv_is_numeric_for_pandas)
{
    ck_assert_int_eq(salvof("batch " SHIP " --runs 300 --quiet --csv %s --json %s", tmp("r.csv"), tmp("s.json")), 0);
    ck_assert_int_eq(salvof("compare " SHIP " " RISKY " --runs 200 --quiet --csv %s", tmp("c.csv")), 0);
    ck_assert_int_eq(salvof("sweep " SHIP " --vary routes.ship.loss=0:0.2:3 --runs 64 --quiet --csv %s",
                            tmp("w.csv")), 0);
    ck_assert_int_eq(salvof("sweep " SHIP " --assumptions --metric delivered --runs 64 --quiet --csv %s",
                            tmp("t.csv")), 0);
    char *csv = slurp(tmp("r.csv"));
    ck_assert_ptr_null(strstr(csv, "never"));
    free(csv);
    char cmd[2048];
    snprintf(cmd, sizeof cmd,
             "/usr/bin/python3 - %s >&2 <<'EOF'\n"
             "import json, sys\n"
             "import pandas as pd\n"
             "d = sys.argv[1]\n"
             "for f in ['r.csv', 'c.csv', 'w.csv', 't.csv']:\n"
             "    df = pd.read_csv(d + '/' + f)\n"
             "    for c in df.columns:\n"
             "        if c == 'path': continue\n"
             "        assert df[c].dtype.kind in 'iuf', (f, c, str(df[c].dtype))\n"
             "df = pd.read_csv(d + '/r.csv')\n"
             "s = json.load(open(d + '/s.json'))\n"
             "assert df['first_loss'].isna().sum() == s['metrics']['first_loss']['n_never'] > 0\n"
             "assert abs(df['delivered'].mean() - s['metrics']['delivered']['mean']) < 1e-6 * s['metrics']['delivered']['mean']\n"
             "EOF",
             dir);
    ck_assert_msg(sh(cmd) == 0, "pandas could not read the CSVs as numbers (see stderr)");
}
END_TEST

/* R's read.csv, if R is installed (tools/deps.sh installs r-base-core). */
START_TEST(csv_is_numeric_for_r)
{
    if (sh("command -v Rscript >/dev/null 2>&1") != 0) {
        fputs("test_cli: Rscript not found; the R check did not run\n", stderr);
        return;
    }
    ck_assert_int_eq(salvof("batch " SHIP " --runs 300 --quiet --csv %s", tmp("r.csv")), 0);
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "Rscript -e 'd <- read.csv(\"%s\"); stopifnot(all(sapply(d, is.numeric)), "
             "sum(is.na(d$first_loss)) > 0, !anyNA(d$delivered))' >&2",
             tmp("r.csv"));
    ck_assert_int_eq(sh(cmd), 0);
}
END_TEST

/* `run --json`: the seed is a string, so a 64-bit seed survives jq and
 * JavaScript (a JSON number is a double). */
START_TEST(run_json_seed_is_string)
{
    ck_assert_int_eq(salvo("run " SHIP " --json --seed 18446744073709551615"), 0);
    char cmd[512];
    snprintf(cmd, sizeof cmd, "jq -e '.seed == \"18446744073709551615\" and (.metrics.delivered | type) == \"number\"' "
             "%s/out.txt >/dev/null", dir);
    ck_assert_int_eq(sh(cmd), 0);
}
END_TEST

/* Whole-number metrics (here launch attempts, a count) have whole
 * quantiles, and histogram bins [k, k + w) that count each value where it
 * is: checked against the exact values from the CSV. */
START_TEST(whole_numbers_stay_whole)
{
    ck_assert_int_eq(salvof("batch scenarios/korea-russia-2024.json --runs 500 --quiet --json %s --csv %s",
                            tmp("s.json"), tmp("r.csv")), 0);
    char cmd[2048];
    snprintf(cmd, sizeof cmd,
             "/usr/bin/python3 - %s >&2 <<'EOF'\n"
             "import json, sys, csv\n"
             "d = sys.argv[1]\n"
             "s = json.load(open(d + '/s.json'))['metrics']\n"
             "rows = list(csv.DictReader(open(d + '/r.csv')))\n"
             "for m in ['launch-attempts', 'voyages-vostochny', 'troops-sent', 'satellite-by-2025']:\n"
             "    x = s[m]\n"
             "    vals = sorted(float(r[m]) for r in rows)\n"
             "    for q, k in [(0.05, 'p5'), (0.25, 'p25'), (0.5, 'median'), (0.75, 'p75'), (0.95, 'p95')]:\n"
             "        assert x[k] == int(x[k]), (m, k, x[k])\n"
             "        exact = vals[int(q * (len(vals) - 1))]\n"
             "        assert abs(x[k] - exact) <= max(0.005 * abs(exact) + 0.5, 0) and (abs(exact) >= 100 or x[k] == exact), (m, k, x[k], exact)\n"
             "    e, c = x['histogram']['edges'], x['histogram']['counts']\n"
             "    if x['kind'] == 'flag': continue\n"
             "    assert all(v == int(v) for v in e), (m, e)\n"
             "    if vals[-1] < 100:\n"
             "        want = [sum(1 for v in vals if e[i] <= v < e[i + 1]) for i in range(len(c))]\n"
             "        assert want == c, (m, e, c, want)\n"
             "EOF",
             dir);
    ck_assert_int_eq(sh(cmd), 0);
}
END_TEST

/* --- numbers and words in the terminal ---------------------------------------- */

#define DRONES "tests/data/cli/drones.json"

/* The monthly shortfall lands in the month it happened (the front runs dry
 * on 11 January: 2,100 in January, 2,900 in February, 3,100 in March; it
 * used to come out as 8,100 at the end), resource names pluralise once, a
 * delayed event says when it takes effect, and --until past the end says
 * the scenario ends earlier. */
START_TEST(run_timeline_words)
{
    ck_assert_int_eq(salvo("run " DRONES), 0);
    ck_assert(has("out.txt", "2024-01     shortfall at front: 2,100 Shahed-136 drones unmet\n"));
    ck_assert(has("out.txt", "2024-02     shortfall at front: 2,900 Shahed-136 drones unmet\n"));
    ck_assert(has("out.txt", "2024-03     shortfall at front: 3,100 Shahed-136 drones unmet\n"));
    ck_assert(has("out.txt", "runs out for the first time: 100 Shahed-136 drones a day"));
    ck_assert(has("out.txt", "2024-02-01  EVENT Drone strike on the depot\n"));
    ck_assert(has("out.txt", "2024-02-06  EVENT Drone strike on the depot takes effect (it happened on 2024-02-01)\n"));
    ck_assert(has("out.txt", "shortfall                    8,100 drones"));
    char *out = slurp(tmp("out.txt"));
    ck_assert_ptr_null(strstr(out, "drones of"));
    free(out);
    ck_assert_int_eq(salvo("run " DRONES " --until 2025-01-01"), 0);
    ck_assert(has("err.txt", "--until 2025-01-01 is after the scenario's end; it ends earlier, on 2024-04-01"));
    ck_assert(has("out.txt", "2024-04-01  end of the scenario"));
    ck_assert_int_eq(salvo("run " DRONES " --until 20"), 0);
    ck_assert(has("out.txt", "from 2024-01-01 to 2024-01-21"));
}
END_TEST

/* No e-notation anywhere a person reads; one number format. */
static void no_enotation(const char *file)
{
    char *s = slurp(tmp(file));
    for (char *p = s; p && (p = strstr(p, "e+")) != NULL; p++)
        ck_assert_msg(!(p > s && p[-1] >= '0' && p[-1] <= '9'), "e-notation in %s: %.40s", file, p - 8);
    free(s);
}

START_TEST(tables_read_well)
{
    ck_assert_int_eq(salvo("run scenarios/korea-russia-2024.json --seed 3 --no-uncertainty"), 0);
    no_enotation("out.txt");
    ck_assert(has("out.txt", "voyages-vostochny            123 voyages"));
    ck_assert_int_eq(salvo_env("COLUMNS=200", "batch scenarios/korea-russia-2024.json --runs 128 --quiet"), 0);
    no_enotation("out.txt");
    ck_assert(has("out.txt", "±95%: half-width of the 95% confidence interval of the mean"));
    ck_assert(has("out.txt", "  label\n"));
    ck_assert(has("out.txt", "ship voyages Rajin - Vostochny"));
    char *out = slurp(tmp("out.txt"));
    ck_assert_ptr_null(strstr(out, ".0 "));     /* no 3200.0 */
    free(out);
    ck_assert_int_eq(salvo_env("COLUMNS=80", "batch scenarios/korea-russia-2024.json --runs 64 --quiet"), 0);
    out = slurp(tmp("out.txt"));
    ck_assert_ptr_null(strstr(out, "  label\n"));
    free(out);
    ck_assert_int_eq(salvo("compare scenarios/korea-russia-2024.json scenarios/korea-russia-interdiction.json "
                           "--runs 128 --quiet"), 0);
    no_enotation("out.txt");
    ck_assert(has("out.txt", "  unit\n"));
    ck_assert(has("out.txt", "date/days\n"));
    ck_assert(has("out.txt", "over the replications where both have a value"));
    /* A time metric's means are dates. */
    ck_assert(has("out.txt", "\nfirst-at-tikhoretsk            2023-09-"));
}
END_TEST

/* --- Slurm --------------------------------------------------------------------- */

/* tools/salvo-slurm.sh run by bash in a fake Slurm job of 2 tasks x 1 CPU
 * (mpirun -np 2 on this machine) gives the plain batch's summary and CSV;
 * submitted again with more runs it resumes from its checkpoint and gives
 * the plain batch of that size. */
START_TEST(slurm_script)
{
#ifndef SALVO_BIN_MPI
    fputs("test_cli: this build has no MPI; the Slurm script test did not run\n", stderr);
#else
    static const char env[] =
        "SLURM_NTASKS=2 SLURM_CPUS_PER_TASK=1 SLURM_JOB_ID=4242 SLURM_JOB_NODELIST=node1 "
        "MPIRUN='timeout -k 5 120 mpirun' MPIRUN_ARGS='--allow-run-as-root --oversubscribe --mca plm isolated "
        "--mca btl self,vader --mca btl_vader_single_copy_mechanism none' "
#if defined(__SANITIZE_ADDRESS__)
        "ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 "
#endif
        ;
    const int runs[2] = { 700, 900 };
    for (int k = 0; k < 2; k++) {
        char cmd[2048];
        ck_assert_int_eq(salvof("batch " SHIP " --runs %d --seed 5 --threads 2 --quiet --json %s --csv %s",
                                runs[k], tmp("plain.json"), tmp("plain.csv")), 0);
        snprintf(cmd, sizeof cmd, "%s SALVO=%s SALVO_OUT=%s/job bash tools/salvo-slurm.sh " SHIP " %d --seed 5 "
                 ">%s/out.txt 2>%s/err.txt", env, salvo_bin(), dir, runs[k], dir, dir);
        int rc = sh(cmd);
        char *err = slurp(tmp("err.txt"));
        ck_assert_msg(rc == 0, "salvo-slurm.sh: exit %d:\n%s", rc, err);
        ck_assert_ptr_nonnull(strstr(err, "job 4242: 2 rank(s) x 1 thread(s)"));
        if (k == 1) ck_assert_ptr_nonnull(strstr(err, "resuming from"));
        free(err);
        assert_same_batch(tmp("plain.json"), tmp("plain.csv"), tmp("job.json"), tmp("job.csv"));
        ck_assert(has("job.json", "\"ranks\":\t2"));
    }
    /* Without arguments: usage, exit 2. */
    ck_assert_int_eq(sh("bash tools/salvo-slurm.sh 2>/dev/null"), 2);
#endif
}
END_TEST

/* make install: the man page follows PREFIX, the docs go to
 * share/doc/salvo, and the installed binary finds an installed scenario by
 * name from any directory. */
START_TEST(make_install)
{
    char build[256] = "build";
    const char *slash = strrchr(SALVO_BIN, '/');
    if (slash) snprintf(build, sizeof build, "%.*s", (int)(slash - SALVO_BIN), SALVO_BIN);
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "make --no-print-directory -s install DESTDIR=%s/root PREFIX=/opt/salvo SALVO_BIN=%s "
             "BUILD=%s >%s/make.txt 2>&1", dir, SALVO_BIN, build, dir);
    ck_assert_msg(sh(cmd) == 0, "make install failed (see %s/make.txt)", dir);
    static const char *const files[] = {
        "bin/salvo", "share/man/man1/salvo.1", "share/doc/salvo/cli.md", "share/doc/salvo/batch.md",
        "share/doc/salvo/scenario.md", "share/doc/salvo/salvo-slurm.sh", "share/salvo/scenarios/korea-russia-2024.json",
    };
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        char path[512];
        snprintf(path, sizeof path, "%s/root/opt/salvo/%s", dir, files[i]);
        ck_assert_msg(access(path, R_OK) == 0, "make install did not install %s", files[i]);
    }
    ck_assert(has("root/opt/salvo/share/man/man1/salvo.1", ".I /opt/salvo/share/salvo/scenarios/\n"));
    char *man = slurp(tmp("root/opt/salvo/share/man/man1/salvo.1"));
    ck_assert_ptr_null(strstr(man, "/usr/local/share"));
    free(man);
    snprintf(cmd, sizeof cmd, "cd /tmp && %s%s/root/opt/salvo/bin/salvo run korea-russia-2024 --json >%s/out.txt 2>&1",
             dir[0] == '/' ? "" : "../", dir, dir);
    ck_assert_int_eq(sh(cmd), 0);
    ck_assert(has("out.txt", "\"scenario\":\"korea-russia-2024\""));
}
END_TEST

/* The build is quiet: one "CC file" line per object; V=1 shows the command.
 * (One object compiled into a scratch build directory, twice.) */
START_TEST(quiet_build)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make --no-print-directory BUILD=%s/b %s/b/sim/cal.o >%s/q.txt 2>&1", dir, dir, dir);
    ck_assert_int_eq(sh(cmd), 0);
    char *q = slurp(tmp("q.txt"));
    ck_assert_str_eq(q, "  CC     sim/cal.c\n");
    free(q);
    snprintf(cmd, sizeof cmd, "rm %s/b/sim/cal.o && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make --no-print-directory V=1 BUILD=%s/b %s/b/sim/cal.o >%s/v.txt 2>&1",
             dir, dir, dir, dir);
    ck_assert_int_eq(sh(cmd), 0);
    ck_assert(has("v.txt", " -c sim/cal.c -o "));
    ck_assert(has("v.txt", "-Wall -Wextra -Wpedantic -Werror"));
}
END_TEST

Suite *suite_cli(void)
{
    Suite *s = suite_create("cli");
    TCASE(s, "grammar", 60, SCRATCH, help_everywhere, version_flags, equals_form, double_dash, did_you_mean,
          sweep_assumptions_csv, scenario_by_name, counts_above_their_limit);
#ifdef SALVO_HAVE_VIEW
    TCASE(s, "grammar (view)", 60, SCRATCH, view_without_display);
#endif
    TCASE(s, "outputs", 120, SCRATCH, csv_is_numeric_for_pandas, csv_is_numeric_for_r, run_json_seed_is_string,
          whole_numbers_stay_whole, run_timeline_words, tables_read_well, slurm_script, make_install, quiet_build);
    return s;
}
