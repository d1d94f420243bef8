/* test_report.c — `salvo report` and --report end to end, checked by real
 * clients: every SVG parses with xmllint and renders with rsvg-convert, the
 * rendered pixels sit where the data says the bar, band, line or point must
 * be, the HTML passes tidy, and (when chromium is installed) a browser
 * draws it. The numbers in the page are the JSON's numbers (parsed back out
 * of the HTML); the same summary gives the same bytes; bad input exits 2
 * with the file and the place, and leaves no file behind.
 *
 * Hand-written summaries (below) have data chosen so that each mark's
 * position is known; the real ones come from tests/data/batch/ship.json.
 */
#include <check.h>
#include "testutil.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include "cal.h"
#include "chart.h"

#ifdef SALVO_HAVE_VIEW
#include <SDL.h>
#include <SDL_image.h>
#endif

#define SHIP "tests/data/batch/ship.json"
#define RISKY "tests/data/batch/ship-risky.json"

/* A batch summary whose marks have known places: "count" has bars in bins
 * 0, 2 and 3 (none in bin 1); "stock" a fan with constant bands 100 / 200 /
 * 300 / 400 / 500 and one observation of the record (450 on 2024-07-01);
 * "when" a CDF reaching 0.8 at the end of 2024 (never: 0.2). */
static const char HAND[] =
    "{\"metrics\": {"
    " \"count\": {\"label\": \"things counted\", \"unit\": \"things\", \"kind\": \"total\", \"better\": \"higher\","
    "  \"n\": 100, \"mean\": 21.5, \"sd\": 3, \"ci95\": [20.9, 22.1], \"halfwidth\": 0.6, \"min\": 0, \"p5\": 1.25,"
    "  \"p25\": 20.5, \"median\": 22, \"p75\": 24, \"p95\": 35, \"max\": 40,"
    "  \"histogram\": {\"edges\": [0, 10, 20, 30, 40], \"counts\": [10, 0, 80, 10]}},"
    " \"when\": {\"label\": \"day it happened\", \"unit\": \"days\", \"kind\": \"time\", \"better\": \"lower\","
    "  \"n\": 100, \"mean\": 200.5, \"sd\": 50, \"ci95\": [190.5, 210.5], \"halfwidth\": 10, \"min\": 30,"
    "  \"p5\": 40, \"p25\": 150, \"median\": 200, \"p75\": 300, \"p95\": \"never\", \"max\": 360,"
    "  \"n_never\": 20, \"never_fraction\": 0.2,"
    "  \"cdf\": [{\"date\": \"2024-01-31\", \"day\": 30, \"p\": 0.05}, {\"date\": \"2024-06-30\", \"day\": 181, \"p\": 0.4},"
    "           {\"date\": \"2024-12-31\", \"day\": 365, \"p\": 0.8}],"
    "  \"histogram\": {\"edges\": [30, 140, 250, 360], \"counts\": [20, 40, 20]}},"
    " \"launches\": {\"label\": \"launches\", \"unit\": \"attempts\", \"kind\": \"total\", \"better\": \"neither\","
    "  \"n\": 100, \"mean\": 4.4, \"sd\": 0.8, \"ci95\": [4.24, 4.56], \"halfwidth\": 0.16, \"min\": 3, \"p5\": 3,"
    "  \"p25\": 4, \"median\": 4, \"p75\": 5, \"p95\": 6, \"max\": 6,"
    "  \"histogram\": {\"edges\": [3, 3.15, 3.3, 3.45, 3.6, 3.75, 3.9, 4.05, 4.2, 4.35, 4.5, 4.65, 4.8, 4.95, 5.1, 5.25, 5.4, 5.55, 5.7, 5.85, 6],"
    "  \"counts\": [10, 0, 0, 0, 0, 0, 50, 0, 0, 0, 0, 0, 0, 30, 0, 0, 0, 0, 0, 10]}},"
 " \"tries\": {\"label\": \"tries\", \"unit\": \"tries\", \"kind\": \"total\", \"better\": \"neither\","
    "  \"n\": 100, \"mean\": 5.1, \"sd\": 0.7, \"ci95\": [4.96, 5.24], \"halfwidth\": 0.14, \"min\": 4, \"p5\": 4,"
    "  \"p25\": 5, \"median\": 5, \"p75\": 6, \"p95\": 6, \"max\": 7,"
    "  \"histogram\": {\"edges\": [4, 5, 6, 7, 8], \"counts\": [20, 50, 25, 5]}},"
 " \"stock\": {\"label\": \"stock at the depot\", \"unit\": \"rounds\", \"kind\": \"level\", \"better\": \"higher\","
    "  \"n\": 100, \"mean\": 300, \"sd\": 10, \"ci95\": [298, 302], \"halfwidth\": 2, \"min\": 100, \"p5\": 100,"
    "  \"p25\": 200, \"median\": 300, \"p75\": 400, \"p95\": 500, \"max\": 500,"
    "  \"histogram\": {\"edges\": [100, 300, 500], \"counts\": [50, 50]}}},"
    " \"series\": {\"stock\": {\"t0\": 0, \"dt\": 91, \"t\": [0, 91, 182, 273, 364],"
    "  \"dates\": [\"2024-01-01\", \"2024-04-01\", \"2024-07-01\", \"2024-09-30\", \"2024-12-30\"],"
    "  \"mean\": [300, 300, 300, 300, 300], \"p5\": [100, 100, 100, 100, 100], \"p25\": [200, 200, 200, 200, 200],"
    "  \"p50\": [300, 300, 300, 300, 300], \"p75\": [400, 400, 400, 400, 400], \"p95\": [500, 500, 500, 500, 500]}},"
    " \"record\": [{\"metric\": \"stock\", \"date\": \"2024-07-01\", \"value\": 450, \"low\": 420, \"high\": 480,"
    "  \"source\": \"a depot report\"}],"
    " \"run\": {\"salvo\": \"0.1.0\", \"git\": \"test\", \"scenario\": \"hand\", \"title\": \"A hand-made summary\","
    "  \"sha256\": \"00ff\", \"seed\": \"7\", \"runs\": 100, \"uncertainty\": false, \"threads\": 1,"
    "  \"date\": \"2024-02-03T04:05:06Z\", \"start\": \"2024-01-01\"}";

/* The same with an assumption ledger, in the form the batch summary uses. */
static const char LEDGER[] =
    ", \"assumptions\": [{\"path\": \"routes.rajin-vostochny.transit\", \"value\": 3.5,"
    " \"value_text\": \"triangular(2, 3, 6)\", \"low\": 2, \"high\": 6, \"unit\": \"days\","
    " \"source\": {\"id\": \"nk-pro\", \"title\": \"NK Pro: ships & <voyages>\", \"date\": \"2024-10-01\","
    " \"url\": \"https://example.org/ships\"}, \"note\": \"winter gap\"},"
    " {\"path\": \"routes.ship.loss\", \"value\": 0.05, \"value_text\": null, \"low\": null, \"high\": null,"
    " \"unit\": null, \"source\": null, \"note\": null}]";

static const char TORNADO[] =
    "{\"metric\": \"m\", \"metric_info\": {\"m\": {\"label\": \"shells\", \"unit\": \"rounds\", \"kind\": \"total\","
    " \"better\": \"higher\"}}, \"base\": {\"n\": 64, \"mean\": 100, \"sd\": 1, \"ci95\": [99, 101], \"halfwidth\": 1},"
    " \"assumptions\": [{\"rank\": 1, \"path\": \"a.first\", \"value\": 1, \"low\": 0, \"high\": 2, \"mean_low\": 50,"
    " \"halfwidth_low\": 1, \"mean_high\": 180, \"halfwidth_high\": 1, \"effect\": 130, \"source\": \"s\","
    " \"source_title\": \"S\"}, {\"rank\": 2, \"path\": \"a.second\", \"value\": 1, \"low\": 0, \"high\": 2,"
    " \"mean_low\": 90, \"halfwidth_low\": 1, \"mean_high\": 120, \"halfwidth_high\": 1, \"effect\": 30,"
    " \"source\": \"s\", \"source_title\": \"S\"}],"
    " \"run\": {\"salvo\": \"0.1.0\", \"git\": \"test\", \"scenario\": \"hand\", \"seed\": \"1\", \"runs\": 64,"
    " \"threads\": 1}}";

static int have(const char *tool)
{
    char cmd[256];
    snprintf(cmd, sizeof cmd, "command -v %s >/dev/null 2>&1", tool);
    return system(cmd) == 0;
}

static void write_file(const char *path, const char *a, const char *b)
{
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(a, f);
    if (b) fputs(b, f);
    fclose(f);
}

/* HAND (+ extra members) closed into a summary file. */
static const char *hand(const char *name, const char *extra)
{
    const char *p = tmp(name);
    FILE *f = fopen(p, "w");
    ck_assert_ptr_nonnull(f);
    fprintf(f, "%s%s}\n", HAND, extra ? extra : "");
    fclose(f);
    return p;
}

/* --- real clients ---------------------------------------------------------- */

/* Every SVG in svgdir parses (xmllint) and renders to PNG (rsvg-convert). */
static int check_svgs(const char *svgdir)
{
    ck_assert_msg(have("xmllint") && have("rsvg-convert"),
                  "xmllint and rsvg-convert are needed (make deps: libxml2-utils, librsvg2-bin)");
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "ls %s/*.svg 2>/dev/null | wc -l > %s/count.txt", svgdir, dir);
    sh(cmd);
    char *c = slurp(tmp("count.txt"));
    int n = atoi(c);
    free(c);
    snprintf(cmd, sizeof cmd, "for f in %s/*.svg; do xmllint --noout \"$f\" || exit 1; done", svgdir);
    ck_assert_msg(sh(cmd) == 0, "an SVG in %s is not well-formed XML", svgdir);
    snprintf(cmd, sizeof cmd, "for f in %s/*.svg; do rsvg-convert \"$f\" -o \"${f%%.svg}.png\" || exit 1; done", svgdir);
    ck_assert_msg(sh(cmd) == 0, "rsvg-convert failed on an SVG in %s", svgdir);
    return n;
}

static void check_tidy(const char *html)
{
    ck_assert_msg(have("tidy"), "tidy is needed (make deps: tidy)");
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "tidy -errors -q %s > %s/tidy.txt 2>&1", html, dir);
    int rc = sh(cmd);
    char *out = slurp(tmp("tidy.txt"));
    ck_assert_msg(rc == 0, "tidy on %s: status %d:\n%s", html, rc, out ? out : "");
    free(out);
}

/* The plot area's mapping, from the data-* attributes of the chart's
 * <g class="plot">. */
typedef struct Map {
    double px0, px1, py0, py1, x0, x1, y0, y1;
} Map;

static double attr(const char *s, const char *name)
{
    char key[64];
    snprintf(key, sizeof key, " %s=\"", name);
    const char *p = strstr(s, key);
    ck_assert_msg(p != NULL, "no attribute %s", name);
    return strtod(p + strlen(key), NULL);
}

static Map map_of(const char *svg_path)
{
    char *s = slurp(svg_path);
    ck_assert_msg(s != NULL, "no %s", svg_path);
    const char *g = strstr(s, "<g class=\"plot\"");
    ck_assert_ptr_nonnull(g);
    Map m = { attr(g, "data-px0"), attr(g, "data-px1"), attr(g, "data-py0"), attr(g, "data-py1"),
              attr(g, "data-x0"),  attr(g, "data-x1"),  attr(g, "data-y0"),  attr(g, "data-y1") };
    free(s);
    return m;
}

static int mx(const Map *m, double x) { return (int)lround(m->px0 + (x - m->x0) / (m->x1 - m->x0) * (m->px1 - m->px0)); }
static int my(const Map *m, double y) { return (int)lround(m->py0 + (y - m->y0) / (m->y1 - m->y0) * (m->py1 - m->py0)); }

static double day_of(const char *date)
{
    int64_t d;
    ck_assert_int_eq(cal_parse(date, &d), 0);
    return (double)d;
}

#ifdef SALVO_HAVE_VIEW
typedef struct Png {
    SDL_Surface *s;
} Png;

static Png png_load(const char *path)
{
    SDL_Surface *raw = IMG_Load(path);
    ck_assert_msg(raw != NULL, "cannot load %s: %s", path, IMG_GetError());
    Png p = { SDL_ConvertSurfaceFormat(raw, SDL_PIXELFORMAT_RGBA32, 0) };
    SDL_FreeSurface(raw);
    ck_assert_ptr_nonnull(p.s);
    return p;
}

static void png_free(Png p) { SDL_FreeSurface(p.s); }

static void rgb(const Png *p, int x, int y, int out[3])
{
    ck_assert(x >= 0 && y >= 0 && x < p->s->w && y < p->s->h);
    const Uint8 *px = (const Uint8 *)p->s->pixels + y * p->s->pitch + x * 4;
    out[0] = px[0];
    out[1] = px[1];
    out[2] = px[2];
}

/* The pixel at (x, y) is within tol of colour 0xRRGGBB in every channel. */
static void expect(const Png *p, int x, int y, unsigned color, int tol, const char *what)
{
    int c[3];
    rgb(p, x, y, c);
    int want[3] = { (int)(color >> 16 & 255), (int)(color >> 8 & 255), (int)(color & 255) };
    int ok = 1;
    for (int k = 0; k < 3; k++) ok &= abs(c[k] - want[k]) <= tol;
    ck_assert_msg(ok, "%s: pixel (%d,%d) is %02x%02x%02x, expected %06x", what, x, y, c[0], c[1], c[2], color);
}

static void expect_not(const Png *p, int x, int y, unsigned color, int tol, const char *what)
{
    int c[3];
    rgb(p, x, y, c);
    int want[3] = { (int)(color >> 16 & 255), (int)(color >> 8 & 255), (int)(color & 255) };
    int ok = 1;
    for (int k = 0; k < 3; k++) ok &= abs(c[k] - want[k]) <= tol;
    ck_assert_msg(!ok, "%s: pixel (%d,%d) is %06x, and should not be", what, x, y, color);
}
#endif

/* --- the tests ----------------------------------------------------------------- */

#define BLUE 0x0072B2u
#define ORANGE 0xE69F00u
#define SKY 0x56B4E9u
#define VERMILION 0xD55E00u
#define BAND_LIGHT 0xC7E0EEu    /* blue at 22% over white */
#define BAND_DARK 0x6DAED3u     /* and 45% over that */

START_TEST(svgs_parse_render_and_show_the_data)
{
    const char *sum = hand("hand.json", NULL);
    ck_assert_int_eq(salvof("report %s -o %s --svg %s", sum, tmp("hand.html"), tmp("svg")), 0);
    ck_assert_int_ge(check_svgs(tmp("svg")), 5);
    check_tidy(tmp("hand.html"));
#ifdef SALVO_HAVE_VIEW
    /* Histogram: a bar fills bin 2 (count 80) up to 80; bin 1 is empty. */
    Map m = map_of(tmp("svg/hist-count.svg"));
    Png p = png_load(tmp("svg/hist-count.png"));
    expect(&p, mx(&m, 25), my(&m, 40), BLUE, 2, "bar of bin 20-30");
    expect(&p, mx(&m, 25), my(&m, 78), BLUE, 2, "bar of bin 20-30, near its top");
    expect_not(&p, mx(&m, 25), my(&m, 83), BLUE, 40, "above bar of bin 20-30");
    expect_not(&p, mx(&m, 15), my(&m, 5), BLUE, 40, "empty bin 10-20");
    expect(&p, mx(&m, 5), my(&m, 5), BLUE, 2, "bar of bin 0-10");
    png_free(p);
    /* Integer bins: one bar on each whole number 3..6, 50 at 4, none between. */
    char *svg = slurp(tmp("svg/hist-launches.svg"));
    int bars = 0;
    for (const char *q = strstr(svg, "class=\"bar\""); q; q = strstr(q + 1, "class=\"bar\"")) bars++;
    free(svg);
    ck_assert_int_eq(bars, 4);
    m = map_of(tmp("svg/hist-launches.svg"));
    ck_assert_msg(m.x0 == 2.5 && m.x1 == 6.5, "x from %g to %g: expected 2.5 to 6.5", m.x0, m.x1);
    p = png_load(tmp("svg/hist-launches.png"));
    expect(&p, mx(&m, 4), my(&m, 45), BLUE, 2, "the bar of 4");
    expect(&p, mx(&m, 4.3), my(&m, 45), BLUE, 2, "the bar of 4, off centre");
    expect_not(&p, mx(&m, 4.5), my(&m, 5), BLUE, 40, "between 4 and 5");
    expect_not(&p, mx(&m, 5), my(&m, 35), BLUE, 40, "above the bar of 5 (30)");
    expect(&p, mx(&m, 6), my(&m, 5), BLUE, 2, "the bar of 6");
    png_free(p);
    /* Whole-number bins as the summary writes them ([k, k + 1) from the
     * minimum, the last edge max + 1): one bar on each of 4..7. */
    svg = slurp(tmp("svg/hist-tries.svg"));
    bars = 0;
    for (const char *q = strstr(svg, "class=\"bar\""); q; q = strstr(q + 1, "class=\"bar\"")) bars++;
    free(svg);
    ck_assert_int_eq(bars, 4);
    m = map_of(tmp("svg/hist-tries.svg"));
    ck_assert_msg(m.x0 == 3.5 && m.x1 == 7.5, "x from %g to %g: expected 3.5 to 7.5", m.x0, m.x1);
    p = png_load(tmp("svg/hist-tries.png"));
    expect(&p, mx(&m, 5), my(&m, 45), BLUE, 2, "the bar of 5");
    expect_not(&p, mx(&m, 7), my(&m, 10), BLUE, 40, "above the bar of 7 (5)");
    expect(&p, mx(&m, 7), my(&m, 3), BLUE, 2, "the bar of 7");
    png_free(p);
    /* Fan: 25-75 band, 5-95 band, nothing above 95, the record's point. */
    m = map_of(tmp("svg/fan-stock.svg"));
    p = png_load(tmp("svg/fan-stock.png"));
    double mid = day_of("2024-05-15");
    expect(&p, mx(&m, mid), my(&m, 250), BAND_DARK, 4, "25-75% band");
    expect(&p, mx(&m, mid), my(&m, 350), BAND_DARK, 4, "25-75% band above the median");
    expect(&p, mx(&m, mid), my(&m, 150), BAND_LIGHT, 4, "5-95% band below p25");
    expect(&p, mx(&m, mid), my(&m, 460), BAND_LIGHT, 4, "5-95% band above p75");
    expect(&p, mx(&m, mid), my(&m, 300), BLUE, 30, "median line");
    expect_not(&p, mx(&m, mid), my(&m, 515), BAND_LIGHT, 4, "above p95");
    expect_not(&p, mx(&m, mid), my(&m, 50), BAND_LIGHT, 4, "below p5");
    expect(&p, mx(&m, day_of("2024-07-01")), my(&m, 450), VERMILION, 12, "the record's point");
    png_free(p);
    /* CDF: the year-end dot at (2024-12-31, 0.8). */
    m = map_of(tmp("svg/cdf-when.svg"));
    p = png_load(tmp("svg/cdf-when.png"));
    expect(&p, mx(&m, day_of("2024-12-31")) - 1, my(&m, 0.8), BLUE, 12, "P = 0.8 at 2024-12-31");
    expect(&p, mx(&m, day_of("2024-06-30")), my(&m, 0.4), BLUE, 60, "the CDF line at 2024-06-30");
    expect_not(&p, mx(&m, day_of("2024-06-30")), my(&m, 0.6), BLUE, 60, "above the CDF line");
    png_free(p);
#else
    fputs("test_report: built without SDL2_image: pixel checks skipped\n", stderr);
#endif
}
END_TEST

START_TEST(tornado_bars_where_the_effects_are)
{
    write_file(tmp("t.json"), TORNADO, NULL);
    ck_assert_int_eq(salvof("report %s -o %s --svg %s", tmp("t.json"), tmp("t.html"), tmp("svg")), 0);
    ck_assert_int_eq(check_svgs(tmp("svg")), 1);
    check_tidy(tmp("t.html"));
#ifdef SALVO_HAVE_VIEW
    Map m = map_of(tmp("svg/tornado.svg"));
    Png p = png_load(tmp("svg/tornado.png"));
    /* Rows: 2 categories, first on top (y 1..2), second below (0..1). */
    expect(&p, mx(&m, 160), my(&m, 1.5), ORANGE, 2, "row 1 at its high value");
    expect(&p, mx(&m, 60), my(&m, 1.5), SKY, 2, "row 1 at its low value");
    expect_not(&p, mx(&m, 160), my(&m, 0.5), ORANGE, 30, "row 2 does not reach 160");
    expect(&p, mx(&m, 110), my(&m, 0.5), ORANGE, 2, "row 2 at its high value");
    png_free(p);
#endif
}
END_TEST

/* The numbers of the page's tables are the JSON's, parsed back. */
static double parse_shown(const char *text, int *decimals)
{
    char clean[128];
    size_t k = 0;
    for (const char *p = text; *p && k + 1 < sizeof clean; p++) {
        if (*p == ',') continue;
        if (!strncmp(p, "\xE2\x88\x92", 3)) {
            clean[k++] = '-';
            p += 2;
            continue;
        }
        clean[k++] = *p;
    }
    clean[k] = '\0';
    const char *dot = strchr(clean, '.');
    *decimals = 0;
    if (dot)
        for (const char *q = dot + 1; *q >= '0' && *q <= '9'; q++) (*decimals)++;
    return strtod(clean, NULL);
}

/* Every <td class="num" data-k="K">TEXT</td> of the row of `metric` in the
 * table with id "metrics"; checks each against the JSON. Returns cells seen. */
static int check_row(const char *html, const char *metric, const cJSON *m, int64_t start, int compare)
{
    char key[256];
    snprintf(key, sizeof key, "<tr data-metric=\"%s\">", metric);
    const char *row = strstr(strstr(html, "id=\"metrics\""), key);
    ck_assert_msg(row != NULL, "no row for %s", metric);
    const char *end = strstr(row, "</tr>");
    int cells = 0;
    const char *kind = cJSON_GetStringValue(cJSON_GetObjectItem(m, "kind"));
    for (const char *p = strstr(row, "<td class=\"num\" data-k=\""); p && p < end;
         p = strstr(p + 1, "<td class=\"num\" data-k=\"")) {
        char k[64], text[128];
        ck_assert_int_eq(sscanf(p, "<td class=\"num\" data-k=\"%63[^\"]\">%127[^<]", k, text), 2);
        cells++;
        /* The JSON value: a field, or a.mean / diff.halfwidth in compare. */
        char field[64];
        snprintf(field, sizeof field, "%s", k);
        int percent = field[strlen(field) - 1] == '%', times = strstr(field, "×") != NULL;
        if (percent) field[strlen(field) - 1] = '\0';
        if (times) *strstr(field, "×") = '\0';
        const cJSON *o = m;
        char *dot = strchr(field, '.');
        if (dot) {
            *dot = '\0';
            o = cJSON_GetObjectItem(m, field);
            memmove(field, dot + 1, strlen(dot + 1) + 1);
        }
        const cJSON *v = cJSON_GetObjectItem(o, field);
        ck_assert_msg(v != NULL, "%s: no JSON field %s", metric, k);
        if (cJSON_IsString(v) && !strcmp(v->valuestring, "never")) {
            ck_assert_str_eq(text, "never");
            continue;
        }
        if (cJSON_IsNull(v) || !strcmp(text, "–")) {
            ck_assert_msg(cJSON_IsNull(v) || !strcmp(text, "–"), "%s.%s", metric, k);
            continue;
        }
        if (cJSON_IsString(v) && !strcmp(v->valuestring, "inf")) {
            ck_assert_str_eq(text, "∞");
            continue;
        }
        ck_assert_msg(cJSON_IsNumber(v), "%s.%s is not a number", metric, k);
        double want = v->valuedouble;
        int date = kind && !strcmp(kind, "time") && strcmp(field, "halfwidth") && !percent &&
                   !(compare && !strcmp(k, "diff.mean"));
        if (date && strlen(text) == 10 && text[4] == '-') {
            char expect_date[11];
            cal_format_t(start, want, expect_date);
            ck_assert_msg(!strcmp(text, expect_date), "%s.%s: page %s, JSON %.17g = %s", metric, k, text, want,
                          expect_date);
            continue;
        }
        int dec;
        double shown = parse_shown(text, &dec);
        if (percent) want *= 100;
        double tol = 0.5 * pow(10, -dec) * (1 + 1e-9) + 1e-12;
        ck_assert_msg(fabs(shown - want) <= tol, "%s.%s: page shows %s, JSON has %.17g", metric, k, text, want);
    }
    return cells;
}

START_TEST(batch_report_numbers_are_the_json_numbers)
{
    ck_assert_int_eq(salvof("batch %s --runs 640 --threads 2 --quiet --json %s --report %s --svg %s",
                            SHIP, tmp("b.json"), tmp("b.html"), tmp("svg")), 0);
    ck_assert_int_ge(check_svgs(tmp("svg")), 5);
    check_tidy(tmp("b.html"));
    cJSON *j = load_json(tmp("b.json"));
    char *html = slurp(tmp("b.html"));
    int64_t start;
    const char *s = cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "run"), "start"));
    ck_assert_ptr_nonnull(s);
    ck_assert_int_eq(cal_parse(s, &start), 0);
    const cJSON *m;
    int cells = 0, rows = 0;
    cJSON_ArrayForEach(m, cJSON_GetObjectItem(j, "metrics"))
    {
        cells += check_row(html, m->string, m, start, 0);
        rows++;
    }
    ck_assert_int_eq(rows, 5);
    ck_assert_int_ge(cells, 5 * 7 + 1);   /* 7 numbers a row, and the never fraction */
    /* The CDF tables: P(by each year end) as in the JSON. */
    const cJSON *cdf = cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "metrics"), "first_loss"), "cdf");
    const cJSON *e;
    int checked = 0;
    cJSON_ArrayForEach(e, cdf)
    {
        const char *date = cJSON_GetStringValue(cJSON_GetObjectItem(e, "date"));
        if (strcmp(date + 4, "-12-31")) continue;
        char want[128];
        snprintf(want, sizeof want, "<td>%s</td><td class=\"num\" data-k=\"cdf.p\">%.3f</td>", date,
                 cJSON_GetObjectItem(e, "p")->valuedouble);
        ck_assert_msg(strstr(html, want) != NULL, "no %s", want);
        checked++;
    }
    ck_assert_int_ge(checked, 1);
    /* The header: provenance from "run". */
    ck_assert_ptr_nonnull(strstr(html, cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "run"), "sha256"))));
    /* The ledger the summary carries: one row per assumption, its path and value. */
    const cJSON *ledger = cJSON_GetObjectItem(j, "assumptions");
    ck_assert(cJSON_IsArray(ledger));
    int rows_in_page = 0;
    for (const char *q = strstr(html, "<tr><td><code>"); q; q = strstr(q + 1, "<tr><td><code>")) rows_in_page++;
    ck_assert_int_eq(rows_in_page, cJSON_GetArraySize(ledger));
    cJSON_ArrayForEach(e, ledger)
    {
        char want[512];
        snprintf(want, sizeof want, "<tr><td><code>%s</code></td><td class=\"num\" data-k=\"value\">",
                 cJSON_GetStringValue(cJSON_GetObjectItem(e, "path")));
        const char *row = strstr(html, want);
        ck_assert_msg(row != NULL, "no ledger row %s", want);
        int dec;
        double v = cJSON_GetObjectItem(e, "value")->valuedouble;
        double shown = parse_shown(row + strlen(want), &dec);
        ck_assert_msg(fabs(shown - v) <= 0.5 * pow(10, -dec) * (1 + 1e-9) + fabs(v) * 5e-4, "%s: %g vs %g", want, shown, v);
    }
    ck_assert_ptr_null(strstr(html, "This summary carries no assumption ledger."));
    free(html);
    cJSON_Delete(j);
}
END_TEST

START_TEST(compare_and_sweep_reports)
{
    ck_assert_int_eq(salvof("compare %s %s --runs 256 --quiet --json %s --report %s --svg %s",
                            SHIP, RISKY, tmp("c.json"), tmp("c.html"), tmp("svg")), 0);
    ck_assert_int_ge(check_svgs(tmp("svg")), 1);
    check_tidy(tmp("c.html"));
    cJSON *j = load_json(tmp("c.json"));
    char *html = slurp(tmp("c.html"));
    const cJSON *m;
    int64_t start;
    ck_assert_int_eq(cal_parse(cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "run"), "start")), &start), 0);
    cJSON_ArrayForEach(m, cJSON_GetObjectItem(j, "metrics")) ck_assert_int_ge(check_row(html, m->string, m, start, 1), 6);
    ck_assert_ptr_nonnull(strstr(html, "P(B better)"));
    free(html);
    /* The side-by-side fans: A's series is the series a batch of A gives
     * (same seed, same replications, same streams), and both are drawn. */
    ck_assert_int_eq(salvof("batch %s --runs 256 --quiet --json %s", SHIP, tmp("a.json")), 0);
    cJSON *ja = load_json(tmp("a.json"));
    const cJSON *sa = cJSON_GetObjectItem(cJSON_GetObjectItem(ja, "series"), "front_stock");
    const cJSON *ca = cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "metrics"), "front_stock"), "a");
    ck_assert_ptr_nonnull(sa);
    ck_assert(cJSON_Compare(sa, cJSON_GetObjectItem(ca, "series"), 1));
    cJSON_Delete(ja);
    cJSON_Delete(j);
    ck_assert_int_eq(access(tmp("svg/fanA-front-stock.svg"), F_OK), 0);
    ck_assert_int_eq(access(tmp("svg/fanB-front-stock.svg"), F_OK), 0);

    ck_assert_int_eq(salvof("sweep %s --vary routes.ship.loss=0:0.2:3 --runs 128 --quiet --json %s --report %s",
                            SHIP, tmp("s.json"), tmp("s.html")), 0);
    check_tidy(tmp("s.html"));
    html = slurp(tmp("s.html"));
    ck_assert_ptr_nonnull(strstr(html, "id=\"sweep-delivered\""));
    free(html);

    ck_assert_int_eq(salvof("sweep %s --assumptions --metric delivered --runs 128 --quiet --json %s " "--report %s --svg %s",
                            SHIP, tmp("t.json"), tmp("t.html"), tmp("svg2")), 0);
    ck_assert_int_eq(check_svgs(tmp("svg2")), 1);
    check_tidy(tmp("t.html"));
    /* `salvo report` on the written summary gives the page --report wrote. */
    ck_assert_int_eq(salvof("report %s -o %s", tmp("t.json"), tmp("t2.html")), 0);
    char *a = slurp(tmp("t.html")), *b = slurp(tmp("t2.html"));
    ck_assert_str_eq(a, b);
    free(a);
    free(b);
}
END_TEST

START_TEST(ledger_table_when_present)
{
    const char *with = hand("with.json", LEDGER), *without = hand("without.json", NULL);
    char args[1024];
    ck_assert_int_eq(salvof("report %s -o %s", with, tmp("with.html")), 0);
    snprintf(args, sizeof args, "report %s", without);
    ck_assert_int_eq(salvo(args), 0);   /* default output: without.html */
    check_tidy(tmp("with.html"));
    char *h = slurp(tmp("with.html")), *h2 = slurp(tmp("without.html"));
    ck_assert_ptr_nonnull(h2);
    ck_assert_ptr_nonnull(strstr(h2, "This summary carries no assumption ledger."));
    ck_assert_ptr_null(strstr(h, "carries no assumption ledger"));
    ck_assert_ptr_nonnull(strstr(h, "<code>routes.rajin-vostochny.transit</code>"));
    ck_assert_ptr_nonnull(strstr(h, "triangular(2, 3, 6)"));
    ck_assert_ptr_nonnull(strstr(h, "<a href=\"https://example.org/ships\">NK Pro: ships &amp; &lt;voyages&gt;</a>, 2024-10-01"));
    ck_assert_ptr_nonnull(strstr(h, "winter gap"));
    ck_assert_ptr_nonnull(strstr(h, "data-k=\"range\">2 – 6</td>"));
    ck_assert_ptr_nonnull(strstr(h, "<code>routes.ship.loss</code>"));
    /* The record: its table, only when there are entries. */
    ck_assert_ptr_nonnull(strstr(h, "The record against the model"));
    ck_assert_ptr_nonnull(strstr(h, "a depot report"));
    free(h);
    free(h2);
}
END_TEST

START_TEST(same_summary_same_bytes)
{
    const char *sum = hand("hand.json", LEDGER);
    ck_assert_int_eq(salvof("report %s -o %s", sum, tmp("a.html")), 0);
    sleep(1);   /* a clock in the page would now show */
    ck_assert_int_eq(salvof("report %s -o %s", sum, tmp("b.html")), 0);
    size_t na, nb;
    char *a = slurp_len(tmp("a.html"), &na), *b = slurp_len(tmp("b.html"), &nb);
    ck_assert_uint_eq(na, nb);
    ck_assert(memcmp(a, b, na) == 0);
    ck_assert_ptr_nonnull(strstr(a, "2024-02-03T04:05:06Z"));   /* the summary's date */
    free(a);
    free(b);
}
END_TEST

/* The page's size follows the metrics, not the replications. */
START_TEST(size_does_not_grow_with_replications)
{
    size_t n[2];
    const int runs[2] = { 128, 4096 };
    for (int i = 0; i < 2; i++) {
        ck_assert_int_eq(salvof("batch %s --runs %d --quiet --report %s",
                                SHIP, runs[i], tmp(i ? "b.html" : "a.html")), 0);
        char *t = slurp_len(tmp(i ? "b.html" : "a.html"), &n[i]);
        free(t);
    }
    double rel = fabs((double)n[1] - (double)n[0]) / (double)n[0];
    ck_assert_msg(rel < 0.05, "%zu bytes for %d runs, %zu for %d", n[0], runs[0], n[1], runs[1]);
}
END_TEST

static void expect_bad(const char *args, int status, const char *needle, const char *out)
{
    ck_assert_int_eq(salvo(args), status);
    char *err = slurp(tmp("err.txt"));
    ck_assert_msg(strstr(err, needle) != NULL, "stderr lacks '%s':\n%s", needle, err);
    free(err);
    if (out) ck_assert_msg(access(out, F_OK) != 0, "%s was written", out);
}

START_TEST(bad_input_exits_2_naming_file_and_place)
{
    char args[1024], out[256];
    snprintf(out, sizeof out, "%s", tmp("out.html"));
    snprintf(args, sizeof args, "report %s -o %s", tmp("missing.json"), out);
    expect_bad(args, 2, "missing.json", out);
    write_file(tmp("syntax.json"), "{\"metrics\": {\n  \"x\": [1, 2,]\n}}\n", NULL);
    snprintf(args, sizeof args, "report %s -o %s", tmp("syntax.json"), out);
    expect_bad(args, 2, "syntax.json:2:", out);
    snprintf(args, sizeof args, "report %s -o %s", SHIP, out);     /* a scenario, not a summary */
    expect_bad(args, 2, "not a salvo summary", out);
    /* A batch summary with a broken histogram: the JSON path is named. */
    char *broken = malloc(sizeof HAND + 16);
    strcpy(broken, HAND);
    char *c = strstr(broken, "\"counts\": [10, 0, 80, 10]");
    memcpy(c, "\"counts\": [10, 0, \"x\", 1]", strlen("\"counts\": [10, 0, \"x\", 1]"));
    write_file(tmp("broken.json"), broken, "}");
    free(broken);
    snprintf(args, sizeof args, "report %s -o %s", tmp("broken.json"), out);
    expect_bad(args, 2, "broken.json: error: metrics.count.histogram.counts: element 2", out);
    snprintf(args, sizeof args, "report %s -o %s", hand("h.json", NULL), tmp("nodir/out.html"));
    expect_bad(args, 2, "nodir/out.html", NULL);
    snprintf(args, sizeof args, "report %s --bogus", hand("h.json", NULL));
    expect_bad(args, 2, "unknown option", NULL);
    snprintf(args, sizeof args, "batch %s --runs 64 --report %s", SHIP, tmp("nodir/r.html"));
    expect_bad(args, 2, "--report", NULL);
    /* No temporary file is left behind. */
    snprintf(args, sizeof args, "ls %s | grep -c tmp > %s/n.txt", dir, dir);
    sh(args);
    char *n = slurp(tmp("n.txt"));
    ck_assert_int_eq(atoi(n), 0);
    free(n);
}
END_TEST

/* Tick labels never overlap: for many ranges and widths, consecutive x
 * labels' estimated extents are apart. */
START_TEST(tick_labels_do_not_overlap)
{
    static const double ranges[][2] = { { 0, 1 }, { 3510327, 4470878 }, { 0, 22865247 }, { -5, 5 }, { 0.001, 0.0013 },
                                        { 19600, 20100 }, { 0, 1e9 } };
    for (size_t r = 0; r < sizeof ranges / sizeof ranges[0]; r++)
        for (int w = 300; w <= 900; w += 150)
            for (int date = 0; date < 2; date++) {
                Sbuf b = { 0 };
                Chart c;
                chart_begin(&c, &b, "t", "t", w, 300);
                double lo = ranges[r][0], hi = ranges[r][1];
                if (date) lo = 19600 + r * 7, hi = lo + (r + 1) * 90.0;
                chart_axes(&c, lo, hi, date, "x", 0, 1, "y");
                chart_end(&c);
                /* x tick labels: <text ... text-anchor="middle">LABEL</text> at the axis. */
                double prev_right = -1e9;
                int n = 0;
                char ybase[32];
                snprintf(ybase, sizeof ybase, "y=\"%g\"", c.py0 + 5 + 12);
                for (const char *p = strstr(b.s, ybase); p; p = strstr(p + 1, ybase)) {
                    const char *tag = p;
                    while (tag > b.s && *tag != '<') tag--;
                    double x = attr(tag, "x");
                    const char *gt = strchr(p, '>');
                    char label[64];
                    ck_assert_int_eq(sscanf(gt + 1, "%63[^<]", label), 1);
                    double wd = chart_text_width(label, 12);
                    ck_assert_msg(x - wd / 2 > prev_right, "range %g..%g width %d: label '%s' overlaps", lo, hi, w,
                                  label);
                    prev_right = x + wd / 2;
                    n++;
                }
                ck_assert_msg(n >= 2, "range %g..%g width %d date %d: %d ticks", lo, hi, w, date, n);
                sbuf_fini(&b);
            }
}
END_TEST

START_TEST(numbers_have_thousands_separators)
{
    char buf[64];
    chart_fmt(buf, sizeof buf, 1234567.4, 0);
    ck_assert_str_eq(buf, "1,234,567");
    chart_fmt(buf, sizeof buf, -1234.5, 1);
    ck_assert_str_eq(buf, "\xE2\x88\x92" "1,234.5");
    chart_fmt(buf, sizeof buf, -0.0001, 2);
    ck_assert_str_eq(buf, "0.00");
    chart_fmt_sig(buf, sizeof buf, 0.040312, 4);
    ck_assert_str_eq(buf, "0.04031");
    chart_fmt_sig(buf, sizeof buf, 80.074, 4);
    ck_assert_str_eq(buf, "80.07");
}
END_TEST

/* The chart library alone, as a teaching debrief would use it: a
 * histogram with a student's estimate as a marker. */
START_TEST(histogram_marker_for_a_debrief)
{
    static const double edges[5] = { 0, 25, 50, 75, 100 }, counts[4] = { 5, 20, 10, 2 };
    ChartHist h;
    memset(&h, 0, sizeof h);
    h.id = "debrief";
    h.title = "rounds delivered, and your estimate";
    h.xlabel = "rounds (thousands)";
    h.edges = edges;
    h.counts = counts;
    h.n = 4;
    h.mean = h.ci_lo = h.ci_hi = NAN;
    h.marker = 62.5;
    h.marker_label = "your estimate";
    Sbuf b = { 0 };
    chart_histogram(&b, &h);
    ck_assert(!sbuf_failed(&b));
    ck_assert_ptr_nonnull(strstr(b.s, ">your estimate</text>"));
    write_file(tmp("svg-debrief.svg"), b.s, NULL);
    sbuf_fini(&b);
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "xmllint --noout %s && rsvg-convert %s -o %s", tmp("svg-debrief.svg"),
             tmp("svg-debrief.svg"), tmp("debrief.png"));
    ck_assert_int_eq(sh(cmd), 0);
#ifdef SALVO_HAVE_VIEW
    Map m = map_of(tmp("svg-debrief.svg"));
    Png p = png_load(tmp("debrief.png"));
    expect(&p, mx(&m, 62.5), my(&m, 15), ORANGE, 2, "the marker, above the bar");
    expect(&p, mx(&m, 62.5), my(&m, 5), ORANGE, 2, "the marker, over the bar");
    expect(&p, mx(&m, 40), my(&m, 15), BLUE, 2, "the bar of 25-50 (20)");
    png_free(p);
#endif
}
END_TEST

/* A browser draws the page: chromium headless, when installed. */
START_TEST(chromium_renders_the_page)
{
    if (!have("chromium")) {
        fputs("test_report: chromium not installed: browser check skipped\n", stderr);
        return;
    }
#ifdef SALVO_HAVE_VIEW
    const char *sum = hand("hand.json", LEDGER);
    ck_assert_int_eq(salvof("report %s -o %s", sum, tmp("c.html")), 0);
    char cmd[4096];
    snprintf(cmd, sizeof cmd,
             "cd %s && mkdir -p prof && timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-quic "
             "--no-first-run --disable-background-networking --disable-component-update --disable-sync "
             "--user-data-dir=%s/prof --screenshot=%s/shot.png --window-size=1280,2400 file://%s/c.html "
             ">/dev/null 2>&1",
             dir, dir, dir, dir);
    ck_assert_int_eq(sh(cmd), 0);
    Png p = png_load(tmp("shot.png"));
    ck_assert_int_eq(p.s->w, 1280);
    /* It prints: a PDF of more than one page (A4/Letter print styles). */
    snprintf(cmd, sizeof cmd,
             "cd %s && timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run "
             "--disable-background-networking --disable-component-update --disable-sync --user-data-dir=%s/prof "
             "--no-pdf-header-footer --print-to-pdf=%s/c.pdf file://%s/c.html >/dev/null 2>&1",
             dir, dir, dir, dir);
    ck_assert_int_eq(sh(cmd), 0);
    size_t npdf;
    char *pdf = slurp_len(tmp("c.pdf"), &npdf);
    ck_assert_ptr_nonnull(pdf);
    ck_assert(npdf > 4 && !memcmp(pdf, "%PDF", 4));
    int pages = 0;
    for (size_t i = 0; i + 10 < npdf; i++) pages += !memcmp(pdf + i, "/Type /Page", 11) && pdf[i + 11] != 's';
    if (!pages)
        for (size_t i = 0; i + 10 < npdf; i++) pages += !memcmp(pdf + i, "/Type/Page", 10) && pdf[i + 10] != 's';
    free(pdf);
    ck_assert_msg(pages >= 2, "%d pages", pages);
    /* The bars, both fan bands and the record's point are on the page. */
    int blue = 0, light = 0, dark = 0, red = 0;
    for (int y = 0; y < p.s->h; y++)
        for (int x = 0; x < p.s->w; x++) {
            int c[3];
            rgb(&p, x, y, c);
            unsigned v = (unsigned)(c[0] << 16 | c[1] << 8 | c[2]);
            blue += v == BLUE;
            light += abs(c[0] - 0xC7) <= 3 && abs(c[1] - 0xE0) <= 3 && abs(c[2] - 0xEE) <= 3;
            dark += abs(c[0] - 0x6D) <= 3 && abs(c[1] - 0xAE) <= 3 && abs(c[2] - 0xD3) <= 3;
            red += v == VERMILION;
        }
    png_free(p);
    ck_assert_msg(blue > 2000 && light > 2000 && dark > 2000 && red > 20, "blue %d light %d dark %d red %d", blue,
                  light, dark, red);
#endif
}
END_TEST

Suite *suite_report(void)
{
    Suite *s = suite_create("report");
    TCASE(s, "clients", 300, SCRATCH, svgs_parse_render_and_show_the_data, tornado_bars_where_the_effects_are,
          chromium_renders_the_page, histogram_marker_for_a_debrief);
    TCASE(s, "numbers", 300, SCRATCH, batch_report_numbers_are_the_json_numbers, compare_and_sweep_reports,
          ledger_table_when_present, same_summary_same_bytes, size_does_not_grow_with_replications);
    TCASE(s, "input", 0, SCRATCH, bad_input_exits_2_naming_file_and_place);
    TCASE(s, "chart", 0, NO_FIXTURE, tick_labels_do_not_overlap, numbers_have_thousands_separators);
    return s;
}
