/* report.h — `salvo report`: a self-contained HTML page of charts and
 * tables drawn from a batch, compare or sweep summary (the JSON that
 * `salvo batch|compare|sweep --json` writes; docs/report.md).
 *
 * The writer reads only the summary: never the engine, never a scenario.
 * So a summary written yesterday, or on another machine, gives the same
 * report, byte for byte: nothing in the page comes from the clock or the
 * environment (the date shown is the summary's "run"."date"). Its size
 * depends on the number of metrics and series points, not on replications.
 *
 * The page is HTML5 with inline SVG and CSS: no script, no network, A4 and
 * Letter print styles. With an SVG directory every chart is also written
 * there as its own file, named after its id (e.g. "hist-first-orbit.svg").
 */
#ifndef SALVO_REPORT_H
#define SALVO_REPORT_H

#include <cjson/cJSON.h>
#include "diag.h"
#include "sbuf.h"

/* Append the report of `summary` to html; with svg_dir also write every
 * chart there (the directory is created if missing). 0, or -1 with
 * diagnostics in d: a summary that is not a salvo summary (d names the
 * JSON path and what was expected; exit status 2), or a file that could not
 * be written (exit status 1; *write_error set). */
int report_html(const cJSON *summary, Sbuf *html, const char *svg_dir, Diag *d, int *write_error);

/* The report of `summary` written to `path` (through a temporary file and a
 * rename: never half a file); svg_dir as above, may be NULL. Returns 0, 2
 * (not a salvo summary) or 1 (a write failed), with diagnostics in d. */
int report_write_file(const cJSON *summary, const char *path, const char *svg_dir, Diag *d);

/* Read the summary at json_path (d names the file and the line:column of a
 * syntax error) and write its report: 0, 1 or 2 as above. */
int report_from_file(const char *json_path, const char *path, const char *svg_dir, Diag *d);

#endif
