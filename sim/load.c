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
 * if there were any. Nothing here runs during a simulation.
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
#include "json.h"
#include "mem.h"
#include "scenario_int.h"
#include "sha256.h"

/* --- arena: every allocation of a Scenario, freed at once ----------------- */
typedef struct Chunk { struct Chunk *next; size_t used, cap; max_align_t data[]; } Chunk;

static void *arena_alloc(void **arena, size_t n)
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
        free(c);
    }
}

/* --- loader state ---------------------------------------------------------- */
typedef struct IdTab {
    const char **ids;
    const JsonValue **at;
    int n;
} IdTab;

typedef struct Deferred {  /* an effect that names a parameter by path */
    int effect;
    const char *pathname;
    const JsonValue *at;
    char *where;
} Deferred;

typedef struct Ld {
    Diag *d;
    Scenario *s;
    int bad_calendar;
    IdTab sources, actors, resources, places, stocks, producers, consumers, routes;
    IdTab treaties, programmes, assists, events, decisions, metrics, observations;
    int cap_aparam, cap_astream;
    int cap_params, cap_assumptions, cap_streams, cap_effects, cap_nodes, cap_kids, cap_watch, cap_times;
    int cap_sums;
    Deferred *deferred;
    int ndeferred, cap_deferred;
    uint64_t cond_stocks;       /* stocks read by the condition being compiled */
    jmp_buf *oom_at;            /* where running out of memory unwinds to (load_guarded) */
    JsonDoc *set_doc;           /* the --set value being applied, freed on unwinding */
} Ld;

/* Running out of memory while compiling unwinds to load_guarded() with
 * longjmp, as Lua's luaD_throw does: every allocation is owned by the
 * Scenario (its arena and arrays), the Ld or the documents the moment it is
 * made, so scenario_load_buffer frees everything from there, and no
 * caller in between needs an error path for a condition it cannot mend. */
static _Noreturn void oom(Ld *L)
{
    longjmp(*L->oom_at, 1);
}

static void *need(Ld *L, void *p)
{
    if (!p) oom(L);
    return p;
}

#define A(L, n) need((L), arena_alloc(&(L)->s->arena, (n)))

static void *grow(Ld *L, void *arr, int *cap, int want, size_t elsize)
{
    if (want <= *cap) return arr;
    int nc = *cap ? *cap * 2 : 16;
    while (nc < want) nc *= 2;
    /* On failure arr is still owned by the Scenario, which frees it. */
    void *p = need(L, mem_realloc(arr, (size_t)nc * elsize));
    *cap = nc;
    return p;
}

static char *sdup(Ld *L, const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = A(L, n);
    memcpy(p, s, n);
    return p;
}

static char *sfmt(Ld *L, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return sdup(L, buf);
}

static void err(Ld *L, const JsonValue *at, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void err(Ld *L, const JsonValue *at, const char *path, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    diag_add(L->d, at ? at->line : 0, at ? at->col : 0, path ? path : "", "%s", buf);
}

/* path + "." + key, or path + "[i]" */
static void pkey(char *out, size_t n, const char *path, const char *key)
{
    if (!path || !*path) snprintf(out, n, "%s", key);
    else snprintf(out, n, "%s.%s", path, key);
}

static void pidx(char *out, size_t n, const char *path, int i)
{
    snprintf(out, n, "%s[%d]", path, i);
}

/* --- field checks ------------------------------------------------------------ */

/* Object check: reports a non-object, unknown fields (with a suggestion) and
 * duplicate keys. Returns 1 if v is an object. */
static int fields(Ld *L, const JsonValue *v, const char *path, const char *const *allowed)
{
    if (!v || v->type != JSON_OBJECT) {
        err(L, v, path, "expected an object, found %s", v ? json_type_name(v->type) : "nothing");
        return 0;
    }
    int nallowed = 0;
    while (allowed[nallowed]) nallowed++;
    /* Most objects are small: their first[] lives on the stack. */
    size_t small[32];
    size_t *first = v->len <= 32 ? small : need(L, mem_malloc(v->len * sizeof *first));
    if (json_first_keys(v, first) < 0) {
        if (first != small) mem_free(first);
        oom(L);
    }
    for (size_t i = 0; i < v->len; i++) {
        const char *k = v->keys[i];
        JsonValue kv = { .line = v->key_line[i], .col = v->key_col[i] };
        int known = 0;
        for (int j = 0; j < nallowed && !known; j++) known = !strcmp(k, allowed[j]);
        char p[512];
        pkey(p, sizeof p, path, k);
        if (!known) {
            /* Past DIAG_MAX the message is only counted: skip the search
             * for a suggestion (a million unknown keys would pay for it). */
            const char *s = L->d->count < DIAG_MAX ? diag_suggest(k, allowed, nallowed) : NULL;
            if (s) err(L, &kv, p, "unknown field '%s' (did you mean '%s'?)", k, s);
            else err(L, &kv, p, "unknown field '%s'", k);
        }
        size_t j = first[i];
        if (j != i)
            err(L, &kv, p, "duplicate key '%s' (first at line %d, column %d)", k, v->key_line[j], v->key_col[j]);
    }
    if (first != small) mem_free(first);
    return 1;
}

static const JsonValue *get(const JsonValue *obj, const char *key)
{
    return obj && obj->type == JSON_OBJECT ? json_get(obj, key) : NULL;
}

static const char *str_field(Ld *L, const JsonValue *obj, const char *path, const char *key,
                             int required, const char *def)
{
    const JsonValue *v = get(obj, key);
    char p[512];
    pkey(p, sizeof p, path, key);
    if (!v) {
        if (required && obj && obj->type == JSON_OBJECT) err(L, obj, p, "missing required field '%s'", key);
        return def;
    }
    if (v->type != JSON_STRING) {
        err(L, v, p, "expected a string, found %s", json_type_name(v->type));
        return def;
    }
    if (v->len > SC_MAX_STRING) {
        err(L, v, p, "string too long (%zu bytes; the limit is %d)", v->len, SC_MAX_STRING);
        return def;
    }
    return sdup(L, v->str);  /* the document is freed after loading */
}

static double num_field(Ld *L, const JsonValue *obj, const char *path, const char *key,
                        int required, double def, double lo, double hi)
{
    const JsonValue *v = get(obj, key);
    char p[512];
    pkey(p, sizeof p, path, key);
    if (!v) {
        if (required && obj && obj->type == JSON_OBJECT) err(L, obj, p, "missing required field '%s'", key);
        return def;
    }
    if (v->type != JSON_NUMBER) {
        err(L, v, p, "expected a number, found %s", json_type_name(v->type));
        return def;
    }
    if (v->num < lo || v->num > hi) {
        err(L, v, p, "%g is out of range; expected a number in [%g, %g]", v->num, lo, hi);
        return def;
    }
    return v->num;
}

static int int_field(Ld *L, const JsonValue *obj, const char *path, const char *key,
                     int required, int def, int lo, int hi)
{
    const JsonValue *v = get(obj, key);
    double x = num_field(L, obj, path, key, required, def, lo, hi);
    if (v && v->type == JSON_NUMBER && x != floor(x)) {
        char p[512];
        pkey(p, sizeof p, path, key);
        err(L, v, p, "expected a whole number, found %g", x);
        return def;
    }
    return (int)x;
}

static int bool_field(Ld *L, const JsonValue *obj, const char *path, const char *key, int def)
{
    const JsonValue *v = get(obj, key);
    if (!v) return def;
    if (v->type == JSON_TRUE) return 1;
    if (v->type == JSON_FALSE) return 0;
    char p[512];
    pkey(p, sizeof p, path, key);
    err(L, v, p, "expected true or false, found %s", json_type_name(v->type));
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

static double date_field(Ld *L, const JsonValue *obj, const char *path, const char *key,
                         int required, double def)
{
    const JsonValue *v = get(obj, key);
    char p[512];
    pkey(p, sizeof p, path, key);
    if (!v) {
        if (required && obj && obj->type == JSON_OBJECT) err(L, obj, p, "missing required field '%s'", key);
        return def;
    }
    int64_t e;
    if (v->type != JSON_STRING || cal_parse(v->str, &e) != 0) {
        if (v->type == JSON_STRING) err(L, v, p, "%s, found \"%s\"", date_problem(v->str), v->str);
        else err(L, v, p, "expected a date \"YYYY-MM-DD\", found %s", json_type_name(v->type));
        return def;
    }
    return (double)(e - L->s->start);
}

static int valid_id(const char *s)
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
    const JsonValue *v = get(root, key);
    if (!v) {
        if (required) err(L, root, key, "missing required list '%s'", key);
        return NULL;
    }
    if (v->type != JSON_ARRAY) {
        err(L, v, key, "expected an array, found %s", json_type_name(v->type));
        return NULL;
    }
    if (v->len > SC_MAX_LIST) {
        err(L, v, key, "too many entries (%zu; the limit is %d)", v->len, SC_MAX_LIST);
        return NULL;
    }
    return v;
}

static void collect(Ld *L, IdTab *t, const JsonValue *arr, const char *path)
{
    t->n = 0;
    if (!arr) return;
    t->ids = A(L, (arr->len + 1) * sizeof *t->ids);
    t->at = A(L, (arr->len + 1) * sizeof *t->at);
    for (size_t i = 0; i < arr->len; i++) {
        const JsonValue *e = arr->items[i], *idv = get(e, "id");
        char p[512];
        pidx(p, sizeof p, path, (int)i);
        const char *id = "";
        if (e->type != JSON_OBJECT) {
            /* reported when the entry is compiled */
        } else if (!idv) {
            err(L, e, p, "missing required field 'id'");
        } else if (idv->type != JSON_STRING || !valid_id(idv->str)) {
            char pp[520];
            pkey(pp, sizeof pp, p, "id");
            err(L, idv, pp, "expected an id (lower-case letters, digits, '-' and '_', starting with a letter or digit, at most %d characters)", SC_MAX_ID);
        } else {
            id = sdup(L, idv->str);
            for (int j = 0; j < t->n; j++)
                if (!strcmp(t->ids[j], id)) {
                    char pp[520];
                    pkey(pp, sizeof pp, p, "id");
                    err(L, idv, pp, "duplicate id '%s' (first at line %d, column %d)", id,
                        t->at[j]->line, t->at[j]->col);
                    break;
                }
        }
        t->ids[t->n] = id;
        t->at[t->n] = idv ? idv : e;
        t->n++;
    }
}

static int find(const IdTab *t, const char *id)
{
    for (int i = 0; i < t->n; i++)
        if (*id && !strcmp(t->ids[i], id)) return i;
    return -1;
}

/* A reference field: the index of an id in t, or -1 with a diagnostic. */
static int ref_value(Ld *L, const JsonValue *v, const char *p, const IdTab *t, const char *what)
{
    if (v->type != JSON_STRING) {
        err(L, v, p, "expected the id of a %s, found %s", what, json_type_name(v->type));
        return -1;
    }
    int i = find(t, v->str);
    if (i < 0) {
        const char *s = diag_suggest(v->str, t->ids, t->n);
        if (s) err(L, v, p, "unknown %s '%s' (did you mean '%s'?)", what, v->str, s);
        else err(L, v, p, "unknown %s '%s'", what, v->str);
    }
    return i;
}

static int ref_field(Ld *L, const JsonValue *obj, const char *path, const char *key,
                     const IdTab *t, const char *what, int required)
{
    const JsonValue *v = get(obj, key);
    char p[512];
    pkey(p, sizeof p, path, key);
    if (!v) {
        if (required && obj && obj->type == JSON_OBJECT) err(L, obj, p, "missing required field '%s'", key);
        return -1;
    }
    return ref_value(L, v, p, t, what);
}

/* --- streams, params, assumptions ------------------------------------------- */
static int stream(Ld *L, const char *component, const char *purpose)
{
    Scenario *s = L->s;
    s->streams = grow(L, s->streams, &L->cap_streams, s->nstreams + 1, sizeof *s->streams);
    s->streams[s->nstreams] = (StreamDef){ sdup(L, component), purpose, rng_key_prefix(component, purpose) };
    return s->nstreams++;
}

static const char *con_words(ParamCon c)
{
    switch (c) {
    case PC_NONNEG: return "a value >= 0";
    case PC_POS: return "a value > 0";
    case PC_PROB: return "a probability in [0, 1]";
    default: return "a number";
    }
}

static int con_ok(double x, ParamCon c)
{
    switch (c) {
    case PC_NONNEG: return x >= 0;
    case PC_POS: return x > 0;
    case PC_PROB: return x >= 0 && x <= 1;
    default: return 1;
    }
}

const char *param_check(const Dist *d, ParamCon con)
{
    static const char *msgs[] = { "", "must be >= 0", "must be > 0", "must be a probability in [0, 1]" };
    double m = dist_mean(d);
    /* No number in a parameter may exceed SC_MAX_MAGNITUDE, so that sums
     * and products during a run stay finite: a stock of 1e308 fed at 1e308
     * a day became infinite, and a carrier taking "all of it" left
     * inf - inf = NaN behind (found by a fuzz_scenario seed). */
    int big = !(fabs(m) <= SC_MAX_MAGNITUDE);
    for (int i = 0; i < 4; i++) big |= !(fabs(d->p[i]) <= SC_MAX_MAGNITUDE);
    for (int i = 0; d->kind == DIST_DISCRETE && i < d->n; i++) big |= !(fabs(d->values[i]) <= SC_MAX_MAGNITUDE);
    if (big) return "must be within -1e15 to 1e15, parameters and mean alike";
    if (!con_ok(m, con)) return msgs[con];
    /* Distributions with a bounded support must stay inside the constraint. */
    switch (d->kind) {
    case DIST_UNIFORM: case DIST_TRIANGULAR: {
        double lo = d->p[0], hi = d->kind == DIST_UNIFORM ? d->p[1] : d->p[2];
        if (!con_ok(lo, con == PC_POS ? PC_NONNEG : con) || !con_ok(hi, con)) return msgs[con];
        break;
    }
    case DIST_DISCRETE:
        for (int i = 0; i < d->n; i++)
            if (!con_ok(d->values[i], con)) return msgs[con];
        break;
    case DIST_NORMAL: case DIST_EXPONENTIAL: case DIST_LOGNORMAL: case DIST_GAMMA:
    case DIST_POISSON: case DIST_BINOMIAL:
        if (con == PC_PROB) return "must be a probability: use constant, uniform, triangular, beta, bernoulli or discrete on [0, 1]";
        if (d->kind == DIST_NORMAL && con != PC_ANY && d->p[1] > 0)
            return NULL; /* allowed: draws are clamped at 0 (see docs) */
        break;
    default: break;
    }
    return NULL;
}

void dist_set_mean(Dist *d, double mean)
{
    double old = dist_mean(d);
    double f = old != 0 ? mean / old : 0;
    switch (d->kind) {
    case DIST_CONST: d->p[0] = mean; break;
    case DIST_UNIFORM: case DIST_TRIANGULAR: case DIST_DISCRETE:
        /* Scale when the new mean has the old one's sign, so the spread
         * stays in proportion; otherwise (an old mean of 0, or a change of
         * sign, which scaling would mirror or collapse) shift every point
         * by the difference, which keeps the shape exactly. */
        if (f > 0) {
            for (int i = 0; i < 3; i++) d->p[i] *= f;
            for (int i = 0; i < d->n; i++) d->values[i] *= f;
        } else {
            double dx = mean - old;
            int np = d->kind == DIST_UNIFORM ? 2 : d->kind == DIST_TRIANGULAR ? 3 : 0;
            for (int i = 0; i < np; i++) d->p[i] += dx;
            for (int i = 0; i < d->n; i++) d->values[i] += dx;
        }
        break;
    case DIST_EXPONENTIAL: case DIST_POISSON: d->p[0] = mean; break;
    case DIST_NORMAL: case DIST_LOGNORMAL:
        d->p[1] = old != 0 ? d->p[1] * fabs(f) : d->p[1];
        d->p[0] = mean;
        break;
    case DIST_GAMMA: d->p[1] = d->p[0] > 0 ? mean / d->p[0] : d->p[1]; break;
    case DIST_BERNOULLI: d->p[0] = mean; break;
    case DIST_BINOMIAL: d->p[1] = d->p[0] > 0 ? mean / d->p[0] : d->p[1]; break;
    case DIST_BETA: {
        double c = d->p[0] + d->p[1];
        d->p[0] = mean * c;
        d->p[1] = (1 - mean) * c;
        break;
    }
    default: break;
    }
    if (dist_prepare(d) != NULL) *d = dist_const(mean);
}

static const char *const DIST_FIELDS[DIST__COUNT][4] = {
    [DIST_CONST] = { "value" },
    [DIST_UNIFORM] = { "lo", "hi" },
    [DIST_EXPONENTIAL] = { "mean" },
    [DIST_NORMAL] = { "mean", "sd" },
    [DIST_LOGNORMAL] = { "mean", "sd" },
    [DIST_TRIANGULAR] = { "lo", "mode", "hi" },
    [DIST_POISSON] = { "mean" },
    [DIST_BERNOULLI] = { "p" },
    [DIST_BINOMIAL] = { "n", "p" },
    [DIST_BETA] = { "alpha", "beta" },
    [DIST_GAMMA] = { "shape", "scale" },
    [DIST_DISCRETE] = { "values", "weights" },
};

/* A number or a {"dist": ...} object → Dist. 0 on success. */
static int parse_dist(Ld *L, const JsonValue *v, const char *path, Dist *out)
{
    if (v->type == JSON_NUMBER) {
        *out = dist_const(v->num);
        return 0;
    }
    if (v->type != JSON_OBJECT || !get(v, "dist")) {
        err(L, v, path, "expected a number or a distribution {\"dist\": ...}, found %s",
            v->type == JSON_OBJECT ? "an object without \"dist\"" : json_type_name(v->type));
        return -1;
    }
    const JsonValue *kv = get(v, "dist");
    char p[512];
    pkey(p, sizeof p, path, "dist");
    if (kv->type != JSON_STRING) {
        err(L, kv, p, "expected a distribution name, found %s", json_type_name(kv->type));
        return -1;
    }
    int k = dist_kind_from_name(kv->str);
    if (k < 0) {
        const char *names[DIST__COUNT];
        for (int i = 0; i < DIST__COUNT; i++) names[i] = dist_kind_name((DistKind)i);
        const char *s = diag_suggest(kv->str, names, DIST__COUNT);
        if (s) err(L, kv, p, "unknown distribution '%s' (did you mean '%s'?)", kv->str, s);
        else err(L, kv, p, "unknown distribution '%s'; expected one of constant, uniform, exponential, normal, lognormal, triangular, poisson, bernoulli, binomial, beta, gamma, discrete", kv->str);
        return -1;
    }
    const char *allowed[6] = { "dist" };
    int na = 1;
    for (int i = 0; i < 4 && DIST_FIELDS[k][i]; i++) allowed[na++] = DIST_FIELDS[k][i];
    allowed[na] = NULL;
    int before = diag_errors(L->d);
    fields(L, v, path, allowed);
    memset(out, 0, sizeof *out);
    out->kind = (DistKind)k;
    if (k == DIST_DISCRETE) {
        const JsonValue *vals = get(v, "values"), *w = get(v, "weights");
        char pv[512], pw[512];
        pkey(pv, sizeof pv, path, "values");
        pkey(pw, sizeof pw, path, "weights");
        if (!vals || vals->type != JSON_ARRAY || vals->len < 1 || vals->len > DIST_MAX_DISCRETE) {
            err(L, vals ? vals : v, pv, "expected an array of 1 to %d numbers", DIST_MAX_DISCRETE);
            return -1;
        }
        if (!w || w->type != JSON_ARRAY || w->len != vals->len) {
            err(L, w ? w : v, pw, "expected an array of %zu weights, one per value", vals->len);
            return -1;
        }
        out->n = (int)vals->len;
        for (size_t i = 0; i < vals->len; i++) {
            if (vals->items[i]->type != JSON_NUMBER || w->items[i]->type != JSON_NUMBER) {
                err(L, vals->items[i]->type != JSON_NUMBER ? vals->items[i] : w->items[i], path,
                    "values and weights must be numbers");
                return -1;
            }
            out->values[i] = vals->items[i]->num;
            out->cum[i] = w->items[i]->num;
        }
    } else {
        for (int i = 0; i < 4 && DIST_FIELDS[k][i]; i++)
            out->p[i] = num_field(L, v, path, DIST_FIELDS[k][i], 1, 0, -HUGE_VAL, HUGE_VAL);
    }
    if (diag_errors(L->d) != before) return -1;
    const char *why = dist_prepare(out);
    if (why) {
        /* Point at the parameter the message names ("sd must be >= 0"). */
        for (int i = 0; i < 4 && DIST_FIELDS[k][i]; i++) {
            size_t n = strlen(DIST_FIELDS[k][i]);
            if (!strncmp(why, DIST_FIELDS[k][i], n) && (why[n] == ' ' || why[n] == '\0') && get(v, DIST_FIELDS[k][i])) {
                char pf[600];
                pkey(pf, sizeof pf, path, DIST_FIELDS[k][i]);
                err(L, get(v, DIST_FIELDS[k][i]), pf, "bad %s distribution: %s", kv->str, why);
                return -1;
            }
        }
        err(L, v, path, "bad %s distribution: %s", kv->str, why);
        return -1;
    }
    return 0;
}

static int add_param(Ld *L, Dist d, ParamCon con, const char *idpath)
{
    Scenario *s = L->s;
    s->params = grow(L, s->params, &L->cap_params, s->nparams + 1, sizeof *s->params);
    ParamDef *pd = &s->params[s->nparams];
    memset(pd, 0, sizeof *pd);
    pd->d = d;
    pd->con = con;
    pd->path = sdup(L, idpath);
    pd->assumption = -1;
    return s->nparams++;
}

/* A param field (number, distribution or assumption record) → param index.
 * Absent and not required: a constant `def`. -1 only when required and
 * absent or invalid (a constant def stands in after an error so that
 * validation can go on). */
static int param_field(Ld *L, const JsonValue *obj, const char *path, const char *key,
                       ParamCon con, int required, double def, const char *idpath)
{
    const JsonValue *v = get(obj, key);
    char p[512];
    pkey(p, sizeof p, path, key);
    if (!v) {
        if (required && obj && obj->type == JSON_OBJECT) err(L, obj, p, "missing required field '%s'", key);
        return add_param(L, dist_const(def), con, idpath);
    }
    Dist d = dist_const(def);
    const JsonValue *valv = v;
    int is_record = v->type == JSON_OBJECT && !get(v, "dist");
    if (is_record) {
        static const char *const rec[] = { "value", "range", "source", "note", NULL };
        fields(L, v, p, rec);
        valv = get(v, "value");
        if (!valv) {
            err(L, v, p, "an assumption record needs a 'value' (a number or a distribution)");
            return add_param(L, d, con, idpath);
        }
        char pv[520];
        pkey(pv, sizeof pv, p, "value");
        if (parse_dist(L, valv, pv, &d) != 0) return add_param(L, dist_const(def), con, idpath);
    } else if (parse_dist(L, v, p, &d) != 0) {
        return add_param(L, dist_const(def), con, idpath);
    }
    const char *why = param_check(&d, con);
    if (why) {
        if (d.kind == DIST_CONST)
            err(L, valv, p, "value %g is out of range: it %s", d.p[0], why);
        else
            err(L, valv, p, "distribution (mean %g) is out of range: it %s", dist_mean(&d), why);
        d = dist_const(def);
    }
    int idx = add_param(L, d, con, idpath);
    if (is_record) {
        Scenario *s = L->s;
        s->assumptions = grow(L, s->assumptions, &L->cap_assumptions, s->nassumptions + 1, sizeof *s->assumptions);
        Assumption *a = &s->assumptions[s->nassumptions];
        memset(a, 0, sizeof *a);
        a->path = s->params[idx].path;
        a->value = dist_mean(&d);
        a->lo = a->hi = a->value;
        a->source = "";
        a->source_title = "";
        a->note = sdup(L, str_field(L, v, p, "note", 0, ""));
        const JsonValue *r = get(v, "range");
        if (r) {
            char pr[520];
            pkey(pr, sizeof pr, p, "range");
            if (r->type != JSON_ARRAY || r->len != 2 || r->items[0]->type != JSON_NUMBER ||
                r->items[1]->type != JSON_NUMBER) {
                err(L, r, pr, "expected [lo, hi], two numbers");
            } else if (r->items[0]->num > r->items[1]->num) {
                err(L, r, pr, "lo %g is greater than hi %g", r->items[0]->num, r->items[1]->num);
            } else if (!(fabs(r->items[0]->num) <= SC_MAX_MAGNITUDE) || !(fabs(r->items[1]->num) <= SC_MAX_MAGNITUDE)) {
                /* --uncertainty draws values from the range: the same bound
                 * as values themselves (see param_check). */
                err(L, r, pr, "range [%g, %g] must be within -1e15 to 1e15", r->items[0]->num, r->items[1]->num);
            } else if (!con_ok(r->items[0]->num, con) || !con_ok(r->items[1]->num, con)) {
                err(L, r, pr, "range [%g, %g] is outside what the field allows (%s)", r->items[0]->num,
                    r->items[1]->num, con_words(con));
            } else {
                a->lo = r->items[0]->num;
                a->hi = r->items[1]->num;
                double m = a->value, tol = 1e-9 * (fabs(a->lo) + fabs(a->hi) + 1);
                if (m < a->lo - tol || m > a->hi + tol)
                    err(L, valv, p, "value %g lies outside its range [%g, %g]", m, a->lo, a->hi);
            }
        }
        const JsonValue *src = get(v, "source");
        if (src) {
            char ps[520];
            pkey(ps, sizeof ps, p, "source");
            int si = ref_value(L, src, ps, &L->sources, "source");
            if (si >= 0) {
                a->source = s->sources[si].id;
                a->source_title = s->sources[si].title;
            }
        }
        s->assumption_param = grow(L, s->assumption_param, &L->cap_aparam, s->nassumptions + 1, sizeof(int));
        s->assumption_stream = grow(L, s->assumption_stream, &L->cap_astream, s->nassumptions + 1, sizeof(int));
        s->assumption_param[s->nassumptions] = idx;
        char comp[600];
        snprintf(comp, sizeof comp, "assumption:%s", idpath);
        s->assumption_stream[s->nassumptions] = stream(L, comp, "value");
        s->params[idx].assumption = s->nassumptions++;
    }
    return idx;
}

/* --- conditions ------------------------------------------------------------- */
static int add_node(Ld *L, CondNode n)
{
    Scenario *s = L->s;
    s->cond_nodes = grow(L, s->cond_nodes, &L->cap_nodes, s->ncond_nodes + 1, sizeof *s->cond_nodes);
    s->cond_nodes[s->ncond_nodes] = n;
    return s->ncond_nodes++;
}

static void add_time(Ld *L, double day)
{
    Scenario *s = L->s;
    s->times = grow(L, s->times, &L->cap_times, s->ntimes + 1, sizeof *s->times);
    s->times[s->ntimes++] = day;
}

static int quantity(Ld *L, const JsonValue *v, const char *p, Qty *q, unsigned *cats);

/* Counts are whole numbers; amounts of a resource flow continuously and
 * are not (docs/batch.md, Whole numbers). A sum of counts with whole
 * coefficients is a count. */
static int whole_qty(const Scenario *s, Qty q)
{
    if (q.kind == Q_SUM) {
        const SumDef *sd = &s->sums[q.idx];
        for (int i = 0; i < sd->n; i++)
            if (sd->coef[i] != floor(sd->coef[i]) || !whole_qty(s, sd->terms[i])) return 0;
        return 1;
    }
    return (q.kind >= Q_R_VOYAGES && q.kind <= Q_R_LOSSES) || (q.kind >= Q_L_ATTEMPTS && q.kind <= Q_T_DECLINED) ||
           q.kind == Q_TROOPS || q.kind == Q_EVENT || q.kind == Q_DECISION || q.kind == Q_ASSIST;
}

static int continuous_kind(int kind)
{
    return kind == Q_STOCK || kind == Q_STOCK_SHORT || kind == Q_SHORTFALL || kind == Q_CONSUMED ||
           kind == Q_PRODUCED || kind == Q_DAY;
}

/* {"sum": [Q, {"quantity": Q, "coef": k}, ...]} → Qty{Q_SUM, index}: a
 * linear combination, piecewise linear in time when its terms are. */
static int quantity_sum(Ld *L, const JsonValue *v, const char *p, Qty *q, unsigned *cats)
{
    static const char *const f[] = { "sum", NULL };
    if (!fields(L, v, p, f)) return -1;
    const JsonValue *arr = get(v, "sum");
    char pa[512];
    pkey(pa, sizeof pa, p, "sum");
    if (arr->type != JSON_ARRAY || arr->len < 1 || arr->len > SC_MAX_LIST) {
        err(L, arr, pa, "expected a list of 1 to %d quantities (a name, or {\"quantity\": Q, \"coef\": k})",
            SC_MAX_LIST);
        return -1;
    }
    SumDef sd = { 0 };
    sd.n = (int)arr->len;
    sd.terms = A(L, (size_t)sd.n * sizeof *sd.terms);
    sd.coef = A(L, (size_t)sd.n * sizeof *sd.coef);
    int bad = 0;
    for (int i = 0; i < sd.n; i++) {
        const JsonValue *t = arr->items[i];
        char pt[600];
        snprintf(pt, sizeof pt, "%s[%d]", pa, i);
        sd.coef[i] = 1;
        if (t->type == JSON_OBJECT && get(t, "quantity")) {
            static const char *const tf[] = { "quantity", "coef", NULL };
            fields(L, t, pt, tf);
            sd.coef[i] = num_field(L, t, pt, "coef", 0, 1, -SC_MAX_MAGNITUDE, SC_MAX_MAGNITUDE);
            char pq[640];
            pkey(pq, sizeof pq, pt, "quantity");
            if (quantity(L, get(t, "quantity"), pq, &sd.terms[i], cats) != 0) bad = 1;
        } else if (t->type == JSON_OBJECT && !get(t, "sum")) {
            err(L, t, pt, "expected a quantity name, {\"quantity\": Q, \"coef\": k} or {\"sum\": [...]}");
            bad = 1;
        } else if (quantity(L, t, pt, &sd.terms[i], cats) != 0) {
            bad = 1;
        }
        if (bad) continue;
        if (sd.terms[i].kind == Q_SUM ? L->s->sums[sd.terms[i].idx].continuous : continuous_kind(sd.terms[i].kind))
            sd.continuous = 1;
    }
    if (bad) return -1;
    Scenario *s = L->s;
    s->sums = grow(L, s->sums, &L->cap_sums, s->nsums + 1, sizeof *s->sums);
    s->sums[s->nsums] = sd;
    *q = (Qty){ Q_SUM, s->nsums++ };
    return 0;
}

/* "delivered.shells-152" → Qty. 0 on success. */
static int quantity(Ld *L, const JsonValue *v, const char *p, Qty *q, unsigned *cats)
{
    if (v->type == JSON_OBJECT && get(v, "sum")) return quantity_sum(L, v, p, q, cats);
    if (v->type != JSON_STRING) {
        err(L, v, p, "expected a quantity name such as \"delivered.RESOURCE\" or {\"sum\": [...]}, found %s",
            json_type_name(v->type));
        return -1;
    }
    char buf[256];
    snprintf(buf, sizeof buf, "%s", v->str);
    char *part[4] = { buf, NULL, NULL, NULL };
    int np = 1;
    for (char *c = buf; *c && np < 4; c++)
        if (*c == '.') { *c = '\0'; part[np++] = c + 1; }
    static const char *const res_q[] = { "delivered", "lost", "duds", "shortfall", "consumed", "produced" };
    const char *k = part[0];
    struct { const char *name; int kind; const IdTab *t; const char *what; unsigned cat; } one[] = {
        { "stock", Q_STOCK, &L->stocks, "stock", CAT_STOCK },
        { "troops", Q_TROOPS, &L->actors, "actor", CAT_TROOPS },
        { "event", Q_EVENT, &L->events, "event", CAT_EVENT },
        { "decision", Q_DECISION, &L->decisions, "decision", CAT_DECISION },
        { "assist", Q_ASSIST, &L->assists, "assistance", CAT_LAUNCH },
        { "overflow", Q_STOCK_OVERFLOW, &L->stocks, "stock", CAT_STOCK },
    };
    if (np == 1 && !strcmp(k, "day")) {
        *q = (Qty){ Q_DAY, 0 };
        *cats |= CAT_TIME;
        return 0;
    }
    for (int i = 0; i < 6; i++)
        if (!strcmp(k, res_q[i])) {
            if (np == 2) {
                JsonValue at = *v;
                (void)at;
                int r = find(&L->resources, part[1]);
                if (r < 0) goto unknown_id;
                *q = (Qty){ Q_DELIVERED + i, r };
                *cats |= i >= 3 ? CAT_STOCK | CAT_SUPPLY : CAT_SUPPLY;
                if (i >= 3) L->cond_stocks = ~(uint64_t)0;
                return 0;
            }
            if (np == 3 && !strcmp(part[1], "route") && (i == 0 || i == 1)) {
                int r = find(&L->routes, part[2]);
                if (r < 0) goto unknown_id;
                *q = (Qty){ i == 0 ? Q_R_DELIVERED : Q_R_LOST, r };
                *cats |= CAT_SUPPLY;
                return 0;
            }
            if (np == 3 && !strcmp(part[1], "stock") && i == 3) {
                int r = find(&L->stocks, part[2]);
                if (r < 0) goto unknown_id;
                *q = (Qty){ Q_STOCK_SHORT, r };
                *cats |= CAT_STOCK;
                L->cond_stocks |= (uint64_t)1 << (r & 63);
                return 0;
            }
            goto bad;
        }
    if ((!strcmp(k, "voyages") || !strcmp(k, "losses")) && np == 3 && !strcmp(part[1], "route")) {
        int r = find(&L->routes, part[2]);
        if (r < 0) goto unknown_id;
        *q = (Qty){ k[0] == 'v' ? Q_R_VOYAGES : Q_R_LOSSES, r };
        *cats |= CAT_SUPPLY;
        return 0;
    }
    for (size_t i = 0; i < sizeof one / sizeof one[0]; i++)
        if (!strcmp(k, one[i].name) && np == 2) {
            int r = find(one[i].t, part[1]);
            if (r < 0) goto unknown_id;
            *q = (Qty){ one[i].kind, r };
            *cats |= one[i].cat;
            if (one[i].kind == Q_STOCK || one[i].kind == Q_STOCK_OVERFLOW) L->cond_stocks |= (uint64_t)1 << (r & 63);
            return 0;
        }
    if (!strcmp(k, "launch") && np == 3) {
        static const char *const f[] = { "attempts", "successes", "failures", "streak" };
        int r = find(&L->programmes, part[1]);
        if (r < 0) goto unknown_id;
        for (int i = 0; i < 4; i++)
            if (!strcmp(part[2], f[i])) {
                *q = (Qty){ Q_L_ATTEMPTS + i, r };
                *cats |= CAT_LAUNCH;
                return 0;
            }
        goto bad;
    }
    if (!strcmp(k, "treaty") && np == 3) {
        static const char *const f[] = { "signed", "in_force", "triggered", "honoured", "declined" };
        int r = find(&L->treaties, part[1]);
        if (r < 0) goto unknown_id;
        for (int i = 0; i < 5; i++)
            if (!strcmp(part[2], f[i])) {
                *q = (Qty){ Q_T_SIGNED + i, r };
                *cats |= CAT_TREATY;
                return 0;
            }
        goto bad;
    }
bad:
    err(L, v, p, "unknown quantity '%s' (see docs/scenario.md, Conditions, for the list)", v->str);
    return -1;
unknown_id:
    err(L, v, p, "unknown quantity '%s': no such id in the scenario", v->str);
    return -1;
}

static int cond_node(Ld *L, const JsonValue *v, const char *path, int depth, unsigned *cats)
{
    if (depth >= SC_MAX_COND_DEPTH) {
        err(L, v, path, "conditions nested more than %d deep", SC_MAX_COND_DEPTH);
        return -1;
    }
    if (!v || v->type != JSON_OBJECT) {
        err(L, v, path, "expected a condition object, found %s", v ? json_type_name(v->type) : "nothing");
        return -1;
    }
    static const char *const ops[] = { ">=", ">", "<=", "<", "==", "!=" };
    CondNode n = { 0 };
    n.kid = -1;
    if (get(v, "quantity")) {
        static const char *const allowed[] = { "quantity", ">=", ">", "<=", "<", "==", "!=", NULL };
        fields(L, v, path, allowed);
        char p[512];
        pkey(p, sizeof p, path, "quantity");
        int found = -1;
        for (int i = 0; i < 6; i++)
            if (get(v, ops[i])) {
                if (found >= 0) err(L, get(v, ops[i]), path, "a comparison takes exactly one operator");
                found = i;
            }
        if (found < 0) {
            err(L, v, path, "a comparison needs an operator: one of >=, >, <=, <, ==, !=");
            return -1;
        }
        n.op = C_CMP;
        n.cmp = found;
        n.x = num_field(L, v, path, ops[found], 1, 0, -HUGE_VAL, HUGE_VAL);
        if (quantity(L, get(v, "quantity"), p, &n.q, cats) != 0) return -1;
        return add_node(L, n);
    }
    if (get(v, "after") || get(v, "before")) {
        static const char *const allowed[] = { "after", "before", NULL };
        fields(L, v, path, allowed);
        if (v->len != 1) {
            err(L, v, path, "write 'after' and 'before' as separate conditions inside 'all'");
            return -1;
        }
        int after = get(v, "after") != NULL;
        n.op = after ? C_AFTER : C_BEFORE;
        n.x = date_field(L, v, path, after ? "after" : "before", 1, 0);
        add_time(L, n.x);
        *cats |= CAT_TIME;
        return add_node(L, n);
    }
    static const char *const groups[] = { "all", "any", "not" };
    for (int g = 0; g < 3; g++) {
        const JsonValue *c = get(v, groups[g]);
        if (!c) continue;
        const char *allowed[] = { groups[g], NULL };
        fields(L, v, path, allowed);
        char p[512];
        pkey(p, sizeof p, path, groups[g]);
        if (g == 2) {
            int k = cond_node(L, c, p, depth + 1, cats);
            if (k < 0) return -1;
            Scenario *s = L->s;
            s->cond_kids = grow(L, s->cond_kids, &L->cap_kids, s->ncond_kids + 1, sizeof *s->cond_kids);
            n.op = C_NOT;
            n.kid = s->ncond_kids;
            n.nkids = 1;
            s->cond_kids[s->ncond_kids++] = k;
            return add_node(L, n);
        }
        if (c->type != JSON_ARRAY || c->len == 0) {
            err(L, c, p, "expected a non-empty array of conditions");
            return -1;
        }
        int kids[64], nk = 0;
        if (c->len > 64) {
            err(L, c, p, "at most 64 conditions in one group");
            return -1;
        }
        for (size_t i = 0; i < c->len; i++) {
            char pi[520];
            pidx(pi, sizeof pi, p, (int)i);
            int k = cond_node(L, c->items[i], pi, depth + 1, cats);
            if (k < 0) return -1;
            kids[nk++] = k;
        }
        Scenario *s = L->s;
        s->cond_kids = grow(L, s->cond_kids, &L->cap_kids, s->ncond_kids + nk, sizeof *s->cond_kids);
        n.op = g == 0 ? C_ALL : C_ANY;
        n.kid = s->ncond_kids;
        n.nkids = nk;
        memcpy(s->cond_kids + s->ncond_kids, kids, (size_t)nk * sizeof *kids);
        s->ncond_kids += nk;
        return add_node(L, n);
    }
    err(L, v, path, "expected a condition: {\"quantity\": Q, \">=\": x}, {\"after\": date}, {\"before\": date}, {\"all\": [...]}, {\"any\": [...]} or {\"not\": ...}");
    return -1;
}

static Cond cond_field(Ld *L, const JsonValue *obj, const char *path, const char *key, int required)
{
    Cond c = { -1, 0, 0 };
    const JsonValue *v = get(obj, key);
    char p[512];
    pkey(p, sizeof p, path, key);
    if (!v) {
        if (required && obj && obj->type == JSON_OBJECT) err(L, obj, p, "missing required field '%s'", key);
        return c;
    }
    L->cond_stocks = 0;
    c.root = cond_node(L, v, p, 0, &c.cats);
    c.stocks = L->cond_stocks;
    return c;
}

static void add_watch(Ld *L, int kind, int idx, const Cond *c)
{
    Scenario *s = L->s;
    s->watch = grow(L, s->watch, &L->cap_watch, s->nwatch + 1, sizeof *s->watch);
    s->watch[s->nwatch++] = (WatchDef){ kind, idx, c };
}

/* --- effects ---------------------------------------------------------------- */
/* "stock" comes first: a stock effect also has an "add" member. */
static const char *const EFFECT_KEYS[] = {
    "stock", "set", "scale", "add", "close", "open", "aggression", "trigger", "troops", "offer",
    "accept", "event", NULL
};

static EffectList effects_field(Ld *L, const JsonValue *obj, const char *path, const char *key,
                                const char *owner, const char *idpath)
{
    EffectList el = { L->s->neffects, 0 };
    const JsonValue *arr = get(obj, key);
    char p[512];
    pkey(p, sizeof p, path, key);
    if (!arr) return el;
    if (arr->type != JSON_ARRAY) {
        err(L, arr, p, "expected an array of effects, found %s", json_type_name(arr->type));
        return el;
    }
    if (arr->len > SC_MAX_LIST) {
        err(L, arr, p, "too many effects (the limit is %d)", SC_MAX_LIST);
        return el;
    }
    Scenario *s = L->s;
    s->effects = grow(L, s->effects, &L->cap_effects, s->neffects + (int)arr->len, sizeof *s->effects);
    el.first = s->neffects;
    int st = stream(L, owner, "effects");
    for (size_t i = 0; i < arr->len; i++) {
        const JsonValue *e = arr->items[i];
        char pe[520], ip[520];
        pidx(pe, sizeof pe, p, (int)i);
        snprintf(ip, sizeof ip, "%s.%s[%zu]", idpath, key, i);
        Effect ef = { .target = -1, .target2 = -1, .target3 = -1, .value = -1, .value2 = -1, .stream = st };
        if (!e || e->type != JSON_OBJECT || e->len == 0) {
            err(L, e, pe, "expected an effect object such as {\"close\": \"ROUTE\"}");
            continue;
        }
        static const int KIND_OF_KEY[] = { E_STOCK_ADD, E_SET, E_SCALE, E_ADD, E_CLOSE, E_OPEN, E_AGGRESSION,
                                           E_TRIGGER, E_TROOPS, E_OFFER, E_ACCEPT, E_EVENT };
        int kind = -1, key = -1;
        for (int k = 0; EFFECT_KEYS[k]; k++)
            if (get(e, EFFECT_KEYS[k])) { key = k; kind = KIND_OF_KEY[k]; break; }
        if (kind < 0) {
            const char *sug = diag_suggest(e->keys[0], EFFECT_KEYS, 12);
            JsonValue kv = { .line = e->key_line[0], .col = e->key_col[0] };
            if (sug) err(L, &kv, pe, "unknown effect '%s' (did you mean '%s'?)", e->keys[0], sug);
            else err(L, &kv, pe, "unknown effect '%s'; expected one of set, scale, add, close, open, aggression, trigger, stock, troops, offer, accept, event", e->keys[0]);
            continue;
        }
        ef.kind = kind;
        char vp[560];
        switch (kind) {
        case E_SET: case E_SCALE: case E_ADD: {
            const char *name = EFFECT_KEYS[key];
            const char *opnd = kind == E_SCALE ? "by" : "value";
            const char *allowed[] = { name, opnd, NULL };
            fields(L, e, pe, allowed);
            const char *pathname = str_field(L, e, pe, name, 1, NULL);
            snprintf(vp, sizeof vp, "%s.%s", ip, opnd);
            ef.value = param_field(L, e, pe, opnd, kind == E_SCALE ? PC_NONNEG : PC_ANY, 1, kind == E_SCALE ? 1 : 0, vp);
            if (pathname) {
                L->deferred = grow(L, L->deferred, &L->cap_deferred, L->ndeferred + 1, sizeof *L->deferred);
                char pn[530];
                pkey(pn, sizeof pn, pe, name);
                L->deferred[L->ndeferred++] = (Deferred){ s->neffects, pathname, get(e, name), sdup(L, pn) };
            }
            break;
        }
        case E_CLOSE: case E_OPEN: {
            const char *allowed[] = { EFFECT_KEYS[key], NULL };
            fields(L, e, pe, allowed);
            ef.target = ref_field(L, e, pe, EFFECT_KEYS[key], &L->routes, "route", 1);
            break;
        }
        case E_AGGRESSION: {
            static const char *const allowed[] = { "aggression", NULL };
            fields(L, e, pe, allowed);
            ef.target = ref_field(L, e, pe, "aggression", &L->actors, "actor", 1);
            break;
        }
        case E_TRIGGER: {
            static const char *const allowed[] = { "trigger", "against", NULL };
            fields(L, e, pe, allowed);
            ef.target = ref_field(L, e, pe, "trigger", &L->treaties, "treaty", 1);
            ef.target2 = ref_field(L, e, pe, "against", &L->actors, "actor", 1);
            /* Aggression against a non-party wakes no response: a silent no-op.
             * (Parties are known once their treaty is loaded: always for
             * events and decisions, which come after treaties.) */
            if (ef.target >= 0 && ef.target2 >= 0 && L->s->treaties && ef.target < L->s->ntreaties &&
                L->s->treaties[ef.target].parties) {
                const TreatyDef *td = &L->s->treaties[ef.target];
                int party = 0;
                for (int k = 0; k < td->nparties; k++) party |= td->parties[k] == ef.target2;
                if (!party) {
                    char pa[600];
                    pkey(pa, sizeof pa, pe, "against");
                    err(L, get(e, "against"), pa, "'%s' is not a party to treaty '%s'", L->actors.ids[ef.target2],
                        L->treaties.ids[ef.target]);
                }
            }
            break;
        }
        case E_STOCK_ADD: {
            static const char *const allowed[] = { "stock", "add", "destroy", NULL };
            fields(L, e, pe, allowed);
            ef.target = ref_field(L, e, pe, "stock", &L->stocks, "stock", 1);
            if (get(e, "destroy")) {
                ef.kind = E_STOCK_DESTROY;
                snprintf(vp, sizeof vp, "%s.destroy", ip);
                ef.value = param_field(L, e, pe, "destroy", PC_PROB, 1, 0, vp);
            } else {
                snprintf(vp, sizeof vp, "%s.add", ip);
                ef.value = param_field(L, e, pe, "add", PC_ANY, 1, 0, vp);
            }
            break;
        }
        case E_TROOPS: {
            static const char *const allowed[] = { "troops", NULL };
            fields(L, e, pe, allowed);
            const JsonValue *t = get(e, "troops");
            char pt[530];
            pkey(pt, sizeof pt, pe, "troops");
            static const char *const tf[] = { "actor", "from", "to", "count", "transit", NULL };
            if (!fields(L, t, pt, tf)) break;
            ef.target = ref_field(L, t, pt, "actor", &L->actors, "actor", 1);
            ef.target2 = ref_field(L, t, pt, "from", &L->places, "place", 1);
            ef.target3 = ref_field(L, t, pt, "to", &L->places, "place", 1);
            snprintf(vp, sizeof vp, "%s.troops.count", ip);
            ef.value = param_field(L, t, pt, "count", PC_NONNEG, 1, 0, vp);
            snprintf(vp, sizeof vp, "%s.troops.transit", ip);
            ef.value2 = param_field(L, t, pt, "transit", PC_NONNEG, 0, 0, vp);
            break;
        }
        case E_OFFER: case E_ACCEPT: {
            const char *allowed[] = { EFFECT_KEYS[key], NULL };
            fields(L, e, pe, allowed);
            ef.target = ref_field(L, e, pe, EFFECT_KEYS[key], &L->assists, "assistance", 1);
            break;
        }
        case E_EVENT: {
            static const char *const allowed[] = { "event", NULL };
            fields(L, e, pe, allowed);
            ef.target = ref_field(L, e, pe, "event", &L->events, "event", 1);
            break;
        }
        }
        s->effects[s->neffects++] = ef;
        el.n++;
    }
    return el;
}

/* --- the lists -------------------------------------------------------------- */
static void load_sources(Ld *L, const JsonValue *arr)
{
    Scenario *s = L->s;
    s->nsources = L->sources.n;
    s->sources = A(L, (size_t)(s->nsources + 1) * sizeof *s->sources);
    static const char *const f[] = { "id", "title", "date", "url", "publisher", "note", NULL };
    for (int i = 0; i < s->nsources; i++) {
        const JsonValue *e = arr->items[i];
        char p[64];
        pidx(p, sizeof p, "sources", i);
        SourceDef *src = &s->sources[i];
        src->id = L->sources.ids[i];
        if (!fields(L, e, p, f)) continue;
        src->title = str_field(L, e, p, "title", 1, "");
        const char *date = str_field(L, e, p, "date", 0, "");
        int64_t day;
        if (*date && cal_parse(date, &day) != 0) {
            char pd[80];
            pkey(pd, sizeof pd, p, "date");
            err(L, get(e, "date"), pd, "%s, found \"%s\"", date_problem(date), date);
        }
        src->date = date;
        src->url = str_field(L, e, p, "url", 0, "");
        src->publisher = str_field(L, e, p, "publisher", 0, "");
        src->note = str_field(L, e, p, "note", 0, "");
    }
}

static uint32_t parse_color(Ld *L, const JsonValue *e, const char *p)
{
    const char *c = str_field(L, e, p, "color", 0, "#999999");
    unsigned v = 0;
    int ok = strlen(c) == 7 && c[0] == '#';
    for (int i = 1; ok && i < 7; i++) {
        int ch = tolower((unsigned char)c[i]);
        if (!isxdigit(ch)) ok = 0;
        else v = v * 16 + (unsigned)(isdigit(ch) ? ch - '0' : ch - 'a' + 10);
    }
    if (!ok) {
        char pc[80];
        pkey(pc, sizeof pc, p, "color");
        err(L, get(e, "color"), pc, "expected a colour \"#RRGGBB\", found %s", c);
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
        pidx(p, sizeof p, "actors", i);
        TraceActor *a = &s->actors[i];
        a->id = L->actors.ids[i];
        a->name = a->id;
        a->color = 0x999999;
        if (!fields(L, e, p, f)) continue;
        a->name = str_field(L, e, p, "name", 0, a->id);
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
        pidx(p, sizeof p, "resources", i);
        TraceResource *r = &s->resources[i];
        r->id = L->resources.ids[i];
        r->name = r->id;
        r->unit = "units";
        if (!fields(L, e, p, f)) continue;
        r->name = str_field(L, e, p, "name", 0, r->id);
        r->unit = str_field(L, e, p, "unit", 0, "units");
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
        pidx(p, sizeof p, "places", i);
        TracePlace *pl = &s->places[i];
        pl->id = L->places.ids[i];
        pl->name = pl->id;
        pl->actor = -1;
        if (!fields(L, e, p, f)) continue;
        pl->name = str_field(L, e, p, "name", 0, pl->id);
        const char *kind = str_field(L, e, p, "kind", 1, NULL);
        if (kind) {
            pl->kind = place_kind_from_name(kind);
            if (pl->kind < 0) {
                const char *names[PLACE__COUNT];
                for (int k = 0; k < PLACE__COUNT; k++) names[k] = place_kind_name((PlaceKind)k);
                const char *sug = diag_suggest(kind, names, PLACE__COUNT);
                char pk[80];
                pkey(pk, sizeof pk, p, "kind");
                if (sug) err(L, get(e, "kind"), pk, "unknown place kind '%s' (did you mean '%s'?)", kind, sug);
                else err(L, get(e, "kind"), pk, "unknown place kind '%s'; expected arsenal, port, rail-hub, depot, front, launch-site or capital", kind);
                pl->kind = PLACE_DEPOT;
            }
        }
        pl->actor = ref_field(L, e, p, "actor", &L->actors, "actor", 0);
        pl->lat = num_field(L, e, p, "lat", 1, 0, -90, 90);
        pl->lon = num_field(L, e, p, "lon", 1, 0, -180, 180);
    }
}

static void load_stocks(Ld *L, const JsonValue *arr)
{
    Scenario *s = L->s;
    s->nstocks = L->stocks.n;
    s->stocks = A(L, (size_t)(s->nstocks + 1) * sizeof *s->stocks);
    s->stock_info = A(L, (size_t)(s->nstocks + 1) * sizeof *s->stock_info);
    static const char *const f[] = { "id", "place", "resource", "initial", "capacity", NULL };
    for (int i = 0; i < s->nstocks; i++) {
        const JsonValue *e = arr->items[i];
        char p[64], ip[160];
        pidx(p, sizeof p, "stocks", i);
        StockDef *st = &s->stocks[i];
        const char *id = L->stocks.ids[i];
        st->place = st->resource = -1;
        st->capacity = -1;
        st->initial = -1;
        if (fields(L, e, p, f)) {
            st->place = ref_field(L, e, p, "place", &L->places, "place", 1);
            st->resource = ref_field(L, e, p, "resource", &L->resources, "resource", 1);
        }
        snprintf(ip, sizeof ip, "stocks.%s.initial", id);
        st->initial = param_field(L, e, p, "initial", PC_NONNEG, 0, 0, ip);
        if (get(e, "capacity")) {
            snprintf(ip, sizeof ip, "stocks.%s.capacity", id);
            st->capacity = param_field(L, e, p, "capacity", PC_NONNEG, 0, 0, ip);
        }
        snprintf(ip, sizeof ip, "stock:%s", id);
        st->stream = stream(L, ip, "initial");
        TraceStock *ti = &s->stock_info[i];
        ti->id = id;
        ti->place = st->place;
        ti->resource = st->resource;
        ti->initial = dist_mean(&s->params[st->initial].d);
        ti->capacity = st->capacity >= 0 ? dist_mean(&s->params[st->capacity].d) : INFINITY;
    }
}

static void load_flows(Ld *L, const JsonValue *arr, int producer)
{
    Scenario *s = L->s;
    const char *listname = producer ? "producers" : "consumers";
    IdTab *t = producer ? &L->producers : &L->consumers;
    int n = t->n;
    FlowDef *fl = A(L, (size_t)(n + 1) * sizeof *fl);
    if (producer) { s->producers = fl; s->nproducers = n; }
    else { s->consumers = fl; s->nconsumers = n; }
    static const char *const f[] = { "id", "stock", "rate", "period", "start", "end", "ramp", NULL };
    for (int i = 0; i < n; i++) {
        const JsonValue *e = arr->items[i];
        char p[64], ip[160];
        pidx(p, sizeof p, listname, i);
        FlowDef *d = &fl[i];
        d->id = t->ids[i];
        d->stock = -1;
        int ok = fields(L, e, p, f);
        if (ok) d->stock = ref_field(L, e, p, "stock", &L->stocks, "stock", 1);
        snprintf(ip, sizeof ip, "%s.%s.rate", listname, d->id);
        d->rate = param_field(L, e, p, "rate", PC_NONNEG, 1, 0, ip);
        s->params[d->rate].owner = producer ? OWN_PRODUCER : OWN_CONSUMER;
        s->params[d->rate].owner_idx = i;
        d->period = num_field(L, e, p, "period", 0, 0, 0, 1e6);
        d->start = date_field(L, e, p, "start", 0, 0);
        d->end = date_field(L, e, p, "end", 0, s->end);
        if (d->end < d->start) {
            char pe[80];
            pkey(pe, sizeof pe, p, "end");
            err(L, get(e, "end"), pe, "end is before start");
        }
        d->ramp_from = 1;
        d->ramp_steps = 0;
        const JsonValue *r = get(e, "ramp");
        if (r) {
            char pr[80];
            pkey(pr, sizeof pr, p, "ramp");
            static const char *const rf[] = { "from", "days", "steps", NULL };
            if (fields(L, r, pr, rf)) {
                d->ramp_from = num_field(L, r, pr, "from", 1, 1, 0, 1);
                d->ramp_days = num_field(L, r, pr, "days", 1, 0, 0, 1e5);
                d->ramp_steps = int_field(L, r, pr, "steps", 0, 4, 1, 365);
            }
        }
        snprintf(ip, sizeof ip, "%s:%s", producer ? "producer" : "consumer", d->id);
        d->stream = stream(L, ip, "rate");
    }
}

/* A carrier with count n > 1 becomes ID-1 ... ID-n, whose names also key
 * their random streams. A declared id of that form on the same route would
 * share one: an error naming both places. (Two generated ids cannot
 * collide: the part after the last '-' is all digits, so ID-k fixes ID and k.) */
static void generated_ids_unique(Ld *L, const IdTab *ct, const JsonValue *cs, const char *pc)
{
    for (int j = 0; j < ct->n; j++) {
        const char *d = ct->ids[j], *dash = strrchr(d, '-');
        if (!dash || dash == d || dash[1] < '1' || dash[1] > '9' || strspn(dash + 1, "0123456789") != strlen(dash + 1)
            || strlen(dash + 1) > 5)
            continue;
        long k = strtol(dash + 1, NULL, 10);
        for (int g = 0; g < ct->n; g++) {
            const char *x = ct->ids[g];
            const JsonValue *cnt = get(cs->items[g], "count");
            if (g == j || !cnt || cnt->type != JSON_NUMBER || cnt->num < 2 || k > cnt->num) continue;
            if (strlen(x) != (size_t)(dash - d) || strncmp(x, d, (size_t)(dash - d))) continue;
            char pj[120], pi[130];
            pidx(pj, sizeof pj, pc, j);
            pkey(pi, sizeof pi, pj, "id");
            err(L, ct->at[j], pi, "duplicate id '%s': carrier '%s' with count %.0f (line %d, column %d) "
                "generates the same id", d, x, cnt->num, cnt->line, cnt->col);
        }
    }
}

typedef struct StreamKey { uint64_t prefix; int idx; } StreamKey;

static int stream_key_cmp(const void *a, const void *b)
{
    const StreamKey *x = a, *y = b;
    if (x->prefix != y->prefix) return x->prefix < y->prefix ? -1 : 1;
    return x->idx - y->idx;
}

/* The proof that no two components share a random stream: every stream's
 * key (its hashed component and purpose) is distinct. Names are unique by
 * construction (ids are checked, generated names cannot repeat), so this
 * fails only on a bug in the loader or a 64-bit hash collision; either way
 * the scenario must not run. O(n log n) once per load. */
static void streams_unique(Ld *L)
{
    Scenario *s = L->s;
    if (s->nstreams < 2) return;
    StreamKey *k = malloc((size_t)s->nstreams * sizeof *k);
    if (!k) {
        diag_add(L->d, 0, 0, "", "out of memory");
        return;
    }
    for (int i = 0; i < s->nstreams; i++) k[i] = (StreamKey){ s->streams[i].prefix, i };
    qsort(k, (size_t)s->nstreams, sizeof *k, stream_key_cmp);
    for (int i = 1; i < s->nstreams; i++)
        if (k[i].prefix == k[i - 1].prefix) {
            const StreamDef *a = &s->streams[k[i - 1].idx], *b = &s->streams[k[i].idx];
            diag_add(L->d, 0, 0, "", "%s: two components share the random stream of '%s' (%s) and '%s' (%s)",
                     L->s->file ? L->s->file : "scenario", a->component, a->purpose, b->component, b->purpose);
            break;
        }
    free(k);
}

static void load_routes(Ld *L, const JsonValue *arr)
{
    Scenario *s = L->s;
    s->nroutes = L->routes.n;
    s->routes = A(L, (size_t)(s->nroutes + 1) * sizeof *s->routes);
    s->route_info = A(L, (size_t)(s->nroutes + 1) * sizeof *s->route_info);
    /* Count carriers first (count expands). The total is capped: 1,024
     * routes x 256 carriers x count 10,000 would be 2.6 billion carriers (an
     * int overflow, then an allocation that cannot succeed). Found by
     * reading the loader while fuzzing; tests/bad/87-too-many-carriers.json. */
    int total = 0;
    for (int i = 0; i < s->nroutes; i++) {
        const JsonValue *cs = get(arr->items[i], "carriers");
        if (cs && cs->type == JSON_ARRAY && cs->len <= SC_MAX_CARRIERS)
            for (size_t j = 0; j < cs->len; j++) {
                const JsonValue *c = get(cs->items[j], "count");
                int k = c && c->type == JSON_NUMBER && c->num >= 1 && c->num <= SC_MAX_COUNT ? (int)c->num : 1;
                if (total <= SC_MAX_ALL_CARRIERS && total + k > SC_MAX_ALL_CARRIERS) {
                    char pj[120];
                    snprintf(pj, sizeof pj, "routes[%d].carriers[%zu]%s", i, j, c ? ".count" : "");
                    err(L, c ? c : cs->items[j], pj, "too many carriers: the scenario would have more than %d "
                        "(counting each carrier's count)", SC_MAX_ALL_CARRIERS);
                }
                if (total <= SC_MAX_ALL_CARRIERS) total += k;
            }
    }
    if (total > SC_MAX_ALL_CARRIERS) total = SC_MAX_ALL_CARRIERS;
    s->carriers = A(L, (size_t)(total + 1) * sizeof *s->carriers);
    s->carrier_info = A(L, (size_t)(total + 1) * sizeof *s->carrier_info);
    static const char *const f[] = { "id", "name", "mode", "from", "to", "waypoints", "container",
                                     "transit", "return", "loss", "dud", "open", "carriers", NULL };
    static const char *const cf[] = { "id", "name", "count", "containers", "min_load", "max_wait",
                                      "first", "every", NULL };
    for (int i = 0; i < s->nroutes; i++) {
        const JsonValue *e = arr->items[i];
        char p[64], ip[200];
        pidx(p, sizeof p, "routes", i);
        RouteDef *r = &s->routes[i];
        TraceRoute *ri = &s->route_info[i];
        const char *id = L->routes.ids[i];
        ri->id = id;
        ri->name = id;
        r->from = r->to = -1;
        r->first_carrier = s->ncarriers;
        int ok = fields(L, e, p, f);
        if (ok) {
            ri->name = str_field(L, e, p, "name", 0, id);
            const char *mode = str_field(L, e, p, "mode", 1, NULL);
            if (mode) {
                ri->mode = route_mode_from_name(mode);
                if (ri->mode < 0) {
                    char pm[80];
                    pkey(pm, sizeof pm, p, "mode");
                    err(L, get(e, "mode"), pm, "unknown mode '%s'; expected rail, sea, road or air", mode);
                    ri->mode = MODE_RAIL;
                }
            }
            r->from = ref_field(L, e, p, "from", &L->stocks, "stock", 1);
            r->to = ref_field(L, e, p, "to", &L->stocks, "stock", 1);
            if (r->from >= 0 && r->to >= 0) {
                if (r->from == r->to)
                    err(L, get(e, "to"), p, "a route needs two different stocks");
                else if (s->stocks[r->from].resource != s->stocks[r->to].resource)
                    err(L, get(e, "to"), p, "stocks '%s' and '%s' hold different resources",
                        L->stocks.ids[r->from], L->stocks.ids[r->to]);
            }
            ri->from = r->from >= 0 ? s->stocks[r->from].place : -1;
            ri->to = r->to >= 0 ? s->stocks[r->to].place : -1;
            r->open = bool_field(L, e, p, "open", 1);
            const JsonValue *w = get(e, "waypoints");
            if (w) {
                char pw[80];
                pkey(pw, sizeof pw, p, "waypoints");
                if (w->type != JSON_ARRAY || w->len > SC_MAX_LIST) {
                    err(L, w, pw, "expected an array of [lat, lon] pairs");
                } else {
                    double *lat = A(L, (w->len + 1) * sizeof *lat), *lon = A(L, (w->len + 1) * sizeof *lon);
                    for (size_t k = 0; k < w->len; k++) {
                        const JsonValue *pt = w->items[k];
                        if (pt->type != JSON_ARRAY || pt->len != 2 || pt->items[0]->type != JSON_NUMBER ||
                            pt->items[1]->type != JSON_NUMBER || fabs(pt->items[0]->num) > 90 ||
                            fabs(pt->items[1]->num) > 180) {
                            char pk[96];
                            pidx(pk, sizeof pk, pw, (int)k);
                            err(L, pt, pk, "expected [lat, lon] with lat in [-90, 90] and lon in [-180, 180]");
                            continue;
                        }
                        lat[ri->npts] = pt->items[0]->num;
                        lon[ri->npts] = pt->items[1]->num;
                        ri->npts++;
                    }
                    ri->lat = lat;
                    ri->lon = lon;
                }
            }
        }
        snprintf(ip, sizeof ip, "routes.%s.container", id);
        r->container = param_field(L, e, p, "container", PC_POS, 0, 1, ip);
        snprintf(ip, sizeof ip, "routes.%s.transit", id);
        r->transit = param_field(L, e, p, "transit", PC_NONNEG, 1, 1, ip);
        snprintf(ip, sizeof ip, "routes.%s.return", id);
        if (get(e, "return")) r->ret = param_field(L, e, p, "return", PC_NONNEG, 0, 0, ip);
        else r->ret = -1;
        snprintf(ip, sizeof ip, "routes.%s.loss", id);
        r->loss = param_field(L, e, p, "loss", PC_PROB, 0, 0, ip);
        snprintf(ip, sizeof ip, "routes.%s.dud", id);
        r->dud = param_field(L, e, p, "dud", PC_PROB, 0, 0, ip);
        snprintf(ip, sizeof ip, "route:%s", id);
        r->stream = stream(L, ip, "transit");
        int rs_ = stream(L, ip, "return");
        assert(rs_ == r->stream + RS_RETURN);
        rs_ = stream(L, ip, "loss");
        assert(rs_ == r->stream + RS_LOSS);
        rs_ = stream(L, ip, "dud");
        assert(rs_ == r->stream + RS_DUD);
        rs_ = stream(L, ip, "container");
        assert(rs_ == r->stream + RS_CONTAINER);
        (void)rs_;
        /* carriers */
        const JsonValue *cs = get(e, "carriers");
        char pc[80];
        pkey(pc, sizeof pc, p, "carriers");
        if (ok && !cs) err(L, e, pc, "missing required field 'carriers'");
        else if (cs && (cs->type != JSON_ARRAY || cs->len == 0)) err(L, cs, pc, "expected a non-empty array of carriers");
        else if (cs && cs->len > SC_MAX_CARRIERS) err(L, cs, pc, "too many carriers (the limit is %d)", SC_MAX_CARRIERS);
        else if (cs) {
            IdTab ct = { 0 };
            collect(L, &ct, cs, pc);
            for (size_t j = 0; j < cs->len; j++) {
                const JsonValue *c = cs->items[j];
                char pj[96];
                pidx(pj, sizeof pj, pc, (int)j);
                if (!fields(L, c, pj, cf)) continue;
                const char *cid = ct.ids[j];
                const char *cname = str_field(L, c, pj, "name", 0, cid);
                int count = int_field(L, c, pj, "count", 0, 1, 1, SC_MAX_COUNT);
                snprintf(ip, sizeof ip, "routes.%s.carriers.%s.containers", id, cid);
                int containers = param_field(L, c, pj, "containers", PC_NONNEG, 1, 1, ip);
                double min_load = num_field(L, c, pj, "min_load", 0, 1, 0, 1);
                if (get(c, "min_load") && min_load <= 0) {
                    char pm[120];
                    pkey(pm, sizeof pm, pj, "min_load");
                    err(L, get(c, "min_load"), pm, "expected a fraction in (0, 1]");
                }
                double max_wait = num_field(L, c, pj, "max_wait", 0, -1, 0, 1e6);
                double first = date_field(L, c, pj, "first", 0, 0);
                double every = num_field(L, c, pj, "every", 0, 0, 0, 1e6);
                if (get(c, "every") && every <= 0) {
                    char pm[120];
                    pkey(pm, sizeof pm, pj, "every");
                    err(L, get(c, "every"), pm, "expected a number of days > 0");
                }
                for (int k = 0; k < count && s->ncarriers < total; k++) {
                    CarrierDef *cd = &s->carriers[s->ncarriers];
                    TraceCarrier *ci = &s->carrier_info[s->ncarriers];
                    cd->id = count > 1 ? sfmt(L, "%s-%d", cid, k + 1) : cid;
                    cd->name = count > 1 ? sfmt(L, "%s %d", cname, k + 1) : cname;
                    cd->route = i;
                    cd->containers = containers;
                    cd->min_load = min_load > 0 ? min_load : 1;
                    cd->max_wait = max_wait;
                    cd->first = first;
                    cd->every = every;
                    snprintf(ip, sizeof ip, "carrier:%s/%s", id, cd->id);
                    cd->stream = stream(L, ip, "containers");
                    ci->id = cd->id;
                    ci->name = cd->name;
                    ci->route = i;
                    ci->capacity = dist_mean(&s->params[containers].d) * dist_mean(&s->params[r->container].d);
                    s->ncarriers++;
                }
            }
            generated_ids_unique(L, &ct, cs, pc);
        }
        r->ncarriers = s->ncarriers - r->first_carrier;
    }
}

static void load_programmes(Ld *L, const JsonValue *arr)
{
    Scenario *s = L->s;
    s->nprogrammes = L->programmes.n;
    s->programmes = A(L, (size_t)(s->nprogrammes + 1) * sizeof *s->programmes);
    s->programme_info = A(L, (size_t)(s->nprogrammes + 1) * sizeof *s->programme_info);
    s->nassists = L->assists.n;
    s->assists = A(L, (size_t)(s->nassists + 1) * sizeof *s->assists);
    int ai = 0;
    static const char *const f[] = { "id", "name", "actor", "site", "history", "interval", "max_attempts",
                                     "stop_after", "stages", "base", "ceiling", "growth", "assistance", NULL };
    for (int i = 0; i < s->nprogrammes; i++) {
        const JsonValue *e = arr->items[i];
        char p[64], ip[200];
        pidx(p, sizeof p, "programmes", i);
        ProgrammeDef *g = &s->programmes[i];
        TraceNamed *gi = &s->programme_info[i];
        const char *id = L->programmes.ids[i];
        gi->id = gi->name = id;
        gi->actor = gi->place = -1;
        g->actor = g->site = -1;
        g->interval = -1;
        g->nstages = 1;
        g->stage_w[0] = 1;
        int ok = fields(L, e, p, f);
        if (ok) {
            gi->name = str_field(L, e, p, "name", 0, id);
            g->actor = gi->actor = ref_field(L, e, p, "actor", &L->actors, "actor", 1);
            g->site = gi->place = ref_field(L, e, p, "site", &L->places, "place", 1);
            if (g->site >= 0 && s->places[g->site].kind != PLACE_LAUNCH_SITE) {
                char ps[80];
                pkey(ps, sizeof ps, p, "site");
                err(L, get(e, "site"), ps, "'%s' is a %s; a programme's site must be a launch-site", L->places.ids[g->site],
                    place_kind_name((PlaceKind)s->places[g->site].kind));
            }
            g->max_attempts = int_field(L, e, p, "max_attempts", 0, 20, 0, 100000);
            g->stop_after = int_field(L, e, p, "stop_after", 0, 0, 1, 100000);
            const JsonValue *st = get(e, "stages");
            if (st) {
                char ps[80];
                pkey(ps, sizeof ps, p, "stages");
                double sum = 0;
                if (st->type != JSON_ARRAY || st->len < 1 || st->len > DIST_MAX_DISCRETE) {
                    err(L, st, ps, "expected an array of 1 to %d stage weights", DIST_MAX_DISCRETE);
                } else {
                    g->nstages = (int)st->len;
                    for (size_t k = 0; k < st->len; k++) {
                        const JsonValue *w = st->items[k];
                        if (w->type != JSON_NUMBER || w->num < 0) {
                            char pk[96];
                            pidx(pk, sizeof pk, ps, (int)k);
                            err(L, w, pk, "expected a weight >= 0");
                            continue;
                        }
                        g->stage_w[k] = w->num;
                        sum += w->num;
                    }
                    if (sum <= 0) err(L, st, ps, "stage weights must not all be 0");
                }
            }
            const JsonValue *h = get(e, "history");
            if (h) {
                char ph[80];
                pkey(ph, sizeof ph, p, "history");
                if (h->type != JSON_ARRAY || h->len > SC_MAX_LIST) {
                    err(L, h, ph, "expected an array of attempts");
                } else {
                    g->history = A(L, (h->len + 1) * sizeof *g->history);
                    static const char *const hf[] = { "date", "outcome", "stage", "note", NULL };
                    double prev = -HUGE_VAL;
                    for (size_t k = 0; k < h->len; k++) {
                        const JsonValue *a = h->items[k];
                        char pk[96];
                        pidx(pk, sizeof pk, ph, (int)k);
                        if (!fields(L, a, pk, hf)) continue;
                        AttemptDef *ad = &g->history[g->nhistory++];
                        ad->day = date_field(L, a, pk, "date", 1, 0);
                        ad->path = sfmt(L, "programmes.%s.history[%zu]", id, k);
                        ad->note = str_field(L, a, pk, "note", 0, "");
                        if (ad->day < prev) err(L, get(a, "date"), pk, "attempts must be in date order");
                        prev = ad->day;
                        const char *o = str_field(L, a, pk, "outcome", 0, "random");
                        if (!strcmp(o, "success")) ad->outcome = 0;
                        else if (!strcmp(o, "random")) ad->outcome = -1;
                        else if (!strcmp(o, "failure")) ad->outcome = 1;
                        else {
                            char po[120];
                            pkey(po, sizeof po, pk, "outcome");
                            err(L, get(a, "outcome"), po, "expected \"success\", \"failure\" or \"random\", found \"%s\"", o);
                        }
                        if (ad->outcome > 0) ad->outcome = int_field(L, a, pk, "stage", 0, 1, 1, g->nstages > 1 ? g->nstages : 16);
                    }
                }
            }
            /* max_attempts counts the history too: fewer is a contradiction. */
            if (get(e, "max_attempts") && g->nhistory > g->max_attempts) {
                char pm[80];
                pkey(pm, sizeof pm, p, "max_attempts");
                err(L, get(e, "max_attempts"), pm, "max_attempts (%d) counts the history too, which already has %d attempts",
                    g->max_attempts, g->nhistory);
            }
        }
        snprintf(ip, sizeof ip, "programmes.%s.base", id);
        g->base = param_field(L, e, p, "base", PC_PROB, 1, 0.5, ip);
        snprintf(ip, sizeof ip, "programmes.%s.ceiling", id);
        g->ceiling = get(e, "ceiling") ? param_field(L, e, p, "ceiling", PC_PROB, 0, 0.5, ip) : -1;
        snprintf(ip, sizeof ip, "programmes.%s.growth", id);
        g->growth = param_field(L, e, p, "growth", PC_PROB, 0, 0, ip);
        if (get(e, "interval")) {
            snprintf(ip, sizeof ip, "programmes.%s.interval", id);
            g->interval = param_field(L, e, p, "interval", PC_NONNEG, 0, 30, ip);
        }
        snprintf(ip, sizeof ip, "launch:%s", id);
        g->stream = stream(L, ip, "outcome");
        int gs_ = stream(L, ip, "stage");
        assert(gs_ == g->stream + PS_STAGE);
        gs_ = stream(L, ip, "interval");
        assert(gs_ == g->stream + PS_INTERVAL);
        gs_ = stream(L, ip, "reliability");   /* base, ceiling, growth per replication */
        assert(gs_ == g->stream + PS_RELIABILITY);
        (void)gs_;
        const JsonValue *as = get(e, "assistance");
        if (as) {
            char pa[80];
            pkey(pa, sizeof pa, p, "assistance");
            if (as->type != JSON_ARRAY) {
                err(L, as, pa, "expected an array of assistance offers");
                continue;
            }
            static const char *const af[] = { "id", "from", "lead_time", "boost", "growth", NULL };
            for (size_t k = 0; k < as->len && ai < s->nassists; k++) {
                const JsonValue *a = as->items[k];
                char pk[96];
                pidx(pk, sizeof pk, pa, (int)k);
                AssistDef *ad = &s->assists[ai];
                ad->id = L->assists.ids[ai];
                ad->programme = i;
                ad->actor = -1;
                if (fields(L, a, pk, af)) ad->actor = ref_field(L, a, pk, "from", &L->actors, "actor", 1);
                snprintf(ip, sizeof ip, "programmes.%s.assistance.%s.lead_time", id, ad->id);
                ad->lead_time = param_field(L, a, pk, "lead_time", PC_NONNEG, 0, 0, ip);
                snprintf(ip, sizeof ip, "programmes.%s.assistance.%s.boost", id, ad->id);
                ad->boost = param_field(L, a, pk, "boost", PC_PROB, 0, 0, ip);
                snprintf(ip, sizeof ip, "programmes.%s.assistance.%s.growth", id, ad->id);
                ad->growth = param_field(L, a, pk, "growth", PC_PROB, 0, 0, ip);
                snprintf(ip, sizeof ip, "assist:%s", ad->id);
                ad->stream = stream(L, ip, "draws");
                ai++;
            }
        }
    }
}

static void load_treaties(Ld *L, const JsonValue *arr)
{
    Scenario *s = L->s;
    s->ntreaties = L->treaties.n;
    s->treaties = A(L, (size_t)(s->ntreaties + 1) * sizeof *s->treaties);
    s->treaty_info = A(L, (size_t)(s->ntreaties + 1) * sizeof *s->treaty_info);
    int nresp = 0;
    for (int i = 0; i < s->ntreaties; i++) {
        const JsonValue *r = get(arr->items[i], "responses");
        if (r && r->type == JSON_ARRAY && r->len <= SC_MAX_LIST) nresp += (int)r->len;
    }
    s->responses = A(L, (size_t)(nresp + 1) * sizeof *s->responses);
    static const char *const f[] = { "id", "name", "parties", "signed", "in_force", "responses", NULL };
    static const char *const rf[] = { "party", "protects", "requires_in_force", "honour", "delay",
                                      "effects", "on_decline", NULL };
    for (int i = 0; i < s->ntreaties; i++) {
        const JsonValue *e = arr->items[i];
        char p[64], ip[200];
        pidx(p, sizeof p, "treaties", i);
        TreatyDef *t = &s->treaties[i];
        TraceNamed *ti = &s->treaty_info[i];
        const char *id = L->treaties.ids[i];
        ti->id = ti->name = id;
        ti->actor = ti->place = -1;
        t->first_response = s->nresponses;
        if (!fields(L, e, p, f)) continue;
        ti->name = str_field(L, e, p, "name", 0, id);
        const JsonValue *pa = get(e, "parties");
        char pp[80];
        pkey(pp, sizeof pp, p, "parties");
        if (!pa) err(L, e, pp, "missing required field 'parties'");
        else if (pa->type != JSON_ARRAY || pa->len < 2 || pa->len > 64) err(L, pa, pp, "expected an array of at least two actors");
        else {
            t->parties = A(L, pa->len * sizeof *t->parties);
            for (size_t k = 0; k < pa->len; k++) {
                char pk[96];
                pidx(pk, sizeof pk, pp, (int)k);
                int a = ref_value(L, pa->items[k], pk, &L->actors, "actor");
                for (int j = 0; j < t->nparties && a >= 0; j++)
                    if (t->parties[j] == a) err(L, pa->items[k], pk, "actor listed twice");
                t->parties[t->nparties++] = a;
            }
            ti->actor = t->parties[0];
        }
        t->signed_day = date_field(L, e, p, "signed", 1, 0);
        t->in_force_day = date_field(L, e, p, "in_force", 0, t->signed_day);
        if (t->in_force_day < t->signed_day) err(L, get(e, "in_force"), p, "in_force is before signed");
        const JsonValue *rs = get(e, "responses");
        if (!rs) continue;
        char pr[80];
        pkey(pr, sizeof pr, p, "responses");
        if (rs->type != JSON_ARRAY || rs->len > SC_MAX_LIST) {
            err(L, rs, pr, "expected an array of responses");
            continue;
        }
        for (size_t k = 0; k < rs->len; k++) {
            const JsonValue *r = rs->items[k];
            char pk[96];
            pidx(pk, sizeof pk, pr, (int)k);
            ResponseDef *rd = &s->responses[s->nresponses];
            rd->party = rd->protects = -1;
            rd->treaty = i;
            if (!fields(L, r, pk, rf)) continue;
            rd->party = ref_field(L, r, pk, "party", &L->actors, "actor", 1);
            rd->protects = ref_field(L, r, pk, "protects", &L->actors, "actor", 0);
            int is_party = 0, prot_party = rd->protects < 0;
            for (int j = 0; j < t->nparties; j++) {
                if (t->parties[j] == rd->party) is_party = 1;
                if (t->parties[j] == rd->protects) prot_party = 1;
            }
            char pf[120];
            if (rd->party >= 0 && !is_party) {
                pkey(pf, sizeof pf, pk, "party");
                err(L, get(r, "party"), pf, "'%s' is not a party to this treaty", L->actors.ids[rd->party]);
            }
            if (!prot_party) {
                pkey(pf, sizeof pf, pk, "protects");
                err(L, get(r, "protects"), pf, "'%s' is not a party to this treaty", L->actors.ids[rd->protects]);
            }
            rd->requires_in_force = bool_field(L, r, pk, "requires_in_force", 0);
            /* A response is named by its party; a party's second, third ...
             * response in the treaty by PARTY.2, PARTY.3 (ids have no '.',
             * so no name repeats): its --set paths and random streams are
             * its own. */
            int nth = 1;
            for (int q = t->first_response; q < s->nresponses; q++) nth += s->responses[q].party == rd->party;
            const char *party = rd->party < 0 ? "?" : nth == 1 ? L->actors.ids[rd->party]
                              : sfmt(L, "%s.%d", L->actors.ids[rd->party], nth);
            snprintf(ip, sizeof ip, "treaties.%s.responses.%s.honour", id, party);
            rd->honour = param_field(L, r, pk, "honour", PC_PROB, 0, 1, ip);
            snprintf(ip, sizeof ip, "treaties.%s.responses.%s.delay", id, party);
            rd->delay = param_field(L, r, pk, "delay", PC_NONNEG, 0, 0, ip);
            snprintf(ip, sizeof ip, "treaty:%s:%s", id, party);
            rd->stream = stream(L, ip, "honour");
            int ts_ = stream(L, ip, "delay");
            assert(ts_ == rd->stream + TS_DELAY);
            (void)ts_;
            char owner[200];
            snprintf(owner, sizeof owner, "treaty:%s:%s", id, party);
            snprintf(ip, sizeof ip, "treaties.%s.responses.%s", id, party);
            rd->effects = effects_field(L, r, pk, "effects", owner, ip);
            snprintf(owner, sizeof owner, "treaty:%s:%s:decline", id, party);
            rd->on_decline = effects_field(L, r, pk, "on_decline", owner, ip);
            s->nresponses++;
        }
        t->nresponses = s->nresponses - t->first_response;
    }
}

static void load_events(Ld *L, const JsonValue *arr)
{
    Scenario *s = L->s;
    s->nevents = L->events.n;
    s->events = A(L, (size_t)(s->nevents + 1) * sizeof *s->events);
    s->event_info = A(L, (size_t)(s->nevents + 1) * sizeof *s->event_info);
    static const char *const f[] = { "id", "name", "at", "hazard", "from", "until", "max", "when",
                                     "delay", "effects", NULL };
    for (int i = 0; i < s->nevents; i++) {
        const JsonValue *e = arr->items[i];
        char p[64], ip[200];
        pidx(p, sizeof p, "events", i);
        EventDef *ev = &s->events[i];
        TraceNamed *ei = &s->event_info[i];
        const char *id = L->events.ids[i];
        ei->id = ei->name = id;
        ei->actor = ei->place = -1;
        ev->when.root = -1;
        ev->delay = -1;
        ev->hazard = -1;
        if (!fields(L, e, p, f)) continue;
        ei->name = str_field(L, e, p, "name", 0, id);
        int nt = (get(e, "at") != NULL) + (get(e, "hazard") != NULL) + (get(e, "when") != NULL);
        if (nt > 1) {
            err(L, e, p, "an event takes at most one of 'at' (a date), 'hazard' (a rate per day) or 'when' (a condition)");
            continue;
        }
        ev->from = date_field(L, e, p, "from", 0, 0);
        ev->until = date_field(L, e, p, "until", 0, s->end);
        if (get(e, "from") && ev->from > ev->until) {
            char pf[80];
            pkey(pf, sizeof pf, p, "from");
            err(L, get(e, "from"), pf, "the window opens after it closes ('from' is after '%s')",
                get(e, "until") ? "until" : "the calendar's end");
        }
        if (get(e, "at")) {
            ev->trigger = EV_AT;
            ev->at = date_field(L, e, p, "at", 1, 0);
        } else if (get(e, "hazard")) {
            ev->trigger = EV_HAZARD;
            snprintf(ip, sizeof ip, "events.%s.hazard", id);
            ev->hazard = param_field(L, e, p, "hazard", PC_NONNEG, 1, 0, ip);
            s->params[ev->hazard].owner = OWN_HAZARD;
            s->params[ev->hazard].owner_idx = i;
        } else if (get(e, "when")) {
            ev->trigger = EV_WHEN;
            ev->when = cond_field(L, e, p, "when", 1);
        } else {
            ev->trigger = EV_MANUAL;    /* happens only through an {"event": ID} effect */
        }
        ev->max = int_field(L, e, p, "max", 0, ev->trigger == EV_WHEN ? 1 : 0, 1, 1000000);
        if (get(e, "delay")) {
            snprintf(ip, sizeof ip, "events.%s.delay", id);
            ev->delay = param_field(L, e, p, "delay", PC_NONNEG, 0, 0, ip);
        }
        snprintf(ip, sizeof ip, "event:%s", id);
        ev->stream = stream(L, ip, "timing");
        char idp[160];
        snprintf(idp, sizeof idp, "events.%s", id);
        ev->effects = effects_field(L, e, p, "effects", ip, idp);
    }
    for (int i = 0; i < s->nevents; i++)
        if (s->events[i].trigger == EV_WHEN && s->events[i].when.root >= 0)
            add_watch(L, W_EVENT, i, &s->events[i].when);
}

static int option_ref(Ld *L, const JsonValue *v, const char *p, const DecisionDef *d)
{
    if (!v || v->type != JSON_STRING) {
        err(L, v, p, "expected an option id");
        return 0;
    }
    for (int k = 0; k < d->noptions; k++)
        if (!strcmp(d->option_ids[k], v->str)) return k;
    const char *sug = diag_suggest(v->str, d->option_ids, d->noptions);
    if (sug) err(L, v, p, "unknown option '%s' (did you mean '%s'?)", v->str, sug);
    else err(L, v, p, "unknown option '%s'", v->str);
    return 0;
}

static void load_decisions(Ld *L, const JsonValue *arr)
{
    Scenario *s = L->s;
    s->ndecisions = L->decisions.n;
    s->decisions = A(L, (size_t)(s->ndecisions + 1) * sizeof *s->decisions);
    s->decision_info = A(L, (size_t)(s->ndecisions + 1) * sizeof *s->decision_info);
    static const char *const f[] = { "id", "name", "actor", "when", "options", "policy", NULL };
    static const char *const of[] = { "id", "label", "effects", NULL };
    for (int i = 0; i < s->ndecisions; i++) {
        const JsonValue *e = arr->items[i];
        char p[64], ip[200];
        pidx(p, sizeof p, "decisions", i);
        DecisionDef *d = &s->decisions[i];
        TraceDecisionDef *di = &s->decision_info[i];
        const char *id = L->decisions.ids[i];
        di->id = di->name = id;
        di->actor = -1;
        d->when.root = -1;
        di->options = d->option_labels;
        if (!fields(L, e, p, f)) continue;
        di->name = str_field(L, e, p, "name", 0, id);
        di->actor = ref_field(L, e, p, "actor", &L->actors, "actor", 1);
        d->when = cond_field(L, e, p, "when", 1);
        snprintf(ip, sizeof ip, "decision:%s", id);
        d->stream = stream(L, ip, "policy");
        const JsonValue *os = get(e, "options");
        char po[80];
        pkey(po, sizeof po, p, "options");
        if (!os) { err(L, e, po, "missing required field 'options'"); continue; }
        if (os->type != JSON_ARRAY || os->len < 2 || os->len > SC_MAX_OPTIONS) {
            err(L, os, po, "expected an array of 2 to %d options", SC_MAX_OPTIONS);
            continue;
        }
        for (size_t k = 0; k < os->len; k++) {
            const JsonValue *o = os->items[k];
            char pk[96];
            pidx(pk, sizeof pk, po, (int)k);
            d->option_ids[k] = "";
            d->option_labels[k] = "";
            if (!fields(L, o, pk, of)) { d->noptions++; continue; }
            const char *oid = str_field(L, o, pk, "id", 1, "");
            if (*oid && !valid_id(oid)) {
                char pi[120];
                pkey(pi, sizeof pi, pk, "id");
                err(L, get(o, "id"), pi, "expected an id (lower-case letters, digits, '-' and '_')");
            }
            for (size_t j = 0; j < k; j++)
                if (*oid && !strcmp(oid, d->option_ids[j])) err(L, get(o, "id"), pk, "duplicate option id '%s'", oid);
            d->option_ids[k] = oid;
            d->option_labels[k] = str_field(L, o, pk, "label", 0, oid);
            char owner[200], idp[200];
            snprintf(owner, sizeof owner, "decision:%s:%s", id, oid);
            snprintf(idp, sizeof idp, "decisions.%s.options.%s", id, oid);
            d->option_effects[k] = effects_field(L, o, pk, "effects", owner, idp);
            d->noptions++;
        }
        di->noptions = d->noptions;
        d->policy = POL_FIXED;
        d->fixed = 0;
        const JsonValue *pol = get(e, "policy");
        if (!pol) continue;
        char pp[80];
        pkey(pp, sizeof pp, p, "policy");
        static const char *const pf[] = { "fixed", "probabilities", "rules", "else", NULL };
        if (!fields(L, pol, pp, pf)) continue;
        char pk[120];
        if (get(pol, "fixed")) {
            pkey(pk, sizeof pk, pp, "fixed");
            d->fixed = option_ref(L, get(pol, "fixed"), pk, d);
        } else if (get(pol, "probabilities")) {
            const JsonValue *w = get(pol, "probabilities");
            pkey(pk, sizeof pk, pp, "probabilities");
            d->policy = POL_PROB;
            double sum = 0;
            if (w->type != JSON_ARRAY || (int)w->len != d->noptions) {
                err(L, w, pk, "expected %d probabilities, one per option", d->noptions);
            } else {
                for (size_t k = 0; k < w->len; k++) {
                    if (w->items[k]->type != JSON_NUMBER || w->items[k]->num < 0) {
                        err(L, w->items[k], pk, "expected a weight >= 0");
                        continue;
                    }
                    d->weights[k] = w->items[k]->num;
                    sum += w->items[k]->num;
                }
                if (sum <= 0) err(L, w, pk, "weights must not all be 0");
            }
        } else if (get(pol, "rules")) {
            const JsonValue *rs = get(pol, "rules");
            pkey(pk, sizeof pk, pp, "rules");
            d->policy = POL_RULES;
            if (rs->type != JSON_ARRAY || rs->len > 64) {
                err(L, rs, pk, "expected an array of {\"if\": condition, \"choose\": OPTION}");
            } else {
                d->rule_conds = A(L, (rs->len + 1) * sizeof *d->rule_conds);
                d->rule_choice = A(L, (rs->len + 1) * sizeof *d->rule_choice);
                static const char *const rrf[] = { "if", "choose", NULL };
                for (size_t k = 0; k < rs->len; k++) {
                    char pr[140], pc[160];
                    pidx(pr, sizeof pr, pk, (int)k);
                    if (!fields(L, rs->items[k], pr, rrf)) continue;
                    d->rule_conds[d->nrules] = cond_field(L, rs->items[k], pr, "if", 1);
                    pkey(pc, sizeof pc, pr, "choose");
                    d->rule_choice[d->nrules] = option_ref(L, get(rs->items[k], "choose"), pc, d);
                    d->nrules++;
                }
            }
            pkey(pk, sizeof pk, pp, "else");
            d->otherwise = get(pol, "else") ? option_ref(L, get(pol, "else"), pk, d) : 0;
        } else {
            err(L, pol, pp, "expected one of 'fixed', 'probabilities' or 'rules'");
        }
    }
    for (int i = 0; i < s->ndecisions; i++)
        if (s->decisions[i].when.root >= 0) add_watch(L, W_DECISION, i, &s->decisions[i].when);
}

static void load_metrics(Ld *L, const JsonValue *arr)
{
    Scenario *s = L->s;
    s->nmetrics = L->metrics.n;
    s->metrics = A(L, (size_t)(s->nmetrics + 1) * sizeof *s->metrics);
    static const char *const f[] = { "id", "label", "unit", "better", "total", "time_of", "happened",
                                     "by", "level", "every", NULL };
    /* Each Sim holds every LEVEL series: 1,024 metrics of 100,000 points
     * would be 800 MB per Sim (per thread), from a 60 kB file. */
    long samples = 0;
    for (int i = 0; i < s->nmetrics; i++) {
        const JsonValue *e = arr->items[i];
        char p[64];
        pidx(p, sizeof p, "metrics", i);
        MetricDef *m = &s->metrics[i];
        m->info.id = L->metrics.ids[i];
        m->info.label = m->info.id;
        m->info.unit = "";
        m->cond.root = -1;
        if (!fields(L, e, p, f)) continue;
        m->info.label = str_field(L, e, p, "label", 0, m->info.id);
        m->info.unit = str_field(L, e, p, "unit", 0, "");
        const char *better = str_field(L, e, p, "better", 0, "neither");
        if (!strcmp(better, "higher")) m->info.better = 1;
        else if (!strcmp(better, "lower")) m->info.better = -1;
        else if (strcmp(better, "neither")) {
            char pb[80];
            pkey(pb, sizeof pb, p, "better");
            err(L, get(e, "better"), pb, "expected \"higher\", \"lower\" or \"neither\"");
        }
        int forms = (get(e, "total") != NULL) + (get(e, "time_of") != NULL) + (get(e, "happened") != NULL) +
                    (get(e, "level") != NULL);
        if (forms != 1) {
            err(L, e, p, "a metric needs exactly one of 'total', 'time_of', 'happened' or 'level'");
            continue;
        }
        unsigned cats = 0;
        char pq[80];
        if (get(e, "total") || get(e, "level")) {
            const char *k = get(e, "total") ? "total" : "level";
            pkey(pq, sizeof pq, p, k);
            quantity(L, get(e, k), pq, &m->q, &cats);
            m->info.kind = k[0] == 't' ? MET_TOTAL : MET_LEVEL;
            /* Counts are whole numbers; amounts of a resource flow continuously
             * and are not (docs/batch.md, Whole numbers). */
            m->info.whole = (m->q.kind >= Q_R_VOYAGES && m->q.kind <= Q_R_LOSSES) ||
                            (m->q.kind >= Q_L_ATTEMPTS && m->q.kind <= Q_T_DECLINED) || m->q.kind == Q_TROOPS ||
                            m->q.kind == Q_EVENT || m->q.kind == Q_DECISION || m->q.kind == Q_ASSIST;
            if (m->info.kind == MET_LEVEL) {
                m->every = num_field(L, e, p, "every", 1, 7, 1e-3, 1e6);
                m->info.series_t0 = 0;
                m->info.series_dt = m->every;
                m->info.series_len = (int)floor(s->end / m->every + 1e-9) + 1;
                if (m->info.series_len > 100000) {
                    err(L, get(e, "every"), p, "too many sample points (%d; the limit is 100000)", m->info.series_len);
                    m->info.series_len = 1;
                } else if (samples <= SC_MAX_ALL_SAMPLES && samples + m->info.series_len > SC_MAX_ALL_SAMPLES) {
                    err(L, get(e, "every") ? get(e, "every") : e, p, "too many sample points in all: the level "
                        "metrics would hold more than %d (sample less often, or fewer levels)", SC_MAX_ALL_SAMPLES);
                    m->info.series_len = 1;
                    samples = SC_MAX_ALL_SAMPLES;  /* one report is enough */
                }
                samples += m->info.series_len;
            }
        } else if (get(e, "time_of")) {
            m->info.kind = MET_TIME;
            m->cond = cond_field(L, e, p, "time_of", 1);
            if (!*m->info.unit) m->info.unit = "days";
        } else {
            m->info.kind = MET_FLAG;
            m->info.whole = 1;
            m->cond = cond_field(L, e, p, "happened", 1);
            m->by = date_field(L, e, p, "by", 1, s->end);
            if (get(e, "by") && (m->by < 0 || m->by > s->end)) {
                char pb[80];
                pkey(pb, sizeof pb, p, "by");
                err(L, get(e, "by"), pb, "the date is outside the calendar (a flag's 'by' must be within start..end)");
            }
        }
    }
    for (int i = 0; i < s->nmetrics; i++)
        if (s->metrics[i].cond.root >= 0) add_watch(L, W_METRIC, i, &s->metrics[i].cond);
}

/* Observations: dated figures from the record (docs/scenario.md,
 * Observations). A date names a whole day, so the model is read at its end
 * (00:00 of the next day), as "by DATE" is everywhere in salvo. */
static void load_observations(Ld *L, const JsonValue *arr)
{
    Scenario *s = L->s;
    s->nobs = L->observations.n;
    s->obs = A(L, (size_t)(s->nobs + 1) * sizeof *s->obs);
    static const char *const f[] = { "id", "date", "quantity", "metric", "low", "high", "value", "rel_error",
                                     "unit", "source", "held_out", "note", NULL };
    for (int i = 0; i < s->nobs; i++) {
        const JsonValue *e = arr->items[i];
        char p[64];
        pidx(p, sizeof p, "observations", i);
        ObsDef *o = &s->obs[i];
        Observation *in = &o->info;
        in->id = L->observations.ids[i];
        in->metric = in->id;
        in->date = in->unit = in->note = in->source = "";
        o->q = (Qty){ Q_DAY, 0 };
        if (!fields(L, e, p, f)) continue;
        in->date = str_field(L, e, p, "date", 1, "");
        double day = date_field(L, e, p, "date", 1, NAN);
        char pp[96];
        pkey(pp, sizeof pp, p, "date");
        if (!isnan(day) && (day < 0 || day >= s->end))
            err(L, get(e, "date"), pp, "date %s is outside the calendar (the run covers %d days from the start; "
                "the end date itself is not simulated)", in->date, (int)s->end);
        in->t = isnan(day) ? s->end : day + 1;
        const JsonValue *qv = get(e, "quantity"), *mv = get(e, "metric");
        int metric = -1;
        if (mv) {
            pkey(pp, sizeof pp, p, "metric");
            metric = ref_value(L, mv, pp, &L->metrics, "metric");
            if (metric >= 0 && s->metrics[metric].info.kind != MET_LEVEL &&
                s->metrics[metric].info.kind != MET_TOTAL) {
                err(L, mv, pp, "metric '%s' is not a 'level' or 'total' metric (an observation is a quantity "
                    "at a date)", mv->str);
                metric = -1;
            }
        }
        if (qv) {
            unsigned cats = 0;
            pkey(pp, sizeof pp, p, "quantity");
            quantity(L, qv, pp, &o->q, &cats);
        } else if (metric >= 0) {
            o->q = s->metrics[metric].q;
        } else if (!mv) {
            err(L, e, p, "an observation needs a 'quantity' (or the 'metric' whose quantity it observes)");
        }
        in->whole = diag_errors(L->d) == 0 && whole_qty(s, o->q);
        if (metric >= 0) in->metric = s->metrics[metric].info.id;
        else if (!mv && qv && qv->type == JSON_STRING)
            /* A LEVEL metric of the same quantity is its chart. */
            for (int m = 0; m < s->nmetrics; m++)
                if (s->metrics[m].info.kind == MET_LEVEL && s->metrics[m].q.kind == o->q.kind &&
                    s->metrics[m].q.idx == o->q.idx && o->q.kind != Q_SUM) {
                    in->metric = s->metrics[m].info.id;
                    break;
                }
        int ranged = get(e, "low") || get(e, "high"), valued = get(e, "value") || get(e, "rel_error");
        if (ranged && valued) {
            err(L, e, p, "give the record's range as 'low' and 'high', or as 'value' and 'rel_error', not both");
        } else if (valued) {
            double v = num_field(L, e, p, "value", 1, 0, -SC_MAX_MAGNITUDE, SC_MAX_MAGNITUDE);
            double r = num_field(L, e, p, "rel_error", 1, 0, 0, 10);
            in->low = v - fabs(v) * r;
            in->high = v + fabs(v) * r;
        } else {
            in->low = num_field(L, e, p, "low", 1, 0, -SC_MAX_MAGNITUDE, SC_MAX_MAGNITUDE);
            in->high = num_field(L, e, p, "high", 1, in->low, -SC_MAX_MAGNITUDE, SC_MAX_MAGNITUDE);
            if (get(e, "low") && get(e, "high") && in->low > in->high) {
                pkey(pp, sizeof pp, p, "high");
                err(L, get(e, "high"), pp, "high (%g) is below low (%g)", in->high, in->low);
            }
        }
        in->unit = str_field(L, e, p, "unit", 0, "");
        pkey(pp, sizeof pp, p, "source");
        int src = ref_field(L, e, p, "source", &L->sources, "source", 1);
        if (src >= 0) in->source = s->sources[src].id;
        in->held_out = bool_field(L, e, p, "held_out", 0);
        in->note = str_field(L, e, p, "note", 0, "");
    }
}

/* batch: how `salvo batch` runs this scenario by default. */
static void load_batch(Ld *L, const JsonValue *v)
{
    static const char *const f[] = { "uncertainty", NULL };
    if (!fields(L, v, "batch", f)) return;
    L->s->batch_uncertainty = bool_field(L, v, "batch", "uncertainty", 0);
}

/* --- pass 3: paths --------------------------------------------------------- */
static int param_by_path(const Scenario *s, const char *path)
{
    for (int i = 0; i < s->nparams; i++)
        if (!strcmp(s->params[i].path, path)) return i;
    return -1;
}

/* Candidate paths for "did you mean": only those a person writes (not the
 * synthetic paths of effect operands). */
static const char *suggest_path(const Scenario *s, const char *path)
{
    const char **c = mem_malloc((size_t)(s->nparams + 1) * sizeof *c);
    if (!c) return NULL;
    int n = 0;
    for (int i = 0; i < s->nparams; i++)
        if (!strchr(s->params[i].path, '[')) c[n++] = s->params[i].path;
    const char *r = diag_suggest(path, c, n);
    free(c);
    return r;
}

static void resolve_deferred(Ld *L)
{
    Scenario *s = L->s;
    for (int i = 0; i < L->ndeferred; i++) {
        Deferred *df = &L->deferred[i];
        int k = param_by_path(s, df->pathname);
        if (k < 0) {
            const char *sug = suggest_path(s, df->pathname);
            if (sug) err(L, df->at, df->where, "unknown parameter path '%s' (did you mean '%s'?)", df->pathname, sug);
            else err(L, df->at, df->where, "unknown parameter path '%s' (paths look like routes.ID.loss; see docs/scenario.md)", df->pathname);
            continue;
        }
        Effect *ef = &s->effects[df->effect];
        ef->target = k;
        s->params[k].mutable_ = 1;
        /* A constant that is set outright can be checked now, against the
         * field it changes (a loss of 3 is as wrong here as in the file). */
        const Dist *val = ef->value >= 0 ? &s->params[ef->value].d : NULL;
        if (ef->kind == E_SET && val && val->kind == DIST_CONST && !con_ok(val->p[0], s->params[k].con))
            err(L, df->at, df->where, "sets '%s' to %g, but it must be %s", df->pathname, val->p[0],
                con_words(s->params[k].con));
    }
}

/* "PATH=VALUE" with VALUE a number or JSON distribution. */
static void apply_set(Ld *L, const char *set)
{
    Scenario *s = L->s;
    const char *eq = strchr(set, '=');
    JsonValue none = { 0 };
    if (!eq || eq == set) {
        diag_add(L->d, 0, 0, "", "--set '%s': expected PATH=VALUE, e.g. routes.rajin-vostochny.loss=0.2", set);
        return;
    }
    char path[512];
    snprintf(path, sizeof path, "%.*s", (int)(eq - set), set);
    int k = param_by_path(s, path);
    if (k < 0) {
        const char *sug = suggest_path(s, path);
        if (sug) diag_add(L->d, 0, 0, "", "--set %s: unknown parameter path (did you mean '%s'?)", path, sug);
        else diag_add(L->d, 0, 0, "", "--set %s: unknown parameter path", path);
        return;
    }
    Diag vd;
    diag_init(&vd, "--set");
    const char *val = eq + 1;
    JsonDoc *doc = json_parse(val, strlen(val), &vd);
    L->set_doc = doc;   /* freed by scenario_load_buffer if memory runs out below */
    if (!doc) {
        /* A message lost (dropped) can only have been lost to memory too. */
        for (int i = 0; i < vd.count + (vd.dropped > 0); i++)
            if (i == vd.count || strstr(vd.items[i].msg, "out of memory")) {
                diag_free(&vd);
                oom(L);
            }
        diag_add(L->d, 0, 0, "", "--set %s: '%s' is not a number or a JSON distribution", path, val);
        diag_free(&vd);
        return;
    }
    diag_free(&vd);
    const JsonValue *v = json_root(doc);
    ParamDef *pd = &s->params[k];
    Dist d = pd->d;
    char where[600];
    snprintf(where, sizeof where, "--set %s", path);
    int before = diag_errors(L->d);
    if (v->type == JSON_NUMBER) {
        if (pd->d.kind == DIST_CONST) d = dist_const(v->num);
        else dist_set_mean(&d, v->num);
    } else if (parse_dist(L, v, where, &d) != 0) {
        json_free(doc);
        L->set_doc = NULL;
        return;
    }
    json_free(doc);
    L->set_doc = NULL;
    if (diag_errors(L->d) != before) return;
    const char *why = param_check(&d, pd->con);
    if (why) {
        diag_add(L->d, 0, 0, "", "--set %s: %s %s (expected %s)", path, d.kind == DIST_CONST ? "value" : "distribution",
                 why, con_words(pd->con));
        return;
    }
    (void)none;
    pd->d = d;
    if (pd->assumption >= 0) {
        /* An override may leave the assumption's plausible range; the range
         * then widens to take it in, since --uncertainty draws from
         * triangular(lo, value, hi), which has no meaning (NaN draws) with
         * the value outside (found by fuzz_set: front-demand at 1.1e7). */
        Assumption *a = &s->assumptions[pd->assumption];
        a->value = dist_mean(&d);
        if (a->lo < a->hi) {
            if (a->value < a->lo) a->lo = a->value;
            if (a->value > a->hi) a->hi = a->value;
        }
    }
    /* Keep the trace header's nominal figures true to the override. */
    for (int i = 0; i < s->nstocks; i++) {
        if (s->stocks[i].initial == k) s->stock_info[i].initial = dist_mean(&d);
        if (s->stocks[i].capacity == k) s->stock_info[i].capacity = dist_mean(&d);
    }
}

/* --- top level ------------------------------------------------------------- */
static void build_links(Ld *L)
{
    Scenario *s = L->s;
    for (int i = 0; i < s->nstocks; i++) {
        StockDef *st = &s->stocks[i];
        st->producers = A(L, (size_t)(s->nproducers + 1) * sizeof(int));
        st->consumers = A(L, (size_t)(s->nconsumers + 1) * sizeof(int));
        st->carriers = A(L, (size_t)(s->ncarriers + 1) * sizeof(int));
    }
    for (int i = 0; i < s->nproducers; i++)
        if (s->producers[i].stock >= 0) {
            StockDef *st = &s->stocks[s->producers[i].stock];
            st->producers[st->nproducers++] = i;
        }
    for (int i = 0; i < s->nconsumers; i++)
        if (s->consumers[i].stock >= 0) {
            StockDef *st = &s->stocks[s->consumers[i].stock];
            st->consumers[st->nconsumers++] = i;
        }
    for (int i = 0; i < s->nstocks; i++) s->stocks[i].terminal = 1;
    for (int i = 0; i < s->nroutes; i++)
        if (s->routes[i].from >= 0) s->stocks[s->routes[i].from].terminal = 0;
    for (int i = 0; i < s->nroutes; i++)
        s->route_info[i].final = s->routes[i].to >= 0 && s->stocks[s->routes[i].to].terminal;
    for (int i = 0; i < s->ncarriers; i++) {
        int from = s->routes[s->carriers[i].route].from;
        if (from >= 0) {
            StockDef *st = &s->stocks[from];
            st->carriers[st->ncarriers++] = i;
        }
    }
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

static void compile(Ld *L, const JsonValue *root, const char *const *sets, int nsets)
{
    Scenario *s = L->s;
    static const char *const top[] = {
        "salvo", "name", "title", "description", "briefing", "calendar", "sources", "actors",
        "resources", "places", "stocks", "producers", "consumers", "routes", "treaties",
        "programmes", "events", "decisions", "metrics", "observations", "batch", "limits", "$schema", NULL
    };
    if (!fields(L, root, "", top)) return;
    /* "limits": {"events": N}: a scenario that truly needs more events per
     * replication than SIM_MAX_EVENTS says so itself. */
    const JsonValue *lim = get(root, "limits");
    static const char *const lf[] = { "events", NULL };
    if (lim && fields(L, lim, "limits", lf)) {
        const JsonValue *ne = get(lim, "events");
        if (ne && (ne->type != JSON_NUMBER || ne->num < 1 || ne->num > (double)SIM_MAX_EVENTS_CEILING ||
                   ne->num != floor(ne->num)))
            err(L, ne, "limits.events", "expected a whole number of events per replication, 1 to 10^12");
        else if (ne)
            s->max_events = (uint64_t)ne->num;
    }
    /* "$schema" points editors at scenarios/schema.json; the engine only
     * checks that it is a string. */
    (void)str_field(L, root, "", "$schema", 0, "");
    const JsonValue *ver = get(root, "salvo");
    if (!ver) err(L, root, "salvo", "missing required field 'salvo' (the format version: 1)");
    else if (ver->type != JSON_NUMBER || ver->num != 1) err(L, ver, "salvo", "unsupported format version; expected 1");
    s->name = str_field(L, root, "", "name", 1, "unnamed");
    if (get(root, "name") && get(root, "name")->type == JSON_STRING && !valid_id(s->name))
        err(L, get(root, "name"), "name", "expected an id (lower-case letters, digits, '-' and '_', starting with a letter or digit)");
    s->title = str_field(L, root, "", "title", 0, s->name);
    s->description = str_field(L, root, "", "description", 0, "");
    s->briefing = str_field(L, root, "", "briefing", 0, "");
    const JsonValue *cal = get(root, "calendar");
    static const char *const cf[] = { "start", "end", NULL };
    if (!cal) err(L, root, "calendar", "missing required field 'calendar' ({\"start\": date, \"end\": date})");
    else if (fields(L, cal, "calendar", cf)) {
        int64_t a = 0, b = 0;
        const JsonValue *sv = get(cal, "start"), *ev = get(cal, "end");
        int ok = 1;
        if (!sv || sv->type != JSON_STRING || cal_parse(sv->str, &a) != 0) {
            err(L, sv ? sv : cal, "calendar.start", "%s", sv && sv->type == JSON_STRING ? date_problem(sv->str)
                                                          : "expected a date \"YYYY-MM-DD\"");
            ok = 0;
        }
        if (!ev || ev->type != JSON_STRING || cal_parse(ev->str, &b) != 0) {
            err(L, ev ? ev : cal, "calendar.end", "%s", ev && ev->type == JSON_STRING ? date_problem(ev->str)
                                                        : "expected a date \"YYYY-MM-DD\"");
            ok = 0;
        }
        if (ok && b <= a) {
            err(L, ev, "calendar.end", "the end must be after the start");
            ok = 0;
        }
        if (ok && b - a > 36600) {
            err(L, ev, "calendar.end", "a scenario may span at most 100 years");
            ok = 0;
        }
        if (ok) {
            s->start = a;
            s->end = (double)(b - a);
        } else {
            s->end = 365;
        }
    }
    /* pass 1 */
    const JsonValue *ls[14];
    static const char *const names[] = { "sources", "actors", "resources", "places", "stocks", "producers",
                                         "consumers", "routes", "treaties", "programmes", "events",
                                         "decisions", "metrics" };
    IdTab *tabs[] = { &L->sources, &L->actors, &L->resources, &L->places, &L->stocks, &L->producers,
                      &L->consumers, &L->routes, &L->treaties, &L->programmes, &L->events,
                      &L->decisions, &L->metrics };
    for (int i = 0; i < 13; i++) {
        int required = i == 1 || i == 3;
        ls[i] = list(L, root, names[i], required);
        collect(L, tabs[i], ls[i], names[i]);
    }
    /* assistance ids are global (effects name them) */
    {
        int n = 0;
        const JsonValue *pg = ls[9];
        for (size_t i = 0; pg && i < pg->len; i++) {
            const JsonValue *as = get(pg->items[i], "assistance");
            if (as && as->type == JSON_ARRAY) n += (int)as->len;
        }
        L->assists.ids = A(L, (size_t)(n + 1) * sizeof(char *));
        L->assists.at = A(L, (size_t)(n + 1) * sizeof(JsonValue *));
        for (size_t i = 0; pg && i < pg->len; i++) {
            const JsonValue *as = get(pg->items[i], "assistance");
            if (!as || as->type != JSON_ARRAY) continue;
            for (size_t k = 0; k < as->len; k++) {
                const JsonValue *idv = get(as->items[k], "id");
                char pa[120];
                snprintf(pa, sizeof pa, "programmes[%zu].assistance[%zu].id", i, k);
                const char *id = "";
                if (!idv) err(L, as->items[k], pa, "missing required field 'id'");
                else if (idv->type != JSON_STRING || !valid_id(idv->str)) err(L, idv, pa, "expected an id");
                else if (find(&L->assists, idv->str) >= 0) err(L, idv, pa, "duplicate assistance id '%s'", idv->str);
                else id = sdup(L, idv->str);
                L->assists.at[L->assists.n] = idv ? idv : as->items[k];
                L->assists.ids[L->assists.n++] = id;
            }
        }
    }
    /* pass 2 */
    if (ls[0]) load_sources(L, ls[0]);
    if (ls[1]) load_actors(L, ls[1]);
    if (ls[2]) load_resources(L, ls[2]);
    if (ls[3]) load_places(L, ls[3]);
    if (ls[4]) load_stocks(L, ls[4]);
    if (ls[5]) load_flows(L, ls[5], 1);
    if (ls[6]) load_flows(L, ls[6], 0);
    if (ls[7]) load_routes(L, ls[7]);
    if (ls[9]) load_programmes(L, ls[9]);
    if (ls[8]) load_treaties(L, ls[8]);
    if (ls[10]) load_events(L, ls[10]);
    if (ls[11]) load_decisions(L, ls[11]);
    if (ls[12]) load_metrics(L, ls[12]);
    {
        const JsonValue *ob = list(L, root, "observations", 0);
        collect(L, &L->observations, ob, "observations");
        if (ob) load_observations(L, ob);
        if (get(root, "batch")) load_batch(L, get(root, "batch"));
    }
    for (int i = 0; i < s->nplaces && ls[9]; i++) (void)i;
    /* pass 3 */
    resolve_deferred(L);
    if (diag_errors(L->d) == 0) streams_unique(L);
    if (diag_errors(L->d) == 0)
        for (int i = 0; i < nsets; i++) apply_set(L, sets[i]);
    build_links(L);
    build_header(s);
    for (int i = 0; i < s->nwatch; i++) s->watch_cats |= s->watch[i].cond->cats;
    for (int b = 0; b < 8; b++) {
        s->watch_by_cat[b] = A(L, (size_t)(s->nwatch + 1) * sizeof(int));
        for (int i = 0; i < s->nwatch; i++)
            if (s->watch[i].cond->cats & (1u << b)) s->watch_by_cat[b][s->nwatch_by_cat[b]++] = i;
    }
}

void scenario_free(Scenario *s)
{
    if (!s) return;
    free(s->params);
    free(s->assumptions);
    free(s->assumption_param);
    free(s->assumption_stream);
    free(s->streams);
    free(s->effects);
    free(s->cond_nodes);
    free(s->cond_kids);
    free(s->watch);
    free(s->times);
    free(s->sums);
    void *arena = s->arena;
    free(s);
    arena_free(arena);
}

/* compile() with a place to unwind to when memory runs out (see oom()).
 * Returns 0, or -1 if it unwound. Only *L changes after setjmp, and L is
 * not itself modified, so nothing needs to be volatile. */
static int load_guarded(Ld *L, const char *name, const JsonValue *root, const char *const *sets, int nsets)
{
    jmp_buf at;
    L->oom_at = &at;
    if (setjmp(at)) return -1;
    L->s->file = sdup(L, name);
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
        json_free(doc);
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
    json_free(L.set_doc);
    json_free(doc);
    if (failed) diag_add(d, 0, 0, "", "out of memory while loading the scenario");
    if (failed || diag_errors(d) != before) {
        scenario_free(s);
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
