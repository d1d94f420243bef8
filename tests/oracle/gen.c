/* gen.c — random small deterministic scenarios for the oracle.
 *
 * Every parameter is a constant, so a scenario has exactly one right answer.
 * What varies: 1–2 resources, 1–4 stocks (some capacitated), up to 3
 * producers and 3 consumers with start and end dates (rates sometimes 0),
 * up to 3 routes with 1–3 carrier entries (fill policy with min_load and
 * max_wait, schedule policy with every, first dates, counts, duds, routes
 * that start closed), up to 5 events (dated, conditional with max and
 * delay, or hazards that are either 0 or "certain"), and effects that
 * change flow rates to and from zero, switch hazards on and off, change
 * transit times, close and open routes, add to and destroy stocks, and make
 * other events happen. Metrics: a total for every quantity, 1–4 time_of
 * and 1–3 happened-by metrics on random conditions with non-zero
 * thresholds, and 0–2 sampled levels.
 *
 * Determinism and ties: a "certain" hazard is 1e12 per day (it fires about
 * 1e-12 days after it is armed; with a `max` so that it stops). Rates,
 * thresholds and transit times carry fractional parts and dates are
 * distinct days, so that unrelated things rarely happen at one instant.
 * `{"event": E}` effects only name later events, so effects cannot loop.
 */
#include "oracle.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct Gen {
    uint64_t s;
    int days;                 /* calendar length */
    unsigned char used[400];  /* days already given to a date field */
    int nres, nstocks, nprod, ncons, nroutes, nevents;
    int stock_res[4];
    double stock_init[4], stock_cap[4];
    double res_rate[2];       /* sum of producer rates per resource: scale for thresholds */
    int ev_hazard[5];
    int ev_kind[5];           /* 0 at, 1 when, 2 hazard, 3 only by effects */
    int route_return[4];      /* the route has a `return` */
} Gen;

static uint64_t next(Gen *g)
{
    uint64_t z = (g->s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static double unif(Gen *g, double lo, double hi) { return lo + (hi - lo) * ((double)(next(g) >> 11) / 9007199254740992.0); }
static int irange(Gen *g, int lo, int hi) { return lo + (int)(next(g) % (uint64_t)(hi - lo + 1)); }
static int chance(Gen *g, double p) { return unif(g, 0, 1) < p; }
static double roundq(double x, double q) { return round(x / q) * q; }

static void civil_from_days(long z, int *y, int *m, int *d)
{
    z += 719468;
    long era = (z >= 0 ? z : z - 146096) / 146097;
    long doe = z - era * 146097;
    long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    long mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

#define EPOCH_2024 19723L  /* days from 1970-01-01 to 2024-01-01 */

static void add_date(cJSON *o, const char *key, int day)
{
    int y, m, d;
    char buf[48];
    civil_from_days(EPOCH_2024 + day, &y, &m, &d);
    snprintf(buf, sizeof buf, "%04d-%02d-%02d", y, m, d);
    cJSON_AddStringToObject(o, key, buf);
}

/* A day in [lo, hi] not yet given to another date field, or -1. */
static int fresh_day(Gen *g, int lo, int hi)
{
    if (lo < 1) lo = 1;
    for (int tries = 0; tries < 20 && lo <= hi; tries++) {
        int d = irange(g, lo, hi);
        if (!g->used[d]) {
            g->used[d] = 1;
            return d;
        }
    }
    return -1;
}

static void id(char *buf, const char *prefix, int i) { snprintf(buf, 16, "%s%d", prefix, i); }

static cJSON *condition(Gen *g, int depth);

static cJSON *atom(Gen *g)
{
    cJSON *c = cJSON_CreateObject();
    char q[48];
    double x;
    int r = irange(g, 0, 99);
    int res = irange(g, 0, g->nres - 1);
    double flow = fmax(g->res_rate[res], 20) * g->days * 0.6;
    if (r < 30) {
        snprintf(q, sizeof q, "stock.s%d", irange(g, 0, g->nstocks - 1));
        x = roundq(unif(g, 1, 2500), 0.001);
    } else if (r < 42) {
        snprintf(q, sizeof q, "produced.r%d", res);
        x = roundq(unif(g, 1, flow), 0.001);
    } else if (r < 52) {
        snprintf(q, sizeof q, "consumed.r%d", res);
        x = roundq(unif(g, 1, flow), 0.001);
    } else if (r < 58) {
        snprintf(q, sizeof q, "shortfall.r%d", res);
        x = roundq(unif(g, 1, flow * 0.3), 0.001);
    } else if (r < 62) {
        snprintf(q, sizeof q, "shortfall.stock.s%d", irange(g, 0, g->nstocks - 1));
        x = roundq(unif(g, 1, flow * 0.3), 0.001);
    } else if (r < 72 && g->nroutes > 0) {
        int k = irange(g, 0, 2);
        if (k == 0) snprintf(q, sizeof q, "delivered.r%d", res);
        else snprintf(q, sizeof q, "%s.route.t%d", k == 1 ? "delivered" : "voyages", irange(g, 0, g->nroutes - 1));
        x = k == 2 ? irange(g, 0, 6) + 0.5 : roundq(unif(g, 1, 4000), 0.001);
    } else if (r < 84 && g->nevents > 0) {
        snprintf(q, sizeof q, "event.e%d", irange(g, 0, g->nevents - 1));
        x = irange(g, 0, 2) + 0.5;
    } else {
        snprintf(q, sizeof q, "day");
        x = roundq(unif(g, 0.1, g->days), 0.001);
    }
    static const char *const ops[] = { ">=", ">", "<=", "<" };
    cJSON_AddStringToObject(c, "quantity", q);
    cJSON_AddNumberToObject(c, ops[irange(g, 0, 3)], x);
    return c;
}

/* A condition's truth on day 0 before anything happens, from the initial
 * levels (every running total, count and the day are 0). `stock_only` is
 * cleared when it reads anything but stock levels and stock shortfalls. */
static int at_start(const Gen *g, const cJSON *c, int *stock_only)
{
    const cJSON *j;
    int n;
    if ((j = cJSON_GetObjectItemCaseSensitive(c, "quantity"))) {
        double v = 0;
        if (sscanf(j->valuestring, "stock.s%d", &n) == 1) v = g->stock_init[n];
        else if (strncmp(j->valuestring, "shortfall.stock.", 16) != 0) *stock_only = 0;
        const cJSON *x = c->child->next;
        const char *op = x->string;
        return strcmp(op, ">=") == 0 ? v >= x->valuedouble : strcmp(op, ">") == 0 ? v > x->valuedouble
             : strcmp(op, "<=") == 0 ? v <= x->valuedouble : v < x->valuedouble;
    }
    if (cJSON_GetObjectItemCaseSensitive(c, "after")) {
        *stock_only = 0;
        return 0;
    }
    if (cJSON_GetObjectItemCaseSensitive(c, "before")) {
        *stock_only = 0;
        return 1;
    }
    if ((j = cJSON_GetObjectItemCaseSensitive(c, "not"))) return !at_start(g, j, stock_only);
    int all = cJSON_GetObjectItemCaseSensitive(c, "all") != NULL, acc = all;
    j = all ? cJSON_GetObjectItemCaseSensitive(c, "all") : cJSON_GetObjectItemCaseSensitive(c, "any");
    const cJSON *e;
    cJSON_ArrayForEach(e, j) {
        int k = at_start(g, e, stock_only);
        acc = all ? acc && k : acc || k;
    }
    return acc;
}

/* A `when` condition that holds on day 0 is redrawn: several events that
 * all happen at day 0 make a many-way tie whose order the documentation
 * does not fix (the engine takes them by category), and their effects need
 * not commute. (Stock-only conditions holding on day 0 were redrawn for
 * metrics too while the engine missed them: tests/oracle/cases/initial-stock.) */
static cJSON *condition1(Gen *g, int depth);

static cJSON *condition_for(Gen *g, int depth, int for_event)
{
    for (;;) {
        cJSON *c = condition1(g, depth);
        int stock_only = 1, now = at_start(g, c, &stock_only);
        if (!now || !for_event) return c;
        cJSON_Delete(c);
    }
}

static cJSON *condition(Gen *g, int depth)
{
    return depth > 0 ? condition1(g, depth) : condition_for(g, depth, 0);
}

static cJSON *condition1(Gen *g, int depth)
{
    double r = unif(g, 0, 1);
    if (depth < 2 && r < 0.15) {
        cJSON *c = cJSON_CreateObject(), *kids = cJSON_AddArrayToObject(c, chance(g, 0.5) ? "all" : "any");
        int n = irange(g, 2, 3);
        for (int k = 0; k < n; k++) cJSON_AddItemToArray(kids, condition(g, depth + 1));
        return c;
    }
    if (depth < 2 && r < 0.22) {
        cJSON *c = cJSON_CreateObject();
        cJSON_AddItemToObject(c, "not", condition(g, depth + 1));
        return c;
    }
    if (r < 0.28) {
        cJSON *c = cJSON_CreateObject();
        add_date(c, chance(g, 0.5) ? "after" : "before", irange(g, 1, g->days - 1));
        return c;
    }
    return atom(g);
}

static cJSON *effect(Gen *g, int ev)
{
    cJSON *e = cJSON_CreateObject();
    char path[64];
    int r = irange(g, 0, 99);
    int nhaz = 0;
    for (int k = 0; k < g->nevents; k++) nhaz += g->ev_hazard[k];
    if (r < 35 && g->nprod + g->ncons > 0) {
        int k = irange(g, 0, g->nprod + g->ncons - 1);
        if (k < g->nprod) snprintf(path, sizeof path, "producers.p%d.rate", k);
        else snprintf(path, sizeof path, "consumers.u%d.rate", k - g->nprod);
        int how = irange(g, 0, 2);
        if (how == 0) {
            cJSON_AddStringToObject(e, "set", path);
            cJSON_AddNumberToObject(e, "value", chance(g, 0.3) ? 0 : roundq(unif(g, 0.5, 150), 0.01));
        } else if (how == 1) {
            static const double by[] = { 0, 0.5, 2, 1.37 };
            cJSON_AddStringToObject(e, "scale", path);
            cJSON_AddNumberToObject(e, "by", by[irange(g, 0, 3)]);
        } else {
            cJSON_AddStringToObject(e, "add", path);
            cJSON_AddNumberToObject(e, "value", roundq(unif(g, 0.5, 50), 0.01));
        }
    } else if (r < 47 && nhaz > 0) {
        int k;
        do k = irange(g, 0, g->nevents - 1);
        while (!g->ev_hazard[k]);
        snprintf(path, sizeof path, "events.e%d.hazard", k);
        cJSON_AddStringToObject(e, "set", path);
        cJSON_AddNumberToObject(e, "value", chance(g, 0.5) ? 0 : 1e12);
    } else if (r < 52 && g->nroutes > 0) {
        /* Route parameters: transit (taken at departure), return (at
         * arrival; only where the route has one), container (when a carrier
         * starts waiting), dud (at arrival). */
        int k = irange(g, 0, g->nroutes - 1), which = irange(g, 0, 3);
        if (which == 1 && !g->route_return[k]) which = 0;
        static const char *const field[] = { "transit", "return", "container", "dud" };
        snprintf(path, sizeof path, "routes.t%d.%s", k, field[which]);
        cJSON_AddStringToObject(e, "set", path);
        cJSON_AddNumberToObject(e, "value", which == 2 ? irange(g, 1, 40) : which == 3 ? roundq(unif(g, 0, 0.5), 0.01)
                                                                         : roundq(unif(g, 0.3, 12), 0.001));
    } else if (r < 66 && g->nroutes > 0) {
        snprintf(path, sizeof path, "t%d", irange(g, 0, g->nroutes - 1));
        /* Any route, also one whose origin stock other routes load at
         * (tests/oracle/cases/close-wake). */
        cJSON_AddStringToObject(e, chance(g, 0.5) ? "close" : "open", path);
    } else if (r < 76) {
        snprintf(path, sizeof path, "s%d", irange(g, 0, g->nstocks - 1));
        cJSON_AddStringToObject(e, "stock", path);
        cJSON_AddNumberToObject(e, "add", roundq(unif(g, 1, 1000), 0.01));
    } else if (r < 86) {
        snprintf(path, sizeof path, "s%d", irange(g, 0, g->nstocks - 1));
        cJSON_AddStringToObject(e, "stock", path);
        cJSON_AddNumberToObject(e, "destroy", chance(g, 0.2) ? 1 : roundq(unif(g, 0.05, 0.95), 0.01));
    } else if (ev + 1 < g->nevents) {
        /* Any later event, conditional ones too: a `when` event made to
         * happen this way counts toward its `max` (tests/oracle/cases/when-max). */
        snprintf(path, sizeof path, "e%d", irange(g, ev + 1, g->nevents - 1));
        cJSON_AddStringToObject(e, "event", path);
    } else {
        snprintf(path, sizeof path, "s%d", irange(g, 0, g->nstocks - 1));
        cJSON_AddStringToObject(e, "stock", path);
        cJSON_AddNumberToObject(e, "add", roundq(unif(g, 1, 500), 0.01));
    }
    return e;
}

static void flows(Gen *g, cJSON *doc, const char *list, const char *prefix, int n)
{
    cJSON *arr = cJSON_AddArrayToObject(doc, list);
    for (int i = 0; i < n; i++) {
        cJSON *f = cJSON_CreateObject();
        char buf[16];
        id(buf, prefix, i);
        cJSON_AddStringToObject(f, "id", buf);
        int s = irange(g, 0, g->nstocks - 1);
        id(buf, "s", s);
        cJSON_AddStringToObject(f, "stock", buf);
        double rate = chance(g, 0.15) ? 0 : roundq(unif(g, 0.5, 150), 0.01);
        cJSON_AddNumberToObject(f, "rate", rate);
        if (prefix[0] == 'p') g->res_rate[g->stock_res[s]] += rate;
        int start = chance(g, 0.3) ? fresh_day(g, 1, g->days - 2) : -1;
        if (start >= 0) add_date(f, "start", start);
        if (chance(g, 0.3)) {
            int end = fresh_day(g, start >= 0 ? start : 1, g->days - 2);
            if (end >= 0) add_date(f, "end", end);
        }
        cJSON_AddItemToArray(arr, f);
    }
}

char *oracle_generate(uint64_t seed)
{
    Gen G, *g = &G;
    memset(g, 0, sizeof *g);
    g->s = seed * 0x2545f4914f6cdd1dull + 0x1234567ull;
    g->days = irange(g, 40, 200);
    cJSON *doc = cJSON_CreateObject();
    char name[32], buf[16];
    snprintf(name, sizeof name, "oracle-%llu", (unsigned long long)seed);
    cJSON_AddNumberToObject(doc, "salvo", 1);
    cJSON_AddStringToObject(doc, "name", name);
    cJSON *cal = cJSON_AddObjectToObject(doc, "calendar");
    add_date(cal, "start", 0);
    add_date(cal, "end", g->days);
    cJSON *actors = cJSON_AddArrayToObject(doc, "actors"), *a = cJSON_CreateObject();
    cJSON_AddStringToObject(a, "id", "a");
    cJSON_AddItemToArray(actors, a);
    cJSON *places = cJSON_AddArrayToObject(doc, "places"), *p = cJSON_CreateObject();
    cJSON_AddStringToObject(p, "id", "p");
    cJSON_AddStringToObject(p, "kind", "depot");
    cJSON_AddNumberToObject(p, "lat", 0);
    cJSON_AddNumberToObject(p, "lon", 0);
    cJSON_AddItemToArray(places, p);

    g->nres = chance(g, 0.7) ? 1 : 2;
    cJSON *res = cJSON_AddArrayToObject(doc, "resources");
    for (int i = 0; i < g->nres; i++) {
        cJSON *r = cJSON_CreateObject();
        id(buf, "r", i);
        cJSON_AddStringToObject(r, "id", buf);
        cJSON_AddItemToArray(res, r);
    }

    g->nstocks = irange(g, 1, 4);
    cJSON *stocks = cJSON_AddArrayToObject(doc, "stocks");
    for (int i = 0; i < g->nstocks; i++) {
        cJSON *s = cJSON_CreateObject();
        id(buf, "s", i);
        cJSON_AddStringToObject(s, "id", buf);
        cJSON_AddStringToObject(s, "place", "p");
        g->stock_res[i] = irange(g, 0, g->nres - 1);
        id(buf, "r", g->stock_res[i]);
        cJSON_AddStringToObject(s, "resource", buf);
        g->stock_init[i] = chance(g, 0.3) ? 0 : roundq(unif(g, 0, 2000), 0.01);
        if (g->stock_init[i] > 0) cJSON_AddNumberToObject(s, "initial", g->stock_init[i]);
        g->stock_cap[i] = INFINITY;
        if (chance(g, 0.35)) {
            g->stock_cap[i] = ceil(g->stock_init[i]) + irange(g, 1, 3000);
            cJSON_AddNumberToObject(s, "capacity", g->stock_cap[i]);
        }
        cJSON_AddItemToArray(stocks, s);
    }

    g->nprod = irange(g, 0, 3);
    g->ncons = irange(g, 0, 3);
    flows(g, doc, "producers", "p", g->nprod);
    flows(g, doc, "consumers", "u", g->ncons);

    cJSON *routes = cJSON_AddArrayToObject(doc, "routes");
    int want = g->nstocks >= 2 ? irange(g, 0, 3) : 0;
    for (int i = 0; i < want; i++) {
        int from = irange(g, 0, g->nstocks - 1), to = -1;
        for (int tries = 0; tries < 10 && to < 0; tries++) {
            int k = irange(g, 0, g->nstocks - 1);
            if (k != from && g->stock_res[k] == g->stock_res[from]) to = k;
        }
        if (to < 0) continue;
        cJSON *r = cJSON_CreateObject();
        id(buf, "t", g->nroutes++);
        cJSON_AddStringToObject(r, "id", buf);
        cJSON_AddStringToObject(r, "mode", "rail");
        id(buf, "s", from);
        cJSON_AddStringToObject(r, "from", buf);
        id(buf, "s", to);
        cJSON_AddStringToObject(r, "to", buf);
        cJSON_AddNumberToObject(r, "transit", roundq(unif(g, 0.3, 12), 0.001));
        g->route_return[g->nroutes - 1] = chance(g, 0.5);
        if (g->route_return[g->nroutes - 1]) cJSON_AddNumberToObject(r, "return", roundq(unif(g, 0.2, 8), 0.001));
        double container = chance(g, 0.5) ? 1 : irange(g, 2, 40);
        if (container != 1) cJSON_AddNumberToObject(r, "container", container);
        if (chance(g, 0.2)) cJSON_AddNumberToObject(r, "dud", roundq(unif(g, 0, 0.5), 0.01));
        if (chance(g, 0.15)) cJSON_AddFalseToObject(r, "open");
        cJSON *cs = cJSON_AddArrayToObject(r, "carriers");
        int nc = irange(g, 1, 3);
        for (int k = 0; k < nc; k++) {
            cJSON *c = cJSON_CreateObject();
            id(buf, "k", k);
            cJSON_AddStringToObject(c, "id", buf);
            double target = unif(g, 20, 1500);
            cJSON_AddNumberToObject(c, "containers", fmax(1, round(target / container)));
            int first = chance(g, 0.2) ? fresh_day(g, 1, g->days - 2) : -1;
            int every = chance(g, 0.2);
            /* A schedule carrier starts on a day of its own, so that its slots
             * rarely meet another carrier's departure at one instant (an order
             * the documentation leaves open; see ref.c, compete). */
            if (every && first < 0) first = fresh_day(g, 1, g->days / 2);
            if (first >= 0) add_date(c, "first", first);
            if (every) {
                cJSON_AddNumberToObject(c, "every", roundq(unif(g, 1, 15), 0.01));
            } else {
                if (chance(g, 0.4)) cJSON_AddNumberToObject(c, "min_load", roundq(unif(g, 0.1, 1), 0.01));
                if (first < 0 && chance(g, 0.08)) cJSON_AddNumberToObject(c, "max_wait", roundq(unif(g, 1, 20), 0.01));
            }
            /* Schedule carriers too: identical ones share their slots to
             * the bit (tests/oracle/cases/slot-residue). */
            if (chance(g, 0.2)) cJSON_AddNumberToObject(c, "count", irange(g, 2, 3));
            cJSON_AddItemToArray(cs, c);
        }
        cJSON_AddItemToArray(routes, r);
    }

    /* Event kinds first: effects may name any event and switch hazards. */
    g->nevents = irange(g, 0, 5);
    int *kind = g->ev_kind;
    for (int i = 0; i < g->nevents; i++) {
        int r = irange(g, 0, 99);
        kind[i] = r < 35 ? 0 : r < 70 ? 1 : r < 85 ? 2 : 3;  /* at, when, hazard, none */
        g->ev_hazard[i] = kind[i] == 2;
    }
    cJSON *events = cJSON_AddArrayToObject(doc, "events");
    for (int i = 0; i < g->nevents; i++) {
        cJSON *e = cJSON_CreateObject();
        id(buf, "e", i);
        cJSON_AddStringToObject(e, "id", buf);
        if (kind[i] == 0) {
            int d = fresh_day(g, 1, g->days - 1);
            add_date(e, "at", d >= 0 ? d : 1);
        } else if (kind[i] == 1) {
            cJSON_AddItemToObject(e, "when", condition_for(g, 0, 1));
            if (chance(g, 0.4)) cJSON_AddNumberToObject(e, "max", irange(g, 1, 3));
        } else if (kind[i] == 2) {
            cJSON_AddNumberToObject(e, "hazard", chance(g, 0.5) ? 0 : 1e12);
            cJSON_AddNumberToObject(e, "max", irange(g, 1, 2));
            int from = chance(g, 0.5) ? fresh_day(g, 1, g->days - 2) : -1;
            if (from >= 0) add_date(e, "from", from);
            if (chance(g, 0.3)) {
                int until = fresh_day(g, (from >= 0 ? from : 0) + 1, g->days - 1);
                if (until >= 0) add_date(e, "until", until);
            }
        }
        if (chance(g, 0.25)) cJSON_AddNumberToObject(e, "delay", roundq(unif(g, 0, 10), 0.01));
        cJSON *effs = cJSON_AddArrayToObject(e, "effects");
        int n = irange(g, 0, 3);
        for (int k = 0; k < n; k++) cJSON_AddItemToArray(effs, effect(g, i));
        cJSON_AddItemToArray(events, e);
    }

    cJSON *metrics = cJSON_AddArrayToObject(doc, "metrics");
    char q[48], mid[64];
#define TOTAL(...) do { snprintf(q, sizeof q, __VA_ARGS__); cJSON *m = cJSON_CreateObject(); \
        snprintf(mid, sizeof mid, "total-%s", q); for (char *c = mid; *c; c++) if (*c == '.') *c = '-'; \
        cJSON_AddStringToObject(m, "id", mid); cJSON_AddStringToObject(m, "total", q); \
        cJSON_AddItemToArray(metrics, m); } while (0)
    for (int i = 0; i < g->nres; i++) {
        TOTAL("produced.r%d", i);
        TOTAL("consumed.r%d", i);
        TOTAL("shortfall.r%d", i);
        TOTAL("delivered.r%d", i);
        TOTAL("duds.r%d", i);
    }
    for (int i = 0; i < g->nstocks; i++) {
        TOTAL("stock.s%d", i);
        TOTAL("shortfall.stock.s%d", i);
    }
    for (int i = 0; i < g->nroutes; i++) {
        TOTAL("delivered.route.t%d", i);
        TOTAL("voyages.route.t%d", i);
    }
    for (int i = 0; i < g->nevents; i++) TOTAL("event.e%d", i);
#undef TOTAL
    int n = irange(g, 1, 4);
    for (int i = 0; i < n; i++) {
        cJSON *m = cJSON_CreateObject();
        snprintf(mid, sizeof mid, "time-%d", i);
        cJSON_AddStringToObject(m, "id", mid);
        cJSON_AddItemToObject(m, "time_of", condition(g, 0));
        cJSON_AddItemToArray(metrics, m);
    }
    n = irange(g, 1, 3);
    for (int i = 0; i < n; i++) {
        cJSON *m = cJSON_CreateObject();
        snprintf(mid, sizeof mid, "by-%d", i);
        cJSON_AddStringToObject(m, "id", mid);
        cJSON_AddItemToObject(m, "happened", condition(g, 0));
        int d = fresh_day(g, 1, g->days - 1);
        add_date(m, "by", d >= 0 ? d : g->days / 2);
        cJSON_AddItemToArray(metrics, m);
    }
    n = irange(g, 0, 2);
    for (int i = 0; i < n; i++) {
        cJSON *m = cJSON_CreateObject();
        snprintf(mid, sizeof mid, "level-%d", i);
        cJSON_AddStringToObject(m, "id", mid);
        int k = irange(g, 0, 2);
        if (k == 0) snprintf(q, sizeof q, "stock.s%d", irange(g, 0, g->nstocks - 1));
        else snprintf(q, sizeof q, "%s.r%d", k == 1 ? "consumed" : "shortfall", irange(g, 0, g->nres - 1));
        cJSON_AddStringToObject(m, "level", q);
        cJSON_AddNumberToObject(m, "every", roundq(unif(g, 1, 20), 0.25));
        cJSON_AddItemToArray(metrics, m);
    }
    char *text = cJSON_Print(doc);
    cJSON_Delete(doc);
    return text;
}
