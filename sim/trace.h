/* trace.h — what a replication tells the outside world, event by event.
 *
 * The engine emits TraceRec values (plain data: time, kind, indices,
 * numbers; never pointers into the Sim) to a TraceSink. A sink can be
 * nothing (batch runs), a JSON Lines writer (`salvo run --trace`), or an
 * in-memory buffer (the view). The TraceHeader carries everything the map
 * needs — actors and colours, places with coordinates, routes, carriers,
 * stocks, names — so a trace file is self-contained and replays without
 * the engine or the scenario.
 *
 * Record kinds and the meaning of their operands (indices refer to the
 * header's arrays; -1 means none). In a trace file (format 2) each operand
 * is written under the name in brackets; see docs/trace.md.
 *
 *   kind        a           b            c              x                 y
 *   DEPART      carrier     route        resource       cargo (units)     planned arrival t
 *                                                       [cargo]           [eta]
 *   ARRIVE      carrier     route        resource       delivered good    duds
 *                                                       [delivered]       [duds]
 *   LOST        carrier     route        resource       cargo lost        fraction of way (0..1)
 *                                                       [cargo]           [fraction]
 *   RETURN      carrier     route        -1             0                 0
 *   STOCK       stock       -1           -1             level             cumulative shortfall
 *                                                       [level]           [shortfall]
 *   SHORT       stock       1=starts,    -1             unmet rate/day    cumulative shortfall
 *                           0=ends [starts]             [unmet_rate]      [shortfall]
 *   LAUNCH      programme   attempt #    0=success,     P(success) used   0
 *                           (1-based)    k=failed at stage k  [p]
 *                           [attempt]    [stage]
 *   ASSIST      programme   actor        AssistStep:    0                 0
 *                                        0=offered, 1=accepted, 2=arrived [step]
 *   TREATY      treaty      TreatyStatus party actor    0                 0
 *                           [status]     [actor]
 *   TROOPS      actor       from place   to place       troops            arrival t
 *                           [from]       [to]           [troops]          [arrival]
 *   DECISION    decision    option       1=person,0=policy  0             0
 *                           [option]     [person]
 *   EVENT       event       -1 happens,  -1             0                 0
 *                           1 its effects after its delay
 *                           [effects: true when 1, absent when -1]
 *   ROUTE       route       1=open,0=closed  -1         0                 0
 *                           [open]
 *   END         -1          -1           -1             0                 0
 *
 * The operand a is named after what it indexes ([carrier], [stock], ...).
 *
 * Units: t in days from the header's start date; cargo in the resource's
 * unit (rounds for shells).
 */
#ifndef SALVO_TRACE_H
#define SALVO_TRACE_H

#include <stdint.h>
#include <stdio.h>
#include "diag.h"

/* The largest trace file trace_read accepts (it holds the whole trace). */
#define TRACE_MAX_BYTES (1ull << 30)

typedef enum TraceKind {
    TR_DEPART, TR_ARRIVE, TR_LOST, TR_RETURN, TR_STOCK, TR_SHORT, TR_LAUNCH,
    TR_ASSIST, TR_TREATY, TR_TROOPS, TR_DECISION, TR_EVENT, TR_ROUTE,
    TR_END, TR__COUNT
} TraceKind;

typedef enum TreatyStatus {
    TREATY_SIGNED, TREATY_IN_FORCE, TREATY_TRIGGERED, TREATY_HONOURED, TREATY_DECLINED,
    TREATY__COUNT
} TreatyStatus;

/* The steps of an offer of assistance, in the order they happen: the c
 * operand of an ASSIST record. The engine keeps how many have happened
 * (the quantity assist.ID: 0 not offered, step + 1 after step). */
typedef enum AssistStep {
    ASSIST_OFFERED, ASSIST_ACCEPTED, ASSIST_ARRIVED,
    ASSIST__COUNT
} AssistStep;

typedef enum PlaceKind {
    PLACE_ARSENAL, PLACE_PORT, PLACE_RAIL_HUB, PLACE_DEPOT, PLACE_FRONT,
    PLACE_LAUNCH_SITE, PLACE_CAPITAL, PLACE__COUNT
} PlaceKind;

typedef enum RouteMode { MODE_RAIL, MODE_SEA, MODE_ROAD, MODE_AIR, MODE__COUNT } RouteMode;

typedef struct TraceRec {
    double t;
    int32_t kind;   /* TraceKind */
    int32_t a, b, c;
    double x, y;
} TraceRec;

typedef struct TraceSink {
    void (*emit)(void *ctx, const TraceRec *r);
    void *ctx;
} TraceSink;

/* --- the header: the map and the names ------------------------------- */
typedef struct TraceActor { const char *id, *name; uint32_t color; /* 0xRRGGBB */ } TraceActor;
typedef struct TracePlace {
    const char *id, *name;
    int kind;       /* PlaceKind */
    int actor;      /* owner, -1 none */
    double lat, lon;
} TracePlace;
typedef struct TraceRoute {
    const char *id, *name;
    int mode;       /* RouteMode */
    int from, to;   /* places */
    int npts;       /* intermediate waypoints (excluding from/to) */
    const double *lat, *lon;
    int final;      /* 1 if no route leaves its destination stock: arrivals
                       are final deliveries (the engine's delivered.RESOURCE) */
} TraceRoute;
typedef struct TraceCarrier { const char *id, *name; int route; double capacity; /* units */ } TraceCarrier;
typedef struct TraceResource { const char *id, *name, *unit; } TraceResource;
typedef struct TraceStock { const char *id; int place, resource; double initial, capacity; } TraceStock;
typedef struct TraceNamed { const char *id, *name; int actor; int place; } TraceNamed; /* treaties, programmes, events */
typedef struct TraceDecisionDef {
    const char *id, *name;
    int actor;
    int noptions;
    const char *const *options;
} TraceDecisionDef;

typedef struct TraceHeader {
    const char *salvo_version;
    const char *scenario;       /* scenario name */
    const char *sha256;         /* of the scenario file, hex */
    uint64_t seed;
    int64_t start;              /* epoch day of t = 0 */
    double end;                 /* last day simulated */
    int nactors, nplaces, nroutes, ncarriers, nresources, nstocks;
    int ntreaties, nprogrammes, nevents, ndecisions;
    const TraceActor *actors;
    const TracePlace *places;
    const TraceRoute *routes;
    const TraceCarrier *carriers;
    const TraceResource *resources;
    const TraceStock *stocks;
    const TraceNamed *treaties, *programmes, *events;
    const TraceDecisionDef *decisions;
} TraceHeader;

const char *trace_kind_name(TraceKind k);         /* "depart", ... */
int trace_kind_from_name(const char *s);          /* -1 if unknown */
/* The name of operand `slot` (0..4 for a, b, c, x, y) of kind k in a
 * format-2 trace file ("carrier", "cargo", ...), or NULL if not written. */
const char *trace_field_name(TraceKind k, int slot);
const char *trace_treaty_status_name(TreatyStatus s);   /* "signed", "in-force", ... */
const char *trace_place_kind_name(PlaceKind k);         /* "arsenal", "launch-site", ... */
int trace_place_kind_from_name(const char *s);
const char *trace_route_mode_name(RouteMode m);         /* "rail", "sea", ... */
int trace_route_mode_from_name(const char *s);
/* 1 if every operand of r refers to something that exists in h, as the
 * table above says for r's kind (and t is finite and >= 0); else 0 with a
 * reason in why. The reader checks every record with it. */
int trace_rec_valid(const TraceHeader *h, const TraceRec *r, char *why, size_t n);

/* --- in-memory buffer sink -------------------------------------------- */
/* lost: records not kept because memory ran out (a sink has no caller to
 * tell; the owner checks it after the run). */
typedef struct TraceBuf { TraceRec *recs; size_t n, cap, lost; } TraceBuf;
void trace_buf_init(TraceBuf *b);
void trace_buf_fini(TraceBuf *b);
void trace_buf_clear(TraceBuf *b);
TraceSink trace_buf_sink(TraceBuf *b);

/* --- JSON Lines ---------------------------------------------------------
 * Format 2 (docs/trace.md, docs/trace.schema.json):
 * Line 1: {"salvo":"0.1.0","type":"header","trace":2,"scenario":...,"sha256":...,
 *          "seed":"N","start":"YYYY-MM-DD","end":DAYS,"actors":[...],...}
 * Then one record per line: t, its calendar date, the kind's name, and the
 * operands that have a name in the table above, in the order a b c x y
 * (an operand without a name is not written):
 *   {"t":12.5,"date":"2023-09-08","kind":"depart","carrier":0,"route":1,"resource":0,"cargo":75000,"eta":14.2}
 * A treaty status and an assistance step are written as their names
 * ("status":"in-force", "step":"accepted"), a 1/0 operand as true/false,
 * EVENT's effects only when 1. A number is written in the shortest form
 * that reads back to the same double (an integer below 2^53 in full), a
 * value that is not finite as null; so the same run gives the same bytes.
 * The reader also reads format 1 (no "trace" key; a numeric seed; records
 * with positional "a","b","c","x","y"), and refuses newer formats.
 */
#define TRACE_VERSION 2
typedef struct TraceWriter TraceWriter;
/* Write to a temporary file beside `path`; renamed into place by close. */
TraceWriter *trace_writer_open(const char *path, const TraceHeader *h, Diag *d);
TraceSink trace_writer_sink(TraceWriter *w);
/* The temporary file being written (NULL when written in place): a signal
 * handler removes it before exiting. */
const char *trace_writer_temp(const TraceWriter *w);
/* Finish and rename. Returns 0, or -1 with a diagnostic (file removed). */
int trace_writer_close(TraceWriter *w, Diag *d);
/* Abandon: remove the temporary file. */
void trace_writer_abort(TraceWriter *w);

/* A trace read back from a file: owns its header strings and records. */
typedef struct TraceFile {
    TraceHeader h;
    TraceRec *recs;
    size_t n;
    void *arena;    /* private */
} TraceFile;
/* Read a JSONL trace. NULL with diagnostics (FILE:LINE:COL) on bad input. */
TraceFile *trace_read(const char *path, Diag *d);
void trace_file_destroy(TraceFile *f);

#endif
