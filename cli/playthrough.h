/* playthrough.h — reading a saved exercise playthrough (the view's format,
 * render/session.c, plus "exercise", "exercise_id", "name" and
 * "predictions"; written by `salvo exercise`, read by it for --replay and
 * by `salvo debrief`). */
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
    double best[PT_MAX_PRED], lo[PT_MAX_PRED], hi[PT_MAX_PRED], p[PT_MAX_PRED];
} Playthrough;

/* Read path. With ex, also check it belongs to ex (exercise id, and the
 * scenario's sha256: a playthrough made on another scenario is refused)
 * and read its predictions. 0, or -1 after printing why to err as
 * "salvo CMD: PATH: ...". */
int playthrough_read(const char *path, const Exercise *ex, Playthrough *pt, const char *cmd, FILE *err);

#endif
