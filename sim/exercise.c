/* exercise.c — loading and validating teaching exercises (see exercise.h).
 *
 * Invariant: a returned Exercise has every field checked and resolved —
 * metric and decision ids to indices, dates to epoch days, units and dates
 * matched against the metric they predict — or it is not returned. Every
 * problem is reported (not just the first), in file order.
 */
#include "exercise.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cal.h"
#include "json.h"
#include "mem.h"
#include "scenario_int.h"

#define EX_MAX_STRING 16384

typedef struct Ld {
    Diag *d;
    Exercise *ex;
    int oom;
} Ld;

static const char *const TOP[] = { "salvo_exercise", "id", "title", "level", "minutes", "scenario", "objectives",
                                   "briefing", "predictions", "decisions", "debrief", "instructor_notes", NULL };
static const char *const BRIEFING[] = { "situation", "role", "known", NULL };
static const char *const FACT[] = { "fact", "as_of", "source", NULL };
static const char *const PRED[] = { "id", "question", "kind", "metric", "unit", "by", "above", NULL };
static const char *const DEC[] = { "decision", "prompt", "show", "known", NULL };
static const char *const LEVELS[] = { "introductory", "intermediate", "advanced", NULL };
static const char *const KINDS[] = { "interval", "probability", NULL };

static void path_key(char *out, size_t n, const char *path, const char *key)
{
    snprintf(out, n, "%.380s%s%.100s", path, path[0] ? "." : "", key);
}

static void path_idx(char *out, size_t n, const char *path, size_t i)
{
    snprintf(out, n, "%.480s[%zu]", path, i);
}

static int count(const char *const *list)
{
    int n = 0;
    while (list[n]) n++;
    return n;
}

/* An object with only known members, each once. */
static int check_object(Ld *L, const JsonValue *v, const char *path, const char *const *allowed)
{
    if (!v || v->type != JSON_OBJECT) {
        diag_add(L->d, v ? v->line : 0, v ? v->col : 0, path, "expected an object, found %s",
                 v ? json_type_name(v->type) : "nothing");
        return 0;
    }
    for (size_t i = 0; i < v->len; i++) {
        char p[512];
        path_key(p, sizeof p, path, v->keys[i]);
        int known = 0;
        for (int j = 0; allowed[j] && !known; j++) known = !strcmp(v->keys[i], allowed[j]);
        if (!known) {
            const char *s = diag_suggest(v->keys[i], allowed, count(allowed));
            if (s) diag_add(L->d, v->key_line[i], v->key_col[i], p, "unknown field '%s' (did you mean '%s'?)", v->keys[i], s);
            else diag_add(L->d, v->key_line[i], v->key_col[i], p, "unknown field '%s'", v->keys[i]);
        }
        for (size_t j = 0; j < i; j++)
            if (!strcmp(v->keys[i], v->keys[j])) {
                diag_add(L->d, v->key_line[i], v->key_col[i], p, "duplicate key '%s' (first at line %d, column %d)",
                         v->keys[i], v->key_line[j], v->key_col[j]);
                break;
            }
    }
    return 1;
}

static const JsonValue *member(const JsonValue *obj, const char *key)
{
    return obj && obj->type == JSON_OBJECT ? json_get(obj, key) : NULL;
}

/* A non-empty string member; def if absent and not required. */
static const char *str(Ld *L, const JsonValue *obj, const char *path, const char *key, int required, const char *def)
{
    const JsonValue *v = member(obj, key);
    char p[512];
    path_key(p, sizeof p, path, key);
    if (!v) {
        if (required && obj && obj->type == JSON_OBJECT) diag_add(L->d, obj->line, obj->col, p, "missing required field '%s'", key);
        return def;
    }
    if (v->type != JSON_STRING) {
        diag_add(L->d, v->line, v->col, p, "expected a string, found %s", json_type_name(v->type));
        return def;
    }
    if (v->len == 0) {
        diag_add(L->d, v->line, v->col, p, "expected a non-empty string");
        return def;
    }
    if (v->len > EX_MAX_STRING) {
        diag_add(L->d, v->line, v->col, p, "string too long (%zu bytes; the limit is %d)", v->len, EX_MAX_STRING);
        return def;
    }
    return v->str;
}

/* One of `names`; -1 if absent or wrong. */
static int name_of(Ld *L, const JsonValue *obj, const char *path, const char *key, const char *const *names,
                   const char *what)
{
    const char *s = str(L, obj, path, key, 1, NULL);
    if (!s) return -1;
    for (int i = 0; names[i]; i++)
        if (!strcmp(s, names[i])) return i;
    const JsonValue *v = member(obj, key);
    char p[512];
    path_key(p, sizeof p, path, key);
    const char *sug = diag_suggest(s, names, count(names));
    if (sug) diag_add(L->d, v->line, v->col, p, "unknown %s '%s' (did you mean '%s'?)", what, s, sug);
    else diag_add(L->d, v->line, v->col, p, "unknown %s '%s'", what, s);
    return -1;
}

/* An array member (possibly required non-empty); NULL if absent or wrong. */
static const JsonValue *arr(Ld *L, const JsonValue *obj, const char *path, const char *key, int required)
{
    const JsonValue *v = member(obj, key);
    char p[512];
    path_key(p, sizeof p, path, key);
    if (!v) {
        if (required && obj && obj->type == JSON_OBJECT) diag_add(L->d, obj->line, obj->col, p, "missing required field '%s'", key);
        return NULL;
    }
    if (v->type != JSON_ARRAY) {
        diag_add(L->d, v->line, v->col, p, "expected an array, found %s", json_type_name(v->type));
        return NULL;
    }
    if (required && v->len == 0) diag_add(L->d, v->line, v->col, p, "expected at least one item");
    return v;
}

static void *alloc(Ld *L, size_t n, size_t size)
{
    void *p = mem_calloc(n ? n : 1, size);
    if (!p) L->oom = 1;
    return p;
}

static const char **strings(Ld *L, const JsonValue *a, const char *path, int *n)
{
    *n = 0;
    if (!a) return NULL;
    const char **out = alloc(L, a->len, sizeof *out);
    if (!out) return NULL;
    for (size_t i = 0; i < a->len; i++) {
        char p[512];
        path_idx(p, sizeof p, path, i);
        const JsonValue *v = a->items[i];
        if (v->type != JSON_STRING || v->len == 0)
            diag_add(L->d, v->line, v->col, p, "expected a non-empty string, found %s", json_type_name(v->type));
        else
            out[(*n)++] = v->str;
    }
    return out;
}

/* Dated facts; each must be dated no later than `latest` (epoch day). */
static ExFact *facts(Ld *L, const JsonValue *a, const char *path, int *n, int64_t latest, const char *when)
{
    *n = 0;
    if (!a) return NULL;
    ExFact *out = alloc(L, a->len, sizeof *out);
    if (!out) return NULL;
    for (size_t i = 0; i < a->len; i++) {
        char p[512];
        path_idx(p, sizeof p, path, i);
        const JsonValue *v = a->items[i];
        if (!check_object(L, v, p, FACT)) continue;
        ExFact *f = &out[*n];
        f->text = str(L, v, p, "fact", 1, NULL);
        f->as_of = str(L, v, p, "as_of", 1, NULL);
        f->source = str(L, v, p, "source", 1, NULL);
        if (f->as_of) {
            const JsonValue *dv = member(v, "as_of");
            char pp[512];
            path_key(pp, sizeof pp, p, "as_of");
            if (cal_parse(f->as_of, &f->as_of_day) != 0) {
                diag_add(L->d, dv->line, dv->col, pp, "expected a date YYYY-MM-DD, found '%s'", f->as_of);
                continue;
            }
            if (f->as_of_day > latest) {
                char lim[11];
                cal_format(latest, lim);
                diag_add(L->d, dv->line, dv->col, pp, "'%s' is after %s (%s): the student cannot know it yet",
                         f->as_of, lim, when);
                continue;
            }
        }
        if (f->text && f->as_of && f->source) (*n)++;
    }
    return out;
}

static int metric_ref(Ld *L, const JsonValue *v, const char *p)
{
    const Scenario *sc = L->ex->scenario;
    if (!v || v->type != JSON_STRING) {
        diag_add(L->d, v ? v->line : 0, v ? v->col : 0, p, "expected a metric id (a string)");
        return -1;
    }
    int m = scenario_metric_find(sc, v->str);
    if (m >= 0) return m;
    int nm = scenario_metric_count(sc);
    const char **ids = alloc(L, (size_t)nm, sizeof *ids);
    const char *sug = NULL;
    if (ids) {
        for (int i = 0; i < nm; i++) ids[i] = scenario_metric(sc, i)->id;
        sug = diag_suggest(v->str, ids, nm);
    }
    if (sug) diag_add(L->d, v->line, v->col, p, "unknown metric '%s' (did you mean '%s'?)", v->str, sug);
    else diag_add(L->d, v->line, v->col, p, "unknown metric '%s' in scenario %s", v->str, L->ex->scenario_path);
    mem_free(ids);
    return -1;
}

/* The date a metric's value is read on: a FLAG's `by`, else the last day. */
static int64_t metric_day(const Scenario *sc, int m)
{
    const MetricDef *md = &sc->metrics[m];
    if (md->info.kind == MET_FLAG) return scenario_start(sc) + (int64_t)md->by;
    return scenario_start(sc) + (int64_t)scenario_end(sc);
}

static void predictions(Ld *L, const JsonValue *a)
{
    Exercise *ex = L->ex;
    const Scenario *sc = ex->scenario;
    if (!a) return;
    ex->predictions = alloc(L, a->len, sizeof *ex->predictions);
    if (!ex->predictions) return;
    for (size_t i = 0; i < a->len; i++) {
        char p[512], pp[600];
        path_idx(p, sizeof p, "predictions", i);
        const JsonValue *v = a->items[i];
        if (!check_object(L, v, p, PRED)) continue;
        ExPrediction *pr = &ex->predictions[ex->npredictions];
        int ok = 1;
        pr->id = str(L, v, p, "id", 1, NULL);
        pr->question = str(L, v, p, "question", 1, NULL);
        int kind = name_of(L, v, p, "kind", KINDS, "prediction kind");
        path_key(pp, sizeof pp, p, "metric");
        const JsonValue *mv = member(v, "metric");
        if (!mv) {
            diag_add(L->d, v->line, v->col, pp, "missing required field 'metric'");
            ok = 0;
        }
        pr->metric = mv ? metric_ref(L, mv, pp) : -1;
        pr->unit = str(L, v, p, "unit", 0, NULL);
        pr->by = str(L, v, p, "by", 1, NULL);
        if (!pr->id || !pr->question || kind < 0 || pr->metric < 0 || !pr->by) ok = 0;
        for (int j = 0; pr->id && j < ex->npredictions; j++)
            if (!strcmp(ex->predictions[j].id, pr->id)) {
                path_key(pp, sizeof pp, p, "id");
                diag_add(L->d, member(v, "id")->line, member(v, "id")->col, pp, "duplicate prediction id '%s'", pr->id);
                ok = 0;
            }
        const JsonValue *av = member(v, "above");
        if (av) {
            path_key(pp, sizeof pp, p, "above");
            if (av->type != JSON_NUMBER) {
                diag_add(L->d, av->line, av->col, pp, "expected a number, found %s", json_type_name(av->type));
                ok = 0;
            } else {
                pr->has_above = 1;
                pr->above = av->num;
            }
        }
        if (!ok) continue;
        pr->kind = (ExPredKind)kind;
        const MetricInfo *mi = scenario_metric(sc, pr->metric);
        /* The unit must be the metric's: a student predicts in the unit
         * the debrief measures in. */
        const char *unit = mi->kind == MET_FLAG ? "" : mi->unit;
        if (pr->kind == PRED_INTERVAL) {
            path_key(pp, sizeof pp, p, "unit");
            if (mi->kind == MET_FLAG) {
                diag_add(L->d, v->line, v->col, p, "metric '%s' is a yes/no flag: predict it with kind 'probability'", mi->id);
                ok = 0;
            } else if (!pr->unit) {
                diag_add(L->d, v->line, v->col, pp, "missing required field 'unit' (metric '%s' is in '%s')", mi->id, unit);
                ok = 0;
            } else if (strcmp(pr->unit, unit) != 0) {
                const JsonValue *uv = member(v, "unit");
                diag_add(L->d, uv->line, uv->col, pp, "unit '%s' is not the unit of metric '%s' ('%s')", pr->unit, mi->id, unit);
                ok = 0;
            }
            if (pr->has_above) {
                diag_add(L->d, av->line, av->col, pp, "'above' belongs to a 'probability' prediction");
                ok = 0;
            }
        } else {
            if (mi->kind != MET_FLAG && !pr->has_above) {
                path_key(pp, sizeof pp, p, "above");
                diag_add(L->d, v->line, v->col, pp, "metric '%s' is not a yes/no flag: give 'above', the value the "
                         "probability is of exceeding", mi->id);
                ok = 0;
            }
            if (mi->kind == MET_FLAG && pr->has_above) {
                path_key(pp, sizeof pp, p, "above");
                diag_add(L->d, av->line, av->col, pp, "metric '%s' is a yes/no flag: 'above' does not apply", mi->id);
                ok = 0;
            }
            if (pr->unit && strcmp(pr->unit, unit) != 0) {
                const JsonValue *uv = member(v, "unit");
                path_key(pp, sizeof pp, p, "unit");
                diag_add(L->d, uv->line, uv->col, pp, "unit '%s' is not the unit of metric '%s' ('%s')", pr->unit, mi->id, unit);
                ok = 0;
            }
        }
        const JsonValue *bv = member(v, "by");
        path_key(pp, sizeof pp, p, "by");
        if (cal_parse(pr->by, &pr->by_day) != 0) {
            diag_add(L->d, bv->line, bv->col, pp, "expected a date YYYY-MM-DD, found '%s'", pr->by);
            ok = 0;
        } else if (pr->by_day != metric_day(sc, pr->metric)) {
            char want[11];
            cal_format(metric_day(sc, pr->metric), want);
            diag_add(L->d, bv->line, bv->col, pp, "metric '%s' is read on %s, not %s", mi->id, want, pr->by);
            ok = 0;
        }
        if (ok) ex->npredictions++;
    }
}

static void decisions(Ld *L, const JsonValue *a)
{
    Exercise *ex = L->ex;
    const TraceHeader *h = scenario_trace_header(ex->scenario);
    if (!a) return;
    ex->decisions = alloc(L, a->len, sizeof *ex->decisions);
    if (!ex->decisions) return;
    int64_t end_day = scenario_start(ex->scenario) + (int64_t)scenario_end(ex->scenario);
    for (size_t i = 0; i < a->len; i++) {
        char p[512], pp[600];
        path_idx(p, sizeof p, "decisions", i);
        const JsonValue *v = a->items[i];
        if (!check_object(L, v, p, DEC)) continue;
        ExDecision *dp = &ex->decisions[ex->ndecisions];
        const char *id = str(L, v, p, "decision", 1, NULL);
        dp->prompt = str(L, v, p, "prompt", 1, NULL);
        dp->decision = -1;
        if (id) {
            const char **ids = alloc(L, (size_t)h->ndecisions, sizeof *ids);
            for (int k = 0; k < h->ndecisions; k++) {
                if (!strcmp(h->decisions[k].id, id)) dp->decision = k;
                if (ids) ids[k] = h->decisions[k].id;
            }
            const JsonValue *iv = member(v, "decision");
            path_key(pp, sizeof pp, p, "decision");
            if (dp->decision < 0) {
                const char *sug = ids ? diag_suggest(id, ids, h->ndecisions) : NULL;
                if (sug) diag_add(L->d, iv->line, iv->col, pp, "unknown decision '%s' (did you mean '%s'?)", id, sug);
                else diag_add(L->d, iv->line, iv->col, pp, "unknown decision '%s': the scenario has %d decision(s)", id, h->ndecisions);
            }
            for (int k = 0; k < ex->ndecisions; k++)
                if (dp->decision >= 0 && ex->decisions[k].decision == dp->decision)
                    diag_add(L->d, iv->line, iv->col, pp, "decision '%s' is listed twice", id);
            mem_free(ids);
        }
        path_key(pp, sizeof pp, p, "show");
        const JsonValue *sv = arr(L, v, p, "show", 0);
        if (sv) {
            dp->show = alloc(L, sv->len, sizeof *dp->show);
            for (size_t k = 0; dp->show && k < sv->len; k++) {
                char pk[640];
                path_idx(pk, sizeof pk, pp, k);
                int m = metric_ref(L, sv->items[k], pk);
                if (m >= 0) dp->show[dp->nshow++] = m;
            }
        }
        path_key(pp, sizeof pp, p, "known");
        dp->known = facts(L, arr(L, v, p, "known", 0), pp, &dp->nknown, end_day, "the scenario's end");
        if (dp->decision >= 0 && dp->prompt) {
            ex->ndecisions++;
        } else {
            mem_free(dp->show);
            mem_free(dp->known);
            memset(dp, 0, sizeof *dp);
        }
    }
}

static void load_doc(Ld *L, const JsonValue *root, const char *path)
{
    Exercise *ex = L->ex;
    if (!check_object(L, root, "", TOP)) return;
    const JsonValue *ver = member(root, "salvo_exercise");
    if (!ver) diag_add(L->d, root->line, root->col, "salvo_exercise", "missing required field 'salvo_exercise' (the format version, 1)");
    else if (ver->type != JSON_NUMBER || ver->num != 1)
        diag_add(L->d, ver->line, ver->col, "salvo_exercise", "unsupported exercise format (expected 1)");
    ex->id = str(L, root, "", "id", 1, NULL);
    ex->title = str(L, root, "", "title", 1, NULL);
    int lv = name_of(L, root, "", "level", LEVELS, "level");
    ex->level = lv < 0 ? EX_INTRODUCTORY : (ExLevel)lv;
    const JsonValue *mv = member(root, "minutes");
    if (!mv) diag_add(L->d, root->line, root->col, "minutes", "missing required field 'minutes' (the expected duration)");
    else if (mv->type != JSON_NUMBER || mv->num != (int)mv->num || mv->num < 5 || mv->num > 600)
        diag_add(L->d, mv->line, mv->col, "minutes", "expected whole minutes from 5 to 600");
    else ex->minutes = (int)mv->num;
    ex->scenario_path = str(L, root, "", "scenario", 1, NULL);
    if (ex->scenario_path) {
        /* Relative to the exercise file, so exercises travel with their scenarios. */
        char full[4096];
        const char *slash = strrchr(path, '/');
        if (ex->scenario_path[0] == '/' || !slash)
            snprintf(full, sizeof full, "%s", ex->scenario_path);
        else
            snprintf(full, sizeof full, "%.*s/%s", (int)(slash - path), path, ex->scenario_path);
        snprintf(ex->scenario_file, sizeof ex->scenario_file, "%s", full);
        Diag sd;
        diag_init(&sd, full);
        ex->scenario = scenario_load(full, NULL, 0, &sd);
        if (!ex->scenario) {
            const JsonValue *sv = member(root, "scenario");
            diag_add(L->d, sv->line, sv->col, "scenario", "the scenario '%s' does not load (%d problem(s); first: %s:%d:%d: %s%s%s)",
                     full, diag_errors(&sd), full, sd.count ? sd.items[0].line : 0, sd.count ? sd.items[0].col : 0,
                     sd.count && sd.items[0].path[0] ? sd.items[0].path : "", sd.count && sd.items[0].path[0] ? ": " : "",
                     sd.count ? sd.items[0].msg : "?");
        }
        diag_fini(&sd);
    }
    ex->objectives = strings(L, arr(L, root, "", "objectives", 1), "objectives", &ex->nobjectives);
    const JsonValue *b = member(root, "briefing");
    if (!b) diag_add(L->d, root->line, root->col, "briefing", "missing required field 'briefing'");
    else if (check_object(L, b, "briefing", BRIEFING)) {
        ex->situation = str(L, b, "briefing", "situation", 1, NULL);
        ex->role = str(L, b, "briefing", "role", 1, NULL);
        if (ex->scenario)
            ex->known = facts(L, arr(L, b, "briefing", "known", 1), "briefing.known", &ex->nknown,
                              scenario_start(ex->scenario), "the scenario's start date");
    }
    ex->debrief = strings(L, arr(L, root, "", "debrief", 1), "debrief", &ex->ndebrief);
    ex->instructor_notes = str(L, root, "", "instructor_notes", 1, NULL);
    if (!ex->scenario) return;  /* predictions and decisions refer into it */
    predictions(L, arr(L, root, "", "predictions", 1));
    decisions(L, arr(L, root, "", "decisions", 1));
}

Exercise *exercise_load(const char *path, Diag *d)
{
    JsonDoc *doc = json_parse_file(path, d);
    if (!doc) return NULL;
    Exercise *ex = mem_calloc(1, sizeof *ex);
    if (!ex) {
        json_destroy(doc);
        diag_add(d, 0, 0, "", "out of memory loading the exercise");
        return NULL;
    }
    ex->doc_ = doc;
    ex->path = path;
    Ld L = { d, ex, 0 };
    int before = diag_errors(d);
    load_doc(&L, json_root(doc), path);
    if (L.oom) diag_add(d, 0, 0, "", "out of memory loading the exercise");
    if (diag_errors(d) > before) {
        exercise_destroy(ex);
        return NULL;
    }
    return ex;
}

void exercise_destroy(Exercise *ex)
{
    if (!ex) return;
    for (int i = 0; ex->decisions && i < ex->ndecisions; i++) {
        mem_free(ex->decisions[i].show);
        mem_free(ex->decisions[i].known);
    }
    mem_free(ex->decisions);
    mem_free(ex->predictions);
    mem_free(ex->known);
    mem_free(ex->objectives);
    mem_free(ex->debrief);
    scenario_destroy(ex->scenario);
    json_destroy(ex->doc_);
    mem_free(ex);
}

int exercise_sniff(const char *path)
{
    Diag d;
    diag_init(&d, path);
    JsonDoc *doc = json_parse_file(path, &d);
    int yes = doc && json_get(json_root(doc), "salvo_exercise") != NULL;
    json_destroy(doc);
    diag_fini(&d);
    return yes;
}

const char *exercise_level_name(ExLevel l)
{
    return l >= EX_INTRODUCTORY && l <= EX_ADVANCED ? LEVELS[l] : "?";
}

const ExDecision *exercise_decision(const Exercise *ex, int d)
{
    for (int i = 0; i < ex->ndecisions; i++)
        if (ex->decisions[i].decision == d) return &ex->decisions[i];
    return NULL;
}

/* --- the debrief's arithmetic ---------------------------------------------- */

double exercise_percentile(const double *sample, int n, double x)
{
    long below = 0, equal = 0;
    for (int i = 0; i < n; i++) {
        below += sample[i] < x;
        equal += sample[i] == x;
    }
    return 100.0 * ((double)below + 0.5 * (double)equal) / (double)n;
}

double exercise_brier(double p, int happened)
{
    double e = p - (happened ? 1.0 : 0.0);
    return e * e;
}

int exercise_hit(double lo, double hi, double x) { return lo <= x && x <= hi; }

const char *exercise_check_guess(const ExPrediction *pr, const ExGuess *g)
{
    if (pr->kind == PRED_INTERVAL) {
        if (!isfinite(g->best) || !isfinite(g->lo) || !isfinite(g->hi)) return "expected three numbers: BEST LOW HIGH";
        if (g->lo > g->hi) return "expected LOW <= HIGH: the low end is above the high end";
        if (!(g->lo <= g->best && g->best <= g->hi)) return "expected LOW <= BEST <= HIGH";
        return NULL;
    }
    if (!(g->p >= 0 && g->p <= 1)) return "expected a probability from 0 to 1 (or 0% to 100%)";
    return NULL;
}

int exercise_parse_number(const char *s, int percent, double *x)
{
    char buf[64];
    size_t n = 0;
    while (*s == ' ' || *s == '\t') s++;
    for (; *s && n + 1 < sizeof buf; s++)
        if (*s != ',') buf[n++] = *s;      /* thousands separators */
    if (*s) return -1;
    while (n && (buf[n - 1] == ' ' || buf[n - 1] == '\t')) n--;
    buf[n] = '\0';
    int pct = percent && n && buf[n - 1] == '%';
    if (pct) buf[--n] = '\0';
    char *end;
    double v = strtod(buf, &end);
    if (!n || *end || !isfinite(v)) return -1;
    *x = pct ? v / 100 : v;
    return 0;
}

const char EXERCISE_CALIBRATION[] =
    "Calibration: of many 80% intervals about 80% should hold, and of events given 70% about 7 in 10 "
    "should happen. One run cannot show calibration; the class debrief (salvo debrief) can. The share "
    "of runs each interval holds in says whether it was too narrow (well under 80%) or too wide.";

void exercise_score(const Exercise *ex, const ExGuess *g, const double *mine, const double *all, int nruns,
                    ExScore *out, ExScoreSum *sum)
{
    size_t nm = (size_t)scenario_metric_count(ex->scenario);
    *sum = (ExScoreSum){ 0 };
    for (int i = 0; i < ex->npredictions; i++) {
        const ExPrediction *pr = &ex->predictions[i];
        ExScore *s = &out[i];
        *s = (ExScore){ 0 };
        s->outcome = exercise_outcome(ex, i, mine);
        int n = 0;
        for (int r = 0; r < nruns; r++) {
            const double *row = all + (size_t)r * nm;
            n += pr->kind == PRED_INTERVAL ? exercise_hit(g[i].lo, g[i].hi, row[pr->metric])
                                           : exercise_outcome(ex, i, row) != 0;
        }
        if (pr->kind == PRED_INTERVAL) {
            s->hit = exercise_hit(g[i].lo, g[i].hi, s->outcome);
            s->cover = nruns > 0 ? (double)n / nruns : 0;
            sum->nint++;
            sum->hits += s->hit;
        } else {
            s->brier = exercise_brier(g[i].p, s->outcome != 0);
            s->freq = nruns > 0 ? (double)n / nruns : 0;
            sum->nprob++;
            sum->brier += s->brier;
        }
    }
    if (sum->nprob) sum->brier /= sum->nprob;
}

double exercise_outcome(const Exercise *ex, int i, const double *metrics)
{
    const ExPrediction *pr = &ex->predictions[i];
    double v = metrics[pr->metric];
    if (pr->kind == PRED_INTERVAL) return v;
    if (pr->has_above) return v > pr->above ? 1.0 : 0.0;
    return v != 0 ? 1.0 : 0.0;
}

int exercise_outcomes(const Scenario *sc, uint64_t seed, const int *by_decision, int nruns, double *out)
{
    Sim *sim = sim_create(sc);
    if (!sim) return -1;
    int nm = scenario_metric_count(sc);
    for (int r = 0; r < nruns; r++) {
        sim_reset(sim, seed, (uint64_t)r + 1);
        sim_script_decisions(sim, by_decision);
        sim_run(sim, INFINITY);
        sim_metrics(sim, out + (size_t)r * (size_t)nm);
    }
    sim_destroy(sim);
    return 0;
}

const char *exercise_option_id(const Exercise *ex, int d, int o)
{
    return ex->scenario->decisions[d].option_ids[o];
}

int exercise_histogram(const double *sample, int n, double x, int nbins, int *bins, double *lo, double *hi)
{
    assert(n > 0 && nbins > 0);
    double a = sample[0], b = sample[0];
    for (int i = 1; i < n; i++) {
        if (sample[i] < a) a = sample[i];
        if (sample[i] > b) b = sample[i];
    }
    *lo = a;
    *hi = b;
    for (int k = 0; k < nbins; k++) bins[k] = 0;
    if (!(b > a)) return -1;
    for (int i = 0; i < n; i++) {
        int k = (int)((sample[i] - a) / (b - a) * nbins);
        bins[k >= nbins ? nbins - 1 : k]++;
    }
    int mark = x <= a ? 0 : x >= b ? nbins - 1 : (int)((x - a) / (b - a) * nbins);
    return mark >= nbins ? nbins - 1 : mark;
}

/* --- what mattered ----------------------------------------------------- */

static int by_effect(const void *x, const void *y)
{
    const ExMattered *p = x, *q = y;
    double a = fabs(p->effect), b = fabs(q->effect);
    return a < b ? 1 : a > b ? -1 : p->assumption - q->assumption;
}

/* The means of every prediction's metric over `runs` runs of the scenario
 * with one assumption at value v: mean[i] for prediction i. 0, 1 if the
 * loader refused the value, -1 if memory ran out. */
static int means_at(const Exercise *ex, const Assumption *as, double v, uint64_t seed, const int *by_decision, int runs,
                    double *out, double *mean)
{
    char set[512];
    snprintf(set, sizeof set, "%s=%.17g", as->path, v);
    const char *sets[1] = { set };
    Diag d;
    diag_init(&d, ex->scenario_file);
    Scenario *s = scenario_load(ex->scenario_file, sets, 1, &d);
    diag_fini(&d);
    if (!s) return 1;
    int nm = scenario_metric_count(s), rc = exercise_outcomes(s, seed, by_decision, runs, out);
    for (int i = 0; rc == 0 && i < ex->npredictions; i++) {
        double sum = 0;
        for (int r = 0; r < runs; r++) sum += out[(size_t)r * (size_t)nm + (size_t)ex->predictions[i].metric];
        mean[i] = sum / runs;
    }
    scenario_destroy(s);
    return rc;
}

int exercise_what_mattered(const Exercise *ex, uint64_t seed, const int *by_decision, int runs, ExMattered **rows,
                           int *nrows)
{
    const Scenario *sc = ex->scenario;
    int na = scenario_assumption_count(sc), nm = scenario_metric_count(sc), np = ex->npredictions, nint = 0;
    *rows = NULL;
    *nrows = 0;
    for (int i = 0; i < np; i++) nint += ex->predictions[i].kind == PRED_INTERVAL;
    if (runs <= 0 || na == 0 || nint == 0) return 0;
    /* eff[i * na + k]: prediction i's k-th usable assumption. */
    ExMattered *eff = calloc((size_t)na * (size_t)np, sizeof *eff);
    double *out = malloc((size_t)runs * (size_t)nm * sizeof *out), *mean = calloc((size_t)np * 2, sizeof *mean);
    int nr = 0, rc = -1;
    if (!eff || !out || !mean) goto done;
    for (int a = 0; a < na; a++) {
        const Assumption *as = scenario_assumption(sc, a);
        if (!(as->lo < as->hi)) continue;
        int lo = means_at(ex, as, as->lo, seed, by_decision, runs, out, mean);
        int hi = lo ? lo : means_at(ex, as, as->hi, seed, by_decision, runs, out, mean + np);
        if (lo < 0 || hi < 0) goto done;
        if (lo || hi) continue;
        for (int i = 0; i < np; i++)
            eff[(size_t)i * (size_t)na + (size_t)nr] = (ExMattered){ i, a, 0, mean[i], mean[np + i], mean[np + i] - mean[i] };
        nr++;
    }
    int k = 0;
    for (int i = 0; i < np && nr > 0; i++) {
        if (ex->predictions[i].kind != PRED_INTERVAL) continue;
        ExMattered *e = eff + (size_t)i * (size_t)na;
        qsort(e, (size_t)nr, sizeof *e, by_effect);
        for (int r = 0; r < nr; r++) e[r].rank = r;
        memmove(eff + k, e, (size_t)nr * sizeof *e);
        k += nr;
    }
    *rows = eff;
    *nrows = k;
    eff = NULL;
    rc = 0;
done:
    free(eff);
    free(out);
    free(mean);
    return rc;
}

void exercise_mattered_text(char *buf, size_t n, const Exercise *ex, const ExMattered *r, ExAmountFn amount)
{
    const Assumption *as = scenario_assumption(ex->scenario, r->assumption);
    char lo[64], hi[64], d[64];
    amount(lo, sizeof lo, as->lo, NULL);
    amount(hi, sizeof hi, as->hi, NULL);
    amount(d, sizeof d, fabs(r->effect), ex->predictions[r->prediction].unit);
    int src = as->source_title && as->source_title[0];
    snprintf(buf, n, "%s, from %s to %s, %s it by %s on average%s%s%s.", as->path, lo, hi,
             r->effect >= 0 ? "raises" : "lowers", d, src ? " (source: " : "", src ? as->source_title : "", src ? ")" : "");
}
