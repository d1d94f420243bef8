/* svgchart.c — small inline-SVG charts (see svgchart.h). Coordinates are
 * plain numbers in a fixed viewBox; the page scales it. */
#include "svgchart.h"

void svg_text(FILE *f, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '&': fputs("&amp;", f); break;
        case '"': fputs("&quot;", f); break;
        default: fputc(*s, f);
        }
    }
}

static void open_svg(FILE *f, const char *title, int w, int h)
{
    fprintf(f, "<figure><svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" "
            "role=\"img\" aria-label=\"", w, h, w, h);
    svg_text(f, title);
    fputs("\" style=\"font-family:sans-serif;font-size:12px\">\n", f);
}

static void close_svg(FILE *f, const char *title)
{
    fputs("</svg><figcaption>", f);
    svg_text(f, title);
    fputs("</figcaption></figure>\n", f);
}

void svg_bars(FILE *f, const char *title, const char *const *labels, const double *values, int n)
{
    double top = 0;
    for (int i = 0; i < n; i++) if (values[i] > top) top = values[i];
    int h = 20 + 22 * n;
    open_svg(f, title, 520, h);
    for (int i = 0; i < n; i++) {
        double w = top > 0 ? 300.0 * values[i] / top : 0;
        int y = 10 + 22 * i;
        fprintf(f, "<text x=\"150\" y=\"%d\" text-anchor=\"end\">", y + 14);
        svg_text(f, labels[i]);
        fprintf(f, "</text><rect x=\"160\" y=\"%d\" width=\"%.1f\" height=\"16\" fill=\"#4a78b0\"/>"
                "<text x=\"%.1f\" y=\"%d\">%g</text>\n", y, w, 165 + w, y + 14, values[i]);
    }
    close_svg(f, title);
}

void svg_dots(FILE *f, const char *title, const char *const *labels, const double *values, int n)
{
    int h = 40 + 20 * n;
    open_svg(f, title, 520, h);
    for (int k = 0; k <= 4; k++) {
        double x = 160 + 3.2 * 25 * k;
        fprintf(f, "<line x1=\"%.1f\" y1=\"10\" x2=\"%.1f\" y2=\"%d\" stroke=\"#ccc\"/>"
                "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%d</text>\n", x, x, h - 25, x, h - 10, 25 * k);
    }
    for (int i = 0; i < n; i++) {
        int y = 20 + 20 * i;
        fprintf(f, "<text x=\"150\" y=\"%d\" text-anchor=\"end\">", y + 4);
        svg_text(f, labels[i]);
        fprintf(f, "</text><circle cx=\"%.1f\" cy=\"%d\" r=\"5\" fill=\"#b0504a\"/>\n", 160 + 3.2 * values[i], y);
    }
    close_svg(f, title);
}

void svg_calibration(FILE *f, const char *title, const double *stated, const double *observed, const int *count, int n)
{
    open_svg(f, title, 320, 320);
    fputs("<rect x=\"40\" y=\"20\" width=\"260\" height=\"260\" fill=\"none\" stroke=\"#999\"/>"
          "<line x1=\"40\" y1=\"280\" x2=\"300\" y2=\"20\" stroke=\"#ccc\" stroke-dasharray=\"4 3\"/>"
          "<text x=\"170\" y=\"310\" text-anchor=\"middle\">stated probability</text>"
          "<text x=\"14\" y=\"150\" transform=\"rotate(-90 14 150)\" text-anchor=\"middle\">share that happened</text>\n", f);
    for (int i = 0; i < n; i++) {
        if (count[i] <= 0) continue;
        double x = 40 + 260 * stated[i], y = 280 - 260 * observed[i];
        fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"5\" fill=\"#4a78b0\"/><text x=\"%.1f\" y=\"%.1f\">%d</text>\n",
                x, y, x + 7, y - 4, count[i]);
    }
    close_svg(f, title);
}
