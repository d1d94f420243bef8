/* raster.c — even-odd scanline polygon fill with anti-aliasing: raster.h.
 *
 * Edges are sorted by their top once per fill; a sweep keeps the active
 * edges. For each of SUB sub-rows of a pixel row, the crossings are sorted
 * and each span between a pair adds coverage (fractional at its ends) to a
 * row accumulator; the row is then blended. O(edges log edges + rows *
 * (active + width)). */
#include "raster.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define SUB 4

typedef struct Edge { float ytop, ybot, x, dxdy; } Edge;

struct Raster {
    Edge *edges;
    int max_edges;
    int *active;       /* indices into edges */
    float *xs;         /* crossings on one sub-row */
    float *cover;      /* coverage accumulator for one row, max_width + 2 */
    int max_width;
};

Raster *raster_create(int max_edges, int max_width)
{
    Raster *r = calloc(1, sizeof *r);
    if (!r) return NULL;
    r->max_edges = max_edges;
    r->max_width = max_width;
    r->edges = malloc(sizeof *r->edges * (size_t)(max_edges + 1));
    r->active = malloc(sizeof *r->active * (size_t)(max_edges + 1));
    r->xs = malloc(sizeof *r->xs * (size_t)(max_edges + 1));
    r->cover = malloc(sizeof *r->cover * (size_t)(max_width + 2));
    if (!r->edges || !r->active || !r->xs || !r->cover) {
        raster_destroy(r);
        return NULL;
    }
    return r;
}

void raster_destroy(Raster *r)
{
    if (!r) return;
    free(r->edges);
    free(r->active);
    free(r->xs);
    free(r->cover);
    free(r);
}

static int by_top(const void *a, const void *b)
{
    float ya = ((const Edge *)a)->ytop, yb = ((const Edge *)b)->ytop;
    return (ya > yb) - (ya < yb);
}

static void sort_floats(float *v, int n)
{
    for (int i = 1; i < n; i++) {   /* few crossings per row: insertion sort */
        float x = v[i];
        int j = i - 1;
        while (j >= 0 && v[j] > x) { v[j + 1] = v[j]; j--; }
        v[j + 1] = x;
    }
}

/* Add coverage weight `wgt` for the horizontal span [x0, x1). */
static void add_span(float *cover, int w, float x0, float x1, float wgt)
{
    if (x0 < 0) x0 = 0;
    if (x1 > w) x1 = (float)w;
    if (x1 <= x0) return;
    int i0 = (int)x0, i1 = (int)x1;
    if (i0 == i1) { cover[i0] += (x1 - x0) * wgt; return; }
    cover[i0] += (i0 + 1 - x0) * wgt;
    for (int i = i0 + 1; i < i1; i++) cover[i] += wgt;
    if (i1 < w) cover[i1] += (x1 - i1) * wgt;
}

static uint32_t blend(uint32_t dst, uint32_t src, float a)
{
    if (a >= 0.999f) return src | 0xff000000u;
    uint32_t out = 0xff000000u;
    for (int s = 0; s < 24; s += 8) {
        float d = (float)((dst >> s) & 0xff), c = (float)((src >> s) & 0xff);
        out |= (uint32_t)(d + (c - d) * a + 0.5f) << s;
    }
    return out;
}

int raster_fill(Raster *r, uint32_t *px, int w, int h, int pitch,
                const float *x, const float *y, const int *start, const int *count,
                int nrings, uint32_t color)
{
    if (w > r->max_width) return -1;
    int ne = 0;
    for (int k = 0; k < nrings; k++) {
        int s = start[k], n = count[k];
        for (int i = 0; i < n; i++) {
            int a = s + i, b = s + (i + 1) % n;
            float ya = y[a], yb = y[b];
            if (ya == yb) continue;
            if (ne >= r->max_edges) return -1;
            Edge *e = &r->edges[ne++];
            if (ya < yb) { e->ytop = ya; e->ybot = yb; e->x = x[a]; }
            else { e->ytop = yb; e->ybot = ya; e->x = x[b]; }
            e->dxdy = (x[b] - x[a]) / (y[b] - y[a]);
        }
    }
    qsort(r->edges, (size_t)ne, sizeof *r->edges, by_top);
    int next = 0, nact = 0;
    for (int row = 0; row < h; row++) {
        int touched = 0;
        memset(r->cover, 0, sizeof *r->cover * (size_t)(w + 1));
        for (int sub = 0; sub < SUB; sub++) {
            float yc = row + (sub + 0.5f) / SUB;
            while (next < ne && r->edges[next].ytop <= yc) r->active[nact++] = next++;
            int nx = 0;
            for (int i = 0; i < nact;) {
                const Edge *e = &r->edges[r->active[i]];
                if (e->ybot <= yc) { r->active[i] = r->active[--nact]; continue; }
                r->xs[nx++] = e->x + (yc - e->ytop) * e->dxdy;
                i++;
            }
            if (nx < 2) continue;
            sort_floats(r->xs, nx);
            for (int i = 0; i + 1 < nx; i += 2) add_span(r->cover, w, r->xs[i], r->xs[i + 1], 1.0f / SUB);
            touched = 1;
        }
        if (!touched) continue;
        uint32_t *line = px + (size_t)row * (size_t)pitch;
        for (int i = 0; i < w; i++)
            if (r->cover[i] > 0.002f) line[i] = blend(line[i], color, r->cover[i] > 1 ? 1 : r->cover[i]);
    }
    return 0;
}
