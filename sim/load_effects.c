/* load_effects.c — effects: a list in the document becomes a run of
 * Effect values in Scenario.effects, named by (first, n), with one random
 * stream per list for its operands. The run side is effects.c.
 */
#include <stdio.h>
#include <string.h>

#include "load_int.h"

/* --- effects ---------------------------------------------------------------- */
/* "stock" comes first: a stock effect also has an "add" member. */
static const char *const EFFECT_KEYS[] = {
    "stock", "set", "scale", "add", "close", "open", "aggression", "trigger", "troops", "offer",
    "accept", "event", NULL
};

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
        const JsonValue *e = arr->items[i];
        char pe[520], ip[520];
        ld_pidx(pe, sizeof pe, p, (int)i);
        snprintf(ip, sizeof ip, "%s.%s[%zu]", idpath, key, i);
        Effect ef = { .target = -1, .target2 = -1, .target3 = -1, .value = -1, .value2 = -1, .stream = st };
        if (!e || e->type != JSON_OBJECT || e->len == 0) {
            ld_err(L, e, pe, "expected an effect object such as {\"close\": \"ROUTE\"}");
            continue;
        }
        static const int KIND_OF_KEY[] = { E_STOCK_ADD, E_SET, E_SCALE, E_ADD, E_CLOSE, E_OPEN, E_AGGRESSION,
                                           E_TRIGGER, E_TROOPS, E_OFFER, E_ACCEPT, E_EVENT };
        int kind = -1, key = -1;
        for (int k = 0; EFFECT_KEYS[k]; k++)
            if (ld_get(e, EFFECT_KEYS[k])) { key = k; kind = KIND_OF_KEY[k]; break; }
        if (kind < 0) {
            const char *sug = diag_suggest(e->keys[0], EFFECT_KEYS, 12);
            JsonValue kv = { .line = e->key_line[0], .col = e->key_col[0] };
            if (sug) ld_err(L, &kv, pe, "unknown effect '%s' (did you mean '%s'?)", e->keys[0], sug);
            else ld_err(L, &kv, pe, "unknown effect '%s'; expected one of set, scale, add, close, open, aggression, trigger, stock, troops, offer, accept, event", e->keys[0]);
            continue;
        }
        ef.kind = kind;
        char vp[560];
        switch (kind) {
        case E_SET: case E_SCALE: case E_ADD: {
            const char *name = EFFECT_KEYS[key];
            const char *opnd = kind == E_SCALE ? "by" : "value";
            const char *allowed[] = { name, opnd, NULL };
            ld_fields(L, e, pe, allowed);
            const char *pathname = ld_str_field(L, e, pe, name, 1, NULL);
            snprintf(vp, sizeof vp, "%s.%s", ip, opnd);
            ef.value = ld_param_field(L, e, pe, opnd, kind == E_SCALE ? PC_NONNEG : PC_ANY, 1, kind == E_SCALE ? 1 : 0, vp);
            if (pathname) {
                L->deferred = ld_grow(L, L->deferred, &L->cap_deferred, L->ndeferred + 1, sizeof *L->deferred);
                char pn[530];
                ld_pkey(pn, sizeof pn, pe, name);
                L->deferred[L->ndeferred++] = (Deferred){ s->neffects, pathname, ld_get(e, name), ld_sdup(L, pn) };
            }
            break;
        }
        case E_CLOSE: case E_OPEN: {
            const char *allowed[] = { EFFECT_KEYS[key], NULL };
            ld_fields(L, e, pe, allowed);
            ef.target = ld_ref_field(L, e, pe, EFFECT_KEYS[key], &L->routes, "route", 1);
            break;
        }
        case E_AGGRESSION: {
            static const char *const allowed[] = { "aggression", NULL };
            ld_fields(L, e, pe, allowed);
            ef.target = ld_ref_field(L, e, pe, "aggression", &L->actors, "actor", 1);
            break;
        }
        case E_TRIGGER: {
            static const char *const allowed[] = { "trigger", "against", NULL };
            ld_fields(L, e, pe, allowed);
            ef.target = ld_ref_field(L, e, pe, "trigger", &L->treaties, "treaty", 1);
            ef.target2 = ld_ref_field(L, e, pe, "against", &L->actors, "actor", 1);
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
                    ld_pkey(pa, sizeof pa, pe, "against");
                    ld_err(L, ld_get(e, "against"), pa, "'%s' is not a party to treaty '%s'", L->actors.ids[ef.target2],
                        L->treaties.ids[ef.target]);
                }
            }
            break;
        }
        case E_STOCK_ADD: {
            static const char *const allowed[] = { "stock", "add", "destroy", NULL };
            ld_fields(L, e, pe, allowed);
            ef.target = ld_ref_field(L, e, pe, "stock", &L->stocks, "stock", 1);
            if (ld_get(e, "destroy")) {
                ef.kind = E_STOCK_DESTROY;
                snprintf(vp, sizeof vp, "%s.destroy", ip);
                ef.value = ld_param_field(L, e, pe, "destroy", PC_PROB, 1, 0, vp);
            } else {
                snprintf(vp, sizeof vp, "%s.add", ip);
                ef.value = ld_param_field(L, e, pe, "add", PC_ANY, 1, 0, vp);
            }
            break;
        }
        case E_TROOPS: {
            static const char *const allowed[] = { "troops", NULL };
            ld_fields(L, e, pe, allowed);
            const JsonValue *t = ld_get(e, "troops");
            char pt[530];
            ld_pkey(pt, sizeof pt, pe, "troops");
            static const char *const tf[] = { "actor", "from", "to", "count", "transit", NULL };
            if (!ld_fields(L, t, pt, tf)) break;
            ef.target = ld_ref_field(L, t, pt, "actor", &L->actors, "actor", 1);
            ef.target2 = ld_ref_field(L, t, pt, "from", &L->places, "place", 1);
            ef.target3 = ld_ref_field(L, t, pt, "to", &L->places, "place", 1);
            snprintf(vp, sizeof vp, "%s.troops.count", ip);
            ef.value = ld_param_field(L, t, pt, "count", PC_NONNEG, 1, 0, vp);
            snprintf(vp, sizeof vp, "%s.troops.transit", ip);
            ef.value2 = ld_param_field(L, t, pt, "transit", PC_NONNEG, 0, 0, vp);
            break;
        }
        case E_OFFER: case E_ACCEPT: {
            const char *allowed[] = { EFFECT_KEYS[key], NULL };
            ld_fields(L, e, pe, allowed);
            ef.target = ld_ref_field(L, e, pe, EFFECT_KEYS[key], &L->assists, "assistance", 1);
            break;
        }
        case E_EVENT: {
            static const char *const allowed[] = { "event", NULL };
            ld_fields(L, e, pe, allowed);
            ef.target = ld_ref_field(L, e, pe, "event", &L->events, "event", 1);
            break;
        }
        }
        s->effects[s->neffects++] = ef;
        el.n++;
    }
    return el;
}
