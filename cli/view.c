/* view.c — `salvo view`: parse the arguments, open a Session (scenario,
 * saved trace or recorded playthrough) and hand it to the map view in
 * render/. Built without SDL2, it says so and exits 2. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"

#ifndef SALVO_HAVE_VIEW

int cmd_view(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fputs("salvo: this build has no view (SDL2 was not found at build time)\n", stderr);
    return 2;
}

#else

#include <math.h>
#include "cal.h"
#include "session.h"
#include "view.h"

static void usage(FILE *out)
{
    fputs("usage: salvo view FILE [--seed N] [--set PATH=VALUE ...] [--play] [--record PLAY.json]\n"
          "       salvo view --trace T.jsonl\n"
          "       salvo view --replay PLAY.json [--play]\n"
          "options:\n"
          "  --seed N            replication seed (default 1)\n"
          "  --set PATH=VALUE    override a scenario parameter (repeatable)\n"
          "  --play              interactive: decisions pause and wait for you\n"
          "  --record PLAY.json  save the playthrough (scenario, seed, sets, choices) on quit\n"
          "  --replay PLAY.json  reproduce a recorded playthrough\n"
          "  --trace T.jsonl     replay a saved trace, without the engine\n"
          "  --screenshot OUT.png --at DATE|DAY [--size WxH]\n"
          "                      render the frame at that time to a PNG, headless\n"
          "  --at DATE|DAY       (window) start there, paused\n"
          "  --frames N          run N frames of the window, then quit (smoke tests)\n"
          "  --size WxH          window or screenshot size (default 1400x820 / 1600x900)\n"
          "  --keys K1,K2,...    press these keys, one per frame (for tests: space, plus,\n"
          "                      minus, left, right, home, end, esc, a letter or digit,\n"
          "                      click:X:Y, wheel:X:Y); SALVO_VIEW_STATS=1 prints timings\n"
          "keys in the window: press h\n",
          out);
}

static int parse_size(const char *v, int *w, int *h)
{
    char *end;
    long a = strtol(v ? v : "", &end, 10);
    if (!v || *end != 'x') goto bad;
    long b = strtol(end + 1, &end, 10);
    if (*end || a < 320 || b < 240 || a > 8192 || b > 8192) goto bad;
    *w = (int)a;
    *h = (int)b;
    return 0;
bad:
    fprintf(stderr, "salvo: --size: expected WxH between 320x240 and 8192x8192, got '%s'\n", v ? v : "");
    return -1;
}

/* 1 if the file starts like a trace header (a common slip: a trace given
 * where a scenario is expected). */
static int looks_like_trace(const char *path)
{
    char buf[256] = "";
    FILE *fp = fopen(path, "rb");
    if (!fp) return 0;
    size_t n = fread(buf, 1, sizeof buf - 1, fp);
    fclose(fp);
    buf[n] = '\0';
    return strstr(buf, "\"type\":\"header\"") != NULL;
}

/* --at: a date YYYY-MM-DD, or a day number from the start. */
static int parse_at(const char *v, const TraceHeader *h, double *t)
{
    int64_t day;
    if (cal_parse(v, &day) == 0) {
        *t = (double)(day - h->start);
    } else {
        char *end;
        *t = strtod(v, &end);
        if (end == v || *end || !isfinite(*t)) {
            fprintf(stderr, "salvo: --at: expected a date YYYY-MM-DD or a day number, got '%s'\n", v);
            return -1;
        }
    }
    if (*t < 0 || *t > h->end) {
        char a[11], b[11];
        cal_format(h->start, a);
        cal_format_t(h->start, h->end, b);
        fprintf(stderr, "salvo: --at %s is outside the run (%s to %s)\n", v, a, b);
        return -1;
    }
    return 0;
}

int cmd_view(int argc, char **argv)
{
    const char *file = NULL, *trace = NULL, *replay = NULL, *record = NULL, *shot = NULL, *at = NULL;
    const char *size = NULL, *keys = NULL;
    unsigned long long seed = 1;
    int play = 0, seed_given = 0;
    long long frames = 0;
    const char **sets = calloc((size_t)argc + 1, sizeof *sets);
    int nsets = 0, rc = 2;
    Session *s = NULL;
    if (!sets) return 1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            rc = 0;
            goto out;
        } else if (!strcmp(a, "--seed")) {
            if (args_seed(v, &seed) != 0) goto out;
            seed_given = 1;
            i++;
        } else if (!strcmp(a, "--set")) {
            if (!v || !strchr(v, '=')) {
                fprintf(stderr, "salvo: --set: expected PATH=VALUE, got '%s'\n", v ? v : "");
                goto out;
            }
            sets[nsets++] = v;
            i++;
        } else if (!strcmp(a, "--play")) {
            play = 1;
        } else if (!strcmp(a, "--trace") || !strcmp(a, "--replay") || !strcmp(a, "--record") ||
                   !strcmp(a, "--screenshot") || !strcmp(a, "--at") || !strcmp(a, "--size") ||
                   !strcmp(a, "--keys")) {
            if (!v) {
                fprintf(stderr, "salvo: %s needs a value\n", a);
                goto out;
            }
            const char **dst = !strcmp(a, "--trace") ? &trace : !strcmp(a, "--replay") ? &replay
                             : !strcmp(a, "--record") ? &record : !strcmp(a, "--screenshot") ? &shot
                             : !strcmp(a, "--at") ? &at : !strcmp(a, "--keys") ? &keys : &size;
            *dst = v;
            i++;
        } else if (!strcmp(a, "--frames")) {
            if ((frames = args_count(a, v, 1)) < 0) goto out;
            i++;
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "salvo: view: unknown option '%s' (see salvo view --help)\n", a);
            goto out;
        } else if (!file) {
            file = a;
        } else {
            fprintf(stderr, "salvo: view: one scenario at a time ('%s' and '%s')\n", file, a);
            goto out;
        }
    }
    if (!!file + !!trace + !!replay != 1) {
        fputs("salvo: view: give a scenario FILE, or --trace T.jsonl, or --replay PLAY.json\n", stderr);
        usage(stderr);
        goto out;
    }
    if ((trace || replay) && (seed_given || nsets)) {
        fputs("salvo: view: --seed and --set apply to a scenario, not to --trace or --replay\n", stderr);
        goto out;
    }
    if (trace && (play || record)) {
        fputs("salvo: view: a saved trace cannot be played interactively or recorded\n", stderr);
        goto out;
    }
    if (shot && !at) {
        fputs("salvo: view: --screenshot needs --at DATE|DAY\n", stderr);
        goto out;
    }
    if (shot && (frames || record || play)) {
        fputs("salvo: view: --screenshot renders one frame; it does not take --frames, --record or --play\n", stderr);
        goto out;
    }
    int w = shot ? 1600 : 1400, h = shot ? 900 : 820;
    if (size && parse_size(size, &w, &h) != 0) goto out;

    Diag d;
    diag_init(&d, file ? file : trace ? trace : replay);
    if (trace) s = session_open_trace(trace, &d);
    else if (replay) s = session_open_replay(replay, play, &d);
    else s = session_open_scenario(file, sets, nsets, seed, play, &d);
    if (!s) {
        diag_print(&d, stderr);
        diag_free(&d);
        if (file && looks_like_trace(file))
            fprintf(stderr, "salvo: %s looks like a saved trace: use salvo view --trace %s\n", file, file);
        goto out;
    }
    const TraceHeader *hdr = session_header(s);
    if (shot) {
        double t;
        if (parse_at(at, hdr, &t) != 0) {
            diag_free(&d);
            goto out;
        }
        size_t n;
        const TraceRec *r = session_records(s, &n);
        ViewShot *vs = view_shot_create(hdr, r, n, w, h, &d);
        rc = 1;
        if (vs) {
            view_shot_render(vs, t);
            if (view_shot_save(vs, shot, &d) == 0) rc = 0;
            view_shot_destroy(vs);
        }
        if (rc) diag_print(&d, stderr);
        diag_free(&d);
        goto out;
    }
    ViewOptions o = { 0 };
    if (at && parse_at(at, hdr, &o.start_t) != 0) {
        diag_free(&d);
        goto out;
    }
    o.paused = at != NULL;
    o.width = w;
    o.height = h;
    o.frames = (int)(frames > 1000000000 ? 1000000000 : frames);
    o.record = record;
    o.mode = trace ? "trace" : replay ? "replay" : play ? "play" : "run";
    o.keys = keys;
    o.stats = getenv("SALVO_VIEW_STATS") != NULL;
    rc = view_run(s, &o, &d) == 0 ? 0 : 1;
    if (rc) diag_print(&d, stderr);
    diag_free(&d);
out:
    session_close(s);
    free(sets);
    return rc;
}

#endif
