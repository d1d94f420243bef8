/* trace.c — trace records: name tables, the in-memory sink, and the JSON
 * Lines writer and reader (see trace.h for the format).
 *
 * Invariant of the writer: the bytes written depend only on the header and
 * the records, never on the machine's state — numbers are printed in the
 * shortest form that reads back to the same double (integers exactly), and
 * keys always appear in one fixed order. So the same run gives the same
 * file, and read → write gives the file back byte for byte.
 *
 * Invariant of the reader: a TraceFile it returns is safe to index — every
 * index in the header and in every record is in range for what the record
 * kind says it refers to (trace_rec_valid), and times never decrease. The
 * view can therefore trust a TraceFile exactly as it trusts the engine.
 * Everything the TraceFile points at lives in one arena: one free.
 */
#include "trace.h"
#include "mem.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "afile.h"
#include "cal.h"

/* --- name tables ------------------------------------------------------ */

static const char *const KIND_NAMES[TR__COUNT] = {
    "depart", "arrive", "lost", "return", "stock", "short", "launch",
    "assist", "treaty", "troops", "decision", "event", "route", "end"
};
static const char *const TREATY_NAMES[TREATY__COUNT] = {
    "signed", "in-force", "triggered", "honoured", "declined"
};
static const char *const PLACE_NAMES[PLACE__COUNT] = {
    "arsenal", "port", "rail-hub", "depot", "front", "launch-site", "capital"
};
static const char *const MODE_NAMES[MODE__COUNT] = { "rail", "sea", "road", "air" };

static int lookup(const char *const *names, int n, const char *s)
{
    if (!s) return -1;
    for (int i = 0; i < n; i++)
        if (strcmp(names[i], s) == 0) return i;
    return -1;
}

const char *trace_kind_name(TraceKind k)
{
    return (unsigned)k < TR__COUNT ? KIND_NAMES[k] : "?";
}
int trace_kind_from_name(const char *s) { return lookup(KIND_NAMES, TR__COUNT, s); }
const char *trace_treaty_status_name(TreatyStatus s)
{
    return (unsigned)s < TREATY__COUNT ? TREATY_NAMES[s] : "?";
}
const char *trace_place_kind_name(PlaceKind k)
{
    return (unsigned)k < PLACE__COUNT ? PLACE_NAMES[k] : "?";
}
int trace_place_kind_from_name(const char *s) { return lookup(PLACE_NAMES, PLACE__COUNT, s); }
const char *trace_route_mode_name(RouteMode m)
{
    return (unsigned)m < MODE__COUNT ? MODE_NAMES[m] : "?";
}
int trace_route_mode_from_name(const char *s) { return lookup(MODE_NAMES, MODE__COUNT, s); }

/* --- record validity --------------------------------------------------- */

/* What each operand of each kind refers to. */
enum Ref {
    R_ANY,        /* a number with no index meaning */
    R_CARRIER, R_ROUTE, R_RESOURCE_OPT, R_STOCK, R_PROGRAMME, R_ACTOR_OPT,
    R_TREATY, R_STATUS, R_ACTOR, R_PLACE, R_DECISION, R_OPTION, R_EVENT,
    R_EVENT_OPT, R_BOOL, R_POSITIVE, R_NONNEG, R_ASSIST
};
static const unsigned char REFS[TR__COUNT][3] = {
    [TR_DEPART]   = { R_CARRIER, R_ROUTE, R_RESOURCE_OPT },
    [TR_ARRIVE]   = { R_CARRIER, R_ROUTE, R_RESOURCE_OPT },
    [TR_LOST]     = { R_CARRIER, R_ROUTE, R_RESOURCE_OPT },
    [TR_RETURN]   = { R_CARRIER, R_ROUTE, R_ANY },
    [TR_STOCK]    = { R_STOCK, R_ANY, R_ANY },
    [TR_SHORT]    = { R_STOCK, R_BOOL, R_ANY },
    [TR_LAUNCH]   = { R_PROGRAMME, R_POSITIVE, R_NONNEG },
    [TR_ASSIST]   = { R_PROGRAMME, R_ACTOR_OPT, R_ASSIST },
    [TR_TREATY]   = { R_TREATY, R_STATUS, R_ACTOR_OPT },
    [TR_TROOPS]   = { R_ACTOR, R_PLACE, R_PLACE },
    [TR_DECISION] = { R_DECISION, R_OPTION, R_BOOL },
    [TR_EVENT]    = { R_EVENT, R_ANY, R_ANY },
    [TR_ROUTE]    = { R_ROUTE, R_BOOL, R_ANY },
    [TR_END]      = { R_ANY, R_ANY, R_ANY },
};

static int in(int32_t v, int n) { return v >= 0 && v < n; }

/* --- named fields (trace format 2) -------------------------------------
 * Each kind's operands a, b, c, x, y under their names, and how each is
 * spelt in JSON. A slot without a name is not written; reading, it gets
 * -1 (a, b, c) or 0 (x, y), which is what the engine puts there. */
/* F_FLAG: an int slot that is 1 or -1, written as `"name":true` only when
 * it is 1 and read back as -1 when absent (EVENT's `effects`). */
enum FieldType { F_NONE, F_IDX, F_INT, F_BOOL, F_STATUS, F_ASSIST, F_NUM, F_FLAG };
typedef struct Field { const char *name; unsigned char type; } Field;
static const Field FIELDS[TR__COUNT][5] = {
    [TR_DEPART]   = { { "carrier", F_IDX }, { "route", F_IDX }, { "resource", F_IDX }, { "cargo", F_NUM }, { "eta", F_NUM } },
    [TR_ARRIVE]   = { { "carrier", F_IDX }, { "route", F_IDX }, { "resource", F_IDX }, { "delivered", F_NUM }, { "duds", F_NUM } },
    [TR_LOST]     = { { "carrier", F_IDX }, { "route", F_IDX }, { "resource", F_IDX }, { "cargo", F_NUM }, { "fraction", F_NUM } },
    [TR_RETURN]   = { { "carrier", F_IDX }, { "route", F_IDX } },
    [TR_STOCK]    = { { "stock", F_IDX }, { 0 }, { 0 }, { "level", F_NUM }, { "shortfall", F_NUM } },
    [TR_SHORT]    = { { "stock", F_IDX }, { "starts", F_BOOL }, { 0 }, { "unmet_rate", F_NUM }, { "shortfall", F_NUM } },
    [TR_LAUNCH]   = { { "programme", F_IDX }, { "attempt", F_INT }, { "stage", F_INT }, { "p", F_NUM } },
    [TR_ASSIST]   = { { "programme", F_IDX }, { "actor", F_IDX }, { "step", F_ASSIST } },
    [TR_TREATY]   = { { "treaty", F_IDX }, { "status", F_STATUS }, { "actor", F_IDX } },
    [TR_TROOPS]   = { { "actor", F_IDX }, { "from", F_IDX }, { "to", F_IDX }, { "troops", F_NUM }, { "arrival", F_NUM } },
    [TR_DECISION] = { { "decision", F_IDX }, { "option", F_INT }, { "person", F_BOOL } },
    [TR_EVENT]    = { { "event", F_IDX }, { "effects", F_FLAG } },
    [TR_ROUTE]    = { { "route", F_IDX }, { "open", F_BOOL } },
    [TR_END]      = { { 0 } },
};
static const char *const ASSIST_NAMES[ASSIST__COUNT] = { "offered", "accepted", "arrived" };

const char *trace_field_name(TraceKind k, int slot)
{
    return k >= 0 && k < TR__COUNT && slot >= 0 && slot < 5 ? FIELDS[k][slot].name : NULL;
}

int trace_rec_valid(const TraceHeader *h, const TraceRec *r, char *why, size_t n)
{
    static const char *const opnd[3] = { "a", "b", "c" };
    if (!isfinite(r->t) || r->t < 0) {
        snprintf(why, n, "t: expected a finite time >= 0");
        return 0;
    }
    if (r->kind < 0 || r->kind >= TR__COUNT) {
        snprintf(why, n, "kind: unknown kind %d", (int)r->kind);
        return 0;
    }
    const int32_t v3[3] = { r->a, r->b, r->c };
    for (int i = 0; i < 3; i++) {
        int32_t v = v3[i];
        int ok = 1;
        const char *what = "";
        switch ((enum Ref)REFS[r->kind][i]) {
        case R_ANY: break;
        case R_CARRIER: ok = in(v, h->ncarriers); what = "a carrier index"; break;
        case R_ROUTE: ok = in(v, h->nroutes); what = "a route index"; break;
        case R_RESOURCE_OPT: ok = v == -1 || in(v, h->nresources); what = "a resource index or -1"; break;
        case R_STOCK: ok = in(v, h->nstocks); what = "a stock index"; break;
        case R_PROGRAMME: ok = in(v, h->nprogrammes); what = "a programme index"; break;
        case R_ACTOR_OPT: ok = v == -1 || in(v, h->nactors); what = "an actor index or -1"; break;
        case R_TREATY: ok = in(v, h->ntreaties); what = "a treaty index"; break;
        case R_STATUS: ok = in(v, TREATY__COUNT); what = "a treaty status 0-4"; break;
        case R_ACTOR: ok = in(v, h->nactors); what = "an actor index"; break;
        case R_PLACE: ok = in(v, h->nplaces); what = "a place index"; break;
        case R_DECISION: ok = in(v, h->ndecisions); what = "a decision index"; break;
        case R_OPTION:
            ok = in(r->a, h->ndecisions) && in(v, h->decisions[r->a].noptions);
            what = "an option of the decision";
            break;
        case R_EVENT: ok = in(v, h->nevents); what = "an event index"; break;
        case R_EVENT_OPT: ok = v == -1 || in(v, h->nevents); what = "an event index or -1"; break;
        case R_BOOL: ok = v == 0 || v == 1; what = "0 or 1"; break;
        case R_POSITIVE: ok = v >= 1; what = "a number >= 1"; break;
        case R_NONNEG: ok = v >= 0; what = "a number >= 0"; break;
        case R_ASSIST: ok = v >= 0 && v < ASSIST__COUNT; what = "0-2"; break;
        }
        if (!ok) {
            snprintf(why, n, "%s: %s record: expected %s, got %d",
                     FIELDS[r->kind][i].name ? FIELDS[r->kind][i].name : opnd[i], KIND_NAMES[r->kind], what, (int)v);
            return 0;
        }
    }
    return 1;
}

/* --- in-memory buffer ------------------------------------------------- */

void trace_buf_init(TraceBuf *b) { memset(b, 0, sizeof *b); }

void trace_buf_fini(TraceBuf *b)
{
    free(b->recs);
    memset(b, 0, sizeof *b);
}

void trace_buf_clear(TraceBuf *b) { b->n = 0; }

static void tracebuf_emit(void *ctx, const TraceRec *r)
{
    TraceBuf *b = ctx;
    if (b->n == b->cap) {
        /* Doubling: amortised O(1), and after the first replication a
         * cleared buffer is reused without any allocation. */
        size_t cap = b->cap ? b->cap * 2 : 1024;
        TraceRec *p = mem_realloc(b->recs, cap * sizeof *p);
        if (!p) {
            b->lost++;
            return;
        }
        b->recs = p;
        b->cap = cap;
    }
    b->recs[b->n++] = *r;
}

TraceSink trace_buf_sink(TraceBuf *b)
{
    TraceSink s = { tracebuf_emit, b };
    return s;
}

/* --- writing ---------------------------------------------------------- */

/* Shortest text that strtod reads back as exactly v. Integers up to 2^53
 * print as integers; non-finite values (not representable in JSON) as null. */
static void fmt_num(char out[40], double v)
{
    if (!isfinite(v)) {
        strcpy(out, "null");
        return;
    }
    if (v == floor(v) && fabs(v) < 9007199254740992.0) {
        snprintf(out, 40, "%.0f", v);
        if (strcmp(out, "-0") == 0) strcpy(out, "0");
        return;
    }
    for (int p = 1; p <= 17; p++) {
        snprintf(out, 40, "%.*g", p, v);
        if (strtod(out, NULL) == v) return;
    }
}

static void put_num(FILE *fp, double v)
{
    char b[40];
    fmt_num(b, v);
    fputs(b, fp);
}

static void put_str(FILE *fp, const char *s)
{
    fputc('"', fp);
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
        switch (*p) {
        case '"': fputs("\\\"", fp); break;
        case '\\': fputs("\\\\", fp); break;
        case '\n': fputs("\\n", fp); break;
        case '\t': fputs("\\t", fp); break;
        case '\r': fputs("\\r", fp); break;
        default:
            if (*p < 0x20) fprintf(fp, "\\u%04x", *p);
            else fputc(*p, fp);
        }
    }
    fputc('"', fp);
}

static void put_key(FILE *fp, const char *k, int first)
{
    if (!first) fputc(',', fp);
    put_str(fp, k);
    fputc(':', fp);
}

/* Each item of a header array is an object; these write its members. */
typedef void (*PutItem)(FILE *fp, const void *item);

static void put_actor(FILE *fp, const void *item)
{
    const TraceActor *a = item;
    put_key(fp, "id", 1); put_str(fp, a->id);
    put_key(fp, "name", 0); put_str(fp, a->name);
    put_key(fp, "color", 0); fprintf(fp, "\"#%06" PRIx32 "\"", a->color & 0xffffffu);
}

static void put_place(FILE *fp, const void *item)
{
    const TracePlace *p = item;
    put_key(fp, "id", 1); put_str(fp, p->id);
    put_key(fp, "name", 0); put_str(fp, p->name);
    put_key(fp, "kind", 0); put_str(fp, trace_place_kind_name((PlaceKind)p->kind));
    put_key(fp, "actor", 0); fprintf(fp, "%d", p->actor);
    put_key(fp, "lat", 0); put_num(fp, p->lat);
    put_key(fp, "lon", 0); put_num(fp, p->lon);
}

static void put_route(FILE *fp, const void *item)
{
    const TraceRoute *r = item;
    put_key(fp, "id", 1); put_str(fp, r->id);
    put_key(fp, "name", 0); put_str(fp, r->name);
    put_key(fp, "mode", 0); put_str(fp, trace_route_mode_name((RouteMode)r->mode));
    put_key(fp, "from", 0); fprintf(fp, "%d", r->from);
    put_key(fp, "to", 0); fprintf(fp, "%d", r->to);
    put_key(fp, "final", 0); fputs(r->final ? "true" : "false", fp);
    put_key(fp, "waypoints", 0); fputc('[', fp);
    for (int k = 0; k < r->npts; k++) {
        fputs(k ? ",[" : "[", fp);
        put_num(fp, r->lat[k]);
        fputc(',', fp);
        put_num(fp, r->lon[k]);
        fputc(']', fp);
    }
    fputc(']', fp);
}

static void put_carrier(FILE *fp, const void *item)
{
    const TraceCarrier *c = item;
    put_key(fp, "id", 1); put_str(fp, c->id);
    put_key(fp, "name", 0); put_str(fp, c->name);
    put_key(fp, "route", 0); fprintf(fp, "%d", c->route);
    put_key(fp, "capacity", 0); put_num(fp, c->capacity);
}

static void put_resource(FILE *fp, const void *item)
{
    const TraceResource *r = item;
    put_key(fp, "id", 1); put_str(fp, r->id);
    put_key(fp, "name", 0); put_str(fp, r->name);
    put_key(fp, "unit", 0); put_str(fp, r->unit);
}

static void put_stock(FILE *fp, const void *item)
{
    const TraceStock *s = item;
    put_key(fp, "id", 1); put_str(fp, s->id);
    put_key(fp, "place", 0); fprintf(fp, "%d", s->place);
    put_key(fp, "resource", 0); fprintf(fp, "%d", s->resource);
    put_key(fp, "initial", 0); put_num(fp, s->initial);
    put_key(fp, "capacity", 0); put_num(fp, s->capacity);
}

/* A treaty, a programme or an event. */
static void put_named(FILE *fp, const void *item)
{
    const TraceNamed *v = item;
    put_key(fp, "id", 1); put_str(fp, v->id);
    put_key(fp, "name", 0); put_str(fp, v->name);
    put_key(fp, "actor", 0); fprintf(fp, "%d", v->actor);
    put_key(fp, "place", 0); fprintf(fp, "%d", v->place);
}

static void put_decision(FILE *fp, const void *item)
{
    const TraceDecisionDef *dd = item;
    put_key(fp, "id", 1); put_str(fp, dd->id);
    put_key(fp, "name", 0); put_str(fp, dd->name);
    put_key(fp, "actor", 0); fprintf(fp, "%d", dd->actor);
    put_key(fp, "options", 0); fputc('[', fp);
    for (int k = 0; k < dd->noptions; k++) {
        if (k) fputc(',', fp);
        put_str(fp, dd->options[k]);
    }
    fputc(']', fp);
}

/* "key":[{...},{...}] of n items of `size` bytes. */
static void put_array(FILE *fp, const char *key, const void *items, int n, size_t size, PutItem put)
{
    put_key(fp, key, 0);
    fputc('[', fp);
    for (int i = 0; i < n; i++) {
        fputs(i ? ",{" : "{", fp);
        put(fp, (const char *)items + (size_t)i * size);
        fputc('}', fp);
    }
    fputc(']', fp);
}

/* The header is one line; keys are always written in this order. */
static void write_header(FILE *fp, const TraceHeader *h)
{
    char date[11];
    cal_format(h->start, date);
    fputs("{\"salvo\":", fp);
    put_str(fp, h->salvo_version ? h->salvo_version : "");
    fputs(",\"type\":\"header\"", fp);
    put_key(fp, "trace", 0); fprintf(fp, "%d", TRACE_VERSION);
    put_key(fp, "scenario", 0); put_str(fp, h->scenario);
    put_key(fp, "sha256", 0); put_str(fp, h->sha256);
    /* A string: a JSON number loses 64-bit seeds in jq and JavaScript. */
    put_key(fp, "seed", 0); fprintf(fp, "\"%" PRIu64 "\"", h->seed);
    put_key(fp, "start", 0); put_str(fp, date);
    put_key(fp, "end", 0); put_num(fp, h->end);
    put_array(fp, "actors", h->actors, h->nactors, sizeof *h->actors, put_actor);
    put_array(fp, "places", h->places, h->nplaces, sizeof *h->places, put_place);
    put_array(fp, "routes", h->routes, h->nroutes, sizeof *h->routes, put_route);
    put_array(fp, "carriers", h->carriers, h->ncarriers, sizeof *h->carriers, put_carrier);
    put_array(fp, "resources", h->resources, h->nresources, sizeof *h->resources, put_resource);
    put_array(fp, "stocks", h->stocks, h->nstocks, sizeof *h->stocks, put_stock);
    put_array(fp, "treaties", h->treaties, h->ntreaties, sizeof *h->treaties, put_named);
    put_array(fp, "programmes", h->programmes, h->nprogrammes, sizeof *h->programmes, put_named);
    put_array(fp, "events", h->events, h->nevents, sizeof *h->events, put_named);
    put_array(fp, "decisions", h->decisions, h->ndecisions, sizeof *h->decisions, put_decision);
    fputs("}\n", fp);
}

struct TraceWriter {
    AFile f;
    int64_t start;
};

TraceWriter *trace_writer_open(const char *path, const TraceHeader *h, Diag *d)
{
    TraceWriter *w = mem_calloc(1, sizeof *w);
    if (!w) {
        diag_add(d, 0, 0, "", "out of memory opening '%s'", path);
        return NULL;
    }
    if (afile_open(&w->f, path, d) != 0) {
        free(w);
        return NULL;
    }
    w->start = h->start;
    write_header(w->f.fp, h);
    return w;
}

static void writer_emit(void *ctx, const TraceRec *r)
{
    TraceWriter *w = ctx;
    FILE *fp = w->f.fp;
    char date[11];
    cal_format_t(w->start, r->t, date);
    fputs("{\"t\":", fp);
    put_num(fp, r->t);
    fprintf(fp, ",\"date\":\"%s\",\"kind\":\"%s\"", date, trace_kind_name((TraceKind)r->kind));
    const int32_t iv[3] = { r->a, r->b, r->c };
    const double dv[2] = { r->x, r->y };
    const Field *f = r->kind >= 0 && r->kind < TR__COUNT ? FIELDS[r->kind] : FIELDS[TR_END];
    for (int i = 0; i < 5; i++) {
        if (!f[i].name || (f[i].type == F_FLAG && iv[i] != 1)) continue;
        put_key(fp, f[i].name, 0);
        switch (f[i].type) {
        case F_BOOL: fputs(iv[i] ? "true" : "false", fp); break;
        case F_FLAG: fputs("true", fp); break;
        case F_STATUS:
            if (iv[i] >= 0 && iv[i] < TREATY__COUNT) put_str(fp, TREATY_NAMES[iv[i]]);
            else fprintf(fp, "%" PRId32, iv[i]);    /* trace_rec_valid refuses it on reading */
            break;
        case F_ASSIST:
            if (iv[i] >= 0 && iv[i] < ASSIST__COUNT) put_str(fp, ASSIST_NAMES[iv[i]]);
            else fprintf(fp, "%" PRId32, iv[i]);
            break;
        case F_NUM: put_num(fp, dv[i - 3]); break;
        default: fprintf(fp, "%" PRId32, iv[i]); break;
        }
    }
    fputs("}\n", fp);
}

TraceSink trace_writer_sink(TraceWriter *w)
{
    TraceSink s = { writer_emit, w };
    return s;
}

const char *trace_writer_temp(const TraceWriter *w)
{
    return w ? w->f.tmp : NULL;
}

int trace_writer_close(TraceWriter *w, Diag *d)
{
    if (!w) return 0;
    int rc = afile_commit(&w->f, d);
    free(w);
    return rc;
}

void trace_writer_abort(TraceWriter *w)
{
    if (!w) return;
    afile_abort(&w->f);
    free(w);
}

/* --- reading ---------------------------------------------------------- */

/* A bump allocator: the TraceFile's strings and arrays, freed at once. */
typedef struct Block { struct Block *next; size_t used, cap; max_align_t data[]; } Block;

static void *arena_alloc(Block **head, size_t n)
{
    n = (n + 15) & ~(size_t)15;
    Block *b = *head;
    if (!b || b->cap - b->used < n) {
        size_t cap = n > 65536 ? n : 65536;
        b = mem_malloc(sizeof *b + cap);
        if (!b) return NULL;
        b->next = *head;
        b->used = 0;
        b->cap = cap;
        *head = b;
    }
    void *p = (char *)b->data + b->used;
    b->used += n;
    memset(p, 0, n);
    return p;
}

static void arena_free(Block *b)
{
    while (b) {
        Block *next = b->next;
        free(b);
        b = next;
    }
}

typedef struct Reader {
    Diag *d;
    Block *arena;
    const char *line;   /* the raw text of the current line */
    int lineno;
    int oom;
    int version;        /* the trace format: 1 (positional a/b/c/x/y) or 2 */
} Reader;

/* 1-based column of `"key":` in the current line, or 1. Within a JSON
 * string every quote is escaped, so this byte pattern only matches a key. */
static int key_col(const Reader *rd, const char *key)
{
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\":", key);
    const char *p = strstr(rd->line, pat);
    return p ? (int)(p - rd->line) + 1 : 1;
}

static char *rd_strdup(Reader *rd, const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = arena_alloc(&rd->arena, n);
    if (!p) { rd->oom = 1; return NULL; }
    memcpy(p, s, n);
    return p;
}

static void *rd_array(Reader *rd, size_t n, size_t size)
{
    void *p = arena_alloc(&rd->arena, n ? n * size : 1);
    if (!p) rd->oom = 1;
    return p;
}

/* Field getters: on a problem, add a diagnostic naming path and return 0. */
static const cJSON *need(Reader *rd, const cJSON *obj, const char *key,
                         const char *path, const char *top)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!v) diag_add(rd->d, rd->lineno, key_col(rd, top), path, "missing \"%s\"", key);
    return v;
}

static int get_str(Reader *rd, const cJSON *obj, const char *key, const char *path,
                   const char *top, const char **out)
{
    const cJSON *v = need(rd, obj, key, path, top);
    if (!v) return 0;
    if (!cJSON_IsString(v)) {
        diag_add(rd->d, rd->lineno, key_col(rd, top), path, "\"%s\": expected a string", key);
        return 0;
    }
    *out = rd_strdup(rd, v->valuestring);
    return *out != NULL;
}

static int get_num(Reader *rd, const cJSON *obj, const char *key, const char *path,
                   const char *top, double *out)
{
    const cJSON *v = need(rd, obj, key, path, top);
    if (!v) return 0;
    if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble)) {
        diag_add(rd->d, rd->lineno, key_col(rd, top), path, "\"%s\": expected a number", key);
        return 0;
    }
    *out = v->valuedouble;
    return 1;
}

/* The "id" and "name" of a header item (both read, both reported). */
static int get_names(Reader *rd, const cJSON *obj, const char *path, const char *top, const char **id,
                     const char **name)
{
    int ok = get_str(rd, obj, "id", path, top, id);
    return get_str(rd, obj, "name", path, top, name) && ok;
}

/* A name from a fixed table (a place kind, a route mode), as its index. */
static int get_enum(Reader *rd, const cJSON *obj, const char *key, const char *path, const char *top,
                    int (*from_name)(const char *), const char *what, int *out)
{
    const char *name = NULL;
    if (!get_str(rd, obj, key, path, top, &name)) return 0;
    *out = from_name(name);
    if (*out < 0) {
        diag_add(rd->d, rd->lineno, key_col(rd, top), path, "\"%s\": unknown %s \"%s\"", key, what, name);
        return 0;
    }
    return 1;
}

/* An integer index, -1 allowed, below `limit` (limit < 0: no upper check). */
static int get_index(Reader *rd, const cJSON *obj, const char *key, const char *path,
                     const char *top, int limit, int allow_none, int *out)
{
    double v;
    if (!get_num(rd, obj, key, path, top, &v)) return 0;
    if (v != floor(v) || v < (allow_none ? -1 : 0) || (limit >= 0 && v >= limit)) {
        diag_add(rd->d, rd->lineno, key_col(rd, top), path,
                 "\"%s\": expected an index %s0..%d, got %g", key,
                 allow_none ? "-1 or " : "", limit - 1, v);
        return 0;
    }
    *out = (int)v;
    return 1;
}

static const cJSON *get_array(Reader *rd, const cJSON *root, const char *key, int *n)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, key);
    if (!v) {
        diag_add(rd->d, rd->lineno, 1, key, "header: missing \"%s\"", key);
        return NULL;
    }
    if (!cJSON_IsArray(v)) {
        diag_add(rd->d, rd->lineno, key_col(rd, key), key, "expected an array");
        return NULL;
    }
    *n = cJSON_GetArraySize(v);
    return v;
}

#define PATH(buf, key, i) snprintf(buf, sizeof buf, "%s[%d]", key, i)

/* "#rrggbb", six hex digits exactly. strtoul alone would also take a sign
 * or spaces ("#-00001" gave 0xFFFFFFFF, not a colour): found by the colour
 * check in fuzz_trace. */
static int parse_color(const char *s, uint32_t *out)
{
    if (!s || s[0] != '#' || strlen(s) != 7) return 0;
    for (int i = 1; i < 7; i++)
        if (!isxdigit((unsigned char)s[i])) return 0;
    *out = (uint32_t)strtoul(s + 1, NULL, 16);
    return 1;
}

/* The trace format, first: a newer one is refused before anything else is
 * read from it. No "trace" key is format 1, from before it had one. */
static int parse_version(Reader *rd, const cJSON *root)
{
    const cJSON *ver = cJSON_GetObjectItemCaseSensitive(root, "trace");
    rd->version = 1;
    if (!ver) return 1;
    if (!cJSON_IsNumber(ver) || ver->valuedouble != floor(ver->valuedouble) || ver->valuedouble < 1) {
        diag_add(rd->d, rd->lineno, key_col(rd, "trace"), "trace", "expected the trace format number");
        return 0;
    }
    if (ver->valuedouble > TRACE_VERSION) {
        diag_add(rd->d, rd->lineno, key_col(rd, "trace"), "trace",
                 "trace format %.0f is newer than this salvo reads (formats 1 to %d); "
                 "use a newer salvo, or write the trace again with this one",
                 ver->valuedouble, TRACE_VERSION);
        return 0;
    }
    rd->version = (int)ver->valuedouble;
    return 1;
}

/* Format 2: the seed is a decimal string, 64 bits exactly. */
static int parse_seed_string(Reader *rd, const cJSON *seed, uint64_t *out)
{
    char *end = NULL;
    const char *sv = cJSON_IsString(seed) ? seed->valuestring : NULL;
    errno = 0;
    unsigned long long v = sv && isdigit((unsigned char)sv[0]) ? strtoull(sv, &end, 10) : 0;
    *out = v;
    if (!sv || !isdigit((unsigned char)sv[0]) || errno || *end) {
        diag_add(rd->d, rd->lineno, seed ? key_col(rd, "seed") : 1, "seed",
                 "expected the seed as a string of digits (\"42\")");
        return 0;
    }
    return 1;
}

/* Format 1: the seed is a 64-bit integer: a double would round it, so it
 * is read from the text itself (the cJSON value only says that it is
 * there). Find `"seed"`, JSON whitespace, ':' as a key, the way cJSON read
 * it: the writer's `"seed":` is not the only spelling (found by fuzz_trace:
 * `"seed" :1` used to read from a NULL pointer). cJSON skips every byte
 * <= 32 as whitespace, so this does too. The number must agree with
 * cJSON's value, in case the first key "seed" found in the line belongs to
 * a nested object. */
static int parse_seed_number(Reader *rd, const cJSON *seed, uint64_t *out)
{
    if (!cJSON_IsNumber(seed)) {
        diag_add(rd->d, rd->lineno, key_col(rd, "seed"), "seed", "expected an unsigned integer");
        return 0;
    }
    const char *p = NULL;
    for (const char *k = strstr(rd->line, "\"seed\""); k && !p; k = strstr(k + 1, "\"seed\"")) {
        const char *q = k + 6;
        while (*q && (unsigned char)*q <= 32) q++;
        if (*q == ':') p = q + 1;
    }
    while (p && *p && (unsigned char)*p <= 32) p++;
    char *end = NULL;
    errno = 0;
    unsigned long long s = p ? strtoull(p, &end, 10) : 0;
    *out = s;
    if (!p || errno || end == p || *p == '-' || (double)s != seed->valuedouble ||
        (*end != ',' && *end != '}' && (unsigned char)*end > 32)) {
        diag_add(rd->d, rd->lineno, key_col(rd, "seed"), "seed", "expected an unsigned integer");
        return 0;
    }
    return 1;
}

/* What the trace is of: the format, the salvo and scenario that wrote it,
 * the calendar and the seed. */
static int parse_identity(Reader *rd, const cJSON *root, TraceHeader *h)
{
    int ok = 1;
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(root, "type");
    if (!cJSON_IsString(type) || strcmp(type->valuestring, "header") != 0) {
        diag_add(rd->d, rd->lineno, 1, "", "the first line is not a salvo trace header "
                 "(expected {\"salvo\":...,\"type\":\"header\",...})");
        return 0;
    }
    if (!parse_version(rd, root)) return 0;
    ok &= get_str(rd, root, "salvo", "salvo", "salvo", &h->salvo_version);
    ok &= get_str(rd, root, "scenario", "scenario", "scenario", &h->scenario);
    ok &= get_str(rd, root, "sha256", "sha256", "sha256", &h->sha256);
    const char *start;
    if (get_str(rd, root, "start", "start", "start", &start)) {
        if (cal_parse(start, &h->start) != 0) {
            diag_add(rd->d, rd->lineno, key_col(rd, "start"), "start",
                     "expected a date YYYY-MM-DD, got \"%s\"", start);
            ok = 0;
        }
    } else ok = 0;
    ok &= get_num(rd, root, "end", "end", "end", &h->end);
    const cJSON *seed = cJSON_GetObjectItemCaseSensitive(root, "seed");
    ok &= rd->version >= 2 ? parse_seed_string(rd, seed, &h->seed) : parse_seed_number(rd, seed, &h->seed);
    return ok;
}

/* Each header array is read by read_array with one item reader per type.
 * Both return 1 (read), 0 (read, with problems reported: go on, to report
 * more) or -1 (stop: the array is missing or memory ran out). `key` is the
 * array's, for the column of messages; `path` the item's ("routes[3]"). The
 * arrays come in dependency order: later ones are checked against earlier
 * ones, through h. */
typedef int (*ReadItem)(Reader *rd, const cJSON *e, const char *path, const char *key, const TraceHeader *h,
                        void *item);

/* The array `key` of root into *out (n items of `size` bytes). */
static int read_array(Reader *rd, const cJSON *root, const char *key, const TraceHeader *h, ReadItem read,
                      size_t size, const void **out, int *n)
{
    const cJSON *arr = get_array(rd, root, key, n);
    if (!arr) return -1;
    char *items = rd_array(rd, (size_t)*n, size);
    if (!items) return -1;
    int ok = 1, i = 0;
    char path[64];
    for (const cJSON *e = arr->child; e; e = e->next, i++) {
        PATH(path, key, i);
        int r = read(rd, e, path, key, h, items + (size_t)i * size);
        if (r < 0) return -1;
        ok &= r;
    }
    *out = items;
    return ok;
}

static int read_actor(Reader *rd, const cJSON *e, const char *path, const char *key, const TraceHeader *h,
                      void *item)
{
    TraceActor *a = item;
    const char *col = NULL;
    int ok = 1;
    (void)h;
    ok &= get_names(rd, e, path, key, &a->id, &a->name);
    if (get_str(rd, e, "color", path, key, &col) && !parse_color(col, &a->color)) {
        diag_add(rd->d, rd->lineno, key_col(rd, key), path, "\"color\": expected \"#rrggbb\", got \"%s\"", col);
        ok = 0;
    }
    return ok;
}

static int read_place(Reader *rd, const cJSON *e, const char *path, const char *key, const TraceHeader *h,
                      void *item)
{
    TracePlace *p = item;
    int ok = 1;
    ok &= get_names(rd, e, path, key, &p->id, &p->name);
    ok &= get_enum(rd, e, "kind", path, key, trace_place_kind_from_name, "place kind", &p->kind);
    ok &= get_index(rd, e, "actor", path, key, h->nactors, 1, &p->actor);
    ok &= get_num(rd, e, "lat", path, key, &p->lat);
    ok &= get_num(rd, e, "lon", path, key, &p->lon);
    if (ok && (fabs(p->lat) > 90 || fabs(p->lon) > 180)) {
        diag_add(rd->d, rd->lineno, key_col(rd, key), path, "lat/lon out of range (%g, %g)", p->lat, p->lon);
        ok = 0;
    }
    return ok;
}

/* A route's waypoints, [[lat, lon], ...]: 1, 0 or -1 as a ReadItem. */
static int read_waypoints(Reader *rd, const cJSON *e, const char *path, TraceRoute *r)
{
    int ok = 1;
    const cJSON *wp = cJSON_GetObjectItemCaseSensitive(e, "waypoints");
    if (wp && !cJSON_IsArray(wp)) {
        diag_add(rd->d, rd->lineno, key_col(rd, "routes"), path, "\"waypoints\": expected an array");
        return 0;
    }
    r->npts = wp ? cJSON_GetArraySize(wp) : 0;
    double *lat = rd_array(rd, (size_t)r->npts, sizeof *lat);
    double *lon = rd_array(rd, (size_t)r->npts, sizeof *lon);
    if (!lat || !lon) return -1;
    int k = 0;
    for (const cJSON *p = wp ? wp->child : NULL; p; p = p->next, k++) {
        const cJSON *la = cJSON_GetArrayItem(p, 0), *lo = cJSON_GetArrayItem(p, 1);
        if (!cJSON_IsArray(p) || cJSON_GetArraySize(p) != 2 || !cJSON_IsNumber(la) ||
            !cJSON_IsNumber(lo) || fabs(la->valuedouble) > 90 || fabs(lo->valuedouble) > 180) {
            diag_add(rd->d, rd->lineno, key_col(rd, "routes"), path, "waypoints[%d]: expected [lat, lon]", k);
            ok = 0;
            continue;
        }
        lat[k] = la->valuedouble;
        lon[k] = lo->valuedouble;
    }
    r->lat = lat;
    r->lon = lon;
    return ok;
}

static int read_route(Reader *rd, const cJSON *e, const char *path, const char *key, const TraceHeader *h,
                      void *item)
{
    TraceRoute *r = item;
    int ok = 1;
    ok &= get_names(rd, e, path, key, &r->id, &r->name);
    ok &= get_enum(rd, e, "mode", path, key, trace_route_mode_from_name, "route mode", &r->mode);
    ok &= get_index(rd, e, "from", path, key, h->nplaces, 0, &r->from);
    ok &= get_index(rd, e, "to", path, key, h->nplaces, 0, &r->to);
    /* Traces written before "final" existed: every arrival counts. */
    const cJSON *fin = cJSON_GetObjectItemCaseSensitive(e, "final");
    r->final = fin ? cJSON_IsTrue(fin) : 1;
    int w = read_waypoints(rd, e, path, r);
    return w < 0 ? -1 : ok & w;
}

static int read_carrier(Reader *rd, const cJSON *e, const char *path, const char *key, const TraceHeader *h,
                        void *item)
{
    TraceCarrier *c = item;
    int ok = 1;
    ok &= get_names(rd, e, path, key, &c->id, &c->name);
    ok &= get_index(rd, e, "route", path, key, h->nroutes, 1, &c->route);
    ok &= get_num(rd, e, "capacity", path, key, &c->capacity);
    return ok;
}

static int read_resource(Reader *rd, const cJSON *e, const char *path, const char *key, const TraceHeader *h,
                         void *item)
{
    TraceResource *r = item;
    int ok = 1;
    (void)h;
    ok &= get_names(rd, e, path, key, &r->id, &r->name);
    ok &= get_str(rd, e, "unit", path, key, &r->unit);
    return ok;
}

static int read_stock(Reader *rd, const cJSON *e, const char *path, const char *key, const TraceHeader *h,
                      void *item)
{
    TraceStock *s = item;
    int ok = 1;
    ok &= get_str(rd, e, "id", path, key, &s->id);
    ok &= get_index(rd, e, "place", path, key, h->nplaces, 0, &s->place);
    ok &= get_index(rd, e, "resource", path, key, h->nresources, 1, &s->resource);
    ok &= get_num(rd, e, "initial", path, key, &s->initial);
    /* The writer prints an unbounded stock's capacity (INFINITY) as null,
     * JSON having no infinity; read it back as such (found by fuzz_trace:
     * every trace with an unbounded stock used to be refused). */
    const cJSON *capv = cJSON_GetObjectItemCaseSensitive(e, "capacity");
    if (cJSON_IsNull(capv)) s->capacity = INFINITY;
    else ok &= get_num(rd, e, "capacity", path, key, &s->capacity);
    return ok;
}

/* A treaty, a programme or an event. */
static int read_named(Reader *rd, const cJSON *e, const char *path, const char *key, const TraceHeader *h,
                      void *item)
{
    TraceNamed *v = item;
    int ok = 1;
    ok &= get_names(rd, e, path, key, &v->id, &v->name);
    ok &= get_index(rd, e, "actor", path, key, h->nactors, 1, &v->actor);
    ok &= get_index(rd, e, "place", path, key, h->nplaces, 1, &v->place);
    return ok;
}

/* A decision's options: a non-empty array of strings. */
static int read_options(Reader *rd, const cJSON *e, const char *path, TraceDecisionDef *dd)
{
    int ok = 1;
    const cJSON *opts = cJSON_GetObjectItemCaseSensitive(e, "options");
    int n = cJSON_IsArray(opts) ? cJSON_GetArraySize(opts) : 0;
    if (n < 1) {
        diag_add(rd->d, rd->lineno, key_col(rd, "decisions"), path,
                 "\"options\": expected a non-empty array of strings");
        return 0;
    }
    const char **o = rd_array(rd, (size_t)n, sizeof *o);
    if (!o) return -1;
    int k = 0;
    for (const cJSON *p = opts->child; p; p = p->next, k++) {
        if (!cJSON_IsString(p)) {
            diag_add(rd->d, rd->lineno, key_col(rd, "decisions"), path, "options[%d]: expected a string", k);
            ok = 0;
            continue;
        }
        o[k] = rd_strdup(rd, p->valuestring);
    }
    dd->noptions = n;
    dd->options = o;
    return ok;
}

static int read_decision(Reader *rd, const cJSON *e, const char *path, const char *key, const TraceHeader *h,
                         void *item)
{
    TraceDecisionDef *dd = item;
    int ok = 1;
    ok &= get_names(rd, e, path, key, &dd->id, &dd->name);
    ok &= get_index(rd, e, "actor", path, key, h->nactors, 1, &dd->actor);
    int o = read_options(rd, e, path, dd);
    return o < 0 ? -1 : ok & o;
}

static int parse_header(Reader *rd, const cJSON *root, TraceHeader *h)
{
    if (!parse_identity(rd, root, h)) return 0;
    int ok = 1;
    /* Every array in dependency order; a missing one stops the header,
     * except treaties, programmes and events (reported, and read on). */
#define READ(key, field, count, item, stops)                                                        \
    do {                                                                                            \
        const void *v = NULL;                                                                       \
        int r = read_array(rd, root, key, h, item, sizeof *h->field, &v, &h->count);                \
        if (r < 0 && (stops)) return 0;                                                             \
        h->field = v;                                                                               \
        ok &= r > 0;                                                                                \
    } while (0)
    READ("actors", actors, nactors, read_actor, 1);
    READ("places", places, nplaces, read_place, 1);
    READ("routes", routes, nroutes, read_route, 1);
    READ("carriers", carriers, ncarriers, read_carrier, 1);
    READ("resources", resources, nresources, read_resource, 1);
    READ("stocks", stocks, nstocks, read_stock, 1);
    READ("treaties", treaties, ntreaties, read_named, 0);
    READ("programmes", programmes, nprogrammes, read_named, 0);
    READ("events", events, nevents, read_named, 0);
    READ("decisions", decisions, ndecisions, read_decision, 1);
#undef READ
    return ok && !rd->oom;
}

static int rec_int(Reader *rd, const cJSON *obj, const char *key, int32_t *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!v) {
        diag_add(rd->d, rd->lineno, 1, key, "missing \"%s\"", key);
        return 0;
    }
    if (!cJSON_IsNumber(v) || v->valuedouble != floor(v->valuedouble) ||
        fabs(v->valuedouble) > 2147483647.0) {
        diag_add(rd->d, rd->lineno, key_col(rd, key), key, "expected an integer");
        return 0;
    }
    *out = (int32_t)v->valuedouble;
    return 1;
}

/* x and y: a number, or null for a value that was not finite. */
static int rec_num(Reader *rd, const cJSON *obj, const char *key, double *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!v) {
        diag_add(rd->d, rd->lineno, 1, key, "missing \"%s\"", key);
        return 0;
    }
    if (cJSON_IsNull(v)) { *out = NAN; return 1; }
    if (!cJSON_IsNumber(v)) {
        diag_add(rd->d, rd->lineno, key_col(rd, key), key, "expected a number or null");
        return 0;
    }
    *out = v->valuedouble;
    return 1;
}

/* One named field of a format-2 record into its slot. */
static int rec_field(Reader *rd, const cJSON *o, TraceKind kind, int slot, TraceRec *r)
{
    const Field *f = &FIELDS[kind][slot];
    int32_t *iv[3] = { &r->a, &r->b, &r->c };
    if (!f->name) {
        if (slot < 3) *iv[slot] = -1;
        else *(slot == 3 ? &r->x : &r->y) = 0;
        return 1;
    }
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, f->name);
    if (!v && f->type == F_FLAG) {
        *iv[slot] = -1;
        return 1;
    }
    if (!v) {
        diag_add(rd->d, rd->lineno, 1, f->name, "missing \"%s\" (a %s record has it)", f->name, KIND_NAMES[kind]);
        return 0;
    }
    switch (f->type) {
    case F_NUM: return rec_num(rd, o, f->name, slot == 3 ? &r->x : &r->y);
    case F_FLAG:
        if (!cJSON_IsBool(v)) {
            diag_add(rd->d, rd->lineno, key_col(rd, f->name), f->name, "expected true or false");
            return 0;
        }
        *iv[slot] = cJSON_IsTrue(v) ? 1 : -1;
        return 1;
    case F_BOOL:
        if (!cJSON_IsBool(v)) {
            diag_add(rd->d, rd->lineno, key_col(rd, f->name), f->name, "expected true or false");
            return 0;
        }
        *iv[slot] = cJSON_IsTrue(v);
        return 1;
    case F_STATUS: case F_ASSIST: {
        const char *const *names = f->type == F_STATUS ? TREATY_NAMES : ASSIST_NAMES;
        int n = f->type == F_STATUS ? TREATY__COUNT : ASSIST__COUNT;
        int k = cJSON_IsString(v) ? lookup(names, n, v->valuestring) : -1;
        if (k < 0) {
            diag_add(rd->d, rd->lineno, key_col(rd, f->name), f->name, "expected one of \"%s\" ... \"%s\"",
                     names[0], names[n - 1]);
            return 0;
        }
        *iv[slot] = k;
        return 1;
    }
    default: return rec_int(rd, o, f->name, iv[slot]);
    }
}

static int parse_rec(Reader *rd, const cJSON *o, const TraceHeader *h, TraceRec *r)
{
    memset(r, 0, sizeof *r);
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(o, "t");
    const cJSON *kind = cJSON_GetObjectItemCaseSensitive(o, "kind");
    if (!cJSON_IsNumber(t)) {
        diag_add(rd->d, rd->lineno, t ? key_col(rd, "t") : 1, "t",
                 t ? "expected a number" : "missing \"t\"");
        return 0;
    }
    r->t = t->valuedouble;
    if (!cJSON_IsString(kind)) {
        diag_add(rd->d, rd->lineno, kind ? key_col(rd, "kind") : 1, "kind",
                 kind ? "expected a string" : "missing \"kind\"");
        return 0;
    }
    r->kind = trace_kind_from_name(kind->valuestring);
    if (r->kind < 0) {
        diag_add(rd->d, rd->lineno, key_col(rd, "kind"), "kind",
                 "unknown record kind \"%s\"", kind->valuestring);
        return 0;
    }
    int ok = 1;
    if (rd->version >= 2)
        for (int i = 0; i < 5; i++) ok &= rec_field(rd, o, (TraceKind)r->kind, i, r);
    else
        ok = rec_int(rd, o, "a", &r->a) & rec_int(rd, o, "b", &r->b) & rec_int(rd, o, "c", &r->c) &
             rec_num(rd, o, "x", &r->x) & rec_num(rd, o, "y", &r->y);
    if (!ok) return 0;
    char why[160];
    if (!trace_rec_valid(h, r, why, sizeof why)) {
        diag_add(rd->d, rd->lineno, key_col(rd, why[0] == 't' ? "t" : "kind"), "", "%s", why);
        return 0;
    }
    return 1;
}

/* Parse one line as a JSON object; on failure a diagnostic at the column. */
static cJSON *parse_line(Reader *rd, const char *line, size_t len)
{
    const char *end = NULL;
    cJSON *o = cJSON_ParseWithLengthOpts(line, len, &end, 0);
    if (!o) {
        int col = end && end >= line ? (int)(end - line) + 1 : 1;
        diag_add(rd->d, rd->lineno, col, "", "not valid JSON");
        return NULL;
    }
    /* Only whitespace may follow the object on its line. */
    while (end && end < line + len && (*end == ' ' || *end == '\t')) end++;
    if (end && end < line + len) {
        diag_add(rd->d, rd->lineno, (int)(end - line) + 1, "", "unexpected text after the record");
        cJSON_Delete(o);
        return NULL;
    }
    if (!cJSON_IsObject(o)) {
        diag_add(rd->d, rd->lineno, 1, "", "expected a JSON object");
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

/* Errors stop being collected after this many, so a file of garbage gives a
 * short answer rather than DIAG_MAX lines of the same complaint. */
#define READ_MAX_ERRORS 20

/* The trace file, opened for reading once it is known to be a regular
 * file of a size that can be held: checked before opening (a FIFO would
 * block) and before reading (the whole trace is held in memory, about 0.5
 * byte per byte of file). NULL with a diagnostic. */
static FILE *open_trace(const char *path, Diag *d)
{
    struct stat st;
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
        diag_add(d, 0, 0, "", "cannot read '%s': not a regular file", path);
        return NULL;
    }
    if (stat(path, &st) == 0 && (unsigned long long)st.st_size > TRACE_MAX_BYTES) {
        diag_add(d, 0, 0, "", "'%s' is too large (%lld bytes; a trace is read whole, and the limit is %llu MiB)",
                 path, (long long)st.st_size, TRACE_MAX_BYTES >> 20);
        return NULL;
    }
    FILE *fp = fopen(path, "rb");
    if (!fp) diag_add(d, 0, 0, "", "cannot read '%s': %s", path, strerror(errno));
    return fp;
}

/* The reading of a whole file, line by line. */
typedef struct FileRead {
    TraceFile *f;
    size_t cap;             /* records f->recs has room for */
    int have_header;
    double last_t;          /* time of the last record kept */
} FileRead;

/* What one line did to the reading. */
enum { LINE_NEXT, LINE_STOP, LINE_OOM };

/* A record line: kept if valid and not earlier than the last one. */
static int read_record(Reader *rd, const cJSON *o, FileRead *fr)
{
    TraceFile *f = fr->f;
    if (f->n == fr->cap) {
        size_t cap = fr->cap ? fr->cap * 2 : 4096;
        TraceRec *p = mem_realloc(f->recs, cap * sizeof *p);
        if (!p) return LINE_OOM;
        f->recs = p;
        fr->cap = cap;
    }
    TraceRec *r = &f->recs[f->n];
    if (parse_rec(rd, o, &f->h, r)) {
        if (r->t < fr->last_t) {
            diag_add(rd->d, rd->lineno, key_col(rd, "t"), "t", "time goes backwards (%g after %g)", r->t,
                     fr->last_t);
        } else {
            fr->last_t = r->t;
            f->n++;
        }
    }
    return LINE_NEXT;
}

/* One line of len bytes (its end of line taken off): the header first,
 * then records. */
static int read_line(Reader *rd, char *line, size_t len, FileRead *fr)
{
    rd->line = line;
    if (len != strlen(line)) {
        diag_add(rd->d, rd->lineno, (int)strlen(line) + 1, "", "NUL byte in the line");
        return LINE_NEXT;
    }
    if (len == 0) {
        diag_add(rd->d, rd->lineno, 1, "", "empty line (one JSON object per line expected)");
        return LINE_NEXT;
    }
    cJSON *o = parse_line(rd, line, len);
    /* Nothing can be checked without the header. */
    if (!o) return fr->have_header ? LINE_NEXT : LINE_STOP;
    int rc = LINE_NEXT;
    if (!fr->have_header) {
        int ok = parse_header(rd, o, &fr->f->h);
        if (rd->oom) rc = LINE_OOM;
        else if (!ok) rc = LINE_STOP;
        fr->have_header = ok;
    } else {
        rc = read_record(rd, o, fr);
    }
    cJSON_Delete(o);
    return rc;
}

TraceFile *trace_read(const char *path, Diag *d)
{
    FILE *fp = open_trace(path, d);
    if (!fp) return NULL;
    FileRead fr = { mem_calloc(1, sizeof *fr.f), 0, 0, 0 };
    TraceFile *f = fr.f;
    Reader rd = { .d = d };
    char *line = NULL;
    size_t linecap = 0;
    ssize_t len;
    int errors0 = diag_errors(d), how = f ? LINE_NEXT : LINE_OOM;
    while (how == LINE_NEXT && (len = getline(&line, &linecap, fp)) >= 0) {
        rd.lineno++;
        if (len > 0 && line[len - 1] == '\n') line[--len] = '\0';
        if (len > 0 && line[len - 1] == '\r') line[--len] = '\0';
        how = read_line(&rd, line, (size_t)len, &fr);
        if (how == LINE_NEXT && diag_errors(d) - errors0 >= READ_MAX_ERRORS) how = LINE_STOP;
    }
    if (how == LINE_OOM) {
        diag_add(d, rd.lineno, 0, "", "out of memory reading '%s'", path);
    } else {
        if (ferror(fp)) diag_add(d, rd.lineno, 0, "", "read error: %s", strerror(errno));
        if (!fr.have_header && diag_errors(d) == errors0)
            diag_add(d, 1, 1, "", "empty file: expected a salvo trace header on line 1");
    }
    free(line);
    fclose(fp);
    if (f) f->arena = rd.arena;
    else arena_free(rd.arena);
    if (how == LINE_OOM || diag_errors(d) > errors0) {
        trace_file_destroy(f);
        return NULL;
    }
    return f;
}

void trace_file_destroy(TraceFile *f)
{
    if (!f) return;
    arena_free(f->arena);
    free(f->recs);
    free(f);
}
