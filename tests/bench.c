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
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "salvo.h"
#include "dist.h"
#include "evq.h"
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
        e.t = rng_exponential(&r, 1.0);
        evq_push(&q, &e);
    }
    double t0 = now_s();
    for (long i = 0; i < holds; i++) {
        evq_pop(&q, &out);
        out.t += rng_exponential(&r, 1.0);
        evq_push(&q, &out);
    }
    double dt = now_s() - t0;
    printf("bench: hold_n%zu %.1f ns\n", n, dt / (double)holds * 1e9);
    fflush(stdout);
    evq_free(&q);
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
    scenario_free(sc);
    diag_free(&d);
    free(buf);
}

int main(void)
{
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
    return 0;
}
