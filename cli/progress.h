/* progress.h — the progress line of a run on the batch engine (salvo
 * batch, compare, sweep, fit and discover): "done/total runs  rate runs/s
 * ETA t", and the main metric's 95% half-width when there is one, redrawn
 * in place on stderr every quarter second.
 *
 * Shown only on rank 0, without --quiet, and only when stderr is a
 * terminal: a log file or a pipe gets no carriage-return lines. Erased
 * when the run ends, so the messages and tables after it start clean.
 */
#ifndef SALVO_PROGRESS_H
#define SALVO_PROGRESS_H

#include "batch.h"

typedef struct Progress {
    const char *metric;     /* the id whose half-width is shown; NULL: none */
    int shown;              /* a line is on the screen */
} Progress;

/* Hook pr to the run's options o (o->progress_metric stays the caller's)
 * when show is set and stderr is a terminal; else leave o without one. */
void progress_attach(Progress *pr, BatchOptions *o, int show);
/* The engine's callback (BatchOptions.progress): draw the line. */
void progress_show(void *arg, const BatchProgress *p);
/* Erase the line if one is shown. */
void progress_end(Progress *pr);

#endif
