/* afile.h — output files that appear whole or not at all.
 *
 * For a regular file (or a new path), afile_open creates
 * "PATH.tmp.PID.N" in the same directory (so the final rename is atomic on
 * one file system); afile_commit flushes, fsyncs and renames it over PATH;
 * afile_abort removes it. A killed run therefore never leaves a
 * half-written output under the user's name. A symbolic link is resolved
 * first: its target is replaced, the link stays.
 *
 * A character device (/dev/null, a terminal), a FIFO, or "-" (standard
 * output) cannot be replaced by a rename: they are written directly
 * (`direct`), and commit only flushes and checks for errors.
 *
 * Temporary names end in ".tmp.PID.HEX". afile_open removes the stale
 * temporaries of the same output left by processes that no longer exist
 * (a kill -9), so they do not pile up.
 *
 * Fault injection (tests only): afile_fail_write(n) makes the n-th write
 * (1-based) to any AFile opened afterwards in this process fail with ENOSPC,
 * as a full disk would; 0 turns it off. It is the one piece of process-wide
 * state in sim/, and no production path sets it.
 */
#ifndef SALVO_AFILE_H
#define SALVO_AFILE_H

#include <stdio.h>
#include "diag.h"

typedef struct AFile {
    FILE *fp;
    char *path;     /* final name (a symlink's target when PATH is a link) */
    char *tmp;      /* temporary name; NULL when direct */
    int direct;     /* 1: a device, FIFO or stdout, written in place */
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
/* The longest suffix afile_open adds to a name (".tmp." PID "." HEX). */
#define AFILE_TMP_SUFFIX_MAX 40
/* Tests only: fail the n-th write (1-based) with ENOSPC; 0: never. */
void afile_fail_write(long n);

#endif
