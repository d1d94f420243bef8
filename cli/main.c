/* main.c — the `salvo` binary: one program, several subcommands. It only
 * dispatches; each subcommand parses its own arguments (cli/opt.h) and
 * calls sim/. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "afile.h"
#include "cmd.h"
#include "diag.h"
#include "outpath.h"
#include "mm1.h"
#include "opt.h"

static int cmd_version(int argc, char **argv);
static int cmd_help(int argc, char **argv);

/* The subcommands, in the order `salvo --help` lists them. A command added
 * here needs only its name, its function and a line; `salvo help NAME`
 * runs `salvo NAME --help`. */
static const struct Command {
    const char *name;
    int (*fn)(int, char **);
    const char *line;
} commands[] = {
    { "validate", cmd_validate, "validate FILE...        check scenarios and exercises; report every problem (exit 2 if any)" },
    { "run", cmd_run, "run FILE                simulate one replication and print its timeline" },
    { "batch", cmd_batch, "batch FILE --runs N     Monte Carlo batch with summary statistics" },
    { "compare", cmd_compare, "compare A B --runs N    paired comparison with common random numbers" },
    { "sweep", cmd_sweep, "sweep FILE --vary ...   parameter grid, or --assumptions for a tornado" },
    { "report", cmd_report, "report SUMMARY.json     an HTML page of charts from a batch, compare or sweep summary" },
    { "view", cmd_view, "view FILE               the map view (SDL2), or --trace T.jsonl" },
    { "discover", cmd_discover, "discover FILE --metric M --where \"M < X\"   which assumption ranges make it likely (PRIM)" },
    { "fit", cmd_fit, "fit FILE --runs N        history matching: weigh the assumptions by the record (ABC)" },
    { "assumptions", cmd_assumptions, "assumptions FILE        the assumption ledger: every parameter, its value, source, note" },
    { "exercise", cmd_exercise, "exercise FILE           a teaching exercise: briefing, predictions, play, debrief" },
    { "debrief", cmd_debrief, "debrief CLASSDIR        the class debrief from every playthrough in a folder" },
    { "demo", cmd_demo, "demo                    the kernel's M/M/1 demonstration" },
    { "version", cmd_version, "version                 print the version" },
    { "help", cmd_help, "help [COMMAND]          this list, or COMMAND's options" },
};
#define NCOMMANDS (int)(sizeof commands / sizeof commands[0])

static void usage(FILE *out)
{
    fputs("usage: salvo COMMAND [ARGS]\n"
          "       salvo -V | --version\n"
          "\n"
          "commands:\n",
          out);
    for (int i = 0; i < NCOMMANDS; i++) fprintf(out, "  %s\n", commands[i].line);
    fputs("\n"
          "`salvo help COMMAND` (or `salvo COMMAND --help`) describes a command.\n"
          "Full reference: man salvo, docs/cli.md.\n",
          out);
}

static const struct Command *find(const char *name)
{
    for (int i = 0; i < NCOMMANDS; i++)
        if (!strcmp(name, commands[i].name)) return &commands[i];
    return NULL;
}

/* "salvo: unknown command 'rnu'; did you mean 'run'?" */
static void unknown(const char *name)
{
    const char *cand[NCOMMANDS];
    for (int i = 0; i < NCOMMANDS; i++) cand[i] = commands[i].name;
    const char *best = diag_suggest(name, cand, NCOMMANDS);
    fprintf(stderr, "salvo: unknown command '%s'", name);
    if (best) fprintf(stderr, "; did you mean '%s'?", best);
    fputs(" (salvo --help lists the commands)\n", stderr);
}

static const OptSpec no_opts[] = { { 0, NULL, NULL, NULL } };

static const CmdSpec demo_spec = {
    "demo", "",
    "The kernel's M/M/1 queue (lambda 0.9, mu 1.0, 1,000,000 customers), with the\n"
    "analytic mean time in system (10.0) beside the simulated one.",
    no_opts,
};

static const CmdSpec version_spec = {
    "version", "", "Prints the version and the git revision it was built from (also salvo -V).", no_opts,
};

static const CmdSpec help_spec = {
    "help", "[COMMAND]", "Lists the commands, or prints COMMAND's help (the same as salvo COMMAND --help).",
    no_opts,
};

/* Commands that take no options and no operands. 0 go, 1 help shown, -1 error. */
static int no_args(const CmdSpec *spec, int argc, char **argv)
{
    OptParser p;
    opt_init(&p, spec, argc, argv);
    for (int c; (c = opt_next(&p)) != OPT_END;) {
        if (c == OPT_HELP) {
            opt_usage(spec, stdout);
            return 1;
        }
        if (c == OPT_OPERAND) fprintf(stderr, "salvo %s: unexpected argument '%s'\n", spec->name, p.val);
        if (c != OPT_ERROR && c != OPT_OPERAND) continue;
        opt_usage_short(spec, stderr);
        return -1;
    }
    return 0;
}

int cmd_demo(int argc, char **argv)
{
    int r = no_args(&demo_spec, argc, argv);
    if (r) return r > 0 ? 0 : 2;
    Mm1Result res;
    printf("M/M/1 queue on the salvo kernel: lambda 0.9, mu 1.0, 1,000,000 customers\n");
    mm1_run(0.9, 1.0, 1000000, 2024, &res);
    printf("mean time in system  %.4f (analytic 1/(mu-lambda) = 10.0)\n", res.mean_time);
    printf("events dispatched    %llu\n", (unsigned long long)res.events);
    printf("longest queue        %.0f\n", res.max_queue);
    return 0;
}

static int cmd_version(int argc, char **argv)
{
    int r = no_args(&version_spec, argc, argv);
    if (r) return r > 0 ? 0 : 2;
    printf("salvo %s (%s)\n", SALVO_VERSION, SALVO_GIT);
    return 0;
}

static int cmd_help(int argc, char **argv)
{
    OptParser p;
    opt_init(&p, &help_spec, argc, argv);
    const char *topic = NULL;
    for (int c; (c = opt_next(&p)) != OPT_END;) {
        if (c == OPT_HELP) {
            opt_usage(&help_spec, stdout);
            return 0;
        }
        if (c == OPT_OPERAND && !topic) {
            topic = p.val;
            continue;
        }
        if (c == OPT_OPERAND) fprintf(stderr, "salvo help: one command at a time ('%s' and '%s')\n", topic, p.val);
        return 2;
    }
    if (!topic) {
        usage(stdout);
        return 0;
    }
    const struct Command *c = find(topic);
    if (!c) {
        unknown(topic);
        return 2;
    }
    if (c->fn == cmd_help) {
        opt_usage(&help_spec, stdout);
        return 0;
    }
    char *args[] = { (char *)c->name, "--help", NULL };
    return c->fn(2, args);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *c = argv[1];
    if (!strcmp(c, "-h") || !strcmp(c, "--help")) {
        usage(stdout);
        return 0;
    }
    /* Tests only (tests/test_reliability.c): fail the N-th output write. */
    const char *fail = getenv("SALVO_TEST_FAIL_WRITE");
    if (fail) afile_fail_write(atol(fail));
    if (!strcmp(c, "-V") || !strcmp(c, "--version")) return outpath_close_stdout(cmd_version(argc - 1, argv + 1));
    const struct Command *cmd = find(c);
    if (cmd) return outpath_close_stdout(cmd->fn(argc - 1, argv + 1));
    if (c[0] == '-') fprintf(stderr, "salvo: '%s' is not a command; options follow the command (salvo COMMAND --help)\n", c);
    else unknown(c);
    return 2;
}
