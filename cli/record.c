/* record.c — the record check in the terminal: one line per observation
 * (the model's bands at its date against the record's range), then the
 * summary lines, held-out observations apart (docs/validation.md). The
 * figures come from sim/record.c; this file only prints them. */
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "fmt.h"
#include "record.h"

static void print_rows(const RecordRow *rows, int n, int held_out, int w, FILE *out)
{
    for (int k = 0; k < n; k++) {
        const RecordRow *r = &rows[k];
        const Observation *o = r->obs;
        if (o->held_out != held_out) continue;
        char range[72], p5[32], p25[32], p50[32], p75[32], p95[32], is[32];
        fmt_range(range, sizeof range, o->low, o->high);
        fmt_num(p5, sizeof p5, r->p5);
        fmt_num(p25, sizeof p25, r->p25);
        fmt_num(p50, sizeof p50, r->p50);
        fmt_num(p75, sizeof p75, r->p75);
        fmt_num(p95, sizeof p95, r->p95);
        fmt_num(is, sizeof is, r->interval_score);
        fprintf(out, "%-*s  %s  %21s  %10s %10s %10s %10s %10s  %-3s %-3s %5.2f %10s  %s\n", w, o->id, o->date, range,
                p5, p25, p50, p75, p95, r->in50 ? "yes" : "no", r->in90 ? "yes" : "no", r->pit, is, o->unit);
    }
}

void record_print(const RecordRow *rows, int n, FILE *out)
{
    if (n <= 0) return;
    int w = 11, held = 0;
    for (int k = 0; k < n; k++) {
        int len = (int)strlen(rows[k].obs->id);
        if (len > w) w = len;
        held += rows[k].obs->held_out;
    }
    fputs("\nThe record: the model at each observation's date against the record's range\n", out);
    fprintf(out, "%-*s  %-10s  %21s  %10s %10s %10s %10s %10s  %-3s %-3s %5s %10s  %s\n", w, "observation", "date",
            "record", "p5", "p25", "median", "p75", "p95", "50%", "90%", "PIT", "score", "unit");
    char line[512];
    if (held < n) {
        print_rows(rows, n, 0, w, out);
        record_summary(rows, n, 0, line, sizeof line);
        fprintf(out, "%s.\n", line);
    }
    if (held) {
        fputs("Held out (never used by `salvo fit`):\n", out);
        print_rows(rows, n, 1, w, out);
        record_summary(rows, n, 1, line, sizeof line);
        fprintf(out, "%s.\n", line);
    }
    fputs("50%/90%: the record's range overlaps the model's central 50%/90% band. PIT: the share of runs\n"
          "below the record's midpoint. score: interval score of the 90% band (Gneiting & Raftery 2007;\n"
          "lower is better, in the unit). See docs/validation.md.\n", out);
}
