/* run.c — `salvo validate` and `salvo run`: check scenarios; simulate one
 * replication and tell what happened, in words, then its metrics. */
#include <ctype.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cal.h"
#include "cmd.h"
#include "exercise.h"
#include "fmt.h"
#include "narrate.h"
#include "opt.h"
#include "outpath.h"
#include "salvo.h"
#include "trace.h"

/* --- validate ---------------------------------------------------------------- */
enum { VAL_SET = 1 };
static const OptSpec validate_opts[] = {
    { VAL_SET, "--set", "PATH=VALUE", "override a parameter before checking (repeatable)" },
    { 0, NULL, NULL, NULL },
};
static const CmdSpec validate_spec = {
    "validate", "FILE... [--set PATH=VALUE ...]",
    "Checks scenarios and exercises (docs/exercises.md): syntax, types, ranges\n"
    "and references; reports every problem as\n"
    "FILE:LINE:COL: error: PATH: message. Exit 0 if all are valid, 2 if not.",
    validate_opts,
};

int cmd_validate(int argc, char **argv)
{
    const char **sets = calloc((size_t)argc + 1, sizeof *sets), **files = calloc((size_t)argc + 1, sizeof *files);
    int nsets = 0, nfiles = 0, bad = 0, c;
    OptParser p;
    if (!sets || !files) {
        free(sets);
        free(files);
        fputs("salvo: out of memory\n", stderr);
        return 1;
    }
    opt_init(&p, &validate_spec, argc, argv);
    while ((c = opt_next(&p)) != OPT_END) {
        if (c == OPT_HELP) {
            opt_usage(&validate_spec, stdout);
            goto out;
        } else if (c == OPT_ERROR) {
            bad = 2;
            goto out;
        } else if (c == OPT_OPERAND) {
            files[nfiles++] = p.val;
        } else if (c == VAL_SET) {
            if (args_set(p.val, sets, &nsets, argc) < 0) {
                bad = 2;
                goto out;
            }
        }
    }
    if (!nfiles) {
        opt_usage_short(&validate_spec, stderr);
        bad = 2;
        goto out;
    }
    for (int i = 0; i < nfiles; i++) {
        const char *file = files[i];
        char found[4096];
        if (args_scenario(file, found, sizeof found)) file = found;
        Diag d;
        diag_init(&d, file);
        if (exercise_sniff(file)) {
            if (nsets) {
                fprintf(stderr, "salvo validate: %s: --set applies to scenarios, not to exercises\n", file);
                bad = 2;
                diag_fini(&d);
                continue;
            }
            Exercise *ex = exercise_load(file, &d);
            if (!ex) {
                diag_print(&d, stderr);
                bad = 2;
            } else {
                printf("%s: ok: exercise %s (%s, %d min; scenario %s; %d predictions, %d decision points)\n",
                       file, ex->id, exercise_level_name(ex->level), ex->minutes, ex->scenario_path,
                       ex->npredictions, ex->ndecisions);
            }
            exercise_destroy(ex);
            diag_fini(&d);
            continue;
        }
        Scenario *s = scenario_load(file, sets, nsets, &d);
        if (!s) {
            diag_print(&d, stderr);
            bad = 2;
        } else {
            const TraceHeader *h = scenario_trace_header(s);
            printf("%s: ok: %s (%d places, %d routes, %d carriers, %d treaties, %d programmes, %d events, "
                   "%d decisions, %d metrics, %d assumptions)\n",
                   file, scenario_name(s), h->nplaces, h->nroutes, h->ncarriers, h->ntreaties,
                   h->nprogrammes, h->nevents, h->ndecisions, scenario_metric_count(s),
                   scenario_assumption_count(s));
        }
        scenario_destroy(s);
        diag_fini(&d);
    }
out:
    free(sets);
    free(files);
    return bad;
}

/* --- the timeline in words ---------------------------------------------------- */
typedef struct Teller {
    const TraceHeader *h;
    FILE *out;
    int verbose;
    int month;                  /* yyyymm of the supply summary being gathered */
    double *delivered, *total;  /* per resource: this month, all so far */
    int voyages, lost;
    double *short_seen;         /* per stock: shortfall at the last report (<0 never short), and the latest known */
    double *short_rate;         /* per stock: unmet demand per day since short_t, and short_t */
    double *fired;              /* per event: when it last happened (-1 never) */
    TraceSink next;             /* a trace writer, if any */
} Teller;

static void human(double x, char *out, size_t n)
{
    fmt_num(out, n, x);
}

/* "189 drones" for a resource "Shahed-136 drones" counted in "drones" (its
 * name already says the unit: "189 Shahed-136 drones"), else "2,000 rounds
 * of 152 mm shells"; singular for exactly 1. */
static void amount(char *buf, size_t n, double x, const TraceResource *r)
{
    char num[40];
    human(x, num, sizeof num);
    const char *unit = r->unit ? r->unit : "", *name = r->name ? r->name : "";
    size_t ul = strlen(unit), nl = strlen(name);
    int one = !strcmp(num, "1");
    /* The name's last word is the unit (any case): say the name alone. */
    if (ul && nl >= ul && !strcasecmp(name + nl - ul, unit) && (nl == ul || name[nl - ul - 1] == ' ')) {
        int cut = one && nl > 1 && name[nl - 1] == 's';
        snprintf(buf, n, "%s %.*s", num, (int)(nl - (size_t)cut), name);
    } else if (ul) {
        int cut = one && ul > 1 && unit[ul - 1] == 's';
        snprintf(buf, n, "%s %.*s of %s", num, (int)(ul - (size_t)cut), unit, name);
    } else {
        snprintf(buf, n, "%s %s", num, name);
    }
}

static const char *place(const TraceHeader *h, int i);

/* The supply and shortfall lines of the month gathered so far. t_end: the
 * end of that month (or of the run), where shortfall still accruing at a
 * known rate is cut, so each month shows the shortfall that happened in it. */
static void flush_month(Teller *T, double t_end)
{
    if (T->month == 0) return;
    int any = 0;
    for (int r = 0; r < T->h->nresources; r++) any |= T->delivered[r] > 0;
    if (any || T->lost) {
        fprintf(T->out, "%04d-%02d     supply:", T->month / 100, T->month % 100);
        const char *sep = " ";
        for (int r = 0; r < T->h->nresources; r++) {
            if (T->delivered[r] <= 0) continue;
            char a[96], b[32];
            amount(a, sizeof a, T->delivered[r], &T->h->resources[r]);
            human(T->total[r], b, sizeof b);
            fprintf(T->out, "%s%s delivered to the end of the line (%s so far)", sep, a, b);
            sep = "; ";
        }
        fprintf(T->out, "%s%d voyage%s", sep, T->voyages, T->voyages == 1 ? "" : "s");
        if (T->lost) fprintf(T->out, ", %d lost", T->lost);
        fputc('\n', T->out);
    }
    for (int s = 0; s < T->h->nstocks; s++) {
        double *rt = &T->short_rate[2 * s];
        if (rt[0] > 0 && t_end > rt[1]) {
            /* Shortfall grows linearly while the stock is empty: bring it to t_end. */
            T->short_seen[2 * s + 1] += rt[0] * (t_end - rt[1]);
            rt[1] = t_end;
        }
        double now = T->short_seen[2 * s + 1], seen = T->short_seen[2 * s] > 0 ? T->short_seen[2 * s] : 0;
        if (now > seen + 0.5) {
            char a[96];
            const TraceStock *st = &T->h->stocks[s];
            amount(a, sizeof a, now - seen, &T->h->resources[st->resource]);
            fprintf(T->out, "%04d-%02d     shortfall at %s: %s unmet\n", T->month / 100, T->month % 100,
                    place(T->h, st->place), a);
            T->short_seen[2 * s] = now;
        }
    }
    memset(T->delivered, 0, (size_t)T->h->nresources * sizeof *T->delivered);
    T->voyages = T->lost = 0;
}

static const char *place(const TraceHeader *h, int i) { return i >= 0 && i < h->nplaces ? h->places[i].name : "?"; }

/* One line of the timeline: the date, a tag, what the record means
 * (sim/narrate.c, the one place that words records), and a tail. */
static void say(Teller *T, const char *tag, const TraceRec *r, const char *date, const char *tail)
{
    char what[512];
    narrate_record(T->h, r, what, sizeof what);
    fprintf(T->out, "%s  %s%s%s\n", date, tag, what, tail);
}

/* Close every month up to the one of day t, each at 00:00 on the 1st of
 * the next, so a month without records still gets its shortfall; then
 * gather t's month. */
static void tell_month(Teller *T, double t)
{
    const TraceHeader *h = T->h;
    int y, m, d;
    cal_civil(h->start + (int64_t)floor(t), &y, &m, &d);
    int month = y * 100 + m;
    while (T->month && T->month < month) {
        int ny = T->month / 100, nm = T->month % 100 + 1;
        if (nm > 12) { nm = 1; ny++; }
        flush_month(T, (double)(cal_epoch_day(ny, nm, 1) - h->start));
        T->month = ny * 100 + nm;
    }
    T->month = month;
}

/* A departure or an arrival: counted for the month (arrivals where the
 * engine counts them), told only with --verbose. */
static void tell_voyage(Teller *T, const TraceRec *r, const char *date)
{
    const TraceHeader *h = T->h;
    const TraceCarrier *c = r->a >= 0 && r->a < h->ncarriers ? &h->carriers[r->a] : NULL;
    const TraceRoute *rt = c ? &h->routes[c->route] : NULL;
    char due[11], a[96];
    if (r->kind == TR_DEPART) {
        T->voyages++;
        if (T->verbose) {
            cal_format_t(h->start, r->y, due);
            human(r->x, a, sizeof a);
            fprintf(T->out, "%s  %s leaves %s for %s with %s %s (due %s)\n", date, c->name, place(h, rt->from),
                    place(h, rt->to), a, r->c >= 0 ? h->resources[r->c].unit : "", due);
        }
        return;
    }
    /* Counted where the engine counts it: on a final route (the trace
     * header's flag, sim/load_supply.c, route_final). */
    if (r->c >= 0 && rt->final) {
        T->delivered[r->c] += r->x;
        T->total[r->c] += r->x;
    }
    if (T->verbose) {
        human(r->x, a, sizeof a);
        fprintf(T->out, "%s  %s arrives at %s: %s good, %.0f unusable\n", date, c->name, place(h, rt->to), a, r->y);
    }
}

/* A stock runs out or is available again. Only the first time a stock runs
 * dry is told; after that the monthly line gives the shortfall, or the
 * timeline drowns (--verbose tells every change). */
static void tell_short(Teller *T, const TraceRec *r, const char *date)
{
    const TraceHeader *h = T->h;
    const TraceStock *s = &h->stocks[r->a];
    char a[96];
    T->short_seen[2 * r->a + 1] = r->y;
    T->short_rate[2 * r->a] = r->b ? r->x : 0;
    T->short_rate[2 * r->a + 1] = r->t;
    if (r->b && !T->verbose && T->short_seen[2 * r->a] < 0) {
        amount(a, sizeof a, r->x, &h->resources[s->resource]);
        fprintf(T->out, "%s  %s at %s runs out for the first time: %s a day of demand unmet\n", date,
                h->resources[s->resource].name, place(h, s->place), a);
        T->short_seen[2 * r->a] = r->y;
    } else if (T->verbose) {
        amount(a, sizeof a, r->x, &h->resources[s->resource]);
        if (r->b) fprintf(T->out, "%s  %s at %s has run out: %s a day unmet\n", date,
                          h->resources[s->resource].name, place(h, s->place), a);
        else fprintf(T->out, "%s  %s at %s is available again\n", date, h->resources[s->resource].name,
                     place(h, s->place));
    }
}

/* An event, or its effects after the event's delay (then saying when it
 * happened). */
static void tell_event(Teller *T, const TraceRec *r, const char *date)
{
    if (r->b == 1) {
        char when[40] = "";
        if (T->fired[r->a] >= 0) {
            char d[11];
            cal_format_t(T->h->start, T->fired[r->a], d);
            snprintf(when, sizeof when, " (it happened on %s)", d);
        }
        say(T, "EVENT ", r, date, when);
    } else {
        T->fired[r->a] = r->t;
        say(T, "EVENT ", r, date, "");
    }
}

static void tell(void *ctx, const TraceRec *r)
{
    Teller *T = ctx;
    const TraceHeader *h = T->h;
    if (T->next.emit) T->next.emit(T->next.ctx, r);
    char date[11];
    cal_format_t(h->start, r->t, date);
    tell_month(T, r->t);
    switch (r->kind) {
    case TR_DEPART:
    case TR_ARRIVE: tell_voyage(T, r, date); break;
    case TR_LOST:
        T->lost++;
        say(T, "", r, date, "");
        break;
    case TR_RETURN: break;
    case TR_STOCK:
        T->short_seen[2 * r->a + 1] = r->y;
        T->short_rate[2 * r->a + 1] = r->t;
        break;
    case TR_SHORT: tell_short(T, r, date); break;
    case TR_LAUNCH: say(T, "LAUNCH ", r, date, ""); break;
    case TR_ASSIST: say(T, "", r, date, ""); break;
    case TR_TREATY: say(T, "TREATY ", r, date, ""); break;
    case TR_TROOPS: say(T, "", r, date, ""); break;
    case TR_DECISION: say(T, "DECISION ", r, date, ""); break;
    case TR_EVENT: tell_event(T, r, date); break;
    case TR_ROUTE: say(T, "", r, date, ""); break;
    case TR_END:
        flush_month(T, r->t);
        fprintf(T->out, "%s  end of the scenario\n", date);
        break;
    default:
        break;
    }
}

static void forward(void *ctx, const TraceRec *r)
{
    Teller *T = ctx;
    if (T->next.emit) T->next.emit(T->next.ctx, r);
}

/* A paragraph, wrapped at 78 columns (by bytes; UTF-8 stays intact because
 * lines break only at spaces), then a blank line. Nothing if empty. */
static void wrap(const char *text, FILE *o)
{
    if (!text || !*text) return;
    int col = 0;
    while (*text) {
        while (*text == ' ' || *text == '\n') text++;
        size_t n = strcspn(text, " \n");
        if (!n) break;
        if (col && col + 1 + (int)n > 78) {
            fputc('\n', o);
            col = 0;
        }
        if (col) { fputc(' ', o); col++; }
        fwrite(text, 1, n, o);
        col += (int)n;
        text += n;
    }
    fputs("\n\n", o);
}

/* --until: a date or a number of days. Before the start is an error; past
 * the end the run stops at the end, and says so. */
static int parse_until(const char *v, const Scenario *s, double *out)
{
    int64_t e;
    char *end;
    double x;
    char a[11], b[11];
    cal_format(scenario_start(s), a);
    cal_format_t(scenario_start(s), scenario_end(s), b);
    if (cal_parse(v, &e) == 0) {
        x = (double)(e - scenario_start(s));
        if (x < 0) {
            fprintf(stderr, "salvo: --until: %s is before the scenario's start (%s)\n", v, a);
            return -1;
        }
    } else {
        x = strtod(v, &end);
        if (end == v || *end || !(x >= 0) || !isfinite(x) || isspace((unsigned char)*v)) {
            fprintf(stderr, "salvo: --until: expected a date YYYY-MM-DD or a number of days >= 0, got '%s'\n", v);
            return -1;
        }
    }
    if (x > scenario_end(s)) {
        /* The run cannot go past the scenario's calendar: say so, go to its end. */
        fprintf(stderr, "salvo run: --until %s is after the scenario's end; it ends earlier, on %s\n", v, b);
        x = scenario_end(s);
    }
    *out = x;
    return 0;
}

static void print_metrics(const Scenario *s, const double *v, FILE *o)
{
    fprintf(o, "\nmetrics:\n");
    for (int m = 0; m < scenario_metric_count(s); m++) {
        const MetricInfo *mi = scenario_metric(s, m);
        char val[64];
        if (mi->kind == MET_TIME) {
            if (v[m] == SALVO_NEVER) snprintf(val, sizeof val, "never");
            else {
                char d[11];
                cal_format_t(scenario_start(s), v[m], d);
                snprintf(val, sizeof val, "%s (day %.1f)", d, v[m]);
            }
        } else if (mi->kind == MET_FLAG) {
            snprintf(val, sizeof val, "%s", v[m] != 0 ? "yes" : "no");
        } else {
            char num[40];
            if (mi->whole) fmt_whole(num, sizeof num, v[m]);
            else fmt_num(num, sizeof num, v[m]);
            snprintf(val, sizeof val, "%s %s", num, mi->unit);
        }
        if (mi->label && strcmp(mi->label, mi->id)) fprintf(o, "  %-28s %-40s %s\n", mi->id, val, mi->label);
        else fprintf(o, "  %-28s %s\n", mi->id, val);   /* the label would only repeat the id */
    }
}

static void json_metrics(const Scenario *s, const double *v, uint64_t seed, uint64_t rep, int uncertainty, FILE *o)
{
    fprintf(o, "{\"scenario\":\"%s\",\"seed\":\"%llu\",\"rep\":%llu,\"mode\":\"%s\",\"metrics\":{",
            scenario_name(s), (unsigned long long)seed, (unsigned long long)rep, uncertainty ? "uncertainty" : "dice");
    for (int m = 0; m < scenario_metric_count(s); m++) {
        const MetricInfo *mi = scenario_metric(s, m);
        if (m) fputc(',', o);
        if (v[m] == SALVO_NEVER) fprintf(o, "\"%s\":null", mi->id);
        else fprintf(o, "\"%s\":%.17g", mi->id, v[m]);
    }
    fputs("}}\n", o);
}

enum { RUN_SEED = 1, RUN_UNTIL, RUN_TRACE, RUN_SET, RUN_JSON, RUN_VERBOSE, RUN_REP, RUN_UNCERTAINTY, RUN_NO_UNCERTAINTY };
static const OptSpec run_opts[] = {
    { RUN_SEED, "--seed", "S", "base seed, decimal or 0x hex (default 1)" },
    { RUN_REP, "--rep", "R", "replication R of `salvo batch FILE --seed S` (default 0), exactly" },
    { RUN_UNCERTAINTY, "--uncertainty", NULL, "draw every ranged assumption (the default where the scenario's batch says so)" },
    { RUN_NO_UNCERTAINTY, "--no-uncertainty", NULL, "the dice only, whatever the scenario's batch default" },
    { RUN_UNTIL, "--until", "DATE|DAYS", "stop early, at a date YYYY-MM-DD or after a number of days" },
    { RUN_TRACE, "--trace", "OUT.jsonl", "write every event as JSON Lines (docs/trace.md)" },
    { RUN_SET, "--set", "PATH=VALUE", "override a parameter (repeatable)" },
    { RUN_JSON, "--json", NULL, "print only the metrics, as one JSON object" },
    { RUN_VERBOSE, "--verbose", NULL, "print every voyage as well" },
    { 0, NULL, NULL, NULL },
};
static const CmdSpec run_spec = {
    "run", "FILE [--seed S] [--rep R] [--uncertainty | --no-uncertainty] [--until DATE|DAYS]\n"
           "          [--trace OUT.jsonl] [--set PATH=VALUE ...] [--json] [--verbose]",
    "Simulates one replication and prints its timeline in words, then its metrics.\n"
    "Replication R of seed S is replication R of `salvo batch FILE --seed S`, in the\n"
    "same mode (the scenario's batch default, or --uncertainty / --no-uncertainty).\n"
    "FILE may be the name of an installed scenario (korea-russia-2024).",
    run_opts,
};

/* SIGINT/SIGTERM during `run`: one replication has no partial result worth
 * keeping, so the trace's temporary file is removed (unlink is
 * async-signal-safe) and the process exits 130 at once. */
static char trace_tmp[PATH_MAX];

static void on_signal(int sig)
{
    (void)sig;
    if (trace_tmp[0]) unlink(trace_tmp);
    _exit(130);
}

static void catch_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

/* `salvo run`'s options. */
typedef struct RunArgs {
    const char *file, *trace, *until_s;
    const char *sets[256];
    int nsets, json, verbose, unc, no_unc;
    unsigned long long seed;
    long long rep;
} RunArgs;

/* Parse the options: 0 go, 1 --help (printed), -1 bad (message printed). */
static int run_parse(int argc, char **argv, RunArgs *a)
{
    int c;
    OptParser p;
    opt_init(&p, &run_spec, argc, argv);
    while ((c = opt_next(&p)) != OPT_END) {
        switch (c) {
        case OPT_HELP: opt_usage(&run_spec, stdout); return 1;
        case OPT_ERROR: return -1;
        case RUN_SEED:
            if (args_seed(p.val, &a->seed) != 0) return -1;
            break;
        case RUN_UNTIL: a->until_s = p.val; break;
        case RUN_REP:
            if ((a->rep = args_count("--rep", p.val, 0)) < 0) return -1;
            break;
        case RUN_UNCERTAINTY: a->unc = 1; break;
        case RUN_NO_UNCERTAINTY: a->no_unc = 1; break;
        case RUN_TRACE: a->trace = p.val; break;
        case RUN_SET:
            if (args_set(p.val, a->sets, &a->nsets, 256) < 0) return -1;
            break;
        case RUN_JSON: a->json = 1; break;
        case RUN_VERBOSE: a->verbose = 1; break;
        case OPT_OPERAND:
            if (a->file) {
                fprintf(stderr, "salvo run: one scenario file at a time ('%s' and '%s')\n", a->file, p.val);
                return -1;
            }
            a->file = p.val;
            break;
        }
    }
    if (!a->file) {
        opt_usage_short(&run_spec, stderr);
        return -1;
    }
    if (a->unc && a->no_unc) {
        fprintf(stderr, "salvo run: --uncertainty and --no-uncertainty contradict each other\n");
        return -1;
    }
    return 0;
}

/* The trace writer, its temporary's name handed to the signal handler
 * before a signal can arrive. NULL on error (in d). */
static TraceWriter *run_open_trace(const char *trace, const TraceHeader *h, Diag *d)
{
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    sigprocmask(SIG_BLOCK, &block, &old);
    TraceWriter *tw = trace_writer_open(trace, h, d);
    const char *tmp = trace_writer_temp(tw);
    if (tmp && strlen(tmp) < sizeof trace_tmp) memcpy(trace_tmp, tmp, strlen(tmp) + 1);
    sigprocmask(SIG_SETMASK, &old, NULL);
    return tw;
}

/* A teller for h's places, resources, stocks and events: -1 when out of
 * memory (teller_fini frees what was allocated). */
static int teller_init(Teller *T, const TraceHeader *h, int verbose)
{
    *T = (Teller){ .h = h, .out = stdout, .verbose = verbose };
    T->delivered = calloc((size_t)h->nresources + 1, sizeof(double));
    T->total = calloc((size_t)h->nresources + 1, sizeof(double));
    T->short_seen = calloc(2 * (size_t)h->nstocks + 1, sizeof(double));
    T->short_rate = calloc(2 * (size_t)h->nstocks + 1, sizeof(double));
    T->fired = calloc((size_t)h->nevents + 1, sizeof(double));
    for (int i = 0; T->fired && i < h->nevents; i++) T->fired[i] = -1;
    for (int i = 0; T->short_seen && i < h->nstocks; i++) T->short_seen[2 * i] = -1;
    return T->delivered && T->total && T->short_seen && T->short_rate && T->fired ? 0 : -1;
}

static void teller_fini(Teller *T)
{
    double *owned[] = { T->delivered, T->total, T->short_seen, T->short_rate, T->fired };
    for (size_t i = 0; i < sizeof owned / sizeof *owned; i++) free(owned[i]);
}

/* The timeline's heading: the scenario, the seed and mode, the dates, the
 * description. */
static void run_print_heading(const Scenario *s, const RunArgs *a, int uncertainty, double until)
{
    printf("%s — %s\nseed %llu, replication %lld, %s; from ", scenario_name(s), scenario_title(s), a->seed, a->rep,
           uncertainty ? "ranged assumptions drawn (parametric uncertainty)" : "assumptions at their values");
    char from[11], to[11];
    cal_format(scenario_start(s), from);
    cal_format_t(scenario_start(s), until, to);
    printf("%s to %s\n\n", from, to);
    wrap(scenario_description(s), stdout);
}

/* The metrics at the end (or the halt), as text or JSON. -1 when out of
 * memory. */
static int run_metrics(const Scenario *s, Sim *sim, const RunArgs *a, int uncertainty)
{
    double *v = calloc((size_t)scenario_metric_count(s) + 1, sizeof *v);
    if (!v) return -1;
    sim_metrics(sim, v);
    if (a->json) json_metrics(s, v, a->seed, (uint64_t)a->rep, uncertainty, stdout);
    else print_metrics(s, v, stdout);
    free(v);
    return 0;
}

int cmd_run(int argc, char **argv)
{
    RunArgs a = { .seed = 1 };
    char found[4096];
    int pr = run_parse(argc, argv, &a);
    if (pr != 0) return pr > 0 ? 0 : 2;
    const char *file = a.file;
    int json = a.json;
    OutPath outs[] = { { "--trace", a.trace } };
    Scenario *s = args_open_scenario(&file, found, sizeof found, a.sets, a.nsets, outs, 1);
    if (!s) return 2;
    Diag d;
    diag_init(&d, file);
    double until = scenario_end(s);
    if (a.until_s && parse_until(a.until_s, s, &until) != 0) {
        scenario_destroy(s);
        diag_fini(&d);
        return 2;
    }
    /* The same mode as `salvo batch FILE`, so that --rep R is its replication R. */
    int uncertainty = a.unc || (!a.no_unc && scenario_batch_uncertainty(s));
    TraceHeader h = *scenario_trace_header(s);
    h.seed = a.seed;
    TraceWriter *tw = NULL;
    catch_signals();
    if (a.trace && !(tw = run_open_trace(a.trace, &h, &d))) {
        diag_print(&d, stderr);
        scenario_destroy(s);
        diag_fini(&d);
        return 2;
    }
    Teller T;
    int tok = teller_init(&T, &h, a.verbose);
    if (tw) T.next = trace_writer_sink(tw);
    TraceSink sink = { json ? forward : tell, &T };
    Sim *sim = sim_create(s);
    int rc = 0;
    if (!sim || tok < 0) {
        fputs("salvo: out of memory\n", stderr);
        rc = 1;
        goto done;
    }
    if (!json) run_print_heading(s, &a, uncertainty, until);
    if (json && !tw) sim_set_sink(sim, NULL);
    else sim_set_sink(sim, &sink);
    sim_set_uncertainty(sim, uncertainty);
    sim_reset(sim, a.seed, (uint64_t)a.rep);
    int halted = sim_run(sim, until) == SIM_HALTED;
    if (!json) flush_month(&T, until);
    if (halted) {
        /* The metrics below stop at the halt; say so where it cannot be missed. */
        if (!json) printf("HALTED: %s\n", sim_halted(sim));
        fprintf(stderr, "salvo: %s: the run was halted: %s (see docs/scenario.md, Limits)\n", file, sim_halted(sim));
        rc = 1;
    }
    if (run_metrics(s, sim, &a, uncertainty) < 0) {
        rc = 1;
        goto done;
    }
    if (tw) {
        trace_tmp[0] = '\0';     /* committed (or removed) below */
        int e = trace_writer_close(tw, &d);
        tw = NULL;
        if (e != 0) {
            diag_print(&d, stderr);
            rc = 1;
        }
    }
done:
    if (tw) trace_writer_abort(tw);
    sim_destroy(sim);
    teller_fini(&T);
    scenario_destroy(s);
    diag_fini(&d);
    return rc;
}
