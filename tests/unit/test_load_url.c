/*
 * test_load_url.c: the one base-URL parser: schemes and their default ports, IPv6
 * literals, path prefixes (with and without trailing slashes), the Host header it
 * builds, every refusal naming its cause, and the loopback test on addresses.
 */
#include "unit.h"
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "load/engine/url.h"

START_TEST(test_accepts)
{
    struct url u;
    char err[256];
    ck_assert_int_eq(url_parse(&u, "http://127.0.0.1:8080/v1/", err, sizeof err), 0);
    ck_assert(!u.tls);
    ck_assert_str_eq(u.host, "127.0.0.1");
    ck_assert_str_eq(u.port, "8080");
    ck_assert_str_eq(u.prefix, "/v1");
    ck_assert_str_eq(u.authority, "127.0.0.1:8080");
    ck_assert_int_eq(url_parse(&u, "HTTPS://api.example.test", err, sizeof err), 0);
    ck_assert(u.tls);
    ck_assert_str_eq(u.port, "443");
    ck_assert_str_eq(u.prefix, "");
    ck_assert_str_eq(u.authority, "api.example.test");
    ck_assert_int_eq(url_parse(&u, "https://[::1]:8443/a/b//", err, sizeof err), 0);
    ck_assert_str_eq(u.host, "::1");
    ck_assert_str_eq(u.authority, "[::1]:8443");
    ck_assert_str_eq(u.prefix, "/a/b");
    ck_assert(url_host_is_ip(&u));
    ck_assert_int_eq(url_parse(&u, "http://localhost:80/", err, sizeof err), 0);
    ck_assert_str_eq(u.authority, "localhost"); /* the default port is not written */
    ck_assert(!url_host_is_ip(&u));
}
END_TEST

static void refused(const char *text, const char *why)
{
    struct url u;
    char err[256];
    ck_assert_int_eq(url_parse(&u, text, err, sizeof err), -1);
    ck_assert_msg(strstr(err, why) != NULL, "%s: %s", text, err);
}

START_TEST(test_refuses)
{
    refused("ftp://x/", "scheme");
    refused("http://:80/", "no host");
    refused("http://h:0/", "port");
    refused("http://h:65536/", "port");
    refused("http://h:80x/", "after the host");
    refused("http://[::1/", "[address]");
    refused("http://[zz]/", "IPv6");
    refused("http://u:p@h/", "user information");
    refused("http://h/a?b=1", "query");
    refused("http://h/a b", "blanks");
    refused("http://h/a\r\nX: y", "control");
}
END_TEST

START_TEST(test_loopback)
{
    struct sockaddr_in a4 = { .sin_family = AF_INET };
    struct sockaddr_in6 a6 = { .sin6_family = AF_INET6 };
    inet_pton(AF_INET, "127.3.2.1", &a4.sin_addr);
    ck_assert(url_is_loopback((struct sockaddr *)&a4));
    inet_pton(AF_INET, "10.0.0.1", &a4.sin_addr);
    ck_assert(!url_is_loopback((struct sockaddr *)&a4));
    inet_pton(AF_INET6, "::1", &a6.sin6_addr);
    ck_assert(url_is_loopback((struct sockaddr *)&a6));
    inet_pton(AF_INET6, "::ffff:127.0.0.1", &a6.sin6_addr);
    ck_assert(url_is_loopback((struct sockaddr *)&a6));
    inet_pton(AF_INET6, "2001:db8::1", &a6.sin6_addr);
    ck_assert(!url_is_loopback((struct sockaddr *)&a6));
}
END_TEST

UNIT_MAIN("url", test_accepts, test_refuses, test_loopback)
