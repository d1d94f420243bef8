/* exview.c — the exercise's screens: see exview.h.
 *
 * Update never mixes with drawing: exview_create runs everything (the
 * student's run, its pauses, the distribution) once, and a render only
 * lays text and bars out of those results. Text is wrapped by measured
 * width, so any canvas size reads; the briefing scrolls by whole lines.
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

#define MAX_PAUSE 64
#define NBINS 20

enum { C_PAPER = 0xF7F5F0, C_INK = 0x1E2328, C_MUTED = 0x5A636C, C_RULE = 0xC8C4BA, C_BAR = 0x0072B2,
       C_MARK = 0xD55E00, C_HEAD = 0x0B3954 };

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
    SDL_Surface *surf;
    SDL_Renderer *ren;
    Text *text;
    int w, h;
    float ui;
};

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

ExView *exview_create(const Exercise *ex, uint64_t seed, const int *choices, int nchoices, int nruns, int futures,
                      int w, int h, Diag *d)
{
    ExView *v = calloc(1, sizeof *v);
    if (!v) return NULL;
    v->futures = futures;
    v->ex = ex;
    v->sc = ex->scenario;
    v->seed = seed;
    v->nm = scenario_metric_count(v->sc);
    v->nruns = nruns;
    v->w = w;
    v->h = h;
    v->ui = h >= 1400 ? 2.0f : h >= 1000 ? 1.4f : 1.0f;
    int ndec = scenario_trace_header(v->sc)->ndecisions;
    v->mine = calloc((size_t)v->nm + 1, sizeof *v->mine);
    v->all = malloc((size_t)nruns * (size_t)v->nm * sizeof *v->all + 1);
    v->by_decision = malloc(((size_t)ndec + 1) * sizeof *v->by_decision);
    if (!v->mine || !v->all || !v->by_decision) {
        diag_add(d, 0, 0, "", "out of memory for the exercise's runs");
        goto err;
    }
    for (int i = 0; i < ndec; i++) v->by_decision[i] = -1;
    if (play(v, choices, nchoices) != 0 || exercise_outcomes(v->sc, seed, v->by_decision, nruns, v->all) != 0) {
        diag_add(d, 0, 0, "", "out of memory playing the exercise");
        goto err;
    }
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

void exview_destroy(ExView *v)
{
    if (!v) return;
    text_destroy(v->text);
    if (v->ren) SDL_DestroyRenderer(v->ren);
    if (v->surf) SDL_FreeSurface(v->surf);
    for (int i = 0; i < v->npause; i++) {
        free(v->pause[i].now);
        free(v->pause[i].fan);
    }
    free(v->mine);
    free(v->all);
    free(v->by_decision);
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
    emit(c, s, FONT_BOLD, C_HEAD, 0);
}

static void clear(ExView *v)
{
    fill(v, 0, 0, (float)v->w, (float)v->h, C_PAPER);
}

static void footer(ExView *v, const char *s)
{
    float lh = text_line(v->text, FONT_SMALL), m = 24 * v->ui;
    fill(v, m, (float)v->h - lh * 2.2f, (float)v->w - 2 * m, 1, C_RULE);
    text_draw(v->text, s, FONT_SMALL, m, (float)v->h - lh * 1.7f, C_MUTED, ALIGN_LEFT, NO_HALO);
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
        para(c, lead, f[i].text, FONT_NORMAL, C_INK);
        snprintf(src, sizeof src, "Source: %s", f[i].source);
        float lw, lh;
        text_size(c->v->text, lead, FONT_NORMAL, &lw, &lh);
        c->x += lw;
        c->w -= lw;
        para(c, "", src, FONT_SMALL, C_MUTED);
        c->x -= lw;
        c->w += lw;
    }
}

static void briefing(ExView *v, int scroll)
{
    const Exercise *ex = v->ex;
    Col c = column(v, scroll);
    char buf[512];
    para(&c, "", ex->title, FONT_TITLE, C_HEAD);
    snprintf(buf, sizeof buf, "%s \xc2\xb7 about %d minutes \xc2\xb7 scenario: %s", exercise_level_name(ex->level),
             ex->minutes, scenario_title(v->sc));
    para(&c, "", buf, FONT_NORMAL, C_MUTED);
    heading(&c, "Learning objectives");
    for (int i = 0; i < ex->nobjectives; i++) {
        snprintf(buf, sizeof buf, "%d. ", i + 1);
        para(&c, buf, ex->objectives[i], FONT_NORMAL, C_INK);
    }
    heading(&c, "Situation");
    para(&c, "", ex->situation, FONT_NORMAL, C_INK);
    heading(&c, "Your role");
    para(&c, "", ex->role, FONT_NORMAL, C_INK);
    heading(&c, "What is known at the start, and from where");
    known(&c, ex->known, ex->nknown, INT64_MAX);
    heading(&c, "Predictions");
    para(&c, "", "Commit your predictions before you play: in the terminal with salvo exercise, or on paper. "
                 "The view does not take them; the debrief shows where your run fell.", FONT_NORMAL, C_INK);
    footer(v, c.clipped ? "Space or Enter: play   \xe2\x86\x93 / Page Down: more of the briefing   \xe2\x86\x91: back"
                        : "Space or Enter: play   \xe2\x86\x91: back to the top");
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
    para(&c, "", buf, FONT_TITLE, C_HEAD);
    if (xd) para(&c, "", xd->prompt, FONT_NORMAL, C_INK);
    if (xd && xd->nshow) {
        snprintf(buf, sizeof buf, "So far (%s)", date);
        heading(&c, buf);
        for (int i = 0; i < xd->nshow; i++) {
            char val[64];
            value_text(v, xd->show[i], p->now[xd->show[i]], val, sizeof val);
            snprintf(buf, sizeof buf, "%s: %s", scenario_metric(v->sc, xd->show[i])->label, val);
            para(&c, "\xe2\x80\xa2 ", buf, FONT_NORMAL, C_INK);
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
        para(&c, "", buf, o == p->option ? FONT_BOLD : FONT_NORMAL, o == p->option ? C_MARK : C_INK);
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
    text_draw(v->text, buf, FONT_BOLD, x, y, C_INK, ALIGN_LEFT, NO_HALO);
    float th = text_line(v->text, FONT_BOLD), sh = text_line(v->text, FONT_SMALL);
    float py = y + th * 1.2f, ph = h - th * 1.2f - sh * 1.3f;
    fill(v, x, py + ph, w, 1, C_INK);
    ch->x0 = x;
    ch->x1 = x + w;
    ch->mine = v->mine[m];
    if (mark < 0) {
        value_text(v, m, ch->lo, a, sizeof a);
        snprintf(buf, sizeof buf, "every run: %s", a);
        text_draw(v->text, buf, FONT_NORMAL, x, py + ph * 0.4f, C_MUTED, ALIGN_LEFT, NO_HALO);
        return;
    }
    int top = 1;
    for (int k = 0; k < NBINS; k++) if (bins[k] > top) top = bins[k];
    float bw = w / NBINS;
    for (int k = 0; k < NBINS; k++) {
        float bh = ph * (float)bins[k] / (float)top;
        fill(v, x + bw * (float)k + 1, py + ph - bh, bw - 2, bh, C_BAR);
    }
    double f = (v->mine[m] - ch->lo) / (ch->hi - ch->lo);
    ch->marker = x + w * (float)fmin(fmax(f, 0), 1);
    float mw = 3 * v->ui;
    fill(v, ch->marker - mw / 2, py - th * 0.2f, mw, ph + th * 0.2f, C_MARK);
    int left = f > 0.85;    /* near the right edge the label goes on the marker's left */
    text_draw(v->text, "your run", FONT_SMALL, ch->marker + (left ? -mw : mw), py - th * 0.2f, C_MARK,
              left ? ALIGN_RIGHT : ALIGN_LEFT, NO_HALO);
    value_text(v, m, ch->lo, a, sizeof a);
    value_text(v, m, ch->hi, b, sizeof b);
    text_draw(v->text, a, FONT_SMALL, x, py + ph + 2, C_MUTED, ALIGN_LEFT, NO_HALO);
    text_draw(v->text, b, FONT_SMALL, x + w, py + ph + 2, C_MUTED, ALIGN_RIGHT, NO_HALO);
    ch->ok = 1;
}

static void debrief(ExView *v)
{
    const Exercise *ex = v->ex;
    Col c = column(v, 0);
    char buf[512];
    para(&c, "", "Debrief", FONT_TITLE, C_HEAD);
    snprintf(buf, sizeof buf, "Your run (seed %llu) against %d runs under the same decisions: the bars are how "
             "many runs ended in each range; the orange line is where yours ended.", (unsigned long long)v->seed,
             v->nruns);
    para(&c, "", buf, FONT_NORMAL, C_INK);
    int metrics[16], n = 0;
    for (int i = 0; i < ex->npredictions && n < 16; i++) {
        int m = ex->predictions[i].metric, seen = 0;
        for (int k = 0; k < n; k++) seen |= metrics[k] == m;
        if (!seen) metrics[n++] = m;
    }
    float top = c.y + 12 * v->ui, bottom = c.bottom, gapy = 14 * v->ui;
    float each = n ? (bottom - top - gapy * (float)(n - 1)) / (float)n : 0;
    if (each > 260 * v->ui) each = 260 * v->ui;
    v->ncharts = n;
    for (int k = 0; k < n; k++)
        chart(v, &v->chart[k], metrics[k], c.x, top + (each + gapy) * (float)k, c.w, each);
    footer(v, "The fan at each decision, prediction scores and what mattered: salvo exercise (terminal) prints them.");
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
    para(&col, "", buf, FONT_TITLE, C_HEAD);
    snprintf(buf, sizeof buf, "%s \xe2\x80\x94 %d futures per option, forked from your run at that moment; bars span the middle "
             "80%% of the futures, the tick is their mean.", dd->name ? dd->name : dd->id, v->futures);
    para(&col, "", buf, FONT_NORMAL, C_INK);
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
        if (!(hi > lo)) hi = lo + 1;
        text_draw(v->text, scenario_metric(v->sc, m)->label, FONT_BOLD, col.x, y, C_INK, ALIGN_LEFT, NO_HALO);
        y += text_line(v->text, FONT_BOLD) * 1.2f;
        float px = col.x + lab, pw = col.w - lab;
        for (int o = 0; o < no; o++) {
            uint32_t ink = o == p->option ? C_MARK : C_BAR;
            text_draw(v->text, exercise_option_id(v->ex, p->decision, o), o == p->option ? FONT_BOLD : FONT_NORMAL,
                      col.x, y, ink, ALIGN_LEFT, NO_HALO);
            float xa = px + pw * (float)((q[o][0] - lo) / (hi - lo)), xb = px + pw * (float)((q[o][2] - lo) / (hi - lo));
            float xm = px + pw * (float)((q[o][1] - lo) / (hi - lo));
            fill(v, xa, y + bh * 0.25f, fmaxf(xb - xa, 2), bh * 0.4f, ink);
            fill(v, xm - 1.5f * v->ui, y, 3 * v->ui, bh * 0.9f, C_INK);
            exview_value(v->sc, m, q[o][1], c, sizeof c);
            text_draw(v->text, c, FONT_SMALL, xm + 4 * v->ui, y + bh * 0.55f, C_MUTED, xm > px + pw * 0.8f ? ALIGN_RIGHT : ALIGN_LEFT,
                      NO_HALO);
            y += bh * 1.25f;
        }
        exview_value(v->sc, m, lo, a, sizeof a);
        exview_value(v->sc, m, hi, b, sizeof b);
        fill(v, px, y, pw, 1, C_RULE);
        text_draw(v->text, a, FONT_SMALL, px, y + 2, C_MUTED, ALIGN_LEFT, NO_HALO);
        text_draw(v->text, b, FONT_SMALL, px + pw, y + 2, C_MUTED, ALIGN_RIGHT, NO_HALO);
        y += bh * 1.6f;
    }
    free(x);
    footer(v, "Same futures as salvo exercise prints for this seed and choices (fork id = the decision's ordinal).");
}

int exview_render(ExView *v, ExScreen screen, int scroll)
{
    if ((screen == EXS_DECISION || screen == EXS_FAN) && (scroll < 0 || scroll >= v->npause)) return -1;
    if (screen == EXS_FAN && !v->pause[scroll].fan) return -1;
    clear(v);
    if (screen == EXS_BRIEFING) briefing(v, scroll < 0 ? 0 : scroll);
    else if (screen == EXS_DECISION) decision(v, scroll);
    else if (screen == EXS_FAN) fan(v, scroll);
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

int exview_save(ExView *v, const char *png, Diag *d)
{
    SDL_Surface *rgb = SDL_ConvertSurfaceFormat(v->surf, SDL_PIXELFORMAT_RGB24, 0);
    int rc = rgb ? IMG_SavePNG(rgb, png) : -1;
    if (rc != 0) diag_add(d, 0, 0, "", "cannot write '%s': %s", png, IMG_GetError());
    if (rgb) SDL_FreeSurface(rgb);
    return rc != 0 ? -1 : 0;
}

/* --- in a window ---------------------------------------------------------------- */

/* The next key of a test script ("space,down,up,esc"), or 0 at its end. */
static SDL_Keycode script_key(const char **p)
{
    if (!*p || !**p) return 0;
    const char *e = strchr(*p, ',');
    size_t n = e ? (size_t)(e - *p) : strlen(*p);
    static const struct { const char *name; SDL_Keycode sym; } names[] = {
        { "space", SDLK_SPACE }, { "down", SDLK_DOWN }, { "up", SDLK_UP }, { "esc", SDLK_ESCAPE },
        { "pagedown", SDLK_PAGEDOWN }, { "return", SDLK_RETURN },
    };
    SDL_Keycode k = n == 1 ? (SDL_Keycode)**p : SDLK_UNKNOWN;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strlen(names[i].name) == n && !strncmp(*p, names[i].name, n)) k = names[i].sym;
    *p = e ? e + 1 : *p + n;
    return k;
}

int exview_window(ExView *v, ExScreen screen, const char *keys, int frames, Diag *d)
{
    if (SDL_Init(SDL_INIT_VIDEO) != 0) {
        diag_add(d, 0, 0, "", "cannot open a window: %s (use --screenshot for headless screens)", SDL_GetError());
        return -1;
    }
    int rc = -1, scroll = 0, dirty = 1;
    SDL_Texture *tex = NULL;
    SDL_Renderer *ren = NULL;
    SDL_Window *win = SDL_CreateWindow(screen == EXS_BRIEFING ? "salvo \xe2\x80\x94 briefing" : "salvo \xe2\x80\x94 debrief",
                                       SDL_WINDOWPOS_CENTERED, SDL_WINDOWPOS_CENTERED, v->w, v->h, 0);
    if (win) ren = SDL_CreateRenderer(win, -1, 0);
    if (!ren) {
        diag_add(d, 0, 0, "", "cannot open a window: %s", SDL_GetError());
        goto out;
    }
    for (int frame = 0; rc < 0; frame++) {
        SDL_Event e;
        SDL_Keycode k = script_key(&keys);
        if (k) {
            e.type = SDL_KEYDOWN;
            e.key.keysym.sym = k;
            SDL_PushEvent(&e);
        }
        while (SDL_PollEvent(&e)) {
            if (e.type == SDL_QUIT) rc = 1;
            if (e.type != SDL_KEYDOWN) continue;
            switch (e.key.keysym.sym) {
            case SDLK_SPACE: case SDLK_RETURN: case SDLK_KP_ENTER: rc = 0; break;
            case SDLK_ESCAPE: case SDLK_q: rc = 1; break;
            case SDLK_DOWN: case SDLK_j: scroll++; dirty = 1; break;
            case SDLK_PAGEDOWN: scroll += 10; dirty = 1; break;
            case SDLK_UP: case SDLK_k: if (scroll > 0) scroll--; dirty = 1; break;
            case SDLK_PAGEUP: scroll = scroll > 10 ? scroll - 10 : 0; dirty = 1; break;
            default: break;
            }
        }
        if (dirty) {
            exview_render(v, screen, scroll);
            if (tex) SDL_DestroyTexture(tex);
            tex = SDL_CreateTextureFromSurface(ren, v->surf);
            dirty = 0;
        }
        SDL_RenderClear(ren);
        if (tex) SDL_RenderCopy(ren, tex, NULL, NULL);
        SDL_RenderPresent(ren);
        SDL_Delay(16);
        if (frames > 0 && frame + 1 >= frames && rc < 0) rc = 0;
    }
out:
    if (tex) SDL_DestroyTexture(tex);
    if (ren) SDL_DestroyRenderer(ren);
    if (win) SDL_DestroyWindow(win);
    SDL_Quit();
    return rc;
}
