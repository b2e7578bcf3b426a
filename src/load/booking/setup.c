/*
 * setup.c: the blocking HTTP client behind scenario setup and API verification.
 *
 * Each call opens a connection to the target (loopback unless setup_allow_remote), writes one request with
 * "Connection: close", and reads until the response is complete (libhttp-parser,
 * which also undoes chunked encoding) or the peer closes. Every socket operation has
 * the client's timeout; the response is capped at SETUP_RESP_MAX bytes. Bodies are
 * parsed with jansson. This code is never on the measuring path.
 *
 * https:// targets go through the load engine's TLS code (tls.h) on the blocking
 * socket, with the run's TLS options (setup_tls_options): one context for the
 * process, made on the first https target; each call its own handshake.
 */
#include "load/booking/setup.h"

#include <errno.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <stdarg.h>
#include <http_parser.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "load/engine/tls.h"

/* The response being read. */
struct reply {
    char *body;
    size_t len;
    int complete;
    int too_big;
};

/* Write a reason into err and return -1. */
static int fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

static bool setup_remote_ok;

void setup_allow_remote(bool allow)
{
    setup_remote_ok = allow;
}

/* The TLS options and the context made from them (under tls_mu). */
static pthread_mutex_t tls_mu = PTHREAD_MUTEX_INITIALIZER;
static struct tls_config tls_cfg;
static struct tls_client *tls_ctx;

void setup_tls_options(const struct tls_config *cfg)
{
    pthread_mutex_lock(&tls_mu);
    tls_cfg = *cfg;
    tls_client_free(tls_ctx);
    tls_ctx = NULL;
    pthread_mutex_unlock(&tls_mu);
}

/* The process's TLS context, made on first use. */
static struct tls_client *tls_context(char *err, size_t errlen)
{
    pthread_mutex_lock(&tls_mu);
    if (!tls_ctx)
        tls_ctx = tls_client_new(&tls_cfg, err, errlen);
    struct tls_client *t = tls_ctx;
    pthread_mutex_unlock(&tls_mu);
    return t;
}

void setup_tls_end(void)
{
    pthread_mutex_lock(&tls_mu);
    tls_client_free(tls_ctx);
    tls_ctx = NULL;
    pthread_mutex_unlock(&tls_mu);
}

/* One call's connection: the socket, and its TLS when https. */
struct link {
    int fd;
    SSL *ssl;
    struct tls_session sess;
};

int setup_http_init(struct setup_http *h, const char *base_url, int timeout_ms, char *err,
                    size_t errlen)
{
    struct sockaddr_storage addr;
    socklen_t alen;
    memset(h, 0, sizeof *h);
    h->timeout_ms = timeout_ms > 0 ? timeout_ms : 30000;
    if (url_parse(&h->url, base_url, err, errlen) < 0)
        return -1;
    snprintf(h->host, sizeof h->host, "%s", h->url.host);
    snprintf(h->port, sizeof h->port, "%s", h->url.port);
    if (h->url.tls && !tls_context(err, errlen))
        return -1;
    if (url_resolve(&h->url, &addr, &alen, err, errlen) < 0)
        return -1;
    if (!setup_remote_ok && !url_is_loopback((const struct sockaddr *)&addr))
        return fail(err, errlen,
                    "%s: not a loopback address; the booking scenarios write "
                    "data through the admin API, so a remote target needs --allow-remote",
                    h->url.host);
    return 0;
}

static void set_timeouts(int fd, int ms)
{
    struct timeval tv = { .tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000 };
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

static int dial_tcp(const struct setup_http *h, char *err, size_t errlen)
{
    struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai = NULL;
    if (getaddrinfo(h->url.host, h->url.port, &hints, &ai) != 0)
        return fail(err, errlen, "%s:%s: cannot resolve", h->url.host, h->url.port);
    int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd >= 0) {
        set_timeouts(fd, h->timeout_ms);
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(ai);
    if (fd < 0)
        fail(err, errlen, "cannot connect to %s:%s (is lastroomd running?)", h->url.host,
             h->url.port);
    return fd;
}

/* Connect l to h's target, with the TLS handshake over https. Returns 0, or -1 with
 * the reason in err (l closed). */
static int dial(const struct setup_http *h, struct link *l, char *err, size_t errlen)
{
    memset(l, 0, sizeof *l);
    if ((l->fd = dial_tcp(h, err, errlen)) < 0)
        return -1;
    if (!h->url.tls)
        return 0;
    struct tls_client *t = tls_context(err, errlen);
    l->ssl = t ? tls_conn_new(t, l->fd, h->url.host, url_host_is_ip(&h->url), &l->sess) : NULL;
    if (l->ssl && SSL_connect(l->ssl) == 1)
        return 0;
    const char *why = l->ssl ? tls_error_name(l->ssl) : "out of memory";
    fail(err, errlen, "TLS handshake with %s:%s failed: %s", h->url.host, h->url.port, why);
    SSL_free(l->ssl);
    l->ssl = NULL;
    close(l->fd);
    tls_session_clear(&l->sess);
    return -1;
}

static void hang_up(struct link *l)
{
    if (l->ssl) {
        SSL_shutdown(l->ssl);
        SSL_free(l->ssl);
        ERR_clear_error();
    }
    close(l->fd);
    tls_session_clear(&l->sess);
}

/* send(2) or SSL_write: bytes written, or <= 0 on failure. */
static ssize_t link_send(struct link *l, const char *buf, size_t len)
{
    if (!l->ssl)
        return send(l->fd, buf, len, MSG_NOSIGNAL);
    int n = SSL_write(l->ssl, buf, len > INT32_MAX ? INT32_MAX : (int)len);
    return n > 0 ? n : -1;
}

/* recv(2) or SSL_read: bytes read, 0 at the end, -1 on failure. */
static ssize_t link_recv(struct link *l, char *buf, size_t len)
{
    if (!l->ssl)
        return recv(l->fd, buf, len, 0);
    int n = SSL_read(l->ssl, buf, (int)len);
    if (n > 0)
        return n;
    int e = SSL_get_error(l->ssl, n);
    ERR_clear_error();
    return e == SSL_ERROR_ZERO_RETURN ? 0 : -1;
}

static int send_all(struct link *l, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t w = link_send(l, buf, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        buf += w;
        len -= (size_t)w;
    }
    return 0;
}

/* Write the request head and body; head is built in a heap buffer sized to fit. */
static int send_request(struct link *l, const struct setup_http *h, const char *method,
                        const char *path, const char *token, const char *body)
{
    size_t blen = body ? strlen(body) : 0;
    size_t cap = strlen(h->url.prefix) + strlen(path) + (token ? strlen(token) : 0) + 768;
    char *head = malloc(cap);
    if (!head)
        return -1;
    int n = snprintf(head, cap,
                     "%s %s%s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n"
                     "Accept: application/json\r\nUser-Agent: lastroom-load/setup\r\n"
                     "%s%s%s%sContent-Length: %zu\r\n\r\n",
                     method, h->url.prefix, path, h->url.authority,
                     token ? "Authorization: Bearer " : "", token ? token : "", token ? "\r\n" : "",
                     body ? "Content-Type: application/json\r\n" : "", blen);
    int rc = (n < 0 || (size_t)n >= cap) ? -1 : send_all(l, head, (size_t)n);
    free(head);
    if (rc == 0 && blen)
        rc = send_all(l, body, blen);
    return rc;
}

static int on_body(http_parser *p, const char *at, size_t len)
{
    struct reply *r = p->data;
    if (r->len + len > SETUP_RESP_MAX) {
        r->too_big = 1;
        return -1;
    }
    char *nb = realloc(r->body, r->len + len + 1);
    if (!nb)
        return -1;
    memcpy(nb + r->len, at, len);
    r->body = nb;
    r->len += len;
    r->body[r->len] = '\0';
    return 0;
}

static int on_complete(http_parser *p)
{
    ((struct reply *)p->data)->complete = 1;
    return 0;
}

/* Read and parse the response; 0 when it is complete. */
static int read_reply(struct link *l, http_parser *p, struct reply *r)
{
    http_parser_settings s;
    memset(&s, 0, sizeof s);
    s.on_body = on_body;
    s.on_message_complete = on_complete;
    char buf[16384];
    size_t total = 0;
    while (!r->complete) {
        ssize_t n = link_recv(l, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        total += (size_t)n;
        if (total > SETUP_RESP_MAX)
            r->too_big = 1;
        size_t used = http_parser_execute(p, &s, buf, (size_t)n);
        if (r->too_big || (n > 0 && used != (size_t)n) || HTTP_PARSER_ERRNO(p) != HPE_OK)
            return -1;
        if (n == 0)
            break;
    }
    return r->complete ? 0 : -1;
}

int setup_call(const struct setup_http *h, const char *method, const char *path, const char *token,
               const json_t *body, int *status, json_t **resp, char *err, size_t errlen)
{
    *resp = NULL;
    char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    struct link l;
    if (dial(h, &l, err, errlen) != 0) {
        free(text);
        return -1;
    }
    http_parser p;
    struct reply r = { 0 };
    http_parser_init(&p, HTTP_RESPONSE);
    p.data = &r;
    int rc = send_request(&l, h, method, path, token, text);
    if (rc == 0)
        rc = read_reply(&l, &p, &r);
    hang_up(&l);
    free(text);
    if (rc < 0) {
        free(r.body);
        return fail(err, errlen, "%s %s: no complete response (timeout, closed, or too big)",
                    method, path);
    }
    *status = (int)p.status_code;
    if (r.len)
        *resp = json_loadb(r.body, r.len, 0, NULL);
    free(r.body);
    return 0;
}

/* "<status> <error.code>" of an error answer, for messages. */
static void describe(char *out, size_t cap, int status, const json_t *resp)
{
    const char *code = json_string_value(json_object_get(json_object_get(resp, "error"), "code"));
    snprintf(out, cap, "%d %s", status, code ? code : "");
}

/* setup_call expecting `want`; any other status is an error naming it. */
static int call_expect(const struct setup_http *h, const char *method, const char *path,
                       const char *token, const json_t *body, int want, json_t **resp, char *err,
                       size_t errlen)
{
    int status = 0;
    if (setup_call(h, method, path, token, body, &status, resp, err, errlen) < 0)
        return -1;
    if (status == want)
        return 0;
    char what[128];
    describe(what, sizeof what, status, *resp);
    json_decref(*resp);
    *resp = NULL;
    return fail(err, errlen, "%s: answered %s", path, what);
}

static void pause_ms(long ms)
{
    struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}

int setup_login(const struct setup_http *h, const char *email, const char *password, char *token,
                size_t cap, int64_t *user_id, char *err, size_t errlen)
{
    json_t *body = json_pack("{s:s, s:s}", "email", email, "password", password);
    json_t *resp = NULL;
    int status = 0, rc = -1;
    for (int attempt = 0; attempt < 20; attempt++) {
        json_decref(resp);
        resp = NULL;
        rc = setup_call(h, "POST", "/api/auth/login", NULL, body, &status, &resp, err, errlen);
        if (rc < 0 || status != 429)
            break;
        pause_ms(250);
    }
    json_decref(body);
    const char *tok = json_string_value(json_object_get(resp, "token"));
    if (rc == 0 && (status != 200 || !tok || strlen(tok) >= cap)) {
        char what[128];
        describe(what, sizeof what, status, resp);
        rc = fail(err, errlen, "login as %s: answered %s", email, what);
    }
    if (rc == 0) {
        memcpy(token, tok, strlen(tok) + 1);
        if (user_id)
            *user_id =
                json_integer_value(json_object_get(json_object_get(resp, "user"), "user_id"));
    }
    json_decref(resp);
    return rc;
}

static int register_one(const struct setup_http *h, const char *email, const char *password,
                        char *err, size_t errlen)
{
    json_t *body = json_pack("{s:s, s:s, s:s}", "email", email, "password", password, "full_name",
                             "Load Test");
    json_t *resp = NULL;
    int rc = call_expect(h, "POST", "/api/auth/register", NULL, body, 201, &resp, err, errlen);
    json_decref(body);
    json_decref(resp);
    return rc;
}

/* Shared work list of setup_register_all's and setup_login_all's threads. */
struct reg_job {
    const struct setup_http *h;
    char *const *emails;
    char *const *tokens; /* NULL: register; else log in into tokens[i] */
    size_t cap;
    const char *password;
    int n, next, failed;
    char err[256];
    pthread_mutex_t mu;
};

static int job_one(const struct reg_job *j, int i, char *err, size_t errlen)
{
    if (!j->tokens)
        return register_one(j->h, j->emails[i], j->password, err, errlen);
    return setup_login(j->h, j->emails[i], j->password, j->tokens[i], j->cap, NULL, err, errlen);
}

static void *job_worker(void *arg)
{
    struct reg_job *j = arg;
    for (;;) {
        pthread_mutex_lock(&j->mu);
        int i = j->failed ? j->n : j->next++;
        pthread_mutex_unlock(&j->mu);
        if (i >= j->n)
            return NULL;
        char err[256];
        if (job_one(j, i, err, sizeof err) < 0) {
            pthread_mutex_lock(&j->mu);
            if (!j->failed)
                snprintf(j->err, sizeof j->err, "%s", err);
            j->failed = 1;
            pthread_mutex_unlock(&j->mu);
        }
    }
}

/* Run job j on up to `threads` threads. */
static int run_job(struct reg_job *j, int threads, char *err, size_t errlen)
{
    int n = j->n;
    pthread_mutex_init(&j->mu, NULL);
    pthread_t tid[16];
    int started = 0;
    threads = threads < 1 ? 1 : threads > 16 ? 16 : threads;
    for (int i = 0; i < threads && i < n; i++)
        if (pthread_create(&tid[started], NULL, job_worker, j) == 0)
            started++;
    if (started == 0)
        job_worker(j);
    for (int i = 0; i < started; i++)
        pthread_join(tid[i], NULL);
    pthread_mutex_destroy(&j->mu);
    if (j->failed)
        return fail(err, errlen, "%s users: %s", j->tokens ? "logging in" : "registering", j->err);
    return 0;
}

int setup_register_all(const struct setup_http *h, char *const *emails, int n, const char *password,
                       int threads, char *err, size_t errlen)
{
    struct reg_job j = { .h = h, .emails = emails, .password = password, .n = n };
    return run_job(&j, threads, err, errlen);
}

int setup_login_all(const struct setup_http *h, char *const *emails, char *const *tokens,
                    size_t cap, int n, const char *password, int threads, char *err, size_t errlen)
{
    struct reg_job j = {
        .h = h, .emails = emails, .tokens = tokens, .cap = cap, .password = password, .n = n
    };
    return run_job(&j, threads, err, errlen);
}

/* POST an admin object and read its integer id field. */
static int create(const struct setup_http *h, const char *token, const char *path, json_t *body,
                  const char *id_field, int64_t *id, char *err, size_t errlen)
{
    json_t *resp = NULL;
    int rc = call_expect(h, "POST", path, token, body, 201, &resp, err, errlen);
    json_decref(body);
    if (rc == 0 && !json_is_integer(json_object_get(resp, id_field)))
        rc = fail(err, errlen, "%s: answer has no %s", path, id_field);
    if (rc == 0)
        *id = json_integer_value(json_object_get(resp, id_field));
    json_decref(resp);
    return rc;
}

int setup_create_hotel(const struct setup_http *h, const char *token, const char *name, int64_t *id,
                       char *err, size_t errlen)
{
    json_t *body =
        json_pack("{s:s, s:s, s:s}", "name", name, "city", "Loadtown", "address", "1 Test Street");
    return create(h, token, "/api/admin/hotels", body, "hotel_id", id, err, errlen);
}

int setup_create_room_type(const struct setup_http *h, const char *token, int64_t hotel_id,
                           const char *name, int64_t *id, char *err, size_t errlen)
{
    json_t *body = json_pack("{s:I, s:s, s:i, s:i}", "hotel_id", (json_int_t)hotel_id, "name", name,
                             "capacity", 2, "base_price_cents", 10000);
    return create(h, token, "/api/admin/room-types", body, "room_type_id", id, err, errlen);
}

int setup_set_inventory(const struct setup_http *h, const char *token, int64_t room_type_id,
                        const char *from, const char *to, int allotment, char *err, size_t errlen)
{
    json_t *body = json_pack("{s:I, s:s, s:s, s:i}", "room_type_id", (json_int_t)room_type_id,
                             "from", from, "to", to, "allotment", allotment);
    json_t *resp = NULL;
    int rc = call_expect(h, "PUT", "/api/admin/inventory", token, body, 200, &resp, err, errlen);
    json_decref(body);
    json_decref(resp);
    return rc;
}

int setup_get(const struct setup_http *h, const char *path, const char *token, json_t **resp,
              char *err, size_t errlen)
{
    if (call_expect(h, "GET", path, token, NULL, 200, resp, err, errlen) < 0)
        return -1;
    if (!*resp)
        return fail(err, errlen, "%s: the answer is not JSON", path);
    return 0;
}
