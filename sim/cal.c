/* cal.c — proleptic Gregorian dates as epoch days: see cal.h.
 *
 * The conversions are Howard Hinnant's days_from_civil / civil_from_days
 * ("chrono-Compatible Low-Level Date Algorithms"): shift the year to start
 * on March 1 so the leap day is the last day of the year, then count whole
 * 400-year eras (146097 days each). Invariant: cal_civil(cal_epoch_day(y,m,d))
 * == (y,m,d) for every valid date; all arithmetic is exact int64.
 */
#include "cal.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

int64_t cal_epoch_day(int y, int m, int d)
{
    int64_t yy = (int64_t)y - (m <= 2);
    int64_t era = (yy >= 0 ? yy : yy - 399) / 400;
    int64_t yoe = yy - era * 400;                                  /* [0, 399] */
    int64_t mp = (m + 9) % 12;                                     /* March = 0 */
    int64_t doy = (153 * mp + 2) / 5 + d - 1;                      /* [0, 365] */
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;           /* [0, 146096] */
    return era * 146097 + doe - 719468;                            /* 719468 = 0000-03-01 .. 1970-01-01 */
}

void cal_civil(int64_t epoch_day, int *y, int *m, int *d)
{
    int64_t z = epoch_day + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;                                      /* [0, 146096] */
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* [0, 399] */
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);               /* [0, 365] */
    int64_t mp = (5 * doy + 2) / 153;                                    /* [0, 11] */
    int dd = (int)(doy - (153 * mp + 2) / 5 + 1);
    int mm = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (mm <= 2));
    *m = mm;
    *d = dd;
}

/* "????-??-??", spelled with escapes because "??-" is a C trigraph. */
static const char BAD_DATE[11] = "\?\?\?\?-\?\?-\?\?";

static int leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int y, int m)
{
    static const int dim[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    return m == 2 && leap(y) ? 29 : dim[m - 1];
}

static int digits(const char *s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

int cal_parse(const char *s, int64_t *epoch_day)
{
    if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-') return -1;
    int y = digits(s, 4), m = digits(s + 5, 2), d = digits(s + 8, 2);
    if (y < 0 || m < 1 || m > 12 || d < 1 || d > days_in_month(y, m)) return -1;
    *epoch_day = cal_epoch_day(y, m, d);
    return 0;
}

void cal_format(int64_t epoch_day, char out[11])
{
    /* Years outside 0000-9999 do not fit the format; say so visibly. */
    if (epoch_day < -719528 || epoch_day > 2932896) {
        memcpy(out, BAD_DATE, sizeof BAD_DATE);
        return;
    }
    int y, m, d;
    cal_civil(epoch_day, &y, &m, &d);
    out[0] = (char)('0' + y / 1000);
    out[1] = (char)('0' + y / 100 % 10);
    out[2] = (char)('0' + y / 10 % 10);
    out[3] = (char)('0' + y % 10);
    out[4] = '-';
    out[5] = (char)('0' + m / 10);
    out[6] = (char)('0' + m % 10);
    out[7] = '-';
    out[8] = (char)('0' + d / 10);
    out[9] = (char)('0' + d % 10);
    out[10] = '\0';
}

void cal_format_t(int64_t start, double t, char out[11])
{
    /* floor, not truncation: t = -0.5 is the day before the start. The range
     * guard keeps the double-to-int64 conversion defined. */
    if (!(t > -1e9 && t < 1e9) || start < -(INT64_C(1) << 40) || start > (INT64_C(1) << 40)) {
        memcpy(out, BAD_DATE, sizeof BAD_DATE);
        return;
    }
    cal_format(start + (int64_t)floor(t), out);
}
