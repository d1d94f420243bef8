/* args.c — small argument parsers shared by the subcommands. Each prints a
 * message naming the option and what was expected, and reports failure. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include "cmd.h"
#include "num.h"

long long args_count(const char *opt, const char *val, long long min)
{
    char *end;
    errno = 0;
    if (!val) {
        fprintf(stderr, "salvo: %s needs a value\n", opt);
        return -1;
    }
    long long v = strtoll(val, &end, 10);
    if (errno || end == val || *end || v < min) {
        fprintf(stderr, "salvo: %s: expected a whole number >= %lld, got '%s'\n", opt, min, val);
        return -1;
    }
    return v;
}

int args_seed(const char *val, unsigned long long *out)
{
    if (parse_seed(val, out) == 0) return 0;
    fprintf(stderr, "salvo: --seed: expected an unsigned 64-bit integer (decimal or 0x hex), got '%s'\n", val ? val : "");
    return -1;
}
