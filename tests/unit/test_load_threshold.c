/*
 * test_load_threshold.c: every accepted threshold form, every rejected one with its
 * message, and judging against merged metrics (abortOnFail with its delay included).
 */
#include "unit.h"
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "load/engine/threshold.h"

static const struct good {
    const char *expr;
    enum metric_type type;
    enum thr_agg agg;
    double pct;
    enum thr_op op;
    double target;
    const char *stat;
} goods[] = {
    { "p(95)<2000", METRIC_TREND, THR_PCT, 95, THR_LT, 2000, "p(95)" },
    { "p(99.9) <= 1.5", METRIC_TREND, THR_PCT, 99.9, THR_LE, 1.5, "p(99.9)" },
    { "  p( 90 ) > 0.25  ", METRIC_TREND, THR_PCT, 90, THR_GT, 0.25, "p(90)" },
    { "avg<100", METRIC_TREND, THR_AVG, 0, THR_LT, 100, "avg" },
    { "min>=-1", METRIC_TREND, THR_MIN, 0, THR_GE, -1, "min" },
    { "max!=3", METRIC_TREND, THR_MAX_AGG, 0, THR_NE, 3, "max" },
    { "med==7", METRIC_TREND, THR_MED, 0, THR_EQ, 7, "med" },
    { "p(100)<1", METRIC_TREND, THR_PCT, 100, THR_LT, 1, "p(100)" },
    { "count==0", METRIC_COUNTER, THR_COUNT, 0, THR_EQ, 0, "count" },
    { "count === 0", METRIC_COUNTER, THR_COUNT, 0, THR_EQ, 0, "count" },
    { "rate>10.5", METRIC_COUNTER, THR_RATE, 0, THR_GT, 10.5, "rate" },
    { "rate<0.1", METRIC_RATE, THR_RATE, 0, THR_LT, 0.1, "rate" },
    { "rate < .01", METRIC_RATE, THR_RATE, 0, THR_LT, 0.01, "rate" },
    { "value<=50", METRIC_GAUGE, THR_VALUE, 0, THR_LE, 50, "value" },
};

START_TEST(test_parse_good)
{
    const struct good *g = &goods[_i];
    struct thr_threshold t;
    char err[256] = "";
    ck_assert_msg(thr_parse(g->expr, g->type, &t, err, sizeof err) == 0, "%s: %s", g->expr, err);
    ck_assert_int_eq(t.agg, g->agg);
    ck_assert_double_eq(t.pct, g->pct);
    ck_assert_int_eq(t.op, g->op);
    ck_assert_double_eq(t.target, g->target);
    ck_assert_str_eq(t.stat, g->stat);
    ck_assert_int_eq(t.series, -1);
}
END_TEST

static const struct bad {
    const char *expr;
    enum metric_type type;
    const char *message;
} bads[] = {
    { "", METRIC_TREND, "threshold '': the expression is empty" },
    { "   ", METRIC_TREND, "threshold '   ': the expression is empty" },
    { "p(95)=2000", METRIC_TREND, "threshold 'p(95)=2000': '=' is not an operator, use '=='" },
    { "p(95)2000", METRIC_TREND,
      "threshold 'p(95)2000': expected an operator (<, <=, >, >=, ==, !=) after 'p(95)'" },
    { "p(95)", METRIC_TREND,
      "threshold 'p(95)': expected an operator (<, <=, >, >=, ==, !=) after 'p(95)'" },
    { "p(95)<", METRIC_TREND, "threshold 'p(95)<': expected a number after the operator" },
    { "p(95)<abc", METRIC_TREND, "threshold 'p(95)<abc': expected a number after the operator" },
    { "p(95)<20 ms", METRIC_TREND, "threshold 'p(95)<20 ms': unexpected 'ms' after the number" },
    { "p(95)<1e999", METRIC_TREND, "threshold 'p(95)<1e999': the number is out of range" },
    { "p(0)<5", METRIC_TREND,
      "threshold 'p(0)<5': percentile p(0) is out of range, N must be in (0, 100]" },
    { "p(101)<5", METRIC_TREND,
      "threshold 'p(101)<5': percentile p(101) is out of range, N must be in (0, 100]" },
    { "p95<5", METRIC_TREND,
      "threshold 'p95<5': malformed percentile, expected p(N) such as p(95) or p(99.9)" },
    { "p(95<5", METRIC_TREND,
      "threshold 'p(95<5': malformed percentile, expected p(N) such as p(95) or p(99.9)" },
    { "p(x)<5", METRIC_TREND,
      "threshold 'p(x)<5': malformed percentile, expected p(N) such as p(95) or p(99.9)" },
    { "mean<5", METRIC_TREND,
      "threshold 'mean<5': unknown aggregation 'mean' (for a trend: avg, min, max, med or p(N))" },
    { "<5", METRIC_RATE, "threshold '<5': expected an aggregation (for a rate: rate)" },
    { "rate<0.1", METRIC_TREND,
      "threshold 'rate<0.1': 'rate' does not apply to a trend metric (use avg, min, max, med or p(N))" },
    { "count<3", METRIC_RATE,
      "threshold 'count<3': 'count' does not apply to a rate metric (use rate)" },
    { "avg<3", METRIC_COUNTER,
      "threshold 'avg<3': 'avg' does not apply to a counter metric (use count or rate)" },
    { "p(95)<3", METRIC_GAUGE,
      "threshold 'p(95)<3': 'p(95)' does not apply to a gauge metric (use value)" },
    { "value<3", METRIC_TREND,
      "threshold 'value<3': 'value' does not apply to a trend metric (use avg, min, max, med or p(N))" },
};

START_TEST(test_parse_bad)
{
    const struct bad *b = &bads[_i];
    struct thr_threshold t = { .series = 77 };
    char err[256] = "";
    ck_assert_int_eq(thr_parse(b->expr, b->type, &t, err, sizeof err), -1);
    ck_assert_str_eq(err, b->message);
    ck_assert_int_eq(t.series, 77);
}
END_TEST

START_TEST(test_add)
{
    struct metrics *m = metrics_new();
    struct thr_set *t = thr_new();
    char err[256] = "";
    ck_assert_int_eq(thr_add(t, m, "http_req_duration", "p(95)<2000", false, 0, err, sizeof err),
                     0);
    ck_assert_int_eq(
        thr_add(t, m, "http_req_duration{name:hold}", "p(99)<500", false, 0, err, sizeof err), 0);
    ck_assert_int_eq(thr_add(t, m, "checks{ check : ok }", "rate>0.99", true, 10, err, sizeof err),
                     0);
    ck_assert_int_eq(thr_count(t), 3);
    int hold = metrics_find(m, "http_req_duration{name:hold}");
    ck_assert_int_ge(hold, 0);
    ck_assert_int_eq(thr_get(t, 1)->series, hold);
    ck_assert_int_eq(thr_get(t, 2)->series, metrics_find(m, "checks{check:ok}"));
    ck_assert(thr_get(t, 2)->abort_on_fail);
    ck_assert_double_eq(thr_get(t, 2)->delay_abort_eval_s, 10);
    ck_assert_str_eq(thr_get(t, 0)->expr, "p(95)<2000");
    ck_assert_ptr_null(thr_get(t, 3));

    ck_assert_int_eq(thr_add(t, m, "no_such_metric", "count<1", false, 0, err, sizeof err), -1);
    ck_assert_str_eq(err, "threshold on unknown metric 'no_such_metric'");
    ck_assert_int_eq(thr_add(t, m, "nope{name:x}", "count<1", false, 0, err, sizeof err), -1);
    ck_assert_str_eq(err, "threshold on unknown metric 'nope'");
    ck_assert_int_eq(thr_add(t, m, "http_reqs{name}", "count<1", false, 0, err, sizeof err), -1);
    ck_assert_str_eq(err, "threshold on 'http_reqs{name}': malformed tags 'name', expected "
                          "key:value[,key:value] (at most 4)");
    ck_assert_int_eq(thr_add(t, m, "http_req_failed", "count<1", false, 0, err, sizeof err), -1);
    ck_assert_str_eq(err, "threshold 'count<1' on http_req_failed: 'count' does not apply to a "
                          "rate metric (use rate)");
    ck_assert_int_eq(thr_count(t), 3);

    static const struct lr_threshold_spec specs[] = {
        { "overbookings", "count==0", true },
        { "vus", "value<=50", false },
        { NULL, NULL, false },
    };
    ck_assert_int_eq(thr_add_specs(t, m, specs, err, sizeof err), 0);
    ck_assert_int_eq(thr_count(t), 5);
    static const struct lr_threshold_spec bad_specs[] = {
        { "iterations", "count>0", false },
        { "vus", "rate<1", false },
        { NULL, NULL, false },
    };
    ck_assert_int_eq(thr_add_specs(t, m, bad_specs, err, sizeof err), -1);
    ck_assert_str_eq(err, "threshold 'rate<1' on vus: 'rate' does not apply to a gauge metric "
                          "(use value)");
    ck_assert_int_eq(thr_count(t), 6);
    thr_free(t);
    metrics_free(m);
}
END_TEST

START_TEST(test_set_full)
{
    struct metrics *m = metrics_new();
    struct thr_set *t = thr_new();
    char err[256] = "";
    for (int i = 0; i < THR_MAX; i++)
        ck_assert_int_eq(thr_add(t, m, "http_reqs", "count>0", false, 0, err, sizeof err), 0);
    ck_assert_int_eq(thr_add(t, m, "http_reqs", "count>0", false, 0, err, sizeof err), -1);
    ck_assert_str_eq(err, "too many thresholds (at most 64)");
    thr_free(t);
    metrics_free(m);
}
END_TEST

START_TEST(test_evaluate)
{
    struct metrics *m = metrics_new();
    struct thr_set *t = thr_new();
    char err[256] = "";
    const struct lr_threshold_spec specs[] = {
        { "http_req_duration", "p(95)<2000", false }, /* 0: ok */
        { "http_req_duration", "max<100", false },    /* 1: fails (max 300) */
        { "http_req_failed", "rate<0.1", false },     /* 2: ok (0.05) */
        { "http_reqs", "count==20", false },          /* 3: ok */
        { "http_reqs", "rate>=2", false },            /* 4: ok (20 in 10 s) */
        { "overbookings", "count==0", true },         /* 5: ok (no data) */
        { "vus", "value==4", false },                 /* 6: ok */
        { "http_req_duration", "avg>0", false },      /* 7: ok */
        { NULL, NULL, false },
    };
    ck_assert_int_eq(thr_add_specs(t, m, specs, err, sizeof err), 0);
    struct metrics_shard *s = metrics_shard_new(m);
    for (int i = 0; i < 20; i++) {
        metrics_add(s, M_HTTP_REQS, 1);
        metrics_add(s, M_HTTP_REQ_FAILED, i == 0);
        metrics_add(s, M_HTTP_REQ_DURATION, i == 19 ? 300 : 10);
    }
    metrics_add(s, M_VUS, 4);
    metrics_merge(m, s);
    ck_assert_int_eq(thr_evaluate(t, m, 10), 1);
    ck_assert(!thr_get(t, 1)->ok);
    ck_assert_double_eq(thr_get(t, 1)->observed, 300);
    ck_assert(thr_get(t, 0)->ok && thr_get(t, 0)->evaluated);
    ck_assert_double_eq_tol(thr_get(t, 0)->observed, 10, 0.1); /* histogram: within 1% */
    ck_assert_double_eq(thr_get(t, 2)->observed, 0.05);
    ck_assert_double_eq(thr_get(t, 4)->observed, 2);
    ck_assert(thr_get(t, 5)->ok);
    ck_assert(thr_get(t, 6)->ok);
    ck_assert_int_eq(thr_evaluate(t, m, 20), 2); /* rate 1/s now fails */
    metrics_shard_free(s);
    thr_free(t);
    metrics_free(m);
}
END_TEST

START_TEST(test_abort)
{
    struct metrics *m = metrics_new();
    struct thr_set *t = thr_new();
    char err[256] = "";
    ck_assert_int_eq(thr_add(t, m, "overbookings", "count==0", true, 5, err, sizeof err), 0);
    ck_assert_int_eq(thr_add(t, m, "http_req_duration", "p(95)<1", false, 0, err, sizeof err), 0);
    struct metrics_shard *s = metrics_shard_new(m);
    metrics_add(s, M_HTTP_REQ_DURATION, 50); /* fails a threshold that does not abort */
    metrics_merge(m, s);
    ck_assert(!thr_should_abort(t, m, 1));
    ck_assert(!thr_get(t, 1)->evaluated);
    metrics_add(s, M_OVERBOOKINGS, 1);
    metrics_reset_merged(m);
    metrics_merge(m, s);
    ck_assert(!thr_should_abort(t, m, 4.9)); /* delayAbortEval not yet passed */
    ck_assert(!thr_get(t, 0)->evaluated);
    ck_assert(thr_should_abort(t, m, 5));
    ck_assert(thr_get(t, 0)->evaluated && !thr_get(t, 0)->ok);
    ck_assert_double_eq(thr_get(t, 0)->observed, 1);
    metrics_shard_free(s);
    thr_free(t);
    metrics_free(m);
}
END_TEST

/* Tagged series see exactly the samples whose tags match; no sample is "no data". */
START_TEST(test_tags_and_no_data)
{
    struct metrics *m = metrics_new();
    struct thr_set *t = thr_new();
    char err[512] = "";
    ck_assert_int_eq(thr_add_cli(t, m, "http_reqs{status:201}=count<=1", err, sizeof err), 0);
    ck_assert_int_eq(
        thr_add_cli(t, m, "http_reqs{status:200,method:POST}=count==3", err, sizeof err), 0);
    ck_assert_int_eq(
        thr_add_cli(t, m, "http_reqs{ method : POST , status : 200 }=count>0", err, sizeof err), 0);
    ck_assert_int_eq(thr_get(t, 2)->series, thr_get(t, 1)->series); /* one series */
    ck_assert_str_eq(metrics_series_name(m, thr_get(t, 1)->series),
                     "http_reqs{method:POST,status:200}");
    ck_assert_int_eq(thr_add_cli(t, m, "http_req_failed=rate<0.5:abort:10s", err, sizeof err), 0);
    ck_assert(thr_get(t, 3)->abort_on_fail);
    ck_assert_double_eq(thr_get(t, 3)->delay_abort_eval_s, 10);
    ck_assert_int_eq(thr_add_cli(t, m, "http_req_failed=rate<0.5:abort", err, sizeof err), 0);
    ck_assert_int_eq(thr_add_cli(t, m, "iterations=count>=0", err, sizeof err), 0);
    struct metrics_shard *s = metrics_shard_new(m);
    struct metrics_tags tags;
    metrics_tags_init(m, &tags);
    tags.v[MT_METHOD] = "POST";
    tags.v[MT_STATUS] = metrics_status_text(200);
    for (int i = 0; i < 3; i++)
        metrics_add_tagged(s, M_HTTP_REQS, &tags, 1);
    tags.v[MT_METHOD] = "GET";
    for (int i = 0; i < 4; i++)
        metrics_add_tagged(s, M_HTTP_REQS, &tags, 1);
    metrics_merge(m, s);
    ck_assert_double_eq(metrics_counter(m, M_HTTP_REQS), 7);
    ck_assert_int_eq(thr_evaluate(t, m, 1), 3); /* no data: 201, and both rates */
    ck_assert(!thr_get(t, 0)->ok && thr_get(t, 0)->no_data);
    ck_assert(thr_get(t, 1)->ok && !thr_get(t, 1)->no_data);
    ck_assert(!thr_get(t, 3)->ok && thr_get(t, 3)->no_data);
    ck_assert(thr_get(t, 5)->ok); /* a metric's counter: 0, not no data */
    metrics_shard_free(s);
    thr_free(t);
    metrics_free(m);
}
END_TEST

START_TEST(test_unknown_keys)
{
    struct metrics *m = metrics_new();
    struct thr_set *t = thr_new();
    char err[512] = "";
    ck_assert_int_eq(thr_add_cli(t, m, "http_reqs{stauts:200}=count>0", err, sizeof err), -1);
    ck_assert_msg(strstr(err, "unknown tag key 'stauts' (known: method status name") != NULL, "%s",
                  err);
    ck_assert_int_eq(thr_add_cli(t, m, "http_reqz=count>0", err, sizeof err), -1);
    ck_assert_msg(strstr(err, "unknown metric 'http_reqz'") != NULL, "%s", err);
    ck_assert_int_eq(thr_add_cli(t, m, "http_reqs{status:200,}=count>0", err, sizeof err), -1);
    ck_assert_int_eq(thr_add_cli(t, m, "http_reqs{status:1,status:2}=count>0", err, sizeof err),
                     -1);
    ck_assert_int_eq(thr_add_cli(t, m, "http_reqs=count>0:abort:x", err, sizeof err), -1);
    ck_assert_int_eq(thr_add_cli(t, m, "http_reqs=count>0:later", err, sizeof err), -1);
    ck_assert_int_eq(thr_add_cli(t, m, "=count>0", err, sizeof err), -1);
    ck_assert_int_eq(thr_count(t), 0);
    ck_assert_int_eq(metrics_run_tag(m, "env", "ci"), 0);
    ck_assert_int_eq(metrics_run_tag(m, "status", "1"), -1); /* built in */
    ck_assert_int_eq(thr_add_cli(t, m, "http_reqs{env:ci}=count>0", err, sizeof err), 0);
    thr_free(t);
    metrics_free(m);
}
END_TEST

int main(void)
{
    Suite *su = suite_create("threshold");
    TCase *tc = tcase_create("threshold");
    tcase_add_loop_test(tc, test_parse_good, 0, sizeof goods / sizeof goods[0]);
    tcase_add_loop_test(tc, test_parse_bad, 0, sizeof bads / sizeof bads[0]);
    tcase_add_test(tc, test_add);
    tcase_add_test(tc, test_set_full);
    tcase_add_test(tc, test_evaluate);
    tcase_add_test(tc, test_abort);
    tcase_add_test(tc, test_tags_and_no_data);
    tcase_add_test(tc, test_unknown_keys);
    suite_add_tcase(su, tc);
    return unit_run_suite(su);
}
