/* opt.c — the shared option parser and --help printer: see opt.h.
 * Invariant: p->i only moves forward; every argv element is consumed once,
 * as an option, an option's value or an operand. */
#include "opt.h"

#include <string.h>

#include "diag.h"

void opt_init(OptParser *p, const CmdSpec *cmd, int argc, char **argv)
{
    memset(p, 0, sizeof *p);
    p->cmd = cmd;
    p->argc = argc;
    p->argv = argv;
    p->i = 1;
}

static void suggest(const OptParser *p, const char *name)
{
    const char *cand[64];
    int n = 0;
    cand[n++] = "--help";
    for (const OptSpec *o = p->cmd->opts; o && o->id && n < 64; o++)
        if (o->help) cand[n++] = o->name;
    const char *best = diag_suggest(name, cand, n);
    fprintf(stderr, "salvo %s: unknown option '%s'", p->cmd->name, name);
    if (best) fprintf(stderr, "; did you mean '%s'?", best);
    fprintf(stderr, " (see salvo %s --help)\n", p->cmd->name);
}

int opt_next(OptParser *p)
{
    p->val = NULL;
    p->opt = NULL;
    if (p->i >= p->argc) return OPT_END;
    const char *a = p->argv[p->i++];
    if (p->operands_only || a[0] != '-' || a[1] == '\0') {
        p->val = a;
        return OPT_OPERAND;
    }
    if (!strcmp(a, "--")) {
        p->operands_only = 1;
        return opt_next(p);
    }
    if (!strcmp(a, "-h") || !strcmp(a, "--help")) return OPT_HELP;
    /* --name=value */
    char name[64];
    const char *eq = a[1] == '-' ? strchr(a, '=') : NULL;
    size_t len = eq ? (size_t)(eq - a) : strlen(a);
    if (len >= sizeof name) len = sizeof name - 1;
    memcpy(name, a, len);
    name[len] = '\0';
    const OptSpec *o = p->cmd->opts;
    while (o && o->id && strcmp(o->name, name)) o++;
    if (!o || !o->id) {
        suggest(p, name);
        return OPT_ERROR;
    }
    p->opt = o->name;
    if (!o->arg) {
        if (eq) {
            fprintf(stderr, "salvo %s: %s takes no value (got '%s')\n", p->cmd->name, o->name, a);
            return OPT_ERROR;
        }
        return o->id;
    }
    if (eq) p->val = eq + 1;
    else if (p->i < p->argc) p->val = p->argv[p->i++];
    else {
        fprintf(stderr, "salvo %s: %s needs a value (%s %s)\n", p->cmd->name, o->name, o->name, o->arg);
        return OPT_ERROR;
    }
    return o->id;
}

/* Synopsis lines: each '\n'-separated line is one form of the command; a
 * line that starts with a space continues the form above it. */
static void synopsis(const CmdSpec *cmd, FILE *out)
{
    const char *s = cmd->synopsis ? cmd->synopsis : "";
    int first = 1, indent = (int)strlen(cmd->name) + 7;
    for (;;) {
        size_t n = strcspn(s, "\n");
        if (*s == ' ') {
            size_t k = strspn(s, " ");
            fprintf(out, "       %*s%.*s\n", indent, "", (int)(n - k), s + k);
        } else {
            fprintf(out, "%s salvo %s%s%.*s\n", first ? "usage:" : "      ", cmd->name, n ? " " : "", (int)n, s);
        }
        first = 0;
        s += n;
        if (!*s || !*++s) break;
    }
}

void opt_usage(const CmdSpec *cmd, FILE *out)
{
    synopsis(cmd, out);
    if (cmd->about) fprintf(out, "\n%s\n", cmd->about);
    fputs("\noptions:\n", out);
    int w = 10;
    for (const OptSpec *o = cmd->opts; o && o->id; o++) {
        if (!o->help) continue;
        int len = (int)strlen(o->name) + (o->arg ? 1 + (int)strlen(o->arg) : 0);
        if (len > w) w = len;
    }
    if (w > 26) w = 26;
    for (const OptSpec *o = cmd->opts; o && o->id; o++) {
        if (!o->help) continue;
        char left[96];
        snprintf(left, sizeof left, "%s%s%s", o->name, o->arg ? " " : "", o->arg ? o->arg : "");
        if ((int)strlen(left) > w) fprintf(out, "  %s\n  %-*s  ", left, w, "");
        else fprintf(out, "  %-*s  ", w, left);
        /* A help text with '\n' continues under itself. */
        for (const char *h = o->help; *h; h++) {
            fputc(*h, out);
            if (*h == '\n') fprintf(out, "  %-*s  ", w, "");
        }
        fputc('\n', out);
    }
    fprintf(out, "  %-*s  %s\n", w, "-h, --help", "print this help and exit");
    fputs("\n--opt VALUE and --opt=VALUE are the same; -- ends the options.\n"
          "Exit status: 0 done, 1 failed while running, 2 bad input or usage, 130 interrupted.\n",
          out);
}

void opt_usage_short(const CmdSpec *cmd, FILE *out)
{
    synopsis(cmd, out);
    fprintf(out, "(salvo %s --help for the options)\n", cmd->name);
}
