/* load_effects.c — effects: a list in the document becomes a run of
 * Effect values in Scenario.effects, named by (first, n), with one random
 * stream per list for its operands. The run side is effects.c.
 */
#include <stdio.h>
#include <string.h>

#include "load_int.h"

/* "stock" comes first: a stock effect also has an "add" member. */
static const char *const EFFECT_KEYS[] = {
    "stock", "set", "scale", "add", "close", "open", "aggression", "trigger", "troops", "offer",
    "accept", "event", NULL
};

/* {"set" | "scale" | "add": PATH, "value" | "by": x}: the path is resolved
 * in pass 3 (ld_resolve_deferred), once every parameter exists. */
static void effect_param(Ld *L, const JsonValue *e, const char *pe, const char *ip, const char *name, Effect *ef)
{
    char vp[560];
    const char *opnd = ef->kind == E_SCALE ? "by" : "value";
    const char *allowed[] = { name, opnd, NULL };
    ld_fields(L, e, pe, allowed);
    const char *pathname = ld_str_field(L, e, pe, name, 1, NULL);
    snprintf(vp, sizeof vp, "%s.%s", ip, opnd);
    ef->value = ld_param_field(L, e, pe, opnd, ef->kind == E_SCALE ? PC_NONNEG : PC_ANY, 1,
                               ef->kind == E_SCALE ? 1 : 0, vp);
    if (pathname) {
        L->deferred = ld_grow(L, L->deferred, &L->cap_deferred, L->ndeferred + 1, sizeof *L->deferred);
        char pn[530];
        ld_pkey(pn, sizeof pn, pe, name);
        L->deferred[L->ndeferred++] = (Deferred){ L->s->neffects, pathname, ld_get(e, name), ld_sdup(L, pn) };
    }
}

/* {"trigger": TREATY, "against": ACTOR}: the actor must be a party.
 * Aggression against a non-party wakes no response: a silent no-op, so it
 * is an error here. (Parties are known once their treaty is loaded: always
 * for events and decisions, which come after treaties.) */
static void effect_trigger(Ld *L, const JsonValue *e, const char *pe, Effect *ef)
{
    static const char *const allowed[] = { "trigger", "against", NULL };
    ld_fields(L, e, pe, allowed);
    ef->target = ld_ref_field(L, e, pe, "trigger", &L->treaties, "treaty", 1);
    ef->target2 = ld_ref_field(L, e, pe, "against", &L->actors, "actor", 1);
    if (ef->target >= 0 && ef->target2 >= 0 && L->s->treaties && ef->target < L->s->ntreaties &&
        L->s->treaties[ef->target].parties) {
        const TreatyDef *td = &L->s->treaties[ef->target];
        int party = 0;
        for (int k = 0; k < td->nparties; k++) party |= td->parties[k] == ef->target2;
        if (!party) {
            char pa[600];
            ld_pkey(pa, sizeof pa, pe, "against");
            ld_err(L, ld_get(e, "against"), pa, "'%s' is not a party to treaty '%s'", L->actors.ids[ef->target2],
                L->treaties.ids[ef->target]);
        }
    }
}

/* {"stock": STOCK, "add": x} or {"stock": STOCK, "destroy": fraction}. */
static void effect_stock(Ld *L, const JsonValue *e, const char *pe, const char *ip, Effect *ef)
{
    static const char *const allowed[] = { "stock", "add", "destroy", NULL };
    char vp[560];
    ld_fields(L, e, pe, allowed);
    ef->target = ld_ref_field(L, e, pe, "stock", &L->stocks, "stock", 1);
    if (ld_get(e, "destroy")) {
        ef->kind = E_STOCK_DESTROY;
        snprintf(vp, sizeof vp, "%s.destroy", ip);
        ef->value = ld_param_field(L, e, pe, "destroy", PC_PROB, 1, 0, vp);
    } else {
        snprintf(vp, sizeof vp, "%s.add", ip);
        ef->value = ld_param_field(L, e, pe, "add", PC_ANY, 1, 0, vp);
    }
}

/* {"troops": {"actor", "from", "to", "count", "transit"}}. */
static void effect_troops(Ld *L, const JsonValue *e, const char *pe, const char *ip, Effect *ef)
{
    static const char *const allowed[] = { "troops", NULL };
    char vp[560];
    ld_fields(L, e, pe, allowed);
    const JsonValue *t = ld_get(e, "troops");
    char pt[530];
    ld_pkey(pt, sizeof pt, pe, "troops");
    static const char *const tf[] = { "actor", "from", "to", "count", "transit", NULL };
    if (!ld_fields(L, t, pt, tf)) return;
    ef->target = ld_ref_field(L, t, pt, "actor", &L->actors, "actor", 1);
    ef->target2 = ld_ref_field(L, t, pt, "from", &L->places, "place", 1);
    ef->target3 = ld_ref_field(L, t, pt, "to", &L->places, "place", 1);
    snprintf(vp, sizeof vp, "%s.troops.count", ip);
    ef->value = ld_param_field(L, t, pt, "count", PC_NONNEG, 1, 0, vp);
    snprintf(vp, sizeof vp, "%s.troops.transit", ip);
    ef->value2 = ld_param_field(L, t, pt, "transit", PC_NONNEG, 0, 0, vp);
}

/* {KEY: ID} and nothing else: the effects that name one thing. */
static int effect_ref(Ld *L, const JsonValue *e, const char *pe, const char *key, const IdTab *t, const char *what)
{
    const char *allowed[] = { key, NULL };
    ld_fields(L, e, pe, allowed);
    return ld_ref_field(L, e, pe, key, t, what, 1);
}

/* One effect object → *ef. -1 if it is not an effect at all (reported). */
static int effect_one(Ld *L, const JsonValue *e, const char *pe, const char *ip, Effect *ef)
{
    if (!e || e->type != JSON_OBJECT || e->len == 0) {
        ld_err(L, e, pe, "expected an effect object such as {\"close\": \"ROUTE\"}");
        return -1;
    }
    static const int KIND_OF_KEY[] = { E_STOCK_ADD, E_SET, E_SCALE, E_ADD, E_CLOSE, E_OPEN, E_AGGRESSION,
                                       E_TRIGGER, E_TROOPS, E_OFFER, E_ACCEPT, E_EVENT };
    int key = -1;
    for (int k = 0; EFFECT_KEYS[k]; k++)
        if (ld_get(e, EFFECT_KEYS[k])) { key = k; break; }
    if (key < 0) {
        const char *sug = diag_suggest(e->keys[0], EFFECT_KEYS, 12);
        JsonValue kv = { .line = e->key_line[0], .col = e->key_col[0] };
        if (sug) ld_err(L, &kv, pe, "unknown effect '%s' (did you mean '%s'?)", e->keys[0], sug);
        else ld_err(L, &kv, pe, "unknown effect '%s'; expected one of set, scale, add, close, open, aggression, trigger, stock, troops, offer, accept, event", e->keys[0]);
        return -1;
    }
    ef->kind = KIND_OF_KEY[key];
    const char *name = EFFECT_KEYS[key];
    switch (ef->kind) {
    case E_SET: case E_SCALE: case E_ADD: effect_param(L, e, pe, ip, name, ef); break;
    case E_CLOSE: case E_OPEN: ef->target = effect_ref(L, e, pe, name, &L->routes, "route"); break;
    case E_AGGRESSION: ef->target = effect_ref(L, e, pe, name, &L->actors, "actor"); break;
    case E_TRIGGER: effect_trigger(L, e, pe, ef); break;
    case E_STOCK_ADD: effect_stock(L, e, pe, ip, ef); break;
    case E_TROOPS: effect_troops(L, e, pe, ip, ef); break;
    case E_OFFER: case E_ACCEPT: ef->target = effect_ref(L, e, pe, name, &L->assists, "assistance"); break;
    case E_EVENT: ef->target = effect_ref(L, e, pe, name, &L->events, "event"); break;
    }
    return 0;
}

EffectList ld_effects_field(Ld *L, const JsonValue *obj, const char *path, const char *key,
                            const char *owner, const char *idpath)
{
    EffectList el = { L->s->neffects, 0 };
    const JsonValue *arr = ld_get(obj, key);
    char p[512];
    ld_pkey(p, sizeof p, path, key);
    if (!arr) return el;
    if (arr->type != JSON_ARRAY) {
        ld_err(L, arr, p, "expected an array of effects, found %s", json_type_name(arr->type));
        return el;
    }
    if (arr->len > SC_MAX_LIST) {
        ld_err(L, arr, p, "too many effects (the limit is %d)", SC_MAX_LIST);
        return el;
    }
    Scenario *s = L->s;
    s->effects = ld_grow(L, s->effects, &L->cap_effects, s->neffects + (int)arr->len, sizeof *s->effects);
    el.first = s->neffects;
    int st = ld_stream(L, owner, "effects");
    for (size_t i = 0; i < arr->len; i++) {
        char pe[520], ip[520];
        ld_pidx(pe, sizeof pe, p, (int)i);
        snprintf(ip, sizeof ip, "%s.%s[%zu]", idpath, key, i);
        Effect ef = { .target = -1, .target2 = -1, .target3 = -1, .value = -1, .value2 = -1, .stream = st };
        if (effect_one(L, arr->items[i], pe, ip, &ef) != 0) continue;
        s->effects[s->neffects++] = ef;
        el.n++;
    }
    return el;
}
