/* effects.c — effects: what events, decisions and treaty responses do
 * (docs/scenario.md, Effects). Each kind of effect acts through the model
 * that owns what it changes (supply, alliance, launch, events); this file
 * owns only the order and the limits.
 *
 * Invariants:
 *   - the effects of a list apply in order, each drawing its operands from
 *     the list's own stream;
 *   - lists nest at most SIM_MAX_NESTING deep on the C stack; deeper ones
 *     run at the same instant through the queue (EV_DEFER), so a cycle of
 *     effects becomes an event storm that the limits halt, never a stack
 *     overflow;
 *   - a parameter an effect changes stays within +-SC_MAX_MAGNITUDE and
 *     its field's constraint.
 */
#include <assert.h>
#include <string.h>

#include "model_int.h"

/* Parameter p was changed by an effect: whatever drew from it draws again
 * (each parameter belongs to one field, so at most one of these acts). */
static void param_changed(Sim *S, int p)
{
    const ParamDef *pd = &S->pd[p];
    if (pd->owner == OWN_PRODUCER || pd->owner == OWN_CONSUMER)
        supply_flow_redraw(S, pd->owner_idx, pd->owner == OWN_CONSUMER);
    else if (pd->owner == OWN_HAZARD)
        events_hazard_changed(S, pd->owner_idx);
    launch_param_changed(S, p);
}

void effects_apply(Sim *S, EffectList el)
{
    const Scenario *sc = S->sc;
    if (el.n <= 0 || S->halted[0]) return;
    /* Every list of effects applied counts toward the instant's storm limit,
     * nested ones included: two events whose effects fire each other twice
     * make 2^16 nested lists per dispatched event, whose deferred halves
     * once filled the queue past its ceiling (an abort) long before the
     * dispatched events alone reached the limit. */
    if (S->k.now != S->instant_t) {     /* outside dispatch (an answer) */
        S->instant_t = S->k.now;
        S->instant_n = 0;
    }
    if (++S->instant_n > SIM_MAX_EVENTS_AT_ONCE) {
        sim_storm(S, S->k.now);
        return;
    }
    /* An effect can make an event happen whose effects make another happen,
     * and so on, each inside the last: past SIM_MAX_NESTING they wait for
     * the queue (same instant), so a cycle cannot overflow the C stack; it
     * becomes an event storm that the event limits halt. */
    if (S->nesting >= SIM_MAX_NESTING) {
        kernel_after(&S->k, 0, EV_DEFER, (uint32_t)el.first, (uint32_t)el.n, 0);
        return;
    }
    S->nesting++;
    assert(S->nesting <= SIM_MAX_NESTING);
    for (int k = 0; k < el.n; k++) {
        const Effect *e = &sc->effects[el.first + k];
        Rng *r = rs(S, e->stream);
        switch (e->kind) {
        case E_SET: case E_SCALE: case E_ADD: {
            if (e->target < 0) break;
            ParamDef *pd = &S->pd[e->target];
            double v = draw(S, e->value, r), m = dist_mean(&pd->d);
            double nm = e->kind == E_SET ? v : e->kind == E_SCALE ? m * v : m + v;
            if (pd->con == PC_PROB) nm = nm < 0 ? 0 : nm > 1 ? 1 : nm;
            else if (pd->con != PC_ANY && nm < 0) nm = 0;
            /* A parameter stays within the loader's bound however often an
             * effect scales it, so the run stays finite (docs/scenario.md). */
            if (nm > SC_MAX_MAGNITUDE) nm = SC_MAX_MAGNITUDE;
            if (nm < -SC_MAX_MAGNITUDE) nm = -SC_MAX_MAGNITUDE;
            if (pd->d.kind == DIST_CONST) pd->d.p[0] = nm;
            else dist_set_mean(&pd->d, nm);
            param_changed(S, e->target);
            break;
        }
        case E_CLOSE: case E_OPEN:
            supply_route_set_open(S, e->target, e->kind == E_OPEN);
            break;
        case E_AGGRESSION:
            alliance_aggression(S, e->target);
            break;
        case E_TRIGGER:
            alliance_trigger(S, e->target, e->target2);
            break;
        case E_STOCK_ADD:
            supply_stock_add(S, e->target, draw(S, e->value, r));
            break;
        case E_STOCK_DESTROY:
            supply_stock_destroy(S, e->target, draw(S, e->value, r));
            break;
        case E_TROOPS: {
            double n = draw(S, e->value, r), t = e->value2 >= 0 ? draw(S, e->value2, r) : 0;
            S->troops[e->target] += n;
            emit(S, TR_TROOPS, e->target, e->target2, e->target3, n, S->k.now + t);
            S->dirty |= CAT_TROOPS;
            break;
        }
        case E_OFFER:
            launch_offer(S, e->target);
            break;
        case E_ACCEPT:
            launch_accept(S, e->target);
            break;
        case E_EVENT: {
            const EventDef *ed = &sc->events[e->target];
            if (ed->max == 0 || S->events[e->target].count < ed->max) events_fire(S, e->target);
            break;
        }
        }
    }
    S->nesting--;
    /* The wakes left by closed routes (E_CLOSE above), if nothing ran them. */
    if (S->nesting == 0) supply_wake_pending(S);
}

static void on_defer(void *ctx, const Event *ev)
{
    Sim *S = ctx;
    effects_apply(S, (EffectList){ (int)ev->a, (int)ev->b });
    cond_settle(S);
}

/* --- registered (model_int.h, SIM_MODELS) ---------------------------------- */
static const ModelKind KINDS[] = { { EV_DEFER, on_defer } };
static void reset(Sim *S) { memset(S->troops, 0, (size_t)S->sc->nactors * sizeof *S->troops); }

static const SimArray ARRAYS[] = { SIM_ARRAY(troops, nactors) };
const ModelDef effects_model = { .name = "effects", MODEL_KINDS(KINDS), MODEL_ARRAYS(ARRAYS), .reset = reset };
