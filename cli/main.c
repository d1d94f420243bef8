/* main.c — the `salvo` binary: one program, several subcommands. It only
 * dispatches; each subcommand parses its own arguments and calls sim/. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "afile.h"
#include "cmd.h"
#include "outpath.h"
#include "mm1.h"

static void usage(FILE *out)
{
    fputs("usage: salvo COMMAND [ARGS]\n"
          "\n"
          "commands:\n"
          "  validate FILE...        check scenarios; report every problem (exit 2 if any)\n"
          "  run FILE                simulate one replication and print its timeline\n"
          "  batch FILE --runs N     Monte Carlo batch with summary statistics\n"
          "  compare A B --runs N    paired comparison with common random numbers\n"
          "  sweep FILE --vary ...   parameter grid, or --assumptions for a tornado\n"
          "  view FILE               the map view (SDL2), or --trace T.jsonl\n"
          "  demo                    the kernel's M/M/1 demonstration\n"
          "  version                 print the version\n"
          "\n"
          "`salvo COMMAND --help` describes a command. Full reference: docs/cli.md.\n",
          out);
}

int cmd_demo(int argc, char **argv)
{
    (void)argv;
    if (argc > 1) {
        fputs("usage: salvo demo\n", stderr);
        return 2;
    }
    Mm1Result r;
    printf("M/M/1 queue on the salvo kernel: lambda 0.9, mu 1.0, 1,000,000 customers\n");
    mm1_run(0.9, 1.0, 1000000, 2024, &r);
    printf("mean time in system  %.4f (analytic 1/(mu-lambda) = 10.0)\n", r.mean_time);
    printf("events dispatched    %llu\n", (unsigned long long)r.events);
    printf("longest queue        %.0f\n", r.max_queue);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *c = argv[1];
    if (!strcmp(c, "-h") || !strcmp(c, "--help") || !strcmp(c, "help")) {
        usage(stdout);
        return 0;
    }
    if (!strcmp(c, "version") || !strcmp(c, "--version")) {
        printf("salvo %s (%s)\n", SALVO_VERSION, SALVO_GIT);
        return 0;
    }
    static const struct { const char *name; int (*fn)(int, char **); } cmds[] = {
        { "validate", cmd_validate }, { "run", cmd_run },       { "batch", cmd_batch },
        { "compare", cmd_compare },   { "sweep", cmd_sweep },   { "view", cmd_view },
        { "demo", cmd_demo },
    };
    /* Tests only (tests/test_reliability.c): fail the N-th output write. */
    const char *fail = getenv("SALVO_TEST_FAIL_WRITE");
    if (fail) afile_fail_write(atol(fail));
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
        if (!strcmp(c, cmds[i].name)) return outpath_close_stdout(cmds[i].fn(argc - 1, argv + 1));
    fprintf(stderr, "salvo: unknown command '%s'\n", c);
    usage(stderr);
    return 2;
}
