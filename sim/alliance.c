/* alliance.c — the alliance model: treaties and the responses they oblige
 * (docs/models.md, Alliances).
 *
 * TREATY_SIGN and TREATY_FORCE happen on their dates. Aggression against a
 * party (an effect) triggers the treaty's responses: each draws whether it
 * is honoured and, if so, after what delay, and ends in EV_RESPONSE, whose
 * effects then apply; a declined response applies its on_decline effects.
 *
 * Invariant: a response acts at most once per replication (RespRt.done);
 * one that requires the treaty in force waits for it (waiting_force).
 */
#include <assert.h>
#include <string.h>

#include "model_int.h"

/* --- treaties ---------------------------------------------------------------- */
static void respond(Sim *S, int r)
{
    const ResponseDef *rd = &S->sc->responses[r];
    RespRt *rr = &S->resp[r];
    assert(!rr->done);      /* a response acts at most once */
    rr->done = 1;
    rr->waiting_force = 0;
    double p = draw(S, rd->honour, rs(S, rd->stream + TS_HONOUR));
    int treaty = rd->treaty;
    if (rng_double(rs(S, rd->stream + TS_HONOUR)) < p) {
        double delay = draw(S, rd->delay, rs(S, rd->stream + TS_DELAY));
        kernel_after(&S->k, delay, EV_RESPONSE, (uint32_t)r, (uint32_t)treaty, 0);
    } else {
        S->treaties[treaty].declined++;
        emit(S, TR_TREATY, treaty, TREATY_DECLINED, rd->party, 0, 0);
        S->dirty |= CAT_TREATY;
        effects_apply(S, rd->on_decline);
    }
}

void alliance_trigger(Sim *S, int t, int attacked)
{
    const TreatyDef *td = &S->sc->treaties[t];
    TreatyRt *tr = &S->treaties[t];
    if (!tr->signed_) return;
    int party = 0;
    for (int j = 0; j < td->nparties; j++) party |= td->parties[j] == attacked;
    if (!party) return;
    tr->triggered = 1;
    emit(S, TR_TREATY, t, TREATY_TRIGGERED, attacked, 0, 0);
    S->dirty |= CAT_TREATY;
    for (int k = 0; k < td->nresponses; k++) {
        int r = td->first_response + k;
        const ResponseDef *rd = &S->sc->responses[r];
        if (S->resp[r].done || S->resp[r].waiting_force || rd->party == attacked) continue;
        if (rd->protects >= 0 && rd->protects != attacked) continue;
        if (rd->requires_in_force && !tr->in_force) S->resp[r].waiting_force = 1;
        else respond(S, r);
    }
}

static void on_treaty_sign(void *ctx, const Event *ev)
{
    Sim *S = ctx;
    S->treaties[ev->a].signed_ = 1;
    emit(S, TR_TREATY, (int)ev->a, TREATY_SIGNED, -1, 0, 0);
    S->dirty |= CAT_TREATY;
    cond_settle(S);
}

static void on_treaty_force(void *ctx, const Event *ev)
{
    Sim *S = ctx;
    int t = (int)ev->a;
    S->treaties[t].signed_ = 1;
    S->treaties[t].in_force = 1;
    emit(S, TR_TREATY, t, TREATY_IN_FORCE, -1, 0, 0);
    S->dirty |= CAT_TREATY;
    const TreatyDef *td = &S->sc->treaties[t];
    for (int k = 0; k < td->nresponses; k++)
        if (S->resp[td->first_response + k].waiting_force) respond(S, td->first_response + k);
    cond_settle(S);
}

static void on_response(void *ctx, const Event *ev)
{
    Sim *S = ctx;
    const ResponseDef *rd = &S->sc->responses[ev->a];
    S->treaties[ev->b].honoured++;
    emit(S, TR_TREATY, (int)ev->b, TREATY_HONOURED, rd->party, 0, 0);
    S->dirty |= CAT_TREATY;
    effects_apply(S, rd->effects);
    cond_settle(S);
}

/* E_AGGRESSION: aggression against an actor triggers every treaty it is a
 * party to, in scenario order. */
void alliance_aggression(Sim *S, int attacked)
{
    for (int t = 0; t < S->sc->ntreaties; t++) alliance_trigger(S, t, attacked);
}

static void start(Sim *S)
{
    const Scenario *sc = S->sc;
    memset(S->treaties, 0, (size_t)sc->ntreaties * sizeof *S->treaties);
    memset(S->resp, 0, (size_t)sc->nresponses * sizeof *S->resp);
    for (int t = 0; t < sc->ntreaties; t++) {
        const TreatyDef *td = &sc->treaties[t];
        if (td->signed_day <= sc->end) kernel_at(&S->k, td->signed_day > 0 ? td->signed_day : 0, EV_TREATY_SIGN, (uint32_t)t, 0, 0);
        if (td->in_force_day <= sc->end) kernel_at(&S->k, td->in_force_day > 0 ? td->in_force_day : 0, EV_TREATY_FORCE, (uint32_t)t, 0, 0);
    }
}

/* --- registered (model_int.h, SIM_MODELS) ---------------------------------- */
static const ModelKind KINDS[] = {
    { EV_TREATY_SIGN, on_treaty_sign }, { EV_TREATY_FORCE, on_treaty_force }, { EV_RESPONSE, on_response },
};
static const SimArray ARRAYS[] = { SIM_ARRAY(treaties, ntreaties), SIM_ARRAY(resp, nresponses) };
const ModelDef alliance_model = { .name = "alliance", MODEL_KINDS(KINDS), MODEL_ARRAYS(ARRAYS), .start = start };
