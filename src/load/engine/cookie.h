/*
 * cookie.h: a virtual user's cookie jar (a subset of RFC 6265's storage model).
 *
 * A Set-Cookie header is parsed into name, value and the attributes Domain, Path,
 * Expires, Max-Age and Secure (HttpOnly and any other attribute are ignored: nothing
 * here runs scripts in a page). A cookie is kept by (name, domain, path); one that
 * has expired, or whose Domain does not cover the host that set it, is not stored.
 * cookie_jar_header gives the Cookie header for a request: the live cookies whose
 * domain and path match it (Secure ones over https only), longest path first.
 *
 * Memory: a jar is made on the first cookie a VU receives (a VU that gets none costs
 * a NULL pointer), holds at most COOKIE_JAR_MAX cookies (the oldest is dropped for a
 * new one) and each cookie at most COOKIE_BYTES_MAX bytes of name, value, domain and
 * path, in one allocation of its own size. A jar belongs to one thread.
 */
#ifndef LASTROOM_LOAD_ENGINE_COOKIE_H
#define LASTROOM_LOAD_ENGINE_COOKIE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define COOKIE_JAR_MAX   50
#define COOKIE_BYTES_MAX 4096

/* One Set-Cookie header, parsed: the strings point into the caller's copy. */
struct cookie_parsed {
    const char *name, *value;
    const char *domain; /* lower case without a leading '.'; "" when not given */
    const char *path;   /* "" when not given or not starting with '/' */
    bool secure;
    bool has_max_age;
    int64_t max_age_s; /* Max-Age, when has_max_age */
    int64_t expires_s; /* Expires as seconds since the epoch; INT64_MIN: none */
};

/* cookie_parse: parse the Set-Cookie value text (len bytes) into out, its strings in
 * buf (cap bytes, at least len + 1). Returns 0, or -1 when it is no cookie (no '=',
 * an empty name, a control byte, larger than COOKIE_BYTES_MAX or than buf); an
 * attribute with a bad value (a date that does not parse) is ignored, as RFC 6265 says. */
int cookie_parse(const char *text, size_t len, char *buf, size_t cap, struct cookie_parsed *out);

struct cookie_jar;

/* cookie_jar_set: store the cookie the Set-Cookie value text (len bytes) sets, received
 * from host (lower case, no port; a literal IP allows no Domain but itself) for the
 * request path req_path (its query ignored), at now_s (seconds since the epoch).
 * *jar is made when it is NULL and a cookie is stored. Returns 1 stored, 0 removed or
 * ignored (expired, a Domain that does not cover host, not a cookie), -1 out of memory
 * (the jar unchanged). */
int cookie_jar_set(struct cookie_jar **jar, const char *text, size_t len, const char *host,
                   bool host_is_ip, const char *req_path, int64_t now_s);

/* cookie_jar_header: write "Cookie: a=1; b=2\r\n" for a request to host and path
 * (https when secure) into out (cap bytes, NUL-terminated). Returns its length; 0 when
 * no cookie matches or the jar is NULL; cap when it does not fit (out unspecified). */
size_t cookie_jar_header(const struct cookie_jar *jar, const char *host, bool host_is_ip,
                         const char *path, bool secure, int64_t now_s, char *out, size_t cap);

/* cookie_jar_count: the cookies stored (expired ones included until replaced). */
int cookie_jar_count(const struct cookie_jar *jar);

/* cookie_jar_clear: drop every cookie and free the jar; *jar becomes NULL. */
void cookie_jar_clear(struct cookie_jar **jar);

#endif
