/*
 * http.c: the libmicrohttpd daemon, request objects, body accumulation under a cap,
 * suspend/resume around deferred jobs, answers, and per-request metrics and log lines.
 */
#include "server/http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "server/jsonx.h"
#include "server/log.h"
#include "server/connwatch.h"
#include "server/metrics.h"
#include "server/proxyproto.h"

struct http_server {
    struct MHD_Daemon *daemon;
    struct http_config cfg;   /* body_max and the handler's callbacks */
    int64_t request_limit_us; /* headers and body must be in within this */
    struct connwatch *watch;
    atomic_int suspended;   /* requests waiting for a job */
    atomic_int routing;     /* requests inside route(), which may suspend them */
    atomic_int connections; /* open connections */
    atomic_int draining;    /* http_drain was called: refuse new requests */
    int listen_fd;          /* ours when proxies are trusted (acceptor); else -1 */
    pthread_t acceptor;
    int n_trusted;
    struct in_addr trusted[HTTP_MAX_TRUSTED];
};

const char *http_query(struct http_req *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

const char *http_header(struct http_req *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

const char *http_peer(struct http_req *r)
{
    if (r->peer[0] != '\0')
        return r->peer;
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    const struct sockaddr *sa = ci != NULL ? ci->client_addr : NULL;
    const void *a = NULL;
    if (sa != NULL && sa->sa_family == AF_INET)
        a = &((const struct sockaddr_in *)(const void *)sa)->sin_addr;
    else if (sa != NULL && sa->sa_family == AF_INET6)
        a = &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
    if (a == NULL || inet_ntop(sa->sa_family, a, r->peer, sizeof r->peer) == NULL)
        snprintf(r->peer, sizeof r->peer, "unknown");
    return r->peer;
}

void http_reply(struct http_req *r, int status, char *body)
{
    free(r->resp);
    if (body == NULL) {
        status = 500;
        body = jsonx_error_body("internal_error", "out of memory");
    }
    r->status = status;
    r->resp = body;
    r->answered = 1;
}

void http_reply_error(struct http_req *r, int status, const char *code, const char *message)
{
    http_reply(r, status, jsonx_error_body(code, message));
}

void http_suspend(struct http_req *r)
{
    buf_free(&r->body); /* waiting costs no more than the request object */
    atomic_fetch_add(&r->srv->suspended, 1);
    r->suspended = 1;
    MHD_suspend_connection(r->conn);
}

void http_resume(struct http_req *r)
{
    MHD_resume_connection(r->conn);
}

static struct http_req *req_new(struct http_server *s, struct MHD_Connection *c, const char *url,
                                const char *method)
{
    struct http_req *r = calloc(1, sizeof *r);
    if (r == NULL)
        return NULL;
    r->srv = s;
    r->conn = c;
    r->url = url;
    r->method = method;
    r->content_type = "application/json";
    r->t0_us = clock_mono_us();
    r->route_rc = router_match(method, url, &r->match);
    buf_init(&r->body, s->cfg.body_max(r->match.route));
    return r;
}

static void req_free(struct http_req *r)
{
    if (r->state != NULL)
        r->srv->cfg.req_close(r->state);
    buf_free(&r->body);
    free(r->resp);
    free(r);
}

static enum MHD_Result send_answer(struct http_req *r)
{
    char *body = r->resp;
    r->resp = NULL;
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(strlen(body), body, MHD_RESPMEM_MUST_FREE);
    if (resp == NULL) {
        free(body);
        return MHD_NO;
    }
    MHD_add_response_header(resp, "Content-Type", r->content_type);
    if (r->allow[0] != '\0')
        MHD_add_response_header(resp, "Allow", r->allow);
    if (r->retry_after > 0) {
        char ra[16];
        snprintf(ra, sizeof ra, "%d", r->retry_after);
        MHD_add_response_header(resp, "Retry-After", ra);
    }
    if (atomic_load(&r->srv->draining))
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
    enum MHD_Result ret = MHD_queue_response(r->conn, (unsigned)r->status, resp);
    MHD_destroy_response(resp);
    return ret;
}

static void too_large(struct http_req *r)
{
    char msg[96];
    snprintf(msg, sizeof msg, "the body is over this route's cap of %zu bytes", r->body.max);
    http_reply_error(r, 413, "payload_too_large", msg);
}

/* early_checks: what can be refused from the headers alone. */
static void early_checks(struct http_req *r)
{
    const char *cl = http_header(r, MHD_HTTP_HEADER_CONTENT_LENGTH);
    int n = MHD_get_connection_values(r->conn, MHD_HEADER_KIND, NULL, NULL);
    if (n > HTTP_MAX_HEADERS)
        http_reply_error(r, 431, "request_header_fields_too_large", "too many header fields");
    else if (cl != NULL && strtoull(cl, NULL, 10) > r->body.max)
        too_large(r);
}

static void route(struct http_req *r)
{
    enum router_rc rc = r->route_rc;
    if (r->body_too_large)
        too_large(r);
    else if (rc == ROUTER_NOT_FOUND)
        http_reply_error(r, 404, "not_found", "no such route");
    else if (rc == ROUTER_METHOD_NOT_ALLOWED) {
        snprintf(r->allow, sizeof r->allow, "%s", r->match.allow);
        http_reply_error(r, 405, "method_not_allowed", "this route does not take that method");
    } else if ((r->state = r->srv->cfg.req_open(r->srv->cfg.cls, r)) == NULL) {
        http_reply_error(r, 500, "internal_error", "out of memory");
    } else {
        r->srv->cfg.req_handle(r->state);
    }
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls)
{
    struct http_server *s = cls;
    struct http_req *r = *con_cls;
    (void)version;
    if (r == NULL) {
        if ((r = req_new(s, c, url, method)) == NULL)
            return MHD_NO;
        *con_cls = r;
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
        r->watch = ci != NULL ? ci->socket_context : NULL;
        connwatch_busy(s->watch, r->watch, 1);
        early_checks(r);
        return r->answered ? send_answer(r) : MHD_YES;
    }
    if (r->suspended) { /* resumed: the job set the answer */
        r->suspended = 0;
        atomic_fetch_sub(&s->suspended, 1);
        return send_answer(r);
    }
    if (*upload_size > 0) {
        if (clock_mono_us() - r->t0_us > s->request_limit_us)
            return MHD_NO; /* a body dripped too slowly: close */
        if (!r->body_too_large && buf_append(&r->body, upload, *upload_size) != 0)
            r->body_too_large = 1;
        *upload_size = 0;
        return MHD_YES;
    }
    if (r->answered)
        return MHD_YES; /* answer already queued (early refusal) */
    /* routing is counted before draining is read: http_stop sets draining before it
     * reads routing, so either this request sees draining or http_stop sees it routed */
    atomic_fetch_add(&s->routing, 1);
    if (atomic_load(&s->draining)) {
        r->retry_after = 1;
        http_reply_error(r, 503, "shutting_down", "the server is shutting down; try again");
    } else {
        route(r);
    }
    atomic_fetch_sub(&s->routing, 1);
    return r->answered && !r->suspended ? send_answer(r) : MHD_YES;
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    struct http_req *r = *con_cls;
    (void)cls;
    (void)c;
    if (r == NULL)
        return;
    if (r->suspended) /* the client left while its job ran */
        atomic_fetch_sub(&r->srv->suspended, 1);
    connwatch_busy(r->srv->watch, r->watch, 0);
    int64_t us = clock_mono_us() - r->t0_us;
    int status = r->answered ? r->status : 0;
    metrics_request(r->match.route, status, us);
    char method[64], url[512];
    if (log_enabled(LOG_INFO))
        log_info("%s %s %d %.1fms from %s%s", log_escape(r->method, method, sizeof method),
                 log_escape(r->url, url, sizeof url), status, (double)us / 1000.0, http_peer(r),
                 toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" : " (connection closed early)");
    req_free(r);
    *con_cls = NULL;
}

static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
                          enum MHD_ConnectionNotificationCode code)
{
    struct http_server *s = cls;
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        atomic_fetch_add(&s->connections, 1);
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
        *socket_context = ci != NULL ? connwatch_add(s->watch, ci->connect_fd) : NULL;
    } else {
        atomic_fetch_sub(&s->connections, 1);
        connwatch_remove(s->watch, *socket_context);
        *socket_context = NULL;
    }
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
    char line[512];
    (void)cls;
    vsnprintf(line, sizeof line, fmt, ap);
    line[strcspn(line, "\n")] = '\0';
    log_debug("mhd: %s", line);
}

static int parse_addr(const struct http_config *cfg, struct sockaddr_in *sa)
{
    memset(sa, 0, sizeof *sa);
    sa->sin_family = AF_INET;
    sa->sin_port = htons((uint16_t)cfg->port);
    const char *h = strcmp(cfg->host, "localhost") == 0 ? "127.0.0.1" : cfg->host;
    return inet_pton(AF_INET, h, &sa->sin_addr) == 1 ? 0 : -1;
}

int http_trusted_parse(const char *list, struct in_addr out[HTTP_MAX_TRUSTED])
{
    char item[64];
    int count = 0;
    for (const char *p = list; p != NULL && *p != '\0';) {
        size_t n = strcspn(p, ",");
        if (n == 0 || n >= sizeof item || count == HTTP_MAX_TRUSTED)
            return -1;
        memcpy(item, p, n);
        item[n] = '\0';
        if (inet_pton(AF_INET, item, &out[count++]) != 1)
            return -1;
        p = p[n] == ',' ? p + n + 1 : p + n;
    }
    return count;
}

static int is_trusted(const struct http_server *s, const struct sockaddr_storage *sa)
{
    const struct sockaddr_in *a = (const struct sockaddr_in *)(const void *)sa;
    for (int i = 0; sa->ss_family == AF_INET && i < s->n_trusted; i++)
        if (a->sin_addr.s_addr == s->trusted[i].s_addr)
            return 1;
    return 0;
}

/* read_proxy_header: consume the PROXY header at the start of fd, if any, and put the
 * client's address it names into sa/len. -1 (close the connection) for a malformed
 * header, the peer closing, or no decision within HTTP_PROXY_HEADER_MS. */
static int read_proxy_header(int fd, struct sockaddr_storage *sa, socklen_t *len)
{
    unsigned char b[PROXYPROTO_MAX];
    int64_t deadline = clock_mono_us() + HTTP_PROXY_HEADER_MS * 1000;
    for (;;) {
        struct pollfd p = { .fd = fd, .events = POLLIN };
        if (poll(&p, 1, HTTP_PROXY_HEADER_MS) != 1)
            return -1;
        ssize_t n = recv(fd, b, sizeof b, MSG_PEEK); /* the HTTP bytes stay in the socket */
        if (n <= 0)
            return -1;
        struct sockaddr_storage real;
        socklen_t rlen = 0;
        int rc = proxyproto_parse(b, (size_t)n, &real, &rlen);
        if (rc == PROXYPROTO_NONE)
            return 0;
        if (rc > 0 && recv(fd, b, (size_t)rc, 0) == rc) {
            if (rlen > 0) {
                *sa = real;
                *len = rlen;
            }
            return 0;
        }
        if (rc != PROXYPROTO_MORE || clock_mono_us() > deadline)
            return -1;
        nanosleep(&(struct timespec){ .tv_nsec = 1000000L }, NULL); /* the rest is on its way */
    }
}

/* acceptor: accept on s->listen_fd until http_drain shuts it down, and hand every
 * connection to MHD under its client's address (MHD closes it on failure). */
static void *acceptor(void *arg)
{
    struct http_server *s = arg;
    while (!atomic_load(&s->draining)) {
        struct sockaddr_storage sa;
        socklen_t len = sizeof sa;
        int fd = accept4(s->listen_fd, (struct sockaddr *)&sa, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
                nanosleep(&(struct timespec){ .tv_nsec = 10 * 1000000L }, NULL);
            continue;
        }
        if (is_trusted(s, &sa) && read_proxy_header(fd, &sa, &len) != 0)
            close(fd);
        else
            MHD_add_connection(s->daemon, fd, (struct sockaddr *)&sa, len);
    }
    return NULL;
}

/* own_listener: listen on sa ourselves (the acceptor thread reads PROXY headers). */
static int own_listener(struct http_server *s, const struct sockaddr_in *sa)
{
    int one = 1;
    s->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s->listen_fd < 0
        || setsockopt(s->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0
        || bind(s->listen_fd, (const struct sockaddr *)sa, sizeof *sa) != 0
        || listen(s->listen_fd, 4096) != 0) {
        if (s->listen_fd >= 0)
            close(s->listen_fd);
        s->listen_fd = -1;
        return -1;
    }
    return 0;
}

struct http_server *http_start(const struct http_config *cfg, char *err, size_t errcap)
{
    struct sockaddr_in sa;
    if (parse_addr(cfg, &sa) != 0) {
        snprintf(err, errcap, "cannot parse listen address %s (an IPv4 address is expected)",
                 cfg->host);
        return NULL;
    }
    struct http_server *s = calloc(1, sizeof *s);
    if (s == NULL) {
        snprintf(err, errcap, "no memory");
        return NULL;
    }
    s->cfg = *cfg;
    s->listen_fd = -1;
    s->request_limit_us = (int64_t)cfg->conn_timeout_s * 1000000;
    if ((s->n_trusted = http_trusted_parse(cfg->trusted_proxies, s->trusted)) < 0) {
        snprintf(err, errcap, "--trusted-proxy: up to %d comma-separated IPv4 addresses",
                 HTTP_MAX_TRUSTED);
        free(s);
        return NULL;
    }
    if (s->n_trusted > 0 && own_listener(s, &sa) != 0) {
        snprintf(err, errcap, "cannot listen on %s:%d", cfg->host, cfg->port);
        free(s);
        return NULL;
    }
    if ((s->watch = connwatch_start((int64_t)cfg->conn_timeout_s * 1000)) == NULL) {
        snprintf(err, errcap, "cannot start the connection watch");
        if (s->listen_fd >= 0)
            close(s->listen_fd);
        free(s);
        return NULL;
    }
    unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ITC
                     | MHD_USE_ERROR_LOG | (s->listen_fd >= 0 ? MHD_USE_NO_LISTEN_SOCKET : 0);
    s->daemon = MHD_start_daemon(
        flags, (uint16_t)cfg->port, NULL, NULL, on_request, s, MHD_OPTION_SOCK_ADDR,
        (struct sockaddr *)&sa, MHD_OPTION_THREAD_POOL_SIZE,
        (unsigned)(cfg->threads > 1 ? cfg->threads : 1), MHD_OPTION_CONNECTION_LIMIT,
        cfg->max_connections, MHD_OPTION_PER_IP_CONNECTION_LIMIT, cfg->per_ip_limit,
        MHD_OPTION_CONNECTION_TIMEOUT, cfg->conn_timeout_s, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
        (size_t)(32 * 1024), MHD_OPTION_LISTEN_BACKLOG_SIZE, 4096u, MHD_OPTION_NOTIFY_COMPLETED,
        on_completed, s, MHD_OPTION_NOTIFY_CONNECTION, on_connection, s, MHD_OPTION_EXTERNAL_LOGGER,
        on_mhd_log, s, MHD_OPTION_END);
    if (s->daemon == NULL
        || (s->listen_fd >= 0 && pthread_create(&s->acceptor, NULL, acceptor, s) != 0)) {
        snprintf(err, errcap, "cannot listen on %s:%d", cfg->host, cfg->port);
        if (s->daemon != NULL)
            MHD_stop_daemon(s->daemon);
        if (s->listen_fd >= 0)
            close(s->listen_fd);
        connwatch_stop(s->watch);
        free(s);
        return NULL;
    }
    return s;
}

/* wait_until_zero: wait (10 ms steps, at most ms) until every counter is 0; 0 when so. */
static int wait_until_zero(atomic_int *a, atomic_int *b, int ms)
{
    for (int waited = 0; atomic_load(a) + (b != NULL ? atomic_load(b) : 0) > 0; waited += 10) {
        if (waited >= ms)
            return -1;
        nanosleep(&(struct timespec){ .tv_nsec = 10 * 1000000L }, NULL);
    }
    return 0;
}

void http_drain(struct http_server *s)
{
    if (s == NULL || atomic_exchange(&s->draining, 1))
        return;
    if (s->listen_fd >= 0) { /* wake the acceptor out of accept(), then close */
        shutdown(s->listen_fd, SHUT_RDWR);
        pthread_join(s->acceptor, NULL);
        close(s->listen_fd);
        return;
    }
    MHD_socket lfd = MHD_quiesce_daemon(s->daemon);
    if (lfd != MHD_INVALID_SOCKET)
        close(lfd); /* new connections are refused from now on, not left in the backlog */
}

int http_stop(struct http_server *s, int grace_ms)
{
    if (s == NULL)
        return 0;
    http_drain(s);
    if (wait_until_zero(&s->routing, &s->suspended, grace_ms) != 0) {
        /* MHD_stop_daemon would abort with suspended connections: leave the daemon be */
        log_error("http: %d requests still deferred after %d ms; not stopping cleanly",
                  atomic_load(&s->suspended), grace_ms);
        return -1;
    }
    /* every answer is out or on its way with Connection: close; give clients that
     * were between requests a moment to see it before the rest are closed */
    if (wait_until_zero(&s->connections, NULL, HTTP_DRAIN_IDLE_MS) != 0)
        log_info("http: closing %d idle connections", atomic_load(&s->connections));
    MHD_stop_daemon(s->daemon);
    connwatch_stop(s->watch);
    free(s);
    return 0;
}
