/* launch.c — the launch model: programmes, their learning, and assistance
 * (docs/models.md, Launches).
 *
 * EV_LAUNCH per attempt: a dated attempt of the history (outcome given or
 * drawn), then one every `interval` until max_attempts or stop_after
 * successes. P(success) of attempt k follows the learning curve from base
 * towards ceiling (reliability()), plus what assistance has added.
 * Assistance goes offered → accepted → arrived (AssistStep, trace.h);
 * arrival (EV_ASSIST, after its lead time) adds its boost and growth.
 *
 * Invariant: every attempt draws its outcome uniform even when the history
 * forces the outcome, so the stream stays aligned whatever the history.
 */
#include <assert.h>
#include <math.h>
#include <string.h>

#include "model_int.h"

/* --- launches ---------------------------------------------------------------- */
static double reliability(Sim *S, int g, int attempt)
{
    const ProgrammeDef *pd = &S->sc->programmes[g];
    const ProgRt *pr = &S->progs[g];
    double b = pr->base, c = pd->ceiling >= 0 ? pr->ceiling : b;
    double gr = pr->learn + pr->growth;
    if (gr > 1) gr = 1;
    double p = c - (c - b) * pow(1 - gr, attempt - 1) + pr->boost;
    return p < 0 ? 0 : p > 0.999 ? 0.999 : p;
}

/* A programme's base, ceiling and growth are drawn once per replication
 * (docs/scenario.md), from the programme's own "reliability" stream, and
 * again when an effect changes one of them. which: -1 all, else the param. */
static void draw_reliability(Sim *S, int g, int which)
{
    const ProgrammeDef *pd = &S->sc->programmes[g];
    ProgRt *pr = &S->progs[g];
    Rng *r = rs(S, pd->stream + PS_RELIABILITY);
    if (which < 0 || which == pd->base) pr->base = draw(S, pd->base, r);
    if (pd->ceiling >= 0 && (which < 0 || which == pd->ceiling)) pr->ceiling = draw(S, pd->ceiling, r);
    if (which < 0 || which == pd->growth) pr->learn = draw(S, pd->growth, r);
}

static void schedule_next_launch(Sim *S, int g)
{
    const ProgrammeDef *pd = &S->sc->programmes[g];
    const ProgRt *pr = &S->progs[g];
    if (pd->interval < 0 || pr->hist_left > 0) return;
    if (pr->attempts >= pd->max_attempts) return;
    if (pd->stop_after > 0 && pr->successes >= pd->stop_after) return;
    double t = S->k.now + draw(S, pd->interval, rs(S, pd->stream + PS_INTERVAL));
    if (t <= S->sc->end) kernel_at(&S->k, t, EV_LAUNCH, (uint32_t)g, UINT32_MAX, 0);
}

static void on_launch(void *ctx, const Event *ev)
{
    Sim *S = ctx;
    int g = (int)ev->a;
    const ProgrammeDef *pd = &S->sc->programmes[g];
    ProgRt *pr = &S->progs[g];
    int hist = ev->b != UINT32_MAX;
    if (hist) pr->hist_left--;
    if (pr->attempts >= pd->max_attempts || (pd->stop_after > 0 && pr->successes >= pd->stop_after)) {
        if (hist && pr->hist_left == 0) schedule_next_launch(S, g);
        return;
    }
    int k = ++pr->attempts;
    double p = reliability(S, g, k);
    int forced = hist ? pd->history[ev->b].outcome : -1;
    double u = rng_double(rs(S, pd->stream + PS_OUTCOME));   /* drawn even when forced: keeps streams aligned */
    int outcome = forced >= 0 ? forced : (u < p ? 0 : -1);
    if (outcome < 0) {
        Rng *r = rs(S, pd->stream + PS_STAGE);
        double w = 0, tot = 0;
        for (int i = 0; i < pd->nstages; i++) tot += pd->stage_w[i];
        double x = rng_double(r) * tot;
        outcome = pd->nstages;
        for (int i = 0; i < pd->nstages; i++) {
            w += pd->stage_w[i];
            if (x < w) { outcome = i + 1; break; }
        }
    }
    if (outcome == 0) {
        pr->successes++;
        pr->streak = 0;
    } else {
        pr->failures++;
        pr->streak++;
    }
    emit(S, TR_LAUNCH, g, k, outcome, p, 0);
    S->dirty |= CAT_LAUNCH;
    if (!hist || pr->hist_left == 0) schedule_next_launch(S, g);
    cond_settle(S);
}

static void on_assist(void *ctx, const Event *ev)
{
    Sim *S = ctx;
    const AssistDef *ad = &S->sc->assists[ev->a];
    assert(S->assists[ev->a].steps == ASSIST_ACCEPTED + 1);     /* only an acceptance schedules it */
    S->assists[ev->a].steps = ASSIST_ARRIVED + 1;
    ProgRt *pr = &S->progs[ad->programme];
    pr->boost += draw(S, ad->boost, rs(S, ad->stream));
    pr->growth += draw(S, ad->growth, rs(S, ad->stream));
    emit(S, TR_ASSIST, ad->programme, ad->actor, ASSIST_ARRIVED, 0, 0);
    S->dirty |= CAT_LAUNCH;
    cond_settle(S);
}

/* Assistance a takes step `step`: the quantity assist.ID becomes step + 1. */
static void assist_step(Sim *S, int a, AssistStep step)
{
    const AssistDef *ad = &S->sc->assists[a];
    assert(step >= 0 && step < ASSIST__COUNT && S->assists[a].steps <= (int)step);
    S->assists[a].steps = (int)step + 1;
    S->dirty |= CAT_LAUNCH;
    emit(S, TR_ASSIST, ad->programme, ad->actor, step, 0, 0);
}

/* E_OFFER: only an offer not yet made. */
void launch_offer(Sim *S, int a)
{
    if (S->assists[a].steps == 0) assist_step(S, a, ASSIST_OFFERED);
}

/* E_ACCEPT: an offer (made or not) is accepted once; it arrives after its
 * lead time. */
void launch_accept(Sim *S, int a)
{
    const AssistDef *ad = &S->sc->assists[a];
    if (S->assists[a].steps > ASSIST_OFFERED + 1) return;
    assist_step(S, a, ASSIST_ACCEPTED);
    kernel_after(&S->k, draw(S, ad->lead_time, rs(S, ad->stream)), EV_ASSIST, (uint32_t)a, 0, 0);
}

/* An effect changed parameter p: redraw what a programme drew from it. */
void launch_param_changed(Sim *S, int p)
{
    for (int g = 0; g < S->sc->nprogrammes; g++) {
        const ProgrammeDef *pg = &S->sc->programmes[g];
        if (p == pg->base || p == pg->ceiling || p == pg->growth) draw_reliability(S, g, p);
    }
}

static void start(Sim *S)
{
    const Scenario *sc = S->sc;
    memset(S->progs, 0, (size_t)sc->nprogrammes * sizeof *S->progs);
    memset(S->assists, 0, (size_t)sc->nassists * sizeof *S->assists);
    for (int g = 0; g < sc->nprogrammes; g++) {
        const ProgrammeDef *pd = &sc->programmes[g];
        draw_reliability(S, g, -1);
        int n = 0;
        for (int h = 0; h < pd->nhistory; h++)
            if (pd->history[h].day <= sc->end) {
                double t = pd->history[h].day > 0 ? pd->history[h].day : 0;
                kernel_at(&S->k, t, EV_LAUNCH, (uint32_t)g, (uint32_t)h, 0);
                n++;
            }
        S->progs[g].hist_left = n;
        if (n == 0) schedule_next_launch(S, g);
    }
}

/* --- registered (model_int.h, SIM_MODELS) ---------------------------------- */
static const ModelKind KINDS[] = { { EV_LAUNCH, on_launch }, { EV_ASSIST, on_assist } };
static const SimArray ARRAYS[] = { SIM_ARRAY(progs, nprogrammes), SIM_ARRAY(assists, nassists) };
const ModelDef launch_model = { .name = "launch", MODEL_KINDS(KINDS), MODEL_ARRAYS(ARRAYS), .start = start };
