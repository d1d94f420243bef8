/* cal.h — the calendar. Simulation time is in days (double) from the
 * scenario's start date; dates are proleptic Gregorian, handled as "epoch
 * days" (days since 1970-01-01) so that arithmetic is exact integers. */
#ifndef SALVO_CAL_H
#define SALVO_CAL_H

#include <stdint.h>

/* Days since 1970-01-01 of a civil date (any valid y, m 1-12, d 1-31). */
int64_t cal_epoch_day(int y, int m, int d);
/* Inverse of cal_epoch_day. */
void cal_civil(int64_t epoch_day, int *y, int *m, int *d);
/* Parse exactly "YYYY-MM-DD" (a real date). 0 on success, -1 otherwise. */
int cal_parse(const char *s, int64_t *epoch_day);
/* Format as "YYYY-MM-DD"; out holds at least 11 bytes. A date outside years
 * 0000-9999 is written "????-??-??" rather than truncated. */
void cal_format(int64_t epoch_day, char out[11]);
/* Date of simulation time t (days) for a run starting at epoch day start:
 * the day containing t, i.e. start + floor(t). Non-finite t gives "????-??-??". */
void cal_format_t(int64_t start, double t, char out[11]);

#endif
