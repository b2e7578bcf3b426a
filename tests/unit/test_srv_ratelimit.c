/*
 * test_srv_ratelimit.c: failed-login limiting: the limit, the window, success clearing,
 * and addresses kept apart.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/ratelimit.h"

#define SEC 1000000LL

static int blocked(struct ratelimit *rl, const char *k, int64_t t)
{
    return ratelimit_blocked(rl, k, strlen(k), t);
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
    ck_assert_int_eq(blocked(rl, "b@x.io", 4 * SEC), 0);     /* others unaffected */
    ck_assert_int_eq(blocked(rl, "a@x.io", 60 * SEC), 1);    /* window from the first failure */
    ck_assert_int_eq(blocked(rl, "a@x.io", 61 * SEC), 0);    /* over */
    record_failure(rl, "a@x.io", 62 * SEC);
    ck_assert_int_eq(blocked(rl, "a@x.io", 62 * SEC), 0);    /* a fresh window */
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
    ratelimit_succeeded(rl, "never@x.io", 10);   /* harmless */
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
    ck_assert_int_ge(n, 950);   /* a slot shared by two forgets, never invents */
    ck_assert_int_eq(blocked(rl, "other@x.io", 1), 0);
    ratelimit_free(rl);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("ratelimit");
    TCase *tc = tcase_create("ratelimit");
    tcase_add_test(tc, test_limit_and_window);
    tcase_add_test(tc, test_success_clears);
    tcase_add_test(tc, test_many_addresses);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
