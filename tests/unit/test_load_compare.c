/*
 * test_load_compare.c: compare's rule on runs built for it (steady and noisy per-second
 * latencies, a 20% and a 5% slowdown, sub-millisecond changes, a falling request rate),
 * the tolerance's syntax; and the report and JUnit of a summary whose strings are
 * hostile (markup in the scenario, series and threshold names): all of it escaped, a
 * failed threshold shown with its observed value; the report's four charts with the
 * faults shaded on each, and a summary without a timeline saying so.
 */
#include "unit.h"
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "load/engine/compare.h"
#include "load/engine/export.h"
#include "load/engine/junit.h"
#include "load/engine/report.h"
#include "load/engine/timeline.h"

#define SECONDS 30

/* A run of SECONDS seconds, 100 requests a second (rps_scale times that), each second's
 * latencies base_ms * (1 + spread * ((s % 3) - 1)) * (1 + i/1000), scaled by slow. */
static struct result *run(double base_ms, double spread, double slow, double rps_scale)
{
    char err[256];
    struct metrics *m = metrics_new();
    struct metrics_shard *sh = metrics_shard_new(m);
    struct timeline *tl = timeline_new(SECONDS);
    int n = (int)(100 * rps_scale);
    for (int s = 0; s < SECONDS; s++)
        for (int i = 0; i < n; i++) {
            double ms = base_ms * (1 + spread * ((s % 3) - 1)) * (1 + i / 1000.0) * slow;
            metrics_add(sh, M_HTTP_REQ_DURATION, ms);
            metrics_add(sh, M_HTTP_REQS, 1);
            metrics_add(sh, M_HTTP_REQ_FAILED, 0);
            timeline_request(tl, s + 0.5, ms, false);
        }
    metrics_merge(m, sh);
    json_t *lr = json_pack("{s:s, s:s}", "scenario", "http", "profile", "full");
    json_t *doc = export_summary_json(m, NULL, tl, SECONDS, lr);
    struct result *r = result_from_doc(doc, err, sizeof err);
    ck_assert_msg(r != NULL, "%s", err);
    json_decref(doc);
    json_decref(lr);
    timeline_free(tl);
    metrics_shard_free(sh);
    metrics_free(m);
    return r;
}

/* compare's table for base and cur; returns the regression count, *table set. */
static int compare(const struct result *b, const struct result *c, char **table)
{
    size_t len;
    char err[256];
    FILE *f = open_memstream(table, &len);
    int n = compare_runs(f, b, c, 0.10, err, sizeof err);
    fclose(f);
    return n;
}

static bool row_regressed(const char *table, const char *series, const char *stat)
{
    char want[128];
    snprintf(want, sizeof want, "\n%-40s %-6s ", series, stat);
    const char *row = strstr(table, want);
    ck_assert_msg(row != NULL, "no row %s %s in\n%s", series, stat, table);
    const char *end = strchr(row + 1, '\n');
    return memmem(row, (size_t)(end - row), "REGRESSED", 9) != NULL;
}

START_TEST(test_rule)
{
    char *t;
    struct result *steady = run(20, 0.02, 1, 1);
    ck_assert_int_eq(compare(steady, steady, &t), 0); /* itself */
    free(t);

    struct result *slower = run(20, 0.02, 1.2, 1); /* +20%, steady: caught */
    ck_assert_int_ge(compare(steady, slower, &t), 1);
    ck_assert(row_regressed(t, "http_req_duration", "p95"));
    free(t);

    struct result *bit = run(20, 0.02, 1.05, 1); /* +5% < tolerance */
    ck_assert_int_eq(compare(steady, bit, &t), 0);
    free(t);

    struct result *noisy = run(20, 0.9, 1, 1), *noisy_slower = run(20, 0.9, 1.15, 1);
    ck_assert_int_eq(compare(noisy, noisy_slower, &t), 0); /* +15% inside the noise */
    ck_assert(!row_regressed(t, "http_req_duration", "p95"));
    free(t);
    struct result *steady15 = run(20, 0.02, 1.15, 1); /* the same +15%, steady: caught */
    ck_assert(compare(steady, steady15, &t) >= 1 && row_regressed(t, "http_req_duration", "p95"));
    free(t);
    result_free(steady15);

    struct result *tiny = run(0.2, 0.01, 1, 1), *tiny_slower = run(0.2, 0.01, 1.5, 1);
    ck_assert_int_eq(compare(tiny, tiny_slower, &t), 0); /* +50% of 0.2 ms < 1 ms */
    free(t);

    struct result *fewer = run(20, 0.02, 1, 0.5); /* half the requests/s */
    ck_assert_int_ge(compare(steady, fewer, &t), 1);
    ck_assert(row_regressed(t, "http_reqs", "rate"));
    ck_assert(!row_regressed(t, "http_req_duration", "p95"));
    free(t);
    ck_assert_int_eq(compare(fewer, steady, &t), 0); /* improvements are not */
    free(t);

    struct result *other = run(20, 0.02, 1, 1);
    snprintf(other->scenario, sizeof other->scenario, "race");
    char err[256];
    ck_assert_int_eq(compare_runs(stdout, steady, other, 0.1, err, sizeof err), -1);
    ck_assert_str_eq(err,
                     "the two runs are of different scenarios (http and race): nothing to compare");
    struct result *all[] = { steady, slower,      bit,   noisy, noisy_slower,
                             tiny,   tiny_slower, fewer, other };
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        result_free(all[i]);
}
END_TEST

START_TEST(test_tolerance)
{
    double v;
    ck_assert_int_eq(compare_tolerance("10%", &v), 0);
    ck_assert_double_eq_tol(v, 0.10, 1e-12);
    ck_assert_int_eq(compare_tolerance("0.25", &v), 0);
    ck_assert_double_eq_tol(v, 0.25, 1e-12);
    ck_assert_int_eq(compare_tolerance("ten", &v), -1);
    ck_assert_int_eq(compare_tolerance("10%%", &v), -1);
    ck_assert_int_eq(compare_tolerance("0", &v), -1);
    ck_assert_int_eq(compare_tolerance("-5%", &v), -1);
    ck_assert_int_eq(compare_tolerance("", &v), -1);
}
END_TEST

static char *render(int (*write)(FILE *, const struct result *), const struct result *r)
{
    char *text;
    size_t len;
    FILE *f = open_memstream(&text, &len);
    ck_assert_int_eq(write(f, r), 0);
    fclose(f);
    return text;
}

START_TEST(test_hostile_strings)
{
    char err[256];
    struct metrics *m = metrics_new();
    int s = metrics_series(m, M_HTTP_REQ_DURATION, "name", "<script>x</script>");
    struct metrics_shard *sh = metrics_shard_new(m);
    metrics_add(sh, s, 12.5);
    metrics_merge(m, sh);
    struct thr_set *thr = thr_new();
    ck_assert_int_eq(thr_add(thr, m, "http_req_duration{name:<script>x</script>}", "p(95)<1", false,
                             0, err, sizeof err),
                     0);
    thr_evaluate(thr, m, 1);
    json_t *lr =
        json_pack("{s:s, s:s, s:s, s:{s:i}}", "scenario", "<img src=x onerror=1>", "profile",
                  "'\"&", "verdict", "</pre><script>\x01", "verify", "overbookings", 2);
    json_t *doc = export_summary_json(m, thr, NULL, 1, lr);
    struct result *r = result_from_doc(doc, err, sizeof err);
    ck_assert_msg(r != NULL, "%s", err);
    char *html = render(report_write, r), *xml = render(junit_write, r);
    ck_assert_ptr_null(strstr(html, "<script"));
    ck_assert_ptr_null(strstr(html, "<img"));
    ck_assert_ptr_null(strchr(html, '\x01'));
    ck_assert_ptr_nonnull(strstr(html, "&lt;img src=x onerror=1&gt;"));
    ck_assert_ptr_nonnull(strstr(html, "id='verdict' class='fail'>FAILED"));
    ck_assert_ptr_null(strstr(xml, "<script"));
    ck_assert_ptr_nonnull(strstr(xml, "<testcase classname='lastroom-load.&lt;img src=x "
                                      "onerror=1&gt;.thresholds' name='http_req_duration"
                                      "{name:&lt;script&gt;x&lt;/script&gt;}: p(95)&lt;1'>"));
    ck_assert_ptr_nonnull(strstr(xml, "failed: observed 12.5'/>"));
    ck_assert_ptr_nonnull(strstr(xml, "message='overbookings: observed 2, expected 0'/>"));
    ck_assert_ptr_nonnull(strstr(xml, "<testsuite name='verification' tests='1' failures='1'"));
    free(html);
    free(xml);
    result_free(r);
    json_decref(doc);
    json_decref(lr);
    thr_free(thr);
    metrics_shard_free(sh);
    metrics_free(m);
}
END_TEST

static int count_of(const char *text, const char *what)
{
    int n = 0;
    for (const char *p = text; (p = strstr(p, what)); p++)
        n++;
    return n;
}

START_TEST(test_report_charts_and_faults)
{
    char err[256];
    struct result *r = run(20, 0.02, 1, 1);
    json_t *lr = json_object_get(r->doc, "lastroom");
    json_object_set_new(lr, "nemesis",
                        json_pack("{s:[{s:s, s:f, s:f}, {s:s, s:f, s:f}]}", "timeline", "kind",
                                  "latency", "start_s", 3.0, "end_s", 8.0, "kind", "kill-backends",
                                  "start_s", 12.0, "end_s", 12.0));
    struct result *again = result_from_doc(r->doc, err, sizeof err);
    ck_assert_ptr_nonnull(again);
    char *html = render(report_write, again);
    ck_assert_int_eq(count_of(html, "<svg id='chart-"), 4);
    ck_assert_int_eq(count_of(html, "class='fault'"), 8); /* 2 faults x 4 charts */
    ck_assert_int_eq(count_of(html, "<polyline"), 6);     /* rps, vus, 3 latencies, errors */
    ck_assert_ptr_nonnull(strstr(html, "<td>kill-backends</td><td class='num'>12.00 s</td>"));
    ck_assert_ptr_nonnull(strstr(html, "id='verdict' class='pass'>PASSED"));
    free(html);
    json_object_del(again->doc, "timeline");
    struct result *none = result_from_doc(again->doc, err, sizeof err);
    html = render(report_write, none);
    ck_assert_int_eq(count_of(html, "<svg"), 0);
    ck_assert_ptr_nonnull(strstr(html, "This summary has no timeline."));
    free(html);
    result_free(none);
    result_free(again);
    result_free(r);
}
END_TEST

int main(void)
{
    Suite *su = suite_create("compare");
    TCase *tc = tcase_create("compare");
    tcase_add_test(tc, test_rule);
    tcase_add_test(tc, test_tolerance);
    tcase_add_test(tc, test_hostile_strings);
    tcase_add_test(tc, test_report_charts_and_faults);
    suite_add_tcase(su, tc);
    return unit_run_suite(su);
}
