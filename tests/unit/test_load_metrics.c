/*
 * test_load_metrics.c: the metric registry: built-ins, definitions, tagged series,
 * per-thread shards and their merge, and each metric type's reading.
 */
#include "unit.h"
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "load/engine/metrics.h"

static const char *const builtin_names[M_BUILTIN_COUNT] = {
    "http_reqs",
    "http_req_duration",
    "http_req_failed",
    "http_req_waiting",
    "http_req_connecting",
    "http_req_sending",
    "http_req_receiving",
    "iterations",
    "iteration_duration",
    "vus",
    "vus_max",
    "data_sent",
    "data_received",
    "checks",
    "dropped_iterations",
    "successful_bookings",
    "failed_bookings",
    "overbookings",
    "inventory_violations",
    "db_connection_errors",
    "timeout_errors",
    "booking_duration",
    "http_req_tls_handshaking",
};

START_TEST(test_builtins)
{
    struct metrics *m = metrics_new();
    ck_assert_int_eq(metrics_count_series(m), M_BUILTIN_COUNT);
    for (int i = 0; i < M_BUILTIN_COUNT; i++) {
        ck_assert_str_eq(metrics_series_name(m, i), builtin_names[i]);
        ck_assert_int_eq(metrics_find(m, builtin_names[i]), i);
        ck_assert(!metrics_has_data(m, i));
    }
    ck_assert_int_eq(metrics_type(m, M_HTTP_REQS), METRIC_COUNTER);
    ck_assert_int_eq(metrics_type(m, M_HTTP_REQ_FAILED), METRIC_RATE);
    ck_assert_int_eq(metrics_type(m, M_VUS), METRIC_GAUGE);
    ck_assert_int_eq(metrics_type(m, M_BOOKING_DURATION), METRIC_TREND);
    ck_assert(metrics_is_time(m, M_HTTP_REQ_DURATION));
    ck_assert(!metrics_is_time(m, M_HTTP_REQS));
    ck_assert(metrics_is_data(m, M_DATA_SENT));
    ck_assert(!metrics_is_data(m, M_HTTP_REQS));
    metrics_free(m);
}
END_TEST

START_TEST(test_define)
{
    struct metrics *m = metrics_new();
    int id = metrics_define(m, "holds_created", METRIC_COUNTER, false);
    ck_assert_int_eq(id, M_BUILTIN_COUNT);
    ck_assert_int_eq(metrics_define(m, "holds_created", METRIC_COUNTER, false), id);
    ck_assert_int_eq(metrics_define(m, "holds_created", METRIC_TREND, false), -1);
    ck_assert_int_eq(metrics_define(m, "http_reqs", METRIC_COUNTER, false), M_HTTP_REQS);
    ck_assert_int_eq(metrics_define(m, "", METRIC_COUNTER, false), -1);
    ck_assert_int_eq(metrics_define(m, "9lives", METRIC_COUNTER, false), -1);
    ck_assert_int_eq(metrics_define(m, "bad-name", METRIC_COUNTER, false), -1);
    ck_assert_int_eq(metrics_define(m, "with{tag:x}", METRIC_COUNTER, false), -1);
    ck_assert_int_eq(metrics_count_series(m), M_BUILTIN_COUNT + 1);
    metrics_free(m);
}
END_TEST

START_TEST(test_registry_full)
{
    struct metrics *m = metrics_new();
    char name[32];
    int last = 0;
    for (int i = 0; last >= 0; i++) {
        snprintf(name, sizeof name, "c%d", i);
        last = metrics_define(m, name, METRIC_COUNTER, false);
    }
    ck_assert_int_eq(metrics_count_series(m), METRICS_MAX_SERIES);
    ck_assert_int_eq(metrics_series(m, M_HTTP_REQS, "name", "x"), -1);
    metrics_free(m);
}
END_TEST

START_TEST(test_tagged_series)
{
    struct metrics *m = metrics_new();
    int hold = metrics_series(m, M_HTTP_REQ_DURATION, "name", "hold");
    ck_assert_int_ge(hold, M_BUILTIN_COUNT);
    ck_assert_str_eq(metrics_series_name(m, hold), "http_req_duration{name:hold}");
    ck_assert_int_eq(metrics_series(m, M_HTTP_REQ_DURATION, "name", "hold"), hold);
    ck_assert_int_eq(metrics_series(m, hold, "name", "hold"), hold);
    ck_assert_int_eq(metrics_find(m, "http_req_duration{name:hold}"), hold);
    ck_assert_int_eq(metrics_find(m, "http_req_duration{ name : hold }"), hold);
    ck_assert_int_eq(metrics_find(m, "http_req_duration{name:confirm}"), -1);
    ck_assert_int_eq(metrics_find(m, "http_req_duration{name:hold"), -1);
    ck_assert_int_eq(metrics_find(m, "http_req_duration{name:hold}x"), -1);
    ck_assert_int_eq(metrics_find(m, "nope"), -1);
    ck_assert_int_eq(metrics_series(m, M_HTTP_REQS, "", "x"), -1);
    ck_assert_int_eq(metrics_series(m, M_HTTP_REQS, "name", "a}b"), -1);
    ck_assert_int_eq(metrics_series(m, 999, "name", "x"), -1);
    ck_assert_int_eq(metrics_parent(m, hold), M_HTTP_REQ_DURATION);
    ck_assert_str_eq(metrics_metric_name(m, hold), "http_req_duration");
    ck_assert_int_eq(metrics_type(m, hold), METRIC_TREND);
    ck_assert(metrics_is_time(m, hold));
    const char *k, *v;
    ck_assert(metrics_tag(m, hold, &k, &v));
    ck_assert_str_eq(k, "name");
    ck_assert_str_eq(v, "hold");
    ck_assert(!metrics_tag(m, M_HTTP_REQS, &k, &v));
    ck_assert_ptr_null(k);

    struct metrics_shard *s = metrics_shard_new(m);
    metrics_add(s, hold, 10);
    metrics_add(s, hold, 30);
    metrics_add(s, M_HTTP_REQ_DURATION, 1000);
    metrics_merge(m, s);
    double out;
    ck_assert_int_eq(metrics_trend(m, hold, "count", &out), 0);
    ck_assert_double_eq(out, 2);
    ck_assert_int_eq(metrics_trend(m, M_HTTP_REQ_DURATION, "count", &out), 0);
    ck_assert_double_eq(out, 3);
    ck_assert_int_eq(metrics_trend(m, hold, "max", &out), 0);
    ck_assert_double_eq(out, 30);
    metrics_shard_free(s);
    metrics_free(m);
}
END_TEST

START_TEST(test_counter_rate_gauge)
{
    struct metrics *m = metrics_new();
    struct metrics_shard *s = metrics_shard_new(m);
    metrics_add(s, M_HTTP_REQS, 1);
    metrics_add(s, M_HTTP_REQS, 1);
    metrics_add(s, M_DATA_SENT, 1500.5);
    metrics_add(s, M_HTTP_REQ_FAILED, 0);
    metrics_add(s, M_HTTP_REQ_FAILED, 1);
    metrics_add(s, M_HTTP_REQ_FAILED, 0);
    metrics_add(s, M_HTTP_REQ_FAILED, 0);
    metrics_add(s, M_VUS, 5);
    metrics_add(s, M_VUS, 50);
    metrics_add(s, M_VUS, 20);
    metrics_add(s, M_HTTP_REQS, NAN);
    metrics_add(s, -1, 1);
    metrics_add(s, 9999, 1);
    ck_assert(!metrics_has_data(m, M_HTTP_REQS)); /* not merged yet */
    metrics_merge(m, s);
    ck_assert(metrics_has_data(m, M_HTTP_REQS));
    ck_assert_double_eq(metrics_counter(m, M_HTTP_REQS), 2);
    ck_assert_double_eq(metrics_counter_rate(m, M_HTTP_REQS, 4), 0.5);
    ck_assert_double_eq(metrics_counter_rate(m, M_HTTP_REQS, 0), 0);
    ck_assert_double_eq(metrics_counter(m, M_DATA_SENT), 1500.5);
    ck_assert_uint_eq(metrics_rate_trues(m, M_HTTP_REQ_FAILED), 1);
    ck_assert_uint_eq(metrics_rate_total(m, M_HTTP_REQ_FAILED), 4);
    ck_assert_double_eq(metrics_rate(m, M_HTTP_REQ_FAILED), 0.25);
    ck_assert_double_eq(metrics_rate(m, M_CHECKS), 0);
    ck_assert_double_eq(metrics_gauge(m, M_VUS), 20);
    ck_assert_double_eq(metrics_gauge_min(m, M_VUS), 5);
    ck_assert_double_eq(metrics_gauge_max(m, M_VUS), 50);
    ck_assert(!metrics_has_data(m, M_VUS_MAX));
    metrics_reset_merged(m);
    ck_assert(!metrics_has_data(m, M_HTTP_REQS));
    ck_assert_double_eq(metrics_counter(m, M_HTTP_REQS), 0);
    metrics_merge(m, s); /* the shard is unchanged by a merge */
    ck_assert_double_eq(metrics_counter(m, M_HTTP_REQS), 2);
    metrics_shard_free(s);
    metrics_free(m);
}
END_TEST

START_TEST(test_gauge_merge_last_set_wins)
{
    struct metrics *m = metrics_new();
    struct metrics_shard *a = metrics_shard_new(m), *b = metrics_shard_new(m);
    metrics_add(a, M_VUS, 3);
    metrics_add(b, M_VUS, 100);
    metrics_add(b, M_VUS, 7);
    metrics_add(a, M_VUS, 9); /* set last, on shard a */
    metrics_merge(m, b);
    metrics_merge(m, a);
    ck_assert_double_eq(metrics_gauge(m, M_VUS), 9);
    metrics_reset_merged(m);
    metrics_merge(m, a);
    metrics_merge(m, b); /* merge order does not matter */
    ck_assert_double_eq(metrics_gauge(m, M_VUS), 9);
    ck_assert_double_eq(metrics_gauge_min(m, M_VUS), 3);
    ck_assert_double_eq(metrics_gauge_max(m, M_VUS), 100);
    metrics_shard_free(a);
    metrics_shard_free(b);
    metrics_free(m);
}
END_TEST

START_TEST(test_trend_stats)
{
    struct metrics *m = metrics_new();
    struct metrics_shard *s = metrics_shard_new(m);
    for (int i = 1; i <= 1000; i++)
        metrics_add(s, M_BOOKING_DURATION, i * 0.5); /* 0.5 .. 500 ms */
    metrics_add(s, M_ITERATION_DURATION, -3);        /* recorded as 0 */
    metrics_merge(m, s);
    double out;
    ck_assert_int_eq(metrics_trend(m, M_BOOKING_DURATION, "count", &out), 0);
    ck_assert_double_eq(out, 1000);
    ck_assert_int_eq(metrics_trend(m, M_BOOKING_DURATION, "min", &out), 0);
    ck_assert_double_eq(out, 0.5);
    ck_assert_int_eq(metrics_trend(m, M_BOOKING_DURATION, "max", &out), 0);
    ck_assert_double_eq(out, 500);
    ck_assert_int_eq(metrics_trend(m, M_BOOKING_DURATION, "avg", &out), 0);
    ck_assert_double_eq_tol(out, 250.25, 1e-9);
    ck_assert_int_eq(metrics_trend(m, M_BOOKING_DURATION, "med", &out), 0);
    ck_assert_double_eq_tol(out, 250, 250 * 0.01);
    ck_assert_int_eq(metrics_trend(m, M_BOOKING_DURATION, "p(95)", &out), 0);
    ck_assert_double_eq_tol(out, 475, 475 * 0.01);
    ck_assert_int_eq(metrics_trend(m, M_BOOKING_DURATION, "p(99.9)", &out), 0);
    ck_assert_double_eq_tol(out, 499.5, 499.5 * 0.01);
    ck_assert_int_eq(metrics_trend(m, M_BOOKING_DURATION, "p(100)", &out), 0);
    ck_assert_double_eq(out, 500);
    ck_assert_int_eq(metrics_trend(m, M_BOOKING_DURATION, "p(0)", &out), -1);
    ck_assert_int_eq(metrics_trend(m, M_BOOKING_DURATION, "p(101)", &out), -1);
    ck_assert_int_eq(metrics_trend(m, M_BOOKING_DURATION, "p(95", &out), -1);
    ck_assert_int_eq(metrics_trend(m, M_BOOKING_DURATION, "mean", &out), -1);
    ck_assert_int_eq(metrics_trend(m, M_HTTP_REQS, "avg", &out), -1);
    ck_assert_int_eq(metrics_trend(m, M_ITERATION_DURATION, "max", &out), 0);
    ck_assert_double_eq(out, 0);
    metrics_shard_free(s);
    metrics_free(m);
}
END_TEST

#define THREADS    4
#define PER_THREAD 100000

static void *worker(void *arg)
{
    struct metrics_shard *s = arg;
    for (int i = 0; i < PER_THREAD; i++) {
        metrics_add(s, M_HTTP_REQS, 1);
        metrics_add(s, M_HTTP_REQ_FAILED, i % 10 == 0);
        metrics_add(s, M_HTTP_REQ_DURATION, (double)(i % 100) + 1);
    }
    return NULL;
}

START_TEST(test_threads_merge)
{
    struct metrics *m = metrics_new();
    struct metrics_shard *s[THREADS];
    pthread_t t[THREADS];
    for (int i = 0; i < THREADS; i++) {
        s[i] = metrics_shard_new(m);
        ck_assert_int_eq(pthread_create(&t[i], NULL, worker, s[i]), 0);
    }
    for (int i = 0; i < THREADS; i++) {
        pthread_join(t[i], NULL);
        metrics_merge(m, s[i]);
        metrics_shard_free(s[i]);
    }
    double out;
    ck_assert_double_eq(metrics_counter(m, M_HTTP_REQS), THREADS * PER_THREAD);
    ck_assert_uint_eq(metrics_rate_trues(m, M_HTTP_REQ_FAILED), THREADS * PER_THREAD / 10);
    ck_assert_int_eq(metrics_trend(m, M_HTTP_REQ_DURATION, "count", &out), 0);
    ck_assert_double_eq(out, THREADS * PER_THREAD);
    ck_assert_int_eq(metrics_trend(m, M_HTTP_REQ_DURATION, "avg", &out), 0);
    ck_assert_double_eq_tol(out, 50.5, 1e-9);
    metrics_free(m);
}
END_TEST

UNIT_MAIN("metrics", test_builtins, test_define, test_registry_full, test_tagged_series,
          test_counter_rate_gauge, test_gauge_merge_last_set_wins, test_trend_stats,
          test_threads_merge)
