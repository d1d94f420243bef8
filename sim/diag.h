/* diag.h — diagnostics for bad input: a caller-owned list of problems.
 *
 * Every problem names the file, the place (line:column of the offending
 * value, 1-based; 0:0 when there is no place) and, where it applies, the
 * JSON path (e.g. "routes[3].capacity"). Printed as
 *     FILE:LINE:COL: error: PATH: message
 * Nothing in sim/ prints or exits: loaders fill a Diag and return failure.
 * The list is capped (DIAG_MAX) so that a pathological file cannot make us
 * collect millions of messages; the overflow is counted, not stored.
 */
#ifndef SALVO_DIAG_H
#define SALVO_DIAG_H

#include <stdio.h>

#define DIAG_MAX 200

typedef struct DiagItem {
    int line, col;
    char *path;     /* JSON path, "" if none */
    char *msg;
} DiagItem;

typedef struct Diag {
    char *file;     /* file name used in messages */
    int count;      /* problems stored */
    int dropped;    /* problems past DIAG_MAX, counted only */
    int cap;
    DiagItem *items;
} Diag;

/* Start an empty list; `file` (copied; NULL means "") names the input. */
void diag_init(Diag *d, const char *file);
/* Free everything diag_init and diag_add allocated; NULL is a no-op. */
void diag_fini(Diag *d);
/* Record one problem. printf-style message. */
void diag_add(Diag *d, int line, int col, const char *path, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 5, 6)))
#endif
    ;
/* Total problems, stored or dropped. */
int diag_errors(const Diag *d);
/* Print all problems, one per line, then a count if any were dropped. */
void diag_print(const Diag *d, FILE *out);

/* Levenshtein distance in bytes, capped: returns cap+1 when larger. cap is
 * clamped to DIAG_EDIT_MAX_CAP so work and stack stay small for long strings.
 * For "did you mean". */
#define DIAG_EDIT_MAX_CAP 32
int diag_edit_distance(const char *a, const char *b, int cap);
/* The candidate closest to `word` (distance <= max(2, len/3)), or NULL.
 * Ties go to the earliest candidate; NULL entries are skipped. */
const char *diag_suggest(const char *word, const char *const *candidates, int n);

#endif
