/* proj.h — the map projection: latitude/longitude to screen pixels.
 *
 * A spherical Lambert conformal conic (the usual projection for maps of
 * Russia): shapes are true locally, and the long east-west band from Ukraine
 * to Japan bends gently instead of stretching. proj_fit chooses the standard
 * parallels and central meridian from a lat/lon box and scales it into a
 * screen rectangle; zoom and pan then act on the fitted scale and offset.
 *
 * Invariant: proj_inv(proj_fwd(p)) == p (to rounding) for every point of the
 * map, so a click can be turned back into a place. SDL-free.
 */
#ifndef SALVO_PROJ_H
#define SALVO_PROJ_H

typedef struct Proj {
    double lon0;        /* central meridian, radians */
    double n, F, rho0;  /* cone constant, scale constant, rho at lat0 */
    double scale;       /* pixels per unit of the raw projection */
    double ox, oy;      /* screen position of the raw origin */
} Proj;

/* Conic with standard parallels lat1 < lat2 (degrees), origin (lat0, lon0). */
void proj_init(Proj *p, double lat1, double lat2, double lat0, double lon0);
/* The raw projection (unit sphere, y up). */
void proj_raw(const Proj *p, double lat, double lon, double *x, double *y);
/* Choose parallels and meridian for the box, then scale and centre the box
 * into the screen rectangle (x, y, w, h), keeping the aspect. */
void proj_fit(Proj *p, double lat_min, double lat_max, double lon_min, double lon_max,
              double x, double y, double w, double h);
/* Degrees of longitude from the central meridian, in [-180, 180]. Land
 * more than about 120 degrees away folds over in a conic: leave it out. */
double proj_dlon(const Proj *p, double lon);
/* Degrees to screen pixels (y down). */
void proj_fwd(const Proj *p, double lat, double lon, double *sx, double *sy);
/* Screen pixels back to degrees. */
void proj_inv(const Proj *p, double sx, double sy, double *lat, double *lon);
/* Zoom by factor k about the screen point (cx, cy): that point stays put. */
void proj_zoom(Proj *p, double k, double cx, double cy);
/* Move the map by (dx, dy) pixels. */
void proj_pan(Proj *p, double dx, double dy);

#endif
