/* ref.c — the oracle's reference integrator: what a deterministic scenario
 * should give, computed from the documentation (docs/scenario.md,
 * docs/models.md, docs/oracle.md), not from sim/.
 *
 * Method: exact piecewise-linear arithmetic, event to event. Between two
 * stops every stock level and every cumulative amount is linear in time, so
 * the loop advances straight to the earliest of: the next discrete action
 * (a flow starting or ending, a dated event, an arrival, a return, a
 * schedule slot, a delayed effect), a stock reaching zero or its capacity
 * (the flow regime changes there), the first waiting carrier's load
 * threshold, the crossing of any watched threshold, a sample time, the end.
 * Each crossing is solved from the current rates: t + (x - q) / rate.
 *
 * Invariant: between stops no stock changes regime and no comparison in a
 * watched condition changes its truth value, so evaluating conditions at
 * each stop (as limits from the right: "true from the first instant it
 * holds") finds every first instant exactly.
 *
 * Deliberately simple: fixed-size arrays, linear scans for the next action
 * (scenarios here have a handful of components), no shared code with sim/.
 * Anything the reference does not model makes oracle_reference() refuse the
 * scenario with the reason, rather than guess.
 */
#include "oracle.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const OracleSemantics ORACLE_DOCUMENTED = { 1, 1 };

#define NMAX 64          /* stocks, flows, routes, events, metrics: each at most */
#define CMAX 128         /* carriers, counts expanded */
#define AMAX 8192        /* pending actions */
#define NODEMAX 512      /* condition nodes */
#define EFFMAX 512       /* effects */
#define CERTAIN 1e9      /* a hazard at least this is "certain": it fires as soon as armed */

enum { Q_STOCK, Q_STOCK_SHORT, Q_PRODUCED, Q_CONSUMED, Q_SHORTFALL, Q_DELIVERED, Q_DUDS, Q_ZERO,
       Q_R_DELIVERED, Q_R_VOYAGES, Q_EVENT, Q_DAY };
enum { N_CMP, N_ALL, N_ANY, N_NOT };
enum { CMP_GE, CMP_GT, CMP_LE, CMP_LT };
enum { E_SET, E_SCALE, E_ADD, E_CLOSE, E_OPEN, E_STOCK_ADD, E_STOCK_DESTROY, E_EVENT };
enum { P_PROD_RATE, P_CONS_RATE, P_TRANSIT, P_RETURN, P_CONTAINER, P_DUD, P_HAZARD };
enum { T_NONE, T_AT, T_HAZARD, T_WHEN };
enum { W_WAIT, W_TRAVEL, W_BACK };
enum { A_FLOW, A_AT, A_EFFECTS, A_ARRIVE, A_RETURN, A_SLOT, A_MAXWAIT, A_FIRST, A_HAZARD };

typedef struct Qty { int kind, idx; } Qty;

typedef struct Node {
    int op, cmp;
    Qty q;
    double x;
    int kid[16], nkids;
} Node;

typedef struct Effect {
    int kind, ptype, idx;
    double value;
} Effect;

typedef struct RStock {
    char id[64];
    int res, terminal;
    double L, C, produced, consumed, shortfall, in, dem;
    int queue[CMAX], nq;
} RStock;

typedef struct RFlow {
    char id[64];
    int stock, consumer, active;
    double rate, start, end;
} RFlow;

typedef struct RRoute {
    char id[64];
    int from, to, open;
    double transit, ret, container, dud, delivered, voyages;
} RRoute;

typedef struct RCarrier {
    int route;
    double containers, min_load, max_wait, first, every;
    int state, gen;
    int activated;      /* fill policy: has joined the loading (see late_look) */
    int waited_out;     /* its max_wait ran out while it waited */
    int starved;        /* ... and then there was nothing to take */
    double wait_since, cap, cargo;
} RCarrier;

typedef struct REvent {
    char id[64];
    int trig, max, cond, eff0, neff, prev, hz_action;
    double at, from, until, hazard, delay, count;
} REvent;

typedef struct RMetric {
    char id[64];
    OracleKind kind;
    Qty q;
    int cond;
    double by, every, first_t;
    int nseries;
    OracleValue *samples;   /* every value the quantity took at each sample instant */
} RMetric;

typedef struct Action {
    double t;
    int cls, kind, a, gen, live;
    long seq;
} Action;

typedef struct Ref {
    const OracleSemantics *sem;
    int reverse;                       /* same-instant actions in reverse order */
    int watch_reverse;                 /* watchers looked at in reverse order */
    int trace;                         /* ORACLE_TRACE set: departures to stderr */
    int late_look;                     /* conditions first looked at after day 0's actions */
    int blind;                         /* ... and not yet looked at */
    int departed0, fired0;             /* a carrier left / a `when` event happened at day 0 */
    double t, end;
    char res[4][64];
    int nres;
    RStock st[NMAX];
    int nst;
    RFlow fl[NMAX];
    int nfl;
    RRoute rt[NMAX];
    int nrt;
    RCarrier ca[CMAX];
    int nca;
    REvent ev[NMAX];
    int nev;
    RMetric me[NMAX];
    int nme;
    Node node[NODEMAX];
    int nnode;
    Effect eff[EFFMAX];
    int neff;
    double delivered[4], duds[4];
    Action act[AMAX];
    int nact;
    long seq;
    int nesting;
    int fragile;
    char why[256];
} Ref;

/* --- reading ----------------------------------------------------------------- */

static long days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    long era = (y >= 0 ? y : y - 399) / 400;
    long yoe = y - era * 400;
    long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static int bad(Ref *R, const char *what)
{
    if (!R->why[0]) snprintf(R->why, sizeof R->why, "reference: %s", what);
    return -1;
}

static int parse_date(const cJSON *j, long *out)
{
    int y, m, d;
    if (!cJSON_IsString(j) || sscanf(j->valuestring, "%d-%d-%d", &y, &m, &d) != 3) return -1;
    *out = days_from_civil(y, m, d);
    return 0;
}

static long g_start;  /* set per parse; only read by day_of */

static double day_of(Ref *R, const cJSON *obj, const char *key, double dflt, int *err)
{
    const cJSON *j = cJSON_GetObjectItemCaseSensitive(obj, key);
    long d;
    if (!j) return dflt;
    if (parse_date(j, &d)) {
        *err = bad(R, "bad date");
        return dflt;
    }
    return (double)(d - g_start);
}

/* A constant parameter: a number, {"dist":"constant","value":x} or an
 * assumption record around either. */
static double param(Ref *R, const cJSON *obj, const char *key, double dflt, int *err)
{
    const cJSON *j = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!j) return dflt;
    for (int depth = 0; depth < 3; depth++) {
        if (cJSON_IsNumber(j)) return j->valuedouble;
        if (!cJSON_IsObject(j)) break;
        const cJSON *dist = cJSON_GetObjectItemCaseSensitive(j, "dist");
        if (dist) {
            if (!cJSON_IsString(dist) || strcmp(dist->valuestring, "constant") != 0) break;
            j = cJSON_GetObjectItemCaseSensitive(j, "value");
        } else {
            j = cJSON_GetObjectItemCaseSensitive(j, "value");
        }
        if (!j) break;
    }
    *err = bad(R, "a parameter that is not a constant");
    return dflt;
}

static const char *str(const cJSON *obj, const char *key)
{
    const cJSON *j = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsString(j) ? j->valuestring : NULL;
}

static int find_id(const char *want, const char *ids, size_t stride, int n)
{
    for (int i = 0; want && i < n; i++)
        if (strcmp(ids + (size_t)i * stride, want) == 0) return i;
    return -1;
}

#define FIND(R, arr, n, want) find_id((want), (const char *)(arr)[0].id, sizeof (arr)[0], (n))

static int find_res(Ref *R, const char *id)
{
    for (int i = 0; id && i < R->nres; i++)
        if (strcmp(R->res[i], id) == 0) return i;
    return -1;
}

static int parse_qty(Ref *R, const char *s, Qty *q)
{
    static const struct { const char *prefix; int kind, space; } forms[] = {
        { "shortfall.stock.", Q_STOCK_SHORT, 0 }, { "delivered.route.", Q_R_DELIVERED, 2 },
        { "voyages.route.", Q_R_VOYAGES, 2 }, { "lost.route.", Q_ZERO, 2 }, { "losses.route.", Q_ZERO, 2 },
        { "stock.", Q_STOCK, 0 }, { "produced.", Q_PRODUCED, 1 }, { "consumed.", Q_CONSUMED, 1 },
        { "shortfall.", Q_SHORTFALL, 1 }, { "delivered.", Q_DELIVERED, 1 }, { "duds.", Q_DUDS, 1 },
        { "lost.", Q_ZERO, 1 }, { "event.", Q_EVENT, 3 },
    };
    if (!s) return bad(R, "a quantity that is not a string");
    if (strcmp(s, "day") == 0) {
        *q = (Qty){ Q_DAY, 0 };
        return 0;
    }
    for (size_t k = 0; k < sizeof forms / sizeof forms[0]; k++) {
        size_t n = strlen(forms[k].prefix);
        if (strncmp(s, forms[k].prefix, n) != 0) continue;
        const char *id = s + n;
        int idx = forms[k].space == 0 ? FIND(R, R->st, R->nst, id)
                : forms[k].space == 1 ? find_res(R, id)
                : forms[k].space == 2 ? FIND(R, R->rt, R->nrt, id) : FIND(R, R->ev, R->nev, id);
        if (idx < 0) return bad(R, "a quantity naming something unknown");
        *q = (Qty){ forms[k].kind, idx };
        return 0;
    }
    return bad(R, "a quantity the reference does not model");
}

static int parse_cond(Ref *R, const cJSON *c)
{
    if (!cJSON_IsObject(c) || R->nnode >= NODEMAX) return bad(R, "condition");
    int n = R->nnode++;
    Node *nd = &R->node[n];
    memset(nd, 0, sizeof *nd);
    static const char *const ops[] = { ">=", ">", "<=", "<" };
    const cJSON *j;
    if ((j = cJSON_GetObjectItemCaseSensitive(c, "quantity"))) {
        nd->op = N_CMP;
        if (parse_qty(R, cJSON_IsString(j) ? j->valuestring : NULL, &nd->q)) return -1;
        for (int k = 0; k < 4; k++) {
            const cJSON *x = cJSON_GetObjectItemCaseSensitive(c, ops[k]);
            if (cJSON_IsNumber(x)) {
                nd->cmp = k;
                nd->x = x->valuedouble;
                return n;
            }
        }
        return bad(R, "a comparison other than >=, >, <=, <");
    }
    if ((j = cJSON_GetObjectItemCaseSensitive(c, "after")) || (j = cJSON_GetObjectItemCaseSensitive(c, "before"))) {
        long d;
        if (parse_date(j, &d)) return bad(R, "bad date in a condition");
        nd->op = N_CMP;
        nd->q = (Qty){ Q_DAY, 0 };
        nd->cmp = cJSON_GetObjectItemCaseSensitive(c, "after") ? CMP_GE : CMP_LT;
        nd->x = (double)(d - g_start);
        return n;
    }
    const char *names[] = { "all", "any", "not" };
    for (int k = 0; k < 3; k++) {
        if (!(j = cJSON_GetObjectItemCaseSensitive(c, names[k]))) continue;
        nd->op = N_ALL + k;
        if (k == 2) {
            int kid = parse_cond(R, j);
            if (kid < 0) return -1;
            R->node[n].kid[0] = kid;
            R->node[n].nkids = 1;
            return n;
        }
        const cJSON *e;
        cJSON_ArrayForEach(e, j) {
            int kid = parse_cond(R, e);
            if (kid < 0 || R->node[n].nkids >= 16) return bad(R, "condition");
            R->node[n].kid[R->node[n].nkids++] = kid;
        }
        return n;
    }
    return bad(R, "a condition form the reference does not model");
}

static int parse_path(Ref *R, const char *path, Effect *e)
{
    char a[64], b[64], c[64];
    if (!path || sscanf(path, "%63[^.].%63[^.].%63s", a, b, c) != 3) return bad(R, "effect path");
    if (strcmp(a, "producers") == 0 && strcmp(c, "rate") == 0) {
        e->ptype = P_PROD_RATE;
        for (int i = 0; i < R->nfl; i++)
            if (!R->fl[i].consumer && strcmp(R->fl[i].id, b) == 0) e->idx = i;
    } else if (strcmp(a, "consumers") == 0 && strcmp(c, "rate") == 0) {
        e->ptype = P_CONS_RATE;
        for (int i = 0; i < R->nfl; i++)
            if (R->fl[i].consumer && strcmp(R->fl[i].id, b) == 0) e->idx = i;
    } else if (strcmp(a, "routes") == 0) {
        e->idx = FIND(R, R->rt, R->nrt, b);
        e->ptype = strcmp(c, "transit") == 0 ? P_TRANSIT : strcmp(c, "return") == 0 ? P_RETURN
                 : strcmp(c, "container") == 0 ? P_CONTAINER : strcmp(c, "dud") == 0 ? P_DUD : -1;
    } else if (strcmp(a, "events") == 0 && strcmp(c, "hazard") == 0) {
        e->ptype = P_HAZARD;
        e->idx = FIND(R, R->ev, R->nev, b);
    } else {
        return bad(R, "an effect path the reference does not model");
    }
    if (e->idx < 0 || e->ptype < 0) return bad(R, "an effect path the reference does not model");
    return 0;
}

static int parse_effects(Ref *R, const cJSON *list, int *first, int *n)
{
    *first = R->neff;
    *n = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, list) {
        if (R->neff >= EFFMAX) return bad(R, "too many effects");
        Effect *f = &R->eff[R->neff];
        memset(f, 0, sizeof *f);
        f->idx = -1;
        int err = 0;
        const char *s;
        if ((s = str(e, "set")) || (s = str(e, "scale")) || (s = str(e, "add"))) {
            f->kind = str(e, "set") ? E_SET : str(e, "scale") ? E_SCALE : E_ADD;
            if (parse_path(R, s, f)) return -1;
            f->value = param(R, e, f->kind == E_SCALE ? "by" : "value", 0, &err);
        } else if ((s = str(e, "close")) || (s = str(e, "open"))) {
            f->kind = str(e, "close") ? E_CLOSE : E_OPEN;
            f->idx = FIND(R, R->rt, R->nrt, s);
        } else if ((s = str(e, "stock"))) {
            f->idx = FIND(R, R->st, R->nst, s);
            if (cJSON_GetObjectItemCaseSensitive(e, "add")) {
                f->kind = E_STOCK_ADD;
                f->value = param(R, e, "add", 0, &err);
            } else {
                f->kind = E_STOCK_DESTROY;
                f->value = param(R, e, "destroy", 0, &err);
            }
        } else if ((s = str(e, "event"))) {
            f->kind = E_EVENT;
            f->idx = FIND(R, R->ev, R->nev, s);
        } else {
            return bad(R, "an effect the reference does not model");
        }
        if (err || f->idx < 0) return bad(R, "effect");
        R->neff++;
        (*n)++;
    }
    return 0;
}

static int nonempty(const cJSON *doc, const char *key)
{
    const cJSON *j = cJSON_GetObjectItemCaseSensitive(doc, key);
    return j && cJSON_GetArraySize(j) > 0;
}

static int parse(Ref *R, const cJSON *doc)
{
    int err = 0;
    const cJSON *cal = cJSON_GetObjectItemCaseSensitive(doc, "calendar"), *e;
    long s, t;
    if (parse_date(cJSON_GetObjectItemCaseSensitive(cal, "start"), &s) ||
        parse_date(cJSON_GetObjectItemCaseSensitive(cal, "end"), &t))
        return bad(R, "calendar");
    g_start = s;
    R->end = (double)(t - s);
    static const char *const unmodelled[] = { "treaties", "programmes", "decisions" };
    for (size_t k = 0; k < 3; k++)
        if (nonempty(doc, unmodelled[k])) return bad(R, "treaties, programmes or decisions");
    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(doc, "resources")) {
        if (R->nres >= 4) return bad(R, "too many resources");
        snprintf(R->res[R->nres++], 64, "%s", str(e, "id"));
    }
    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(doc, "stocks")) {
        if (R->nst >= NMAX) return bad(R, "too many stocks");
        RStock *x = &R->st[R->nst++];
        snprintf(x->id, sizeof x->id, "%s", str(e, "id"));
        x->res = find_res(R, str(e, "resource"));
        x->L = param(R, e, "initial", 0, &err);
        x->C = param(R, e, "capacity", INFINITY, &err);
        x->terminal = 1;
        if (x->res < 0 || x->L > x->C) return bad(R, "stock");
    }
    for (int consumer = 0; consumer < 2; consumer++)
        cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(doc, consumer ? "consumers" : "producers")) {
            if (R->nfl >= NMAX) return bad(R, "too many flows");
            if (cJSON_GetObjectItemCaseSensitive(e, "ramp")) return bad(R, "ramp");
            RFlow *f = &R->fl[R->nfl++];
            snprintf(f->id, sizeof f->id, "%s", str(e, "id"));
            f->consumer = consumer;
            f->stock = FIND(R, R->st, R->nst, str(e, "stock"));
            f->rate = param(R, e, "rate", 0, &err);
            f->start = day_of(R, e, "start", 0, &err);
            f->end = day_of(R, e, "end", INFINITY, &err);
            if (f->stock < 0) return bad(R, "flow stock");
        }
    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(doc, "routes")) {
        if (R->nrt >= NMAX) return bad(R, "too many routes");
        RRoute *r = &R->rt[R->nrt++];
        snprintf(r->id, sizeof r->id, "%s", str(e, "id"));
        r->from = FIND(R, R->st, R->nst, str(e, "from"));
        r->to = FIND(R, R->st, R->nst, str(e, "to"));
        r->transit = param(R, e, "transit", 0, &err);
        r->ret = param(R, e, "return", -1, &err);
        r->container = param(R, e, "container", 1, &err);
        r->dud = param(R, e, "dud", 0, &err);
        if (param(R, e, "loss", 0, &err) != 0) return bad(R, "a route with losses");
        const cJSON *o = cJSON_GetObjectItemCaseSensitive(e, "open");
        r->open = !cJSON_IsFalse(o);
        if (r->from < 0 || r->to < 0) return bad(R, "route stocks");
        R->st[r->from].terminal = 0;
        const cJSON *c;
        cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(e, "carriers")) {
            const cJSON *cnt = cJSON_GetObjectItemCaseSensitive(c, "count");
            int n = cJSON_IsNumber(cnt) ? cnt->valueint : 1;
            for (int k = 0; k < n; k++) {
                if (R->nca >= CMAX) return bad(R, "too many carriers");
                RCarrier *x = &R->ca[R->nca++];
                memset(x, 0, sizeof *x);
                x->route = R->nrt - 1;
                x->containers = param(R, c, "containers", 0, &err);
                const cJSON *ml = cJSON_GetObjectItemCaseSensitive(c, "min_load");
                const cJSON *mw = cJSON_GetObjectItemCaseSensitive(c, "max_wait");
                const cJSON *ev = cJSON_GetObjectItemCaseSensitive(c, "every");
                x->min_load = cJSON_IsNumber(ml) ? ml->valuedouble : 1;
                x->max_wait = cJSON_IsNumber(mw) ? mw->valuedouble : -1;
                x->every = cJSON_IsNumber(ev) ? ev->valuedouble : 0;
                x->first = day_of(R, c, "first", 0, &err);
            }
        }
    }
    /* Events in two passes: effects and conditions may name later events. */
    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(doc, "events")) {
        if (R->nev >= NMAX) return bad(R, "too many events");
        REvent *v = &R->ev[R->nev++];
        snprintf(v->id, sizeof v->id, "%s", str(e, "id"));
    }
    int i = 0;
    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(doc, "events")) {
        REvent *v = &R->ev[i++];
        const cJSON *mx = cJSON_GetObjectItemCaseSensitive(e, "max");
        v->trig = cJSON_GetObjectItemCaseSensitive(e, "at") ? T_AT
                : cJSON_GetObjectItemCaseSensitive(e, "hazard") ? T_HAZARD
                : cJSON_GetObjectItemCaseSensitive(e, "when") ? T_WHEN : T_NONE;
        v->max = cJSON_IsNumber(mx) ? mx->valueint : v->trig == T_WHEN ? 1 : 0;
        v->at = day_of(R, e, "at", 0, &err);
        v->from = day_of(R, e, "from", 0, &err);
        v->until = day_of(R, e, "until", R->end, &err);
        v->hazard = param(R, e, "hazard", 0, &err);
        v->delay = param(R, e, "delay", -1, &err);
        v->cond = -1;
        v->hz_action = -1;
        if (v->trig == T_WHEN && (v->cond = parse_cond(R, cJSON_GetObjectItemCaseSensitive(e, "when"))) < 0) return -1;
        if (parse_effects(R, cJSON_GetObjectItemCaseSensitive(e, "effects"), &v->eff0, &v->neff)) return -1;
    }
    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(doc, "metrics")) {
        if (R->nme >= NMAX) return bad(R, "too many metrics");
        RMetric *m = &R->me[R->nme++];
        memset(m, 0, sizeof *m);
        snprintf(m->id, sizeof m->id, "%s", str(e, "id"));
        m->cond = -1;
        m->first_t = INFINITY;
        const cJSON *j;
        if ((j = cJSON_GetObjectItemCaseSensitive(e, "total"))) {
            m->kind = OK_TOTAL;
            if (parse_qty(R, cJSON_IsString(j) ? j->valuestring : NULL, &m->q)) return -1;
        } else if ((j = cJSON_GetObjectItemCaseSensitive(e, "time_of"))) {
            m->kind = OK_TIME;
            if ((m->cond = parse_cond(R, j)) < 0) return -1;
        } else if ((j = cJSON_GetObjectItemCaseSensitive(e, "happened"))) {
            m->kind = OK_FLAG;
            if ((m->cond = parse_cond(R, j)) < 0) return -1;
            m->by = day_of(R, e, "by", R->end, &err);
        } else if ((j = cJSON_GetObjectItemCaseSensitive(e, "level"))) {
            m->kind = OK_LEVEL;
            if (parse_qty(R, cJSON_IsString(j) ? j->valuestring : NULL, &m->q)) return -1;
            m->every = param(R, e, "every", 1, &err);
            m->nseries = (int)floor(R->end / m->every + 1e-9) + 1;
            m->samples = calloc((size_t)m->nseries, sizeof *m->samples);
            if (!m->samples) return bad(R, "out of memory");
        } else {
            return bad(R, "metric");
        }
    }
    return err ? -1 : 0;
}

/* --- flows and quantities ----------------------------------------------------- */

enum { RG_NORMAL, RG_EMPTY, RG_FULL };

static int regime(const RStock *s)
{
    double net = s->in - s->dem;
    if (net < 0 && s->L <= 1e-9) return RG_EMPTY;
    if (net > 0 && s->L >= s->C - 1e-9 * fmax(1, s->C)) return RG_FULL;
    return RG_NORMAL;
}

/* Rates of a stock's level and its three running totals, in its regime
 * (docs/models.md: empty, only the inflow is consumed and the rest of the
 * demand is shortfall; full, production is curtailed to the demand). */
static void stock_rates(const RStock *s, double *dL, double *dp, double *dc, double *ds)
{
    switch (regime(s)) {
    case RG_EMPTY: *dL = 0; *dp = s->in; *dc = s->in; *ds = s->dem - s->in; break;
    case RG_FULL: *dL = 0; *dp = s->dem; *dc = s->dem; *ds = 0; break;
    default: *dL = s->in - s->dem; *dp = s->in; *dc = s->dem; *ds = 0; break;
    }
}

static void flows_to_stocks(Ref *R)
{
    for (int i = 0; i < R->nst; i++) R->st[i].in = R->st[i].dem = 0;
    for (int i = 0; i < R->nfl; i++) {
        const RFlow *f = &R->fl[i];
        if (!f->active) continue;
        if (f->consumer) R->st[f->stock].dem += f->rate;
        else R->st[f->stock].in += f->rate;
    }
}

static double qty(const Ref *R, Qty q, double *rate)
{
    double v = 0, r = 0, dL, dp, dc, ds;
    switch (q.kind) {
    case Q_STOCK: stock_rates(&R->st[q.idx], &dL, &dp, &dc, &ds); v = R->st[q.idx].L; r = dL; break;
    case Q_STOCK_SHORT:
        stock_rates(&R->st[q.idx], &dL, &dp, &dc, &ds);
        v = R->st[q.idx].shortfall;
        r = ds;
        break;
    case Q_PRODUCED: case Q_CONSUMED: case Q_SHORTFALL:
        for (int i = 0; i < R->nst; i++) {
            const RStock *s = &R->st[i];
            if (s->res != q.idx) continue;
            stock_rates(s, &dL, &dp, &dc, &ds);
            v += q.kind == Q_PRODUCED ? s->produced : q.kind == Q_CONSUMED ? s->consumed : s->shortfall;
            r += q.kind == Q_PRODUCED ? dp : q.kind == Q_CONSUMED ? dc : ds;
        }
        break;
    case Q_DELIVERED: v = R->delivered[q.idx]; break;
    case Q_DUDS: v = R->duds[q.idx]; break;
    case Q_R_DELIVERED: v = R->rt[q.idx].delivered; break;
    case Q_R_VOYAGES: v = R->rt[q.idx].voyages; break;
    case Q_EVENT: v = R->ev[q.idx].count; break;
    case Q_DAY: v = R->t; r = 1; break;
    default: break;
    }
    if (rate) *rate = r;
    return v;
}

/* The sign of q - x at now (after = 0) or just after now (after = 1): a
 * value within rounding of x is equal to it at the instant, and just after
 * moves the way its rate points. */
static int side(const Ref *R, const Node *n, int after)
{
    double r, v = qty(R, n->q, &r), d = v - n->x;
    if (fabs(d) <= 1e-9 * fmax(1, fabs(n->x))) return !after ? 0 : r > 0 ? 1 : r < 0 ? -1 : 0;
    return d > 0 ? 1 : -1;
}

static int eval_at(const Ref *R, int n, int after)
{
    const Node *nd = &R->node[n];
    switch (nd->op) {
    case N_CMP: {
        int s = side(R, nd, after);
        return nd->cmp == CMP_GE ? s >= 0 : nd->cmp == CMP_GT ? s > 0 : nd->cmp == CMP_LE ? s <= 0 : s < 0;
    }
    case N_ALL:
        for (int k = 0; k < nd->nkids; k++)
            if (!eval_at(R, nd->kid[k], after)) return 0;
        return 1;
    case N_ANY:
        for (int k = 0; k < nd->nkids; k++)
            if (eval_at(R, nd->kid[k], after)) return 1;
        return 0;
    default: return !eval_at(R, nd->kid[0], after);
    }
}

/* A condition holds at now if it holds at the instant or just after it: a
 * stock touching its threshold holds for that instant; one rising through
 * `> x` holds from x on (the first instant is the infimum). */
static int eval(const Ref *R, int n) { return eval_at(R, n, 0) || eval_at(R, n, 1); }

/* Earliest time after now at which a comparison under node n changes truth. */
static double next_crossing(const Ref *R, int n)
{
    const Node *nd = &R->node[n];
    if (nd->op != N_CMP) {
        double t = INFINITY;
        for (int k = 0; k < nd->nkids; k++) t = fmin(t, next_crossing(R, nd->kid[k]));
        return t;
    }
    double r, v = qty(R, nd->q, &r), d = nd->x - v;
    if (r == 0 || fabs(d) <= 1e-9 * fmax(1, fabs(nd->x))) return INFINITY;
    double dt = d / r;
    return dt > 0 ? R->t + dt : INFINITY;
}

/* --- actions ------------------------------------------------------------------- */

static int schedule(Ref *R, double t, int cls, int kind, int a, int gen)
{
    int slot = -1;
    for (int i = 0; i < R->nact; i++)
        if (!R->act[i].live) {
            slot = i;
            break;
        }
    if (slot < 0) {
        if (R->nact >= AMAX) {
            R->fragile = 1;
            snprintf(R->why, sizeof R->why, "reference: too many pending actions");
            return -1;
        }
        slot = R->nact++;
    }
    R->act[slot] = (Action){ t, cls, kind, a, gen, 1, R->seq++ };
    return slot;
}

/* Times equal but for rounding (68.854 + 1.421 against 70.275) are one
 * instant: their order is a tie, tried both ways by the variants. */
static int same_instant(double a, double b) { return fabs(a - b) <= 1e-9 * fmax(1, fmax(fabs(a), fabs(b))); }

static int next_action(const Ref *R)
{
    int best = -1;
    for (int i = 0; i < R->nact; i++) {
        const Action *a = &R->act[i];
        if (!a->live) continue;
        if (best < 0) {
            best = i;
            continue;
        }
        const Action *b = &R->act[best];
        if (!same_instant(a->t, b->t)) {
            if (a->t < b->t) best = i;
        } else if (a->cls == b->cls && a->t != b->t) {
            if (R->reverse ? a->t > b->t : a->t < b->t) best = i;
        } else if (a->cls != b->cls) {
            if (a->cls < b->cls) best = i;
        } else if (R->reverse ? a->seq > b->seq : a->seq < b->seq) {
            best = i;
        }
    }
    return best;
}

static void fragile(Ref *R, const char *why)
{
    if (!R->fragile) snprintf(R->why, sizeof R->why, "fragile at day %.9g: %s", R->t, why);
    R->fragile = 1;
}

static void sample(Ref *R);

/* --- carriers -------------------------------------------------------------------- */

static int eligible(const Ref *R, int c)
{
    const RCarrier *x = &R->ca[c];
    return x->state == W_WAIT && x->activated && R->rt[x->route].open && R->t >= x->first;
}

static void begin_wait(Ref *R, int c)
{
    RCarrier *x = &R->ca[c];
    const RRoute *r = &R->rt[x->route];
    x->state = W_WAIT;
    x->wait_since = R->t;
    x->waited_out = x->starved = 0;
    x->gen++;
    x->cap = x->containers * r->container;
    if (x->every > 0) {
        x->activated = 1;
        double k = ceil((R->t - x->first) / x->every - 1e-9);
        if (k < 0) k = 0;
        double slot = x->first + k * x->every;
        if (slot <= R->end) schedule(R, fmax(slot, R->t), 0, A_SLOT, c, x->gen);
        return;
    }
    RStock *s = &R->st[r->from];
    s->queue[s->nq++] = c;
    if (x->max_wait >= 0 && R->t + x->max_wait <= R->end) schedule(R, R->t + x->max_wait, 0, A_MAXWAIT, c, x->gen);
    /* At the start, the late_look variants let each carrier join the loading
     * at its own action, in declared order among the schedule carriers' first
     * slots (as at the start "in the order they are declared"). */
    if (R->late_look && !x->activated && x->first <= R->end) schedule(R, fmax(x->first, R->t), 0, A_FIRST, c, x->gen);
    else if (x->first > R->t && x->first <= R->end) schedule(R, x->first, 0, A_FIRST, c, x->gen);
    if (!R->late_look) x->activated = 1;
}

static void depart(Ref *R, int c, double amount)
{
    RCarrier *x = &R->ca[c];
    RRoute *r = &R->rt[x->route];
    RStock *s = &R->st[r->from];
    if (x->every <= 0) {
        for (int k = 0; k < s->nq; k++)
            if (s->queue[k] == c) {
                memmove(s->queue + k, s->queue + k + 1, (size_t)(s->nq - k - 1) * sizeof *s->queue);
                s->nq--;
                break;
            }
    }
    if (R->t == 0) R->departed0 = 1;
    if (R->departed0 && R->fired0) fragile(R, "carriers leave and conditional events happen at day 0, in no documented order");
    if (R->trace) fprintf(stderr, "ref[%d] %.9g depart carrier %d route %s amount %.9g\n", R->reverse + 2 * R->watch_reverse, R->t, c, r->id, amount);
    x->state = W_TRAVEL;
    x->waited_out = x->starved = 0;
    x->gen++;
    x->cargo = amount;
    r->voyages++;
    s->L -= amount;
    if (s->L < 0) s->L = 0;
    schedule(R, R->t + r->transit, 0, A_ARRIVE, c, x->gen);
    sample(R);
}

/* Carriers at one stock at one instant: the documentation orders the fill
 * queue (arrival, then declaration) but not a schedule slot against the
 * queue, two different schedule carriers whose slots coincide, nor a
 * carrier whose max_wait has run out (leaving "with whatever") against the
 * others. When the stock cannot give each its full load the answer hangs
 * on that order: fragile. */
static int head(const Ref *R, int stock);
static double need(const RCarrier *x);

static void compete(Ref *R, int c, double L)
{
    const RCarrier *x = &R->ca[c];
    int stock = R->rt[x->route].from;
    for (int o = 0; o < R->nca; o++) {
        const RCarrier *y = &R->ca[o];
        if (o == c || R->rt[y->route].from != stock || y->state != W_WAIT || !eligible(R, o)) continue;
        if (L >= x->cap + y->cap) continue;
        if (!(x->every > 0 || y->every > 0 || x->waited_out || y->waited_out)) continue;
        if (x->every > 0 && y->every > 0 && y->route == x->route && y->cap == x->cap) continue;
        int may = 0;
        if (y->every > 0) {
            for (int i = 0; i < R->nact && !may; i++) {
                const Action *a = &R->act[i];
                may = a->live && a->kind == A_SLOT && a->a == o && same_instant(a->t, R->t) && a->gen == y->gen;
            }
        } else if (y->waited_out) {
            may = !y->starved && L > 1e-6;
        } else if (o == head(R, stock)) {
            double nd = need(y);
            may = y->cap > 0 && L >= nd - 1e-9 * fmax(1, nd);
        }
        if (may && y->cap > 0) {
            fragile(R, "carriers compete for one stock at one instant in no documented order");
            return;
        }
    }
}

static int head(const Ref *R, int stock)
{
    const RStock *s = &R->st[stock];
    for (int k = 0; k < s->nq; k++)
        if (eligible(R, s->queue[k])) return s->queue[k];
    return -1;
}

static double need(const RCarrier *x) { return x->min_load * x->cap; }

/* Carriers waiting at a stock act in their order of arrival (docs/models.md,
 * fill policy): the first eligible one leaves once the stock holds its
 * threshold; one whose max_wait has run out leaves with whatever there is
 * as soon as it may leave (its route reopens), in its turn. One whose
 * max_wait ran out when there was nothing to take is the documented
 * ambiguity "(if anything)": does it then wait for its threshold or leave
 * with the first unit? Runs where that matters are fragile. */
static int load_stock(Ref *R, int i)
{
    RStock *s = &R->st[i];
    int seen_head = 0;
    for (int k = 0; k < s->nq; k++) {
        int c = s->queue[k];
        RCarrier *x = &R->ca[c];
        if (!eligible(R, c)) continue;
        int is_head = !seen_head;
        seen_head = 1;
        if (x->waited_out) {
            double dL, dp, dc, ds;
            stock_rates(s, &dL, &dp, &dc, &ds);
            if (x->starved) {
                if (s->L > 1e-6 || dL > 0) fragile(R, "max_wait ran out with nothing to load, then the stock filled");
            } else if (s->L > 1e-6 && x->cap > 0) {
                compete(R, c, s->L);
                depart(R, c, fmin(s->L, x->cap));
                return 1;
            } else {
                x->starved = 1;
            }
            continue;
        }
        double nd = need(x);
        if (is_head && x->cap > 0 && s->L >= nd - 1e-9 * fmax(1, nd)) {
            compete(R, c, s->L);
            depart(R, c, fmin(s->L, x->cap));
            return 1;
        }
    }
    return 0;
}

static int load_carriers(Ref *R)
{
    int changed = 0;
    for (int i = 0; i < R->nst; i++)
        while (load_stock(R, i)) changed = 1;
    return changed;
}

/* --- events and effects ------------------------------------------------------------ */

static void apply_effects(Ref *R, int first, int n);
static int load_carriers(Ref *R);

static void hazard_rearm(Ref *R, int e)
{
    REvent *v = &R->ev[e];
    if (v->hz_action >= 0) R->act[v->hz_action].live = 0;
    v->hz_action = -1;
    if (v->trig != T_HAZARD || v->hazard <= 0) return;
    if (v->hazard < CERTAIN) {
        fragile(R, "a random hazard");
        return;
    }
    if (v->max > 0 && v->count >= v->max) return;
    double t = fmax(R->t, v->from);
    /* Class 1: a certain hazard fires a moment after everything else at its
     * instant, as an exponential gap of about 1e-12 days would. */
    if (t <= v->until && t <= R->end) v->hz_action = schedule(R, t, 1, A_HAZARD, e, 0);
}

static void fire(Ref *R, int e)
{
    REvent *v = &R->ev[e];
    if (v->max > 0 && v->count >= v->max) return;
    v->count++;
    if (v->delay >= 0) schedule(R, R->t + v->delay, 0, A_EFFECTS, e, 0);
    else apply_effects(R, v->eff0, v->neff);
}

static void set_param(Ref *R, const Effect *f)
{
    double *p = NULL;
    switch (f->ptype) {
    case P_PROD_RATE: case P_CONS_RATE: p = &R->fl[f->idx].rate; break;
    case P_TRANSIT: p = &R->rt[f->idx].transit; break;
    case P_RETURN: p = &R->rt[f->idx].ret; break;
    case P_CONTAINER: p = &R->rt[f->idx].container; break;
    case P_DUD: p = &R->rt[f->idx].dud; break;
    case P_HAZARD: p = &R->ev[f->idx].hazard; break;
    }
    if (f->ptype == P_RETURN && *p < 0) {
        fragile(R, "an effect on an unset return");
        return;
    }
    double v = f->kind == E_SET ? f->value : f->kind == E_SCALE ? *p * f->value : *p + f->value;
    if (v < 0) v = 0;
    if (f->ptype == P_DUD && v > 1) v = 1;
    if (v > 1e15) v = 1e15;
    *p = v;
    if (f->ptype == P_PROD_RATE || f->ptype == P_CONS_RATE) flows_to_stocks(R);
    if (f->ptype == P_HAZARD) hazard_rearm(R, f->idx);
}

static void apply_effects(Ref *R, int first, int n)
{
    if (R->nesting >= 16) {
        fragile(R, "effects nested more than 16 deep");
        return;
    }
    R->nesting++;
    for (int k = 0; k < n; k++) {
        const Effect *f = &R->eff[first + k];
        switch (f->kind) {
        case E_SET: case E_SCALE: case E_ADD: set_param(R, f); break;
        case E_CLOSE: R->rt[f->idx].open = 0; break;
        case E_OPEN:
            if (R->rt[f->idx].open) break;
            R->rt[f->idx].open = 1;
            load_carriers(R);  /* "as soon as": before the next effect */
            break;
        case E_STOCK_ADD: {
            RStock *s = &R->st[f->idx];
            s->L += f->value;
            if (s->L > s->C) s->L = s->C;  /* the excess is overflow, not modelled as a quantity */
            if (s->L < 0) fragile(R, "a stock taken below zero by an effect");
            load_carriers(R);
            break;
        }
        case E_STOCK_DESTROY:
            R->st[f->idx].L *= 1 - f->value;
            load_carriers(R);
            break;
        case E_EVENT: fire(R, f->idx); break;
        }
        sample(R);
    }
    R->nesting--;
}

/* Watchers: conditional events fire when their condition becomes true;
 * time and flag metrics record the first instant theirs holds. */
static int watch(Ref *R)
{
    int changed = 0;
    if (R->blind) return 0;
    int n = R->nev + R->nme;
    for (int k = 0; k < n; k++) {
        int w = R->watch_reverse ? n - 1 - k : k;
        if (w < R->nev) {
            REvent *v = &R->ev[w];
            if (v->trig != T_WHEN || (v->max > 0 && v->count >= v->max)) continue;
            /* Rising against the value just after the last look, so a
             * condition true for one instant only still becomes true. */
            int now = eval(R, v->cond);
            int rising = now && !v->prev;
            v->prev = eval_at(R, v->cond, 1);
            if (rising) {
                if (R->t == 0) R->fired0 = 1;
                if (R->departed0 && R->fired0) fragile(R, "carriers leave and conditional events happen at day 0, in no documented order");
                fire(R, w);
                sample(R);
                changed = 1;
            }
        } else {
            RMetric *x = &R->me[w - R->nev];
            if (x->cond >= 0 && x->first_t == INFINITY && eval(R, x->cond)) x->first_t = R->t;
        }
    }
    return changed;
}

static void settle(Ref *R)
{
    for (int round = 0;; round++) {
        if (round >= 1000) {
            fragile(R, "no quiet state after 1,000 rounds");
            return;
        }
        /* Carriers and watchers at one instant: in either order (variants). */
        int changed;
        if (R->watch_reverse) {
            changed = watch(R);
            changed |= load_carriers(R);
        } else {
            changed = load_carriers(R);
            changed |= watch(R);
        }
        if (!changed) return;
    }
}

static void do_action(Ref *R, int i)
{
    Action a = R->act[i];
    R->act[i].live = 0;
    switch (a.kind) {
    case A_FLOW: {
        RFlow *f = &R->fl[a.a];
        double end = f->end + (R->sem->end_inclusive ? 1 : 0);
        f->active = R->t >= f->start && R->t < end;
        flows_to_stocks(R);
        break;
    }
    case A_AT: fire(R, a.a); break;
    case A_EFFECTS: apply_effects(R, R->ev[a.a].eff0, R->ev[a.a].neff); break;
    case A_HAZARD:
        /* Two certain hazards armed at one instant race: the engine's draws
         * decide which comes first, not the scenario. */
        for (int k = 0; k < R->nact; k++)
            if (R->act[k].live && R->act[k].kind == A_HAZARD && R->act[k].a != a.a && same_instant(R->act[k].t, R->t))
                fragile(R, "two certain hazards at one instant");
        R->ev[a.a].hz_action = -1;
        fire(R, a.a);
        hazard_rearm(R, a.a);
        break;
    case A_ARRIVE: {
        RCarrier *x = &R->ca[a.a];
        if (a.gen != x->gen || x->state != W_TRAVEL) break;
        RRoute *r = &R->rt[x->route];
        RStock *to = &R->st[r->to];
        double good = x->cargo * (1 - r->dud), dud = x->cargo - good;
        r->delivered += good;
        if (to->terminal) R->delivered[to->res] += good;
        R->duds[to->res] += dud;
        to->L += good;
        if (to->L > to->C) to->L = to->C;
        x->cargo = 0;
        x->state = W_BACK;
        x->gen++;
        schedule(R, R->t + (r->ret >= 0 ? r->ret : r->transit), 0, A_RETURN, a.a, x->gen);
        break;
    }
    case A_RETURN:
        if (a.gen != R->ca[a.a].gen) break;
        begin_wait(R, a.a);
        break;
    case A_SLOT: {
        RCarrier *x = &R->ca[a.a];
        if (a.gen != x->gen || x->state != W_WAIT) break;
        double L = R->st[R->rt[x->route].from].L;
        if (eligible(R, a.a) && L > 1e-6 && x->cap > 0) {
            compete(R, a.a, L);
            depart(R, a.a, fmin(L, x->cap));
            break;
        }
        if (eligible(R, a.a) && L > 0) fragile(R, "a schedule slot finds a stock empty up to rounding");
        /* Slots are first + k * every (not a running sum, which drifts). */
        double k = floor((R->t - x->first) / x->every + 1e-9) + 1;
        double next = x->first + k * x->every;
        if (next <= R->end) schedule(R, next, 0, A_SLOT, a.a, x->gen);
        break;
    }
    case A_MAXWAIT: {
        RCarrier *x = &R->ca[a.a];
        if (a.gen != x->gen || x->state != W_WAIT) break;
        x->waited_out = 1;  /* settle() lets it leave */
        break;
    }
    case A_FIRST: R->ca[a.a].activated = 1; break;  /* it may now leave: settle() looks */
    }
}

/* --- the run ------------------------------------------------------------------------ */

static void advance(Ref *R, double tn)
{
    double dt = tn - R->t;
    if (dt <= 0) return;
    for (int i = 0; i < R->nst; i++) {
        RStock *s = &R->st[i];
        double dL, dp, dc, ds;
        stock_rates(s, &dL, &dp, &dc, &ds);
        s->L += dL * dt;
        s->produced += dp * dt;
        s->consumed += dc * dt;
        s->shortfall += ds * dt;
        if (s->L < 0) s->L = 0;
        if (s->L > s->C) s->L = s->C;
    }
    R->t = tn;
    /* A stock that has just run dry (or filled) is empty (full) exactly, not
     * up to rounding: the next departure must not take 1e-13 units. */
    for (int i = 0; i < R->nst; i++) {
        RStock *s = &R->st[i];
        int rg = regime(s);
        if (rg == RG_EMPTY) s->L = 0;
        if (rg == RG_FULL) s->L = s->C;
    }
}

static double next_stop(Ref *R, double limit)
{
    double t = limit;
    for (int i = 0; i < R->nst; i++) {
        const RStock *s = &R->st[i];
        double dL, dp, dc, ds;
        stock_rates(s, &dL, &dp, &dc, &ds);
        if (dL < 0) t = fmin(t, R->t + s->L / -dL);
        if (dL > 0 && s->C < INFINITY) t = fmin(t, R->t + (s->C - s->L) / dL);
        int c = head(R, i);
        if (c >= 0 && dL > 0) {
            double nd = need(&R->ca[c]);
            if (s->L < nd) t = fmin(t, R->t + (nd - s->L) / dL);
        }
    }
    for (int e = 0; e < R->nev; e++)
        if (R->ev[e].trig == T_WHEN && !(R->ev[e].max > 0 && R->ev[e].count >= R->ev[e].max))
            t = fmin(t, next_crossing(R, R->ev[e].cond));
    for (int m = 0; m < R->nme; m++)
        if (R->me[m].cond >= 0 && R->me[m].first_t == INFINITY) t = fmin(t, next_crossing(R, R->me[m].cond));
    return t;
}

static double final_value(const Ref *R, const RMetric *m)
{
    switch (m->kind) {
    case OK_TIME: return m->first_t;
    case OK_FLAG: {
        double by = m->by;
        return R->sem->by_whole_day ? (m->first_t < by + 1 ? 1 : 0) : (m->first_t <= by ? 1 : 0);
    }
    default: return qty(R, m->q, NULL);
    }
}

static void add_alt(OracleValue *v, double x)
{
    for (int k = 0; k < v->n; k++)
        if (v->alt[k] == x || (isnan(v->alt[k]) && isnan(x))) return;
    if (v->n < ORACLE_MAX_ALT) v->alt[v->n++] = x;
}

/* At a sample instant, every value the quantity takes during the instant
 * (before, between and after the things that happen then) is a fair
 * sample: the documentation does not order a sample among them. */
static void sample(Ref *R)
{
    for (int m = 0; m < R->nme; m++) {
        RMetric *x = &R->me[m];
        if (x->kind != OK_LEVEL) continue;
        double k = R->t / x->every;
        long ki = lround(k);
        if (fabs(k - (double)ki) > 1e-9 || ki < 0 || ki >= x->nseries) continue;
        add_alt(&x->samples[ki], qty(R, x->q, NULL));
    }
}

static double next_sample(const Ref *R)
{
    double t = INFINITY;
    for (int m = 0; m < R->nme; m++) {
        const RMetric *x = &R->me[m];
        if (x->kind != OK_LEVEL) continue;
        double k = floor(R->t / x->every + 1e-9) + 1;
        if (k < x->nseries) t = fmin(t, k * x->every);
    }
    return t;
}

static void run(Ref *R, double *final_before, double *final_after)
{
    R->t = 0;
    for (int i = 0; i < R->nfl; i++) {
        const RFlow *f = &R->fl[i];
        double end = f->end + (R->sem->end_inclusive ? 1 : 0);
        if (f->start <= R->end) schedule(R, fmax(0, f->start), 0, A_FLOW, i, 0);
        if (end < INFINITY && end <= R->end && end > 0) schedule(R, end, 0, A_FLOW, i, 0);
    }
    for (int c = 0; c < R->nca; c++) begin_wait(R, c);
    for (int e = 0; e < R->nev; e++) {
        if (R->ev[e].trig == T_AT && R->ev[e].at <= R->end) schedule(R, fmax(0, R->ev[e].at), 0, A_AT, e, 0);
        if (R->ev[e].trig == T_HAZARD) hazard_rearm(R, e);
    }
    sample(R);
    /* Are the states at day 0 before day 0's actions have all run instants
     * that conditions see? The documentation does not say: half the
     * variants look from the start, half first look once they have run. */
    R->blind = R->late_look;
    settle(R);
    for (;;) {
        int i;
        while ((i = next_action(R)) >= 0 && (R->act[i].t <= R->t || same_instant(R->act[i].t, R->t))) {
            advance(R, R->act[i].t);
            do_action(R, i);
            settle(R);
        }
        if (R->blind) {
            R->blind = 0;
            settle(R);
            continue;
        }
        sample(R);
        if (R->t >= R->end) break;
        double limit = R->end;
        if (i >= 0) limit = fmin(limit, R->act[i].t);
        limit = fmin(limit, next_sample(R));
        double tn = next_stop(R, limit);
        if (!(tn > R->t)) tn = nextafter(R->t, INFINITY);
        /* A crossing at an action's instant but for rounding is at that
         * instant: the variants then try it before and after the action. */
        if (i >= 0 && same_instant(tn, R->act[i].t)) tn = R->act[i].t;
        if (R->t + 1e-12 >= R->end || tn >= R->end) {
            advance(R, R->end);
            R->t = R->end;
            for (int m = 0; m < R->nme; m++) final_before[m] = final_value(R, &R->me[m]);
            sample(R);
            settle(R);
            continue;
        }
        advance(R, tn);
        sample(R);
        /* Arriving at an instant that has actions: conditions and carriers
         * look before them (reverse variants) or only after them. */
        int j = next_action(R);
        if (R->reverse || j < 0 || (R->act[j].t > R->t && !same_instant(R->act[j].t, R->t))) settle(R);
    }
    for (int m = 0; m < R->nme; m++) final_after[m] = final_value(R, &R->me[m]);
}

/* --- the result ------------------------------------------------------------------------ */

static int one_run(const cJSON *doc, const OracleSemantics *sem, int variant, Ref **out, double *fb, double *fa)
{
    Ref *R = calloc(1, sizeof *R);
    if (!R) return -1;
    R->sem = sem;
    R->reverse = variant & 1;
    R->watch_reverse = (variant >> 1) & 1;
    R->late_look = (variant >> 2) & 1;
    R->trace = getenv("ORACLE_TRACE") != NULL;
    *out = R;
    if (parse(R, doc)) return -1;
    for (int m = 0; m < R->nme; m++) fb[m] = NAN;
    flows_to_stocks(R);
    run(R, fb, fa);
    for (int m = 0; m < R->nme; m++)
        if (isnan(fb[m])) fb[m] = fa[m];
    return 0;
}

static void free_ref(Ref *R)
{
    if (!R) return;
    for (int m = 0; m < R->nme; m++) {
        free(R->me[m].samples);
    }
    free(R);
}

/* Eight runs: same-instant actions in scheduling order or in reverse;
 * watchers before or after carriers, in scenario order or in reverse; the
 * first look at conditions before or after day 0's actions. Where they
 * agree the answer is unique; where they differ, each is an allowed answer. */
#define NVARIANT 8

int oracle_reference(const char *json, const OracleSemantics *sem, OracleResult *out)
{
    memset(out, 0, sizeof *out);
    cJSON *doc = cJSON_Parse(json);
    if (!doc) {
        snprintf(out->why, sizeof out->why, "reference: not JSON");
        return -1;
    }
    Ref *R[NVARIANT] = { NULL };
    static double fb[NVARIANT][NMAX], fa[NVARIANT][NMAX];
    int rc = 0, v;
    for (v = 0; v < NVARIANT && rc == 0; v++) rc = one_run(doc, sem, v, &R[v], fb[v], fa[v]);
    cJSON_Delete(doc);
    if (rc) {
        snprintf(out->why, sizeof out->why, "%s", R[v - 1] ? R[v - 1]->why : "reference: out of memory");
        for (v = 0; v < NVARIANT; v++) free_ref(R[v]);
        return -1;
    }
    for (v = 0; v < NVARIANT; v++)
        if (R[v]->fragile && !out->fragile) {
            out->fragile = 1;
            snprintf(out->why, sizeof out->why, "%s", R[v]->why);
        }
    out->nmetrics = R[0]->nme;
    out->metrics = calloc((size_t)(out->nmetrics + 1), sizeof *out->metrics);
    for (int m = 0; out->metrics && m < out->nmetrics; m++) {
        OracleMetric *om = &out->metrics[m];
        const RMetric *a = &R[0]->me[m];
        snprintf(om->id, sizeof om->id, "%s", a->id);
        om->kind = a->kind;
        for (v = 0; v < NVARIANT; v++) {
            add_alt(&om->value, fa[v][m]);
            add_alt(&om->value, fb[v][m]);
        }
        if (a->kind == OK_LEVEL) {
            om->nseries = a->nseries;
            om->series = calloc((size_t)a->nseries, sizeof *om->series);
            for (int k = 0; om->series && k < a->nseries; k++)
                for (v = 0; v < NVARIANT; v++)
                    for (int j = 0; j < R[v]->me[m].samples[k].n; j++)
                        add_alt(&om->series[k], R[v]->me[m].samples[k].alt[j]);
        }
    }
    for (v = 0; v < NVARIANT; v++) free_ref(R[v]);
    return out->metrics ? 0 : -1;
}

void oracle_result_free(OracleResult *r)
{
    if (!r) return;
    for (int m = 0; m < r->nmetrics && r->metrics; m++) free(r->metrics[m].series);
    free(r->metrics);
    r->metrics = NULL;
    r->nmetrics = 0;
}
