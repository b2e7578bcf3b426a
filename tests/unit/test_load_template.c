/*
 * test_load_template.c: the http scenario's request templates: placeholders filled per
 * VU (with an offset) and iteration, {{rand A B}} within its bounds, bad templates refused with a reason,
 * and no expansion ever past its buffer.
 */
#include "unit.h"
#include <stdlib.h>
#include <string.h>

#include "load/engine/template.h"

static struct tpl t;
static char err[512];

static int compile(const char *src, size_t cap, const char *forbid)
{
    err[0] = '\0';
    return tpl_compile(&t, src, strlen(src), cap, forbid, err, sizeof err);
}

START_TEST(test_plain_text)
{
    struct lr_vu vu = { .id = 3, .iteration = 1, .rng = 42 };
    char out[64];
    ck_assert_int_eq(compile("/api/hotels?x=}}", sizeof out, " \r\n"), 0);
    ck_assert_int_eq(tpl_expand(&t, &vu, out, sizeof out), 16);
    ck_assert_str_eq(out, "/api/hotels?x=}}");
    ck_assert_uint_eq(vu.rng, 42); /* no draw without {{rand}} */
    ck_assert_int_eq(compile("", sizeof out, NULL), 0);
    ck_assert_int_eq(tpl_expand(&t, &vu, out, sizeof out), 0);
    ck_assert_str_eq(out, "");
}
END_TEST

START_TEST(test_vu_and_iter)
{
    struct lr_vu vu = { .id = 7, .iteration = 3 }; /* the third iteration runs */
    char out[128];
    ck_assert_int_eq(compile("/u/{{vu}}/i/{{ iter }}{\"a\":{{vu}}}", sizeof out, NULL), 0);
    ck_assert_int_eq(tpl_expand(&t, &vu, out, sizeof out), (int)strlen("/u/7/i/2{\"a\":7}"));
    ck_assert_str_eq(out, "/u/7/i/2{\"a\":7}");
    vu.id = 123456;
    vu.iteration = 1;
    tpl_expand(&t, &vu, out, sizeof out);
    ck_assert_str_eq(out, "/u/123456/i/0{\"a\":123456}");
}
END_TEST

START_TEST(test_vu_offset)
{
    struct lr_vu vu = { .id = 5, .iteration = 1, .rng = 7 };
    char out[64];
    ck_assert_int_eq(compile("{\"id\":{{vu + 40}},\"b\":{{ vu+0 }}}", sizeof out, NULL), 0);
    ck_assert_int_eq(tpl_expand(&t, &vu, out, sizeof out), (int)strlen("{\"id\":45,\"b\":5}"));
    ck_assert_str_eq(out, "{\"id\":45,\"b\":5}");
    ck_assert_uint_eq(vu.rng, 7); /* no draw */
    vu.id = 2147483647;
    ck_assert_int_eq(compile("{{vu + 1000000000000000}}", sizeof out, NULL), 0);
    tpl_expand(&t, &vu, out, sizeof out);
    ck_assert_str_eq(out, "1000002147483647");
}
END_TEST

START_TEST(test_rand_bounds)
{
    struct lr_vu vu = { .id = 1, .iteration = 1, .rng = 99 };
    char out[64];
    bool seen[5] = { false };
    ck_assert_int_eq(compile("{{rand 1 5}}", sizeof out, NULL), 0);
    for (int i = 0; i < 500; i++) {
        ck_assert_int_eq(tpl_expand(&t, &vu, out, sizeof out), 1);
        int v = atoi(out);
        ck_assert_int_ge(v, 1);
        ck_assert_int_le(v, 5);
        seen[v - 1] = true;
    }
    for (int i = 0; i < 5; i++)
        ck_assert(seen[i]); /* both ends and the middle come up */
    ck_assert_int_eq(compile("x{{rand -3 -3}}y", sizeof out, NULL), 0);
    tpl_expand(&t, &vu, out, sizeof out);
    ck_assert_str_eq(out, "x-3y");
    ck_assert_int_eq(compile("{{rand -1000000000000000 1000000000000000}}", sizeof out, NULL), 0);
    for (int i = 0; i < 100; i++) {
        ck_assert_int_gt(tpl_expand(&t, &vu, out, sizeof out), 0);
        long long v = atoll(out);
        ck_assert(v >= -1000000000000000LL && v <= 1000000000000000LL);
    }
}
END_TEST

START_TEST(test_bad_templates)
{
    const char *bad[] = {
        "/a/{{vu",      "/a/{{}}",
        "/a/{{VU}}",    "/a/{{user}}",
        "{{rand 5 1}}", "{{rand 1}}",
        "{{rand a b}}", "{{rand 1 2 3}}",
        "{{rand1 2}}",  "{{rand 0 2000000000000000}}",
        "{{iter}x}",    "{{vu +}}",
        "{{vu - 1}}",   "{{vu + -1}}",
        "{{vu + 1x}}",  "{{vu + 1000000000000001}}",
        "{{vu 1}}",     NULL,
    };
    for (int i = 0; bad[i]; i++) {
        ck_assert_msg(compile(bad[i], 256, NULL) == -1, "accepted %s", bad[i]);
        ck_assert_msg(strstr(err, "template:") != NULL, "no reason for %s", bad[i]);
    }
    ck_assert_int_eq(compile("/a b/{{vu}}", 256, " \r\n"), -1);
    ck_assert_ptr_nonnull(strstr(err, "forbidden character"));
    ck_assert_int_eq(compile("/a/{{rand 1 9}}", 256, " \r\n"), 0); /* spaces inside are fine */
    char many[256] = "";
    for (int i = 0; i < 17; i++)
        strcat(many, "a{{vu}}");
    ck_assert_int_eq(compile(many, sizeof many, NULL), -1);
    ck_assert_ptr_nonnull(strstr(err, "more than 32 parts"));
}
END_TEST

START_TEST(test_caps)
{
    struct lr_vu vu = { .id = 2147483647, .iteration = UINT64_MAX };
    char out[64];
    /* the longest expansion must fit with its NUL: {{iter}} may take 20 digits */
    ck_assert_int_eq(compile("{{iter}}", 20, NULL), -1);
    ck_assert_ptr_nonnull(strstr(err, "over the 19-byte cap"));
    ck_assert_int_eq(compile("{{iter}}", 21, NULL), 0);
    ck_assert_int_eq(tpl_expand(&t, &vu, out, 21), 20);
    ck_assert_str_eq(out, "18446744073709551614");
    ck_assert_int_eq(compile("abcdef", 6, NULL), -1);
    ck_assert_int_eq(compile("abcdef", 7, NULL), 0);
    /* a buffer smaller than the one compiled for: refused, never cut short */
    ck_assert_int_eq(compile("/{{vu}}/{{iter}}", sizeof out, NULL), 0);
    memset(out, 'x', sizeof out);
    ck_assert_int_eq(tpl_expand(&t, &vu, out, 8), -1);
    ck_assert_str_eq(out, "");
    ck_assert_int_eq(out[1], 'x'); /* nothing written past what it said */
    ck_assert_int_eq(tpl_expand(&t, &vu, out, sizeof out), 1 + 10 + 1 + 20);
}
END_TEST

UNIT_MAIN("template", test_plain_text, test_vu_and_iter, test_vu_offset, test_rand_bounds,
          test_bad_templates, test_caps)
