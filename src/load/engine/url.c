/*
 * url.c: base URL parsing and resolution (see url.h).
 *
 * The parser walks the text once, scheme, authority, path, and names the first part
 * that is wrong. It accepts only what a base URL needs; a request's own path is the
 * scenario's business (template.h) and is appended to the prefix as written.
 */
#include "load/engine/url.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int bad(char *err, size_t errlen, const char *text, const char *why)
{
    snprintf(err, errlen, "bad URL '%s': %s (want http[s]://host[:port][/path])", text, why);
    return -1;
}

/* Characters allowed in a host name (RFC 3986 unreserved, and '%' for escapes). */
static bool host_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-'
           || c == '.' || c == '_' || c == '~' || c == '%';
}

/* The host at p: a bracketed IPv6 address or a name. Returns the end, or NULL. */
static const char *parse_host(struct url *u, const char *p, const char **why)
{
    const char *end;
    const char *start = p;
    if (*p == '[') {
        start = p + 1;
        end = strchr(start, ']');
        struct in6_addr a6;
        char tmp[INET6_ADDRSTRLEN + 1];
        size_t n = end ? (size_t)(end - start) : 0;
        if (!end || n == 0 || n >= sizeof tmp)
            return *why = "an IPv6 address must be written [address]", NULL;
        memcpy(tmp, start, n);
        tmp[n] = '\0';
        if (inet_pton(AF_INET6, tmp, &a6) != 1)
            return *why = "not an IPv6 address between the brackets", NULL;
        memcpy(u->host, tmp, n + 1);
        return end + 1;
    }
    for (end = p; host_char(*end); end++)
        ;
    if (end == p)
        return *why = "no host", NULL;
    if ((size_t)(end - p) >= sizeof u->host)
        return *why = "the host name is too long", NULL;
    memcpy(u->host, p, (size_t)(end - p));
    u->host[end - p] = '\0';
    return end;
}

/* ":port" at p, or nothing (the scheme's default). Returns the end, or NULL. */
static const char *parse_port(struct url *u, const char *p, const char **why)
{
    snprintf(u->port, sizeof u->port, "%s", u->tls ? "443" : "80");
    if (*p != ':')
        return p;
    size_t n = strspn(p + 1, "0123456789");
    long v = n > 0 && n < 6 ? strtol(p + 1, NULL, 10) : 0;
    if (v < 1 || v > 65535)
        return *why = "the port must be a number from 1 to 65535", NULL;
    snprintf(u->port, sizeof u->port, "%ld", v);
    return p + 1 + n;
}

/* The path prefix at p, without trailing slashes. Returns 0, or -1 with *why. */
static int parse_prefix(struct url *u, const char *p, const char **why)
{
    if (*p && *p != '/')
        return *why = "unexpected characters after the host", -1;
    if (strpbrk(p, "?#"))
        return *why = "a base URL has no query or fragment", -1;
    size_t n = strlen(p);
    while (n > 0 && p[n - 1] == '/')
        n--;
    if (n >= sizeof u->prefix)
        return *why = "the path is too long", -1;
    memcpy(u->prefix, p, n);
    u->prefix[n] = '\0';
    return 0;
}

int url_parse(struct url *u, const char *text, char *err, size_t errlen)
{
    const char *why = NULL, *p = text;
    memset(u, 0, sizeof *u);
    for (const char *c = text; *c; c++)
        if ((unsigned char)*c <= 0x20 || *c == 0x7f)
            return bad(err, errlen, text, "blanks or control characters");
    if (strncasecmp(p, "https://", 8) == 0) {
        u->tls = true;
        p += 8;
    } else if (strncasecmp(p, "http://", 7) == 0) {
        p += 7;
    } else {
        return bad(err, errlen, text, "the scheme must be http:// or https://");
    }
    if (memchr(p, '@', strcspn(p, "/")))
        return bad(err, errlen, text, "user information is not supported");
    if (!(p = parse_host(u, p, &why)) || !(p = parse_port(u, p, &why))
        || parse_prefix(u, p, &why) != 0)
        return bad(err, errlen, text, why);
    bool v6 = strchr(u->host, ':') != NULL;
    bool dflt = strcmp(u->port, u->tls ? "443" : "80") == 0;
    snprintf(u->authority, sizeof u->authority, "%s%s%s%s%s", v6 ? "[" : "", u->host, v6 ? "]" : "",
             dflt ? "" : ":", dflt ? "" : u->port);
    return 0;
}

int url_resolve(const struct url *u, struct sockaddr_storage *addr, socklen_t *len, char *err,
                size_t errlen)
{
    struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM }, *ai;
    int rc = getaddrinfo(u->host, u->port, &hints, &ai);
    if (rc != 0) {
        snprintf(err, errlen, "cannot resolve %s: %s", u->host, gai_strerror(rc));
        return -1;
    }
    memcpy(addr, ai->ai_addr, ai->ai_addrlen);
    *len = ai->ai_addrlen;
    freeaddrinfo(ai);
    return 0;
}

bool url_is_loopback(const struct sockaddr *addr)
{
    if (addr->sa_family == AF_INET) {
        const struct sockaddr_in *s = (const struct sockaddr_in *)(const void *)addr;
        return (ntohl(s->sin_addr.s_addr) >> 24) == 127;
    }
    if (addr->sa_family == AF_INET6) {
        const struct in6_addr *a = &((const struct sockaddr_in6 *)(const void *)addr)->sin6_addr;
        return IN6_IS_ADDR_LOOPBACK(a) || (IN6_IS_ADDR_V4MAPPED(a) && a->s6_addr[12] == 127);
    }
    return false;
}

bool url_host_is_ip(const struct url *u)
{
    unsigned char buf[sizeof(struct in6_addr)];
    return inet_pton(AF_INET, u->host, buf) == 1 || inet_pton(AF_INET6, u->host, buf) == 1;
}
