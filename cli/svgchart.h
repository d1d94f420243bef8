/* svgchart.h — small inline-SVG charts for HTML pages written by the CLI
 * (the class debrief). Self-contained SVG text, no scripts, no fonts to
 * fetch. Kept apart so that it can be unified with the report writer's
 * chart code (on another branch when this was written).
 */
#ifndef SALVO_SVGCHART_H
#define SALVO_SVGCHART_H

#include <stdio.h>

/* Horizontal bars: n labelled counts. */
void svg_bars(FILE *f, const char *title, const char *const *labels, const double *values, int n);
/* Dots on a 0-100 scale, one row per label (e.g. percentiles per student). */
void svg_dots(FILE *f, const char *title, const char *const *labels, const double *values, int n);
/* Calibration: for each bin, the stated probability (x) against the share
 * that happened (y), with the diagonal of perfect calibration; counts label
 * the points. Bins with count 0 are skipped. */
void svg_calibration(FILE *f, const char *title, const double *stated, const double *observed, const int *count, int n);
/* Text escaped for HTML and SVG. */
void svg_text(FILE *f, const char *s);

#endif
