/*
 * test_load_cookie.c: the cookie jar: parsing Set-Cookie, the Domain and Path rules,
 * expiry by Expires and Max-Age, Secure, replacement, the order of the Cookie header
 * and the jar's cap.
 */
#include "unit.h"
#include <stdio.h>
#include <string.h>

#include "load/engine/cookie.h"

#define NOW 1700000000

static int set(struct cookie_jar **j, const char *text, const char *host, const char *path)
{
    return cookie_jar_set(j, text, strlen(text), host, !strcmp(host, "127.0.0.1"), path, NOW);
}

static const char *header(const struct cookie_jar *j, const char *host, const char *path,
                          bool secure, int64_t now)
{
    static char out[1024];
    cookie_jar_header(j, host, !strcmp(host, "127.0.0.1"), path, secure, now, out, sizeof out);
    return out;
}

START_TEST(test_parse)
{
    char buf[512];
    struct cookie_parsed p;
    const char *t = " sid = a b ; Path=/x; DOMAIN=.Example.COM; Secure; HttpOnly; Max-Age=60;"
                    " Expires=Wed, 21 Oct 2037 07:28:00 GMT; Other";
    ck_assert_int_eq(cookie_parse(t, strlen(t), buf, sizeof buf, &p), 0);
    ck_assert_str_eq(p.name, "sid");
    ck_assert_str_eq(p.value, "a b");
    ck_assert_str_eq(p.path, "/x");
    ck_assert_str_eq(p.domain, "example.com");
    ck_assert(p.secure && p.has_max_age);
    ck_assert_int_eq(p.max_age_s, 60);
    ck_assert_int_eq(p.expires_s, 2139722880);
    t = "a=1; Path=relative; Expires=someday; Max-Age=1x";
    ck_assert_int_eq(cookie_parse(t, strlen(t), buf, sizeof buf, &p), 0);
    ck_assert_str_eq(p.path, ""); /* not '/': the default path */
    ck_assert(!p.has_max_age);    /* bad values are ignored */
    ck_assert_int_eq(p.expires_s, INT64_MIN);
    ck_assert_int_eq(cookie_parse("novalue", 7, buf, sizeof buf, &p), -1);
    ck_assert_int_eq(cookie_parse("=v", 2, buf, sizeof buf, &p), -1);
    ck_assert_int_eq(cookie_parse("a=\r1", 4, buf, sizeof buf, &p), -1);
    ck_assert_int_eq(cookie_parse("a=1", 3, buf, 4, &p), -1); /* buf too small */
}
END_TEST

START_TEST(test_domain_and_path)
{
    struct cookie_jar *j = NULL;
    ck_assert_int_eq(set(&j, "host=1", "api.example.com", "/v1/login"), 1);
    ck_assert_int_eq(set(&j, "wide=2; Domain=example.com; Path=/", "api.example.com", "/"), 1);
    ck_assert_int_eq(set(&j, "far=3; Domain=other.org", "api.example.com", "/"), 0);
    ck_assert_int_eq(set(&j, "deep=4; Path=/v1/rooms", "api.example.com", "/"), 1);
    ck_assert_int_eq(cookie_jar_count(j), 3);
    /* host=1's default path is /v1; the longest path goes first */
    ck_assert_str_eq(header(j, "api.example.com", "/v1/rooms/7", false, NOW),
                     "Cookie: deep=4; host=1; wide=2\r\n");
    ck_assert_str_eq(header(j, "api.example.com", "/v1", false, NOW), "Cookie: host=1; wide=2\r\n");
    ck_assert_str_eq(header(j, "api.example.com", "/v10", false, NOW), "Cookie: wide=2\r\n");
    ck_assert_str_eq(header(j, "example.com", "/v1", false, NOW), "Cookie: wide=2\r\n");
    ck_assert_str_eq(header(j, "www.api.example.com", "/v1", false, NOW), "Cookie: wide=2\r\n");
    ck_assert_str_eq(header(j, "other.org", "/", false, NOW), "");
    cookie_jar_clear(&j);
    ck_assert_ptr_null(j);
    ck_assert_int_eq(set(&j, "ip=1; Domain=0.0.1", "127.0.0.1", "/"), 0); /* no suffix of an IP */
    ck_assert_int_eq(set(&j, "ip=2; Domain=127.0.0.1", "127.0.0.1", "/"), 1);
    ck_assert_str_eq(header(j, "127.0.0.1", "/", false, NOW), "Cookie: ip=2\r\n");
    cookie_jar_clear(&j);
}
END_TEST

START_TEST(test_expiry_secure_replace)
{
    struct cookie_jar *j = NULL;
    ck_assert_int_eq(set(&j, "old=1; Expires=Thu, 01 Jan 1970 00:00:00 GMT", "h", "/"), 0);
    ck_assert_ptr_null(j); /* nothing stored: no jar made */
    ck_assert_int_eq(set(&j, "a=1; Max-Age=10; Expires=Thu, 01 Jan 1970 00:00:00 GMT", "h", "/"),
                     1);
    ck_assert_int_eq(set(&j, "s=1; Secure", "h", "/"), 1);
    ck_assert_str_eq(header(j, "h", "/", false, NOW), "Cookie: a=1\r\n");
    ck_assert_str_eq(header(j, "h", "/", true, NOW), "Cookie: a=1; s=1\r\n");
    ck_assert_str_eq(header(j, "h", "/", true, NOW + 10), "Cookie: s=1\r\n"); /* a expired */
    ck_assert_int_eq(set(&j, "a=2", "h", "/"), 1); /* replaced in place */
    ck_assert_int_eq(cookie_jar_count(j), 2);
    ck_assert_str_eq(header(j, "h", "/", true, NOW), "Cookie: a=2; s=1\r\n");
    ck_assert_int_eq(set(&j, "a=x; Max-Age=0", "h", "/"), 0); /* removes it */
    ck_assert_int_eq(cookie_jar_count(j), 1);
    char small[12];
    ck_assert_uint_eq(cookie_jar_header(j, "h", false, "/", true, NOW, small, sizeof small),
                      sizeof small); /* does not fit: says so */
    cookie_jar_clear(&j);
}
END_TEST

START_TEST(test_cap)
{
    struct cookie_jar *j = NULL;
    char c[32];
    for (int i = 0; i < COOKIE_JAR_MAX + 5; i++) {
        snprintf(c, sizeof c, "c%d=%d", i, i);
        ck_assert_int_eq(set(&j, c, "h", "/"), 1);
    }
    ck_assert_int_eq(cookie_jar_count(j), COOKIE_JAR_MAX); /* the oldest dropped */
    ck_assert_ptr_null(strstr(header(j, "h", "/", false, NOW), "c4="));
    ck_assert_ptr_nonnull(strstr(header(j, "h", "/", false, NOW), "c5=5"));
    static char big[COOKIE_BYTES_MAX + 8];
    memset(big, 'v', sizeof big - 1);
    big[0] = 'b';
    big[1] = '=';
    ck_assert_int_eq(set(&j, big, "h", "/"), 0); /* larger than a cookie may be */
    cookie_jar_clear(&j);
}
END_TEST

UNIT_MAIN("cookie", test_parse, test_domain_and_path, test_expiry_secure_replace, test_cap)
