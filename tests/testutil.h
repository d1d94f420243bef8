/* testutil.h — helpers shared by the suites that run the real binary or
 * write files: a scratch directory per test (a Check fixture), paths in
 * it, and reading a whole file. Header-only (static inline), so that the
 * Makefile's tests/test_*.c collection needs nothing more. */
#ifndef SALVO_TESTUTIL_H
#define SALVO_TESTUTIL_H

#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* The current test's scratch directory; set by setup(), removed by teardown(). */
static char dir[64];

/* Check fixture: a fresh directory under /tmp. */
static inline void setup(void)
{
    strcpy(dir, "/tmp/salvo-test-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
}

static inline void teardown(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
}

/* dir/name, in one of 8 rotating buffers (so several fit in one call). */
static inline const char *tmp(const char *name)
{
    static char buf[8][160];
    static int i;
    i = (i + 1) % 8;
    snprintf(buf[i], sizeof buf[i], "%s/%s", dir, name);
    return buf[i];
}

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

/* 1 once an output being written in dir ("STEM.tmp.*", see sim/afile.h)
 * holds data: the moment to interrupt a run in the middle of its work. */
static inline int partial_output_started(const char *stem)
{
    char prefix[128];
    size_t np = (size_t)snprintf(prefix, sizeof prefix, "%s.tmp.", stem);
    DIR *dp = opendir(dir);
    struct dirent *e;
    int found = 0;
    while (dp && !found && (e = readdir(dp)) != NULL) {
        if (strncmp(e->d_name, prefix, np) != 0) continue;
        char path[512];
        struct stat st;
        snprintf(path, sizeof path, "%.200s/%.200s", dir, e->d_name);
        found = stat(path, &st) == 0 && st.st_size > 0;
    }
    if (dp) closedir(dp);
    return found;
}

#endif
