/*
 * http.c: the libmicrohttpd daemon, request objects, body accumulation under a cap,
 * suspend/resume around deferred jobs, answers, and per-request metrics and log lines.
 */
#include "server/http.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "server/jsonx.h"
#include "server/log.h"
#include "server/api.h"
#include "server/connwatch.h"
#include "server/metrics.h"

struct http_server {
    struct MHD_Daemon *daemon;
    struct api_ctx *api;
    size_t (*body_max)(enum route route);
    int64_t request_limit_us;     /* headers and body must be in within this */
    struct connwatch *watch;
    atomic_int suspended;         /* requests waiting for a job */
    atomic_int routing;           /* requests inside route(), which may suspend them */
    atomic_int connections;       /* open connections */
    atomic_int draining;          /* http_drain was called: refuse new requests */
};

struct http_req *http_req_of_job(struct pool_job *job)
{
    return (struct http_req *)(void *)((char *)job - offsetof(struct http_req, job));
}

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
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
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
    atomic_fetch_add(&r->srv->suspended, 1);
    r->suspended = 1;
    MHD_suspend_connection(r->conn);
}

void http_defer(struct http_req *r, struct pool *pool)
{
    http_suspend(r);
    pool_submit(pool, &r->job);
}

void http_resume(struct http_req *r)
{
    MHD_resume_connection(r->conn);
}

static struct http_req *req_new(struct http_server *s, struct MHD_Connection *c,
                                const char *url, const char *method)
{
    struct http_req *r = calloc(1, sizeof *r);
    if (r == NULL)
        return NULL;
    r->srv = s;
    r->api = s->api;
    r->conn = c;
    r->url = url;
    r->method = method;
    r->content_type = "application/json";
    r->t0_us = clock_mono_us();
    r->route_rc = router_match(method, url, &r->match);
    buf_init(&r->body, s->body_max(r->match.route));
    return r;
}

/* drop_input: free the body and its parsed tree (a deferred request keeps only what its
 * handler copied out, so that waiting for a pool costs no more than the request object). */
static void drop_input(struct http_req *r)
{
    buf_free(&r->body);
    json_decref(r->json);
    r->json = NULL;
}

static void req_free(struct http_req *r)
{
    drop_input(r);
    sodium_memzero(r->password, sizeof r->password);
    free(r->resp);
    free(r);
}

static enum MHD_Result send_answer(struct http_req *r)
{
    char *body = r->resp;
    r->resp = NULL;
    struct MHD_Response *resp = MHD_create_response_from_buffer(strlen(body), body, MHD_RESPMEM_MUST_FREE);
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
    } else {
        api_handle(r->srv->api, r);
    }
    if (r->suspended)
        drop_input(r);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version,
                                  const char *upload, size_t *upload_size, void **con_cls)
{
    struct http_server *s = cls;
    struct http_req *r = *con_cls;
    (void)version;
    if (r == NULL) {
        if ((r = req_new(s, c, url, method)) == NULL)
            return MHD_NO;
        *con_cls = r;
        const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
        r->watch = ci != NULL ? ci->socket_context : NULL;
        connwatch_busy(s->watch, r->watch, 1);
        early_checks(r);
        return r->answered ? send_answer(r) : MHD_YES;
    }
    if (r->suspended) {   /* resumed: the job set the answer */
        r->suspended = 0;
        atomic_fetch_sub(&s->suspended, 1);
        return send_answer(r);
    }
    if (*upload_size > 0) {
        if (clock_mono_us() - r->t0_us > s->request_limit_us)
            return MHD_NO;   /* a body dripped too slowly: close */
        if (!r->body_too_large && buf_append(&r->body, upload, *upload_size) != 0)
            r->body_too_large = 1;
        *upload_size = 0;
        return MHD_YES;
    }
    if (r->answered)
        return MHD_YES;   /* answer already queued (early refusal) */
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
    if (r->suspended)   /* the client left while its job ran */
        atomic_fetch_sub(&r->srv->suspended, 1);
    connwatch_busy(r->srv->watch, r->watch, 0);
    int64_t us = clock_mono_us() - r->t0_us;
    int status = r->answered ? r->status : 0;
    metrics_request(r->match.route, status, us);
    char method[64], url[512];
    if (log_enabled(LOG_INFO))
        log_info("%s %s %d %.1fms%s", log_escape(r->method, method, sizeof method),
                 log_escape(r->url, url, sizeof url), status, (double)us / 1000.0,
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
        const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
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

struct http_server *http_start(const struct http_config *cfg, struct api_ctx *api,
                               char *err, size_t errcap)
{
    struct sockaddr_in sa;
    if (parse_addr(cfg, &sa) != 0) {
        snprintf(err, errcap, "cannot parse listen address %s (an IPv4 address is expected)", cfg->host);
        return NULL;
    }
    struct http_server *s = calloc(1, sizeof *s);
    if (s == NULL) {
        snprintf(err, errcap, "no memory");
        return NULL;
    }
    s->api = api;
    s->body_max = cfg->body_max;
    s->request_limit_us = (int64_t)cfg->conn_timeout_s * 1000000;
    if ((s->watch = connwatch_start((int64_t)cfg->conn_timeout_s * 1000)) == NULL) {
        snprintf(err, errcap, "cannot start the connection watch");
        free(s);
        return NULL;
    }
    unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ITC
                     | MHD_USE_ERROR_LOG;
    s->daemon = MHD_start_daemon(flags, (uint16_t)cfg->port, NULL, NULL, on_request, s,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned)(cfg->threads > 1 ? cfg->threads : 1),
        MHD_OPTION_CONNECTION_LIMIT, cfg->max_connections,
        MHD_OPTION_CONNECTION_TIMEOUT, cfg->conn_timeout_s,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(32 * 1024),
        MHD_OPTION_LISTEN_BACKLOG_SIZE, 4096u,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
        MHD_OPTION_NOTIFY_CONNECTION, on_connection, s,
        MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, s,
        MHD_OPTION_END);
    if (s->daemon == NULL) {
        snprintf(err, errcap, "cannot listen on %s:%d", cfg->host, cfg->port);
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
    MHD_socket lfd = MHD_quiesce_daemon(s->daemon);
    if (lfd != MHD_INVALID_SOCKET)
        close(lfd);   /* new connections are refused from now on, not left in the backlog */
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
