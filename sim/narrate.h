/* narrate.h — trace records in words, for people: "Maria lost between
 * Rajin and Dunai with 20,000 rounds". Read only from the header and the
 * record, so it works on a live run and on a trace file alike. Nothing
 * here prints; the caller decides where the words go.
 */
#ifndef SALVO_NARRATE_H
#define SALVO_NARRATE_H

#include <stddef.h>
#include "trace.h"

/* What record r means, in one sentence without a date. Returns the length
 * written, like snprintf. */
int narrate_record(const TraceHeader *h, const TraceRec *r, char *buf, size_t n);
/* A quantity for people: 950, 12,400, 1.25 M, 3.10 bn. */
void narrate_qty(double v, char *buf, size_t n);

#endif
