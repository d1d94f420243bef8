/* load_supply.c — the supply section: stocks, producers, consumers, and
 * routes with their carriers (a count expands into ID-1 ... ID-n). The run
 * side is supply.c.
 *
 * The one definition of "delivered": an arrival is a final delivery (it
 * counts toward delivered.RESOURCE) when no route leaves its destination
 * stock. load_supply_links() computes it once per route as
 * TraceRoute.final, which the engine (supply.c), the view and `salvo run`
 * all read, the last two from the trace header.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "load_int.h"

void load_stocks(Ld *L, const JsonValue *arr)
{
    Scenario *s = L->s;
    s->nstocks = L->stocks.n;
    s->stocks = A(L, (size_t)(s->nstocks + 1) * sizeof *s->stocks);
    s->stock_info = A(L, (size_t)(s->nstocks + 1) * sizeof *s->stock_info);
    static const char *const f[] = { "id", "place", "resource", "initial", "capacity", NULL };
    for (int i = 0; i < s->nstocks; i++) {
        const JsonValue *e = arr->items[i];
        char p[64], ip[160];
        ld_pidx(p, sizeof p, "stocks", i);
        StockDef *st = &s->stocks[i];
        const char *id = L->stocks.ids[i];
        st->place = st->resource = -1;
        st->capacity = -1;
        st->initial = -1;
        if (ld_fields(L, e, p, f)) {
            st->place = ld_ref_field(L, e, p, "place", &L->places, "place", 1);
            st->resource = ld_ref_field(L, e, p, "resource", &L->resources, "resource", 1);
        }
        snprintf(ip, sizeof ip, "stocks.%s.initial", id);
        st->initial = ld_param_field(L, e, p, "initial", PC_NONNEG, 0, 0, ip);
        if (ld_get(e, "capacity")) {
            snprintf(ip, sizeof ip, "stocks.%s.capacity", id);
            st->capacity = ld_param_field(L, e, p, "capacity", PC_NONNEG, 0, 0, ip);
        }
        snprintf(ip, sizeof ip, "stock:%s", id);
        st->stream = ld_stream(L, ip, "initial");
        TraceStock *ti = &s->stock_info[i];
        ti->id = id;
        ti->place = st->place;
        ti->resource = st->resource;
        ti->initial = dist_mean(&s->params[st->initial].d);
        ti->capacity = st->capacity >= 0 ? dist_mean(&s->params[st->capacity].d) : INFINITY;
    }
}

static void load_flows(Ld *L, const JsonValue *arr, int producer)
{
    Scenario *s = L->s;
    const char *listname = producer ? "producers" : "consumers";
    IdTab *t = producer ? &L->producers : &L->consumers;
    int n = t->n;
    FlowDef *fl = A(L, (size_t)(n + 1) * sizeof *fl);
    if (producer) { s->producers = fl; s->nproducers = n; }
    else { s->consumers = fl; s->nconsumers = n; }
    static const char *const f[] = { "id", "stock", "rate", "period", "start", "end", "ramp", NULL };
    for (int i = 0; i < n; i++) {
        const JsonValue *e = arr->items[i];
        char p[64], ip[160];
        ld_pidx(p, sizeof p, listname, i);
        FlowDef *d = &fl[i];
        d->id = t->ids[i];
        d->stock = -1;
        int ok = ld_fields(L, e, p, f);
        if (ok) d->stock = ld_ref_field(L, e, p, "stock", &L->stocks, "stock", 1);
        snprintf(ip, sizeof ip, "%s.%s.rate", listname, d->id);
        d->rate = ld_param_field(L, e, p, "rate", PC_NONNEG, 1, 0, ip);
        s->params[d->rate].owner = producer ? OWN_PRODUCER : OWN_CONSUMER;
        s->params[d->rate].owner_idx = i;
        d->period = ld_num_field(L, e, p, "period", 0, 0, 0, 1e6);
        d->start = ld_date_field(L, e, p, "start", 0, 0);
        d->end = ld_date_field(L, e, p, "end", 0, s->end);
        if (d->end < d->start) {
            char pe[80];
            ld_pkey(pe, sizeof pe, p, "end");
            ld_err(L, ld_get(e, "end"), pe, "end is before start");
        }
        d->ramp_from = 1;
        d->ramp_steps = 0;
        const JsonValue *r = ld_get(e, "ramp");
        if (r) {
            char pr[80];
            ld_pkey(pr, sizeof pr, p, "ramp");
            static const char *const rf[] = { "from", "days", "steps", NULL };
            if (ld_fields(L, r, pr, rf)) {
                d->ramp_from = ld_num_field(L, r, pr, "from", 1, 1, 0, 1);
                d->ramp_days = ld_num_field(L, r, pr, "days", 1, 0, 0, 1e5);
                d->ramp_steps = ld_int_field(L, r, pr, "steps", 0, 4, 1, 365);
            }
        }
        snprintf(ip, sizeof ip, "%s:%s", producer ? "producer" : "consumer", d->id);
        d->stream = ld_stream(L, ip, "rate");
    }
}

void load_producers(Ld *L, const JsonValue *arr) { load_flows(L, arr, 1); }
void load_consumers(Ld *L, const JsonValue *arr) { load_flows(L, arr, 0); }

/* A carrier with count n > 1 becomes ID-1 ... ID-n, whose names also key
 * their random streams. A declared id of that form on the same route would
 * share one: an error naming both places. (Two generated ids cannot
 * collide: the part after the last '-' is all digits, so ID-k fixes ID and k.) */
static void generated_ids_unique(Ld *L, const IdTab *ct, const JsonValue *cs, const char *pc)
{
    for (int j = 0; j < ct->n; j++) {
        const char *d = ct->ids[j], *dash = strrchr(d, '-');
        if (!dash || dash == d || dash[1] < '1' || dash[1] > '9' || strspn(dash + 1, "0123456789") != strlen(dash + 1)
            || strlen(dash + 1) > 5)
            continue;
        long k = strtol(dash + 1, NULL, 10);
        for (int g = 0; g < ct->n; g++) {
            const char *x = ct->ids[g];
            const JsonValue *cnt = ld_get(cs->items[g], "count");
            if (g == j || !cnt || cnt->type != JSON_NUMBER || cnt->num < 2 || k > cnt->num) continue;
            if (strlen(x) != (size_t)(dash - d) || strncmp(x, d, (size_t)(dash - d))) continue;
            char pj[120], pi[130];
            ld_pidx(pj, sizeof pj, pc, j);
            ld_pkey(pi, sizeof pi, pj, "id");
            ld_err(L, ct->at[j], pi, "duplicate id '%s': carrier '%s' with count %.0f (line %d, column %d) "
                "generates the same id", d, x, cnt->num, cnt->line, cnt->col);
        }
    }
}

/* Carriers in all, each counted `count` times. The total is capped: 1,024
 * routes x 256 carriers x count 10,000 would be 2.6 billion carriers (an
 * int overflow, then an allocation that cannot succeed). Found by reading
 * the loader while fuzzing; tests/bad/87-too-many-carriers.json. */
static int count_carriers(Ld *L, const JsonValue *arr)
{
    int total = 0;
    for (int i = 0; i < L->s->nroutes; i++) {
        const JsonValue *cs = ld_get(arr->items[i], "carriers");
        if (cs && cs->type == JSON_ARRAY && cs->len <= SC_MAX_CARRIERS)
            for (size_t j = 0; j < cs->len; j++) {
                const JsonValue *c = ld_get(cs->items[j], "count");
                int k = c && c->type == JSON_NUMBER && c->num >= 1 && c->num <= SC_MAX_COUNT ? (int)c->num : 1;
                if (total <= SC_MAX_ALL_CARRIERS && total + k > SC_MAX_ALL_CARRIERS) {
                    char pj[120];
                    snprintf(pj, sizeof pj, "routes[%d].carriers[%zu]%s", i, j, c ? ".count" : "");
                    ld_err(L, c ? c : cs->items[j], pj, "too many carriers: the scenario would have more than %d "
                        "(counting each carrier's count)", SC_MAX_ALL_CARRIERS);
                }
                if (total <= SC_MAX_ALL_CARRIERS) total += k;
            }
    }
    return total > SC_MAX_ALL_CARRIERS ? SC_MAX_ALL_CARRIERS : total;
}

/* A route's name, mode, stocks (two, of one resource) and whether it
 * starts open. */
static void route_ends(Ld *L, const JsonValue *e, const char *p, RouteDef *r, TraceRoute *ri)
{
    Scenario *s = L->s;
    ri->name = ld_str_field(L, e, p, "name", 0, ri->id);
    const char *mode = ld_str_field(L, e, p, "mode", 1, NULL);
    if (mode) {
        ri->mode = trace_route_mode_from_name(mode);
        if (ri->mode < 0) {
            char pm[80];
            ld_pkey(pm, sizeof pm, p, "mode");
            ld_err(L, ld_get(e, "mode"), pm, "unknown mode '%s'; expected rail, sea, road or air", mode);
            ri->mode = MODE_RAIL;
        }
    }
    r->from = ld_ref_field(L, e, p, "from", &L->stocks, "stock", 1);
    r->to = ld_ref_field(L, e, p, "to", &L->stocks, "stock", 1);
    if (r->from >= 0 && r->to >= 0) {
        if (r->from == r->to)
            ld_err(L, ld_get(e, "to"), p, "a route needs two different stocks");
        else if (s->stocks[r->from].resource != s->stocks[r->to].resource)
            ld_err(L, ld_get(e, "to"), p, "stocks '%s' and '%s' hold different resources",
                L->stocks.ids[r->from], L->stocks.ids[r->to]);
    }
    ri->from = r->from >= 0 ? s->stocks[r->from].place : -1;
    ri->to = r->to >= 0 ? s->stocks[r->to].place : -1;
    r->open = ld_bool_field(L, e, p, "open", 1);
}

/* The map's waypoints between the ends: [lat, lon] pairs. */
static void route_waypoints(Ld *L, const JsonValue *e, const char *p, TraceRoute *ri)
{
    const JsonValue *w = ld_get(e, "waypoints");
    if (!w) return;
    char pw[80];
    ld_pkey(pw, sizeof pw, p, "waypoints");
    if (w->type != JSON_ARRAY || w->len > SC_MAX_LIST) {
        ld_err(L, w, pw, "expected an array of [lat, lon] pairs");
        return;
    }
    double *lat = A(L, (w->len + 1) * sizeof *lat), *lon = A(L, (w->len + 1) * sizeof *lon);
    for (size_t k = 0; k < w->len; k++) {
        const JsonValue *pt = w->items[k];
        if (pt->type != JSON_ARRAY || pt->len != 2 || pt->items[0]->type != JSON_NUMBER ||
            pt->items[1]->type != JSON_NUMBER || fabs(pt->items[0]->num) > 90 ||
            fabs(pt->items[1]->num) > 180) {
            char pk[96];
            ld_pidx(pk, sizeof pk, pw, (int)k);
            ld_err(L, pt, pk, "expected [lat, lon] with lat in [-90, 90] and lon in [-180, 180]");
            continue;
        }
        lat[ri->npts] = pt->items[0]->num;
        lon[ri->npts] = pt->items[1]->num;
        ri->npts++;
    }
    ri->lat = lat;
    ri->lon = lon;
}

/* A route's parameters, then its streams (scenario_int.h, RS_). */
static void route_params(Ld *L, const JsonValue *e, const char *p, RouteDef *r, const char *id)
{
    char ip[200];
    snprintf(ip, sizeof ip, "routes.%s.container", id);
    r->container = ld_param_field(L, e, p, "container", PC_POS, 0, 1, ip);
    snprintf(ip, sizeof ip, "routes.%s.transit", id);
    r->transit = ld_param_field(L, e, p, "transit", PC_NONNEG, 1, 1, ip);
    snprintf(ip, sizeof ip, "routes.%s.return", id);
    if (ld_get(e, "return")) r->ret = ld_param_field(L, e, p, "return", PC_NONNEG, 0, 0, ip);
    else r->ret = -1;
    snprintf(ip, sizeof ip, "routes.%s.loss", id);
    r->loss = ld_param_field(L, e, p, "loss", PC_PROB, 0, 0, ip);
    snprintf(ip, sizeof ip, "routes.%s.dud", id);
    r->dud = ld_param_field(L, e, p, "dud", PC_PROB, 0, 0, ip);
    static const char *const purposes[RS__COUNT] = ROUTE_STREAMS;
    snprintf(ip, sizeof ip, "route:%s", id);
    r->stream = ld_streams(L, ip, purposes, RS__COUNT);
}

/* One entry of a route's carriers: `count` carriers (ID-1 ... ID-n when
 * more than one), each with its own stream, while the total allows. */
static void route_carrier(Ld *L, const JsonValue *c, const char *pj, int route, const char *id, const char *cid,
                          int total)
{
    static const char *const cf[] = { "id", "name", "count", "containers", "min_load", "max_wait",
                                      "first", "every", NULL };
    Scenario *s = L->s;
    if (!ld_fields(L, c, pj, cf)) return;
    char ip[200];
    const char *cname = ld_str_field(L, c, pj, "name", 0, cid);
    int count = ld_int_field(L, c, pj, "count", 0, 1, 1, SC_MAX_COUNT);
    snprintf(ip, sizeof ip, "routes.%s.carriers.%s.containers", id, cid);
    int containers = ld_param_field(L, c, pj, "containers", PC_NONNEG, 1, 1, ip);
    double min_load = ld_num_field(L, c, pj, "min_load", 0, 1, 0, 1);
    if (ld_get(c, "min_load") && min_load <= 0) {
        char pm[120];
        ld_pkey(pm, sizeof pm, pj, "min_load");
        ld_err(L, ld_get(c, "min_load"), pm, "expected a fraction in (0, 1]");
    }
    double max_wait = ld_num_field(L, c, pj, "max_wait", 0, -1, 0, 1e6);
    double first = ld_date_field(L, c, pj, "first", 0, 0);
    double every = ld_num_field(L, c, pj, "every", 0, 0, 0, 1e6);
    if (ld_get(c, "every") && every <= 0) {
        char pm[120];
        ld_pkey(pm, sizeof pm, pj, "every");
        ld_err(L, ld_get(c, "every"), pm, "expected a number of days > 0");
    }
    const RouteDef *r = &s->routes[route];
    for (int k = 0; k < count && s->ncarriers < total; k++) {
        CarrierDef *cd = &s->carriers[s->ncarriers];
        TraceCarrier *ci = &s->carrier_info[s->ncarriers];
        cd->id = count > 1 ? ld_sfmt(L, "%s-%d", cid, k + 1) : cid;
        cd->name = count > 1 ? ld_sfmt(L, "%s %d", cname, k + 1) : cname;
        cd->route = route;
        cd->containers = containers;
        cd->min_load = min_load > 0 ? min_load : 1;
        cd->max_wait = max_wait;
        cd->first = first;
        cd->every = every;
        snprintf(ip, sizeof ip, "carrier:%s/%s", id, cd->id);
        cd->stream = ld_stream(L, ip, "containers");
        ci->id = cd->id;
        ci->name = cd->name;
        ci->route = route;
        ci->capacity = dist_mean(&s->params[containers].d) * dist_mean(&s->params[r->container].d);
        s->ncarriers++;
    }
}

/* A route's list of carriers (required when the route itself is an object). */
static void route_carriers(Ld *L, const JsonValue *e, const char *p, int route, const char *id, int ok, int total)
{
    const JsonValue *cs = ld_get(e, "carriers");
    char pc[80];
    ld_pkey(pc, sizeof pc, p, "carriers");
    if (ok && !cs) ld_err(L, e, pc, "missing required field 'carriers'");
    else if (cs && (cs->type != JSON_ARRAY || cs->len == 0)) ld_err(L, cs, pc, "expected a non-empty array of carriers");
    else if (cs && cs->len > SC_MAX_CARRIERS) ld_err(L, cs, pc, "too many carriers (the limit is %d)", SC_MAX_CARRIERS);
    else if (cs) {
        IdTab ct = { 0 };
        ld_collect(L, &ct, cs, pc);
        for (size_t j = 0; j < cs->len; j++) {
            char pj[96];
            ld_pidx(pj, sizeof pj, pc, (int)j);
            route_carrier(L, cs->items[j], pj, route, id, ct.ids[j], total);
        }
        generated_ids_unique(L, &ct, cs, pc);
    }
}

void load_routes(Ld *L, const JsonValue *arr)
{
    Scenario *s = L->s;
    s->nroutes = L->routes.n;
    s->routes = A(L, (size_t)(s->nroutes + 1) * sizeof *s->routes);
    s->route_info = A(L, (size_t)(s->nroutes + 1) * sizeof *s->route_info);
    int total = count_carriers(L, arr);
    s->carriers = A(L, (size_t)(total + 1) * sizeof *s->carriers);
    s->carrier_info = A(L, (size_t)(total + 1) * sizeof *s->carrier_info);
    static const char *const f[] = { "id", "name", "mode", "from", "to", "waypoints", "container",
                                     "transit", "return", "loss", "dud", "open", "carriers", NULL };
    for (int i = 0; i < s->nroutes; i++) {
        const JsonValue *e = arr->items[i];
        char p[64];
        ld_pidx(p, sizeof p, "routes", i);
        RouteDef *r = &s->routes[i];
        TraceRoute *ri = &s->route_info[i];
        const char *id = L->routes.ids[i];
        ri->id = id;
        ri->name = id;
        r->from = r->to = -1;
        r->first_carrier = s->ncarriers;
        int ok = ld_fields(L, e, p, f);
        if (ok) {
            route_ends(L, e, p, r, ri);
            route_waypoints(L, e, p, ri);
        }
        route_params(L, e, p, r, id);
        route_carriers(L, e, p, i, id, ok, total);
        r->ncarriers = s->ncarriers - r->first_carrier;
    }
}

/* --- links, after every list ------------------------------------------------ */
/* THE definition of "delivered": an arrival on route r is a final delivery,
 * counted once toward delivered.RESOURCE, when no route leaves the stock it
 * arrives at (the stock, not the place: a port that ships shells onward
 * still takes oil as a final delivery). Computed once here into
 * RouteDef.final (the engine, supply.c) and TraceRoute.final (the trace
 * header: the view and `salvo run`), so the three cannot disagree. */
static int route_final(const Scenario *s, int r)
{
    int to = s->routes[r].to;
    if (to < 0) return 0;
    for (int i = 0; i < s->nroutes; i++)
        if (s->routes[i].from == to) return 0;
    return 1;
}

void load_supply_links(Ld *L)
{
    Scenario *s = L->s;
    for (int i = 0; i < s->nstocks; i++) {
        StockDef *st = &s->stocks[i];
        st->producers = A(L, (size_t)(s->nproducers + 1) * sizeof(int));
        st->consumers = A(L, (size_t)(s->nconsumers + 1) * sizeof(int));
        st->carriers = A(L, (size_t)(s->ncarriers + 1) * sizeof(int));
    }
    for (int i = 0; i < s->nproducers; i++)
        if (s->producers[i].stock >= 0) {
            StockDef *st = &s->stocks[s->producers[i].stock];
            st->producers[st->nproducers++] = i;
        }
    for (int i = 0; i < s->nconsumers; i++)
        if (s->consumers[i].stock >= 0) {
            StockDef *st = &s->stocks[s->consumers[i].stock];
            st->consumers[st->nconsumers++] = i;
        }
    for (int i = 0; i < s->nroutes; i++) s->routes[i].final = s->route_info[i].final = route_final(s, i);
    for (int i = 0; i < s->ncarriers; i++) {
        int from = s->routes[s->carriers[i].route].from;
        if (from >= 0) {
            StockDef *st = &s->stocks[from];
            st->carriers[st->ncarriers++] = i;
        }
    }
}
