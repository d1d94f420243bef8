/* cmd.h — the subcommands of the `salvo` binary. Each takes the arguments
 * after its name (argv[0] is the subcommand) and returns the exit status:
 * 0 success, 1 a failed check or run-time failure, 2 bad input or usage,
 * 130 interrupted. The front end stays thin: parse, call sim/, print. */
#ifndef SALVO_CMD_H
#define SALVO_CMD_H

#include <stddef.h>

int cmd_validate(int argc, char **argv);   /* cli/run.c */
int cmd_run(int argc, char **argv);        /* cli/run.c */
int cmd_batch(int argc, char **argv);      /* cli/batch.c */
int cmd_compare(int argc, char **argv);    /* cli/batch.c */
int cmd_sweep(int argc, char **argv);      /* cli/batch.c */
int cmd_view(int argc, char **argv);       /* cli/view.c (or the no-view fallback) */
int cmd_demo(int argc, char **argv);       /* cli/main.c: the kernel's M/M/1 demonstration */
int cmd_assumptions(int argc, char **argv); /* cli/assumptions.c: the assumption ledger */
int cmd_exercise(int argc, char **argv);   /* cli/exercise.c: a teaching exercise in the terminal */
int cmd_debrief(int argc, char **argv);    /* cli/debrief.c: the class debrief */
int cmd_report(int argc, char **argv);     /* cli/report.c: HTML report of a summary */
int cmd_fit(int argc, char **argv);        /* cli/fit.c: history matching (ABC) */
int cmd_discover(int argc, char **argv);   /* cli/discover.c: scenario discovery (PRIM) */

#include <stdio.h>
struct RecordRow;
/* cli/record.c: the record check as a table, held-out rows apart. */
void record_print(const struct RecordRow *rows, int n, FILE *out);

/* Shared argument helpers (cli/args.c). */
/* Parse a non-negative integer option value; -1 on error (message printed). */
long long args_count(const char *opt, const char *val, long long min);
/* args_count with an upper bound, said in the message when passed. */
long long args_count_range(const char *opt, const char *val, long long min, long long max);
/* --threads: 1 to ARGS_MAX_THREADS, into out; 0 ok, -1 on error. The
 * default is the number of cores, at most 256. */
#define ARGS_MAX_THREADS 1024
int args_threads(const char *val, int *out);
int args_threads_default(void);
/* --set PATH=VALUE (both sides non-empty) appended to sets[*nsets] (cap
 * entries at most); 0 ok, -1 on error (message printed). */
int args_set(const char *val, const char **sets, int *nsets, int cap);
/* Parse an unsigned 64-bit seed (decimal or 0x hex); 0 ok, -1 on error. */
int args_seed(const char *val, unsigned long long *out);
/* A scenario named without a path ("korea-russia-2024") that is not a file
 * here: its installed copy, DATADIR/scenarios/NAME[.json], into out (n
 * bytes). 1 if found, 0 if name is to be used as it is. */
int args_scenario(const char *name, char *out, size_t n);
/* The scenario operand of a command: *file becomes its installed copy when
 * named without a path (args_scenario, into found), the outputs are checked
 * against it (outpath_check_all; nouts 0: none), and it is loaded with the
 * --set values. NULL after printing why (the command exits 2). */
struct OutPath;
struct Scenario;
struct Scenario *args_open_scenario(const char **file, char *found, size_t nfound, const char *const *sets,
                                    int nsets, const struct OutPath *outs, int nouts);
/* What a checkpoint must match: the hex SHA-256 of the build, the
 * scenario's bytes, every --set and `extra` (a mode; may be NULL). A
 * different model code could give other results, so the build counts. */
void args_fingerprint(const struct Scenario *s, const char *const *sets, int nsets, const char *extra, char out[65]);

/* --report FILE [--svg DIR] of batch, compare and sweep (cli/report.c):
 * write the report of the summary just built; path NULL does nothing.
 * 0, 1 (a write failed) or 2 (not a summary); messages printed. */
struct cJSON;
int report_hook(const struct cJSON *summary, const char *path, const char *svg_dir);

#endif
