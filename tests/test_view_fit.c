/* test_view_fit.c — the view fits any scenario: dashed lines always end,
 * screenshots complete at every common size for every shipped scenario
 * and a small Caspian one, the places are spread over the frame and never
 * under the inset, and no label overlaps another or a country name.
 * Software renderer only: no display needed. */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <glob.h>
#include <time.h>

#ifdef SALVO_HAVE_VIEW
#include "draw.h"
#include "session.h"
#include "view.h"
#include "vstate.h"
#include "testutil.h"

/* Dashes along lines far from the origin: the old walk added the rest of
 * a dash to a float position that no longer changed (2^24 and beyond) and
 * never ended; it hung `--screenshot --size 1920x1080`. */
START_TEST(dashes_always_end)
{
    const float x[3] = { 0, 3e7f, 3e7f }, y[3] = { 0, 1, 5e8f };
    int n = draw_dash_spans(x, y, 3, 2, 5, NULL, NULL);
    ck_assert_int_gt(n, 0);
    ck_assert_int_le(n, 2 * 20000);
    const float bx[2] = { 1.6777216e7f, 1.6777316e7f }, by[2] = { 0, 0 };
    ck_assert_int_eq(draw_dash_spans(bx, by, 2, 2, 5, NULL, NULL), 15);   /* 100 px: 100/7 rounded up */
    const float nx[3] = { 0, NAN, INFINITY }, ny[3] = { 0, 1, 2 };
    ck_assert_int_eq(draw_dash_spans(nx, ny, 3, 2, 5, NULL, NULL), 0);
    const float sx[2] = { 0, 100 }, sy[2] = { 0, 0 };
    ck_assert_int_eq(draw_dash_spans(sx, sy, 2, 0, 5, NULL, NULL), 0);     /* nothing drawn */
    ck_assert_int_eq(draw_dash_spans(sx, sy, 2, 7, 5, NULL, NULL), 9);     /* 100/12 rounded up */
    ck_assert_int_eq(draw_dash_spans(sx, sy, 2, 1e-30f, 1e-30f, NULL, NULL), 20000);
}
END_TEST

static const int SIZES[][2] = { { 1280, 720 }, { 1366, 768 }, { 1600, 900 }, { 1920, 1080 }, { 2560, 1440 }, { 3840, 2160 } };
#define NSIZES (int)(sizeof SIZES / sizeof SIZES[0])
#define MAXBOX 4096

static int box_hit(const ViewBox *a, const ViewBox *b)
{
    return a->x < b->x + b->w && b->x < a->x + a->w && a->y < b->y + b->h && b->y < a->y + a->h;
}

static int box_inside(const ViewBox *a, const ViewBox *in)
{
    return a->x >= in->x - 0.5f && a->y >= in->y - 0.5f && a->x + a->w <= in->x + in->w + 0.5f &&
           a->y + a->h <= in->y + in->h + 0.5f;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* One scenario at every size: the frame is drawn (land, sea and more than
 * a few colours), every place is inside the map with its label (in the
 * inset for the places it enlarges), no marker on the main map sits under
 * the inset, and no label touches another label, a country name or a
 * panel. Returns the seconds spent rendering. */
static double check_scenario(const char *path, int min_spread_pct)
{
    Diag d;
    diag_init(&d, path);
    Session *ss = session_open_scenario(path, NULL, 0, 5, 0, &d);
    if (!ss) diag_print(&d, stderr);
    ck_assert_ptr_nonnull(ss);
    const TraceHeader *h = session_header(ss);
    size_t nrec;
    const TraceRec *recs = session_records(ss, &nrec);
    ViewBox *box = malloc(sizeof *box * MAXBOX);
    double spent = 0;
    for (int z = 0; z < NSIZES; z++) {
        int W = SIZES[z][0], H = SIZES[z][1];
        double t0 = now_s();
        ViewShot *shot = view_shot_create(h, recs, nrec, W, H, &d);
        ck_assert_ptr_nonnull(shot);
        /* Notes (troops on the move, a loss) stay clear of the labels:
         * half a day after the first such record. */
        for (size_t i = 0; i < nrec; i++)
            if (recs[i].kind == TR_TROOPS || recs[i].kind == TR_LOST) {
                view_shot_render(shot, recs[i].t + 0.5);
                size_t nn = view_shot_layout(shot, box, MAXBOX);
                int notes = 0;
                for (size_t a = 0; a < nn && a < MAXBOX; a++) {
                    if (box[a].kind != VIEW_BOX_NOTE) continue;
                    notes++;
                    for (size_t b = 0; b < nn && b < MAXBOX; b++)
                        if ((box[b].kind == VIEW_BOX_LABEL || box[b].kind == VIEW_BOX_NOTE) && b != a &&
                            box[b].pane == box[a].pane)
                            ck_assert_msg(!box_hit(&box[a], &box[b]), "%s %dx%d: a note on day %.1f overlaps %s", path,
                                          W, H, recs[i].t + 0.5,
                                          box[b].kind == VIEW_BOX_NOTE ? "a note" : h->places[box[b].place].id);
                }
                ck_assert_int_ge(notes, 1);
                break;
            }
        view_shot_render(shot, h->end * 0.6);
        spent += now_s() - t0;
        size_t n = view_shot_layout(shot, box, MAXBOX);
        ck_assert_uint_le(n, MAXBOX);
        const ViewBox *map = NULL, *inset = NULL;
        for (size_t i = 0; i < n; i++) {
            if (box[i].kind == VIEW_BOX_MAP) map = &box[i];
            if (box[i].kind == VIEW_BOX_INSET) inset = &box[i];
        }
        ck_assert_ptr_nonnull(map);
        /* Something meaningful was drawn: land, sea, and the marks on them. */
        int land = 0, sea = 0, other = 0;
        for (int y = (int)map->y; y < map->y + map->h; y += 7)
            for (int x = 0; x < W; x += 7) {
                uint32_t c = view_shot_pixel(shot, x, y);
                if (c == DRAW_COLOR_LAND) land++;
                else if (c == DRAW_COLOR_SEA) sea++;
                else other++;
            }
        ck_assert_msg(land > 100 && sea > 100 && other > 100, "%s %dx%d: land %d, sea %d, other %d", path, W, H,
                      land, sea, other);
        float x0 = 1e9f, x1 = -1e9f, y0 = 1e9f, y1 = -1e9f;
        for (int p = 0; p < h->nplaces; p++) {
            int marker = 0, label = 0;
            for (size_t i = 0; i < n; i++) {
                if (box[i].place != p) continue;
                const ViewBox *frame = box[i].pane ? inset : map;
                ck_assert_ptr_nonnull(frame);
                if (box[i].kind == VIEW_BOX_MARKER) {
                    marker++;
                    float cx = box[i].x + box[i].w / 2, cy = box[i].y + box[i].h / 2;
                    ck_assert_msg(cx >= frame->x && cx < frame->x + frame->w && cy >= frame->y &&
                                  cy < frame->y + frame->h, "%s %dx%d: %s outside the frame", path, W, H,
                                  h->places[p].id);
                    if (box[i].pane == 0) {
                        x0 = fminf(x0, cx); x1 = fmaxf(x1, cx); y0 = fminf(y0, cy); y1 = fmaxf(y1, cy);
                        ck_assert_msg(!inset || !box_hit(&box[i], inset), "%s %dx%d: the inset hides %s", path, W,
                                      H, h->places[p].id);
                    }
                } else if (box[i].kind == VIEW_BOX_LABEL) {
                    label++;
                    ck_assert_msg(box_inside(&box[i], frame), "%s %dx%d: label of %s leaves its frame", path, W, H,
                                  h->places[p].id);
                }
            }
            ck_assert_msg(marker == 1, "%s %dx%d: %s has %d markers", path, W, H, h->places[p].id, marker);
            ck_assert_msg(label == 1, "%s %dx%d: %s has no label", path, W, H, h->places[p].id);
        }
        /* Spread over the frame: not huddled in a corner of empty map. */
        if (h->nplaces > 1)
            ck_assert_msg((x1 - x0) * 100 >= map->w * min_spread_pct || (y1 - y0) * 100 >= map->h * min_spread_pct,
                          "%s %dx%d: places span %.0f x %.0f px of %.0f x %.0f", path, W, H, x1 - x0, y1 - y0,
                          map->w, map->h);
        /* No overlaps: labels with labels, country names and panels;
         * country names with each other and panels. */
        for (size_t i = 0; i < n; i++) {
            int li = box[i].kind == VIEW_BOX_LABEL, ci = box[i].kind == VIEW_BOX_COUNTRY;
            if (!li && !ci) continue;
            if (ci) ck_assert_msg(box_inside(&box[i], map), "%s %dx%d: a country name leaves the map", path, W, H);
            for (size_t k = 0; k < n; k++) {
                if (k == i) continue;
                int lk = box[k].kind == VIEW_BOX_LABEL, ck = box[k].kind == VIEW_BOX_COUNTRY;
                int pk = box[k].kind == VIEW_BOX_PANEL, ik = box[k].kind == VIEW_BOX_INSET;
                int mk = box[k].kind == VIEW_BOX_MARKER && box[k].pane == box[i].pane;
                if (li && box[i].pane == 1 && !(lk || mk)) continue;   /* the inset is drawn over the main map */
                if (lk && box[k].pane != box[i].pane) continue;
                int bad = (lk || ck || pk || (ik && box[i].pane == 0) || (mk && li && box[k].place != box[i].place) ||
                           (mk && ci)) && box_hit(&box[i], &box[k]);
                ck_assert_msg(!bad, "%s %dx%d: %s %d (%s) overlaps box kind %d (%s) at %.0f,%.0f", path, W, H,
                              li ? "label" : "country", (int)i, box[i].place >= 0 ? h->places[box[i].place].id : "",
                              box[k].kind, box[k].place >= 0 ? h->places[box[k].place].id : "", box[k].x, box[k].y);
            }
        }
        view_shot_destroy(shot);
    }
    free(box);
    session_destroy(ss);
    diag_fini(&d);
    return spent;
}

START_TEST(every_scenario_at_every_size)
{
    glob_t g;
    ck_assert_int_eq(glob("scenarios/*.json", 0, NULL, &g), 0);
    int done = 0;
    double spent = 0;
    for (size_t i = 0; i < g.gl_pathc; i++) {
        if (strstr(g.gl_pathv[i], "schema.json")) continue;
        spent += check_scenario(g.gl_pathv[i], 40);
        done++;
    }
    globfree(&g);
    ck_assert_int_ge(done, 1);
    fprintf(stderr, "view_fit: %d scenarios x %d sizes in %.2f s of rendering\n", done, NSIZES, spent);
}
END_TEST

/* A scenario on the Caspian: the map is fitted to it (no empty Siberia),
 * so its places spread over most of the frame. */
START_TEST(caspian_fits)
{
    double spent = check_scenario("tests/data/caspian.json", 55);
    fprintf(stderr, "view_fit: caspian x %d sizes in %.2f s\n", NSIZES, spent);
}
END_TEST

/* The HUD counts each resource on its own: on the Caspian both drones and
 * rounds run short, and their shortfalls are shown apart, never added. */
START_TEST(hud_counts_each_resource)
{
    Diag d;
    diag_init(&d, "tests/data/caspian.json");
    Session *ss = session_open_scenario("tests/data/caspian.json", NULL, 0, 5, 0, &d);
    ck_assert_ptr_nonnull(ss);
    const TraceHeader *h = session_header(ss);
    size_t n;
    const TraceRec *recs = session_records(ss, &n);
    VState *vs = vstate_create(h, recs, n);
    const VFrame *f = vstate_at(vs, h->end);
    double by[2] = { 0, 0 };
    for (int s = 0; s < h->nstocks; s++) by[h->stocks[s].resource] += f->stocks[s].shortfall;
    ck_assert(by[0] > 0 && by[1] > 0);
    ck_assert_double_eq_tol(f->shortfall[0], by[0], 1e-6);
    ck_assert_double_eq_tol(f->shortfall[1], by[1], 1e-6);
    char buf[256], q0[32], q1[32], sum[32];
    ck_assert_int_eq(vstate_by_resource(h, f->shortfall, buf, sizeof buf), 2);
    vstate_qty(by[0], q0, sizeof q0);
    vstate_qty(by[1], q1, sizeof q1);
    vstate_qty(by[0] + by[1], sum, sizeof sum);
    char want[128];
    snprintf(want, sizeof want, "%s drones \u00B7 %s rounds", q0, q1);
    ck_assert_str_eq(buf, want);
    ck_assert_ptr_null(strstr(buf, sum));
    /* Delivered: drones and rounds apart too. */
    ck_assert_int_eq(vstate_by_resource(h, f->delivered, buf, sizeof buf), 2);
    ck_assert_ptr_nonnull(strstr(buf, " drones \u00B7 "));
    const double zero[2] = { 0, 0 };
    vstate_by_resource(h, zero, buf, sizeof buf);
    ck_assert_str_eq(buf, "0 drones");
    vstate_destroy(vs);
    session_destroy(ss);
    diag_fini(&d);
}
END_TEST

/* Feed lines wrap and the treaty title fits: nothing is drawn in the
 * right-hand margin of either panel (the text used to run into it and be
 * cut there). Pixels brighter than the panel's grey are text. */
START_TEST(panels_keep_their_margins)
{
    Diag d;
    diag_init(&d, "scenarios/korea-peninsula-crisis.json");
    Session *ss = session_open_scenario("scenarios/korea-peninsula-crisis.json", NULL, 0, 5, 0, &d);
    ck_assert_ptr_nonnull(ss);
    const TraceHeader *h = session_header(ss);
    size_t nrec;
    const TraceRec *recs = session_records(ss, &nrec);
    ViewBox box[512];
    for (int z = 0; z < 2; z++) {
        ViewShot *shot = view_shot_create(h, recs, nrec, z ? 1920 : 1280, z ? 1080 : 720, &d);
        ck_assert_ptr_nonnull(shot);
        /* 5 Aug 2024: a long quotation in the feed. */
        view_shot_render(shot, 401.5);
        size_t n = view_shot_layout(shot, box, 512);
        int checked = 0;
        for (size_t i = 0; i < n && i < 512; i++) {
            if (box[i].kind != VIEW_BOX_PANEL || box[i].place > 1) continue;
            int bright = 0;
            for (int y = (int)box[i].y + 2; y < box[i].y + box[i].h - 2; y++)
                for (int x = (int)(box[i].x + box[i].w) - 7; x < box[i].x + box[i].w - 1; x++) {
                    uint32_t c = view_shot_pixel(shot, x, y);
                    bright += ((c >> 16) & 255) > 0x90 && ((c >> 8) & 255) > 0x90 && (c & 255) > 0x90;
                }
            ck_assert_msg(bright == 0, "panel %d: %d text pixels in its right margin", box[i].place, bright);
            checked++;
        }
        ck_assert_int_eq(checked, 2);
        view_shot_destroy(shot);
    }
    session_destroy(ss);
    diag_fini(&d);
}
END_TEST

/* The legend is shown at first and the key `l` (view_shot_legend here)
 * hides it: its panel leaves the layout and the map shows through. */
START_TEST(legend_toggles)
{
    Diag d;
    diag_init(&d, "tests/data/caspian.json");
    Session *ss = session_open_scenario("tests/data/caspian.json", NULL, 0, 5, 0, &d);
    ck_assert_ptr_nonnull(ss);
    size_t nrec;
    const TraceRec *recs = session_records(ss, &nrec);
    ViewShot *shot = view_shot_create(session_header(ss), recs, nrec, 1280, 720, &d);
    ck_assert_ptr_nonnull(shot);
    ViewBox box[256];
    view_shot_render(shot, 100);
    size_t n = view_shot_layout(shot, box, 256);
    int found = -1;
    for (size_t i = 0; i < n && i < 256; i++)
        if (box[i].kind == VIEW_BOX_PANEL && box[i].place == 2) found = (int)i;
    ck_assert_int_ge(found, 0);
    ViewBox legend = box[found];
    int cx = (int)(legend.x + legend.w / 2), cy = (int)(legend.y + legend.h / 2);
    uint32_t on = view_shot_pixel(shot, cx, cy);
    view_shot_legend(shot, 0);
    view_shot_render(shot, 100);
    n = view_shot_layout(shot, box, 256);
    for (size_t i = 0; i < n && i < 256; i++) ck_assert(!(box[i].kind == VIEW_BOX_PANEL && box[i].place == 2));
    ck_assert_uint_ne(view_shot_pixel(shot, cx, cy), on);
    view_shot_legend(shot, 1);
    view_shot_render(shot, 100);
    ck_assert_uint_eq(view_shot_pixel(shot, cx, cy), on);
    view_shot_destroy(shot);
    session_destroy(ss);
    diag_fini(&d);
}
END_TEST
#endif

Suite *suite_view_fit(void)
{
    Suite *s = suite_create("view_fit");
#ifdef SALVO_HAVE_VIEW
    TCASE(s, "dashes", 10, NO_FIXTURE, dashes_always_end);
    TCASE(s, "sizes", 300, NO_FIXTURE, caspian_fits, every_scenario_at_every_size, hud_counts_each_resource,
          panels_keep_their_margins, legend_toggles);
#endif
    return s;
}
