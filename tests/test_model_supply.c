/* test_model_supply.c — the supply model's one definition of "delivered"
 * (sim/load_supply.c, route_final), read by three parties that must agree:
 *   - the engine, which adds an arrival to delivered.RESOURCE;
 *   - the view (render/vstate.c), which counts it from the trace header's
 *     route flag `final`;
 *   - `salvo run`, whose monthly supply lines count it the same way.
 * They once disagreed: `salvo run` judged by place, so the default
 * scenario's oil and grain, final deliveries to the engine (its dprk-oil
 * metric), never appeared in its monthly lines.
 *
 * White-box: the engine's per-resource totals are read from the Sim
 * (model_int.h), so that the check does not go through the rule it checks.
 */
#include <check.h>
#include <glob.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "model_int.h"
#include "salvo.h"
#include "testutil.h"
#ifdef SALVO_HAVE_VIEW
#include "vstate.h"
#endif

#define BIN (strchr(SALVO_BIN, '/') ? SALVO_BIN : "./" SALVO_BIN)
#define DEFAULT "scenarios/korea-russia-2024.json"

/* Seed 1 of scenario `path`, its trace in *buf; the Sim, still holding the
 * engine's totals. */
static Sim *run_traced(const char *path, Scenario **sc, TraceBuf *buf)
{
    Diag d;
    diag_init(&d, path);
    *sc = scenario_load(path, NULL, 0, &d);
    if (!*sc) diag_print(&d, stderr);
    ck_assert_ptr_nonnull(*sc);
    diag_fini(&d);
    Sim *S = sim_create(*sc);
    ck_assert_ptr_nonnull(S);
    trace_buf_init(buf);
    TraceSink sink = trace_buf_sink(buf);
    sim_set_sink(S, &sink);
    ck_assert_int_eq(sim_reset(S, 1, 0), 0);
    ck_assert_int_eq(sim_run(S, INFINITY), SIM_DONE);
    ck_assert_uint_eq(buf->lost, 0);
    return S;
}

/* Every shipped scenario: the engine's flag, the header's flag, and the
 * totals each side makes of the same arrivals agree, route by route and
 * resource by resource. */
START_TEST(engine_header_and_view_agree)
{
    glob_t g;
    ck_assert_int_eq(glob("scenarios/*.json", 0, NULL, &g), 0);
    int checked = 0;
    for (size_t k = 0; k < g.gl_pathc; k++) {
        if (strstr(g.gl_pathv[k], "schema")) continue;
        Scenario *sc;
        TraceBuf buf;
        Sim *S = run_traced(g.gl_pathv[k], &sc, &buf);
        const TraceHeader *h = scenario_trace_header(sc);
        int nres = h->nresources;
        double *by_header = calloc((size_t)nres + 1, sizeof *by_header);
        double *by_route = calloc((size_t)h->nroutes + 1, sizeof *by_route);
        ck_assert(by_header && by_route);
        for (int r = 0; r < h->nroutes; r++)
            ck_assert_msg(h->routes[r].final == S->sc->routes[r].final, "%s: route %s: header and engine differ",
                          g.gl_pathv[k], h->routes[r].id);
        for (size_t i = 0; i < buf.n; i++) {
            const TraceRec *r = &buf.recs[i];
            if (r->kind != TR_ARRIVE) continue;
            by_route[r->b] += r->x;
            if (h->routes[r->b].final) by_header[r->c] += r->x;
        }
        /* Route by route: what arrived is what the engine booked on it. */
        for (int r = 0; r < h->nroutes; r++)
            ck_assert_msg(by_route[r] == S->routes[r].delivered, "%s: route %s: trace %.17g, engine %.17g",
                          g.gl_pathv[k], h->routes[r].id, by_route[r], S->routes[r].delivered);
        /* Resource by resource: the final ones are the engine's delivered. */
        for (int res = 0; res < nres; res++)
            ck_assert_msg(fabs(by_header[res] - S->res_delivered[res]) <= 1e-9 * (1 + S->res_delivered[res]),
                          "%s: %s: by the header's flag %.17g, engine %.17g", g.gl_pathv[k], h->resources[res].id,
                          by_header[res], S->res_delivered[res]);
#ifdef SALVO_HAVE_VIEW
        /* The view's own count, at the end of the run. */
        VState *vs = vstate_create(h, buf.recs, buf.n);
        ck_assert_ptr_nonnull(vs);
        const VFrame *f = vstate_at(vs, scenario_end(sc));
        for (int res = 0; res < nres; res++)
            ck_assert_msg(fabs(f->delivered[res] - S->res_delivered[res]) <= 1e-9 * (1 + S->res_delivered[res]),
                          "%s: %s: view %.17g, engine %.17g", g.gl_pathv[k], h->resources[res].id,
                          f->delivered[res], S->res_delivered[res]);
        vstate_destroy(vs);
#endif
        free(by_header);
        free(by_route);
        trace_buf_fini(&buf);
        sim_destroy(S);
        scenario_destroy(sc);
        checked++;
    }
    globfree(&g);
    ck_assert_int_ge(checked, 4);
}
END_TEST

/* `salvo run`'s monthly supply lines name every resource the engine
 * delivered: in the default scenario, shells, oil and grain. */
START_TEST(run_names_every_delivered_resource)
{
    Scenario *sc;
    TraceBuf buf;
    Sim *S = run_traced(DEFAULT, &sc, &buf);
    const TraceHeader *h = scenario_trace_header(sc);
    char cmd[512];
    snprintf(cmd, sizeof cmd, "%s run %s --seed 1 >%s", BIN, DEFAULT, tmp("run.txt"));
    int st = system(cmd);
    ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    char *out = slurp(tmp("run.txt"));
    ck_assert_ptr_nonnull(out);
    int named = 0;
    for (int res = 0; res < h->nresources; res++) {
        if (!(S->res_delivered[res] > 0)) continue;
        char what[160];
        snprintf(what, sizeof what, "%s delivered to the end of the line", h->resources[res].name);
        ck_assert_msg(strstr(out, what) != NULL, "salvo run never says '%s'", what);
        named++;
    }
    /* Oil and grain among them: the ones judging by place left out. */
    ck_assert_int_ge(named, 3);
    ck_assert_ptr_nonnull(strstr(out, "refined oil products delivered"));
    free(out);
    trace_buf_fini(&buf);
    sim_destroy(S);
    scenario_destroy(sc);
}
END_TEST

Suite *suite_model_supply(void)
{
    Suite *s = suite_create("model_supply");
    TCase *tc = tcase_create("delivered");
    tcase_set_timeout(tc, 120);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, engine_header_and_view_agree);
    tcase_add_test(tc, run_names_every_delivered_resource);
    suite_add_tcase(s, tc);
    return s;
}
