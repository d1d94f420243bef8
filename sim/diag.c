/* diag.c — the caller-owned list of input problems: see diag.h.
 *
 * Invariant: 0 <= count <= DIAG_MAX and count <= cap; items[0..count) each
 * own their path and msg strings. A problem that cannot be stored (past
 * DIAG_MAX, or out of memory) is still counted in `dropped`, so
 * diag_errors() never under-reports.
 */
#include "diag.h"
#include "mem.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static char *dupstr(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = mem_malloc(n);
    if (p) memcpy(p, s, n);
    return p;
}

void diag_init(Diag *d, const char *file)
{
    memset(d, 0, sizeof *d);
    /* If this copy fails, printing falls back to "<input>". */
    d->file = dupstr(file ? file : "");
}

void diag_fini(Diag *d)
{
    if (!d) return;
    for (int i = 0; i < d->count; i++) {
        free(d->items[i].path);
        free(d->items[i].msg);
    }
    free(d->items);
    free(d->file);
    memset(d, 0, sizeof *d);
}

void diag_add(Diag *d, int line, int col, const char *path, const char *fmt, ...)
{
    if (d->count >= DIAG_MAX) {
        d->dropped++;
        return;
    }
    if (d->count == d->cap) {
        int ncap = d->cap ? d->cap * 2 : 8;
        if (ncap > DIAG_MAX) ncap = DIAG_MAX;
        DiagItem *n = mem_realloc(d->items, (size_t)ncap * sizeof *n);
        if (!n) {
            d->dropped++;
            return;
        }
        d->items = n;
        d->cap = ncap;
    }
    va_list ap;
    va_start(ap, fmt);
    int len = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *msg = len >= 0 ? mem_malloc((size_t)len + 1) : NULL;
    char *p = dupstr(path ? path : "");
    if (!msg || !p) {
        free(msg);
        free(p);
        d->dropped++;
        return;
    }
    va_start(ap, fmt);
    vsnprintf(msg, (size_t)len + 1, fmt, ap);
    va_end(ap);
    d->items[d->count++] = (DiagItem){ line, col, p, msg };
}

int diag_errors(const Diag *d)
{
    return d->count + d->dropped;
}

void diag_print(const Diag *d, FILE *out)
{
    const char *file = d->file && d->file[0] ? d->file : "<input>";
    for (int i = 0; i < d->count; i++) {
        const DiagItem *it = &d->items[i];
        if (it->line > 0) fprintf(out, "%s:%d:%d: error: ", file, it->line, it->col);
        else fprintf(out, "%s: error: ", file);
        if (it->path[0]) fprintf(out, "%s: ", it->path);
        fprintf(out, "%s\n", it->msg);
    }
    if (d->dropped > 0)
        fprintf(out, "%s: %d more error%s not shown\n", file, d->dropped, d->dropped == 1 ? "" : "s");
}

/* Banded Levenshtein: only cells with |i - j| <= cap can hold a distance
 * <= cap, so each row keeps 2*cap+1 cells in a fixed stack buffer. Work is
 * O(min(la, lb) * cap) after the common prefix and suffix are stripped, and
 * stops as soon as a whole band row exceeds the cap. */
int diag_edit_distance(const char *a, const char *b, int cap)
{
    if (cap < 0) cap = 0;
    if (cap > DIAG_EDIT_MAX_CAP) cap = DIAG_EDIT_MAX_CAP;
    size_t la = strlen(a), lb = strlen(b);
    while (la > 0 && lb > 0 && *a == *b) { a++; b++; la--; lb--; }
    while (la > 0 && lb > 0 && a[la - 1] == b[lb - 1]) { la--; lb--; }
    if (la < lb) {
        const char *t = a; a = b; b = t;
        size_t tl = la; la = lb; lb = tl;
    }
    /* Now la >= lb. */
    if (la - lb > (size_t)cap) return cap + 1;
    if (lb == 0) return (int)la;

    enum { W = 2 * DIAG_EDIT_MAX_CAP + 1, BIG = DIAG_EDIT_MAX_CAP + 2 };
    /* prev[k] / cur[k] hold D(i, j) for j = i - cap + k. */
    int rowa[W + 2], rowb[W + 2];
    int *prev = rowa, *cur = rowb;
    int w = 2 * cap + 1;
    for (int k = 0; k < w; k++) {
        long j = (long)k - cap;           /* row i = 0 */
        prev[k] = (j >= 0 && j <= (long)lb) ? (int)j : BIG;
    }
    for (size_t i = 1; i <= la; i++) {
        int rowmin = BIG;
        for (int k = 0; k < w; k++) {
            long j = (long)i - cap + k;
            int v = BIG;
            if (j == 0) {
                v = (int)(i <= (size_t)BIG ? i : BIG);
            } else if (j > 0 && j <= (long)lb) {
                /* D(i-1, j-1) is prev[k]; D(i-1, j) is prev[k+1]; D(i, j-1) is cur[k-1]. */
                int sub = prev[k] + (a[i - 1] != b[j - 1]);
                int del = k + 1 < w ? prev[k + 1] + 1 : BIG;
                int ins = k > 0 ? cur[k - 1] + 1 : BIG;
                v = sub < del ? sub : del;
                if (ins < v) v = ins;
                if (v > BIG) v = BIG;
            }
            cur[k] = v;
            if (v < rowmin) rowmin = v;
        }
        if (rowmin > cap) return cap + 1;
        int *t = prev; prev = cur; cur = t;
    }
    /* D(la, lb) sits at k = lb - la + cap. */
    int d = prev[(long)lb - (long)la + cap];
    return d > cap ? cap + 1 : d;
}

const char *diag_suggest(const char *word, const char *const *candidates, int n)
{
    int limit = (int)(strlen(word) / 3);
    if (limit < 2) limit = 2;
    if (limit > DIAG_EDIT_MAX_CAP) limit = DIAG_EDIT_MAX_CAP;
    const char *best = NULL;
    int bestd = limit + 1;
    for (int i = 0; i < n; i++) {
        if (!candidates[i]) continue;
        /* Searching with cap bestd-1 keeps ties with the first candidate. */
        int dist = diag_edit_distance(word, candidates[i], bestd - 1);
        if (dist < bestd) {
            bestd = dist;
            best = candidates[i];
        }
    }
    return best;
}
