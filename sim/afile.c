/* afile.c — write to a temporary file, then rename: see afile.h.
 *
 * Invariant: a path that is a regular file (or does not exist yet) only
 * ever changes by one rename of a complete, fsynced temporary; anything
 * else (a device, a FIFO, stdout) is written in place, because replacing it
 * would destroy it (as root, `--json /dev/full` once turned the device into
 * a regular file). */
#define _GNU_SOURCE     /* fopencookie, for the fault-injection hook only */
#include "afile.h"
#include "mem.h"

#include <dirent.h>
#include <fcntl.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

static char *dupstr(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = mem_malloc(n);
    if (p) memcpy(p, s, n);
    return p;
}

static int open_fd(const char *path)
{
    return open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
}

/* --- fault injection (tests only) ------------------------------------------ */

static long fail_at;        /* 0: off; else the write number that fails */
static long writes_seen;

void afile_fail_write(long n)
{
    fail_at = n;
    writes_seen = 0;
}

/* Each 256 bytes count as one write, as a device taking small writes
 * would: a large fwrite then holds many points where the failure can land. */
static ssize_t hooked_write(void *cookie, const char *buf, size_t n)
{
    int fd = (int)(intptr_t)cookie;
    size_t done = 0;
    while (done < n) {
        if (++writes_seen == fail_at) {
            errno = ENOSPC;
            return -1;
        }
        size_t chunk = n - done < 256 ? n - done : 256, put = 0;
        while (put < chunk) {
            ssize_t w = write(fd, buf + done + put, chunk - put);
            if (w < 0 && errno == EINTR) continue;
            if (w < 0) return -1;
            put += (size_t)w;
        }
        done += chunk;
    }
    return (ssize_t)done;
}

static int hooked_close(void *cookie)
{
    return close((int)(intptr_t)cookie);
}

/* With the hook armed, the file is a cookie stream with a small buffer, so
 * that the n-th write lands at many different places of an output. */
static FILE *open_hooked(const char *path)
{
    int fd = open_fd(path);
    if (fd < 0) return NULL;
    cookie_io_functions_t io = { NULL, hooked_write, NULL, hooked_close };
    FILE *fp = fopencookie((void *)(intptr_t)fd, "w", io);
    if (!fp) {
        close(fd);
        return NULL;
    }
    setvbuf(fp, NULL, _IOFBF, 256);
    return fp;
}

static FILE *open_write(const char *path)
{
    return fail_at > 0 ? open_hooked(path) : fopen(path, "wb");
}

/* --- stale temporaries ------------------------------------------------------ */

/* Remove "BASE.tmp.PID.HEX" in DIR when process PID no longer exists: the
 * leftovers of a kill -9. A live PID (ours or another writer's) is left
 * alone. Best effort: errors are ignored. */
static void remove_stale(const char *final)
{
    char *dir = dupstr(final);
    if (!dir) return;
    const char *fs = strrchr(final, '/');
    const char *base = fs ? fs + 1 : final;
    char *slash = strrchr(dir, '/');
    if (slash == dir) slash[1] = '\0';
    else if (slash) *slash = '\0';
    else strcpy(dir, ".");
    size_t blen = strlen(base);
    DIR *dh = opendir(dir);
    if (!dh) { free(dir); return; }
    struct dirent *e;
    while ((e = readdir(dh)) != NULL) {
        const char *n = e->d_name;
        if (strncmp(n, base, blen) != 0 || strncmp(n + blen, ".tmp.", 5) != 0) continue;
        char *end;
        errno = 0;
        long pid = strtol(n + blen + 5, &end, 10);
        if (errno || end == n + blen + 5 || *end != '.' || pid <= 0) continue;
        const char *hex = end + 1;
        if (!*hex || strspn(hex, "0123456789abcdef") != strlen(hex)) continue;
        if (kill((pid_t)pid, 0) == 0 || errno != ESRCH) continue;
        size_t len = strlen(dir) + 1 + strlen(n) + 1;
        char *full = mem_malloc(len);
        if (!full) continue;
        snprintf(full, len, "%s/%s", dir, n);
        struct stat st;
        if (lstat(full, &st) == 0 && S_ISREG(st.st_mode)) unlink(full);
        free(full);
    }
    closedir(dh);
    free(dir);
}

/* --- the output file -------------------------------------------------------- */

int afile_open(AFile *f, const char *path, Diag *d)
{
    static const char suffix[] = ".tmp.";
    memset(f, 0, sizeof *f);
    if (!strcmp(path, "-")) {
        f->fp = stdout;
        f->direct = 1;
        f->path = dupstr("(standard output)");
        if (!f->path) goto nomem;
        return 0;
    }
    /* A link is resolved: replacing it would cut it from its target. */
    struct stat st;
    char *target = NULL;
    if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode)) target = realpath(path, NULL);
    const char *final = target ? target : path;
    if (stat(final, &st) == 0 && (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode))) {
        f->direct = 1;
        f->path = dupstr(path);
        free(target);
        if (!f->path) goto nomem;
        f->fp = open_write(path);
        if (!f->fp) {
            diag_add(d, 0, 0, "", "cannot write '%s': %s", path, strerror(errno));
            goto err;
        }
        return 0;
    }
    size_t n = strlen(final) + sizeof suffix + 24;
    f->tmp = mem_malloc(n);
    f->path = dupstr(final);
    free(target);
    if (!f->tmp || !f->path) goto nomem;
    remove_stale(f->path);
    /* The pid and the address keep two writers in one process apart too. */
    snprintf(f->tmp, n, "%s%s%ld.%lx", f->path, suffix, (long)getpid(),
             (unsigned long)((uintptr_t)f & 0xffffff));
    f->fp = open_write(f->tmp);
    if (!f->fp) {
        diag_add(d, 0, 0, "", "cannot write '%s': %s", path, strerror(errno));
        goto err;
    }
    return 0;
nomem:
    diag_add(d, 0, 0, "", "cannot write '%s': out of memory", path);
err:
    free(f->tmp);
    free(f->path);
    memset(f, 0, sizeof *f);
    return -1;
}

int afile_commit(AFile *f, Diag *d)
{
    int ok = f->fp != NULL;
    errno = 0;
    if (ok && (fflush(f->fp) != 0 || ferror(f->fp))) ok = 0;
    /* A cookie stream (the test hook) has no descriptor: EBADF. */
    if (ok && !f->direct && fileno(f->fp) >= 0 && fsync(fileno(f->fp)) != 0 && errno != EINVAL) ok = 0;
    /* A write that failed earlier leaves only the stream's error flag: its
     * errno is gone by now, so say what is known. */
    int saved = errno;
    if (f->fp && f->fp != stdout && fclose(f->fp) != 0) {
        if (ok) saved = errno;
        ok = 0;
    }
    f->fp = NULL;
    if (ok && f->tmp && rename(f->tmp, f->path) != 0) { saved = errno; ok = 0; }
    if (!ok) {
        diag_add(d, 0, 0, "", "cannot write '%s': %s", f->path ? f->path : "?",
                 saved ? strerror(saved) : "a write failed (disk full, or an I/O error)");
        if (f->tmp) remove(f->tmp);
    }
    free(f->tmp);
    free(f->path);
    memset(f, 0, sizeof *f);
    return ok ? 0 : -1;
}

void afile_abort(AFile *f)
{
    if (f->fp && f->fp != stdout) fclose(f->fp);
    else if (f->fp) fflush(f->fp);
    if (f->tmp) remove(f->tmp);
    free(f->tmp);
    free(f->path);
    memset(f, 0, sizeof *f);
}

int afile_writable(const char *path)
{
    if (!path || !*path) return 0;
    if (!strcmp(path, "-")) return 1;
    char *dir = dupstr(path);
    if (!dir) return 0;
    char *slash = strrchr(dir, '/');
    if (slash == dir) slash[1] = '\0';
    else if (slash) *slash = '\0';
    else strcpy(dir, ".");
    int ok = access(dir, W_OK | X_OK) == 0;
    free(dir);
    struct stat st;
    if (stat(path, &st) == 0) {
        /* A device or FIFO is written in place: it must be writable itself. */
        if (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode)) return access(path, W_OK) == 0;
        /* An existing directory (or socket...) at the path is not a file. */
        if (!S_ISREG(st.st_mode)) return 0;
        if (access(path, W_OK) != 0) ok = 0;
    }
    return ok;
}
