/* narrate.c — what a trace record means, in words: the one place that
 * says it (narrate.h). The view's event feed and `salvo run`'s timeline
 * both print these sentences; `salvo run` adds the date and, for some
 * kinds, a tag (LAUNCH, TREATY ...) in front.
 *
 * Invariant: the sentence depends only on the header and the record (never
 * on the Sim), so a trace read back from a file is told exactly as the run
 * that wrote it.
 */
#include "narrate.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

void narrate_qty(double v, char *buf, size_t n)
{
    double a = fabs(v);
    if (!isfinite(v)) snprintf(buf, n, "?");
    else if (a >= 1e9) snprintf(buf, n, "%.2f bn", v / 1e9);
    else if (a >= 1e6) snprintf(buf, n, "%.2f M", v / 1e6);
    else if (a >= 1000) {
        long long iv = llround(v);
        long long hi = iv / 1000, lo3 = llabs(iv % 1000);
        snprintf(buf, n, "%lld,%03lld", hi, lo3);
    } else if (a == floor(a)) snprintf(buf, n, "%.0f", v);
    else snprintf(buf, n, "%.1f", v);
}

static const char *place_name(const TraceHeader *h, int p)
{
    return p >= 0 && p < h->nplaces ? h->places[p].name : "?";
}

static const char *actor_name(const TraceHeader *h, int a)
{
    return a >= 0 && a < h->nactors ? h->actors[a].name : "someone";
}

static const char *unit_of(const TraceHeader *h, int res)
{
    return res >= 0 && res < h->nresources ? h->resources[res].unit : "units";
}

int narrate_record(const TraceHeader *h, const TraceRec *r, char *buf, size_t n)
{
    char q[32], q2[32];
    narrate_qty(r->x, q, sizeof q);
    static const char *const assist_words[ASSIST__COUNT] = {
        [ASSIST_OFFERED] = "offered help to", [ASSIST_ACCEPTED] = "accepted help for",
        [ASSIST_ARRIVED] = "delivered help to",
    };
    switch (r->kind) {
    case TR_DEPART: {
        const TraceRoute *rt = &h->routes[r->b];
        return snprintf(buf, n, "%s left %s with %s %s", h->carriers[r->a].name,
                        place_name(h, rt->from), q, unit_of(h, r->c));
    }
    case TR_ARRIVE: {
        const TraceRoute *rt = &h->routes[r->b];
        narrate_qty(r->y, q2, sizeof q2);
        return snprintf(buf, n, "%s reached %s with %s %s (%s duds)", h->carriers[r->a].name,
                        place_name(h, rt->to), q, unit_of(h, r->c), q2);
    }
    case TR_LOST: {
        const TraceRoute *rt = &h->routes[r->b];
        return snprintf(buf, n, "%s lost between %s and %s with %s %s", h->carriers[r->a].name,
                        place_name(h, rt->from), place_name(h, rt->to), q, unit_of(h, r->c));
    }
    case TR_RETURN:
        return snprintf(buf, n, "%s back at %s", h->carriers[r->a].name,
                        place_name(h, h->routes[r->b].from));
    case TR_STOCK: {
        const TraceStock *s = &h->stocks[r->a];
        return snprintf(buf, n, "Stock at %s: %s %s", place_name(h, s->place), q,
                        unit_of(h, s->resource));
    }
    case TR_SHORT: {
        const TraceStock *s = &h->stocks[r->a];
        narrate_qty(r->y, q2, sizeof q2);
        if (r->b == 1)
            return snprintf(buf, n, "Shortfall at %s: %s %s/day unmet", place_name(h, s->place), q,
                            unit_of(h, s->resource));
        return snprintf(buf, n, "Shortfall at %s ends (%s %s short so far)", place_name(h, s->place),
                        q2, unit_of(h, s->resource));
    }
    case TR_LAUNCH: {
        const char *name = h->programmes[r->a].name;
        if (r->c == 0)
            return snprintf(buf, n, "%s: launch %d reached orbit (P=%.2f)", name, r->b, r->x);
        return snprintf(buf, n, "%s: launch %d failed at stage %d (P=%.2f)", name, r->b, r->c, r->x);
    }
    case TR_ASSIST:
        return snprintf(buf, n, "%s %s %s", actor_name(h, r->b), r->c >= 0 && r->c < ASSIST__COUNT ? assist_words[r->c] : "?",
                        h->programmes[r->a].name);
    case TR_TREATY: {
        /* Worded as `salvo run` words it: the actor of a trigger is the
         * victim of the aggression, not its author. */
        const char *name = h->treaties[r->a].name;
        switch (r->b) {
        case TREATY_SIGNED: return snprintf(buf, n, "%s signed", name);
        case TREATY_IN_FORCE: return snprintf(buf, n, "%s enters into force", name);
        case TREATY_TRIGGERED:
            return snprintf(buf, n, "%s triggered by aggression against %s", name, actor_name(h, r->c));
        case TREATY_HONOURED: return snprintf(buf, n, "%s honoured by %s", name, actor_name(h, r->c));
        default: return snprintf(buf, n, "%s: %s declines to act", name, actor_name(h, r->c));
        }
    }
    case TR_TROOPS:
        return snprintf(buf, n, "%s sends %s troops, %s to %s", actor_name(h, r->a), q,
                        place_name(h, r->b), place_name(h, r->c));
    case TR_DECISION: {
        const TraceDecisionDef *d = &h->decisions[r->a];
        return snprintf(buf, n, "%s: \"%s\" %s (%s)", actor_name(h, d->actor), d->name,
                        d->options[r->b], r->c ? "player" : "policy");
    }
    case TR_EVENT:
        if (r->b == 1) return snprintf(buf, n, "%s takes effect", h->events[r->a].name);
        return snprintf(buf, n, "%s", h->events[r->a].name);
    case TR_ROUTE:
        return snprintf(buf, n, "%s %s", h->routes[r->a].name, r->b ? "reopened" : "closed");
    case TR_END:
        return snprintf(buf, n, "End of the run");
    default:
        return snprintf(buf, n, "?");
    }
}
