/* basemap.c — read assets/basemap.bin: see basemap.h and tools/mkmap.py.
 * Every count is checked against the bytes that remain before it is used,
 * so a truncated or corrupt asset is a diagnostic, never a crash. */
#include "basemap.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct Cursor { const unsigned char *p, *end; int bad; } Cursor;

static uint32_t u32(Cursor *c)
{
    if (c->end - c->p < 4) { c->bad = 1; return 0; }
    uint32_t v = (uint32_t)c->p[0] | (uint32_t)c->p[1] << 8 | (uint32_t)c->p[2] << 16 |
                 (uint32_t)c->p[3] << 24;
    c->p += 4;
    return v;
}

static int16_t i16(Cursor *c)
{
    if (c->end - c->p < 2) { c->bad = 1; return 0; }
    uint16_t v = (uint16_t)(c->p[0] | c->p[1] << 8);
    c->p += 2;
    return (int16_t)v;
}

/* Count the points of one layer without storing them (first pass). */
static int scan_layer(Cursor *c, int min_pts, uint32_t *nlines, uint64_t *npts)
{
    *nlines = u32(c);
    for (uint32_t i = 0; i < *nlines && !c->bad; i++) {
        uint32_t n = u32(c);
        if (n < (uint32_t)min_pts || (uint64_t)(c->end - c->p) < (uint64_t)n * 4) return -1;
        c->p += (size_t)n * 4;
        *npts += n;
    }
    return c->bad ? -1 : 0;
}

static void read_layer(Cursor *c, Basemap *m, BasemapLine *lines, uint32_t nlines)
{
    for (uint32_t i = 0; i < nlines; i++) {
        uint32_t n = u32(c);
        lines[i].start = m->npts;
        lines[i].n = (int)n;
        for (uint32_t k = 0; k < n; k++) {
            m->lon[m->npts] = i16(c) / 100.0f;
            m->lat[m->npts] = i16(c) / 100.0f;
            m->npts++;
        }
    }
}

Basemap *basemap_load(const char *path, Diag *d)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        diag_add(d, 0, 0, "", "cannot read the base map '%s': %s", path, strerror(errno));
        return NULL;
    }
    unsigned char *buf = NULL;
    size_t len = 0, cap = 0, got;
    do {
        if (len == cap) {
            cap = cap ? cap * 2 : 65536;
            if (cap > (64u << 20)) break;   /* no sane base map is this big */
            unsigned char *nb = realloc(buf, cap);
            if (!nb) break;
            buf = nb;
        }
        got = fread(buf + len, 1, cap - len, fp);
        len += got;
    } while (got > 0);
    fclose(fp);
    Basemap *m = calloc(1, sizeof *m);
    Cursor c = { buf, buf + len, 0 };
    uint32_t nland = 0, nborders = 0, nlabels = 0;
    uint64_t npts = 0;
    if (!buf || !m || len < 12 || memcmp(buf, "SALVOMAP", 8) != 0) goto bad;
    c.p += 8;
    if (u32(&c) != 1) goto bad;
    const unsigned char *layers = c.p;
    if (scan_layer(&c, 3, &nland, &npts) || scan_layer(&c, 2, &nborders, &npts)) goto bad;
    if (npts > 50u * 1000 * 1000) goto bad;
    m->lat = malloc(npts * sizeof *m->lat + 1);
    m->lon = malloc(npts * sizeof *m->lon + 1);
    m->land = malloc(nland * sizeof *m->land + 1);
    m->borders = malloc(nborders * sizeof *m->borders + 1);
    if (!m->lat || !m->lon || !m->land || !m->borders) goto bad;
    c.p = layers;
    (void)u32(&c);  /* each layer's count is known from the scan */
    read_layer(&c, m, m->land, nland);
    m->nland = (int)nland;
    (void)u32(&c);
    read_layer(&c, m, m->borders, nborders);
    m->nborders = (int)nborders;
    nlabels = u32(&c);
    if (c.bad || nlabels > 100000 || (size_t)(c.end - c.p) < nlabels * 6u) goto bad;
    m->labels = calloc(nlabels + 1, sizeof *m->labels);
    m->names = malloc((size_t)(c.end - c.p) + nlabels + 1);
    if (!m->labels || !m->names) goto bad;
    char *np = m->names;
    for (uint32_t i = 0; i < nlabels; i++) {
        BasemapLabel *l = &m->labels[i];
        l->lon = i16(&c) / 100.0f;
        l->lat = i16(&c) / 100.0f;
        if (c.end - c.p < 2) goto bad;
        l->rank = c.p[0];
        size_t n = c.p[1];
        c.p += 2;
        if ((size_t)(c.end - c.p) < n) goto bad;
        memcpy(np, c.p, n);
        np[n] = '\0';
        l->name = np;
        np += n + 1;
        c.p += n;
    }
    m->nlabels = (int)nlabels;
    if (c.bad) goto bad;
    /* The clip rectangle is the extent of the land rings. */
    m->clip_lat[0] = m->clip_lon[0] = 1e9f;
    m->clip_lat[1] = m->clip_lon[1] = -1e9f;
    for (int i = 0; i < m->nland; i++)
        for (int k = m->land[i].start; k < m->land[i].start + m->land[i].n; k++) {
            if (m->lat[k] < m->clip_lat[0]) m->clip_lat[0] = m->lat[k];
            if (m->lat[k] > m->clip_lat[1]) m->clip_lat[1] = m->lat[k];
            if (m->lon[k] < m->clip_lon[0]) m->clip_lon[0] = m->lon[k];
            if (m->lon[k] > m->clip_lon[1]) m->clip_lon[1] = m->lon[k];
        }
    free(buf);
    return m;
bad:
    diag_add(d, 0, 0, "", "'%s' is not a salvo base map (or is truncated); "
             "regenerate it with tools/mkmap.py", path);
    free(buf);
    basemap_destroy(m);
    return NULL;
}

void basemap_destroy(Basemap *m)
{
    if (!m) return;
    free(m->lat);
    free(m->lon);
    free(m->land);
    free(m->borders);
    free(m->labels);
    free(m->names);
    free(m);
}

int basemap_clip_edge(const Basemap *m, int a, int b)
{
    const float e = 0.005f;
    for (int k = 0; k < 2; k++) {
        float lo = m->clip_lon[k], la = m->clip_lat[k];
        if (fabsf(m->lon[a] - lo) < e && fabsf(m->lon[b] - lo) < e) return 1;
        if (fabsf(m->lat[a] - la) < e && fabsf(m->lat[b] - la) < e) return 1;
    }
    return 0;
}
