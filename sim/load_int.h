/* load_int.h — what the loader's files share. Not a public header.
 *
 *   load.c          the document: reading, field checks, ids (pass 1), the
 *                   map (sources, actors, resources, places), the order in
 *                   which the lists are compiled (pass 2), the header
 *   load_param.c    parameters, assumptions, random streams, --set, and the
 *                   effects' parameter paths (pass 3)
 *   load_cond.c     quantities, conditions, watchers, decisions
 *   load_effects.c  effects
 *   load_supply.c   stocks, producers, consumers, routes and carriers
 *   load_alliance.c treaties and their responses
 *   load_launch.c   launch programmes and assistance
 *   load_events.c   scenario events
 *   load_metric.c   metrics and observations
 *
 * Every compiled fact goes into the Scenario (scenario_int.h); Ld holds
 * only what the load needs on the way. Names here carry ld_ (loader
 * internal, as Lua's luaX_ do); the public entry points are in salvo.h.
 *
 * The load order numbers things: parameters (ParamDef), assumptions and
 * random streams get their index in the order the lists are compiled
 * (load.c, compile_lists), and within a list in the order of the document.
 * Assumption indices are what `salvo batch --json` reports and --vary
 * names; stream indices are only an array position (a stream's draws
 * depend on its key, never its index). Change the order and the
 * assumption ledger's order changes with it.
 */
#ifndef SALVO_LOAD_INT_H
#define SALVO_LOAD_INT_H

#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>

#include "json.h"
#include "scenario_int.h"

/* --- the dynamics' sections ----------------------------------------------
 * Every list of the document a dynamic compiles, registered here and
 * nowhere else: LD_SECTIONS(S) calls S(key, place) for each, in the order
 * of the document, which is the order pass 1 collects their ids in (after
 * the map's lists: sources, actors, resources, places). `key` is the list's
 * key in the document, L->key its ids (IdTab), load_key(L, arr) its
 * compiler (in the dynamic's load_X.c). `place` is its place in the compile
 * order (pass 2, after the map; load.c, compile_lists asserts the places
 * are 0 to n-1, each once). The compile order numbers the parameters,
 * assumptions and streams (see above): programmes come before treaties,
 * out of document order, and moving them would renumber them. A new
 * dynamic's list is one line here. */
#define LD_SECTIONS(S) S(stocks, 0) S(producers, 1) S(consumers, 2) S(routes, 3) S(treaties, 5) \
    S(programmes, 4) S(events, 6) S(decisions, 7) S(metrics, 8)

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
    IdTab sources, actors, resources, places;   /* the map (load.c) */
#define LD_SECTION_IDS(key, rank) IdTab key;
    LD_SECTIONS(LD_SECTION_IDS)                 /* IdTab stocks, producers, ...: each section's ids */
#undef LD_SECTION_IDS
    IdTab assists, observations;
    int cap_aparam, cap_astream;
    int cap_params, cap_assumptions, cap_streams, cap_effects, cap_nodes, cap_kids, cap_watch, cap_times;
    int cap_sums;
    Deferred *deferred;
    int ndeferred, cap_deferred;
    uint64_t cond_stocks;       /* stocks read by the condition being compiled */
    jmp_buf *oom_at;            /* where running out of memory unwinds to (load_guarded) */
    JsonDoc *set_doc;           /* the --set value being applied, freed on unwinding */
} Ld;

/* --- memory (load.c) -------------------------------------------------------
 * Running out of memory unwinds to load_guarded() (ld_oom). */
void *ld_arena_alloc(void **arena, size_t n);
_Noreturn void ld_oom(Ld *L);
void *ld_need(Ld *L, void *p);                  /* p, or unwind if NULL */
#define A(L, n) ld_need((L), ld_arena_alloc(&(L)->s->arena, (n)))
void *ld_grow(Ld *L, void *arr, int *cap, int want, size_t elsize);
char *ld_sdup(Ld *L, const char *s);            /* a copy in the arena */
char *ld_sfmt(Ld *L, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* --- diagnostics and fields (load.c) --------------------------------------- */
void ld_err(Ld *L, const JsonValue *at, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void ld_pkey(char *out, size_t n, const char *path, const char *key);  /* path.key */
void ld_pidx(char *out, size_t n, const char *path, int i);            /* path[i] */
/* 1 if v is an object; reports unknown and duplicate keys. */
int ld_fields(Ld *L, const JsonValue *v, const char *path, const char *const *allowed);
const JsonValue *ld_get(const JsonValue *obj, const char *key);
const char *ld_str_field(Ld *L, const JsonValue *obj, const char *path, const char *key,
                         int required, const char *def);
double ld_num_field(Ld *L, const JsonValue *obj, const char *path, const char *key,
                    int required, double def, double lo, double hi);
int ld_int_field(Ld *L, const JsonValue *obj, const char *path, const char *key,
                 int required, int def, int lo, int hi);
int ld_bool_field(Ld *L, const JsonValue *obj, const char *path, const char *key, int def);
/* A date field as days from the scenario's start. */
double ld_date_field(Ld *L, const JsonValue *obj, const char *path, const char *key,
                     int required, double def);
int ld_valid_id(const char *s);

/* --- ids and references (load.c) ------------------------------------------- */
void ld_collect(Ld *L, IdTab *t, const JsonValue *arr, const char *path);
int ld_find(const IdTab *t, const char *id);    /* index, -1 */
int ld_ref_value(Ld *L, const JsonValue *v, const char *p, const IdTab *t, const char *what);
int ld_ref_field(Ld *L, const JsonValue *obj, const char *path, const char *key,
                 const IdTab *t, const char *what, int required);

/* --- parameters and streams (load_param.c) --------------------------------- */
/* A new random stream keyed by (component, purpose): its index. */
int ld_stream(Ld *L, const char *component, const char *purpose);
/* n consecutive streams, purposes[k] the k-th (scenario_int.h): the first. */
int ld_streams(Ld *L, const char *component, const char *const *purposes, int n);
const char *ld_con_words(ParamCon c);
int ld_con_ok(double x, ParamCon c);
/* Is the value (mean, or the support for a distribution) within the constraint? NULL, or why not. */
const char *ld_param_check(const Dist *d, ParamCon con);
/* A param field (number, distribution or assumption record) → param index. */
int ld_param_field(Ld *L, const JsonValue *obj, const char *path, const char *key,
                   ParamCon con, int required, double def, const char *idpath);
void ld_streams_unique(Ld *L);                  /* pass 3 */
void ld_resolve_deferred(Ld *L);                /* pass 3 */
void ld_apply_set(Ld *L, const char *set);      /* pass 3 */

/* --- quantities, conditions, effects (load_cond.c, load_effects.c) -------- */
int ld_quantity(Ld *L, const JsonValue *v, const char *p, Qty *q, unsigned *cats);
int ld_whole_qty(const Scenario *s, Qty q);
Cond ld_cond_field(Ld *L, const JsonValue *obj, const char *path, const char *key, int required);
void ld_add_watch(Ld *L, int kind, int idx, const Cond *c);
EffectList ld_effects_field(Ld *L, const JsonValue *obj, const char *path, const char *key,
                            const char *owner, const char *idpath);

/* --- the lists' compilers (load.c, compile_lists) -------------------------- */
#define LD_SECTION_DECLARE(key, place) void load_##key(Ld *L, const JsonValue *arr);
LD_SECTIONS(LD_SECTION_DECLARE)
#undef LD_SECTION_DECLARE
void load_observations(Ld *L, const JsonValue *arr);    /* load_metric.c, after metrics */
void load_supply_links(Ld *L);  /* after every list: stocks' producers, consumers, carriers; `final` */

#endif
