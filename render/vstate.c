/* vstate.c — trace + time → picture state: see vstate.h.
 *
 * Index built by vstate_create (all O(n) or O(n log n), once):
 *   trips     one per DEPART (and per empty return leg), sorted by start;
 *             a query scans only trips that started within `maxdur` days
 *             before t, found by binary search.
 *   series    per stock / treaty / route: the indices of its records, in
 *             CSR form (off[i]..off[i+1] into one idx array); "the last
 *             record at or before t" is a binary search.
 *   totals    running totals checkpointed every CHECK records; a query
 *             starts from the checkpoint below t and adds < CHECK records.
 *   news      indices of the records a person would call events.
 */
#include "vstate.h"

#include "narrate.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK 128
#define MAX_LOSSES_SHOWN 512

typedef struct Trip {
    double t0, t1;
    double cargo, lost_frac;
    int carrier, route, resource;
    int state;          /* VC_LOADED / VC_RETURNING */
    int end;            /* TR_ARRIVE, TR_LOST, or -1 (not closed) */
} Trip;

typedef struct Series { size_t *off, *idx; } Series;

typedef struct Cum {
    VTotals tot;        /* shortfall field unused here */
} Cum;

struct VState {
    const TraceHeader *h;
    const TraceRec *r;
    size_t n;

    Trip *trips;
    size_t ntrips;
    double maxdur;

    /* Route polylines: route i has points [roff[i], roff[i+1]) of rlat/rlon,
     * with rcum the cumulative distance normalised to 0..1. */
    size_t *roff;
    double *rlat, *rlon, *rcum;

    Series stock_lvl, stock_short, treaty, route;
    size_t *losses, nloss;      /* record indices of LOST */
    size_t *launch, nlaunch;
    size_t *troop, ntroop;
    size_t *news, nnews;
    double *stock_max;          /* highest level per stock over the trace */
    VMarker *markers;
    size_t nmarkers;

    Cum *cum;                   /* cum[k] = totals over records [0, k*CHECK) */
    double *cum_res;            /* [k * nres + res] delivered */
    size_t ncum;

    VFrame f;                   /* the answer buffers */
};

/* --- helpers ------------------------------------------------------------ */

static size_t upper_t(const TraceRec *r, size_t n, double t)
{
    size_t lo = 0, hi = n;   /* first index with r.t > t */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (r[mid].t <= t) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

/* Position (count) within idx[lo, hi) of the records with time <= t. */
static size_t upper_idx(const TraceRec *r, const size_t *idx, size_t lo, size_t hi, double t)
{
    size_t a = lo, b = hi;
    while (a < b) {
        size_t mid = a + (b - a) / 2;
        if (r[idx[mid]].t <= t) a = mid + 1;
        else b = mid;
    }
    return a;
}

/* Index of the last record of entity e with time <= t, or (size_t)-1. */
static size_t last_at(const VState *vs, const Series *s, int e, double t)
{
    size_t lo = s->off[e], hi = s->off[e + 1];
    size_t p = upper_idx(vs->r, s->idx, lo, hi, t);
    return p > lo ? s->idx[p - 1] : (size_t)-1;
}

/* Group records of the given kinds by their operand `a` into a Series. */
static int build_series(VState *vs, Series *s, int nent, int k1, int k2)
{
    s->off = calloc((size_t)nent + 2, sizeof *s->off);
    if (!s->off) return -1;
    size_t total = 0;
    for (size_t i = 0; i < vs->n; i++) {
        const TraceRec *r = &vs->r[i];
        if ((r->kind == k1 || r->kind == k2) && r->a >= 0 && r->a < nent) {
            s->off[r->a + 1]++;
            total++;
        }
    }
    for (int e = 0; e < nent; e++) s->off[e + 1] += s->off[e];
    s->idx = malloc((total + 1) * sizeof *s->idx);
    size_t *fill = calloc((size_t)nent + 1, sizeof *fill);
    if (!s->idx || !fill) { free(fill); return -1; }
    for (size_t i = 0; i < vs->n; i++) {
        const TraceRec *r = &vs->r[i];
        if ((r->kind == k1 || r->kind == k2) && r->a >= 0 && r->a < nent)
            s->idx[s->off[r->a] + fill[r->a]++] = i;
    }
    free(fill);
    return 0;
}

static void free_series(Series *s)
{
    free(s->off);
    free(s->idx);
}

static int newsworthy(int kind)
{
    return kind != TR_STOCK && kind != TR_DEPART && kind != TR_ARRIVE && kind != TR_RETURN;
}

static int by_start(const void *a, const void *b)
{
    const Trip *x = a, *y = b;
    if (x->t0 != y->t0) return x->t0 < y->t0 ? -1 : 1;
    if (x->carrier != y->carrier) return x->carrier - y->carrier;
    return x->state - y->state;
}

/* Local distance in degrees of latitude (longitude shrunk by cos lat). */
static double dist(double la0, double lo0, double la1, double lo1)
{
    double c = cos((la0 + la1) * 0.5 * M_PI / 180.0);
    double dx = (lo1 - lo0) * c, dy = la1 - la0;
    return sqrt(dx * dx + dy * dy);
}

static int build_routes(VState *vs)
{
    const TraceHeader *h = vs->h;
    vs->roff = calloc((size_t)h->nroutes + 1, sizeof *vs->roff);
    if (!vs->roff) return -1;
    size_t total = 0;
    for (int i = 0; i < h->nroutes; i++) {
        total += (size_t)h->routes[i].npts + 2;
        vs->roff[i + 1] = total;
    }
    vs->rlat = malloc((total + 1) * sizeof *vs->rlat);
    vs->rlon = malloc((total + 1) * sizeof *vs->rlon);
    vs->rcum = malloc((total + 1) * sizeof *vs->rcum);
    if (!vs->rlat || !vs->rlon || !vs->rcum) return -1;
    for (int i = 0; i < h->nroutes; i++) {
        const TraceRoute *rt = &h->routes[i];
        size_t o = vs->roff[i], k = o;
        vs->rlat[k] = h->places[rt->from].lat;
        vs->rlon[k++] = h->places[rt->from].lon;
        for (int p = 0; p < rt->npts; p++) {
            vs->rlat[k] = rt->lat[p];
            vs->rlon[k++] = rt->lon[p];
        }
        vs->rlat[k] = h->places[rt->to].lat;
        vs->rlon[k++] = h->places[rt->to].lon;
        double acc = 0;
        vs->rcum[o] = 0;
        for (size_t j = o + 1; j < k; j++) {
            acc += dist(vs->rlat[j - 1], vs->rlon[j - 1], vs->rlat[j], vs->rlon[j]);
            vs->rcum[j] = acc;
        }
        for (size_t j = o; j < k; j++)
            vs->rcum[j] = acc > 0 ? vs->rcum[j] / acc : (double)(j - o) / (double)(k - o - 1);
    }
    return 0;
}

static int build_trips(VState *vs)
{
    const TraceHeader *h = vs->h;
    size_t cap = 1;
    for (size_t i = 0; i < vs->n; i++)
        if (vs->r[i].kind == TR_DEPART || vs->r[i].kind == TR_RETURN) cap++;
    vs->trips = malloc(cap * sizeof *vs->trips);
    long *open = malloc(((size_t)h->ncarriers + 1) * sizeof *open);       /* open trip */
    long *arrived = malloc(((size_t)h->ncarriers + 1) * sizeof *arrived); /* last arrived trip */
    if (!vs->trips || !open || !arrived) { free(open); free(arrived); return -1; }
    for (int c = 0; c < h->ncarriers; c++) open[c] = arrived[c] = -1;
    size_t nt = 0;
    for (size_t i = 0; i < vs->n; i++) {
        const TraceRec *r = &vs->r[i];
        if (r->a < 0 || r->a >= h->ncarriers) continue;
        if (r->kind == TR_DEPART) {
            Trip *t = &vs->trips[nt];
            t->t0 = r->t;
            t->t1 = isfinite(r->y) && r->y > r->t ? r->y : r->t + 1;
            t->cargo = r->x;
            t->lost_frac = 1;
            t->carrier = r->a;
            t->route = r->b;
            t->resource = r->c;
            t->state = VC_LOADED;
            t->end = -1;
            open[r->a] = (long)nt++;
            arrived[r->a] = -1;
        } else if ((r->kind == TR_ARRIVE || r->kind == TR_LOST) && open[r->a] >= 0) {
            Trip *t = &vs->trips[open[r->a]];
            t->t1 = r->t > t->t0 ? r->t : t->t0 + 1e-9;
            t->end = r->kind;
            if (r->kind == TR_LOST) {
                t->lost_frac = isfinite(r->y) ? fmin(1, fmax(0, r->y)) : 0.5;
            } else {
                arrived[r->a] = open[r->a];
            }
            open[r->a] = -1;
        } else if (r->kind == TR_RETURN && arrived[r->a] >= 0) {
            const Trip *a = &vs->trips[arrived[r->a]];
            if (r->t > a->t1) {
                Trip *t = &vs->trips[nt++];
                *t = *a;
                t->t0 = a->t1;
                t->t1 = r->t;
                t->cargo = 0;
                t->state = VC_RETURNING;
                t->end = TR_RETURN;
            }
            arrived[r->a] = -1;
        }
    }
    free(open);
    free(arrived);
    vs->ntrips = nt;
    qsort(vs->trips, nt, sizeof *vs->trips, by_start);
    vs->maxdur = 0;
    for (size_t i = 0; i < nt; i++)
        if (vs->trips[i].t1 - vs->trips[i].t0 > vs->maxdur) vs->maxdur = vs->trips[i].t1 - vs->trips[i].t0;
    return 0;
}

static void add_rec(const TraceHeader *h, VTotals *t, double *res, int nres, const TraceRec *r)
{
    switch (r->kind) {
    case TR_DEPART: t->departed += r->x; t->trips++; break;
    case TR_ARRIVE:
        if (isfinite(r->y)) t->duds += r->y;
        /* Count a round once, where it ends up: on a final route, the
         * engine's own flag (sim/load_supply.c, route_final). */
        if (r->b >= 0 && r->b < h->nroutes && !h->routes[r->b].final) break;
        t->delivered += r->x;
        if (res && r->c >= 0 && r->c < nres) res[r->c] += r->x;
        break;
    case TR_LOST: t->lost += r->x; t->losses++; break;
    case TR_LAUNCH: if (r->c == 0) t->launches_ok++; else t->launches_failed++; break;
    case TR_DECISION: t->decisions++; break;
    case TR_TROOPS: t->troops += r->x; break;
    default: break;
    }
}

static int build_totals(VState *vs)
{
    int nres = vs->h->nresources;
    vs->ncum = vs->n / CHECK + 1;
    vs->cum = calloc(vs->ncum, sizeof *vs->cum);
    vs->cum_res = calloc(vs->ncum * (size_t)(nres + 1), sizeof *vs->cum_res);
    if (!vs->cum || !vs->cum_res) return -1;
    VTotals run = { 0 };
    double *res = calloc((size_t)nres + 1, sizeof *res);
    if (!res) return -1;
    for (size_t i = 0; i < vs->n; i++) {
        if (i % CHECK == 0) {
            vs->cum[i / CHECK].tot = run;
            memcpy(&vs->cum_res[(i / CHECK) * (size_t)nres], res, sizeof *res * (size_t)nres);
        }
        add_rec(vs->h, &run, res, nres, &vs->r[i]);
    }
    if (vs->n % CHECK == 0) {
        vs->cum[vs->n / CHECK].tot = run;
        memcpy(&vs->cum_res[(vs->n / CHECK) * (size_t)nres], res, sizeof *res * (size_t)nres);
    }
    free(res);
    return 0;
}

static size_t *collect(const VState *vs, int kind, size_t *count)
{
    size_t n = 0;
    for (size_t i = 0; i < vs->n; i++) n += vs->r[i].kind == kind;
    size_t *v = malloc((n + 1) * sizeof *v);
    if (!v) return NULL;
    n = 0;
    for (size_t i = 0; i < vs->n; i++)
        if (vs->r[i].kind == kind) v[n++] = i;
    *count = n;
    return v;
}

static int marker_kind(const TraceRec *r)
{
    switch (r->kind) {
    case TR_LAUNCH: return r->c == 0 ? VM_LAUNCH_OK : VM_LAUNCH_FAIL;
    case TR_TREATY: return VM_TREATY;
    case TR_DECISION: return VM_DECISION;
    case TR_LOST: return VM_LOSS;
    case TR_EVENT: return VM_EVENT;
    case TR_TROOPS: return VM_TROOPS;
    case TR_ROUTE: return VM_ROUTE;
    case TR_SHORT: return r->b == 1 ? VM_SHORT : -1;
    default: return -1;
    }
}

/* --- public ------------------------------------------------------------ */

VState *vstate_create(const TraceHeader *h, const TraceRec *recs, size_t n)
{
    VState *vs = calloc(1, sizeof *vs);
    if (!vs) return NULL;
    vs->h = h;
    vs->r = recs;
    vs->n = n;
    if (build_routes(vs) || build_trips(vs) || build_totals(vs)) goto err;
    if (build_series(vs, &vs->stock_lvl, h->nstocks, TR_STOCK, TR_STOCK) ||
        build_series(vs, &vs->stock_short, h->nstocks, TR_SHORT, TR_SHORT) ||
        build_series(vs, &vs->treaty, h->ntreaties, TR_TREATY, TR_TREATY) ||
        build_series(vs, &vs->route, h->nroutes, TR_ROUTE, TR_ROUTE))
        goto err;
    vs->losses = collect(vs, TR_LOST, &vs->nloss);
    vs->launch = collect(vs, TR_LAUNCH, &vs->nlaunch);
    vs->troop = collect(vs, TR_TROOPS, &vs->ntroop);
    if (!vs->losses || !vs->launch || !vs->troop) goto err;
    vs->stock_max = calloc((size_t)h->nstocks + 1, sizeof *vs->stock_max);
    if (!vs->stock_max) goto err;
    for (int s = 0; s < h->nstocks; s++) vs->stock_max[s] = isfinite(h->stocks[s].initial) ? h->stocks[s].initial : 0;
    for (size_t i = 0; i < n; i++)
        if (recs[i].kind == TR_STOCK && isfinite(recs[i].x) && recs[i].x > vs->stock_max[recs[i].a])
            vs->stock_max[recs[i].a] = recs[i].x;
    vs->news = malloc((n + 1) * sizeof *vs->news);
    vs->markers = malloc((n + 1) * sizeof *vs->markers);
    if (!vs->news || !vs->markers) goto err;
    for (size_t i = 0; i < n; i++) {
        if (!newsworthy(recs[i].kind)) continue;
        vs->news[vs->nnews++] = i;
        int mk = marker_kind(&recs[i]);
        if (mk >= 0) {
            VMarker m = { recs[i].t, mk, i };
            vs->markers[vs->nmarkers++] = m;
        }
    }

    VFrame *f = &vs->f;
    f->carriers = malloc((vs->ntrips + 1) * sizeof *f->carriers);
    f->losses = malloc((MAX_LOSSES_SHOWN + 1) * sizeof *f->losses);
    f->launches = malloc((vs->nlaunch + 1) * sizeof *f->launches);
    f->troops = malloc((vs->ntroop + 1) * sizeof *f->troops);
    f->stocks = calloc((size_t)h->nstocks + 1, sizeof *f->stocks);
    f->treaty = calloc((size_t)h->ntreaties + 1, sizeof *f->treaty);
    f->treaty_since = calloc((size_t)h->ntreaties + 1, sizeof *f->treaty_since);
    f->treaty_reached = calloc((size_t)h->ntreaties * TREATY__COUNT + 1, sizeof *f->treaty_reached);
    f->route_open = calloc((size_t)h->nroutes + 1, sizeof *f->route_open);
    f->delivered = calloc((size_t)h->nresources + 1, sizeof *f->delivered);
    f->lost = calloc((size_t)h->nresources + 1, sizeof *f->lost);
    f->shortfall = calloc((size_t)h->nresources + 1, sizeof *f->shortfall);
    if (!f->carriers || !f->losses || !f->launches || !f->troops || !f->stocks || !f->treaty ||
        !f->treaty_since || !f->treaty_reached || !f->route_open || !f->delivered || !f->lost || !f->shortfall)
        goto err;
    return vs;
err:
    vstate_destroy(vs);
    return NULL;
}

void vstate_destroy(VState *vs)
{
    if (!vs) return;
    free(vs->trips);
    free(vs->roff);
    free(vs->rlat);
    free(vs->rlon);
    free(vs->rcum);
    free_series(&vs->stock_lvl);
    free_series(&vs->stock_short);
    free_series(&vs->treaty);
    free_series(&vs->route);
    free(vs->losses);
    free(vs->launch);
    free(vs->troop);
    free(vs->news);
    free(vs->stock_max);
    free(vs->markers);
    free(vs->cum);
    free(vs->cum_res);
    VFrame *f = &vs->f;
    free(f->carriers);
    free(f->losses);
    free(f->launches);
    free(f->troops);
    free(f->stocks);
    free(f->treaty);
    free(f->treaty_since);
    free(f->treaty_reached);
    free(f->route_open);
    free(f->delivered);
    free(f->lost);
    free(f->shortfall);
    free(vs);
}

int vstate_treaty_order(const VFrame *f, int treaty, int order[TREATY__COUNT])
{
    const double *reached = &f->treaty_reached[(size_t)treaty * TREATY__COUNT];
    int no = 0;
    for (int s = 0; s < TREATY__COUNT; s++)
        if (reached[s] >= 0) {
            int j = no++;
            while (j > 0 && reached[order[j - 1]] > reached[s]) { order[j] = order[j - 1]; j--; }
            order[j] = s;
        }
    int nreached = no;
    for (int s = 0; s < TREATY__COUNT; s++)
        if (reached[s] < 0) order[no++] = s;
    return nreached;
}

int vstate_by_resource(const TraceHeader *h, const double *v, char *buf, size_t n)
{
    size_t len = 0;
    int shown = 0;
    buf[0] = '\0';
    for (int k = 0; k < h->nresources; k++) {
        if (!(v[k] != 0)) continue;
        char q[32];
        vstate_qty(v[k], q, sizeof q);
        int w = snprintf(buf + len, len < n ? n - len : 0, "%s%s %s", shown ? " \u00B7 " : "", q,
                         h->resources[k].unit ? h->resources[k].unit : "");
        if (w > 0) len += (size_t)w;
        if (len >= n) len = n - 1;
        shown++;
    }
    if (!shown)
        snprintf(buf, n, "0 %s", h->nresources > 0 && h->resources[0].unit ? h->resources[0].unit : "");
    return shown;
}

size_t vstate_count(const VState *vs) { return vs->n; }
const TraceRec *vstate_record(const VState *vs, size_t i) { return &vs->r[i]; }

void vstate_route_point(const VState *vs, int r, double f, double *lat, double *lon)
{
    size_t lo = vs->roff[r], hi = vs->roff[r + 1] - 1;
    if (f <= 0) { *lat = vs->rlat[lo]; *lon = vs->rlon[lo]; return; }
    if (f >= 1) { *lat = vs->rlat[hi]; *lon = vs->rlon[hi]; return; }
    /* The segment [j-1, j] with rcum[j-1] <= f < rcum[j]. */
    size_t a = lo + 1, b = hi;
    while (a < b) {
        size_t mid = a + (b - a) / 2;
        if (vs->rcum[mid] <= f) a = mid + 1;
        else b = mid;
    }
    size_t j = a;
    double seg = vs->rcum[j] - vs->rcum[j - 1];
    double u = seg > 0 ? (f - vs->rcum[j - 1]) / seg : 0;
    *lat = vs->rlat[j - 1] + u * (vs->rlat[j] - vs->rlat[j - 1]);
    *lon = vs->rlon[j - 1] + u * (vs->rlon[j] - vs->rlon[j - 1]);
}

/* Carriers under way at t: trips with t0 <= t < t1; only those started in
 * the last maxdur days can still be under way. */
static void frame_carriers(VState *vs, VFrame *f, double t)
{
    f->ncarriers = 0;
    size_t end = 0, lo = 0, hi = vs->ntrips;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (vs->trips[mid].t0 <= t) lo = mid + 1;
        else hi = mid;
    }
    end = lo;
    for (size_t i = end; i-- > 0;) {
        const Trip *tp = &vs->trips[i];
        if (tp->t0 < t - vs->maxdur) break;
        if (t >= tp->t1) continue;
        double u = (t - tp->t0) / (tp->t1 - tp->t0);
        VCarrier *c = &f->carriers[f->ncarriers++];
        c->carrier = tp->carrier;
        c->route = tp->route;
        c->resource = tp->resource;
        c->state = tp->state;
        c->doomed = tp->end == TR_LOST;
        c->cargo = tp->state == VC_LOADED ? tp->cargo : 0;
        c->frac = tp->state == VC_RETURNING ? 1 - u : u * tp->lost_frac;
        vstate_route_point(vs, c->route, c->frac, &c->lat, &c->lon);
        double la0, lo0, la1, lo1;
        vstate_route_point(vs, c->route, c->frac - 0.002, &la0, &lo0);
        vstate_route_point(vs, c->route, c->frac + 0.002, &la1, &lo1);
        double s = tp->state == VC_RETURNING ? -1 : 1;
        c->dlat = s * (la1 - la0);
        c->dlon = s * (lo1 - lo0);
    }
}

/* Losses so far, the newest MAX_LOSSES_SHOWN. */
static void frame_losses(VState *vs, VFrame *f, double t)
{
    size_t nl = 0;
    while (nl < vs->nloss && vs->r[vs->losses[nl]].t <= t) nl++;
    size_t first = nl > MAX_LOSSES_SHOWN ? nl - MAX_LOSSES_SHOWN : 0;
    f->nlosses = 0;
    for (size_t i = first; i < nl; i++) {
        const TraceRec *r = &vs->r[vs->losses[i]];
        VLoss *l = &f->losses[f->nlosses++];
        l->carrier = r->a;
        l->route = r->b;
        l->resource = r->c;
        l->t = r->t;
        l->age = t - r->t;
        l->cargo = r->x;
        vstate_route_point(vs, r->b, isfinite(r->y) ? r->y : 0.5, &l->lat, &l->lon);
    }
}

/* Launches and troop movements begun by t. */
static void frame_launches_troops(VState *vs, VFrame *f, double t)
{
    f->nlaunches = 0;
    for (size_t i = 0; i < vs->nlaunch && vs->r[vs->launch[i]].t <= t; i++) {
        const TraceRec *r = &vs->r[vs->launch[i]];
        VLaunch *l = &f->launches[f->nlaunches++];
        l->programme = r->a;
        l->attempt = r->b;
        l->outcome = r->c;
        l->p = r->x;
        l->t = r->t;
        l->age = t - r->t;
    }
    f->ntroops = 0;
    for (size_t i = 0; i < vs->ntroop && vs->r[vs->troop[i]].t <= t; i++) {
        const TraceRec *r = &vs->r[vs->troop[i]];
        VTroops *m = &f->troops[f->ntroops++];
        m->actor = r->a;
        m->from = r->b;
        m->to = r->c;
        m->troops = r->x;
        m->t0 = r->t;
        m->t1 = isfinite(r->y) && r->y > r->t ? r->y : r->t;
        m->frac = t >= m->t1 ? 1 : (t - m->t0) / (m->t1 - m->t0);
    }
}

/* Each stock's level and shortfall at t, and per resource what was lost
 * and what fell short. Returns the shortfall of all stocks. */
static double frame_stocks(VState *vs, VFrame *f, double t)
{
    const TraceHeader *h = vs->h;
    double short_total = 0;
    for (int k = 0; k < h->nresources; k++) f->shortfall[k] = f->lost[k] = 0;
    /* O(losses so far): losses are few (tens), unlike records. */
    for (size_t i = 0; i < vs->nloss && vs->r[vs->losses[i]].t <= t; i++) {
        const TraceRec *r = &vs->r[vs->losses[i]];
        if (r->c >= 0 && r->c < h->nresources) f->lost[r->c] += r->x;
    }
    for (int s = 0; s < h->nstocks; s++) {
        VStock *st = &f->stocks[s];
        size_t il = last_at(vs, &vs->stock_lvl, s, t);
        size_t is = last_at(vs, &vs->stock_short, s, t);
        st->capacity = h->stocks[s].capacity;
        st->scale = isfinite(st->capacity) && st->capacity > 0 ? st->capacity
                  : vs->stock_max[s] > 0 ? vs->stock_max[s] : 1;
        st->level = il != (size_t)-1 ? vs->r[il].x : h->stocks[s].initial;
        st->short_on = is != (size_t)-1 && vs->r[is].b == 1;
        st->unmet_rate = st->short_on ? vs->r[is].x : 0;
        /* The later of the two records carries the newer cumulative figure. */
        size_t last = il == (size_t)-1 ? is : is == (size_t)-1 ? il : (il > is ? il : is);
        st->shortfall = last != (size_t)-1 && isfinite(vs->r[last].y) ? vs->r[last].y : 0;
        if (st->short_on) {
            st->level = 0;
            st->shortfall += st->unmet_rate * (t - vs->r[last].t);
        }
        short_total += st->shortfall;
        int res = h->stocks[s].resource;
        if (res >= 0 && res < h->nresources) f->shortfall[res] += st->shortfall;
    }
    return short_total;
}

/* Each treaty's status at t and when each status was first reached; each
 * route open or closed. */
static void frame_treaties_routes(VState *vs, VFrame *f, double t)
{
    const TraceHeader *h = vs->h;
    for (int i = 0; i < h->ntreaties; i++) {
        size_t k = last_at(vs, &vs->treaty, i, t);
        f->treaty[i] = k != (size_t)-1 ? vs->r[k].b : -1;
        f->treaty_since[i] = k != (size_t)-1 ? vs->r[k].t : 0;
        double *reached = &f->treaty_reached[(size_t)i * TREATY__COUNT];
        for (int s = 0; s < TREATY__COUNT; s++) reached[s] = -1;
        for (size_t j = vs->treaty.off[i]; j < vs->treaty.off[i + 1]; j++) {
            const TraceRec *r = &vs->r[vs->treaty.idx[j]];
            if (r->t > t) break;
            if (reached[r->b] < 0) reached[r->b] = r->t;
        }
    }
    for (int i = 0; i < h->nroutes; i++) {
        size_t k = last_at(vs, &vs->route, i, t);
        f->route_open[i] = k != (size_t)-1 ? vs->r[k].b : 1;
    }
}

/* The running totals over the f->nrecs records: from the checkpoint below,
 * plus fewer than CHECK records. */
static void frame_totals(VState *vs, VFrame *f, double short_total)
{
    const TraceHeader *h = vs->h;
    size_t ck = f->nrecs / CHECK;
    f->tot = vs->cum[ck].tot;
    int nres = h->nresources;
    memcpy(f->delivered, &vs->cum_res[ck * (size_t)nres], sizeof *f->delivered * (size_t)nres);
    for (size_t i = ck * CHECK; i < f->nrecs; i++) add_rec(vs->h, &f->tot, f->delivered, nres, &vs->r[i]);
    f->tot.shortfall = short_total;
}

const VFrame *vstate_at(VState *vs, double t)
{
    VFrame *f = &vs->f;
    f->t = t;
    f->nrecs = upper_t(vs->r, vs->n, t);
    frame_carriers(vs, f, t);
    frame_losses(vs, f, t);
    frame_launches_troops(vs, f, t);
    double short_total = frame_stocks(vs, f, t);
    frame_treaties_routes(vs, f, t);
    frame_totals(vs, f, short_total);
    return f;
}

size_t vstate_markers(const VState *vs, const VMarker **out)
{
    *out = vs->markers;
    return vs->nmarkers;
}

size_t vstate_feed(const VState *vs, double t, size_t *idx, size_t max)
{
    size_t p = upper_idx(vs->r, vs->news, 0, vs->nnews, t), k = 0;
    while (p > 0 && k < max) idx[k++] = vs->news[--p];
    return k;
}

double vstate_step(const VState *vs, double t, int dir)
{
    if (dir > 0) {
        size_t p = upper_idx(vs->r, vs->news, 0, vs->nnews, t);
        return p < vs->nnews ? vs->r[vs->news[p]].t : t;
    }
    /* Last newsworthy record strictly before t. */
    size_t a = 0, b = vs->nnews;
    while (a < b) {
        size_t mid = a + (b - a) / 2;
        if (vs->r[vs->news[mid]].t < t) a = mid + 1;
        else b = mid;
    }
    return a > 0 ? vs->r[vs->news[a - 1]].t : t;
}

void vstate_qty(double v, char *buf, size_t n) { narrate_qty(v, buf, n); }

int vstate_describe(const VState *vs, const TraceRec *r, char *buf, size_t n)
{
    return narrate_record(vs->h, r, buf, n);
}
