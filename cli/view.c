/* view.c — `salvo view`: parse the arguments, open a Session (scenario,
 * saved trace or recorded playthrough) and hand it to the map view in
 * render/. Built without SDL2, it says so and exits 2. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "opt.h"

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
#include "exercise.h"
#include "exview.h"
#include "fmt.h"
#include "playthrough.h"
#include "session.h"
#include "view.h"

enum { W_SEED = 1, W_SET, W_PLAY, W_RECORD, W_REPLAY, W_TRACE, W_SCREENSHOT, W_AT, W_SIZE, W_FRAMES, W_KEYS,
       W_EXERCISE, W_SCREEN, W_RUNS, W_NAME, W_TORNADO };
static const OptSpec view_opts[] = {
    { W_SEED, "--seed", "S", "replication seed, decimal or 0x hex (default 1)" },
    { W_SET, "--set", "PATH=VALUE", "override a scenario parameter (repeatable)" },
    { W_PLAY, "--play", NULL, "interactive: decisions pause and wait for you" },
    { W_RECORD, "--record", "PLAY.json", "save the playthrough (scenario, seed, sets, choices) on quit" },
    { W_REPLAY, "--replay", "PLAY.json", "reproduce a recorded playthrough" },
    { W_TRACE, "--trace", "T.jsonl", "replay a saved trace, without the engine" },
    { W_SCREENSHOT, "--screenshot", "OUT.png", "render the frame at --at to a PNG, headless (no display needed)" },
    { W_AT, "--at", "DATE|DAY", "the screenshot's time; in the window, start there, paused" },
    { W_SIZE, "--size", "WxH", "window or screenshot size (default 1400x820 / 1600x900)" },
    { W_FRAMES, "--frames", "N", "run N frames of the window, then quit (smoke tests)" },
    { W_KEYS, "--keys", "K1,K2,...", "press these keys, one per frame (tests: space, plus, minus, left,\n"
      "right, up, down, home, end, esc, tab, backtab, return, backspace,\n"
      "pageup, pagedown, f12, a letter or digit, click:X:Y, wheel:X:Y, text:CHARS)" },
    { W_EXERCISE, "--exercise", NULL, "FILE is an exercise (docs/exercises.md): briefing, predictions,\n"
      "play and debrief in one window (implied when FILE is one); with it, --replay takes\n"
      "an exercise playthrough and --record saves one (as salvo exercise does)" },
    { W_SCREEN, "--screen", "NAME", "with --exercise --screenshot: briefing, predictions (filled from\n"
      "--replay), decision (the first),\n"
      "decision:K (the K-th), fan, fan:K (1000 futures per option), debrief\n"
      "or mattered (what mattered, by --tornado)" },
    { W_RUNS, "--runs", "N", "with --exercise: runs of the debrief's distribution (default 1000)" },
    { W_TORNADO, "--tornado", "N", "with --exercise: runs per side for 'what mattered', each ranged\n"
      "assumption low vs high (default 50; 0: skip), as salvo exercise" },
    { W_NAME, "--name", "NAME", "with --exercise: the student's name in the playthrough (default: student)" },
    { 0, NULL, NULL, NULL },
};
static const CmdSpec view_spec = {
    "view", "FILE [--seed S] [--set PATH=VALUE ...] [--play] [--record PLAY.json]\n"
            "--trace T.jsonl\n"
            "--replay PLAY.json [--play]\n"
            "(FILE | --trace T.jsonl | --replay PLAY.json) --screenshot OUT.png --at DATE|DAY [--size WxH]\n"
            "EXERCISE --exercise [--seed S | --replay PLAY.json] [--name NAME] [--record PLAY.json] [--runs N] [--tornado N]\n"
            "EXERCISE --exercise [--replay PLAY.json] --screenshot OUT.png --screen briefing|predictions|decision[:K]|fan[:K]|debrief|mattered [--tornado N]",
    "The SDL2 map view. The window needs a display (DISPLAY or WAYLAND_DISPLAY);\n"
    "--screenshot needs none. Keys in the window: press h. SALVO_VIEW_STATS=1\n"
    "prints frame timings.",
    view_opts,
};

/* 1 if SDL could find a display to open a window on. Checked before SDL
 * starts, because with none SDL may fall back to a driver that draws
 * nowhere and the window would run unseen. SDL_VIDEODRIVER set by hand is
 * taken as the user knowing better. */
static int have_display(void)
{
    static const char *const vars[] = { "DISPLAY", "WAYLAND_DISPLAY", "SDL_VIDEODRIVER" };
    for (int i = 0; i < 3; i++) {
        const char *v = getenv(vars[i]);
        if (v && *v) return 1;
    }
    return 0;
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

/* --screen: briefing, predictions, decision, decision:K (1-based), fan, fan:K, debrief or mattered. */
static int parse_screen(const char *v, ExScreen *sc, int *k)
{
    *k = 0;
    if (!strcmp(v, "briefing")) *sc = EXS_BRIEFING;
    else if (!strcmp(v, "debrief")) *sc = EXS_DEBRIEF;
    else if (!strcmp(v, "mattered")) *sc = EXS_MATTERED;
    else if (!strcmp(v, "decision")) *sc = EXS_DECISION;
    else if (!strcmp(v, "fan")) *sc = EXS_FAN;
    else if (!strcmp(v, "predictions")) *sc = EXS_PREDICT;
    else if (!strncmp(v, "decision:", 9) || !strncmp(v, "fan:", 4)) {
        const char *num = strchr(v, ':') + 1;
        char *end;
        long n = strtol(num, &end, 10);
        if (*end || end == num || n < 1 || n > 64) goto bad;
        *sc = v[0] == 'f' ? EXS_FAN : EXS_DECISION;
        *k = (int)n - 1;
    } else goto bad;
    return 0;
bad:
    fprintf(stderr, "salvo view: --screen: expected briefing, predictions, decision[:K], fan[:K], debrief or mattered, got '%s'\n", v);
    return -1;
}

/* What the exercise run takes from the command line. */
typedef struct ExArgs {
    const char *file, *replay, *shot, *screen, *keys, *record, *name;
    unsigned long long seed;
    int seed_given, runs, w, h, frames, futures, tornado;
} ExArgs;

/* After the window's debrief: the scores printed as the terminal prints
 * them, and the playthrough saved (--record, or the terminal's default
 * name when it is a new one). 0, or 1 if it could not be written. */
static int after_debrief(const ExArgs *a, const char *name, const Exercise *ex, ExView *v, Session *s,
                         unsigned long long seed)
{
    ExGuess g[EXVIEW_MAX_PRED];
    ExScore sc[EXVIEW_MAX_PRED];
    ExScoreSum sum;
    if (exview_guesses(v, g) != 0 || exview_scores(v, sc, &sum) != 0) return 0;
    printf("%s: %s, seed %llu\n", ex->title, name, seed);
    playthrough_print_scores(stdout, ex, g, sc, &sum);
    const char *out = a->record;
    char def[512];
    if (!out && !a->replay) {
        playthrough_default_name(ex, name, seed, def, sizeof def);
        out = def;
    }
    if (!out) return 0;
    const int *made;
    int nmade = session_choices(s, &made);
    if (playthrough_write(out, ex, name, seed, made, nmade, g, "view", stderr) != 0) return 1;
    printf("\nPlaythrough saved: %s (replay: salvo view %s --replay %s, or salvo exercise ... --replay)\n", out,
           ex->path, out);
    return 0;
}

/* salvo view EXERCISE --exercise: the briefing, the predictions form, play
 * on the map pausing at each decision, the debrief, in one window; or one
 * of those screens, headless. With --replay, the playthrough's guesses
 * fill the form and its choices answer the decisions. */
static int view_exercise(const ExArgs *a)
{
    Diag d;
    diag_init(&d, a->file);
    Exercise *ex = exercise_load(a->file, &d);
    if (!ex) {
        diag_print(&d, stderr);
        diag_fini(&d);
        return 2;
    }
    int rc = 2, k = 0;
    unsigned long long seed = a->seed;
    const int *choices = NULL;
    int nchoices = 0;
    ExScreen screen = EXS_BRIEFING;
    ExView *v = NULL;
    Session *s = NULL;
    Playthrough pt;
    if (a->screen && parse_screen(a->screen, &screen, &k) != 0) goto out;
    if (a->replay) {
        if (playthrough_read(a->replay, ex, &pt, "view", stderr) != 0) goto out;
        seed = pt.seed;
        choices = pt.choices;
        nchoices = pt.nchoices;
    }
    rc = 1;
    if (a->shot) {
        int full = screen == EXS_DEBRIEF || screen == EXS_FAN;
        v = exview_create(ex, seed, choices, nchoices, full ? a->runs : 1, screen == EXS_FAN ? a->futures : 0, a->w,
                          a->h, &d);
        if (!v) goto out;
        if (a->replay) exview_set_guesses(v, pt.guess);
        if (screen == EXS_MATTERED && a->tornado == 0) {
            fputs("salvo view: --screen mattered needs --tornado N > 0\n", stderr);
            rc = 2;
            goto out;
        }
        if (screen == EXS_MATTERED && exview_what_mattered(v, a->tornado, fmt_amount, &d) != 0) goto out;
        if (exview_render(v, screen, k) != 0) {
            fprintf(stderr, "salvo view: --screen %s: the run paused at %d decision%s\n", a->screen,
                    exview_decisions(v), exview_decisions(v) == 1 ? "" : "s");
            rc = 2;
            goto out;
        }
        if (exview_save(v, a->shot, &d) == 0) rc = 0;
        goto out;
    }
    v = exview_create(ex, seed, NULL, 0, 0, 0, a->w, a->h, &d);
    if (!v) goto out;
    if (a->replay) exview_set_guesses(v, pt.guess);
    s = a->replay ? session_open_scripted(ex->scenario_file, seed, choices, nchoices, &d)
                  : session_open_scenario(ex->scenario_file, NULL, 0, seed, 1, &d);
    if (!s) goto out;
    ExLoop lo = { a->runs, a->futures, a->keys, a->frames, a->tornado, fmt_amount };
    int r = exview_run(v, s, &lo, &d);
    if (r < 0) goto out;
    /* A replay keeps the student's name unless --name renames it. */
    rc = r == 1 ? after_debrief(a, a->name ? a->name : a->replay ? pt.name : "student", ex, v, s, seed) : 0;
out:
    if (rc == 1 || (rc == 2 && d.count)) diag_print(&d, stderr);
    diag_fini(&d);
    session_destroy(s);
    exview_destroy(v);
    exercise_destroy(ex);
    return rc;
}

/* A count option's value from min to max (args_count's message below
 * min or malformed, ours above max); -1 if it is not one. */
int cmd_view(int argc, char **argv)
{
    const char *file = NULL, *trace = NULL, *replay = NULL, *record = NULL, *shot = NULL, *at = NULL;
    const char *size = NULL, *keys = NULL, *name = NULL;
    unsigned long long seed = 1;
    int play = 0, seed_given = 0, exercise = 0;
    const char *screen = NULL;
    long long runs = 1000, tornado = 50;
    int runs_given = 0, tornado_given = 0;
    long long frames = 0;
    const char **sets = calloc((size_t)argc + 1, sizeof *sets);
    int nsets = 0, rc = 2;
    Session *s = NULL;
    if (!sets) return 1;
    OptParser p;
    opt_init(&p, &view_spec, argc, argv);
    for (int c; (c = opt_next(&p)) != OPT_END;) {
        const char *v = p.val;
        switch (c) {
        case OPT_HELP:
            opt_usage(&view_spec, stdout);
            rc = 0;
            goto out;
        case OPT_ERROR: goto out;
        case W_SEED:
            if (args_seed(v, &seed) != 0) goto out;
            seed_given = 1;
            break;
        case W_SET:
            if (!strchr(v, '=')) {
                fprintf(stderr, "salvo view: --set: expected PATH=VALUE, got '%s'\n", v);
                goto out;
            }
            sets[nsets++] = v;
            break;
        case W_PLAY: play = 1; break;
        case W_TRACE: trace = v; break;
        case W_REPLAY: replay = v; break;
        case W_RECORD: record = v; break;
        case W_SCREENSHOT: shot = v; break;
        case W_AT: at = v; break;
        case W_SIZE: size = v; break;
        case W_KEYS: keys = v; break;
        case W_EXERCISE: exercise = 1; break;
        case W_SCREEN: screen = v; break;
        case W_NAME: name = v; break;
        case W_RUNS:
            if ((runs = args_count_range("--runs", v, 1, 1000000)) < 0) goto out;
            runs_given = 1;
            break;
        case W_TORNADO:
            if ((tornado = args_count_range("--tornado", v, 0, 100000)) < 0) goto out;
            tornado_given = 1;
            break;
        case W_FRAMES:
            if ((frames = args_count("--frames", v, 1)) < 0) goto out;
            break;
        case OPT_OPERAND:
            if (file) {
                fprintf(stderr, "salvo view: one scenario at a time ('%s' and '%s')\n", file, v);
                goto out;
            }
            file = v;
            break;
        }
    }
    if (file && !exercise && !trace && exercise_sniff(file)) exercise = 1;
    if (exercise) {
        if (!file || trace || play || nsets) {
            fputs("salvo view: --exercise takes an exercise FILE, not --trace, --play or --set\n", stderr);
            goto out;
        }
        if (shot && !screen) {
            fputs("salvo view: with --exercise, --screenshot needs --screen briefing|predictions|decision[:K]|fan[:K]|debrief|mattered\n", stderr);
            goto out;
        }
        if (screen && !shot) {
            fputs("salvo view: --screen goes with --screenshot\n", stderr);
            goto out;
        }
        if (replay && seed_given) {
            fputs("salvo view: --seed and --replay exclude each other (the playthrough has its seed)\n", stderr);
            goto out;
        }
        if (shot && record) {
            fputs("salvo view: --record saves a playthrough played in the window, not a --screenshot\n", stderr);
            goto out;
        }
        ExArgs a = { file, replay, shot, screen, keys, record, name, seed, seed_given, (int)runs,
                     shot ? 1600 : 1400, shot ? 900 : 820, (int)(frames > 1000000000 ? 1000000000 : frames), 1000,
                     (int)tornado };
        if (size && parse_size(size, &a.w, &a.h) != 0) goto out;
        if (!shot && !have_display()) {
            fputs("salvo view: no display to open a window on (DISPLAY and WAYLAND_DISPLAY are unset).\n"
                  "Render the screens without one: salvo view EXERCISE --exercise --screenshot OUT.png --screen briefing\n",
                  stderr);
            goto out;
        }
        rc = view_exercise(&a);
        goto out;
    }
    if (screen || runs_given || name || tornado_given) {
        fputs("salvo view: --screen, --runs, --tornado and --name go with --exercise\n", stderr);
        goto out;
    }
    if (!!file + !!trace + !!replay != 1) {
        fputs("salvo view: give a scenario FILE, or --trace T.jsonl, or --replay PLAY.json\n", stderr);
        opt_usage_short(&view_spec, stderr);
        goto out;
    }
    if ((trace || replay) && (seed_given || nsets)) {
        fputs("salvo view: --seed and --set apply to a scenario, not to --trace or --replay\n", stderr);
        goto out;
    }
    if (trace && (play || record)) {
        fputs("salvo view: a saved trace cannot be played interactively or recorded\n", stderr);
        goto out;
    }
    if (shot && !at) {
        fputs("salvo view: --screenshot needs --at DATE|DAY\n", stderr);
        goto out;
    }
    if (shot && (frames || record || play)) {
        fputs("salvo view: --screenshot renders one frame; it does not take --frames, --record or --play\n", stderr);
        goto out;
    }
    int w = shot ? 1600 : 1400, h = shot ? 900 : 820;
    if (size && parse_size(size, &w, &h) != 0) goto out;
    if (!shot && !have_display()) {
        fputs("salvo view: no display to open a window on (DISPLAY and WAYLAND_DISPLAY are unset).\n"
              "Render a picture without one: salvo view ... --screenshot OUT.png --at DATE;\n"
              "or run under a virtual display: xvfb-run -a salvo view ...\n", stderr);
        goto out;
    }
    char found[4096];
    if (file && args_scenario(file, found, sizeof found)) file = found;

    Diag d;
    diag_init(&d, file ? file : trace ? trace : replay);
    if (trace) s = session_open_trace(trace, &d);
    else if (replay) s = session_open_replay(replay, play, &d);
    else s = session_open_scenario(file, sets, nsets, seed, play, &d);
    if (!s) {
        diag_print(&d, stderr);
        diag_fini(&d);
        if (file && looks_like_trace(file))
            fprintf(stderr, "salvo: %s looks like a saved trace: use salvo view --trace %s\n", file, file);
        goto out;
    }
    const TraceHeader *hdr = session_header(s);
    if (shot) {
        double t;
        if (parse_at(at, hdr, &t) != 0) {
            diag_fini(&d);
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
        diag_fini(&d);
        goto out;
    }
    ViewOptions o = { 0 };
    if (at && parse_at(at, hdr, &o.start_t) != 0) {
        diag_fini(&d);
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
    diag_fini(&d);
out:
    session_destroy(s);
    free(sets);
    return rc;
}

#endif
