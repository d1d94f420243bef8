/* report.c — `salvo report SUMMARY.json [-o report.html] [--svg DIR]`: the
 * HTML report of a batch, compare or sweep summary (report/report.h), and
 * the hook batch, compare and sweep call for --report.
 *
 * Exit status: 0 written; 1 an output could not be written; 2 bad usage, a
 * missing or malformed summary (the message names the file and the place).
 */
#include <stdio.h>
#include <string.h>

#include "afile.h"
#include "cmd.h"
#include "report.h"

static int usage_report(FILE *out)
{
    fputs("usage: salvo report SUMMARY.json [-o REPORT.html] [--svg DIR]\n"
          "Writes a self-contained HTML page (inline SVG charts, no script, printable) from a\n"
          "batch, compare or sweep JSON summary. Default output: SUMMARY.html beside the\n"
          "summary. --svg DIR also writes every chart as DIR/ID.svg. See docs/report.md.\n",
          out);
    return out == stdout ? 0 : 2;
}

int cmd_report(int argc, char **argv)
{
    const char *in = NULL, *out = NULL, *svg = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) return usage_report(stdout);
        if (!strcmp(a, "-o") || !strcmp(a, "--output") || !strcmp(a, "--svg")) {
            if (i + 1 >= argc) {
                fprintf(stderr, "salvo report: %s needs a value\n", a);
                return 2;
            }
            if (!strcmp(a, "--svg")) svg = argv[++i];
            else out = argv[++i];
        } else if (!strncmp(a, "--output=", 9)) {
            out = a + 9;
        } else if (!strncmp(a, "--svg=", 6)) {
            svg = a + 6;
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "salvo report: unknown option '%s' (see salvo report --help)\n", a);
            return 2;
        } else if (!in) {
            in = a;
        } else {
            fprintf(stderr, "salvo report: unexpected argument '%s'\n", a);
            return 2;
        }
    }
    if (!in) return usage_report(stderr);
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
    if (!afile_writable(out)) {
        fprintf(stderr, "salvo report: -o: cannot write '%s' (no such directory, or not writable)\n", out);
        return 2;
    }
    Diag d;
    diag_init(&d, in);
    int rc = report_from_file(in, out, svg, &d);
    diag_print(&d, stderr);
    diag_free(&d);
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
    diag_free(&d);
    if (rc == 0) fprintf(stderr, "report: %s\n", path);
    return rc;
}
