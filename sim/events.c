/* events.c — scenario events (docs/models.md, Events): dated (EV_SCEN at
 * `at`), hazard (a Poisson process: EV_SCEN after exponential gaps), on a
 * condition (a watcher in cond.c fires it) or manual (only an {"event": ID}
 * effect fires it). An event with a delay applies its effects by
 * EV_EFFECTS after it.
 *
 * Invariants: an event happens at most `max` times however it is made to
 * (0: no limit); a hazard changed by an effect drops its pending gap and
 * draws a new one at the new rate (memoryless), from its own stream.
 */
#include <assert.h>
#include <string.h>

#include "model_int.h"

void events_fire(Sim *S, int i)
{
    const EventDef *ed = &S->sc->events[i];
    S->events[i].count++;
    assert(ed->max == 0 || S->events[i].count <= ed->max);
    emit(S, TR_EVENT, i, -1, -1, 0, 0);
    S->dirty |= CAT_EVENT;
    if (ed->delay >= 0) {
        double d = draw(S, ed->delay, rs(S, ed->stream));
        kernel_after(&S->k, d, EV_EFFECTS, (uint32_t)i, 0, 0);
    } else {
        effects_apply(S, ed->effects);
    }
}

/* Plan a hazard event's next occurrence after `from`, at its current rate
 * (a rate of 0 plans none). */
static void schedule_hazard(Sim *S, int i, double from)
{
    const EventDef *ed = &S->sc->events[i];
    EventRt *er = &S->events[i];
    er->hazard = (EvHandle){ 0, 0 };
    double rate = draw(S, ed->hazard, rs(S, ed->stream));
    if (rate <= 0) return;
    double t = from + dist_exponential(rs(S, ed->stream), 1.0 / rate);
    if (t <= ed->until && t <= S->sc->end) er->hazard = kernel_at(&S->k, t, EV_SCEN, (uint32_t)i, 1, 0);
}

static void on_scen(void *ctx, const Event *ev)
{
    Sim *S = ctx;
    int i = (int)ev->a;
    const EventDef *ed = &S->sc->events[i];
    if (ed->max > 0 && S->events[i].count >= ed->max) return;
    events_fire(S, i);
    if (ev->b == 1 && (ed->max == 0 || S->events[i].count < ed->max)) schedule_hazard(S, i, S->k.now);
    cond_settle(S);
}

static void on_effects(void *ctx, const Event *ev)
{
    Sim *S = ctx;
    /* A delayed event's effects: say when they land (b = 1), so a timeline
     * can tell it apart from the event itself. */
    emit(S, TR_EVENT, (int)ev->a, 1, -1, 0, 0);
    effects_apply(S, S->sc->events[ev->a].effects);
    cond_settle(S);
}

/* An effect changed hazard event i's rate. A Poisson process is memoryless:
 * the pending gap, drawn at the old rate, is dropped and a new one drawn at
 * the new rate from now (or from `from`, not yet reached). A rate of 0
 * leaves none pending. */
void events_hazard_changed(Sim *S, int i)
{
    const EventDef *ed = &S->sc->events[i];
    EventRt *er = &S->events[i];
    if (ed->trigger != TRIG_HAZARD) return;
    kernel_cancel(&S->k, er->hazard);
    er->hazard = (EvHandle){ 0, 0 };
    if (ed->max > 0 && er->count >= ed->max) return;
    schedule_hazard(S, i, S->k.now > ed->from ? S->k.now : ed->from);
}

static void start(Sim *S)
{
    const Scenario *sc = S->sc;
    memset(S->events, 0, (size_t)sc->nevents * sizeof *S->events);
    for (int i = 0; i < sc->nevents; i++) {
        const EventDef *ed = &sc->events[i];
        if (ed->trigger == TRIG_AT && ed->at <= sc->end)
            kernel_at(&S->k, ed->at > 0 ? ed->at : 0, EV_SCEN, (uint32_t)i, 0, 0);
        else if (ed->trigger == TRIG_HAZARD)
            schedule_hazard(S, i, ed->from > 0 ? ed->from : 0);
    }
}

/* --- registered (model_int.h, SIM_MODELS) ---------------------------------- */
static const ModelKind KINDS[] = { { EV_SCEN, on_scen }, { EV_EFFECTS, on_effects } };
static const SimArray ARRAYS[] = { SIM_ARRAY(events, nevents) };
const ModelDef events_model = { .name = "events", MODEL_KINDS(KINDS), MODEL_ARRAYS(ARRAYS), .start = start };
