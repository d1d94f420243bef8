/* exview.h — the exercise's own screens in the view: the briefing, a
 * decision with what the exercise shows at it, and the debrief (per
 * predicted metric, a histogram of the runs under the same decisions with
 * the student's marker).
 *
 * Built only from the public API (salvo.h, exercise.h): the student's run
 * is replication 0 of the seed, paused at each decision (sim_set_interactive)
 * and answered with the given choices in order (the first option once they
 * run out); the distribution is exercise_outcomes() under the same
 * decisions, the numbers `salvo exercise` prints. The screens are drawn
 * with the software renderer into a canvas the ExView owns, so they need
 * no display. Owns its Sim results, canvas and fonts; the Exercise is
 * borrowed and must outlive it.
 */
#ifndef SALVO_EXVIEW_H
#define SALVO_EXVIEW_H

#include <stdint.h>
#include "exercise.h"

typedef enum ExScreen { EXS_BRIEFING, EXS_DECISION, EXS_FAN, EXS_DEBRIEF } ExScreen;

typedef struct ExView ExView;

/* Play the student's run and the nruns of the distribution; a w x h
 * canvas. choices (n of them) answer the decisions in order. futures > 0:
 * at each decision, that many futures per option (fan.h, fork id = the
 * decision's ordinal, as salvo exercise forks) for the fan screen. NULL
 * with a diagnostic. */
ExView *exview_create(const Exercise *ex, uint64_t seed, const int *choices, int nchoices, int nruns, int futures,
                      int w, int h, Diag *d);
void exview_destroy(ExView *v);
/* Draw a screen; `scroll` lines down (briefing) or the decision's ordinal
 * (decision, fan). -1 if there is no such decision (or no fan), else 0. */
int exview_render(ExView *v, ExScreen screen, int scroll);
/* How many decisions the student's run paused at. */
int exview_decisions(const ExView *v);
/* The colour 0xRRGGBB at (x, y) of the last screen. */
uint32_t exview_pixel(const ExView *v, int x, int y);
/* The debrief's chart k (one per metric predicted, in order), as drawn by
 * the last debrief: its plot's left and right x, the range [lo, hi] it
 * spans, the student's value and the marker's x. -1 if there is no chart
 * k (or every run gave the same value: no histogram, no marker). */
int exview_chart(const ExView *v, int k, float *x0, float *x1, double *lo, double *hi, double *mine, float *marker);
/* Save the last screen as PNG; 0, or -1 with a diagnostic. */
int exview_save(ExView *v, const char *png, Diag *d);
/* Metric m's value x in words: a date, yes/no, or a number and its unit. */
void exview_value(const Scenario *sc, int m, double x, char *buf, size_t n);
/* Show a screen in its own window until the person goes on (space,
 * Enter: 0) or quits (Esc, q, closing it: 1); arrows and Page Up/Down
 * scroll the briefing. keys: a test script ("space,down,up,esc"), one per
 * frame; frames > 0: go on after that many. -1 with a diagnostic if no
 * window opens. */
int exview_window(ExView *v, ExScreen screen, const char *keys, int frames, Diag *d);

#endif
