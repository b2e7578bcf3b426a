/*
 * httpc.c: the asynchronous HTTP/1.1 client connection (see httpc.h); the response
 * parser, kept headers, cookies taken and decoding are in httpc_response.c.
 *
 * The socket is watched edge-triggered for input and output from the moment it is
 * made, so a request costs no epoll_ctl: a handler reads until EAGAIN and writes
 * until the buffer is out. A kept-alive connection that becomes readable while idle
 * (the server closed it, or sent bytes nobody asked for) is closed at once, so the
 * next request opens a fresh one instead of failing on a dead socket.
 */
#include "load/engine/httpc.h"

#include <errno.h>
#include <openssl/err.h>
#include <limits.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"

enum { ST_CLOSED, ST_IDLE, ST_CONNECTING, ST_HANDSHAKE, ST_WRITING, ST_READING };

#define HTTPC_READ_CHUNK 65536

static _Thread_local char httpc_rbuf[HTTPC_READ_CHUNK];

/* Another origin a redirect led to: its target (the run's TLS context borrowed) and
 * its own TLS session. */
struct httpc_away {
    struct httpc_target t;
    struct tls_session sess;
    const struct httpc_target *home; /* the run's target, where the VU goes back */
};

/* The run's target. */
static const struct httpc_target *home_of(const struct httpc_conn *c)
{
    return c->away ? c->away->home : c->target;
}

/* ---- target ---------------------------------------------------------------- */

int httpc_target_parse(struct httpc_target *t, const char *url, char *err, size_t errlen)
{
    static const struct tls_config defaults = { 0 };
    memset(t, 0, sizeof *t);
    if (url_parse(&t->url, url, err, errlen) != 0
        || url_resolve(&t->url, &t->addr, &t->addrlen, err, errlen) != 0)
        return -1;
    if (t->url.tls && httpc_target_tls(t, &defaults, err, errlen) != 0)
        return -1;
    snprintf(t->host, sizeof t->host, "%s", t->url.authority);
    snprintf(t->prefix, sizeof t->prefix, "%s", t->url.prefix);
    return 0;
}

const char *httpc_result_name(enum httpc_result r)
{
    static const char *const names[] = {
        [HTTPC_OK] = NULL,
        [HTTPC_TIMEOUT] = "timeout",
        [HTTPC_CONN_ERROR] = "connection",
        [HTTPC_PROTO_ERROR] = "protocol",
        [HTTPC_TLS_ERROR] = "tls_handshake",
    };
    return (unsigned)r < sizeof names / sizeof names[0] ? names[r] : "unknown";
}

int httpc_target_tls(struct httpc_target *t, const struct tls_config *cfg, char *err, size_t errlen)
{
    struct tls_client *c = tls_client_new(cfg, err, errlen);
    if (!c)
        return -1;
    tls_client_free(t->tls);
    t->tls = c;
    return 0;
}

void httpc_target_free(struct httpc_target *t)
{
    tls_client_free(t->tls);
    t->tls = NULL;
}

/* Forget the other origin: requests go home again (the connection closed). */
static void go_home(struct httpc_conn *c)
{
    if (!c->away)
        return;
    httpc_close(c);
    c->target = c->away->home;
    tls_session_clear(&c->away->sess);
    free(c->away);
    c->away = NULL;
}

void httpc_dispose(struct httpc_conn *c)
{
    httpc_close(c);
    go_home(c);
    tls_session_clear(&c->sess);
    cookie_jar_clear(&c->jar);
}

bool httpc_away(const struct httpc_conn *c)
{
    return c->away != NULL;
}

/* Is origin ("http[s]://authority") t's? */
static bool same_origin(const struct httpc_target *t, const char *origin)
{
    const char *scheme = t->url.tls ? "https://" : "http://";
    size_t sl = strlen(scheme);
    return strncasecmp(origin, scheme, sl) == 0 && strcasecmp(origin + sl, t->url.authority) == 0;
}

int httpc_set_origin(struct httpc_conn *c, const char *origin)
{
    if (!origin[0] || same_origin(c->target, origin))
        return 0;
    const struct httpc_target *home = home_of(c);
    if (same_origin(home, origin)) {
        go_home(c);
        return 0;
    }
    char err[256];
    struct httpc_away *a = calloc(1, sizeof *a);
    if (!a || url_parse(&a->t.url, origin, err, sizeof err) != 0 || (a->t.url.tls && !home->tls)
        || url_resolve(&a->t.url, &a->t.addr, &a->t.addrlen, err, sizeof err) != 0) {
        free(a);
        return -1;
    }
    a->t.tls = a->t.url.tls ? home->tls : NULL;
    a->home = home;
    snprintf(a->t.host, sizeof a->t.host, "%s", a->t.url.authority);
    go_home(c);
    httpc_close(c);
    c->away = a;
    c->target = &a->t;
    return 0;
}

void httpc_strip_credentials(const char *hdrs, char *out, size_t cap)
{
    size_t len = 0;
    out[0] = '\0';
    for (const char *line = hdrs; line && *line;) {
        const char *nl = strchr(line, '\n');
        size_t n = nl ? (size_t)(nl - line) + 1 : strlen(line);
        bool secret = !strncasecmp(line, "Authorization:", 14) || !strncasecmp(line, "Cookie:", 7);
        if (!secret && n < cap - len) {
            memcpy(out + len, line, n);
            len += n;
            out[len] = '\0';
        }
        line = nl ? nl + 1 : NULL;
    }
}

void httpc_cookies_clear(struct httpc_conn *c)
{
    cookie_jar_clear(&c->jar);
}

/* ---- request serialisation -------------------------------------------------- */

size_t httpc_wbuf_size(const struct httpc_target *t)
{
    return 512 + strlen(t->host) + strlen(t->prefix) + HTTPC_SMALL_PATH + LR_TOKEN_MAX + LR_IDEM_MAX
           + HTTPC_SMALL_EXTRA + HTTPC_SMALL_BODY;
}

size_t httpc_wbuf_max(const struct httpc_target *t)
{
    return 512 + strlen(t->host) + strlen(t->prefix) + LR_PATH_MAX + LR_TOKEN_MAX + LR_IDEM_MAX
           + HTTPC_EXTRA_MAX + LR_BODY_MAX;
}

int httpc_pool_init(struct httpc_pool *p, const struct httpc_target *t, int n)
{
    memset(p, 0, sizeof *p);
    p->size = (httpc_wbuf_max(t) + 4095) & ~(size_t)4095;
    p->free = calloc((size_t)(n > 0 ? n : 1), sizeof *p->free);
    p->base = MAP_FAILED;
    for (int want = n > 0 ? n : 1; p->free && p->base == MAP_FAILED && want > 0; want /= 2) {
        p->map_len = p->size * (size_t)want; /* fewer where memory is strict */
        p->base = mmap(NULL, p->map_len, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        p->n = want;
    }
    if (!p->free || p->base == MAP_FAILED) {
        httpc_pool_free(p);
        return -1;
    }
    for (; p->nfree < p->n; p->nfree++)
        p->free[p->nfree] = p->n - 1 - p->nfree; /* index 0 on top */
    return 0;
}

void httpc_pool_free(struct httpc_pool *p)
{
    if (p->base && p->base != MAP_FAILED)
        munmap(p->base, p->map_len);
    free(p->free);
    memset(p, 0, sizeof *p);
}

void httpc_set_pool(struct httpc_conn *c, struct httpc_pool *p)
{
    c->pool = p;
}

/* Give back the pool buffer c holds, if any: its own buffer is the request buffer. */
static void pool_give_back(struct httpc_conn *c)
{
    if (c->pool && c->pool_idx >= 0)
        c->pool->free[c->pool->nfree++] = c->pool_idx;
    c->pool_idx = -1;
    c->wbuf = c->own_wbuf;
    c->wcap = c->own_wcap;
}

/* Does the header block hdrs contain a header named name (case-insensitive), with
 * the value value when it is not NULL? */
static bool has_header_value(const char *hdrs, const char *name, const char *value)
{
    size_t n = strlen(name);
    for (const char *line = hdrs; *line;) {
        const char *v = line + n + 1 + strspn(line + n + 1, " \t");
        if (strncasecmp(line, name, n) == 0 && line[n] == ':'
            && (!value
                || (strncasecmp(v, value, strlen(value)) == 0
                    && strchr("\r\n \t", v[strlen(value)]))))
            return true;
        const char *nl = strchr(line, '\n');
        if (!nl)
            break;
        line = nl + 1;
    }
    return false;
}

/* httpc_format with the path prefix given (t's, or "" for a path from the server) and
 * the cookies of jar (or NULL). */
static size_t format_with(char *buf, size_t cap, const struct httpc_target *t, const char *prefix,
                          const struct lr_request *req, const struct cookie_jar *jar);

size_t httpc_format(char *buf, size_t cap, const struct httpc_target *t,
                    const struct lr_request *req)
{
    return format_with(buf, cap, t, t->prefix, req, NULL);
}

/* The Cookie header for the request whose line starts buf (n bytes, the path after
 * its method), at buf + len. Returns the bytes written, 0 none, or (size_t)-1 when it
 * does not fit in cap. */
static size_t format_cookies(char *buf, size_t len, size_t cap, const struct httpc_target *t,
                             const struct cookie_jar *jar)
{
    char path[LR_PATH_MAX + HTTPC_PREFIX_MAX];
    const char *p = strchr(buf, ' ') + 1;
    snprintf(path, sizeof path, "%.*s", (int)strcspn(p, " "), p);
    size_t w = cookie_jar_header(jar, t->url.host, url_host_is_ip(&t->url), path, t->url.tls,
                                 (int64_t)time(NULL), buf + len, cap - len);
    return w >= cap - len ? (size_t)-1 : w;
}

/* Append str to buf (cap bytes, *len used), leaving room for a NUL; false when it does
 * not fit. */
static bool put(char *buf, size_t cap, size_t *len, const char *str)
{
    size_t n = strlen(str);
    if (n >= cap - *len)
        return false;
    memcpy(buf + *len, str, n);
    *len += n;
    return true;
}

static size_t format_with(char *buf, size_t cap, const struct httpc_target *t, const char *prefix,
                          const struct lr_request *req, const struct cookie_jar *jar)
{
    const char *m = req->method ? req->method : "GET";
    size_t blen = req->body_len < LR_BODY_MAX ? req->body_len : LR_BODY_MAX;
    const char *hdrs = req->headers ? req->headers : "";
    if (strlen(hdrs) > HTTPC_EXTRA_MAX)
        return 0;
    size_t len = 0; /* the request line and the fixed headers, appended (no printf per request) */
    if (!put(buf, cap, &len, m) || !put(buf, cap, &len, " ") || !put(buf, cap, &len, prefix)
        || !put(buf, cap, &len, req->path[0] ? req->path : "/")
        || !put(buf, cap, &len, " HTTP/1.1\r\nHost: ") || !put(buf, cap, &len, t->host)
        || !put(buf, cap, &len, "\r\n") || !put(buf, cap, &len, hdrs))
        return 0;
    int n;
    if (jar && !has_header_value(hdrs, "Cookie", NULL)) {
        buf[len] = '\0';
        size_t w = format_cookies(buf, len, cap, t, jar);
        if (w == (size_t)-1)
            return 0;
        len += w;
    }
    if (req->token) {
        n = snprintf(buf + len, cap - len, "Authorization: Bearer %s\r\n", req->token);
        if (n < 0 || (size_t)n >= cap - len)
            return 0;
        len += (size_t)n;
    }
    if (req->idempotency_key[0]) {
        n = snprintf(buf + len, cap - len, "Idempotency-Key: %s\r\n", req->idempotency_key);
        if (n < 0 || (size_t)n >= cap - len)
            return 0;
        len += (size_t)n;
    }
    if (blen > 0 || strcmp(m, "POST") == 0 || strcmp(m, "PUT") == 0) {
        bool typed = blen == 0 || has_header_value(hdrs, "Content-Type", NULL);
        n = snprintf(buf + len, cap - len, "%sContent-Length: %zu\r\n",
                     typed ? "" : "Content-Type: application/json\r\n", blen);
        if (n < 0 || (size_t)n >= cap - len)
            return 0;
        len += (size_t)n;
    }
    if (cap - len < 2 + blen + 1)
        return 0;
    memcpy(buf + len, "\r\n", 2);
    memcpy(buf + len + 2, req->body, blen);
    return len + 2 + blen;
}

/* ---- response parsing ------------------------------------------------------- */

bool httpc_is_redirect(int status)
{
    return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

/* ---- the connection --------------------------------------------------------- */

static void httpc_io(struct loop_io *io, uint32_t events);

static void httpc_timeout(struct loop_timer *t)
{
    struct httpc_conn *c = container_of(t, struct httpc_conn, timer);
    httpc_close(c);
    c->done(c, HTTPC_TIMEOUT);
}

void httpc_init(struct httpc_conn *c, struct loop *l, const struct httpc_target *t,
                const struct httpc_limits *lim, char *wbuf, size_t wcap, char *body,
                void (*done)(struct httpc_conn *c, enum httpc_result r))
{
    memset(c, 0, sizeof *c);
    c->io.fn = httpc_io;
    c->timer.fn = httpc_timeout;
    c->loop = l;
    c->target = t;
    c->lim = *lim;
    c->fd = -1;
    c->state = ST_CLOSED;
    c->wbuf = c->own_wbuf = wbuf;
    c->wcap = c->own_wcap = wcap;
    c->pool_idx = -1;
    c->buf = c->body = body;
    c->done = done;
}

void httpc_close(struct httpc_conn *c)
{
    loop_timer_disarm(c->loop, &c->timer);
    if (c->ssl) { /* closed as agreed: its session stays resumable */
        SSL_set_shutdown(c->ssl, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
        SSL_free(c->ssl);
    }
    c->ssl = NULL;
    if (c->fd >= 0) {
        loop_unwatch(c->loop, c->fd);
        close(c->fd);
    }
    c->fd = -1;
    c->state = ST_CLOSED;
    c->want_send = false;
    pool_give_back(c);
}

/* End the request under way: close unless the answer allows reuse, then report. */
static void httpc_finish(struct httpc_conn *c, enum httpc_result r)
{
    loop_timer_disarm(c->loop, &c->timer);
    pool_give_back(c);
    if (r == HTTPC_OK && c->keep_alive)
        c->state = ST_IDLE;
    else
        httpc_close(c);
    c->done(c, r);
}

int httpc_connect(struct httpc_conn *c)
{
    if (c->fd >= 0)
        return 0;
    int fd = socket(c->target->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    c->t_start = clock_mono_ns();
    if (connect(fd, (const struct sockaddr *)&c->target->addr, c->target->addrlen) != 0
        && errno != EINPROGRESS) {
        close(fd);
        return -1;
    }
    if (loop_watch(c->loop, fd, EPOLLIN | EPOLLOUT | EPOLLRDHUP, &c->io) != 0) {
        close(fd);
        return -1;
    }
    c->fd = fd;
    c->state = ST_CONNECTING;
    return 0;
}

/* Serialise req after prefix into c's own buffer or a borrowed one. */
static int prepare_with(struct httpc_conn *c, const char *prefix, const struct lr_request *req)
{
    pool_give_back(c);
    c->head = req->method && strcmp(req->method, "HEAD") == 0;
    c->close_after = req->headers && has_header_value(req->headers, "Connection", "close");
    c->wlen = format_with(c->wbuf, c->wcap, c->target, prefix, req, c->jar);
    if (c->wlen > 0 || !c->pool || c->pool->nfree == 0)
        return c->wlen > 0 ? 0 : -1;
    c->pool_idx = c->pool->free[--c->pool->nfree];
    c->wbuf = c->pool->base + (size_t)c->pool_idx * c->pool->size;
    c->wcap = c->pool->size;
    c->wlen = format_with(c->wbuf, c->wcap, c->target, prefix, req, c->jar);
    if (c->wlen == 0)
        pool_give_back(c);
    return c->wlen > 0 ? 0 : -1;
}

int httpc_prepare(struct httpc_conn *c, const struct lr_request *req)
{
    go_home(c);
    return prepare_with(c, c->target->prefix, req);
}

int httpc_prepare_from_root(struct httpc_conn *c, const struct lr_request *req)
{
    return prepare_with(c, "", req);
}

int httpc_location(const struct httpc_conn *c, char *origin, size_t ocap, char *path, size_t cap)
{
    const char *loc = c->buf + c->location_off;
    size_t n = c->location_len;
    origin[0] = '\0';
    size_t sl = n >= 8 && !strncasecmp(loc, "https://", 8)  ? 8
                : n >= 7 && !strncasecmp(loc, "http://", 7) ? 7
                                                            : 0;
    bool slash = false; /* "http://h?q" asks for "/?q" */
    if (sl > 0) {       /* absolute: its origin, then its path */
        const char *auth_end = loc + sl;
        while (auth_end < loc + n && !strchr("/?#", *auth_end))
            auth_end++;
        size_t ol = (size_t)(auth_end - loc);
        if (ol == sl || ol >= ocap)
            return -1;
        memcpy(origin, loc, ol);
        origin[ol] = '\0';
        if (same_origin(c->target, origin))
            origin[0] = '\0';
        n -= ol;
        loc = auth_end;
        slash = n == 0 || loc[0] != '/';
    }
    const char *hash = memchr(loc, '#', n); /* a fragment is not sent */
    n = hash ? (size_t)(hash - loc) : n;
    if ((!slash && (n == 0 || loc[0] != '/' || (n > 1 && loc[1] == '/'))) || n + slash >= cap
        || memchr(loc, '\0', n))
        return -1;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)loc[i] < 0x21 || loc[i] == 0x7f)
            return -1;
    path[0] = '/';
    memcpy(path + slash, loc, n);
    path[n + slash] = '\0';
    return 0;
}

/* read(2) or SSL_read: > 0 bytes, 0 end of stream, -1 with errno (EAGAIN: wait for
 * the socket, whichever direction TLS needs). */
static ssize_t conn_read(struct httpc_conn *c, char *buf, size_t len)
{
    if (!c->ssl)
        return read(c->fd, buf, len);
    int n = SSL_read(c->ssl, buf, len > INT_MAX ? INT_MAX : (int)len);
    if (n > 0)
        return n;
    switch (SSL_get_error(c->ssl, n)) {
    case SSL_ERROR_WANT_READ:
    case SSL_ERROR_WANT_WRITE: errno = EAGAIN; return -1;
    case SSL_ERROR_ZERO_RETURN: return 0;
    default:
        ERR_clear_error();
        errno = ECONNRESET;
        return -1;
    }
}

/* write(2) or SSL_write, with conn_read's convention (0 is never returned). */
static ssize_t conn_write(struct httpc_conn *c, const char *buf, size_t len)
{
    if (!c->ssl)
        return write(c->fd, buf, len);
    int n = SSL_write(c->ssl, buf, len > INT_MAX ? INT_MAX : (int)len);
    if (n > 0)
        return n;
    int e = SSL_get_error(c->ssl, n);
    ERR_clear_error();
    errno = e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE ? EAGAIN : ECONNRESET;
    return -1;
}

static void httpc_begin_write(struct httpc_conn *c);

/* The connection is usable: send what waits. */
static void httpc_ready(struct httpc_conn *c)
{
    c->state = ST_IDLE;
    if (c->want_send)
        httpc_begin_write(c);
}

/* Drive the TLS handshake; on failure close, and report when a request waits. */
static void httpc_handshake(struct httpc_conn *c)
{
    int rc = SSL_do_handshake(c->ssl);
    if (rc == 1) {
        c->t_tls = clock_mono_ns();
        httpc_ready(c);
        return;
    }
    int e = SSL_get_error(c->ssl, rc);
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
        return;
    c->tls_error = tls_error_name(c->ssl);
    bool waiting = c->want_send;
    httpc_close(c);
    if (waiting)
        c->done(c, HTTPC_TLS_ERROR);
}

static void httpc_write(struct httpc_conn *c)
{
    while (c->woff < c->wlen) {
        ssize_t n = conn_write(c, c->wbuf + c->woff, c->wlen - c->woff);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            return;
        if (n <= 0) {
            httpc_finish(c, HTTPC_CONN_ERROR);
            return;
        }
        c->woff += (size_t)n;
        c->bytes_sent += (uint64_t)n;
    }
    c->t_sent = clock_mono_ns();
    c->state = ST_READING;
}

/* Start writing the prepared request on a connected socket. */
static void httpc_begin_write(struct httpc_conn *c)
{
    c->want_send = false;
    c->state = ST_WRITING;
    c->woff = 0;
    c->t_write = clock_mono_ns();
    httpc_reset_response(c);
    httpc_write(c);
}

void httpc_send(struct httpc_conn *c, uint64_t deadline_ns)
{
    uint64_t now = clock_mono_ns();
    c->bytes_sent = c->bytes_recv = 0;
    c->t_first = c->t_done = c->t_sent = 0;
    c->t_send = c->t_write = now;
    loop_timer_arm(c->loop, &c->timer, deadline_ns);
    c->reused = c->state == ST_IDLE;
    c->tls_req = c->target->tls != NULL;
    c->tls_error = NULL;
    if (c->state == ST_IDLE) {
        c->t_start = c->t_connected = c->t_tls = now;
        httpc_begin_write(c);
        return;
    }
    c->want_send = true;
    if (c->state == ST_HANDSHAKE) {
        c->t_start = c->t_connected = now; /* connected ahead: the rest of the handshake */
        return;
    }
    if (c->state == ST_CONNECTING) {
        c->t_start = now; /* opened ahead by httpc_connect */
        return;
    }
    if (httpc_connect(c) != 0) {
        c->t_start = c->t_connected = c->t_tls = now;
        httpc_finish(c, HTTPC_CONN_ERROR);
    }
}

static void httpc_connected(struct httpc_conn *c)
{
    int err = 0;
    socklen_t len = sizeof err;
    if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0) {
        bool waiting = c->want_send;
        httpc_close(c);
        if (waiting)
            c->done(c, HTTPC_CONN_ERROR);
        return;
    }
    c->t_connected = c->t_tls = clock_mono_ns();
    if (!c->target->tls) {
        httpc_ready(c);
        return;
    }
    c->ssl = tls_conn_new(c->target->tls, c->fd, c->target->url.host,
                          url_host_is_ip(&c->target->url), c->away ? &c->away->sess : &c->sess);
    if (!c->ssl) {
        bool waiting = c->want_send;
        c->tls_error = "tls_handshake";
        httpc_close(c);
        if (waiting)
            c->done(c, HTTPC_TLS_ERROR);
        return;
    }
    c->state = ST_HANDSHAKE;
    httpc_handshake(c);
}

/* Read until EAGAIN, feeding the parser; finish on a complete answer or an error. */
static void httpc_read(struct httpc_conn *c)
{
    for (;;) {
        ssize_t n = conn_read(c, httpc_rbuf, sizeof httpc_rbuf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            return;
        if (n > 0 && c->t_first == 0)
            c->t_first = clock_mono_ns();
        if (n > 0)
            c->bytes_recv += (uint64_t)n;
        if (n < 0) {
            httpc_finish(c, HTTPC_CONN_ERROR);
            return;
        }
        enum httpc_parse r = httpc_feed(c, httpc_rbuf, (size_t)n);
        if (r == HTTPC_MORE)
            continue;
        c->t_done = clock_mono_ns();
        if (r == HTTPC_DONE && n == 0)
            c->keep_alive = false;
        if (r == HTTPC_DONE)
            httpc_finish(c, HTTPC_OK);
        else
            httpc_finish(c, n == 0 && c->bytes_recv == 0 ? HTTPC_CONN_ERROR : HTTPC_PROTO_ERROR);
        return;
    }
}

/* Bytes or a hang-up on a connection nobody is waiting on: it cannot be reused. */
static void httpc_idle_event(struct httpc_conn *c)
{
    char b[256];
    ssize_t n = conn_read(c, b, sizeof b); /* TLS: session tickets are read here */
    if (n < 0 && errno == EAGAIN)
        return;
    httpc_close(c);
}

static void httpc_io(struct loop_io *io, uint32_t events)
{
    struct httpc_conn *c = container_of(io, struct httpc_conn, io);
    if (c->fd < 0)
        return;
    if (c->state == ST_CONNECTING) {
        if (!(events & (EPOLLOUT | EPOLLERR | EPOLLHUP)))
            return;
        httpc_connected(c);
        if (c->fd < 0 || c->state != ST_READING)
            return;
    } else if (c->state == ST_HANDSHAKE) {
        httpc_handshake(c);
        if (c->fd < 0 || c->state != ST_READING)
            return;
    }
    if (c->state == ST_IDLE && (events & (EPOLLIN | EPOLLRDHUP | EPOLLERR | EPOLLHUP)))
        httpc_idle_event(c);
    else if (c->state == ST_WRITING && (c->ssl || (events & (EPOLLOUT | EPOLLERR | EPOLLHUP))))
        httpc_write(c);
    if (c->fd >= 0 && c->state == ST_READING)
        httpc_read(c);
}
