/* view.c — headless frames and the interactive window: see view.h.
 *
 * The window loop follows raylib's rule: input, then update, then draw,
 * never mixed. Input changes only the UI state (time shown, speed, zoom,
 * panels) or becomes a command on the Session; the picture is then drawn
 * from the trace at the time shown. When the Session's records change
 * (an answer, a rewind, a new seed) the view state is rebuilt once.
 */
#include "view.h"

#include <SDL.h>
#include <SDL_image.h>
#include <SDL_ttf.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "basemap.h"
#include "cal.h"
#include "draw.h"
#include "exview.h"
#include "view_int.h"
#include "vstate.h"

/* --- the base map asset ----------------------------------------------------- */

/* Look for assets/basemap.bin: $SALVO_ASSETS, ./assets, beside the binary,
 * and the installed share directory. NULL (and a warning) if none loads:
 * the view still works, on a plain sea. */
static Basemap *load_basemap(void)
{
    char exe[PATH_MAX] = "", path[PATH_MAX + 64];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash) *slash = '\0';
    }
    const char *env = getenv("SALVO_ASSETS");
    const char *cands[5] = { env, "assets", exe[0] ? exe : NULL, exe[0] ? exe : NULL,
                             "/usr/local/share/salvo/assets" };
    const char *suffix[5] = { "", "", "/assets", "/../share/salvo/assets", "" };
    for (int i = 0; i < 5; i++) {
        if (!cands[i]) continue;
        snprintf(path, sizeof path, "%s%s/basemap.bin", cands[i], suffix[i]);
        if (access(path, R_OK) != 0) continue;
        Diag d;
        diag_init(&d, path);
        Basemap *m = basemap_load(path, &d);
        if (!m) diag_print(&d, stderr);
        diag_fini(&d);
        if (m) return m;
    }
    fprintf(stderr, "salvo: warning: no base map found (assets/basemap.bin; set SALVO_ASSETS "
                    "to its folder); drawing without land\n");
    return NULL;
}

/* --- headless ---------------------------------------------------------------- */

struct ViewShot {
    SDL_Surface *surf;
    SDL_Renderer *ren;
    Basemap *map;
    VState *vs;
    Draw *draw;
    const TraceHeader *h;
    double t;
};

ViewShot *view_shot_create(const TraceHeader *h, const TraceRec *recs, size_t n, int w, int hgt, Diag *d)
{
    ViewShot *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->h = h;
    s->surf = SDL_CreateRGBSurfaceWithFormat(0, w, hgt, 32, SDL_PIXELFORMAT_ARGB8888);
    if (!s->surf) {
        diag_add(d, 0, 0, "", "cannot make a %dx%d canvas: %s", w, hgt, SDL_GetError());
        goto err;
    }
    s->ren = SDL_CreateSoftwareRenderer(s->surf);
    if (!s->ren) {
        diag_add(d, 0, 0, "", "cannot start the software renderer: %s", SDL_GetError());
        goto err;
    }
    s->map = load_basemap();
    s->vs = vstate_create(h, recs, n);
    if (!s->vs) {
        diag_add(d, 0, 0, "", "out of memory indexing the trace");
        goto err;
    }
    /* The canvas is in pixels; text and lines scale with its height so a
     * big screenshot reads like a HiDPI window. */
    float ui = hgt >= 1400 ? 2.0f : hgt >= 1000 ? 1.4f : 1.0f;
    s->draw = draw_create(s->ren, h, s->vs, s->map, w, hgt, ui, d);
    if (!s->draw) goto err;
    return s;
err:
    view_shot_destroy(s);
    return NULL;
}

void view_shot_destroy(ViewShot *s)
{
    if (!s) return;
    draw_destroy(s->draw);
    vstate_destroy(s->vs);
    basemap_destroy(s->map);
    if (s->ren) SDL_DestroyRenderer(s->ren);
    if (s->surf) SDL_FreeSurface(s->surf);
    free(s);
}

void view_shot_render(ViewShot *s, double t)
{
    DrawUI ui = { 0 };
    ui.t = t;
    ui.speed = 10;
    ui.selected = ui.hover_place = -1;
    ui.seed = s->h->seed;
    ui.mode = "replay";
    ui.still = 1;
    ui.sim_done = s->h->end;
    s->t = t;
    ui.frame = vstate_at(s->vs, t);
    draw_frame(s->draw, &ui);
    SDL_RenderPresent(s->ren);
}

uint32_t view_shot_pixel(const ViewShot *s, int x, int y)
{
    if (x < 0 || y < 0 || x >= s->surf->w || y >= s->surf->h) return 0;
    const uint32_t *row = (const uint32_t *)((const char *)s->surf->pixels + (size_t)y * (size_t)s->surf->pitch);
    return row[x] & 0xffffffu;
}

void view_shot_project(ViewShot *s, double lat, double lon, double *x, double *y)
{
    proj_fwd(draw_proj(s->draw), lat, lon, x, y);
}

size_t view_shot_layout(const ViewShot *s, ViewBox *out, size_t max)
{
    return draw_layout(s->draw, out, max);
}

void view_shot_legend(ViewShot *s, int on) { draw_set_legend(s->draw, on); }

int view_save_png(SDL_Surface *src, const char *png, Diag *d)
{
    SDL_Surface *rgb = SDL_ConvertSurfaceFormat(src, SDL_PIXELFORMAT_RGB24, 0);
    int rc = rgb ? IMG_SavePNG(rgb, png) : -1;
    if (rc != 0) diag_add(d, 0, 0, "", "cannot write '%s': %s", png, IMG_GetError());
    if (rgb) SDL_FreeSurface(rgb);
    return rc != 0 ? -1 : 0;
}

int view_shot_save(ViewShot *s, const char *png, Diag *d) { return view_save_png(s->surf, png, d); }

/* --- the window ------------------------------------------------------------- */

static const double SPEEDS[] = { 1, 2, 5, 10, 20, 36.5 };
#define NSPEEDS ((int)(sizeof SPEEDS / sizeof SPEEDS[0]))

typedef struct Ui {
    SDL_Window *win;
    SDL_Renderer *ren;
    Session *s;
    const ViewOptions *o;
    Basemap *map;
    VState *vs;
    Draw *draw;
    uint64_t version;
    const TraceHeader *h;
    double t;
    int speed, playing, help, selected, hover;
    int drag_map, drag_tl;
    float press_x, press_y, last_x, last_y;
    int moved;
    float scale;                /* output pixels per window point */
    char status[256];
    Uint32 status_until;
    DrawDecision dec;
    char notes[32][192];        /* the exercise's lines for the pending decision */
    const char *note[32];
    double notes_t;             /* ... built for the decision pending at this time */
    int quit;
    VTotals prev;               /* the last run's outcome, for comparison */
    double prev_delivered;
    int have_prev;
} Ui;

/* Remember how the current run ends before it is re-simulated. */
static void keep_outcome(Ui *u)
{
    const VFrame *f = vstate_at(u->vs, u->h->end);
    u->prev = f->tot;
    u->prev_delivered = u->h->nresources > 0 ? f->delivered[0] : f->tot.delivered;
    u->have_prev = !session_pending(u->s);     /* only a finished run */
}

static void say(Ui *u, const char *msg)
{
    snprintf(u->status, sizeof u->status, "%s", msg);
    u->status_until = SDL_GetTicks() + 3500;
}

/* Re-index the records after the Session changed them. */
static int sync_trace(Ui *u, Diag *d)
{
    if (u->vs && u->version == session_version(u->s)) return 0;
    size_t n;
    const TraceRec *r = session_records(u->s, &n);
    VState *vs = vstate_create(session_header(u->s), r, n);
    if (!vs) {
        diag_add(d, 0, 0, "", "out of memory indexing the trace");
        return -1;
    }
    vstate_destroy(u->vs);
    u->vs = vs;
    u->h = session_header(u->s);
    u->version = session_version(u->s);
    if (u->draw) draw_set_trace(u->draw, u->h, vs);
    return 0;
}

static void output_size(Ui *u, int *w, int *h)
{
    int ww, wh;
    SDL_GetRendererOutputSize(u->ren, w, h);
    SDL_GetWindowSize(u->win, &ww, &wh);
    u->scale = ww > 0 ? (float)*w / (float)ww : 1.0f;
}

static void screenshot(Ui *u)
{
    int w, h;
    SDL_GetRendererOutputSize(u->ren, &w, &h);
    SDL_Surface *surf = SDL_CreateRGBSurfaceWithFormat(0, w, h, 32, SDL_PIXELFORMAT_ARGB8888);
    if (!surf) return;
    char date[11], name[96], msg[200];
    cal_format_t(u->h->start, u->t, date);
    snprintf(name, sizeof name, "salvo-%s-seed%llu.png", date, (unsigned long long)session_seed(u->s));
    Diag d;
    diag_init(&d, name);
    if (SDL_RenderReadPixels(u->ren, NULL, SDL_PIXELFORMAT_ARGB8888, surf->pixels, surf->pitch) == 0 &&
        view_save_png(surf, name, &d) == 0)
        snprintf(msg, sizeof msg, "Screenshot saved: %s", name);
    else
        snprintf(msg, sizeof msg, "Screenshot failed: %s", d.count ? d.items[0].msg : SDL_GetError());
    say(u, msg);
    diag_fini(&d);
    SDL_FreeSurface(surf);
}

/* The latest time that can be shown: the run's end, or the pending decision. */
static double limit(const Ui *u)
{
    return session_done(u->s);
}

static void answer(Ui *u, int option, Diag *d)
{
    const SimDecision *p = session_pending(u->s);
    if (!p || u->t < p->t || option < 0 || option >= p->noptions) return;
    char msg[200];
    snprintf(msg, sizeof msg, "%s: %s", p->name, p->options[option]);
    if (session_answer(u->s, option) == 0) {
        sync_trace(u, d);
        say(u, msg);
        u->playing = 1;
    }
}

static void key(Ui *u, const SDL_KeyboardEvent *k, Diag *d)
{
    SDL_Keycode sym = k->keysym.sym;
    int shift = (k->keysym.mod & KMOD_SHIFT) != 0;
    switch (sym) {
    case SDLK_q: u->quit = 1; break;
    case SDLK_ESCAPE:
        if (u->help) u->help = 0;
        else if (u->selected >= 0) u->selected = -1;
        else u->quit = 1;
        break;
    case SDLK_SPACE:
        if (!u->playing && u->t >= u->h->end) u->t = 0;
        u->playing = !u->playing;
        break;
    case SDLK_PLUS: case SDLK_KP_PLUS: case SDLK_EQUALS:
        if (u->speed + 1 < NSPEEDS) u->speed++;
        break;
    case SDLK_MINUS: case SDLK_KP_MINUS:
        if (u->speed > 0) u->speed--;
        break;
    case SDLK_RIGHT:
        u->t = fmin(vstate_step(u->vs, u->t, +1), limit(u));
        u->playing = 0;
        break;
    case SDLK_LEFT:
        u->t = vstate_step(u->vs, u->t, -1);
        u->playing = 0;
        break;
    case SDLK_HOME: u->t = 0; break;
    case SDLK_END: u->t = limit(u); break;
    case SDLK_h: u->help = !u->help; break;
    case SDLK_l: draw_set_legend(u->draw, !draw_legend_on(u->draw)); break;
    case SDLK_SLASH: if (shift) u->help = !u->help; break;
    case SDLK_QUESTION: u->help = !u->help; break;
    case SDLK_s: screenshot(u); break;
    case SDLK_0: draw_refit(u->draw); break;
    case SDLK_RETURN: case SDLK_KP_ENTER:
        if (u->o->exercise && !session_pending(u->s) && u->t >= u->h->end) u->quit = 2;
        break;
    case SDLK_r: {
        if (u->o->exercise) {
            say(u, "An exercise keeps its seed: the debrief compares your run with others under your decisions");
            break;
        }
        if (!session_live(u->s)) {
            say(u, "A saved trace has one seed: run a scenario to try others");
            break;
        }
        /* A new seed from the clock, mixed (splitmix64) so nearby ticks differ. */
        uint64_t z = SDL_GetPerformanceCounter() + 0x9E3779B97F4A7C15ull;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        z ^= z >> 31;
        uint64_t seed = z % 1000000;
        keep_outcome(u);
        session_reseed(u->s, seed);
        sync_trace(u, d);
        u->t = 0;
        u->playing = 1;
        char msg[64];
        snprintf(msg, sizeof msg, "New seed %llu", (unsigned long long)seed);
        say(u, msg);
        break;
    }
    case SDLK_c:
        if (session_interactive(u->s)) {
            keep_outcome(u);
            int kept = session_rewind(u->s, u->t);
            sync_trace(u, d);
            char msg[128];
            snprintf(msg, sizeof msg, "Kept %d earlier choice%s; choose again from here", kept, kept == 1 ? "" : "s");
            say(u, msg);
            u->playing = 1;
        }
        break;
    default:
        if (sym >= SDLK_1 && sym <= SDLK_9) answer(u, (int)(sym - SDLK_1), d);
        else if (sym >= SDLK_KP_1 && sym <= SDLK_KP_9) answer(u, (int)(sym - SDLK_KP_1), d);
        break;
    }
}

static void mouse(Ui *u, const SDL_Event *e, Diag *d)
{
    float s = u->scale;
    switch (e->type) {
    case SDL_MOUSEWHEEL: {
        int mx, my;
        SDL_GetMouseState(&mx, &my);
        float x = mx * s, y = my * s;
        if (!draw_in_map(u->draw, x, y)) break;
        float dy = e->wheel.preciseY != 0 ? e->wheel.preciseY : (float)e->wheel.y;
        double k = pow(1.18, dy);
        Proj *p = draw_proj(u->draw);
        /* Keep the zoom sensible: from the whole region to a few kilometres. */
        if (k > 1 && p->scale > 40000) break;
        if (k < 1 && p->scale < 50) break;
        proj_zoom(p, k, x, y);
        draw_map_moved(u->draw);
        break;
    }
    case SDL_MOUSEBUTTONDOWN: {
        if (e->button.button != SDL_BUTTON_LEFT) break;
        float x = e->button.x * s, y = e->button.y * s;
        double t;
        const SimDecision *p = session_pending(u->s);
        if (p && u->t >= p->t) {
            int o = draw_hit_option(u->draw, x, y);
            if (o >= 0) answer(u, o, d);
            break;
        }
        if (u->help) { u->help = 0; break; }
        if (draw_hit_timeline(u->draw, x, y, &t)) {
            u->drag_tl = 1;
            u->t = fmin(t, limit(u));
        } else if (draw_in_map(u->draw, x, y)) {
            u->drag_map = 1;
            u->moved = 0;
            u->press_x = u->last_x = x;
            u->press_y = u->last_y = y;
        }
        break;
    }
    case SDL_MOUSEMOTION: {
        float x = e->motion.x * s, y = e->motion.y * s;
        if (u->drag_tl) u->t = fmin(draw_timeline_time(u->draw, x), limit(u));
        if (u->drag_map) {
            if (fabsf(x - u->press_x) + fabsf(y - u->press_y) > 4 * s) u->moved = 1;
            proj_pan(draw_proj(u->draw), x - u->last_x, y - u->last_y);
            draw_map_moved(u->draw);
            u->last_x = x;
            u->last_y = y;
        }
        u->hover = draw_in_map(u->draw, x, y) ? draw_hit_place(u->draw, x, y) : -1;
        if (session_pending(u->s)) u->dec.hover = draw_hit_option(u->draw, x, y);
        break;
    }
    case SDL_MOUSEBUTTONUP:
        if (e->button.button != SDL_BUTTON_LEFT) break;
        if (u->drag_map && !u->moved) {
            int p = draw_hit_place(u->draw, e->button.x * s, e->button.y * s);
            u->selected = p == u->selected ? -1 : p;
        }
        u->drag_map = u->drag_tl = 0;
        break;
    default: break;
    }
}

const char *view_script_event(const char *p, SDL_Event *e)
{
    char tok[64];
    size_t n = strcspn(p, ",");
    if (n >= sizeof tok) n = sizeof tok - 1;
    memcpy(tok, p, n);
    tok[n] = '\0';
    p += strcspn(p, ",");
    if (*p == ',') p++;
    memset(e, 0, sizeof *e);
    int x, y;
    if (sscanf(tok, "click:%d:%d", &x, &y) == 2) {
        /* Press and release at once: a click, not a drag. The caller
         * pushes *e (the press) first, then the release. */
        e->type = SDL_MOUSEBUTTONDOWN;
        e->button.button = SDL_BUTTON_LEFT;
        e->button.x = x;
        e->button.y = y;
        return *p ? p : NULL;
    }
    if (sscanf(tok, "wheel:%d:%d", &x, &y) == 2) {
        SDL_WarpMouseInWindow(NULL, x, y);
        e->type = SDL_MOUSEWHEEL;
        e->wheel.y = 1;
        return *p ? p : NULL;
    }
    if (!strncmp(tok, "text:", 5)) {
        e->type = SDL_TEXTINPUT;
        snprintf(e->text.text, sizeof e->text.text, "%.*s", (int)sizeof e->text.text - 1, tok + 5);
        return *p ? p : NULL;
    }
    static const struct { const char *name; SDL_Keycode sym; } names[] = {
        { "space", SDLK_SPACE }, { "plus", SDLK_PLUS }, { "minus", SDLK_MINUS }, { "right", SDLK_RIGHT },
        { "left", SDLK_LEFT }, { "home", SDLK_HOME }, { "end", SDLK_END }, { "esc", SDLK_ESCAPE },
        { "up", SDLK_UP }, { "down", SDLK_DOWN }, { "tab", SDLK_TAB }, { "backtab", SDLK_TAB },
        { "return", SDLK_RETURN }, { "backspace", SDLK_BACKSPACE }, { "pagedown", SDLK_PAGEDOWN },
        { "pageup", SDLK_PAGEUP }, { "f12", SDLK_F12 },
    };
    e->type = SDL_KEYDOWN;
    e->key.keysym.sym = SDLK_UNKNOWN;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (!strcmp(tok, names[i].name)) e->key.keysym.sym = names[i].sym;
    if (!strcmp(tok, "backtab")) e->key.keysym.mod = KMOD_LSHIFT;
    if (e->key.keysym.sym == SDLK_UNKNOWN && strlen(tok) == 1) e->key.keysym.sym = (SDL_Keycode)tok[0];
    return *p ? p : NULL;
}

/* Append text to the notes, wrapped at about `cols` characters; later
 * lines start with `indent` spaces (a leading space draws muted). */
static void note_wrap(Ui *u, int *n, const char *lead, const char *text, int indent, int cols)
{
    char line[192];
    int len = snprintf(line, sizeof line, "%s", lead), words = 0;
    for (const char *p = text; *p && *n < 32;) {
        while (*p == ' ') p++;
        const char *w = p;
        while (*p && *p != ' ') p++;
        int k = (int)(p - w);
        if (!k) break;
        if (words && len + 1 + k > cols) {
            snprintf(u->notes[(*n)++], sizeof u->notes[0], "%s", line);
            len = snprintf(line, sizeof line, "%*s", indent, "");
            words = 0;
        }
        if (len + k + 2 < (int)sizeof line) len += snprintf(line + len, sizeof line - (size_t)len, "%s%.*s", words ? " " : "", k, w);
        words++;
    }
    if (*n < 32 && (words || *lead)) snprintf(u->notes[(*n)++], sizeof u->notes[0], "%s", line);
}

/* What the exercise shows at the pending decision: its prompt, the values
 * so far it names, and what is known by that date with the sources. */
static int exercise_notes(Ui *u, const Exercise *ex, const SimDecision *p)
{
    const ExDecision *xd = exercise_decision(ex, p->decision);
    int n = 0;
    if (!xd) return 0;
    const Scenario *sc = ex->scenario;
    note_wrap(u, &n, "", xd->prompt, 0, 96);
    int nm = scenario_metric_count(sc);
    double *now = calloc((size_t)nm + 1, sizeof *now);
    if (now && xd->nshow && session_metrics(u->s, now) == 0)
        for (int i = 0; i < xd->nshow && n < 32; i++) {
            char v[64];
            exview_value(sc, xd->show[i], now[xd->show[i]], v, sizeof v);
            snprintf(u->notes[n++], sizeof u->notes[0], "So far, %.100s: %s", scenario_metric(sc, xd->show[i])->label, v);
        }
    free(now);
    int64_t today = scenario_start(sc) + (int64_t)floor(p->t);
    for (int i = 0; i < xd->nknown && n < 32; i++) {
        if (xd->known[i].as_of_day > today) continue;
        char lead[32];
        snprintf(lead, sizeof lead, "[%.10s] ", xd->known[i].as_of);
        note_wrap(u, &n, lead, xd->known[i].text, 13, 96);
        note_wrap(u, &n, "             Source: ", xd->known[i].source, 13, 96);
    }
    for (int i = 0; i < n; i++) u->note[i] = u->notes[i];
    return n;
}

ViewWin *view_win_open(int w, int h, const char *title, Diag *d)
{
    if (SDL_Init(SDL_INIT_VIDEO) != 0) {
        diag_add(d, 0, 0, "", "cannot open a window: %s (use --screenshot for headless frames)", SDL_GetError());
        return NULL;
    }
    ViewWin *vw = calloc(1, sizeof *vw);
    if (!vw) {
        diag_add(d, 0, 0, "", "out of memory opening the window");
        SDL_Quit();
        return NULL;
    }
    SDL_SetHint(SDL_HINT_RENDER_SCALE_QUALITY, "1");
    vw->win = SDL_CreateWindow(title, SDL_WINDOWPOS_CENTERED, SDL_WINDOWPOS_CENTERED, w, h,
                               SDL_WINDOW_RESIZABLE | SDL_WINDOW_ALLOW_HIGHDPI);
    if (!vw->win) {
        diag_add(d, 0, 0, "", "cannot open a window: %s", SDL_GetError());
        goto err;
    }
    vw->ren = SDL_CreateRenderer(vw->win, -1, SDL_RENDERER_ACCELERATED | SDL_RENDERER_PRESENTVSYNC);
    if (!vw->ren) {
        fprintf(stderr, "salvo: no accelerated renderer (%s); using the software renderer\n", SDL_GetError());
        vw->ren = SDL_CreateRenderer(vw->win, -1, SDL_RENDERER_SOFTWARE);
    }
    if (!vw->ren) {
        diag_add(d, 0, 0, "", "cannot create a renderer: %s", SDL_GetError());
        goto err;
    }
    return vw;
err:
    view_win_close(vw);
    return NULL;
}

void view_win_close(ViewWin *vw)
{
    if (!vw) return;
    if (vw->ren) SDL_DestroyRenderer(vw->ren);
    if (vw->win) SDL_DestroyWindow(vw->win);
    free(vw);
    SDL_Quit();
}

int view_run(Session *s, const ViewOptions *o, Diag *d)
{
    ViewWin *vw = view_win_open(o->width, o->height, "salvo", d);
    if (!vw) return -1;
    int rc = view_run_in(vw, s, o, d);
    view_win_close(vw);
    return rc < 0 ? -1 : 0;
}

int view_run_in(ViewWin *vw, Session *s, const ViewOptions *o, Diag *d)
{
    Ui u;
    memset(&u, 0, sizeof u);
    u.s = s;
    u.o = o;
    u.win = vw->win;
    u.ren = vw->ren;
    u.speed = 3;
    u.selected = u.hover = -1;
    u.dec.hover = -1;
    u.notes_t = -1;
    int rc = -1;
    u.map = load_basemap();
    if (sync_trace(&u, d) != 0) goto out;
    int w, h;
    output_size(&u, &w, &h);
    u.draw = draw_create(u.ren, u.h, u.vs, u.map, w, h, u.scale, d);
    if (!u.draw) goto out;
    u.t = fmin(fmax(o->start_t, 0), limit(&u));
    u.playing = !o->paused;
    char title[256];
    snprintf(title, sizeof title, "salvo \u2014 %s", u.h->scenario);
    SDL_SetWindowTitle(u.win, title);

    Uint64 prev = SDL_GetPerformanceCounter(), start = prev;
    double freq = (double)SDL_GetPerformanceFrequency();
    double draw_sum = 0, draw_max = 0;
    long frame;
    const char *keys = o->keys && *o->keys ? o->keys : NULL, **script = o->script ? o->script : &keys;
    int frames0 = o->frames_run ? *o->frames_run : 0;
    for (frame = 0; !u.quit; frame++) {
        SDL_Event e;
        if (*script) {
            *script = view_script_event(*script, &e);
            SDL_PushEvent(&e);
            if (e.type == SDL_MOUSEBUTTONDOWN) {
                e.type = SDL_MOUSEBUTTONUP;
                SDL_PushEvent(&e);
            }
        }
        while (SDL_PollEvent(&e)) {
            switch (e.type) {
            case SDL_QUIT: u.quit = 1; break;
            case SDL_WINDOWEVENT:
                if (e.window.event == SDL_WINDOWEVENT_SIZE_CHANGED) {
                    output_size(&u, &w, &h);
                    draw_resize(u.draw, w, h, u.scale);
                }
                break;
            case SDL_KEYDOWN: key(&u, &e.key, d); break;
            case SDL_TEXTINPUT:
                if (e.text.text[0] == '?' && e.text.text[1] == '\0') u.help = !u.help;
                break;
            default: mouse(&u, &e, d); break;
            }
        }
        /* Update: advance the clock, stop at a waiting decision or the end. */
        Uint64 now = SDL_GetPerformanceCounter();
        double dt = (double)(now - prev) / freq;
        prev = now;
        if (dt > 0.1) dt = 0.1;     /* a stall (drag, resize) is not a jump */
        if (u.playing && !u.drag_tl) u.t += SPEEDS[u.speed] * dt;
        double lim = limit(&u);
        if (u.t >= lim) {
            u.t = lim;
            if (!session_pending(s)) u.playing = 0;
        }
        const SimDecision *p = session_pending(s);
        DrawUI ui = { 0 };
        ui.t = u.t;
        ui.speed = SPEEDS[u.speed];
        ui.playing = u.playing;
        ui.help = u.help;
        ui.selected = u.selected;
        ui.hover_place = u.hover;
        ui.seed = session_seed(s);
        ui.mode = o->mode;
        ui.sim_done = lim;
        if (session_interactive(s)) {
            const VMarker *mk;
            size_t nm = vstate_markers(u.vs, &mk);
            for (size_t i = nm; i-- > 0 && !ui.can_rechoose;)
                ui.can_rechoose = mk[i].kind == VM_DECISION && mk[i].t > u.t;
        }
        if (u.have_prev) {
            ui.previous = &u.prev;
            ui.previous_delivered = u.prev_delivered;
        }
        if (p && u.t >= p->t) {
            u.dec.actor = p->actor >= 0 && p->actor < u.h->nactors ? u.h->actors[p->actor].name : "";
            u.dec.name = p->name;
            u.dec.noptions = p->noptions;
            u.dec.options = p->options;
            if (o->exercise && u.notes_t != p->t) {
                u.dec.nnotes = exercise_notes(&u, o->exercise, p);
                u.dec.notes = u.note;
                u.notes_t = p->t;
            }
            ui.decision = &u.dec;
        }
        ui.status = SDL_GetTicks() < u.status_until ? u.status : NULL;
        if (o->exercise && !p && u.t >= u.h->end) ui.status = "The run is over. Press Enter for the debrief.";
        ui.frame = vstate_at(u.vs, u.t);
        Uint64 t0 = SDL_GetPerformanceCounter();
        draw_frame(u.draw, &ui);
        double ms = (double)(SDL_GetPerformanceCounter() - t0) / freq * 1000;
        draw_sum += ms;
        if (ms > draw_max) draw_max = ms;
        SDL_RenderPresent(u.ren);
        if (o->frames > 0 && frames0 + frame + 1 >= o->frames) {
            frame++;
            break;
        }
    }
    if (o->frames_run) *o->frames_run = frames0 + (int)frame;
    rc = u.quit == 2 ? 1 : 0;
    if (o->stats && frame > 0) {
        SDL_RendererInfo info;
        SDL_GetRendererInfo(u.ren, &info);
        double wall = (double)(SDL_GetPerformanceCounter() - start) / freq;
        fprintf(stderr, "salvo: view: %ld frames in %.2f s (%.0f fps); drawing %.2f ms/frame on average, "
                        "%.2f ms at most (%s renderer, %dx%d)\n",
                frame, wall, (double)frame / wall, draw_sum / (double)frame, draw_max, info.name, w, h);
    }
    if (o->record) {
        if (session_save(s, o->record, d) == 0) fprintf(stderr, "salvo: playthrough saved to %s\n", o->record);
        else rc = -1;
    }
out:
    draw_destroy(u.draw);
    vstate_destroy(u.vs);
    basemap_destroy(u.map);
    return rc;
}
