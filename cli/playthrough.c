/* playthrough.c — reading and writing a saved playthrough (see
 * playthrough.h). */
#include "playthrough.h"

#include <stdio.h>
#include <string.h>
#include "afile.h"
#include "cmd.h"
#include "fmt.h"
#include "json.h"

static int copy_str(const JsonValue *r, const char *k, char *out, size_t n)
{
    const JsonValue *v = json_get(r, k);
    if (!v || v->type != JSON_STRING || v->len >= n) return -1;
    memcpy(out, v->str, v->len + 1);
    return 0;
}

static double num(const JsonValue *o, const char *k, int *bad)
{
    const JsonValue *v = json_get(o, k);
    if (!v || v->type != JSON_NUMBER) { *bad = 1; return 0; }
    return v->num;
}

int playthrough_read(const char *path, const Exercise *ex, Playthrough *pt, const char *cmd, FILE *err)
{
    memset(pt, 0, sizeof *pt);
    snprintf(pt->path, sizeof pt->path, "%s", path);
    Diag d;
    diag_init(&d, path);
    JsonDoc *doc = json_parse_file(path, &d);
    if (!doc) {
        diag_print(&d, err);
        diag_fini(&d);
        return -1;
    }
    diag_fini(&d);
    const JsonValue *r = json_root(doc), *v = json_get(r, "type");
    const char *why = NULL;
    if (!v || v->type != JSON_STRING || strcmp(v->str, "playthrough") != 0) why = "not a playthrough (no \"type\": \"playthrough\")";
    else if (copy_str(r, "exercise_id", pt->exercise_id, sizeof pt->exercise_id) || copy_str(r, "exercise", pt->exercise, sizeof pt->exercise))
        why = "a playthrough of no exercise (no \"exercise\" and \"exercise_id\")";
    else if (copy_str(r, "sha256", pt->sha256, sizeof pt->sha256) || copy_str(r, "name", pt->name, sizeof pt->name))
        why = "a malformed playthrough (sha256 or name)";
    char seed[32];
    int bad = 0;
    if (!why && (copy_str(r, "seed", seed, sizeof seed) || args_seed(seed, &pt->seed) != 0)) why = "a malformed playthrough (seed)";
    v = json_get(r, "choices");
    if (!why && (!v || v->type != JSON_ARRAY || v->len > PT_MAX_CHOICES)) why = "a malformed playthrough (choices)";
    for (size_t i = 0; !why && i < v->len; i++) {
        if (v->items[i]->type != JSON_NUMBER || v->items[i]->num != (int)v->items[i]->num) why = "a malformed playthrough (choices)";
        else pt->choices[pt->nchoices++] = (int)v->items[i]->num;
    }
    if (!why && ex) {
        if (strcmp(pt->exercise_id, ex->id) != 0) {
            fprintf(err, "salvo %s: %s: a playthrough of exercise '%s', not '%s'\n", cmd, path, pt->exercise_id, ex->id);
            json_destroy(doc);
            return -1;
        }
        if (strcmp(pt->sha256, scenario_sha256(ex->scenario)) != 0) {
            fprintf(err, "salvo %s: %s: this playthrough was made on a different scenario (sha256 %.12s..., this "
                    "exercise's scenario %s is %.12s...); it would not replay the same run, so it is refused\n",
                    cmd, path, pt->sha256, ex->scenario_path, scenario_sha256(ex->scenario));
            json_destroy(doc);
            return -1;
        }
        v = json_get(r, "predictions");
        if (ex->npredictions > PT_MAX_PRED || !v || v->type != JSON_ARRAY || (int)v->len != ex->npredictions) bad = 1;
        for (int i = 0; !bad && i < ex->npredictions; i++) {
            const JsonValue *o = v->items[i], *id = json_get(o, "id");
            if (!id || id->type != JSON_STRING || strcmp(id->str, ex->predictions[i].id) != 0) { bad = 1; break; }
            ExGuess *g = &pt->guess[i];
            if (ex->predictions[i].kind == PRED_INTERVAL) {
                g->best = num(o, "best", &bad);
                g->lo = num(o, "low", &bad);
                g->hi = num(o, "high", &bad);
            } else {
                g->p = num(o, "p", &bad);
            }
            if (exercise_check_guess(&ex->predictions[i], g)) bad = 1;
        }
        if (bad) why = "a malformed playthrough (predictions do not match the exercise's)";
    }
    json_destroy(doc);
    if (why) {
        fprintf(err, "salvo %s: %s: %s\n", cmd, path, why);
        return -1;
    }
    return 0;
}

static void put_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\') fprintf(f, "\\%c", *p);
        else if (*p < 0x20) fprintf(f, "\\u%04x", *p);
        else fputc(*p, f);
    }
    fputc('"', f);
}

int playthrough_write(const char *path, const Exercise *ex, const char *name, unsigned long long seed,
                      const int *choices, int nchoices, const ExGuess *guess, const char *cmd, FILE *err)
{
    Diag d;
    diag_init(&d, path);
    AFile af;
    if (afile_open(&af, path, &d) != 0) {
        fprintf(err, "salvo %s: ", cmd);
        diag_print(&d, err);
        diag_fini(&d);
        return -1;
    }
    FILE *f = af.fp;
    fprintf(f, "{\"salvo\":\"%s\",\"type\":\"playthrough\",\"scenario\":", SALVO_VERSION);
    put_str(f, ex->scenario_path);
    fprintf(f, ",\"sha256\":\"%s\",\"seed\":\"%llu\",\"sets\":[],\"choices\":[", scenario_sha256(ex->scenario), seed);
    for (int i = 0; i < nchoices; i++) fprintf(f, "%s%d", i ? "," : "", choices[i]);
    fputs("],\n \"exercise\":", f);
    put_str(f, ex->path);
    fputs(",\"exercise_id\":", f);
    put_str(f, ex->id);
    fputs(",\"name\":", f);
    put_str(f, name);
    fputs(",\"predictions\":[", f);
    for (int i = 0; i < ex->npredictions; i++) {
        const ExGuess *q = &guess[i];
        fprintf(f, "%s\n  {\"id\":", i ? "," : "");
        put_str(f, ex->predictions[i].id);
        if (ex->predictions[i].kind == PRED_INTERVAL)
            fprintf(f, ",\"best\":%.17g,\"low\":%.17g,\"high\":%.17g}", q->best, q->lo, q->hi);
        else
            fprintf(f, ",\"p\":%.17g}", q->p);
    }
    fputs("]}\n", f);
    if (afile_commit(&af, &d) != 0) {
        fprintf(err, "salvo %s: ", cmd);
        diag_print(&d, err);
        diag_fini(&d);
        return -1;
    }
    diag_fini(&d);
    return 0;
}

void playthrough_default_name(const Exercise *ex, const char *name, unsigned long long seed, char *buf, size_t n)
{
    snprintf(buf, n, "%s-%s-%llu.play.json", ex->id, name, seed);
    for (char *s = buf; *s; s++) if (*s == '/' || *s == ' ') *s = '_';
}

void playthrough_print_scores(FILE *f, const Exercise *ex, const ExGuess *g, const ExScore *sc, const ExScoreSum *sum)
{
    const Scenario *s = ex->scenario;
    fputs("\n== Your predictions, scored ==\n", f);
    for (int i = 0; i < ex->npredictions; i++) {
        const ExPrediction *pr = &ex->predictions[i];
        const MetricInfo *mi = scenario_metric(s, pr->metric);
        if (pr->kind == PRED_INTERVAL) {
            char lo[64], hi[64], v[64];
            fmt_metric(lo, sizeof lo, mi, scenario_start(s), g[i].lo);
            fmt_metric(hi, sizeof hi, mi, scenario_start(s), g[i].hi);
            fmt_metric(v, sizeof v, mi, scenario_start(s), sc[i].outcome);
            fprintf(f, "  %s: interval %s to %s; your run %s: %s. It holds in %.0f%% of the runs.\n", pr->id, lo, hi, v,
                    sc[i].hit ? "a hit" : "a miss", 100 * sc[i].cover);
        } else {
            fprintf(f, "  %s: you said %.0f%%; in your run it %s; Brier score %.3f. It happened in %.0f%% of the runs.\n",
                    pr->id, 100 * g[i].p, sc[i].outcome != 0 ? "happened" : "did not happen", sc[i].brier, 100 * sc[i].freq);
        }
    }
    if (sum->nint) fprintf(f, "  Intervals: %d of %d hit.", sum->hits, sum->nint);
    if (sum->nprob) fprintf(f, " Mean Brier score %.3f (0 is perfect; always saying 50%% scores 0.25).", sum->brier);
    fputs("\n", f);
    fputs("  ", f);
    fmt_wrap(f, 2, "  ", EXERCISE_CALIBRATION);
}
