/* progress.c — the progress line of a run (progress.h). */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <unistd.h>

#include "fmt.h"
#include "progress.h"

void progress_attach(Progress *pr, BatchOptions *o, int show)
{
    if (!show || !isatty(STDERR_FILENO)) return;
    o->progress = progress_show;
    o->progress_arg = pr;
    o->progress_every = 0.25;
}

static void fmt_secs(char *buf, size_t n, double s)
{
    if (!isfinite(s)) snprintf(buf, n, "?");
    else if (s < 60) snprintf(buf, n, "%.0fs", s);
    else if (s < 3600) snprintf(buf, n, "%dm%02ds", (int)(s / 60), (int)fmod(s, 60));
    else snprintf(buf, n, "%dh%02dm", (int)(s / 3600), (int)fmod(s / 60, 60));
}

void progress_show(void *arg, const BatchProgress *p)
{
    Progress *pr = arg;
    char eta[32];
    fmt_secs(eta, sizeof eta, p->eta);
    fprintf(stderr, "\r%" PRIu64 "/%" PRIu64 " runs  %.0f runs/s  ETA %s", p->done, p->total,
            isfinite(p->rate) ? p->rate : 0.0, eta);
    if (pr->metric && isfinite(p->halfwidth)) {
        char hw[32];
        fmt_num(hw, sizeof hw, p->halfwidth);
        fprintf(stderr, "  %s ±%s", pr->metric, hw);
    }
    fputs("\033[K", stderr);
    fflush(stderr);
    pr->shown = 1;
}

void progress_end(Progress *pr)
{
    if (pr->shown) fputs("\r\033[K", stderr);
    pr->shown = 0;
}
