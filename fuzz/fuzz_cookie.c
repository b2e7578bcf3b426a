/*
 * fuzz_cookie.c: libFuzzer harness for lastroom-load's cookie jar (cookie.h), which
 * stores whatever Set-Cookie headers the server under test sends.
 *
 * The first byte picks the host that answered (a name, a subdomain, an IP address),
 * whether the request was https, and the clock; the rest is split at '\n' into
 * Set-Cookie values, the last line being the path of the next request. Each value is
 * stored in one jar, then the Cookie header for that request is written. Properties:
 * a parsed cookie has a non-empty name without '=' or ';', and no string of it holds a
 * byte below 0x20 but a tab; the jar never holds more than COOKIE_JAR_MAX cookies;
 * the header is either empty, or "Cookie: " then name=value pairs joined by "; " and
 * one final CRLF, within the buffer; a header written into a buffer too small says so
 * (cap) instead of overrunning it. The jar is freed whole (the leak check sees it).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "load/engine/cookie.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void broken(const char *what)
{
    fprintf(stderr, "property broken: %s\n", what);
    abort();
}

static void check_string(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 && *s != '\t')
            broken("a control byte in a parsed cookie");
}

static void check_parsed(const char *text, size_t len)
{
    static char buf[2 * COOKIE_BYTES_MAX + 16];
    struct cookie_parsed p;
    if (cookie_parse(text, len, buf, sizeof buf, &p) != 0)
        return;
    if (!p.name[0] || strpbrk(p.name, "=;") || strchr(p.value, ';'))
        broken("a cookie name empty or holding '=' or ';', or a value holding ';'");
    check_string(p.name);
    check_string(p.value);
    check_string(p.domain);
    check_string(p.path);
    if (p.path[0] && p.path[0] != '/')
        broken("a Path kept that does not start with '/'");
}

static void check_header(const char *h, size_t n, size_t cap)
{
    if (n == 0 || n == cap)
        return;
    if (n > cap || strlen(h) != n || strncmp(h, "Cookie: ", 8) != 0
        || strcmp(h + n - 2, "\r\n") != 0)
        broken("a Cookie header not of the form \"Cookie: ...\\r\\n\"");
    if (strpbrk(h, "\r\n") != h + n - 2)
        broken("a CR or LF inside the Cookie header");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const hosts[] = { "example.com", "api.example.com", "127.0.0.1",
                                         "localhost" };
    static char out[8192];
    if (size < 1)
        return 0;
    const char *host = hosts[data[0] & 3];
    bool ip = (data[0] & 3) == 2, secure = data[0] & 4;
    int64_t now = (data[0] & 8) ? 1700000000 : 4000000000LL;
    struct cookie_jar *jar = NULL;
    const char *p = (const char *)data + 1, *end = (const char *)data + size;
    const char *req = "/";
    char path[512];
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl) { /* the last line: the request's path */
            snprintf(path, sizeof path, "%.*s", (int)(end - p), p);
            req = path[0] == '/' && !strpbrk(path, " \r") ? path : "/";
            break;
        }
        check_parsed(p, (size_t)(nl - p));
        if (cookie_jar_set(&jar, p, (size_t)(nl - p), host, ip, "/a/b?q", now) < 0)
            broken("out of memory");
        if (cookie_jar_count(jar) > COOKIE_JAR_MAX)
            broken("the jar grew past COOKIE_JAR_MAX");
        p = nl + 1;
    }
    size_t n = cookie_jar_header(jar, host, ip, req, secure, now, out, sizeof out);
    check_header(out, n, sizeof out);
    n = cookie_jar_header(jar, host, ip, req, secure, now, out, 24);
    check_header(out, n, 24);
    cookie_jar_clear(&jar);
    if (jar)
        broken("a cleared jar is not NULL");
    return 0;
}
