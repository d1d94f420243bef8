/* load_param.c — parameters: every number a model draws is a ParamDef
 * with a prepared distribution, a constraint, the path --set names it by,
 * and (for an assumption record) its range and source; the random streams
 * and the proof that no two share a key; and pass 3, which resolves the
 * effects' parameter paths and applies --set through the same checks as
 * the file.
 *
 * Invariant: a parameter's distribution and mean stay within its
 * constraint and within +-SC_MAX_MAGNITUDE (ld_param_check), whether they
 * come from the file, --set or (at run time) an effect.
 */
#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "load_int.h"
#include "mem.h"

/* --- streams, params, assumptions ------------------------------------------- */
int ld_stream(Ld *L, const char *component, const char *purpose)
{
    Scenario *s = L->s;
    s->streams = ld_grow(L, s->streams, &L->cap_streams, s->nstreams + 1, sizeof *s->streams);
    s->streams[s->nstreams] = (StreamDef){ ld_sdup(L, component), purpose, rng_key_prefix(component, purpose) };
    return s->nstreams++;
}

/* n consecutive streams of one component, one per purpose, in the order
 * of the purposes (an enum's name table, scenario_int.h): the first's
 * index, so purpose k is that + k. */
int ld_streams(Ld *L, const char *component, const char *const *purposes, int n)
{
    int first = L->s->nstreams;
    for (int k = 0; k < n; k++) {
        int sk = ld_stream(L, component, purposes[k]);
        assert(sk == first + k);
        (void)sk;   /* only the assert reads it: NDEBUG builds */
    }
    return first;
}

const char *ld_con_words(ParamCon c)
{
    switch (c) {
    case PC_NONNEG: return "a value >= 0";
    case PC_POS: return "a value > 0";
    case PC_PROB: return "a probability in [0, 1]";
    default: return "a number";
    }
}

int ld_con_ok(double x, ParamCon c)
{
    switch (c) {
    case PC_NONNEG: return x >= 0;
    case PC_POS: return x > 0;
    case PC_PROB: return x >= 0 && x <= 1;
    default: return 1;
    }
}

const char *ld_param_check(const Dist *d, ParamCon con)
{
    static const char *msgs[] = { "", "must be >= 0", "must be > 0", "must be a probability in [0, 1]" };
    double m = dist_mean(d);
    /* No number in a parameter may exceed SC_MAX_MAGNITUDE, so that sums
     * and products during a run stay finite: a stock of 1e308 fed at 1e308
     * a day became infinite, and a carrier taking "all of it" left
     * inf - inf = NaN behind (found by a fuzz_scenario seed). */
    int big = !(fabs(m) <= SC_MAX_MAGNITUDE);
    for (int i = 0; i < 4; i++) big |= !(fabs(d->p[i]) <= SC_MAX_MAGNITUDE);
    for (int i = 0; d->kind == DIST_DISCRETE && i < d->n; i++) big |= !(fabs(d->values[i]) <= SC_MAX_MAGNITUDE);
    if (big) return "must be within -1e15 to 1e15, parameters and mean alike";
    if (!ld_con_ok(m, con)) return msgs[con];
    /* Distributions with a bounded support must stay inside the constraint. */
    switch (d->kind) {
    case DIST_UNIFORM: case DIST_TRIANGULAR: {
        double lo = d->p[0], hi = d->kind == DIST_UNIFORM ? d->p[1] : d->p[2];
        if (!ld_con_ok(lo, con == PC_POS ? PC_NONNEG : con) || !ld_con_ok(hi, con)) return msgs[con];
        break;
    }
    case DIST_DISCRETE:
        for (int i = 0; i < d->n; i++)
            if (!ld_con_ok(d->values[i], con)) return msgs[con];
        break;
    case DIST_NORMAL: case DIST_EXPONENTIAL: case DIST_LOGNORMAL: case DIST_GAMMA:
    case DIST_POISSON: case DIST_BINOMIAL:
        if (con == PC_PROB) return "must be a probability: use constant, uniform, triangular, beta, bernoulli or discrete on [0, 1]";
        if (d->kind == DIST_NORMAL && con != PC_ANY && d->p[1] > 0)
            return NULL; /* allowed: draws are clamped at 0 (see docs) */
        break;
    default: break;
    }
    return NULL;
}

static const char *const DIST_FIELDS[DIST__COUNT][4] = {
    [DIST_CONST] = { "value" },
    [DIST_UNIFORM] = { "lo", "hi" },
    [DIST_EXPONENTIAL] = { "mean" },
    [DIST_NORMAL] = { "mean", "sd" },
    [DIST_LOGNORMAL] = { "mean", "sd" },
    [DIST_TRIANGULAR] = { "lo", "mode", "hi" },
    [DIST_POISSON] = { "mean" },
    [DIST_BERNOULLI] = { "p" },
    [DIST_BINOMIAL] = { "n", "p" },
    [DIST_BETA] = { "alpha", "beta" },
    [DIST_GAMMA] = { "shape", "scale" },
    [DIST_DISCRETE] = { "values", "weights" },
};

/* A number or a {"dist": ...} object → Dist. 0 on success. */
static int parse_dist(Ld *L, const JsonValue *v, const char *path, Dist *out)
{
    if (v->type == JSON_NUMBER) {
        *out = dist_const(v->num);
        return 0;
    }
    if (v->type != JSON_OBJECT || !ld_get(v, "dist")) {
        ld_err(L, v, path, "expected a number or a distribution {\"dist\": ...}, found %s",
            v->type == JSON_OBJECT ? "an object without \"dist\"" : json_type_name(v->type));
        return -1;
    }
    const JsonValue *kv = ld_get(v, "dist");
    char p[512];
    ld_pkey(p, sizeof p, path, "dist");
    if (kv->type != JSON_STRING) {
        ld_err(L, kv, p, "expected a distribution name, found %s", json_type_name(kv->type));
        return -1;
    }
    int k = dist_kind_from_name(kv->str);
    if (k < 0) {
        const char *names[DIST__COUNT];
        for (int i = 0; i < DIST__COUNT; i++) names[i] = dist_kind_name((DistKind)i);
        const char *s = diag_suggest(kv->str, names, DIST__COUNT);
        if (s) ld_err(L, kv, p, "unknown distribution '%s' (did you mean '%s'?)", kv->str, s);
        else ld_err(L, kv, p, "unknown distribution '%s'; expected one of constant, uniform, exponential, normal, lognormal, triangular, poisson, bernoulli, binomial, beta, gamma, discrete", kv->str);
        return -1;
    }
    const char *allowed[6] = { "dist" };
    int na = 1;
    for (int i = 0; i < 4 && DIST_FIELDS[k][i]; i++) allowed[na++] = DIST_FIELDS[k][i];
    allowed[na] = NULL;
    int before = diag_errors(L->d);
    ld_fields(L, v, path, allowed);
    memset(out, 0, sizeof *out);
    out->kind = (DistKind)k;
    if (k == DIST_DISCRETE) {
        const JsonValue *vals = ld_get(v, "values"), *w = ld_get(v, "weights");
        char pv[512], pw[512];
        ld_pkey(pv, sizeof pv, path, "values");
        ld_pkey(pw, sizeof pw, path, "weights");
        if (!vals || vals->type != JSON_ARRAY || vals->len < 1 || vals->len > DIST_MAX_DISCRETE) {
            ld_err(L, vals ? vals : v, pv, "expected an array of 1 to %d numbers", DIST_MAX_DISCRETE);
            return -1;
        }
        if (!w || w->type != JSON_ARRAY || w->len != vals->len) {
            ld_err(L, w ? w : v, pw, "expected an array of %zu weights, one per value", vals->len);
            return -1;
        }
        out->n = (int)vals->len;
        for (size_t i = 0; i < vals->len; i++) {
            if (vals->items[i]->type != JSON_NUMBER || w->items[i]->type != JSON_NUMBER) {
                ld_err(L, vals->items[i]->type != JSON_NUMBER ? vals->items[i] : w->items[i], path,
                    "values and weights must be numbers");
                return -1;
            }
            out->values[i] = vals->items[i]->num;
            out->cum[i] = w->items[i]->num;
        }
    } else {
        for (int i = 0; i < 4 && DIST_FIELDS[k][i]; i++)
            out->p[i] = ld_num_field(L, v, path, DIST_FIELDS[k][i], 1, 0, -HUGE_VAL, HUGE_VAL);
    }
    if (diag_errors(L->d) != before) return -1;
    const char *why = dist_prepare(out);
    if (why) {
        /* Point at the parameter the message names ("sd must be >= 0"). */
        for (int i = 0; i < 4 && DIST_FIELDS[k][i]; i++) {
            size_t n = strlen(DIST_FIELDS[k][i]);
            if (!strncmp(why, DIST_FIELDS[k][i], n) && (why[n] == ' ' || why[n] == '\0') && ld_get(v, DIST_FIELDS[k][i])) {
                char pf[600];
                ld_pkey(pf, sizeof pf, path, DIST_FIELDS[k][i]);
                ld_err(L, ld_get(v, DIST_FIELDS[k][i]), pf, "bad %s distribution: %s", kv->str, why);
                return -1;
            }
        }
        ld_err(L, v, path, "bad %s distribution: %s", kv->str, why);
        return -1;
    }
    return 0;
}

static int add_param(Ld *L, Dist d, ParamCon con, const char *idpath)
{
    Scenario *s = L->s;
    s->params = ld_grow(L, s->params, &L->cap_params, s->nparams + 1, sizeof *s->params);
    ParamDef *pd = &s->params[s->nparams];
    memset(pd, 0, sizeof *pd);
    pd->d = d;
    pd->con = con;
    pd->path = ld_sdup(L, idpath);
    pd->assumption = -1;
    return s->nparams++;
}

/* A param field (number, distribution or assumption record) → param index.
 * Absent and not required: a constant `def`. -1 only when required and
 * absent or invalid (a constant def stands in after an error so that
 * validation can go on). */
int ld_param_field(Ld *L, const JsonValue *obj, const char *path, const char *key,
                       ParamCon con, int required, double def, const char *idpath)
{
    const JsonValue *v = ld_get(obj, key);
    char p[512];
    ld_pkey(p, sizeof p, path, key);
    if (!v) {
        if (required && obj && obj->type == JSON_OBJECT) ld_err(L, obj, p, "missing required field '%s'", key);
        return add_param(L, dist_const(def), con, idpath);
    }
    Dist d = dist_const(def);
    const JsonValue *valv = v;
    int is_record = v->type == JSON_OBJECT && !ld_get(v, "dist");
    if (is_record) {
        static const char *const rec[] = { "value", "range", "source", "note", NULL };
        ld_fields(L, v, p, rec);
        valv = ld_get(v, "value");
        if (!valv) {
            ld_err(L, v, p, "an assumption record needs a 'value' (a number or a distribution)");
            return add_param(L, d, con, idpath);
        }
        char pv[520];
        ld_pkey(pv, sizeof pv, p, "value");
        if (parse_dist(L, valv, pv, &d) != 0) return add_param(L, dist_const(def), con, idpath);
    } else if (parse_dist(L, v, p, &d) != 0) {
        return add_param(L, dist_const(def), con, idpath);
    }
    const char *why = ld_param_check(&d, con);
    if (why) {
        if (d.kind == DIST_CONST)
            ld_err(L, valv, p, "value %g is out of range: it %s", d.p[0], why);
        else
            ld_err(L, valv, p, "distribution (mean %g) is out of range: it %s", dist_mean(&d), why);
        d = dist_const(def);
    }
    int idx = add_param(L, d, con, idpath);
    if (is_record) {
        Scenario *s = L->s;
        s->assumptions = ld_grow(L, s->assumptions, &L->cap_assumptions, s->nassumptions + 1, sizeof *s->assumptions);
        Assumption *a = &s->assumptions[s->nassumptions];
        memset(a, 0, sizeof *a);
        a->path = s->params[idx].path;
        a->value = dist_mean(&d);
        a->lo = a->hi = a->value;
        a->source = "";
        a->source_title = "";
        a->note = ld_sdup(L, ld_str_field(L, v, p, "note", 0, ""));
        const JsonValue *r = ld_get(v, "range");
        if (r) {
            char pr[520];
            ld_pkey(pr, sizeof pr, p, "range");
            if (r->type != JSON_ARRAY || r->len != 2 || r->items[0]->type != JSON_NUMBER ||
                r->items[1]->type != JSON_NUMBER) {
                ld_err(L, r, pr, "expected [lo, hi], two numbers");
            } else if (r->items[0]->num > r->items[1]->num) {
                ld_err(L, r, pr, "lo %g is greater than hi %g", r->items[0]->num, r->items[1]->num);
            } else if (!(fabs(r->items[0]->num) <= SC_MAX_MAGNITUDE) || !(fabs(r->items[1]->num) <= SC_MAX_MAGNITUDE)) {
                /* --uncertainty draws values from the range: the same bound
                 * as values themselves (see ld_param_check). */
                ld_err(L, r, pr, "range [%g, %g] must be within -1e15 to 1e15", r->items[0]->num, r->items[1]->num);
            } else if (!ld_con_ok(r->items[0]->num, con) || !ld_con_ok(r->items[1]->num, con)) {
                ld_err(L, r, pr, "range [%g, %g] is outside what the field allows (%s)", r->items[0]->num,
                    r->items[1]->num, ld_con_words(con));
            } else {
                a->lo = r->items[0]->num;
                a->hi = r->items[1]->num;
                double m = a->value, tol = 1e-9 * (fabs(a->lo) + fabs(a->hi) + 1);
                if (m < a->lo - tol || m > a->hi + tol)
                    ld_err(L, valv, p, "value %g lies outside its range [%g, %g]", m, a->lo, a->hi);
            }
        }
        const JsonValue *src = ld_get(v, "source");
        if (src) {
            char ps[520];
            ld_pkey(ps, sizeof ps, p, "source");
            int si = ld_ref_value(L, src, ps, &L->sources, "source");
            if (si >= 0) {
                a->source = s->sources[si].id;
                a->source_title = s->sources[si].title;
            }
        }
        s->assumption_param = ld_grow(L, s->assumption_param, &L->cap_aparam, s->nassumptions + 1, sizeof(int));
        s->assumption_stream = ld_grow(L, s->assumption_stream, &L->cap_astream, s->nassumptions + 1, sizeof(int));
        s->assumption_param[s->nassumptions] = idx;
        char comp[600];
        snprintf(comp, sizeof comp, "assumption:%s", idpath);
        s->assumption_stream[s->nassumptions] = ld_stream(L, comp, "value");
        s->params[idx].assumption = s->nassumptions++;
    }
    return idx;
}

typedef struct StreamKey { uint64_t prefix; int idx; } StreamKey;

static int stream_key_cmp(const void *a, const void *b)
{
    const StreamKey *x = a, *y = b;
    if (x->prefix != y->prefix) return x->prefix < y->prefix ? -1 : 1;
    return x->idx - y->idx;
}

/* The proof that no two components share a random stream: every stream's
 * key (its hashed component and purpose) is distinct. Names are unique by
 * construction (ids are checked, generated names cannot repeat), so this
 * fails only on a bug in the loader or a 64-bit hash collision; either way
 * the scenario must not run. O(n log n) once per load. */
void ld_streams_unique(Ld *L)
{
    Scenario *s = L->s;
    if (s->nstreams < 2) return;
    StreamKey *k = mem_malloc((size_t)s->nstreams * sizeof *k);
    if (!k) {
        diag_add(L->d, 0, 0, "", "out of memory");
        return;
    }
    for (int i = 0; i < s->nstreams; i++) k[i] = (StreamKey){ s->streams[i].prefix, i };
    qsort(k, (size_t)s->nstreams, sizeof *k, stream_key_cmp);
    for (int i = 1; i < s->nstreams; i++)
        if (k[i].prefix == k[i - 1].prefix) {
            const StreamDef *a = &s->streams[k[i - 1].idx], *b = &s->streams[k[i].idx];
            diag_add(L->d, 0, 0, "", "%s: two components share the random stream of '%s' (%s) and '%s' (%s)",
                     L->s->file ? L->s->file : "scenario", a->component, a->purpose, b->component, b->purpose);
            break;
        }
    mem_free(k);
}

/* --- pass 3: paths --------------------------------------------------------- */
static int param_by_path(const Scenario *s, const char *path)
{
    for (int i = 0; i < s->nparams; i++)
        if (!strcmp(s->params[i].path, path)) return i;
    return -1;
}

/* Candidate paths for "did you mean": only those a person writes (not the
 * synthetic paths of effect operands). */
static const char *suggest_path(const Scenario *s, const char *path)
{
    const char **c = mem_malloc((size_t)(s->nparams + 1) * sizeof *c);
    if (!c) return NULL;
    int n = 0;
    for (int i = 0; i < s->nparams; i++)
        if (!strchr(s->params[i].path, '[')) c[n++] = s->params[i].path;
    const char *r = diag_suggest(path, c, n);
    mem_free(c);
    return r;
}

void ld_resolve_deferred(Ld *L)
{
    Scenario *s = L->s;
    for (int i = 0; i < L->ndeferred; i++) {
        Deferred *df = &L->deferred[i];
        int k = param_by_path(s, df->pathname);
        if (k < 0) {
            const char *sug = suggest_path(s, df->pathname);
            if (sug) ld_err(L, df->at, df->where, "unknown parameter path '%s' (did you mean '%s'?)", df->pathname, sug);
            else ld_err(L, df->at, df->where, "unknown parameter path '%s' (paths look like routes.ID.loss; see docs/scenario.md)", df->pathname);
            continue;
        }
        Effect *ef = &s->effects[df->effect];
        ef->target = k;
        s->params[k].mutable_ = 1;
        /* A constant that is set outright can be checked now, against the
         * field it changes (a loss of 3 is as wrong here as in the file). */
        const Dist *val = ef->value >= 0 ? &s->params[ef->value].d : NULL;
        if (ef->kind == E_SET && val && val->kind == DIST_CONST && !ld_con_ok(val->p[0], s->params[k].con))
            ld_err(L, df->at, df->where, "sets '%s' to %g, but it must be %s", df->pathname, val->p[0],
                ld_con_words(s->params[k].con));
    }
}

/* "PATH=VALUE" with VALUE a number or JSON distribution. */
void ld_apply_set(Ld *L, const char *set)
{
    Scenario *s = L->s;
    const char *eq = strchr(set, '=');
    if (!eq || eq == set) {
        diag_add(L->d, 0, 0, "", "--set '%s': expected PATH=VALUE, e.g. routes.rajin-vostochny.loss=0.2", set);
        return;
    }
    char path[512];
    snprintf(path, sizeof path, "%.*s", (int)(eq - set), set);
    int k = param_by_path(s, path);
    if (k < 0) {
        const char *sug = suggest_path(s, path);
        if (sug) diag_add(L->d, 0, 0, "", "--set %s: unknown parameter path (did you mean '%s'?)", path, sug);
        else diag_add(L->d, 0, 0, "", "--set %s: unknown parameter path", path);
        return;
    }
    Diag vd;
    diag_init(&vd, "--set");
    const char *val = eq + 1;
    JsonDoc *doc = json_parse(val, strlen(val), &vd);
    L->set_doc = doc;   /* freed by scenario_load_buffer if memory runs out below */
    if (!doc) {
        /* A message lost (dropped) can only have been lost to memory too. */
        for (int i = 0; i < vd.count + (vd.dropped > 0); i++)
            if (i == vd.count || strstr(vd.items[i].msg, "out of memory")) {
                diag_fini(&vd);
                ld_oom(L);
            }
        diag_add(L->d, 0, 0, "", "--set %s: '%s' is not a number or a JSON distribution", path, val);
        diag_fini(&vd);
        return;
    }
    diag_fini(&vd);
    const JsonValue *v = json_root(doc);
    ParamDef *pd = &s->params[k];
    Dist d = pd->d;
    char where[600];
    snprintf(where, sizeof where, "--set %s", path);
    int before = diag_errors(L->d);
    if (v->type == JSON_NUMBER) {
        if (pd->d.kind == DIST_CONST) d = dist_const(v->num);
        else dist_set_mean(&d, v->num);
    } else if (parse_dist(L, v, where, &d) != 0) {
        json_destroy(doc);
        L->set_doc = NULL;
        return;
    }
    json_destroy(doc);
    L->set_doc = NULL;
    if (diag_errors(L->d) != before) return;
    const char *why = ld_param_check(&d, pd->con);
    if (why) {
        diag_add(L->d, 0, 0, "", "--set %s: %s %s (expected %s)", path, d.kind == DIST_CONST ? "value" : "distribution",
                 why, ld_con_words(pd->con));
        return;
    }
    pd->d = d;
    if (pd->assumption >= 0) {
        /* An override may leave the assumption's plausible range; the range
         * then widens to take it in, since --uncertainty draws from
         * triangular(lo, value, hi), which has no meaning (NaN draws) with
         * the value outside (found by fuzz_set: front-demand at 1.1e7). */
        Assumption *a = &s->assumptions[pd->assumption];
        a->value = dist_mean(&d);
        if (a->lo < a->hi) {
            if (a->value < a->lo) a->lo = a->value;
            if (a->value > a->hi) a->hi = a->value;
        }
    }
    /* Keep the trace header's nominal figures true to the override. */
    for (int i = 0; i < s->nstocks; i++) {
        if (s->stocks[i].initial == k) s->stock_info[i].initial = dist_mean(&d);
        if (s->stocks[i].capacity == k) s->stock_info[i].capacity = dist_mean(&d);
    }
}
