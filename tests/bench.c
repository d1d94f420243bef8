/* bench.c — `make bench`: measures and reports; never fails on time.
 *
 * Each figure is printed alone on a line as `bench: NAME VALUE UNIT` so that
 * scripts can read it; prose goes on other lines.
 *   hold_nN    the classic hold benchmark of the event queue: N pending
 *              events, 10^7 holds (pop the earliest, push it again at
 *              now + Exp(1)), ns per hold.
 *   mm1_*      the M/M/1 queue on the kernel, lambda 0.9, mu 1.0, 10^6
 *              customers: events per second and the mean time in system
 *              (analytic 10.0).
 *   validate_kN  loading (validating) a scenario whose top-level object has
 *              N thousand distinct keys, seconds: the duplicate-key check
 *              must not be quadratic (issue 8: 200,000 keys took 147 s with
 *              the pairwise scan; 1,000,000 must take under 2 s).
 *   fan_3x1000_tN  fork-and-fan (issue 9): from the first three-option
 *              decision after day 100 of the default scenario (seed 1,
 *              earlier decisions answered with option 0), 1,000 futures of
 *              each of the 3 options run to the end on N threads, seconds
 *              (target: under 1 s on the 2-core build machine).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "salvo.h"
#include "dist.h"
#include "evq.h"
#include "fan.h"
#include "mm1.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void hold(size_t n, long holds)
{
    EvQ q;
    evq_init(&q);
    Rng r;
    rng_keyed(&r, 1, 0, "bench", "hold");
    Event e = { 0, 0, 0, 0, 0 }, out;
    for (size_t i = 0; i < n; i++) {
        e.t = dist_exponential(&r, 1.0);
        evq_push(&q, &e);
    }
    double t0 = now_s();
    for (long i = 0; i < holds; i++) {
        evq_pop(&q, &out);
        out.t += dist_exponential(&r, 1.0);
        evq_push(&q, &out);
    }
    double dt = now_s() - t0;
    printf("bench: hold_n%zu %.1f ns\n", n, dt / (double)holds * 1e9);
    fflush(stdout);
    evq_fini(&q);
}

static void validate_keys(int n)
{
    size_t cap = (size_t)n * 24 + 64, len = 0;
    char *buf = malloc(cap);
    if (!buf) return;
    len += (size_t)snprintf(buf, cap, "{\"name\": \"keys\"");
    for (int i = 0; i < n; i++) len += (size_t)snprintf(buf + len, cap - len, ",\"k%d\":0", i);
    len += (size_t)snprintf(buf + len, cap - len, "}");
    Diag d;
    diag_init(&d, "keys.json");
    double t0 = now_s();
    Scenario *sc = scenario_load_buffer("keys.json", buf, len, NULL, 0, &d);
    double dt = now_s() - t0;
    printf("bench: validate_k%d %.3f s\n", n / 1000, dt);
    printf("(%d keys, %d problems reported, as expected: every key is an unknown field)\n", n, diag_errors(&d));
    scenario_destroy(sc);
    diag_fini(&d);
    free(buf);
}

static void fan_bench(void)
{
    Diag d;
    diag_init(&d, "bench");
    Scenario *sc = scenario_load("scenarios/korea-russia-2024.json", NULL, 0, &d);
    diag_fini(&d);
    if (!sc) {
        printf("fan: cannot load scenarios/korea-russia-2024.json (run from the source tree)\n");
        return;
    }
    Sim *src = sim_create(sc);
    sim_set_interactive(src, 1);
    sim_reset(src, 1, 0);
    const SimDecision *p = NULL;
    while (sim_run(src, INFINITY) == SIM_DECISION) {
        p = sim_pending(src);
        if (p->noptions == 3 && p->t > 100) break;
        sim_answer(src, 0);
        p = NULL;
    }
    if (!p) {
        printf("fan: no three-option decision after day 100 with seed 1\n");
    } else {
        int nm = scenario_metric_count(sc);
        double *out = malloc((size_t)3 * 1000 * (size_t)nm * sizeof *out);
        for (int threads = 1; threads <= 2 && out; threads++) {
            double t0 = now_s();
            fan_run(src, 1, 1000, threads, out, NULL);
            printf("bench: fan_3x1000_t%d %.3f s\n", threads, now_s() - t0);
        }
        printf("fan from decision %s at day %.1f\n", p->id, p->t);
        free(out);
    }
    sim_destroy(src);
    scenario_destroy(sc);
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "fan") == 0) {   /* `build/bench fan`: this figure alone */
        fan_bench();
        return 0;
    }
    printf("salvo benchmarks (timings vary with the machine; nothing here fails)\n");
    hold(10, 10000000);
    hold(1000, 10000000);
    hold(100000, 10000000);
    Mm1Result res;
    double t0 = now_s();
    mm1_run(0.9, 1.0, 1000000, 2024, &res);
    double dt = now_s() - t0;
    printf("bench: mm1_events_per_s %.0f events/s\n", (double)res.events / dt);
    printf("bench: mm1_mean_time %.4f days\n", res.mean_time);
    printf("M/M/1 analytic mean time in system: 10.0 (%llu events in %.3f s)\n",
           (unsigned long long)res.events, dt);
    validate_keys(200000);
    validate_keys(1000000);
    fan_bench();
    return 0;
}
