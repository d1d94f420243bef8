/* draw.c — one frame of the map: see draw.h.
 *
 * The palette is Okabe & Ito's (2008), safe for the common colour-vision
 * deficiencies; shapes and line patterns carry meaning too (place kinds by
 * marker shape, route modes by pattern, launch outcomes by symbol), so
 * nothing is told by colour alone.
 */
#include "draw.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cal.h"
#include "raster.h"
#include "text.h"

/* Okabe–Ito */
#define OI_ORANGE  0xE69F00u
#define OI_SKY     0x56B4E9u
#define OI_GREEN   0x009E73u
#define OI_YELLOW  0xF0E442u
#define OI_BLUE    0x0072B2u
#define OI_VERMIL  0xD55E00u
#define OI_PURPLE  0xCC79A7u

#define C_SEA      DRAW_COLOR_SEA
#define C_LAND     DRAW_COLOR_LAND
#define C_BORDER   0xB8AE9Cu
#define COL_INK      0x1E2328u
#define COL_MUTED    0x6B665Cu
#define C_PANEL    0x1E2328u
#define C_PANEL_FG 0xF2F2F2u
#define C_WHITE    0xFFFFFFu

#define HUD_H   46
#define FAR_LON 120.0   /* degrees from the central meridian: land beyond is left out */
#define TL_H    62
#define FEED_N  7
#define MAX_NOTES 64

typedef struct VertBatch { SDL_Vertex *v; int n, cap; } VertBatch;

typedef struct LabelSpot { float x, y, w, h; int show, leader; } LabelSpot;

/* A map pane: the main map, or the inset that enlarges a crowded corner
 * (by default the Rajin-Vladivostok cluster, which is a few pixels wide
 * at the scale that fits Ukraine to Japan). */
typedef struct Pane {
    SDL_Rect r;                 /* on screen */
    Proj proj;
    int on;                     /* the inset is shown */
    int land_dirty, labels_dirty;
    SDL_Texture *land;          /* the land layer, r.w x r.h */
    uint32_t *land_px;
    int land_w, land_h;
    double *px, *py;            /* places on screen, this frame */
    LabelSpot *lab;
    char (*name)[48];           /* short names for labels: up to " (" */
    double lat0, lat1, lon0, lon1;  /* inset: the region it shows */
    unsigned char *hide;        /* main: places left to the inset (no label, no gauge) */
    int *nstock;                /* stocks per place (gauges beside it) */
    SDL_FRect *country;         /* main: the country names shown, and where */
    int *country_idx, ncountry; /* ... their index in the base map's labels */
} Pane;

struct Draw {
    SDL_Renderer *ren;
    const TraceHeader *h;
    const VState *vs;
    const Basemap *map;
    Text *text;
    float ui;
    int w, hp;                  /* output size */
    SDL_Rect tlr;               /* timeline bar */
    Pane main, inset;
    Pane *cur;                  /* the pane being drawn */

    Raster *raster;
    float *mx, *my;             /* projected base map points */
    int *ring_start, *ring_count;

    VertBatch b;
    size_t feed_idx[FEED_N];
    SDL_Rect opt_rect[8];
    int nopt_rect;
    int country_cap;            /* room in Pane.country */
    int legend;                 /* the legend of symbols is shown */
    ViewBox notes[MAX_NOTES];   /* passing notes drawn this frame (losses, troops) */
    int nnotes;
    SDL_FRect panels[3];        /* floating panels over the main map: treaty, feed, legend */
    int npanels;
};

/* --- small helpers -------------------------------------------------------- */

static float S(const Draw *d, float v) { return v * d->ui; }

static SDL_Color rgba(uint32_t rgb, int a)
{
    SDL_Color c = { (Uint8)(rgb >> 16), (Uint8)(rgb >> 8), (Uint8)rgb, (Uint8)a };
    return c;
}

static void set_color(SDL_Renderer *r, uint32_t rgb, int a)
{
    SDL_SetRenderDrawColor(r, (Uint8)(rgb >> 16), (Uint8)(rgb >> 8), (Uint8)rgb, (Uint8)a);
}

static void fill_rect(Draw *d, float x, float y, float w, float h, uint32_t rgb, int a)
{
    set_color(d->ren, rgb, a);
    SDL_FRect r = { x, y, w, h };
    SDL_RenderFillRectF(d->ren, &r);
}

static void stroke_rect(Draw *d, float x, float y, float w, float h, uint32_t rgb, int a)
{
    set_color(d->ren, rgb, a);
    SDL_FRect r = { x, y, w, h };
    SDL_RenderDrawRectF(d->ren, &r);
}

uint32_t draw_resource_color(int resource)
{
    static const uint32_t pal[] = { OI_ORANGE, OI_SKY, OI_PURPLE, OI_YELLOW, OI_GREEN };
    return resource < 0 ? 0x999999u : pal[resource % 5];
}

static uint32_t actor_color(const Draw *d, int a)
{
    return a >= 0 && a < d->h->nactors ? d->h->actors[a].color : 0x888888u;
}

static int in_pane(const struct Pane *p, float x, float y);
static float marker_r(const Draw *d, int kind);

/* --- geometry batch ----------------------------------------------------- */

static int reserve(VertBatch *b, int k)
{
    if (b->n + k <= b->cap) return 1;
    int cap = b->cap ? b->cap : 4096;
    while (cap < b->n + k) cap *= 2;
    SDL_Vertex *v = realloc(b->v, sizeof *v * (size_t)cap);
    if (!v) return 0;
    b->v = v;
    b->cap = cap;
    return 1;
}

static void vtx(VertBatch *b, float x, float y, SDL_Color c)
{
    SDL_Vertex *v = &b->v[b->n++];
    v->position.x = x;
    v->position.y = y;
    v->color = c;
    v->tex_coord.x = v->tex_coord.y = 0;
}

static void tri(VertBatch *b, float x0, float y0, float x1, float y1, float x2, float y2, SDL_Color c)
{
    if (!reserve(b, 3)) return;
    vtx(b, x0, y0, c);
    vtx(b, x1, y1, c);
    vtx(b, x2, y2, c);
}

static void quad(VertBatch *b, const float *x, const float *y, SDL_Color c)
{
    tri(b, x[0], y[0], x[1], y[1], x[2], y[2], c);
    tri(b, x[0], y[0], x[2], y[2], x[3], y[3], c);
}

static void rectf(VertBatch *b, float x, float y, float w, float h, SDL_Color c)
{
    const float xs[4] = { x, x + w, x + w, x }, ys[4] = { y, y, y + h, y + h };
    quad(b, xs, ys, c);
}

static void seg(VertBatch *b, float x0, float y0, float x1, float y1, float w, SDL_Color c)
{
    float dx = x1 - x0, dy = y1 - y0, len = sqrtf(dx * dx + dy * dy);
    if (len < 1e-4f) return;
    float nx = -dy / len * w / 2, ny = dx / len * w / 2;
    const float xs[4] = { x0 + nx, x1 + nx, x1 - nx, x0 - nx };
    const float ys[4] = { y0 + ny, y1 + ny, y1 - ny, y0 - ny };
    quad(b, xs, ys, c);
}

static void disc(VertBatch *b, float cx, float cy, float r, SDL_Color c)
{
    int n = r < 4 ? 10 : r < 10 ? 16 : 28;
    for (int i = 0; i < n; i++) {
        float a0 = (float)(2 * M_PI * i / n), a1 = (float)(2 * M_PI * (i + 1) / n);
        tri(b, cx, cy, cx + r * cosf(a0), cy + r * sinf(a0), cx + r * cosf(a1), cy + r * sinf(a1), c);
    }
}

static void ring(VertBatch *b, float cx, float cy, float r, float w, SDL_Color c)
{
    int n = 28;
    for (int i = 0; i < n; i++) {
        float a0 = (float)(2 * M_PI * i / n), a1 = (float)(2 * M_PI * (i + 1) / n);
        const float xs[4] = { cx + r * cosf(a0), cx + r * cosf(a1), cx + (r - w) * cosf(a1),
                              cx + (r - w) * cosf(a0) };
        const float ys[4] = { cy + r * sinf(a0), cy + r * sinf(a1), cy + (r - w) * sinf(a1),
                              cy + (r - w) * sinf(a0) };
        quad(b, xs, ys, c);
    }
}

/* A convex polygon (or a star, which is convex from its centre). */
static void fan(VertBatch *b, float cx, float cy, const float *x, const float *y, int n, SDL_Color c)
{
    for (int i = 0; i < n; i++) tri(b, cx, cy, x[i], y[i], x[(i + 1) % n], y[(i + 1) % n], c);
}

static void flush(Draw *d)
{
    if (d->b.n) SDL_RenderGeometry(d->ren, NULL, d->b.v, d->b.n, NULL, 0);
    d->b.n = 0;
}

/* A dashed polyline: `on` pixels drawn, `off` skipped, phase carried over
 * vertices so the pattern runs evenly along the whole line.
 *
 * The dashes are counted, not walked: dash k of the line covers
 * [k*period, k*period + on) in distance from the start, measured in double,
 * and each step moves k on by one. The old walk added the distance left in
 * the dash to a float position; far from the origin (long lines at
 * 1920x1080) that sum rounded back to the same float and the loop never
 * ended. Lines with more than DASH_MAX dashes in one segment (a line
 * projected to millions of pixels when zoomed in far) are drawn only where
 * the first DASH_MAX dashes fall, which is far outside any frame. */
#define DASH_MAX 20000

int draw_dash_spans(const float *x, const float *y, int n, float on, float off,
                    void (*span)(void *ctx, float x0, float y0, float x1, float y1), void *ctx)
{
    double period = (double)on + (double)off, at = 0;
    int count = 0;
    if (!(on > 0) || !(off >= 0) || !isfinite(period)) return 0;
    for (int i = 0; i + 1 < n; i++) {
        double dx = (double)x[i + 1] - x[i], dy = (double)y[i + 1] - y[i], len = sqrt(dx * dx + dy * dy);
        if (!isfinite(len)) continue;   /* a point projected to infinity */
        if (len < 1e-4) continue;
        double k0 = floor(at / period);
        for (long k = 0; k < DASH_MAX; k++) {
            double s = (k0 + (double)k) * period - at, e = s + on;   /* dash, in this segment's distance */
            if (s >= len) break;
            if (s < 0) s = 0;
            if (e > len) e = len;
            if (e > s) {
                if (span)
                    span(ctx, (float)(x[i] + dx * s / len), (float)(y[i] + dy * s / len),
                         (float)(x[i] + dx * e / len), (float)(y[i] + dy * e / len));
                count++;
            }
        }
        at = fmod(at + len, period);
    }
    return count;
}

typedef struct DashCtx { VertBatch *b; float w; SDL_Color c; } DashCtx;

static void dash_seg(void *ctx, float x0, float y0, float x1, float y1)
{
    DashCtx *dc = ctx;
    seg(dc->b, x0, y0, x1, y1, dc->w, dc->c);
}

static void dashed(VertBatch *b, const float *x, const float *y, int n, float w, float on, float off,
                   SDL_Color c)
{
    DashCtx dc = { b, w, c };
    draw_dash_spans(x, y, n, on, off, dash_seg, &dc);
}

/* --- creation ------------------------------------------------------------- */

static void layout(Draw *d)
{
    int hud = (int)S(d, HUD_H), tl = (int)S(d, TL_H);
    SDL_Rect *m = &d->main.r;
    m->x = 0;
    m->y = hud;
    m->w = d->w;
    m->h = d->hp - hud - tl;
    if (m->h < 10) m->h = 10;
    d->tlr.x = 0;
    d->tlr.y = d->hp - tl;
    d->tlr.w = d->w;
    d->tlr.h = tl;
}

/* (Re)make a pane's land texture for its current size. */
static void pane_land(Draw *d, Pane *p)
{
    if (!d->map) return;
    if (p->land && p->land_w == p->r.w && p->land_h == p->r.h) return;
    if (p->land) SDL_DestroyTexture(p->land);
    free(p->land_px);
    p->land_w = p->r.w > 0 ? p->r.w : 1;
    p->land_h = p->r.h > 0 ? p->r.h : 1;
    p->land_px = malloc(sizeof *p->land_px * (size_t)p->land_w * (size_t)p->land_h);
    p->land = SDL_CreateTexture(d->ren, SDL_PIXELFORMAT_ARGB8888, SDL_TEXTUREACCESS_STREAMING, p->land_w,
                                p->land_h);
    p->land_dirty = 1;
}

/* Where the floating panels go on the main map (the inset avoids them). */
/* The treaty panel: per treaty a title (wrapped onto two lines if need
 * be), then its steps. */
static float treaty_title_lines(const Draw *d, int i);
static SDL_FRect treaty_rect(const Draw *d)
{
    const SDL_Rect *m = &d->main.r;
    float lh = text_line(d->text, FONT_NORMAL), pad = S(d, 10), w = fminf(S(d, 430), m->w * 0.42f);
    float hgt = 0;
    if (d->h->ntreaties) {
        hgt = pad * 2;
        for (int i = 0; i < d->h->ntreaties; i++)
            hgt += treaty_title_lines(d, i) * text_line(d->text, FONT_BOLD) + S(d, 4) + lh * 1.75f + pad;
    }
    SDL_FRect r = { m->x + m->w - w - S(d, 10), m->y + S(d, 10), w, hgt };
    return r;
}

static SDL_FRect feed_rect(const Draw *d)
{
    const SDL_Rect *m = &d->main.r;
    float lh = text_line(d->text, FONT_SMALL) + S(d, 2), pad = S(d, 8);
    float w = fminf(S(d, 560), m->w * 0.45f), hgt = pad * 2 + lh * (FEED_N + 1);
    SDL_FRect r = { m->x + S(d, 10), m->y + m->h - hgt - S(d, 10), w, hgt };
    return r;
}

/* The legend's rows: the place kinds and route modes the scenario has,
 * then carriers, losses and gauges. */
#define LEGEND_FIXED 4
static int legend_rows(const Draw *d, int *kinds, int *modes)
{
    int n = LEGEND_FIXED;
    for (int k = 0; k < PLACE__COUNT; k++) {
        kinds[k] = 0;
        for (int p = 0; p < d->h->nplaces && !kinds[k]; p++) kinds[k] = d->h->places[p].kind == k;
        n += kinds[k];
    }
    for (int k = 0; k < MODE__COUNT; k++) {
        modes[k] = 0;
        for (int r = 0; r < d->h->nroutes && !modes[k]; r++) modes[k] = d->h->routes[r].mode == k;
        n += modes[k];
    }
    return n;
}

static SDL_FRect legend_rect(const Draw *d)
{
    SDL_FRect r = { 0, 0, 0, 0 };
    if (!d->legend) return r;
    int kinds[PLACE__COUNT], modes[MODE__COUNT];
    int n = legend_rows(d, kinds, modes);
    float lh = text_line(d->text, FONT_SMALL) + S(d, 3), pad = S(d, 7);
    r.x = d->main.r.x + S(d, 10);
    r.y = d->main.r.y + S(d, 10);
    r.w = S(d, 150);
    r.h = pad * 2 + lh * (float)n;
    return r;
}

/* panels[k]: 0 treaty, 1 feed, 2 legend; zero-sized when not shown. */
static void set_panels(Draw *d)
{
    d->npanels = 3;
    d->panels[0] = treaty_rect(d);
    d->panels[1] = feed_rect(d);
    d->panels[2] = legend_rect(d);
}

static int frect_hit(const SDL_FRect *a, float x, float y, float w, float h)
{
    return a->w > 0 && x < a->x + a->w && a->x < x + w && y < a->y + a->h && a->y < y + h;
}

static double sdist2(const Pane *p, int a, int b)
{
    double dx = p->px[a] - p->px[b], dy = p->py[a] - p->py[b];
    return dx * dx + dy * dy;
}

/* Find the most crowded group of places on the main map and, if it is
 * crowded enough to hide things, frame it in an inset. */
static void plan_inset(Draw *d)
{
    const TraceHeader *h = d->h;
    Pane *m = &d->main, *in = &d->inset;
    in->on = 0;
    set_panels(d);
    memset(m->hide, 0, (size_t)h->nplaces);
    for (int p = 0; p < h->nplaces; p++) proj_fwd(&m->proj, h->places[p].lat, h->places[p].lon, &m->px[p], &m->py[p]);
    int a = -1, b = -1;
    double best = 1e300;
    for (int i = 0; i < h->nplaces; i++)
        for (int j = i + 1; j < h->nplaces; j++) {
            double dd = sdist2(m, i, j);
            if (dd < best) { best = dd; a = i; b = j; }
        }
    double crowd = S(d, 22);
    if (a < 0 || best > crowd * crowd) return;
    /* The group: places within 50 px of the closest pair. */
    double cx = (m->px[a] + m->px[b]) / 2, cy = (m->py[a] + m->py[b]) / 2, R = S(d, 50);
    double la0 = 90, la1 = -90, lo0 = 180, lo1 = -180;
    int n = 0;
    for (int p = 0; p < h->nplaces; p++) {
        double dx = m->px[p] - cx, dy = m->py[p] - cy;
        if (dx * dx + dy * dy > R * R) continue;
        const TracePlace *pl = &h->places[p];
        la0 = fmin(la0, pl->lat); la1 = fmax(la1, pl->lat);
        lo0 = fmin(lo0, pl->lon); lo1 = fmax(lo1, pl->lon);
        n++;
    }
    if (n < 2) return;
    /* Waypoints of routes that stay inside the group (the sea lanes). */
    for (int r = 0; r < h->nroutes; r++) {
        const TraceRoute *rt = &h->routes[r];
        const TracePlace *f = &h->places[rt->from], *t = &h->places[rt->to];
        if (f->lat < la0 || f->lat > la1 || f->lon < lo0 || f->lon > lo1) continue;
        if (t->lat < la0 || t->lat > la1 || t->lon < lo0 || t->lon > lo1) continue;
        for (int k = 0; k < rt->npts; k++) {
            la0 = fmin(la0, rt->lat[k]); la1 = fmax(la1, rt->lat[k]);
            lo0 = fmin(lo0, rt->lon[k]); lo1 = fmax(lo1, rt->lon[k]);
        }
    }
    double pl = fmax(0.35, (la1 - la0) * 0.35), po = fmax(0.5, (lo1 - lo0) * 0.2);
    in->lat0 = la0 - pl; in->lat1 = la1 + pl;
    in->lon0 = lo0 - po; in->lon1 = lo1 + po;
    /* Size: 34% of the map's width at most, the region's aspect; then the
     * first spot that covers no place and no panel, shrinking if need be. */
    double kx = cos((la0 + la1) * M_PI / 360.0);
    double aspect = (in->lon1 - in->lon0) * kx / (in->lat1 - in->lat0);
    int w = (int)fmin(S(d, 430), m->r.w * 0.34), hgt = (int)(w / aspect);
    if (hgt > m->r.h * 0.45) { hgt = (int)(m->r.h * 0.45); w = (int)(hgt * aspect); }
    SDL_FRect tr = treaty_rect(d), fr = feed_rect(d);
    float g = S(d, 10);
    SDL_Point spot = { 0, 0 };
    int pick = -1;
    for (int shrink = 0; shrink < 4 && pick < 0; shrink++) {
        int right = m->r.x + m->r.w - w - (int)g, bottom = m->r.y + m->r.h - hgt - (int)g;
        const SDL_Point cand[6] = {
            { right, bottom },
            { right, (int)(tr.y + tr.h + g) },
            { right, m->r.y + (m->r.h - hgt) / 2 },
            { (int)(fr.x + fr.w + g), bottom },
            { (int)(fr.x + fr.w + g) + (right - (int)(fr.x + fr.w + g)) / 2, bottom },
            { m->r.x + (int)g, m->r.y + (int)g },
        };
        for (int c = 0; c < 6 && pick < 0; c++) {
            float x = (float)cand[c].x, y = (float)cand[c].y;
            if (x < m->r.x || y < m->r.y || x + w > m->r.x + m->r.w || y + hgt > m->r.y + m->r.h) continue;
            int clear = 1;
            for (int k = 0; k < d->npanels; k++) clear &= !frect_hit(&d->panels[k], x, y, (float)w, (float)hgt);
            for (int p = 0; p < h->nplaces && clear; p++)
                clear = !(m->px[p] > x - g && m->px[p] < x + w + g && m->py[p] > y - g && m->py[p] < y + hgt + g);
            if (clear) {
                pick = c;
                spot = cand[c];
            }
        }
        if (pick < 0) {
            w = w * 4 / 5;
            hgt = hgt * 4 / 5;
        }
    }
    if (pick < 0 || w < S(d, 120)) return;
    in->r.x = spot.x;
    in->r.y = spot.y;
    in->r.w = w;
    in->r.h = hgt;
    proj_fit(&in->proj, in->lat0, in->lat1, in->lon0, in->lon1, in->r.x, in->r.y, in->r.w, in->r.h);
    in->on = 1;
    in->land_dirty = in->labels_dirty = 1;
    for (int p = 0; p < h->nplaces; p++) {
        const TracePlace *q = &h->places[p];
        m->hide[p] = q->lat >= in->lat0 && q->lat <= in->lat1 && q->lon >= in->lon0 && q->lon <= in->lon1;
    }
    pane_land(d, in);
}

/* The box to show: every place and route waypoint, with margins for
 * markers and labels, and never less than MIN_LAT x MIN_LON degrees (a
 * scenario with one place). Longitudes are taken relative to the first
 * place, so a scenario astride the date line gets one box, not the world. */
#define MIN_LAT 5.0
#define MIN_LON 8.0
static void scenario_box(const TraceHeader *h, double *la0, double *la1, double *lo0, double *lo1)
{
    double ref = h->nplaces > 0 ? h->places[0].lon : 0;
    double a0 = 90, a1 = -90, o0 = 1e9, o1 = -1e9;
    for (int i = 0; i < h->nplaces + h->nroutes; i++) {
        const double *lat, *lon;
        int n;
        if (i < h->nplaces) {
            lat = &h->places[i].lat;
            lon = &h->places[i].lon;
            n = 1;
        } else {
            lat = h->routes[i - h->nplaces].lat;
            lon = h->routes[i - h->nplaces].lon;
            n = h->routes[i - h->nplaces].npts;
        }
        for (int k = 0; k < n; k++) {
            if (!isfinite(lat[k]) || !isfinite(lon[k])) continue;
            double lo = ref + remainder(lon[k] - ref, 360.0);
            a0 = fmin(a0, lat[k]); a1 = fmax(a1, lat[k]);
            o0 = fmin(o0, lo); o1 = fmax(o1, lo);
        }
    }
    if (a0 > a1) { a0 = a1 = 45; o0 = o1 = 60; }     /* no places: somewhere */
    double pa = fmax(1.0, (a1 - a0) * 0.10), po = fmax(1.5, (o1 - o0) * 0.06);
    a0 -= pa; a1 += pa; o0 -= po; o1 += po;
    if (a1 - a0 < MIN_LAT) { double c = (a0 + a1) / 2; a0 = c - MIN_LAT / 2; a1 = c + MIN_LAT / 2; }
    if (o1 - o0 < MIN_LON) { double c = (o0 + o1) / 2; o0 = c - MIN_LON / 2; o1 = c + MIN_LON / 2; }
    *la0 = fmax(a0, -75); *la1 = fmin(a1, 82);
    *lo0 = o0; *lo1 = o1;
}

/* 1 if a place's marker lies under the treaty panel or the feed. */
static int place_under_panel(const Draw *d)
{
    float g = S(d, 14);
    for (int i = 0; i < d->h->nplaces; i++) {
        double x, y;
        proj_fwd(&d->main.proj, d->h->places[i].lat, d->h->places[i].lon, &x, &y);
        for (int k = 0; k < d->npanels; k++)
            if (frect_hit(&d->panels[k], (float)x - g, (float)y - g, 2 * g, 2 * g)) return 1;
    }
    return 0;
}

void draw_refit(Draw *d)
{
    double la0, la1, lo0, lo1;
    scenario_box(d->h, &la0, &la1, &lo0, &lo1);
    float pad = S(d, 12);
    Pane *m = &d->main;
    set_panels(d);
    SDL_FRect tr = treaty_rect(d), fr = feed_rect(d), lr = legend_rect(d);
    float top = fmaxf(tr.h > 0 ? tr.y + tr.h - m->r.y : 0, lr.h > 0 ? lr.y + lr.h - m->r.y : 0);
    float bottom = m->r.y + m->r.h - fr.y;
    /* The places in the whole map if they clear the panels; else in the
     * band between the panels, or beside them. */
    const float cut[4][4] = {   /* top, bottom, left, right */
        { 0, 0, 0, 0 }, { top, 0, 0, 0 }, { 0, bottom, 0, 0 }, { top, bottom, 0, 0 },
    };
    for (int c = 0; c < 4; c++) {
        float x = m->r.x + pad + cut[c][2], y = m->r.y + pad + cut[c][0];
        float w = m->r.w - 2 * pad - cut[c][2] - cut[c][3], h = m->r.h - 2 * pad - cut[c][0] - cut[c][1];
        if (w < 50 || h < 50) continue;
        proj_fit(&m->proj, la0, la1, lo0, lo1, x, y, w, h);
        if (!place_under_panel(d)) break;
    }
    draw_map_moved(d);
}

static int alloc_places(Draw *d)
{
    int n = d->h->nplaces + 1, ok = 1;
    Pane *panes[2] = { &d->main, &d->inset };
    for (int i = 0; i < 2; i++) {
        Pane *p = panes[i];
        free(p->px);
        free(p->py);
        free(p->lab);
        free(p->hide);
        free(p->name);
        free(p->nstock);
        p->hide = calloc((size_t)n, 1);
        p->nstock = calloc((size_t)n, sizeof *p->nstock);
        p->name = calloc((size_t)n, sizeof *p->name);
        for (int k = 0; p->name && k < d->h->nplaces; k++) {
            /* "Tikhoretsk (719th ammunition base)" is labelled "Tikhoretsk";
             * the full name is in the place's panel. */
            const char *full = d->h->places[k].name;
            size_t len = strcspn(full, "(");
            while (len > 0 && full[len - 1] == ' ') len--;
            if (len == 0) len = strlen(full);
            if (len >= sizeof p->name[k]) len = sizeof p->name[k] - 1;
            memcpy(p->name[k], full, len);
            p->name[k][len] = '\0';
        }
        p->px = calloc((size_t)n, sizeof *p->px);
        p->py = calloc((size_t)n, sizeof *p->py);
        p->lab = calloc((size_t)n, sizeof *p->lab);
        ok &= p->px && p->py && p->lab && p->hide && p->name && p->nstock;
    }
    return ok;
}

Draw *draw_create(SDL_Renderer *ren, const TraceHeader *h, const VState *vs, const Basemap *map,
                  int w, int h_px, float ui, Diag *diag)
{
    Draw *d = calloc(1, sizeof *d);
    if (!d) return NULL;
    d->ren = ren;
    d->h = h;
    d->vs = vs;
    d->map = map;
    d->ui = ui;
    d->cur = &d->main;
    d->legend = 1;
    d->text = text_create(ren, ui, diag);
    if (!d->text) goto err;
    if (map) {
        int n = map->npts + 1;
        d->mx = malloc(sizeof *d->mx * (size_t)n);
        d->my = malloc(sizeof *d->my * (size_t)n);
        d->ring_start = malloc(sizeof(int) * (size_t)(map->nland + 1));
        d->ring_count = malloc(sizeof(int) * (size_t)(map->nland + 1));
        if (!d->mx || !d->my || !d->ring_start || !d->ring_count) goto err;
        for (int i = 0; i < map->nland; i++) {
            d->ring_start[i] = map->land[i].start;
            d->ring_count[i] = map->land[i].n;
        }
        d->country_cap = map->nlabels;
        d->main.country = calloc((size_t)map->nlabels + 1, sizeof *d->main.country);
        d->main.country_idx = calloc((size_t)map->nlabels + 1, sizeof *d->main.country_idx);
        if (!d->main.country || !d->main.country_idx) goto err;
    }
    if (!alloc_places(d)) goto err;
    SDL_SetRenderDrawBlendMode(ren, SDL_BLENDMODE_BLEND);
    draw_resize(d, w, h_px, ui);
    return d;
err:
    diag_add(diag, 0, 0, "", "cannot set up the map view");
    draw_destroy(d);
    return NULL;
}

static void free_pane(Pane *p)
{
    free(p->nstock);
    free(p->country);
    free(p->country_idx);
    free(p->hide);
    free(p->name);
    if (p->land) SDL_DestroyTexture(p->land);
    free(p->land_px);
    free(p->px);
    free(p->py);
    free(p->lab);
}

void draw_destroy(Draw *d)
{
    if (!d) return;
    text_destroy(d->text);
    free_pane(&d->main);
    free_pane(&d->inset);
    raster_destroy(d->raster);
    free(d->mx);
    free(d->my);
    free(d->ring_start);
    free(d->ring_count);
    free(d->b.v);
    free(d);
}

void draw_set_trace(Draw *d, const TraceHeader *h, const VState *vs)
{
    int same = d->h && d->h->nplaces == h->nplaces;
    d->h = h;
    d->vs = vs;
    if (!same) {
        alloc_places(d);
        draw_refit(d);
    }
    d->main.labels_dirty = d->inset.labels_dirty = 1;
}

void draw_resize(Draw *d, int w, int h_px, float ui)
{
    if (ui != d->ui) {
        Diag diag;
        diag_init(&diag, "font");
        Text *t = text_create(d->ren, ui, &diag);
        if (t) {
            text_destroy(d->text);
            d->text = t;
            d->ui = ui;
        }
        diag_fini(&diag);
    }
    d->w = w;
    d->hp = h_px;
    layout(d);
    pane_land(d, &d->main);
    if (d->map && (!d->raster || w > d->main.land_w)) {
        raster_destroy(d->raster);
        d->raster = raster_create(d->map->npts + 8, w + 1);
    }
    if (!d->raster && d->map) {
        raster_destroy(d->raster);
        d->raster = raster_create(d->map->npts + 8, w + 1);
    }
    draw_refit(d);
}

Proj *draw_proj(Draw *d) { return &d->main.proj; }

static void put_box(ViewBox *out, size_t max, size_t *n, float x, float y, float w, float h, int kind, int place,
                    int pane, int leader)
{
    if (*n < max) {
        ViewBox b = { x, y, w, h, kind, place, pane, leader };
        out[*n] = b;
    }
    (*n)++;
}

size_t draw_layout(const Draw *d, ViewBox *out, size_t max)
{
    size_t n = 0;
    const Pane *m = &d->main;
    put_box(out, max, &n, (float)m->r.x, (float)m->r.y, (float)m->r.w, (float)m->r.h, VIEW_BOX_MAP, -1, 0, 0);
    for (int k = 0; k < d->npanels; k++)
        if (d->panels[k].w > 0 && d->panels[k].h > 0)
            put_box(out, max, &n, d->panels[k].x, d->panels[k].y, d->panels[k].w, d->panels[k].h, VIEW_BOX_PANEL, k, 0, 0);
    if (d->inset.on)
        put_box(out, max, &n, (float)d->inset.r.x, (float)d->inset.r.y, (float)d->inset.r.w, (float)d->inset.r.h,
                VIEW_BOX_INSET, -1, 1, 0);
    for (int k = 0; k < m->ncountry; k++)
        put_box(out, max, &n, m->country[k].x, m->country[k].y, m->country[k].w, m->country[k].h, VIEW_BOX_COUNTRY,
                -1, 0, 0);
    for (int k = 0; k < d->nnotes; k++) {
        if (n < max) out[n] = d->notes[k];
        n++;
    }
    for (int pane = 0; pane < 2; pane++) {
        const Pane *p = pane ? &d->inset : &d->main;
        if (pane && !d->inset.on) break;
        for (int i = 0; i < d->h->nplaces; i++) {
            if (pane == 0 && d->inset.on && m->hide[i]) continue;
            if (pane == 1 && !(d->inset.on && m->hide[i])) continue;
            float r = marker_r(d, d->h->places[i].kind);
            put_box(out, max, &n, (float)p->px[i] - r, (float)p->py[i] - r, 2 * r, 2 * r, VIEW_BOX_MARKER, i, pane, 0);
            const LabelSpot *l = &p->lab[i];
            if (l->show) put_box(out, max, &n, l->x, l->y, l->w, l->h, VIEW_BOX_LABEL, i, pane, l->leader);
        }
    }
    return n;
}

void draw_set_legend(Draw *d, int on)
{
    d->legend = on != 0;
    /* Keep the person's zoom and pan: only the inset and the labels move
     * (they avoid the legend). draw_refit fits around it again. */
    draw_map_moved(d);
}

int draw_legend_on(const Draw *d) { return d->legend; }

void draw_map_moved(Draw *d)
{
    d->main.land_dirty = 1;
    d->main.labels_dirty = 1;
    plan_inset(d);
}

/* --- the base map --------------------------------------------------------- */

/* A dashed 1-pixel line into a pixel buffer (DDA), blended at 85%.
 * Returns the dash phase at the end, to carry on along a polyline. */
static float stipple(uint32_t *px, int w, int h, float x0, float y0, float x1, float y1, float on, float off,
                     float phase, uint32_t rgb)
{
    float dx = x1 - x0, dy = y1 - y0, len = sqrtf(dx * dx + dy * dy);
    if (len < 1e-3f) return phase;
    /* Skip segments wholly off the buffer (most of Eurasia when zoomed in). */
    if ((x0 < 0 && x1 < 0) || (y0 < 0 && y1 < 0) || (x0 >= w && x1 >= w) || (y0 >= h && y1 >= h))
        return fmodf(phase + len, on + off);
    int steps = (int)ceilf(len);
    if (steps > 20000) steps = 20000;
    for (int k = 0; k <= steps; k++) {
        float u = (float)k / (float)steps;
        float along = fmodf(phase + u * len, on + off);
        if (along >= on) continue;
        float fx = x0 + u * dx, fy = y0 + u * dy;
        if (!(fx >= 0 && fy >= 0 && fx < (float)w && fy < (float)h)) continue;   /* also NaN */
        int x = (int)fx, y = (int)fy;
        uint32_t *q = &px[(size_t)y * (size_t)w + (size_t)x];
        uint32_t out = 0xff000000u;
        for (int sft = 0; sft < 24; sft += 8) {
            unsigned a = (*q >> sft) & 0xff, b = (rgb >> sft) & 0xff;
            out |= (uint32_t)((a * 38 + b * 217) / 255) << sft;
        }
        *q = out;
    }
    return fmodf(phase + len, on + off);
}

static void build_land(Draw *d, Pane *p)
{
    if (!d->map || !p->land || !p->land_px || !d->raster) return;
    const Basemap *m = d->map;
    for (int i = 0; i < m->npts; i++) {
        double x, y;
        proj_fwd(&p->proj, m->lat[i], m->lon[i], &x, &y);
        d->mx[i] = (float)(x - p->r.x);
        d->my[i] = (float)(y - p->r.y);
    }
    /* The asset comes in 30-degree bands of longitude: leave out the bands
     * on the far side of the globe, where the cone folds over. */
    for (int i = 0; i < m->nland; i++) {
        int keep = 1;
        for (int k = m->land[i].start; k < m->land[i].start + m->land[i].n && keep; k++)
            keep = fabs(proj_dlon(&p->proj, m->lon[k])) <= FAR_LON;
        d->ring_count[i] = keep ? m->land[i].n : 0;
    }
    size_t npx = (size_t)p->land_w * (size_t)p->land_h;
    for (size_t i = 0; i < npx; i++) p->land_px[i] = 0xff000000u | C_SEA;
    raster_fill(d->raster, p->land_px, p->land_w, p->land_h, p->land_w, d->mx, d->my, d->ring_start,
                d->ring_count, m->nland, C_LAND);
    /* Borders are baked in too: dashed 1-pixel lines, so a frame costs the
     * same whatever the length of the borders on screen. */
    float dash = S(d, 4), gap = S(d, 2.5f);
    for (int i = 0; i < m->nborders; i++) {
        const BasemapLine *l = &m->borders[i];
        int keep = 1;
        for (int j = l->start; j < l->start + l->n && keep; j++)
            keep = fabs(proj_dlon(&p->proj, m->lon[j])) <= FAR_LON;
        if (!keep) continue;
        float phase = 0;
        for (int j = l->start; j + 1 < l->start + l->n; j++)
            phase = stipple(p->land_px, p->land_w, p->land_h, d->mx[j], d->my[j], d->mx[j + 1], d->my[j + 1],
                            dash, gap, phase, C_BORDER);
    }
    SDL_UpdateTexture(p->land, NULL, p->land_px, p->land_w * 4);
    p->land_dirty = 0;
}

static void draw_base(Draw *d)
{
    Pane *p = d->cur;
    if (!d->map || !p->land) {
        fill_rect(d, (float)p->r.x, (float)p->r.y, (float)p->r.w, (float)p->r.h, C_SEA, 255);
        return;
    }
    if (p->land_dirty) build_land(d, p);
    SDL_Rect dst = { p->r.x, p->r.y, p->land_w, p->land_h };
    SDL_RenderCopy(d->ren, p->land, NULL, &dst);
    const Basemap *m = d->map;
    if (p != &d->main) return;
    /* Country names: quiet, behind everything; place_labels chose them. */
    for (int k = 0; k < p->ncountry; k++)
        text_draw(d->text, m->labels[p->country_idx[k]].name, FONT_LARGE, p->country[k].x, p->country[k].y, 0xD6D0C2u,
                  ALIGN_LEFT, NO_HALO);
}

/* --- places and labels -------------------------------------------------- */

static float marker_r(const Draw *d, int kind)
{
    return S(d, kind == PLACE_FRONT || kind == PLACE_CAPITAL ? 8.0f : 6.5f);
}

static void place_marker(Draw *d, int kind, float x, float y, float r, SDL_Color fill)
{
    VertBatch *b = &d->b;
    float xs[10], ys[10];
    switch (kind) {
    case PLACE_PORT:
        disc(b, x, y, r, fill);
        break;
    case PLACE_RAIL_HUB: {
        const float px[4] = { x, x + r, x, x - r }, py[4] = { y - r, y, y + r, y };
        quad(b, px, py, fill);
        break;
    }
    case PLACE_DEPOT:
        rectf(b, x - r * 0.85f, y - r * 0.85f, r * 1.7f, r * 1.7f, fill);
        break;
    case PLACE_ARSENAL:
        for (int i = 0; i < 6; i++) {
            xs[i] = x + r * cosf((float)(M_PI / 3 * i));
            ys[i] = y + r * sinf((float)(M_PI / 3 * i));
        }
        fan(b, x, y, xs, ys, 6, fill);
        break;
    case PLACE_FRONT:
        tri(b, x, y - r * 1.1f, x + r, y + r * 0.75f, x - r, y + r * 0.75f, fill);
        break;
    case PLACE_LAUNCH_SITE:
        tri(b, x, y - r * 1.3f, x + r * 0.55f, y + r * 0.5f, x - r * 0.55f, y + r * 0.5f, fill);
        rectf(b, x - r * 0.9f, y + r * 0.5f, r * 1.8f, r * 0.45f, fill);
        break;
    case PLACE_CAPITAL:
    default:
        for (int i = 0; i < 10; i++) {
            float rr = i % 2 ? r * 0.45f : r * 1.05f;
            float a = (float)(-M_PI / 2 + M_PI / 5 * i);
            xs[i] = x + rr * cosf(a);
            ys[i] = y + rr * sinf(a);
        }
        fan(b, x, y, xs, ys, 10, fill);
        break;
    }
}

/* On the main map, places shown in the inset keep only their marker. */
static int hidden(const Draw *d, int p)
{
    return d->cur == &d->main && d->inset.on && d->main.hide[p];
}

static int overlaps(float ax, float ay, float aw, float ah, float bx, float by, float bw, float bh)
{
    return ax < bx + bw && bx < ax + aw && ay < by + bh && by < ay + ah;
}

static int label_priority(int kind)
{
    static const int pr[PLACE__COUNT] = { 3, 2, 4, 1, 0, 1, 0 };
    return kind >= 0 && kind < PLACE__COUNT ? pr[kind] : 5;
}

/* The obstacles a label must not cover in the pane being laid out:
 * markers, gauges with their value lines, the floating panels, the inset
 * (on the main map) and the labels placed so far. */
static int label_blocked(Draw *d, int self, float lx, float ly, float tw, float th)
{
    const TraceHeader *h = d->h;
    Pane *c = d->cur;
    if (lx < c->r.x || lx + tw > c->r.x + c->r.w || ly < c->r.y || ly + th > c->r.y + c->r.h) return 1;
    for (int q = 0; q < h->nplaces; q++) {
        float rq = marker_r(d, h->places[q].kind) + S(d, 2);
        if (overlaps(lx, ly, tw, th, (float)c->px[q] - rq, (float)c->py[q] - rq * 1.3f, 2 * rq, 2.4f * rq)) return 1;
        if (c->lab[q].show && q != self &&
            overlaps(lx, ly, tw, th, c->lab[q].x, c->lab[q].y, c->lab[q].w, c->lab[q].h))
            return 1;
        if (hidden(d, q) || !c->nstock[q]) continue;
        /* The gauge columns, and the value or SHORT lines below them. */
        float gx = (float)c->px[q] + S(d, 9), n = (float)c->nstock[q];
        if (overlaps(lx, ly, tw, th, gx, (float)c->py[q] - S(d, 22), S(d, 10) * n + S(d, 2), S(d, 30)) ||
            overlaps(lx, ly, tw, th, gx, (float)c->py[q] + S(d, 8), S(d, 96), text_line(d->text, FONT_BOLD) * n))
            return 1;
    }
    if (c == &d->inset) {
        /* The inset's title, top right. */
        float tw, th;
        text_size(d->text, "enlarged \u00D799", FONT_SMALL, &tw, &th);
        if (overlaps(lx, ly, tw, th, c->r.x + c->r.w - tw - S(d, 8), (float)c->r.y, tw + S(d, 8), th + S(d, 6)))
            return 1;
    }
    if (c == &d->main) {
        for (int k = 0; k < d->npanels; k++)
            if (frect_hit(&d->panels[k], lx, ly, tw, th)) return 1;
        if (d->inset.on) {
            float g = S(d, 4);
            if (overlaps(lx, ly, tw, th, d->inset.r.x - g, d->inset.r.y - g, d->inset.r.w + 2 * g, d->inset.r.h + 2 * g))
                return 1;
        }
    }
    return 0;
}

/* A passing note on the map (a loss, troops on the move): centred on *x
 * near the preferred y, moved up, down or aside to the first spot clear of the
 * places' labels, markers, gauges and panels, and of the notes already
 * drawn this frame; where there is none, the preferred spot. Returns the
 * top y and sets *x to the centre; the note is recorded for draw_layout. */
static float note_spot(Draw *d, const char *s, int font, float *x, float y)
{
    float tw, th;
    text_size(d->text, s, font, &tw, &th);
    float bx = *x, by = y;
    int found = 0;
    for (int ring = 0; ring < 6 && !found; ring++)
        for (int k = 0; k < 3 * (2 * ring + 1) && !found; k++) {
            /* Rows ring lines up and down, at the centre, left, right. */
            int row = k / 3 - ring, col = k % 3;
            if (ring && row != -ring && row != ring && col == 0) continue;
            float cx = *x + (col == 0 ? 0 : col == 1 ? -(tw / 2 + S(d, 14)) : tw / 2 + S(d, 14));
            float ty = y + (float)row * (th + S(d, 2)), lx = cx - tw / 2;
            int hit = label_blocked(d, -1, lx, ty, tw, th);
            for (int n = 0; n < d->nnotes && !hit; n++)
                hit = d->notes[n].pane == (d->cur == &d->inset) &&
                      overlaps(lx, ty, tw, th, d->notes[n].x, d->notes[n].y, d->notes[n].w, d->notes[n].h);
            if (!hit) { bx = cx; by = ty; found = 1; }
        }
    if (d->nnotes < MAX_NOTES) {
        ViewBox b = { bx - tw / 2, by, tw, th, VIEW_BOX_NOTE, -1, d->cur == &d->inset, 0 };
        d->notes[d->nnotes++] = b;
    }
    *x = bx;
    return by;
}

/* Greedy placement: most important places first. For each, the first
 * free spot of 8 directions at growing distances (beyond the first, with a
 * leader line to the marker), then of a wider ring search; free means
 * clear of everything label_blocked() names. Country names come after and
 * give way: a name that would touch a place's label, marker or gauge, a
 * panel or another name is left out. */
static void place_labels(Draw *d)
{
    const TraceHeader *h = d->h;
    Pane *c = d->cur;
    int n = h->nplaces;
    int order[512];
    int m = n < 512 ? n : 512;
    for (int i = 0; i < m; i++) order[i] = i;
    for (int i = 1; i < m; i++) {
        int v = order[i], j = i - 1;
        while (j >= 0 && label_priority(h->places[order[j]].kind) > label_priority(h->places[v].kind)) {
            order[j + 1] = order[j];
            j--;
        }
        order[j + 1] = v;
    }
    memset(c->nstock, 0, sizeof *c->nstock * (size_t)(n + 1));
    for (int s = 0; s < h->nstocks; s++)
        if (h->stocks[s].place >= 0 && h->stocks[s].place < n) c->nstock[h->stocks[s].place]++;
    for (int i = 0; i < n; i++) c->lab[i].show = 0;
    for (int oi = 0; oi < m; oi++) {
        int p = order[oi];
        if (hidden(d, p) || !in_pane(c, (float)c->px[p], (float)c->py[p])) continue;
        float tw, th;
        text_size(d->text, c->name[p], FONT_BOLD, &tw, &th);
        float r = marker_r(d, h->places[p].kind) + S(d, 3);
        float x = (float)c->px[p], y = (float)c->py[p];
        float gw = c->nstock[p] ? S(d, 10) * (float)c->nstock[p] + S(d, 4) : 0;   /* gauges to the right */
        int done = 0;
        float lx = 0, ly = 0;
        for (int far = 0; far < 5 && !done; far++) {
            float g = S(d, 22) * (float)far;
            const float cand[8][2] = {
                { x + r + gw + g, y - th / 2 }, { x - r - g - tw, y - th / 2 },
                { x - tw / 2, y - r - g - th }, { x - tw / 2, y + r + g },
                { x + r * 0.7f + g, y - r * 0.7f - g - th }, { x - r * 0.7f - g - tw, y - r * 0.7f - g - th },
                { x + r * 0.7f + g, y + r * 0.7f + g }, { x - r * 0.7f - g - tw, y + r * 0.7f + g },
            };
            for (int k = 0; k < 8 && !done; k++)
                if (!label_blocked(d, p, cand[k][0], cand[k][1], tw, th)) {
                    lx = cand[k][0];
                    ly = cand[k][1];
                    done = far > 0 ? 2 : 1;
                }
        }
        /* Wider: 24 directions on rings out to a quarter of the pane. */
        float rmax = fmaxf((float)c->r.w, (float)c->r.h) / 2;
        for (float rad = S(d, 40); rad <= rmax && !done; rad += S(d, 12))
            for (int k = 0; k < 24 && !done; k++) {
                float a = (float)(2 * M_PI * k / 24);
                float cx = x + rad * cosf(a), cy = y + rad * sinf(a);
                float tx = cx - tw / 2 + cosf(a) * tw / 2, ty = cy - th / 2 + sinf(a) * th / 2;
                if (!label_blocked(d, p, tx, ty, tw, th)) {
                    lx = tx;
                    ly = ty;
                    done = 2;
                }
            }
        if (done) {
            LabelSpot *l = &c->lab[p];
            l->x = lx; l->y = ly; l->w = tw; l->h = th;
            l->show = 1;
            l->leader = done == 2;
        }
    }
    c->ncountry = 0;
    if (c == &d->main && d->map) {
        const Basemap *bm = d->map;
        for (int i = 0; i < bm->nlabels && c->ncountry < d->country_cap; i++) {
            const BasemapLabel *l = &bm->labels[i];
            if (l->rank > 4 || fabs(proj_dlon(&c->proj, l->lon)) > FAR_LON) continue;
            double x, y;
            proj_fwd(&c->proj, l->lat, l->lon, &x, &y);
            float tw, th;
            text_size(d->text, l->name, FONT_LARGE, &tw, &th);
            float lx = (float)x - tw / 2, ly = (float)y - S(d, 10);
            if (label_blocked(d, -1, lx, ly, tw, th)) continue;
            int clash = 0;
            for (int k = 0; k < c->ncountry && !clash; k++) {
                const SDL_FRect *o = &c->country[k];
                clash = overlaps(lx, ly, tw, th, o->x - S(d, 6), o->y, o->w + S(d, 12), o->h);
            }
            if (clash) continue;
            SDL_FRect fr = { lx, ly, tw, th };
            c->country_idx[c->ncountry] = i;
            c->country[c->ncountry++] = fr;
        }
    }
    c->labels_dirty = 0;
}

/* --- routes, carriers, losses ------------------------------------------- */

#define MAXPTS 256

static int route_screen(Draw *d, int r, float *x, float *y)
{
    const TraceRoute *rt = &d->h->routes[r];
    int n = 0;
    double sx, sy;
    proj_fwd(&d->cur->proj, d->h->places[rt->from].lat, d->h->places[rt->from].lon, &sx, &sy);
    x[n] = (float)sx; y[n++] = (float)sy;
    for (int i = 0; i < rt->npts && n < MAXPTS - 1; i++) {
        proj_fwd(&d->cur->proj, rt->lat[i], rt->lon[i], &sx, &sy);
        x[n] = (float)sx; y[n++] = (float)sy;
    }
    proj_fwd(&d->cur->proj, d->h->places[rt->to].lat, d->h->places[rt->to].lon, &sx, &sy);
    x[n] = (float)sx; y[n++] = (float)sy;
    return n;
}

static void draw_routes(Draw *d, const VFrame *f)
{
    float x[MAXPTS], y[MAXPTS];
    VertBatch *b = &d->b;
    for (int r = 0; r < d->h->nroutes; r++) {
        int n = route_screen(d, r, x, y);
        int open = f->route_open[r];
        int a = open ? 255 : 90;
        switch (d->h->routes[r].mode) {
        case MODE_SEA:
            dashed(b, x, y, n, S(d, 2.0f), S(d, 7), S(d, 5), rgba(OI_BLUE, a * 3 / 4));
            break;
        case MODE_RAIL:
            for (int i = 0; i + 1 < n; i++) seg(b, x[i], y[i], x[i + 1], y[i + 1], S(d, 3.2f), rgba(0x3A3A3A, a));
            for (int i = 0; i + 1 < n; i++) disc(b, x[i + 1], y[i + 1], S(d, 1.6f), rgba(0x3A3A3A, a));
            dashed(b, x, y, n, S(d, 1.4f), S(d, 5), S(d, 5), rgba(C_WHITE, a));
            break;
        case MODE_ROAD:
            for (int i = 0; i + 1 < n; i++) seg(b, x[i], y[i], x[i + 1], y[i + 1], S(d, 3.4f), rgba(0x7A5A1E, a));
            for (int i = 0; i + 1 < n; i++) seg(b, x[i], y[i], x[i + 1], y[i + 1], S(d, 1.6f), rgba(OI_ORANGE, a));
            break;
        default: /* air */
            dashed(b, x, y, n, S(d, 2.0f), S(d, 2), S(d, 5), rgba(OI_PURPLE, a));
            break;
        }
        if (!open) {
            /* A closed route: a bar across its middle. */
            double la, lo, sx, sy;
            vstate_route_point(d->vs, r, 0.5, &la, &lo);
            proj_fwd(&d->cur->proj, la, lo, &sx, &sy);
            float k = S(d, 7);
            seg(b, (float)sx - k, (float)sy - k, (float)sx + k, (float)sy + k, S(d, 3), rgba(OI_VERMIL, 255));
            seg(b, (float)sx - k, (float)sy + k, (float)sx + k, (float)sy - k, S(d, 3), rgba(OI_VERMIL, 255));
        }
    }
    flush(d);
}

static void draw_carriers(Draw *d, const VFrame *f)
{
    VertBatch *b = &d->b;
    for (size_t i = 0; i < f->ncarriers; i++) {
        const VCarrier *c = &f->carriers[i];
        double sx, sy, ex, ey;
        proj_fwd(&d->cur->proj, c->lat, c->lon, &sx, &sy);
        if (!in_pane(d->cur, (float)sx, (float)sy)) continue;
        proj_fwd(&d->cur->proj, c->lat + c->dlat, c->lon + c->dlon, &ex, &ey);
        float dx = (float)(ex - sx), dy = (float)(ey - sy), len = sqrtf(dx * dx + dy * dy);
        if (len < 1e-6f) { dx = 1; dy = 0; len = 1; }
        dx /= len;
        dy /= len;
        float nx = -dy, ny = dx;
        double cap = c->carrier >= 0 ? d->h->carriers[c->carrier].capacity : 0;
        double fill = cap > 0 ? fmin(1.0, c->cargo / cap) : (c->cargo > 0);
        int mode = d->h->routes[c->route].mode;
        float L = S(d, c->state == VC_RETURNING ? 6.0f : 7.0f + 7.0f * (float)sqrt(fill));
        float W = mode == MODE_SEA ? L * 0.42f : L * 0.36f;
        SDL_Color ink = rgba(COL_INK, 255);
        SDL_Color body = c->state == VC_RETURNING ? rgba(C_WHITE, 255) : rgba(draw_resource_color(c->resource), 255);
        float o = S(d, 1.2f);   /* outline width */
        float x = (float)sx, y = (float)sy;
        for (int pass = 0; pass < 2; pass++) {
            float l = L / 2 + (pass ? 0 : o), w = W / 2 + (pass ? 0 : o);
            SDL_Color col = pass ? body : ink;
            if (mode == MODE_SEA) {
                /* A hull: pointed bow forward. */
                const float xs[5] = { x + dx * (l + w), x + dx * l * 0.4f + nx * w, x - dx * l + nx * w,
                                      x - dx * l - nx * w, x + dx * l * 0.4f - nx * w };
                const float ys[5] = { y + dy * (l + w), y + dy * l * 0.4f + ny * w, y - dy * l + ny * w,
                                      y - dy * l - ny * w, y + dy * l * 0.4f - ny * w };
                fan(b, x, y, xs, ys, 5, col);
            } else {
                const float xs[4] = { x + dx * l + nx * w, x + dx * l - nx * w, x - dx * l - nx * w,
                                      x - dx * l + nx * w };
                const float ys[4] = { y + dy * l + ny * w, y + dy * l - ny * w, y - dy * l - ny * w,
                                      y - dy * l + ny * w };
                quad(b, xs, ys, col);
            }
        }
    }
    flush(d);
}

static void draw_losses(Draw *d, const VFrame *f)
{
    VertBatch *b = &d->b;
    for (size_t i = 0; i < f->nlosses; i++) {
        const VLoss *l = &f->losses[i];
        double sx, sy;
        proj_fwd(&d->cur->proj, l->lat, l->lon, &sx, &sy);
        float x = (float)sx, y = (float)sy;
        int recent = l->age < 30;
        float k = S(d, recent ? 6.0f : 3.5f);
        int a = recent ? 255 : 150;
        if (recent) ring(b, x, y, k * 1.9f, S(d, 2), rgba(OI_VERMIL, (int)(255 * (1 - l->age / 30) * 0.8 + 40)));
        seg(b, x - k, y - k, x + k, y + k, S(d, recent ? 3 : 2), rgba(OI_VERMIL, a));
        seg(b, x - k, y + k, x + k, y - k, S(d, recent ? 3 : 2), rgba(OI_VERMIL, a));
    }
    flush(d);
    for (size_t i = 0; i < f->nlosses; i++) {
        const VLoss *l = &f->losses[i];
        if (l->age >= 30) continue;
        const Pane *in = &d->inset;
        if (d->cur == &d->main && in->on && l->lat >= in->lat0 && l->lat <= in->lat1 && l->lon >= in->lon0 &&
            l->lon <= in->lon1)
            continue;   /* labelled in the inset */
        double sx, sy;
        proj_fwd(&d->cur->proj, l->lat, l->lon, &sx, &sy);
        char buf[160], q[32];
        vstate_qty(l->cargo, q, sizeof q);
        snprintf(buf, sizeof buf, "%s lost (%s)", l->carrier >= 0 ? d->h->carriers[l->carrier].name : "?", q);
        float nx = (float)sx, ny = note_spot(d, buf, FONT_SMALL, &nx, (float)sy + S(d, 13));
        text_draw(d->text, buf, FONT_SMALL, nx, ny, OI_VERMIL, ALIGN_CENTER, C_WHITE);
    }
}

/* --- troops and launches -------------------------------------------------- */

/* A point on the troop arrow's arc (a quadratic curve bowed to the north). */
static void arc_point(const Draw *d, const VTroops *m, double u, float *x, float *y)
{
    double x0 = d->cur->px[m->from], y0 = d->cur->py[m->from], x1 = d->cur->px[m->to], y1 = d->cur->py[m->to];
    double mx = (x0 + x1) / 2, my = (y0 + y1) / 2 - 0.18 * fabs(x1 - x0) - S(d, 20);
    double a = (1 - u) * (1 - u), bb = 2 * u * (1 - u), c = u * u;
    *x = (float)(a * x0 + bb * mx + c * x1);
    *y = (float)(a * y0 + bb * my + c * y1);
}

static void draw_troops(Draw *d, const VFrame *f)
{
    VertBatch *b = &d->b;
    double total_at[64] = { 0 };
    for (size_t i = 0; i < f->ntroops; i++) {
        const VTroops *m = &f->troops[i];
        if (m->frac >= 1 && m->to < 64) total_at[m->to] += m->troops;
        double since = f->t - m->t1;
        if (m->frac >= 1 && since > 30) continue;
        int a = m->frac < 1 ? 255 : (int)(200 * (1 - since / 30)) + 30;
        SDL_Color c = rgba(actor_color(d, m->actor), a);
        int steps = 48, upto = (int)(steps * m->frac + 0.5);
        float px, py, x, y;
        arc_point(d, m, 0, &px, &py);
        for (int k = 1; k <= upto; k++) {
            arc_point(d, m, (double)k / steps, &x, &y);
            seg(b, px, py, x, y, S(d, 3.5f), c);
            px = x;
            py = y;
        }
        /* Arrow head at the front of the movement. */
        float hx, hy, bx, by;
        arc_point(d, m, m->frac, &hx, &hy);
        arc_point(d, m, m->frac - 0.03 > 0 ? m->frac - 0.03 : 0, &bx, &by);
        float dx = hx - bx, dy = hy - by, len = sqrtf(dx * dx + dy * dy);
        if (len > 1e-3f) {
            dx /= len;
            dy /= len;
            float k = S(d, 11);
            tri(b, hx + dx * k * 0.4f, hy + dy * k * 0.4f, hx - dx * k - dy * k * 0.6f, hy - dy * k + dx * k * 0.6f,
                hx - dx * k + dy * k * 0.6f, hy - dy * k - dx * k * 0.6f, c);
        }
    }
    flush(d);
    for (size_t i = 0; i < f->ntroops; i++) {
        const VTroops *m = &f->troops[i];
        if (m->frac >= 1) continue;
        float x, y;
        arc_point(d, m, m->frac, &x, &y);
        char q[32], buf[96];
        vstate_qty(m->troops, q, sizeof q);
        snprintf(buf, sizeof buf, "%s troops", q);
        float nx = x, ny = note_spot(d, buf, FONT_BOLD, &nx, y - S(d, 24));
        text_draw(d->text, buf, FONT_BOLD, nx, ny, actor_color(d, m->actor), ALIGN_CENTER, C_WHITE);
    }
    for (int p = 0; p < d->h->nplaces && p < 64; p++) {
        if (total_at[p] <= 0) continue;
        char q[32], buf[96];
        vstate_qty(total_at[p], q, sizeof q);
        snprintf(buf, sizeof buf, "%s troops here", q);
        const LabelSpot *l = &d->cur->lab[p];
        if (l->show)
            text_draw(d->text, buf, FONT_SMALL, l->x, l->y + l->h - S(d, 1), COL_INK, ALIGN_LEFT, C_WHITE);
        else
            text_draw(d->text, buf, FONT_SMALL, (float)d->cur->px[p], (float)d->cur->py[p] + S(d, 12), COL_INK,
                      ALIGN_CENTER, C_WHITE);
    }
}

static void draw_launches(Draw *d, const VFrame *f, double window)
{
    VertBatch *b = &d->b;
    for (size_t i = 0; i < f->nlaunches; i++) {
        const VLaunch *l = &f->launches[i];
        if (l->age > window) continue;
        int place = d->h->programmes[l->programme].place;
        if (place < 0) continue;
        float x = (float)d->cur->px[place], y = (float)d->cur->py[place];
        double u = l->age / window;                  /* 0..1 through the animation */
        float H = S(d, 90);
        double reach = l->outcome == 0 ? 1.0 : fmin(1.0, l->outcome / 3.2);
        double climb = fmin(u / 0.6, 1.0) * reach;
        float top = y - (float)(H * climb);
        seg(b, x, y - S(d, 6), x, top, S(d, 3), rgba(0x777777, 200));
        disc(b, x, top, S(d, 3.5f), rgba(l->outcome == 0 ? OI_SKY : OI_ORANGE, 255));
        if (u > 0.6 * reach || climb >= reach) {
            if (l->outcome == 0) {
                /* Orbit: a satellite circling the top of the trail. */
                double a = u * 12;
                ring(b, x, y - H, S(d, 14), S(d, 1.5f), rgba(OI_SKY, 200));
                disc(b, x + S(d, 14) * (float)cos(a), y - H + S(d, 14) * (float)sin(a), S(d, 3.5f), rgba(OI_BLUE, 255));
            } else {
                float r = S(d, 6 + 14 * (float)fmin(1, (u - 0.6 * reach) * 3));
                disc(b, x, top, r, rgba(OI_VERMIL, 200));
                disc(b, x, top, r * 0.5f, rgba(OI_YELLOW, 230));
            }
        }
    }
    flush(d);
    for (size_t i = 0; i < f->nlaunches; i++) {
        const VLaunch *l = &f->launches[i];
        if (l->age > window) continue;
        int place = d->h->programmes[l->programme].place;
        if (place < 0) continue;
        char buf[96];
        if (l->outcome == 0) snprintf(buf, sizeof buf, "Launch %d: in orbit", l->attempt);
        else snprintf(buf, sizeof buf, "Launch %d: stage %d failed", l->attempt, l->outcome);
        /* Beside the top of the trail, as high as it has climbed. */
        double u = l->age / window;
        double reach = l->outcome == 0 ? 1.0 : fmin(1.0, l->outcome / 3.2);
        float top = (float)d->cur->py[place] - S(d, 90) * (float)(fmin(u / 0.6, 1.0) * reach);
        text_draw(d->text, buf, FONT_BOLD, (float)d->cur->px[place] + S(d, 14), top - S(d, 22),
                  l->outcome == 0 ? OI_BLUE : OI_VERMIL, ALIGN_LEFT, C_WHITE);
    }
}

/* --- places, gauges ------------------------------------------------------- */

static void draw_places(Draw *d, const VFrame *f, const DrawUI *ui)
{
    const TraceHeader *h = d->h;
    VertBatch *b = &d->b;
    for (int p = 0; p < h->nplaces; p++) {
        float x = (float)d->cur->px[p], y = (float)d->cur->py[p];
        float r = marker_r(d, h->places[p].kind);
        if (p == ui->selected || p == ui->hover_place) ring(b, x, y, r + S(d, 6), S(d, 2), rgba(COL_INK, 200));
        place_marker(d, h->places[p].kind, x, y, r + S(d, 1.5f), rgba(COL_INK, 255));
        place_marker(d, h->places[p].kind, x, y, r, rgba(actor_color(d, h->places[p].actor), 255));
    }
    /* Gauges: a column per stock to the right of its place. */
    int col[512] = { 0 };
    for (int s = 0; s < h->nstocks; s++) {
        int p = h->stocks[s].place;
        const VStock *st = &f->stocks[s];
        int k = p < 512 ? col[p]++ : 0;
        if (hidden(d, p)) continue;
        float gx = (float)d->cur->px[p] + S(d, 10) + k * S(d, 10), gy = (float)d->cur->py[p] - S(d, 21);
        float gw = S(d, 7), gh = S(d, 28);
        float lv = (float)fmin(1.0, fmax(0.0, st->level / st->scale));
        rectf(b, gx - S(d, 1), gy - S(d, 1), gw + S(d, 2), gh + S(d, 2), rgba(COL_INK, 255));
        rectf(b, gx, gy, gw, gh, rgba(st->short_on ? OI_VERMIL : C_WHITE, 255));
        rectf(b, gx, gy + gh * (1 - lv), gw, gh * lv, rgba(OI_GREEN, 255));
    }
    flush(d);
    memset(col, 0, sizeof col);
    for (int s = 0; s < h->nstocks; s++) {
        int p = h->stocks[s].place;
        const VStock *st = &f->stocks[s];
        int k = p < 512 ? col[p]++ : 0;
        int kind = h->places[p].kind;
        if (hidden(d, p)) continue;
        if (!st->short_on && kind != PLACE_FRONT && kind != PLACE_DEPOT) continue;
        /* One line per stock, in the order of the gauges. */
        float gx = (float)d->cur->px[p] + S(d, 10), gy = (float)d->cur->py[p] + S(d, 9) + (float)k * text_line(d->text, FONT_BOLD);
        char q[32], buf[64];
        if (st->short_on) {
            vstate_qty(st->unmet_rate, q, sizeof q);
            snprintf(buf, sizeof buf, "SHORT %s/day", q);
            text_draw(d->text, buf, FONT_BOLD, gx, gy, OI_VERMIL, ALIGN_LEFT, C_WHITE);
        } else {
            vstate_qty(st->level, q, sizeof q);
            text_draw(d->text, q, FONT_SMALL, gx, gy, COL_INK, ALIGN_LEFT, C_WHITE);
        }
    }
}

static void draw_place_labels(Draw *d)
{
    VertBatch *b = &d->b;
    for (int p = 0; p < d->h->nplaces; p++) {
        const LabelSpot *l = &d->cur->lab[p];
        if (!l->show || !l->leader) continue;
        float ex = fminf(fmaxf((float)d->cur->px[p], l->x), l->x + l->w);
        float ey = fminf(fmaxf((float)d->cur->py[p], l->y), l->y + l->h);
        seg(b, (float)d->cur->px[p], (float)d->cur->py[p], ex, ey, S(d, 1), rgba(COL_MUTED, 220));
    }
    flush(d);
    for (int p = 0; p < d->h->nplaces; p++) {
        const LabelSpot *l = &d->cur->lab[p];
        if (l->show) text_draw(d->text, d->cur->name[p], FONT_BOLD, l->x, l->y, COL_INK, ALIGN_LEFT, C_WHITE);
    }
}

/* --- panels ------------------------------------------------------------- */

#define WRAP_LEN 256
/* Break s into at most maxl lines no wider than maxw, at spaces; a word
 * wider than a line is cut with "…", and so is the last line if the text
 * runs on. Returns the number of lines. */
static int wrap(Draw *d, const char *s, int font, float maxw, char out[][WRAP_LEN], int maxl)
{
    int nl = 0;
    const char *p = s;
    while (*p && nl < maxl) {
        while (*p == ' ') p++;
        if (!*p) break;
        /* The longest run of whole words that fits. */
        size_t best = 0, len = 0;
        for (;;) {
            size_t w = len;
            while (p[w] == ' ') w++;
            while (p[w] && p[w] != ' ') w++;
            if (w >= WRAP_LEN - 4) break;
            char tmp[WRAP_LEN];
            memcpy(tmp, p, w);
            tmp[w] = '\0';
            float tw;
            text_size(d->text, tmp, font, &tw, NULL);
            if (tw > maxw) break;
            best = len = w;
            if (!p[w]) break;
        }
        int cut = 0;
        if (best == 0) {    /* one word too wide: cut it */
            best = strcspn(p, " ");
            if (best > WRAP_LEN - 4) best = WRAP_LEN - 4;
            cut = 1;
        }
        memcpy(out[nl], p, best);
        out[nl][best] = '\0';
        p += best;
        while (*p == ' ') p++;
        if (*p && nl == maxl - 1) cut = 1;
        if (cut) {
            /* Trim until the line and its ellipsis fit. */
            size_t l = strlen(out[nl]);
            for (;;) {
                char tmp[WRAP_LEN + 4];
                snprintf(tmp, sizeof tmp, "%s\u2026", out[nl]);
                float tw;
                text_size(d->text, tmp, font, &tw, NULL);
                if (tw <= maxw || l == 0) break;
                do l--; while (l > 0 && ((unsigned char)out[nl][l] & 0xC0) == 0x80);   /* whole UTF-8 characters */
                out[nl][l] = '\0';
            }
            size_t k = strlen(out[nl]);
            if (k + 4 < WRAP_LEN) memcpy(out[nl] + k, "\u2026", sizeof "\u2026");
        }
        nl++;
    }
    return nl;
}

static void panel_a(Draw *d, float x, float y, float w, float h, int alpha)
{
    fill_rect(d, x, y, w, h, C_PANEL, alpha);
    stroke_rect(d, x, y, w, h, 0x4A525C, 255);
}

static void panel(Draw *d, float x, float y, float w, float h)
{
    fill_rect(d, x, y, w, h, C_PANEL, 225);
    stroke_rect(d, x, y, w, h, 0x4A525C, 255);
}

static float treaty_title_lines(const Draw *d, int i)
{
    float tw;
    text_size(d->text, d->h->treaties[i].name, FONT_BOLD, &tw, NULL);
    float w = fminf(S(d, 430), d->main.r.w * 0.42f) - 2 * S(d, 10);
    return tw <= w ? 1.0f : 2.0f;
}

/* Each treaty's steps left to right in the order they happened, with
 * their full dates; the steps not reached follow, greyed, in their usual
 * order (signed, in force, triggered, honoured, declined). */
static void draw_treaty_panel(Draw *d, const VFrame *f)
{
    const TraceHeader *h = d->h;
    if (h->ntreaties == 0) return;
    float lh = text_line(d->text, FONT_NORMAL), pad = S(d, 10);
    SDL_FRect tr = treaty_rect(d);
    float w = tr.w, x = tr.x, y = tr.y;
    panel(d, x, y, w, tr.h);
    float cy = y + pad;
    static const char *const names[TREATY__COUNT] = { "Signed", "In force", "Triggered", "Honoured", "Declined" };
    for (int i = 0; i < h->ntreaties; i++) {
        char title[2][WRAP_LEN];
        int nt = wrap(d, h->treaties[i].name, FONT_BOLD, w - 2 * pad, title, (int)treaty_title_lines(d, i));
        for (int k = 0; k < nt; k++) {
            text_draw(d->text, title[k], FONT_BOLD, x + pad, cy, C_PANEL_FG, ALIGN_LEFT, NO_HALO);
            cy += text_line(d->text, FONT_BOLD);
        }
        cy += S(d, 4);
        const double *reached = &f->treaty_reached[(size_t)i * TREATY__COUNT];
        int order[TREATY__COUNT];
        vstate_treaty_order(f, i, order);
        float step = (w - 2 * pad) / TREATY__COUNT;
        VertBatch *b = &d->b;
        for (int k = 0; k < TREATY__COUNT; k++) {
            int s = order[k];
            float cx = x + pad + step * (k + 0.5f);
            int on = reached[s] >= 0, cur = f->treaty[i] == s;
            uint32_t c = s == TREATY_DECLINED ? OI_VERMIL : s == TREATY_HONOURED ? OI_GREEN : OI_SKY;
            if (k + 1 < TREATY__COUNT)
                seg(b, cx, cy + S(d, 6), cx + step, cy + S(d, 6), S(d, 2), rgba(0x5A636E, 255));
            if (cur) disc(b, cx, cy + S(d, 6), S(d, 8), rgba(C_WHITE, 255));
            disc(b, cx, cy + S(d, 6), S(d, 6), on ? rgba(c, 255) : rgba(0x3A424C, 255));
        }
        flush(d);
        for (int k = 0; k < TREATY__COUNT; k++) {
            int s = order[k];
            float cx = x + pad + step * (k + 0.5f);
            int on = reached[s] >= 0;
            text_draw(d->text, names[s], FONT_SMALL, cx, cy + S(d, 15), on ? C_PANEL_FG : 0x8A929C, ALIGN_CENTER,
                      NO_HALO);
            if (on) {
                char date[11];
                cal_format_t(h->start, reached[s], date);
                text_draw(d->text, date, FONT_SMALL, cx, cy + S(d, 15) + lh * 0.85f, 0xB8C0C8, ALIGN_CENTER,
                          NO_HALO);
            }
        }
        cy += lh * 1.75f + pad;
    }
}

static void draw_feed(Draw *d, const VFrame *f)
{
    size_t n = vstate_feed(d->vs, f->t, d->feed_idx, FEED_N);
    float lh = text_line(d->text, FONT_SMALL) + S(d, 2), pad = S(d, 8);
    SDL_FRect fr = feed_rect(d);
    float w = fr.w, hgt = fr.h, x = fr.x, y = fr.y;
    panel(d, x, y, w, hgt);
    SDL_Rect clip = { (int)x, (int)y, (int)(w - pad / 2), (int)hgt };
    SDL_RenderSetClipRect(d->ren, &clip);
    text_draw(d->text, "Recent events", FONT_BOLD, x + pad, y + pad - S(d, 1), C_PANEL_FG, ALIGN_LEFT, NO_HALO);
    /* Newest first; a long event wraps onto the next lines (up to 3), and
     * the feed shows as many events as fit in its FEED_N lines. */
    float col = x + pad + S(d, 80), tw = x + w - pad - col;
    int used = 0;
    for (size_t i = 0; i < n && used < FEED_N; i++) {
        char buf[256], date[11], lines[3][WRAP_LEN];
        const TraceRec *r = vstate_record(d->vs, d->feed_idx[i]);
        vstate_describe(d->vs, r, buf, sizeof buf);
        cal_format_t(d->h->start, r->t, date);
        int room = FEED_N - used < 3 ? FEED_N - used : 3;
        int nl = wrap(d, buf, FONT_SMALL, tw, lines, room);
        int age_a = i == 0 ? 0xFFFFFF : 0xC8CDD2;
        uint32_t dc = r->kind == TR_LOST || (r->kind == TR_LAUNCH && r->c != 0) ||
                              (r->kind == TR_SHORT && r->b == 1)
                          ? 0xF0A070u
                          : (uint32_t)age_a;
        float yy = y + pad + lh * (float)(used + 1);
        text_draw(d->text, date, FONT_SMALL, x + pad, yy, 0x9AA4AE, ALIGN_LEFT, NO_HALO);
        for (int k = 0; k < nl; k++)
            text_draw(d->text, lines[k], FONT_SMALL, col, yy + lh * (float)k, dc, ALIGN_LEFT, NO_HALO);
        used += nl > 0 ? nl : 1;
    }
    if (n == 0)
        text_draw(d->text, "Nothing yet.", FONT_SMALL, x + pad, y + pad + lh, 0x9AA4AE, ALIGN_LEFT, NO_HALO);
    clip = d->main.r;
    SDL_RenderSetClipRect(d->ren, &clip);
}

/* The legend: one row per symbol the scenario uses ("l" toggles it). */
static void draw_legend(Draw *d)
{
    SDL_FRect r = legend_rect(d);
    if (r.w <= 0) return;
    int kinds[PLACE__COUNT], modes[MODE__COUNT];
    legend_rows(d, kinds, modes);
    panel(d, r.x, r.y, r.w, r.h);
    float lh = text_line(d->text, FONT_SMALL) + S(d, 3), pad = S(d, 7);
    float sx = r.x + pad + S(d, 9), tx = r.x + pad + S(d, 26), y = r.y + pad;
    VertBatch *b = &d->b;
    const char *label[24];
    int nl = 0;
    static const char *const kname[PLACE__COUNT] = { "arsenal", "port", "rail hub", "depot", "front",
                                                     "launch site", "capital" };
    static const char *const mname[MODE__COUNT] = { "rail", "sea", "road", "air" };
    for (int k = 0; k < PLACE__COUNT; k++) {
        if (!kinds[k]) continue;
        float cy = y + lh * (float)nl + lh / 2;
        place_marker(d, k, sx, cy, S(d, 6.5f), rgba(COL_INK, 255));
        place_marker(d, k, sx, cy, S(d, 5.2f), rgba(0xB8BEC6, 255));
        label[nl++] = kname[k];
    }
    for (int k = 0; k < MODE__COUNT; k++) {
        if (!modes[k]) continue;
        float cy = y + lh * (float)nl + lh / 2;
        const float xs[2] = { sx - S(d, 10), sx + S(d, 10) }, ys[2] = { cy, cy };
        switch (k) {
        case MODE_SEA: dashed(b, xs, ys, 2, S(d, 2), S(d, 5), S(d, 3), rgba(OI_SKY, 255)); break;
        case MODE_RAIL:
            seg(b, xs[0], cy, xs[1], cy, S(d, 3.2f), rgba(0x0A0A0A, 255));
            dashed(b, xs, ys, 2, S(d, 1.4f), S(d, 4), S(d, 4), rgba(C_WHITE, 255));
            break;
        case MODE_ROAD:
            seg(b, xs[0], cy, xs[1], cy, S(d, 3.4f), rgba(0x7A5A1E, 255));
            seg(b, xs[0], cy, xs[1], cy, S(d, 1.6f), rgba(OI_ORANGE, 255));
            break;
        default: dashed(b, xs, ys, 2, S(d, 2), S(d, 2), S(d, 4), rgba(OI_PURPLE, 255)); break;
        }
        label[nl++] = mname[k];
    }
    float cy = y + lh * (float)nl + lh / 2;
    rectf(b, sx - S(d, 7), cy - S(d, 3), S(d, 14), S(d, 6), rgba(COL_INK, 255));
    rectf(b, sx - S(d, 6), cy - S(d, 2), S(d, 12), S(d, 4), rgba(OI_ORANGE, 255));
    label[nl++] = "carrier, loaded";
    cy += lh;
    rectf(b, sx - S(d, 5), cy - S(d, 3), S(d, 10), S(d, 6), rgba(COL_INK, 255));
    rectf(b, sx - S(d, 4), cy - S(d, 2), S(d, 8), S(d, 4), rgba(C_WHITE, 255));
    label[nl++] = "carrier, empty";
    cy += lh;
    float k = S(d, 4);
    seg(b, sx - k, cy - k, sx + k, cy + k, S(d, 2.5f), rgba(OI_VERMIL, 255));
    seg(b, sx - k, cy + k, sx + k, cy - k, S(d, 2.5f), rgba(OI_VERMIL, 255));
    label[nl++] = "carrier lost";
    cy += lh;
    rectf(b, sx - S(d, 4), cy - lh / 2 + S(d, 1), S(d, 8), lh - S(d, 2), rgba(C_WHITE, 255));
    rectf(b, sx - S(d, 4), cy, S(d, 8), lh / 2 - S(d, 1), rgba(OI_GREEN, 255));
    label[nl++] = "stock (red: short)";
    flush(d);
    for (int i = 0; i < nl; i++)
        text_draw(d->text, label[i], FONT_SMALL, tx, y + lh * (float)i, C_PANEL_FG, ALIGN_LEFT, NO_HALO);
}

static void draw_hud(Draw *d, const VFrame *f, const DrawUI *ui)
{
    const TraceHeader *h = d->h;
    float hh = S(d, HUD_H);
    fill_rect(d, 0, 0, (float)d->w, hh, C_PANEL, 245);
    char date[11], buf[256], q[128], q2[128];
    cal_format_t(h->start, f->t, date);
    int y, m, dd;
    cal_civil(h->start + (int64_t)floor(f->t), &y, &m, &dd);
    static const char *const mon[12] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
    snprintf(buf, sizeof buf, "%d %s %d", dd, mon[(m - 1) % 12], y);
    float x = S(d, 12);
    float ty = (hh - text_line(d->text, FONT_TITLE)) / 2;
    x += text_draw(d->text, buf, FONT_TITLE, x, ty, C_WHITE, ALIGN_LEFT, NO_HALO) + S(d, 10);
    snprintf(buf, sizeof buf, "day %.0f of %.0f", floor(f->t), h->end);
    float sy = (hh - text_line(d->text, FONT_SMALL)) / 2;
    x += text_draw(d->text, buf, FONT_SMALL, x, sy, 0x9AA4AE, ALIGN_LEFT, NO_HALO) + S(d, 18);
    if (ui->speed >= 1) snprintf(buf, sizeof buf, "%s %.0f days/s", ui->playing ? "\u25B6" : "\u25AE\u25AE", ui->speed);
    else snprintf(buf, sizeof buf, "%s %.1f days/s", ui->playing ? "\u25B6" : "\u25AE\u25AE", ui->speed);
    if (ui->decision) snprintf(buf, sizeof buf, "\u25AE\u25AE your decision");
    x += text_draw(d->text, buf, FONT_BOLD, x, (hh - text_line(d->text, FONT_BOLD)) / 2,
                   ui->decision ? OI_ORANGE : ui->playing ? OI_SKY : 0xC8CDD2, ALIGN_LEFT, NO_HALO) + S(d, 22);

    /* Key metrics: each resource in its own unit, never summed. */
    int any_short = 0;
    for (int s = 0; s < h->nstocks; s++) any_short |= f->stocks[s].short_on;
    struct { const char *label; char value[160]; uint32_t color; } met[4];
    vstate_by_resource(h, f->delivered, met[0].value, sizeof met[0].value);
    met[0].label = "Delivered";
    met[0].color = C_WHITE;
    vstate_by_resource(h, f->lost, q, sizeof q);
    snprintf(met[1].value, sizeof met[1].value, "%s (%d)", f->tot.losses ? q : "0", f->tot.losses);
    met[1].label = "Lost";
    met[1].color = f->tot.losses ? 0xF0A070u : C_WHITE;
    vstate_by_resource(h, f->shortfall, q2, sizeof q2);
    snprintf(met[2].value, sizeof met[2].value, "%s%s", q2, any_short ? " \u25BC now" : "");
    met[2].label = "Shortfall";
    met[2].color = any_short ? 0xF0A070u : C_WHITE;
    snprintf(met[3].value, sizeof met[3].value, "%d orbit, %d failed", f->tot.launches_ok, f->tot.launches_failed);
    met[3].label = "Launches";
    met[3].color = C_WHITE;
    for (int i = 0; i < 4; i++) {
        float lw = text_draw(d->text, met[i].label, FONT_SMALL, x, S(d, 5), 0x9AA4AE, ALIGN_LEFT, NO_HALO);
        float vw = text_draw(d->text, met[i].value, FONT_BOLD, x, S(d, 21), met[i].color, ALIGN_LEFT, NO_HALO);
        x += fmaxf(lw, vw) + S(d, 22);
    }
    snprintf(buf, sizeof buf, "%s%s \u00B7 seed %llu \u00B7 h: help", ui->can_rechoose ? "c: choose again from here \u00B7 " : "",
             ui->mode ? ui->mode : "replay", (unsigned long long)ui->seed);
    text_draw(d->text, buf, FONT_SMALL, (float)d->w - S(d, 12), S(d, 5), 0x9AA4AE, ALIGN_RIGHT, NO_HALO);
    text_draw(d->text, h->scenario, FONT_SMALL, (float)d->w - S(d, 12), S(d, 23), 0x9AA4AE, ALIGN_RIGHT, NO_HALO);
}

static float tl_x(const Draw *d, double t)
{
    float x0 = d->tlr.x + S(d, 16), x1 = d->tlr.x + d->tlr.w - S(d, 16);
    double end = d->h->end > 0 ? d->h->end : 1;
    return x0 + (float)(fmin(fmax(t / end, 0), 1)) * (x1 - x0);
}

static void draw_timeline(Draw *d, const VFrame *f, const DrawUI *ui)
{
    const TraceHeader *h = d->h;
    float y0 = (float)d->tlr.y, hh = (float)d->tlr.h;
    fill_rect(d, 0, y0, (float)d->w, hh, C_PANEL, 245);
    float ay = y0 + hh * 0.58f;           /* the axis */
    float xs = tl_x(d, 0), xe = tl_x(d, h->end), xp = tl_x(d, f->t);
    VertBatch *b = &d->b;
    rectf(b, xs, ay - S(d, 2), xe - xs, S(d, 4), rgba(0x4A525C, 255));
    rectf(b, xs, ay - S(d, 2), xp - xs, S(d, 4), rgba(OI_SKY, 255));
    if (ui->sim_done < h->end && ui->sim_done > 0) {
        float xd = tl_x(d, ui->sim_done);
        rectf(b, xd, ay - S(d, 6), xe - xd, S(d, 12), rgba(0x2A3038, 230));
    }
    /* Month ticks. */
    int y, m, dd;
    cal_civil(h->start, &y, &m, &dd);
    int64_t day = cal_epoch_day(y, m, 1);
    for (int k = 0; k < 1200; k++) {
        double t = (double)(day - h->start);
        if (t > h->end) break;
        if (t >= 0) {
            float x = tl_x(d, t);
            int jan = m == 1;
            rectf(b, x, ay + S(d, 3), S(d, 1), S(d, jan ? 12 : 6), rgba(jan ? 0xC8CDD2 : 0x7A838E, 255));
        }
        if (++m > 12) { m = 1; y++; }
        day = cal_epoch_day(y, m, 1);
    }
    /* Event markers. */
    const VMarker *mk;
    size_t nm = vstate_markers(d->vs, &mk);
    float my = ay - S(d, 12);
    for (size_t i = 0; i < nm; i++) {
        float x = tl_x(d, mk[i].t), r = S(d, 4);
        switch (mk[i].kind) {
        case VM_LAUNCH_OK:
            tri(b, x, my - r * 1.4f, x + r, my + r * 0.6f, x - r, my + r * 0.6f, rgba(OI_SKY, 255));
            break;
        case VM_LAUNCH_FAIL:
            seg(b, x - r, my - r, x + r, my + r, S(d, 2.2f), rgba(OI_VERMIL, 255));
            seg(b, x - r, my + r, x + r, my - r, S(d, 2.2f), rgba(OI_VERMIL, 255));
            break;
        case VM_TREATY: {
            const float px[4] = { x, x + r, x, x - r }, py[4] = { my - r - S(d, 8), my - S(d, 8), my + r - S(d, 8), my - S(d, 8) };
            quad(b, px, py, rgba(OI_BLUE, 255));
            const float px2[4] = { x, x + r * 0.6f, x, x - r * 0.6f }, py2[4] = { my - r * 0.6f - S(d, 8), my - S(d, 8), my + r * 0.6f - S(d, 8), my - S(d, 8) };
            quad(b, px2, py2, rgba(OI_SKY, 255));
            break;
        }
        case VM_DECISION:
            disc(b, x, my - S(d, 16), r, rgba(OI_PURPLE, 255));
            break;
        case VM_LOSS:
            disc(b, x, ay + S(d, 12), S(d, 2.5f), rgba(OI_VERMIL, 255));
            break;
        case VM_SHORT:
            rectf(b, x, ay + S(d, 8), S(d, 1.5f), S(d, 8), rgba(OI_ORANGE, 255));
            break;
        case VM_TROOPS:
            tri(b, x - r, my + S(d, 10), x + r, my + S(d, 10), x, my + S(d, 3), rgba(OI_GREEN, 255));
            break;
        default:
            rectf(b, x - S(d, 0.75f), my - S(d, 2), S(d, 1.5f), S(d, 8), rgba(0xB0B8C0, 255));
            break;
        }
    }
    /* The playhead. */
    rectf(b, xp - S(d, 1), y0 + S(d, 4), S(d, 2), hh - S(d, 8), rgba(C_WHITE, 255));
    tri(b, xp - S(d, 7), y0 + S(d, 2), xp + S(d, 7), y0 + S(d, 2), xp, y0 + S(d, 10), rgba(C_WHITE, 255));
    flush(d);
    /* Year labels at January ticks (and at the start). */
    cal_civil(h->start, &y, &m, &dd);
    char buf[16];
    snprintf(buf, sizeof buf, "%d", y);
    text_draw(d->text, buf, FONT_SMALL, xs, ay + S(d, 9), 0xC8CDD2, ALIGN_LEFT, NO_HALO);
    for (int yy = y + 1; yy < y + 60; yy++) {
        double t = (double)(cal_epoch_day(yy, 1, 1) - h->start);
        if (t > h->end) break;
        snprintf(buf, sizeof buf, "%d", yy);
        float tw;
        text_size(d->text, buf, FONT_SMALL, &tw, NULL);
        if (tl_x(d, t) + S(d, 3) + tw > d->w - S(d, 2)) break;
        text_draw(d->text, buf, FONT_SMALL, tl_x(d, t) + S(d, 3), ay + S(d, 9), 0xC8CDD2, ALIGN_LEFT, NO_HALO);
    }
}

static void draw_place_panel(Draw *d, const VFrame *f, int p)
{
    const TraceHeader *h = d->h;
    const TracePlace *pl = &h->places[p];
    char lines[16][160];
    int n = 0;
    snprintf(lines[n++], 160, "%s, %s", trace_place_kind_name((PlaceKind)pl->kind),
             pl->actor >= 0 ? h->actors[pl->actor].name : "no owner");
    for (int s = 0; s < h->nstocks && n < 8; s++) {
        if (h->stocks[s].place != p) continue;
        const VStock *st = &f->stocks[s];
        char a[32], c[32], sh[32];
        vstate_qty(st->level, a, sizeof a);
        vstate_qty(st->capacity, c, sizeof c);
        vstate_qty(st->shortfall, sh, sizeof sh);
        int res = h->stocks[s].resource;
        const char *unit = res >= 0 ? h->resources[res].unit : "";
        const char *what = res >= 0 ? h->resources[res].name : h->stocks[s].id;
        if (isfinite(st->capacity) && st->capacity > 0)
            snprintf(lines[n++], 160, "%s: %s of %s %s%s", what, a, c, unit, st->short_on ? " (SHORT)" : "");
        else
            snprintf(lines[n++], 160, "%s: %s %s%s", what, a, unit, st->short_on ? " (SHORT)" : "");
        if (st->shortfall > 0) snprintf(lines[n++], 160, "  shortfall so far: %s %s", sh, unit);
    }
    /* History: arrivals and departures here so far (O(records) — only while
     * the panel is open). */
    double in = 0, out = 0;
    int nin = 0, nout = 0;
    const TraceRec *last[4];
    int nlast = 0;
    for (size_t i = f->nrecs; i-- > 0;) {
        const TraceRec *r = vstate_record(d->vs, i);
        int here = 0;
        if (r->kind == TR_ARRIVE && h->routes[r->b].to == p) { in += r->x; nin++; here = 1; }
        else if (r->kind == TR_DEPART && h->routes[r->b].from == p) { out += r->x; nout++; here = 1; }
        else if (r->kind == TR_TROOPS && (r->b == p || r->c == p)) here = 1;
        else if (r->kind == TR_LAUNCH && h->programmes[r->a].place == p) here = 1;
        else if ((r->kind == TR_SHORT) && h->stocks[r->a].place == p) here = 1;
        if (here && nlast < 4) last[nlast++] = r;
    }
    char a[32], b2[32];
    vstate_qty(in, a, sizeof a);
    vstate_qty(out, b2, sizeof b2);
    snprintf(lines[n++], 160, "Arrivals: %d (%s)   departures: %d (%s)", nin, a, nout, b2);
    for (int i = 0; i < nlast && n < 15; i++) {
        char buf[200], date[11];
        vstate_describe(d->vs, last[i], buf, sizeof buf);
        cal_format_t(h->start, last[i]->t, date);
        snprintf(lines[n++], 160, "%s  %.130s", date, buf);
    }
    float lh = text_line(d->text, FONT_SMALL) + S(d, 2), pad = S(d, 9);
    float w = S(d, 20);
    for (int i = 0; i < n; i++) {
        float tw;
        text_size(d->text, lines[i], FONT_SMALL, &tw, NULL);
        if (tw + 2 * pad > w) w = tw + 2 * pad;
    }
    float hh = pad * 2 + text_line(d->text, FONT_BOLD) + lh * n;
    float x = (float)d->cur->px[p] + S(d, 30), y = (float)d->cur->py[p] - hh / 2;
    if (x + w > d->cur->r.x + d->cur->r.w) x = (float)d->cur->px[p] - S(d, 30) - w;
    if (y < d->cur->r.y + S(d, 4)) y = d->cur->r.y + S(d, 4);
    if (y + hh > d->cur->r.y + d->cur->r.h) y = d->cur->r.y + d->cur->r.h - hh;
    panel(d, x, y, w, hh);
    text_draw(d->text, pl->name, FONT_BOLD, x + pad, y + pad, C_WHITE, ALIGN_LEFT, NO_HALO);
    for (int i = 0; i < n; i++)
        text_draw(d->text, lines[i], FONT_SMALL, x + pad, y + pad + text_line(d->text, FONT_BOLD) + lh * i,
                  i == 0 ? 0x9AA4AE : C_PANEL_FG, ALIGN_LEFT, NO_HALO);
}

static void draw_decision(Draw *d, const DrawDecision *dec)
{
    float pad = S(d, 14), bh = S(d, 34);
    int n = dec->noptions < 8 ? dec->noptions : 8;
    /* As wide as the question or the longest option needs, within the window. */
    float w = S(d, 460), tw;
    text_size(d->text, dec->name, FONT_LARGE, &tw, NULL);
    if (tw + 2 * pad > w) w = tw + 2 * pad;
    for (int i = 0; i < n; i++) {
        text_size(d->text, dec->options[i], FONT_BOLD, &tw, NULL);
        if (tw + 2 * pad + S(d, 48) > w) w = tw + 2 * pad + S(d, 48);
    }
    for (int i = 0; i < dec->nnotes; i++) {
        text_size(d->text, dec->notes[i], FONT_SMALL, &tw, NULL);
        if (tw + 2 * pad > w) w = tw + 2 * pad;
    }
    if (w > d->w - S(d, 40)) w = d->w - S(d, 40);
    float nh = dec->nnotes ? text_line(d->text, FONT_SMALL) * (float)dec->nnotes + pad : 0;
    float hh = pad * 3 + text_line(d->text, FONT_LARGE) + text_line(d->text, FONT_NORMAL) + nh + n * (bh + S(d, 8));
    float x = (d->w - w) / 2, y = d->cur->r.y + (d->cur->r.h - hh) / 2;
    fill_rect(d, 0, (float)d->cur->r.y, (float)d->w, (float)d->cur->r.h, 0x000000, 70);
    panel_a(d, x, y, w, hh, 250);
    char buf[256];
    snprintf(buf, sizeof buf, "%s decides", dec->actor ? dec->actor : "");
    text_draw(d->text, buf, FONT_NORMAL, x + pad, y + pad, 0x9AA4AE, ALIGN_LEFT, NO_HALO);
    text_draw(d->text, dec->name, FONT_LARGE, x + pad, y + pad + text_line(d->text, FONT_NORMAL), C_WHITE, ALIGN_LEFT,
              NO_HALO);
    float by = y + pad * 2 + text_line(d->text, FONT_LARGE) + text_line(d->text, FONT_NORMAL);
    for (int i = 0; i < dec->nnotes; i++)
        text_draw(d->text, dec->notes[i], FONT_SMALL, x + pad, by + text_line(d->text, FONT_SMALL) * (float)i,
                  dec->notes[i][0] == ' ' ? 0x9AA4AE : C_PANEL_FG, ALIGN_LEFT, NO_HALO);
    by += nh;
    d->nopt_rect = n;
    for (int i = 0; i < n; i++) {
        SDL_Rect r = { (int)(x + pad), (int)by, (int)(w - 2 * pad), (int)bh };
        d->opt_rect[i] = r;
        fill_rect(d, (float)r.x, (float)r.y, (float)r.w, (float)r.h, i == dec->hover ? OI_BLUE : 0x2E353D, 255);
        stroke_rect(d, (float)r.x, (float)r.y, (float)r.w, (float)r.h, 0x6A737E, 255);
        snprintf(buf, sizeof buf, "%d   %s", i + 1, dec->options[i]);
        text_draw(d->text, buf, FONT_BOLD, r.x + S(d, 12), r.y + (bh - text_line(d->text, FONT_BOLD)) / 2, C_WHITE,
                  ALIGN_LEFT, NO_HALO);
        by += bh + S(d, 8);
    }
}

/* At the end of the run: the outcome in numbers, the choices that led to
 * it, and the previous run's numbers beside them when there was one. */
static void draw_end(Draw *d, const VFrame *f, const DrawUI *ui)
{
    const TraceHeader *h = d->h;
    char lines[24][420];
    uint32_t col[24];
    int n = 0;
    char a[128], b[128], c[128];
    vstate_by_resource(h, f->delivered, a, sizeof a);
    vstate_by_resource(h, f->lost, b, sizeof b);
    vstate_by_resource(h, f->shortfall, c, sizeof c);
    snprintf(lines[n], sizeof lines[n], "Delivered %s; lost %s; shortfall %s", a, b, c);
    col[n++] = C_WHITE;
    vstate_qty(f->tot.troops, a, sizeof a);
    snprintf(lines[n], sizeof lines[n], "Launches: %d in orbit, %d failed.  Troops sent: %s", f->tot.launches_ok,
             f->tot.launches_failed, a);
    col[n++] = C_WHITE;
    if (ui->previous) {
        const VTotals *p = ui->previous;
        vstate_qty(ui->previous_delivered, a, sizeof a);
        /* The previous run's totals mix resources: its shortfall is shown
         * only when there is one resource to count. */
        vstate_qty(p->shortfall, c, sizeof c);
        const char *unit = h->nresources > 0 ? h->resources[0].unit : "";
        if (h->nresources <= 1)
            snprintf(lines[n], sizeof lines[n], "Previous run: delivered %s %s, shortfall %s, launches %d in orbit, %d failed",
                     a, unit, c, p->launches_ok, p->launches_failed);
        else
            snprintf(lines[n], sizeof lines[n], "Previous run: delivered %s %s, launches %d in orbit, %d failed", a, unit,
                     p->launches_ok, p->launches_failed);
        col[n++] = 0x9AA4AE;
    }
    int nd = 0;
    for (size_t i = 0; i < vstate_count(d->vs) && n < 20; i++) {
        const TraceRec *r = vstate_record(d->vs, i);
        if (r->kind != TR_DECISION) continue;
        if (nd++ == 0) {
            snprintf(lines[n], sizeof lines[n], "Decisions:");
            col[n++] = 0x9AA4AE;
        }
        char date[11];
        cal_format_t(h->start, r->t, date);
        const TraceDecisionDef *dd = &h->decisions[r->a];
        snprintf(lines[n], sizeof lines[n], "  %s  %s: %s (%s)", date, dd->name, dd->options[r->b], r->c ? "you" : "policy");
        col[n++] = C_PANEL_FG;
    }
    snprintf(lines[n], sizeof lines[n], "Home: watch again   \u2190: step back   r: new seed%s",
             ui->mode && !strcmp(ui->mode, "play") ? "   c at an earlier time: choose again" : "");
    col[n++] = OI_SKY;
    float lh = text_line(d->text, FONT_NORMAL) + S(d, 3), pad = S(d, 14), w = S(d, 300);
    for (int i = 0; i < n; i++) {
        float tw;
        text_size(d->text, lines[i], FONT_NORMAL, &tw, NULL);
        if (tw + 2 * pad > w) w = tw + 2 * pad;
    }
    float hh = pad * 2 + text_line(d->text, FONT_LARGE) + S(d, 6) + lh * n;
    SDL_FRect tr = treaty_rect(d);
    float x = (d->w - w) / 2, y = tr.y + tr.h + S(d, 12);
    panel_a(d, x, y, w, hh, 240);
    char title[96];
    snprintf(title, sizeof title, "End of the run \u2014 seed %llu", (unsigned long long)ui->seed);
    text_draw(d->text, title, FONT_LARGE, x + pad, y + pad, C_WHITE, ALIGN_LEFT, NO_HALO);
    for (int i = 0; i < n; i++)
        text_draw(d->text, lines[i], FONT_NORMAL, x + pad, y + pad + text_line(d->text, FONT_LARGE) + S(d, 6) + lh * i,
                  col[i], ALIGN_LEFT, NO_HALO);
}

static void draw_help(Draw *d)
{
    static const char *const keys[][2] = {
        { "Space", "play / pause" },
        { "+  /  -", "faster / slower (1 day/s to a year in 10 s)" },
        { "\u2190  /  \u2192", "previous / next event" },
        { "Home  /  End", "start / end of the run" },
        { "r", "new seed (re-simulate)" },
        { "1 - 9", "answer a decision (play mode)" },
        { "click a place", "its stocks and history" },
        { "drag the timeline", "scrub backward and forward" },
        { "wheel / drag map", "zoom / pan;  0 resets the map" },
        { "s", "save a screenshot (PNG)" },
        { "l", "legend of symbols on / off" },
        { "h  or  ?", "this help" },
        { "q  or  Esc", "quit" },
    };
    int n = sizeof keys / sizeof keys[0];
    float lh = text_line(d->text, FONT_NORMAL) + S(d, 4), pad = S(d, 16);
    float w = S(d, 500), hh = pad * 2 + text_line(d->text, FONT_LARGE) + S(d, 8) + lh * n + lh * 3.5f;
    float x = (d->w - w) / 2, y = d->cur->r.y + (d->cur->r.h - hh) / 2;
    panel_a(d, x, y, w, hh, 250);
    text_draw(d->text, "Keys", FONT_LARGE, x + pad, y + pad, C_WHITE, ALIGN_LEFT, NO_HALO);
    float yy = y + pad + text_line(d->text, FONT_LARGE) + S(d, 8);
    for (int i = 0; i < n; i++) {
        text_draw(d->text, keys[i][0], FONT_BOLD, x + pad, yy, OI_SKY, ALIGN_LEFT, NO_HALO);
        text_draw(d->text, keys[i][1], FONT_NORMAL, x + pad + S(d, 170), yy, C_PANEL_FG, ALIGN_LEFT, NO_HALO);
        yy += lh;
    }
    yy += lh * 0.5f;
    text_draw(d->text, "Markers: \u2605 capital  \u25CF port  \u25C6 rail hub  \u25A0 depot  \u25B2 front",
              FONT_SMALL, x + pad, yy, C_PANEL_FG, ALIGN_LEFT, NO_HALO);
    yy += lh;
    text_draw(d->text, "Routes: dashed blue = sea, black-and-white = rail, orange = road",
              FONT_SMALL, x + pad, yy, C_PANEL_FG, ALIGN_LEFT, NO_HALO);
    yy += lh;
    text_draw(d->text, "Gauges: green = stock level, red = shortfall;  \u2716 = carrier lost",
              FONT_SMALL, x + pad, yy, C_PANEL_FG, ALIGN_LEFT, NO_HALO);
}

/* --- the frame ------------------------------------------------------------ */

static int in_pane(const Pane *p, float x, float y)
{
    return x >= p->r.x && x < p->r.x + p->r.w && y >= p->r.y && y < p->r.y + p->r.h;
}

static void pane_places(Draw *d, Pane *p)
{
    for (int i = 0; i < d->h->nplaces; i++)
        proj_fwd(&p->proj, d->h->places[i].lat, d->h->places[i].lon, &p->px[i], &p->py[i]);
}

/* The inset: the crowded corner enlarged, with the supply moving in it. */
static void draw_inset(Draw *d, const VFrame *f, const DrawUI *ui)
{
    Pane *in = &d->inset, *m = &d->main;
    /* On the main map, a frame around the region the inset enlarges. */
    double x0, y0, x1, y1, x2, y2, x3, y3;
    proj_fwd(&m->proj, in->lat0, in->lon0, &x0, &y0);
    proj_fwd(&m->proj, in->lat1, in->lon1, &x1, &y1);
    proj_fwd(&m->proj, in->lat1, in->lon0, &x2, &y2);
    proj_fwd(&m->proj, in->lat0, in->lon1, &x3, &y3);
    float fx0 = (float)fmin(fmin(x0, x1), fmin(x2, x3)), fx1 = (float)fmax(fmax(x0, x1), fmax(x2, x3));
    float fy0 = (float)fmin(fmin(y0, y1), fmin(y2, y3)), fy1 = (float)fmax(fmax(y0, y1), fmax(y2, y3));
    SDL_Rect clip = m->r;
    SDL_RenderSetClipRect(d->ren, &clip);
    stroke_rect(d, fx0, fy0, fx1 - fx0, fy1 - fy0, COL_INK, 200);
    /* Leader lines from the frame to the inset's nearer corners. */
    float ix = (float)in->r.x, iy = (float)in->r.y, iw = (float)in->r.w, ih = (float)in->r.h;
    float lx0 = fx1 < ix ? fx1 : fx0, lx1 = fx1 < ix ? ix : ix + iw;
    set_color(d->ren, COL_INK, 120);
    SDL_RenderDrawLineF(d->ren, lx0, fy0, lx1, iy);
    SDL_RenderDrawLineF(d->ren, lx0, fy1, lx1, iy + ih);

    d->cur = in;
    pane_places(d, in);
    if (in->labels_dirty) place_labels(d);
    fill_rect(d, ix - S(d, 2), iy - S(d, 2), iw + S(d, 4), ih + S(d, 4), COL_INK, 255);
    clip = in->r;
    SDL_RenderSetClipRect(d->ren, &clip);
    draw_base(d);
    draw_routes(d, f);
    draw_losses(d, f);
    draw_carriers(d, f);
    draw_places(d, f, ui);
    draw_place_labels(d);
    char title[96];
    snprintf(title, sizeof title, "enlarged \u00D7%.0f", in->proj.scale / m->proj.scale);
    text_draw(d->text, title, FONT_SMALL, ix + iw - S(d, 6), iy + S(d, 4), COL_MUTED, ALIGN_RIGHT, C_WHITE);
    d->cur = m;
    clip = m->r;
    SDL_RenderSetClipRect(d->ren, &clip);
}

void draw_frame(Draw *d, const DrawUI *ui)
{
    const VFrame *f = ui->frame;
    assert(f && f->t == ui->t);     /* computed by the caller, for this time */
    Pane *m = &d->main;
    d->cur = m;
    d->nnotes = 0;
    pane_places(d, m);
    if (m->labels_dirty) place_labels(d);

    set_color(d->ren, C_SEA, 255);
    SDL_RenderClear(d->ren);
    SDL_Rect clip = m->r;
    SDL_RenderSetClipRect(d->ren, &clip);
    draw_base(d);
    draw_routes(d, f);
    draw_troops(d, f);
    draw_losses(d, f);
    draw_carriers(d, f);
    /* Launch animations last a few seconds of playback, at least 3 days. */
    double window = ui->still ? 4.0 : fmax(3.0, ui->speed * 2.5);
    draw_places(d, f, ui);
    draw_launches(d, f, window);
    draw_place_labels(d);
    if (d->inset.on) draw_inset(d, f, ui);
    draw_treaty_panel(d, f);
    draw_feed(d, f);
    draw_legend(d);
    if (ui->selected >= 0 && ui->selected < d->h->nplaces) draw_place_panel(d, f, ui->selected);
    SDL_RenderSetClipRect(d->ren, NULL);
    draw_hud(d, f, ui);
    draw_timeline(d, f, ui);
    d->nopt_rect = 0;
    if (ui->decision && !ui->help) draw_decision(d, ui->decision);
    else if (!ui->help && !ui->playing && !ui->still && ui->t >= d->h->end - 1e-9)
        draw_end(d, f, ui);
    if (ui->help) draw_help(d);
    if (ui->status) {
        float tw;
        text_size(d->text, ui->status, FONT_BOLD, &tw, NULL);
        SDL_FRect fr = feed_rect(d);
        float sh = text_line(d->text, FONT_BOLD) + S(d, 10);
        float x = fr.x, y = fr.y - sh - S(d, 6);
        panel_a(d, x, y, tw + S(d, 20), sh, 240);
        text_draw(d->text, ui->status, FONT_BOLD, x + S(d, 10), y + S(d, 5), C_WHITE, ALIGN_LEFT, NO_HALO);
    }
}

/* --- hit tests ------------------------------------------------------------- */

int draw_in_map(const Draw *d, float x, float y)
{
    return in_pane(&d->main, x, y) && !(d->inset.on && in_pane(&d->inset, x, y));
}

static int hit_in(const Draw *d, const Pane *p, float x, float y)
{
    int best = -1;
    double bd = S(d, 12) * S(d, 12);
    for (int i = 0; i < d->h->nplaces; i++) {
        double dx = p->px[i] - x, dy = p->py[i] - y, dd = dx * dx + dy * dy;
        if (dd < bd) { bd = dd; best = i; }
    }
    for (int i = 0; best < 0 && i < d->h->nplaces; i++) {
        const LabelSpot *l = &p->lab[i];
        if (l->show && x >= l->x && x < l->x + l->w && y >= l->y && y < l->y + l->h) best = i;
    }
    return best;
}

int draw_hit_place(const Draw *d, float x, float y)
{
    if (d->inset.on && in_pane(&d->inset, x, y)) return hit_in(d, &d->inset, x, y);
    return in_pane(&d->main, x, y) ? hit_in(d, &d->main, x, y) : -1;
}

double draw_timeline_time(const Draw *d, float x)
{
    float x0 = tl_x(d, 0), x1 = tl_x(d, d->h->end);
    double u = x1 > x0 ? (x - x0) / (x1 - x0) : 0;
    return fmin(fmax(u, 0), 1) * d->h->end;
}

int draw_hit_timeline(const Draw *d, float x, float y, double *t)
{
    if (y < d->tlr.y || y >= d->tlr.y + d->tlr.h) return 0;
    *t = draw_timeline_time(d, x);
    return 1;
}

int draw_hit_option(const Draw *d, float x, float y)
{
    for (int i = 0; i < d->nopt_rect; i++) {
        const SDL_Rect *r = &d->opt_rect[i];
        if (x >= r->x && x < r->x + r->w && y >= r->y && y < r->y + r->h) return i;
    }
    return -1;
}
