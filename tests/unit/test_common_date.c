/*
 * test_common_date.c: date_parse and date_format against known days, a round trip over
 * four centuries, and every way a date string can be wrong.
 */
#include "unit.h"
#include <stdlib.h>
#include <string.h>

#include "common/date.h"

static int32_t parse(const char *s)
{
    int32_t d = -999999;
    ck_assert_int_eq(date_parse(s, strlen(s), &d), 0);
    return d;
}

START_TEST(test_known_days)
{
    ck_assert_int_eq(parse("1970-01-01"), 0);
    ck_assert_int_eq(parse("1970-01-02"), 1);
    ck_assert_int_eq(parse("1969-12-31"), -1);
    ck_assert_int_eq(parse("2000-03-01") - parse("2000-02-28"), 2); /* 2000 is leap */
    ck_assert_int_eq(parse("2100-03-01") - parse("2100-02-28"), 1); /* 2100 is not */
    ck_assert_int_eq(parse("2024-12-31") - parse("2024-01-01"), 365);
    ck_assert_int_eq(parse("2031-03-01"), date_from_ymd(2031, 3, 1));
}
END_TEST

START_TEST(test_round_trip)
{
    char out[DATE_TEXT_LEN + 1];
    int32_t prev = parse("1900-01-01") - 1;
    for (int32_t d = parse("1900-01-01"); d <= parse("2300-12-31"); d++) {
        date_format(d, out);
        ck_assert_int_eq(strlen(out), 10);
        ck_assert_int_eq(parse(out), d);
        ck_assert_int_eq(d, prev + 1);
        prev = d;
    }
}
END_TEST

START_TEST(test_rejects)
{
    static const char *bad[] = {
        "",           "2031-3-01",   "2031-03-1",     "31-03-01",
        "2031/03/01", "2031-03-01 ", " 2031-03-01",   "2031-00-10",
        "2031-13-10", "2031-02-29",  "2100-02-29",    "2031-04-31",
        "2031-01-00", "0000-01-01",  "2031-01-32",    "20310301xx",
        "2031-0a-01", "+031-03-01",  "2031-03-01T00",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int32_t d = 12345;
        ck_assert_msg(date_parse(bad[i], strlen(bad[i]), &d) == -1, "accepted '%s'", bad[i]);
        ck_assert_int_eq(d, 12345);
    }
    int32_t d;
    ck_assert_int_eq(date_parse(NULL, 10, &d), -1);
    ck_assert_int_eq(date_parse("2031-03-01", 9, &d), -1); /* length counts */
    ck_assert_int_eq(parse("2024-02-29"), date_from_ymd(2024, 2, 29));
}
END_TEST

START_TEST(test_format_clamps)
{
    char out[DATE_TEXT_LEN + 1];
    date_format(-100000000, out);
    ck_assert_str_eq(out, "0001-01-01");
    date_format(100000000, out);
    ck_assert_str_eq(out, "9999-12-31");
    ck_assert_int_gt(date_today_utc(), parse("2020-01-01"));
}
END_TEST

UNIT_MAIN("date", test_known_days, test_round_trip, test_rejects, test_format_clamps)
