/* report.c — the HTML report of a summary: see report.h.
 *
 * Invariant: everything written comes from the summary (numbers are printed
 * from the JSON's own values, rounded for display, never recomputed from
 * other fields except where a chart needs a derived coordinate), and the
 * bytes depend on nothing else. A summary that lacks what its kind requires
 * is an error naming the JSON path, never a half-drawn page.
 */
#include "report.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "afile.h"
#include "cal.h"
#include "chart.h"
#include "json.h"

#define NO_DAY INT64_MIN
#define TORNADO_ROWS 20     /* the chart shows the largest effects; the table has all */
#define MAX_ERRORS 8

typedef struct Rep {
    const cJSON *root;
    Sbuf *html;
    const char *svg_dir;
    Diag *d;
    int bad;                /* structural errors recorded */
    int write_error;
    int64_t start;          /* epoch day of t = 0, or NO_DAY */
} Rep;

/* --- reading the summary ------------------------------------------------- */

static void bad(Rep *r, const char *path, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (r->bad++ < MAX_ERRORS) diag_add(r->d, 0, 0, path, "%s", msg);
}

/* A number as the summary writes it: a number, "never"/"inf" (+inf),
 * "-inf", or null / missing (NAN). */
static double jnum(const cJSON *v)
{
    if (cJSON_IsNumber(v)) return v->valuedouble;
    if (cJSON_IsString(v)) {
        if (!strcmp(v->valuestring, "never") || !strcmp(v->valuestring, "inf")) return INFINITY;
        if (!strcmp(v->valuestring, "-inf")) return -INFINITY;
    }
    return NAN;
}

static int is_numlike(const cJSON *v)
{
    return cJSON_IsNumber(v) || cJSON_IsNull(v) ||
           (cJSON_IsString(v) && (!strcmp(v->valuestring, "never") || !strcmp(v->valuestring, "inf") ||
                                  !strcmp(v->valuestring, "-inf")));
}

static double get(const cJSON *o, const char *key) { return jnum(cJSON_GetObjectItemCaseSensitive(o, key)); }

static const char *gets(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* A required member that reads as a number (or null / "never"). */
/* The metric's kind ("total" when the summary does not say). */
static const char *metric_kind(const cJSON *m) { return gets(m, "kind") ? gets(m, "kind") : "total"; }

/* The metric's label, or its id when it has none. */
static const char *metric_label(const cJSON *m) { return gets(m, "label") ? gets(m, "label") : m->string; }

static double need(Rep *r, const cJSON *o, const char *key, const char *path)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!v || !is_numlike(v)) {
        bad(r, path, "'%s': expected a number, null or \"never\", found %s", key, v ? "another type" : "nothing");
        return NAN;
    }
    return jnum(v);
}

/* An array of numbers: its length, with the values in *out (malloc'd;
 * the caller frees), or -1 after an error. */
static int numbers(Rep *r, const cJSON *a, const char *path, double **out)
{
    *out = NULL;
    if (!cJSON_IsArray(a)) {
        bad(r, path, "expected an array of numbers");
        return -1;
    }
    int n = cJSON_GetArraySize(a), i = 0;
    double *v = malloc(((size_t)n + 1) * sizeof *v);
    if (!v) {
        bad(r, path, "out of memory");
        return -1;
    }
    const cJSON *e;
    cJSON_ArrayForEach(e, a)
    {
        if (!is_numlike(e)) {
            bad(r, path, "element %d: expected a number", i);
            free(v);
            return -1;
        }
        v[i++] = jnum(e);
    }
    *out = v;
    return n;
}

/* --- formatting ---------------------------------------------------------- */

/* An id usable in XML and as a file name: letters, digits and '-'. */
static void safe_id(char *out, size_t n, const char *prefix, const char *id)
{
    size_t k = (size_t)snprintf(out, n, "%s", prefix);
    for (const char *p = id; *p && k + 1 < n; p++) {
        char ch = *p;
        out[k++] = ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9')) ? ch : '-';
    }
    out[k < n ? k : n - 1] = '\0';
}

/* Four significant digits (every digit of a large number), without
 * trailing zeros after the decimal point; "never" for +inf. */
static void fmt_num(char *buf, size_t n, double x)
{
    if (isinf(x) && x > 0) {
        snprintf(buf, n, "never");
        return;
    }
    chart_fmt_sig(buf, n, x, 4);
    if (strchr(buf, '.')) {
        size_t len = strlen(buf);
        while (len > 0 && buf[len - 1] == '0') buf[--len] = '\0';
        if (len > 0 && buf[len - 1] == '.') buf[--len] = '\0';
    }
}

/* A value of a metric: a date for a time metric (day t after the start),
 * else a number. */
static void fmt_val(const Rep *r, char *buf, size_t n, const char *kind, double x)
{
    if (kind && !strcmp(kind, "time") && isfinite(x) && r->start != NO_DAY) {
        char date[11];
        cal_format_t(r->start, x, date);
        snprintf(buf, n, "%s", date);
    } else {
        fmt_num(buf, n, x);
    }
}

static const char *unit_of(const char *kind, const char *unit)
{
    if (kind && !strcmp(kind, "time")) return "date";
    if (kind && !strcmp(kind, "flag")) return "probability";
    return unit && *unit ? unit : "";
}

/* A number cell: class "num", data-k naming the JSON field it shows. */
static void td_num(Rep *r, const char *key, const char *text)
{
    sbuf_printf(r->html, "<td class=\"num\" data-k=\"%s\">", key);
    sbuf_esc(r->html, text);
    sbuf_puts(r->html, "</td>");
}

static void td_text(Rep *r, const char *text)
{
    sbuf_puts(r->html, "<td>");
    sbuf_esc(r->html, text ? text : "");
    sbuf_puts(r->html, "</td>");
}

/* --- figures ------------------------------------------------------------- */

/* A number in a cell, data-k naming its JSON field. */
static void td_field(Rep *r, const cJSON *o, const char *key)
{
    char v[64];
    fmt_num(v, sizeof v, get(o, key));
    td_num(r, key, v);
}

/* A number in running text, data-k naming its JSON field. */
static void span_field(Rep *r, const cJSON *o, const char *key, const char *data_k)
{
    char v[64];
    fmt_num(v, sizeof v, get(o, key));
    sbuf_printf(r->html, "<span class=\"num\" data-k=\"%s\">", data_k);
    sbuf_esc(r->html, v);
    sbuf_puts(r->html, "</span>");
}

static int mkdir_p1(const char *dir)
{
    struct stat st;
    if (stat(dir, &st) == 0) return S_ISDIR(st.st_mode) ? 0 : -1;
    return mkdir(dir, 0777) == 0 || errno == EEXIST ? 0 : -1;
}

/* The chart in svg becomes a figure in the page, and DIR/id.svg. */
static void figure(Rep *r, const char *id, const Sbuf *svg, const char *caption)
{
    if (sbuf_failed(svg) || !svg->s) {
        r->write_error = 1;
        diag_add(r->d, 0, 0, "", "out of memory drawing %s", id);
        return;
    }
    sbuf_puts(r->html, "<figure>\n");
    sbuf_puts(r->html, svg->s);
    if (caption) {
        sbuf_puts(r->html, "<figcaption>");
        sbuf_esc(r->html, caption);
        sbuf_puts(r->html, "</figcaption>\n");
    }
    sbuf_puts(r->html, "</figure>\n");
    if (!r->svg_dir || r->write_error) return;
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.svg", r->svg_dir, id);
    AFile f;
    if (afile_open(&f, path, r->d) < 0) {
        r->write_error = 1;
        return;
    }
    fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", f.fp);
    fputs(svg->s, f.fp);
    if (afile_commit(&f, r->d) < 0) r->write_error = 1;
}

/* --- the header ---------------------------------------------------------- */

static void prov_row(Rep *r, const char *name, const char *value)
{
    if (!value || !*value) return;
    sbuf_puts(r->html, "<tr><th scope=\"row\">");
    sbuf_esc(r->html, name);
    sbuf_puts(r->html, "</th><td>");
    sbuf_esc(r->html, value);
    sbuf_puts(r->html, "</td></tr>\n");
}

static void header(Rep *r, const char *what, const cJSON *run)
{
    const char *title = gets(run, "title"), *name = gets(run, "scenario");
    const char *desc = gets(run, "description");
    sbuf_printf(r->html, "<header>\n<p class=\"kicker\">salvo %s report</p>\n<h1>", what);
    sbuf_esc(r->html, title && *title ? title : name ? name : "salvo summary");
    sbuf_puts(r->html, "</h1>\n");
    if (desc && *desc) {
        sbuf_puts(r->html, "<p class=\"desc\">");
        sbuf_esc(r->html, desc);
        sbuf_puts(r->html, "</p>\n");
    }
    sbuf_puts(r->html, "<table class=\"prov\">\n");
    char buf[512];
    if (name) {
        snprintf(buf, sizeof buf, "%s%s%s", name, gets(run, "sha256") ? ", SHA-256 " : "",
                 gets(run, "sha256") ? gets(run, "sha256") : "");
        prov_row(r, gets(run, "scenario_b") ? "scenario A" : "scenario", buf);
    }
    if (gets(run, "scenario_b")) {
        snprintf(buf, sizeof buf, "%s%s%s", gets(run, "scenario_b"), gets(run, "sha256_b") ? ", SHA-256 " : "",
                 gets(run, "sha256_b") ? gets(run, "sha256_b") : "");
        prov_row(r, "scenario B", buf);
    }
    if (gets(run, "start")) prov_row(r, "scenario starts", gets(run, "start"));
    snprintf(buf, sizeof buf, "salvo %s (git %s)", gets(run, "salvo") ? gets(run, "salvo") : "?",
             gets(run, "git") ? gets(run, "git") : "?");
    prov_row(r, "built by", buf);
    prov_row(r, "seed", gets(run, "seed"));
    double runs = get(run, "runs"), done = get(run, "runs_completed");
    char a[64], b[64];
    chart_fmt(a, sizeof a, isfinite(done) ? done : runs, 0);
    chart_fmt(b, sizeof b, runs, 0);
    if (isfinite(done) && done != runs)
        snprintf(buf, sizeof buf, "%s of %s requested%s", a, b,
                 cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(run, "partial")) ? " (partial: interrupted)" : "");
    else
        snprintf(buf, sizeof buf, "%s%s", b, cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(run, "partial")) ?
                                                 " (partial: interrupted)" : "");
    if (isfinite(runs)) prov_row(r, !strcmp(what, "sweep") || !strcmp(what, "assumption sweep")
                                        ? "replications per point" : "replications", buf);
    double th = get(run, "threads"), rk = get(run, "ranks");
    if (isfinite(rk)) snprintf(buf, sizeof buf, "%.0f MPI ranks × %.0f threads", rk, th);
    else snprintf(buf, sizeof buf, "%.0f thread%s", th, th == 1 ? "" : "s");
    if (isfinite(th)) prov_row(r, "ran on", buf);
    prov_row(r, "date", gets(run, "date") ? gets(run, "date") : "not recorded in the summary");
    const cJSON *unc = cJSON_GetObjectItemCaseSensitive(run, "uncertainty");
    prov_row(r, "parametric uncertainty",
             cJSON_IsTrue(unc) ? "on: every ranged assumption drawn per replication from triangular(low, value, high)"
             : cJSON_IsFalse(unc) ? "off: every assumption at its value"
                                  : "not recorded");
    prov_row(r, "command", gets(run, "command"));
    sbuf_puts(r->html, "</table>\n</header>\n");
}

/* --- the assumption ledger and the record ---------------------------------- */

static void ledger(Rep *r)
{
    const cJSON *as = cJSON_GetObjectItemCaseSensitive(r->root, "assumptions");
    sbuf_puts(r->html, "<section id=\"ledger\">\n<h2>Assumption ledger</h2>\n");
    if (!cJSON_IsArray(as)) {
        sbuf_puts(r->html, "<p class=\"note\">This summary carries no assumption ledger.</p>\n</section>\n");
        return;
    }
    sbuf_puts(r->html, "<table class=\"data ledger\">\n<thead><tr><th>parameter</th><th class=\"n\">value</th><th class=\"n\">range</th>"
                       "<th>unit</th><th>source</th><th>note</th></tr></thead>\n<tbody>\n");
    const cJSON *e;
    int i = 0;
    cJSON_ArrayForEach(e, as)
    {
        char path[64];
        snprintf(path, sizeof path, "assumptions[%d]", i++);
        if (!cJSON_IsObject(e) || !gets(e, "path")) {
            bad(r, path, "expected an object with a \"path\"");
            continue;
        }
        char v[64], lo[64], hi[64], range[160];
        fmt_num(v, sizeof v, get(e, "value"));
        fmt_num(lo, sizeof lo, get(e, "low"));
        fmt_num(hi, sizeof hi, get(e, "high"));
        if (isfinite(get(e, "low")) || isfinite(get(e, "high"))) snprintf(range, sizeof range, "%s – %s", lo, hi);
        else snprintf(range, sizeof range, "–");
        sbuf_puts(r->html, "<tr><td><code>");
        sbuf_esc(r->html, gets(e, "path"));
        sbuf_puts(r->html, "</code></td>");
        sbuf_puts(r->html, "<td class=\"num\" data-k=\"value\">");
        sbuf_esc(r->html, v);
        /* The distribution behind the value; not a plain number that only repeats it. */
        const char *vt = gets(e, "value_text");
        char *vend = NULL;
        double vnum = vt ? strtod(vt, &vend) : NAN;
        if (vt && vend && *vend == '\0' && vnum == get(e, "value")) vt = NULL;
        if (vt) {
            sbuf_puts(r->html, "<br><span class=\"dist\">");
            sbuf_esc(r->html, gets(e, "value_text"));
            sbuf_puts(r->html, "</span>");
        }
        sbuf_puts(r->html, "</td>");
        td_num(r, "range", range);
        td_text(r, gets(e, "unit"));
        sbuf_puts(r->html, "<td>");
        const cJSON *src = cJSON_GetObjectItemCaseSensitive(e, "source");
        if (cJSON_IsObject(src)) {
            const char *url = gets(src, "url"), *title = gets(src, "title"), *sid = gets(src, "id");
            int link = url && (!strncmp(url, "https://", 8) || !strncmp(url, "http://", 7));
            if (link) {
                sbuf_puts(r->html, "<a href=\"");
                sbuf_esc(r->html, url);
                sbuf_puts(r->html, "\">");
            }
            sbuf_esc(r->html, title ? title : sid ? sid : "(untitled)");
            if (link) sbuf_puts(r->html, "</a>");
            if (gets(src, "date")) {
                sbuf_puts(r->html, ", ");
                sbuf_esc(r->html, gets(src, "date"));
            }
            if (sid && title) {
                sbuf_puts(r->html, " <span class=\"dist\">[");
                sbuf_esc(r->html, sid);
                sbuf_puts(r->html, "]</span>");
            }
        } else {
            sbuf_puts(r->html, "<span class=\"dist\">no source</span>");
        }
        sbuf_puts(r->html, "</td>");
        td_text(r, gets(e, "note"));
        sbuf_puts(r->html, "</tr>\n");
    }
    sbuf_puts(r->html, "</tbody>\n</table>\n</section>\n");
}

/* Observations from the public record: {"metric", "date", "value", "low",
 * "high", "source"} entries of a top-level "record" array. */
static void record_table(Rep *r)
{
    const cJSON *rec = cJSON_GetObjectItemCaseSensitive(r->root, "record");
    if (!cJSON_IsArray(rec) || cJSON_GetArraySize(rec) == 0) return;
    sbuf_puts(r->html, "<section id=\"record\">\n<h2>The record against the model</h2>\n"
                       "<table class=\"data\">\n<thead><tr><th>metric</th><th>date</th><th class=\"n\">value</th><th class=\"n\">range</th>"
                       "<th>source</th></tr></thead>\n<tbody>\n");
    const cJSON *e;
    cJSON_ArrayForEach(e, rec)
    {
        char v[64], lo[64], hi[64], range[160];
        fmt_num(v, sizeof v, get(e, "value"));
        fmt_num(lo, sizeof lo, get(e, "low"));
        fmt_num(hi, sizeof hi, get(e, "high"));
        snprintf(range, sizeof range, "%s – %s", lo, hi);
        sbuf_puts(r->html, "<tr>");
        td_text(r, gets(e, "metric"));
        td_text(r, gets(e, "date"));
        td_num(r, "value", v);
        td_num(r, "range", isfinite(get(e, "low")) ? range : "–");
        const cJSON *src = cJSON_GetObjectItemCaseSensitive(e, "source");
        td_text(r, cJSON_IsString(src) ? src->valuestring : cJSON_IsObject(src) ? gets(src, "title") : NULL);
        sbuf_puts(r->html, "</tr>\n");
    }
    sbuf_puts(r->html, "</tbody>\n</table>\n</section>\n");
}

/* --- batch --------------------------------------------------------------- */

/* Integer bins: the summary's equal bins are re-assigned to whole numbers
 * when min and max are whole and every bin is narrow enough that the value
 * it holds (placed at its sketch bucket, within 0.5%) rounds to exactly one
 * integer: 0.005 |v| + width / 2 < 0.5. A flag's two bins are 0 and 1. */
static int integer_bins(const char *kind, double mn, double mx, const double *e, const double *c, int n,
                        double **ie, double **ic)
{
    int flag = !strcmp(kind, "flag");
    if (!flag) {
        if (strcmp(kind, "total") || !isfinite(mn) || !isfinite(mx) || mn != floor(mn) || mx != floor(mx)) return 0;
        double w = n > 0 ? (e[n] - e[0]) / n : 0;
        if (mx - mn > 60 || 0.005 * fmax(fabs(mn), fabs(mx)) + w / 2 >= 0.5) return 0;
    } else {
        mn = 0;
        mx = 1;
    }
    int nb = (int)(mx - mn) + 1;
    *ie = calloc((size_t)nb + 1, sizeof **ie);
    *ic = calloc((size_t)nb + 1, sizeof **ic);
    if (!*ie || !*ic) return 0;
    for (int k = 0; k <= nb; k++) (*ie)[k] = mn + k;
    for (int i = 0; i < n; i++) {
        double centre = (e[i] + e[i + 1]) / 2;
        int k = (int)(flag ? (centre >= 0.5) : lround(centre) - (long)mn);
        if (k < 0) k = 0;
        if (k >= nb) k = nb - 1;
        (*ic)[k] += c[i];
    }
    return nb;
}

static void metric_histogram(Rep *r, const char *id, const cJSON *m, const char *path)
{
    const char *kind = gets(m, "kind"), *unit = gets(m, "unit"), *label = gets(m, "label");
    const cJSON *h = cJSON_GetObjectItemCaseSensitive(m, "histogram");
    char p[560];
    snprintf(p, sizeof p, "%s.histogram", path);
    if (!cJSON_IsObject(h)) {
        bad(r, p, "expected an object with \"edges\" and \"counts\"");
        return;
    }
    double *e = NULL, *c = NULL, *ie = NULL, *ic = NULL;
    char pe[620], pc[620];
    snprintf(pe, sizeof pe, "%s.edges", p);
    snprintf(pc, sizeof pc, "%s.counts", p);
    int ne = numbers(r, cJSON_GetObjectItemCaseSensitive(h, "edges"), pe, &e);
    int nc = numbers(r, cJSON_GetObjectItemCaseSensitive(h, "counts"), pc, &c);
    if (ne < 0 || nc < 0) goto out;
    if (nc == 0) goto out;      /* no finite value: nothing to draw */
    if (ne != nc + 1) {
        bad(r, p, "expected %d edges for %d counts, found %d", nc + 1, nc, ne);
        goto out;
    }
    int time = !strcmp(kind, "time");
    if (time && r->start == NO_DAY) time = 0;
    if (time)
        for (int i = 0; i < ne; i++) e[i] += (double)r->start;
    ChartHist ch;
    memset(&ch, 0, sizeof ch);
    char hid[200], xl[300], title[400];
    safe_id(hid, sizeof hid, "hist-", id);
    snprintf(title, sizeof title, "%s", label ? label : id);
    const char *u = unit_of(kind, unit);
    if (!strcmp(kind, "flag")) snprintf(xl, sizeof xl, "outcome (0 = no, 1 = yes)");
    else if (time) snprintf(xl, sizeof xl, "date it happened");
    else snprintf(xl, sizeof xl, "%s%s%s%s", !strcmp(kind, "level") ? "final level" : "value", *u ? " (" : "", u,
                  *u ? ")" : "");
    ch.id = hid;
    ch.title = title;
    ch.xlabel = xl;
    ch.ylabel = "replications";
    ch.edges = e;
    ch.counts = c;
    ch.n = nc;
    ch.xdate = time;
    /* A whole-number metric's bins are [k, k + w) of whole width w from the
     * minimum, the last edge past the maximum (docs/batch.md): one bar per
     * value when w is 1, else bars that span their values k .. k + w - 1. */
    int nb = 0, whole = !time && nc >= 1 && e[0] == get(m, "min") && e[nc] >= get(m, "max") + 1;
    double w = e[1] - e[0];
    for (int i = 0; whole && i < nc; i++) whole = e[i] == floor(e[i]) && e[i + 1] - e[i] == w && w >= 1;
    if (whole && w == 1) {
        ie = malloc(((size_t)nc + 1) * sizeof *ie);
        ic = malloc(((size_t)nc + 1) * sizeof *ic);
        if (ie && ic) {
            memcpy(ie, e, ((size_t)nc + 1) * sizeof *ie);
            memcpy(ic, c, (size_t)nc * sizeof *ic);
            nb = nc;
        }
    } else if (whole) {
        for (int i = 0; i <= nc; i++) e[i] -= 0.5;
    } else {
        /* Older summaries: equal bins over [min, max]; infer whole numbers. */
        nb = integer_bins(kind, get(m, "min"), get(m, "max"), e, c, nc, &ie, &ic);
    }
    if (nb > 0) {
        ch.edges = ie;
        ch.counts = ic;
        ch.n = nb;
        ch.integer = 1;
    }
    const cJSON *ci = cJSON_GetObjectItemCaseSensitive(m, "ci95");
    double off = time ? (double)r->start : 0;
    ch.mean = get(m, "mean") + off;
    ch.ci_lo = jnum(cJSON_GetArrayItem(ci, 0)) + off;
    ch.ci_hi = jnum(cJSON_GetArrayItem(ci, 1)) + off;
    ch.marker = NAN;
    Sbuf svg = { 0 };
    chart_histogram(&svg, &ch);
    char cap[400];
    double never = get(m, "never_fraction");
    if (time && isfinite(never) && never > 0)
        snprintf(cap, sizeof cap, "Histogram of %s over the replications where it happened; %.1f%% never did. "
                 "Red: the mean with its 95%% confidence interval.", id, 100 * never);
    else
        snprintf(cap, sizeof cap, "Histogram of %s over the replications%s. Red: the mean with its 95%% "
                 "confidence interval.", id, nb > 0 ? " (one bar per whole number)" : "");
    figure(r, hid, &svg, cap);
    sbuf_fini(&svg);
out:
    free(e);
    free(c);
    free(ie);
    free(ic);
}

/* The CDF over calendar dates, P(by each year end) and the never fraction. */
static void metric_cdf(Rep *r, const char *id, const cJSON *m, const char *path)
{
    const cJSON *cdf = cJSON_GetObjectItemCaseSensitive(m, "cdf");
    char p[600];
    snprintf(p, sizeof p, "%s.cdf", path);
    if (!cJSON_IsArray(cdf)) {
        bad(r, p, "expected an array of {\"date\", \"day\", \"p\"}");
        return;
    }
    int n = cJSON_GetArraySize(cdf);
    if (n == 0) return;
    double *x = calloc((size_t)n + 1, sizeof *x), *y = calloc((size_t)n + 1, sizeof *y);
    if (!x || !y) {
        free(x);
        free(y);
        bad(r, p, "out of memory");
        return;
    }
    int k = 0, ok = 1;
    if (r->start != NO_DAY) {
        x[0] = (double)r->start;
        y[0] = 0;
        k = 1;
    }
    const cJSON *e;
    int i = 0;
    cJSON_ArrayForEach(e, cdf)
    {
        int64_t day;
        const char *date = gets(e, "date");
        if (!date || cal_parse(date, &day) < 0 || !cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(e, "p"))) {
            char pi[640];
            snprintf(pi, sizeof pi, "%s[%d]", p, i);
            bad(r, pi, "expected {\"date\": \"YYYY-MM-DD\", \"p\": number}");
            ok = 0;
            break;
        }
        x[k] = (double)day;
        y[k++] = get(e, "p");
        i++;
    }
    if (ok) {
        char cid[200], title[400];
        safe_id(cid, sizeof cid, "cdf-", id);
        snprintf(title, sizeof title, "%s: P(happened by date)", gets(m, "label") ? gets(m, "label") : id);
        Sbuf svg = { 0 };
        Chart c;
        chart_begin(&c, &svg, cid, title, 640, 320);
        chart_axes(&c, x[0], x[k - 1], 1, "date", 0, 1, "probability it has happened");
        double never = get(m, "never_fraction");
        if (isfinite(never)) {
            double hx[2] = { x[0], x[k - 1] }, hy[2] = { 1 - never, 1 - never };
            chart_line(&c, hx, hy, 2, CHART_MUTED, 1.2, "5 4");
            char lab[96];
            snprintf(lab, sizeof lab, "never: %.1f%%", 100 * never);
            chart_label(&c, x[0] + (x[k - 1] - x[0]) * 0.01, 1 - never + 0.03, "start", CHART_MUTED, lab);
        }
        chart_line(&c, x, y, k, CHART_BLUE, 2.2, NULL);
        /* Year ends: dots with their probability. */
        for (int j = 0; j < k; j++) {
            int yy, mo, dd;
            cal_civil((int64_t)x[j], &yy, &mo, &dd);
            if (!(mo == 12 && dd == 31)) continue;
            chart_errbar(&c, x[j], y[j], NAN, NAN, CHART_BLUE);
            char lab[32];
            snprintf(lab, sizeof lab, "%.3f", y[j]);
            /* Near the right edge the label ends at the dot. */
            const char *anchor = chart_px(&c, x[j]) > c.px1 - 24 ? "end" : "middle";
            chart_label(&c, x[j], y[j] + (y[j] > 0.85 ? -0.07 : 0.05), anchor, CHART_INK, lab);
        }
        chart_end(&c);
        figure(r, cid, &svg, "Empirical CDF at every month end: the share of all replications in which it "
                             "had happened by that date. Dots: year ends. Dashed: 1 − the never fraction.");
        sbuf_fini(&svg);
        /* P(by year end) and the never fraction as a table. */
        sbuf_printf(r->html, "<table class=\"data small\" data-metric=\"%s\">\n<thead><tr><th>by</th>"
                             "<th class=\"n\">P(happened)</th></tr></thead>\n<tbody>\n", id);
        i = 0;
        cJSON_ArrayForEach(e, cdf)
        {
            const char *date = gets(e, "date");
            int last = i++ == n - 1;
            if (!(strlen(date) == 10 && !strcmp(date + 4, "-12-31")) && !last) continue;
            char v[32];
            snprintf(v, sizeof v, "%.3f", get(e, "p"));
            sbuf_puts(r->html, "<tr>");
            td_text(r, date);
            td_num(r, "cdf.p", v);
            sbuf_puts(r->html, "</tr>\n");
        }
        char v[32];
        snprintf(v, sizeof v, "%.3f", get(m, "never_fraction"));
        sbuf_puts(r->html, "<tr><td>never</td>");
        td_num(r, "never_fraction", v);
        sbuf_puts(r->html, "</tr>\n</tbody>\n</table>\n");
    }
    free(x);
    free(y);
}

/* Observations of the record for one metric, as fan points. */
static int record_points(Rep *r, const char *id, ChartObs *obs, int max)
{
    const cJSON *rec = cJSON_GetObjectItemCaseSensitive(r->root, "record"), *e;
    int n = 0;
    if (!cJSON_IsArray(rec)) return 0;
    int i = 0;
    cJSON_ArrayForEach(e, rec)
    {
        char p[64];
        snprintf(p, sizeof p, "record[%d]", i++);
        const char *mid = gets(e, "metric"), *date = gets(e, "date");
        int64_t day;
        if (!mid || !date || cal_parse(date, &day) < 0 || !isfinite(get(e, "value"))) {
            bad(r, p, "expected {\"metric\", \"date\": \"YYYY-MM-DD\", \"value\": number, \"low\", \"high\"}");
            continue;
        }
        if (strcmp(mid, id) || n >= max) continue;
        obs[n].x = (double)day;
        obs[n].y = get(e, "value");
        obs[n].lo = get(e, "low");
        obs[n].hi = get(e, "high");
        n++;
    }
    return n;
}

/* Fan chart of a level series: {"t", "dates", "p5", "p25", "p50", "p75", "p95"}. */
static void fan_of(Rep *r, const char *fid, const char *title, const char *ylabel, const cJSON *s, const char *path,
                   double ylo, double yhi, const char *color, const char *record_id)
{
    static const char *const keys[5] = { "p5", "p25", "p50", "p75", "p95" };
    double *v[5] = { 0 }, *x = NULL;
    int n = -1;
    char p[600];
    const cJSON *dates = cJSON_GetObjectItemCaseSensitive(s, "dates");
    if (!cJSON_IsArray(dates)) {
        snprintf(p, sizeof p, "%s.dates", path);
        bad(r, p, "expected an array of dates");
        return;
    }
    for (int k = 0; k < 5; k++) {
        snprintf(p, sizeof p, "%s.%s", path, keys[k]);
        int nk = numbers(r, cJSON_GetObjectItemCaseSensitive(s, keys[k]), p, &v[k]);
        if (nk < 0) goto out;
        if (n >= 0 && nk != n) {
            bad(r, p, "expected %d values, as many as the other bands, found %d", n, nk);
            goto out;
        }
        n = nk;
    }
    if (cJSON_GetArraySize(dates) != n) {
        snprintf(p, sizeof p, "%s.dates", path);
        bad(r, p, "expected %d dates, one per value", n);
        goto out;
    }
    x = calloc((size_t)n + 1, sizeof *x);
    if (!x) goto out;
    int i = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, dates)
    {
        int64_t day;
        if (!cJSON_IsString(e) || cal_parse(e->valuestring, &day) < 0) {
            snprintf(p, sizeof p, "%s.dates[%d]", path, i);
            bad(r, p, "expected a date YYYY-MM-DD");
            goto out;
        }
        x[i++] = (double)day;
    }
    if (n == 0) goto out;
    ChartObs obs[64];
    ChartFan f = { fid, title, ylabel, x, v[0], v[1], v[2], v[3], v[4], n, ylo, yhi, color, obs, 0 };
    if (record_id) f.nobs = record_points(r, record_id, obs, 64);
    Sbuf svg = { 0 };
    chart_fan(&svg, &f);
    figure(r, fid, &svg, f.nobs ? "Fan chart: median (line), 25–75% and 5–95% of the replications at each date; "
                                  "red: the public record with its range."
                                : "Fan chart: median (line), 25–75% and 5–95% of the replications at each date.");
    sbuf_fini(&svg);
out:
    for (int k = 0; k < 5; k++) free(v[k]);
    free(x);
}

static void summary_table(Rep *r, const cJSON *metrics)
{
    sbuf_puts(r->html, "<section id=\"summary\">\n<h2>Every metric at a glance</h2>\n"
                       "<table class=\"data\" id=\"metrics\">\n<thead><tr><th>metric</th><th>unit</th>"
                       "<th class=\"n\">mean</th><th class=\"n\">± 95% CI</th><th class=\"n\">p5</th><th class=\"n\">p25</th><th class=\"n\">median</th><th class=\"n\">p75</th>"
                       "<th class=\"n\">p95</th><th class=\"n\">never</th></tr></thead>\n<tbody>\n");
    const cJSON *m;
    cJSON_ArrayForEach(m, metrics)
    {
        const char *kind = gets(m, "kind");
        sbuf_printf(r->html, "<tr data-metric=\"");
        sbuf_esc(r->html, m->string);
        sbuf_puts(r->html, "\"><th scope=\"row\"><a href=\"#m-");
        char sid[200];
        safe_id(sid, sizeof sid, "", m->string);
        sbuf_esc(r->html, sid);
        sbuf_puts(r->html, "\">");
        sbuf_esc(r->html, metric_label(m));
        sbuf_puts(r->html, "</a><br><code>");
        sbuf_esc(r->html, m->string);
        sbuf_puts(r->html, "</code></th>");
        const char *u = unit_of(kind, gets(m, "unit"));
        td_text(r, !strcmp(kind, "time") ? "date (± days)" : u);
        static const char *const q[7] = { "mean", "halfwidth", "p5", "p25", "median", "p75", "p95" };
        for (int k = 0; k < 7; k++) {
            char v[64];
            double x = get(m, q[k]);
            if (k == 1) fmt_num(v, sizeof v, x);
            else fmt_val(r, v, sizeof v, kind, x);
            td_num(r, q[k], v);
        }
        if (!strcmp(kind, "time")) {
            char v[32];
            snprintf(v, sizeof v, "%.1f%%", 100 * get(m, "never_fraction"));
            td_num(r, "never_fraction%", v);
        } else {
            td_text(r, "");
        }
        sbuf_puts(r->html, "</tr>\n");
    }
    sbuf_puts(r->html, "</tbody>\n</table>\n<p class=\"note\">Mean over the replications where the value is "
                       "finite (for a date: where it happened), with the half-width of its 95% confidence "
                       "interval (Student t). Quantiles over all replications, “never” counted as latest, to "
                       "the summary’s 0.5% relative accuracy.</p>\n</section>\n");
}

static void batch_report(Rep *r)
{
    const cJSON *metrics = cJSON_GetObjectItemCaseSensitive(r->root, "metrics");
    const cJSON *series = cJSON_GetObjectItemCaseSensitive(r->root, "series");
    const cJSON *m;
    /* Check the essentials before writing anything. */
    cJSON_ArrayForEach(m, metrics)
    {
        char p[512];
        snprintf(p, sizeof p, "metrics.%s", m->string);
        const char *kind = gets(m, "kind");
        if (!cJSON_IsObject(m)) {
            bad(r, p, "expected an object");
            continue;
        }
        if (!kind || (strcmp(kind, "total") && strcmp(kind, "time") && strcmp(kind, "flag") && strcmp(kind, "level"))) {
            bad(r, p, "'kind': expected \"total\", \"time\", \"flag\" or \"level\"");
            continue;
        }
        static const char *const req[9] = { "n", "mean", "halfwidth", "p5", "p25", "median", "p75", "p95", "max" };
        for (int k = 0; k < 9; k++) need(r, m, req[k], p);
        if (!strcmp(kind, "time")) need(r, m, "never_fraction", p);
    }
    if (r->bad) return;
    header(r, "batch", cJSON_GetObjectItemCaseSensitive(r->root, "run"));
    sbuf_puts(r->html, "<main>\n");
    int ntime = 0, nlevel = 0;
    if (cJSON_IsObject(series)) {
        const cJSON *s;
        cJSON_ArrayForEach(s, series) nlevel++;
    }
    if (nlevel) {
        sbuf_puts(r->html, "<section id=\"levels\">\n<h2>Levels over time</h2>\n<div class=\"grid\">\n");
        const cJSON *s;
        cJSON_ArrayForEach(s, series)
        {
            const cJSON *mm = cJSON_GetObjectItemCaseSensitive(metrics, s->string);
            char p[512], fid[200], title[300], yl[200];
            snprintf(p, sizeof p, "series.%s", s->string);
            safe_id(fid, sizeof fid, "fan-", s->string);
            const char *lab = mm ? gets(mm, "label") : NULL, *un = mm ? gets(mm, "unit") : NULL;
            snprintf(title, sizeof title, "%s", lab ? lab : s->string);
            snprintf(yl, sizeof yl, "%s", un && *un ? un : "level");
            fan_of(r, fid, title, yl, s, p, NAN, NAN, NULL, s->string);
        }
        sbuf_puts(r->html, "</div>\n</section>\n");
    }
    cJSON_ArrayForEach(m, metrics) ntime += !strcmp(gets(m, "kind"), "time");
    if (ntime) {
        sbuf_puts(r->html, "<section id=\"times\">\n<h2>When things happen</h2>\n");
        cJSON_ArrayForEach(m, metrics)
        {
            if (strcmp(gets(m, "kind"), "time")) continue;
            char p[512], sid[200];
            snprintf(p, sizeof p, "metrics.%s", m->string);
            safe_id(sid, sizeof sid, "m-", m->string);
            sbuf_printf(r->html, "<div class=\"metric\" id=\"%s\">\n<h3>", sid);
            sbuf_esc(r->html, metric_label(m));
            sbuf_puts(r->html, " <code>");
            sbuf_esc(r->html, m->string);
            sbuf_puts(r->html, "</code></h3>\n<div class=\"pair\">\n");
            metric_cdf(r, m->string, m, p);
            metric_histogram(r, m->string, m, p);
            sbuf_puts(r->html, "</div>\n</div>\n");
        }
        sbuf_puts(r->html, "</section>\n");
    }
    summary_table(r, metrics);
    sbuf_puts(r->html, "<section id=\"distributions\">\n<h2>Distributions over the replications</h2>\n"
                       "<div class=\"grid\">\n");
    cJSON_ArrayForEach(m, metrics)
    {
        if (!strcmp(gets(m, "kind"), "time")) continue;
        char p[512], sid[200];
        snprintf(p, sizeof p, "metrics.%s", m->string);
        safe_id(sid, sizeof sid, "m-", m->string);
        sbuf_printf(r->html, "<div class=\"metric\" id=\"%s\">\n", sid);
        metric_histogram(r, m->string, m, p);
        sbuf_puts(r->html, "</div>\n");
    }
    sbuf_puts(r->html, "</div>\n</section>\n");
    record_table(r);
    ledger(r);
    sbuf_puts(r->html, "</main>\n");
}

/* --- compare ------------------------------------------------------------- */

/* Every metric of a comparison has "a", "b" and "diff" with their means. */
static void compare_check(Rep *r, const cJSON *metrics)
{
    const cJSON *m;
    cJSON_ArrayForEach(m, metrics)
    {
        char p[512];
        snprintf(p, sizeof p, "metrics.%s", m->string);
        const cJSON *a = cJSON_GetObjectItemCaseSensitive(m, "a"), *b = cJSON_GetObjectItemCaseSensitive(m, "b");
        const cJSON *df = cJSON_GetObjectItemCaseSensitive(m, "diff");
        if (!cJSON_IsObject(a) || !cJSON_IsObject(b) || !cJSON_IsObject(df)) {
            bad(r, p, "expected \"a\", \"b\" and \"diff\" objects");
            continue;
        }
        need(r, a, "mean", p);
        need(r, b, "mean", p);
        need(r, df, "mean", p);
        need(r, df, "halfwidth", p);
    }
}

/* One row of the paired table: the means, the difference, P(B better) and
 * the variance reduction. */
static void compare_row(Rep *r, const cJSON *m)
{
    const char *kind = metric_kind(m);
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(m, "a"), *b = cJSON_GetObjectItemCaseSensitive(m, "b");
    const cJSON *df = cJSON_GetObjectItemCaseSensitive(m, "diff");
    sbuf_puts(r->html, "<tr data-metric=\"");
    sbuf_esc(r->html, m->string);
    sbuf_puts(r->html, "\"><th scope=\"row\">");
    sbuf_esc(r->html, metric_label(m));
    sbuf_puts(r->html, "<br><code>");
    sbuf_esc(r->html, m->string);
    sbuf_puts(r->html, "</code></th>");
    td_text(r, !strcmp(kind, "time") ? "date (B − A in days)" : unit_of(kind, gets(m, "unit")));
    char v[64];
    fmt_val(r, v, sizeof v, kind, get(a, "mean"));
    td_num(r, "a.mean", v);
    fmt_val(r, v, sizeof v, kind, get(b, "mean"));
    td_num(r, "b.mean", v);
    fmt_num(v, sizeof v, get(df, "mean"));
    td_num(r, "diff.mean", v);
    fmt_num(v, sizeof v, get(df, "halfwidth"));
    td_num(r, "diff.halfwidth", v);
    double bb = get(m, "b_better");
    if (isfinite(bb)) snprintf(v, sizeof v, "%.1f%%", 100 * bb);
    else snprintf(v, sizeof v, "–");
    td_num(r, "b_better%", v);
    double vr = get(m, "variance_reduction");
    if (isinf(vr)) snprintf(v, sizeof v, "∞");
    else if (isfinite(vr)) snprintf(v, sizeof v, "%.2f×", vr);
    else snprintf(v, sizeof v, "–");
    td_num(r, "variance_reduction×", v);
    sbuf_puts(r->html, "</tr>\n");
}

/* The paired table, with the names of A and B above it; counts the rows
 * each forest plot will have (quantities with a mean, and dates). */
static void compare_table(Rep *r, const cJSON *metrics, const cJSON *run, int *nrel, int *ntime)
{
    const char *na = gets(run, "scenario") ? gets(run, "scenario") : "A";
    const char *nb = gets(run, "scenario_b") ? gets(run, "scenario_b") : "B";
    sbuf_puts(r->html, "<main>\n<section id=\"paired\">\n<h2>B − A, paired by common random numbers</h2>\n<p>A = <b>");
    sbuf_esc(r->html, na);
    sbuf_puts(r->html, "</b>, B = <b>");
    sbuf_esc(r->html, nb);
    sbuf_puts(r->html, "</b>. Replication r of A and of B draw from the same random streams, so the difference "
                       "B − A is measured with far less noise than two independent batches would give.</p>\n"
                       "<table class=\"data\" id=\"metrics\">\n<thead><tr><th>metric</th><th>unit</th><th class=\"n\">mean A</th>"
                       "<th class=\"n\">mean B</th><th class=\"n\">B − A</th><th class=\"n\">± 95% CI</th><th class=\"n\">P(B better)</th>"
                       "<th class=\"n\">variance reduction</th></tr></thead>\n<tbody>\n");
    const cJSON *m;
    *nrel = *ntime = 0;
    cJSON_ArrayForEach(m, metrics)
    {
        compare_row(r, m);
        const char *kind = metric_kind(m);
        double ma = get(cJSON_GetObjectItemCaseSensitive(m, "a"), "mean");
        if (!strcmp(kind, "time")) (*ntime)++;
        else if (isfinite(ma) && ma != 0 && isfinite(get(cJSON_GetObjectItemCaseSensitive(m, "diff"), "mean")))
            (*nrel)++;
    }
    sbuf_puts(r->html, "</tbody>\n</table>\n<p class=\"note\">B − A: mean of the paired differences over the "
                       "replications where both are finite, with its 95% CI. P(B better): the share of "
                       "replications where B did strictly better by the metric’s sense. Variance reduction: "
                       "(var A + var B) / var(B − A), how many times more replications independent batches "
                       "would need for the same precision.</p>\n");
}

/* Whether m is a row of forest plot `days` (0: relative change of a
 * quantity, 1: days for a date); if so its difference, half-width and the
 * scale that turns them into the plot's unit. */
static int forest_point(const cJSON *m, int days, double *d, double *hw, double *s)
{
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(m, "a"), *df = cJSON_GetObjectItemCaseSensitive(m, "diff");
    double ma = get(a, "mean");
    *d = get(df, "mean");
    *hw = get(df, "halfwidth");
    if (days != !strcmp(metric_kind(m), "time") || !isfinite(*d) || (!days && (!isfinite(ma) || ma == 0)))
        return 0;
    *s = days ? 1 : 100 / fabs(ma);
    return 1;
}

/* A forest plot of B − A with its 95% CI, one row per metric: relative
 * change for quantities (days = 0), days for dates (days = 1). */
static void compare_forest(Rep *r, const cJSON *metrics, int days, int rows)
{
    Sbuf svg = { 0 };
    Chart c;
    const cJSON *m;
    const char *cid = days ? "forest-days" : "forest-relative";
    chart_begin(&c, &svg, cid, days ? "B − A for dates, in days, with 95% CI"
                                    : "B − A relative to A’s mean, with 95% CI", 760, 34 + 48 + 22.0 * rows + 8);
    double lo = 0, hi = 0, widest = 0, d, hw, s;
    cJSON_ArrayForEach(m, metrics)
    {
        if (!forest_point(m, days, &d, &hw, &s)) continue;
        double l = (d - (isfinite(hw) ? hw : 0)) * s, h = (d + (isfinite(hw) ? hw : 0)) * s;
        lo = fmin(lo, l);
        hi = fmax(hi, h);
        widest = fmax(widest, chart_text_width(m->string, 12));
    }
    double pad = (hi - lo) * 0.05 + 1e-9;
    c.left = fmin(widest + 16, 300);
    c.ycat = 1;
    chart_axes(&c, lo - pad, hi + pad, 0, days ? "B − A (days)" : "B − A (% of A’s mean)", 0, rows, NULL);
    int i = 0;
    cJSON_ArrayForEach(m, metrics)
    {
        if (!forest_point(m, days, &d, &hw, &s)) continue;
        double yc = rows - i++ - 0.5;
        chart_herrbar(&c, yc, d * s, (d - hw) * s, (d + hw) * s,
                      d > 0 ? CHART_BLUE : d < 0 ? CHART_VERMILION : CHART_MUTED);
        sbuf_printf(&svg, "<text x=\"%g\" y=\"%g\" text-anchor=\"end\">", c.px0 - 6, chart_py(&c, yc) + 4);
        sbuf_esc(&svg, m->string);
        sbuf_puts(&svg, "</text>\n");
    }
    double zx = chart_px(&c, 0);
    sbuf_printf(&svg, "<line x1=\"%g\" y1=\"%g\" x2=\"%g\" y2=\"%g\" stroke=\"%s\"/>\n", zx, c.py0, zx, c.py1,
                CHART_INK);
    chart_end(&c);
    figure(r, cid, &svg, days ? "Paired difference of each date metric (over the replications where both "
                                "happened), with its 95% confidence interval."
                              : "Paired difference of each metric as a percentage of A’s mean, with its 95% "
                                "confidence interval; blue: B higher, red: B lower, grey: no difference.");
    sbuf_fini(&svg);
}

/* A's fan beside B's for one metric, on one y range so the eye can
 * compare them. */
static void compare_fan_pair(Rep *r, const cJSON *m, const cJSON *sa, const cJSON *sb)
{
    double lo = INFINITY, hi = -INFINITY, *v = NULL;
    for (int side = 0; side < 2; side++)
        for (int k = 0; k < 2; k++) {
            int n = numbers(r, cJSON_GetObjectItemCaseSensitive(side ? sb : sa, k ? "p95" : "p5"), "series", &v);
            for (int i = 0; i < n; i++)
                if (isfinite(v[i])) lo = fmin(lo, v[i]), hi = fmax(hi, v[i]);
            free(v);
        }
    if (lo > 0 && lo < 0.25 * hi) lo = 0;
    hi += (hi - lo) * 0.05;
    sbuf_puts(r->html, "<div class=\"pair\">\n");
    for (int side = 0; side < 2; side++) {
        char fid[200], title[300], p[300], pre[8];
        snprintf(pre, sizeof pre, "fan%c-", side ? 'B' : 'A');
        safe_id(fid, sizeof fid, pre, m->string);
        snprintf(title, sizeof title, "%s: %s", side ? "B" : "A", metric_label(m));
        snprintf(p, sizeof p, "metrics.%s.%s.series", m->string, side ? "b" : "a");
        const char *u = gets(m, "unit");
        fan_of(r, fid, title, u && *u ? u : "level", side ? sb : sa, p, lo, hi, side ? CHART_ORANGE : CHART_BLUE,
               NULL);
    }
    sbuf_puts(r->html, "</div>\n");
}

/* Side-by-side fans, when the summary carries A's and B's series. */
static void compare_fans(Rep *r, const cJSON *metrics)
{
    int fans = 0;
    const cJSON *m;
    cJSON_ArrayForEach(m, metrics)
    {
        const cJSON *sa = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(m, "a"), "series");
        const cJSON *sb = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(m, "b"), "series");
        if (!cJSON_IsObject(sa) || !cJSON_IsObject(sb)) continue;
        if (!fans++) sbuf_puts(r->html, "<section id=\"levels\">\n<h2>Levels over time, A beside B</h2>\n");
        compare_fan_pair(r, m, sa, sb);
    }
    if (fans) sbuf_puts(r->html, "</section>\n");
}

static void compare_report(Rep *r)
{
    const cJSON *metrics = cJSON_GetObjectItemCaseSensitive(r->root, "metrics");
    const cJSON *run = cJSON_GetObjectItemCaseSensitive(r->root, "run");
    compare_check(r, metrics);
    if (r->bad) return;
    header(r, "compare", run);
    int nrel, ntime;
    compare_table(r, metrics, run, &nrel, &ntime);
    /* Forest plots: relative change for quantities, days for dates. */
    if (nrel) compare_forest(r, metrics, 0, nrel);
    if (ntime) compare_forest(r, metrics, 1, ntime);
    sbuf_puts(r->html, "</section>\n");
    compare_fans(r, metrics);
    ledger(r);
    sbuf_puts(r->html, "</main>\n");
}

/* --- sweep --------------------------------------------------------------- */

/* vary is an array of {"path", "values"}, points of {"set", "metrics"},
 * each set giving the first varied path a number. */
static void sweep_check(Rep *r, const cJSON *vary, const cJSON *points, const char *path0)
{
    if (!cJSON_IsArray(vary) || cJSON_GetArraySize(vary) == 0 || !path0)
        bad(r, "vary", "expected an array of {\"path\", \"values\"}");
    if (!cJSON_IsArray(points)) bad(r, "points", "expected an array of {\"set\", \"metrics\"}");
    const cJSON *pt;
    int i = 0;
    cJSON_ArrayForEach(pt, points)
    {
        char p[64];
        snprintf(p, sizeof p, "points[%d]", i++);
        const cJSON *set = cJSON_GetObjectItemCaseSensitive(pt, "set");
        if (!cJSON_IsObject(set) || !cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(pt, "metrics")) ||
            (path0 && !cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(set, path0))))
            bad(r, p, "expected {\"set\": {\"%s\": number, ...}, \"metrics\": {...}}", path0 ? path0 : "PATH");
    }
}

/* Points with the same values of the other parameters form a line:
 * group[a] is point a's line; returns the number of lines. */
static int sweep_groups(const cJSON *points, int np, const char *path0, int *group)
{
    int ngroups = 0;
    for (int a = 0; a < np; a++) {
        const cJSON *sa = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(points, a), "set");
        group[a] = -1;
        for (int b = 0; b < a && group[a] < 0; b++) {
            const cJSON *sb = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(points, b), "set"), *e;
            int same = 1;
            cJSON_ArrayForEach(e, sa)
            {
                if (path0 && !strcmp(e->string, path0)) continue;
                if (jnum(e) != get(sb, e->string)) same = 0;
            }
            if (same) group[a] = group[b];
        }
        if (group[a] < 0) group[a] = ngroups++;
    }
    return ngroups;
}

/* Metric id's statistics at point a. */
static const cJSON *sweep_point_metric(const cJSON *points, int a, const char *id)
{
    return cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(points, a), "metrics"), id);
}

/* The points of a sweep, their groups (lines) and scratch for x and y. */
typedef struct SweepPts {
    const cJSON *points;
    int np;
    const char *path0;
    double *x, *y;
    int *group, ngroups;
} SweepPts;

/* One chart: metric m's mean against the first varied path, a line per
 * group, with each point's 95% CI. Nothing when no mean is finite. */
static void sweep_chart(Rep *r, const SweepPts *s, const cJSON *m, const cJSON *info)
{
    const cJSON *mi = cJSON_GetObjectItemCaseSensitive(info, m->string);
    const char *kind = mi ? gets(mi, "kind") : NULL, *unit = mi ? gets(mi, "unit") : NULL;
    double lo = INFINITY, hi = -INFINITY, *x = s->x, *y = s->y;
    int np = s->np;
    for (int a = 0; a < np; a++) {
        const cJSON *pm = sweep_point_metric(s->points, a, m->string);
        const cJSON *ci = cJSON_GetObjectItemCaseSensitive(pm, "ci95");
        double mean = get(pm, "mean"), cl = jnum(cJSON_GetArrayItem(ci, 0)), chh = jnum(cJSON_GetArrayItem(ci, 1));
        x[a] = get(cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(s->points, a), "set"), s->path0);
        y[a] = mean;
        if (isfinite(mean)) lo = fmin(lo, mean), hi = fmax(hi, mean);
        if (isfinite(cl)) lo = fmin(lo, cl);
        if (isfinite(chh)) hi = fmax(hi, chh);
    }
    if (!isfinite(lo)) return;
    double pad = (hi - lo) * 0.08;
    char sid[200], title[300], yl[200];
    safe_id(sid, sizeof sid, "sweep-", m->string);
    snprintf(title, sizeof title, "%s", mi && gets(mi, "label") ? gets(mi, "label") : m->string);
    if (kind && !strcmp(kind, "time")) snprintf(yl, sizeof yl, "mean, days after the start");
    else if (kind && !strcmp(kind, "flag")) snprintf(yl, sizeof yl, "probability");
    else snprintf(yl, sizeof yl, "mean%s%s%s", unit && *unit ? " (" : "", unit && *unit ? unit : "",
                  unit && *unit ? ")" : "");
    double xlo = x[0], xhi = x[0];
    for (int a = 0; a < np; a++) xlo = fmin(xlo, x[a]), xhi = fmax(xhi, x[a]);
    double xpad = (xhi - xlo) * 0.04;
    Sbuf svg = { 0 };
    Chart c;
    chart_begin(&c, &svg, sid, title, 640, 300);
    chart_axes(&c, xlo - xpad, xhi + xpad, 0, s->path0, lo - pad, hi + pad, yl);
    for (int g = 0; g < s->ngroups; g++) {
        int k = 0;
        double *lx = calloc((size_t)np, sizeof *lx), *ly = calloc((size_t)np, sizeof *ly);
        if (!lx || !ly) {
            free(lx);
            free(ly);
            break;
        }
        for (int a = 0; a < np; a++)
            if (s->group[a] == g) lx[k] = x[a], ly[k++] = y[a];
        chart_line(&c, lx, ly, k, chart_color(g), 1.5, NULL);
        free(lx);
        free(ly);
        for (int a = 0; a < np; a++) {
            if (s->group[a] != g) continue;
            const cJSON *ci = cJSON_GetObjectItemCaseSensitive(sweep_point_metric(s->points, a, m->string), "ci95");
            chart_errbar(&c, x[a], y[a], jnum(cJSON_GetArrayItem(ci, 0)), jnum(cJSON_GetArrayItem(ci, 1)),
                         chart_color(g));
        }
    }
    chart_end(&c);
    figure(r, sid, &svg, "Mean at each point with its 95% confidence interval.");
    sbuf_fini(&svg);
}

/* Metric m at every point, a row per point: the varied values, the mean
 * and the half-width. */
static void sweep_table(Rep *r, const cJSON *m, const cJSON *vary, const cJSON *points)
{
    sbuf_printf(r->html, "<table class=\"data small\" data-metric=\"");
    sbuf_esc(r->html, m->string);
    sbuf_puts(r->html, "\">\n<caption><code>");
    sbuf_esc(r->html, m->string);
    sbuf_puts(r->html, "</code></caption>\n<thead><tr>");
    const cJSON *v, *pt;
    cJSON_ArrayForEach(v, vary)
    {
        sbuf_puts(r->html, "<th>");
        sbuf_esc(r->html, gets(v, "path"));
        sbuf_puts(r->html, "</th>");
    }
    sbuf_puts(r->html, "<th class=\"n\">mean</th><th class=\"n\">± 95% CI</th></tr></thead>\n<tbody>\n");
    cJSON_ArrayForEach(pt, points)
    {
        const cJSON *set = cJSON_GetObjectItemCaseSensitive(pt, "set");
        const cJSON *pm = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(pt, "metrics"), m->string);
        sbuf_puts(r->html, "<tr>");
        cJSON_ArrayForEach(v, vary)
        {
            char t[64];
            fmt_num(t, sizeof t, get(set, gets(v, "path")));
            td_num(r, "set", t);
        }
        td_field(r, pm, "mean");
        td_field(r, pm, "halfwidth");
        sbuf_puts(r->html, "</tr>\n");
    }
    sbuf_puts(r->html, "</tbody>\n</table>\n");
}

static void sweep_report(Rep *r)
{
    const cJSON *vary = cJSON_GetObjectItemCaseSensitive(r->root, "vary");
    const cJSON *points = cJSON_GetObjectItemCaseSensitive(r->root, "points");
    const cJSON *info = cJSON_GetObjectItemCaseSensitive(r->root, "metric_info");
    int nv = cJSON_GetArraySize(vary), np = cJSON_GetArraySize(points);
    const char *path0 = nv > 0 ? gets(cJSON_GetArrayItem(vary, 0), "path") : NULL;
    sweep_check(r, vary, points, path0);
    if (r->bad) return;
    header(r, "sweep", cJSON_GetObjectItemCaseSensitive(r->root, "run"));
    sbuf_puts(r->html, "<main>\n<section id=\"sweep\">\n<h2>Each metric against ");
    sbuf_esc(r->html, path0);
    sbuf_puts(r->html, "</h2>\n<p>Every point ran with the same seed (common random numbers), so differences "
                       "between points are sharper than their confidence intervals suggest.");
    if (nv > 1) sbuf_puts(r->html, " One line per combination of the other varied parameters.");
    sbuf_puts(r->html, "</p>\n<div class=\"grid\">\n");
    const cJSON *m0 = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(points, 0), "metrics"), *m;
    SweepPts s = { .points = points, .np = np, .path0 = path0 };
    s.x = calloc((size_t)np + 1, sizeof *s.x);
    s.y = calloc((size_t)np + 1, sizeof *s.y);
    s.group = calloc((size_t)np + 1, sizeof *s.group);
    if (!s.x || !s.y || !s.group) goto out;
    s.ngroups = sweep_groups(points, np, path0, s.group);
    cJSON_ArrayForEach(m, m0) sweep_chart(r, &s, m, info);
    sbuf_puts(r->html, "</div>\n");
    /* Every number, in a table per metric (folded: they are many). */
    sbuf_puts(r->html, "<details>\n<summary>The numbers of every point</summary>\n");
    cJSON_ArrayForEach(m, m0) sweep_table(r, m, vary, points);
    sbuf_puts(r->html, "</details>\n</section>\n");
    ledger(r);
    sbuf_puts(r->html, "</main>\n");
out:
    free(s.x);
    free(s.y);
    free(s.group);
}

static void tornado_report(Rep *r)
{
    const cJSON *as = cJSON_GetObjectItemCaseSensitive(r->root, "assumptions"), *e;
    const cJSON *base = cJSON_GetObjectItemCaseSensitive(r->root, "base");
    const char *metric = gets(r->root, "metric");
    const cJSON *info = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(r->root, "metric_info"),
                                                         metric ? metric : "");
    if (!metric) bad(r, "metric", "expected the metric's id");
    if (!cJSON_IsObject(base)) bad(r, "base", "expected the base run's {\"mean\", \"halfwidth\"}");
    else need(r, base, "mean", "base");
    if (!cJSON_IsArray(as)) bad(r, "assumptions", "expected an array");
    int i = 0;
    cJSON_ArrayForEach(e, as)
    {
        char p[64];
        snprintf(p, sizeof p, "assumptions[%d]", i++);
        if (!gets(e, "path")) bad(r, p, "'path': expected a string");
        need(r, e, "mean_low", p);
        need(r, e, "mean_high", p);
    }
    if (r->bad) return;
    int n = cJSON_GetArraySize(as);
    header(r, "assumption sweep", cJSON_GetObjectItemCaseSensitive(r->root, "run"));
    const char *unit = info ? gets(info, "unit") : NULL, *label = info ? gets(info, "label") : NULL;
    const char *kind = info ? gets(info, "kind") : NULL;
    char bm[64], bh[64];
    fmt_num(bm, sizeof bm, get(base, "mean"));
    fmt_num(bh, sizeof bh, get(base, "halfwidth"));
    sbuf_puts(r->html, "<main>\n<section id=\"sensitivity\">\n<h2>Which assumption matters for <code>");
    sbuf_esc(r->html, metric);
    sbuf_puts(r->html, "</code></h2>\n<p>");
    if (label) {
        sbuf_esc(r->html, label);
        sbuf_puts(r->html, ": ");
    }
    sbuf_puts(r->html, "base mean <span class=\"num\" data-k=\"base.mean\">");
    sbuf_esc(r->html, bm);
    sbuf_puts(r->html, "</span> ± ");
    sbuf_esc(r->html, bh);
    sbuf_printf(r->html, " %s. Each assumption with a range was set to its low and then its high value, the "
                         "others kept at their values; they are ranked by the size of the effect.</p>\n",
                unit && *unit ? unit : "");
    int rows = n < TORNADO_ROWS ? n : TORNADO_ROWS;
    ChartTornadoRow *tr = calloc((size_t)rows + 1, sizeof *tr);
    if (!tr) return;
    i = 0;
    cJSON_ArrayForEach(e, as)
    {
        if (i >= rows) break;
        tr[i].label = gets(e, "path");
        tr[i].at_low = get(e, "mean_low");
        tr[i].at_high = get(e, "mean_high");
        i++;
    }
    char xl[300], title[300];
    if (kind && !strcmp(kind, "time")) snprintf(xl, sizeof xl, "mean of %s (days after the start)", metric);
    else snprintf(xl, sizeof xl, "mean of %s%s%s%s", metric, unit && *unit ? " (" : "", unit && *unit ? unit : "",
                  unit && *unit ? ")" : "");
    snprintf(title, sizeof title, "Tornado: the %d largest effects on %s", rows, metric);
    ChartTornado t = { "tornado", title, xl, get(base, "mean"), tr, rows };
    Sbuf svg = { 0 };
    chart_tornado(&svg, &t);
    figure(r, "tornado", &svg, "Each bar runs from the base mean to the mean with the assumption at its low "
                               "(blue) or high (orange) value.");
    sbuf_fini(&svg);
    free(tr);
    sbuf_puts(r->html, "<table class=\"data\" id=\"assumptions\">\n<thead><tr><th class=\"n\">rank</th><th>assumption</th>"
                       "<th class=\"n\">low</th><th class=\"n\">high</th><th class=\"n\">mean at low</th><th class=\"n\">mean at high</th><th class=\"n\">effect</th>"
                       "<th>source</th></tr></thead>\n<tbody>\n");
    cJSON_ArrayForEach(e, as)
    {
        char v[64];
        sbuf_puts(r->html, "<tr>");
        fmt_num(v, sizeof v, get(e, "rank"));
        td_num(r, "rank", v);
        sbuf_puts(r->html, "<td><code>");
        sbuf_esc(r->html, gets(e, "path"));
        sbuf_puts(r->html, "</code></td>");
        static const char *const k[5] = { "low", "high", "mean_low", "mean_high", "effect" };
        for (int j = 0; j < 5; j++) {
            fmt_num(v, sizeof v, get(e, k[j]));
            td_num(r, k[j], v);
        }
        td_text(r, gets(e, "source_title") && *gets(e, "source_title") ? gets(e, "source_title") : gets(e, "source"));
        sbuf_puts(r->html, "</tr>\n");
    }
    sbuf_puts(r->html, "</tbody>\n</table>\n</section>\n</main>\n");
}

/* --- fit and discover -------------------------------------------------------- */

/* Rows of intervals on one axis: a chart type of its own (prior against
 * posterior, the record against predictive bands), kept here until
 * report/chart.c takes it. Row i has nb bands (lo, mid, hi; a NAN mid has
 * no dot), drawn one under the other in the colours given. */
typedef struct Bands {
    const char *label;
    double lo[3], mid[3], hi[3];
} Bands;

static void bands_chart(Rep *r, const char *id, const char *title, const char *xlabel, const Bands *rows, int n,
                        int nb, const char *const *names, const char *const *colors, const char *caption)
{
    Chart c;
    Sbuf svg = { 0 };
    double rowh = 12 + 8 * nb, lo = INFINITY, hi = -INFINITY, widest = 0;
    for (int i = 0; i < n; i++) widest = fmax(widest, chart_text_width(rows[i].label, 12));
    /* The labels are paths: the chart widens rather than cut them. */
    chart_begin(&c, &svg, id, title, ceil(fmax(760, widest + 16 + 440)), 54 + 48 + rowh * (n > 0 ? n : 1) + 8);
    for (int i = 0; i < n; i++) {
        for (int b = 0; b < nb; b++) {
            const double v[3] = { rows[i].lo[b], rows[i].mid[b], rows[i].hi[b] };
            for (int k = 0; k < 3; k++)
                if (isfinite(v[k])) lo = fmin(lo, v[k]), hi = fmax(hi, v[k]);
        }
    }
    if (!(lo < hi)) lo = 0, hi = 1;
    double pad = (hi - lo) * 0.04;
    c.left = widest + 16;
    c.ycat = 1;
    chart_legend_room(&c, nb, names);
    chart_axes(&c, lo - pad, hi + pad, 0, xlabel, 0, n > 0 ? n : 1, NULL);
    for (int i = 0; i < n; i++) {
        double yc = n - i - 0.5;
        for (int b = 0; b < nb; b++)
            chart_herrbar(&c, yc + 0.25 * ((nb - 1) / 2.0 - b), rows[i].mid[b], rows[i].lo[b], rows[i].hi[b],
                          colors[b]);
        sbuf_printf(&svg, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">", c.px0 - 6, chart_py(&c, yc) + 4.2);
        sbuf_esc(&svg, rows[i].label);
        sbuf_puts(&svg, "</text>\n");
    }
    chart_legend(&c, nb, colors, names);
    chart_end(&c);
    figure(r, id, &svg, caption);
    sbuf_fini(&svg);
}

/* Every element of the array at key in o is an object with the string
 * fields strs and the number fields nums; else an error naming the path. */
static const cJSON *checked_array(Rep *r, const cJSON *o, const char *key, const char *path, const char *const *strs,
                                  const char *const *nums)
{
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(o, key), *e;
    char p[160];
    snprintf(p, sizeof p, "%s.%s", path, key);
    if (!cJSON_IsArray(a)) {
        bad(r, p, "expected an array");
        return NULL;
    }
    int i = 0;
    cJSON_ArrayForEach(e, a)
    {
        char pe[200];
        snprintf(pe, sizeof pe, "%s[%d]", p, i++);
        for (int k = 0; strs && strs[k]; k++)
            if (!gets(e, strs[k])) bad(r, pe, "'%s': expected a string", strs[k]);
        for (int k = 0; nums && nums[k]; k++) need(r, e, nums[k], pe);
    }
    return a;
}

/* Indices of the assumptions by |shift|, largest first (ties in order). */
static const cJSON *const *shift_order(const cJSON *as, int n)
{
    const cJSON **o = calloc((size_t)n + 1, sizeof *o), *e;
    if (!o) return NULL;
    int i = 0;
    cJSON_ArrayForEach(e, as) o[i++] = e;
    for (int a = 1; a < n; a++)     /* insertion sort: stable, n is small */
        for (int b = a; b > 0 && fabs(get(o[b], "shift")) > fabs(get(o[b - 1], "shift")); b--) {
            const cJSON *t = o[b];
            o[b] = o[b - 1];
            o[b - 1] = t;
        }
    return o;
}

#define FIT_CHART_ROWS 15

/* A row of number cells, one per key of o. */
static void td_fields(Rep *r, const cJSON *o, const char *const *keys, int n)
{
    for (int j = 0; j < n; j++) td_field(r, o, keys[j]);
    sbuf_puts(r->html, "</tr>\n");
}

/* The fit has its counts, its assumptions and observations with their
 * fields, and an object of metrics. */
static void fit_check(Rep *r, const cJSON *f)
{
    static const char *const astr[] = { "path", NULL };
    static const char *const anum[] = { "low", "high", "prior_mean", "prior_p5", "prior_p95", "mean", "p5", "p95",
                                        "shift", NULL };
    static const char *const ostr[] = { "id", "date", "role", NULL };
    static const char *const onum[] = { "low", "high", "prior_p5", "prior_p95", "p5", "p50", "p95", "pit", NULL };
    need(r, f, "runs", "fit");
    need(r, f, "ess", "fit");
    need(r, f, "observations_used", "fit");
    checked_array(r, f, "assumptions", "fit", astr, anum);
    checked_array(r, f, "observations", "fit", ostr, onum);
    if (!cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(f, "metrics")))
        bad(r, "fit.metrics", "expected an object of metrics");
}

/* What was run and weighed, and whether the effective sample size is
 * enough to trust. */
static void fit_intro(Rep *r, const cJSON *f)
{
    sbuf_puts(r->html, "<main>\n<section id=\"fit\">\n<h2>History matching: what the record says about the "
                       "assumptions</h2>\n<p>");
    span_field(r, f, "runs", "fit.runs");
    sbuf_puts(r->html, " replications drew every ranged assumption from its prior and were weighted by their "
                       "agreement with ");
    span_field(r, f, "observations_used", "fit.observations_used");
    sbuf_puts(r->html, " observations");
    if (gets(f, "until") && *gets(f, "until")) {
        sbuf_puts(r->html, " on or before ");
        sbuf_esc(r->html, gets(f, "until"));
    }
    sbuf_puts(r->html, " (");
    sbuf_esc(r->html, gets(f, "method") ? gets(f, "method") : "approximate Bayesian computation");
    sbuf_puts(r->html, "). Effective sample size ");
    span_field(r, f, "ess", "fit.ess");
    sbuf_puts(r->html, get(f, "ess") < 50 ? ": too few to trust; run more replications.</p>\n"
                                          : ": the posterior rests on about that many runs.</p>\n");
}

/* The assumptions the record moves most, charted on their prior ranges,
 * then all of them in a table (ord: by |shift|; b: scratch for na rows). */
static void fit_assumptions(Rep *r, const cJSON *const *ord, int na, Bands *b)
{
    int rows = na < FIT_CHART_ROWS ? na : FIT_CHART_ROWS;
    /* Each assumption on its own prior range: 0 is its low end, 1 its high. */
    for (int i = 0; i < rows; i++) {
        double lo = get(ord[i], "low"), w = get(ord[i], "high") - lo;
        if (!(w > 0)) w = 1;
        b[i].label = gets(ord[i], "path");
        static const char *const k[2][3] = { { "prior_p5", "prior_mean", "prior_p95" }, { "p5", "mean", "p95" } };
        for (int j = 0; j < 2; j++) {
            b[i].lo[j] = (get(ord[i], k[j][0]) - lo) / w;
            b[i].mid[j] = (get(ord[i], k[j][1]) - lo) / w;
            b[i].hi[j] = (get(ord[i], k[j][2]) - lo) / w;
        }
    }
    static const char *const pnames[2] = { "prior: mean and 90%", "posterior: mean and 90%" };
    static const char *const pcols[2] = { CHART_MUTED, CHART_BLUE };
    char title[160];
    snprintf(title, sizeof title, "The %d assumptions the record moves most", rows);
    bands_chart(r, "fit-posterior", title, "position in the prior range (0 = low end, 1 = high end)", b, rows, 2,
                pnames, pcols, "Prior and posterior of each assumption, on its own prior range, ranked by the "
                               "shift of the mean in prior standard deviations.");
    sbuf_puts(r->html, "<table class=\"data\" id=\"fit-assumptions\">\n<thead><tr><th>assumption</th>"
                       "<th class=\"n\">low</th><th class=\"n\">high</th><th class=\"n\">prior mean</th>"
                       "<th class=\"n\">posterior mean</th><th class=\"n\">posterior p5</th>"
                       "<th class=\"n\">posterior p95</th><th class=\"n\">shift</th></tr></thead>\n<tbody>\n");
    for (int i = 0; i < na; i++) {
        sbuf_puts(r->html, "<tr><td><code>");
        sbuf_esc(r->html, gets(ord[i], "path"));
        sbuf_puts(r->html, "</code></td>");
        static const char *const k[7] = { "low", "high", "prior_mean", "mean", "p5", "p95", "shift" };
        td_fields(r, ord[i], k, 7);
    }
    sbuf_puts(r->html, "</tbody>\n</table>\n</section>\n");
}

/* The observations' chart, in units of the record's midpoint (1 is the
 * record); b: scratch for one row per observation. */
static void fit_record_chart(Rep *r, const cJSON *obs, Bands *b)
{
    const cJSON *e;
    int no = 0;
    cJSON_ArrayForEach(e, obs)
    {
        double mid = 0.5 * (get(e, "low") + get(e, "high"));
        if (!(fabs(mid) > 0)) continue;
        b[no].label = gets(e, "id");
        static const char *const k[3][2] = { { "low", "high" }, { "prior_p5", "prior_p95" }, { "p5", "p95" } };
        for (int j = 0; j < 3; j++) {
            b[no].lo[j] = get(e, k[j][0]) / mid;
            b[no].hi[j] = get(e, k[j][1]) / mid;
            b[no].mid[j] = j == 2 ? get(e, "p50") / mid : NAN;
        }
        no++;
    }
    static const char *const onames[3] = { "the record", "prior 90%", "posterior 90% and median" };
    static const char *const ocols[3] = { CHART_INK, CHART_MUTED, CHART_BLUE };
    bands_chart(r, "fit-predictive", "Observations: the record, the prior and the posterior predictive",
                "value / the record's midpoint", b, no, 3, onames, ocols,
                "Each observation divided by the record's midpoint. Those after the fit's date and the held-out "
                "ones did not weigh: whether the record falls in their posterior band is the check.");
}

/* The observations' and the metrics' tables: record, prior and posterior. */
static void fit_record_tables(Rep *r, const cJSON *obs, const cJSON *mets)
{
    const cJSON *e;
    sbuf_puts(r->html, "<table class=\"data\" id=\"fit-observations\">\n<thead><tr><th>observation</th><th>date</th>"
                       "<th>role</th><th class=\"n\">record low</th><th class=\"n\">record high</th>"
                       "<th class=\"n\">prior p5</th><th class=\"n\">prior p95</th><th class=\"n\">posterior p5</th>"
                       "<th class=\"n\">posterior p95</th><th class=\"n\">PIT</th></tr></thead>\n<tbody>\n");
    cJSON_ArrayForEach(e, obs)
    {
        sbuf_puts(r->html, "<tr>");
        td_text(r, gets(e, "id"));
        td_text(r, gets(e, "date"));
        td_text(r, gets(e, "role"));
        static const char *const k[7] = { "low", "high", "prior_p5", "prior_p95", "p5", "p95", "pit" };
        td_fields(r, e, k, 7);
    }
    sbuf_puts(r->html, "</tbody>\n</table>\n<h3>Metrics: prior and posterior predictive</h3>\n"
                       "<table class=\"data\" id=\"fit-metrics\">\n<thead><tr><th>metric</th>"
                       "<th class=\"n\">prior p5</th><th class=\"n\">prior median</th><th class=\"n\">prior p95</th>"
                       "<th class=\"n\">posterior p5</th><th class=\"n\">posterior median</th>"
                       "<th class=\"n\">posterior p95</th></tr></thead>\n<tbody>\n");
    cJSON_ArrayForEach(e, mets)
    {
        sbuf_puts(r->html, "<tr>");
        td_text(r, e->string);
        static const char *const k[6] = { "prior_p5", "prior_p50", "prior_p95", "p5", "p50", "p95" };
        td_fields(r, e, k, 6);
    }
    sbuf_puts(r->html, "</tbody>\n</table>\n");
}

static void fit_report(Rep *r)
{
    const cJSON *f = cJSON_GetObjectItemCaseSensitive(r->root, "fit");
    fit_check(r, f);
    if (r->bad) return;
    const cJSON *as = cJSON_GetObjectItemCaseSensitive(f, "assumptions");
    const cJSON *obs = cJSON_GetObjectItemCaseSensitive(f, "observations");
    header(r, "fit", cJSON_GetObjectItemCaseSensitive(r->root, "run"));
    fit_intro(r, f);
    int na = cJSON_GetArraySize(as);
    const cJSON *const *ord = shift_order(as, na);
    Bands *b = calloc((size_t)(na > cJSON_GetArraySize(obs) ? na : cJSON_GetArraySize(obs)) + 1, sizeof *b);
    if (!ord || !b) {
        free((void *)ord);
        free(b);
        bad(r, "fit", "out of memory");
        return;
    }
    fit_assumptions(r, ord, na, b);
    sbuf_puts(r->html, "<section id=\"fit-record\">\n<h2>The record against "
                       "the prior and posterior predictive bands</h2>\n");
    fit_record_chart(r, obs, b);
    free((void *)ord);
    free(b);
    fit_record_tables(r, obs, cJSON_GetObjectItemCaseSensitive(f, "metrics"));
    sbuf_puts(r->html, "<p class=\"note\">Read with docs/validation.md: the record is uncertain "
                       "and partly from parties to the war.</p>\n</section>\n</main>\n");
}

/* The discovery has its counts and condition, and boxes each with a
 * trajectory of steps and a box of ranges. */
static void discover_check(Rep *r, const cJSON *dj)
{
    static const char *const bnum[] = { "coverage", "density", "support", "chosen", "pastes", NULL };
    need(r, dj, "runs", "discover");
    need(r, dj, "cases", "discover");
    need(r, dj, "density", "discover");
    if (!gets(dj, "where")) bad(r, "discover", "'where': expected a string");
    const cJSON *boxes = checked_array(r, dj, "boxes", "discover", NULL, bnum), *bx;
    int k = 0;
    cJSON_ArrayForEach(bx, boxes)
    {
        char p[64];
        snprintf(p, sizeof p, "discover.boxes[%d]", k++);
        static const char *const tnum[] = { "coverage", "density", "support", NULL };
        checked_array(r, bx, "trajectory", p, NULL, tnum);
        if (!cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(bx, "box"))) bad(r, p, "'box': expected an object");
    }
}

/* Box k's peeling trajectory (coverage against density), the chosen step
 * and the box after pasting, drawn into svg. -1 when out of memory. */
static int discover_trajectory(Rep *r, const cJSON *bx, int k, Sbuf *svg)
{
    const cJSON *tr = cJSON_GetObjectItemCaseSensitive(bx, "trajectory"), *st;
    int n = cJSON_GetArraySize(tr), chosen = (int)get(bx, "chosen"), i = 0;
    double *x = calloc((size_t)n + 1, sizeof *x), *y = calloc((size_t)n + 1, sizeof *y);
    if (!x || !y) {
        free(x);
        free(y);
        bad(r, "discover", "out of memory");
        return -1;
    }
    cJSON_ArrayForEach(st, tr)
    {
        x[i] = get(st, "coverage");
        y[i++] = get(st, "density");
    }
    char id[32], title[96];
    snprintf(id, sizeof id, "discover-box-%d", k + 1);
    snprintf(title, sizeof title, "Box %d: the peeling trajectory", k + 1);
    Chart c;
    chart_begin(&c, svg, id, title, 560, 360);
    static const char *const names[2] = { "peeling steps", "the box after pasting" };
    static const char *const cols[2] = { CHART_BLUE, CHART_ORANGE };
    chart_legend_room(&c, 2, names);
    chart_axes(&c, 0, 1, 0, "coverage (share of all cases)", 0, 1, "density (share of the box's runs)");
    chart_line(&c, x, y, n, CHART_BLUE, 1.5, NULL);
    for (i = 0; i < n; i++) chart_errbar(&c, x[i], y[i], NAN, NAN, CHART_BLUE);
    if (chosen >= 0 && chosen < n) {
        char lab[48];
        snprintf(lab, sizeof lab, "chosen: step %d", chosen);
        chart_label(&c, x[chosen], y[chosen] - 0.05, "middle", CHART_INK, lab);
    }
    chart_errbar(&c, get(bx, "coverage"), get(bx, "density"), NAN, NAN, CHART_ORANGE);
    chart_legend(&c, 2, cols, names);
    chart_end(&c);
    free(x);
    free(y);
    return 0;
}

/* Box k's ranges (or that it restricts nothing), then its coverage,
 * density and support. */
static void discover_box_tables(Rep *r, const cJSON *bx, int k)
{
    sbuf_printf(r->html, "<table class=\"data small\" id=\"discover-box-%d-table\">\n<thead><tr><th>assumption</th>"
                         "<th class=\"n\">from</th><th class=\"n\">to</th></tr></thead>\n<tbody>\n", k + 1);
    const cJSON *range;
    int restricted = 0;
    cJSON_ArrayForEach(range, cJSON_GetObjectItemCaseSensitive(bx, "box"))
    {
        char lo[64], hi[64];
        fmt_num(lo, sizeof lo, jnum(cJSON_GetArrayItem(range, 0)));
        fmt_num(hi, sizeof hi, jnum(cJSON_GetArrayItem(range, 1)));
        sbuf_puts(r->html, "<tr><td><code>");
        sbuf_esc(r->html, range->string);
        sbuf_puts(r->html, "</code></td>");
        td_num(r, "from", lo);
        td_num(r, "to", hi);
        sbuf_puts(r->html, "</tr>\n");
        restricted++;
    }
    if (!restricted) sbuf_puts(r->html, "<tr><td colspan=\"3\">no restriction: no box does better than all the "
                                        "runs</td></tr>\n");
    sbuf_puts(r->html, "</tbody>\n</table>\n<table class=\"data small\">\n<tbody>\n");
    static const char *const rowk[3] = { "coverage", "density", "support" };
    for (int j = 0; j < 3; j++) {
        sbuf_printf(r->html, "<tr><th scope=\"row\">%s</th>", rowk[j]);
        td_fields(r, bx, &rowk[j], 1);
    }
    sbuf_puts(r->html, "</tbody>\n</table>\n</div>\n");
}

static void discover_report(Rep *r)
{
    const cJSON *dj = cJSON_GetObjectItemCaseSensitive(r->root, "discover"), *bx;
    discover_check(r, dj);
    if (r->bad) return;
    header(r, "discover", cJSON_GetObjectItemCaseSensitive(r->root, "run"));
    sbuf_puts(r->html, "<main>\n<section id=\"discover\">\n<h2>Scenario discovery: where <code>");
    sbuf_esc(r->html, gets(dj, "where"));
    sbuf_puts(r->html, "</code></h2>\n<p>");
    span_field(r, dj, "cases", "discover.cases");
    sbuf_puts(r->html, " of ");
    span_field(r, dj, "runs", "discover.runs");
    sbuf_puts(r->html, " replications (every ranged assumption drawn from its prior) meet the condition. PRIM "
                       "peels, pastes and covers (Friedman and Fisher 1999; Bryant and Lempert 2010): each box "
                       "below takes the runs no earlier box took; its coverage is its share of all the cases, its "
                       "density the share of its runs that are cases (all runs: ");
    span_field(r, dj, "density", "discover.density");
    sbuf_puts(r->html, ").</p>\n");
    int k = 0;
    cJSON_ArrayForEach(bx, cJSON_GetObjectItemCaseSensitive(dj, "boxes"))
    {
        Sbuf svg = { 0 };
        if (discover_trajectory(r, bx, k, &svg) < 0) return;
        char id[32], cap[160];
        snprintf(id, sizeof id, "discover-box-%d", k + 1);
        snprintf(cap, sizeof cap, "Each peel trades coverage for density; the chosen step is pasted back out "
                                  "(%d paste%s) into the box.", (int)get(bx, "pastes"), get(bx, "pastes") == 1 ? "" : "s");
        sbuf_printf(r->html, "<h3>Box %d</h3>\n<div class=\"pair\">\n", k + 1);
        figure(r, id, &svg, cap);
        sbuf_fini(&svg);
        discover_box_tables(r, bx, k);
        k++;
    }
    sbuf_puts(r->html, "<p class=\"note\">A box says what the model does, not what the world does: read it with "
                       "the record check (docs/validation.md).</p>\n</section>\n</main>\n");
}

/* --- the page ------------------------------------------------------------ */

static const char CSS[] =
    "body{font-family:'DejaVu Sans',Verdana,Arial,sans-serif;color:#1E2328;background:#fff;margin:0 auto;"
    "max-width:1320px;padding:0 24px 48px;font-size:15px;line-height:1.45}\n"
    "h1{font-size:26px;margin:4px 0 8px}h2{font-size:20px;margin:32px 0 8px;border-bottom:2px solid #1E2328;"
    "padding-bottom:2px}h3{font-size:16px;margin:20px 0 4px}\n"
    ".kicker{text-transform:uppercase;letter-spacing:.08em;color:#6B665C;font-size:12px;margin:24px 0 0}\n"
    ".desc{max-width:900px}.note{color:#6B665C;font-size:13px;max-width:900px}\n"
    "code{font-family:'DejaVu Sans Mono',monospace;font-size:.88em}\n"
    "table{border-collapse:collapse;margin:8px 0}th,td{padding:3px 8px;vertical-align:top;text-align:left}\n"
    "table.prov th{color:#6B665C;font-weight:normal;padding-left:0}table.prov td{word-break:break-all}\n"
    "table.data{font-size:13px}table.data thead th{border-bottom:1.5px solid #1E2328}table.data thead th.n{text-align:right}\n"
    "table.data tbody tr{border-bottom:1px solid #E3E0DA}table.data tbody th{font-weight:normal}\n"
    "td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}\n"
    "table.small{display:inline-table;margin-right:24px;vertical-align:top}\n"
    ".dist{color:#6B665C;font-size:12px}\n"
    "figure{margin:8px 0;break-inside:avoid}figcaption{font-size:12px;color:#6B665C;max-width:640px}\n"
    "svg.chart{max-width:100%;height:auto;display:block}\n"
    ".grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(560px,1fr));gap:8px 24px}\n"
    ".pair{display:flex;flex-wrap:wrap;gap:8px 24px;align-items:flex-start}\n"
    "a{color:#0072B2}\n"
    "@page{size:auto;margin:14mm 12mm}\n"
    "@media print{body{max-width:none;padding:0;font-size:10pt}.grid{display:block}"
    "figure,.metric,tr{break-inside:avoid}h2,h3{break-after:avoid}svg.chart{width:100%;max-width:170mm}"
    "a{color:inherit;text-decoration:none}details>*{display:block}}\n";

static void page_open(Rep *r, const char *title)
{
    sbuf_puts(r->html, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                       "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                       "<meta name=\"generator\" content=\"salvo report\">\n<title>");
    sbuf_esc(r->html, title);
    sbuf_puts(r->html, "</title>\n<style>\n");
    sbuf_puts(r->html, CSS);
    sbuf_puts(r->html, "</style>\n</head>\n<body>\n");
}

int report_html(const cJSON *summary, Sbuf *html, const char *svg_dir, Diag *d, int *write_error)
{
    Rep r;
    memset(&r, 0, sizeof r);
    r.root = summary;
    r.html = html;
    r.svg_dir = svg_dir;
    r.d = d;
    r.start = NO_DAY;
    *write_error = 0;
    if (!cJSON_IsObject(summary)) {
        diag_add(d, 0, 0, "", "not a salvo summary: expected a JSON object");
        return -1;
    }
    const cJSON *run = cJSON_GetObjectItemCaseSensitive(summary, "run");
    const cJSON *metrics = cJSON_GetObjectItemCaseSensitive(summary, "metrics");
    int kind = 0;   /* 1 batch, 2 compare, 3 sweep, 4 assumption sweep */
    if (cJSON_IsObject(metrics) && metrics->child) {
        kind = cJSON_GetObjectItemCaseSensitive(metrics->child, "diff") ? 2 : 1;
    } else if (cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(summary, "points"))) {
        kind = 3;
    } else if (cJSON_GetObjectItemCaseSensitive(summary, "base") && gets(summary, "metric")) {
        kind = 4;
    } else if (cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(summary, "fit"))) {
        kind = 5;
    } else if (cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(summary, "discover"))) {
        kind = 6;
    }
    if (!kind) {
        diag_add(d, 0, 0, "", "not a salvo summary: expected \"metrics\" (batch, compare), \"points\" (sweep), "
                              "\"metric\" and \"base\" (sweep --assumptions), \"fit\" or \"discover\"");
        return -1;
    }
    if (!cJSON_IsObject(run)) {
        diag_add(d, 0, 0, "run", "expected the provenance object \"run\"");
        return -1;
    }
    /* The calendar: the scenario's start, from "run"."start" or else from
     * a CDF entry or a series (date − day). */
    int64_t day;
    if (gets(run, "start") && cal_parse(gets(run, "start"), &day) == 0) r.start = day;
    const cJSON *m;
    if (kind == 1 && r.start == NO_DAY)
        cJSON_ArrayForEach(m, metrics)
        {
            const cJSON *c0 = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(m, "cdf"), 0);
            if (c0 && gets(c0, "date") && cal_parse(gets(c0, "date"), &day) == 0 && isfinite(get(c0, "day"))) {
                r.start = day - (int64_t)get(c0, "day");
                break;
            }
        }
    if (svg_dir && mkdir_p1(svg_dir) < 0) {
        diag_add(d, 0, 0, "", "cannot create the SVG directory '%s': %s", svg_dir, strerror(errno));
        *write_error = 1;
        return -1;
    }
    const char *title = gets(run, "title") ? gets(run, "title") : gets(run, "scenario");
    char t[512];
    static const char *const what[7] = { "", "batch", "compare", "sweep", "assumption sweep", "fit", "discover" };
    snprintf(t, sizeof t, "%s — salvo %s report", title ? title : "summary", what[kind]);
    page_open(&r, t);
    switch (kind) {
    case 1: batch_report(&r); break;
    case 2: compare_report(&r); break;
    case 3: sweep_report(&r); break;
    case 5: fit_report(&r); break;
    case 6: discover_report(&r); break;
    default: tornado_report(&r); break;
    }
    sbuf_puts(html, "<footer><p class=\"note\">Written by <code>salvo report</code> from the summary alone; the "
                    "same summary gives the same page. Formats and methods: docs/report.md and docs/batch.md."
                    "</p></footer>\n</body>\n</html>\n");
    if (r.bad > MAX_ERRORS) diag_add(d, 0, 0, "", "... and %d more problems", r.bad - MAX_ERRORS);
    if (sbuf_failed(html)) {
        diag_add(d, 0, 0, "", "out of memory writing the report");
        *write_error = 1;
        return -1;
    }
    *write_error = r.write_error;
    return r.bad || r.write_error ? -1 : 0;
}

int report_write_file(const cJSON *summary, const char *path, const char *svg_dir, Diag *d)
{
    Sbuf html = { 0 };
    int werr = 0;
    int rc = report_html(summary, &html, svg_dir, d, &werr);
    if (rc < 0) {
        sbuf_fini(&html);
        return werr ? 1 : 2;
    }
    AFile f;
    rc = 1;
    if (afile_open(&f, path, d) == 0) {
        fwrite(html.s, 1, html.len, f.fp);
        rc = afile_commit(&f, d) == 0 ? 0 : 1;
    }
    sbuf_fini(&html);
    return rc;
}

int report_from_file(const char *json_path, const char *path, const char *svg_dir, Diag *d)
{
    /* The strict reader first: a syntax error gets its line and column. */
    JsonDoc *doc = json_parse_file(json_path, d);
    if (!doc) return 2;
    json_destroy(doc);
    FILE *f = fopen(json_path, "rb");
    if (!f) {
        diag_add(d, 0, 0, "", "cannot open '%s': %s", json_path, strerror(errno));
        return 2;
    }
    Sbuf text = { 0 };
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk - 1, f)) > 0) {
        chunk[n] = '\0';
        if (memchr(chunk, '\0', n)) break;
        sbuf_puts(&text, chunk);
    }
    fclose(f);
    cJSON *j = text.s ? cJSON_Parse(text.s) : NULL;
    sbuf_fini(&text);
    if (!j) {
        diag_add(d, 0, 0, "", "cannot read '%s' as JSON", json_path);
        return 2;
    }
    int rc = report_write_file(j, path, svg_dir, d);
    cJSON_Delete(j);
    return rc;
}
