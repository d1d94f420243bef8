/* fuzz_trace.c — libFuzzer harness: trace_read on arbitrary files.
 *
 * trace_read takes a path, so each input is written to one private temp
 * file (made once, rewritten per input) and read back. A file it accepts
 * must be internally consistent, since the view draws from it without the
 * engine: every header index and every record operand that names a
 * header entry is checked here, and a violation aborts.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "trace.h"

/* The reader's record check (sim/trace.c; not in trace.h). */
int trace_rec_valid(const TraceHeader *h, const TraceRec *r, char *why, size_t n);

static char tmp_path[64];

static void remove_tmp(void) { unlink(tmp_path); }

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    snprintf(tmp_path, sizeof tmp_path, "/tmp/salvo-fuzz-trace-XXXXXX");
    int fd = mkstemp(tmp_path);
    if (fd < 0) {
        perror("fuzz_trace: mkstemp");
        exit(1);
    }
    close(fd);
    atexit(remove_tmp);
    return 0;
}

static int in(int i, int n) { return i >= 0 && i < n; }
static int in_or_none(int i, int n) { return i == -1 || in(i, n); }

static void check_file(const TraceFile *f)
{
    const TraceHeader *h = &f->h;
    if (h->nactors < 0 || h->nplaces < 0 || h->nroutes < 0 || h->ncarriers < 0 || h->nresources < 0 ||
        h->nstocks < 0 || h->ntreaties < 0 || h->nprogrammes < 0 || h->nevents < 0 || h->ndecisions < 0)
        abort();
    size_t sum = 0;
    for (int i = 0; i < h->nactors; i++) {
        if (h->actors[i].color > 0xFFFFFFu) abort();    /* 0xRRGGBB, trace.h */
        sum += strlen(h->actors[i].id) + strlen(h->actors[i].name);
    }
    for (int i = 0; i < h->nplaces; i++) {
        if (!in(h->places[i].kind, PLACE__COUNT) || !in_or_none(h->places[i].actor, h->nactors)) abort();
        if (!(fabs(h->places[i].lat) <= 90) || !(fabs(h->places[i].lon) <= 180)) abort();
        sum += strlen(h->places[i].id) + strlen(h->places[i].name);
    }
    for (int i = 0; i < h->nroutes; i++) {
        const TraceRoute *r = &h->routes[i];
        if (!in(r->mode, MODE__COUNT) || !in(r->from, h->nplaces) || !in(r->to, h->nplaces) || r->npts < 0) abort();
        for (int k = 0; k < r->npts; k++)
            if (!(fabs(r->lat[k]) <= 90) || !(fabs(r->lon[k]) <= 180)) abort();
        sum += strlen(r->id) + strlen(r->name);
    }
    for (int i = 0; i < h->ncarriers; i++) {
        if (!in(h->carriers[i].route, h->nroutes)) abort();
        sum += strlen(h->carriers[i].id) + strlen(h->carriers[i].name);
    }
    for (int i = 0; i < h->nresources; i++)
        sum += strlen(h->resources[i].id) + strlen(h->resources[i].name) + strlen(h->resources[i].unit);
    for (int i = 0; i < h->nstocks; i++) {
        if (!in(h->stocks[i].place, h->nplaces) || !in(h->stocks[i].resource, h->nresources)) abort();
        sum += strlen(h->stocks[i].id);
    }
    const TraceNamed *named[3] = { h->treaties, h->programmes, h->events };
    int nnamed[3] = { h->ntreaties, h->nprogrammes, h->nevents };
    for (int j = 0; j < 3; j++)
        for (int i = 0; i < nnamed[j]; i++) {
            if (!in_or_none(named[j][i].actor, h->nactors) || !in_or_none(named[j][i].place, h->nplaces)) abort();
            sum += strlen(named[j][i].id) + strlen(named[j][i].name);
        }
    for (int i = 0; i < h->ndecisions; i++) {
        const TraceDecisionDef *dd = &h->decisions[i];
        if (!in_or_none(dd->actor, h->nactors) || dd->noptions < 0) abort();
        for (int k = 0; k < dd->noptions; k++) sum += strlen(dd->options[k]);
        sum += strlen(dd->id) + strlen(dd->name);
    }
    sum += strlen(h->salvo_version) + strlen(h->scenario) + strlen(h->sha256);
    char why[160];
    for (size_t i = 0; i < f->n; i++) {
        const TraceRec *r = &f->recs[i];
        if (!trace_rec_valid(h, r, why, sizeof why) || (i > 0 && r->t < f->recs[i - 1].t)) abort();
        sum += (size_t)(r->t != 0) + (size_t)r->a + (size_t)r->b + (size_t)r->c;
    }
    volatile size_t keep = sum;
    (void)keep;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FILE *fp = fopen(tmp_path, "wb");
    if (!fp) abort();
    if (size && fwrite(data, 1, size, fp) != size) abort();
    if (fclose(fp) != 0) abort();
    Diag d;
    diag_init(&d, tmp_path);
    TraceFile *f = trace_read(tmp_path, &d);
    if ((f != NULL) == (diag_errors(&d) != 0)) abort();
    if (f) check_file(f);
    trace_file_destroy(f);
    diag_fini(&d);
    return 0;
}
