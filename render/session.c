/* session.c — a trace for the view, from a file or from the engine: see
 * session.h.
 *
 * Invariant: for a live session, `recs` is exactly the trace of replication
 * 0 of `seed` with `choices` answered in order, up to `sim_now` (the first
 * unanswered decision, or the end). Every change goes through resimulate()
 * or a sim_answer + run, and bumps `version`.
 */
#include "session.h"

#include <cjson/cJSON.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "afile.h"

struct Session {
    /* live */
    Scenario *sc;
    Sim *sim;
    char *path;
    char **sets;
    int nsets;
    TraceHeader hdr;        /* the scenario's header with our seed */
    TraceBuf buf;
    TraceSink sink;
    uint64_t seed;
    int interactive;
    int *choices;
    int nchoices, cap;
    int *script;            /* the prefix handed to sim_script: stays put */
    /* saved trace */
    TraceFile *file;
    uint64_t version;
};

static char *dupstr(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = malloc(n);
    if (p) memcpy(p, s, n);
    return p;
}

/* Run until a decision (interactive) or the end. */
static void run_on(Session *s)
{
    if (sim_run(s->sim, INFINITY) == SIM_HALTED)
        fprintf(stderr, "salvo: the run was halted: %s (see docs/scenario.md, Limits); the view shows it up to there\n",
                sim_halted(s->sim));
    const int *ch;
    int n = sim_choices(s->sim, &ch);
    if (n > s->cap) {
        int cap = n * 2 + 8;
        int *p = realloc(s->choices, sizeof *p * (size_t)cap);
        if (!p) return;
        s->choices = p;
        s->cap = cap;
    }
    if (n > 0) memcpy(s->choices, ch, sizeof *ch * (size_t)n);
    s->nchoices = n;
    s->version++;
}

/* From t = 0 with the first `keep` choices scripted. */
static void resimulate(Session *s, int keep)
{
    if (keep > s->nchoices) keep = s->nchoices;
    free(s->script);
    s->script = malloc(sizeof *s->script * (size_t)(keep + 1));
    if (s->script && keep) memcpy(s->script, s->choices, sizeof *s->script * (size_t)keep);
    trace_buf_clear(&s->buf);
    sim_reset(s->sim, s->seed, 0);
    sim_script(s->sim, s->script, s->script ? keep : 0);
    run_on(s);
}

static Session *open_live(const char *path, const char *const *sets, int nsets, uint64_t seed, int play,
                          const int *choices, int nchoices, Diag *d)
{
    Scenario *sc = scenario_load(path, sets, nsets, d);
    if (!sc) return NULL;
    Session *s = calloc(1, sizeof *s);
    if (!s) { scenario_destroy(sc); return NULL; }
    s->sc = sc;
    s->path = dupstr(path);
    s->sets = calloc((size_t)nsets + 1, sizeof *s->sets);
    s->nsets = nsets;
    for (int i = 0; i < nsets; i++) s->sets[i] = dupstr(sets[i]);
    s->hdr = *scenario_trace_header(sc);
    s->seed = seed;
    s->hdr.seed = seed;
    s->interactive = play;
    trace_buf_init(&s->buf);
    s->sink = trace_buf_sink(&s->buf);
    s->sim = sim_create(sc);
    if (!s->sim) {
        diag_add(d, 0, 0, "", "out of memory creating the simulation");
        session_destroy(s);
        return NULL;
    }
    sim_set_sink(s->sim, &s->sink);
    sim_set_interactive(s->sim, play);
    if (nchoices > 0) {
        s->choices = malloc(sizeof *s->choices * (size_t)nchoices);
        if (s->choices) {
            memcpy(s->choices, choices, sizeof *choices * (size_t)nchoices);
            s->nchoices = s->cap = nchoices;
        }
    }
    resimulate(s, s->nchoices);
    return s;
}

Session *session_open_scenario(const char *path, const char *const *sets, int nsets, uint64_t seed,
                               int play, Diag *d)
{
    return open_live(path, sets, nsets, seed, play, NULL, 0, d);
}

Session *session_open_scripted(const char *path, uint64_t seed, const int *choices, int nchoices, Diag *d)
{
    return open_live(path, NULL, 0, seed, 1, choices, nchoices, d);
}

Session *session_open_trace(const char *path, Diag *d)
{
    TraceFile *f = trace_read(path, d);
    if (!f) return NULL;
    Session *s = calloc(1, sizeof *s);
    if (!s) { trace_file_destroy(f); return NULL; }
    s->file = f;
    s->seed = f->h.seed;
    s->version = 1;
    return s;
}

/* The scenario a playthrough names: a relative path is taken from the
 * playthrough's directory (then, for playthroughs recorded with a path
 * relative to the working directory, as given). It must be a regular file
 * holding a JSON object with a "salvo" key; anything else is refused
 * without echoing a byte of it (a playthrough naming /etc/passwd once had
 * its first word printed by the loader's error). NULL after a diagnostic. */
static char *replay_scenario_path(const char *play, const char *name, Diag *d)
{
    char *path = NULL;
    const char *slash = strrchr(play, '/');
    if (name[0] != '/' && slash) {
        size_t n = (size_t)(slash - play) + 1 + strlen(name) + 1;
        path = malloc(n);
        if (path) snprintf(path, n, "%.*s/%s", (int)(slash - play), play, name);
        struct stat st;
        if (path && stat(path, &st) != 0) {
            free(path);
            path = NULL;
        }
    }
    if (!path) {
        size_t n = strlen(name) + 1;
        path = malloc(n);
        if (!path) return NULL;
        memcpy(path, name, n);
    }
    struct stat st;
    int ok = stat(path, &st) == 0 && S_ISREG(st.st_mode) && st.st_size <= (64 << 20);
    if (ok) {
        FILE *fp = fopen(path, "rb");
        char *text = fp ? malloc((size_t)st.st_size + 1) : NULL;
        size_t got = text ? fread(text, 1, (size_t)st.st_size, fp) : 0;
        if (fp) fclose(fp);
        cJSON *j = NULL;
        if (text) {
            text[got] = '\0';
            j = cJSON_Parse(text);
        }
        ok = cJSON_IsObject(j) && cJSON_GetObjectItemCaseSensitive(j, "salvo") != NULL;
        cJSON_Delete(j);
        free(text);
    }
    if (!ok) {
        diag_add(d, 0, 0, "", "%s: \"scenario\" names '%s', which is not a salvo scenario file", play, name);
        free(path);
        return NULL;
    }
    return path;
}

Session *session_open_replay(const char *path, int play, Diag *d)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        diag_add(d, 0, 0, "", "cannot read the playthrough '%s'", path);
        return NULL;
    }
    char *text = NULL;
    size_t len = 0, cap = 0, got;
    do {
        if (len + 4096 > cap) {
            cap = cap * 2 + 8192;
            if (cap > (16u << 20)) break;
            char *p = realloc(text, cap);
            if (!p) break;
            text = p;
        }
        got = fread(text + len, 1, cap - len - 1, fp);
        len += got;
    } while (got > 0);
    fclose(fp);
    if (!text) return NULL;
    text[len] = '\0';
    cJSON *root = cJSON_Parse(text);
    free(text);
    Session *s = NULL;
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(root, "type");
    const cJSON *sc = cJSON_GetObjectItemCaseSensitive(root, "scenario");
    const cJSON *seed = cJSON_GetObjectItemCaseSensitive(root, "seed");
    const cJSON *sets = cJSON_GetObjectItemCaseSensitive(root, "sets");
    const cJSON *ch = cJSON_GetObjectItemCaseSensitive(root, "choices");
    const cJSON *sha = cJSON_GetObjectItemCaseSensitive(root, "sha256");
    if (!cJSON_IsObject(root) || !cJSON_IsString(type) || strcmp(type->valuestring, "playthrough") != 0 ||
        !cJSON_IsString(sc) || !cJSON_IsString(seed) || (sets && !cJSON_IsArray(sets)) || !cJSON_IsArray(ch)) {
        diag_add(d, 0, 0, "", "'%s' is not a salvo playthrough (expected {\"type\":\"playthrough\","
                 "\"scenario\":PATH,\"seed\":\"N\",\"sets\":[...],\"choices\":[...]})", path);
        goto out;
    }
    char *end;
    unsigned long long sd = strtoull(seed->valuestring, &end, 10);
    if (*end || !*seed->valuestring) {
        diag_add(d, 0, 0, "seed", "%s: expected a seed as a string of digits", path);
        goto out;
    }
    int nsets = sets ? cJSON_GetArraySize(sets) : 0, nch = cJSON_GetArraySize(ch);
    const char **sv = calloc((size_t)nsets + 1, sizeof *sv);
    int *cv = calloc((size_t)nch + 1, sizeof *cv);
    int ok = sv && cv, i = 0;
    /* Walked, not indexed: cJSON_GetArrayItem is O(i), and 2 M choices
     * took over a minute. A choice outside int's range was undefined. */
    const cJSON *e;
    if (ok && sets)
        cJSON_ArrayForEach(e, sets) {
            if (!cJSON_IsString(e)) ok = 0;
            else if (i < nsets) sv[i++] = e->valuestring;
        }
    i = 0;
    if (ok)
        cJSON_ArrayForEach(e, ch) {
            if (!cJSON_IsNumber(e) || !(e->valuedouble >= 0) || e->valuedouble > INT_MAX ||
                e->valuedouble != floor(e->valuedouble)) {
                ok = 0;
                break;
            }
            if (i < nch) cv[i++] = (int)e->valuedouble;
        }
    char *scpath = ok ? replay_scenario_path(path, sc->valuestring, d) : NULL;
    if (!ok) diag_add(d, 0, 0, "", "%s: \"sets\" must be strings and \"choices\" option numbers", path);
    else if (scpath) {
        s = open_live(scpath, sv, nsets, sd, play, cv, nch, d);
        if (s && cJSON_IsString(sha) && strcmp(sha->valuestring, scenario_sha256(s->sc)) != 0)
            fprintf(stderr, "salvo: warning: %s has changed since the playthrough was recorded; "
                            "the replay may differ\n", scpath);
    }
    free(scpath);
    free(sv);
    free(cv);
out:
    cJSON_Delete(root);
    return s;
}

void session_destroy(Session *s)
{
    if (!s) return;
    sim_destroy(s->sim);
    scenario_destroy(s->sc);
    trace_buf_fini(&s->buf);
    for (int i = 0; i < s->nsets; i++) free(s->sets[i]);
    free(s->sets);
    free(s->path);
    free(s->choices);
    free(s->script);
    trace_file_destroy(s->file);
    free(s);
}

const TraceHeader *session_header(const Session *s) { return s->file ? &s->file->h : &s->hdr; }

const TraceRec *session_records(const Session *s, size_t *n)
{
    if (s->file) {
        *n = s->file->n;
        return s->file->recs;
    }
    *n = s->buf.n;
    return s->buf.recs;
}

uint64_t session_version(const Session *s) { return s->version; }
uint64_t session_seed(const Session *s) { return s->seed; }
int session_live(const Session *s) { return s->sim != NULL; }
int session_interactive(const Session *s) { return s->sim && s->interactive; }

const SimDecision *session_pending(const Session *s) { return s->sim ? sim_pending(s->sim) : NULL; }

double session_done(const Session *s)
{
    if (!s->sim) return s->file->h.end;
    return sim_pending(s->sim) ? sim_now(s->sim) : s->hdr.end;
}

int session_metrics(const Session *s, double *out)
{
    if (!s->sim) return -1;
    sim_metrics(s->sim, out);
    return 0;
}

int session_answer(Session *s, int option)
{
    if (!s->sim || sim_answer(s->sim, option) != 0) return -1;
    run_on(s);
    return 0;
}

int session_rewind(Session *s, double t)
{
    if (!s->sim) return -1;
    /* The k-th DECISION record is the k-th choice: keep those before t. */
    int keep = 0;
    for (size_t i = 0; i < s->buf.n && keep < s->nchoices; i++) {
        const TraceRec *r = &s->buf.recs[i];
        if (r->kind != TR_DECISION) continue;
        if (r->t >= t) break;
        keep++;
    }
    resimulate(s, keep);
    return keep;
}

int session_reseed(Session *s, uint64_t seed)
{
    if (!s->sim) return -1;
    s->seed = seed;
    s->hdr.seed = seed;
    s->nchoices = 0;
    resimulate(s, 0);
    return 0;
}

int session_choices(const Session *s, const int **choices)
{
    *choices = s->choices;
    return s->sim ? s->nchoices : 0;
}

int session_save(const Session *s, const char *path, Diag *d)
{
    if (!s->sim) {
        diag_add(d, 0, 0, "", "only a simulated run can be recorded (this one is a saved trace)");
        return -1;
    }
    AFile f;
    if (afile_open(&f, path, d) != 0) return -1;
    /* Written by hand, keys in a fixed order: a stable, diffable file. The
     * seed is a string because JSON numbers cannot hold every 64-bit seed. */
    FILE *fp = f.fp;
    char seed[32];
    snprintf(seed, sizeof seed, "%llu", (unsigned long long)s->seed);
    cJSON *str = cJSON_CreateString(s->path);
    char *p = cJSON_PrintUnformatted(str);
    fprintf(fp, "{\"salvo\":\"%s\",\"type\":\"playthrough\",\"scenario\":%s,\"sha256\":\"%s\",\"seed\":\"%s\",\"sets\":[",
            SALVO_VERSION, p ? p : "\"\"", scenario_sha256(s->sc), seed);
    free(p);
    cJSON_Delete(str);
    for (int i = 0; i < s->nsets; i++) {
        str = cJSON_CreateString(s->sets[i]);
        p = cJSON_PrintUnformatted(str);
        fprintf(fp, "%s%s", i ? "," : "", p ? p : "\"\"");
        free(p);
        cJSON_Delete(str);
    }
    fputs("],\"choices\":[", fp);
    for (int i = 0; i < s->nchoices; i++) fprintf(fp, "%s%d", i ? "," : "", s->choices[i]);
    fputs("]}\n", fp);
    return afile_commit(&f, d);
}
