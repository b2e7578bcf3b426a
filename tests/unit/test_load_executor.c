/*
 * test_load_executor.c: k6's executor schedules without a network: ramping VU counts
 * over time, shared iterations claimed by racing threads add up to exactly N,
 * arrival-rate spacing (constant and ramping), dropped iterations when the VU
 * pool runs out, several scenarios with start times taken together, and k6's one-line
 * description of each executor.
 */
#include "unit.h"
#include <math.h>
#include <pthread.h>
#include <stdlib.h>

#include <string.h>

#include "load/engine/executor.h"

static struct lr_exec_config ramping_vus(void)
{
    struct lr_exec_config c;
    exec_defaults(&c, LR_EXEC_RAMPING_VUS);
    c.start_vus = 0;
    c.stages[0] = (struct lr_stage){ 10, 20 };
    c.stages[1] = (struct lr_stage){ 30, 50 };
    c.stages[2] = (struct lr_stage){ 60, 50 };
    c.stages[3] = (struct lr_stage){ 10, 0 };
    c.nstages = 4;
    return c;
}

START_TEST(test_ramping_vus_counts)
{
    struct lr_exec_config c = ramping_vus();
    char err[128];
    ck_assert_int_eq(exec_check(&c, err, sizeof err), 0);
    ck_assert_int_eq(exec_vus_max(&c), 50);
    ck_assert(fabs(exec_duration(&c) - 110) < 1e-9);
    ck_assert_int_eq(exec_vus_at(&c, 0), 0);
    ck_assert_int_eq(exec_vus_at(&c, 0.49), 0); /* 0 -> 20 in 10 s: one VU per 0.5 s */
    ck_assert_int_eq(exec_vus_at(&c, 0.5), 1);
    ck_assert_int_eq(exec_vus_at(&c, 5), 10);
    ck_assert_int_eq(exec_vus_at(&c, 9.99), 19);
    ck_assert_int_eq(exec_vus_at(&c, 10), 20);
    ck_assert_int_eq(exec_vus_at(&c, 25), 35); /* 20 -> 50 in 30 s: one per second */
    ck_assert_int_eq(exec_vus_at(&c, 70), 50);
    ck_assert_int_eq(exec_vus_at(&c, 100), 50);
    ck_assert_int_eq(exec_vus_at(&c, 100.1), 50); /* 50 -> 0 in 10 s: down one per 0.2 s */
    ck_assert_int_eq(exec_vus_at(&c, 100.2), 49);
    ck_assert_int_eq(exec_vus_at(&c, 105), 25);
    ck_assert_int_eq(exec_vus_at(&c, 109.9), 1);
    ck_assert_int_eq(exec_vus_at(&c, 110), 0);
    ck_assert_int_eq(exec_vus_at(&c, 500), 0);
}
END_TEST

START_TEST(test_ramping_vus_never_jumps)
{
    struct lr_exec_config c = ramping_vus();
    int prev = exec_vus_at(&c, 0);
    for (int ms = 1; ms <= 120000; ms++) {
        int v = exec_vus_at(&c, ms / 1000.0);
        ck_assert_int_le(abs(v - prev), 1);
        ck_assert_int_ge(v, 0);
        ck_assert_int_le(v, 50);
        prev = v;
    }
}
END_TEST

START_TEST(test_vu_based_counts)
{
    struct lr_exec_config c;
    exec_defaults(&c, LR_EXEC_CONSTANT_VUS);
    c.vus = 7;
    c.duration_s = 3;
    ck_assert_int_eq(exec_vus_at(&c, 1), 7);
    ck_assert_int_eq(exec_vus_max(&c), 7);
    ck_assert(fabs(exec_duration(&c) - 3) < 1e-9);
    exec_defaults(&c, LR_EXEC_SHARED_ITERATIONS);
    c.vus = 50;
    c.iterations = 10;
    ck_assert_int_eq(exec_vus_max(&c), 10);          /* never more VUs than iterations */
    ck_assert(fabs(exec_duration(&c) - 600) < 1e-9); /* k6's maxDuration default */
    ck_assert(fabs(c.graceful_stop_s - 30) < 1e-9);
}
END_TEST

struct take_arg {
    _Atomic int64_t *next;
    int64_t total;
    int64_t mine;
};

static void *take_all(void *p)
{
    struct take_arg *a = p;
    int64_t idx;
    while (exec_take(a->next, a->total, &idx))
        a->mine++;
    return NULL;
}

START_TEST(test_shared_iterations_exact)
{
    _Atomic int64_t next = 0;
    struct take_arg args[4];
    pthread_t th[4];
    for (int i = 0; i < 4; i++) {
        args[i] = (struct take_arg){ &next, 100003, 0 };
        ck_assert_int_eq(pthread_create(&th[i], NULL, take_all, &args[i]), 0);
    }
    int64_t sum = 0;
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        sum += args[i].mine;
    }
    ck_assert_int_eq(sum, 100003);
    int64_t idx;
    ck_assert(!exec_take(&next, 100003, &idx));
}
END_TEST

START_TEST(test_constant_arrival_spacing)
{
    struct lr_exec_config c;
    exec_defaults(&c, LR_EXEC_CONSTANT_ARRIVAL_RATE);
    c.rate = 20;
    c.time_unit_s = 2; /* 20 per 2 s = one every 0.1 s */
    c.duration_s = 3;
    c.pre_allocated_vus = c.max_vus = 5;
    ck_assert_uint_eq(exec_arrivals_total(&c), 30);
    for (uint64_t n = 0; n < 30; n++)
        ck_assert(fabs(exec_arrival_at(&c, n) - 0.1 * (double)n) < 1e-9);
    ck_assert(exec_arrival_at(&c, 30) < 0);
    ck_assert(fabs(exec_rate_at(&c, 1) - 10) < 1e-9);
}
END_TEST

START_TEST(test_ramping_arrival_spacing)
{
    struct lr_exec_config c;
    exec_defaults(&c, LR_EXEC_RAMPING_ARRIVAL_RATE);
    c.start_rate = 0;
    c.stages[0] = (struct lr_stage){ 10, 10 }; /* rate(t) = t: n-th at sqrt(2n) */
    c.stages[1] = (struct lr_stage){ 5, 10 };  /* then 10/s: 50 more, 0.1 s apart */
    c.nstages = 2;
    c.pre_allocated_vus = c.max_vus = 5;
    ck_assert_uint_eq(exec_arrivals_total(&c), 100);
    for (uint64_t n = 0; n < 50; n++)
        ck_assert(fabs(exec_arrival_at(&c, n) - sqrt(2.0 * (double)n)) < 1e-6);
    for (uint64_t n = 50; n < 100; n++)
        ck_assert(fabs(exec_arrival_at(&c, n) - (10 + 0.1 * (double)(n - 50))) < 1e-6);
    ck_assert(exec_arrival_at(&c, 100) < 0);
    double prev = -1;
    for (uint64_t n = 0; n < 100; n++) { /* starts never go back in time */
        ck_assert(exec_arrival_at(&c, n) > prev);
        prev = exec_arrival_at(&c, n);
    }
}
END_TEST

START_TEST(test_cursor_shares)
{
    struct lr_exec_config c;
    exec_defaults(&c, LR_EXEC_CONSTANT_ARRIVAL_RATE);
    c.rate = 10;
    c.duration_s = 1;
    c.pre_allocated_vus = c.max_vus = 1;
    struct exec_cursor a = { 0, 2, NULL }, b = { 1, 2, NULL };
    double s;
    int na = 0, nb = 0;
    while (exec_cursor_due(&c, &a, 10, &s))
        na++;
    while (exec_cursor_due(&c, &b, 10, &s))
        nb++;
    ck_assert_int_eq(na + nb, 10);
    ck_assert_int_eq(na, 5);
    struct exec_cursor early = { 0, 1, NULL };
    ck_assert(exec_cursor_due(&c, &early, 0.05, &s));  /* n=0 at 0 */
    ck_assert(!exec_cursor_due(&c, &early, 0.05, &s)); /* n=1 at 0.1: not yet */
    ck_assert(fabs(s - 0.1) < 1e-9);
}
END_TEST

START_TEST(test_pool_drops_when_exhausted)
{
    uint32_t stack[3];
    struct exec_pool p;
    exec_pool_init(&p, stack, 2, 3);
    ck_assert_uint_eq(p.inited, 2);
    int64_t a = exec_pool_get(&p), b = exec_pool_get(&p);
    ck_assert(a >= 0 && b >= 0 && a != b);
    ck_assert_int_eq(exec_pool_get(&p), 2); /* a third VU is initialised (maxVUs) */
    ck_assert_uint_eq(p.inited, 3);
    ck_assert_int_eq(exec_pool_get(&p), -1); /* none free: the iteration is dropped */
    exec_pool_put(&p, (uint32_t)b);
    ck_assert_int_eq(exec_pool_get(&p), b);
    ck_assert_int_eq(exec_pool_get(&p), -1);
}
END_TEST

START_TEST(test_arrival_drop_simulation)
{
    /* 10 iterations/s for 2 s, each lasting 0.35 s, 2 VUs at most: a VU is busy for
     * 4 slots, so 2 VUs serve 2 of every 4 arrivals; 10 of 20 are dropped. */
    struct lr_exec_config c;
    exec_defaults(&c, LR_EXEC_CONSTANT_ARRIVAL_RATE);
    c.rate = 10;
    c.duration_s = 2;
    c.pre_allocated_vus = 1;
    c.max_vus = 2;
    uint32_t stack[2];
    struct exec_pool p;
    exec_pool_init(&p, stack, 1, 2);
    struct exec_cursor cur = { 0, 1, NULL };
    double busy_until[2] = { -1, -1 }, s;
    int started = 0, dropped = 0;
    for (int ms = 0; ms <= 3000; ms++) {
        double t = ms / 1000.0;
        for (uint32_t v = 0; v < 2; v++)
            if (busy_until[v] >= 0 && busy_until[v] <= t + 1e-9) {
                busy_until[v] = -1;
                exec_pool_put(&p, v);
            }
        while (exec_cursor_due(&c, &cur, t + 1e-9, &s)) {
            int64_t v = exec_pool_get(&p);
            if (v < 0) {
                dropped++;
                continue;
            }
            busy_until[v] = s + 0.35;
            started++;
        }
    }
    ck_assert_int_eq(started, 10);
    ck_assert_int_eq(dropped, 10);
}
END_TEST

START_TEST(test_check_rejects)
{
    struct lr_exec_config c;
    char err[128];
    exec_defaults(&c, LR_EXEC_CONSTANT_ARRIVAL_RATE);
    c.rate = 1;
    c.duration_s = 1;
    c.pre_allocated_vus = 5;
    c.max_vus = 2;
    ck_assert_int_eq(exec_check(&c, err, sizeof err), -1);
    exec_defaults(&c, LR_EXEC_RAMPING_VUS);
    ck_assert_int_eq(exec_check(&c, err, sizeof err), -1); /* no stages */
    exec_defaults(&c, LR_EXEC_CONSTANT_VUS);
    ck_assert_int_eq(exec_check(&c, err, sizeof err), -1); /* no duration */
    ck_assert_int_eq(exec_from_name("ramping-arrival-rate"), LR_EXEC_RAMPING_ARRIVAL_RATE);
    ck_assert_int_eq(exec_from_name("nope"), -1);
}
END_TEST

/* Two scenarios: 3 VUs for 10 s from the start, 2 VUs sharing 5 iterations from 20 s. */
static void two_parts(struct lr_part p[2])
{
    memset(p, 0, 2 * sizeof *p);
    p[0].name = "browse";
    exec_defaults(&p[0].exec, LR_EXEC_CONSTANT_VUS);
    p[0].exec.vus = 3;
    p[0].exec.duration_s = 10;
    p[0].exec.graceful_stop_s = 5;
    p[1].name = "buy";
    exec_defaults(&p[1].exec, LR_EXEC_SHARED_ITERATIONS);
    p[1].exec.vus = 2;
    p[1].exec.iterations = 5;
    p[1].exec.max_duration_s = 30;
    p[1].start_s = 20;
}

START_TEST(test_parts_together)
{
    struct lr_part p[2];
    two_parts(p);
    ck_assert_int_eq(exec_parts_vus_max(p, 2), 5);
    ck_assert(fabs(exec_parts_end(p, 2) - 50) < 1e-9);         /* 20 + 30 */
    ck_assert(fabs(exec_parts_span(p, 2, false) - 80) < 1e-9); /* + gracefulStop 30 */
    ck_assert_int_eq(exec_parts_iterations(p, 2), -1);         /* constant-vus: time */
    ck_assert_int_eq(exec_parts_iterations(p + 1, 1), 5);
    p[1].start_s = 0;
    ck_assert(fabs(exec_parts_end(p, 2) - 30) < 1e-9);
    p[0].exec.type = LR_EXEC_RAMPING_VUS; /* its stages: none, so it lasts 0 s */
    p[0].exec.graceful_ramp_down_s = 100;
    ck_assert(fabs(exec_parts_span(p, 2, true) - 105) < 1e-9);
}
END_TEST

START_TEST(test_describe)
{
    struct lr_part p[2];
    char buf[512];
    two_parts(p);
    ck_assert_str_eq(exec_describe(&p[0].exec, 0, buf, sizeof buf),
                     "3 looping VUs for 10s (gracefulStop: 5s)");
    ck_assert_str_eq(exec_describe(&p[1].exec, 20, buf, sizeof buf),
                     "5 iterations shared among 2 VUs (maxDuration: 30s, startTime: 20s, "
                     "gracefulStop: 30s)");
    struct lr_exec_config a;
    exec_defaults(&a, LR_EXEC_CONSTANT_ARRIVAL_RATE);
    a.rate = 30;
    a.time_unit_s = 2;
    a.duration_s = 90;
    a.pre_allocated_vus = 4;
    a.max_vus = 8;
    ck_assert_str_eq(exec_describe(&a, 0, buf, sizeof buf),
                     "15.00 iterations/s for 1m30s (maxVUs: 4-8, gracefulStop: 30s)");
    ck_assert_str_eq(exec_parts_describe(p, 2, buf, sizeof buf),
                     "  scenarios: 2 scenarios, 5 max VUs, 1m20s max duration (incl. graceful "
                     "stop):\n"
                     "           * browse: 3 looping VUs for 10s (gracefulStop: 5s)\n"
                     "           * buy: 5 iterations shared among 2 VUs (maxDuration: 30s, "
                     "startTime: 20s, gracefulStop: 30s)\n");
    exec_parts_describe(p, 2, buf, 40); /* cut short, still a string */
    ck_assert_uint_eq(strlen(buf), 39);
}
END_TEST

UNIT_MAIN("executor", test_ramping_vus_counts, test_ramping_vus_never_jumps, test_vu_based_counts,
          test_shared_iterations_exact, test_constant_arrival_spacing, test_ramping_arrival_spacing,
          test_cursor_shares, test_pool_drops_when_exhausted, test_arrival_drop_simulation,
          test_check_rejects, test_parts_together, test_describe)
