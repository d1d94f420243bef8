/* playthrough.c — reading a saved playthrough (see playthrough.h). */
#include "playthrough.h"

#include <stdio.h>
#include <string.h>
#include "cmd.h"
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
        diag_free(&d);
        return -1;
    }
    diag_free(&d);
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
            json_free(doc);
            return -1;
        }
        if (strcmp(pt->sha256, scenario_sha256(ex->scenario)) != 0) {
            fprintf(err, "salvo %s: %s: this playthrough was made on a different scenario (sha256 %.12s..., this "
                    "exercise's scenario %s is %.12s...); it would not replay the same run, so it is refused\n",
                    cmd, path, pt->sha256, ex->scenario_path, scenario_sha256(ex->scenario));
            json_free(doc);
            return -1;
        }
        v = json_get(r, "predictions");
        if (ex->npredictions > PT_MAX_PRED || !v || v->type != JSON_ARRAY || (int)v->len != ex->npredictions) bad = 1;
        for (int i = 0; !bad && i < ex->npredictions; i++) {
            const JsonValue *o = v->items[i], *id = json_get(o, "id");
            if (!id || id->type != JSON_STRING || strcmp(id->str, ex->predictions[i].id) != 0) { bad = 1; break; }
            if (ex->predictions[i].kind == PRED_INTERVAL) {
                pt->best[i] = num(o, "best", &bad);
                pt->lo[i] = num(o, "low", &bad);
                pt->hi[i] = num(o, "high", &bad);
                if (!(pt->lo[i] <= pt->best[i] && pt->best[i] <= pt->hi[i])) bad = 1;
            } else {
                pt->p[i] = num(o, "p", &bad);
                if (!(pt->p[i] >= 0 && pt->p[i] <= 1)) bad = 1;
            }
        }
        if (bad) why = "a malformed playthrough (predictions do not match the exercise's)";
    }
    json_free(doc);
    if (why) {
        fprintf(err, "salvo %s: %s: %s\n", cmd, path, why);
        return -1;
    }
    return 0;
}
