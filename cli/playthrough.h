/* playthrough.h — a saved exercise playthrough: the view's format
 * (render/session.c: "type": "playthrough", "scenario", "sha256", "seed",
 * "sets", "choices") plus "exercise", "exercise_id", "name" and
 * "predictions". Written by `salvo exercise` and `salvo view --exercise`
 * (one writer, so both write the same file), read by both for --replay and
 * by `salvo debrief`. */
#ifndef SALVO_PLAYTHROUGH_H
#define SALVO_PLAYTHROUGH_H

#include <stdio.h>
#include "exercise.h"

#define PT_MAX_CHOICES 64
#define PT_MAX_PRED 32

typedef struct Playthrough {
    char path[1024];
    char name[128];
    char exercise[1024];        /* the exercise file as given when it was played */
    char exercise_id[128];
    char sha256[65];
    unsigned long long seed;
    int choices[PT_MAX_CHOICES], nchoices;
    ExGuess guess[PT_MAX_PRED]; /* per prediction of the exercise, in its order */
} Playthrough;

/* Read path. With ex, also check it belongs to ex (exercise id, and the
 * scenario's sha256: a playthrough made on another scenario is refused)
 * and read its predictions. 0, or -1 after printing why to err as
 * "salvo CMD: PATH: ...". */
int playthrough_read(const char *path, const Exercise *ex, Playthrough *pt, const char *cmd, FILE *err);

/* Write the playthrough of ex to path (whole or not at all: sim/afile.c):
 * the student's name, seed, choices in order and guesses (one per
 * prediction). 0, or -1 after printing why to err. */
int playthrough_write(const char *path, const Exercise *ex, const char *name, unsigned long long seed,
                      const int *choices, int nchoices, const ExGuess *guess, const char *cmd, FILE *err);
/* The default file name: EXERCISE-NAME-SEED.play.json, '/' and ' ' as '_'. */
void playthrough_default_name(const Exercise *ex, const char *name, unsigned long long seed, char *buf, size_t n);
/* The debrief's "Your predictions, scored" section, as the terminal and
 * `salvo view --exercise` print it (scores from exercise_score). */
void playthrough_print_scores(FILE *f, const Exercise *ex, const ExGuess *g, const ExScore *sc, const ExScoreSum *sum);

#endif
