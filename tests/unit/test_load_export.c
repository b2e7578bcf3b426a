/*
 * test_load_export.c: the summary export parses and agrees with the registry's own
 * figures; the NDJSON output written from several threads is one valid JSON object
 * per line, with every Metric and Point line accounted for.
 */
#include "unit.h"
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "load/engine/export.h"

struct fixture {
    struct metrics *m;
    struct thr_set *thr;
    int hold;
};

static void fixture_init(struct fixture *f)
{
    char err[256];
    f->m = metrics_new();
    f->hold = metrics_series(f->m, M_HTTP_REQ_DURATION, "name", "hold");
    struct metrics_shard *s = metrics_shard_new(f->m);
    for (int i = 1; i <= 100; i++) {
        metrics_add(s, M_HTTP_REQS, 1);
        metrics_add(s, M_HTTP_REQ_FAILED, i % 4 == 0);
        metrics_add(s, i % 2 ? f->hold : M_HTTP_REQ_DURATION, i * 3.25);
        metrics_add(s, M_DATA_SENT, 100);
    }
    metrics_add(s, M_VUS, 3);
    metrics_add(s, M_VUS, 8);
    metrics_merge(f->m, s);
    metrics_shard_free(s);
    f->thr = thr_new();
    ck_assert_int_eq(
        thr_add(f->thr, f->m, "http_req_duration", "p(95)<2000", false, 0, err, sizeof err), 0);
    ck_assert_int_eq(
        thr_add(f->thr, f->m, "http_req_failed", "rate<0.1", false, 0, err, sizeof err), 0);
    ck_assert_int_eq(thr_add(f->thr, f->m, "overbookings", "count==0", false, 0, err, sizeof err),
                     0);
    thr_evaluate(f->thr, f->m, 20);
}

static void fixture_free(struct fixture *f)
{
    thr_free(f->thr);
    metrics_free(f->m);
}

static double value_of(json_t *doc, const char *series, const char *key)
{
    json_t *v = json_object_get(
        json_object_get(json_object_get(json_object_get(doc, "metrics"), series), "values"), key);
    ck_assert_msg(json_is_number(v), "%s.%s is missing", series, key);
    return json_number_value(v);
}

static void check_trend(json_t *doc, const struct metrics *m, int id)
{
    static const char *const stats[] = { "avg", "min", "med", "max", "p(90)", "p(95)", "p(99)" };
    for (size_t i = 0; i < sizeof stats / sizeof stats[0]; i++) {
        double want;
        ck_assert_int_eq(metrics_trend(m, id, stats[i], &want), 0);
        ck_assert_double_eq_tol(value_of(doc, metrics_series_name(m, id), stats[i]), want, 1e-9);
    }
}

START_TEST(test_summary_export)
{
    struct fixture f;
    fixture_init(&f);
    json_t *verdict = json_pack("{s:i, s:i}", "successful", 1, "refused", 49);
    json_t *built = export_summary_json(f.m, f.thr, NULL, 20, verdict);
    char *text = json_dumps(built, JSON_COMPACT);
    json_error_t jerr;
    json_t *doc = json_loads(text, 0, &jerr);
    ck_assert_msg(doc != NULL, "summary export does not parse: %s", jerr.text);

    check_trend(doc, f.m, M_HTTP_REQ_DURATION);
    check_trend(doc, f.m, f.hold);
    ck_assert_double_eq(value_of(doc, "http_reqs", "count"), metrics_counter(f.m, M_HTTP_REQS));
    ck_assert_double_eq(value_of(doc, "http_reqs", "rate"), 5);
    ck_assert_double_eq(value_of(doc, "http_req_failed", "rate"), 0.25);
    ck_assert_double_eq(value_of(doc, "http_req_failed", "passes"), 25);
    ck_assert_double_eq(value_of(doc, "http_req_failed", "fails"), 75);
    ck_assert_double_eq(value_of(doc, "vus", "value"), 8);
    ck_assert_double_eq(value_of(doc, "vus", "min"), 3);
    ck_assert_double_eq(value_of(doc, "vus", "max"), 8);
    ck_assert_double_eq(value_of(doc, "overbookings", "count"), 0); /* has a threshold */
    ck_assert_ptr_null(json_object_get(json_object_get(doc, "metrics"), "iterations"));

    json_t *metrics = json_object_get(doc, "metrics");
    json_t *dur = json_object_get(metrics, "http_req_duration");
    ck_assert_str_eq(json_string_value(json_object_get(dur, "type")), "trend");
    ck_assert_str_eq(json_string_value(json_object_get(dur, "contains")), "time");
    ck_assert(json_is_true(
        json_object_get(json_object_get(json_object_get(dur, "thresholds"), "p(95)<2000"), "ok")));
    json_t *failed = json_object_get(metrics, "http_req_failed");
    ck_assert(json_is_false(
        json_object_get(json_object_get(json_object_get(failed, "thresholds"), "rate<0.1"), "ok")));
    ck_assert_str_eq(
        json_string_value(json_object_get(json_object_get(metrics, "data_sent"), "contains")),
        "data");
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(metrics, "vus"), "type")),
                     "gauge");
    ck_assert_ptr_null(json_object_get(json_object_get(metrics, "http_reqs"), "thresholds"));
    ck_assert_double_eq(
        json_number_value(json_object_get(json_object_get(doc, "state"), "testRunDurationMs")),
        20000);
    ck_assert_int_eq(
        json_integer_value(json_object_get(json_object_get(doc, "lastroom"), "refused")), 49);
    free(text);
    json_decref(doc);
    json_decref(built);
    json_decref(verdict);
    fixture_free(&f);
}
END_TEST

START_TEST(test_summary_write_file)
{
    struct fixture f;
    fixture_init(&f);
    char path[] = "lastroom-export-XXXXXX", err[256] = "";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    close(fd);
    json_t *built = export_summary_json(f.m, f.thr, NULL, 20, NULL);
    ck_assert_int_eq(export_write_json(path, built, err, sizeof err), 0);
    json_error_t jerr;
    json_t *doc = json_load_file(path, 0, &jerr);
    unlink(path);
    ck_assert_msg(doc != NULL, "%s", jerr.text);
    ck_assert(json_is_object(json_object_get(doc, "lastroom")));
    ck_assert_int_eq(json_object_size(json_object_get(doc, "lastroom")), 0);
    json_decref(doc);
    ck_assert_int_eq(export_write_json("no-such-dir/x.json", built, err, sizeof err), -1);
    ck_assert_str_eq(err, "could not write no-such-dir/x.json");
    json_decref(built);
    fixture_free(&f);
}
END_TEST

#define THREADS 4
#define POINTS  5000
#define T0      1700000000123456789LL /* 2023-11-14T22:13:20.123456789Z */

struct job {
    struct export_ndjson *x;
    int id;
};

static void *point_writer(void *arg)
{
    struct job *j = arg;
    struct export_ndjson_writer *w = export_ndjson_writer_new(j->x);
    for (int i = 0; i < POINTS; i++)
        export_ndjson_point(w, j->id, i * 0.5, T0 + i);
    export_ndjson_point(w, j->id, 1.0 / 0.0, T0); /* skipped */
    export_ndjson_writer_free(w);
    return NULL;
}

START_TEST(test_ndjson)
{
    struct fixture f;
    fixture_init(&f);
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    struct export_ndjson *x = export_ndjson_new(out, f.m, f.thr);
    ck_assert_ptr_nonnull(x);
    pthread_t t[THREADS];
    struct job jobs[THREADS];
    for (int i = 0; i < THREADS; i++) {
        jobs[i] = (struct job){ x, i % 2 ? f.hold : M_HTTP_REQS };
        ck_assert_int_eq(pthread_create(&t[i], NULL, point_writer, &jobs[i]), 0);
    }
    for (int i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
    ck_assert_int_eq(export_ndjson_finish(x), 0);
    fclose(out);

    int metric_lines = 0, point_lines = 0, tagged = 0;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        json_error_t jerr;
        json_t *j = json_loads(line, 0, &jerr);
        ck_assert_msg(j != NULL, "line does not parse: %s: %s", jerr.text, line);
        const char *type = json_string_value(json_object_get(j, "type"));
        json_t *data = json_object_get(j, "data");
        if (strcmp(type, "Metric") == 0) {
            metric_lines++;
            ck_assert_str_eq(json_string_value(json_object_get(data, "name")),
                             json_string_value(json_object_get(j, "metric")));
            if (strcmp(json_string_value(json_object_get(j, "metric")), "http_req_duration") == 0) {
                ck_assert_str_eq(
                    json_string_value(json_array_get(json_object_get(data, "thresholds"), 0)),
                    "p(95)<2000");
                ck_assert_str_eq(json_string_value(json_object_get(data, "type")), "trend");
                ck_assert_str_eq(json_string_value(json_object_get(data, "contains")), "time");
            }
        } else {
            ck_assert_str_eq(type, "Point");
            point_lines++;
            const char *time = json_string_value(json_object_get(data, "time"));
            ck_assert_int_eq(strncmp(time, "2023-11-14T22:13:20.1234", 24), 0);
            ck_assert_int_eq(strlen(time), 30);
            json_t *tags = json_object_get(data, "tags");
            if (json_object_get(tags, "name")) {
                tagged++;
                ck_assert_str_eq(json_string_value(json_object_get(tags, "name")), "hold");
                ck_assert_str_eq(json_string_value(json_object_get(j, "metric")),
                                 "http_req_duration");
            } else {
                ck_assert_str_eq(json_string_value(json_object_get(j, "metric")), "http_reqs");
            }
        }
        json_decref(j);
    }
    ck_assert_int_eq(metric_lines, M_BUILTIN_COUNT);
    ck_assert_int_eq(point_lines, THREADS * POINTS);
    ck_assert_int_eq(tagged, THREADS / 2 * POINTS);
    free(text);
    fixture_free(&f);
}
END_TEST

START_TEST(test_ndjson_time)
{
    struct fixture f;
    fixture_init(&f);
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    struct export_ndjson *x = export_ndjson_new(out, f.m, NULL);
    struct export_ndjson_writer *w = export_ndjson_writer_new(x);
    export_ndjson_point(w, M_VUS, 7, T0);
    export_ndjson_writer_free(w);
    ck_assert_int_eq(export_ndjson_finish(x), 0);
    fclose(out);
    const char *last = strstr(text, "{\"type\":\"Point\"");
    ck_assert_str_eq(last,
                     "{\"type\":\"Point\",\"data\":{\"time\":\"2023-11-14T22:13:20.123456789Z\","
                     "\"value\":7,\"tags\":{}},\"metric\":\"vus\"}\n");
    free(text);
    fixture_free(&f);
}
END_TEST

UNIT_MAIN("export", test_summary_export, test_summary_write_file, test_ndjson, test_ndjson_time)
