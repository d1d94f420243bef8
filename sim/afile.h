/* afile.h — output files that appear whole or not at all.
 *
 * afile_open creates "PATH.tmp.PID.N" in the same directory (so the final
 * rename is atomic on one file system); afile_commit flushes, fsyncs and
 * renames it over PATH; afile_abort removes it. A killed run therefore
 * never leaves a half-written output under the user's name.
 */
#ifndef SALVO_AFILE_H
#define SALVO_AFILE_H

#include <stdio.h>
#include "diag.h"

typedef struct AFile {
    FILE *fp;
    char *path;     /* final name */
    char *tmp;      /* temporary name */
} AFile;

/* 0 on success; -1 with a diagnostic naming the path and the OS error. */
int afile_open(AFile *f, const char *path, Diag *d);
/* Flush, close and rename into place. 0 on success; -1 (temp removed) else. */
int afile_commit(AFile *f, Diag *d);
/* Close and remove the temporary file. Safe on a never-opened AFile (zeroed). */
void afile_abort(AFile *f);
/* 1 if `path` could be created as an output (its directory exists and is
 * writable); used to reject bad output paths before any work starts. */
int afile_writable(const char *path);

#endif
