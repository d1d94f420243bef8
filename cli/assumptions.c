/* assumptions.c — `salvo assumptions FILE`: the assumption ledger (every
 * parameter with its value, range, unit, source and note) as a Markdown
 * table on standard output, or as CSV, Markdown and JSON files. The rows
 * come from sim/ledger.c; this file only parses arguments and writes. */
#include <stdio.h>
#include <string.h>

#include "afile.h"
#include "cmd.h"
#include "outpath.h"
#include "ledger.h"
#include "opt.h"
#include "salvo.h"

enum { ASM_CSV = 1, ASM_MD, ASM_JSON, ASM_SET };
static const OptSpec assumptions_opts[] = {
    { ASM_CSV, "--csv", "OUT", "write the ledger as CSV ('-' for standard output)" },
    { ASM_MD, "--markdown", "OUT", "write the ledger as a Markdown table" },
    { ASM_JSON, "--json", "OUT", "write the ledger as a JSON array" },
    { ASM_SET, "--set", "PATH=VALUE", "override a parameter before listing (repeatable)" },
    { 0, NULL, NULL, NULL },
};
static const CmdSpec assumptions_spec = {
    "assumptions", "FILE [--csv OUT] [--markdown OUT] [--json OUT] [--set PATH=VALUE ...]",
    "Every parameter of the scenario with its value (or distribution), range, unit,\n"
    "source (title, publisher, date, URL) and note. With no output option, prints\n"
    "the Markdown table. OUT may be '-' for standard output.",
    assumptions_opts,
};

typedef int (*Writer)(const LedgerRow *, int, FILE *);

/* Write to path ("-" = stdout), whole or not at all. 0, or -1 (printed). */
static int write_out(const char *path, Writer w, const LedgerRow *rows, int n)
{
    if (!strcmp(path, "-")) {
        if (w(rows, n, stdout) != 0 || fflush(stdout) != 0) {
            fputs("salvo: assumptions: cannot write to standard output\n", stderr);
            return -1;
        }
        return 0;
    }
    Diag d;
    diag_init(&d, path);
    AFile af;
    int rc = -1;
    if (afile_open(&af, path, &d) == 0) {
        if (w(rows, n, af.fp) == 0) rc = afile_commit(&af, &d);
        else afile_abort(&af);
    }
    if (rc != 0) {
        if (diag_errors(&d) == 0) diag_add(&d, 0, 0, "", "cannot write the ledger");
        diag_print(&d, stderr);
    }
    diag_fini(&d);
    return rc;
}

int cmd_assumptions(int argc, char **argv)
{
    const char *file = NULL, *csv = NULL, *md = NULL, *json = NULL;
    const char *sets[256];
    int nsets = 0, c;
    OptParser p;
    opt_init(&p, &assumptions_spec, argc, argv);
    while ((c = opt_next(&p)) != OPT_END) {
        if (c == OPT_HELP) {
            opt_usage(&assumptions_spec, stdout);
            return 0;
        } else if (c == OPT_ERROR) {
            return 2;
        } else if (c == OPT_OPERAND) {
            if (file) {
                fprintf(stderr, "salvo assumptions: one scenario at a time ('%s' and '%s')\n", file, p.val);
                return 2;
            }
            file = p.val;
        } else if (c == ASM_CSV) {
            csv = p.val;
        } else if (c == ASM_MD) {
            md = p.val;
        } else if (c == ASM_JSON) {
            json = p.val;
        } else if (c == ASM_SET) {
            if (nsets == 256) {
                fputs("salvo assumptions: too many --set\n", stderr);
                return 2;
            }
            sets[nsets++] = p.val;
        }
    }
    if (!file) {
        opt_usage_short(&assumptions_spec, stderr);
        return 2;
    }
    char found[4096];
    OutPath outs[] = { { "--csv", csv }, { "--markdown", md }, { "--json", json } };
    Scenario *s = args_open_scenario(&file, found, sizeof found, sets, nsets, outs, 3);
    if (!s) return 2;
    LedgerRow *rows;
    int n = ledger_build(s, &rows);
    int rc = 0;
    if (n < 0) {
        fputs("salvo: assumptions: out of memory\n", stderr);
        rc = 1;
    } else if (!csv && !md && !json) {
        rc = write_out("-", ledger_write_markdown, rows, n) ? 1 : 0;
    } else {
        if (csv && write_out(csv, ledger_write_csv, rows, n)) rc = 1;
        if (md && write_out(md, ledger_write_markdown, rows, n)) rc = 1;
        if (json && write_out(json, ledger_write_json, rows, n)) rc = 1;
    }
    ledger_destroy(rows);
    scenario_destroy(s);
    return rc;
}
