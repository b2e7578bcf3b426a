/*
 * test_load_script_options.c: a script's `options` table as the engine's executor and
 * thresholds: k6's scenario fields and shortcuts, thresholds in both shapes with
 * abortOnFail and delayAbortEval, the defaults, and each refusal naming its field.
 */
#include "unit.h"
#include <check.h>
#include <lauxlib.h>
#include <lualib.h>
#include <stdlib.h>
#include <string.h>

#include "load/script/options.h"

static struct opts_result o;
static struct opts_thresholds t;
static char err[256];

static int read_opts(const char *lua)
{
    lua_State *L = luaL_newstate();
    ck_assert_int_eq(luaL_dostring(L, lua), 0);
    int rc = opts_read(L, &o, &t, err, sizeof err);
    lua_close(L); /* env_kv is not read after this */
    return rc;
}

START_TEST(test_scenario)
{
    ck_assert_int_eq(
        read_opts(
            "options = { scenarios = { burst = { executor = 'ramping-vus', startVUs = 2,"
            "  stages = { { duration = '10s', target = 20 }, { duration = '1m', target = 0 } },"
            "  gracefulRampDown = '5s', exec = 'book' } } }"),
        0);
    ck_assert_int_eq(o.nscn, 1);
    ck_assert_int_eq(o.scn[0].exec.type, LR_EXEC_RAMPING_VUS);
    ck_assert_int_eq(o.scn[0].exec.start_vus, 2);
    ck_assert_int_eq(o.scn[0].exec.nstages, 2);
    ck_assert(o.scn[0].exec.stages[1].duration_s == 60 && o.scn[0].exec.stages[0].target == 20);
    ck_assert(o.scn[0].exec.graceful_ramp_down_s == 5);
    ck_assert_str_eq(o.scn[0].exec_fn, "book");
    ck_assert_str_eq(o.scn[0].name, "burst");
}
END_TEST

START_TEST(test_arrival_defaults_max_vus)
{
    ck_assert_int_eq(
        read_opts("options = { scenarios = { a = { executor = 'constant-arrival-rate', rate = 50,"
                  "  timeUnit = '1s', duration = '30s', preAllocatedVUs = 7 } } }"),
        0);
    ck_assert_int_eq(o.scn[0].exec.type, LR_EXEC_CONSTANT_ARRIVAL_RATE);
    ck_assert_int_eq(o.scn[0].exec.max_vus, 7);
    ck_assert(o.scn[0].exec.rate == 50 && o.scn[0].exec.duration_s == 30);
}
END_TEST

START_TEST(test_shortcuts_and_default)
{
    ck_assert_int_eq(read_opts("options = { vus = 5, duration = '20s' }"), 0);
    ck_assert_int_eq(o.scn[0].exec.type, LR_EXEC_CONSTANT_VUS);
    ck_assert_int_eq(o.scn[0].exec.vus, 5);
    ck_assert_int_eq(read_opts("options = { vus = 4, iterations = 40 }"), 0);
    ck_assert_int_eq(o.scn[0].exec.type, LR_EXEC_SHARED_ITERATIONS);
    ck_assert_int_eq(o.scn[0].exec.iterations, 40);
    ck_assert_int_eq(read_opts("x = 1"), 0); /* no options: one VU, one iteration */
    ck_assert_int_eq(o.nscn, 1);
    ck_assert_int_eq(o.scn[0].exec.type, LR_EXEC_SHARED_ITERATIONS);
    ck_assert_int_eq(o.scn[0].exec.vus, 1);
    ck_assert_int_eq(o.scn[0].exec.iterations, 1);
    ck_assert_str_eq(o.scn[0].exec_fn, "default");
    ck_assert_str_eq(o.scn[0].name, "default");
}
END_TEST

START_TEST(test_thresholds)
{
    ck_assert_int_eq(
        read_opts("options = { thresholds = { ['http_req_duration{name:hold}'] = { 'p(95)<500',"
                  "  { threshold = 'max<2000', abortOnFail = true, delayAbortEval = '10s' } } } }"),
        0);
    ck_assert_int_eq(t.n, 2);
    ck_assert_str_eq(t.specs[0].series, "http_req_duration{name:hold}");
    ck_assert_str_eq(t.specs[0].expr, "p(95)<500");
    ck_assert(!t.specs[0].abort_on_fail);
    ck_assert_str_eq(t.specs[1].expr, "max<2000");
    ck_assert(t.specs[1].abort_on_fail && t.delays[1] == 10);
    ck_assert_ptr_null(t.specs[2].series);
}
END_TEST

START_TEST(test_refusals)
{
    ck_assert_int_eq(read_opts("options = { scenarios = { a = { executor = 'fast' } } }"), -1);
    ck_assert_ptr_nonnull(strstr(err, "scenarios.a.executor"));
    ck_assert_int_eq(read_opts("options = { scenarios = { a = { executor = 'constant-vus',"
                               " duration = 30 } } }"),
                     -1);
    ck_assert_ptr_nonnull(strstr(err, "duration: want a duration"));
    ck_assert_int_eq(read_opts("options = { scenarios = {"
                               " a = { executor = 'constant-vus', duration = '1s' },"
                               " b = { executor = 'warp', duration = '1s' } } }"),
                     -1);
    ck_assert_ptr_nonnull(strstr(err, "scenarios.b.executor: one of k6's executors"));
    ck_assert_int_eq(read_opts("options = { scenarios = { a = { executor = 'constant-vus',"
                               " vus = 0, duration = '1s' } } }"),
                     -1);
    ck_assert_ptr_nonnull(strstr(err, "options: scenarios.a: constant-vus needs vus >= 1"));
    ck_assert_int_eq(read_opts("options = { scenarios = { ['a b'] = { executor = 'constant-vus',"
                               " duration = '1s' } } }"),
                     -1);
    ck_assert_ptr_nonnull(strstr(err, "'a b': a name of letters"));
    ck_assert_int_eq(read_opts("options = { scenarios = { a = { executor = 'constant-vus',"
                               " duration = '1s', exec = 5 } } }"),
                     -1);
    ck_assert_ptr_nonnull(strstr(err, "scenarios.a.exec: want the name of a function"));
    ck_assert_int_eq(read_opts("options = { vus = -3 }"), -1);
    ck_assert_ptr_nonnull(strstr(err, "vus"));
    ck_assert_int_eq(
        read_opts("options = { thresholds = { checks = { { abortOnFail = true } } } }"), -1);
    ck_assert_ptr_nonnull(strstr(err, "without threshold"));
    ck_assert_int_eq(read_opts("options = { scenarios = { a = { executor = 'constant-vus',"
                               " duration = '1s', startTime = '-5s' } } }"),
                     -1);
    ck_assert_ptr_nonnull(strstr(err, "scenarios.a.startTime: must not be negative"));
    ck_assert_int_eq(read_opts("options = { scenarios = { a = { executor = 'constant-vus',"
                               " duration = '1s', startTime = 5 } } }"),
                     -1);
    ck_assert_ptr_nonnull(strstr(err, "scenarios.a.startTime: want a duration"));
}
END_TEST

/* Several scenarios: each its own executor, startTime, exec, env and tags, in k6's order
 * (by startTime, then name). */
START_TEST(test_several)
{
    ck_assert_int_eq(
        read_opts("options = { scenarios = {"
                  " zeta = { executor = 'constant-vus', vus = 2, duration = '3s', exec = 'z' },"
                  " buy = { executor = 'shared-iterations', vus = 2, iterations = 7,"
                  "         startTime = '1m30s', env = { WHO = 'buyer' }, tags = { kind = 'w' } },"
                  " alpha = { executor = 'ramping-arrival-rate', preAllocatedVUs = 3,"
                  "           stages = { { duration = '2s', target = 10 } } } } }"),
        0);
    ck_assert_int_eq(o.nscn, 3);
    ck_assert_str_eq(o.scn[0].name, "alpha");
    ck_assert_str_eq(o.scn[1].name, "zeta");
    ck_assert_str_eq(o.scn[2].name, "buy");
    ck_assert(o.scn[0].start_s == 0 && o.scn[2].start_s == 90);
    ck_assert_int_eq(o.scn[0].exec.type, LR_EXEC_RAMPING_ARRIVAL_RATE);
    ck_assert_int_eq(o.scn[0].exec.max_vus, 3);
    ck_assert_str_eq(o.scn[0].exec_fn, "default");
    ck_assert_str_eq(o.scn[1].exec_fn, "z");
    ck_assert_int_eq(o.scn[2].exec.iterations, 7);
    ck_assert_int_eq(o.scn[2].nenv, 2);
    ck_assert_int_eq(o.scn[2].ntags, 2);
    ck_assert_ptr_null(o.scn[2].tags_kv[2]);
}
END_TEST

UNIT_MAIN("script_options", test_scenario, test_arrival_defaults_max_vus,
          test_shortcuts_and_default, test_thresholds, test_refusals, test_several)
