/*
 * test_load_nemesis.c: the fault schedule: specs parse with their defaults and are
 * refused when malformed, each kind names what it needs, and a run of the schedule
 * (with stand-in scripts: /bin/true injects, /bin/false fails) fills the timeline,
 * counts injected and failed faults, and puts unknown outcomes in their fault's window.
 */
#include "unit.h"
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "load/booking/nemesis.h"

START_TEST(test_parse)
{
    struct nemesis_event ev;
    char err[256];
    ck_assert_int_eq(nemesis_parse("kill-backends@3s", &ev, err, sizeof err), 0);
    ck_assert_int_eq(ev.kind, NEMESIS_KILL_BACKENDS);
    ck_assert_double_eq(ev.start_s, 3);
    ck_assert_double_eq(ev.duration_s, 0);
    ck_assert_int_eq(nemesis_parse("blackhole@1m2s:1500ms", &ev, err, sizeof err), 0);
    ck_assert_int_eq(ev.kind, NEMESIS_BLACKHOLE);
    ck_assert_double_eq(ev.start_s, 62);
    ck_assert_double_eq(ev.duration_s, 1.5);
    ck_assert_int_eq(nemesis_parse("pg-pause@0", &ev, err, sizeof err), 0);
    ck_assert_double_eq(ev.duration_s, 2);             /* the kind's default */
    ck_assert_int_eq(nemesis_parse("latency@2s", &ev, err, sizeof err), 0);
    ck_assert_double_eq(ev.duration_s, 3);
    const char *bad[] = { "kill-backends", "nope@1s", "reset@", "reset@3", "reset@1s:x",
                          "pg-pause@1s:0s", "pg-pause@1s:301s", "@1s", NULL };
    for (int i = 0; bad[i]; i++) {
        err[0] = '\0';
        ck_assert_msg(nemesis_parse(bad[i], &ev, err, sizeof err) == -1, "%s accepted", bad[i]);
        ck_assert_msg(err[0] != '\0', "%s: no reason", bad[i]);
    }
    for (int k = 0; k < NEMESIS_KINDS; k++)
        ck_assert_int_eq(nemesis_kind_parse(nemesis_kind_name((enum nemesis_kind)k)), k);
}
END_TEST

/* The cluster kinds: names, default durations, and --cluster-dir as their one need. */
START_TEST(test_cluster_kinds)
{
    struct nemesis_event ev;
    char err[256];
    const char *names[] = { "node-kill", "primary-crash", "switchover", "api-kill", "pooler-restart" };
    const enum nemesis_kind kinds[] = { NEMESIS_NODE_KILL, NEMESIS_PRIMARY_CRASH, NEMESIS_SWITCHOVER,
                                        NEMESIS_API_KILL, NEMESIS_POOLER_RESTART };
    struct nemesis_config c = { .script = "/bin/true" };
    for (int i = 0; i < 5; i++) {
        char spec[64];
        snprintf(spec, sizeof spec, "%s@5s", names[i]);
        ck_assert_int_eq(nemesis_parse(spec, &ev, err, sizeof err), 0);
        ck_assert_int_eq(ev.kind, kinds[i]);
        ck_assert_double_eq(ev.duration_s, kinds[i] == NEMESIS_API_KILL ? 2 : 0);
        c.cluster_dir = NULL;
        ck_assert_str_eq(nemesis_missing(&c, kinds[i]), "--cluster-dir");
        c.cluster_dir = "var/cluster";
        ck_assert_ptr_null(nemesis_missing(&c, kinds[i]));
    }
    ck_assert_str_eq(nemesis_missing(&c, NEMESIS_DOWN), "--proxy-control");   /* not enough for the others */
}
END_TEST

START_TEST(test_needs)
{
    struct nemesis_config c = { .script = "/bin/true" };
    ck_assert_str_eq(nemesis_missing(&c, NEMESIS_KILL_BACKENDS), "--db");
    ck_assert_str_eq(nemesis_missing(&c, NEMESIS_PG_PAUSE), "--pgdir");
    ck_assert_str_eq(nemesis_missing(&c, NEMESIS_SERVER_KILL), "--server-pidfile");
    ck_assert_str_eq(nemesis_missing(&c, NEMESIS_DOWN), "--proxy-control");
    c.server_pidfile = "p";
    ck_assert_str_eq(nemesis_missing(&c, NEMESIS_SERVER_KILL), "--server-restart-cmd");
    c.server_restart = "true";
    c.db_url = "postgresql://x";
    ck_assert_ptr_null(nemesis_missing(&c, NEMESIS_SERVER_KILL));
    ck_assert_ptr_null(nemesis_missing(&c, NEMESIS_KILL_BACKENDS));
    struct nemesis_event ev = { NEMESIS_RESET, 0, 0 };
    char err[256];
    ck_assert_ptr_null(nemesis_new(&c, &ev, 1, 10, err, sizeof err));
    ck_assert_ptr_nonnull(strstr(err, "--proxy-control"));
    c.script = NULL;
    ck_assert_str_eq(nemesis_missing(&c, NEMESIS_KILL_BACKENDS), "--nemesis-script");
}
END_TEST

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Run the schedule to its end (at most 20 s) and return the nemesis, stopped. */
static struct nemesis *run_schedule(const char *script, const struct nemesis_event *ev, int n,
                                    int unknown_marks)
{
    struct nemesis_config c = { .script = script, .db_url = "postgresql://x",
                                .proxy_ctl = "127.0.0.1:1" };
    char err[256];
    struct nemesis *x = nemesis_new(&c, ev, n, 10, err, sizeof err);
    ck_assert_msg(x != NULL, "%s", err);
    ck_assert_int_eq(nemesis_start(x, err, sizeof err), 0);
    for (int i = 0; i < unknown_marks; i++)
        nemesis_mark_unknown(x, now_ns());
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
        { NEMESIS_RESET, 0.05, 0.05 }, { NEMESIS_KILL_BACKENDS, 0, 0 },
    };
    struct nemesis *x = run_schedule("/bin/true", ev, 2, 3);
    ck_assert_int_eq(nemesis_injected(x, NEMESIS_KILL_BACKENDS), 1);
    ck_assert_int_eq(nemesis_injected(x, NEMESIS_RESET), 1);
    ck_assert_int_eq(nemesis_injected(x, NEMESIS_DOWN), 0);
    json_t *j = nemesis_json(x);
    ck_assert_int_eq(json_integer_value(json_object_get(j, "unknown_requests")), 3);
    ck_assert_int_eq(json_integer_value(json_object_get(j, "unknown_around_faults")), 3);
    json_t *kb = json_object_get(json_object_get(j, "faults"), "kill-backends");
    ck_assert_int_eq(json_integer_value(json_object_get(kb, "injected")), 1);
    ck_assert_int_eq(json_integer_value(json_object_get(kb, "unknown")), 3);
    json_t *tl = json_object_get(j, "timeline");
    ck_assert_uint_eq(json_array_size(tl), 2);        /* sorted by start */
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(tl, 0), "kind")),
                     "kill-backends");
    json_decref(j);
    char report[4096];
    ck_assert_uint_gt(nemesis_report(x, report, sizeof report), 0);
    ck_assert_ptr_nonnull(strstr(report, "Nemesis timeline"));
    ck_assert_ptr_nonnull(strstr(report, "reset                 1/1 injected"));
    nemesis_free(x);
}
END_TEST

START_TEST(test_failed_and_skipped)
{
    struct nemesis_event ev[] = { { NEMESIS_DOWN, 0, 0 } };
    struct nemesis *x = run_schedule("/bin/false", ev, 1, 0);
    ck_assert_int_eq(nemesis_injected(x, NEMESIS_DOWN), 0);
    json_t *j = nemesis_json(x);
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
    ck_assert_int_eq(nemesis_injected(x, NEMESIS_DOWN), 0);
    nemesis_report(x, report, sizeof report);
    ck_assert_ptr_nonnull(strstr(report, "not run"));
    nemesis_free(x);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("nemesis");
    TCase *tc = tcase_create("nemesis");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_parse);
    tcase_add_test(tc, test_needs);
    tcase_add_test(tc, test_cluster_kinds);
    tcase_add_test(tc, test_run);
    tcase_add_test(tc, test_failed_and_skipped);
    suite_add_tcase(s, tc);
    return unit_run_suite(s);
}
