/* test_view_state.c — the view's SDL-free parts: the view state (trace +
 * time → what is where), the projection, the base map asset and the
 * polygon fill. Nothing here opens a window. */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#ifdef SALVO_HAVE_VIEW
#include "basemap.h"
#include "proj.h"
#include "raster.h"
#include "vstate.h"
#include "testutil.h"

/* A tiny world on the equator, where a degree of longitude is a degree of
 * latitude, so distances along routes are easy to check by hand:
 *   place A (0,0) --route 0, via (0,10)--> place B (10,10), 20 degrees long.
 */
static const TraceActor ACTORS[] = { { "r", "Russia", 0x0072b2 }, { "k", "North Korea", 0xd55e00 } };
static const TracePlace PLACES[] = {
    { "a", "Alpha", PLACE_PORT, 1, 0, 0 },
    { "b", "Bravo", PLACE_FRONT, 0, 10, 10 },
    { "s", "Site", PLACE_LAUNCH_SITE, 1, -5, 0 },
};
static const double WLAT[] = { 0 }, WLON[] = { 10 };
static const TraceRoute ROUTES[] = { { "ab", "Alpha–Bravo", MODE_SEA, 0, 1, 1, WLAT, WLON, 1 } };
static const TraceCarrier CARRIERS[] = { { "s1", "Ship One", 0, 1000 }, { "s2", "Ship Two", 0, 1000 } };
static const TraceResource RES[] = { { "shells", "shells", "rounds" } };
static const TraceStock STOCKS[] = { { "front", 1, 0, 500, 2000 } };
static const TraceNamed TREATIES[] = { { "t", "The Treaty", 0, 0 } };
static const TraceNamed PROGS[] = { { "p", "Sat", 1, 2 } };
static const TraceNamed EVENTS[] = { { "e", "Something happens", -1, -1 } };
static const char *const OPTS[] = { "Yes", "No" };
static const TraceDecisionDef DECS[] = { { "d", "Go?", 1, 2, OPTS } };

static TraceHeader tiny_header(void)
{
    TraceHeader h = { 0 };
    h.scenario = "tiny";
    h.start = 19600;
    h.end = 100;
    h.nactors = 2; h.actors = ACTORS;
    h.nplaces = 3; h.places = PLACES;
    h.nroutes = 1; h.routes = ROUTES;
    h.ncarriers = 2; h.carriers = CARRIERS;
    h.nresources = 1; h.resources = RES;
    h.nstocks = 1; h.stocks = STOCKS;
    h.ntreaties = 1; h.treaties = TREATIES;
    h.nprogrammes = 1; h.programmes = PROGS;
    h.nevents = 1; h.events = EVENTS;
    h.ndecisions = 1; h.decisions = DECS;
    return h;
}

static const TraceRec TINY[] = {
    { 0, TR_STOCK, 0, -1, -1, 500, 0 },
    { 10, TR_DEPART, 0, 0, 0, 800, 20 },    /* Ship One: 10 → 20 */
    { 10, TR_DEPART, 1, 0, 0, 600, 20 },    /* Ship Two: lost at t 14, 40% of the way */
    { 12, TR_TREATY, 0, TREATY_SIGNED, -1, 0, 0 },
    { 14, TR_LOST, 1, 0, 0, 600, 0.4 },
    { 15, TR_SHORT, 0, 1, -1, 50, 0 },      /* front dry from 15, 50/day unmet */
    { 18, TR_LAUNCH, 0, 1, 2, 0.4, 0 },     /* failed at stage 2 */
    { 20, TR_ARRIVE, 0, 0, 0, 700, 100 },
    { 20, TR_SHORT, 0, 0, -1, 0, 250 },
    { 20, TR_STOCK, 0, -1, -1, 700, 250 },
    { 22, TR_ROUTE, 0, 0, -1, 0, 0 },
    { 25, TR_TREATY, 0, TREATY_IN_FORCE, -1, 0, 0 },
    { 26, TR_DECISION, 0, 0, 1, 0, 0 },
    { 27, TR_TROOPS, 1, 0, 1, 1500, 37 },
    { 30, TR_RETURN, 0, 0, -1, 0, 0 },      /* Ship One back at Alpha at 30 */
    { 31, TR_ROUTE, 0, 1, -1, 0, 0 },
    { 40, TR_LAUNCH, 0, 2, 0, 0.6, 0 },
    { 50, TR_EVENT, 0, -1, -1, 0, 0 },
    { 100, TR_END, -1, -1, -1, 0, 0 },
};
#define NTINY (sizeof TINY / sizeof TINY[0])

static TraceHeader H;
static VState *vs;

static void tiny_setup(void)
{
    H = tiny_header();
    char why[128];
    for (size_t i = 0; i < NTINY; i++) ck_assert_msg(trace_rec_valid(&H, &TINY[i], why, sizeof why), "%s", why);
    vs = vstate_create(&H, TINY, NTINY);
    ck_assert_ptr_nonnull(vs);
}

static void tiny_teardown(void) { vstate_destroy(vs); vs = NULL; }

static const VCarrier *find_carrier(const VFrame *f, int c)
{
    for (size_t i = 0; i < f->ncarriers; i++)
        if (f->carriers[i].carrier == c) return &f->carriers[i];
    return NULL;
}

#define NEAR(a, b) ck_assert_msg(fabs((a) - (b)) < 1e-9, "%s = %.12g, expected %.12g", #a, (double)(a), (double)(b))

START_TEST(route_points_by_distance)
{
    double la, lo;
    vstate_route_point(vs, 0, 0, &la, &lo);
    NEAR(la, 0); NEAR(lo, 0);
    vstate_route_point(vs, 0, 1, &la, &lo);
    NEAR(la, 10); NEAR(lo, 10);
    vstate_route_point(vs, 0, 0.25, &la, &lo);    /* halfway along the first leg */
    NEAR(la, 0); NEAR(lo, 5);
    vstate_route_point(vs, 0, 0.5, &la, &lo);     /* the waypoint */
    NEAR(la, 0); NEAR(lo, 10);
}
END_TEST

START_TEST(carrier_halfway_through_transit)
{
    const VFrame *f = vstate_at(vs, 15);          /* Ship One: 10 → 20, half way */
    const VCarrier *c = find_carrier(f, 0);
    ck_assert_ptr_nonnull(c);
    NEAR(c->frac, 0.5);
    NEAR(c->lat, 0); NEAR(c->lon, 10);            /* at the waypoint, by distance */
    NEAR(c->cargo, 800);
    ck_assert_int_eq(c->state, VC_LOADED);
    ck_assert(c->dlon > 0 || c->dlat > 0);        /* heading on towards Bravo */
    f = vstate_at(vs, 17.5);                      /* three quarters: up the second leg */
    c = find_carrier(f, 0);
    NEAR(c->lat, 5); NEAR(c->lon, 10);
    ck_assert(c->dlat > 0);
}
END_TEST

START_TEST(carrier_gone_after_arrival_then_returns_empty)
{
    const VFrame *f = vstate_at(vs, 20);
    ck_assert_ptr_nonnull(find_carrier(f, 0));    /* the return leg starts at once */
    ck_assert_int_eq(find_carrier(f, 0)->state, VC_RETURNING);
    f = vstate_at(vs, 25);
    const VCarrier *c = find_carrier(f, 0);
    ck_assert_ptr_nonnull(c);
    ck_assert_int_eq(c->state, VC_RETURNING);
    NEAR(c->frac, 0.5);
    NEAR(c->cargo, 0);
    ck_assert(c->dlon < 0 || c->dlat < 0);        /* heading back */
    f = vstate_at(vs, 30);
    ck_assert_ptr_null(find_carrier(f, 0));
}
END_TEST

START_TEST(lost_carrier_stops_where_it_was_lost)
{
    const VFrame *f = vstate_at(vs, 12);          /* half of its 4 days, of 40% of the way */
    const VCarrier *c = find_carrier(f, 1);
    ck_assert_ptr_nonnull(c);
    NEAR(c->frac, 0.2);
    ck_assert(c->doomed);
    ck_assert_uint_eq(f->nlosses, 0);
    f = vstate_at(vs, 14);
    ck_assert_ptr_null(find_carrier(f, 1));
    ck_assert_uint_eq(f->nlosses, 1);
    NEAR(f->losses[0].lat, 0); NEAR(f->losses[0].lon, 8);   /* 40% of 20 degrees */
    NEAR(f->losses[0].cargo, 600);
    f = vstate_at(vs, 64);
    NEAR(f->losses[0].age, 50);
    ck_assert_ptr_null(find_carrier(f, 1));       /* a lost ship never returns */
}
END_TEST

START_TEST(stock_steps_and_shortfall_grows)
{
    const VFrame *f = vstate_at(vs, 5);
    NEAR(f->stocks[0].level, 500);
    ck_assert_int_eq(f->stocks[0].short_on, 0);
    f = vstate_at(vs, 17);
    ck_assert_int_eq(f->stocks[0].short_on, 1);
    NEAR(f->stocks[0].level, 0);
    NEAR(f->stocks[0].shortfall, 100);            /* 2 days at 50/day */
    NEAR(f->stocks[0].unmet_rate, 50);
    NEAR(f->tot.shortfall, 100);
    f = vstate_at(vs, 21);
    ck_assert_int_eq(f->stocks[0].short_on, 0);
    NEAR(f->stocks[0].level, 700);
    NEAR(f->stocks[0].shortfall, 250);
    NEAR(f->stocks[0].capacity, 2000);
}
END_TEST

START_TEST(statuses_follow_the_last_record)
{
    const VFrame *f = vstate_at(vs, 11);
    ck_assert_int_eq(f->treaty[0], -1);
    ck_assert_int_eq(f->route_open[0], 1);
    f = vstate_at(vs, 23);
    ck_assert_int_eq(f->treaty[0], TREATY_SIGNED);
    NEAR(f->treaty_since[0], 12);
    ck_assert_int_eq(f->route_open[0], 0);
    f = vstate_at(vs, 31);
    ck_assert_int_eq(f->treaty[0], TREATY_IN_FORCE);
    ck_assert_int_eq(f->route_open[0], 1);
}
END_TEST

START_TEST(launches_and_troops)
{
    const VFrame *f = vstate_at(vs, 19);
    ck_assert_uint_eq(f->nlaunches, 1);
    ck_assert_int_eq(f->launches[0].outcome, 2);
    NEAR(f->launches[0].age, 1);
    ck_assert_int_eq(f->tot.launches_failed, 1);
    ck_assert_int_eq(f->tot.launches_ok, 0);
    f = vstate_at(vs, 32);
    ck_assert_uint_eq(f->ntroops, 1);
    NEAR(f->troops[0].frac, 0.5);
    NEAR(f->troops[0].troops, 1500);
    f = vstate_at(vs, 45);
    NEAR(f->troops[0].frac, 1);
    ck_assert_int_eq(f->tot.launches_ok, 1);
    ck_assert_uint_eq(f->nlaunches, 2);
}
END_TEST

START_TEST(totals_at_time)
{
    const VFrame *f = vstate_at(vs, 19.99);
    NEAR(f->tot.delivered, 0);
    NEAR(f->tot.lost, 600);
    NEAR(f->tot.departed, 1400);
    f = vstate_at(vs, 20);
    NEAR(f->tot.delivered, 700);
    NEAR(f->delivered[0], 700);
    NEAR(f->tot.duds, 100);
    ck_assert_int_eq(f->tot.losses, 1);
    ck_assert_int_eq(f->tot.decisions, 0);
    f = vstate_at(vs, 1000);
    ck_assert_int_eq(f->tot.decisions, 1);
    NEAR(f->tot.troops, 1500);
    ck_assert_uint_eq(f->nrecs, NTINY);
    f = vstate_at(vs, -1);
    ck_assert_uint_eq(f->nrecs, 0);
    NEAR(f->stocks[0].level, 500);                /* the header's initial level */
}
END_TEST

START_TEST(feed_and_steps)
{
    size_t idx[4];
    size_t k = vstate_feed(vs, 22, idx, 4);
    ck_assert_uint_eq(k, 4);
    ck_assert_int_eq(TINY[idx[0]].kind, TR_ROUTE);   /* newest first */
    ck_assert_int_eq(TINY[idx[1]].kind, TR_SHORT);
    ck_assert_int_eq(TINY[idx[2]].kind, TR_LAUNCH);
    ck_assert_uint_eq(vstate_feed(vs, 5, idx, 4), 0);
    NEAR(vstate_step(vs, 12, +1), 14);
    NEAR(vstate_step(vs, 12, -1), 12);               /* nothing newsworthy before 12 */
    NEAR(vstate_step(vs, 14, -1), 12);
    NEAR(vstate_step(vs, 100, +1), 100);
    const VMarker *m;
    size_t nm = vstate_markers(vs, &m);
    int launch_fail = 0, launch_ok = 0;
    for (size_t i = 0; i < nm; i++) {
        launch_fail += m[i].kind == VM_LAUNCH_FAIL;
        launch_ok += m[i].kind == VM_LAUNCH_OK;
    }
    ck_assert_int_eq(launch_fail, 1);
    ck_assert_int_eq(launch_ok, 1);
}
END_TEST

START_TEST(events_in_words)
{
    char buf[200];
    vstate_describe(vs, &TINY[4], buf, sizeof buf);
    ck_assert_str_eq(buf, "Ship Two lost between Alpha and Bravo with 600 rounds");
    vstate_describe(vs, &TINY[6], buf, sizeof buf);
    ck_assert_str_eq(buf, "Sat: launch 1 failed at stage 2 (P=0.40)");
    vstate_describe(vs, &TINY[12], buf, sizeof buf);
    ck_assert_str_eq(buf, "North Korea: \"Go?\" Yes (player)");
    vstate_describe(vs, &TINY[13], buf, sizeof buf);
    ck_assert_str_eq(buf, "North Korea sends 1,500 troops, Alpha to Bravo");
    vstate_describe(vs, &TINY[10], buf, sizeof buf);
    ck_assert_str_eq(buf, "Alpha–Bravo closed");
    /* Treaty steps read as `salvo run` reads them: the actor of a trigger
     * is the victim of the aggression. */
    const TraceRec trig = { 30, TR_TREATY, 0, TREATY_TRIGGERED, 0, 0, 0 };
    vstate_describe(vs, &trig, buf, sizeof buf);
    ck_assert_str_eq(buf, "The Treaty triggered by aggression against Russia");
    const TraceRec hon = { 31, TR_TREATY, 0, TREATY_HONOURED, 1, 0, 0 };
    vstate_describe(vs, &hon, buf, sizeof buf);
    ck_assert_str_eq(buf, "The Treaty honoured by North Korea");
    const TraceRec dec = { 31, TR_TREATY, 0, TREATY_DECLINED, 1, 0, 0 };
    vstate_describe(vs, &dec, buf, sizeof buf);
    ck_assert_str_eq(buf, "The Treaty: North Korea declines to act");
    const TraceRec inf = { 31, TR_TREATY, 0, TREATY_IN_FORCE, -1, 0, 0 };
    vstate_describe(vs, &inf, buf, sizeof buf);
    ck_assert_str_eq(buf, "The Treaty enters into force");
    vstate_qty(1250000, buf, sizeof buf);
    ck_assert_str_eq(buf, "1.25 M");
    vstate_qty(-12400, buf, sizeof buf);
    ck_assert_str_eq(buf, "-12,400");
}
END_TEST

/* The treaty panel's steps come in the order they happened: here the
 * trigger (day 20) before the entry into force (day 25). */
START_TEST(treaty_steps_in_date_order)
{
    static const TraceRec recs[] = {
        { 12, TR_TREATY, 0, TREATY_SIGNED, -1, 0, 0 },
        { 20, TR_TREATY, 0, TREATY_TRIGGERED, 0, 0, 0 },
        { 25, TR_TREATY, 0, TREATY_IN_FORCE, -1, 0, 0 },
        { 40, TR_TREATY, 0, TREATY_HONOURED, 1, 0, 0 },
    };
    TraceHeader h = tiny_header();
    VState *v = vstate_create(&h, recs, 4);
    int order[TREATY__COUNT];
    ck_assert_int_eq(vstate_treaty_order(vstate_at(v, 30), 0, order), 3);
    const int want30[TREATY__COUNT] = { TREATY_SIGNED, TREATY_TRIGGERED, TREATY_IN_FORCE, TREATY_HONOURED,
                                        TREATY_DECLINED };
    for (int i = 0; i < TREATY__COUNT; i++) ck_assert_int_eq(order[i], want30[i]);
    ck_assert_int_eq(vstate_treaty_order(vstate_at(v, 15), 0, order), 1);
    const int want15[TREATY__COUNT] = { TREATY_SIGNED, TREATY_IN_FORCE, TREATY_TRIGGERED, TREATY_HONOURED,
                                        TREATY_DECLINED };
    for (int i = 0; i < TREATY__COUNT; i++) ck_assert_int_eq(order[i], want15[i]);
    vstate_destroy(v);
}
END_TEST

/* The sample trace: every carrier on the map is on its route, between the
 * ends, and the number in flight matches a direct count of open trips. */
START_TEST(sample_carriers_consistent)
{
    TraceFile *tf = load_trace("tests/data/sample.jsonl");
    VState *g = vstate_create(&tf->h, tf->recs, tf->n);
    ck_assert_ptr_nonnull(g);
    for (double t = 0; t <= 500; t += 3.7) {
        const VFrame *f = vstate_at(g, t);
        /* Direct count: loaded trips open at t. */
        int open[64] = { 0 }, n_loaded = 0;
        for (size_t i = 0; i < tf->n && tf->recs[i].t <= t; i++) {
            const TraceRec *r = &tf->recs[i];
            if (r->kind == TR_DEPART) open[r->a] = 1;
            if (r->kind == TR_ARRIVE || r->kind == TR_LOST) open[r->a] = 0;
        }
        for (int c = 0; c < tf->h.ncarriers; c++) n_loaded += open[c];
        int got = 0;
        for (size_t i = 0; i < f->ncarriers; i++) {
            const VCarrier *c = &f->carriers[i];
            got += c->state == VC_LOADED;
            ck_assert(c->frac >= 0 && c->frac <= 1);
            ck_assert_msg(c->lat > 38 && c->lat < 57 && c->lon > 36 && c->lon < 136, "t=%g carrier %d at %g,%g", t, c->carrier, c->lat, c->lon);
        }
        ck_assert_msg(got == n_loaded, "t=%g: %d loaded on the map, %d open trips", t, got, n_loaded);
    }
    const VFrame *f = vstate_at(g, 409.5);     /* 2024-10-15 */
    ck_assert_int_eq(f->treaty[0], TREATY_TRIGGERED);
    ck_assert_uint_eq(f->ntroops, 1);
    ck_assert_uint_eq(f->nlosses, 1);
    ck_assert_msg(f->ncarriers >= 6, "%zu carriers", f->ncarriers);
    vstate_destroy(g);
    trace_file_destroy(tf);
}
END_TEST

/* --- projection ---------------------------------------------------------- */

START_TEST(projection_round_trips_and_fits)
{
    Proj p;
    proj_fit(&p, 38, 60, 22, 150, 0, 0, 1600, 900);
    const double pts[][2] = { { 42.25, 130.3 }, { 50.9, 36.4 }, { 55.0, 82.9 }, { 39.0, 125.8 }, { 38, 22 },
                              { 60, 150 } };
    for (size_t i = 0; i < sizeof pts / sizeof pts[0]; i++) {
        double x, y, la, lo;
        proj_fwd(&p, pts[i][0], pts[i][1], &x, &y);
        ck_assert(x >= -0.5 && x <= 1600.5 && y >= -0.5 && y <= 900.5);
        proj_inv(&p, x, y, &la, &lo);
        ck_assert(fabs(la - pts[i][0]) < 1e-9 && fabs(lo - pts[i][1]) < 1e-9);
    }
    double xw, yw, xe, ye, xn, yn, xs, ys;
    proj_fwd(&p, 50, 30, &xw, &yw);
    proj_fwd(&p, 50, 140, &xe, &ye);
    proj_fwd(&p, 58, 86, &xn, &yn);
    proj_fwd(&p, 40, 86, &xs, &ys);
    ck_assert(xw < xe);                 /* west on the left */
    ck_assert(yn < ys);                 /* north up */
    /* Zooming keeps the point under the cursor. */
    double x0, y0, x1, y1;
    proj_fwd(&p, 42.25, 130.3, &x0, &y0);
    proj_zoom(&p, 3, x0, y0);
    proj_fwd(&p, 42.25, 130.3, &x1, &y1);
    ck_assert(fabs(x1 - x0) < 1e-6 && fabs(y1 - y0) < 1e-6);
    proj_pan(&p, 10, -5);
    proj_fwd(&p, 42.25, 130.3, &x1, &y1);
    ck_assert(fabs(x1 - x0 - 10) < 1e-6 && fabs(y1 - y0 + 5) < 1e-6);
}
END_TEST

/* --- base map ---------------------------------------------------------- */

START_TEST(basemap_asset_loads)
{
    Diag d;
    diag_init(&d, "assets/basemap.bin");
    Basemap *m = basemap_load("assets/basemap.bin", &d);
    ck_assert_ptr_nonnull(m);
    ck_assert_int_gt(m->nland, 10);
    ck_assert_int_gt(m->nborders, 50);
    ck_assert_int_gt(m->npts, 3000);
    int russia = 0, japan = 0;
    for (int i = 0; i < m->nlabels; i++) {
        russia |= strcmp(m->labels[i].name, "RUSSIA") == 0;
        japan |= strcmp(m->labels[i].name, "JAPAN") == 0;
    }
    ck_assert(russia && japan);
    /* The region spans Ukraine to Japan. */
    ck_assert(m->clip_lon[0] <= 22 && m->clip_lon[1] >= 150);
    ck_assert(m->clip_lat[0] <= 35 && m->clip_lat[1] >= 62);
    basemap_destroy(m);
    basemap_destroy(NULL);
    /* A truncated copy is refused with a message, not a crash. */
    FILE *in = fopen("assets/basemap.bin", "rb");
    char buf[5000];
    size_t got = fread(buf, 1, sizeof buf, in);
    fclose(in);
    const char *tmp = "/tmp/salvo-test-basemap.bin";
    FILE *out = fopen(tmp, "wb");
    fwrite(buf, 1, got, out);
    fclose(out);
    ck_assert_ptr_null(basemap_load(tmp, &d));
    ck_assert_ptr_null(basemap_load("/nonexistent/basemap.bin", &d));
    ck_assert_int_eq(diag_errors(&d), 2);
    ck_assert_ptr_nonnull(strstr(d.items[0].msg, "mkmap.py"));
    remove(tmp);
    diag_fini(&d);
}
END_TEST

/* --- polygon fill -------------------------------------------------------- */

START_TEST(raster_fills_even_odd_with_coverage)
{
    enum { W = 40, H = 40 };
    static uint32_t px[W * H];
    for (int i = 0; i < W * H; i++) px[i] = 0xff000000u;
    /* An outer square 5..35 with a hole 15..25. */
    const float x[] = { 5, 35, 35, 5, 15, 25, 25, 15 };
    const float y[] = { 5, 5, 35, 35, 15, 15, 25, 25 };
    const int start[] = { 0, 4 }, count[] = { 4, 4 };
    Raster *r = raster_create(16, W);
    ck_assert_int_eq(raster_fill(r, px, W, H, W, x, y, start, count, 2, 0xffffff), 0);
    ck_assert_uint_eq(px[10 * W + 10] & 0xffffff, 0xffffff);  /* inside */
    ck_assert_uint_eq(px[20 * W + 20] & 0xffffff, 0x000000);  /* the hole */
    ck_assert_uint_eq(px[2 * W + 2] & 0xffffff, 0x000000);    /* outside */
    /* A half-covered edge pixel is grey: the coast is anti-aliased. */
    const float x2[] = { 0.5f, 10, 10, 0.5f }, y2[] = { 0, 0, 40, 40 };
    const int s2[] = { 0 }, c2[] = { 4 };
    for (int i = 0; i < W * H; i++) px[i] = 0xff000000u;
    raster_fill(r, px, W, H, W, x2, y2, s2, c2, 1, 0xffffff);
    unsigned g = px[20 * W] & 0xff;
    ck_assert_msg(g > 100 && g < 160, "edge pixel %u", g);
    /* Too many edges: refused, nothing drawn. */
    const float x3[20] = { 0 }, y3[20] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19 };
    const int s3[] = { 0 }, c3[] = { 20 };
    ck_assert_int_eq(raster_fill(r, px, W, H, W, x3, y3, s3, c3, 1, 0xffffff), -1);
    raster_destroy(r);
    raster_destroy(NULL);
}
END_TEST
#endif

Suite *suite_view_state(void)
{
    Suite *s = suite_create("view_state");
#ifdef SALVO_HAVE_VIEW
    TCASE(s, "carriers", 0, FIXTURE(tiny_setup, tiny_teardown), route_points_by_distance,
          carrier_halfway_through_transit, carrier_gone_after_arrival_then_returns_empty,
          lost_carrier_stops_where_it_was_lost);
    TCASE(s, "state", 0, FIXTURE(tiny_setup, tiny_teardown), stock_steps_and_shortfall_grows,
          statuses_follow_the_last_record, launches_and_troops, totals_at_time, feed_and_steps, events_in_words,
          treaty_steps_in_date_order);
    TCASE(s, "sample-trace", 0, NO_FIXTURE, sample_carriers_consistent);
    TCASE(s, "projection", 0, NO_FIXTURE, projection_round_trips_and_fits);
    TCASE(s, "basemap", 0, NO_FIXTURE, basemap_asset_loads, raster_fills_even_odd_with_coverage);
#endif
    return s;
}
