/* prim.c — PRIM peeling (prim.h). Invariant: `in` marks exactly the points
 * inside the current box, and every statistic is recomputed from it in
 * point order, so the trajectory is a function of the data alone. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "prim.h"

/* A candidate peel or paste: the density it leaves, where, and what it
 * moves (points and cases kept by a peel, added by a paste). */
typedef struct Move {
    double density;
    int dim, upper;
    double bound;
    uint64_t n, y;
} Move;

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

void prim_destroy(Prim *p)
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
        /* The best peel, even if it lowers the density: a greedy dip may
         * lead higher. */
        Move best = { -1, -1, 0, 0, 0, 0 };
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
                if (dn > best.density) best = (Move){ dn, j, u, cut, kn, ky };
            }
        }
        if (best.dim < 0) break;
        int bj = best.dim, bu = best.upper;
        for (uint64_t i = 0; i < n; i++) {
            if (!in[i]) continue;
            double v = x[i * (uint64_t)d + (uint64_t)bj];
            if (bu ? !(v < best.bound) : !(v > best.bound)) in[i] = 0;
        }
        nin = best.n;
        yin = best.y;
        den = best.density;
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
    prim_destroy(p);
    return NULL;
}

int prim_choose(const Prim *p, double min_coverage)
{
    int best = 0;
    for (int i = 0; i < p->nsteps; i++)
        if (p->steps[i].coverage >= min_coverage && p->steps[i].density > p->steps[best].density) best = i;
    return best;
}

/* Is point i inside [lo, hi] in every dimension but `skip` (-1: none)? */
static int inside(const double *x, uint64_t i, int d, const double *lo, const double *hi, int skip)
{
    const double *p = x + i * (uint64_t)d;
    for (int j = 0; j < d; j++)
        if (j != skip && !(p[j] >= lo[j] && p[j] <= hi[j])) return 0;
    return 1;
}

int prim_paste(const double *x, const unsigned char *y, uint64_t n, int d, double paste_alpha, double *lo,
               double *hi)
{
    double *vals = mem_malloc(((size_t)n + 1) * sizeof *vals);
    if (!vals) return -1;
    uint64_t nin = 0, yin = 0;
    for (uint64_t i = 0; i < n; i++)
        if (inside(x, i, d, lo, hi, -1)) {
            nin++;
            yin += y[i] != 0;
        }
    int pastes = 0;
    /* A box without a case has nothing to keep dense: it is left alone.
     * Every paste adds a point, so there are at most n of them. */
    while (yin > 0 && nin < n) {
        double den = (double)yin / (double)nin;
        uint64_t k = (uint64_t)floor(paste_alpha * (double)nin);
        Move best = { -1, -1, 0, 0, 0, 0 };
        if (k < 1) k = 1;
        for (int j = 0; j < d; j++) {
            for (int u = 0; u < 2; u++) {
                /* The slab beyond face u of dimension j: its k nearest
                 * values (ties included). */
                uint64_t m = 0;
                for (uint64_t i = 0; i < n; i++) {
                    double v = x[i * (uint64_t)d + (uint64_t)j];
                    if ((u ? v > hi[j] : v < lo[j]) && inside(x, i, d, lo, hi, j)) vals[m++] = v;
                }
                if (m == 0) continue;
                qsort(vals, (size_t)m, sizeof *vals, cmp_double);
                uint64_t kk = k < m ? k : m;
                double b = u ? vals[kk - 1] : vals[m - kk];
                uint64_t an = 0, ay = 0;
                for (uint64_t i = 0; i < n; i++) {
                    double v = x[i * (uint64_t)d + (uint64_t)j];
                    if ((u ? v > hi[j] && v <= b : v < lo[j] && v >= b) && inside(x, i, d, lo, hi, j)) {
                        an++;
                        ay += y[i] != 0;
                    }
                }
                double dn = (double)(yin + ay) / (double)(nin + an);
                if (dn > best.density || (dn == best.density && ay > best.y)) best = (Move){ dn, j, u, b, an, ay };
            }
        }
        if (best.dim < 0 || best.density < den) break;
        if (best.upper) hi[best.dim] = best.bound;
        else lo[best.dim] = best.bound;
        nin += best.n;
        yin += best.y;
        pastes++;
    }
    free(vals);
    return pastes;
}

void prim_cover_free(PrimCover *c)
{
    if (!c) return;
    for (int b = 0; b < c->nboxes; b++) {
        prim_destroy(c->boxes[b].peel);
        free(c->boxes[b].lo);
        free(c->boxes[b].hi);
    }
    free(c->boxes);
    free(c->lo);
    free(c->hi);
    free(c);
}

PrimCover *prim_cover(const double *x, const unsigned char *y, uint64_t n, int d, const PrimOptions *o)
{
    if (n == 0 || d <= 0) return NULL;
    int maxb = o->max_boxes > 0 ? o->max_boxes : 1;
    PrimCover *c = mem_calloc(1, sizeof *c);
    unsigned char *left = mem_malloc((size_t)n), *yl = mem_malloc((size_t)n);
    double *xl = mem_malloc((size_t)n * (size_t)d * sizeof *xl);
    if (!c || !left || !yl || !xl) goto fail;
    c->d = d;
    c->boxes = mem_calloc((size_t)maxb, sizeof *c->boxes);
    c->lo = mem_malloc((size_t)d * sizeof *c->lo);
    c->hi = mem_malloc((size_t)d * sizeof *c->hi);
    if (!c->boxes || !c->lo || !c->hi) goto fail;
    uint64_t cases = 0;
    for (uint64_t i = 0; i < n; i++) cases += y[i] != 0;
    c->density = (double)cases / (double)n;
    memset(left, 1, (size_t)n);
    for (int b = 0; b < maxb; b++) {
        /* The points no earlier box took, in their order. */
        uint64_t nl = 0, cl = 0;
        for (uint64_t i = 0; i < n; i++) {
            if (!left[i]) continue;
            memcpy(xl + nl * (uint64_t)d, x + i * (uint64_t)d, (size_t)d * sizeof *xl);
            yl[nl] = y[i] != 0;
            cl += yl[nl++];
        }
        if (nl == 0 || (b > 0 && cl == 0)) break;
        Prim *p = prim_peel(xl, yl, nl, d, o->alpha, o->min_support);
        if (!p) goto fail;
        PrimBox *box = &c->boxes[b];
        box->peel = p;
        box->chosen = prim_choose(p, o->min_coverage);
        box->lo = mem_malloc((size_t)d * sizeof *box->lo);
        box->hi = mem_malloc((size_t)d * sizeof *box->hi);
        if (!box->lo || !box->hi) {
            c->nboxes = b + 1;
            goto fail;
        }
        memcpy(box->lo, p->steps[box->chosen].lo, (size_t)d * sizeof *box->lo);
        memcpy(box->hi, p->steps[box->chosen].hi, (size_t)d * sizeof *box->hi);
        if (b == 0) {
            memcpy(c->lo, p->steps[0].lo, (size_t)d * sizeof *c->lo);
            memcpy(c->hi, p->steps[0].hi, (size_t)d * sizeof *c->hi);
        }
        if (o->paste_alpha > 0 && (box->pastes = prim_paste(xl, yl, nl, d, o->paste_alpha, box->lo, box->hi)) < 0) {
            c->nboxes = b + 1;
            goto fail;
        }
        uint64_t bn = 0, by = 0;
        for (uint64_t i = 0; i < nl; i++)
            if (inside(xl, i, d, box->lo, box->hi, -1)) {
                bn++;
                by += yl[i];
            }
        /* A later box must be denser than the whole data set (the outcome
         * more likely inside it than anywhere); the first is kept even
         * when it is all the points (the report says so). */
        if (b > 0 && (box->chosen == 0 || bn == 0 || (double)by / (double)bn <= c->density)) {
            prim_destroy(box->peel);
            free(box->lo);
            free(box->hi);
            memset(box, 0, sizeof *box);
            break;
        }
        c->nboxes = b + 1;
        box->coverage = cases ? (double)by / (double)cases : 0;
        box->density = bn ? (double)by / (double)bn : 0;
        box->support = (double)bn / (double)n;
        for (int s = 0; s < p->nsteps; s++) {
            p->steps[s].coverage *= cases ? (double)cl / (double)cases : 0;
            p->steps[s].support *= (double)nl / (double)n;
        }
        for (uint64_t i = 0; i < n; i++)
            if (left[i] && inside(x, i, d, box->lo, box->hi, -1)) left[i] = 0;
    }
    free(left);
    free(yl);
    free(xl);
    return c;
fail:
    free(left);
    free(yl);
    free(xl);
    prim_cover_free(c);
    return NULL;
}
