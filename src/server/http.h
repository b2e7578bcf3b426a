/*
 * http.h: lastroomd's HTTP front on libmicrohttpd, and the request object handlers see.
 *
 * MHD runs N epoll threads (a thread pool, each with its own listening share), none of
 * which ever blocks: a request whose answer needs the database or a password hash is
 * suspended (MHD_suspend_connection) and its job queued to a pool; the job's completion
 * sets the answer and resumes the connection, and the event thread sends it. Caps:
 * body (413), header count (431), header bytes (MHD's per-connection memory), idle
 * connections time out, a connection gets no longer than that timeout to deliver a
 * complete request however slowly it drips it (connwatch.h), total connections are
 * limited.
 */
#ifndef LASTROOM_SERVER_HTTP_H
#define LASTROOM_SERVER_HTTP_H

#include <jansson.h>
#include <stdint.h>

#include "server/buf.h"
#include "server/auth.h"
#include "server/pool.h"
#include "server/router.h"

#define HTTP_MAX_PARAMS 10
#define HTTP_PARAM_BYTES 48
#define HTTP_MAX_HEADERS 64
#define HTTP_TEXT_BYTES 1536      /* copies of the text parameters of one call */
#define HTTP_PASSWORD_MAX 128

struct http_server;
struct MHD_Connection;
struct api_ctx;
struct connwatch_conn;

/* One request, from its first byte to its answer. Owned by http.c; freed after the
 * answer was sent (or the client went away). */
struct http_req {
    struct http_server *srv;
    struct api_ctx *api;
    struct MHD_Connection *conn;
    const char *method;           /* owned by MHD, valid for the request */
    const char *url;              /* path without the query string */
    struct router_match match;
    enum router_rc route_rc;
    struct auth_user user;        /* set when the route needs a token */
    struct buf body;              /* capped by api_body_max(route); freed once deferred */
    int body_too_large;
    json_t *json;                 /* the parsed body, once a handler asked for it; freed
                                     once deferred, so a handler copies what its job needs */
    /* the database call a handler prepared (see api_db.h) */
    int stmt;
    int nparams;
    const char *params[HTTP_MAX_PARAMS];
    char pbuf[HTTP_MAX_PARAMS][HTTP_PARAM_BYTES];
    char text[HTTP_TEXT_BYTES];   /* the text parameters, copied out of the body */
    size_t text_used;
    char password[HTTP_PASSWORD_MAX + 1];   /* register, login; wiped once used */
    size_t password_len;
    char fingerprint[65];         /* idempotency: hex SHA-256 of the normalised request */
    char email[256];              /* register, login: the address, lowercased */
    char peer[48];                /* the client's IP address, once http_peer was asked */
    char hash[AUTH_HASH_MAX];     /* register: the password hash; login: the stored hash */
    int64_t found_user_id;        /* login: the user found, 0 when none */
    int found_admin;
    /* the answer */
    int status;
    char *resp;                   /* malloc'd body */
    const char *content_type;
    char allow[48];
    int retry_after;
    int answered;                 /* status and resp are set */
    int suspended;
    int64_t t0_us;
    struct connwatch_conn *watch;  /* the connection's entry in the slow-client watch */
    struct pool_job job;
};

struct http_config {
    const char *host;             /* IPv4 address or "localhost" */
    int port;
    int threads;
    unsigned max_connections;
    unsigned conn_timeout_s;
    size_t (*body_max)(enum route route);   /* the body cap of each route */
};

struct api_ctx;

/* http_start: listen and serve, dispatching routed requests to api_handle(api, req).
 * Returns the server, or NULL with a reason in err. */
struct http_server *http_start(const struct http_config *cfg, struct api_ctx *api,
                               char *err, size_t errcap);

/* How long http_stop waits, once every deferred request is answered, for clients to
 * close their connections after a Connection: close answer. */
#define HTTP_DRAIN_IDLE_MS 2000

/* http_drain: stop accepting (the listening socket is closed) and answer every request
 * that arrives from now on, on connections already open, 503 shutting_down with
 * Retry-After and Connection: close; every answer sent from now on carries
 * Connection: close. Deferred requests go on and are answered. Idempotent. */
void http_drain(struct http_server *s);

/* http_stop: drain, wait up to grace_ms for every deferred request to be answered,
 * wait up to HTTP_DRAIN_IDLE_MS for the clients to close, close the rest and free the
 * server. Returns 0; or -1 when deferred requests were still unanswered after grace_ms,
 * in which case the server is left running (stopping it would abort) and the caller
 * should exit. */
int http_stop(struct http_server *s, int grace_ms);

/* http_query / http_header: a query argument or request header (NULL when absent);
 * owned by MHD, valid while the request lives. */
const char *http_query(struct http_req *r, const char *name);
const char *http_header(struct http_req *r, const char *name);

/* http_peer: the client's IP address as text ("127.0.0.1", "::1"; "unknown" when MHD
 * cannot tell), kept in r->peer for the request's life. */
const char *http_peer(struct http_req *r);

/* http_reply: set the answer; body is malloc'd text taken over (NULL: 500). */
void http_reply(struct http_req *r, int status, char *body);

/* http_reply_error: set an error answer {"error":{"code","message"}}. */
void http_reply_error(struct http_req *r, int status, const char *code, const char *message);

/* http_defer: suspend the connection and queue r->job (run, done already set by the
 * caller) to pool. The job's done must set the answer and call http_resume. */
void http_defer(struct http_req *r, struct pool *pool);

/* http_suspend: suspend the connection of r until http_resume, for a job that the
 * caller queues itself (http_defer is http_suspend then pool_submit). */
void http_suspend(struct http_req *r);

/* http_resume: wake the suspended connection of r so that its answer is sent. Any thread. */
void http_resume(struct http_req *r);

/* http_req_of_job: the request a job is embedded in. */
struct http_req *http_req_of_job(struct pool_job *job);

#endif
