/* prim.c — PRIM peeling (prim.h). Invariant: `in` marks exactly the points
 * inside the current box, and every statistic is recomputed from it in
 * point order, so the trajectory is a function of the data alone. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "prim.h"

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

void prim_free(Prim *p)
{
    if (!p) return;
    for (int i = 0; i < p->nsteps; i++) {
        free(p->steps[i].lo);
        free(p->steps[i].hi);
    }
    free(p->steps);
    free(p);
}

static int push(Prim *p, int *cap, const double *lo, const double *hi, double cov, double den, double sup, int dim,
                int upper)
{
    if (p->nsteps == *cap) {
        int nc = *cap ? 2 * *cap : 32;
        PrimStep *s = mem_realloc(p->steps, (size_t)nc * sizeof *s);
        if (!s) return -1;
        p->steps = s;
        *cap = nc;
    }
    PrimStep *st = &p->steps[p->nsteps];
    st->lo = mem_malloc((size_t)p->d * sizeof *st->lo);
    st->hi = mem_malloc((size_t)p->d * sizeof *st->hi);
    if (!st->lo || !st->hi) {
        free(st->lo);
        free(st->hi);
        return -1;
    }
    memcpy(st->lo, lo, (size_t)p->d * sizeof *lo);
    memcpy(st->hi, hi, (size_t)p->d * sizeof *hi);
    st->coverage = cov;
    st->density = den;
    st->support = sup;
    st->dim = dim;
    st->upper = upper;
    p->nsteps++;
    return 0;
}

Prim *prim_peel(const double *x, const unsigned char *y, uint64_t n, int d, double alpha, double min_support)
{
    if (n == 0 || d <= 0) return NULL;
    Prim *p = mem_calloc(1, sizeof *p);
    unsigned char *in = mem_malloc((size_t)n);
    double *vals = mem_malloc((size_t)n * sizeof *vals);
    double *lo = mem_malloc((size_t)d * sizeof *lo), *hi = mem_malloc((size_t)d * sizeof *hi);
    int cap = 0;
    if (!p || !in || !vals || !lo || !hi) goto fail;
    p->d = d;
    uint64_t cases = 0;
    for (uint64_t i = 0; i < n; i++) cases += y[i] != 0;
    memset(in, 1, (size_t)n);
    for (int j = 0; j < d; j++) {
        lo[j] = INFINITY;
        hi[j] = -INFINITY;
        for (uint64_t i = 0; i < n; i++) {
            double v = x[i * (uint64_t)d + (uint64_t)j];
            if (v < lo[j]) lo[j] = v;
            if (v > hi[j]) hi[j] = v;
        }
    }
    uint64_t nin = n, yin = cases;
    double den = (double)yin / (double)nin;
    if (push(p, &cap, lo, hi, cases ? (double)yin / (double)cases : 0, den, 1, -1, 0) < 0) goto fail;
    for (;;) {
        double best = den;
        int bj = -1, bu = 0;
        double bcut = 0;
        uint64_t bn = 0, by = 0;
        for (int j = 0; j < d; j++) {
            uint64_t m = 0;
            for (uint64_t i = 0; i < n; i++)
                if (in[i]) vals[m++] = x[i * (uint64_t)d + (uint64_t)j];
            qsort(vals, (size_t)m, sizeof *vals, cmp_double);
            uint64_t k = (uint64_t)floor(alpha * (double)m);
            if (k < 1) k = 1;
            if (k >= m) continue;
            for (int u = 0; u < 2; u++) {
                /* Lower side: keep x > vals[k-1]; upper side: keep x < vals[m-k]. */
                double cut = u ? vals[m - k] : vals[k - 1];
                uint64_t kn = 0, ky = 0;
                for (uint64_t i = 0; i < n; i++) {
                    if (!in[i]) continue;
                    double v = x[i * (uint64_t)d + (uint64_t)j];
                    if (u ? v < cut : v > cut) {
                        kn++;
                        ky += y[i] != 0;
                    }
                }
                if (kn == 0 || kn == nin || (double)kn < min_support * (double)n) continue;
                double dn = (double)ky / (double)kn;
                if (dn > best) {
                    best = dn;
                    bj = j;
                    bu = u;
                    bcut = cut;
                    bn = kn;
                    by = ky;
                }
            }
        }
        if (bj < 0) break;
        for (uint64_t i = 0; i < n; i++) {
            if (!in[i]) continue;
            double v = x[i * (uint64_t)d + (uint64_t)bj];
            if (bu ? !(v < bcut) : !(v > bcut)) in[i] = 0;
        }
        nin = bn;
        yin = by;
        den = best;
        /* The box's bound: the extreme kept value on that side. */
        double b = bu ? -INFINITY : INFINITY;
        for (uint64_t i = 0; i < n; i++)
            if (in[i]) {
                double v = x[i * (uint64_t)d + (uint64_t)bj];
                if (bu ? v > b : v < b) b = v;
            }
        if (bu) hi[bj] = b;
        else lo[bj] = b;
        if (push(p, &cap, lo, hi, cases ? (double)yin / (double)cases : 0, den, (double)nin / (double)n, bj, bu) < 0)
            goto fail;
    }
    free(in);
    free(vals);
    free(lo);
    free(hi);
    return p;
fail:
    free(in);
    free(vals);
    free(lo);
    free(hi);
    prim_free(p);
    return NULL;
}

int prim_choose(const Prim *p, double min_coverage)
{
    int best = 0;
    for (int i = 0; i < p->nsteps; i++)
        if (p->steps[i].coverage >= min_coverage && p->steps[i].density > p->steps[best].density) best = i;
    return best;
}
