/* load_events.c — scenario events: at most one of a date, a hazard or a
 * condition (none: manual). The run side is events.c.
 */
#include <stdio.h>
#include <string.h>

#include "load_int.h"

void load_events(Ld *L, const JsonValue *arr)
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
        ld_pidx(p, sizeof p, "events", i);
        EventDef *ev = &s->events[i];
        TraceNamed *ei = &s->event_info[i];
        const char *id = L->events.ids[i];
        ei->id = ei->name = id;
        ei->actor = ei->place = -1;
        ev->when.root = -1;
        ev->delay = -1;
        ev->hazard = -1;
        if (!ld_fields(L, e, p, f)) continue;
        ei->name = ld_str_field(L, e, p, "name", 0, id);
        int nt = (ld_get(e, "at") != NULL) + (ld_get(e, "hazard") != NULL) + (ld_get(e, "when") != NULL);
        if (nt > 1) {
            ld_err(L, e, p, "an event takes at most one of 'at' (a date), 'hazard' (a rate per day) or 'when' (a condition)");
            continue;
        }
        ev->from = ld_date_field(L, e, p, "from", 0, 0);
        ev->until = ld_date_field(L, e, p, "until", 0, s->end);
        if (ld_get(e, "from") && ev->from > ev->until) {
            char pf[80];
            ld_pkey(pf, sizeof pf, p, "from");
            ld_err(L, ld_get(e, "from"), pf, "the window opens after it closes ('from' is after '%s')",
                ld_get(e, "until") ? "until" : "the calendar's end");
        }
        if (ld_get(e, "at")) {
            ev->trigger = TRIG_AT;
            ev->at = ld_date_field(L, e, p, "at", 1, 0);
        } else if (ld_get(e, "hazard")) {
            ev->trigger = TRIG_HAZARD;
            snprintf(ip, sizeof ip, "events.%s.hazard", id);
            ev->hazard = ld_param_field(L, e, p, "hazard", PC_NONNEG, 1, 0, ip);
            s->params[ev->hazard].owner = OWN_HAZARD;
            s->params[ev->hazard].owner_idx = i;
        } else if (ld_get(e, "when")) {
            ev->trigger = TRIG_WHEN;
            ev->when = ld_cond_field(L, e, p, "when", 1);
        } else {
            ev->trigger = TRIG_MANUAL;    /* happens only through an {"event": ID} effect */
        }
        ev->max = ld_int_field(L, e, p, "max", 0, ev->trigger == TRIG_WHEN ? 1 : 0, 1, 1000000);
        if (ld_get(e, "delay")) {
            snprintf(ip, sizeof ip, "events.%s.delay", id);
            ev->delay = ld_param_field(L, e, p, "delay", PC_NONNEG, 0, 0, ip);
        }
        snprintf(ip, sizeof ip, "event:%s", id);
        ev->stream = ld_stream(L, ip, "timing");
        char idp[160];
        snprintf(idp, sizeof idp, "events.%s", id);
        ev->effects = ld_effects_field(L, e, p, "effects", ip, idp);
    }
    for (int i = 0; i < s->nevents; i++)
        if (s->events[i].trigger == TRIG_WHEN && s->events[i].when.root >= 0)
            ld_add_watch(L, WATCH_EVENT, i, &s->events[i].when);
}
