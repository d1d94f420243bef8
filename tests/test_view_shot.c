/* test_view_shot.c — the headless renderer draws what the trace says where
 * the projection says: a place's colour at its projected position, a
 * carrier at its interpolated position, land and sea where they are, and
 * PNG files that open. Software renderer only: no display needed. */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"

#ifdef SALVO_HAVE_VIEW
#include "draw.h"
#include "view.h"
#include "vstate.h"

#define SAMPLE "tests/data/sample.jsonl"
#define T_OCT15 409.5   /* 2024-10-15, noon */

static TraceFile *tf;
static ViewShot *shot;

static void shot_setup(void)
{
    Diag d;
    diag_init(&d, SAMPLE);
    tf = trace_read(SAMPLE, &d);
    ck_assert_ptr_nonnull(tf);
    shot = view_shot_create(&tf->h, tf->recs, tf->n, 1280, 720, &d);
    if (!shot) diag_print(&d, stderr);
    ck_assert_ptr_nonnull(shot);
    diag_fini(&d);
}

static void shot_teardown(void)
{
    view_shot_destroy(shot);
    trace_file_destroy(tf);
}

static int place_index(const char *id)
{
    for (int i = 0; i < tf->h.nplaces; i++)
        if (strcmp(tf->h.places[i].id, id) == 0) return i;
    ck_abort_msg("no place %s", id);
    return -1;
}

static uint32_t pixel_at(double lat, double lon, int dx, int dy)
{
    double x, y;
    view_shot_project(shot, lat, lon, &x, &y);
    return view_shot_pixel(shot, (int)lround(x) + dx, (int)lround(y) + dy);
}

START_TEST(places_in_their_actors_colour)
{
    view_shot_render(shot, T_OCT15);
    const char *ids[] = { "pyongyang", "tikhoretsk", "front", "sohae" };
    for (int i = 0; i < 4; i++) {
        const TracePlace *p = &tf->h.places[place_index(ids[i])];
        uint32_t want = tf->h.actors[p->actor].color;
        uint32_t got = pixel_at(p->lat, p->lon, 0, 0);
        ck_assert_msg(got == want, "%s: pixel %06x, actor colour %06x", p->id, got, want);
    }
}
END_TEST

/* A loaded train well away from everything else: its body is drawn in its
 * cargo's colour at exactly the interpolated position, and that position
 * moves as time passes. */
START_TEST(carrier_at_its_interpolated_position)
{
    VState *vs = vstate_create(&tf->h, tf->recs, tf->n);
    const VFrame *f = vstate_at(vs, T_OCT15);
    int pick = -1;
    double best = 0;
    for (size_t i = 0; i < f->ncarriers; i++) {
        const VCarrier *c = &f->carriers[i];
        if (c->state != VC_LOADED || tf->h.routes[c->route].mode != MODE_RAIL) continue;
        double x, y, nearest = 1e9;
        view_shot_project(shot, c->lat, c->lon, &x, &y);
        for (size_t k = 0; k < f->ncarriers; k++) {
            if (k == i) continue;
            double ox, oy;
            view_shot_project(shot, f->carriers[k].lat, f->carriers[k].lon, &ox, &oy);
            nearest = fmin(nearest, hypot(ox - x, oy - y));
        }
        for (int p = 0; p < tf->h.nplaces; p++) {
            double ox, oy;
            view_shot_project(shot, tf->h.places[p].lat, tf->h.places[p].lon, &ox, &oy);
            nearest = fmin(nearest, hypot(ox - x, oy - y));
        }
        if (nearest > best) { best = nearest; pick = (int)i; }
    }
    ck_assert_msg(pick >= 0 && best > 25, "no isolated train in flight (best %g px)", best);
    VCarrier c = f->carriers[pick];
    view_shot_render(shot, T_OCT15);
    uint32_t want = draw_resource_color(c.resource);
    ck_assert_msg(pixel_at(c.lat, c.lon, 0, 0) == want, "carrier pixel %06x, cargo colour %06x",
                  pixel_at(c.lat, c.lon, 0, 0), want);
    /* A day later it has moved on: its old spot shows the track, not the train. */
    view_shot_render(shot, T_OCT15 + 1);
    ck_assert_uint_ne(pixel_at(c.lat, c.lon, 0, 0), want);
    f = vstate_at(vs, T_OCT15 + 1);
    for (size_t i = 0; i < f->ncarriers; i++)
        if (f->carriers[i].carrier == c.carrier)
            ck_assert_uint_eq(pixel_at(f->carriers[i].lat, f->carriers[i].lon, 0, 0), want);
    vstate_destroy(vs);
}
END_TEST

START_TEST(land_and_sea)
{
    view_shot_render(shot, T_OCT15);
    /* Central Siberia is land; the middle of the Black Sea and of the
     * Caspian are water. */
    ck_assert_uint_eq(pixel_at(61.0, 100.0, 0, 0), DRAW_COLOR_LAND);
    ck_assert_uint_eq(pixel_at(42.6, 31.5, 0, 0), DRAW_COLOR_SEA);
    ck_assert_uint_eq(pixel_at(42.0, 50.6, 0, 0), DRAW_COLOR_SEA);
}
END_TEST

START_TEST(screenshot_png_written)
{
    view_shot_render(shot, T_OCT15);
    char path[128];
    snprintf(path, sizeof path, "/tmp/salvo-test-%ld-shot.png", (long)getpid());
    Diag d;
    diag_init(&d, path);
    ck_assert_int_eq(view_shot_save(shot, path, &d), 0);
    FILE *fp = fopen(path, "rb");
    ck_assert_ptr_nonnull(fp);
    unsigned char sig[8];
    ck_assert_uint_eq(fread(sig, 1, 8, fp), 8);
    fclose(fp);
    ck_assert(memcmp(sig, "\x89PNG\r\n\x1a\n", 8) == 0);
    remove(path);
    ck_assert_int_eq(view_shot_save(shot, "/nonexistent-dir/x.png", &d), -1);
    ck_assert_int_eq(diag_errors(&d), 1);
    diag_fini(&d);
}
END_TEST

/* The same trace and time give the same picture, pixel for pixel. */
START_TEST(frames_are_deterministic)
{
    view_shot_render(shot, 200.25);
    uint32_t sum1 = 0;
    for (int y = 0; y < 720; y += 3)
        for (int x = 0; x < 1280; x += 3) sum1 = sum1 * 31 + view_shot_pixel(shot, x, y);
    view_shot_render(shot, 350);
    view_shot_render(shot, 200.25);
    uint32_t sum2 = 0;
    for (int y = 0; y < 720; y += 3)
        for (int x = 0; x < 1280; x += 3) sum2 = sum2 * 31 + view_shot_pixel(shot, x, y);
    ck_assert_uint_eq(sum1, sum2);
}
END_TEST
/* `salvo view ARGS`, its stderr into err. */
static int run_cli(const char *args, char *err, size_t n) { return salvo_stderr("view", args, err, n); }

START_TEST(cli_screenshot_and_errors)
{
    char err[2048], args[512], png[128];
    snprintf(png, sizeof png, "%s", tmp("cli.png"));
    snprintf(args, sizeof args, "--trace " SAMPLE " --screenshot %s --at 2024-10-15 --size 640x400", png);
    ck_assert_int_eq(run_cli(args, err, sizeof err), 0);
    ck_assert_int_eq(access(png, R_OK), 0);
    remove(png);
    snprintf(args, sizeof args, "--trace " SAMPLE " --screenshot %s --at 400.5", png);
    ck_assert_int_eq(run_cli(args, err, sizeof err), 0);
    remove(png);
    snprintf(args, sizeof args, "--trace " SAMPLE " --screenshot %s --at 1999-01-01", png);
    ck_assert_int_eq(run_cli(args, err, sizeof err), 2);
    ck_assert_ptr_nonnull(strstr(err, "outside the run"));
    snprintf(args, sizeof args, "--trace " SAMPLE " --screenshot %s --at 3 --size 10x10", png);
    ck_assert_int_eq(run_cli(args, err, sizeof err), 2);
    ck_assert_ptr_nonnull(strstr(err, "--size"));
    ck_assert_int_eq(run_cli("--trace " SAMPLE " --screenshot x.png", err, sizeof err), 2);
    ck_assert_ptr_nonnull(strstr(err, "--at"));
    ck_assert_int_eq(run_cli("--trace " SAMPLE " --bogus", err, sizeof err), 2);
    ck_assert_ptr_nonnull(strstr(err, "unknown option '--bogus'"));
    ck_assert_int_eq(run_cli("", err, sizeof err), 2);
    ck_assert_int_eq(run_cli("--trace " SAMPLE " --seed 3", err, sizeof err), 2);
    ck_assert_int_eq(run_cli("--trace tests/data/no-such.jsonl --screenshot x.png --at 1", err, sizeof err), 2);
    ck_assert_ptr_nonnull(strstr(err, "cannot read"));
    /* A trace where a scenario belongs: the loader's error, then a hint. */
    ck_assert_int_eq(run_cli(SAMPLE " --screenshot x.png --at 1", err, sizeof err), 2);
    ck_assert_ptr_nonnull(strstr(err, "use salvo view --trace"));
    /* A trace of format 1 still plays; a newer format is refused clearly. */
    snprintf(args, sizeof args, "--trace tests/data/sample-v1.jsonl --screenshot %s --at 2024-10-15 --size 640x400", png);
    ck_assert_int_eq(run_cli(args, err, sizeof err), 0);
    remove(png);
    const char *newer = tmp("newer.jsonl");
    write_text(newer, "{\"salvo\":\"9.0\",\"type\":\"header\",\"trace\":3,\"seed\":\"1\"}\n");
    snprintf(args, sizeof args, "--trace %s --screenshot %s --at 1", newer, png);
    ck_assert_int_eq(run_cli(args, err, sizeof err), 2);
    ck_assert_ptr_nonnull(strstr(err, "trace format 3 is newer than this salvo reads"));
    ck_assert_int_eq(run_cli("--help", err, sizeof err), 0);
}
END_TEST
#endif

Suite *suite_view_shot(void)
{
    Suite *s = suite_create("view_shot");
#ifdef SALVO_HAVE_VIEW
    TCASE(s, "pixels", 30, FIXTURE(shot_setup, shot_teardown), places_in_their_actors_colour,
          carrier_at_its_interpolated_position, land_and_sea, screenshot_png_written, frames_are_deterministic);
    TCASE(s, "cli", 60, SCRATCH, cli_screenshot_and_errors);
#endif
    return s;
}
