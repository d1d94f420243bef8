/* test_cal.c — epoch days, parsing and formatting of proleptic Gregorian
 * dates, checked against known days and a naive day-by-day calendar. */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "cal.h"
#include "testutil.h"

static int is_leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

static int month_days(int y, int m)
{
    static const int n[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    return m == 2 && is_leap(y) ? 29 : n[m - 1];
}

START_TEST(test_known_epoch_days)
{
    ck_assert_int_eq(cal_epoch_day(1970, 1, 1), 0);
    ck_assert_int_eq(cal_epoch_day(1969, 12, 31), -1);
    ck_assert_int_eq(cal_epoch_day(2000, 3, 1), 11017);
    ck_assert_int_eq(cal_epoch_day(2000, 2, 29), 11016);
    ck_assert_int_eq(cal_epoch_day(2024, 6, 19), 19893);
    ck_assert_int_eq(cal_epoch_day(2024, 2, 29), 19782);
    ck_assert_int_eq(cal_epoch_day(2022, 2, 24), 19047);
    ck_assert_int_eq(cal_epoch_day(1900, 2, 28), -25509);
    ck_assert_int_eq(cal_epoch_day(1900, 3, 1), -25508);   /* 1900 is not leap */
    ck_assert_int_eq(cal_epoch_day(1600, 1, 1), -135140);
    ck_assert_int_eq(cal_epoch_day(1, 1, 1), -719162);
    ck_assert_int_eq(cal_epoch_day(9999, 12, 31), 2932896);
    int y, m, d;
    cal_civil(19893, &y, &m, &d);
    ck_assert_int_eq(y, 2024);
    ck_assert_int_eq(m, 6);
    ck_assert_int_eq(d, 19);
    cal_civil(-1, &y, &m, &d);
    ck_assert_int_eq(y, 1969);
    ck_assert_int_eq(m, 12);
    ck_assert_int_eq(d, 31);
}
END_TEST

START_TEST(test_leap_years)
{
    /* Feb 29 exists in 2000 and 2024, not in 1900 or 2023. */
    ck_assert_int_eq(cal_epoch_day(2000, 3, 1) - cal_epoch_day(2000, 2, 28), 2);
    ck_assert_int_eq(cal_epoch_day(2024, 3, 1) - cal_epoch_day(2024, 2, 28), 2);
    ck_assert_int_eq(cal_epoch_day(1900, 3, 1) - cal_epoch_day(1900, 2, 28), 1);
    ck_assert_int_eq(cal_epoch_day(2023, 3, 1) - cal_epoch_day(2023, 2, 28), 1);
    ck_assert_int_eq(cal_epoch_day(2001, 1, 1) - cal_epoch_day(2000, 1, 1), 366);
    ck_assert_int_eq(cal_epoch_day(1901, 1, 1) - cal_epoch_day(1900, 1, 1), 365);
    ck_assert_int_eq(cal_epoch_day(2025, 1, 1) - cal_epoch_day(2024, 1, 1), 366);
    int64_t e;
    ck_assert_int_eq(cal_parse("2000-02-29", &e), 0);
    ck_assert_int_eq(cal_parse("2024-02-29", &e), 0);
    ck_assert_int_eq(e, 19782);
    ck_assert_int_eq(cal_parse("1900-02-29", &e), -1);
    ck_assert_int_eq(cal_parse("2023-02-29", &e), -1);
}
END_TEST

START_TEST(test_against_naive_calendar)
{
    /* Walk day by day from 1582-10-15 to 2500-12-31 with the textbook rules. */
    int y = 1582, m = 10, d = 15;
    int64_t e = cal_epoch_day(y, m, d);
    ck_assert_int_eq(e, -141427);
    while (y <= 2500) {
        ck_assert_int_eq(cal_epoch_day(y, m, d), e);
        int cy, cm, cd;
        cal_civil(e, &cy, &cm, &cd);
        ck_assert(cy == y && cm == m && cd == d);
        e++;
        if (++d > month_days(y, m)) {
            d = 1;
            if (++m > 12) { m = 1; y++; }
        }
    }
}
END_TEST

START_TEST(test_round_trip_wide_range)
{
    /* +-2 million years around the epoch, in strides that hit every
     * residue of the 400-year cycle, including negative years. */
    for (int64_t e = -800000000; e <= 800000000; e += 9973) {
        int y, m, d;
        cal_civil(e, &y, &m, &d);
        ck_assert(m >= 1 && m <= 12 && d >= 1 && d <= month_days(y, m));
        ck_assert_int_eq(cal_epoch_day(y, m, d), e);
    }
}
END_TEST

START_TEST(test_parse)
{
    int64_t e = 42;
    ck_assert_int_eq(cal_parse("2024-06-19", &e), 0);
    ck_assert_int_eq(e, 19893);
    ck_assert_int_eq(cal_parse("1970-01-01", &e), 0);
    ck_assert_int_eq(e, 0);
    ck_assert_int_eq(cal_parse("0000-01-01", &e), 0);
    ck_assert_int_eq(cal_parse("9999-12-31", &e), 0);
    ck_assert_int_eq(e, 2932896);
    e = 42;
    static const char *const bad[] = {
        "2023-02-29", "2024-13-01", "2024-00-10", "2024-04-31", "2024-01-00", "2024-01-32",
        "2024-1-1", "2024-01-1", "24-01-01", "2024-06-19x", "2024-06-19 ", " 2024-06-19",
        "2024/06/19", "2024-06-1a", "+024-06-19", "-024-06-19", "", "2024-06", "20240619",
        "2024--6-19", "2024-06-19T00:00",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ck_assert_msg(cal_parse(bad[i], &e) == -1, "accepted \"%s\"", bad[i]);
        ck_assert_int_eq(e, 42);    /* untouched on failure */
    }
    ck_assert_int_eq(cal_parse(NULL, &e), -1);
}
END_TEST

START_TEST(test_format)
{
    char out[11];
    cal_format(19893, out);
    ck_assert_str_eq(out, "2024-06-19");
    cal_format(0, out);
    ck_assert_str_eq(out, "1970-01-01");
    cal_format(-1, out);
    ck_assert_str_eq(out, "1969-12-31");
    cal_format(cal_epoch_day(0, 1, 1), out);
    ck_assert_str_eq(out, "0000-01-01");
    cal_format(2932896, out);
    ck_assert_str_eq(out, "9999-12-31");
    /* Outside 0000-9999 the text is visibly not a date. */
    cal_format(2932897, out);
    ck_assert_str_eq(out, "\?\?\?\?-\?\?-\?\?");
    cal_format(cal_epoch_day(0, 1, 1) - 1, out);
    ck_assert_str_eq(out, "\?\?\?\?-\?\?-\?\?");
    /* Parse and format agree across four centuries. */
    for (int64_t e = cal_epoch_day(1800, 1, 1); e < cal_epoch_day(2200, 1, 1); e += 13) {
        int64_t back;
        cal_format(e, out);
        ck_assert_int_eq(cal_parse(out, &back), 0);
        ck_assert_int_eq(back, e);
    }
}
END_TEST

START_TEST(test_format_t)
{
    int64_t start;
    char out[11];
    ck_assert_int_eq(cal_parse("2024-06-19", &start), 0);
    cal_format_t(start, 0.0, out);
    ck_assert_str_eq(out, "2024-06-19");
    cal_format_t(start, 0.999, out);
    ck_assert_str_eq(out, "2024-06-19");
    cal_format_t(start, 1.0, out);
    ck_assert_str_eq(out, "2024-06-20");
    cal_format_t(start, 12.5, out);
    ck_assert_str_eq(out, "2024-07-01");
    /* floor, not truncation: half a day before the start is the day before. */
    cal_format_t(start, -0.5, out);
    ck_assert_str_eq(out, "2024-06-18");
    cal_format_t(start, -1.0, out);
    ck_assert_str_eq(out, "2024-06-18");
    cal_format_t(start, 365.0, out);
    ck_assert_str_eq(out, "2025-06-19");
    cal_format_t(start, NAN, out);
    ck_assert_str_eq(out, "\?\?\?\?-\?\?-\?\?");
    cal_format_t(start, INFINITY, out);
    ck_assert_str_eq(out, "\?\?\?\?-\?\?-\?\?");
    cal_format_t(start, 1e300, out);
    ck_assert_str_eq(out, "\?\?\?\?-\?\?-\?\?");
}
END_TEST

Suite *suite_cal(void)
{
    Suite *s = suite_create("cal");
    TCASE(s, "epoch_days", 0, NO_FIXTURE, test_known_epoch_days, test_leap_years, test_against_naive_calendar,
          test_round_trip_wide_range);
    TCASE(s, "text", 0, NO_FIXTURE, test_parse, test_format, test_format_t);
    return s;
}
