/* basemap.h — the base map: land, borders and country names, loaded from
 * the compact asset tools/mkmap.py derives from Natural Earth
 * (assets/basemap.bin; the format is described at the top of mkmap.py).
 *
 * Invariant: every polyline has >= 2 points and every land ring >= 3;
 * coordinates are degrees (float). Owned by the Basemap: one destroy.
 * SDL-free.
 */
#ifndef SALVO_BASEMAP_H
#define SALVO_BASEMAP_H

#include <stddef.h>
#include "diag.h"

typedef struct BasemapLine {
    int start, n;           /* points [start, start+n) of the Basemap's arrays */
} BasemapLine;

typedef struct BasemapLabel {
    float lat, lon;
    int rank;               /* Natural Earth LABELRANK: lower is more important */
    const char *name;
} BasemapLabel;

typedef struct Basemap {
    float *lat, *lon;       /* all points, land rings first, then borders */
    int npts;
    BasemapLine *land;      /* closed rings (last point joins the first) */
    int nland;
    BasemapLine *borders;   /* open polylines */
    int nborders;
    BasemapLabel *labels;
    int nlabels;
    float clip_lat[2], clip_lon[2]; /* the rectangle the asset was clipped to */
    char *names;            /* label text storage */
} Basemap;

/* Load an asset file; NULL with a diagnostic if missing or malformed. */
Basemap *basemap_load(const char *path, Diag *d);
void basemap_destroy(Basemap *m);
/* 1 if the segment a-b of a land ring lies along the clip rectangle (an
 * artefact of clipping, not a coast). */
int basemap_clip_edge(const Basemap *m, int a, int b);

#endif
