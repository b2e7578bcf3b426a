/*
 * test_srv_jsonx.c: strict object parsing (depth, duplicates, non-objects) and typed
 * field access with missing/invalid told apart; the capped buffer.
 */
#include "unit.h"
#include <stdlib.h>
#include <string.h>

#include "server/buf.h"
#include "server/jsonx.h"

static json_t *parse(const char *s)
{
    return jsonx_parse_object(s, strlen(s), 16);
}

START_TEST(test_parse)
{
    json_t *j = parse("{\"a\":1,\"b\":\"x\"}");
    ck_assert_ptr_nonnull(j);
    json_decref(j);
    ck_assert_ptr_null(parse(""));
    ck_assert_ptr_null(parse("[1]"));
    ck_assert_ptr_null(parse("42"));
    ck_assert_ptr_null(parse("{\"a\":1,\"a\":2}"));
    ck_assert_ptr_null(parse("{\"a\":1"));
    ck_assert_ptr_null(parse("{\"a\":\"\xff\"}")); /* not UTF-8 */
    ck_assert_ptr_null(parse("{\"a\":1} trailing"));
    ck_assert_ptr_null(parse("{\"a\":\"x\\u0000y\"}")); /* NUL inside a string */
    ck_assert_ptr_null(jsonx_parse_object(NULL, 0, 16));
}
END_TEST

START_TEST(test_depth)
{
    char deep[200] = "";
    for (int i = 0; i < 17; i++)
        strcat(deep, "[");
    for (int i = 0; i < 17; i++)
        strcat(deep, "]");
    ck_assert_int_eq(jsonx_depth_ok(deep, strlen(deep), 16), 0);
    ck_assert_int_eq(jsonx_depth_ok(deep, strlen(deep), 17), 1);
    const char *in_string = "{\"a\":\"[[[[[[[[[[[[[[[[[[[[[[[[\\\"[[[[[[\"}";
    ck_assert_int_eq(jsonx_depth_ok(in_string, strlen(in_string), 2), 1);
    json_t *j = parse(in_string);
    ck_assert_ptr_nonnull(j);
    json_decref(j);
}
END_TEST

START_TEST(test_fields)
{
    json_t *j = parse("{\"n\":5,\"big\":99,\"f\":1.5,\"s\":\"abc\",\"t\":true,\"z\":null}");
    int64_t v = -1;
    const char *s;
    size_t n;
    ck_assert_int_eq(jsonx_get_int(j, "n", 1, 10, &v), JSONX_OK);
    ck_assert_int_eq(v, 5);
    ck_assert_int_eq(jsonx_get_int(j, "big", 1, 10, &v), JSONX_INVALID);
    ck_assert_int_eq(jsonx_get_int(j, "f", 1, 10, &v), JSONX_INVALID);
    ck_assert_int_eq(jsonx_get_int(j, "s", 1, 10, &v), JSONX_INVALID);
    ck_assert_int_eq(jsonx_get_int(j, "t", 1, 10, &v), JSONX_INVALID);
    ck_assert_int_eq(jsonx_get_int(j, "z", 1, 10, &v), JSONX_MISSING);
    ck_assert_int_eq(jsonx_get_int(j, "absent", 1, 10, &v), JSONX_MISSING);
    ck_assert_int_eq(v, 5);
    ck_assert_int_eq(jsonx_get_str(j, "s", 1, 3, &s, &n), JSONX_OK);
    ck_assert_str_eq(s, "abc");
    ck_assert_uint_eq(n, 3);
    ck_assert_int_eq(jsonx_get_str(j, "s", 4, 10, &s, &n), JSONX_INVALID);
    ck_assert_int_eq(jsonx_get_str(j, "n", 0, 10, &s, &n), JSONX_INVALID);
    ck_assert_int_eq(jsonx_get_str(j, "z", 0, 10, &s, &n), JSONX_MISSING);
    json_decref(j);
}
END_TEST

START_TEST(test_error_body)
{
    char *b = jsonx_error_body("sold_out", "no \"rooms\"");
    ck_assert_str_eq(b, "{\"error\":{\"code\":\"sold_out\",\"message\":\"no \\\"rooms\\\"\"}}");
    free(b);
}
END_TEST

START_TEST(test_buf_cap)
{
    struct buf b;
    buf_init(&b, 10);
    ck_assert_int_eq(buf_append(&b, "12345", 5), 0);
    ck_assert_int_eq(buf_appendf(&b, "%d", 678), 0);
    ck_assert_int_eq(buf_append(&b, "abc", 3), -1); /* 11 > 10: refused whole */
    ck_assert_str_eq(b.data, "12345678");
    ck_assert_int_eq(buf_append(&b, "90", 2), 0);
    ck_assert_int_eq(buf_appendf(&b, "x"), -1);
    char *s = buf_steal(&b);
    ck_assert_str_eq(s, "1234567890");
    ck_assert_ptr_null(b.data);
    free(s);
    struct buf big;
    buf_init(&big, 100000);
    for (int i = 0; i < 1000; i++)
        ck_assert_int_eq(buf_appendf(&big, "%099d", i), 0);
    ck_assert_uint_eq(big.len, 99000);
    ck_assert_int_eq(buf_appendf(&big, "%01200d", 1), -1);
    ck_assert_uint_eq(big.len, 99000);
    buf_free(&big);
    s = buf_steal(&big);
    ck_assert_str_eq(s, "");
    free(s);
}
END_TEST

UNIT_MAIN("jsonx", test_parse, test_depth, test_fields, test_error_body, test_buf_cap)
