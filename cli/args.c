/* args.c — small argument parsers shared by the subcommands. Each prints a
 * message naming the option and what was expected, and reports failure. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "cmd.h"
#include "num.h"
#include "outpath.h"
#include "salvo.h"
#include "sha256.h"

#ifndef SALVO_GIT
#define SALVO_GIT "unknown"
#endif

long long args_count(const char *opt, const char *val, long long min)
{
    char *end;
    errno = 0;
    if (!val) {
        fprintf(stderr, "salvo: %s needs a value\n", opt);
        return -1;
    }
    long long v = strtoll(val, &end, 10);
    if (errno || end == val || *end || v < min) {
        fprintf(stderr, "salvo: %s: expected a whole number >= %lld, got '%s'\n", opt, min, val);
        return -1;
    }
    return v;
}

long long args_count_range(const char *opt, const char *val, long long min, long long max)
{
    long long v = args_count(opt, val, min);
    if (v > max) {
        fprintf(stderr, "salvo: %s: at most %lld, got %lld\n", opt, max, v);
        return -1;
    }
    return v;
}

int args_threads_default(void)
{
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    return cores > 0 ? (int)(cores < 256 ? cores : 256) : 1;
}

int args_threads(const char *val, int *out)
{
    long long t = args_count("--threads", val, 1);
    if (t < 0) return -1;
    if (t > ARGS_MAX_THREADS) {
        fprintf(stderr, "salvo: --threads: at most %d, got %lld\n", ARGS_MAX_THREADS, t);
        return -1;
    }
    *out = (int)t;
    return 0;
}

int args_set(const char *val, const char **sets, int *nsets, int cap)
{
    const char *eq = val ? strchr(val, '=') : NULL;
    if (!eq || eq == val || !eq[1]) {
        fprintf(stderr, "salvo: --set: expected PATH=VALUE, got '%s'\n", val ? val : "");
        return -1;
    }
    if (*nsets >= cap) {
        fprintf(stderr, "salvo: too many --set options (at most %d)\n", cap);
        return -1;
    }
    sets[(*nsets)++] = val;
    return 0;
}

int args_seed(const char *val, unsigned long long *out)
{
    if (num_parse_seed(val, out) == 0) return 0;
    fprintf(stderr, "salvo: --seed: expected an unsigned 64-bit integer (decimal or 0x hex), got '%s'\n", val ? val : "");
    return -1;
}

#ifndef SALVO_DATADIR
#define SALVO_DATADIR "/usr/local/share/salvo"
#endif

/* Is there a regular file at path? */
static int is_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* DIR/scenarios/NAME or DIR/scenarios/NAME.json, into out; 1 if found. */
static int in_dir(const char *dir, const char *name, char *out, size_t n)
{
    static const char *const ext[2] = { "", ".json" };
    for (int k = 0; k < 2; k++) {
        int len = snprintf(out, n, "%s/scenarios/%s%s", dir, name, ext[k]);
        if (len > 0 && (size_t)len < n && is_file(out)) return 1;
    }
    return 0;
}

int args_scenario(const char *name, char *out, size_t n)
{
    if (!name || !*name || strchr(name, '/') || is_file(name)) return 0;
    /* Beside the binary first (PREFIX/bin/salvo -> PREFIX/share/salvo), so
     * an installed tree works wherever it was copied; then the PREFIX the
     * binary was built for; then $SALVO_DATADIR. */
    char exe[4096];
    ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 32);
    if (len > 0) {
        exe[len] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash) {
            strcpy(slash, "/../share/salvo");
            if (in_dir(exe, name, out, n)) return 1;
        }
    }
    if (in_dir(SALVO_DATADIR, name, out, n)) return 1;
    const char *env = getenv("SALVO_DATADIR");
    return env && *env && in_dir(env, name, out, n);
}

void args_fingerprint(const Scenario *s, const char *const *sets, int nsets, const char *extra, char out[65])
{
    Sha256 h;
    unsigned char dig[32];
    static const char build[] = "salvo " SALVO_VERSION " " SALVO_GIT "\n";
    sha256_init(&h);
    sha256_update(&h, build, sizeof build - 1);
    sha256_update(&h, scenario_sha256(s), strlen(scenario_sha256(s)));
    for (int i = 0; i < nsets; i++) {
        sha256_update(&h, "\n", 1);
        sha256_update(&h, sets[i], strlen(sets[i]));
    }
    if (extra) sha256_update(&h, extra, strlen(extra));
    sha256_final(&h, dig);
    for (int i = 0; i < 32; i++) sprintf(out + 2 * i, "%02x", dig[i]);
}

Scenario *args_open_scenario(const char **file, char *found, size_t nfound, const char *const *sets, int nsets,
                             const OutPath *outs, int nouts)
{
    if (args_scenario(*file, found, nfound)) *file = found;
    if (nouts > 0 && outpath_check_all(file, 1, outs, nouts) < 0) return NULL;
    Diag d;
    diag_init(&d, *file);
    Scenario *s = scenario_load(*file, sets, nsets, &d);
    if (!s) diag_print(&d, stderr);
    diag_fini(&d);
    return s;
}
