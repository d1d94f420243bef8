/* vstate.h — the view state: what is where at time t, from a trace alone.
 *
 * The view's picture is a pure function of (TraceHeader, records, t): this
 * module computes it, without SDL, so it is unit-tested on its own and a
 * saved trace replays exactly like a live run. vstate_create indexes the
 * records once (trips of carriers, series per stock/treaty/route, running
 * totals); vstate_at then answers "at time t" in O(log n + what is visible)
 * and writes into buffers sized at creation — no allocation per frame.
 *
 * Interpretation of the records (see trace.h):
 *   - A carrier's trip runs from DEPART to its next ARRIVE or LOST (or, if
 *     neither came, to the planned arrival y of the DEPART). Its position is
 *     interpolated along the route polyline (from, waypoints, to) by
 *     distance, in proportion to the time elapsed; a LOST trip stops at the
 *     fraction y of the way. After an ARRIVE, a RETURN record makes an
 *     empty return leg from the arrival to the RETURN time.
 *   - A stock's level is the level of its last STOCK record (a step: the
 *     trace does not carry the flow rates in between), 0 while a shortfall
 *     is running; the cumulative shortfall grows at the SHORT record's
 *     unmet rate until the shortfall ends.
 *   - A treaty's status, a route's open/closed state: the last record.
 *
 * The VState keeps pointers to the header and records: they must outlive
 * it (or call vstate_create again after they change).
 */
#ifndef SALVO_VSTATE_H
#define SALVO_VSTATE_H

#include <stddef.h>
#include "trace.h"

typedef struct VState VState;

enum { VC_LOADED, VC_RETURNING };

typedef struct VCarrier {       /* a carrier on the map */
    int carrier, route, resource;
    int state;                  /* VC_LOADED or VC_RETURNING */
    int doomed;                 /* this trip ends in a loss */
    double frac;                /* 0..1 of the way from the route's `from` */
    double lat, lon;
    double dlat, dlon;          /* direction of travel (unnormalised) */
    double cargo;               /* aboard; 0 when returning */
} VCarrier;

typedef struct VLoss {          /* a carrier lost, at the place it happened */
    int carrier, route, resource;
    double t, age;              /* when, and days since */
    double lat, lon, cargo;
} VLoss;

typedef struct VLaunch {
    int programme, attempt;
    int outcome;                /* 0 success, k failed at stage k */
    double p;                   /* P(success) used */
    double t, age;
} VLaunch;

typedef struct VTroops {        /* a troop movement */
    int actor, from, to;
    double troops, t0, t1;
    double frac;                /* 0..1 of the way; 1 once arrived */
} VTroops;

typedef struct VStock {
    double level, capacity;     /* capacity may be infinite (NaN or inf from a trace) */
    double scale;               /* what a full gauge means: the capacity if finite,
                                   else the highest level in the whole trace */
    double shortfall;           /* cumulative, in the resource's unit */
    double unmet_rate;          /* per day while short */
    int short_on;
} VStock;

typedef struct VTotals {        /* running totals up to t, all resources */
    double delivered, lost, duds, departed;
    int trips, losses, launches_ok, launches_failed, decisions;
    double troops;              /* sent so far */
    double shortfall;           /* sum of cumulative shortfall over stocks, all
                                   resources mixed: use VFrame.shortfall[] to show */
} VTotals;

typedef struct VFrame {
    double t;
    size_t nrecs;               /* records with time <= t */
    VCarrier *carriers; size_t ncarriers;
    VLoss *losses; size_t nlosses;          /* all losses so far, newest last */
    VLaunch *launches; size_t nlaunches;    /* launches so far, newest last */
    VTroops *troops; size_t ntroops;        /* movements begun so far */
    VStock *stocks;                         /* [nstocks] */
    int *treaty;                            /* [ntreaties] status, -1 before any */
    double *treaty_since;                   /* [ntreaties] day of that status */
    double *treaty_reached;                 /* [ntreaties * TREATY__COUNT] day each
                                               status was first reached, or -1 */
    int *route_open;                        /* [nroutes] 1 open, 0 closed */
    double *delivered;                      /* [nresources] delivered so far */
    double *lost;                           /* [nresources] lost so far */
    double *shortfall;                      /* [nresources] cumulative shortfall, all stocks
                                               of that resource (never summed across
                                               resources: rounds and drones do not add) */
    VTotals tot;
} VFrame;

/* Marker kinds on the timeline. */
enum {
    VM_LAUNCH_OK, VM_LAUNCH_FAIL, VM_TREATY, VM_DECISION, VM_LOSS, VM_EVENT, VM_TROOPS,
    VM_ROUTE, VM_SHORT, VM__COUNT
};
typedef struct VMarker { double t; int kind; size_t rec; } VMarker;

/* Index a trace. NULL only if out of memory. */
VState *vstate_create(const TraceHeader *h, const TraceRec *recs, size_t n);
void vstate_destroy(VState *vs);
/* The picture at time t. The frame and its arrays belong to the VState and
 * are overwritten by the next call. */
const VFrame *vstate_at(VState *vs, double t);
/* The point at fraction f (0..1, by distance) along route r. */
void vstate_route_point(const VState *vs, int r, double f, double *lat, double *lon);
/* Timeline markers (launches, treaty steps, decisions, losses, ...). */
size_t vstate_markers(const VState *vs, const VMarker **out);
/* The newsworthy records (everything but STOCK, DEPART, ARRIVE, RETURN)
 * with time <= t, newest first: up to max indices into the records. */
size_t vstate_feed(const VState *vs, double t, size_t *idx, size_t max);
/* Time of the next (dir > 0) or previous (dir < 0) newsworthy record
 * strictly after/before t; t itself if there is none. */
double vstate_step(const VState *vs, double t, int dir);
/* Describe a record in words ("Maria lost between Rajin and Dunai with
 * 20,000 rounds"). Returns the length written, like snprintf. */
int vstate_describe(const VState *vs, const TraceRec *r, char *buf, size_t n);
/* A quantity for people: 950, 12,400, 1.25 M. */
void vstate_qty(double v, char *buf, size_t n);
/* A treaty's steps in the order to show them: those reached by the
 * frame's time in date order (ties in status order), then the others in
 * status order. Returns how many were reached. */
int vstate_treaty_order(const VFrame *f, int treaty, int order[TREATY__COUNT]);
/* One figure per resource, each in its own unit, never added across
 * resources: "3.92 M rounds · 1,200 drones" (only the non-zero ones; "0
 * UNIT" of the first resource if all are zero). v has one value per
 * resource of h. Returns how many were non-zero. */
int vstate_by_resource(const TraceHeader *h, const double *v, char *buf, size_t n);
/* Number of records indexed, and record i of them. */
size_t vstate_count(const VState *vs);
const TraceRec *vstate_record(const VState *vs, size_t i);

#endif
