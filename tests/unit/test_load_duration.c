/*
 * test_load_duration.c: k6 durations and stages, good and bad, and the summary's
 * way of printing a duration.
 */
#include "unit.h"
#include <stdlib.h>
#include <string.h>

#include "load/engine/duration.h"

static const struct good {
    const char *text;
    double seconds;
} goods[] = {
    { "0", 0 },           { "30s", 30 },          { "1m30s", 90 },  { "500ms", 0.5 },
    { "2h", 7200 },       { "1h2m3.5s", 3723.5 }, { "10us", 1e-5 }, { "10\xc2\xb5s", 1e-5 },
    { "250ns", 2.5e-7 },  { "1.5m", 90 },         { "0s", 0 },      { ".5s", 0.5 },
    { "1m0.25s", 60.25 },
};

START_TEST(test_parse_good)
{
    char err[128] = "";
    double s = -1;
    ck_assert_msg(dur_parse(goods[_i].text, &s, err, sizeof err) == 0, "%s: %s", goods[_i].text,
                  err);
    ck_assert_double_eq_tol(s, goods[_i].seconds, 1e-12);
}
END_TEST

static const struct bad {
    const char *text;
    const char *message;
} bads[] = {
    { "", "empty duration, expected e.g. 30s, 1m30s or 500ms" },
    { "30", "duration \"30\" has no unit: write e.g. 30s or 30ms" },
    { "2.5", "duration \"2.5\" has no unit: write e.g. 2.5s or 2.5ms" },
    { "-5s", "duration \"-5s\" is negative" },
    { "5x", "duration \"5x\": unknown or missing unit, use ns, us, ms, s, m or h" },
    { "1m30", "duration \"1m30\": unknown or missing unit, use ns, us, ms, s, m or h" },
    { "s", "duration \"s\": expected a number before each unit (e.g. 1m30s)" },
    { "1m s", "duration \"1m s\": expected a number before each unit (e.g. 1m30s)" },
    { " 5s", "duration \" 5s\": expected a number before each unit (e.g. 1m30s)" },
    { "99999999999h", "duration \"99999999999h\" is too long" },
};

START_TEST(test_parse_bad)
{
    char err[128] = "";
    double s = 42;
    ck_assert_int_eq(dur_parse(bads[_i].text, &s, err, sizeof err), -1);
    ck_assert_str_eq(err, bads[_i].message);
    ck_assert_double_eq(s, 42);
}
END_TEST

START_TEST(test_stage)
{
    char err[128] = "";
    struct lr_stage st = { -1, -1 };
    ck_assert_int_eq(dur_parse_stage("30s:50", &st, err, sizeof err), 0);
    ck_assert_double_eq(st.duration_s, 30);
    ck_assert_double_eq(st.target, 50);
    ck_assert_int_eq(dur_parse_stage("1m30s:0", &st, err, sizeof err), 0);
    ck_assert_double_eq(st.duration_s, 90);
    ck_assert_double_eq(st.target, 0);
    ck_assert_int_eq(dur_parse_stage("10s:12.5", &st, err, sizeof err), 0);
    ck_assert_double_eq(st.target, 12.5);

    ck_assert_int_eq(dur_parse_stage("30s", &st, err, sizeof err), -1);
    ck_assert_str_eq(err, "stage \"30s\": expected DURATION:TARGET, e.g. 30s:50");
    ck_assert_int_eq(dur_parse_stage("30s:", &st, err, sizeof err), -1);
    ck_assert_str_eq(err, "stage \"30s:\": the target after ':' must be a number >= 0");
    ck_assert_int_eq(dur_parse_stage("30s:-1", &st, err, sizeof err), -1);
    ck_assert_str_eq(err, "stage \"30s:-1\": the target after ':' must be a number >= 0");
    ck_assert_int_eq(dur_parse_stage("30s:5x", &st, err, sizeof err), -1);
    ck_assert_str_eq(err, "stage \"30s:5x\": the target after ':' must be a number >= 0");
    ck_assert_int_eq(dur_parse_stage("30:5", &st, err, sizeof err), -1);
    ck_assert_str_eq(err, "duration \"30\" has no unit: write e.g. 30s or 30ms");
    ck_assert_double_eq(st.target, 12.5);
}
END_TEST

START_TEST(test_stages)
{
    char err[128] = "";
    struct lr_stage st[4];
    int n = -1;
    ck_assert_int_eq(dur_parse_stages("10s:20,30s:50,1m:50,10s:0", st, 4, &n, err, sizeof err), 0);
    ck_assert_int_eq(n, 4);
    ck_assert_double_eq(st[2].duration_s, 60);
    ck_assert_double_eq(st[3].target, 0);
    ck_assert_int_eq(dur_parse_stages("10s:20,30s:50,1m:50,10s:0,1s:1", st, 4, &n, err, sizeof err),
                     -1);
    ck_assert_str_eq(err, "too many stages in \"10s:20,30s:50,1m:50,10s:0,1s:1\"");
    ck_assert_int_eq(dur_parse_stages("10s:20,,", st, 4, &n, err, sizeof err), -1);
    ck_assert_str_eq(err, "stage \"\": expected DURATION:TARGET, e.g. 30s:50");
    ck_assert_int_eq(n, 1);
}
END_TEST

static const struct fmt {
    double ms;
    const char *text;
} fmts[] = {
    { 0, "0s" },
    { 0.00085, "850ns" },
    { 0.34, "340\xc2\xb5s" },
    { 0.123456, "123.45\xc2\xb5s" },
    { 1.23, "1.23ms" },
    { 1.239, "1.23ms" },
    { 850, "850ms" },
    { 2500, "2.5s" },
    { 1000, "1s" },
    { 59999, "59.99s" },
    { 62000, "1m2s" },
    { 62900, "1m2s" },
    { 3605000, "1h0m5s" },
    { 7384000, "2h3m4s" },
    { -1.5, "-1.5ms" },
};

START_TEST(test_format)
{
    char buf[32];
    ck_assert_str_eq(dur_format_ms(fmts[_i].ms, buf, sizeof buf), fmts[_i].text);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("duration");
    TCase *tc = tcase_create("duration");
    tcase_add_loop_test(tc, test_parse_good, 0, sizeof goods / sizeof goods[0]);
    tcase_add_loop_test(tc, test_parse_bad, 0, sizeof bads / sizeof bads[0]);
    tcase_add_test(tc, test_stage);
    tcase_add_test(tc, test_stages);
    tcase_add_loop_test(tc, test_format, 0, sizeof fmts / sizeof fmts[0]);
    suite_add_tcase(s, tc);
    return unit_run_suite(s);
}
