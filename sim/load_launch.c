/* load_launch.c — launch programmes: history, learning curve, stages, and
 * the assistance offers (their ids are global: effects name them). The run
 * side is launch.c.
 */
#include <stdio.h>
#include <string.h>

#include "load_int.h"

/* "stages": the relative weights of failing at each stage. */
static void programme_stages(Ld *L, const JsonValue *e, const char *p, ProgrammeDef *g)
{
    const JsonValue *st = ld_get(e, "stages");
    if (!st) return;
    char ps[80];
    ld_pkey(ps, sizeof ps, p, "stages");
    double sum = 0;
    if (st->type != JSON_ARRAY || st->len < 1 || st->len > DIST_MAX_DISCRETE) {
        ld_err(L, st, ps, "expected an array of 1 to %d stage weights", DIST_MAX_DISCRETE);
    } else {
        g->nstages = (int)st->len;
        for (size_t k = 0; k < st->len; k++) {
            const JsonValue *w = st->items[k];
            if (w->type != JSON_NUMBER || w->num < 0) {
                char pk[96];
                ld_pidx(pk, sizeof pk, ps, (int)k);
                ld_err(L, w, pk, "expected a weight >= 0");
                continue;
            }
            g->stage_w[k] = w->num;
            sum += w->num;
        }
        if (sum <= 0) ld_err(L, st, ps, "stage weights must not all be 0");
    }
}

/* "history": the dated attempts, in date order, each with its outcome
 * (given, or "random": drawn like any later attempt). */
static void programme_history(Ld *L, const JsonValue *e, const char *p, ProgrammeDef *g, const char *id)
{
    const JsonValue *h = ld_get(e, "history");
    if (!h) return;
    char ph[80];
    ld_pkey(ph, sizeof ph, p, "history");
    if (h->type != JSON_ARRAY || h->len > SC_MAX_LIST) {
        ld_err(L, h, ph, "expected an array of attempts");
    } else {
        g->history = A(L, (h->len + 1) * sizeof *g->history);
        static const char *const hf[] = { "date", "outcome", "stage", "note", NULL };
        double prev = -HUGE_VAL;
        for (size_t k = 0; k < h->len; k++) {
            const JsonValue *a = h->items[k];
            char pk[96];
            ld_pidx(pk, sizeof pk, ph, (int)k);
            if (!ld_fields(L, a, pk, hf)) continue;
            AttemptDef *ad = &g->history[g->nhistory++];
            ad->day = ld_date_field(L, a, pk, "date", 1, 0);
            ad->path = ld_sfmt(L, "programmes.%s.history[%zu]", id, k);
            ad->note = ld_str_field(L, a, pk, "note", 0, "");
            if (ad->day < prev) ld_err(L, ld_get(a, "date"), pk, "attempts must be in date order");
            prev = ad->day;
            const char *o = ld_str_field(L, a, pk, "outcome", 0, "random");
            if (!strcmp(o, "success")) ad->outcome = 0;
            else if (!strcmp(o, "random")) ad->outcome = -1;
            else if (!strcmp(o, "failure")) ad->outcome = 1;
            else {
                char po[120];
                ld_pkey(po, sizeof po, pk, "outcome");
                ld_err(L, ld_get(a, "outcome"), po, "expected \"success\", \"failure\" or \"random\", found \"%s\"", o);
            }
            if (ad->outcome > 0) ad->outcome = ld_int_field(L, a, pk, "stage", 0, 1, 1, g->nstages > 1 ? g->nstages : 16);
        }
    }
}

/* The programme's actor, site, limits, stages and history. */
static void programme_fields(Ld *L, const JsonValue *e, const char *p, ProgrammeDef *g, TraceNamed *gi)
{
    Scenario *s = L->s;
    const char *id = gi->id;
    gi->name = ld_str_field(L, e, p, "name", 0, id);
    g->actor = gi->actor = ld_ref_field(L, e, p, "actor", &L->actors, "actor", 1);
    g->site = gi->place = ld_ref_field(L, e, p, "site", &L->places, "place", 1);
    if (g->site >= 0 && s->places[g->site].kind != PLACE_LAUNCH_SITE) {
        char ps[80];
        ld_pkey(ps, sizeof ps, p, "site");
        ld_err(L, ld_get(e, "site"), ps, "'%s' is a %s; a programme's site must be a launch-site", L->places.ids[g->site],
            trace_place_kind_name((PlaceKind)s->places[g->site].kind));
    }
    g->max_attempts = ld_int_field(L, e, p, "max_attempts", 0, 20, 0, 100000);
    g->stop_after = ld_int_field(L, e, p, "stop_after", 0, 0, 1, 100000);
    programme_stages(L, e, p, g);
    programme_history(L, e, p, g, id);
    /* max_attempts counts the history too: fewer is a contradiction. */
    if (ld_get(e, "max_attempts") && g->nhistory > g->max_attempts) {
        char pm[80];
        ld_pkey(pm, sizeof pm, p, "max_attempts");
        ld_err(L, ld_get(e, "max_attempts"), pm, "max_attempts (%d) counts the history too, which already has %d attempts",
            g->max_attempts, g->nhistory);
    }
}

/* The learning curve's parameters and the interval, then the programme's
 * streams (scenario_int.h, PS_). */
static void programme_params(Ld *L, const JsonValue *e, const char *p, ProgrammeDef *g, const char *id)
{
    char ip[200];
    snprintf(ip, sizeof ip, "programmes.%s.base", id);
    g->base = ld_param_field(L, e, p, "base", PC_PROB, 1, 0.5, ip);
    snprintf(ip, sizeof ip, "programmes.%s.ceiling", id);
    g->ceiling = ld_get(e, "ceiling") ? ld_param_field(L, e, p, "ceiling", PC_PROB, 0, 0.5, ip) : -1;
    snprintf(ip, sizeof ip, "programmes.%s.growth", id);
    g->growth = ld_param_field(L, e, p, "growth", PC_PROB, 0, 0, ip);
    if (ld_get(e, "interval")) {
        snprintf(ip, sizeof ip, "programmes.%s.interval", id);
        g->interval = ld_param_field(L, e, p, "interval", PC_NONNEG, 0, 30, ip);
    }
    static const char *const purposes[PS__COUNT] = LAUNCH_STREAMS;
    snprintf(ip, sizeof ip, "launch:%s", id);
    g->stream = ld_streams(L, ip, purposes, PS__COUNT);
}

/* "assistance": offers to programme i, filling s->assists from *ai on
 * (their ids were collected in pass 1: effects name them). */
static void programme_assistance(Ld *L, const JsonValue *e, const char *p, int i, const char *id, int *ai)
{
    Scenario *s = L->s;
    char ip[200];
    const JsonValue *as = ld_get(e, "assistance");
    if (!as) return;
    char pa[80];
    ld_pkey(pa, sizeof pa, p, "assistance");
    if (as->type != JSON_ARRAY) {
        ld_err(L, as, pa, "expected an array of assistance offers");
        return;
    }
    static const char *const af[] = { "id", "from", "lead_time", "boost", "growth", NULL };
    for (size_t k = 0; k < as->len && *ai < s->nassists; k++) {
        const JsonValue *a = as->items[k];
        char pk[96];
        ld_pidx(pk, sizeof pk, pa, (int)k);
        AssistDef *ad = &s->assists[*ai];
        ad->id = L->assists.ids[*ai];
        ad->programme = i;
        ad->actor = -1;
        if (ld_fields(L, a, pk, af)) ad->actor = ld_ref_field(L, a, pk, "from", &L->actors, "actor", 1);
        snprintf(ip, sizeof ip, "programmes.%s.assistance.%s.lead_time", id, ad->id);
        ad->lead_time = ld_param_field(L, a, pk, "lead_time", PC_NONNEG, 0, 0, ip);
        snprintf(ip, sizeof ip, "programmes.%s.assistance.%s.boost", id, ad->id);
        ad->boost = ld_param_field(L, a, pk, "boost", PC_PROB, 0, 0, ip);
        snprintf(ip, sizeof ip, "programmes.%s.assistance.%s.growth", id, ad->id);
        ad->growth = ld_param_field(L, a, pk, "growth", PC_PROB, 0, 0, ip);
        snprintf(ip, sizeof ip, "assist:%s", ad->id);
        ad->stream = ld_stream(L, ip, "draws");
        (*ai)++;
    }
}

void load_programmes(Ld *L, const JsonValue *arr)
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
        char p[64];
        ld_pidx(p, sizeof p, "programmes", i);
        ProgrammeDef *g = &s->programmes[i];
        TraceNamed *gi = &s->programme_info[i];
        const char *id = L->programmes.ids[i];
        gi->id = gi->name = id;
        gi->actor = gi->place = -1;
        g->actor = g->site = -1;
        g->interval = -1;
        g->nstages = 1;
        g->stage_w[0] = 1;
        if (ld_fields(L, e, p, f)) programme_fields(L, e, p, g, gi);
        programme_params(L, e, p, g, id);
        programme_assistance(L, e, p, i, id, &ai);
    }
}
