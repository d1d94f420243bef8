/* fmt.h — numbers as people read them, one way for every table and line
 * the `salvo` commands print (never for files: CSV and JSON keep every
 * digit).
 *
 *   |x| >= 1e15       3 significant digits in e-notation (1.23e+15)
 *   |x| >= 1,000      a whole number with thousands separators (3,991,298)
 *   100 <= |x| < 1000 one decimal, dropped when it is 0 (320.5, 320)
 *   |x| < 100         4 significant digits, trailing zeros dropped (79.86, 5.077, 0.0298)
 *   whole-number metrics and values that are whole: no decimals (5, 1,204)
 *   NaN "-", +inf "never" for a time, else "inf".
 */
#ifndef SALVO_FMT_H
#define SALVO_FMT_H

#include <stddef.h>
#include <stdio.h>
#include <stdint.h>
#include "salvo.h"

/* x by the rules above into buf (n bytes). */
void fmt_num(char *buf, size_t n, double x);
/* "lo–hi" (an en dash), each by fmt_num: a range or a band. */
void fmt_range(char *buf, size_t n, double lo, double hi);
/* x rounded to a whole number, with thousands separators. */
void fmt_whole(char *buf, size_t n, double x);
/* A value of metric mi: a date for a time (day x after start_day; "never"),
 * a whole number for a whole-number metric, else fmt_num. */
void fmt_metric(char *buf, size_t n, const MetricInfo *mi, int64_t start_day, double x);
/* "189 drones", "1 drone", "2,000 rounds": count and unit, the unit made
 * singular for exactly 1 (a final "s" dropped). */
void fmt_amount(char *buf, size_t n, double x, const char *unit);
/* Words of text wrapped at 76 columns to f: the first line continues what
 * is already printed (col columns), later lines start with indent. Ends
 * the line. */
void fmt_wrap(FILE *f, int col, const char *indent, const char *text);
/* The width of the terminal table output should fit: $COLUMNS, else the
 * terminal's width when stdout is one, else 120. */
int fmt_columns(void);

#endif
