/* load_cond.c — quantities ("delivered.RESOURCE", {"sum": ...}),
 * conditions (flat arrays of CondNode) and the watchers that act on them:
 * events on a condition, decisions (whose options and policies are here
 * too) and TIME and FLAG metrics. The run side is cond.c.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "load_int.h"

/* --- conditions ------------------------------------------------------------- */
static int add_node(Ld *L, CondNode n)
{
    Scenario *s = L->s;
    s->cond_nodes = ld_grow(L, s->cond_nodes, &L->cap_nodes, s->ncond_nodes + 1, sizeof *s->cond_nodes);
    s->cond_nodes[s->ncond_nodes] = n;
    return s->ncond_nodes++;
}

static void add_time(Ld *L, double day)
{
    Scenario *s = L->s;
    s->times = ld_grow(L, s->times, &L->cap_times, s->ntimes + 1, sizeof *s->times);
    s->times[s->ntimes++] = day;
}

int ld_quantity(Ld *L, const JsonValue *v, const char *p, Qty *q, unsigned *cats);

/* Counts are whole numbers; amounts of a resource flow continuously and
 * are not (docs/batch.md, Whole numbers). A sum of counts with whole
 * coefficients is a count. */
int ld_whole_qty(const Scenario *s, Qty q)
{
    if (q.kind == Q_SUM) {
        const SumDef *sd = &s->sums[q.idx];
        for (int i = 0; i < sd->n; i++)
            if (sd->coef[i] != floor(sd->coef[i]) || !ld_whole_qty(s, sd->terms[i])) return 0;
        return 1;
    }
    return (q.kind >= Q_R_VOYAGES && q.kind <= Q_R_LOSSES) || (q.kind >= Q_L_ATTEMPTS && q.kind <= Q_T_DECLINED) ||
           q.kind == Q_TROOPS || q.kind == Q_EVENT || q.kind == Q_DECISION || q.kind == Q_ASSIST;
}

static int continuous_kind(int kind)
{
    return kind == Q_STOCK || kind == Q_STOCK_SHORT || kind == Q_SHORTFALL || kind == Q_CONSUMED ||
           kind == Q_PRODUCED || kind == Q_DAY;
}

/* {"sum": [Q, {"quantity": Q, "coef": k}, ...]} → Qty{Q_SUM, index}: a
 * linear combination, piecewise linear in time when its terms are. */
static int quantity_sum(Ld *L, const JsonValue *v, const char *p, Qty *q, unsigned *cats)
{
    static const char *const f[] = { "sum", NULL };
    if (!ld_fields(L, v, p, f)) return -1;
    const JsonValue *arr = ld_get(v, "sum");
    char pa[512];
    ld_pkey(pa, sizeof pa, p, "sum");
    if (arr->type != JSON_ARRAY || arr->len < 1 || arr->len > SC_MAX_LIST) {
        ld_err(L, arr, pa, "expected a list of 1 to %d quantities (a name, or {\"quantity\": Q, \"coef\": k})",
            SC_MAX_LIST);
        return -1;
    }
    SumDef sd = { 0 };
    sd.n = (int)arr->len;
    sd.terms = A(L, (size_t)sd.n * sizeof *sd.terms);
    sd.coef = A(L, (size_t)sd.n * sizeof *sd.coef);
    int bad = 0;
    for (int i = 0; i < sd.n; i++) {
        const JsonValue *t = arr->items[i];
        char pt[600];
        snprintf(pt, sizeof pt, "%s[%d]", pa, i);
        sd.coef[i] = 1;
        if (t->type == JSON_OBJECT && ld_get(t, "quantity")) {
            static const char *const tf[] = { "quantity", "coef", NULL };
            ld_fields(L, t, pt, tf);
            sd.coef[i] = ld_num_field(L, t, pt, "coef", 0, 1, -SC_MAX_MAGNITUDE, SC_MAX_MAGNITUDE);
            char pq[640];
            ld_pkey(pq, sizeof pq, pt, "quantity");
            if (ld_quantity(L, ld_get(t, "quantity"), pq, &sd.terms[i], cats) != 0) bad = 1;
        } else if (t->type == JSON_OBJECT && !ld_get(t, "sum")) {
            ld_err(L, t, pt, "expected a quantity name, {\"quantity\": Q, \"coef\": k} or {\"sum\": [...]}");
            bad = 1;
        } else if (ld_quantity(L, t, pt, &sd.terms[i], cats) != 0) {
            bad = 1;
        }
        if (bad) continue;
        if (sd.terms[i].kind == Q_SUM ? L->s->sums[sd.terms[i].idx].continuous : continuous_kind(sd.terms[i].kind))
            sd.continuous = 1;
    }
    if (bad) return -1;
    Scenario *s = L->s;
    s->sums = ld_grow(L, s->sums, &L->cap_sums, s->nsums + 1, sizeof *s->sums);
    s->sums[s->nsums] = sd;
    *q = (Qty){ Q_SUM, s->nsums++ };
    return 0;
}

/* What a quantity name's parts matched: a quantity, a known family with a
 * wrong shape, an id the scenario lacks, or not this family at all. */
enum { QN_OK, QN_NONE, QN_BAD, QN_NO_ID };

/* Per resource, route or stock: delivered.R, lost.route.ID,
 * shortfall.stock.ID, ... */
static int resource_quantity(Ld *L, char *const *part, int np, Qty *q, unsigned *cats)
{
    static const char *const res_q[] = { "delivered", "lost", "duds", "shortfall", "consumed", "produced" };
    for (int i = 0; i < 6; i++) {
        if (strcmp(part[0], res_q[i])) continue;
        if (np == 2) {
            int r = ld_find(&L->resources, part[1]);
            if (r < 0) return QN_NO_ID;
            *q = (Qty){ Q_DELIVERED + i, r };
            *cats |= i >= 3 ? CAT_STOCK | CAT_SUPPLY : CAT_SUPPLY;
            if (i >= 3) L->cond_stocks = ~(uint64_t)0;
            return QN_OK;
        }
        if (np == 3 && !strcmp(part[1], "route") && (i == 0 || i == 1)) {
            int r = ld_find(&L->routes, part[2]);
            if (r < 0) return QN_NO_ID;
            *q = (Qty){ i == 0 ? Q_R_DELIVERED : Q_R_LOST, r };
            *cats |= CAT_SUPPLY;
            return QN_OK;
        }
        if (np == 3 && !strcmp(part[1], "stock") && i == 3) {
            int r = ld_find(&L->stocks, part[2]);
            if (r < 0) return QN_NO_ID;
            *q = (Qty){ Q_STOCK_SHORT, r };
            *cats |= CAT_STOCK;
            L->cond_stocks |= (uint64_t)1 << (r & 63);
            return QN_OK;
        }
        return QN_BAD;
    }
    if ((!strcmp(part[0], "voyages") || !strcmp(part[0], "losses")) && np == 3 && !strcmp(part[1], "route")) {
        int r = ld_find(&L->routes, part[2]);
        if (r < 0) return QN_NO_ID;
        *q = (Qty){ part[0][0] == 'v' ? Q_R_VOYAGES : Q_R_LOSSES, r };
        *cats |= CAT_SUPPLY;
        return QN_OK;
    }
    return QN_NONE;
}

/* KIND.ID: stock, troops, event, decision, assist, overflow. */
static int single_quantity(Ld *L, char *const *part, int np, Qty *q, unsigned *cats)
{
    const struct { const char *name; int kind; const IdTab *t; unsigned cat; } one[] = {
        { "stock", Q_STOCK, &L->stocks, CAT_STOCK },
        { "troops", Q_TROOPS, &L->actors, CAT_TROOPS },
        { "event", Q_EVENT, &L->events, CAT_EVENT },
        { "decision", Q_DECISION, &L->decisions, CAT_DECISION },
        { "assist", Q_ASSIST, &L->assists, CAT_LAUNCH },
        { "overflow", Q_STOCK_OVERFLOW, &L->stocks, CAT_STOCK },
    };
    for (size_t i = 0; i < sizeof one / sizeof one[0]; i++)
        if (!strcmp(part[0], one[i].name) && np == 2) {
            int r = ld_find(one[i].t, part[1]);
            if (r < 0) return QN_NO_ID;
            *q = (Qty){ one[i].kind, r };
            *cats |= one[i].cat;
            if (one[i].kind == Q_STOCK || one[i].kind == Q_STOCK_OVERFLOW) L->cond_stocks |= (uint64_t)1 << (r & 63);
            return QN_OK;
        }
    return QN_NONE;
}

/* FAMILY.ID.FIELD: launch.ID.attempts ..., treaty.ID.signed ...; the
 * fields' kinds are consecutive from `first`. */
static int field_quantity(char *const *part, int np, const char *family, const IdTab *t,
                          const char *const *fields, int nfields, int first, unsigned cat, Qty *q, unsigned *cats)
{
    if (strcmp(part[0], family) || np != 3) return QN_NONE;
    int r = ld_find(t, part[1]);
    if (r < 0) return QN_NO_ID;
    for (int i = 0; i < nfields; i++)
        if (!strcmp(part[2], fields[i])) {
            *q = (Qty){ first + i, r };
            *cats |= cat;
            return QN_OK;
        }
    return QN_BAD;
}

/* "delivered.shells-152" → Qty. 0 on success. */
int ld_quantity(Ld *L, const JsonValue *v, const char *p, Qty *q, unsigned *cats)
{
    if (v->type == JSON_OBJECT && ld_get(v, "sum")) return quantity_sum(L, v, p, q, cats);
    if (v->type != JSON_STRING) {
        ld_err(L, v, p, "expected a quantity name such as \"delivered.RESOURCE\" or {\"sum\": [...]}, found %s",
            json_type_name(v->type));
        return -1;
    }
    char buf[256];
    snprintf(buf, sizeof buf, "%s", v->str);
    char *part[4] = { buf, NULL, NULL, NULL };
    int np = 1;
    for (char *c = buf; *c && np < 4; c++)
        if (*c == '.') { *c = '\0'; part[np++] = c + 1; }
    if (np == 1 && !strcmp(part[0], "day")) {
        *q = (Qty){ Q_DAY, 0 };
        *cats |= CAT_TIME;
        return 0;
    }
    static const char *const launch_f[] = { "attempts", "successes", "failures", "streak" };
    static const char *const treaty_f[] = { "signed", "in_force", "triggered", "honoured", "declined" };
    int m = resource_quantity(L, part, np, q, cats);
    if (m == QN_NONE) m = single_quantity(L, part, np, q, cats);
    if (m == QN_NONE) m = field_quantity(part, np, "launch", &L->programmes, launch_f, 4, Q_L_ATTEMPTS, CAT_LAUNCH, q, cats);
    if (m == QN_NONE) m = field_quantity(part, np, "treaty", &L->treaties, treaty_f, 5, Q_T_SIGNED, CAT_TREATY, q, cats);
    if (m == QN_OK) return 0;
    if (m == QN_NO_ID) ld_err(L, v, p, "unknown quantity '%s': no such id in the scenario", v->str);
    else ld_err(L, v, p, "unknown quantity '%s' (see docs/scenario.md, Conditions, for the list)", v->str);
    return -1;
}

static int cond_node(Ld *L, const JsonValue *v, const char *path, int depth, unsigned *cats)
{
    if (depth >= SC_MAX_COND_DEPTH) {
        ld_err(L, v, path, "conditions nested more than %d deep", SC_MAX_COND_DEPTH);
        return -1;
    }
    if (!v || v->type != JSON_OBJECT) {
        ld_err(L, v, path, "expected a condition object, found %s", v ? json_type_name(v->type) : "nothing");
        return -1;
    }
    static const char *const ops[] = { ">=", ">", "<=", "<", "==", "!=" };
    CondNode n = { 0 };
    n.kid = -1;
    if (ld_get(v, "quantity")) {
        static const char *const allowed[] = { "quantity", ">=", ">", "<=", "<", "==", "!=", NULL };
        ld_fields(L, v, path, allowed);
        char p[512];
        ld_pkey(p, sizeof p, path, "quantity");
        int found = -1;
        for (int i = 0; i < 6; i++)
            if (ld_get(v, ops[i])) {
                if (found >= 0) ld_err(L, ld_get(v, ops[i]), path, "a comparison takes exactly one operator");
                found = i;
            }
        if (found < 0) {
            ld_err(L, v, path, "a comparison needs an operator: one of >=, >, <=, <, ==, !=");
            return -1;
        }
        n.op = COND_CMP;
        n.cmp = found;
        n.x = ld_num_field(L, v, path, ops[found], 1, 0, -HUGE_VAL, HUGE_VAL);
        if (ld_quantity(L, ld_get(v, "quantity"), p, &n.q, cats) != 0) return -1;
        return add_node(L, n);
    }
    if (ld_get(v, "after") || ld_get(v, "before")) {
        static const char *const allowed[] = { "after", "before", NULL };
        ld_fields(L, v, path, allowed);
        if (v->len != 1) {
            ld_err(L, v, path, "write 'after' and 'before' as separate conditions inside 'all'");
            return -1;
        }
        int after = ld_get(v, "after") != NULL;
        n.op = after ? COND_AFTER : COND_BEFORE;
        n.x = ld_date_field(L, v, path, after ? "after" : "before", 1, 0);
        add_time(L, n.x);
        *cats |= CAT_TIME;
        return add_node(L, n);
    }
    static const char *const groups[] = { "all", "any", "not" };
    for (int g = 0; g < 3; g++) {
        const JsonValue *c = ld_get(v, groups[g]);
        if (!c) continue;
        const char *allowed[] = { groups[g], NULL };
        ld_fields(L, v, path, allowed);
        char p[512];
        ld_pkey(p, sizeof p, path, groups[g]);
        if (g == 2) {
            int k = cond_node(L, c, p, depth + 1, cats);
            if (k < 0) return -1;
            Scenario *s = L->s;
            s->cond_kids = ld_grow(L, s->cond_kids, &L->cap_kids, s->ncond_kids + 1, sizeof *s->cond_kids);
            n.op = COND_NOT;
            n.kid = s->ncond_kids;
            n.nkids = 1;
            s->cond_kids[s->ncond_kids++] = k;
            return add_node(L, n);
        }
        if (c->type != JSON_ARRAY || c->len == 0) {
            ld_err(L, c, p, "expected a non-empty array of conditions");
            return -1;
        }
        int kids[64], nk = 0;
        if (c->len > 64) {
            ld_err(L, c, p, "at most 64 conditions in one group");
            return -1;
        }
        for (size_t i = 0; i < c->len; i++) {
            char pi[520];
            ld_pidx(pi, sizeof pi, p, (int)i);
            int k = cond_node(L, c->items[i], pi, depth + 1, cats);
            if (k < 0) return -1;
            kids[nk++] = k;
        }
        Scenario *s = L->s;
        s->cond_kids = ld_grow(L, s->cond_kids, &L->cap_kids, s->ncond_kids + nk, sizeof *s->cond_kids);
        n.op = g == 0 ? COND_ALL : COND_ANY;
        n.kid = s->ncond_kids;
        n.nkids = nk;
        memcpy(s->cond_kids + s->ncond_kids, kids, (size_t)nk * sizeof *kids);
        s->ncond_kids += nk;
        return add_node(L, n);
    }
    ld_err(L, v, path, "expected a condition: {\"quantity\": Q, \">=\": x}, {\"after\": date}, {\"before\": date}, {\"all\": [...]}, {\"any\": [...]} or {\"not\": ...}");
    return -1;
}

Cond ld_cond_field(Ld *L, const JsonValue *obj, const char *path, const char *key, int required)
{
    Cond c = { -1, 0, 0 };
    const JsonValue *v = ld_get(obj, key);
    char p[512];
    ld_pkey(p, sizeof p, path, key);
    if (!v) {
        if (required && obj && obj->type == JSON_OBJECT) ld_err(L, obj, p, "missing required field '%s'", key);
        return c;
    }
    L->cond_stocks = 0;
    c.root = cond_node(L, v, p, 0, &c.cats);
    c.stocks = L->cond_stocks;
    return c;
}

void ld_add_watch(Ld *L, int kind, int idx, const Cond *c)
{
    Scenario *s = L->s;
    s->watch = ld_grow(L, s->watch, &L->cap_watch, s->nwatch + 1, sizeof *s->watch);
    s->watch[s->nwatch++] = (WatchDef){ kind, idx, c };
}

static int option_ref(Ld *L, const JsonValue *v, const char *p, const DecisionDef *d)
{
    if (!v || v->type != JSON_STRING) {
        ld_err(L, v, p, "expected an option id");
        return 0;
    }
    for (int k = 0; k < d->noptions; k++)
        if (!strcmp(d->option_ids[k], v->str)) return k;
    const char *sug = diag_suggest(v->str, d->option_ids, d->noptions);
    if (sug) ld_err(L, v, p, "unknown option '%s' (did you mean '%s'?)", v->str, sug);
    else ld_err(L, v, p, "unknown option '%s'", v->str);
    return 0;
}

/* "options": 2 to SC_MAX_OPTIONS, each with an id, a label and effects.
 * -1 if there is no usable list (the policy is then not read). */
static int decision_options(Ld *L, const JsonValue *e, const char *p, DecisionDef *d, const char *id)
{
    static const char *const of[] = { "id", "label", "effects", NULL };
    const JsonValue *os = ld_get(e, "options");
    char po[80];
    ld_pkey(po, sizeof po, p, "options");
    if (!os) { ld_err(L, e, po, "missing required field 'options'"); return -1; }
    if (os->type != JSON_ARRAY || os->len < 2 || os->len > SC_MAX_OPTIONS) {
        ld_err(L, os, po, "expected an array of 2 to %d options", SC_MAX_OPTIONS);
        return -1;
    }
    for (size_t k = 0; k < os->len; k++) {
        const JsonValue *o = os->items[k];
        char pk[96];
        ld_pidx(pk, sizeof pk, po, (int)k);
        d->option_ids[k] = "";
        d->option_labels[k] = "";
        if (!ld_fields(L, o, pk, of)) { d->noptions++; continue; }
        const char *oid = ld_str_field(L, o, pk, "id", 1, "");
        if (*oid && !ld_valid_id(oid)) {
            char pi[120];
            ld_pkey(pi, sizeof pi, pk, "id");
            ld_err(L, ld_get(o, "id"), pi, "expected an id (lower-case letters, digits, '-' and '_')");
        }
        for (size_t j = 0; j < k; j++)
            if (*oid && !strcmp(oid, d->option_ids[j])) ld_err(L, ld_get(o, "id"), pk, "duplicate option id '%s'", oid);
        d->option_ids[k] = oid;
        d->option_labels[k] = ld_str_field(L, o, pk, "label", 0, oid);
        char owner[200], idp[200];
        snprintf(owner, sizeof owner, "decision:%s:%s", id, oid);
        snprintf(idp, sizeof idp, "decisions.%s.options.%s", id, oid);
        d->option_effects[k] = ld_effects_field(L, o, pk, "effects", owner, idp);
        d->noptions++;
    }
    return 0;
}

/* "policy": fixed (the default: the first option), probabilities, or rules
 * with an else. */
static void decision_policy(Ld *L, const JsonValue *e, const char *p, DecisionDef *d)
{
    d->policy = POL_FIXED;
    d->fixed = 0;
    const JsonValue *pol = ld_get(e, "policy");
    if (!pol) return;
    char pp[80];
    ld_pkey(pp, sizeof pp, p, "policy");
    static const char *const pf[] = { "fixed", "probabilities", "rules", "else", NULL };
    if (!ld_fields(L, pol, pp, pf)) return;
    char pk[120];
    if (ld_get(pol, "fixed")) {
        ld_pkey(pk, sizeof pk, pp, "fixed");
        d->fixed = option_ref(L, ld_get(pol, "fixed"), pk, d);
    } else if (ld_get(pol, "probabilities")) {
        const JsonValue *w = ld_get(pol, "probabilities");
        ld_pkey(pk, sizeof pk, pp, "probabilities");
        d->policy = POL_PROB;
        double sum = 0;
        if (w->type != JSON_ARRAY || (int)w->len != d->noptions) {
            ld_err(L, w, pk, "expected %d probabilities, one per option", d->noptions);
        } else {
            for (size_t k = 0; k < w->len; k++) {
                if (w->items[k]->type != JSON_NUMBER || w->items[k]->num < 0) {
                    ld_err(L, w->items[k], pk, "expected a weight >= 0");
                    continue;
                }
                d->weights[k] = w->items[k]->num;
                sum += w->items[k]->num;
            }
            if (sum <= 0) ld_err(L, w, pk, "weights must not all be 0");
        }
    } else if (ld_get(pol, "rules")) {
        const JsonValue *rs = ld_get(pol, "rules");
        ld_pkey(pk, sizeof pk, pp, "rules");
        d->policy = POL_RULES;
        if (rs->type != JSON_ARRAY || rs->len > 64) {
            ld_err(L, rs, pk, "expected an array of {\"if\": condition, \"choose\": OPTION}");
        } else {
            d->rule_conds = A(L, (rs->len + 1) * sizeof *d->rule_conds);
            d->rule_choice = A(L, (rs->len + 1) * sizeof *d->rule_choice);
            static const char *const rrf[] = { "if", "choose", NULL };
            for (size_t k = 0; k < rs->len; k++) {
                char pr[140], pc[160];
                ld_pidx(pr, sizeof pr, pk, (int)k);
                if (!ld_fields(L, rs->items[k], pr, rrf)) continue;
                d->rule_conds[d->nrules] = ld_cond_field(L, rs->items[k], pr, "if", 1);
                ld_pkey(pc, sizeof pc, pr, "choose");
                d->rule_choice[d->nrules] = option_ref(L, ld_get(rs->items[k], "choose"), pc, d);
                d->nrules++;
            }
        }
        ld_pkey(pk, sizeof pk, pp, "else");
        d->otherwise = ld_get(pol, "else") ? option_ref(L, ld_get(pol, "else"), pk, d) : 0;
    } else {
        ld_err(L, pol, pp, "expected one of 'fixed', 'probabilities' or 'rules'");
    }
}

void load_decisions(Ld *L, const JsonValue *arr)
{
    Scenario *s = L->s;
    s->ndecisions = L->decisions.n;
    s->decisions = A(L, (size_t)(s->ndecisions + 1) * sizeof *s->decisions);
    s->decision_info = A(L, (size_t)(s->ndecisions + 1) * sizeof *s->decision_info);
    static const char *const f[] = { "id", "name", "actor", "when", "options", "policy", NULL };
    for (int i = 0; i < s->ndecisions; i++) {
        const JsonValue *e = arr->items[i];
        char p[64], ip[200];
        ld_pidx(p, sizeof p, "decisions", i);
        DecisionDef *d = &s->decisions[i];
        TraceDecisionDef *di = &s->decision_info[i];
        const char *id = L->decisions.ids[i];
        di->id = di->name = id;
        di->actor = -1;
        d->when.root = -1;
        di->options = d->option_labels;
        if (!ld_fields(L, e, p, f)) continue;
        di->name = ld_str_field(L, e, p, "name", 0, id);
        di->actor = ld_ref_field(L, e, p, "actor", &L->actors, "actor", 1);
        d->when = ld_cond_field(L, e, p, "when", 1);
        snprintf(ip, sizeof ip, "decision:%s", id);
        d->stream = ld_stream(L, ip, "policy");
        if (decision_options(L, e, p, d, id) != 0) continue;
        di->noptions = d->noptions;
        decision_policy(L, e, p, d);
    }
    for (int i = 0; i < s->ndecisions; i++)
        if (s->decisions[i].when.root >= 0) ld_add_watch(L, WATCH_DECISION, i, &s->decisions[i].when);
}
