/*
 * test_proxy_fault.c: fault_parse, the proxy's control-line parser, on every command
 * and every way a line can be wrong; fault_describe and fault_delay_us on the result.
 */
#include "unit.h"
#include <stdlib.h>
#include <string.h>

#include "proxy/fault.h"

static struct fault_cmd parse_ok(const char *line)
{
    struct fault_cmd c;
    char err[128] = "";
    ck_assert_msg(fault_parse(line, &c, err, sizeof err) == 0, "'%s': %s", line, err);
    return c;
}

/* The reason fault_parse gives for refusing line. */
static const char *refusal(const char *line)
{
    static char err[128];
    struct fault_cmd c;
    err[0] = '\0';
    ck_assert_msg(fault_parse(line, &c, err, sizeof err) == -1, "'%s' was accepted", line);
    ck_assert(err[0] != '\0');
    return err;
}

START_TEST(test_commands)
{
    struct fault_cmd c = parse_ok("mode latency 50 20");
    char buf[96];

    ck_assert_int_eq(c.verb, FAULT_CMD_MODE);
    ck_assert_int_eq(c.mode.kind, FAULT_LATENCY);
    ck_assert_uint_eq(c.mode.delay_ms, 50);
    ck_assert_uint_eq(c.mode.jitter_ms, 20);
    fault_describe(&c.mode, buf, sizeof buf);
    ck_assert_str_eq(buf, "mode=latency delay_ms=50 jitter_ms=20");
    c = parse_ok(" \tmode   latency 60000\r");
    ck_assert_uint_eq(c.mode.delay_ms, FAULT_MAX_DELAY_MS);
    ck_assert_uint_eq(c.mode.jitter_ms, 0);
    ck_assert_int_eq(parse_ok("mode pass").mode.kind, FAULT_PASS);
    ck_assert_int_eq(parse_ok("mode reset").mode.kind, FAULT_RESET);
    ck_assert_int_eq(parse_ok("mode blackhole").mode.kind, FAULT_BLACKHOLE);
    c = parse_ok("mode down");
    ck_assert_int_eq(c.mode.kind, FAULT_DOWN);
    fault_describe(&c.mode, buf, sizeof buf);
    ck_assert_str_eq(buf, "mode=down");
    ck_assert_int_eq(parse_ok("status").verb, FAULT_CMD_STATUS);
    ck_assert_int_eq(parse_ok("quit").verb, FAULT_CMD_QUIT);
    ck_assert_int_eq(parse_ok("help").verb, FAULT_CMD_HELP);
}
END_TEST

START_TEST(test_refusals)
{
    ck_assert_str_eq(refusal(""), "empty command");
    ck_assert_str_eq(refusal(" \t "), "empty command");
    ck_assert_str_eq(refusal("stop"), "unknown command 'stop' (try help)");
    ck_assert_str_eq(refusal("status now"), "status takes no arguments");
    ck_assert_str_eq(refusal("mode"), "usage: mode pass|latency D [J]|reset|blackhole|down");
    ck_assert_str_eq(refusal("mode slow"), "unknown mode 'slow'");
    ck_assert_str_eq(refusal("mode reset 5"), "mode reset takes no arguments");
    ck_assert_str_eq(refusal("mode latency"), "usage: mode latency DELAY_MS [JITTER_MS]");
    ck_assert_str_eq(refusal("mode latency 1 2 3"), "usage: mode latency DELAY_MS [JITTER_MS]");
    const char *range = "delay and jitter are whole milliseconds from 0 to 60000";
    ck_assert_str_eq(refusal("mode latency 60001"), range);
    ck_assert_str_eq(refusal("mode latency -1"), range);
    ck_assert_str_eq(refusal("mode latency +5"), range);
    ck_assert_str_eq(refusal("mode latency 5ms"), range);
    ck_assert_str_eq(refusal("mode latency 5 0x10"), range);
    ck_assert_str_eq(refusal("mode latency 99999999999999999999999"), range);
    ck_assert_str_eq(refusal("a b c d e f g"), "too many words");
    ck_assert_str_eq(refusal("mode latency 00000000000000000000000000000000005"), "word too long");
}
END_TEST

START_TEST(test_delay)
{
    struct fault_mode m = { .kind = FAULT_LATENCY, .delay_ms = 10, .jitter_ms = 0 };
    uint64_t rng = 42;
    int i;

    ck_assert_int_eq(fault_delay_us(&m, &rng), 10000);
    ck_assert_uint_eq(rng, 42); /* no jitter: the state is not used */
    m.jitter_ms = 5;
    for (i = 0; i < 1000; i++) {
        int64_t us = fault_delay_us(&m, &rng);
        ck_assert(us >= 10000 && us <= 15000);
    }
    m.kind = FAULT_RESET;
    ck_assert_int_eq(fault_delay_us(&m, &rng), 0);
}
END_TEST

UNIT_MAIN("fault", test_commands, test_refusals, test_delay)
