/* proj.c — spherical Lambert conformal conic: see proj.h.
 * Formulas from Snyder, "Map Projections — A Working Manual" (1987), §15. */
#include "proj.h"

#include <math.h>

#define DEG (M_PI / 180.0)

static double tq(double phi) { return tan(M_PI / 4 + phi / 2); }

void proj_init(Proj *p, double lat1, double lat2, double lat0, double lon0)
{
    double f1 = lat1 * DEG, f2 = lat2 * DEG;
    if (fabs(f1 - f2) < 1e-9) p->n = sin(f1);
    else p->n = log(cos(f1) / cos(f2)) / log(tq(f2) / tq(f1));
    /* A box astride the equator gives a cone constant near 0 (a cylinder):
     * keep it away from 0 so F stays finite. */
    if (!(fabs(p->n) >= 0.05)) p->n = p->n < 0 ? -0.05 : 0.05;
    p->F = cos(f1) * pow(tq(f1), p->n) / p->n;
    p->rho0 = p->F / pow(tq(lat0 * DEG), p->n);
    p->lon0 = lon0 * DEG;
    p->scale = 1;
    p->ox = p->oy = 0;
}

void proj_raw(const Proj *p, double lat, double lon, double *x, double *y)
{
    double rho = p->F / pow(tq(lat * DEG), p->n);
    /* Longitude from the central meridian, wrapped to [-180, 180), so a map
     * centred near the date line sees both sides of it. */
    double dl = remainder(lon * DEG - p->lon0, 2 * M_PI);
    double th = p->n * dl;
    *x = rho * sin(th);
    *y = p->rho0 - rho * cos(th);
}

void proj_fit(Proj *p, double lat_min, double lat_max, double lon_min, double lon_max,
              double x, double y, double w, double h)
{
    /* Standard parallels at 1/6 and 5/6 of the latitude span (Deetz and
     * Adams' rule of thumb) keep scale error small across the box. */
    double span = lat_max - lat_min;
    proj_init(p, lat_min + span / 6, lat_max - span / 6, (lat_min + lat_max) / 2,
              (lon_min + lon_max) / 2);
    double x0 = INFINITY, x1 = -INFINITY, y0 = INFINITY, y1 = -INFINITY;
    /* The box's outline is curved in the projection: sample its edges. */
    for (int i = 0; i <= 64; i++) {
        double f = i / 64.0;
        double pts[4][2] = {
            { lat_min, lon_min + f * (lon_max - lon_min) },
            { lat_max, lon_min + f * (lon_max - lon_min) },
            { lat_min + f * span, lon_min },
            { lat_min + f * span, lon_max },
        };
        for (int k = 0; k < 4; k++) {
            double px, py;
            proj_raw(p, pts[k][0], pts[k][1], &px, &py);
            if (px < x0) x0 = px;
            if (px > x1) x1 = px;
            if (py < y0) y0 = py;
            if (py > y1) y1 = py;
        }
    }
    double sx = w / (x1 - x0), sy = h / (y1 - y0);
    p->scale = sx < sy ? sx : sy;
    p->ox = x + w / 2 - p->scale * (x0 + x1) / 2;
    p->oy = y + h / 2 + p->scale * (y0 + y1) / 2;
}

double proj_dlon(const Proj *p, double lon)
{
    return remainder(lon * DEG - p->lon0, 2 * M_PI) / DEG;
}

void proj_fwd(const Proj *p, double lat, double lon, double *sx, double *sy)
{
    double x, y;
    proj_raw(p, lat, lon, &x, &y);
    *sx = p->ox + p->scale * x;
    *sy = p->oy - p->scale * y;
}

void proj_inv(const Proj *p, double sx, double sy, double *lat, double *lon)
{
    double x = (sx - p->ox) / p->scale, y = (p->oy - sy) / p->scale;
    double dy = p->rho0 - y;
    double rho = copysign(sqrt(x * x + dy * dy), p->n);
    double th = atan2(p->n > 0 ? x : -x, p->n > 0 ? dy : -dy);
    *lat = (2 * atan(pow(p->F / rho, 1 / p->n)) - M_PI / 2) / DEG;
    *lon = (p->lon0 + th / p->n) / DEG;
}

void proj_zoom(Proj *p, double k, double cx, double cy)
{
    p->ox = cx - (cx - p->ox) * k;
    p->oy = cy - (cy - p->oy) * k;
    p->scale *= k;
}

void proj_pan(Proj *p, double dx, double dy)
{
    p->ox += dx;
    p->oy += dy;
}
