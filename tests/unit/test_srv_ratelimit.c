/*
 * test_srv_ratelimit.c: failed-login limiting: the limit, the window and the seconds
 * left, success clearing, keys kept apart, and the fixed table under more keys than it
 * has room for.
 */
#include "unit.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/ratelimit.h"

#define SEC 1000000LL

static int blocked(struct ratelimit *rl, const char *k, int64_t t)
{
    return ratelimit_blocked(rl, k, strlen(k), t) != 0;
}

static void record_failure(struct ratelimit *rl, const char *k, int64_t t)
{
    ratelimit_failed(rl, k, strlen(k), t);
}

START_TEST(test_limit_and_window)
{
    struct ratelimit *rl = ratelimit_new(3, 60 * SEC);
    ck_assert_int_eq(blocked(rl, "a@x.io", 0), 0);
    record_failure(rl, "a@x.io", 1 * SEC);
    record_failure(rl, "a@x.io", 2 * SEC);
    ck_assert_int_eq(blocked(rl, "a@x.io", 3 * SEC), 0);
    record_failure(rl, "a@x.io", 3 * SEC);
    ck_assert_int_eq(blocked(rl, "a@x.io", 4 * SEC), 1);
    ck_assert_int_eq(blocked(rl, "b@x.io", 4 * SEC), 0);  /* others unaffected */
    ck_assert_int_eq(blocked(rl, "a@x.io", 60 * SEC), 1); /* window from the first failure */
    ck_assert_int_eq(blocked(rl, "a@x.io", 61 * SEC), 0); /* over */
    record_failure(rl, "a@x.io", 62 * SEC);
    ck_assert_int_eq(blocked(rl, "a@x.io", 62 * SEC), 0); /* a fresh window */
    ratelimit_free(rl);
}
END_TEST

START_TEST(test_success_clears)
{
    struct ratelimit *rl = ratelimit_new(2, 60 * SEC);
    record_failure(rl, "a@x.io", 0);
    record_failure(rl, "a@x.io", 0);
    ck_assert_int_eq(blocked(rl, "a@x.io", 1), 1);
    ratelimit_succeeded(rl, "a@x.io", 6);
    ck_assert_int_eq(blocked(rl, "a@x.io", 2), 0);
    ratelimit_succeeded(rl, "never@x.io", 10); /* harmless */
    ratelimit_free(rl);
}
END_TEST

START_TEST(test_many_addresses)
{
    struct ratelimit *rl = ratelimit_new(1, 60 * SEC);
    char k[32];
    int n = 0;
    for (int i = 0; i < 1000; i++) {
        snprintf(k, sizeof k, "user%d@x.io", i);
        record_failure(rl, k, 0);
    }
    for (int i = 0; i < 1000; i++) {
        snprintf(k, sizeof k, "user%d@x.io", i);
        n += blocked(rl, k, 1);
    }
    ck_assert_int_eq(n, 1000); /* far below the table's size: nothing is evicted */
    ck_assert_uint_eq(ratelimit_evictions(rl), 0);
    ck_assert_int_eq(blocked(rl, "other@x.io", 1), 0);
    ratelimit_free(rl);
}
END_TEST

START_TEST(test_retry_after_seconds)
{
    struct ratelimit *rl = ratelimit_new(1, 60 * SEC);
    record_failure(rl, "a@x.io", 10 * SEC);
    ck_assert_int_eq(ratelimit_blocked(rl, "a@x.io", 6, 10 * SEC), 60);
    ck_assert_int_eq(ratelimit_blocked(rl, "a@x.io", 6, 40 * SEC + 1), 30); /* rounded up */
    ck_assert_int_eq(ratelimit_blocked(rl, "a@x.io", 6, 70 * SEC - 1), 1);
    ck_assert_int_eq(ratelimit_blocked(rl, "a@x.io", 6, 70 * SEC), 0);
    ratelimit_free(rl);
}
END_TEST

/* Four times as many keys as slots: memory stays fixed, older windows are evicted, and
 * a key never shows more failures than it had. */
START_TEST(test_table_is_bounded)
{
    struct ratelimit *rl = ratelimit_new(2, 60 * SEC);
    char k[32];
    int n = 0;
    for (int i = 0; i < 4 * RATELIMIT_SLOTS; i++) {
        snprintf(k, sizeof k, "10.%d.%d.%d", i >> 16, (i >> 8) & 255, i & 255);
        record_failure(rl, k, i);
    }
    ck_assert_uint_ge(ratelimit_evictions(rl), 3 * RATELIMIT_SLOTS - RATELIMIT_SLOTS / 8);
    for (int i = 0; i < 4 * RATELIMIT_SLOTS; i++) {
        snprintf(k, sizeof k, "10.%d.%d.%d", i >> 16, (i >> 8) & 255, i & 255);
        n += blocked(rl, k, 4 * RATELIMIT_SLOTS);
    }
    ck_assert_int_eq(n, 0); /* one failure each, limit 2: nobody is blocked */
    /* a key over its limit stays blocked while a thousand other keys fail (eight in its
     * bucket would be needed to push it out: about one chance in ten million) */
    int64_t t = 5 * RATELIMIT_SLOTS;
    record_failure(rl, "victim", t);
    record_failure(rl, "victim", t);
    for (int i = 0; i < 1000; i++) {
        snprintf(k, sizeof k, "flood-%d", i);
        record_failure(rl, k, t + 1);
    }
    ck_assert_int_eq(blocked(rl, "victim", t + 2), 1);
    ratelimit_free(rl);
}
END_TEST

UNIT_MAIN("ratelimit", test_limit_and_window, test_success_clears, test_many_addresses,
          test_retry_after_seconds, test_table_is_bounded)
