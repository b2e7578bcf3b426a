/*
 * test_load_nemesis.c: a run of the fault schedule (with stand-in scripts: /bin/true
 * injects, /bin/false fails) fills the timeline, counts injected and failed faults,
 * puts unknown outcomes in their fault's window, and reports them (nemreport).
 */
#include "unit.h"
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "common/clock.h"
#include "load/booking/nemesis.h"
#include "load/booking/nemreport.h"

/* Run the schedule to its end (at most 20 s) and return the nemesis, stopped. */
static struct nemesis *run_schedule(const char *script, const struct nemesis_event *ev, int n,
                                    int unknown_marks)
{
    struct nemesis_config c = { .script = script,
                                .db_url = "postgresql://x",
                                .proxy_ctl = "127.0.0.1:1" };
    char err[256];
    struct nemesis *x = nemesis_new(&c, ev, n, 10, err, sizeof err);
    ck_assert_msg(x != NULL, "%s", err);
    ck_assert_int_eq(nemesis_start(x, err, sizeof err), 0);
    for (int i = 0; i < unknown_marks; i++)
        nemesis_mark_unknown(x, clock_mono_ns());
    for (int i = 0; i < 2000 && !nemesis_done(x); i++) {
        struct timespec ts = { 0, 10000000 };
        nanosleep(&ts, NULL);
    }
    ck_assert(nemesis_done(x));
    nemesis_stop(x);
    return x;
}

START_TEST(test_run)
{
    struct nemesis_event ev[] = {
        { NEMESIS_RESET, 0.05, 0.05 },
        { NEMESIS_KILL_BACKENDS, 0, 0 },
    };
    struct nemesis *x = run_schedule("/bin/true", ev, 2, 3);
    ck_assert_int_eq(nemreport_injected(x, NEMESIS_KILL_BACKENDS), 1);
    ck_assert_int_eq(nemreport_injected(x, NEMESIS_RESET), 1);
    ck_assert_int_eq(nemreport_injected(x, NEMESIS_DOWN), 0);
    json_t *j = nemreport_json(x);
    ck_assert_int_eq(json_integer_value(json_object_get(j, "unknown_requests")), 3);
    ck_assert_int_eq(json_integer_value(json_object_get(j, "unknown_around_faults")), 3);
    json_t *kb = json_object_get(json_object_get(j, "faults"), "kill-backends");
    ck_assert_int_eq(json_integer_value(json_object_get(kb, "injected")), 1);
    ck_assert_int_eq(json_integer_value(json_object_get(kb, "unknown")), 3);
    json_t *tl = json_object_get(j, "timeline");
    ck_assert_uint_eq(json_array_size(tl), 2); /* sorted by start */
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(tl, 0), "kind")),
                     "kill-backends");
    json_decref(j);
    char report[4096];
    ck_assert_uint_gt(nemreport_text(x, report, sizeof report), 0);
    ck_assert_ptr_nonnull(strstr(report, "Nemesis timeline"));
    ck_assert_ptr_nonnull(strstr(report, "reset                 1/1 injected"));
    nemesis_free(x);
}
END_TEST

START_TEST(test_failed_and_skipped)
{
    struct nemesis_event ev[] = { { NEMESIS_DOWN, 0, 0 } };
    struct nemesis *x = run_schedule("/bin/false", ev, 1, 0);
    ck_assert_int_eq(nemreport_injected(x, NEMESIS_DOWN), 0);
    json_t *j = nemreport_json(x);
    json_t *d = json_object_get(json_object_get(j, "faults"), "down");
    ck_assert_int_eq(json_integer_value(json_object_get(d, "failed")), 1);
    json_decref(j);
    nemesis_free(x);
    /* stopped before its time: the event is skipped, not run */
    struct nemesis_config c = { .script = "/bin/true", .proxy_ctl = "127.0.0.1:1" };
    struct nemesis_event later = { NEMESIS_DOWN, 60, 1 };
    char err[256], report[2048];
    x = nemesis_new(&c, &later, 1, 10, err, sizeof err);
    ck_assert_int_eq(nemesis_start(x, err, sizeof err), 0);
    nemesis_stop(x);
    ck_assert_int_eq(nemreport_injected(x, NEMESIS_DOWN), 0);
    nemreport_text(x, report, sizeof report);
    ck_assert_ptr_nonnull(strstr(report, "not run"));
    nemesis_free(x);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("nemesis");
    TCase *tc = tcase_create("nemesis");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_run);
    tcase_add_test(tc, test_failed_and_skipped);
    suite_add_tcase(s, tc);
    return unit_run_suite(s);
}
