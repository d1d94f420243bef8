/* afile.c — write to a temporary file, then rename: see afile.h. */
#include "afile.h"
#include "mem.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char *dupstr(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = mem_malloc(n);
    if (p) memcpy(p, s, n);
    return p;
}

int afile_open(AFile *f, const char *path, Diag *d)
{
    static const char suffix[] = ".tmp.";
    memset(f, 0, sizeof *f);
    size_t n = strlen(path) + sizeof suffix + 24;
    f->tmp = mem_malloc(n);
    f->path = dupstr(path);
    if (!f->tmp || !f->path) goto err;
    /* The pid and the address keep two writers in one process apart too. */
    snprintf(f->tmp, n, "%s%s%ld.%lx", path, suffix, (long)getpid(),
             (unsigned long)((uintptr_t)f & 0xffffff));
    f->fp = fopen(f->tmp, "wb");
    if (!f->fp) {
        diag_add(d, 0, 0, "", "cannot write '%s': %s", path, strerror(errno));
        goto err;
    }
    return 0;
err:
    free(f->tmp);
    free(f->path);
    memset(f, 0, sizeof *f);
    return -1;
}

int afile_commit(AFile *f, Diag *d)
{
    int ok = f->fp != NULL;
    if (ok && (fflush(f->fp) != 0 || ferror(f->fp))) ok = 0;
    if (ok && fsync(fileno(f->fp)) != 0 && errno != EINVAL) ok = 0;
    int saved = errno;
    if (f->fp && fclose(f->fp) != 0) ok = 0;
    f->fp = NULL;
    if (ok && rename(f->tmp, f->path) != 0) { saved = errno; ok = 0; }
    if (!ok) {
        diag_add(d, 0, 0, "", "cannot write '%s': %s", f->path ? f->path : "?", strerror(saved));
        if (f->tmp) remove(f->tmp);
    }
    free(f->tmp);
    free(f->path);
    memset(f, 0, sizeof *f);
    return ok ? 0 : -1;
}

void afile_abort(AFile *f)
{
    if (f->fp) fclose(f->fp);
    if (f->tmp) remove(f->tmp);
    free(f->tmp);
    free(f->path);
    memset(f, 0, sizeof *f);
}

int afile_writable(const char *path)
{
    if (!path || !*path) return 0;
    char *dir = dupstr(path);
    if (!dir) return 0;
    char *slash = strrchr(dir, '/');
    if (slash == dir) slash[1] = '\0';
    else if (slash) *slash = '\0';
    else strcpy(dir, ".");
    int ok = access(dir, W_OK | X_OK) == 0;
    free(dir);
    /* An existing directory at the path itself is not a writable file. */
    if (ok && access(path, F_OK) == 0 && access(path, W_OK) != 0) ok = 0;
    return ok;
}
