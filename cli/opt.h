/* opt.h — the one command-line grammar of every `salvo` subcommand.
 *
 * A subcommand describes its options in a table (OptSpec) and reads them
 * with opt_next(), which accepts, for every subcommand alike:
 *   --opt value  and  --opt=value       an option that takes a value
 *   --flag                               an option without one (--flag=x is an error)
 *   -h, --help                           help (opt_next returns OPT_HELP)
 *   --                                   the end of options: the rest are operands
 *   anything else not starting with '-'  an operand (so is "-" alone)
 * Option names are never abbreviated. An unknown option is an error whose
 * message names it and suggests the closest known one ("did you mean
 * '--runs'?"). `salvo CMD --help` is printed from the same table by
 * opt_usage(), and tests/test_docs.c checks docs/salvo.1 and docs/cli.md
 * against it, so the three cannot drift apart.
 *
 * Errors are printed to stderr as "salvo CMD: ..." and the caller exits 2.
 */
#ifndef SALVO_OPT_H
#define SALVO_OPT_H

#include <stdio.h>

typedef struct OptSpec {
    int id;             /* what opt_next returns for it (> 0) */
    const char *name;   /* "--runs" */
    const char *arg;    /* the value's placeholder ("N"), or NULL for a flag */
    const char *help;   /* one line for --help; NULL hides the option (test hooks) */
} OptSpec;

typedef struct CmdSpec {
    const char *name;       /* "batch" */
    const char *synopsis;   /* usage lines after "salvo NAME ", '\n'-separated */
    const char *about;      /* a paragraph for --help */
    const OptSpec *opts;    /* terminated by an entry with id 0 */
} CmdSpec;

enum { OPT_END = 0, OPT_OPERAND = -1, OPT_HELP = -2, OPT_ERROR = -3 };

typedef struct OptParser {
    const CmdSpec *cmd;
    int argc;
    char **argv;
    int i;              /* next argv index */
    int operands_only;  /* after "--" */
    const char *val;    /* the value (or operand) of the last opt_next */
    const char *opt;    /* the option's name, for messages */
} OptParser;

/* Parse argv[1..argc-1] (argv[0] is the subcommand's name). */
void opt_init(OptParser *p, const CmdSpec *cmd, int argc, char **argv);
/* The next option's id (its value in p->val), OPT_OPERAND (p->val), OPT_HELP,
 * OPT_END, or OPT_ERROR after printing what is wrong. */
int opt_next(OptParser *p);
/* `salvo NAME --help`: synopsis, paragraph, options. */
void opt_usage(const CmdSpec *cmd, FILE *out);
/* The short form for an error: "usage: salvo NAME ..." and a pointer to --help. */
void opt_usage_short(const CmdSpec *cmd, FILE *out);

#endif
