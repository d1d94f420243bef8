/* draw.h — draws one frame of the map view with an SDL_Renderer.
 *
 * Everything drawn comes from a VFrame (vstate.h) and the trace header;
 * the DrawUI says what the person is doing (time shown, speed, panels)
 * and carries the frame, which the caller computes with vstate_at before
 * drawing (update, then draw). The Draw holds the VState read-only: drawing
 * never changes the view state and never reaches into the engine.
 *
 * Layout, in output pixels: a heads-up bar at the top, the timeline at the
 * bottom, the map between them, with the legend, the treaty panel and the
 * event feed floating over the map's corners. All sizes scale with `ui`
 * (HiDPI). The map is fitted to the scenario's places; place labels never
 * overlap each other, markers, gauges, panels or the inset, and country
 * names give way to all of them (draw_layout reports the rectangles).
 *
 * Cost: the land layer is rasterised into a texture only when the map
 * moves (zoom, pan, resize); everything else is batched into a few
 * SDL_RenderGeometry calls per frame from buffers that grow to their
 * steady size once — no allocation per frame after that. Text comes from
 * the Text cache.
 */
#ifndef SALVO_DRAW_H
#define SALVO_DRAW_H

#include <SDL.h>
#include <stdint.h>
#include "basemap.h"
#include "proj.h"
#include "trace.h"
#include "view.h"
#include "vstate.h"

typedef struct DrawDecision {       /* a decision waiting for the player */
    const char *actor, *name;
    int noptions;
    const char *const *options;
    int hover;                      /* option under the mouse, -1 none */
    const char *const *notes;       /* an exercise's lines shown with it (prompt,
                                       values so far, what is known), or NULL */
    int nnotes;
} DrawDecision;

typedef struct DrawUI {
    double t;                       /* time shown, days */
    const VFrame *frame;            /* the picture at t: vstate_at(vs, t), by the caller */
    double speed;                   /* playback, days per second */
    int playing;
    int help;                       /* the help overlay is open */
    int selected;                   /* place whose panel is open, -1 none */
    int hover_place;                /* place under the mouse, -1 none */
    uint64_t seed;
    const char *mode;               /* "replay", "play", "trace" ... for the HUD */
    int still;                      /* a headless still: no end-of-run panel */
    int can_rechoose;               /* play: a choice lies ahead of the time shown */
    const char *status;             /* a passing message, or NULL */
    const DrawDecision *decision;   /* NULL unless a decision waits */
    double sim_done;                /* how far the simulation has run (play mode) */
    const VTotals *previous;        /* the last run's totals at its end, or NULL */
    double previous_delivered;      /* ... and its first resource delivered */
} DrawUI;

typedef struct Draw Draw;

/* Make a drawer for output of w x h pixels. `map` may be NULL (no base
 * map: plain sea). NULL with a diagnostic if the fonts cannot be opened. */
Draw *draw_create(SDL_Renderer *ren, const TraceHeader *h, const VState *vs, const Basemap *map,
                  int w, int h_px, float ui, Diag *d);
void draw_destroy(Draw *dr);
/* Use another trace (after re-simulating); keeps zoom and pan. */
void draw_set_trace(Draw *dr, const TraceHeader *h, const VState *vs);
/* New output size (window resized): refits the map. */
void draw_resize(Draw *dr, int w, int h_px, float ui);
/* Draw ui->frame (the picture at ui->t). */
void draw_frame(Draw *dr, const DrawUI *ui);

/* Show or hide the legend of symbols (shown at first); keeps zoom and pan,
 * re-places the inset and the labels. */
void draw_set_legend(Draw *dr, int on);
int draw_legend_on(const Draw *dr);
/* The layout of the last frame (see view.h): writes up to max boxes,
 * returns how many there are. */
size_t draw_layout(const Draw *dr, ViewBox *out, size_t max);
/* The projection, for zoom and pan; call draw_map_moved after changing it. */
Proj *draw_proj(Draw *dr);
void draw_map_moved(Draw *dr);
/* Fit the map to the places again (Home for the camera). */
void draw_refit(Draw *dr);
/* 1 if (x, y) is over the map area (not a panel or a bar). */
int draw_in_map(const Draw *dr, float x, float y);
/* The place whose marker is at (x, y), or -1. */
int draw_hit_place(const Draw *dr, float x, float y);
/* 1 if (x, y) is in the timeline bar; *t gets the time there. */
int draw_hit_timeline(const Draw *dr, float x, float y, double *t);
/* The time under x on the timeline (clamped to the run). */
double draw_timeline_time(const Draw *dr, float x);
/* The decision option button at (x, y), or -1 (after a frame showing it). */
int draw_hit_option(const Draw *dr, float x, float y);

/* The dashes of a polyline, `on` pixels drawn and `off` skipped, the
 * pattern running on across vertices: span() gets each dash's ends (span
 * may be NULL to count). Returns the number of dashes. Always ends, for any
 * coordinates (huge, NaN, infinite) and any on/off (on <= 0 draws nothing);
 * at most 20,000 dashes per segment. */
int draw_dash_spans(const float *x, const float *y, int n, float on, float off,
                    void (*span)(void *ctx, float x0, float y0, float x1, float y1), void *ctx);

/* Base colours (0xRRGGBB), for tests that check pixels. */
#define DRAW_COLOR_SEA  0xC9DDE8u
#define DRAW_COLOR_LAND 0xF3F0E8u

/* Okabe–Ito colours used for resources, by index. */
uint32_t draw_resource_color(int resource);

#endif
