/* pending.c — weak fallbacks for subcommands whose real definitions live in
 * files being built on other branches. A strong definition elsewhere in
 * cli/ replaces each one at link time. */
#include <stdio.h>
#include "cmd.h"

#define PENDING(fn, what)                                                      \
    __attribute__((weak)) int fn(int argc, char **argv)                        \
    {                                                                          \
        (void)argc; (void)argv;                                                \
        fprintf(stderr, "salvo: '%s' is not available in this build\n", what); \
        return 2;                                                              \
    }
PENDING(cmd_validate, "validate")
PENDING(cmd_run, "run")
PENDING(cmd_batch, "batch")
PENDING(cmd_compare, "compare")
PENDING(cmd_sweep, "sweep")
PENDING(cmd_view, "view")
