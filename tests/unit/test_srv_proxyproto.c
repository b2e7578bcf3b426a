/*
 * test_srv_proxyproto.c: the PROXY protocol parser: v1 and v2 headers for IPv4 and
 * IPv6 give their length and the client's address; every proper prefix of a header
 * asks for more; HTTP and other bytes are no header; malformed headers are refused.
 */
#include "unit.h"
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "server/proxyproto.h"

static struct sockaddr_storage addr;
static socklen_t addrlen;

static int parse(const void *buf, size_t len)
{
    return proxyproto_parse(buf, len, &addr, &addrlen);
}

/* client: the parsed address as "IP port" */
static const char *client(void)
{
    static char out[64];
    char ip[48] = "?";
    unsigned port = 0;
    if (addr.ss_family == AF_INET) {
        const struct sockaddr_in *a = (const void *)&addr;
        inet_ntop(AF_INET, &a->sin_addr, ip, sizeof ip);
        port = ntohs(a->sin_port);
    } else if (addr.ss_family == AF_INET6) {
        const struct sockaddr_in6 *a = (const void *)&addr;
        inet_ntop(AF_INET6, &a->sin6_addr, ip, sizeof ip);
        port = ntohs(a->sin6_port);
    }
    snprintf(out, sizeof out, "%s %u", ip, port);
    return out;
}

static const unsigned char v2_tcp4[] = {
    '\r', '\n', '\r', '\n', 0, '\r', '\n', 'Q', 'U', 'I', 'T',  '\n', 0x21, 0x11,
    0,    12,   10,   0,    1, 1,    127,  0,   0,   1,   0x9c, 0x40, 0x1f, 0x90,
};

START_TEST(test_v1)
{
    const char *h = "PROXY TCP4 10.0.1.1 127.0.0.1 40000 8080\r\nGET / HTTP/1.1\r\n";
    size_t n = strlen("PROXY TCP4 10.0.1.1 127.0.0.1 40000 8080\r\n");
    ck_assert_int_eq(parse(h, strlen(h)), (int)n);
    ck_assert_str_eq(client(), "10.0.1.1 40000");
    for (size_t i = 1; i < n; i++) /* every proper prefix asks for more */
        ck_assert_int_eq(parse(h, i), PROXYPROTO_MORE);
    h = "PROXY TCP6 2001:db8::7 ::1 1 80\r\n";
    ck_assert_int_eq(parse(h, strlen(h)), (int)strlen(h));
    ck_assert_str_eq(client(), "2001:db8::7 1");
    h = "PROXY UNKNOWN\r\n";
    ck_assert_int_eq(parse(h, strlen(h)), (int)strlen(h));
    ck_assert_int_eq(addrlen, 0);
}
END_TEST

START_TEST(test_v2)
{
    ck_assert_int_eq(parse(v2_tcp4, sizeof v2_tcp4), (int)sizeof v2_tcp4);
    ck_assert_str_eq(client(), "10.0.1.1 40000");
    for (size_t i = 1; i < sizeof v2_tcp4; i++)
        ck_assert_int_eq(parse(v2_tcp4, i), PROXYPROTO_MORE);
    unsigned char local[16];
    memcpy(local, v2_tcp4, 16);
    local[12] = 0x20; /* LOCAL: the proxy's own connection, no address */
    local[13] = 0;
    local[15] = 0;
    ck_assert_int_eq(parse(local, sizeof local), 16);
    ck_assert_int_eq(addrlen, 0);
}
END_TEST

START_TEST(test_not_a_header)
{
    ck_assert_int_eq(parse("POST /api/auth/register HTTP/1.1\r\n", 34), PROXYPROTO_NONE);
    ck_assert_int_eq(parse("PUT", 3), PROXYPROTO_NONE);
    ck_assert_int_eq(parse("GET / HTTP/1.1\r\n", 16), PROXYPROTO_NONE);
    ck_assert_int_eq(parse("\r\n\r\nX", 5), PROXYPROTO_NONE);
    ck_assert_int_eq(parse("P", 1), PROXYPROTO_MORE); /* "PROXY " or "POST ": not yet known */
}
END_TEST

START_TEST(test_malformed)
{
    const char *bad[] = {
        "PROXY TCP4 300.0.0.1 127.0.0.1 1 2\r\n",
        "PROXY TCP4 10.0.0.1 127.0.0.1 65536 2\r\n",
        "PROXY TCP4 10.0.0.1 127.0.0.1 01 2\r\n",
        "PROXY TCP5 10.0.0.1 127.0.0.1 1 2\r\n",
        "PROXY TCP4 ::1 ::1 1 2\r\n",
        "PROXY TCP4 10.0.0.1 127.0.0.1 1 2 3\r\n",
        "PROXY TCP4 10.0.0.1 127.0.0.1 1 2\n",
        "PROXY TCP4 10.0.0.1\r\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ck_assert_int_eq(parse(bad[i], strlen(bad[i])), PROXYPROTO_INVALID);
    char longline[200];
    memset(longline, 'x', sizeof longline);
    memcpy(longline, "PROXY ", 6);
    ck_assert_int_eq(parse(longline, sizeof longline), PROXYPROTO_INVALID); /* no \n in 107 */
    unsigned char v2[sizeof v2_tcp4];
    memcpy(v2, v2_tcp4, sizeof v2);
    v2[12] = 0x11; /* version 1 */
    ck_assert_int_eq(parse(v2, sizeof v2), PROXYPROTO_INVALID);
    memcpy(v2, v2_tcp4, sizeof v2);
    v2[15] = 4; /* TCP4 with 4 bytes: too short for its addresses */
    ck_assert_int_eq(parse(v2, 20), PROXYPROTO_INVALID);
    memcpy(v2, v2_tcp4, sizeof v2);
    v2[14] = 1; /* 16 + 268 bytes: over PROXYPROTO_MAX */
    ck_assert_int_eq(parse(v2, sizeof v2), PROXYPROTO_INVALID);
}
END_TEST

UNIT_MAIN("proxyproto", test_v1, test_v2, test_not_a_header, test_malformed)
