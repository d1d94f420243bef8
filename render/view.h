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
} ViewOptions;

/* Open the window and run until the person quits. 0 on a normal quit;
 * -1 with a diagnostic if SDL could not start. */
int view_run(Session *s, const ViewOptions *o, Diag *d);

#endif
