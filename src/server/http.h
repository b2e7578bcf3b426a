/*
 * http.h: lastroomd's HTTP front on libmicrohttpd, and the request object handlers see.
 * It knows routes (router.h) but nothing of what a handler does with a request.
 *
 * MHD runs N epoll threads (a thread pool, each with its own listening share), none of
 * which ever blocks: a handler whose answer needs the database or a password hash
 * suspends the request (MHD_suspend_connection) and hands the work to another thread,
 * which sets the answer and resumes the connection; the event thread sends it. Caps:
 * body (413), header count (431), header bytes (MHD's per-connection memory), idle
 * connections time out, a connection gets no longer than that timeout to deliver a
 * complete request however slowly it drips it (connwatch.h), total connections are
 * limited.
 */
#ifndef LASTROOM_SERVER_HTTP_H
#define LASTROOM_SERVER_HTTP_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#include "server/buf.h"
#include "server/router.h"

#define HTTP_MAX_HEADERS 64

struct http_server;
struct MHD_Connection;
struct connwatch_conn;

/* One request, from its first byte to its answer. Owned by http.c; freed after the
 * answer was sent (or the client went away). The layer above keeps what it needs in
 * state, which it allocates and frees through the callbacks of struct http_config. */
struct http_req {
    struct http_server *srv;
    struct MHD_Connection *conn;
    const char *method; /* owned by MHD, valid for the request */
    const char *url;    /* path without the query string */
    struct router_match match;
    enum router_rc route_rc;
    struct buf body; /* capped by body_max(route); freed by http_suspend */
    int body_too_large;
    void *state;   /* the handler's, from req_open; NULL before routing */
    char peer[48]; /* the client's IP address, once http_peer was asked */
    /* the answer */
    int status;
    char *resp; /* malloc'd body */
    const char *content_type;
    char allow[48];
    int retry_after;
    int answered; /* status and resp are set */
    int suspended;
    int64_t t0_us;
    struct connwatch_conn *watch; /* the connection's entry in the slow-client watch */
};

/* What http_start serves and how a routed request (404 and 405 are answered here) is
 * handed to the layer above: req_open(cls, r) makes its per-request state (NULL: no
 * memory, answered 500), req_handle(state) answers (http_reply) or suspends
 * (http_suspend) the request, req_close(state) frees the state once the request is
 * over. All three run on an event thread. */
struct http_config {
    const char *host; /* IPv4 address or "localhost" */
    int port;
    int threads;
    unsigned max_connections;
    unsigned conn_timeout_s;
    unsigned per_ip_limit;                /* open connections per client address; 0: no cap */
    const char *trusted_proxies;          /* comma-separated IPv4 addresses whose PROXY protocol
                                     header (v1 or v2) names the client; NULL: none */
    size_t (*body_max)(enum route route); /* the body cap of each route */
    void *cls;
    void *(*req_open)(void *cls, struct http_req *r);
    void (*req_handle)(void *state);
    void (*req_close)(void *state);
};

/* The most --trusted-proxy addresses, and how long a connection from one of them has to
 * deliver its PROXY header (the connection is closed past it). */
#define HTTP_MAX_TRUSTED     16
#define HTTP_PROXY_HEADER_MS 1000

/* http_trusted_parse: the comma-separated IPv4 addresses of list (NULL: none) into out.
 * Returns how many, or -1 for a malformed list or one of more than HTTP_MAX_TRUSTED. */
int http_trusted_parse(const char *list, struct in_addr out[HTTP_MAX_TRUSTED]);

/* http_start: listen and serve. With trusted proxies, lastroomd accepts connections on
 * its own thread, reads the PROXY header of those from a trusted address (one without
 * a header keeps the proxy's address) and hands each connection to libmicrohttpd with
 * the client's address, which per-address limits and http_peer then see. Returns the
 * server, or NULL with a reason in err. */
struct http_server *http_start(const struct http_config *cfg, char *err, size_t errcap);

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

/* http_suspend: free r's body and suspend its connection until http_resume; the caller
 * then hands the work to another thread, which sets the answer and calls http_resume. */
void http_suspend(struct http_req *r);

/* http_resume: wake the suspended connection of r so that its answer is sent. Any thread. */
void http_resume(struct http_req *r);

#endif
