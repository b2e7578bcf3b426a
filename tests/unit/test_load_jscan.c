/*
 * test_load_jscan.c: reading fields out of JSON answers without allocating: integers
 * and strings at any depth, keys that only appear inside values, escapes, caps, and
 * truncated input.
 */
#include "unit.h"
#include <stdlib.h>
#include <string.h>

#include "load/engine/jscan.h"

static int get_int(const char *json, const char *key, int64_t *out)
{
    return jscan_int(json, strlen(json), key, out);
}

START_TEST(test_ints)
{
    int64_t v = 0;
    ck_assert_int_eq(get_int("{\"hold_id\": 42, \"x\":1}", "hold_id", &v), 0);
    ck_assert_int_eq(v, 42);
    ck_assert_int_eq(get_int("{\"a\":{\"user_id\":-7}}", "user_id", &v), 0);
    ck_assert_int_eq(v, -7);
    ck_assert_int_eq(get_int("{\"n\":9223372036854775807}", "n", &v), 0);
    ck_assert(v == INT64_MAX);
    v = 5;
    ck_assert_int_eq(get_int("{\"n\":9223372036854775808}", "n", &v), -1);
    ck_assert_int_eq(get_int("{\"n\":1.5}", "n", &v), -1);
    ck_assert_int_eq(get_int("{\"n\":\"12\"}", "n", &v), -1);
    ck_assert_int_eq(get_int("{\"m\":12}", "n", &v), -1);
    ck_assert_int_eq(v, 5);
}
END_TEST

START_TEST(test_key_in_value_is_not_a_key)
{
    int64_t v = 0;
    const char *j = "{\"message\":\"\\\"hold_id\\\":1\",\"note\":\"hold_id\",\"hold_id\":2}";
    ck_assert_int_eq(get_int(j, "hold_id", &v), 0);
    ck_assert_int_eq(v, 2);
    ck_assert(jscan_str_eq("[\"code\",\"sold_out\"]", 19, "code", "sold_out") == false);
}
END_TEST

START_TEST(test_strings)
{
    char out[32];
    const char *j = "{\"error\":{\"code\":\"sold_out\",\"message\":\"a\\\"b\\\\c\\u00e9\"}}";
    ck_assert_int_eq(jscan_str(j, strlen(j), "code", out, sizeof out), 8);
    ck_assert_str_eq(out, "sold_out");
    ck_assert(jscan_str_eq(j, strlen(j), "code", "sold_out"));
    ck_assert(!jscan_str_eq(j, strlen(j), "code", "sold"));
    ck_assert_int_eq(jscan_str(j, strlen(j), "message", out, sizeof out), 11);
    ck_assert_str_eq(out, "a\"b\\c\\u00e9");
    ck_assert_int_eq(jscan_str(j, strlen(j), "code", out, 8), -1); /* needs 9 bytes */
    ck_assert_str_eq(out, "");
    ck_assert_int_eq(jscan_str(j, strlen(j), "error", out, sizeof out), -1); /* object */
}
END_TEST

START_TEST(test_truncated_input)
{
    char out[32];
    int64_t v;
    const char *j = "{\"token\":\"abcdef\"}";
    for (size_t n = 0; n < 16; n++) /* every prefix that cuts the value short */
        ck_assert_int_eq(jscan_str(j, n, "token", out, sizeof out), -1);
    ck_assert_int_eq(jscan_str(j, 17, "token", out, sizeof out), 6);
    ck_assert_int_eq(jscan_int("{\"a\":", 5, "a", &v), -1);
    ck_assert_int_eq(jscan_int("{\"a\\", 4, "a", &v), -1);
}
END_TEST

UNIT_MAIN("jscan", test_ints, test_key_in_value_is_not_a_key, test_strings, test_truncated_input)
