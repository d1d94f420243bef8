/* view.h — the map view's two ways of running: headless (one frame into a
 * PNG, software renderer, no display) and the interactive window.
 *
 * Both draw from a trace alone (header + records, via vstate.h), so a live
 * run, a saved trace and a replayed playthrough look the same. Input in the
 * window reaches the engine only as commands on the Session (answer a
 * decision, rewind, new seed).
 */
#ifndef SALVO_VIEW_H
#define SALVO_VIEW_H

#include <stdint.h>
#include "exercise.h"
#include "session.h"
#include "trace.h"

/* --- headless ------------------------------------------------------------ */
typedef struct ViewShot ViewShot;

/* A w x h software-rendered canvas for this trace (no window, no display). */
ViewShot *view_shot_create(const TraceHeader *h, const TraceRec *recs, size_t n, int w, int hgt, Diag *d);
void view_shot_destroy(ViewShot *s);
/* Draw the frame at time t (days). */
void view_shot_render(ViewShot *s, double t);
/* The colour 0xRRGGBB at pixel (x, y) of the last frame. */
uint32_t view_shot_pixel(const ViewShot *s, int x, int y);
/* Where (lat, lon) lands on the canvas. */
void view_shot_project(ViewShot *s, double lat, double lon, double *x, double *y);
/* What the last frame laid out, for tests of the layout: rectangles in
 * output pixels. Markers are centred on their place; a label with a leader
 * line may stand away from its place. */
typedef enum ViewBoxKind {
    VIEW_BOX_MARKER,    /* a place's marker (place set; pane 1 if in the inset) */
    VIEW_BOX_LABEL,     /* a place's name (place set) */
    VIEW_BOX_COUNTRY,   /* a country name on the main map */
    VIEW_BOX_INSET,     /* the inset's frame */
    VIEW_BOX_PANEL,     /* a floating panel: treaty, feed, legend */
    VIEW_BOX_MAP,       /* the main map's area */
    VIEW_BOX_NOTE       /* a passing note: a loss, troops on the move */
} ViewBoxKind;
typedef struct ViewBox {
    float x, y, w, h;
    int kind;           /* ViewBoxKind */
    int place;          /* marker, label: the place; panel: 0 treaty, 1 feed,
                           2 legend; else -1 */
    int pane;           /* 0 the main map, 1 the inset */
    int leader;         /* label: joined to its place by a leader line */
} ViewBox;
/* Writes up to max boxes; returns how many there are. */
size_t view_shot_layout(const ViewShot *s, ViewBox *out, size_t max);
/* Show or hide the legend (shown at first). */
void view_shot_legend(ViewShot *s, int on);
/* Save the last frame as PNG; 0, or -1 with a diagnostic. */
int view_shot_save(ViewShot *s, const char *png, Diag *d);

/* --- the window ----------------------------------------------------------- */
typedef struct ViewOptions {
    int width, height;          /* initial window size (points) */
    double start_t;             /* initial time shown */
    int paused;                 /* start paused (else playing) */
    int frames;                 /* > 0: quit after this many frames (smoke tests) */
    const char *record;         /* save the playthrough here on quit, or NULL */
    const char *mode;           /* shown in the HUD: "replay", "play", "trace" */
    const char *keys;           /* tests: comma-separated keys pressed one per frame
                                   ("space,plus,right,h,1,click:X:Y"), or NULL */
    int stats;                  /* print frame timings to stderr on exit */
    const Exercise *exercise;   /* an exercise's run: each decision shows what the
                                   exercise says is shown at it, the seed stays, and
                                   Enter at the end of the run goes on (returns 1);
                                   or NULL */
    const char **script;        /* in/out: the cursor of a test script shared with
                                   the screens before and after (used instead of
                                   keys), or NULL */
    int *frames_run;            /* in/out: frames run so far, counted against
                                   `frames` (shared likewise), or NULL */
} ViewOptions;

/* The window: SDL started, a window and its renderer. One window can show
 * the map (view_run_in) and other screens in turn (exview.h). */
typedef struct ViewWin ViewWin;
/* NULL with a diagnostic if SDL, the window or a renderer cannot start. */
ViewWin *view_win_open(int w, int h, const char *title, Diag *d);
void view_win_close(ViewWin *w);

/* Open the window and run until the person quits. 0 on a normal quit;
 * -1 with a diagnostic if SDL could not start. */
int view_run(Session *s, const ViewOptions *o, Diag *d);
/* The same in a window already open: 0 when the person quits, 1 when an
 * exercise's run is over and they go on, -1 with a diagnostic. */
int view_run_in(ViewWin *w, Session *s, const ViewOptions *o, Diag *d);

#endif
