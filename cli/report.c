/* report.c — `salvo report SUMMARY.json [-o report.html] [--svg DIR]`: the
 * HTML report of a batch, compare, sweep, fit or discover summary
 * (report/report.h), and
 * the hook batch, compare and sweep call for --report.
 *
 * Exit status: 0 written; 1 an output could not be written; 2 bad usage, a
 * missing or malformed summary (the message names the file and the place).
 */
#include <stdio.h>
#include <string.h>

#include "afile.h"
#include "cmd.h"
#include "outpath.h"
#include "opt.h"
#include "report.h"

enum { REP_OUTPUT = 1, REP_O, REP_SVG };
static const OptSpec report_opts[] = {
    { REP_OUTPUT, "--output", "FILE", "the page to write (default: SUMMARY.html beside the summary)" },
    { REP_O, "-o", "FILE", "the same as --output" },
    { REP_SVG, "--svg", "DIR", "also write each chart as DIR/ID.svg" },
    { 0, NULL, NULL, NULL },
};
static const CmdSpec report_spec = {
    "report", "SUMMARY.json [-o REPORT.html] [--svg DIR]",
    "Writes a self-contained HTML page (inline SVG charts, no script, printable) from a\n"
    "batch, compare, sweep, fit or discover JSON summary. See docs/report.md.",
    report_opts,
};

int cmd_report(int argc, char **argv)
{
    const char *in = NULL, *out = NULL, *svg = NULL;
    OptParser p;
    opt_init(&p, &report_spec, argc, argv);
    for (int c; (c = opt_next(&p)) != OPT_END;) {
        switch (c) {
        case OPT_HELP: opt_usage(&report_spec, stdout); return 0;
        case OPT_ERROR: opt_usage_short(&report_spec, stderr); return 2;
        case OPT_OPERAND:
            if (in) {
                fprintf(stderr, "salvo report: unexpected argument '%s'\n", p.val);
                return 2;
            }
            in = p.val;
            break;
        case REP_OUTPUT:
        case REP_O: out = p.val; break;
        case REP_SVG: svg = p.val; break;
        }
    }
    if (!in) {
        fputs("salvo report: expected a summary file\n", stderr);
        opt_usage_short(&report_spec, stderr);
        return 2;
    }
    char def[4096];
    if (!out) {
        /* SUMMARY.json -> SUMMARY.html */
        size_t n = strlen(in);
        if (n > 5 && !strcmp(in + n - 5, ".json")) n -= 5;
        if (n + 6 > sizeof def) {
            fprintf(stderr, "salvo report: the path '%s' is too long\n", in);
            return 2;
        }
        memcpy(def, in, n);
        memcpy(def + n, ".html", 6);
        out = def;
    }
    OutPath outs[] = { { "-o", out } };
    if (outpath_check_all(&in, 1, outs, 1) < 0) return 2;
    Diag d;
    diag_init(&d, in);
    int rc = report_from_file(in, out, svg, &d);
    diag_print(&d, stderr);
    diag_fini(&d);
    if (rc == 0) printf("wrote %s\n", out);
    return rc;
}

int report_hook(const cJSON *summary, const char *path, const char *svg_dir)
{
    if (!path) return 0;
    Diag d;
    diag_init(&d, path);
    /* Through the summary's text, so that the page is the one `salvo report`
     * makes of the --json file: cJSON prints some doubles to 15 digits. */
    char *text = summary ? cJSON_PrintUnformatted(summary) : NULL;
    cJSON *j = text ? cJSON_Parse(text) : NULL;
    cJSON_free(text);
    int rc = j ? report_write_file(j, path, svg_dir, &d) : 1;
    if (!j) diag_add(&d, 0, 0, "", "out of memory writing the report");
    cJSON_Delete(j);
    diag_print(&d, stderr);
    diag_fini(&d);
    if (rc == 0) fprintf(stderr, "report: %s\n", path);
    return rc;
}
