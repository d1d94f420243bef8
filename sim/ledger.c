/* ledger.c — the assumption ledger: see ledger.h.
 *
 * Units are those of docs/scenario.md, found by walking the compiled
 * scenario once (which structure owns which parameter), not by parsing
 * paths; an effect's `set`/`add` operand takes the unit of the parameter it
 * changes. Every parameter gets a row, defaults included: the ledger shows
 * every number the model uses.
 */
#include "ledger.h"
#include "mem.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cal.h"
#include "scenario_int.h"

static void set_unit(LedgerRow *rows, int param, const char *unit)
{
    if (param < 0) return;
    /* memmove: an effect's operand copies another row's unit. */
    size_t n = strlen(unit);
    if (n >= sizeof rows->unit) n = sizeof rows->unit - 1;
    memmove(rows[param].unit, unit, n);
    rows[param].unit[n] = '\0';
}

static const char *res_unit(const Scenario *s, int stock)
{
    if (stock < 0 || stock >= s->nstocks) return "";
    int r = s->stocks[stock].resource;
    return r >= 0 && r < s->nresources && s->resources[r].unit ? s->resources[r].unit : "";
}

static void units(const Scenario *s, LedgerRow *rows)
{
    char u[64];
    for (int i = 0; i < s->nstocks; i++) {
        set_unit(rows, s->stocks[i].initial, res_unit(s, i));
        set_unit(rows, s->stocks[i].capacity, res_unit(s, i));
    }
    for (int k = 0; k < 2; k++) {
        const FlowDef *f = k ? s->consumers : s->producers;
        int n = k ? s->nconsumers : s->nproducers;
        for (int i = 0; i < n; i++) {
            snprintf(u, sizeof u, "%s/day", res_unit(s, f[i].stock));
            set_unit(rows, f[i].rate, u);
        }
    }
    for (int i = 0; i < s->nroutes; i++) {
        const RouteDef *r = &s->routes[i];
        snprintf(u, sizeof u, "%s per container", res_unit(s, r->from));
        set_unit(rows, r->container, u);
        set_unit(rows, r->transit, "days");
        set_unit(rows, r->ret, "days");
        set_unit(rows, r->loss, "probability");
        set_unit(rows, r->dud, "fraction");
    }
    for (int i = 0; i < s->ncarriers; i++) set_unit(rows, s->carriers[i].containers, "containers");
    for (int i = 0; i < s->nresponses; i++) {
        set_unit(rows, s->responses[i].honour, "probability");
        set_unit(rows, s->responses[i].delay, "days");
    }
    for (int i = 0; i < s->nprogrammes; i++) {
        const ProgrammeDef *g = &s->programmes[i];
        set_unit(rows, g->base, "probability");
        set_unit(rows, g->ceiling, "probability");
        set_unit(rows, g->growth, "fraction");
        set_unit(rows, g->interval, "days");
    }
    for (int i = 0; i < s->nassists; i++) {
        set_unit(rows, s->assists[i].lead_time, "days");
        set_unit(rows, s->assists[i].boost, "probability");
        set_unit(rows, s->assists[i].growth, "fraction");
    }
    for (int i = 0; i < s->nevents; i++) {
        set_unit(rows, s->events[i].hazard, "per day");
        set_unit(rows, s->events[i].delay, "days");
    }
    for (int i = 0; i < s->neffects; i++) {
        const Effect *e = &s->effects[i];
        switch (e->kind) {
        case E_SET: case E_ADD:
            if (e->target >= 0 && e->target < s->nparams && e->value >= 0)
                set_unit(rows, e->value, rows[e->target].unit);
            break;
        case E_SCALE: set_unit(rows, e->value, "factor"); break;
        case E_STOCK_ADD: set_unit(rows, e->value, res_unit(s, e->target)); break;
        case E_STOCK_DESTROY: set_unit(rows, e->value, "fraction"); break;
        case E_TROOPS:
            set_unit(rows, e->value, "troops");
            set_unit(rows, e->value2, "days");
            break;
        default: break;
        }
    }
}

/* "%.10g", but never "-0". */
static void num(char *out, size_t n, double x)
{
    snprintf(out, n, "%.10g", x == 0 ? 0.0 : x);
}

static void dist_text(const Dist *d, char *out, size_t n)
{
    char a[32], b[32], c[32];
    num(a, sizeof a, d->p[0]);
    num(b, sizeof b, d->p[1]);
    num(c, sizeof c, d->p[2]);
    const char *k = dist_kind_name(d->kind);
    switch (d->kind) {
    case DIST_CONST: snprintf(out, n, "%s", a); break;
    case DIST_EXPONENTIAL: case DIST_POISSON: case DIST_BERNOULLI: snprintf(out, n, "%s(%s)", k, a); break;
    case DIST_TRIANGULAR: snprintf(out, n, "%s(%s, %s, %s)", k, a, b, c); break;
    case DIST_DISCRETE: {
        /* Outcomes with their probabilities (weights normalised). */
        size_t len = (size_t)snprintf(out, n, "discrete(");
        double prev = 0;
        for (int i = 0; i < d->n && len < n; i++) {
            num(a, sizeof a, d->values[i]);
            num(b, sizeof b, d->cum[i] - prev);
            prev = d->cum[i];
            len += (size_t)snprintf(out + len, n - len, "%s%s: %s", i ? ", " : "", a, b);
        }
        if (len < n) snprintf(out + len, n - len, ")");
        break;
    }
    default: snprintf(out, n, "%s(%s, %s)", k, a, b); break;
    }
}

/* The support of a distribution where it is bounded; NAN where not. */
static void support(const Dist *d, double *lo, double *hi)
{
    *lo = *hi = NAN;
    switch (d->kind) {
    case DIST_UNIFORM: *lo = d->p[0]; *hi = d->p[1]; break;
    case DIST_TRIANGULAR: *lo = d->p[0]; *hi = d->p[2]; break;
    case DIST_BERNOULLI: case DIST_BETA: *lo = 0; *hi = 1; break;
    case DIST_BINOMIAL: *lo = 0; *hi = d->p[0]; break;
    case DIST_EXPONENTIAL: case DIST_LOGNORMAL: case DIST_GAMMA: case DIST_POISSON: *lo = 0; break;
    case DIST_DISCRETE: {
        /* Over the outcomes that can happen (weight > 0). */
        double prev = 0;
        for (int i = 0; i < d->n; i++) {
            if (d->cum[i] > prev) {
                double v = d->values[i];
                if (isnan(*lo) || v < *lo) *lo = v;
                if (isnan(*hi) || v > *hi) *hi = v;
            }
            prev = d->cum[i];
        }
        break;
    }
    default: break;
    }
}

static const char *or_null(const char *s)
{
    return s && *s ? s : NULL;
}

int ledger_build(const Scenario *s, LedgerRow **out)
{
    int nhist = 0;
    for (int g = 0; g < s->nprogrammes; g++) nhist += s->programmes[g].nhistory;
    int n = s->nparams + nhist;
    LedgerRow *rows = mem_calloc((size_t)n + 1, sizeof *rows);
    *out = rows;
    if (!rows) return -1;
    for (int i = 0; i < s->nparams; i++) {
        const ParamDef *pd = &s->params[i];
        LedgerRow *r = &rows[i];
        r->path = pd->path;
        r->value = dist_mean(&pd->d);
        dist_text(&pd->d, r->value_text, sizeof r->value_text);
        support(&pd->d, &r->low, &r->high);
        if (pd->assumption >= 0) {
            const Assumption *a = &s->assumptions[pd->assumption];
            if (a->lo < a->hi) {
                r->low = a->lo;
                r->high = a->hi;
            }
            r->note = or_null(a->note);
            for (int k = 0; k < s->nsources && a->source && *a->source; k++)
                if (!strcmp(s->sources[k].id, a->source)) {
                    const SourceDef *src = &s->sources[k];
                    r->source_id = src->id;
                    r->source_title = or_null(src->title);
                    r->source_date = or_null(src->date);
                    r->source_url = or_null(src->url);
                    r->source_publisher = or_null(src->publisher);
                    break;
                }
        }
    }
    units(s, rows);
    int k = s->nparams;
    for (int g = 0; g < s->nprogrammes; g++) {
        const ProgrammeDef *pg = &s->programmes[g];
        for (int h = 0; h < pg->nhistory; h++) {
            const AttemptDef *at = &pg->history[h];
            LedgerRow *r = &rows[k++];
            r->path = at->path;
            r->value = NAN;
            r->low = r->high = NAN;
            char date[16];
            cal_format(s->start + (int64_t)floor(at->day), date);
            if (at->outcome == 0) snprintf(r->value_text, sizeof r->value_text, "success on %s", date);
            else if (at->outcome < 0) snprintf(r->value_text, sizeof r->value_text, "attempt on %s (outcome drawn)", date);
            else snprintf(r->value_text, sizeof r->value_text, "failure on %s (stage %d)", date, at->outcome);
            snprintf(r->unit, sizeof r->unit, "launch attempt");
            r->note = or_null(at->note);
        }
    }
    return n;
}

void ledger_destroy(LedgerRow *rows)
{
    mem_free(rows);
}

/* --- writers ------------------------------------------------------------ */

/* A CSV cell: quoted when it holds a comma, a quote or a line break. */
static void csv_text(FILE *f, const char *s)
{
    if (!s) return;
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"') fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

static void csv_num(FILE *f, double x)
{
    if (isnan(x)) return;
    fprintf(f, "%.17g", x);
}

int ledger_write_csv(const LedgerRow *rows, int n, FILE *f)
{
    fputs("path,value,value_text,low,high,unit,source_id,source_title,source_date,source_url,"
          "source_publisher,note\r\n", f);
    for (int i = 0; i < n; i++) {
        const LedgerRow *r = &rows[i];
        csv_text(f, r->path); fputc(',', f);
        csv_num(f, r->value); fputc(',', f);
        csv_text(f, r->value_text); fputc(',', f);
        csv_num(f, r->low); fputc(',', f);
        csv_num(f, r->high); fputc(',', f);
        csv_text(f, r->unit); fputc(',', f);
        csv_text(f, r->source_id); fputc(',', f);
        csv_text(f, r->source_title); fputc(',', f);
        csv_text(f, r->source_date); fputc(',', f);
        csv_text(f, r->source_url); fputc(',', f);
        csv_text(f, r->source_publisher); fputc(',', f);
        csv_text(f, r->note);
        fputs("\r\n", f);
    }
    return ferror(f) ? -1 : 0;
}

/* A Markdown cell: pipes escaped, line breaks as spaces. */
static void md_text(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        if (*s == '|') fputs("\\|", f);
        else if (*s == '\n' || *s == '\r') fputc(' ', f);
        else fputc(*s, f);
    }
}

int ledger_write_markdown(const LedgerRow *rows, int n, FILE *f)
{
    fputs("| parameter | value | range | unit | source | note |\n|---|---|---|---|---|---|\n", f);
    for (int i = 0; i < n; i++) {
        const LedgerRow *r = &rows[i];
        char lo[32], hi[32];
        fputs("| `", f);
        md_text(f, r->path);
        fputs("` | ", f);
        md_text(f, r->value_text);
        if (!isnan(r->value) && strcmp(r->value_text, "") != 0) {
            char v[32];
            num(v, sizeof v, r->value);
            if (strcmp(v, r->value_text) != 0) fprintf(f, " (mean %s)", v);
        }
        fputs(" | ", f);
        if (!isnan(r->low) || !isnan(r->high)) {
            if (isnan(r->low)) snprintf(lo, sizeof lo, "−∞");
            else num(lo, sizeof lo, r->low);
            if (isnan(r->high)) snprintf(hi, sizeof hi, "∞");
            else num(hi, sizeof hi, r->high);
            fprintf(f, "%s – %s", lo, hi);
        }
        fputs(" | ", f);
        md_text(f, r->unit);
        fputs(" | ", f);
        if (r->source_id) {
            if (r->source_url) {
                fputc('[', f);
                md_text(f, r->source_title ? r->source_title : r->source_id);
                fputs("](", f);
                md_text(f, r->source_url);
                fputc(')', f);
            } else {
                md_text(f, r->source_title ? r->source_title : r->source_id);
            }
            if (r->source_publisher) {
                fputs(", ", f);
                md_text(f, r->source_publisher);
            }
            if (r->source_date) {
                fputs(", ", f);
                md_text(f, r->source_date);
            }
        }
        fputs(" | ", f);
        md_text(f, r->note);
        fputs(" |\n", f);
    }
    return ferror(f) ? -1 : 0;
}

static cJSON *jnum(double x)
{
    return isnan(x) ? cJSON_CreateNull() : cJSON_CreateNumber(x);
}

static cJSON *jstr(const char *s)
{
    return s ? cJSON_CreateString(s) : cJSON_CreateNull();
}

struct cJSON *ledger_to_cjson(const LedgerRow *rows, int n)
{
    cJSON *arr = cJSON_CreateArray();
    if (!arr) return NULL;
    for (int i = 0; i < n; i++) {
        const LedgerRow *r = &rows[i];
        cJSON *o = cJSON_CreateObject();
        if (!o || !cJSON_AddItemToArray(arr, o)) {
            cJSON_Delete(o);
            cJSON_Delete(arr);
            return NULL;
        }
        cJSON_AddItemToObject(o, "path", jstr(r->path));
        cJSON_AddItemToObject(o, "value", jnum(r->value));
        cJSON_AddItemToObject(o, "value_text", jstr(r->value_text));
        cJSON_AddItemToObject(o, "low", jnum(r->low));
        cJSON_AddItemToObject(o, "high", jnum(r->high));
        cJSON_AddItemToObject(o, "unit", jstr(r->unit[0] ? r->unit : NULL));
        if (r->source_id) {
            cJSON *src = cJSON_CreateObject();
            cJSON_AddItemToObject(o, "source", src);
            cJSON_AddItemToObject(src, "id", jstr(r->source_id));
            cJSON_AddItemToObject(src, "title", jstr(r->source_title));
            cJSON_AddItemToObject(src, "date", jstr(r->source_date));
            cJSON_AddItemToObject(src, "url", jstr(r->source_url));
            cJSON_AddItemToObject(src, "publisher", jstr(r->source_publisher));
        } else {
            cJSON_AddItemToObject(o, "source", cJSON_CreateNull());
        }
        cJSON_AddItemToObject(o, "note", jstr(r->note));
    }
    return arr;
}

int ledger_write_json(const LedgerRow *rows, int n, FILE *f)
{
    cJSON *arr = ledger_to_cjson(rows, n);
    if (!arr) return -1;
    char *text = cJSON_Print(arr);
    cJSON_Delete(arr);
    if (!text) return -1;
    fputs(text, f);
    fputc('\n', f);
    cJSON_free(text);
    return ferror(f) ? -1 : 0;
}
