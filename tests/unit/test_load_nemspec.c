/*
 * test_load_nemspec.c: the nemesis options: specs parse with their defaults and are
 * refused when malformed, kind names go both ways, and each kind names what it needs
 * (a nemesis is not made while a need is missing).
 */
#include "unit.h"
#include <stdio.h>
#include <string.h>

#include "load/booking/nemspec.h"

START_TEST(test_parse)
{
    struct nemesis_event ev;
    char err[256];
    ck_assert_int_eq(nemspec_parse("kill-backends@3s", &ev, err, sizeof err), 0);
    ck_assert_int_eq(ev.kind, NEMESIS_KILL_BACKENDS);
    ck_assert_double_eq(ev.start_s, 3);
    ck_assert_double_eq(ev.duration_s, 0);
    ck_assert_int_eq(nemspec_parse("blackhole@1m2s:1500ms", &ev, err, sizeof err), 0);
    ck_assert_int_eq(ev.kind, NEMESIS_BLACKHOLE);
    ck_assert_double_eq(ev.start_s, 62);
    ck_assert_double_eq(ev.duration_s, 1.5);
    ck_assert_int_eq(nemspec_parse("pg-pause@0", &ev, err, sizeof err), 0);
    ck_assert_double_eq(ev.duration_s, 2); /* the kind's default */
    ck_assert_int_eq(nemspec_parse("latency@2s", &ev, err, sizeof err), 0);
    ck_assert_double_eq(ev.duration_s, 3);
    const char *bad[] = { "kill-backends",  "nope@1s",          "reset@", "reset@3", "reset@1s:x",
                          "pg-pause@1s:0s", "pg-pause@1s:301s", "@1s",    NULL };
    for (int i = 0; bad[i]; i++) {
        err[0] = '\0';
        ck_assert_msg(nemspec_parse(bad[i], &ev, err, sizeof err) == -1, "%s accepted", bad[i]);
        ck_assert_msg(err[0] != '\0', "%s: no reason", bad[i]);
    }
    for (int k = 0; k < NEMESIS_KINDS; k++)
        ck_assert_int_eq(nemspec_kind_parse(nemspec_kind_name((enum nemesis_kind)k)), k);
}
END_TEST

/* The cluster kinds: names, default durations, and --cluster-dir as their one need. */
START_TEST(test_cluster_kinds)
{
    struct nemesis_event ev;
    char err[256];
    const char *names[] = { "node-kill", "primary-crash", "switchover", "api-kill",
                            "pooler-restart" };
    const enum nemesis_kind kinds[] = { NEMESIS_NODE_KILL, NEMESIS_PRIMARY_CRASH,
                                        NEMESIS_SWITCHOVER, NEMESIS_API_KILL,
                                        NEMESIS_POOLER_RESTART };
    struct nemesis_config c = { .script = "/bin/true" };
    for (int i = 0; i < 5; i++) {
        char spec[64];
        snprintf(spec, sizeof spec, "%s@5s", names[i]);
        ck_assert_int_eq(nemspec_parse(spec, &ev, err, sizeof err), 0);
        ck_assert_int_eq(ev.kind, kinds[i]);
        ck_assert_double_eq(ev.duration_s, kinds[i] == NEMESIS_API_KILL ? 2 : 0);
        c.cluster_dir = NULL;
        ck_assert_str_eq(nemspec_missing(&c, kinds[i]), "--cluster-dir");
        c.cluster_dir = "var/cluster";
        ck_assert_ptr_null(nemspec_missing(&c, kinds[i]));
    }
    /* not enough for the others */
    ck_assert_str_eq(nemspec_missing(&c, NEMESIS_DOWN), "--proxy-control");
}
END_TEST

START_TEST(test_needs)
{
    struct nemesis_config c = { .script = "/bin/true" };
    ck_assert_str_eq(nemspec_missing(&c, NEMESIS_KILL_BACKENDS), "--db");
    ck_assert_str_eq(nemspec_missing(&c, NEMESIS_PG_PAUSE), "--pgdir");
    ck_assert_str_eq(nemspec_missing(&c, NEMESIS_SERVER_KILL), "--server-pidfile");
    ck_assert_str_eq(nemspec_missing(&c, NEMESIS_DOWN), "--proxy-control");
    c.server_pidfile = "p";
    ck_assert_str_eq(nemspec_missing(&c, NEMESIS_SERVER_KILL), "--server-restart-cmd");
    c.server_restart = "true";
    c.db_url = "postgresql://x";
    ck_assert_ptr_null(nemspec_missing(&c, NEMESIS_SERVER_KILL));
    ck_assert_ptr_null(nemspec_missing(&c, NEMESIS_KILL_BACKENDS));
    struct nemesis_event ev = { NEMESIS_RESET, 0, 0 };
    char err[256];
    ck_assert_ptr_null(nemesis_new(&c, &ev, 1, 10, err, sizeof err));
    ck_assert_ptr_nonnull(strstr(err, "--proxy-control"));
    c.script = NULL;
    ck_assert_str_eq(nemspec_missing(&c, NEMESIS_KILL_BACKENDS), "--nemesis-script");
}
END_TEST

UNIT_MAIN("nemspec", test_parse, test_needs, test_cluster_kinds)
