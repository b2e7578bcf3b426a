/*
 * unit.h: the main() of a Check unit test with one suite and one test case.
 *
 *   UNIT_MAIN("name", test_a, test_b, ...)
 *
 * runs the tests (START_TEST names) in that order, each in its own process as Check
 * does, and exits EXIT_SUCCESS only when none failed. A test with more than one case
 * or with fixtures builds its own Suite and ends with unit_run_suite.
 */
#ifndef LASTROOM_TESTS_UNIT_UNIT_H
#define LASTROOM_TESTS_UNIT_UNIT_H

#include <check.h>
#include <stdlib.h>

/* unit_run_suite: run every test of s; EXIT_SUCCESS when none failed, else EXIT_FAILURE. */
static inline int unit_run_suite(Suite *s)
{
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

/* unit_run: run tests[0..n) as suite and case name; what unit_run_suite returns. */
static inline int unit_run(const char *name, const TTest *const *tests, size_t n)
{
    Suite *s = suite_create(name);
    TCase *tc = tcase_create(name);
    for (size_t i = 0; i < n; i++)
        tcase_add_test(tc, tests[i]);
    suite_add_tcase(s, tc);
    return unit_run_suite(s);
}

#define UNIT_MAIN(name, ...)                                             \
    int main(void)                                                       \
    {                                                                    \
        const TTest *const tests_[] = { __VA_ARGS__ };                   \
        return unit_run(name, tests_, sizeof tests_ / sizeof tests_[0]); \
    }

#endif
