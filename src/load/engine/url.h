/*
 * url.h: the one parser of base URLs in lastroom-load (--url, the scenarios' setup,
 * the nemesis' probe), so that every part of the tester agrees on what a target is.
 *
 *   http[s]://host[:port][/prefix]
 *
 * host is a name, an IPv4 address or a bracketed IPv6 address ("[::1]"); port is
 * 1..65535 (default 80 for http, 443 for https); prefix is a path that every request
 * path is appended to, kept without its trailing '/'. User information, a query or a
 * fragment in a base URL are refused, as are control characters and blanks anywhere.
 */
#ifndef LASTROOM_LOAD_ENGINE_URL_H
#define LASTROOM_LOAD_ENGINE_URL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#define URL_HOST_MAX   254
#define URL_PREFIX_MAX 256

struct url {
    bool tls;                          /* https */
    char host[URL_HOST_MAX];           /* without brackets: "::1", "api.example.com" */
    char port[6];                      /* "8080"; the default filled in */
    char prefix[URL_PREFIX_MAX];       /* "" or "/v1" (no trailing '/') */
    char authority[URL_HOST_MAX + 10]; /* the Host header: "[::1]:8080", "example.com" */
};

/* url_parse: fill u from text. Returns 0, or -1 with a message naming the URL and what
 * is wrong in err (u is then unspecified). */
int url_parse(struct url *u, const char *text, char *err, size_t errlen);

/* url_resolve: the first address of u's host and port (getaddrinfo, blocking).
 * Returns 0 and fills *addr and *len, or -1 with the resolver's message in err. */
int url_resolve(const struct url *u, struct sockaddr_storage *addr, socklen_t *len, char *err,
                size_t errlen);

/* url_is_loopback: addr is in 127.0.0.0/8 or is ::1 (or ::ffff:127.x.y.z). */
bool url_is_loopback(const struct sockaddr *addr);

/* url_host_is_ip: u's host is a literal IPv4 or IPv6 address (no name to verify). */
bool url_host_is_ip(const struct url *u);

#endif
