/* test_view_session.c — the view's sessions: a live playthrough pauses at
 * decisions, takes answers, rewinds to a recorded prefix, and a saved
 * playthrough replays to the same records; saved traces replay without the
 * engine. SDL-free (render/session.c only). */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"

#ifdef SALVO_HAVE_VIEW
#include "session.h"

/* One launch programme; after its first failure (day 31) North Korea
 * decides whether to accept Russian help (shared with test_sim.c). */
#define LAUNCH_SC "tests/data/launch-help.json"

/* The option recorded by the first DECISION record, or -1. */
static int decision_taken(const Session *s)
{
    size_t n;
    const TraceRec *r = session_records(s, &n);
    for (size_t i = 0; i < n; i++)
        if (r[i].kind == TR_DECISION) return r[i].b;
    return -1;
}

START_TEST(playthrough_pauses_answers_and_replays)
{
    Diag d;
    diag_init(&d, LAUNCH_SC);
    Session *s = session_open_scenario(LAUNCH_SC, NULL, 0, 99, 1, &d);
    if (!s) diag_print(&d, stderr);
    ck_assert_ptr_nonnull(s);
    ck_assert(session_live(s) && session_interactive(s));
    const SimDecision *p = session_pending(s);
    ck_assert_ptr_nonnull(p);
    ck_assert_str_eq(p->id, "ask");
    ck_assert_double_eq_tol(session_done(s), 31, 1e-9);
    size_t n0;
    const TraceRec *r = session_records(s, &n0);
    ck_assert(n0 > 0 && r[n0 - 1].t <= 31);
    TraceRec *before = malloc(n0 * sizeof *before);
    memcpy(before, r, n0 * sizeof *before);
    uint64_t v0 = session_version(s);

    ck_assert_int_eq(session_answer(s, 7), -1);       /* no such option */
    ck_assert_int_eq(session_answer(s, 1), 0);
    ck_assert_ptr_null(session_pending(s));
    ck_assert(session_version(s) > v0);
    ck_assert_double_eq_tol(session_done(s), session_header(s)->end, 1e-9);
    ck_assert_int_eq(decision_taken(s), 1);
    size_t n1;
    session_records(s, &n1);
    ck_assert_uint_gt(n1, n0);
    ck_assert_int_eq(session_answer(s, 0), -1);       /* nothing pending now */

    /* Saved and replayed: the same records, byte for byte. */
    ck_assert_int_eq(session_save(s, tmp("play.json"), &d), 0);
    Session *rp = session_open_replay(tmp("play.json"), 0, &d);
    if (!rp) diag_print(&d, stderr);
    ck_assert_ptr_nonnull(rp);
    size_t n2;
    const TraceRec *r1 = session_records(s, &n1), *r2 = session_records(rp, &n2);
    ck_assert_uint_eq(n1, n2);
    ck_assert(memcmp(r1, r2, n1 * sizeof *r1) == 0);
    const int *ch;
    ck_assert_int_eq(session_choices(rp, &ch), 1);
    ck_assert_int_eq(ch[0], 1);
    session_destroy(rp);

    /* Rewind to before the decision: the choice is forgotten, the run waits
     * at the same decision again, and another answer changes the future. */
    ck_assert_int_eq(session_rewind(s, 10), 0);
    ck_assert_ptr_nonnull(session_pending(s));
    ck_assert_double_eq_tol(session_done(s), 31, 1e-9);
    size_t n3;
    const TraceRec *r3 = session_records(s, &n3);
    ck_assert_uint_eq(n3, n0);
    ck_assert(memcmp(r3, before, n0 * sizeof *before) == 0);   /* the past, exactly */
    free(before);
    ck_assert_int_eq(session_answer(s, 0), 0);
    ck_assert_int_eq(decision_taken(s), 0);

    /* Rewinding to after the decision keeps it. */
    ck_assert_int_eq(session_rewind(s, 100), 1);
    ck_assert_int_eq(decision_taken(s), 0);

    /* A new seed starts over and asks again. */
    ck_assert_int_eq(session_reseed(s, 5), 0);
    ck_assert_uint_eq(session_seed(s), 5);
    ck_assert_uint_eq(session_header(s)->seed, 5);
    ck_assert_ptr_nonnull(session_pending(s));
    session_destroy(s);
    session_destroy(NULL);
    diag_fini(&d);
}
END_TEST

START_TEST(batch_session_runs_to_the_end)
{
    Diag d;
    diag_init(&d, LAUNCH_SC);
    Session *s = session_open_scenario(LAUNCH_SC, NULL, 0, 99, 0, &d);
    ck_assert_ptr_nonnull(s);
    ck_assert_ptr_null(session_pending(s));
    ck_assert_int_eq(decision_taken(s), 0);            /* the policy refuses */
    size_t n;
    const TraceRec *r = session_records(s, &n);
    ck_assert_int_eq(r[n - 1].kind, TR_END);
    session_destroy(s);
    const char *bad[] = { "programmes.sat.base=2" };
    ck_assert_ptr_null(session_open_scenario(LAUNCH_SC, bad, 1, 1, 0, &d));
    ck_assert_int_ge(diag_errors(&d), 1);
    diag_fini(&d);
}
END_TEST

START_TEST(saved_trace_is_not_live)
{
    Diag d;
    diag_init(&d, "sample");
    Session *s = session_open_trace("tests/data/sample.jsonl", &d);
    ck_assert_ptr_nonnull(s);
    ck_assert(!session_live(s));
    ck_assert_uint_eq(session_seed(s), 42);
    ck_assert_int_eq(session_answer(s, 0), -1);
    ck_assert_int_eq(session_rewind(s, 0), -1);
    ck_assert_int_eq(session_reseed(s, 1), -1);
    ck_assert_int_eq(session_save(s, tmp("play.json"), &d), -1);
    ck_assert_double_eq(session_done(s), 500);
    session_destroy(s);
    diag_fini(&d);
}
END_TEST

START_TEST(bad_playthrough_files)
{
    Diag d;
    diag_init(&d, tmp("play.json"));
    const char *bad[] = {
        "not json",
        "{\"type\":\"trace\"}",
        "{\"type\":\"playthrough\",\"scenario\":\"x.json\",\"seed\":12,\"choices\":[]}",
        "{\"type\":\"playthrough\",\"scenario\":\"x.json\",\"seed\":\"12\",\"choices\":[-1]}",
    };
    for (int i = 0; i < 4; i++) {
        FILE *fp = fopen(tmp("play.json"), "wb");
        fputs(bad[i], fp);
        fclose(fp);
        int before = diag_errors(&d);
        ck_assert_ptr_null(session_open_replay(tmp("play.json"), 0, &d));
        ck_assert_int_gt(diag_errors(&d), before);
    }
    ck_assert_ptr_null(session_open_replay("/nonexistent/play.json", 0, &d));
    diag_fini(&d);
}
END_TEST
#endif

Suite *suite_view_session(void)
{
    Suite *s = suite_create("view_session");
#ifdef SALVO_HAVE_VIEW
    TCASE(s, "session", 0, SCRATCH, playthrough_pauses_answers_and_replays, batch_session_runs_to_the_end,
          saved_trace_is_not_live, bad_playthrough_files);
#endif
    return s;
}
