/* chart.c — journal-style SVG charts: see chart.h.
 * Invariant: every coordinate written is finite and rounded to 0.1 px (so
 * the bytes do not depend on the last bits of a computation), and every
 * piece of text goes through sbuf_esc. */
#include "chart.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cal.h"

#define FONT 12.0           /* tick labels */
#define FONT_AXIS 13.0      /* axis labels */
#define FONT_TITLE 14.0
#define TICK 5.0
#define MAX_TICKS 64

static const char *const palette[7] = { CHART_BLUE, CHART_ORANGE, CHART_GREEN, CHART_VERMILION,
                                        CHART_PURPLE, CHART_SKY, CHART_YELLOW };
static const char *const months[12] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                        "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };

const char *chart_color(int i) { return palette[(i % 7 + 7) % 7]; }

/* --- text and numbers ---------------------------------------------------- */

double chart_text_width(const char *s, double size)
{
    /* Advance widths of DejaVu Sans in em, rounded up a little: a label
     * estimated too wide costs a tick, one estimated too narrow overlaps. */
    double w = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        unsigned c = *p;
        if ((c & 0xC0) == 0x80) continue;          /* UTF-8 continuation */
        if (c >= '0' && c <= '9') w += 0.64;
        else if (c == ',' || c == '.' || c == ' ' || c == ':' || c == ';' || c == '\'' || c == '|')
            w += 0.34;
        else if (c == 'i' || c == 'l' || c == 'j' || c == 't' || c == 'f' || c == 'r') w += 0.40;
        else if (c == 'm' || c == 'w' || c == 'M' || c == 'W') w += 0.98;
        else if (c >= 'A' && c <= 'Z') w += 0.74;
        else if (c >= 0x80) w += 0.84;             /* a multi-byte character: −, –, ±, … */
        else w += 0.62;
    }
    return w * size;
}

void chart_fmt(char *buf, size_t n, double x, int decimals)
{
    if (n == 0) return;
    if (!isfinite(x)) {
        snprintf(buf, n, "%s", isnan(x) ? "–" : x > 0 ? "∞" : "−∞");
        return;
    }
    if (decimals < 0) decimals = 0;
    if (decimals > 12) decimals = 12;
    char digits[64];
    snprintf(digits, sizeof digits, "%.*f", decimals, fabs(x));
    /* A value that rounds to zero has no sign. */
    int zero = 1;
    for (const char *p = digits; *p; p++)
        if (*p >= '1' && *p <= '9') zero = 0;
    char *dot = strchr(digits, '.');
    size_t ilen = dot ? (size_t)(dot - digits) : strlen(digits);
    char out[96];
    size_t k = 0;
    if (x < 0 && !zero) {
        memcpy(out, "\xE2\x88\x92", 3);    /* U+2212 minus sign */
        k = 3;
    }
    for (size_t i = 0; i < ilen; i++) {
        out[k++] = digits[i];
        size_t left = ilen - i - 1;
        if (left && left % 3 == 0) out[k++] = ',';
    }
    if (dot) {
        size_t dl = strlen(dot);
        memcpy(out + k, dot, dl);
        k += dl;
    }
    out[k] = '\0';
    snprintf(buf, n, "%s", out);
}

void chart_fmt_sig(char *buf, size_t n, double x, int sig)
{
    if (!isfinite(x) || x == 0) {
        chart_fmt(buf, n, x, 0);
        return;
    }
    int mag = (int)floor(log10(fabs(x)));
    int dec = sig - 1 - mag;
    chart_fmt(buf, n, x, dec > 0 ? dec : 0);
}

/* --- the frame ----------------------------------------------------------- */

static double r1(double v) { return round(v * 10.0) / 10.0; }

void chart_begin(Chart *c, Sbuf *out, const char *id, const char *title, double w, double h)
{
    memset(c, 0, sizeof *c);
    c->out = out;
    c->w = w;
    c->h = h;
    c->yscale = 1;
    c->legend_y = 20;
    c->title_w = title ? chart_text_width(title, FONT_TITLE) * 1.08 : 0;   /* bold is wider */
    sbuf_printf(out,
                "<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"%s\" class=\"chart\" width=\"%g\" height=\"%g\" "
                "viewBox=\"0 0 %g %g\" role=\"img\" aria-label=\"",
                id, w, h, w, h);
    sbuf_esc(out, title ? title : id);
    /* Presentation in style, which every HTML checker knows on <svg>. */
    sbuf_printf(out, "\" style=\"font-family:'DejaVu Sans',Verdana,Arial,sans-serif;font-size:%gpx;fill:%s\">\n",
                FONT, CHART_INK);
    sbuf_puts(out, "<title>");
    sbuf_esc(out, title ? title : id);
    sbuf_puts(out, "</title>\n");
    sbuf_printf(out, "<rect width=\"%g\" height=\"%g\" fill=\"#ffffff\"/>\n", w, h);
    if (title) {
        sbuf_printf(out, "<text x=\"10\" y=\"20\" font-size=\"%g\" font-weight=\"bold\">", FONT_TITLE);
        sbuf_esc(out, title);
        sbuf_puts(out, "</text>\n");
    }
}

double chart_px(const Chart *c, double x)
{
    double f = c->x1 > c->x0 ? (x - c->x0) / (c->x1 - c->x0) : 0.5;
    if (!(f >= -0.02)) f = -0.02;
    if (f > 1.02) f = 1.02;
    return r1(c->px0 + f * (c->px1 - c->px0));
}

double chart_py(const Chart *c, double y)
{
    double f = c->y1 > c->y0 ? (y - c->y0) / (c->y1 - c->y0) : 0.5;
    if (!(f >= -0.02)) f = -0.02;
    if (f > 1.02) f = 1.02;
    return r1(c->py0 + f * (c->py1 - c->py0));
}

/* Numeric ticks: the smallest step of 1, 2 or 5 x 10^k whose spacing in px
 * is at least `gap(label)`: for x, the widest label plus a margin; for y,
 * twice the font height. */
typedef struct Ticks {
    double v[MAX_TICKS];
    char text[MAX_TICKS][40];
    int n;
} Ticks;

static int num_ticks(double lo, double hi, double scale, double px_per_unit, int horizontal, double min_step,
                     Ticks *t)
{
    double range = hi - lo;
    if (!(range > 0)) range = fabs(lo) > 0 ? fabs(lo) : 1;
    int e0 = (int)floor(log10(range / MAX_TICKS)) - 1;
    static const double mult[3] = { 1, 2, 5 };
    for (int e = e0; e < e0 + 30; e++)
        for (int m = 0; m < 3; m++) {
            double step = mult[m] * pow(10, e);
            if (step < min_step) continue;
            double first = ceil(lo / step - 1e-9) * step;
            int n = 0;
            for (double v = first; v <= hi + step * 1e-9 && n < MAX_TICKS; v = first + step * ++n) {}
            if (n >= MAX_TICKS || n == 0) continue;
            double sstep = step / scale;
            int dec = sstep >= 1 ? 0 : (int)ceil(-log10(sstep) - 1e-9);
            double widest = 0;
            for (int i = 0; i < n; i++) {
                double v = first + step * i;
                if (fabs(v) < step * 1e-9) v = 0;
                t->v[i] = v;
                chart_fmt(t->text[i], sizeof t->text[i], v / scale, dec);
                double wd = chart_text_width(t->text[i], FONT);
                if (wd > widest) widest = wd;
            }
            double need = horizontal ? widest + 12 : FONT * 2.4;
            if (step * px_per_unit >= need && n <= 12) {
                t->n = n;
                return 0;
            }
        }
    t->n = 0;
    return -1;
}

/* Date ticks on epoch days: days (short ranges), months or years; the
 * year is written under the first tick and under every January. */
typedef struct DateTicks {
    double v[MAX_TICKS];
    char text[MAX_TICKS][16];
    char year[MAX_TICKS][12];
    int n;
} DateTicks;

static void date_ticks(double lo, double hi, double px_per_day, DateTicks *t)
{
    t->n = 0;
    int64_t d0 = (int64_t)ceil(lo), d1 = (int64_t)floor(hi);
    int y, m, d;
    if (hi - lo < 75) {
        static const int steps[] = { 1, 2, 7, 14, 28 };
        for (size_t k = 0; k < sizeof steps / sizeof steps[0]; k++) {
            if (steps[k] * px_per_day < chart_text_width("30 Sep", FONT) + 12) continue;
            for (int64_t day = d0; day <= d1 && t->n < MAX_TICKS; day += steps[k]) {
                cal_civil(day, &y, &m, &d);
                t->v[t->n] = (double)day;
                snprintf(t->text[t->n], sizeof t->text[t->n], "%d %s", d, months[m - 1]);
                if (t->n == 0 || (m == 1 && d <= steps[k])) snprintf(t->year[t->n], sizeof t->year[0], "%d", y);
                else t->year[t->n][0] = '\0';
                t->n++;
            }
            return;
        }
        return;
    }
    static const int steps[] = { 1, 2, 3, 6, 12, 24, 60 };
    for (size_t k = 0; k < sizeof steps / sizeof steps[0]; k++) {
        int step = steps[k];
        const char *widest = step >= 12 ? "2024" : "Sep";
        if (step * 30.4 * px_per_day < chart_text_width(widest, FONT) + 14) continue;
        cal_civil(d0, &y, &m, &d);
        int ym = y * 12 + (m - 1);
        if (d != 1) ym++;                   /* the first month start in range */
        while (ym % step) ym++;
        for (;; ym += step) {
            int64_t day = cal_epoch_day(ym / 12, ym % 12 + 1, 1);
            if (day > d1 || t->n >= MAX_TICKS) break;
            t->v[t->n] = (double)day;
            if (step >= 12) {
                snprintf(t->text[t->n], sizeof t->text[0], "%d", ym / 12);
                t->year[t->n][0] = '\0';
            } else {
                snprintf(t->text[t->n], sizeof t->text[0], "%s", months[ym % 12]);
                if (t->n == 0 || ym % 12 == 0) snprintf(t->year[t->n], sizeof t->year[0], "%d", ym / 12);
                else t->year[t->n][0] = '\0';
            }
            t->n++;
        }
        return;
    }
}

static double pick_scale(double lo, double hi, const char **suffix)
{
    double a = fmax(fabs(lo), fabs(hi));
    if (a >= 1e7) {
        *suffix = " (millions)";
        return 1e6;
    }
    *suffix = "";
    return 1;
}

void chart_axes(Chart *c, double x0, double x1, int xdate, const char *xlabel, double y0, double y1,
                const char *ylabel)
{
    Sbuf *o = c->out;
    if (!(x1 > x0)) {
        x0 -= 0.5;
        x1 = x0 + 1;
    }
    if (!(y1 > y0)) {
        y0 = y0 - (fabs(y0) > 0 ? fabs(y0) * 0.1 : 0.5);
        y1 = y0 == 0 ? 1 : y1 + fabs(y1) * 0.1 + (y1 == 0);
    }
    c->x0 = x0;
    c->x1 = x1;
    c->y0 = y0;
    c->y1 = y1;
    c->xdate = xdate;
    const char *ysuf, *xsuf = "";
    c->yscale = pick_scale(y0, y1, &ysuf);
    double xscale = xdate ? 1 : pick_scale(x0, x1, &xsuf);
    /* The plot area: y ticks first (their widths set the left margin). */
    c->py1 = c->legend_y > 20 ? c->legend_y + 14 : 34;
    c->py0 = c->h - (xdate ? 62 : 48);
    Ticks yt;
    yt.n = 0;
    if (!c->ycat) num_ticks(y0, y1, c->yscale, (c->py0 - c->py1) / (y1 - y0), 0, 0, &yt);
    double widest = 0;
    for (int i = 0; i < yt.n; i++) widest = fmax(widest, chart_text_width(yt.text[i], FONT));
    c->px0 = r1(fmax(24 + widest + TICK + 6, c->left));
    c->px1 = c->w - 16;
    sbuf_printf(o, "<g class=\"plot\" data-px0=\"%g\" data-px1=\"%g\" data-py0=\"%g\" data-py1=\"%g\" "
                   "data-x0=\"%.10g\" data-x1=\"%.10g\" data-y0=\"%.10g\" data-y1=\"%.10g\">\n",
                c->px0, c->px1, c->py0, c->py1, x0, x1, y0, y1);
    /* Horizontal grid and y ticks. */
    for (int i = 0; i < yt.n; i++) {
        double py = chart_py(c, yt.v[i]);
        sbuf_printf(o, "<line x1=\"%g\" y1=\"%g\" x2=\"%g\" y2=\"%g\" stroke=\"%s\"/>", c->px0, py, c->px1, py,
                    CHART_GRID);
        sbuf_printf(o, "<text x=\"%g\" y=\"%g\" text-anchor=\"end\">%s</text>\n", r1(c->px0 - TICK - 3),
                    r1(py + FONT * 0.35), yt.text[i]);
    }
    /* x ticks. */
    double ybase = c->py0;
    if (xdate) {
        DateTicks dt;
        date_ticks(x0, x1, (c->px1 - c->px0) / (x1 - x0), &dt);
        for (int i = 0; i < dt.n; i++) {
            double px = chart_px(c, dt.v[i]);
            double half = chart_text_width(dt.text[i], FONT) / 2;
            if (px - half < 2 || px + half > c->w - 2) continue;
            sbuf_printf(o, "<line x1=\"%g\" y1=\"%g\" x2=\"%g\" y2=\"%g\" stroke=\"%s\"/>", px, ybase, px,
                        ybase + TICK, CHART_INK);
            sbuf_printf(o, "<text x=\"%g\" y=\"%g\" text-anchor=\"middle\">%s</text>", px, r1(ybase + TICK + FONT),
                        dt.text[i]);
            if (dt.year[i][0])
                sbuf_printf(o, "<text x=\"%g\" y=\"%g\" text-anchor=\"middle\" font-weight=\"bold\">%s</text>", px,
                            r1(ybase + TICK + 2.15 * FONT), dt.year[i]);
            sbuf_puts(o, "\n");
        }
    } else {
        Ticks xt;
        num_ticks(x0, x1, xscale, (c->px1 - c->px0) / (x1 - x0), 1, c->xint ? 1 : 0, &xt);
        /* Wide labels leave too few ticks: count in thousands or millions. */
        double amax = fmax(fabs(x0), fabs(x1));
        if (xt.n < 3 && xscale == 1 && amax >= 1e4) {
            xscale = amax >= 1e6 ? 1e6 : 1e3;
            xsuf = amax >= 1e6 ? " (millions)" : " (thousands)";
            num_ticks(x0, x1, xscale, (c->px1 - c->px0) / (x1 - x0), 1, c->xint ? 1 : 0, &xt);
        }
        for (int i = 0; i < xt.n; i++) {
            double px = chart_px(c, xt.v[i]);
            sbuf_printf(o, "<line x1=\"%g\" y1=\"%g\" x2=\"%g\" y2=\"%g\" stroke=\"%s\"/>", px, ybase, px,
                        ybase + TICK, CHART_INK);
            /* A label that would run off the chart is left out; its tick stays. */
            double half = chart_text_width(xt.text[i], FONT) / 2;
            if (px - half < 2 || px + half > c->w - 2) continue;
            sbuf_printf(o, "<text x=\"%g\" y=\"%g\" text-anchor=\"middle\">%s</text>\n", px,
                        r1(ybase + TICK + FONT), xt.text[i]);
        }
    }
    /* Axis lines and labels. */
    sbuf_printf(o, "<line x1=\"%g\" y1=\"%g\" x2=\"%g\" y2=\"%g\" stroke=\"%s\"/>\n", c->px0, ybase, c->px1, ybase,
                CHART_INK);
    sbuf_printf(o, "<line x1=\"%g\" y1=\"%g\" x2=\"%g\" y2=\"%g\" stroke=\"%s\"/>\n", c->px0, c->py1, c->px0,
                ybase, CHART_INK);
    if (xlabel) {
        sbuf_printf(o, "<text x=\"%g\" y=\"%g\" text-anchor=\"middle\" font-size=\"%g\">",
                    r1((c->px0 + c->px1) / 2), r1(c->h - 8), FONT_AXIS);
        sbuf_esc(o, xlabel);
        sbuf_esc(o, xsuf);
        sbuf_puts(o, "</text>\n");
    }
    if (ylabel) {
        double yx = 16, yy = r1((c->py0 + c->py1) / 2);
        sbuf_printf(o, "<text x=\"%g\" y=\"%g\" text-anchor=\"middle\" font-size=\"%g\" "
                       "transform=\"rotate(-90 %g %g)\">",
                    yx, yy, FONT_AXIS, yx, yy);
        sbuf_esc(o, ylabel);
        sbuf_esc(o, ysuf);
        sbuf_puts(o, "</text>\n");
    }
}

void chart_rect(Chart *c, double xa, double ya, double xb, double yb, const char *fill, double opacity)
{
    double x = fmin(chart_px(c, xa), chart_px(c, xb)), w = fabs(chart_px(c, xb) - chart_px(c, xa));
    double y = fmin(chart_py(c, ya), chart_py(c, yb)), h = fabs(chart_py(c, yb) - chart_py(c, ya));
    sbuf_printf(c->out, "<rect x=\"%g\" y=\"%g\" width=\"%g\" height=\"%g\" fill=\"%s\"", x, y, r1(w), r1(h), fill);
    if (opacity < 1) sbuf_printf(c->out, " fill-opacity=\"%g\"", opacity);
    sbuf_puts(c->out, "/>\n");
}

void chart_line(Chart *c, const double *x, const double *y, int n, const char *stroke, double width,
                const char *dash)
{
    int open = 0;
    for (int i = 0; i < n; i++) {
        if (!isfinite(x[i]) || !isfinite(y[i])) {
            if (open) sbuf_puts(c->out, "\"/>\n");
            open = 0;
            continue;
        }
        if (!open) {
            sbuf_printf(c->out, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"%g\" stroke-linejoin=\"round\"",
                        stroke, width);
            if (dash) sbuf_printf(c->out, " stroke-dasharray=\"%s\"", dash);
            sbuf_puts(c->out, " points=\"");
            open = 1;
        } else {
            sbuf_puts(c->out, " ");
        }
        sbuf_printf(c->out, "%g,%g", chart_px(c, x[i]), chart_py(c, y[i]));
    }
    if (open) sbuf_puts(c->out, "\"/>\n");
}

void chart_band(Chart *c, const double *x, const double *lo, const double *hi, int n, const char *fill,
                double opacity)
{
    sbuf_printf(c->out, "<polygon fill=\"%s\" fill-opacity=\"%g\" points=\"", fill, opacity);
    int any = 0;
    for (int i = 0; i < n; i++)
        if (isfinite(x[i]) && isfinite(hi[i]))
            sbuf_printf(c->out, "%s%g,%g", any++ ? " " : "", chart_px(c, x[i]), chart_py(c, hi[i]));
    for (int i = n - 1; i >= 0; i--)
        if (isfinite(x[i]) && isfinite(lo[i]))
            sbuf_printf(c->out, "%s%g,%g", any++ ? " " : "", chart_px(c, x[i]), chart_py(c, lo[i]));
    sbuf_puts(c->out, "\"/>\n");
}

void chart_errbar(Chart *c, double x, double y, double lo, double hi, const char *color)
{
    double px = chart_px(c, x);
    if (isfinite(lo) && isfinite(hi))
        sbuf_printf(c->out,
                    "<path d=\"M%g %gV%gM%g %gH%gM%g %gH%g\" stroke=\"%s\" stroke-width=\"1.6\" fill=\"none\"/>",
                    px, chart_py(c, lo), chart_py(c, hi), r1(px - 4), chart_py(c, lo), r1(px + 4), r1(px - 4),
                    chart_py(c, hi), r1(px + 4), color);
    if (isfinite(y)) sbuf_printf(c->out, "<circle cx=\"%g\" cy=\"%g\" r=\"3.5\" fill=\"%s\"/>", px, chart_py(c, y), color);
    sbuf_puts(c->out, "\n");
}

void chart_herrbar(Chart *c, double y, double x, double lo, double hi, const char *color)
{
    double py = chart_py(c, y);
    if (isfinite(lo) && isfinite(hi))
        sbuf_printf(c->out,
                    "<path d=\"M%g %gH%gM%g %gV%gM%g %gV%g\" stroke=\"%s\" stroke-width=\"1.6\" fill=\"none\"/>",
                    chart_px(c, lo), py, chart_px(c, hi), chart_px(c, lo), r1(py - 4), r1(py + 4), chart_px(c, hi),
                    r1(py - 4), r1(py + 4), color);
    if (isfinite(x)) sbuf_printf(c->out, "<circle cx=\"%g\" cy=\"%g\" r=\"3.5\" fill=\"%s\"/>", chart_px(c, x), py, color);
    sbuf_puts(c->out, "\n");
}

void chart_label(Chart *c, double x, double y, const char *anchor, const char *color, const char *text)
{
    sbuf_printf(c->out, "<text x=\"%g\" y=\"%g\" text-anchor=\"%s\" fill=\"%s\">", chart_px(c, x), chart_py(c, y),
                anchor, color);
    sbuf_esc(c->out, text);
    sbuf_puts(c->out, "</text>\n");
}

static double legend_width(int n, const char *const *names)
{
    double width = 0;
    for (int i = 0; i < n; i++) width += 18 + chart_text_width(names[i], FONT) + 14;
    return width;
}

void chart_legend_room(Chart *c, int n, const char *const *names)
{
    if (10 + c->title_w + 24 > c->w - 16 - legend_width(n, names)) c->legend_y = 40;
}

void chart_legend(Chart *c, int n, const char *const *colors, const char *const *names)
{
    double width = legend_width(n, names);
    double x = r1(c->w - 16 - width), y = c->legend_y;
    for (int i = 0; i < n; i++) {
        sbuf_printf(c->out, "<rect x=\"%g\" y=\"%g\" width=\"14\" height=\"10\" fill=\"%s\"/>", x, r1(y - 9), colors[i]);
        sbuf_printf(c->out, "<text x=\"%g\" y=\"%g\">", r1(x + 18), y);
        sbuf_esc(c->out, names[i]);
        sbuf_puts(c->out, "</text>\n");
        x = r1(x + 18 + chart_text_width(names[i], FONT) + 14);
    }
}

void chart_end(Chart *c)
{
    if (c->px1 > c->px0) sbuf_puts(c->out, "</g>\n");
    sbuf_puts(c->out, "</svg>\n");
}

/* --- composite charts ---------------------------------------------------- */

void chart_histogram(Sbuf *out, const ChartHist *h)
{
    Chart c;
    chart_begin(&c, out, h->id, h->title, 640, 300);
    double ymax = 0;
    for (int i = 0; i < h->n; i++) ymax = fmax(ymax, h->counts[i]);
    double x0 = h->edges[0], x1 = h->edges[h->n];
    if (h->integer) {   /* bar i stands on the whole number edges[i] */
        x0 = h->edges[0] - 0.5;
        x1 = h->edges[h->n - 1] + 0.5;
    }
    int show_mean = isfinite(h->mean);
    c.xint = h->integer;
    chart_axes(&c, x0, x1 > x0 ? x1 : x0 + 1, h->xdate, h->xlabel, 0, ymax > 0 ? ymax * (show_mean ? 1.18 : 1.05) : 1,
               h->ylabel ? h->ylabel : "replications");
    const char *color = h->color ? h->color : CHART_BLUE;
    for (int i = 0; i < h->n; i++) {
        if (!(h->counts[i] > 0)) continue;
        double a = h->edges[i], b = h->edges[i + 1];
        if (h->integer) {
            a -= 0.4;
            b = a + 0.8;
        }
        /* A hair of white between neighbours keeps bars apart. */
        double pa = chart_px(&c, a), pb = chart_px(&c, b), py = chart_py(&c, h->counts[i]);
        double gap = pb - pa > 3 ? 0.5 : 0;
        sbuf_printf(out, "<rect class=\"bar\" x=\"%g\" y=\"%g\" width=\"%g\" height=\"%g\" fill=\"%s\"/>\n",
                    r1(pa + gap), py, r1(fmax(pb - pa - 2 * gap, 0.6)), r1(c.py0 - py), color);
    }
    if (show_mean) {
        double y = ymax * 1.1;
        chart_herrbar(&c, y, h->mean, h->ci_lo, h->ci_hi, CHART_VERMILION);
        sbuf_printf(out, "<text x=\"%g\" y=\"%g\" fill=\"%s\">mean ± 95%% CI</text>\n", r1(chart_px(&c, h->mean) + 8),
                    r1(chart_py(&c, y) - 6), CHART_VERMILION);
    }
    if (isfinite(h->marker)) {
        double px = chart_px(&c, h->marker);
        sbuf_printf(out, "<line x1=\"%g\" y1=\"%g\" x2=\"%g\" y2=\"%g\" stroke=\"%s\" stroke-width=\"2.5\"/>\n", px,
                    c.py0, px, c.py1, CHART_ORANGE);
        if (h->marker_label) {
            sbuf_printf(out, "<text x=\"%g\" y=\"%g\" fill=\"%s\" font-weight=\"bold\">", r1(px + 4),
                        r1(c.py1 + FONT), CHART_ORANGE);
            sbuf_esc(out, h->marker_label);
            sbuf_puts(out, "</text>\n");
        }
    }
    chart_end(&c);
}

void chart_fan(Sbuf *out, const ChartFan *f)
{
    Chart c;
    chart_begin(&c, out, f->id, f->title, 640, 320);
    double lo = f->ylo, hi = f->yhi;
    if (!isfinite(lo) || !isfinite(hi)) {
        lo = INFINITY;
        hi = -INFINITY;
        for (int i = 0; i < f->n; i++) {
            if (isfinite(f->p5[i])) lo = fmin(lo, f->p5[i]);
            if (isfinite(f->p95[i])) hi = fmax(hi, f->p95[i]);
        }
        for (int i = 0; i < f->nobs; i++) {
            double a = isfinite(f->obs[i].lo) ? f->obs[i].lo : f->obs[i].y;
            double b = isfinite(f->obs[i].hi) ? f->obs[i].hi : f->obs[i].y;
            if (isfinite(a)) lo = fmin(lo, a);
            if (isfinite(b)) hi = fmax(hi, b);
        }
        if (!isfinite(lo)) lo = 0, hi = 1;
        if (lo > 0 && lo < 0.25 * hi) lo = 0;   /* start at zero when it costs little */
        hi += (hi - lo) * 0.05;
    }
    double x0 = f->n ? f->x[0] : 0, x1 = f->n ? f->x[f->n - 1] : 1;
    const char *names[4] = { "5–95%", "25–75%", "median", "record" };
    chart_legend_room(&c, f->nobs ? 4 : 3, names);
    chart_axes(&c, x0, x1, 1, "date", lo, hi, f->ylabel);
    const char *color = f->color ? f->color : CHART_BLUE;
    chart_band(&c, f->x, f->p5, f->p95, f->n, color, 0.22);
    chart_band(&c, f->x, f->p25, f->p75, f->n, color, 0.45);
    chart_line(&c, f->x, f->p50, f->n, color, 2.2, NULL);
    for (int i = 0; i < f->nobs; i++)
        chart_errbar(&c, f->obs[i].x, f->obs[i].y, f->obs[i].lo, f->obs[i].hi, CHART_VERMILION);
    /* The bands' colours as they appear over white (blue at 22%, then 45% over that). */
    const char *cols[4] = { "#c7e0ee", "#6daed3", color, CHART_VERMILION };
    if (strcmp(color, CHART_BLUE)) cols[0] = cols[1] = color;
    chart_legend(&c, f->nobs ? 4 : 3, cols, names);
    chart_end(&c);
}

/* Row label at the row centred on yc, right-aligned in the left margin; a
 * label too long for the margin is cut with an ellipsis. */
static void row_label(Chart *c, double yc, const char *label)
{
    sbuf_printf(c->out, "<text x=\"%g\" y=\"%g\" text-anchor=\"end\">", r1(c->px0 - 6),
                r1(chart_py(c, yc) + FONT * 0.35));
    char lab[256];
    snprintf(lab, sizeof lab, "%s", label);
    if (chart_text_width(lab, FONT) > c->left - 12) {
        size_t n = strlen(lab);
        while (n > 0) {
            n--;
            while (n > 0 && ((unsigned char)lab[n] & 0xC0) == 0x80) n--;
            char cut[256];
            memcpy(cut, lab, n);
            memcpy(cut + n, "\xE2\x80\xA6", 4);     /* "…" and the NUL */
            if (chart_text_width(cut, FONT) <= c->left - 12 || n == 0) {
                memcpy(lab, cut, n + 4);
                break;
            }
        }
    }
    sbuf_esc(c->out, lab);
    sbuf_puts(c->out, "</text>\n");
}

void chart_tornado(Sbuf *out, const ChartTornado *t)
{
    Chart c;
    double rowh = 22, h = 54 + 48 + rowh * (t->n > 0 ? t->n : 1) + 8;   /* room for a legend row */
    chart_begin(&c, out, t->id, t->title, 760, h);
    double lo = t->base, hi = t->base, widest = 0;
    for (int i = 0; i < t->n; i++) {
        if (isfinite(t->rows[i].at_low)) lo = fmin(lo, t->rows[i].at_low), hi = fmax(hi, t->rows[i].at_low);
        if (isfinite(t->rows[i].at_high)) lo = fmin(lo, t->rows[i].at_high), hi = fmax(hi, t->rows[i].at_high);
        widest = fmax(widest, chart_text_width(t->rows[i].label, FONT));
    }
    double pad = (hi - lo) * 0.04;
    c.left = fmin(widest + 16, 340);
    c.ycat = 1;
    const char *names[2] = { "at its low value", "at its high value" };
    chart_legend_room(&c, 2, names);
    chart_axes(&c, lo - pad, hi + pad, 0, t->xlabel, 0, t->n > 0 ? t->n : 1, NULL);
    for (int i = 0; i < t->n; i++) {
        double yc = t->n - i - 0.5;     /* row i's centre, first row on top */
        const ChartTornadoRow *r = &t->rows[i];
        if (isfinite(r->at_low)) chart_rect(&c, t->base, yc - 0.36, r->at_low, yc + 0.36, CHART_SKY, 1);
        if (isfinite(r->at_high)) chart_rect(&c, t->base, yc - 0.36, r->at_high, yc + 0.36, CHART_ORANGE, 1);
        row_label(&c, yc, r->label);
    }
    double pb = chart_px(&c, t->base);
    sbuf_printf(out, "<line x1=\"%g\" y1=\"%g\" x2=\"%g\" y2=\"%g\" stroke=\"%s\" stroke-width=\"1.5\"/>\n", pb,
                c.py0, pb, c.py1, CHART_INK);
    const char *cols[2] = { CHART_SKY, CHART_ORANGE };
    chart_legend(&c, 2, cols, names);
    chart_end(&c);
}

/* A chart of r->n rows over [x0, x1]: the left margin fits the labels. */
static void rows_begin(Chart *c, Sbuf *out, const ChartRows *r, double x0, double x1, int xint)
{
    double rowh = 22, widest = 0;
    chart_begin(c, out, r->id, r->title, 760, 54 + 40 + rowh * (r->n > 0 ? r->n : 1));
    for (int i = 0; i < r->n; i++) widest = fmax(widest, chart_text_width(r->labels[i], FONT));
    c->left = fmin(widest + 16, 260);
    c->ycat = 1;
    c->xint = xint;
    chart_axes(c, x0, x1, 0, r->xlabel, 0, r->n > 0 ? r->n : 1, NULL);
    for (int i = 0; i < r->n; i++) row_label(c, r->n - i - 0.5, r->labels[i]);
}

void chart_bars(Sbuf *out, const ChartRows *r)
{
    Chart c;
    double top = 0;
    for (int i = 0; i < r->n; i++) if (isfinite(r->values[i])) top = fmax(top, r->values[i]);
    double x1 = isfinite(r->x1) ? r->x1 : top > 0 ? top * 1.15 : 1;
    int whole = 1;
    for (int i = 0; i < r->n; i++) whole &= !isfinite(r->values[i]) || r->values[i] == floor(r->values[i]);
    rows_begin(&c, out, r, 0, x1, whole);
    for (int i = 0; i < r->n; i++) {
        if (!isfinite(r->values[i])) continue;
        double yc = r->n - i - 0.5;
        chart_rect(&c, 0, yc - 0.34, r->values[i], yc + 0.34, r->color ? r->color : CHART_BLUE, 1);
        char v[48];
        if (whole) chart_fmt(v, sizeof v, r->values[i], 0);
        else chart_fmt_sig(v, sizeof v, r->values[i], 3);
        sbuf_printf(out, "<text x=\"%g\" y=\"%g\">", r1(chart_px(&c, r->values[i]) + 4),
                    r1(chart_py(&c, yc) + FONT * 0.35));
        sbuf_esc(out, v);
        sbuf_puts(out, "</text>\n");
    }
    chart_end(&c);
}

void chart_dots(Sbuf *out, const ChartRows *r)
{
    Chart c;
    rows_begin(&c, out, r, r->x0, r->x1, 0);
    for (int i = 0; i < r->n; i++)
        if (isfinite(r->values[i]))
            chart_herrbar(&c, r->n - i - 0.5, r->values[i], NAN, NAN, r->color ? r->color : CHART_VERMILION);
    chart_end(&c);
}

void chart_calibration(Sbuf *out, const ChartCalibration *k)
{
    Chart c;
    chart_begin(&c, out, k->id, k->title, 480, 440);
    c.left = 56;
    chart_axes(&c, 0, 1, 0, "stated probability", 0, 1, "share that happened");
    const double diag[2] = { 0, 1 };
    chart_line(&c, diag, diag, 2, CHART_MUTED, 1, "4 3");
    for (int i = 0; i < k->n; i++) {
        if (k->count[i] <= 0) continue;
        chart_errbar(&c, k->stated[i], k->observed[i], NAN, NAN, CHART_BLUE);
        char n[32];
        snprintf(n, sizeof n, "%d", k->count[i]);
        sbuf_printf(out, "<text x=\"%g\" y=\"%g\">", r1(chart_px(&c, k->stated[i]) + 7),
                    r1(chart_py(&c, k->observed[i]) - 5));
        sbuf_esc(out, n);
        sbuf_puts(out, "</text>\n");
    }
    chart_end(&c);
}
