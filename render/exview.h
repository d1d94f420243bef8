/* exview.h — the exercise in the view, in one window: the briefing, the
 * predictions form, play on the map (pausing at each decision with what
 * is known at that date), and the debrief (per predicted metric, a
 * histogram of the runs under the same decisions with the student's
 * marker; the predictions scored; the fan of futures at each decision).
 *
 * Built only from the public API (salvo.h, exercise.h, fan.h): the
 * student's run is replication 0 of the seed, paused at each decision
 * (sim_set_interactive) and answered with the given choices in order (the
 * first option once they run out); the distribution is exercise_outcomes()
 * under the same decisions, the scores exercise_score() and the fans
 * fan_run() with fork id = the decision's ordinal: the numbers `salvo
 * exercise` prints, from the same functions. The screens are drawn with
 * the software renderer into a canvas the ExView owns, so they need no
 * display; the window shows that canvas. Owns its results, canvas and
 * fonts; the Exercise is borrowed and must outlive it.
 */
#ifndef SALVO_EXVIEW_H
#define SALVO_EXVIEW_H

#include <stdint.h>
#include "exercise.h"
#include "session.h"

typedef enum ExScreen { EXS_BRIEFING, EXS_PREDICT, EXS_DECISION, EXS_FAN, EXS_DEBRIEF, EXS_QUESTIONS, EXS_MATTERED } ExScreen;

/* The most predictions the form takes (an exercise with more is refused). */
#define EXVIEW_MAX_PRED 32

typedef struct ExView ExView;

/* A w x h canvas for the exercise, and (nruns > 0) exview_play with
 * these arguments. NULL with a diagnostic. */
ExView *exview_create(const Exercise *ex, uint64_t seed, const int *choices, int nchoices, int nruns, int futures,
                      int w, int h, Diag *d);
void exview_destroy(ExView *v);
/* Play the student's run and the nruns of the distribution (replacing any
 * earlier results). choices (n of them) answer the decisions in order.
 * futures > 0: at each decision, that many futures per option for the fan.
 * 0, or -1 with a diagnostic. */
int exview_play(ExView *v, const int *choices, int nchoices, int nruns, int futures, Diag *d);
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
/* What mattered under the last play's decisions (exercise_what_mattered,
 * runs a side; 0: none, and no screen), keeping the three largest effects
 * on each interval prediction as the terminal prints them, worded by
 * exercise_mattered_text with `amount` (the terminal's: fmt_amount). The
 * EXS_MATTERED screen shows them; exview_play forgets them. 0, or -1 with
 * a diagnostic. */
int exview_what_mattered(ExView *v, int runs, ExAmountFn amount, Diag *d);
/* Row i of what mattered (ranked, grouped by prediction) and its
 * sentence; -1 if there is no row i. */
int exview_mattered(const ExView *v, int i, const ExMattered **row, const char **text);
/* Save the last screen as PNG; 0, or -1 with a diagnostic. */
int exview_save(ExView *v, const char *png, Diag *d);
/* Metric m's value x in words: a date, yes/no, or a number and its unit. */
void exview_value(const Scenario *sc, int m, double x, char *buf, size_t n);

/* --- the predictions ------------------------------------------------------ */

/* Commit the student's guesses (one per prediction, as a playthrough holds
 * them); the form shows them. -1 (nothing changed) if one is invalid. */
int exview_set_guesses(ExView *v, const ExGuess *g);
/* The committed guesses into out: 0, or -1 if the form was not completed. */
int exview_guesses(const ExView *v, ExGuess *out);
/* Input to the predictions form, as the window gives it: typed text into
 * the field with the focus, the next or previous field, delete a
 * character, or Enter (the next field; on the last, check every
 * prediction). Returns 1 when Enter found every prediction valid (the
 * guesses are committed), else 0. */
typedef enum ExKey { EXK_TEXT, EXK_NEXT, EXK_PREV, EXK_BACKSPACE, EXK_ENTER } ExKey;
int exview_form_input(ExView *v, ExKey k, const char *text);
/* Put the focus on field k (fields in order: best, low, high of an
 * interval; the probability of a probability). -1 if there is none. */
int exview_form_focus(ExView *v, int k);
/* The form's first complaint ("Prediction 2 (at-front): expected LOW <=
 * HIGH ..."), or NULL. */
const char *exview_form_message(const ExView *v);
/* The predictions scored against the last play (exercise_score): -1 if
 * there are no guesses or no runs. out gets one score per prediction. */
int exview_scores(const ExView *v, ExScore *out, ExScoreSum *sum);

/* --- in a window ---------------------------------------------------------- */

typedef struct ExLoop {
    int runs, futures;          /* the debrief's distribution, futures per option */
    const char *keys;           /* tests: a --keys script for the whole loop */
    int frames;                 /* > 0: stop after this many frames in all */
    int tornado;                /* what mattered: runs a side (0: not shown) */
    ExAmountFn amount;          /* its words' amounts (NULL: not shown) */
} ExLoop;

/* The whole loop in one window: briefing (Space/Enter on, arrows and Page
 * Up/Down scroll), the predictions form (typed; Tab/Enter next field,
 * Shift+Tab back, Enter on the last checks them, Esc back to the
 * briefing), play on the map with Session s (interactive; its decisions
 * show what the exercise shows at them; Enter at the end of the run goes
 * on), then the debrief (Right/Left or Page Down/Up: the fan at each
 * decision, what mattered, then the exercise's debrief questions). s on any exercise screen saves it as salvo-exercise-SCREEN.png;
 * Esc or q quits. Guesses already set (a replay) fill the form. Returns 1
 * if the student reached the debrief (exview_guesses and session_choices
 * then hold the playthrough), 0 if they quit before, -1 with a diagnostic
 * if no window opens. */
int exview_run(ExView *v, Session *s, const ExLoop *o, Diag *d);

#endif
