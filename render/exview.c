/* exview.c — the exercise's screens and its one-window loop: see exview.h.
 *
 * Update never mixes with drawing: exview_play runs everything (the
 * student's run, its pauses, the distribution, the fans) once, and a
 * render only lays text and bars out of those results; input changes the
 * form's text or the screen shown, never the results. Text is wrapped by
 * measured width, so any canvas size reads; the briefing scrolls by whole
 * lines.
 */
#include "exview.h"

#include <SDL.h>
#include <SDL_image.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cal.h"
#include "fan.h"
#include "text.h"
#include "view.h"
#include "view_int.h"

#define MAX_PAUSE 64
#define NBINS 20

enum { COL_PAPER = 0xF7F5F0, COL_INK = 0x1E2328, COL_MUTED = 0x5A636C, C_RULE = 0xC8C4BA, C_BAR = 0x0072B2,
       COL_MARK = 0xD55E00, COL_HEAD = 0x0B3954, C_FIELD = 0xFFFFFF, C_BAD = 0xB3261E };
#define FIELD_LEN 40
#define MAX_FIELDS (EXVIEW_MAX_PRED * 3)

typedef struct Pause {          /* the student's run at one decision */
    int decision, option;
    double t;
    double *now;                /* metric values so far */
    double *fan;                /* noptions x futures x nm, or NULL */
    int noptions;
} Pause;

typedef struct Chart { float x0, x1, marker; double lo, hi, mine; int ok; } Chart;

struct ExView {
    const Exercise *ex;
    const Scenario *sc;
    uint64_t seed;
    int nm, nruns, futures;
    Pause pause[MAX_PAUSE];
    int npause;
    double *mine;               /* the student's final metrics */
    double *all;                /* nruns x nm: the distribution */
    int *by_decision;
    Chart chart[16];
    int ncharts;
    int ndec;                   /* the scenario's decisions */
    /* What mattered (exview_what_mattered): the rows shown, the three
     * largest effects on each interval prediction, and their sentences. */
    ExMattered *mattered;
    char (*mattered_text)[512];
    int nmattered, tornado;     /* tornado: runs a side; 0 not computed */
    /* The predictions form: its fields in order (an interval's best, low,
     * high; a probability's p), their text, the focus and the complaints. */
    char field[MAX_FIELDS][FIELD_LEN];
    int fpred[MAX_FIELDS], fslot[MAX_FIELDS], nfields, focus;
    SDL_FRect frect[MAX_FIELDS];        /* where the last form drew each field */
    char msg[EXVIEW_MAX_PRED][200];     /* per prediction, "" if none */
    ExGuess guess[EXVIEW_MAX_PRED];
    int have_guess;
    SDL_Surface *surf;
    SDL_Renderer *ren;
    Text *text;
    int w, h;
    float ui;
};

static void free_pauses(ExView *v)
{
    for (int i = 0; i < v->npause; i++) {
        free(v->pause[i].now);
        free(v->pause[i].fan);
    }
    memset(v->pause, 0, sizeof v->pause);
    v->npause = 0;
}

static int play(ExView *v, const int *choices, int nchoices)
{
    Sim *sim = sim_create(v->sc);
    if (!sim) return -1;
    sim_set_interactive(sim, 1);
    sim_reset(sim, v->seed, 0);
    int rc = 0;
    while (sim_run(sim, INFINITY) == SIM_DECISION) {
        const SimDecision *sd = sim_pending(sim);
        if (v->npause >= MAX_PAUSE) { rc = -1; break; }
        Pause *p = &v->pause[v->npause];
        memset(p, 0, sizeof *p);
        p->now = malloc((size_t)v->nm * sizeof *p->now + 1);
        if (!p->now) { rc = -1; break; }
        v->npause++;
        sim_metrics(sim, p->now);
        p->decision = sd->decision;
        p->t = sd->t;
        int k = v->npause - 1;
        p->noptions = sd->noptions;
        if (v->futures > 0) {
            /* Fork id = the pause's ordinal, as salvo exercise forks: the
             * same futures, to the bit, as the terminal's debrief. */
            p->fan = malloc((size_t)sd->noptions * (size_t)v->futures * (size_t)v->nm * sizeof *p->fan);
            char err[160];
            if (!p->fan || fan_run(sim, (uint64_t)k, v->futures, 2, p->fan, err) != 0) { rc = -1; break; }
        }
        p->option = k < nchoices && choices[k] >= 0 && choices[k] < sd->noptions ? choices[k] : 0;
        v->by_decision[sd->decision] = p->option;
        sim_answer(sim, p->option);
    }
    sim_metrics(sim, v->mine);
    sim_destroy(sim);
    return rc;
}

/* The form's fields for ex's predictions. */
static void form_init(ExView *v)
{
    v->nfields = 0;
    for (int i = 0; i < v->ex->npredictions; i++) {
        int n = v->ex->predictions[i].kind == PRED_INTERVAL ? 3 : 1;
        for (int k = 0; k < n; k++) {
            v->fpred[v->nfields] = i;
            v->fslot[v->nfields] = k;
            v->field[v->nfields][0] = '\0';
            v->nfields++;
        }
    }
}

/* What mattered no longer matches the run. */
static void forget_mattered(ExView *v)
{
    free(v->mattered);
    free(v->mattered_text);
    v->mattered = NULL;
    v->mattered_text = NULL;
    v->nmattered = v->tornado = 0;
}

ExView *exview_create(const Exercise *ex, uint64_t seed, const int *choices, int nchoices, int nruns, int futures,
                      int w, int h, Diag *d)
{
    if (ex->npredictions > EXVIEW_MAX_PRED) {
        diag_add(d, 0, 0, "predictions", "the view takes at most %d predictions, this exercise has %d",
                 EXVIEW_MAX_PRED, ex->npredictions);
        return NULL;
    }
    ExView *v = calloc(1, sizeof *v);
    if (!v) return NULL;
    v->ex = ex;
    v->sc = ex->scenario;
    v->seed = seed;
    v->nm = scenario_metric_count(v->sc);
    v->w = w;
    v->h = h;
    v->ui = h >= 1400 ? 2.0f : h >= 1000 ? 1.4f : 1.0f;
    v->ndec = scenario_trace_header(v->sc)->ndecisions;
    v->mine = calloc((size_t)v->nm + 1, sizeof *v->mine);
    v->by_decision = malloc(((size_t)v->ndec + 1) * sizeof *v->by_decision);
    if (!v->mine || !v->by_decision) {
        diag_add(d, 0, 0, "", "out of memory for the exercise's runs");
        goto err;
    }
    form_init(v);
    if (nruns > 0 && exview_play(v, choices, nchoices, nruns, futures, d) != 0) goto err;
    v->surf = SDL_CreateRGBSurfaceWithFormat(0, w, h, 32, SDL_PIXELFORMAT_ARGB8888);
    if (!v->surf) {
        diag_add(d, 0, 0, "", "cannot make a %dx%d canvas: %s", w, h, SDL_GetError());
        goto err;
    }
    v->ren = SDL_CreateSoftwareRenderer(v->surf);
    if (!v->ren) {
        diag_add(d, 0, 0, "", "cannot start the software renderer: %s", SDL_GetError());
        goto err;
    }
    SDL_SetRenderDrawBlendMode(v->ren, SDL_BLENDMODE_BLEND);
    v->text = text_create(v->ren, v->ui, d);
    if (!v->text) goto err;
    return v;
err:
    exview_destroy(v);
    return NULL;
}

int exview_play(ExView *v, const int *choices, int nchoices, int nruns, int futures, Diag *d)
{
    free_pauses(v);
    forget_mattered(v);
    free(v->all);
    v->nruns = nruns;
    v->futures = futures;
    v->all = malloc((size_t)nruns * (size_t)v->nm * sizeof *v->all + 1);
    if (!v->all) {
        diag_add(d, 0, 0, "", "out of memory for the exercise's runs");
        return -1;
    }
    for (int i = 0; i < v->ndec; i++) v->by_decision[i] = -1;
    if (play(v, choices, nchoices) != 0 || exercise_outcomes(v->sc, v->seed, v->by_decision, nruns, v->all) != 0) {
        diag_add(d, 0, 0, "", "out of memory playing the exercise");
        return -1;
    }
    return 0;
}

void exview_destroy(ExView *v)
{
    if (!v) return;
    text_destroy(v->text);
    if (v->ren) SDL_DestroyRenderer(v->ren);
    if (v->surf) SDL_FreeSurface(v->surf);
    free_pauses(v);
    free(v->mine);
    free(v->all);
    free(v->by_decision);
    free(v->mattered);
    free(v->mattered_text);
    free(v);
}

int exview_decisions(const ExView *v) { return v->npause; }

/* --- drawing ----------------------------------------------------------------- */

static void fill(ExView *v, float x, float y, float w, float h, uint32_t rgb)
{
    SDL_SetRenderDrawColor(v->ren, (Uint8)(rgb >> 16), (Uint8)(rgb >> 8), (Uint8)rgb, 255);
    SDL_FRect r = { x, y, w, h };
    SDL_RenderFillRectF(v->ren, &r);
}

/* A running column of text: lines before `skip` are laid out but not
 * drawn (the briefing's scroll), and nothing is drawn below `bottom`. */
typedef struct Col { ExView *v; float x, w, y, bottom; int skip, line, clipped; } Col;

static void emit(Col *c, const char *s, int font, uint32_t rgb, float indent)
{
    float lh = text_line(c->v->text, font);
    if (c->line++ >= c->skip) {
        if (c->y + lh > c->bottom) c->clipped = 1;
        else {
            if (*s) text_draw(c->v->text, s, font, c->x + indent, c->y, rgb, ALIGN_LEFT, NO_HALO);
            c->y += lh;
        }
    }
}

/* Words of s wrapped to the column's width: the first line starts with
 * `lead` (a bullet, a number), later lines are indented to match it. */
static void para(Col *c, const char *lead, const char *s, int font, uint32_t rgb)
{
    char line[2048], trial[2048];
    float lw = 0, th, tw, indent = 0;
    if (*lead) text_size(c->v->text, lead, font, &lw, &th);
    snprintf(line, sizeof line, "%s", lead);
    int words = 0;
    for (const char *p = s; *p;) {
        while (*p == ' ') p++;
        const char *wd = p;
        while (*p && *p != ' ') p++;
        int n = (int)(p - wd);
        if (!n) break;
        size_t ll = strlen(line);
        if (ll + (size_t)n + 2 > sizeof trial) break;   /* a 2 KB line: the rest would not fit on screen */
        memcpy(trial, line, ll);
        if (words) trial[ll++] = ' ';
        memcpy(trial + ll, wd, (size_t)n);
        trial[ll + (size_t)n] = '\0';
        text_size(c->v->text, trial, font, &tw, &th);
        if (words && tw > c->w - indent) {
            emit(c, line, font, rgb, indent);
            indent = lw;
            memcpy(trial, wd, (size_t)n);
            trial[n] = '\0';
        }
        memcpy(line, trial, strlen(trial) + 1);
        words++;
    }
    if (words || *lead) emit(c, line, font, rgb, indent);
}

static void gap(Col *c, float k)
{
    if (c->line >= c->skip) c->y += text_line(c->v->text, FONT_NORMAL) * k;
}

static void heading(Col *c, const char *s)
{
    gap(c, 0.5f);
    emit(c, s, FONT_BOLD, COL_HEAD, 0);
}

static void clear(ExView *v)
{
    fill(v, 0, 0, (float)v->w, (float)v->h, COL_PAPER);
}

static void footer(ExView *v, const char *s)
{
    float lh = text_line(v->text, FONT_SMALL), m = 24 * v->ui;
    fill(v, m, (float)v->h - lh * 2.2f, (float)v->w - 2 * m, 1, C_RULE);
    text_draw(v->text, s, FONT_SMALL, m, (float)v->h - lh * 1.7f, COL_MUTED, ALIGN_LEFT, NO_HALO);
}

static Col column(ExView *v, int skip)
{
    float m = 48 * v->ui, lh = text_line(v->text, FONT_SMALL);
    float w = (float)v->w - 2 * m;
    if (w > 1100 * v->ui) w = 1100 * v->ui;     /* a readable measure */
    return (Col){ v, m, w, 28 * v->ui, (float)v->h - lh * 2.6f, skip, 0, 0 };
}

static void value_text(const ExView *v, int m, double x, char *buf, size_t n)
{
    exview_value(v->sc, m, x, buf, n);
}

void exview_value(const Scenario *sc, int m, double x, char *buf, size_t n)
{
    const MetricInfo *mi = scenario_metric(sc, m);
    if (mi->kind == MET_TIME) {
        if (isfinite(x) && n >= 11) cal_format_t(scenario_start(sc), x, buf);
        else snprintf(buf, n, "never");
        return;
    }
    if (mi->kind == MET_FLAG) {
        snprintf(buf, n, x != 0 ? "yes" : "no");
        return;
    }
    if (!isfinite(x) || fabs(x) >= 1e15) {
        snprintf(buf, n, "%g %s", x, mi->unit);
        return;
    }
    /* Thousands grouped, as a person writes them: 9,180,000 rounds. */
    char digits[32], out[48];
    long long whole = llround(fabs(x));
    int len = snprintf(digits, sizeof digits, "%lld", whole), o = 0;
    if (x < 0 && whole) out[o++] = '-';
    for (int i = 0; i < len; i++) {
        if (i && (len - i) % 3 == 0) out[o++] = ',';
        out[o++] = digits[i];
    }
    out[o] = '\0';
    if (!mi->whole && fabs(x) < 100) snprintf(buf, n, "%.3g %s", x, mi->unit);
    else snprintf(buf, n, "%s %s", out, mi->unit);
}

static void known(Col *c, const ExFact *f, int n, int64_t today)
{
    char lead[64], src[512];
    for (int i = 0; i < n; i++) {
        if (f[i].as_of_day > today) continue;
        snprintf(lead, sizeof lead, "\xe2\x80\xa2 [%s] ", f[i].as_of);
        para(c, lead, f[i].text, FONT_NORMAL, COL_INK);
        snprintf(src, sizeof src, "Source: %s", f[i].source);
        float lw, lh;
        text_size(c->v->text, lead, FONT_NORMAL, &lw, &lh);
        c->x += lw;
        c->w -= lw;
        para(c, "", src, FONT_SMALL, COL_MUTED);
        c->x -= lw;
        c->w += lw;
    }
}

static void briefing(ExView *v, int scroll)
{
    const Exercise *ex = v->ex;
    Col c = column(v, scroll);
    char buf[512];
    para(&c, "", ex->title, FONT_TITLE, COL_HEAD);
    snprintf(buf, sizeof buf, "%s \xc2\xb7 about %d minutes \xc2\xb7 scenario: %s", exercise_level_name(ex->level),
             ex->minutes, scenario_title(v->sc));
    para(&c, "", buf, FONT_NORMAL, COL_MUTED);
    heading(&c, "Learning objectives");
    for (int i = 0; i < ex->nobjectives; i++) {
        snprintf(buf, sizeof buf, "%d. ", i + 1);
        para(&c, buf, ex->objectives[i], FONT_NORMAL, COL_INK);
    }
    heading(&c, "Situation");
    para(&c, "", ex->situation, FONT_NORMAL, COL_INK);
    heading(&c, "Your role");
    para(&c, "", ex->role, FONT_NORMAL, COL_INK);
    heading(&c, "What is known at the start, and from where");
    known(&c, ex->known, ex->nknown, INT64_MAX);
    heading(&c, "Next");
    snprintf(buf, sizeof buf, "You commit %d prediction%s before you play; the debrief scores them against your run "
             "and against the runs under your decisions.", ex->npredictions, ex->npredictions == 1 ? "" : "s");
    para(&c, "", buf, FONT_NORMAL, COL_INK);
    footer(v, c.clipped ? "Space or Enter: your predictions   \xe2\x86\x93 / Page Down: more of the briefing   \xe2\x86\x91: back   Esc: quit"
                        : "Space or Enter: your predictions   \xe2\x86\x91: back to the top   Esc: quit");
}

/* --- the predictions form ------------------------------------------------------ */

static const char *const SLOT_NAME[3] = { "best guess", "low end", "high end" };

/* Read prediction i's fields into g; NULL, or why not (into buf). */
static const char *form_read(ExView *v, int i, ExGuess *g, char *buf, size_t n)
{
    const ExPrediction *pr = &v->ex->predictions[i];
    *g = (ExGuess){ 0 };
    double *slot[3] = { &g->best, &g->lo, &g->hi };
    for (int f = 0; f < v->nfields; f++) {
        if (v->fpred[f] != i) continue;
        int k = v->fslot[f];
        double *x = pr->kind == PRED_INTERVAL ? slot[k] : &g->p;
        if (!v->field[f][0]) {
            snprintf(buf, n, "fill in the %s", pr->kind == PRED_INTERVAL ? SLOT_NAME[k] : "probability");
            return buf;
        }
        if (exercise_parse_number(v->field[f], pr->kind == PRED_PROBABILITY, x) != 0) {
            snprintf(buf, n, "'%s' is not a number (%s)", v->field[f],
                     pr->kind == PRED_INTERVAL ? "such as 2000000 or 2,000,000" : "such as 0.7 or 70%");
            return buf;
        }
    }
    return exercise_check_guess(pr, g);
}

/* Check prediction i: its complaint (or none) into v->msg[i]; 0 if valid. */
static int form_check(ExView *v, int i, ExGuess *g)
{
    char why[160];
    const char *w = form_read(v, i, g, why, sizeof why);
    if (!w) {
        v->msg[i][0] = '\0';
        return 0;
    }
    snprintf(v->msg[i], sizeof v->msg[i], "Prediction %d (%s): %s", i + 1, v->ex->predictions[i].id, w);
    return -1;
}

static int first_field(const ExView *v, int i)
{
    for (int f = 0; f < v->nfields; f++) if (v->fpred[f] == i) return f;
    return 0;
}

int exview_form_input(ExView *v, ExKey k, const char *text)
{
    if (v->nfields == 0) return k == EXK_ENTER;
    char *fld = v->field[v->focus];
    size_t len = strlen(fld);
    int from = v->fpred[v->focus];
    ExGuess g;
    switch (k) {
    case EXK_TEXT:
        for (const char *c = text ? text : ""; *c && len + 1 < FIELD_LEN; c++)
            if ((*c >= '0' && *c <= '9') || strchr(".,-+eE% ", *c)) fld[len++] = *c;     /* a number's characters */
        fld[len] = '\0';
        v->have_guess = 0;
        return 0;
    case EXK_BACKSPACE:
        if (len) fld[len - 1] = '\0';
        v->have_guess = 0;
        return 0;
    case EXK_PREV:
        if (v->focus > 0) v->focus--;
        return 0;
    case EXK_NEXT:
    case EXK_ENTER:
        if (k == EXK_ENTER && v->focus == v->nfields - 1) {
            int bad = -1;
            for (int i = v->ex->npredictions; i-- > 0;)
                if (form_check(v, i, &v->guess[i]) != 0) bad = i;
            if (bad >= 0) {
                v->focus = first_field(v, bad);
                return 0;
            }
            v->have_guess = 1;
            return 1;
        }
        if (v->focus + 1 < v->nfields) v->focus++;
        /* Leaving a prediction's last field: say now what is wrong with it. */
        if (v->fpred[v->focus] != from || v->focus == v->nfields - 1) form_check(v, from, &g);
        return 0;
    }
    return 0;
}

int exview_form_focus(ExView *v, int k)
{
    if (k < 0 || k >= v->nfields) return -1;
    v->focus = k;
    return 0;
}

const char *exview_form_message(const ExView *v)
{
    for (int i = 0; i < v->ex->npredictions; i++) if (v->msg[i][0]) return v->msg[i];
    return NULL;
}

int exview_set_guesses(ExView *v, const ExGuess *g)
{
    for (int i = 0; i < v->ex->npredictions; i++)
        if (exercise_check_guess(&v->ex->predictions[i], &g[i])) return -1;
    for (int f = 0; f < v->nfields; f++) {
        const ExGuess *q = &g[v->fpred[f]];
        double x = v->ex->predictions[v->fpred[f]].kind == PRED_PROBABILITY ? q->p
                   : v->fslot[f] == 0 ? q->best : v->fslot[f] == 1 ? q->lo : q->hi;
        /* The shortest text that reads back as the same number (0.3, not
         * 0.29999999999999999), so Enter on a filled form keeps the guess. */
        for (int prec = 15; prec <= 17; prec++) {
            snprintf(v->field[f], FIELD_LEN, "%.*g", prec, x);
            if (strtod(v->field[f], NULL) == x) break;
        }
    }
    memcpy(v->guess, g, (size_t)v->ex->npredictions * sizeof *g);
    memset(v->msg, 0, sizeof v->msg);
    v->have_guess = 1;
    return 0;
}

int exview_guesses(const ExView *v, ExGuess *out)
{
    if (!v->have_guess) return -1;
    memcpy(out, v->guess, (size_t)v->ex->npredictions * sizeof *out);
    return 0;
}

int exview_scores(const ExView *v, ExScore *out, ExScoreSum *sum)
{
    if (!v->have_guess || v->nruns <= 0) return -1;
    exercise_score(v->ex, v->guess, v->mine, v->all, v->nruns, out, sum);
    return 0;
}

static void stroke(ExView *v, SDL_FRect r, uint32_t rgb, float t)
{
    fill(v, r.x, r.y, r.w, t, rgb);
    fill(v, r.x, r.y + r.h - t, r.w, t, rgb);
    fill(v, r.x, r.y, t, r.h, rgb);
    fill(v, r.x + r.w - t, r.y, t, r.h, rgb);
}

/* Field f drawn at (x, y), its label before it; returns the x after it. */
static float form_field(ExView *v, int f, const char *label, float x, float y)
{
    float lw, lh, fw = 170 * v->ui, fh = text_line(v->text, FONT_NORMAL) * 1.35f, pad = 6 * v->ui;
    x += text_draw(v->text, label, FONT_NORMAL, x, y + (fh - text_line(v->text, FONT_NORMAL)) / 2, COL_INK, ALIGN_LEFT,
                   NO_HALO) + pad;
    SDL_FRect r = { x, y, fw, fh };
    v->frect[f] = r;
    fill(v, r.x, r.y, r.w, r.h, C_FIELD);
    int on = f == v->focus;
    stroke(v, r, on ? C_BAR : C_RULE, on ? 2 * v->ui : 1);
    float ty = y + (fh - text_line(v->text, FONT_NORMAL)) / 2;
    float tw = text_draw(v->text, v->field[f], FONT_NORMAL, x + pad, ty, COL_INK, ALIGN_LEFT, NO_HALO);
    if (on) fill(v, x + pad + tw + 1, y + fh * 0.18f, 2 * v->ui, fh * 0.64f, COL_INK);     /* the caret */
    text_size(v->text, "M", FONT_NORMAL, &lw, &lh);
    return x + fw + lw;
}

static void form(ExView *v)
{
    const Exercise *ex = v->ex;
    Col c = column(v, 0);
    char buf[512];
    para(&c, "", "Your predictions", FONT_TITLE, COL_HEAD);
    para(&c, "", "Commit them before you play: the debrief scores them against your run and against the runs "
                 "under your decisions. An 80% interval is a low and a high end you are 80% sure the value falls "
                 "between.", FONT_NORMAL, COL_MUTED);
    for (int i = 0; i < ex->npredictions; i++) {
        const ExPrediction *pr = &ex->predictions[i];
        gap(&c, 0.6f);
        snprintf(buf, sizeof buf, "%d. ", i + 1);
        para(&c, buf, pr->question, FONT_BOLD, COL_INK);
        float y = c.y + 2 * v->ui, x = c.x + 24 * v->ui, fh = text_line(v->text, FONT_NORMAL) * 1.35f;
        const char *unit = pr->unit && *pr->unit ? pr->unit : scenario_metric(v->sc, pr->metric)->unit;
        for (int f = 0; f < v->nfields; f++) {
            if (v->fpred[f] != i) continue;
            if (pr->kind == PRED_PROBABILITY) {
                x = form_field(v, f, "Probability", x, y);
                text_draw(v->text, "from 0 to 1, or a percentage such as 70%", FONT_SMALL, x, y + fh * 0.2f, COL_MUTED,
                          ALIGN_LEFT, NO_HALO);
            } else {
                static const char *const lab[3] = { "Best guess", "80% interval: from", "to" };
                x = form_field(v, f, lab[v->fslot[f]], x, y);
                if (v->fslot[f] == 2) {
                    snprintf(buf, sizeof buf, "%s on %s", unit, pr->by);
                    text_draw(v->text, buf, FONT_SMALL, x, y + fh * 0.2f, COL_MUTED, ALIGN_LEFT, NO_HALO);
                }
            }
        }
        c.y = y + fh + 4 * v->ui;
        if (v->msg[i][0]) para(&c, "", v->msg[i], FONT_NORMAL, C_BAD);
    }
    footer(v, "Type a number   Tab or Enter: next field   Shift+Tab: back   Enter on the last field: check and play   "
              "Esc: the briefing");
}

static void decision(ExView *v, int k)
{
    const Pause *p = &v->pause[k];
    const TraceDecisionDef *dd = &scenario_trace_header(v->sc)->decisions[p->decision];
    const ExDecision *xd = exercise_decision(v->ex, p->decision);
    int64_t today = scenario_start(v->sc) + (int64_t)floor(p->t);
    char date[11], buf[512];
    cal_format(today, date);
    Col c = column(v, 0);
    snprintf(buf, sizeof buf, "Decision %d on %s: %s", k + 1, date, dd->name ? dd->name : dd->id);
    para(&c, "", buf, FONT_TITLE, COL_HEAD);
    if (xd) para(&c, "", xd->prompt, FONT_NORMAL, COL_INK);
    if (xd && xd->nshow) {
        snprintf(buf, sizeof buf, "So far (%s)", date);
        heading(&c, buf);
        for (int i = 0; i < xd->nshow; i++) {
            char val[64];
            value_text(v, xd->show[i], p->now[xd->show[i]], val, sizeof val);
            snprintf(buf, sizeof buf, "%s: %s", scenario_metric(v->sc, xd->show[i])->label, val);
            para(&c, "\xe2\x80\xa2 ", buf, FONT_NORMAL, COL_INK);
        }
    }
    if (xd && xd->nknown) {
        heading(&c, "Known now");
        known(&c, xd->known, xd->nknown, today);
    }
    heading(&c, "Options");
    for (int o = 0; o < dd->noptions; o++) {
        snprintf(buf, sizeof buf, "%d) %s: %s%s", o + 1, exercise_option_id(v->ex, p->decision, o), dd->options[o],
                 o == p->option ? "   \xe2\x86\x90 chosen" : "");
        para(&c, "", buf, o == p->option ? FONT_BOLD : FONT_NORMAL, o == p->option ? COL_MARK : COL_INK);
    }
    footer(v, "In the window this shows over the map, and keys 1-9 choose; the run goes on to the next decision or the end.");
}

static void chart(ExView *v, Chart *ch, int m, float x, float y, float w, float h)
{
    double *col = malloc((size_t)v->nruns * sizeof *col);
    int bins[NBINS];
    char buf[512], a[64], b[64], mine[64];
    ch->ok = 0;
    if (!col) return;
    for (int r = 0; r < v->nruns; r++) col[r] = v->all[(size_t)r * (size_t)v->nm + (size_t)m];
    double pct = exercise_percentile(col, v->nruns, v->mine[m]);
    int mark = exercise_histogram(col, v->nruns, v->mine[m], NBINS, bins, &ch->lo, &ch->hi);
    free(col);
    value_text(v, m, v->mine[m], mine, sizeof mine);
    snprintf(buf, sizeof buf, "%s: your run %s, percentile %.1f", scenario_metric(v->sc, m)->label, mine, pct);
    float th = text_line(v->text, FONT_BOLD), sh = text_line(v->text, FONT_SMALL), tw, tth, head = th * 1.2f;
    text_size(v->text, buf, FONT_BOLD, &tw, &tth);
    if (tw <= w) text_draw(v->text, buf, FONT_BOLD, x, y, COL_INK, ALIGN_LEFT, NO_HALO);
    else {
        /* Too wide for the column: the metric, then the run on a line of its own. */
        text_draw(v->text, scenario_metric(v->sc, m)->label, FONT_BOLD, x, y, COL_INK, ALIGN_LEFT, NO_HALO);
        snprintf(buf, sizeof buf, "your run %s, percentile %.1f", mine, pct);
        text_draw(v->text, buf, FONT_NORMAL, x, y + th, COL_INK, ALIGN_LEFT, NO_HALO);
        head += text_line(v->text, FONT_NORMAL);
    }
    float py = y + head, ph = h - head - sh * 1.3f;
    fill(v, x, py + ph, w, 1, COL_INK);
    ch->x0 = x;
    ch->x1 = x + w;
    ch->mine = v->mine[m];
    if (mark < 0) {
        value_text(v, m, ch->lo, a, sizeof a);
        snprintf(buf, sizeof buf, "every run: %s", a);
        text_draw(v->text, buf, FONT_NORMAL, x, py + ph * 0.4f, COL_MUTED, ALIGN_LEFT, NO_HALO);
        return;
    }
    int top = 1;
    for (int k = 0; k < NBINS; k++) if (bins[k] > top) top = bins[k];
    float bw = w / NBINS;
    for (int k = 0; k < NBINS; k++) {
        float bh = ph * 0.86f * (float)bins[k] / (float)top;     /* room above for the marker's label */
        fill(v, x + bw * (float)k + 1, py + ph - bh, bw - 2, bh, C_BAR);
    }
    double f = (v->mine[m] - ch->lo) / (ch->hi - ch->lo);
    ch->marker = x + w * (float)fmin(fmax(f, 0), 1);
    float mw = 3 * v->ui;
    fill(v, ch->marker - mw / 2, py - th * 0.2f, mw, ph + th * 0.2f, COL_MARK);
    int left = f > 0.85;    /* near the right edge the label goes on the marker's left */
    text_draw(v->text, "your run", FONT_SMALL, ch->marker + (left ? -mw : mw), py - th * 0.2f, COL_MARK,
              left ? ALIGN_RIGHT : ALIGN_LEFT, COL_PAPER);
    value_text(v, m, ch->lo, a, sizeof a);
    value_text(v, m, ch->hi, b, sizeof b);
    text_draw(v->text, a, FONT_SMALL, x, py + ph + 2, COL_MUTED, ALIGN_LEFT, NO_HALO);
    text_draw(v->text, b, FONT_SMALL, x + w, py + ph + 2, COL_MUTED, ALIGN_RIGHT, NO_HALO);
    ch->ok = 1;
}

/* The predictions scored (exercise_score, the terminal's scorer) in a
 * column: per prediction a line, then the totals and what calibration is. */
static void scores(ExView *v, Col *c)
{
    const Exercise *ex = v->ex;
    ExScore sc[EXVIEW_MAX_PRED];
    ExScoreSum sum;
    char buf[512], lo[64], hi[64], out[64], lead[16];
    if (exview_scores(v, sc, &sum) != 0) return;
    para(c, "", "Your predictions, scored", FONT_BOLD, COL_HEAD);
    for (int i = 0; i < ex->npredictions; i++) {
        const ExPrediction *pr = &ex->predictions[i];
        const ExGuess *g = &v->guess[i];
        gap(c, 0.3f);
        if (pr->kind == PRED_INTERVAL) {
            exview_value(v->sc, pr->metric, g->lo, lo, sizeof lo);
            exview_value(v->sc, pr->metric, g->hi, hi, sizeof hi);
            exview_value(v->sc, pr->metric, sc[i].outcome, out, sizeof out);
            snprintf(buf, sizeof buf, "%s: interval %s to %s; your run %s: %s. It holds in %.0f%% of the runs.", pr->id,
                     lo, hi, out, sc[i].hit ? "a hit" : "a miss", 100 * sc[i].cover);
        } else {
            snprintf(buf, sizeof buf, "%s: you said %.0f%%; in your run it %s; Brier score %.3f. It happened in %.0f%% "
                     "of the runs.", pr->id, 100 * g->p, sc[i].outcome != 0 ? "happened" : "did not happen", sc[i].brier,
                     100 * sc[i].freq);
        }
        snprintf(lead, sizeof lead, "%s ", pr->kind == PRED_INTERVAL ? (sc[i].hit ? "\xe2\x9c\x93" : "\xe2\x9c\x97") : "\xe2\x80\xa2");
        para(c, lead, buf, FONT_NORMAL, COL_INK);
    }
    gap(c, 0.5f);
    int n = 0;
    if (sum.nint) n = snprintf(buf, sizeof buf, "Intervals: %d of %d hit. ", sum.hits, sum.nint);
    if (sum.nprob)
        snprintf(buf + n, sizeof buf - (size_t)n, "Mean Brier score %.3f (0 is perfect; always saying 50%% scores 0.25).",
                 sum.brier);
    para(c, "", buf, FONT_BOLD, COL_INK);
    gap(c, 0.3f);
    para(c, "", EXERCISE_CALIBRATION, FONT_SMALL, COL_MUTED);
}

/* How many decisions have a fan (all or none). */
static int nfans(const ExView *v) { return v->npause && v->pause[0].fan ? v->npause : 0; }

static void debrief(ExView *v)
{
    const Exercise *ex = v->ex;
    Col c = column(v, 0);
    char buf[512];
    para(&c, "", "Debrief", FONT_TITLE, COL_HEAD);
    snprintf(buf, sizeof buf, "Your run (seed %llu) against %d runs under the same decisions: the bars are how "
             "many runs ended in each range; the orange line is where yours ended.", (unsigned long long)v->seed,
             v->nruns);
    para(&c, "", buf, FONT_NORMAL, COL_INK);
    int metrics[16], n = 0;
    for (int i = 0; i < ex->npredictions && n < 16; i++) {
        int m = ex->predictions[i].metric, seen = 0;
        for (int k = 0; k < n; k++) seen |= metrics[k] == m;
        if (!seen) metrics[n++] = m;
    }
    float top = c.y + 12 * v->ui, bottom = c.bottom, gapy = 14 * v->ui, cw = c.w;
    if (v->have_guess) {
        /* Charts on the left, the scores in a column on the right. */
        float right = 0.40f * (float)(v->w) - 48 * v->ui;
        cw = (float)v->w - 2 * c.x - right - 32 * v->ui;
        Col r = c;
        r.x = c.x + cw + 32 * v->ui;
        r.w = right;
        r.y = top;
        scores(v, &r);
    }
    float each = n ? (bottom - top - gapy * (float)(n - 1)) / (float)n : 0;
    if (each > 260 * v->ui) each = 260 * v->ui;
    v->ncharts = n;
    for (int k = 0; k < n; k++)
        chart(v, &v->chart[k], metrics[k], c.x, top + (each + gapy) * (float)k, cw, each);
    snprintf(buf, sizeof buf, "\xe2\x86\x92 or Page Down: %s%sthe debrief questions   s: save this picture   Esc: quit",
             nfans(v) ? "the fan at each decision, " : "", v->tornado > 0 ? "what mattered, " : "");
    footer(v, buf);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* The fan at pause k: for each metric predicted, each option's futures as
 * a band from their 10th to 90th percentile with a tick at the mean, all
 * options of a metric on one axis; the student's choice in orange. */
static void fan(ExView *v, int k)
{
    const Pause *p = &v->pause[k];
    const TraceDecisionDef *dd = &scenario_trace_header(v->sc)->decisions[p->decision];
    char date[11], buf[512], a[64], b[64], c[64];
    cal_format_t(scenario_start(v->sc), p->t, date);
    Col col = column(v, 0);
    snprintf(buf, sizeof buf, "The fan at decision %d on %s: what each choice led to from where you stood", k + 1, date);
    para(&col, "", buf, FONT_TITLE, COL_HEAD);
    snprintf(buf, sizeof buf, "%s \xe2\x80\x94 %d futures per option, forked from your run at that moment; bars span the middle "
             "80%% of the futures, the tick is their mean.", dd->name ? dd->name : dd->id, v->futures);
    para(&col, "", buf, FONT_NORMAL, COL_INK);
    double *x = malloc((size_t)v->futures * sizeof *x);
    if (!x) return;
    float lab = 150 * v->ui, bh = text_line(v->text, FONT_NORMAL) * 1.1f, y = col.y + 10 * v->ui;
    int seen[16], nseen = 0;
    for (int i = 0; i < v->ex->npredictions && nseen < 16; i++) {
        int m = v->ex->predictions[i].metric, dup = 0;
        for (int j = 0; j < nseen; j++) dup |= seen[j] == m;
        if (dup) continue;
        seen[nseen++] = m;
        if (y + bh * (float)(p->noptions + 2.5f) > col.bottom) break;
        double q[8][3], lo = INFINITY, hi = -INFINITY;
        int no = p->noptions < 8 ? p->noptions : 8;
        for (int o = 0; o < no; o++) {
            double sum = 0;
            for (int j = 0; j < v->futures; j++) {
                x[j] = p->fan[((size_t)o * (size_t)v->futures + (size_t)j) * (size_t)v->nm + (size_t)m];
                sum += x[j];
            }
            qsort(x, (size_t)v->futures, sizeof *x, cmp_double);
            q[o][0] = x[(int)(0.1 * (v->futures - 1))];
            q[o][1] = sum / v->futures;
            q[o][2] = x[(int)ceil(0.9 * (v->futures - 1))];
            lo = fmin(lo, q[o][0]);
            hi = fmax(hi, q[o][2]);
        }
        int flag = scenario_metric(v->sc, m)->kind == MET_FLAG;
        if (flag) {
            /* A yes/no outcome: the bar is the share of futures where it happened. */
            lo = 0;
            hi = 1;
            for (int o = 0; o < no; o++) q[o][0] = 0, q[o][2] = q[o][1];
        }
        /* The axis takes in the student's own outcome, marked on it. */
        if (!flag && isfinite(v->mine[m])) {
            lo = fmin(lo, v->mine[m]);
            hi = fmax(hi, v->mine[m]);
        }
        if (!(hi > lo)) hi = lo + 1;
        text_draw(v->text, scenario_metric(v->sc, m)->label, FONT_BOLD, col.x, y, COL_INK, ALIGN_LEFT, NO_HALO);
        y += text_line(v->text, FONT_BOLD) * 1.2f;
        float px = col.x + lab, pw = col.w - lab, y0 = y;
        for (int o = 0; o < no; o++) {
            uint32_t ink = o == p->option ? COL_MARK : C_BAR;
            text_draw(v->text, exercise_option_id(v->ex, p->decision, o), o == p->option ? FONT_BOLD : FONT_NORMAL,
                      col.x, y, ink, ALIGN_LEFT, NO_HALO);
            float xa = px + pw * (float)((q[o][0] - lo) / (hi - lo)), xb = px + pw * (float)((q[o][2] - lo) / (hi - lo));
            float xm = px + pw * (float)((q[o][1] - lo) / (hi - lo));
            fill(v, xa, y + bh * 0.25f, fmaxf(xb - xa, 2), bh * 0.4f, ink);
            fill(v, xm - 1.5f * v->ui, y, 3 * v->ui, bh * 0.9f, COL_INK);
            if (flag) snprintf(c, sizeof c, "%.0f%% of futures", 100 * q[o][1]);
            else exview_value(v->sc, m, q[o][1], c, sizeof c);
            /* The mean's value beside the band: right of it, or left where the band ends near the axis's end. */
            int room = xb + fmaxf(xb - xa, 2) < px + pw * 0.78f || xa < px + pw * 0.2f;
            text_draw(v->text, c, FONT_SMALL, room ? fmaxf(xb, xm) + 6 * v->ui : fminf(xa, xm) - 6 * v->ui,
                      y + (bh * 0.9f - text_line(v->text, FONT_SMALL)) / 2, COL_MUTED, room ? ALIGN_LEFT : ALIGN_RIGHT, NO_HALO);
            y += bh * 1.25f;
        }
        if (!flag && isfinite(v->mine[m])) {
            /* The student's marker: where their own run ended. */
            float xs = px + pw * (float)((v->mine[m] - lo) / (hi - lo)), mw = 2 * v->ui;
            for (float yy = y0 - bh * 0.2f; yy < y; yy += 6 * v->ui)
                fill(v, xs - mw / 2, yy, mw, fminf(4 * v->ui, y - yy), COL_MARK);
            exview_value(v->sc, m, v->mine[m], c, sizeof c);
            snprintf(buf, sizeof buf, "orange dashes: where your run ended, %s", c);
            text_draw(v->text, buf, FONT_SMALL, px + pw, y0 - text_line(v->text, FONT_BOLD) * 1.2f, COL_MARK, ALIGN_RIGHT,
                      NO_HALO);
        }
        if (flag) {
            snprintf(a, sizeof a, "0%%");
            snprintf(b, sizeof b, "100%%");
        } else {
            exview_value(v->sc, m, lo, a, sizeof a);
            exview_value(v->sc, m, hi, b, sizeof b);
        }
        fill(v, px, y, pw, 1, C_RULE);
        text_draw(v->text, a, FONT_SMALL, px, y + 2, COL_MUTED, ALIGN_LEFT, NO_HALO);
        text_draw(v->text, b, FONT_SMALL, px + pw, y + 2, COL_MUTED, ALIGN_RIGHT, NO_HALO);
        y += bh * 1.6f;
    }
    free(x);
    footer(v, "\xe2\x86\x90 \xe2\x86\x92: the debrief, the other decisions, the questions   s: save this picture   Esc: quit   "
              "(the futures salvo exercise prints)");
}

/* What mattered: the tornado under the student's decisions, in the
 * terminal's words. */
static void mattered(ExView *v)
{
    Col c = column(v, 0);
    char buf[256];
    para(&c, "", "What mattered", FONT_TITLE, COL_HEAD);
    snprintf(buf, sizeof buf, "The assumptions that move each outcome most under your decisions: each ranged "
             "assumption from the low to the high end of its range, %d runs a side.", v->tornado);
    para(&c, "", buf, FONT_NORMAL, COL_MUTED);
    char lead[16];
    for (int i = 0; i < v->nmattered; i++) {
        const ExMattered *r = &v->mattered[i];
        if (r->rank == 0) heading(&c, scenario_metric(v->sc, v->ex->predictions[r->prediction].metric)->label);
        snprintf(lead, sizeof lead, "%d. ", r->rank + 1);
        para(&c, lead, v->mattered_text[i], FONT_NORMAL, COL_INK);
    }
    if (v->nmattered == 0) para(&c, "", "No ranged assumption moves an interval prediction's metric.", FONT_NORMAL, COL_INK);
    footer(v, "\xe2\x86\x90 \xe2\x86\x92: the fans and the debrief, the questions   s: save this picture   Esc: quit");
}

static void questions(ExView *v)
{
    Col c = column(v, 0);
    char lead[16];
    para(&c, "", "Debrief questions", FONT_TITLE, COL_HEAD);
    para(&c, "", "For the class discussion: your run, the runs under your decisions and the fans are the evidence.",
         FONT_NORMAL, COL_MUTED);
    for (int i = 0; i < v->ex->ndebrief; i++) {
        gap(&c, 0.5f);
        snprintf(lead, sizeof lead, "%d. ", i + 1);
        para(&c, lead, v->ex->debrief[i], FONT_NORMAL, COL_INK);
    }
    footer(v, "\xe2\x86\x90: the fans and the debrief   s: save this picture   Esc: quit");
}

int exview_render(ExView *v, ExScreen screen, int scroll)
{
    if ((screen == EXS_DECISION || screen == EXS_FAN) && (scroll < 0 || scroll >= v->npause)) return -1;
    if (screen == EXS_FAN && !v->pause[scroll].fan) return -1;
    if (screen == EXS_DEBRIEF && v->nruns <= 0) return -1;
    if (screen == EXS_MATTERED && v->tornado <= 0) return -1;
    clear(v);
    if (screen == EXS_BRIEFING) briefing(v, scroll < 0 ? 0 : scroll);
    else if (screen == EXS_PREDICT) form(v);
    else if (screen == EXS_DECISION) decision(v, scroll);
    else if (screen == EXS_FAN) fan(v, scroll);
    else if (screen == EXS_QUESTIONS) questions(v);
    else if (screen == EXS_MATTERED) mattered(v);
    else debrief(v);
    SDL_RenderPresent(v->ren);
    return 0;
}

uint32_t exview_pixel(const ExView *v, int x, int y)
{
    if (x < 0 || y < 0 || x >= v->surf->w || y >= v->surf->h) return 0;
    const uint32_t *row = (const uint32_t *)((const char *)v->surf->pixels + (size_t)y * (size_t)v->surf->pitch);
    return row[x] & 0xffffffu;
}

int exview_chart(const ExView *v, int k, float *x0, float *x1, double *lo, double *hi, double *mine, float *marker)
{
    if (k < 0 || k >= v->ncharts || !v->chart[k].ok) return -1;
    const Chart *c = &v->chart[k];
    *x0 = c->x0;
    *x1 = c->x1;
    *lo = c->lo;
    *hi = c->hi;
    *mine = c->mine;
    *marker = c->marker;
    return 0;
}

int exview_what_mattered(ExView *v, int runs, ExAmountFn amount, Diag *d)
{
    ExMattered *all;
    int n;
    forget_mattered(v);
    if (runs <= 0) return 0;
    if (exercise_what_mattered(v->ex, v->seed, v->by_decision, runs, &all, &n) != 0) {
        diag_add(d, 0, 0, "", "out of memory for what mattered");
        return -1;
    }
    /* Keep the three largest effects on each prediction, as the terminal prints. */
    int k = 0;
    for (int i = 0; i < n; i++)
        if (all[i].rank < 3) all[k++] = all[i];
    v->mattered = all;
    v->mattered_text = malloc((size_t)k * sizeof *v->mattered_text + 1);
    if (!v->mattered_text) {
        forget_mattered(v);
        diag_add(d, 0, 0, "", "out of memory for what mattered");
        return -1;
    }
    for (int i = 0; i < k; i++) exercise_mattered_text(v->mattered_text[i], sizeof v->mattered_text[i], v->ex, &all[i], amount);
    v->nmattered = k;
    v->tornado = runs;
    return 0;
}

int exview_mattered(const ExView *v, int i, const ExMattered **row, const char **text)
{
    if (i < 0 || i >= v->nmattered) return -1;
    if (row) *row = &v->mattered[i];
    if (text) *text = v->mattered_text[i];
    return 0;
}

int exview_save(ExView *v, const char *png, Diag *d)
{
    SDL_Surface *rgb = SDL_ConvertSurfaceFormat(v->surf, SDL_PIXELFORMAT_RGB24, 0);
    int rc = rgb ? IMG_SavePNG(rgb, png) : -1;
    if (rc != 0) diag_add(d, 0, 0, "", "cannot write '%s': %s", png, IMG_GetError());
    if (rgb) SDL_FreeSurface(rgb);
    return rc != 0 ? -1 : 0;
}

/* --- in a window ---------------------------------------------------------------- */

typedef enum Phase { PH_BRIEFING, PH_FORM, PH_PLAY, PH_DEBRIEF, PH_QUIT } Phase;

typedef struct Win {
    ExView *v;
    ViewWin *vw;
    SDL_Texture *tex;
    const char *script;         /* the rest of the test script, or NULL */
    int frames_run, limit;
    Phase phase;
    int scroll, page;           /* briefing: lines down; debrief: 0, the fan at decision page-1, or
                                   (the last page) the debrief questions */
    int dirty, reached;         /* redraw; the debrief was reached */
} Win;

static void redraw(Win *W);

static void save_screen(Win *W, const char *what)
{
    redraw(W);      /* the screen as it is now, not as last drawn */
    char name[96], msg[160];
    snprintf(name, sizeof name, "salvo-exercise-%s.png", what);
    Diag d;
    diag_init(&d, name);
    if (exview_save(W->v, name, &d) == 0) snprintf(msg, sizeof msg, "salvo: saved %s\n", name);
    else snprintf(msg, sizeof msg, "salvo: cannot save %s: %s\n", name, d.count ? d.items[0].msg : "");
    fputs(msg, stderr);
    diag_fini(&d);
}

/* The debrief's pages in order: the debrief (0), the fan at each
 * decision (if any), what mattered (if computed), the questions (the
 * last). */
static int last_page(const ExView *v) { return (v->tornado > 0) + nfans(v) + 1; }

/* The screen of debrief page `page`, and its decision ordinal in *k. */
static ExScreen page_screen(const ExView *v, int page, int *k)
{
    *k = page - 1;
    if (page == 0) return EXS_DEBRIEF;
    if (page == last_page(v)) return EXS_QUESTIONS;
    return page > nfans(v) ? EXS_MATTERED : EXS_FAN;
}

/* The screen shown now, drawn and handed to the window. */
static void redraw(Win *W)
{
    ExView *v = W->v;
    if (W->phase == PH_BRIEFING) exview_render(v, EXS_BRIEFING, W->scroll);
    else if (W->phase == PH_FORM) exview_render(v, EXS_PREDICT, 0);
    else {
        int k;
        ExScreen sc = page_screen(v, W->page, &k);
        exview_render(v, sc, k);
    }
    if (W->tex) SDL_DestroyTexture(W->tex);
    W->tex = SDL_CreateTextureFromSurface(W->vw->ren, v->surf);
    W->dirty = 0;
}

/* A message alone on the canvas, shown at once (the debrief takes a few
 * seconds to compute). */
static void notice(Win *W, const char *title, const char *s)
{
    clear(W->v);
    Col c = column(W->v, 0);
    para(&c, "", title, FONT_TITLE, COL_HEAD);
    para(&c, "", s, FONT_NORMAL, COL_INK);
    SDL_RenderPresent(W->v->ren);
    if (W->tex) SDL_DestroyTexture(W->tex);
    W->tex = SDL_CreateTextureFromSurface(W->vw->ren, W->v->surf);
    SDL_RenderClear(W->vw->ren);
    if (W->tex) SDL_RenderCopy(W->vw->ren, W->tex, NULL, NULL);
    SDL_RenderPresent(W->vw->ren);
}

static void screen_key(Win *W, const SDL_KeyboardEvent *k)
{
    ExView *v = W->v;
    SDL_Keycode sym = k->keysym.sym;
    int enter = sym == SDLK_RETURN || sym == SDLK_KP_ENTER;
    W->dirty = 1;
    if (sym == SDLK_F12 || (sym == SDLK_s && W->phase != PH_FORM)) {      /* the form takes letters as typing */
        char what[32];
        int fk;
        ExScreen sc = W->phase == PH_DEBRIEF ? page_screen(v, W->page, &fk) : EXS_BRIEFING;
        if (sc == EXS_QUESTIONS) snprintf(what, sizeof what, "questions");
        else if (sc == EXS_MATTERED) snprintf(what, sizeof what, "mattered");
        else if (sc == EXS_FAN) snprintf(what, sizeof what, "fan-%d", fk + 1);
        else snprintf(what, sizeof what, "%s", W->phase == PH_BRIEFING ? "briefing" : W->phase == PH_FORM ? "predictions"
                                                                                                          : "debrief");
        save_screen(W, what);
        return;
    }
    switch (W->phase) {
    case PH_BRIEFING:
        if (enter || sym == SDLK_SPACE) {
            W->phase = PH_FORM;
            if (v->have_guess) v->focus = v->nfields > 0 ? v->nfields - 1 : 0;   /* a replay: Enter goes on */
            SDL_StartTextInput();
        } else if (sym == SDLK_ESCAPE || sym == SDLK_q) W->phase = PH_QUIT;
        else if (sym == SDLK_DOWN || sym == SDLK_j) W->scroll++;
        else if (sym == SDLK_PAGEDOWN) W->scroll += 10;
        else if ((sym == SDLK_UP || sym == SDLK_k) && W->scroll > 0) W->scroll--;
        else if (sym == SDLK_PAGEUP) W->scroll = W->scroll > 10 ? W->scroll - 10 : 0;
        break;
    case PH_FORM:
        if (sym == SDLK_TAB) exview_form_input(v, k->keysym.mod & KMOD_SHIFT ? EXK_PREV : EXK_NEXT, NULL);
        else if (sym == SDLK_DOWN) exview_form_input(v, EXK_NEXT, NULL);
        else if (sym == SDLK_UP) exview_form_input(v, EXK_PREV, NULL);
        else if (sym == SDLK_BACKSPACE) exview_form_input(v, EXK_BACKSPACE, NULL);
        else if (sym == SDLK_ESCAPE) {
            W->phase = PH_BRIEFING;
            SDL_StopTextInput();
        } else if (enter && exview_form_input(v, EXK_ENTER, NULL) == 1) {
            W->phase = PH_PLAY;
            SDL_StopTextInput();
        }
        break;
    case PH_DEBRIEF: {
        int last = last_page(v);
        if (sym == SDLK_RIGHT || sym == SDLK_PAGEDOWN || sym == SDLK_SPACE || sym == SDLK_n) {
            if (W->page < last) W->page++;
        } else if (sym == SDLK_LEFT || sym == SDLK_PAGEUP || sym == SDLK_p) {
            if (W->page > 0) W->page--;
        } else if (sym == SDLK_HOME) W->page = 0;
        else if (sym == SDLK_END) W->page = last;
        else if (sym == SDLK_ESCAPE || sym == SDLK_q) W->phase = PH_QUIT;
        break;
    }
    default: break;
    }
}

static void screen_event(Win *W, const SDL_Event *e)
{
    if (e->type == SDL_QUIT) W->phase = PH_QUIT;
    else if (e->type == SDL_KEYDOWN) screen_key(W, &e->key);
    else if (e->type == SDL_TEXTINPUT && W->phase == PH_FORM) {
        exview_form_input(W->v, EXK_TEXT, e->text.text);
        W->dirty = 1;
    } else if (e->type == SDL_MOUSEBUTTONDOWN && e->button.button == SDL_BUTTON_LEFT && W->phase == PH_FORM) {
        /* Window points to canvas pixels: the canvas fills the window. */
        int ww, wh;
        SDL_GetWindowSize(W->vw->win, &ww, &wh);
        SDL_FPoint pt = { (float)e->button.x * (float)W->v->w / (float)(ww > 0 ? ww : 1),
                          (float)e->button.y * (float)W->v->h / (float)(wh > 0 ? wh : 1) };
        for (int f = 0; f < W->v->nfields; f++)
            if (SDL_PointInFRect(&pt, &W->v->frect[f])) exview_form_focus(W->v, f);
        W->dirty = 1;
    } else if (e->type == SDL_WINDOWEVENT) W->dirty = 1;
}

/* Play on the map in the same window; then the debrief's runs. */
static void play_phase(Win *W, Session *s, const ExLoop *o, Diag *d)
{
    ViewOptions vo = { 0 };
    vo.width = W->v->w;
    vo.height = W->v->h;
    vo.frames = W->limit;
    vo.mode = "exercise";
    vo.exercise = W->v->ex;
    vo.script = &W->script;
    vo.frames_run = &W->frames_run;
    int r = view_run_in(W->vw, s, &vo, d);
    if (r != 1) {
        W->phase = PH_QUIT;
        return;
    }
    char msg[320], more[96] = "";
    if (o->amount && o->tornado > 0)
        snprintf(more, sizeof more, ", and what mattered (%d runs a side per assumption)", o->tornado);
    snprintf(msg, sizeof msg, "Your run against %d runs under your decisions, and %d futures per option from each of "
             "your decisions%s: a few seconds.", o->runs, o->futures, more);
    notice(W, "Preparing the debrief\xe2\x80\xa6", msg);
    const int *made;
    int nmade = session_choices(s, &made);
    if (exview_play(W->v, made, nmade, o->runs, o->futures, d) != 0 ||
        (o->amount && exview_what_mattered(W->v, o->tornado, o->amount, d) != 0)) {
        W->phase = PH_QUIT;
        return;
    }
    W->reached = 1;
    W->phase = PH_DEBRIEF;
    W->page = 0;
    W->dirty = 1;
}

int exview_run(ExView *v, Session *s, const ExLoop *o, Diag *d)
{
    char title[256];
    snprintf(title, sizeof title, "salvo \xe2\x80\x94 %s", v->ex->title);
    Win W = { 0 };
    W.v = v;
    W.script = o->keys && *o->keys ? o->keys : NULL;
    W.limit = o->frames;
    W.phase = PH_BRIEFING;
    W.dirty = 1;
    W.vw = view_win_open(v->w, v->h, title, d);
    if (!W.vw) return -1;
    SDL_StopTextInput();
    int failed = 0;
    while (W.phase != PH_QUIT && !failed) {
        if (W.limit > 0 && W.frames_run >= W.limit) break;
        if (W.phase == PH_PLAY) {
            play_phase(&W, s, o, d);
            failed = W.phase == PH_QUIT && d->count > 0;
            continue;
        }
        SDL_Event e;
        if (W.script) {
            W.script = view_script_event(W.script, &e);
            SDL_PushEvent(&e);
        }
        while (SDL_PollEvent(&e)) screen_event(&W, &e);
        if (W.phase == PH_PLAY || W.phase == PH_QUIT) continue;
        if (W.dirty) redraw(&W);
        SDL_RenderClear(W.vw->ren);
        if (W.tex) SDL_RenderCopy(W.vw->ren, W.tex, NULL, NULL);
        SDL_RenderPresent(W.vw->ren);
        SDL_Delay(16);
        W.frames_run++;
    }
    if (W.tex) SDL_DestroyTexture(W.tex);
    view_win_close(W.vw);
    return failed ? -1 : W.reached;
}
