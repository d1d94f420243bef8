/* outpath.c — output-path safety before any work: see outpath.h.
 *
 * A file's identity is its (device, inode) when it exists, and its
 * resolved path (realpath of its directory, then its name) when it does
 * not: `--json X --csv X` for a new X is caught by the second. */
#include "outpath.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "afile.h"

typedef struct Ident {
    const char *what;   /* "--json", or "input" */
    const char *path;
    int exists;
    int shared_ok;      /* a character device or stdout: nothing is replaced */
    dev_t dev;
    ino_t ino;
    char *resolved;     /* malloc'd, or NULL */
} Ident;

/* realpath of the directory part + "/" + the last component. */
static char *resolve_new(const char *path)
{
    const char *slash = strrchr(path, '/');
    char dir[PATH_MAX];
    const char *base = slash ? slash + 1 : path;
    if (!slash) strcpy(dir, ".");
    else if (slash == path) strcpy(dir, "/");
    else {
        size_t n = (size_t)(slash - path);
        if (n >= sizeof dir) return NULL;
        memcpy(dir, path, n);
        dir[n] = '\0';
    }
    char *rd = realpath(dir, NULL);
    if (!rd) return NULL;
    size_t len = strlen(rd) + 1 + strlen(base) + 1;
    char *r = malloc(len);
    if (r) snprintf(r, len, "%s/%s", strcmp(rd, "/") ? rd : "", base);
    free(rd);
    return r;
}

static void ident(Ident *id, const char *what, const char *path)
{
    memset(id, 0, sizeof *id);
    id->what = what;
    id->path = path;
    if (!strcmp(path, "-")) {
        id->shared_ok = 1;
        return;
    }
    struct stat st;
    if (stat(path, &st) == 0) {
        id->exists = 1;
        id->dev = st.st_dev;
        id->ino = st.st_ino;
        id->shared_ok = S_ISCHR(st.st_mode);
        id->resolved = realpath(path, NULL);
    } else {
        id->resolved = resolve_new(path);
    }
}

static int same(const Ident *a, const Ident *b)
{
    if (a->shared_ok || b->shared_ok) return 0;
    if (a->exists && b->exists) return a->dev == b->dev && a->ino == b->ino;
    return a->resolved && b->resolved && !strcmp(a->resolved, b->resolved);
}

/* The checks that concern one output alone. */
static int check_one(const Ident *o)
{
    if (!strcmp(o->path, "-")) return 0;
    if (!*o->path) {
        fprintf(stderr, "salvo: %s: expected a file name, got ''\n", o->what);
        return -1;
    }
    struct stat st;
    if (stat(o->path, &st) == 0) {
        if (S_ISDIR(st.st_mode)) {
            fprintf(stderr, "salvo: %s: '%s' is a directory; expected a file name\n", o->what, o->path);
            return -1;
        }
        if (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode)) {
            if (access(o->path, W_OK) != 0) {
                fprintf(stderr, "salvo: %s: cannot write '%s': %s\n", o->what, o->path, strerror(errno));
                return -1;
            }
            return 0;
        }
        if (!S_ISREG(st.st_mode)) {
            fprintf(stderr, "salvo: %s: '%s' is not a regular file, a character device or a FIFO\n",
                    o->what, o->path);
            return -1;
        }
    }
    if (!afile_writable(o->path)) {
        fprintf(stderr, "salvo: %s: cannot write '%s' (no such directory, or not writable)\n", o->what, o->path);
        return -1;
    }
    /* The temporary name is the final one plus a suffix: it must fit too. */
    const char *final = o->resolved ? o->resolved : o->path;
    const char *slash = strrchr(final, '/');
    size_t base = strlen(slash ? slash + 1 : final);
    long name_max = 255;
    if (slash) {
        char dir[PATH_MAX];
        size_t n = (size_t)(slash - final);
        if (n < sizeof dir) {
            memcpy(dir, final, n);
            dir[n ? n : 1] = '\0';
            if (!n) dir[0] = '/';
            long m = pathconf(dir, _PC_NAME_MAX);
            if (m > 0) name_max = m;
        }
    }
    if (base + AFILE_TMP_SUFFIX_MAX > (size_t)name_max || strlen(final) + AFILE_TMP_SUFFIX_MAX >= PATH_MAX) {
        fprintf(stderr, "salvo: %s: the name '%s' is too long (a file name here can have at most %ld bytes, "
                        "and salvo adds up to %d while writing)\n",
                o->what, o->path, name_max, AFILE_TMP_SUFFIX_MAX);
        return -1;
    }
    return 0;
}

int outpath_check_all(const char *const *inputs, int n_in, const OutPath *outs, int n_out)
{
    int n = 0, rc = 0;
    Ident *ids = calloc((size_t)(n_in + n_out) + 1, sizeof *ids);
    if (!ids) {
        fputs("salvo: out of memory\n", stderr);
        return -1;
    }
    for (int i = 0; i < n_in; i++)
        if (inputs[i]) ident(&ids[n++], "input", inputs[i]);
    int first_out = n;
    for (int i = 0; i < n_out && rc == 0; i++) {
        if (!outs[i].path) continue;
        Ident *o = &ids[n];
        ident(o, outs[i].opt, outs[i].path);
        n++;
        if (check_one(o) < 0) {
            rc = -1;
            break;
        }
        for (int j = 0; j < n - 1; j++) {
            if (!same(o, &ids[j])) continue;
            if (j < first_out)
                fprintf(stderr, "salvo: %s: '%s' is the input file '%s'; refusing to overwrite it\n",
                        o->what, o->path, ids[j].path);
            else
                fprintf(stderr, "salvo: %s: '%s' is the same file as %s '%s'; give each output its own file\n",
                        o->what, o->path, ids[j].what, ids[j].path);
            rc = -1;
            break;
        }
    }
    for (int i = 0; i < n; i++) free(ids[i].resolved);
    free(ids);
    return rc;
}

int outpath_close_stdout(int rc)
{
    int bad = fflush(stdout) != 0 || ferror(stdout);
    int e = errno;
    if (!bad) return rc;
    fprintf(stderr, "salvo: cannot write to standard output: %s\n", strerror(e ? e : EIO));
    return rc == 0 ? 1 : rc;
}
