/* exercise.h — a teaching exercise: a briefing, the predictions a student
 * commits before playing, the decision points of a shipped scenario with
 * what is shown at each, debrief questions and instructor notes
 * (docs/exercises.md; scenarios/exercise.schema.json).
 *
 * An Exercise is plain read-only data once loaded. It owns its parsed
 * document (every string points into it) and the scenario it names, which
 * is loaded through the usual validating loader, path relative to the
 * exercise file. Every metric and decision the exercise names is resolved
 * to an index at load, with "did you mean" for a near miss; nothing is
 * parsed and then ignored. Nothing here prints.
 */
#ifndef SALVO_EXERCISE_H
#define SALVO_EXERCISE_H

#include <stddef.h>
#include <stdint.h>
#include "diag.h"
#include "salvo.h"

typedef enum ExLevel { EX_INTRODUCTORY, EX_INTERMEDIATE, EX_ADVANCED } ExLevel;

/* A dated fact with its source: what the student may know. */
typedef struct ExFact {
    const char *text;
    const char *as_of;          /* YYYY-MM-DD */
    int64_t as_of_day;          /* epoch day */
    const char *source;
} ExFact;

typedef enum ExPredKind {
    PRED_INTERVAL,      /* a best guess and an 80% interval for a metric's value */
    PRED_PROBABILITY    /* a probability that an event holds (a FLAG metric, or metric > above) */
} ExPredKind;

typedef struct ExPrediction {
    const char *id;
    const char *question;
    ExPredKind kind;
    int metric;                 /* scenario metric index */
    const char *unit;           /* equals the metric's unit */
    const char *by;             /* date the value is read: the metric's date */
    int64_t by_day;
    int has_above;              /* PROBABILITY on a non-FLAG metric: P(value > above) */
    double above;
} ExPrediction;

typedef struct ExDecision {
    int decision;               /* scenario decision index */
    const char *prompt;
    int *show, nshow;           /* metric indices shown with their values so far */
    ExFact *known;              /* what the student learns at this point */
    int nknown;
} ExDecision;

typedef struct Exercise {
    const char *path;           /* as given */
    const char *id, *title;
    ExLevel level;
    int minutes;                /* expected duration */
    const char *scenario_path;  /* as written in the file (relative to it) */
    char scenario_file[4096];   /* the path it was loaded from */
    Scenario *scenario;         /* loaded and owned */
    const char **objectives; int nobjectives;
    const char *situation, *role;
    ExFact *known; int nknown;  /* known at the start date */
    ExPrediction *predictions; int npredictions;
    ExDecision *decisions; int ndecisions;
    const char **debrief; int ndebrief;
    const char *instructor_notes;
    void *doc_;                 /* private: the parsed document */
} Exercise;

/* Load and validate; NULL with every problem in d (FILE:LINE:COL, JSON
 * path), the scenario's own problems included. */
Exercise *exercise_load(const char *path, Diag *d);
void exercise_destroy(Exercise *ex);
/* 1 if the file at path looks like an exercise (a top-level
 * "salvo_exercise" member), so `salvo validate` can tell the kinds apart. */
int exercise_sniff(const char *path);
const char *exercise_level_name(ExLevel l);
/* The exercise decision point for scenario decision d, or NULL. */
const ExDecision *exercise_decision(const Exercise *ex, int d);

/* The id of option o of scenario decision d (what a student may type). */
const char *exercise_option_id(const Exercise *ex, int d, int o);

/* --- the student's predictions ----------------------------------------- */

/* One prediction as committed: an interval's best guess and 80% interval
 * [lo, hi] (p unused), or a probability p (best, lo, hi unused). */
typedef struct ExGuess { double best, lo, hi, p; } ExGuess;

/* Why guess g is not a valid answer to prediction pr ("expected LOW <=
 * BEST <= HIGH", "expected a probability from 0 to 1" ...), or NULL if it
 * is. The terminal, the view's form and the playthrough reader all ask it. */
const char *exercise_check_guess(const ExPrediction *pr, const ExGuess *g);
/* A number as a person types it: "2000000", "2,000,000", "2e6", " 0.7 ";
 * with `percent`, "70%" is 0.7. 0, or -1 if s is not one finite number. */
int exercise_parse_number(const char *s, int percent, double *x);

/* --- the debrief's arithmetic ------------------------------------------ */

/* One prediction scored against the student's run and the runs under the
 * same decisions. */
typedef struct ExScore {
    double outcome;     /* the student's outcome (exercise_outcome) */
    int hit;            /* interval: the outcome lies in [lo, hi] */
    double cover;       /* interval: share of the runs it lies in (0.8 if calibrated) */
    double brier;       /* probability: the Brier score of p against the outcome */
    double freq;        /* probability: share of the runs the event happened in */
} ExScore;
typedef struct ExScoreSum {
    int nint, hits;     /* intervals scored, and hit */
    int nprob;          /* probabilities scored */
    double brier;       /* their mean Brier score (0 if none) */
} ExScoreSum;

/* Score every prediction: guesses g[i], the student's metrics `mine`, the
 * distribution `all` (nruns rows of scenario_metric_count values, as
 * exercise_outcomes gives). out gets ex->npredictions scores. The one
 * scorer: the terminal's debrief and the view's call it. */
void exercise_score(const Exercise *ex, const ExGuess *g, const double *mine, const double *all, int nruns,
                    ExScore *out, ExScoreSum *sum);
/* What calibration means, in one paragraph, for the debriefs. */
extern const char EXERCISE_CALIBRATION[];


/* Where x falls in a sample, in percent: 100 * (#below + #equal / 2) / n
 * (the mid-rank, so a value every run shares is the 50th percentile).
 * n > 0; the sample need not be sorted. */
double exercise_percentile(const double *sample, int n, double x);
/* The histogram of a sample over its own range [*lo, *hi] in nbins equal
 * bins (counts into bins; the maximum falls in the last bin). Returns the
 * bin x falls in, clamped to the range, or -1 if every value is the same
 * (then bins is all zero). Shared by the terminal's text histogram and
 * the view's chart, so both bin alike. n > 0, nbins > 0. */
int exercise_histogram(const double *sample, int n, double x, int nbins, int *bins, double *lo, double *hi);
/* The Brier score of probability p for an event that happened (1) or not (0). */
double exercise_brier(double p, int happened);
/* 1 if x lies in [lo, hi]. */
int exercise_hit(double lo, double hi, double x);
/* The outcome a prediction is scored against, from a run's metric values:
 * an interval's metric value; a probability's event as 0 or 1. */
double exercise_outcome(const Exercise *ex, int prediction, const double *metrics);
/* The distribution under the same decisions: replications 1..nruns of
 * `seed` (replication 0 is the student's own run), each decision d the
 * student took answered with by_decision[d] whenever it comes up (the
 * order and dates may differ from run to run), -1 or a NULL array: by the
 * scenario's policy. out gets nruns * nmetrics values, row r =
 * replication r + 1. 0, or -1 if memory ran out. Allocates one Sim. */
int exercise_outcomes(const Scenario *sc, uint64_t seed, const int *by_decision, int nruns, double *out);

/* --- what mattered: the tornado under the student's decisions ---------- */

/* One assumption's effect on one interval prediction's metric: the mean
 * over the runs with the assumption at the low and at the high end of its
 * range, and effect = high - low. */
typedef struct ExMattered {
    int prediction;     /* exercise prediction index (an interval) */
    int assumption;     /* scenario assumption index (a ranged one) */
    int rank;           /* 0 for the largest effect on this prediction, 1 next... */
    double low, high;   /* the metric's mean at either end */
    double effect;      /* high - low */
} ExMattered;

/* Each ranged assumption of ex's scenario is set to its low and then its
 * high end (through the loader, as --set does) and `runs` runs of each are
 * made under the student's decisions (exercise_outcomes with seed and
 * by_decision); replication r is the same on both sides (common random
 * numbers), so the difference of the means is the assumption's effect.
 * *rows gets, for each interval prediction in order, every assumption
 * ranked by |effect| (largest first; ties by assumption index): *nrows
 * rows, caller frees. An assumption the loader refuses at an end is left
 * out. 0 (nothing ranged or runs <= 0: no rows), or -1 if memory ran out. */
int exercise_what_mattered(const Exercise *ex, uint64_t seed, const int *by_decision, int runs, ExMattered **rows,
                           int *nrows);
/* How a caller writes an amount: x with its unit (NULL: the bare number).
 * The terminal and the view pass the same one, so they say the same. */
typedef void (*ExAmountFn)(char *buf, size_t n, double x, const char *unit);
/* Row r in words: "PATH, from LOW to HIGH, raises it by AMOUNT on average
 * (source: TITLE)." into buf (n bytes). */
void exercise_mattered_text(char *buf, size_t n, const Exercise *ex, const ExMattered *r, ExAmountFn amount);

#endif
