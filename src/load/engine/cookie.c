/*
 * cookie.c: a virtual user's cookie jar (see cookie.h).
 *
 * Built for few cookies per VU (a session or two): the jar is a small array scanned
 * whole, each cookie one allocation holding its strings. Expires is read in the three
 * date forms servers send (IMF-fixdate, RFC 850 and asctime's); a date in none of
 * them is ignored, so the cookie lasts the iteration, as a browser's would last the
 * session.
 */
#include "load/engine/cookie.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

struct cookie {
    uint64_t seq;      /* creation order: the oldest is dropped first */
    int64_t expires_s; /* INT64_MAX: when the jar is cleared */
    bool host_only, secure;
    const char *name, *value, *domain, *path; /* in text */
    char text[];
};

struct cookie_jar {
    int n;
    uint64_t next_seq;
    struct cookie *c[COOKIE_JAR_MAX];
};

/* Trim blanks around [*s, *e). */
static void trim(const char **s, const char **e)
{
    while (*s < *e && (**s == ' ' || **s == '\t'))
        (*s)++;
    while (*e > *s && ((*e)[-1] == ' ' || (*e)[-1] == '\t'))
        (*e)--;
}

/* Copy [s, e) into buf at *off as a C string. */
static const char *put(char *buf, size_t *off, const char *s, const char *e)
{
    char *d = buf + *off;
    memcpy(d, s, (size_t)(e - s));
    d[e - s] = '\0';
    *off += (size_t)(e - s) + 1;
    return d;
}

/* An Expires date in seconds since the epoch, or INT64_MIN. */
static int64_t parse_date(const char *s)
{
    static const char *const forms[] = {
        "%a, %d %b %Y %H:%M:%S GMT", /* IMF-fixdate */
        "%a, %d-%b-%Y %H:%M:%S GMT", /* Netscape's, four-digit year */
        "%A, %d-%b-%y %H:%M:%S GMT", /* RFC 850 */
        "%a %b %d %H:%M:%S %Y",      /* asctime */
    };
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
        struct tm tm;
        memset(&tm, 0, sizeof tm);
        const char *end = strptime(s, forms[i], &tm);
        if (end && *end == '\0')
            return (int64_t)timegm(&tm);
    }
    return INT64_MIN;
}

/* Max-Age: an optional '-' and digits, saturated. */
static bool parse_max_age(const char *s, int64_t *out)
{
    bool neg = *s == '-';
    s += neg;
    if (!isdigit((unsigned char)*s))
        return false;
    int64_t v = 0;
    for (; isdigit((unsigned char)*s); s++)
        v = v > (INT64_MAX - 9) / 10 ? INT64_MAX : v * 10 + (*s - '0');
    if (*s)
        return false;
    *out = neg ? -v : v;
    return true;
}

/* One attribute [s, e) of a cookie: its name, '=', its value. */
static void parse_attr(const char *s, const char *e, char *buf, size_t *off,
                       struct cookie_parsed *out)
{
    const char *eq = memchr(s, '=', (size_t)(e - s));
    const char *ne = eq ? eq : e, *vs = eq ? eq + 1 : e, *ve = e;
    trim(&s, &ne);
    trim(&vs, &ve);
    size_t nl = (size_t)(ne - s);
    if (nl == 6 && !strncasecmp(s, "Secure", 6)) {
        out->secure = true;
    } else if (nl == 6 && !strncasecmp(s, "Domain", 6) && vs < ve) {
        if (*vs == '.')
            vs++;
        char *d = (char *)put(buf, off, vs, ve);
        for (char *p = d; *p; p++)
            *p = (char)tolower((unsigned char)*p);
        out->domain = d;
    } else if (nl == 4 && !strncasecmp(s, "Path", 4)) {
        out->path = vs < ve && *vs == '/' ? put(buf, off, vs, ve) : "";
    } else if (nl == 7 && !strncasecmp(s, "Max-Age", 7)) {
        int64_t v;
        if (parse_max_age(put(buf, off, vs, ve), &v)) {
            out->has_max_age = true;
            out->max_age_s = v;
        }
    } else if (nl == 7 && !strncasecmp(s, "Expires", 7)) {
        int64_t t = parse_date(put(buf, off, vs, ve));
        if (t != INT64_MIN)
            out->expires_s = t;
    }
}

int cookie_parse(const char *text, size_t len, char *buf, size_t cap, struct cookie_parsed *out)
{
    memset(out, 0, sizeof *out);
    out->domain = out->path = "";
    out->expires_s = INT64_MIN;
    if (len > COOKIE_BYTES_MAX || cap < 2 * len + 16)
        return -1;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)text[i] < 0x20 && text[i] != '\t')
            return -1; /* a control byte: no cookie */
    const char *end = text + len, *semi = memchr(text, ';', len);
    const char *pe = semi ? semi : end, *eq = memchr(text, '=', (size_t)(pe - text));
    if (!eq)
        return -1;
    const char *ns = text, *ne = eq, *vs = eq + 1, *ve = pe;
    trim(&ns, &ne);
    trim(&vs, &ve);
    if (ns == ne)
        return -1;
    size_t off = 0;
    out->name = put(buf, &off, ns, ne);
    out->value = put(buf, &off, vs, ve);
    for (const char *a = pe; a < end;) {
        const char *as = a + 1, *ae = memchr(as, ';', (size_t)(end - as));
        ae = ae ? ae : end;
        parse_attr(as, ae, buf, &off, out);
        a = ae;
    }
    return 0;
}

/* RFC 6265 5.1.3: host equals domain, or ends with "." domain and is not an IP. */
static bool domain_match(const char *host, bool host_is_ip, const char *domain)
{
    size_t h = strlen(host), d = strlen(domain);
    if (!strcasecmp(host, domain))
        return true;
    return !host_is_ip && d > 0 && h > d && host[h - d - 1] == '.'
           && !strcasecmp(host + h - d, domain);
}

/* RFC 6265 5.1.4. */
static bool path_match(const char *req, const char *cookie)
{
    size_t n = strlen(cookie);
    if (strncmp(req, cookie, n) != 0)
        return false;
    return req[n] == '\0' || req[n] == '?' || cookie[n - 1] == '/' || req[n] == '/';
}

/* RFC 6265 5.1.4's default-path of a request path (its query ignored), into out. */
static void default_path(const char *req, char *out, size_t cap)
{
    size_t n = strcspn(req, "?#");
    const char *last = NULL;
    for (size_t i = 0; i < n; i++)
        if (req[i] == '/')
            last = req + i;
    if (req[0] != '/' || !last || last == req)
        snprintf(out, cap, "/");
    else
        snprintf(out, cap, "%.*s", (int)(last - req), req);
}

static void drop(struct cookie_jar *j, int i)
{
    free(j->c[i]);
    j->c[i] = j->c[--j->n];
}

/* The index of the cookie named so, or -1. */
static int find(const struct cookie_jar *j, const char *name, const char *domain, const char *path)
{
    for (int i = 0; j && i < j->n; i++)
        if (!strcmp(j->c[i]->name, name) && !strcasecmp(j->c[i]->domain, domain)
            && !strcmp(j->c[i]->path, path))
            return i;
    return -1;
}

/* A cookie holding p's strings, with domain and path as decided. */
static struct cookie *cookie_new(const struct cookie_parsed *p, const char *domain,
                                 const char *path)
{
    size_t nl = strlen(p->name), vl = strlen(p->value), dl = strlen(domain), pl = strlen(path);
    struct cookie *c = malloc(sizeof *c + nl + vl + dl + pl + 4);
    if (!c)
        return NULL;
    size_t off = 0;
    c->name = put(c->text, &off, p->name, p->name + nl);
    c->value = put(c->text, &off, p->value, p->value + vl);
    c->domain = put(c->text, &off, domain, domain + dl);
    c->path = put(c->text, &off, path, path + pl);
    c->secure = p->secure;
    return c;
}

static int64_t expiry_of(const struct cookie_parsed *p, int64_t now_s)
{
    if (p->has_max_age)
        return p->max_age_s <= 0                  ? INT64_MIN
               : p->max_age_s > INT64_MAX - now_s ? INT64_MAX
                                                  : now_s + p->max_age_s;
    return p->expires_s != INT64_MIN ? p->expires_s : INT64_MAX;
}

/* Put c in the jar in place of the one at old (or -1), dropping the oldest when full. */
static void jar_put(struct cookie_jar *j, struct cookie *c, int old)
{
    if (old >= 0) {
        c->seq = j->c[old]->seq; /* a replaced cookie keeps its creation order */
        free(j->c[old]);
        j->c[old] = c;
        return;
    }
    if (j->n == COOKIE_JAR_MAX) {
        int oldest = 0;
        for (int i = 1; i < j->n; i++)
            if (j->c[i]->seq < j->c[oldest]->seq)
                oldest = i;
        drop(j, oldest);
    }
    c->seq = j->next_seq++;
    j->c[j->n++] = c;
}

int cookie_jar_set(struct cookie_jar **jar, const char *text, size_t len, const char *host,
                   bool host_is_ip, const char *req_path, int64_t now_s)
{
    char buf[2 * COOKIE_BYTES_MAX + 16], dpath[1024];
    struct cookie_parsed p;
    if (cookie_parse(text, len, buf, sizeof buf, &p) != 0)
        return 0;
    bool host_only = p.domain[0] == '\0';
    if (!host_only && !domain_match(host, host_is_ip, p.domain))
        return 0; /* a Domain that does not cover the host */
    if (p.path[0] == '\0')
        default_path(req_path, dpath, sizeof dpath);
    const char *path = p.path[0] ? p.path : dpath, *domain = host_only ? host : p.domain;
    int64_t exp = expiry_of(&p, now_s);
    int old = find(*jar, p.name, domain, path);
    if (exp <= now_s) { /* expired: it removes its namesake */
        if (old >= 0)
            drop(*jar, old);
        return 0;
    }
    if (!*jar && !(*jar = calloc(1, sizeof **jar)))
        return -1;
    struct cookie *c = cookie_new(&p, domain, path);
    if (!c)
        return -1;
    c->expires_s = exp;
    c->host_only = host_only;
    jar_put(*jar, c, old);
    return 1;
}

/* May cookie c go with a request to host and path? */
static bool sendable(const struct cookie *c, const char *host, bool host_is_ip, const char *path,
                     bool secure, int64_t now_s)
{
    if (c->expires_s <= now_s || (c->secure && !secure))
        return false;
    if (c->host_only ? strcasecmp(host, c->domain) != 0
                     : !domain_match(host, host_is_ip, c->domain))
        return false;
    return path_match(path, c->path);
}

/* Is a to be sent before b: a longer path, then an older cookie. */
static bool goes_before(const struct cookie *a, const struct cookie *b)
{
    size_t la = strlen(a->path), lb = strlen(b->path);
    return la != lb ? la > lb : a->seq < b->seq;
}

size_t cookie_jar_header(const struct cookie_jar *jar, const char *host, bool host_is_ip,
                         const char *path, bool secure, int64_t now_s, char *out, size_t cap)
{
    const struct cookie *pick[COOKIE_JAR_MAX];
    int n = 0;
    if (cap > 0)
        out[0] = '\0';
    for (int i = 0; jar && i < jar->n; i++) {
        if (!sendable(jar->c[i], host, host_is_ip, path, secure, now_s))
            continue;
        int k = n++; /* insertion sort: a few cookies */
        for (; k > 0 && goes_before(jar->c[i], pick[k - 1]); k--)
            pick[k] = pick[k - 1];
        pick[k] = jar->c[i];
    }
    size_t len = 0;
    for (int i = 0; i < n; i++) {
        int w = snprintf(out + len, cap - len, "%s%s=%s", i ? "; " : "Cookie: ", pick[i]->name,
                         pick[i]->value);
        if (w < 0 || (size_t)w >= cap - len)
            return cap; /* does not fit */
        len += (size_t)w;
    }
    if (n == 0)
        return 0;
    if (cap - len < 3)
        return cap;
    memcpy(out + len, "\r\n", 3);
    return len + 2;
}

int cookie_jar_count(const struct cookie_jar *jar)
{
    return jar ? jar->n : 0;
}

void cookie_jar_clear(struct cookie_jar **jar)
{
    if (!*jar)
        return;
    for (int i = 0; i < (*jar)->n; i++)
        free((*jar)->c[i]);
    free(*jar);
    *jar = NULL;
}
