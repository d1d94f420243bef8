/* slurp.h — reading a whole file, for the test suites (through testutil.h)
 * and for the programs beside them that do not link Check (the oracle).
 * Header-only (static inline). */
#ifndef SALVO_TEST_SLURP_H
#define SALVO_TEST_SLURP_H

#include <stdio.h>
#include <stdlib.h>

/* The whole file, NUL-terminated, with its length in *len; NULL if it cannot be read. */
static inline char *slurp_len(const char *path, size_t *len)
{
    if (len) *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *p = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (p && fread(p, 1, (size_t)n, f) != (size_t)n) {
        free(p);
        p = NULL;
    }
    fclose(f);
    if (!p) return NULL;
    p[n] = '\0';
    if (len) *len = (size_t)n;
    return p;
}

static inline char *slurp(const char *path) { return slurp_len(path, NULL); }

#endif
