/* fmt.c — numbers for people: see fmt.h. Invariant: the output depends
 * only on the value (no locale), so tables are the same everywhere. */
#include "fmt.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "cal.h"

void fmt_whole(char *buf, size_t n, double x)
{
    char digits[40];
    if (!isfinite(x)) {
        fmt_num(buf, n, x);
        return;
    }
    double r = nearbyint(x);
    if (fabs(r) >= 1e15) {
        snprintf(buf, n, "%.3g", r);
        return;
    }
    snprintf(digits, sizeof digits, "%.0f", fabs(r));
    size_t len = strlen(digits), k = 0;
    char out[64], *p = out;
    if (r < 0) *p++ = '-';
    for (size_t i = 0; i < len; i++) {
        *p++ = digits[i];
        k = len - i - 1;
        if (k && k % 3 == 0) *p++ = ',';
    }
    *p = '\0';
    snprintf(buf, n, "%s", out);
}

/* %.*f or %.*g without trailing zeros after the point. */
static void trim(char *buf)
{
    if (!strchr(buf, '.') || strchr(buf, 'e')) return;
    char *e = buf + strlen(buf) - 1;
    while (*e == '0') *e-- = '\0';
    if (*e == '.') *e = '\0';
}

void fmt_num(char *buf, size_t n, double x)
{
    double ax = fabs(x);
    if (isnan(x)) snprintf(buf, n, "-");
    else if (isinf(x)) snprintf(buf, n, x > 0 ? "inf" : "-inf");
    else if (ax >= 1e15) snprintf(buf, n, "%.3g", x);
    else if (ax >= 999.5) fmt_whole(buf, n, x);
    else if (ax >= 99.995) {
        snprintf(buf, n, "%.1f", x);
        trim(buf);
    } else if (ax == 0) snprintf(buf, n, "0");
    else {
        snprintf(buf, n, "%.4g", x);
        trim(buf);
    }
}

void fmt_metric(char *buf, size_t n, const MetricInfo *mi, int64_t start_day, double x)
{
    if (mi->kind == MET_TIME) {
        if (isinf(x) && x > 0) snprintf(buf, n, "never");
        else if (isnan(x)) snprintf(buf, n, "-");
        else {
            char date[11];
            cal_format_t(start_day, x, date);
            snprintf(buf, n, "%s", date);
        }
    } else if (mi->whole || mi->kind == MET_FLAG) {
        if (x == nearbyint(x)) fmt_whole(buf, n, x);
        else fmt_num(buf, n, x);   /* a mean of counts stays fractional */
    } else {
        fmt_num(buf, n, x);
    }
}

void fmt_amount(char *buf, size_t n, double x, const char *unit)
{
    char num[40];
    fmt_num(num, sizeof num, x);
    if (!unit || !*unit) {
        snprintf(buf, n, "%s", num);
        return;
    }
    size_t len = strlen(unit);
    if (!strcmp(num, "1") && len > 1 && unit[len - 1] == 's' && unit[len - 2] != 's')
        snprintf(buf, n, "%s %.*s", num, (int)(len - 1), unit);
    else
        snprintf(buf, n, "%s %s", num, unit);
}

int fmt_columns(void)
{
    const char *c = getenv("COLUMNS");
    if (c && atoi(c) >= 40) return atoi(c);
    struct winsize ws;
    if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 40) return ws.ws_col;
    return 120;
}

void fmt_range(char *buf, size_t n, double lo, double hi)
{
    char a[32], b[32];
    fmt_num(a, sizeof a, lo);
    fmt_num(b, sizeof b, hi);
    snprintf(buf, n, "%s–%s", a, b);
}

void fmt_wrap(FILE *f, int col, const char *indent, const char *text)
{
    int width = 76;
    const char *p = text;
    while (*p) {
        const char *w = p;
        while (*p && *p != ' ') p++;
        int len = (int)(p - w);
        if (col + len > width && col > (int)strlen(indent) && p != text + len) {
            fputs("\n", f);
            fputs(indent, f);
            col = (int)strlen(indent);
        }
        fwrite(w, 1, (size_t)len, f);
        col += len;
        while (*p == ' ') p++;
        if (*p) { fputc(' ', f); col++; }
    }
    fputc('\n', f);
}
