/*
 * test_load_summary.c: the end-of-test summary, byte for byte, for a fixed set of
 * recorded values; and the value formats it uses.
 */
#include "unit.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "load/engine/summary.h"

/* A small run: 20 requests (2 failed) over 10 s, tagged hold requests, iterations,
 * VUs, bytes and bookings; thresholds one passing and one failing. */
static struct metrics *sample(struct thr_set **thr)
{
    struct metrics *m = metrics_new();
    int hold = metrics_series(m, M_HTTP_REQ_DURATION, "name", "hold");
    int retries = metrics_define(m, "hold_retries", METRIC_TREND, false);
    struct metrics_shard *s = metrics_shard_new(m);
    for (int i = 1; i <= 20; i++) {
        metrics_add(s, M_HTTP_REQS, 1);
        metrics_add(s, M_HTTP_REQ_FAILED, i > 18);
        metrics_add(s, i % 2 ? hold : M_HTTP_REQ_DURATION, i * 12.5);
        metrics_add(s, M_DATA_SENT, 120);
        metrics_add(s, M_DATA_RECEIVED, 2500);
    }
    for (int i = 1; i <= 4; i++) {
        metrics_add(s, M_ITERATIONS, 1);
        metrics_add(s, M_ITERATION_DURATION, 1500 * i);
        metrics_add(s, retries, i);
    }
    metrics_add(s, M_VUS, 2);
    metrics_add(s, M_VUS, 4);
    metrics_add(s, M_VUS_MAX, 4);
    metrics_add(s, M_SUCCESSFUL_BOOKINGS, 1);
    metrics_add(s, M_FAILED_BOOKINGS, 3);
    metrics_add(s, M_OVERBOOKINGS, 0);
    metrics_merge(m, s);
    metrics_shard_free(s);
    char err[256];
    *thr = thr_new();
    ck_assert_int_eq(thr_add(*thr, m, "http_req_duration", "p(95)<2000", false, 0, err, sizeof err),
                     0);
    ck_assert_int_eq(thr_add(*thr, m, "http_req_failed", "rate<0.05", false, 0, err, sizeof err),
                     0);
    ck_assert_int_eq(thr_add(*thr, m, "overbookings", "count==0", true, 0, err, sizeof err), 0);
    ck_assert_int_eq(thr_add(*thr, m, "http_req_duration", "max<100", false, 0, err, sizeof err),
                     0);
    thr_evaluate(*thr, m, 10);
    return m;
}

static const char expected[] =
    "\n"
    "  \xe2\x96\x88 THRESHOLDS\n"
    "\n"
    "    http_req_duration\n"
    "    \xe2\x9c\x93 'p(95)<2000' p(95)=236.54ms\n"
    "    \xe2\x9c\x97 'max<100' max=250ms\n"
    "\n"
    "    http_req_failed\n"
    "    \xe2\x9c\x97 'rate<0.05' rate=10.00%\n"
    "\n"
    "    overbookings\n"
    "    \xe2\x9c\x93 'count==0' count=0\n"
    "\n"
    "\n"
    "  \xe2\x96\x88 TOTAL RESULTS\n"
    "\n"
    "    HTTP\n"
    "    http_req_duration..............: avg=131.25ms min=12.5ms med=125.44ms max=250ms   p(90)=224.25ms p(95)=236.54ms p(99)=250ms\n"
    "      { name:hold }................: avg=125ms    min=12.5ms med=112.12ms max=237.5ms p(90)=211.96ms p(95)=236.54ms p(99)=236.54ms\n"
    "    http_req_failed................: 10.00% 2 out of 20\n"
    "    http_reqs......................: 20     2/s\n"
    "\n"
    "    EXECUTION\n"
    "    iteration_duration.............: avg=3.75s    min=1.5s   med=2.99s    max=6s      p(90)=5.99s    p(95)=5.99s    p(99)=5.99s\n"
    "    iterations.....................: 4      0.4/s\n"
    "    vus............................: 4      min=2       max=4\n"
    "    vus_max........................: 4      min=4       max=4\n"
    "\n"
    "    NETWORK\n"
    "    data_received..................: 50 kB  5.0 kB/s\n"
    "    data_sent......................: 2.4 kB 240 B/s\n"
    "\n"
    "    CUSTOM\n"
    "    failed_bookings................: 3      0.3/s\n"
    "    hold_retries...................: avg=2.5      min=1      med=2.008    max=4       p(90)=4        p(95)=4        p(99)=4\n"
    "    overbookings...................: 0      0/s\n"
    "    successful_bookings............: 1      0.1/s\n"
    "\n";

START_TEST(test_summary)
{
    struct thr_set *thr;
    struct metrics *m = sample(&thr);
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    ck_assert_int_eq(summary_write(out, m, thr, 10), 0);
    fclose(out);
    ck_assert_str_eq(text, expected);
    free(text);
    thr_free(thr);
    metrics_free(m);
}
END_TEST

START_TEST(test_empty)
{
    struct metrics *m = metrics_new();
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    ck_assert_int_eq(summary_write(out, m, NULL, 0), 0);
    fclose(out);
    ck_assert_str_eq(text, "\n  \xe2\x96\x88 TOTAL RESULTS\n\n");
    free(text);
    metrics_free(m);
}
END_TEST

START_TEST(test_format_value)
{
    struct metrics *m = metrics_new();
    char buf[32];
    ck_assert_str_eq(summary_format_value(m, M_HTTP_REQ_DURATION, 1234.5, buf, sizeof buf),
                     "1.23s");
    ck_assert_str_eq(summary_format_value(m, M_DATA_SENT, 7, buf, sizeof buf), "7 B");
    ck_assert_str_eq(summary_format_value(m, M_DATA_SENT, 999, buf, sizeof buf), "999 B");
    ck_assert_str_eq(summary_format_value(m, M_DATA_SENT, 1600, buf, sizeof buf), "1.6 kB");
    ck_assert_str_eq(summary_format_value(m, M_DATA_SENT, 495000, buf, sizeof buf), "495 kB");
    ck_assert_str_eq(summary_format_value(m, M_DATA_RECEIVED, 3.2e9, buf, sizeof buf), "3.2 GB");
    ck_assert_str_eq(summary_format_value(m, M_HTTP_REQS, 41.1333333333, buf, sizeof buf),
                     "41.133333");
    ck_assert_str_eq(summary_format_value(m, M_HTTP_REQS, 1234, buf, sizeof buf), "1234");
    ck_assert_str_eq(summary_format_value(m, M_HTTP_REQS, 0.5, buf, sizeof buf), "0.5");
    metrics_free(m);
}
END_TEST

UNIT_MAIN("summary", test_summary, test_empty, test_format_value)
