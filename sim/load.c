/* load.c — JSON scenario → compiled Scenario, with validation.
 *
 * The loader reads the document with json.c (which keeps line:column for
 * every value), then compiles it in three passes:
 *   1. collect the ids of every list (so references may point forward) and
 *      report duplicates;
 *   2. compile each list in order, resolving references to indices,
 *      turning every numeric parameter into a ParamDef and every condition
 *      and effect into flat arrays;
 *   3. resolve what names parameters by path (effects' set/scale/add), then
 *      apply --set overrides through the same checks as the file.
 * It never stops at the first problem: every problem found is added to the
 * Diag as FILE:LINE:COL: error: PATH: message, and the load fails at the end
 * if there were any. Nothing here runs during a simulation, and nothing
 * here prints or exits: every problem goes to the Diag.
 *
 * This file holds the document, the field checks, the ids and the order of
 * the passes; each section of the format is compiled by its own file
 * (load_int.h lists them).
 */
#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <setjmp.h>
#include <sys/stat.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cal.h"
#include "load_int.h"
#include "mem.h"
#include "sha256.h"

/* --- arena: every allocation of a Scenario, freed at once ----------------- */
typedef struct Chunk { struct Chunk *next; size_t used, cap; max_align_t data[]; } Chunk;

void *ld_arena_alloc(void **arena, size_t n)
{
    Chunk *c = *arena;
    n = (n + sizeof(max_align_t) - 1) / sizeof(max_align_t) * sizeof(max_align_t);
    if (!c || c->cap - c->used < n) {
        size_t cap = n > 65536 ? n : 65536;
        Chunk *nc = mem_malloc(sizeof *nc + cap);
        if (!nc) return NULL;
        nc->next = c;
        nc->used = 0;
        nc->cap = cap;
        *arena = c = nc;
    }
    void *p = (char *)c->data + c->used;
    c->used += n;
    memset(p, 0, n);
    return p;
}

static void arena_free(void *arena)
{
    for (Chunk *c = arena, *next; c; c = next) {
        next = c->next;
        mem_free(c);
    }
}

/* Running out of memory while compiling unwinds to load_guarded() with
 * longjmp, as Lua's luaD_throw does: every allocation is owned by the
 * Scenario (its arena and arrays), the Ld or the documents the moment it is
 * made, so scenario_load_buffer frees everything from there, and no
 * caller in between needs an error path for a condition it cannot mend. */
_Noreturn void ld_oom(Ld *L)
{
    longjmp(*L->oom_at, 1);
}

void *ld_need(Ld *L, void *p)
{
    if (!p) ld_oom(L);
    return p;
}


void *ld_grow(Ld *L, void *arr, int *cap, int want, size_t elsize)
{
    if (want <= *cap) return arr;
    int nc = *cap ? *cap * 2 : 16;
    while (nc < want) nc *= 2;
    /* On failure arr is still owned by the Scenario, which frees it. */
    void *p = ld_need(L, mem_realloc(arr, (size_t)nc * elsize));
    *cap = nc;
    return p;
}

char *ld_sdup(Ld *L, const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = A(L, n);
    memcpy(p, s, n);
    return p;
}

char *ld_sfmt(Ld *L, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return ld_sdup(L, buf);
}

void ld_err(Ld *L, const JsonValue *at, const char *path, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    diag_add(L->d, at ? at->line : 0, at ? at->col : 0, path ? path : "", "%s", buf);
}

/* path + "." + key, or path + "[i]" */
void ld_pkey(char *out, size_t n, const char *path, const char *key)
{
    if (!path || !*path) snprintf(out, n, "%s", key);
    else snprintf(out, n, "%s.%s", path, key);
}

void ld_pidx(char *out, size_t n, const char *path, int i)
{
    snprintf(out, n, "%s[%d]", path, i);
}

/* --- field checks ------------------------------------------------------------ */

/* Object check: reports a non-object, unknown fields (with a suggestion) and
 * duplicate keys. Returns 1 if v is an object. */
int ld_fields(Ld *L, const JsonValue *v, const char *path, const char *const *allowed)
{
    if (!v || v->type != JSON_OBJECT) {
        ld_err(L, v, path, "expected an object, found %s", v ? json_type_name(v->type) : "nothing");
        return 0;
    }
    int nallowed = 0;
    while (allowed[nallowed]) nallowed++;
    /* Most objects are small: their first[] lives on the stack. */
    size_t small[32];
    size_t *first = v->len <= 32 ? small : ld_need(L, mem_malloc(v->len * sizeof *first));
    if (json_first_keys(v, first) < 0) {
        if (first != small) mem_free(first);
        ld_oom(L);
    }
    for (size_t i = 0; i < v->len; i++) {
        const char *k = v->keys[i];
        JsonValue kv = { .line = v->key_line[i], .col = v->key_col[i] };
        int known = 0;
        for (int j = 0; j < nallowed && !known; j++) known = !strcmp(k, allowed[j]);
        char p[512];
        ld_pkey(p, sizeof p, path, k);
        if (!known) {
            /* Past DIAG_MAX the message is only counted: skip the search
             * for a suggestion (a million unknown keys would pay for it). */
            const char *s = L->d->count < DIAG_MAX ? diag_suggest(k, allowed, nallowed) : NULL;
            if (s) ld_err(L, &kv, p, "unknown field '%s' (did you mean '%s'?)", k, s);
            else ld_err(L, &kv, p, "unknown field '%s'", k);
        }
        size_t j = first[i];
        if (j != i)
            ld_err(L, &kv, p, "duplicate key '%s' (first at line %d, column %d)", k, v->key_line[j], v->key_col[j]);
    }
    if (first != small) mem_free(first);
    return 1;
}

const JsonValue *ld_get(const JsonValue *obj, const char *key)
{
    return obj && obj->type == JSON_OBJECT ? json_get(obj, key) : NULL;
}

const char *ld_str_field(Ld *L, const JsonValue *obj, const char *path, const char *key,
                             int required, const char *def)
{
    const JsonValue *v = ld_get(obj, key);
    char p[512];
    ld_pkey(p, sizeof p, path, key);
    if (!v) {
        if (required && obj && obj->type == JSON_OBJECT) ld_err(L, obj, p, "missing required field '%s'", key);
        return def;
    }
    if (v->type != JSON_STRING) {
        ld_err(L, v, p, "expected a string, found %s", json_type_name(v->type));
        return def;
    }
    if (v->len > SC_MAX_STRING) {
        ld_err(L, v, p, "string too long (%zu bytes; the limit is %d)", v->len, SC_MAX_STRING);
        return def;
    }
    return ld_sdup(L, v->str);  /* the document is freed after loading */
}

double ld_num_field(Ld *L, const JsonValue *obj, const char *path, const char *key,
                        int required, double def, double lo, double hi)
{
    const JsonValue *v = ld_get(obj, key);
    char p[512];
    ld_pkey(p, sizeof p, path, key);
    if (!v) {
        if (required && obj && obj->type == JSON_OBJECT) ld_err(L, obj, p, "missing required field '%s'", key);
        return def;
    }
    if (v->type != JSON_NUMBER) {
        ld_err(L, v, p, "expected a number, found %s", json_type_name(v->type));
        return def;
    }
    if (v->num < lo || v->num > hi) {
        ld_err(L, v, p, "%g is out of range; expected a number in [%g, %g]", v->num, lo, hi);
        return def;
    }
    return v->num;
}

int ld_int_field(Ld *L, const JsonValue *obj, const char *path, const char *key,
                     int required, int def, int lo, int hi)
{
    const JsonValue *v = ld_get(obj, key);
    double x = ld_num_field(L, obj, path, key, required, def, lo, hi);
    if (v && v->type == JSON_NUMBER && x != floor(x)) {
        char p[512];
        ld_pkey(p, sizeof p, path, key);
        ld_err(L, v, p, "expected a whole number, found %g", x);
        return def;
    }
    return (int)x;
}

int ld_bool_field(Ld *L, const JsonValue *obj, const char *path, const char *key, int def)
{
    const JsonValue *v = ld_get(obj, key);
    if (!v) return def;
    if (v->type == JSON_TRUE) return 1;
    if (v->type == JSON_FALSE) return 0;
    char p[512];
    ld_pkey(p, sizeof p, path, key);
    ld_err(L, v, p, "expected true or false, found %s", json_type_name(v->type));
    return def;
}

/* A date field as days from the scenario's start. */
/* Why a string is not a date: wrong shape, or a day the calendar lacks. */
static const char *date_problem(const char *s)
{
    int ok = strlen(s) == 10 && s[4] == '-' && s[7] == '-';
    for (int i = 0; ok && i < 10; i++)
        if (i != 4 && i != 7 && !isdigit((unsigned char)s[i])) ok = 0;
    return ok ? "not a real date (no such day in the calendar)" : "expected a date \"YYYY-MM-DD\"";
}

double ld_date_field(Ld *L, const JsonValue *obj, const char *path, const char *key,
                         int required, double def)
{
    const JsonValue *v = ld_get(obj, key);
    char p[512];
    ld_pkey(p, sizeof p, path, key);
    if (!v) {
        if (required && obj && obj->type == JSON_OBJECT) ld_err(L, obj, p, "missing required field '%s'", key);
        return def;
    }
    int64_t e;
    if (v->type != JSON_STRING || cal_parse(v->str, &e) != 0) {
        if (v->type == JSON_STRING) ld_err(L, v, p, "%s, found \"%s\"", date_problem(v->str), v->str);
        else ld_err(L, v, p, "expected a date \"YYYY-MM-DD\", found %s", json_type_name(v->type));
        return def;
    }
    return (double)(e - L->s->start);
}

int ld_valid_id(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > SC_MAX_ID || !(islower((unsigned char)s[0]) || isdigit((unsigned char)s[0]))) return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!(islower(c) || isdigit(c) || c == '-' || c == '_')) return 0;
    }
    return 1;
}

/* --- pass 1: ids ----------------------------------------------------------- */
static const JsonValue *list(Ld *L, const JsonValue *root, const char *key, int required)
{
    const JsonValue *v = ld_get(root, key);
    if (!v) {
        if (required) ld_err(L, root, key, "missing required list '%s'", key);
        return NULL;
    }
    if (v->type != JSON_ARRAY) {
        ld_err(L, v, key, "expected an array, found %s", json_type_name(v->type));
        return NULL;
    }
    if (v->len > SC_MAX_LIST) {
        ld_err(L, v, key, "too many entries (%zu; the limit is %d)", v->len, SC_MAX_LIST);
        return NULL;
    }
    return v;
}

void ld_collect(Ld *L, IdTab *t, const JsonValue *arr, const char *path)
{
    t->n = 0;
    if (!arr) return;
    t->ids = A(L, (arr->len + 1) * sizeof *t->ids);
    t->at = A(L, (arr->len + 1) * sizeof *t->at);
    for (size_t i = 0; i < arr->len; i++) {
        const JsonValue *e = arr->items[i], *idv = ld_get(e, "id");
        char p[512];
        ld_pidx(p, sizeof p, path, (int)i);
        const char *id = "";
        if (e->type != JSON_OBJECT) {
            /* reported when the entry is compiled */
        } else if (!idv) {
            ld_err(L, e, p, "missing required field 'id'");
        } else if (idv->type != JSON_STRING || !ld_valid_id(idv->str)) {
            char pp[520];
            ld_pkey(pp, sizeof pp, p, "id");
            ld_err(L, idv, pp, "expected an id (lower-case letters, digits, '-' and '_', starting with a letter or digit, at most %d characters)", SC_MAX_ID);
        } else {
            id = ld_sdup(L, idv->str);
            for (int j = 0; j < t->n; j++)
                if (!strcmp(t->ids[j], id)) {
                    char pp[520];
                    ld_pkey(pp, sizeof pp, p, "id");
                    ld_err(L, idv, pp, "duplicate id '%s' (first at line %d, column %d)", id,
                        t->at[j]->line, t->at[j]->col);
                    break;
                }
        }
        t->ids[t->n] = id;
        t->at[t->n] = idv ? idv : e;
        t->n++;
    }
}

int ld_find(const IdTab *t, const char *id)
{
    for (int i = 0; i < t->n; i++)
        if (*id && !strcmp(t->ids[i], id)) return i;
    return -1;
}

/* A reference field: the index of an id in t, or -1 with a diagnostic. */
int ld_ref_value(Ld *L, const JsonValue *v, const char *p, const IdTab *t, const char *what)
{
    if (v->type != JSON_STRING) {
        ld_err(L, v, p, "expected the id of a %s, found %s", what, json_type_name(v->type));
        return -1;
    }
    int i = ld_find(t, v->str);
    if (i < 0) {
        const char *s = diag_suggest(v->str, t->ids, t->n);
        if (s) ld_err(L, v, p, "unknown %s '%s' (did you mean '%s'?)", what, v->str, s);
        else ld_err(L, v, p, "unknown %s '%s'", what, v->str);
    }
    return i;
}

int ld_ref_field(Ld *L, const JsonValue *obj, const char *path, const char *key,
                     const IdTab *t, const char *what, int required)
{
    const JsonValue *v = ld_get(obj, key);
    char p[512];
    ld_pkey(p, sizeof p, path, key);
    if (!v) {
        if (required && obj && obj->type == JSON_OBJECT) ld_err(L, obj, p, "missing required field '%s'", key);
        return -1;
    }
    return ld_ref_value(L, v, p, t, what);
}

/* --- the map: sources, actors, resources, places ---------------------------- */
static void load_sources(Ld *L, const JsonValue *arr)
{
    Scenario *s = L->s;
    s->nsources = L->sources.n;
    s->sources = A(L, (size_t)(s->nsources + 1) * sizeof *s->sources);
    static const char *const f[] = { "id", "title", "date", "url", "publisher", "note", NULL };
    for (int i = 0; i < s->nsources; i++) {
        const JsonValue *e = arr->items[i];
        char p[64];
        ld_pidx(p, sizeof p, "sources", i);
        SourceDef *src = &s->sources[i];
        src->id = L->sources.ids[i];
        if (!ld_fields(L, e, p, f)) continue;
        src->title = ld_str_field(L, e, p, "title", 1, "");
        const char *date = ld_str_field(L, e, p, "date", 0, "");
        int64_t day;
        if (*date && cal_parse(date, &day) != 0) {
            char pd[80];
            ld_pkey(pd, sizeof pd, p, "date");
            ld_err(L, ld_get(e, "date"), pd, "%s, found \"%s\"", date_problem(date), date);
        }
        src->date = date;
        src->url = ld_str_field(L, e, p, "url", 0, "");
        src->publisher = ld_str_field(L, e, p, "publisher", 0, "");
        src->note = ld_str_field(L, e, p, "note", 0, "");
    }
}

static uint32_t parse_color(Ld *L, const JsonValue *e, const char *p)
{
    const char *c = ld_str_field(L, e, p, "color", 0, "#999999");
    unsigned v = 0;
    int ok = strlen(c) == 7 && c[0] == '#';
    for (int i = 1; ok && i < 7; i++) {
        int ch = tolower((unsigned char)c[i]);
        if (!isxdigit(ch)) ok = 0;
        else v = v * 16 + (unsigned)(isdigit(ch) ? ch - '0' : ch - 'a' + 10);
    }
    if (!ok) {
        char pc[80];
        ld_pkey(pc, sizeof pc, p, "color");
        ld_err(L, ld_get(e, "color"), pc, "expected a colour \"#RRGGBB\", found %s", c);
        return 0x999999;
    }
    return v;
}

static void load_actors(Ld *L, const JsonValue *arr)
{
    Scenario *s = L->s;
    s->nactors = L->actors.n;
    s->actors = A(L, (size_t)(s->nactors + 1) * sizeof *s->actors);
    static const char *const f[] = { "id", "name", "color", NULL };
    for (int i = 0; i < s->nactors; i++) {
        const JsonValue *e = arr->items[i];
        char p[64];
        ld_pidx(p, sizeof p, "actors", i);
        TraceActor *a = &s->actors[i];
        a->id = L->actors.ids[i];
        a->name = a->id;
        a->color = 0x999999;
        if (!ld_fields(L, e, p, f)) continue;
        a->name = ld_str_field(L, e, p, "name", 0, a->id);
        a->color = parse_color(L, e, p);
    }
}

static void load_resources(Ld *L, const JsonValue *arr)
{
    Scenario *s = L->s;
    s->nresources = L->resources.n;
    s->resources = A(L, (size_t)(s->nresources + 1) * sizeof *s->resources);
    static const char *const f[] = { "id", "name", "unit", NULL };
    for (int i = 0; i < s->nresources; i++) {
        const JsonValue *e = arr->items[i];
        char p[64];
        ld_pidx(p, sizeof p, "resources", i);
        TraceResource *r = &s->resources[i];
        r->id = L->resources.ids[i];
        r->name = r->id;
        r->unit = "units";
        if (!ld_fields(L, e, p, f)) continue;
        r->name = ld_str_field(L, e, p, "name", 0, r->id);
        r->unit = ld_str_field(L, e, p, "unit", 0, "units");
    }
}

static void load_places(Ld *L, const JsonValue *arr)
{
    Scenario *s = L->s;
    s->nplaces = L->places.n;
    s->places = A(L, (size_t)(s->nplaces + 1) * sizeof *s->places);
    static const char *const f[] = { "id", "name", "kind", "actor", "lat", "lon", NULL };
    for (int i = 0; i < s->nplaces; i++) {
        const JsonValue *e = arr->items[i];
        char p[64];
        ld_pidx(p, sizeof p, "places", i);
        TracePlace *pl = &s->places[i];
        pl->id = L->places.ids[i];
        pl->name = pl->id;
        pl->actor = -1;
        if (!ld_fields(L, e, p, f)) continue;
        pl->name = ld_str_field(L, e, p, "name", 0, pl->id);
        const char *kind = ld_str_field(L, e, p, "kind", 1, NULL);
        if (kind) {
            pl->kind = trace_place_kind_from_name(kind);
            if (pl->kind < 0) {
                const char *names[PLACE__COUNT];
                for (int k = 0; k < PLACE__COUNT; k++) names[k] = trace_place_kind_name((PlaceKind)k);
                const char *sug = diag_suggest(kind, names, PLACE__COUNT);
                char pk[80];
                ld_pkey(pk, sizeof pk, p, "kind");
                if (sug) ld_err(L, ld_get(e, "kind"), pk, "unknown place kind '%s' (did you mean '%s'?)", kind, sug);
                else ld_err(L, ld_get(e, "kind"), pk, "unknown place kind '%s'; expected arsenal, port, rail-hub, depot, front, launch-site or capital", kind);
                pl->kind = PLACE_DEPOT;
            }
        }
        pl->actor = ld_ref_field(L, e, p, "actor", &L->actors, "actor", 0);
        pl->lat = ld_num_field(L, e, p, "lat", 1, 0, -90, 90);
        pl->lon = ld_num_field(L, e, p, "lon", 1, 0, -180, 180);
    }
}

/* batch: how `salvo batch` runs this scenario by default. */
static void load_batch(Ld *L, const JsonValue *v)
{
    static const char *const f[] = { "uncertainty", NULL };
    if (!ld_fields(L, v, "batch", f)) return;
    L->s->batch_uncertainty = ld_bool_field(L, v, "batch", "uncertainty", 0);
}

static void build_header(Scenario *s)
{
    TraceHeader *h = &s->header;
    h->salvo_version = SALVO_VERSION;
    h->scenario = s->name;
    h->sha256 = s->sha256;
    h->start = s->start;
    h->end = s->end;
    h->nactors = s->nactors; h->actors = s->actors;
    h->nplaces = s->nplaces; h->places = s->places;
    h->nroutes = s->nroutes; h->routes = s->route_info;
    h->ncarriers = s->ncarriers; h->carriers = s->carrier_info;
    h->nresources = s->nresources; h->resources = s->resources;
    h->nstocks = s->nstocks; h->stocks = s->stock_info;
    h->ntreaties = s->ntreaties; h->treaties = s->treaty_info;
    h->nprogrammes = s->nprogrammes; h->programmes = s->programme_info;
    h->nevents = s->nevents; h->events = s->event_info;
    h->ndecisions = s->ndecisions; h->decisions = s->decision_info;
}

/* The top of the document: format version, name, title, limits. */
static void compile_header(Ld *L, const JsonValue *root)
{
    Scenario *s = L->s;
    /* "limits": {"events": N}: a scenario that truly needs more events per
     * replication than SIM_MAX_EVENTS says so itself. */
    const JsonValue *lim = ld_get(root, "limits");
    static const char *const lf[] = { "events", NULL };
    if (lim && ld_fields(L, lim, "limits", lf)) {
        const JsonValue *ne = ld_get(lim, "events");
        if (ne && (ne->type != JSON_NUMBER || ne->num < 1 || ne->num > (double)SIM_MAX_EVENTS_CEILING ||
                   ne->num != floor(ne->num)))
            ld_err(L, ne, "limits.events", "expected a whole number of events per replication, 1 to 10^12");
        else if (ne)
            s->max_events = (uint64_t)ne->num;
    }
    /* "$schema" points editors at scenarios/schema.json; the engine only
     * checks that it is a string. */
    (void)ld_str_field(L, root, "", "$schema", 0, "");
    const JsonValue *ver = ld_get(root, "salvo");
    if (!ver) ld_err(L, root, "salvo", "missing required field 'salvo' (the format version: 1)");
    else if (ver->type != JSON_NUMBER || ver->num != 1) ld_err(L, ver, "salvo", "unsupported format version; expected 1");
    s->name = ld_str_field(L, root, "", "name", 1, "unnamed");
    if (ld_get(root, "name") && ld_get(root, "name")->type == JSON_STRING && !ld_valid_id(s->name))
        ld_err(L, ld_get(root, "name"), "name", "expected an id (lower-case letters, digits, '-' and '_', starting with a letter or digit)");
    s->title = ld_str_field(L, root, "", "title", 0, s->name);
    s->description = ld_str_field(L, root, "", "description", 0, "");
    s->briefing = ld_str_field(L, root, "", "briefing", 0, "");
}

/* "calendar": the start and end dates; s->start and s->end (days). */
static void compile_calendar(Ld *L, const JsonValue *root)
{
    Scenario *s = L->s;
    const JsonValue *cal = ld_get(root, "calendar");
    static const char *const cf[] = { "start", "end", NULL };
    if (!cal) ld_err(L, root, "calendar", "missing required field 'calendar' ({\"start\": date, \"end\": date})");
    else if (ld_fields(L, cal, "calendar", cf)) {
        int64_t a = 0, b = 0;
        const JsonValue *sv = ld_get(cal, "start"), *ev = ld_get(cal, "end");
        int ok = 1;
        if (!sv || sv->type != JSON_STRING || cal_parse(sv->str, &a) != 0) {
            ld_err(L, sv ? sv : cal, "calendar.start", "%s", sv && sv->type == JSON_STRING ? date_problem(sv->str)
                                                          : "expected a date \"YYYY-MM-DD\"");
            ok = 0;
        }
        if (!ev || ev->type != JSON_STRING || cal_parse(ev->str, &b) != 0) {
            ld_err(L, ev ? ev : cal, "calendar.end", "%s", ev && ev->type == JSON_STRING ? date_problem(ev->str)
                                                        : "expected a date \"YYYY-MM-DD\"");
            ok = 0;
        }
        if (ok && b <= a) {
            ld_err(L, ev, "calendar.end", "the end must be after the start");
            ok = 0;
        }
        if (ok && b - a > 36600) {
            ld_err(L, ev, "calendar.end", "a scenario may span at most 100 years");
            ok = 0;
        }
        if (ok) {
            s->start = a;
            s->end = (double)(b - a);
        } else {
            s->end = 365;
        }
    }
}

/* Pass 1 for assistance offers: their ids are global (effects name them),
 * though each is listed inside its programme. */
static void collect_assist_ids(Ld *L, const JsonValue *pg)
{
    int n = 0;
    for (size_t i = 0; pg && i < pg->len; i++) {
        const JsonValue *as = ld_get(pg->items[i], "assistance");
        if (as && as->type == JSON_ARRAY) n += (int)as->len;
    }
    L->assists.ids = A(L, (size_t)(n + 1) * sizeof(char *));
    L->assists.at = A(L, (size_t)(n + 1) * sizeof(JsonValue *));
    for (size_t i = 0; pg && i < pg->len; i++) {
        const JsonValue *as = ld_get(pg->items[i], "assistance");
        if (!as || as->type != JSON_ARRAY) continue;
        for (size_t k = 0; k < as->len; k++) {
            const JsonValue *idv = ld_get(as->items[k], "id");
            char pa[120];
            snprintf(pa, sizeof pa, "programmes[%zu].assistance[%zu].id", i, k);
            const char *id = "";
            if (!idv) ld_err(L, as->items[k], pa, "missing required field 'id'");
            else if (idv->type != JSON_STRING || !ld_valid_id(idv->str)) ld_err(L, idv, pa, "expected an id");
            else if (ld_find(&L->assists, idv->str) >= 0) ld_err(L, idv, pa, "duplicate assistance id '%s'", idv->str);
            else id = ld_sdup(L, idv->str);
            L->assists.at[L->assists.n] = idv ? idv : as->items[k];
            L->assists.ids[L->assists.n++] = id;
        }
    }
}

/* The lists with ids: the map's, then the dynamics' sections (load_int.h,
 * LD_SECTIONS), in the order of the document. `place` is the place in the
 * compile order (pass 2); the map comes first. */
typedef struct ListDef {
    const char *key;
    size_t ids;                 /* offsetof(Ld, its IdTab) */
    void (*load)(Ld *L, const JsonValue *arr);
    int place, required;
} ListDef;
#define MAP_LIST(key, place, required) { #key, offsetof(Ld, key), load_##key, place, required },
#define SECTION_LIST(key, place) { #key, offsetof(Ld, key), load_##key, 4 + (place), 0 },
static const ListDef LISTS[] = {
    MAP_LIST(sources, 0, 0) MAP_LIST(actors, 1, 1) MAP_LIST(resources, 2, 0) MAP_LIST(places, 3, 1)
    LD_SECTIONS(SECTION_LIST)
};
#undef MAP_LIST
#undef SECTION_LIST
enum { NLISTS = sizeof LISTS / sizeof *LISTS };

/* Pass 1: every list's ids, so that references may point forward. */
static void collect_ids(Ld *L, const JsonValue *root, const JsonValue **ls)
{
    for (int i = 0; i < NLISTS; i++) {
        ls[i] = list(L, root, LISTS[i].key, LISTS[i].required);
        ld_collect(L, (IdTab *)((char *)L + LISTS[i].ids), ls[i], LISTS[i].key);
    }
    for (int i = 0; i < NLISTS; i++)
        if (!strcmp(LISTS[i].key, "programmes")) collect_assist_ids(L, ls[i]);
}

/* Pass 2, in the load order: this order numbers the parameters, the
 * assumptions (the ledger and --vary list them in it) and the streams
 * (load_int.h). A list may use what an earlier one compiled: routes read
 * their stocks' resources, effects in events and decisions check treaty
 * parties (treaties before events), observations read metrics. Programmes
 * come before treaties, out of document order: moving them would renumber
 * the parameters and assumptions after them (results would not change;
 * the ledger's order and --vary's indices would). */
static void compile_lists(Ld *L, const JsonValue *root, const JsonValue *const *ls)
{
    for (int place = 0; place < NLISTS; place++) {
        int found = 0;
        for (int i = 0; i < NLISTS; i++) {
            if (LISTS[i].place != place) continue;
            found++;
            if (ls[i]) LISTS[i].load(L, ls[i]);
        }
        assert(found == 1);     /* the places are 0 to NLISTS - 1, each once */
    }
    const JsonValue *ob = list(L, root, "observations", 0);
    ld_collect(L, &L->observations, ob, "observations");
    if (ob) load_observations(L, ob);
    if (ld_get(root, "batch")) load_batch(L, ld_get(root, "batch"));
    /* The numbering this order gives: assumptions in the order of their
     * parameters, each parameter numbered once. */
    for (int a = 1; a < L->s->nassumptions; a++) assert(L->s->assumption_param[a - 1] < L->s->assumption_param[a]);
}

/* The watchers by the categories of state they read (cond.c's settle). */
static void index_watchers(Ld *L)
{
    Scenario *s = L->s;
    for (int i = 0; i < s->nwatch; i++) s->watch_cats |= s->watch[i].cond->cats;
    for (int b = 0; b < 8; b++) {
        s->watch_by_cat[b] = A(L, (size_t)(s->nwatch + 1) * sizeof(int));
        for (int i = 0; i < s->nwatch; i++)
            if (s->watch[i].cond->cats & (1u << b)) s->watch_by_cat[b][s->nwatch_by_cat[b]++] = i;
    }
}

static void compile(Ld *L, const JsonValue *root, const char *const *sets, int nsets)
{
#define SECTION_KEY(key, place) #key,
    static const char *const top[] = {
        "salvo", "name", "title", "description", "briefing", "calendar", "sources", "actors",
        "resources", "places", LD_SECTIONS(SECTION_KEY) "observations", "batch", "limits", "$schema", NULL
    };
#undef SECTION_KEY
    if (!ld_fields(L, root, "", top)) return;
    compile_header(L, root);
    compile_calendar(L, root);
    const JsonValue *ls[NLISTS];
    collect_ids(L, root, ls);
    compile_lists(L, root, ls);
    /* pass 3 */
    ld_resolve_deferred(L);
    if (diag_errors(L->d) == 0) ld_streams_unique(L);
    if (diag_errors(L->d) == 0)
        for (int i = 0; i < nsets; i++) ld_apply_set(L, sets[i]);
    load_supply_links(L);
    build_header(L->s);
    index_watchers(L);
}

void scenario_destroy(Scenario *s)
{
    if (!s) return;
    mem_free(s->params);
    mem_free(s->assumptions);
    mem_free(s->assumption_param);
    mem_free(s->assumption_stream);
    mem_free(s->streams);
    mem_free(s->effects);
    mem_free(s->cond_nodes);
    mem_free(s->cond_kids);
    mem_free(s->watch);
    mem_free(s->times);
    mem_free(s->sums);
    void *arena = s->arena;
    mem_free(s);
    arena_free(arena);
}

/* compile() with a place to unwind to when memory runs out (see ld_oom()).
 * Returns 0, or -1 if it unwound. Only *L changes after setjmp, and L is
 * not itself modified, so nothing needs to be volatile. */
static int load_guarded(Ld *L, const char *name, const JsonValue *root, const char *const *sets, int nsets)
{
    jmp_buf at;
    L->oom_at = &at;
    if (setjmp(at)) return -1;
    L->s->file = ld_sdup(L, name);
    compile(L, root, sets, nsets);
    return 0;
}

Scenario *scenario_load_buffer(const char *name, const char *text, size_t len,
                               const char *const *sets, int nsets, Diag *d)
{
    int before = diag_errors(d);
    JsonDoc *doc = json_parse(text, len, d);
    if (!doc) return NULL;
    Scenario *s = mem_calloc(1, sizeof *s);
    if (!s) {
        json_destroy(doc);
        diag_add(d, 0, 0, "", "out of memory while loading the scenario");
        return NULL;
    }
    Ld L;
    memset(&L, 0, sizeof L);
    L.d = d;
    L.s = s;
    sha256_hex(text, len, s->sha256);
    int failed = load_guarded(&L, name, json_root(doc), sets, nsets);
    /* Watchers point at Cond values inside arrays that no longer move. */
    free(L.deferred);
    json_destroy(L.set_doc);
    json_destroy(doc);
    if (failed) diag_add(d, 0, 0, "", "out of memory while loading the scenario");
    if (failed || diag_errors(d) != before) {
        scenario_destroy(s);
        return NULL;
    }
    return s;
}

Scenario *scenario_load(const char *path, const char *const *sets, int nsets, Diag *d)
{
    struct stat st;
    /* Before opening: opening a FIFO for reading blocks until a writer comes. */
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
        diag_add(d, 0, 0, "", "not a regular file (a scenario is read from a file, not a %s)",
                 S_ISDIR(st.st_mode) ? "directory" : S_ISFIFO(st.st_mode) ? "FIFO" : "device");
        return NULL;
    }
    FILE *f = fopen(path, "rb");
    if (!f) {
        diag_add(d, 0, 0, "", "cannot open scenario: %s", strerror(errno));
        return NULL;
    }
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        diag_add(d, 0, 0, "", "not a regular file");
        fclose(f);
        return NULL;
    }
    if ((unsigned long long)st.st_size > JSON_MAX_BYTES) {
        diag_add(d, 0, 0, "", "file too large (%lld bytes; the limit is %u MiB)", (long long)st.st_size,
                 JSON_MAX_BYTES / (1024u * 1024u));
        fclose(f);
        return NULL;
    }
    size_t n = (size_t)st.st_size;
    char *buf = mem_malloc(n + 1);
    if (!buf) {
        diag_add(d, 0, 0, "", "out of memory reading the scenario (%zu bytes)", n);
        fclose(f);
        return NULL;
    }
    size_t got = fread(buf, 1, n, f);
    int rerr = ferror(f);
    fclose(f);
    if (rerr || got != n) {
        diag_add(d, 0, 0, "", "read error");
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    Scenario *s = scenario_load_buffer(path, buf, n, sets, nsets, d);
    free(buf);
    return s;
}

