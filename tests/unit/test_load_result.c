/*
 * test_load_result.c: a summary export read back gives the exact histograms that were
 * written; merging the summaries of two halves of a run gives every percentile of the
 * whole; the reader refuses another version, another format, a truncated file and a
 * histogram that does not add up, each with a message saying so; the timeline's
 * per-second figures, and the size of a one-hour run's summary (computed: the largest
 * timeline and many wide histograms).
 */
#include "unit.h"
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "load/engine/export.h"
#include "load/engine/result.h"
#include "load/engine/timeline.h"

/* A registry with a trend filled by f(i) for i in [from, to), plus counters. */
static struct metrics *registry(int from, int to)
{
    struct metrics *m = metrics_new();
    int hold = metrics_series(m, M_HTTP_REQ_DURATION, "name", "hold");
    struct metrics_shard *s = metrics_shard_new(m);
    for (int i = from; i < to; i++) {
        metrics_add(s, i % 3 ? M_HTTP_REQ_DURATION : hold, 0.05 * exp((i % 997) / 90.0));
        metrics_add(s, M_HTTP_REQS, 1);
        metrics_add(s, M_HTTP_REQ_FAILED, i % 10 == 0);
    }
    metrics_add(s, M_VUS, to - from);
    metrics_merge(m, s);
    metrics_shard_free(s);
    return m;
}

static struct result *as_result(const struct metrics *m, const struct timeline *tl, double d)
{
    char err[256] = "";
    json_t *lr = json_pack("{s:s, s:s}", "scenario", "race", "profile", "quick");
    json_t *doc = export_summary_json(m, NULL, tl, d, lr);
    struct result *r = result_from_doc(doc, err, sizeof err);
    ck_assert_msg(r != NULL, "%s", err);
    json_decref(doc);
    json_decref(lr);
    return r;
}

START_TEST(test_round_trip_exact)
{
    struct metrics *m = registry(0, 20000);
    struct result *r = as_result(m, NULL, 10);
    const struct result_series *s = result_find(r, "http_req_duration");
    ck_assert_ptr_nonnull(s);
    const struct hist *h = metrics_hist(m, M_HTTP_REQ_DURATION);
    for (double q = 0.001; q < 1; q += 0.0137)
        ck_assert_uint_eq(hist_quantile(s->hist, q), hist_quantile(h, q));
    ck_assert_uint_eq(hist_count(s->hist), hist_count(h));
    ck_assert_uint_eq(hist_min(s->hist), hist_min(h));
    ck_assert_uint_eq(hist_max(s->hist), hist_max(h));
    ck_assert_uint_eq(hist_sum(s->hist), hist_sum(h));
    ck_assert_double_eq(result_rate(r, result_find(r, "http_reqs")), 2000);
    ck_assert_double_eq(result_rate(r, result_find(r, "http_req_failed")), 0.1);
    ck_assert_str_eq(r->scenario, "race");
    ck_assert_int_eq(r->tl.n, 0);
    result_free(r);
    metrics_free(m);
}
END_TEST

START_TEST(test_merge_halves_is_whole)
{
    char err[256];
    struct metrics *whole = registry(0, 30000), *a = registry(0, 12345),
                   *b = registry(12345, 30000);
    struct result *rw = as_result(whole, NULL, 10), *ra = as_result(a, NULL, 10),
                  *rb = as_result(b, NULL, 9);
    ck_assert_int_eq(result_merge(ra, rb, err, sizeof err), 0);
    const char *names[] = { "http_req_duration", "http_req_duration{name:hold}" };
    for (int k = 0; k < 2; k++) {
        const struct result_series *m = result_find(ra, names[k]), *w = result_find(rw, names[k]);
        for (double q = 0.01; q < 1; q += 0.01)
            ck_assert_double_eq(result_quantile(m, q), result_quantile(w, q));
        ck_assert_uint_eq(hist_sum(m->hist), hist_sum(w->hist));
    }
    ck_assert_double_eq(result_find(ra, "http_reqs")->count, 30000);
    ck_assert_uint_eq(result_find(ra, "http_req_failed")->passes, 3000);
    ck_assert_double_eq(ra->duration_s, 10);
    struct result *other = as_result(b, NULL, 9);
    snprintf(other->scenario, sizeof other->scenario, "last-room");
    ck_assert_int_eq(result_merge(ra, other, err, sizeof err), -1);
    ck_assert_str_eq(err, "cannot merge runs of different scenarios (race and last-room)");
    result_free(other);
    result_free(rw);
    result_free(ra);
    result_free(rb);
    metrics_free(whole);
    metrics_free(a);
    metrics_free(b);
}
END_TEST

/* Write doc to a temporary file, load it, return the result (NULL: err set). */
static struct result *load_text(const char *text, char *err, size_t errlen)
{
    char path[] = "lastroom-result-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    struct result *r = result_load(path, err, errlen);
    unlink(path);
    return r;
}

START_TEST(test_refusals)
{
    char err[512];
    struct metrics *m = registry(0, 1000);
    json_t *doc = export_summary_json(m, NULL, NULL, 5, NULL);
    char *good = json_dumps(doc, JSON_COMPACT);
    struct result *r = load_text(good, err, sizeof err);
    ck_assert_ptr_nonnull(r);
    result_free(r);

    good[strlen(good) / 2] = '\0'; /* truncated */
    ck_assert_ptr_null(load_text(good, err, sizeof err));
    ck_assert_ptr_nonnull(strstr(err, "not valid JSON (corrupt or truncated?)"));

    json_object_set_new(doc, "version", json_integer(2));
    char *text = json_dumps(doc, JSON_COMPACT);
    ck_assert_ptr_null(load_text(text, err, sizeof err));
    ck_assert_ptr_nonnull(
        strstr(err, "summary version 2 is not one this program reads (it reads version 1)"));
    free(text);

    json_object_del(doc, "format"); /* a k6 summary */
    json_object_set_new(doc, "version", json_integer(1));
    text = json_dumps(doc, JSON_COMPACT);
    ck_assert_ptr_null(load_text(text, err, sizeof err));
    ck_assert_ptr_nonnull(strstr(err, "not a lastroom-load summary"));
    free(text);

    json_object_set_new(doc, "format", json_string(EXPORT_FORMAT));
    json_t *h = json_object_get(
        json_object_get(json_object_get(doc, "metrics"), "http_req_duration"), "histogram");
    json_object_set_new(h, "count",
                        json_integer(json_integer_value(json_object_get(h, "count")) + 1));
    text = json_dumps(doc, JSON_COMPACT);
    ck_assert_ptr_null(load_text(text, err, sizeof err));
    ck_assert_ptr_nonnull(strstr(err, "series http_req_duration: histogram: buckets hold"));
    free(text);

    json_object_set_new(h, "buckets", json_pack("[i, i, i]", 1, 2, 3));
    text = json_dumps(doc, JSON_COMPACT);
    ck_assert_ptr_null(load_text(text, err, sizeof err));
    ck_assert_ptr_nonnull(strstr(err, "not pairs of a valid length"));
    free(text);

    json_object_set_new(h, "buckets", json_pack("[i, i]", 0, 1)); /* 1 value of 0 */
    json_object_set_new(h, "count", json_integer(1));
    json_object_set_new(h, "min", json_integer(0));
    json_object_set_new(h, "max", json_integer(0));
    json_object_set_new(
        json_object_get(json_object_get(json_object_get(doc, "metrics"), "http_req_failed"),
                        "values"),
        "passes", json_real(1e300));
    json_object_set_new(doc, "timeline",
                        json_pack("{s:f, s:[i], s:[i], s:[i], s:[f], s:[f], s:[f]}", "step_s",
                                  1e300, "requests", 1, "errors", 0, "vus", 1, "p50_ms", 1.0,
                                  "p95_ms", 1.0, "p99_ms", 1.0));
    text = json_dumps(doc, JSON_COMPACT);
    ck_assert_ptr_null(load_text(text, err, sizeof err)); /* a point 1e300 s wide */
    ck_assert_ptr_nonnull(strstr(err, "timeline: missing or bad columns"));
    free(text);
    json_object_del(doc, "timeline");
    text = json_dumps(doc, JSON_COMPACT);
    r = load_text(text, err, sizeof err); /* a huge count: clamped */
    ck_assert_msg(r != NULL, "%s", err);
    ck_assert_uint_eq(result_find(r, "http_req_failed")->passes, UINT64_MAX);
    result_free(r);
    free(text);

    ck_assert_ptr_null(result_load("no-such-file.json", err, sizeof err));
    ck_assert_str_eq(err, "no-such-file.json: no such file");
    free(good);
    json_decref(doc);
    metrics_free(m);
}
END_TEST

START_TEST(test_timeline_points)
{
    struct timeline *a = timeline_new(10), *b = timeline_new_like(a);
    ck_assert_double_eq(timeline_step(a), 1);
    for (int i = 0; i < 100; i++)
        timeline_request(a, 2.5, i + 1, false); /* 1..100 ms in second 2 */
    timeline_request(b, 2.9, -1, true);         /* no response */
    timeline_request(b, 3.1, 7, true);          /* a failed status */
    timeline_vus(a, 2.2, 5);
    timeline_vus(b, 2.7, 3);
    timeline_request(a, 99, 1, false); /* past the plan: last point */
    ck_assert_int_eq(timeline_merge(a, b), 0);
    struct timeline_point p;
    timeline_get(a, 2, &p);
    ck_assert_uint_eq(p.requests, 101);
    ck_assert_uint_eq(p.errors, 1);
    ck_assert_int_eq(p.vus, 5);
    ck_assert(fabs(p.p50_ms - 50) / 50 < 0.033);
    ck_assert(fabs(p.p95_ms - 95) / 95 < 0.033);
    ck_assert(fabs(p.p99_ms - 99) / 99 < 0.033);
    timeline_get(a, 3, &p);
    ck_assert_uint_eq(p.requests, 1);
    ck_assert_uint_eq(p.errors, 1);
    ck_assert_int_eq(timeline_count(a, 4.2), 5);
    ck_assert_int_eq(timeline_count(a, 1000), 11);
    timeline_get(a, 10, &p);
    ck_assert_uint_eq(p.requests, 1);
    struct timeline *hour = timeline_new(7200); /* 2 s points from 2 h */
    ck_assert_double_eq(timeline_step(hour), 2);
    ck_assert_int_eq(timeline_merge(a, hour), -1);
    timeline_free(hour);
    timeline_free(a);
    timeline_free(b);
}
END_TEST

/* The size of a one-hour run's summary, computed with a full timeline of 3,600 points
 * and 40 trend series each spread over 1 us .. 100 s (wider than real latencies). */
START_TEST(test_one_hour_size)
{
    struct metrics *m = metrics_new();
    int ids[40];
    char name[16];
    for (int k = 0; k < 40; k++) {
        snprintf(name, sizeof name, "t%d", k);
        ids[k] = metrics_series(m, M_HTTP_REQ_DURATION, "name", name);
    }
    struct metrics_shard *s = metrics_shard_new(m);
    struct timeline *tl = timeline_new(3600);
    for (int i = 0; i < 400000; i++) {
        double ms = 0.001 * pow(10, (i % 100000) / 20000.0); /* 1 us .. 100 s */
        metrics_add(s, ids[i % 40], ms);
        timeline_request(tl, (i % 3600) + 0.5, ms, i % 50 == 0);
        timeline_vus(tl, (i % 3600) + 0.5, 1000);
    }
    metrics_merge(m, s);
    json_t *doc = export_summary_json(m, NULL, tl, 3600, NULL);
    char *text = json_dumps(doc, JSON_INDENT(1) | JSON_REAL_PRECISION(15));
    size_t len = strlen(text);
    printf("# one-hour summary: %zu bytes\n", len);
    ck_assert_uint_lt(len, 4u << 20);
    free(text);
    json_decref(doc);
    timeline_free(tl);
    metrics_shard_free(s);
    metrics_free(m);
}
END_TEST

int main(void)
{
    Suite *su = suite_create("result");
    TCase *tc = tcase_create("result");
    tcase_add_test(tc, test_round_trip_exact);
    tcase_add_test(tc, test_merge_halves_is_whole);
    tcase_add_test(tc, test_refusals);
    tcase_add_test(tc, test_timeline_points);
    tcase_add_test(tc, test_one_hour_size);
    suite_add_tcase(su, tc);
    return unit_run_suite(su);
}
