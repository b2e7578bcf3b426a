/*
 * test_common_duration.c: k6-style durations accepted and refused.
 */
#include "unit.h"
#include <stdlib.h>

#include "common/duration.h"

static int64_t ms(const char *s)
{
    int64_t v = -1;
    ck_assert_msg(duration_parse_ms(s, &v) == 0, "refused '%s'", s);
    return v;
}

START_TEST(test_accepts)
{
    ck_assert_int_eq(ms("0"), 0);
    ck_assert_int_eq(ms("500ms"), 500);
    ck_assert_int_eq(ms("900s"), 900000);
    ck_assert_int_eq(ms("15m"), 900000);
    ck_assert_int_eq(ms("1h"), 3600000);
    ck_assert_int_eq(ms("1m30s"), 90000);
    ck_assert_int_eq(ms("1h2m3s4ms"), 3723004);
    ck_assert_int_eq(ms("1.5s"), 1500);
    ck_assert_int_eq(ms("2500us"), 2);
    ck_assert_int_eq(ms("0s"), 0);
}
END_TEST

START_TEST(test_refuses)
{
    static const char *bad[] = { "",     "15",  "s",   "1x", "1.s5",           "-1s",
                                 "1 s",  "1s ", "1sm", "m1", "9999999999999h", "2401h",
                                 "1..5s" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int64_t v = 77;
        ck_assert_msg(duration_parse_ms(bad[i], &v) == -1, "accepted '%s'", bad[i]);
        ck_assert_int_eq(v, 77);
    }
    int64_t v;
    ck_assert_int_eq(duration_parse_ms(NULL, &v), -1);
    ck_assert_int_eq(ms("2400h"), 2400LL * 3600000); /* 100 days: the cap itself */
}
END_TEST

UNIT_MAIN("duration", test_accepts, test_refuses)
