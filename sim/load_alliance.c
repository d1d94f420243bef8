/* load_alliance.c — treaties and their responses. A response is named by
 * its party (PARTY.2, PARTY.3 for a party's later ones), which keys its
 * --set paths and random streams. The run side is alliance.c.
 */
#include <stdio.h>
#include <string.h>

#include "load_int.h"

/* "parties": at least two actors, none twice. */
static void treaty_parties(Ld *L, const JsonValue *e, const char *p, TreatyDef *t, TraceNamed *ti)
{
    const JsonValue *pa = ld_get(e, "parties");
    char pp[80];
    ld_pkey(pp, sizeof pp, p, "parties");
    if (!pa) ld_err(L, e, pp, "missing required field 'parties'");
    else if (pa->type != JSON_ARRAY || pa->len < 2 || pa->len > 64) ld_err(L, pa, pp, "expected an array of at least two actors");
    else {
        t->parties = A(L, pa->len * sizeof *t->parties);
        for (size_t k = 0; k < pa->len; k++) {
            char pk[96];
            ld_pidx(pk, sizeof pk, pp, (int)k);
            int a = ld_ref_value(L, pa->items[k], pk, &L->actors, "actor");
            for (int j = 0; j < t->nparties && a >= 0; j++)
                if (t->parties[j] == a) ld_err(L, pa->items[k], pk, "actor listed twice");
            t->parties[t->nparties++] = a;
        }
        ti->actor = t->parties[0];
    }
}

/* A response's party and whom it protects, both parties to the treaty. */
static void response_parties(Ld *L, const JsonValue *r, const char *pk, const TreatyDef *t, ResponseDef *rd)
{
    rd->party = ld_ref_field(L, r, pk, "party", &L->actors, "actor", 1);
    rd->protects = ld_ref_field(L, r, pk, "protects", &L->actors, "actor", 0);
    int is_party = 0, prot_party = rd->protects < 0;
    for (int j = 0; j < t->nparties; j++) {
        if (t->parties[j] == rd->party) is_party = 1;
        if (t->parties[j] == rd->protects) prot_party = 1;
    }
    char pf[120];
    if (rd->party >= 0 && !is_party) {
        ld_pkey(pf, sizeof pf, pk, "party");
        ld_err(L, ld_get(r, "party"), pf, "'%s' is not a party to this treaty", L->actors.ids[rd->party]);
    }
    if (!prot_party) {
        ld_pkey(pf, sizeof pf, pk, "protects");
        ld_err(L, ld_get(r, "protects"), pf, "'%s' is not a party to this treaty", L->actors.ids[rd->protects]);
    }
}

/* Response r of treaty `treaty` (named id): it becomes s->responses[nresponses]. */
static void treaty_response(Ld *L, const JsonValue *r, const char *pk, int treaty, const char *id)
{
    static const char *const rf[] = { "party", "protects", "requires_in_force", "honour", "delay",
                                      "effects", "on_decline", NULL };
    Scenario *s = L->s;
    const TreatyDef *t = &s->treaties[treaty];
    ResponseDef *rd = &s->responses[s->nresponses];
    rd->party = rd->protects = -1;
    rd->treaty = treaty;
    if (!ld_fields(L, r, pk, rf)) return;
    response_parties(L, r, pk, t, rd);
    rd->requires_in_force = ld_bool_field(L, r, pk, "requires_in_force", 0);
    /* A response is named by its party; a party's second, third ...
     * response in the treaty by PARTY.2, PARTY.3 (ids have no '.',
     * so no name repeats): its --set paths and random streams are
     * its own. */
    int nth = 1;
    for (int q = t->first_response; q < s->nresponses; q++) nth += s->responses[q].party == rd->party;
    const char *party = rd->party < 0 ? "?" : nth == 1 ? L->actors.ids[rd->party]
                      : ld_sfmt(L, "%s.%d", L->actors.ids[rd->party], nth);
    char ip[200];
    snprintf(ip, sizeof ip, "treaties.%s.responses.%s.honour", id, party);
    rd->honour = ld_param_field(L, r, pk, "honour", PC_PROB, 0, 1, ip);
    snprintf(ip, sizeof ip, "treaties.%s.responses.%s.delay", id, party);
    rd->delay = ld_param_field(L, r, pk, "delay", PC_NONNEG, 0, 0, ip);
    static const char *const purposes[TS__COUNT] = RESPONSE_STREAMS;
    char owner[200];
    snprintf(owner, sizeof owner, "treaty:%s:%s", id, party);
    rd->stream = ld_streams(L, owner, purposes, TS__COUNT);
    snprintf(ip, sizeof ip, "treaties.%s.responses.%s", id, party);
    rd->effects = ld_effects_field(L, r, pk, "effects", owner, ip);
    snprintf(owner, sizeof owner, "treaty:%s:%s:decline", id, party);
    rd->on_decline = ld_effects_field(L, r, pk, "on_decline", owner, ip);
    s->nresponses++;
}

void load_treaties(Ld *L, const JsonValue *arr)
{
    Scenario *s = L->s;
    s->ntreaties = L->treaties.n;
    s->treaties = A(L, (size_t)(s->ntreaties + 1) * sizeof *s->treaties);
    s->treaty_info = A(L, (size_t)(s->ntreaties + 1) * sizeof *s->treaty_info);
    int nresp = 0;
    for (int i = 0; i < s->ntreaties; i++) {
        const JsonValue *r = ld_get(arr->items[i], "responses");
        if (r && r->type == JSON_ARRAY && r->len <= SC_MAX_LIST) nresp += (int)r->len;
    }
    s->responses = A(L, (size_t)(nresp + 1) * sizeof *s->responses);
    static const char *const f[] = { "id", "name", "parties", "signed", "in_force", "responses", NULL };
    for (int i = 0; i < s->ntreaties; i++) {
        const JsonValue *e = arr->items[i];
        char p[64];
        ld_pidx(p, sizeof p, "treaties", i);
        TreatyDef *t = &s->treaties[i];
        TraceNamed *ti = &s->treaty_info[i];
        const char *id = L->treaties.ids[i];
        ti->id = ti->name = id;
        ti->actor = ti->place = -1;
        t->first_response = s->nresponses;
        if (!ld_fields(L, e, p, f)) continue;
        ti->name = ld_str_field(L, e, p, "name", 0, id);
        treaty_parties(L, e, p, t, ti);
        t->signed_day = ld_date_field(L, e, p, "signed", 1, 0);
        t->in_force_day = ld_date_field(L, e, p, "in_force", 0, t->signed_day);
        if (t->in_force_day < t->signed_day) ld_err(L, ld_get(e, "in_force"), p, "in_force is before signed");
        const JsonValue *rs = ld_get(e, "responses");
        if (!rs) continue;
        char pr[80];
        ld_pkey(pr, sizeof pr, p, "responses");
        if (rs->type != JSON_ARRAY || rs->len > SC_MAX_LIST) {
            ld_err(L, rs, pr, "expected an array of responses");
            continue;
        }
        for (size_t k = 0; k < rs->len; k++) {
            char pk[96];
            ld_pidx(pk, sizeof pk, pr, (int)k);
            treaty_response(L, rs->items[k], pk, i, id);
        }
        t->nresponses = s->nresponses - t->first_response;
    }
}
