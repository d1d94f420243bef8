/* chart.h — journal-style SVG charts, written as text into an Sbuf.
 *
 * A chart is a plot area with a linear x axis (plain numbers, or epoch days
 * drawn as months and years) and a linear y axis. chart_begin opens the
 * <svg>, chart_axes fixes the data ranges and draws the grid, ticks and
 * labelled axes (units in the labels; the caller passes them), the marks
 * (bars, bands, lines, points, error bars) are drawn in data coordinates,
 * and chart_end closes the <svg>. Higher-level charts built from these
 * (histogram with an optional marker, fan, CDF, tornado, rows of bars or
 * dots, calibration) sit at the end; the report and the class debrief
 * (salvo debrief) both draw with them.
 *
 * Invariants: tick labels never overlap (their spacing is computed from
 * their estimated widths in the chart's font, DejaVu Sans metrics); every
 * number is printed with thousands separators; the palette is Okabe & Ito's
 * (as render/ uses). The output depends only on the arguments, so the same
 * data gives the same bytes. The plot area's mapping is written into the
 * SVG as data-* attributes of the <g class="plot"> element, so a test can
 * find where a value must have been drawn.
 */
#ifndef SALVO_CHART_H
#define SALVO_CHART_H

#include "sbuf.h"

/* Okabe–Ito, as "#rrggbb". */
#define CHART_BLUE "#0072B2"
#define CHART_ORANGE "#E69F00"
#define CHART_SKY "#56B4E9"
#define CHART_GREEN "#009E73"
#define CHART_VERMILION "#D55E00"
#define CHART_PURPLE "#CC79A7"
#define CHART_YELLOW "#F0E442"
#define CHART_INK "#1E2328"
#define CHART_MUTED "#6B665C"
#define CHART_GRID "#E3E0DA"

/* The i-th palette colour for a series (blue, orange, green, vermilion,
 * purple, sky, yellow, then again). */
const char *chart_color(int i);

typedef struct Chart {
    Sbuf *out;
    double w, h;                    /* SVG size in px */
    double px0, px1, py0, py1;      /* plot area: x left..right, y bottom..top (px) */
    double x0, x1, y0, y1;          /* data range shown */
    int xdate;                      /* x values are epoch days */
    double yscale;                  /* y tick labels show y / yscale */
    double left;                    /* set before chart_axes: minimum left margin (px) */
    int ycat;                       /* set before chart_axes: y is categories (no y ticks) */
    int xint;                       /* set before chart_axes: x ticks on whole numbers only */
    double title_w;                 /* the title's estimated width (px) */
    double legend_y;                /* baseline of the legend row (chart_legend_room) */
} Chart;

/* Open an SVG of w x h px with a title (may be NULL) at the top; id names
 * the chart (an XML id: letters, digits, '-'). */
void chart_begin(Chart *c, Sbuf *out, const char *id, const char *title, double w, double h);
/* Fix the ranges and draw grid, ticks and axis labels. xdate: x is in epoch
 * days (ticks at month starts, years under them). Large y values are
 * labelled in thousands or millions, and the y label says so. */
void chart_axes(Chart *c, double x0, double x1, int xdate, const char *xlabel, double y0, double y1,
                const char *ylabel);
/* Pixel position of a data value (clamped to the plot area). */
double chart_px(const Chart *c, double x);
double chart_py(const Chart *c, double y);
/* A filled rectangle between data corners. */
void chart_rect(Chart *c, double xa, double ya, double xb, double yb, const char *fill, double opacity);
/* A polyline through n points; dash NULL for solid. Non-finite points break it. */
void chart_line(Chart *c, const double *x, const double *y, int n, const char *stroke, double width,
                const char *dash);
/* The filled band between lo[] and hi[] over x[]. */
void chart_band(Chart *c, const double *x, const double *lo, const double *hi, int n, const char *fill,
                double opacity);
/* A vertical error bar lo..hi at x, with a dot at y (y NAN: no dot). */
void chart_errbar(Chart *c, double x, double y, double lo, double hi, const char *color);
/* A horizontal error bar lo..hi at y, with a dot at x. */
void chart_herrbar(Chart *c, double y, double x, double lo, double hi, const char *color);
/* Text at a data position; anchor "start", "middle" or "end". */
void chart_label(Chart *c, double x, double y, const char *anchor, const char *color, const char *text);
/* Call before chart_axes when the chart will have a legend: if the legend
 * does not fit beside the title it gets a row of its own below it. */
void chart_legend_room(Chart *c, int n, const char *const *names);
/* A legend row at the top right: n swatches and names. */
void chart_legend(Chart *c, int n, const char *const *colors, const char *const *names);
/* Close the SVG. */
void chart_end(Chart *c);

/* Estimated width in px of UTF-8 text in the chart's sans font at size px. */
double chart_text_width(const char *s, double size);
/* x with thousands separators and `decimals` decimals ("−" for minus). */
void chart_fmt(char *buf, size_t n, double x, int decimals);
/* x to about `sig` significant digits; whole numbers of sig digits or more
 * keep every digit (grouped). */
void chart_fmt_sig(char *buf, size_t n, double x, int sig);

/* A histogram of n bins (edges[n+1], counts[n]) drawn as bars, with an
 * optional vertical marker (e.g. a student's guess; NAN for none) and the
 * mean with its 95% CI drawn above the bars (NAN for none). */
typedef struct ChartHist {
    const char *id, *title, *xlabel, *ylabel;
    const double *edges, *counts;
    int n;
    int xdate;                  /* edges are epoch days */
    int integer;                /* bar i stands on the whole number edges[i] (edges[n] unused) */
    double mean, ci_lo, ci_hi;
    double marker;
    const char *marker_label;
    const char *color;          /* NULL: blue */
} ChartHist;
void chart_histogram(Sbuf *out, const ChartHist *h);

/* A fan over x (epoch days): bands 5–95 and 25–75 and the median line,
 * with optional observations (points with ranges). ylo/yhi fix the y range
 * (NAN: from the data), so two fans can be drawn side by side on one scale. */
typedef struct ChartObs {
    double x, y, lo, hi;        /* epoch day, value, range (NAN: none) */
} ChartObs;
typedef struct ChartFan {
    const char *id, *title, *ylabel;
    const double *x, *p5, *p25, *p50, *p75, *p95;
    int n;
    double ylo, yhi;
    const char *color;          /* NULL: blue */
    const ChartObs *obs;
    int nobs;
} ChartFan;
void chart_fan(Sbuf *out, const ChartFan *f);

/* Horizontal bars from a base value to each row's low and high results
 * (a tornado chart), one row per item, first row on top. */
typedef struct ChartTornadoRow {
    const char *label;
    double at_low, at_high;     /* the metric with the item at its low / high value */
} ChartTornadoRow;
typedef struct ChartTornado {
    const char *id, *title, *xlabel;
    double base;
    const ChartTornadoRow *rows;
    int n;
} ChartTornado;
void chart_tornado(Sbuf *out, const ChartTornado *t);

/* One row per label, first on top (categorical y, as a tornado's): bars
 * from 0 to each value with the value at the bar's end (how many students
 * chose each option), or dots at each value on [x0, x1] (each student's
 * percentile). NAN values draw nothing. */
typedef struct ChartRows {
    const char *id, *title, *xlabel;
    const char *const *labels;
    const double *values;
    int n;
    double x0, x1;              /* dots: the x range; bars: x1 NAN for 0..max */
    const char *color;          /* NULL: blue */
} ChartRows;
void chart_bars(Sbuf *out, const ChartRows *r);
void chart_dots(Sbuf *out, const ChartRows *r);

/* Calibration: per bin, the stated probability (x) against the share that
 * happened (y), both 0..1, with the dashed diagonal of perfect calibration;
 * each point labelled with its count; bins with count 0 skipped. */
typedef struct ChartCalibration {
    const char *id, *title;
    const double *stated, *observed;
    const int *count;
    int n;
} ChartCalibration;
void chart_calibration(Sbuf *out, const ChartCalibration *c);

#endif
